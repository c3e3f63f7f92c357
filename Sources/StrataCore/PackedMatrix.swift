import CStrataKernels
import Foundation

/// How a ``PackedMatrix`` stores its values.
///
/// - `int8`: one float32 scale per row (per output channel) and an int8 code per value:
///   `w ≈ scale[r] · q`, `q ∈ [-127, 127]`, scale = max|row| / 127.
/// - `int4(groupSize:)`: one scale per group of `groupSize` consecutive values of a row and a
///   4-bit code per value: `w ≈ scale[r, g] · (n − 8)`, `n ∈ [0, 15]`, with the scale of GGUF's
///   Q4_0 (the group's value of largest magnitude maps to −8). A group of 32 is exactly one Q4_0
///   block; the group size must be even (two codes a byte) and divide the row.
///
/// ```swift
/// let scheme = PackedScheme.int4(groupSize: 32)
/// scheme.description   // "int4 (groups of 32)"
/// ```
public enum PackedScheme: Equatable, Sendable, CustomStringConvertible {
    case int8
    case int4(groupSize: Int)

    public var description: String {
        switch self {
        case .int8: return "int8 (per output channel)"
        case .int4(let g): return "int4 (groups of \(g))"
        }
    }
}

/// A weight matrix `[rows, columns]` (PyTorch's `[out, in]`) stored as int8 or int4 codes with
/// float scales, multiplied without expanding it: the kernels read the codes directly
/// (``matmul(_:activations:)``). Built by ``quantize(_:scheme:)`` from float weights or from the
/// codes and scales of a checkpoint. Immutable and inference-only (no gradient).
///
/// ```swift
/// let w = try PackedMatrix.quantize(linear.weight, scheme: .int8)   // [out, in]
/// let y = w.matmul(x)                                                // [n, in] -> [n, out]
/// let back = w.dequantized()                                         // [out, in] float32
/// ```
public final class PackedMatrix: @unchecked Sendable {  // immutable after init
    public let scheme: PackedScheme
    /// Output features.
    public let rows: Int
    /// Input features.
    public let columns: Int
    /// int8: `rows × columns` codes; int4: `rows × columns / 2` bytes of two nibbles.
    public let codes: [UInt8]
    /// int8: `rows` scales; int4: `rows × columns / groupSize` scales, row-major.
    public let scales: [Float]
    /// How a checkpoint stores the scales (every scale lies on the grid of a logarithmic coding).
    public let scaleCoding: PackedScaleCoding

    /// The largest row width whose int32 sums of int8 products cannot overflow (127² · 2^17 < 2^31).
    public static let maxDynamicColumns = 1 << 17

    /// Wraps codes and scales read from a checkpoint; throws when their sizes do not fit the
    /// scheme and shape (`source` names the tensor in the message).
    ///
    /// ```swift
    /// let w = try PackedMatrix(scheme: .int8, rows: 2, columns: 3, codes: [1, 2, 3, 4, 5, 6], scales: [0.1, 0.2])
    /// ```
    public init(scheme: PackedScheme, rows: Int, columns: Int, codes: [UInt8], scales: [Float],
                scaleCoding: PackedScaleCoding = .float, source: String = "PackedMatrix") throws {
        try Self.checkShape(scheme: scheme, rows: rows, columns: columns, source: source)
        let (codeCount, scaleCount) = Self.sizes(scheme: scheme, rows: rows, columns: columns)
        guard codes.count == codeCount else {
            throw PackedMatrixError(source: source, message: "expected \(codeCount) code bytes for \(rows) x \(columns) \(scheme), got \(codes.count)")
        }
        guard scales.count == scaleCount else {
            throw PackedMatrixError(source: source, message: "expected \(scaleCount) scales for \(rows) x \(columns) \(scheme), got \(scales.count)")
        }
        guard scales.allSatisfy(\.isFinite), scheme != .int8 || scales.allSatisfy({ $0 >= 0 }) else {
            throw PackedMatrixError(source: source, message: "a scale is not finite (or an int8 scale is negative)")
        }
        if scheme == .int8, codes.contains(0x80) {
            throw PackedMatrixError(source: source, message: "int8 code -128 is outside the symmetric range [-127, 127]")
        }
        if scaleCoding == .logarithmic {
            let onGrid: (Float) -> Bool = scheme == .int8
                ? { s in ScaleCodes.int8Code(s).map(ScaleCodes.int8Scale) == s }
                : { s in ScaleCodes.int4Code(s).map(ScaleCodes.int4Scale) == s }
            if let bad = scales.first(where: { !onGrid($0) }) {
                throw PackedMatrixError(source: source, message: "scale \(bad) is not on the logarithmic grid of one-byte scale codes")
            }
        }
        self.scheme = scheme
        self.scaleCoding = scaleCoding
        self.rows = rows
        self.columns = columns
        self.codes = codes
        self.scales = scales
    }

