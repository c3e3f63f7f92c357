import CStrataKernels
/// A differentiable elementwise function: its value and its derivative side by side.
/// `derivative(x:y:)` receives the input and the already computed output.
protocol UnaryFunction {
    func forward<T: FloatScalar>(_ x: T) -> T
    func derivative<T: FloatScalar>(x: T, y: T) -> T
}

/// Elementwise kernels over contiguous buffers, split across cores for large tensors.
enum ElementwiseKernels {
    @inline(__always)
    static func map<T: FloatScalar, F: UnaryFunction>(_ f: F, _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ n: Int) {
        Parallel.forEachChunk(n, grain: Parallel.elementwiseGrain) { r in
            for i in r { y[i] = f.forward(x[i]) }
        }
    }

    /// dx[i] = g[i] * f'(x[i], y[i])
    @inline(__always)
    static func backward<T: FloatScalar, F: UnaryFunction>(_ f: F, _ g: UnsafePointer<T>, _ x: UnsafePointer<T>,
                                                          _ y: UnsafePointer<T>, _ dx: UnsafeMutablePointer<T>, _ n: Int) {
        Parallel.forEachChunk(n, grain: Parallel.elementwiseGrain) { r in
            for i in r { dx[i] = g[i] * f.derivative(x: x[i], y: y[i]) }
        }
    }

    /// The float32 forward: a ``VectorizedFunction``'s AVX2 kernel where the CPU has one, else
    /// the generic loop.
    static func mapFloat32<F: UnaryFunction>(_ f: F, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        guard let vectorized = F.self as? any VectorizedFunction.Type, VectorMath.available else {
            return map(f, x, y, n)
        }
        let kernel = vectorized.float32Map
        Parallel.forEachChunk(n, grain: Parallel.elementwiseGrain) { r in
            _ = kernel(x + r.lowerBound, y + r.lowerBound, Int64(r.count))
        }
    }

    /// The float32 backward, vectorised where the function has an AVX2 derivative kernel.
    static func backwardFloat32<F: UnaryFunction>(_ f: F, _ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>,
                                           _ y: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, _ n: Int) {
        guard let vectorized = F.self as? any VectorizedFunction.Type, let kernel = vectorized.float32Backward,
              VectorMath.available else {
            return backward(f, g, x, y, dx, n)
        }
        Parallel.forEachChunk(n, grain: Parallel.elementwiseGrain) { r in
            _ = kernel(g + r.lowerBound, x + r.lowerBound, dx + r.lowerBound, Int64(r.count))
        }
    }
}

/// A function with float32 kernels in CStrataKernels (`strata_*_f32`, eight lanes per AVX2
/// instruction, one polynomial exp shared by the lanes), used in place of the generic loop,
/// which calls the C library's scalar `expf`/`tanhf` once per element.
protocol VectorizedFunction: UnaryFunction {
    /// y = f(x) over n values; returns 0 where the CPU has no AVX2.
    static var float32Map: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int64) -> Int32 { get }
    /// dx = g * f'(x) over n values, for derivatives that need the transcendental again
    /// (nil: the generic loop, which the compiler vectorises, reads the saved output instead).
    static var float32Backward: ((UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int64) -> Int32)? { get }
}

extension VectorizedFunction {
    static var float32Backward: ((UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int64) -> Int32)? { nil }
}

/// Whole-array activations for kernels that apply them to parts of their own buffers (the fused
/// LSTM's gates), vectorised for float32 on AVX2.
enum VectorMath {
    /// Whether this CPU runs CStrataKernels' AVX2 activations (AVX2, FMA and F16C).
    static let available = strata_quant_best_level() == Int32(STRATA_QUANT_AVX2)

    /// x[i] = σ(x[i]) for i in 0..<n.
    @inline(__always)
    static func sigmoidInPlace<T: FloatScalar>(_ x: UnsafeMutablePointer<T>, _ n: Int) {
        if T.self == Float.self, available {
            _ = strata_sigmoid_f32(float32Pointer(x), float32Pointer(x), Int64(n))
        } else {
            for k in 0..<n { x[k] = SigmoidFunction().forward(x[k]) }
        }
    }

