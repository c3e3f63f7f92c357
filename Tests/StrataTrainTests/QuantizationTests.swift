import Foundation
import Strata
import Testing
import _StrataTestSupport

// Weight-only quantisation of Strata's own models, at small scale: trained on an MNIST subset
// (and a random GPT), written as quantised checkpoints, read back by the loaders of
// evaluate/predict/generate, and compared with the float model.

extension TrainingSuites {
    @Suite("Quantisation")
    struct QuantizationTests {
        /// An MLP and a CNN trained briefly on 3,000 images keep their test accuracy on 1,000
        /// images within 0.5 (int8) and 1.0 (int4) points after a round trip through a
        /// quantised checkpoint, which is at least 3.9x / 6x smaller than the float32 weights.
        @Test(arguments: [ImageModelKind.mlp, .cnn])
        func mnistModelsKeepTheirAccuracy(_ kind: ImageModelKind) throws {
            try GlobalRandom.isolated(seed: 3) {
                let (train, test) = try mnistSubsets(train: 3_000, test: 1_000)
                let model: Module = kind == .mlp ? MLP(MLP.Config(hiddenSizes: [128, 64], dropout: 0)) : ConvNet(ConvNet.Config(dropout: 0))
                let trainer = Trainer(model: model, optimizer: Adam(model.parameters(), learningRate: 1e-3))
                trainer.verbose = false
                _ = try trainer.fit(DataLoader(train, batchSize: 64, shuffle: true, seed: 2), epochs: kind == .mlp ? 3 : 1)
                let loader = DataLoader(test, batchSize: 500)
                let floatAccuracy = trainer.evaluate(loader)["accuracy"]!
                #expect(floatAccuracy > 0.85, "the float model did not learn: \(floatAccuracy)")

                let scratch = try ScratchFolder()
                let metadata = ["model": kind.rawValue, "model_config": kind.configJSON(model), "dataset": "mnist"]
                for (scheme, group, loss, ratio) in [("int8", nil, 0.005, 3.9), ("int4", 16, 0.01, 6.0), ("int4", nil, 0.01, 6.9)] as [(String, Int?, Double, Double)] {
                    let spec = try QuantizationSpec(scheme: scheme, groupSize: group)
                    let packed = try ModelQuantization.quantize(model, spec: spec)
                    #expect(packed.packedKeys.count == (kind == .mlp ? 3 : 4))
                    var entries: [String: SafeTensorsEntry] = [:]
                    for (k, e) in packed.entries { entries["model." + k] = e }
                    let path = scratch.file("\(kind)-\(scheme)-\(group ?? 0).safetensors")
                    try SafeTensors.write(entries, metadata: metadata.merging(spec.metadata) { a, _ in a }, to: path)

                    let floatBytes = try SafeTensors.encode(model.stateDict().mapValues { SafeTensorsEntry(tensor: $0) }).count
                    let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
                    #expect(Double(floatBytes) / Double(size) >= ratio, "\(kind) \(scheme): \(floatBytes) -> \(size) bytes")

                    let loaded = try ImageClassifierCheckpoint(path: path)
                    #expect(loaded.quantization == spec)
                    let layers = ModelQuantization.packedWeightLayers(loaded.model)
                    #expect(layers.filter { $0.1.packedWeight != nil }.count == packed.packedKeys.count)
                    let quantisedTrainer = Trainer(model: loaded.model, optimizer: SGD(loaded.model.parameters(), learningRate: 0))
                    let accuracy = quantisedTrainer.evaluate(loader)["accuracy"]!
                    #expect(floatAccuracy - accuracy <= loss, "\(kind) \(scheme): accuracy \(floatAccuracy) -> \(accuracy)")
                }
            }
        }

