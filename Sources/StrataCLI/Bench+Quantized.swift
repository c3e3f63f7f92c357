import Foundation
import Strata

extension BenchCommand {
    /// The mlp-mnist network (784-512(ReLU)-10) inferring 60,000 synthetic samples at batch 1000:
    /// float32 (BLAS), int8 weights with dynamic int8 activations (integer products, as
    /// torch.ao.quantization.quantize_dynamic), int8 weight-only and int4 (automatic groups: 112 and 32)
    /// weight-only, measured in one run. The "reference" of each quantised figure is the float32 one.
    func mlpMNISTInt8() throws -> BenchmarkReport {
        var report = BenchmarkReport(workload: "mlp-mnist-int8")
        Tensor.manualSeed(1)
        let n = 60_000
        var rng = RandomGenerator(seed: 1)
        let x = Tensor.uniform([n, 784], generator: &rng)
        let model = Sequential(Linear(784, 512), ReLU(), Linear(512, 10))
        model.train(false)
        func infer() -> [Double] {
            Measure.repeated(runs: runs) {
                withoutGradients { for start in stride(from: 0, to: n, by: 1000) { _ = model(x[start..<(start + 1000)]) } }
            }.map { Double(n) / $0 }
        }
        let float = infer()
        report.results.append(BenchmarkFigure(name: "infer-float32", unit: "samples/s", values: float))
        var reference: [BenchmarkFigure] = []
        let variants: [(String, QuantizationSpec)] = [
            ("infer-int8-dynamic", try QuantizationSpec(scheme: "int8", activations: .dynamicInt8)),
            ("infer-int8-weights", try QuantizationSpec(scheme: "int8")),
            ("infer-int4-weights", try QuantizationSpec(scheme: "int4")),
        ]
        for (name, spec) in variants {
            try ModelQuantization.apply(spec, to: model)
            report.results.append(BenchmarkFigure(name: name, unit: "samples/s", values: infer()))
            reference.append(BenchmarkFigure(name: name, unit: "samples/s", values: float))
        }
        report.reference = reference
        return report
    }

    /// gpt2-generate (GPT-2 small shape, random weights, 16-token prompt, 32 greedy tokens) with
    /// float32, int8 and int4 (groups of 32) weights: decoding tokens/s; the reference is float32.
    func gpt2GenerateQuantized() throws -> BenchmarkReport {
        Tensor.manualSeed(1)
        let gpt = GPT(.gpt2Small)
        gpt.train(false)
        let prompt = (0..<16).map { ($0 * 997) % 50_257 }
        func decodeRate(_ model: GPT) -> [Double] {
            var rates: [Double] = []
            for run in 0...Swift.max(1, runs / 2) {
                let decoder = model.decoder()
                var sampler = TokenSampler(temperature: 0)
                var logits = decoder.nextLogits(after: prompt)
                let t0 = DispatchTime.now().uptimeNanoseconds
                for _ in 0..<32 { logits = decoder.nextLogits(after: [sampler.sample(logits)]) }
                let t1 = DispatchTime.now().uptimeNanoseconds
                if run > 0 { rates.append(32 / (Double(t1 - t0) / 1e9)) }   // the first run warms up
            }
            return rates
        }
        var report = BenchmarkReport(workload: "gpt2-generate-quantized")
        let float = decodeRate(gpt)
        report.results.append(BenchmarkFigure(name: "decode-float32", unit: "tokens/s", values: float))
        var reference: [BenchmarkFigure] = []
        for (name, spec) in [("decode-int8", try QuantizationSpec(scheme: "int8")),
                             ("decode-int4", try QuantizationSpec(scheme: "int4", groupSize: 32))] {
            let copy = GPT(.gpt2Small)
            try copy.loadStateDict(gpt.stateDict())
            try ModelQuantization.apply(spec, to: copy)
            copy.train(false)
            report.results.append(BenchmarkFigure(name: name, unit: "tokens/s", values: decodeRate(copy)))
            reference.append(BenchmarkFigure(name: name, unit: "tokens/s", values: float))
        }
        report.reference = reference
        return report
    }
}
