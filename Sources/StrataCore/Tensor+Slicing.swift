/// One item of a tensor subscript.
///
/// ```swift
/// x[0]                       // first row, axis removed
/// x[1..<3]                   // rows 1 and 2
/// x[.all, 2...]              // columns from 2
/// x[.range(0, nil, step: 2)] // every other row
/// x[.ellipsis, 0]            // first element of the last axis
/// x[.newAxis]                // insert an axis
/// ```
public enum TensorIndex: TensorIndexExpression, Sendable {
    case index(Int)
    case strided(Int?, Int?, step: Int)
    case wholeAxis
    case insertedAxis
    case remainingAxes
    public var tensorIndex: TensorIndex { self }
}

/// Anything that can stand in a tensor subscript: `Int`, the range types, or `TensorIndex`.
public protocol TensorIndexExpression { var tensorIndex: TensorIndex { get } }
extension Int: TensorIndexExpression { public var tensorIndex: TensorIndex { .index(self) } }
extension Range<Int>: TensorIndexExpression { public var tensorIndex: TensorIndex { .strided(lowerBound, upperBound, step: 1) } }
extension ClosedRange<Int>: TensorIndexExpression { public var tensorIndex: TensorIndex { .strided(lowerBound, upperBound + 1, step: 1) } }
extension PartialRangeFrom<Int>: TensorIndexExpression { public var tensorIndex: TensorIndex { .strided(lowerBound, nil, step: 1) } }
extension PartialRangeUpTo<Int>: TensorIndexExpression { public var tensorIndex: TensorIndex { .strided(nil, upperBound, step: 1) } }
extension PartialRangeThrough<Int>: TensorIndexExpression { public var tensorIndex: TensorIndex { .strided(nil, upperBound + 1, step: 1) } }

extension Tensor {
    /// Elements `start, start+step, …` before `end` along `axis` (numpy slice rules,
    /// negative positions count from the end, bounds are clipped; step > 0).
    ///
    /// ```swift
    /// x.slice(axis: 1, start: 0, end: 4, step: 2)
    /// ```
    public func slice(axis: Int, start: Int? = nil, end: Int? = nil, step: Int = 1) -> Tensor {
        ensure(step > 0, "slice: step must be positive, got \(step)")
        let a = shape.axis(axis, op: "slice")
        let n = shape[a]
        func clip(_ v: Int?, _ dflt: Int) -> Int {
            guard var v else { return dflt }
            if v < 0 { v += n }
            return Swift.min(Swift.max(v, 0), n)
        }
        let s = clip(start, 0), e = clip(end, n)
        let taken = e > s ? (e - s + step - 1) / step : 0
        if s == 0 && taken == n && step == 1 { return self }
        var dims = shape.dims
        dims[a] = taken
        let out = Tensor(uninitialized: Shape(dims), dtype: dtype, device: device)
        let (outer, _, inner) = shape.split(at: a)
        backend.copySlice(of: self, outer: outer, axisLength: n, inner: inner, start: s, step: step, taken: taken, into: out)
        let source = shape
        return Tensor.record(out, "slice", [self]) { g in
            let dx = Tensor.zeros(source, dtype: g.dtype, device: g.device)
            g.backend.writeSlice(g, outer: outer, axisLength: n, inner: inner, start: s, step: step, taken: taken, into: dx)
            return [dx]
        }
    }

    /// numpy-style basic indexing: integers (axis removed, negative from the end, bounds
    /// checked), ranges, `.range(start, end, step:)`, `.all`, `.newAxis`, `.ellipsis`.
    ///
    /// ```swift
    /// let row = x[0]            // [C]
    /// let block = x[1..<3, ..<2]
    /// ```
    public subscript(_ items: TensorIndexExpression...) -> Tensor { index(items.map(\.tensorIndex)) }

    /// Basic indexing with an array of items.
    public func index(_ items: [TensorIndex]) -> Tensor {
        let explicit = items.filter { if case .insertedAxis = $0 { return false }; if case .remainingAxes = $0 { return false }; return true }.count
        ensure(items.filter { if case .remainingAxes = $0 { return true }; return false }.count <= 1, "index: at most one ellipsis")
        ensure(explicit <= rank, "index: \(explicit) indices for a tensor of rank \(rank) (shape \(shape))")
        var expandedItems: [TensorIndex] = []
        for it in items {
            if case .remainingAxes = it {
                expandedItems += Array(repeating: TensorIndex.wholeAxis, count: rank - explicit)
            } else {
                expandedItems.append(it)
            }
        }
        var result = self
        var axis = 0
        var dims: [Int] = []   // the output shape, built item by item
        for it in expandedItems {
            switch it {
            case .index(let i):
                let n = result.shape[axis]
                let j = i < 0 ? i + n : i
                ensure(j >= 0 && j < n, "index: index \(i) is out of range for axis \(axis) with size \(n) (shape \(shape))")
                result = result.slice(axis: axis, start: j, end: j + 1)
                axis += 1
            case .strided(let s, let e, let step):
                result = result.slice(axis: axis, start: s, end: e, step: step)
                dims.append(result.shape[axis])
                axis += 1
            case .wholeAxis:
                dims.append(result.shape[axis])
                axis += 1
            case .insertedAxis:
                dims.append(1)
            case .remainingAxes:
                break
            }
        }
        dims += result.shape.dims[axis...]
        return result.reshaped(Shape(dims))
    }
}

extension TensorIndexExpression where Self == TensorIndex {
    /// Every position of an axis (`:` in numpy).
    public static var all: TensorIndex { .wholeAxis }
    /// A size-1 axis inserted here (`None` in numpy).
    public static var newAxis: TensorIndex { .insertedAxis }
    /// As many `.all` as needed to cover the remaining axes (`...` in numpy).
    public static var ellipsis: TensorIndex { .remainingAxes }
    /// `start..<end` in steps of `step`; nil bounds mean the axis ends.
    public static func range(_ start: Int?, _ end: Int?, step: Int = 1) -> TensorIndex { .strided(start, end, step: step) }
}
