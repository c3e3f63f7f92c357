/* C = A·Bᵀ (or C += A·Bᵀ) for a few rows of A (up to 16: a prompt of a few tokens, or the one
 * of a decoding step) and B stored [n, k] row-major (a linear layer's weight [out, in]); see
 * strata_gemm.h. A BLAS packs B on every call, which for so few rows costs as much as the
 * product; here B is read in place, once: each tile of a few of its rows (12 KB for 3 or 4
 * rows at k = 768, held in L1) is multiplied with a few rows of A at a time, one vector of k a
 * step, into accumulators summed at the end. Two widths from one tile (gemm_small_tile.h):
 * AVX-512, 6 rows by 4 (24 accumulators of 32 registers), and AVX2, 3 rows by 3 (9 of 16). */
#include "strata_gemm.h"
#include "strata_quant.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#include "simd_avx2.h"

#define SMALL_TARGET __attribute__((target("avx512f,avx2,fma")))
#define SMALL_VEC __m512
#define SMALL_LANES 16
#define SMALL_ROWS 6
#define SMALL_COLUMNS 4
#define SMALL_ZERO() _mm512_setzero_ps()
#define SMALL_LOAD(p) _mm512_loadu_ps(p)
#define SMALL_LOAD_TAIL(p, count) _mm512_maskz_loadu_ps((__mmask16)((1u << (count)) - 1), p)
#define SMALL_FMA(x, w, acc) _mm512_fmadd_ps(x, w, acc)
#define SMALL_SUM(v) _mm512_reduce_add_ps(v)
#define SMALL_NAME(name) name##_avx512
#include "gemm_small_tile.h"
#undef SMALL_TARGET
#undef SMALL_VEC
#undef SMALL_LANES
#undef SMALL_ROWS
#undef SMALL_COLUMNS
#undef SMALL_ZERO
#undef SMALL_LOAD
#undef SMALL_LOAD_TAIL
#undef SMALL_FMA
#undef SMALL_SUM
#undef SMALL_NAME

#define SMALL_TARGET __attribute__((target("avx2,fma")))
#define SMALL_VEC __m256
#define SMALL_LANES 8
#define SMALL_ROWS 3
#define SMALL_COLUMNS 3
#define SMALL_ZERO() _mm256_setzero_ps()
#define SMALL_LOAD(p) _mm256_loadu_ps(p)
#define SMALL_LOAD_TAIL(p, count) _mm256_maskload_ps(p, tail_mask(count))
#define SMALL_FMA(x, w, acc) _mm256_fmadd_ps(x, w, acc)
#define SMALL_SUM(v) hsum8(v)
#define SMALL_NAME(name) name##_avx2
#include "gemm_small_tile.h"

int strata_gemm_small_nt_available(void) {
    return strata_gemm_avx512_enabled() || strata_quant_best_level() == STRATA_QUANT_AVX2;
}

int strata_gemm_small_nt_f32(int64_t m, int64_t k, const float *a, int64_t lda, const float *b, int64_t ldb,
                             int64_t j0, int64_t j1, float *c, int64_t ldc, int accumulate) {
    if (strata_gemm_avx512_enabled()) {
        product_avx512(m, k, a, lda, b, ldb, j0, j1, c, ldc, accumulate);
    } else if (strata_quant_best_level() == STRATA_QUANT_AVX2) {
        product_avx2(m, k, a, lda, b, ldb, j0, j1, c, ldc, accumulate);
    } else {
        return 0;
    }
    return 1;
}

#else

int strata_gemm_small_nt_available(void) { return 0; }

int strata_gemm_small_nt_f32(int64_t m, int64_t k, const float *a, int64_t lda, const float *b, int64_t ldb,
                             int64_t j0, int64_t j1, float *c, int64_t ldc, int accumulate) {
    (void)m; (void)k; (void)a; (void)lda; (void)b; (void)ldb; (void)j0; (void)j1; (void)c; (void)ldc; (void)accumulate;
    return 0;
}

#endif
