import Foundation
import Strata

/// `--resume` of the training commands: finds the run's training checkpoint, checks that it was
/// written by a run with the same options, and restores it into the trainer.
enum TrainingResume {
    /// Restores `resume` (a training checkpoint, or a run's `--out` directory holding `file`)
    /// into `trainer` after checking that its metadata `keys` equal this run's `metadata`;
    /// returns the checkpoint.
    ///
    /// ```swift
    /// let checkpoint = try TrainingResume.restore(resume, file: "training.safetensors", into: trainer, matching: metadata, keys: ["arch", "training"])
    /// print("Resumed from \(checkpoint.path) after step \(checkpoint.globalStep)")
    /// ```
    static func restore(_ resume: String, file: String, into trainer: Trainer, matching metadata: [String: String],
                        keys: [String]) throws -> TrainingCheckpoint {
        let path = Self.file(resume, named: file)
        let checkpoint = try TrainingCheckpoint.load(path: path)
        for key in keys where checkpoint.metadata[key] != metadata[key] {
            throw UserFacingError("\(path): the checkpoint's '\(key)' is \(checkpoint.metadata[key] ?? "missing"), this run's is \(metadata[key] ?? "missing"): resume with the options of the run it continues")
        }
        try checkpoint.restore(into: trainer)
        return checkpoint
    }

    /// The training checkpoint `resume` names: `resume/file` when it is a directory (or
    /// `resume/former`, a name an older version wrote, when only that exists), else `resume`.
    static func file(_ resume: String, named file: String, formerly former: String? = nil) -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: resume, isDirectory: &isDirectory), isDirectory.boolValue else { return resume }
        if let former, !FileManager.default.fileExists(atPath: "\(resume)/\(file)"),
           FileManager.default.fileExists(atPath: "\(resume)/\(former)") {
            return "\(resume)/\(former)"
        }
        return "\(resume)/\(file)"
    }
}
