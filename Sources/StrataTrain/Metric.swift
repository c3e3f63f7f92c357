import StrataCore

/// A quality measure reported per epoch beside the loss. Classification metrics apply to
/// scores `[N, C]` with integer targets `[N]`; regression metrics to outputs and float targets
/// with the same number of elements. A metric that does not apply to a model's batches is not
/// reported (a regression model shows no "accuracy").
///
/// ```swift
/// let classifier = Trainer(model: model, optimizer: adam, metrics: [.accuracy, .topK(5)])
/// let regressor = Trainer(model: net, optimizer: adam, loss: mseLoss, metrics: [.meanAbsoluteError])
/// ```
public enum Metric: Sendable, Hashable {
    /// Fraction of samples whose highest-scoring class is the target.
    case accuracy
    /// Fraction of samples whose target is among the `k` highest-scoring classes.
    case topK(Int)
    /// Mean of |output - target| over all elements.
    case meanAbsoluteError
    /// Mean of (output - target)^2 over all elements.
    case meanSquaredError

    /// The name used in logs (`accuracy`, `top5_accuracy`, `mae`, `mse`).
    public var name: String {
        switch self {
        case .accuracy: return "accuracy"
        case .topK(let k): return "top\(k)_accuracy"
        case .meanAbsoluteError: return "mae"
        case .meanSquaredError: return "mse"
        }
    }

    /// The metric's sum over one batch and the number of terms it averages over, or nil when it
    /// does not apply to these outputs and targets.
    public func batchSum(outputs: Tensor, targets: Tensor) -> (sum: Double, count: Int)? {
        switch self {
        case .accuracy, .topK:
            guard outputs.rank == 2, targets.rank == 1, targets.dtype.isInteger, outputs.shape[0] == targets.shape[0] else { return nil }
            return (Double(correctCount(outputs: outputs, targets: targets)), targets.count)
        case .meanAbsoluteError, .meanSquaredError:
            guard targets.dtype.isFloatingPoint, outputs.count == targets.count else { return nil }
            let o = outputs.cast(to: .float64).toArray(as: Double.self), t = targets.cast(to: .float64).toArray(as: Double.self)
            let sum = zip(o, t).reduce(0.0) { s, pair in
                let d = pair.0 - pair.1
                return s + (self == .meanAbsoluteError ? Swift.abs(d) : d * d)
            }
            return (sum, o.count)
        }
    }

    /// Number of correct samples in a batch of `[N, C]` scores and `[N]` integer targets.
    public func correctCount(outputs: Tensor, targets: Tensor) -> Int {
        ensure(outputs.rank == 2 && targets.rank == 1 && outputs.shape[0] == targets.shape[0],
                     "\(name): expected scores [N, C] and targets [N], got \(outputs.shape) and \(targets.shape)")
        let k: Int
        switch self {
        case .accuracy: k = 1
        case .topK(let value): k = value
        case .meanAbsoluteError, .meanSquaredError: ensureFailure("\(name) is a regression metric: it counts no correct samples")
        }
        let scores = outputs.cast(to: .float32).floats
        let labels = targets.toArray(as: Int64.self)
        let c = outputs.shape[1]
        var correct = 0
        for i in 0..<labels.count {
            let row = scores[(i * c)..<((i + 1) * c)]
            let target = row[row.startIndex + Int(labels[i])]
            // A NaN score (a diverged model) is never correct: nothing compares higher than NaN.
            if target.isNaN { continue }
            // The target is in the top k when fewer than k classes score strictly higher.
            let higher = row.reduce(0) { $0 + ($1 > target ? 1 : 0) }
            if higher < k { correct += 1 }
        }
        return correct
    }
}

/// Per-epoch values of every logged quantity (`loss`, `accuracy`, `val_loss`, `lr`, ...).
public struct History: Sendable, Codable, Equatable {
    public private(set) var values: [String: [Double]] = [:]
    public init() {}

    /// Appends one epoch's logs.
    public mutating func record(_ logs: [String: Double]) {
        for (k, v) in logs { values[k, default: []].append(v) }
    }

    public subscript(_ name: String) -> [Double] { values[name] ?? [] }
    public var epochs: Int { values["loss"]?.count ?? 0 }
}
