/// The part of Backend for sparse products and factorisation scores (recommenders).
public protocol SparseBackend {
}
