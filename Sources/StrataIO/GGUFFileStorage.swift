import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes behind a `GGUFFile`: a read-only private memory mapping of the file, or a heap copy
/// of bytes given in memory. Released in `deinit`; immutable, so safe to share between threads.
final class GGUFFileStorage: @unchecked Sendable {
    /// The first byte, or nil for an empty buffer.
    let base: UnsafeRawPointer?
    /// The number of bytes.
    let count: Int
    private let isMapped: Bool

    var buffer: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// Maps the file at `path` read-only. Pages are read from disk on first touch and can be
    /// dropped by the kernel under memory pressure, so the resident memory of a process that
    /// uses the weights in place stays close to the file size.
    init(mappingFileAt path: String) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw FileError(kind: .io, path: path, message: "cannot open file: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw FileError(kind: .io, path: path, message: "cannot inspect file: \(String(cString: strerror(errno)))")
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw FileError(kind: .io, path: path, message: "not a regular file; expected a GGUF model file")
        }
        let size = Int(status.st_size)
        isMapped = size > 0
        count = size
        guard size > 0 else {
            base = nil
            return
        }
        let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0)
        guard let address, address != MAP_FAILED else {
            throw FileError(kind: .io, path: path, message: "cannot map \(size) bytes: \(String(cString: strerror(errno)))")
        }
        base = UnsafeRawPointer(address)
    }

    /// Copies `bytes` into a 64-byte-aligned heap buffer.
    init(copying bytes: UnsafeRawBufferPointer) {
        isMapped = false
        count = bytes.count
        guard bytes.count > 0 else {
            base = nil
            return
        }
        let memory = UnsafeMutableRawPointer.allocate(byteCount: bytes.count, alignment: 64)
        memory.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        base = UnsafeRawPointer(memory)
    }

    /// Tells the system that the mapped pages wholly inside the first `count` bytes are not
    /// needed now (madvise `MADV_DONTNEED`): they leave the resident set, and a later read maps
    /// them again from the file. Does nothing for heap copies.
    func releasePages(before count: Int) {
        releasePages(in: 0..<count)
    }

    /// The same for the pages wholly inside `range` (byte offsets; clamped to the file).
    func releasePages(in range: Range<Int>) {
        guard isMapped, let base else { return }
        let page = Swift.max(sysconf(Int32(_SC_PAGESIZE)), 1)
        let start = (Swift.max(range.lowerBound, 0) + page - 1) / page * page
        let end = Swift.min(range.upperBound, self.count) / page * page
        guard end > start else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: base + start), end - start, MADV_DONTNEED)
    }

    deinit {
        guard let base else { return }
        if isMapped {
            munmap(UnsafeMutableRawPointer(mutating: base), count)
        } else {
            UnsafeMutableRawPointer(mutating: base).deallocate()
        }
    }
}
