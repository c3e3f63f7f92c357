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
          arguments: try Reference.cases("losses.crossEntropy"), [DType.float32, .float64])
    func crossEntropyReference(_ c: Reference, _ dtype: DType) throws {
        let logits = try leafCopy(c.tensor("logits", dtype: dtype))
        let loss = try crossEntropy(logits: logits, targets: c.intTensor("targets"), reduction: parseReduction(c["reduction"].string),
                                labelSmoothing: c["labelSmoothing"].double)
        #expect(loss.dtype == dtype)
        #expect(try mismatch(loss, c.tensor("loss"), tolerance: tolerance(for: dtype), "loss") == nil)
        backwardFromLoss(loss)
        #expect(try mismatch(logits.grad, c.tensor("dlogits"), tolerance: tolerance(for: dtype), "dlogits") == nil)
    }

    @Test("crossEntropy accepts int32 targets")
    func crossEntropyInt32Targets() throws {
        let c = try Reference.cases("losses.crossEntropy").first { try $0["name"].string == "ignore_smoothing_mean" }!
        let loss = try crossEntropy(logits: c.tensor("logits"), targets: c.intTensor("targets", dtype: .int32), labelSmoothing: 0.1)
        #expect(try mismatch(loss, c.tensor("loss"), tolerance: float64Tolerance, "loss") == nil)
    }

    @Test("crossEntropy without an ignore index treats every target as a class")
    func crossEntropyNoIgnoreIndex() throws {
        let c = try Reference.cases("losses.crossEntropy").first { try $0["name"].string == "mean" }!
        let loss = try crossEntropy(logits: c.tensor("logits"), targets: c.intTensor("targets"), ignoreIndex: nil)
        #expect(try mismatch(loss, c.tensor("loss"), tolerance: float64Tolerance, "loss") == nil)
    }

    @Test("crossEntropy equals nllLoss of logSoftmax")
    func crossEntropyIsNLLOfLogSoftmax() throws {
        let c = try Reference.cases("losses.crossEntropy").first { try $0["name"].string == "ignore_mean" }!
        let logits = try c.tensor("logits"), targets = try c.intTensor("targets")
        let a = crossEntropy(logits: logits, targets: targets)
        let b = nllLoss(logProbabilities: logits.logSoftmax(axis: 1), targets: targets)
        #expect(mismatch(a, b, tolerance: float64Tolerance, "crossEntropy vs nllLoss(logSoftmax)") == nil)
    }

    @Test("nllLoss", arguments: try Reference.cases("losses.nllLoss"), [DType.float32, .float64])
    func nllLossReference(_ c: Reference, _ dtype: DType) throws {
        let input = try leafCopy(c.tensor("logProbabilities", dtype: dtype))
        let loss = try nllLoss(logProbabilities: input, targets: c.intTensor("targets"), reduction: parseReduction(c["reduction"].string))
        #expect(try mismatch(loss, c.tensor("loss"), tolerance: tolerance(for: dtype), "loss") == nil)
        backwardFromLoss(loss)
        #expect(try mismatch(input.grad, c.tensor("dinput"), tolerance: tolerance(for: dtype), "dinput") == nil)
    }

    @Test("binaryCrossEntropy on logits", arguments: try Reference.cases("losses.binaryCrossEntropy"), [DType.float32, .float64])
    func binaryCrossEntropyReference(_ c: Reference, _ dtype: DType) throws {
        let logits = try leafCopy(c.tensor("logits", dtype: dtype))
        let loss = try binaryCrossEntropy(logits: logits, targets: c.tensor("targets", dtype: dtype),
                                      reduction: parseReduction(c["reduction"].string))
        #expect(try mismatch(loss, c.tensor("loss"), tolerance: tolerance(for: dtype), "loss") == nil)
        backwardFromLoss(loss)
        #expect(try mismatch(logits.grad, c.tensor("dlogits"), tolerance: tolerance(for: dtype), "dlogits") == nil)
    }

    @Test("mseLoss", arguments: try Reference.cases("losses.mseLoss"), [DType.float32, .float64])
    func mseLossReference(_ c: Reference, _ dtype: DType) throws {
        let prediction = try leafCopy(c.tensor("prediction", dtype: dtype))
        let loss = try mseLoss(prediction, c.tensor("target", dtype: dtype), reduction: parseReduction(c["reduction"].string))
        #expect(try mismatch(loss, c.tensor("loss"), tolerance: tolerance(for: dtype), "loss") == nil)
        backwardFromLoss(loss)
        #expect(try mismatch(prediction.grad, c.tensor("dprediction"), tolerance: tolerance(for: dtype), "dprediction") == nil)
    }
}
