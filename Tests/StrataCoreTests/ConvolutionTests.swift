import Testing
import StrataCore
import _StrataTestSupport

/// One convolution configuration: input [n, c, h, w], weight [o, c, kh, kw].
struct ConvolutionCase: CustomTestStringConvertible, Sendable {
    var n = 1, c = 1, h = 5, w = 5, o = 1, kh = 3, kw = 3
    var stride = (1, 1), padding = (0, 0), dilation = (1, 1)
    var bias = false
    var dtype = DType.float32
    var testDescription: String {
        "x[\(n),\(c),\(h),\(w)] w[\(o),\(c),\(kh),\(kw)] stride \(stride) padding \(padding) dilation \(dilation)\(bias ? " bias" : "") \(dtype)"
    }
}

/// One pooling configuration over [n, c, h, w].
struct PoolingCase: CustomTestStringConvertible, Sendable {
    var n = 1, c = 1, h = 6, w = 6
    var kernel = (2, 2)
    var stride: (Int, Int)? = nil
    var padding = (0, 0), dilation = (1, 1)
    var dtype = DType.float32
    var testDescription: String {
        "x[\(n),\(c),\(h),\(w)] kernel \(kernel) stride \(stride.map { "\($0)" } ?? "default") padding \(padding) dilation \(dilation) \(dtype)"
    }
}

@Suite("Convolution and pooling against direct loops")
struct ConvolutionTests {
    static let convolutionCases: [ConvolutionCase] = [
        ConvolutionCase(),
        ConvolutionCase(n: 2, c: 3, h: 7, w: 6, o: 4, kh: 3, kw: 2, stride: (2, 1), padding: (1, 0), bias: true),
        ConvolutionCase(n: 1, c: 2, h: 9, w: 8, o: 3, kh: 3, kw: 3, padding: (2, 1), dilation: (2, 2)),
        ConvolutionCase(n: 3, c: 2, h: 8, w: 10, o: 2, kh: 2, kw: 3, stride: (2, 3), padding: (1, 2), dilation: (1, 2), bias: true, dtype: .float64),
        ConvolutionCase(n: 2, c: 5, h: 4, w: 3, o: 6, kh: 1, kw: 1, bias: true),
        ConvolutionCase(n: 2, c: 3, h: 12, w: 12, o: 8, kh: 3, kw: 3, padding: (1, 1), bias: true),
        ConvolutionCase(n: 1, c: 1, h: 3, w: 3, o: 2, kh: 5, kw: 5, padding: (2, 2), dtype: .float64),  // kernel larger than input
        ConvolutionCase(n: 2, c: 4, h: 11, w: 7, o: 3, kh: 4, kw: 1, stride: (3, 2), padding: (0, 1)),
    ]

    @Test("conv2d matches a direct 7-loop convolution", arguments: convolutionCases)
    func conv2dMatchesDirectLoops(_ k: ConvolutionCase) {
        let x = randomTensor([k.n, k.c, k.h, k.w], seed: 1, dtype: k.dtype)
        let weight = randomTensor([k.o, k.c, k.kh, k.kw], seed: 2, dtype: k.dtype)
        let bias = k.bias ? randomTensor([k.o], seed: 3, dtype: k.dtype) : nil
        let y = x.conv2d(weight, bias: bias, stride: k.stride, padding: k.padding, dilation: k.dilation)
        let ref = Naive.conv2d(x.doubles, weight.doubles, bias: bias?.doubles, n: k.n, c: k.c, h: k.h, wd: k.w,
                               o: k.o, kh: k.kh, kw: k.kw, stride: k.stride, padding: k.padding, dilation: k.dilation)
        #expect(y.shape == [k.n, k.o, ref.oh, ref.ow])
        #expect(y.dtype == k.dtype)
        expectClose(y.doubles, ref.values, tolerance: k.dtype == .float32 ? 1e-5 : 1e-12)
    }

    /// An input that needs no gradient (a first layer's data) gets none, and the weight's
    /// gradient is the same bits as when the input's gradient is computed too.
    @Test func conv2dSkipsTheInputGradientNobodyNeeds() {
        var rng = RandomGenerator(seed: 41)
        let data = Tensor.normal([2, 3, 7, 7], generator: &rng), w0 = Tensor.normal([4, 3, 3, 3], generator: &rng)
        func weightGradient(inputNeedsGradient: Bool) -> (Tensor, Tensor?) {
            let x = data.copy(), w = w0.copy()
            x.requiresGrad = inputNeedsGradient
            w.requiresGrad = true
            x.conv2d(w, padding: (1, 1)).square().sum().backward()
            return (w.grad!, x.grad)
        }
        let (alone, noInputGradient) = weightGradient(inputNeedsGradient: false)
        let (both, inputGradient) = weightGradient(inputNeedsGradient: true)
        #expect(noInputGradient == nil && inputGradient?.shape == [2, 3, 7, 7])
        #expect(alone.floats.map(\.bitPattern) == both.floats.map(\.bitPattern))
    }

