import CStrataKernels
import Foundation

/// The CPU bodies of the GEMM backend that are more than a call to ``GEMMScalar/gemm``: batch
/// offsets of broadcast products, and the packed and GGML-quantised products.
enum GEMMKernels {
    /// Batch indices of a and b (as matrix counts) for output batch `i`.
    static func batchOffsets(_ plan: BroadcastPlan, _ i: Int) -> (Int, Int) {
        let inner = plan.inner
        let (oa, ob) = plan.offsets(row: i / inner)
        let sa = plan.aStrides[plan.dims.count - 1], sb = plan.bStrides[plan.dims.count - 1]
        return (oa + (i % inner) * sa, ob + (i % inner) * sb)
    }

    /// Whether ``smallRows(m:n:k:a:lda:b:ldb:accumulate:c:ldc:)`` takes a float32 product: 1 to
    /// 16 rows of A times Bᵀ (B `[n, k]`, at least 16 by 16), alpha 1 and beta 0 or 1, on a CPU
    /// with AVX-512 or AVX2.
    static func takesSmallRows(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, beta: Float) -> Bool {
        !transA && transB && (1...16).contains(m) && n >= 16 && k >= 16 && alpha == 1 && (beta == 0 || beta == 1) && smallRowsAvailable
    }

    private static let smallRowsAvailable = strata_gemm_small_nt_available() != 0

    /// c = a · bᵀ (c += a · bᵀ when `accumulate`) for a few rows of `a` (`[m, k]`) and `b` `[n, k]`
    /// read in place (`strata_gemm_small_nt_f32`): a prompt of a few tokens through a linear
    /// layer, where a BLAS packing the weight on every call spends as long as on the product,
    /// or one token, where the product streams the weight from memory and two cores stream it
    /// at about 1.6 times the rate of the one OpenBLAS's sgemv keeps to (`BLAS.splitProducts`).
    /// Columns are split across the cores in groups of the kernel's 4.
    static func smallRows(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                          accumulate: Bool, c: UnsafeMutablePointer<Float>, ldc: Int) {
        Parallel.forEachChunk((n + 3) / 4, grain: Swift.max(1, 16_384 / Swift.max(1, m * k))) { r in
            let ran = strata_gemm_small_nt_f32(Int64(m), Int64(k), a, Int64(lda), b, Int64(ldb), Int64(4 * r.lowerBound),
                                               Int64(Swift.min(n, 4 * r.upperBound)), c, Int64(ldc), accumulate ? 1 : 0)
            ensure(ran == 1, "GEMMKernels.smallRows: the kernel did not run")
        }
    }

