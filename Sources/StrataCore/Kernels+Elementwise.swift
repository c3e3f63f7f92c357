/// A differentiable elementwise function: its value and its derivative side by side.
/// `derivative(x:y:)` receives the input and the already computed output.
protocol UnaryFunction {
    static var name: String { get }
    func forward<T: FloatScalar>(_ x: T) -> T
    func derivative<T: FloatScalar>(x: T, y: T) -> T
}

/// Elementwise kernels over contiguous buffers, split across cores for large tensors.
enum ElementwiseKernels {
    @inline(__always)
    static func map<T: FloatScalar, F: UnaryFunction>(_ f: F, _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ n: Int) {
        Parallel.forEachChunk(n, grain: Parallel.elementwiseGrain) { r in
            for i in r { y[i] = f.forward(x[i]) }
        }
    }

    /// dx[i] = g[i] * f'(x[i], y[i])
    @inline(__always)
    static func backward<T: FloatScalar, F: UnaryFunction>(_ f: F, _ g: UnsafePointer<T>, _ x: UnsafePointer<T>,
                                                          _ y: UnsafePointer<T>, _ dx: UnsafeMutablePointer<T>, _ n: Int) {
        Parallel.forEachChunk(n, grain: Parallel.elementwiseGrain) { r in
            for i in r { dx[i] = g[i] * f.derivative(x: x[i], y: y[i]) }
        }
    }
}

extension Tensor {
    /// Applies a unary function and records its gradient.
    func apply<F: UnaryFunction>(_ f: F) -> Tensor {
        requireFloat(F.name)
        let out = Tensor(uninitialized: shape, dtype: dtype)
        let n = count
        switch dtype {
        case .float32: ElementwiseKernels.map(f, pointer(Float.self), out.pointer(Float.self), n)
        default: ElementwiseKernels.map(f, pointer(Double.self), out.pointer(Double.self), n)
        }
        let x = self.detached(), y = out.detached()
        return Tensor.record(out, F.name, [self]) { g in
            let dx = Tensor(uninitialized: x.shape, dtype: x.dtype)
            switch x.dtype {
            case .float32: ElementwiseKernels.backward(f, g.pointer(Float.self), x.pointer(Float.self), y.pointer(Float.self), dx.pointer(Float.self), n)
            default: ElementwiseKernels.backward(f, g.pointer(Double.self), x.pointer(Double.self), y.pointer(Double.self), dx.pointer(Double.self), n)
            }
            return [dx]
        }
    }
}

// MARK: - The functions

struct NegFunction: UnaryFunction {
    static let name = "neg"
    @inline(__always) func forward<T: FloatScalar>(_ x: T) -> T { -x }
    @inline(__always) func derivative<T: FloatScalar>(x: T, y: T) -> T { -1 }
}

struct ExpFunction: UnaryFunction {
    static let name = "exp"
    @inline(__always) func forward<T: FloatScalar>(_ x: T) -> T { T.exp(x) }
    @inline(__always) func derivative<T: FloatScalar>(x: T, y: T) -> T { y }
}

struct LogFunction: UnaryFunction {
    static let name = "log"
    @inline(__always) func forward<T: FloatScalar>(_ x: T) -> T { T.log(x) }
    @inline(__always) func derivative<T: FloatScalar>(x: T, y: T) -> T { 1 / x }
}

struct SqrtFunction: UnaryFunction {
    static let name = "sqrt"
    @inline(__always) func forward<T: FloatScalar>(_ x: T) -> T { T.sqrt(x) }
    @inline(__always) func derivative<T: FloatScalar>(x: T, y: T) -> T { 1 / (2 * y) }
}

struct RsqrtFunction: UnaryFunction {
    static let name = "rsqrt"
    @inline(__always) func forward<T: FloatScalar>(_ x: T) -> T { 1 / T.sqrt(x) }
    @inline(__always) func derivative<T: FloatScalar>(x: T, y: T) -> T { -y * y * y / 2 }
}

struct AbsFunction: UnaryFunction {
    static let name = "abs"
    @inline(__always) func forward<T: FloatScalar>(_ x: T) -> T { x < 0 ? -x : x }
    @inline(__always) func derivative<T: FloatScalar>(x: T, y: T) -> T { x > 0 ? 1 : (x < 0 ? -1 : 0) }
}

