import ArgumentParser
import Foundation
import Strata

/// `strata embed`: sentence embeddings from a sentence-transformers BERT folder.
struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Embed sentences with a pretrained BERT sentence encoder (e.g. all-MiniLM-L6-v2).",
        discussion: """
            Sentences come from --text (repeatable) or, without it, from standard input, one per
            line (blank lines are skipped). Each is printed as one JSON line:
              {"text": "...", "embedding": [0.0123, ...]}
            Pooling, normalisation and the maximum length follow the model folder (modules.json,
            1_Pooling/config.json, sentence_bert_config.json). With --similarity the cosine of the
            two sentences is printed instead (for more sentences, the matrix, one row per line).
            Examples:
              strata embed --model Models/all-MiniLM-L6-v2 --text "A man is eating food."
              strata embed --model Models/all-MiniLM-L6-v2 --similarity \\
                  --text "A man is eating food." --text "A man is eating a piece of bread."   # 0.7553
              strata embed --model Models/all-MiniLM-L6-v2 < sentences.txt > embeddings.jsonl
            """)

    @Option(help: "A sentence-transformers model folder (config.json, model.safetensors, vocab.txt or tokenizer.json, ...).")
    var model: String
    @Option(name: .customLong("text"), help: "A sentence to embed (repeat for several). Without it, standard input is read.")
    var texts: [String] = []
    @Option(help: "Sentences per forward pass.") var batchSize: Int = 32
    @Flag(help: "Print the cosine similarity of the sentences instead of their embeddings.") var similarity = false

    func validate() throws {
        guard batchSize >= 1 && batchSize <= 4096 else { throw ValidationError("--batch-size must be in 1...4096") }
    }

    func run() throws {
        var sentences = texts
        if sentences.isEmpty {
            let input = FileHandle.standardInput.readDataToEndOfFile()
            guard let text = String(data: input, encoding: .utf8) else { throw UserFacingError("standard input is not valid UTF-8") }
            sentences = text.split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.hasSuffix("\r") ? String($0.dropLast()) : String($0) }
                .filter { !$0.allSatisfy(\.isWhitespace) }
        }
        guard !sentences.isEmpty else { throw UserFacingError("no sentences: give --text or lines on standard input") }
        if similarity && sentences.count < 2 {
            throw UserFacingError("--similarity needs at least two sentences, got \(sentences.count)")
        }

        let encoder: SentenceEncoder
        let embeddings: [[Float]]
        do {
            encoder = try SentenceEncoder(directory: model)
            embeddings = try encoder.encode(sentences, batchSize: batchSize)
        } catch let error as CustomStringConvertible & Error {
            throw UserFacingError(error.description)
        }

        var out = ""
        if similarity {
            let matrix = embeddings.map { a in embeddings.map { b in SentenceEncoder.cosineSimilarity(a, b) } }
            if sentences.count == 2 {
                out = String(format: "%.4f\n", matrix[0][1])
            } else {
                for row in matrix { out += row.map { String(format: "%.4f", $0) }.joined(separator: " ") + "\n" }
            }
        } else {
            for (sentence, vector) in zip(sentences, embeddings) {
                out += "{\"text\":" + JSONValue.string(sentence).jsonString(pretty: false)
                    + ",\"embedding\":[" + vector.map { "\($0)" }.joined(separator: ",") + "]}\n"
            }
        }
        FileHandle.standardOutput.write(Data(out.utf8))
    }
}
