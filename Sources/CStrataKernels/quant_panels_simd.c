/* Products with panel-packed Q4_0, Q4_1 and Q8_0 matrices (layout: quant_panels.c): AVX-512
 * VNNI where the CPU has it, else AVX2; compiled with target attributes, chosen at run time.
 *
 * One vector holds, per row of the panel, the int16 codes of two columns; one multiply-add
 * with the 32-bit broadcast of the token's two activation codes adds both products into that
 * row's int32 lane (_mm512_dpwssd_epi32: 16 rows x 2 columns, or _mm256_madd_epi16 for 8 rows).
 * No horizontal sums: each lane is one output, and a block's 16 (or 8) sums are scaled at once.
 * The weights of a panel block are unpacked once for a tile of up to 8 tokens, so a batch of
 * sequences costs little more weight traffic than one; each token's result depends only on
 * its own codes, so a sequence gets the same bits alone or in any batch, with either set.
 *
 * The sums are exact in int32 (|w| <= 128, |x code| <= 32767, 32 products per block), and the
 * float steps are those of the portable version: acc = fma(sum, d * dx, acc); acc = fma(m, sum_x, acc). */
#include <stdlib.h>
#include "quant_internal.h"
#include "strata_packed.h"

#if defined(STRATA_HAVE_AVX2_KERNELS)
#include <immintrin.h>

#define V512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")))
#define AVX2 __attribute__((target("avx2,fma,f16c")))
#define INLINE static inline __attribute__((always_inline))
#define UNROLL _Pragma("clang loop unroll(full)")

enum { PANEL = 16, MAX_TILE = 8, HALF = 8 };

/* The CPU check of the packed int8 kernels (packed_int_vnni.c), unless the environment sets
 * STRATA_NO_AVX512 (read once). */
static int has_vnni(void) {
    static int cached = -1;
    int v = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (v < 0) {
        v = strata_i8_vnni_available() && getenv("STRATA_NO_AVX512") == NULL;
        __atomic_store_n(&cached, v, __ATOMIC_RELAXED);
    }
    return v;
}

/* Independent int32 accumulators per token: enough chains to hide the multiply-add latency. */
#define CHAINS(TT) ((TT) >= 6 ? 1 : (TT) >= 3 ? 2 : 4)

static inline int32_t pair_at(const int16_t *q) {
    int32_t v;
    memcpy(&v, q, sizeof v);
    return v;
}

/* MARK: - AVX-512 VNNI: 16 rows per vector */

V512 INLINE void tile512(const uint32_t type, const int TT, const uint8_t *panel, int64_t nb, size_t block,
                         const strata_code_row *c, float *y, int64_t ldy, __mmask16 mask) {
    const int A = CHAINS(TT);
    __m512 fa[MAX_TILE];
    UNROLL for (int t = 0; t < TT; t++) fa[t] = _mm512_setzero_ps();
    const __m512i nibble = _mm512_set1_epi16(0x000F);
    for (int64_t b = 0; b < nb; b++) {
        const uint8_t *pb = panel + (size_t)b * block;
        __m512i ia[MAX_TILE][4];
        UNROLL for (int t = 0; t < TT; t++) UNROLL for (int a = 0; a < A; a++) ia[t][a] = _mm512_setzero_si512();
        if (type == STRATA_GGML_Q8_0) {
            UNROLL for (int u = 0; u < 8; u++) {
                const __m512i v = _mm512_loadu_si512((const void *)(pb + 2 * PANEL + 64 * u));
                const __m512i lo = _mm512_srai_epi16(_mm512_slli_epi16(v, 8), 8), hi = _mm512_srai_epi16(v, 8);
                UNROLL for (int t = 0; t < TT; t++) {
                    const int16_t *xq = c[t].q + b * QK + 4 * u;
                    ia[t][(2 * u) % A] = _mm512_dpwssd_epi32(ia[t][(2 * u) % A], lo, _mm512_set1_epi32(pair_at(xq)));
                    ia[t][(2 * u + 1) % A] = _mm512_dpwssd_epi32(ia[t][(2 * u + 1) % A], hi, _mm512_set1_epi32(pair_at(xq + 2)));
                }
            }
        } else {
            UNROLL for (int s = 0; s < 4; s++) {
                const __m512i v = _mm512_loadu_si512((const void *)(pb + 4 * PANEL + 64 * s));
                const __m512i w[4] = { _mm512_and_si512(v, nibble), _mm512_and_si512(_mm512_srli_epi16(v, 4), nibble),
                                       _mm512_and_si512(_mm512_srli_epi16(v, 8), nibble), _mm512_srli_epi16(v, 12) };
                UNROLL for (int t = 0; t < TT; t++) {
                    const int16_t *xq = c[t].q + b * QK + 8 * s;
                    UNROLL for (int k = 0; k < 4; k++)
                        ia[t][k % A] = _mm512_dpwssd_epi32(ia[t][k % A], w[k], _mm512_set1_epi32(pair_at(xq + 2 * k)));
                }
            }
        }
        const __m512 d = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)pb));
        const __m512 m = type == STRATA_GGML_Q8_0 ? _mm512_setzero_ps()
                                                  : _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(pb + 2 * PANEL)));
        UNROLL for (int t = 0; t < TT; t++) {
            __m512i sum = ia[t][0];
            UNROLL for (int a = 1; a < A; a++) sum = _mm512_add_epi32(sum, ia[t][a]);
            fa[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum), _mm512_mul_ps(d, _mm512_set1_ps(c[t].ds[2 * b])), fa[t]);
            if (type != STRATA_GGML_Q8_0) fa[t] = _mm512_fmadd_ps(m, _mm512_set1_ps(c[t].ds[2 * b + 1]), fa[t]);
        }
    }
    UNROLL for (int t = 0; t < TT; t++) _mm512_mask_storeu_ps(y + t * ldy, mask, fa[t]);
}

