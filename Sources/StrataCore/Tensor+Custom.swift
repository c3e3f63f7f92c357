extension Tensor {
    /// Records a custom differentiable operation: `output` was computed from `inputs`
    /// outside the tape (for example by a fused kernel), and `backward` turns the output's
    /// gradient into one gradient per input (nil where none is needed). Like
    /// `torch.autograd.Function`. Returns `output`, now part of the graph.
    ///
    /// ```swift
    /// let y = Tensor.recordOperation("double", output: withoutGradients { x * 2 }, inputs: [x]) { g in [g * 2] }
    /// ```
    public static func recordOperation(_ name: String, output: Tensor, inputs: [Tensor],
                                       backward: @escaping (Tensor) -> [Tensor?]) -> Tensor {
        ensure(output.isLeaf, "recordOperation(\(name)): output is already part of a graph; compute it inside withoutGradients")
        return record(output, name, inputs, backward: backward)
    }

    /// Gives read/write access to the elements as a typed buffer in host memory (the dtype must
    /// match `T`). Writing through it changes the tensor in place and is not recorded for autodiff.
    ///
    /// This is an I/O entry point: for filling a tensor from bytes that were read (files, decoders)
    /// or received (MPI communication buffers). Computation on tensors belongs in the ops and the
    /// device's ``Backend`` (see ``OptimizerBackend``, ``LossBackend``, ``SparseBackend``,
    /// ``InferenceBackend``), not in loops over this buffer.
    ///
    /// ```swift
    /// weight.withUnsafeMutableBuffer(as: Float.self) { w in for i in w.indices { w[i] *= 0.5 } }
    /// ```
    public func withUnsafeMutableBuffer<T: TensorScalar, R>(as type: T.Type, _ body: (UnsafeMutableBufferPointer<T>) throws -> R) rethrows -> R {
        ensure(T.dtype == dtype, "withUnsafeMutableBuffer: tensor holds \(dtype), not \(T.dtype)")
        return try body(UnsafeMutableBufferPointer(start: storage.pointer(as: T.self), count: count))
    }

    /// Gives read-only access to the elements as a typed buffer in host memory (the dtype must match `T`).
    ///
    /// This is an I/O entry point: for writing the bytes out (files, MPI communication buffers).
    /// Computation belongs in the ops and the device's ``Backend``; to read values, `toArray(as:)`
    /// copies them out.
    ///
    /// ```swift
    /// let bytes = x.withUnsafeBuffer(as: Float.self) { Data(buffer: $0) }   // to save
    /// ```
    public func withUnsafeBuffer<T: TensorScalar, R>(as type: T.Type, _ body: (UnsafeBufferPointer<T>) throws -> R) rethrows -> R {
        ensure(T.dtype == dtype, "withUnsafeBuffer: tensor holds \(dtype), not \(T.dtype)")
        return try body(UnsafeBufferPointer(start: storage.pointer(as: T.self), count: count))
    }

    /// An uninitialised tensor on `device` whose elements the caller fills (for custom kernels
    /// and ops' outputs, which a backend writes with its `into:` methods).
    ///
    /// ```swift
    /// let out = Tensor.empty([4], dtype: .float32)
    /// out.withUnsafeMutableBuffer(as: Float.self) { $0.initialize(repeating: 1) }
    /// let scratch = Tensor.empty([2, 3], device: x.device)   // beside x, wherever it lives
    /// ```
    public static func empty(_ shape: Shape, dtype: DType = .float32, device: Device = .cpu) -> Tensor {
        Tensor(uninitialized: shape, dtype: dtype, device: device)
    }
}
