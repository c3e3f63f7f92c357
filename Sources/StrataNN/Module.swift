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

    /// Keys a stored property had in checkpoints written by earlier versions of Strata (default:
    /// none). Declared beside ``key(for:)``; ``loadStateDict(_:strict:)`` and
    /// ``renamingFormerKeys(_:)`` read a tensor stored under a former key as if it had the current one.
    ///
    /// ```swift
    /// override func formerKeys(for property: String) -> [String] {
    ///     property == "inProjection" ? ["in_proj"] : []    // key(for:) now says "c_attn"
    /// }
    /// ```
    open func formerKeys(for property: String) -> [String] { [] }

    /// `state` with every key written under a former name of this module's tensors or sub-modules
    /// (see ``formerKeys(for:)``, at any depth) renamed to the current key; other keys, including
    /// suffixed ones such as `h.0.attn.in_proj.weight.q8`, keep their place under the renamed path.
    /// A key already current is left alone, so a state that mixes both keeps the current tensor.
    ///
    /// ```swift
    /// gpt.renamingFormerKeys(["h.0.attn.in_proj.weight": w])   // ["h.0.attn.c_attn.weight": w]
    /// ```
    public func renamingFormerKeys<Value>(_ state: [String: Value]) -> [String: Value] {
        let renames = formerPaths()
        guard !renames.isEmpty else { return state }
        var out: [String: Value] = [:]
        for (key, value) in state {
            // The longest former path that is the key or a dot-separated prefix of it.
            let match = renames.filter { key == $0.former || key.hasPrefix($0.former + ".") }.max { $0.former.count < $1.former.count }
            let renamed = match.map { $0.current + key.dropFirst($0.former.count) } ?? key
            if out[renamed] == nil || renamed == key { out[renamed] = value }
        }
        return out
    }

    /// (former path, current path) for every property path under this module that has a former
    /// spelling: each level's current and former keys, combined. `formerPrefixes` are the former
    /// spellings of this module's own path, `currentPrefix` its current one (each ending in ".").
    private func formerPaths(formerPrefixes: [String] = [], currentPrefix: String = "") -> [(former: String, current: String)] {
        var out: [(former: String, current: String)] = []
        visitProperties { label, value in
            let current = key(for: label)
            let former = formerKeys(for: label)
            let olds = formerPrefixes.map { $0 + current } + (formerPrefixes + [currentPrefix]).flatMap { p in former.map { p + $0 } }
            out += olds.map { ($0, currentPrefix + current) }
            var children: [(String, Module)] = []
            if let module = value as? Module { children = [("", module)] }
            if let list = value as? [Module] { children = list.enumerated().map { (".\($0.offset)", $0.element) } }
            for (index, module) in children {
                out += module.formerPaths(formerPrefixes: olds.map { $0 + index + "." }, currentPrefix: currentPrefix + current + index + ".")
            }
        }
        return out
    }

    /// Direct sub-modules with their keys, in declaration order.
    public func namedChildren() -> [(name: String, module: Module)] {
        var out: [(String, Module)] = []
        visitProperties { label, value in
            let name = key(for: label)
            if let m = value as? Module { out.append((name, m)) }
            if let list = value as? [Module] { for (i, m) in list.enumerated() { out.append(("\(name).\(i)", m)) } }
        }
        return out
    }

    /// Tensors stored directly on this module with their keys.
    private func ownTensors() -> [(String, Tensor)] {
        var out: [(String, Tensor)] = []
        visitProperties { label, value in
            let name = key(for: label)
            if let t = value as? Tensor { out.append((name, t)) }
            if let list = value as? [Tensor] { for (i, t) in list.enumerated() { out.append(("\(name).\(i)", t)) } }
        }
        return out
    }

    /// Calls `body` with each stored property's name and (unwrapped) value, base class first.
    private func visitProperties(_ body: (_ label: String, _ value: Any) -> Void) {
        var mirror: Mirror? = Mirror(reflecting: self)
        var levels: [Mirror] = []
        while let m = mirror { levels.append(m); mirror = m.superclassMirror }
        for m in levels.reversed() {
            for child in m.children {
                guard let label = child.label else { continue }
                let value = Self.unwrapOptional(child.value)
                guard let value else { continue }
                body(label, value)
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
    /// (with `strict`), or has another shape. Tensors stored under a former key (see
    /// ``formerKeys(for:)``) load as if they had the current one.
    ///
    /// ```swift
    /// try model.loadStateDict(checkpoint.tensors)
    /// ```
    public func loadStateDict(_ state: [String: Tensor], strict: Bool = true) throws {
        let state = renamingFormerKeys(state)
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
