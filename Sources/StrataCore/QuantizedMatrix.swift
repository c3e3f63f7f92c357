import CStrataKernels
import Foundation

/// A weight matrix kept in a GGML block encoding (Q4_0, Q4_1, Q8_0, Q4_K, Q6_K, or F32/F16/BF16),
/// multiplied without expanding it to float32: the kernels dequantise each block in registers.
/// A model loaded from a GGUF file can thus keep its weights at the file's size in memory.
///
/// `rows` are the output features and `columns` the input features (ggml's `ne0`, the
/// contiguous axis), so `matmul(x)` computes x · Wᵀ as `Linear` does. The matrix is immutable;
/// it either borrows memory that `owner` keeps alive (a memory-mapped file) or owns a copy.
///
/// ```swift
/// let w = try QuantizedMatrix.quantize(Tensor.normal([64, 256], generator: &rng), to: .q4_1)
/// let y = w.matmul(x)          // x: [tokens, 256] -> y: [tokens, 64]
/// let row = w.dequantized()    // [64, 256] float32
/// ```
public final class QuantizedMatrix: @unchecked Sendable {  // immutable after init; the bytes are never written
    /// The encoding of the stored values.
    public let type: GGMLType
    /// Output features (stored rows).
    public let rows: Int
    /// Input features: values per stored row.
    public let columns: Int
    /// Bytes of one row in the type's encoding (in ``Layout-swift.enum/panels`` as well).
    public let rowBytes: Int
    /// How the stored blocks are arranged.
    public let layout: Layout
    /// First byte of row 0.
    let base: UnsafeRawPointer
    /// Keeps `base` alive: the caller's owner (a mapped file) or the copy this matrix made.
    let owner: AnyObject?

    /// The element encodings with kernels here.
    public static let supportedTypes: [GGMLType] = [.f32, .f16, .bf16, .q4_0, .q4_1, .q8_0, .q4_K, .q6_K]

    /// Wraps `rows` × `columns` values of `type` stored at `bytes` without copying them;
    /// `owner` keeps that memory alive for the matrix's lifetime. Throws when the type has no
    /// kernel here, a row is not a whole number of blocks, or the byte count does not match.
    ///
    /// ```swift
    /// let w = try QuantizedMatrix(type: .q4_1, rows: 576, columns: 576, bytes: tensorBytes, owner: mappedFile)
    /// ```
    public init(type: GGMLType, rows: Int, columns: Int, bytes: UnsafeRawBufferPointer, owner: AnyObject?) throws {
        rowBytes = try Self.validate(type: type, rows: rows, columns: columns, byteCount: bytes.count)
        guard let start = bytes.baseAddress else {
            throw QuantizedMatrixError.byteCountMismatch(type: type, rows: rows, columns: columns, expected: rowBytes * rows, actual: 0)
        }
        self.type = type
        self.rows = rows
        self.columns = columns
        self.base = start
        self.owner = owner
        self.layout = .rows
    }

    /// A matrix that owns a copy of `data` (`rows` × `columns` values of `type`).
    ///
    /// ```swift
    /// let w = try QuantizedMatrix(type: .q8_0, rows: 2, columns: 32, data: [UInt8](repeating: 0, count: 68))
    /// ```
    public init(type: GGMLType, rows: Int, columns: Int, data: [UInt8]) throws {
        rowBytes = try Self.validate(type: type, rows: rows, columns: columns, byteCount: data.count)
        let bytes = OwnedBytes(copying: data)
        self.type = type
        self.rows = rows
        self.columns = columns
        self.base = UnsafeRawPointer(bytes.start)
        self.owner = bytes
        self.layout = .rows
    }

    /// A matrix over `bytes`, which the caller filled with checked contents in `layout`.
    init(type: GGMLType, rows: Int, columns: Int, owned bytes: OwnedBytes, layout: Layout = .rows) {
        self.type = type
        self.rows = rows
        self.columns = columns
        self.rowBytes = type.byteCount(elements: columns)!
        self.base = UnsafeRawPointer(bytes.start)
        self.owner = bytes
        self.layout = layout
    }

    /// Bytes the values occupy in the type's encoding, row after row.
    public var byteCount: Int { rows * rowBytes }

