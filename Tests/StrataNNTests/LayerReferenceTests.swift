import Testing
import StrataCore
import StrataNN
import StrataOptim
import _StrataTestSupport

// Layers against numpy references (Scripts/make_nn_fixtures.py). Layers hold float32
// parameters, so they run in float32; where a functional form exists (conv2d, pooling,
// parameter-free LayerNorm) it is also checked in float64.

@Suite("Layers match the numpy reference")
struct LayerReferenceTests {
    @Test("Linear forward and gradients", arguments: Reference.cases("linear"))
    func linear(_ c: Reference) {
        let w = c.shape("weight")
        let layer = Linear(w[1], w[0])
        layer.weight.assign(c.tensor("weight"))
        layer.bias!.assign(c.tensor("bias"))
        let x = leafCopy(c.tensor("x", dtype: .float32))
        let y = layer(x)
        expectClose(y, c.tensor("y"), tolerance: float32Tolerance, "y")
        y.backward(c.tensor("upstream", dtype: .float32))
        expectClose(x.grad, c.tensor("dx"), tolerance: float32Tolerance, "dx")
        expectClose(layer.weight.grad, c.tensor("dweight"), tolerance: float32Tolerance, "dweight")
        expectClose(layer.bias!.grad, c.tensor("dbias"), tolerance: float32Tolerance, "dbias")
    }

    @Test("Conv2D layer (float32)", arguments: Reference.cases("conv2d"))
    func conv2dLayer(_ c: Reference) {
        let w = c.shape("weight")
        let hasBias = c["hasBias"].bool
        let conv = Conv2D(w[1], w[0], kernelSize: (w[2], w[3]), stride: c["stride"].pair, padding: c["padding"].pair,
                          dilation: c["dilation"].pair, bias: hasBias)
        #expect((conv.bias != nil) == hasBias)
        conv.weight.assign(c.tensor("weight"))
        if hasBias { conv.bias!.assign(c.tensor("bias")) }
        let x = leafCopy(c.tensor("x", dtype: .float32))
        let y = conv(x)
        expectClose(y, c.tensor("y"), tolerance: float32Tolerance, "y")
        y.backward(c.tensor("upstream", dtype: .float32))
        expectClose(x.grad, c.tensor("dx"), tolerance: float32Tolerance, "dx")
        expectClose(conv.weight.grad, c.tensor("dweight"), tolerance: float32Tolerance, "dweight")
        if hasBias { expectClose(conv.bias!.grad, c.tensor("dbias"), tolerance: float32Tolerance, "dbias") }
    }

    @Test("conv2d in float64", arguments: Reference.cases("conv2d"))
    func conv2dFloat64(_ c: Reference) {
        let x = leafCopy(c.tensor("x")), w = leafCopy(c.tensor("weight"))
        let b = c["hasBias"].bool ? leafCopy(c.tensor("bias")) : nil
        let y = x.conv2d(w, bias: b, stride: c["stride"].pair, padding: c["padding"].pair, dilation: c["dilation"].pair)
        expectClose(y, c.tensor("y"), tolerance: float64Tolerance, "y")
        y.backward(c.tensor("upstream"))
        expectClose(x.grad, c.tensor("dx"), tolerance: float64Tolerance, "dx")
        expectClose(w.grad, c.tensor("dweight"), tolerance: float64Tolerance, "dweight")
        if let b { expectClose(b.grad, c.tensor("dbias"), tolerance: float64Tolerance, "dbias") }
    }

    @Test("MaxPool2D and AvgPool2D", arguments: Reference.cases("pool2d"))
    func pooling(_ c: Reference) {
        let kernel = c["kernel"].pair, stride = c["stride"].pair, padding = c["padding"].pair
        let isMax = c["kind"].string == "max"
        let layer: Module = isMax ? MaxPool2D(kernelSize: kernel, stride: stride, padding: padding)
                                 : AvgPool2D(kernelSize: kernel, stride: stride, padding: padding)
        for dtype in [DType.float32, .float64] {
            let x = leafCopy(c.tensor("x", dtype: dtype))
            let y = layer(x)
            #expect(y.dtype == dtype)
            expectClose(y, c.tensor("y"), tolerance: tolerance(for: dtype), "y \(dtype)")
            y.backward(c.tensor("upstream", dtype: dtype))
            expectClose(x.grad, c.tensor("dx"), tolerance: tolerance(for: dtype), "dx \(dtype)")
        }
    }

    @Test("pool stride defaults to the kernel size")
    func poolDefaultStride() {
        #expect(MaxPool2D(kernelSize: (2, 3)).stride == (2, 3))
        #expect(AvgPool2D(kernelSize: (3, 2)).stride == (3, 2))
        let y = MaxPool2D(kernelSize: (2, 2))(Tensor.zeros([1, 2, 6, 4]))
        #expect(y.shape == [1, 2, 3, 2])
    }

