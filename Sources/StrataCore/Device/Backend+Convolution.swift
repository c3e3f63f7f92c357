/// The part of Backend for convolution (patch extraction and its adjoint) and pooling.
///
/// ```swift
/// let window = Window2D(kernel: (2, 2), stride: (2, 2))
/// x.device.backend.avgPool2d(x, window: window, into: y)   // [N, C, H, W] -> [N, C, H/2, W/2]
/// ```
public protocol ConvolutionBackend {
    /// out `[N, O, OH, OW]` = the cross-correlation of x `[N, C, H, W]` with weight `[O, C, kh, kw]`
    /// over `window`; `columns` `[C·kh·kw, N·OH·OW]` receives x's patches (im2col), kept for the backward.
    func conv2d(_ x: Tensor, weight: Tensor, window: Window2D, columns: Tensor, into out: Tensor)
    /// From g `[N, O, OH, OW]`, the forward's weight and `columns`: dx `[N, C, H, W]` and dw
    /// `[O, C, kh, kw]`; dx nil when the input needs no gradient (a network's first layer).
    func conv2dBackward(gradient g: Tensor, weight: Tensor, columns: Tensor, window: Window2D,
                        inputGradient dx: Tensor?, weightGradient dw: Tensor)
    /// out `[N·OH·OW, C·kh·kw]` = the windows of float32 x `[N, C, H, W]` as rows (zeros outside the image).
    func patches(_ x: Tensor, window: Window2D, into out: Tensor)
    /// out `[N, C, OH, OW]` = each window's maximum of x `[N, C, H, W]` (padding is -infinity);
    /// `indices` (int32, out's shape) receives its position in the `H·W` plane.
    func maxPool2d(_ x: Tensor, window: Window2D, into out: Tensor, indices: Tensor)
    /// dx `[N, C, H, W]` (zero-filled by the caller) += g `[N, C, OH, OW]` at the forward's `indices`.
    func maxPool2dBackward(gradient g: Tensor, indices: Tensor, into dx: Tensor)
    /// out `[N, C, OH, OW]` = each window's mean of x `[N, C, H, W]`, zero padding counted.
    func avgPool2d(_ x: Tensor, window: Window2D, into out: Tensor)
    /// dx `[N, C, H, W]` (zero-filled by the caller) += g `[N, C, OH, OW]` / (kh·kw) over every window.
    func avgPool2dBackward(gradient g: Tensor, window: Window2D, into dx: Tensor)
}
