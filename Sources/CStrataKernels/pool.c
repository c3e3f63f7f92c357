/* The worker pool of strata_pool.h.
 *
 * A job is published as one 64-bit word, `claim` = job id (32 bits) | chunk count (16) | next
 * chunk (16). Threads take chunks by compare-and-swap on that word, so a thread that wakes late
 * can never take a chunk of a newer job with the function of an older one: the swap fails when
 * the id has changed, and the job's function and context are read only after a successful swap
 * (the job cannot finish, and so cannot be replaced, while one of its chunks is unfinished).
 * Sleeping workers wait on a condition variable for `generation` to change; the caller changes
 * it under the mutex, so no wake-up is lost. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include "strata_pool.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#else
#define CPU_RELAX() ((void)0)
#endif

#define MAX_WORKERS 63
#define SPIN_ROUNDS (1 << 13)      /* pauses before a worker sleeps (a fraction of a millisecond) */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static atomic_flag busy = ATOMIC_FLAG_INIT;
static _Atomic uint32_t generation;   /* written under `lock` */
static _Atomic uint64_t claim;
static _Atomic int64_t done;
static strata_pool_fn job_fn;
static void *job_context;
static int started;                   /* worker threads running; under `lock` */
static int sleepers;                  /* under `lock` */

/* Takes and runs chunks of job `id` until none is left; returns how many it ran. */
static int64_t work(uint32_t id) {
    int64_t ran = 0;
    uint64_t c = atomic_load_explicit(&claim, memory_order_acquire);
    for (;;) {
        if ((uint32_t)(c >> 32) != id) return ran;
        uint64_t count = (c >> 16) & 0xFFFF, next = c & 0xFFFF;
        if (next >= count) return ran;
        if (!atomic_compare_exchange_weak_explicit(&claim, &c, c + 1, memory_order_acq_rel, memory_order_acquire)) continue;
        job_fn(job_context, (int64_t)next);
        atomic_fetch_add_explicit(&done, 1, memory_order_release);
        ran++;
        c = atomic_load_explicit(&claim, memory_order_acquire);
    }
}

static void *worker(void *unused) {
    (void)unused;
    uint32_t seen = atomic_load_explicit(&generation, memory_order_acquire);
    for (;;) {
        uint32_t now = seen;
        for (int spin = 0; spin < SPIN_ROUNDS && now == seen; spin++) {
            CPU_RELAX();
            now = atomic_load_explicit(&generation, memory_order_acquire);
        }
        if (now == seen) {
            pthread_mutex_lock(&lock);
            while ((now = atomic_load_explicit(&generation, memory_order_acquire)) == seen) {
                sleepers++;
                pthread_cond_wait(&wake, &lock);
                sleepers--;
            }
            pthread_mutex_unlock(&lock);
        }
        seen = now;
        work(now);
    }
    return NULL;
}

int strata_pool_run(int workers, int64_t chunks, strata_pool_fn fn, void *context) {
    if (chunks < 1 || chunks > 0xFFFF) return 0;
    if (atomic_flag_test_and_set_explicit(&busy, memory_order_acquire)) return 0;
    if (workers > MAX_WORKERS) workers = MAX_WORKERS;
    pthread_mutex_lock(&lock);
    while (started < workers) {
        pthread_t thread;
        pthread_attr_t attributes;
        pthread_attr_init(&attributes);
        pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
        int failed = pthread_create(&thread, &attributes, worker, NULL);
        pthread_attr_destroy(&attributes);
        if (failed) break;        /* fewer helpers; the caller still runs every chunk it can take */
        started++;
    }
    job_fn = fn;
    job_context = context;
    atomic_store_explicit(&done, 0, memory_order_relaxed);
    uint32_t id = atomic_load_explicit(&generation, memory_order_relaxed) + 1;
    atomic_store_explicit(&claim, ((uint64_t)id << 32) | ((uint64_t)chunks << 16), memory_order_release);
    atomic_store_explicit(&generation, id, memory_order_release);
    if (sleepers > 0) pthread_cond_broadcast(&wake);
    pthread_mutex_unlock(&lock);

    work(id);
    for (int spin = 0; atomic_load_explicit(&done, memory_order_acquire) < chunks; spin++) {
        if (spin < SPIN_ROUNDS) CPU_RELAX(); else sched_yield();
    }
    atomic_flag_clear_explicit(&busy, memory_order_release);
    return 1;
}
