/// The part of Backend for matrix products: dense, batched, packed and quantised weights.
///
/// ```swift
/// let out = Tensor.empty([2, 4])
/// a.device.backend.matmul(a, b, transposeA: false, transposeB: false, into: out)   // [2, 3]·[3, 4]
/// ```
public protocol GEMMBackend {
    /// out `[batch..., m, n]` = op(a)·op(b), op transposing a matrix's last two axes when asked:
    /// a `[batchA..., m, k]` (`[..., k, m]` transposed), b `[batchB..., k, n]` (`[..., n, k]`);
    /// the batch axes broadcast to out's. a, b and out of one float dtype.
    func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool, transposeB: Bool, into out: Tensor)
    /// out `[N, O]` = x `[N, I]` · weightᵀ (weight `[O, I]`) + bias `[O]` + residual `[N, O]`,
    /// the bias (and the residual, when given) seeding the product.
    func linear(_ x: Tensor, weight: Tensor, bias: Tensor, residual: Tensor?, into out: Tensor)
    /// The same with a ``PrepackedWeight`` (float32; bias and residual optional).
    func linear(_ x: Tensor, prepacked w: PrepackedWeight, bias: Tensor?, residual: Tensor?, into out: Tensor)
    /// out `[n, rows]` = x `[n, columns]` · Wᵀ for an int8/int4 packed W (float32 x and out).
    func matmul(_ x: Tensor, packed w: PackedMatrix, activations: PackedMatrix.Activations,
                kernels: QuantizedMatrix.Kernels, into out: Tensor)
    /// out `[..., rows]` = x `[..., columns]` · Wᵀ for a GGML-encoded W (float32 x and out).
    func matmul(_ x: Tensor, quantized w: QuantizedMatrix, kernels: QuantizedMatrix.Kernels, into out: Tensor)
    /// outs[i] `[n, ws[i].rows]` = x `[n, columns]` · ws[i]ᵀ for several GGML-encoded matrices of
    /// the same columns (a layer's query, key and value): one pass where the backend can share
    /// the rounding of x and the threads between them. The default runs them one by one.
    func matmul(_ x: Tensor, quantized ws: [QuantizedMatrix], kernels: QuantizedMatrix.Kernels, into outs: [Tensor])
    /// out `[ids.count, columns]` (float32) = rows `ids` of a packed matrix, expanded to floats.
    func dequantize(_ w: PackedMatrix, rows ids: [Int], into out: Tensor)
    /// out `[rows, columns]` (float32) = every value of a GGML-encoded matrix, as ggml expands it.
    func dequantize(_ w: QuantizedMatrix, kernels: QuantizedMatrix.Kernels, into out: Tensor)
    /// Encodes the rows of a float32 `[rows, columns]` tensor in `type` into host memory
    /// `bytes` (rows × `type.byteCount(elements: columns)` bytes, GGML's reference quantisers).
    func quantize(_ w: Tensor, to type: GGMLType, into bytes: UnsafeMutableRawBufferPointer)
}

extension GEMMBackend {
    public func matmul(_ x: Tensor, quantized ws: [QuantizedMatrix], kernels: QuantizedMatrix.Kernels, into outs: [Tensor]) {
        for (w, out) in zip(ws, outs) { matmul(x, quantized: w, kernels: kernels, into: out) }
    }
}
