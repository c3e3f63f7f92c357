/* C = A·Bᵀ (or C += A·Bᵀ) for a few rows of A (up to 16: a prompt of a few tokens) and B stored
 * [n, k] row-major (a linear layer's weight [out, in]), with AVX-512 (see strata_gemm.h). A BLAS
 * packs B on every call, which for so few rows costs as much as the product; here B is read in
 * place, once: each tile of 4 of its rows (12 KB at k = 768, held in L1) is multiplied with up
 * to 6 rows of A at a time, 16 columns of k a step, into 24 accumulators summed at the end. */
#include "strata_gemm.h"
#include "strata_gemm_internal.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#define V512 __attribute__((target("avx512f,avx2,fma")))
#define INLINE static inline __attribute__((always_inline))
enum { ROWS = 6, COLUMNS = 4 };

/* rows (1...6) rows of A by cols (1 or 4) rows of B; constant counts keep the accumulators in
 * registers. The last k % 16 columns are read through a lane mask. */
V512 INLINE void tile(int rows, int cols, int64_t k, const float *a, int64_t lda, const float *b, int64_t ldb,
                      float *c, int64_t ldc, int accumulate) {
    __m512 acc[ROWS][COLUMNS];
    for (int r = 0; r < ROWS; r++) for (int j = 0; j < COLUMNS; j++) acc[r][j] = _mm512_setzero_ps();
    int64_t p = 0;
    for (; p + 16 <= k; p += 16) {
        __m512 w[COLUMNS];
        for (int j = 0; j < cols; j++) w[j] = _mm512_loadu_ps(b + j * ldb + p);
        for (int r = 0; r < rows; r++) {
            const __m512 x = _mm512_loadu_ps(a + r * lda + p);
            for (int j = 0; j < cols; j++) acc[r][j] = _mm512_fmadd_ps(x, w[j], acc[r][j]);
        }
    }
    if (p < k) {
        const __mmask16 mask = (__mmask16)((1u << (k - p)) - 1);
        __m512 w[COLUMNS];
        for (int j = 0; j < cols; j++) w[j] = _mm512_maskz_loadu_ps(mask, b + j * ldb + p);
        for (int r = 0; r < rows; r++) {
            const __m512 x = _mm512_maskz_loadu_ps(mask, a + r * lda + p);
            for (int j = 0; j < cols; j++) acc[r][j] = _mm512_fmadd_ps(x, w[j], acc[r][j]);
        }
    }
    for (int r = 0; r < rows; r++) {
        for (int j = 0; j < cols; j++) {
            const float v = _mm512_reduce_add_ps(acc[r][j]);
            c[r * ldc + j] = accumulate ? c[r * ldc + j] + v : v;
        }
    }
}

#define TILE(R, J) tile(R, J, k, a, lda, b, ldb, c, ldc, accumulate)
V512 static void rows_tile(int rows, int cols, int64_t k, const float *a, int64_t lda, const float *b, int64_t ldb,
                           float *c, int64_t ldc, int accumulate) {
    if (cols == COLUMNS) {
        switch (rows) {
        case 6: TILE(6, 4); break; case 5: TILE(5, 4); break; case 4: TILE(4, 4); break;
        case 3: TILE(3, 4); break; case 2: TILE(2, 4); break; default: TILE(1, 4); break;
        }
    } else {
        switch (rows) {
        case 6: TILE(6, 1); break; case 5: TILE(5, 1); break; case 4: TILE(4, 1); break;
        case 3: TILE(3, 1); break; case 2: TILE(2, 1); break; default: TILE(1, 1); break;
        }
    }
}
#undef TILE

int strata_gemm_small_nt_f32(int64_t m, int64_t k, const float *a, int64_t lda, const float *b, int64_t ldb,
                             int64_t j0, int64_t j1, float *c, int64_t ldc, int accumulate) {
    if (!strata_gemm_avx512_enabled()) return 0;
    for (int64_t j = j0; j < j1;) {
        const int cols = j1 - j >= COLUMNS ? COLUMNS : 1;
        for (int64_t i = 0; i < m; i += ROWS) {
            const int rows = m - i < ROWS ? (int)(m - i) : ROWS;
            rows_tile(rows, cols, k, a + i * lda, lda, b + j * ldb, ldb, c + i * ldc + j, ldc, accumulate);
        }
        j += cols;
    }
    return 1;
}

#else

int strata_gemm_small_nt_f32(int64_t m, int64_t k, const float *a, int64_t lda, const float *b, int64_t ldb,
                             int64_t j0, int64_t j1, float *c, int64_t ldc, int accumulate) {
    (void)m; (void)k; (void)a; (void)lda; (void)b; (void)ldb; (void)j0; (void)j1; (void)c; (void)ldc; (void)accumulate;
    return 0;
}

#endif
