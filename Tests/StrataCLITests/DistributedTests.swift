import Foundation
import Testing

/// Data-parallel training under `mpirun`: the collectives give the values they must, and
/// 2 processes with global batch B train step for step like 1 process with batch B.
/// Skipped (with a message) when Open MPI's `mpirun` is not installed.
@Suite("Distributed training (mpirun)", .serialized)
struct DistributedTests {
    static let mpirun: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let found = path.split(separator: ":").map { "\($0)/mpirun" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        if found == nil { print("skipped: mpirun not found (apt-get install openmpi-bin)") }
        return found
    }()

    /// Runs `mpirun -np N strata arguments...` (as root too; at most 120 s).
    static func run(processes: Int, _ arguments: [String]) throws -> StrataBinary.Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: mpirun!)
        process.arguments = ["-np", String(processes), "--oversubscribe", "--allow-run-as-root", "--timeout", "120",
                             StrataBinary.url.path] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return StrataBinary.Result(status: process.terminationStatus, standardOutput: String(decoding: outData, as: UTF8.self),
                                   standardError: String(decoding: errData, as: UTF8.self))
    }

    static func temporaryDirectory(_ name: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-\(name)-\(getpid())").path
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// The `loss` column of a step log.
    static func losses(_ path: String) throws -> [Double] {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        let column = try #require(lines.first?.split(separator: ",").firstIndex(of: "loss"))
        return lines.dropFirst().map { Double($0.split(separator: ",")[column])! }
    }

    static func expectEqualLosses(_ a: [Double], _ b: [Double], count: Int) {
        #expect(a.count == count && b.count == count, "steps: \(a.count) and \(b.count), expected \(count)")
        for (i, (x, y)) in zip(a, b).enumerated() {
            #expect(abs(x - y) <= 1e-5 * abs(x), "step \(i + 1): loss \(x) with 1 process, \(y) with 2")
        }
    }

    struct Collectives: Decodable {
        var rank: Int, world_size: Int
        var allreduce_sum: [Float], allreduce_average: [Float], allreduce_max: [Float], allreduce_double_sum: [Double]
        var allreduce_large_errors: Int
        var broadcast: [Float], allgather: [Float], reduce_scatter: [Float]
        var split: [Double]
        var ddp_buckets: Int
        var ddp_parameters: [[Float]], ddp_gradients: [[Float]]
    }

    @Test("each collective gives the expected values", .enabled(if: mpirun != nil), arguments: [2, 3])
    func collectives(processes n: Int) throws {
        let dir = try Self.temporaryDirectory("collectives-\(n)")
        let result = try Self.run(processes: n, ["collectives-check", "--out", dir])
        try #require(result.status == 0, "\(result.standardError)")
        var parameters: [[Float]]?
        for r in 0..<n {
            let c = try JSONDecoder().decode(Collectives.self, from: Data(contentsOf: URL(fileURLWithPath: "\(dir)/rank-\(r).json")))
            #expect(c.rank == r && c.world_size == n)
            let ranks = (1...n).reduce(0, +)   // sum of (rank + 1)
            #expect(c.allreduce_sum == (1...5).map { Float(ranks * $0) })
            #expect(c.allreduce_average == (1...5).map { Float(ranks * $0) / Float(n) })
            #expect(c.allreduce_max == (1...5).map { Float(n * $0) })
            #expect(abs(c.allreduce_double_sum[0] - 0.1 * Double(ranks)) < 1e-15 && abs(c.allreduce_double_sum[1] / 1e300 - 1) < 1e-14)
            #expect(c.allreduce_large_errors == 0)
            #expect(c.broadcast == (0..<4).map { Float((n - 1) * 10 + $0) })
            #expect(c.allgather == (0..<n).flatMap { q in (0..<3).map { Float(q * 100 + $0) } })
            #expect(c.reduce_scatter == (0..<2).map { j in Float(n * (2 * r + j) + n * (n - 1) / 2) })
            let evens = (0..<n).filter { $0 % 2 == r % 2 }
            #expect(c.split == [Double(r / 2), Double(evens.count), Double(evens.reduce(0, +))])
            #expect(c.ddp_buckets == 3)
            // Parameters: rank 0's everywhere. Gradients: summed; rank 1 had none for parameter 1.
            if let parameters { #expect(c.ddp_parameters == parameters) } else { parameters = c.ddp_parameters }
            for (i, g) in c.ddp_gradients.enumerated() {
                let contributing = (0..<n).filter { !($0 == 1 && i == 1) }
                let expected = (0..<g.count).map { j in contributing.reduce(Float(0)) { $0 + Float(j + 1) * Float($1 + 1) + Float(i) } }
                #expect(g == expected, "gradient \(i) on rank \(r)")
            }
        }
    }

    /// A small text (about 40 KB of words from a seeded generator) for a fast language-model run.
    static func writeCorpus(_ path: String) throws {
        let words = ["the", "king", "and", "queen", "of", "a", "castle", "shall", "speak", "to", "my", "lord", "night", "day"]
        var state: UInt64 = 12345
        var text = ""
        while text.utf8.count < 40_000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            text += words[Int(state >> 33) % words.count]
            text += (state >> 20) % 9 == 0 ? ".\n" : " "
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// `train lm` arguments for 20 steps of a 2-layer GPT on a small corpus written into `dir`.
    static func smallLanguageModel(_ dir: String) throws -> [String] {
        try writeCorpus("\(dir)/corpus.txt")
        return ["train", "lm", "--data", "\(dir)/corpus.txt", "--steps", "20", "--eval-interval", "10", "--batch-size", "8",
                "--context", "32", "--width", "32", "--layers", "2", "--heads", "2", "--dropout", "0", "--warmup", "5",
                "--sample-tokens", "0", "--seed", "5"]
    }

    @Test("train lm: 20 steps with 2 processes give the losses of 1 process", .enabled(if: mpirun != nil))
    func languageModel() throws {
        let dir = try Self.temporaryDirectory("ddp-lm")
        let common = try Self.smallLanguageModel(dir)
        let one = try StrataBinary.run(common + ["--out", "\(dir)/one", "--step-log", "\(dir)/one.csv", "--json", "\(dir)/one.json"])
        try #require(one.status == 0, "\(one.standardError)")
        let two = try Self.run(processes: 2, common + ["--out", "\(dir)/two", "--step-log", "\(dir)/two.csv", "--json", "\(dir)/two.json"])
        try #require(two.status == 0, "\(two.standardError)")
        Self.expectEqualLosses(try Self.losses("\(dir)/one.csv"), try Self.losses("\(dir)/two.csv"), count: 20)
        // Only rank 0 printed, and its report names the process count.
        #expect(two.standardOutput.components(separatedBy: "Computing the loss over the whole validation part").count == 2)
        let report = try String(contentsOfFile: "\(dir)/two.json", encoding: .utf8)
        #expect(report.contains("\"world_size\": 2"), "\(report)")
    }

    @Test("train lm --tensor-parallel 2: 2 processes (2 x 1) and 4 (2 x 2) give the losses of 1 process and write the whole model",
          .enabled(if: mpirun != nil))
    func tensorParallel() throws {
        let dir = try Self.temporaryDirectory("tp-lm")
        let common = try Self.smallLanguageModel(dir)
        let one = try StrataBinary.run(common + ["--out", "\(dir)/one", "--step-log", "\(dir)/one.csv"])
        try #require(one.status == 0, "\(one.standardError)")
        for processes in [2, 4] {
            let run = try Self.run(processes: processes, common + ["--tensor-parallel", "2", "--out", "\(dir)/tp\(processes)",
                                                                    "--step-log", "\(dir)/tp\(processes).csv"])
            try #require(run.status == 0, "\(run.standardError)")
            #expect(run.standardOutput.contains("each GPT block split over 2 processes, \(processes / 2) data-parallel copies"))
            Self.expectEqualLosses(try Self.losses("\(dir)/one.csv"), try Self.losses("\(dir)/tp\(processes).csv"), count: 20)
            // The model file holds whole matrices (gathered from the shards), as a 1-process run writes them.
            let shapes = try Self.safetensorsShapes("\(dir)/tp\(processes)/model.safetensors")
            #expect(shapes == (try Self.safetensorsShapes("\(dir)/one/model.safetensors")))
            #expect(shapes["h.0.attn.c_attn.weight"] == [96, 32] && shapes["h.1.mlp.c_proj.weight"] == [32, 128], "\(shapes)")
        }
        let odd = try Self.run(processes: 2, common + ["--tensor-parallel", "2", "--heads", "1", "--width", "32", "--out", "\(dir)/odd"])
        #expect(odd.status != 0 && odd.standardError.contains("--tensor-parallel 2 must divide --heads 1"), "\(odd.standardError)")
        let uneven = try Self.run(processes: 2, common + ["--tensor-parallel", "4", "--heads", "4", "--out", "\(dir)/uneven"])
        #expect(uneven.status != 0 && uneven.standardError.contains("does not divide the 2 processes"), "\(uneven.standardError)")
    }

    /// Tensor names and shapes in a safetensors file's header.
    static func safetensorsShapes(_ path: String) throws -> [String: [Int]] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let size = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + size))) as? [String: Any] ?? [:]
        var shapes: [String: [Int]] = [:]
        for (key, value) in header where key != "__metadata__" {
            shapes[key] = ((value as? [String: Any])?["shape"] as? [Any])?.compactMap { ($0 as? NSNumber)?.intValue }
        }
        return shapes
    }

    /// A small MNIST-format dataset (IDX files) of `count` training and 50 test images whose
    /// label is the brightest of ten image bands, so that there is something to learn.
    static func writeImages(_ dir: String, count: Int) throws {
        var state: UInt64 = 99
        func next() -> UInt8 { state = state &* 6364136223846793005 &+ 1442695040888963407; return UInt8(truncatingIfNeeded: state >> 40) }
        func idx(_ magic: UInt8, _ dims: [Int], _ bytes: [UInt8]) -> Data {
            var data = Data([0, 0, 8, magic])
            for d in dims { data += withUnsafeBytes(of: UInt32(d).bigEndian) { Data($0) } }
            return data + Data(bytes)
        }
        for (name, n) in [("train", count), ("t10k", 50)] {
            var pixels: [UInt8] = [], labels: [UInt8] = []
            for _ in 0..<n {
                let label = next() % 10
                for p in 0..<784 { pixels.append(p / 28 / 3 == Int(label) ? 200 &+ next() % 50 : next() % 120) }
                labels.append(label)
            }
            try idx(3, [n, 28, 28], pixels).write(to: URL(fileURLWithPath: "\(dir)/\(name)-images-idx3-ubyte"))
            try idx(1, [n], labels).write(to: URL(fileURLWithPath: "\(dir)/\(name)-labels-idx1-ubyte"))
        }
    }

    @Test("train mnist: 2 processes match 1 process, and --resume changes the process count", .enabled(if: mpirun != nil))
    func mnist() throws {
        let dir = try Self.temporaryDirectory("ddp-mnist")
        try Self.writeImages(dir, count: 640)
        // 600 training images at global batch 30: 20 steps per epoch; a constant learning rate, so
        // that runs of 1 and 2 epochs follow the same schedule.
        let common = ["train", "mnist", "--data", dir, "--validation-split", "0.0625", "--batch-size", "30", "--dropout", "0", "--seed", "3",
                      "--schedule", "constant", "--lr", "3e-4"]
        let one = try StrataBinary.run(common + ["--epochs", "2", "--out", "\(dir)/one", "--step-log", "\(dir)/one.csv", "--json", "\(dir)/one.json"])
        try #require(one.status == 0, "\(one.standardError)")
        let two = try Self.run(processes: 2, common + ["--epochs", "1", "--out", "\(dir)/two", "--step-log", "\(dir)/two.csv", "--json", "\(dir)/two.json"])
        try #require(two.status == 0, "\(two.standardError)")
        let single = try Self.losses("\(dir)/one.csv")
        Self.expectEqualLosses(Array(single.prefix(20)), try Self.losses("\(dir)/two.csv"), count: 20)
        #expect(try String(contentsOfFile: "\(dir)/two.json", encoding: .utf8).contains("\"world_size\": 2"))
        // The 2-process checkpoint, resumed by 1 process for the second epoch: the single run's epoch 2.
        let resumed = try StrataBinary.run(common + ["--epochs", "2", "--resume", "\(dir)/two", "--out", "\(dir)/resumed",
                                                     "--step-log", "\(dir)/resumed.csv"])
        try #require(resumed.status == 0, "\(resumed.standardError)")
        Self.expectEqualLosses(Array(single.suffix(20)), try Self.losses("\(dir)/resumed.csv"), count: 20)
    }

    /// A ratings file of `count` lines `user,item,rating` (40 users, 60 items) with a pattern:
    /// users and items of the same parity rate higher.
    static func writeRatings(_ path: String, count: Int) throws {
        var state: UInt64 = 11
        func next(_ bound: Int) -> Int { state = state &* 6364136223846793005 &+ 1442695040888963407; return Int(state >> 33) % bound }
        var lines = ["user,item,rating"]
        for _ in 0..<count {
            let (user, item) = (next(40), next(60))
            lines.append("u\(user),i\(item),\((user + item) % 2 == 0 ? 4 + next(2) : 1 + next(2))")
        }
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }

    @Test("train recommender: 2 processes match 1 process, step for step; a batch too small to split is refused",
          .enabled(if: mpirun != nil))
    func recommender() throws {
        let dir = try Self.temporaryDirectory("ddp-recommender")
        try Self.writeRatings("\(dir)/ratings.csv", count: 1_000)
        // 800 training ratings at global batch 64: 13 steps an epoch, the last of 32 ratings.
        let common = ["train", "recommender", "--model", "mf", "--ratings", "\(dir)/ratings.csv", "--factors", "8",
                      "--batch-size", "64", "--epochs", "2", "--seed", "4"]
        let one = try StrataBinary.run(common + ["--out", "\(dir)/one", "--step-log", "\(dir)/one.csv"])
        try #require(one.status == 0, "\(one.standardError)")
        let two = try Self.run(processes: 2, common + ["--out", "\(dir)/two", "--step-log", "\(dir)/two.csv", "--json", "\(dir)/two.json"])
        try #require(two.status == 0, "\(two.standardError)")
        Self.expectEqualLosses(try Self.losses("\(dir)/one.csv"), try Self.losses("\(dir)/two.csv"), count: 26)
        #expect(try String(contentsOfFile: "\(dir)/two.json", encoding: .utf8).contains("\"world_size\": 2"))
        // 800 ratings at batch 799: the last batch of each epoch holds 1 rating, which 2 processes cannot share.
        let refused = try Self.run(processes: 2, ["train", "recommender", "--model", "mf", "--ratings", "\(dir)/ratings.csv",
                                                  "--batch-size", "799", "--epochs", "1", "--out", "\(dir)/never"])
        #expect(refused.status != 0)
        #expect(refused.standardError.contains("cannot be split over 2 processes"), "\(refused.standardError)")
    }

    @Test("strata info says which MPI is available, or why none is")
    func info() throws {
        let result = try StrataBinary.run(["info"])
        #expect(result.status == 0)
        let line = result.standardOutput.split(separator: "\n").first { $0.hasPrefix("mpi:") }.map(String.init) ?? ""
        if Self.mpirun != nil {
            #expect(line.contains("Open MPI v"), "\(result.standardOutput)")
        } else {
            #expect(line.contains("not available") || line.contains("Open MPI v"), "\(result.standardOutput)")
        }
    }

    @Test("a global batch that does not divide over the processes is refused", .enabled(if: mpirun != nil))
    func unevenBatch() throws {
        let result = try Self.run(processes: 2, ["train", "mnist", "--batch-size", "31", "--epochs", "1", "--out", "/tmp/strata-never"])
        #expect(result.status != 0)
        #expect(result.standardError.contains("--batch-size 31"), "\(result.standardError)")
    }
}