    /// Code bytes and scales of a `rows × columns` matrix.
    static func sizes(scheme: PackedScheme, rows: Int, columns: Int) -> (codes: Int, scales: Int) {
        switch scheme {
        case .int8: return (rows * columns, rows)
        case .int4(let g): return (rows * columns / 2, rows * (columns / g))
        }
    }

    /// Checks that a matrix of this shape can be packed with `scheme`.
    public static func checkShape(scheme: PackedScheme, rows: Int, columns: Int, source: String) throws {
        guard rows > 0, columns > 0, rows <= Int(Int32.max), columns <= Int(Int32.max) else {
            throw PackedMatrixError(source: source, message: "rows and columns must be positive, got \(rows) x \(columns)")
        }
        if case .int4(let g) = scheme {
            guard g >= 2, g % 2 == 0 else {
                throw PackedMatrixError(source: source, message: "the int4 group size must be even and at least 2, got \(g)")
            }
            guard columns % g == 0 else {
                throw PackedMatrixError(source: source, message: "group size \(g) does not divide the width \(columns)")
            }
        }
    }

    /// Quantises a float matrix (rank ≥ 2: axes after the first are flattened into the row, as
    /// for a convolution's `[out, in, kh, kw]` weight). With `.float` scale coding, int4 scales
    /// are rounded to float16 as GGUF's Q4_0 stores them; with `.logarithmic`, every scale is
    /// rounded up to its one-byte grid and the codes are computed against it (a matrix with a
    /// scale beyond the grid keeps `.float`).
    ///
    /// ```swift
    /// let w = try PackedMatrix.quantize(conv.weight, scheme: .int4(groupSize: 32))   // [64, 288]
    /// ```
    public static func quantize(_ weight: Tensor, scheme: PackedScheme, scaleCoding: PackedScaleCoding = .float,
                                source: String = "PackedMatrix.quantize") throws -> PackedMatrix {
        guard weight.rank >= 2, weight.dtype.isFloatingPoint else {
            throw PackedMatrixError(source: source, message: "expected a float matrix, got \(weight.dtype) \(weight.shape)")
        }
        let rows = weight.shape[0], columns = weight.count / Swift.max(rows, 1)
        try checkShape(scheme: scheme, rows: rows, columns: columns, source: source)
        let values = weight.floats
        guard values.allSatisfy(\.isFinite) else {
            throw PackedMatrixError(source: source, message: "the weights hold NaN or infinite values")
        }
        switch scheme {
        case .int8:
            var codes = [UInt8](repeating: 0, count: rows * columns)
            var scales = [Float](repeating: 0, count: rows)
            values.withUnsafeBufferPointer { x in
                codes.withUnsafeMutableBytes { q in
                    strata_i8_quantize_rows(x.baseAddress!, Int64(rows), Int64(columns),
                                            q.baseAddress!.assumingMemoryBound(to: Int8.self), &scales)
                }
            }
            let gridCodes = scaleCoding == .logarithmic ? scales.map(ScaleCodes.int8Code) : []
            guard scaleCoding == .logarithmic, gridCodes.allSatisfy({ $0 != nil }) else {
                return try PackedMatrix(scheme: scheme, rows: rows, columns: columns, codes: codes, scales: scales, source: source)
            }
            // The codes again, against the rounded-up scales (as the C kernel rounds: rint, ties to even).
            scales = gridCodes.map { ScaleCodes.int8Scale($0!) }
            for r in 0..<rows {
                let inverse: Float = scales[r] > 0 ? 1 / scales[r] : 0
                for k in (r * columns)..<((r + 1) * columns) {
                    let q = Swift.min(127, Swift.max(-127, (values[k] * inverse).rounded(.toNearestOrEven)))
                    codes[k] = UInt8(bitPattern: Int8(q))
                }
            }
            return try PackedMatrix(scheme: scheme, rows: rows, columns: columns, codes: codes, scales: scales,
                                    scaleCoding: .logarithmic, source: source)
        case .int4(let g):
            let groups = columns / g
            // Q4_0's scale: the value of largest magnitude, with its sign, maps to -8.
            var exact = [Float](repeating: 0, count: rows * groups)
            for i in 0..<(rows * groups) {
                let start = (i / groups) * columns + (i % groups) * g
                var peak: Float = 0
                for k in start..<(start + g) where abs(values[k]) > abs(peak) { peak = values[k] }
                exact[i] = peak / -8
            }
            let gridCodes = scaleCoding == .logarithmic ? exact.map(ScaleCodes.int4Code) : []
            let coding: PackedScaleCoding = scaleCoding == .logarithmic && gridCodes.allSatisfy({ $0 != nil }) ? .logarithmic : .float
            var codes = [UInt8](repeating: 0, count: rows * columns / 2)
            var scales = [Float](repeating: 0, count: rows * groups)
            for i in 0..<(rows * groups) {
                let d: Float, inverseOf: Float
                if coding == .logarithmic {
                    d = ScaleCodes.int4Scale(gridCodes[i]!)
                    inverseOf = d
                } else {
                    // As ggml: codes from the float32 scale, the scale stored rounded to float16.
                    d = Float(Float16(exact[i]))
                    inverseOf = exact[i]
                    guard d.isFinite else {
                        throw PackedMatrixError(source: source, message: "a weight of \(-8 * exact[i]) is beyond float16's range for its group's scale")
                    }
                }
                let inverse: Float = inverseOf != 0 ? 1 / inverseOf : 0
                scales[i] = d
                let start = (i / groups) * columns + (i % groups) * g
                for k in stride(from: start, to: start + g, by: 2) {
                    let lo = Swift.min(15, Swift.max(0, Int((values[k] * inverse + 8.5).rounded(.down))))
                    let hi = Swift.min(15, Swift.max(0, Int((values[k + 1] * inverse + 8.5).rounded(.down))))
                    codes[k / 2] = UInt8(lo | hi << 4)
                }
            }
            return try PackedMatrix(scheme: scheme, rows: rows, columns: columns, codes: codes, scales: scales,
                                    scaleCoding: coding, source: source)
        }
    }

