// A few rows of a stored dataset file, read without loading the rest: a plain IDX or NPY file
// is read at the rows' offset; a gzip or CSV file is streamed up to the last row wanted.
import Foundation
import Glibc

/// Reads a window of rows from a dataset file.
public enum DatasetRows {
    /// Rows `offset ..< offset + count` of the file at `url` (fewer at its end), row-major, with
    /// the features per row. `format` nil tells it from the content.
    public static func read(_ url: URL, format: DatasetFormat?, offset: Int, count: Int,
                            maxInflatedBytes: Int = DatasetLoader.defaultMaxBytes) throws(DataError)
        -> (dimension: Int, values: [Float])
    {
        precondition(offset >= 0 && count >= 0, "DatasetRows.read: offset and count must not be negative")
        let source = url.lastPathComponent
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw DataError(.unreadable, source: source, at: .whole, "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let window = Window(offset: offset, count: count)
        let (end, overflow) = offset.addingReportingOverflow(count)
        var stream = DatasetStream(source: source, format: format, maxInflatedBytes: maxInflatedBytes,
                                   rowLimit: overflow ? nil : end, sink: { window.take($0, dimension: $1) })
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var position = 0
        while true {
            let read = try chunk.withMutableDataBytes { (buffer) throws(DataError) in
                try readSome(fd, into: buffer, at: position, source: source)
            }
            if read == 0 { break }
            position += read
            try chunk.withDataBytes { (raw) throws(DataError) in
                try stream.consume(UnsafeRawBufferPointer(rebasing: raw[..<read]))
            }
            // A plain binary file: jump to the rows instead of reading up to them.
            if !stream.isGzip, let layout = stream.layout, let dataOffset = layout.dataOffset {
                return (layout.dimension, try readDirect(fd, layout: layout, dataOffset: dataOffset, window: window,
                                                         source: source))
            }
            if window.isFull { return (window.dimension, window.values) }
        }
        let layout = try stream.finish()
        return (layout.dimension, window.values)
    }

    /// Reads the window's rows of a plain IDX or NPY file straight from their offset.
    private static func readDirect(_ fd: Int32, layout: DatasetLayout, dataOffset: Int, window: Window,
                                   source: String) throws(DataError) -> [Float] {
        guard window.offset < layout.rows else { return [] }
        let rows = min(window.count, layout.rows - window.offset)
        let size = layout.elementType.size
        let elements = rows * layout.dimension
        var bytes = [UInt8](repeating: 0, count: elements * size)
        let start = dataOffset + window.offset * layout.dimension * size
        var filled = 0
        while filled < bytes.count {
            let read = try bytes.withMutableDataBytes { (buffer) throws(DataError) in
                try readSome(fd, into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]), at: start + filled,
                             source: source)
            }
            guard read > 0 else {
                throw DataError(.truncated, source: source, at: .byte(start + filled), "the stored file is shorter than its header says")
            }
            filled += read
        }
        let decoder = ElementDecoder(type: layout.elementType, bigEndian: layout.isBigEndian)
        return bytes.withUnsafeBytes { raw in
            [Float](unsafeUninitializedCapacity: elements) { out, initialized in
                decoder.convert(raw.baseAddress!, count: elements, into: out.baseAddress!)
                initialized = elements
            }
        }
    }

    private static func readSome(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int,
                                 source: String) throws(DataError) -> Int {
        while true {
            let count = pread(fd, buffer.baseAddress, buffer.count, off_t(offset))
            if count >= 0 { return count }
            if errno == EINTR { continue }
            throw DataError(.unreadable, source: source, at: .byte(offset), "cannot read: \(String(cString: strerror(errno)))")
        }
    }

    /// Collects the values of the window's rows from a stream of all values.
    private final class Window {
        let offset: Int, count: Int
        var values: [Float] = []
        var seen = 0
        var dimension = 0
        init(offset: Int, count: Int) { self.offset = offset; self.count = count }

        var isFull: Bool { dimension > 0 && values.count >= count * dimension }

        func take(_ chunk: UnsafeBufferPointer<Float>, dimension: Int) {
            self.dimension = dimension
            let (skip, overflow) = offset.multipliedReportingOverflow(by: dimension)
            let wanted = count * dimension
            let first = max(0, (overflow ? Int.max : skip) - seen)
            seen += chunk.count
            guard first < chunk.count, values.count < wanted else { return }
            let take = min(chunk.count - first, wanted - values.count)
            values.append(contentsOf: chunk[first ..< first + take])
        }
    }
}
