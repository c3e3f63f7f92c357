/// The part of Backend for convolution (patch extraction and its adjoint) and pooling.
public protocol ConvolutionBackend {
}
