/* Float32 activations with AVX2 + FMA (target attributes, chosen at run time; see
 * strata_activation.h). The Swift loops they replace call glibc's scalar expf and tanhf once
 * per element; here eight lanes share one polynomial. */
#include <math.h>
#include <stdint.h>
#include "strata_activation.h"
#include "strata_quant.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma")))
#define INLINE static inline __attribute__((always_inline))
#include "simd_avx2.h"

static int has_avx2(void) { return strata_quant_best_level() == STRATA_QUANT_AVX2; }

#define GELU_C 0.7978845608028654f   /* sqrt(2 / pi) */
#define GELU_A 0.044715f

AVX2 INLINE __m256 vgelu_inner_tanh(__m256 x) {
    __m256 x3 = _mm256_mul_ps(_mm256_mul_ps(x, x), x);
    return vtanh(_mm256_mul_ps(_mm256_set1_ps(GELU_C), _mm256_fmadd_ps(_mm256_set1_ps(GELU_A), x3, x)));
}

AVX2 INLINE __m256 vgelu(__m256 x) {
    const __m256 half = _mm256_set1_ps(0.5f);
    return _mm256_mul_ps(_mm256_mul_ps(half, x), _mm256_add_ps(_mm256_set1_ps(1.0f), vgelu_inner_tanh(x)));
}

/* d/dx = 0.5 (1 + t) + 0.5 x (1 - t^2) c (1 + 3a x^2) */
AVX2 INLINE __m256 vgelu_derivative(__m256 x) {
    const __m256 half = _mm256_set1_ps(0.5f), one = _mm256_set1_ps(1.0f);
    __m256 t = vgelu_inner_tanh(x);
    __m256 inner = _mm256_fmadd_ps(_mm256_set1_ps(3.0f * GELU_A), _mm256_mul_ps(x, x), one);
    __m256 slope = _mm256_mul_ps(_mm256_mul_ps(_mm256_mul_ps(half, x), _mm256_fnmadd_ps(t, t, one)),
                                 _mm256_mul_ps(_mm256_set1_ps(GELU_C), inner));
    return _mm256_fmadd_ps(half, _mm256_add_ps(one, t), slope);
}

/* erf(x) as StrataCore's Float.erf computes it (the fits of Scripts/fit_erf.py): x P(x^2) below
 * |x| = 0.921875, 1 - exp(-x^2) Q(1 / (1 + |x|)) up to 3.9375, 1 beyond; the sign put back. */
