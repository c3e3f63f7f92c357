import Foundation
import Testing
import StrataCore
import StrataData
import StrataIO
import StrataModels

/// A fresh directory under the system temporary directory, removed when the value is released.
final class ScratchDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "strata-bert-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func write(_ text: String, to name: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path + "/" + name))
    }
}

/// The config.json of a tiny BERT, with `overrides` replacing whole `"key": value` members.
func tinyConfigJSON(_ overrides: [String: String] = [:]) -> String {
    var members: [(String, String)] = [
        ("model_type", "\"bert\""), ("vocab_size", "24"), ("hidden_size", "8"), ("num_hidden_layers", "2"),
        ("num_attention_heads", "2"), ("intermediate_size", "16"), ("max_position_embeddings", "16"),
        ("type_vocab_size", "2"), ("hidden_act", "\"gelu\""), ("layer_norm_eps", "1e-12"),
    ]
    for (key, value) in overrides {
        if let i = members.firstIndex(where: { $0.0 == key }) { members[i].1 = value } else { members.append((key, value)) }
    }
    return "{" + members.filter { $0.1 != "DELETE" }.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
}

/// A tiny BERT with seeded random weights, saved as config.json + model.safetensors in `dir`.
@discardableResult
func writeTinyBERT(to dir: ScratchDirectory, seed: UInt64 = 7) throws -> BERT {
    try dir.write(tinyConfigJSON(), to: "config.json")
    let bert = BERT(try BERT.Config(contentsOf: dir.path + "/config.json"))
    GlobalRandom.isolated(seed: seed) {
        for (_, tensor) in bert.namedTensors() { tensor.assign(Tensor.normal(tensor.shape, std: 0.5)) }
    }
    var entries = bert.stateDict().mapValues { SafeTensorsEntry(tensor: $0) }
    entries["embeddings.position_ids"] = SafeTensorsEntry(tensor: Tensor((0..<16).map { Int64($0) }, shape: [1, 16]))
    try SafeTensors.write(entries, metadata: ["format": "pt"], to: dir.path + "/model.safetensors")
    return bert
}

