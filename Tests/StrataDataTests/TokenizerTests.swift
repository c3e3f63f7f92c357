import StrataIO
import Foundation
import StrataCore
import StrataData
import Testing

// Tokenizers through the public API: GPT-2 byte-level BPE against ids from the real
// vocabulary in Data/gpt2-tokenizer, round trips, the character tokenizer, and the
// errors for malformed files.

/// The GPT-2 tokenizer shipped in the repository, loaded once.
private let gpt2: GPT2Tokenizer? = {
    guard let root = packageRoot() else { return nil }
    return try? GPT2Tokenizer(directory: root.appendingPathComponent("Data/gpt2-tokenizer").path)
}()

private func requireGPT2() throws -> GPT2Tokenizer {
    try #require(gpt2, "Data/gpt2-tokenizer/{vocab.json,merges.txt} should load")
}

@Suite("Tokenizer: GPT-2 byte-level BPE")
struct TokenizerGPT2Tests {
    @Test("the vocabulary and merges load with GPT-2's sizes")
    func sizes() throws {
        let tok = try requireGPT2()
        #expect(tok.vocabularySize == 50257)
        #expect(tok.mergeCount == 50000)
        #expect(tok.endOfTextID == 50256)
    }

    @Test("known sentences encode to GPT-2's ids", arguments: [
        ("Hello, my dog is cute", [15496, 11, 616, 3290, 318, 13779]),
        ("Hello world", [15496, 995]),
        (" the", [262]),
        ("!", [0]),
        ("\n", [198]),
        ("<|endoftext|>", [27, 91, 437, 1659, 5239, 91, 29]),
    ])
    func knownIDs(text: String, ids: [Int]) throws {
        let tok = try requireGPT2()
        #expect(try tok.encode(text) == ids)
        #expect(try tok.decode(ids) == text)
    }

    @Test("<|endoftext|> is one token only when special tokens are allowed")
    func specialToken() throws {
        let tok = try requireGPT2()
        #expect(try tok.encode("Hello world<|endoftext|>", allowSpecial: true) == [15496, 995, 50256])
        #expect(try tok.encode("<|endoftext|>Hello world", allowSpecial: true) == [50256, 15496, 995])
        #expect(try tok.encode("Hello world<|endoftext|>").count > 3)
        #expect(try tok.decode([15496, 995, 50256]) == "Hello world<|endoftext|>")
    }

    @Test("decode(encode(s)) == s", arguments: [
        "Hello, world!", "The quick brown fox jumps over the lazy dog.",
        "café naïve résumé Ångström", "日本語のテキスト、中文文本", "emoji 🎉🚀 and 👩‍👩‍👧‍👦 family",
        "many    spaces   between", "line one\nline two\n\nline four\n", "tabs\tand\t\tmore\ttabs",
        "  leading spaces", "trailing spaces   ", "12345 and 3.14159 and 1,000,000", "I'm don't you'll we've they're she'd it's",
        "'s 're ''quoted'' \"double\"", "\r\n windows line ends\r\n", "mixed\u{00A0}nbsp\u{2003}em space", "", " ", "\n\n\n",
        "e\u{301} combining", "ÀÉÎÕÜ ß ÿ", "Ω≈ç√∫ µ≤≥÷",
    ])
    func roundTrip(text: String) throws {
        let tok = try requireGPT2()
        let ids = try tok.encode(text)
        #expect(try tok.decode(ids) == text)
        #expect(ids.allSatisfy { (0..<tok.vocabularySize).contains($0) })
    }

    @Test("whitespace runs leave their last space to lead the next word")
    func whitespaceSplitting() throws {
        let tok = try requireGPT2()
        // "a   b" splits as "a", "  ", " b" (the \s+(?!\S) rule); GPT-2 has no "  " token.
        let ids = try tok.encode("a   b")
        #expect(try ids.map { try tok.decode([$0]) } == ["a", " ", " ", " b"])
        // A lone newline before a word stays a token of its own.
        #expect(try tok.encode("\nHello").map { try tok.decode([$0]) } == ["\n", "Hello"])
    }

    @Test("contractions split off")
    func contractions() throws {
        let tok = try requireGPT2()
        let pieces = try tok.encode("I'm don't you'll").map { try tok.decode([$0]) }
        #expect(pieces == ["I", "'m", " don", "'t", " you", "'ll"])
    }

    @Test("decoding a split multi-byte character replaces it with U+FFFD")
    func invalidUTF8() throws {
        let tok = try requireGPT2()
        #expect(try tok.decodeBytes(tok.encode("é")) == [0xC3, 0xA9])
        // 127 is the byte-level token "Ã", byte 0xC3 alone: the lead byte of a two-byte character.
        #expect(try tok.decodeBytes([127]) == [0xC3])
        #expect(try tok.decode([127]) == "\u{FFFD}")
        #expect(try tok.decode([15496, 127]) == "Hello\u{FFFD}")
    }