AVX2 INLINE __m256 verf(__m256 x) {
    const __m256 sign = _mm256_set1_ps(-0.0f), one = _mm256_set1_ps(1.0f);
    __m256 a = _mm256_min_ps(_mm256_andnot_ps(sign, x), _mm256_set1_ps(3.9375f));
    __m256 s = _mm256_mul_ps(a, a);
    __m256 p = _mm256_set1_ps(-6.0431217e-04f);
    p = _mm256_fmadd_ps(p, s, _mm256_set1_ps(0.0050042383f));
    p = _mm256_fmadd_ps(p, s, _mm256_set1_ps(-0.026774881f));
    p = _mm256_fmadd_ps(p, s, _mm256_set1_ps(0.11282074f));
    p = _mm256_fmadd_ps(p, s, _mm256_set1_ps(-0.37612525f));
    p = _mm256_fmadd_ps(p, s, _mm256_set1_ps(1.1283791f));
    __m256 t = _mm256_div_ps(one, _mm256_add_ps(one, a));
    __m256 q = _mm256_set1_ps(1.0080192f);
    q = _mm256_fmadd_ps(q, t, _mm256_set1_ps(-3.426254f));
    q = _mm256_fmadd_ps(q, t, _mm256_set1_ps(4.715631f));
    q = _mm256_fmadd_ps(q, t, _mm256_set1_ps(-2.9419553f));
    q = _mm256_fmadd_ps(q, t, _mm256_set1_ps(0.34467313f));
    q = _mm256_fmadd_ps(q, t, _mm256_set1_ps(0.16957428f));
    q = _mm256_fmadd_ps(q, t, _mm256_set1_ps(0.57688951f));
    q = _mm256_fmadd_ps(q, t, _mm256_set1_ps(0.56336677f));
    q = _mm256_fmadd_ps(q, t, _mm256_set1_ps(2.3350607e-05f));
    __m256 large = _mm256_fnmadd_ps(vexp(_mm256_sub_ps(_mm256_setzero_ps(), s)), q, one);
    large = _mm256_blendv_ps(large, one, _mm256_cmp_ps(a, _mm256_set1_ps(3.9375f), _CMP_GE_OQ));
    __m256 r = _mm256_blendv_ps(large, _mm256_mul_ps(a, p), _mm256_cmp_ps(a, _mm256_set1_ps(0.921875f), _CMP_LT_OQ));
    r = _mm256_or_ps(r, _mm256_and_ps(x, sign));
    /* NaN stays NaN. */
    return _mm256_blendv_ps(r, x, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
}

#define SQRT_HALF 0.7071067811865476f

/* Exact GELU: 0.5 x (1 + erf(x / sqrt 2)). */
AVX2 INLINE __m256 vgelu_erf(__m256 x) {
    const __m256 half = _mm256_set1_ps(0.5f);
    return _mm256_mul_ps(_mm256_mul_ps(half, x),
                         _mm256_add_ps(_mm256_set1_ps(1.0f), verf(_mm256_mul_ps(x, _mm256_set1_ps(SQRT_HALF)))));
}

/* d/dx = Phi(x) + x phi(x), phi(x) = exp(-x^2 / 2) / sqrt(2 pi). */
AVX2 INLINE __m256 vgelu_erf_derivative(__m256 x) {
    const __m256 half = _mm256_set1_ps(0.5f);
    __m256 cdf = _mm256_mul_ps(half, _mm256_add_ps(_mm256_set1_ps(1.0f), verf(_mm256_mul_ps(x, _mm256_set1_ps(SQRT_HALF)))));
    __m256 pdf = _mm256_mul_ps(vexp(_mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(-0.5f), x), x)),
                               _mm256_set1_ps(0.3989422804014327f));
    return _mm256_fmadd_ps(x, pdf, cdf);
}

/* One unary map over the array, full vectors then one masked tail with the same arithmetic. */
#define UNARY_MAP(name, f)                                                        \
    AVX2 static void name##_avx2(const float *x, float *y, int64_t n) {           \
        int64_t i = 0;                                                            \
        for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, f(_mm256_loadu_ps(x + i))); \
        if (i < n) {                                                              \
            __m256i m = tail_mask(n - i);                                         \
            _mm256_maskstore_ps(y + i, m, f(_mm256_maskload_ps(x + i, m)));       \
        }                                                                         \
    }                                                                             \
    int strata_##name##_f32(const float *x, float *y, int64_t n) {                \
        if (!has_avx2()) return 0;                                                \
        name##_avx2(x, y, n);                                                     \
        return 1;                                                                 \
    }

AVX2 INLINE __m256 vsilu(__m256 x) { return _mm256_mul_ps(x, vsigmoid(x)); }

UNARY_MAP(sigmoid, vsigmoid)
UNARY_MAP(tanh, vtanh)
UNARY_MAP(silu, vsilu)
UNARY_MAP(gelu_tanh, vgelu)
UNARY_MAP(gelu_erf, vgelu_erf)

