import Foundation

/// Training stopped because the loss became NaN or infinite. The step's update was not applied,
/// so the parameters, the checkpoints already written and the metrics logged so far are the last
/// good ones.
///
/// ```swift
/// do { try trainer.fit(loader, epochs: 10) }
/// catch let error as NonFiniteLossError { print(error) }   // "the loss became nan at epoch 3, step 41; ..."
/// ```
public struct NonFiniteLossError: Error, CustomStringConvertible, LocalizedError, Equatable {
    /// The loss value that was not finite.
    public let loss: Double
    /// The epoch (1-based), when training runs in epochs.
    public let epoch: Int?
    /// The step (1-based) within the epoch, or the global step.
    public let step: Int

    public init(loss: Double, epoch: Int? = nil, step: Int) {
        self.loss = loss; self.epoch = epoch; self.step = step
    }

    public var description: String {
        let at = epoch.map { "epoch \($0), step \(step)" } ?? "step \(step)"
        return "the loss became \(loss) at \(at); training stopped before applying that update "
            + "(the last checkpoint and the metrics so far are kept). Try a lower learning rate or gradient clipping."
    }

    public var errorDescription: String? { description }

    /// Throws when `loss` is NaN or infinite.
    static func check(_ loss: Double, epoch: Int? = nil, step: Int) throws {
        guard loss.isFinite else { throw NonFiniteLossError(loss: loss, epoch: epoch, step: step) }
    }
}
