import Foundation
import StrataIO

/// Fuzz cases for files made of several parts: a safetensors file whose metadata values are
/// themselves documents (a model config in JSON, a training history), and checkpoint
/// directories where each file is damaged in turn while the others stay valid.
///
/// ```swift
/// let cases = try FuzzCheckpoint.safetensorsCases(weights, file: "model.safetensors", seed: 3)
///     + FuzzCases(idsJSON, seed: 4, budget: .text()).replacing("ids.json")
/// let summary = FuzzCheckpoint.run("recommender checkpoint", directory: dir, cases: cases,
///                                  expected: { $0 is RecommenderError }) { _ = try RecommenderCheckpoint(directory: dir) }
/// ```
public enum FuzzCheckpoint {
    /// How many cases of each kind `safetensorsCases` makes.
    public struct Budget: Sendable {
        /// Byte-level damage to the whole file (fields overwritten in the header only).
        public var raw = FuzzCases.Budget(truncations: 80, bitFlips: 80, fieldPositions: 8, rangeEdits: 40)
        /// Damage to the header's JSON, re-framed with a matching length prefix.
        public var header = FuzzCases.Budget(truncations: 30, bitFlips: 40, fieldPositions: 2, rangeEdits: 30, textEdits: 120)
        /// Damage to each metadata value (numbers, JSON configs), re-encoded into a valid file.
        public var metadataValue = FuzzCases.Budget(truncations: 12, bitFlips: 20, fieldPositions: 1, rangeEdits: 16, textEdits: 60)

        public init() {}
    }

    /// Cases for the safetensors file `file`, labelled with its name: raw bytes, the header's
    /// JSON, and each metadata value damaged in turn (the rest of the file valid).
    public static func safetensorsCases(_ original: [UInt8], file: String, seed: UInt64,
                                        budget: Budget = Budget()) throws -> [FuzzCase] {
        guard let parts = safetensorsParts(original) else { throw FuzzInconsistency("\(file) is not a safetensors file") }
        var rawBudget = budget.raw
        rawBudget.fieldRegion = 0..<(8 + parts.header.count)
        var cases = FuzzCases(original, seed: seed, budget: rawBudget).replacing(file)
        cases += FuzzCases(parts.header, seed: seed &+ 1, budget: budget.header)
            .replacing(file + " header") { safetensorsFile(header: $0, data: parts.data) }
        let (entries, metadata) = try SafeTensors.decode(Data(original), source: file)
        for (k, key) in metadata.keys.sorted().enumerated() {
            cases += FuzzCases(Array(metadata[key]!.utf8), seed: seed &+ 2 &+ UInt64(k), budget: budget.metadataValue)
                .replacing(file + " metadata '\(key)'") { damaged in
                    var changed = metadata
                    changed[key] = String(decoding: damaged, as: UTF8.self)
                    return [UInt8]((try? SafeTensors.encode(entries, metadata: changed)) ?? Data())
                }
        }
        return cases.map { FuzzCase(label: $0.label, bytes: $0.bytes, file: file) }
    }

    /// Runs `load` once per case, after writing the case's bytes over its file in `directory`;
    /// the file is restored afterwards. Counts outcomes as ``FuzzRun/run(_:_:expected:_:)`` does.
    public static func run(_ format: String, directory: String, cases: [FuzzCase], expected: (any Error) -> Bool,
                           _ load: () throws -> Void) -> FuzzSummary {
        var originals: [String: Data] = [:]
        for file in Set(cases.compactMap(\.file)) {
            originals[file] = try? Data(contentsOf: URL(fileURLWithPath: directory + "/" + file))
        }
        return FuzzRun.run(format, cases, expected: expected) { fuzzCase in
            guard let file = fuzzCase.file else { return try load() }
            let url = URL(fileURLWithPath: directory + "/" + file)
            try Data(fuzzCase.bytes).write(to: url)
            defer { try? originals[file]?.write(to: url) }
            try load()
        }
    }
}
