import Foundation
import Testing

/// `strata quantize` refuses what it cannot do with one line and exit status 1, and writes nothing.
@Suite struct QuantizeCommandTests {
    /// A safetensors file of zero-valued F32 tensors with `metadata`.
    static func writeSafetensors(_ tensors: [(String, [Int])], metadata: [String: String], to path: String) throws {
        var header: [String: Any] = ["__metadata__": metadata]
        var offset = 0
        for (name, shape) in tensors {
            let bytes = shape.reduce(1, *) * 4
            header[name] = ["dtype": "F32", "shape": shape, "data_offsets": [offset, offset + bytes]]
            offset += bytes
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }
        var data = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        data.append(Data(count: offset))
        try data.write(to: URL(fileURLWithPath: path))
    }

    /// An MNIST MLP checkpoint (784 -> 4 -> 10) as `strata train mnist` writes it, with zero weights.
    static func mlpCheckpoint(in directory: String, extra: [String: String] = [:]) throws -> String {
        let path = directory + "/checkpoint.safetensors"
        let metadata = ["format": "strata-training-checkpoint-1", "epoch": "1", "global_step": "1", "model": "mlp", "dataset": "mnist",
                        "model_config": #"{"dropout":0,"hiddenSizes":[4],"inputSize":784,"outputSize":10}"#].merging(extra) { _, b in b }
        try writeSafetensors([("model.layers.0.weight", [4, 784]), ("model.layers.0.bias", [4]),
                              ("model.layers.1.weight", [10, 4]), ("model.layers.1.bias", [10])], metadata: metadata, to: path)
        return path
    }

    static func scratch() throws -> String {
        let path = NSTemporaryDirectory() + "strata-quantize-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    func expectRefusal(_ arguments: [String], mentions: String, out: String) throws {
        let result = try StrataBinary.run(arguments)
        #expect(result.status == 1, "strata \(arguments.joined(separator: " ")) exited \(result.status): \(result.standardError)")
        #expect(result.standardError.contains(mentions), "message lacks '\(mentions)': \(result.standardError)")
        #expect(result.standardError.split(separator: "\n").count == 1, "more than one line: \(result.standardError)")
        #expect(!FileManager.default.fileExists(atPath: out), "\(out) was written")
    }

    @Test func unknownSchemeIsRefused() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let checkpoint = try Self.mlpCheckpoint(in: dir)
        try expectRefusal(["quantize", "--checkpoint", checkpoint, "--to", "int3", "--out", dir + "/out"], mentions: "int3", out: dir + "/out")
    }

    @Test func groupSizeThatDoesNotDivideTheWidthIsRefused() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let checkpoint = try Self.mlpCheckpoint(in: dir)
        try expectRefusal(["quantize", "--checkpoint", checkpoint, "--to", "int4", "--group-size", "32", "--out", dir + "/out"],
                          mentions: "does not divide the width 784", out: dir + "/out")
    }

    @Test func alreadyQuantisedCheckpointIsRefused() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let checkpoint = try Self.mlpCheckpoint(in: dir, extra: ["quantization": "int8"])
        try expectRefusal(["quantize", "--checkpoint", checkpoint, "--to", "int4", "--out", dir + "/out"], mentions: "already quantised", out: dir + "/out")
    }

    /// Without --group-size, int4 on 784 inputs uses groups of 112 (32 does not divide 784); `strata predict` reads the result.
    @Test func quantisesAnMLPCheckpoint() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let checkpoint = try Self.mlpCheckpoint(in: dir)
        let result = try StrataBinary.run(["quantize", "--checkpoint", checkpoint, "--to", "int4", "--out", dir + "/q", "--json", dir + "/q.json"])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("groups of 112"), "\(result.standardOutput)")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/q.json"))) as! [String: Any]
        #expect(json["group_size"] as? Int == 112)
        #expect(json["packed_tensors"] as? Int == 2)
        let image = dir + "/digit.pgm"
        try Data("P2\n2 2\n255\n0 255 255 0\n".utf8).write(to: URL(fileURLWithPath: image))
        let predicted = try StrataBinary.run(["predict", "--checkpoint", dir + "/q", "--image", image])
        #expect(predicted.status == 0, "\(predicted.standardError)")
    }
}
