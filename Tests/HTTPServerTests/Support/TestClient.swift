// A deliberately simple blocking client for talking raw bytes to the server under test.
import Foundation
import Glibc
@testable import HTTPServer

/// A response as read off the wire by `TestClient`.
struct WireResponse {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]
    var text: String { String(decoding: body, as: UTF8.self) }
}

struct TestClientError: Error, CustomStringConvertible {
    let description: String
}

/// A blocking TCP client to 127.0.0.1 with a receive timeout.
final class TestClient {
    let fd: Int32
    private var buffer: [UInt8] = []

    init(port: Int, timeout: Double = 3) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestClientError(description: "socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let e = errno
            close(fd)
            throw TestClientError(description: "connect to \(port): errno \(e)")
        }
        setTimeout(timeout)
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { close(fd) }

    func setTimeout(_ seconds: Double) {
        var tv = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Sends all of `bytes` (throws on a reset or closed peer).
    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw TestClientError(description: "send: errno \(errno)") }
            offset += n
        }
    }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    /// Sends a small request without a body.
    func get(_ path: String, headers: [String] = []) throws {
        try send("GET \(path) HTTP/1.1\r\nHost: test\r\n" + headers.map { $0 + "\r\n" }.joined() + "\r\n")
    }

    /// Reads more bytes into the buffer; false at EOF. Throws on timeout or reset.
    @discardableResult
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = recv(fd, &chunk, chunk.count, 0)
        if n == 0 { return false }
        guard n > 0 else { throw TestClientError(description: "recv: errno \(errno) (timeout or reset)") }
        buffer.append(contentsOf: chunk[0 ..< n])
        return true
    }

    /// Reads one response; `head` true for a response to HEAD (no body).
    func readResponse(head: Bool = false) throws -> WireResponse {
        var headEnd: Int?
        while headEnd == nil {
            if let r = find([13, 10, 13, 10]) { headEnd = r } else if try !fill() {
                throw TestClientError(description: "EOF before a response head (\(buffer.count) bytes)")
            }
        }
        let headText = String(decoding: buffer[0 ..< headEnd!], as: UTF8.self)
        buffer.removeFirst(headEnd! + 4)
        var lines = headText.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, statusLine[0] == "HTTP/1.1", let status = Int(statusLine[1]) else {
            throw TestClientError(description: "bad status line in \(headText)")
        }
        var headers = HTTPHeaders()
        for line in lines {
            let parts = line.split(separator: ":", maxSplits: 1)
            headers.add(String(parts[0]), parts.count > 1 ? String(parts[1].trimmingSpaces) : "")
        }
        if status < 200 { return WireResponse(status: status, headers: headers, body: []) }
        var body: [UInt8] = []
        if head || status == 204 || status == 304 {
        } else if let length = headers["Content-Length"].flatMap(Int.init) {
            while buffer.count < length {
                if try !fill() { throw TestClientError(description: "EOF inside a body") }
            }
            body = Array(buffer[0 ..< length])
            buffer.removeFirst(length)
        } else if headers["Transfer-Encoding"] == "chunked" {
            while true {
                var lineEnd = find([13, 10])
                while lineEnd == nil { if try !fill() { throw TestClientError(description: "EOF in chunk") }; lineEnd = find([13, 10]) }
                let size = Int(String(decoding: buffer[0 ..< lineEnd!], as: UTF8.self), radix: 16) ?? -1
                buffer.removeFirst(lineEnd! + 2)
                while buffer.count < size + 2 { if try !fill() { throw TestClientError(description: "EOF in chunk") } }
                if size == 0 { buffer.removeFirst(2); break }
                body += buffer[0 ..< size]
                buffer.removeFirst(size + 2)
            }
        } else {
            while try fill() {}
            body = buffer
            buffer = []
        }
        return WireResponse(status: status, headers: headers, body: body)
    }

    /// Whether the server closes the connection (EOF) within the receive timeout, with no
    /// bytes left unread.
    func readsEOF() -> Bool {
        guard buffer.isEmpty else { return false }
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, 0) == 0
    }

    /// Reads everything until EOF (or timeout) and returns it.
    func readAll() -> [UInt8] {
        while (try? fill()) == true {}
        defer { buffer = [] }
        return buffer
    }

    private func find(_ pattern: [UInt8]) -> Int? {
        guard buffer.count >= pattern.count else { return nil }
        for i in 0 ... buffer.count - pattern.count where buffer[i] == pattern[0] {
            if Array(buffer[i ..< i + pattern.count]) == pattern { return i }
        }
        return nil
    }
}
