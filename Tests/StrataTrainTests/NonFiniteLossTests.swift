import Foundation
import Strata
import Testing

/// A loss that turns NaN or infinite stops training with the epoch and step, before that
/// step's update touches the parameters.
@Suite("Non-finite loss stops training")
struct NonFiniteLossTests {
    @Test func nanLossStopsBeforeTheUpdate() throws {
        let model = Sequential([Linear(8, 4)])
        let trainer = Trainer(model: model, optimizer: SGD(model.parameters(), learningRate: 0.1),
                              loss: { out, targets in
                                  // Finite for the first three batches, NaN from the fourth.
                                  crossEntropy(logits: out, targets: targets) * (nanFromFourth.next())
                              })
        trainer.verbose = false
        let before = model.parameters().map { $0.floats }
        var after: [[Float]] = []
        do {
            try trainer.fit(DataLoader(clusters(count: 64), batchSize: 8), epochs: 2)
            Issue.record("training with a NaN loss finished without an error")
        } catch let error as NonFiniteLossError {
            #expect(error.epoch == 1 && error.step == 4, "\(error)")
            #expect(error.loss.isNaN)
            #expect("\(error)".contains("epoch 1, step 4"))
            after = model.parameters().map { $0.floats }
        }
        #expect(after.joined().allSatisfy { $0.isFinite }, "the NaN step's update was applied")
        #expect(after != before, "the three good steps were not applied")
    }
}

/// 1, 1, 1, then NaN for ever.
private let nanFromFourth = Counter()

private final class Counter: @unchecked Sendable {
    private var calls = 0
    func next() -> Double {
        calls += 1
        return calls >= 4 ? .nan : 1
    }
}
