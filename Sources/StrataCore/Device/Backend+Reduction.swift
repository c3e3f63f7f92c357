/// A reduction along axes (``ReductionBackend/reduce(_:_:outer:n:inner:into:)``).
public enum ReductionOperation: Sendable, Equatable {
    case sum, max, min

    /// The name recorded on the tape and printed in errors.
    public var name: String {
        switch self {
        case .sum: return "sum"
        case .max: return "max"
        case .min: return "min"
        }
    }
}

/// The part of Backend for reductions along axes: sums, means, maxima, arg-maxima.
public protocol ReductionBackend {
    /// Reduces the middle axis of `x` viewed as `[outer, n, inner]` into `out` (`outer · inner`
    /// elements, x's float dtype); a sum over n = 0 is 0, max and min need n ≥ 1.
    func reduce(_ op: ReductionOperation, _ x: Tensor, outer: Int, n: Int, inner: Int, into out: Tensor)
    /// Writes into int64 `out` (`outer · inner` elements) the index along the middle axis of `x`
    /// viewed as `[outer, n ≥ 1, inner]` of the largest (`largest`) or smallest value, the first on
    /// ties; x is float32, float64, int32 or int64.
    func argExtremum(_ x: Tensor, largest: Bool, outer: Int, n: Int, inner: Int, into out: Tensor)
}