@Suite("BERT config and weights")
struct BERTLoadingTests {
    @Test func readsAValidConfig() throws {
        let dir = try ScratchDirectory()
        try dir.write(tinyConfigJSON(), to: "config.json")
        let config = try BERT.Config(contentsOf: dir.path + "/config.json")
        #expect(config == BERT.Config(vocabularySize: 24, hiddenSize: 8, layers: 2, heads: 2, intermediateSize: 16,
                                      maximumPositions: 16, typeVocabularySize: 2, activation: .gelu, layerNormEpsilon: 1e-12))
        #expect(config.headSize == 4)
    }

    @Test(arguments: [
        (["num_attention_heads": "0"], "num_attention_heads", "0; expected 1 to 1024"),
        (["num_attention_heads": "3"], "num_attention_heads", "hidden_size 8 is not divisible by 3 heads"),
        (["intermediate_size": "-16"], "intermediate_size", "-16; expected 1 to 65536"),
        (["vocab_size": "100000000000"], "vocab_size", "100000000000; expected 1 to 1000000"),
        (["hidden_size": "8.5"], "hidden_size", "expected an integer, found the number 8.5"),
        (["num_hidden_layers": "\"6\""], "num_hidden_layers", "expected an integer, found a string"),
        (["vocab_size": "DELETE"], "vocab_size", "missing; expected a value"),
        (["hidden_act": "\"swish\""], "hidden_act", "unsupported activation \"swish\"; expected gelu, gelu_new or relu"),
        (["layer_norm_eps": "0"], "layer_norm_eps", "0.0; expected a number in (0, 1)"),
        (["model_type": "\"gpt2\""], "model_type", "expected \"bert\", found \"gpt2\""),
        (["position_embedding_type": "\"relative_key\""], "position_embedding_type",
         "only \"absolute\" position embeddings are supported, found \"relative_key\""),
    ])
    func invalidConfigsNameTheKey(overrides: [String: String], key: String, message: String) throws {
        let dir = try ScratchDirectory()
        try dir.write(tinyConfigJSON(overrides), to: "config.json")
        let path = dir.path + "/config.json"
        #expect(throws: FileError(path: path, key: key, message: message)) { try BERT.Config(contentsOf: path) }
    }

    @Test func malformedJSONNamesTheOffset() throws {
        let dir = try ScratchDirectory()
        try dir.write("{\"vocab_size\": 3,", to: "config.json")
        do {
            _ = try BERT.Config(contentsOf: dir.path + "/config.json")
            Issue.record("malformed JSON was accepted")
        } catch let error as FileError {
            #expect(error.description.hasPrefix(dir.path + "/config.json: at byte 17: invalid JSON"), "\(error)")
        }
    }

    @Test func weightsRoundTripByHuggingFaceNames() throws {
        let dir = try ScratchDirectory()
        let original = try writeTinyBERT(to: dir)
        let loaded = try BERT.load(directory: dir.path)
        #expect(loaded.pooler != nil)
        let names = loaded.namedTensors().map(\.name)
        #expect(names.contains("encoder.layer.1.attention.self.query.weight"))
        #expect(names.contains("encoder.layer.0.attention.output.LayerNorm.bias"))
        #expect(names.contains("embeddings.word_embeddings.weight") && names.contains("pooler.dense.weight"))
        let expected = original.stateDict()
        for (name, tensor) in loaded.namedTensors() {
            #expect(tensor.floats == expected[name]!.floats, "\(name)")
        }
    }

    /// Rewrites the tiny checkpoint with `edit` applied to its entries and returns the load error.
    private func loadError(_ edit: (inout [String: SafeTensorsEntry]) -> Void) throws -> FileError? {
        let dir = try ScratchDirectory()
        try writeTinyBERT(to: dir)
        let path = dir.path + "/model.safetensors"
        var entries = try SafeTensors.read(path: path).tensors
        edit(&entries)
        try SafeTensors.write(entries, metadata: [:], to: path)
        do {
            _ = try BERT.load(directory: dir.path)
            return nil
        } catch let error as FileError {
            #expect(error.path == path)
            return error
        }
    }

    @Test func relabelledDTypeIsRejected() throws {
        let key = "encoder.layer.1.attention.self.query.weight"
        let error = try loadError { $0[key]!.dtype = "I32" }
        #expect(error?.key == key && error?.message == "dtype I32; expected F32, F16 or BF16", "\(String(describing: error))")
    }

    @Test func wrongShapeIsRejected() throws {
        let key = "encoder.layer.0.intermediate.dense.weight"
        let error = try loadError { $0[key]!.shape = [8, 16] }
        #expect(error?.key == key && error?.message == "shape [8, 16]; expected [16, 8]", "\(String(describing: error))")
    }

    @Test func missingAndUnexpectedKeysAreReported() throws {
        let missing = try loadError { $0["encoder.layer.1.output.LayerNorm.weight"] = nil }
        #expect(missing?.key == "encoder.layer.1.output.LayerNorm.weight" && missing?.message.hasPrefix("missing (1 weight missing") == true,
                "\(String(describing: missing))")
        let unexpected = try loadError { $0["encoder.layer.2.output.dense.weight"] = SafeTensorsEntry(float32: [1, 2], shape: [2]) }
        #expect(unexpected?.key == "encoder.layer.2.output.dense.weight" && unexpected?.message.hasPrefix("not a weight of this BERT") == true,
                "\(String(describing: unexpected))")
    }

    @Test func halfPrecisionWeightsAreWidened() throws {
        let dir = try ScratchDirectory()
        let original = try writeTinyBERT(to: dir)
        let path = dir.path + "/model.safetensors"
        let entries = try SafeTensors.read(path: path).tensors
        var halves: [String: SafeTensorsEntry] = [:]
        for (name, entry) in entries {
            guard entry.dtype == "F32" else { halves[name] = entry; continue }
            let values = try entry.floatValues()
            // BF16 for the embeddings, F16 for the rest: both are read.
            if name.hasPrefix("embeddings.") {
                let bits = values.flatMap { v -> [UInt8] in let b = UInt16(v.bitPattern >> 16); return [UInt8(b & 0xFF), UInt8(b >> 8)] }
                halves[name] = SafeTensorsEntry(dtype: "BF16", shape: entry.shape, data: bits)
            } else {
                halves[name] = SafeTensorsEntry(tensor: Tensor(values.map { Float16($0) }, shape: Shape(entry.shape)))
            }
        }
        try SafeTensors.write(halves, metadata: [:], to: path)
        let loaded = try BERT.load(directory: dir.path)
        let expected = original.stateDict()
        for (name, tensor) in loaded.namedTensors() {
            let e = expected[name]!.floats, a = tensor.floats
            let worst = zip(e, a).map { abs($0 - $1) / max(1, abs($0)) }.max() ?? 0
            #expect(worst < 1e-2, "\(name): \(worst)")
        }
    }

    @Test func aConfigLargerThanTheCheckpointIsRefusedBeforeAllocation() throws {
        let dir = try ScratchDirectory()
        try writeTinyBERT(to: dir)
        try dir.write(tinyConfigJSON(["vocab_size": "1000000", "hidden_size": "16384", "intermediate_size": "65536"]), to: "config.json")
        do {
            _ = try BERT.load(directory: dir.path)
            Issue.record("a config far larger than its checkpoint was accepted")
        } catch let error as FileError {
            #expect(error.message.contains("config.json describes a model of"), "\(error)")
        }
    }
}

