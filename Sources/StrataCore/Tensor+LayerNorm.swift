extension Tensor {
    /// Layer normalisation over the last axis, fused: one pass forward, one pass backward,
    /// no intermediate tensors on the tape. `weight` and `bias` have the last axis's size.
    ///
    /// ```swift
    /// let y = x.layerNorm(weight: gamma, bias: beta)   // x: [B, T, C], gamma/beta: [C]
    /// ```
    public func layerNorm(weight: Tensor?, bias: Tensor?, epsilon: Double = 1e-5) -> Tensor {
        requireFloat("layerNorm")
        ensure(rank >= 1, "layerNorm: input must have at least one axis")
        let n = shape[rank - 1], rows = count / Swift.max(n, 1)
        for p in [weight, bias].compactMap({ $0 }) {
            ensure(p.shape == Shape([n]), "layerNorm: weight/bias shape \(p.shape) does not match the last axis of \(shape) ([\(n)])")
            requireSameDType(p, "layerNorm")
            requireSameDevice(p, op: "layerNorm")
        }
        let out = Tensor(uninitialized: shape, dtype: dtype, device: device)
        let mean = Tensor(uninitialized: [rows], dtype: dtype, device: device)
        let rstd = Tensor(uninitialized: [rows], dtype: dtype, device: device)
        backend.layerNorm(self, weight: weight, bias: bias, epsilon: epsilon, into: out, mean: mean, rstd: rstd)

        let x = detached(), w = weight?.detached()
        let inputs = [self] + [weight, bias].compactMap { $0 }
        return Tensor.record(out, "layerNorm", inputs) { g in
            let dx = Tensor(uninitialized: x.shape, dtype: x.dtype, device: x.device)
            let dw = Tensor(uninitialized: [n], dtype: x.dtype, device: x.device)
            let db = Tensor(uninitialized: [n], dtype: x.dtype, device: x.device)
            x.backend.layerNormBackward(gradient: g, input: x, weight: w, mean: mean, rstd: rstd,
                                        into: dx, weightGradient: dw, biasGradient: db)
            var grads: [Tensor?] = [dx]
            if weight != nil { grads.append(dw) }
            if bias != nil { grads.append(db) }
            return grads
        }
    }
}
