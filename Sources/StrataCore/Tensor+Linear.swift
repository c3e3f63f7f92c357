extension Tensor {
    /// x·Wᵀ + b for x `[N, in]`, W `[out, in]`, b `[out]`: one fused primitive in which the bias
    /// seeds the output and the GEMM accumulates onto it (beta = 1), so no separate broadcast add
    /// runs forward and the bias gradient is a single column sum backward.
    ///
    /// ```swift
    /// let y = Tensor.linear(x, weight: w, bias: b)   // [N, in] -> [N, out]
    /// ```
    public static func linear(_ x: Tensor, weight: Tensor, bias: Tensor?) -> Tensor {
        guard let bias else { return matmul(x, weight, transposeB: true) }
        x.requireFloat("linear")
        x.requireSameDType(weight, "linear")
        x.requireSameDType(bias, "linear")
        let (rows, inputs, outputs) = (x.shape[0], weight.shape[1], weight.shape[0])
        ensure(x.rank == 2 && x.shape[1] == inputs && bias.shape == Shape([outputs]),
                     "linear: input \(x.shape), weight \(weight.shape) and bias \(bias.shape) do not fit")
        let out = Tensor(uninitialized: [rows, outputs], dtype: x.dtype)
        func forward<T: GEMMScalar>(_: T.Type) {
            let o = out.pointer(T.self), b = bias.pointer(T.self)
            for r in 0..<rows { (o + r * outputs).update(from: b, count: outputs) }
            T.gemm(transA: false, transB: true, m: rows, n: outputs, k: inputs, alpha: 1, a: x.pointer(T.self), lda: inputs,
                   b: weight.pointer(T.self), ldb: inputs, beta: 1, c: o, ldc: outputs)
        }
        if x.dtype == .float32 { forward(Float.self) } else { forward(Double.self) }
        let xd = x.detached(), wd = weight.detached()
        return record(out, "linear", [x, weight, bias]) { g in
            [x.requiresGrad ? matmul(g, wd) : nil,
             weight.requiresGrad ? matmul(g, xd, transposeA: true) : nil,
             bias.requiresGrad ? g.sum(axes: [0]) : nil]
        }
    }
}
