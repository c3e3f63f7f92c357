import ArgumentParser
import Foundation
import Strata

extension StrataTool {
    /// Runs the command line, then ends MPI cleanly when it was used. On an error the process
    /// exits without finalising, and `DistributedRuntime` aborts the other ranks instead of
    /// leaving them waiting in a collective.
    public static func runFinalizingMPI() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exit(withError: error)
        }
        DistributedRuntime.finalize()
    }
}

/// What the training commands share when they may run as one of several MPI processes.
struct DistributedContext {
    let group: ProcessGroup

    /// The world group; on ranks other than 0 standard output goes to /dev/null, so that only
    /// rank 0 prints progress (errors still reach standard error from every rank).
    static func start() throws -> DistributedContext {
        let group: ProcessGroup
        do { group = try DistributedRuntime.worldGroup() } catch { throw UserFacingError("\(error)") }
        // Processes on one machine share its cores: unless STRATA_NUM_THREADS says otherwise,
        // each takes an equal part (before OpenBLAS is loaded, which reads the count once).
        let env = ProcessInfo.processInfo.environment
        if group.worldSize > 1, env["STRATA_NUM_THREADS"] == nil,
           let local = env["OMPI_COMM_WORLD_LOCAL_SIZE"].flatMap(Int.init), local > 0 {
            Parallel.threadCount = Swift.max(1, ProcessInfo.processInfo.activeProcessorCount / local)
        }
        if group.rank != 0 {
            fflush(nil)
            let devNull = open("/dev/null", O_WRONLY)   // standard output goes nowhere on this rank
            if devNull >= 0 { _ = dup2(devNull, STDOUT_FILENO); _ = close(devNull) }
        }
        return DistributedContext(group: group)
    }

    var isMain: Bool { group.rank == 0 }
    var worldSize: Int { group.worldSize }

    /// The line printed under the version banner.
    var banner: String? {
        group.worldSize > 1 ? "Distributed: \(group.worldSize) processes (\(group.backendDescription)), data parallel" : nil
    }
}
