import Foundation
import Strata

extension BenchCommand {
    /// SmolLM2-135M-Instruct (Q4_1 GGUF, weights used in place): greedy decoding of 128 tokens
    /// after a 16-token prompt, batch 1, with the key/value cache. `prefill` is the prompt's
    /// forward pass, `decode` the new tokens alone, `generate` both; `load` opens and checks the
    /// file. The model is Models/SmolLM2-135M-Instruct.Q4_1.gguf (or under $STRATA_MODELS).
    func smolLM2Generate() throws -> BenchmarkReport {
        let name = "SmolLM2-135M-Instruct.Q4_1.gguf"
        let path = ProcessInfo.processInfo.environment["STRATA_MODELS"].map { $0 + "/" + name } ?? "Models/" + name
        let t0 = DispatchTime.now().uptimeNanoseconds
        let pretrained = try PretrainedLlama(path: path)
        let (model, tokenizer) = (pretrained.model, pretrained.tokenizer)
        let loadMS = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
        let text = "The history of the lighthouse begins with fires lit on hills near harbours, and"
        let prompt = Array(try tokenizer.encode(text).prefix(16))
        guard prompt.count == 16 else { throw UserFacingError("the benchmark prompt is only \(prompt.count) tokens") }
        let newTokens = 128
        var prefill: [Double] = [], decode: [Double] = [], total: [Double] = []
        for run in 0...Swift.max(1, runs / 2) {
            let decoder = model.decoder()
            decoder.reserve(positions: prompt.count + newTokens)
            var sampler = TokenSampler(temperature: 0)
            let t0 = DispatchTime.now().uptimeNanoseconds
            var logits = decoder.nextLogits(after: prompt)
            let t1 = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<newTokens { logits = decoder.nextLogits(after: [sampler.sample(logits)]) }
            let t2 = DispatchTime.now().uptimeNanoseconds
            guard run > 0 else { continue }   // the first run warms up
            prefill.append(Double(t1 - t0) / 1e6)
            decode.append(Double(newTokens) / (Double(t2 - t1) / 1e9))
            total.append(Double(newTokens) / (Double(t2 - t0) / 1e9))
        }
        var report = BenchmarkReport(workload: "smollm2-generate")
        report.results = [
            BenchmarkFigure(name: "generate", unit: "tokens/s", values: total),
            BenchmarkFigure(name: "decode", unit: "tokens/s", values: decode),
            BenchmarkFigure(name: "prefill", unit: "ms", values: prefill, higherIsBetter: false),
            BenchmarkFigure(name: "load", unit: "ms", values: [loadMS], higherIsBetter: false),
        ]
        return report
    }

    /// Continuous batching's decode step without the server (`Llama.decodeStep`): the same
    /// 16-token prompt prefilled for `sequences` sequences at once, then 64 greedy tokens each,
    /// stepped together; aggregate tokens/s at 1, 4 and 16 sequences, and the ratio of the
    /// medians of 16 and 1.
    func smolLM2Batch() throws -> BenchmarkReport {
        let name = "SmolLM2-135M-Instruct.Q4_1.gguf"
        let path = ProcessInfo.processInfo.environment["STRATA_MODELS"].map { $0 + "/" + name } ?? "Models/" + name
        let pretrained = try PretrainedLlama(path: path)
        let text = "The history of the lighthouse begins with fires lit on hills near harbours, and"
        let prompt = Array(try pretrained.tokenizer.encode(text).prefix(16))
        var report = BenchmarkReport(workload: "smollm2-batch")
        var medians: [Int: Double] = [:]
        for sequences in [1, 4, 16] {
            let figure = BenchmarkFigure(name: "decode batch \(sequences)", unit: "tokens/s",
                                         values: batchedDecode(pretrained.model, prompt: prompt, sequences: sequences, newTokens: 64))
            medians[sequences] = figure.median
            report.results.append(figure)
        }
        report.results.append(BenchmarkFigure(name: "16 / 1", unit: "x", values: [medians[16]! / medians[1]!]))
        return report
    }

    /// Aggregate decoding rate of `sequences` sequences stepped together after a batched
    /// prefill of the same prompt, greedy.
    private func batchedDecode(_ model: Llama, prompt: [Int], sequences: Int, newTokens: Int) -> [Double] {
        var rates: [Double] = []
        for run in 0...Swift.max(1, runs / 2) {
            let caches = (0..<sequences).map { _ in Llama.Cache(model.config) }
            for c in caches { c.reserve(prompt.count + newTokens) }
            var logits = model.nextLogits(Array(repeating: prompt, count: sequences), caches: caches)
            let t0 = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<newTokens {
                let rows = logits.floats, v = logits.shape[1]
                let next = (0..<sequences).map { b in (0..<v).max { rows[b * v + $0] < rows[b * v + $1] }! }
                logits = model.decodeStep(next, caches: caches)
            }
            let t1 = DispatchTime.now().uptimeNanoseconds
            if run > 0 { rates.append(Double(sequences * newTokens) / (Double(t1 - t0) / 1e9)) }
        }
        return rates
    }
}
