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

#endif
