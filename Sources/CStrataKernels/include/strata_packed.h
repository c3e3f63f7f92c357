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
 * (AVX2: _mm256_maddubs_epi16 on |x| and sign-adjusted w, then _mm256_madd_epi16; AVX-512 VNNI,
 * from 8 tokens: _mm512_dpbusd_epi32 on repacked panels, below), and scales each sum once by x's
 * and w's scales. Exact int32 sums need columns <= 2^17.
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

/* AVX-512 VNNI dynamic int8 product (packed_int_vnni.c): the same int32 sums and the same
 * results as strata_i8_matmul_i8, about four times the multiply-adds per instruction.
 * strata_i8_vnni_available() is 1 when this CPU has AVX-512 F, BW, VL and VNNI (else the other
 * functions must not be called). Weights are repacked by panels of 16 rows into
 * 4 * strata_i8_vnni_column_groups(columns) * 16 bytes per panel, with rowsum (16 entries a
 * panel) the int32 sum of each row's codes; activations are the int8 codes plus 128, in rows of
 * 4 * strata_i8_vnni_column_groups(columns) bytes. */
int strata_i8_vnni_available(void);
int64_t strata_i8_vnni_column_groups(int64_t columns);
int64_t strata_i8_vnni_panels(int64_t rows);
void strata_i8_vnni_pack(const int8_t *w, int64_t rows, int64_t columns, int64_t panel_begin, int64_t panel_end,
                         int8_t *packed, int32_t *rowsum);
void strata_i8_quantize_rows_u8(const float *x, int64_t rows, int64_t columns, int64_t ldx, uint8_t *u, float *scale);
/* y[t * ldy + r] = xscale[t] * wscale[r] * sum_k q[t, k] * w[r, k] for the rows of panels
 * [panel_begin, panel_end). */
void strata_i8_vnni_matmul(const int8_t *packed, const int32_t *rowsum, const float *wscale, int64_t rows,
                           int64_t columns, int64_t panel_begin, int64_t panel_end, const uint8_t *xu,
                           const float *xscale, int64_t tokens, float *y, int64_t ldy);

#ifdef __cplusplus
}
#endif

#endif
