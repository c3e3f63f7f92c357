/* The dynamic int8 product (strata_packed.h) with AVX-512 VNNI, for CPUs that have it (Zen4,
 * Intel since Cascade Lake); compiled with target attributes and chosen at run time.
 *
 * _mm512_dpbusd_epi32 multiplies 64 unsigned bytes by 64 signed bytes and adds each group of
 * four products to one of 16 int32 lanes: 64 multiply-adds in one instruction, where float32
 * FMA does 16. The unsigned operand is the activation code shifted by 128 (q + 128 in
 * [1, 255]); the shift is taken back with the weight row's sum:
 *     sum_k q[k] w[k] = sum_k (q[k] + 128) w[k] - 128 sum_k w[k],
 * so the int32 sums, and therefore the results, are the same as the other kernel sets'. The
 * shifted sum can pass 2^31 for long rows (255 * 127 * 2^17), but the adds wrap (dpbusd, not the
 * saturating dpbusds) and the true sum fits in int32 (columns <= 2^17), so the difference is exact.
 * Weights are repacked per call into panels of 16 rows: for each 4 consecutive columns, the
 * 16 rows' 4 bytes (64 bytes, one vector), so one vector meets one broadcast 4-byte group of a
 * token's codes and each lane accumulates one output row; no horizontal sums. */
#include <string.h>
#include "quant_internal.h"
#include "strata_packed.h"

#define PANEL 16     /* rows per panel: the int32 lanes of a vector */
#define TOKENS 8     /* tokens per tile: 2 panels x 8 tokens = 16 accumulators */

int64_t strata_i8_vnni_column_groups(int64_t columns) { return (columns + 3) / 4; }

int64_t strata_i8_vnni_panels(int64_t rows) { return (rows + PANEL - 1) / PANEL; }

void strata_i8_vnni_pack(const int8_t *w, int64_t rows, int64_t columns, int64_t panel_begin, int64_t panel_end,
                         int8_t *packed, int32_t *rowsum) {
    const int64_t groups = strata_i8_vnni_column_groups(columns);
    for (int64_t p = panel_begin; p < panel_end; p++) {
        int8_t *panel = packed + p * groups * 4 * PANEL;
        memset(panel, 0, (size_t)(groups * 4 * PANEL));
        for (int64_t i = 0; i < PANEL; i++) {
            const int64_t r = p * PANEL + i;
            int32_t sum = 0;
            if (r < rows) {
                const int8_t *wr = w + r * columns;
                for (int64_t k = 0; k < columns; k++) {
                    panel[(k / 4) * 4 * PANEL + i * 4 + (k % 4)] = wr[k];
                    sum += wr[k];
                }
            }
            rowsum[r] = sum;
        }
    }
}

#if defined(STRATA_HAVE_AVX2_KERNELS)
#include <immintrin.h>
#define VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))
#define INLINE static inline __attribute__((always_inline))

int strata_i8_vnni_available(void) {
    static int cached = -1;
    int v = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (v < 0) {
        __builtin_cpu_init();
        v = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
            __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
        __atomic_store_n(&cached, v, __ATOMIC_RELAXED);
    }
    return v;
}

/* The same codes as strata_i8_quantize_rows (rint of x / scale, in [-127, 127]) plus 128, row
 * stride ldx; columns ldx - 4 < k < ldx are 128 (code 0). */
VNNI void strata_i8_quantize_rows_u8(const float *x, int64_t rows, int64_t columns, int64_t ldx, uint8_t *u, float *scale) {
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * columns;
        uint8_t *ur = u + r * ldx;
        __m512 m = _mm512_setzero_ps();
        int64_t k = 0;
        for (; k + 16 <= columns; k += 16) m = _mm512_max_ps(m, _mm512_abs_ps(_mm512_loadu_ps(xr + k)));
        if (k < columns) {
            const __mmask16 tail = (__mmask16)((1u << (columns - k)) - 1);
            m = _mm512_max_ps(m, _mm512_abs_ps(_mm512_maskz_loadu_ps(tail, xr + k)));
        }
        const float amax = _mm512_reduce_max_ps(m);
        const float d = amax / 127.0f;
        const float id = d > 0 ? 1.0f / d : 0.0f;
        const __m512 vid = _mm512_set1_ps(id);
        const __m512i lo = _mm512_set1_epi32(-127), hi = _mm512_set1_epi32(127), shift = _mm512_set1_epi32(128);
        for (k = 0; k < columns; k += 16) {
            const int64_t n = columns - k < 16 ? columns - k : 16;
            const __mmask16 mask = (__mmask16)(n == 16 ? 0xFFFF : (1u << n) - 1);
            /* cvtps_epi32 rounds to nearest even, as rintf does in the default mode */
            __m512i q = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_maskz_loadu_ps(mask, xr + k), vid));
            q = _mm512_add_epi32(_mm512_min_epi32(_mm512_max_epi32(q, lo), hi), shift);
            _mm_mask_storeu_epi8(ur + k, mask, _mm512_cvtepi32_epi8(q));
        }
        for (k = columns; k < ldx; k++) ur[k] = 128;
        scale[r] = d;
    }
}

