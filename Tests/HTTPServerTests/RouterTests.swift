import Testing
@testable import HTTPServer

@Suite struct RouterTests {
    static func router() -> Router {
        var router = Router()
        router.add(.get, "/models") { _ in .text("list") }
        router.add(.get, "/models/{name}") { r in .text("model \(r.parameter("name")!)") }
        router.add(.delete, "/models/{name}") { r in .text("deleted \(r.parameter("name")!)") }
        router.add(.post, "/train-job/{id}/cancel") { r in .text("cancel \(r.parameter("id")!)") }
        return router
    }

    @Test("exact and parameterised paths route by method; parameters are percent-decoded")
    func routes() async {
        let router = Self.router()
        #expect(await router.respond(to: HTTPRequest(method: .get, target: "/models")).bodyText == "list")
        #expect(await router.respond(to: HTTPRequest(method: .get, target: "/models/a%2Fb?x=1")).bodyText == "model a/b")
        #expect(await router.respond(to: HTTPRequest(method: .delete, target: "/models/m")).bodyText == "deleted m")
        #expect(await router.respond(to: HTTPRequest(method: .post, target: "/train-job/7/cancel")).bodyText == "cancel 7")
    }

    @Test("unknown paths are 404; known paths with other methods are 405 with Allow")
    func errors() async {
        let router = Self.router()
        #expect(await router.respond(to: HTTPRequest(method: .get, target: "/nope")).status.code == 404)
        #expect(await router.respond(to: HTTPRequest(method: .get, target: "/models/")).status.code == 404)
        let response = await router.respond(to: HTTPRequest(method: .put, target: "/models/m"))
        #expect(response.status.code == 405)
        #expect(response.headers["Allow"] == "DELETE, GET, HEAD")
    }

    @Test("HEAD falls back to GET; a throwing handler gives 500; errorResponse can be replaced")
    func fallbacks() async {
        var router = Self.router()
        router.add(.get, "/fail") { _ in throw CancellationError() }
        router.errorResponse = { status, message, _ in
            HTTPResponse(status: status, headers: ["Content-Type": "application/json"], body: Array("{\"error\":\"\(message)\"}".utf8))
        }
        #expect(await router.respond(to: HTTPRequest(method: .head, target: "/models")).bodyText == "list")
        let failed = await router.respond(to: HTTPRequest(method: .get, target: "/fail"))
        #expect(failed.status.code == 500 && failed.bodyText == "{\"error\":\"internal server error\"}")
    }

    @Test("query items are split and decoded")
    func query() {
        let request = HTTPRequest(method: .get, target: "/x?a=1&b=two+words&c=%C3%A9&d")
        #expect(request.path == "/x")
        #expect(request.queryItem("b") == "two words" && request.queryItem("c") == "é" && request.queryItem("d") == "")
        #expect(HTTPRequest(method: .get, target: "http://h:1/p/q?z=1").path == "/p/q")
    }
}

extension HTTPResponse {
    var bodyText: String? {
        if case .bytes(let b) = body { return String(decoding: b, as: UTF8.self) }
        return nil
    }
}