/* One derivative map, dx = g * f'(x), full vectors then one masked tail. */
#define DERIVATIVE_MAP(name, df)                                                  \
    AVX2 static void name##_avx2(const float *g, const float *x, float *dx, int64_t n) { \
        int64_t i = 0;                                                            \
        for (; i + 8 <= n; i += 8)                                                \
            _mm256_storeu_ps(dx + i, _mm256_mul_ps(_mm256_loadu_ps(g + i), df(_mm256_loadu_ps(x + i)))); \
        if (i < n) {                                                              \
            __m256i m = tail_mask(n - i);                                         \
            _mm256_maskstore_ps(dx + i, m, _mm256_mul_ps(_mm256_maskload_ps(g + i, m), df(_mm256_maskload_ps(x + i, m)))); \
        }                                                                         \
    }                                                                             \
    int strata_##name##_f32(const float *g, const float *x, float *dx, int64_t n) { \
        if (!has_avx2()) return 0;                                                \
        name##_avx2(g, x, dx, n);                                                 \
        return 1;                                                                 \
    }

DERIVATIVE_MAP(gelu_tanh_backward, vgelu_derivative)
DERIVATIVE_MAP(gelu_erf_backward, vgelu_erf_derivative)

AVX2 static double exp_sum_below_avx2(const float *x, int64_t n, float peak, float inverse_t, float cutoff) {
    const __m256 vpeak = _mm256_set1_ps(peak), vscale = _mm256_set1_ps(inverse_t), vcut = _mm256_set1_ps(cutoff);
    __m256 acc = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 v = _mm256_loadu_ps(x + i);
        const __m256 e = vexp(_mm256_mul_ps(_mm256_sub_ps(v, vpeak), vscale));
        acc = _mm256_add_ps(acc, _mm256_and_ps(e, _mm256_cmp_ps(v, vcut, _CMP_LT_OQ)));
    }
    if (i < n) {
        const __m256i m = tail_mask(n - i);
        const __m256 v = _mm256_maskload_ps(x + i, m);
        const __m256 e = vexp(_mm256_mul_ps(_mm256_sub_ps(v, vpeak), vscale));
        const __m256 keep = _mm256_and_ps(_mm256_cmp_ps(v, vcut, _CMP_LT_OQ), _mm256_castsi256_ps(m));
        acc = _mm256_add_ps(acc, _mm256_and_ps(e, keep));
    }
    float lanes[8];
    _mm256_storeu_ps(lanes, acc);
    double total = 0;
    for (int l = 0; l < 8; l++) total += lanes[l];
    return total;
}

double strata_exp_sum_below_f32(const float *x, int64_t n, float peak, float inverse_t, float cutoff) {
    if (!has_avx2()) return -1;
    return exp_sum_below_avx2(x, n, peak, inverse_t, cutoff);
}

AVX2 static void softmax_row_avx2(float *r, int64_t visible, int64_t tk, float scale) {
    const __m256 vscale = _mm256_set1_ps(scale);
    __m256 vpeak = _mm256_set1_ps(-INFINITY);
    int64_t j = 0;
    for (; j + 8 <= visible; j += 8) {
        const __m256 v = _mm256_mul_ps(_mm256_loadu_ps(r + j), vscale);
        _mm256_storeu_ps(r + j, v);
        vpeak = _mm256_max_ps(vpeak, v);
    }
    const __m256i tail = tail_mask(visible - j);
    if (j < visible) {
        const __m256 v = _mm256_mul_ps(_mm256_maskload_ps(r + j, tail), vscale);
        _mm256_maskstore_ps(r + j, tail, v);
        vpeak = _mm256_max_ps(vpeak, _mm256_blendv_ps(_mm256_set1_ps(-INFINITY), v, _mm256_castsi256_ps(tail)));
    }
    float lanes[8];
    _mm256_storeu_ps(lanes, vpeak);
    float peak = lanes[0];
    for (int l = 1; l < 8; l++) peak = lanes[l] > peak ? lanes[l] : peak;
    const __m256 p = _mm256_set1_ps(peak);
    __m256 acc = _mm256_setzero_ps();
    for (j = 0; j + 8 <= visible; j += 8) {
        const __m256 e = vexp(_mm256_sub_ps(_mm256_loadu_ps(r + j), p));
        _mm256_storeu_ps(r + j, e);
        acc = _mm256_add_ps(acc, e);
    }
    if (j < visible) {
        const __m256 e = _mm256_and_ps(vexp(_mm256_sub_ps(_mm256_maskload_ps(r + j, tail), p)), _mm256_castsi256_ps(tail));
        _mm256_maskstore_ps(r + j, tail, e);
        acc = _mm256_add_ps(acc, e);
    }
    const float inverse = 1 / hsum8(acc);
    const __m256 vinv = _mm256_set1_ps(inverse);
    for (j = 0; j + 8 <= visible; j += 8) _mm256_storeu_ps(r + j, _mm256_mul_ps(_mm256_loadu_ps(r + j), vinv));
    if (j < visible) _mm256_maskstore_ps(r + j, tail, _mm256_mul_ps(_mm256_maskload_ps(r + j, tail), vinv));
    for (j = visible; j < tk; j++) r[j] = 0;
}

