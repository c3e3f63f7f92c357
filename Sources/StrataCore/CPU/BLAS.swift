import Foundation

/// Matrix-multiply backends: OpenBLAS loaded at run time with `dlopen`, or Strata's
/// built-in kernel. Set `STRATA_BLAS=builtin` to force the built-in one.
///
/// ```swift
/// print(BLAS.description)   // "OpenBLAS 0.3.21 (Zen)" or "built-in"
/// ```
public enum BLAS {
    typealias SgemmFn = @convention(c) (Int32, Int32, Int32, Int32, Int32, Int32, Float,
                                        UnsafePointer<Float>?, Int32, UnsafePointer<Float>?, Int32,
                                        Float, UnsafeMutablePointer<Float>?, Int32) -> Void
    typealias DgemmFn = @convention(c) (Int32, Int32, Int32, Int32, Int32, Int32, Double,
                                        UnsafePointer<Double>?, Int32, UnsafePointer<Double>?, Int32,
                                        Double, UnsafeMutablePointer<Double>?, Int32) -> Void

    typealias SgemvFn = @convention(c) (Int32, Int32, Int32, Int32, Float, UnsafePointer<Float>?, Int32,
                                        UnsafePointer<Float>?, Int32, Float, UnsafeMutablePointer<Float>?, Int32) -> Void

    struct OpenBLAS {
        let sgemm: SgemmFn
        let dgemm: DgemmFn
        /// Matrix-vector product, for single-row products (incremental decoding), where it
        /// streams the matrix once instead of packing it as sgemm does.
        let sgemv: SgemvFn?
        /// `openblas_set_num_threads`, when the library has it.
        let setThreads: (@convention(c) (Int32) -> Void)?
        let coreName: String
        let config: String
    }

    /// The loaded OpenBLAS, or nil when it is absent or disabled.
    static let openBLAS: OpenBLAS? = {
        if ProcessInfo.processInfo.environment["STRATA_BLAS"]?.lowercased() == "builtin" { return nil }
        chooseCoreType()
        // Idle OpenBLAS workers spin (sched_yield) before sleeping and take cores from
        // Strata's own threads between products; keep that spin short.
        if getenv("OPENBLAS_THREAD_TIMEOUT") == nil { setenv("OPENBLAS_THREAD_TIMEOUT", "4", 1) }
        var handle: UnsafeMutableRawPointer?
        for name in ["libopenblas.so.0", "libopenblas.so", "libopenblasp-r0.3.so"] {
            handle = dlopen(name, RTLD_NOW | RTLD_LOCAL)
            if handle != nil { break }
        }
        guard let handle, let s = dlsym(handle, "cblas_sgemm"), let d = dlsym(handle, "cblas_dgemm") else { return nil }
        // One OpenBLAS thread when Strata splits products itself (`splitProducts`); otherwise
        // OpenBLAS threads large products and small ones stay on the calling thread.
        let setThreads = dlsym(handle, "openblas_set_num_threads").map { unsafeBitCast($0, to: (@convention(c) (Int32) -> Void).self) }
        setThreads?(BLAS.splitProducts ? 1 : Int32(Parallel.threadCount))
        func string(_ symbol: String) -> String {
            guard let f = dlsym(handle, symbol) else { return "" }
            let get = unsafeBitCast(f, to: (@convention(c) () -> UnsafePointer<CChar>?).self)
            return get().map { String(cString: $0) } ?? ""
        }
        let blas = OpenBLAS(sgemm: unsafeBitCast(s, to: SgemmFn.self), dgemm: unsafeBitCast(d, to: DgemmFn.self),
                            sgemv: dlsym(handle, "cblas_sgemv").map { unsafeBitCast($0, to: SgemvFn.self) }, setThreads: setThreads,
                            coreName: string("openblas_get_corename"), config: string("openblas_get_config"))
        warmUp(blas)
        return blas
    }()

