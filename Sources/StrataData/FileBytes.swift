import Foundation

/// Reads whole files into byte arrays.
enum FileBytes {
    struct ReadError: Error {
        let message: String
    }

    /// The contents of the file at `path` (memory-mapped, then copied once).
    static func read(path: String) throws -> [UInt8] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw ReadError(message: "cannot read file: \(error.localizedDescription)")
        }
        return [UInt8](unsafeUninitializedCapacity: data.count) { buffer, initialized in
            initialized = data.copyBytes(to: buffer)
        }
    }
}
