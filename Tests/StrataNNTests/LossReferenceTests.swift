import Testing
import StrataCore
import StrataNN
import _StrataTestSupport

// Losses and their gradients against numpy references, in float32 and float64.

func parseReduction(_ name: String) -> Reduction {
    guard let r = Reduction(rawValue: name) else { fatalError("unknown reduction '\(name)'") }
    return r
}

/// Backpropagates from a loss: a scalar directly, a per-element loss with an upstream of ones.
func backwardFromLoss(_ loss: Tensor) {
    loss.backward(loss.rank == 0 ? nil : Tensor.ones(loss.shape, dtype: loss.dtype))
}

@Suite("Losses match the numpy reference")
struct LossReferenceTests {

    @Test("crossEntropy: reductions, label smoothing, ignore index, spatial, gradient",
          arguments: Reference.cases("losses.crossEntropy"), [DType.float32, .float64])
    func crossEntropyReference(_ c: Reference, _ dtype: DType) {
        let logits = leafCopy(c.tensor("logits", dtype: dtype))
        let loss = crossEntropy(logits: logits, targets: c.intTensor("targets"), reduction: parseReduction(c["reduction"].string),
                                labelSmoothing: c["labelSmoothing"].double)
        #expect(loss.dtype == dtype)
        expectClose(loss, c.tensor("loss"), tolerance: tolerance(for: dtype), "loss")
        backwardFromLoss(loss)
        expectClose(logits.grad, c.tensor("dlogits"), tolerance: tolerance(for: dtype), "dlogits")
    }

    @Test("crossEntropy accepts int32 targets")
    func crossEntropyInt32Targets() {
        let c = Reference.cases("losses.crossEntropy").first { $0["name"].string == "ignore_smoothing_mean" }!
        let loss = crossEntropy(logits: c.tensor("logits"), targets: c.intTensor("targets", dtype: .int32), labelSmoothing: 0.1)
        expectClose(loss, c.tensor("loss"), tolerance: float64Tolerance, "loss")
    }

    @Test("crossEntropy without an ignore index treats every target as a class")
    func crossEntropyNoIgnoreIndex() {
        let c = Reference.cases("losses.crossEntropy").first { $0["name"].string == "mean" }!
        let loss = crossEntropy(logits: c.tensor("logits"), targets: c.intTensor("targets"), ignoreIndex: nil)
        expectClose(loss, c.tensor("loss"), tolerance: float64Tolerance, "loss")
    }

    @Test("crossEntropy equals nllLoss of logSoftmax")
    func crossEntropyIsNLLOfLogSoftmax() {
        let c = Reference.cases("losses.crossEntropy").first { $0["name"].string == "ignore_mean" }!
        let logits = c.tensor("logits"), targets = c.intTensor("targets")
        let a = crossEntropy(logits: logits, targets: targets)
        let b = nllLoss(logProbabilities: logits.logSoftmax(axis: 1), targets: targets)
        expectClose(a, b, tolerance: float64Tolerance, "crossEntropy vs nllLoss(logSoftmax)")
    }

    @Test("nllLoss", arguments: Reference.cases("losses.nllLoss"), [DType.float32, .float64])
    func nllLossReference(_ c: Reference, _ dtype: DType) {
        let input = leafCopy(c.tensor("logProbabilities", dtype: dtype))
        let loss = nllLoss(logProbabilities: input, targets: c.intTensor("targets"), reduction: parseReduction(c["reduction"].string))
        expectClose(loss, c.tensor("loss"), tolerance: tolerance(for: dtype), "loss")
        backwardFromLoss(loss)
        expectClose(input.grad, c.tensor("dinput"), tolerance: tolerance(for: dtype), "dinput")
    }

    @Test("binaryCrossEntropy on logits", arguments: Reference.cases("losses.binaryCrossEntropy"), [DType.float32, .float64])
    func binaryCrossEntropyReference(_ c: Reference, _ dtype: DType) {
        let logits = leafCopy(c.tensor("logits", dtype: dtype))
        let loss = binaryCrossEntropy(logits: logits, targets: c.tensor("targets", dtype: dtype),
                                      reduction: parseReduction(c["reduction"].string))
        expectClose(loss, c.tensor("loss"), tolerance: tolerance(for: dtype), "loss")
        backwardFromLoss(loss)
        expectClose(logits.grad, c.tensor("dlogits"), tolerance: tolerance(for: dtype), "dlogits")
    }

    @Test("mseLoss", arguments: Reference.cases("losses.mseLoss"), [DType.float32, .float64])
    func mseLossReference(_ c: Reference, _ dtype: DType) {
        let prediction = leafCopy(c.tensor("prediction", dtype: dtype))
        let loss = mseLoss(prediction, c.tensor("target", dtype: dtype), reduction: parseReduction(c["reduction"].string))
        expectClose(loss, c.tensor("loss"), tolerance: tolerance(for: dtype), "loss")
        backwardFromLoss(loss)
        expectClose(prediction.grad, c.tensor("dprediction"), tolerance: tolerance(for: dtype), "dprediction")
    }
}
