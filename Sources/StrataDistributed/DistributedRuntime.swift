import Foundation
import StrataCore

/// The process group this process belongs to: Open MPI's world when the process was started by
/// `mpirun` with more than one process, otherwise a single-process group (no MPI needed).
///
/// ```swift
/// // mpirun -np 2 strata train lm ...
/// let group = try DistributedRuntime.worldGroup()
/// print(group.rank, group.worldSize)        // 0 2 and 1 2
/// DistributedRuntime.finalize()             // once, at the end of a successful run
/// ```
public enum DistributedRuntime {
    /// The number of processes the launcher started, from its environment (Open MPI's
    /// `OMPI_COMM_WORLD_SIZE`, or `PMI_SIZE` of PMI launchers); nil when not launched by one.
    public static var launcherWorldSize: Int? {
        let env = ProcessInfo.processInfo.environment
        for key in ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE"] {
            if let value = env[key], let n = Int(value), n >= 1 { return n }
        }
        return nil
    }

    /// The world group, created once: MPI is initialised on first use.
    /// Throws when a launcher started several processes but Open MPI cannot be loaded.
    public static func worldGroup() throws -> ProcessGroup { try world.get() }

    private static let world: Result<ProcessGroup, MPIUnavailable> = {
        guard let size = launcherWorldSize, size > 1 else { return .success(SingleProcessGroup()) }
        switch MPILibrary.shared {
        case .failure(let error):
            return .failure(MPIUnavailable("started as one of \(size) processes, but MPI cannot be used: \(error)"))
        case .success(let mpi):
            var provided: Int32 = 0
            MPIProcessGroup.check(mpi.initThread(nil, nil, MPILibrary.threadSerialized, &provided), "MPI_Init_thread")
            state.withLock { $0.library = mpi }
            // Any exit without `finalize()` (an error on this rank) aborts the whole job at once,
            // so that the other ranks stop instead of waiting in a collective.
            atexit { DistributedRuntime.abortUnlessFinalized() }
            return .success(MPIProcessGroup(mpi: mpi, communicator: mpi.commWorld, lock: NSLock()))
        }
    }()

    private struct State { var library: MPILibrary?; var finalized = false }
    private static let state = LockedState(State())

    /// Which MPI implementation can be loaded, e.g. "Open MPI v4.1.4 (libmpi.so.40)", or why none.
    public static var availability: Result<String, MPIUnavailable> {
        MPILibrary.shared.map { $0.versionString }
    }

    /// Ends MPI after a successful run (every rank must call it). Does nothing without MPI.
    public static func finalize() {
        let mpi: MPILibrary? = state.withLock { s in
            guard let lib = s.library, !s.finalized else { return nil }
            s.finalized = true
            return lib
        }
        guard let mpi else { return }
        var done: Int32 = 0
        _ = mpi.finalized(&done)
        if done == 0 { _ = mpi.finalize() }
    }

    /// Called at exit: a rank leaving without `finalize()` takes the job down with it.
    static func abortUnlessFinalized() {
        let mpi: MPILibrary? = state.withLock { s in s.finalized ? nil : s.library }
        guard let mpi else { return }
        fflush(nil)   // every output stream, stdout included
        let rank = (try? world.get())?.rank ?? -1
        FileHandle.standardError.write(Data("strata: rank \(rank) is exiting with an error; aborting the other MPI processes\n".utf8))
        _ = mpi.abort(mpi.commWorld, 1)
    }
}

/// A value behind a lock.
final class LockedState<Value>: @unchecked Sendable {   // every access goes through `lock`
    private var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    func withLock<R>(_ body: (inout Value) -> R) -> R {
        lock.lock(); defer { lock.unlock() }
        return body(&value)
    }
}
