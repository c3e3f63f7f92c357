import Foundation
import StrataCore
import StrataIO
import StrataNN

/// What `strata quantize` does to a model: the weight scheme, the int4 group size and how the
/// int8 products treat activations. Stored in a checkpoint's metadata under `quantization`,
/// `quantization_group_size` and `quantization_activations`.
///
/// ```swift
/// let spec = try QuantizationSpec(scheme: "int4", groupSize: 32)
/// ```
public struct QuantizationSpec: Equatable, Sendable {
    /// The schemes `strata quantize --to` accepts.
    public static let schemes = ["int8", "int4"]

    /// "int8" (per output channel) or "int4" (groups with one scale each).
    public let scheme: String
    /// Values per int4 scale, as given; nil for int8, and for int4 when each matrix's group is
    /// chosen by ``automaticGroupSize(columns:)``.
    public let groupSize: Int?
    /// How products with int8 weights treat the activations.
    public let activations: PackedMatrix.Activations

    /// Checks the scheme and the group size: an int4 group is even and between 2 and 4096.
    /// Without one, int4 picks each matrix's group (``automaticGroupSize(columns:)``).
    public init(scheme: String, groupSize: Int? = nil, activations: PackedMatrix.Activations = .float) throws {
        guard Self.schemes.contains(scheme) else {
            throw QuantizationError("unknown quantisation scheme '\(scheme)' (expected \(Self.schemes.joined(separator: " or ")))")
        }
        if scheme == "int4", let g = groupSize {
            guard g >= 2, g <= 4096, g % 2 == 0 else {
                throw QuantizationError("the int4 group size must be even and in 2...4096, got \(g)")
            }
            self.groupSize = g
        } else {
            self.groupSize = nil
        }
        self.scheme = scheme
        self.activations = activations
    }

    /// The packing of a matrix `columns` wide: int4 groups, except rows shorter than one group
    /// (such as a first convolution over one channel, 9 values a filter), which keep one int8
    /// scale per row. Throws when a given group size does not divide a wider row.
    public func packing(columns: Int, key: String) throws -> PackedScheme {
        guard scheme == "int4" else { return .int8 }
        guard let g = groupSize else {
            return Self.automaticGroupSize(columns: columns).map { .int4(groupSize: $0) } ?? .int8
        }
        if columns < g { return .int8 }
        guard columns % g == 0 else {
            throw QuantizationError("group size \(g) does not divide the width \(columns) of '\(key)'")
        }
        return .int4(groupSize: g)
    }

    /// The int4 group of a row of `columns` values when none was given: 32, GGUF's Q4 block,
    /// where it divides the row; otherwise the smallest multiple of 16 from 48 to 128 that does
    /// (112 for MNIST's 784 inputs: 4.14 bits a weight, where groups of 16 take 5), then 16; the
    /// AVX2 kernels take any multiple of 16. Nil (keep int8 per row) for a row shorter than 32
    /// or one that no such group divides.
    ///
    /// ```swift
    /// QuantizationSpec.automaticGroupSize(columns: 784)   // 112
    /// QuantizationSpec.automaticGroupSize(columns: 9)     // nil
    /// ```
    public static func automaticGroupSize(columns: Int) -> Int? {
        guard columns >= 32 else { return nil }
        return ([32] + Array(stride(from: 48, through: 128, by: 16)) + [16]).first { columns % $0 == 0 }
    }

    /// The metadata entries that describe this spec.
    public var metadata: [String: String] {
        var m = [ModelQuantization.metadataKey: scheme, "quantization_activations": activations.rawValue]
        if let groupSize { m["quantization_group_size"] = String(groupSize) }
        return m
    }

    /// Reads the spec from checkpoint metadata; nil when the checkpoint is not quantised.
    public init?(metadata: [String: String], path: String) throws {
        guard let scheme = metadata[ModelQuantization.metadataKey] else { return nil }
        let group = try metadata["quantization_group_size"].map { text -> Int in
            guard let g = Int(text) else { throw QuantizationError("\(path): metadata 'quantization_group_size' is '\(text)', not an integer") }
            return g
        }
        let activationsName = metadata["quantization_activations"] ?? "float"
        guard let activations = PackedMatrix.Activations(rawValue: activationsName) else {
            throw QuantizationError("\(path): metadata 'quantization_activations' is '\(activationsName)' (expected float or dynamic-int8)")
        }
        do { try self.init(scheme: scheme, groupSize: group, activations: activations) }
        catch let error as QuantizationError { throw QuantizationError("\(path): \(error.description)") }
    }
}

/// A quantisation that cannot be done or a quantised checkpoint that cannot be read.
public struct QuantizationError: Error, CustomStringConvertible, LocalizedError {
    /// What cannot be done or read, naming the file when there is one.
    public let description: String
    /// An error with the message `description`.
    public init(_ description: String) { self.description = description }
    /// The same text as `description`, for `LocalizedError`.
    public var errorDescription: String? { description }
}

