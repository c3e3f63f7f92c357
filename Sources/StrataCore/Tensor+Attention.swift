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
        precondition(query.rank >= 2 && key.rank == query.rank && value.rank == query.rank,
                     "scaledDotProductAttention: query \(query.shape), key \(key.shape), value \(value.shape) must have the same rank (≥ 2)")
        let lead = Array(query.shape.dims.dropLast(2))
        let tq = query.shape[query.rank - 2], d = query.shape[query.rank - 1], tk = key.shape[key.rank - 2]
        precondition(Array(key.shape.dims.dropLast(2)) == lead && Array(value.shape.dims.dropLast(2)) == lead
                     && key.shape[key.rank - 1] == d && value.shape[value.rank - 2] == tk,
                     "scaledDotProductAttention: shapes do not fit: query \(query.shape), key \(key.shape), value \(value.shape)")
        let scoreShape = Shape(lead + [tq, tk])
        let fullMask: Tensor? = mask.map { m in
            precondition(m.dtype == .bool, "scaledDotProductAttention: mask must be Bool (true = attend), got \(m.dtype)")
            return m.broadcasted(to: scoreShape).copy()
        }
        let batches = lead.reduce(1, *)
        let s = scale ?? 1 / Double(d).squareRoot()
        let q = query.detached(), k = key.detached(), v = value.detached()

        let probs = Tensor.matmul(q, k, transposeB: true)
        func softmax<T: FloatScalar>(_: T.Type) {
            AttentionKernels.maskedSoftmax(probs.pointer(T.self), mask: fullMask?.pointer(Bool.self),
                                           batches: batches, tq: tq, tk: tk, scale: T(s), causal: causal)
        }
        if query.dtype == .float32 { softmax(Float.self) } else { softmax(Double.self) }
        let out = Tensor.matmul(probs, v)

        return record(out, "scaledDotProductAttention", [query, key, value]) { g in
            let dValue = Tensor.matmul(probs, g, transposeA: true)
            let dScores = Tensor.matmul(g, v, transposeB: true)
            func backward<T: FloatScalar>(_: T.Type) {
                AttentionKernels.softmaxBackward(dScores.pointer(T.self), probs.pointer(T.self), rows: batches * tq, tk: tk, scale: T(s))
            }
            if g.dtype == .float32 { backward(Float.self) } else { backward(Double.self) }
            let dQuery = Tensor.matmul(dScores, k)
            let dKey = Tensor.matmul(dScores, q, transposeA: true)
            return [dQuery, dKey, dValue]
        }
    }
}
