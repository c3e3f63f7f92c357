#ifndef STRATA_POOL_H
#define STRATA_POOL_H

#include <stdint.h>

/* A pool of worker threads for short parallel loops. Between jobs the workers spin (8,192 pause
 * instructions, a fraction of a millisecond) before they sleep, so that a run of small jobs (a decoding step is
 * a few hundred) does not pay a sleep and a wake-up each, as a general-purpose queue does.
 *
 * strata_pool_run(workers, chunks, fn, context) calls fn(context, c) once for every c in
 * 0..<chunks, on the calling thread and on up to `workers` pool threads (created on first use),
 * and returns when all calls have returned. It returns 0 without calling fn when the pool is
 * busy with another caller's job (the caller then runs the loop some other way), 1 otherwise.
 * chunks must be in 1...65535. */
typedef void (*strata_pool_fn)(void *context, int64_t chunk);

int strata_pool_run(int workers, int64_t chunks, strata_pool_fn fn, void *context);

#endif
