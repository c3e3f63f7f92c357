import Foundation
import Strata

/// `strata train lm`'s report after every evaluation interval: the summary line, a row of
/// metrics.csv, the model directory (weights and tokenizer) and the loss chart, from the
/// trainer's history (so a resumed run's files cover the whole run).
final class LanguageModelReport: Callback {
    let lm: LanguageModelTrainer, out: String, tokenizer: Tokenizer, model: LanguageModel
    let metadata: [String: String], title: String
    /// Only rank 0 writes files; every rank prints (the others' output goes nowhere).
    let writesFiles: Bool
    /// Whether the model file is written at each interval (not while the blocks are sharded over
    /// processes: the command writes it whole at the end).
    let savesModel: Bool
    private var log: MetricsLog?

    init(lm: LanguageModelTrainer, out: String, tokenizer: Tokenizer, model: LanguageModel, metadata: [String: String],
         title: String, writesFiles: Bool, savesModel: Bool = true) {
        self.lm = lm; self.out = out; self.tokenizer = tokenizer; self.model = model
        self.metadata = metadata; self.title = title; self.writesFiles = writesFiles; self.savesModel = savesModel
    }

    override func trainingBegan(trainer: Trainer) throws {
        if writesFiles { log = try MetricsLog(path: "\(out)/metrics.csv", append: trainer.epoch > 0) }
    }

    override func epochEnded(_ epoch: Int, logs: [String: Double], trainer: Trainer) throws {
        let rows = lm.progress()
        guard let row = rows.last else { return }
        print(String(format: "step %5d · train loss %.4f · val loss %.4f · lr %.2e · %.0f tokens/s · %@",
                     row.step, row.trainLoss, row.validationLoss, row.learningRate, row.tokensPerSecond,
                     ProgressBar.formatElapsed(row.elapsedSeconds)))
        fflush(nil)
        guard writesFiles else { return }
        try log?.log([("step", .int(row.step)), ("train_loss", .double(row.trainLoss)), ("val_loss", .double(row.validationLoss)),
                      ("lr", .double(row.learningRate)), ("tokens_per_second", .double(row.tokensPerSecond)),
                      ("seconds", .double(row.elapsedSeconds))])
        if savesModel {
            try LanguageModelCheckpoint.save(model, tokenizer: tokenizer, to: out, metadata: metadata.merging(["step": String(row.step)]) { $1 })
        }
        try TrainLMCommand.lossChart(rows, title: title).write(to: "\(out)/loss.svg")
    }

    override func trainingEnded(trainer: Trainer) throws { log?.close() }
}
