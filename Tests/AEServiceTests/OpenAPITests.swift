// The OpenAPI document: the embedded copy matches openapi.json, the document is valid
// OpenAPI 3.1 (openapi-spec-validator), it is served at /openapi.json, and it lists exactly
// the routes the service registers.
import AEService
import AETestSupport
import Foundation
import HTTPServer
import Testing

@Suite("OpenAPI document")
struct OpenAPITests {
    static let file = TestEnvironment.packageRoot.appendingPathComponent("openapi.json")

    @Test("the embedded document equals openapi.json")
    func embeddedMatchesFile() throws {
        let text = try String(contentsOf: Self.file, encoding: .utf8)
        let file = Array(text.utf8), embedded = OpenAPIDocument.bytes
        let same = file == embedded
        let at = zip(file, embedded).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(file.count, embedded.count)
        #expect(same, """
            Sources/AEService/OpenAPI/OpenAPIDocument+Embedded.swift differs from openapi.json \
            (from byte \(at); \(embedded.count) bytes embedded, \(file.count) in the file): re-run scripts/embed-openapi.sh
            """)
    }

    @Test("openapi.json is valid OpenAPI 3.1 and its examples fit their schemas")
    func validates() throws {
        let python = try #require(TestEnvironment.python, "no Python with the test tools: run scripts/bootstrap.sh")
        let process = Process()
        process.executableURL = python
        process.arguments = [TestEnvironment.packageRoot.appendingPathComponent("scripts/check-openapi.py").path, Self.file.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "scripts/check-openapi.py openapi.json:\n\(text)")
    }

    @Test("GET /openapi.json serves the document as JSON")
    func served() async throws {
        let (service, root) = try makeService()
        defer { try? FileManager.default.removeItem(at: root) }
        let response = await service.makeRouter().respond(to: HTTPRequest(method: .get, target: "/openapi.json"))
        #expect(response.status.code == 200)
        #expect(response.headers["Content-Type"] == "application/json")
        guard case .bytes(let body) = response.body else { Issue.record("not a byte body"); return }
        #expect(body == OpenAPIDocument.bytes)
        let object = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
        #expect(object?["openapi"] as? String == "3.1.0")
    }

    @Test("the document lists exactly the routes the service registers, with the same methods")
    func coversEveryRoute() async throws {
        let document = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: Self.file)) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        let methods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options", "trace"]
        var documented: Set<String> = []
        for (path, item) in paths {
            for key in item.keys where methods.contains(key) { documented.insert("\(key.uppercased()) \(Self.shape(path))") }
        }
        let (service, root) = try makeService()
        defer { try? FileManager.default.removeItem(at: root) }
        let router = service.makeRouter()
        let registered = Set(router.routes.map { "\($0.method.rawValue) \(Self.shape($0.pattern))" })
        #expect(!registered.isEmpty)
        #expect(registered.subtracting(documented).sorted() == [], "routes missing from openapi.json")
        #expect(documented.subtracting(registered).sorted() == [], "operations in openapi.json that the service does not route")
    }

    /// A path pattern with its parameter names erased (`/models/{}`), so names may differ.
    static func shape(_ pattern: String) -> String {
        pattern.replacingOccurrences(of: #"\{[^}]*\}"#, with: "{}", options: .regularExpression)
    }

    private func makeService() throws -> (Service, URL) {
        try makeInProcessService("openapi")
    }
}