    @Test("BatchNorm: training statistics, running averages, evaluation", arguments: Reference.cases("batchNorm"))
    func batchNorm(_ c: Reference) throws {
        let features = c.shape("weight")[0]
        let bn = BatchNorm(features, epsilon: c["epsilon"].double, momentum: c["momentum"].double)
        try bn.loadStateDict([
            "weight": c.tensor("weight"), "bias": c.tensor("bias"),
            "running_mean": c.tensor("runningMean"), "running_var": c.tensor("runningVar"),
        ])
        #expect(bn.isTraining)
        let x = leafCopy(c.tensor("x", dtype: .float32))
        let y = bn(x)
        expectClose(y, c.tensor("yTrain"), tolerance: float32Tolerance, "training output")
        expectClose(bn.runningMean, c.tensor("runningMeanAfter"), tolerance: float32Tolerance, "running_mean")
        expectClose(bn.runningVar, c.tensor("runningVarAfter"), tolerance: float32Tolerance, "running_var (unbiased)")
        y.backward(c.tensor("upstream", dtype: .float32))
        expectClose(x.grad, c.tensor("dx"), tolerance: float32Tolerance, "dx")
        expectClose(bn.weight.grad, c.tensor("dweight"), tolerance: float32Tolerance, "dweight")
        expectClose(bn.bias.grad, c.tensor("dbias"), tolerance: float32Tolerance, "dbias")

        bn.train(false)
        let yEval = bn(c.tensor("xEval", dtype: .float32))
        expectClose(yEval, c.tensor("yEval"), tolerance: float32Tolerance, "evaluation output")
        // Evaluation leaves the running statistics alone.
        expectClose(bn.runningMean, c.tensor("runningMeanAfter"), tolerance: float32Tolerance, "running_mean after eval")
        expectClose(bn.runningVar, c.tensor("runningVarAfter"), tolerance: float32Tolerance, "running_var after eval")
    }

    @Test("LayerNorm forward and gradients (float32)", arguments: Reference.cases("layerNorm"))
    func layerNorm(_ c: Reference) {
        let affine = c["affine"].bool
        let ln = LayerNorm(c["normalizedShape"].ints, epsilon: c["epsilon"].double, elementwiseAffine: affine)
        #expect((ln.weight != nil) == affine && (ln.bias != nil) == affine)
        if affine {
            ln.weight!.assign(c.tensor("weight"))
            ln.bias!.assign(c.tensor("bias"))
        }
        let x = leafCopy(c.tensor("x", dtype: .float32))
        let y = ln(x)
        expectClose(y, c.tensor("y"), tolerance: float32Tolerance, "y")
        y.backward(c.tensor("upstream", dtype: .float32))
        expectClose(x.grad, c.tensor("dx"), tolerance: float32Tolerance, "dx")
        if affine {
            expectClose(ln.weight!.grad, c.tensor("dweight"), tolerance: float32Tolerance, "dweight")
            expectClose(ln.bias!.grad, c.tensor("dbias"), tolerance: float32Tolerance, "dbias")
        }
    }

    @Test("LayerNorm without affine parameters in float64")
    func layerNormFloat64() {
        let c = Reference.cases("layerNorm").first { !$0["affine"].bool }!
        let ln = LayerNorm(c["normalizedShape"].ints, epsilon: c["epsilon"].double, elementwiseAffine: false)
        #expect(ln.parameters().isEmpty)
        let x = leafCopy(c.tensor("x"))
        let y = ln(x)
        expectClose(y, c.tensor("y"), tolerance: float64Tolerance, "y")
        y.backward(c.tensor("upstream"))
        expectClose(x.grad, c.tensor("dx"), tolerance: float64Tolerance, "dx")
    }

    @Test("activation functions and layers", arguments: [DType.float32, .float64])
    func activations(_ dtype: DType) {
        let c = Reference.root["activations"]
        let x = c.tensor("x", dtype: dtype)
        let tol = tolerance(for: dtype)
        expectClose(x.gelu(approximate: true), c.tensor("geluTanh"), tolerance: tol, "gelu tanh")
        expectClose(x.gelu(approximate: false), c.tensor("geluErf"), tolerance: tol, "gelu erf")
        expectClose(x.silu(), c.tensor("silu"), tolerance: tol, "silu")
        expectClose(x.softplus(), c.tensor("softplus"), tolerance: tol, "softplus")
        expectClose(GELU(approximate: true)(x), c.tensor("geluTanh"), tolerance: tol, "GELU(approximate: true)")
        expectClose(GELU()(x), c.tensor("geluErf"), tolerance: tol, "GELU() is the exact erf form, as in PyTorch")
        expectClose(SiLU()(x), c.tensor("silu"), tolerance: tol, "SiLU")
        expectClose(Sigmoid()(x), c.tensor("sigmoid"), tolerance: tol, "Sigmoid")
        expectClose(Tanh()(x), c.tensor("tanh"), tolerance: tol, "Tanh")
        expectClose(ReLU()(x), c.tensor("relu"), tolerance: tol, "ReLU")
        expectClose(LeakyReLU()(x), c.tensor("leakyRelu"), tolerance: tol, "LeakyReLU")
    }

    @Test("Softmax layer rows sum to one")
    func softmaxLayer() {
        let x = testTensor([3, 5], seed: 4)
        let p = Softmax(axis: -1)(x)
        expectClose(p.sum(axis: 1), Tensor.ones([3], dtype: .float64), tolerance: float64Tolerance, "row sums")
        expectClose(p.log(), x.logSoftmax(axis: 1), tolerance: float64Tolerance, "log of softmax")
    }

    @Test("Flatten keeps the batch axis; Embedding looks up rows")
    func flattenAndEmbedding() {
        #expect(Flatten()(Tensor.zeros([8, 4, 3, 2])).shape == [8, 24])
        let embed = Embedding(5, 3)
        let table = testTensor([5, 3], seed: 9)
        embed.weight.assign(table)
        let ids = Tensor([4, 0, 4, 2] as [Int64], shape: [2, 2])
        let out = embed(ids)
        #expect(out.shape == [2, 2, 3])
        let rows = table.doubles
        let expected = [4, 0, 4, 2].flatMap { Array(rows[($0 * 3)..<($0 * 3 + 3)]) }
        expectClose(out.doubles, expected, tolerance: float32Tolerance, "embedding rows")
        // Repeated ids accumulate their gradients.
        out.sum().backward()
        expectClose(embed.weight.grad!.doubles, [1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 2, 2, 2], tolerance: 0, "embedding gradient")
    }
}
