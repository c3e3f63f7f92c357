import Foundation
import Hummingbird
import Strata
import StrataServe
import Testing

/// /health, /metrics, /v1/models, /, and the non-generative endpoints, each checked against the
/// library called directly.
@Suite("Task endpoints")
struct TaskEndpointTests {
    let server: StrataServer
    init() throws { server = try ServeFixtures.everything.get() }

    @Test func healthModelsAndPage() async throws {
        try await withLiveServer(server) { client in
            let health = try await client.execute(uri: "/health", method: .get)
            #expect(health.status == .ok)
            #expect(try health.object()["status"] as? String == "ok")
            let models = try await client.execute(uri: "/v1/models", method: .get)
            let data = try #require(try models.object()["data"] as? [[String: Any]])
            let kinds = Dictionary(uniqueKeysWithValues: data.map { ($0["id"] as! String, $0["kind"] as! String) })
            #expect(kinds["tiny"] == "llama" && kinds["lm"] == "language-model" && kinds["digits"] == "image-classifier"
                    && kinds["films"] == "recommender")
            #expect(data.allSatisfy { $0["object"] as? String == "model" && $0["owned_by"] as? String == "strata" })
            let page = try await client.execute(uri: "/", method: .get)
            #expect(page.status == .ok)
            #expect(page.text.contains("/v1/chat/completions") && page.text.contains("<canvas"))
        }
    }

    @Test func metricsAreInPrometheusTextFormat() async throws {
        try await withLiveServer(server) { client in
            _ = try await client.post("/v1/completions", #"{"model": "tiny", "prompt": "count me", "max_tokens": 3, "temperature": 0}"#)
            _ = try await client.post("/v1/completions", #"{"model": "nope", "prompt": "x"}"#)
            let r = try await client.execute(uri: "/metrics", method: .get)
            #expect(r.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = r.text
            for family in ["strata_http_requests_total", "strata_http_errors_total", "strata_http_request_duration_seconds",
                           "strata_generated_tokens_total", "strata_queue_length", "strata_batch_size", "strata_active_sequences"] {
                #expect(text.contains("# TYPE \(family) "), "no \(family)")
            }
            #expect(text.contains("strata_http_errors_total{route=\"/v1/completions\",status=\"404\"}"))
            #expect(text.contains("strata_http_request_duration_seconds_bucket{route=\"/v1/completions\",le=\"+Inf\"}"))
            // Every sample line is `name{labels} number`.
            for line in text.split(separator: "\n") where !line.hasPrefix("#") {
                let parts = line.split(separator: " ")
                #expect(parts.count == 2 && Double(parts[1]) != nil, "bad sample line: \(line)")
            }
            #expect(server.metrics.generatedTokens(model: "tiny") > 0)
        }
    }

    @Test func classifyRawAndBase64MatchTheCheckpoint() async throws {
        let classifier = try ImageClassifierCheckpoint(path: try ServeFixtures.classifier())
        // A 28x28 "1": a vertical bar, white on black.
        var pixels = [UInt8](repeating: 0, count: 28 * 28)
        for y in 4..<24 { for x in 13..<16 { pixels[y * 28 + x] = 255 } }
        let image = GrayImage(width: 28, height: 28, pixels: pixels)
        let png = try image.encodedPNG()
        let expected = classifier.probabilities(image)
        try await withLiveServer(server) { client in
            let raw = try await client.execute(uri: "/v1/classify?model=digits", method: .post, headers: [.contentType: "image/png"],
                                               body: ByteBuffer(bytes: png))
            #expect(raw.status == .ok, "\(raw.text)")
            let base64 = try await client.post("/v1/classify", #"{"model": "digits", "image": "data:image/png;base64,\#(Data(png).base64EncodedString())"}"#)
            for r in [raw, base64] {
                let body = try r.object()
                let probabilities = try #require(body["probabilities"] as? [[String: Any]]).map { ($0["probability"] as! NSNumber).floatValue }
                #expect(probabilities.count == 10)
                #expect(zip(probabilities, expected).allSatisfy { abs($0 - $1) < 1e-6 })
                let best = expected.indices.max { expected[$0] < expected[$1] }!
                #expect(body["index"] as? Int == best && body["label"] as? String == String(best))
            }
            let pgm = Array("P5\n2 2\n255\n".utf8) + [0, 255, 255, 0]
            let small = try await client.execute(uri: "/v1/classify", method: .post, headers: [.contentType: "image/x-portable-graymap"],
                                                 body: ByteBuffer(bytes: pgm))
            #expect(small.status == .ok, "\(small.text)")
        }
    }

    @Test func recommendAndPredictRatingMatchTheCheckpoint() async throws {
        let checkpoint = try RecommenderCheckpoint(directory: try ServeFixtures.recommender())
        try await withLiveServer(server) { client in
            let r = try await client.post("/v1/recommend", #"{"model": "films", "user": "u1", "count": 2}"#)
            #expect(r.status == .ok, "\(r.text)")
            let items = try #require(try r.object()["items"] as? [[String: Any]])
            let expected = try checkpoint.recommend(user: "u1", count: 2)
            #expect(items.map { $0["item"] as? String } == expected.map(\.item))
            #expect(!items.contains { ["i1", "i2"].contains($0["item"] as? String) })     // u1 rated them
            let p = try await client.post("/v1/predict-rating", #"{"model": "films", "user": "u2", "item": "i3"}"#)
            let score = try #require(try p.object()["score"] as? NSNumber).floatValue
            #expect(abs(score - (try checkpoint.predict(user: "u2", item: "i3"))) < 1e-6)
        }
    }

    @Test(.enabled(if: ServeFixtures.miniLM != nil, "skipped: run Scripts/fetch_models.sh"))
    func embeddingsMatchTheEncoderInFloatAndBase64() async throws {
        let encoder = try SentenceEncoder(directory: ServeFixtures.miniLM!)
        let sentences = ["A man is eating food.", "A cat sleeps.", "Serving models over HTTP"]
        let expected = try encoder.encode(sentences)
        try await withLiveServer(server) { client in
            // Concurrent requests share batches.
            let answers = try await withThrowingTaskGroup(of: (Int, [[Float]]).self) { group in
                for (i, s) in sentences.enumerated() {
                    group.addTask {
                        let r = try await client.post("/v1/embeddings", #"{"model": "minilm", "input": "\#(s)"}"#)
                        let data = try #require(try r.object()["data"] as? [[String: Any]])
                        return (i, data.map { ($0["embedding"] as! [NSNumber]).map(\.floatValue) })
                    }
                }
                var out = [[Float]](repeating: [], count: sentences.count)
                for try await (i, v) in group { out[i] = v[0] }
                return out
            }
            for (a, b) in zip(answers, expected) { #expect(zip(a, b).allSatisfy { abs($0 - $1) < 1e-5 }) }

            let list = try await client.post("/v1/embeddings", #"{"model": "minilm", "input": ["A man is eating food.", "A cat sleeps."], "encoding_format": "base64"}"#)
            let body = try list.object()
            let data = try #require(body["data"] as? [[String: Any]])
            #expect(data.count == 2 && data[1]["index"] as? Int == 1)
            let bytes = try #require(Data(base64Encoded: data[0]["embedding"] as! String))
            let floats = bytes.withUnsafeBytes { raw in (0..<(bytes.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) } }
            #expect(floats == expected[0] || zip(floats, expected[0]).allSatisfy { abs($0 - $1) < 1e-5 })
            let usage = try #require(body["usage"] as? [String: Int])
            #expect(usage["prompt_tokens"] == encoder.tokenize(["A man is eating food.", "A cat sleeps."]).map(\.count).reduce(0, +))
            let empty = try await client.post("/v1/embeddings", #"{"model": "minilm", "input": ""}"#)
            #expect(empty.status == .badRequest)
        }
    }
}
