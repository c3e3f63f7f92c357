import Testing
import StrataCore
import _StrataTestSupport

@Suite("Printing tensors")
struct DescriptionTests {
    @Test func smallFloatMatrix() {
        let t = Tensor([[1.5, -2], [3, 4.25]] as [[Float]])
        #expect(t.description == """
            tensor([[1.5000, -2.0000],
                    [3.0000, 4.2500]], shape: [2, 2], dtype: float32)
            """)
        #expect("\(t)" == t.description && t.debugDescription == t.description)
    }

    @Test func integralFloatsPrintWithoutDecimals() {
        #expect(Tensor.arange(0, 4).reshaped([2, 2]).description == """
            tensor([[0, 1],
                    [2, 3]], shape: [2, 2], dtype: float32)
            """)
        #expect(Tensor([1, -2] as [Double]).description == "tensor([1, -2], shape: [2], dtype: float64)")
    }

    @Test func threeDimensionsSeparateBlocksWithABlankLine() {
        #expect(Tensor.arange(0, 8).reshaped([2, 2, 2]).description == """
            tensor([[[0, 1],
                     [2, 3]],

                    [[4, 5],
                     [6, 7]]], shape: [2, 2, 2], dtype: float32)
            """)
    }

    @Test func largeTensorsAreAbbreviated() {
        let t = Tensor.arange(0, 2000)
        #expect(t.description == "tensor([0, 1, 2, ..., 1997, 1998, 1999], shape: [2000], dtype: float32)")
        let m = Tensor.arange(0, 2000).reshaped([40, 50])
        let lines = m.description.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 7)
        #expect(lines.first == "tensor([[0, 1, 2, ..., 47, 48, 49],")
        #expect(lines[3] == "        ...,")
        #expect(lines.last == "        [1950, 1951, 1952, ..., 1997, 1998, 1999]], shape: [40, 50], dtype: float32)")
        // Up to 1000 elements everything is printed.
        let full = Tensor.arange(0, 1000).description
        #expect(!full.contains("...") && full.contains("500, 501"))
    }

    @Test func boolAndIntegerTensors() {
        #expect(Tensor([true, false, true]).description == "tensor([true, false, true], shape: [3], dtype: bool)")
        #expect(Tensor([1, -2, 3] as [Int64]).description == "tensor([1, -2, 3], shape: [3], dtype: int64)")
        #expect(Tensor([[7, 8]] as [[Int32]]).description == "tensor([[7, 8]], shape: [1, 2], dtype: int32)")
        let mask = Tensor([1, 5] as [Float]) .> 2
        #expect(mask.description == "tensor([false, true], shape: [2], dtype: bool)")
    }

    @Test func scalarsSpecialValuesAndNotation() {
        #expect(Tensor(scalar: 2.5 as Float).description == "tensor(2.5000, shape: [], dtype: float32)")
        #expect(Tensor(scalar: 3 as Int64).description == "tensor(3, shape: [], dtype: int64)")
        #expect(Tensor([0.5, 1024] as [Float16]).description == "tensor([0.5000, 1024.0000], shape: [2], dtype: float16)")
        // Very large or very small magnitudes switch to scientific notation.
        #expect(Tensor([1e7, 1.5] as [Float]).description == "tensor([1.0000e+07, 1.5000e+00], shape: [2], dtype: float32)")
        #expect(Tensor([1e-5, 2e-5] as [Double]).description == "tensor([1.0000e-05, 2.0000e-05], shape: [2], dtype: float64)")
        // nan and inf print as words and do not change the notation of the other values, whatever their position.
        #expect(Tensor([Float.nan, .infinity, -.infinity, 1.5]).description == "tensor([nan, inf, -inf, 1.5000], shape: [4], dtype: float32)")
        #expect(Tensor([1.5, .infinity] as [Float]).description == "tensor([1.5000, inf], shape: [2], dtype: float32)")
        #expect(Tensor.zeros([0, 3]).description == "tensor([], shape: [0, 3], dtype: float32)")
    }

    @Test func gradientInformation() {
        let leaf = Tensor([1, 2] as [Float], requiresGrad: true)
        #expect(leaf.description == "tensor([1, 2], shape: [2], dtype: float32, requiresGrad: true)")
        #expect((leaf * 2).description == "tensor([2, 4], shape: [2], dtype: float32, gradFunction: affine)")
        #expect(withoutGradients { leaf * 2 }.description == "tensor([2, 4], shape: [2], dtype: float32)")
    }
}
