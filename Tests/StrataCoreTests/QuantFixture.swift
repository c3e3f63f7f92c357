import Foundation
import StrataCore

// Fixtures/quant_reference.json, written by Scripts/make_quant_fixtures.py with gguf-py:
// GGML-encoded 4 x 256 matrices, their dequantised values and products with a fixed x.

struct QuantFixture: Decodable, Sendable {
    let tokens: Int
    let columns: Int
    /// [tokens, columns] float32, base64.
    let x: String
    let cases: [Case]

    struct Case: Decodable, Sendable, CustomStringConvertible {
        let type: String
        let ggml_type: UInt32
        let rows: Int
        let columns: Int
        let bytes: String
        let source: String?
        let dequantized: String
        /// x · dequantizedᵀ in float64, [tokens, rows].
        let product: [Double]
        let edges: Edges?

        var description: String { type }
        var ggmlType: GGMLType { GGMLType(rawValue: ggml_type)! }
        var encoded: [UInt8] { QuantFixture.decodeBytes(bytes) }
        var dequantizedValues: [Float] { QuantFixture.decodeFloats(dequantized) }
        var sourceValues: [Float]? { source.map(QuantFixture.decodeFloats) }
        func matrix() throws -> QuantizedMatrix { try QuantizedMatrix(type: ggmlType, rows: rows, columns: columns, data: encoded) }
    }

    struct Edges: Decodable, Sendable {
        let source: String
        let bytes: String
        let dequantized: String
    }

    static let shared: QuantFixture = {
        guard let url = Bundle.module.url(forResource: "quant_reference", withExtension: "json", subdirectory: "Fixtures") else {
            fatalError("quant_reference.json is missing from the test bundle: run python3 Scripts/make_quant_fixtures.py")
        }
        do {
            return try JSONDecoder().decode(QuantFixture.self, from: Data(contentsOf: url))
        } catch {
            fatalError("cannot read \(url.path): \(error)")
        }
    }()

    static var allCases: [Case] { shared.cases }
    static func named(_ type: String) -> Case { shared.cases.first { $0.type == type }! }

    /// The first `tokens` rows of x.
    func xValues(tokens: Int) -> [Float] { Array(Self.decodeFloats(x).prefix(tokens * columns)) }

    static func decodeBytes(_ base64: String) -> [UInt8] {
        guard let data = Data(base64Encoded: base64) else { fatalError("quant_reference.json: bad base64") }
        return [UInt8](data)
    }

    static func decodeFloats(_ base64: String) -> [Float] {
        let bytes = decodeBytes(base64)
        return stride(from: 0, to: bytes.count, by: 4).map { i in
            Float(bitPattern: UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24)
        }
    }
}

/// The kernel sets this CPU runs (the scalar one always).
let quantKernelSets: [QuantizedMatrix.Kernels] = QuantizedMatrix.Kernels.best == .avx2 ? [.scalar, .avx2] : [.scalar]

/// Largest |x| of each block of 32 values of a row of x: the int16 codes of x are within
/// amax / 65534 of x.
func blockMaxima(_ x: ArraySlice<Float>) -> [Float] {
    stride(from: x.startIndex, to: x.endIndex, by: 32).map { s in x[s..<Swift.min(s + 32, x.endIndex)].map { abs($0) }.max()! }
}

/// What a product of one row of x with one row of W may differ from the exact value: the int16
/// rounding of x (quantised types only) plus float32 accumulation.
func productTolerance(x: ArraySlice<Float>, w: ArraySlice<Float>, usesCodes: Bool) -> Double {
    let maxima = blockMaxima(x)
    var codes = 0.0, magnitude = 0.0
    for (k, (a, b)) in zip(x, w).enumerated() {
        codes += Double(abs(b)) * Double(maxima[k / 32]) / 65534
        magnitude += Double(abs(a * b))
    }
    return (usesCodes ? 1.01 * codes : 0) + 2e-5 * magnitude + 1e-30
}
