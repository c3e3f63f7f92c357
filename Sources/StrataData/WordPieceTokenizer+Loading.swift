import Foundation
import StrataIO

extension WordPieceTokenizer {
    /// The largest vocabulary file read (BERT's are about 230 KB as vocab.txt, 0.5-2 MB as tokenizer.json).
    static let maximumFileBytes = 64 << 20

    /// The tokenizer of a Hugging Face model folder: `tokenizer.json` when present (its WordPiece
    /// vocabulary and BertNormalizer settings), otherwise `vocab.txt` with the settings of
    /// `tokenizer_config.json` (lower-casing on when that file is absent).
    ///
    /// ```swift
    /// let tokenizer = try WordPieceTokenizer.load(directory: "Models/all-MiniLM-L6-v2")
    /// ```
    public static func load(directory: String) throws -> WordPieceTokenizer {
        let manager = FileManager.default
        let json = directory + "/tokenizer.json", vocab = directory + "/vocab.txt"
        if manager.fileExists(atPath: json) { return try WordPieceTokenizer(tokenizerJSON: json) }
        guard manager.fileExists(atPath: vocab) else {
            throw TokenizerError.unreadableFile(path: directory, reason: "neither tokenizer.json nor vocab.txt is there")
        }
        let configPath = directory + "/tokenizer_config.json"
        var basic = BasicTokenizer(), specials = SpecialTokens()
        if manager.fileExists(atPath: configPath) {
            (basic, specials) = try readTokenizerConfig(configPath)
        }
        return try WordPieceTokenizer(vocabularyFile: vocab, basic: basic, specialTokens: specials)
    }

