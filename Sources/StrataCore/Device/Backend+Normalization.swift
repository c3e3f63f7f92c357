/// The part of Backend for softmax, log-softmax and layer normalisation, forward and backward.
public protocol NormalizationBackend {
}
