// The web console as the server sends it: the embedded files equal the Assets folder, every
// file a page or script loads is embedded (nothing from the network), and each answer has its
// content type, an entity tag honoured by If-None-Match, and a gzip copy when accepted.
import AEModel
@testable import AEService
import AETestSupport
import Compression
import Foundation
import HTTPServer
import Testing

@Suite("Web console")
struct ConsoleTests {
    static let assetsFolder = TestEnvironment.packageRoot.appendingPathComponent("Sources/AEService/Console/Assets")

    static func router(configure: (inout ServiceConfiguration) -> Void = { _ in }) throws -> (Router, URL) {
        let (service, root) = try makeInProcessService("console", configure: configure)
        return (service.makeRouter(), root)
    }

    static func get(_ router: Router, _ target: String, _ headers: HTTPHeaders = HTTPHeaders()) async -> (HTTPResponse, [UInt8]) {
        let response = await router.respond(to: HTTPRequest(method: .get, target: target, headers: headers))
        guard case .bytes(let body) = response.body else { Issue.record("\(target): not a byte body"); return (response, []) }
        return (response, body)
    }

    @Test("the embedded files are exactly the Assets folder's (else re-run scripts/embed-console.sh)")
    func embeddedMatchesFolder() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.assetsFolder.path).filter { !$0.hasPrefix(".") }.sorted()
        #expect(names == ConsoleAssets.files.keys.sorted(), "Assets folder and embedded files differ: re-run scripts/embed-console.sh")
        for name in names {
            let text = try String(contentsOf: Self.assetsFolder.appendingPathComponent(name), encoding: .utf8)
            #expect(ConsoleAssets.files[name] == text, "\(name) differs from its embedded copy: re-run scripts/embed-console.sh")
        }
    }

    @Test("every file the page and its modules load is embedded, and none comes from another host")
    func selfContained() throws {
        let embedded = Set(ConsoleAssets.files.keys)
        for (name, text) in ConsoleAssets.files {
            // src="/console/x", href="/console/x", and ES module imports from "./x.js".
            let references = try Regex(#"(?:src|href)="/console/([^"]+)"|from "\./([^"]+)""#)
            for match in text.matches(of: references) {
                let target = (match.output[1].substring ?? match.output[2].substring).map(String.init) ?? ""
                #expect(embedded.contains(target), "\(name) loads \(target), which is not embedded")
            }
            // The only absolute URL allowed is the SVG namespace, which names, never fetches.
            let urls = text.matches(of: try Regex(#"https?://[^\s"'`)]+"#)).map { String(text[$0.range]) }
            #expect(urls.allSatisfy { $0 == "http://www.w3.org/2000/svg" }, "\(name) names other hosts: \(urls)")
        }
        #expect(embedded.contains("index.html") && embedded.contains("app.js"))
    }

    @Test("GET / is the console page; each asset has its content type; an unknown one is a 404 error object")
    func contentTypes() async throws {
        let (router, root) = try Self.router()
        defer { try? FileManager.default.removeItem(at: root) }
        let (page, body) = await Self.get(router, "/")
        #expect(page.status.code == 200)
        #expect(page.headers["Content-Type"] == "text/html; charset=utf-8")
        #expect(body == Array(try String(contentsOf: Self.assetsFolder.appendingPathComponent("index.html"), encoding: .utf8).utf8))
        for (name, type) in [("app.js", "text/javascript; charset=utf-8"), ("console.css", "text/css; charset=utf-8"),
                             ("icon.svg", "image/svg+xml"), ("server.json", "application/json")] {
            let (response, _) = await Self.get(router, "/console/\(name)")
            #expect(response.status.code == 200, "\(name)")
            #expect(response.headers["Content-Type"] == type, "\(name)")
            #expect(response.headers["X-Content-Type-Options"] == "nosniff", "\(name)")
        }
        let (missing, error) = await Self.get(router, "/console/nope.js")
        #expect(missing.status.code == 404)
        let json = try JSONValue.parse(error)
        #expect(json["error"]?["message"]?.string?.contains("nope.js") == true)
    }

    @Test("If-None-Match with the entity tag (strong, weak, in a list or *) gets a 304 without a body; another tag gets the file")
    func conditional() async throws {
        let (router, root) = try Self.router()
        defer { try? FileManager.default.removeItem(at: root) }
        let (first, _) = await Self.get(router, "/console/app.js")
        let tag = try #require(first.headers["ETag"])
        #expect(tag.hasPrefix("\"") && tag.hasSuffix("\"") && tag.count > 10)
        #expect(first.headers["Cache-Control"] == "no-cache")
        for condition in [tag, "W/\(tag)", "\"other\", \(tag)", "*"] {
            let (response, body) = await Self.get(router, "/console/app.js", ["If-None-Match": condition])
            #expect(response.status.code == 304, "If-None-Match: \(condition)")
            #expect(body.isEmpty)
            #expect(response.headers["ETag"] == tag)
        }
        let (stale, body) = await Self.get(router, "/console/app.js", ["If-None-Match": "\"0123\""])
        #expect(stale.status.code == 200)
        #expect(!body.isEmpty)
        // Different files have different tags.
        let (css, _) = await Self.get(router, "/console/console.css")
        #expect(css.headers["ETag"] != tag)
    }

    @Test("gzip is sent when accepted, with its own entity tag, and inflates to the file; never when refused")
    func gzip() async throws {
        let (router, root) = try Self.router()
        defer { try? FileManager.default.removeItem(at: root) }
        let plain = Array(try #require(ConsoleAssets.files["jobs.js"]).utf8)
        let (zipped, body) = await Self.get(router, "/console/jobs.js", ["Accept-Encoding": "gzip, deflate"])
        #expect(zipped.headers["Content-Encoding"] == "gzip")
        #expect(zipped.headers["Vary"] == "Accept-Encoding")
        #expect(body.count < plain.count / 2)
        #expect(try Gzip.decompress(body, limit: 1 << 24) == plain)
        let (identity, identityBody) = await Self.get(router, "/console/jobs.js", ["Accept-Encoding": "gzip;q=0"])
        #expect(identity.headers["Content-Encoding"] == nil)
        #expect(identityBody == plain)
        #expect(identity.headers["ETag"] != zipped.headers["ETag"])
        let zippedTag = try #require(zipped.headers["ETag"])
        let (again, _) = await Self.get(router, "/console/jobs.js", ["Accept-Encoding": "gzip", "If-None-Match": zippedTag])
        #expect(again.status.code == 304)
    }

    @Test("server.json gives the presets as architectures and says whether actions need a key")
    func serverFacts() async throws {
        let (open, root) = try Self.router()
        defer { try? FileManager.default.removeItem(at: root) }
        let (_, body) = await Self.get(open, "/console/server.json")
        let facts = try JSONValue.parse(body)
        #expect(facts["api_key_required"] == .bool(false))
        #expect(facts["presets"]?["fashion-mnist"]?["input_dim"]?.int == 784)
        #expect(facts["presets"]?["fashion-mnist-vae"]?["kind"]?.string == "variational")
        #expect(facts["presets"]?.object?.count == Architecture.presetNames.count)

        let (keyed, keyedRoot) = try Self.router { $0.apiKeys = ["secret"] }
        defer { try? FileManager.default.removeItem(at: keyedRoot) }
        let (_, keyedBody) = await Self.get(keyed, "/console/server.json")
        #expect(try JSONValue.parse(keyedBody)["api_key_required"] == .bool(true))
        #expect(!String(decoding: keyedBody, as: UTF8.self).contains("secret"))
    }

    @Test("over a real socket: one gzip coding, HEAD without a body, 304 on revalidation")
    func live() throws {
        let live = try LiveService()
        defer { live.stop() }
        let zipped = try live.get("/", headers: [("Accept-Encoding", "gzip")])
        #expect(zipped.status == 200)
        #expect(zipped.header("Content-Encoding") == "gzip")
        let html = try Gzip.decompress(zipped.body, limit: 1 << 24)
        #expect(String(decoding: html, as: UTF8.self).contains("<script type=\"module\" src=\"/console/app.js\">"))
        let tag = try #require(zipped.header("ETag"))
        let revalidated = try live.get("/", headers: [("Accept-Encoding", "gzip"), ("If-None-Match", tag)])
        #expect(revalidated.status == 304)
        #expect(revalidated.body.isEmpty)
        let head = try live.request("HEAD", "/console/app.js")
        #expect(head.status == 200)
        #expect(head.header("Content-Type") == "text/javascript; charset=utf-8")
    }
}
