import Foundation
import Testing
import StrataIO

/// Paths of the GGUF fixture (written by Scripts/make_gguf_fixtures.py) and of the fetched models.
enum GGUFFixtures {
    static var smallGGUF: String {
        get throws { try resource("small", "gguf") }
    }

    static var smallJSON: String {
        get throws { try resource("small.gguf", "json") }
    }

    static func resource(_ name: String, _ ext: String) throws -> String {
        guard let url = Bundle.module.url(forResource: name, withExtension: ext, subdirectory: "Fixtures") else {
            throw FixtureMissing(name: "Fixtures/\(name).\(ext)")
        }
        return url.path
    }

    /// `Models/` beside Package.swift, or `$STRATA_MODELS`.
    static var modelsDirectory: String {
        if let custom = ProcessInfo.processInfo.environment["STRATA_MODELS"], !custom.isEmpty {
            return custom
        }
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { root.deleteLastPathComponent() }  // Tests/StrataIOTests/this file
        return root.appendingPathComponent("Models").path
    }

    static var smolLM2: String { modelsDirectory + "/SmolLM2-135M-Instruct.Q4_1.gguf" }
    static var hasSmolLM2: Bool { FileManager.default.fileExists(atPath: smolLM2) }
}

struct FixtureMissing: Error, CustomStringConvertible {
    let name: String
    var description: String { "missing test resource \(name); run Scripts/make_gguf_fixtures.py" }
}

/// Hand-assembled GGUF bytes for the error tests: each helper appends one little-endian field.
struct GGUFBytes {
    var bytes: [UInt8] = []

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func string(_ s: String) { rawString(Array(s.utf8)) }
    mutating func rawString(_ b: [UInt8]) {
        u64(UInt64(b.count))
        bytes.append(contentsOf: b)
    }

    /// A metadata entry: key, value type id, then the value bytes `body` appends.
    mutating func kv(_ key: String, type: UInt32, _ body: (inout GGUFBytes) -> Void) {
        string(key)
        u32(type)
        body(&self)
    }

    /// A tensor info: name, dimension count, dimensions, ggml type id, offset.
    mutating func tensor(_ name: String, dims: [UInt64], type: UInt32, offset: UInt64) {
        string(name)
        u32(UInt32(dims.count))
        for d in dims { u64(d) }
        u32(type)
        u64(offset)
    }

    mutating func pad(to alignment: Int) {
        while bytes.count % alignment != 0 { bytes.append(0) }
    }

    /// The 24-byte header.
    static func header(version: UInt32 = 3, tensors: UInt64, kvs: UInt64) -> GGUFBytes {
        var b = GGUFBytes()
        b.bytes = Array("GGUF".utf8)
        b.u32(version)
        b.u64(tensors)
        b.u64(kvs)
        return b
    }
}

/// A valid two-tensor file: one string key, an F32 [4] vector and a Q8_0 [32, 2] matrix.
func smallValidGGUF(alignment: UInt32? = nil) -> [UInt8] {
    var b = GGUFBytes.header(tensors: 2, kvs: alignment == nil ? 1 : 2)
    b.kv("general.architecture", type: 8) { $0.string("llama") }
    if let alignment {
        b.kv("general.alignment", type: 4) { $0.u32(alignment) }
    }
    // Lay the data out with the given alignment when it is valid (the invalid ones are rejected before layout matters).
    let align = alignment.map { $0 > 0 && $0 & ($0 - 1) == 0 && $0 <= 1 << 20 ? Int($0) : 32 } ?? 32
    let vectorBytes = 16
    let matrixOffset = (vectorBytes + align - 1) / align * align
    b.tensor("v", dims: [4], type: 0, offset: 0)
    b.tensor("m", dims: [32, 2], type: 8, offset: UInt64(matrixOffset))
    b.pad(to: align)
    b.bytes += (0..<UInt8(vectorBytes)).map { $0 }
    b.pad(to: align)
    b.bytes += [UInt8](repeating: 7, count: 68)
    return b.bytes
}

/// Opens `bytes` and returns the `FileError` it must throw.
func ggufError(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) throws -> FileError {
    let error = try #require(throws: FileError.self, sourceLocation: sourceLocation) {
        try GGUFFile(bytes: bytes, source: "bad.gguf")
    }
    #expect(error.description.hasPrefix("bad.gguf: "), sourceLocation: sourceLocation)
    return error
}

extension Array where Element == UInt8 {
    /// Hex text of the bytes, lower case.
    var hex: String { map { String(format: "%02x", $0) }.joined() }
}
