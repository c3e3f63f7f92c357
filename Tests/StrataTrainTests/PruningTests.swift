import Foundation
import Strata
import Testing
import _StrataTestSupport

extension TrainingSuites {
    @Suite("Pruning")
    struct PruningTests {
        @Test func scheduleRisesCubicallyToTheFinalSparsity() {
            GlobalRandom.isolated(seed: 1) {
                let pruning = MagnitudePruning(model: MLP(MLP.Config(inputSize: 4, hiddenSizes: [3], outputSize: 2)), sparsity: 0.8, rampSteps: 100)
                #expect(pruning.scheduledSparsity(step: 0) == 0)
                #expect(abs(pruning.scheduledSparsity(step: 50) - 0.8 * (1 - 0.125)) < 1e-12)
                #expect(pruning.scheduledSparsity(step: 100) == 0.8)
                #expect(pruning.scheduledSparsity(step: 500) == 0.8)
            }
        }

        @Test func globalThresholdZeroesTheSmallestMagnitudes() {
            GlobalRandom.isolated(seed: 2) {
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
        }

        /// 90% of an MLP's weights pruned gradually while it fine-tunes on an MNIST subset: the
        /// pruned weights are exactly zero after every step, and accuracy stays near the dense one.
        @Test func prunedWeightsStayZeroWhileFineTuning() throws {
            try GlobalRandom.isolated(seed: 5) {
                let (train, test) = try mnistSubsets(train: 3_000, test: 1_000)
                let model = MLP(MLP.Config(hiddenSizes: [128], dropout: 0))
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

        /// Channel pruning removes whole filters: with half of each convolution's filters (and
        /// biases) zero, the narrower network keeps exactly the others and computes the same logits.
        @Test func channelPruningKeepsTheStrongestFiltersAndTheOutput() {
            GlobalRandom.isolated(seed: 9) {
                let cnn = ConvNet(ConvNet.Config(dropout: 0))
                cnn.train(false)
                // Zero the even channels of conv1 and the channels below 32 of conv2.
                let dead1 = Set(stride(from: 0, to: 32, by: 2)), dead2 = Set(0..<32)
                func zero(_ conv: Conv2D, _ dead: Set<Int>) {
                    let out = conv.weight.shape[0], per = conv.weight.count / out
                    var w = conv.weight.floats, b = conv.bias!.floats
                    for c in dead { for i in 0..<per { w[c * per + i] = 0 }; b[c] = 0 }
                    conv.weight.assign(Tensor(w, shape: conv.weight.shape))
                    conv.bias!.assign(Tensor(b, shape: conv.bias!.shape))
                }
                zero(cnn.conv1, dead1)
                zero(cnn.conv2, dead2)
                let x = Tensor.randn([3, 1, 28, 28])
                let full = withoutGradients { cnn(x) }
                let half = cnn.keepingChannels(fraction: 0.5)
                #expect(half.config.channels == [16, 32])
                #expect(half.conv1.weight.shape == [16, 1, 3, 3] && half.conv2.weight.shape == [32, 16, 3, 3])
                #expect(half.fc1.weight.shape == [128, 32 * 49])
                #expect(half.parameterCount < cnn.parameterCount / 2 + 2_000)
                // The kept conv1 filters are the odd ones, in order.
                let per = 9
                let odd = stride(from: 1, to: 32, by: 2).flatMap { c in cnn.conv1.weight.floats[(c * per)..<((c + 1) * per)] }
                #expect(half.conv1.weight.floats == odd)
                let narrow = withoutGradients { half(x) }
                let gap = zip(full.floats, narrow.floats).map { abs($0 - $1) }.max()!
                #expect(gap < 1e-4, "largest logit difference \(gap)")
            }
        }

        @Test func convNetConfigWithoutChannelsReadsAsTheDefaultAndBadChannelsAreRefused() throws {
            let old = try JSONDecoder().decode(ConvNet.Config.self, from: Data(#"{"classes":10,"dropout":0.25,"imageSize":28,"inputChannels":1}"#.utf8))
            #expect(old.channels == [32, 64] && old.hidden == 128)
            for bad in [[0, 64], [32, 64, 64], [32, 100_000]] {
                #expect(throws: ConfigError.self) { try ConvNet.Config(channels: bad).validate(source: "test") }
            }
            #expect(throws: ConfigError.self) { try ConvNet.Config(hidden: 0).validate(source: "test") }
        }
    }
}
