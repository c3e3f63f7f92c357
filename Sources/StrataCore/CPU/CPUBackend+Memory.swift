extension CPUBackend {
    public func allocate(byteCount: Int, zeroed: Bool) -> TensorStorage {
        _ = Self.allocatorConfigured
        let raw = UnsafeMutableRawPointer.allocate(byteCount: Swift.max(byteCount, 1), alignment: 64)
        if zeroed { raw.initializeMemory(as: UInt8.self, repeating: 0, count: byteCount) }
        return TensorStorage(device: .cpu, raw: raw, byteCount: byteCount) { $0.deallocate() }
    }

    public func copy(_ source: Tensor, into destination: Tensor) {
        ensure(source.dtype == destination.dtype && source.count == destination.count,
               "copy: \(source.count) \(source.dtype) elements into \(destination.count) \(destination.dtype)")
        destination.storage.raw.copyMemory(from: source.storage.raw, byteCount: source.count * source.dtype.byteSize)
    }

    public func copyFromHost(_ bytes: UnsafeRawBufferPointer, into destination: Tensor) {
        let n = destination.count * destination.dtype.byteSize
        ensure(bytes.count == n, "copyFromHost: \(bytes.count) bytes for a tensor of \(n) bytes")
        if n > 0 { destination.storage.raw.copyMemory(from: bytes.baseAddress!, byteCount: n) }
    }

    public func copyToHost(_ source: Tensor, into bytes: UnsafeMutableRawBufferPointer) {
        let n = source.count * source.dtype.byteSize
        ensure(bytes.count == n, "copyToHost: \(bytes.count) bytes for a tensor of \(n) bytes")
        if n > 0 { bytes.baseAddress!.copyMemory(from: source.storage.raw, byteCount: n) }
    }

    public func fill(_ tensor: Tensor, with value: Double) {
        struct Fill: ScalarKernel {
            let tensor: Tensor, value: Double
            func run<T: TensorScalar>(_: T.Type) {
                tensor.storage.pointer(as: T.self).initialize(repeating: T(fromDouble: value), count: tensor.count)
            }
        }
        tensor.dtype.dispatchAny(Fill(tensor: tensor, value: value))
    }

    public func convert(_ source: Tensor, into destination: Tensor) {
        ensure(source.count == destination.count, "convert: \(source.count) elements into \(destination.count)")
        let n = source.count
        let s = source.storage, d = destination.storage
        switch (source.dtype, destination.dtype) {
        // The common conversions, without the round trip through Double.
        case (.float32, .float64):
            let ps = s.pointer(as: Float.self), pd = d.pointer(as: Double.self)
            for i in 0..<n { pd[i] = Double(ps[i]) }
        case (.float64, .float32):
            let ps = s.pointer(as: Double.self), pd = d.pointer(as: Float.self)
            for i in 0..<n { pd[i] = Float(ps[i]) }
        case (.float32, .float16):
            let ps = s.pointer(as: Float.self), pd = d.pointer(as: Float16.self)
            for i in 0..<n { pd[i] = Float16(ps[i]) }
        case (.float16, .float32):
            let ps = s.pointer(as: Float16.self), pd = d.pointer(as: Float.self)
            for i in 0..<n { pd[i] = Float(ps[i]) }
        default:
            struct From: ScalarKernel {
                let source: TensorStorage, destination: Tensor, n: Int
                func run<S: TensorScalar>(_: S.Type) {
                    destination.dtype.dispatchAny(ConvertKernel(source: source.pointer(as: S.self), destination: destination.storage, n: n))
                }
            }
            source.dtype.dispatchAny(From(source: s, destination: destination, n: n))
        }
    }
}

/// Converts `n` values of type `S` into the destination's type (through Double; exact for every
/// value these types share).
private struct ConvertKernel<S: TensorScalar>: ScalarKernel {
    let source: UnsafeMutablePointer<S>, destination: TensorStorage, n: Int
    func run<D: TensorScalar>(_: D.Type) {
        let pd = destination.pointer(as: D.self)
        for i in 0..<n { pd[i] = D(fromDouble: source[i].doubleValue) }
    }
}
