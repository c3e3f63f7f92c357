import Foundation

/// A fresh folder under the temporary directory for one test, removed when released.
///
/// ```swift
/// let scratch = try ScratchFolder()
/// try SafeTensors.save(model.stateDict(), to: scratch.file("model.safetensors"))
/// ```
public final class ScratchFolder: @unchecked Sendable {  // used by one test at a time
    /// The folder.
    public let path: String

    /// Creates the folder, named `strata-tests-<uuid>`.
    public init() throws {
        path = NSTemporaryDirectory() + "strata-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// The path of `name` inside the folder.
    public func file(_ name: String) -> String { path + "/" + name }
}
