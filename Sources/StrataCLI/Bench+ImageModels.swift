import Foundation
import Strata

extension BenchCommand {
    /// MLP 784-512(ReLU)-10, softmax cross-entropy, Adam 1e-3, batch 128: one epoch over
    /// 60,000 synthetic samples (uniform inputs, random labels); inference at batch 1000.
    func mlpMNIST() -> BenchmarkReport {
        var report = BenchmarkReport(workload: "mlp-mnist")
        Tensor.manualSeed(1)
        let n = 60_000
        var rng = RandomGenerator(seed: 1)
        let x = Tensor.uniform([n, 784], generator: &rng)
        let y = Tensor((0..<n).map { _ in Int64(rng.nextInt(below: 10)) })
        let model = Sequential(Linear(784, 512), ReLU(), Linear(512, 10))
        let trainer = Trainer(model: model, optimizer: Adam(model.parameters(), learningRate: 1e-3), metrics: [])
        trainer.verbose = false
        let loader = DataLoader(TensorDataset(inputs: x, targets: y), batchSize: 128, shuffle: true, seed: 1)
        let epochs = Swift.max(2, runs)
        let train = Measure.repeated(runs: epochs, warmup: 1) { try! trainer.fit(loader, epochs: trainer.epoch + 1) }
        report.results.append(BenchmarkFigure(name: "train", unit: "samples/s", values: train.map { Double(n) / $0 }))
        let infer = Measure.repeated(runs: runs) { _ = trainer.predict(x, batchSize: 1000) }
        report.results.append(BenchmarkFigure(name: "infer", unit: "samples/s", values: infer.map { Double(n) / $0 }))
        return report
    }

    /// The cnn-mnist network (no dropout), Adam, batch 64, 200 steps on synthetic 28x28 inputs.
    func cnnMNIST() -> BenchmarkReport {
        var report = BenchmarkReport(workload: "cnn-mnist")
        Tensor.manualSeed(1)
        let steps = 200, batch = 64
        var rng = RandomGenerator(seed: 2)
        let x = Tensor.uniform([steps * batch, 1, 28, 28], generator: &rng)
        let y = Tensor((0..<(steps * batch)).map { _ in Int64(rng.nextInt(below: 10)) })
        let model = ConvNet(ConvNet.Config(dropout: 0))
        let trainer = Trainer(model: model, optimizer: Adam(model.parameters(), learningRate: 1e-3), metrics: [])
        trainer.verbose = false
        let loader = DataLoader(TensorDataset(inputs: x, targets: y), batchSize: batch, shuffle: true, seed: 2)
        let train = Measure.repeated(runs: Swift.max(2, runs / 2), warmup: 1) { try! trainer.fit(loader, epochs: trainer.epoch + 1) }
        report.results.append(BenchmarkFigure(name: "train", unit: "samples/s", values: train.map { Double(steps * batch) / $0 }))
        return report
    }
}
