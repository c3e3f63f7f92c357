#ifndef STRATA_MEMORY_H
#define STRATA_MEMORY_H

/// Returns the heap pages that freed allocations left empty to the system (glibc's malloc_trim);
/// does nothing on other C libraries.
void strata_release_freed_heap(void);

#endif
