import Foundation
import StrataData
import StrataIO

extension SentenceEncoder {
    /// Loads a sentence-transformers model folder (such as all-MiniLM-L6-v2).
    ///
    /// `modules.json` lists the pipeline: a `Transformer` (this folder, or the sub-folder its
    /// `path` names, holding config.json, model.safetensors, the tokenizer and
    /// sentence_bert_config.json), a `Pooling` (its folder's config.json picks the modes, and its
    /// `word_embedding_dimension` must equal the model's hidden size), and optionally a
    /// `Normalize`. Without modules.json the pipeline is Transformer + mean pooling.
    /// `max_seq_length` comes from sentence_bert_config.json (default: the model's
    /// max_position_embeddings), and must not exceed max_position_embeddings.
    /// Errors name the file and key.
    ///
    /// ```swift
    /// let encoder = try SentenceEncoder(directory: "Models/all-MiniLM-L6-v2")
    /// encoder.maximumLength   // 256
    /// ```
    public convenience init(directory: String) throws {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw FileError(path: directory, message: "not a directory; expected a sentence-transformers model folder")
        }
        let pipeline = try Self.readModules(directory)
        let transformerDirectory = pipeline.transformerPath.isEmpty ? directory : directory + "/" + pipeline.transformerPath

        let model: BERT
        do {
            model = try BERT.load(directory: transformerDirectory)
        } catch let error as FileError {
            throw error
        }
        model.prepackLinearWeights()   // an encoder only infers: its weights are packed once for the CPU kernel
        let tokenizer = try WordPieceTokenizer.load(directory: transformerDirectory)
        guard tokenizer.vocabularySize <= model.config.vocabularySize else {
            throw FileError(path: transformerDirectory + "/config.json", key: "vocab_size",
                                       message: "\(model.config.vocabularySize); the tokenizer has \(tokenizer.vocabularySize) tokens")
        }

        var pooling: [PoolingMode] = [.mean]
        if let poolingPath = pipeline.poolingPath {
            pooling = try Self.readPooling(directory + "/" + poolingPath + "/config.json", hiddenSize: model.config.hiddenSize)
        }
        let (maximumLength, lowercase) = try Self.readSentenceConfig(transformerDirectory + "/sentence_bert_config.json",
                                                                     maximumPositions: model.config.maximumPositions)
        self.init(model: model, tokenizer: tokenizer, pooling: pooling, normalizes: pipeline.normalizes,
                  maximumLength: maximumLength, lowercasesInput: lowercase)
    }

    private struct Pipeline {
        var transformerPath = ""
        var poolingPath: String?
        var normalizes = false
    }

    /// The modules of `modules.json`, in `idx` order: Transformer, then Pooling, then an optional Normalize.
    private static func readModules(_ directory: String) throws -> Pipeline {
        let path = directory + "/modules.json"
        guard FileManager.default.fileExists(atPath: path) else { return Pipeline(poolingPath: nil) }
        do {
            let modules = try JSONDocument(path: path, maximumBytes: 1 << 20).root.elements()
            let sorted = try modules.map { (try $0.member("idx").int(), $0) }.sorted { $0.0 < $1.0 }.map(\.1)
            var pipeline = Pipeline()
            let prefix = "sentence_transformers.models."
            for (position, module) in sorted.enumerated() {
                let typeNode = try module.member("type")
                let type = try typeNode.string()
                let name = type.hasPrefix(prefix) ? String(type.dropFirst(prefix.count)) : type
                let modulePath = try module.optionalMember("path")?.string() ?? ""
                guard !modulePath.contains(".."), !modulePath.hasPrefix("/") else {
                    throw try module.member("path").error("\"\(modulePath)\" leaves the model folder")
                }
                switch (position, name) {
                case (0, "Transformer"): pipeline.transformerPath = modulePath
                case (1, "Pooling"): pipeline.poolingPath = modulePath
                case (2, "Normalize"): pipeline.normalizes = true
                default:
                    throw typeNode.error("unsupported module \"\(type)\" at position \(position); expected Transformer, Pooling, then optionally Normalize")
                }
            }
            guard pipeline.poolingPath != nil else {
                throw FileError(path: path, message: "no Pooling module; expected Transformer, Pooling, then optionally Normalize")
            }
            return pipeline
        } catch let error as FileError {
            throw error   // already names the file and key
        }
    }

    /// The pooling modes of a Pooling module's `config.json`.
    private static func readPooling(_ path: String, hiddenSize: Int) throws -> [PoolingMode] {
        do {
            let root = try JSONDocument(path: path, maximumBytes: 1 << 20).root
            let dimension = try root.member("word_embedding_dimension")
            guard try dimension.int() == hiddenSize else {
                throw dimension.error("\(try dimension.int()); expected the model's hidden_size \(hiddenSize)")
            }
            var modes: [PoolingMode] = []
            for mode in PoolingMode.allCases where try root.optionalMember(mode.rawValue)?.bool() ?? false {
                modes.append(mode)
            }
            for (key, value) in try root.members() where key.hasPrefix("pooling_mode_") && PoolingMode(rawValue: key) == nil {
                if (try? value.bool()) == true { throw value.error("unsupported pooling mode; expected cls, max, mean or mean_sqrt_len tokens") }
            }
            guard !modes.isEmpty else { throw root.error("no pooling mode is switched on") }
            return modes
        } catch let error as FileError {
            throw error   // already names the file and key
        }
    }

    /// `max_seq_length` (1 ... max_position_embeddings) and `do_lower_case` of sentence_bert_config.json.
    private static func readSentenceConfig(_ path: String, maximumPositions: Int) throws -> (Int, Bool) {
        guard FileManager.default.fileExists(atPath: path) else { return (maximumPositions, false) }
        do {
            let root = try JSONDocument(path: path, maximumBytes: 1 << 20).root
            var length = maximumPositions
            if let node = try root.optionalMember("max_seq_length") {
                length = try node.int()
                guard (2...maximumPositions).contains(length) else {
                    throw node.error("\(length); expected 2 to max_position_embeddings (\(maximumPositions))")
                }
            }
            return (length, try root.optionalMember("do_lower_case")?.bool() ?? false)
        } catch let error as FileError {
            throw error   // already names the file and key
        }
    }
}
