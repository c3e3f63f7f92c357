import Foundation
import Strata
import Testing
import _StrataTestSupport

// Language models end to end at toy sizes: training lowers the loss on a real text (the
// opening of the shipped Shakespeare), a model trained on a pattern generates it, checkpoints
// round-trip, and bad checkpoints and prompts give clear errors.

/// The first `count` characters of the shipped Shakespeare corpus.
func shakespeare(_ count: Int) throws -> String {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let text = try TextCorpus.read(path: root.path + "/Data/shakespeare/shakespeare.txt.gz")
    return String(text.prefix(count))
}

/// A 2-layer GPT of width 32 or a 64-unit LSTM.
func tinyModel(_ arch: String, vocabularySize: Int) -> LanguageModel {
    arch == "gpt"
        ? .gpt(GPT(GPT.Config(vocabularySize: vocabularySize, context: 32, layers: 2, heads: 2, width: 32)))
        : .lstm(LSTMLanguageModel(LSTMLanguageModel.Config(vocabularySize: vocabularySize, embedding: 16, hidden: 64)))
}

func tinyConfig(steps: Int, context: Int = 16) -> LanguageModelTrainingConfig {
    var c = LanguageModelTrainingConfig()
    c.steps = steps
    c.batchSize = 8
    c.context = context
    c.learningRate = 3e-3
    c.minimumLearningRate = 3e-4
    c.warmupSteps = 10
    c.evaluationInterval = steps
    c.evaluationBatches = 4
    c.seed = 7
    return c
}

extension TrainingSuites {
    @Suite("Language models")
    struct LanguageModelTests {
        @Test(arguments: ["gpt", "lstm"])
        func lossFallsOnShakespeare(_ arch: String) throws {
            try GlobalRandom.isolated(seed: 11) {
                let text = try shakespeare(60_000)
                let tokenizer = CharacterTokenizer(corpus: text)
                let corpus = try TextCorpus(text: text, tokenizer: tokenizer)
                let model = tinyModel(arch, vocabularySize: tokenizer.vocabularySize)
                let trainer = LanguageModelTrainer(model: model.module, corpus: corpus, config: tinyConfig(steps: 150, context: 32)) { model.logits($0) }
                let before = trainer.estimateLoss(.validation, batches: 4)
                let last = try trainer.train()
                // Uniform guessing over the alphabet costs ln(V) ≈ 4.1 nats; character statistics alone reach ~3.3.
                #expect(before > 3.8, "\(arch): initial loss \(before)")
                #expect(last.validationLoss < 2.9, "\(arch): validation loss \(last.validationLoss) after 150 steps (from \(before))")
                #expect(last.trainLoss < before - 1, "\(arch): train loss \(last.trainLoss)")
                #expect(trainer.validationLoss() < 2.9)
            }
        }

        /// Knowledge distillation (Hinton et al. 2015) at toy size: a GPT of width 16 learning
        /// from a trained GPT of width 32 ends with a lower validation loss than the same student
        /// (same initialisation, windows and steps) trained on the text alone.
        @Test func distilledStudentBeatsTheStudentAlone() throws {
            try GlobalRandom.isolated(seed: 3) {
                let text = try shakespeare(60_000)
                let tokenizer = CharacterTokenizer(corpus: text)
                let corpus = try TextCorpus(text: text, tokenizer: tokenizer)
                let teacher = tinyModel("gpt", vocabularySize: tokenizer.vocabularySize)
                try LanguageModelTrainer(model: teacher.module, corpus: corpus, config: tinyConfig(steps: 600, context: 32)) {
                    teacher.logits($0)
                }.train(validate: false)
                teacher.module.train(false)
                func student(distilled: Bool) throws -> Double {
                    Tensor.manualSeed(9)
                    let model = GPT(GPT.Config(vocabularySize: tokenizer.vocabularySize, context: 32, layers: 2, heads: 2, width: 16))
                    let lm = LanguageModelTrainer(model: model, corpus: corpus, config: tinyConfig(steps: 300, context: 32)) { model($0) }
                    if distilled { lm.distill(from: { teacher.logits($0) }, temperature: 2, alpha: 0.5) }
                    try lm.train(validate: false)
                    return lm.validationLoss()
                }
                let teacherLoss = LanguageModelTrainer(model: teacher.module, corpus: corpus, config: tinyConfig(steps: 1, context: 32)) {
                    teacher.logits($0)
                }.validationLoss()
                let (distilled, alone) = (try student(distilled: true), try student(distilled: false))
                #expect(distilled < alone, "distilled \(distilled), alone \(alone), teacher \(teacherLoss)")
                #expect(teacherLoss < alone, "the teacher (\(teacherLoss)) should be better than the small student alone (\(alone))")
            }
        }

