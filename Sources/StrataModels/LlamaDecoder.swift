import Foundation
import StrataCore

extension Llama {
    /// A decoder for `generate(...)` that keeps a key/value cache; when the context is full it
    /// keeps the last half of the window and recomputes its cache (a sliding window).
    ///
    /// ```swift
    /// var sampler = TokenSampler(temperature: 0)
    /// let ids = generate(model.decoder(), prompt: promptIDs, maxTokens: 24, sampler: &sampler)
    /// ```
    public func decoder() -> IncrementalDecoder { LlamaDecoder(model: self) }
}

/// ``Llama`` decoding one step at a time; only the last position goes through the output head.
final class LlamaDecoder: IncrementalDecoder {
    let model: Llama
    let cache: Llama.Cache
    var history: [Int] = []

    init(model: Llama) {
        self.model = model
        cache = Llama.Cache(model.config)
    }

    /// The cache takes its whole size at once (up to the context), so that it is not copied as it grows.
    func reserve(positions: Int) {
        cache.reserve(Swift.min(Swift.max(positions, 0), model.config.context))
    }

    func nextLogits(after ids: [Int]) -> [Float] {
        var feed = ids
        history += ids
        let context = model.config.context
        if cache.length + feed.count > context {
            cache.reset()
            feed = Array(history.suffix(Swift.max(1, Swift.min(context / 2, history.count))))
        }
        let hidden = model.hiddenStates(feed, cache: cache)                 // [T, C]
        return model.logits(hidden: hidden[(feed.count - 1)..<feed.count]).floats
    }
}