    /// yp `[tokens, rows]` = xp `[tokens, columns]` · Wᵀ for a packed W, rows split across threads.
    static func packedMatmul(_ matrix: PackedMatrix, _ xp: UnsafeMutablePointer<Float>, tokens: Int,
                             _ yp: UnsafeMutablePointer<Float>, activations: PackedMatrix.Activations, level: Int32) {
        let rows = matrix.rows, columns = matrix.columns
        let grain = Swift.max(1, (1 << 15) / Swift.max(1, columns * Swift.min(tokens, 4)))
        matrix.codes.withUnsafeBytes { raw in
            matrix.scales.withUnsafeBufferPointer { s in
                let w = raw.baseAddress!, sp = s.baseAddress!
                switch matrix.scheme {
                case .int8 where activations == .dynamicInt8 && columns <= PackedMatrix.maxDynamicColumns:
                    if tokens >= vnniMinimumTokens && level == Int32(STRATA_QUANT_AVX2) && strata_i8_vnni_available() != 0 {
                        vnniDynamicMatmul(w.assumingMemoryBound(to: Int8.self), sp, rows: rows, columns: columns, xp, tokens: tokens, yp)
                        return
                    }
                    let xq = UnsafeMutablePointer<Int8>.allocate(capacity: tokens * columns)
                    let xs = UnsafeMutablePointer<Float>.allocate(capacity: tokens)
                    defer { xq.deallocate(); xs.deallocate() }
                    strata_i8_quantize_rows(xp, Int64(tokens), Int64(columns), xq, xs)
                    Parallel.forEachChunk(rows, grain: grain) { range in
                        strata_i8_matmul_i8(level, w.assumingMemoryBound(to: Int8.self), sp, Int64(columns),
                                            Int64(range.lowerBound), Int64(range.upperBound), xq, xs, Int64(tokens), yp, Int64(rows))
                    }
                case .int8:
                    Parallel.forEachChunk(rows, grain: grain) { range in
                        strata_i8_matmul_f32(level, w.assumingMemoryBound(to: Int8.self), sp, Int64(columns),
                                             Int64(range.lowerBound), Int64(range.upperBound), xp, Int64(tokens), yp, Int64(rows))
                    }
                case .int4(let g):
                    Parallel.forEachChunk(rows, grain: grain) { range in
                        strata_i4_matmul_f32(level, w.assumingMemoryBound(to: UInt8.self), sp, Int64(columns), Int64(g),
                                             Int64(range.lowerBound), Int64(range.upperBound), xp, Int64(tokens), yp, Int64(rows))
                    }
                }
            }
        }
    }

    /// Tokens from which the dynamic int8 product repacks the weights for AVX-512 VNNI: below it
    /// (decoding) the repacking would cost more than the product.
    static let vnniMinimumTokens = 8

    /// The dynamic int8 product with AVX-512 VNNI (`packed_int_vnni.c`): x rounded to int8 codes
    /// (+128) once, then each thread repacks its panels of 16 weight rows and multiplies them by
    /// every token. Same int32 sums, same results as `strata_i8_matmul_i8`.
    static func vnniDynamicMatmul(_ w: UnsafePointer<Int8>, _ wscale: UnsafePointer<Float>, rows: Int, columns: Int,
                                  _ xp: UnsafeMutablePointer<Float>, tokens: Int, _ yp: UnsafeMutablePointer<Float>) {
        let groups = Int(strata_i8_vnni_column_groups(Int64(columns))), panels = Int(strata_i8_vnni_panels(Int64(rows)))
        let ldx = 4 * groups
        let xu = UnsafeMutablePointer<UInt8>.allocate(capacity: tokens * ldx)
        let xs = UnsafeMutablePointer<Float>.allocate(capacity: tokens)
        let packed = UnsafeMutablePointer<Int8>.allocate(capacity: panels * 16 * ldx)
        let rowsum = UnsafeMutablePointer<Int32>.allocate(capacity: panels * 16)
        defer { xu.deallocate(); xs.deallocate(); packed.deallocate(); rowsum.deallocate() }
        strata_i8_quantize_rows_u8(xp, Int64(tokens), Int64(columns), Int64(ldx), xu, xs)
        // Threads take pairs of panels (the kernel's tile is two panels wide).
        Parallel.forEachChunk((panels + 1) / 2, grain: 1) { pairs in
            let p0 = Int64(2 * pairs.lowerBound), p1 = Int64(Swift.min(2 * pairs.upperBound, panels))
            strata_i8_vnni_pack(w, Int64(rows), Int64(columns), p0, p1, packed, rowsum)
            strata_i8_vnni_matmul(packed, rowsum, wscale, Int64(rows), Int64(columns), p0, p1, xu, xs, Int64(tokens), yp, Int64(rows))
        }
    }

