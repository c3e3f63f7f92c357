/// Where a tensor's elements live and which ``Backend`` computes on them.
///
/// Strata computes on the CPU today; the enum is the seam a GPU backend plugs into: every op
/// asks its inputs' device for the backend and calls it, so a new device means one new
/// conformance to ``Backend`` and one case here, not new ops.
///
/// ```swift
/// let x = Tensor.ones([2, 3])
/// x.device               // .cpu
/// x.device.backend       // CPUBackend.shared
/// let y = x.to(.cpu)     // the same tensor: it is already there
/// ```
public enum Device: Hashable, Sendable, CustomStringConvertible {
    /// Host memory, computed on by ``CPUBackend`` (OpenBLAS or the built-in GEMM, Strata's own
    /// parallel loops for everything else).
    case cpu

    /// The backend that allocates on and computes for this device.
    @inline(__always) public var backend: any Backend {
        switch self {
        case .cpu: return CPUBackend.shared
        }
    }

    public var description: String {
        switch self {
        case .cpu: return "cpu"
        }
    }
}

extension Tensor {
    /// The device that holds this tensor's elements.
    @inline(__always) public var device: Device { storage.device }

    /// The backend of this tensor's device (internal shorthand for ops).
    @inline(__always) var backend: any Backend { storage.device.backend }

    /// This tensor on `device`: itself when it is already there, else a copy (recorded, so that
    /// gradients flow back to the source device, as PyTorch's `.to(device)` does).
    ///
    /// ```swift
    /// let x = Tensor.ones([4]).to(.cpu)
    /// ```
    public func to(_ device: Device) -> Tensor {
        if device == self.device { return self }
        let out = Tensor(uninitialized: shape, dtype: dtype, device: device)
        let source = self.device
        withUnsafeHostBytes { out.device.backend.copyFromHost($0, into: out) }
        return Tensor.record(out, "to(\(device))", [self]) { g in [g.to(source)] }
    }

    /// Calls `body` with the elements' bytes in host memory (the tensor's own memory on the
    /// CPU; a copy on another device). The I/O entry point for saving and printing.
    func withUnsafeHostBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        switch device {
        case .cpu: return try body(UnsafeRawBufferPointer(start: storage.raw, count: count * dtype.byteSize))
        }
    }

    /// Calls `body` with the elements' bytes in host memory to write them (the tensor's own memory
    /// on the CPU; a staging copy uploaded afterwards on another device). The I/O entry point for
    /// loading and for values drawn on the host (random initialisation).
    func withUnsafeMutableHostBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        switch device {
        case .cpu: return try body(UnsafeMutableRawBufferPointer(start: storage.raw, count: count * dtype.byteSize))
        }
    }

    /// Stops unless every tensor of `others` lives on this tensor's device.
    func requireSameDevice(_ others: Tensor..., op: String) {
        for o in others {
            ensure(o.device == device, "\(op): tensors on different devices (\(device) and \(o.device)); move one with .to(_:)")
        }
    }
}
