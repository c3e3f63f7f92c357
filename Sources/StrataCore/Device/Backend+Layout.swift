/// The part of ``Backend`` for copies between shapes: broadcasting, permutations, slices,
/// concatenation, gathers and scatters.
public protocol LayoutBackend {
    /// Copies `x` broadcast (numpy rules) to `out`'s shape; any dtype.
    func broadcast(_ x: Tensor, into out: Tensor)
}
