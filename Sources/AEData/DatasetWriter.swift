// Writes row-major Float tables as NPY (float32, C order) or CSV, the output formats of
// `aeserve encode` and `aeserve reconstruct`.
import Foundation

/// Serialises a `rows × columns` Float table to NPY or CSV bytes and files.
public enum DatasetWriter {
    /// The output formats.
    public enum Format: String, Sendable, CaseIterable {
        case npy, csv

        /// The format a file name implies (`.npy`, `.csv`), or nil.
        public static func infer(from path: String) -> Format? {
            let lower = path.lowercased()
            if lower.hasSuffix(".npy") { return .npy }
            if lower.hasSuffix(".csv") { return .csv }
            return nil
        }
    }

    /// NPY version 1.0 bytes of a float32 `[rows, columns]` array in C order.
    public static func npy(_ values: [Float], rows: Int, columns: Int) -> [UInt8] {
        precondition(values.count == rows * columns, "npy: \(values.count) values for \(rows)×\(columns)")
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(rows), \(columns)), }"
        // Magic (6) + version (2) + length (2) + header + '\n' must be a multiple of 64.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        let length = UInt16(header.utf8.count)
        bytes += [UInt8(length & 0xFF), UInt8(length >> 8)]
        bytes += Array(header.utf8)
        values.withUnsafeBytes { raw in
            // Float is little-endian on every platform Swift on Linux targets.
            bytes.append(contentsOf: raw)
        }
        return bytes
    }

    /// CSV text: one row per line, values printed as the shortest text that reads back exactly.
    public static func csv(_ values: [Float], rows: Int, columns: Int) -> [UInt8] {
        precondition(values.count == rows * columns, "csv: \(values.count) values for \(rows)×\(columns)")
        var text = ""
        text.reserveCapacity(values.count * 10)
        for r in 0..<rows {
            for c in 0..<columns {
                if c > 0 { text += "," }
                text += values[r * columns + c].description
            }
            text += "\n"
        }
        return Array(text.utf8)
    }

    /// Writes the table to `url` in `format` (by default the one its name implies; else CSV).
    public static func write(_ values: [Float], rows: Int, columns: Int, to url: URL, format: Format? = nil) throws {
        let chosen = format ?? Format.infer(from: url.path) ?? .csv
        let bytes = chosen == .npy ? npy(values, rows: rows, columns: columns) : csv(values, rows: rows, columns: columns)
        do {
            try Data(bytes).write(to: url, options: .atomic)
        } catch {
            throw DataError(.unreadable, source: url.path, at: .whole, "cannot write: \(error.localizedDescription)")
        }
    }
}
