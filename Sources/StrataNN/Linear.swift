import StrataCore

/// y = x·Wᵀ + b over the last axis. Weight `[out, in]`, bias `[out]` (PyTorch layout and keys).
///
/// ```swift
/// let fc = Linear(784, 512)
/// let h = fc(x)   // [B, 784] -> [B, 512]
/// ```
public final class Linear: Module, PackedWeightLayer {
    /// The weight matrix `[out, in]`, initialised by `initializer` (PyTorch's default by default).
    public let weight: Tensor
    /// The bias `[out]`, or nil when created with `bias: false`.
    public let bias: Tensor?
    /// When set, inference products read these int8/int4 codes instead of `weight` (no gradient).
    public var packedWeight: PackedMatrix?
    /// How products with `packedWeight` treat the activations (dynamic int8 for int8 weights).
    public var packedActivations: PackedMatrix.Activations = .float
    /// When set, products outside autodiff (`withoutGradients`) use this copy of `weight` packed
    /// for the CPU kernel (``Module/prepackLinearWeights()``); it must be packed again (or
    /// cleared) when `weight` changes.
    public var prepackedWeight: PrepackedWeight?

    /// A layer from `inputSize` to `outputSize` features; the bias is drawn as in PyTorch from the
    /// fan-in `inputSize`.
    public init(_ inputSize: Int, _ outputSize: Int, bias: Bool = true, initializer: Initializer = .pytorchDefault) {
        weight = initializer.make([outputSize, inputSize])
        self.bias = bias ? defaultBias(outputSize, fanIn: inputSize) : nil
    }

    /// A layer whose parameters are copies of `weight` `[out, in]` and `bias` `[out]` (a shard of
    /// a larger layer, for instance); the copies are gradient-tracking leaves.
    public init(weight: Tensor, bias: Tensor?) {
        ensure(weight.rank == 2 && bias.map { $0.shape.dims == [weight.shape[0]] } ?? true,
               "Linear(weight:bias:): weight must be [out, in] and bias [out], got \(weight.shape) and \(bias.map { "\($0.shape)" } ?? "none")")
        self.weight = ownedLeaf(weight)
        self.bias = bias.map(ownedLeaf)
    }

    override public func callAsFunction(_ x: Tensor) -> Tensor { apply(x, adding: nil) }

    /// `residual + x·Wᵀ + b`, the skip connection added while the output is seeded (see
    /// ``Tensor/linear(_:weight:bias:adding:)``); `residual` has the output's shape.
    ///
    /// ```swift
    /// let h = proj(attended, adding: x)   // x + proj(attended), one pass fewer
    /// ```
    public func callAsFunction(_ x: Tensor, adding residual: Tensor) -> Tensor { apply(x, adding: residual) }

    private func apply(_ x: Tensor, adding residual: Tensor?) -> Tensor {
        ensure(x.shape.last == weight.shape[1],
                     "Linear: input has \(x.shape.last ?? 0) features (shape \(x.shape)), the layer expects \(weight.shape[1])")
        let shape = Array(x.shape.dims.dropLast()) + [weight.shape[0]]
        ensure(residual == nil || residual!.shape.dims == shape,
               "Linear: the residual \(residual!.shape) is not the output's shape \(shape)")
        let flat = x.rank == 2 ? x : x.reshaped([-1, weight.shape[1]])   // [N, in]
        let skip = residual.map { x.rank == 2 ? $0 : $0.reshaped([-1, weight.shape[0]]) }
        let out: Tensor
        if let packedWeight {
            let y = packedWeight.matmul(flat, activations: packedActivations)   // [N, out]
            let biased = bias.map { y + $0 } ?? y
            out = skip.map { $0 + biased } ?? biased
        } else if let prepackedWeight, !GradMode.isEnabled, flat.dtype == .float32 {
            out = Tensor.linear(flat, prepacked: prepackedWeight, bias: bias, adding: skip)
        } else {
            out = Tensor.linear(flat, weight: weight, bias: bias, adding: skip)
        }
        return x.rank == 2 ? out : out.reshaped(shape)
    }
}

extension Module {
    /// Packs the weight of every float32 `Linear` at or under this module for inference
    /// products (``Linear/prepackedWeight``): a model that only infers, such as a loaded sentence
    /// encoder, then skips the BLAS packing of its weights on every call. Does nothing on CPUs
    /// without AVX2. Call it again after the weights change (or set the property to nil).
    ///
    /// ```swift
    /// bert.prepackLinearWeights()
    /// let hidden = withoutGradients { bert(ids) }
    /// ```
    public func prepackLinearWeights() {
        for linear in float32LinearLayers() { linear.prepackedWeight = PrepackedWeight(linear.weight) }
    }

