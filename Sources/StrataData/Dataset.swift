import StrataCore

/// A batch of examples: model inputs and the targets to learn.
public struct Batch {
    public let inputs: Tensor
    public let targets: Tensor
    public init(inputs: Tensor, targets: Tensor) { self.inputs = inputs; self.targets = targets }
}

/// Examples that can be fetched in batches by index.
///
/// ```swift
/// let data = TensorDataset(inputs: x, targets: y)
/// let first = data.batch([0, 1, 2])
/// ```
public protocol Dataset: Sendable {
    /// Number of examples.
    var count: Int { get }
    /// The examples at `indices`, stacked along a new first axis.
    func batch(_ indices: [Int]) -> Batch
}

/// A dataset held as two tensors whose first axis indexes the examples.
///
/// ```swift
/// let train = TensorDataset(inputs: images, targets: labels)   // [N, 1, 28, 28], [N]
/// let (fit, validation) = train.split(validationFraction: 0.1)
/// ```
public struct TensorDataset: Dataset, Sendable {
    public let inputs: Tensor
    public let targets: Tensor

    public init(inputs: Tensor, targets: Tensor) {
        ensure(inputs.rank >= 1 && targets.rank >= 1 && inputs.shape[0] == targets.shape[0],
                     "TensorDataset: inputs \(inputs.shape) and targets \(targets.shape) must have the same first dimension")
        self.inputs = inputs
        self.targets = targets
    }

    public var count: Int { inputs.shape[0] }

    public func batch(_ indices: [Int]) -> Batch {
        let idx = Tensor(indices.map(Int64.init))
        return withoutGradients {
            Batch(inputs: inputs.indexSelect(axis: 0, indices: idx), targets: targets.indexSelect(axis: 0, indices: idx))
        }
    }

    /// Examples `range` as a new dataset.
    public func subset(_ range: Range<Int>) -> TensorDataset {
        withoutGradients {
            TensorDataset(inputs: inputs.slice(axis: 0, start: range.lowerBound, end: range.upperBound),
                          targets: targets.slice(axis: 0, start: range.lowerBound, end: range.upperBound))
        }
    }

    /// Holds out the last `validationFraction` of the examples, as Keras's `validation_split` does.
    public func split(validationFraction: Double) -> (train: TensorDataset, validation: TensorDataset) {
        ensure(validationFraction > 0 && validationFraction < 1, "split: validationFraction must be in (0, 1), got \(validationFraction)")
        let cut = count - Int((Double(count) * validationFraction).rounded())
        return (subset(0..<cut), subset(cut..<count))
    }
}
