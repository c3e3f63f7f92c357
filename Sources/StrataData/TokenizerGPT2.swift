import Foundation
import StrataIO

/// GPT-2's byte-level BPE tokenizer, read from `vocab.json` and `merges.txt`: a
/// ``ByteLevelBPETokenizer`` with GPT-2's pre-tokenizer whose special tokens are the
/// vocabulary's `<|...|>` entries. `<|endoftext|>` (50256) is special only with `allowSpecial: true`.
///
/// ```swift
/// let tok = try GPT2Tokenizer(directory: "Data/gpt2-tokenizer")
/// try tok.encode("Hello world")   // [15496, 995]
/// ```
public final class GPT2Tokenizer: ByteLevelBPETokenizer, @unchecked Sendable {
    /// The id of `<|endoftext|>`, when the vocabulary has it (50256 for GPT-2).
    public let endOfTextID: Int?
    /// The files it was read from.
    public let vocabularyPath: String
    public let mergesPath: String

    /// Reads `vocab.json` (a JSON object from token spelling to id) and `merges.txt`
    /// (an optional `#version` line, then one merge per line: two spellings separated by a space).
    /// Errors name the file and line.
    public init(vocabularyPath: String, mergesPath: String) throws {
        self.vocabularyPath = vocabularyPath
        self.mergesPath = mergesPath
        let vocab = try Self.readVocabulary(path: vocabularyPath)
        let mergeLines = try Self.readMerges(path: mergesPath)
        var special: [String: Int] = [:]
        for (token, id) in vocab where token.hasPrefix("<|") && token.hasSuffix("|>") && token.count > 4 {
            special[token] = id
        }
        endOfTextID = special["<|endoftext|>"]
        try super.init(vocabulary: vocab, mergeCount: mergeLines.count, mergeRule: { mergeLines[$0] },
                       preTokenizer: .gpt2, specialTokens: special,
                       source: mergesPath, vocabularySource: vocabularyPath)
    }

    /// Reads `vocab.json` and `merges.txt` from `directory` (such as the repository's `Data/gpt2-tokenizer`).
    public convenience init(directory: String) throws {
        let dir = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        try self.init(vocabularyPath: dir + "/vocab.json", mergesPath: dir + "/merges.txt")
    }

    // MARK: - vocab.json

    /// The entries of `vocab.json`, a JSON object from token spelling to id (0 ... Int32.max),
    /// in file order. A syntax error names the line; a bad id names the token.
    private static func readVocabulary(path: String) throws -> [(String, Int)] {
        let bytes = try TokenizerError.readFile(path)
        do {
            let root = try JSONDocument(data: Data(bytes), path: path).root
            guard case .object = root.value else {
                throw TokenizerError.malformedFile(path: path, line: 1,
                    reason: "expected a JSON object of token -> id, found \(root.typeDescription)")
            }
            let members = try root.members()
            guard !members.isEmpty else { throw TokenizerError.malformedFile(path: path, line: 1, reason: "the vocabulary is empty") }
            return try members.map { token, node in
                guard let id = node.value.nonNegativeInteger, id <= Int(Int32.max) else {
                    throw TokenizerError.malformedFile(path: path, line: 0,
                        reason: "token \(token.debugDescription): expected an integer id in 0...\(Int32.max), found \(node.typeDescription)")
                }
                return (token, id)
            }
        } catch let error as FileError {
            throw TokenizerError.malformedFile(path: path, line: lineNumber(of: error.location, in: bytes), reason: error.message)
        }
    }

    /// The 1-based line of a byte-offset location in `bytes`; 0 for any other location.
    private static func lineNumber(of location: FileError.Location, in bytes: [UInt8]) -> Int {
        guard case .offset(let offset) = location else { return 0 }
        var line = 1
        for byte in bytes[..<min(offset, bytes.count)] where byte == 0x0A { line += 1 }
        return line
    }

    // MARK: - merges.txt

    private static func readMerges(path: String) throws -> [MergeRule] {
        let data = Data(try TokenizerError.readFile(path))
        guard let text = String(data: data, encoding: .utf8) else {
            throw TokenizerError.malformedFile(path: path, line: 0, reason: "not valid UTF-8")
        }
        var result: [MergeRule] = []
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
            result.append(MergeRule(left: String(parts[0]), right: String(parts[1]), line: lineNumber, key: nil))
        }
        if result.isEmpty {
            throw TokenizerError.malformedFile(path: path, line: 0, reason: "no merges found")
        }
        return result
    }
}
