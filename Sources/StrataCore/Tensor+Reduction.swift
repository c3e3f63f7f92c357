extension Tensor {
    /// Normalised, sorted, unique axes (all axes when nil).
    func normalizedAxes(_ axes: [Int]?, op: String) -> [Int] {
        guard let axes else { return Array(0..<rank) }
        return Array(Set(axes.map { shape.axis($0, op: op) })).sorted()
    }

    /// Output shape of a reduction over `axes`.
    func reducedShape(_ axes: [Int], keepDims: Bool) -> Shape {
        var dims: [Int] = []
        for i in 0..<rank {
            if axes.contains(i) { if keepDims { dims.append(1) } } else { dims.append(shape[i]) }
        }
        return Shape(dims)
    }

    /// Forward reduction without recording: consecutive reduced axes are merged into one pass.
    func reduceForward(_ kind: ReductionOperation, axes: [Int], op: String) -> Tensor {
        requireFloat(op)
        if kind != .sum {
            for a in axes { ensure(shape[a] > 0, "\(op): cannot reduce over empty axis \(a) of shape \(shape)") }
        }
        var current = self
        var remaining = axes
        while let last = remaining.popLast() {
            var first = last
            while let prev = remaining.last, prev == first - 1 { first = prev; remaining.removeLast() }
            let dims = current.shape.dims
            let outer = dims[..<first].reduce(1, *), n = dims[first...last].reduce(1, *), inner = dims[(last + 1)...].reduce(1, *)
            var outDims = dims
            for a in first...last { outDims[a] = 1 }
            let out = Tensor(uninitialized: Shape(outDims), dtype: dtype, device: device)
            current.backend.reduce(kind, current, outer: outer, n: n, inner: inner, into: out)
            current = out
        }
        return current
    }

    /// Sum over `axes` (all when nil), keeping reduced axes as size 1 when `keepDims`.
    ///
    /// ```swift
    /// let x = Tensor([[1, 2], [3, 4]] as [[Float]])
    /// x.sum()                              // 10
    /// x.sum(axes: [0])                     // [4, 6]
    /// x.sum(axes: [1], keepDims: true)     // [[3], [7]]
    /// ```
    public func sum(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        if !dtype.isFloatingPoint {
            // As PyTorch: the sum of Bool or integer values is int64 (exact below 2^53).
            return castValues(to: .float64).sum(axes: axes, keepDims: keepDims).castValues(to: .int64)
        }
        let ax = normalizedAxes(axes, op: "sum")
        let kept = reduceForward(.sum, axes: ax, op: "sum")
        let out = keepDims ? kept : kept.reshapedNoGrad(reducedShape(ax, keepDims: false))
        let inputShape = shape, keptShape = kept.shape
        return Tensor.record(out, "sum", [self]) { g in [g.reshaped(keptShape).broadcasted(to: inputShape)] }
    }

    /// Sum over one axis.
    public func sum(axis: Int, keepDims: Bool = false) -> Tensor { sum(axes: [axis], keepDims: keepDims) }

    /// Mean over `axes` (all when nil).
    ///
    /// ```swift
    /// x.mean(axes: [0])   // column means
    /// ```
    public func mean(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        // The mean of Bool or integer values is float32 (PyTorch asks for a cast first).
        if !dtype.isFloatingPoint { return castValues(to: .float32).mean(axes: axes, keepDims: keepDims) }
        let ax = normalizedAxes(axes, op: "mean")
        let n = ax.reduce(1) { $0 * shape[$1] }
        return sum(axes: ax, keepDims: keepDims) * (1.0 / Double(Swift.max(n, 1)))
    }

    /// Mean over one axis.
    public func mean(axis: Int, keepDims: Bool = false) -> Tensor { mean(axes: [axis], keepDims: keepDims) }

    /// Variance over `axes`; `unbiased` divides by n-1 (PyTorch's default), else by n.
    ///
    /// ```swift
    /// x.variance(axes: [1], unbiased: false)
    /// ```
    public func variance(axes: [Int]? = nil, keepDims: Bool = false, unbiased: Bool = true) -> Tensor {
        let ax = normalizedAxes(axes, op: "variance")
        let n = ax.reduce(1) { $0 * shape[$1] }
        let centered = self - mean(axes: ax, keepDims: true)
        let ss = centered.square().sum(axes: ax, keepDims: keepDims)
        return ss * (1.0 / Double(Swift.max(unbiased ? n - 1 : n, 1)))
    }

    /// Maximum over `axes`; the gradient is shared equally among tied maxima.
    ///
    /// ```swift
    /// logits.max(axes: [1], keepDims: true)
    /// ```
    public func max(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor { extremum(.max, axes: axes, keepDims: keepDims) }

    /// Minimum over `axes`; the gradient is shared equally among tied minima.
    public func min(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor { extremum(.min, axes: axes, keepDims: keepDims) }

    private func extremum(_ kind: ReductionOperation, axes: [Int]?, keepDims: Bool) -> Tensor {
        let name = kind.name
        let ax = normalizedAxes(axes, op: name)
        let kept = reduceForward(kind, axes: ax, op: name)
        let out = keepDims ? kept : kept.reshapedNoGrad(reducedShape(ax, keepDims: false))
        let x = detached()
        return Tensor.record(out, name, [self]) { g in
            let hits = (x .== kept).cast(to: x.dtype)
            let ties = hits.sum(axes: ax, keepDims: true)
            return [hits * (g.reshaped(kept.shape) / ties)]
        }
    }

    /// Index of the largest value along `axis` (int64; first index on ties).
    ///
    /// ```swift
    /// let predicted = logits.argmax(axis: 1)   // [batch] int64
    /// ```
    public func argmax(axis: Int, keepDims: Bool = false) -> Tensor { argExtremum(axis: axis, keepDims: keepDims, largest: true) }

    /// Index of the smallest value along `axis` (int64; first index on ties).
    public func argmin(axis: Int, keepDims: Bool = false) -> Tensor { argExtremum(axis: axis, keepDims: keepDims, largest: false) }

    private func argExtremum(axis: Int, keepDims: Bool, largest: Bool) -> Tensor {
        let a = shape.axis(axis, op: "argmax")
        ensure(shape[a] > 0, "argmax: axis \(a) of shape \(shape) is empty")
        let (outer, n, inner) = shape.split(at: a)
        if dtype == .float16 || dtype == .bool {
            return cast(to: .float32).argExtremum(axis: axis, keepDims: keepDims, largest: largest)
        }
        let out = Tensor(uninitialized: reducedShape([a], keepDims: keepDims), dtype: .int64, device: device)
        backend.argExtremum(self, largest: largest, outer: outer, n: n, inner: inner, into: out)
        return out
    }
}
