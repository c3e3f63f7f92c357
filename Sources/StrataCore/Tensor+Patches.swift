extension Tensor {
    /// The sliding windows of an image batch as rows: `[N, C, H, W]` to `[N·OH·OW, C·kh·kw]`,
    /// row `(n·OH + oh)·OW + ow` holding the window at output position (oh, ow) of image n in
    /// the order of a `[out, C, kh, kw]` weight's row (zeros where the window leaves the image).
    /// A convolution is then `patches · Wᵀ` over the flattened weight. Float32 only; inference
    /// only (not recorded for autodiff).
    ///
    /// ```swift
    /// let rows = images.patches(window: Window2D(kernel: (3, 3), padding: (1, 1)))   // [N·28·28, 9]
    /// ```
    public func patches(window: Window2D) -> Tensor {
        ensure(dtype == .float32 && rank == 4, "patches: input must be float32 [N, C, H, W], got \(dtype) \(shape)")
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let (oh, ow) = window.outputSize(h, w)
        ensure(oh > 0 && ow > 0, "patches: input \(shape) is too small for window \(window.kernel) with padding \(window.padding)")
        let positions = n * oh * ow, width = c * window.kernel.0 * window.kernel.1
        let out = Tensor(uninitialized: [positions, width], dtype: .float32, device: device)   // [N·OH·OW, C·kh·kw]
        backend.patches(self, window: window, into: out)
        return out
    }
}
