/// A float32 view of a pointer the caller has checked to hold Float (`T.self == Float.self`),
/// for the kernels generic over the scalar that hand float32 data to their C versions.
///
/// ```swift
/// if T.self == Float.self { _ = strata_tanh_f32(float32Pointer(x), float32Pointer(y), Int64(n)) }
/// ```
@inline(__always)
func float32Pointer<T>(_ p: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<Float> {
    UnsafeMutableRawPointer(p).assumingMemoryBound(to: Float.self)
}

/// ``float32Pointer(_:)-(UnsafeMutablePointer<T>)`` for a read-only pointer.
@inline(__always)
func float32Pointer<T>(_ p: UnsafePointer<T>) -> UnsafePointer<Float> {
    UnsafeRawPointer(p).assumingMemoryBound(to: Float.self)
}
