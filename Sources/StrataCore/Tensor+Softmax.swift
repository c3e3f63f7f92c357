enum SoftmaxKernels {
    /// Softmax (or log-softmax) over the middle axis of an `[outer, n, inner]` view.
    static func forward<T: FloatScalar>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>,
                                        outer: Int, n: Int, inner: Int, log: Bool) {
        Parallel.forEachChunk(outer * inner, grain: Swift.max(1, 8192 / Swift.max(n, 1))) { r in
            for line in r {
                let o = line / inner, i = line % inner
                let base = o * n * inner + i
                var m = -T.infinity
                for j in 0..<n where x[base + j * inner] > m { m = x[base + j * inner] }
                if m == -T.infinity { m = 0 }
                var s = T.zero
                for j in 0..<n {
                    let e = T.exp(x[base + j * inner] - m)
                    y[base + j * inner] = e
                    s += e
                }
                if log {
                    let ls = T.log(s) + m
                    for j in 0..<n { y[base + j * inner] = x[base + j * inner] - ls }
                } else {
                    let inv = 1 / s
                    for j in 0..<n { y[base + j * inner] *= inv }
                }
            }
        }
    }

    /// softmax: dx = y (g - Σ g y);  log-softmax: dx = g - e^y Σ g.
    static func backward<T: FloatScalar>(_ g: UnsafePointer<T>, _ y: UnsafePointer<T>, _ dx: UnsafeMutablePointer<T>,
                                         outer: Int, n: Int, inner: Int, log: Bool) {
        Parallel.forEachChunk(outer * inner, grain: Swift.max(1, 8192 / Swift.max(n, 1))) { r in
            for line in r {
                let o = line / inner, i = line % inner
                let base = o * n * inner + i
                var s = T.zero
                if log {
                    for j in 0..<n { s += g[base + j * inner] }
                    for j in 0..<n { let k = base + j * inner; dx[k] = g[k] - T.exp(y[k]) * s }
                } else {
                    for j in 0..<n { let k = base + j * inner; s += g[k] * y[k] }
                    for j in 0..<n { let k = base + j * inner; dx[k] = y[k] * (g[k] - s) }
                }
            }
        }
    }
}

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
        let out = Tensor(uninitialized: shape, dtype: dtype)
        if dtype == .float32 {
            SoftmaxKernels.forward(pointer(Float.self), out.pointer(Float.self), outer: outer, n: n, inner: inner, log: log)
        } else {
            SoftmaxKernels.forward(pointer(Double.self), out.pointer(Double.self), outer: outer, n: n, inner: inner, log: log)
        }
        let y = out.detached()
        return Tensor.record(out, name, [self]) { g in
            let dx = Tensor(uninitialized: y.shape, dtype: y.dtype)
            if y.dtype == .float32 {
                SoftmaxKernels.backward(g.pointer(Float.self), y.pointer(Float.self), dx.pointer(Float.self), outer: outer, n: n, inner: inner, log: log)
            } else {
                SoftmaxKernels.backward(g.pointer(Double.self), y.pointer(Double.self), dx.pointer(Double.self), outer: outer, n: n, inner: inner, log: log)
            }
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
