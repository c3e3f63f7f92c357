import Foundation

/// BERT's WordPiece tokenizer (Wu et al. 2016; Devlin et al. 2019), giving the ids Hugging
/// Face's `BertTokenizer` gives.
///
/// `encode` finds the special tokens written literally in the text (`[MASK]`, `[SEP]`, ...),
/// normalises and splits the rest with a ``BasicTokenizer``, then cuts each word greedily into
/// the longest vocabulary entries from the left, later pieces spelt with the `##` prefix. A
/// word longer than `maximumCharactersPerWord` scalars, or one that cannot be cut, becomes
/// `[UNK]`. The ids are framed as `[CLS] ... [SEP]`.
///
/// ```swift
/// let tokenizer = try WordPieceTokenizer.load(directory: "Models/all-MiniLM-L6-v2")
/// tokenizer.tokenize("Unaffable café!")   // ["una", "##ff", "##able", "cafe", "!"]
/// tokenizer.encode("A man is eating food.")   // [101, 1037, 2158, 2003, 5983, 2833, 1012, 102]
/// ```
public struct WordPieceTokenizer: Tokenizer {
    /// The special tokens a BERT vocabulary must or may hold.
    public struct SpecialTokens: Sendable, Equatable {
        public var unknown = "[UNK]"
        public var classification = "[CLS]"
        public var separator = "[SEP]"
        public var padding = "[PAD]"
        public var mask = "[MASK]"
        public init() {}
    }

    /// Token spellings by id.
    public let vocabulary: [String]
    private let idOf: [String: Int]
    /// Normalisation and word splitting before WordPiece.
    public let basic: BasicTokenizer
    /// The prefix of pieces that continue a word (`##`).
    public let continuingPrefix: String
    /// Longer words (counted in Unicode scalars) become `[UNK]` whole.
    public let maximumCharactersPerWord: Int
    public let specialTokens: SpecialTokens
    public let unknownID: Int
    public let classificationID: Int
    public let separatorID: Int
    /// The id of `[PAD]`; 0 when the vocabulary has none.
    public let paddingID: Int
    /// Tokens matched literally in the input before normalisation (longest first), with their ids.
    private let literalTokens: [(scalars: [Unicode.Scalar], id: Int)]
    /// The most scalars any vocabulary entry has: no longer piece need be looked up.
    private let longestToken: Int

    public var vocabularySize: Int { vocabulary.count }

    /// A tokenizer over `vocabulary` (token spellings in id order).
    ///
    /// Throws `TokenizerError.malformedFile` (naming `source` and the 1-based line, which is the
    /// id + 1) when a token is empty or appears twice, or when `[UNK]`, `[CLS]` or `[SEP]` is missing.
    /// `literalTokens` lists extra tokens to match in the raw text (Hugging Face's added
    /// tokens); the special tokens present in the vocabulary are always matched.
    public init(vocabulary: [String], basic: BasicTokenizer = BasicTokenizer(), specialTokens: SpecialTokens = SpecialTokens(),
                continuingPrefix: String = "##", maximumCharactersPerWord: Int = 100,
                literalTokens: [String: Int] = [:], source: String = "<vocabulary>") throws {
        guard !vocabulary.isEmpty else { throw TokenizerError.malformedFile(path: source, line: 0, reason: "the vocabulary is empty") }
        guard maximumCharactersPerWord > 0 else {
            throw TokenizerError.malformedFile(path: source, line: 0, reason: "max_input_chars_per_word must be positive, got \(maximumCharactersPerWord)")
        }
        var idOf: [String: Int] = [:]
        idOf.reserveCapacity(vocabulary.count)
        for (id, token) in vocabulary.enumerated() {
            guard !token.isEmpty else {
                throw TokenizerError.malformedFile(path: source, line: id + 1, reason: "empty token (id \(id))")
            }
            if let first = idOf[token] {
                throw TokenizerError.malformedFile(path: source, line: id + 1,
                                                   reason: "token \(token.debugDescription) appears twice (ids \(first) and \(id))")
            }
            idOf[token] = id
        }
        func require(_ token: String, _ role: String) throws -> Int {
            guard let id = idOf[token] else {
                throw TokenizerError.malformedFile(path: source, line: 0, reason: "the vocabulary has no \(role) token \(token)")
            }
            return id
        }
        unknownID = try require(specialTokens.unknown, "unknown")
        classificationID = try require(specialTokens.classification, "classification")
        separatorID = try require(specialTokens.separator, "separator")
        paddingID = idOf[specialTokens.padding] ?? 0
        var literal = literalTokens
        for token in [specialTokens.unknown, specialTokens.classification, specialTokens.separator,
                      specialTokens.padding, specialTokens.mask] {
            if let id = idOf[token], literal[token] == nil { literal[token] = id }
        }
        for (token, id) in literal where id < 0 || id >= vocabulary.count || token.isEmpty {
            throw TokenizerError.malformedFile(path: source, line: 0,
                                               reason: "added token \(token.debugDescription) has id \(id), outside the vocabulary of \(vocabulary.count)")
        }
        self.literalTokens = literal.map { (Array($0.key.unicodeScalars), $0.value) }
            .sorted { $0.scalars.count != $1.scalars.count ? $0.scalars.count > $1.scalars.count : $0.id < $1.id }
        self.vocabulary = vocabulary
        self.idOf = idOf
        longestToken = vocabulary.reduce(0) { Swift.max($0, $1.unicodeScalars.count) }
        self.basic = basic
        self.specialTokens = specialTokens
        self.continuingPrefix = continuingPrefix
        self.maximumCharactersPerWord = maximumCharactersPerWord
    }

