/*
 * Products with Strata's own packed weights (model compression), beside the GGML kernels of
 * strata_quant.h and chosen at run time the same way (STRATA_QUANT_SCALAR / STRATA_QUANT_AVX2).
 *
 * int8 per output channel: w[r, k] ~= scale[r] * q[r, k], q in [-127, 127] (int8, row-major).
 * int4 in groups:          w[r, k] ~= scale[r, k / group] * (n[r, k] - 8), n in [0, 15], two
 *                          values a byte (value 2i in the low nibble of byte i, 2i + 1 in the
 *                          high one), scales float [rows, columns / group].
 *
 * Weight-only products multiply float32 activations by the expanded codes (float sums).
 * The dynamic int8 product (torch.ao.quantization.quantize_dynamic's scheme) first rounds each
 * row of x to int8 with one scale per row, then sums int8 x int8 products exactly in int32
 * (AVX2: _mm256_maddubs_epi16 on |x| and sign-adjusted w, then _mm256_madd_epi16), and scales
 * each sum once by x's and w's scales. Exact int32 sums need columns <= 2^17.
 */
#ifndef STRATA_PACKED_H
#define STRATA_PACKED_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Rounds each of `rows` rows of x [rows, columns] to int8 with a symmetric scale:
 * scale[r] = max|x[r, :]| / 127, q = rint(x / scale) (a row of zeros gets scale 0, codes 0). */
void strata_i8_quantize_rows(const float *x, int64_t rows, int64_t columns, int8_t *q, float *scale);

/* y[t * ldy + r] = wscale[r] * sum_k x[t, k] * w[r, k] for r in [row_begin, row_end), t < tokens. */
void strata_i8_matmul_f32(int level, const int8_t *w, const float *wscale, int64_t columns,
                          int64_t row_begin, int64_t row_end,
                          const float *x, int64_t tokens, float *y, int64_t ldy);

/* y[t * ldy + r] = xscale[t] * wscale[r] * sum_k xq[t, k] * w[r, k] (exact int32 sums). */
void strata_i8_matmul_i8(int level, const int8_t *w, const float *wscale, int64_t columns,
                         int64_t row_begin, int64_t row_end,
                         const int8_t *xq, const float *xscale, int64_t tokens, float *y, int64_t ldy);

/* y[t * ldy + r] = sum_g scale[r, g] * sum_{k in g} x[t, k] * (n[r, k] - 8); columns and group
 * are even, group divides columns. Rows of w are columns / 2 bytes apart. */
void strata_i4_matmul_f32(int level, const uint8_t *w, const float *scale, int64_t columns, int64_t group,
                          int64_t row_begin, int64_t row_end,
                          const float *x, int64_t tokens, float *y, int64_t ldy);

#ifdef __cplusplus
}
#endif

#endif
