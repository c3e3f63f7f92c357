import Foundation
import Strata

extension DistillCommand {
    /// Distils a language-model teacher into a narrower GPT: the teacher's corpus, tokenizer,
    /// batch size, context and schedule (from its checkpoint's `training` metadata), the
    /// teacher's layers and heads at `--hidden` width (half the teacher's by default), and, with
    /// `--baseline`, the same student trained alone with the same initialisation and windows.
    /// Reports the loss over the whole validation part for the teacher and each student.
    func distillLanguageModel(_ teacherModel: LanguageModel, tokenizer: Tokenizer, metadata: [String: String]) throws {
        let (corpus, corpusPath) = try CompressionSubject.corpus(data: data, metadata: metadata, tokenizer: tokenizer)
        var config = LanguageModelTrainingConfig()
        if let recorded = metadata["training"] {
            do { config = try JSONDecoder().decode(LanguageModelTrainingConfig.self, from: Data(recorded.utf8)) } catch {
                throw UserFacingError("\(teacher): the metadata key 'training' is not a training configuration: \(error)")
            }
            try config.validate(source: "\(teacher): metadata 'training'")
        }
        let gptTeacher: GPT? = if case .gpt(let g) = teacherModel { g } else { nil }
        config.steps = steps ?? config.steps
        config.seed = random.seed
        config.context = gptTeacher?.config.context ?? config.context
        guard corpus.validation.count > config.context + 1, corpus.train.count > config.context + 1 else {
            throw UserFacingError("\(corpusPath): too few tokens for windows of \(config.context)")
        }
        let heads = gptTeacher?.config.heads ?? 4
        let width: Int
        if let hidden {
            guard let sizes = OptionCheck.sizes(hidden, count: 1, in: 1...65_536) else {
                throw UserFacingError("--hidden must be one size in 1...65536 for a gpt student, got '\(hidden)'")
            }
            width = sizes[0]
        } else {
            width = gptTeacher.map { Swift.max(heads, $0.config.width / 2) } ?? 64
        }
        guard channels == nil else { throw UserFacingError("--channels applies to a cnn student") }
        let studentConfig = GPT.Config(vocabularySize: teacherModel.vocabularySize, context: config.context,
                                       layers: gptTeacher?.config.layers ?? 4, heads: heads, width: width, dropout: 0)
        try studentConfig.validate(source: "the student's flags")

        teacherModel.module.train(false)
        let measure = LanguageModelTrainer(model: teacherModel.module, corpus: corpus, config: config) { teacherModel.logits($0) }
        let teacherLoss = measure.validationLoss()
        print(String(format: "teacher %@ (%d parameters): validation loss %.4f", teacherModel.architecture,
                     teacherModel.module.parameterCount, teacherLoss))
        print("student gpt: \(studentConfig.layers) layers, \(heads) heads, width \(width), T = \(temperature), alpha = \(alpha), \(config.steps) steps")

        /// The student after `config.steps` steps (distilled when alpha > 0), and its validation loss.
        func trainStudent(alpha: Double) throws -> (GPT, Double) {
            Tensor.manualSeed(random.seed)
            let model = GPT(studentConfig)
            let lm = LanguageModelTrainer(model: model, corpus: corpus, config: config) { model($0) }
            if alpha > 0 { lm.distill(from: { teacherModel.logits($0) }, temperature: temperature, alpha: alpha) }
            lm.trainer.verbose = true
            print(alpha > 0 ? "distilled student:" : "student alone:")
            try lm.train(validate: false)
            model.train(false)
            return (model, lm.validationLoss())
        }
        let (distilled, distilledLoss) = try trainStudent(alpha: alpha)
        print(String(format: "distilled student (%d parameters): validation loss %.4f", distilled.parameterCount, distilledLoss))
        var result: [String: JSONValue] = [
            "teacher_val_loss": JSONValue(teacherLoss), "teacher_parameters": JSONValue(teacherModel.module.parameterCount),
            "student_parameters": JSONValue(distilled.parameterCount), "student_val_loss": JSONValue(distilledLoss),
            "temperature": JSONValue(temperature), "alpha": JSONValue(alpha), "steps": JSONValue(config.steps),
        ]
        if baseline {
            let (_, aloneLoss) = try trainStudent(alpha: 0)
            print(String(format: "student trained alone: validation loss %.4f", aloneLoss))
            result["student_alone_val_loss"] = JSONValue(aloneLoss)
        }
        var header = CompressionSubject.carried(metadata)
        header["distilled_from"] = teacher
        header["distillation_temperature"] = String(temperature)
        header["distillation_alpha"] = String(alpha)
        header["corpus"] = corpusPath
        let out = output.directory(default: "distill-gpt")
        try LanguageModelCheckpoint.save(.gpt(distilled), tokenizer: tokenizer, to: out, metadata: header)
        print("  wrote \(out)/\(LanguageModelCheckpoint.weightsFile)")
        result["output"] = JSONValue(out)
        if let json = report.json { try MetricsLog.writeResult(result, to: json) }
    }
}