struct TanhFunction: UnaryFunction {
    static let name = "tanh"
    @inline(__always) func forward<T: FloatScalar>(_ x: T) -> T { T.tanh(x) }
    @inline(__always) func derivative<T: FloatScalar>(x: T, y: T) -> T { 1 - y * y }
}

struct SigmoidFunction: UnaryFunction {
    static let name = "sigmoid"
    @inline(__always) func forward<T: FloatScalar>(_ x: T) -> T { 1 / (1 + T.exp(-x)) }
    @inline(__always) func derivative<T: FloatScalar>(x: T, y: T) -> T { y * (1 - y) }
}

struct ReLUFunction: UnaryFunction {
    static let name = "relu"
    @inline(__always) func forward<T: FloatScalar>(_ x: T) -> T { x > 0 ? x : 0 }
    @inline(__always) func derivative<T: FloatScalar>(x: T, y: T) -> T { x > 0 ? 1 : 0 }
}

struct LeakyReLUFunction: UnaryFunction {
    static let name = "leakyRelu"
    let slope: Double
    @inline(__always) func forward<T: FloatScalar>(_ x: T) -> T { x > 0 ? x : T(slope) * x }
    @inline(__always) func derivative<T: FloatScalar>(x: T, y: T) -> T { x > 0 ? 1 : T(slope) }
}

/// GELU, tanh approximation: 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³))).
struct GELUTanhFunction: UnaryFunction {
    static let name = "gelu(tanh)"
    @inline(__always) func forward<T: FloatScalar>(_ x: T) -> T {
        let c = T(0.7978845608028654)
        return T(0.5) * x * (1 + T.tanh(c * (x + T(0.044715) * x * x * x)))
    }
    @inline(__always) func derivative<T: FloatScalar>(x: T, y: T) -> T {
        let c = T(0.7978845608028654)
        let t = T.tanh(c * (x + T(0.044715) * x * x * x))
        return T(0.5) * (1 + t) + T(0.5) * x * (1 - t * t) * c * (1 + 3 * T(0.044715) * x * x)
    }
}

/// GELU, exact: x Φ(x) = 0.5 x (1 + erf(x / √2)).
struct GELUErfFunction: UnaryFunction {
    static let name = "gelu(erf)"
    @inline(__always) func forward<T: FloatScalar>(_ x: T) -> T { T(0.5) * x * (1 + T.erf(x * T(0.7071067811865476))) }
    @inline(__always) func derivative<T: FloatScalar>(x: T, y: T) -> T {
        let cdf = T(0.5) * (1 + T.erf(x * T(0.7071067811865476)))
        let pdf = T.exp(-T(0.5) * x * x) * T(0.3989422804014327)
        return cdf + x * pdf
    }
}

struct SiLUFunction: UnaryFunction {
    static let name = "silu"
    @inline(__always) func forward<T: FloatScalar>(_ x: T) -> T { x / (1 + T.exp(-x)) }
    @inline(__always) func derivative<T: FloatScalar>(x: T, y: T) -> T {
        let s = 1 / (1 + T.exp(-x))
        return s * (1 + x * (1 - s))
    }
}

struct SoftplusFunction: UnaryFunction {
    static let name = "softplus"
    @inline(__always) func forward<T: FloatScalar>(_ x: T) -> T { x > 20 ? x : (x < -20 ? T.exp(x) : T.log(1 + T.exp(x))) }
    @inline(__always) func derivative<T: FloatScalar>(x: T, y: T) -> T { 1 / (1 + T.exp(-x)) }
}

struct SinFunction: UnaryFunction {
    static let name = "sin"
    @inline(__always) func forward<T: FloatScalar>(_ x: T) -> T { T.sin(x) }
    @inline(__always) func derivative<T: FloatScalar>(x: T, y: T) -> T { T.cos(x) }
}

struct CosFunction: UnaryFunction {
    static let name = "cos"
    @inline(__always) func forward<T: FloatScalar>(_ x: T) -> T { T.cos(x) }
    @inline(__always) func derivative<T: FloatScalar>(x: T, y: T) -> T { -T.sin(x) }
}

