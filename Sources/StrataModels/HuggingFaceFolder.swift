import Foundation
import StrataCore
import StrataIO

/// A Hugging Face model folder (`config.json` beside `model.safetensors` or its shards): what
/// the Llama and GPT-2 loaders share.
///
/// ```swift
/// let folder = try HuggingFaceFolder(directory: "Models/tiny-gpt2")
/// let wte = try folder.tensor("wte.weight", [vocabularySize, width])   // float32
/// ```
struct HuggingFaceFolder {
    /// The folder, without a trailing slash.
    let directory: String
    /// Every tensor of the folder by name, with the file it came from.
    let tensors: [String: (SafeTensorsEntry, String)]

    /// Reads the headers of the folder's safetensors files (the data stays mapped).
    init(directory: String) throws {
        self.directory = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        tensors = try Self.tensors(directory: self.directory)
    }

    /// The float32 tensor `name`, checked to have `shape` and a floating-point type (F32, F16 and
    /// BF16 load); a missing tensor or another shape is an error naming the file and the key.
    func tensor(_ name: String, _ shape: [Int]) throws -> Tensor {
        guard let (entry, path) = tensors[name] else {
            throw FileError(path: directory, key: name, "tensor missing from the safetensors files")
        }
        guard entry.shape == shape else {
            throw FileError(path: path, key: name, "shape \(entry.shape) does not fit the config: expected \(shape)")
        }
        let t = try entry.tensor(key: name, path: path)
        guard t.dtype.isFloatingPoint else {
            throw FileError(path: path, key: name, "dtype \(entry.dtype) is not a floating-point type")
        }
        return t.dtype == .float32 ? t : t.cast(to: .float32)
    }

    /// Every tensor of the folder, with the file it came from: `model.safetensors`, or the
    /// shards that `model.safetensors.index.json` lists. A tensor in two shards is an error.
    ///
    static func tensors(directory dir: String) throws -> [String: (SafeTensorsEntry, String)] {
        let single = dir + "/model.safetensors", index = dir + "/model.safetensors.index.json"
        var files: [String]
        if FileManager.default.fileExists(atPath: single) {
            files = [single]
        } else if FileManager.default.fileExists(atPath: index) {
            let map = try JSONDocument(path: index, maximumBytes: 64 << 20).root.member("weight_map")
            var shards = Set<String>()
            for (_, file) in try map.members() {
                let name = try file.string()
                guard !name.contains("/"), !name.hasPrefix("."), !name.isEmpty else {
                    throw file.error("\(name.debugDescription) is not a file name in the folder")
                }
                shards.insert(name)
            }
            files = shards.sorted().map { dir + "/" + $0 }
        } else {
            throw FileError(path: dir, "no model.safetensors (or model.safetensors.index.json) here")
        }
        var tensors: [String: (SafeTensorsEntry, String)] = [:]
        for file in files {
            for (name, entry) in try SafeTensors.read(path: file).tensors {
                guard tensors[name] == nil else { throw FileError(path: file, key: name, "tensor appears in two shards") }
                tensors[name] = (entry, file)
            }
        }
        return tensors
    }

}
