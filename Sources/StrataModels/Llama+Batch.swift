import Foundation
import StrataCore

extension Llama {
    /// Final hidden states `[ΣT, C]` of several independent sequences in one forward (continuous
    /// batching): `sequences[b]` continues the positions already in `caches[b]`, which takes their
    /// keys and values. Rows are the sequences' tokens one after the other, `sequences[0]` first.
    ///
    /// The embeddings, projections and feed-forwards run once on the concatenated `[ΣT, C]` rows,
    /// so each weight matrix is read once for all sequences; rotary positions and causal
    /// attention are per sequence, each on its own cache and at its own length. A sequence's rows
    /// equal `hiddenStates(sequences[b], cache: caches[b])` up to float rounding. One token per
    /// sequence is a decoding step (``decodeStep(_:caches:)``); whole prompts are a batched
    /// prefill (``nextLogits(_:caches:)``); both may be mixed in one call.
    ///
    /// ```swift
    /// let a = Llama.Cache(model.config), b = Llama.Cache(model.config)
    /// let h = model.hiddenStates([[1, 17, 42], [5, 6]], caches: [a, b])   // [5, C]; a.length 3, b.length 2
    /// ```
    public func hiddenStates(_ sequences: [[Int]], caches: [Cache]) -> Tensor {
        ensure(!sequences.isEmpty && sequences.count == caches.count,
               "Llama: \(sequences.count) sequences for \(caches.count) caches")
        ensure(sequences.allSatisfy { !$0.isEmpty }, "Llama: a sequence has no token ids")
        ensure(sequences.allSatisfy { $0.allSatisfy { (0..<config.vocabularySize).contains($0) } },
               "Llama: token ids must lie in 0..<\(config.vocabularySize)")
        ensure(Set(caches.map(ObjectIdentifier.init)).count == caches.count, "Llama: a cache appears twice")
        for (ids, cache) in zip(sequences, caches) {
            ensure(cache.layers == config.layers && cache.kvHeads == config.kvHeads && cache.headWidth == config.headWidth,
                   "Llama: a cache was made for another model")
            ensure(cache.length + ids.count <= config.context,
                   "Llama: \(cache.length + ids.count) positions exceed the context of \(config.context)")
        }
        return withoutGradients {
            let starts = caches.map(\.length), counts = sequences.map(\.count)
            for (cache, count) in zip(caches, counts) { cache.reserve(cache.length + count) }
            // Row r of sequence b turns by its own position starts[b] + r.
            let angles = rotary.angles(positions: zip(starts, counts).flatMap { $0..<($0 + $1) })
            var x = embedding.gatherRows(sequences.flatMap { $0 })                   // [ΣT, C]
            for (layer, b) in blocks.enumerated() {
                let n = LlamaKernels.rmsNorm(x, weight: b.attentionNorm, epsilon: config.rmsEpsilon)   // [ΣT, C]
                let qkv = products(n, [b.query, b.key, b.value])
                let (q, k, v) = (qkv[0], qkv[1], qkv[2])                          // [ΣT, H·D], [ΣT, Hkv·D] x2
                rotary.apply(q, heads: config.heads, angles: angles)
                rotary.apply(k, heads: config.kvHeads, angles: angles)
                var first = 0
                for (cache, (start, count)) in zip(caches, zip(starts, counts)) {
                    cache.write(layer: layer, keys: k, values: v, rows: first..<(first + count), at: start)
                    first += count
                }
                let attended = LlamaKernels.attention(query: q, caches: caches, layer: layer, starts: starts, counts: counts,
                                                      heads: config.heads)         // [ΣT, H·D]
                let h = x + b.output(attended)                                     // [ΣT, C]
                let m = LlamaKernels.rmsNorm(h, weight: b.feedForwardNorm, epsilon: config.rmsEpsilon)
                let gateUp = products(m, [b.gate, b.up])                          // [ΣT, F] x2
                x = h + b.down(LlamaKernels.swiGLU(gate: gateUp[0], up: gateUp[1]))  // [ΣT, F] -> [ΣT, C]
            }
            for (cache, (start, count)) in zip(caches, zip(starts, counts)) { cache.length = start + count }
            return LlamaKernels.rmsNorm(x, weight: finalNorm, epsilon: config.rmsEpsilon)
        }
    }

