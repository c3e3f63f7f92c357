/// One malformed input made from a valid file, with a label that says how it was made.
public struct FuzzCase: Sendable {
    public let label: String
    public let bytes: [UInt8]
    /// The file of a directory the bytes replace, for formats made of several files.
    public let file: String?

    public init(label: String, bytes: [UInt8], file: String? = nil) {
        self.label = label
        self.bytes = bytes
        self.file = file
    }
}

/// A deterministic generator of damaged copies of a small valid file, shared by every
/// format's fuzz test: truncation at every offset (a seeded sample for big files), seeded bit
/// flips, 4- and 8-byte fields overwritten with huge, negative and zero values in both byte
/// orders, deleted and duplicated ranges, and (for text formats) numbers and literals replaced
/// by extreme values and values of the wrong JSON type. The same seed gives the same cases.
///
/// ```swift
/// for fuzzCase in FuzzCases(validBytes, seed: 1) {
///     do { _ = try Parser.decode(fuzzCase.bytes) } catch is ParserError { }  // anything else is a bug
/// }
/// ```
public struct FuzzCases: Sequence, Sendable {
    /// How many cases of each kind to make.
    public struct Budget: Sendable {
        /// At most this many truncation lengths; every length when the file is shorter.
        public var truncations = 1024
        public var bitFlips = 300
        /// Positions where 4- and 8-byte fields are overwritten (each with every extreme value).
        public var fieldPositions = 48
        /// Byte range where fields are overwritten (the header, say); nil means the whole file.
        public var fieldRegion: Range<Int>? = nil
        /// Deleted and duplicated ranges, together.
        public var rangeEdits = 120
        /// Replacements of numbers and literals in text (JSON, CSV); 0 for binary formats.
        public var textEdits = 0

        public init(truncations: Int = 1024, bitFlips: Int = 300, fieldPositions: Int = 48,
                    fieldRegion: Range<Int>? = nil, rangeEdits: Int = 120, textEdits: Int = 0) {
            self.truncations = truncations
            self.bitFlips = bitFlips
            self.fieldPositions = fieldPositions
            self.fieldRegion = fieldRegion
            self.rangeEdits = rangeEdits
            self.textEdits = textEdits
        }

        /// A budget for text formats: fewer blind field writes, many literal replacements.
        public static func text(truncations: Int = 600, textEdits: Int = 400) -> Budget {
            Budget(truncations: truncations, bitFlips: 200, fieldPositions: 12, rangeEdits: 120, textEdits: textEdits)
        }
    }

    /// The values written over 8-byte fields: huge, negative, zero, just past small.
    public static let wideValues: [UInt64] = [.max, 1 << 63, UInt64(Int64.max), 1 << 32, 0, UInt64(bitPattern: -8)]
    /// The values written over 4-byte fields.
    public static let narrowValues: [UInt32] = [.max, 1 << 31, UInt32(Int32.max), 0, UInt32(bitPattern: -1 << 4)]
    /// What a number in text becomes: extreme, negative, zero, fractional, not a number.
    /// Sizes that pass a range check but would allocate a lot are among them (4096, 1000000, 2^24).
    public static let numberReplacements = ["-1", "0", "9223372036854775807", "-9223372036854775808",
                                            "99999999999999999999999", "1e308", "-1e308", "0.5", "NaN", "1e-320",
                                            "4096", "1000000", "16777216", "2147483648"]
    /// What any literal in JSON becomes: values of the wrong type.
    public static let typeReplacements = ["\"x\"", "\"\"", "null", "[]", "{}", "true", "[1,[2]]", "{\"a\":1}"]

    enum Edit: Sendable {
        case truncate(Int)
        case flip([(position: Int, bit: UInt8)])
        case overwrite(position: Int, bytes: [UInt8], label: String)
        case delete(Range<Int>)
        case duplicate(Range<Int>, at: Int)
        case replace(Range<Int>, with: [UInt8], label: String)
    }

