import Foundation
import Hummingbird
import Strata
import StrataServe
import Testing

/// `/v1/completions` and `/v1/chat/completions` on the tiny chat Llama: shapes, streaming,
/// usage, stop sequences, and continuous batching giving the same greedy text as one at a time.
@Suite("Generation endpoints")
struct GenerationEndpointTests {
    let server: StrataServer
    init() throws { server = try ServeFixtures.everything.get() }

    @Test func completionHasOpenAIShapeAndUsage() async throws {
        let tokenizer = try PretrainedLlama(path: ServeFixtures.llama).tokenizer
        try await withLiveServer(server) { client in
            let r = try await client.post("/v1/completions", #"{"model": "tiny", "prompt": "Hello there", "max_tokens": 7, "temperature": 0}"#)
            #expect(r.status == .ok, "\(r.text)")
            #expect(r.headers[.contentType] == "application/json")
            let body = try r.object()
            #expect(body["object"] as? String == "text_completion")
            #expect((body["id"] as? String)?.hasPrefix("cmpl-") == true)
            #expect(body["model"] as? String == "tiny")
            let choice = try #require((body["choices"] as? [[String: Any]])?.first)
            #expect(choice["index"] as? Int == 0)
            #expect(["stop", "length"].contains(choice["finish_reason"] as? String ?? ""))
            #expect(choice["text"] is String)
            let usage = try #require(body["usage"] as? [String: Int])
            #expect(usage["prompt_tokens"] == (try tokenizer.encode("Hello there")).count)
            #expect((1...7).contains(usage["completion_tokens"]!) || choice["finish_reason"] as? String == "stop")
            #expect(usage["total_tokens"] == usage["prompt_tokens"]! + usage["completion_tokens"]!)
        }
    }

    @Test func greedyIsDeterministicAndSeedRepeats() async throws {
        try await withLiveServer(server) { client in
            let greedy = #"{"model": "tiny", "prompt": "abc", "max_tokens": 12, "temperature": 0}"#
            let a = try await client.post("/v1/completions", greedy), b = try await client.post("/v1/completions", greedy)
            #expect(Self.completionText(try a.object()) == Self.completionText(try b.object()))
            let seeded = #"{"model": "tiny", "prompt": "abc", "max_tokens": 12, "temperature": 1.2, "top_p": 0.9, "seed": 7}"#
            let c = try await client.post("/v1/completions", seeded), d = try await client.post("/v1/completions", seeded)
            #expect(Self.completionText(try c.object()) == Self.completionText(try d.object()))
        }
    }

    @Test func chatCompletionAndStreamAgree() async throws {
        try await withLiveServer(server) { client in
            let request = #"{"model": "tiny", "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi!"}], "max_tokens": 10, "temperature": 0"#
            let whole = try await client.post("/v1/chat/completions", request + "}")
            #expect(whole.status == .ok, "\(whole.text)")
            let body = try whole.object()
            #expect(body["object"] as? String == "chat.completion")
            let choice = try #require((body["choices"] as? [[String: Any]])?.first)
            let message = try #require(choice["message"] as? [String: Any])
            #expect(message["role"] as? String == "assistant")
            let expected = try #require(message["content"] as? String)

            let streamed = try await client.post("/v1/chat/completions", request + #", "stream": true, "stream_options": {"include_usage": true}}"#)
            #expect(streamed.status == .ok)
            #expect(streamed.headers[.contentType] == "text/event-stream")
            let events = streamed.events
            #expect(events.last == "[DONE]", "\(events)")
            let chunks = try events.dropLast().map(json)
            #expect(chunks.allSatisfy { $0["object"] as? String == "chat.completion.chunk" })
            #expect(Set(chunks.compactMap { $0["id"] as? String }).count == 1)
            let deltas = chunks.compactMap { (($0["choices"] as? [[String: Any]])?.first?["delta"]) as? [String: Any] }
            #expect(deltas.first?["role"] as? String == "assistant")
            #expect(deltas.compactMap { $0["content"] as? String }.joined() == expected)
            let last = try #require(chunks.last)
            let finish = (last["choices"] as? [[String: Any]])?.first?["finish_reason"] as? String
            #expect(finish == choice["finish_reason"] as? String)
            #expect((last["usage"] as? [String: Int]) == (body["usage"] as? [String: Int]))
            // Every chunk but the last has finish_reason null.
            for chunk in chunks.dropLast() {
                #expect((chunk["choices"] as? [[String: Any]])?.first?["finish_reason"] is NSNull)
            }
        }
    }

    @Test func completionStreamMatchesWhole() async throws {
        try await withLiveServer(server) { client in
            let request = #"{"model": "tiny", "prompt": "Once", "max_tokens": 15, "temperature": 0"#
            let whole = Self.completionText(try await client.post("/v1/completions", request + "}").object())
            let streamed = try await client.post("/v1/completions", request + #", "stream": true}"#)
            let events = streamed.events
            #expect(events.last == "[DONE]")
            let pieces = try events.dropLast().map(json).compactMap { (($0["choices"] as? [[String: Any]])?.first?["text"]) as? String }
            #expect(pieces.joined() == whole)
        }
    }

    /// Many different prompts at once share the batch; each must read exactly as when alone. With
    /// a step of at most 3 tokens, prompts are read a token or two at a time beside decoding ones.
    @Test(arguments: [512, 3])
    func concurrentGreedyRequestsMatchSequentialOnes(maxBatchTokens: Int) async throws {
        let prompts = ["alpha", "The quick brown fox", "1 2 3", "zz", "Lorem ipsum dolor sit amet", "?", "hello world", "Swift"]
        let server = maxBatchTokens == 512 ? self.server : try ServeFixtures.llamaServer { $0.maxBatchTokens = maxBatchTokens }
        try await withLiveServer(server) { client in
            func ask(_ prompt: String) async throws -> String {
                let r = try await client.post("/v1/completions", #"{"model": "tiny", "prompt": "\#(prompt)", "max_tokens": 24, "temperature": 0}"#)
                return Self.completionText(try r.object())
            }
            var alone: [String] = []
            for p in prompts { alone.append(try await ask(p)) }
            let together = try await withThrowingTaskGroup(of: (Int, String).self) { group in
                for (i, p) in prompts.enumerated() { group.addTask { (i, try await ask(p)) } }
                var out = Array(repeating: "", count: prompts.count)
                for try await (i, text) in group { out[i] = text }
                return out
            }
            #expect(together == alone)
        }
        #expect(server.metrics.exposition().contains("strata_batch_size_bucket{model=\"tiny\""))
        if server !== self.server { server.shutdown() }
    }

    @Test func stopSequenceEndsTheText() async throws {
        try await withLiveServer(server) { client in
            let base = #"{"model": "tiny", "prompt": "stop here", "max_tokens": 40, "temperature": 0"#
            let full = Self.completionText(try await client.post("/v1/completions", base + "}").object())
            let scalars = Array(full.unicodeScalars)
            guard scalars.count >= 8 else { return }        // the random model ended early: nothing to cut
            let stop = String(String.UnicodeScalarView(scalars[4..<6]))
            let cut = full.range(of: stop).map { String(full[..<$0.lowerBound]) }!
            for stream in [false, true] {
                let stopJSON = String(data: try JSONSerialization.data(withJSONObject: [stop]), encoding: .utf8)!
                let r = try await client.post("/v1/completions", base + #", "stop": \#(stopJSON), "stream": \#(stream)}"#)
                let text: String, finish: String?
                if stream {
                    let chunks = try r.events.dropLast().map(json)
                    text = chunks.compactMap { (($0["choices"] as? [[String: Any]])?.first?["text"]) as? String }.joined()
                    finish = (chunks.last?["choices"] as? [[String: Any]])?.first?["finish_reason"] as? String
                } else {
                    let body = try r.object()
                    text = Self.completionText(body)
                    finish = (body["choices"] as? [[String: Any]])?.first?["finish_reason"] as? String
                }
                #expect(text == cut, "stream \(stream): \(text.debugDescription) vs \(cut.debugDescription)")
                #expect(finish == "stop")
            }
        }
    }

    @Test func languageModelCheckpointCompletes() async throws {
        try await withLiveServer(server) { client in
            let r = try await client.post("/v1/completions", #"{"model": "lm", "prompt": "abc", "max_tokens": 9, "seed": 3}"#)
            #expect(r.status == .ok, "\(r.text)")
            let body = try r.object()
            #expect((body["usage"] as? [String: Int])?["completion_tokens"] == 9)
            #expect(Self.completionText(body).count == 9)
            // A language-model checkpoint has no chat template.
            let chat = try await client.post("/v1/chat/completions", #"{"model": "lm", "messages": [{"role": "user", "content": "hi"}]}"#)
            #expect(chat.status == .badRequest)
        }
    }

    static func completionText(_ body: [String: Any]) -> String {
        ((body["choices"] as? [[String: Any]])?.first?["text"] as? String) ?? "<no text: \(body)>"
    }
}