    /// x · Wᵀ for each of `weights` (one layer's matrices that read the same input): one pass
    /// over all of them when they are quantised matrices, else one product each.
    private func products(_ x: Tensor, _ weights: [LinearWeights]) -> [Tensor] {
        let quantized = weights.compactMap { $0 as? QuantizedMatrix }
        return quantized.count == weights.count ? QuantizedMatrix.matmul(x, quantized) : weights.map { $0(x) }
    }

    /// The next-token logits after the last token of each of several sequences, read in one
    /// forward (``hiddenStates(_:caches:)``), `[B, vocabulary]`; the output head runs on those B
    /// rows only. Whole prompts on fresh caches are a batched prefill; one token per sequence a
    /// decoding step; a scheduler may mix prompt chunks and decoding tokens in one call.
    ///
    /// ```swift
    /// let caches = prompts.map { _ in Llama.Cache(model.config) }
    /// let next = model.nextLogits(prompts, caches: caches)       // [prompts.count, vocabulary]
    /// ```
    public func nextLogits(_ sequences: [[Int]], caches: [Cache]) -> Tensor {
        let hidden = hiddenStates(sequences, caches: caches)                        // [ΣT, C]
        var end = 0
        let last = sequences.map { sequence -> Int64 in
            end += sequence.count
            return Int64(end - 1)
        }
        return logits(hidden: hidden[indices: Tensor(last, shape: [last.count])])  // [B, C] -> [B, vocabulary]
    }

    /// One decoding step of several independent sequences at once (continuous batching): `ids[b]`
    /// is the next token of the sequence whose keys and values are in `caches[b]`; each cache
    /// takes one more position. Returns the next-token logits `[B, vocabulary]`. Row b equals
    /// `logits([ids[b]], cache: caches[b])` up to float rounding in the matrix products.
    ///
    /// ```swift
    /// let a = Llama.Cache(model.config), b = Llama.Cache(model.config)
    /// _ = model.logits(promptA, cache: a)
    /// _ = model.logits(promptB, cache: b)
    /// let next = model.decodeStep([lastA, lastB], caches: [a, b])     // [2, vocabulary]
    /// ```
    public func decodeStep(_ ids: [Int], caches: [Cache]) -> Tensor {
        nextLogits(ids.map { [$0] }, caches: caches)
    }
}

extension LlamaKernels {
    /// Causal attention of several sequences, each over its own cache: sequence b owns
    /// `counts[b]` consecutive rows of `q` `[ΣT, H·D]`, at positions `starts[b] ..< starts[b] +
    /// counts[b]` of `caches[b]` (see ``InferenceBackend/batchedCachedAttention``). Result `[ΣT, H·D]`.
    static func attention(query q: Tensor, caches: [Llama.Cache], layer: Int, starts: [Int], counts: [Int], heads: Int) -> Tensor {
        let rows = counts.reduce(0, +), d = caches[0].headWidth
        ensure(q.shape == Shape([rows, heads * d]) && starts.count == caches.count && counts.count == caches.count && q.dtype == .float32,
               "attention: queries \(q.shape) for \(caches.count) caches of \(counts) rows")
        ensure(zip(caches, zip(starts, counts)).allSatisfy { $0.capacity >= $1.0 + $1.1 }, "attention: a cache is too short")
        let out = Tensor.empty([rows, heads * d])
        q.device.backend.batchedCachedAttention(query: q, keys: caches.map { $0.keys[layer] }, values: caches.map { $0.values[layer] },
                                                starts: starts, counts: counts, heads: heads, into: out)
        return out
    }
}