typedef void (*tile512_fn)(const uint8_t *panel, int64_t nb, size_t block, const strata_code_row *c, float *y,
                           int64_t ldy, __mmask16 mask);
#define T512(TYPE, NAME, TT) \
    static V512 void NAME##_##TT(const uint8_t *p, int64_t nb, size_t block, const strata_code_row *c, float *y, int64_t ldy, __mmask16 mask) { \
        tile512(TYPE, TT, p, nb, block, c, y, ldy, mask); }
#define T512S(TYPE, NAME) T512(TYPE, NAME, 1) T512(TYPE, NAME, 2) T512(TYPE, NAME, 3) T512(TYPE, NAME, 4) \
                          T512(TYPE, NAME, 5) T512(TYPE, NAME, 6) T512(TYPE, NAME, 7) T512(TYPE, NAME, 8)
T512S(STRATA_GGML_Q4_1, v512_q4) T512S(STRATA_GGML_Q8_0, v512_q8)
static const tile512_fn v512_q4[MAX_TILE + 1] = { 0, v512_q4_1, v512_q4_2, v512_q4_3, v512_q4_4, v512_q4_5, v512_q4_6, v512_q4_7, v512_q4_8 };
static const tile512_fn v512_q8[MAX_TILE + 1] = { 0, v512_q8_1, v512_q8_2, v512_q8_3, v512_q8_4, v512_q8_5, v512_q8_6, v512_q8_7, v512_q8_8 };

/* MARK: - AVX2: each panel as two halves of 8 rows */

enum { TILE256 = 4 };

