/*
 * Products with GGML-quantised matrices, dequantising inside the kernel.
 *
 * A weight matrix W has `rows` output features; each row holds `columns` values (ggml's ne0,
 * the contiguous axis) stored as consecutive blocks of its type (Q4_0, Q4_1, Q8_0: 32 values;
 * Q4_K, Q6_K: 256 values) or as plain F32/F16/BF16 values. Type ids are ggml's (`ggml_type`).
 *
 * The product y[t, r] = sum_k x[t, k] * W[r, k] of quantised types runs on integers: each
 * row of x is first rounded to int16 codes with one float scale per 32 values (relative error
 * about 1.5e-5 of the block's largest |x|, far below the 4- or 8-bit weight codes), then the
 * kernels multiply 16-bit activation codes by the weight codes with exact int32 sums and
 * scale the sum of each block in float32. Plain float types multiply float32 x directly.
 *
 * Two kernel sets exist: portable C (STRATA_QUANT_SCALAR) and AVX2+FMA+F16C
 * (STRATA_QUANT_AVX2), the latter chosen at run time when the CPU has it.
 */
#ifndef STRATA_QUANT_H
#define STRATA_QUANT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Kernel sets. */
enum {
    STRATA_QUANT_SCALAR = 0,
    STRATA_QUANT_AVX2 = 1,
};

/* ggml type ids this library handles. */
enum {
    STRATA_GGML_F32 = 0,
    STRATA_GGML_F16 = 1,
    STRATA_GGML_Q4_0 = 2,
    STRATA_GGML_Q4_1 = 3,
    STRATA_GGML_Q8_0 = 8,
    STRATA_GGML_Q4_K = 12,
    STRATA_GGML_Q6_K = 14,
    STRATA_GGML_BF16 = 30,
};

/* The best kernel set this CPU runs (checked once). */
int strata_quant_best_level(void);

/* 1 when `type` is one of the ids above. */
int strata_quant_supports(uint32_t type);

/* 1 when products with `type` use the int16 activation codes (every quantised type),
 * 0 when they read float32 x directly (F32, F16, BF16). */
int strata_quant_uses_codes(uint32_t type);

/* Bytes of the int16 codes of `tokens` rows of `columns` values (columns % 32 == 0). */
size_t strata_quant_codes_bytes(int64_t tokens, int64_t columns);

/* Rounds `tokens` rows of x [tokens, columns] (row stride `columns`) to int16 codes in `codes`
 * (strata_quant_codes_bytes of them). Per block of 32 values: scale d = max|x| / 32767,
 * codes rint(x / d), and the float sum of the block's x (for the minimum term of Q4_1/Q4_K). */
void strata_quant_make_codes(int level, const float *x, int64_t tokens, int64_t columns, void *codes);

/* y[t * ldy + r] = sum_k x[t, k] * W[r, k] for r in [row_begin, row_end), t in [0, tokens).
 * `w` points at row 0; rows are `row_bytes` apart. `codes` (from strata_quant_make_codes) is
 * read for quantised types, `x` (row stride `columns`) for float types. Weight rows are read
 * once per tile of tokens. */
void strata_quant_matmul(int level, uint32_t type, const void *w, size_t row_bytes, int64_t columns,
                         int64_t row_begin, int64_t row_end,
                         const float *x, const void *codes, int64_t tokens,
                         float *y, int64_t ldy);

/* Writes the `columns` float32 values of one stored row; bit-identical to ggml's dequantisation
 * (products and sums rounded in float32 in ggml's order, no fused multiply-add). */
void strata_quant_dequantize_row(int level, uint32_t type, const void *row, float *out, int64_t columns);

/* Quantises one row of `columns` values into `out` with ggml's reference round-to-nearest
 * quantisers (F32, F16, BF16, Q4_0, Q4_1, Q8_0). Returns 0, or -1 for a type it cannot
 * produce. */
int strata_quant_quantize_row(uint32_t type, const float *x, void *out, int64_t columns);

/* MARK: Panels
 * Q4_0, Q4_1 and Q8_0 matrices rearranged in panels of 16 rows (layout: quant_panels.c), so
 * that one vector instruction multiplies a block of 16 rows by a token's activation codes and a
 * panel block is unpacked once for a tile of up to 8 tokens. Same bytes per row and block as
 * the source type; rows are padded with zeros to a multiple of 16. */

/* 1 for Q4_0, Q4_1 and Q8_0. */
int strata_quant_panels_support(uint32_t type);

/* Bytes of one panel block (16 rows x 32 columns), 0 for other types. */
size_t strata_quant_panel_block_bytes(uint32_t type);

/* Bytes of a whole matrix in panels: ceil(rows / 16) * (columns / 32) panel blocks. */
size_t strata_quant_panels_bytes(uint32_t type, int64_t rows, int64_t columns);

/* Packs panels [panel_begin, panel_end) of the ggml-encoded matrix `w` (rows `row_bytes`
 * apart) into `out` (the whole matrix's panel buffer). Returns 0, or -1 for another type or a
 * Q4_0 scale whose -8 d is not exact in f16 (the matrix then stays in rows). */
int strata_quant_panels_pack(uint32_t type, const uint8_t *w, size_t row_bytes, int64_t rows, int64_t columns,
                             int64_t panel_begin, int64_t panel_end, uint8_t *out);

/* Writes row r of a panel matrix in ggml's encoding (the row's original bytes) to `row`. */
void strata_quant_panels_row(uint32_t type, const uint8_t *panels, int64_t columns, int64_t r, uint8_t *row);

/* y[t * ldy + r] = sum_k x[t, k] * W[r, k] for the rows r of panels [panel_begin, panel_end)
 * (r < rows), t in [0, tokens), from the activation codes of strata_quant_make_codes. From
 * the same codes every level and CPU gives the same bits, and a token's result does not depend
 * on the others. */
void strata_quant_panels_matmul(int level, uint32_t type, const uint8_t *panels, int64_t rows, int64_t columns,
                                int64_t panel_begin, int64_t panel_end, const void *codes, int64_t tokens,
                                float *y, int64_t ldy);

/* IEEE half <-> float conversions (round to nearest even), exposed for tests. */
float strata_f16_to_f32(uint16_t h);
uint16_t strata_f32_to_f16(float f);

#ifdef __cplusplus
}
#endif

#endif
