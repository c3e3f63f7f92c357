import Foundation
import Strata
import Testing

// Metric.accuracy and .topK on hand-made scores, and History.

/// Four samples, three classes.
///   sample 0: class 1 scores highest               (target 1: top-1)
///   sample 1: order 0 > 1 > 2                      (target 1: second)
///   sample 2: order 2 > 0 = 1                      (target 0: tied second)
///   sample 3: order 2 > 0 = 1                      (target 1: tied second)
private let scores = Tensor([[0.1, 0.7, 0.2],
                             [0.5, 0.3, 0.2],
                             [0.2, 0.2, 0.6],
                             [0.3, 0.3, 0.4]] as [[Float]])
private let targets = Tensor([1, 1, 0, 1] as [Int64])

/// Returns its input: the inputs are the scores.
private final class Identity: Module {
    override func callAsFunction(_ input: Tensor) -> Tensor { input }
}

@Suite("Metric")
struct MetricTests {
    @Test("accuracy counts samples whose highest score is the target")
    func accuracy() {
        #expect(Metric.accuracy.correctCount(outputs: scores, targets: targets) == 1)
        #expect(Metric.accuracy.correctCount(outputs: scores, targets: Tensor([1, 0, 2, 2] as [Int64])) == 4)
        #expect(Metric.accuracy.correctCount(outputs: scores, targets: Tensor([0, 2, 1, 0] as [Int64])) == 0)
    }

    @Test("topK counts targets among the k highest scores; ties with the target count in its favour")
    func topK() {
        #expect(Metric.topK(1).correctCount(outputs: scores, targets: targets) == 1)
        #expect(Metric.topK(2).correctCount(outputs: scores, targets: targets) == 4)
        #expect(Metric.topK(3).correctCount(outputs: scores, targets: targets) == 4)
        // Last place: only k = 3 finds it.
        let last = Tensor([0, 2, 0, 0] as [Int64])
        #expect(Metric.topK(1).correctCount(outputs: scores, targets: last) == 0)
        #expect(Metric.topK(2).correctCount(outputs: scores, targets: last) == 2)   // samples 2, 3 (tied)
        #expect(Metric.topK(3).correctCount(outputs: scores, targets: last) == 4)
        // A tie for first place counts as correct for either class.
        let tie = Tensor([[0.5, 0.5, 0.1]] as [[Float]])
        #expect(Metric.accuracy.correctCount(outputs: tie, targets: Tensor([0] as [Int64])) == 1)
        #expect(Metric.accuracy.correctCount(outputs: tie, targets: Tensor([1] as [Int64])) == 1)
    }

    @Test("a NaN score (a diverged model) is never counted correct")
    func nanScores() {
        let diverged = Tensor([[Float.nan, .nan, .nan], [0.1, 0.9, 0.0], [.nan, 0.2, 0.1]] as [[Float]])
        let labels = Tensor([0, 1, 0] as [Int64])
        #expect(Metric.accuracy.correctCount(outputs: diverged, targets: labels) == 1)
        #expect(Metric.topK(3).correctCount(outputs: diverged, targets: labels) == 1)
    }

    @Test("metrics read float64 scores and int32 targets too")
    func otherDTypes() {
        let doubles = scores.cast(to: .float64)
        #expect(Metric.accuracy.correctCount(outputs: doubles, targets: targets.cast(to: .int32)) == 1)
        #expect(Metric.topK(2).correctCount(outputs: doubles, targets: targets.cast(to: .int32)) == 4)
    }

    @Test("names used in logs")
    func names() {
        #expect(Metric.accuracy.name == "accuracy")
        #expect(Metric.topK(5).name == "top5_accuracy")
    }

    @Test("Trainer.evaluate averages the loss and the metrics over all batches")
    func evaluateAverages() {
        let model = Identity()
        let trainer = Trainer(model: model, optimizer: SGD([], learningRate: 0.1), metrics: [.accuracy, .topK(2)])
        trainer.verbose = false
        // Batches of 3 and 1: the figures are per sample, not per batch.
        let result = trainer.evaluate(DataLoader(TensorDataset(inputs: scores, targets: targets), batchSize: 3))
        #expect(result["accuracy"] == 0.25)
        #expect(result["top2_accuracy"] == 1.0)
        let loss = crossEntropy(logits: scores, targets: targets).item()
        #expect(abs(result["loss"]! - loss) < 1e-6, "\(result)")
        #expect(Set(result.keys) == ["loss", "accuracy", "top2_accuracy"])
    }
}

@Suite("History")
struct HistoryTests {
    @Test("records one value per epoch for each key and round-trips through JSON")
    func records() throws {
        var history = History()
        #expect(history.epochs == 0)
        #expect(history["loss"] == [])
        history.record(["loss": 1.5, "accuracy": 0.25])
        history.record(["loss": 0.75, "accuracy": 0.5, "val_loss": 0.8])
        #expect(history.epochs == 2)
        #expect(history["loss"] == [1.5, 0.75])
        #expect(history["val_loss"] == [0.8])
        let decoded = try JSONDecoder().decode(History.self, from: JSONEncoder().encode(history))
        #expect(decoded == history)
    }
}
