import Foundation

/// The element type of a tensor.
///
/// ```swift
/// let x = Tensor([1, 2, 3] as [Float])   // .float32
/// let y = x.cast(to: .float64)            // .float64
/// ```
public enum DType: String, Sendable, CaseIterable, CustomStringConvertible {
    case float32, float64, float16, int32, int64, bool

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .float32, .int32: return 4
        case .float64, .int64: return 8
        case .float16: return 2
        case .bool: return 1
        }
    }

    /// Whether arithmetic and gradients are defined for this type (float32, float64).
    public var isFloatingPoint: Bool { self == .float32 || self == .float64 }
    public var isInteger: Bool { self == .int32 || self == .int64 }
    public var description: String { rawValue }
}

/// A Swift type that a tensor can hold.
public protocol TensorScalar: Sendable {
    static var dtype: DType { get }
    /// Converts to Double (used for printing, casting and `item`).
    var doubleValue: Double { get }
    init(fromDouble value: Double)
}

/// The floating-point element types that Strata computes with (Float and Double).
public protocol FloatScalar: TensorScalar, BinaryFloatingPoint, Comparable {
    static func exp(_ x: Self) -> Self
    static func log(_ x: Self) -> Self
    static func sqrt(_ x: Self) -> Self
    static func tanh(_ x: Self) -> Self
    static func erf(_ x: Self) -> Self
    static func pow(_ x: Self, _ y: Self) -> Self
    static func sin(_ x: Self) -> Self
    static func cos(_ x: Self) -> Self
}

extension Float: FloatScalar {
    public static var dtype: DType { .float32 }
    public var doubleValue: Double { Double(self) }
    public init(fromDouble value: Double) { self = Float(value) }
    /// e^x without a library call, so that loops over it vectorise: e^x = 2^n · e^g with
    /// n = round(x·log2 e) and |g| <= ln2/2, e^g by its degree-7 Taylor polynomial
    /// (truncation error below 1e-8), 2^n assembled from exponent bits. Within 2 ulp of
    /// `expf`; 0 below -87.3 (where float32 results would be subnormal), +inf above 88.7.
    @inline(__always) public static func exp(_ x: Float) -> Float {
        // NaN fails both comparisons and is clamped too (it is restored at the end).
        let clamped: Float = x >= -87.33654 ? (x <= 88.72283 ? x : 88.72283) : -87.33654
        // Adding 1.5·2^23 rounds to an integer, which then sits in the low mantissa bits.
        let shifted = clamped * 1.442695041 + 12_582_912
        let n = shifted - 12_582_912
        let k = Int32(bitPattern: shifted.bitPattern) &- 0x4B40_0000
        let g = (clamped - n * 0.693145751953125) - n * 1.428606765330187e-06  // x - n·ln2, in two parts
        var p: Float = 1.0 / 5040
        p = p * g + 1.0 / 720
        p = p * g + 1.0 / 120
        p = p * g + 1.0 / 24
        p = p * g + 1.0 / 6
        p = p * g + 0.5
        p = p * g + 1
        p = p * g + 1
        // 2^n as 2^(n/2) · 2^(n - n/2), so that n = -126 ... 128 never leaves the exponent range.
        let half = k >> 1
        let scaled = p * Float(bitPattern: UInt32(bitPattern: half &+ 127) << 23)
                       * Float(bitPattern: UInt32(bitPattern: k &- half &+ 127) << 23)
        return x != x ? x : (x < -87.33654 ? 0 : (x > 88.72283 ? .infinity : scaled))
    }
    @inline(__always) public static func log(_ x: Float) -> Float { Foundation.logf(x) }
    @inline(__always) public static func sqrt(_ x: Float) -> Float { x.squareRoot() }
    /// tanh without a library call (glibc's `tanhf` goes through `expm1f` and dominated GELU):
    /// an odd Taylor polynomial below |x| = 0.3, 1 - 2/(e^{2|x|} + 1) above, the sign restored.
    /// Within 4 ulp of `tanhf` (tested); NaN stays NaN.
    @inline(__always) public static func tanh(_ x: Float) -> Float {
        let a = Swift.min(Swift.abs(x), 10)         // tanh(10) rounds to 1 in float32
        let large = 1 - 2 / (Float.exp(2 * a) + 1)
        let a2 = a * a
        var p: Float = 62.0 / 2835
        p = p * a2 - 17.0 / 315
        p = p * a2 + 2.0 / 15
        p = p * a2 - 1.0 / 3
        let small = a + a * a2 * p
        let r = a < 0.3 ? small : large
        return x != x ? x : (x < 0 ? -r : r)
    }
    /// erf without a library call (glibc's `erff` dominated the exact GELU of BERT): x·P(x²)
    /// below |x| = 0.921875, 1 - e^(-x²)·Q(1/(1 + |x|)) up to 3.9375, ±1 beyond (erf rounds to 1
    /// in float32 there). P and Q are least-squares fits made by Scripts/fit_erf.py. Within
    /// 4 ulp of `erff` (tested); NaN stays NaN.
    @inline(__always) public static func erf(_ x: Float) -> Float {
        let a = Swift.min(Swift.abs(x), 3.9375)
        let s = a * a
        var p: Float = -6.0431217e-04
        p = p * s + 0.0050042383
        p = p * s - 0.026774881
        p = p * s + 0.11282074
        p = p * s - 0.37612525
        p = p * s + 1.1283791
        let t = 1 / (1 + a)
        var q: Float = 1.0080192
        q = q * t - 3.426254
        q = q * t + 4.715631
        q = q * t - 2.9419553
        q = q * t + 0.34467313
        q = q * t + 0.16957428
        q = q * t + 0.57688951
        q = q * t + 0.56336677
        q = q * t + 2.3350607e-05
        let r = a < 0.921875 ? a * p : (a < 3.9375 ? 1 - Float.exp(-s) * q : 1)
        return x != x ? x : (x < 0 ? -r : r)
    }
    @inline(__always) public static func pow(_ x: Float, _ y: Float) -> Float { Foundation.powf(x, y) }
    @inline(__always) public static func sin(_ x: Float) -> Float { Foundation.sinf(x) }
    @inline(__always) public static func cos(_ x: Float) -> Float { Foundation.cosf(x) }
}