    public let original: [UInt8]
    let edits: [Edit]

    public init(_ original: [UInt8], seed: UInt64, budget: Budget = Budget()) {
        self.original = original
        var random = SplitMix64(seed: seed)
        var edits: [Edit] = []
        let count = original.count

        // Truncation: every length, or a sample that always keeps the first and last 32.
        if count <= budget.truncations {
            edits += (0..<count).map { Edit.truncate($0) }
        } else {
            var lengths = Set((0..<Swift.min(32, count)).map { $0 })
            lengths.formUnion(Swift.max(0, count - 32)..<count)
            while lengths.count < budget.truncations { lengths.insert(random.below(count)) }
            edits += lengths.sorted().map { Edit.truncate($0) }
        }

        if count > 0 {
            // Bit flips: one to three per case.
            for _ in 0..<budget.bitFlips {
                let flips = (0..<(1 + random.below(3))).map { _ in (position: random.below(count), bit: UInt8(random.below(8))) }
                edits.append(.flip(flips))
            }

            // Fields: every position of the region, or a seeded sample of it.
            let region = budget.fieldRegion.map { $0.clamped(to: 0..<count) } ?? 0..<count
            var positions: [Int]
            if region.count <= budget.fieldPositions {
                positions = Array(region)
            } else {
                positions = (0..<budget.fieldPositions).map { _ in region.lowerBound + random.below(region.count) }
            }
            for position in positions {
                for value in Self.wideValues where position + 8 <= count {
                    edits.append(.overwrite(position: position, bytes: bytes(value.littleEndian), label: "u64 LE \(value)"))
                    edits.append(.overwrite(position: position, bytes: bytes(value.bigEndian), label: "u64 BE \(value)"))
                }
                for value in Self.narrowValues where position + 4 <= count {
                    edits.append(.overwrite(position: position, bytes: bytes(value.littleEndian), label: "u32 LE \(value)"))
                    edits.append(.overwrite(position: position, bytes: bytes(value.bigEndian), label: "u32 BE \(value)"))
                }
            }

            // Deleted and duplicated ranges, mostly short.
            for k in 0..<budget.rangeEdits {
                let start = random.below(count)
                let length = 1 + random.below(Swift.min(count - start, k % 4 == 0 ? count : 16))
                if k % 2 == 0 {
                    edits.append(.delete(start..<(start + length)))
                } else {
                    edits.append(.duplicate(start..<(start + length), at: random.below(count + 1)))
                }
            }
        }

        // Text: numbers and literals replaced by extreme values and values of the wrong type.
        if budget.textEdits > 0 {
            let tokens = Self.literalTokens(original)
            if !tokens.isEmpty {
                for _ in 0..<budget.textEdits {
                    let token = tokens[random.below(tokens.count)]
                    let isNumber = original[token.lowerBound] == UInt8(ascii: "-")
                        || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(original[token.lowerBound])
                    let choices = isNumber && random.below(3) != 0 ? Self.numberReplacements : Self.typeReplacements
                    let replacement = choices[random.below(choices.count)]
                    edits.append(.replace(token, with: Array(replacement.utf8), label: replacement))
                }
            }
        }
        self.edits = edits
    }

    /// The number of cases.
    public var count: Int { edits.count }

    /// The cases as replacements of `file` in a directory, labelled with the file's name;
    /// `transform` turns the damaged bytes into the file's content (to re-embed a damaged part).
    public func replacing(_ file: String, transform: @escaping @Sendable ([UInt8]) -> [UInt8] = { $0 }) -> [FuzzCase] {
        map { FuzzCase(label: "\(file): \($0.label)", bytes: transform($0.bytes), file: file) }
    }

    public func makeIterator() -> AnyIterator<FuzzCase> {
        var index = 0
        return AnyIterator {
            guard index < edits.count else { return nil }
            defer { index += 1 }
            return apply(edits[index])
        }
    }