/// Weight-only quantisation of a whole model, and the checkpoint layout of its packed weights.
///
/// Every float tensor of rank ≥ 2 (the weights of `Linear`, `Conv2D`, `Embedding`, position
/// embeddings, LSTM matrices) is packed; vectors (biases, norms) are stored as float16 (float32
/// when a value is beyond float16's range), and loaded back as float32. A packed tensor `K` is
/// stored as `K.q8` (I8 `[rows, columns]`) + `K.scale` (`[rows]`), or `K.q4` (U8
/// `[rows, columns / 2]`) + `K.scale` (`[rows, columns / group]`); axes after the first are
/// flattened into the row. Scales are one-byte codes (U8, ``PackedScaleCoding/logarithmic``),
/// or float (F32 for int8, F16 for int4) for a matrix whose scales fall off that grid; both
/// load. Loading fills each float weight with the dequantised values (so code that reads
/// `weight` directly, such as the LSTM cell, sees the quantised model) and gives the layers
/// that can run on codes (``PackedWeightLayer``) their `packedWeight`.
///
/// ```swift
/// let packed = try ModelQuantization.quantize(model, spec: try QuantizationSpec(scheme: "int8"))
/// try SafeTensors.write(packed.entries, metadata: spec.metadata, to: "mlp-int8.safetensors")
/// ```
public enum ModelQuantization {
    /// The metadata key that holds the quantisation scheme in a checkpoint's header.
    public static let metadataKey = "quantization"

    /// The packed form of a model's state.
    public struct Packed {
        /// Tensors by key (float ones under their own key, packed ones as `.q8`/`.q4` + `.scale`).
        public var entries: [String: SafeTensorsEntry]
        /// Keys of the packed tensors.
        public var packedKeys: [String]
        /// How each packed tensor was packed (int4 groups are chosen per matrix when the spec
        /// gives no group size).
        public var schemes: [String: PackedScheme]
        /// Bytes of the model's tensors as float32, and of the packed entries.
        public var floatBytes: Int, packedBytes: Int
    }

    /// Packs every float tensor of rank ≥ 2 of `module`'s state dict.
    public static func quantize(_ module: Module, spec: QuantizationSpec) throws -> Packed {
        var entries: [String: SafeTensorsEntry] = [:]
        var keys: [String] = []
        var schemes: [String: PackedScheme] = [:]
        var floatBytes = 0, packedBytes = 0
        for (key, tensor) in module.namedTensors() where entries[key] == nil && entries[key + ".scale"] == nil {   // a shared tensor once
            floatBytes += tensor.count * 4
            guard tensor.rank >= 2, tensor.dtype.isFloatingPoint else {
                let entry = SafeTensorsEntry(tensor: vectorForStorage(tensor))
                entries[key] = entry
                packedBytes += entry.data.count
                continue
            }
            let columns = tensor.count / tensor.shape[0]
            let scheme = try spec.packing(columns: columns, key: key)
            let matrix = try PackedMatrix.quantize(tensor, scheme: scheme, scaleCoding: .logarithmic, source: key)
            for (name, entry) in codeEntries(matrix, key: key) {
                entries[name] = entry
                packedBytes += entry.data.count
            }
            keys.append(key)
            schemes[key] = scheme
        }
        return Packed(entries: entries, packedKeys: keys, schemes: schemes, floatBytes: floatBytes, packedBytes: packedBytes)
    }

    /// A float vector (or any tensor that is not packed) as a checkpoint stores it: float
    /// tensors as float16 when every value stays finite, others as they are.
    static func vectorForStorage(_ tensor: Tensor) -> Tensor {
        guard tensor.dtype.isFloatingPoint else { return tensor }
        let half = tensor.cast(to: .float16)
        return half.floats.allSatisfy(\.isFinite) || !tensor.floats.allSatisfy(\.isFinite) ? half : tensor.cast(to: .float32)
    }

    /// The checkpoint entries of one packed matrix.
    static func codeEntries(_ m: PackedMatrix, key: String) -> [(String, SafeTensorsEntry)] {
        let (dtype, scales) = m.storedScales
        switch m.scheme {
        case .int8:
            return [(key + ".q8", SafeTensorsEntry(dtype: "I8", shape: [m.rows, m.columns], data: m.codes)),
                    (key + ".scale", SafeTensorsEntry(dtype: dtype, shape: [m.rows], data: scales))]
        case .int4(let g):
            return [(key + ".q4", SafeTensorsEntry(dtype: "U8", shape: [m.rows, m.columns / 2], data: m.codes)),
                    (key + ".scale", SafeTensorsEntry(dtype: dtype, shape: [m.rows, m.columns / g], data: scales))]
        }
    }

