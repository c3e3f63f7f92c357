extension CPUBackend {
    public func broadcast(_ x: Tensor, into out: Tensor) {
        struct Broadcast: ScalarKernel {
            let x: Tensor, out: Tensor
            func run<T: TensorScalar>(_: T.Type) {
                let p = x.pointer(T.self)
                BroadcastKernels.binary(BroadcastPlan(x.shape, x.shape, out: out.shape), p, p, out.pointer(T.self)) { v, _ in v }
            }
        }
        x.dtype.dispatchAny(Broadcast(x: x, out: out))
    }
}
