import CZlib
import StrataIO

/// Thin loops around zlib's `inflate` and `deflate` over whole buffers.
enum ZlibStream {
    /// `windowBits` for a zlib (RFC 1950) stream.
    static let zlibWindowBits: Int32 = 15
    /// `windowBits` for a gzip (RFC 1952) stream when compressing.
    static let gzipWindowBits: Int32 = 15 + 16
    /// `windowBits` that makes `inflate` accept either a zlib or a gzip header.
    static let autoDetectWindowBits: Int32 = 15 + 32

    /// Inflates `input`.
    ///
    /// - Parameters:
    ///   - format: names the stream format in errors ("gzip", "zlib").
    ///   - source: names the input in errors (a file path, or "<memory>"); offsets are in it.
    ///   - sizeHint: expected output size, used for the first allocation.
    ///   - limit: stop once this many bytes have been produced (the rest of the stream is not checked).
    ///   - concatenatedGzipMembers: after the end of one stream, continue with a following gzip
    ///     member (as `gunzip` does); trailing zero padding is ignored and other trailing bytes throw.
    ///     When false, bytes after the end of the stream are ignored.
    static func inflate(_ input: [UInt8], windowBits: Int32, format: String, source: String, sizeHint: Int = 0,
                        limit: Int = .max, concatenatedGzipMembers: Bool = false) throws -> [UInt8] {
        var stream = z_stream()
        let initStatus = inflateInit2_(&stream, windowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard initStatus == Z_OK else {
            throw FileError(kind: .zlibFailure, path: source, message: "zlib inflateInit2 failed with status \(initStatus)")
        }
        defer { inflateEnd(&stream) }

        var capacity = min(max(sizeHint, 1024, input.count * 2), limit)
        var output = [UInt8](repeating: 0, count: capacity)
        var produced = 0
        var consumedBeforeMember = 0

        try input.withUnsafeBufferPointer { inputBuffer in
            stream.next_in = UnsafeMutablePointer(mutating: inputBuffer.baseAddress)
            stream.avail_in = 0
            var remainingInput = input.count
            while true {
                if stream.avail_in == 0 && remainingInput > 0 {
                    let chunk = min(remainingInput, Int(UInt32.max / 2))
                    stream.avail_in = UInt32(chunk)
                    remainingInput -= chunk
                }
                if produced == capacity {
                    if capacity >= limit { return }
                    capacity = min(capacity <= Int.max / 2 ? capacity * 2 : Int.max, limit)
                    output.append(contentsOf: repeatElement(0, count: capacity - output.count))
                }
                let room = min(capacity - produced, Int(UInt32.max / 2))
                let status: Int32 = output.withUnsafeMutableBufferPointer { outputBuffer in
                    stream.next_out = outputBuffer.baseAddress! + produced
                    stream.avail_out = UInt32(room)
                    let status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    produced += room - Int(stream.avail_out)
                    return status
                }
                let position = consumedBeforeMember + Int(stream.total_in)
                switch status {
                case Z_OK:
                    continue
                case Z_STREAM_END:
                    let rest = input.count - position
                    guard concatenatedGzipMembers, rest > 0 else { return }
                    if rest >= 2 && input[position] == 0x1F && input[position + 1] == 0x8B {
                        consumedBeforeMember = position
                        inflateReset(&stream)
                        continue
                    }
                    if input[position...].allSatisfy({ $0 == 0 }) { return }
                    throw FileError(kind: .trailingData, path: source, offset: position,
                                    message: "\(rest) bytes of trailing data after the end of the \(format) stream; expected another gzip member (1f 8b) or the end of the file")
                case Z_BUF_ERROR where stream.avail_in == 0 && remainingInput == 0:
                    throw FileError(kind: .truncated, path: source, offset: position,
                                    message: "truncated \(format) stream: it ends before its end marker; expected more compressed data")
                case Z_BUF_ERROR:
                    continue  // output full; the next iteration grows it
                case Z_NEED_DICT:
                    throw FileError(kind: .unsupported, path: source, offset: position,
                                    message: "the \(format) stream needs a preset dictionary; expected a self-contained stream")
                default:
                    let detail = stream.msg.map { String(cString: $0) } ?? "zlib status \(status)"
                    throw FileError(kind: .corruptStream, path: source, offset: position, message: "corrupt \(format) data: \(detail)")
                }
            }
        }
        output.removeSubrange(produced...)
        return output
    }

    /// Deflates `input` into one stream of the format selected by `windowBits`.
    static func deflate(_ input: [UInt8], windowBits: Int32, level: Int, format: String) throws -> [UInt8] {
        guard (0...9).contains(level) else {
            throw FileError(kind: .invalidCompressionLevel, path: "<memory>", message: "\(format) compression level \(level); expected 0...9")
        }
        var stream = z_stream()
        let initStatus = deflateInit2_(&stream, Int32(level), Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY,
                                       zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard initStatus == Z_OK else {
            throw FileError(kind: .zlibFailure, path: "<memory>", message: "zlib deflateInit2 failed with status \(initStatus)")
        }
        defer { deflateEnd(&stream) }

        var output = [UInt8](repeating: 0, count: 64 + input.count + input.count / 1000 + 32)
        var produced = 0
        try input.withUnsafeBufferPointer { inputBuffer in
            stream.next_in = UnsafeMutablePointer(mutating: inputBuffer.baseAddress)
            var remainingInput = input.count
            while true {
                if stream.avail_in == 0 && remainingInput > 0 {
                    let chunk = min(remainingInput, Int(UInt32.max / 2))
                    stream.avail_in = UInt32(chunk)
                    remainingInput -= chunk
                }
                if produced == output.count {
                    output.append(contentsOf: repeatElement(0, count: output.count))
                }
                let room = min(output.count - produced, Int(UInt32.max / 2))
                let flush = remainingInput == 0 ? Z_FINISH : Z_NO_FLUSH
                let status: Int32 = output.withUnsafeMutableBufferPointer { outputBuffer in
                    stream.next_out = outputBuffer.baseAddress! + produced
                    stream.avail_out = UInt32(room)
                    let status = CZlib.deflate(&stream, flush)
                    produced += room - Int(stream.avail_out)
                    return status
                }
                switch status {
                case Z_STREAM_END:
                    return
                case Z_OK, Z_BUF_ERROR:
                    continue
                default:
                    throw FileError(kind: .zlibFailure, path: "<memory>", message: "zlib deflate failed with status \(status)")
                }
            }
        }
        output.removeSubrange(produced...)
        return output
    }
}
