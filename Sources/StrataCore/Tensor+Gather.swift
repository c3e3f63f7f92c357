extension Tensor {
    /// Index values as Ints (from an int32 or int64 tensor), bounds-checked against `bound`.
    func indexValues(bound: Int, op: String, axis: Int) -> [Int] {
        ensure(dtype == .int32 || dtype == .int64, "\(op): indices must be int32 or int64, got \(dtype)")
        var out = [Int](repeating: 0, count: count)
        withUnsafeHostBytes { bytes in
            for i in 0..<count {
                var v = dtype == .int64 ? Int(bytes.load(fromByteOffset: i * 8, as: Int64.self))
                                        : Int(bytes.load(fromByteOffset: i * 4, as: Int32.self))
                if v < 0 { v += bound }
                ensure(v >= 0 && v < bound, "\(op): index \(element(at: i)) is out of range for axis \(axis) with size \(bound)")
                out[i] = v
            }
        }
        return out
    }

    /// Rows along `axis` picked by a 1-D index tensor (like `torch.index_select`).
    /// The gradient adds each output row back to the row it came from.
    ///
    /// ```swift
    /// let vectors = table.indexSelect(axis: 0, indices: Tensor([3, 1, 3] as [Int64]))
    /// ```
    public func indexSelect(axis: Int, indices: Tensor) -> Tensor {
        ensure(indices.rank == 1, "indexSelect: indices must be 1-D, got shape \(indices.shape)")
        let a = shape.axis(axis, op: "indexSelect")
        let (outer, n, inner) = shape.split(at: a)
        let idx = indices.indexValues(bound: n, op: "indexSelect", axis: a)
        var dims = shape.dims
        dims[a] = idx.count
        let out = Tensor(uninitialized: Shape(dims), dtype: dtype, device: device)
        backend.indexSelect(self, outer: outer, axisLength: n, inner: inner, indices: idx, into: out)
        let source = shape
        return Tensor.record(out, "indexSelect", [self]) { g in
            [Tensor.zeros(source, dtype: g.dtype, device: g.device).indexAdded(axis: a, indices: idx, source: g)]
        }
    }

    /// A copy of self with `source` rows added at `indices` along `axis` (duplicates accumulate).
    func indexAdded(axis a: Int, indices idx: [Int], source: Tensor) -> Tensor {
        requireFloat("indexAdd")
        let out = copy()
        let (outer, n, inner) = shape.split(at: a)
        backend.indexAdd(source, outer: outer, axisLength: n, inner: inner, indices: idx, into: out)
        return out
    }

    /// `out[o, j, i] = self[o, index[o, j, i], i]` along `axis` (like `torch.gather`);
    /// `index` has the same rank as self and may be shorter along `axis`.
    ///
    /// ```swift
    /// let picked = logProbs.gather(axis: 1, index: labels.expanded(axis: 1))   // [B, 1]
    /// ```
    public func gather(axis: Int, index: Tensor) -> Tensor {
        let a = shape.axis(axis, op: "gather")
        ensure(index.rank == rank, "gather: index of shape \(index.shape) must have the rank of the input \(shape)")
        for d in 0..<rank where d != a {
            ensure(index.shape[d] == shape[d], "gather: index shape \(index.shape) and input shape \(shape) differ on axis \(d)")
        }
        let (outer, n, inner) = shape.split(at: a)
        let m = index.shape[a]
        let idx = index.indexValues(bound: n, op: "gather", axis: a)
        let out = Tensor(uninitialized: index.shape, dtype: dtype, device: device)
        backend.gather(self, outer: outer, axisLength: n, inner: inner, taken: m, index: idx, into: out)
        let source = shape, indexCopy = index
        return Tensor.record(out, "gather", [self]) { g in
            [Tensor.zeros(source, dtype: g.dtype, device: g.device).scatterAdd(axis: a, index: indexCopy, source: g)]
        }
    }

    /// A copy of self with `source[o, j, i]` added at `[o, index[o, j, i], i]` along `axis`
    /// (like `torch.scatter_add`). Differentiable in self and source.
    ///
    /// ```swift
    /// let counts = Tensor.zeros([1, 5]).scatterAdd(axis: 1, index: ids, source: Tensor.ones(ids.shape))
    /// ```
    public func scatterAdd(axis: Int, index: Tensor, source: Tensor) -> Tensor {
        requireFloat("scatterAdd")
        requireSameDType(source, "scatterAdd")
        let a = shape.axis(axis, op: "scatterAdd")
        ensure(index.shape == source.shape, "scatterAdd: index shape \(index.shape) must equal source shape \(source.shape)")
        ensure(index.rank == rank, "scatterAdd: index of shape \(index.shape) must have the rank of the input \(shape)")
        for d in 0..<rank where d != a {
            ensure(index.shape[d] == shape[d], "scatterAdd: index shape \(index.shape) and input shape \(shape) differ on axis \(d)")
        }
        let (outer, n, inner) = shape.split(at: a)
        let m = index.shape[a]
        let idx = index.indexValues(bound: n, op: "scatterAdd", axis: a)
        requireSameDevice(source, op: "scatterAdd")
        let out = copy()
        backend.scatterAdd(source, outer: outer, axisLength: n, inner: inner, taken: m, index: idx, into: out)
        let indexCopy = index
        return Tensor.record(out, "scatterAdd", [self, source]) { g in
            [g, g.gather(axis: a, index: indexCopy)]
        }
    }

    /// The elements where a Bool `mask` of the same shape is true, as a 1-D tensor
    /// (numpy's `x[mask]`). The gradient flows back to the selected positions.
    ///
    /// ```swift
    /// let positives = x.masked(x .> 0)
    /// ```
    public func masked(_ mask: Tensor) -> Tensor {
        ensure(mask.dtype == .bool, "masked: mask must be a Bool tensor, got \(mask.dtype)")
        ensure(mask.shape == shape, "masked: mask shape \(mask.shape) does not match tensor shape \(shape)")
        var positions: [Int] = []
        mask.withUnsafeHostBytes { m in
            for i in 0..<count where m[i] != 0 { positions.append(i) }
        }
        let flat = reshaped([count])
        return flat.indexSelect(axis: 0, indices: Tensor(positions.map { Int64($0) }))
    }

    /// Rows along axis 0 picked by an integer tensor of any shape (fancy indexing, `x[ids]`).
    ///
    /// ```swift
    /// let embeddings = table[indices: tokenIds]   // [B, T] ids -> [B, T, C]
    /// ```
    public subscript(indices indices: Tensor) -> Tensor {
        let picked = indexSelect(axis: 0, indices: indices.reshaped([indices.count]))
        return picked.reshaped(Shape(indices.shape.dims + shape.dims.dropFirst()))
    }
}
