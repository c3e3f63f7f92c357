/* AVX2 + FMA + F16C kernels, compiled with target attributes (no global flags) and chosen at
 * run time. Integer products: 16 weight codes widened to int16 meet 16 activation codes in
 * one _mm256_madd_epi16 (exact int32 pair sums); each block's 8 int32 lanes are converted
 * once and scaled into a float accumulator, which is summed across lanes at the end of the row.
 *
 * Measured for Q4_1 576x1536 times one token, one Zen3 core (thread CPU time, best of many):
 *   int16 codes, _mm256_madd_epi16 (this file)    13.3 GB/s of weights   error 2e-6 of sum|x w|
 *   int8 codes, _mm256_maddubs_epi16 (llama.cpp)  11-14 GB/s              error 5e-4 to 1e-3
 *   float32 x, dequantise + FMA                    5.6 GB/s               error 4e-8
 * int16 codes run as fast as int8 ones and are 200 times more accurate. */
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#include <math.h>
#include "quant_internal.h"
#include "simd_avx2.h"

#define AVX2 __attribute__((target("avx2,fma,f16c")))
#define INLINE static inline __attribute__((always_inline))

/* Tokens processed together: each weight block is unpacked once for all of them. */
#define TOKEN_TILE 4
/* Most rows in a group of weight rows. */
#define MAX_GROUP_ROWS 64

#ifdef STRATA_NO_PREFETCH
#define PREFETCH(p) ((void)0)
#else
/* Decoding streams the weights from memory once per product. The hardware prefetcher stops at
 * 4 KB pages; asking one page ahead measured about 25% faster on a 30 MB Q8_0 matrix (Zen3). */
#define PREFETCH(p) _mm_prefetch((const char *)(p) + STRATA_PREFETCH_DISTANCE, _MM_HINT_T0)
#ifndef STRATA_PREFETCH_DISTANCE
#define STRATA_PREFETCH_DISTANCE 4096
#endif
#endif

AVX2 INLINE float hmax8(__m256 v) {
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

AVX2 INLINE __m256i load_i16x16(const int16_t *p) { return _mm256_loadu_si256((const __m256i *)p); }

/* 16 bytes widened to 16 int16. The empty asm keeps the compiler from splitting the nibbles
 * in 8-bit lanes first and widening twice (one widening shuffle instead of two). */
AVX2 INLINE __m256i widen_u8(const uint8_t *p) {
    __m256i w = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)p));
    __asm__("" : "+x"(w));
    return w;
}

/* MARK: - Activation codes (same rounding as the scalar version: the codes are identical) */

AVX2 void strata_avx2_make_codes(const float *x, int64_t tokens, int64_t columns, void *codes) {
    const int64_t nb = columns / QK;
    const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF));
    for (int64_t t = 0; t < tokens; t++) {
        strata_code_row c = strata_code_row_at(codes, t, nb);
        float *ds = (float *)c.ds;
        int16_t *q = (int16_t *)c.q;
        const float *xr = x + t * columns;
        for (int64_t b = 0; b < nb; b++) {
            const float *xb = xr + b * QK;
            const __m256 v0 = _mm256_loadu_ps(xb), v1 = _mm256_loadu_ps(xb + 8);
            const __m256 v2 = _mm256_loadu_ps(xb + 16), v3 = _mm256_loadu_ps(xb + 24);
            const __m256 m = _mm256_max_ps(_mm256_max_ps(_mm256_and_ps(v0, abs_mask), _mm256_and_ps(v1, abs_mask)),
                                           _mm256_max_ps(_mm256_and_ps(v2, abs_mask), _mm256_and_ps(v3, abs_mask)));
            const float amax = hmax8(m);
            const float sum = hsum8(_mm256_add_ps(_mm256_add_ps(v0, v1), _mm256_add_ps(v2, v3)));
            float d, id;
            if (!isfinite(sum)) { d = NAN; id = 0; }
            else if (amax < 0x1p-110f) { d = 0; id = 0; }
            else { d = amax / 32767.0f; id = 32767.0f / amax; }
            ds[2 * b] = d;
            ds[2 * b + 1] = sum;
            const __m256 vid = _mm256_set1_ps(id);
            const __m256i i0 = _mm256_cvtps_epi32(_mm256_mul_ps(v0, vid)), i1 = _mm256_cvtps_epi32(_mm256_mul_ps(v1, vid));
            const __m256i i2 = _mm256_cvtps_epi32(_mm256_mul_ps(v2, vid)), i3 = _mm256_cvtps_epi32(_mm256_mul_ps(v3, vid));
            /* packs works within 128-bit lanes; the permute restores the order. */
            _mm256_storeu_si256((__m256i *)(q + b * QK), _mm256_permute4x64_epi64(_mm256_packs_epi32(i0, i1), 0xD8));
            _mm256_storeu_si256((__m256i *)(q + b * QK + 16), _mm256_permute4x64_epi64(_mm256_packs_epi32(i2, i3), 0xD8));
        }
    }
}

