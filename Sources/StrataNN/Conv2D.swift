import StrataCore

/// 2-D convolution over `[N, C, H, W]` with `[out, in, kh, kw]` weights (PyTorch layout,
/// PyTorch's default initialisation).
///
/// ```swift
/// let conv = Conv2D(1, 32, kernelSize: (3, 3), padding: (1, 1))
/// let y = conv(images)   // [N, 1, 28, 28] -> [N, 32, 28, 28]
/// ```
public final class Conv2D: Module, PackedWeightLayer {
    /// The kernels `[out, in, kh, kw]`, initialised by `initializer` (PyTorch's default by default).
    public let weight: Tensor
    /// The per-output-channel bias `[out]`, or nil when created with `bias: false`.
    public let bias: Tensor?
    /// When set, inference reads these int8/int4 codes (rows: output channels, columns: the
    /// flattened `[in, kh, kw]` window) instead of `weight`; no gradient flows through them.
    public var packedWeight: PackedMatrix?
    /// The step between windows along height and width (default (1, 1)).
    public let stride: (Int, Int)
    /// Zero padding added on each side of height and width (default (0, 0)).
    public let padding: (Int, Int)
    /// The spacing between kernel elements along height and width (default (1, 1)).
    public let dilation: (Int, Int)

    /// A convolution from `inChannels` to `outChannels` with a `kernelSize` (kh, kw) window; the bias is
    /// drawn as in PyTorch from the fan-in `inChannels·kh·kw`.
    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: (Int, Int), stride: (Int, Int) = (1, 1),
                padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), bias: Bool = true,
                initializer: Initializer = .pytorchDefault) {
        weight = initializer.make([outChannels, inChannels, kernelSize.0, kernelSize.1])
        self.bias = bias ? defaultBias(outChannels, fanIn: inChannels * kernelSize.0 * kernelSize.1) : nil
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
    }

    override public func callAsFunction(_ x: Tensor) -> Tensor {
        guard let packedWeight else { return x.conv2d(weight, bias: bias, stride: stride, padding: padding, dilation: dilation) }
        ensure(x.rank == 4 && x.shape[1] == weight.shape[1],
               "Conv2D: input \(x.shape) does not have the \(weight.shape[1]) channels of weight \(weight.shape)")
        let window = Window2D(kernel: (weight.shape[2], weight.shape[3]), stride: stride, padding: padding, dilation: dilation)
        let (oh, ow) = window.outputSize(x.shape[2], x.shape[3])
        var y = packedWeight.matmul(x.patches(window: window))          // [N·OH·OW, out]
        if let bias { y = y + bias }
        return y.reshaped([x.shape[0], oh, ow, weight.shape[0]]).permuted([0, 3, 1, 2])   // [N, out, OH, OW]
    }
}

/// 2-D max pooling; the stride defaults to the kernel size.
///
/// ```swift
/// let pool = MaxPool2D(kernelSize: (2, 2))
/// ```
public final class MaxPool2D: Module {
    /// The pooling window (kh, kw), the step between windows, and the padding on each side.
    public let kernelSize: (Int, Int), stride: (Int, Int), padding: (Int, Int)
    /// Max pooling over `kernelSize` windows; `stride` defaults to `kernelSize`, `padding` to (0, 0).
    public init(kernelSize: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0)) {
        self.kernelSize = kernelSize; self.stride = stride ?? kernelSize; self.padding = padding
    }
    override public func callAsFunction(_ x: Tensor) -> Tensor { x.maxPool2d(kernel: kernelSize, stride: stride, padding: padding) }
}

/// 2-D average pooling (zero padding counted); the stride defaults to the kernel size.
///
/// ```swift
/// let pool = AvgPool2D(kernelSize: (2, 2))
/// ```
public final class AvgPool2D: Module {
    /// The pooling window (kh, kw), the step between windows, and the zero padding on each side.
    public let kernelSize: (Int, Int), stride: (Int, Int), padding: (Int, Int)
    /// Average pooling over `kernelSize` windows; `stride` defaults to `kernelSize`, `padding` to (0, 0).
    public init(kernelSize: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0)) {
        self.kernelSize = kernelSize; self.stride = stride ?? kernelSize; self.padding = padding
    }
    override public func callAsFunction(_ x: Tensor) -> Tensor { x.avgPool2d(kernel: kernelSize, stride: stride, padding: padding) }
}
