extension Tensor {
    /// x·Wᵀ + b for x `[N, in]`, W `[out, in]`, b `[out]`: one fused primitive in which the bias
    /// seeds the output and the GEMM accumulates onto it (beta = 1), so no separate broadcast add
    /// runs forward and the bias gradient is a single column sum backward.
    ///
    /// `residual` (`[N, out]`), when given, is added too, in the same seeding pass: the skip
    /// connection of a transformer block (`x + proj(h)`) without a pass and a tensor of its own.
    ///
    /// ```swift
    /// let y = Tensor.linear(x, weight: w, bias: b)                 // [N, in] -> [N, out]
    /// let z = Tensor.linear(h, weight: w, bias: b, adding: skip)   // skip + h·Wᵀ + b
    /// ```
    public static func linear(_ x: Tensor, weight: Tensor, bias: Tensor?, adding residual: Tensor? = nil) -> Tensor {
        guard let bias else {
            let product = matmul(x, weight, transposeB: true)
            return residual.map { $0 + product } ?? product
        }
        x.requireFloat("linear")
        x.requireSameDType(weight, "linear")
        x.requireSameDType(bias, "linear")
        ensure(x.rank == 2 && weight.rank == 2 && x.shape[1] == weight.shape[1] && bias.shape == Shape([weight.shape[0]]),
               "linear: input \(x.shape), weight \(weight.shape) and bias \(bias.shape) do not fit")
        let (rows, outputs) = (x.shape[0], weight.shape[0])
        x.requireSameDevice(weight, bias, op: "linear")
        if let residual {
            x.requireSameDType(residual, "linear")
            ensure(residual.shape == Shape([rows, outputs]),
                   "linear: the residual \(residual.shape) is not the output's shape [\(rows), \(outputs)]")
            x.requireSameDevice(residual, op: "linear")
        }
        let out = Tensor(uninitialized: [rows, outputs], dtype: x.dtype, device: x.device)
        x.backend.linear(x, weight: weight, bias: bias, residual: residual, into: out)
        let xd = x.detached(), wd = weight.detached()
        let skip: [Tensor] = residual.map { [$0] } ?? []
        return record(out, "linear", [x, weight, bias] + skip) { g in
            [x.requiresGrad ? matmul(g, wd) : nil,
             weight.requiresGrad ? matmul(g, xd, transposeA: true) : nil,
             bias.requiresGrad ? g.sum(axes: [0]) : nil]
                + skip.map { $0.requiresGrad ? g : nil }
        }
    }
}
