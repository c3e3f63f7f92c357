import Foundation
import StrataCore

/// How `allReduce` combines the processes' values.
public enum ReduceOperation: Sendable {
    /// Element-wise sum over the processes.
    case sum
    /// Element-wise mean over the processes (the sum divided by `worldSize`).
    case average
    /// Element-wise maximum over the processes.
    case max
}

/// A set of cooperating processes and the collective operations between them (MPI's
/// communicator, PyTorch's `ProcessGroup`). Every process of the group must call the same
/// collectives in the same order with the same sizes; buffers are updated in place.
///
/// ```swift
/// let group = try DistributedRuntime.worldGroup()      // MPI under mpirun, else one process
/// var values: [Float] = [Float(group.rank)]
/// values.withUnsafeMutableBufferPointer { group.allReduce($0, .sum) }
/// // values == [0 + 1 + ... + (worldSize - 1)] on every process
/// ```
public protocol ProcessGroup: AnyObject, Sendable {
    /// This process's index, `0..<worldSize`.
    var rank: Int { get }
    /// Number of processes in the group.
    var worldSize: Int { get }
    /// A short description, e.g. "Open MPI v4.1.4, 2 processes" or "single process".
    var backendDescription: String { get }

    /// Combines `buffer` element-wise over the processes; every process receives the result.
    func allReduce(_ buffer: UnsafeMutableBufferPointer<Float>, _ operation: ReduceOperation)
    /// Combines `buffer` element-wise over the processes; every process receives the result.
    func allReduce(_ buffer: UnsafeMutableBufferPointer<Double>, _ operation: ReduceOperation)
    /// Copies `root`'s bytes into `buffer` on every process (all buffers have the same size).
    func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int)
    /// Concatenates every process's `input` in rank order into `output`
    /// (`output.count == input.count * worldSize`).
    func allGather(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>)
    /// Sums `input` over the processes and leaves block `rank` of the sum in `output`
    /// (`input.count == output.count * worldSize`).
    func reduceScatter(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>)
    /// Returns once every process has called it.
    func barrier()
    /// Splits the group into sub-groups: processes that pass the same `color` form one, ordered
    /// by `key` (then by rank). Every process of this group must call it.
    func split(color: Int, key: Int) -> ProcessGroup
}

extension ProcessGroup {
    /// True on the process that prints and writes files (rank 0).
    public var isMain: Bool { rank == 0 }

    /// All-reduces a float32 or float64 tensor in place.
    ///
    /// ```swift
    /// group.allReduce(gradient, .average)
    /// ```
    public func allReduce(_ tensor: Tensor, _ operation: ReduceOperation) {
        switch tensor.dtype {
        case .float32: tensor.withUnsafeMutableBuffer(as: Float.self) { allReduce($0, operation) }
        case .float64: tensor.withUnsafeMutableBuffer(as: Double.self) { allReduce($0, operation) }
        default: ensureFailure("ProcessGroup.allReduce: only float32/float64 tensors, not \(tensor.dtype)")
        }
    }

    /// Sums (or averages) a few numbers over the processes, e.g. loss sums and counts for reporting.
    ///
    /// ```swift
    /// let totals = group.allReduce([lossSum, Double(samples)], .sum)
    /// ```
    public func allReduce(_ values: [Double], _ operation: ReduceOperation) -> [Double] {
        var out = values
        out.withUnsafeMutableBufferPointer { allReduce($0, operation) }
        return out
    }

    /// Copies `root`'s elements of `tensor` into `tensor` on every process, in place.
    public func broadcast(_ tensor: Tensor, root: Int = 0) {
        switch tensor.dtype {
        case .float32: tensor.withUnsafeMutableBuffer(as: Float.self) { broadcast(UnsafeMutableRawBufferPointer($0), root: root) }
        case .float64: tensor.withUnsafeMutableBuffer(as: Double.self) { broadcast(UnsafeMutableRawBufferPointer($0), root: root) }
        case .int64: tensor.withUnsafeMutableBuffer(as: Int64.self) { broadcast(UnsafeMutableRawBufferPointer($0), root: root) }
        default: ensureFailure("ProcessGroup.broadcast: unsupported dtype \(tensor.dtype)")
        }
    }

    /// Every process's float32 `tensor` concatenated along axis 0, in rank order.
    public func allGather(_ tensor: Tensor) -> Tensor {
        ensure(tensor.dtype == .float32 && tensor.rank >= 1, "ProcessGroup.allGather: needs a float32 tensor of rank >= 1, got \(tensor.dtype) \(tensor.shape)")
        var dims = tensor.shape.dims
        dims[0] *= worldSize
        let out = Tensor.empty(Shape(dims))
        tensor.withUnsafeBuffer(as: Float.self) { input in
            out.withUnsafeMutableBuffer(as: Float.self) { allGather(input, into: $0) }
        }
        return out
    }

    /// The sum over the processes of the float32 `tensor`, split along axis 0 into `worldSize`
    /// equal blocks, of which this process gets block `rank`.
    public func reduceScatter(_ tensor: Tensor) -> Tensor {
        ensure(tensor.dtype == .float32 && tensor.rank >= 1 && tensor.shape[0] % worldSize == 0,
               "ProcessGroup.reduceScatter: needs a float32 tensor whose first axis (\(tensor.shape)) divides by \(worldSize)")
        var dims = tensor.shape.dims
        dims[0] /= worldSize
        let out = Tensor.empty(Shape(dims))
        tensor.withUnsafeBuffer(as: Float.self) { input in
            out.withUnsafeMutableBuffer(as: Float.self) { reduceScatter(input, into: $0) }
        }
        return out
    }
}
