/// Metadata values: scalars, strings and (nested) typed arrays, read into compact Swift arrays.
extension GGUFReader {
    /// Reads a `uint32` value type id and checks it names one of the 13 GGUF value types.
    mutating func readValueType(field: @autoclosure () -> String) throws -> GGUFValueType {
        let start = position
        let id = try readUInt32("value type", field: field())
        guard let type = GGUFValueType(rawValue: id) else {
            throw error(.invalidValue, at: start, field(),
                        "value type \(id) is unknown; expected 0 to 12 (uint8, int8, uint16, int16, uint32, int32, float32, bool, string, array, uint64, int64, float64)")
        }
        return type
    }

    /// Reads one value of `type`. `depth` counts the arrays around it.
    mutating func readValue(_ type: GGUFValueType, field: @autoclosure () -> String, depth: Int) throws -> GGUFValue {
        if let size = type.fixedSize {
            try need(size, for: "the \(type) value", field: field())
        }
        switch type {
        case .uint8: return .uint8(load(UInt8.self))
        case .int8: return .int8(load(Int8.self))
        case .uint16: return .uint16(load(UInt16.self))
        case .int16: return .int16(load(Int16.self))
        case .uint32: return .uint32(load(UInt32.self))
        case .int32: return .int32(load(Int32.self))
        case .uint64: return .uint64(load(UInt64.self))
        case .int64: return .int64(load(Int64.self))
        case .float32: return .float32(Float(bitPattern: load(UInt32.self)))
        case .float64: return .float64(Double(bitPattern: load(UInt64.self)))
        case .bool: return .bool(try readBool(field: field()))
        case .string: return .string(try readString("string", field: field()))
        case .array: return .array(try readArray(field: field(), depth: depth + 1))
        }
    }

    /// Reads a bool byte: 0 is false, 1 is true, anything else is invalid (the GGUF spec's rule).
    private mutating func readBool(field: @autoclosure () -> String) throws -> Bool {
        let start = position
        let byte = load(UInt8.self)
        guard byte <= 1 else {
            throw error(.invalidValue, at: start, field(), "bool byte is \(byte); expected 0 (false) or 1 (true)")
        }
        return byte == 1
    }

    /// Reads an array: its element type, its count (bounded by the bytes left), its elements.
    mutating func readArray(field: @autoclosure () -> String, depth: Int) throws -> GGUFArray {
        let start = position
        guard depth <= GGUFFile.maximumArrayDepth else {
            throw error(.nestingTooDeep, at: start, field(),
                        "arrays nest \(depth) deep; expected at most \(GGUFFile.maximumArrayDepth)")
        }
        let elementType = try readValueType(field: field())
        let count = try readCount("array count", minimumSize: elementType.minimumEncodedSize, field: field())
        // Fixed-size elements are read in one copy of exactly the bytes counted; the others are
        // appended one by one after a bounded reservation, so that nested arrays that each claim
        // the rest of the file cannot reserve many times its size before failing.
        switch elementType {
        case .uint8: return .uint8(readIntegers(count))
        case .int8: return .int8(readIntegers(count))
        case .uint16: return .uint16(readIntegers(count))
        case .int16: return .int16(readIntegers(count))
        case .uint32: return .uint32(readIntegers(count))
        case .int32: return .int32(readIntegers(count))
        case .uint64: return .uint64(readIntegers(count))
        case .int64: return .int64(readIntegers(count))
        case .float32: return .float32((readIntegers(count) as [UInt32]).map(Float.init(bitPattern:)))
        case .float64: return .float64((readIntegers(count) as [UInt64]).map(Double.init(bitPattern:)))
        case .bool:
            var flags: [Bool] = []
            flags.reserveCapacity(min(count, GGUFReader.reservationLimit))
            for index in 0..<count {
                flags.append(try readBool(field: "\(field())[\(index)]"))
            }
            return .bool(flags)
        case .string:
            // Each string is checked (bounds, UTF-8) here, and kept as its place in the file.
            var strings = GGUFStrings(file: storage, start: position)
            strings.reserveCapacity(min(count, GGUFReader.reservationLimit))
            for index in 0..<count {
                let start = position
                _ = try readString("string", field: "\(field())[\(index)]")
                guard strings.appendFileString(endingAt: position) else {
                    throw error(.countOutOfRange, at: start, "\(field())[\(index)]",
                                "the array's strings span more than \(GGUFStrings.maximumBytes) bytes")
                }
            }
            return .string(strings)
        case .array:
            var arrays: [GGUFArray] = []
            arrays.reserveCapacity(min(count, GGUFReader.reservationLimit))
            for index in 0..<count {
                arrays.append(try readArray(field: "\(field())[\(index)]", depth: depth + 1))
            }
            return .array(arrays)
        }
    }

    /// Reads `count` little-endian integers; `readCount` has checked that they fit in the bytes left.
    private mutating func readIntegers<T: FixedWidthInteger>(_ count: Int) -> [T] {
        let size = MemoryLayout<T>.size
        let values = [T](unsafeUninitializedCapacity: count) { destination, initialized in
            if count > 0 {
                UnsafeMutableRawPointer(destination.baseAddress!)
                    .copyMemory(from: buffer.baseAddress! + position, byteCount: count * size)
            }
            initialized = count
        }
        position += count * size
        // The file is little-endian; convert in place only on a big-endian host.
        return T(littleEndian: 1) == 1 ? values : values.map { T(littleEndian: $0) }
    }
}
