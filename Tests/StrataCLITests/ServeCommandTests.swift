import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// `strata serve` as a process: it listens, answers, never prints the API key, and on SIGINT or
/// SIGTERM shuts down gracefully with exit status 0.
@Suite("strata serve (the binary)")
struct ServeCommandTests {
    static let llama = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("StrataServeTests/Fixtures/tiny-chat-llama.gguf").path

    /// A running `strata serve` on a free port, with its output collected.
    final class Server {
        let process = Process()
        let output = Pipe(), errors = Pipe()
        var port = 0
        var printed = ""

        init(_ arguments: [String]) throws {
            process.executableURL = StrataBinary.url
            process.arguments = ["serve", "--port", "0"] + arguments
            process.standardOutput = output
            process.standardError = errors
            try process.run()
            let deadline = Date().addingTimeInterval(60)
            while port == 0 && Date() < deadline && process.isRunning {
                let data = output.fileHandleForReading.availableData
                printed += String(decoding: data, as: UTF8.self)
                if let range = printed.range(of: #"http://127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                    port = Int(printed[range].split(separator: ":").last!)!
                }
                if data.isEmpty { Thread.sleep(forTimeInterval: 0.05) }
            }
        }

        func request(_ path: String, json: String? = nil, key: String? = nil) async throws -> (Int, String) {
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
            if let json {
                request.httpMethod = "POST"
                request.httpBody = Data(json.utf8)
                request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            }
            if let key { request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization") }
            let (data, response) = try await URLSession.shared.data(for: request)
            return ((response as! HTTPURLResponse).statusCode, String(decoding: data, as: UTF8.self))
        }

        /// Sends `signal` and waits for the exit; returns the status and everything printed.
        func stop(_ signal: Int32) -> (status: Int32?, output: String) {
            kill(process.processIdentifier, signal)
            let deadline = Date().addingTimeInterval(30)
            while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            if process.isRunning { process.terminate(); return (nil, printed) }
            let rest = output.fileHandleForReading.readDataToEndOfFile(), err = errors.fileHandleForReading.readDataToEndOfFile()
            return (process.terminationStatus, printed + String(decoding: rest, as: UTF8.self) + String(decoding: err, as: UTF8.self))
        }
    }

    @Test(arguments: [SIGINT, SIGTERM])
    func servesAndShutsDownOnSignal(_ signal: Int32) async throws {
        let server = try Server(["--model", "tiny=\(Self.llama)"])
        try #require(server.port > 0, "no listening line: \(server.printed)")
        let (status, body) = try await server.request("/health")
        #expect(status == 200 && body.contains("tiny"))
        let (chat, answer) = try await server.request("/v1/chat/completions",
                                                      json: #"{"model": "tiny", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 5}"#)
        #expect(chat == 200, "\(answer)")
        let (exit, output) = server.stop(signal)
        #expect(exit == 0, "exit \(String(describing: exit)): \(output)")
        #expect(output.contains("strata serve: stopped"))
    }

    @Test func apiKeyIsRequiredAndNeverPrinted() async throws {
        let key = "sk-secret-\(UUID().uuidString)"
        let server = try Server(["--model", Self.llama, "--api-key", key])
        try #require(server.port > 0, "no listening line: \(server.printed)")
        let (denied, _) = try await server.request("/v1/models")
        #expect(denied == 401)
        let (wrong, _) = try await server.request("/v1/models", key: "sk-wrong")
        #expect(wrong == 401)
        let (allowed, models) = try await server.request("/v1/models", key: key)
        #expect(allowed == 200 && models.contains("tiny-chat-llama"))
        let (_, output) = server.stop(SIGTERM)
        #expect(!output.contains(key))
    }

    @Test func badModelPathIsOneLineError() throws {
        let result = try StrataBinary.run(["serve", "--model", "/nonexistent/model.gguf", "--port", "0"])
        #expect(result.status == 1)
        #expect(result.standardError.contains("/nonexistent/model.gguf") && !result.standardError.contains("Fatal error"))
    }
}
