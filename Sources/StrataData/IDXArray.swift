import StrataCore
/// An array of unsigned bytes read from an IDX file (the format of the MNIST files).
///
/// `bytes` holds the elements in row-major order; `bytes.count` is the product of `dimensions`.
///
/// ```swift
/// let images = try IDX.read(path: "train-images-idx3-ubyte.gz")
/// print(images.dimensions)  // [60000, 28, 28]
/// let firstImage = images.item(0)  // 784 bytes
/// ```
public struct IDXArray: Equatable, Sendable {
    /// The size of each dimension, outermost first (for MNIST images `[count, rows, columns]`).
    public let dimensions: [Int]
    /// The elements, row-major.
    public let bytes: [UInt8]

    /// Creates an array; `bytes.count` must equal the product of `dimensions`.
    ///
    /// ```swift
    /// let labels = IDXArray(dimensions: [3], bytes: [7, 2, 1])
    /// ```
    public init(dimensions: [Int], bytes: [UInt8]) {
        ensure(!dimensions.isEmpty && dimensions.count <= 255 && dimensions.allSatisfy { $0 >= 0 && $0 <= Int(UInt32.max) },
                     "IDXArray: dimensions \(dimensions) must be 1...255 sizes in 0...\(UInt32.max)")
        ensure(dimensions.reduce(1, *) == bytes.count,
                     "IDXArray: dimensions \(dimensions) need \(dimensions.reduce(1, *)) bytes, got \(bytes.count)")
        self.dimensions = dimensions
        self.bytes = bytes
    }

    /// The IDX magic number of this array: `0x0800 + dimensions.count`
    /// (2049 for labels with one dimension, 2051 for images with three).
    ///
    /// ```swift
    /// IDXArray(dimensions: [2, 1, 1], bytes: [0, 0]).magic  // 2051
    /// ```
    public var magic: Int {
        Int(IDX.unsignedByteTypeCode) << 8 | dimensions.count
    }

    /// The number of items along the first dimension.
    ///
    /// ```swift
    /// IDXArray(dimensions: [3], bytes: [7, 2, 1]).count  // 3
    /// ```
    public var count: Int {
        dimensions[0]
    }

    /// The number of bytes in one item (the product of all but the first dimension).
    ///
    /// ```swift
    /// IDXArray(dimensions: [2, 2, 3], bytes: Array(repeating: 0, count: 12)).itemSize  // 6
    /// ```
    public var itemSize: Int {
        dimensions.dropFirst().reduce(1, *)
    }

    /// The bytes of item `index` along the first dimension.
    ///
    /// ```swift
    /// let pixels = images.item(0)  // ArraySlice of 784 bytes
    /// ```
    public func item(_ index: Int) -> ArraySlice<UInt8> {
        ensure(index >= 0 && index < count, "IDXArray.item: index \(index) out of range 0..<\(count)")
        return bytes[(index * itemSize)..<((index + 1) * itemSize)]
    }
}
