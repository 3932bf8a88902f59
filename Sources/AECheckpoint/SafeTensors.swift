// safetensors: 8-byte little-endian header length, JSON header, raw little-endian data.
// Reference: https://github.com/huggingface/safetensors (format spec and Rust validation).
import Foundation

/// Reads, validates and atomically writes safetensors files.
public enum SafeTensors {
    /// The largest header accepted, as in the reference implementation (`MAX_HEADER_SIZE`).
    public static let maximumHeaderLength = 100_000_000

    /// Decodes and validates a whole file held in memory; `source` names it in errors.
    public static func decode(_ bytes: [UInt8], source: String) throws(CheckpointError) -> SafeTensorsFile {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(CheckpointError) in try decode(buffer, source: source) }
        }
        return try result.get()
    }

    /// Encodes F32 tensors laid out contiguously in sorted-name order, with a sorted-key header.
    public static func encode(_ file: SafeTensorsFile) -> [UInt8] {
        var entries: [SafeTensorsHeader.Entry] = []
        var offset = 0
        for (name, tensor) in file.tensors.sorted(by: { $0.key < $1.key }) {
            let size = tensor.values.count * MemoryLayout<Float>.size
            entries.append(.init(name: name, dtype: .f32, shape: tensor.shape, start: offset,
                                 end: offset + size, elementCount: tensor.values.count))
            offset += size
        }
        let header = SafeTensorsHeader.encode(entries, metadata: file.metadata)
        let total = 8 + header.count + offset
        return [UInt8](unsafeUninitializedCapacity: total) { buffer, initialized in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            raw.storeBytes(of: UInt64(header.count).littleEndian, toByteOffset: 0, as: UInt64.self)
            let dataStart = 8 + header.count
            let headerDestination = UnsafeMutableRawBufferPointer(rebasing: raw[8..<dataStart])
            header.withUnsafeBytes { headerDestination.copyMemory(from: $0) }
            for entry in entries {
                guard let values = file.tensors[entry.name]?.values, !values.isEmpty else { continue }
                let destination = UnsafeMutableRawBufferPointer(
                    rebasing: raw[(dataStart + entry.start)..<(dataStart + entry.end)])
                values.withUnsafeBytes { destination.copyMemory(from: $0) }
                #if _endian(big)
                for i in 0..<values.count {
                    destination.storeBytes(of: values[i].bitPattern.littleEndian,
                                           toByteOffset: i * 4, as: UInt32.self)
                }
                #endif
            }
            initialized = total
        }
    }

    /// Reads and validates the file at `url`.
    public static func read(contentsOf url: URL) throws(CheckpointError) -> SafeTensorsFile {
        try decode(FileSystem.readAll(url), source: url.path)
    }

    /// Writes `file` atomically (temp file, fsync, rename, fsync of the directory), so a
    /// reader sees the old file or the new one, never a part; refuses NaN and infinities.
    public static func write(_ file: SafeTensorsFile, to url: URL) throws(CheckpointError) {
        for (name, tensor) in file.tensors.sorted(by: { $0.key < $1.key }) {
            if let index = tensor.values.firstIndex(where: { !$0.isFinite }) {
                throw .nonFinite(file: url.path, tensor: name, index: index, value: tensor.values[index])
            }
        }
        try AtomicFile.write(encode(file), to: url)
    }

    /// Decodes from raw memory: the one path both `decode` and `read` use.
    static func decode(_ bytes: UnsafeRawBufferPointer, source: String) throws(CheckpointError) -> SafeTensorsFile {
        guard bytes.count >= 8 else { throw .truncated(file: source, size: bytes.count) }
        let headerLength = UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self))
        guard headerLength <= UInt64(maximumHeaderLength) else {
            throw .headerTooLarge(file: source, headerLength: headerLength, limit: maximumHeaderLength)
        }
        let dataStart = 8 + Int(headerLength)
        guard dataStart <= bytes.count else {
            throw .headerPastEnd(file: source, headerLength: headerLength, fileSize: bytes.count)
        }
        let data = UnsafeRawBufferPointer(rebasing: bytes[dataStart...])
        let header = try SafeTensorsHeader.parse(UnsafeRawBufferPointer(rebasing: bytes[8..<dataStart]),
                                                 dataSize: data.count, file: source)
        var tensors: [String: Tensor] = [:]
        for entry in header.entries {
            let values = entry.dtype.floats(from: UnsafeRawBufferPointer(rebasing: data[entry.start..<entry.end]),
                                            count: entry.elementCount)
            if let index = values.firstIndex(where: { !$0.isFinite }) {
                throw .nonFinite(file: source, tensor: entry.name, index: index, value: values[index])
            }
            tensors[entry.name] = Tensor(shape: entry.shape, values: values)
        }
        return SafeTensorsFile(tensors: tensors, metadata: header.metadata)
    }
}
