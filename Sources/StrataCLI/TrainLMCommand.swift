import ArgumentParser
import Foundation
import Strata

/// `strata train lm`: a GPT or an LSTM language model on a text corpus (Shakespeare by default),
/// with AdamW, warm-up and cosine decay, clipping, periodic validation, checkpoints, a metrics
/// log, a loss chart and a sample at the end.
struct TrainLMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lm", abstract: "Train a GPT or LSTM language model on a text corpus.",
        discussion: """
            Defaults train the GPT of the Shakespeare benchmark: 4 layers, 4 heads, width 128, context 128,
            3000 steps at batch 16, AdamW (lr 1e-3, betas 0.9/0.99, weight decay 0.1 on matrices),
            100 warm-up steps then cosine decay to lr/10, clipping at 1.0, the last 10% of the text for
            validation. --arch lstm trains a character LSTM (hidden --width, default 256).
            Writes model.safetensors + tokenizer files, training.safetensors (the run's state: resume \
            with --resume), metrics.csv and loss.svg into --out after every --eval-interval steps.
            """)

    @Option(help: "gpt or lstm.") var arch: LanguageModelKind = .gpt
    @Option(help: "A UTF-8 text file, optionally gzip-compressed (default: the shipped Shakespeare).") var data: String?
    @Option(help: "char (built from the corpus) or gpt2 (byte-level BPE).") var tokenizer: TokenizerKind = .char
    @Option(help: "Layers (default: 4 for gpt, 1 for lstm).") var layers: Int?
    @Option(help: "Attention heads (gpt).") var heads: Int = 4
    @Option(help: "Embedding width (gpt) or hidden size (lstm) (default: 128 for gpt, 256 for lstm).") var width: Int?
    @Option(help: "Tokens per training window (default: 128 for gpt, 64 for lstm).") var context: Int?
    @Option(help: "Dropout.") var dropout: Double = 0
    @Option(help: "Optimisation steps (default: 3000 for gpt, 5000 for lstm).") var steps: Int?
    @Option(help: "Windows per step (default: 16 for gpt, 32 for lstm).") var batchSize: Int?
    @Option(help: "Peak learning rate (default: 1e-3 for gpt, 3e-3 for lstm).") var lr: Double?
    @Option(help: "Warm-up steps.") var warmup: Int = 100
    @Option(help: "AdamW weight decay on matrices.") var weightDecay: Double = 0.1
    @Option(help: "Steps between validation estimates.") var evalInterval: Int = 250
    @OptionGroup var output: OutputOption
    @OptionGroup var random: SeedOption
    @OptionGroup var report: JSONOption
    @Option(help: "Characters/tokens of sample text to print at the end (0: none).") var sampleTokens: Int = 300
    @OptionGroup var parallel: DataParallelOptions
    @Option(help: "Continue from this training checkpoint (training.safetensors, or the --out directory of a previous run with the same options).")
    var resume: String?
    @Option(help: "Stop at the first evaluation after this many steps, keeping the schedule of --steps (continue with --resume).")
    var stopAfter: Int?
    @Option(help: """
        Under mpirun, split each GPT block over this many processes (Megatron-style: attention heads and MLP units); \
        the rest of the processes train data-parallel copies (-np 4 with 2: 2 x 2).
        """)
    var tensorParallel: Int = 1

    func validate() throws {
        try OptionCheck.int(layers, "--layers", in: 1...256)
        try OptionCheck.int(heads, "--heads", in: 1...256)
        try OptionCheck.int(width, "--width", in: 1...65_536)
        try OptionCheck.int(context, "--context", in: 2...1_048_576)
        try OptionCheck.int(steps, "--steps", in: 1...100_000_000)
        try OptionCheck.int(batchSize, "--batch-size", in: 1...65_536)
        try OptionCheck.int(warmup, "--warmup", in: 0...100_000_000)
        try OptionCheck.int(evalInterval, "--eval-interval", in: 1...100_000_000)
        try OptionCheck.int(stopAfter, "--stop-after", in: 1...100_000_000)
        try OptionCheck.int(sampleTokens, "--sample-tokens", in: 0...1_000_000)
        try OptionCheck.double(dropout, "--dropout", in: 0...1, open: .upper)
        try OptionCheck.double(lr, "--lr", in: 0...10, open: .lower)
        try OptionCheck.double(weightDecay, "--weight-decay", in: 0...10)
        try OptionCheck.int(tensorParallel, "--tensor-parallel", in: 1...256)
        if tensorParallel > 1 {
            guard arch == .gpt else { throw ValidationError("--tensor-parallel splits GPT blocks; --arch lstm trains data-parallel only") }
            guard heads % tensorParallel == 0 else { throw ValidationError("--tensor-parallel \(tensorParallel) must divide --heads \(heads)") }
            guard resume == nil else {
                throw ValidationError("--resume is not supported with --tensor-parallel: a tensor-parallel run writes its whole model at the end, not a training state")
            }
        }
        if arch == .gpt, let width, width % heads != 0 {
            throw ValidationError("--width \(width) must be a multiple of --heads \(heads)")
        } else if arch == .gpt, width == nil, 128 % heads != 0 {
            throw ValidationError("the default --width 128 is not a multiple of --heads \(heads); give --width")
        }
    }

    func run() throws {
        let distributed = try DistributedContext.start()
        let out = output.directory(default: "lm-\(arch.rawValue)")
        let dataPath = try data ?? DataLocations.shakespeare()
        print("Strata \(strataVersion) · \(Parallel.threadCount) threads · GEMM: \(BLAS.description)")
        if let banner = distributed.banner { print(banner) }
        let text: String
        do { text = try TextCorpus.read(path: dataPath) } catch { throw UserFacingError("\(error)") }
        let tok: Tokenizer = tokenizer == .char ? CharacterTokenizer(corpus: text)
                                                : try GPT2Tokenizer(directory: DataLocations.gpt2Tokenizer())
        let corpus = try TextCorpus(text: text, tokenizer: tok, name: dataPath)

        var config = LanguageModelTrainingConfig()
        config.steps = steps ?? (arch == .gpt ? 3000 : 5000)
        config.batchSize = batchSize ?? (arch == .gpt ? 16 : 32)
        config.context = context ?? (arch == .gpt ? 128 : 64)
        config.learningRate = lr ?? (arch == .gpt ? 1e-3 : 3e-3)
        config.minimumLearningRate = config.learningRate / 10
        config.warmupSteps = warmup
        config.weightDecay = weightDecay
        config.evaluationInterval = evalInterval
        config.seed = random.seed
        guard corpus.validation.count > config.context + 1, corpus.train.count > config.context + 1 else {
            throw UserFacingError("\(dataPath): \(corpus.train.count + corpus.validation.count) tokens are too few for windows of \(config.context) (10% go to validation)")
        }

        guard distributed.worldSize % tensorParallel == 0 else {
            throw UserFacingError("--tensor-parallel \(tensorParallel) does not divide the \(distributed.worldSize) processes (mpirun -np)")
        }
        // Tensor parallelism: groups of consecutive ranks share one sharded copy of the blocks;
        // the data-parallel group joins the processes holding the same shard.
        let split = tensorParallel > 1 ? TensorParallelGroup.split(distributed.group, tensorParallel: tensorParallel) : nil
        let tensorGroup = split?.tensor, dataGroup = split?.data ?? distributed.group
        if let tensorGroup { print("Tensor parallel: each GPT block split over \(tensorGroup.size) processes, \(dataGroup.worldSize) data-parallel copies") }

        Tensor.manualSeed(random.seed)   // the same initial weights on every process
        let model: LanguageModel = switch arch {
        case .gpt:
            .gpt(GPT(GPT.Config(vocabularySize: tok.vocabularySize, context: config.context, layers: layers ?? 4,
                                heads: heads, width: width ?? 128, dropout: dropout)))
        case .lstm:
            .lstm(LSTMLanguageModel(LSTMLanguageModel.Config(vocabularySize: tok.vocabularySize, hidden: width ?? 256,
                                                             layers: layers ?? 1, dropout: dropout)))
        }
        // Each data-parallel copy draws its own dropout masks; the processes that share a copy's
        // blocks draw the same ones (their activations outside the shards are the same).
        if dataGroup.rank > 0 { Tensor.manualSeed(random.seed &+ UInt64(dataGroup.rank)) }
        print("Corpus \(dataPath): \(corpus.train.count) training and \(corpus.validation.count) validation tokens, vocabulary \(tok.vocabularySize) (\(tokenizer.rawValue))")
        print("\(arch.rawValue): \(model.module.parameterCount) parameters · \(config.steps) steps × \(config.batchSize) × \(config.context) tokens · lr \(config.learningRate)")

        guard config.batchSize >= dataGroup.worldSize else {
            throw UserFacingError("--batch-size \(config.batchSize) is the global batch: it needs a window for each of the \(dataGroup.worldSize) data-parallel processes")
        }
        // Only rank 0 writes files.
        if distributed.isMain { try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true) }
        var metadata = ["seed": String(random.seed), "corpus": dataPath, "arch": arch.rawValue]
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        if let encoded = try? encoder.encode(config) { metadata["training"] = String(decoding: encoded, as: UTF8.self) }
        var sharded: [Tensor] = []
        if let tensorGroup, case .gpt(let gpt) = model { sharded = gpt.shard(over: tensorGroup) }   // before the optimizer
        let lm = LanguageModelTrainer(model: model.module, corpus: corpus, config: config) { model.logits($0) }
        lm.distribute(over: dataGroup, bucketBytes: parallel.bucketBytes)
        if let tensorGroup { lm.useTensorParallel(tensorGroup, sharded: sharded) }
        lm.trainer.verbose = distributed.isMain
        if let resume {
            let checkpoint = try TrainingResume.restore(resume, file: Self.trainingFile, into: lm.trainer, matching: metadata, keys: ["arch", "training"])
            print("Resumed from \(checkpoint.path) after step \(checkpoint.globalStep)")
        }

        var callbacks: [Callback] = [LanguageModelReport(lm: lm, out: out, tokenizer: tok, model: model, metadata: metadata,
                                                         title: "\(arch.rawValue) on \(URL(fileURLWithPath: dataPath).lastPathComponent)",
                                                         writesFiles: distributed.isMain, savesModel: tensorGroup == nil)]
        if let stopAfter { callbacks.append(StepLimit(steps: stopAfter)) }
        if distributed.isMain {
            if tensorGroup == nil { callbacks.append(ModelCheckpoint(path: "\(out)/\(Self.trainingFile)", metadata: metadata)) }
            if let stepLog = parallel.stepLog { callbacks.append(StepLossLogger(path: stepLog)) }
        }
        let last = try lm.train(callbacks: callbacks)
        if tensorGroup != nil, case .gpt(let gpt) = model {
            gpt.unshard()   // every process gathers the whole model back
            if distributed.isMain {
                try LanguageModelCheckpoint.save(model, tokenizer: tok, to: out, metadata: metadata.merging(["step": String(last.step)]) { $1 })
            }
        }
        print("Computing the loss over the whole validation part...")
        let validationLoss = lm.validationLoss()
        print(String(format: "Validation loss %.4f nats/token (%.4f on the last estimate) · final train loss %.4f · %.0f tokens/s · %@",
                     validationLoss, last.validationLoss, last.trainLoss, last.tokensPerSecond, ProgressBar.formatElapsed(last.elapsedSeconds)))
        let exchangeSeconds = lm.trainer.dataParallel?.communicationSeconds ?? 0
        if distributed.worldSize > 1 {
            print(String(format: "Gradient exchange (allreduce, waits included): %.2f s, %.0f%% of the training time", exchangeSeconds,
                         100 * exchangeSeconds * last.tokensPerSecond / Double(Swift.max(1, last.step * config.batchSize * config.context))))
        }
        print("Saved \(out)/\(LanguageModelCheckpoint.weightsFile), tokenizer, \(tensorGroup == nil ? Self.trainingFile + ", " : "")metrics.csv, loss.svg")

        if sampleTokens > 0 && distributed.isMain {
            print("\nSample (temperature 0.8, top-k 40):")
            var sampler = TokenSampler(temperature: 0.8, topK: 40, seed: random.seed)
            let prompt = [(try? tok.encode("\n"))?.first ?? 0]      // a corpus without newlines starts from id 0
            var stream = StandardOutputTokens(tokenizer: tok)
            generate(model.decoder(), prompt: prompt, maxTokens: sampleTokens, sampler: &sampler) { id in
                stream.write(id)
                return true
            }
            stream.finish()
        }

        if let json = report.json, distributed.isMain {
            try MetricsLog.writeResult([
                "train_loss": JSONValue(last.trainLoss), "val_loss": JSONValue(validationLoss),
                "val_loss_estimate": JSONValue(last.validationLoss), "steps": JSONValue(last.step),
                "tokens_per_second": JSONValue(last.tokensPerSecond), "train_seconds": JSONValue(last.elapsedSeconds),
                "arch": JSONValue(arch.rawValue), "tokenizer": JSONValue(tokenizer.rawValue),
                "parameters": JSONValue(model.module.parameterCount), "checkpoint": JSONValue(out),
                "world_size": JSONValue(distributed.worldSize), "exchange_seconds": JSONValue(exchangeSeconds),
                "tensor_parallel": JSONValue(tensorParallel),
                "history": .array(lm.progress().map { ["step": JSONValue($0.step), "train_loss": JSONValue($0.trainLoss), "val_loss": JSONValue($0.validationLoss)] }),
            ], to: json)
            print("Wrote \(json)")
        }
    }

    /// The run's state for `--resume`, beside the model.
    static let trainingFile = ModelDirectory.trainingFile

    static func lossChart(_ rows: [LanguageModelProgress], title: String) -> LineChart {
        let steps = rows.map { Double($0.step) }
        return LineChart(title: title, xLabel: "step", yLabel: "loss (nats/token)", series: [
            .init(name: "train", x: steps, y: rows.map(\.trainLoss)),
            .init(name: "validation", x: steps, y: rows.map(\.validationLoss), dashed: true),
        ])
    }
}

enum LanguageModelKind: String, ExpressibleByArgument, CaseIterable {
    case gpt, lstm
}

enum TokenizerKind: String, ExpressibleByArgument, CaseIterable {
    case char, gpt2
}

/// Prints generated tokens to standard output as they come (through ``TokenStream``, which holds
/// back the bytes of an incomplete character).
struct StandardOutputTokens {
    var stream: TokenStream

    init(tokenizer: Tokenizer) { stream = TokenStream(tokenizer: tokenizer) }

    mutating func write(_ id: Int) {
        print(stream.append(id), terminator: "")
        fflush(nil)
    }

    mutating func finish() { print(stream.flush()) }
}
