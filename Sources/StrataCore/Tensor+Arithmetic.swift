extension Tensor {
    /// Forward of a broadcasting binary op for float tensors (no recording).
    static func binaryForward(_ a: Tensor, _ b: Tensor, _ op: BinaryOperation) -> Tensor {
        a.requireFloat(op.rawValue)
        a.requireSameDType(b, op.rawValue)
        let outShape = a.shape == b.shape ? a.shape : broadcastShapes(a.shape, b.shape, op: op.rawValue)
        a.requireSameDevice(b, op: op.rawValue)
        let out = Tensor(uninitialized: outShape, dtype: a.dtype, device: a.device)
        a.backend.binary(op, a, b, into: out)
        return out
    }

    /// A broadcasting binary op with its gradient; each input's gradient is summed back to its shape.
    static func binary(_ a: Tensor, _ b: Tensor, _ op: BinaryOperation) -> Tensor {
        if a.dtype != b.dtype || !a.dtype.isFloatingPoint { return promotedBinary(a, b, op) }
        let out = binaryForward(a, b, op)
        let x = a.detached(), y = b.detached(), z = out.detached()
        return record(out, op.rawValue, [a, b]) { g in
            let ga: Tensor?, gb: Tensor?
            switch op {
            case .add: ga = g; gb = g
            case .subtract: ga = g; gb = -g
            case .multiply: ga = g * y; gb = g * x
            case .divide: ga = g / y; gb = -(g * z / y)
            case .pow: ga = g * y * Tensor.binaryForward(x, y - 1, .pow); gb = g * z * x.log()
            case .maximum, .minimum:
                let pickA = (op == .maximum ? x .>= y : x .<= y).cast(to: g.dtype)
                ga = g * pickA; gb = g * (1 - pickA)
            }
            return [a.requiresGrad ? ga?.summed(toShape: a.shape) : nil,
                    b.requiresGrad ? gb?.summed(toShape: b.shape) : nil]
        }
    }

    /// Sums a broadcast gradient back to `target` (the inverse of broadcasting).
    ///
    /// ```swift
    /// Tensor.ones([4, 3]).summed(toShape: [3])   // [4, 4, 4]
    /// ```
    public func summed(toShape target: Shape) -> Tensor {
        if shape == target { return self }
        let lead = rank - target.rank
        ensure(lead >= 0, "summed(toShape:): cannot reduce \(shape) to the larger rank of \(target)")
        var axes = Array(0..<lead)
        for i in 0..<target.rank where target[i] == 1 && shape[lead + i] != 1 { axes.append(lead + i) }
        return sum(axes: axes, keepDims: true).reshaped(target)
    }

    public static func + (a: Tensor, b: Tensor) -> Tensor { binary(a, b, .add) }
    public static func - (a: Tensor, b: Tensor) -> Tensor { binary(a, b, .subtract) }
    public static func * (a: Tensor, b: Tensor) -> Tensor { binary(a, b, .multiply) }
    public static func / (a: Tensor, b: Tensor) -> Tensor { binary(a, b, .divide) }
    // Compound assignment. A leaf that requires gradients (a parameter) is updated in place and
    // off the tape, as PyTorch's `with torch.no_grad(): w -= lr * w.grad` does, so a hand-written
    // update changes the model's own parameter; any other tensor is rebound to the (recorded) result.
    //
    //     for var p in model.parameters() { p -= 0.1 * p.grad! }   // updates the model's parameters
    public static func += (a: inout Tensor, b: Tensor) { compound(&a, b, .add) }
    public static func -= (a: inout Tensor, b: Tensor) { compound(&a, b, .subtract) }
    public static func *= (a: inout Tensor, b: Tensor) { compound(&a, b, .multiply) }
    public static func /= (a: inout Tensor, b: Tensor) { compound(&a, b, .divide) }

    static func compound(_ a: inout Tensor, _ b: Tensor, _ op: BinaryOperation) {
        guard a.isLeaf && a.requiresGrad else { a = binary(a, b, op); return }
        let result = withoutGradients { binary(a, b, op) }
        ensure(result.shape == a.shape,
               "in-place \(op.rawValue) on a parameter of shape \(a.shape): the result would have shape \(result.shape)")
        a.assign(result)
    }

    /// Elementwise self^exponent with broadcasting (self must be positive where the exponent's gradient is needed).
    ///
    /// ```swift
    /// Tensor([2, 3] as [Float]).pow(Tensor([3, 2] as [Float]))   // [8, 9]
    /// ```
    public func pow(_ exponent: Tensor) -> Tensor { Tensor.binary(self, exponent, .pow) }

    /// Elementwise maximum with broadcasting (ties send the gradient to `self`).
    public func maximum(_ other: Tensor) -> Tensor { Tensor.binary(self, other, .maximum) }
    /// Elementwise minimum with broadcasting (ties send the gradient to `self`).
    public func minimum(_ other: Tensor) -> Tensor { Tensor.binary(self, other, .minimum) }
}

// MARK: - Comparisons and logic (not differentiable; results are Bool tensors)

infix operator .&& : LogicalConjunctionPrecedence
infix operator .|| : LogicalDisjunctionPrecedence

