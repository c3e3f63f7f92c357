import Foundation
import Hummingbird
import Strata
import StrataServe
import Testing

/// Bad input gets OpenAI-style JSON errors with the right status; limits and the API key hold.
@Suite("Errors, limits and auth")
struct ErrorAndLimitTests {
    static let badRequests: [(uri: String, body: String, status: Int, param: String?)] = [
        ("/v1/completions", #"{"model": "tiny", "prompt": "a""#, 400, nil),                               // truncated JSON
        ("/v1/completions", #"[1, 2]"#, 400, nil),                                                           // not an object
        ("/v1/completions", #"{"model": "tiny", "prompt": "a", "temperature": "hot"}"#, 400, "temperature"),
        ("/v1/completions", #"{"model": "tiny", "prompt": "a", "temperature": NaN}"#, 400, nil),            // JSON has no NaN
        ("/v1/completions", #"{"model": "tiny", "prompt": "a", "temperature": 1e999}"#, 400, "temperature"),
        ("/v1/completions", #"{"model": "tiny", "prompt": "a", "temperature": -0.5}"#, 400, "temperature"),
        ("/v1/completions", #"{"model": "tiny", "prompt": "a", "top_p": 0}"#, 400, "top_p"),
        ("/v1/completions", #"{"model": "tiny", "prompt": "a", "max_tokens": -1}"#, 400, "max_tokens"),
        ("/v1/completions", #"{"model": "tiny", "prompt": "a", "max_tokens": 2.5}"#, 400, "max_tokens"),
        ("/v1/completions", #"{"model": "tiny", "prompt": "a", "max_tokens": 500}"#, 400, "max_tokens"),   // context is 128
        ("/v1/completions", #"{"model": "tiny", "prompt": ""}"#, 400, "prompt"),
        ("/v1/completions", #"{"model": "tiny"}"#, 400, "prompt"),
        ("/v1/completions", #"{"model": "tiny", "prompt": 42}"#, 400, "prompt"),
        ("/v1/completions", #"{"model": "tiny", "prompt": "a", "n": 3}"#, 400, "n"),
        ("/v1/completions", #"{"model": "tiny", "prompt": "a", "stop": ["a", "b", "c", "d", "e"]}"#, 400, "stop"),
        ("/v1/completions", #"{"model": "tiny", "prompt": "a", "stream": "yes"}"#, 400, "stream"),
        ("/v1/completions", #"{"model": "gpt-4", "prompt": "a"}"#, 404, "model"),
        ("/v1/completions", #"{"model": "digits", "prompt": "a"}"#, 400, "model"),
        ("/v1/chat/completions", #"{"model": "tiny", "messages": []}"#, 400, "messages"),
        ("/v1/chat/completions", #"{"model": "tiny", "messages": "hi"}"#, 400, "messages"),
        ("/v1/chat/completions", #"{"model": "tiny", "messages": [{"role": "robot", "content": "hi"}]}"#, 400, "messages[0].role"),
        ("/v1/chat/completions", #"{"model": "tiny", "messages": [{"role": "user"}]}"#, 400, "messages[0].content"),
        ("/v1/embeddings", #"{"model": "tiny", "input": "a"}"#, 400, "model"),
        ("/v1/recommend", #"{"model": "films"}"#, 400, "user"),
        ("/v1/recommend", #"{"model": "films", "user": "nobody"}"#, 404, "user"),
        ("/v1/recommend", #"{"model": "films", "user": "u1", "count": 0}"#, 400, "count"),
        ("/v1/predict-rating", #"{"model": "films", "user": "u1", "item": "nothing"}"#, 404, "item"),
        ("/v1/classify", #"{"model": "digits", "image": "not base64!!"}"#, 400, "image"),
        ("/v1/classify", #"{"model": "digits", "image": "aGVsbG8="}"#, 400, "image"),                       // "hello": not an image
    ]

    @Test(arguments: badRequests.indices)
    func badRequestIsAnsweredWithAnOpenAIError(_ index: Int) async throws {
        let (uri, body, status, param) = Self.badRequests[index]
        let server = try ServeFixtures.everything.get()
        try await withLiveServer(server) { client in
            let r = try await client.post(uri, body)
            #expect(Int(r.status.code) == status, "\(uri) \(body): \(r.status) \(r.text)")
            #expect(r.headers[.contentType] == "application/json")
            let error = try r.error()
            #expect(error["message"] is String && error["type"] is String)
            #expect(error.keys.contains("param") && error.keys.contains("code"))
            if let param { #expect(error["param"] as? String == param, "\(error)") }
        }
    }

    @Test func invalidUTF8AndEmptyBodies() async throws {
        let server = try ServeFixtures.everything.get()
        try await withLiveServer(server) { client in
            var bytes = ByteBuffer(string: #"{"model": "tiny", "prompt": ""#)
            bytes.writeBytes([0xFF, 0xFE, 0xC3])
            bytes.writeString(#""}"#)
            let r = try await client.execute(uri: "/v1/completions", method: .post, headers: [.contentType: "application/json"], body: bytes)
            #expect(r.status == .badRequest)
            #expect((try r.error()["message"] as? String)?.contains("UTF-8") == true)
            let empty = try await client.execute(uri: "/v1/chat/completions", method: .post, body: ByteBuffer())
            #expect(empty.status == .badRequest)
        }
    }

    @Test func unknownRouteAndMethodAreJSONErrors() async throws {
        let server = try ServeFixtures.everything.get()
        try await withLiveServer(server) { client in
            let missing = try await client.execute(uri: "/v1/nothing", method: .get)
            #expect(missing.status == .notFound)
            _ = try missing.error()
            let wrongMethod = try await client.execute(uri: "/v1/completions", method: .get)
            #expect((400..<500).contains(Int(wrongMethod.status.code)))
        }
    }

    @Test func hundredMegabyteBodyIs413() async throws {
        let server = try ServeFixtures.llamaServer { $0.maxBodyBytes = 1 << 20 }
        try await withLiveServer(server) { client in
            let huge = ByteBuffer(repeating: UInt8(ascii: " "), count: 100 << 20)
            // The server answers 413 as soon as it sees the length and closes the connection;
            // a client still uploading may see the close instead of the answer.
            if let r = try? await client.execute(uri: "/v1/completions", method: .post, headers: [.contentType: "application/json"], body: huge) {
                #expect(r.status == .contentTooLarge)
                #expect(try r.error()["code"] as? String == "request_too_large")
            }
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(metrics.text.contains("strata_http_requests_total{route=\"/v1/completions\",status=\"413\"} 1"), "\(metrics.text)")
            // The server still answers.
            let ok = try await client.post("/v1/completions", #"{"model": "tiny", "prompt": "a", "max_tokens": 2}"#)
            #expect(ok.status == .ok)
        }
        server.shutdown()
    }

    @Test func apiKeyGuardsV1Routes() async throws {
        let key = "sk-test-\(UUID().uuidString)"
        let server = try ServeFixtures.llamaServer { $0.apiKey = key }
        try await withLiveServer(server) { client in
            let request = #"{"model": "tiny", "prompt": "a", "max_tokens": 2}"#
            let none = try await client.post("/v1/completions", request)
            #expect(none.status == .unauthorized)
            #expect(try none.error()["code"] as? String == "invalid_api_key")
            #expect(!none.text.contains(key))
            let wrong = try await client.post("/v1/completions", request, headers: [.authorization: "Bearer sk-wrong"])
            #expect(wrong.status == .unauthorized)
            let models = try await client.execute(uri: "/v1/models", method: .get)
            #expect(models.status == .unauthorized)
            let right = try await client.post("/v1/completions", request, headers: [.authorization: "Bearer \(key)"])
            #expect(right.status == .ok)
            let health = try await client.execute(uri: "/health", method: .get)
            #expect(health.status == .ok)
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(!metrics.text.contains(key))
            #expect(metrics.text.contains("strata_http_requests_total{route=\"/v1/completions\",status=\"401\"} 2"))
        }
        server.shutdown()
    }

    /// One sequence at a time and no queue: of many simultaneous requests, those that find the
    /// model busy get 429 with Retry-After, the others complete.
    @Test func fullQueueIs429WithRetryAfter() async throws {
        let server = try ServeFixtures.llamaServer { $0.maxConcurrent = 1; $0.maxQueue = 1 }
        try await withLiveServer(server) { client in
            let statuses = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
                for _ in 0..<32 {
                    group.addTask {
                        let r = try await client.post("/v1/completions", #"{"model": "tiny", "prompt": "busy", "max_tokens": 100, "temperature": 0}"#)
                        return (Int(r.status.code), r.headers[.retryAfter])
                    }
                }
                var out: [(Int, String?)] = []
                for try await s in group { out.append(s) }
                return out
            }
            #expect(statuses.allSatisfy { $0.0 == 200 || $0.0 == 429 }, "\(statuses)")
            #expect(statuses.contains { $0.0 == 200 })
            let rejected = statuses.filter { $0.0 == 429 }
            #expect(!rejected.isEmpty)
            #expect(rejected.allSatisfy { $0.1 == "1" })
        }
        server.shutdown()
    }

    @Test func timeoutIs408() async throws {
        let server = try ServeFixtures.llamaServer { $0.timeout = 1e-6 }
        try await withLiveServer(server) { client in
            let r = try await client.post("/v1/completions", #"{"model": "tiny", "prompt": "slow", "max_tokens": 100}"#)
            #expect(r.status == .requestTimeout)
            #expect(try r.error()["code"] as? String == "timeout")
            let streamed = try await client.post("/v1/completions", #"{"model": "tiny", "prompt": "slow", "max_tokens": 100, "stream": true}"#)
            let events = streamed.events
            #expect(events.last == "[DONE]")
            #expect(events.dropLast().last.map { $0.contains("\"timeout\"") } == true, "\(events)")
        }
        server.shutdown()
    }
}
