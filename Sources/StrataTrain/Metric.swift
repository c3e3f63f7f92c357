import StrataCore

/// A quality measure reported per epoch beside the loss.
///
/// ```swift
/// let trainer = Trainer(model: model, optimizer: adam, metrics: [.accuracy, .topK(5)])
/// ```
public enum Metric: Sendable, Hashable {
    /// Fraction of samples whose highest-scoring class is the target.
    case accuracy
    /// Fraction of samples whose target is among the `k` highest-scoring classes.
    case topK(Int)

    /// The name used in logs (`accuracy`, `top5_accuracy`).
    public var name: String {
        switch self {
        case .accuracy: return "accuracy"
        case .topK(let k): return "top\(k)_accuracy"
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
