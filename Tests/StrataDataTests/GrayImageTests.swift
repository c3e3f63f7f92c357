import Testing
import StrataData

@Suite("GrayImage resizing")
struct GrayImageTests {
    @Test("same size is the identity and a constant image stays constant")
    func trivial() {
        let image = GrayImage(width: 3, height: 2, pixels: [1, 2, 3, 4, 5, 6])
        #expect(image.resized(width: 3, height: 2) == image)
        let constant = GrayImage(width: 37, height: 23, pixels: [UInt8](repeating: 77, count: 37 * 23))
        #expect(constant.resized(width: 28, height: 28).pixels.allSatisfy { $0 == 77 })
        #expect(constant.resized(width: 50, height: 9).pixels.allSatisfy { $0 == 77 })
    }

    @Test("halving averages 2x2 blocks")
    func halve() {
        let image = GrayImage(width: 4, height: 2, pixels: [0, 100, 10, 10, 200, 100, 30, 50])
        #expect(image.resized(width: 2, height: 1).pixels == [100, 25])
    }

    @Test("area averaging handles fractional coverage")
    func fractionalArea() {
        let image = GrayImage(width: 3, height: 1, pixels: [0, 90, 180])
        #expect(image.resized(width: 2, height: 1).pixels == [30, 150])
    }

    @Test("enlarging interpolates between pixel centers")
    func bilinear() {
        let image = GrayImage(width: 2, height: 1, pixels: [0, 255])
        #expect(image.resized(width: 4, height: 1).pixels == [0, 64, 191, 255])
        let column = GrayImage(width: 1, height: 2, pixels: [0, 255])
        #expect(column.resized(width: 2, height: 4).pixels == [0, 0, 64, 64, 191, 191, 255, 255])
    }

    @Test("a 56x56 digit becomes 28x28 and inversion flips levels")
    func mnistSize() {
        var pixels = [UInt8](repeating: 255, count: 56 * 56)
        for y in 10..<46 { pixels[y * 56 + 27] = 0; pixels[y * 56 + 28] = 0 }  // a 2-pixel vertical stroke
        let small = GrayImage(width: 56, height: 56, pixels: pixels).resized(width: 28, height: 28).inverted()
        #expect(small.width == 28 && small.height == 28)
        #expect(small[13, 14] == 127 && small[14, 14] == 127)  // half of each 2x2 block is ink: 255 - 128
        #expect(small[0, 0] == 0)
    }
}