/* MARK: - Blocks of 32: Q4_0, Q4_1, Q8_0 */

/* Unpacks block `blk` of `type` into 32 int16 weight codes (lo: values 0-15, hi: 16-31) and
 * [d, m, 0, 0] (m = 0 except for Q4_1). */
AVX2 INLINE void unpack32(const uint32_t type, const uint8_t *blk, __m256i *lo, __m256i *hi, __m128 *dm) {
    const __m256i low_nibble = _mm256_set1_epi16(0x0F);
    if (type == STRATA_GGML_Q4_1) {
        *dm = _mm_cvtph_ps(_mm_cvtsi32_si128((int)strata_load_u32(blk)));
        const __m256i w = widen_u8(blk + 4);
        *lo = _mm256_and_si256(w, low_nibble);
        *hi = _mm256_srli_epi16(w, 4);
    } else if (type == STRATA_GGML_Q4_0) {
        *dm = _mm_cvtph_ps(_mm_cvtsi32_si128(strata_load_u16(blk)));
        const __m256i w = widen_u8(blk + 2);
        const __m256i eight = _mm256_set1_epi16(8);
        *lo = _mm256_sub_epi16(_mm256_and_si256(w, low_nibble), eight);
        *hi = _mm256_sub_epi16(_mm256_srli_epi16(w, 4), eight);
    } else {  /* Q8_0 */
        *dm = _mm_cvtph_ps(_mm_cvtsi32_si128(strata_load_u16(blk)));
        *lo = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(blk + 2)));
        *hi = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(blk + 18)));
    }
}

AVX2 INLINE int block_bytes32(const uint32_t type) {
    return type == STRATA_GGML_Q4_1 ? Q4_1_BYTES : type == STRATA_GGML_Q4_0 ? Q4_0_BYTES : Q8_0_BYTES;
}

/* Rows [0, rows) of W (from `w`) times TT tokens; writes out[r * TOKEN_TILE + t]. */
AVX2 INLINE void tile32(const uint32_t type, const int TT, const uint8_t *w, size_t row_bytes, int64_t rows,
                        int64_t nb, const strata_code_row *codes, float *out) {
    const float *ds[TOKEN_TILE];
    const int16_t *q[TOKEN_TILE];
    for (int t = 0; t < TT; t++) { ds[t] = codes[t].ds; q[t] = codes[t].q; }
    const int bytes = block_bytes32(type);
    for (int64_t r = 0; r < rows; r++) {
        const uint8_t *row = w + (size_t)r * row_bytes;
        __m256 acc[TOKEN_TILE];
        __m128 minimums[TOKEN_TILE];
        for (int t = 0; t < TT; t++) { acc[t] = _mm256_setzero_ps(); minimums[t] = _mm_setzero_ps(); }
        for (int64_t b = 0; b < nb; b++) {
            __m256i lo, hi;
            __m128 dm;
            unpack32(type, row + b * bytes, &lo, &hi, &dm);
            for (int t = 0; t < TT; t++) {
                /* [d_x, sum_x]: one 8-byte load */
                const __m128 xds = _mm_castpd_ps(_mm_load_sd((const double *)(ds[t] + 2 * b)));
                const __m128 prod = _mm_mul_ps(dm, xds);  /* [d * d_x, m * sum_x, 0, 0] */
                const int16_t *xq = q[t] + b * QK;
                const __m256i p = _mm256_add_epi32(_mm256_madd_epi16(lo, load_i16x16(xq)),
                                                   _mm256_madd_epi16(hi, load_i16x16(xq + 16)));
                acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_broadcastss_ps(prod), acc[t]);
                if (type == STRATA_GGML_Q4_1) minimums[t] = _mm_add_ps(minimums[t], prod);
            }
        }
        for (int t = 0; t < TT; t++) {
            float v = hsum8(acc[t]);
            if (type == STRATA_GGML_Q4_1) v += _mm_cvtss_f32(_mm_movehdup_ps(minimums[t]));
            out[r * TOKEN_TILE + t] = v;
        }
    }
}

