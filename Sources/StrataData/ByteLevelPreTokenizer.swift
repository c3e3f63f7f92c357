import Foundation

/// How a byte-level BPE tokenizer splits text into pieces before merging: each piece is encoded
/// on its own, so no token spans two pieces. The names are llama.cpp's `tokenizer.ggml.pre` values.
///
/// - `gpt2`: GPT-2's pattern
///   `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`.
/// - `smollm` (also StarCoder's): every number character alone (`\p{N}`), then GPT-2's pattern
///   over what lies between them.
/// - `llama3`: Llama 3's pattern
///   `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`.
///
/// The patterns are matched by hand over Unicode scalars: letters are general category L*,
/// numbers N*, whitespace the Unicode White_Space property.
///
/// ```swift
/// ByteLevelPreTokenizer.smollm.pieces("in 2024")   // ["in", " ", "2", "0", "2", "4"]
/// ```
public enum ByteLevelPreTokenizer: String, Sendable, CaseIterable {
    case gpt2
    case smollm
    case llama3

    /// The pre-tokenizer llama.cpp calls `name` (`tokenizer.ggml.pre`), or nil when it is not
    /// one of those supported. `default` (no `pre` key) and `starcoder` are accepted as well.
    public init?(ggmlName name: String) {
        switch name {
        case "gpt2", "default", "gpt-2": self = .gpt2
        case "smollm", "starcoder": self = .smollm
        case "llama3", "llama-v3", "llama-bpe": self = .llama3
        default: return nil
        }
    }

    /// The pieces of `text` (for inspection and tests; encoding works on scalar offsets).
    public func pieces(_ text: String) -> [String] {
        let scalars = Array(text.unicodeScalars)
        var out: [String] = []
        split(scalars) { s, e in
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars[s..<e])
            out.append(String(view))
        }
        return out
    }

    /// Calls `piece(start, end)` for each piece, in order; the pieces cover `scalars` exactly.
    func split(_ scalars: [Unicode.Scalar], _ piece: (Int, Int) -> Void) {
        let kinds = scalars.map(ScalarKind.init)
        switch self {
        case .gpt2:
            Self.gpt2(scalars, kinds, 0..<scalars.count, piece)
        case .smollm:
            var start = 0
            for i in scalars.indices where kinds[i] == .number {
                Self.gpt2(scalars, kinds, start..<i, piece)
                piece(i, i + 1)
                start = i + 1
            }
            Self.gpt2(scalars, kinds, start..<scalars.count, piece)
        case .llama3:
            Self.llama3(scalars, kinds, piece)
        }
    }

    enum ScalarKind: UInt8 {
        case letter, number, space, other

        @inline(__always)
        init(_ s: Unicode.Scalar) {
            let v = s.value
            if v < 0x80 {
                switch v {
                case 0x41...0x5A, 0x61...0x7A: self = .letter
                case 0x30...0x39: self = .number
                case 0x09...0x0D, 0x20: self = .space
                default: self = .other
                }
                return
            }
            let p = s.properties
            if p.isWhitespace { self = .space; return }
            switch p.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: self = .letter
            case .decimalNumber, .letterNumber, .otherNumber: self = .number
            default: self = .other
            }
        }
    }

    /// GPT-2's pattern over `range` (its end counts as the end of the text).
    private static func gpt2(_ scalars: [Unicode.Scalar], _ kinds: [ScalarKind], _ range: Range<Int>,
                             _ piece: (Int, Int) -> Void) {
        let n = range.upperBound
        func run(_ k: ScalarKind, from j: Int) -> Int {
            var e = j
            while e < n && kinds[e] == k { e += 1 }
            return e
        }
        var i = range.lowerBound
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

    /// Llama 3's pattern over all of `scalars`.
    private static func llama3(_ scalars: [Unicode.Scalar], _ kinds: [ScalarKind], _ piece: (Int, Int) -> Void) {
        let n = scalars.count
        func run(_ k: ScalarKind, from j: Int) -> Int {
            var e = j
            while e < n && kinds[e] == k { e += 1 }
            return e
        }
        func isNewline(_ j: Int) -> Bool { scalars[j] == "\r" || scalars[j] == "\n" }
        func lower(_ j: Int) -> UInt32 { scalars[j].value | (scalars[j].isASCII ? 0x20 : 0) }
        var i = 0
        while i < n {
            // (?i:'s|'t|'re|'ve|'m|'ll|'d)
            if scalars[i] == "'" && i + 1 < n {
                let a = lower(i + 1)
                if a == 0x73 || a == 0x74 || a == 0x6D || a == 0x64 {          // s t m d
                    piece(i, i + 2); i += 2; continue
                }
                if i + 2 < n {
                    let b = lower(i + 2)
                    if (a == 0x72 && b == 0x65) || (a == 0x76 && b == 0x65) || (a == 0x6C && b == 0x6C) {   // re ve ll
                        piece(i, i + 3); i += 3; continue
                    }
                }
            }
            // [^\r\n\p{L}\p{N}]?\p{L}+
            if kinds[i] == .letter {
                let e = run(.letter, from: i); piece(i, e); i = e; continue
            }
            if kinds[i] != .number && !isNewline(i) && i + 1 < n && kinds[i + 1] == .letter {
                let e = run(.letter, from: i + 1); piece(i, e); i = e; continue
            }
            // \p{N}{1,3}
            if kinds[i] == .number {
                let e = Swift.min(run(.number, from: i), i + 3); piece(i, e); i = e; continue
            }
            // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
            let start = scalars[i] == " " && i + 1 < n && kinds[i + 1] == .other ? i + 1 : i
            if kinds[start] == .other {
                var e = run(.other, from: start)
                while e < n && isNewline(e) { e += 1 }
                piece(i, e); i = e; continue
            }
            // Whitespace from here on: '\s*[\r\n]+' ends at the run's last line break.
            let e = run(.space, from: i)
            if let lastBreak = (i..<e).last(where: isNewline) {
                piece(i, lastBreak + 1); i = lastBreak + 1; continue
            }
            // '\s+(?!\S)' then '\s+'
            if e < n && e - i > 1 {
                piece(i, e - 1); i = e - 1
            } else {
                piece(i, e); i = e
            }
        }
    }
}
