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
    if logits.dtype == .float32 {
        return SoftmaxCrossEntropy<Float>(logits, targets, reduction, labelSmoothing, ignoreIndex).result
    }
    return SoftmaxCrossEntropy<Double>(logits, targets, reduction, labelSmoothing, ignoreIndex).result
}

/// The fused forward and backward of softmax cross-entropy for one float type.
struct SoftmaxCrossEntropy<T: FloatScalar> {
    let result: Tensor

    init(_ logits: Tensor, _ targets: Tensor, _ reduction: Reduction, _ epsilon: Double, _ ignoreIndex: Int?) {
        let n = logits.shape[0], c = logits.shape[1]
        let labels = targets.toArray(as: Int64.self).map(Int.init)
        for (i, y) in labels.enumerated() where y != ignoreIndex {
            ensure(y >= 0 && y < c, "crossEntropy: target \(y) of sample \(i) is out of range for \(c) classes")
        }
        let valid = labels.filter { $0 != ignoreIndex }.count
        let probabilities = Tensor.empty(logits.shape, dtype: logits.dtype)
        var losses = [Double](repeating: 0, count: n)
        logits.withUnsafeBuffer(as: T.self) { z in
            probabilities.withUnsafeMutableBuffer(as: T.self) { p in
                losses.withUnsafeMutableBufferPointer { loss in
                    Parallel.forEachChunk(n, grain: Swift.max(1, 16384 / Swift.max(c, 1))) { rows in
                        for i in rows {
                            let row = z.baseAddress! + i * c, prob = p.baseAddress! + i * c
                            var m = row[0]
                            for j in 1..<c where row[j] > m { m = row[j] }
                            var s = T.zero, total = T.zero
                            for j in 0..<c { let e = T.exp(row[j] - m); prob[j] = e; s += e; total += row[j] }
                            let inv = 1 / s
                            for j in 0..<c { prob[j] *= inv }
                            guard labels[i] != ignoreIndex else { continue }
                            let lse = Double(T.log(s) + m)
                            loss[i] = (1 - epsilon) * (lse - Double(row[labels[i]])) + epsilon * (lse - Double(total) / Double(c))
                        }
                    }
                }
            }
        }
        let out: Tensor
        switch reduction {
        case .none: out = Tensor(losses, shape: [n]).cast(to: logits.dtype)
        case .sum: out = Tensor(scalar: losses.reduce(0, +)).cast(to: logits.dtype)
        case .mean: out = Tensor(scalar: losses.reduce(0, +) / Double(Swift.max(valid, 1))).cast(to: logits.dtype)
        }
        result = Tensor.recordOperation("crossEntropy", output: out, inputs: [logits]) { g in
            let grad = Tensor.empty(probabilities.shape, dtype: probabilities.dtype)
            let upstream = g.toArray(as: Double.self)
            probabilities.withUnsafeBuffer(as: T.self) { p in
                grad.withUnsafeMutableBuffer(as: T.self) { d in
                    for i in 0..<n {
                        let scale: Double
                        switch reduction {
                        case .none: scale = upstream[i]
                        case .sum: scale = upstream[0]
                        case .mean: scale = upstream[0] / Double(Swift.max(valid, 1))
                        }
                        let base = i * c
                        guard labels[i] != ignoreIndex else {
                            for j in 0..<c { d[base + j] = 0 }
                            continue
                        }
                        let s = T(scale), smooth = T(epsilon / Double(c))
                        for j in 0..<c { d[base + j] = s * (p[base + j] - smooth) }
                        d[base + labels[i]] -= s * T(1 - epsilon)
                    }
                }
            }
            return [grad]
        }
    }
}
