import Testing
import StrataCore
import StrataNN
import _StrataTestSupport

// Layers against numpy references (Scripts/make_nn_fixtures.py). Layers hold float32
// parameters, so they run in float32; where a functional form exists (conv2d, pooling,
// parameter-free LayerNorm) it is also checked in float64.

@Suite("Layers match the numpy reference")
struct LayerReferenceTests {
    @Test("Linear forward and gradients", arguments: try Reference.cases("linear"))
    func linear(_ c: Reference) throws {
        let w = try c.shape("weight")
        let layer = Linear(w[1], w[0])
        try layer.weight.assign(c.tensor("weight"))
        try layer.bias!.assign(c.tensor("bias"))
        let x = try leafCopy(c.tensor("x", dtype: .float32))
        let y = layer(x)
        #expect(try mismatch(y, c.tensor("y"), tolerance: float32Tolerance, "y") == nil)
        try y.backward(c.tensor("upstream", dtype: .float32))
        #expect(try mismatch(x.grad, c.tensor("dx"), tolerance: float32Tolerance, "dx") == nil)
        #expect(try mismatch(layer.weight.grad, c.tensor("dweight"), tolerance: float32Tolerance, "dweight") == nil)
        #expect(try mismatch(layer.bias!.grad, c.tensor("dbias"), tolerance: float32Tolerance, "dbias") == nil)
    }

