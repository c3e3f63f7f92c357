import Foundation
import Testing
import StrataModels

/// The folder of all-MiniLM-L6-v2 (from $STRATA_MODELS or the package's Models/), if fetched.
let miniLMDirectory: String? = {
    let root = ProcessInfo.processInfo.environment["STRATA_MODELS"]
        ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Models").path
    let dir = root + "/all-MiniLM-L6-v2"
    return FileManager.default.fileExists(atPath: dir + "/model.safetensors") ? dir : nil
}()

/// Fixtures/minilm_reference.json, written by Scripts/bert_reference.py (HF tokenizers + a numpy BERT).
struct MiniLMReference: Decodable {
    struct Sentence: Decodable { let text: String; let ids: [Int]; let truncated: Bool; let embedding: [Float] }
    struct Pair: Decodable { let a: String; let b: String; let cosine: Double }
    let max_seq_length: Int
    let sentences: [Sentence]
    let pair: Pair

    static func load() throws -> MiniLMReference {
        guard let url = Bundle.module.url(forResource: "minilm_reference", withExtension: "json", subdirectory: "Fixtures") else {
            throw CocoaError(.fileNoSuchFile)
        }
        return try JSONDecoder().decode(MiniLMReference.self, from: Data(contentsOf: url))
    }
}

/// One encoder for the suite: loading it is the slow part.
private let sharedEncoder: Result<SentenceEncoder, Error>? = miniLMDirectory.map { dir in
    Result { try SentenceEncoder(directory: dir) }
}

@Suite("all-MiniLM-L6-v2 against the numpy reference")
struct SentenceEncoderReferenceTests {
    private func encoder() throws -> SentenceEncoder { try sharedEncoder!.get() }

    @Test(.enabled(if: miniLMDirectory != nil, "skipped: run Scripts/fetch_models.sh"))
    func readsTheFolderSettings() throws {
        let encoder = try encoder()
        #expect(encoder.maximumLength == 256)           // sentence_bert_config.json, not tokenizer.json's 128
        #expect(encoder.pooling == [.mean] && encoder.normalizes && !encoder.lowercasesInput)
        #expect(encoder.dimension == 384 && encoder.model.config.layers == 6)
    }

    @Test(.enabled(if: miniLMDirectory != nil, "skipped: run Scripts/fetch_models.sh"))
    func embeddingsMatchTheReference() throws {
        let encoder = try encoder()
        encoder.warnsOnTruncation = false
        let reference = try MiniLMReference.load()
        #expect(reference.max_seq_length == encoder.maximumLength)
        let texts = reference.sentences.map(\.text)
        #expect(encoder.tokenize(texts) == reference.sentences.map(\.ids))
        #expect(reference.sentences.contains { $0.truncated && $0.ids.count == 256 })
        // Batches of 3 mix lengths, so padding and the attention mask are exercised.
        let vectors = try encoder.encode(texts, batchSize: 3)
        for (sentence, vector) in zip(reference.sentences, vectors) {
            let cosine = SentenceEncoder.cosineSimilarity(vector, sentence.embedding)
            #expect(cosine >= 0.9999, "\(sentence.text.prefix(40)): cosine \(cosine)")
            let worst = zip(vector, sentence.embedding).map { abs($0 - $1) }.max() ?? 1
            #expect(worst < 1e-4, "\(sentence.text.prefix(40)): max difference \(worst)")
        }
    }

    @Test(.enabled(if: miniLMDirectory != nil, "skipped: run Scripts/fetch_models.sh"))
    func pairSimilarityIsTheDocumentedOne() throws {
        let reference = try MiniLMReference.load()
        let vectors = try encoder().encode([reference.pair.a, reference.pair.b])
        let cosine = Double(SentenceEncoder.cosineSimilarity(vectors[0], vectors[1]))
        #expect(abs(cosine - 0.7553) <= 0.0005, "cosine \(cosine)")
        #expect(abs(cosine - reference.pair.cosine) <= 1e-4, "cosine \(cosine) vs numpy \(reference.pair.cosine)")
    }

    @Test(.enabled(if: miniLMDirectory != nil, "skipped: run Scripts/fetch_models.sh"))
    func aSentenceDoesNotDependOnItsBatch() throws {
        let encoder = try encoder()
        let short = "A man is eating food."
        let alone = try encoder.encode([short], batchSize: 1)[0]
        let longer = [
            "Swift is a general-purpose programming language built using a modern approach to safety and performance.",
            short,
            "The new movie is awesome, and the soundtrack was composed by a Grammy-winning artist.",
            "Hi",
        ]
        let batched = try encoder.encode(longer, batchSize: 4)
        let worst = zip(alone, batched[1]).map { abs($0 - $1) }.max() ?? 1
        #expect(worst <= 1e-5, "max difference \(worst)")
        let hiAlone = try encoder.encode(["Hi"])[0]
        #expect(zip(hiAlone, batched[3]).map { abs($0 - $1) }.max() ?? 1 <= 1e-5)
    }
}
