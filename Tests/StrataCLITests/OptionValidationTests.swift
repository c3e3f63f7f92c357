import Foundation
import Testing

/// Every numeric flag is range-checked before any work starts: a bad value is one line naming
/// the flag and the allowed range, exit status 64 (usage), and nothing trained.
@Suite("Flags are validated before anything runs")
struct OptionValidationTests {
    static let cases: [(arguments: [String], mentions: String)] = [
        (["train", "mnist", "--batch-size", "0"], "--batch-size"),
        (["train", "mnist", "--epochs", "4611686018427387904"], "--epochs"),
        (["train", "mnist", "--lr", "nan"], "--lr"),
        (["train", "mnist", "--lr", "-1"], "--lr"),
        (["train", "mnist", "--validation-split", "1"], "--validation-split"),
        (["train", "lm", "--heads", "0"], "--heads"),
        (["train", "lm", "--width", "-5"], "--width"),
        (["train", "lm", "--width", "130", "--heads", "4"], "multiple of --heads"),
        (["train", "lm", "--context", "0"], "--context"),
        (["train", "lm", "--eval-interval", "0"], "--eval-interval"),
        (["train", "lm", "--dropout", "1"], "--dropout"),
        (["train", "lm", "--weight-decay", "inf"], "--weight-decay"),
        (["train", "lm", "--batch-size", "-3"], "--batch-size"),
        (["train", "recommender", "--ratings", "x.csv", "--layers", "1000000000"], "--layers"),
        (["train", "recommender", "--ratings", "x.csv", "--lr", "nan"], "--lr"),
        (["train", "recommender", "--ratings", "x.csv", "--click-threshold", "nan"], "--click-threshold"),
        (["predict", "--checkpoint", "c", "--image", "i.png", "--top", "0"], "--top"),
        (["recommend", "--checkpoint", "c", "--user", "1", "--top", "0"], "--top"),
        (["serve", "--model", "m.gguf", "--max-batch-tokens", "0"], "--max-batch-tokens"),
    ]

    @Test(arguments: cases.indices)
    func badFlagIsRejected(_ index: Int) throws {
        let (arguments, mention) = Self.cases[index]
        let result = try StrataBinary.run(arguments)
        #expect(result.status == 64, "strata \(arguments.joined(separator: " ")) exited \(result.status): \(result.standardError)")
        #expect(result.standardError.contains(mention), "message lacks \(mention): \(result.standardError)")
        #expect(!result.standardError.contains("Fatal error"))
    }
}

/// `--seed`, `--out` and `--json` are one option group each: the same help line and default in
/// every command that takes them.
@Suite("Shared options: one help line and one default each")
struct SharedOptionTests {
    static let commands: [[String]] = [
        ["train", "mnist"], ["train", "lm"], ["train", "recommender"], ["distill"], ["prune"], ["quantize"], ["generate"],
    ]

    /// The lines of `strata <command> --help` that describe `option`, joined (help wraps).
    static func helpLines(_ command: [String], _ option: String) throws -> String? {
        let help = try StrataBinary.run(command + ["--help"]).standardOutput
        let lines = help.components(separatedBy: "\n")
        guard let start = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix(option + " ") }) else { return nil }
        var block = [lines[start].trimmingCharacters(in: .whitespaces)]
        for line in lines[(start + 1)...] {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("-") { break }
            block.append(trimmed)
        }
        return block.joined(separator: " ")
    }

    @Test(arguments: ["--seed", "--out", "--json"])
    func oneHelpLinePerOption(_ option: String) throws {
        var seen: [String: [String]] = [:]
        for command in Self.commands {
            if let text = try Self.helpLines(command, option) { seen[text, default: []].append(command.joined(separator: " ")) }
        }
        #expect(seen.count == 1, "\(option) is described differently: \(seen)")
        if option == "--seed" { #expect(seen.keys.first?.contains("(default: 42)") == true, "\(seen)") }
        #expect((seen.values.first?.count ?? 0) >= 5, "\(option) appears in too few commands: \(seen)")
    }
}
