import Foundation
import StrataCore

/// The state an optimizer keeps for one parameter (moment estimates, momentum buffers),
/// by name, so that it can be saved in a checkpoint and restored.
public struct ParameterState {
    /// The parameter's state tensors by name (`momentum_buffer`, `exp_avg`, ...), shaped like the parameter.
    public var buffers: [String: Tensor] = [:]
    /// Updates this parameter has received (PyTorch's per-parameter `state['step']`).
    public var step = 0

    /// The buffer called `name`, created as zeros like `parameter` on first use.
    public mutating func buffer(_ name: String, like parameter: Tensor) -> Tensor {
        if let b = buffers[name] { return b }
        let b = Tensor.zeros(like: parameter)
        buffers[name] = b
        return b
    }
}

/// A set of parameters with its own hyper-parameters, as PyTorch's `param_groups`: a value left
/// `nil` follows the optimizer's (so a learning-rate schedule moves every group without an override).
///
/// ```swift
/// let matrices = model.parameters().filter { $0.rank >= 2 }, others = model.parameters().filter { $0.rank < 2 }
/// let opt = AdamW(groups: [ParameterGroup(matrices), ParameterGroup(others, weightDecay: 0)], weightDecay: 0.1)
/// ```
public struct ParameterGroup {
    /// The tensors of this group.
    public var parameters: [Tensor]
    /// This group's learning rate, fixed (nil: the optimizer's `learningRate`, which schedules set).
    public var learningRate: Double?
    /// This group's weight decay (nil: the optimizer's `weightDecay`).
    public var weightDecay: Double?

    /// A group of `parameters`, with the optimizer's settings where an override is nil.
    public init(_ parameters: [Tensor], learningRate: Double? = nil, weightDecay: Double? = nil) {
        self.parameters = parameters; self.learningRate = learningRate; self.weightDecay = weightDecay
    }
}

/// The hyper-parameters an update of one parameter uses: its group's overrides, else the optimizer's.
public struct UpdateSettings: Sendable {
    /// The learning rate of this update.
    public let learningRate: Double
    /// The weight decay of this update (L2 or decoupled, as the optimizer defines it).
    public let weightDecay: Double
}

/// Updates parameters from their gradients. Subclasses implement `update(_:gradient:state:step:settings:)`
/// for one parameter; `step()` runs it over every parameter that has a gradient, with the settings
/// of the parameter's group.
///
/// ```swift
/// let optimizer = Adam(model.parameters(), learningRate: 1e-3)
/// let loss = crossEntropy(logits: model(x), targets: y)
/// optimizer.zeroGradients()
/// loss.backward()
/// optimizer.step()
/// ```
open class Optimizer {
    /// The tensors this optimizer updates: every group's, in group order (state keys index this list).
    public let parameters: [Tensor]
    /// The parameter groups, each with its overrides (one group without overrides when built from a list).
    public let groups: [ParameterGroup]
    /// The group of each parameter, parallel to `parameters`.
    let groupIndex: [Int]
    /// The learning rate used by the next `step()` for groups without their own (schedules set it).
    public var learningRate: Double
    /// The weight decay of groups without their own (its meaning is the optimizer's: L2 or decoupled).
    public let weightDecay: Double
    /// Number of `step()` calls so far.
    public private(set) var stepCount = 0
    /// Per-parameter state, parallel to `parameters`.
    public var states: [ParameterState]

    /// An optimizer over one group of `parameters` (float tensors with `requiresGrad`) with a learning rate ≥ 0.
    public convenience init(_ parameters: [Tensor], learningRate: Double, weightDecay: Double = 0) {
        self.init(groups: [ParameterGroup(parameters)], learningRate: learningRate, weightDecay: weightDecay)
    }

    /// An optimizer over parameter `groups`; a parameter may belong to one group only.
    public init(groups: [ParameterGroup], learningRate: Double, weightDecay: Double = 0) {
        ensure(learningRate >= 0, "Optimizer: learning rate must be >= 0, got \(learningRate)")
        let parameters = groups.flatMap(\.parameters)
        for (i, p) in parameters.enumerated() {
            ensure(p.requiresGrad && p.dtype.isFloatingPoint, "Optimizer: parameter \(i) (shape \(p.shape)) must be a float tensor with requiresGrad")
        }
        ensure(Set(parameters.map(ObjectIdentifier.init)).count == parameters.count, "Optimizer: a parameter appears in more than one group (or twice in one)")
        for (g, group) in groups.enumerated() {
            ensure((group.learningRate ?? 0) >= 0, "Optimizer: group \(g)'s learning rate must be >= 0, got \(group.learningRate!)")
        }
        self.parameters = parameters
        self.groups = groups
        groupIndex = groups.enumerated().flatMap { g, group in Array(repeating: g, count: group.parameters.count) }
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        states = Array(repeating: ParameterState(), count: parameters.count)
    }