    @Test func conv2dLiteralValues() {
        // 3x3 input 0...8, 2x2 kernel of ones: each output is the sum of a 2x2 window.
        let x = Tensor.arange(0, 9).reshaped([1, 1, 3, 3])
        expectValues(x.conv2d(Tensor.ones([1, 1, 2, 2])), [8, 12, 20, 24], shape: [1, 1, 2, 2])
        // Cross-correlation, not convolution: the kernel is not flipped.
        let picker = Tensor([1, 0, 0, 0] as [Float], shape: [1, 1, 2, 2])
        expectValues(x.conv2d(picker), [0, 1, 3, 4], shape: [1, 1, 2, 2])
        // Zero padding and a bias per output channel.
        let two = Tensor.concatenated([Tensor.ones([1, 1, 3, 3]), -Tensor.ones([1, 1, 3, 3])], axis: 0)   // [2, 1, 3, 3]
        let y = x.conv2d(two, bias: Tensor([100, 0] as [Float]), padding: (1, 1))
        #expect(y.shape == [1, 2, 3, 3])
        expectValues(y, [108, 115, 112, 121, 136, 127, 120, 133, 124, -8, -15, -12, -21, -36, -27, -20, -33, -24])
        // Stride 2 picks every other window.
        expectValues(Tensor.arange(0, 16).reshaped([1, 1, 4, 4]).conv2d(picker, stride: (2, 2)), [0, 2, 8, 10], shape: [1, 1, 2, 2])
    }

    static let poolingCases: [PoolingCase] = [
        PoolingCase(),
        PoolingCase(n: 2, c: 3, h: 7, w: 7, kernel: (3, 3), stride: (2, 2), padding: (1, 1)),
        PoolingCase(n: 1, c: 2, h: 5, w: 9, kernel: (2, 3), stride: (1, 2)),
        PoolingCase(n: 2, c: 1, h: 8, w: 8, kernel: (3, 2), stride: (2, 3), padding: (1, 0), dtype: .float64),
        PoolingCase(n: 1, c: 3, h: 9, w: 9, kernel: (2, 2), stride: (1, 1)),
        PoolingCase(n: 2, c: 2, h: 6, w: 5, kernel: (4, 4), stride: (2, 1), padding: (2, 2)),
    ]

    @Test("maxPool2d and avgPool2d match direct loops", arguments: poolingCases)
    func poolingMatchesDirectLoops(_ k: PoolingCase) {
        let x = randomTensor([k.n, k.c, k.h, k.w], seed: 4, dtype: k.dtype)
        let stride = k.stride ?? k.kernel
        let maxRef = Naive.pool2d(x.doubles, planes: k.n * k.c, h: k.h, w: k.w, kernel: k.kernel, stride: stride, padding: k.padding, max: true)
        let maxY = x.maxPool2d(kernel: k.kernel, stride: k.stride, padding: k.padding)
        #expect(maxY.shape == [k.n, k.c, maxRef.oh, maxRef.ow])
        expectValues(maxY, maxRef.values)   // max pooling is exact
        let avgRef = Naive.pool2d(x.doubles, planes: k.n * k.c, h: k.h, w: k.w, kernel: k.kernel, stride: stride, padding: k.padding, max: false)
        let avgY = x.avgPool2d(kernel: k.kernel, stride: k.stride, padding: k.padding)
        #expect(avgY.shape == [k.n, k.c, avgRef.oh, avgRef.ow])
        expectClose(avgY.doubles, avgRef.values, tolerance: k.dtype == .float32 ? 1e-6 : 1e-14)
    }

    @Test func dilatedMaxPool() {
        let x = randomTensor([2, 2, 9, 8], seed: 5)
        for (kernel, stride, padding, dilation) in [((3, 3), (1, 1), (0, 0), (2, 2)), ((2, 3), (2, 1), (1, 2), (3, 2))] {
            let ref = Naive.pool2d(x.doubles, planes: 4, h: 9, w: 8, kernel: kernel, stride: stride, padding: padding, dilation: dilation, max: true)
            let y = x.maxPool2d(kernel: kernel, stride: stride, padding: padding, dilation: dilation)
            #expect(y.shape == [2, 2, ref.oh, ref.ow])
            expectValues(y, ref.values)
        }
    }

    @Test func poolingLiteralValues() {
        let x = Tensor.arange(0, 16).reshaped([1, 1, 4, 4])
        expectValues(x.maxPool2d(kernel: (2, 2)), [5, 7, 13, 15], shape: [1, 1, 2, 2])
        expectValues(x.avgPool2d(kernel: (2, 2)), [2.5, 4.5, 10.5, 12.5], shape: [1, 1, 2, 2])
        expectValues(x.maxPool2d(kernel: (3, 3), stride: (1, 1)), [10, 11, 14, 15], shape: [1, 1, 2, 2])
        // Padding: max ignores the padded positions, average counts them as zeros (count_include_pad).
        let negative = -x - 1   // all values negative, so a zero from padding would win a max
        expectValues(negative.maxPool2d(kernel: (2, 2), padding: (1, 1)), [-1, -2, -4, -5, -6, -8, -13, -14, -16], shape: [1, 1, 3, 3])
        expectValues(x.avgPool2d(kernel: (2, 2), padding: (1, 1)), [0, 0.75, 0.75, 3, 7.5, 4.5, 3, 6.75, 3.75], shape: [1, 1, 3, 3])
    }
}