/* One row times one token (decoding). Rows are read one after another, which keeps the
 * hardware prefetcher on a single stream (two rows read side by side streamed a 30 MB Q8_0
 * matrix at a third of the speed on Zen3); two accumulators, for even and odd blocks, hide the
 * latency of the multiply-add chain. */
AVX2 INLINE void row32(const uint32_t type, const uint8_t *row, int64_t nb, strata_code_row c, float *y) {
    __m256 acc[2] = { _mm256_setzero_ps(), _mm256_setzero_ps() };
    __m128 minimums = _mm_setzero_ps();
    const int bytes = block_bytes32(type);
    int64_t b = 0;
    for (; b + 2 <= nb; b += 2) {
        PREFETCH(row + b * bytes);
        for (int u = 0; u < 2; u++) {
            __m256i lo, hi;
            __m128 dm;
            unpack32(type, row + (b + u) * bytes, &lo, &hi, &dm);
            const __m128 prod = _mm_mul_ps(dm, _mm_castpd_ps(_mm_load_sd((const double *)(c.ds + 2 * (b + u)))));
            const int16_t *xq = c.q + (b + u) * QK;
            const __m256i p = _mm256_add_epi32(_mm256_madd_epi16(lo, load_i16x16(xq)), _mm256_madd_epi16(hi, load_i16x16(xq + 16)));
            acc[u] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_broadcastss_ps(prod), acc[u]);
            if (type == STRATA_GGML_Q4_1) minimums = _mm_add_ps(minimums, prod);
        }
    }
    for (; b < nb; b++) {
        __m256i lo, hi;
        __m128 dm;
        unpack32(type, row + b * bytes, &lo, &hi, &dm);
        const __m128 prod = _mm_mul_ps(dm, _mm_castpd_ps(_mm_load_sd((const double *)(c.ds + 2 * b))));
        const int16_t *xq = c.q + b * QK;
        const __m256i p = _mm256_add_epi32(_mm256_madd_epi16(lo, load_i16x16(xq)), _mm256_madd_epi16(hi, load_i16x16(xq + 16)));
        acc[0] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_broadcastss_ps(prod), acc[0]);
        if (type == STRATA_GGML_Q4_1) minimums = _mm_add_ps(minimums, prod);
    }
    float v = hsum8(_mm256_add_ps(acc[0], acc[1]));
    if (type == STRATA_GGML_Q4_1) v += _mm_cvtss_f32(_mm_movehdup_ps(minimums));
    *y = v;
}

#define ROW32(NAME, TYPE) \
    static AVX2 void NAME(const uint8_t *w, size_t row_bytes, int64_t rows, int64_t nb, const strata_code_row *c, float *out) { \
        const strata_code_row token = c[0]; \
        for (int64_t r = 0; r < rows; r++) row32(TYPE, w + (size_t)r * row_bytes, nb, token, out + r * TOKEN_TILE); }
ROW32(q4_0_row, STRATA_GGML_Q4_0)
ROW32(q4_1_row, STRATA_GGML_Q4_1)
ROW32(q8_0_row, STRATA_GGML_Q8_0)

#define TILE32(NAME, TYPE, TT)                                                                                              \
    static AVX2 void NAME(const uint8_t *w, size_t row_bytes, int64_t rows, int64_t nb, const strata_code_row *c, float *out) { \
        tile32(TYPE, TT, w, row_bytes, rows, nb, c, out); }
