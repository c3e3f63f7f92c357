import Foundation

/// The CPU implementation of ``Backend``: host memory, 64-byte aligned; GEMM through OpenBLAS
/// loaded at run time (or the built-in kernel), everything else in Strata's own loops split
/// across cores by ``Parallel``.
///
/// ```swift
/// let backend = Device.cpu.backend   // CPUBackend.shared
/// ```
public final class CPUBackend: Backend {
    /// The one CPU backend.
    public static let shared = CPUBackend()
    public var device: Device { .cpu }

    private init() {}

    /// glibc serves blocks above 128 KB with fresh mmap pages, so every new activation or
    /// gradient of a training step would pay page faults again. Keeping large blocks in the
    /// heap lets freed tensors' memory be reused, as a caching allocator does.
    static let allocatorConfigured: Bool = {
        // mallopt is not in Swift's Glibc module; M_TRIM_THRESHOLD = -1, M_MMAP_THRESHOLD = -3.
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return false }
        let mallopt = unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
        // 32 MB is the largest mmap threshold glibc accepts on 64-bit (a larger value is refused
        // and leaves the threshold where it was); blocks above it are rare and long-lived.
        _ = mallopt(-3, 32 << 20)
        _ = mallopt(-1, 1 << 30)
        return true
    }()
}

extension DType {
    /// The CPU backend's one dispatch from a float dtype to its Swift type: runs `float32` or
    /// `float64`, and stops with a message naming `op` for any other dtype.
    ///
    /// ```swift
    /// x.dtype.dispatchFloat("exp", float32: { run(Float.self) }, float64: { run(Double.self) })
    /// ```
    @inline(__always)
    func dispatchFloat<R>(_ op: @autoclosure () -> String, float32: () throws -> R, float64: () throws -> R) rethrows -> R {
        switch self {
        case .float32: return try float32()
        case .float64: return try float64()
        default: ensureFailure("\(op()): expected a float32 or float64 tensor, got \(self)")
        }
    }

    /// Runs `kernel` with the Swift type of any dtype (for kernels that move, fill or compare
    /// values of every type; closures cannot be generic, so the kernel is a generic method).
    @inline(__always)
    func dispatchAny<K: ScalarKernel>(_ kernel: K) -> K.Result {
        switch self {
        case .float32: return kernel.run(Float.self)
        case .float64: return kernel.run(Double.self)
        case .float16: return kernel.run(Float16.self)
        case .int32: return kernel.run(Int32.self)
        case .int64: return kernel.run(Int64.self)
        case .bool: return kernel.run(Bool.self)
        }
    }
}

/// A CPU kernel generic over the element type, for ``DType/dispatchAny(_:)``.
protocol ScalarKernel {
    associatedtype Result
    func run<T: TensorScalar>(_: T.Type) -> Result
}

extension Tensor {
    /// Typed pointer to the elements in host memory (internal, for the CPU backend's kernels;
    /// checks the dtype and the device).
    @inline(__always) func pointer<T: TensorScalar>(_ type: T.Type) -> UnsafeMutablePointer<T> {
        ensure(T.dtype == dtype, "internal: \(dtype) tensor read as \(T.dtype)")
        ensure(device == .cpu, "internal: a \(device) tensor's memory read as host memory")
        return storage.pointer(as: T.self)
    }
}