int strata_softmax_row_f32(float *r, int64_t visible, int64_t tk, float scale) {
    if (!has_avx2()) return 0;
    softmax_row_avx2(r, visible, tk, scale);
    return 1;
}

AVX2 static void softmax_backward_row_avx2(float *dp, const float *p, int64_t tk, float scale) {
    __m256 acc = _mm256_setzero_ps();
    for (int64_t j = 0; j < tk; j += 8) acc = _mm256_fmadd_ps(load8(dp, j, tk), load8(p, j, tk), acc);
    const __m256 dot = _mm256_set1_ps(hsum8(acc)), vscale = _mm256_set1_ps(scale);
    for (int64_t j = 0; j < tk; j += 8)
        store8(dp, j, tk, _mm256_mul_ps(_mm256_mul_ps(vscale, load8(p, j, tk)), _mm256_sub_ps(load8(dp, j, tk), dot)));
}

int strata_softmax_backward_row_f32(float *dp, const float *p, int64_t tk, float scale) {
    if (!has_avx2()) return 0;
    softmax_backward_row_avx2(dp, p, tk, scale);
    return 1;
}

AVX2 static void layer_norm_row_avx2(const float *x, const float *w, const float *b, int64_t n, float epsilon,
                                     float *y, float *mean, float *rstd) {
    __m256 acc = _mm256_setzero_ps();
    for (int64_t j = 0; j < n; j += 8) acc = _mm256_add_ps(acc, load8(x, j, n));
    const float mu = hsum8(acc) / (float)n;
    const __m256 vmu = _mm256_set1_ps(mu);
    acc = _mm256_setzero_ps();
    for (int64_t j = 0; j < n; j += 8) {
        __m256 d = _mm256_sub_ps(load8(x, j, n), vmu);
        if (j + 8 > n) d = _mm256_and_ps(d, _mm256_castsi256_ps(tail_mask(n - j)));   /* lanes past n are not x's */
        acc = _mm256_fmadd_ps(d, d, acc);
    }
    const float s = 1 / sqrtf(hsum8(acc) / (float)n + epsilon);
    *mean = mu;
    *rstd = s;
    const __m256 vs = _mm256_set1_ps(s);
    for (int64_t j = 0; j < n; j += 8) {
        __m256 v = _mm256_mul_ps(_mm256_sub_ps(load8(x, j, n), vmu), vs);
        if (w) v = _mm256_mul_ps(v, load8(w, j, n));
        if (b) v = _mm256_add_ps(v, load8(b, j, n));
        store8(y, j, n, v);
    }
}

int strata_layer_norm_row_f32(const float *x, const float *w, const float *b, int64_t n, float epsilon,
                              float *y, float *mean, float *rstd) {
    if (!has_avx2()) return 0;
    layer_norm_row_avx2(x, w, b, n, epsilon, y, mean, rstd);
    return 1;
}

