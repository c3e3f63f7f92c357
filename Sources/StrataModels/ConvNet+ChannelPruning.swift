import StrataCore
import StrataNN

extension ConvNet {
    /// A narrower copy of this network: each convolution keeps the `fraction` of its output
    /// channels whose filters have the largest L1 norms (Li et al. 2017, "Pruning Filters for
    /// Efficient ConvNets"), and the layer after it keeps only the inputs those channels feed: the
    /// second convolution's matching input channels, and the hidden layer's columns of the kept
    /// channels' pixels. Structured pruning, unlike zeroing weights, shrinks the tensors, so the
    /// pruned model is smaller on disk and faster. Fine-tune it afterwards to recover accuracy.
    ///
    /// Removing a channel whose filter and bias are zero does not change the output.
    ///
    /// ```swift
    /// let half = cnn.keepingChannels(fraction: 0.5)   // 16 and 32 channels instead of 32 and 64
    /// half.config.channels                            // [16, 32]
    /// ```
    public func keepingChannels(fraction: Double) -> ConvNet {
        ensure(fraction > 0 && fraction <= 1, "keepingChannels: fraction must be in (0, 1], got \(fraction)")
        func strongest(_ conv: Conv2D) -> [Int] {
            let out = conv.weight.shape[0]
            let count = Swift.max(1, Int((Double(out) * fraction).rounded()))
            let norms = withoutGradients { conv.weight.reshaped([out, -1]).abs().sum(axis: 1) }.doubles   // [out]
            // Largest norms first; ties keep the lower index. Then back to channel order.
            let ranked = norms.indices.sorted { norms[$0] != norms[$1] ? norms[$0] > norms[$1] : $0 < $1 }
            return ranked.prefix(count).sorted()
        }
        func indices(_ list: [Int]) -> Tensor { Tensor(list.map(Int64.init)) }
        let keep1 = strongest(conv1), keep2 = strongest(conv2)
        var narrower = config
        narrower.channels = [keep1.count, keep2.count]
        let pruned = ConvNet(narrower)
        let area = (config.imageSize / 4) * (config.imageSize / 4)
        let columns = keep2.flatMap { c in (c * area)..<((c + 1) * area) }   // fc1's inputs: channel-major [C2, 7, 7]
        withoutGradients {
            pruned.conv1.weight.assign(conv1.weight.indexSelect(axis: 0, indices: indices(keep1)))
            pruned.conv2.weight.assign(conv2.weight.indexSelect(axis: 0, indices: indices(keep2))
                                                   .indexSelect(axis: 1, indices: indices(keep1)))
            if let b = conv1.bias { pruned.conv1.bias?.assign(b.indexSelect(axis: 0, indices: indices(keep1))) }
            if let b = conv2.bias { pruned.conv2.bias?.assign(b.indexSelect(axis: 0, indices: indices(keep2))) }
            pruned.fc1.weight.assign(fc1.weight.indexSelect(axis: 1, indices: indices(columns)))
            if let b = fc1.bias { pruned.fc1.bias?.assign(b) }
            pruned.fc2.weight.assign(fc2.weight)
            if let b = fc2.bias { pruned.fc2.bias?.assign(b) }
        }
        pruned.train(isTraining)
        return pruned
    }
}
