extension ByteLevelBPETokenizer {
    /// Token spellings by id, for ``ByteLevelBPETokenizer/id(of:)``: one UTF-8 buffer and an
    /// open-addressing table of ids. For a 49,152-token vocabulary that is about 0.8 MiB, where a
    /// `[String: Int]` took 1.6 MiB for as long as the tokenizer lived.
    ///
    /// ```swift
    /// let index = SpellingIndex(spellingOfID: ["a", nil, "ab"])
    /// index.id(of: "ab")   // 2
    /// index.id(of: "b")    // nil
    /// ```
    struct SpellingIndex: Sendable {
        /// Id i's spelling is utf8[start[i] ..< start[i + 1]] (empty for an id without a token,
        /// which no slot holds).
        private let utf8: [UInt8]
        private let start: [Int32]
        /// A power of two of slots, at most three quarters full; -1 is empty.
        private let slots: [Int32]

        /// `spellingOfID[i]` is id i's spelling, or nil when no token has the id.
        init(spellingOfID: [String?]) {
            var utf8: [UInt8] = [], start: [Int32] = [0]
            start.reserveCapacity(spellingOfID.count + 1)
            for spelling in spellingOfID {
                if let spelling { utf8.append(contentsOf: spelling.utf8) }
                start.append(Int32(utf8.count))
            }
            var size = 8
            while size * 3 < spellingOfID.count * 4 { size *= 2 }
            var slots = [Int32](repeating: -1, count: size)
            for (id, spelling) in spellingOfID.enumerated() where spelling != nil {
                var slot = Self.hash(spelling!.utf8) & (size - 1)
                while slots[slot] >= 0 { slot = (slot + 1) & (size - 1) }
                slots[slot] = Int32(id)
            }
            (self.utf8, self.start, self.slots) = (utf8, start, slots)
        }

        /// The id whose spelling is `spelling`, or nil.
        func id(of spelling: String) -> Int? {
            let mask = slots.count - 1
            var slot = Self.hash(spelling.utf8) & mask
            while slots[slot] >= 0 {
                let id = Int(slots[slot])
                if utf8[Int(start[id])..<Int(start[id + 1])].elementsEqual(spelling.utf8) { return id }
                slot = (slot + 1) & mask
            }
            return nil
        }

        /// FNV-1a of the bytes, folded to a non-negative Int.
        private static func hash(_ bytes: String.UTF8View) -> Int {
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
            return Int(truncatingIfNeeded: h >> 1)
        }
    }
}
