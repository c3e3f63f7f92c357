/// A float32 weight `[out, in]` packed once, for inference, into the panels of Strata's own
/// AVX2 product kernel (16 output features a panel, `strata_gemm_packed_f32`). A BLAS call packs
/// its operand again on every product, and on every thread's slice of it: for a sentence of 12
/// tokens through a `[1536, 384]` weight that packing costs as much as the product. The packed
/// copy holds the weight's values at the time of packing: pack again after they change.
/// `init` returns nil on CPUs without AVX2 and FMA (callers keep the general product).
///
/// ```swift
/// if let packed = PrepackedWeight(linear.weight) {
///     let y = withoutGradients { Tensor.linear(x, prepacked: packed, bias: linear.bias, adding: nil) }
/// }
/// ```
public final class PrepackedWeight: @unchecked Sendable {   // immutable after init
    let panels: PanelPackedMatrix
    /// The weight's output and input features.
    public let outputs: Int, inputs: Int

    /// Packs `weight` (float32 `[out, in]`); nil where the kernel cannot run.
    public init?(_ weight: Tensor) {
        guard weight.dtype == .float32, weight.rank == 2, weight.count > 0 else { return nil }
        let (outputs, inputs) = (weight.shape[0], weight.shape[1])
        let packed = weight.withUnsafeBuffer(as: Float.self) { w in
            PanelPackedMatrix(w.baseAddress!, ldb: inputs, transposed: true, k: inputs, n: outputs)
        }
        guard let packed else { return nil }
        panels = packed
        self.outputs = outputs
        self.inputs = inputs
    }
}

extension Tensor {
    /// `residual + x·Wᵀ + bias` with a ``PrepackedWeight`` W, x `[N, in]` float32. Inference only:
    /// call it inside `withoutGradients` (nothing is recorded for autodiff).
    public static func linear(_ x: Tensor, prepacked w: PrepackedWeight, bias: Tensor?, adding residual: Tensor?) -> Tensor {
        ensure(!GradMode.isEnabled, "Tensor.linear(prepacked:): inference only; call it inside withoutGradients")
        ensure(x.dtype == .float32 && x.rank == 2 && x.shape[1] == w.inputs,
               "Tensor.linear(prepacked:): x must be float32 [n, \(w.inputs)], got \(x.dtype) \(x.shape)")
        ensure(bias.map { $0.dtype == .float32 && $0.shape.dims == [w.outputs] } ?? true,
               "Tensor.linear(prepacked:): bias must be float32 [\(w.outputs)], got \(bias.map { "\($0.dtype) \($0.shape)" } ?? "")")
        ensure(residual.map { $0.dtype == .float32 && $0.shape.dims == [x.shape[0], w.outputs] } ?? true,
               "Tensor.linear(prepacked:): the residual must be float32 [\(x.shape[0]), \(w.outputs)], got \(residual.map { "\($0.dtype) \($0.shape)" } ?? "")")
        let out = Tensor(uninitialized: [x.shape[0], w.outputs], dtype: .float32, device: x.device)
        if x.shape[0] > 0 { x.backend.linear(x, prepacked: w, bias: bias, residual: residual, into: out) }
        return out
    }
}
