extension CPUBackend {
    public func lstmForward(preactivations pre: Tensor, h0: Tensor, c0: Tensor, weightHH whh: Tensor, states: Tensor, gates: Tensor) {
        let steps = gates.shape[0], batch = gates.shape[1], h4 = gates.shape[2], hidden = h4 / 4
        func forward<T: GEMMScalar>(_: T.Type) {
            let rec = UnsafeMutablePointer<T>.allocate(capacity: batch * h4)
            defer { rec.deallocate() }
            let s = states.pointer(T.self), bh = batch * hidden
            let packed = PanelPackedMatrix.float32(whh.pointer(T.self), ldb: hidden, transposed: true, k: hidden, n: h4)
            for t in 0..<steps {
                let hPrev = t == 0 ? h0.pointer(T.self) : s + (2 * (t - 1)) * bh
                let cPrev = t == 0 ? c0.pointer(T.self) : s + (2 * (t - 1) + 1) * bh
                if let packed {   // rec = h_{t-1}·W_hhᵀ
                    packed.multiply(rows: batch, a: hPrev, lda: hidden, into: rec, ldc: h4)
                } else {
                    T.gemm(transA: false, transB: true, m: batch, n: h4, k: hidden, alpha: 1, a: hPrev, lda: hidden,
                           b: whh.pointer(T.self), ldb: hidden, beta: 0, c: rec, ldc: h4)
                }
                RecurrentKernels.step(pre: pre.pointer(T.self) + t * h4, preStride: steps * h4, rec: rec, cPrev: cPrev,
                                      gates: gates.pointer(T.self) + t * batch * h4,
                                      h: s + 2 * t * bh, c: s + (2 * t + 1) * bh, batch: batch, hidden: hidden)
            }
        }
        pre.dtype.dispatchFloat("lstm", float32: { forward(Float.self) }, float64: { forward(Double.self) })
    }

    public func lstmBackward(stateGradient dStates: Tensor, states saved: Tensor, gates: Tensor, h0 h0d: Tensor, c0 c0d: Tensor,
                             weightHH whh: Tensor, preactivationGradient dPre: Tensor, previousHidden hPrevAll: Tensor,
                             h0Gradient dh0: Tensor, c0Gradient dc0: Tensor) {
        let steps = gates.shape[0], batch = gates.shape[1], h4 = gates.shape[2], hidden = h4 / 4
        func backward<T: GEMMScalar>(_: T.Type) {
            let s = saved.pointer(T.self), ds = dStates.pointer(T.self), bh = batch * hidden
            let dh = UnsafeMutablePointer<T>.allocate(capacity: bh)
            defer { dh.deallocate() }
            let dhCarry = dh0.pointer(T.self), dcCarry = dc0.pointer(T.self)   // reach h0, c0 at the end
            let hp = hPrevAll.pointer(T.self)
            let packed = PanelPackedMatrix.float32(whh.pointer(T.self), ldb: hidden, transposed: false, k: h4, n: hidden)
            for t in stride(from: steps - 1, through: 0, by: -1) {
                let hPrev = t == 0 ? h0d.pointer(T.self) : s + (2 * (t - 1)) * bh
                let cPrev = t == 0 ? c0d.pointer(T.self) : s + (2 * (t - 1) + 1) * bh
                for k in 0..<bh { dh[k] = ds[2 * t * bh + k] + dhCarry[k] }
                RecurrentKernels.stepBackward(dh: dh, dcOut: ds + (2 * t + 1) * bh, dcCarry: dcCarry,
                                              gates: gates.pointer(T.self) + t * batch * h4, c: s + (2 * t + 1) * bh,
                                              cPrev: cPrev, dPre: dPre.pointer(T.self) + t * h4, dPreStride: steps * h4,
                                              batch: batch, hidden: hidden)
                // dh_{t-1} = dPre_t · W_hh
                if let packed {
                    packed.multiply(rows: batch, a: dPre.pointer(T.self) + t * h4, lda: steps * h4, into: dhCarry, ldc: hidden)
                } else {
                    T.gemm(transA: false, transB: false, m: batch, n: hidden, k: h4, alpha: 1,
                           a: dPre.pointer(T.self) + t * h4, lda: steps * h4, b: whh.pointer(T.self), ldb: hidden,
                           beta: 0, c: dhCarry, ldc: hidden)
                }
                for b in 0..<batch {
                    (hp + (b * steps + t) * hidden).update(from: hPrev + b * hidden, count: hidden)
                }
            }
        }
        dStates.dtype.dispatchFloat("lstm backward", float32: { backward(Float.self) }, float64: { backward(Double.self) })
    }
}