    /// Reads a `vocab.txt`: one token per line, the line number minus one being its id.
    /// Errors name the file and line (a duplicate or empty token, a missing `[UNK]`/`[CLS]`/`[SEP]`).
    ///
    /// ```swift
    /// let tokenizer = try WordPieceTokenizer(vocabularyFile: "vocab.txt", basic: BasicTokenizer(lowercase: true))
    /// ```
    public init(vocabularyFile path: String, basic: BasicTokenizer = BasicTokenizer(), specialTokens: SpecialTokens = SpecialTokens()) throws {
        let data = try Self.readFile(path)
        guard let text = String(data: data, encoding: .utf8) else {
            throw TokenizerError.malformedFile(path: path, line: 0, reason: "not valid UTF-8")
        }
        var lines = text.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }   // the final newline ends the last line
        let tokens = lines.map { $0.hasSuffix("\r") ? String($0.dropLast()) : $0 }
        if let first = tokens.first, first.hasPrefix("\u{FEFF}") {
            throw TokenizerError.malformedFile(path: path, line: 1, reason: "starts with a byte-order mark; expected a plain token")
        }
        try self.init(vocabulary: tokens, basic: basic, specialTokens: specialTokens, source: path)
    }

    /// Reads a Hugging Face `tokenizer.json` whose model is WordPiece, with a `BertNormalizer`
    /// (or none) and a `BertPreTokenizer`. Its added tokens are matched literally in the text.
    /// Errors name the file and the key.
    public init(tokenizerJSON path: String) throws {
        let document = try Self.parseJSON(path)
        do {
            let root = document.root
            let model = try root.member("model")
            let type = try model.optionalMember("type")?.string() ?? "WordPiece"
            guard type == "WordPiece" else { throw try model.member("type").error("expected \"WordPiece\", found \"\(type)\"") }

            // The vocabulary: an object token -> id whose ids are exactly 0 ..< count.
            let vocabNode = try model.member("vocab")
            let entries = try vocabNode.members()
            guard !entries.isEmpty, entries.count <= 10_000_000 else {
                throw vocabNode.error("expected 1 to 10,000,000 tokens, found \(entries.count)")
            }
            var vocabulary = [String?](repeating: nil, count: entries.count)
            for (token, node) in entries {
                let id = try node.int()
                guard id >= 0 && id < entries.count else {
                    throw node.error("id \(id) is outside 0..<\(entries.count) (the ids must number the tokens from 0 without gaps)")
                }
                if let other = vocabulary[id] {
                    throw node.error("id \(id) is given to both \(other.debugDescription) and \(token.debugDescription)")
                }
                vocabulary[id] = token
            }

            var specials = SpecialTokens()
            if let unknown = try model.optionalMember("unk_token") { specials.unknown = try unknown.string() }
            let prefix = try model.optionalMember("continuing_subword_prefix")?.string() ?? "##"
            let maxChars = try model.optionalMember("max_input_chars_per_word")?.int() ?? 100
            guard maxChars > 0 && maxChars <= 1_000_000 else {
                throw try model.member("max_input_chars_per_word").error("expected 1 to 1,000,000, found \(maxChars)")
            }

            let basic = try Self.readNormalizer(root)
            if let pre = try root.optionalMember("pre_tokenizer") {
                let preType = try pre.member("type").string()
                guard preType == "BertPreTokenizer" else {
                    throw try pre.member("type").error("only BertPreTokenizer is supported, found \"\(preType)\"")
                }
            }
            if let post = try root.optionalMember("post_processor") {
                (specials.classification, specials.separator) = try Self.readFraming(post)
            }

            var literal: [String: Int] = [:]
            for added in try root.optionalMember("added_tokens")?.elements() ?? [] {
                literal[try added.member("content").string()] = try added.member("id").int()
            }
            try self.init(vocabulary: vocabulary.map { $0! }, basic: basic, specialTokens: specials,
                          continuingPrefix: prefix, maximumCharactersPerWord: maxChars, literalTokens: literal, source: path)
        } catch let error as FileError {
            throw TokenizerError.malformedFile(path: path, line: 0, reason: error.locatedMessage)
        }
    }

    /// The `BertNormalizer` settings of a tokenizer.json (no normalizer: nothing changes the text).
    private static func readNormalizer(_ root: JSONNode) throws -> BasicTokenizer {
        guard let normalizer = try root.optionalMember("normalizer") else {
            return BasicTokenizer(lowercase: false, stripAccents: false, cleanText: false, splitChineseCharacters: false)
        }
        let type = try normalizer.member("type").string()
        guard type == "BertNormalizer" else {
            throw try normalizer.member("type").error("only BertNormalizer is supported, found \"\(type)\"")
        }
        func flag(_ key: String, _ fallback: Bool) throws -> Bool { try normalizer.optionalMember(key)?.bool() ?? fallback }
        let lowercase = try flag("lowercase", true)
        return BasicTokenizer(lowercase: lowercase, stripAccents: try normalizer.optionalMember("strip_accents")?.bool(),
                              cleanText: try flag("clean_text", true), splitChineseCharacters: try flag("handle_chinese_chars", true))
    }

    /// The first and last special tokens of a single sequence, from `BertProcessing`
    /// (`cls`/`sep` pairs) or a `TemplateProcessing` of the form `[X] $A [Y]`.
    private static func readFraming(_ post: JSONNode) throws -> (String, String) {
        let type = try post.member("type").string()
        switch type {
        case "BertProcessing":
            let cls = try post.member("cls").elements(), sep = try post.member("sep").elements()
            guard cls.count == 2, sep.count == 2 else { throw post.error("expected cls and sep as [token, id] pairs") }
            return (try cls[0].string(), try sep[0].string())
        case "TemplateProcessing":
            let single = try post.member("single").elements()
            guard single.count == 3, try single[1].optionalMember("Sequence") != nil,
                  let first = try single[0].optionalMember("SpecialToken"), let last = try single[2].optionalMember("SpecialToken") else {
                throw try post.member("single").error("expected the template [special] $A [special]")
            }
            return (try first.member("id").string(), try last.member("id").string())
        default:
            throw try post.member("type").error("expected BertProcessing or TemplateProcessing, found \"\(type)\"")
        }
    }

    /// The settings of a `tokenizer_config.json` (BertTokenizer's `do_lower_case`, `strip_accents`,
    /// `tokenize_chinese_chars` and special token spellings).
    static func readTokenizerConfig(_ path: String) throws -> (BasicTokenizer, SpecialTokens) {
        let document = try parseJSON(path)
        do {
            let root = document.root
            let lowercase = try root.optionalMember("do_lower_case")?.bool() ?? true
            let basic = BasicTokenizer(lowercase: lowercase, stripAccents: try root.optionalMember("strip_accents")?.bool(),
                                       splitChineseCharacters: try root.optionalMember("tokenize_chinese_chars")?.bool() ?? true)
            var specials = SpecialTokens()
            func spelling(_ key: String) throws -> String? {
                guard let node = try root.optionalMember(key) else { return nil }
                // A plain string, or an AddedToken object {"content": "[UNK]", ...}.
                if let content = try? node.member("content") { return try content.string() }
                return try node.string()
            }
            if let t = try spelling("unk_token") { specials.unknown = t }
            if let t = try spelling("cls_token") { specials.classification = t }
            if let t = try spelling("sep_token") { specials.separator = t }
            if let t = try spelling("pad_token") { specials.padding = t }
            if let t = try spelling("mask_token") { specials.mask = t }
            return (basic, specials)
        } catch let error as FileError {
            throw TokenizerError.malformedFile(path: path, line: 0, reason: error.locatedMessage)
        }
    }

    private static func parseJSON(_ path: String) throws -> JSONDocument {
        do {
            return try JSONDocument(path: path, maximumBytes: maximumFileBytes)
        } catch let error as FileError {
            throw TokenizerError.malformedFile(path: path, line: 0, reason: error.locatedMessage)
        }
    }

    private static func readFile(_ path: String) throws -> Data {
        do {
            let size = try FileBytes.checkRegularFile(path: path)
            guard size <= maximumFileBytes else {
                throw TokenizerError.malformedFile(path: path, line: 0, reason: "file is \(size) bytes; expected at most \(maximumFileBytes)")
            }
            return try FileBytes.map(path: path)
        } catch let error as FileBytes.ReadError {
            throw TokenizerError.unreadableFile(path: path, reason: error.message)
        }
    }
}
