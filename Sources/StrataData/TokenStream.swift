import Foundation

/// Turns generated token ids into text as they come. The bytes of a character split over
/// several byte-level BPE tokens are held back until the character is complete, so every piece
/// returned is valid UTF-8 that can be printed or streamed to a client at once.
///
/// ```swift
/// var stream = TokenStream(tokenizer: tokenizer)
/// for id in ids { print(stream.append(id), terminator: "") }
/// print(stream.flush())
/// ```
public struct TokenStream {
    public let tokenizer: Tokenizer
    private var pending: [UInt8] = []

    public init(tokenizer: Tokenizer) { self.tokenizer = tokenizer }

    /// The text that `id` completes: empty while a character is still incomplete.
    public mutating func append(_ id: Int) -> String {
        if let bpe = tokenizer as? ByteTokenizer {
            pending += (try? bpe.decodeBytes([id])) ?? []
        } else {
            pending += Array(((try? tokenizer.decode([id])) ?? "").utf8)
        }
        let complete = Self.completePrefix(pending)
        guard complete > 0 else { return "" }
        defer { pending.removeFirst(complete) }
        return String(decoding: pending[..<complete], as: UTF8.self)
    }

    /// What is still held back (an incomplete character decodes as U+FFFD); the stream is empty after.
    public mutating func flush() -> String {
        defer { pending = [] }
        return String(decoding: pending, as: UTF8.self)
    }

    /// How many leading bytes form whole UTF-8 characters (an incomplete sequence at the end waits).
    static func completePrefix(_ bytes: [UInt8]) -> Int {
        var i = bytes.count
        var back = 0
        while i > 0 && back < 4 {
            let b = bytes[i - 1]
            if b & 0xC0 == 0x80 { i -= 1; back += 1; continue }      // continuation byte
            let need = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1
            return need > back + 1 ? i - 1 : bytes.count
        }
        return bytes.count
    }
}
