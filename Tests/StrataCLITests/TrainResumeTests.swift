import Foundation
import Testing

// `strata train lm --resume`: a run stopped at an evaluation and resumed from its
// training.safetensors ends with the weights, losses and report of the uninterrupted run, bit
// for bit (dropout on, so the random streams of the data and of dropout are both restored).

@Suite("train --resume")
struct TrainResumeTests {
    @Test("train lm: 4 steps, stop, resume to 8 equals 8 steps in one run", arguments: ["gpt", "lstm"])
    func languageModel(_ arch: String) throws {
        let dir = try DistributedTests.temporaryDirectory("resume-lm-\(arch)")
        try DistributedTests.writeCorpus("\(dir)/corpus.txt")
        let common = ["train", "lm", "--arch", arch, "--data", "\(dir)/corpus.txt", "--steps", "8", "--eval-interval", "4",
                      "--batch-size", "4", "--context", "16", "--width", "16", "--layers", "2", "--heads", "2",
                      "--dropout", "0.1", "--warmup", "2", "--sample-tokens", "0", "--seed", "3"]
        let whole = try StrataBinary.run(common + ["--out", "\(dir)/whole", "--json", "\(dir)/whole.json"])
        try #require(whole.status == 0, "\(whole.standardError)")
        let stopped = try StrataBinary.run(common + ["--out", "\(dir)/parts", "--stop-after", "4"])
        try #require(stopped.status == 0, "\(stopped.standardError)")
        #expect(stopped.standardOutput.contains("step     4") && !stopped.standardOutput.contains("step     8"))
        let resumed = try StrataBinary.run(common + ["--out", "\(dir)/parts", "--resume", "\(dir)/parts", "--json", "\(dir)/parts.json"])
        try #require(resumed.status == 0, "\(resumed.standardError)")
        #expect(resumed.standardOutput.contains("Resumed from \(dir)/parts/training.safetensors after step 4"))

        let a = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/whole/model.safetensors"))
        let b = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/parts/model.safetensors"))
        #expect(a == b, "\(arch): the resumed run's weights differ from the uninterrupted run's")
        // The reports agree on every loss (the history of the resumed run includes the first part).
        func figures(_ path: String) throws -> [String: Any] {
            let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
            return object.filter { ["train_loss", "val_loss", "val_loss_estimate", "steps", "history"].contains($0.key) }
        }
        let wholeReport = try figures("\(dir)/whole.json"), partsReport = try figures("\(dir)/parts.json")
        #expect(NSDictionary(dictionary: wholeReport).isEqual(to: partsReport), "\(wholeReport) vs \(partsReport)")
        #expect((wholeReport["history"] as? [Any])?.count == 2)
        // metrics.csv: the resumed run appended its row to the first part's.
        let rows = try String(contentsOfFile: "\(dir)/parts/metrics.csv", encoding: .utf8).split(separator: "\n")
        #expect(rows.count == 3 && rows[0].hasPrefix("step,"), "\(rows)")

        // Options that change the run are refused on resume.
        let changed = try StrataBinary.run(common.map { $0 == "8" ? "12" : $0 } + ["--out", "\(dir)/parts", "--resume", "\(dir)/parts"])
        #expect(changed.status != 0 && changed.standardError.contains("resume with the options of the run it continues"), "\(changed.standardError)")
    }
}
