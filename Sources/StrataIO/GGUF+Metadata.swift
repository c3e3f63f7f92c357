/// Typed metadata getters that throw errors naming the key, its offset and what was expected.
///
/// `required...` throw `.missingKey` when the key is absent; `optional...` return nil then. Both
/// throw `.typeMismatch` when the value has another type. Integers of any width convert to `Int`
/// (a `uint64` above `Int.max` is a mismatch); `float32`, `float64` and integers convert to `Double`.
///
/// ```swift
/// let file = try GGUFFile(path: "SmolLM2-135M-Instruct.Q4_1.gguf")
/// let layers = try file.requiredInt("llama.block_count")              // 30
/// let theta = try file.requiredDouble("llama.rope.freq_base")         // 100000.0
/// let addBOS = try file.optionalBool("tokenizer.ggml.add_bos_token")  // false
/// let tokens = try file.stringArray("tokenizer.ggml.tokens")          // 49152 strings
/// try file.requiredString("llama.block_count")
/// // throws: ...: offset 457: llama.block_count: value is uint32 30; expected a string
/// ```
extension GGUFFile {
    /// The value of `key` as any integer type.
    public func requiredInt(_ key: String) throws -> Int {
        try required(key, "an integer") { $0.intValue }
    }

    /// The value of `key` as any integer type, or nil when the key is absent.
    public func optionalInt(_ key: String) throws -> Int? {
        try optional(key, "an integer") { $0.intValue }
    }

    /// The value of `key` as a number (`float32`, `float64` or an integer).
    public func requiredDouble(_ key: String) throws -> Double {
        try required(key, "a number") { $0.doubleValue }
    }

    /// The value of `key` as a number, or nil when the key is absent.
    public func optionalDouble(_ key: String) throws -> Double? {
        try optional(key, "a number") { $0.doubleValue }
    }

    /// The value of `key` as a string.
    public func requiredString(_ key: String) throws -> String {
        try required(key, "a string") { $0.stringValue }
    }

    /// The value of `key` as a string, or nil when the key is absent.
    public func optionalString(_ key: String) throws -> String? {
        try optional(key, "a string") { $0.stringValue }
    }

    /// The value of `key` as a bool.
    public func requiredBool(_ key: String) throws -> Bool {
        try required(key, "a bool") { $0.boolValue }
    }

    /// The value of `key` as a bool, or nil when the key is absent.
    public func optionalBool(_ key: String) throws -> Bool? {
        try optional(key, "a bool") { $0.boolValue }
    }

    /// The elements of `key`, an array of strings (such as `tokenizer.ggml.tokens`).
    public func stringArray(_ key: String) throws -> [String] {
        try required(key, "an array of strings") { $0.arrayValue?.strings }
    }

    /// The elements of `key`, an array of any integer type, as `Int` (such as `tokenizer.ggml.token_type`).
    public func intArray(_ key: String) throws -> [Int] {
        try required(key, "an array of integers") { $0.arrayValue?.ints }
    }

    /// The elements of `key`, an array of `float32` (or `float64`, rounded), as `Float`.
    public func floatArray(_ key: String) throws -> [Float] {
        try required(key, "an array of floats") { $0.arrayValue?.floats }
    }

    private func required<T>(_ key: String, _ expected: String, _ convert: (GGUFValue) -> T?) throws -> T {
        guard let value = metadata[key] else {
            throw FileError(kind: .missingKey, path: path, key: key,
                            message: "key is missing; expected \(expected) (the file has \(metadataKeys.count) keys)")
        }
        return try converted(value, key, expected, convert)
    }

    private func optional<T>(_ key: String, _ expected: String, _ convert: (GGUFValue) -> T?) throws -> T? {
        guard let value = metadata[key] else { return nil }
        return try converted(value, key, expected, convert)
    }

    private func converted<T>(_ value: GGUFValue, _ key: String, _ expected: String, _ convert: (GGUFValue) -> T?) throws -> T {
        guard let result = convert(value) else {
            throw FileError(kind: .typeMismatch, path: path, offset: metadataOffsets[key], key: key,
                            message: "value is \(value.typeAndValue); expected \(expected)")
        }
        return result
    }
}