#define TILES32(PREFIX, TYPE) TILE32(PREFIX##_t2, TYPE, 2) TILE32(PREFIX##_t3, TYPE, 3) TILE32(PREFIX##_t4, TYPE, 4)
TILES32(q4_0, STRATA_GGML_Q4_0)
TILES32(q4_1, STRATA_GGML_Q4_1)
TILES32(q8_0, STRATA_GGML_Q8_0)

/* Rows [0, rows) of W from `w` times 1 to 4 tokens, into out[r * TOKEN_TILE + t]. */
typedef void (*tile_fn)(const uint8_t *w, size_t row_bytes, int64_t rows, int64_t nb, const strata_code_row *c, float *out);

/* MARK: - K types: super-blocks of 256 */

/* Q4_K: 8 sub-blocks of 32, each with a 6-bit scale and minimum. */
AVX2 INLINE void tile_q4_k(const int TT, const uint8_t *row, int64_t nsb, const strata_code_row *c, float *out) {
    __m256 acc[TOKEN_TILE];
    float minimums[TOKEN_TILE];
    for (int t = 0; t < TT; t++) { acc[t] = _mm256_setzero_ps(); minimums[t] = 0; }
    const __m256i low_nibble = _mm256_set1_epi16(0x0F);
    for (int64_t i = 0; i < nsb; i++) {
        const uint8_t *blk = row + i * Q4_K_BYTES;
        const float d = strata_f16_to_f32(strata_load_u16(blk));
        const float dmin = strata_f16_to_f32(strata_load_u16(blk + 2));
        uint8_t sc[8], mn[8];
        strata_q4_k_scales(blk + 4, sc, mn);
        for (int chunk = 0; chunk < 4; chunk++) {  /* 32 bytes: sub-block 2*chunk (low), 2*chunk+1 (high) */
            const uint8_t *q = blk + 16 + chunk * 32;
            const __m256i w0 = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)q));
            const __m256i w1 = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(q + 16)));
            const __m256i codes[2][2] = {
                { _mm256_and_si256(w0, low_nibble), _mm256_and_si256(w1, low_nibble) },
                { _mm256_srli_epi16(w0, 4), _mm256_srli_epi16(w1, 4) },
            };
            for (int half = 0; half < 2; half++) {
                const int j = 2 * chunk + half;
                const int64_t b = i * 8 + j;
                const float scale = d * (float)sc[j], minimum = dmin * (float)mn[j];
                for (int t = 0; t < TT; t++) {
                    const int16_t *xq = c[t].q + b * QK;
                    const __m256i p = _mm256_add_epi32(_mm256_madd_epi16(codes[half][0], load_i16x16(xq)),
                                                       _mm256_madd_epi16(codes[half][1], load_i16x16(xq + 16)));
                    acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_set1_ps(scale * c[t].ds[2 * b]), acc[t]);
                    minimums[t] += minimum * c[t].ds[2 * b + 1];
                }
            }
        }
    }
    for (int t = 0; t < TT; t++) out[t] = hsum8(acc[t]) - minimums[t];
}

