extension Tensor {
    /// A tensor filled with `value`.
    ///
    /// ```swift
    /// let t = Tensor.full([2, 2], value: 7)   // float32 sevens
    /// ```
    public static func full(_ shape: Shape, value: Double, dtype: DType = .float32, device: Device = .cpu,
                            requiresGrad: Bool = false) -> Tensor {
        let out = Tensor(uninitialized: shape, dtype: dtype, device: device)
        out.backend.fill(out, with: value)
        out.requiresGrad = requiresGrad
        return out
    }

    /// A tensor of zeros.
    ///
    /// ```swift
    /// let b = Tensor.zeros([10], requiresGrad: true)
    /// ```
    public static func zeros(_ shape: Shape, dtype: DType = .float32, device: Device = .cpu,
                             requiresGrad: Bool = false) -> Tensor {
        let out = Tensor(shape: shape, dtype: dtype,
                         storage: device.backend.allocate(byteCount: shape.elementCount * dtype.byteSize, zeroed: true))
        out.requiresGrad = requiresGrad
        return out
    }

    /// A tensor of ones.
    public static func ones(_ shape: Shape, dtype: DType = .float32, device: Device = .cpu, requiresGrad: Bool = false) -> Tensor {
        full(shape, value: 1, dtype: dtype, device: device, requiresGrad: requiresGrad)
    }

    /// Zeros with the shape, dtype and device of `other`.
    public static func zeros(like other: Tensor) -> Tensor { zeros(other.shape, dtype: other.dtype, device: other.device) }

    /// Values from `start` up to (not including) `end` in steps of `step`.
    ///
    /// ```swift
    /// Tensor.arange(0, 5)                    // [0, 1, 2, 3, 4] float32
    /// Tensor.arange(0, 10, step: 3, dtype: .int64)   // [0, 3, 6, 9]
    /// ```
    public static func arange(_ start: Double, _ end: Double, step: Double = 1, dtype: DType = .float32) -> Tensor {
        ensure(step != 0, "arange: step must not be zero")
        let n = Swift.max(0, Int(((end - start) / step).rounded(.up)))
        return (0..<n).map { start + Double($0) * step }.asTensor(shape: [n], dtype: dtype)
    }

    /// `count` evenly spaced values from `start` to `end`, both included.
    ///
    /// ```swift
    /// Tensor.linspace(0, 1, count: 5)   // [0, 0.25, 0.5, 0.75, 1]
    /// ```
    public static func linspace(_ start: Double, _ end: Double, count: Int, dtype: DType = .float32) -> Tensor {
        ensure(count >= 0, "linspace: count must be >= 0, got \(count)")
        let step = count > 1 ? (end - start) / Double(count - 1) : 0
        return (0..<count).map { i in i == count - 1 && count > 1 ? end : start + Double(i) * step }.asTensor(shape: [count], dtype: dtype)
    }

    /// An identity matrix with `n` rows and `m` columns (default square).
    ///
    /// ```swift
    /// Tensor.eye(3)   // 3x3 identity
    /// ```
    public static func eye(_ n: Int, _ m: Int? = nil, dtype: DType = .float32) -> Tensor {
        let m = m ?? n
        var v = [Double](repeating: 0, count: n * m)
        for i in 0..<Swift.min(n, m) { v[i * m + i] = 1 }
        return v.asTensor(shape: [n, m], dtype: dtype)
    }
}

extension Array where Element == Double {
    /// Builds a tensor of any dtype from Double values.
    func asTensor(shape: Shape, dtype: DType) -> Tensor {
        Tensor(self, shape: shape).cast(to: dtype)
    }
}

// MARK: - Casting

extension Tensor {
    /// A copy converted to `dtype` (float16 is for storage; compute in float32).
    /// Casting between float32 and float64 is differentiable.
    ///
    /// ```swift
    /// let d = x.cast(to: .float64)
    /// let half = x.cast(to: .float16)   // 2 bytes per value
    /// ```
    public func cast(to target: DType) -> Tensor {
        if target == dtype { return self }
        let out = castValues(to: target)
        guard dtype.isFloatingPoint && target.isFloatingPoint else { return out }
        let source = dtype
        return Tensor.record(out, "cast", [self]) { g in [g.cast(to: source)] }
    }

    /// The values converted to `target`, not recorded.
    func castValues(to target: DType) -> Tensor {
        if target == dtype { return self }
        let out = Tensor(uninitialized: shape, dtype: target, device: device)
        backend.convert(self, into: out)
        guard dtype.isFloatingPoint && target.isFloatingPoint else { return out }
        let source = dtype
        return Tensor.record(out, "cast", [self]) { g in [g.cast(to: source)] }
    }
}
