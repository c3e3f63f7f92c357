/* Kernels of strata_packed.h: portable C, and AVX2 + FMA versions compiled with target
 * attributes and chosen at run time (as the GGML kernels are). Rows are processed for a tile of
 * up to TILE tokens at once, so that each weight row is expanded once per tile. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "quant_internal.h"
#include "strata_packed.h"

#define TILE 4

void strata_i8_quantize_rows(const float *x, int64_t rows, int64_t columns, int8_t *q, float *scale) {
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * columns;
        int8_t *qr = q + r * columns;
        float amax = 0;
        for (int64_t k = 0; k < columns; k++) { float a = fabsf(xr[k]); if (a > amax) amax = a; }
        float d = amax / 127.0f;
        float id = d > 0 ? 1.0f / d : 0.0f;
        for (int64_t k = 0; k < columns; k++) {
            float v = rintf(xr[k] * id);
            if (v > 127) v = 127;
            if (v < -127) v = -127;
            qr[k] = (int8_t)v;
        }
        scale[r] = d;
    }
}

/* ---------- portable C ---------- */

static void scalar_i8_f32(const int8_t *w, const float *wscale, int64_t columns, int64_t r0, int64_t r1,
                          const float *x, int64_t tokens, float *y, int64_t ldy) {
    for (int64_t r = r0; r < r1; r++) {
        const int8_t *wr = w + r * columns;
        for (int64_t t = 0; t < tokens; t++) {
            const float *xt = x + t * columns;
            float s = 0;
            for (int64_t k = 0; k < columns; k++) s += xt[k] * (float)wr[k];
            y[t * ldy + r] = s * wscale[r];
        }
    }
}

static void scalar_i8_i8(const int8_t *w, const float *wscale, int64_t columns, int64_t r0, int64_t r1,
                         const int8_t *xq, const float *xscale, int64_t tokens, float *y, int64_t ldy) {
    for (int64_t r = r0; r < r1; r++) {
        const int8_t *wr = w + r * columns;
        for (int64_t t = 0; t < tokens; t++) {
            const int8_t *xt = xq + t * columns;
            int32_t s = 0;
            for (int64_t k = 0; k < columns; k++) s += (int32_t)xt[k] * (int32_t)wr[k];
            y[t * ldy + r] = (float)s * xscale[t] * wscale[r];
        }
    }
}

static void scalar_i4_f32(const uint8_t *w, const float *scale, int64_t columns, int64_t group, int64_t r0, int64_t r1,
                          const float *x, int64_t tokens, float *y, int64_t ldy) {
    int64_t groups = columns / group;
    for (int64_t r = r0; r < r1; r++) {
        const uint8_t *wr = w + r * (columns / 2);
        const float *sr = scale + r * groups;
        for (int64_t t = 0; t < tokens; t++) {
            const float *xt = x + t * columns;
            float total = 0;
            for (int64_t g = 0; g < groups; g++) {
                float s = 0;
                for (int64_t k = g * group; k < (g + 1) * group; k += 2) {
                    uint8_t b = wr[k / 2];
                    s += xt[k] * (float)((int)(b & 0x0F) - 8) + xt[k + 1] * (float)((int)(b >> 4) - 8);
                }
                total += s * sr[g];
            }
            y[t * ldy + r] = total;
        }
    }
}

/* ---------- AVX2 + FMA ---------- */
#if defined(STRATA_HAVE_AVX2_KERNELS)
#include <immintrin.h>
#define AVX2 __attribute__((target("avx2,fma")))

AVX2 static inline float hsum_ps(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

AVX2 static inline int32_t hsum_epi32(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm_cvtsi128_si32(s);
}

#define INLINE static inline __attribute__((always_inline))

/* 8 int8 weights at p as floats. */
AVX2 INLINE __m256 load8_i8(const int8_t *p) {
    return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)p)));
}

/* Weight-only int8 rows [r0, r1) times TT tokens (TT a constant 1...TILE once inlined, so the
 * accumulators stay in registers: with TT a run-time count they were arrays on the stack, and
 * one token's product ran at a quarter of the speed of this loop). */
AVX2 INLINE void i8_f32_tile(const int TT, const int8_t *w, const float *wscale, int64_t columns, int64_t r0, int64_t r1,
                             const float *x, float *y, int64_t ldy) {
    const int64_t body = columns & ~(int64_t)15;
    for (int64_t r = r0; r < r1; r++) {
        const int8_t *wr = w + r * columns;
        __m256 a0[TILE], a1[TILE];
        for (int t = 0; t < TT; t++) { a0[t] = _mm256_setzero_ps(); a1[t] = _mm256_setzero_ps(); }
        for (int64_t k = 0; k < body; k += 16) {
            const __m256 w0 = load8_i8(wr + k), w1 = load8_i8(wr + k + 8);
            for (int t = 0; t < TT; t++) {
                const float *xt = x + t * columns + k;
                a0[t] = _mm256_fmadd_ps(w0, _mm256_loadu_ps(xt), a0[t]);
                a1[t] = _mm256_fmadd_ps(w1, _mm256_loadu_ps(xt + 8), a1[t]);
            }
        }
        for (int t = 0; t < TT; t++) {
            const float *xt = x + t * columns;
            float s = hsum_ps(_mm256_add_ps(a0[t], a1[t]));
            for (int64_t k = body; k < columns; k++) s += xt[k] * (float)wr[k];
            y[t * ldy + r] = s * wscale[r];
        }
    }
}