    @Test("TokenStream holds back a character split over tokens until it is complete")
    func tokenStream() throws {
        let tok = try requireGPT2()
        for text in ["Hello, wörld 😀 日本", "é", "a 😀"] {
            var stream = TokenStream(tokenizer: tok)
            var pieces: [String] = []
            for id in try tok.encode(text) { pieces.append(stream.append(id)) }
            pieces.append(stream.flush())
            #expect(pieces.joined() == text)
            #expect(!pieces.contains { $0.contains("\u{FFFD}") })
        }
        // A lone lead byte waits, then comes out as U+FFFD when flushed.
        var stream = TokenStream(tokenizer: tok)
        #expect(stream.append(127) == "")
        #expect(stream.flush() == "\u{FFFD}")
        #expect(stream.flush() == "")
    }

    @Test("an unknown id is an error")
    func unknownID() throws {
        let tok = try requireGPT2()
        #expect(throws: TokenizerError.unknownTokenID(50257, vocabularySize: 50257)) { try tok.decode([15496, 50257]) }
        #expect(throws: TokenizerError.self) { try tok.decode([-1]) }
    }

    @Test("Shakespeare round-trips", .enabled(if: shakespeare() != nil))
    func shakespeareRoundTrip() throws {
        let tok = try requireGPT2()
        let text = try #require(shakespeare())
        let prefix = String(text.prefix(200_000))
        let ids = try tok.encode(prefix)
        #expect(ids.count < prefix.utf8.count / 2)
        #expect(try tok.decode(ids) == prefix)
    }
}

private func shakespeare() -> String? {
    guard let root = packageRoot() else { return nil }
    return try? TextCorpus.read(path: root.path + "/Data/shakespeare/shakespeare.txt.gz")
}

@Suite("Tokenizer: malformed GPT-2 files")
struct TokenizerFileErrorTests {
    private func load(vocab: String, merges: String) throws -> (TemporaryDirectory, Result<GPT2Tokenizer, Error>) {
        let dir = try TemporaryDirectory()
        let v = try dir.write(Array(vocab.utf8), to: "vocab.json")
        let m = try dir.write(Array(merges.utf8), to: "merges.txt")
        return (dir, Result { try GPT2Tokenizer(vocabularyPath: v, mergesPath: m) })
    }

    /// The error of a failed load, as text.
    private func message(vocab: String, merges: String) throws -> String {
        let (dir, result) = try load(vocab: vocab, merges: merges)
        _ = dir
        switch result {
        case .success: Issue.record("expected the load to fail"); return ""
        case let .failure(error): return "\(error)"
        }
    }

    private let goodVocab = "{\"a\": 0, \"b\": 1, \"ab\": 2, \"Ġ\": 3}"

    @Test("a tiny well-formed pair of files works")
    func tiny() throws {
        let (dir, result) = try load(vocab: goodVocab, merges: "#version: 0.2\na b\n")
        _ = dir
        let tok = try result.get()
        #expect(tok.vocabularySize == 4)
        #expect(try tok.encode("ab") == [2])
        #expect(try tok.encode("ba") == [1, 0])
        #expect(throws: TokenizerError.tokenNotInVocabulary("c")) { try tok.encode("c") }
    }

    @Test("a missing file is named")
    func missing() throws {
        let dir = try TemporaryDirectory()
        #expect(throws: TokenizerError.self) { try GPT2Tokenizer(directory: dir.path) }
        do { _ = try GPT2Tokenizer(directory: dir.path) } catch { #expect("\(error)".contains("vocab.json")) }
    }

    @Test("malformed vocab.json names the file and line")
    func badVocab() throws {
        let text = try message(vocab: "{\n\"a\": 0,\n\"b\": x\n}", merges: "a b\n")
        #expect(text.contains("vocab.json:3:"), "\(text)")
        let dup = try message(vocab: "{\"a\": 0,\n\"a\": 1}", merges: "a b\n")
        #expect(dup.contains("vocab.json:2:") && dup.contains("twice"), "\(dup)")
        let notObject = try message(vocab: "[1, 2]", merges: "a b\n")
        #expect(notObject.contains("vocab.json:1:"), "\(notObject)")
        let truncated = try message(vocab: "{\"a\": 0,\n\"b\"", merges: "a b\n")
        #expect(truncated.contains("vocab.json:2:"), "\(truncated)")
    }

    @Test("malformed merges.txt names the file and line")
    func badMerges() throws {
        let text = try message(vocab: goodVocab, merges: "#version: 0.2\na b\nab\n")
        #expect(text.contains("merges.txt:3:"), "\(text)")
        let three = try message(vocab: goodVocab, merges: "a b\na b c\n")
        #expect(three.contains("merges.txt:2:"), "\(three)")
        let empty = try message(vocab: goodVocab, merges: "#version: 0.2\n")
        #expect(empty.contains("merges.txt"), "\(empty)")
    }
}

@Suite("Tokenizer: characters")
struct TokenizerCharacterTests {
    @Test("the vocabulary is the sorted unique Unicode scalars of the corpus")
    func build() throws {
        let tok = CharacterTokenizer(corpus: "hello world")
        #expect(tok.vocabularySize == 8)
        #expect(String(String.UnicodeScalarView(tok.vocabulary)) == " dehlorw")
        #expect(try tok.encode("hello") == [3, 2, 4, 4, 5])
        #expect(try tok.decode([7, 5, 6, 4, 1]) == "world")
    }

