import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird
import Strata
import StrataServe
import Testing

/// The models the server tests serve: the tiny chat Llama fixture (written by
/// Scripts/make_tiny_chat_llama.py), and small untrained checkpoints of the other kinds made
/// here with the library, once per test run.
enum ServeFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let llama = directory.appendingPathComponent("tiny-chat-llama.gguf").path

    static let scratch: String = {
        let path = NSTemporaryDirectory() + "strata-serve-tests-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    /// A one-layer character GPT checkpoint (as `strata train lm` writes them).
    static func languageModel() throws -> String {
        let path = scratch + "/lm"
        if !FileManager.default.fileExists(atPath: path + "/model.safetensors") {
            let tokenizer = CharacterTokenizer(corpus: "abcdefghijklmnopqrstuvwxyz ,.\n")
            let gpt = GPT(GPT.Config(vocabularySize: tokenizer.vocabularySize, context: 32, layers: 1, heads: 2, width: 16))
            try LanguageModelCheckpoint.save(.gpt(gpt), tokenizer: tokenizer, to: path)
        }
        return path
    }

    /// An untrained MLP in `strata train mnist`'s model directory.
    static func classifier() throws -> String {
        let path = scratch + "/mnist"
        if !FileManager.default.fileExists(atPath: path + "/model.safetensors") {
            try ImageClassifierCheckpoint.save(try ImageModelKind.mlp.make(), kind: .mlp, dataset: .mnist, to: path)
        }
        return path
    }

    /// A matrix-factorisation checkpoint over five ratings.
    static func recommender() throws -> String {
        let path = scratch + "/recommender"
        if !FileManager.default.fileExists(atPath: path + "/ids.json") {
            let table = try RatingTable.parse("user,item,rating\nu1,i1,4\nu1,i2,3\nu2,i2,5\nu3,i3,1\nu2,i4,2\n", format: .csv)
            let model = MatrixFactorization(.init(users: table.users.count, items: table.items.count, factors: 4))
            try RecommenderCheckpoint.save(model, data: table, to: path)
        }
        return path
    }

    /// Models/all-MiniLM-L6-v2 (or under $STRATA_MODELS) when fetched.
    static let miniLM: String? = {
        var candidates: [String] = []
        if let dir = ProcessInfo.processInfo.environment["STRATA_MODELS"] { candidates.append(dir + "/all-MiniLM-L6-v2") }
        let root = directory.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent("Models/all-MiniLM-L6-v2").path)
        let found = candidates.first { FileManager.default.fileExists(atPath: $0 + "/config.json") }
        if found == nil { print("skipped: run Scripts/fetch_models.sh (no all-MiniLM-L6-v2)") }
        return found
    }()

    /// A server with every kind of model (MiniLM when fetched), made once.
    static let everything: Result<StrataServer, Error> = Result {
        var specs: [(name: String?, path: String)] = [("tiny", llama), ("lm", try languageModel()), ("digits", try classifier()),
                                                      ("films", try recommender())]
        if let miniLM { specs.append(("minilm", miniLM)) }
        var options = ServeOptions()
        options.port = 0                   // a free port: test servers run side by side
        return try StrataServer(models: specs, options: options)
    }

    /// A server with only the tiny Llama, with `configure` applied to its options.
    static func llamaServer(_ configure: (inout ServeOptions) -> Void = { _ in }) throws -> StrataServer {
        var options = ServeOptions()
        options.port = 0
        configure(&options)
        return try StrataServer(models: [("tiny", llama)], options: options)
    }
}

/// A real HTTP client for a server started on a free loopback port (URLSession, with enough
/// connections per host that concurrent requests really are concurrent).
struct TestClient: Sendable {
    let port: Int
    static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = 128
        configuration.timeoutIntervalForRequest = 120
        return URLSession(configuration: configuration)
    }()

    func execute(uri: String, method: HTTPRequest.Method, headers: HTTPFields = [:], body: ByteBuffer? = nil) async throws -> TestResponse {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(uri)")!)
        request.httpMethod = method.rawValue
        for field in headers { request.setValue(field.value, forHTTPHeaderField: field.name.rawName) }
        if let body { request.httpBody = Data(body.readableBytesView) }
        let (data, response) = try await Self.session.data(for: request)
        let http = response as! HTTPURLResponse
        var fields = HTTPFields()
        for (key, value) in http.allHeaderFields {
            if let name = HTTPFields.Element.Name(String(describing: key)) { fields[name] = String(describing: value) }
        }
        return TestResponse(status: HTTPResponse.Status(code: http.statusCode), headers: fields, body: ByteBuffer(bytes: data))
    }

    func post(_ uri: String, _ json: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        var all = headers
        all[.contentType] = "application/json"
        return try await execute(uri: uri, method: .post, headers: all, body: ByteBuffer(string: json))
    }
}

struct TestResponse: Sendable {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let body: ByteBuffer
}

/// Runs `server` on a free port of 127.0.0.1 for the duration of `test`.
func withLiveServer<T>(_ server: StrataServer, _ test: (TestClient) async throws -> T) async throws -> T {
    let (ports, continuation) = AsyncStream<Int>.makeStream()
    let running = Task {
        try await server.serve { port in continuation.yield(port) }
    }
    var iterator = ports.makeAsyncIterator()
    guard let port = await iterator.next() else { throw CancellationError() }
    defer { running.cancel() }
    return try await test(TestClient(port: port))
}

extension TestResponse {
    var text: String { String(buffer: body) }

    /// The body as a JSON object (the test fails when it is not one).
    func object() throws -> [String: Any] {
        let value = try JSONSerialization.jsonObject(with: Data(text.utf8))
        return try #require(value as? [String: Any], "not a JSON object: \(text)")
    }

    /// The OpenAI error object of an error response.
    func error() throws -> [String: Any] {
        try #require(try object()["error"] as? [String: Any], "no error object: \(text)")
    }

    /// The `data:` payloads of a server-sent-events body, in order.
    var events: [String] {
        text.components(separatedBy: "\n\n").filter { !$0.isEmpty }.map { event in
            event.hasPrefix("data: ") ? String(event.dropFirst(6)) : "<not a data line: \(event)>"
        }
    }
}

func json(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not a JSON object: \(text)")
}
