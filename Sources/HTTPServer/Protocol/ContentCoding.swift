// gzip through zlib: deflate for response bodies, and a streaming inflate for request
// bodies that stops as soon as the output passes its limit (so a gzip bomb costs little).
import CZlib

/// gzip compression and limited decompression (RFC 9110 §8.4.1.3, RFC 1952).
public enum ContentCoding {
    /// `bytes` as one gzip member at the given zlib level (1 fastest … 9 smallest).
    public static func gzip(_ bytes: [UInt8], level: Int32 = 5) -> [UInt8] {
        var stream = z_stream()
        // windowBits 15 + 16 asks zlib for a gzip wrapper instead of a zlib one.
        guard deflateInit2_(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                            zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            preconditionFailure("deflateInit2 failed: zlib is unusable")
        }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(bytes.count))))
        let written: Int = bytes.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
                stream.avail_in = UInt32(input.count)
                stream.next_out = out.baseAddress
                stream.avail_out = UInt32(out.count)
                let status = deflate(&stream, Z_FINISH)
                precondition(status == Z_STREAM_END, "deflate into deflateBound bytes did not finish")
                return out.count - Int(stream.avail_out)
            }
        }
        output.removeLast(output.count - written)
        return output
    }

    /// Inflates gzip `bytes` (one or more members) or a zlib-wrapped "deflate" body, refusing
    /// output over `limit` bytes.
    ///
    /// Throws `HTTPParseError.bodyTooLarge` past the limit and `.invalidContentEncoding` for
    /// bytes that are neither.
    public static func gunzip(_ bytes: [UInt8], limit: Int) throws(HTTPParseError) -> [UInt8] {
        var stream = z_stream()
        // windowBits 15 + 32: zlib detects a gzip or a zlib header by itself.
        guard inflateInit2_(&stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            preconditionFailure("inflateInit2 failed: zlib is unusable")
        }
        defer { inflateEnd(&stream) }
        if bytes.isEmpty { throw .invalidContentEncoding }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        let failure: HTTPParseError? = bytes.withUnsafeBufferPointer { input in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
            stream.avail_in = UInt32(input.count)
            while true {
                let (status, produced) = chunk.withUnsafeMutableBufferPointer { out in
                    stream.next_out = out.baseAddress
                    stream.avail_out = UInt32(out.count)
                    let status = inflate(&stream, Z_NO_FLUSH)
                    return (status, out.count - Int(stream.avail_out))
                }
                if output.count + produced > limit { return .bodyTooLarge }
                output.append(contentsOf: chunk[0 ..< produced])
                switch status {
                case Z_STREAM_END:
                    // RFC 1952 §2.2: a gzip file may hold several members, one after another.
                    if stream.avail_in == 0 { return nil }
                    guard inflateReset(&stream) == Z_OK else { return .invalidContentEncoding }
                case Z_OK:
                    continue
                case Z_BUF_ERROR where produced > 0:
                    continue
                default:
                    // Z_BUF_ERROR without progress means the input ended inside a member.
                    return .invalidContentEncoding
                }
            }
        }
        if let failure { throw failure }
        return output
    }

    /// Whether an `Accept-Encoding` value accepts gzip (RFC 9110 §12.5.3: `gzip` or `*`, q > 0).
    public static func acceptsGzip(_ acceptEncoding: String) -> Bool {
        var star: Bool?
        for element in acceptEncoding.split(separator: ",") {
            let parts = element.split(separator: ";")
            guard let coding = parts.first?.trimmingSpaces.lowercased() else { continue }
            var weight = 1.0
            for parameter in parts.dropFirst() {
                let kv = parameter.trimmingSpaces.split(separator: "=", maxSplits: 1)
                if kv.count == 2, kv[0].lowercased() == "q" { weight = Double(kv[1].trimmingSpaces) ?? 0 }
            }
            if coding == "gzip" || coding == "x-gzip" { return weight > 0 }
            if coding == "*" { star = weight > 0 }
        }
        return star ?? false
    }
}
