import StrataCore

/// A sparse matrix in compressed sparse row form, with its transpose kept for the backward
/// pass. `multiply(_:)` is a differentiable primitive: `Y = A·X` for a dense `[columns, k]` X.
///
/// ```swift
/// let a = SparseMatrix(rows: 2, columns: 3, entries: [(0, 1, 0.5), (1, 2, 2)])
/// let y = a.multiply(Tensor.ones([3, 4]))   // [2, 4]
/// ```
public struct SparseMatrix: Sendable {
    public let rows: Int
    public let columns: Int
    /// CSR arrays: row r holds entries `rowStart[r]..<rowStart[r + 1]`.
    let rowStart: [Int]
    let columnIndex: [Int32]
    let values: [Double]
    /// The same arrays as tensors for the backend: int64 row starts, int32 columns, float64 and float32 values.
    private let rowStartTensor: Tensor, columnTensor: Tensor, valueTensors: (float64: Tensor, float32: Tensor)
    /// The transpose, in the same form (nil for the transpose itself).
    private let transposeStorage: [SparseMatrix]

    /// A matrix from `(row, column, value)` triples; repeated positions add up.
    public init(rows: Int, columns: Int, entries: [(row: Int, column: Int, value: Double)]) {
        self.init(rows: rows, columns: columns, entries: entries, withTranspose: true)
    }

    private init(rows: Int, columns: Int, entries: [(row: Int, column: Int, value: Double)], withTranspose: Bool) {
        self.rows = rows
        self.columns = columns
        var perRow = [[(Int32, Double)]](repeating: [], count: rows)
        for e in entries {
            ensure(e.row >= 0 && e.row < rows && e.column >= 0 && e.column < columns,
                         "SparseMatrix: entry (\(e.row), \(e.column)) is outside \(rows)x\(columns)")
            perRow[e.row].append((Int32(e.column), e.value))
        }
        var start = [0], cols: [Int32] = [], vals: [Double] = []
        for row in perRow {
            // Sorted by column, repeated positions summed.
            for (c, v) in row.sorted(by: { $0.0 < $1.0 }) {
                if cols.count > start.last!, cols.last == c { vals[vals.count - 1] += v } else { cols.append(c); vals.append(v) }
            }
            start.append(cols.count)
        }
        rowStart = start; columnIndex = cols; values = vals
        rowStartTensor = Tensor(start.map(Int64.init))
        columnTensor = Tensor(cols)
        valueTensors = (Tensor(vals), Tensor(vals.map { Float($0) }))
        transposeStorage = withTranspose
            ? [SparseMatrix(rows: columns, columns: rows, entries: entries.map { ($0.column, $0.row, $0.value) }, withTranspose: false)]
            : []
    }

    /// Number of stored entries.
    public var nonZeroCount: Int { columnIndex.count }

    /// The entries as `(row, column, value)` triples, row by row.
    public var entries: [(row: Int, column: Int, value: Double)] {
        (0..<rows).flatMap { r in (rowStart[r]..<rowStart[r + 1]).map { (r, Int(columnIndex[$0]), values[$0]) } }
    }

    /// `A·X` for a dense float32 or float64 `[columns, k]` X; the gradient with respect to X is `Aᵀ·G`.
    public func multiply(_ x: Tensor) -> Tensor {
        ensure(x.rank == 2 && x.shape[0] == columns, "SparseMatrix.multiply: expected [\(columns), k], got \(x.shape)")
        ensure(x.dtype.isFloatingPoint, "SparseMatrix.multiply: expected a float tensor, got \(x.dtype)")
        let out = withoutGradients { product(x) }
        let transpose = transposeStorage.first
        return Tensor.recordOperation("sparseMultiply", output: out, inputs: [x]) { g in
            guard let transpose else { ensureFailure("SparseMatrix: the gradient of a transpose's product is not kept") }
            return [transpose.multiply(g)]
        }
    }

    /// The plain product, row-parallel.
    private func product(_ x: Tensor) -> Tensor {
        let out = Tensor.zeros([rows, x.shape[1]], dtype: x.dtype)
        x.device.backend.sparseDenseProduct(rowStart: rowStartTensor, columnIndex: columnTensor,
                                            values: x.dtype == .float32 ? valueTensors.float32 : valueTensors.float64, x, into: out)
        return out
    }
}

extension SparseMatrix {
    /// The symmetrically normalised adjacency `D^-1/2 A D^-1/2` of the bipartite user-item
    /// graph, over `users + items` nodes (users first, then items): LightGCN's propagation matrix.
    /// Repeated interactions count once; nodes without edges have empty rows.
    ///
    /// ```swift
    /// let graph = SparseMatrix.normalizedAdjacency(train)   // [(U+I), (U+I)]
    /// ```
    public static func normalizedAdjacency(_ table: RatingTable) -> SparseMatrix {
        let users = table.users.count, n = users + table.items.count
        let neighbours = table.itemsByUser()
        var degree = [Double](repeating: 0, count: n)
        for (u, items) in neighbours.enumerated() {
            degree[u] = Double(items.count)
            for i in items { degree[users + Int(i)] += 1 }
        }
        var entries: [(row: Int, column: Int, value: Double)] = []
        entries.reserveCapacity(2 * table.ratings.count)
        for (u, items) in neighbours.enumerated() {
            for i in items {
                let node = users + Int(i), w = 1 / (degree[u] * degree[node]).squareRoot()
                entries.append((u, node, w))
                entries.append((node, u, w))
            }
        }
        return SparseMatrix(rows: n, columns: n, entries: entries)
    }
}
