extension Tensor {
    /// The same values with another shape (one dimension may be -1 and is inferred). No copy.
    ///
    /// ```swift
    /// Tensor.arange(0, 6).reshaped([2, -1])   // shape [2, 3]
    /// ```
    public func reshaped(_ dims: [Int]) -> Tensor {
        let target = resolvedShape(dims)
        if target == shape { return self }
        let out = reshapedNoGrad(target)
        let source = shape
        return Tensor.record(out, "reshape", [self]) { g in [g.reshaped(source)] }
    }

    /// Reshape to a known shape.
    public func reshaped(_ newShape: Shape) -> Tensor { reshaped(newShape.dims) }

    /// Reshape with dims given inline.
    public func reshaped(_ dims: Int...) -> Tensor { reshaped(dims) }

    func resolvedShape(_ requested: [Int]) -> Shape {
        var dims = requested
        let unknown = dims.indices.filter { dims[$0] == -1 }
        ensure(unknown.count <= 1, "reshaped: only one dimension may be -1, got \(dims)")
        ensure(dims.allSatisfy { $0 >= -1 }, "reshaped: negative dimension in \(dims)")
        if let u = unknown.first {
            let known = dims.enumerated().filter { $0.offset != u }.reduce(1) { $0 * $1.element }
            ensure(known > 0 && count % known == 0, "reshaped: cannot reshape \(shape) (\(count) elements) into \(dims)")
            dims[u] = count / known
        }
        let target = Shape(dims)
        ensure(target.elementCount == count,
                     "reshaped: cannot reshape \(shape) (\(count) elements) into \(target) (\(target.elementCount) elements)")
        return target
    }

    /// Shares storage under a new shape, outside the graph.
    func reshapedNoGrad(_ s: Shape) -> Tensor { Tensor(shape: s, dtype: dtype, storage: storage) }

    /// Flattens axes `start...end` into one.
    ///
    /// ```swift
    /// images.flattened(from: 1)   // [N, C, H, W] -> [N, C*H*W]
    /// ```
    public func flattened(from start: Int = 0, through end: Int = -1) -> Tensor {
        guard rank > 0 else { return reshaped([1]) }
        let s = shape.axis(start, op: "flattened"), e = shape.axis(end, op: "flattened")
        ensure(s <= e, "flattened: start axis \(start) is after end axis \(end) for shape \(shape)")
        var dims = Array(shape.dims[..<s])
        dims.append(shape.dims[s...e].reduce(1, *))
        dims += shape.dims[(e + 1)...]
        return reshaped(Shape(dims))
    }

    /// Removes size-1 axes: the given one, or all of them.
    ///
    /// ```swift
    /// Tensor.zeros([3, 1, 4]).squeezed(axis: 1)   // [3, 4]
    /// ```
    public func squeezed(axis: Int? = nil) -> Tensor {
        if let axis {
            let a = shape.axis(axis, op: "squeezed")
            ensure(shape[a] == 1, "squeezed: axis \(axis) has size \(shape[a]) in shape \(shape), expected 1")
            var dims = shape.dims
            dims.remove(at: a)
            return reshaped(Shape(dims))
        }
        return reshaped(Shape(shape.dims.filter { $0 != 1 }))
    }

    /// Inserts a size-1 axis at `axis` (negative counts from the end of the result).
    ///
    /// ```swift
    /// Tensor.zeros([3, 4]).expanded(axis: 0)   // [1, 3, 4]
    /// ```
    public func expanded(axis: Int) -> Tensor {
        let a = axis < 0 ? axis + rank + 1 : axis
        ensure(a >= 0 && a <= rank, "expanded: axis \(axis) is out of range for shape \(shape)")
        var dims = shape.dims
        dims.insert(1, at: a)
        return reshaped(Shape(dims))
    }

    /// Reorders the axes: result axis i is input axis `order[i]`.
    ///
    /// ```swift
    /// images.permuted([0, 2, 3, 1])   // NCHW -> NHWC
    /// ```
    public func permuted(_ order: [Int]) -> Tensor {
        ensure(order.count == rank && Set(order.map { shape.axis($0, op: "permuted") }).count == rank,
                     "permuted: \(order) is not a permutation of the \(rank) axes of shape \(shape)")
        let perm = order.map { shape.axis($0, op: "permuted") }
        if perm == Array(0..<rank) { return self }
        let out = permutedNoGrad(perm)
        var inverse = [Int](repeating: 0, count: rank)
        for (i, p) in perm.enumerated() { inverse[p] = i }
        return Tensor.record(out, "permute", [self]) { g in [g.permuted(inverse)] }
    }

    /// Reorders the axes given inline.
    public func permuted(_ order: Int...) -> Tensor { permuted(order) }

    /// Swaps two axes (default: the last two, the matrix transpose).
    ///
    /// ```swift
    /// w.transposed()            // [out, in] -> [in, out]
    /// q.transposed(1, 2)        // [B, T, H, D] -> [B, H, T, D]
    /// ```
    public func transposed(_ a: Int = -2, _ b: Int = -1) -> Tensor {
        ensure(rank >= 2, "transposed: needs at least 2 axes, shape is \(shape)")
        var order = Array(0..<rank)
        order.swapAt(shape.axis(a, op: "transposed"), shape.axis(b, op: "transposed"))
        return permuted(order)
    }

    /// Copies into the permuted layout (outer rows, strided inner loop).
    func permutedNoGrad(_ perm: [Int]) -> Tensor {
        let outShape = Shape(perm.map { shape[$0] })
        let out = Tensor(uninitialized: outShape, dtype: dtype, device: device)
        backend.permute(self, order: perm, into: out)
        return out
    }
}
