import Foundation
import Testing
import Strata
import _StrataTestSupport

extension TrainingSuites {
    /// Damaged training checkpoints of a small MLP (raw bytes, header JSON, each metadata value:
    /// epoch, step, history, random state): every case must end in a `FileError`,
    /// or load weights that run; never a crash or a hang.
    @Suite("TrainingCheckpoint fuzzing")
    struct TrainingCheckpointFuzzTests {
        @Test("TrainingCheckpoint.load and loadWeights into an MLP")
        func fuzz() throws {
            try GlobalRandom.isolated(seed: 11) {
                let scratch = try FuzzDirectory("training-checkpoint")
                let model = MLP(MLP.Config(inputSize: 6, hiddenSizes: [5], outputSize: 3, dropout: 0))
                let trainer = Trainer(model: model, optimizer: Adam(model.parameters(), learningRate: 0.01))
                trainer.verbose = false
                let inputs = Tensor((0..<24).map { Float($0 % 7) / 7 }, shape: [4, 6])
                let data = TensorDataset(inputs: inputs, targets: Tensor([0, 1, 2, 1] as [Int64]))
                try trainer.fit(DataLoader(data, batchSize: 4), epochs: 1)
                try TrainingCheckpoint.save(trainer: trainer, metadata: ["model": "mlp"], to: scratch.path + "/checkpoint.safetensors")
                let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: scratch.path + "/checkpoint.safetensors")))

                let cases = try FuzzCheckpoint.safetensorsCases(original, file: "checkpoint.safetensors", seed: 0x7C4)
                let summary = FuzzCheckpoint.run("training checkpoint", directory: scratch.path, cases: cases,
                                                 expected: { $0 is FileError }) {
                    let checkpoint = try TrainingCheckpoint.load(path: scratch.path + "/checkpoint.safetensors")
                    try FuzzRun.check(checkpoint.epoch >= 0 && checkpoint.globalStep >= 0,
                                      "epoch \(checkpoint.epoch), step \(checkpoint.globalStep)")
                    try checkpoint.loadWeights(into: model)
                    let output = withoutGradients { model(inputs) }
                    try FuzzRun.check(output.shape.dims == [4, 3], "output shape \(output.shape)")
                }
                #expect(summary.passed, "\(summary.report)")
                #expect(summary.errors > 0 && summary.successes > 0)
            }
        }

        /// Found by the fuzz test: a negative epoch or step loaded, and a resumed run counted from it.
        @Test("a negative epoch or step is an error naming the key", arguments: ["epoch", "global_step"])
        func negativeProgressIsAnError(key: String) throws {
            try GlobalRandom.isolated(seed: 12) {
                let scratch = try FuzzDirectory("training-negative")
                let model = Linear(2, 1)
                let path = scratch.path + "/checkpoint.safetensors"
                try TrainingCheckpoint.save(trainer: Trainer(model: model, optimizer: SGD(model.parameters(), learningRate: 0.1)), to: path)
                var (tensors, metadata) = try SafeTensors.load(path: path)
                metadata[key] = "-1"
                try SafeTensors.save(tensors, metadata: metadata, to: path)
                tensors.removeAll()
                let error = #expect(throws: FileError.self) { try TrainingCheckpoint.load(path: path) }
                #expect(error?.description.contains("'\(key)' is missing or not a non-negative integer") == true)
            }
        }
    }
}
