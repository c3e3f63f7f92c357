/// The 13 metadata value types of GGUF, with the ids files store.
public enum GGUFValueType: UInt32, Sendable, CaseIterable, CustomStringConvertible {
    case uint8 = 0, int8 = 1, uint16 = 2, int16 = 3, uint32 = 4, int32 = 5, float32 = 6
    case bool = 7, string = 8, array = 9, uint64 = 10, int64 = 11, float64 = 12

    /// Bytes of one value of a fixed-size type; nil for strings and arrays.
    public var fixedSize: Int? {
        switch self {
        case .uint8, .int8, .bool: return 1
        case .uint16, .int16: return 2
        case .uint32, .int32, .float32: return 4
        case .uint64, .int64, .float64: return 8
        case .string, .array: return nil
        }
    }

    /// The fewest bytes a value of this type takes in a file: its fixed size, 8 for a string
    /// (the length), 12 for an array (element type and count).
    var minimumEncodedSize: Int {
        switch self {
        case .string: return 8
        case .array: return 12
        default: return fixedSize!
        }
    }

    /// The spec's lower-case name: `uint8`, `float32`, `string`, `array`...
    public var description: String {
        switch self {
        case .uint8: return "uint8"
        case .int8: return "int8"
        case .uint16: return "uint16"
        case .int16: return "int16"
        case .uint32: return "uint32"
        case .int32: return "int32"
        case .float32: return "float32"
        case .bool: return "bool"
        case .string: return "string"
        case .array: return "array"
        case .uint64: return "uint64"
        case .int64: return "int64"
        case .float64: return "float64"
        }
    }
}

/// One GGUF metadata value, with the exact type the file stores.
///
/// The `...Value` accessors convert loosely and cheaply (any integer type to `Int`, any number
/// to `Double`) and return nil otherwise; `GGUFFile`'s `required...`/`optional...` getters throw
/// errors that name the key instead.
///
/// ```swift
/// let file = try GGUFFile(path: "SmolLM2-135M-Instruct.Q4_1.gguf")
/// file.metadata["llama.block_count"]            // .uint32(30)
/// file.metadata["llama.block_count"]?.intValue  // 30
/// file.metadata["tokenizer.ggml.tokens"]?.arrayValue?.count  // 49152
/// ```
public enum GGUFValue: Sendable, Equatable, CustomStringConvertible {
    case uint8(UInt8)
    case int8(Int8)
    case uint16(UInt16)
    case int16(Int16)
    case uint32(UInt32)
    case int32(Int32)
    case float32(Float)
    case bool(Bool)
    case string(String)
    case array(GGUFArray)
    case uint64(UInt64)
    case int64(Int64)
    case float64(Double)

    /// The value's GGUF type.
    public var type: GGUFValueType {
        switch self {
        case .uint8: return .uint8
        case .int8: return .int8
        case .uint16: return .uint16
        case .int16: return .int16
        case .uint32: return .uint32
        case .int32: return .int32
        case .float32: return .float32
        case .bool: return .bool
        case .string: return .string
        case .array: return .array
        case .uint64: return .uint64
        case .int64: return .int64
        case .float64: return .float64
        }
    }

    /// The value of any integer type as `Int`; nil for other types and for a `uint64` above `Int.max`.
    public var intValue: Int? {
        switch self {
        case .uint8(let v): return Int(v)
        case .int8(let v): return Int(v)
        case .uint16(let v): return Int(v)
        case .int16(let v): return Int(v)
        case .uint32(let v): return Int(v)
        case .int32(let v): return Int(v)
        case .uint64(let v): return Int(exactly: v)
        case .int64(let v): return Int(v)
        default: return nil
        }
    }

    /// A `float32` or `float64` value, or an integer converted to `Double`; nil for other types.
    public var doubleValue: Double? {
        switch self {
        case .float32(let v): return Double(v)
        case .float64(let v): return v
        case .uint64(let v): return Double(v)
        default: return intValue.map(Double.init)
        }
    }

    /// The text of a `string` value.
    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The value of a `bool`.
    public var boolValue: Bool? {
        if case .bool(let flag) = self { return flag }
        return nil
    }

    /// The elements of an `array`.
    public var arrayValue: GGUFArray? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// Short text for listings: numbers as written, strings quoted, arrays as `[count x type: first...]`.
    public var description: String {
        switch self {
        case .uint8(let v): return "\(v)"
        case .int8(let v): return "\(v)"
        case .uint16(let v): return "\(v)"
        case .int16(let v): return "\(v)"
        case .uint32(let v): return "\(v)"
        case .int32(let v): return "\(v)"
        case .float32(let v): return "\(v)"
        case .bool(let v): return "\(v)"
        case .string(let v): return v.count > 60 ? "\"\(v.prefix(57).debugDescription.dropFirst().dropLast())...\"" : v.debugDescription
        case .array(let v): return v.description
        case .uint64(let v): return "\(v)"
        case .int64(let v): return "\(v)"
        case .float64(let v): return "\(v)"
        }
    }

