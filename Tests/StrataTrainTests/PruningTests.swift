import Foundation
import Strata
import Testing
import _StrataTestSupport

extension TrainingSuites {
    @Suite("Pruning")
    struct PruningTests {
        @Test func scheduleRisesCubicallyToTheFinalSparsity() {
            let pruning = MagnitudePruning(model: MLP(MLP.Config(inputSize: 4, hiddenSizes: [3], outputSize: 2)), sparsity: 0.8, rampSteps: 100)
            #expect(pruning.scheduledSparsity(step: 0) == 0)
            #expect(abs(pruning.scheduledSparsity(step: 50) - 0.8 * (1 - 0.125)) < 1e-12)
            #expect(pruning.scheduledSparsity(step: 100) == 0.8)
            #expect(pruning.scheduledSparsity(step: 500) == 0.8)
        }

        @Test func globalThresholdZeroesTheSmallestMagnitudes() {
            let model = MLP(MLP.Config(inputSize: 3, hiddenSizes: [2], outputSize: 2))
            let w0 = model.layers[0].weight, w1 = model.layers[1].weight
            w0.assign(Tensor([0.1, -5, 0.3, 4, -0.2, 6] as [Float], shape: [2, 3]))
            w1.assign(Tensor([-0.05, 2, 0.4, -3] as [Float], shape: [2, 2]))
            let pruning = MagnitudePruning(model: model, sparsity: 0.5, rampSteps: 1)
            pruning.prune(to: 0.5)
            #expect(w0.floats == [0, -5, 0, 4, 0, 6])
            #expect(w1.floats == [0, 2, 0, -3])   // 0.05, 0.1, 0.2, 0.3, 0.4: the five smallest of both
            #expect(pruning.sparsity == 0.5)
            #expect(pruning.targets.map(\.name) == ["layers.0.weight", "layers.1.weight"])
        }

        /// 90% of an MLP's weights pruned gradually while it fine-tunes on an MNIST subset: the
        /// pruned weights are exactly zero after every step, and accuracy stays near the dense one.
        @Test func prunedWeightsStayZeroWhileFineTuning() throws {
            let (train, test) = try mnistSubsets(train: 3_000, test: 1_000)
            let model = MLP(MLP.Config(hiddenSizes: [128], dropout: 0))
            reseed(model, seed: 5)
            let trainer = Trainer(model: model, optimizer: Adam(model.parameters(), learningRate: 1e-3))
            trainer.verbose = false
            let loader = DataLoader(train, batchSize: 64, shuffle: true, seed: 3)
            _ = try trainer.fit(loader, epochs: 3)
            let dense = trainer.evaluate(DataLoader(test, batchSize: 500))["accuracy"]!

            final class Watch: Callback {
                let pruning: MagnitudePruning
                var violations = 0
                init(_ pruning: MagnitudePruning) { self.pruning = pruning }
                override func batchEnded(_ step: Int, loss: Double, trainer: Trainer) throws {
                    guard let masks = pruning.masks else { return }
                    for (target, mask) in zip(pruning.targets, masks) {
                        violations += zip(target.tensor.floats, mask.floats).filter { $1 == 0 && $0 != 0 }.count
                    }
                }
            }
            let pruning = MagnitudePruning(model: model, sparsity: 0.9, rampSteps: 2 * loader.batchCount, frequency: 10)
            let watch = Watch(pruning)
            _ = try trainer.fit(loader, epochs: trainer.epoch + 3, callbacks: [pruning, watch])
            #expect(watch.violations == 0)
            #expect(abs(pruning.sparsity - 0.9) < 1e-3, "sparsity \(pruning.sparsity)")
            let pruned = trainer.evaluate(DataLoader(test, batchSize: 500))["accuracy"]!
            #expect(dense - pruned < 0.02, "accuracy \(dense) -> \(pruned)")
        }
    }
}
