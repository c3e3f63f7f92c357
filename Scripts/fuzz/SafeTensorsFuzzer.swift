// libFuzzer entry point for the safetensors reader: every input must end in a FileError or
// entries whose byte counts match their dtype and shape. Built and run by Scripts/fuzz/fuzz.sh safetensors.
import Foundation
import StrataIO

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafeTensors(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let data = Data(bytes: start, count: count)
    let entries: [String: SafeTensorsEntry]
    do {
        entries = try SafeTensors.decode(data, source: "fuzz").tensors
    } catch is FileError {
        return 0
    } catch {
        fatalError("unexpected error type \(type(of: error)): \(error)")
    }
    for (key, entry) in entries {
        guard let size = SafeTensors.byteSize(ofDType: entry.dtype), entry.shape.allSatisfy({ $0 >= 0 }),
              entry.data.count == entry.elementCount * size else {
            fatalError("\(key): \(entry.data.count) bytes for \(entry.dtype) \(entry.shape)")
        }
    }
    return 0
}
