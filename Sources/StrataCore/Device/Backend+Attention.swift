/// The part of Backend for scaled dot-product attention, forward and backward.
public protocol AttentionBackend {
    /// In place on scores `[..., tq, tk]`: each row becomes softmax(scale · row) over the keys it
    /// sees: key j when `causal` allows it (j ≤ i + tk - tq) and `mask` (Bool, scores' shape, or
    /// nil) is true; a row that sees no key becomes zeros.
    func attentionSoftmax(_ scores: Tensor, mask: Tensor?, scale: Double, causal: Bool)
    /// In place on the scores' gradient `dScores` `[..., tq, tk]`: dScores ← scale · p ∘ (dScores -
    /// Σ_row dScores ∘ p), given the attention weights `p` (same shape) of the forward pass.
    func attentionSoftmaxBackward(_ dScores: Tensor, probabilities p: Tensor, scale: Double)
    /// Copies columns `columnOffset ..< columnOffset + heads · d` of `x` `[B, T, width]` into `out`
    /// `[B, heads, T, d]` (one head after another); any dtype.
    func splitHeads(_ x: Tensor, columnOffset: Int, into out: Tensor)
    /// The inverse of ``splitHeads(_:columnOffset:into:)``: copies `x` `[B, heads, T, d]` into columns
    /// `columnOffset ..< columnOffset + heads · d` of `out` `[B, T, width]`, leaving the others.
    func mergeHeads(_ x: Tensor, into out: Tensor, columnOffset: Int)
}
