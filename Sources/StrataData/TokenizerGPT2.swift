import Foundation

/// GPT-2's byte-level BPE tokenizer, read from `vocab.json` and `merges.txt`.
///
/// Encoding: split the text with GPT-2's pre-tokenization pattern, spell each piece's
/// UTF-8 bytes with ``ByteLevelAlphabet``, apply the merges by rank (lowest first, each
/// merge everywhere it applies), and look the resulting tokens up in the vocabulary.
/// Decoding maps tokens back to bytes and decodes UTF-8, replacing invalid sequences
/// with U+FFFD. `<|endoftext|>` (50256) is special only with `allowSpecial: true`.
public final class GPT2Tokenizer: Tokenizer, @unchecked Sendable {
    /// The id of `<|endoftext|>`, when the vocabulary has it (50256 for GPT-2).
    public let endOfTextID: Int?
    /// Special tokens recognised by `encode(_:allowSpecial: true)`: text to id.
    public let specialTokens: [String: Int]
    public let vocabularySize: Int
    /// The number of merges read.
    public let mergeCount: Int
    /// The files it was read from.
    public let vocabularyPath: String
    public let mergesPath: String

    // Symbols: every token spelling seen in the vocabulary or the merges, interned.
    private let byteSymbol: [Int32]                 // byte -> symbol
    private let symbolVocabID: [Int]                // symbol -> vocab id, or -1
    private let symbolSpelling: [String]            // symbol -> spelling (for errors)
    private let merges: [UInt64: Merge]             // (left << 32 | right) -> merge
    private let idBytes: [[UInt8]?]                 // vocab id -> bytes

    private struct Merge { var rank: Int32; var result: Int32 }

    private let lock = NSLock()
    private var cache: [[UInt8]: [Int]] = [:]
    private static let cacheLimit = 200_000

    /// Reads `vocab.json` (a JSON object from token spelling to id) and `merges.txt`
    /// (an optional `#version` line, then one merge per line: two spellings separated by a space).
    /// Errors name the file and line.
    public init(vocabularyPath: String, mergesPath: String) throws {
        self.vocabularyPath = vocabularyPath
        self.mergesPath = mergesPath
        let vocab = try VocabularyJSON.parse(path: vocabularyPath)
        let mergeLines = try Self.readMerges(path: mergesPath)

        var symbolOf: [String: Int32] = [:]
        var symbolVocabID: [Int] = []
        var spelling: [String] = []
        func intern(_ s: String) -> Int32 {
            if let id = symbolOf[s] { return id }
            let id = Int32(spelling.count)
            symbolOf[s] = id
            spelling.append(s)
            symbolVocabID.append(-1)
            return id
        }
        var maxID = -1
        for (token, id) in vocab.entries {
            symbolVocabID[Int(intern(token))] = id
            maxID = max(maxID, id)
        }
        byteSymbol = ByteLevelAlphabet.scalars.map { intern(String($0)) }
        var merges: [UInt64: Merge] = [:]
        merges.reserveCapacity(mergeLines.count)
        for (rank, m) in mergeLines.enumerated() {
            let a = intern(m.left), b = intern(m.right), r = intern(m.left + m.right)
            let key = UInt64(UInt32(a)) << 32 | UInt64(UInt32(b))
            if merges[key] == nil { merges[key] = Merge(rank: Int32(rank), result: r) }
        }
        self.merges = merges
        self.symbolVocabID = symbolVocabID
        self.symbolSpelling = spelling
        mergeCount = mergeLines.count
        vocabularySize = maxID + 1

        var idBytes = [[UInt8]?](repeating: nil, count: maxID + 1)
        for (token, id) in vocab.entries {
            var bytes: [UInt8] = []
            for s in token.unicodeScalars {
                if let b = ByteLevelAlphabet.byte(for: s) { bytes.append(b) } else { bytes.append(contentsOf: Array(String(s).utf8)) }
            }
            idBytes[id] = bytes
        }
        self.idBytes = idBytes

        var special: [String: Int] = [:]
        for (token, id) in vocab.entries where token.hasPrefix("<|") && token.hasSuffix("|>") && token.count > 4 {
            special[token] = id
        }
        specialTokens = special
        endOfTextID = special["<|endoftext|>"]
    }

    /// Reads `vocab.json` and `merges.txt` from `directory` (such as the repository's `Data/gpt2-tokenizer`).
    public convenience init(directory: String) throws {
        let dir = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        try self.init(vocabularyPath: dir + "/vocab.json", mergesPath: dir + "/merges.txt")
    }

    /// `text` as token ids; `<|endoftext|>` is ordinary text.
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
        let specials = specialTokens.map { (Array($0.key.unicodeScalars), $0.value) }.sorted { $0.0.count > $1.0.count }
        var segmentStart = 0
        var i = 0
        while i < scalars.count {
            if scalars[i] == "<", let (pattern, id) = specials.first(where: { p in
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
        BPEPreTokenizer.split(array) { start, end in
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
                let key = UInt64(UInt32(word[i])) << 32 | UInt64(UInt32(word[i + 1]))
                if let m = merges[key], m.rank < best.rank { best = m; bestIndex = i }
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
            let id = symbolVocabID[Int(symbol)]
            guard id >= 0 else { throw TokenizerError.tokenNotInVocabulary(symbolSpelling[Int(symbol)]) }
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
            guard id >= 0, id < idBytes.count, let b = idBytes[id] else {
                throw TokenizerError.unknownTokenID(id, vocabularySize: vocabularySize)
            }
            bytes.append(contentsOf: b)
        }
        return bytes
    }

    // MARK: - merges.txt

    private struct MergeLine { var left: String; var right: String }

    private static func readMerges(path: String) throws -> [MergeLine] {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw TokenizerError.unreadableFile(path: path, reason: error.localizedDescription)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw TokenizerError.malformedFile(path: path, line: 0, reason: "not valid UTF-8")
        }
        var result: [MergeLine] = []
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = Substring(rawLine)
            if line.hasSuffix("\r") { line = line.dropLast() }
            if line.isEmpty { continue }
            if lineNumber == 1 && line.hasPrefix("#version") { continue }
            let parts = line.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw TokenizerError.malformedFile(path: path, line: lineNumber,
                    reason: "expected two tokens separated by one space, found \(String(line).debugDescription)")
            }
            result.append(MergeLine(left: String(parts[0]), right: String(parts[1])))
        }
        if result.isEmpty {
            throw TokenizerError.malformedFile(path: path, line: 0, reason: "no merges found")
        }
        return result
    }
}
