/// An n-dimensional array of numbers that can record the operations applied to it
/// and compute gradients with `backward()`.
///
/// Tensors have reference semantics, like PyTorch's: operations return new tensors,
/// and a parameter updated in place by an optimizer is seen by every holder.
///
/// ```swift
/// let x = Tensor([[1, 2], [3, 4]] as [[Float]], requiresGrad: true)
/// let y = (x * x).sum()
/// y.backward()
/// print(x.grad!)   // [[2, 4], [6, 8]]
/// ```
///
/// Tensors may be handed to other threads (`Parallel` workers, the data loader's producer, a
/// server's worker), as PyTorch's may: concurrent users only read a tensor, or write disjoint
/// elements of it (the kernels of `Parallel.forEachChunk`). Writing `grad`, `requiresGrad`,
/// updating in place and recording operations on a tensor need one thread at a time; the
/// compiler does not check this, hence `@unchecked Sendable`. `shape`, `dtype` and the storage
/// reference are immutable.
public final class Tensor: @unchecked Sendable {
    /// The dimensions, outermost first.
    public let shape: Shape
    /// The element type.
    public let dtype: DType
    let storage: TensorStorage
    /// Whether gradients are computed for this tensor (set it on leaves, such as parameters).
    public var requiresGrad: Bool {
        didSet {
            ensure(!requiresGrad || dtype.isFloatingPoint,
                         "requiresGrad: only float32/float64 tensors can require gradients, not \(dtype)")
        }
    }
    /// The accumulated gradient of a leaf tensor after `backward()`.
    public var grad: Tensor?
    /// The operation that produced this tensor, when it was recorded for autodiff.
    var gradFunction: GradFunction?

    /// Wraps existing storage (internal: kernels allocate their outputs through this).
    init(shape: Shape, dtype: DType, storage: TensorStorage, requiresGrad: Bool = false) {
        ensure(storage.byteCount >= shape.elementCount * dtype.byteSize,
                     "Tensor: storage holds \(storage.byteCount) bytes, shape \(shape) of \(dtype) needs \(shape.elementCount * dtype.byteSize)")
        self.shape = shape
        self.dtype = dtype
        self.storage = storage
        self.requiresGrad = requiresGrad
    }

    /// An uninitialised tensor on `device` (internal: ops allocate their outputs so, then a
    /// backend kernel fills them).
    convenience init(uninitialized shape: Shape, dtype: DType, device: Device = .cpu) {
        self.init(shape: shape, dtype: dtype,
                  storage: device.backend.allocate(byteCount: shape.elementCount * dtype.byteSize, zeroed: false))
    }

    /// A tensor holding `values` in row-major order, with `shape` (default: one axis).
    ///
    /// ```swift
    /// let t = Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3])
    /// ```
    @_disfavoredOverload
    public convenience init<T: TensorScalar>(_ values: [T], shape: Shape? = nil, requiresGrad: Bool = false) {
        let shape = shape ?? Shape([values.count])
        ensure(shape.elementCount == values.count,
                     "Tensor(_:shape:): \(values.count) values do not fill shape \(shape) (\(shape.elementCount) elements)")
        self.init(uninitialized: shape, dtype: T.dtype)
        values.withUnsafeBytes { backend.copyFromHost($0, into: self) }
        self.requiresGrad = requiresGrad
    }

    /// A matrix from nested rows.
    ///
    /// ```swift
    /// let m = Tensor([[1, 2], [3, 4]] as [[Double]])   // shape [2, 2], float64
    /// ```
    @_disfavoredOverload
    public convenience init<T: TensorScalar>(_ rows: [[T]], requiresGrad: Bool = false) {
        let cols = rows.first?.count ?? 0
        for (i, r) in rows.enumerated() {
            ensure(r.count == cols, "Tensor(rows): row \(i) has \(r.count) values, row 0 has \(cols)")
        }
        self.init(rows.flatMap { $0 }, shape: [rows.count, cols], requiresGrad: requiresGrad)
    }

    // Literals, as PyTorch reads them: floating literals make float32 tensors, integer literals
    // int64 ones. Typed arrays keep their type (`[Double]` gives float64).
    //
    //     Tensor([[1.5, 2], [3, 4]])   // float32, shape [2, 2]
    //     Tensor([1, 2, 3])            // int64
    //     Tensor(doubles)              // float64

    /// A float32 tensor from `values` (floating literals land here).
    public convenience init(_ values: [Float], shape: Shape? = nil, requiresGrad: Bool = false) {
        self.init(values as [Float], shape: shape, requiresGrad: requiresGrad, typed: ())
    }

