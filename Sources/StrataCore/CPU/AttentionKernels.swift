import CStrataKernels
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
        // float32 with AVX2: the same steps with the 8-lane exp (glibc's expf was most of it).
        if T.self == Float.self, strata_softmax_row_f32(float32Pointer(r), Int64(visible), Int64(tk), unsafeBitCast(scale, to: Float.self)) != 0 {
            return
        }
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
                if T.self == Float.self,
                   strata_softmax_backward_row_f32(float32Pointer(d), float32Pointer(pr), Int64(tk), unsafeBitCast(scale, to: Float.self)) != 0 {
                    continue
                }
                var dot: T = 0
                for j in 0..<tk { dot += d[j] * pr[j] }
                for j in 0..<tk { d[j] = scale * pr[j] * (d[j] - dot) }
            }
        }
    }
}