    /// Gives read-only access to the values in ggml's encoding, row after row (rows × rowBytes),
    /// e.g. to write them to a file. A matrix in panels rebuilds its rows in a temporary copy.
    ///
    /// ```swift
    /// let data = w.withUnsafeBytes { Data($0) }
    /// ```
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        switch layout {
        case .rows:
            return try withExtendedLifetime(owner) { try body(UnsafeRawBufferPointer(start: base, count: byteCount)) }
        case .panels:
            let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: byteCount, alignment: 64)
            defer { copy.deallocate() }
            for r in 0..<rows { copyRow(r, into: copy.baseAddress! + r * rowBytes) }
            return try body(UnsafeRawBufferPointer(copy))
        }
    }

    /// Writes the `rowBytes` stored bytes of row `r`, in ggml's encoding, to `into`.
    func copyRow(_ r: Int, into: UnsafeMutableRawPointer) {
        withExtendedLifetime(owner) {
            switch layout {
            case .rows: into.copyMemory(from: base + r * rowBytes, byteCount: rowBytes)
            case .panels: strata_quant_panels_row(type.rawValue, base.assumingMemoryBound(to: UInt8.self), Int64(columns), Int64(r),
                                                  into.assumingMemoryBound(to: UInt8.self))
            }
        }
    }

    /// The stored bytes of row `r` in ``Layout-swift.enum/rows`` (read-only; valid while the matrix lives).
    func rowPointer(_ r: Int) -> UnsafeRawPointer {
        ensure(layout == .rows, "QuantizedMatrix.rowPointer: a matrix in panels has no stored rows")
        return base + r * rowBytes
    }

    /// Checks the description of a matrix; returns the bytes per row.
    private static func validate(type: GGMLType, rows: Int, columns: Int, byteCount: Int) throws -> Int {
        guard supportedTypes.contains(type) else { throw QuantizedMatrixError.unsupportedType(type) }
        guard rows > 0, columns > 0 else { throw QuantizedMatrixError.invalidShape(rows: rows, columns: columns) }
        guard let rowBytes = type.byteCount(elements: columns) else {
            throw QuantizedMatrixError.partialBlock(type: type, columns: columns)
        }
        let (total, overflow) = rowBytes.multipliedReportingOverflow(by: rows)
        guard !overflow, total == byteCount else {
            throw QuantizedMatrixError.byteCountMismatch(type: type, rows: rows, columns: columns,
                                                         expected: overflow ? nil : total, actual: byteCount)
        }
        return rowBytes
    }
}

extension QuantizedMatrix: CustomStringConvertible {
    /// `QuantizedMatrix(Q4_1, 576 x 1536, 552960 bytes)`
    public var description: String { "QuantizedMatrix(\(type), \(rows) x \(columns), \(byteCount) bytes)" }
}

/// Why a quantised matrix could not be made.
public enum QuantizedMatrixError: Error, Equatable, CustomStringConvertible {
    /// No kernel handles this encoding.
    case unsupportedType(GGMLType)
    /// Rows and columns must be positive.
    case invalidShape(rows: Int, columns: Int)
    /// A row must be a whole number of the type's blocks.
    case partialBlock(type: GGMLType, columns: Int)
    /// The bytes given do not hold exactly rows × columns values (`expected` is nil when that size overflows).
    case byteCountMismatch(type: GGMLType, rows: Int, columns: Int, expected: Int?, actual: Int)
    /// `quantize` needs a [rows, columns] float tensor.
    case notAMatrix(Shape)

    public var description: String {
        switch self {
        case .unsupportedType(let t):
            return "QuantizedMatrix: no kernel for \(t); supported: \(QuantizedMatrix.supportedTypes.map(\.description).joined(separator: ", "))"
        case .invalidShape(let r, let c):
            return "QuantizedMatrix: rows and columns must be positive, got \(r) x \(c)"
        case .partialBlock(let t, let c):
            return "QuantizedMatrix: \(c) columns are not a whole number of \(t) blocks of \(t.blockSize) values"
        case .byteCountMismatch(let t, let r, let c, let expected, let actual):
            let want = expected.map { "\($0) bytes" } ?? "a size that overflows"
            return "QuantizedMatrix: \(r) x \(c) values of \(t) need \(want), got \(actual)"
        case .notAMatrix(let s):
            return "QuantizedMatrix.quantize: expected a [rows, columns] tensor, got shape \(s)"
        }
    }
}

/// A 64-byte-aligned buffer holding a matrix's bytes.
final class OwnedBytes {
    let start: UnsafeMutableRawPointer

    init(count: Int) {
        start = UnsafeMutableRawPointer.allocate(byteCount: Swift.max(count, 1), alignment: 64)
    }

    convenience init(copying data: [UInt8]) {
        self.init(count: data.count)
        data.withUnsafeBytes { start.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
    }

    deinit { start.deallocate() }
}
