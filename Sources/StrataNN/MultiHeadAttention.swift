import StrataCore

/// Keys and values of earlier positions, kept between calls for incremental decoding: each
/// attention layer appends the keys and values of the new positions and attends over all of them.
///
/// ```swift
/// let cache = KeyValueCache()
/// _ = model(promptIds, cache: cache)      // fills the cache
/// _ = model(nextId, cache: cache)         // one new position, attends to the prompt too
/// ```
public final class KeyValueCache {
    private var keys: [ObjectIdentifier: Tensor] = [:]
    private var values: [ObjectIdentifier: Tensor] = [:]

    /// An empty cache.
    public init() {}

    /// Positions cached so far (the same for every layer once a forward pass completes).
    public private(set) var length = 0

    /// Appends `[B, H, T, D]` keys and values for `layer` and returns everything cached for it.
    func append(_ layer: AnyObject, keys newKeys: Tensor, values newValues: Tensor) -> (Tensor, Tensor) {
        let id = ObjectIdentifier(layer)
        let k = keys[id].map { Tensor.concatenated([$0, newKeys], axis: 2) } ?? newKeys
        let v = values[id].map { Tensor.concatenated([$0, newValues], axis: 2) } ?? newValues
        keys[id] = k
        values[id] = v
        length = k.shape[2]
        return (k, v)
    }

    /// Forgets every cached position.
    public func reset() {
        keys.removeAll()
        values.removeAll()
        length = 0
    }
}

/// Multi-head scaled dot-product attention (Vaswani et al. 2017) with one fused input projection
/// `[3E, E]` (queries, keys, values) and an output projection, as in PyTorch's
/// `nn.MultiheadAttention`; their checkpoint keys are GPT-2's, `c_attn` and `c_proj`. The
/// attention itself is the fused `Tensor.scaledDotProductAttention`.
///
/// ```swift
/// let attention = MultiHeadAttention(width: 128, heads: 4)
/// let y = attention(x, causal: true)                                  // self-attention, x: [B, T, 128]
/// let z = attention(query: x, key: memory, value: memory, keyPaddingMask: pad)
/// ```
public final class MultiHeadAttention: Module {
    /// The embedding width E of inputs and outputs.
    public let width: Int
    /// The number of heads; each head has width E / heads.
    public let heads: Int
    /// The fused query, key and value projection `[3E, E]` (key `c_attn`, as GPT-2's); after
    /// ``shard(over:)``, this process's heads of each, `[3E / size, E]`.
    public private(set) var inProjection: Linear
    /// The output projection `[E, E]` (key `c_proj`, as GPT-2's); after ``shard(over:)``, the
    /// columns of this process's heads, `[E, E / size]` (the bias stays whole).
    public private(set) var outProjection: Linear
    /// Set by ``shard(over:)``: the processes that share this layer.
    public private(set) var tensorParallel: TensorParallelism?

    /// Attention of `width` E split into `heads` heads; `width` must be divisible by `heads`.
    /// `bias` adds biases to both projections.
    public init(width: Int, heads: Int, bias: Bool = true) {
        ensure(heads >= 1 && width % heads == 0, "MultiHeadAttention: width \(width) is not divisible by \(heads) heads")
        self.width = width
        self.heads = heads
        inProjection = Linear(width, 3 * width, bias: bias)
        outProjection = Linear(width, width, bias: bias)
    }

    override public func key(for property: String) -> String {
        switch property {
        case "inProjection": "c_attn"
        case "outProjection": "c_proj"
        default: super.key(for: property)
        }
    }

    /// Checkpoints before format 2 used PyTorch's `nn.MultiheadAttention` names.
    override public func formerKeys(for property: String) -> [String] {
        switch property {
        case "inProjection": ["in_proj"]
        case "outProjection": ["out_proj"]
        default: []
        }
    }

    /// Self-attention over `x` `[B, T, E]` without a mask, so that the module sits in a `Sequential`.
    override public func callAsFunction(_ x: Tensor) -> Tensor { callAsFunction(x, causal: false, keyPaddingMask: nil, cache: nil) }