    /// The packed matrix stored under `key` for a tensor of `shape`, or nil when `key` is stored
    /// as float. Throws naming the file and key when codes or scales do not fit.
    static func packedMatrix(_ entries: [String: SafeTensorsEntry], key: String, shape: Shape, path: String) throws -> PackedMatrix? {
        let rows = shape.rank > 0 ? shape[0] : 0, columns = rows > 0 ? shape.elementCount / rows : 0
        func fail(_ message: String) -> QuantizationError { QuantizationError("\(path): '\(key)': \(message)") }
        guard let scale = entries[key + ".scale"] else { return nil }
        if let q8 = entries[key + ".q8"] {
            guard q8.dtype == "I8", q8.shape == [rows, columns] else { throw fail("codes are \(q8.dtype) \(q8.shape), expected I8 [\(rows), \(columns)]") }
            guard scale.shape == [rows], let (scales, coding) = PackedMatrix.decodeScales(dtype: scale.dtype, bytes: scale.data, count: rows, scheme: .int8) else {
                throw fail("scales are \(scale.dtype) \(scale.shape), expected U8 codes, F32 or F16 [\(rows)]")
            }
            do { return try PackedMatrix(scheme: .int8, rows: rows, columns: columns, codes: q8.data, scales: scales, scaleCoding: coding, source: "\(path): '\(key)'") }
            catch let error as PackedMatrixError { throw QuantizationError(error.description) }
        }
        if let q4 = entries[key + ".q4"] {
            guard columns % 2 == 0, q4.dtype == "U8", q4.shape == [rows, columns / 2] else {
                throw fail("codes are \(q4.dtype) \(q4.shape), expected U8 [\(rows), \(columns / 2)] of two 4-bit codes a byte")
            }
            let groups = scale.shape.count == 2 ? scale.shape[1] : 0
            guard scale.shape.count == 2, scale.shape[0] == rows, groups > 0, columns % groups == 0, (columns / groups) % 2 == 0,
                  let (scales, coding) = PackedMatrix.decodeScales(dtype: scale.dtype, bytes: scale.data, count: rows * groups, scheme: .int4(groupSize: columns / groups)) else {
                throw fail("scales are \(scale.dtype) \(scale.shape), expected U8 codes, F16 or F32 [\(rows), groups] with an even group size dividing \(columns)")
            }
            do {
                return try PackedMatrix(scheme: .int4(groupSize: columns / groups), rows: rows, columns: columns,
                                        codes: q4.data, scales: scales, scaleCoding: coding, source: "\(path): '\(key)'")
            } catch let error as PackedMatrixError { throw QuantizationError(error.description) }
        }
        throw fail("has scales but no .q8 or .q4 codes")
    }

    /// Loads a quantised state (keys after `prefix`) into `module`: float tensors strictly by
    /// key, packed ones dequantised into their weights and attached to the layers that run on
    /// codes. Throws naming `path` and the key on a missing, extra or malformed tensor.
    public static func load(_ entries: [String: SafeTensorsEntry], prefix: String = "", spec: QuantizationSpec,
                            into module: Module, path: String) throws {
        var own: [String: SafeTensorsEntry] = [:]
        for (k, e) in entries where k.hasPrefix(prefix) { own[String(k.dropFirst(prefix.count))] = e }
        own = module.renamingFormerKeys(own)   // a checkpoint from before a key was renamed
        var state: [String: Tensor] = [:]
        var packed: [String: PackedMatrix] = [:]
        var used = Set<String>()
        for (key, tensor) in module.namedTensors() where state[key] == nil {
            if let matrix = try packedMatrix(own, key: key, shape: tensor.shape, path: path) {
                packed[key] = matrix
                state[key] = matrix.dequantized().reshaped(tensor.shape.dims)
                used.formUnion([key + ".scale", key + ".q8", key + ".q4"])
            } else if let entry = own[key] {
                state[key] = try entry.tensor(key: prefix + key, path: path)
                used.insert(key)
            } else {
                throw QuantizationError("\(path): missing tensor '\(prefix + key)' (or its packed form '\(prefix + key).q8'/'.q4' + '.scale')")
            }
        }
        if let extra = own.keys.sorted().first(where: { !used.contains($0) }) {
            throw QuantizationError("\(path): unexpected tensor '\(prefix + extra)': the model has no parameter or buffer with this key")
        }
        do { try module.loadStateDict(state) }
        catch { throw QuantizationError("\(path): \(error)") }
        for (key, layer) in packedWeightLayers(module) {
            guard let matrix = packed[key + ".weight"] else { continue }
            layer.packedWeight = matrix
            if let linear = layer as? Linear { linear.packedActivations = spec.activations }
        }
    }

    /// Attaches packed weights to a model in memory (no checkpoint): what `load` gives, for
    /// benchmarks and tests.
    public static func apply(_ spec: QuantizationSpec, to module: Module) throws {
        let packed = try quantize(module, spec: spec)
        try load(packed.entries, spec: spec, into: module, path: "<memory>")
    }

    /// The layers under `module` that can run on packed weights, by key path.
    public static func packedWeightLayers(_ module: Module, prefix: String = "") -> [(String, PackedWeightLayer)] {
        var out: [(String, PackedWeightLayer)] = []
        for (name, child) in module.namedChildren() {
            if let layer = child as? PackedWeightLayer { out.append((prefix + name, layer)) }
            out += packedWeightLayers(child, prefix: prefix + name + ".")
        }
        return out
    }
}
