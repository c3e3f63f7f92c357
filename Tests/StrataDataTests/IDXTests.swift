import Foundation
import Testing
import StrataData
import StrataIO

@Suite("IDX files")
struct IDXTests {
    let images = IDXArray(dimensions: [2, 3, 2], bytes: Array(0..<12))
    let labels = IDXArray(dimensions: [4], bytes: [7, 2, 1, 0])

    @Test("encoding follows the IDX layout")
    func layout() {
        #expect(IDX.encode(labels) == [0, 0, 8, 1, 0, 0, 0, 4, 7, 2, 1, 0])
        #expect(images.magic == IDX.imagesMagic)
        #expect(labels.magic == IDX.labelsMagic)
        #expect(images.count == 2)
        #expect(images.itemSize == 6)
        #expect(Array(images.item(1)) == [6, 7, 8, 9, 10, 11])
    }

    @Test("raw and gzip files round trip")
    func roundTrip() throws {
        let directory = try TemporaryDirectory()
        let raw = try directory.write(IDX.encode(images), to: "images-idx3-ubyte")
        #expect(try IDX.read(path: raw) == images)
        #expect(try IDX.read(path: raw, expectedMagic: IDX.imagesMagic) == images)

        let gzipped = try directory.write(try Gzip.compress(IDX.encode(labels)), to: "labels-idx1-ubyte.gz")
        #expect(try IDX.read(path: gzipped, expectedMagic: 2049) == labels)

        let written = directory.path + "/written.gz"
        try IDX.write(images, to: written, gzip: true)
        #expect(Gzip.isGzip(Array(try Data(contentsOf: URL(fileURLWithPath: written)))))
        #expect(try IDX.read(path: written) == images)
    }

    @Test("an unexpected magic number names both numbers")
    func unexpectedMagic() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write(IDX.encode(labels), to: "labels")
        let error = try #require(throws: FileError.self) { try IDX.read(path: path, expectedMagic: IDX.imagesMagic) }
        #expect(error.kind == .unexpectedMagic)
        #expect(error.description.contains(path))
        #expect(error.description.contains("2049"))
        #expect(error.description.contains("expected 2051"))
    }

    @Test("bad magic bytes, type code and dimension count name the offset")
    func badHeader() throws {
        let directory = try TemporaryDirectory()
        var bytes = IDX.encode(labels)
        bytes[0] = 0x1A
        let notIDX = try #require(throws: FileError.self) { try IDX.read(path: directory.write(bytes, to: "a")) }
        #expect(notIDX.kind == .badMagic)
        #expect(notIDX.offset == 0)
        #expect(notIDX.description.contains("at byte 0"))
        #expect(notIDX.description.contains("0x1a"))

        bytes = IDX.encode(labels)
        bytes[2] = 0x0D
        let floats = try #require(throws: FileError.self) { try IDX.read(path: directory.write(bytes, to: "b")) }
        #expect(floats.kind == .unsupportedType)
        #expect(floats.description.contains("at byte 2: type code 0x0d (32-bit float)"))
        #expect(floats.description.contains("expected 0x08"))

        bytes = IDX.encode(labels)
        bytes[3] = 0
        let noDimensions = try #require(throws: FileError.self) { try IDX.decode(bytes) }
        #expect(noDimensions.kind == .noDimensions)
        #expect(noDimensions.description.contains("at byte 3"))
    }

    @Test("a truncated file says how many data bytes were expected and found")
    func truncated() throws {
        let directory = try TemporaryDirectory()
        let bytes = Array(IDX.encode(images).prefix(16 + 5))
        let path = try directory.write(bytes, to: "train-images-idx3-ubyte")
        let error = try #require(throws: FileError.self) { try IDX.read(path: path) }
        #expect(error.kind == .truncated)
        #expect(error.offset == 21)
        #expect(error.description.hasPrefix(path + ": at byte 21: truncated: expected 12 bytes of data after the 16-byte header"))
        #expect(error.description.contains("found 5"))

        let gzipPath = try directory.write(try Gzip.compress(bytes), to: "train-images-idx3-ubyte.gz")
        let gzipError = try #require(throws: FileError.self) { try IDX.read(path: gzipPath) }
        #expect(gzipError.description.hasPrefix(gzipPath + ": at byte 21: truncated: expected 12 bytes"))
    }

    @Test("a truncated header, trailing bytes and a corrupt gzip are reported")
    func otherDamage() throws {
        let directory = try TemporaryDirectory()
        let shortHeader = try #require(throws: FileError.self) { try IDX.decode(Array(IDX.encode(images).prefix(10)), source: "x") }
        #expect(shortHeader.kind == .truncatedHeader)
        #expect(shortHeader.description == "x: at byte 10: truncated header: expected 16 bytes for 3 dimension sizes, found 10")
        let tiny = #expect(throws: FileError.self) { try IDX.decode([0, 0]) }
        #expect(tiny?.kind == .truncatedHeader && tiny?.path == "<memory>")

        let trailing = try #require(throws: FileError.self) { try IDX.decode(IDX.encode(labels) + [9, 9], source: "y") }
        #expect(trailing.kind == .trailingData)
        #expect(trailing.offset == 12)
        #expect(trailing.description == "y: at byte 12: 2 unexpected bytes after the data; expected the file to end there (dimensions [4])")

        var packed = try Gzip.compress(IDX.encode(images))
        packed.removeLast(10)
        let path = try directory.write(packed, to: "cut.gz")
        let corrupt = try #require(throws: FileError.self) { try IDX.read(path: path) }
        // The gzip decoder's own error, naming the file and the compressed byte offset.
        #expect(corrupt.kind == .truncated)
        #expect(corrupt.description.hasPrefix(path + ": at byte \(packed.count): truncated gzip stream"), "\(corrupt)")

        let missing = try #require(throws: FileError.self) { try IDX.read(path: directory.path + "/absent") }
        #expect(missing.kind == .io)
    }

    @Test("the real MNIST test labels read: 10000 labels starting 7 2 1 0 4")
    func mnistTestLabels() throws {
        guard let root = packageRoot() else {
            print("skipping: package root not found from \(#filePath)")
            return
        }
        let path = root.appendingPathComponent("Data/mnist/t10k-labels-idx1-ubyte.gz").path
        guard FileManager.default.fileExists(atPath: path) else {
            print("skipping: MNIST test labels not found at \(path)")
            return
        }
        let labels = try IDX.read(path: path, expectedMagic: IDX.labelsMagic)
        #expect(labels.dimensions == [10000])
        #expect(Array(labels.bytes.prefix(5)) == [7, 2, 1, 0, 4])
        #expect(labels.bytes.allSatisfy { $0 <= 9 })
    }
}