        /// A training configuration read from a checkpoint is checked key by key before use.
        @Test func trainingConfigFromAFileIsChecked() throws {
            try LanguageModelTrainingConfig().validate(source: "defaults")
            for (key, change) in [("batchSize", { (c: inout LanguageModelTrainingConfig) in c.batchSize = 0 }),
                                  ("context", { $0.context = 1 }), ("steps", { $0.steps = -3 }),
                                  ("learningRate", { $0.learningRate = .nan }), ("beta2", { $0.beta2 = 1 }),
                                  ("evaluationBatches", { $0.evaluationBatches = 10_000_000 })] {
                var config = LanguageModelTrainingConfig()
                change(&config)
                #expect(throws: ConfigError.self, "\(key)") { try config.validate(source: "x") }
                do { try config.validate(source: "runs/lm: metadata 'training'") } catch {
                    #expect("\(error)".contains(key) && "\(error)".contains("runs/lm"), "\(error)")
                }
            }
        }

        @Test(arguments: ["gpt", "lstm"])
        func generatesALearnedPattern(_ arch: String) throws {
            try GlobalRandom.isolated(seed: 5) {
                let text = String(repeating: "the quick brown fox jumps over the lazy dog. ", count: 60)
                let tokenizer = CharacterTokenizer(corpus: text)
                let corpus = try TextCorpus(text: text, tokenizer: tokenizer)
                let model = tinyModel(arch, vocabularySize: tokenizer.vocabularySize)
                let trainer = LanguageModelTrainer(model: model.module, corpus: corpus, config: tinyConfig(steps: 200, context: 32)) { model.logits($0) }
                try trainer.train()
                model.module.train(false)
                var sampler = TokenSampler(temperature: 0)
                var streamed: [Int] = []
                // 60 tokens after a prompt: the GPT's window (32) slides, so this also exercises the cache reset.
                let ids = generate(model.decoder(), prompt: try tokenizer.encode("the quick "), maxTokens: 60, sampler: &sampler) {
                    streamed.append($0)
                    return true
                }
                #expect(streamed == ids)
                let expected = String(String(repeating: "the quick brown fox jumps over the lazy dog. ", count: 3).dropFirst(10).prefix(60))
                let generated = try tokenizer.decode(ids)
                #expect(generated == expected, "\(arch) generated \(generated.debugDescription)")
            }
        }

