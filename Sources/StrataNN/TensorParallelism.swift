import StrataCore

/// The collectives of Megatron-style tensor parallelism (Shoeybi et al. 2019) over the processes
/// that share one copy of a model's layers, each holding a slice of every sharded matrix. A
/// column-parallel layer (its output features split) starts a parallel region, a row-parallel one
/// (its input features split) ends it:
/// - ``enterRegion(_:)`` is Megatron's *f*: the identity forward, the sum of the gradients over
///   the processes backward (each process's slice contributed part of the input's gradient);
/// - ``leaveRegion(_:)`` is *g*: the sum over the processes forward (each holds a partial
///   product), the identity backward.
///
/// `StrataDistributed`'s `TensorParallelGroup` implements it over a `ProcessGroup`; layers that
/// shard themselves (``MultiHeadAttention/shard(over:)``, ``FeedForward/shard(over:)``) call it.
///
/// ```swift
/// let y = tp.leaveRegion(Tensor.linear(tp.enterRegion(x), weight: shardOfW, bias: nil))
/// ```
public protocol TensorParallelism: AnyObject {
    /// This process's index among the `size` that share the layers.
    var rank: Int { get }
    /// The number of processes a sharded layer is split over.
    var size: Int { get }
    /// Identity forward; backward, the gradient summed over the processes.
    func enterRegion(_ x: Tensor) -> Tensor
    /// The sum over the processes forward; identity backward.
    func leaveRegion(_ x: Tensor) -> Tensor
    /// Every process's `x` (float32, the same shape everywhere) stacked along the first axis in
    /// rank order; not recorded for autodiff.
    func gather(_ x: Tensor) -> Tensor
}

/// A copy of `t`'s values in storage of its own, as a gradient-tracking leaf (a parameter).
func ownedLeaf(_ t: Tensor) -> Tensor {
    let copy = withoutGradients { t * 1.0 }
    copy.requiresGrad = true
    return copy
}

/// Shards of a layer's matrices: rows or columns `[rank·n/size, (rank+1)·n/size)`, and their
/// reassembly from every process's shard.
enum TensorParallelSlices {
    /// Rows of this process's part of each of `parts` equal blocks of `w`'s first axis (the
    /// fused query/key/value projection has 3 blocks: each process keeps its heads of each).
    static func rows(_ w: Tensor, parts: Int, _ tp: TensorParallelism) -> Tensor {
        let block = w.shape[0] / parts, local = block / tp.size
        return withoutGradients {
            Tensor.concatenated((0..<parts).map { p in w[(p * block + tp.rank * local)..<(p * block + (tp.rank + 1) * local)] }, axis: 0)
        }
    }

    /// Columns of this process's part of `w` `[out, in]`.
    static func columns(_ w: Tensor, _ tp: TensorParallelism) -> Tensor {
        let local = w.shape[1] / tp.size
        return withoutGradients { w[.all, (tp.rank * local)..<((tp.rank + 1) * local)] }
    }

    /// The whole of a tensor sharded by ``rows(_:parts:_:)``, from every process's shard (collective).
    static func gatherRows(_ shard: Tensor, parts: Int, _ tp: TensorParallelism) -> Tensor {
        let all = tp.gather(withoutGradients { shard * 1.0 })   // [size · parts · local, ...]: rank-major
        let local = shard.shape[0] / parts
        return withoutGradients {
            Tensor.concatenated((0..<parts).flatMap { p in
                (0..<tp.size).map { r in all[(r * parts * local + p * local)..<(r * parts * local + (p + 1) * local)] }
            }, axis: 0)
        }
    }

    /// The whole of a matrix sharded by ``columns(_:_:)`` (collective).
    static func gatherColumns(_ shard: Tensor, _ tp: TensorParallelism) -> Tensor {
        withoutGradients { tp.gather(shard.transposed() * 1.0).transposed() * 1.0 }
    }

    /// This process's shards of a Megatron pair: `first` split by output rows (column-parallel,
    /// in `parts` blocks, bias split too) and `second` by input columns (row-parallel, bias whole).
    static func shard(_ first: Linear, parts: Int, _ second: Linear, _ tp: TensorParallelism) -> (Linear, Linear) {
        (Linear(weight: rows(first.weight, parts: parts, tp), bias: first.bias.map { rows($0, parts: parts, tp) }),
         Linear(weight: columns(second.weight, tp), bias: second.bias))
    }

    /// The whole pair gathered from every process's shards (collective).
    static func gather(_ first: Linear, parts: Int, _ second: Linear, _ tp: TensorParallelism) -> (Linear, Linear) {
        (Linear(weight: gatherRows(first.weight, parts: parts, tp), bias: first.bias.map { gatherRows($0, parts: parts, tp) }),
         Linear(weight: gatherColumns(second.weight, tp), bias: second.bias))
    }

    /// The row-parallel half's output `[N, out]` for its input shard `x` (`[..., in / size]`):
    /// the partial product summed over the processes (*g*), then the whole bias, added once.
    static func rowParallel(_ second: Linear, _ x: Tensor, _ tp: TensorParallelism) -> Tensor {
        let y = tp.leaveRegion(Tensor.linear(x.reshaped([-1, second.weight.shape[1]]), weight: second.weight, bias: nil))
        return second.bias.map { y + $0 } ?? y
    }

    /// The parameters that hold shards after ``shard(_:parts:_:_:)``: the row-split weight and
    /// bias, and the column-split weight (the second bias is whole on every process).
    static func shardedParameters(_ first: Linear, _ second: Linear) -> [Tensor] {
        [first.weight] + (first.bias.map { [$0] } ?? []) + [second.weight]
    }
}
