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

/// Writes a flat array (`columnCount` nil) or rows into room reserved at the end of `bytes`,
/// then trims what was not used.
private func appendRows(
    _ values: some Collection<Float>, columnCount: Int?, to bytes: inout [UInt8]
) throws(NonFiniteFloatError) {
    let result = values.withContiguousStorageIfAvailable { appendRows($0, columnCount: columnCount, to: &bytes) }
        ?? Array(values).withUnsafeBufferPointer { appendRows($0, columnCount: columnCount, to: &bytes) }
    if let failure = result { throw failure }
}

private func appendRows(
    _ values: UnsafeBufferPointer<Float>, columnCount: Int?, to bytes: inout [UInt8]
) -> NonFiniteFloatError? {
    let start = bytes.count
    // Per value: the number and a comma; per row: brackets and a comma; plus the outer brackets.
    let rowCount = columnCount.map { values.count / $0 } ?? 0
    let room = values.count * (FloatWriter.maximumLength + 1) + rowCount * 3 + 2
    bytes.append(contentsOf: repeatElement(0, count: room))
    let written: Int? = bytes.withUnsafeMutableBufferPointer { buffer in
        // The buffer holds at least `room` bytes, so its base address exists.
        guard let base = buffer.baseAddress else { return nil }
        var p = base + start
        p.pointee = UInt8(ascii: "[")
        p += 1
        for (index, value) in values.enumerated() {
            guard value.isFinite else { return nil }
            if let columnCount, index % columnCount == 0 {
                if index > 0 {
                    p[-1] = UInt8(ascii: "]")
                    p.pointee = UInt8(ascii: ",")
                    p += 1
                }
                p.pointee = UInt8(ascii: "[")
                p += 1
            }
            p += FloatWriter.write(value, to: p)
            p.pointee = UInt8(ascii: ",")
            p += 1
        }
        if values.isEmpty {
            p.pointee = UInt8(ascii: "]")
            return p + 1 - base
        }
        // Replace the last comma by the closing bracket(s).
        if columnCount != nil {
            p[-1] = UInt8(ascii: "]")
            p.pointee = UInt8(ascii: "]")
            return p + 1 - base
        }
        p[-1] = UInt8(ascii: "]")
        return p - base
    }
    guard let written else {
        bytes.removeLast(room)
        let index = values.firstIndex { !$0.isFinite } ?? 0
        return NonFiniteFloatError(index: index, value: values[index])
    }
    bytes.removeLast(start + room - written)
    return nil
}