    /// Runs `body` with the weight of every float32 `Linear` at or under this module packed as
    /// ``prepackLinearWeights()`` packs it, and drops those copies afterwards; layers that already
    /// have a packed or quantised weight keep it. For many inference products while the weights
    /// stay as they are: ``Trainer``'s `predict` over a dataset packs each weight once, not once
    /// a batch.
    ///
    /// ```swift
    /// let scores = model.withPrepackedLinearWeights { inference { batches.map { model($0) } } }
    /// ```
    public func withPrepackedLinearWeights<R>(_ body: () throws -> R) rethrows -> R {
        let packedHere = float32LinearLayers().filter { $0.prepackedWeight == nil && $0.packedWeight == nil }
        for linear in packedHere { linear.prepackedWeight = PrepackedWeight(linear.weight) }
        defer { for linear in packedHere { linear.prepackedWeight = nil } }
        return try body()
    }

    /// This module, when it is one, and every `Linear` under it with a float32 weight, each once.
    private func float32LinearLayers() -> [Linear] {
        var seen = Set<ObjectIdentifier>(), layers: [Linear] = []
        func visit(_ module: Module) {
            if let linear = module as? Linear, linear.weight.dtype == .float32, seen.insert(ObjectIdentifier(linear)).inserted {
                layers.append(linear)
            }
            for (_, child) in module.namedChildren() { visit(child) }
        }
        visit(self)
        return layers
    }
}

/// Token ids to vectors: a `[count, dimension]` table initialised N(0, 1), as in PyTorch.
///
/// ```swift
/// let embed = Embedding(65, 64)
/// let vectors = embed(ids)   // [B, T] int -> [B, T, 64]
/// ```
public final class Embedding: Module, PackedWeightLayer {
    /// The embedding table `[count, dimension]`; row i is the vector of token id i.
    public let weight: Tensor
    /// When set, lookups (and `tiedProjection`) read these int8/int4 codes instead of `weight`.
    public var packedWeight: PackedMatrix?

    /// A table of `count` vectors of size `dimension`, initialised N(0, 1) by default.
    public init(_ count: Int, _ dimension: Int, initializer: Initializer = .normal(std: 1)) {
        weight = initializer.make([count, dimension])
    }

    override public func callAsFunction(_ ids: Tensor) -> Tensor {
        guard let packedWeight else { return weight[indices: ids] }
        let rows = ids.toArray(as: Int64.self).map { Int($0) }
        ensure(rows.allSatisfy { (0..<packedWeight.rows).contains($0) },
               "Embedding: an id of \(ids.shape) is outside 0..<\(packedWeight.rows)")
        return packedWeight.gatherRows(rows).reshaped(ids.shape.dims + [packedWeight.columns])   // [..., dimension]
    }

    /// `x · weightᵀ`: `[N, dimension]` to `[N, count]`, the output head of a model that ties it
    /// to its token embedding (Press & Wolf 2017); reads the packed codes when set.
    ///
    /// ```swift
    /// let logits = embed.tiedProjection(hidden)   // [N, 64] -> [N, 65]
    /// ```
    public func tiedProjection(_ x: Tensor) -> Tensor {
        if let packedWeight { return packedWeight.matmul(x) }
        return Tensor.matmul(x, weight, transposeB: true)
    }
}

/// Flattens all axes after the first (batch) axis.
///
/// ```swift
/// Flatten()(Tensor.zeros([8, 64, 7, 7])).shape   // [8, 3136]
/// ```
public final class Flatten: Module {
    override public init() {}
    override public func callAsFunction(_ x: Tensor) -> Tensor { x.flattened(from: 1) }
}

/// Zeroes each element with probability `p` during training and scales the rest by 1/(1-p);
/// does nothing in evaluation mode.
///
/// ```swift
/// let drop = Dropout(0.1)
/// ```
public final class Dropout: Module {
    /// The probability of zeroing each element while training, in [0, 1).
    public let p: Double

    /// A dropout layer with drop probability `p` (default 0.5, must be in [0, 1)).
    public init(_ p: Double = 0.5) {
        ensure(p >= 0 && p < 1, "Dropout: p must be in [0, 1), got \(p)")
        self.p = p
    }

    override public func callAsFunction(_ x: Tensor) -> Tensor {
        guard isTraining, p > 0 else { return x }
        let keep = Tensor.bernoulli(x.shape, p: 1 - p, dtype: x.dtype)
        return x * (keep * (1 / (1 - p)))
    }
}
