/// The part of Backend for scaled dot-product attention, forward and backward.
public protocol AttentionBackend {
}
