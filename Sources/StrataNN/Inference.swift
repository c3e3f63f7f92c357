import StrataCore

/// Evaluation that changes no module: inside `inference { }`, on the calling thread, every module
/// behaves as in evaluation mode (dropout passes its input through, batch normalisation uses its
/// running statistics) and no operation is recorded for autodiff. The modules' own training
/// flags stay as they are, so one thread can evaluate or serve a model while another trains it
/// or serves it too — where `model.train(false)` would flip state that both share. It is
/// PyTorch's `model.eval()` plus `torch.inference_mode()`, scoped to a closure and a thread.
///
/// ```swift
/// let logits = inference { model(x) }   // model.isTraining is unchanged
/// ```
@discardableResult
public func inference<R>(_ body: () throws -> R) rethrows -> R {
    try InferenceMode.active.with(true) { try withoutGradients(body) }
}

/// Whether the calling thread is inside ``inference(_:)``.
public enum InferenceMode {
    static let active = ThreadLocalFlag()

    /// True inside `inference { }` on this thread.
    public static var isActive: Bool { active.value }
}