AVX2 INLINE void tile256(const uint32_t type, const int TT, const uint8_t *panel, int64_t nb, size_t block, int half,
                         const strata_code_row *c, float *y, int64_t ldy, int valid) {
    const int A = CHAINS(TT);
    __m256 fa[TILE256];
    UNROLL for (int t = 0; t < TT; t++) fa[t] = _mm256_setzero_ps();
    const __m256i nibble = _mm256_set1_epi16(0x000F);
    for (int64_t b = 0; b < nb; b++) {
        const uint8_t *pb = panel + (size_t)b * block;
        __m256i ia[TILE256][4];
        UNROLL for (int t = 0; t < TT; t++) UNROLL for (int a = 0; a < A; a++) ia[t][a] = _mm256_setzero_si256();
        if (type == STRATA_GGML_Q8_0) {
            UNROLL for (int u = 0; u < 8; u++) {
                const __m256i v = _mm256_loadu_si256((const __m256i *)(pb + 2 * PANEL + 64 * u + 32 * half));
                const __m256i lo = _mm256_srai_epi16(_mm256_slli_epi16(v, 8), 8), hi = _mm256_srai_epi16(v, 8);
                UNROLL for (int t = 0; t < TT; t++) {
                    const int16_t *xq = c[t].q + b * QK + 4 * u;
                    ia[t][(2 * u) % A] = _mm256_add_epi32(ia[t][(2 * u) % A], _mm256_madd_epi16(lo, _mm256_set1_epi32(pair_at(xq))));
                    ia[t][(2 * u + 1) % A] = _mm256_add_epi32(ia[t][(2 * u + 1) % A], _mm256_madd_epi16(hi, _mm256_set1_epi32(pair_at(xq + 2))));
                }
            }
        } else {
            UNROLL for (int s = 0; s < 4; s++) {
                const __m256i v = _mm256_loadu_si256((const __m256i *)(pb + 4 * PANEL + 64 * s + 32 * half));
                const __m256i w[4] = { _mm256_and_si256(v, nibble), _mm256_and_si256(_mm256_srli_epi16(v, 4), nibble),
                                       _mm256_and_si256(_mm256_srli_epi16(v, 8), nibble), _mm256_srli_epi16(v, 12) };
                UNROLL for (int t = 0; t < TT; t++) {
                    const int16_t *xq = c[t].q + b * QK + 8 * s;
                    UNROLL for (int k = 0; k < 4; k++)
                        ia[t][k % A] = _mm256_add_epi32(ia[t][k % A], _mm256_madd_epi16(w[k], _mm256_set1_epi32(pair_at(xq + 2 * k))));
                }
            }
        }
        const __m256 d = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(pb + 2 * HALF * half)));
        const __m256 m = type == STRATA_GGML_Q8_0 ? _mm256_setzero_ps()
                                                  : _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(pb + 2 * PANEL + 2 * HALF * half)));
        UNROLL for (int t = 0; t < TT; t++) {
            __m256i sum = ia[t][0];
            UNROLL for (int a = 1; a < A; a++) sum = _mm256_add_epi32(sum, ia[t][a]);
            fa[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum), _mm256_mul_ps(d, _mm256_set1_ps(c[t].ds[2 * b])), fa[t]);
            if (type != STRATA_GGML_Q8_0) fa[t] = _mm256_fmadd_ps(m, _mm256_set1_ps(c[t].ds[2 * b + 1]), fa[t]);
        }
    }
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(valid), lanes);
    UNROLL for (int t = 0; t < TT; t++) _mm256_maskstore_ps(y + t * ldy, mask, fa[t]);
}

typedef void (*tile256_fn)(const uint8_t *panel, int64_t nb, size_t block, int half, const strata_code_row *c,
                           float *y, int64_t ldy, int valid);
#define T256(TYPE, NAME, TT) \
    static AVX2 void NAME##_##TT(const uint8_t *p, int64_t nb, size_t block, int half, const strata_code_row *c, float *y, int64_t ldy, int valid) { \
        tile256(TYPE, TT, p, nb, block, half, c, y, ldy, valid); }
#define T256S(TYPE, NAME) T256(TYPE, NAME, 1) T256(TYPE, NAME, 2) T256(TYPE, NAME, 3) T256(TYPE, NAME, 4)
T256S(STRATA_GGML_Q4_1, v256_q4) T256S(STRATA_GGML_Q8_0, v256_q8)
static const tile256_fn v256_q4[TILE256 + 1] = { 0, v256_q4_1, v256_q4_2, v256_q4_3, v256_q4_4 };
static const tile256_fn v256_q8[TILE256 + 1] = { 0, v256_q8_1, v256_q8_2, v256_q8_3, v256_q8_4 };

/* MARK: - Driver */

void strata_simd_panels_matmul(uint32_t type, const uint8_t *panels, int64_t rows, int64_t columns, int64_t panel_begin,
                               int64_t panel_end, const void *codes, int64_t tokens, float *y, int64_t ldy) {
    const int64_t nb = columns / QK;
    const size_t block = strata_quant_panel_block_bytes(type);
    const int q8 = type == STRATA_GGML_Q8_0;
    const int wide = has_vnni();
    const int tile = wide ? MAX_TILE : TILE256;
    for (int64_t p = panel_begin; p < panel_end; p++) {
        const uint8_t *panel = panels + (size_t)(p * nb) * block;
        const int64_t left = rows - p * PANEL;
        const int valid = (int)(left < PANEL ? left : PANEL);
        for (int64_t t0 = 0; t0 < tokens; t0 += tile) {
            const int tt = (int)(tokens - t0 < tile ? tokens - t0 : tile);
            strata_code_row c[MAX_TILE];
            for (int t = 0; t < tt; t++) c[t] = strata_code_row_at(codes, t0 + t, nb);
            float *out = y + t0 * ldy + p * PANEL;
            if (wide) {
                (q8 ? v512_q8 : v512_q4)[tt](panel, nb, block, c, out, ldy, (__mmask16)((1u << valid) - 1));
            } else {
                for (int half = 0; half < 2 && half * HALF < valid; half++)
                    (q8 ? v256_q8 : v256_q4)[tt](panel, nb, block, half, c, out + half * HALF, ldy, valid - half * HALF);
            }
        }
    }
}
#endif