    /// Self-attention over `x` `[B, T, E]`. With `causal`, position t sees positions ≤ t.
    /// `keyPaddingMask` `[B, T]` is true at padding positions, which no query attends to.
    /// With a `cache`, the keys and values of `x` are appended to it and the queries attend to
    /// every cached position (causally, the cache counts as the past).
    public func callAsFunction(_ x: Tensor, causal: Bool = false, keyPaddingMask: Tensor? = nil,
                               cache: KeyValueCache? = nil) -> Tensor {
        let (batch, steps) = (x.shape[0], x.shape[1])
        if let tp = tensorParallel {
            ensure(causal && keyPaddingMask == nil && cache == nil,
                   "MultiHeadAttention: a tensor-parallel shard runs causal self-attention without a mask or cache (training); unshard() it first")
            // f, this process's heads, then its columns of the output projection, g, the bias once.
            let local = Tensor.causalSelfAttention(packed: inProjection(tp.enterRegion(x)), heads: heads / tp.size)
            return TensorParallelSlices.rowParallel(outProjection, local, tp).reshaped([batch, steps, width])
        }
        if causal && keyPaddingMask == nil && cache == nil {
            // Training's case: one primitive from the packed projection, no head split on the tape.
            return outProjection(Tensor.causalSelfAttention(packed: inProjection(x), heads: heads))
        }
        // [B, T, 3E] -> [3, B, H, T, D]
        let qkv = inProjection(x).reshaped([batch, steps, 3, heads, width / heads]).permuted([2, 0, 3, 1, 4])
        var (k, v) = (qkv[1], qkv[2])
        if let cache { (k, v) = cache.append(self, keys: k, values: v) }
        return attend(qkv[0], k, v, causal: causal, keyPaddingMask: keyPaddingMask)
    }

    /// Attention of `query` `[B, Tq, E]` over `key` and `value` `[B, Tk, E]` (cross-attention).
    public func callAsFunction(query: Tensor, key: Tensor, value: Tensor, causal: Bool = false,
                               keyPaddingMask: Tensor? = nil) -> Tensor {
        ensure(tensorParallel == nil, "MultiHeadAttention: a tensor-parallel shard runs causal self-attention only; unshard() it first")
        let e = width
        let w = inProjection.weight, b = inProjection.bias
        func project(_ x: Tensor, _ part: Int) -> Tensor {
            let rows = (part * e)..<((part + 1) * e)
            var y = Tensor.matmul(x.reshaped([-1, e]), w[rows, .all], transposeB: true)
            if let b { y = y + b[rows] }
            return y.reshaped([x.shape[0], x.shape[1], heads, e / heads]).permuted([0, 2, 1, 3])
        }
        return attend(project(query, 0), project(key, 1), project(value, 2), causal: causal, keyPaddingMask: keyPaddingMask)
    }

    private func attend(_ q: Tensor, _ k: Tensor, _ v: Tensor, causal: Bool, keyPaddingMask: Tensor?) -> Tensor {
        let (batch, steps) = (q.shape[0], q.shape[2])
        let allowed = keyPaddingMask.map { pad -> Tensor in
            ensure(pad.dtype == .bool && pad.shape == Shape([batch, k.shape[2]]),
                         "MultiHeadAttention: keyPaddingMask must be Bool [\(batch), \(k.shape[2])], got \(pad.dtype) \(pad.shape)")
            return (.!pad).reshaped([batch, 1, 1, k.shape[2]])
        }
        let heads = Tensor.scaledDotProductAttention(query: q, key: k, value: v, causal: causal, mask: allowed)
        return outProjection(heads.permuted([0, 2, 1, 3]).reshaped([batch, steps, width]))
    }

    /// Keeps this process's share of the heads (Megatron's split): its rows of the query, key and
    /// value projections (column-parallel) and its columns of the output projection (row-parallel),
    /// so the layer holds 1/size of the matrices; the forward pass then sums the partial outputs
    /// over the processes (``TensorParallelism``). Call it on a model with the same weights on
    /// every process, before making the optimizer. `heads` must be a multiple of `tp.size`.
    /// Returns the parameters that now hold a shard (their gradients' squares sum over the processes).
    @discardableResult
    public func shard(over tp: TensorParallelism) -> [Tensor] {
        ensure(tensorParallel == nil, "MultiHeadAttention.shard: the layer is already sharded")
        ensure(tp.size >= 1 && heads % tp.size == 0, "MultiHeadAttention.shard: \(heads) heads do not split over \(tp.size) processes")
        (inProjection, outProjection) = TensorParallelSlices.shard(inProjection, parts: 3, outProjection, tp)
        tensorParallel = tp
        return TensorParallelSlices.shardedParameters(inProjection, outProjection)
    }

    /// Gathers every process's shard back into whole matrices (a collective: every process of
    /// the group calls it), after which the layer runs alone again (decoding, saving).
    public func unshard() {
        guard let tp = tensorParallel else { return }
        (inProjection, outProjection) = TensorParallelSlices.gather(inProjection, parts: 3, outProjection, tp)
        tensorParallel = nil
    }
}
