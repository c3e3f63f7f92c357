import Foundation

/// How a ``PackedMatrix`` stores its scales in a checkpoint.
///
/// - `float`: int8 scales as float32, int4 scales as float16 (GGUF's Q4_0 and Q8_0 store
///   float16 too).
/// - `logarithmic`: one byte a scale, on a grid of eighth-octaves (steps of 2^(1/8), 9%):
///   int8 scales `2^((c − 192) / 8)` for codes c in 1...255 (6.5e-8 to 235), int4 scales a sign
///   bit and `2^((m − 100) / 8)` for m in 1...127 (1.9e-4 to 10.4); code 0 is a scale of 0.
///   Each scale is rounded *up* to the grid and the codes are computed against the rounded
///   scale, so no value saturates; the cost is at most 1/8 bit of resolution (a row's largest
///   int8 code is between 117 and 127). It halves or quarters the scales' bytes, which matters
///   for narrow layers: a width-128 GPT's int8 scales as float32 are 3% of its codes.
///
/// ```swift
/// let w = try PackedMatrix.quantize(weight, scheme: .int8, scaleCoding: .logarithmic)
/// w.scales[0] == PackedMatrix.ScaleCodes.int8Scale(PackedMatrix.ScaleCodes.int8Code(w.scales[0])!)   // true
/// ```
public enum PackedScaleCoding: Sendable, Equatable {
    case float
    case logarithmic
}

extension PackedMatrix {
    /// The byte codes of ``PackedScaleCoding/logarithmic`` scales.
    public enum ScaleCodes {
        /// 2^(j/8) for j in 0..<8, each rounded once to float32; a code's value is one of these
        /// times a power of two (exact), so every platform decodes the same floats.
        static let eighthOctaves: [Float] = (0..<8).map { Float(exp2(Double($0) / 8)) }
        static let int8Offset = 192, int4Offset = 100

        /// `2^((code − offset) / 8)`, or 0 for code 0.
        static func value(_ code: Int, offset: Int) -> Float {
            guard code > 0 else { return 0 }
            let e = code - offset
            let octave = e >= 0 ? e / 8 : -((7 - e) / 8)   // floor(e / 8)
            return Float(sign: .plus, exponent: octave, significand: eighthOctaves[e - 8 * octave])
        }

        /// The smallest code in 1...`maxCode` whose value is at least `s` (> 0), or nil when
        /// even `maxCode` is smaller.
        static func code(atLeast s: Float, offset: Int, maxCode: Int) -> Int? {
            var c = Swift.max(1, Int((8 * log2(Double(s))).rounded(.up)) + offset)
            while c > 1 && value(c - 1, offset: offset) >= s { c -= 1 }
            while c <= maxCode && value(c, offset: offset) < s { c += 1 }
            return c <= maxCode ? c : nil
        }

        /// The int8 scale of a code.
        public static func int8Scale(_ code: UInt8) -> Float { value(Int(code), offset: int8Offset) }

        /// The code of the smallest int8 scale ≥ `scale` (≥ 0), or nil beyond the grid.
        public static func int8Code(_ scale: Float) -> UInt8? {
            guard scale.isFinite, scale >= 0 else { return nil }
            if scale == 0 { return 0 }
            return code(atLeast: scale, offset: int8Offset, maxCode: 255).map { UInt8($0) }
        }

        /// The int4 scale of a code: bit 7 the sign, bits 0-6 the magnitude's code.
        public static func int4Scale(_ code: UInt8) -> Float {
            let magnitude = value(Int(code & 0x7F), offset: int4Offset)
            return code & 0x80 != 0 ? -magnitude : magnitude
        }

        /// The code of the int4 scale with `scale`'s sign and the smallest magnitude ≥ |scale|,
        /// or nil beyond the grid.
        public static func int4Code(_ scale: Float) -> UInt8? {
            guard scale.isFinite else { return nil }
            if scale == 0 { return 0 }
            guard let m = code(atLeast: abs(scale), offset: int4Offset, maxCode: 127) else { return nil }
            return UInt8(m) | (scale < 0 ? 0x80 : 0)
        }
    }

    /// The scales as stored by ``scaleCoding``: float32 or float16 bytes, or one code a scale.
    public var storedScales: (dtype: String, bytes: [UInt8]) {
        switch (scheme, scaleCoding) {
        case (.int8, .float): return ("F32", scales.withUnsafeBytes { Array($0) })
        case (.int4, .float): return ("F16", scales.map { Float16($0) }.withUnsafeBytes { Array($0) })
        case (.int8, .logarithmic): return ("U8", scales.map { ScaleCodes.int8Code($0)! })
        case (.int4, .logarithmic): return ("U8", scales.map { ScaleCodes.int4Code($0)! })
        }
    }

    /// Decodes stored scale bytes (`dtype` F32, F16 or U8 codes) for `scheme`; nil for a
    /// dtype or byte count that does not fit `count` scales.
    public static func decodeScales(dtype: String, bytes: [UInt8], count: Int, scheme: PackedScheme) -> (scales: [Float], coding: PackedScaleCoding)? {
        switch dtype {
        case "F32" where bytes.count == 4 * count:
            return (bytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }, .float)
        case "F16" where bytes.count == 2 * count:
            return (bytes.withUnsafeBytes { $0.bindMemory(to: Float16.self).map { Float($0) } }, .float)
        case "U8" where bytes.count == count:
            if case .int8 = scheme { return (bytes.map(ScaleCodes.int8Scale), .logarithmic) }
            return (bytes.map(ScaleCodes.int4Scale), .logarithmic)
        default:
            return nil
        }
    }
}
