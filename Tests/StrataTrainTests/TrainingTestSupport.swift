import Foundation
import Strata
import Testing
import _StrataTestSupport

// Shared pieces of the training tests.
//
// The global random generator: layers draw their initial weights from it and Dropout draws
// its masks from it, and Swift Testing runs tests in parallel (also the tests of the other
// targets, when the whole package is tested in one process). So:
// - every test here re-draws its model's parameters from a private generator (`reseed`), and
//   only the exact-resume test uses dropout; all other results do not depend on the global stream;
// - the tests that build layers or train sit in one `.serialized` suite (`TrainingSuites`), so they
//   do not disturb each other;
// - the exact-resume test watches the global generator (`RandomStreamWatch`) and runs again when
//   a test elsewhere in the process drew from it in the middle of a run.

/// The tests that construct layers or train: one at a time (see above).
@Suite("Training", .serialized)
enum TrainingSuites {}

/// A fresh folder under the temporary directory, removed on release.
final class ScratchFolder {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "strata-train-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }
}

/// Re-draws every parameter of `model` from a private generator, with PyTorch's default
/// U(-1/√fanIn, 1/√fanIn), so that a model's start does not depend on the global generator.
func reseed(_ model: Module, seed: UInt64) {
    var rng = RandomGenerator(seed: seed)
    var fanIn = 1
    for (_, p) in model.namedParameters() {
        // A weight [out, in, ...] sets fanIn; the bias after it uses its layer's fanIn.
        if p.rank >= 2 { fanIn = p.shape.dims.dropFirst().reduce(1, *) }
        let bound = 1 / Double(max(fanIn, 1)).squareRoot()
        p.assign(Tensor.uniform(p.shape, low: -bound, high: bound, generator: &rng))
    }
}

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

/// Wraps a model and checks, at every forward pass, that nothing but the model drew from the
/// global random generator since the last pass: the state must be where the previous pass left
/// it, and a pass must advance it by exactly `draws(input)` numbers (Dropout draws one per element).
/// `disturbed` is set when either fails, meaning another test used the generator meanwhile.
final class RandomStreamWatch: Module {
    let inner: Module
    let draws: (Tensor) -> Int
    /// Where the global generator should be now (nil: not known yet, accept any state).
    var expected: [UInt64]?
    private(set) var disturbed = false

    init(_ inner: Module, draws: @escaping (Tensor) -> Int) {
        self.inner = inner
        self.draws = draws
    }

    /// Resets the expectation to the global generator's current state.
    func resynchronise() {
        expected = GlobalRandom.with { $0.state }
    }

    override func callAsFunction(_ x: Tensor) -> Tensor {
        let before = GlobalRandom.with { $0.state }
        if let expected, expected != before { disturbed = true }
        let y = inner(x)
        let after = GlobalRandom.with { $0.state }
        var replay = RandomGenerator(seed: 0)
        replay.state = before
        for _ in 0..<(isTraining ? draws(x) : 0) { _ = replay.next() }
        if replay.state != after { disturbed = true }
        expected = after
        return y
    }
}
