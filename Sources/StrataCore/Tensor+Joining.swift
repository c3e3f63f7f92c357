extension Tensor {
    /// Joins tensors along an existing axis; all other axes must match.
    ///
    /// ```swift
    /// Tensor.concatenated([a, b], axis: 0)   // [2, 3] + [4, 3] -> [6, 3]
    /// ```
    public static func concatenated(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
        ensure(!tensors.isEmpty, "concatenated: needs at least one tensor")
        let first = tensors[0]
        let a = first.shape.axis(axis, op: "concatenated")
        for (i, t) in tensors.enumerated() {
            first.requireSameDType(t, "concatenated")
            var d1 = first.shape.dims, d2 = t.shape.dims
            ensure(d1.count == d2.count, "concatenated: tensor \(i) has shape \(t.shape), tensor 0 has \(first.shape) (ranks differ)")
            d1[a] = 0; d2[a] = 0
            ensure(d1 == d2, "concatenated: tensor \(i) has shape \(t.shape), tensor 0 has \(first.shape); only axis \(a) may differ")
        }
        if tensors.count == 1 { return first }
        let sizes = tensors.map { $0.shape[a] }
        var dims = first.shape.dims
        dims[a] = sizes.reduce(0, +)
        let out = Tensor(uninitialized: Shape(dims), dtype: first.dtype, device: first.device)
        let (outer, total, inner) = out.shape.split(at: a)
        var offset = 0
        for (t, size) in zip(tensors, sizes) {
            first.requireSameDevice(t, op: "concatenated")
            out.backend.writeSlice(t, outer: outer, axisLength: total, inner: inner, start: offset, step: 1, taken: size, into: out)
            offset += size
        }
        return record(out, "concatenate", tensors) { g in
            var start = 0
            return sizes.map { size in
                defer { start += size }
                return g.slice(axis: a, start: start, end: start + size)
            }
        }
    }

    /// Joins tensors of equal shape along a new axis.
    ///
    /// ```swift
    /// Tensor.stacked([a, b, c], axis: 0)   // three [4] -> [3, 4]
    /// ```
    public static func stacked(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
        ensure(!tensors.isEmpty, "stacked: needs at least one tensor")
        for (i, t) in tensors.enumerated() {
            ensure(t.shape == tensors[0].shape, "stacked: tensor \(i) has shape \(t.shape), tensor 0 has \(tensors[0].shape)")
        }
        let a = axis < 0 ? axis + tensors[0].rank + 1 : axis
        return concatenated(tensors.map { $0.expanded(axis: a) }, axis: a)
    }

    /// Splits along `axis` into pieces of the given sizes (which must add up to the axis length).
    ///
    /// ```swift
    /// let parts = qkv.split(sizes: [64, 64, 64], axis: -1)
    /// ```
    public func split(sizes: [Int], axis: Int = 0) -> [Tensor] {
        let a = shape.axis(axis, op: "split")
        ensure(sizes.reduce(0, +) == shape[a], "split: sizes \(sizes) add up to \(sizes.reduce(0, +)), axis \(a) of shape \(shape) has \(shape[a])")
        var start = 0
        return sizes.map { size in
            defer { start += size }
            return slice(axis: a, start: start, end: start + size)
        }
    }

    /// Splits along `axis` into `count` equal pieces.
    ///
    /// ```swift
    /// let (q, k, v) = { let p = qkv.split(count: 3, axis: -1); return (p[0], p[1], p[2]) }()
    /// ```
    public func split(count: Int, axis: Int = 0) -> [Tensor] {
        let a = shape.axis(axis, op: "split")
        ensure(count > 0 && shape[a] % count == 0, "split: axis \(a) of shape \(shape) does not divide into \(count) equal parts")
        return split(sizes: Array(repeating: shape[a] / count, count: count), axis: a)
    }

    /// Pads with a constant: `padding[i]` is (before, after) for axis i; missing trailing
    /// entries mean no padding. The gradient is the slice of the padded region.
    ///
    /// ```swift
    /// images.padded([(0, 0), (0, 0), (1, 1), (1, 1)])   // one pixel of zeros around H and W
    /// ```
    public func padded(_ padding: [(Int, Int)], value: Double = 0) -> Tensor {
        ensure(padding.count <= rank, "padded: \(padding.count) padding pairs for a tensor of rank \(rank)")
        var result = self
        for (axis, (before, after)) in padding.enumerated() where before != 0 || after != 0 {
            ensure(before >= 0 && after >= 0, "padded: negative padding (\(before), \(after)) on axis \(axis)")
            var dims = result.shape.dims
            let n = dims[axis]
            dims[axis] = n + before + after
            let out = Tensor.full(Shape(dims), value: value, dtype: dtype)
            let (outer, total, inner) = out.shape.split(at: axis)
            out.backend.writeSlice(result, outer: outer, axisLength: total, inner: inner, start: before, step: 1, taken: n, into: out)
            result = Tensor.record(out, "pad", [result]) { g in [g.slice(axis: axis, start: before, end: before + n)] }
        }
        return result
    }
}
