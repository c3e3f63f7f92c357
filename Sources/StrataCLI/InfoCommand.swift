import ArgumentParser
import Foundation
import Strata

/// `strata info`: version, threads, and which matrix-multiply backend is active.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "info", abstract: "Show the version, cores in use, the active GEMM and whether MPI is available.")

    func run() throws {
        print("Strata \(strataVersion)")
        print("threads: \(Parallel.threadCount) of \(ProcessInfo.processInfo.activeProcessorCount) cores (set STRATA_NUM_THREADS to change)")
        print("gemm:    \(BLAS.description)")
        if !BLAS.isOpenBLAS {
            if ProcessInfo.processInfo.environment["STRATA_BLAS"]?.lowercased() == "builtin" {
                print("         (STRATA_BLAS=builtin forces the built-in kernel)")
            } else {
                print("         OpenBLAS not found; for full speed: \(BLAS.installHint)")
            }
        }
        switch DistributedRuntime.availability {
        case .success(let version): print("mpi:     \(version) (distributed training: mpirun -np N strata train ...)")
        case .failure(let reason): print("mpi:     not available: \(reason)")
        }
        if let size = DistributedRuntime.launcherWorldSize { print("         started by a launcher as one of \(size) processes") }
    }
}
