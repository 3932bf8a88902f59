// A whole file already in memory, read through its format's push parser: one implementation of
// each format serves files, uploads and streams alike.

extension Dataset {
    /// Parses the bytes of a whole `format` file, keeping the first `limit` rows.
    static func parse(_ bytes: [UInt8], format: DatasetFormat, source: String, limit: Int?,
                      hasHeader: Bool? = nil) throws -> Dataset {
        guard format.isStreamable else { return try JSONReader.read(bytes, source: source, limit: limit) }
        return try parsed(bytes, format: format, source: source, limit: limit, hasHeader: hasHeader).dataset
    }

    /// Parses the bytes of a whole IDX, NPY or CSV file: its first `limit` rows and its layout.
    /// `scalesBytes` false keeps uint8 values as they are (class labels).
    static func parsed(_ bytes: [UInt8], format: DatasetFormat, source: String, limit: Int? = nil,
                       hasHeader: Bool? = nil, scalesBytes: Bool = true) throws -> (dataset: Dataset, layout: DatasetLayout) {
        let keep = try rowsToKeep(of: .max, limit: limit, source: source)
        let collector = ValueCollector()
        guard var parser = format.parser(source: source, rowLimit: keep, hasHeader: hasHeader, scalesBytes: scalesBytes,
                                         sink: { values, _ in collector.values.append(contentsOf: values) }) else {
            throw DataError(.unsupported, source: source, at: .whole, "\(format.rawValue) files are not parsed in parts")
        }
        let result: Result<Void, DataError> = bytes.withUnsafeBytes { raw in
            do throws(DataError) {
                // The header first, so that the values' buffer is sized once, from what the
                // header declares but no more than the bytes present could hold.
                let head = min(raw.count, 4096)
                try parser.consume(UnsafeRawBufferPointer(rebasing: raw[..<head]))
                if let layout = parser.layout, let offset = layout.dataOffset {
                    let present = max(raw.count - offset, 0) / layout.elementType.size
                    let (wanted, overflow) = min(layout.rows, keep).multipliedReportingOverflow(by: layout.dimension)
                    collector.values.reserveCapacity(overflow ? present : min(wanted, present))
                }
                try parser.consume(UnsafeRawBufferPointer(rebasing: raw[head...]))
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
        let layout = try parser.finish()
        return (Dataset(unchecked: collector.values, dimension: layout.dimension, source: source), layout)
    }
}

/// The values a parser hands over, gathered into one array.
private final class ValueCollector {
    var values: [Float] = []
}
