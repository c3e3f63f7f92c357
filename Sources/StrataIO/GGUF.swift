import Foundation
import StrataCore

/// A GGUF file (llama.cpp's single-file model format, versions 2 and 3), opened and validated.
///
/// Layout (all little-endian): the magic `GGUF`, a `uint32` version, a `uint64` tensor count, a
/// `uint64` metadata count; the metadata as key (string), value type (`uint32`), value; the tensor
/// infos as name, `uint32` dimension count, `uint64` dimensions (innermost first), `uint32` ggml
/// type, `uint64` offset; padding up to `alignment`; then the tensor data. Strings are a `uint64`
/// byte length followed by UTF-8 bytes.
///
/// The file is memory-mapped read-only and never copied: `bytes(of:)` points into the mapping,
/// so a model that uses its quantised weights in place keeps its resident memory close to the
/// file size. Every count, length, type id, dimension and offset is checked against the file
/// size before it is used; malformed input throws a `FileError` naming the file, the offset,
/// the field (as its key) and what was expected; its `kind` is one of those in
/// `GGUF+ErrorKinds.swift`. A key or string value that is not valid UTF-8 is rejected
/// (a repaired token string would silently change the vocabulary).
///
/// The object is immutable after `init` and may be shared between threads. If another process
/// truncates the file while it is mapped, touching the lost pages raises SIGBUS: treat model
/// files as read-only while they are open.
///
/// ```swift
/// let file = try GGUFFile(path: "Models/SmolLM2-135M-Instruct.Q4_1.gguf")
/// print(file.version, file.tensors.count)                 // 3 272
/// let layers = try file.requiredInt("llama.block_count")  // 30
/// let tokens = try file.stringArray("tokenizer.ggml.tokens")
/// let embedding = file.tensor(named: "token_embd.weight")!
/// let raw = file.bytes(of: embedding)                     // 30081024 bytes of Q8_0 blocks
/// ```
public final class GGUFFile: @unchecked Sendable {
    // @unchecked: every stored property is a `let`; `storage` owns memory that is only read.

    /// The default tensor-data alignment when `general.alignment` is absent.
    public static let defaultAlignment = 32
    /// The largest `general.alignment` accepted (1 MiB).
    public static let maximumAlignment = 1 << 20
    /// How deep arrays of arrays may nest (an array of arrays of strings has depth 2).
    public static let maximumArrayDepth = 16
    /// ggml's largest number of tensor dimensions.
    public static let maximumDimensions = 4
    /// The longest tensor name the GGUF specification allows, in UTF-8 bytes.
    public static let maximumTensorNameLength = 64
    /// The longest metadata key the GGUF specification allows, in UTF-8 bytes.
    public static let maximumKeyLength = 65_535

    /// The file path, or the source name given to `init(bytes:source:)`.
    public let path: String
    /// The format version: 2 or 3 (the same little-endian layout).
    public let version: Int
    /// The tensor-data alignment in bytes: `general.alignment`, or 32.
    public let alignment: Int
    /// Every metadata value by key.
    public let metadata: [String: GGUFValue]
    /// The metadata keys in file order.
    public let metadataKeys: [String]
    /// The tensors in file order.
    public let tensors: [GGUFTensorInfo]
    /// The absolute offset of the tensor-data section: the end of the tensor infos rounded up to `alignment`.
    public let dataOffset: Int
    /// The size of the file in bytes.
    public var fileSize: Int { storage.count }

    let storage: GGUFFileStorage
    /// Index into `tensors` by name.
    let tensorIndex: [String: Int]
    /// The absolute offset of each metadata entry (its key's length field), for error messages.
    let metadataOffsets: [String: Int]

    /// Drops the file's header pages (metadata and tensor infos, everything before `dataOffset`)
    /// from the process's resident memory once they have been parsed, as when the tokenizer has
    /// been built; the tensor data stays mapped. A later read of those bytes maps them again.
    ///
    /// ```swift
    /// let tokenizer = try GGUFTokenizer(gguf: file)
    /// file.releaseHeaderPages()
    /// ```
    public func releaseHeaderPages() {
        storage.releasePages(before: dataOffset)
    }

    /// Drops the mapped pages that lie wholly inside `info`'s data (or the byte `range` of it)
    /// from the resident memory, as when the tensor has been copied into another layout; a
    /// later read maps them again.
    ///
    /// ```swift
    /// let packed = try QuantizedMatrix(type: info.type, rows: r, columns: c, bytes: file.bytes(of: info), owner: file.tensorDataOwner).panelPacked()
    /// file.releasePages(of: info)
    /// ```
    public func releasePages(of info: GGUFTensorInfo, bytes range: Range<Int>? = nil) {
        let start = dataOffset + info.offset
        let part = (range ?? 0..<info.byteCount).clamped(to: 0..<info.byteCount)
        storage.releasePages(in: (start + part.lowerBound)..<(start + part.upperBound))
    }

