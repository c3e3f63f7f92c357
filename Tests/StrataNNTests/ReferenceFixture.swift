import Foundation
import Testing
import StrataCore
import _StrataTestSupport

// Loading of Fixtures/nn_reference.json (written by Scripts/make_nn_fixtures.py) and the
// comparisons shared by the reference tests.

/// Tolerance relative to max(1, |expected|) for computations in float64.
let float64Tolerance = 1e-8
/// Tolerance relative to max(1, |expected|) for computations in float32.
let float32Tolerance = 1e-4

/// The tolerance that suits computations in `dtype`.
func tolerance(for dtype: DType) -> Double { dtype == .float64 ? float64Tolerance : float32Tolerance }

/// A JSON value, decoded with `JSONDecoder` so that it stays `Sendable`.
enum JSONValue: Decodable, Sendable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }
}

/// One node of the reference file (a case, or a group of cases), with typed accessors
/// that stop with the key's name when the file does not have what a test expects.
struct Reference: Sendable, CustomTestStringConvertible {
    let value: JSONValue
    let path: String

    /// The whole fixture file, decoded once.
    static let root: Reference = {
        guard let url = Bundle.module.url(forResource: "nn_reference", withExtension: "json", subdirectory: "Fixtures") else {
            fatalError("nn_reference.json is missing from the test bundle: run python3 Scripts/make_nn_fixtures.py")
        }
        do {
            let data = try Data(contentsOf: url)
            return Reference(value: try JSONDecoder().decode(JSONValue.self, from: data), path: "nn_reference")
        } catch {
            fatalError("cannot read \(url.path): \(error)")
        }
    }()

    /// The cases listed under `path` ("conv2d", "losses.crossEntropy").
    static func cases(_ path: String) -> [Reference] {
        path.split(separator: ".").reduce(root) { $0[String($1)] }.list
    }

    var testDescription: String { has("name") ? self["name"].string : path }

    func has(_ key: String) -> Bool {
        if case .object(let o) = value { return o[key] != nil }
        return false
    }

    subscript(_ key: String) -> Reference {
        guard case .object(let o) = value, let v = o[key] else { fatalError("\(path): no key '\(key)'") }
        return Reference(value: v, path: path + "." + key)
    }

    var list: [Reference] {
        guard case .array(let a) = value else { fatalError("\(path): not an array") }
        return a.enumerated().map { Reference(value: $1, path: "\(path)[\($0)]") }
    }

    var double: Double {
        guard case .number(let d) = value else { fatalError("\(path): not a number") }
        return d
    }

    var int: Int { Int(double) }
    var doubles: [Double] { list.map(\.double) }
    var ints: [Int] { list.map(\.int) }
    var pair: (Int, Int) { let v = ints; return (v[0], v[1]) }

    var bool: Bool {
        guard case .bool(let b) = value else { fatalError("\(path): not a bool") }
        return b
    }

    var string: String {
        guard case .string(let s) = value else { fatalError("\(path): not a string") }
        return s
    }

    /// The value as an optional number, for optional hyper-parameters.
    func double(_ key: String, default fallback: Double) -> Double { has(key) ? self[key].double : fallback }

    /// A stored tensor ({"shape", "values"}) as a float tensor of `dtype`.
    func tensor(_ key: String, dtype: DType = .float64) -> Tensor { self[key].asTensor(dtype: dtype) }

    /// This node (a {"shape", "values"} object) as a float tensor of `dtype`.
    func asTensor(dtype: DType = .float64) -> Tensor {
        Tensor(self["values"].doubles, shape: Shape(self["shape"].ints)).cast(to: dtype)
    }

    /// A stored integer tensor (class targets) as int64 or int32.
    func intTensor(_ key: String, dtype: DType = .int64) -> Tensor {
        let t = self[key]
        let values = t["values"].ints.map(Int64.init)
        return Tensor(values, shape: Shape(t["shape"].ints)).cast(to: dtype)
    }

    /// The shape of a stored tensor.
    func shape(_ key: String) -> Shape { Shape(self[key]["shape"].ints) }
}

/// Checks shape and values of `got` against `expected`, each within `tolerance` relative to
/// max(1, |expected|).
func expectClose(_ got: Tensor?, _ expected: Tensor, tolerance: Double, _ what: String = "",
                 sourceLocation: SourceLocation = #_sourceLocation) {
    guard let got else {
        Issue.record("\(what): no tensor (missing gradient?)", sourceLocation: sourceLocation)
        return
    }
    #expect(got.shape == expected.shape, "\(what): shape \(got.shape), expected \(expected.shape)", sourceLocation: sourceLocation)
    guard got.shape == expected.shape else { return }
    expectClose(got.doubles, expected.doubles, tolerance: tolerance, what, sourceLocation: sourceLocation)
}

/// Checks values against expectations, each within `tolerance` relative to max(1, |expected|).
func expectClose(_ got: [Double], _ expected: [Double], tolerance: Double, _ what: String = "",
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(got.count == expected.count, "\(what): \(got.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
    guard got.count == expected.count else { return }
    var worst = 0.0, at = 0
    for i in got.indices {
        let e = Swift.abs(got[i] - expected[i]) / Swift.max(1, Swift.abs(expected[i]))
        if !(e <= worst) { worst = e; at = i }
    }
    #expect(worst <= tolerance,
            "\(what): relative error \(worst) at \(at): got \(got.isEmpty ? .nan : got[at]), expected \(expected.isEmpty ? .nan : expected[at])",
            sourceLocation: sourceLocation)
}

/// A leaf tensor that requires gradients.
func leafCopy(_ t: Tensor) -> Tensor {
    let c = t.copy()
    c.requiresGrad = true
    return c
}
