import CStrataKernels

/// The process's heap, as the C library manages it.
public enum ProcessMemory {
    /// Hands the heap pages that freed allocations left empty back to the system (glibc's
    /// `malloc_trim`). Loading a model builds large temporary tables (a tokenizer's 50k merge
    /// rules, a file's metadata arrays) whose freed pages glibc otherwise keeps, so they stay in
    /// the process's resident size for its whole life. A no-op where the C library has no such call.
    ///
    /// ```swift
    /// let llama = try PretrainedLlama(path: "Models/SmolLM2-135M-Instruct.Q4_1.gguf")   // calls it
    /// ```
    public static func releaseFreedHeap() {
        strata_release_freed_heap()
    }
}
