import CStrataKernels
import Foundation

extension QuantizedMatrix {
    /// The kernel sets of the quantised products.
    public enum Kernels: Int32, Sendable, CustomStringConvertible {
        /// Portable C.
        case scalar = 0
        /// AVX2 + FMA + F16C (x86-64 since 2013).
        case avx2 = 1

        /// The fastest set this CPU runs.
        public static let best = Kernels(rawValue: strata_quant_best_level()) ?? .scalar

        /// The set products use unless told otherwise: `best`, or `scalar` when the environment
        /// sets `STRATA_QUANT_KERNELS=scalar`.
        public static let `default`: Kernels =
            ProcessInfo.processInfo.environment["STRATA_QUANT_KERNELS"]?.lowercased() == "scalar" ? .scalar : best

        public var description: String { self == .avx2 ? "AVX2" : "scalar" }
    }

    /// x · Wᵀ: x is float32 [..., columns], the result [..., rows]. Inference only (not recorded
    /// for autodiff). Rows are split across `Parallel.threadCount` threads; with several rows
    /// in x (prefill, a batch of sequences) each weight block is unpacked once per tile of 4
    /// tokens, and a group of weight rows stays in cache while every tile passes over it.
    ///
    /// Quantised types round x to int16 codes per block of 32 values first (the error this adds
    /// is about 1e-5 of the product's size, against ~1e-7 for float32 arithmetic); F32, F16 and
    /// BF16 multiply float32 x directly.
    ///
    /// ```swift
    /// let logits = head.matmul(hidden)   // [1, 576] -> [1, 49152]
    /// ```
    public func matmul(_ x: Tensor, kernels: Kernels = .default) -> Tensor {
        guard x.dtype == .float32, x.rank >= 1, x.shape[x.rank - 1] == columns else {
            fatalError("QuantizedMatrix.matmul: x must be float32 [..., \(columns)], got \(x.dtype) \(x.shape)")
        }
        let out = Tensor(uninitialized: Shape(Array(x.shape.dims.dropLast()) + [rows]), dtype: .float32, device: x.device)
        if x.count == 0 { return out }
        x.backend.matmul(x, quantized: self, kernels: kernels, into: out)
        return out
    }
}