    /// `uint32 30`, `string "smollm"`, `array of 49152 string`: for "expected X, found Y" messages.
    var typeAndValue: String {
        switch self {
        case .array(let elements): return "array of \(elements.count) \(elements.elementType)"
        case .string(let text): return "string " + (text.count > 40 ? "\"\(text.prefix(37))...\"" : text.debugDescription)
        default: return "\(type) \(description)"
        }
    }
}

/// The elements of a GGUF metadata array, kept compactly as one Swift array of the element type
/// (49,152 numbers are one `[Int32]`, not 49,152 enum values; strings share one buffer in a
/// ``GGUFStrings``). Arrays of arrays nest.
///
/// ```swift
/// if case .string(let tokens)? = file.metadata["tokenizer.ggml.tokens"]?.arrayValue {
///     print(tokens.count, tokens[0])   // 49152 <|endoftext|>
/// }
/// ```
public enum GGUFArray: Sendable, Equatable, CustomStringConvertible {
    case uint8([UInt8])
    case int8([Int8])
    case uint16([UInt16])
    case int16([Int16])
    case uint32([UInt32])
    case int32([Int32])
    case float32([Float])
    case bool([Bool])
    case string(GGUFStrings)
    case array([GGUFArray])
    case uint64([UInt64])
    case int64([Int64])
    case float64([Double])

    /// The GGUF type of the elements.
    public var elementType: GGUFValueType {
        switch self {
        case .uint8: return .uint8
        case .int8: return .int8
        case .uint16: return .uint16
        case .int16: return .int16
        case .uint32: return .uint32
        case .int32: return .int32
        case .float32: return .float32
        case .bool: return .bool
        case .string: return .string
        case .array: return .array
        case .uint64: return .uint64
        case .int64: return .int64
        case .float64: return .float64
        }
    }

    /// The number of elements.
    public var count: Int {
        switch self {
        case .uint8(let a): return a.count
        case .int8(let a): return a.count
        case .uint16(let a): return a.count
        case .int16(let a): return a.count
        case .uint32(let a): return a.count
        case .int32(let a): return a.count
        case .float32(let a): return a.count
        case .bool(let a): return a.count
        case .string(let a): return a.count
        case .array(let a): return a.count
        case .uint64(let a): return a.count
        case .int64(let a): return a.count
        case .float64(let a): return a.count
        }
    }

    /// Element `index` as a `GGUFValue` (precondition: `0 <= index < count`).
    public subscript(index: Int) -> GGUFValue {
        switch self {
        case .uint8(let a): return .uint8(a[index])
        case .int8(let a): return .int8(a[index])
        case .uint16(let a): return .uint16(a[index])
        case .int16(let a): return .int16(a[index])
        case .uint32(let a): return .uint32(a[index])
        case .int32(let a): return .int32(a[index])
        case .float32(let a): return .float32(a[index])
        case .bool(let a): return .bool(a[index])
        case .string(let a): return .string(a[index])
        case .array(let a): return .array(a[index])
        case .uint64(let a): return .uint64(a[index])
        case .int64(let a): return .int64(a[index])
        case .float64(let a): return .float64(a[index])
        }
    }

    /// Every element as a `GGUFValue` (one enum per element: for small arrays).
    public var elements: [GGUFValue] {
        (0..<count).map { self[$0] }
    }

    /// The elements of a `string` array, decoded.
    public var strings: [String]? {
        if case .string(let a) = self { return Array(a) }
        return nil
    }

    /// The elements of an array of any integer type as `Int`; nil for other element types or when a
    /// `uint64` element exceeds `Int.max`.
    public var ints: [Int]? {
        switch self {
        case .uint8(let a): return a.map(Int.init)
        case .int8(let a): return a.map(Int.init)
        case .uint16(let a): return a.map(Int.init)
        case .int16(let a): return a.map(Int.init)
        case .uint32(let a): return a.map(Int.init)
        case .int32(let a): return a.map(Int.init)
        case .int64(let a): return a.map(Int.init)
        case .uint64(let a):
            var result: [Int] = []
            result.reserveCapacity(a.count)
            for v in a {
                guard let i = Int(exactly: v) else { return nil }
                result.append(i)
            }
            return result
        default: return nil
        }
    }

    /// The elements of a `float32` array, or of a `float64` array rounded to `Float`.
    public var floats: [Float]? {
        switch self {
        case .float32(let a): return a
        case .float64(let a): return a.map { Float($0) }
        default: return nil
        }
    }

    /// `[49152 x string: "<|endoftext|>", "<|im_start|>", ...]`.
    public var description: String {
        let shown = (0..<Swift.min(count, 3)).map { self[$0].description }
        let more = count > 3 ? ", ..." : ""
        return "[\(count) x \(elementType)" + (count == 0 ? "]" : ": " + shown.joined(separator: ", ") + more + "]")
    }
}
