import Foundation
import StrataCore
import StrataIO

/// One node of a reference fixture (the JSON files that Scripts/make_nn_fixtures.py writes
/// under Tests/StrataNNTests/Fixtures and Tests/StrataOptimTests/Fixtures): a case, a group of
/// cases, or a value, with typed look-ups that throw an error naming the file and key path when
/// the file does not hold what a test expects (a stale fixture fails that test, not the run).
///
/// Tensors are stored as `{"shape": [...], "values": [...]}` (row-major, flattened).
///
/// ```swift
/// let root = try Reference(fixture: "optim_reference", bundle: .module)
/// for c in try root.cases("optimizers") {
///     let p = try c.tensor("initial", dtype: .float32)
///     let lr = try c["hyper"]["lr"].double
/// }
/// ```
public struct Reference: Sendable, CustomStringConvertible {
    /// The JSON value and where it sits in its file.
    public let node: JSONNode

    public init(_ node: JSONNode) { self.node = node }

    /// The fixture `Fixtures/<name>.json` of a test target's resource bundle (`Bundle.module`).
    public init(fixture name: String, bundle: Bundle) throws {
        guard let url = bundle.url(forResource: name, withExtension: "json", subdirectory: "Fixtures") else {
            throw FileError(path: "Fixtures/\(name).json",
                            message: "missing from the test bundle; run python3 Scripts/make_nn_fixtures.py")
        }
        self.init(try JSONDocument(path: url.path).root)
    }

    /// The case's `name` when it has one (how Swift Testing labels an argument), else its key path.
    public var description: String {
        if let name = try? node.optionalMember("name")?.string() { return name }
        return node.keyPath.isEmpty ? node.path : node.keyPath
    }

    /// The cases listed under a dotted key path ("conv2d", "losses.crossEntropy").
    public func cases(_ keyPath: String) throws -> [Reference] {
        try keyPath.split(separator: ".").reduce(self) { try $0[String($1)] }.list
    }

    /// Whether this node is an object with the member `key`.
    public func has(_ key: String) -> Bool { (try? node.optionalMember(key)) != nil }

    /// The member `key`.
    public subscript(_ key: String) -> Reference {
        get throws { Reference(try node.member(key)) }
    }

    /// The elements of this array.
    public var list: [Reference] {
        get throws { try node.elements().map(Reference.init) }
    }

    public var double: Double { get throws { try node.double() } }
    public var int: Int { get throws { try node.int() } }
    public var bool: Bool { get throws { try node.bool() } }
    public var string: String { get throws { try node.string() } }
    public var doubles: [Double] { get throws { try list.map { try $0.double } } }
    public var ints: [Int] { get throws { try list.map { try $0.int } } }

    /// The first two integers of an array (a kernel size, a stride).
    public var pair: (Int, Int) {
        get throws {
            let v = try ints
            guard v.count == 2 else { throw node.error("expected 2 integers, found \(v.count)") }
            return (v[0], v[1])
        }
    }

    /// The number `key`, or `fallback` when the member is absent (optional hyper-parameters).
    public func double(_ key: String, default fallback: Double) throws -> Double {
        try node.optionalMember(key)?.double() ?? fallback
    }

    /// The boolean `key`, or false when the member is absent.
    public func flag(_ key: String) throws -> Bool {
        try node.optionalMember(key)?.bool() ?? false
    }

    /// The stored tensor `key` as a float tensor of `dtype`.
    public func tensor(_ key: String, dtype: DType = .float64) throws -> Tensor {
        try self[key].asTensor(dtype: dtype)
    }

    /// This node (a `{"shape", "values"}` object) as a float tensor of `dtype`.
    public func asTensor(dtype: DType = .float64) throws -> Tensor {
        let shape = try checkedShape(), values = try self["values"].doubles
        return Tensor(values, shape: shape).cast(to: dtype)
    }

    /// The stored integer tensor `key` (class targets) as int64 or int32.
    public func intTensor(_ key: String, dtype: DType = .int64) throws -> Tensor {
        let t = try self[key]
        let shape = try t.checkedShape(), values = try t["values"].ints.map(Int64.init)
        return Tensor(values, shape: shape).cast(to: dtype)
    }

    /// The shape of the stored tensor `key`.
    public func shape(_ key: String) throws -> Shape { Shape(try self[key]["shape"].ints) }

    /// The shape of this stored tensor, checked against its number of values.
    private func checkedShape() throws -> Shape {
        let dims = try self["shape"].ints, count = try self["values"].list.count
        guard dims.allSatisfy({ $0 >= 0 }), dims.reduce(1, *) == count else {
            throw node.error("shape \(dims) does not fit \(count) values")
        }
        return Shape(dims)
    }
}

/// Tolerance relative to max(1, |expected|) for computations in float64.
public let float64Tolerance = 1e-8
/// Tolerance relative to max(1, |expected|) for computations in float32.
public let float32Tolerance = 1e-4

/// The tolerance that suits computations in `dtype`.
public func tolerance(for dtype: DType) -> Double { dtype == .float64 ? float64Tolerance : float32Tolerance }

/// What is wrong when `got` differs from `expected` by more than `tolerance` relative to
/// max(1, |expected|) in some element (the worst one is named), or when the counts differ;
/// nil when they agree; a failed `#expect` shows the message.
///
/// ```swift
/// #expect(mismatch(got.doubles, expected.doubles, tolerance: 1e-6, "logits") == nil)
/// ```
public func mismatch(_ got: [Double], _ expected: [Double], tolerance: Double, _ what: String = "") -> String? {
    guard got.count == expected.count else { return "\(what): \(got.count) values, expected \(expected.count)" }
    var worst = 0.0, at = 0
    for i in got.indices {
        let e = Swift.abs(got[i] - expected[i]) / Swift.max(1, Swift.abs(expected[i]))
        if !(e <= worst) { worst = e; at = i }
    }
    guard !(worst <= tolerance) else { return nil }
    return "\(what): relative error \(worst) at \(at): got \(got[at]), expected \(expected[at])"
}

/// ``mismatch(_:_:tolerance:_:)`` for tensors, checking shapes first; a nil `got` (a missing
/// gradient) is a mismatch.
public func mismatch(_ got: Tensor?, _ expected: Tensor, tolerance: Double, _ what: String = "") -> String? {
    guard let got else { return "\(what): no tensor (missing gradient?)" }
    guard got.shape == expected.shape else { return "\(what): shape \(got.shape), expected \(expected.shape)" }
    return mismatch(got.doubles, expected.doubles, tolerance: tolerance, what)
}

/// A copy of `t` that is a leaf requiring gradients.
public func leafCopy(_ t: Tensor) -> Tensor {
    let c = t.copy()
    c.requiresGrad = true
    return c
}
