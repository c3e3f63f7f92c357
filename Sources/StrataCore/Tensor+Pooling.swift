extension Tensor {
    /// 2-D max pooling over `[N, C, H, W]` (padding counts as -infinity). The gradient goes
    /// to the position of each window's maximum.
    ///
    /// ```swift
    /// let y = x.maxPool2d(kernel: (2, 2))   // stride defaults to the kernel
    /// ```
    public func maxPool2d(kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
                          dilation: (Int, Int) = (1, 1)) -> Tensor {
        requireFloat("maxPool2d")
        ensure(rank == 4, "maxPool2d: input must be [N, C, H, W], got \(shape)")
        let window = Window2D(kernel: kernel, stride: stride ?? kernel, padding: padding, dilation: dilation)
        let (oh, ow) = window.outputSize(shape[2], shape[3])
        ensure(oh > 0 && ow > 0, "maxPool2d: input \(shape) is too small for kernel \(kernel)")
        let out = Tensor(uninitialized: [shape[0], shape[1], oh, ow], dtype: dtype, device: device)
        // The position of each window's maximum in its H·W plane, for the backward pass.
        let argmax = Tensor(uninitialized: out.shape, dtype: .int32, device: device)
        backend.maxPool2d(self, window: window, into: out, indices: argmax)
        let inputShape = shape
        return Tensor.record(out, "maxPool2d", [self]) { g in
            let dx = Tensor.zeros(inputShape, dtype: g.dtype, device: g.device)
            g.backend.maxPool2dBackward(gradient: g, indices: argmax, into: dx)
            return [dx]
        }
    }

    /// 2-D average pooling over `[N, C, H, W]`; zero padding is counted in the average
    /// (PyTorch's default `count_include_pad=True`).
    ///
    /// ```swift
    /// let y = x.avgPool2d(kernel: (2, 2))
    /// ```
    public func avgPool2d(kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0)) -> Tensor {
        requireFloat("avgPool2d")
        ensure(rank == 4, "avgPool2d: input must be [N, C, H, W], got \(shape)")
        let window = Window2D(kernel: kernel, stride: stride ?? kernel, padding: padding)
        let (oh, ow) = window.outputSize(shape[2], shape[3])
        ensure(oh > 0 && ow > 0, "avgPool2d: input \(shape) is too small for kernel \(kernel)")
        let out = Tensor(uninitialized: [shape[0], shape[1], oh, ow], dtype: dtype, device: device)
        backend.avgPool2d(self, window: window, into: out)
        let inputShape = shape
        return Tensor.record(out, "avgPool2d", [self]) { g in
            let dx = Tensor.zeros(inputShape, dtype: g.dtype, device: g.device)
            g.backend.avgPool2dBackward(gradient: g, window: window, into: dx)
            return [dx]
        }
    }
}
