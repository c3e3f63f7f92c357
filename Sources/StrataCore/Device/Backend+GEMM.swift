/// The part of Backend for matrix products: dense, batched, packed and quantised weights.
public protocol GEMMBackend {
}
