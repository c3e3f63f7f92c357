import StrataCore

/// Where one tensor of a GGUF file lies and how it is encoded; validated when the file is opened.
///
/// `dimensions` are in GGUF/ggml order: `dimensions[0]` (ggml's `ne0`) is the innermost,
/// contiguous axis. A PyTorch `nn.Linear` weight of shape `[out, in]` is stored as
/// `dimensions == [in, out]`: `columns == in`, `rows == out`, each row `type.byteCount(elements: in)` bytes.
///
/// ```swift
/// let info = file.tensor(named: "token_embd.weight")!
/// info.type          // .q8_0
/// info.dimensions    // [576, 49152]
/// info.rows          // 49152 (one row per token)
/// info.columns       // 576
/// info.byteCount     // 49152 * 18 blocks * 34 bytes = 30081024
/// ```
public struct GGUFTensorInfo: Sendable, Equatable {
    /// The tensor's name, e.g. `blk.0.attn_q.weight`.
    public let name: String
    /// The element encoding.
    public let type: GGMLType
    /// The sizes of the axes, innermost (contiguous) first; 1 to 4 of them, each > 0.
    public let dimensions: [Int]
    /// The product of the dimensions.
    public let elementCount: Int
    /// The bytes of the tensor's data: whole blocks of `type`.
    public let byteCount: Int
    /// The start of the data relative to `GGUFFile.dataOffset`; a multiple of the file's alignment.
    public let offset: Int

    /// The size of the innermost axis (`dimensions[0]`, ggml's `ne0`): the length of a row.
    public var columns: Int { dimensions[0] }

    /// The number of rows: the product of every axis but the innermost (1 for a vector).
    public var rows: Int { elementCount / dimensions[0] }

    /// The dimensions outermost first, the order of PyTorch and numpy shapes.
    public var rowMajorShape: [Int] { dimensions.reversed() }

    /// Creates a description; `GGUFFile` makes these after validating every field.
    public init(name: String, type: GGMLType, dimensions: [Int], elementCount: Int, byteCount: Int, offset: Int) {
        self.name = name
        self.type = type
        self.dimensions = dimensions
        self.elementCount = elementCount
        self.byteCount = byteCount
        self.offset = offset
    }
}
