import CStrataKernels

/// A float32 right-hand operand packed once into 16-column panels for many products with a
/// few rows each (CStrataKernels' `strata_gemm_packed_f32`): the LSTM's recurrent weights,
/// used at every step of a sequence. A general BLAS call packs its operand again each time;
/// for `[32, 256]·[256, 1024]` that packing and OpenBLAS's thread hand-off cost more than
/// the product. Exists only on CPUs with AVX2 and FMA (`init` returns nil elsewhere, and the
/// caller keeps its general GEMM).
///
/// ```swift
/// if let w = PanelPackedMatrix(whh, ldb: hidden, transposed: true, k: hidden, n: 4 * hidden) {
///     w.multiply(rows: batch, a: h, lda: hidden, into: rec, ldc: 4 * hidden)   // rec = h·W_hhᵀ
/// }
/// ```
final class PanelPackedMatrix {
    /// The inner dimension and the columns of op(B).
    let k: Int, n: Int
    private let panels: UnsafeMutablePointer<Float>

    /// Packs op(B) (`[k, n]`): B is `[n, k]` when `transposed`, else `[k, n]`, with row stride `ldb`.
    init?(_ b: UnsafePointer<Float>, ldb: Int, transposed: Bool, k: Int, n: Int) {
        guard VectorMath.available, k > 0, n > 0 else { return nil }
        self.k = k
        self.n = n
        panels = .allocate(capacity: Int(strata_packed_panels_count(Int64(k), Int64(n))))
        strata_pack_panels_f32(b, Int64(ldb), transposed ? 1 : 0, Int64(k), Int64(n), panels)
    }

    deinit { panels.deallocate() }

    /// The number of 16-column panels: panel j holds the columns `16j ..< min(n, 16j + 16)`.
    var panelCount: Int { (n + Int(STRATA_PANEL_WIDTH) - 1) / Int(STRATA_PANEL_WIDTH) }

    /// c = a · op(B) (c += a · op(B) when `accumulate`), with `a` `[rows, k]` (row stride `lda`)
    /// and `c` `[rows, n]` (row stride `ldc`). The panels are split across the cores, or the
    /// rows, in multiples of the kernel's 6, when there are too few panels to go round (a
    /// 10-class output layer is one panel).
    func multiply(rows: Int, a: UnsafePointer<Float>, lda: Int, into c: UnsafeMutablePointer<Float>, ldc: Int,
                  accumulate: Bool = false) {
        let count = panelCount
        let minimumWork = 65_536   // about 2 MFLOP per chunk at least
        if count >= 2 * Parallel.threadCount || rows < 12 {
            Parallel.forEachChunk(count, grain: Swift.max(1, minimumWork / Swift.max(1, rows * k))) {
                multiply(panels: $0, rows: rows, a: a, lda: lda, into: c, ldc: ldc, accumulate: accumulate)
            }
        } else {
            let blocks = (rows + 5) / 6
            Parallel.forEachChunk(blocks, grain: Swift.max(1, minimumWork / Swift.max(1, 6 * k * count))) { r in
                let first = 6 * r.lowerBound
                multiply(panels: 0..<count, rows: Swift.min(rows, 6 * r.upperBound) - first, a: a + first * lda, lda: lda,
                         into: c + first * ldc, ldc: ldc, accumulate: accumulate)
            }
        }
    }

    /// ``multiply(rows:a:lda:into:ldc:accumulate:)`` for the columns of the panels `panels`
    /// only, on the calling thread: for a caller that splits the work across the cores itself.
    func multiply(panels: Range<Int>, rows: Int, a: UnsafePointer<Float>, lda: Int, into c: UnsafeMutablePointer<Float>, ldc: Int,
                  accumulate: Bool = false) {
        let ran = strata_gemm_packed_f32(Int64(rows), Int64(n), Int64(k), a, Int64(lda), self.panels,
                                         Int64(panels.lowerBound), Int64(panels.upperBound), c, Int64(ldc), accumulate ? 1 : 0)
        ensure(ran == 1, "PanelPackedMatrix: the AVX2 kernel did not run")
    }
}

extension PanelPackedMatrix {
    /// For kernels generic over the scalar: packs when `T` is `Float` (and the CPU has AVX2).
    static func float32<T>(_ b: UnsafePointer<T>, ldb: Int, transposed: Bool, k: Int, n: Int) -> PanelPackedMatrix? {
        guard T.self == Float.self else { return nil }
        return PanelPackedMatrix(float32Pointer(b), ldb: ldb, transposed: transposed, k: k, n: n)
    }

    /// ``multiply(rows:a:lda:into:ldc:accumulate:)`` for a `T` that is `Float` (the only kind
    /// `float32` packs).
    func multiply<T>(rows: Int, a: UnsafePointer<T>, lda: Int, into c: UnsafeMutablePointer<T>, ldc: Int) {
        ensure(T.self == Float.self, "PanelPackedMatrix: float32 only, got \(T.self)")
        multiply(rows: rows, a: float32Pointer(a), lda: lda, into: float32Pointer(c), ldc: ldc)
    }

    /// ``multiply(panels:rows:a:lda:into:ldc:accumulate:)`` for a `T` that is `Float`.
    func multiply<T>(panels: Range<Int>, rows: Int, a: UnsafePointer<T>, lda: Int, into c: UnsafeMutablePointer<T>, ldc: Int) {
        ensure(T.self == Float.self, "PanelPackedMatrix: float32 only, got \(T.self)")
        multiply(panels: panels, rows: rows, a: float32Pointer(a), lda: lda, into: float32Pointer(c), ldc: ldc)
    }
}
