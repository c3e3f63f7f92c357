import CStrataKernels

extension CPUBackend {
    /// Each step is one parallel loop over blocks of 16 hidden units (the panel width): a core
    /// makes its block's four gate products of h_{t-1}·W_hhᵀ, each gate's weights packed apart so
    /// that a panel of every gate covers the same units, then runs the gate work on them.
    public func lstmForward(preactivations pre: Tensor, h0: Tensor, c0: Tensor, weightHH whh: Tensor, states: Tensor, gates: Tensor) {
        let steps = gates.shape[0], batch = gates.shape[1], h4 = gates.shape[2], hidden = h4 / 4
        let (blocks, grain) = Self.recurrentBlocks(batch: batch, hidden: hidden)
        func forward<T: GEMMScalar>(_: T.Type) {
            let rec = UnsafeMutablePointer<T>.allocate(capacity: batch * h4)
            defer { rec.deallocate() }
            let s = states.pointer(T.self), w = whh.pointer(T.self), bh = batch * hidden
            let packed = (0..<4).compactMap { gate in
                PanelPackedMatrix.float32(w + gate * hidden * hidden, ldb: hidden, transposed: true, k: hidden, n: hidden)
            }
            for t in 0..<steps {
                let hPrev = t == 0 ? h0.pointer(T.self) : s + (2 * (t - 1)) * bh
                let cPrev = t == 0 ? c0.pointer(T.self) : s + (2 * (t - 1) + 1) * bh
                if packed.isEmpty {   // float64, or no AVX2: rec = h_{t-1}·W_hhᵀ in one product first
                    T.gemm(transA: false, transB: true, m: batch, n: h4, k: hidden, alpha: 1, a: hPrev, lda: hidden,
                           b: w, ldb: hidden, beta: 0, c: rec, ldc: h4)
                }
                Parallel.forEachChunk(blocks, grain: grain) { r in
                    let units = Self.units(r, hidden: hidden)
                    for (gate, weights) in packed.enumerated() {
                        weights.multiply(panels: r, rows: batch, a: hPrev, lda: hidden, into: rec + gate * hidden, ldc: h4)
                    }
                    RecurrentKernels.step(units: units, pre: pre.pointer(T.self) + t * h4, preStride: steps * h4,
                                          rec: rec, cPrev: cPrev, gates: gates.pointer(T.self) + t * batch * h4,
                                          h: s + 2 * t * bh, c: s + (2 * t + 1) * bh, batch: batch, hidden: hidden)
                }
            }
        }
        pre.dtype.dispatchFloat("lstm", float32: { forward(Float.self) }, float64: { forward(Double.self) })
    }

    /// Backpropagation through time, one parallel loop a step over blocks of hidden units: a core
    /// makes its units' share of the gradient carried to h_t, dPre_{t+1}·W_hh, then their step
    /// backward, which needs no other core's units.
    public func lstmBackward(stateGradient dStates: Tensor, states saved: Tensor, gates: Tensor, h0 h0d: Tensor, c0 c0d: Tensor,
                             weightHH whh: Tensor, preactivationGradient dPre: Tensor, previousHidden hPrevAll: Tensor,
                             h0Gradient dh0: Tensor, c0Gradient dc0: Tensor) {
        let steps = gates.shape[0], batch = gates.shape[1], h4 = gates.shape[2], hidden = h4 / 4
        let (blocks, grain) = Self.recurrentBlocks(batch: batch, hidden: hidden)
        func backward<T: GEMMScalar>(_: T.Type) {
            let s = saved.pointer(T.self), ds = dStates.pointer(T.self), w = whh.pointer(T.self), bh = batch * hidden
            let dp = dPre.pointer(T.self), dpStride = steps * h4
            // The gradients carried back to h and c: zero at the last step, those of h0 and c0 at the end.
            let dhCarry = dh0.pointer(T.self), dcCarry = dc0.pointer(T.self)
            let hp = hPrevAll.pointer(T.self)
            let packed = PanelPackedMatrix.float32(w, ldb: hidden, transposed: false, k: h4, n: hidden)
            /// dhCarry = dPre_t · W_hh, for all the units at once.
            func carry(from t: Int) {
                if let packed {
                    packed.multiply(rows: batch, a: dp + t * h4, lda: dpStride, into: dhCarry, ldc: hidden)
                } else {
                    T.gemm(transA: false, transB: false, m: batch, n: hidden, k: h4, alpha: 1, a: dp + t * h4, lda: dpStride,
                           b: w, ldb: hidden, beta: 0, c: dhCarry, ldc: hidden)
                }
            }
            for t in stride(from: steps - 1, through: 0, by: -1) {
                let hPrev = t == 0 ? h0d.pointer(T.self) : s + (2 * (t - 1)) * bh
                let cPrev = t == 0 ? c0d.pointer(T.self) : s + (2 * (t - 1) + 1) * bh
                if t < steps - 1, packed == nil { carry(from: t + 1) }
                Parallel.forEachChunk(blocks, grain: grain) { r in
                    let units = Self.units(r, hidden: hidden)
                    if t < steps - 1, let packed {
                        packed.multiply(panels: r, rows: batch, a: dp + (t + 1) * h4, lda: dpStride, into: dhCarry, ldc: hidden)
                    }
                    RecurrentKernels.stepBackward(units: units, dhOut: ds + 2 * t * bh, dhCarry: dhCarry, dcOut: ds + (2 * t + 1) * bh,
                                                  dcCarry: dcCarry, gates: gates.pointer(T.self) + t * batch * h4,
                                                  c: s + (2 * t + 1) * bh, cPrev: cPrev, dPre: dp + t * h4, dPreStride: dpStride,
                                                  batch: batch, hidden: hidden)
                    for b in 0..<batch {
                        (hp + (b * steps + t) * hidden + units.lowerBound).update(from: hPrev + b * hidden + units.lowerBound, count: units.count)
                    }
                }
            }
            carry(from: 0)
        }
        dStates.dtype.dispatchFloat("lstm backward", float32: { backward(Float.self) }, float64: { backward(Double.self) })
    }

    /// The blocks of hidden units (the product kernel's panel width) a step is split into, and
    /// the fewest a core takes: about 65,000 multiply-adds of recurrent products.
    private static func recurrentBlocks(batch: Int, hidden: Int) -> (blocks: Int, grain: Int) {
        let width = Int(STRATA_PANEL_WIDTH)
        return ((hidden + width - 1) / width, Swift.max(1, 65_536 / Swift.max(1, batch * hidden * 4 * width)))
    }

    /// The hidden units of the blocks `blocks`.
    private static func units(_ blocks: Range<Int>, hidden: Int) -> Range<Int> {
        let width = Int(STRATA_PANEL_WIDTH)
        return width * blocks.lowerBound..<Swift.min(hidden, width * blocks.upperBound)
    }
}