/* 16 int4 weights (8 bytes at p, natural order) times their group's scale, as two vectors of floats. */
AVX2 INLINE void load16_i4(const uint8_t *p, __m256 scale, __m256 *lo, __m256 *hi) {
    const __m128i b = _mm_loadl_epi64((const __m128i *)p);
    const __m128i mask = _mm_set1_epi8(0x0F);
    const __m128i l = _mm_and_si128(b, mask), h = _mm_and_si128(_mm_srli_epi16(b, 4), mask);
    const __m128i v = _mm_sub_epi8(_mm_unpacklo_epi8(l, h), _mm_set1_epi8(8));   /* 16 values in order */
    *lo = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(v)), scale);
    *hi = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(v, 8))), scale);
}

/* int4 rows [r0, r1) times TT tokens. Each weight is scaled by its group's scale before the
 * multiply-add, so one pair of accumulators per token runs through the whole row (the scale
 * multiplies once per weight rather than once per weight and token, and no group needs its own sum). */
AVX2 INLINE void i4_f32_tile(const int TT, const uint8_t *w, const float *scale, int64_t columns, int64_t group,
                             int64_t r0, int64_t r1, const float *x, float *y, int64_t ldy) {
    const int64_t groups = columns / group;
    for (int64_t r = r0; r < r1; r++) {
        const uint8_t *wr = w + r * (columns / 2);
        const float *sr = scale + r * groups;
        __m256 a0[TILE], a1[TILE];
        for (int t = 0; t < TT; t++) { a0[t] = _mm256_setzero_ps(); a1[t] = _mm256_setzero_ps(); }
        for (int64_t g = 0; g < groups; g++) {
            const __m256 s = _mm256_set1_ps(sr[g]);
            for (int64_t k = g * group; k < (g + 1) * group; k += 16) {
                __m256 w0, w1;
                load16_i4(wr + k / 2, s, &w0, &w1);
                for (int t = 0; t < TT; t++) {
                    const float *xt = x + t * columns + k;
                    a0[t] = _mm256_fmadd_ps(w0, _mm256_loadu_ps(xt), a0[t]);
                    a1[t] = _mm256_fmadd_ps(w1, _mm256_loadu_ps(xt + 8), a1[t]);
                }
            }
        }
        for (int t = 0; t < TT; t++) y[t * ldy + r] = hsum_ps(_mm256_add_ps(a0[t], a1[t]));
    }
}

/* NAME(nt, ...) runs TILE_FN with the constant token count nt (1...TILE), one inlined copy each. */
#define TILED(NAME, TILE_FN, PARAMS, ARGS)                                                          \
    AVX2 static void NAME(int64_t nt, PARAMS) {                                                    \
        switch (nt) {                                                                              \
        case 1: TILE_FN(1, ARGS); break;                                                           \
        case 2: TILE_FN(2, ARGS); break;                                                           \
        case 3: TILE_FN(3, ARGS); break;                                                           \
        default: TILE_FN(4, ARGS); break;                                                          \
        }                                                                                          \
    }
#define COMMA ,
TILED(i8_f32, i8_f32_tile,
      const int8_t *w COMMA const float *wscale COMMA int64_t columns COMMA int64_t r0 COMMA int64_t r1 COMMA const float *x COMMA
      float *y COMMA int64_t ldy,
      w COMMA wscale COMMA columns COMMA r0 COMMA r1 COMMA x COMMA y COMMA ldy)
TILED(i4_f32, i4_f32_tile,
      const uint8_t *w COMMA const float *scale COMMA int64_t columns COMMA int64_t group COMMA int64_t r0 COMMA int64_t r1 COMMA
      const float *x COMMA float *y COMMA int64_t ldy,
      w COMMA scale COMMA columns COMMA group COMMA r0 COMMA r1 COMMA x COMMA y COMMA ldy)

static void avx2_i8_f32(const int8_t *w, const float *wscale, int64_t columns, int64_t r0, int64_t r1,
                        const float *x, int64_t tokens, float *y, int64_t ldy) {
    for (int64_t t0 = 0; t0 < tokens; t0 += TILE) {
        const float *xt = x + t0 * columns;
        float *yt = y + t0 * ldy;
        i8_f32(tokens - t0 < TILE ? tokens - t0 : TILE, w, wscale, columns, r0, r1, xt, yt, ldy);
    }
}

