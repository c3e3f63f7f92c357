#ifndef STRATA_GEMM_H
#define STRATA_GEMM_H

#include <stdint.h>

/* A float32 product whose right-hand matrix is packed once and used many times: the
 * recurrent weights of an LSTM, multiplied at every step of a sequence by a small batch of
 * rows. A general BLAS packs B again at each call; here it is packed once into panels of
 * STRATA_PANEL_WIDTH columns (panel j holds, for each p in 0..<k, the values
 * op(B)[p, 16j ..< 16j + 16], zero-padded past n). */
#define STRATA_PANEL_WIDTH 16

/* Floats that strata_pack_panels_f32 writes for a [k, n] operand. */
int64_t strata_packed_panels_count(int64_t k, int64_t n);

/* Packs op(B) ([k, n]; B is [n, k] when trans_b is nonzero, else [k, n], row stride ldb). */
void strata_pack_panels_f32(const float *b, int64_t ldb, int trans_b, int64_t k, int64_t n, float *packed);

/* C[0..<m, 16 j0 ..< min(n, 16 j1)] = A · op(B) (or C += A · op(B) when `accumulate` is
 * nonzero) for the panels j0 ..< j1, with A [m, k] (row stride lda) and C of row stride ldc.
 * Returns 1 when it ran (AVX2 and FMA, or AVX-512), 0 when this CPU has no AVX2 (the caller then uses its
 * general product). */
int strata_gemm_packed_f32(int64_t m, int64_t n, int64_t k, const float *a, int64_t lda,
                           const float *packed, int64_t j0, int64_t j1, float *c, int64_t ldc, int accumulate);

/* Nonzero when the CPU has AVX-512F and the environment does not set STRATA_NO_AVX512 (read
 * once): the packed and small-rows products then run their AVX-512 kernels. */
int strata_gemm_avx512_enabled(void);

/* C[0..<m, j0 ..< j1] = A · Bᵀ (C += A · Bᵀ when `accumulate` is nonzero) with A [m, k] (row
 * stride lda) and B [n, k] (row stride ldb) read in place: a linear layer's product for a few
 * rows (a prompt, or one token), where packing B as a BLAS does costs as much as the product.
 * Any m works; it pays up to about 16. Returns 1 when it ran, 0 when
 * strata_gemm_small_nt_available() is 0 (the caller then uses its general product). */
int strata_gemm_small_nt_f32(int64_t m, int64_t k, const float *a, int64_t lda, const float *b, int64_t ldb,
                             int64_t j0, int64_t j1, float *c, int64_t ldc, int accumulate);

/* Nonzero when strata_gemm_small_nt_f32 runs on this CPU (AVX-512 or AVX2 with FMA). */
int strata_gemm_small_nt_available(void);

#endif
