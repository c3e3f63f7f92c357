import Foundation
import StrataCore

/// The weight matrix of a bias-free linear map `y = x·Wᵀ`, `W` being `[rows, columns]`
/// (PyTorch's `[out, in]` layout), however it is stored: float32 in a ``Tensor``
/// (``DenseWeights``) or quantised blocks read straight from a GGUF file.
///
/// A token embedding is the same kind of matrix (`[vocabulary, width]`): `gatherRows` looks
/// tokens up, and a tied output head multiplies by it.
///
/// ```swift
/// let w: LinearWeights = DenseWeights(Tensor.normal([8, 4]))
/// let y = w(Tensor.zeros([3, 4]))        // [3, 4] -> [3, 8]
/// let e = w.gatherRows([0, 5])            // [2, 4]
/// ```
public protocol LinearWeights: AnyObject, Sendable {
    /// Output features (the matrix's rows).
    var rows: Int { get }
    /// Input features (the matrix's columns).
    var columns: Int { get }
    /// `x·Wᵀ`: `[n, columns]` float32 to `[n, rows]`.
    func callAsFunction(_ x: Tensor) -> Tensor
    /// Rows `ids` of `W` as float32 `[ids.count, columns]` (an embedding lookup).
    func gatherRows(_ ids: [Int]) -> Tensor
}

/// ``LinearWeights`` held as a float32 tensor `[rows, columns]`; products go through BLAS.
public final class DenseWeights: LinearWeights, @unchecked Sendable {
    // @unchecked Sendable: `weight` is never written after init.
    /// The matrix `[rows, columns]`, float32.
    public let weight: Tensor

    /// Wraps `weight` (`[rows, columns]`), converting it to float32 when needed.
    public init(_ weight: Tensor) {
        ensure(weight.rank == 2, "DenseWeights: expected a [rows, columns] matrix, got \(weight.shape)")
        self.weight = weight.dtype == .float32 ? weight : weight.cast(to: .float32)
    }

    /// Output features (the matrix's rows).
    public var rows: Int { weight.shape[0] }
    /// Input features (the matrix's columns).
    public var columns: Int { weight.shape[1] }

    /// `x·Wᵀ`: `[n, columns]` to `[n, rows]`.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        ensure(x.rank == 2 && x.shape[1] == columns, "DenseWeights: input \(x.shape) does not fit a [\(rows), \(columns)] matrix")
        return Tensor.matmul(x, weight, transposeB: true)
    }

    /// Rows `ids` of the matrix as `[ids.count, columns]`; every id must be in 0..<rows.
    public func gatherRows(_ ids: [Int]) -> Tensor {
        ensure(ids.allSatisfy { (0..<rows).contains($0) }, "DenseWeights: row ids \(ids) outside 0..<\(rows)")
        return weight[indices: Tensor(ids.map(Int64.init), shape: [ids.count])]
    }
}
