// A strict independent client: Python's h11 reads the server's responses, so any framing
// mistake (wrong length, bad chunk, stray bytes) fails the test that used it.
import Foundation
import AETestSupport
@testable import HTTPServer

struct H11Request: Encodable {
    var method = "GET"
    var target = "/ping"
    var headers: [[String]] = [["Host", "test"]]
    /// Body bytes as Latin-1 text (one character per byte).
    var body = ""
}

struct H11Response: Decodable {
    var status: Int
    var headers: [[String]]
    var body: String
    var informational: [Int]

    func header(_ name: String) -> String? {
        headers.first { $0[0].lowercased() == name.lowercased() }?[1]
    }
}

struct H11Result: Decodable {
    var responses: [H11Response]
    /// Whether the server closed the connection after the last response.
    var closed: Bool
}

enum H11 {
    /// Whether the pinned Python with h11 is available (tests that need it are skipped otherwise).
    static var available: Bool { TestEnvironment.python != nil }

    /// Sends `requests` in one write (pipelined), reads every response strictly, in order.
    static func exchange(port: Int, _ requests: [H11Request], readSize: Int = 65536,
                         readDelay: Double = 0, expectClose: Bool = false) throws -> H11Result {
        struct Spec: Encodable {
            var port: Int
            var requests: [H11Request]
            var read_size: Int
            var read_delay: Double
            var expect_close: Bool
        }
        guard let python = TestEnvironment.python else { throw HTTPClientError("no Python") }
        let spec = try JSONEncoder().encode(Spec(port: port, requests: requests, read_size: readSize,
                                                 read_delay: readDelay, expect_close: expectClose))
        let (status, out, err) = try runProcess(python.path, ["-c", script], input: spec)
        guard status == 0 else {
            throw HTTPClientError("h11 client failed: \(String(decoding: err, as: UTF8.self))")
        }
        return try JSONDecoder().decode(H11Result.self, from: out)
    }

    static let script = #"""
import sys, json, socket, time
import h11

spec = json.load(sys.stdin)
sock = socket.create_connection(("127.0.0.1", spec["port"]), timeout=10)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, max(4096, spec["read_size"]))
prepared = []
wire = b""
for r in spec["requests"]:
    headers = [(k.encode(), v.encode()) for k, v in r["headers"]]
    body = r["body"].encode("latin-1")
    writer = h11.Connection(our_role=h11.CLIENT)
    wire += writer.send(h11.Request(method=r["method"], target=r["target"], headers=headers))
    if body:
        wire += writer.send(h11.Data(data=body))
    wire += writer.send(h11.EndOfMessage())
    prepared.append((r, headers, body))
sock.sendall(wire)

conn = h11.Connection(our_role=h11.CLIENT, max_incomplete_event_size=1 << 20)
responses = []
for r, headers, body in prepared:
    conn.send(h11.Request(method=r["method"], target=r["target"], headers=headers))
    if body:
        conn.send(h11.Data(data=body))
    conn.send(h11.EndOfMessage())
    response, data, informational = None, bytearray(), []
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA:
            if spec["read_delay"]:
                time.sleep(spec["read_delay"])
            conn.receive_data(sock.recv(spec["read_size"]))
        elif isinstance(event, h11.InformationalResponse):
            informational.append(event.status_code)
        elif isinstance(event, h11.Response):
            response = event
        elif isinstance(event, h11.Data):
            data += event.data
        elif isinstance(event, (h11.EndOfMessage, h11.ConnectionClosed)):
            break
    responses.append({
        "status": response.status_code,
        "headers": [[k.decode(), v.decode()] for k, v in response.headers],
        "body": data.decode("latin-1"),
        "informational": informational,
    })
    if conn.our_state is h11.MUST_CLOSE or conn.their_state is h11.MUST_CLOSE:
        break
    conn.start_next_cycle()

closed = False
if spec["expect_close"]:
    sock.settimeout(3)
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                closed = True
                break
            conn.receive_data(chunk)
            if conn.next_event() is not h11.NEED_DATA:
                raise SystemExit("bytes after the last response: %r" % chunk[:100])
    except ConnectionResetError:
        closed = True
print(json.dumps({"responses": responses, "closed": closed}))
"""#
}
