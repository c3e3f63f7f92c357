import Foundation
import Testing
import Strata

/// The README's examples, kept here so that an API change that breaks them breaks the build.
@Suite("README examples")
struct ReadmeExampleTests {
    @Test func tensorsAndGradients() {
        let x = Tensor([[1, 2], [3, 4]] as [[Float]], requiresGrad: true)
        let w = Tensor([0.5, -1] as [Float], requiresGrad: true)
        let y = (x * w).sum(axes: [1]).tanh()      // broadcasting, reduction, activation
        y.sum().backward()
        // y_i = tanh(s_i), s = [0.5 - 2, 1.5 - 4] = [-1.5, -2.5]; dy/dx_ij = (1 - y_i²) w_j
        let d = [-1.5, -2.5].map { 1 - Foundation.tanh($0) * Foundation.tanh($0) }
        let expectedX = [d[0] * 0.5, -d[0], d[1] * 0.5, -d[1]]
        for (got, want) in zip(x.grad!.doubles, expectedX) { #expect(Swift.abs(got - want) < 1e-6) }
        let expectedW = [d[0] * 1 + d[1] * 3, d[0] * 2 + d[1] * 4]
        for (got, want) in zip(w.grad!.doubles, expectedW) { #expect(Swift.abs(got - want) < 1e-5) }

        var rng = RandomGenerator(seed: 3)
        let probs = Tensor.normal([4, 10], generator: &rng).softmax(axis: -1)
        let rows = probs[1..<3, .all]              // numpy-style slicing
        #expect(rows.shape == [2, 10])
        for s in rows.sum(axes: [1]).doubles { #expect(Swift.abs(s - 1) < 1e-6) }
    }
}

/// The README's training example, verbatim; compiled with the tests (running it takes
/// minutes: `strata train mnist` exercises the same path and CI runs it).
func readmeTrainingExample() throws {
    let train = try MNIST.load(directory: "Data/mnist", split: .train)
    let test = try MNIST.load(directory: "Data/mnist", split: .test)
    Tensor.manualSeed(42)
    let model = MLP(MLP.Config(hiddenSizes: [512, 256], dropout: 0.2))
    let trainer = Trainer(model: model, optimizer: Adam(model.parameters(), learningRate: 1e-3))
    try trainer.fit(DataLoader(train, batchSize: 128, shuffle: true, seed: 42), epochs: 5,
                    validation: DataLoader(test, batchSize: 1000),
                    callbacks: [EarlyStopping(monitor: "val_loss", patience: 2),
                                ModelCheckpoint(path: "runs/best.safetensors", monitor: "val_accuracy", saveBestOnly: true)])
    print(trainer.evaluate(DataLoader(test, batchSize: 1000)))   // ["loss": ..., "accuracy": ...]
}