struct SquareFunction: UnaryFunction {
    static let name = "square"
    @inline(__always) func forward<T: FloatScalar>(_ x: T) -> T { x * x }
    @inline(__always) func derivative<T: FloatScalar>(x: T, y: T) -> T { 2 * x }
}

/// x^p for a constant exponent p.
struct PowScalarFunction: UnaryFunction {
    static let name = "pow"
    let p: Double
    @inline(__always) func forward<T: FloatScalar>(_ x: T) -> T { T.pow(x, T(p)) }
    @inline(__always) func derivative<T: FloatScalar>(x: T, y: T) -> T { T(p) * T.pow(x, T(p - 1)) }
}

/// a * x + b for constants (scalar arithmetic with one tensor).
struct AffineFunction: UnaryFunction {
    static let name = "affine"
    let scale: Double, shift: Double
    @inline(__always) func forward<T: FloatScalar>(_ x: T) -> T { T(scale) * x + T(shift) }
    @inline(__always) func derivative<T: FloatScalar>(x: T, y: T) -> T { T(scale) }
}

/// c / x for a constant c.
struct ScalarDivideFunction: UnaryFunction {
    static let name = "scalarDivide"
    let c: Double
    @inline(__always) func forward<T: FloatScalar>(_ x: T) -> T { T(c) / x }
    @inline(__always) func derivative<T: FloatScalar>(x: T, y: T) -> T { -y / x }
}

struct ClampFunction: UnaryFunction {
    static let name = "clamp"
    let low: Double, high: Double
    @inline(__always) func forward<T: FloatScalar>(_ x: T) -> T { x < T(low) ? T(low) : (x > T(high) ? T(high) : x) }
    @inline(__always) func derivative<T: FloatScalar>(x: T, y: T) -> T { (x >= T(low) && x <= T(high)) ? 1 : 0 }
}

// MARK: - Public API

extension Tensor {
    /// Elementwise e^x.
    ///
    /// ```swift
    /// Tensor([0, 1] as [Float]).exp()   // [1, 2.7182817]
    /// ```
    public func exp() -> Tensor { apply(ExpFunction()) }
    /// Elementwise natural logarithm.
    public func log() -> Tensor { apply(LogFunction()) }
    /// Elementwise square root.
    public func sqrt() -> Tensor { apply(SqrtFunction()) }
    /// Elementwise 1/√x.
    public func rsqrt() -> Tensor { apply(RsqrtFunction()) }
    /// Elementwise |x| (gradient 0 at 0).
    public func abs() -> Tensor { apply(AbsFunction()) }
    /// Elementwise hyperbolic tangent.
    public func tanh() -> Tensor { apply(TanhFunction()) }
    /// Elementwise logistic sigmoid 1 / (1 + e^-x).
    public func sigmoid() -> Tensor { apply(SigmoidFunction()) }
    /// Elementwise max(x, 0).
    ///
    /// ```swift
    /// Tensor([-1, 2] as [Float]).relu()   // [0, 2]
    /// ```
    public func relu() -> Tensor { apply(ReLUFunction()) }
    /// Elementwise x for x > 0, else slope·x.
    public func leakyRelu(slope: Double = 0.01) -> Tensor { apply(LeakyReLUFunction(slope: slope)) }
    /// Elementwise GELU; `approximate: true` uses the tanh form (GPT-2), false the exact erf form (BERT).
    ///
    /// ```swift
    /// x.gelu()                      // tanh approximation
    /// x.gelu(approximate: false)    // exact
    /// ```
    public func gelu(approximate: Bool = true) -> Tensor {
        approximate ? apply(GELUTanhFunction()) : apply(GELUErfFunction())
    }
    /// Elementwise x·sigmoid(x) (also called swish).
    public func silu() -> Tensor { apply(SiLUFunction()) }
    /// Elementwise log(1 + e^x).
    public func softplus() -> Tensor { apply(SoftplusFunction()) }
    /// Elementwise sine.
    public func sin() -> Tensor { apply(SinFunction()) }
    /// Elementwise cosine.
    public func cos() -> Tensor { apply(CosFunction()) }
    /// Elementwise x².
    public func square() -> Tensor { apply(SquareFunction()) }
    /// Elementwise x^p for a constant p.
    ///
    /// ```swift
    /// x.pow(3)
    /// ```
    public func pow(_ p: Double) -> Tensor { p == 2 ? square() : apply(PowScalarFunction(p: p)) }
    /// Elementwise limit to [low, high]; the gradient is 1 inside the range and 0 outside.
    ///
    /// ```swift
    /// probs.clamp(min: 1e-7, max: 1 - 1e-7)
    /// ```
    public func clamp(min low: Double = -.infinity, max high: Double = .infinity) -> Tensor {
        ensure(low <= high, "clamp: min \(low) is greater than max \(high)")
        return apply(ClampFunction(low: low, high: high))
    }