    /// Updates one parameter in place. `step` counts this parameter's updates, 1 on its first;
    /// `settings` are those of its group.
    open func update(_ parameter: Tensor, gradient: Tensor, state: inout ParameterState, step: Int, settings: UpdateSettings) {
        ensureFailure("\(type(of: self)) must override update(_:gradient:state:step:settings:)")
    }

    /// The settings of group `index`: its overrides, else the optimizer's current values.
    public func settings(ofGroup index: Int) -> UpdateSettings {
        UpdateSettings(learningRate: groups[index].learningRate ?? learningRate, weightDecay: groups[index].weightDecay ?? weightDecay)
    }

    /// Applies one update to every parameter that has a gradient.
    public func step() {
        stepCount += 1
        let settings = groups.indices.map(settings(ofGroup:))
        withoutGradients {
            for i in parameters.indices {
                guard let g = parameters[i].grad else { continue }
                states[i].step += 1
                update(parameters[i], gradient: g.dtype == parameters[i].dtype ? g : g.cast(to: parameters[i].dtype),
                       state: &states[i], step: states[i].step, settings: settings[groupIndex[i]])
            }
        }
    }

    /// Clears every parameter's gradient.
    public func zeroGradients() { for p in parameters { p.grad = nil } }

    /// PyTorch's name for ``zeroGradients()``.
    public func zeroGrad() { zeroGradients() }

    /// The optimizer's state as tensors (`state.3.exp_avg`, ...) plus `step` and `lr`, for checkpoints.
    /// Parameters are numbered across the groups in order, so the layout is that of a single group
    /// over the same list (and a checkpoint of one reads into the other). Group overrides are
    /// configuration, not state: they come from the code that builds the optimizer.
    public func stateDict() -> [String: Tensor] {
        var out: [String: Tensor] = ["step": Tensor(scalar: Int64(stepCount)), "lr": Tensor(scalar: learningRate)]
        for (i, s) in states.enumerated() where s.step > 0 {
            for (name, b) in s.buffers { out["state.\(i).\(name)"] = b }
            out["state.\(i).step"] = Tensor(scalar: Int64(s.step))
        }
        return out
    }

    /// Restores state saved by `stateDict()`; throws when it does not fit these parameters.
    public func loadStateDict(_ state: [String: Tensor]) throws {
        guard let step = state["step"], let lr = state["lr"] else { throw OptimizerStateError.missing("step or lr") }
        let stepValue = try Self.count(step, key: "step")
        guard lr.count == 1, lr.item().isFinite, lr.item() >= 0 else {
            throw OptimizerStateError.unexpected("lr", "expected one finite learning rate ≥ 0, found shape \(lr.shape)\(lr.count == 1 ? " value \(lr.item())" : "")")
        }
        var restored = Array(repeating: ParameterState(), count: parameters.count)
        for (key, value) in state where key.hasPrefix("state.") {
            let parts = key.split(separator: ".", maxSplits: 2)
            guard parts.count == 3, let i = Int(parts[1]), i >= 0, i < parameters.count else {
                throw OptimizerStateError.unexpected(key, "no parameter with that index (the optimizer has \(parameters.count))")
            }
            if parts[2] == "step" {
                restored[i].step = try Self.count(value, key: key)
                continue
            }
            guard value.shape == parameters[i].shape else {
                throw OptimizerStateError.unexpected(key, "shape \(value.shape), parameter \(i) has shape \(parameters[i].shape)")
            }
            guard value.dtype == parameters[i].dtype else {
                throw OptimizerStateError.unexpected(key, "dtype \(value.dtype), parameter \(i) has dtype \(parameters[i].dtype)")
            }
            restored[i].buffers[String(parts[2])] = value.copy()
        }
        states = restored
        stepCount = stepValue
        learningRate = lr.item()
    }

    /// A step count stored as a one-element tensor: a whole number in 0...2^53.
    private static func count(_ value: Tensor, key: String) throws -> Int {
        guard value.count == 1, case let v = value.item(), v.isFinite, v >= 0, v <= 9_007_199_254_740_992, v == v.rounded() else {
            throw OptimizerStateError.unexpected(key, "expected one whole step count in 0...2^53, found shape \(value.shape)\(value.count == 1 ? " value \(value.item())" : "")")
        }
        return Int(v)
    }
}

/// Why saved optimizer state could not be restored.
public enum OptimizerStateError: Error, CustomStringConvertible {
    case missing(String)
    case unexpected(String, String)
    /// A readable message naming the state key and the problem.
    public var description: String {
        switch self {
        case .missing(let k): return "optimizer state: missing '\(k)'"
        case .unexpected(let k, let why): return "optimizer state: '\(k)': \(why)"
        }
    }
}
