/* The AVX-512 form of gemm_packed_avx2.c's product: up to 8 rows of A by two 16-column panels
 * (one zmm register per row and panel, sixteen accumulators out of 32 registers), so each
 * broadcast of an A value feeds two multiply-adds and a panel's row is one load. Every C
 * value is the same chain of fused multiply-adds over p as in the AVX2 kernel, so the two
 * give the same bits. A partial last panel is read and written through a lane mask. */
#include <stdlib.h>
#include "strata_gemm.h"
#include "strata_gemm_internal.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#define V512 __attribute__((target("avx512f,avx2,fma")))
#define INLINE static inline __attribute__((always_inline))
enum { ROWS = 8 };

int strata_gemm_avx512_enabled(void) {
    static int cached = -1;
    int v = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (v < 0) {
        __builtin_cpu_init();
        v = __builtin_cpu_supports("avx512f") && getenv("STRATA_NO_AVX512") == NULL;
        __atomic_store_n(&cached, v, __ATOMIC_RELAXED);
    }
    return v;
}

/* `rows` (1...8) rows of A times `panels` (1 or 2) panels; `last` masks the columns of the
 * last panel that exist. Constant `rows` and `panels` keep the accumulators in registers. */
V512 INLINE void block(int rows, int panels, int64_t k, const float *a, int64_t lda, const float *panel,
                       int64_t panel_stride, float *c, int64_t ldc, __mmask16 last, int accumulate) {
    __m512 acc[ROWS][2];
    for (int r = 0; r < ROWS; r++) { acc[r][0] = _mm512_setzero_ps(); acc[r][1] = _mm512_setzero_ps(); }
    for (int64_t p = 0; p < k; p++) {
        const __m512 b0 = _mm512_loadu_ps(panel + p * STRATA_PANEL_WIDTH);
        const __m512 b1 = panels == 2 ? _mm512_loadu_ps(panel + panel_stride + p * STRATA_PANEL_WIDTH) : b0;
        for (int r = 0; r < rows; r++) {
            const __m512 x = _mm512_set1_ps(a[r * lda + p]);
            acc[r][0] = _mm512_fmadd_ps(x, b0, acc[r][0]);
            if (panels == 2) acc[r][1] = _mm512_fmadd_ps(x, b1, acc[r][1]);
        }
    }
    for (int r = 0; r < rows; r++) {
        for (int q = 0; q < panels; q++) {
            float *out = c + r * ldc + q * STRATA_PANEL_WIDTH;
            const __mmask16 mask = q == panels - 1 ? last : (__mmask16)0xFFFF;
            __m512 v = acc[r][q];
            if (accumulate) v = _mm512_add_ps(_mm512_maskz_loadu_ps(mask, out), v);
            _mm512_mask_storeu_ps(out, mask, v);
        }
    }
}

#define BLOCK(R, P) block(R, P, k, a, lda, panel, k * STRATA_PANEL_WIDTH, c, ldc, last, accumulate)
V512 static void tile(int rows, int panels, int64_t k, const float *a, int64_t lda, const float *panel,
                      float *c, int64_t ldc, __mmask16 last, int accumulate) {
    if (panels == 2) {
        switch (rows) {
        case 8: BLOCK(8, 2); break; case 7: BLOCK(7, 2); break; case 6: BLOCK(6, 2); break; case 5: BLOCK(5, 2); break;
        case 4: BLOCK(4, 2); break; case 3: BLOCK(3, 2); break; case 2: BLOCK(2, 2); break; default: BLOCK(1, 2); break;
        }
    } else {
        switch (rows) {
        case 8: BLOCK(8, 1); break; case 7: BLOCK(7, 1); break; case 6: BLOCK(6, 1); break; case 5: BLOCK(5, 1); break;
        case 4: BLOCK(4, 1); break; case 3: BLOCK(3, 1); break; case 2: BLOCK(2, 1); break; default: BLOCK(1, 1); break;
        }
    }
}
#undef BLOCK

V512 void strata_gemm_packed_f32_avx512(int64_t m, int64_t n, int64_t k, const float *a, int64_t lda,
                                        const float *packed, int64_t j0, int64_t j1, float *c, int64_t ldc, int accumulate) {
    for (int64_t jp = j0; jp < j1; jp += 2) {
        const int panels = j1 - jp >= 2 ? 2 : 1;
        const int64_t col = jp * STRATA_PANEL_WIDTH, last_col = (jp + panels - 1) * STRATA_PANEL_WIDTH;
        const int64_t width = n - last_col < STRATA_PANEL_WIDTH ? n - last_col : STRATA_PANEL_WIDTH;
        const __mmask16 last = (__mmask16)((1u << width) - 1);
        for (int64_t i = 0; i < m; i += ROWS) {
            const int rows = m - i < ROWS ? (int)(m - i) : ROWS;
            tile(rows, panels, k, a + i * lda, lda, packed + jp * k * STRATA_PANEL_WIDTH, c + i * ldc + col, ldc, last, accumulate);
        }
    }
}

#else

int strata_gemm_avx512_enabled(void) { return 0; }
void strata_gemm_packed_f32_avx512(int64_t m, int64_t n, int64_t k, const float *a, int64_t lda,
                                   const float *packed, int64_t j0, int64_t j1, float *c, int64_t ldc, int accumulate) {
    (void)m; (void)n; (void)k; (void)a; (void)lda; (void)packed; (void)j0; (void)j1; (void)c; (void)ldc; (void)accumulate;
}

#endif
