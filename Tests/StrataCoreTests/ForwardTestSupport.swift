import Testing
import StrataCore
import _StrataTestSupport

// Helpers shared by the forward-value tests: exact comparisons against literal values and
// plain-Swift reference implementations (naive loops in Double) of the kernels under test.

/// Checks a tensor's shape and values (converted to Double) against literal expectations.
func expectValues(_ t: Tensor, _ expected: [Double], shape: Shape? = nil, tolerance: Double = 0,
                  sourceLocation: SourceLocation = #_sourceLocation) {
    if let shape {
        #expect(t.shape == shape, "shape \(t.shape), expected \(shape)", sourceLocation: sourceLocation)
    }
    let got = t.doubles
    #expect(got.count == expected.count, "\(got.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
    guard got.count == expected.count else { return }
    if tolerance == 0 {
        #expect(got == expected, sourceLocation: sourceLocation)
    } else {
        let worst = zip(got, expected).map { Swift.abs($0 - $1) }.max() ?? 0
        #expect(worst <= tolerance, "largest difference \(worst) > \(tolerance): got \(got.prefix(16)), expected \(expected.prefix(16))",
                sourceLocation: sourceLocation)
    }
}

/// Checks that the largest difference to `expected`, relative to max(1, |expected|), stays within `tolerance`.
func expectClose(_ got: [Double], _ expected: [Double], tolerance: Double, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(got.count == expected.count, "\(got.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
    guard got.count == expected.count else { return }
    var worst = 0.0, at = 0
    for i in got.indices {
        let e = Swift.abs(got[i] - expected[i]) / Swift.max(1, Swift.abs(expected[i]))
        if !(e <= worst) { worst = e; at = i }
    }
    #expect(worst <= tolerance, "relative error \(worst) at \(at): got \(got[at]), expected \(expected[at])", sourceLocation: sourceLocation)
}

/// Uniform values in [-1, 1) from a fixed seed, as a float32 or float64 tensor.
func randomTensor(_ shape: Shape, seed: UInt64, dtype: DType = .float32) -> Tensor {
    var rng = RandomGenerator(seed: seed)
    return Tensor.uniform(shape, low: -1, high: 1, dtype: dtype, generator: &rng)
}

/// The row-major flat index of `index` in `shape`.
func flatIndex(_ index: [Int], _ shape: [Int]) -> Int {
    var off = 0
    for (i, d) in zip(index, shape) { off = off * d + i }
    return off
}

/// Every multi-index of `shape`, row-major.
func allIndices(_ shape: [Int]) -> [[Int]] {
    var result: [[Int]] = [[]]
    for d in shape { result = result.flatMap { prefix in (0..<d).map { prefix + [$0] } } }
    return result
}

// MARK: - Naive references

enum Naive {
    /// C[m, n] = op(A) · op(B) for row-major matrices stored as `a` ([m, k] or, transposed, [k, m]) and `b`.
    static func matmul(_ a: [Double], _ b: [Double], m: Int, k: Int, n: Int,
                       transposeA: Bool = false, transposeB: Bool = false) -> [Double] {
        var c = [Double](repeating: 0, count: m * n)
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    for i in 0..<m {
                        for j in 0..<n {
                            var s = 0.0
                            for p in 0..<k {
                                let x = transposeA ? a[p * m + i] : a[i * k + p]
                                let y = transposeB ? b[j * k + p] : b[p * n + j]
                                s += x * y
                            }
                            c[i * n + j] = s
                        }
                    }
                }
            }
        }
        return c
    }

    /// Direct convolution (cross-correlation) of [N, C, H, W] with [O, C, kh, kw] weights.
    static func conv2d(_ x: [Double], _ w: [Double], bias: [Double]?, n: Int, c: Int, h: Int, wd: Int,
                       o: Int, kh: Int, kw: Int, stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int))
        -> (values: [Double], oh: Int, ow: Int) {
        let oh = (h + 2 * padding.0 - dilation.0 * (kh - 1) - 1) / stride.0 + 1
        let ow = (wd + 2 * padding.1 - dilation.1 * (kw - 1) - 1) / stride.1 + 1
        var y = [Double](repeating: 0, count: n * o * oh * ow)
        for b in 0..<n {
            for oc in 0..<o {
                for i in 0..<oh {
                    for j in 0..<ow {
                        var s = bias?[oc] ?? 0
                        for ic in 0..<c {
                            for ki in 0..<kh {
                                for kj in 0..<kw {
                                    let iy = i * stride.0 - padding.0 + ki * dilation.0
                                    let ix = j * stride.1 - padding.1 + kj * dilation.1
                                    guard iy >= 0, iy < h, ix >= 0, ix < wd else { continue }
                                    s += x[((b * c + ic) * h + iy) * wd + ix] * w[((oc * c + ic) * kh + ki) * kw + kj]
                                }
                            }
                        }
                        y[((b * o + oc) * oh + i) * ow + j] = s
                    }
                }
            }
        }
        return (y, oh, ow)
    }

    /// Pooling over [planes, H, W]: max ignores padding; average divides by kh*kw (padding counts as zero).
    static func pool2d(_ x: [Double], planes: Int, h: Int, w: Int, kernel: (Int, Int), stride: (Int, Int),
                       padding: (Int, Int), dilation: (Int, Int) = (1, 1), max: Bool) -> (values: [Double], oh: Int, ow: Int) {
        let oh = (h + 2 * padding.0 - dilation.0 * (kernel.0 - 1) - 1) / stride.0 + 1
        let ow = (w + 2 * padding.1 - dilation.1 * (kernel.1 - 1) - 1) / stride.1 + 1
        var y = [Double](repeating: 0, count: planes * oh * ow)
        for p in 0..<planes {
            for i in 0..<oh {
                for j in 0..<ow {
                    var best = -Double.infinity, total = 0.0
                    for ki in 0..<kernel.0 {
                        for kj in 0..<kernel.1 {
                            let iy = i * stride.0 - padding.0 + ki * dilation.0
                            let ix = j * stride.1 - padding.1 + kj * dilation.1
                            guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                            let v = x[(p * h + iy) * w + ix]
                            best = Swift.max(best, v)
                            total += v
                        }
                    }
                    y[(p * oh + i) * ow + j] = max ? best : total / Double(kernel.0 * kernel.1)
                }
            }
        }
        return (y, oh, ow)
    }
}
