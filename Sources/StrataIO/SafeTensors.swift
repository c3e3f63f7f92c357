import Foundation

/// Reading and writing the safetensors checkpoint format.
///
/// Layout of a file: an 8-byte little-endian `UInt64` header length `N`, then `N` bytes of
/// UTF-8 JSON, then the tensor data. The header maps each tensor name to
/// `{"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}` (offsets relative to the
/// first byte after the header) and may hold `"__metadata__": {"key": "value"}`.
///
/// ```swift
/// let entry = SafeTensorsEntry(float32: [1, 2, 3, 4], shape: [2, 2])
/// try SafeTensors.write(["fc.weight": entry], metadata: ["format": "pt"], to: "model.safetensors")
/// let (tensors, metadata) = try SafeTensors.read(path: "model.safetensors")
/// print(tensors["fc.weight"]!.shape, metadata)  // [2, 2] ["format": "pt"]
/// ```
public enum SafeTensors {
    /// The header key that holds free-form string metadata rather than a tensor.
    public static let metadataKey = "__metadata__"
}
