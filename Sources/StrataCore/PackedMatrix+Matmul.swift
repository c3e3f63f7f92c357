import CStrataKernels
import Foundation

extension PackedMatrix {
    /// How a product treats the activations.
    public enum Activations: String, Sendable, CaseIterable {
        /// float32 activations times the expanded codes (weight-only quantisation).
        case float
        /// int8 matrices only: each row of x rounded to int8 with one scale per row, then exact
        /// integer products (as `torch.ao.quantization.quantize_dynamic`); int4 matrices ignore it.
        case dynamicInt8 = "dynamic-int8"
    }

    /// x · Wᵀ: x is float32 `[n, columns]`, the result `[n, rows]`. Rows are split across
    /// `Parallel.threadCount` threads. Inference only (not recorded for autodiff).
    ///
    /// ```swift
    /// let y = w.matmul(x, activations: .dynamicInt8)   // [32, 784] -> [32, 256]
    /// ```
    public func matmul(_ x: Tensor, activations: Activations = .float,
                       kernels: QuantizedMatrix.Kernels = .default) -> Tensor {
        ensure(x.dtype == .float32 && x.rank == 2 && x.shape[1] == columns,
               "PackedMatrix.matmul: x must be float32 [n, \(columns)], got \(x.dtype) \(x.shape)")
        let tokens = x.shape[0], rows = self.rows, columns = self.columns, level = kernels.rawValue
        let out = Tensor(uninitialized: [tokens, rows], dtype: .float32)
        if tokens == 0 { return out }
        let xp = x.pointer(Float.self), yp = out.pointer(Float.self)
        let grain = Swift.max(1, (1 << 15) / Swift.max(1, columns * Swift.min(tokens, 4)))
        codes.withUnsafeBytes { raw in
            scales.withUnsafeBufferPointer { s in
                let w = raw.baseAddress!, sp = s.baseAddress!
                switch scheme {
                case .int8 where activations == .dynamicInt8 && columns <= Self.maxDynamicColumns:
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
        return withExtendedLifetime(x) { out }
    }
}
