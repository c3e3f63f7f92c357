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
        let buffers = momentum > 0 ? [state.buffer("momentum_buffer", like: parameter)] : []
        func run<T: FloatScalar>(_: T.Type) {
            let lr = T(settings.learningRate), mu = T(momentum), wd = T(settings.weightDecay), damp = T(dampening)
            elementwise(T.self, parameter, gradient, buffers) { p, g, b, n in
                for i in 0..<n {
                    var d = g[i] + wd * p[i]
                    if mu > 0 {
                        b[0][i] = first ? d : mu * b[0][i] + (1 - damp) * d
                        d = nesterov ? d + mu * b[0][i] : b[0][i]
                    }
                    p[i] -= lr * d
                }
            }
        }
        parameter.dtype == .float32 ? run(Float.self) : run(Double.self)
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
        let buffers = [state.buffer("exp_avg", like: parameter), state.buffer("exp_avg_sq", like: parameter)]
        let c1 = 1 - Foundation.pow(beta1, Double(step)), c2 = 1 - Foundation.pow(beta2, Double(step))
        let learningRate = settings.learningRate, weightDecay = settings.weightDecay, decoupled = Self.decouplesWeightDecay
        func run<T: FloatScalar & SIMDScalar>(_: T.Type) {
            let b1 = T(beta1), b2 = T(beta2), eps = T(epsilon), wd = T(weightDecay)
            let stepSize = T(learningRate / c1), invRootC2 = T(1 / Foundation.sqrt(c2))
            // Decoupled (AdamW): p ← p·(1 − lr·wd); coupled (Adam): g ← g + wd·p.
            let decay = decoupled ? T(1 - learningRate * weightDecay) : 1
            let l2 = decoupled ? 0 : wd
            elementwise(T.self, parameter, gradient, buffers) { p, g, b, n in
                let m = b[0], v = b[1]
                Parallel.forEachChunk(n, grain: 1 << 15) { range in
                    var i = range.lowerBound
                    // Eight lanes at a time (vector multiply, add, divide and square root) ...
                    while i + 8 <= range.upperBound {
                        var pv = SIMDLanes.load(p + i), mv = SIMDLanes.load(m + i), vv = SIMDLanes.load(v + i)
                        let gv = SIMDLanes.load(g + i) + l2 * pv
                        pv *= decay
                        mv = b1 * mv + (1 - b1) * gv
                        vv = b2 * vv + (1 - b2) * gv * gv
                        pv -= stepSize * mv / (vv.squareRoot() * invRootC2 + eps)
                        SIMDLanes.store(pv, p + i); SIMDLanes.store(mv, m + i); SIMDLanes.store(vv, v + i)
                        i += 8
                    }
                    // ... and the same update for the remainder.
                    while i < range.upperBound {
                        let gi = g[i] + l2 * p[i]
                        p[i] *= decay
                        m[i] = b1 * m[i] + (1 - b1) * gi
                        v[i] = b2 * v[i] + (1 - b2) * gi * gi
                        p[i] -= stepSize * m[i] / (v[i].squareRoot() * invRootC2 + eps)
                        i += 1
                    }
                }
            }
        }
        parameter.dtype == .float32 ? run(Float.self) : run(Double.self)
    }
}

/// Unaligned loads and stores of eight consecutive elements.
enum SIMDLanes {
    @inline(__always) static func load<T: SIMDScalar>(_ p: UnsafePointer<T>) -> SIMD8<T> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<T>.self)
    }
    @inline(__always) static func load<T: SIMDScalar>(_ p: UnsafeMutablePointer<T>) -> SIMD8<T> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<T>.self)
    }
    @inline(__always) static func store<T: SIMDScalar>(_ value: SIMD8<T>, _ p: UnsafeMutablePointer<T>) {
        UnsafeMutableRawPointer(p).storeBytes(of: value, as: SIMD8<T>.self)
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
        var buffers = [state.buffer("square_avg", like: parameter)]
        buffers.append(centered ? state.buffer("grad_avg", like: parameter) : buffers[0])
        buffers.append(momentum > 0 ? state.buffer("momentum_buffer", like: parameter) : buffers[0])
        func run<T: FloatScalar>(_: T.Type) {
            let a = T(alpha), eps = T(epsilon), wd = T(settings.weightDecay), mu = T(momentum), lr = T(settings.learningRate)
            let centered = self.centered, useMomentum = momentum > 0
            elementwise(T.self, parameter, gradient, buffers) { p, g, b, n in
                for i in 0..<n {
                    let gi = g[i] + wd * p[i]
                    b[0][i] = a * b[0][i] + (1 - a) * gi * gi
                    var avg = b[0][i]
                    if centered { b[1][i] = a * b[1][i] + (1 - a) * gi; avg -= b[1][i] * b[1][i] }
                    let denom = avg.squareRoot() + eps
                    if useMomentum { b[2][i] = mu * b[2][i] + gi / denom; p[i] -= lr * b[2][i] } else { p[i] -= lr * gi / denom }
                }
            }
        }
        parameter.dtype == .float32 ? run(Float.self) : run(Double.self)
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
        let buffers = [state.buffer("sum", like: parameter)]
        func run<T: FloatScalar>(_: T.Type) {
            let clr = T(settings.learningRate / (1 + Double(step - 1) * learningRateDecay)), eps = T(epsilon), wd = T(settings.weightDecay)
            elementwise(T.self, parameter, gradient, buffers) { p, g, b, n in
                for i in 0..<n {
                    let gi = g[i] + wd * p[i]
                    b[0][i] += gi * gi
                    p[i] -= clr * gi / (b[0][i].squareRoot() + eps)
                }
            }
        }
        parameter.dtype == .float32 ? run(Float.self) : run(Double.self)
    }
}
