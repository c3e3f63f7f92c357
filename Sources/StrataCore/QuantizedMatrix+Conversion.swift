import CStrataKernels
import Foundation

extension QuantizedMatrix {
    /// All values as float32 [rows, columns], exactly as ggml dequantises them.
    ///
    /// ```swift
    /// let w = try QuantizedMatrix.quantize(weights, to: .q8_0).dequantized()
    /// ```
    public func dequantized(kernels: Kernels = .default) -> Tensor {
        let out = Tensor(uninitialized: [rows, columns], dtype: .float32)
        Device.cpu.backend.dequantize(self, kernels: kernels, into: out)
        return out
    }

    /// Writes the `columns` float32 values of row `r` to `into` (an embedding lookup). Every kernel
    /// set gives the same bits.
    ///
    /// ```swift
    /// var row = [Float](repeating: 0, count: table.columns)
    /// row.withUnsafeMutableBufferPointer { table.dequantizeRow(tokenID, into: $0.baseAddress!) }
    /// ```
    public func dequantizeRow(_ r: Int, into: UnsafeMutablePointer<Float>, kernels: Kernels = .default) {
        guard r >= 0, r < rows else { fatalError("QuantizedMatrix.dequantizeRow: row \(r) is outside 0..<\(rows)") }
        switch layout {
        case .rows:
            strata_quant_dequantize_row(kernels.rawValue, type.rawValue, rowPointer(r), into, Int64(columns))
        case .panels:
            let row = UnsafeMutableRawPointer.allocate(byteCount: rowBytes, alignment: 64)
            defer { row.deallocate() }
            copyRow(r, into: row)
            strata_quant_dequantize_row(kernels.rawValue, type.rawValue, row, into, Int64(columns))
        }
    }

    /// Encodes a float [rows, columns] tensor in `type` with ggml's reference round-to-nearest
    /// quantisers (the bytes gguf-py and llama.cpp write). Supports F32, F16, BF16, Q8_0, Q4_0
    /// and Q4_1; throws for other types or when a row is not a whole number of blocks.
    ///
    /// ```swift
    /// let w = try QuantizedMatrix.quantize(linear.weight, to: .q8_0)   // [out, in]
    /// ```
    public static func quantize(_ w: Tensor, to type: GGMLType) throws -> QuantizedMatrix {
        guard [.f32, .f16, .bf16, .q8_0, .q4_0, .q4_1].contains(type) else { throw QuantizedMatrixError.unsupportedType(type) }
        guard w.rank == 2, w.dtype.isFloatingPoint else { throw QuantizedMatrixError.notAMatrix(w.shape) }
        let rows = w.shape[0], columns = w.shape[1]
        guard rows > 0, columns > 0 else { throw QuantizedMatrixError.invalidShape(rows: rows, columns: columns) }
        guard let rowBytes = type.byteCount(elements: columns) else { throw QuantizedMatrixError.partialBlock(type: type, columns: columns) }
        let source = w.dtype == .float32 ? w : w.cast(to: .float32)
        let bytes = OwnedBytes(count: rows * rowBytes)
        source.backend.quantize(source, to: type, into: UnsafeMutableRawBufferPointer(start: bytes.start, count: rows * rowBytes))
        return QuantizedMatrix(type: type, rows: rows, columns: columns, owned: bytes)
    }
}
