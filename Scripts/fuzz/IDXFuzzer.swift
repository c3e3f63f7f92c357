// libFuzzer entry point for the IDX reader and the gzip decoder: every input must end in an
// FileError or sizes that agree. Gzip input goes through Gzip.decompress with
// a 1 MiB limit and through IDX.read (which inflates only what the header declares); other
// input through IDX.decode. Built and run by Scripts/fuzz/fuzz.sh idx.
import Foundation
import StrataData
import StrataIO

let scratchPath = NSTemporaryDirectory() + "strata-idx-fuzz-\(getpid()).gz"

func fail(_ message: String) -> Never { fatalError(message) }

func checkConsistent(_ array: IDXArray) {
    if array.bytes.count != array.dimensions.reduce(1, *) {
        fail("dimensions \(array.dimensions) for \(array.bytes.count) bytes")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIDX(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = [UInt8](UnsafeBufferPointer(start: start, count: count))
    do {
        if Gzip.isGzip(bytes) {
            do {
                let output = try Gzip.decompress(bytes, limit: 1 << 20)
                if output.count > 1 << 20 { fail("\(output.count) bytes past the 1 MiB limit") }
            } catch is FileError {}
            FileManager.default.createFile(atPath: scratchPath, contents: Data(bytes))
            checkConsistent(try IDX.read(path: scratchPath))
        } else {
            checkConsistent(try IDX.decode(bytes, source: "fuzz"))
        }
    } catch is FileError {
        return 0
    } catch {
        fail("unexpected error type \(type(of: error)): \(error)")
    }
    return 0
}