extension Double: FloatScalar {
    public static var dtype: DType { .float64 }
    public var doubleValue: Double { self }
    public init(fromDouble value: Double) { self = value }
    @inline(__always) public static func exp(_ x: Double) -> Double { Foundation.exp(x) }
    @inline(__always) public static func log(_ x: Double) -> Double { Foundation.log(x) }
    @inline(__always) public static func sqrt(_ x: Double) -> Double { x.squareRoot() }
    @inline(__always) public static func tanh(_ x: Double) -> Double { Foundation.tanh(x) }
    @inline(__always) public static func erf(_ x: Double) -> Double { Foundation.erf(x) }
    @inline(__always) public static func pow(_ x: Double, _ y: Double) -> Double { Foundation.pow(x, y) }
    @inline(__always) public static func sin(_ x: Double) -> Double { Foundation.sin(x) }
    @inline(__always) public static func cos(_ x: Double) -> Double { Foundation.cos(x) }
}

extension Float16: TensorScalar {
    public static var dtype: DType { .float16 }
    public var doubleValue: Double { Double(self) }
    public init(fromDouble value: Double) { self = Float16(value) }
}

extension Int32: TensorScalar {
    public static var dtype: DType { .int32 }
    public var doubleValue: Double { Double(self) }
    public init(fromDouble value: Double) { self = Int32(value) }
}

extension Int64: TensorScalar {
    public static var dtype: DType { .int64 }
    public var doubleValue: Double { Double(self) }
    public init(fromDouble value: Double) { self = Int64(value) }
}

extension Bool: TensorScalar {
    public static var dtype: DType { .bool }
    public var doubleValue: Double { self ? 1 : 0 }
    public init(fromDouble value: Double) { self = value != 0 }
}
