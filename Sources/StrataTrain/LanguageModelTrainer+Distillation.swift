import StrataCore
import StrataNN

extension LanguageModelTrainer {
    /// Makes every training step learn from `teacher` too (knowledge distillation, Hinton et al.
    /// 2015): the loss is `alpha·T²·KL(softmax(teacher/T) ‖ softmax(student/T)) + (1 − alpha)·CE`
    /// over every next-token prediction of the window (``distillationLoss(studentLogits:teacherLogits:targets:temperature:alpha:)``).
    /// `teacher` gives logits `[B, T, vocabulary]` for ids `[B, T]` over the same vocabulary; it
    /// runs without gradients (put its module in evaluation mode first). Validation estimates
    /// stay the plain cross-entropy, so a distilled student and one trained alone compare directly.
    ///
    /// ```swift
    /// let lm = LanguageModelTrainer(model: student, corpus: corpus, config: config) { student($0) }
    /// lm.distill(from: { teacher($0) }, temperature: 2, alpha: 0.5)
    /// try lm.train()
    /// ```
    public func distill(from teacher: @escaping (Tensor) -> Tensor, temperature: Double, alpha: Double) {
        let studentLogits = logits
        trainer.trainStep = { batch in
            let soft = withoutGradients { teacher(batch.inputs) }
            let out = studentLogits(batch.inputs)
            ensure(out.shape == soft.shape, "distill: the student's logits \(out.shape) and the teacher's \(soft.shape) differ")
            return (out, distillationLoss(studentLogits: out, teacherLogits: soft, targets: batch.targets,
                                          temperature: temperature, alpha: alpha))
        }
    }
}
