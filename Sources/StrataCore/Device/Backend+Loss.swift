/// The part of Backend for fused losses (softmax cross-entropy).
public protocol LossBackend {
}
