// Appending JSON text to a byte buffer: Floats as the shortest text that reads back to the same
// bits, arrays and row-major matrices of them, and escaped strings.

/// Appends finite `value` as the shortest JSON number that reads back to the same Float
/// (`0.1`, `-0.0`, `1.0`, `3.4028235e38`); returns false and appends nothing for NaN or infinity.
public func appendJSON(_ value: Float, to bytes: inout [UInt8]) -> Bool {
    guard value.isFinite else { return false }
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: FloatWriter.maximumLength) { scratch in
        // The allocation has the capacity asked for, so its base address exists.
        guard let base = scratch.baseAddress else { return }
        let length = FloatWriter.write(value, to: base)
        bytes.append(contentsOf: UnsafeBufferPointer(start: base, count: length))
    }
    return true
}

/// Appends `[v0,v1,…]`; on a NaN or infinity throws naming its index and leaves `bytes` as it was.
public func appendJSON(_ values: some Collection<Float>, to bytes: inout [UInt8]) throws(NonFiniteFloatError) {
    try appendRows(values, columnCount: nil, to: &bytes)
}

/// Appends `values`, row-major with `columnCount` values per row, as `[[…],[…],…]`; on a NaN or
/// infinity throws naming its flat index and leaves `bytes` as it was.
public func appendJSON(
    _ values: some Collection<Float>, columnCount: Int, to bytes: inout [UInt8]
) throws(NonFiniteFloatError) {
    precondition(columnCount > 0 && values.count % columnCount == 0,
                 "\(values.count) values do not make rows of \(columnCount)")
    try appendRows(values, columnCount: columnCount, to: &bytes)
}

/// Appends `string` as a JSON string: quotes, backslashes and control characters escaped,
/// everything else as UTF-8.
public func appendJSON(_ string: String, to bytes: inout [UInt8]) {
    bytes.append(UInt8(ascii: "\""))
    for byte in string.utf8 {
        switch byte {
        case UInt8(ascii: "\""): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
        case UInt8(ascii: "\\"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
        case 0x0A: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
        case 0x0D: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
        case 0x09: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
        case 0 ..< 0x20:
            let hex: StaticString = "0123456789abcdef"
            bytes += [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                      hex.utf8Start[Int(byte >> 4)], hex.utf8Start[Int(byte & 0xF)]]
        default: bytes.append(byte)
        }
    }
    bytes.append(UInt8(ascii: "\""))
}

/// Writes a flat array (`columnCount` nil) or rows after `bytes`; nothing on a NaN or infinity.
private func appendRows(
    _ values: some Collection<Float>, columnCount: Int?, to bytes: inout [UInt8]
) throws(NonFiniteFloatError) {
    let result = values.withContiguousStorageIfAvailable { appendRows($0, columnCount: columnCount, to: &bytes) }
        ?? Array(values).withUnsafeBufferPointer { appendRows($0, columnCount: columnCount, to: &bytes) }
    if let failure = result { throw failure }
}

/// Writes through a small scratch buffer flushed to `bytes` as it fills: memory stays bounded
/// and cache-warm however large the array.
private func appendRows(
    _ values: UnsafeBufferPointer<Float>, columnCount: Int?, to bytes: inout [UInt8]
) -> NonFiniteFloatError? {
    let scratchSize = 4096
    let start = bytes.count
    return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: scratchSize) { scratch in
        // The allocation has the capacity asked for, so its base address exists.
        guard let base = scratch.baseAddress else { return nil }
        // Separators go before each value, never patched in behind it: Swift 6.3's dead-store
        // elimination drops a store to `p[-1]` followed by one to `p[0]` (swiftlang/swift#77558).
        var p = base
        func emit(_ byte: UInt8) {
            p.pointee = byte
            p += 1
        }
        func flush() {
            bytes.append(contentsOf: UnsafeBufferPointer(start: base, count: p - base))
            p = base
        }
        // No values is `[]` whether rows were asked for or not: one empty flat row.
        let isMatrix = columnCount != nil && !values.isEmpty
        let rowLength = isMatrix ? columnCount ?? 0 : values.count
        let rowCount = isMatrix ? values.count / rowLength : 1
        if isMatrix { emit(UInt8(ascii: "[")) }
        for row in 0 ..< rowCount {
            if row > 0 { emit(UInt8(ascii: ",")) }
            emit(UInt8(ascii: "["))
            for index in row * rowLength ..< (row + 1) * rowLength {
                let value = values[index]
                guard value.isFinite else {
                    bytes.removeSubrange(start...)
                    return NonFiniteFloatError(index: index, value: value)
                }
                // Room for a separator, a number and the closing brackets.
                if p - base > scratchSize - 2 * FloatWriter.maximumLength { flush() }
                if index != row * rowLength { emit(UInt8(ascii: ",")) }
                p += FloatWriter.write(value, to: p)
            }
            emit(UInt8(ascii: "]"))
        }
        if isMatrix { emit(UInt8(ascii: "]")) }
        flush()
        return nil
    }
}
