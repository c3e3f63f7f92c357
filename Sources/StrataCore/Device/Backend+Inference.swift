/// Which elements of a head the rotary position embedding turns together.
public enum RotaryPairing: Sendable, Equatable {
    /// Pairs (2i, 2i+1): the original LLaMA code and GGUF files.
    case adjacent
    /// Pairs (i, i + d/2), "rotate_half": Hugging Face's Llama and GPT-NeoX.
    case halves
}

/// The part of ``Backend`` for the fused inference kernels of pretrained decoders (Llama-family:
/// RMS normalisation, rotary position embedding, SwiGLU, attention over a key/value cache).
///
/// All tensors are float32 unless a requirement says otherwise. A key/value cache of one layer
/// is a `[kvHeads, capacity, D]` tensor, so that one head's positions are contiguous.
///
/// ```swift
/// let x = Tensor([[1, 2, 3, 4]] as [[Float]]), out = Tensor.empty([1, 4])
/// Device.cpu.backend.rmsNorm(x, weight: Tensor.ones([4]), epsilon: 1e-5, into: out)
/// ```
public protocol InferenceBackend {
    /// RMSNorm over the last axis of `x` `[n, C]`: `out = x / √(mean(x²) + ε) · weight` (`weight` `[C]`).
    func rmsNorm(_ x: Tensor, weight: Tensor, epsilon: Double, into out: Tensor)
    /// Turns every head of `x` `[T, heads·D]` in place: pair i of row t by the angle whose cosine and
    /// sine are `cos[t, i]`, `sin[t, i]` (`[T, D/2]` each).
    func rotaryEmbedding(_ x: Tensor, heads: Int, cos: Tensor, sin: Tensor, pairing: RotaryPairing)
    /// SwiGLU's gate, `out = silu(gate) ∘ up`, elementwise (all of one shape).
    func swiGLU(gate: Tensor, up: Tensor, into out: Tensor)
    /// Causal grouped-query attention (query head h reads kv head h / (H / Hkv)) of several
    /// sequences, each with its own cache: sequence b owns `counts[b]` consecutive rows of `query`
    /// `[ΣT, H·D]`, at positions `starts[b] ..< starts[b] + counts[b]` of `keys[b]`, `values[b]`
    /// (`[Hkv, capacity_b, D]`, filled up to its last row's position); its row t sees positions
    /// `0 ... starts[b] + t`. `out` `[ΣT, H·D]`. A decoding step has one row per sequence; a batched
    /// prefill one prompt per sequence. The caches are all float32 or all float16 (the arithmetic
    /// is float32 either way).
    func batchedCachedAttention(query: Tensor, keys: [Tensor], values: [Tensor], starts: [Int], counts: [Int],
                                heads: Int, into out: Tensor)
    /// Bidirectional attention within sequences packed row after row (an encoder's batch without
    /// padding): rows `starts[s] ..< starts[s + 1]` of `query`, `key` and `value` (`[N, H·D]` each,
    /// `starts` rising from 0 to N) form sequence s, and each query row attends to every row of its
    /// own sequence, head by head, with scale 1/√D. `out` `[N, H·D]`.
    func packedAttention(query: Tensor, key: Tensor, value: Tensor, sequenceStarts starts: [Int], heads: Int, into out: Tensor)
    /// Copies `rows` runs of `width` elements: run r from element `sourceOffset + r·sourceStride` of
    /// `source` to element `destinationOffset + r·destinationStride` of `destination` (the key/value
    /// cache's writes and growth): of one dtype, or float32 rounded into float16.
    func copyRows(_ source: Tensor, sourceOffset: Int, sourceStride: Int, into destination: Tensor,
                  destinationOffset: Int, destinationStride: Int, rows: Int, width: Int)
    /// The negative log-likelihood of `targets[r]` (int64, in 0..<V) under the softmax of row r of
    /// `logits` `[R, V]`, in float64, into `out` `[R]` (float64).
    func tokenNegativeLogLikelihoods(logits: Tensor, targets: Tensor, into out: Tensor)
}
