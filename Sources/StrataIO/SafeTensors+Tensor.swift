import Foundation
import StrataCore

extension SafeTensorsEntry {
    /// The safetensors dtype name of a Strata dtype.
    static func dtypeName(_ dtype: DType) -> String {
        switch dtype {
        case .float32: return "F32"
        case .float64: return "F64"
        case .float16: return "F16"
        case .int32: return "I32"
        case .int64: return "I64"
        case .bool: return "BOOL"
        }
    }

    /// An entry holding a copy of `tensor`'s values (little-endian, as on every machine Strata runs on).
    ///
    /// ```swift
    /// let entry = SafeTensorsEntry(tensor: Tensor.ones([2, 2]))
    /// ```
    public init(tensor: Tensor) {
        let bytes = tensor.count * tensor.dtype.byteSize
        var data = [UInt8](repeating: 0, count: bytes)
        func copy<T: TensorScalar>(_: T.Type) {
            tensor.withUnsafeBuffer(as: T.self) { src in
                data.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(src)) }
            }
        }
        switch tensor.dtype {
        case .float32: copy(Float.self)
        case .float64: copy(Double.self)
        case .float16: copy(Float16.self)
        case .int32: copy(Int32.self)
        case .int64: copy(Int64.self)
        case .bool: copy(Bool.self)
        }
        self.init(dtype: Self.dtypeName(tensor.dtype), shape: tensor.shape.dims, data: data)
    }

    /// The entry as a tensor. BF16 is widened to float32; U8/I8/I16 become int32.
    /// Throws for dtypes Strata cannot hold.
    public func tensor(key: String = "", path: String = "<memory>") throws -> Tensor {
        // Entries built by hand are not validated; a wrong byte count would crash or read garbage below.
        if let size = SafeTensors.byteSize(ofDType: dtype), data.count != elementCount * size {
            throw FileError(kind: .sizeMismatch, path: path, key: key,
                            message: "\(data.count) bytes of data; expected \(elementCount * size) for shape \(self.shape) of \(dtype)")
        }
        let shape = Shape(self.shape)
        func make<T: TensorScalar>(_: T.Type) -> Tensor {
            let t = Tensor.empty(shape, dtype: T.dtype)
            t.withUnsafeMutableBuffer(as: T.self) { dst in
                data.withUnsafeBytes { src in UnsafeMutableRawBufferPointer(dst).copyMemory(from: src) }
            }
            return t
        }
        func widen<S: FixedWidthInteger>(_: S.Type) -> Tensor {
            let values: [Int32] = data.withUnsafeBytes { raw in raw.bindMemory(to: S.self).map { Int32($0) } }
            return Tensor(values, shape: shape)
        }
        switch dtype {
        case "F32": return make(Float.self)
        case "F64": return make(Double.self)
        case "F16": return make(Float16.self)
        case "I32": return make(Int32.self)
        case "I64": return make(Int64.self)
        case "BOOL":
            // Any byte other than 0 or 1 is not a Bool: reading it as one is undefined behaviour.
            if let bad = data.firstIndex(where: { $0 > 1 }) {
                throw FileError(kind: .invalidTensor, path: path, key: key,
                                message: "BOOL element \(bad) is the byte \(data[bad]); expected 0 or 1")
            }
            return make(Bool.self)
        case "U8": return widen(UInt8.self)
        case "I8": return widen(Int8.self)
        case "I16": return widen(Int16.self)
        case "BF16":
            let values: [Float] = data.withUnsafeBytes { raw in
                raw.bindMemory(to: UInt16.self).map { Float(bitPattern: UInt32($0) << 16) }
            }
            return Tensor(values, shape: shape)
        default:
            throw FileError(kind: .unknownDType, path: path, key: key, message: "dtype \(dtype) cannot be loaded into a Strata tensor")
        }
    }
}

extension SafeTensors {
    /// Writes tensors (and string metadata) to a safetensors file atomically.
    ///
    /// ```swift
    /// try SafeTensors.save(model.stateDict(), metadata: ["model": "mlp"], to: "weights.safetensors")
    /// ```
    public static func save(_ tensors: [String: Tensor], metadata: [String: String] = [:], to path: String) throws {
        try write(tensors.mapValues { SafeTensorsEntry(tensor: $0) }, metadata: metadata, to: path)
    }

    /// Reads every tensor of a safetensors file, with its metadata.
    ///
    /// ```swift
    /// let (weights, metadata) = try SafeTensors.load(path: "weights.safetensors")
    /// ```
    public static func load(path: String) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        let (entries, metadata) = try read(path: path)
        var tensors: [String: Tensor] = [:]
        for (k, e) in entries { tensors[k] = try e.tensor(key: k, path: path) }
        return (tensors, metadata)
    }
}