    /// The id of a token spelling, if the vocabulary has it.
    public func id(of token: String) -> Int? { idOf[token] }

    /// The word-piece ids of `text`, without `[CLS]`/`[SEP]`.
    public func pieceIDs(_ text: String) -> [Int] {
        var ids: [Int] = []
        for segment in literalSegments(text) {
            switch segment {
            case .literal(let id): ids.append(id)
            case .text(let scalars):
                var view = String.UnicodeScalarView()
                view.append(contentsOf: scalars)
                for word in basic.split(basic.normalized(String(view))) {
                    appendPieces(of: word, to: &ids)
                }
            }
        }
        return ids
    }

    /// The word-piece spellings of `text`, without `[CLS]`/`[SEP]`.
    ///
    /// ```swift
    /// tokenizer.tokenize("Ångström")   // ["ang", "##strom"]
    /// ```
    public func tokenize(_ text: String) -> [String] { pieceIDs(text).map { vocabulary[$0] } }

    /// `[CLS]`, the word-piece ids of `text`, `[SEP]`.
    public func encode(_ text: String) -> [Int] { [classificationID] + pieceIDs(text) + [separatorID] }

    /// As `encode(_:)`, cut to at most `maximumLength` ids (at least 2) by dropping word pieces
    /// from the end, keeping `[SEP]` last. `originalLength` is the length before the cut.
    ///
    /// ```swift
    /// let (ids, full) = tokenizer.encode(longText, maximumLength: 256)
    /// if full > ids.count { print("truncated from \(full) tokens") }
    /// ```
    public func encode(_ text: String, maximumLength: Int) -> (ids: [Int], originalLength: Int) {
        precondition(maximumLength >= 2, "WordPieceTokenizer.encode: maximumLength must be at least 2 for [CLS] and [SEP], got \(maximumLength)")
        var pieces = pieceIDs(text)
        let original = pieces.count + 2
        if pieces.count > maximumLength - 2 { pieces.removeLast(pieces.count - (maximumLength - 2)) }
        return ([classificationID] + pieces + [separatorID], original)
    }

    /// The text of `ids`: pieces joined with spaces, `##` continuations glued on, and spaces
    /// before punctuation and English contractions removed (Hugging Face's WordPiece decoder
    /// with `cleanup`). Special tokens are kept; throws for an id outside the vocabulary.
    public func decode(_ ids: [Int]) throws -> String {
        var text = ""
        for (index, id) in ids.enumerated() {
            guard id >= 0 && id < vocabulary.count else { throw TokenizerError.unknownTokenID(id, vocabularySize: vocabulary.count) }
            let token = vocabulary[id]
            if index > 0 && token.hasPrefix(continuingPrefix) {
                text += token.dropFirst(continuingPrefix.count)
            } else {
                text += (index > 0 ? " " : "") + token
            }
        }
        for (spaced, glued) in [(" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
                                (" 'm", "'m"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re")] {
            text = text.replacingOccurrences(of: spaced, with: glued)
        }
        return text
    }

    // MARK: - WordPiece

    /// Greedy longest-match-first: from each position, the longest vocabulary entry (with the
    /// `##` prefix after the first piece); the whole word is `[UNK]` if some position has none.
    private func appendPieces(of word: [Unicode.Scalar], to ids: inout [Int]) {
        guard word.count <= maximumCharactersPerWord else {
            ids.append(unknownID)
            return
        }
        let mark = ids.count
        var start = 0
        while start < word.count {
            var end = Swift.min(word.count, start + longestToken)
            var found: Int?
            while end > start {
                var candidate = start > 0 ? continuingPrefix : ""
                candidate.unicodeScalars.append(contentsOf: word[start..<end])
                if let id = idOf[candidate] {
                    found = id
                    break
                }
                end -= 1
            }
            guard let id = found else {
                ids.removeLast(ids.count - mark)
                ids.append(unknownID)
                return
            }
            ids.append(id)
            start = end
        }
    }

    // MARK: - Literal tokens

    private enum Segment {
        case text(ArraySlice<Unicode.Scalar>)
        case literal(Int)
    }

    /// `text` cut around the literal tokens it contains (leftmost match, longest first).
    private func literalSegments(_ text: String) -> [Segment] {
        let scalars = Array(text.unicodeScalars)
        guard !literalTokens.isEmpty, scalars.contains("[") || literalTokens.contains(where: { $0.scalars.first != "[" }) else {
            return [.text(scalars[...])]
        }
        var segments: [Segment] = []
        var runStart = 0, i = 0
        scan: while i < scalars.count {
            for token in literalTokens where token.scalars.first == scalars[i] && i + token.scalars.count <= scalars.count {
                if scalars[i..<(i + token.scalars.count)].elementsEqual(token.scalars) {
                    if runStart < i { segments.append(.text(scalars[runStart..<i])) }
                    segments.append(.literal(token.id))
                    i += token.scalars.count
                    runStart = i
                    continue scan
                }
            }
            i += 1
        }
        if runStart < scalars.count { segments.append(.text(scalars[runStart...])) }
        return segments
    }
}
