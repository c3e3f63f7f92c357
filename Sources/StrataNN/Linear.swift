import StrataCore

/// y = x·Wᵀ + b over the last axis. Weight `[out, in]`, bias `[out]` (PyTorch layout and keys).
///
/// ```swift
/// let fc = Linear(784, 512)
/// let h = fc(x)   // [B, 784] -> [B, 512]
/// ```
public final class Linear: Layer {
    public let weight: Tensor
    public let bias: Tensor?

    public init(_ inputSize: Int, _ outputSize: Int, bias: Bool = true, initializer: Initializer = .pytorchDefault) {
        weight = initializer.make([outputSize, inputSize])
        self.bias = bias ? defaultBias(outputSize, fanIn: inputSize) : nil
    }

    override public func callAsFunction(_ x: Tensor) -> Tensor {
        ensure(x.shape.last == weight.shape[1],
                     "Linear: input has \(x.shape.last ?? 0) features (shape \(x.shape)), the layer expects \(weight.shape[1])")
        let out = Tensor.linear(x.rank == 2 ? x : x.reshaped([-1, weight.shape[1]]), weight: weight, bias: bias)
        return x.rank == 2 ? out : out.reshaped(Array(x.shape.dims.dropLast()) + [weight.shape[0]])
    }
}

/// Token ids to vectors: a `[count, dimension]` table initialised N(0, 1), as in PyTorch.
///
/// ```swift
/// let embed = Embedding(65, 64)
/// let vectors = embed(ids)   // [B, T] int -> [B, T, 64]
/// ```
public final class Embedding: Layer {
    public let weight: Tensor

    public init(_ count: Int, _ dimension: Int, initializer: Initializer = .normal(std: 1)) {
        weight = initializer.make([count, dimension])
    }

    override public func callAsFunction(_ ids: Tensor) -> Tensor { weight[indices: ids] }
}

/// Flattens all axes after the first (batch) axis.
///
/// ```swift
/// Flatten()(Tensor.zeros([8, 64, 7, 7])).shape   // [8, 3136]
/// ```
public final class Flatten: Layer {
    override public init() {}
    override public func callAsFunction(_ x: Tensor) -> Tensor { x.flattened(from: 1) }
}

/// Zeroes each element with probability `p` during training and scales the rest by 1/(1-p);
/// does nothing in evaluation mode.
///
/// ```swift
/// let drop = Dropout(0.1)
/// ```
public final class Dropout: Layer {
    public let p: Double

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
