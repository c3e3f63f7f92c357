extension UnaryOperation {
    /// The name recorded on the tape and printed in errors.
    public var name: String {
        switch self {
        case .neg: return "neg"
        case .exp: return "exp"
        case .log: return "log"
        case .sqrt: return "sqrt"
        case .rsqrt: return "rsqrt"
        case .abs: return "abs"
        case .tanh: return "tanh"
        case .sigmoid: return "sigmoid"
        case .relu: return "relu"
        case .square: return "square"
        case .sin: return "sin"
        case .cos: return "cos"
        case .silu: return "silu"
        case .softplus: return "softplus"
        case .leakyReLU: return "leakyRelu"
        case .geluTanh: return "gelu(tanh)"
        case .geluErf: return "gelu(erf)"
        case .power: return "pow"
        case .affine: return "affine"
        case .scalarDivide: return "scalarDivide"
        case .clamp: return "clamp"
        }
    }

    /// Calls `visitor` with the CPU function of this operation (one switch for forward and backward).
    @inline(__always)
    func visit<V: UnaryFunctionVisitor>(_ visitor: V) {
        switch self {
        case .neg: visitor.visit(NegFunction())
        case .exp: visitor.visit(ExpFunction())
        case .log: visitor.visit(LogFunction())
        case .sqrt: visitor.visit(SqrtFunction())
        case .rsqrt: visitor.visit(RsqrtFunction())
        case .abs: visitor.visit(AbsFunction())
        case .tanh: visitor.visit(TanhFunction())
        case .sigmoid: visitor.visit(SigmoidFunction())
        case .relu: visitor.visit(ReLUFunction())
        case .square: visitor.visit(SquareFunction())
        case .sin: visitor.visit(SinFunction())
        case .cos: visitor.visit(CosFunction())
        case .silu: visitor.visit(SiLUFunction())
        case .softplus: visitor.visit(SoftplusFunction())
        case .leakyReLU(let slope): visitor.visit(LeakyReLUFunction(slope: slope))
        case .geluTanh: visitor.visit(GELUTanhFunction())
        case .geluErf: visitor.visit(GELUErfFunction())
        case .power(let p): visitor.visit(PowerFunction(p: p))
        case .affine(let scale, let shift): visitor.visit(AffineFunction(scale: scale, shift: shift))
        case .scalarDivide(let c): visitor.visit(ScalarDivideFunction(c: c))
        case .clamp(let low, let high): visitor.visit(ClampFunction(low: low, high: high))
        }
    }
}

/// Receives the CPU function of a ``UnaryOperation`` (see ``UnaryOperation/visit(_:)``).
protocol UnaryFunctionVisitor {
    func visit<F: UnaryFunction>(_ f: F)
}

extension CPUBackend {
    public func unary(_ op: UnaryOperation, _ x: Tensor, into y: Tensor) {
        struct Forward: UnaryFunctionVisitor {
            let x: Tensor, y: Tensor, name: String
            func visit<F: UnaryFunction>(_ f: F) {
                x.dtype.dispatchFloat(name,
                    float32: { ElementwiseKernels.mapFloat32(f, x.pointer(Float.self), y.pointer(Float.self), x.count) },
                    float64: { ElementwiseKernels.map(f, x.pointer(Double.self), y.pointer(Double.self), x.count) })
            }
        }
        op.visit(Forward(x: x, y: y, name: op.name))
    }

    public func unaryBackward(_ op: UnaryOperation, gradient g: Tensor, input x: Tensor, output y: Tensor, into dx: Tensor) {
        struct Backward: UnaryFunctionVisitor {
            let g: Tensor, x: Tensor, y: Tensor, dx: Tensor, name: String
            func visit<F: UnaryFunction>(_ f: F) {
                x.dtype.dispatchFloat(name,
                    float32: { ElementwiseKernels.backwardFloat32(f, g.pointer(Float.self), x.pointer(Float.self), y.pointer(Float.self), dx.pointer(Float.self), x.count) },
                    float64: { ElementwiseKernels.backward(f, g.pointer(Double.self), x.pointer(Double.self), y.pointer(Double.self), dx.pointer(Double.self), x.count) })
            }
        }
        op.visit(Backward(g: g, x: x, y: y, dx: dx, name: op.name))
    }

