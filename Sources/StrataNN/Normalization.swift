import StrataCore

/// Batch normalisation over axis 1 (features of `[N, C]` or channels of `[N, C, H, W]`):
/// batch statistics while training (running averages updated with `momentum`, unbiased
/// variance, as in PyTorch), running statistics in evaluation mode.
///
/// ```swift
/// let bn = BatchNorm(32)     // after a Conv2D with 32 channels
/// ```
public final class BatchNorm: Module {
    /// The learned scale γ `[features]`, initialised to ones.
    public let weight: Tensor
    /// The learned shift β `[features]`, initialised to zeros.
    public let bias: Tensor
    /// The running mean `[features]` used in evaluation mode (a buffer, initialised to zeros).
    public let runningMean: Tensor
    /// The running unbiased variance `[features]` used in evaluation mode (a buffer, initialised to ones).
    public let runningVar: Tensor
    /// Added to the variance before the square root (default 1e-5).
    public let epsilon: Double
    /// The weight of the new batch statistics in the running averages (default 0.1, as in PyTorch).
    public let momentum: Double

    /// Batch normalisation of `features` features or channels.
    public init(_ features: Int, epsilon: Double = 1e-5, momentum: Double = 0.1) {
        weight = Tensor.ones([features], requiresGrad: true)
        bias = Tensor.zeros([features], requiresGrad: true)
        runningMean = Tensor.zeros([features])
        runningVar = Tensor.ones([features])
        self.epsilon = epsilon
        self.momentum = momentum
    }

    /// PyTorch's keys: `running_mean`, `running_var`.
    override public func key(for property: String) -> String {
        switch property {
        case "runningMean": return "running_mean"
        case "runningVar": return "running_var"
        default: return super.key(for: property)
        }
    }

    override public func callAsFunction(_ x: Tensor) -> Tensor {
        ensure(x.rank >= 2 && x.shape[1] == weight.count,
                     "BatchNorm: expected [N, \(weight.count), ...] input, got \(x.shape)")
        var statShape = [Int](repeating: 1, count: x.rank)
        statShape[1] = weight.count
        let axes = (0..<x.rank).filter { $0 != 1 }
        let mean: Tensor, variance: Tensor
        if isTraining {
            mean = x.mean(axes: axes, keepDims: true)
            variance = (x - mean).square().mean(axes: axes, keepDims: true)
            let n = Double(x.count / weight.count)
            withoutGradients {
                let unbiased = variance.reshaped([weight.count]) * (n / Swift.max(n - 1, 1))
                runningMean.assign(runningMean * (1 - momentum) + mean.reshaped([weight.count]) * momentum)
                runningVar.assign(runningVar * (1 - momentum) + unbiased * momentum)
            }
        } else {
            mean = runningMean.reshaped(statShape)
            variance = runningVar.reshaped(statShape)
        }
        let normalized = (x - mean) * (variance + epsilon).rsqrt()
        return normalized * weight.reshaped(statShape) + bias.reshaped(statShape)
    }
}

/// Layer normalisation over the last axes (`normalizedShape`), with a learned scale and shift.
///
/// ```swift
/// let ln = LayerNorm(128)
/// let y = ln(x)   // x: [B, T, 128]
/// ```
public final class LayerNorm: Module {
    /// The learned scale of shape `normalizedShape` (ones), or nil without `elementwiseAffine`.
    public let weight: Tensor?
    /// The learned shift of shape `normalizedShape` (zeros), or nil without `elementwiseAffine` or `bias`.
    public let bias: Tensor?
    /// The trailing axes that are normalised; the input shape must end with them.
    public let normalizedShape: [Int]
    /// Added to the variance before the square root (default 1e-5).
    public let epsilon: Double

    /// Layer normalisation over the trailing `normalizedShape` axes; `elementwiseAffine` adds a learned
    /// scale and `bias` a learned shift.
    public init(_ normalizedShape: [Int], epsilon: Double = 1e-5, elementwiseAffine: Bool = true, bias: Bool = true) {
        self.normalizedShape = normalizedShape
        self.epsilon = epsilon
        weight = elementwiseAffine ? Tensor.ones(Shape(normalizedShape), requiresGrad: true) : nil
        self.bias = elementwiseAffine && bias ? Tensor.zeros(Shape(normalizedShape), requiresGrad: true) : nil
    }

    /// Layer normalisation over a last axis of `size` elements, with a learned scale and shift.
    public convenience init(_ size: Int, epsilon: Double = 1e-5) { self.init([size], epsilon: epsilon) }

    override public func callAsFunction(_ x: Tensor) -> Tensor {
        let k = normalizedShape.count
        ensure(Array(x.shape.dims.suffix(k)) == normalizedShape,
                     "LayerNorm: input shape \(x.shape) does not end with \(normalizedShape)")
        if k == 1 { return x.layerNorm(weight: weight, bias: bias, epsilon: epsilon) }
        let axes = Array((x.rank - k)..<x.rank)
        let mean = x.mean(axes: axes, keepDims: true)
        let centered = x - mean
        let variance = centered.square().mean(axes: axes, keepDims: true)
        var y = centered * (variance + epsilon).rsqrt()
        if let weight { y = y * weight }
        if let bias { y = y + bias }
        return y
    }
}

/// Batch normalisation of `[N, C]` features (PyTorch's `BatchNorm1d`); the same layer as `BatchNorm`.
public typealias BatchNorm1D = BatchNorm
/// Batch normalisation of `[N, C, H, W]` channels (PyTorch's `BatchNorm2d`); the same layer as `BatchNorm`.
public typealias BatchNorm2D = BatchNorm
