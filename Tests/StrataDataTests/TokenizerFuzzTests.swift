import StrataIO
import Foundation
import Testing
import StrataData
import _StrataTestSupport

/// Damaged tokenizer files (GPT-2 vocab.json and merges.txt, the character tokenizer's JSON,
/// WordPiece vocab.txt and tokenizer.json): every case must end in a `TokenizerError` or a
/// tokenizer that encodes and decodes a sample text consistently; never a crash or a hang.
@Suite("tokenizer fuzzing")
struct TokenizerFuzzTests {
    static let sample = "hello world, hello low"

    static func expectClean(_ summary: FuzzSummary) {
        #expect(summary.passed, "\(summary.report)")
        #expect(summary.errors > 0 && summary.successes > 0)
    }

    /// A loaded tokenizer must either refuse the sample with a `TokenizerError` or round-trip it.
    static func exercise(_ tokenizer: Tokenizer, roundTrip: Bool) throws {
        let ids = try tokenizer.encode(sample)
        let text = try tokenizer.decode(ids)
        if roundTrip { try FuzzRun.check(text == sample, "decoded \(text.debugDescription)") }
        _ = try? tokenizer.decode([0, 1, Int(Int32.max), -1])
    }

    /// A byte-level vocabulary covering the sample ("Ġ" is the space byte), with a few merges.
    static let gpt2Vocab: [UInt8] = {
        let tokens = ["h", "e", "l", "o", "Ġ", "w", "r", "d", ",", "he", "ll", "hell", "hello", "Ġw", "or", "Ġwor", "<|endoftext|>"]
        let body = tokens.enumerated().map { "\"\($0.element)\": \($0.offset)" }.joined(separator: ", ")
        return Array("{\(body), \"\\u00e9\": 17}".utf8)
    }()
    static let gpt2Merges = Array("#version: 0.2\nh e\nl l\nhe ll\nhell o\nĠ w\no r\nĠw or\n".utf8)

    @Test("GPT-2 vocab.json")
    func gpt2Vocabulary() throws {
        let scratch = try FuzzDirectory("gpt2-vocab")
        let merges = try scratch.write(Self.gpt2Merges, to: "merges.txt")
        Self.expectClean(FuzzRun.run("GPT-2 vocab.json", FuzzCases(Self.gpt2Vocab, seed: 0x6072, budget: .text()),
                                     expected: { $0 is TokenizerError }) { fuzzCase in
            let vocab = try scratch.write(fuzzCase.bytes, to: "vocab.json")
            try Self.exercise(try GPT2Tokenizer(vocabularyPath: vocab, mergesPath: merges), roundTrip: true)
        })
    }

    @Test("GPT-2 merges.txt")
    func gpt2MergeList() throws {
        let scratch = try FuzzDirectory("gpt2-merges")
        let vocab = try scratch.write(Self.gpt2Vocab, to: "vocab.json")
        Self.expectClean(FuzzRun.run("GPT-2 merges.txt", FuzzCases(Self.gpt2Merges, seed: 0x6073, budget: .text(textEdits: 0)),
                                     expected: { $0 is TokenizerError }) { fuzzCase in
            let merges = try scratch.write(fuzzCase.bytes, to: "merges.txt")
            try Self.exercise(try GPT2Tokenizer(vocabularyPath: vocab, mergesPath: merges), roundTrip: true)
        })
    }

    @Test("character tokenizer JSON")
    func character() throws {
        let scratch = try FuzzDirectory("char")
        let original = [UInt8](try CharacterTokenizer(corpus: Self.sample + "é\n").jsonData())
        Self.expectClean(FuzzRun.run("character tokenizer JSON", FuzzCases(original, seed: 0xC4A2, budget: .text()),
                                     expected: { $0 is TokenizerError }) { fuzzCase in
            let tokenizer = try CharacterTokenizer.load(path: try scratch.write(fuzzCase.bytes, to: "tokenizer.json"))
            try Self.exercise(tokenizer, roundTrip: true)
        })
    }

