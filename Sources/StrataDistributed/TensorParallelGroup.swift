import StrataCore
import StrataNN

/// ``TensorParallelism`` over a `ProcessGroup`: the processes of `group` share one copy of the
/// sharded layers (Megatron-style). With data parallelism as well, split the world group into
/// tensor-parallel groups of consecutive ranks and data-parallel groups across them
/// (``split(_:tensorParallel:)``).
///
/// ```swift
/// let (tensor, data) = TensorParallelGroup.split(world, tensorParallel: 2)   // 4 processes = 2 x 2
/// gpt.shard(over: tensor)
/// lm.distribute(over: data)
/// ```
public final class TensorParallelGroup: TensorParallelism {
    public let group: ProcessGroup
    public var rank: Int { group.rank }
    public var size: Int { group.worldSize }

    public init(_ group: ProcessGroup) { self.group = group }

    /// The tensor-parallel group of `tensorParallel` consecutive ranks that holds this process,
    /// and the data-parallel group of the processes holding the same shard (one per copy of the
    /// model). `tensorParallel` must divide the world size.
    public static func split(_ world: ProcessGroup, tensorParallel: Int) -> (tensor: TensorParallelGroup, data: ProcessGroup) {
        ensure(tensorParallel >= 1 && world.worldSize % tensorParallel == 0,
               "TensorParallelGroup.split: \(tensorParallel) does not divide \(world.worldSize) processes")
        let tensor = world.split(color: world.rank / tensorParallel, key: world.rank)
        let data = world.split(color: world.rank % tensorParallel, key: world.rank)
        return (TensorParallelGroup(tensor), data)
    }

    public func enterRegion(_ x: Tensor) -> Tensor {
        guard size > 1 else { return x }
        let group = self.group
        let y = withoutGradients { x * 1.0 }
        return Tensor.recordOperation("tensorParallelEnter", output: y, inputs: [x]) { g in
            let sum = withoutGradients { g * 1.0 }
            group.allReduce(sum, .sum)
            return [sum]
        }
    }

    public func leaveRegion(_ x: Tensor) -> Tensor {
        guard size > 1 else { return x }
        let y = withoutGradients { x * 1.0 }
        group.allReduce(y, .sum)
        return Tensor.recordOperation("tensorParallelLeave", output: y, inputs: [x]) { g in [g] }
    }

    public func gather(_ x: Tensor) -> Tensor { size > 1 ? group.allGather(x) : x }
}
