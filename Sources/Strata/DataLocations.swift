import Foundation

/// Where Strata looks for the data it ships or expects, when no path is given: what `strata`'s
/// commands, a server or a library user share. Folders shipped in the repository's `Data/` are
/// looked for under `$STRATA_DATA`, the working directory, then above the running executable
/// (`.build/<config>/strata` sits three levels below the package root).
///
/// ```swift
/// let mnist = try ImageDatasetKind.mnist.locate(nil)          // "Data/mnist"
/// let corpus = try DataLocations.shakespeare()                // "Data/shakespeare/shakespeare.txt.gz"
/// ```
public enum DataLocations {
    /// The places of the data folder `name`, in order: `$STRATA_DATA/name` when that variable is
    /// set, `Data/name` under the working directory, then `Data/name` above the executable.
    ///
    /// ```swift
    /// DataLocations.candidates("mnist")   // ["Data/mnist", "/repo/Data/mnist", ...]
    /// ```
    public static func candidates(_ name: String) -> [String] {
        let configured = ProcessInfo.processInfo.environment["STRATA_DATA"].map { ["\($0)/\(name)"] } ?? []
        return configured + ["Data/\(name)"] + nearExecutable("Data/\(name)")
    }

    /// `relative` resolved against the 1 to 4 folders above the running executable.
    public static func nearExecutable(_ relative: String) -> [String] {
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        return (1...4).map { up in
            var url = exe
            for _ in 0..<up { url.deleteLastPathComponent() }
            return url.appendingPathComponent(relative).path
        }
    }

    /// The Shakespeare corpus shipped in `Data/shakespeare` (`strata train lm`'s default).
    public static func shakespeare() throws -> String {
        let relative = "Data/shakespeare/shakespeare.txt.gz"
        let candidates = [relative] + nearExecutable(relative)
        guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw FileError(path: relative, "the default corpus was not found (looked in \(candidates.joined(separator: ", "))): pass --data FILE")
        }
        return found
    }

    /// The folder with the GPT-2 tokenizer's `vocab.json` and `merges.txt`: `given`, or the
    /// first default (`Data/gpt2-tokenizer`) that has both.
    public static func gpt2Tokenizer(_ given: String? = nil) throws -> String {
        if let given { return given }
        let candidates = candidates("gpt2-tokenizer")
        for c in candidates where FileManager.default.fileExists(atPath: "\(c)/vocab.json") && FileManager.default.fileExists(atPath: "\(c)/merges.txt") {
            return c
        }
        throw FileError(path: "gpt2-tokenizer", "GPT-2 tokenizer files not found (looked in \(candidates.joined(separator: ", "))): pass --gpt2-directory DIR with vocab.json and merges.txt")
    }
}

extension ImageDatasetKind {
    /// The directory to read: `given`, or the first default that holds the files (MNIST ships in
    /// `Data/mnist`; Fashion-MNIST comes from Debian's `dataset-fashion-mnist`).
    public func locate(_ given: String?) throws -> String {
        if let given { return given }
        let candidates = self == .mnist ? DataLocations.candidates("mnist") : ["/usr/share/datasets/fashion-mnist", "Data/fashion-mnist"]
        for c in candidates where FileManager.default.fileExists(atPath: "\(c)/t10k-labels-idx1-ubyte.gz") || FileManager.default.fileExists(atPath: "\(c)/t10k-labels-idx1-ubyte") {
            return c
        }
        let hint = self == .mnist ? "pass --data DIR with the four MNIST IDX files"
                                  : "install it with 'apt-get install dataset-fashion-mnist' or pass --data DIR"
        throw FileError(path: rawValue, "not found (looked in \(candidates.joined(separator: ", "))): \(hint)")
    }
}
