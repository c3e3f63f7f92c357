#ifndef STRATA_LSTM_H
#define STRATA_LSTM_H

#include <stdint.h>

/* The gate work of one LSTM step for the hidden units u0 ..< u1 of `batch` rows, with AVX2
 * (lstm_avx2.c). Gates are ordered i, f, g, o; `pre` (row stride pre_stride), `rec` and `gates`
 * (row stride 4 hidden) hold a row's four gates one after another, the states (c_prev, h, c and
 * the state gradients) have row stride `hidden`. Each returns 1 when it ran and 0 when this CPU
 * has no AVX2 (the caller then runs its own loops). */

/* i, f, g, o = σ, σ, tanh, σ of pre + rec, written to `gates`; c = f c_prev + i g; h = o tanh(c). */
int strata_lstm_step_f32(int64_t batch, int64_t hidden, int64_t u0, int64_t u1, const float *pre, int64_t pre_stride,
                         const float *rec, const float *c_prev, float *gates, float *h, float *c);

/* The step backward: dh = dh_out + dh_carry reaches h_t, dc_out + dc_carry reaches c_t; writes
 * the gradients of the four pre-activations to dpre (row stride dpre_stride) and replaces
 * dc_carry with the gradient reaching c_{t-1}. */
int strata_lstm_step_backward_f32(int64_t batch, int64_t hidden, int64_t u0, int64_t u1, const float *dh_out,
                                  const float *dh_carry, const float *dc_out, float *dc_carry, const float *gates,
                                  const float *c, const float *c_prev, float *dpre, int64_t dpre_stride);

#endif
