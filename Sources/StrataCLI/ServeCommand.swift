import ArgumentParser
import Foundation
import Strata
import StrataServe

/// `strata serve`: the models behind an OpenAI-compatible HTTP server until SIGINT or SIGTERM.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Serve models over an OpenAI-compatible HTTP API.",
        discussion: """
            Each --model is a GGUF file (completions and chat), a 'strata train lm' checkpoint (completions), a
            sentence-transformers folder (embeddings), a 'strata train mnist' checkpoint (classify) or a
            'strata train recommender' checkpoint (recommend, predict-rating); the kind is told from the files.
            A model is served under NAME (default: the file or folder name without extension).
            With --api-key (or STRATA_API_KEY) every /v1 route needs 'Authorization: Bearer KEY'.
            SIGINT or SIGTERM stops accepting, gives running requests --shutdown-grace seconds, and exits 0.
            Example: strata serve --model smol=Models/SmolLM2-135M-Instruct.Q4_1.gguf --model Models/all-MiniLM-L6-v2
            """)

    @Option(name: .customLong("model"), help: "[NAME=]PATH of a model to serve (repeatable).") var models: [String] = []
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0: any free port).") var port = 8080
    @Option(help: "Require 'Authorization: Bearer KEY' on /v1 routes (default: env STRATA_API_KEY).") var apiKey: String?
    @Option(help: "Sequences a generative model decodes together.") var maxConcurrent = 16
    @Option(help: "Requests that may wait per model beyond those running (more get 429).") var maxQueue = 64
    @Option(help: "Tokens one batched step feeds: one per decoding sequence, the rest prompt chunks.") var maxBatchTokens = 512
    @Option(help: "Largest request body in bytes (larger get 413).") var maxBodyBytes = 8 << 20
    @Option(help: "Seconds a request may take, queueing included.") var timeout: Double = 300
    @Option(help: "Seconds running requests get to finish on shutdown.") var shutdownGrace: Double = 10

    func validate() throws {
        guard !models.isEmpty else { throw ValidationError("give at least one --model [NAME=]PATH") }
        for spec in models where Self.split(spec).path.isEmpty { throw ValidationError("--model \(spec.debugDescription) has no path") }
        try OptionCheck.int(port, "--port", in: 0...65_535)
        try OptionCheck.int(maxConcurrent, "--max-concurrent", in: 1...1024)
        try OptionCheck.int(maxQueue, "--max-queue", in: 0...100_000)
        try OptionCheck.int(maxBatchTokens, "--max-batch-tokens", in: 1...65_536)
        try OptionCheck.int(maxBodyBytes, "--max-body-bytes", in: 1024...(1 << 30))
        try OptionCheck.double(timeout, "--timeout", in: 0...86_400, open: .lower)
        try OptionCheck.double(shutdownGrace, "--shutdown-grace", in: 0...3600)
        if let apiKey, apiKey.isEmpty { throw ValidationError("--api-key must not be empty") }
    }

    /// `name=path` or `path` (a path containing "=" can be named explicitly).
    static func split(_ spec: String) -> (name: String?, path: String) {
        guard let eq = spec.firstIndex(of: "="), !FileManager.default.fileExists(atPath: spec) else { return (nil, spec) }
        let name = String(spec[..<eq])
        return (name.isEmpty ? nil : name, String(spec[spec.index(after: eq)...]))
    }

    func run() throws {
        var options = ServeOptions()
        options.host = host
        options.port = port
        options.apiKey = apiKey ?? ProcessInfo.processInfo.environment["STRATA_API_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        options.maxConcurrent = maxConcurrent
        options.maxQueue = maxQueue
        options.maxBatchTokens = maxBatchTokens
        options.maxBodyBytes = maxBodyBytes
        options.timeout = timeout
        options.shutdownGrace = shutdownGrace
        let server: StrataServer
        do {
            server = try StrataServer(models: models.map(Self.split), options: options)
        } catch {
            throw UserFacingError("cannot serve: \(error)")
        }
        let names = server.models.map { "\($0.name) (\($0.kind.rawValue))" }.joined(separator: ", ")
        let auth = options.apiKey == nil ? "no API key" : "API key required"
        let host = self.host
        let done = DispatchSemaphore(value: 0)
        let failure = FailureBox()
        Task.detached {
            do {
                try await server.run { bound in
                    print("strata serve: listening on http://\(host):\(bound) — \(names); \(auth)")
                    fflush(nil)
                }
            } catch {
                failure.error = error
            }
            done.signal()
        }
        done.wait()
        if let error = failure.error { throw UserFacingError("server stopped: \(error)") }
        print("strata serve: stopped")
    }
}

/// The server task's error, handed back to the main thread.
private final class FailureBox: @unchecked Sendable {
    // @unchecked Sendable: written once by the server task before the semaphore is signalled.
    var error: Error?
}
