/// The loops of the recommenders' kernels (see ``SparseBackend``): indexed rows of row-major
/// `[rows, k]` tables, and CSR-by-dense products.
enum SparseKernels {
    static func factorizationScores<T: FloatScalar>(_ users: UnsafePointer<Int32>, _ items: UnsafePointer<Int32>, _ n: Int, _ k: Int,
                                                    _ p: UnsafePointer<T>, _ q: UnsafePointer<T>, _ bu: UnsafePointer<T>,
                                                    _ bi: UnsafePointer<T>, _ c: T, _ o: UnsafeMutablePointer<T>) {
        for b in 0..<n {
            let u = Int(users[b]), i = Int(items[b])
            var dot: T = 0
            for j in 0..<k { dot += p[u * k + j] * q[i * k + j] }
            o[b] = c + bu[u] + bi[i] + dot
        }
    }

    static func factorizationScoresBackward<T: FloatScalar>(_ users: UnsafePointer<Int32>, _ items: UnsafePointer<Int32>, _ n: Int, _ k: Int,
                                                            _ g: UnsafePointer<T>, _ p: UnsafePointer<T>, _ q: UnsafePointer<T>,
                                                            _ gp: UnsafeMutablePointer<T>, _ gq: UnsafeMutablePointer<T>,
                                                            _ gbu: UnsafeMutablePointer<T>, _ gbi: UnsafeMutablePointer<T>) {
        for b in 0..<n {
            let u = Int(users[b]), i = Int(items[b]), gb = g[b]
            gbu[u] += gb
            gbi[i] += gb
            for j in 0..<k {
                gp[u * k + j] += gb * q[i * k + j]
                gq[i * k + j] += gb * p[u * k + j]
            }
        }
    }

    static func squaredNormOfRows<T: FloatScalar>(_ t: UnsafePointer<T>, _ rows: UnsafeBufferPointer<Int32>, _ width: Int) -> T {
        var s: T = 0
        for r in rows {
            let base = Int(r) * width
            for j in 0..<width { s += t[base + j] * t[base + j] }
        }
        return s
    }

    static func squaredNormOfRowsBackward<T: FloatScalar>(_ scale: T, _ t: UnsafePointer<T>, _ rows: UnsafeBufferPointer<Int32>,
                                                          _ width: Int, _ d: UnsafeMutablePointer<T>) {
        for r in rows {
            let base = Int(r) * width
            for j in 0..<width { d[base + j] += scale * t[base + j] }
        }
    }

    /// Row-parallel: each output row is written by one thread.
    static func sparseDenseProduct<T: FloatScalar>(_ rowStart: UnsafePointer<Int64>, _ columnIndex: UnsafePointer<Int32>,
                                                   _ v: UnsafePointer<T>, _ rows: Int, _ k: Int,
                                                   _ xBase: UnsafePointer<T>, _ yBase: UnsafeMutablePointer<T>) {
        Parallel.forEachChunk(rows, grain: Swift.max(1, 4096 / Swift.max(k, 1))) { range in
            for r in range {
                let yr = yBase + r * k
                for e in Int(rowStart[r])..<Int(rowStart[r + 1]) {
                    let w = v[e], xr = xBase + Int(columnIndex[e]) * k
                    for j in 0..<k { yr[j] += w * xr[j] }
                }
            }
        }
    }

    static func rowDotProducts<T: FloatScalar>(_ e: UnsafePointer<T>, _ k: Int, _ left: UnsafePointer<Int32>, _ right: UnsafePointer<Int32>,
                                               _ n: Int, _ out: UnsafeMutablePointer<T>) {
        for b in 0..<n {
            let x = Int(left[b]) * k, y = Int(right[b]) * k
            var dot: T = 0
            for j in 0..<k { dot += e[x + j] * e[y + j] }
            out[b] = dot
        }
    }
}
