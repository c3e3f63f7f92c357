import CStrataKernels
import Foundation

/// The CPU kernels of the fused LSTM (``RecurrentBackend``). The recurrence over a whole sequence
/// is one primitive (the approach of cuDNN and llm.c): the input projection of every step is one
/// GEMM, each step adds one `[B, H]·[H, 4H]` GEMM and a fused gate kernel, and the backward pass
/// runs backpropagation through time with the weight gradients gathered into two GEMMs at the end.
///
/// Both step kernels work on a range of hidden units for every batch row: the backend gives each
/// core a range, makes that range's recurrent products and runs the gate work on them while they
/// are in its cache, so that a step is one parallel loop rather than two. Float32 on CPUs with
/// AVX2 runs the gate work in one pass in C (`strata_lstm.h`), with the same operations in the
/// same order as the loops here, which serve float64 and other CPUs.
enum RecurrentKernels {
    /// One step of gates and states for the hidden units `units` of every batch row. `pre` holds
    /// x·W_ihᵀ + b for this step (row stride `preStride`), `rec` holds h_{t-1}·W_hhᵀ (`[B, 4H]`);
    /// writes the activated gates (i, f, g, o) to `gates` and the new h and c. Each pass is a
    /// plain loop over one or a few arrays, so that the compiler vectorises it (one fused loop
    /// over eight pointers did not).
    static func step<T: FloatScalar>(units: Range<Int>, pre: UnsafeMutablePointer<T>, preStride: Int, rec: UnsafeMutablePointer<T>,
                                     cPrev: UnsafeMutablePointer<T>, gates: UnsafeMutablePointer<T>,
                                     h: UnsafeMutablePointer<T>, c: UnsafeMutablePointer<T>, batch: Int, hidden: Int) {
        if T.self == Float.self, VectorMath.available {
            let ran = strata_lstm_step_f32(Int64(batch), Int64(hidden), Int64(units.lowerBound), Int64(units.upperBound),
                                           float32Pointer(pre), Int64(preStride), float32Pointer(rec), float32Pointer(cPrev),
                                           float32Pointer(gates), float32Pointer(h), float32Pointer(c))
            if ran == 1 { return }
        }
        let h4 = 4 * hidden, u0 = units.lowerBound, n = units.count
        for b in 0..<batch {
            let p = pre + b * preStride, r = rec + b * h4, a = gates + b * h4
            for gate in 0..<4 {
                let at = gate * hidden + u0
                for k in at..<(at + n) { a[k] = p[k] + r[k] }
            }
            let i = a + u0, f = a + hidden + u0, g = a + 2 * hidden + u0, o = a + 3 * hidden + u0
            let cp = cPrev + b * hidden + u0, cn = c + b * hidden + u0, hn = h + b * hidden + u0
            VectorMath.sigmoidInPlace(i, n)
            VectorMath.sigmoidInPlace(f, n)
            VectorMath.tanh(g, g, n)
            VectorMath.sigmoidInPlace(o, n)
            for j in 0..<n { cn[j] = f[j] * cp[j] + i[j] * g[j] }
            VectorMath.tanh(cn, hn, n)
            for j in 0..<n { hn[j] *= o[j] }
        }
    }

    /// One step backward for the hidden units `units` of every batch row. The gradient reaching
    /// h_t is `dhOut` (the external one, `[B, H]`) plus `dhCarry` (the one from step t+1).
    /// `dcCarry` holds the one reaching c_t from step t+1 and is updated in place to the one for
    /// c_{t-1}; `dcOut` is the external gradient of c_t. Writes the pre-activation gate gradients
    /// to `dPre` (row stride `dPreStride`).
    static func stepBackward<T: FloatScalar>(units: Range<Int>, dhOut: UnsafePointer<T>, dhCarry: UnsafePointer<T>,
                                             dcOut: UnsafePointer<T>, dcCarry: UnsafeMutablePointer<T>, gates: UnsafeMutablePointer<T>,
                                             c: UnsafeMutablePointer<T>, cPrev: UnsafePointer<T>,
                                             dPre: UnsafeMutablePointer<T>, dPreStride: Int, batch: Int, hidden: Int) {
        if T.self == Float.self, VectorMath.available {
            let ran = strata_lstm_step_backward_f32(Int64(batch), Int64(hidden), Int64(units.lowerBound), Int64(units.upperBound),
                                                    float32Pointer(dhOut), float32Pointer(dhCarry), float32Pointer(dcOut),
                                                    float32Pointer(dcCarry), float32Pointer(gates), float32Pointer(c),
                                                    float32Pointer(cPrev), float32Pointer(dPre), Int64(dPreStride))
            if ran == 1 { return }
        }
        let h4 = 4 * hidden, u0 = units.lowerBound, n = units.count
        let dh = UnsafeMutablePointer<T>.allocate(capacity: 3 * n)
        defer { dh.deallocate() }
        let tc = dh + n, dc = dh + 2 * n
        for b in 0..<batch {
            let a = gates + b * h4, d = dPre + b * dPreStride + u0
            let i = a + u0, f = a + hidden + u0, g = a + 2 * hidden + u0, o = a + 3 * hidden + u0
            let row = b * hidden + u0
            let cb = c + row, cp = cPrev + row, carry = dcCarry + row, external = dcOut + row
            for j in 0..<n { dh[j] = dhOut[row + j] + dhCarry[row + j] }
            VectorMath.tanh(cb, tc, n)
            for j in 0..<n { dc[j] = external[j] + carry[j] + dh[j] * o[j] * (1 - tc[j] * tc[j]) }
            for j in 0..<n { d[j] = dc[j] * g[j] * i[j] * (1 - i[j]) }
            for j in 0..<n { d[hidden + j] = dc[j] * cp[j] * f[j] * (1 - f[j]) }
            for j in 0..<n { d[2 * hidden + j] = dc[j] * i[j] * (1 - g[j] * g[j]) }
            for j in 0..<n { d[3 * hidden + j] = dh[j] * tc[j] * o[j] * (1 - o[j]) }
            for j in 0..<n { carry[j] = dc[j] * f[j] }
        }
    }
}
