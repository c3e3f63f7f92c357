import Foundation
import Strata
import Testing
import _StrataTestSupport

// Trainer.fit on the shipped MNIST: it learns, and a run resumed from a checkpoint continues
// exactly as if it had never stopped.

extension TrainingSuites {
    @Suite("Trainer on MNIST")
    struct TrainerMNISTTests {
        @Test("an MLP learns a 2,000-image MNIST subset: loss falls every epoch, test accuracy > 85%")
        func learnsMNIST() throws {
            try GlobalRandom.isolated(seed: 7) {
                let (train, test) = try mnistSubsets(train: 2_000, test: 500)
                let model = MLP(MLP.Config(hiddenSizes: [64], dropout: 0))
                let trainer = Trainer(model: model, optimizer: Adam(model.parameters(), learningRate: 1e-3))
                trainer.verbose = false
                let testLoader = DataLoader(test, batchSize: 250)
                let before = trainer.evaluate(testLoader)

                let history = try trainer.fit(DataLoader(train, batchSize: 64, shuffle: true, seed: 1), epochs: 3,
                                              validation: testLoader)

                #expect(history.epochs == 3)
                #expect(trainer.epoch == 3)
                #expect(trainer.globalStep == 3 * 32)   // ceil(2000 / 64) updates per epoch
                for key in ["loss", "accuracy", "val_loss", "val_accuracy", "lr", "seconds"] {
                    #expect(history[key].count == 3, "history['\(key)'] = \(history[key])")
                }
                let loss = history["loss"], accuracy = history["val_accuracy"]
                #expect(loss[1] < loss[0] && loss[2] < loss[1], "training loss per epoch: \(loss)")
                #expect(history["accuracy"][2] > history["accuracy"][0], "training accuracy: \(history["accuracy"])")
                #expect(accuracy[2] > 0.85, "test accuracy per epoch: \(accuracy)")
                #expect(history["lr"] == [1e-3, 1e-3, 1e-3])

                // The untrained model is at chance; evaluate agrees with the last validation figures.
                #expect(before["accuracy"]! < 0.3, "accuracy before training: \(before)")
                let after = trainer.evaluate(testLoader)
                #expect(abs(after["accuracy"]! - accuracy[2]) < 1e-12)
                #expect(abs(after["loss"]! - history["val_loss"][2]) < 1e-9)
                #expect(model.isTraining, "evaluate must restore training mode")

                // predict gives the same classes as the evaluation.
                let scores = trainer.predict(test.inputs, batchSize: 128)
                #expect(scores.shape == [500, 10])
                #expect(abs(Double(Metric.accuracy.correctCount(outputs: scores, targets: test.targets)) / 500 - accuracy[2]) < 1e-12)
            }
        }

        @Test("a run resumed from its epoch-1 checkpoint equals the uninterrupted run exactly (with dropout)")
        func exactResume() throws {
            // A generator of this test's own (dropout draws from it; the checkpoint saves and restores
            // it): tests running in parallel neither draw from it nor reseed it.
            try GlobalRandom.isolated {
                let (train, validation) = try mnistSubsets(train: 1_024, test: 256)
                let loader = DataLoader(train, batchSize: 64, shuffle: true, seed: 5)
                let validationLoader = DataLoader(validation, batchSize: 128)
                let (full, resumed, unrestored) = try resumeExperiment(loader: loader, validation: validationLoader,
                                                                      folder: try ScratchFolder())

                #expect(resumed.history.epochs == 2)
                for key in ["loss", "accuracy", "val_loss", "val_accuracy", "lr"] {
                    #expect(resumed.history[key] == full.history[key], "\(key): resumed \(resumed.history[key]), uninterrupted \(full.history[key])")
                }
                #expect(resumed.globalStep == full.globalStep)
                #expect(maxDifference(resumed.weights, full.weights) == 0, "final weights differ")
                #expect(maxDifference(resumed.optimizer, full.optimizer) == 0, "final optimizer state differs")
                #expect(resumed.checkpoint == full.checkpoint, "the epoch-2 checkpoints differ")

                // The dropout masks matter: without the saved generator state, epoch 2 goes differently.
                #expect(unrestored.history["loss"][1] != full.history["loss"][1])
                #expect(maxDifference(unrestored.weights, full.weights) > 0)
            }
        }
    }
}

