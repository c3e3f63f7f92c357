import StrataCore
extension SafeTensorsEntry {
    /// Creates an "F32" entry from `Float` values (stored little-endian).
    ///
    /// ```swift
    /// let weight = SafeTensorsEntry(float32: [1, 2, 3, 4, 5, 6], shape: [2, 3])
    /// print(weight.dtype, weight.data.count)  // F32 24
    /// ```
    public init(float32 values: [Float], shape: [Int]) {
        ensure(shape.reduce(1, *) == values.count,
                     "SafeTensorsEntry(float32:shape:): shape \(shape) needs \(shape.reduce(1, *)) values, got \(values.count)")
        let bytes = values.withUnsafeBufferPointer { buffer in
            [UInt8](unsafeUninitializedCapacity: buffer.count * 4) { destination, initialized in
                let raw = UnsafeMutableRawBufferPointer(destination)
                for (index, value) in buffer.enumerated() {
                    raw.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: index * 4, as: UInt32.self)
                }
                initialized = buffer.count * 4
            }
        }
        self.init(dtype: "F32", shape: shape, data: bytes)
    }

    /// The elements converted to `Float`: F32 as is, F64 rounded, F16 and BF16 widened, integer
    /// and BOOL dtypes converted by value.
    ///
    /// Throws `FileError` (kind `.invalidTensor`) for the 8-bit float dtypes, an unknown
    /// dtype, or a byte count that does not match the shape.
    ///
    /// ```swift
    /// let entry = SafeTensorsEntry(dtype: "BF16", shape: [1], data: [0x80, 0x3F])
    /// print(try entry.floatValues())  // [1.0]
    /// ```
    public func floatValues() throws -> [Float] {
        guard let size = SafeTensors.byteSize(ofDType: dtype) else {
            throw FileError(kind: .invalidTensor, path: "<entry>",
                            message: "unknown dtype \"\(dtype)\"; expected one of \(SafeTensors.knownDTypeList)")
        }
        guard let expected = SafeTensors.byteCount(shape: shape, elementSize: size), expected == data.count else {
            throw FileError(kind: .invalidTensor, path: "<entry>",
                            message: "data holds \(data.count) bytes; expected shape \(shape) times \(size) bytes of \(dtype)")
        }
        guard !dtype.hasPrefix("F8") else {
            throw FileError(kind: .invalidTensor, path: "<entry>",
                            message: "cannot convert dtype \(dtype) to Float; expected F64, F32, F16, BF16, an integer dtype or BOOL")
        }
        let count = data.count / size
        return data.withUnsafeBytes { raw in
            func convert<T: FixedWidthInteger>(_: T.Type, _ transform: (T) -> Float) -> [Float] {
                [Float](unsafeUninitializedCapacity: count) { destination, initialized in
                    for index in 0..<count {
                        destination[index] = transform(T(littleEndian: raw.loadUnaligned(fromByteOffset: index * size, as: T.self)))
                    }
                    initialized = count
                }
            }
            switch dtype {
            case "F32": return convert(UInt32.self) { Float(bitPattern: $0) }
            case "F64": return convert(UInt64.self) { Float(Double(bitPattern: $0)) }
            case "F16": return convert(UInt16.self) { Self.float(fromHalfBits: $0) }
            case "BF16": return convert(UInt16.self) { Float(bitPattern: UInt32($0) << 16) }
            case "I64": return convert(Int64.self) { Float($0) }
            case "I32": return convert(Int32.self) { Float($0) }
            case "I16": return convert(Int16.self) { Float($0) }
            case "I8": return convert(Int8.self) { Float($0) }
            case "U64": return convert(UInt64.self) { Float($0) }
            case "U32": return convert(UInt32.self) { Float($0) }
            case "U16": return convert(UInt16.self) { Float($0) }
            case "U8", "BOOL": return convert(UInt8.self) { Float($0) }
            default: return []  // unreachable: every known dtype but F8 is listed above
            }
        }
    }

    /// Converts IEEE 754 binary16 bits to `Float` (exact; handles subnormals, infinities, NaN).
    static func float(fromHalfBits bits: UInt16) -> Float {
        let sign: UInt32 = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1F
        let mantissa = UInt32(bits & 0x03FF)
        switch exponent {
        case 0:
            // Zero or subnormal: mantissa * 2^-24.
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        case 0x1F:
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        default:
            return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
        }
    }
}
