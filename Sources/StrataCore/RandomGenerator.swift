import Foundation

/// A seeded pseudo-random generator (xoshiro256**, seeded through SplitMix64):
/// the same seed gives the same numbers on every run and machine.
///
/// ```swift
/// var rng = RandomGenerator(seed: 42)
/// let w = Tensor.normal([3, 3], generator: &rng)
/// ```
public struct RandomGenerator: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    /// The generator's full state (four words), to save and restore a stream exactly.
    ///
    /// ```swift
    /// let saved = rng.state
    /// rng.state = saved   // continues with the same numbers
    /// ```
    public var state: [UInt64] {
        get { [s.0, s.1, s.2, s.3] }
        set {
            ensure(newValue.count == 4, "RandomGenerator.state needs 4 words, got \(newValue.count)")
            s = (newValue[0], newValue[1], newValue[2], newValue[3])
        }
    }

    @inline(__always) private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    public mutating func next() -> UInt64 {
        let result = Self.rotl(s.1 &* 5, 7) &* 9
        let t = s.1 << 17
        s.2 ^= s.0; s.3 ^= s.1; s.1 ^= s.2; s.0 ^= s.3
        s.2 ^= t
        s.3 = Self.rotl(s.3, 45)
        return result
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func nextUniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Standard normal (Box-Muller).
    public mutating func nextNormal() -> Double {
        var u1 = nextUniform()
        while u1 <= 0 { u1 = nextUniform() }
        let u2 = nextUniform()
        return (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
    }

    /// An integer in `0..<bound`.
    public mutating func nextInt(below bound: Int) -> Int {
        ensure(bound > 0, "nextInt(below:): bound must be positive")
        return Int(next() % UInt64(bound))
    }
}

/// The generator used when no generator is passed (seed it with `Tensor.manualSeed`): the
/// process-wide one, or inside `isolated(seed:_:)` one private to the current task, so that
/// concurrent work (tests running in parallel, requests in a server) neither races on the
/// process-wide stream nor changes each other's numbers.
///
/// ```swift
/// let a = GlobalRandom.isolated(seed: 1) { Tensor.randn([3]) }    // the same in any company
/// ```
public enum GlobalRandom {
    // nonisolated(unsafe): guarded by `lock`; only `with(_:)` touches it.
    nonisolated(unsafe) static var generator = RandomGenerator(seed: 0x5EED)
    static let lock = NSLock()

    /// A generator owned by one task (and the synchronous code it calls).
    final class Scoped: @unchecked Sendable {
        // @unchecked Sendable: only the task that bound it uses it (see `isolated`).
        var generator: RandomGenerator
        init(seed: UInt64) { generator = RandomGenerator(seed: seed) }
    }
    @TaskLocal static var scoped: Scoped?

    /// Runs `body` with exclusive access to the generator in effect.
    public static func with<R>(_ body: (inout RandomGenerator) -> R) -> R {
        if let scoped { return body(&scoped.generator) }
        lock.lock(); defer { lock.unlock() }
        return body(&generator)
    }

    /// Runs `body` with a generator of its own, seeded with `seed`: draws, `Tensor.manualSeed`
    /// and checkpointed generator states inside it touch neither the process-wide stream nor
    /// other tasks'. Work that `body` hands to other threads uses the process-wide generator.
    public static func isolated<R>(seed: UInt64 = 0x5EED, _ body: () throws -> R) rethrows -> R {
        try $scoped.withValue(Scoped(seed: seed)) { try body() }
    }
}

extension Tensor {
    /// Reseeds the global generator.
    ///
    /// ```swift
    /// Tensor.manualSeed(0)
    /// ```
    public static func manualSeed(_ seed: UInt64) {
        GlobalRandom.with { $0 = RandomGenerator(seed: seed) }
    }

    /// Draws one value per element, written straight into a tensor of `dtype` (no Double copy).
    private static func sample(_ shape: Shape, dtype: DType, generator: UnsafeMutablePointer<RandomGenerator>?,
                               _ draw: (inout RandomGenerator) -> Double) -> Tensor {
        let out = Tensor(uninitialized: shape, dtype: dtype)
        fill(out, generator: generator, draw)
        return out
    }

    /// Overwrites every element of this tensor with normal samples from the global generator, in
    /// place (PyTorch's `normal_`): the same values, in the same order, as `Tensor.normal(shape)`
    /// would draw, without a temporary of the tensor's size. Not recorded for autodiff.
    ///
    /// ```swift
    /// let w = Tensor.zeros([768, 3072])
    /// w.fillNormal(std: 0.02)
    /// ```
    public func fillNormal(mean: Double = 0, std: Double = 1) {
        ensure(dtype.isFloatingPoint, "fillNormal: expected a float tensor, got \(dtype) of shape \(shape)")
        Self.fill(self, generator: nil) { mean + std * $0.nextNormal() }
    }

    /// Writes one drawn value per element of `out`, in element order, on the host.
    private static func fill(_ out: Tensor, generator: UnsafeMutablePointer<RandomGenerator>?,
                             _ draw: (inout RandomGenerator) -> Double) {
        let n = out.shape.elementCount, dtype = out.dtype
        // Samples are drawn on the host, in element order, whatever the device.
        func fill<T: TensorScalar>(_: T.Type, _ g: inout RandomGenerator) {
            out.withUnsafeMutableHostBytes { bytes in
                let p = bytes.bindMemory(to: T.self)
                for i in 0..<n { p[i] = T(fromDouble: draw(&g)) }
            }
        }
        func fill(_ g: inout RandomGenerator) {
            switch dtype {
            case .float32: fill(Float.self, &g)
            case .float64: fill(Double.self, &g)
            case .float16: fill(Float16.self, &g)
            case .int32: fill(Int32.self, &g)
            case .int64: fill(Int64.self, &g)
            case .bool: fill(Bool.self, &g)
            }
        }
        if let generator { fill(&generator.pointee) } else { GlobalRandom.with { fill(&$0) } }
    }

    /// Normal samples with the given mean and standard deviation.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 1)
    /// let noise = Tensor.normal([2, 3], std: 0.1, generator: &rng)
    /// ```
    public static func normal(_ shape: Shape, mean: Double = 0, std: Double = 1, dtype: DType = .float32,
                              generator: inout RandomGenerator, requiresGrad: Bool = false) -> Tensor {
        let t = withUnsafeMutablePointer(to: &generator) { g in sample(shape, dtype: dtype, generator: g) { mean + std * $0.nextNormal() } }
        t.requiresGrad = requiresGrad
        return t
    }

    /// Normal samples from the global generator.
    public static func normal(_ shape: Shape, mean: Double = 0, std: Double = 1, dtype: DType = .float32,
                              requiresGrad: Bool = false) -> Tensor {
        let t = sample(shape, dtype: dtype, generator: nil) { mean + std * $0.nextNormal() }
        t.requiresGrad = requiresGrad
        return t
    }

    /// Standard normal samples from the global generator (PyTorch's `torch.randn`).
    ///
    /// ```swift
    /// Tensor.manualSeed(0)
    /// let w = Tensor.randn([3, 4], requiresGrad: true)     // float32
    /// ```
    public static func randn(_ shape: Shape, dtype: DType = .float32, requiresGrad: Bool = false) -> Tensor {
        normal(shape, dtype: dtype, requiresGrad: requiresGrad)
    }

    /// Uniform samples in [0, 1) from the global generator (PyTorch's `torch.rand`).
    public static func rand(_ shape: Shape, dtype: DType = .float32, requiresGrad: Bool = false) -> Tensor {
        uniform(shape, dtype: dtype, requiresGrad: requiresGrad)
    }

    /// Uniform samples in [low, high).
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 1)
    /// let u = Tensor.uniform([4], low: -1, high: 1, generator: &rng)
    /// ```
    public static func uniform(_ shape: Shape, low: Double = 0, high: Double = 1, dtype: DType = .float32,
                               generator: inout RandomGenerator, requiresGrad: Bool = false) -> Tensor {
        let t = withUnsafeMutablePointer(to: &generator) { g in sample(shape, dtype: dtype, generator: g) { low + (high - low) * $0.nextUniform() } }
        t.requiresGrad = requiresGrad
        return t
    }

    /// Uniform samples from the global generator.
    public static func uniform(_ shape: Shape, low: Double = 0, high: Double = 1, dtype: DType = .float32,
                               requiresGrad: Bool = false) -> Tensor {
        let t = sample(shape, dtype: dtype, generator: nil) { low + (high - low) * $0.nextUniform() }
        t.requiresGrad = requiresGrad
        return t
    }

    /// Bernoulli samples: 1 with probability `p`, else 0 (Bool by default).
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 1)
    /// let keep = Tensor.bernoulli([10], p: 0.9, generator: &rng)
    /// ```
    public static func bernoulli(_ shape: Shape, p: Double, dtype: DType = .bool, generator: inout RandomGenerator) -> Tensor {
        ensure(p >= 0 && p <= 1, "bernoulli: p must be in [0, 1], got \(p)")
        return withUnsafeMutablePointer(to: &generator) { g in sample(shape, dtype: dtype, generator: g) { $0.nextUniform() < p ? 1 : 0 } }
    }

    /// Bernoulli samples from the global generator.
    public static func bernoulli(_ shape: Shape, p: Double, dtype: DType = .bool) -> Tensor {
        ensure(p >= 0 && p <= 1, "bernoulli: p must be in [0, 1], got \(p)")
        return sample(shape, dtype: dtype, generator: nil) { $0.nextUniform() < p ? 1 : 0 }
    }
}
