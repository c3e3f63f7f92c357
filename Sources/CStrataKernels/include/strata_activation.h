#ifndef STRATA_ACTIVATION_H
#define STRATA_ACTIVATION_H

#include <stdint.h>

/* Float32 activations over contiguous arrays, eight lanes at a time with AVX2 and FMA. Each
 * returns 1 when it ran and 0 when this CPU has no AVX2 (the caller then runs its own loop), so
 * that one binary runs everywhere. exp is a range reduction to [-ln2/2, ln2/2] and a degree-6
 * polynomial (within 2 ulp); tanh uses an odd polynomial below |x| = 0.625 and exp above.
 * In-place calls (x == y) are allowed. */

/* y = 1 / (1 + exp(-x)) */
int strata_sigmoid_f32(const float *x, float *y, int64_t n);
/* y = tanh(x) */
int strata_tanh_f32(const float *x, float *y, int64_t n);
/* y = x / (1 + exp(-x)) */
int strata_silu_f32(const float *x, float *y, int64_t n);
/* y = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) */
int strata_gelu_tanh_f32(const float *x, float *y, int64_t n);
/* dx = g * d/dx gelu_tanh(x) */
int strata_gelu_tanh_backward_f32(const float *g, const float *x, float *dx, int64_t n);
/* y = 0.5 x (1 + erf(x / sqrt 2)), erf as StrataCore's Float.erf (within 4 ulp of erff) */
int strata_gelu_erf_f32(const float *x, float *y, int64_t n);
/* dx = g * d/dx gelu_erf(x) */
int strata_gelu_erf_backward_f32(const float *g, const float *x, float *dx, int64_t n);
/* The sum of exp((x[i] - peak) * inverse_t) over the x[i] < cutoff (the tail of a sampler's
 * softmax), each term within 2 ulp, added in float lanes then in double; -1 without AVX2. */
double strata_exp_sum_below_f32(const float *x, int64_t n, float peak, float inverse_t, float cutoff);

/* One row of attention scores in place: r[j] = softmax(scale * r[0..<visible])_j for j < visible,
 * 0 for visible <= j < tk (visible >= 1); the exponentials within 2 ulp. 0 without AVX2. */
int strata_softmax_row_f32(float *r, int64_t visible, int64_t tk, float scale);

/* Attention's softmax backward for one row in place: dp = scale * p * (dp - sum_j dp_j p_j). */
int strata_softmax_backward_row_f32(float *dp, const float *p, int64_t tk, float scale);

/* Layer norm of one row of n values: y = (x - mean) * rstd * w + b (w, b may be NULL), with
 * rstd = 1 / sqrt(var + epsilon); writes the row's mean and rstd. */
int strata_layer_norm_row_f32(const float *x, const float *w, const float *b, int64_t n, float epsilon,
                              float *y, float *mean, float *rstd);

/* Layer norm's backward for one row: dx = rstd (g w - mean(g w) - xhat mean(g w xhat)), with
 * xhat = (x - mean) rstd; adds g xhat to dw and g to db (w may be NULL: 1). */
int strata_layer_norm_backward_row_f32(const float *g, const float *x, const float *w, float mean, float rstd, int64_t n,
                                       float *dx, float *dw, float *db);

#endif