AVX2 static void layer_norm_backward_row_avx2(const float *g, const float *x, const float *w, float mu, float s, int64_t n,
                                              float *dx, float *dw, float *db) {
    const __m256 vmu = _mm256_set1_ps(mu), vs = _mm256_set1_ps(s);
    __m256 sumG = _mm256_setzero_ps(), sumGX = _mm256_setzero_ps();
    for (int64_t j = 0; j < n; j += 8) {
        const __m256 gj = load8(g, j, n), xhat = _mm256_mul_ps(_mm256_sub_ps(load8(x, j, n), vmu), vs);
        const __m256 gh = w ? _mm256_mul_ps(gj, load8(w, j, n)) : gj;
        sumG = _mm256_add_ps(sumG, gh);
        sumGX = _mm256_fmadd_ps(gh, xhat, sumGX);
        store8(dw, j, n, _mm256_fmadd_ps(gj, xhat, load8(dw, j, n)));
        store8(db, j, n, _mm256_add_ps(load8(db, j, n), gj));
    }
    const __m256 meanG = _mm256_set1_ps(hsum8(sumG) / (float)n), meanGX = _mm256_set1_ps(hsum8(sumGX) / (float)n);
    for (int64_t j = 0; j < n; j += 8) {
        const __m256 gj = load8(g, j, n), xhat = _mm256_mul_ps(_mm256_sub_ps(load8(x, j, n), vmu), vs);
        const __m256 gh = w ? _mm256_mul_ps(gj, load8(w, j, n)) : gj;
        store8(dx, j, n, _mm256_mul_ps(vs, _mm256_sub_ps(_mm256_sub_ps(gh, meanG), _mm256_mul_ps(xhat, meanGX))));
    }
}

int strata_layer_norm_backward_row_f32(const float *g, const float *x, const float *w, float mean, float rstd, int64_t n,
                                       float *dx, float *dw, float *db) {
    if (!has_avx2()) return 0;
    layer_norm_backward_row_avx2(g, x, w, mean, rstd, n, dx, dw, db);
    return 1;
}

#else

double strata_exp_sum_below_f32(const float *x, int64_t n, float peak, float inverse_t, float cutoff) {
    (void)x; (void)n; (void)peak; (void)inverse_t; (void)cutoff; return -1;
}
int strata_softmax_row_f32(float *r, int64_t visible, int64_t tk, float scale) {
    (void)r; (void)visible; (void)tk; (void)scale; return 0;
}
int strata_softmax_backward_row_f32(float *dp, const float *p, int64_t tk, float scale) {
    (void)dp; (void)p; (void)tk; (void)scale; return 0;
}
int strata_layer_norm_row_f32(const float *x, const float *w, const float *b, int64_t n, float epsilon,
                              float *y, float *mean, float *rstd) {
    (void)x; (void)w; (void)b; (void)n; (void)epsilon; (void)y; (void)mean; (void)rstd; return 0;
}
int strata_layer_norm_backward_row_f32(const float *g, const float *x, const float *w, float mean, float rstd, int64_t n,
                                       float *dx, float *dw, float *db) {
    (void)g; (void)x; (void)w; (void)mean; (void)rstd; (void)n; (void)dx; (void)dw; (void)db; return 0;
}

int strata_sigmoid_f32(const float *x, float *y, int64_t n) { (void)x; (void)y; (void)n; return 0; }
int strata_tanh_f32(const float *x, float *y, int64_t n) { (void)x; (void)y; (void)n; return 0; }
int strata_silu_f32(const float *x, float *y, int64_t n) { (void)x; (void)y; (void)n; return 0; }
int strata_gelu_tanh_f32(const float *x, float *y, int64_t n) { (void)x; (void)y; (void)n; return 0; }
int strata_gelu_tanh_backward_f32(const float *g, const float *x, float *dx, int64_t n) {
    (void)g; (void)x; (void)dx; (void)n; return 0;
}
int strata_gelu_erf_f32(const float *x, float *y, int64_t n) { (void)x; (void)y; (void)n; return 0; }
int strata_gelu_erf_backward_f32(const float *g, const float *x, float *dx, int64_t n) {
    (void)g; (void)x; (void)dx; (void)n; return 0;
}

#endif
