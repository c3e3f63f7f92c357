import Foundation
import Testing
import StrataCore
import StrataIO
import StrataModels

// The tiny model converted to GGUF as llama.cpp's converter does (query/key rows permuted so that
// the rotary embedding turns adjacent pairs): loaded from GGUF it must give the Hugging Face
// folder's logits. Small malformed GGUFs check the loader's errors.

private struct TinyLogits: Decodable {
    struct Matrix: Decodable { var shape: [Int]; var values: [Double] }
    var ids: [Int]
    var logits: Matrix
}

@Suite("Llama: tiny GGUF model")
struct TinyLlamaGGUFTests {
    @Test("the GGUF conversion, with adjacent rotary pairs, gives the Hugging Face logits within 1e-4")
    func logits() throws {
        let model = try Llama(gguf: GGUFFile(path: LlamaFixtures.path("tiny-llama.gguf")))
        #expect(model.config.ropePairing == .adjacent && !model.config.tiedOutput)
        #expect(model.config == Llama.Config(vocabularySize: 64, context: 128, layers: 2, width: 32, hiddenWidth: 64, heads: 4,
                                             kvHeads: 2, ropeBase: 10_000, ropePairing: .adjacent,
                                             rmsEpsilon: Double(Float(1e-6)), tiedOutput: false))
        let reference = try LlamaFixtures.decode(TinyLogits.self, from: "tiny_llama_reference.json")
        let error = llamaMaxRelativeError(model.logits(reference.ids).floats, reference.logits.values)
        #expect(error < 1e-4, "max relative error \(error)")
    }

    @Test("malformed GGUF models name the file and the key or tensor", arguments: [
        ("tiny-llama-bad-heads.gguf", ["config key 'llama.attention.head_count'", "divide"]),
        ("tiny-llama-bad-missing.gguf", ["blk.0.attn_k.weight", "missing"]),
        ("tiny-llama-bad-shape.gguf", ["blk.0.attn_k.weight", "[32, 32]", "expected [32, 16]"]),
    ])
    func errors(file: String, mentions: [String]) throws {
        let path = LlamaFixtures.path(file)
        do {
            _ = try Llama(gguf: GGUFFile(path: path))
            Issue.record("\(file) loaded")
        } catch {
            let text = "\(error)"
            #expect(text.contains(path), "\(text)")
            for m in mentions { #expect(text.contains(m), "\(text) lacks \(m)") }
        }
    }

    @Test("a GGUF without tokenizer metadata has no tokenizer, and a SentencePiece one is refused")
    func tokenizerErrors() throws {
        let file = try GGUFFile(path: LlamaFixtures.path("tiny-llama.gguf"))
        #expect(throws: (any Error).self) { try GGUFTokenizer(gguf: file) }
        do {
            _ = try GGUFTokenizer(model: "llama", pre: nil, tokens: ["a"], tokenTypes: nil, merges: [], bosID: nil, eosID: nil,
                                  addsBOS: false, source: "m.gguf")
            Issue.record("a SentencePiece vocabulary was accepted")
        } catch {
            #expect("\(error)".contains("tokenizer.ggml.model"), "\(error)")
        }
        do {
            _ = try GGUFTokenizer(model: "gpt2", pre: "qwen2", tokens: ["a"], tokenTypes: nil, merges: [], bosID: nil, eosID: nil,
                                  addsBOS: false, source: "m.gguf")
            Issue.record("an unknown pre-tokenizer was accepted")
        } catch {
            #expect("\(error)".contains("tokenizer.ggml.pre"), "\(error)")
        }
    }
}
