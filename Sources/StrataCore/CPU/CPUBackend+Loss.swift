extension CPUBackend {
    public func softmaxCrossEntropy(logits: Tensor, targets: Tensor, ignoreIndex: Int?, labelSmoothing: Double,
                                    probabilities: Tensor, losses: Tensor) {
        let labels = targets.toArray(as: Int64.self).map(Int.init)
        let (n, c) = (logits.shape[0], logits.shape[1])
        logits.dtype.dispatchFloat("softmaxCrossEntropy",
            float32: { LossKernels.softmaxCrossEntropy(logits.pointer(Float.self), probabilities.pointer(Float.self),
                                                       losses.pointer(Double.self), n, c, labels, ignoreIndex, labelSmoothing) },
            float64: { LossKernels.softmaxCrossEntropy(logits.pointer(Double.self), probabilities.pointer(Double.self),
                                                       losses.pointer(Double.self), n, c, labels, ignoreIndex, labelSmoothing) })
    }

    public func softmaxCrossEntropyBackward(upstream: Tensor, probabilities: Tensor, targets: Tensor, ignoreIndex: Int?,
                                            labelSmoothing: Double, divisor: Double, into gradient: Tensor) {
        let labels = targets.toArray(as: Int64.self).map(Int.init)
        let (n, c) = (probabilities.shape[0], probabilities.shape[1])
        let scales = upstream.toArray(as: Double.self), perRow = upstream.rank == 1
        ensure(scales.count == (perRow ? n : 1), "softmaxCrossEntropyBackward: upstream \(upstream.shape) for \(n) rows")
        probabilities.dtype.dispatchFloat("softmaxCrossEntropyBackward",
            float32: { LossKernels.softmaxCrossEntropyBackward(probabilities.pointer(Float.self), gradient.pointer(Float.self), n, c, labels,
                                                               ignoreIndex, labelSmoothing, scales, perRow: perRow, divisor: divisor) },
            float64: { LossKernels.softmaxCrossEntropyBackward(probabilities.pointer(Double.self), gradient.pointer(Double.self), n, c, labels,
                                                               ignoreIndex, labelSmoothing, scales, perRow: perRow, divisor: divisor) })
    }
}