    /// OpenBLAS 0.3.21 does not recognise some newer CPUs and falls back to its slowest
    /// x86-64 kernels ("Prescott"), at a third of the speed or less. Unless the user set
    /// `OPENBLAS_CORETYPE`, pick the kernels from the CPU's features before loading it.
    private static func chooseCoreType() {
        guard getenv("OPENBLAS_CORETYPE") == nil,
              let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return }
        let flags = Set(line.split(separator: " ").map(String.init))
        if flags.isSuperset(of: ["avx512f", "avx512bw", "avx512dq", "avx512vl"]) {
            setenv("OPENBLAS_CORETYPE", "SkylakeX", 1)
            chosenCoreType = "SkylakeX"
        } else if flags.isSuperset(of: ["avx2", "fma"]) {
            setenv("OPENBLAS_CORETYPE", "Haswell", 1)
            chosenCoreType = "Haswell"
        }
    }

    /// The OpenBLAS kernel set Strata selected from the CPU's features (nil: OpenBLAS's own choice).
    // nonisolated(unsafe): written only by `chooseCoreType()`, inside the once-only initialiser
    // of `openBLAS` (which Swift runs under a lock), before OpenBLAS is loaded; read-only after.
    public nonisolated(unsafe) private(set) static var chosenCoreType: String?

    /// One 512³ product at start-up: when a process's first sgemm is small, OpenBLAS stays slow for small calls.
    private static func warmUp(_ blas: OpenBLAS) {
        let n = 512
        let a = [Float](repeating: 1, count: n * n)
        var c = [Float](repeating: 0, count: n * n)
        blas.sgemm(101, 111, 111, Int32(n), Int32(n), Int32(n), 1, a, Int32(n), a, Int32(n), 0, &c, Int32(n))
    }

    /// Whether Strata splits large products across its own threads, each calling a
    /// single-threaded OpenBLAS on its rows (or, for fewer than 256 rows, its columns). On by
    /// default: OpenBLAS's own workers spin (`sched_yield`) after every product and take the
    /// cores from Strata's elementwise loops in between, which cost gpt-char about a fifth of
    /// its speed (AMD EPYC Zen3, 2 threads: 8,000 tokens/s threaded by OpenBLAS, 9,800 split).
    /// `STRATA_GEMM_SPLIT=0` hands threading back to OpenBLAS.
    static let splitProducts = ProcessInfo.processInfo.environment["STRATA_GEMM_SPLIT"] != "0"

    /// True when OpenBLAS is in use.
    public static var isOpenBLAS: Bool { openBLAS != nil }

    /// Which GEMM is active, e.g. "OpenBLAS (Zen)" or "built-in".
    public static var description: String {
        guard let b = openBLAS else { return "built-in" }
        let version = b.config.split(separator: " ").dropFirst().first.map(String.init) ?? ""
        return "OpenBLAS \(version) (\(b.coreName.isEmpty ? "unknown core" : b.coreName))".replacingOccurrences(of: "  ", with: " ")
    }

    /// How to get OpenBLAS when it is missing.
    public static let installHint = "apt-get install libopenblas0   (Strata loads libopenblas.so.0 at run time; STRATA_BLAS=builtin forces the built-in GEMM)"
}

/// Row-major GEMM: C[m,n] = alpha * op(A)[m,k] * op(B)[k,n] + beta * C.
/// `lda`, `ldb`, `ldc` are row strides of the stored matrices.
protocol GEMMScalar: FloatScalar & SIMDScalar & Codable {
    static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Self,
                     a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
                     beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
}

