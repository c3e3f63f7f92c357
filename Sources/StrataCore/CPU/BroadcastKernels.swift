/// How two inputs map onto a broadcast output: dimensions merged wherever both inputs
/// stay contiguous, so that kernels run long inner loops.
struct BroadcastPlan {
    /// Merged output dimensions (at least one).
    private(set) var dims: [Int] = []
    private(set) var aStrides: [Int] = []
    private(set) var bStrides: [Int] = []
    let count: Int

    init(_ a: Shape, _ b: Shape, out: Shape) {
        count = out.elementCount
        let r = out.rank
        func aligned(_ s: Shape) -> [Int] {
            var strides = [Int](repeating: 0, count: r)
            let st = s.strides
            for i in 0..<s.rank where s[i] != 1 { strides[r - s.rank + i] = st[i] }
            return strides
        }
        let sa = aligned(a), sb = aligned(b)
        for i in 0..<r where out[i] != 1 {
            if let last = dims.indices.last,
               aStrides[last] == sa[i] * out[i], bStrides[last] == sb[i] * out[i] {
                dims[last] *= out[i]
                aStrides[last] = sa[i]
                bStrides[last] = sb[i]
            } else {
                dims.append(out[i]); aStrides.append(sa[i]); bStrides.append(sb[i])
            }
        }
        if dims.isEmpty { dims = [1]; aStrides = [0]; bStrides = [0] }
    }

    var inner: Int { dims[dims.count - 1] }
    var rows: Int { count / Swift.max(inner, 1) }

    /// Offsets into a and b of the first element of outer row `row`.
    @inline(__always) func offsets(row: Int) -> (Int, Int) {
        var rem = row, oa = 0, ob = 0
        var i = dims.count - 2
        while i >= 0 {
            let d = dims[i]
            let idx = rem % d
            rem /= d
            oa += idx * aStrides[i]
            ob += idx * bStrides[i]
            i -= 1
        }
        return (oa, ob)
    }
}

/// A function of two elements as a type, so that a kernel specialised for it inlines the
/// operation into its loops (a closure reaches the per-thread chunks as a value, called once per
/// element: a bias add over a convolution's output ran about 5x slower that way).
protocol ElementPairFunction {
    associatedtype A
    associatedtype B
    associatedtype R
    func callAsFunction(_ a: A, _ b: B) -> R
}

/// The arithmetic of `CPUBackend.binary` as ``ElementPairFunction`` types.
struct AddElements<T: FloatScalar>: ElementPairFunction { @inline(__always) func callAsFunction(_ a: T, _ b: T) -> T { a + b } }
struct SubtractElements<T: FloatScalar>: ElementPairFunction { @inline(__always) func callAsFunction(_ a: T, _ b: T) -> T { a - b } }
struct MultiplyElements<T: FloatScalar>: ElementPairFunction { @inline(__always) func callAsFunction(_ a: T, _ b: T) -> T { a * b } }
struct DivideElements<T: FloatScalar>: ElementPairFunction { @inline(__always) func callAsFunction(_ a: T, _ b: T) -> T { a / b } }

/// Any closure as an ``ElementPairFunction`` (the closure is called per element).
private struct ClosureElements<A, B, R>: ElementPairFunction {
    let f: (A, B) -> R
    @inline(__always) func callAsFunction(_ a: A, _ b: B) -> R { f(a, b) }
}

enum BroadcastKernels {
    /// out[i] = f(a[ia], b[ib]) over a broadcast plan, in parallel for large outputs.
    @inline(__always)
    static func binary<A, B, R>(_ plan: BroadcastPlan, _ a: UnsafePointer<A>, _ b: UnsafePointer<B>,
                                _ out: UnsafeMutablePointer<R>, _ f: (A, B) -> R) {
        withoutActuallyEscaping(f) { f in binary(plan, a, b, out, ClosureElements(f: f)) }
    }

    /// out[i] = f(a[ia], b[ib]) with `f` a type (inlined into the loops).
    @inline(__always)
    static func binary<F: ElementPairFunction>(_ plan: BroadcastPlan, _ a: UnsafePointer<F.A>, _ b: UnsafePointer<F.B>,
                                               _ out: UnsafeMutablePointer<F.R>, _ f: F) {
        typealias A = F.A
        typealias B = F.B
        typealias R = F.R
        let inner = plan.inner, rows = plan.rows
        guard inner > 0 && rows > 0 else { return }   // an empty output (its rows would divide by zero below)
        let sa = plan.aStrides[plan.dims.count - 1], sb = plan.bStrides[plan.dims.count - 1]
        @inline(__always) func row(_ o: UnsafeMutablePointer<R>, _ pa: UnsafePointer<A>, _ pb: UnsafePointer<B>, _ n: Int) {
            if sa == 1 && sb == 1 {
                for j in 0..<n { o[j] = f(pa[j], pb[j]) }
            } else if sa == 1 && sb == 0 {
                let v = pb[0]
                for j in 0..<n { o[j] = f(pa[j], v) }
            } else if sa == 0 && sb == 1 {
                let v = pa[0]
                for j in 0..<n { o[j] = f(v, pb[j]) }
            } else {
                for j in 0..<n { o[j] = f(pa[j * sa], pb[j * sb]) }
            }
        }
        if rows == 1 {
            Parallel.forEachChunk(inner, grain: Parallel.elementwiseGrain) { r in
                row(out + r.lowerBound, a + r.lowerBound * sa, b + r.lowerBound * sb, r.count)
            }
        } else {
            Parallel.forEachChunk(rows, grain: Swift.max(1, Parallel.elementwiseGrain / inner)) { r in
                for i in r {
                    let (oa, ob) = plan.offsets(row: i)
                    row(out + i * inner, a + oa, b + ob, inner)
                }
            }
        }
    }
}
