// The one test HTTP/1.1 client: a blocking raw loopback socket for tests that talk to a live
// server — keep-alive requests, raw bytes, Content-Length and chunked bodies, server-sent events.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A response as read off the wire.
public struct HTTPMessage: Sendable {
    /// The status code.
    public var status: Int
    /// Header fields in order, names as sent.
    public var headers: [(name: String, value: String)]
    /// The body, de-chunked.
    public var body: [UInt8]

    /// The first value of header `name` (any case).
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// The body as UTF-8 text.
    public var text: String { String(decoding: body, as: UTF8.self) }

    /// The body parsed as JSON (numbers kept as their text).
    public func json() throws -> JSONValue { try JSONValue.parse(body) }
}

/// A failure of the test client (connect, timeout, malformed response).
public struct HTTPClientError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// One server-sent event.
public struct ServerSentEvent: Sendable {
    /// The `event:` field (`message` when absent).
    public var event: String
    /// The `id:` field.
    public var id: String?
    /// The `data:` lines joined with newlines.
    public var data: String
}

/// A blocking keep-alive connection to `127.0.0.1:port` with a receive timeout.
public final class HTTPConnection {
    /// The socket, for tests that set options on it (SO_LINGER for a reset).
    public let fd: Int32
    private var buffer: [UInt8] = []

