import CStrataKernels
import Foundation
import StrataCore
import StrataNN

/// How the next token is drawn from the model's logits.
///
/// ```swift
/// var sampler = TokenSampler(temperature: 0.8, topK: 40, topP: 0.95, seed: 1)
/// let id = sampler.sample(logits)
/// ```
public struct TokenSampler {
    /// Divides the logits; 0 picks the most likely token (greedy).
    public var temperature: Double
    /// Keep only the k most likely tokens (nil: all).
    public var topK: Int?
    /// Keep the smallest set of most likely tokens whose probability reaches p (nil: all).
    public var topP: Double?
    /// The random number generator the draws use, seeded by `seed`.
    public var generator: RandomGenerator

    /// A sampler; `temperature` must be ≥ 0, `topK` ≥ 1 and `topP` in (0, 1]. The default
    /// (temperature 1, no top-k or top-p) samples from the full softmax.
    public init(temperature: Double = 1, topK: Int? = nil, topP: Double? = nil, seed: UInt64 = 0) {
        ensure(temperature >= 0, "TokenSampler: temperature must be ≥ 0, got \(temperature)")
        ensure(topK.map { $0 >= 1 } ?? true, "TokenSampler: top-k must be ≥ 1")
        ensure(topP.map { $0 > 0 && $0 <= 1 } ?? true, "TokenSampler: top-p must be in (0, 1]")
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        generator = RandomGenerator(seed: seed)
    }

    /// The id of the next token given one row of logits.
    ///
    /// Tokens are taken in descending order of logit (top-k and top-p cut that order; the draw
    /// walks it). Sorting a whole vocabulary (49,152 logits for SmolLM2) for every token held up
    /// batched serving, and the draw almost always ends among the tokens within 20·T of the best
    /// (weights above e⁻²⁰ of its): those are sorted alone, and the whole vocabulary only when a
    /// cut or the draw reaches past them.
    public mutating func sample(_ logits: [Float]) -> Int {
        ensure(!logits.isEmpty, "TokenSampler: no logits")
        if temperature == 0 || topK == 1 {
            return logits.indices.max { logits[$0] < logits[$1] }!
        }
        let u = generator.nextUniform()
        let best = logits.max()!, cutoff = best - Float(20 * temperature)
        var near: [Int] = []
        for (i, l) in logits.enumerated() where l >= cutoff { near.append(i) }
        // The tail's weight, each term below e⁻²⁰ of the best: float32 exponentials (8 lanes with
        // AVX2) are exact enough for a sum that is itself below 1e-4 of the total.
        var tail = logits.withUnsafeBufferPointer {
            strata_exp_sum_below_f32($0.baseAddress!, Int64($0.count), best, Float(1 / temperature), cutoff)
        }
        if tail < 0 {
            tail = 0
            for l in logits where l < cutoff { tail += Foundation.exp((Double(l) - Double(best)) / temperature) }
        }
        let complete = near.count == logits.count
        return draw(u, logits, near.sorted { logits[$0] > logits[$1] }, tail: tail, complete: complete)
            ?? draw(u, logits, logits.indices.sorted { logits[$0] > logits[$1] }, tail: 0, complete: true)!
    }

    /// The token the uniform draw `u` picks from `order` (ids in descending order of logit), whose
    /// left-out tokens weigh `tail` (relative to the best); nil when `order` is not `complete` and
    /// a cut or the draw needs the tokens left out.
    private func draw(_ u: Double, _ logits: [Float], _ order: [Int], tail: Double, complete: Bool) -> Int? {
        var order = order
        if let topK {
            guard complete || order.count >= topK else { return nil }
            order = Array(order.prefix(topK))
        }
        let peak = Double(logits[order[0]])
        var weights = order.map { Foundation.exp((Double(logits[$0]) - peak) / temperature) }
        let total = weights.reduce(0, +) + (topK == nil ? tail : 0)
        if let topP {
            var mass = 0.0, keep = 0
            while keep < weights.count && mass < topP * total { mass += weights[keep]; keep += 1 }
            guard complete || topK != nil || mass >= topP * total else { return nil }
            order = Array(order.prefix(Swift.max(keep, 1)))
            weights = Array(weights.prefix(order.count))
        }
        let cut = topK != nil || topP != nil
        var r = u * (cut ? weights.reduce(0, +) : total)
        for (i, w) in weights.enumerated() {
            r -= w
            if r < 0 { return order[i] }
        }
        return complete || cut ? order[order.count - 1] : nil
    }
}

/// A language model being decoded one step at a time: it takes the ids that follow what it has
/// seen and returns the logits of the token after them.
public protocol IncrementalDecoder: AnyObject {
    func nextLogits(after ids: [Int]) -> [Float]
    /// Makes room at once for `positions` positions (prompt and generated tokens), when the
    /// decoder keeps a cache that would otherwise grow by steps, copying as it grows. The default
    /// does nothing.
    func reserve(positions: Int)
}

extension IncrementalDecoder {
    public func reserve(positions: Int) {}
}

extension GPT {
    /// A decoder that keeps a key/value cache; when the context is full it keeps the last half
    /// of the window and recomputes its cache (a sliding window).
    public func decoder() -> IncrementalDecoder { GPTDecoder(model: self) }
}

final class GPTDecoder: IncrementalDecoder {
    let model: GPT
    let cache = KeyValueCache()
    var history: [Int] = []

    init(model: GPT) { self.model = model }

    func nextLogits(after ids: [Int]) -> [Float] {
        var feed = ids
        history += ids
        if cache.length + feed.count > model.config.context {
            cache.reset()
            feed = Array(history.suffix(Swift.max(1, model.config.context / 2)))
        }
        let input = Tensor(feed.map(Int64.init), shape: [1, feed.count])
        let logits = withoutGradients { model(input, cache: cache) }
        return logits[0, feed.count - 1].floats
    }
}

extension LSTMLanguageModel {
    /// A decoder that carries the LSTM state from step to step.
    public func decoder() -> IncrementalDecoder { LSTMDecoder(model: self) }
}

final class LSTMDecoder: IncrementalDecoder {
    let model: LSTMLanguageModel
    var state: LSTM.State?

    init(model: LSTMLanguageModel) { self.model = model }

    func nextLogits(after ids: [Int]) -> [Float] {
        let input = Tensor(ids.map(Int64.init), shape: [1, ids.count])
        let (logits, next) = withoutGradients { model(input, state: state) }
        state = next
        return logits[0, ids.count - 1].floats
    }
}

/// Generates up to `maxTokens` ids after `prompt`, calling `onToken` with each as it is drawn;
/// stops early when `onToken` returns false. Returns the generated ids.
///
/// ```swift
/// var sampler = TokenSampler(temperature: 0.8, seed: 1)
/// let ids = generate(gpt.decoder(), prompt: try tokenizer.encode("ROMEO:"), maxTokens: 200, sampler: &sampler)
/// ```
@discardableResult
public func generate(_ decoder: IncrementalDecoder, prompt: [Int], maxTokens: Int, sampler: inout TokenSampler,
                     onToken: (Int) -> Bool = { _ in true }) -> [Int] {
    ensure(!prompt.isEmpty, "generate: the prompt has no tokens")
    let (positions, overflow) = prompt.count.addingReportingOverflow(maxTokens)
    decoder.reserve(positions: overflow ? Int.max : positions)
    var out: [Int] = []
    var logits = decoder.nextLogits(after: prompt)
    while out.count < maxTokens {
        let id = sampler.sample(logits)
        out.append(id)
        guard onToken(id), out.count < maxTokens else { break }
        logits = decoder.nextLogits(after: [id])
    }
    return out
}
