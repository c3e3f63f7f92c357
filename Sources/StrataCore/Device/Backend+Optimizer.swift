/// The part of ``Backend`` for optimizer updates of parameters and their state.
///
/// Each requirement updates one parameter and its state buffers in place, from its gradient;
/// all tensors share the parameter's shape and float dtype. Hyper-parameters arrive as Doubles
/// and are rounded to the parameter's type inside the kernel, as the optimizers define them.
///
/// ```swift
/// Device.cpu.backend.adagradUpdate(p, gradient: g, sum: s, learningRate: 0.01, learningRateDecay: 0,
///                                  epsilon: 1e-10, weightDecay: 0, step: 1)
/// ```
public protocol OptimizerBackend {
    /// SGD (PyTorch's formulation): d = g + wd·p; with momentum μ > 0, b = d on the first step, else
    /// μ·b + (1 − dampening)·d, and d = d + μ·b (Nesterov) or b; then p −= lr·d.
    /// `momentumBuffer` is required when `momentum > 0`.
    func sgdUpdate(_ parameter: Tensor, gradient: Tensor, momentumBuffer: Tensor?, firstStep: Bool,
                   learningRate: Double, momentum: Double, dampening: Double, weightDecay: Double, nesterov: Bool)
    /// Adam with bias correction at `step` (1 on the first update): the moments `expAvg`, `expAvgSq`
    /// and the parameter in place; weight decay is L2 on the gradient, or decoupled (AdamW:
    /// p ← p·(1 − lr·wd)) when `decoupled`.
    func adamUpdate(_ parameter: Tensor, gradient: Tensor, expAvg: Tensor, expAvgSq: Tensor, learningRate: Double,
                    beta1: Double, beta2: Double, epsilon: Double, weightDecay: Double, decoupled: Bool, step: Int)
    /// RMSProp (PyTorch's formulation): `squareAvg` always, `gradAvg` when centred (non-nil), and
    /// `momentumBuffer` when `momentum > 0` (non-nil); weight decay is L2.
    func rmsPropUpdate(_ parameter: Tensor, gradient: Tensor, squareAvg: Tensor, gradAvg: Tensor?, momentumBuffer: Tensor?,
                       learningRate: Double, alpha: Double, epsilon: Double, weightDecay: Double, momentum: Double)
    /// Adagrad at `step` (1 on the first update): `sum` += g², p −= lr/(1 + (step − 1)·decay) · g / (√sum + ε);
    /// weight decay is L2.
    func adagradUpdate(_ parameter: Tensor, gradient: Tensor, sum: Tensor, learningRate: Double, learningRateDecay: Double,
                       epsilon: Double, weightDecay: Double, step: Int)
}
