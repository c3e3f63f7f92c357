extension Tensor {
    /// Softmax along `axis` (numerically stable), a fused primitive with its own backward.
    ///
    /// ```swift
    /// let probs = logits.softmax(axis: -1)
    /// ```
    public func softmax(axis: Int = -1) -> Tensor { softmaxPrimitive(axis: axis, log: false) }

    /// log(softmax(x)) along `axis`, computed stably in one pass.
    ///
    /// ```swift
    /// let logProbs = logits.logSoftmax(axis: 1)
    /// ```
    public func logSoftmax(axis: Int = -1) -> Tensor { softmaxPrimitive(axis: axis, log: true) }

    private func softmaxPrimitive(axis: Int, log: Bool) -> Tensor {
        let name = log ? "logSoftmax" : "softmax"
        requireFloat(name)
        let a = shape.axis(axis, op: name)
        let (outer, n, inner) = shape.split(at: a)
        let out = Tensor(uninitialized: shape, dtype: dtype, device: device)
        backend.softmax(self, outer: outer, n: n, inner: inner, log: log, into: out)
        let y = out.detached()
        return Tensor.record(out, name, [self]) { g in
            let dx = Tensor(uninitialized: y.shape, dtype: y.dtype, device: y.device)
            y.backend.softmaxBackward(gradient: g, output: y, outer: outer, n: n, inner: inner, log: log, into: dx)
            return [dx]
        }
    }

    /// log Σ exp(x) along `axis`, stable.
    ///
    /// ```swift
    /// let lse = scores.logSumExp(axis: -1)
    /// ```
    public func logSumExp(axis: Int = -1, keepDims: Bool = false) -> Tensor {
        let m = withoutGradients { max(axes: [axis], keepDims: true) }
        let lse = (self - m).exp().sum(axes: [axis], keepDims: true).log() + m
        return keepDims ? lse : lse.squeezed(axis: axis)
    }
}
