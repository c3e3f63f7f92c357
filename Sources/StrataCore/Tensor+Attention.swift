extension Tensor {
    /// softmax(q·kᵀ · scale + mask) · v as one fused primitive with its own backward: the
    /// attention weights are the only saved intermediate, and no mask tensor of scores is built.
    ///
    /// `query` is `[..., tq, d]`, `key` and `value` are `[..., tk, d]` with the same leading axes.
    /// With `causal`, query i sees keys up to i + tk - tq (so a query after a key/value cache sees
    /// the whole cache). `mask` is Bool, broadcastable to `[..., tq, tk]`, true where attention is
    /// allowed (PyTorch's `attn_mask` convention). `scale` defaults to 1/√d.
    ///
    /// ```swift
    /// let out = Tensor.scaledDotProductAttention(query: q, key: k, value: v, causal: true)  // [B, H, T, D]
    /// ```
    public static func scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, causal: Bool = false,
                                                 mask: Tensor? = nil, scale: Double? = nil) -> Tensor {
        query.requireFloat("scaledDotProductAttention")
        query.requireSameDType(key, "scaledDotProductAttention")
        query.requireSameDType(value, "scaledDotProductAttention")
        ensure(query.rank >= 2 && key.rank == query.rank && value.rank == query.rank,
                     "scaledDotProductAttention: query \(query.shape), key \(key.shape), value \(value.shape) must have the same rank (≥ 2)")
        let lead = Array(query.shape.dims.dropLast(2))
        let tq = query.shape[query.rank - 2], d = query.shape[query.rank - 1], tk = key.shape[key.rank - 2]
        ensure(Array(key.shape.dims.dropLast(2)) == lead && Array(value.shape.dims.dropLast(2)) == lead
                     && key.shape[key.rank - 1] == d && value.shape[value.rank - 2] == tk,
                     "scaledDotProductAttention: shapes do not fit: query \(query.shape), key \(key.shape), value \(value.shape)")
        query.requireSameDevice(key, value, op: "scaledDotProductAttention")
        let scoreShape = Shape(lead + [tq, tk])
        let fullMask: Tensor? = mask.map { m in
            ensure(m.dtype == .bool, "scaledDotProductAttention: mask must be Bool (true = attend), got \(m.dtype)")
            query.requireSameDevice(m, op: "scaledDotProductAttention")
            return m.broadcasted(to: scoreShape).copy()
        }
        let (out, backward) = attentionCore(query.detached(), key.detached(), value.detached(), mask: fullMask,
                                            causal: causal, scale: scale ?? 1 / Double(d).squareRoot())
        return record(out, "scaledDotProductAttention", [query, key, value]) { g in
            let (dQuery, dKey, dValue) = backward(g)
            return [dQuery, dKey, dValue]
        }
    }

    /// The computation shared by the attention primitives, on tensors outside the graph:
    /// softmax(q·kᵀ · scale) · v and the function from the output's gradient to (dq, dk, dv).
    /// The attention weights are the only intermediate it keeps.
    static func attentionCore(_ q: Tensor, _ k: Tensor, _ v: Tensor, mask: Tensor?, causal: Bool,
                              scale: Double) -> (Tensor, (Tensor) -> (Tensor, Tensor, Tensor)) {
        let probs = Tensor.matmul(q, k, transposeB: true)   // [..., tq, tk]
        probs.backend.attentionSoftmax(probs, mask: mask, scale: scale, causal: causal)
        let out = Tensor.matmul(probs, v)
        return (out, { g in
            let dValue = Tensor.matmul(probs, g, transposeA: true)
            let dScores = Tensor.matmul(g, v, transposeB: true)   // [..., tq, tk]
            dScores.backend.attentionSoftmaxBackward(dScores, probabilities: probs, scale: scale)
            return (Tensor.matmul(dScores, k), Tensor.matmul(dScores, q, transposeA: true), dValue)
        })
    }

    /// Causal multi-head self-attention straight from a packed projection: `qkv` is `[B, T, 3E]`
    /// (queries, keys, values, each E = heads · D wide, heads side by side, as a fused
    /// `Linear(E, 3E)` produces), the result `[B, T, E]` with the heads side by side again.
    /// One primitive, so the head split and merge (and their gradients) add no tape nodes.
    ///
    /// ```swift
    /// let y = Tensor.causalSelfAttention(packed: inProjection(x), heads: 4)   // [B, T, 3E] -> [B, T, E]
    /// ```
    public static func causalSelfAttention(packed qkv: Tensor, heads: Int) -> Tensor {
        qkv.requireFloat("causalSelfAttention")
        ensure(qkv.rank == 3 && qkv.shape[2] % (3 * heads) == 0,
                     "causalSelfAttention: expected [batch, time, 3 · heads · d], got \(qkv.shape) with \(heads) heads")
        let (b, t, e) = (qkv.shape[0], qkv.shape[1], qkv.shape[2] / 3)
        let d = e / heads
        let parts = (0..<3).map { part in   // [B, heads, T, d] each
            Tensor.splitHeads(qkv, columnOffset: part * e, heads: heads, d: d)
        }
        let (heads4, backward) = attentionCore(parts[0], parts[1], parts[2], mask: nil, causal: true, scale: 1 / Double(d).squareRoot())
        let out = Tensor(uninitialized: [b, t, e], dtype: qkv.dtype, device: qkv.device)
        heads4.backend.mergeHeads(heads4, into: out, columnOffset: 0)
        return record(out, "causalSelfAttention", [qkv]) { g in
            let (dq, dk, dv) = backward(Tensor.splitHeads(g, columnOffset: 0, heads: heads, d: d))
            let dqkv = Tensor(uninitialized: qkv.shape, dtype: qkv.dtype, device: qkv.device)
            for (part, grad) in [dq, dk, dv].enumerated() {
                grad.backend.mergeHeads(grad, into: dqkv, columnOffset: part * e)
            }
            return [dqkv]
        }
    }

    /// Columns `columnOffset ..< columnOffset + heads·d` of a `[B, T, width]` tensor as `[B, heads, T, d]`.
    static func splitHeads(_ x: Tensor, columnOffset: Int, heads: Int, d: Int) -> Tensor {
        let out = Tensor(uninitialized: [x.shape[0], heads, x.shape[1], d], dtype: x.dtype, device: x.device)
        x.backend.splitHeads(x, columnOffset: columnOffset, into: out)
        return out
    }
}

