/// Geometry of a 2-D window sliding over an image: kernel, stride, padding, dilation.
public struct Window2D: Sendable, Equatable {
    public var kernel: (Int, Int)
    public var stride: (Int, Int)
    public var padding: (Int, Int)
    public var dilation: (Int, Int)

    public init(kernel: (Int, Int), stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1)) {
        ensure(kernel.0 > 0 && kernel.1 > 0 && stride.0 > 0 && stride.1 > 0 && dilation.0 > 0 && dilation.1 > 0 && padding.0 >= 0 && padding.1 >= 0,
                     "Window2D: kernel \(kernel), stride \(stride), dilation \(dilation) must be positive and padding \(padding) non-negative")
        self.kernel = kernel; self.stride = stride; self.padding = padding; self.dilation = dilation
    }

    /// Output height and width for an input of height `h` and width `w`.
    public func outputSize(_ h: Int, _ w: Int) -> (Int, Int) {
        ((h + 2 * padding.0 - dilation.0 * (kernel.0 - 1) - 1) / stride.0 + 1,
         (w + 2 * padding.1 - dilation.1 * (kernel.1 - 1) - 1) / stride.1 + 1)
    }

    public static func == (l: Window2D, r: Window2D) -> Bool {
        l.kernel == r.kernel && l.stride == r.stride && l.padding == r.padding && l.dilation == r.dilation
    }
}

extension Tensor {
    /// 2-D convolution (cross-correlation, as in PyTorch) of an `[N, C, H, W]` input with
    /// `[O, C, kh, kw]` weights, plus an optional `[O]` bias.
    ///
    /// ```swift
    /// let y = x.conv2d(weight, bias: b, stride: (1, 1), padding: (1, 1))   // [N, O, H, W]
    /// ```
    public func conv2d(_ weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1),
                       padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1)) -> Tensor {
        requireFloat("conv2d")
        requireSameDType(weight, "conv2d")
        ensure(rank == 4, "conv2d: input must be [N, C, H, W], got \(shape)")
        ensure(weight.rank == 4, "conv2d: weight must be [O, C, kh, kw], got \(weight.shape)")
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let (o, kh, kw) = (weight.shape[0], weight.shape[2], weight.shape[3])
        ensure(weight.shape[1] == c, "conv2d: input has \(c) channels (shape \(shape)) but weight expects \(weight.shape[1]) (shape \(weight.shape))")
        let window = Window2D(kernel: (kh, kw), stride: stride, padding: padding, dilation: dilation)
        let (oh, ow) = window.outputSize(h, w)
        ensure(oh > 0 && ow > 0, "conv2d: input \(shape) is too small for kernel (\(kh), \(kw)) with padding \(padding) and dilation \(dilation)")
        requireSameDevice(weight, op: "conv2d")
        let colBuffer = Tensor(uninitialized: [c * kh * kw, n * oh * ow], dtype: dtype, device: device)   // [C·kh·kw, N·OH·OW]
        let out = Tensor(uninitialized: [n, o, oh, ow], dtype: dtype, device: device)
        backend.conv2d(self, weight: weight, window: window, columns: colBuffer, into: out)
        let wv = weight.detached(), inputShape = shape, weightShape = weight.shape
        // A network's first layer reads data that needs no gradient: its dx (a product and a
        // scatter of every patch) is skipped.
        let inputNeedsGradient = requiresGrad
        let result = Tensor.record(out, "conv2d", [self, weight]) { g in
            let dx = inputNeedsGradient ? Tensor(uninitialized: inputShape, dtype: g.dtype, device: g.device) : nil
            let dw = Tensor(uninitialized: weightShape, dtype: g.dtype, device: g.device)
            g.backend.conv2dBackward(gradient: g, weight: wv, columns: colBuffer, window: window, inputGradient: dx, weightGradient: dw)
            return [dx, dw]
        }
        guard let bias else { return result }
        ensure(bias.shape == [o], "conv2d: bias must have shape [\(o)], got \(bias.shape)")
        return result + bias.reshaped([1, o, 1, 1])
    }
}