/// What a run left behind.
private struct RunOutcome {
    var history: History
    var weights: [String: [Double]]
    var optimizer: [String: [Double]]
    var globalStep: Int
    /// The tensors of the checkpoint written after the last epoch.
    var checkpoint: [String: [Double]]
}

/// An MLP with dropout, the same on every call (its weights come from a generator seeded with 2024).
private func makeTrainer() -> Trainer {
    let mlp = GlobalRandom.isolated(seed: 2024) { MLP(MLP.Config(hiddenSizes: [32], dropout: 0.5)) }
    let trainer = Trainer(model: mlp, optimizer: Adam(mlp.parameters(), learningRate: 1e-3))
    trainer.verbose = false
    return trainer
}

private func outcome(_ trainer: Trainer, checkpoint path: String) throws -> RunOutcome {
    RunOutcome(history: trainer.history, weights: snapshot(trainer.model.stateDict()),
               optimizer: snapshot(trainer.optimizer.stateDict()), globalStep: trainer.globalStep,
               checkpoint: snapshot(try SafeTensors.load(path: path).tensors))
}

/// Runs the uninterrupted 2-epoch run, a 1-epoch run whose checkpoint is kept, a run resumed from
/// that checkpoint, and one resumed without the generator state, drawing from the generator in
/// effect (the caller's isolated one).
private func resumeExperiment(loader: DataLoader, validation: DataLoader, folder: ScratchFolder) throws
    -> (full: RunOutcome, resumed: RunOutcome, unrestored: RunOutcome)
{
    let seed: UInt64 = 99

    // 1. Uninterrupted: two epochs, a checkpoint after each.
    let fullTrainer = makeTrainer()
    Tensor.manualSeed(seed)
    let fullPath = folder.file("full.safetensors")
    try fullTrainer.fit(loader, epochs: 2, validation: validation, callbacks: [ModelCheckpoint(path: fullPath)])
    let full = try outcome(fullTrainer, checkpoint: fullPath)

    // 2. A first run that stops after one epoch; keep a copy of its checkpoint.
    let firstTrainer = makeTrainer()
    Tensor.manualSeed(seed)
    let firstPath = folder.file("first.safetensors")
    try firstTrainer.fit(loader, epochs: 1, validation: validation, callbacks: [ModelCheckpoint(path: firstPath)])
    let keptPath = folder.file("epoch1.safetensors")
    try FileManager.default.copyItem(atPath: firstPath, toPath: keptPath)
    let checkpoint = try TrainingCheckpoint.load(path: keptPath)
    #expect(checkpoint.epoch == 1)
    #expect(checkpoint.globalStep == loader.batchCount)
    // The saved generator state is where the last training batch left it (validation draws nothing).
    #expect(checkpoint.randomState == GlobalRandom.with { $0.state })
    var replay = RandomGenerator(seed: seed)
    for _ in 0..<(loader.dataset.count * 32) { _ = replay.next() }   // one Dropout draw per hidden unit and image
    #expect(checkpoint.randomState == replay.state, "something besides dropout drew from the generator during epoch 1")

    // 3. A fresh trainer, built the same way, with the generator elsewhere: restore and finish.
    let resumedTrainer = makeTrainer()
    Tensor.manualSeed(12_345)
    try checkpoint.restore(into: resumedTrainer)
    #expect(resumedTrainer.epoch == 1)
    #expect(resumedTrainer.history.epochs == 1)
    let resumedPath = folder.file("resumed.safetensors")
    try resumedTrainer.fit(loader, epochs: 2, validation: validation, callbacks: [ModelCheckpoint(path: resumedPath)])
    #expect(resumedTrainer.epoch == 2)
    let resumed = try outcome(resumedTrainer, checkpoint: resumedPath)

    // 4. The same, but the generator is reseeded after the restore: the dropout masks differ.
    let unrestoredTrainer = makeTrainer()
    try checkpoint.restore(into: unrestoredTrainer)
    Tensor.manualSeed(12_345)
    let unrestoredPath = folder.file("unrestored.safetensors")
    try unrestoredTrainer.fit(loader, epochs: 2, validation: validation, callbacks: [ModelCheckpoint(path: unrestoredPath)])
    let unrestored = try outcome(unrestoredTrainer, checkpoint: unrestoredPath)

    return (full, resumed, unrestored)
}
