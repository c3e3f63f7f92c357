/// Strata's own matrix multiply, used when OpenBLAS is not installed.
///
/// B is packed into panels of 8 columns per block of `kc` rows; each thread packs 4 rows
/// of A at a time and runs a 4x8 register-blocked kernel over every panel.
enum BuiltinGEMM {
    static let kc = 256

    static func gemm<T: GEMMScalar>(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: T,
                                    a: UnsafePointer<T>, lda: Int, b: UnsafePointer<T>, ldb: Int,
                                    beta: T, c: UnsafeMutablePointer<T>, ldc: Int) {
        // C = beta * C first, then accumulate alpha * A·B block by block.
        for i in 0..<m {
            let row = c + i * ldc
            if beta == 0 { for j in 0..<n { row[j] = 0 } } else if beta != 1 { for j in 0..<n { row[j] *= beta } }
        }
        guard k > 0, m > 0, n > 0 else { return }
        @inline(__always) func aAt(_ i: Int, _ p: Int) -> T { transA ? a[p * lda + i] : a[i * lda + p] }
        @inline(__always) func bAt(_ p: Int, _ j: Int) -> T { transB ? b[j * ldb + p] : b[p * ldb + j] }

        let panels = (n + 7) / 8
        let packedB = UnsafeMutablePointer<T>.allocate(capacity: panels * kc * 8)
        defer { packedB.deallocate() }
        var p0 = 0
        while p0 < k {
            let kb = Swift.min(kc, k - p0)
            // Pack B[p0..<p0+kb, :] as panels[j][p][0..<8], zero-padded on the right.
            Parallel.forEachChunk(panels, grain: 16) { r in
                for jp in r {
                    let dst = packedB + jp * kc * 8
                    for p in 0..<kb {
                        for l in 0..<8 {
                            let j = jp * 8 + l
                            dst[p * 8 + l] = j < n ? bAt(p0 + p, j) : 0
                        }
                    }
                }
            }
            let rowBlocks = (m + 3) / 4
            let grain = Swift.max(1, 32_768 / Swift.max(1, n * kb / 64))
            Parallel.forEachChunk(rowBlocks, grain: grain) { r in
                let packedA = UnsafeMutablePointer<T>.allocate(capacity: kc * 4)
                defer { packedA.deallocate() }
                for ib in r {
                    let i0 = ib * 4
                    let rows = Swift.min(4, m - i0)
                    for p in 0..<kb {
                        for rr in 0..<4 { packedA[p * 4 + rr] = rr < rows ? aAt(i0 + rr, p0 + p) : 0 }
                    }
                    for jp in 0..<panels {
                        kernel4x8(kb, packedA, packedB + jp * kc * 8, alpha, c + i0 * ldc + jp * 8, ldc,
                                  rows: rows, cols: Swift.min(8, n - jp * 8))
                    }
                }
            }
            p0 += kb
        }
    }

    /// C[0..<rows, 0..<cols] += alpha * Ap[kb x 4]ᵀ · Bp[kb x 8].
    @inline(__always)
    static func kernel4x8<T: GEMMScalar>(_ kb: Int, _ ap: UnsafePointer<T>, _ bp: UnsafePointer<T>, _ alpha: T,
                                         _ c: UnsafeMutablePointer<T>, _ ldc: Int, rows: Int, cols: Int) {
        var c0 = SIMD8<T>(repeating: 0), c1 = SIMD8<T>(repeating: 0)
        var c2 = SIMD8<T>(repeating: 0), c3 = SIMD8<T>(repeating: 0)
        let bRaw = UnsafeRawPointer(bp)
        for p in 0..<kb {
            let bv = bRaw.loadUnaligned(fromByteOffset: p * 8 * MemoryLayout<T>.stride, as: SIMD8<T>.self)
            let a4 = ap + p * 4
            c0 += SIMD8(repeating: a4[0]) * bv
            c1 += SIMD8(repeating: a4[1]) * bv
            c2 += SIMD8(repeating: a4[2]) * bv
            c3 += SIMD8(repeating: a4[3]) * bv
        }
        let acc = [c0, c1, c2, c3]
        for r in 0..<rows {
            let row = c + r * ldc
            let v = acc[r] * alpha
            for l in 0..<cols { row[l] += v[l] }
        }
    }
}
