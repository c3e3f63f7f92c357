extension CPUBackend {
    public func reduce(_ op: ReductionOperation, _ x: Tensor, outer: Int, n: Int, inner: Int, into out: Tensor) {
        func run<T: FloatScalar>(_: T.Type) {
            ReductionKernels.reduce(op, x.pointer(T.self), out.pointer(T.self), outer: outer, n: n, inner: inner)
        }
        x.dtype.dispatchFloat(op.name, float32: { run(Float.self) }, float64: { run(Double.self) })
    }

    public func argExtremum(_ x: Tensor, largest: Bool, outer: Int, n: Int, inner: Int, into out: Tensor) {
        func run<T: TensorScalar & Comparable>(_: T.Type) {
            ReductionKernels.argExtremum(x.pointer(T.self), out.pointer(Int64.self), outer: outer, n: n, inner: inner, largest: largest)
        }
        switch x.dtype {
        case .float32: run(Float.self)
        case .float64: run(Double.self)
        case .int32: run(Int32.self)
        case .int64: run(Int64.self)
        case .float16, .bool: ensureFailure("\(largest ? "argmax" : "argmin"): \(x.dtype) is compared after a cast to float32")
        }
    }
}
