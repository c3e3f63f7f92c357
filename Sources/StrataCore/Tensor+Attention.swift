/// Row kernels of fused attention over score matrices `[batches, tq, tk]`.
enum AttentionKernels {
    /// In place: s ← softmax(scale · s) per row, where row i of each matrix sees key j only if
    /// `causal` allows it (j ≤ i + tk - tq, so cached keys count as the past) and `mask` (when given,
    /// laid out like `s`) is true. A row that sees no key becomes all zeros.
    static func maskedSoftmax<T: FloatScalar>(_ s: UnsafeMutablePointer<T>, mask: UnsafeMutablePointer<Bool>?,
                                              batches: Int, tq: Int, tk: Int, scale: T, causal: Bool) {
        Parallel.forEachChunk(batches * tq, grain: Swift.max(1, 4096 / tk)) { range in
            for row in range {
                let i = row % tq
                let r = s + row * tk, m = mask.map { $0 + row * tk }
                let visible = causal ? Swift.min(tk, i + tk - tq + 1) : tk
                if let m {
                    maskedRow(r, m, visible: visible, tk: tk, scale: scale)
                } else {
                    plainRow(r, visible: visible, tk: tk, scale: scale)
                }
            }
        }
    }

    /// softmax(scale · r[0..<visible]) in place, zeros after: straight loops that vectorise.
    @inline(__always)
    static func plainRow<T: FloatScalar>(_ r: UnsafeMutablePointer<T>, visible: Int, tk: Int, scale: T) {
        for j in 0..<visible { r[j] *= scale }
        var peak = -T.infinity
        for j in 0..<visible { peak = Swift.max(peak, r[j]) }
        for j in 0..<visible { r[j] = T.exp(r[j] - peak) }
        // Four partial sums, so the additions need not wait on each other.
        var sums: (T, T, T, T) = (0, 0, 0, 0)
        var j = 0
        while j + 4 <= visible {
            sums.0 += r[j]; sums.1 += r[j + 1]; sums.2 += r[j + 2]; sums.3 += r[j + 3]
            j += 4
        }
        while j < visible { sums.0 += r[j]; j += 1 }
        let inv = 1 / ((sums.0 + sums.1) + (sums.2 + sums.3))
        for j in 0..<visible { r[j] *= inv }
        for j in visible..<tk { r[j] = 0 }
    }

    /// As `plainRow`, seeing only the keys where `m` is true; a row that sees none becomes zeros.
    static func maskedRow<T: FloatScalar>(_ r: UnsafeMutablePointer<T>, _ m: UnsafeMutablePointer<Bool>, visible: Int, tk: Int, scale: T) {
        var peak = -T.infinity
        for j in 0..<visible where m[j] {
            r[j] *= scale
            peak = Swift.max(peak, r[j])
        }
        guard peak > -T.infinity else {
            for j in 0..<tk { r[j] = 0 }
            return
        }
        var total: T = 0
        for j in 0..<visible {
            if m[j] {
                let e = T.exp(r[j] - peak)
                r[j] = e
                total += e
            } else {
                r[j] = 0
            }
        }
        let inv = 1 / total
        for j in 0..<visible { r[j] *= inv }
        for j in visible..<tk { r[j] = 0 }
    }

