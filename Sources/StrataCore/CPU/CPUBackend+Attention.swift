extension CPUBackend {
    public func attentionSoftmax(_ scores: Tensor, mask: Tensor?, scale: Double, causal: Bool) {
        let tq = scores.shape[scores.rank - 2], tk = scores.shape[scores.rank - 1]
        let batches = scores.shape.dims.dropLast(2).reduce(1, *)
        func run<T: FloatScalar>(_: T.Type) {
            AttentionKernels.maskedSoftmax(scores.pointer(T.self), mask: mask?.pointer(Bool.self),
                                           batches: batches, tq: tq, tk: tk, scale: T(scale), causal: causal)
        }
        scores.dtype.dispatchFloat("scaledDotProductAttention", float32: { run(Float.self) }, float64: { run(Double.self) })
    }

    public func attentionSoftmaxBackward(_ dScores: Tensor, probabilities p: Tensor, scale: Double) {
        let tk = p.shape[p.rank - 1], rows = p.count / Swift.max(tk, 1)
        func run<T: FloatScalar>(_: T.Type) {
            AttentionKernels.softmaxBackward(dScores.pointer(T.self), p.pointer(T.self), rows: rows, tk: tk, scale: T(scale))
        }
        p.dtype.dispatchFloat("scaledDotProductAttention", float32: { run(Float.self) }, float64: { run(Double.self) })
    }

    public func splitHeads(_ x: Tensor, columnOffset offset: Int, into out: Tensor) {
        let (batch, heads, time, d) = (out.shape[0], out.shape[1], out.shape[2], out.shape[3])
        let rowWidth = x.shape[2]
        let size = x.dtype.byteSize, src = x.storage.raw, dst = out.storage.raw
        for bb in 0..<batch {
            for h in 0..<heads {
                for tt in 0..<time {
                    (dst + ((bb * heads + h) * time + tt) * d * size)
                        .copyMemory(from: src + ((bb * time + tt) * rowWidth + offset + h * d) * size, byteCount: d * size)
                }
            }
        }
    }

    public func mergeHeads(_ x: Tensor, into out: Tensor, columnOffset offset: Int) {
        let (batch, heads, time, d) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let rowWidth = out.shape[2]
        let size = x.dtype.byteSize, src = x.storage.raw, dst = out.storage.raw
        for bb in 0..<batch {
            for h in 0..<heads {
                for tt in 0..<time {
                    (dst + ((bb * time + tt) * rowWidth + offset + h * d) * size)
                        .copyMemory(from: src + ((bb * heads + h) * time + tt) * d * size, byteCount: d * size)
                }
            }
        }
    }
}
