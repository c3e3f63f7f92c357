import Foundation

/// The CPU kernels of the fused LSTM (``RecurrentBackend``). The recurrence over a whole sequence
/// is one primitive (the approach of cuDNN and llm.c): the input projection of every step is one
/// GEMM, each step adds one `[B, H]·[H, 4H]` GEMM and a fused gate kernel, and the backward pass
/// runs backpropagation through time with the weight gradients gathered into two GEMMs at the end.
enum RecurrentKernels {
    /// One step of gates and states for every batch row. `pre` holds x·W_ihᵀ + b for this step
    /// (row stride `preStride`), `rec` holds h_{t-1}·W_hhᵀ (`[B, 4H]`); writes the activated gates
    /// (i, f, g, o) to `gates` and the new h and c. Each pass is a plain loop over one or a few
    /// arrays, so that the compiler vectorises it (one fused loop over eight pointers did not).
    static func step<T: FloatScalar>(pre: UnsafeMutablePointer<T>, preStride: Int, rec: UnsafeMutablePointer<T>,
                                     cPrev: UnsafeMutablePointer<T>, gates: UnsafeMutablePointer<T>,
                                     h: UnsafeMutablePointer<T>, c: UnsafeMutablePointer<T>, batch: Int, hidden: Int) {
        let h4 = 4 * hidden
        Parallel.forEachChunk(batch, grain: Swift.max(1, 2048 / hidden)) { rows in
            for b in rows {
                let p = pre + b * preStride, r = rec + b * h4, a = gates + b * h4
                let cp = cPrev + b * hidden, cn = c + b * hidden, hn = h + b * hidden
                for k in 0..<h4 { a[k] = p[k] + r[k] }
                VectorMath.sigmoidInPlace(a, 2 * hidden)                             // i, f
                VectorMath.tanh(a + 2 * hidden, a + 2 * hidden, hidden)              // g
                VectorMath.sigmoidInPlace(a + 3 * hidden, hidden)                    // o
                let i = a, f = a + hidden, g = a + 2 * hidden, o = a + 3 * hidden
                for j in 0..<hidden { cn[j] = f[j] * cp[j] + i[j] * g[j] }
                VectorMath.tanh(cn, hn, hidden)
                for j in 0..<hidden { hn[j] *= o[j] }
            }
        }
    }

    /// One step backward. `dh` holds the gradient reaching h_t; `dcCarry` the one reaching c_t from
    /// step t+1 (updated in place to the one for c_{t-1}); `dcOut` the external gradient of c_t.
    /// Writes the pre-activation gate gradients to `dPre` (row stride `dPreStride`).
    static func stepBackward<T: FloatScalar>(dh: UnsafeMutablePointer<T>, dcOut: UnsafeMutablePointer<T>,
                                             dcCarry: UnsafeMutablePointer<T>, gates: UnsafeMutablePointer<T>,
                                             c: UnsafeMutablePointer<T>, cPrev: UnsafeMutablePointer<T>,
                                             dPre: UnsafeMutablePointer<T>, dPreStride: Int, batch: Int, hidden: Int) {
        let h4 = 4 * hidden
        Parallel.forEachChunk(batch, grain: Swift.max(1, 2048 / hidden)) { rows in
            let tc = UnsafeMutablePointer<T>.allocate(capacity: hidden), dc = UnsafeMutablePointer<T>.allocate(capacity: hidden)
            defer { tc.deallocate(); dc.deallocate() }
            for b in rows {
                let a = gates + b * h4, d = dPre + b * dPreStride
                let i = a, f = a + hidden, g = a + 2 * hidden, o = a + 3 * hidden
                let dhb = dh + b * hidden, cb = c + b * hidden, cp = cPrev + b * hidden
                let carry = dcCarry + b * hidden, external = dcOut + b * hidden
                VectorMath.tanh(cb, tc, hidden)
                for j in 0..<hidden { dc[j] = external[j] + carry[j] + dhb[j] * o[j] * (1 - tc[j] * tc[j]) }
                for j in 0..<hidden { d[j] = dc[j] * g[j] * i[j] * (1 - i[j]) }
                for j in 0..<hidden { d[hidden + j] = dc[j] * cp[j] * f[j] * (1 - f[j]) }
                for j in 0..<hidden { d[2 * hidden + j] = dc[j] * i[j] * (1 - g[j] * g[j]) }
                for j in 0..<hidden { d[3 * hidden + j] = dhb[j] * tc[j] * o[j] * (1 - o[j]) }
                for j in 0..<hidden { carry[j] = dc[j] * f[j] }
            }
        }
    }
}