extension Float: GEMMScalar {
    static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                     a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                     beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if GEMMKernels.takesSmallRows(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, beta: beta) {
            GEMMKernels.smallRows(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, accumulate: beta == 1, c: c, ldc: ldc)
        } else if let blas = BLAS.openBLAS, m == 1, let sgemv = blas.sgemv {
            // One row: c = op(B)ᵀ · a, with a read at stride lda when it is a column of A.
            let incA = Int32(transA ? lda : 1)
            if transB {   // B is [n, k]: c = B · a
                sgemv(101, 111, Int32(n), Int32(k), alpha, b, Int32(ldb), a, incA, beta, c, 1)
            } else {      // B is [k, n]: c = Bᵀ · a
                sgemv(101, 112, Int32(k), Int32(n), alpha, b, Int32(ldb), a, incA, beta, c, 1)
            }
        } else if let blas = BLAS.openBLAS, BLAS.splitProducts, m >= 256 || n >= 256, m * n * k >= 1 << 20 {
            // Two or more slices of at least 64 rows (columns), one per Strata thread.
            if m >= 256 {
                Parallel.forEachChunk(m, grain: 64) { r in
                    blas.sgemm(101, transA ? 112 : 111, transB ? 112 : 111, Int32(r.count), Int32(n), Int32(k), alpha,
                               a + (transA ? r.lowerBound : r.lowerBound * lda), Int32(lda), b, Int32(ldb), beta,
                               c + r.lowerBound * ldc, Int32(ldc))
                }
            } else {
                Parallel.forEachChunk(n, grain: 64) { r in
                    blas.sgemm(101, transA ? 112 : 111, transB ? 112 : 111, Int32(m), Int32(r.count), Int32(k), alpha,
                               a, Int32(lda), b + (transB ? r.lowerBound * ldb : r.lowerBound), Int32(ldb), beta,
                               c + r.lowerBound, Int32(ldc))
                }
            }
        } else if let blas = BLAS.openBLAS {
            blas.sgemm(101, transA ? 112 : 111, transB ? 112 : 111, Int32(m), Int32(n), Int32(k), alpha,
                       a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        } else {
            BuiltinGEMM.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                             b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        }
    }
}

extension Double: GEMMScalar {
    static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double,
                     a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
                     beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int) {
        if let blas = BLAS.openBLAS {
            blas.dgemm(101, transA ? 112 : 111, transB ? 112 : 111, Int32(m), Int32(n), Int32(k), alpha,
                       a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        } else {
            BuiltinGEMM.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                             b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        }
    }
}

extension BLAS {
    /// A closure that multiplies two fixed random n×n float32 matrices by calling OpenBLAS's
    /// `cblas_sgemm` directly (with OpenBLAS's own threads), bypassing Strata: the reference
    /// for `strata bench gemm`. Nil when OpenBLAS is not loaded.
    ///
    /// ```swift
    /// if let direct = BLAS.directSGEMM(n: 1024) { direct() }
    /// ```
    public static func directSGEMM(n: Int) -> (() -> Void)? {
        guard let blas = openBLAS else { return nil }
        var rng = RandomGenerator(seed: 7)
        let a = (0..<(n * n)).map { _ in Float(rng.nextUniform()) }
        let b = (0..<(n * n)).map { _ in Float(rng.nextUniform()) }
        let c = UnsafeMutablePointer<Float>.allocate(capacity: n * n)
        let holder = DirectBuffers(a: a, b: b, c: c)
        return {
            // OpenBLAS threading its own product over every core, as a program calling it would.
            if splitProducts { blas.setThreads?(Int32(Parallel.threadCount)) }
            defer { if splitProducts { blas.setThreads?(1) } }
            blas.sgemm(101, 111, 111, Int32(n), Int32(n), Int32(n), 1, holder.a, Int32(n), holder.b, Int32(n), 0, holder.c, Int32(n))
        }
    }
}

/// Buffers owned by a `directSGEMM` closure.
private final class DirectBuffers {
    let a: [Float], b: [Float]
    let c: UnsafeMutablePointer<Float>
    init(a: [Float], b: [Float], c: UnsafeMutablePointer<Float>) { self.a = a; self.b = b; self.c = c }
    deinit { c.deallocate() }
}
