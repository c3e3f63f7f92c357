import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Strata

/// `strata serve`: an OpenAI-compatible HTTP server for Strata's models, on Hummingbird 2.
///
/// Generative models (Llama GGUF files, Strata language-model checkpoints) answer
/// `/v1/completions` and `/v1/chat/completions` through a continuous-batching scheduler;
/// sentence encoders answer `/v1/embeddings` in batches; MNIST checkpoints `/v1/classify`;
/// recommender checkpoints `/v1/recommend` and `/v1/predict-rating`. `/health`, `/metrics` and
/// `/v1/models` describe the server.
///
/// ```swift
/// var options = ServeOptions()
/// options.port = 8080
/// let server = try StrataServer(models: [(name: "smol", path: "Models/SmolLM2-135M-Instruct.Q4_1.gguf")], options: options)
/// try await server.run()          // until SIGINT or SIGTERM
/// ```
public final class StrataServer: Sendable {
    public let options: ServeOptions
    public let metrics: ServerMetrics
    /// The served models, in the order given.
    public let models: [ServedModel]
    let byName: [String: ServedModel]

    /// The routes the server answers (metrics label requests with these, or "other").
    static let routes: Set<String> = ["/", "/health", "/metrics", "/v1/models", "/v1/completions", "/v1/chat/completions",
                                      "/v1/embeddings", "/v1/classify", "/v1/recommend", "/v1/predict-rating"]

    /// Loads every model (`name` nil: the file or folder name without its extension). Two models
    /// with one name, or a path that is not a model, throw.
    public init(models specs: [(name: String?, path: String)], options: ServeOptions) throws {
        guard !specs.isEmpty else { throw ModelLoadError(path: "", "no model given; pass --model [name=]PATH") }
        self.options = options
        let metrics = ServerMetrics()
        self.metrics = metrics
        var loaded: [ServedModel] = [], byName: [String: ServedModel] = [:]
        for spec in specs {
            let name = spec.name ?? Self.defaultName(spec.path)
            guard byName[name] == nil else { throw ModelLoadError(path: spec.path, "a second model named '\(name)'; name them with --model NAME=PATH") }
            let model = try ServedModel.load(name: name, path: spec.path, options: options, metrics: metrics)
            loaded.append(model)
            byName[name] = model
        }
        models = loaded
        self.byName = byName
    }

    /// The name a path is served under by default: its last component without the extension.
    public static func defaultName(_ path: String) -> String {
        let url = URL(fileURLWithPath: path)
        let base = url.deletingPathExtension().lastPathComponent
        return base.isEmpty ? url.lastPathComponent : base
    }

