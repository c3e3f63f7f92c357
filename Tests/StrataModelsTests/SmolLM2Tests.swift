import Foundation
import Testing
import StrataCore
import StrataData
import StrataIO
import StrataModels

// SmolLM2-135M-Instruct (Q4_1 GGUF) against Scripts/llama_reference.py: an independent numpy
// forward pass over gguf-py's dequantised weights and Hugging Face tokenizers built from the
// same vocabulary. Skipped when the model has not been fetched (Scripts/fetch_models.sh).

private struct SmolLM2Reference: Decodable {
    struct TokenizerCase: Decodable { var text: String; var ids_special: [Int]; var ids_plain: [Int] }
    struct Step: Decodable { var id: Int; var gap: Double }
    struct Generation: Decodable {
        var name: String
        var prompt: String
        var chat: Bool
        var prompt_ids: [Int]
        var last_logits_top_ids: [Int]
        var last_logits_top_values: [Double]
        var greedy: [Step]
        var greedy_text: String
    }
    struct Score: Decodable { var context: Int; var tokens: Int; var mean_nll: Double; var perplexity: Double }
    struct Perplexity: Decodable { var file: String; var token_count: Int; var ids: [Int]; var whole: Score; var windowed: Score }
    var tokenizer: [TokenizerCase]
    var generations: [Generation]
    var perplexity: Perplexity
}

/// The model, its tokenizer and the reference, loaded once for every test.
private let smolLM: (file: GGUFFile, model: Llama, tokenizer: GGUFTokenizer, reference: SmolLM2Reference)? = {
    guard let path = LlamaFixtures.smolLMPath else { return nil }
    do {
        let file = try GGUFFile(path: path)
        return (file, try Llama(gguf: file), try GGUFTokenizer(gguf: file),
                try LlamaFixtures.decode(SmolLM2Reference.self, from: "smollm2_reference.json"))
    } catch {
        Issue.record("SmolLM2 did not load: \(error)")
        return nil
    }
}()

@Suite("SmolLM2-135M-Instruct (GGUF)", .enabled(if: LlamaFixtures.smolLMPath != nil, "run Scripts/fetch_models.sh"))
struct SmolLM2Tests {
    private func loaded() throws -> (file: GGUFFile, model: Llama, tokenizer: GGUFTokenizer, reference: SmolLM2Reference) {
        try #require(smolLM)
    }

