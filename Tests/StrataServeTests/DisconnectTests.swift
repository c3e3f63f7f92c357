import Foundation
import Hummingbird
import Strata
import StrataServe
import Testing

/// A client that goes away mid-generation, streaming or not: the server cancels the sequence and
/// frees its cache (the active-sequence gauge falls back to 0 long before `max_tokens` could be
/// generated). The character GPT checkpoint has no end-of-generation token and no context limit,
/// so a request for a million tokens runs until it is cancelled.
@Suite("Client disconnects")
struct DisconnectTests {
    /// `strata_active_sequences{model="lm"}` as `/metrics` reports it.
    static func active(_ client: TestClient) async throws -> Int? {
        let text = try await client.execute(uri: "/metrics", method: .get).text
        let prefix = #"strata_active_sequences{model="lm"} "#
        return text.split(separator: "\n").first { $0.hasPrefix(prefix) }.flatMap { Int($0.dropFirst(prefix.count)) }
    }

    /// Polls `active` until it equals `value` or `seconds` pass; returns whether it did.
    static func waitForActive(_ client: TestClient, _ value: Int, seconds: Double) async throws -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if try await active(client) == value { return true }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        return false
    }

    @Test(arguments: [false, true])
    func disconnectCancelsTheSequence(stream: Bool) async throws {
        var options = ServeOptions()
        options.port = 0
        let server = try StrataServer(models: [("lm", try ServeFixtures.languageModel())], options: options)
        try await withLiveServer(server) { client in
            let request = #"{"model": "lm", "prompt": "abc", "max_tokens": 1000000, "stream": \#(stream)}"#
            let pending = Task { try await client.post("/v1/completions", request) }
            #expect(try await Self.waitForActive(client, 1, seconds: 30), "the sequence never started")
            let before = server.metrics.generatedTokens(model: "lm")
            pending.cancel()                                   // the client closes its connection
            let result = await pending.result
            #expect((try? result.get()) == nil, "the request completed instead of being cancelled")
            // Generous: the whole suite runs in parallel on 2 cores (the built-in GEMM in CI), so
            // noticing the closed connection can wait for the CPU. A sequence that was not
            // cancelled would stay active, or finish with all 1,000,000 tokens; both fail here.
            #expect(try await Self.waitForActive(client, 0, seconds: 60), "the sequence was not cancelled")
            let generated = server.metrics.generatedTokens(model: "lm")
            #expect(generated >= before && generated < 1_000_000)
            // The server still answers.
            let after = try await client.post("/v1/completions", #"{"model": "lm", "prompt": "abc", "max_tokens": 3}"#)
            #expect(after.status == .ok, "\(after.text)")
        }
        server.shutdown()
    }
}