    /// The router with every route and the middleware (auth, errors, metrics).
    public func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.middlewares.add(ServeMiddleware(apiKey: options.apiKey, metrics: metrics))
        router.get("/health") { _, _ in JSONOutput.response(StrataAPI.Health(status: "ok", models: self.models.map(\.name))) }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: ResponseBody(byteBuffer: ByteBuffer(string: self.metrics.exposition())))
        }
        router.get("/") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: ServePage.html)))
        }
        router.get("/v1/models") { _, _ in
            JSONOutput.response(OpenAI.ModelList(data: self.models.map {
                OpenAI.Model(id: $0.name, created: $0.created, kind: $0.kind.rawValue)
            }))
        }
        router.post("/v1/completions") { request, _ in try await self.cancellingOnClose(request, self.completions) }
        router.post("/v1/chat/completions") { request, _ in try await self.cancellingOnClose(request, self.chatCompletions) }
        router.post("/v1/embeddings") { request, _ in try await self.embeddings(request) }
        router.post("/v1/classify") { request, _ in try await self.classify(request) }
        router.post("/v1/recommend") { request, _ in try await self.recommend(request) }
        router.post("/v1/predict-rating") { request, _ in try await self.predictRating(request) }
        return router
    }

    /// The Hummingbird application listening on `options.host:options.port`.
    public func application(onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in })
        -> some ApplicationProtocol {
        var logger = Logger(label: "strata.serve")
        logger.logLevel = .info
        return Application(router: router(), configuration: .init(address: .hostname(options.host, port: options.port), serverName: "strata"),
                           onServerRunning: onServerRunning, logger: logger)
    }

    /// Serves until SIGINT or SIGTERM, then shuts down gracefully: the listener closes, in-flight
    /// requests get `options.shutdownGrace` seconds to finish, then are cancelled; returns after.
    /// `onListening` receives the port the server bound (useful with port 0).
    public func run(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let app = application { channel in await onListening(channel.localAddress?.port ?? 0) }
        let logger = Logger(label: "strata.serve")
        // Services shut down last-first: the model service starts the grace timer, then the
        // application stops accepting and waits for its in-flight requests.
        let services: [any Service] = [app, ModelShutdownService(server: self)]
        let group = ServiceGroup(configuration: .init(services: services,
                                                      gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        shutdown()
    }

    /// Serves until the calling task is cancelled, without signal handling; the models stay
    /// loaded (tests and embedding applications use this).
    public func serve(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let app = application { channel in await onListening(channel.localAddress?.port ?? 0) }
        try await app.run()
    }

    /// Cancels every waiting and active request and stops the models' threads.
    public func shutdown() { for m in models { m.shutdown() } }

    // MARK: - Helpers shared by the handlers

    /// The request body, at most `options.maxBodyBytes` (413 beyond).
    func body(_ request: Request) async throws -> [UInt8] {
        let limit = options.maxBodyBytes
        try checkDeclaredLength(request)
        do {
            let buffer = try await request.body.collect(upTo: limit)
            return Array(buffer: buffer)
        } catch is NIOTooManyBytesError {
            throw APIError.tooLarge(limit: limit)
        }
    }

    /// Throws 413 when the request's Content-Length is over `maxBodyBytes`.
    func checkDeclaredLength(_ request: Request) throws {
        let limit = options.maxBodyBytes
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit { throw APIError.tooLarge(limit: limit) }
    }

    /// The model `name` names, which must serve `kinds`; with no name, the only such model.
    func model(_ name: String?, serving kinds: Set<ServedModel.Kind>, for endpoint: String) throws -> ServedModel {
        guard let name else {
            let candidates = models.filter { kinds.contains($0.kind) }
            if candidates.count == 1 { return candidates[0] }
            throw APIError.invalidRequest("Missing required parameter: 'model'", param: "model")
        }
        guard let model = byName[name] else { throw APIError.unknownModel(name) }
        guard kinds.contains(model.kind) else {
            throw APIError.invalidRequest("The model '\(name)' is a \(model.kind.rawValue) and does not serve \(endpoint)", param: "model",
                                          code: "model_not_supported")
        }
        return model
    }

    var deadline: Date { Date().addingTimeInterval(options.timeout) }

    static func identifier(_ prefix: String) -> String {
        prefix + String((0..<24).map { _ in "abcdefghijklmnopqrstuvwxyz0123456789".randomElement()! })
    }
}

/// Starts the grace period on graceful shutdown: after `shutdownGrace` seconds, requests still
/// running are cancelled so that the application's own shutdown can complete.
struct ModelShutdownService: Service {
    let server: StrataServer

    func run() async throws {
        try? await gracefulShutdown()
        let grace = server.options.shutdownGrace
        let server = self.server
        Task.detached {
            try? await Task.sleep(nanoseconds: UInt64(max(0, grace) * 1e9))
            server.shutdown()
        }
    }
}

/// Every request passes here: the bearer key on /v1 routes, OpenAI-style errors for whatever a
/// handler (or the router: 404, 405) throws, and the request metrics. The key is never logged.
struct ServeMiddleware<Context: RequestContext>: RouterMiddleware {
    let apiKey: String?
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        let path = request.uri.path
        let route = StrataServer.routes.contains(path) ? path : "other"
        var response: Response
        do {
            if path.hasPrefix("/v1"), let apiKey, !Self.authorized(request.headers[.authorization], key: apiKey) {
                throw APIError.unauthorized
            }
            response = try await next(request, context)
        } catch let error as APIError {
            response = error.response()
        } catch let error as HTTPError {
            let type = error.status.code >= 500 ? "server_error" : "invalid_request_error"
            let message = error.status == .notFound ? "No route \(request.method.rawValue) \(path)" : (error.body ?? error.status.reasonPhrase)
            response = APIError(status: error.status, message: message, type: type).response()
        } catch {
            response = APIError(status: .internalServerError, message: "Internal error: \(error)", type: "server_error").response()
        }
        metrics.recordRequest(route: route, status: response.status.code,
                              seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        return response
    }

    /// `Authorization: Bearer <key>`, compared in time independent of where the bytes differ.
    static func authorized(_ header: String?, key: String) -> Bool {
        guard let header, header.hasPrefix("Bearer ") else { return false }
        let given = Array(header.dropFirst(7).utf8), expected = Array(key.utf8)
        guard given.count == expected.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(given, expected) { difference |= a ^ b }
        return difference == 0
    }
}
