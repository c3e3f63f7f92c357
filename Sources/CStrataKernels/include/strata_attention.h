#ifndef STRATA_ATTENTION_H
#define STRATA_ATTENTION_H

#include <stdint.h>

/* Attention over a float16 key/value cache, and the float32 -> float16 rounding that fills it.
 * Storing keys and values in float16 halves the cache (llama.cpp's default cache type is f16
 * too); all arithmetic is float32. `level` is a kernel set of strata_quant.h
 * (STRATA_QUANT_SCALAR or STRATA_QUANT_AVX2, which also needs F16C); a level the CPU cannot
 * run falls back to the portable C one, which gives the same float16 values. */

/* out[i] = x[i] rounded to the nearest float16 (ties to even), for i in 0..<n. */
void strata_f32_to_f16_array(int level, const float *x, uint16_t *out, int64_t n);

/* Floats of scratch space strata_attend_group_f16 needs. */
#define STRATA_ATTEND_SCRATCH(group, visible, d) ((group) * (visible) + 32 * (d))

/* `group` query heads (q: group rows of d floats) attending to the first `visible` positions
 * of one float16 key/value head (grouped-query attention), position j's `d` values at k + j*d
 * and v + j*d; query head g's result goes to out + g*d:
 *   out_g = sum_j softmax_j(scale * q_g . k_j) * v_j
 * Each key and value is widened to float32 once for the whole group. `scratch` holds
 * STRATA_ATTEND_SCRATCH(group, visible, d) floats. visible >= 1. */
void strata_attend_group_f16(int level, const float *q, int64_t group, const uint16_t *k, const uint16_t *v,
                             int64_t visible, int64_t d, float scale, float *scratch, float *out);

/* The same for one query head (group 1). */
void strata_attend_row_f16(int level, const float *q, const uint16_t *k, const uint16_t *v,
                           int64_t visible, int64_t d, float scale, float *scratch, float *out);

#endif
