import Foundation

/// GPT-2's reversible map from bytes to printable Unicode characters: bytes 33-126,
/// 161-172 and 174-255 stand for themselves; the other 68 bytes (controls, space,
/// DEL, NBSP, soft hyphen...) map in increasing order to U+0100, U+0101, ...
public enum ByteLevelAlphabet {
    /// `scalars[b]` is the character that stands for byte `b`.
    public static let scalars: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            if (33...126).contains(b) || (161...172).contains(b) || (174...255).contains(b) {
                table[b] = Unicode.Scalar(UInt32(b))!
            } else {
                table[b] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return table
    }()

    /// The byte a character stands for, or nil when it is not one of the 256.
    public static func byte(for scalar: Unicode.Scalar) -> UInt8? { inverse[scalar.value] }

    private static let inverse: [UInt32: UInt8] = {
        var map: [UInt32: UInt8] = [:]
        for (b, s) in scalars.enumerated() { map[s.value] = UInt8(b) }
        return map
    }()

    /// The byte-level spelling of `bytes`.
    public static func encode<B: Sequence>(_ bytes: B) -> String where B.Element == UInt8 {
        var view = String.UnicodeScalarView()
        for b in bytes { view.append(scalars[Int(b)]) }
        return String(view)
    }
}

