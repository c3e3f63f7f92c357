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
        let out = Tensor(uninitialized: [x.shape[0], rows], dtype: .float32, device: x.device)
        if x.shape[0] == 0 { return out }
        x.backend.matmul(x, packed: self, activations: activations, kernels: kernels, into: out)
        return out
    }
}