/* Q6_K: 16 groups of 16 values, each with an int8 scale; codes are 6 bits minus 32. */
AVX2 INLINE void tile_q6_k(const int TT, const uint8_t *row, int64_t nsb, const strata_code_row *c, float *out) {
    __m256 acc[TOKEN_TILE];
    for (int t = 0; t < TT; t++) acc[t] = _mm256_setzero_ps();
    const __m256i low_nibble = _mm256_set1_epi16(0x0F), high_bits = _mm256_set1_epi16(0x30);
    const __m256i offset = _mm256_set1_epi16(32);
    for (int64_t i = 0; i < nsb; i++) {
        const uint8_t *blk = row + i * Q6_K_BYTES;
        const float d = strata_f16_to_f32(strata_load_u16(blk + 208));
        const int8_t *scales = (const int8_t *)(blk + 192);
        for (int h = 0; h < 2; h++) {
            const uint8_t *ql = blk + 64 * h, *qh = blk + 128 + 32 * h;
            for (int s = 0; s < 2; s++) {  /* values l = 16 s ... 16 s + 15 of each part */
                const __m256i a = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(ql + 16 * s)));
                const __m256i bb = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(ql + 32 + 16 * s)));
                const __m256i hb = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(qh + 16 * s)));
                /* part 0: low a, qh bits 0-1; part 1: low bb, bits 2-3; part 2: high a, bits 4-5; part 3: high bb, bits 6-7 */
                const __m256i parts[4] = {
                    _mm256_sub_epi16(_mm256_or_si256(_mm256_and_si256(a, low_nibble), _mm256_and_si256(_mm256_slli_epi16(hb, 4), high_bits)), offset),
                    _mm256_sub_epi16(_mm256_or_si256(_mm256_and_si256(bb, low_nibble), _mm256_and_si256(_mm256_slli_epi16(hb, 2), high_bits)), offset),
                    _mm256_sub_epi16(_mm256_or_si256(_mm256_srli_epi16(a, 4), _mm256_and_si256(hb, high_bits)), offset),
                    _mm256_sub_epi16(_mm256_or_si256(_mm256_srli_epi16(bb, 4), _mm256_and_si256(_mm256_srli_epi16(hb, 2), high_bits)), offset),
                };
                for (int part = 0; part < 4; part++) {
                    const int64_t b = i * 8 + h * 4 + part;
                    const float scale = d * (float)scales[h * 8 + part * 2 + s];
                    for (int t = 0; t < TT; t++) {
                        const __m256i p = _mm256_madd_epi16(parts[part], load_i16x16(c[t].q + b * QK + 16 * s));
                        acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_set1_ps(scale * c[t].ds[2 * b]), acc[t]);
                    }
                }
            }
        }
    }
    for (int t = 0; t < TT; t++) out[t] = hsum8(acc[t]);
}

#define TILEK(NAME, FN, TT) \
    static AVX2 void NAME(const uint8_t *w, size_t row_bytes, int64_t rows, int64_t nsb, const strata_code_row *c, float *out) { \
        for (int64_t r = 0; r < rows; r++) FN(TT, w + (size_t)r * row_bytes, nsb, c, out + r * TOKEN_TILE); }
TILEK(q4_k_t1, tile_q4_k, 1) TILEK(q4_k_t2, tile_q4_k, 2) TILEK(q4_k_t3, tile_q4_k, 3) TILEK(q4_k_t4, tile_q4_k, 4)
TILEK(q6_k_t1, tile_q6_k, 1) TILEK(q6_k_t2, tile_q6_k, 2) TILEK(q6_k_t3, tile_q6_k, 3) TILEK(q6_k_t4, tile_q6_k, 4)

/* MARK: - Float types */

/* Eight weights of `type` starting at column k, as float32. */
AVX2 INLINE __m256 load_w8(const uint32_t type, const uint8_t *row, int64_t k) {
    if (type == STRATA_GGML_F16) return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(row + 2 * k)));
    if (type == STRATA_GGML_BF16) {
        const __m256i h = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(row + 2 * k)));
        return _mm256_castsi256_ps(_mm256_slli_epi32(h, 16));
    }
    return _mm256_loadu_ps((const float *)(row + 4 * k));
}

AVX2 INLINE float load_w1(const uint32_t type, const uint8_t *row, int64_t k) {
    if (type == STRATA_GGML_F16) return strata_f16_to_f32(strata_load_u16(row + 2 * k));
    if (type == STRATA_GGML_BF16) return strata_bits_to_f32((uint32_t)strata_load_u16(row + 2 * k) << 16);
    float w;
    memcpy(&w, row + 4 * k, sizeof w);
    return w;
}

