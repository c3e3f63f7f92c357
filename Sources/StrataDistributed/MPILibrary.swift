import Foundation
import StrataCore

/// Open MPI's C API, loaded at run time with `dlopen` (as OpenBLAS is), so that Strata builds
/// without MPI installed. Open MPI's handles (`MPI_COMM_WORLD`, `MPI_FLOAT`, `MPI_SUM`, ...) are
/// the addresses of global objects in libmpi (`ompi_mpi_comm_world`, ...), found with `dlsym`.
/// MPICH, whose handles are integers, is not supported.
final class MPILibrary: @unchecked Sendable {   // immutable after init: function pointers and handles
    typealias Handle = UnsafeMutableRawPointer
    typealias InitThreadFn = @convention(c) (UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?, Int32, UnsafeMutablePointer<Int32>) -> Int32
    typealias FlagFn = @convention(c) (UnsafeMutablePointer<Int32>) -> Int32
    typealias VoidFn = @convention(c) () -> Int32
    typealias CommIntFn = @convention(c) (Handle, UnsafeMutablePointer<Int32>) -> Int32
    typealias AllreduceFn = @convention(c) (UnsafeRawPointer?, UnsafeMutableRawPointer?, Int32, Handle, Handle, Handle) -> Int32
    typealias BcastFn = @convention(c) (UnsafeMutableRawPointer?, Int32, Handle, Int32, Handle) -> Int32
    typealias AllgatherFn = @convention(c) (UnsafeRawPointer?, Int32, Handle, UnsafeMutableRawPointer?, Int32, Handle, Handle) -> Int32
    typealias ReduceScatterBlockFn = @convention(c) (UnsafeRawPointer?, UnsafeMutableRawPointer?, Int32, Handle, Handle, Handle) -> Int32
    typealias BarrierFn = @convention(c) (Handle) -> Int32
    typealias AbortFn = @convention(c) (Handle, Int32) -> Int32
    typealias SplitFn = @convention(c) (Handle, Int32, Int32, UnsafeMutablePointer<Handle?>) -> Int32
    typealias VersionFn = @convention(c) (UnsafeMutablePointer<CChar>, UnsafeMutablePointer<Int32>) -> Int32

    let initThread: InitThreadFn
    let initialized: FlagFn
    let finalized: FlagFn
    let finalize: VoidFn
    let commRank: CommIntFn
    let commSize: CommIntFn
    let allreduce: AllreduceFn
    let bcast: BcastFn
    let allgather: AllgatherFn
    let reduceScatterBlock: ReduceScatterBlockFn
    let barrier: BarrierFn
    let abort: AbortFn
    let commSplit: SplitFn
    let libraryVersion: VersionFn

    let commWorld: Handle
    let float: Handle, double: Handle, byte: Handle
    let opSum: Handle, opMax: Handle

    /// Open MPI's `MPI_IN_PLACE` is `(void *) 1`.
    static var inPlace: UnsafeRawPointer? { UnsafeRawPointer(bitPattern: 1) }
    /// `MPI_THREAD_SERIALIZED` in Open MPI's enum (SINGLE, FUNNELED, SERIALIZED, MULTIPLE).
    static let threadSerialized: Int32 = 2
    /// Open MPI's `MPI_MAX_LIBRARY_VERSION_STRING`.
    static let maxVersionLength = 256

    /// The library names tried, in order.
    static let candidates = ["libmpi.so.40", "libmpi.so"]

    /// The loaded library, or why it could not be loaded.
    static let shared: Result<MPILibrary, MPIUnavailable> = load()

    private init(symbol: (String) -> UnsafeMutableRawPointer) {
        func fn<F>(_ name: String, _ type: F.Type) -> F { unsafeBitCast(symbol(name), to: type) }
        initThread = fn("MPI_Init_thread", InitThreadFn.self)
        initialized = fn("MPI_Initialized", FlagFn.self)
        finalized = fn("MPI_Finalized", FlagFn.self)
        finalize = fn("MPI_Finalize", VoidFn.self)
        commRank = fn("MPI_Comm_rank", CommIntFn.self)
        commSize = fn("MPI_Comm_size", CommIntFn.self)
        allreduce = fn("MPI_Allreduce", AllreduceFn.self)
        bcast = fn("MPI_Bcast", BcastFn.self)
        allgather = fn("MPI_Allgather", AllgatherFn.self)
        reduceScatterBlock = fn("MPI_Reduce_scatter_block", ReduceScatterBlockFn.self)
        barrier = fn("MPI_Barrier", BarrierFn.self)
        abort = fn("MPI_Abort", AbortFn.self)
        commSplit = fn("MPI_Comm_split", SplitFn.self)
        libraryVersion = fn("MPI_Get_library_version", VersionFn.self)
        commWorld = symbol("ompi_mpi_comm_world")
        float = symbol("ompi_mpi_float")
        double = symbol("ompi_mpi_double")
        byte = symbol("ompi_mpi_byte")
        opSum = symbol("ompi_mpi_op_sum")
        opMax = symbol("ompi_mpi_op_max")
    }

    private static func load() -> Result<MPILibrary, MPIUnavailable> {
        var handle: UnsafeMutableRawPointer?
        var errors: [String] = []
        for name in candidates {
            // GLOBAL: Open MPI's plugins, which it dlopens itself, resolve libmpi's symbols.
            handle = dlopen(name, RTLD_NOW | RTLD_GLOBAL)
            if handle != nil { break }
            errors.append(dlerror().map { String(cString: $0) } ?? name)
        }
        guard let handle else {
            return .failure(MPIUnavailable("libmpi not found (\(errors.joined(separator: "; "))); install Open MPI: apt-get install openmpi-bin"))
        }
        let required = ["MPI_Init_thread", "MPI_Initialized", "MPI_Finalized", "MPI_Finalize", "MPI_Comm_rank", "MPI_Comm_size",
                        "MPI_Allreduce", "MPI_Bcast", "MPI_Allgather", "MPI_Reduce_scatter_block", "MPI_Barrier", "MPI_Abort",
                        "MPI_Comm_split", "MPI_Get_library_version"]
        let handles = ["ompi_mpi_comm_world", "ompi_mpi_float", "ompi_mpi_double", "ompi_mpi_byte", "ompi_mpi_op_sum", "ompi_mpi_op_max"]
        var found: [String: UnsafeMutableRawPointer] = [:]
        for name in required + handles {
            guard let p = dlsym(handle, name) else {
                let what = handles.contains(name) ? "not Open MPI (only Open MPI's ABI is supported)" : "incomplete"
                return .failure(MPIUnavailable("the MPI library is \(what): symbol \(name) is missing"))
            }
            found[name] = p
        }
        return .success(MPILibrary(symbol: { found[$0]! }))
    }

    /// The implementation's own description (`MPI_Get_library_version`), first line only.
    /// Callable before `MPI_Init`.
    var versionString: String {
        var buffer = [CChar](repeating: 0, count: Self.maxVersionLength + 1)
        var length: Int32 = 0
        guard libraryVersion(&buffer, &length) == 0 else { return "unknown MPI" }
        // Open MPI: "Open MPI v4.1.4, package: Debian OpenMPI, ident: ..."; keep the name and version.
        let bytes = buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }
        let text = String(decoding: bytes, as: UTF8.self)
        let first = text.split(separator: "\n").first.map(String.init) ?? text
        return first.split(separator: ",").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? first
    }
}

/// Why MPI cannot be used.
public struct MPIUnavailable: Error, CustomStringConvertible {
    public let description: String
    init(_ message: String) { description = message }
}
