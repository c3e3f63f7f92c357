import StrataCore

/// Knowledge distillation (Hinton, Vinyals & Dean 2015): the student matches the teacher's
/// outputs softened by `temperature` T, and the true labels:
///
///     loss = α · T² · KL(softmax(teacher / T) ‖ softmax(student / T)) + (1 − α) · CE(student, labels)
///
/// The T² keeps the soft term's gradients on the scale of the hard one as T changes. The
/// teacher's logits are constants (no gradient flows to them); the KL term is averaged over
/// samples. Logits `[N, C]` or `[N, ..., C]` (classes last, as a language model's `[B, T, V]`),
/// targets of the leading shape. Built from `logSoftmax`, products and sums, whose gradients
/// are each tested.
///
/// ```swift
/// let loss = distillationLoss(studentLogits: student(x), teacherLogits: teacherLogits, targets: y,
///                             temperature: 4, alpha: 0.9)
/// ```
public func distillationLoss(studentLogits: Tensor, teacherLogits: Tensor, targets: Tensor,
                             temperature: Double, alpha: Double) -> Tensor {
    ensure(temperature > 0 && temperature.isFinite, "distillationLoss: temperature must be positive, got \(temperature)")
    ensure(alpha >= 0 && alpha <= 1, "distillationLoss: alpha must be in [0, 1], got \(alpha)")
    ensure(studentLogits.shape == teacherLogits.shape,
           "distillationLoss: student logits \(studentLogits.shape) and teacher logits \(teacherLogits.shape) differ")
    let classes = studentLogits.shape[studentLogits.rank - 1]
    let student = studentLogits.reshaped([-1, classes])              // [N, C]
    let teacher = teacherLogits.detached().reshaped([-1, classes])   // [N, C]
    let rows = Double(student.shape[0])
    let logTeacher = (teacher / temperature).logSoftmax(axis: 1)
    let pTeacher = logTeacher.exp()
    let logStudent = (student / temperature).logSoftmax(axis: 1)
    let kl = (pTeacher * (logTeacher - logStudent)).sum() / rows
    let hard = crossEntropy(logits: student, targets: targets.reshaped([-1]))
    return kl * (alpha * temperature * temperature) + hard * (1 - alpha)
}
