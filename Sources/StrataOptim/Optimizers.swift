import Foundation
import StrataCore

/// Stochastic gradient descent with optional momentum, Nesterov momentum and L2 weight decay
/// (PyTorch's formulation: the first momentum buffer is the gradient itself).
///
/// ```swift
/// let sgd = SGD(model.parameters(), learningRate: 0.1, momentum: 0.9, nesterov: true)
/// ```
public final class SGD: Optimizer {
    /// The momentum factor (0: none), the dampening of the momentum, and whether Nesterov momentum
    /// is used (`weightDecay` is L2, added to the gradient).
    public let momentum: Double, dampening: Double, nesterov: Bool

    /// SGD over `parameters`; Nesterov momentum needs `momentum > 0` and `dampening == 0`.
    /// Defaults: no momentum, no dampening, no weight decay.
    public convenience init(_ parameters: [Tensor], learningRate: Double, momentum: Double = 0, dampening: Double = 0,
                            weightDecay: Double = 0, nesterov: Bool = false) {
        self.init(groups: [ParameterGroup(parameters)], learningRate: learningRate, momentum: momentum, dampening: dampening,
                  weightDecay: weightDecay, nesterov: nesterov)
    }

    /// SGD over parameter `groups` (each may override the learning rate and weight decay).
    public init(groups: [ParameterGroup], learningRate: Double, momentum: Double = 0, dampening: Double = 0,
                weightDecay: Double = 0, nesterov: Bool = false) {
        ensure(!nesterov || (momentum > 0 && dampening == 0), "SGD: Nesterov momentum needs momentum > 0 and no dampening")
        self.momentum = momentum; self.dampening = dampening; self.nesterov = nesterov
        super.init(groups: groups, learningRate: learningRate, weightDecay: weightDecay)
    }

    override public func update(_ parameter: Tensor, gradient: Tensor, state: inout ParameterState, step: Int, settings: UpdateSettings) {
        // The buffer starts as this parameter's first gradient, even when the optimizer has
        // already stepped other parameters (PyTorch: `if buf is None`).
        let first = state.buffers["momentum_buffer"] == nil
        let buffer = momentum > 0 ? state.buffer("momentum_buffer", like: parameter) : nil
        parameter.device.backend.sgdUpdate(parameter, gradient: gradient, momentumBuffer: buffer, firstStep: first,
                                           learningRate: settings.learningRate, momentum: momentum, dampening: dampening,
                                           weightDecay: settings.weightDecay, nesterov: nesterov)
    }
}

/// Adam (Kingma & Ba, 2015) with bias correction; `weightDecay` adds L2 to the gradient.
///
/// ```swift
/// let adam = Adam(model.parameters(), learningRate: 1e-3)
/// ```
public class Adam: Optimizer {
    /// The decay rates of the first and second moment estimates and the term added to the denominator
    /// for stability (`weightDecay` is L2 for Adam, decoupled for AdamW).
    public let beta1: Double, beta2: Double, epsilon: Double
    /// AdamW decouples weight decay from the gradient (Loshchilov & Hutter, 2019).
    class var decouplesWeightDecay: Bool { false }

    /// Adam over `parameters`; defaults as in PyTorch: learning rate 1e-3, betas (0.9, 0.999), epsilon
    /// 1e-8, no weight decay.
    public convenience init(_ parameters: [Tensor], learningRate: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
                            epsilon: Double = 1e-8, weightDecay: Double = 0) {
        self.init(groups: [ParameterGroup(parameters)], learningRate: learningRate, betas: betas, epsilon: epsilon, weightDecay: weightDecay)
    }

    /// Adam over parameter `groups` (each may override the learning rate and weight decay).
    public init(groups: [ParameterGroup], learningRate: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
                epsilon: Double = 1e-8, weightDecay: Double = 0) {
        (beta1, beta2) = betas
        self.epsilon = epsilon
        super.init(groups: groups, learningRate: learningRate, weightDecay: weightDecay)
    }

    override public func update(_ parameter: Tensor, gradient: Tensor, state: inout ParameterState, step: Int, settings: UpdateSettings) {
        let expAvg = state.buffer("exp_avg", like: parameter), expAvgSq = state.buffer("exp_avg_sq", like: parameter)
        parameter.device.backend.adamUpdate(parameter, gradient: gradient, expAvg: expAvg, expAvgSq: expAvgSq,
                                            learningRate: settings.learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
                                            weightDecay: settings.weightDecay, decoupled: Self.decouplesWeightDecay, step: step)
    }
}

/// Adam with decoupled weight decay (default 0.01, as in PyTorch).
///
/// ```swift
/// let opt = AdamW(model.parameters(), learningRate: 1e-3, betas: (0.9, 0.99), weightDecay: 0.1)
/// ```
public final class AdamW: Adam {
    override class var decouplesWeightDecay: Bool { true }