    @Test("Conv2D layer (float32)", arguments: try Reference.cases("conv2d"))
    func conv2dLayer(_ c: Reference) throws {
        let w = try c.shape("weight")
        let hasBias = try c["hasBias"].bool
        let conv = try Conv2D(w[1], w[0], kernelSize: (w[2], w[3]), stride: c["stride"].pair, padding: c["padding"].pair,
                          dilation: c["dilation"].pair, bias: hasBias)
        #expect((conv.bias != nil) == hasBias)
        try conv.weight.assign(c.tensor("weight"))
        if hasBias { try conv.bias!.assign(c.tensor("bias")) }
        let x = try leafCopy(c.tensor("x", dtype: .float32))
        let y = conv(x)
        #expect(try mismatch(y, c.tensor("y"), tolerance: float32Tolerance, "y") == nil)
        try y.backward(c.tensor("upstream", dtype: .float32))
        #expect(try mismatch(x.grad, c.tensor("dx"), tolerance: float32Tolerance, "dx") == nil)
        #expect(try mismatch(conv.weight.grad, c.tensor("dweight"), tolerance: float32Tolerance, "dweight") == nil)
        if hasBias { #expect(try mismatch(conv.bias!.grad, c.tensor("dbias"), tolerance: float32Tolerance, "dbias") == nil) }
    }

    @Test("conv2d in float64", arguments: try Reference.cases("conv2d"))
    func conv2dFloat64(_ c: Reference) throws {
        let x = try leafCopy(c.tensor("x")), w = try leafCopy(c.tensor("weight"))
        let b = try c["hasBias"].bool ? leafCopy(c.tensor("bias")) : nil
        let y = try x.conv2d(w, bias: b, stride: c["stride"].pair, padding: c["padding"].pair, dilation: c["dilation"].pair)
        #expect(try mismatch(y, c.tensor("y"), tolerance: float64Tolerance, "y") == nil)
        try y.backward(c.tensor("upstream"))
        #expect(try mismatch(x.grad, c.tensor("dx"), tolerance: float64Tolerance, "dx") == nil)
        #expect(try mismatch(w.grad, c.tensor("dweight"), tolerance: float64Tolerance, "dweight") == nil)
        if let b { #expect(try mismatch(b.grad, c.tensor("dbias"), tolerance: float64Tolerance, "dbias") == nil) }
    }

    @Test("MaxPool2D and AvgPool2D", arguments: try Reference.cases("pool2d"))
    func pooling(_ c: Reference) throws {
        let kernel = try c["kernel"].pair, stride = try c["stride"].pair, padding = try c["padding"].pair
        let isMax = try c["kind"].string == "max"
        let layer: Module = isMax ? MaxPool2D(kernelSize: kernel, stride: stride, padding: padding)
                                 : AvgPool2D(kernelSize: kernel, stride: stride, padding: padding)
        for dtype in [DType.float32, .float64] {
            let x = try leafCopy(c.tensor("x", dtype: dtype))
            let y = layer(x)
            #expect(y.dtype == dtype)
            #expect(try mismatch(y, c.tensor("y"), tolerance: tolerance(for: dtype), "y \(dtype)") == nil)
            try y.backward(c.tensor("upstream", dtype: dtype))
            #expect(try mismatch(x.grad, c.tensor("dx"), tolerance: tolerance(for: dtype), "dx \(dtype)") == nil)
        }
    }

    @Test("pool stride defaults to the kernel size")
    func poolDefaultStride() throws {
        #expect(MaxPool2D(kernelSize: (2, 3)).stride == (2, 3))
        #expect(AvgPool2D(kernelSize: (3, 2)).stride == (3, 2))
        let y = MaxPool2D(kernelSize: (2, 2))(Tensor.zeros([1, 2, 6, 4]))
        #expect(y.shape == [1, 2, 3, 2])
    }

    @Test("BatchNorm: training statistics, running averages, evaluation", arguments: try Reference.cases("batchNorm"))
    func batchNorm(_ c: Reference) throws {
        let features = try c.shape("weight")[0]
        let bn = try BatchNorm(features, epsilon: c["epsilon"].double, momentum: c["momentum"].double)
        try bn.loadStateDict([
            "weight": c.tensor("weight"), "bias": c.tensor("bias"),
            "running_mean": c.tensor("runningMean"), "running_var": c.tensor("runningVar"),
        ])
        #expect(bn.isTraining)
        let x = try leafCopy(c.tensor("x", dtype: .float32))
        let y = bn(x)
        #expect(try mismatch(y, c.tensor("yTrain"), tolerance: float32Tolerance, "training output") == nil)
        #expect(try mismatch(bn.runningMean, c.tensor("runningMeanAfter"), tolerance: float32Tolerance, "running_mean") == nil)
        #expect(try mismatch(bn.runningVar, c.tensor("runningVarAfter"), tolerance: float32Tolerance, "running_var (unbiased)") == nil)
        try y.backward(c.tensor("upstream", dtype: .float32))
        #expect(try mismatch(x.grad, c.tensor("dx"), tolerance: float32Tolerance, "dx") == nil)
        #expect(try mismatch(bn.weight.grad, c.tensor("dweight"), tolerance: float32Tolerance, "dweight") == nil)
        #expect(try mismatch(bn.bias.grad, c.tensor("dbias"), tolerance: float32Tolerance, "dbias") == nil)

        bn.train(false)
        let yEval = try bn(c.tensor("xEval", dtype: .float32))
        #expect(try mismatch(yEval, c.tensor("yEval"), tolerance: float32Tolerance, "evaluation output") == nil)
        // Evaluation leaves the running statistics alone.
        #expect(try mismatch(bn.runningMean, c.tensor("runningMeanAfter"), tolerance: float32Tolerance, "running_mean after eval") == nil)
        #expect(try mismatch(bn.runningVar, c.tensor("runningVarAfter"), tolerance: float32Tolerance, "running_var after eval") == nil)
    }

    @Test("LayerNorm forward and gradients (float32)", arguments: try Reference.cases("layerNorm"))
    func layerNorm(_ c: Reference) throws {
        let affine = try c["affine"].bool
        let ln = try LayerNorm(c["normalizedShape"].ints, epsilon: c["epsilon"].double, elementwiseAffine: affine)
        #expect((ln.weight != nil) == affine && (ln.bias != nil) == affine)
        if affine {
            try ln.weight!.assign(c.tensor("weight"))
            try ln.bias!.assign(c.tensor("bias"))
        }
        let x = try leafCopy(c.tensor("x", dtype: .float32))
        let y = ln(x)
        #expect(try mismatch(y, c.tensor("y"), tolerance: float32Tolerance, "y") == nil)
        try y.backward(c.tensor("upstream", dtype: .float32))
        #expect(try mismatch(x.grad, c.tensor("dx"), tolerance: float32Tolerance, "dx") == nil)
        if affine {
            #expect(try mismatch(ln.weight!.grad, c.tensor("dweight"), tolerance: float32Tolerance, "dweight") == nil)
            #expect(try mismatch(ln.bias!.grad, c.tensor("dbias"), tolerance: float32Tolerance, "dbias") == nil)
        }
    }

    @Test("LayerNorm without affine parameters in float64")
    func layerNormFloat64() throws {
        let c = try Reference.cases("layerNorm").first { try !$0["affine"].bool }!
        let ln = try LayerNorm(c["normalizedShape"].ints, epsilon: c["epsilon"].double, elementwiseAffine: false)
        #expect(ln.parameters().isEmpty)
        let x = try leafCopy(c.tensor("x"))
        let y = ln(x)
        #expect(try mismatch(y, c.tensor("y"), tolerance: float64Tolerance, "y") == nil)
        try y.backward(c.tensor("upstream"))
        #expect(try mismatch(x.grad, c.tensor("dx"), tolerance: float64Tolerance, "dx") == nil)
    }

    @Test("activation functions and layers", arguments: [DType.float32, .float64])
    func activations(_ dtype: DType) throws {
        let c = try Reference.root["activations"]
        let x = try c.tensor("x", dtype: dtype)
        let tol = tolerance(for: dtype)
        #expect(try mismatch(x.gelu(approximate: true), c.tensor("geluTanh"), tolerance: tol, "gelu tanh") == nil)
        #expect(try mismatch(x.gelu(approximate: false), c.tensor("geluErf"), tolerance: tol, "gelu erf") == nil)
        #expect(try mismatch(x.silu(), c.tensor("silu"), tolerance: tol, "silu") == nil)
        #expect(try mismatch(x.softplus(), c.tensor("softplus"), tolerance: tol, "softplus") == nil)
        #expect(try mismatch(GELU(approximate: true)(x), c.tensor("geluTanh"), tolerance: tol, "GELU(approximate: true)") == nil)
        #expect(try mismatch(GELU()(x), c.tensor("geluErf"), tolerance: tol, "GELU() is the exact erf form, as in PyTorch") == nil)
        #expect(try mismatch(SiLU()(x), c.tensor("silu"), tolerance: tol, "SiLU") == nil)
        #expect(try mismatch(Sigmoid()(x), c.tensor("sigmoid"), tolerance: tol, "Sigmoid") == nil)
        #expect(try mismatch(Tanh()(x), c.tensor("tanh"), tolerance: tol, "Tanh") == nil)
        #expect(try mismatch(ReLU()(x), c.tensor("relu"), tolerance: tol, "ReLU") == nil)
        #expect(try mismatch(LeakyReLU()(x), c.tensor("leakyRelu"), tolerance: tol, "LeakyReLU") == nil)
    }

    @Test("Softmax layer rows sum to one")
    func softmaxLayer() {
        let x = testTensor([3, 5], seed: 4)
        let p = Softmax(axis: -1)(x)
        #expect(mismatch(p.sum(axis: 1), Tensor.ones([3], dtype: .float64), tolerance: float64Tolerance, "row sums") == nil)
        #expect(mismatch(p.log(), x.logSoftmax(axis: 1), tolerance: float64Tolerance, "log of softmax") == nil)
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
        #expect(mismatch(out.doubles, expected, tolerance: float32Tolerance, "embedding rows") == nil)
        // Repeated ids accumulate their gradients.
        out.sum().backward()
        #expect(mismatch(embed.weight.grad!.doubles, [1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 2, 2, 2], tolerance: 0, "embedding gradient") == nil)
    }
}