    /// A float32 matrix from nested rows (floating literals land here).
    public convenience init(_ rows: [[Float]], requiresGrad: Bool = false) {
        self.init(rows as [[Float]], requiresGrad: requiresGrad, typed: ())
    }

    /// An int64 tensor from `values` (integer literals land here).
    public convenience init(_ values: [Int], shape: Shape? = nil) {
        self.init(values.map(Int64.init), shape: shape, requiresGrad: false, typed: ())
    }

    /// An int64 matrix from nested rows (integer literals land here).
    public convenience init(_ rows: [[Int]]) {
        self.init(rows.map { $0.map(Int64.init) }, requiresGrad: false, typed: ())
    }

    private convenience init<T: TensorScalar>(_ values: [T], shape: Shape?, requiresGrad: Bool, typed: Void) {
        self.init(values, shape: shape, requiresGrad: requiresGrad)
    }

    private convenience init<T: TensorScalar>(_ rows: [[T]], requiresGrad: Bool, typed: Void) {
        self.init(rows, requiresGrad: requiresGrad)
    }

    /// A rank-0 tensor holding one value.
    public convenience init<T: TensorScalar>(scalar: T, requiresGrad: Bool = false) {
        self.init([scalar], shape: [], requiresGrad: requiresGrad)
    }

    /// Number of elements.
    public var count: Int { shape.elementCount }
    /// Number of dimensions.
    public var rank: Int { shape.rank }
    /// True for tensors created by the user rather than by a recorded operation.
    public var isLeaf: Bool { gradFunction == nil }

    /// The elements converted to `T`, row-major.
    ///
    /// ```swift
    /// Tensor([1.5, 2.5] as [Double]).toArray(as: Float.self)   // [1.5, 2.5]
    /// ```
    public func toArray<T: TensorScalar>(as type: T.Type) -> [T] {
        if dtype == T.dtype {
            return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
                backend.copyToHost(self, into: UnsafeMutableRawBufferPointer(buffer))
                initialized = count
            }
        }
        return cast(to: T.dtype).toArray(as: T.self)
    }

    /// The elements as `Float`s.
    public var floats: [Float] { toArray(as: Float.self) }
    /// The elements as `Double`s.
    public var doubles: [Double] { toArray(as: Double.self) }

    /// The single value of a one-element tensor.
    ///
    /// ```swift
    /// let loss = Tensor([0.25] as [Float]).item()   // 0.25
    /// ```
    public func item() -> Double {
        ensure(count == 1, "item(): tensor of shape \(shape) has \(count) elements, expected exactly 1")
        return element(at: 0)
    }

    /// The element at flat (row-major) position `i`, as Double (for `item()` and printing).
    func element(at i: Int) -> Double {
        struct Read: ScalarKernel {
            let bytes: UnsafeRawPointer, i: Int
            func run<T: TensorScalar>(_: T.Type) -> Double { bytes.assumingMemoryBound(to: T.self)[i].doubleValue }
        }
        return withUnsafeHostBytes { dtype.dispatchAny(Read(bytes: $0.baseAddress!, i: i)) }
    }

    /// A copy with its own storage, outside the graph.
    public func copy() -> Tensor {
        let out = Tensor(uninitialized: shape, dtype: dtype, device: device)
        backend.copy(self, into: out)
        return out
    }

    /// Copies `source`'s values into this tensor's storage in place (shapes must match).
    /// Used by optimizers and checkpoint loading; it is not recorded for autodiff.
    ///
    /// ```swift
    /// weight.assign(Tensor.zeros(weight.shape))
    /// ```
    public func assign(_ source: Tensor) {
        ensure(source.shape == shape, "assign: source shape \(source.shape) does not match \(shape)")
        requireSameDevice(source, op: "assign")
        if source.dtype == dtype { backend.copy(source, into: self) } else { backend.convert(source, into: self) }
    }
}

// MARK: - Typed dispatch

extension Tensor {
    /// Stops with a clear message unless the tensor holds float32 or float64.
    func requireFloat(_ op: String) {
        ensure(dtype.isFloatingPoint, "\(op): expected a float32 or float64 tensor, got \(dtype) of shape \(shape)")
    }

    /// Stops unless `self` and `other` have the same dtype.
    func requireSameDType(_ other: Tensor, _ op: String) {
        ensure(dtype == other.dtype, "\(op): dtypes differ (\(dtype) vs \(other.dtype)); cast one with .cast(to:)")
    }
}
