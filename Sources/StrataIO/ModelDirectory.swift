import Foundation
import StrataCore

/// The one layout of a saved Strata model: a directory holding
/// - `model.safetensors`: the weights under the model's state-dict keys, with the model's `kind`
///   (`mlp`, `cnn`, `gpt`, `lstm`, `mf`, `deepfm`, `lightgcn`), its `config` (JSON) and
///   `format_version` in the header metadata, beside what the kind adds (dataset, tokenizer,
///   rating range, quantisation scheme);
/// - `config.json`: the same metadata, readable (the header stays the source of truth);
/// - the kind's side files: a tokenizer, id maps;
/// - `training.safetensors` when a training run can continue from it (`--resume DIR`).
///
/// Every file is written to a temporary name and renamed, so a reader never sees half a model.
///
/// ```swift
/// try ModelDirectory.write(model.stateDict(), kind: "mlp", config: configJSON, to: "runs/mnist")
/// let header = try ModelDirectory.header(of: "runs/mnist")     // header.kind == "mlp"
/// ```
public enum ModelDirectory {
    /// The weights file of a model directory.
    public static let weightsFile = "model.safetensors"
    /// The readable copy of the weights' metadata.
    public static let configFile = "config.json"
    /// The training state a run resumes from (weights, optimizer, progress).
    public static let trainingFile = "training.safetensors"
    /// 2: one `kind`/`config` pair for every model and GPT-2's tensor names. Format 1 (no
    /// `format_version`) named the kind `architecture`, `strata_recommender` or `model`.
    public static let formatVersion = "2"

    /// The metadata keys format 1 used for the kind and the config, by the kind's family.
    static let formerKindKeys = ["architecture", "strata_recommender", "model"]
    static let formerConfigKeys = ["model": "model_config"]

    /// Writes `weights` as `directory/model.safetensors` with `metadata` plus `kind`, `config` and
    /// `format_version`, and the same metadata as `directory/config.json` (the directory is
    /// created if needed). Format 1's names for the kind and config (`architecture`,
    /// `strata_recommender`, `model`, `model_config`) are left out of `metadata`, so that a
    /// reader never sees two kinds.
    public static func write(_ weights: [String: SafeTensorsEntry], kind: String, config: String,
                             metadata: [String: String] = [:], to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var header = metadata
        for key in formerKindKeys + Array(formerConfigKeys.values) { header[key] = nil }
        header["kind"] = kind
        header["config"] = config
        header["format_version"] = formatVersion
        try SafeTensors.write(weights, metadata: header, to: directory + "/" + weightsFile)
        let readable = JSONValue.object(JSONObject(header.mapValues(JSONValue.string)))
        try readable.write(to: directory + "/" + configFile)
    }

    /// Writes float tensors (a state dict); see ``write(_:kind:config:metadata:to:)``.
    public static func write(_ tensors: [String: Tensor], kind: String, config: String,
                             metadata: [String: String] = [:], to directory: String) throws {
        try write(tensors.mapValues { SafeTensorsEntry(tensor: $0) }, kind: kind, config: config, metadata: metadata, to: directory)
    }

    /// What `model.safetensors` says of the model, read from its header alone.
    public struct Header: Sendable {
        /// The weights file.
        public let path: String
        /// The model's kind (`mlp`, `gpt`, `mf`, ...).
        public let kind: String
        /// The model's config as JSON (nil when the file has none).
        public let config: String?
        /// The whole metadata, format 1's keys included.
        public let metadata: [String: String]
    }

    /// The header of `directory/model.safetensors`: its kind and config, under format 2's keys
    /// or format 1's. A missing file or a header without a kind throws, naming the file.
    public static func header(of directory: String) throws -> Header {
        let path = directory + "/" + weightsFile
        guard FileManager.default.fileExists(atPath: path) else {
            throw FileError(path: directory, "no \(weightsFile) here; expected a directory written by 'strata train' (or quantize, prune, distill)")
        }
        return try header(path: path, metadata: try SafeTensors.read(path: path).metadata)
    }

    /// The kind and config named by `metadata`, the header of the weights file `path`.
    public static func header(path: String, metadata: [String: String]) throws -> Header {
        guard let (key, kind) = kindEntry(metadata) else {
            throw FileError(path: path, key: "kind", "the metadata names no model kind; not a Strata model")
        }
        return Header(path: path, kind: kind, config: metadata[formerConfigKeys[key] ?? "config"], metadata: metadata)
    }

    /// Whether `metadata` names a model kind (under format 2's key or format 1's): false for the
    /// weights of a folder another framework wrote.
    public static func namesKind(_ metadata: [String: String]) -> Bool { kindEntry(metadata) != nil }

    /// The key that names the kind in `metadata`, and the kind.
    private static func kindEntry(_ metadata: [String: String]) -> (key: String, kind: String)? {
        (["kind"] + formerKindKeys).lazy.compactMap { k in metadata[k].map { (k, $0) } }.first
    }
}
