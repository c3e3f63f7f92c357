import Foundation
import Strata

/// A language model as the generation scheduler drives it: a prompt is prefilled alone, then the
/// active sequences advance one token per step together.
protocol SequenceBackend: AnyObject {
    /// The longest sequence (prompt and generated tokens) it can hold; nil when unbounded.
    var context: Int? { get }
    /// Reads `ids` into a fresh per-sequence state; returns the state and the next-token logits.
    func prefill(_ ids: [Int]) -> (state: AnyObject, logits: [Float])
    /// Feeds `ids[b]` to sequence `states[b]` for every b; returns each sequence's next logits.
    func step(_ ids: [Int], states: [AnyObject]) -> [[Float]]
}

/// A Llama model: every step is one batched forward over all active sequences
/// (``Llama/decodeStep(_:caches:)``), each with its own key/value cache.
final class LlamaBackend: SequenceBackend {
    let model: Llama

    init(model: Llama) { self.model = model }

    var context: Int? { model.config.context }

    func prefill(_ ids: [Int]) -> (state: AnyObject, logits: [Float]) {
        let cache = Llama.Cache(model.config)
        let hidden = model.hiddenStates(ids, cache: cache)                        // [T, C]
        return (cache, model.logits(hidden: hidden[(ids.count - 1)..<ids.count]).floats)
    }

    func step(_ ids: [Int], states: [AnyObject]) -> [[Float]] {
        let caches = states.map { $0 as! Llama.Cache }
        let logits = model.decodeStep(ids, caches: caches).floats                 // [B, vocabulary]
        let v = model.config.vocabularySize
        return (0..<ids.count).map { Array(logits[($0 * v)..<(($0 + 1) * v)]) }
    }
}

/// A Strata language-model checkpoint (GPT or LSTM): sequences share the scheduler, its queue
/// and limits, but each advances through its own incremental decoder (no batched kernel).
final class CheckpointBackend: SequenceBackend {
    let model: LanguageModel

    init(model: LanguageModel) { self.model = model }

    var context: Int? { nil }     // GPT decoders slide their window; LSTMs carry a state

    func prefill(_ ids: [Int]) -> (state: AnyObject, logits: [Float]) {
        let decoder = model.decoder()
        return (decoder, decoder.nextLogits(after: ids))
    }

    func step(_ ids: [Int], states: [AnyObject]) -> [[Float]] {
        zip(ids, states).map { id, state in (state as! IncrementalDecoder).nextLogits(after: [id]) }
    }
}
