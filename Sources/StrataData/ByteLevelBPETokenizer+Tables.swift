import StrataCore

extension ByteLevelBPETokenizer {
    /// Every token's bytes in one buffer, for decoding: id i's bytes are
    /// `bytes[start[i] ..< start[j]]`, j the next id that has a token; an id that no token has
    /// starts at -1. One buffer instead of an array per token keeps a 49,152-token vocabulary
    /// at about half a megabyte.
    ///
    /// ```swift
    /// let t = TokenBytes(bytes: Array("abab".utf8), start: [0, 1, -1, 2, 4])
    /// t.range(of: 2)   // nil (no token has id 2)
    /// t.range(of: 3)   // 2..<4
    /// ```
    struct TokenBytes: Sendable {
        let bytes: [UInt8]
        /// One entry per id, and `bytes.count` last.
        let start: [Int32]

        /// The number of ids (with or without a token).
        var idCount: Int { start.count - 1 }

        /// Where `id`'s bytes lie in `bytes`, or nil when no token has the id.
        func range(of id: Int) -> Range<Int>? {
            guard id >= 0, id < idCount, start[id] >= 0 else { return nil }
            var next = id + 1
            while start[next] < 0 { next += 1 }
            return Int(start[id])..<Int(start[next])
        }
    }

    /// Token ids by their bytes, for ``ByteLevelBPETokenizer/id(of:)``: an open-addressing
    /// table of ids over ``TokenBytes`` (0.25 MiB for 49,152 tokens), which the tokenizer builds
    /// on the first lookup, so that one used only to encode and decode never holds it.
    ///
    /// ```swift
    /// let t = TokenBytes(bytes: Array("aab".utf8), start: [0, 1, 3])
    /// BytesIndex(t, excluding: []).id(of: Array("ab".utf8), in: t)   // 1
    /// ```
    struct BytesIndex: Sendable {
        /// A power of two of slots, at most three quarters full; -1 is empty.
        private let slots: [Int32]

        /// Indexes every id of `tokens` that has a token, except `excluded`. The ids indexed
        /// must have distinct bytes.
        init(_ tokens: TokenBytes, excluding excluded: Set<Int>) {
            var size = 8
            while size * 3 < tokens.idCount * 4 { size *= 2 }
            var slots = [Int32](repeating: -1, count: size)
            for id in 0..<tokens.idCount where !excluded.contains(id) {
                guard let range = tokens.range(of: id) else { continue }
                var slot = Self.hash(tokens.bytes[range]) & (size - 1)
                while slots[slot] >= 0 { slot = (slot + 1) & (size - 1) }
                slots[slot] = Int32(id)
            }
            self.slots = slots
        }

        /// The indexed id whose bytes are `bytes`, or nil.
        func id(of bytes: [UInt8], in tokens: TokenBytes) -> Int? {
            let mask = slots.count - 1
            var slot = Self.hash(bytes[...]) & mask
            while slots[slot] >= 0 {
                let id = Int(slots[slot])
                if tokens.bytes[tokens.range(of: id)!].elementsEqual(bytes) { return id }
                slot = (slot + 1) & mask
            }
            return nil
        }

        /// FNV-1a of the bytes, folded to a non-negative Int.
        private static func hash(_ bytes: ArraySlice<UInt8>) -> Int {
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
            return Int(truncatingIfNeeded: h >> 1)
        }
    }

    /// The merge rules: for a pair of symbols, the rank and result of the highest-priority rule
    /// that joins them. The rules by rank (12 bytes each) and an open-addressing table of ranks
    /// (4 bytes a slot): 0.8 MiB for GPT-2's 50k rules, where a `[UInt64: Merge]` took 1 MiB.
    ///
    /// ```swift
    /// var table = MergeTable(capacity: 1)
    /// table.add(left: 0, right: 1, result: 2)
    /// table.merge(0, 1)   // Merge(rank: 0, result: 2)
    /// ```
    struct MergeTable: Sendable {
        private struct Rule { var left: Int32; var right: Int32; var result: Int32 }
        /// Rule r has rank r.
        private var rules: [Rule] = []
        /// A power of two of slots, at most three quarters full of ranks; -1 is empty.
        private var slots: [Int32]

        /// An empty table with room for `capacity` rules.
        init(capacity: Int) {
            var size = 8
            while size * 3 < capacity * 4 { size *= 2 }
            slots = [Int32](repeating: -1, count: size)
            rules.reserveCapacity(capacity)
        }

        /// Adds the next rule (rank: the number added before it). A pair that an earlier rule
        /// joins keeps that rule. Precondition: no more than `capacity` rules.
        mutating func add(left: Int32, right: Int32, result: Int32) {
            ensure(rules.count * 4 < slots.count * 3, "MergeTable.add: more rules than the capacity the table was made with")
            let rank = rules.count
            rules.append(Rule(left: left, right: right, result: result))
            var slot = Self.hash(left, right) & (slots.count - 1)
            while slots[slot] >= 0 {
                let other = rules[Int(slots[slot])]
                if other.left == left && other.right == right { return }
                slot = (slot + 1) & (slots.count - 1)
            }
            slots[slot] = Int32(rank)
        }

        /// The rank and result of the rule that joins `left` and `right`, or nil.
        func merge(_ left: Int32, _ right: Int32) -> Merge? {
            var slot = Self.hash(left, right) & (slots.count - 1)
            while slots[slot] >= 0 {
                let rank = Int(slots[slot]), rule = rules[rank]
                if rule.left == left && rule.right == right { return Merge(rank: Int32(rank), result: rule.result) }
                slot = (slot + 1) & (slots.count - 1)
            }
            return nil
        }

        private static func hash(_ left: Int32, _ right: Int32) -> Int {
            let key = UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
            return Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 33)
        }
    }

    /// A merge rule's rank (lower merges first) and the symbol it makes.
    struct Merge: Equatable { var rank: Int32; var result: Int32 }
}
