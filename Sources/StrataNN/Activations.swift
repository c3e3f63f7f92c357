import StrataCore

/// max(x, 0) as a layer.
public final class ReLU: Module {
    override public init() {}
    override public func callAsFunction(_ x: Tensor) -> Tensor { x.relu() }
}

/// Leaky ReLU as a layer.
public final class LeakyReLU: Module {
    /// The slope applied to negative inputs: y = slope·x for x < 0 (PyTorch's `negative_slope`).
    public let slope: Double
    /// A leaky ReLU with the given negative slope (default 0.01, as in PyTorch).
    public init(slope: Double = 0.01) { self.slope = slope }
    override public func callAsFunction(_ x: Tensor) -> Tensor { x.leakyRelu(slope: slope) }
}

/// GELU as a layer (`approximate: true` for the tanh form).
public final class GELU: Module {
    /// Whether the tanh approximation of GELU is used instead of the exact erf form.
    public let approximate: Bool
    /// A GELU layer; the exact form by default, the tanh form with `approximate: true`.
    public init(approximate: Bool = false) { self.approximate = approximate }
    override public func callAsFunction(_ x: Tensor) -> Tensor { x.gelu(approximate: approximate) }
}

/// tanh as a layer.
public final class Tanh: Module {
    override public init() {}
    override public func callAsFunction(_ x: Tensor) -> Tensor { x.tanh() }
}

/// Logistic sigmoid as a layer.
public final class Sigmoid: Module {
    override public init() {}
    override public func callAsFunction(_ x: Tensor) -> Tensor { x.sigmoid() }
}

/// SiLU (swish) as a layer.
public final class SiLU: Module {
    override public init() {}
    override public func callAsFunction(_ x: Tensor) -> Tensor { x.silu() }
}

/// Softmax over an axis as a layer.
///
/// ```swift
/// let probs = Softmax(axis: -1)(logits)
/// ```
public final class Softmax: Module {
    /// The axis the softmax normalises over (negative values count from the end).
    public let axis: Int
    /// A softmax layer over `axis` (default -1, the last axis).
    public init(axis: Int = -1) { self.axis = axis }
    override public func callAsFunction(_ x: Tensor) -> Tensor { x.softmax(axis: axis) }
}
