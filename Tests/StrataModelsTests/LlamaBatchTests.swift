import Foundation
import StrataIO
import StrataModels
import Testing

/// Continuous batching: `Llama.nextLogits` / `decodeStep` advance several sequences of different
/// lengths in one batched forward, prompts (batched prefill, in chunks) and decoding tokens
/// together. A sequence must decode to exactly the same greedy tokens inside a batch as alone.
@Suite("Llama batched decoding")
struct LlamaBatchTests {
    /// Greedy ids after `prompt`, one sequence at a time through `logits(_:cache:)`.
    static func greedyAlone(_ model: Llama, prompt: [Int], steps: Int) -> [Int] {
        let cache = Llama.Cache(model.config)
        var logits = model.logits(prompt, cache: cache)
        var out: [Int] = []
        for _ in 0..<steps {
            let row = logits[(logits.shape[0] - 1)..<logits.shape[0]].floats
            let id = row.indices.max { row[$0] < row[$1] }!
            out.append(id)
            logits = model.logits([id], cache: cache)
        }
        return out
    }

    /// Greedy ids of every prompt decoded together, as the server's scheduler does it: one
    /// `nextLogits` call per step feeds each running sequence its last token and each joining one
    /// the next `chunk` tokens of its prompt (so prompts are prefilled together, several steps
    /// long, mixed with decoding). Sequences join at different steps (`joinAt`).
    static func greedyBatched(_ model: Llama, prompts: [[Int]], joinAt: [Int], steps: Int, chunk: Int = 3) -> [[Int]] {
        let v = model.config.vocabularySize
        var caches: [Llama.Cache?] = Array(repeating: nil, count: prompts.count)
        var pending = prompts.map { $0[...] }
        var next = Array(repeating: 0, count: prompts.count)
        var out = Array(repeating: [Int](), count: prompts.count)
        func argmax(_ row: ArraySlice<Float>) -> Int { row.indices.max { row[$0] < row[$1] }! - row.startIndex }
        var step = 0
        while out.contains(where: { $0.count < steps }) {
            for i in prompts.indices where caches[i] == nil && joinAt[i] <= step { caches[i] = Llama.Cache(model.config) }
            let batch = prompts.indices.filter { caches[$0] != nil && out[$0].count < steps }
            if !batch.isEmpty {
                let segments = batch.map { pending[$0].isEmpty ? [next[$0]] : Array(pending[$0].prefix(chunk)) }
                let logits = model.nextLogits(segments, caches: batch.map { caches[$0]! }).floats
                for (row, (i, segment)) in zip(batch, segments).enumerated() {
                    if !pending[i].isEmpty {
                        pending[i] = pending[i].dropFirst(segment.count)
                        if !pending[i].isEmpty { continue }              // the prompt is not all in yet
                    }
                    next[i] = argmax(logits[(row * v)..<((row + 1) * v)])
                    out[i].append(next[i])
                }
            }
            step += 1
        }
        return out
    }

    static func check(_ model: Llama, prompts: [[Int]], steps: Int) {
        let batched = greedyBatched(model, prompts: prompts, joinAt: prompts.indices.map { $0 * 2 }, steps: steps)
        for (i, prompt) in prompts.enumerated() {
            let alone = greedyAlone(model, prompt: prompt, steps: steps)
            #expect(batched[i] == alone, "sequence \(i): batched \(batched[i]) vs alone \(alone)")
        }
    }

    @Test func tinyLlamaBatchMatchesAlone() throws {
        let model = try Llama(gguf: try GGUFFile(path: LlamaFixtures.path("tiny-llama.gguf")))
        let prompts = [[1, 17, 42], [5], [63, 0, 29, 8, 8, 50, 3], [2, 2], [40, 41, 42, 43, 44]]
        Self.check(model, prompts: prompts, steps: 20)
    }

    /// Many sequences at once (24, most joining together so that their prompts share steps).
    @Test func tinyLlamaManySequencesMatchAlone() throws {
        let model = try Llama(gguf: try GGUFFile(path: LlamaFixtures.path("tiny-llama.gguf")))
        let v = model.config.vocabularySize
        let prompts = (0..<24).map { i in (0..<(1 + i % 9)).map { (i * 31 + $0 * 7) % v } }
        let batched = Self.greedyBatched(model, prompts: prompts, joinAt: prompts.indices.map { $0 % 3 }, steps: 10, chunk: 4)
        for (i, prompt) in prompts.enumerated() {
            #expect(batched[i] == Self.greedyAlone(model, prompt: prompt, steps: 10), "sequence \(i)")
        }
    }

