import Foundation
import Testing
import StrataCore
import StrataModels

// The Hugging Face loading path and the model's arithmetic (RMSNorm, NeoX rotary pairing,
// grouped-query attention, SwiGLU, separate output head) against Scripts/make_tiny_llama.py's
// numpy forward pass; the key/value cache, the decoder and perplexity's windows against
// full forward passes.

private struct TinyReference: Decodable {
    struct Matrix: Decodable { var shape: [Int]; var values: [Double] }
    var ids: [Int]
    var logits: Matrix
}

@Suite("Llama: tiny Hugging Face model")
struct TinyLlamaTests {
    let model: Llama
    fileprivate let reference: TinyReference

    init() throws {
        model = try Llama(huggingFaceDirectory: LlamaFixtures.path("tiny-llama"))
        reference = try LlamaFixtures.decode(TinyReference.self, from: "tiny_llama_reference.json")
    }

    @Test("the config is read from config.json")
    func config() {
        let c = model.config
        #expect(c.vocabularySize == 64 && c.width == 32 && c.hiddenWidth == 64 && c.layers == 2)
        #expect(c.heads == 4 && c.kvHeads == 2 && c.headWidth == 8 && c.context == 128)
        #expect(c.ropePairing == .halves && c.ropeBase == 10_000 && c.rmsEpsilon == 1e-6 && !c.tiedOutput)
    }

    @Test("logits match the numpy reference within 1e-4")
    func logits() {
        let logits = model.logits(reference.ids)
        #expect(logits.shape == Shape(reference.logits.shape))
        let error = llamaMaxRelativeError(logits.floats, reference.logits.values)
        #expect(error < 1e-4, "max relative error \(error)")
    }

    /// A float32 cache gives the full pass's logits up to summation order; a float16 one (the
    /// default) rounds the keys and values it stores, which moves the logits by about 1e-3.
    @Test("decoding with the cache, in uneven steps, gives the full pass's logits",
          arguments: [(DType.float32, Float(1e-5)), (DType.float16, Float(5e-3))])
    func cache(dtype: DType, tolerance: Float) {
        let full = model.logits(reference.ids).floats
        let v = model.config.vocabularySize
        let cache = Llama.Cache(model.config, dtype: dtype)
        var rows: [Float] = []
        var i = 0
        for step in [3, 1, 1, 4, 1] {
            rows += model.logits(Array(reference.ids[i..<(i + step)]), cache: cache).floats
            i += step
        }
        #expect(cache.length == reference.ids.count)
        #expect(rows.count == reference.ids.count * v)
        let error = zip(rows, full).map { abs($0 - $1) }.max() ?? 0
        #expect(error < tolerance, "max difference \(error)")
    }

    @Test("greedy generation through the decoder follows the argmax of full passes")
    func greedy() {
        var sampler = TokenSampler(temperature: 0)
        let prompt = Array(reference.ids.prefix(4))
        let generated = generate(model.decoder(), prompt: prompt, maxTokens: 8, sampler: &sampler)
        var ids = prompt
        for _ in 0..<8 {
            let last = model.logits(ids).floats.suffix(model.config.vocabularySize)
            ids.append(last.indices.max { last[$0] < last[$1] }! - last.startIndex)
        }
        #expect(generated == Array(ids.dropFirst(4)))
    }

    @Test("the decoder slides its window when the context is full")
    func slidingWindow() {
        let decoder = model.decoder()
        var logits = decoder.nextLogits(after: Array(repeating: 5, count: 120))
        for _ in 0..<20 { logits = decoder.nextLogits(after: [7]) }
        #expect(logits.count == model.config.vocabularySize && logits.allSatisfy(\.isFinite))
    }

    @Test("perplexity: one window when the text fits, llama.cpp's half-window scoring when it does not")
    func perplexity() {
        let ids = (0..<50).map { ($0 * 37 + 11) % 64 }
        /// -log softmax(logits[row])[target] in Double.
        func nll(_ logits: [Float], row: Int, target: Int) -> Double {
            let v = model.config.vocabularySize
            let r = logits[(row * v)..<((row + 1) * v)].map(Double.init)
            let peak = r.max()!
            return peak + log(r.map { exp($0 - peak) }.reduce(0, +)) - r[target]
        }
        let whole = model.perplexity(of: ids)
        let full = model.logits(ids).floats
        let expectedWhole = (0..<49).map { nll(full, row: $0, target: ids[$0 + 1]) }.reduce(0, +) / 49
        #expect(whole.tokens == 49 && whole.windows == 1)
        #expect(abs(whole.meanNLL - expectedWhole) < 1e-5)

        // Context 16: windows [0, 16), [16, 32), [32, 48); the last 2 tokens are dropped; in each
        // window rows 8..<15 predict tokens 9..<16.
        let windowed = model.perplexity(of: ids, context: 16)
        var total = 0.0
        for w in 0..<3 {
            let window = Array(ids[(w * 16)..<((w + 1) * 16)])
            let logits = model.logits(window).floats
            for row in 8..<15 { total += nll(logits, row: row, target: window[row + 1]) }
        }
        #expect(windowed.tokens == 21 && windowed.windows == 3 && windowed.context == 16)
        #expect(abs(windowed.meanNLL - total / 21) < 1e-5)
        #expect(abs(windowed.perplexity - exp(total / 21)) < 1e-3)
    }
}