    @Test("the config comes from the llama.* metadata; the head is the Q8_0 embedding")
    func config() throws {
        let s = try loaded()
        let c = s.model.config
        #expect(c == Llama.Config(vocabularySize: 49_152, context: 8192, layers: 30, width: 576, hiddenWidth: 1536, heads: 9,
                                  kvHeads: 3, ropeBase: 100_000, ropePairing: .adjacent, rmsEpsilon: Double(Float(1e-5)),
                                  tiedOutput: true))
        #expect(s.model.head === s.model.embedding)
        #expect((s.model.embedding as? QuantizedMatrix)?.type == .q8_0)
        #expect((s.model.blocks[0].query as? QuantizedMatrix)?.type == .q4_1)
    }

    @Test("token ids equal Hugging Face tokenizers' on every hard text, with and without special tokens")
    func tokenizer() throws {
        let s = try loaded()
        #expect(!s.tokenizer.addsBOS && s.tokenizer.eosID == 2 && s.tokenizer.bosID == 1)
        #expect(s.tokenizer.endOfGeneration == [0, 2])
        for c in s.reference.tokenizer {
            #expect(try s.tokenizer.encode(c.text, allowSpecial: true) == c.ids_special, "\(c.text.debugDescription)")
            #expect(try s.tokenizer.encode(c.text) == c.ids_plain, "\(c.text.debugDescription)")
            #expect(try s.tokenizer.decode(c.ids_plain) == c.text)
        }
    }

    @Test("the chat template renders the reference's chat prompt")
    func chatTemplate() throws {
        let s = try loaded()
        let chat = try ChatTemplate(gguf: s.file)
        let reference = try #require(s.reference.generations.first { $0.chat })
        #expect(chat.render([ChatMessage(role: "user", content: "What is the capital of France?")]) == reference.prompt)
    }

    @Test("logits at the last prompt position: the reference's top 10, values within 0.02")
    func lastLogits() throws {
        let s = try loaded()
        for g in s.reference.generations {
            let ids = try s.tokenizer.encode(g.prompt, allowSpecial: g.chat)
            #expect(ids == g.prompt_ids, "\(g.name): prompt ids")
            let logits = s.model.logits(ids).floats.suffix(s.model.config.vocabularySize)
            let base = logits.startIndex
            let ours = g.last_logits_top_ids.map { Double(logits[base + $0]) }
            let error = zip(ours, g.last_logits_top_values).map { abs($0 - $1) }.max() ?? 0
            #expect(error < 0.02, "\(g.name): top-10 logits differ by up to \(error)")
            let best = logits.indices.max { logits[$0] < logits[$1] }! - base
            #expect(best == g.last_logits_top_ids[0], "\(g.name): argmax \(best)")
        }
    }

    @Test("greedy continuations equal the reference's (up to its first near-tie)")
    func greedy() throws {
        let s = try loaded()
        var compared = 0
        for g in s.reference.generations {
            var sampler = TokenSampler(temperature: 0)
            let generated = generate(s.model.decoder(), prompt: g.prompt_ids, maxTokens: g.greedy.count, sampler: &sampler) { id in
                !s.tokenizer.endOfGeneration.contains(id)
            }
            let decisive = g.greedy.firstIndex { $0.gap < 0.1 } ?? g.greedy.count
            let text = try s.tokenizer.decode(generated)
            #expect(Array(generated.prefix(decisive)) == g.greedy.prefix(decisive).map(\.id),
                    "\(g.name): \(text.debugDescription) vs \(g.greedy_text.debugDescription)")
            compared += decisive
        }
        #expect(compared >= 40, "only \(compared) steps lie before the reference's near-ties")
    }

    @Test("fed the reference's tokens, every step picks the reference's token where its top-2 gap is ≥ 0.1")
    func teacherForced() throws {
        let s = try loaded()
        for g in s.reference.generations {
            let decoder = s.model.decoder()
            var logits = decoder.nextLogits(after: g.prompt_ids)
            for (i, step) in g.greedy.enumerated() {
                let order = logits.indices.sorted { logits[$0] > logits[$1] }
                if step.gap >= 0.1 {
                    #expect(order[0] == step.id, "\(g.name) step \(i): \(order[0]) instead of \(step.id) (gap \(step.gap))")
                } else {
                    #expect(order.prefix(2).contains(step.id), "\(g.name) step \(i): \(step.id) not in our top 2")
                }
                logits = decoder.nextLogits(after: [step.id])
            }
        }
    }

    @Test("\"The capital of France is\" continues \" Paris.\"")
    func paris() throws {
        let s = try loaded()
        var sampler = TokenSampler(temperature: 0)
        let ids = try s.tokenizer.encode("The capital of France is")
        let generated = generate(s.model.decoder(), prompt: ids, maxTokens: 3, sampler: &sampler)
        #expect(try s.tokenizer.decode(generated).hasPrefix(" Paris."))
    }

    @Test("perplexity within 0.1% of the reference, in one window and in llama.cpp's windows")
    func perplexity() throws {
        let s = try loaded()
        let p = s.reference.perplexity
        let text = try String(contentsOfFile: LlamaFixtures.path(p.file), encoding: .utf8)
        let ids = try s.tokenizer.encode(text)
        #expect(ids == p.ids)
        let whole = s.model.perplexity(of: ids)
        #expect(whole.tokens == p.whole.tokens && whole.windows == 1)
        #expect(abs(whole.perplexity / p.whole.perplexity - 1) < 0.001, "\(whole.perplexity) vs \(p.whole.perplexity)")
        let windowed = s.model.perplexity(of: ids, context: p.windowed.context)
        #expect(windowed.tokens == p.windowed.tokens)
        #expect(abs(windowed.perplexity / p.windowed.perplexity - 1) < 0.001, "\(windowed.perplexity) vs \(p.windowed.perplexity)")
    }
}
