import Foundation
import Testing
import StrataCore
import StrataIO

/// The real SmolLM2-135M-Instruct Q4_1 file (fetched by Scripts/fetch_models.sh). The expected
/// values were read with gguf-py's GGUFReader.
@Suite("GGUF SmolLM2-135M")
struct GGUFModelTests {
    /// Opens the model, or prints the skip note and returns nil when it is absent.
    func model() throws -> GGUFFile? {
        guard GGUFFixtures.hasSmolLM2 else {
            print("skipped: run Scripts/fetch_models.sh (no \(GGUFFixtures.smolLM2))")
            return nil
        }
        return try GGUFFile(path: GGUFFixtures.smolLM2)
    }

    @Test("opens in well under a second")
    func openTime() throws {
        guard try model() != nil else { return }  // warm the page cache
        let clock = ContinuousClock()
        var best = Duration.seconds(100)
        for _ in 0..<3 {
            let elapsed = try clock.measure { _ = try GGUFFile(path: GGUFFixtures.smolLM2) }
            best = min(best, elapsed)
        }
        print("GGUF SmolLM2-135M: opened and validated in \(best)")
        #expect(best < .milliseconds(500))
    }

    @Test("header, metadata and tokenizer arrays")
    func metadata() throws {
        guard let file = try model() else { return }
        #expect(file.version == 3 && file.alignment == 32)
        #expect(file.tensors.count == 272)
        #expect(file.metadataKeys.count == 33 && file.metadataKeys.first == "general.architecture")
        #expect(file.dataOffset == 1_785_664)
        #expect(try file.requiredString("general.architecture") == "llama")
        #expect(try file.requiredInt("llama.block_count") == 30)
        #expect(try file.requiredInt("llama.context_length") == 8192)
        #expect(try file.requiredInt("llama.embedding_length") == 576)
        #expect(try file.requiredInt("llama.feed_forward_length") == 1536)
        #expect(try file.requiredInt("llama.attention.head_count") == 9)
        #expect(try file.requiredInt("llama.attention.head_count_kv") == 3)
        #expect(try file.requiredInt("llama.rope.dimension_count") == 64)
        #expect(try file.requiredDouble("llama.rope.freq_base") == 100_000)
        #expect(try file.requiredDouble("llama.attention.layer_norm_rms_epsilon") == Double(Float(1e-5)))
        #expect(try file.requiredString("tokenizer.ggml.model") == "gpt2")
        #expect(try file.requiredString("tokenizer.ggml.pre") == "smollm")
        #expect(try file.optionalBool("tokenizer.ggml.add_bos_token") == false)
        #expect(try file.requiredInt("tokenizer.ggml.bos_token_id") == 1)
        #expect(try file.requiredInt("tokenizer.ggml.eos_token_id") == 2)
        #expect(try file.stringArray("general.languages") == ["en"])

        let tokens = try file.stringArray("tokenizer.ggml.tokens")
        #expect(tokens.count == 49152)
        #expect(tokens[0] == "<|endoftext|>" && tokens[1] == "<|im_start|>" && tokens[49151] == "ectable")
        let merges = try file.stringArray("tokenizer.ggml.merges")
        #expect(merges.count == 48900)
        #expect(merges[0] == "Ġ t" && merges[1] == "Ġ a" && merges[48899] == "ect able")
        let types = try file.intArray("tokenizer.ggml.token_type")
        #expect(types.count == 49152 && types.prefix(5) == [3, 3, 3, 3, 3] && types.reduce(0, +) == 49186)
        guard case .array(.int32(let raw))? = file.metadata["tokenizer.ggml.token_type"] else {
            Issue.record("token_type is not an int32 array")
            return
        }
        #expect(raw.count == 49152)
        let template = try file.requiredString("tokenizer.chat_template")
        #expect(template.utf8.count == 368 && template.hasPrefix("{% for message in messages %}"))
    }

    @Test("tensor table and bytes in place")
    func tensors() throws {
        guard let file = try model() else { return }
        let counts = Dictionary(grouping: file.tensors, by: \.type).mapValues(\.count)
        #expect(counts == [.q4_1: 210, .f32: 61, .q8_0: 1])
        let embedding = try #require(file.tensor(named: "token_embd.weight"))
        #expect(embedding.type == .q8_0 && embedding.dimensions == [576, 49152])
        #expect(embedding.rows == 49152 && embedding.columns == 576)
        #expect(embedding.offset == 0 && embedding.byteCount == 30_081_024)
        #expect(Array(file.bytes(of: embedding).prefix(8)).hex == "3219d60d13f7e5ee")
        let query = try #require(file.tensor(named: "blk.0.attn_q.weight"))
        #expect(query.type == .q4_1 && query.dimensions == [576, 576] && query.offset == 32_020_992)
        #expect(Array(file.bytes(of: query).prefix(8)).hex == "0f30d8b945876540")
        let down = try #require(file.tensor(named: "blk.29.ffn_down.weight"))
        #expect(down.dimensions == [1536, 576] && down.byteCount == 552_960 && down.offset == 78_845_184)
        #expect(Array(file.bytes(of: down).prefix(8)).hex == "e229d8b5f29c4cd9")
        let norm = try #require(file.tensor(named: "output_norm.weight"))
        #expect(norm.type == .f32 && norm.dimensions == [576] && norm.offset == 96_574_464)
        #expect(file.withBytes(of: norm) { Array($0.prefix(8)).hex } == "0000e13f0000e93f")
        // The last tensor ends at the end of the file.
        #expect(file.tensors.map { file.dataOffset + $0.offset + $0.byteCount }.max() == file.fileSize)
    }

    #if os(Linux)
    @Test("tensor bytes point into the file mapping, not a copy")
    func mapped() throws {
        guard let file = try model() else { return }
        let info = try #require(file.tensor(named: "token_embd.weight"))
        let address = UInt(bitPattern: file.bytes(of: info).baseAddress!)
        let maps = try String(contentsOfFile: "/proc/self/maps", encoding: .utf8)
        let mapping = maps.split(separator: "\n").first { line in
            let range = line.prefix { $0 != " " }.split(separator: "-").compactMap { UInt($0, radix: 16) }
            return range.count == 2 && range[0] <= address && address < range[1]
        }
        let line = try #require(mapping.map(String.init))
        #expect(line.hasSuffix("SmolLM2-135M-Instruct.Q4_1.gguf"), "\(line)")
        #expect(line.split(separator: " ")[1].hasPrefix("r-"), "read-only: \(line)")
    }
    #endif
}
