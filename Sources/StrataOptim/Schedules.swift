import Foundation
import StrataCore

/// A learning rate as a function of the step (or epoch) count, starting at 0.
///
/// ```swift
/// let schedule = WarmupCosine(base: 1e-3, warmupSteps: 100, totalSteps: 3000, minimum: 1e-4)
/// optimizer.learningRate = schedule.learningRate(at: step)
/// ```
public protocol LearningRateSchedule: Sendable {
    func learningRate(at step: Int) -> Double
}

/// The same rate throughout.
public struct ConstantLR: LearningRateSchedule {
    /// The learning rate returned at every step.
    public let base: Double
    /// A schedule that always returns `base`.
    public init(_ base: Double) { self.base = base }
    /// Returns `base`.
    public func learningRate(at step: Int) -> Double { base }
}

/// Multiplies the rate by `gamma` every `stepSize` steps.
public struct StepLR: LearningRateSchedule {
    /// The initial rate, the number of steps between decays, and the decay factor.
    public let base: Double, stepSize: Int, gamma: Double
    /// A step schedule from `base`; `stepSize` must be positive, `gamma` defaults to 0.1.
    public init(base: Double, stepSize: Int, gamma: Double = 0.1) {
        ensure(stepSize > 0, "StepLR: stepSize must be positive")
        self.base = base; self.stepSize = stepSize; self.gamma = gamma
    }
    /// base · gamma^(step / stepSize), with integer division.
    public func learningRate(at step: Int) -> Double { base * Foundation.pow(gamma, Double(step / stepSize)) }
}

/// Multiplies the rate by `gamma` at each milestone step.
///
/// ```swift
/// let schedule = MultiStepLR(base: 0.1, milestones: [30, 80], gamma: 0.1)
/// ```
public struct MultiStepLR: LearningRateSchedule {
    /// The initial rate, the milestone steps (sorted ascending), and the decay factor.
    public let base: Double, milestones: [Int], gamma: Double
    /// A multi-step schedule from `base`; the milestones are sorted, `gamma` defaults to 0.1.
    public init(base: Double, milestones: [Int], gamma: Double = 0.1) {
        self.base = base; self.milestones = milestones.sorted(); self.gamma = gamma
    }
    /// base · gamma^k, where k is the number of milestones ≤ `step`.
    public func learningRate(at step: Int) -> Double {
        base * Foundation.pow(gamma, Double(milestones.filter { $0 <= step }.count))
    }
}

/// Multiplies the rate by `gamma` every step.
public struct ExponentialLR: LearningRateSchedule {
    /// The initial rate and the factor applied each step.
    public let base: Double, gamma: Double
    /// An exponential schedule from `base` with decay factor `gamma`.
    public init(base: Double, gamma: Double) { self.base = base; self.gamma = gamma }
    /// base · gamma^step.
    public func learningRate(at step: Int) -> Double { base * Foundation.pow(gamma, Double(step)) }
}

/// Half a cosine from `base` down to `minimum` over `period` steps, then `minimum`.
public struct CosineAnnealingLR: LearningRateSchedule {
    /// The initial rate, the number of steps of the half cosine, and the final rate.
    public let base: Double, period: Int, minimum: Double
    /// A cosine schedule from `base` to `minimum` (default 0) over `period` steps; `period` must be positive.
    public init(base: Double, period: Int, minimum: Double = 0) {
        ensure(period > 0, "CosineAnnealingLR: period must be positive")
        self.base = base; self.period = period; self.minimum = minimum
    }
    /// minimum + (base - minimum)·(1 + cos(π·t))/2 with t = min(step, period)/period.
    public func learningRate(at step: Int) -> Double {
        let t = Double(Swift.min(step, period)) / Double(period)
        return minimum + (base - minimum) * (1 + Foundation.cos(Double.pi * t)) / 2
    }
}

/// Linear warm-up from near zero to the wrapped schedule's rate over `warmupSteps`,
/// then the wrapped schedule (counted from the end of warm-up).
public struct LinearWarmup<Wrapped: LearningRateSchedule>: LearningRateSchedule {
    /// The number of warm-up steps.
    public let warmupSteps: Int
    /// The schedule followed after warm-up, counted from step 0 at the end of warm-up.
    public let then: Wrapped
    /// Warms up linearly over `warmupSteps` steps towards `then`'s initial rate, then follows `then`.
    public init(warmupSteps: Int, then: Wrapped) { self.warmupSteps = warmupSteps; self.then = then }
    /// During warm-up, then(0)·(step + 1)/warmupSteps; afterwards then(step - warmupSteps).
    public func learningRate(at step: Int) -> Double {
        if step < warmupSteps { return then.learningRate(at: 0) * Double(step + 1) / Double(warmupSteps) }
        return then.learningRate(at: step - warmupSteps)
    }
}

/// Linear warm-up then cosine decay to `minimum` at `totalSteps` (the nanoGPT schedule).
public struct WarmupCosine: LearningRateSchedule {
    let schedule: LinearWarmup<CosineAnnealingLR>
    /// Warm-up over `warmupSteps` steps to `base`, then cosine decay to `minimum` at `totalSteps`.
    public init(base: Double, warmupSteps: Int, totalSteps: Int, minimum: Double) {
        schedule = LinearWarmup(warmupSteps: warmupSteps,
                                then: CosineAnnealingLR(base: base, period: Swift.max(1, totalSteps - warmupSteps), minimum: minimum))
    }
    /// The rate at `step`.
    public func learningRate(at step: Int) -> Double { schedule.learningRate(at: step) }
}

/// Scales all gradients so that their joint L2 norm is at most `maxNorm`; returns the norm
/// before clipping. Gradients are replaced, never changed in place (they may be shared).
/// Under tensor parallelism the `sharded` parameters hold a slice each: the sum of their
/// squares is passed through `sumOverShards` (a sum over the processes), the other parameters
/// are whole on every process and count once.
///
/// ```swift
/// loss.backward()
/// let norm = clipGradientNorm(model.parameters(), maxNorm: 1.0)
/// ```
@discardableResult
public func clipGradientNorm(_ parameters: [Tensor], maxNorm: Double, sharded: Set<ObjectIdentifier> = [],
                             sumOverShards: ((Double) -> Double)? = nil) -> Double {
    var total = 0.0, shards = 0.0
    for p in parameters {
        guard let g = p.grad else { continue }
        let squares = withoutGradients { g.cast(to: .float64).square().sum().item() }
        if sharded.contains(ObjectIdentifier(p)) { shards += squares } else { total += squares }
    }
    total += sumOverShards.map { $0(shards) } ?? shards
    let norm = total.squareRoot()
    if norm > maxNorm {
        let scale = maxNorm / (norm + 1e-6)
        withoutGradients { for p in parameters { p.grad = p.grad.map { $0 * scale } } }
    }
    return norm
}