    public func binary(_ op: BinaryOperation, _ a: Tensor, _ b: Tensor, into out: Tensor) {
        let plan = BroadcastPlan(a.shape, b.shape, out: out.shape)
        func run<T: FloatScalar>(_: T.Type) {
            let pa = a.pointer(T.self), pb = b.pointer(T.self), po = out.pointer(T.self)
            switch op {
            case .add: BroadcastKernels.binary(plan, pa, pb, po, AddElements<T>())
            case .subtract: BroadcastKernels.binary(plan, pa, pb, po, SubtractElements<T>())
            case .multiply: BroadcastKernels.binary(plan, pa, pb, po, MultiplyElements<T>())
            case .divide: BroadcastKernels.binary(plan, pa, pb, po, DivideElements<T>())
            case .pow: BroadcastKernels.binary(plan, pa, pb, po) { T.pow($0, $1) }
            case .maximum: BroadcastKernels.binary(plan, pa, pb, po) { $0 >= $1 ? $0 : $1 }
            case .minimum: BroadcastKernels.binary(plan, pa, pb, po) { $0 <= $1 ? $0 : $1 }
            }
        }
        a.dtype.dispatchFloat(op.rawValue, float32: { run(Float.self) }, float64: { run(Double.self) })
    }

    public func compare(_ op: ComparisonOperation, _ a: Tensor, _ b: Tensor, into out: Tensor) {
        let plan = BroadcastPlan(a.shape, b.shape, out: out.shape)
        func run<T: TensorScalar & Comparable>(_: T.Type) {
            let pa = a.pointer(T.self), pb = b.pointer(T.self), po = out.pointer(Bool.self)
            switch op {
            case .equal: BroadcastKernels.binary(plan, pa, pb, po) { $0 == $1 }
            case .notEqual: BroadcastKernels.binary(plan, pa, pb, po) { $0 != $1 }
            case .less: BroadcastKernels.binary(plan, pa, pb, po) { $0 < $1 }
            case .lessOrEqual: BroadcastKernels.binary(plan, pa, pb, po) { $0 <= $1 }
            case .greater: BroadcastKernels.binary(plan, pa, pb, po) { $0 > $1 }
            case .greaterOrEqual: BroadcastKernels.binary(plan, pa, pb, po) { $0 >= $1 }
            }
        }
        switch a.dtype {
        case .float32: run(Float.self)
        case .float64: run(Double.self)
        case .int32: run(Int32.self)
        case .int64: run(Int64.self)
        case .float16, .bool: ensureFailure("compare: \(a.dtype) is compared after a cast to float32 or int32")
        }
    }

    public func logical(_ op: LogicalOperation, _ a: Tensor, _ b: Tensor, into out: Tensor) {
        let plan = BroadcastPlan(a.shape, b.shape, out: out.shape)
        let pa = a.pointer(Bool.self), pb = b.pointer(Bool.self), po = out.pointer(Bool.self)
        switch op {
        case .and: BroadcastKernels.binary(plan, pa, pb, po) { $0 && $1 }
        case .or: BroadcastKernels.binary(plan, pa, pb, po) { $0 || $1 }
        case .not: BroadcastKernels.binary(plan, pa, pb, po) { x, _ in !x }
        }
    }

    public func select(_ condition: Tensor, _ a: Tensor, _ b: Tensor, into out: Tensor) {
        struct Select: ScalarKernel {
            let c: Tensor, a: Tensor, b: Tensor, out: Tensor
            func run<T: TensorScalar>(_: T.Type) {
                let pc = c.pointer(Bool.self), pa = a.pointer(T.self), pb = b.pointer(T.self), po = out.pointer(T.self)
                for i in 0..<out.count { po[i] = pc[i] ? pa[i] : pb[i] }
            }
        }
        a.dtype.dispatchAny(Select(c: condition, a: a, b: b, out: out))
    }
}