    /// AdamW over `parameters`; defaults as in PyTorch: learning rate 1e-3, betas (0.9, 0.999),
    /// epsilon 1e-8, weight decay 0.01.
    public convenience init(_ parameters: [Tensor], learningRate: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
                            epsilon: Double = 1e-8, weightDecay: Double = 0.01) {
        self.init(groups: [ParameterGroup(parameters)], learningRate: learningRate, betas: betas, epsilon: epsilon, weightDecay: weightDecay)
    }

    /// AdamW over parameter `groups` (each may override the learning rate and weight decay).
    override public init(groups: [ParameterGroup], learningRate: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
                         epsilon: Double = 1e-8, weightDecay: Double = 0.01) {
        super.init(groups: groups, learningRate: learningRate, betas: betas, epsilon: epsilon, weightDecay: weightDecay)
    }
}

/// RMSProp (Hinton) with optional momentum and centring, PyTorch's formulation.
///
/// ```swift
/// let opt = RMSProp(model.parameters(), learningRate: 1e-3)
/// ```
public final class RMSProp: Optimizer {
    /// The smoothing constant of the squared-gradient average, the term added to the denominator, the
    /// momentum factor (0: none), and whether the gradient average is subtracted (centred RMSProp);
    /// `weightDecay` is L2.
    public let alpha: Double, epsilon: Double, momentum: Double, centered: Bool

    /// RMSProp over `parameters`; defaults as in PyTorch: learning rate 1e-2, alpha 0.99, epsilon 1e-8,
    /// no weight decay, no momentum, not centred.
    public convenience init(_ parameters: [Tensor], learningRate: Double = 1e-2, alpha: Double = 0.99, epsilon: Double = 1e-8,
                            weightDecay: Double = 0, momentum: Double = 0, centered: Bool = false) {
        self.init(groups: [ParameterGroup(parameters)], learningRate: learningRate, alpha: alpha, epsilon: epsilon,
                  weightDecay: weightDecay, momentum: momentum, centered: centered)
    }

    /// RMSProp over parameter `groups` (each may override the learning rate and weight decay).
    public init(groups: [ParameterGroup], learningRate: Double = 1e-2, alpha: Double = 0.99, epsilon: Double = 1e-8,
                weightDecay: Double = 0, momentum: Double = 0, centered: Bool = false) {
        self.alpha = alpha; self.epsilon = epsilon; self.momentum = momentum; self.centered = centered
        super.init(groups: groups, learningRate: learningRate, weightDecay: weightDecay)
    }

    override public func update(_ parameter: Tensor, gradient: Tensor, state: inout ParameterState, step: Int, settings: UpdateSettings) {
        let squareAvg = state.buffer("square_avg", like: parameter)
        let gradAvg = centered ? state.buffer("grad_avg", like: parameter) : nil
        let momentumBuffer = momentum > 0 ? state.buffer("momentum_buffer", like: parameter) : nil
        parameter.device.backend.rmsPropUpdate(parameter, gradient: gradient, squareAvg: squareAvg, gradAvg: gradAvg,
                                               momentumBuffer: momentumBuffer, learningRate: settings.learningRate, alpha: alpha,
                                               epsilon: epsilon, weightDecay: settings.weightDecay, momentum: momentum)
    }
}

/// Adagrad (Duchi et al., 2011): per-element learning rates from the sum of squared gradients.
///
/// ```swift
/// let opt = Adagrad(model.parameters(), learningRate: 0.01)
/// ```
public final class Adagrad: Optimizer {
    /// The learning-rate decay (rate / (1 + (step - 1)·decay)) and the term added to the denominator;
    /// `weightDecay` is L2.
    public let learningRateDecay: Double, epsilon: Double

    /// Adagrad over `parameters`; defaults as in PyTorch: learning rate 1e-2, no learning-rate decay,
    /// epsilon 1e-10, no weight decay.
    public convenience init(_ parameters: [Tensor], learningRate: Double = 1e-2, learningRateDecay: Double = 0,
                            epsilon: Double = 1e-10, weightDecay: Double = 0) {
        self.init(groups: [ParameterGroup(parameters)], learningRate: learningRate, learningRateDecay: learningRateDecay,
                  epsilon: epsilon, weightDecay: weightDecay)
    }

    /// Adagrad over parameter `groups` (each may override the learning rate and weight decay).
    public init(groups: [ParameterGroup], learningRate: Double = 1e-2, learningRateDecay: Double = 0,
                epsilon: Double = 1e-10, weightDecay: Double = 0) {
        self.learningRateDecay = learningRateDecay; self.epsilon = epsilon
        super.init(groups: groups, learningRate: learningRate, weightDecay: weightDecay)
    }

    override public func update(_ parameter: Tensor, gradient: Tensor, state: inout ParameterState, step: Int, settings: UpdateSettings) {
        parameter.device.backend.adagradUpdate(parameter, gradient: gradient, sum: state.buffer("sum", like: parameter),
                                               learningRate: settings.learningRate, learningRateDecay: learningRateDecay,
                                               epsilon: epsilon, weightDecay: settings.weightDecay, step: step)
    }
}
