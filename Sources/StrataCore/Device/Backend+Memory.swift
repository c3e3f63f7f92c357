/// The part of ``Backend`` that owns memory: allocation, copies (within the device and to and
/// from the host), filling and dtype conversion.
public protocol MemoryBackend {
    /// New storage of `byteCount` bytes on this device, zero-filled when `zeroed`.
    func allocate(byteCount: Int, zeroed: Bool) -> TensorStorage
    /// Copies `source`'s elements into `destination` (same dtype and element count).
    func copy(_ source: Tensor, into destination: Tensor)
    /// Copies host bytes into `destination` (its whole byte size; loading, literals).
    func copyFromHost(_ bytes: UnsafeRawBufferPointer, into destination: Tensor)
    /// Copies `source`'s bytes into host memory (saving, printing, `toArray`).
    func copyToHost(_ source: Tensor, into bytes: UnsafeMutableRawBufferPointer)
    /// Sets every element to `value` converted to the tensor's dtype.
    func fill(_ tensor: Tensor, with value: Double)
    /// Writes `source`'s values converted to `destination`'s dtype (same element count).
    func convert(_ source: Tensor, into destination: Tensor)
}