AVX2 INLINE void tile_float(const uint32_t type, const int TT, const uint8_t *row, int64_t columns,
                            const float *x, float *out) {
    __m256 acc[TOKEN_TILE][2];
    for (int t = 0; t < TT; t++) { acc[t][0] = _mm256_setzero_ps(); acc[t][1] = _mm256_setzero_ps(); }
    int64_t k = 0;
    for (; k + 16 <= columns; k += 16) {
        const __m256 w0 = load_w8(type, row, k), w1 = load_w8(type, row, k + 8);
        for (int t = 0; t < TT; t++) {
            acc[t][0] = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x + t * columns + k), acc[t][0]);
            acc[t][1] = _mm256_fmadd_ps(w1, _mm256_loadu_ps(x + t * columns + k + 8), acc[t][1]);
        }
    }
    for (int t = 0; t < TT; t++) {
        float v = hsum8(_mm256_add_ps(acc[t][0], acc[t][1]));
        for (int64_t j = k; j < columns; j++) v += load_w1(type, row, j) * x[t * columns + j];
        out[t] = v;
    }
}

#define TILEF(NAME, TYPE, TT) \
    static AVX2 void NAME(const uint8_t *w, size_t row_bytes, int64_t rows, int64_t columns, const float *x, float *out) { \
        for (int64_t r = 0; r < rows; r++) tile_float(TYPE, TT, w + (size_t)r * row_bytes, columns, x, out + r * TOKEN_TILE); }
#define TILESF(PREFIX, TYPE) TILEF(PREFIX##_t1, TYPE, 1) TILEF(PREFIX##_t2, TYPE, 2) TILEF(PREFIX##_t3, TYPE, 3) TILEF(PREFIX##_t4, TYPE, 4)
TILESF(f32, STRATA_GGML_F32)
TILESF(f16, STRATA_GGML_F16)
TILESF(bf16, STRATA_GGML_BF16)

typedef void (*float_tile_fn)(const uint8_t *w, size_t row_bytes, int64_t rows, int64_t columns, const float *x, float *out);

/* MARK: - Driver */

/* Rows per group: a group of weight rows stays in L1/L2 while every tile of tokens passes over it. */
#ifndef STRATA_GROUP_BYTES
#define STRATA_GROUP_BYTES 16384
#endif
static int64_t rows_per_group(size_t row_bytes) {
    const int64_t n = (int64_t)(STRATA_GROUP_BYTES / (row_bytes ? row_bytes : 1));
    return n < 1 ? 1 : n > MAX_GROUP_ROWS ? MAX_GROUP_ROWS : n;
}

AVX2 void strata_avx2_matmul(uint32_t type, const uint8_t *w, size_t row_bytes, int64_t columns,
                             int64_t row_begin, int64_t row_end, const float *x, const void *codes,
                             int64_t tokens, float *y, int64_t ldy) {
    tile_fn tiles[TOKEN_TILE + 1] = { 0 };  /* tiles[tt]: one row, tt tokens */
    float_tile_fn float_tiles[TOKEN_TILE + 1] = { 0 };
    int64_t nb = columns / QK;
    switch (type) {
    case STRATA_GGML_Q4_0: tiles[1] = q4_0_row; tiles[2] = q4_0_t2; tiles[3] = q4_0_t3; tiles[4] = q4_0_t4; break;
    case STRATA_GGML_Q4_1: tiles[1] = q4_1_row; tiles[2] = q4_1_t2; tiles[3] = q4_1_t3; tiles[4] = q4_1_t4; break;
    case STRATA_GGML_Q8_0: tiles[1] = q8_0_row; tiles[2] = q8_0_t2; tiles[3] = q8_0_t3; tiles[4] = q8_0_t4; break;
    case STRATA_GGML_Q4_K: tiles[1] = q4_k_t1; tiles[2] = q4_k_t2; tiles[3] = q4_k_t3; tiles[4] = q4_k_t4; nb = columns / QK_K; break;
    case STRATA_GGML_Q6_K: tiles[1] = q6_k_t1; tiles[2] = q6_k_t2; tiles[3] = q6_k_t3; tiles[4] = q6_k_t4; nb = columns / QK_K; break;
    case STRATA_GGML_F32: float_tiles[1] = f32_t1; float_tiles[2] = f32_t2; float_tiles[3] = f32_t3; float_tiles[4] = f32_t4; break;
    case STRATA_GGML_F16: float_tiles[1] = f16_t1; float_tiles[2] = f16_t2; float_tiles[3] = f16_t3; float_tiles[4] = f16_t4; break;
    case STRATA_GGML_BF16: float_tiles[1] = bf16_t1; float_tiles[2] = bf16_t2; float_tiles[3] = bf16_t3; float_tiles[4] = bf16_t4; break;
    default: return;
    }
    const int64_t codes_nb = columns / QK;
    const int64_t group = rows_per_group(row_bytes);
    float out[MAX_GROUP_ROWS * TOKEN_TILE];  /* one tile of results, [row][token], scattered to y */
    for (int64_t g0 = row_begin; g0 < row_end; g0 += group) {
        const int64_t g1 = g0 + group < row_end ? g0 + group : row_end;
        for (int64_t t0 = 0; t0 < tokens; t0 += TOKEN_TILE) {
            const int tt = (int)(tokens - t0 < TOKEN_TILE ? tokens - t0 : TOKEN_TILE);
            if (float_tiles[1]) {
                float_tiles[tt](w + (size_t)g0 * row_bytes, row_bytes, g1 - g0, columns, x + t0 * columns, out);
            } else {
                strata_code_row c[TOKEN_TILE];
                for (int t = 0; t < tt; t++) c[t] = strata_code_row_at(codes, t0 + t, codes_nb);
                tiles[tt](w + (size_t)g0 * row_bytes, row_bytes, g1 - g0, nb, c, out);
            }
            for (int t = 0; t < tt; t++) {
                for (int64_t r = g0; r < g1; r++) y[(t0 + t) * ldy + r] = out[(r - g0) * TOKEN_TILE + t];
            }
        }
    }
}

