import Foundation
import Strata
import Testing
import _StrataTestSupport

// Callbacks (EarlyStopping, ModelCheckpoint, MetricsLogger, TrainingCurvesWriter,
// LearningRateScheduler), gradient accumulation and clipping in Trainer.fit.

/// A small classifier on 8 features and 4 classes, initialised from a generator of its own:
/// the same `seed` gives the same model on every call. Nothing in these tests draws random
/// numbers after that (no dropout; loaders shuffle with their own seed).
private func smallModel(seed: UInt64 = 3) -> Sequential {
    GlobalRandom.isolated(seed: seed) { Sequential(Linear(8, 16), ReLU(), Linear(16, 4)) }
}

private func quietTrainer(_ model: Module, learningRate: Double = 0.1) -> Trainer {
    let trainer = Trainer(model: model, optimizer: SGD(model.parameters(), learningRate: learningRate))
    trainer.verbose = false
    return trainer
}

/// Records whether a file exists after each epoch, then removes it, so that the next
/// epoch shows whether it was written again.
private final class FileProbe: Callback {
    let path: String
    var written: [Bool] = []
    init(path: String) { self.path = path }
    override func epochEnded(_ epoch: Int, logs: [String: Double], trainer: Trainer) throws {
        written.append(FileManager.default.fileExists(atPath: path))
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Every (non-empty) line of a text file.
private func lines(_ path: String) throws -> [String] {
    try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
}

extension TrainingSuites {
    @Suite("Callbacks")
    struct CallbackTests {
        @Test("epochValidation runs once an epoch in inference mode; its figures join the logs, history and metrics log as val_...")
        func epochValidationFigures() throws {
            let folder = try ScratchFolder()
            let data = clusters(count: 96)
            let model = smallModel()
            let trainer = quietTrainer(model)
            var calls: [(inference: Bool, step: Int)] = []
            trainer.epochValidation = {
                calls.append((InferenceMode.isActive, trainer.globalStep))
                return ["score": Double(trainer.globalStep), "weight_sum": model.parameters()[0].sum().item()]
            }
            final class LogProbe: Callback {
                var keys: [[String]] = []
                override func epochEnded(_ epoch: Int, logs: [String: Double], trainer: Trainer) throws { keys.append(logs.keys.sorted()) }
            }
            let probe = LogProbe()
            let path = folder.file("metrics.csv")
            try trainer.fit(DataLoader(data, batchSize: 32), epochs: 2, validation: DataLoader(data, batchSize: 96),
                            callbacks: [probe, MetricsLogger(path: path)])
            #expect(calls.map(\.inference) == [true, true] && calls.map(\.step) == [3, 6])
            #expect(trainer.history["val_score"] == [3, 6])
            #expect(trainer.history["val_weight_sum"].count == 2 && trainer.history["val_loss"].count == 2)
            #expect(probe.keys.allSatisfy { $0.contains("val_score") && $0.contains("val_loss") && $0.contains("loss") })
            let header = try lines(path)[0]
            #expect(header.contains("val_score") && header.contains("val_weight_sum"), "\(header)")
        }

        @Test("EarlyStopping ends fit once val_loss has not improved for `patience` epochs")
        func earlyStoppingInFit() throws {
            // The learning rate is 0 after the first epoch, so val_loss stops improving from then on.
            let data = clusters(count: 128)
            let trainer = quietTrainer(smallModel())
            let stopper = EarlyStopping(monitor: "val_loss", patience: 2)
            try trainer.fit(DataLoader(data, batchSize: 32), epochs: 20, validation: DataLoader(data, batchSize: 64),
                            callbacks: [LearningRateScheduler(FirstEpochOnly(first: 0.1)), stopper])
            #expect(trainer.epoch == 3, "history: \(trainer.history["val_loss"])")
            #expect(stopper.stoppedEpoch == 2)
            #expect(stopper.best == trainer.history["val_loss"][0])
            #expect(trainer.history["lr"] == [0.1, 0, 0])
            let losses = trainer.history["val_loss"]
            #expect(losses[1] == losses[0] && losses[2] == losses[0])

            // A new fit continues (stopTraining is reset) until the stopper fires again.
            try trainer.fit(DataLoader(data, batchSize: 32), epochs: 20, validation: DataLoader(data, batchSize: 64),
                            callbacks: [LearningRateScheduler(FirstEpochOnly(first: 0)), EarlyStopping(patience: 1)])
            #expect(trainer.epoch == 5)
        }

        @Test("EarlyStopping counts epochs without improvement, honours minDelta and the accuracy direction")
        func earlyStoppingRules() {
            let trainer = quietTrainer(smallModel())
            func feed(_ stopper: EarlyStopping, _ key: String, _ values: [Double]) -> Int? {
                trainer.stopTraining = false
                for (epoch, value) in values.enumerated() {
                    try! stopper.epochEnded(epoch, logs: [key: value], trainer: trainer)
                    if trainer.stopTraining { return epoch }
                }
                return nil
            }
            // Losses: improvement resets the count.
            #expect(feed(EarlyStopping(patience: 2), "val_loss", [1.0, 0.9, 0.95, 0.8, 0.85, 0.81, 0.7]) == 5)
            // Equal is not better.
            #expect(feed(EarlyStopping(patience: 1), "val_loss", [1.0, 1.0]) == 1)
            // minDelta: improvements smaller than 0.05 do not count.
            #expect(feed(EarlyStopping(patience: 2, minDelta: 0.05), "val_loss", [1.0, 0.97, 0.96, 0.5]) == 2)
            // Accuracy: larger is better (automatic mode reads the name).
            #expect(feed(EarlyStopping(monitor: "val_accuracy", patience: 2), "val_accuracy", [0.5, 0.6, 0.7, 0.65, 0.69, 0.9]) == 4)
            #expect(feed(EarlyStopping(monitor: "val_accuracy", patience: 2), "val_accuracy", [0.5, 0.6, 0.7, 0.8]) == nil)
            // Explicit mode overrides the name.
            #expect(feed(EarlyStopping(monitor: "score", patience: 1, mode: .max), "score", [1, 2, 1]) == 2)
            // A missing figure is ignored.
            #expect(feed(EarlyStopping(patience: 1), "loss", [1, 2, 3]) == nil)
        }

        @Test("ModelCheckpoint with saveBestOnly writes only when the monitored figure improves")
        func checkpointBestOnlyRules() throws {
            let folder = try ScratchFolder()
            let trainer = quietTrainer(smallModel())
            let path = folder.file("best.safetensors")
            let checkpoint = ModelCheckpoint(path: path, monitor: "val_loss", saveBestOnly: true)
            let probe = FileProbe(path: path)
            for (epoch, loss) in [1.0, 0.8, 0.9, 0.8, 0.5, 0.6].enumerated() {
                let logs = ["val_loss": loss]
                try checkpoint.epochEnded(epoch, logs: logs, trainer: trainer)
                try probe.epochEnded(epoch, logs: logs, trainer: trainer)
            }
            #expect(probe.written == [true, true, false, false, true, false])
            #expect(checkpoint.best == 0.5)

            let accuracyPath = folder.file("best-accuracy.safetensors")
            let byAccuracy = ModelCheckpoint(path: accuracyPath, monitor: "val_accuracy", saveBestOnly: true)
            let accuracyProbe = FileProbe(path: accuracyPath)
            for (epoch, accuracy) in [0.5, 0.7, 0.6, 0.9].enumerated() {
                try byAccuracy.epochEnded(epoch, logs: ["val_accuracy": accuracy], trainer: trainer)
                try accuracyProbe.epochEnded(epoch, logs: [:], trainer: trainer)
            }
            #expect(accuracyProbe.written == [true, true, false, true])

            // Without the monitored figure nothing is written; without saveBestOnly every epoch is.
            try ModelCheckpoint(path: path, monitor: "val_loss", saveBestOnly: true).epochEnded(0, logs: ["loss": 1], trainer: trainer)
            #expect(!FileManager.default.fileExists(atPath: path))
            let always = ModelCheckpoint(path: path, saveBestOnly: false)
            let alwaysProbe = FileProbe(path: path)
            for epoch in 0..<3 {
                try always.epochEnded(epoch, logs: ["val_loss": 1], trainer: trainer)
                try alwaysProbe.epochEnded(epoch, logs: [:], trainer: trainer)
            }
            #expect(alwaysProbe.written == [true, true, true])
        }

        @Test("in fit, ModelCheckpoint(saveBestOnly:) writes after epoch 1 only when val_loss stalls; the file holds that epoch")
        func checkpointBestOnlyInFit() throws {
            let folder = try ScratchFolder()
            let data = clusters(count: 128)
            let model = smallModel()
            let trainer = quietTrainer(model)
            let path = folder.file("nested/dir/best.safetensors")
            let probe = FileProbe(path: path)
            try trainer.fit(DataLoader(data, batchSize: 32), epochs: 3, validation: DataLoader(data, batchSize: 64), callbacks: [
                LearningRateScheduler(FirstEpochOnly(first: 0.1)),
                ModelCheckpoint(path: path, saveBestOnly: true, metadata: ["model": "small"]),
                probe,
            ])
            #expect(probe.written == [true, false, false])

            // Saved again without the probe, the checkpoint holds the weights, progress and metadata.
            try ModelCheckpoint(path: path, metadata: ["model": "small"]).epochEnded(2, logs: [:], trainer: trainer)
            let saved = try TrainingCheckpoint.load(path: path)
            #expect(saved.epoch == 3)
            #expect(saved.globalStep == 12)
            #expect(saved.metadata == ["model": "small"])
            #expect(saved.history == trainer.history)
            #expect(maxDifference(snapshot(saved.modelState), snapshot(model.stateDict())) == 0)
            #expect(Set(saved.optimizerState.keys).isSuperset(of: ["step", "lr"]))
        }

        @Test("MetricsLogger writes a CSV header and one row per epoch, appending when a run resumes")
        func metricsLogger() throws {
            let folder = try ScratchFolder()
            let data = clusters(count: 96)
            let trainer = quietTrainer(smallModel())
            let path = folder.file("logs/metrics.csv")
            try trainer.fit(DataLoader(data, batchSize: 32), epochs: 3, validation: DataLoader(data, batchSize: 48),
                            callbacks: [MetricsLogger(path: path)])
            var rows = try lines(path)
            #expect(rows.count == 4, "\(rows)")
            let header = rows[0].split(separator: ",").map(String.init)
            #expect(header.first == "epoch")
            #expect(Set(header) == ["epoch", "loss", "accuracy", "val_loss", "val_accuracy", "lr", "seconds", "train_seconds"])
            for (i, row) in rows.dropFirst().enumerated() {
                let cells = row.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                #expect(cells.count == header.count, "\(row)")
                #expect(cells.first == String(i + 1))
                let loss = Double(cells[header.firstIndex(of: "loss")!])!
                #expect(abs(loss - trainer.history["loss"][i]) <= 1e-4 * max(1, abs(loss)), "row \(row)")
                #expect(Double(cells[header.firstIndex(of: "lr")!]) == 0.1)
            }

            // A trainer that has already done epochs appends to the same file.
            try trainer.fit(DataLoader(data, batchSize: 32), epochs: 5, callbacks: [MetricsLogger(path: path)])
            rows = try lines(path)
            #expect(rows.count == 6, "\(rows)")
            #expect(rows.dropFirst().map { $0.split(separator: ",").first.map(String.init) } == ["1", "2", "3", "4", "5"])

            // A new run (epoch 0) starts the file afresh.
            let fresh = quietTrainer(smallModel())
            try fresh.fit(DataLoader(data, batchSize: 32), epochs: 1, callbacks: [MetricsLogger(path: path)])
            #expect(try lines(path).count == 2)
        }

        @Test("TrainingCurvesWriter writes an SVG after every epoch")
        func trainingCurves() throws {
            let folder = try ScratchFolder()
            let data = clusters(count: 96)
            let trainer = quietTrainer(smallModel())
            let path = folder.file("curves.svg")
            final class SizeProbe: Callback {
                let path: String
                var sizes: [Int] = []
                init(path: String) { self.path = path }
                override func epochEnded(_ epoch: Int, logs: [String: Double], trainer: Trainer) throws {
                    sizes.append(FileManager.default.contents(atPath: path)?.count ?? 0)
                }
            }
            let probe = SizeProbe(path: path)
            try trainer.fit(DataLoader(data, batchSize: 32), epochs: 3, validation: DataLoader(data, batchSize: 48),
                            callbacks: [TrainingCurvesWriter(path: path, title: "Clusters & friends"), probe])
            #expect(probe.sizes.allSatisfy { $0 > 0 }, "\(probe.sizes)")
            let svg = try String(contentsOfFile: path, encoding: .utf8)
            #expect(svg.contains("<svg"))
            #expect(svg.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix("</svg>"))
            #expect(svg.contains("Clusters &amp; friends"), "the title is escaped")
            #expect(svg.contains("loss"))
            #expect(svg.contains("accuracy"))
        }

        @Test("LearningRateScheduler per step sets the rate from the global step")
        func perStepSchedule() throws {
            let data = clusters(count: 64)
            let trainer = quietTrainer(smallModel())
            final class RateProbe: Callback {
                var rates: [Double] = []
                override func batchEnded(_ step: Int, loss: Double, trainer: Trainer) throws { rates.append(trainer.optimizer.learningRate) }
            }
            let probe = RateProbe()
            try trainer.fit(DataLoader(data, batchSize: 16), epochs: 2,
                            callbacks: [LearningRateScheduler(StepLR(base: 0.1, stepSize: 3, gamma: 0.5), perStep: true), probe])
            // The scheduler's batchEnded runs before the probe's, after the update of step `globalStep`.
            let expected = (1...8).map { 0.1 * pow(0.5, Double($0 / 3)) }
            #expect(zip(probe.rates, expected).allSatisfy { abs($0 - $1) < 1e-12 }, "\(probe.rates)")
            #expect(trainer.globalStep == 8)
        }
    }

    @Suite("Gradient accumulation and clipping")
    struct AccumulationTests {
        @Test("accumulationSteps 2 with batch 32 makes the same first update as batch 64")
        func accumulationMatchesLargerBatch() throws {
            let data = clusters(count: 64)
            let reference = smallModel(seed: 11)
            let start = snapshot(reference.stateDict())

            func firstUpdate(batchSize: Int, accumulation: Int, shuffle: Bool) throws -> [String: [Double]] {
                let model = smallModel(seed: 11)
                let trainer = quietTrainer(model, learningRate: 0.5)
                trainer.accumulationSteps = accumulation
                try trainer.fit(DataLoader(data, batchSize: batchSize, shuffle: shuffle, seed: 8), epochs: 1)
                #expect(trainer.globalStep == 64 / batchSize / accumulation)
                return snapshot(model.stateDict())
            }
            let large = try firstUpdate(batchSize: 64, accumulation: 1, shuffle: false)
            let accumulated = try firstUpdate(batchSize: 32, accumulation: 2, shuffle: true)
            let accumulatedFour = try firstUpdate(batchSize: 16, accumulation: 4, shuffle: true)
            let small = try firstUpdate(batchSize: 32, accumulation: 1, shuffle: false)

            #expect(maxDifference(large, start) > 1e-3, "the update must move the weights")
            #expect(maxDifference(accumulated, large) < 1e-5, "difference \(maxDifference(accumulated, large))")
            #expect(maxDifference(accumulatedFour, large) < 1e-5, "difference \(maxDifference(accumulatedFour, large))")
            // Two separate updates of 32 end elsewhere: the comparison can tell them apart.
            #expect(maxDifference(small, large) > 1e-4)
        }

        @Test("a last, incomplete accumulation group still makes an update")
        func incompleteGroupUpdates() throws {
            let data = clusters(count: 96)
            let trainer = quietTrainer(smallModel())
            trainer.accumulationSteps = 2
            try trainer.fit(DataLoader(data, batchSize: 32), epochs: 2)   // 3 batches: groups of 2 and 1
            #expect(trainer.globalStep == 4)
        }

        @Test("GradientClipping limits the norm of each update")
        func clipping() throws {
            let data = clusters(count: 64)
            func update(clip: Double?) throws -> Double {
                let model = smallModel(seed: 5)
                let before = snapshot(model.stateDict())
                let trainer = quietTrainer(model, learningRate: 1)
                try trainer.fit(DataLoader(data, batchSize: 64), epochs: 1, callbacks: clip.map { [GradientClipping(maxNorm: $0)] } ?? [])
                let after = snapshot(model.stateDict())
                // With plain SGD and rate 1 the update is minus the (clipped) gradient.
                var squares = 0.0
                for (k, values) in after { for (a, b) in zip(values, before[k]!) { squares += (a - b) * (a - b) } }
                return squares.squareRoot()
            }
            let unclipped = try update(clip: nil)
            #expect(unclipped > 0.1, "the gradient norm \(unclipped) should exceed the clip norm for this test")
            let clipped = try update(clip: 0.05)
            #expect(clipped <= 0.05 * (1 + 1e-5), "update norm \(clipped)")
            #expect(clipped >= 0.05 * (1 - 1e-3), "clipping should scale to the limit, got \(clipped)")
            // A limit above the norm leaves the update alone.
            let loose = try update(clip: unclipped * 2)
            #expect(abs(loose - unclipped) < 1e-6 * unclipped)
        }
    }
}
