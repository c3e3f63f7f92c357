import Testing
import StrataCore
import _StrataTestSupport

/// The convolution and pooling requirements of the backend, called directly through
/// `Device.cpu.backend`: each must give the op's bits (forward and gradients) and a written-out result.
@Suite("Backend: convolution and pooling")
struct BackendConvolutionTests {
    let backend = Device.cpu.backend

    @Test("conv2d forward and backward, patches")
    func convolution() {
        let x = randomTensor([2, 3, 6, 5], seed: 10, dtype: .float64), weight = randomTensor([4, 3, 3, 2], seed: 11, dtype: .float64)
        let window = Window2D(kernel: (3, 2), stride: (2, 1), padding: (1, 0), dilation: (1, 2))
        let (oh, ow) = window.outputSize(6, 5)   // (3, 3)
        let columns = Tensor.empty([18, 2 * oh * ow], dtype: .float64), out = Tensor.empty([2, 4, oh, ow], dtype: .float64)
        backend.conv2d(x, weight: weight, window: window, columns: columns, into: out)
        let xg = x.copy(), wg = weight.copy()
        xg.requiresGrad = true; wg.requiresGrad = true
        let y = xg.conv2d(wg, stride: (2, 1), padding: (1, 0), dilation: (1, 2))
        #expect(out.doubles == y.doubles)
        let ref = Naive.conv2d(x.doubles, weight.doubles, bias: nil, n: 2, c: 3, h: 6, wd: 5, o: 4, kh: 3, kw: 2,
                               stride: (2, 1), padding: (1, 0), dilation: (1, 2))
        expectClose(out.doubles, ref.values, tolerance: 1e-12)

        let g = randomTensor([2, 4, oh, ow], seed: 12, dtype: .float64)
        (y * g).sum().backward()
        let dx = Tensor.empty(x.shape, dtype: .float64), dw = Tensor.empty(weight.shape, dtype: .float64)
        backend.conv2dBackward(gradient: g, weight: weight, columns: columns, window: window, inputGradient: dx, weightGradient: dw)
        #expect(dx.doubles == xg.grad!.doubles)
        #expect(dw.doubles == wg.grad!.doubles)

        // The patches are the columns transposed: [N·OH·OW, C·kh·kw].
        let x32 = x.cast(to: .float32), rows = Tensor.empty([2 * oh * ow, 18])
        backend.patches(x32, window: window, into: rows)
        #expect(rows.floats == x32.patches(window: window).floats)
        #expect(rows.floats == columns.transposed().cast(to: .float32).floats)
    }

    @Test("max and average pooling, forward and backward")
    func pooling() {
        let x = Tensor((0..<32).map { Float(($0 * 7) % 32) }, shape: [1, 2, 4, 4])
        let window = Window2D(kernel: (2, 2), stride: (2, 2))
        let out = Tensor.empty([1, 2, 2, 2]), indices = Tensor.empty([1, 2, 2, 2], dtype: .int32)
        backend.maxPool2d(x, window: window, into: out, indices: indices)
        #expect(out.floats == x.maxPool2d(kernel: (2, 2)).floats)
        #expect(out.floats == [28, 21, 31, 13, 23, 30, 15, 29])
        // The maximum of each window, as a position in its 4x4 plane.
        #expect(indices.toArray(as: Int32.self) == [4, 3, 9, 11, 1, 2, 9, 11])
        let g = Tensor([1, 2, 3, 4, 5, 6, 7, 8] as [Float], shape: [1, 2, 2, 2])
        let dx = Tensor.zeros([1, 2, 4, 4])
        backend.maxPool2dBackward(gradient: g, indices: indices, into: dx)
        var expected = [Float](repeating: 0, count: 32)
        for (k, i) in indices.toArray(as: Int32.self).enumerated() { expected[(k / 4) * 16 + Int(i)] = Float(k + 1) }
        #expect(dx.floats == expected)

        let padded = Window2D(kernel: (3, 3), stride: (2, 2), padding: (1, 1))
        let avg = Tensor.empty([1, 2, 2, 2])
        backend.avgPool2d(x, window: padded, into: avg)
        #expect(avg.floats == x.avgPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1)).floats)
        let ref = Naive.pool2d(x.doubles, planes: 2, h: 4, w: 4, kernel: (3, 3), stride: (2, 2), padding: (1, 1), max: false)
        expectClose(avg.doubles, ref.values, tolerance: 1e-6)
        let dAvg = Tensor.zeros([1, 2, 4, 4])
        backend.avgPool2dBackward(gradient: Tensor.ones([1, 2, 2, 2]), window: padded, into: dAvg)
        // Each input receives 1/9 per window that covers it: row and column 1 lie in two windows, the others in one.
        let cover: [Double] = [1, 2, 1, 1]
        var shares: [Double] = []
        for i in 0..<32 {
            let row: Double = cover[(i % 16) / 4], column: Double = cover[i % 4]
            shares.append(row * column / 9)
        }
        expectClose(dAvg.doubles, shares, tolerance: 1e-7)
    }
}
