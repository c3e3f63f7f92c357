/// The CPU kernels of reductions (`CPUBackend.reduce`).
enum ReductionKernels {
    /// Reduces the middle axis of an `[outer, n, inner]` view into `out[outer, inner]`.
    static func reduce<T: FloatScalar>(_ kind: ReductionOperation, _ x: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>,
                                       outer: Int, n: Int, inner: Int) {
        if inner == 1 {
            if outer == 1 && kind == .sum && n > Parallel.elementwiseGrain {
                // One long row: partial sums per chunk, combined in Double.
                let chunks = Parallel.threadCount
                var partial = [Double](repeating: 0, count: chunks)
                partial.withUnsafeMutableBufferPointer { p in
                    let per = (n + chunks - 1) / chunks
                    Parallel.forEachChunk(chunks, grain: 1) { r in
                        for c in r {
                            let lo = c * per, hi = Swift.min(n, lo + per)
                            if lo < hi { p[c] = rowSum(x + lo, hi - lo) }
                        }
                    }
                }
                out[0] = T(partial.reduce(0, +))
                return
            }
            Parallel.forEachChunk(outer, grain: Swift.max(1, Parallel.elementwiseGrain / Swift.max(n, 1))) { r in
                for o in r {
                    let row = x + o * n
                    switch kind {
                    case .sum: out[o] = T(rowSum(row, n))
                    case .max: var m = row[0]; for j in 1..<n where row[j] > m { m = row[j] }; out[o] = m
                    case .min: var m = row[0]; for j in 1..<n where row[j] < m { m = row[j] }; out[o] = m
                    }
                }
            }
            return
        }
        // inner > 1: accumulate whole rows, vectorised along inner.
        let work = { (o: Int, cols: Range<Int>) in
            let dst = out + o * inner
            let base = x + o * n * inner
            for c in cols { dst[c] = base[c] }
            for j in 1..<Swift.max(n, 1) {
                let src = base + j * inner
                switch kind {
                case .sum: for c in cols { dst[c] += src[c] }
                case .max: for c in cols where src[c] > dst[c] { dst[c] = src[c] }
                case .min: for c in cols where src[c] < dst[c] { dst[c] = src[c] }
                }
            }
            if n == 0 { for c in cols { dst[c] = 0 } }
        }
        if outer >= Parallel.threadCount || inner < 1024 {
            Parallel.forEachChunk(outer, grain: Swift.max(1, Parallel.elementwiseGrain / Swift.max(n * inner, 1))) { r in
                for o in r { work(o, 0..<inner) }
            }
        } else {
            for o in 0..<outer {
                Parallel.forEachChunk(inner, grain: Swift.max(256, Parallel.elementwiseGrain / Swift.max(n, 1))) { cols in work(o, cols) }
            }
        }
    }

    /// Index along the middle axis of an `[outer, n, inner]` view of the largest (or smallest)
    /// value, the first on ties (n ≥ 1).
    static func argExtremum<T: TensorScalar & Comparable>(_ p: UnsafePointer<T>, _ po: UnsafeMutablePointer<Int64>,
                                                           outer: Int, n: Int, inner: Int, largest: Bool) {
        for o in 0..<outer {
            for i in 0..<inner {
                var best = p[o * n * inner + i], bestJ = 0
                for j in 1..<n {
                    let v = p[(o * n + j) * inner + i]
                    if largest ? v > best : v < best { best = v; bestJ = j }
                }
                po[o * inner + i] = Int64(bestJ)
            }
        }
    }

    /// Sum of a contiguous row: Float blocks of 1024 with 8 accumulators, blocks added in Double.
    @inline(__always)
    static func rowSum<T: FloatScalar>(_ p: UnsafePointer<T>, _ n: Int) -> Double {
        var total = 0.0
        var start = 0
        while start < n {
            let end = Swift.min(n, start + 1024)
            var a0 = T.zero, a1 = T.zero, a2 = T.zero, a3 = T.zero
            var a4 = T.zero, a5 = T.zero, a6 = T.zero, a7 = T.zero
            var j = start
            while j + 8 <= end {
                a0 += p[j]; a1 += p[j + 1]; a2 += p[j + 2]; a3 += p[j + 3]
                a4 += p[j + 4]; a5 += p[j + 5]; a6 += p[j + 6]; a7 += p[j + 7]
                j += 8
            }
            while j < end { a0 += p[j]; j += 1 }
            total += Double(((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)))
            start = end
        }
        return total
    }
}
