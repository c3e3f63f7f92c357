import Foundation
import Testing
import StrataData

/// A small vocabulary for the unit cases (ids are the positions).
private let tinyVocabulary = [
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
    "un", "##aff", "##able", "the", "cafe", "!", ",", "$", "^", "`", "a", "##b", "中", "文", "hello", "world",
    "ab", "##c", "##cd", "i", "s", "##ss", "x", "##y", ".", "'", "t", "don",
]

private func tiny(_ basic: BasicTokenizer = BasicTokenizer()) throws -> WordPieceTokenizer {
    try WordPieceTokenizer(vocabulary: tinyVocabulary, basic: basic)
}

@Suite("WordPiece tokenizer")
struct WordPieceTokenizerTests {
    @Test func greedyLongestMatchFirst() throws {
        let t = try tiny()
        #expect(t.tokenize("unaffable") == ["un", "##aff", "##able"])
        // "abcd": "ab" then the longest continuation "##cd", not "##c" + an impossible "##d".
        #expect(t.tokenize("abcd") == ["ab", "##cd"])
        // A word that cannot be cut to the end is [UNK] as a whole, even if it starts well.
        #expect(t.tokenize("unzz the") == ["[UNK]", "the"])
        #expect(t.encode("the cafe") == [2, 8, 9, 3])
    }

    @Test func wordsLongerThanTheLimitAreUnknown() throws {
        let t = try tiny()
        #expect(t.tokenize(String(repeating: "a", count: 101)) == ["[UNK]"])
        let vocabulary = tinyVocabulary + ["##" + "a"]
        let long = try WordPieceTokenizer(vocabulary: vocabulary)
        #expect(long.tokenize(String(repeating: "a", count: 100)) == ["a"] + Array(repeating: "##a", count: 99))
    }

    @Test func normalisation() throws {
        let t = try tiny()
        // Lower-casing and accent stripping (precomposed and combining forms).
        #expect(t.tokenize("CAFÉ Cafe\u{301}") == ["cafe", "cafe"])
        // Control characters, NUL, U+FFFD and format characters vanish; tabs and newlines separate.
        #expect(t.tokenize("ca\u{0}f\u{7}e\u{FFFD}\u{200B}\tthe\nthe") == ["cafe", "the", "the"])
        // CJK ideographs become words of their own even without spaces.
        #expect(t.tokenize("the中文the") == ["the", "中", "文", "the"])
        // ASCII symbols count as punctuation although Unicode files them as symbols.
        #expect(t.tokenize("a$a^a`a") == ["a", "$", "a", "^", "a", "`", "a"])
        #expect(t.tokenize("don't!") == ["don", "'", "t", "!"])
        // Without lower-casing, case and accents stay (so these are unknown here).
        let cased = try tiny(BasicTokenizer(lowercase: false))
        #expect(cased.tokenize("The café") == ["[UNK]", "[UNK]"])
    }

    @Test func basicTokenizerWords() {
        let basic = BasicTokenizer(lowercase: true)
        #expect(basic.words(in: "Héllo,  WORLD!") == ["hello", ",", "world", "!"])
        #expect(basic.words(in: "İstanbul ΣΑΣ") == ["istanbul", "σασ"])
        #expect(basic.words(in: "   \t ") == [])
    }

    @Test func specialTokensWrittenInTheTextAreKept() throws {
        let t = try tiny()
        #expect(t.encode("hello [MASK] world[SEP]") == [2, 19, 4, 20, 3, 3])
        // Only the exact spelling: "[mask]" is punctuation and a word.
        #expect(t.tokenize("[mask]").count == 3)
    }

    @Test func truncationKeepsTheSeparatorLast() throws {
        let t = try tiny()
        let (ids, original) = t.encode("the the the the the", maximumLength: 4)
        #expect(ids == [2, 8, 8, 3])
        #expect(original == 7)
        let (short, full) = t.encode("the", maximumLength: 4)
        #expect(short == [2, 8, 3] && full == 3)
    }

    @Test func decodeJoinsPieces() throws {
        let t = try tiny()
        #expect(try t.decode(t.pieceIDs("unaffable cafe!")) == "unaffable cafe!")
        #expect(throws: TokenizerError.unknownTokenID(999, vocabularySize: tinyVocabulary.count)) { try t.decode([999]) }
    }

