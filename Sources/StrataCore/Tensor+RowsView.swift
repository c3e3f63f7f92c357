extension Tensor {
    /// Rows `range` of the leading axis as a tensor that shares this one's memory, with no
    /// copy, as PyTorch's `x[a:b]` view does. Writes through either are seen by both, and the
    /// view keeps this tensor's memory alive. It is not recorded for autodiff: for a
    /// differentiable copy use `slice(axis: 0, start:end:)`. Meant for read-only batches of a
    /// large input, as `Trainer.predict` takes them.
    ///
    /// ```swift
    /// let x = Tensor.normal([60_000, 784])
    /// let batch = x.rows(1000..<2000)     // [1000, 784], no copy
    /// ```
    public func rows(_ range: Range<Int>) -> Tensor {
        ensure(rank >= 1 && range.lowerBound >= 0 && range.upperBound <= shape[0],
               "rows: \(range) is outside the \(rank >= 1 ? shape[0] : 0) rows of a tensor of shape \(shape)")
        let rowBytes = shape.dims.dropFirst().reduce(1, *) * dtype.byteSize
        let parent = storage
        let view = TensorStorage(device: parent.device, raw: parent.raw + range.lowerBound * rowBytes,
                                 byteCount: range.count * rowBytes, release: { _ in withExtendedLifetime(parent) {} })
        return Tensor(shape: Shape([range.count] + Array(shape.dims.dropFirst())), dtype: dtype, storage: view)
    }
}
