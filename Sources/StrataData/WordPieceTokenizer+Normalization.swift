import Foundation

/// BERT's text normalisation and word splitting, before WordPiece (the "basic tokenizer" of
/// Devlin et al. 2019; Hugging Face's `BertNormalizer` and `BertPreTokenizer`).
///
/// Normalisation, in this order, on Unicode scalars:
/// 1. clean: drop NUL, U+FFFD and control characters (general categories Cc, Cf, Co, Cs, except
///    tab, newline and carriage return); turn every whitespace character into a space;
/// 2. put spaces around CJK ideographs, so each becomes a word of its own;
/// 3. strip accents: canonical decomposition (NFD), then drop non-spacing marks (Mn);
/// 4. lower-case each scalar (full Unicode mapping, no context).
///
/// Splitting: words are separated by whitespace, and every punctuation character (ASCII
/// `!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~` or a Unicode P* category) is a word of its own.
///
/// ```swift
/// let basic = BasicTokenizer(lowercase: true)
/// basic.words(in: "Héllo, WORLD!")   // ["hello", ",", "world", "!"]
/// ```
public struct BasicTokenizer: Sendable, Equatable {
    /// Drop control characters and map whitespace to spaces.
    public var cleansText: Bool
    /// Put spaces around CJK ideographs.
    public var splitsChineseCharacters: Bool
    /// Strip accents (NFD, then drop Mn marks).
    public var stripsAccents: Bool
    /// Lower-case.
    public var lowercases: Bool

    /// BERT's defaults: `stripAccents` nil follows `lowercase`, as in Hugging Face.
    public init(lowercase: Bool = true, stripAccents: Bool? = nil, cleanText: Bool = true, splitChineseCharacters: Bool = true) {
        lowercases = lowercase
        stripsAccents = stripAccents ?? lowercase
        cleansText = cleanText
        splitsChineseCharacters = splitChineseCharacters
    }

    /// The normalised scalars of `text` (steps 1-4 above).
    public func normalized(_ text: String) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(text.unicodeScalars.count)
        var isASCII = true
        for scalar in text.unicodeScalars {
            if cleansText {
                if scalar.value == 0 || scalar.value == 0xFFFD || Self.isControl(scalar) { continue }
                if Self.isWhitespace(scalar) { out.append(" "); continue }
            }
            if splitsChineseCharacters && Self.isChineseCharacter(scalar) {
                out.append(" "); out.append(scalar); out.append(" ")
                isASCII = false
                continue
            }
            if !scalar.isASCII { isASCII = false }
            out.append(scalar)
        }
        if stripsAccents && !isASCII {
            var view = String.UnicodeScalarView()
            view.append(contentsOf: out)
            let decomposed = String(view).decomposedStringWithCanonicalMapping
            out = decomposed.unicodeScalars.filter { $0.properties.generalCategory != .nonspacingMark }
        }
        if lowercases {
            var lowered: [Unicode.Scalar] = []
            lowered.reserveCapacity(out.count)
            for scalar in out {
                if scalar.isASCII {
                    let v = scalar.value
                    lowered.append(v >= 0x41 && v <= 0x5A ? Unicode.Scalar(v + 0x20)! : scalar)
                } else {
                    let mapping = scalar.properties.lowercaseMapping
                    if mapping.unicodeScalars.count == 1, mapping.unicodeScalars.first == scalar {
                        lowered.append(scalar)
                    } else {
                        lowered.append(contentsOf: mapping.unicodeScalars)
                    }
                }
            }
            out = lowered
        }
        return out
    }

    /// The words of already-normalised scalars: split at whitespace, punctuation isolated.
    public func split(_ scalars: [Unicode.Scalar]) -> [[Unicode.Scalar]] {
        var words: [[Unicode.Scalar]] = []
        var current: [Unicode.Scalar] = []
        for scalar in scalars {
            if Self.isWhitespace(scalar) {
                if !current.isEmpty { words.append(current); current = [] }
            } else if Self.isPunctuation(scalar) {
                if !current.isEmpty { words.append(current); current = [] }
                words.append([scalar])
            } else {
                current.append(scalar)
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    /// Normalises `text` and splits it into words.
    public func words(in text: String) -> [String] {
        split(normalized(text)).map { word in
            var view = String.UnicodeScalarView()
            view.append(contentsOf: word)
            return String(view)
        }
    }

    // MARK: - Character classes

    /// Tab, newline, carriage return, space, or a character with Unicode's White_Space property.
    @inline(__always)
    static func isWhitespace(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x20, 0x09, 0x0A, 0x0D: return true
        case 0..<0x80: return false
        default: return c.properties.isWhitespace
        }
    }

    /// A control, format, private-use or surrogate character (Cc, Cf, Co, Cs), except tab,
    /// newline and carriage return, which count as whitespace. Unassigned code points are kept.
    @inline(__always)
    static func isControl(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x09, 0x0A, 0x0D: return false
        case 0x20..<0x7F: return false
        default:
            switch c.properties.generalCategory {
            case .control, .format, .privateUse, .surrogate: return true
            default: return false
            }
        }
    }

    /// ASCII punctuation (`$`, `+`, `^`, `` ` `` and the rest, which Unicode files as symbols) or a
    /// Unicode punctuation category (Pc, Pd, Ps, Pe, Pi, Pf, Po).
    @inline(__always)
    static func isPunctuation(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        if (0x21...0x2F).contains(v) || (0x3A...0x40).contains(v) || (0x5B...0x60).contains(v) || (0x7B...0x7E).contains(v) {
            return true
        }
        if v < 0x80 { return false }
        switch c.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    /// A CJK Unified Ideograph (the blocks and extensions BERT lists) or a compatibility
    /// ideograph. Hangul, hiragana and katakana are not included, as in BERT.
    @inline(__always)
    static func isChineseCharacter(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F,
             0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }
}
