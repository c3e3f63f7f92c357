import Foundation

extension Tensor: CustomStringConvertible, CustomDebugStringConvertible {
    /// numpy-like text: nested brackets, long axes abbreviated with `...`, then shape and dtype.
    ///
    /// ```swift
    /// print(Tensor.arange(0, 4).reshaped([2, 2]))
    /// // tensor([[0, 1],
    /// //         [2, 3]], shape: [2, 2], dtype: float32)
    /// ```
    public var description: String {
        let summarize = count > 1000
        let values = (0..<count).map { element(at: $0) }
        let integral = !dtype.isFloatingPoint && dtype != .float16 || values.allSatisfy { $0.rounded() == $0 && Swift.abs($0) < 1e15 }
        let big = values.filter(\.isFinite).map(Swift.abs).max() ?? 0   // nan and inf do not choose the notation
        let scientific = dtype.isFloatingPoint && !integral && (big >= 1e6 || (big > 0 && big < 1e-4))
        func format(_ v: Double) -> String {
            if dtype == .bool { return v != 0 ? "true" : "false" }
            if v.isNaN { return "nan" }
            if v.isInfinite { return v > 0 ? "inf" : "-inf" }
            if integral { return String(Int64(v)) }
            return scientific ? String(format: "%.4e", v) : String(format: "%.4f", v)
        }
        let strides = shape.strides
        let prefix = "tensor("
        func render(_ axis: Int, _ offset: Int, _ indent: Int) -> String {
            if axis == rank { return format(values[offset]) }
            let n = shape[axis]
            var items: [String] = []
            let shown: [Int?] = summarize && n > 6 ? [0, 1, 2, nil, n - 3, n - 2, n - 1] : (0..<n).map { $0 }
            for i in shown {
                guard let i else { items.append("..."); continue }
                items.append(render(axis + 1, offset + i * strides[axis], indent + 1))
            }
            let separator = axis == rank - 1 ? ", " : ",\n" + String(repeating: "\n", count: Swift.max(0, rank - axis - 2)) + String(repeating: " ", count: indent + 1)
            return "[" + items.joined(separator: separator) + "]"
        }
        let body = rank == 0 ? format(values.first ?? 0) : render(0, 0, prefix.count)
        var suffix = ", shape: \(shape), dtype: \(dtype)"
        if requiresGrad { suffix += isLeaf ? ", requiresGrad: true" : ", gradFunction: \(gradFunction!.name)" }
        return prefix + body + suffix + ")"
    }

    public var debugDescription: String { description }
}
