/// The differentiable binary operations with numpy broadcasting.
enum BinaryOperation: String {
    case add, subtract, multiply, divide, pow, maximum, minimum
}

extension Tensor {
    /// Forward of a broadcasting binary op for float tensors (no recording).
    static func binaryForward(_ a: Tensor, _ b: Tensor, _ op: BinaryOperation) -> Tensor {
        a.requireFloat(op.rawValue)
        a.requireSameDType(b, op.rawValue)
        let outShape = a.shape == b.shape ? a.shape : broadcastShapes(a.shape, b.shape, op: op.rawValue)
        let out = Tensor(uninitialized: outShape, dtype: a.dtype)
        let plan = BroadcastPlan(a.shape, b.shape, out: outShape)
        func run<T: FloatScalar>(_: T.Type) {
            let pa = a.pointer(T.self), pb = b.pointer(T.self), po = out.pointer(T.self)
            switch op {
            case .add: BroadcastKernels.binary(plan, pa, pb, po) { $0 + $1 }
            case .subtract: BroadcastKernels.binary(plan, pa, pb, po) { $0 - $1 }
            case .multiply: BroadcastKernels.binary(plan, pa, pb, po) { $0 * $1 }
            case .divide: BroadcastKernels.binary(plan, pa, pb, po) { $0 / $1 }
            case .pow: BroadcastKernels.binary(plan, pa, pb, po) { T.pow($0, $1) }
            case .maximum: BroadcastKernels.binary(plan, pa, pb, po) { $0 >= $1 ? $0 : $1 }
            case .minimum: BroadcastKernels.binary(plan, pa, pb, po) { $0 <= $1 ? $0 : $1 }
            }
        }
        if a.dtype == .float32 { run(Float.self) } else { run(Double.self) }
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
    enum Comparison { case eq, ne, lt, le, gt, ge }

    static func compare(_ a: Tensor, _ b: Tensor, _ c: Comparison) -> Tensor {
        if a.dtype != b.dtype {
            let t = DType.promoted(a.dtype, b.dtype)
            return compare(a.castValues(to: t), b.castValues(to: t), c)
        }
        let outShape = a.shape == b.shape ? a.shape : broadcastShapes(a.shape, b.shape, op: "comparison")
        let out = Tensor(uninitialized: outShape, dtype: .bool)
        let plan = BroadcastPlan(a.shape, b.shape, out: outShape)
        func run<T: TensorScalar & Comparable>(_: T.Type) {
            let pa = a.pointer(T.self), pb = b.pointer(T.self), po = out.pointer(Bool.self)
            switch c {
            case .eq: BroadcastKernels.binary(plan, pa, pb, po) { $0 == $1 }
            case .ne: BroadcastKernels.binary(plan, pa, pb, po) { $0 != $1 }
            case .lt: BroadcastKernels.binary(plan, pa, pb, po) { $0 < $1 }
            case .le: BroadcastKernels.binary(plan, pa, pb, po) { $0 <= $1 }
            case .gt: BroadcastKernels.binary(plan, pa, pb, po) { $0 > $1 }
            case .ge: BroadcastKernels.binary(plan, pa, pb, po) { $0 >= $1 }
            }
        }
        switch a.dtype {
        case .float32: run(Float.self)
        case .float64: run(Double.self)
        case .int32: run(Int32.self)
        case .int64: run(Int64.self)
        case .bool: return compare(a.cast(to: .int32), b.cast(to: .int32), c)
        case .float16: return compare(a.cast(to: .float32), b.cast(to: .float32), c)
        }
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
    public static func .== (a: Tensor, b: Tensor) -> Tensor { compare(a, b, .eq) }
    public static func .!= (a: Tensor, b: Tensor) -> Tensor { compare(a, b, .ne) }
    public static func .< (a: Tensor, b: Tensor) -> Tensor { compare(a, b, .lt) }
    public static func .<= (a: Tensor, b: Tensor) -> Tensor { compare(a, b, .le) }
    public static func .> (a: Tensor, b: Tensor) -> Tensor { compare(a, b, .gt) }
    public static func .>= (a: Tensor, b: Tensor) -> Tensor { compare(a, b, .ge) }
    public static func .== (a: Tensor, b: Double) -> Tensor { compare(a, a.scalarLike(b), .eq) }
    public static func .!= (a: Tensor, b: Double) -> Tensor { compare(a, a.scalarLike(b), .ne) }
    public static func .< (a: Tensor, b: Double) -> Tensor { compare(a, a.scalarLike(b), .lt) }
    public static func .<= (a: Tensor, b: Double) -> Tensor { compare(a, a.scalarLike(b), .le) }
    public static func .> (a: Tensor, b: Double) -> Tensor { compare(a, a.scalarLike(b), .gt) }
    public static func .>= (a: Tensor, b: Double) -> Tensor { compare(a, a.scalarLike(b), .ge) }

    /// Elementwise logical and / or of Bool tensors, and logical not.
    public static func .&& (a: Tensor, b: Tensor) -> Tensor { logical(a, b) { $0 && $1 } }
    public static func .|| (a: Tensor, b: Tensor) -> Tensor { logical(a, b) { $0 || $1 } }
    public static prefix func .! (a: Tensor) -> Tensor { logical(a, a) { x, _ in !x } }

    private static func logical(_ a: Tensor, _ b: Tensor, _ f: (Bool, Bool) -> Bool) -> Tensor {
        ensure(a.dtype == .bool && b.dtype == .bool, "logical ops need Bool tensors, got \(a.dtype) and \(b.dtype)")
        let outShape = broadcastShapes(a.shape, b.shape, op: "logical")
        let out = Tensor(uninitialized: outShape, dtype: .bool)
        BroadcastKernels.binary(BroadcastPlan(a.shape, b.shape, out: outShape), a.pointer(Bool.self), b.pointer(Bool.self), out.pointer(Bool.self), f)
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
        let out = Tensor(uninitialized: target, dtype: dtype)
        let plan = BroadcastPlan(shape, shape, out: target)
        func run<T: TensorScalar>(_: T.Type) {
            let p = pointer(T.self)
            BroadcastKernels.binary(plan, p, p, out.pointer(T.self)) { x, _ in x }
        }
        switch dtype {
        case .float32: run(Float.self)
        case .float64: run(Double.self)
        case .float16: run(Float16.self)
        case .int32: run(Int32.self)
        case .int64: run(Int64.self)
        case .bool: run(Bool.self)
        }
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
        let out = Tensor(uninitialized: outShape, dtype: a.dtype)
        let n = out.count
        func run<T: TensorScalar>(_: T.Type) {
            let pc = c.pointer(Bool.self), pa = ea.pointer(T.self), pb = eb.pointer(T.self), po = out.pointer(T.self)
            for i in 0..<n { po[i] = pc[i] ? pa[i] : pb[i] }
        }
        switch a.dtype {
        case .float32: run(Float.self)
        case .float64: run(Double.self)
        case .float16: run(Float16.self)
        case .int32: run(Int32.self)
        case .int64: run(Int64.self)
        case .bool: run(Bool.self)
        }
        guard a.dtype.isFloatingPoint else { return out }
        return record(out, "where", [a, b]) { g in
            let zero = Tensor.zeros([], dtype: g.dtype)
            return [Tensor.where(c, g, zero).summed(toShape: a.shape), Tensor.where(c, zero, g).summed(toShape: b.shape)]
        }
    }
}