    /// In place: dp ← scale · p ∘ (dp - Σⱼ dp∘p), the gradient of the scores through the softmax.
    static func softmaxBackward<T: FloatScalar>(_ dp: UnsafeMutablePointer<T>, _ p: UnsafeMutablePointer<T>, rows: Int, tk: Int, scale: T) {
        Parallel.forEachChunk(rows, grain: Swift.max(1, 4096 / tk)) { range in
            for row in range {
                let d = dp + row * tk, pr = p + row * tk
                var dot: T = 0
                for j in 0..<tk { dot += d[j] * pr[j] }
                for j in 0..<tk { d[j] = scale * pr[j] * (d[j] - dot) }
            }
        }
    }
}

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
        let scoreShape = Shape(lead + [tq, tk])
        let fullMask: Tensor? = mask.map { m in
            ensure(m.dtype == .bool, "scaledDotProductAttention: mask must be Bool (true = attend), got \(m.dtype)")
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
        let tq = q.shape[q.rank - 2], tk = k.shape[k.rank - 2]
        let batches = q.count / (tq * q.shape[q.rank - 1])
        let probs = Tensor.matmul(q, k, transposeB: true)
        func softmax<T: FloatScalar>(_: T.Type) {
            AttentionKernels.maskedSoftmax(probs.pointer(T.self), mask: mask?.pointer(Bool.self),
                                           batches: batches, tq: tq, tk: tk, scale: T(scale), causal: causal)
        }
        if q.dtype == .float32 { softmax(Float.self) } else { softmax(Double.self) }
        let out = Tensor.matmul(probs, v)
        return (out, { g in
            let dValue = Tensor.matmul(probs, g, transposeA: true)
            let dScores = Tensor.matmul(g, v, transposeB: true)
            func backward<T: FloatScalar>(_: T.Type) {
                AttentionKernels.softmaxBackward(dScores.pointer(T.self), probs.pointer(T.self), rows: batches * tq, tk: tk, scale: T(scale))
            }
            if g.dtype == .float32 { backward(Float.self) } else { backward(Double.self) }
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
        let parts = (0..<3).map { part in
            Tensor.headsLayout(qkv, rowWidth: 3 * e, offset: part * e, batch: b, time: t, heads: heads, d: d)
        }
        let (heads4, backward) = attentionCore(parts[0], parts[1], parts[2], mask: nil, causal: true, scale: 1 / Double(d).squareRoot())
        let out = Tensor(uninitialized: [b, t, e], dtype: qkv.dtype)
        Tensor.tokensLayout(heads4, into: out, rowWidth: e, offset: 0, batch: b, time: t, heads: heads, d: d)
        return record(out, "causalSelfAttention", [qkv]) { g in
            let (dq, dk, dv) = backward(Tensor.headsLayout(g, rowWidth: e, offset: 0, batch: b, time: t, heads: heads, d: d))
            let dqkv = Tensor(uninitialized: qkv.shape, dtype: qkv.dtype)
            for (part, grad) in [dq, dk, dv].enumerated() {
                Tensor.tokensLayout(grad, into: dqkv, rowWidth: 3 * e, offset: part * e, batch: b, time: t, heads: heads, d: d)
            }
            return [dqkv]
        }
    }

    /// Columns `offset ..< offset + heads·d` of a `[B, T, rowWidth]` tensor as `[B, heads, T, d]`.
    static func headsLayout(_ x: Tensor, rowWidth: Int, offset: Int, batch: Int, time: Int, heads: Int, d: Int) -> Tensor {
        let out = Tensor(uninitialized: [batch, heads, time, d], dtype: x.dtype)
        let size = x.dtype.byteSize, src = x.storage.raw, dst = out.storage.raw
        for bb in 0..<batch {
            for h in 0..<heads {
                for tt in 0..<time {
                    (dst + ((bb * heads + h) * time + tt) * d * size)
                        .copyMemory(from: src + ((bb * time + tt) * rowWidth + offset + h * d) * size, byteCount: d * size)
                }
            }
        }
        return out
    }

    /// The inverse of `headsLayout`: writes `[B, heads, T, d]` into columns `offset ...` of `[B, T, rowWidth]`.
    static func tokensLayout(_ x: Tensor, into out: Tensor, rowWidth: Int, offset: Int, batch: Int, time: Int, heads: Int, d: Int) {
        let size = x.dtype.byteSize, src = x.storage.raw, dst = out.storage.raw
        for bb in 0..<batch {
            for h in 0..<heads {
                for tt in 0..<time {
                    (dst + ((bb * time + tt) * rowWidth + offset + h * d) * size)
                        .copyMemory(from: src + ((bb * heads + h) * time + tt) * d * size, byteCount: d * size)
                }
            }
        }
    }
}
