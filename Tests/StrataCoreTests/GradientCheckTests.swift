import Testing
import StrataCore
import _StrataTestSupport

/// One primitive under a finite-difference gradient check.
struct GradientCase: CustomTestStringConvertible, Sendable {
    let name: String
    let shapes: [Shape]
    var positive = false
    let f: @Sendable ([Tensor]) -> Tensor
    var testDescription: String { name }

    func inputs() -> [Tensor] {
        shapes.enumerated().map { i, s in
            let t = testTensor(s, seed: UInt64(i + 1))
            return positive ? t.abs() + 0.5 : t
        }
    }
}

private func unary(_ name: String, positive: Bool = false, _ f: @escaping @Sendable (Tensor) -> Tensor) -> GradientCase {
    GradientCase(name: name, shapes: [[3, 4]], positive: positive) { f($0[0]) }
}

let elementwiseCases: [GradientCase] = [
    unary("neg") { -$0 }, unary("exp") { $0.exp() }, unary("log", positive: true) { $0.log() },
    unary("sqrt", positive: true) { $0.sqrt() }, unary("rsqrt", positive: true) { $0.rsqrt() },
    unary("abs") { $0.abs() }, unary("tanh") { $0.tanh() }, unary("sigmoid") { $0.sigmoid() },
    unary("relu") { $0.relu() }, unary("leakyRelu") { $0.leakyRelu(slope: 0.2) },
    unary("gelu tanh") { $0.gelu() }, unary("gelu erf") { $0.gelu(approximate: false) },
    unary("silu") { $0.silu() }, unary("softplus") { $0.softplus() }, unary("sin") { $0.sin() }, unary("cos") { $0.cos() },
    unary("square") { $0.square() }, unary("pow 3") { $0.pow(3) }, unary("pow 0.5", positive: true) { $0.pow(0.5) },
    unary("clamp") { $0.clamp(min: -0.5, max: 0.5) },
    unary("scalar arithmetic") { (($0 + 1) * 3 - 2) / 4 }, unary("scalar minus and divide", positive: true) { 2 / $0 - $0 },
    unary("cast float64 to float32 and back") { $0.cast(to: .float32).cast(to: .float64) * 0 + $0 },
]

let broadcastCases: [GradientCase] = [
    GradientCase(name: "add broadcast", shapes: [[2, 3, 4], [3, 1]]) { $0[0] + $0[1] },
    GradientCase(name: "subtract broadcast", shapes: [[4], [2, 3, 4]]) { $0[0] - $0[1] },
    GradientCase(name: "multiply broadcast", shapes: [[2, 1, 4], [1, 3, 1]]) { $0[0] * $0[1] },
    GradientCase(name: "multiply by scalar tensor", shapes: [[2, 3], []]) { $0[0] * $0[1] },
    GradientCase(name: "divide broadcast", shapes: [[2, 3], [3]], positive: true) { $0[0] / $0[1] },
    GradientCase(name: "pow tensor", shapes: [[2, 3], [2, 3]], positive: true) { $0[0].pow($0[1]) },
    GradientCase(name: "maximum", shapes: [[2, 3], [3]]) { $0[0].maximum($0[1]) },
    GradientCase(name: "minimum", shapes: [[2, 3], [2, 3]]) { $0[0].minimum($0[1]) },
    GradientCase(name: "where", shapes: [[2, 3], [3]]) { Tensor.where($0[0] .> 0, $0[0] * 2, $0[1]) },
    GradientCase(name: "broadcasted(to:)", shapes: [[3, 1]]) { $0[0].broadcasted(to: [2, 3, 4]) },
]

