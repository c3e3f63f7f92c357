/* 8-lane float32 helpers shared by the AVX2 kernel files (activation_avx2.c, attention_f16.c,
 * quant_avx2.c, lstm_avx2.c, gemm_small.c): a tail mask, masked 8-lane loads and stores, the
 * horizontal sum, exp, sigmoid and tanh. Include after <immintrin.h>, inside an x86 section. */
#ifndef STRATA_SIMD_AVX2_H
#define STRATA_SIMD_AVX2_H

/* Lanes [0, count) of a mask, for the masked load and store of a row's last partial vector. */
static inline __attribute__((always_inline, target("avx2,fma"))) __m256i tail_mask(int64_t count) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)count), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* 8-lane loads of x[j..<j+8], the lanes at or past n zero (masked). */
static inline __attribute__((always_inline, target("avx2,fma"))) __m256 load8(const float *x, int64_t j, int64_t n) {
    return j + 8 <= n ? _mm256_loadu_ps(x + j) : _mm256_maskload_ps(x + j, tail_mask(n - j));
}

/* Stores lanes of v to y[j..<min(n, j+8)]. */
static inline __attribute__((always_inline, target("avx2,fma"))) void store8(float *y, int64_t j, int64_t n, __m256 v) {
    if (j + 8 <= n) _mm256_storeu_ps(y + j, v);
    else _mm256_maskstore_ps(y + j, tail_mask(n - j), v);
}

/* The sum of the 8 lanes: the halves added, then pairs. */
static inline __attribute__((always_inline, target("avx2,fma"))) float hsum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* exp(x) for x in [-87.3, 88.4] (inputs are clamped there): x = n ln2 + r with |r| <= ln2/2,
 * exp(r) by a degree-6 polynomial, 2^n put into the exponent bits. */
static inline __attribute__((always_inline, target("avx2,fma"))) __m256 vexp(__m256 x) {
    x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.33654f)), _mm256_set1_ps(88.37626f));
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    /* ln2 split in two so that n * ln2_hi is exact. */
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

/* 1 / (1 + exp(-x)) */
static inline __attribute__((always_inline, target("avx2,fma"))) __m256 vsigmoid(__m256 x) {
    const __m256 one = _mm256_set1_ps(1.0f);
    return _mm256_div_ps(one, _mm256_add_ps(one, vexp(_mm256_sub_ps(_mm256_setzero_ps(), x))));
}

/* tanh: below |x| = 0.625 an odd polynomial x + x z P(z), z = x^2 (no cancellation near 0);
 * above, sign(x) (1 - e) / (1 + e) with e = exp(-2|x|). */
static inline __attribute__((always_inline, target("avx2,fma"))) __m256 vtanh(__m256 x) {
    const __m256 one = _mm256_set1_ps(1.0f);
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 ax = _mm256_andnot_ps(sign, x);
    __m256 z = _mm256_mul_ps(x, x);
    __m256 p = _mm256_set1_ps(-5.70498872745e-3f);
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(2.06390887954e-2f));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-5.37397155531e-2f));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(1.33314422036e-1f));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-3.33332819422e-1f));
    __m256 small = _mm256_fmadd_ps(_mm256_mul_ps(p, z), x, x);
    __m256 e = vexp(_mm256_mul_ps(ax, _mm256_set1_ps(-2.0f)));
    __m256 large = _mm256_div_ps(_mm256_sub_ps(one, e), _mm256_add_ps(one, e));
    large = _mm256_or_ps(large, _mm256_and_ps(x, sign));
    return _mm256_blendv_ps(large, small, _mm256_cmp_ps(ax, _mm256_set1_ps(0.625f), _CMP_LT_OQ));
}

#endif
