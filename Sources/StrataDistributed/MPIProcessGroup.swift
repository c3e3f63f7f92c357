import Foundation
import StrataCore

/// A `ProcessGroup` over an Open MPI communicator (`MPI_COMM_WORLD` or a split of it).
/// Calls are serialised with a lock (MPI is initialised with `MPI_THREAD_SERIALIZED`).
public final class MPIProcessGroup: ProcessGroup, @unchecked Sendable {   // immutable; MPI calls under `lock`
    let mpi: MPILibrary
    let communicator: MPILibrary.Handle
    public let rank: Int
    public let worldSize: Int
    private let lock: NSLock

    init(mpi: MPILibrary, communicator: MPILibrary.Handle, lock: NSLock) {
        self.mpi = mpi
        self.communicator = communicator
        self.lock = lock
        var r: Int32 = 0, n: Int32 = 0
        Self.check(mpi.commRank(communicator, &r), "MPI_Comm_rank")
        Self.check(mpi.commSize(communicator, &n), "MPI_Comm_size")
        rank = Int(r)
        worldSize = Int(n)
    }

    public var backendDescription: String { "\(mpi.versionString), \(worldSize) processes" }

    /// MPI's error handler on the world communicator aborts the job by default; a non-zero
    /// code here means it was changed, and the collective state is unknown.
    static func check(_ code: Int32, _ call: String) {
        ensure(code == 0, "\(call) failed with MPI error \(code)")
    }

    /// MPI counts are `int`: larger buffers go in pieces of at most 2^30 elements.
    private static let maxCount = 1 << 30

    private func pieces(_ count: Int, _ body: (_ offset: Int, _ count: Int32) -> Void) {
        var offset = 0
        while offset < count {
            let n = Swift.min(Self.maxCount, count - offset)
            body(offset, Int32(n))
            offset += n
        }
    }

    public func allReduce(_ buffer: UnsafeMutableBufferPointer<Float>, _ operation: ReduceOperation) {
        allReduce(buffer, datatype: mpi.float, operation)
    }

    public func allReduce(_ buffer: UnsafeMutableBufferPointer<Double>, _ operation: ReduceOperation) {
        allReduce(buffer, datatype: mpi.double, operation)
    }

    /// In-place MPI_Allreduce of `buffer`, whose elements are the MPI `datatype`, in pieces; the
    /// average is the sum divided by the number of processes.
    private func allReduce<T: BinaryFloatingPoint>(_ buffer: UnsafeMutableBufferPointer<T>, datatype: MPILibrary.Handle,
                                                   _ operation: ReduceOperation) {
        guard let base = buffer.baseAddress, !buffer.isEmpty else { return }
        lock.withLock {
            pieces(buffer.count) { offset, n in
                Self.check(mpi.allreduce(MPILibrary.inPlace, base + offset, n, datatype, op(operation), communicator), "MPI_Allreduce")
            }
        }
        if operation == .average {
            let scale = 1 / T(worldSize)
            for i in buffer.indices { buffer[i] *= scale }
        }
    }

    public func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) {
        ensure(root >= 0 && root < worldSize, "ProcessGroup.broadcast: root \(root) is not in 0..<\(worldSize)")
        guard let base = buffer.baseAddress, !buffer.isEmpty else { return }
        lock.withLock {
            pieces(buffer.count) { offset, n in
                Self.check(mpi.bcast(base + offset, n, mpi.byte, Int32(root), communicator), "MPI_Bcast")
            }
        }
    }

    public func allGather(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>) {
        ensure(output.count == input.count * worldSize,
               "ProcessGroup.allGather: output holds \(output.count) elements, needs \(input.count) x \(worldSize)")
        ensure(input.count <= Self.maxCount, "ProcessGroup.allGather: \(input.count) elements per process is over MPI's limit")
        guard !input.isEmpty else { return }
        lock.withLock {
            Self.check(mpi.allgather(input.baseAddress, Int32(input.count), mpi.float, output.baseAddress, Int32(input.count), mpi.float, communicator),
                       "MPI_Allgather")
        }
    }

    public func reduceScatter(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>) {
        ensure(input.count == output.count * worldSize,
               "ProcessGroup.reduceScatter: input holds \(input.count) elements, needs \(output.count) x \(worldSize)")
        ensure(output.count <= Self.maxCount, "ProcessGroup.reduceScatter: \(output.count) elements per process is over MPI's limit")
        guard !output.isEmpty else { return }
        lock.withLock {
            Self.check(mpi.reduceScatterBlock(input.baseAddress, output.baseAddress, Int32(output.count), mpi.float, mpi.opSum, communicator),
                       "MPI_Reduce_scatter_block")
        }
    }

    public func barrier() {
        lock.withLock { Self.check(mpi.barrier(communicator), "MPI_Barrier") }
    }

    public func split(color: Int, key: Int) -> ProcessGroup {
        ensure(color >= 0 && color <= Int(Int32.max) && abs(key) <= Int(Int32.max), "ProcessGroup.split: color \(color) / key \(key) out of range")
        var sub: MPILibrary.Handle?
        lock.withLock { Self.check(mpi.commSplit(communicator, Int32(color), Int32(key), &sub), "MPI_Comm_split") }
        guard let sub else { ensureFailure("MPI_Comm_split returned no communicator") }
        return MPIProcessGroup(mpi: mpi, communicator: sub, lock: lock)
    }

    private func op(_ operation: ReduceOperation) -> MPILibrary.Handle {
        operation == .max ? mpi.opMax : mpi.opSum
    }
}
