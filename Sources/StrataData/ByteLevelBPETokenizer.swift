import Foundation

/// A byte-level BPE tokenizer (GPT-2's scheme, used by GPT-2, SmolLM, Llama 3, Qwen...):
/// a vocabulary of token spellings, a ranked merge list, a pre-tokenizer and special tokens.
///
/// Encoding: split the text into pieces with the ``ByteLevelPreTokenizer``, spell each piece's
/// UTF-8 bytes with ``ByteLevelAlphabet``, apply the merges by rank (lowest first, each merge
/// everywhere it applies), and look the resulting tokens up in the vocabulary. Decoding maps
/// tokens back to bytes and decodes UTF-8, replacing invalid sequences with U+FFFD.
/// Special tokens (such as `<|im_start|>`) are recognised only with `allowSpecial: true`.
///
/// ```swift
/// let tok = try ByteLevelBPETokenizer(tokens: ["a", "b", "ab"], merges: ["a b"], preTokenizer: .gpt2)
/// try tok.encode("abba")   // [2, 1, 0]
/// ```
public class ByteLevelBPETokenizer: ByteTokenizer, @unchecked Sendable {
    // @unchecked Sendable: every stored property is immutable except `cache`, which `lock` guards.

    /// Special tokens recognised by `encode(_:allowSpecial: true)`: text to id.
    public let specialTokens: [String: Int]
    public let vocabularySize: Int
    /// The number of merges read.
    public let mergeCount: Int
    public let preTokenizer: ByteLevelPreTokenizer

    // Symbols: every token spelling seen in the vocabulary or the merges, interned.
    private let byteSymbol: [Int32]                 // byte -> symbol
    // A symbol below `vocabularySize` is that vocabulary id; the symbols above it are the
    // byte spellings that the vocabulary lacks (`extraSpellings`, kept for the error).
    private let extraSpellings: [String]
    private let merges: MergeTable
    /// Vocab id -> bytes, for decoding and for `id(of:)`.
    private let tokenBytes: TokenBytes
    /// The tokens whose spelling has a character outside ``ByteLevelAlphabet`` (added tokens
    /// such as `<｜begin▁of▁sentence｜>`): their bytes are that spelling's UTF-8, which another
    /// token's spelling may also stand for, so `id(of:)` finds them by spelling.
    private let foreignSpellings: [String: Int]
    private let specialFirstScalars: Set<Unicode.Scalar>
    private let specialPatterns: [([Unicode.Scalar], Int)]    // longest first

    private let lock = NSLock()
    private var cache: [[UInt8]: [Int]] = [:]
    /// Built by the first `id(of:)`; `lock` guards it.
    private var bytesIndex: BytesIndex?
    private static let cacheLimit = 200_000

    /// One merge rule as read from a file: its two tokens and where it came from (for errors).
    struct MergeRule {
        var left: String
        var right: String
        /// 1-based line in `source`, or 0.
        var line: Int
        /// The metadata key and index that name the rule in an error (`merges[12]`); nil: the
        /// line says it. Kept apart, not formatted, so that 50k rules make no 50k strings.
        var key: String?
        var index = 0

        /// What to call the rule in an error, followed by ": ", or "".
        var label: String { key.map { "\($0)[\(index)]: " } ?? "" }
    }

