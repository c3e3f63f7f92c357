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

/// GPT-2's pre-tokenization, the pattern
/// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`,
/// done by hand over Unicode scalars: letters are general category L*, numbers N*,
/// whitespace the Unicode White_Space property.
enum BPEPreTokenizer {
    enum Kind: UInt8 { case letter, number, space, other }

    @inline(__always)
    static func kind(_ s: Unicode.Scalar) -> Kind {
        let v = s.value
        if v < 0x80 {
            switch v {
            case 0x41...0x5A, 0x61...0x7A: return .letter
            case 0x30...0x39: return .number
            case 0x09...0x0D, 0x20: return .space
            default: return .other
            }
        }
        let p = s.properties
        if p.isWhitespace { return .space }
        switch p.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return .letter
        case .decimalNumber, .letterNumber, .otherNumber: return .number
        default: return .other
        }
    }

    /// Calls `piece(start, end)` for each match, in order; the pieces cover `scalars` exactly.
    static func split(_ scalars: [Unicode.Scalar], _ piece: (Int, Int) -> Void) {
        let n = scalars.count
        var kinds = [Kind](repeating: .other, count: n)
        for i in 0..<n { kinds[i] = kind(scalars[i]) }
        var i = 0
        /// The end of the run of `k` starting at `j`.
        func run(_ k: Kind, from j: Int) -> Int {
            var e = j
            while e < n && kinds[e] == k { e += 1 }
            return e
        }
        while i < n {
            let s = scalars[i]
            // 's|'t|'re|'ve|'m|'ll|'d
            if s == "'" && i + 1 < n {
                let a = scalars[i + 1]
                if a == "s" || a == "t" || a == "m" || a == "d" {
                    piece(i, i + 2); i += 2; continue
                }
                if i + 2 < n {
                    let b = scalars[i + 2]
                    if (a == "r" && b == "e") || (a == "v" && b == "e") || (a == "l" && b == "l") {
                        piece(i, i + 3); i += 3; continue
                    }
                }
            }
            // ' ?\p{L}+', ' ?\p{N}+', ' ?[^\s\p{L}\p{N}]+': an optional U+0020, then a run of one class.
            var start = i
            if s == " " && i + 1 < n && kinds[i + 1] != .space { start = i + 1 }
            let k = kinds[start]
            if k != .space {
                let e = run(k, from: start)
                piece(i, e); i = e; continue
            }
            // '\s+(?!\S)' then '\s+'
            let e = run(.space, from: i)
            if e < n && e - i > 1 {
                piece(i, e - 1); i = e - 1   // leave the last space to lead the next word
            } else {
                piece(i, e); i = e
            }
        }
    }
}