extension Tensor {
    static func compare(_ a: Tensor, _ b: Tensor, _ c: ComparisonOperation) -> Tensor {
        if a.dtype != b.dtype {
            let t = DType.promoted(a.dtype, b.dtype)
            return compare(a.castValues(to: t), b.castValues(to: t), c)
        }
        let outShape = a.shape == b.shape ? a.shape : broadcastShapes(a.shape, b.shape, op: "comparison")
        switch a.dtype {
        case .bool: return compare(a.cast(to: .int32), b.cast(to: .int32), c)
        case .float16: return compare(a.cast(to: .float32), b.cast(to: .float32), c)
        case .float32, .float64, .int32, .int64: break
        }
        a.requireSameDevice(b, op: "comparison")
        let out = Tensor(uninitialized: outShape, dtype: .bool, device: a.device)
        a.backend.compare(c, a, b, into: out)
        return out
    }

    /// A tensor of `value` with this tensor's dtype, for comparing with a scalar.
    func scalarLike(_ value: Double) -> Tensor { Tensor.full([], value: value, dtype: dtype) }

    /// Elementwise comparisons with broadcasting; each returns a Bool tensor.
    ///
    /// ```swift
    /// let mask = x .> 0          // Bool tensor
    /// let same = predictions .== labels
    /// ```
    public static func .== (a: Tensor, b: Tensor) -> Tensor { compare(a, b, .equal) }
    public static func .!= (a: Tensor, b: Tensor) -> Tensor { compare(a, b, .notEqual) }
    public static func .< (a: Tensor, b: Tensor) -> Tensor { compare(a, b, .less) }
    public static func .<= (a: Tensor, b: Tensor) -> Tensor { compare(a, b, .lessOrEqual) }
    public static func .> (a: Tensor, b: Tensor) -> Tensor { compare(a, b, .greater) }
    public static func .>= (a: Tensor, b: Tensor) -> Tensor { compare(a, b, .greaterOrEqual) }
    public static func .== (a: Tensor, b: Double) -> Tensor { compare(a, a.scalarLike(b), .equal) }
    public static func .!= (a: Tensor, b: Double) -> Tensor { compare(a, a.scalarLike(b), .notEqual) }
    public static func .< (a: Tensor, b: Double) -> Tensor { compare(a, a.scalarLike(b), .less) }
    public static func .<= (a: Tensor, b: Double) -> Tensor { compare(a, a.scalarLike(b), .lessOrEqual) }
    public static func .> (a: Tensor, b: Double) -> Tensor { compare(a, a.scalarLike(b), .greater) }
    public static func .>= (a: Tensor, b: Double) -> Tensor { compare(a, a.scalarLike(b), .greaterOrEqual) }

    /// Elementwise logical and / or of Bool tensors, and logical not.
    public static func .&& (a: Tensor, b: Tensor) -> Tensor { logical(.and, a, b) }
    public static func .|| (a: Tensor, b: Tensor) -> Tensor { logical(.or, a, b) }
    public static prefix func .! (a: Tensor) -> Tensor { logical(.not, a, a) }

    private static func logical(_ op: LogicalOperation, _ a: Tensor, _ b: Tensor) -> Tensor {
        ensure(a.dtype == .bool && b.dtype == .bool, "logical ops need Bool tensors, got \(a.dtype) and \(b.dtype)")
        a.requireSameDevice(b, op: "logical")
        let outShape = broadcastShapes(a.shape, b.shape, op: "logical")
        let out = Tensor(uninitialized: outShape, dtype: .bool, device: a.device)
        a.backend.logical(op, a, b, into: out)
        return out
    }
}

// MARK: - Broadcasting copies and selection

extension Tensor {
    /// Copies this tensor broadcast to `target` (numpy rules); the gradient sums back.
    ///
    /// ```swift
    /// Tensor([1, 2, 3] as [Float]).broadcasted(to: [2, 3])   // two copies of the row
    /// ```
    public func broadcasted(to target: Shape) -> Tensor {
        if shape == target { return self }
        ensure(broadcastShapes(shape, target, op: "broadcasted(to:)") == target,
                     "broadcasted(to:): shape \(shape) cannot be broadcast to \(target)")
        let out = Tensor(uninitialized: target, dtype: dtype, device: device)
        backend.broadcast(self, into: out)
        let source = shape
        return Tensor.record(out, "broadcast", [self]) { g in [g.summed(toShape: source)] }
    }

    /// Elementwise choice: `a` where `condition` is true, else `b`, all three broadcast together.
    /// The gradient of each branch is the output gradient where that branch was chosen.
    ///
    /// ```swift
    /// let y = Tensor.where(x .> 0, x, x * 0.1)   // leaky ReLU
    /// ```
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
        ensure(condition.dtype == .bool, "where: condition must be a Bool tensor, got \(condition.dtype)")
        a.requireSameDType(b, "where")
        let outShape = broadcastShapes(broadcastShapes(condition.shape, a.shape, op: "where"), b.shape, op: "where")
        let c = withoutGradients { condition.broadcasted(to: outShape) }
        let (ea, eb) = withoutGradients { (a.broadcasted(to: outShape), b.broadcasted(to: outShape)) }
        condition.requireSameDevice(a, b, op: "where")
        let out = Tensor(uninitialized: outShape, dtype: a.dtype, device: a.device)
        a.backend.select(c, ea, eb, into: out)
        guard a.dtype.isFloatingPoint else { return out }
        return record(out, "where", [a, b]) { g in
            let zero = Tensor.zeros([], dtype: g.dtype, device: g.device)
            return [Tensor.where(c, g, zero).summed(toShape: a.shape), Tensor.where(c, zero, g).summed(toShape: b.shape)]
        }
    }
}
