import Foundation
import StrataCore
import StrataNN

/// Global magnitude pruning with a gradual schedule (Zhu & Gupta 2017), as a training callback:
/// every `frequency` optimizer steps during the first `rampSteps`, the weight matrices (rank ≥ 2
/// parameters; biases and norms are left alone) are pruned to the sparsity
/// `s(t) = s_f · (1 − (1 − t / rampSteps)³)` by one magnitude threshold over all of them; after
/// each step the masks are applied again, so pruned weights stay exactly zero while the others
/// are fine-tuned.
///
/// ```swift
/// let pruning = MagnitudePruning(model: model, sparsity: 0.9, rampSteps: 2_000)
/// try trainer.fit(loader, epochs: 5, callbacks: [pruning])
/// pruning.sparsity   // 0.9 of the weights in the matrices are zero
/// ```
public final class MagnitudePruning: Callback {
    /// The weight matrices pruned, by key.
    public let targets: [(name: String, tensor: Tensor)]
    public let finalSparsity: Double
    public let rampSteps: Int
    public let frequency: Int
    /// One mask per target (1 keeps, 0 prunes), nil before the first pruning.
    public private(set) var masks: [Tensor]?
    private var steps = 0

    public init(model: Module, sparsity: Double, rampSteps: Int, frequency: Int = 50) {
        ensure(sparsity >= 0 && sparsity < 1, "MagnitudePruning: sparsity must be in [0, 1), got \(sparsity)")
        ensure(rampSteps >= 1 && frequency >= 1, "MagnitudePruning: rampSteps and frequency must be positive")
        targets = model.namedParameters().filter { $0.tensor.rank >= 2 }
        finalSparsity = sparsity
        self.rampSteps = rampSteps
        self.frequency = frequency
    }

    /// The sparsity the schedule asks for after `step` optimizer steps.
    public func scheduledSparsity(step: Int) -> Double {
        let progress = Swift.min(1, Double(step) / Double(rampSteps))
        return finalSparsity * (1 - Foundation.pow(1 - progress, 3))
    }

    /// Prunes the targets to `sparsity` now: the smallest magnitudes over all of them are zeroed.
    public func prune(to sparsity: Double) {
        var magnitudes: [(Float, Int, Int)] = []   // |w|, target, index
        var values: [[Float]] = []
        for (t, target) in targets.enumerated() {
            let v = target.tensor.floats
            values.append(v)
            for (i, x) in v.enumerated() { magnitudes.append((abs(x), t, i)) }
        }
        let count = Int((sparsity * Double(magnitudes.count)).rounded())
        magnitudes.sort { $0.0 < $1.0 || ($0.0 == $1.0 && ($0.1, $0.2) < ($1.1, $1.2)) }
        var keep = values.map { [Float](repeating: 1, count: $0.count) }
        for (_, t, i) in magnitudes.prefix(count) { keep[t][i] = 0 }
        masks = zip(targets, keep).map { Tensor($1, shape: $0.tensor.shape) }
        applyMasks()
    }

    /// Multiplies every target by its mask (pruned weights become exactly zero).
    public func applyMasks() {
        guard let masks else { return }
        withoutGradients {
            for (target, mask) in zip(targets, masks) { target.tensor.assign(target.tensor * mask) }
        }
    }

    /// The fraction of zeros over the targets.
    public var sparsity: Double {
        let zeros = targets.reduce(0) { $0 + $1.tensor.floats.filter { $0 == 0 }.count }
        return Double(zeros) / Double(Swift.max(1, targets.reduce(0) { $0 + $1.tensor.count }))
    }

    override public func trainingBegan(trainer: Trainer) throws {
        if masks == nil { prune(to: scheduledSparsity(step: 0)) }
    }

    override public func batchEnded(_ step: Int, loss: Double, trainer: Trainer) throws {
        steps += 1
        if steps <= rampSteps && (steps % frequency == 0 || steps == rampSteps) {
            prune(to: scheduledSparsity(step: steps))
        } else {
            applyMasks()
        }
    }
}
