/// The part of ``Backend`` for fused losses (softmax cross-entropy).
///
/// ```swift
/// let logits = Tensor([[1, 2, 3], [0, 0, 0]] as [[Float]]), targets = Tensor([2, 0] as [Int64])
/// let p = Tensor.empty([2, 3]), losses = Tensor.empty([2], dtype: .float64)
/// Device.cpu.backend.softmaxCrossEntropy(logits: logits, targets: targets, ignoreIndex: nil, labelSmoothing: 0,
///                                        probabilities: p, losses: losses)
/// ```
public protocol LossBackend {
    /// The softmax of each row of `logits` `[N, C]` (float) into `probabilities` `[N, C]`, and each
    /// row's cross-entropy against its class in `targets` `[N]` (int32/int64, each in 0..<C or
    /// `ignoreIndex`), mixed with the uniform distribution by `labelSmoothing`, into `losses`
    /// (float64 `[N]`; 0 for ignored rows).
    func softmaxCrossEntropy(logits: Tensor, targets: Tensor, ignoreIndex: Int?, labelSmoothing: Double,
                             probabilities: Tensor, losses: Tensor)
    /// The gradient with respect to the logits, `(p − smoothed one-hot target)·scale` row by row into
    /// `gradient` `[N, C]` (zero rows where ignored), where scale is `upstream[i] / divisor` for an
    /// `upstream` of shape `[N]` and `upstream / divisor` for a scalar one.
    func softmaxCrossEntropyBackward(upstream: Tensor, probabilities: Tensor, targets: Tensor, ignoreIndex: Int?,
                                     labelSmoothing: Double, divisor: Double, into gradient: Tensor)
}