@Suite("Sentence encoder on a tiny random BERT")
struct TinySentenceEncoderTests {
    static let vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "sat", "on", "mat", "a", "dog",
                             "ran", "far", "away", "and", "then", "slept", ".", ",", "very", "long", "##s", "!"]

    func encoder() throws -> SentenceEncoder {
        let dir = try ScratchDirectory()
        try writeTinyBERT(to: dir)
        let tokenizer = try WordPieceTokenizer(vocabulary: Self.vocabulary)
        return SentenceEncoder(model: try BERT.load(directory: dir.path), tokenizer: tokenizer, maximumLength: 16)
    }

    @Test func aSentenceDoesNotDependOnItsBatch() throws {
        let encoder = try encoder()
        let alone = try encoder.encode(["the cat sat"])[0]
        let batch = try encoder.encode(["a dog ran far away and then slept on the mat .", "the cat sat", "the dog , the cat !"], batchSize: 8)
        #expect(alone.count == 8 && batch.count == 3)
        #expect(zip(alone, batch[1]).allSatisfy { abs($0 - $1) <= 1e-5 }, "\(alone) vs \(batch[1])")
        let norm = batch.map { v in v.reduce(0) { $0 + $1 * $1 }.squareRoot() }
        #expect(norm.allSatisfy { abs($0 - 1) < 1e-5 })
        // Order is kept whatever the length sorting did.
        #expect(zip(try encoder.encode(["the dog , the cat !"])[0], batch[2]).allSatisfy { abs($0 - $1) <= 1e-5 })
    }

    /// The packed (unpadded) forward against the padded one with an attention mask: each
    /// sequence's rows agree, for sequences of different lengths in one batch.
    @Test func packedForwardEqualsPaddedForward() throws {
        let dir = try ScratchDirectory()
        let bert = try writeTinyBERT(to: dir)
        let sequences = [[2, 5, 6, 7, 3], [2, 11, 3], [2, 9, 8, 5, 10, 12, 13, 3], [2, 3]]
        let (packed, starts) = bert.packedHiddenStates(sequences)
        #expect(packed.shape == Shape([18, 8]) && starts == [0, 5, 8, 16, 18])
        let steps = 8
        let ids = sequences.flatMap { $0 + Array(repeating: 0, count: steps - $0.count) }
        let mask = sequences.flatMap { Array(repeating: true, count: $0.count) + Array(repeating: false, count: steps - $0.count) }
        let padded = withoutGradients {
            bert(Tensor(ids.map(Int32.init), shape: [4, steps]), attentionMask: Tensor(mask, shape: [4, steps]))
        }.floats                                                                                   // [4, 8, 8]
        let rows = packed.floats
        for (s, sequence) in sequences.enumerated() {
            for t in 0..<sequence.count {
                let a = rows[((starts[s] + t) * 8)..<((starts[s] + t + 1) * 8)]
                let b = padded[((s * steps + t) * 8)..<((s * steps + t + 1) * 8)]
                #expect(zip(a, b).allSatisfy { abs($0 - $1) <= 1e-5 }, "sequence \(s), token \(t): \(Array(a)) vs \(Array(b))")
            }
        }
    }

    @Test func longSentencesAreCut() throws {
        let encoder = try encoder()
        encoder.warnsOnTruncation = false
        let ids = encoder.tokenize([Array(repeating: "the cat", count: 20).joined(separator: " ")])[0]
        #expect(ids.count == 16 && ids.first == 2 && ids.last == 3)
        #expect(throws: FileError.self) { try encoder.encode(["the cat"], batchSize: 0) }
    }
}