    func apply(_ edit: Edit) -> FuzzCase {
        var bytes = original
        switch edit {
        case .truncate(let length):
            return FuzzCase(label: "truncated to \(length) bytes", bytes: Array(original[0..<length]))
        case .flip(let flips):
            for flip in flips { bytes[flip.position] ^= 1 << flip.bit }
            let where_ = flips.map { "bit \($0.bit) of byte \($0.position)" }.joined(separator: ", ")
            return FuzzCase(label: "flipped \(where_)", bytes: bytes)
        case .overwrite(let position, let field, let label):
            bytes.replaceSubrange(position..<(position + field.count), with: field)
            return FuzzCase(label: "\(label) written at byte \(position)", bytes: bytes)
        case .delete(let range):
            bytes.removeSubrange(range)
            return FuzzCase(label: "deleted bytes \(range)", bytes: bytes)
        case .duplicate(let range, let at):
            bytes.insert(contentsOf: original[range], at: at)
            return FuzzCase(label: "bytes \(range) copied to \(at)", bytes: bytes)
        case .replace(let range, let with, let label):
            let old = String(decoding: original[range], as: UTF8.self)
            bytes.replaceSubrange(range, with: with)
            return FuzzCase(label: "\(old.debugDescription) at byte \(range.lowerBound) replaced by \(label)", bytes: bytes)
        }
    }

    /// Byte ranges of numbers, `true`/`false`/`null` and double-quoted strings in text.
    static func literalTokens(_ text: [UInt8]) -> [Range<Int>] {
        var tokens: [Range<Int>] = []
        var i = 0
        func isNumberByte(_ b: UInt8) -> Bool {
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) || b == UInt8(ascii: "-") || b == UInt8(ascii: ".")
                || b == UInt8(ascii: "e") || b == UInt8(ascii: "E") || b == UInt8(ascii: "+")
        }
        while i < text.count {
            let b = text[i]
            if b == UInt8(ascii: "\"") {
                var j = i + 1
                while j < text.count, text[j] != UInt8(ascii: "\"") { j += text[j] == UInt8(ascii: "\\") ? 2 : 1 }
                let end = Swift.min(j + 1, text.count)
                tokens.append(i..<end)
                i = end
            } else if (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) || b == UInt8(ascii: "-") {
                var j = i + 1
                while j < text.count, isNumberByte(text[j]) { j += 1 }
                tokens.append(i..<j)
                i = j
            } else {
                var matched = false
                for word in ["true", "false", "null"] {
                    let w = Array(word.utf8)
                    if i + w.count <= text.count, Array(text[i..<(i + w.count)]) == w {
                        tokens.append(i..<(i + w.count))
                        i += w.count
                        matched = true
                        break
                    }
                }
                if !matched { i += 1 }
            }
        }
        return tokens
    }
}

/// The parts of a safetensors file: the JSON header and the data after it. `nil` when the
/// 8-byte length prefix does not fit the bytes.
public func safetensorsParts(_ bytes: [UInt8]) -> (header: [UInt8], data: [UInt8])? {
    guard bytes.count >= 8 else { return nil }
    let length = (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[$1]) << (8 * UInt64($1)) }
    guard length <= UInt64(bytes.count - 8) else { return nil }
    return (Array(bytes[8..<(8 + Int(length))]), Array(bytes[(8 + Int(length))...]))
}

/// A safetensors file from a header and data, with a length prefix that matches the header, so
/// that damage to the header's JSON reaches the JSON parser instead of the length check.
public func safetensorsFile(header: [UInt8], data: [UInt8]) -> [UInt8] {
    bytes(UInt64(header.count).littleEndian) + header + data
}

private func bytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
    withUnsafeBytes(of: value) { Array($0) }
}

/// A tiny deterministic generator (SplitMix64) for reproducible fuzz cases.
public struct SplitMix64: Sendable {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// A value in 0..<bound (bound > 0).
    public mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
}
