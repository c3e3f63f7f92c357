/// One tensor as stored in a safetensors file: its dtype name, shape and raw little-endian bytes.
///
/// The bytes are exactly what the file holds for the tensor (row-major, little-endian),
/// so `data.count == shape.product * SafeTensors.byteSize(ofDType: dtype)`.
///
/// ```swift
/// let weight = SafeTensorsEntry(dtype: "U8", shape: [2, 2], data: [1, 2, 3, 4])
/// try SafeTensors.write(["weight": weight], metadata: [:], to: "/tmp/w.safetensors")
/// ```
public struct SafeTensorsEntry: Equatable, Sendable {
    /// The dtype name as written in the header: "F64", "F32", "F16", "BF16", "I64", "I32",
    /// "I16", "I8", "U64", "U32", "U16", "U8", "BOOL", "F8_E4M3" or "F8_E5M2".
    public var dtype: String
    /// The dimensions, outermost first; `[]` is a scalar (one element).
    public var shape: [Int]
    /// The raw element bytes, row-major, little-endian.
    public var data: [UInt8]

    /// Creates an entry from a dtype name, a shape and raw little-endian bytes.
    ///
    /// Nothing is checked here; `SafeTensors.write` validates the entry and throws on a mismatch.
    ///
    /// ```swift
    /// let mask = SafeTensorsEntry(dtype: "BOOL", shape: [3], data: [1, 0, 1])
    /// ```
    public init(dtype: String, shape: [Int], data: [UInt8]) {
        self.dtype = dtype
        self.shape = shape
        self.data = data
    }

    /// The number of elements the shape describes (1 for a scalar).
    ///
    /// ```swift
    /// SafeTensorsEntry(dtype: "F32", shape: [2, 3], data: []).elementCount  // 6
    /// ```
    public var elementCount: Int {
        shape.reduce(1, *)
    }
}
