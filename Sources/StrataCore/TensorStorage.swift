import Foundation

/// A contiguous, 64-byte-aligned buffer that owns a tensor's elements.
final class TensorStorage: @unchecked Sendable {
    // @unchecked Sendable: `raw` and `byteCount` are immutable; the bytes they point to follow
    // the contract of `Tensor` (shared reads, disjoint writes, one writer of a whole tensor).
    /// glibc serves blocks above 128 KB with fresh mmap pages, so every new activation or
    /// gradient of a training step would pay page faults again. Keeping large blocks in the
    /// heap lets freed tensors' memory be reused, as a caching allocator does.
    private static let allocatorConfigured: Bool = {
        // mallopt is not in Swift's Glibc module; M_TRIM_THRESHOLD = -1, M_MMAP_THRESHOLD = -3.
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return false }
        let mallopt = unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
        // 32 MB is the largest mmap threshold glibc accepts on 64-bit (a larger value is refused
        // and leaves the threshold where it was); blocks above it are rare and long-lived.
        _ = mallopt(-3, 32 << 20)
        _ = mallopt(-1, 1 << 30)
        return true
    }()

    let raw: UnsafeMutableRawPointer
    let byteCount: Int

    init(byteCount: Int) {
        _ = Self.allocatorConfigured
        self.byteCount = byteCount
        raw = UnsafeMutableRawPointer.allocate(byteCount: Swift.max(byteCount, 1), alignment: 64)
    }

    /// A zero-filled buffer.
    convenience init(zeroedBytes byteCount: Int) {
        self.init(byteCount: byteCount)
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: byteCount)
    }

    deinit { raw.deallocate() }

    @inline(__always) func pointer<T>(as: T.Type) -> UnsafeMutablePointer<T> {
        raw.assumingMemoryBound(to: T.self)
    }
}
