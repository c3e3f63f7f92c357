import Foundation

extension SafeTensors {
    /// Writes tensors and string metadata to a safetensors file, atomically.
    ///
    /// Keys are written in sorted (UTF-8 byte) order and the tensors packed back to back in that
    /// order; the JSON header is padded with spaces to a multiple of 8 bytes so the data section
    /// starts aligned. The file is first written to a temporary file in the same directory, flushed,
    /// then renamed over `path`, so a crash never leaves a half-written checkpoint. Each entry is
    /// checked first (known dtype, non-negative shape, `data.count` matching the shape).
    ///
    /// ```swift
    /// let bias = SafeTensorsEntry(float32: [0.1, 0.2], shape: [2])
    /// try SafeTensors.write(["fc.bias": bias], metadata: ["format": "pt"], to: "/tmp/fc.safetensors")
    /// ```
    public static func write(_ tensors: [String: SafeTensorsEntry], metadata: [String: String] = [:], to path: String) throws {
        let (header, names) = try makeHeader(tensors, metadata: metadata, path: path)
        try AtomicFile.write(to: path) { sink in
            var length = UInt64(header.count).littleEndian
            try withUnsafeBytes(of: &length) { try sink.write($0) }
            try sink.write(header)
            for name in names {
                try sink.write(tensors[name]!.data)
            }
        }
    }

    /// The bytes `write` would put in a file, built in memory.
    ///
    /// ```swift
    /// let bytes = try SafeTensors.encode(["x": SafeTensorsEntry(dtype: "U8", shape: [2], data: [1, 2])])
    /// print(bytes.count)  // 8 + padded header + 2
    /// ```
    public static func encode(_ tensors: [String: SafeTensorsEntry], metadata: [String: String] = [:]) throws -> Data {
        let (header, names) = try makeHeader(tensors, metadata: metadata, path: "<memory>")
        var data = Data()
        data.reserveCapacity(8 + header.count + names.reduce(0) { $0 + tensors[$1]!.data.count })
        var length = UInt64(header.count).littleEndian
        withUnsafeBytes(of: &length) { data.append(contentsOf: $0) }
        data.append(contentsOf: header)
        for name in names {
            data.append(contentsOf: tensors[name]!.data)
        }
        return data
    }

    /// Validates the entries and builds the space-padded JSON header; returns it with the tensor
    /// names in the order their data follows.
    static func makeHeader(_ tensors: [String: SafeTensorsEntry], metadata: [String: String], path: String) throws -> (header: [UInt8], names: [String]) {
        let names = tensors.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var members: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
                .map { JSONValue.quoted($0) + ":" + JSONValue.quoted(metadata[$0]!) }
            members.append(JSONValue.quoted(metadataKey) + ":{" + pairs.joined(separator: ",") + "}")
        }
        var offset = 0
        for name in names {
            let entry = tensors[name]!
            guard name != metadataKey else {
                throw FileError(kind: .invalidTensor, path: path, key: name,
                                message: "\(metadataKey) is reserved for metadata; expected another tensor name")
            }
            guard let elementSize = byteSize(ofDType: entry.dtype) else {
                throw FileError(kind: .invalidTensor, path: path, key: name,
                                message: "unknown dtype \"\(entry.dtype)\"; expected one of \(knownDTypeList)")
            }
            guard let expected = byteCount(shape: entry.shape, elementSize: elementSize) else {
                throw FileError(kind: .invalidTensor, path: path, key: name,
                                message: "shape \(entry.shape) has a negative dimension or overflows; expected non-negative sizes")
            }
            guard entry.data.count == expected else {
                throw FileError(kind: .invalidTensor, path: path, key: name,
                                message: "data holds \(entry.data.count) bytes; expected \(expected) for shape \(entry.shape) of \(entry.dtype)")
            }
            let shape = entry.shape.map(String.init).joined(separator: ",")
            members.append(JSONValue.quoted(name)
                + ":{\"dtype\":\(JSONValue.quoted(entry.dtype)),\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + expected)]}")
            offset += expected
        }
        var header = Array(("{" + members.joined(separator: ",") + "}").utf8)
        let padding = (8 - header.count % 8) % 8
        header.append(contentsOf: repeatElement(UInt8(ascii: " "), count: padding))
        return (header, names)
    }
}