let reductionCases: [GradientCase] = [
    GradientCase(name: "sum all", shapes: [[2, 3, 4]]) { $0[0].sum() },
    GradientCase(name: "sum axes 0,2 keepDims", shapes: [[2, 3, 4]]) { $0[0].sum(axes: [0, 2], keepDims: true) },
    GradientCase(name: "sum axis 1", shapes: [[2, 3, 4]]) { $0[0].sum(axis: 1) },
    GradientCase(name: "mean axis -1", shapes: [[2, 3, 4]]) { $0[0].mean(axis: -1) },
    GradientCase(name: "variance", shapes: [[3, 5]]) { $0[0].variance(axes: [1]) },
    GradientCase(name: "variance biased all", shapes: [[3, 5]]) { $0[0].variance(unbiased: false) },
    GradientCase(name: "max axis 1", shapes: [[3, 5, 2]]) { $0[0].max(axes: [1]) },
    GradientCase(name: "min all", shapes: [[3, 5]]) { $0[0].min() },
    GradientCase(name: "logSumExp", shapes: [[3, 5]]) { $0[0].logSumExp(axis: 1) },
    GradientCase(name: "softmax last axis", shapes: [[3, 5]]) { $0[0].softmax(axis: -1) },
    GradientCase(name: "softmax middle axis", shapes: [[2, 4, 3]]) { $0[0].softmax(axis: 1) },
    GradientCase(name: "logSoftmax", shapes: [[3, 5]]) { $0[0].logSoftmax(axis: 1) },
]

let matmulCases: [GradientCase] = [
    GradientCase(name: "matmul 2-D", shapes: [[3, 4], [4, 5]]) { $0[0].matmul($0[1]) },
    GradientCase(name: "matmul transposeA", shapes: [[4, 3], [4, 5]]) { Tensor.matmul($0[0], $0[1], transposeA: true) },
    GradientCase(name: "matmul transposeB", shapes: [[3, 4], [5, 4]]) { Tensor.matmul($0[0], $0[1], transposeB: true) },
    GradientCase(name: "matmul both transposed", shapes: [[4, 3], [5, 4]]) { Tensor.matmul($0[0], $0[1], transposeA: true, transposeB: true) },
    GradientCase(name: "matmul batch x matrix", shapes: [[2, 3, 4], [4, 5]]) { $0[0].matmul($0[1]) },
    GradientCase(name: "matmul broadcast batches", shapes: [[2, 1, 3, 4], [3, 4, 2]]) { $0[0].matmul($0[1]) },
    GradientCase(name: "matmul batched transposeB", shapes: [[2, 3, 4], [2, 5, 4]]) { Tensor.matmul($0[0], $0[1], transposeB: true) },
    GradientCase(name: "matmul vector x matrix", shapes: [[4], [4, 3]]) { $0[0].matmul($0[1]) },
    GradientCase(name: "matmul matrix x vector", shapes: [[3, 4], [4]]) { $0[0].matmul($0[1]) },
]

let shapeCases: [GradientCase] = [
    GradientCase(name: "reshaped", shapes: [[2, 6]]) { $0[0].reshaped([3, -1]) * $0[0].reshaped([3, 4]) },
    GradientCase(name: "permuted", shapes: [[2, 3, 4]]) { $0[0].permuted([2, 0, 1]) },
    GradientCase(name: "transposed", shapes: [[2, 3, 4]]) { $0[0].transposed(0, 2) },
    GradientCase(name: "squeezed and expanded", shapes: [[3, 1, 4]]) { $0[0].squeezed(axis: 1).expanded(axis: 0) },
    GradientCase(name: "flattened", shapes: [[2, 3, 4]]) { $0[0].flattened(from: 1) },
    GradientCase(name: "slice with step", shapes: [[5, 7]]) { $0[0].slice(axis: 1, start: 1, end: 6, step: 2) },
    GradientCase(name: "subscript", shapes: [[4, 5, 3]]) { $0[0][1, 1..<4, .newAxis, -1] },
    GradientCase(name: "subscript ellipsis", shapes: [[4, 5, 3]]) { $0[0][.ellipsis, .range(nil, nil, step: 2)] },
    GradientCase(name: "concatenated", shapes: [[2, 3], [2, 2]]) { Tensor.concatenated([$0[0], $0[1], $0[0]], axis: 1) },
    GradientCase(name: "stacked", shapes: [[2, 3], [2, 3]]) { Tensor.stacked([$0[0], $0[1]], axis: 1) },
    GradientCase(name: "split", shapes: [[2, 6]]) { let p = $0[0].split(sizes: [1, 2, 3], axis: 1); return p[2] * 2 + p[0] },
    GradientCase(name: "padded", shapes: [[2, 3, 2]]) { $0[0].padded([(0, 0), (1, 2), (2, 0)], value: 0.5) },
]

