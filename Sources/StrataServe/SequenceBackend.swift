import Foundation
import Strata

/// A language model as the generation scheduler drives it: every step feeds each sequence in the
/// batch its next tokens (a chunk of its prompt, or the token it drew last) in one call.
protocol SequenceBackend: AnyObject {
    /// The longest sequence (prompt and generated tokens) it can hold; nil when unbounded.
    var context: Int? { get }
    /// A fresh per-sequence state (no tokens read yet) with room for `positions` tokens taken at
    /// once (the scheduler asks for the prompt and its first generated tokens), so that it is not
    /// copied as it grows through them; beyond them it grows as needed.
    func makeState(positions: Int) -> AnyObject
    /// Feeds `segments[b]` to sequence `states[b]` for every b; returns each sequence's
    /// next-token logits after its segment's last token.
    func step(_ segments: [[Int]], states: [AnyObject]) -> [[Float]]
}

/// A Llama model: every step is one batched forward over all sequences in it, prompt chunks and
/// decoding tokens together (``Llama/nextLogits(_:caches:)``), each with its own key/value cache.
final class LlamaBackend: SequenceBackend {
    let model: Llama

    init(model: Llama) { self.model = model }

    var context: Int? { model.config.context }

    func makeState(positions: Int) -> AnyObject {
        let cache = Llama.Cache(model.config)
        cache.reserve(Swift.min(Swift.max(positions, 1), model.config.context))
        return cache
    }

    func step(_ segments: [[Int]], states: [AnyObject]) -> [[Float]] {
        let caches = states.map { $0 as! Llama.Cache }
        let logits = model.nextLogits(segments, caches: caches).floats            // [B, vocabulary]
        let v = model.config.vocabularySize
        return (0..<segments.count).map { Array(logits[($0 * v)..<(($0 + 1) * v)]) }
    }
}

/// A Strata language-model checkpoint (GPT or LSTM): sequences share the scheduler, its queue
/// and limits, but each advances through its own incremental decoder (no batched kernel).
final class CheckpointBackend: SequenceBackend {
    let model: LanguageModel

    init(model: LanguageModel) { self.model = model }

    var context: Int? { nil }     // GPT decoders slide their window; LSTMs carry a state

    func makeState(positions: Int) -> AnyObject {
        let decoder = model.decoder()
        decoder.reserve(positions: positions)
        return decoder
    }

    func step(_ segments: [[Int]], states: [AnyObject]) -> [[Float]] {
        zip(segments, states).map { ids, state in (state as! IncrementalDecoder).nextLogits(after: ids) }
    }
}
