// Response heads and chunk framing as bytes, built in one buffer so that each response
// leaves in a single send: a head and a body in two writes make the second wait for the
// client's delayed ACK (~40 ms on Linux).
import Glibc
import Synchronization

/// How a response body is delimited on the wire.
public enum ResponseFraming: Equatable, Sendable {
    /// `Content-Length: n` (also used for HEAD, where the body is not sent).
    case length(Int)
    /// `Transfer-Encoding: chunked` (HTTP/1.1 streams).
    case chunked
    /// No length: the body ends when the connection closes (HTTP/1.0 streams).
    case closeDelimited
    /// No body and no Content-Length (1xx, 204; RFC 9110 §8.6).
    case noBody
}

/// Writes response heads, whole responses and chunks.
public enum ResponseSerializer {
    /// Fields the server writes itself; a handler's own copies are dropped.
    static let serverOwned: Set<String> = ["content-length", "transfer-encoding", "connection", "date"]

    /// Appends a status line and header block to `buffer`.
    public static func writeHead(status: HTTPStatus, headers: HTTPHeaders, framing: ResponseFraming,
                                 keepAlive: Bool, requestVersion: HTTPVersion, date: [UInt8],
                                 into buffer: inout [UInt8]) {
        // RFC 9110 §6.2: answer with our highest version, 1.1, whatever the request's minor.
        buffer.append(contentsOf: "HTTP/1.1 ".utf8)
        appendDecimal(status.code, to: &buffer)
        buffer.append(ByteClass.space)
        buffer.append(contentsOf: status.reason.utf8)
        buffer.append(contentsOf: "\r\nDate: ".utf8)
        buffer.append(contentsOf: date)
        switch framing {
        case .length(let n):
            buffer.append(contentsOf: "\r\nContent-Length: ".utf8)
            appendDecimal(n, to: &buffer)
        case .chunked:
            buffer.append(contentsOf: "\r\nTransfer-Encoding: chunked".utf8)
        case .closeDelimited, .noBody:
            break
        }
        if !keepAlive || framing == .closeDelimited {
            buffer.append(contentsOf: "\r\nConnection: close".utf8)
        } else if requestVersion == .http1_0 {
            buffer.append(contentsOf: "\r\nConnection: keep-alive".utf8)
        }
        for field in headers where isSafe(field.name, field.value) {
            if field.name.utf8.count <= 17, serverOwned.contains(field.name.lowercased()) { continue }
            buffer.append(contentsOf: "\r\n".utf8)
            buffer.append(contentsOf: field.name.utf8)
            buffer.append(contentsOf: ": ".utf8)
            buffer.append(contentsOf: field.value.utf8)
        }
        buffer.append(contentsOf: "\r\n\r\n".utf8)
    }

    /// A whole response with a Content-Length body; HEAD responses keep the length, not the body.
    public static func response(status: HTTPStatus, headers: HTTPHeaders, body: [UInt8],
                                keepAlive: Bool, requestVersion: HTTPVersion, isHead: Bool,
                                date: [UInt8]) -> [UInt8] {
        var buffer: [UInt8] = []
        let framing: ResponseFraming = status.forbidsBody ? .noBody : .length(body.count)
        let sendsBody = !isHead && !status.forbidsBody
        buffer.reserveCapacity(128 + headers.count * 32 + (sendsBody ? body.count : 0))
        writeHead(status: status, headers: headers, framing: framing, keepAlive: keepAlive,
                  requestVersion: requestVersion, date: date, into: &buffer)
        if sendsBody { buffer.append(contentsOf: body) }
        return buffer
    }

    /// One chunk of a chunked body: size in hex, CRLF, data, CRLF (RFC 9112 §7.1).
    public static func chunk(_ data: [UInt8]) -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(data.count + 20)
        buffer.append(contentsOf: String(data.count, radix: 16).utf8)
        buffer.append(contentsOf: "\r\n".utf8)
        buffer.append(contentsOf: data)
        buffer.append(contentsOf: "\r\n".utf8)
        return buffer
    }

    /// The last chunk with an empty trailer section.
    public static let lastChunk: [UInt8] = Array("0\r\n\r\n".utf8)

    /// Whether a handler's field can be written without splitting the response (no CR, LF or NUL).
    static func isSafe(_ name: String, _ value: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy(ByteClass.isToken)
            && value.utf8.allSatisfy { ByteClass.isFieldValue($0) }
    }

    static func appendDecimal(_ value: Int, to buffer: inout [UInt8]) {
        if value < 10 { buffer.append(UInt8(ascii: "0") + UInt8(value)); return }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var v = value, n = 0
        withUnsafeMutableBytes(of: &digits) { d in
            while v > 0 { d[19 - n] = UInt8(ascii: "0") + UInt8(v % 10); v /= 10; n += 1 }
            buffer.append(contentsOf: d[(20 - n)...])
        }
    }
}

/// The IMF-fixdate for the Date field (RFC 9110 §5.6.7), recomputed at most once a second.
public final class HTTPDateCache: Sendable {
    private let cached = Mutex<(second: Int, text: [UInt8])>((-1, []))

    public init() {}

    /// The current date as `Sun, 06 Nov 1994 08:49:37 GMT`.
    public func current() -> [UInt8] {
        let now = time(nil)
        return cached.withLock { cache in
            if cache.second != now {
                cache = (now, Self.format(now))
            }
            return cache.text
        }
    }

    /// Formats seconds since 1970 as an IMF-fixdate.
    public static func format(_ seconds: Int) -> [UInt8] {
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let text = "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) "
            + "\(parts.tm_year + 1900) \(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
        return Array(text.utf8)
    }
}
