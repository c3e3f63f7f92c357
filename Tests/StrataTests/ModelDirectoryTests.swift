import Foundation
import Strata
import Testing
import _StrataTestSupport

// The one layout of a saved model (ModelDirectory) and the one loader (LoadedModel): every
// kind writes a directory whose metadata names the kind, LoadedModel tells the kind from the
// files, and the layouts of format 1 (an MNIST checkpoint file, format 1's kind keys) still load.

@Suite("Model directories and LoadedModel")
struct ModelDirectoryTests {
    let scratch: ScratchFolder

    init() throws { scratch = try ScratchFolder() }

    private func probabilities(_ classifier: ImageClassifierCheckpoint) -> [Float] {
        classifier.probabilities(GrayImage(width: 28, height: 28, pixels: (0..<784).map { UInt8($0 * 7 % 256) }))
    }

    @Test("an image classifier round-trips through its directory, and LoadedModel finds it")
    func imageClassifier() throws {
        let model = try ImageModelKind.cnn.make()
        model.train(false)
        let directory = scratch.file("cnn")
        try ImageClassifierCheckpoint.save(model, kind: .cnn, dataset: .fashionMNIST, metadata: ["note": "x"], to: directory)
        let header = try ModelDirectory.header(of: directory)
        #expect(header.kind == "cnn" && header.metadata["format_version"] == ModelDirectory.formatVersion)
        #expect(header.metadata["dataset"] == "fashion-mnist" && header.metadata["note"] == "x")
        // config.json repeats the metadata.
        let config = try JSONDocument(path: directory + "/" + ModelDirectory.configFile).root
        #expect(try config.member("kind").string() == "cnn")
        #expect(try config.member("config").string() == header.config)
        guard case .imageClassifier(let loaded) = try LoadedModel.load(directory) else {
            Issue.record("not loaded as an image classifier")
            return
        }
        #expect(loaded.kind == .cnn && loaded.dataset == .fashionMNIST)
        #expect(loaded.normalization == ImageDatasetKind.fashionMNIST.normalization)
        #expect(Set(loaded.model.stateDict().keys) == Set(model.stateDict().keys))
        for (key, tensor) in model.stateDict() { #expect(loaded.model.stateDict()[key]?.floats == tensor.floats, "\(key)") }
    }

    @Test("format 1's MNIST checkpoint file loads, given as the file or as its run directory")
    func formatOneImageCheckpoint() throws {
        let model = try ImageModelKind.mlp.make()
        model.train(false)
        let run = scratch.file("run")
        let file = run + "/" + ImageClassifierCheckpoint.formatOneFile
        let trainer = Trainer(model: model, optimizer: Adam(model.parameters()))
        try TrainingCheckpoint.save(trainer: trainer, metadata: ["model": "mlp", "dataset": "mnist",
                                                                 "model_config": ImageModelKind.mlp.configJSON(model)], to: file)
        let expected = probabilities(try ImageClassifierCheckpoint(path: file))
        #expect(try LoadedModel.kind(of: file) == .imageClassifier)
        #expect(try LoadedModel.kind(of: run) == .imageClassifier)
        #expect(probabilities(try ImageClassifierCheckpoint(path: run)) == expected)
        let direct = withoutGradients { model(Tensor([Float](repeating: 0.1, count: 784), shape: [1, 1, 28, 28])) }
        #expect(direct.shape == Shape([1, 10]))
    }

    @Test("format 1's kind keys (architecture, strata_recommender, model) name the kind")
    func formatOneKindKeys() throws {
        for (key, kind) in [("architecture", "gpt"), ("strata_recommender", "mf"), ("model", "mlp")] {
            var metadata = [key: kind, "config": "{}"]
            if key == "model" { metadata["model_config"] = "{\"a\":1}"; metadata["config"] = nil }
            let header = try ModelDirectory.header(path: "m.safetensors", metadata: metadata)
            #expect(header.kind == kind)
            #expect(header.config == (key == "model" ? "{\"a\":1}" : "{}"))
        }
        #expect(throws: FileError.self) { try ModelDirectory.header(path: "m.safetensors", metadata: ["dataset": "mnist"]) }
    }

    @Test("LoadedModel tells every kind from the files, and names the path when it cannot")
    func kinds() throws {
        let recommender = scratch.file("mf")
        let table = try RatingTable.parse("user,item,rating\nu1,i1,4\nu2,i2,3\n", format: .csv)
        try RecommenderCheckpoint.save(MatrixFactorization(.init(users: 2, items: 2, factors: 2), globalMean: 3.5), data: table, to: recommender)
        #expect(try LoadedModel.kind(of: recommender) == .recommender)
        let lm = scratch.file("lm")
        let tokenizer = CharacterTokenizer(corpus: "abc ")
        try LanguageModelCheckpoint.save(.lstm(LSTMLanguageModel(.init(vocabularySize: tokenizer.vocabularySize, embedding: 4, hidden: 4, layers: 1))),
                                         tokenizer: tokenizer, to: lm)
        #expect(try LoadedModel.kind(of: lm) == .languageModel)
        #expect(try LoadedModel.load(lm).kind == .languageModel)
        let empty = scratch.file("empty")
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        do {
            _ = try LoadedModel.kind(of: empty)
            Issue.record("an empty folder was given a kind")
        } catch let error as FileError {
            #expect(error.path == empty && error.description.contains("cannot tell what model"))
        }
        #expect(throws: FileError.self) { try LoadedModel.kind(of: scratch.file("missing")) }
    }
}
