import Foundation
import StrataCore
import StrataOptim

/// How a recommender is trained: the loop shared by every model.
///
/// ```swift
/// var options = TrainingOptions(epochs: 20, batchSize: 512, learningRate: 2e-3, l2: 0.05)
/// options.onEpoch = { print("epoch \($0.epoch): \($0.metrics)") }
/// ```
public struct TrainingOptions {
    public enum OptimizerKind: String, Sendable, CaseIterable { case adam, sgd }

    public var epochs: Int
    public var batchSize: Int
    public var learningRate: Double
    /// Per-sample L2 penalty on the embedding rows (and biases) a batch touches.
    public var l2: Double
    public var optimizer: OptimizerKind
    /// Seeds initialisation, shuffling and negative sampling.
    public var seed: UInt64
    /// Called after every epoch with the mean training loss and the validation metrics.
    public var onEpoch: ((EpochReport) -> Void)?

    public init(epochs: Int = 20, batchSize: Int = 512, learningRate: Double = 2e-3, l2: Double = 0.05,
                optimizer: OptimizerKind = .adam, seed: UInt64 = 42, onEpoch: ((EpochReport) -> Void)? = nil) {
        self.epochs = epochs; self.batchSize = batchSize; self.learningRate = learningRate; self.l2 = l2
        self.optimizer = optimizer; self.seed = seed; self.onEpoch = onEpoch
    }

    /// The defaults of `strata train recommender` for each model (Adam; seed 42), with the
    /// embedding size. Matrix factorisation's and DeepFM's were tuned on a synthetic
    /// MovieLens-100K-shaped file (80/20 random split); LightGCN's follow the paper's BPR
    /// setting with a larger learning rate for fewer epochs.
    ///
    /// ```swift
    /// let (options, factors) = TrainingOptions.defaults(for: .matrixFactorization)   // 25 epochs, batch 512, lr 2e-3, l2 0.12; 64
    /// ```
    public static func defaults(for kind: RecommenderKind) -> (options: TrainingOptions, factors: Int) {
        switch kind {
        case .matrixFactorization: return (TrainingOptions(epochs: 25, batchSize: 512, learningRate: 2e-3, l2: 0.12), 64)
        case .deepFM: return (TrainingOptions(epochs: 15, batchSize: 512, learningRate: 2e-3, l2: 0.12), 64)
        case .lightGCN: return (TrainingOptions(epochs: 40, batchSize: 2048, learningRate: 5e-3, l2: 1e-4), 64)
        }
    }

    /// The optimizer over `parameters` (SGD uses momentum 0.9).
    public func makeOptimizer(_ parameters: [Tensor]) -> Optimizer {
        switch optimizer {
        case .adam: return Adam(parameters, learningRate: learningRate)
        case .sgd: return SGD(parameters, learningRate: learningRate, momentum: 0.9)
        }
    }
}

/// What one epoch did.
public struct EpochReport: Sendable {
    public let epoch: Int
    public let trainLoss: Double
    public let seconds: Double
    /// Validation metrics by name (`rmse`, `recall_at_10`, ...); empty without validation data.
    public let metrics: [String: Double]
}

extension TrainingOptions {
    /// Runs the epochs: each shuffles `sampleCount` sample positions, hands them to `step` in
    /// batches (which returns the batch loss), then calls `evaluate`. Returns every epoch's report.
    func run(sampleCount: Int, rng: inout RandomGenerator, step: ([Int]) -> Double,
             evaluate: () -> [String: Double]) -> [EpochReport] {
        var reports: [EpochReport] = []
        var order = Array(0..<sampleCount)
        for epoch in 1...Swift.max(1, epochs) {
            let started = DispatchTime.now().uptimeNanoseconds
            order.shuffle(using: &rng)
            var total = 0.0, batches = 0
            var start = 0
            while start < sampleCount {
                let end = Swift.min(sampleCount, start + batchSize)
                total += step(Array(order[start..<end]))
                batches += 1
                start = end
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            let report = EpochReport(epoch: epoch, trainLoss: total / Double(Swift.max(batches, 1)), seconds: seconds, metrics: evaluate())
            reports.append(report)
            onEpoch?(report)
        }
        return reports
    }
}
