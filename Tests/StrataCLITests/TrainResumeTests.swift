import Foundation
import Testing

// `strata train lm --resume` and `strata train recommender --resume`: a run stopped early and
// resumed from its training.safetensors ends with the weights, losses and report of the
// uninterrupted run, bit for bit (dropout on, so the random streams of the data and of dropout
// are both restored; LightGCN's negative sampling too).

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

    @Test("train recommender: 2 epochs, then --resume to 4, equals 4 epochs in one run", arguments: ["mf", "deepfm", "lightgcn"])
    func recommender(_ model: String) throws {
        let dir = try DistributedTests.temporaryDirectory("resume-recommender-\(model)")
        // 40 users × 30 items, 700 ratings of a rank-1 taste plus noise, from a fixed generator.
        var state: UInt64 = 2024
        func next() -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(state >> 33)
        }
        let rows = (0..<700).map { _ -> String in
            let user = next() % 40, item = next() % 30
            return "u\(user),i\(item),\(Swift.max(1, Swift.min(5, 1 + (user % 5 + item % 5) / 2 + next() % 2)))"
        }
        try ("user,item,rating\n" + rows.joined(separator: "\n") + "\n").write(toFile: "\(dir)/ratings.csv", atomically: true, encoding: .utf8)
        let common = ["train", "recommender", "--model", model, "--ratings", "\(dir)/ratings.csv", "--factors", "8", "--batch-size", "64",
                      "--hidden", "16", "--layers", "2", "--seed", "3"] + (model == "lightgcn" ? ["--split", "per-user"] : [])
        let whole = try StrataBinary.run(common + ["--epochs", "4", "--out", "\(dir)/whole", "--json", "\(dir)/whole.json"])
        try #require(whole.status == 0, "\(whole.standardError)")
        let stopped = try StrataBinary.run(common + ["--epochs", "2", "--out", "\(dir)/parts"])
        try #require(stopped.status == 0, "\(stopped.standardError)")
        let resumed = try StrataBinary.run(common + ["--epochs", "4", "--out", "\(dir)/parts", "--resume", "\(dir)/parts", "--json", "\(dir)/parts.json"])
        try #require(resumed.status == 0, "\(resumed.standardError)")
        #expect(resumed.standardOutput.contains("Resumed from \(dir)/parts/training.safetensors after epoch 2"), "\(resumed.standardOutput)")

        // The recommender checkpoint for `strata recommend` is the uninterrupted run's, byte for byte.
        for file in ["model.safetensors", "ids.json"] {
            let a = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/whole/\(file)"))
            let b = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/parts/\(file)"))
            #expect(a == b, "\(model): the resumed run's \(file) differs from the uninterrupted run's")
        }
        // The reports agree on every figure and on the history of all 4 epochs.
        func figures(_ path: String) throws -> [String: Any] {
            let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
            return object.filter { !["train_seconds", "checkpoint"].contains($0.key) }
        }
        let wholeReport = try figures("\(dir)/whole.json"), partsReport = try figures("\(dir)/parts.json")
        #expect(NSDictionary(dictionary: wholeReport).isEqual(to: partsReport), "\(wholeReport) vs \(partsReport)")
        #expect((wholeReport["history"] as? [Any])?.count == 4 && wholeReport["epochs"] as? Int == 4)
        #expect(wholeReport[model == "lightgcn" ? "recall_at_10" : "rmse"] != nil, "\(wholeReport)")
        // metrics.csv: the resumed run appended its rows to the first part's.
        let log = try String(contentsOfFile: "\(dir)/parts/metrics.csv", encoding: .utf8).split(separator: "\n")
        #expect(log.count == 5 && log[0].hasPrefix("epoch,") && log[0].contains("val_"), "\(log)")
        #expect(FileManager.default.fileExists(atPath: "\(dir)/parts/curves.svg"))

        // Options that change the run are refused on resume.
        let changed = try StrataBinary.run(common.map { $0 == "64" ? "32" : $0 } + ["--epochs", "5", "--out", "\(dir)/parts", "--resume", "\(dir)/parts"])
        #expect(changed.status != 0 && changed.standardError.contains("resume with the options of the run it continues"), "\(changed.standardError)")
    }
}
