import StrataCore

/// The position-wise MLP of a transformer block: Linear(E, 4E) → GELU (tanh form, as GPT-2) → Linear(4E, E).
///
/// ```swift
/// let mlp = FeedForward(width: 128)
/// let y = mlp(x)   // [B, T, 128] -> [B, T, 128]
/// ```
public final class FeedForward: Module {
    /// The first projection `[hidden, E]`, from the width to the hidden size (key `c_fc`); after
    /// ``shard(over:)``, this process's hidden units, `[hidden / size, E]`.
    public private(set) var expand: Linear
    /// The second projection `[E, hidden]`, back to the width (key `c_proj`); after
    /// ``shard(over:)``, the columns of this process's hidden units (the bias stays whole).
    public private(set) var project: Linear
    /// Set by ``shard(over:)``: the processes that share this layer.
    public private(set) var tensorParallel: TensorParallelism?

    /// An MLP on `width` features with `hidden` units (default 4·width); `bias` adds biases to both layers.
    public init(width: Int, hidden: Int? = nil, bias: Bool = true) {
        expand = Linear(width, hidden ?? 4 * width, bias: bias)
        project = Linear(hidden ?? 4 * width, width, bias: bias)
    }

    /// GPT-2's keys: `c_fc` and `c_proj`.
    override public func key(for property: String) -> String {
        switch property {
        case "expand": "c_fc"
        case "project": "c_proj"
        default: super.key(for: property)
        }
    }

    /// Checkpoints before format 2 used the property names.
    override public func formerKeys(for property: String) -> [String] {
        property == "expand" || property == "project" ? [property] : []
    }

    override public func callAsFunction(_ x: Tensor) -> Tensor {
        guard let tp = tensorParallel else { return project(expand(x).gelu(approximate: true)) }
        // f, this process's hidden units, its columns of the second projection, g, the bias once.
        let hidden = expand(tp.enterRegion(x)).gelu(approximate: true)
        return TensorParallelSlices.rowParallel(project, hidden, tp).reshaped(x.shape.dims)
    }

    /// Keeps this process's share of the hidden units (Megatron's split: the first projection's
    /// rows, column-parallel; the second's columns, row-parallel). See ``MultiHeadAttention/shard(over:)``.
    @discardableResult
    public func shard(over tp: TensorParallelism) -> [Tensor] {
        ensure(tensorParallel == nil, "FeedForward.shard: the layer is already sharded")
        ensure(tp.size >= 1 && expand.weight.shape[0] % tp.size == 0,
               "FeedForward.shard: \(expand.weight.shape[0]) hidden units do not split over \(tp.size) processes")
        (expand, project) = TensorParallelSlices.shard(expand, parts: 1, project, tp)
        tensorParallel = tp
        return TensorParallelSlices.shardedParameters(expand, project)
    }

    /// Gathers the shards back into whole matrices (a collective).
    public func unshard() {
        guard let tp = tensorParallel else { return }
        (expand, project) = TensorParallelSlices.gather(expand, parts: 1, project, tp)
        tensorParallel = nil
    }
}

/// A pre-LayerNorm transformer block (GPT-2, Radford et al. 2019):
/// x + Dropout(Attention(LN(x))), then x + Dropout(MLP(LN(x))).
///
/// ```swift
/// let block = TransformerBlock(width: 128, heads: 4)
/// let y = block(x, causal: true)    // [B, T, 128]
/// ```
public final class TransformerBlock: Module {
    /// The LayerNorm before attention (key `ln_1`).
    public let attentionNorm: LayerNorm
    /// The self-attention (key `attn`).
    public let attention: MultiHeadAttention
    /// The LayerNorm before the MLP (key `ln_2`).
    public let feedForwardNorm: LayerNorm
    /// The position-wise MLP (key `mlp`).
    public let feedForward: FeedForward
    /// The dropout applied to the attention and MLP outputs before each residual addition.
    public let dropout: Dropout

    /// A block of `width` features and `heads` attention heads; `dropout` (default 0) applies to both
    /// residual branches and `bias` to every projection and LayerNorm.
    public init(width: Int, heads: Int, dropout: Double = 0, bias: Bool = true) {
        attentionNorm = LayerNorm([width], bias: bias)
        attention = MultiHeadAttention(width: width, heads: heads, bias: bias)
        feedForwardNorm = LayerNorm([width], bias: bias)
        feedForward = FeedForward(width: width, bias: bias)
        self.dropout = Dropout(dropout)
    }

    override public func key(for property: String) -> String {
        switch property {
        case "attentionNorm": "ln_1"
        case "attention": "attn"
        case "feedForwardNorm": "ln_2"
        case "feedForward": "mlp"
        default: super.key(for: property)
        }
    }

    /// Splits the attention heads and the MLP's hidden units over `tp`'s processes (Megatron-style
    /// tensor parallelism); the norms stay whole on every process. See ``MultiHeadAttention/shard(over:)``.
    @discardableResult
    public func shard(over tp: TensorParallelism) -> [Tensor] {
        attention.shard(over: tp) + feedForward.shard(over: tp)
    }

    /// Gathers the shards back (a collective).
    public func unshard() {
        attention.unshard()
        feedForward.unshard()
    }

    /// The block applied causally to `x` `[B, T, E]`, so that it sits in a `Sequential`.
    override public func callAsFunction(_ x: Tensor) -> Tensor { callAsFunction(x, causal: true, keyPaddingMask: nil, cache: nil) }

    /// Applies the block to `x` `[B, T, E]`; see `MultiHeadAttention` for the mask and cache.
    public func callAsFunction(_ x: Tensor, causal: Bool = true, keyPaddingMask: Tensor? = nil,
                               cache: KeyValueCache? = nil) -> Tensor {
        let h = x + dropout(attention(attentionNorm(x), causal: causal, keyPaddingMask: keyPaddingMask, cache: cache))
        return h + dropout(feedForward(feedForwardNorm(h)))
    }
}
