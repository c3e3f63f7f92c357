import Foundation
import StrataCore
import StrataIO

extension BERT.Config {
    /// The number of weights a BERT of this shape has (with or without the pooler).
    public func parameterCount(pooler: Bool = true) -> Int {
        let c = hiddenSize, i = intermediateSize
        let embeddings = (vocabularySize + maximumPositions + typeVocabularySize) * c + 2 * c
        let layer = 4 * (c * c + c) + 2 * (c * i) + i + c + 4 * c
        return embeddings + layers * layer + (pooler ? c * c + c : 0)
    }
}

extension BERT {
    /// Tensors a checkpoint may hold that are not weights of the model (an int64 buffer).
    static let ignoredCheckpointKeys: Set<String> = ["embeddings.position_ids"]

    /// Reads `config.json` and `model.safetensors` from a Hugging Face model folder.
    ///
    /// The config is validated first, and the model is only built once the checkpoint is
    /// known to hold enough values for it; then every weight is checked (name, shape, dtype)
    /// by `loadWeights`. The pooler is built when the checkpoint has `pooler.dense.weight`.
    ///
    /// ```swift
    /// let bert = try BERT.load(directory: "Models/all-MiniLM-L6-v2")
    /// bert.config.layers   // 6
    /// ```
    public static func load(directory: String) throws -> BERT {
        let config = try Config(contentsOf: directory + "/config.json")
        let weightsPath = directory + "/model.safetensors"
        let entries = try SafeTensors.read(path: weightsPath).tensors
        let hasPooler = entries["pooler.dense.weight"] != nil
        // Every weight takes at least 2 bytes of the file (F16/BF16), so a config that asks for
        // more than that is refused before the model is allocated; loadWeights checks the rest.
        let needed = config.parameterCount(pooler: hasPooler)
        let bytes = entries.values.reduce(0) { $0 + $1.data.count }
        guard needed <= bytes / 2 else {
            throw FileError(path: weightsPath, message: "holds \(bytes) bytes of tensors; config.json describes a model of \(needed) weights")
        }
        let bert = BERT(config, pooler: hasPooler)
        try bert.loadWeights(entries, path: weightsPath)
        return bert
    }

    /// Copies checkpoint tensors into the model by their Hugging Face names.
    ///
    /// Throws a `FileError` naming `path` and the tensor when a weight is missing, when the
    /// checkpoint holds a tensor the model does not have (other than `embeddings.position_ids`),
    /// or when a tensor's shape differs from the model's or its dtype is not F32, F16 or BF16
    /// (the last two are widened to float32).
    public func loadWeights(_ entries: [String: SafeTensorsEntry], path: String) throws {
        let own = namedTensors()
        let ownNames = Set(own.map(\.name))
        let missing = own.map(\.name).filter { entries[$0] == nil }
        if !missing.isEmpty {
            throw FileError(path: path, key: missing[0],
                            message: "missing (\(missing.count) weight\(missing.count == 1 ? "" : "s") missing: \(Self.list(missing)))")
        }
        let unexpected = entries.keys.filter { !ownNames.contains($0) && !Self.ignoredCheckpointKeys.contains($0) }.sorted()
        if !unexpected.isEmpty {
            throw FileError(path: path, key: unexpected[0],
                            message: "not a weight of this BERT (\(unexpected.count) unexpected: \(Self.list(unexpected)))")
        }
        for (name, tensor) in own {
            let entry = entries[name]!
            guard entry.shape == tensor.shape.dims else {
                throw FileError(path: path, key: name, message: "shape \(entry.shape); expected \(tensor.shape.dims)")
            }
            guard let size = SafeTensors.byteSize(ofDType: entry.dtype), entry.data.count == tensor.count * size else {
                throw FileError(path: path, key: name, message: "\(entry.data.count) bytes of \(entry.dtype); expected \(tensor.count) elements")
            }
            switch entry.dtype {
            case "F32":
                // Little-endian bytes, as on every machine Strata runs on (SafeTensorsEntry.tensor does the same).
                tensor.withUnsafeMutableBuffer(as: Float.self) { destination in
                    entry.data.withUnsafeBytes { UnsafeMutableRawBufferPointer(destination).copyMemory(from: $0) }
                }
            case "F16", "BF16":
                let values = try entry.floatValues()
                tensor.withUnsafeMutableBuffer(as: Float.self) { destination in
                    for i in 0..<destination.count { destination[i] = values[i] }
                }
            default:
                throw FileError(path: path, key: name, message: "dtype \(entry.dtype); expected F32, F16 or BF16")
            }
        }
    }

    private static func list(_ names: [String]) -> String {
        names.count <= 4 ? names.joined(separator: ", ") : names.prefix(4).joined(separator: ", ") + ", ..."
    }
}
