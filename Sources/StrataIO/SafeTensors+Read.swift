import Foundation

extension SafeTensors {
    /// Reads every tensor and the `__metadata__` strings from a safetensors file.
    ///
    /// The file is memory-mapped and each tensor's bytes are copied out once. The header is
    /// validated completely: its length, its JSON, each dtype, shape and `data_offsets`, that the
    /// byte ranges lie inside the data section, do not overlap and match `shape * dtype size`.
    /// Any problem throws a `FileError` naming the file, the key or byte offset and what was
    /// expected; its `kind` is `.io` or one of those in `SafeTensors+ErrorKinds.swift`.
    ///
    /// ```swift
    /// let (tensors, metadata) = try SafeTensors.read(path: "model.safetensors")
    /// for (name, entry) in tensors.sorted(by: { $0.key < $1.key }) {
    ///     print(name, entry.dtype, entry.shape)
    /// }
    /// print(metadata["format"] ?? "-")
    /// ```
    public static func read(path: String) throws -> (tensors: [String: SafeTensorsEntry], metadata: [String: String]) {
        try decode(FileBytes.map(path: path), source: path)
    }

    /// Decodes safetensors bytes held in memory; `source` names them in errors.
    ///
    /// ```swift
    /// let bytes = try SafeTensors.encode(["x": SafeTensorsEntry(dtype: "U8", shape: [1], data: [7])])
    /// let (tensors, _) = try SafeTensors.decode(bytes, source: "upload")
    /// print(tensors["x"]!.data)  // [7]
    /// ```
    public static func decode(_ data: Data, source: String = "<memory>") throws -> (tensors: [String: SafeTensorsEntry], metadata: [String: String]) {
        try data.withUnsafeBytes { buffer in
            let layout = try parseLayout(buffer, path: source)
            var tensors: [String: SafeTensorsEntry] = [:]
            tensors.reserveCapacity(layout.tensors.count)
            for info in layout.tensors {
                let begin = layout.dataStart + info.begin
                let count = info.end - info.begin
                let bytes = [UInt8](unsafeUninitializedCapacity: count) { destination, initialized in
                    if count > 0 {
                        destination.baseAddress!.update(
                            from: buffer.baseAddress!.advanced(by: begin).assumingMemoryBound(to: UInt8.self),
                            count: count)
                    }
                    initialized = count
                }
                tensors[info.name] = SafeTensorsEntry(dtype: info.dtype, shape: info.shape, data: bytes)
            }
            return (tensors, layout.metadata)
        }
    }
}

/// Where each tensor lies in a safetensors buffer, after validation.
struct SafeTensorsLayout {
    struct TensorInfo {
        var name: String
        var dtype: String
        var shape: [Int]
        /// Offsets relative to `dataStart`.
        var begin: Int
        var end: Int
    }

    /// Absolute offset of the first data byte (8 + header length).
    var dataStart: Int
    var tensors: [TensorInfo]
    var metadata: [String: String]
}

extension SafeTensors {
    /// Validates the length prefix and header of a safetensors buffer and returns where each tensor lies.
    static func parseLayout(_ buffer: UnsafeRawBufferPointer, path: String) throws -> SafeTensorsLayout {
        guard buffer.count >= 8 else {
            throw FileError(
                kind: .fileTooShort, path: path, offset: 0,
                message: "file is \(buffer.count) bytes long; expected at least 8 bytes for the little-endian header length")
        }
        let headerLength64 = UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        let available = buffer.count - 8
        guard headerLength64 <= UInt64(available) else {
            throw FileError(
                kind: .headerLengthOutOfRange, path: path, offset: 0,
                message: "header length \(headerLength64) runs past the end of the file; expected at most \(available) (file size \(buffer.count) minus 8)")
        }
        let headerLength = Int(headerLength64)
        let header = UnsafeRawBufferPointer(rebasing: buffer[8..<(8 + headerLength)])
        guard String(bytes: header, encoding: .utf8) != nil else {
            throw FileError(kind: .malformedHeader, path: path, offset: 8,
                            message: "header is not valid UTF-8; expected a UTF-8 JSON object")
        }
        let json: JSONValue
        do {
            json = try JSONValue.parse(header)
        } catch let error as JSONSyntaxError {
            throw FileError(kind: .malformedHeader, path: path, offset: 8 + error.offset,
                            message: "malformed JSON header: \(error.message)")
        }
        guard case .object(let members) = json else {
            throw FileError(kind: .malformedHeader, path: path, offset: 8,
                            message: "header is \(json.typeName); expected a JSON object of tensors")
        }

        let dataStart = 8 + headerLength
        let dataSize = buffer.count - dataStart
        var metadata: [String: String] = [:]
        var tensors: [SafeTensorsLayout.TensorInfo] = []
        tensors.reserveCapacity(members.count)
        for (key, value) in members {
            if key == metadataKey {
                metadata = try parseMetadata(value, path: path)
            } else {
                tensors.append(try parseTensorInfo(key: key, value: value, dataSize: dataSize, path: path))
            }
        }
        try checkNoOverlap(tensors, dataStart: dataStart, path: path)
        return SafeTensorsLayout(dataStart: dataStart, tensors: tensors, metadata: metadata)
    }

