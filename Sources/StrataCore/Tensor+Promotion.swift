/// Type promotion for operations on tensors of different dtypes, as PyTorch does it: the result
/// has the "larger" of the two dtypes in the order bool < int32 < int64 < float16 < float32 <
/// float64, so int + float is float and float32 + float64 is float64.
///
/// ```swift
/// let a = Tensor([1, 2] as [Float]), b = Tensor([0.5, 0.25] as [Double])
/// (a + b).dtype                                  // .float64
/// (Tensor([1, 2] as [Int64]) + a).dtype          // .float32
/// (Tensor([true, false]) + Tensor([true, true])).dtype   // .int64: Bool sums count
/// ```
extension DType {
    /// The dtype an operation on `a` and `b` computes and returns in.
    public static func promoted(_ a: DType, _ b: DType) -> DType {
        func rank(_ t: DType) -> Int {
            switch t {
            case .bool: return 0
            case .int32: return 1
            case .int64: return 2
            case .float16: return 3
            case .float32: return 4
            case .float64: return 5
            }
        }
        return rank(a) >= rank(b) ? a : b
    }
}

extension Tensor {
    /// A binary op on operands whose dtypes differ or are not float32/float64. Floats are cast
    /// (differentiably) to the promoted dtype; float16 computes in float32. Integer and Bool
    /// operands compute exactly in float64 (values below 2^53) and return int64 (Bool + Bool
    /// counts, as PyTorch's sum does), except division, which is true division in float32.
    static func promotedBinary(_ a: Tensor, _ b: Tensor, _ op: BinaryOperation) -> Tensor {
        var t = DType.promoted(a.dtype, b.dtype)
        if t == .float16 { t = .float32 }
        if t.isFloatingPoint { return binary(a.cast(to: t), b.cast(to: t), op) }
        if op == .divide { return binary(a.castValues(to: .float32), b.castValues(to: .float32), op) }
        let result = binaryForward(a.castValues(to: .float64), b.castValues(to: .float64), op)
        return result.castValues(to: t == .bool ? .int64 : t)
    }
}