        @Test func checkpointRoundTripAndErrors() throws {
            try GlobalRandom.isolated(seed: 3) {
                let folder = try ScratchFolder()
                let tokenizer = CharacterTokenizer(corpus: "abcdefgh \n")
                let gpt = GPT(GPT.Config(vocabularySize: tokenizer.vocabularySize, context: 8, layers: 1, heads: 2, width: 8))
                let dir = folder.file("gpt")
                try LanguageModelCheckpoint.save(.gpt(gpt), tokenizer: tokenizer, to: dir, metadata: ["step": "5"])
                let (loaded, loadedTokenizer, metadata) = try LanguageModelCheckpoint.load(directory: dir)
                #expect(metadata["step"] == "5" && metadata["kind"] == "gpt" && metadata["format_version"] == "2")
                #expect((loadedTokenizer as? CharacterTokenizer) == tokenizer)
                let ids = Tensor([1, 2, 3] as [Int64], shape: [1, 3])
                #expect(maxAbsDifference(loaded.logits(ids), gpt(ids)) == 0)

                // A prompt with a character outside the vocabulary.
                #expect(throws: TokenizerError.unknownCharacter("z", position: 2)) { try loadedTokenizer.encode("abz") }

                // No tokenizer beside the weights.
                try FileManager.default.removeItem(atPath: dir + "/tokenizer.json")
                let noTokenizer = #expect(throws: FileError.self) { try LanguageModelCheckpoint.load(directory: dir) }
                #expect(noTokenizer?.description.contains("no tokenizer.json") == true)

                // Not a checkpoint directory at all.
                let empty = #expect(throws: FileError.self) { try LanguageModelCheckpoint.load(directory: folder.file("nothing")) }
                #expect(empty?.description.contains("no model.safetensors") == true)

                // Truncated weights: the safetensors reader names the file.
                try LanguageModelCheckpoint.save(.gpt(gpt), tokenizer: tokenizer, to: dir)
                let weights = dir + "/model.safetensors"
                let bytes = try Data(contentsOf: URL(fileURLWithPath: weights))
                try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: weights))
                let truncated = #expect(throws: (any Error).self) { try LanguageModelCheckpoint.load(directory: dir) }
                #expect("\(truncated!)".contains("model.safetensors"))
            }
        }

        /// Training through `Trainer` resumes exactly: 12 steps in one run, and 6 steps, a
        /// checkpoint, a fresh model and trainer (and a disturbed global generator) and 6 more,
        /// end with the same weights, losses and validation estimates, bit for bit.
        @Test(arguments: ["gpt", "lstm"])
        func resumeIsExact(_ arch: String) throws {
            // A generator of its own (dropout draws from it): tests running in parallel cannot draw from it.
            try GlobalRandom.isolated { try resumeExperiment(arch) }
        }

        func resumeExperiment(_ arch: String) throws {
            let folder = try ScratchFolder()
            let text = try shakespeare(20_000)
            let tokenizer = CharacterTokenizer(corpus: text)
            let corpus = try TextCorpus(text: text, tokenizer: tokenizer)
            var config = tinyConfig(steps: 12)
            config.evaluationInterval = 6
            config.evaluationBatches = 2
            func make() -> (LanguageModel, LanguageModelTrainer) {
                Tensor.manualSeed(21)
                let v = tokenizer.vocabularySize
                let model: LanguageModel = arch == "gpt"
                    ? .gpt(GPT(GPT.Config(vocabularySize: v, context: 16, layers: 1, heads: 2, width: 16, dropout: 0.1)))
                    : .lstm(LSTMLanguageModel(LSTMLanguageModel.Config(vocabularySize: v, embedding: 8, hidden: 16, layers: 2, dropout: 0.1)))
                let lm = LanguageModelTrainer(model: model.module, corpus: corpus, config: config) { model.logits($0) }
                lm.trainer.verbose = false
                return (model, lm)
            }
            let (whole, wholeTrainer) = make()
            try wholeTrainer.train()

            let (first, firstTrainer) = make()
            let path = folder.file("training.safetensors")
            try firstTrainer.train(callbacks: [StepLimit(steps: 6), ModelCheckpoint(path: path)])
            #expect(firstTrainer.step == 6)
            Tensor.manualSeed(999)   // another process: the generators come from the checkpoint
            let (resumed, resumedTrainer) = make()
            try TrainingCheckpoint.load(path: path).restore(into: resumedTrainer.trainer)
            try resumedTrainer.train()
            #expect(resumedTrainer.step == 12)
            _ = first

            let a = whole.module.stateDict(), b = resumed.module.stateDict()
            #expect(a.keys.sorted() == b.keys.sorted())
            for (key, t) in a {
                #expect(t.toArray(as: Float.self).map(\.bitPattern) == b[key]!.toArray(as: Float.self).map(\.bitPattern), "\(arch): \(key)")
            }
            for figure in ["loss", "val_loss"] {
                #expect(wholeTrainer.trainer.history[figure] == resumedTrainer.trainer.history[figure], "\(arch): \(figure)")
            }
            #expect(wholeTrainer.progress().map(\.step) == [6, 12])

            // The dropout stream matters: without the saved generator state the second half goes differently.
            let (unrestored, unrestoredTrainer) = make()
            try TrainingCheckpoint.load(path: path).restore(into: unrestoredTrainer.trainer)
            Tensor.manualSeed(999)
            try unrestoredTrainer.train()
            let c = unrestored.module.stateDict()
            #expect(a.contains { key, t in t.toArray(as: Float.self) != c[key]!.toArray(as: Float.self) }, "\(arch): dropout made no difference")
        }

        @Test func lstmCheckpointKeepsTheState() throws {
            try GlobalRandom.isolated(seed: 4) {
                let folder = try ScratchFolder()
                let tokenizer = CharacterTokenizer(corpus: "xyz")
                let lstm = LSTMLanguageModel(LSTMLanguageModel.Config(vocabularySize: 3, embedding: 4, hidden: 6, layers: 2))
                try LanguageModelCheckpoint.save(.lstm(lstm), tokenizer: tokenizer, to: folder.path)
                let (loaded, _, _) = try LanguageModelCheckpoint.load(directory: folder.path)
                lstm.train(false)
                let ids = Tensor([0, 1, 2, 1] as [Int64], shape: [1, 4])
                #expect(maxAbsDifference(loaded.logits(ids), lstm(ids).logits) == 0)
                // Decoding step by step equals one pass over the whole sequence.
                let decoder = loaded.decoder()
                let full = loaded.logits(ids)
                for t in 0..<4 {
                    let step = decoder.nextLogits(after: [t == 0 ? 0 : [0, 1, 2, 1][t]])
                    expectFloatsClose(step, full[0, t].floats)
                }
            }
        }
    }
}

func expectFloatsClose(_ a: [Float], _ b: [Float], tolerance: Float = 1e-5, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(a.count == b.count, sourceLocation: sourceLocation)
    for (x, y) in zip(a, b) where abs(x - y) > tolerance {
        Issue.record("\(x) vs \(y)", sourceLocation: sourceLocation)
        return
    }
}
