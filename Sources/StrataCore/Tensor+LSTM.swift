import Foundation

/// The LSTM recurrence over a whole sequence as one primitive (the approach of cuDNN and llm.c):
/// the input projection of every step is one GEMM, each step adds one `[B, H]·[H, 4H]` GEMM and a
/// fused gate kernel, and the backward pass runs backpropagation through time with the weight
/// gradients gathered into two GEMMs at the end.
enum LSTMKernels {
    @inline(__always) static func sigmoid<T: FloatScalar>(_ x: T) -> T { 1 / (1 + T.exp(-x)) }

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
                for k in 0..<(2 * hidden) { a[k] = sigmoid(a[k]) }                  // i, f
                for k in (2 * hidden)..<(3 * hidden) { a[k] = T.tanh(a[k]) }        // g
                for k in (3 * hidden)..<h4 { a[k] = sigmoid(a[k]) }                 // o
                let i = a, f = a + hidden, g = a + 2 * hidden, o = a + 3 * hidden
                for j in 0..<hidden { cn[j] = f[j] * cp[j] + i[j] * g[j] }
                for j in 0..<hidden { hn[j] = o[j] * T.tanh(cn[j]) }
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
                for j in 0..<hidden { tc[j] = T.tanh(cb[j]) }
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

extension Tensor {
    /// Runs one LSTM layer over a batch-first sequence and returns every step's states as
    /// `[T, 2, B, H]`: index 0 on the second axis is h_t, index 1 is c_t. Gates are ordered
    /// i, f, g, o as in PyTorch: `weightIH` is `[4H, I]`, `weightHH` `[4H, H]`, biases `[4H]`.
    /// Differentiable with respect to every input, including the initial states.
    ///
    /// ```swift
    /// let states = Tensor.lstm(x, h0: h0, c0: c0, weightIH: wih, weightHH: whh, biasIH: bih, biasHH: bhh)
    /// let outputs = states[.all, 0].transposed(0, 1)     // [B, T, H]
    /// ```
    public static func lstm(_ x: Tensor, h0: Tensor, c0: Tensor, weightIH: Tensor, weightHH: Tensor,
                            biasIH: Tensor?, biasHH: Tensor?) -> Tensor {
        x.requireFloat("lstm")
        ensure(x.rank == 3, "lstm: input must be [batch, time, features], got \(x.shape)")
        let batch = x.shape[0], steps = x.shape[1], features = x.shape[2], hidden = weightHH.shape[1]
        ensure(weightIH.shape == Shape([4 * hidden, features]) && weightHH.shape == Shape([4 * hidden, hidden]),
                     "lstm: weights \(weightIH.shape) and \(weightHH.shape) do not fit input \(x.shape) with hidden size \(hidden)")
        ensure(h0.shape == Shape([batch, hidden]) && c0.shape == Shape([batch, hidden]),
                     "lstm: initial states \(h0.shape), \(c0.shape) must be [\(batch), \(hidden)]")
        ensure(steps > 0, "lstm: the sequence is empty")
        for t in [h0, c0, weightIH, weightHH, biasIH, biasHH].compactMap({ $0 }) { x.requireSameDType(t, "lstm") }
        let h4 = 4 * hidden

        let xd = x.detached(), wih = weightIH.detached(), whh = weightHH.detached()
        // Input projection of every step at once: [B·T, 4H].
        let bias: Tensor? = withoutGradients {
            switch (biasIH, biasHH) {
            case let (i?, h?): i.detached() + h.detached()
            case let (i?, nil): i.detached()
            case let (nil, h?): h.detached()
            case (nil, nil): nil
            }
        }
        let pre = Tensor.linear(xd.reshaped([batch * steps, features]), weight: wih, bias: bias)
        let states = Tensor(uninitialized: [steps, 2, batch, hidden], dtype: x.dtype)
        let gates = Tensor(uninitialized: [steps, batch, h4], dtype: x.dtype)

        func forward<T: GEMMScalar>(_: T.Type) {
            let rec = UnsafeMutablePointer<T>.allocate(capacity: batch * h4)
            defer { rec.deallocate() }
            let s = states.pointer(T.self), bh = batch * hidden
            for t in 0..<steps {
                let hPrev = t == 0 ? h0.pointer(T.self) : s + (2 * (t - 1)) * bh
                let cPrev = t == 0 ? c0.pointer(T.self) : s + (2 * (t - 1) + 1) * bh
                T.gemm(transA: false, transB: true, m: batch, n: h4, k: hidden, alpha: 1, a: hPrev, lda: hidden,
                       b: whh.pointer(T.self), ldb: hidden, beta: 0, c: rec, ldc: h4)
                LSTMKernels.step(pre: pre.pointer(T.self) + t * h4, preStride: steps * h4, rec: rec, cPrev: cPrev,
                                 gates: gates.pointer(T.self) + t * batch * h4,
                                 h: s + 2 * t * bh, c: s + (2 * t + 1) * bh, batch: batch, hidden: hidden)
            }
        }
        if x.dtype == .float32 { forward(Float.self) } else { forward(Double.self) }

        // The backward pass reads the states through a detached view: capturing `states` itself
        // would make it own (through its grad function) a closure that owns it, a retain cycle.
        let h0d = h0.detached(), c0d = c0.detached(), saved = states.detached()
        let inputs = [x, h0, c0, weightIH, weightHH] + [biasIH, biasHH].compactMap { $0 }
        return record(states, "lstm", inputs) { dStates in
            // Gradients of the pre-activations, batch-first like `pre`: [B, T, 4H].
            let dPre = Tensor(uninitialized: [batch, steps, h4], dtype: x.dtype)
            // h_{t-1} for every (b, t), batch-first, for the recurrent weight gradient.
            let hPrevAll = Tensor(uninitialized: [batch, steps, hidden], dtype: x.dtype)
            let dh0 = Tensor.zeros([batch, hidden], dtype: x.dtype), dc0 = Tensor.zeros([batch, hidden], dtype: x.dtype)
            func backward<T: GEMMScalar>(_: T.Type) {
                let s = saved.pointer(T.self), ds = dStates.pointer(T.self), bh = batch * hidden
                let dh = UnsafeMutablePointer<T>.allocate(capacity: bh)
                defer { dh.deallocate() }
                let dhCarry = dh0.pointer(T.self), dcCarry = dc0.pointer(T.self)   // reach h0, c0 at the end
                let hp = hPrevAll.pointer(T.self)
                for t in stride(from: steps - 1, through: 0, by: -1) {
                    let hPrev = t == 0 ? h0d.pointer(T.self) : s + (2 * (t - 1)) * bh
                    let cPrev = t == 0 ? c0d.pointer(T.self) : s + (2 * (t - 1) + 1) * bh
                    for k in 0..<bh { dh[k] = ds[2 * t * bh + k] + dhCarry[k] }
                    LSTMKernels.stepBackward(dh: dh, dcOut: ds + (2 * t + 1) * bh, dcCarry: dcCarry,
                                             gates: gates.pointer(T.self) + t * batch * h4, c: s + (2 * t + 1) * bh,
                                             cPrev: cPrev, dPre: dPre.pointer(T.self) + t * h4, dPreStride: steps * h4,
                                             batch: batch, hidden: hidden)
                    // dh_{t-1} = dPre_t · W_hh
                    T.gemm(transA: false, transB: false, m: batch, n: hidden, k: h4, alpha: 1,
                           a: dPre.pointer(T.self) + t * h4, lda: steps * h4, b: whh.pointer(T.self), ldb: hidden,
                           beta: 0, c: dhCarry, ldc: hidden)
                    for b in 0..<batch {
                        (hp + (b * steps + t) * hidden).update(from: hPrev + b * hidden, count: hidden)
                    }
                }
            }
            if x.dtype == .float32 { backward(Float.self) } else { backward(Double.self) }
            let dPreFlat = dPre.reshaped([batch * steps, h4])
            let dx = Tensor.matmul(dPreFlat, wih).reshaped([batch, steps, features])
            let dWih = Tensor.matmul(dPreFlat, xd.reshaped([batch * steps, features]), transposeA: true)
            let dWhh = Tensor.matmul(dPreFlat, hPrevAll.reshaped([batch * steps, hidden]), transposeA: true)
            let dBias = dPreFlat.sum(axes: [0])
            var grads: [Tensor?] = [dx, dh0, dc0, dWih, dWhh]
            if biasIH != nil { grads.append(dBias) }
            if biasHH != nil { grads.append(dBias) }
            return grads
        }
    }
}