    static func parseMetadata(_ value: JSONValue, path: String) throws -> [String: String] {
        guard case .object(let members) = value else {
            throw FileError(kind: .invalidMetadata, path: path,
                            message: "\(metadataKey) is \(value.typeName); expected an object of strings")
        }
        var metadata: [String: String] = [:]
        for (key, entry) in members {
            guard case .string(let text) = entry else {
                throw FileError(kind: .invalidMetadata, path: path, key: "\(metadataKey).\(key)",
                                message: "value is \(entry.typeName); expected a string")
            }
            metadata[key] = text
        }
        return metadata
    }

    static func parseTensorInfo(key: String, value: JSONValue, dataSize: Int, path: String) throws -> SafeTensorsLayout.TensorInfo {
        guard case .object(let fields) = value else {
            throw FileError(kind: .malformedHeader, path: path, key: key,
                            message: "entry is \(value.typeName); expected an object with dtype, shape and data_offsets")
        }
        func field(_ name: String) throws -> JSONValue {
            guard let found = fields[name] else {
                throw FileError(kind: .malformedHeader, path: path, key: key,
                                message: "missing \"\(name)\"; expected dtype, shape and data_offsets")
            }
            return found
        }

        guard case .string(let dtype) = try field("dtype") else {
            throw FileError(kind: .malformedHeader, path: path, key: key,
                            message: "dtype is \(try field("dtype").typeName); expected a string")
        }
        guard let elementSize = byteSize(ofDType: dtype) else {
            throw FileError(kind: .unknownDType, path: path, key: key,
                            message: "unknown dtype \"\(dtype)\"; expected one of \(knownDTypeList)")
        }

        let shapeValue = try field("shape")
        guard case .array(let dimensions) = shapeValue else {
            throw FileError(kind: .invalidShape, path: path, key: key,
                            message: "shape is \(shapeValue.typeName); expected an array of non-negative integers")
        }
        var shape: [Int] = []
        for (axis, dimension) in dimensions.enumerated() {
            guard let size = dimension.nonNegativeInteger else {
                throw FileError(kind: .invalidShape, path: path, key: key,
                                message: "shape[\(axis)] is \(dimension.typeName); expected a non-negative integer")
            }
            shape.append(size)
        }
        guard let expectedBytes = byteCount(shape: shape, elementSize: elementSize) else {
            throw FileError(kind: .invalidShape, path: path, key: key,
                            message: "shape \(shape) of \(dtype) overflows the addressable size")
        }

        let offsetsValue = try field("data_offsets")
        guard case .array(let offsets) = offsetsValue, offsets.count == 2,
              let begin = offsets[0].nonNegativeInteger, let end = offsets[1].nonNegativeInteger
        else {
            throw FileError(kind: .offsetsOutOfRange, path: path, key: key,
                            message: "data_offsets is \(offsetsValue.typeName); expected [begin, end] of two non-negative integers")
        }
        guard begin <= end, end <= dataSize else {
            throw FileError(kind: .offsetsOutOfRange, path: path, key: key,
                            message: "data_offsets [\(begin), \(end)] out of range; expected begin <= end <= \(dataSize) (the size of the data section)")
        }
        guard end - begin == expectedBytes else {
            throw FileError(kind: .sizeMismatch, path: path, key: key,
                            message: "data_offsets [\(begin), \(end)] hold \(end - begin) bytes; expected \(expectedBytes) for shape \(shape) of \(dtype)")
        }
        return .init(name: key, dtype: dtype, shape: shape, begin: begin, end: end)
    }

    /// Throws when two non-empty tensor byte ranges overlap.
    static func checkNoOverlap(_ tensors: [SafeTensorsLayout.TensorInfo], dataStart: Int, path: String) throws {
        let ordered = tensors.filter { $0.end > $0.begin }.sorted { ($0.begin, $0.end) < ($1.begin, $1.end) }
        for (previous, next) in zip(ordered, ordered.dropFirst()) where next.begin < previous.end {
            throw FileError(
                kind: .overlappingTensors, path: path, offset: dataStart + next.begin, key: next.name,
                message: "data_offsets [\(next.begin), \(next.end)] overlap tensor '\(previous.name)' at [\(previous.begin), \(previous.end)]; expected disjoint byte ranges")
        }
    }
}
