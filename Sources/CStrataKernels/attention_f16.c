/* Attention over float16 keys and values (see strata_attention.h): the portable version, and
 * an AVX2 + FMA + F16C one (target attributes, chosen at run time) that widens eight float16
 * values per instruction. */
#include <math.h>
#include "strata_attention.h"
#include "quant_internal.h"

/* Softmax of scores[0..<visible) in place; returns 1 / the sum of the exponentials. */
static float softmax_unnormalised(float *scores, int64_t visible) {
    float peak = -INFINITY;
    for (int64_t j = 0; j < visible; j++) peak = scores[j] > peak ? scores[j] : peak;
    float total = 0;
    for (int64_t j = 0; j < visible; j++) {
        const float e = expf(scores[j] - peak);
        scores[j] = e;
        total += e;
    }
    return 1 / total;
}

static void attend_row_scalar(const float *q, const uint16_t *k, const uint16_t *v, int64_t visible,
                              int64_t d, float scale, float *scores, float *out) {
    for (int64_t j = 0; j < visible; j++) {
        float s = 0;
        for (int64_t i = 0; i < d; i++) s += q[i] * strata_f16_to_f32(k[j * d + i]);
        scores[j] = s * scale;
    }
    const float inverse = softmax_unnormalised(scores, visible);
    for (int64_t i = 0; i < d; i++) out[i] = 0;
    for (int64_t j = 0; j < visible; j++) {
        const float w = scores[j] * inverse;
        for (int64_t i = 0; i < d; i++) out[i] += w * strata_f16_to_f32(v[j * d + i]);
    }
}

#if defined(STRATA_HAVE_AVX2_KERNELS)
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma,f16c")))
#include "simd_avx2.h"

AVX2 static __m256 load_f16x8(const uint16_t *p) { return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p)); }

/* softmax_unnormalised with the 8-lane exp (within 2 ulp of expf). */
AVX2 static float softmax_avx2(float *scores, int64_t visible) {
    float peak = -INFINITY;
    for (int64_t j = 0; j < visible; j++) peak = scores[j] > peak ? scores[j] : peak;
    const __m256 vpeak = _mm256_set1_ps(peak);
    __m256 acc = _mm256_setzero_ps();
    int64_t j = 0;
    for (; j + 8 <= visible; j += 8) {
        const __m256 e = vexp(_mm256_sub_ps(_mm256_loadu_ps(scores + j), vpeak));
        _mm256_storeu_ps(scores + j, e);
        acc = _mm256_add_ps(acc, e);
    }
    float total = hsum8(acc);
    for (; j < visible; j++) {
        const float e = expf(scores[j] - peak);
        scores[j] = e;
        total += e;
    }
    return 1 / total;
}

enum { KEY_BLOCK = 32 };

/* d is a multiple of 8. The `group` query heads that share one key/value head (grouped-query
 * attention) are served together: each block of 32 keys, then of 32 values, is widened to
 * float32 once for all of them (the widening, not the multiply-adds, bounded the per-head
 * version). Each score and each output value is summed in the same order as the portable
 * version (over i, then over j; the exponentials by the 8-lane exp); four keys at a time and
 * eight output vectors at a time keep independent multiply-add chains in flight.
 * scratch: group * visible scores, then KEY_BLOCK * d floats. */