    /// Maps and validates the GGUF file at `path`.
    ///
    /// ```swift
    /// let file = try GGUFFile(path: "model.gguf")
    /// for info in file.tensors { print(info.name, info.type, info.dimensions) }
    /// ```
    public convenience init(path: String) throws {
        try self.init(storage: GGUFFileStorage(mappingFileAt: path), path: path)
    }

    /// Validates GGUF bytes held in memory (copied once); `source` names them in errors.
    ///
    /// ```swift
    /// let file = try GGUFFile(bytes: downloadedBytes, source: "upload.gguf")
    /// ```
    public convenience init(bytes: [UInt8], source: String = "<memory>") throws {
        let storage = bytes.withUnsafeBytes { GGUFFileStorage(copying: $0) }
        try self.init(storage: storage, path: source)
    }

    /// Validates GGUF bytes held in `data` (copied once); `source` names them in errors.
    public convenience init(data: Data, source: String = "<memory>") throws {
        let storage = data.withUnsafeBytes { GGUFFileStorage(copying: $0) }
        try self.init(storage: storage, path: source)
    }

    init(storage: GGUFFileStorage, path: String) throws {
        var reader = GGUFReader(storage: storage, path: path)
        let layout = try reader.readLayout()
        self.storage = storage
        self.path = path
        self.version = layout.version
        self.alignment = layout.alignment
        self.metadata = layout.metadata
        self.metadataKeys = layout.metadataKeys
        self.metadataOffsets = layout.metadataOffsets
        self.tensors = layout.tensors
        self.dataOffset = layout.dataOffset
        var index: [String: Int] = [:]
        index.reserveCapacity(layout.tensors.count)
        for (position, info) in layout.tensors.enumerated() {
            index[info.name] = position
        }
        self.tensorIndex = index
    }

    /// The tensor called `name`, or nil.
    ///
    /// ```swift
    /// let norm = file.tensor(named: "output_norm.weight")   // F32, [576]
    /// ```
    public func tensor(named name: String) -> GGUFTensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    /// The raw bytes of `info`'s data, in place in the mapping (nothing is copied).
    ///
    /// The pointer is valid only while this `GGUFFile`, or its ``tensorDataOwner``, is alive:
    /// keep a reference to one of them (for example as the owner of a matrix built on the bytes)
    /// for as long as you use it. `info` must be one of this file's `tensors` (a programmer error
    /// otherwise).
    ///
    /// ```swift
    /// let info = file.tensor(named: "blk.0.attn_q.weight")!
    /// let raw = file.bytes(of: info)   // info.byteCount bytes of Q4_1 blocks, row after row
    /// ```
    public func bytes(of info: GGUFTensorInfo) -> UnsafeRawBufferPointer {
        guard let position = tensorIndex[info.name], tensors[position] == info else {
            fatalError("GGUFFile.bytes(of:): tensor '\(info.name)' does not belong to \(path)")
        }
        // Validated at init: dataOffset + offset + byteCount <= fileSize.
        let start = dataOffset + info.offset
        return UnsafeRawBufferPointer(rebasing: storage.buffer[start..<(start + info.byteCount)])
    }

    /// What keeps the pointers of `bytes(of:)` valid: the mapping alone, without the parsed
    /// metadata. A model whose matrices hold this, not the file, lets the metadata (a 49k-token
    /// vocabulary's arrays, about 0.6 MiB) be freed once the `GGUFFile` itself is released.
    ///
    /// ```swift
    /// let w = try QuantizedMatrix(type: info.type, rows: 576, columns: 576, bytes: file.bytes(of: info),
    ///                             owner: file.tensorDataOwner)
    /// ```
    public var tensorDataOwner: AnyObject { storage }

    /// Calls `body` with the raw bytes of `info`'s data (see `bytes(of:)`), keeping the file alive meanwhile.
    ///
    /// ```swift
    /// let checksum = file.withBytes(of: info) { $0.reduce(0) { $0 &+ Int($1) } }
    /// ```
    public func withBytes<Result>(of info: GGUFTensorInfo, _ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try withExtendedLifetime(self) { try body(bytes(of: info)) }
    }
}

/// The validated contents of a GGUF header, before they become a `GGUFFile`.
struct GGUFLayout {
    var version: Int
    var alignment: Int
    var metadata: [String: GGUFValue]
    var metadataKeys: [String]
    var metadataOffsets: [String: Int]
    var tensors: [GGUFTensorInfo]
    var dataOffset: Int
}
