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
        copyHeadRows(heads: out, matrix: x, columnOffset: offset, toHeads: true)
    }

    public func mergeHeads(_ x: Tensor, into out: Tensor, columnOffset offset: Int) {
        copyHeadRows(heads: x, matrix: out, columnOffset: offset, toHeads: false)
    }

    /// The row copies behind ``splitHeads`` and ``mergeHeads``: row (b, h, t) of `heads`
    /// (`[B, H, T, d]`) and columns `offset + h·d ..< offset + (h+1)·d` of row (b, t) of `matrix`
    /// (`[B, T, width]`), copied into `heads` when `toHeads`, out of it otherwise.
    private func copyHeadRows(heads: Tensor, matrix: Tensor, columnOffset offset: Int, toHeads: Bool) {
        let (batch, count, time, d) = (heads.shape[0], heads.shape[1], heads.shape[2], heads.shape[3])
        let rowWidth = matrix.shape[2], size = heads.dtype.byteSize
        let headBase = heads.storage.raw, matrixBase = matrix.storage.raw
        for bb in 0..<batch {
            for h in 0..<count {
                for tt in 0..<time {
                    let headRow = headBase + ((bb * count + h) * time + tt) * d * size
                    let matrixRow = matrixBase + ((bb * time + tt) * rowWidth + offset + h * d) * size
                    if toHeads {
                        headRow.copyMemory(from: matrixRow, byteCount: d * size)
                    } else {
                        matrixRow.copyMemory(from: headRow, byteCount: d * size)
                    }
                }
            }
        }
    }
}