    /// Elementwise negation.
    public static prefix func - (x: Tensor) -> Tensor { x.apply(NegFunction()) }
    // With a Double scalar. An integer or Bool tensor is promoted as ``DType/promoted(_:_:)`` says:
    // a whole scalar keeps integers integral, a fractional one (or a division) gives float32.
    public static func + (x: Tensor, c: Double) -> Tensor { x.dtype.isFloatingPoint ? x.apply(AffineFunction(scale: 1, shift: c)) : x + x.scalarTensor(c) }
    public static func + (c: Double, x: Tensor) -> Tensor { x.dtype.isFloatingPoint ? x.apply(AffineFunction(scale: 1, shift: c)) : x.scalarTensor(c) + x }
    public static func - (x: Tensor, c: Double) -> Tensor { x.dtype.isFloatingPoint ? x.apply(AffineFunction(scale: 1, shift: -c)) : x - x.scalarTensor(c) }
    public static func - (c: Double, x: Tensor) -> Tensor { x.dtype.isFloatingPoint ? x.apply(AffineFunction(scale: -1, shift: c)) : x.scalarTensor(c) - x }
    public static func * (x: Tensor, c: Double) -> Tensor { x.dtype.isFloatingPoint ? x.apply(AffineFunction(scale: c, shift: 0)) : x * x.scalarTensor(c) }
    public static func * (c: Double, x: Tensor) -> Tensor { x.dtype.isFloatingPoint ? x.apply(AffineFunction(scale: c, shift: 0)) : x.scalarTensor(c) * x }
    public static func / (x: Tensor, c: Double) -> Tensor { x.dtype.isFloatingPoint ? x.apply(AffineFunction(scale: 1 / c, shift: 0)) : x / x.scalarTensor(c) }
    public static func / (c: Double, x: Tensor) -> Tensor { x.dtype.isFloatingPoint ? x.apply(ScalarDivideFunction(c: c)) : x.scalarTensor(c) / x }

    // Float and Int scalars combine as Double ones do (`x * Float(0.5)`, `x + n`).
    public static func + (x: Tensor, c: Float) -> Tensor { x + Double(c) }
    public static func + (c: Float, x: Tensor) -> Tensor { Double(c) + x }
    public static func - (x: Tensor, c: Float) -> Tensor { x - Double(c) }
    public static func - (c: Float, x: Tensor) -> Tensor { Double(c) - x }
    public static func * (x: Tensor, c: Float) -> Tensor { x * Double(c) }
    public static func * (c: Float, x: Tensor) -> Tensor { Double(c) * x }
    public static func / (x: Tensor, c: Float) -> Tensor { x / Double(c) }
    public static func / (c: Float, x: Tensor) -> Tensor { Double(c) / x }
    public static func + (x: Tensor, c: Int) -> Tensor { x + Double(c) }
    public static func + (c: Int, x: Tensor) -> Tensor { Double(c) + x }
    public static func - (x: Tensor, c: Int) -> Tensor { x - Double(c) }
    public static func - (c: Int, x: Tensor) -> Tensor { Double(c) - x }
    public static func * (x: Tensor, c: Int) -> Tensor { x * Double(c) }
    public static func * (c: Int, x: Tensor) -> Tensor { Double(c) * x }
    public static func / (x: Tensor, c: Int) -> Tensor { x / Double(c) }
    public static func / (c: Int, x: Tensor) -> Tensor { Double(c) / x }

    /// `c` as a rank-0 tensor to combine with this integer or Bool tensor: int64 when whole, else float32.
    func scalarTensor(_ c: Double) -> Tensor {
        Tensor.full([], value: c, dtype: c == c.rounded() && Swift.abs(c) < 0x1p53 ? .int64 : .float32)
    }
}
