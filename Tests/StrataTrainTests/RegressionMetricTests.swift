import Foundation
import Strata
import Testing

/// A regression model trained with `Trainer` reports MAE/MSE, never a meaningless accuracy.
@Suite("Trainer: regression metrics")
struct RegressionMetricTests {
    @Test("y = 2x - 1 learned by a Linear layer: mae and mse fall, no accuracy is reported")
    func regression() throws {
        var rng = RandomGenerator(seed: 5)
        let x = Tensor.uniform([256, 1], low: -1, high: 1, generator: &rng)
        let y = x * 2.0 - 1.0
        let model = Sequential(Linear(1, 1))
        let trainer = Trainer(model: model, optimizer: SGD(model.parameters(), learningRate: 0.1), loss: { mseLoss($0, $1) },
                              metrics: [.meanAbsoluteError, .meanSquaredError, .accuracy])
        trainer.verbose = false
        let history = try trainer.fit(DataLoader(TensorDataset(inputs: x, targets: y), batchSize: 32, prefetch: 0), epochs: 5)
        #expect(history["accuracy"].isEmpty)
        let mae = history["mae"], mse = history["mse"]
        #expect(mae.count == 5 && mse.count == 5)
        #expect(mae.last! < mae.first! && mse.last! < mse.first!)
        // With the mean-squared loss, the epoch's mse is the epoch's mean loss.
        #expect(Swift.abs(mse[0] - history["loss"][0]) < 1e-6 * Swift.max(1, mse[0]))
        let scores = trainer.evaluate(DataLoader(TensorDataset(inputs: x, targets: y), batchSize: 64))
        #expect(scores["mae"].map { $0 < mae.first! } == true)
        #expect(scores["accuracy"] == nil)
    }

    @Test("eval() and zeroGrad() are PyTorch's names for train(false) and zeroGradients()")
    func familiarNames() {
        let model = Sequential(Linear(2, 2), Dropout(0.5))
        model.eval()
        #expect(!model.isTraining && model.namedChildren().allSatisfy { !$0.1.isTraining })
        let optimizer = SGD(model.parameters(), learningRate: 0.1)
        let x = Tensor([[1, 2]] as [[Float]])
        model(x).sum().backward()
        #expect(model.parameters().allSatisfy { $0.grad != nil })
        optimizer.zeroGrad()
        #expect(model.parameters().allSatisfy { $0.grad == nil })
    }
}