    /// The values of row `r` as floats, written to `into` (an embedding lookup).
    public func dequantizeRow(_ r: Int, into out: UnsafeMutablePointer<Float>) {
        ensure(r >= 0 && r < rows, "PackedMatrix.dequantizeRow: row \(r) is outside 0..<\(rows)")
        switch scheme {
        case .int8:
            let s = scales[r]
            for k in 0..<columns { out[k] = Float(Int8(bitPattern: codes[r * columns + k])) * s }
        case .int4(let g):
            let groups = columns / g
            for k in stride(from: 0, to: columns, by: 2) {
                let b = codes[(r * columns + k) / 2], s = scales[r * groups + k / g]
                out[k] = Float(Int(b & 0x0F) - 8) * s
                out[k + 1] = Float(Int(b >> 4) - 8) * s
            }
        }
    }

    /// All values as float32 `[rows, columns]`.
    public func dequantized() -> Tensor {
        gatherRows(Array(0..<rows))
    }

    /// Rows `ids` as float32 `[ids.count, columns]`.
    public func gatherRows(_ ids: [Int]) -> Tensor {
        let out = Tensor(uninitialized: [ids.count, columns], dtype: .float32)
        Device.cpu.backend.dequantize(self, rows: ids, into: out)
        return out
    }
}

extension PackedMatrix: CustomStringConvertible {
    /// `PackedMatrix(int8 (per output channel), 256 x 784)`
    public var description: String { "PackedMatrix(\(scheme), \(rows) x \(columns))" }
}

/// Packed codes or scales that do not fit their matrix, with the tensor they came from.
public struct PackedMatrixError: Error, CustomStringConvertible, Equatable {
    public let source: String
    public let message: String
    public init(source: String, message: String) { self.source = source; self.message = message }
    public var description: String { "\(source): \(message)" }
}
