extension CPUBackend {
    public func softmax(_ x: Tensor, outer: Int, n: Int, inner: Int, log: Bool, into y: Tensor) {
        func run<T: FloatScalar>(_: T.Type) {
            SoftmaxKernels.forward(x.pointer(T.self), y.pointer(T.self), outer: outer, n: n, inner: inner, log: log)
        }
        x.dtype.dispatchFloat(log ? "logSoftmax" : "softmax", float32: { run(Float.self) }, float64: { run(Double.self) })
    }

    public func softmaxBackward(gradient g: Tensor, output y: Tensor, outer: Int, n: Int, inner: Int, log: Bool, into dx: Tensor) {
        func run<T: FloatScalar>(_: T.Type) {
            SoftmaxKernels.backward(g.pointer(T.self), y.pointer(T.self), dx.pointer(T.self), outer: outer, n: n, inner: inner, log: log)
        }
        y.dtype.dispatchFloat(log ? "logSoftmax" : "softmax", float32: { run(Float.self) }, float64: { run(Double.self) })
    }

    public func layerNorm(_ x: Tensor, weight: Tensor?, bias: Tensor?, epsilon: Double, into y: Tensor, mean: Tensor, rstd: Tensor) {
        let n = x.shape[x.rank - 1], rows = x.count / Swift.max(n, 1)
        func run<T: FloatScalar>(_: T.Type) {
            LayerNormKernels.forward(x.pointer(T.self), weight?.pointer(T.self), bias?.pointer(T.self), y.pointer(T.self),
                                     mean: mean.pointer(T.self), rstd: rstd.pointer(T.self), rows: rows, n: n, epsilon: T(epsilon))
        }
        x.dtype.dispatchFloat("layerNorm", float32: { run(Float.self) }, float64: { run(Double.self) })
    }

    public func layerNormBackward(gradient g: Tensor, input x: Tensor, weight: Tensor?, mean: Tensor, rstd: Tensor,
                                  into dx: Tensor, weightGradient dWeight: Tensor, biasGradient dBias: Tensor) {
        let n = x.shape[x.rank - 1], rows = x.count / Swift.max(n, 1)
        func run<T: FloatScalar>(_: T.Type) {
            LayerNormKernels.backward(g.pointer(T.self), x.pointer(T.self), weight?.pointer(T.self),
                                      mean: mean.pointer(T.self), rstd: rstd.pointer(T.self),
                                      dx: dx.pointer(T.self), dw: dWeight.pointer(T.self), db: dBias.pointer(T.self), rows: rows, n: n)
        }
        x.dtype.dispatchFloat("layerNorm", float32: { run(Float.self) }, float64: { run(Double.self) })
    }
}
