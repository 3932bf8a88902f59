// Routes by method and path, with `{name}` parameters; 404 and 405 (with Allow) come from here.

/// A table of handlers by method and path pattern.
///
/// ```swift
/// var router = Router()
/// router.add(.get, "/ping") { _ in .text("pong") }
/// router.add(.post, "/train-job/{id}") { request in .text("job \(request.parameter("id")!)") }
/// ```
public struct Router: Sendable {
    /// The result of looking up a method and path.
    public enum Match: Sendable {
        case found(HTTPHandler, parameters: [String: String])
        case notFound
        /// The path exists for other methods, listed for the Allow field.
        case methodNotAllowed(allowed: [HTTPMethod])
    }

    private enum Segment: Hashable, Sendable {
        case literal(String)
        case parameter(String)
    }

    /// A handler and how it takes its request body.
    private struct Entry: Sendable {
        var handler: HTTPHandler
        var body: RequestBodyPolicy
    }

    private struct Route: Sendable {
        var segments: [Segment]
        var handlers: [HTTPMethod: Entry]
    }

    private var exact: [String: [HTTPMethod: Entry]] = [:]
    private var patterns: [Route] = []

    /// Makes the bodies of the router's own answers (404, 405, 500) and of the server's
    /// refusals (400, 413, …); replace it to give them the application's error format. The
    /// third argument is the request's path, or nil when no request head could be read.
    public var errorResponse: @Sendable (HTTPStatus, String, String?) -> HTTPResponse = { status, message, _ in
        .text(message + "\n", status: status)
    }

    /// Told of every request that matched no route (404) or no method of its route (405),
    /// with the answer's status and how long routing took: such requests reach no handler,
    /// so this is where an application counts them.
    public var onUnmatched: @Sendable (HTTPRequest, HTTPStatus, Duration) -> Void = { _, _, _ in }

    /// Every registered method and pattern, in the order added (for documentation checks).
    public private(set) var routes: [(method: HTTPMethod, pattern: String)] = []

    public init() {}

    /// Adds `handler` for `method` on `pattern` (`/models/{name}`); a later add replaces an
    /// earlier one. `body` says whether the handler gets the whole body or reads it as it
    /// arrives, and how large it may be.
    public mutating func add(_ method: HTTPMethod, _ pattern: String, body: RequestBodyPolicy = .buffered,
                             _ handler: @escaping HTTPHandler) {
        if !routes.contains(where: { $0.method == method && $0.pattern == pattern }) {
            routes.append((method, pattern))
        }
        let entry = Entry(handler: handler, body: body)
        let segments = Self.segments(of: pattern).map { part -> Segment in
            if part.hasPrefix("{") && part.hasSuffix("}") && part.count > 2 {
                return .parameter(String(part.dropFirst().dropLast()))
            }
            return .literal(String(part))
        }
        if !segments.contains(where: { if case .parameter = $0 { return true } else { return false } }) {
            exact[pattern, default: [:]][method] = entry
            return
        }
        if let i = patterns.firstIndex(where: { $0.segments == segments }) {
            patterns[i].handlers[method] = entry
        } else {
            patterns.append(Route(segments: segments, handlers: [method: entry]))
        }
    }

    /// How the route for `method` on `path` takes its body (`.buffered` when none matches:
    /// the server then answers 404 or 405 within its own limits).
    public func bodyPolicy(method: HTTPMethod, path: String) -> RequestBodyPolicy {
        if case .found(let entry, _) = lookup(method: method, path: path) { return entry.body }
        return .buffered
    }

    /// The largest body limit any route sets (nil when all keep the server's).
    public var largestBodyLimit: Int? {
        let entries = exact.values.flatMap(\.values) + patterns.flatMap(\.handlers.values)
        return entries.compactMap { entry -> Int? in
            switch entry.body {
            case .buffered(let limit): limit
            case .streamed(let limit): limit
            }
        }.max()
    }

    /// Looks up `method` on `path` (percent-encoded, without query).
    public func match(method: HTTPMethod, path: String) -> Match {
        switch lookup(method: method, path: path) {
        case .found(let entry, let parameters): .found(entry.handler, parameters: parameters)
        case .notFound: .notFound
        case .methodNotAllowed(let allowed): .methodNotAllowed(allowed: allowed)
        }
    }

    private enum Lookup {
        case found(Entry, [String: String])
        case notFound
        case methodNotAllowed(allowed: [HTTPMethod])
    }

    private func lookup(method: HTTPMethod, path: String) -> Lookup {
        if let handlers = exact[path] {
            return Self.pick(method, handlers, parameters: [:])
        }
        let parts = Self.segments(of: path)
        var allowed: [HTTPMethod]?
        for route in patterns where route.segments.count == parts.count {
            var parameters: [String: String] = [:]
            var matches = true
            for (segment, part) in zip(route.segments, parts) {
                switch segment {
                case .literal(let text): matches = text == part
                case .parameter(let name):
                    if part.isEmpty { matches = false } else {
                        parameters[name] = HTTPRequest.percentDecode(part) ?? String(part)
                    }
                }
                if !matches { break }
            }
            guard matches else { continue }
            switch Self.pick(method, route.handlers, parameters: parameters) {
            case .methodNotAllowed(let methods): allowed = (allowed ?? []) + methods
            case let found: return found
            }
        }
        if let allowed { return .methodNotAllowed(allowed: allowed) }
        return .notFound
    }

    /// Routes `request` and runs its handler; 404, 405 and thrown errors become responses.
    public func respond(to request: HTTPRequest) async -> HTTPResponse {
        let start = ContinuousClock.now
        switch lookup(method: request.method, path: request.path) {
        case .found(let entry, let parameters):
            var request = request
            request.pathParameters = parameters
            // A request built in process for a streaming route streams its whole body.
            if entry.body.isStreamed && request.bodyStream == nil { request.bodyStream = HTTPBodyStream(bytes: request.body) }
            do {
                return try await entry.handler(request)
            } catch {
                return errorResponse(.internalServerError, "internal server error", request.path)
            }
        case .notFound:
            let response = errorResponse(.notFound, "no route for \(request.path)", request.path)
            onUnmatched(request, response.status, ContinuousClock.now - start)
            return response
        case .methodNotAllowed(let allowed):
            var response = errorResponse(.methodNotAllowed, "\(request.method) is not allowed on \(request.path)", request.path)
            // RFC 9110 §15.5.6: a 405 lists the methods the target supports.
            response.headers.set("Allow", allowed.map(\.rawValue).joined(separator: ", "))
            onUnmatched(request, response.status, ContinuousClock.now - start)
            return response
        }
    }

    private static func pick(_ method: HTTPMethod, _ handlers: [HTTPMethod: Entry],
                             parameters: [String: String]) -> Lookup {
        if let entry = handlers[method] { return .found(entry, parameters) }
        // RFC 9110 §9.3.2: HEAD is answered like GET (the server drops the body).
        if method == .head, let entry = handlers[.get] { return .found(entry, parameters) }
        var allowed = handlers.keys.map(\.rawValue).sorted()
        if handlers[.get] != nil && handlers[.head] == nil { allowed.append("HEAD") }
        return .methodNotAllowed(allowed: allowed.map(HTTPMethod.init(rawValue:)))
    }

    private static func segments(of path: String) -> [Substring] {
        path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map { $0 }
    }
}
