extension Tensor {
    /// Matrix product with numpy semantics: 1-D operands are promoted (and the added axis
    /// removed), leading batch axes broadcast.
    ///
    /// ```swift
    /// let y = x.matmul(w)            // [B, T, C] · [C, D] -> [B, T, D]
    /// let s = q.matmul(k.transposed()) // batched attention scores
    /// ```
    public func matmul(_ other: Tensor) -> Tensor {
        ensure(rank >= 1 && other.rank >= 1, "matmul: operands must have at least 1 axis, got \(shape) and \(other.shape)")
        if rank == 1 {
            // [1, k] · other is [..., 1, n], or [1] when other is 1-D too (vector · vector is a scalar).
            return expanded(axis: 0).matmul(other).squeezed(axis: other.rank == 1 ? -1 : -2)
        }
        if other.rank == 1 {
            return matmul(other.expanded(axis: 1)).squeezed(axis: -1)
        }
        return Tensor.matmul(self, other)
    }

    /// Batched matrix product of op(a) and op(b), where op transposes the last two axes when asked.
    /// Transposition is passed to BLAS as a flag, never copied.
    ///
    /// ```swift
    /// let y = Tensor.matmul(x, weight, transposeB: true)   // x · weightᵀ, as in Linear
    /// ```
    public static func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
        ensure(a.rank >= 2 && b.rank >= 2, "matmul: operands need at least 2 axes here, got \(a.shape) and \(b.shape)")
        a.requireFloat("matmul")
        a.requireSameDType(b, "matmul")
        a.requireSameDevice(b, op: "matmul")
        let m = transposeA ? a.shape[a.rank - 1] : a.shape[a.rank - 2]
        let ka = transposeA ? a.shape[a.rank - 2] : a.shape[a.rank - 1]
        let kb = transposeB ? b.shape[b.rank - 1] : b.shape[b.rank - 2]
        let n = transposeB ? b.shape[b.rank - 2] : b.shape[b.rank - 1]
        ensure(ka == kb, "matmul: inner dimensions differ: \(a.shape)\(transposeA ? "ᵀ" : "") · \(b.shape)\(transposeB ? "ᵀ" : "") (\(ka) vs \(kb))")

        // A batch of matrices times one matrix folds into a single large product.
        if b.rank == 2 && a.rank > 2 && !transposeA {
            let lead = Array(a.shape.dims.dropLast(2))
            let flat = Tensor.matmul(a.reshaped([-1, ka]), b, transposeB: transposeB)
            return flat.reshaped(Shape(lead + [m, n]))
        }

        let batchA = Shape(Array(a.shape.dims.dropLast(2))), batchB = Shape(Array(b.shape.dims.dropLast(2)))
        let batch = broadcastShapes(batchA, batchB, op: "matmul")
        let out = Tensor(uninitialized: Shape(batch.dims + [m, n]), dtype: a.dtype, device: a.device)
        a.backend.matmul(a, b, transposeA: transposeA, transposeB: transposeB, into: out)

        let x = a.detached(), y = b.detached()
        return record(out, "matmul", [a, b]) { g in
            // C = op(A)·op(B):  dop(A) = G·op(B)ᵀ,  dop(B) = op(A)ᵀ·G.
            var ga: Tensor?, gb: Tensor?
            if a.requiresGrad {
                ga = transposeA ? Tensor.matmul(y, g, transposeA: transposeB, transposeB: true)
                                : Tensor.matmul(g, y, transposeB: !transposeB)
                ga = ga!.summed(toShape: a.shape)
            }
            if b.requiresGrad {
                gb = transposeB ? Tensor.matmul(g, x, transposeA: true, transposeB: transposeA)
                                : Tensor.matmul(x, g, transposeA: !transposeA)
                gb = gb!.summed(toShape: b.shape)
            }
            return [ga, gb]
        }
    }
}