    /// y[i] = tanh(x[i]) for i in 0..<n (x == y allowed).
    @inline(__always)
    static func tanh<T: FloatScalar>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ n: Int) {
        if T.self == Float.self, available {
            _ = strata_tanh_f32(float32Pointer(x), float32Pointer(y), Int64(n))
        } else {
            for k in 0..<n { y[k] = T.tanh(x[k]) }
        }
    }
}

// MARK: - The functions

struct NegFunction: UnaryFunction {
    @inline(__always) func forward<T: FloatScalar>(_ x: T) -> T { -x }
    @inline(__always) func derivative<T: FloatScalar>(x: T, y: T) -> T { -1 }
}

struct ExpFunction: UnaryFunction {
    @inline(__always) func forward<T: FloatScalar>(_ x: T) -> T { T.exp(x) }
    @inline(__always) func derivative<T: FloatScalar>(x: T, y: T) -> T { y }
}

struct LogFunction: UnaryFunction {
    @inline(__always) func forward<T: FloatScalar>(_ x: T) -> T { T.log(x) }
    @inline(__always) func derivative<T: FloatScalar>(x: T, y: T) -> T { 1 / x }
}

struct SqrtFunction: UnaryFunction {
    @inline(__always) func forward<T: FloatScalar>(_ x: T) -> T { T.sqrt(x) }
    @inline(__always) func derivative<T: FloatScalar>(x: T, y: T) -> T { 1 / (2 * y) }
}

struct RsqrtFunction: UnaryFunction {
    @inline(__always) func forward<T: FloatScalar>(_ x: T) -> T { 1 / T.sqrt(x) }
    @inline(__always) func derivative<T: FloatScalar>(x: T, y: T) -> T { -y * y * y / 2 }
}

struct AbsFunction: UnaryFunction {
    @inline(__always) func forward<T: FloatScalar>(_ x: T) -> T { x < 0 ? -x : x }
    @inline(__always) func derivative<T: FloatScalar>(x: T, y: T) -> T { x > 0 ? 1 : (x < 0 ? -1 : 0) }
}

struct TanhFunction: VectorizedFunction {
    static var float32Map: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int64) -> Int32 { strata_tanh_f32 }
    @inline(__always) func forward<T: FloatScalar>(_ x: T) -> T { T.tanh(x) }
    @inline(__always) func derivative<T: FloatScalar>(x: T, y: T) -> T { 1 - y * y }
}

struct SigmoidFunction: VectorizedFunction {
    static var float32Map: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int64) -> Int32 { strata_sigmoid_f32 }
    @inline(__always) func forward<T: FloatScalar>(_ x: T) -> T { 1 / (1 + T.exp(-x)) }
    @inline(__always) func derivative<T: FloatScalar>(x: T, y: T) -> T { y * (1 - y) }
}

struct ReLUFunction: UnaryFunction {
    @inline(__always) func forward<T: FloatScalar>(_ x: T) -> T { x > 0 ? x : 0 }
    @inline(__always) func derivative<T: FloatScalar>(x: T, y: T) -> T { x > 0 ? 1 : 0 }
}

struct LeakyReLUFunction: UnaryFunction {
    let slope: Double
    @inline(__always) func forward<T: FloatScalar>(_ x: T) -> T { x > 0 ? x : T(slope) * x }
    @inline(__always) func derivative<T: FloatScalar>(x: T, y: T) -> T { x > 0 ? 1 : T(slope) }
}

/// GELU, tanh approximation: 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³))).
struct GELUTanhFunction: VectorizedFunction {
    static var float32Map: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int64) -> Int32 { strata_gelu_tanh_f32 }
    static var float32Backward: ((UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int64) -> Int32)? {
        strata_gelu_tanh_backward_f32
    }
    @inline(__always) func forward<T: FloatScalar>(_ x: T) -> T {
        let c = T(0.7978845608028654)
        return T(0.5) * x * (1 + T.tanh(c * (x + T(0.044715) * x * x * x)))
    }
    @inline(__always) func derivative<T: FloatScalar>(x: T, y: T) -> T {
        let c = T(0.7978845608028654)
        let t = T.tanh(c * (x + T(0.044715) * x * x * x))
        return T(0.5) * (1 + t) + T(0.5) * x * (1 - t * t) * c * (1 + 3 * T(0.044715) * x * x)
    }
}