let indexingCases: [GradientCase] = [
    GradientCase(name: "gather", shapes: [[3, 4]]) { $0[0].gather(axis: 1, index: Tensor([0, 3, 1, 1, 2, 2] as [Int64], shape: [3, 2])) },
    GradientCase(name: "scatterAdd", shapes: [[3, 4], [3, 2]]) {
        $0[0].scatterAdd(axis: 1, index: Tensor([0, 0, 1, 3, 2, 1] as [Int64], shape: [3, 2]), source: $0[1])
    },
    GradientCase(name: "indexSelect with repeats", shapes: [[4, 3]]) { $0[0].indexSelect(axis: 0, indices: Tensor([2, 0, 2] as [Int32])) },
    GradientCase(name: "indexSelect axis 1", shapes: [[2, 4, 3]]) { $0[0].indexSelect(axis: 1, indices: Tensor([3, 1] as [Int64])) },
    GradientCase(name: "subscript indices", shapes: [[5, 2]]) { $0[0][indices: Tensor([[1, 4], [1, 0]] as [[Int64]])] },
    GradientCase(name: "masked", shapes: [[3, 4]]) { $0[0].masked($0[0] .> 0) },
]

let convolutionCases: [GradientCase] = [
    GradientCase(name: "conv2d", shapes: [[2, 3, 5, 5], [4, 3, 3, 3]]) { $0[0].conv2d($0[1]) },
    GradientCase(name: "conv2d stride padding bias", shapes: [[2, 2, 6, 5], [3, 2, 3, 2], [3]]) {
        $0[0].conv2d($0[1], bias: $0[2], stride: (2, 1), padding: (1, 1))
    },
    GradientCase(name: "conv2d dilation", shapes: [[1, 2, 7, 7], [2, 2, 3, 3]]) { $0[0].conv2d($0[1], padding: (2, 2), dilation: (2, 2)) },
    GradientCase(name: "maxPool2d", shapes: [[2, 2, 5, 5]]) { $0[0].maxPool2d(kernel: (2, 2)) },
    GradientCase(name: "maxPool2d overlapping padded", shapes: [[1, 2, 5, 6]]) { $0[0].maxPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1)) },
    GradientCase(name: "avgPool2d", shapes: [[2, 2, 4, 6]]) { $0[0].avgPool2d(kernel: (2, 3)) },
    GradientCase(name: "avgPool2d padded", shapes: [[1, 1, 5, 5]]) { $0[0].avgPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1)) },
]

@Suite("Gradients match central finite differences (float64)")
struct GradientCheckTests {
    @Test(arguments: elementwiseCases) func elementwise(_ c: GradientCase) { check(c) }
    @Test(arguments: broadcastCases) func broadcasting(_ c: GradientCase) { check(c) }
    @Test(arguments: reductionCases) func reductions(_ c: GradientCase) { check(c) }
    @Test(arguments: matmulCases) func matmul(_ c: GradientCase) { check(c) }
    @Test(arguments: shapeCases) func shapes(_ c: GradientCase) { check(c) }
    @Test(arguments: indexingCases) func indexing(_ c: GradientCase) { check(c) }
    @Test(arguments: convolutionCases) func convolution(_ c: GradientCase) { check(c) }

    func check(_ c: GradientCase) {
        let error = gradientCheck(c.inputs(), c.f)
        #expect(error < 1e-6, "\(c.name): relative gradient error \(error)")
    }

    @Test func gradientsAccumulateAcrossBackwardCalls() {
        let x = Tensor([1, 2, 3] as [Double], requiresGrad: true)
        (x * x).sum().backward()
        (x * 3).sum().backward()
        #expect(x.grad!.doubles == [5, 7, 9])
    }

    @Test func seedGradientAndReuseOfOneTensor() {
        let x = Tensor([1, 2] as [Double], requiresGrad: true)
        let y = x * x + x          // x used three times
        y.backward(Tensor([1, 10] as [Double]))
        #expect(x.grad!.doubles == [3, 50])
    }

    @Test func withoutGradientsRecordsNothing() {
        let x = Tensor([1, 2] as [Float], requiresGrad: true)
        let y = withoutGradients { x * 2 }
        #expect(!y.requiresGrad)
        #expect(!(x.detached() * 2).requiresGrad)
    }
}