    static let wordPieceTokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", ",", "low", "##er", "w", "##orld"]

    @Test("WordPiece vocab.txt")
    func wordPieceVocabulary() throws {
        let scratch = try FuzzDirectory("wordpiece-vocab")
        let original = Array((Self.wordPieceTokens.joined(separator: "\n") + "\n").utf8)
        Self.expectClean(FuzzRun.run("WordPiece vocab.txt", FuzzCases(original, seed: 0x3091, budget: .text(textEdits: 0)),
                                     expected: { $0 is TokenizerError }) { fuzzCase in
            let tokenizer = try WordPieceTokenizer(vocabularyFile: try scratch.write(fuzzCase.bytes, to: "vocab.txt"))
            try Self.exercise(tokenizer, roundTrip: false)
        })
    }

    @Test("WordPiece tokenizer.json")
    func wordPieceJSON() throws {
        let scratch = try FuzzDirectory("wordpiece-json")
        let vocab = Self.wordPieceTokens.enumerated().map { "\"\($0.element)\": \($0.offset)" }.joined(separator: ", ")
        let json = """
        {"version": "1.0", "added_tokens": [{"id": 0, "content": "[PAD]", "special": true}, {"id": 4, "content": "[MASK]", "special": true}],
         "normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true, "strip_accents": null, "lowercase": true},
         "pre_tokenizer": {"type": "BertPreTokenizer"},
         "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 100,
                   "vocab": {\(vocab)}}}
        """
        Self.expectClean(FuzzRun.run("WordPiece tokenizer.json", FuzzCases(Array(json.utf8), seed: 0x3092, budget: .text()),
                                     expected: { $0 is TokenizerError }) { fuzzCase in
            let tokenizer = try WordPieceTokenizer(tokenizerJSON: try scratch.write(fuzzCase.bytes, to: "tokenizer.json"))
            try Self.exercise(tokenizer, roundTrip: false)
        })
    }
}

/// Damaged text corpora, plain and gzip-compressed: `FileError` or a UTF-8 text that
/// tokenizes and splits; never a crash.
@Suite("text corpus fuzzing")
struct TextCorpusFuzzTests {
    static let text = Array(String(repeating: "ROMEO:\nBut soft, what light through yonder window breaks?\n", count: 8).utf8)

    static func read(_ bytes: [UInt8], scratch: FuzzDirectory, name: String) throws {
        let text = try TextCorpus.read(path: try scratch.write(bytes, to: name))
        try FuzzRun.check(!text.isEmpty, "empty text")
        let corpus = try TextCorpus(text: text, tokenizer: CharacterTokenizer(corpus: text))
        try FuzzRun.check(corpus.train.count + corpus.validation.count == text.unicodeScalars.count, "token count")
    }

    @Test("plain text")
    func plain() throws {
        let scratch = try FuzzDirectory("corpus")
        let summary = FuzzRun.run("text corpus", FuzzCases(Self.text, seed: 0x7E47, budget: .text(truncations: 200, textEdits: 0)),
                                  expected: { $0 is FileError }) { fuzzCase in
            try Self.read(fuzzCase.bytes, scratch: scratch, name: "corpus.txt")
        }
        #expect(summary.passed, "\(summary.report)")
        #expect(summary.errors > 0 && summary.successes > 0)
    }

    @Test("gzip-compressed text")
    func gzipped() throws {
        let scratch = try FuzzDirectory("corpus-gz")
        let original = try Gzip.compress(Self.text)
        let summary = FuzzRun.run("text corpus gzip", FuzzCases(original, seed: 0x7E48, budget: FuzzCases.Budget(rangeEdits: 200)),
                                  expected: { $0 is FileError }) { fuzzCase in
            try Self.read(fuzzCase.bytes, scratch: scratch, name: "corpus.txt.gz")
        }
        #expect(summary.passed, "\(summary.report)")
        #expect(summary.errors > 0)
    }
}
