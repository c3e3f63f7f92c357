import StrataCore

/// The one base of every layer and model (PyTorch's `nn.Module`). Parameters and sub-modules are discovered from
/// stored properties (with `Mirror`), named by their paths: `layers.0.weight`.
///
/// - A `Tensor` property with `requiresGrad` is a parameter; other tensors (such as
///   BatchNorm's running statistics) are buffers, saved in the state dict but not trained.
/// - `Module`, `[Module]` and optional properties are followed.
/// - Override `key(for:)` to map a property name to a checkpoint key of another framework.
///
/// ```swift
/// final class TwoLayer: Module {
///     let fc1 = Linear(4, 8), fc2 = Linear(8, 1)
///     override func callAsFunction(_ x: Tensor) -> Tensor { fc2(fc1(x).relu()) }
/// }
/// TwoLayer().namedParameters().map(\.name)   // ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
/// ```
open class Module {
    /// Training mode (dropout active, batch statistics): set with `train(_:)`, and false on a
    /// thread inside ``inference(_:)`` whatever was set.
    public var isTraining: Bool { trainingMode && !InferenceMode.isActive }
    private var trainingMode = true

    /// A module in training mode; subclasses declare their parameters as stored properties.
    public init() {}

    /// The forward pass from one tensor to one tensor, as PyTorch's `forward`: what `Sequential`
    /// and `Trainer` call. Subclasses override it; modules whose forward takes more inputs (a
    /// cache, a mask) also override it with their one-tensor form, and calling it on a module
    /// without a one-tensor form stops with a message naming the type.
    ///
    /// ```swift
    /// final class Square: Module { override func callAsFunction(_ x: Tensor) -> Tensor { x * x } }
    /// Sequential(Linear(4, 4), Square())(Tensor.randn([2, 4])).shape   // [2, 4]
    /// ```
    open func callAsFunction(_ input: Tensor) -> Tensor {
        ensureFailure("\(type(of: self)) has no one-tensor forward: override callAsFunction(_:) to use it in Sequential or Trainer")
    }

    /// The checkpoint key of a stored property (default: its name without a leading underscore).
    open func key(for property: String) -> String {
        property.hasPrefix("_") ? String(property.dropFirst()) : property
    }

    /// Direct sub-modules with their keys, in declaration order.
    public func namedChildren() -> [(name: String, module: Module)] {
        var out: [(String, Module)] = []
        visitProperties { name, value in
            if let m = value as? Module { out.append((name, m)) }
            if let list = value as? [Module] { for (i, m) in list.enumerated() { out.append(("\(name).\(i)", m)) } }
        }
        return out
    }

    /// Tensors stored directly on this module with their keys.
    private func ownTensors() -> [(String, Tensor)] {
        var out: [(String, Tensor)] = []
        visitProperties { name, value in
            if let t = value as? Tensor { out.append((name, t)) }
            if let list = value as? [Tensor] { for (i, t) in list.enumerated() { out.append(("\(name).\(i)", t)) } }
        }
        return out
    }

    private func visitProperties(_ body: (String, Any) -> Void) {
        var mirror: Mirror? = Mirror(reflecting: self)
        var levels: [Mirror] = []
        while let m = mirror { levels.append(m); mirror = m.superclassMirror }
        for m in levels.reversed() {
            for child in m.children {
                guard let label = child.label else { continue }
                let value = Self.unwrapOptional(child.value)
                guard let value else { continue }
                body(key(for: label), value)
            }
        }
    }

    private static func unwrapOptional(_ value: Any) -> Any? {
        let m = Mirror(reflecting: value)
        guard m.displayStyle == .optional else { return value }
        return m.children.first?.value
    }

    /// Every tensor (parameters and buffers) under this module, by path key.
    public func namedTensors(prefix: String = "") -> [(name: String, tensor: Tensor)] {
        var out = ownTensors().map { (prefix + $0.0, $0.1) }
        for (name, child) in namedChildren() { out += child.namedTensors(prefix: prefix + name + ".") }
        return out
    }

    /// Trainable parameters by path key (each tensor once, even when shared).
    public func namedParameters() -> [(name: String, tensor: Tensor)] {
        var seen = Set<ObjectIdentifier>()
        return namedTensors().filter { $0.tensor.requiresGrad && seen.insert(ObjectIdentifier($0.tensor)).inserted }
    }