extension Tensor {
    /// Bidirectional multi-head attention within sequences packed row after row, as an encoder
    /// runs a batch without padding: rows `sequenceStarts[s] ..< sequenceStarts[s + 1]` of `query`,
    /// `key` and `value` (`[N, heads·D]` float32 each, heads side by side as a Linear produces
    /// them) form sequence s, and each row attends to every row of its own sequence, scale 1/√D.
    /// Result `[N, heads·D]`. Inference only: it must run inside `withoutGradients { }`.
    ///
    /// ```swift
    /// // two sentences of 5 and 3 tokens in one [8, 384] matrix
    /// let context = withoutGradients {
    ///     Tensor.packedAttention(query: q, key: k, value: v, sequenceStarts: [0, 5, 8], heads: 12)
    /// }
    /// ```
    public static func packedAttention(query: Tensor, key: Tensor, value: Tensor, sequenceStarts starts: [Int],
                                       heads: Int) -> Tensor {
        ensure(!GradMode.isEnabled || ![query, key, value].contains(where: \.requiresGrad),
               "packedAttention has no gradient: call it inside withoutGradients { }")
        ensure(query.rank == 2 && query.dtype == .float32 && key.shape == query.shape && value.shape == query.shape
               && key.dtype == .float32 && value.dtype == .float32,
               "packedAttention: query \(query.dtype) \(query.shape), key \(key.dtype) \(key.shape), value \(value.dtype) \(value.shape): expected three float32 [N, heads·D]")
        ensure(heads > 0 && query.shape[1] % heads == 0, "packedAttention: width \(query.shape[1]) is not divisible by \(heads) heads")
        ensure(starts.first == 0 && starts.last == query.shape[0] && zip(starts, starts.dropFirst()).allSatisfy { $0 < $1 },
               "packedAttention: sequence starts \(starts.prefix(8))… must rise strictly from 0 to \(query.shape[0])")
        query.requireSameDevice(key, value, op: "packedAttention")
        let out = Tensor(uninitialized: query.shape, dtype: .float32, device: query.device)
        query.backend.packedAttention(query: query, key: key, value: value, sequenceStarts: starts, heads: heads, into: out)
        return out
    }
}
