import Foundation
import StrataIO
import StrataModels
import Testing

/// Continuous batching: `Llama.decodeStep` advances several sequences of different lengths in one
/// batched forward. A sequence must decode to exactly the same greedy tokens inside a batch as alone.
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

    /// Greedy ids of every prompt decoded together; sequences join at different steps (`joinAt`),
    /// as they do in the server's scheduler.
    static func greedyBatched(_ model: Llama, prompts: [[Int]], joinAt: [Int], steps: Int) -> [[Int]] {
        let v = model.config.vocabularySize
        var caches: [Llama.Cache?] = Array(repeating: nil, count: prompts.count)
        var next = Array(repeating: 0, count: prompts.count)
        var out = Array(repeating: [Int](), count: prompts.count)
        func argmax(_ row: ArraySlice<Float>) -> Int { row.indices.max { row[$0] < row[$1] }! - row.startIndex }
        var step = 0
        while out.contains(where: { $0.count < steps }) {
            // Running sequences advance together...
            let running = prompts.indices.filter { caches[$0] != nil && out[$0].count < steps }
            if !running.isEmpty {
                let logits = model.decodeStep(running.map { next[$0] }, caches: running.map { caches[$0]! }).floats
                for (row, i) in running.enumerated() {
                    let id = argmax(logits[(row * v)..<((row + 1) * v)])
                    out[i].append(id)
                    next[i] = id
                }
            }
            // ...and new ones join: prefilled alone, first token drawn from the prompt.
            for i in prompts.indices where caches[i] == nil && joinAt[i] <= step {
                let cache = Llama.Cache(model.config)
                let logits = model.logits(prompts[i], cache: cache).floats
                let id = argmax(logits[((prompts[i].count - 1) * v)..<(prompts[i].count * v)])
                caches[i] = cache
                out[i].append(id)
                next[i] = id
            }
            step += 1
        }
        return out.map { Array($0.prefix(steps)) }
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