        /// A GPT's logits with int8 / int4 weights stay close to the float ones, and the
        /// language-model checkpoint loader gives the packed model back exactly.
        @Test func gptRoundTripsThroughAQuantisedCheckpoint() throws {
            try GlobalRandom.isolated(seed: 9) {
                let config = GPT.Config(vocabularySize: 48, context: 16, layers: 2, heads: 2, width: 32)
                let gpt = GPT(config)
                let tokenizer = CharacterTokenizer(corpus: "abcdefghijklmnopqrstuvwxyz .,;:!?ABCDEFGH")
                let ids = Tensor((0..<24).map { Int64($0 % 41) }, shape: [2, 12])
                gpt.train(false)
                let reference = withoutGradients { gpt(ids) }.floats
                let scratch = try ScratchFolder()
                for (scheme, group, tolerance) in [("int8", nil, 0.02), ("int4", 32, 0.15)] as [(String, Int?, Double)] {
                    let spec = try QuantizationSpec(scheme: scheme, groupSize: group)
                    let copy = GPT(config)
                    try copy.loadStateDict(gpt.stateDict())
                    try ModelQuantization.apply(spec, to: copy)
                    copy.train(false)
                    let inMemory = withoutGradients { copy(ids) }.floats
                    let scale = reference.map { abs($0) }.max()!
                    let worst = zip(reference, inMemory).map { abs($0 - $1) }.max()!
                    #expect(Double(worst / scale) < tolerance, "\(scheme): worst logit error \(worst) of \(scale)")
                    #expect(worst > 0, "\(scheme): packed weights changed nothing")

                    let directory = scratch.file("gpt-\(scheme)")
                    let packed = try ModelQuantization.quantize(gpt, spec: spec)
                    try LanguageModelCheckpoint.save(.gpt(gpt), tokenizer: tokenizer, to: directory, metadata: spec.metadata, weights: packed.entries)
                    let (model, _, metadata) = try LanguageModelCheckpoint.load(directory: directory)
                    #expect(metadata["quantization"] == scheme)
                    let loaded = withoutGradients { model.logits(ids) }.floats
                    #expect(loaded == inMemory, "\(scheme): the checkpoint gives another model than the in-memory packing")
                }
            }
        }

        /// The size targets on the character GPT of the Shakespeare recipe (4 layers,
        /// width 128, 84 characters): model.safetensors int8 >= 3.9x smaller than float32,
        /// int4 with the default groups >= 7x. One-byte scale codes and float16 vectors get it there.
        @Test func recipeGPTCheckpointsMeetTheSizeTargets() throws {
            let gpt = GPT(GPT.Config(vocabularySize: 84, context: 128, layers: 4, heads: 4, width: 128))
            let tokenizer = CharacterTokenizer(corpus: "abcdefghijklmnopqrstuvwxyz .,;:!?ABCDEFGH")
            let scratch = try ScratchFolder()
            func fileSize(_ directory: String) throws -> Double {
                Double(try FileManager.default.attributesOfItem(atPath: directory + "/model.safetensors")[.size] as! Int)
            }
            try LanguageModelCheckpoint.save(.gpt(gpt), tokenizer: tokenizer, to: scratch.file("float"))
            let float = try fileSize(scratch.file("float"))
            for (scheme, target) in [("int8", 3.9), ("int4", 7.0)] {
                let spec = try QuantizationSpec(scheme: scheme)
                let packed = try ModelQuantization.quantize(gpt, spec: spec)
                try LanguageModelCheckpoint.save(.gpt(gpt), tokenizer: tokenizer, to: scratch.file(scheme), metadata: spec.metadata, weights: packed.entries)
                let ratio = float / (try fileSize(scratch.file(scheme)))
                #expect(ratio >= target, "\(scheme): \(ratio)x smaller")
            }
        }

