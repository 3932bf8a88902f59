// The safetensors element types aeserve can load, and their conversion to Float.

/// An element type this module converts to Float; other safetensors dtypes are refused.
enum SafeTensorsDtype: String, Sendable {
    case f32 = "F32"
    case f64 = "F64"
    case f16 = "F16"
    case bf16 = "BF16"

    /// Bytes per element.
    var byteSize: Int {
        switch self {
        case .f32: 4
        case .f64: 8
        case .f16, .bf16: 2
        }
    }

    /// Reads `count` little-endian elements from `bytes` (any alignment) as Float.
    func floats(from bytes: UnsafeRawBufferPointer, count: Int) -> [Float] {
        precondition(bytes.count == count * byteSize, "caller validated the byte range")
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            switch self {
            case .f32:
                // The bulk copy is the fast path for aeserve's own files; the bytes are
                // little-endian, so only a big-endian host needs a second pass.
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: bytes)
                #if _endian(big)
                for i in 0..<count {
                    buffer[i] = Float(bitPattern: UInt32(littleEndian: buffer[i].bitPattern))
                }
                #endif
            case .f64:
                for i in 0..<count {
                    let bits = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self))
                    buffer[i] = Float(Double(bitPattern: bits))
                }
            case .f16:
                for i in 0..<count {
                    let bits = UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))
                    buffer[i] = Float(Float16(bitPattern: bits))
                }
            case .bf16:
                // bfloat16 is the top half of a float32, so widening is a shift.
                for i in 0..<count {
                    let bits = UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))
                    buffer[i] = Float(bitPattern: UInt32(bits) << 16)
                }
            }
            initialized = count
        }
    }
}
