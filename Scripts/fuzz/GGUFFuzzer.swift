// libFuzzer entry point for the GGUF reader: every input must end in a FileError or a
// consistent GGUFFile, never a crash, a hang or a runaway allocation.
// Built and run by Scripts/fuzz/fuzz.sh gguf.
import StrataIO

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGGUF(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = [UInt8](UnsafeBufferPointer(start: start, count: count))
    guard let file = try? GGUFFile(bytes: bytes, source: "fuzz") else { return 0 }
    // A successful read promises in-file, aligned, disjoint tensor bytes: touch them all.
    var checksum: UInt8 = 0
    for info in file.tensors {
        if info.offset % file.alignment != 0 || info.byteCount != file.bytes(of: info).count {
            fatalError("tensor \(info.name): offset \(info.offset), \(info.byteCount) bytes, not what the file holds")
        }
        checksum &+= file.bytes(of: info).reduce(0, &+)
    }
    _ = file.metadata.values.map(\.description)
    return CInt(checksum & 0)
}
