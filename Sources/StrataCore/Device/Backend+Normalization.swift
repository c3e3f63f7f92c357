/// The part of Backend for softmax, log-softmax and layer normalisation, forward and backward.
public protocol NormalizationBackend {
    /// y = softmax (or log-softmax when `log`) of `x` along the middle axis of its
    /// `[outer, n, inner]` view; `y` has x's shape and float dtype.
    func softmax(_ x: Tensor, outer: Int, n: Int, inner: Int, log: Bool, into y: Tensor)
    /// dx from the gradient `g` of the forward's output `y` (all three of one shape):
    /// y (g - Σ g y) for softmax, g - e^y Σ g for log-softmax, sums along the middle axis.
    func softmaxBackward(gradient g: Tensor, output y: Tensor, outer: Int, n: Int, inner: Int, log: Bool, into dx: Tensor)
    /// y = (x - mean) · rstd · weight + bias over the last axis of `x` ([rows, n] viewed; weight and
    /// bias `[n]` or nil), saving each row's `mean` and `rstd` (`[rows]`) for the backward pass.
    func layerNorm(_ x: Tensor, weight: Tensor?, bias: Tensor?, epsilon: Double, into y: Tensor, mean: Tensor, rstd: Tensor)
    /// The layer norm's gradients from the output's gradient `g` (x's shape): dx (x's shape),
    /// dWeight and dBias (`[n]`, sums over rows; written even when weight is nil).
    func layerNormBackward(gradient g: Tensor, input x: Tensor, weight: Tensor?, mean: Tensor, rstd: Tensor,
                           into dx: Tensor, weightGradient dWeight: Tensor, biasGradient dBias: Tensor)
}