    /// A batched prefill (prompts of several lengths, one cache already holding positions) gives
    /// each sequence the hidden states and next-token logits it gets alone, and leaves each cache
    /// as a prefill alone does: the next token after it has the same logits.
    @Test func batchedPrefillEqualsPerSequence() throws {
        let model = try Llama(gguf: try GGUFFile(path: LlamaFixtures.path("tiny-llama.gguf")))
        let (c, v) = (model.config.width, model.config.vocabularySize)
        let history = [9, 8, 7], prompts = [[1, 17, 42], [5], [63, 0, 29, 8, 8, 50, 3], [3, 1, 4, 1, 5]]
        func caches() -> [Llama.Cache] {
            let caches = prompts.map { _ in Llama.Cache(model.config) }
            _ = model.hiddenStates(history, cache: caches[2])              // sequence 2 continues a conversation
            return caches
        }
        let alone = caches(), together = caches()
        let aloneHidden = zip(prompts, alone).map { model.hiddenStates($0, cache: $1).floats }
        let hidden = model.hiddenStates(prompts, caches: together)
        #expect(hidden.shape == [prompts.map(\.count).reduce(0, +), c])
        var row = 0
        for (i, prompt) in prompts.enumerated() {
            let rows = Array(hidden.floats[(row * c)..<((row + prompt.count) * c)])
            #expect(zip(rows, aloneHidden[i]).allSatisfy { abs($0 - $1) <= 1e-4 * max(1, abs($1)) }, "sequence \(i) hidden states")
            #expect(together[i].length == alone[i].length)
            row += prompt.count
        }

        let fresh = prompts.map { _ in Llama.Cache(model.config, dtype: .float32) }   // as the full passes below
        let next = model.nextLogits(prompts, caches: fresh)
        #expect(next.shape == [prompts.count, v])
        for (i, prompt) in prompts.enumerated() {
            let want = model.logits(prompt).floats.suffix(v)
            let got = next.floats[(i * v)..<((i + 1) * v)]
            #expect(zip(got, want).map { abs($0 - $1) }.max()! < 1e-4, "sequence \(i) logits")
        }

        let after = model.decodeStep([11, 11, 11, 11], caches: together).floats
        for i in prompts.indices {
            let want = model.logits([11], cache: alone[i]).floats
            #expect(zip(after[(i * v)..<((i + 1) * v)], want).map { abs($0 - $1) }.max()! < 1e-4, "sequence \(i) after its cache")
        }
    }

    @Test func batchRowEqualsSingleStepLogits() throws {
        let model = try Llama(gguf: try GGUFFile(path: LlamaFixtures.path("tiny-llama.gguf")))
        let prompts = [[1, 17, 42], [5, 6, 7, 8, 9, 10], [33]]
        let alone = prompts.map { p -> [Float] in
            let cache = Llama.Cache(model.config)
            _ = model.logits(p, cache: cache)
            return model.logits([11], cache: cache).floats
        }
        let caches = prompts.map { p -> Llama.Cache in
            let cache = Llama.Cache(model.config)
            _ = model.logits(p, cache: cache)
            return cache
        }
        let batch = model.decodeStep([11, 11, 11], caches: caches)
        #expect(batch.shape == [3, model.config.vocabularySize])
        let v = model.config.vocabularySize, values = batch.floats
        for i in 0..<3 {
            let row = Array(values[(i * v)..<((i + 1) * v)])
            let worst = zip(row, alone[i]).map { abs($0 - $1) }.max()!
            #expect(worst < 1e-4, "row \(i) differs by \(worst)")
            #expect(caches[i].length == prompts[i].count + 1)
        }
    }

    @Test(.enabled(if: LlamaFixtures.smolLMPath != nil, "skipped: run Scripts/fetch_models.sh"))
    func smolLMBatchMatchesAlone() throws {
        let file = try GGUFFile(path: LlamaFixtures.smolLMPath!)
        let model = try Llama(gguf: file)
        let tokenizer = try GGUFTokenizer(gguf: file)
        let prompts = try ["The capital of France is", "def fibonacci(n):", "Once upon a time", "1, 2, 3, 4,"]
            .map { try tokenizer.encode($0) }
        Self.check(model, prompts: prompts, steps: 12)
    }
}