    @Test("Unicode scalars, not grapheme clusters, are the tokens")
    func scalars() throws {
        let tok = CharacterTokenizer(corpus: "e\u{301}👍🏽")
        #expect(tok.vocabularySize == 4)
        let text = "\u{301}e👍🏽e\u{301}"
        #expect(try tok.decode(tok.encode(text)) == text)
    }

    @Test("an unknown character names itself and its position")
    func unknown() throws {
        let tok = CharacterTokenizer(corpus: "abc")
        #expect(throws: TokenizerError.unknownCharacter("z", position: 2)) { try tok.encode("abz") }
        do { _ = try tok.encode("ab\u{E9}") } catch {
            #expect("\(error)".contains("'é'") && "\(error)".contains("U+00E9") && "\(error)".contains("position 2"), "\(error)")
        }
        #expect(throws: TokenizerError.unknownTokenID(3, vocabularySize: 3)) { try tok.decode([3]) }
    }

    @Test("save and load round-trip")
    func saveLoad() throws {
        let dir = try TemporaryDirectory()
        let tok = CharacterTokenizer(corpus: "To be, or not to be: that is the question.\n\tcafé 日本 🎉")
        let path = dir.path + "/chars.json"
        try tok.save(to: path)
        let loaded = try CharacterTokenizer.load(path: path)
        #expect(loaded == tok)
        let text = "be not the question 🎉"
        #expect(try loaded.encode(text) == tok.encode(text))
    }

    @Test("a malformed or missing file names the file")
    func badFiles() throws {
        let dir = try TemporaryDirectory()
        let bad = try dir.write(Array("{\"type\": \"character\"".utf8), to: "bad.json")
        #expect(throws: TokenizerError.self) { try CharacterTokenizer.load(path: bad) }
        do { _ = try CharacterTokenizer.load(path: bad) } catch { #expect("\(error)".contains("bad.json")) }
        let wrongType = try dir.write(Array("{\"type\": \"bpe\", \"version\": 1, \"scalars\": [97]}".utf8), to: "w.json")
        #expect(throws: TokenizerError.self) { try CharacterTokenizer.load(path: wrongType) }
        #expect(throws: TokenizerError.self) { try CharacterTokenizer.load(path: dir.path + "/absent.json") }
    }

    @Test("both tokenizers work through the protocol")
    func protocolUse() throws {
        var tokenizers: [any Tokenizer] = [CharacterTokenizer(corpus: "Hello world")]
        if let gpt2 { tokenizers.append(gpt2) }
        for tok in tokenizers {
            #expect(try tok.decode(tok.encode("Hello world")) == "Hello world")
        }
    }
}

@Suite struct TextCorpusTests {
    @Test func splitsAndWindows() throws {
        let text = String(repeating: "abcdefghij", count: 10)
        let tokenizer = CharacterTokenizer(corpus: text)
        let corpus = try TextCorpus(text: text, tokenizer: tokenizer, validationFraction: 0.2)
        #expect(corpus.train.count == 80 && corpus.validation.count == 20)
        var rng = RandomGenerator(seed: 3)
        let (x, y) = corpus.batch(.train, size: 4, context: 8, generator: &rng)
        #expect(x.shape == Shape([4, 8]) && y.shape == Shape([4, 8]))
        let xs = x.toArray(as: Int64.self), ys = y.toArray(as: Int64.self)
        for b in 0..<4 {
            for t in 0..<8 { #expect(ys[b * 8 + t] == (xs[b * 8 + t] + 1) % 10) }   // "b" follows "a", ...
        }
    }

    @Test func readsGzipAndRejectsBadFiles() throws {
        let dir = try TemporaryDirectory()
        let plain = try dir.write(Array("To be, or not to be\n".utf8), to: "plain.txt")
        let packed = try dir.write(try Gzip.compress(Array("To be, or not to be\n".utf8)), to: "packed.txt.gz")
        let empty = try dir.write([], to: "empty.txt")
        let latin1 = try dir.write([0x63, 0x61, 0x66, 0xE9, 0x0A], to: "latin1.txt")
        #expect(try TextCorpus.read(path: plain) == "To be, or not to be\n")
        #expect(try TextCorpus.read(path: packed) == "To be, or not to be\n")
        #expect(throws: FileError(path: empty, reason: "the file is empty; a corpus needs text")) { try TextCorpus.read(path: empty) }
        #expect(throws: FileError(path: latin1, reason: "not UTF-8 text: invalid byte 0xe9 at offset 3")) { try TextCorpus.read(path: latin1) }
        #expect(throws: FileError.self) { try TextCorpus.read(path: dir.path + "/missing.txt") }
    }

    @Test func theShippedShakespeareReads() throws {
        let text = try TextCorpus.read(path: packageRoot()!.path + "/Data/shakespeare/shakespeare.txt.gz")
        #expect(text.utf8.count == 5_057_198)
        #expect(CharacterTokenizer(corpus: text).vocabularySize == 84)
    }
}