AVX2 static void attend_group_avx2(const float *q, int64_t group, const uint16_t *k, const uint16_t *v, int64_t visible,
                                   int64_t d, float scale, float *scratch, float *out) {
    float *block = scratch + group * visible;
    for (int64_t j0 = 0; j0 < visible; j0 += KEY_BLOCK) {
        const int64_t n = visible - j0 < KEY_BLOCK ? visible - j0 : KEY_BLOCK;
        for (int64_t e = 0; e < n * d; e += 8) _mm256_storeu_ps(block + e, load_f16x8(k + j0 * d + e));
        for (int64_t g = 0; g < group; g++) {
            const float *qg = q + g * d;
            float *scores = scratch + g * visible + j0;
            int64_t j = 0;
            for (; j + 4 <= n; j += 4) {
                __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
                const float *kj = block + j * d;
                for (int64_t i = 0; i < d; i += 8) {
                    const __m256 qi = _mm256_loadu_ps(qg + i);
                    a0 = _mm256_fmadd_ps(qi, _mm256_loadu_ps(kj + i), a0);
                    a1 = _mm256_fmadd_ps(qi, _mm256_loadu_ps(kj + d + i), a1);
                    a2 = _mm256_fmadd_ps(qi, _mm256_loadu_ps(kj + 2 * d + i), a2);
                    a3 = _mm256_fmadd_ps(qi, _mm256_loadu_ps(kj + 3 * d + i), a3);
                }
                scores[j] = hsum8(a0) * scale;
                scores[j + 1] = hsum8(a1) * scale;
                scores[j + 2] = hsum8(a2) * scale;
                scores[j + 3] = hsum8(a3) * scale;
            }
            for (; j < n; j++) {
                __m256 acc = _mm256_setzero_ps();
                for (int64_t i = 0; i < d; i += 8) acc = _mm256_fmadd_ps(_mm256_loadu_ps(qg + i), _mm256_loadu_ps(block + j * d + i), acc);
                scores[j] = hsum8(acc) * scale;
            }
        }
    }
    for (int64_t g = 0; g < group; g++) {
        float *scores = scratch + g * visible;
        const float inverse = softmax_avx2(scores, visible);
        for (int64_t j = 0; j < visible; j++) scores[j] *= inverse;
        for (int64_t i = 0; i < d; i++) out[g * d + i] = 0;
    }
    for (int64_t j0 = 0; j0 < visible; j0 += KEY_BLOCK) {
        const int64_t n = visible - j0 < KEY_BLOCK ? visible - j0 : KEY_BLOCK;
        for (int64_t e = 0; e < n * d; e += 8) _mm256_storeu_ps(block + e, load_f16x8(v + j0 * d + e));
        for (int64_t g = 0; g < group; g++) {
            const float *w = scratch + g * visible + j0;
            float *og = out + g * d;
            int64_t i = 0;
            for (; i + 64 <= d; i += 64) {
                __m256 acc[8];
                for (int u = 0; u < 8; u++) acc[u] = _mm256_loadu_ps(og + i + 8 * u);
                for (int64_t j = 0; j < n; j++) {
                    const __m256 wj = _mm256_set1_ps(w[j]);
                    for (int u = 0; u < 8; u++) acc[u] = _mm256_fmadd_ps(wj, _mm256_loadu_ps(block + j * d + i + 8 * u), acc[u]);
                }
                for (int u = 0; u < 8; u++) _mm256_storeu_ps(og + i + 8 * u, acc[u]);
            }
            for (; i < d; i += 8) {
                __m256 acc = _mm256_loadu_ps(og + i);
                for (int64_t j = 0; j < n; j++) acc = _mm256_fmadd_ps(_mm256_set1_ps(w[j]), _mm256_loadu_ps(block + j * d + i), acc);
                _mm256_storeu_ps(og + i, acc);
            }
        }
    }
}

AVX2 static void f32_to_f16_avx2(const float *x, uint16_t *out, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128((__m128i *)(out + i), _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
    for (; i < n; i++) out[i] = strata_f32_to_f16(x[i]);
}
#endif

void strata_f32_to_f16_array(int level, const float *x, uint16_t *out, int64_t n) {
#if defined(STRATA_HAVE_AVX2_KERNELS)
    if (strata_use_avx2(level)) { f32_to_f16_avx2(x, out, n); return; }
#endif
    (void)level;
    for (int64_t i = 0; i < n; i++) out[i] = strata_f32_to_f16(x[i]);
}

void strata_attend_group_f16(int level, const float *q, int64_t group, const uint16_t *k, const uint16_t *v,
                             int64_t visible, int64_t d, float scale, float *scratch, float *out) {
#if defined(STRATA_HAVE_AVX2_KERNELS)
    if (strata_use_avx2(level) && d % 8 == 0) { attend_group_avx2(q, group, k, v, visible, d, scale, scratch, out); return; }
#endif
    (void)level;
    for (int64_t g = 0; g < group; g++) attend_row_scalar(q + g * d, k, v, visible, d, scale, scratch, out + g * d);
}

void strata_attend_row_f16(int level, const float *q, const uint16_t *k, const uint16_t *v,
                           int64_t visible, int64_t d, float scale, float *scratch, float *out) {
    strata_attend_group_f16(level, q, 1, k, v, visible, d, scale, scratch, out);
}
