/* A·op(B) with B packed once into 16-column panels (see strata_gemm.h). Register blocking:
 * up to 6 rows of A by one 16-column panel, twelve 8-lane accumulators, one pass over k (the
 * LSTM's k is its hidden or gate width, a few hundred to a few thousand), so a panel streams
 * from L1 or L2 and C is written once. On CPUs with AVX-512 (unless STRATA_NO_AVX512 is set),
 * gemm_packed_avx512.c's kernel runs instead, with the same arithmetic. */
#include <string.h>
#include "strata_gemm.h"
#include "strata_quant.h"
#include "strata_gemm_internal.h"

int64_t strata_packed_panels_count(int64_t k, int64_t n) {
    return ((n + STRATA_PANEL_WIDTH - 1) / STRATA_PANEL_WIDTH) * k * STRATA_PANEL_WIDTH;
}

void strata_pack_panels_f32(const float *b, int64_t ldb, int trans_b, int64_t k, int64_t n, float *packed) {
    const int64_t panels = (n + STRATA_PANEL_WIDTH - 1) / STRATA_PANEL_WIDTH;
    for (int64_t jp = 0; jp < panels; jp++) {
        float *dst = packed + jp * k * STRATA_PANEL_WIDTH;
        const int64_t j0 = jp * STRATA_PANEL_WIDTH;
        const int64_t width = n - j0 < STRATA_PANEL_WIDTH ? n - j0 : STRATA_PANEL_WIDTH;
        for (int64_t p = 0; p < k; p++) {
            float *row = dst + p * STRATA_PANEL_WIDTH;
            int64_t l = 0;
            if (trans_b) {
                for (; l < width; l++) row[l] = b[(j0 + l) * ldb + p];
            } else {
                memcpy(row, b + p * ldb + j0, (size_t)width * sizeof(float));
                l = width;
            }
            for (; l < STRATA_PANEL_WIDTH; l++) row[l] = 0;
        }
    }
}

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma")))
#define INLINE static inline __attribute__((always_inline))

/* rows (1...6) rows of A times one panel; `width` (1...16) columns of C are written. */
AVX2 INLINE void block(int rows, int64_t k, const float *a, int64_t lda, const float *panel,
                       float *c, int64_t ldc, int64_t width, int accumulate) {
    __m256 acc[6][2];
    for (int r = 0; r < 6; r++) { acc[r][0] = _mm256_setzero_ps(); acc[r][1] = _mm256_setzero_ps(); }
    for (int64_t p = 0; p < k; p++) {
        const __m256 b0 = _mm256_loadu_ps(panel + p * STRATA_PANEL_WIDTH);
        const __m256 b1 = _mm256_loadu_ps(panel + p * STRATA_PANEL_WIDTH + 8);
        for (int r = 0; r < rows; r++) {
            const __m256 x = _mm256_broadcast_ss(a + r * lda + p);
            acc[r][0] = _mm256_fmadd_ps(x, b0, acc[r][0]);
            acc[r][1] = _mm256_fmadd_ps(x, b1, acc[r][1]);
        }
    }
    for (int r = 0; r < rows; r++) {
        float *out = c + r * ldc;
        if (width == STRATA_PANEL_WIDTH) {
            if (accumulate) {
                acc[r][0] = _mm256_add_ps(_mm256_loadu_ps(out), acc[r][0]);
                acc[r][1] = _mm256_add_ps(_mm256_loadu_ps(out + 8), acc[r][1]);
            }
            _mm256_storeu_ps(out, acc[r][0]);
            _mm256_storeu_ps(out + 8, acc[r][1]);
        } else {
            float tmp[STRATA_PANEL_WIDTH];
            _mm256_storeu_ps(tmp, acc[r][0]);
            _mm256_storeu_ps(tmp + 8, acc[r][1]);
            if (accumulate) {
                for (int64_t j = 0; j < width; j++) out[j] += tmp[j];
            } else {
                memcpy(out, tmp, (size_t)width * sizeof(float));
            }
        }
    }
}

AVX2 static void gemm_packed_avx2(int64_t m, int64_t n, int64_t k, const float *a, int64_t lda,
                                  const float *packed, int64_t j0, int64_t j1, float *c, int64_t ldc, int accumulate) {
    for (int64_t jp = j0; jp < j1; jp++) {
        const float *panel = packed + jp * k * STRATA_PANEL_WIDTH;
        const int64_t col = jp * STRATA_PANEL_WIDTH;
        const int64_t width = n - col < STRATA_PANEL_WIDTH ? n - col : STRATA_PANEL_WIDTH;
        int64_t i = 0;
        for (; i + 6 <= m; i += 6) block(6, k, a + i * lda, lda, panel, c + i * ldc + col, ldc, width, accumulate);
        switch (m - i) {   /* the constant row counts let the compiler keep the accumulators in registers */
        case 5: block(5, k, a + i * lda, lda, panel, c + i * ldc + col, ldc, width, accumulate); break;
        case 4: block(4, k, a + i * lda, lda, panel, c + i * ldc + col, ldc, width, accumulate); break;
        case 3: block(3, k, a + i * lda, lda, panel, c + i * ldc + col, ldc, width, accumulate); break;
        case 2: block(2, k, a + i * lda, lda, panel, c + i * ldc + col, ldc, width, accumulate); break;
        case 1: block(1, k, a + i * lda, lda, panel, c + i * ldc + col, ldc, width, accumulate); break;
        default: break;
        }
    }
}

int strata_gemm_packed_f32(int64_t m, int64_t n, int64_t k, const float *a, int64_t lda,
                           const float *packed, int64_t j0, int64_t j1, float *c, int64_t ldc, int accumulate) {
    if (strata_quant_best_level() != STRATA_QUANT_AVX2) return 0;
    if (strata_gemm_avx512_enabled()) {
        strata_gemm_packed_f32_avx512(m, n, k, a, lda, packed, j0, j1, c, ldc, accumulate);
        return 1;
    }
    gemm_packed_avx2(m, n, k, a, lda, packed, j0, j1, c, ldc, accumulate);
    return 1;
}

#else

int strata_gemm_packed_f32(int64_t m, int64_t n, int64_t k, const float *a, int64_t lda,
                           const float *packed, int64_t j0, int64_t j1, float *c, int64_t ldc, int accumulate) {
    (void)m; (void)n; (void)k; (void)a; (void)lda; (void)packed; (void)j0; (void)j1; (void)c; (void)ldc; (void)accumulate;
    return 0;
}

#endif