/// GELU, exact: x Φ(x) = 0.5 x (1 + erf(x / √2)).
struct GELUErfFunction: VectorizedFunction {
    static var float32Map: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int64) -> Int32 { strata_gelu_erf_f32 }
    static var float32Backward: ((UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int64) -> Int32)? {
        strata_gelu_erf_backward_f32
    }
    @inline(__always) func forward<T: FloatScalar>(_ x: T) -> T { T(0.5) * x * (1 + T.erf(x * T(0.7071067811865476))) }
    @inline(__always) func derivative<T: FloatScalar>(x: T, y: T) -> T {
        let cdf = T(0.5) * (1 + T.erf(x * T(0.7071067811865476)))
        let pdf = T.exp(-T(0.5) * x * x) * T(0.3989422804014327)
        return cdf + x * pdf
    }
}

struct SiLUFunction: VectorizedFunction {
    static var float32Map: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int64) -> Int32 { strata_silu_f32 }
    @inline(__always) func forward<T: FloatScalar>(_ x: T) -> T { x / (1 + T.exp(-x)) }
    @inline(__always) func derivative<T: FloatScalar>(x: T, y: T) -> T {
        let s = 1 / (1 + T.exp(-x))
        return s * (1 + x * (1 - s))
    }
}

struct SoftplusFunction: UnaryFunction {
    @inline(__always) func forward<T: FloatScalar>(_ x: T) -> T { x > 20 ? x : (x < -20 ? T.exp(x) : T.log(1 + T.exp(x))) }
    @inline(__always) func derivative<T: FloatScalar>(x: T, y: T) -> T { 1 / (1 + T.exp(-x)) }
}

struct SinFunction: UnaryFunction {
    @inline(__always) func forward<T: FloatScalar>(_ x: T) -> T { T.sin(x) }
    @inline(__always) func derivative<T: FloatScalar>(x: T, y: T) -> T { T.cos(x) }
}

struct CosFunction: UnaryFunction {
    @inline(__always) func forward<T: FloatScalar>(_ x: T) -> T { T.cos(x) }
    @inline(__always) func derivative<T: FloatScalar>(x: T, y: T) -> T { -T.sin(x) }
}

struct SquareFunction: UnaryFunction {
    @inline(__always) func forward<T: FloatScalar>(_ x: T) -> T { x * x }
    @inline(__always) func derivative<T: FloatScalar>(x: T, y: T) -> T { 2 * x }
}

/// x^p for a constant exponent p.
struct PowerFunction: UnaryFunction {
    let p: Double
    @inline(__always) func forward<T: FloatScalar>(_ x: T) -> T { T.pow(x, T(p)) }
    @inline(__always) func derivative<T: FloatScalar>(x: T, y: T) -> T { T(p) * T.pow(x, T(p - 1)) }
}

/// a * x + b for constants (scalar arithmetic with one tensor).
struct AffineFunction: UnaryFunction {
    let scale: Double, shift: Double
    @inline(__always) func forward<T: FloatScalar>(_ x: T) -> T { T(scale) * x + T(shift) }
    @inline(__always) func derivative<T: FloatScalar>(x: T, y: T) -> T { T(scale) }
}

/// c / x for a constant c.
struct ScalarDivideFunction: UnaryFunction {
    let c: Double
    @inline(__always) func forward<T: FloatScalar>(_ x: T) -> T { T(c) / x }
    @inline(__always) func derivative<T: FloatScalar>(x: T, y: T) -> T { -y / x }
}

struct ClampFunction: UnaryFunction {
    let low: Double, high: Double
    @inline(__always) func forward<T: FloatScalar>(_ x: T) -> T { x < T(low) ? T(low) : (x > T(high) ? T(high) : x) }
    @inline(__always) func derivative<T: FloatScalar>(x: T, y: T) -> T { (x >= T(low) && x <= T(high)) ? 1 : 0 }
}