        /// Checkpoints from before one-byte scale codes (float32 int8 scales, float16 int4 scales,
        /// float32 vectors) still load, into the same model.
        @Test func checkpointsWithFloatScalesStillLoad() throws {
            let model = MLP(MLP.Config(inputSize: 64, hiddenSizes: [32], outputSize: 4))
            var g = RandomGenerator(seed: 5)
            let x = Tensor.normal([3, 64], generator: &g)
            for (scheme, group) in [("int8", nil), ("int4", 32)] as [(String, Int?)] {
                let spec = try QuantizationSpec(scheme: scheme, groupSize: group)
                let packed = try ModelQuantization.quantize(model, spec: spec)
                var old = packed.entries
                for (key, entry) in packed.entries {
                    if key.hasSuffix(".scale") {
                        #expect(entry.dtype == "U8")
                        let rows = entry.shape.reduce(1, *)
                        let decoded = PackedMatrix.decodeScales(dtype: "U8", bytes: entry.data, count: rows,
                                                                scheme: scheme == "int8" ? .int8 : .int4(groupSize: 32))!.scales
                        old[key] = scheme == "int8"
                            ? SafeTensorsEntry(dtype: "F32", shape: entry.shape, data: decoded.withUnsafeBytes { Array($0) })
                            : SafeTensorsEntry(dtype: "F16", shape: entry.shape, data: decoded.map { Float16($0) }.withUnsafeBytes { Array($0) })
                    } else if entry.dtype == "F16" {
                        old[key] = SafeTensorsEntry(tensor: try entry.tensor().cast(to: .float32))
                    }
                }
                let current = MLP(MLP.Config(inputSize: 64, hiddenSizes: [32], outputSize: 4))
                let former = MLP(MLP.Config(inputSize: 64, hiddenSizes: [32], outputSize: 4))
                try ModelQuantization.load(packed.entries, spec: spec, into: current, path: "new")
                try ModelQuantization.load(old, spec: spec, into: former, path: "old")
                current.train(false)
                former.train(false)
                let (now, before) = (withoutGradients { current(x) }.floats, withoutGradients { former(x) }.floats)
                if scheme == "int8" {
                    #expect(now == before)   // float32 holds every grid scale exactly
                } else {   // float16 rounds the grid's scales (by at most 2^-11)
                    let worst = zip(now, before).map { abs($0 - $1) }.max()!
                    #expect(worst <= 2e-3 * now.map(abs).max()!, "int4: \(worst)")
                }
            }
        }

        @Test func malformedQuantisedCheckpointsAreRejected() throws {
            let model = MLP(MLP.Config(inputSize: 8, hiddenSizes: [4], outputSize: 2))
            let spec = try QuantizationSpec(scheme: "int8")
            let packed = try ModelQuantization.quantize(model, spec: spec)
            var broken = packed.entries
            broken["layers.0.weight.scale"] = SafeTensorsEntry(dtype: "F32", shape: [3], data: [UInt8](repeating: 0, count: 12))
            #expect(throws: QuantizationError.self) { try ModelQuantization.load(broken, spec: spec, into: model, path: "x") }
            broken["layers.0.weight.scale"] = SafeTensorsEntry(dtype: "U8", shape: [4], data: [1, 2, 3])
            #expect(throws: QuantizationError.self) { try ModelQuantization.load(broken, spec: spec, into: model, path: "x") }
            broken["layers.0.weight.scale"] = SafeTensorsEntry(dtype: "I32", shape: [4], data: [UInt8](repeating: 0, count: 16))
            #expect(throws: QuantizationError.self) { try ModelQuantization.load(broken, spec: spec, into: model, path: "x") }
            var missing = packed.entries
            missing["layers.1.weight.q8"] = nil
            #expect(throws: QuantizationError.self) { try ModelQuantization.load(missing, spec: spec, into: model, path: "x") }
            var extra = packed.entries
            extra["stray"] = SafeTensorsEntry(dtype: "F32", shape: [1], data: [0, 0, 0, 0])
            #expect(throws: QuantizationError.self) { try ModelQuantization.load(extra, spec: spec, into: model, path: "x") }
            #expect(throws: QuantizationError.self) { try QuantizationSpec(scheme: "int3") }
            #expect(throws: QuantizationError.self) { try QuantizationSpec(scheme: "int4", groupSize: 3) }
            #expect(throws: QuantizationError.self) { try QuantizationSpec(scheme: "int4", groupSize: 32).packing(columns: 48, key: "w") }
            #expect(try QuantizationSpec(scheme: "int4", groupSize: 32).packing(columns: 9, key: "w") == .int8)
            // Without a group size, each matrix gets 32 where it divides its rows, else a multiple of 16.
            let automatic = try QuantizationSpec(scheme: "int4")
            #expect(try automatic.packing(columns: 512, key: "w") == .int4(groupSize: 32))
            #expect(try automatic.packing(columns: 784, key: "w") == .int4(groupSize: 112))
            #expect(try automatic.packing(columns: 48, key: "w") == .int4(groupSize: 48))
            #expect(try automatic.packing(columns: 9, key: "w") == .int8 && automatic.packing(columns: 50, key: "w") == .int8)
        }
    }
}
