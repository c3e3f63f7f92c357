#ifndef STRATA_GEMM_INTERNAL_H
#define STRATA_GEMM_INTERNAL_H

#include <stdint.h>

/* strata_gemm_packed_f32 with AVX-512 (gemm_packed_avx512.c); only where strata_gemm_avx512_enabled()
 * (strata_gemm.h) holds. */
void strata_gemm_packed_f32_avx512(int64_t m, int64_t n, int64_t k, const float *a, int64_t lda,
                                   const float *packed, int64_t j0, int64_t j1, float *c, int64_t ldc, int accumulate);

#endif
