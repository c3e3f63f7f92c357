import Testing
import StrataCore

/// Programmer errors stop the process with a message that names the shapes involved.
/// Each case runs in a child process (a Swift Testing exit test).
///
/// The checks go through `ensure`, whose message survives release builds, so the message is
/// checked in every configuration.
@Suite("Programmer errors stop the process with both shapes in the message")
struct ErrorTests {
    /// Checks the captured standard error of an exit test for every string in `needles`.
    func expectMessage(_ result: ExitTest.Result?, contains needles: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        guard let result else { return }
        let text = String(decoding: result.standardErrorContent, as: UTF8.self)
        for needle in needles {
            #expect(text.contains(needle), "standard error does not mention \(needle): \(text.suffix(600))", sourceLocation: sourceLocation)
        }
    }

    @Test func shapeMismatchInAddition() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]) + Tensor.zeros([4])
        }
        expectMessage(result, contains: ["[2, 3]", "[4]", "cannot be broadcast"])
    }

    @Test func shapeMismatchInComparison() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([3, 2]) .< Tensor.zeros([3])
        }
        expectMessage(result, contains: ["[3, 2]", "[3]"])
    }

    @Test func matmulInnerDimensionMismatch() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]).matmul(Tensor.zeros([4, 5]))
        }
        expectMessage(result, contains: ["matmul", "[2, 3]", "[4, 5]", "3 vs 4"])
    }

    @Test func linearWithARankOneInputNamesTheShapes() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.linear(Tensor.zeros([3]), weight: Tensor.zeros([4, 3]), bias: Tensor.zeros([4]))
        }
        expectMessage(result, contains: ["linear", "[3]", "[4, 3]", "do not fit"])
    }

    @Test func indexOutOfRange() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3])[2]
        }
        expectMessage(result, contains: ["index 2", "size 2", "[2, 3]"])
        let negative = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3])[0, -4]
        }
        expectMessage(negative, contains: ["index -4", "size 3", "[2, 3]"])
    }

    @Test func tooManyIndices() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3])[0, 0, 0]
        }
        expectMessage(result, contains: ["[2, 3]"])
    }

    @Test func reshapeToAnIncompatibleShape() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]).reshaped([4, 2])
        }
        expectMessage(result, contains: ["[2, 3]", "[4, 2]"])
        let inferred = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]).reshaped([4, -1])
        }
        expectMessage(inferred, contains: ["[2, 3]", "[4, -1]"])
    }

    @Test func gatherIndexOutOfRange() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]).indexSelect(axis: 1, indices: Tensor([0, 3] as [Int64]))
        }
        expectMessage(result, contains: ["indexSelect", "index 3", "size 3"])
    }

    @Test func concatenationShapeMismatch() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.concatenated([Tensor.zeros([2, 3]), Tensor.zeros([2, 4])], axis: 0)
        }
        expectMessage(result, contains: ["[2, 3]", "[2, 4]"])
    }

    @Test func conv2dChannelMismatch() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([1, 3, 5, 5]).conv2d(Tensor.zeros([2, 4, 3, 3]))
        }
        expectMessage(result, contains: ["[1, 3, 5, 5]", "[2, 4, 3, 3]"])
    }

    // Elementwise ops promote mixed dtypes (FamiliarAPITests); a matrix product, as in PyTorch,
    // asks for one dtype.
    @Test func dtypeMismatch() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 2]).matmul(Tensor.zeros([2, 2], dtype: .float64))
        }
        expectMessage(result, contains: ["float32", "float64"])
    }
}
