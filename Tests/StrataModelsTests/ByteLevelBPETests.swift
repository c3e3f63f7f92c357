import Foundation
import Testing
import StrataData
import StrataModels

// Byte-level BPE pieces and errors. The pre-tokenizers, written by hand, are compared with the
// pieces Hugging Face `tokenizers` makes (Scripts/pretokenizer_reference.py).

private struct PreTokenizerReference: Decodable {
    struct Case: Decodable { var text: String; var gpt2: [String]; var smollm: [String]; var llama3: [String] }
    var cases: [Case]
}

@Suite("Byte-level BPE")
struct ByteLevelBPETests {
    @Test("pre-tokenizers split like Hugging Face tokenizers")
    func preTokenizers() throws {
        let reference = try LlamaFixtures.decode(PreTokenizerReference.self, from: "pretokenizer_reference.json")
        #expect(reference.cases.count > 10)
        for c in reference.cases {
            #expect(ByteLevelPreTokenizer.gpt2.pieces(c.text) == c.gpt2, "gpt2: \(c.text.debugDescription)")
            #expect(ByteLevelPreTokenizer.smollm.pieces(c.text) == c.smollm, "smollm: \(c.text.debugDescription)")
            #expect(ByteLevelPreTokenizer.llama3.pieces(c.text) == c.llama3, "llama3: \(c.text.debugDescription)")
        }
    }

    @Test("llama.cpp's pre-tokenizer names")
    func names() {
        #expect(ByteLevelPreTokenizer(ggmlName: "smollm") == .smollm)
        #expect(ByteLevelPreTokenizer(ggmlName: "llama-bpe") == .llama3)
        #expect(ByteLevelPreTokenizer(ggmlName: "gpt2") == .gpt2)
        #expect(ByteLevelPreTokenizer(ggmlName: "qwen2") == nil)
    }

    private let tokens = ["a", "b", "ab", "Ġ", "Ġab", "<|x|>"]

    @Test("a small vocabulary encodes, decodes and recognises special tokens only when asked")
    func small() throws {
        let tok = try ByteLevelBPETokenizer(tokens: tokens, merges: ["a b", "Ġ ab"], preTokenizer: .gpt2, specialTokens: [5])
        #expect(try tok.encode("ab ab") == [2, 4])
        #expect(try tok.encode("ab<|x|>", allowSpecial: true) == [2, 5])
        #expect(throws: TokenizerError.self) { try tok.encode("ab<|x|>") }     // "<" is not a token
        #expect(try tok.decode([2, 4, 5]) == "ab ab<|x|>")
        #expect(tok.id(of: "Ġab") == 4)
    }

    /// `id(of:)` finds every token of a 3,000-token vocabulary (its table probes past
    /// collisions), and nothing else.
    @Test func idOfSpelling() throws {
        let spellings = (0..<3000).map { "t\($0)" } + ["Ā", "ĠĠ"]
        let tok = try ByteLevelBPETokenizer(tokens: spellings, merges: [], preTokenizer: .gpt2)
        for (id, spelling) in spellings.enumerated() { #expect(tok.id(of: spelling) == id) }
        #expect(tok.id(of: "t3000") == nil && tok.id(of: "") == nil && tok.id(of: "t") == nil && tok.id(of: "Ġ") == nil)
    }

    /// An added token spelled with a character outside the byte-level alphabet ("｜") has that
    /// character's UTF-8 as its bytes, the same bytes as the byte-level token "ï½ľ": `id(of:)`
    /// tells the two apart by spelling, and both decode to "｜".
    @Test func idOfForeignSpelling() throws {
        let byteLevel = ByteLevelAlphabet.encode(Array("｜".utf8))
        let tok = try ByteLevelBPETokenizer(tokens: ["a", "｜", byteLevel], merges: [], preTokenizer: .gpt2)
        #expect(tok.id(of: "｜") == 1 && tok.id(of: byteLevel) == 2 && tok.id(of: "a") == 0)
        #expect(try tok.decode([1]) == "｜" && tok.decode([2]) == "｜")
    }

    /// When two merge rules join the same pair, the first (lower rank) is the one applied.
    @Test func repeatedMergeKeepsTheFirstRank() throws {
        let tok = try ByteLevelBPETokenizer(tokens: ["a", "b", "c", "ab", "bc"], merges: ["b c", "a b", "b c"], preTokenizer: .gpt2)
        #expect(try tok.encode("abc") == [0, 4])   // "b c" (rank 0) before "a b" (rank 1)
        #expect(try tok.encode("ab") == [3])
    }

    @Test("duplicate tokens, malformed merges and merges over unknown tokens are errors")
    func errors() {
        func message(_ tokens: [String], _ merges: [String], special: [Int] = []) -> String {
            do {
                _ = try ByteLevelBPETokenizer(tokens: tokens, merges: merges, preTokenizer: .gpt2, specialTokens: special,
                                              source: "m.gguf", mergesKey: "tokenizer.ggml.merges")
                return ""
            } catch { return "\(error)" }
        }
        let dup = message(["a", "b", "a"], [])
        #expect(dup.contains("m.gguf") && dup.contains("twice"), "\(dup)")
        let unknown = message(tokens, ["a c"])
        #expect(unknown.contains("tokenizer.ggml.merges[0]") && unknown.contains("\"c\""), "\(unknown)")
        let result = message(["a", "b"], ["a b"])
        #expect(result.contains("makes") && result.contains("\"ab\""), "\(result)")
        let format = message(tokens, ["a b", "ab"])
        #expect(format.contains("tokenizer.ggml.merges[1]") && format.contains("two tokens"), "\(format)")
        let special = message(tokens, [], special: [9])
        #expect(special.contains("9"), "\(special)")
    }
}
