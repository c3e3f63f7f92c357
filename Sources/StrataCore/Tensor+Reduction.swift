enum ReductionKind { case sum, max, min }

enum ReductionKernels {
    /// Reduces the middle axis of an `[outer, n, inner]` view into `out[outer, inner]`.
    static func reduce<T: FloatScalar>(_ kind: ReductionKind, _ x: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>,
                                       outer: Int, n: Int, inner: Int) {
        if inner == 1 {
            if outer == 1 && kind == .sum && n > Parallel.elementwiseGrain {
                // One long row: partial sums per chunk, combined in Double.
                let chunks = Parallel.threadCount
                var partial = [Double](repeating: 0, count: chunks)
                partial.withUnsafeMutableBufferPointer { p in
                    let per = (n + chunks - 1) / chunks
                    Parallel.forEachChunk(chunks, grain: 1) { r in
                        for c in r {
                            let lo = c * per, hi = Swift.min(n, lo + per)
                            if lo < hi { p[c] = rowSum(x + lo, hi - lo) }
                        }
                    }
                }
                out[0] = T(partial.reduce(0, +))
                return
            }
            Parallel.forEachChunk(outer, grain: Swift.max(1, Parallel.elementwiseGrain / Swift.max(n, 1))) { r in
                for o in r {
                    let row = x + o * n
                    switch kind {
                    case .sum: out[o] = T(rowSum(row, n))
                    case .max: var m = row[0]; for j in 1..<n where row[j] > m { m = row[j] }; out[o] = m
                    case .min: var m = row[0]; for j in 1..<n where row[j] < m { m = row[j] }; out[o] = m
                    }
                }
            }
            return
        }
        // inner > 1: accumulate whole rows, vectorised along inner.
        let work = { (o: Int, cols: Range<Int>) in
            let dst = out + o * inner
            let base = x + o * n * inner
            for c in cols { dst[c] = base[c] }
            for j in 1..<Swift.max(n, 1) {
                let src = base + j * inner
                switch kind {
                case .sum: for c in cols { dst[c] += src[c] }
                case .max: for c in cols where src[c] > dst[c] { dst[c] = src[c] }
                case .min: for c in cols where src[c] < dst[c] { dst[c] = src[c] }
                }
            }
            if n == 0 { for c in cols { dst[c] = 0 } }
        }
        if outer >= Parallel.threadCount || inner < 1024 {
            Parallel.forEachChunk(outer, grain: Swift.max(1, Parallel.elementwiseGrain / Swift.max(n * inner, 1))) { r in
                for o in r { work(o, 0..<inner) }
            }
        } else {
            for o in 0..<outer {
                Parallel.forEachChunk(inner, grain: Swift.max(256, Parallel.elementwiseGrain / Swift.max(n, 1))) { cols in work(o, cols) }
            }
        }
    }

    /// Sum of a contiguous row: Float blocks of 1024 with 8 accumulators, blocks added in Double.
    @inline(__always)
    static func rowSum<T: FloatScalar>(_ p: UnsafePointer<T>, _ n: Int) -> Double {
        var total = 0.0
        var start = 0
        while start < n {
            let end = Swift.min(n, start + 1024)
            var a0 = T.zero, a1 = T.zero, a2 = T.zero, a3 = T.zero
            var a4 = T.zero, a5 = T.zero, a6 = T.zero, a7 = T.zero
            var j = start
            while j + 8 <= end {
                a0 += p[j]; a1 += p[j + 1]; a2 += p[j + 2]; a3 += p[j + 3]
                a4 += p[j + 4]; a5 += p[j + 5]; a6 += p[j + 6]; a7 += p[j + 7]
                j += 8
            }
            while j < end { a0 += p[j]; j += 1 }
            total += Double(((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)))
            start = end
        }
        return total
    }
}

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
    func reduceForward(_ kind: ReductionKind, axes: [Int], op: String) -> Tensor {
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
            let out = Tensor(uninitialized: Shape(outDims), dtype: dtype)
            if current.dtype == .float32 {
                ReductionKernels.reduce(kind, current.pointer(Float.self), out.pointer(Float.self), outer: outer, n: n, inner: inner)
            } else {
                ReductionKernels.reduce(kind, current.pointer(Double.self), out.pointer(Double.self), outer: outer, n: n, inner: inner)
            }
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

    private func extremum(_ kind: ReductionKind, axes: [Int]?, keepDims: Bool) -> Tensor {
        let name = kind == .max ? "max" : "min"
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
        let out = Tensor(uninitialized: reducedShape([a], keepDims: keepDims), dtype: .int64)
        let po = out.pointer(Int64.self)
        func run<T: TensorScalar & Comparable>(_: T.Type) {
            let p = pointer(T.self)
            for o in 0..<outer {
                for i in 0..<inner {
                    var best = p[o * n * inner + i], bestJ = 0
                    for j in 1..<n {
                        let v = p[(o * n + j) * inner + i]
                        if largest ? v > best : v < best { best = v; bestJ = j }
                    }
                    po[o * inner + i] = Int64(bestJ)
                }
            }
        }
        switch dtype {
        case .float32: run(Float.self)
        case .float64: run(Double.self)
        case .int32: run(Int32.self)
        case .int64: run(Int64.self)
        default: return cast(to: .float32).argExtremum(axis: axis, keepDims: keepDims, largest: largest)
        }
        return out
    }
}
