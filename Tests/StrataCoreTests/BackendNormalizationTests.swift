import Foundation
import Testing
import StrataCore
import _StrataTestSupport

/// The normalisation requirements of ``Backend`` called directly, against the ops and
/// written-out references in Double.
@Suite("Backend: normalisation")
struct BackendNormalizationTests {
    let backend = Device.cpu.backend

    /// Softmax over axis 1 of [2, 3, 2]: outer 2, n 3, inner 2, so lines are strided.
    @Test func softmaxForwardAndBackward() {
        let x = randomTensor([2, 3, 2], seed: 11, dtype: .float64), g = randomTensor([2, 3, 2], seed: 12, dtype: .float64)
        let y = Tensor.empty([2, 3, 2], dtype: .float64), logY = Tensor.empty([2, 3, 2], dtype: .float64)
        backend.softmax(x, outer: 2, n: 3, inner: 2, log: false, into: y)
        backend.softmax(x, outer: 2, n: 3, inner: 2, log: true, into: logY)
        #expect(y.doubles == x.softmax(axis: 1).doubles)
        #expect(logY.doubles == x.logSoftmax(axis: 1).doubles)

        let dx = Tensor.empty([2, 3, 2], dtype: .float64), dLog = Tensor.empty([2, 3, 2], dtype: .float64)
        backend.softmaxBackward(gradient: g, output: y, outer: 2, n: 3, inner: 2, log: false, into: dx)
        backend.softmaxBackward(gradient: g, output: logY, outer: 2, n: 3, inner: 2, log: true, into: dLog)
        for (log, got) in [(false, dx), (true, dLog)] {
            let leaf = x.copy()
            leaf.requiresGrad = true
            ((log ? leaf.logSoftmax(axis: 1) : leaf.softmax(axis: 1)) * g).sum().backward()
            #expect(got.doubles == leaf.grad?.doubles, "log: \(log)")
        }

        // Written out: p = e^x / Σ e^x per line; dx = p (g - Σ g p); d(log p) = g - p Σ g.
        let xv = x.doubles, gv = g.doubles
        var p = [Double](repeating: 0, count: 12), expectedDx = p, expectedDLog = p
        for o in 0..<2 {
            for i in 0..<2 {
                let line = (0..<3).map { (o * 3 + $0) * 2 + i }
                let total = line.map { Foundation.exp(xv[$0]) }.reduce(0, +)
                for k in line { p[k] = Foundation.exp(xv[k]) / total }
                let dot = line.map { gv[$0] * p[$0] }.reduce(0, +), gSum = line.map { gv[$0] }.reduce(0, +)
                for k in line {
                    expectedDx[k] = p[k] * (gv[k] - dot)
                    expectedDLog[k] = gv[k] - p[k] * gSum
                }
            }
        }
        expectClose(y.doubles, p, tolerance: 1e-14)
        expectClose(logY.doubles, p.map { Foundation.log($0) }, tolerance: 1e-14)
        expectClose(dx.doubles, expectedDx, tolerance: 1e-14)
        expectClose(dLog.doubles, expectedDLog, tolerance: 1e-14)
    }

    @Test func layerNormForwardAndBackward() {
        let (rows, n) = (3, 5)
        let x = randomTensor([rows, n], seed: 21, dtype: .float64), g = randomTensor([rows, n], seed: 22, dtype: .float64)
        let w = randomTensor([n], seed: 23, dtype: .float64), b = randomTensor([n], seed: 24, dtype: .float64)
        let y = Tensor.empty([rows, n], dtype: .float64)
        let mean = Tensor.empty([rows], dtype: .float64), rstd = Tensor.empty([rows], dtype: .float64)
        backend.layerNorm(x, weight: w, bias: b, epsilon: 1e-5, into: y, mean: mean, rstd: rstd)
        #expect(y.doubles == x.layerNorm(weight: w, bias: b, epsilon: 1e-5).doubles)

        let dx = Tensor.empty([rows, n], dtype: .float64)
        let dw = Tensor.empty([n], dtype: .float64), db = Tensor.empty([n], dtype: .float64)
        backend.layerNormBackward(gradient: g, input: x, weight: w, mean: mean, rstd: rstd,
                                  into: dx, weightGradient: dw, biasGradient: db)
        let (lx, lw, lb) = (x.copy(), w.copy(), b.copy())
        for t in [lx, lw, lb] { t.requiresGrad = true }
        (lx.layerNorm(weight: lw, bias: lb, epsilon: 1e-5) * g).sum().backward()
        #expect(dx.doubles == lx.grad?.doubles)
        #expect(dw.doubles == lw.grad?.doubles)
        #expect(db.doubles == lb.grad?.doubles)

        // Written out per row: x̂ = (x - μ)/√(σ² + ε), y = x̂ w + b, and the gradients of Σ g·y.
        let xv = x.doubles, gv = g.doubles, wv = w.doubles, bv = b.doubles
        var expectedY = [Double](), expectedDx = [Double](), means = [Double](), rstds = [Double]()
        var expectedDw = [Double](repeating: 0, count: n), expectedDb = expectedDw
        for r in 0..<rows {
            let row = Array(xv[(r * n)..<((r + 1) * n)]), gr = Array(gv[(r * n)..<((r + 1) * n)])
            let mu = row.reduce(0, +) / Double(n)
            let s = 1 / (row.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / Double(n) + 1e-5).squareRoot()
            means.append(mu)
            rstds.append(s)
            let xhat = row.map { ($0 - mu) * s }
            let gh = (0..<n).map { gr[$0] * wv[$0] }
            let meanG = gh.reduce(0, +) / Double(n), meanGX = (0..<n).map { gh[$0] * xhat[$0] }.reduce(0, +) / Double(n)
            for j in 0..<n {
                expectedY.append(xhat[j] * wv[j] + bv[j])
                expectedDx.append(s * (gh[j] - meanG - xhat[j] * meanGX))
                expectedDw[j] += gr[j] * xhat[j]
                expectedDb[j] += gr[j]
            }
        }
        expectClose(mean.doubles, means, tolerance: 1e-14)
        expectClose(rstd.doubles, rstds, tolerance: 1e-12)
        expectClose(y.doubles, expectedY, tolerance: 1e-12)
        expectClose(dx.doubles, expectedDx, tolerance: 1e-12)
        expectClose(dw.doubles, expectedDw, tolerance: 1e-12)
        expectClose(db.doubles, expectedDb, tolerance: 1e-14)
    }

    /// Without weight and bias the output is x̂ itself (float32).
    @Test func layerNormWithoutAffineParameters() {
        let x = randomTensor([4, 8], seed: 31)
        let y = Tensor.empty([4, 8]), mean = Tensor.empty([4]), rstd = Tensor.empty([4])
        backend.layerNorm(x, weight: nil, bias: nil, epsilon: 1e-5, into: y, mean: mean, rstd: rstd)
        #expect(y.floats == x.layerNorm(weight: nil, bias: nil).floats)
        let rowMeans = y.mean(axis: 1).doubles, rowVariances = y.variance(axes: [1], unbiased: false).doubles
        #expect(rowMeans.allSatisfy { Swift.abs($0) < 1e-6 })
        #expect(rowVariances.allSatisfy { Swift.abs($0 - 1) < 1e-3 })
    }
}
