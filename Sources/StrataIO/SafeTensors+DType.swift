extension SafeTensors {
    /// The size in bytes of one element of each dtype this reader and writer accept.
    ///
    /// ```swift
    /// SafeTensors.dtypeByteSizes["BF16"]  // 2
    /// ```
    public static let dtypeByteSizes: [String: Int] = [
        "F64": 8, "F32": 4, "F16": 2, "BF16": 2,
        "I64": 8, "I32": 4, "I16": 2, "I8": 1,
        "U64": 8, "U32": 4, "U16": 2, "U8": 1,
        "BOOL": 1, "F8_E4M3": 1, "F8_E5M2": 1,
    ]

    /// The size in bytes of one element of `dtype`, or `nil` for a dtype name this module does not know.
    ///
    /// ```swift
    /// SafeTensors.byteSize(ofDType: "F32")  // 4
    /// SafeTensors.byteSize(ofDType: "F31")  // nil
    /// ```
    public static func byteSize(ofDType dtype: String) -> Int? {
        dtypeByteSizes[dtype]
    }

    /// The known dtype names, sorted, for error messages.
    static var knownDTypeList: String {
        dtypeByteSizes.keys.sorted().joined(separator: ", ")
    }

    /// `shape.product * elementSize`, or `nil` when a dimension is negative or the product overflows.
    static func byteCount(shape: [Int], elementSize: Int) -> Int? {
        var total = elementSize
        for dimension in shape {
            guard dimension >= 0 else { return nil }
            let (product, overflow) = total.multipliedReportingOverflow(by: dimension)
            guard !overflow else { return nil }
            total = product
        }
        return total
    }
}
