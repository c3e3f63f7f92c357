import Foundation
import Strata

extension BenchCommand {
    /// Random text over 65 characters (the size of tiny-Shakespeare's alphabet): throughput does
    /// not depend on what the characters are.
    private func syntheticCorpus() -> TextCorpus {
        let alphabet = Array("\n !$&',-.3:;?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
        var rng = RandomGenerator(seed: 3)
        let text = String((0..<200_000).map { _ in alphabet[rng.nextInt(below: alphabet.count)] })
        return try! TextCorpus(text: text, tokenizer: CharacterTokenizer(corpus: text))
    }

    /// Training tokens/s of `model` over `steps` steps per run, after one untimed warm-up run.
    private func languageModelTraining(_ model: LanguageModel, config: LanguageModelTrainingConfig, steps: Int) -> BenchmarkFigure {
        var config = config
        config.steps = steps
        config.evaluationInterval = steps
        let corpus = syntheticCorpus()
        // Each run: `steps` steps of the Trainer loop (a fresh optimizer and schedule, no validation).
        let seconds = Measure.repeated(runs: runs, warmup: 1) {
            let lm = LanguageModelTrainer(model: model.module, corpus: corpus, config: config) { model.logits($0) }
            lm.trainer.verbose = false
            _ = try! lm.train(validate: false)
        }
        let tokens = Double(steps * config.batchSize * config.context)
        return BenchmarkFigure(name: "train", unit: "tokens/s", values: seconds.map { tokens / $0 })
    }

    /// Embedding(65→64)-LSTM(256)-Linear(256→65), sequence 64, batch 32, Adam, 100 steps.
    func lstmCharLM() -> BenchmarkReport {
        Tensor.manualSeed(1)
        var config = LanguageModelTrainingConfig()
        config.batchSize = 32
        config.context = 64
        config.weightDecay = 0
        config.beta2 = 0.999
        config.gradientClip = 0
        config.warmupSteps = 0
        config.minimumLearningRate = config.learningRate
        let model = LanguageModel.lstm(LSTMLanguageModel(LSTMLanguageModel.Config(vocabularySize: 65, embedding: 64, hidden: 256)))
        var report = BenchmarkReport(workload: "lstm-charlm")
        report.results = [languageModelTraining(model, config: config, steps: 100)]
        return report
    }

    /// GPT 4 layers, 4 heads, width 128, context 128, vocabulary 65, batch 16, AdamW lr 1e-3, 50 steps.
    func gptChar() -> BenchmarkReport {
        Tensor.manualSeed(1)
        var config = LanguageModelTrainingConfig()
        config.gradientClip = 0
        config.warmupSteps = 0
        config.minimumLearningRate = config.learningRate
        let model = LanguageModel.gpt(GPT(GPT.Config(vocabularySize: 65, context: 128, layers: 4, heads: 4, width: 128)))
        var report = BenchmarkReport(workload: "gpt-char")
        report.results = [languageModelTraining(model, config: config, steps: 50)]
        return report
    }

    /// GPT-2 small with random weights: greedy decoding of 64 tokens after a 16-token prompt,
    /// batch 1, with the key/value cache. `generate` is end to end (prompt included), `decode`
    /// the new tokens alone, `prefill` the prompt's forward pass.
    func gpt2Generate() -> BenchmarkReport {
        Tensor.manualSeed(1)
        let gpt = GPT(.gpt2Small)
        gpt.train(false)
        let prompt = (0..<16).map { ($0 * 997) % 50_257 }
        var prefill: [Double] = [], decode: [Double] = [], total: [Double] = []
        for run in 0...Swift.max(1, runs / 2) {
            let decoder = gpt.decoder()
            var sampler = TokenSampler(temperature: 0)
            let t0 = DispatchTime.now().uptimeNanoseconds
            var logits = decoder.nextLogits(after: prompt)
            let t1 = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<64 { logits = decoder.nextLogits(after: [sampler.sample(logits)]) }
            let t2 = DispatchTime.now().uptimeNanoseconds
            guard run > 0 else { continue }   // the first run warms up
            prefill.append(Double(t1 - t0) / 1e6)
            decode.append(64 / (Double(t2 - t1) / 1e9))
            total.append(64 / (Double(t2 - t0) / 1e9))
        }
        var report = BenchmarkReport(workload: "gpt2-generate")
        report.results = [
            BenchmarkFigure(name: "generate", unit: "tokens/s", values: total),
            BenchmarkFigure(name: "decode", unit: "tokens/s", values: decode),
            BenchmarkFigure(name: "prefill", unit: "ms", values: prefill, higherIsBetter: false),
        ]
        return report
    }
}
