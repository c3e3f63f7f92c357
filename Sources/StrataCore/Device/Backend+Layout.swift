/// The part of ``Backend`` for copies between shapes: broadcasting, permutations, slices,
/// concatenation, gathers and scatters. They move elements of any dtype.
///
/// Axis-wise kernels see a tensor as `[outer, axisLength, inner]` around the axis they work on
/// (``Shape/split(at:)``); indices come as host arrays that the op has already bounds-checked.
public protocol LayoutBackend {
    /// Copies `x` broadcast (numpy rules) to `out`'s shape.
    func broadcast(_ x: Tensor, into out: Tensor)
    /// out = x with its axes in `order` (`out.shape[i] == x.shape[order[i]]`).
    func permute(_ x: Tensor, order: [Int], into out: Tensor)
    /// part[o, j, i] = full[o, start + j·step, i] for j < part's axis length `taken`.
    func copySlice(of full: Tensor, outer: Int, axisLength: Int, inner: Int, start: Int, step: Int,
                   taken: Int, into part: Tensor)
    /// full[o, start + j·step, i] = part[o, j, i] (the other elements of `full` are kept).
    func writeSlice(_ part: Tensor, outer: Int, axisLength: Int, inner: Int, start: Int, step: Int,
                    taken: Int, into full: Tensor)
    /// out[o, j, i] = x[o, indices[j], i] (`torch.index_select`).
    func indexSelect(_ x: Tensor, outer: Int, axisLength: Int, inner: Int, indices: [Int], into out: Tensor)
    /// out[o, indices[j], i] += source[o, j, i], duplicates accumulating (float dtypes).
    func indexAdd(_ source: Tensor, outer: Int, axisLength: Int, inner: Int, indices: [Int], into out: Tensor)
    /// out[o, j, i] = x[o, index[(o·taken + j)·inner + i], i] (`torch.gather`; out is [outer, taken, inner]).
    func gather(_ x: Tensor, outer: Int, axisLength: Int, inner: Int, taken: Int, index: [Int], into out: Tensor)
    /// out[o, index[k], i] += source[k] for k = (o·taken + j)·inner + i (`torch.scatter_add`, float dtypes).
    func scatterAdd(_ source: Tensor, outer: Int, axisLength: Int, inner: Int, taken: Int, index: [Int], into out: Tensor)
}
