extension Tensor {
    /// Applies an elementwise function on this tensor's backend and records its gradient.
    func apply(_ op: UnaryOperation) -> Tensor {
        requireFloat(op.name)
        let out = Tensor(uninitialized: shape, dtype: dtype, device: device)
        backend.unary(op, self, into: out)
        let x = self.detached(), y = out.detached()
        return Tensor.record(out, op.name, [self]) { g in
            let dx = Tensor(uninitialized: x.shape, dtype: x.dtype, device: x.device)
            x.backend.unaryBackward(op, gradient: g, input: x, output: y, into: dx)
            return [dx]
        }
    }
}

extension Tensor {
    /// Elementwise e^x.
    ///
    /// ```swift
    /// Tensor([0, 1] as [Float]).exp()   // [1, 2.7182817]
    /// ```
    public func exp() -> Tensor { apply(.exp) }
    /// Elementwise natural logarithm.
    public func log() -> Tensor { apply(.log) }
    /// Elementwise square root.
    public func sqrt() -> Tensor { apply(.sqrt) }
    /// Elementwise 1/√x.
    public func rsqrt() -> Tensor { apply(.rsqrt) }
    /// Elementwise |x| (gradient 0 at 0).
    public func abs() -> Tensor { apply(.abs) }
    /// Elementwise hyperbolic tangent.
    public func tanh() -> Tensor { apply(.tanh) }
    /// Elementwise logistic sigmoid 1 / (1 + e^-x).
    public func sigmoid() -> Tensor { apply(.sigmoid) }
    /// Elementwise max(x, 0).
    ///
    /// ```swift
    /// Tensor([-1, 2] as [Float]).relu()   // [0, 2]
    /// ```
    public func relu() -> Tensor { apply(.relu) }
    /// Elementwise x for x > 0, else slope·x.
    public func leakyRelu(slope: Double = 0.01) -> Tensor { apply(.leakyReLU(slope: slope)) }
    /// Elementwise GELU; `approximate: true` uses the tanh form (GPT-2), false the exact erf form (BERT).
    ///
    /// ```swift
    /// x.gelu()                      // tanh approximation
    /// x.gelu(approximate: false)    // exact
    /// ```
    public func gelu(approximate: Bool = true) -> Tensor {
        approximate ? apply(.geluTanh) : apply(.geluErf)
    }
    /// Elementwise x·sigmoid(x) (also called swish).
    public func silu() -> Tensor { apply(.silu) }
    /// Elementwise log(1 + e^x).
    public func softplus() -> Tensor { apply(.softplus) }
    /// Elementwise sine.
    public func sin() -> Tensor { apply(.sin) }
    /// Elementwise cosine.
    public func cos() -> Tensor { apply(.cos) }
    /// Elementwise x².
    public func square() -> Tensor { apply(.square) }
    /// Elementwise x^p for a constant p.
    ///
    /// ```swift
    /// x.pow(3)
    /// ```
    public func pow(_ p: Double) -> Tensor { p == 2 ? square() : apply(.power(p)) }
    /// Elementwise limit to [low, high]; the gradient is 1 inside the range and 0 outside.
    ///
    /// ```swift
    /// probs.clamp(min: 1e-7, max: 1 - 1e-7)
    /// ```
    public func clamp(min low: Double = -.infinity, max high: Double = .infinity) -> Tensor {
        ensure(low <= high, "clamp: min \(low) is greater than max \(high)")
        return apply(.clamp(low: low, high: high))
    }

    /// Elementwise negation.
    public static prefix func - (x: Tensor) -> Tensor { x.apply(.neg) }
    // With a Double scalar. An integer or Bool tensor is promoted as ``DType/promoted(_:_:)`` says:
    // a whole scalar keeps integers integral, a fractional one (or a division) gives float32.
    public static func + (x: Tensor, c: Double) -> Tensor { x.dtype.isFloatingPoint ? x.apply(.affine(scale: 1, shift: c)) : x + x.scalarTensor(c) }
    public static func + (c: Double, x: Tensor) -> Tensor { x.dtype.isFloatingPoint ? x.apply(.affine(scale: 1, shift: c)) : x.scalarTensor(c) + x }
    public static func - (x: Tensor, c: Double) -> Tensor { x.dtype.isFloatingPoint ? x.apply(.affine(scale: 1, shift: -c)) : x - x.scalarTensor(c) }
    public static func - (c: Double, x: Tensor) -> Tensor { x.dtype.isFloatingPoint ? x.apply(.affine(scale: -1, shift: c)) : x.scalarTensor(c) - x }
    public static func * (x: Tensor, c: Double) -> Tensor { x.dtype.isFloatingPoint ? x.apply(.affine(scale: c, shift: 0)) : x * x.scalarTensor(c) }
    public static func * (c: Double, x: Tensor) -> Tensor { x.dtype.isFloatingPoint ? x.apply(.affine(scale: c, shift: 0)) : x.scalarTensor(c) * x }
    public static func / (x: Tensor, c: Double) -> Tensor { x.dtype.isFloatingPoint ? x.apply(.affine(scale: 1 / c, shift: 0)) : x / x.scalarTensor(c) }
    public static func / (c: Double, x: Tensor) -> Tensor { x.dtype.isFloatingPoint ? x.apply(.scalarDivide(c)) : x.scalarTensor(c) / x }

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
