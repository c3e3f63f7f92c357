// libFuzzer entry point for the image readers (PNG, PGM, PPM): every input must end in an
// FileError or an image whose pixel count matches its size. Built and run by Scripts/fuzz/fuzz.sh png.
import StrataData
import StrataIO

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzImage(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = [UInt8](UnsafeBufferPointer(start: start, count: count))
    do {
        let image = try GrayImage.decode(bytes, source: "fuzz")
        if image.width <= 0 || image.height <= 0 || image.pixels.count != image.width * image.height {
            fatalError("\(image.width) x \(image.height) image with \(image.pixels.count) pixels")
        }
    } catch is FileError {
        return 0
    } catch {
        fatalError("unexpected error type \(type(of: error)): \(error)")
    }
    return 0
}
