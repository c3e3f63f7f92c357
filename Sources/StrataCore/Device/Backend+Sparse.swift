/// The part of ``Backend`` for sparse products and factorisation scores (recommenders).
///
/// Row and column indices arrive as int32 tensors (CSR row starts as int64), already checked
/// against the tables' sizes by the op; tables and outputs share one float dtype.
///
/// ```swift
/// let table = Tensor([[1, 2], [3, 4]] as [[Float]]), out = Tensor.empty([1])
/// Device.cpu.backend.rowDotProducts(table, left: Tensor([0] as [Int32]), right: Tensor([1] as [Int32]), into: out)   // [11]
/// ```
public protocol SparseBackend {
    /// `out[b] = offset + userBias[u_b] + itemBias[i_b] + ⟨userFactors[u_b], itemFactors[i_b]⟩` for the
    /// int32 `users` and `items` `[B]`; factors `[users, k]`, `[items, k]`, biases `[users]`, `[items]`, `out` `[B]`.
    func factorizationScores(users: Tensor, items: Tensor, userFactors: Tensor, itemFactors: Tensor, userBias: Tensor,
                             itemBias: Tensor, offset: Double, into out: Tensor)
    /// Adds the gradient of ``factorizationScores(users:items:userFactors:itemFactors:userBias:itemBias:offset:into:)``
    /// for `upstream` `[B]` into the four gradients (shaped like the tables), sample by sample.
    func factorizationScoresBackward(upstream: Tensor, users: Tensor, items: Tensor, userFactors: Tensor, itemFactors: Tensor,
                                     userFactorsGradient: Tensor, itemFactorsGradient: Tensor, userBiasGradient: Tensor,
                                     itemBiasGradient: Tensor)
    /// The sum of squared entries of the rows `rows` (int32, a row counted once per mention) of
    /// `table` (`[R]` or `[R, k]`) into the scalar `out`.
    func squaredNormOfRows(_ table: Tensor, rows: Tensor, into out: Tensor)
    /// Adds 2·upstream·table[r] into `gradient` (shaped like `table`) for every mention of row r in `rows`.
    func squaredNormOfRowsBackward(upstream: Tensor, table: Tensor, rows: Tensor, into gradient: Tensor)
    /// Adds `A·x` into `out` `[R, k]` for the CSR matrix A (row r holds entries `rowStart[r] ..< rowStart[r + 1]`
    /// of int32 `columnIndex` and `values` of x's dtype; int64 `rowStart` `[R + 1]`) and a dense `x` `[columns, k]`.
    func sparseDenseProduct(rowStart: Tensor, columnIndex: Tensor, values: Tensor, _ x: Tensor, into out: Tensor)
    /// `out[b] = ⟨table[left[b]], table[right[b]]⟩` for a `[R, k]` table and int32 `left`, `right` `[B]`.
    func rowDotProducts(_ table: Tensor, left: Tensor, right: Tensor, into out: Tensor)
}
