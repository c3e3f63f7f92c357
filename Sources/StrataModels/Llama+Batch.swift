import Foundation
import StrataCore

extension Llama {
    /// One decoding step of several independent sequences at once (continuous batching): `ids[b]`
    /// is the next token of the sequence whose keys and values are in `caches[b]`; each cache
    /// takes one more position. Returns the next-token logits `[B, vocabulary]`.
    ///
    /// The embeddings, projections, feed-forwards and output head run once on the `[B, C]`
    /// batch, so each weight matrix is read once per step for all sequences; rotary positions and
    /// attention are per sequence, each on its own cache and at its own length. Row b equals
    /// `logits([ids[b]], cache: caches[b])` up to float rounding in the matrix products.
    ///
    /// ```swift
    /// let a = Llama.Cache(model.config), b = Llama.Cache(model.config)
    /// _ = model.logits(promptA, cache: a)
    /// _ = model.logits(promptB, cache: b)
    /// let next = model.decodeStep([lastA, lastB], caches: [a, b])     // [2, vocabulary]
    /// ```
    public func decodeStep(_ ids: [Int], caches: [Cache]) -> Tensor {
        logits(hidden: decodeHiddenStates(ids, caches: caches))
    }

    /// The final hidden states `[B, C]` of one batched decoding step (see `decodeStep`).
    public func decodeHiddenStates(_ ids: [Int], caches: [Cache]) -> Tensor {
        ensure(!ids.isEmpty && ids.count == caches.count, "Llama.decodeStep: \(ids.count) ids for \(caches.count) caches")
        ensure(ids.allSatisfy { (0..<config.vocabularySize).contains($0) },
               "Llama.decodeStep: token ids must lie in 0..<\(config.vocabularySize)")
        ensure(Set(caches.map(ObjectIdentifier.init)).count == caches.count, "Llama.decodeStep: a cache appears twice")
        for cache in caches {
            ensure(cache.layers == config.layers && cache.kvHeads == config.kvHeads && cache.headWidth == config.headWidth,
                   "Llama.decodeStep: a cache was made for another model")
            ensure(cache.length + 1 <= config.context,
                   "Llama.decodeStep: \(cache.length + 1) positions exceed the context of \(config.context)")
        }
        return withoutGradients {
            let starts = caches.map(\.length)
            for cache in caches { cache.reserve(cache.length + 1) }
            // Row b turns by its own position starts[b].
            let angles = rotary.angles(positions: starts)
            var x = embedding.gatherRows(ids)                                     // [B, C]
            for (layer, b) in blocks.enumerated() {
                let n = LlamaKernels.rmsNorm(x, weight: b.attentionNorm, epsilon: config.rmsEpsilon)   // [B, C]
                let q = b.query(n)                                                 // [B, H·D]
                let k = b.key(n)                                                   // [B, Hkv·D]
                let v = b.value(n)                                                 // [B, Hkv·D]
                rotary.apply(q, heads: config.heads, angles: angles)
                rotary.apply(k, heads: config.kvHeads, angles: angles)
                for (row, cache) in caches.enumerated() {
                    cache.writeRow(layer: layer, keys: k, values: v, row: row, at: starts[row])
                }
                let attended = LlamaKernels.batchedAttention(query: q, caches: caches, layer: layer, starts: starts,
                                                             heads: config.heads)   // [B, H·D]
                let h = x + b.output(attended)                                     // [B, C]
                let m = LlamaKernels.rmsNorm(h, weight: b.feedForwardNorm, epsilon: config.rmsEpsilon)
                x = h + b.down(LlamaKernels.swiGLU(gate: b.gate(m), up: b.up(m)))  // [B, F] -> [B, C]
            }
            for (cache, start) in zip(caches, starts) { cache.length = start + 1 }
            return LlamaKernels.rmsNorm(x, weight: finalNorm, epsilon: config.rmsEpsilon)
        }
    }
}

extension Llama.Cache {
    /// Stores row `row` of `[B, kvHeads·D]` keys and values as position `start` of `layer`.
    func writeRow(layer: Int, keys k: Tensor, values v: Tensor, row: Int, at start: Int) {
        let d = headWidth
        ensure(k.rank == 2 && k.shape[1] == kvHeads * d && v.shape == k.shape && row < k.shape[0] && start < capacity,
               "Llama.Cache: row \(row) of keys \(k.shape) does not fit at \(start) (capacity \(capacity))")
        ensure(k.dtype == .float32 && v.dtype == .float32, "Llama.Cache: keys and values must be float32, got \(k.dtype), \(v.dtype)")
        for (source, target) in [(k, keys[layer]), (v, values[layer])] {
            // Row `row` of [B, kvHeads·D], head by head, to position `start` of [kvHeads, capacity, D].
            source.device.backend.copyRows(source, sourceOffset: row * kvHeads * d, sourceStride: d, into: target,
                                           destinationOffset: start * d, destinationStride: capacity * d, rows: kvHeads, width: d)
        }
    }
}

extension LlamaKernels {
    /// Attention of one new query row per sequence: row b of `q` `[B, H·D]` sits at position
    /// `starts[b]` of `caches[b]` and attends to its positions `0 ... starts[b]`. Result `[B, H·D]`.
    static func batchedAttention(query q: Tensor, caches: [Llama.Cache], layer: Int, starts: [Int], heads: Int) -> Tensor {
        let batch = caches.count, d = caches[0].headWidth
        ensure(q.shape == Shape([batch, heads * d]) && starts.count == batch && q.dtype == .float32,
               "batchedAttention: queries \(q.shape) for \(batch) caches")
        let out = Tensor.empty([batch, heads * d])
        q.device.backend.batchedCachedAttention(query: q, keys: caches.map { $0.keys[layer] }, values: caches.map { $0.values[layer] },
                                                starts: starts, heads: heads, into: out)
        return out
    }
}
