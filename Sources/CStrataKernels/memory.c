#include "strata_memory.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

void strata_release_freed_heap(void) {
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
}
