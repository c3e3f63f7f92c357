/// Everything a device does for tensors: allocation, copies, and every kernel that the ops of
/// StrataCore, the layers, losses and optimizers call.
///
/// An op computes shapes, checks arguments, allocates its output on its inputs' device, then
/// calls that device's backend, and records its gradient, whose backward calls the backend
/// again. Nothing above the backend reads tensor memory, except the documented I/O entry points
/// (``Tensor/withUnsafeBuffer(as:_:)`` and friends, used to load and save bytes and to exchange
/// them with MPI). Adding a device means one type conforming to this protocol and one
/// ``Device`` case; ``CPUBackend`` is the reference implementation.
///
/// The requirements are grouped by area, one protocol per file (`Backend+Area.swift`):
/// memory, elementwise, layout (copies between shapes), reductions, normalisation (softmax,
/// layer norm), attention, GEMM, convolution and pooling, recurrent cells, optimizer updates,
/// losses, sparse products, and the fused inference kernels of pretrained decoders. Kernels receive tensors whose shapes and dtypes the op has
/// checked; a backend dispatches on the dtype once, inside the kernel.
///
/// ```swift
/// let x = Tensor([1, 2, 3] as [Float])
/// let y = Tensor.empty(x.shape)
/// x.device.backend.unary(.exp, x, into: y)   // what x.exp() does, without recording
/// ```
public protocol Backend: AnyObject, Sendable, MemoryBackend, ElementwiseBackend, LayoutBackend,
    ReductionBackend, NormalizationBackend, AttentionBackend, GEMMBackend, ConvolutionBackend,
    RecurrentBackend, OptimizerBackend, LossBackend, SparseBackend, InferenceBackend {
    /// The device this backend computes for.
    var device: Device { get }
}