    /// Connects to `host:port` (an IPv4 address), from `source` when given (another loopback
    /// address such as 127.0.0.2, to act as a second client); every read waits at most
    /// `timeout` seconds.
    public init(port: Int, host: String = "127.0.0.1", source: String? = nil, timeout: Double = 10) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw HTTPClientError("socket: errno \(errno)") }
        func ipv4(_ host: String, _ port: Int) -> sockaddr_in {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = UInt16(port).bigEndian
            address.sin_addr.s_addr = inet_addr(host)
            return address
        }
        func call(_ name: String, _ address: sockaddr_in, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Int32) throws {
            var address = address
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard result == 0 else {
                let e = errno
                close(fd)
                throw HTTPClientError("\(name) \(source ?? "") → \(host):\(port): errno \(e)")
            }
        }
        if let source { try call("bind", ipv4(source, 0)) { bind(fd, $0, $1) } }
        try call("connect", ipv4(host, port)) { connect(fd, $0, $1) }
        setTimeout(timeout)
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { close(fd) }

    /// Sets how long each read waits before it fails.
    public func setTimeout(_ seconds: Double) {
        var tv = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Sends raw bytes.
    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw HTTPClientError("send: errno \(errno)") }
            offset += n
        }
    }

    /// Sends the UTF-8 bytes of `text` as they are.
    public func send(_ text: String) throws { try send(Array(text.utf8)) }

    /// Sends a request; a body gets a Content-Length (and `Content-Type: application/json`
    /// unless `headers` name another type or `contentType` is nil).
    public func send(_ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8]? = nil,
                     contentType: String? = "application/json") throws {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if let body {
            if let contentType, !headers.contains(where: { $0.0.lowercased() == "content-type" }) {
                head += "Content-Type: \(contentType)\r\n"
            }
            head += "Content-Length: \(body.count)\r\n"
        }
        head += "\r\n"
        try send(Array(head.utf8) + (body ?? []))
    }

    /// Sends a request and reads its response.
    public func request(_ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8]? = nil,
                        contentType: String? = "application/json") throws -> HTTPMessage {
        try send(method, path, headers: headers, body: body, contentType: contentType)
        return try readResponse(head: method == "HEAD")
    }

    /// Reads one whole response (`head`: the request was HEAD, so there is no body).
    public func readResponse(head: Bool = false) throws -> HTTPMessage {
        var message = try readHead()
        if message.status < 200 || head || message.status == 204 || message.status == 304 { return message }
        if let length = message.header("Content-Length").flatMap(Int.init) {
            while buffer.count < length {
                guard try fill() else { throw HTTPClientError("EOF inside a body") }
            }
            message.body = Array(buffer[0..<length])
            buffer.removeFirst(length)
        } else if message.header("Transfer-Encoding")?.lowercased() == "chunked" {
            while let chunk = try nextChunk() { message.body += chunk }
        } else {
            while try fill() {}
            message.body = buffer
            buffer = []
        }
        return message
    }

    /// Reads a response head; the body (if any) stays to be read.
    public func readHead() throws -> HTTPMessage {
        var end = find([13, 10, 13, 10])
        while end == nil {
            guard try fill() else { throw HTTPClientError("EOF before a response head (\(buffer.count) bytes)") }
            end = find([13, 10, 13, 10])
        }
        let text = String(decoding: buffer[0..<end!], as: UTF8.self)
        buffer.removeFirst(end! + 4)
        var lines = text.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, statusLine[0] == "HTTP/1.1", let status = Int(statusLine[1]) else {
            throw HTTPClientError("bad status line in \(text)")
        }
        let headers = lines.map { line -> (name: String, value: String) in
            let parts = line.split(separator: ":", maxSplits: 1)
            return (String(parts[0]), parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : "")
        }
        return HTTPMessage(status: status, headers: headers, body: [])
    }

    /// The next chunk of a chunked body, or nil after the last one.
    public func nextChunk() throws -> [UInt8]? {
        var lineEnd = find([13, 10])
        while lineEnd == nil {
            guard try fill() else { throw HTTPClientError("EOF in a chunk size line") }
            lineEnd = find([13, 10])
        }
        let sizeText = String(decoding: buffer[0..<lineEnd!], as: UTF8.self).split(separator: ";").first ?? ""
        guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else {
            throw HTTPClientError("bad chunk size '\(sizeText)'")
        }
        buffer.removeFirst(lineEnd! + 2)
        while buffer.count < size + 2 {
            guard try fill() else { throw HTTPClientError("EOF inside a chunk") }
        }
        if size == 0 {
            buffer.removeFirst(2)
            return nil
        }
        let chunk = Array(buffer[0..<size])
        buffer.removeFirst(size + 2)
        return chunk
    }

    /// Reads server-sent events of a chunked stream whose head was read, calling `onEvent`
    /// for each until it returns false or the stream ends; returns the events read.
    @discardableResult
    public func readEvents(_ onEvent: (ServerSentEvent) -> Bool = { _ in true }) throws -> [ServerSentEvent] {
        var text = ""
        var events: [ServerSentEvent] = []
        while let chunk = try nextChunk() {
            text += String(decoding: chunk, as: UTF8.self)
            while let range = text.range(of: "\n\n") {
                let block = text[..<range.lowerBound]
                text = String(text[range.upperBound...])
                var event = ServerSentEvent(event: "message", id: nil, data: "")
                var data: [String] = []
                for line in block.split(separator: "\n", omittingEmptySubsequences: false) {
                    if line.hasPrefix(":") { continue }
                    let parts = line.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
                    let value = parts.count > 1 ? String(parts[1].hasPrefix(" ") ? parts[1].dropFirst() : parts[1]) : ""
                    switch parts[0] {
                    case "event": event.event = value
                    case "id": event.id = value
                    case "data": data.append(value)
                    default: break
                    }
                }
                if data.isEmpty && event.event == "message" { continue }
                event.data = data.joined(separator: "\n")
                events.append(event)
                if !onEvent(event) { return events }
            }
        }
        return events
    }

    /// Reads everything until EOF (or the timeout) and returns it.
    public func readAll() -> [UInt8] {
        while (try? fill()) == true {}
        defer { buffer = [] }
        return buffer
    }

    /// Whether the peer closed the connection (EOF) with nothing left unread.
    public func readsEOF() -> Bool {
        guard buffer.isEmpty else { return false }
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, 0) == 0
    }

    @discardableResult
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = recv(fd, &chunk, chunk.count, 0)
        if n == 0 { return false }
        guard n > 0 else { throw HTTPClientError("recv: errno \(errno) (timeout or reset)") }
        buffer.append(contentsOf: chunk[0..<n])
        return true
    }

    private func find(_ pattern: [UInt8]) -> Int? {
        guard buffer.count >= pattern.count else { return nil }
        for i in 0...(buffer.count - pattern.count) where buffer[i] == pattern[0] {
            if buffer[i..<(i + pattern.count)].elementsEqual(pattern) { return i }
        }
        return nil
    }
}

/// One-shot requests, each on a fresh connection.
public enum HTTPClient {
    /// Sends one request to `127.0.0.1:port` and reads the response.
    public static func request(port: Int, _ method: String, _ path: String, headers: [(String, String)] = [],
                               body: [UInt8]? = nil, contentType: String? = "application/json",
                               timeout: Double = 10) throws -> HTTPMessage {
        try HTTPConnection(port: port, timeout: timeout)
            .request(method, path, headers: headers, body: body, contentType: contentType)
    }

    /// Sends `json` (text) as the body of a request.
    public static func request(port: Int, _ method: String, _ path: String, headers: [(String, String)] = [],
                               json: String, timeout: Double = 10) throws -> HTTPMessage {
        try request(port: port, method, path, headers: headers, body: Array(json.utf8), timeout: timeout)
    }
}
