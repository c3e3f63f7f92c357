import Foundation
import Strata
import Testing
import _StrataTestSupport

// Shared pieces of the training tests.
//
// Randomness is explicit: layers draw their initial weights, and Dropout its masks, from the
// generator in effect, and every test that builds layers or trains does so inside
// `GlobalRandom.isolated(seed:)`, a generator private to the test's task. Tests running in
// parallel (also those of other targets, when the whole package runs in one process) therefore
// neither disturb each other's numbers nor need to run one at a time; helpers that must give the
// same model on every call build it in an isolated scope of their own.

/// The training tests, grouped in the test navigator.
@Suite("Training")
enum TrainingSuites {}

/// The values of every tensor of a state dict, by key (a snapshot).
func snapshot(_ state: [String: Tensor]) -> [String: [Double]] {
    state.mapValues(\.doubles)
}

/// The largest absolute difference between two snapshots with the same keys (infinity otherwise).
func maxDifference(_ a: [String: [Double]], _ b: [String: [Double]]) -> Double {
    guard Set(a.keys) == Set(b.keys) else { return .infinity }
    var worst = 0.0
    for (k, x) in a {
        let y = b[k]!
        guard x.count == y.count else { return .infinity }
        for (u, v) in zip(x, y) { worst = max(worst, abs(u - v)) }
    }
    return worst
}

/// A classification problem from a private generator: `count` points with `features`
/// features in `classes` Gaussian clusters (targets int64).
func clusters(count: Int, features: Int = 8, classes: Int = 4, seed: UInt64 = 1) -> TensorDataset {
    var rng = RandomGenerator(seed: seed)
    let centres = Tensor.normal([classes, features], std: 2, generator: &rng).floats
    var inputs: [Float] = [], targets: [Int64] = []
    for i in 0..<count {
        let c = i % classes
        for f in 0..<features { inputs.append(centres[c * features + f] + Float(rng.nextNormal())) }
        targets.append(Int64(c))
    }
    return TensorDataset(inputs: Tensor(inputs, shape: [count, features]), targets: Tensor(targets))
}

/// MNIST as shipped in Data/mnist: the first `train` training images and the first `test` test images.
func mnistSubsets(train: Int, test: Int) throws -> (train: TensorDataset, test: TensorDataset) {
    let (full, testSet) = try mnist.get()
    return (full.subset(0..<train), testSet.subset(0..<test))
}

/// The shipped MNIST, read once.
private let mnist = Result {
    let directory = packageRoot + "/Data/mnist"
    return (try MNIST.load(directory: directory, split: .train), try MNIST.load(directory: directory, split: .test))
}

/// A learning-rate schedule: `first` in epoch 0, then `later`.
struct FirstEpochOnly: LearningRateSchedule {
    var first: Double
    var later: Double = 0
    func learningRate(at step: Int) -> Double { step == 0 ? first : later }
}