static void avx2_i4_f32(const uint8_t *w, const float *scale, int64_t columns, int64_t group, int64_t r0, int64_t r1,
                        const float *x, int64_t tokens, float *y, int64_t ldy) {
    for (int64_t t0 = 0; t0 < tokens; t0 += TILE) {
        const float *xt = x + t0 * columns;
        float *yt = y + t0 * ldy;
        i4_f32(tokens - t0 < TILE ? tokens - t0 : TILE, w, scale, columns, group, r0, r1, xt, yt, ldy);
    }
}

/* Dynamic int8 rows [r0, r1) times TT tokens (a constant once inlined, as above). */
AVX2 INLINE void i8_i8_tile(const int TT, const int8_t *w, const float *wscale, int64_t columns, int64_t r0, int64_t r1,
                            const int8_t *xq, const float *xscale, float *y, int64_t ldy) {
    const int64_t body = columns & ~(int64_t)31;
    const __m256i ones = _mm256_set1_epi16(1);
    for (int64_t r = r0; r < r1; r++) {
        const int8_t *wr = w + r * columns;
        __m256i acc[TILE];
        for (int t = 0; t < TT; t++) acc[t] = _mm256_setzero_si256();
        for (int64_t k = 0; k < body; k += 32) {
            const __m256i wv = _mm256_loadu_si256((const __m256i *)(wr + k));
            for (int t = 0; t < TT; t++) {
                const __m256i xv = _mm256_loadu_si256((const __m256i *)(xq + t * columns + k));
                /* maddubs multiplies unsigned by signed bytes: |x| times w with x's sign. Codes
                 * lie in [-127, 127], so a pair sum is at most 2 * 127 * 127 (no saturation). */
                const __m256i pairs = _mm256_maddubs_epi16(_mm256_sign_epi8(xv, xv), _mm256_sign_epi8(wv, xv));
                acc[t] = _mm256_add_epi32(acc[t], _mm256_madd_epi16(pairs, ones));
            }
        }
        for (int t = 0; t < TT; t++) {
            const int8_t *xt = xq + t * columns;
            int32_t s = hsum_epi32(acc[t]);
            for (int64_t k = body; k < columns; k++) s += (int32_t)xt[k] * (int32_t)wr[k];
            y[t * ldy + r] = (float)s * xscale[t] * wscale[r];
        }
    }
}

TILED(i8_i8, i8_i8_tile,
      const int8_t *w COMMA const float *wscale COMMA int64_t columns COMMA int64_t r0 COMMA int64_t r1 COMMA const int8_t *xq COMMA
      const float *xscale COMMA float *y COMMA int64_t ldy,
      w COMMA wscale COMMA columns COMMA r0 COMMA r1 COMMA xq COMMA xscale COMMA y COMMA ldy)

static void avx2_i8_i8(const int8_t *w, const float *wscale, int64_t columns, int64_t r0, int64_t r1,
                       const int8_t *xq, const float *xscale, int64_t tokens, float *y, int64_t ldy) {
    for (int64_t t0 = 0; t0 < tokens; t0 += TILE) {
        const int8_t *xt = xq + t0 * columns;
        const float *st = xscale + t0;
        float *yt = y + t0 * ldy;
        i8_i8(tokens - t0 < TILE ? tokens - t0 : TILE, w, wscale, columns, r0, r1, xt, st, yt, ldy);
    }
}
#endif

/* ---------- dispatch ---------- */

void strata_i8_matmul_f32(int level, const int8_t *w, const float *wscale, int64_t columns,
                          int64_t row_begin, int64_t row_end, const float *x, int64_t tokens, float *y, int64_t ldy) {
#if defined(STRATA_HAVE_AVX2_KERNELS)
    if (strata_use_avx2(level)) { avx2_i8_f32(w, wscale, columns, row_begin, row_end, x, tokens, y, ldy); return; }
#endif
    (void)level;
    scalar_i8_f32(w, wscale, columns, row_begin, row_end, x, tokens, y, ldy);
}

void strata_i8_matmul_i8(int level, const int8_t *w, const float *wscale, int64_t columns,
                         int64_t row_begin, int64_t row_end, const int8_t *xq, const float *xscale,
                         int64_t tokens, float *y, int64_t ldy) {
#if defined(STRATA_HAVE_AVX2_KERNELS)
    if (strata_use_avx2(level)) { avx2_i8_i8(w, wscale, columns, row_begin, row_end, xq, xscale, tokens, y, ldy); return; }
#endif
    (void)level;
    scalar_i8_i8(w, wscale, columns, row_begin, row_end, xq, xscale, tokens, y, ldy);
}

void strata_i4_matmul_f32(int level, const uint8_t *w, const float *scale, int64_t columns, int64_t group,
                          int64_t row_begin, int64_t row_end, const float *x, int64_t tokens, float *y, int64_t ldy) {
#if defined(STRATA_HAVE_AVX2_KERNELS)
    if (strata_use_avx2(level) && group % 16 == 0) {
        avx2_i4_f32(w, scale, columns, group, row_begin, row_end, x, tokens, y, ldy);
        return;
    }
#endif
    (void)level;
    scalar_i4_f32(w, scale, columns, group, row_begin, row_end, x, tokens, y, ldy);
}