    @Test func invalidVocabulariesAreReportedWithTheLine() throws {
        let dir = try TemporaryDirectory()
        let duplicate = try dir.write(Array("[PAD]\n[UNK]\n[CLS]\n[SEP]\nthe\nthe\n".utf8), to: "vocab.txt")
        #expect(throws: TokenizerError.malformedFile(path: duplicate, line: 6, reason: "token \"the\" appears twice (ids 4 and 5)")) {
            try WordPieceTokenizer(vocabularyFile: duplicate)
        }
        let noUnknown = try dir.write(Array("[PAD]\n[CLS]\n[SEP]\nthe\n".utf8), to: "vocab2.txt")
        #expect(throws: TokenizerError.malformedFile(path: noUnknown, line: 0, reason: "the vocabulary has no unknown token [UNK]")) {
            try WordPieceTokenizer(vocabularyFile: noUnknown)
        }
        let empty = try dir.write(Array("[UNK]\n\n[CLS]\n[SEP]\n".utf8), to: "vocab3.txt")
        #expect(throws: TokenizerError.malformedFile(path: empty, line: 2, reason: "empty token (id 1)")) {
            try WordPieceTokenizer(vocabularyFile: empty)
        }
        #expect(throws: TokenizerError.self) { try WordPieceTokenizer(vocabularyFile: dir.path + "/absent.txt") }
    }

    @Test func tokenizerJSONErrorsNameTheKey() throws {
        let dir = try TemporaryDirectory()
        let json = #"{"model": {"type": "WordPiece", "vocab": {"[UNK]": 0, "[CLS]": 1, "[SEP]": 1}}}"#
        let path = try dir.write(Array(json.utf8), to: "tokenizer.json")
        do {
            _ = try WordPieceTokenizer(tokenizerJSON: path)
            Issue.record("a duplicate id was accepted")
        } catch let error as TokenizerError {
            #expect(error.description.contains("model.vocab.[SEP]") && error.description.contains("id 1"), "\(error)")
        }
        let bpe = try dir.write(Array(#"{"model": {"type": "BPE", "vocab": {}}}"#.utf8), to: "bpe.json")
        #expect(throws: TokenizerError.malformedFile(path: bpe, line: 0, reason: "key 'model.type': expected \"WordPiece\", found \"BPE\"")) {
            try WordPieceTokenizer(tokenizerJSON: bpe)
        }
        let broken = try dir.write(Array(#"{"model": {"#.utf8), to: "broken.json")
        #expect(throws: TokenizerError.self) { try WordPieceTokenizer(tokenizerJSON: broken) }
    }
}

// MARK: - Against Hugging Face, with the real vocabulary

/// The folder of all-MiniLM-L6-v2 (from $STRATA_MODELS or the package's Models/), if fetched.
private let miniLMDirectory: String? = {
    let root = ProcessInfo.processInfo.environment["STRATA_MODELS"]
        ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Models").path
    let dir = root + "/all-MiniLM-L6-v2"
    return FileManager.default.fileExists(atPath: dir + "/vocab.txt") ? dir : nil
}()

private struct TokenizerReference: Decodable {
    struct Cases: Decodable { let cases: [Case] }
    struct Case: Decodable { let text: String; let ids: [Int] }
    let tokenizer: Cases

    /// Written by Scripts/bert_reference.py from Hugging Face `tokenizers`.
    static func load() throws -> TokenizerReference {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("StrataModelsTests/Fixtures/minilm_reference.json")
        return try JSONDecoder().decode(TokenizerReference.self, from: Data(contentsOf: url))
    }
}

@Suite("WordPiece tokenizer against Hugging Face (all-MiniLM-L6-v2)")
struct WordPieceReferenceTests {
    @Test(.enabled(if: miniLMDirectory != nil, "skipped: run Scripts/fetch_models.sh"))
    func idsMatchTokenizersFromTokenizerJSON() throws {
        let tokenizer = try WordPieceTokenizer(tokenizerJSON: miniLMDirectory! + "/tokenizer.json")
        let reference = try TokenizerReference.load()
        #expect(reference.tokenizer.cases.count >= 20)
        for c in reference.tokenizer.cases {
            #expect(tokenizer.encode(c.text) == c.ids, "\(c.text.debugDescription)")
        }
    }

    @Test(.enabled(if: miniLMDirectory != nil, "skipped: run Scripts/fetch_models.sh"))
    func idsMatchTokenizersFromVocabTxt() throws {
        let dir = try TemporaryDirectory()
        // vocab.txt and tokenizer_config.json alone: the folder without tokenizer.json.
        for name in ["vocab.txt", "tokenizer_config.json"] {
            try FileManager.default.copyItem(atPath: miniLMDirectory! + "/" + name, toPath: dir.path + "/" + name)
        }
        let tokenizer = try WordPieceTokenizer.load(directory: dir.path)
        #expect(tokenizer.vocabularySize == 30_522)
        for c in try TokenizerReference.load().tokenizer.cases {
            #expect(tokenizer.encode(c.text) == c.ids, "\(c.text.debugDescription)")
        }
    }
}
