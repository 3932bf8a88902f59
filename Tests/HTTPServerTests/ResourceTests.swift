import Foundation
import Glibc
import AETestSupport
import Testing
@testable import HTTPServer

@Suite struct ResourceTests {
    /// Opens `count` connections that end in different ways: full request, mid-body close,
    /// reset mid-head, reset after a response, and connect-then-close.
    static func churn(port: Int, count: Int) throws {
        for i in 0 ..< count {
            let client = try HTTPConnection(port: port)
            switch i % 5 {
            case 0:
                try client.send("GET", "/ping")
                _ = try client.readResponse()
            case 1:
                try client.send("POST /sum HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n[1,2")
            case 2:
                try client.send("GET /ping HTTP/1.1\r\nHo")
                var option = linger(l_onoff: 1, l_linger: 0)
                setsockopt(client.fd, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
            case 3:
                try client.send("GET", "/ping")
                _ = try client.readResponse()
                var option = linger(l_onoff: 1, l_linger: 0)
                setsockopt(client.fd, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
            default:
                break
            }
        }
    }

    /// Waits (bounded) until the child holds only its listening socket.
    static func waitForListenerOnly(_ server: BenchServerProcess) {
        let limit = Deadline.now().adding(.seconds(10))
        while server.openSocketCount > 1 && Deadline.now() < limit { usleep(5_000) }
    }

    @Test("10,000 connections opened and closed leave the server's descriptors as before and memory at its plateau")
    func connectionChurn() throws {
        let server = try BenchServerProcess()
        try Self.churn(port: server.port, count: 2_000)
        Self.waitForListenerOnly(server)
        let descriptors = server.descriptorCount
        let plateau = server.residentKiB

        try Self.churn(port: server.port, count: 10_000)
        Self.waitForListenerOnly(server)
        #expect(server.descriptorCount == descriptors)
        let after = server.residentKiB
        #expect(after - plateau < 8 * 1024, "resident memory grew from \(plateau) KiB to \(after) KiB")
    }

    @Test("out of descriptors, accept backs off instead of spinning, and serving resumes when some close")
    func descriptorExhaustion() throws {
        let server = try BenchServerProcess(fileLimit: 40)
        var clients: [HTTPConnection] = []
        for _ in 0 ..< 60 { clients.append(try HTTPConnection(port: server.port)) }  // the rest wait in the backlog
        let before = server.cpuSeconds
        usleep(500_000)  // measuring CPU use over time: nothing to wait for but the clock
        let spent = server.cpuSeconds - before
        #expect(spent < 0.2, "the server used \(spent) s of CPU in 0.5 s while out of descriptors")
        let waiting = Array(clients.suffix(5))  // a copy: a slice would keep the others open
        clients.removeFirst(50)
        for client in waiting {
            try client.send("GET", "/ping")
            #expect(try client.readResponse().text == "pong")
        }
    }
}
