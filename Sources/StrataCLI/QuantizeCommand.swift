import ArgumentParser
import Foundation
import Strata

/// `strata quantize`: weight-only int8/int4 quantisation of a trained MLP, CNN, GPT or LSTM.
struct QuantizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quantize", abstract: "Quantise a trained model's weights to int8 or int4.",
        discussion: """
            int8 keeps one scale per output channel; int4 one float16 scale per group of --group-size \
            values of a row (GGUF Q4_0's rounding; a group of 32 is one Q4_0 block). The group size \
            must be even and divide every row it applies to; rows shorter than one group (the CNN's \
            first convolution, 9 values a filter) keep int8 per channel. Without --group-size, int4 \
            uses 32, or the largest of 16, 8, 4, 2 that divides every row when 32 does not (the MLP's \
            784 inputs). Biases and norms stay float32. The output is read by 'strata evaluate', \
            'predict' and 'generate' unchanged.
            """)

    @Option(help: "A model directory written by 'strata train mnist' or 'strata train lm'.") var checkpoint: String
    @Option(name: .customLong("to"), help: "int8 or int4.") var scheme: String
    @Option(help: """
        Values per int4 scale (even; must divide every row). Default: 32 where it divides a row, \
        else the smallest multiple of 16 from 48 to 128 that does (112 for 784 inputs), else 16.
        """) var groupSize: Int?
    @Option(help: "float (weight-only) or dynamic-int8 (int8 activations per row, integer products; int8 only).")
    var activations: String = "float"
    @OptionGroup var output: OutputOption
    @Flag(help: "Measure accuracy or validation loss and speed before and after (reads the dataset).") var evaluate = false
    @Option(help: "MNIST directory or text corpus for --evaluate (default: as in training).") var data: String?
    @OptionGroup var report: JSONOption

    func validate() throws {
        try OptionCheck.int(groupSize, "--group-size", in: 2...4096)
        if let groupSize, groupSize % 2 != 0 { throw ValidationError("--group-size must be even (two 4-bit codes a byte), got \(groupSize)") }
        if groupSize != nil && scheme != "int4" { throw ValidationError("--group-size applies to int4 only") }
        guard PackedMatrix.Activations(rawValue: activations) != nil else {
            throw ValidationError("--activations must be float or dynamic-int8, got '\(activations)'")
        }
        if activations == "dynamic-int8" && scheme != "int8" { throw ValidationError("--activations dynamic-int8 needs --to int8") }
    }

    func run() throws {
        // Checked here rather than in validate() so that an unknown scheme is one line and exit status 1.
        guard QuantizationSpec.schemes.contains(scheme) else {
            throw UserFacingError("unknown quantisation scheme '\(scheme)' for --to (expected \(QuantizationSpec.schemes.joined(separator: " or ")))")
        }
        let subject = try CompressionSubject.open(checkpoint)
        let spec = try QuantizationSpec(scheme: scheme, groupSize: groupSize,
                                        activations: PackedMatrix.Activations(rawValue: activations) ?? .float)
        let packed: ModelQuantization.Packed
        do { packed = try ModelQuantization.quantize(subject.module, spec: spec) }
        catch let error as QuantizationError { throw UserFacingError("\(checkpoint): \(error.description)") }
        catch let error as PackedMatrixError { throw UserFacingError("\(checkpoint): \(error.description)") }
        let before = evaluate ? try subject.measure(data: data) : [:]

        var extra = spec.metadata
        extra["quantized_from"] = checkpoint
        let out = output.directory(default: "quantize-\(subject.modelName)-\(scheme)")
        try subject.write(weights: packed.entries, extra: extra, to: out)
        let written = CompressionSubject.weightsPath(out: out)
        // The float32 weights alone, as a safetensors file (an MNIST training checkpoint also holds optimizer state).
        let floatFile = try SafeTensors.encode(subject.module.stateDict().mapValues { SafeTensorsEntry(tensor: $0) }).count
        let quantizedFile = fileSize(written)
        let parameters = subject.module.parameterCount
        let groups = Set(packed.schemes.values.compactMap { scheme -> Int? in
            if case .int4(let g) = scheme { return g } else { return nil }
        }).sorted(by: >)
        let layout = groups.isEmpty ? "int8 per channel" : "int4, groups of " + groups.map(String.init).joined(separator: " and ")
        print("\(subject.modelName): \(parameters) parameters, \(packed.packedKeys.count) matrices packed (\(layout)), activations \(spec.activations.rawValue)")
        print(String(format: "  float32 weights %d bytes -> %d bytes on disk (%.2fx smaller); input file %d bytes",
                     floatFile, quantizedFile, Double(floatFile) / Double(max(quantizedFile, 1)), fileSize(inputWeights)))
        print("  wrote \(written)")

        var result: [String: JSONValue] = [
            "model": JSONValue(subject.modelName), "scheme": JSONValue(spec.scheme), "activations": JSONValue(spec.activations.rawValue),
            "parameters": JSONValue(parameters), "packed_tensors": JSONValue(packed.packedKeys.count),
            "float32_weights_bytes": JSONValue(floatFile), "quantized_bytes": JSONValue(quantizedFile),
            "input_file_bytes": JSONValue(fileSize(inputWeights)),
            "compression_ratio": JSONValue(Double(floatFile) / Double(max(quantizedFile, 1))), "output": JSONValue(written),
        ]
        if groups.count == 1 { result["group_size"] = JSONValue(groups[0]) }
        if !groups.isEmpty { result["group_sizes"] = .array(groups.map { JSONValue($0) }) }
        if evaluate {
            let after = try CompressionSubject.reopen(out: out, like: subject).measure(data: data)
            printComparison(before: before, after: after)
            result["before"] = .object(before)
            result["after"] = .object(after)
        }
        if let json = report.json { try MetricsLog.writeResult(result, to: json) }
    }

    private var inputWeights: String {
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: checkpoint, isDirectory: &isDirectory)
        return isDirectory.boolValue ? checkpoint + "/" + LanguageModelCheckpoint.weightsFile : checkpoint
    }
}

/// Prints "name: before -> after" for each figure two measurements share.
func printComparison(before: [String: JSONValue], after: [String: JSONValue]) {
    for key in before.keys.sorted() {
        guard let b = before[key]?.doubleValue, let a = after[key]?.doubleValue else { continue }
        print(String(format: "  %@: %.4f -> %.4f", key, b, a))
    }
}