/* NP panels (1 or 2) of packed weights times NT tokens (constants once inlined). */
VNNI INLINE void tile(const int NP, const int NT, const int8_t *panel, int64_t panel_bytes, int64_t groups,
                      const uint8_t *xu, int64_t ldx, const float *xscale, const int32_t *rowsum, const float *wscale,
                      int64_t row0, int64_t rows, float *y, int64_t ldy) {
    __m512i acc[2][TOKENS];
    for (int p = 0; p < NP; p++)
        for (int t = 0; t < NT; t++) acc[p][t] = _mm512_setzero_si512();
    for (int64_t g = 0; g < groups; g++) {
        __m512i w[2];
        for (int p = 0; p < NP; p++) w[p] = _mm512_loadu_si512((const void *)(panel + p * panel_bytes + g * 4 * PANEL));
        for (int t = 0; t < NT; t++) {
            int32_t four;
            memcpy(&four, xu + t * ldx + 4 * g, 4);
            const __m512i xb = _mm512_set1_epi32(four);
            for (int p = 0; p < NP; p++) acc[p][t] = _mm512_dpbusd_epi32(acc[p][t], xb, w[p]);
        }
    }
    for (int p = 0; p < NP; p++) {
        const int64_t r = row0 + p * PANEL;
        const int64_t n = rows - r < PANEL ? rows - r : PANEL;
        const __mmask16 mask = (__mmask16)(n == PANEL ? 0xFFFF : (1u << n) - 1);
        const __m512i shift = _mm512_slli_epi32(_mm512_maskz_loadu_epi32(mask, rowsum + r), 7);   /* 128 sum w */
        const __m512 ws = _mm512_maskz_loadu_ps(mask, wscale + r);
        for (int t = 0; t < NT; t++) {
            const __m512 s = _mm512_cvtepi32_ps(_mm512_sub_epi32(acc[p][t], shift));
            _mm512_mask_storeu_ps(y + t * ldy + r, mask, _mm512_mul_ps(_mm512_mul_ps(s, _mm512_set1_ps(xscale[t])), ws));
        }
    }
}

#define TILE_CASES(NP)                                                                                         \
    switch (nt) {                                                                                              \
    case 1: tile(NP, 1, panel, panel_bytes, groups, x, ldx, xs, rowsum, wscale, row0, rows, yt, ldy); break;   \
    case 2: tile(NP, 2, panel, panel_bytes, groups, x, ldx, xs, rowsum, wscale, row0, rows, yt, ldy); break;   \
    case 3: tile(NP, 3, panel, panel_bytes, groups, x, ldx, xs, rowsum, wscale, row0, rows, yt, ldy); break;   \
    case 4: tile(NP, 4, panel, panel_bytes, groups, x, ldx, xs, rowsum, wscale, row0, rows, yt, ldy); break;   \
    case 5: tile(NP, 5, panel, panel_bytes, groups, x, ldx, xs, rowsum, wscale, row0, rows, yt, ldy); break;   \
    case 6: tile(NP, 6, panel, panel_bytes, groups, x, ldx, xs, rowsum, wscale, row0, rows, yt, ldy); break;   \
    case 7: tile(NP, 7, panel, panel_bytes, groups, x, ldx, xs, rowsum, wscale, row0, rows, yt, ldy); break;   \
    default: tile(NP, 8, panel, panel_bytes, groups, x, ldx, xs, rowsum, wscale, row0, rows, yt, ldy); break;  \
    }

VNNI void strata_i8_vnni_matmul(const int8_t *packed, const int32_t *rowsum, const float *wscale, int64_t rows,
                                int64_t columns, int64_t panel_begin, int64_t panel_end, const uint8_t *xu,
                                const float *xscale, int64_t tokens, float *y, int64_t ldy) {
    const int64_t groups = strata_i8_vnni_column_groups(columns), ldx = 4 * groups;
    const int64_t panel_bytes = groups * 4 * PANEL;
    for (int64_t p = panel_begin; p < panel_end; p += 2) {
        const int8_t *panel = packed + p * panel_bytes;
        const int64_t row0 = p * PANEL;
        /* The panels stay in the first-level cache while every tile of tokens passes them. */
        for (int64_t t0 = 0; t0 < tokens; t0 += TOKENS) {
            const int nt = (int)(tokens - t0 < TOKENS ? tokens - t0 : TOKENS);
            const uint8_t *x = xu + t0 * ldx;
            const float *xs = xscale + t0;
            float *yt = y + t0 * ldy;
            if (p + 1 < panel_end) { TILE_CASES(2) } else { TILE_CASES(1) }
        }
    }
}
#else
int strata_i8_vnni_available(void) { return 0; }
void strata_i8_quantize_rows_u8(const float *x, int64_t rows, int64_t columns, int64_t ldx, uint8_t *u, float *scale) {
    (void)x; (void)rows; (void)columns; (void)ldx; (void)u; (void)scale;
}
void strata_i8_vnni_matmul(const int8_t *packed, const int32_t *rowsum, const float *wscale, int64_t rows,
                           int64_t columns, int64_t panel_begin, int64_t panel_end, const uint8_t *xu,
                           const float *xscale, int64_t tokens, float *y, int64_t ldy) {
    (void)packed; (void)rowsum; (void)wscale; (void)rows; (void)columns; (void)panel_begin; (void)panel_end;
    (void)xu; (void)xscale; (void)tokens; (void)y; (void)ldy;
}
#endif