    /// yp `[tokens, rows]` = xp `[tokens, columns]` · Wᵀ for a GGML-encoded W: x rounded to int16
    /// codes per block of 32 first for the quantised types, rows split across threads.
    static func quantizedMatmul(_ matrix: QuantizedMatrix, _ xp: UnsafeMutablePointer<Float>, tokens: Int,
                                _ yp: UnsafeMutablePointer<Float>, level: Int32) {
        let ggmlType = matrix.type.rawValue
        let rowBytes = matrix.rowBytes, columns = matrix.columns, rows = matrix.rows, base = matrix.base

        if matrix.layout == .panels { return panelMatmul([matrix], xp, tokens: tokens, [yp], level: level) }
        var codes: UnsafeMutableRawPointer?
        if strata_quant_uses_codes(ggmlType) != 0 {
            codes = UnsafeMutableRawPointer.allocate(byteCount: strata_quant_codes_bytes(Int64(tokens), Int64(columns)), alignment: 64)
            strata_quant_make_codes(level, xp, Int64(tokens), Int64(columns), codes)
        }
        defer { codes?.deallocate() }
        let codesPointer = UnsafeRawPointer(codes)
        Parallel.forEachChunk(rows, grain: rowGrain(rowBytes: rowBytes, tokens: tokens)) { range in
            strata_quant_matmul(level, ggmlType, base, rowBytes, Int64(columns),
                                Int64(range.lowerBound), Int64(range.upperBound),
                                xp, codesPointer, Int64(tokens), yp, Int64(rows))
        }
    }

    /// Products with matrices in panels of 16 rows (`quant_panels.c`) that share their columns:
    /// x rounded to int16 codes once, then the panels of every matrix split across threads in
    /// one parallel pass (a layer's query, key and value take one pass, not three).
    static func panelMatmul(_ matrices: [QuantizedMatrix], _ xp: UnsafeMutablePointer<Float>, tokens: Int,
                            _ outs: [UnsafeMutablePointer<Float>], level: Int32) {
        let columns = matrices[0].columns
        let codes = UnsafeMutableRawPointer.allocate(byteCount: strata_quant_codes_bytes(Int64(tokens), Int64(columns)), alignment: 64)
        defer { codes.deallocate() }
        strata_quant_make_codes(level, xp, Int64(tokens), Int64(columns), codes)
        // Panel p of the whole list is panel p - firsts[i] of matrix i.
        var firsts = [0]
        for m in matrices { firsts.append(firsts.last! + (m.rows + 15) / 16) }
        let grain = Swift.max(1, rowGrain(rowBytes: matrices[0].rowBytes, tokens: tokens) / 16)
        withExtendedLifetime(matrices) {
            Parallel.forEachChunk(firsts.last!, grain: grain) { range in
                for (i, m) in matrices.enumerated() {
                    let lo = Swift.max(range.lowerBound, firsts[i]), hi = Swift.min(range.upperBound, firsts[i + 1])
                    guard lo < hi else { continue }
                    strata_quant_panels_matmul(level, m.type.rawValue, m.base.assumingMemoryBound(to: UInt8.self), Int64(m.rows),
                                               Int64(columns), Int64(lo - firsts[i]), Int64(hi - firsts[i]), codes, Int64(tokens),
                                               outs[i], Int64(m.rows))
                }
            }
        }
    }

    /// Rows below which a chunk is not worth a thread: about 64 KB of weights × tokens.
    static func rowGrain(rowBytes: Int, tokens: Int) -> Int {
        Swift.max(1, (1 << 16) / Swift.max(1, rowBytes * tokens))
    }

    /// Encodes `rows` float32 rows of `columns` values at `x` in `type`, row r at `out + r·rowBytes`.
    static func quantizeRows(_ x: UnsafeMutablePointer<Float>, rows: Int, columns: Int, type: GGMLType,
                             into out: UnsafeMutableRawPointer, rowBytes: Int) {
        Parallel.forEachChunk(rows, grain: Swift.max(1, (1 << 14) / columns)) { range in
            for r in range {
                let status = strata_quant_quantize_row(type.rawValue, x + r * columns, out + r * rowBytes, Int64(columns))
                ensure(status == 0, "strata_quant_quantize_row refused \(type)")
            }
        }
    }
}
