/// The dimensions of a tensor, outermost first.
///
/// ```swift
/// let s: Shape = [2, 3, 4]
/// s.count        // 24 elements
/// s.rank         // 3
/// s.strides      // [12, 4, 1]
/// ```
public struct Shape: Hashable, Sendable, ExpressibleByArrayLiteral, CustomStringConvertible, RandomAccessCollection {
    public var dims: [Int]

    public init(_ dims: [Int]) {
        for d in dims { ensure(d >= 0, "Shape: negative dimension in \(dims)") }
        self.dims = dims
    }
    public init(arrayLiteral elements: Int...) { self.init(elements) }

    public var rank: Int { dims.count }
    /// Number of elements (1 for a scalar).
    public var elementCount: Int { dims.reduce(1, *) }
    /// Row-major (C-order) strides in elements.
    public var strides: [Int] {
        var s = [Int](repeating: 1, count: dims.count)
        var acc = 1
        for i in stride(from: dims.count - 1, through: 0, by: -1) { s[i] = acc; acc *= dims[i] }
        return s
    }
    public var description: String { "[" + dims.map(String.init).joined(separator: ", ") + "]" }

    public var startIndex: Int { 0 }
    public var endIndex: Int { dims.count }
    public subscript(i: Int) -> Int {
        get { dims[i] }
        set { dims[i] = newValue }
    }

    /// Normalises a possibly negative axis (numpy style) and checks it.
    public func axis(_ a: Int, op: String = "axis") -> Int {
        let r = a < 0 ? a + rank : a
        ensure(r >= 0 && r < Swift.max(rank, 1), "\(op): axis \(a) is out of range for a tensor of shape \(self) (rank \(rank))")
        return r
    }

    /// The product of dims before, at, and after `axis`: the `[outer, n, inner]` view used by kernels.
    func split(at axis: Int) -> (outer: Int, n: Int, inner: Int) {
        (dims[..<axis].reduce(1, *), dims[axis], dims[(axis + 1)...].reduce(1, *))
    }
}

/// Broadcasts two shapes by numpy rules, stopping with both shapes named when they don't fit.
public func broadcastShapes(_ a: Shape, _ b: Shape, op: String) -> Shape {
    let r = Swift.max(a.rank, b.rank)
    var out = [Int](repeating: 1, count: r)
    for i in 0..<r {
        let da = i < r - a.rank ? 1 : a[i - (r - a.rank)]
        let db = i < r - b.rank ? 1 : b[i - (r - b.rank)]
        ensure(da == db || da == 1 || db == 1,
                     "\(op): shapes \(a) and \(b) cannot be broadcast together (dimension \(i): \(da) vs \(db))")
        out[i] = da == 1 ? db : da
    }
    return Shape(out)
}