    /// A tokenizer over `tokens` (token `i` has id `i`, as in GGUF's `tokenizer.ggml.tokens`) and
    /// `merges`, each two token spellings separated by one space, highest priority first. The
    /// spellings use ``ByteLevelAlphabet``. `specialTokens` are ids whose text `encode` matches
    /// literally when special tokens are allowed. `source` names the origin in errors.
    ///
    /// Throws when a token appears twice, a merge is not two tokens, or a merge names a token
    /// (or makes one) that the vocabulary lacks.
    public convenience init(tokens: [String], merges: [String], preTokenizer: ByteLevelPreTokenizer,
                            specialTokens: [Int] = [], source: String = "<memory>", mergesKey: String = "merges") throws {
        // Rules are parsed one at a time as the tables are built: 50k at once would be megabytes.
        func rule(_ i: Int) throws -> MergeRule {
            let parts = merges[i].split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw TokenizerError.malformedFile(path: source, line: 0,
                    reason: "\(mergesKey)[\(i)]: expected two tokens separated by one space, found \(merges[i].debugDescription)")
            }
            return MergeRule(left: String(parts[0]), right: String(parts[1]), line: 0, key: mergesKey, index: i)
        }
        var special: [String: Int] = [:]
        for id in specialTokens {
            guard tokens.indices.contains(id) else {
                throw TokenizerError.malformedFile(path: source, line: 0, reason: "special token id \(id) is outside the vocabulary of \(tokens.count)")
            }
            special[tokens[id]] = id
        }
        try self.init(vocabulary: tokens.enumerated().map { ($1, $0) }, mergeCount: merges.count, mergeRule: rule,
                      preTokenizer: preTokenizer, specialTokens: special, source: source, vocabularySource: source)
    }

    /// The designated initializer: `vocabulary` as (spelling, id) pairs, ids unique and ≥ 0;
    /// `mergeRule(rank)` for each rank below `mergeCount`, highest priority first.
    init(vocabulary: [(String, Int)], mergeCount: Int, mergeRule: (Int) throws -> MergeRule,
         preTokenizer: ByteLevelPreTokenizer, specialTokens: [String: Int], source: String, vocabularySource: String) throws {
        self.preTokenizer = preTokenizer
        guard !vocabulary.isEmpty else {
            throw TokenizerError.malformedFile(path: vocabularySource, line: 0, reason: "the vocabulary is empty")
        }
        var maxID = -1
        var idOfSpelling: [String: Int] = [:]
        idOfSpelling.reserveCapacity(vocabulary.count)
        for (token, id) in vocabulary {
            guard id >= 0, id < 1 << 24 else {
                throw TokenizerError.malformedFile(path: vocabularySource, line: 0, reason: "token \(token.debugDescription) has the id \(id), outside 0..<16777216")
            }
            if let other = idOfSpelling[token] {
                throw TokenizerError.malformedFile(path: vocabularySource, line: 0,
                    reason: "token \(token.debugDescription) appears twice (ids \(other) and \(id))")
            }
            idOfSpelling[token] = id
            maxID = max(maxID, id)
        }
        var spellingOfID = [String?](repeating: nil, count: maxID + 1)
        for (token, id) in vocabulary {
            guard spellingOfID[id] == nil else {
                throw TokenizerError.malformedFile(path: vocabularySource, line: 0, reason: "id \(id) is given to two tokens")
            }
            spellingOfID[id] = token
        }
        var idBytes: [UInt8] = []
        var idByteStart = [Int32](repeating: -1, count: maxID + 2)
        var foreign: [String: Int] = [:]
        for (id, token) in spellingOfID.enumerated() {
            guard let token else { continue }
            idByteStart[id] = Int32(idBytes.count)
            for s in token.unicodeScalars {
                if let b = ByteLevelAlphabet.byte(for: s) {
                    idBytes.append(b)
                } else {
                    idBytes.append(contentsOf: String(s).utf8)
                    foreign[token] = id
                }
            }
        }
        idByteStart[maxID + 1] = Int32(idBytes.count)
        // An exact-size copy: the doubling while appending left up to half the buffer unused.
        tokenBytes = TokenBytes(bytes: idBytes.withUnsafeBufferPointer { Array($0) }, start: idByteStart)
        foreignSpellings = foreign
        var extraSpellings: [String] = []
        byteSymbol = ByteLevelAlphabet.scalars.map { scalar in
            let spelling = String(scalar)
            if let id = idOfSpelling[spelling] { return Int32(id) }
            extraSpellings.append(spelling)
            return Int32(maxID + extraSpellings.count)
        }
        var merges = MergeTable(capacity: mergeCount)
        for rank in 0..<mergeCount {
            let m = try mergeRule(rank)
            for part in [m.left, m.right, m.left + m.right] where idOfSpelling[part] == nil {
                let what = part == m.left + m.right ? "makes" : "names"
                throw TokenizerError.malformedFile(path: source, line: m.line,
                    reason: "\(m.label)the merge \"\(m.left) \(m.right)\" \(what) the token \(part.debugDescription), which the vocabulary lacks")
            }
            // Every part is in the vocabulary (checked above), so its symbol is its id.
            merges.add(left: Int32(idOfSpelling[m.left]!), right: Int32(idOfSpelling[m.right]!),
                       result: Int32(idOfSpelling[m.left + m.right]!))
        }
        self.merges = merges
        self.extraSpellings = extraSpellings
        self.mergeCount = mergeCount
        vocabularySize = maxID + 1
        for (text, id) in specialTokens where text.isEmpty || idOfSpelling[text] != id {
            throw TokenizerError.malformedFile(path: vocabularySource, line: 0,
                reason: "special token \(text.debugDescription) (id \(id)) is not that vocabulary entry")
        }
        self.specialTokens = specialTokens
        specialPatterns = specialTokens.map { (Array($0.key.unicodeScalars), $0.value) }.sorted { $0.0.count > $1.0.count }
        specialFirstScalars = Set(specialPatterns.map { $0.0[0] })
    }

    /// The id of the token spelled `token` (byte-level spelling), if the vocabulary has it.
    /// The first call builds the lookup table (0.25 MiB for 49,152 tokens).
    public func id(of token: String) -> Int? {
        var bytes: [UInt8] = []
        for s in token.unicodeScalars {
            guard let b = ByteLevelAlphabet.byte(for: s) else { return foreignSpellings[token] }
            bytes.append(b)
        }
        lock.lock()
        defer { lock.unlock() }
        if bytesIndex == nil { bytesIndex = BytesIndex(tokenBytes, excluding: Set(foreignSpellings.values)) }
        return bytesIndex!.id(of: bytes, in: tokenBytes)
    }

    /// `text` as token ids; special tokens are ordinary text.
    public func encode(_ text: String) throws -> [Int] {
        try encode(text, allowSpecial: false)
    }

    /// `text` as token ids. With `allowSpecial`, each occurrence of a special token
    /// (such as `<|endoftext|>`) becomes its single id; otherwise it is ordinary text.
    public func encode(_ text: String, allowSpecial: Bool) throws -> [Int] {
        let scalars = Array(text.unicodeScalars)
        var out: [Int] = []
        out.reserveCapacity(scalars.count / 3 + 1)
        guard allowSpecial, !specialTokens.isEmpty else {
            try encodeOrdinary(scalars[...], into: &out)
            return out
        }
        var segmentStart = 0
        var i = 0
        while i < scalars.count {
            if specialFirstScalars.contains(scalars[i]), let (pattern, id) = specialPatterns.first(where: { p in
                i + p.0.count <= scalars.count && scalars[i..<(i + p.0.count)].elementsEqual(p.0)
            }) {
                try encodeOrdinary(scalars[segmentStart..<i], into: &out)
                out.append(id)
                i += pattern.count
                segmentStart = i
            } else {
                i += 1
            }
        }
        try encodeOrdinary(scalars[segmentStart...], into: &out)
        return out
    }

    private func encodeOrdinary(_ scalars: ArraySlice<Unicode.Scalar>, into out: inout [Int]) throws {
        guard !scalars.isEmpty else { return }
        let array = Array(scalars)
        var failure: Error?
        var bytes: [UInt8] = []
        preTokenizer.split(array) { start, end in
            guard failure == nil else { return }
            bytes.removeAll(keepingCapacity: true)
            for s in array[start..<end] {
                if s.value < 0x80 { bytes.append(UInt8(s.value)) } else { bytes.append(contentsOf: UTF8.encode(s)!) }
            }
            do { out.append(contentsOf: try self.piece(bytes)) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// The ids of one pre-tokenized piece, from the cache or by BPE.
    private func piece(_ bytes: [UInt8]) throws -> [Int] {
        lock.lock()
        let cached = cache[bytes]
        lock.unlock()
        if let cached { return cached }
        let ids = try bpe(bytes)
        lock.lock()
        if cache.count >= Self.cacheLimit { cache.removeAll(keepingCapacity: true) }
        cache[bytes] = ids
        lock.unlock()
        return ids
    }

    private func bpe(_ bytes: [UInt8]) throws -> [Int] {
        var word = bytes.map { byteSymbol[Int($0)] }
        var next: [Int32] = []
        while word.count > 1 {
            var best = Merge(rank: .max, result: -1)
            var bestIndex = -1
            for i in 0..<(word.count - 1) {
                if let m = merges.merge(word[i], word[i + 1]), m.rank < best.rank { best = m; bestIndex = i }
            }
            if bestIndex < 0 { break }
            let left = word[bestIndex], right = word[bestIndex + 1]
            next.removeAll(keepingCapacity: true)
            var i = 0
            while i < word.count {
                if i + 1 < word.count && word[i] == left && word[i + 1] == right {
                    next.append(best.result); i += 2
                } else {
                    next.append(word[i]); i += 1
                }
            }
            swap(&word, &next)
        }
        return try word.map { symbol in
            let id = Int(symbol)
            guard id < vocabularySize else { throw TokenizerError.tokenNotInVocabulary(extraSpellings[id - vocabularySize]) }
            return id
        }
    }

    /// The text of `ids`: their bytes, decoded as UTF-8 with invalid sequences replaced by U+FFFD.
    public func decode(_ ids: [Int]) throws -> String {
        String(decoding: try decodeBytes(ids), as: UTF8.self)
    }

    /// The raw bytes of `ids` (useful when a sequence may stop inside a multi-byte character).
    public func decodeBytes(_ ids: [Int]) throws -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count * 4)
        for id in ids {
            guard let range = tokenBytes.range(of: id) else {
                throw TokenizerError.unknownTokenID(id, vocabularySize: vocabularySize)
            }
            bytes.append(contentsOf: tokenBytes.bytes[range])
        }
        return bytes
    }
}
