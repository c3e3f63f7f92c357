import Foundation

/// The bytes that hold a tensor's elements, owned by a device's backend (opaque outside
/// StrataCore: read and write them through the backend or the documented I/O entry points).
public final class TensorStorage: @unchecked Sendable {
    // @unchecked Sendable: `raw`, `byteCount` and `device` are immutable; the bytes they point
    // to follow the contract of `Tensor` (shared reads, disjoint writes, one writer of a whole tensor).
    /// The device whose memory `raw` addresses.
    public let device: Device
    /// The size of the buffer in bytes.
    public let byteCount: Int
    /// The buffer's address in the device's address space (host memory for `.cpu`).
    let raw: UnsafeMutableRawPointer
    private let release: @Sendable (UnsafeMutableRawPointer) -> Void

    /// Wraps a buffer that `release` frees when the storage is no longer referenced.
    init(device: Device, raw: UnsafeMutableRawPointer, byteCount: Int,
         release: @escaping @Sendable (UnsafeMutableRawPointer) -> Void) {
        self.device = device
        self.raw = raw
        self.byteCount = byteCount
        self.release = release
    }

    deinit { release(raw) }

    @inline(__always) func pointer<T>(as: T.Type) -> UnsafeMutablePointer<T> {
        raw.assumingMemoryBound(to: T.self)
    }
}
