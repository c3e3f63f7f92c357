import Foundation
import StrataCore
import StrataNN
import StrataOptim
import StrataIO

/// A training checkpoint in one safetensors file: model tensors under `model.<key>`,
/// optimizer state under `optimizer.<key>`, and progress (epoch, step, history, random
/// generator state) plus user metadata in the header. Written atomically, so that an
/// interrupted save never leaves a broken file; restoring it continues a run exactly.
///
/// ```swift
/// try TrainingCheckpoint.save(trainer: trainer, metadata: ["model": "cnn"], to: "runs/ckpt.safetensors")
/// let checkpoint = try TrainingCheckpoint.load(path: "runs/ckpt.safetensors")
/// try checkpoint.restore(into: trainer)
/// ```
public struct TrainingCheckpoint {
    public static let formatName = "strata-training-checkpoint-1"

    public let path: String
    public let modelState: [String: Tensor]
    public let optimizerState: [String: Tensor]
    /// User metadata (everything in the header except Strata's own progress keys).
    public let metadata: [String: String]
    public let epoch: Int
    public let globalStep: Int
    public let history: History
    public let randomState: [UInt64]?
    /// The training data's position (a ``ResumableBatchSource``'s state), when it keeps one.
    public let dataState: [UInt64]?

    /// Saves the trainer's model, optimizer and progress to `path` atomically.
    public static func save(trainer: Trainer, metadata: [String: String] = [:], to path: String) throws {
        var tensors: [String: Tensor] = [:]
        for (k, t) in trainer.model.stateDict() { tensors["model.\(k)"] = t }
        for (k, t) in trainer.optimizer.stateDict() { tensors["optimizer.\(k)"] = t }
        var header = metadata
        header["format"] = formatName
        header["epoch"] = String(trainer.epoch)
        header["global_step"] = String(trainer.globalStep)
        header["history"] = String(decoding: try JSONEncoder().encode(trainer.history), as: UTF8.self)
        header["random_state"] = GlobalRandom.with { $0.state }.map(String.init).joined(separator: ",")
        if let data = trainer.trainingData as? ResumableBatchSource {
            header["data_state"] = data.state.map(String.init).joined(separator: ",")
        }
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        try SafeTensors.save(tensors, metadata: header, to: path)
    }

    /// Saves only model weights (keys as in `stateDict()`) with metadata, atomically.
    public static func saveWeights(of model: Module, metadata: [String: String] = [:], to path: String) throws {
        try SafeTensors.save(model.stateDict(), metadata: metadata, to: path)
    }

    /// Reads a checkpoint; throws with the file and key when it is not a Strata training checkpoint.
    public static func load(path: String) throws -> TrainingCheckpoint {
        let (tensors, header) = try SafeTensors.load(path: path)
        guard header["format"] == formatName else {
            throw FileError(path: path, message: "not a Strata training checkpoint (metadata 'format' is \(header["format"].map { "'\($0)'" } ?? "missing"), expected '\(formatName)')")
        }
        func integer(_ key: String) throws -> Int {
            guard let text = header[key], let v = Int(text), v >= 0 else {
                throw FileError(path: path, message: "metadata '\(key)' is missing or not a non-negative integer")
            }
            return v
        }
        var model: [String: Tensor] = [:], optimizer: [String: Tensor] = [:]
        for (k, t) in tensors {
            if k.hasPrefix("model.") { model[String(k.dropFirst(6))] = t }
            else if k.hasPrefix("optimizer.") { optimizer[String(k.dropFirst(10))] = t }
            else { throw FileError(path: path, message: "unexpected tensor '\(k)' (expected keys starting with 'model.' or 'optimizer.')") }
        }
        var history = History()   // a checkpoint without 'history' starts an empty one
        if let text = header["history"] {
            do { history = try JSONDecoder().decode(History.self, from: Data(text.utf8)) }
            catch { throw FileError(path: path, message: "metadata 'history' is not valid: \(error)") }
        }
        let random = header["random_state"].map { $0.split(separator: ",").compactMap { UInt64($0) } }
        var dataState: [UInt64]?
        if let text = header["data_state"] {
            let words = text.split(separator: ",", omittingEmptySubsequences: false).map { UInt64($0) }
            guard !words.isEmpty, words.count <= 64, words.allSatisfy({ $0 != nil }) else {
                throw FileError(path: path, message: "metadata 'data_state' must be 1 to 64 comma-separated unsigned integers")
            }
            dataState = words.map { $0! }
        }
        var user = header
        for k in ["format", "epoch", "global_step", "history", "random_state", "data_state"] { user.removeValue(forKey: k) }
        return TrainingCheckpoint(path: path, modelState: model, optimizerState: optimizer, metadata: user,
                                  epoch: try integer("epoch"), globalStep: try integer("global_step"),
                                  history: history, randomState: random?.count == 4 ? random : nil, dataState: dataState)
    }

    /// Loads the model weights into `model`; throws naming the key on a missing tensor or wrong shape.
    public func loadWeights(into model: Module) throws {
        do { try model.loadStateDict(modelState) }
        catch let error as StateDictError { throw FileError(path: path, message: error.description) }
    }

    /// Restores model, optimizer, progress and the global random generator into `trainer`; the
    /// training data's position (if saved) is handed to the data when `fit` starts.
    public func restore(into trainer: Trainer) throws {
        try loadWeights(into: trainer.model)
        do { try trainer.optimizer.loadStateDict(optimizerState) }
        catch { throw FileError(path: path, message: "\(error)") }
        trainer.epoch = epoch
        trainer.globalStep = globalStep
        trainer.history = history
        trainer.restoredDataState = dataState
        if let randomState { GlobalRandom.with { $0.state = randomState } }
    }
}

