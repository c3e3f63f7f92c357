import Foundation
import Strata

extension BenchCommand {
    /// The sentences of `minilm-embed`: 32 ordinary sentences of 9 to 20 words. The same list is in
    /// Scripts/bench_pytorch.py (BENCH_SENTENCES); keep the two identical.
    static let benchSentences = [
        "The quarterly report shows that revenue grew by twelve percent compared with last year.",
        "A man is riding a bicycle along the river on a sunny afternoon.",
        "Please remember to water the plants in the kitchen while I am away next week.",
        "The new library opens on Monday and will stay open until nine in the evening.",
        "Scientists have discovered a new species of frog in the rainforests of Ecuador.",
        "My flight was delayed by three hours because of a storm over Chicago.",
        "She plays the violin in the city orchestra and teaches music at a local school.",
        "The recipe calls for two cups of flour, one egg and a pinch of salt.",
        "Our team will review the pull request tomorrow morning before the release.",
        "The museum's collection includes paintings from the seventeenth and eighteenth centuries.",
        "He forgot his umbrella at the café and walked home in the rain.",
        "Electric cars are becoming cheaper as battery prices continue to fall.",
        "The children built a sandcastle near the water and watched the tide come in.",
        "Customers can return unused items within thirty days for a full refund.",
        "The committee postponed its decision until more data on the project costs is available.",
        "A good night's sleep improves memory, mood and concentration during the day.",
        "The train to Edinburgh leaves from platform four at a quarter past ten.",
        "Farmers in the valley expect an early harvest after an unusually warm spring.",
        "The software update fixes several security issues and improves battery life.",
        "We watched the sunset from the top of the hill before driving back to town.",
        "The restaurant on the corner serves the best noodle soup in the neighbourhood.",
        "Researchers trained the model on millions of sentences collected from public websites.",
        "Two dogs were playing with a red ball in the park.",
        "The meeting has been moved to the large conference room on the third floor.",
        "Heavy snowfall closed several mountain roads and delayed deliveries across the region.",
        "The author signed copies of her latest novel at the bookstore downtown.",
        "Regular exercise lowers the risk of heart disease and helps control weight.",
        "The bridge will be closed for repairs from Friday night until Sunday afternoon.",
        "A woman is slicing tomatoes in a small kitchen.",
        "The city council approved a plan to plant ten thousand trees over five years.",
        "Students must submit their final essays through the online portal by midnight.",
        "The old lighthouse on the cliff has guided ships safely into the harbour for a century.",
    ]

    /// all-MiniLM-L6-v2 (Models/, or $STRATA_MODELS): sentences/s embedding the 32 sentences
    /// above one at a time (batch 1) and as one batch of 32, after one warm-up pass each;
    /// also the time to load the model folder.
    func minilmEmbed() -> BenchmarkReport {
        let root = ProcessInfo.processInfo.environment["STRATA_MODELS"] ?? "Models"
        let candidates = [root + "/all-MiniLM-L6-v2"] + DataLocations.nearExecutable("Models/all-MiniLM-L6-v2")
        guard let directory = candidates.first(where: { FileManager.default.fileExists(atPath: $0 + "/model.safetensors") }) else {
            Self.fail("all-MiniLM-L6-v2 not found (looked in \(candidates.joined(separator: ", "))): run Scripts/fetch_models.sh")
        }
        var encoder: SentenceEncoder?
        // The previous copy is freed before each load (outside the timing), so that the peak
        // holds one model whatever --runs is.
        let loadSeconds = (0..<Swift.max(1, runs / 2)).map { _ in
            encoder = nil
            return Measure.seconds { do { encoder = try SentenceEncoder(directory: directory) } catch { Self.fail("\(error)") } }
        }
        guard let encoder else { Self.fail("the model did not load") }
        let sentences = Self.benchSentences
        func rate(batchSize: Int) -> BenchmarkFigure {
            let seconds = Measure.repeated(runs: runs, warmup: 1) { _ = try? encoder.encode(sentences, batchSize: batchSize) }
            return BenchmarkFigure(name: "batch \(batchSize)", unit: "sentences/s", values: seconds.map { Double(sentences.count) / $0 })
        }
        var report = BenchmarkReport(workload: "minilm-embed")
        report.results = [
            rate(batchSize: 1),
            rate(batchSize: 32),
            BenchmarkFigure(name: "load", unit: "ms", values: loadSeconds.map { $0 * 1000 }, higherIsBetter: false),
        ]
        return report
    }

    /// Prints `message` as the tool's other errors are printed and exits with status 1.
    private static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("Error: \(message)\n".utf8))
        Foundation.exit(1)
    }
}