/* MARK: - Dequantisation: multiplies and adds separately, as ggml rounds */

AVX2 int strata_avx2_dequantize_row(uint32_t type, const uint8_t *row, float *out, int64_t columns) {
    const int64_t nb = columns / QK;
    switch (type) {
    case STRATA_GGML_Q4_0:
    case STRATA_GGML_Q4_1:
    case STRATA_GGML_Q8_0: {
        const int bytes = type == STRATA_GGML_Q4_1 ? Q4_1_BYTES : type == STRATA_GGML_Q4_0 ? Q4_0_BYTES : Q8_0_BYTES;
        for (int64_t b = 0; b < nb; b++) {
            __m256i lo, hi;
            __m128 dm;
            if (type == STRATA_GGML_Q4_1) unpack32(STRATA_GGML_Q4_1, row + b * bytes, &lo, &hi, &dm);
            else if (type == STRATA_GGML_Q4_0) unpack32(STRATA_GGML_Q4_0, row + b * bytes, &lo, &hi, &dm);
            else unpack32(STRATA_GGML_Q8_0, row + b * bytes, &lo, &hi, &dm);
            const __m256 d = _mm256_broadcastss_ps(dm);
            const __m256 m = _mm256_broadcastss_ps(_mm_movehdup_ps(dm));
            const __m256i halves[2] = { lo, hi };
            for (int h = 0; h < 2; h++) {
                const __m256 v0 = _mm256_cvtepi32_ps(_mm256_cvtepi16_epi32(_mm256_castsi256_si128(halves[h])));
                const __m256 v1 = _mm256_cvtepi32_ps(_mm256_cvtepi16_epi32(_mm256_extracti128_si256(halves[h], 1)));
                __m256 r0 = _mm256_mul_ps(d, v0), r1 = _mm256_mul_ps(d, v1);
                if (type == STRATA_GGML_Q4_1) { r0 = _mm256_add_ps(r0, m); r1 = _mm256_add_ps(r1, m); }
                _mm256_storeu_ps(out + b * QK + 16 * h, r0);
                _mm256_storeu_ps(out + b * QK + 16 * h + 8, r1);
            }
        }
        return 1;
    }
    case STRATA_GGML_F16:
        for (int64_t k = 0; k + 8 <= columns; k += 8) _mm256_storeu_ps(out + k, load_w8(STRATA_GGML_F16, row, k));
        for (int64_t k = columns / 8 * 8; k < columns; k++) out[k] = load_w1(STRATA_GGML_F16, row, k);
        return 1;
    default:
        return 0;
    }
}
#endif
