import StrataCore

/// The elements of a GGUF string array, decoded to `String` only when read. An array read from a
/// file keeps just the end of each string in the file's own bytes (4 bytes per element), so a
/// vocabulary's 49,152 token spellings cost 0.2 MiB for as long as the file is open instead of
/// a `String` apiece (16 bytes, plus a heap block for each one longer than 15 bytes). An array
/// built in memory keeps its UTF-8 in one buffer.
///
/// ```swift
/// var names: GGUFStrings = ["<s>", "</s>"]
/// names.append("<unk>")
/// names[2]          // "<unk>"
/// Array(names)      // ["<s>", "</s>", "<unk>"]
/// ```
public struct GGUFStrings: RandomAccessCollection, Sendable, Equatable, ExpressibleByArrayLiteral {
    /// The most bytes one array spans (its ends are 32-bit).
    public static let maximumBytes = Int(UInt32.max)

    private enum Bytes {
        /// UTF-8 of the strings one after another.
        case owned([UInt8])
        /// A GGUF file's strings, each after its 8-byte length, from byte `start` of `storage`.
        case file(GGUFFileStorage, start: Int)
    }
    private var bytes = Bytes.owned([])
    /// Where each element's bytes end, from the start of the array's bytes.
    private var ends: [UInt32] = []

    public init() {}

    public init(arrayLiteral elements: String...) {
        for element in elements { append(element) }
    }

    /// An empty array of a GGUF file's strings starting at byte `start` of `storage`.
    init(file storage: GGUFFileStorage, start: Int) { bytes = .file(storage, start: start) }

    /// Room for `count` strings.
    public mutating func reserveCapacity(_ count: Int) { ends.reserveCapacity(count) }

    /// Appends `string` (to an array built in memory); a precondition (`ensure`) that the array
    /// stays within ``maximumBytes``.
    public mutating func append(_ string: String) {
        guard case .owned(var utf8) = bytes else { ensureFailure("GGUFStrings: an array read from a file is not appended to") }
        ensure(utf8.count + string.utf8.count <= Self.maximumBytes, "GGUFStrings: more than \(Self.maximumBytes) bytes of text in one array")
        bytes = .owned([])   // one reference to the buffer while it grows
        utf8.append(contentsOf: string.utf8)
        ends.append(UInt32(utf8.count))
        bytes = .owned(utf8)
    }

    /// Records the next string of a file's array, `length` bytes after its 8-byte length field,
    /// ending at byte `end` of the file (the reader has checked its bounds and UTF-8). False when
    /// the array would span more than ``maximumBytes``.
    mutating func appendFileString(endingAt end: Int) -> Bool {
        guard case .file(_, let start) = bytes, end - start <= Self.maximumBytes else { return false }
        ends.append(UInt32(end - start))
        return true
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { ends.count }

    public subscript(index: Int) -> String {
        let previous = index == 0 ? 0 : Int(ends[index - 1]), end = Int(ends[index])
        switch bytes {
        case .owned(let utf8):
            return String(decoding: utf8[previous..<end], as: UTF8.self)
        case .file(let storage, let start):
            let first = start + previous + 8   // past the length field
            return String(decoding: UnsafeRawBufferPointer(rebasing: storage.buffer[first..<(start + end)]), as: UTF8.self)
        }
    }

    public static func == (a: GGUFStrings, b: GGUFStrings) -> Bool { a.elementsEqual(b) }
}