    /// Trainable parameters, in a stable order.
    public func parameters() -> [Tensor] { namedParameters().map(\.tensor) }

    /// Number of trainable scalars.
    public var parameterCount: Int { parameters().reduce(0) { $0 + $1.count } }

    /// Switches training mode on or off for this module and all sub-modules.
    ///
    /// ```swift
    /// model.train(false)   // evaluation: dropout off, running statistics
    /// ```
    public func train(_ on: Bool = true) {
        trainingMode = on
        for (_, child) in namedChildren() { child.train(on) }
    }

    /// Evaluation mode, PyTorch's name for `train(false)`: dropout off, running statistics used.
    public func eval() { train(false) }

    /// Clears every parameter's gradient.
    public func zeroGradients() { for p in parameters() { p.grad = nil } }

    /// PyTorch's name for ``zeroGradients()``.
    public func zeroGrad() { zeroGradients() }

    /// All tensors by key, sharing storage with the module (a snapshot of names, not values).
    public func stateDict() -> [String: Tensor] {
        Dictionary(namedTensors().map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
    }

    /// Copies values into the module's tensors. Throws when a key is missing, unexpected
    /// (with `strict`), or has another shape.
    ///
    /// ```swift
    /// try model.loadStateDict(checkpoint.tensors)
    /// ```
    public func loadStateDict(_ state: [String: Tensor], strict: Bool = true) throws {
        let own = namedTensors()
        let ownKeys = Set(own.map(\.name))
        for (name, tensor) in own {
            guard let value = state[name] else {
                throw StateDictError.missingKey(name, expected: tensor.shape)
            }
            guard value.shape == tensor.shape else {
                throw StateDictError.shapeMismatch(name, expected: tensor.shape, found: value.shape)
            }
            // Float widths convert, as PyTorch's load_state_dict copies; integer or Bool data
            // into a float parameter (or the reverse) is a mislabelled tensor.
            func isFloat(_ t: DType) -> Bool { t.isFloatingPoint || t == .float16 }
            guard value.dtype == tensor.dtype || (isFloat(value.dtype) && isFloat(tensor.dtype)) else {
                throw StateDictError.dtypeMismatch(name, expected: tensor.dtype, found: value.dtype)
            }
            tensor.assign(value)
        }
        if strict, let extra = state.keys.sorted().first(where: { !ownKeys.contains($0) }) {
            throw StateDictError.unexpectedKey(extra)
        }
    }
}

/// Why a state dict does not fit a module.
public enum StateDictError: Error, CustomStringConvertible, Equatable {
    case missingKey(String, expected: Shape)
    case unexpectedKey(String)
    case shapeMismatch(String, expected: Shape, found: Shape)
    case dtypeMismatch(String, expected: DType, found: DType)

    /// A readable message naming the tensor key and the expected and found shape or dtype.
    public var description: String {
        switch self {
        case .missingKey(let k, let s): return "missing tensor '\(k)' (expected shape \(s))"
        case .unexpectedKey(let k): return "unexpected tensor '\(k)': the model has no parameter or buffer with this key"
        case .shapeMismatch(let k, let e, let f): return "tensor '\(k)' has shape \(f), the model expects \(e)"
        case .dtypeMismatch(let k, let e, let f): return "tensor '\(k)' has dtype \(f), the model expects \(e)"
        }
    }
}

/// The old name of ``Module``, from when single-tensor layers had a base class of their own.
/// Every module now has `callAsFunction(_:)`, so `Sequential` and `Trainer` take any module.
@available(*, deprecated, renamed: "Module")
public typealias Layer = Module

/// Modules applied one after another; keys are `layers.0.weight`, `layers.1.bias`, ...
///
/// ```swift
/// let mlp = Sequential(Linear(784, 512), ReLU(), Linear(512, 10))
/// let logits = mlp(images)
/// ```
public final class Sequential: Module {
    /// The modules in the order they are applied.
    public let layers: [Module]
    /// A sequence of `layers`, applied first to last.
    public init(_ layers: [Module]) { self.layers = layers }
    /// A sequence of the listed modules, applied first to last.
    public convenience init(_ layers: Module...) { self.init(layers) }
    override public func callAsFunction(_ input: Tensor) -> Tensor {
        layers.reduce(input) { x, layer in layer(x) }
    }
}
