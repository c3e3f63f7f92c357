import StrataCore

/// How per-element losses are combined.
public enum Reduction: String, Sendable {
    /// One loss per element (or per sample), no reduction.
    case none
    /// The average (over non-ignored samples for cross-entropy).
    case mean
    /// The total.
    case sum
}

extension Tensor {
    func reduced(_ reduction: Reduction) -> Tensor {
        switch reduction {
        case .none: return self
        case .mean: return mean()
        case .sum: return sum()
        }
    }
}

/// Mean squared error between prediction and target (shapes broadcast).
///
/// ```swift
/// let loss = mseLoss(prediction, target)
/// ```
public func mseLoss(_ prediction: Tensor, _ target: Tensor, reduction: Reduction = .mean) -> Tensor {
    (prediction - target).square().reduced(reduction)
}

/// Binary cross-entropy on logits, computed stably as max(z, 0) - z·y + log(1 + e^-|z|).
///
/// ```swift
/// let loss = binaryCrossEntropy(logits: scores, targets: clicks)   // clicks are 0 or 1 floats
/// ```
public func binaryCrossEntropy(logits: Tensor, targets: Tensor, reduction: Reduction = .mean) -> Tensor {
    // max(z, 0) is written (z + |z|) / 2 so that at z = 0 its subgradient (1/2) and that of
    // log(1 + e^-|z|) (0) add up to the true gradient sigmoid(0) - y; relu's 0 there gave -y.
    let magnitude = logits.abs()
    return ((logits + magnitude) * 0.5 - logits * targets + (-magnitude).softplus()).reduced(reduction)
}

/// Negative log-likelihood of integer `targets` under `logProbabilities` `[N, C]`;
/// samples whose target equals `ignoreIndex` count for nothing.
///
/// ```swift
/// let loss = nllLoss(logProbabilities: logits.logSoftmax(axis: 1), targets: labels)
/// ```
public func nllLoss(logProbabilities: Tensor, targets: Tensor, reduction: Reduction = .mean, ignoreIndex: Int? = -100) -> Tensor {
    ensure(logProbabilities.rank == 2 && targets.rank == 1 && targets.shape[0] == logProbabilities.shape[0],
                 "nllLoss: expected log-probabilities [N, C] and targets [N], got \(logProbabilities.shape) and \(targets.shape)")
    let keep = ignoreIndex.map { targets .!= Tensor.full([], value: Double($0), dtype: targets.dtype) }
        ?? Tensor.ones(targets.shape, dtype: .bool)
    let safeTargets = Tensor.where(keep, targets, Tensor.zeros([], dtype: targets.dtype))
    let picked = logProbabilities.gather(axis: 1, index: safeTargets.expanded(axis: 1)).squeezed(axis: 1)
    let losses = Tensor.where(keep, -picked, Tensor.zeros([], dtype: picked.dtype))
    switch reduction {
    case .none: return losses
    case .sum: return losses.sum()
    case .mean: return losses.sum() / Swift.max(1, keep.cast(to: .float64).sum().item())
    }
}

/// Cross-entropy of integer class `targets` under unnormalised `logits`, fused with the
/// softmax (one pass forward, gradient softmax − target distribution).
///
/// `logits` are `[N, C]` or `[N, C, d...]` (classes on axis 1, as in PyTorch) with targets
/// `[N]` or `[N, d...]`. `labelSmoothing` ε mixes the one-hot target with the uniform
/// distribution; samples whose target equals `ignoreIndex` are skipped, and the mean is
/// over the others.
///
/// ```swift
/// let loss = crossEntropy(logits: model(x), targets: labels)
/// let smoothed = crossEntropy(logits: logits, targets: labels, labelSmoothing: 0.1)
/// ```
public func crossEntropy(logits: Tensor, targets: Tensor, reduction: Reduction = .mean,
                         labelSmoothing: Double = 0, ignoreIndex: Int? = -100) -> Tensor {
    ensure(logits.rank >= 2, "crossEntropy: logits must be [N, C] or [N, C, ...], got \(logits.shape)")
    ensure(labelSmoothing >= 0 && labelSmoothing <= 1, "crossEntropy: labelSmoothing must be in [0, 1], got \(labelSmoothing)")
    if logits.rank > 2 {
        // [N, C, d...] -> [N·d..., C]
        var order = [0] + Array(2..<logits.rank)
        order.append(1)
        let flat = logits.permuted(order).reshaped([-1, logits.shape[1]])
        let loss = crossEntropy(logits: flat, targets: targets.reshaped([-1]), reduction: reduction,
                                labelSmoothing: labelSmoothing, ignoreIndex: ignoreIndex)
        return reduction == .none ? loss.reshaped(targets.shape) : loss
    }
    ensure(targets.rank == 1 && targets.shape[0] == logits.shape[0],
                 "crossEntropy: logits \(logits.shape) need targets of shape [\(logits.shape[0])], got \(targets.shape)")
    ensure(targets.dtype == .int32 || targets.dtype == .int64, "crossEntropy: targets must be int32 or int64 class indices, got \(targets.dtype)")
    ensure(logits.dtype.isFloatingPoint, "crossEntropy: logits must be float32 or float64, got \(logits.dtype)")
    return softmaxCrossEntropy(logits, targets, reduction, labelSmoothing, ignoreIndex)
}

/// The fused forward and backward of softmax cross-entropy on `[N, C]` logits (the backend's kernels).
func softmaxCrossEntropy(_ logits: Tensor, _ targets: Tensor, _ reduction: Reduction, _ epsilon: Double, _ ignoreIndex: Int?) -> Tensor {
    let n = logits.shape[0], c = logits.shape[1]
    let labels = targets.toArray(as: Int64.self).map(Int.init)
    for (i, y) in labels.enumerated() where y != ignoreIndex {
        ensure(y >= 0 && y < c, "crossEntropy: target \(y) of sample \(i) is out of range for \(c) classes")
    }
    let valid = labels.filter { $0 != ignoreIndex }.count
    let probabilities = Tensor.empty(logits.shape, dtype: logits.dtype)
    let losses = Tensor.empty([n], dtype: .float64)
    logits.device.backend.softmaxCrossEntropy(logits: logits, targets: targets, ignoreIndex: ignoreIndex, labelSmoothing: epsilon,
                                              probabilities: probabilities, losses: losses)
    let out: Tensor
    switch reduction {
    case .none: out = losses.cast(to: logits.dtype)
    case .sum: out = Tensor(scalar: losses.toArray(as: Double.self).reduce(0, +)).cast(to: logits.dtype)
    case .mean: out = Tensor(scalar: losses.toArray(as: Double.self).reduce(0, +) / Double(Swift.max(valid, 1))).cast(to: logits.dtype)
    }
    return Tensor.recordOperation("crossEntropy", output: out, inputs: [logits]) { g in
        let grad = Tensor.empty(probabilities.shape, dtype: probabilities.dtype)
        probabilities.device.backend.softmaxCrossEntropyBackward(
            upstream: reduction == .none ? g.reshaped([n]) : g.reshaped([]), probabilities: probabilities, targets: targets,
            ignoreIndex: ignoreIndex, labelSmoothing: epsilon, divisor: reduction == .mean ? Double(Swift.max(valid, 1)) : 1, into: grad)
        return [grad]
    }
}
