/// A differentiable function applied to every element (``ElementwiseBackend/unary(_:_:into:)``).
public enum UnaryOperation: Sendable, Equatable {
    case neg, exp, log, sqrt, rsqrt, abs, tanh, sigmoid, relu, square, sin, cos, silu, softplus
    /// x for x > 0, else slope·x.
    case leakyReLU(slope: Double)
    /// GELU, tanh approximation (GPT-2): 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³))).
    case geluTanh
    /// GELU, exact (BERT): x Φ(x).
    case geluErf
    /// x^p for a constant p.
    case power(Double)
    /// scale·x + shift (scalar arithmetic with one tensor).
    case affine(scale: Double, shift: Double)
    /// c / x.
    case scalarDivide(Double)
    /// x limited to [low, high].
    case clamp(low: Double, high: Double)
}

/// The differentiable binary operations with numpy broadcasting.
public enum BinaryOperation: String, Sendable {
    case add, subtract, multiply, divide, pow, maximum, minimum
}

/// Elementwise comparisons with broadcasting; their results are Bool tensors.
public enum ComparisonOperation: Sendable {
    case equal, notEqual, less, lessOrEqual, greater, greaterOrEqual
}

/// Logical operations on Bool tensors.
public enum LogicalOperation: Sendable {
    case and, or, not
}

/// The part of ``Backend`` for elementwise kernels.
public protocol ElementwiseBackend {
    /// y[i] = f(x[i]) (float32/float64; `y` has x's shape and dtype).
    func unary(_ op: UnaryOperation, _ x: Tensor, into y: Tensor)
    /// dx[i] = g[i]·f'(x[i]), given the forward's input `x` and output `y`.
    func unaryBackward(_ op: UnaryOperation, gradient g: Tensor, input x: Tensor, output y: Tensor, into dx: Tensor)
    /// out = a ∘ b with numpy broadcasting (a and b of one float dtype; `out` of the broadcast shape).
    func binary(_ op: BinaryOperation, _ a: Tensor, _ b: Tensor, into out: Tensor)
    /// out = a ⋚ b with broadcasting, for a and b of one dtype (float32, float64, int32 or int64); `out` is Bool.
    func compare(_ op: ComparisonOperation, _ a: Tensor, _ b: Tensor, into out: Tensor)
    /// out = a && b, a || b with broadcasting, or !a (`b` unused); all Bool.
    func logical(_ op: LogicalOperation, _ a: Tensor, _ b: Tensor, into out: Tensor)
    /// out = condition ? a : b, all four of one shape (a, b and out of one dtype, condition Bool).
    func select(_ condition: Tensor, _ a: Tensor, _ b: Tensor, into out: Tensor)
}
