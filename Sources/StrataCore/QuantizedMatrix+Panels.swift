import CStrataKernels
import Foundation

extension QuantizedMatrix {
    /// How a matrix's blocks are arranged in memory.
    public enum Layout: Sendable, CustomStringConvertible {
        /// ggml's layout: row after row, each row its blocks in order (as in a GGUF file).
        case rows
        /// Panels of 16 rows (Q4_0, Q4_1, Q8_0): for each block of 32 columns, the 16 rows'
        /// scales and then their codes interleaved so that one vector instruction multiplies
        /// all 16 rows by a token (`quant_panels.c`). Same bytes per block as the type; a panel
        /// block is unpacked once for up to 8 tokens, which is what makes a batch of sequences
        /// cheap, and a token's result does not depend on the others in the batch.
        case panels

        public var description: String { self == .rows ? "rows" : "panels" }
    }

    /// Whether ``panelPacked()`` rearranges a matrix of `type` on this CPU: Q4_0, Q4_1 and
    /// Q8_0 on a CPU with the AVX2 kernels.
    public static func panelsSupported(_ type: GGMLType) -> Bool {
        Kernels.best == .avx2 && strata_quant_panels_support(type.rawValue) != 0
    }

    /// This matrix rearranged in ``Layout-swift.enum/panels`` (a new copy of the same size), or
    /// `self` when it is in panels already, its type has no panel kernels, or the CPU lacks
    /// AVX2. Products give the same values up to the order of float additions (Q4_0's offset
    /// of -8 codes is then taken with the float sum of x instead of its codes' sum, which moves
    /// a product by up to the int16 codes' rounding); rows and dequantisation give the same bits.
    ///
    /// ```swift
    /// let w = try QuantizedMatrix(type: .q4_1, rows: 576, columns: 1536, bytes: b, owner: file).panelPacked()
    /// let y = w.matmul(x)   // 16 rows per instruction
    /// ```
    ///
    /// `packed(bytes)` is called after each stretch of about 2 MB of the source has been
    /// copied, with the byte range of the rows done so far (from 0): a loader releases those
    /// pages of its mapped file as it goes, so the copy and the whole source are never resident
    /// together.
    public func panelPacked(afterEachStretch packed: ((Range<Int>) -> Void)? = nil) -> QuantizedMatrix {
        guard layout == .rows, Self.panelsSupported(type) else { return self }
        let panels = (rows + 15) / 16
        let bytes = OwnedBytes(count: Int(strata_quant_panels_bytes(type.rawValue, Int64(rows), Int64(columns))))
        let failed = UnsafeMutablePointer<Int32>.allocate(capacity: panels)
        defer { failed.deallocate() }
        failed.initialize(repeating: 0, count: panels)
        let stretch = Swift.max(1, (2 << 20) / (16 * rowBytes))   // panels per stretch
        withExtendedLifetime(owner) {
            for first in stride(from: 0, to: panels, by: stretch) {
                let end = Swift.min(panels, first + stretch)
                Parallel.forEachChunk(end - first, grain: Swift.max(1, (1 << 18) / Swift.max(1, 16 * rowBytes))) { range in
                    failed[first + range.lowerBound] = strata_quant_panels_pack(
                        type.rawValue, base.assumingMemoryBound(to: UInt8.self), rowBytes, Int64(rows), Int64(columns),
                        Int64(first + range.lowerBound), Int64(first + range.upperBound), bytes.start.assumingMemoryBound(to: UInt8.self))
                }
                packed?(0..<(Swift.min(rows, 16 * end) * rowBytes))
            }
        }
        // A Q4_0 scale too large for its -8·d in f16 keeps the matrix in rows.
        if (0..<panels).contains(where: { failed[$0] != 0 }) { return self }
        return QuantizedMatrix(type: type, rows: rows, columns: columns, owned: bytes, layout: .panels)
    }

    /// x · Wᵢᵀ for several matrices that share their columns, as `matrices.map { $0.matmul(x) }`
    /// but, for matrices in panels, with x rounded once and one parallel pass over all of them
    /// (the same values as one by one).
    ///
    /// ```swift
    /// let qkv = QuantizedMatrix.matmul(n, [query, key, value])   // [T, 576], [T, 192], [T, 192]
    /// ```
    public static func matmul(_ x: Tensor, _ matrices: [QuantizedMatrix], kernels: Kernels = .default) -> [Tensor] {
        guard let first = matrices.first else { return [] }
        guard x.dtype == .float32, x.rank >= 1, matrices.allSatisfy({ $0.columns == first.columns && x.shape[x.rank - 1] == $0.columns }) else {
            fatalError("QuantizedMatrix.matmul: x must be float32 [..., columns] for matrices of the same columns, got \(x.dtype) \(x.shape) and \(matrices.map(\.columns))")
        }
        let lead = Array(x.shape.dims.dropLast())
        let outs = matrices.map { Tensor(uninitialized: Shape(lead + [$0.rows]), dtype: .float32, device: x.device) }
        if x.count == 0 { return outs }
        x.backend.matmul(x, quantized: matrices, kernels: kernels, into: outs)
        return outs
    }
}
