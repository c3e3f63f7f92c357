/// The part of Backend for reductions along axes: sums, means, maxima, arg-maxima.
public protocol ReductionBackend {
}
