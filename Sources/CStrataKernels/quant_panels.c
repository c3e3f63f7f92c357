/* Panels: Q4_0, Q4_1 and Q8_0 matrices rearranged so that one vector instruction multiplies
 * 16 rows at once (strata_quant.h, "Panels"). This file holds the layout (packing, and
 * rebuilding a row in ggml's encoding), the portable product and the dispatch; the vector
 * products are in quant_panels_simd.c.
 *
 * A panel block is rows 16p .. 16p+15 times columns 32b .. 32b+31:
 *   Q4_0, Q4_1: 16 f16 scales d, 16 f16 minimums m (Q4_0: m = -8 d), then 4 vectors of 64
 *               bytes. Vector s, 4 bytes per row i: 16-bit word 0 holds the codes of columns
 *               8s, 8s+2, 8s+4, 8s+6 in its nibbles 0-3, word 1 those of 8s+1, 8s+3, 8s+5,
 *               8s+7. Masking nibble k of both words gives, per row, the int16 pair of columns
 *               (8s+2k, 8s+2k+1): the pair of activation codes one 32-bit broadcast reads.
 *               320 bytes: 20 per row and block, as Q4_1.
 *   Q8_0:       16 f16 scales d, then 8 vectors of 64 bytes. Vector u, 4 bytes per row:
 *               codes of columns 4u, 4u+2, 4u+1, 4u+3, so the low bytes of the two 16-bit
 *               words are the pair (4u, 4u+1) and the high bytes the pair (4u+2, 4u+3).
 *               544 bytes: 34 per row and block, as Q8_0.
 * Rows past the last one (the last panel's padding) hold zeros. */
#include <math.h>
#include "quant_internal.h"

enum { PANEL = 16 };

static int panel_header(uint32_t type) { return type == STRATA_GGML_Q8_0 ? 2 * PANEL : 4 * PANEL; }
static int panel_codes(uint32_t type) { return type == STRATA_GGML_Q8_0 ? 32 * PANEL : 16 * PANEL; }
static size_t ggml_block_bytes(uint32_t type) {
    return type == STRATA_GGML_Q8_0 ? Q8_0_BYTES : type == STRATA_GGML_Q4_1 ? Q4_1_BYTES : Q4_0_BYTES;
}

int strata_quant_panels_support(uint32_t type) {
    return type == STRATA_GGML_Q4_0 || type == STRATA_GGML_Q4_1 || type == STRATA_GGML_Q8_0;
}

size_t strata_quant_panel_block_bytes(uint32_t type) {
    return strata_quant_panels_support(type) ? (size_t)(panel_header(type) + panel_codes(type)) : 0;
}

size_t strata_quant_panels_bytes(uint32_t type, int64_t rows, int64_t columns) {
    return (size_t)((rows + PANEL - 1) / PANEL) * (size_t)(columns / QK) * strata_quant_panel_block_bytes(type);
}

/* The 32 codes of a stored block (Q4: 0-15; Q8_0: -128-127) and its d and m (as f16 bits). */
static void block_codes(uint32_t type, const uint8_t *blk, int16_t *q, uint16_t *d, uint16_t *m) {
    *d = strata_load_u16(blk);
    if (type == STRATA_GGML_Q8_0) {
        *m = 0;
        for (int j = 0; j < 32; j++) q[j] = (int8_t)blk[2 + j];
        return;
    }
    const uint8_t *qs = blk + (type == STRATA_GGML_Q4_1 ? 4 : 2);
    for (int j = 0; j < 16; j++) { q[j] = qs[j] & 0x0F; q[j + 16] = qs[j] >> 4; }
    if (type == STRATA_GGML_Q4_1) { *m = strata_load_u16(blk + 2); return; }
    *m = strata_f32_to_f16(-8.0f * strata_f16_to_f32(*d));
}

/* Byte offset, within a panel block's codes, of the code of (row i, column j), and for Q4 the
 * nibble's shift. */
static void code_place(uint32_t type, int i, int j, int *offset, int *shift) {
    if (type == STRATA_GGML_Q8_0) {
        const int u = j / 4, r = j % 4;  /* bytes: 4u, 4u+2, 4u+1, 4u+3 */
        static const int slot[4] = { 0, 2, 1, 3 };
        *offset = u * 64 + i * 4 + slot[r];
        *shift = 0;
        return;
    }
    const int s = j / 8, r = j % 8;     /* word r % 2, nibble r / 2 */
    const int bit = 16 * (r % 2) + 4 * (r / 2);
    *offset = s * 64 + i * 4 + bit / 8;
    *shift = bit % 8;
}

int strata_quant_panels_pack(uint32_t type, const uint8_t *w, size_t row_bytes, int64_t rows, int64_t columns,
                             int64_t panel_begin, int64_t panel_end, uint8_t *out) {
    if (!strata_quant_panels_support(type)) return -1;
    const int64_t nb = columns / QK;
    const int header = panel_header(type);
    const size_t block = strata_quant_panel_block_bytes(type), src_bytes = ggml_block_bytes(type);
    int status = 0;
    int offset[PANEL][32], shift[PANEL][32];
    for (int i = 0; i < PANEL; i++)
        for (int j = 0; j < 32; j++) code_place(type, i, j, &offset[i][j], &shift[i][j]);
    const uint8_t mask = type == STRATA_GGML_Q8_0 ? 0xFF : 0x0F;
    for (int64_t p = panel_begin; p < panel_end; p++) {
        for (int64_t b = 0; b < nb; b++) {
            uint8_t *pb = out + (size_t)(p * nb + b) * block;
            memset(pb, 0, block);
            for (int i = 0; i < PANEL && p * PANEL + i < rows; i++) {
                int16_t q[32];
                uint16_t d, m;
                block_codes(type, w + (size_t)(p * PANEL + i) * row_bytes + (size_t)b * src_bytes, q, &d, &m);
                /* Q4_0's m = -8 d must be exact in f16 (it is unless 8 |d| overflows). */
                if (type == STRATA_GGML_Q4_0 && strata_f16_to_f32(m) != -8.0f * strata_f16_to_f32(d)) status = -1;
                memcpy(pb + 2 * i, &d, 2);
                if (header > 2 * PANEL) memcpy(pb + 2 * PANEL + 2 * i, &m, 2);
                for (int j = 0; j < 32; j++) pb[header + offset[i][j]] |= (uint8_t)(((uint8_t)q[j] & mask) << shift[i][j]);
            }
        }
    }
    return status;
}

void strata_quant_panels_row(uint32_t type, const uint8_t *panels, int64_t columns, int64_t r, uint8_t *row) {
    const int64_t nb = columns / QK;
    const int header = panel_header(type);
    const size_t block = strata_quant_panel_block_bytes(type), dst_bytes = ggml_block_bytes(type);
    const int64_t p = r / PANEL;
    const int i = (int)(r % PANEL);
    for (int64_t b = 0; b < nb; b++) {
        const uint8_t *pb = panels + (size_t)(p * nb + b) * block;
        uint8_t *dst = row + (size_t)b * dst_bytes;
        memcpy(dst, pb + 2 * i, 2);
        if (type == STRATA_GGML_Q4_1) memcpy(dst + 2, pb + 2 * PANEL + 2 * i, 2);
        uint8_t q[32];
        for (int j = 0; j < 32; j++) {
            int offset, shift;
            code_place(type, i, j, &offset, &shift);
            q[j] = (uint8_t)(pb[header + offset] >> shift);
        }
        if (type == STRATA_GGML_Q8_0) { memcpy(dst + 2, q, 32); continue; }
        uint8_t *qs = dst + (type == STRATA_GGML_Q4_1 ? 4 : 2);
        for (int j = 0; j < 16; j++) qs[j] = (uint8_t)((q[j] & 0x0F) | (q[j + 16] << 4));
    }
}

/* The portable product: the same sums in the same order as the vector versions (per block an
 * exact int32 sum, then acc += sum * (d * dx), then acc += m * sum_x), so every set gives the
 * same bits. */
static void scalar_panels(uint32_t type, const uint8_t *panels, int64_t rows, int64_t columns, int64_t panel_begin,
                          int64_t panel_end, const void *codes, int64_t tokens, float *y, int64_t ldy) {
    const int64_t nb = columns / QK;
    const int header = panel_header(type);
    const size_t block = strata_quant_panel_block_bytes(type);
    for (int64_t p = panel_begin; p < panel_end; p++) {
        for (int i = 0; i < PANEL && p * PANEL + i < rows; i++) {
            int offset[32], shift[32];
            for (int j = 0; j < 32; j++) code_place(type, i, j, &offset[j], &shift[j]);
            for (int64_t t = 0; t < tokens; t++) {
                const strata_code_row c = strata_code_row_at(codes, t, nb);
                float acc = 0;
                for (int64_t b = 0; b < nb; b++) {
                    const uint8_t *pb = panels + (size_t)(p * nb + b) * block;
                    int32_t sum = 0;
                    for (int j = 0; j < 32; j++) {
                        const uint8_t byte = pb[header + offset[j]];
                        const int32_t wq = type == STRATA_GGML_Q8_0 ? (int8_t)byte : (byte >> shift[j]) & 0x0F;
                        sum += wq * c.q[b * QK + j];
                    }
                    const float d = strata_f16_to_f32(strata_load_u16(pb + 2 * i));
                    acc = fmaf((float)sum, d * c.ds[2 * b], acc);
                    if (type != STRATA_GGML_Q8_0) acc = fmaf(strata_f16_to_f32(strata_load_u16(pb + 2 * PANEL + 2 * i)), c.ds[2 * b + 1], acc);
                }
                y[t * ldy + p * PANEL + i] = acc;
            }
        }
    }
}

void strata_quant_panels_matmul(int level, uint32_t type, const uint8_t *panels, int64_t rows, int64_t columns,
                                int64_t panel_begin, int64_t panel_end, const void *codes, int64_t tokens,
                                float *y, int64_t ldy) {
#if defined(STRATA_HAVE_AVX2_KERNELS)
    if (strata_use_avx2(level)) {
        strata_simd_panels_matmul(type, panels, rows, columns, panel_begin, panel_end, codes, tokens, y, ldy);
        return;
    }
#endif
    (void)level;
    scalar_panels(type, panels, rows, columns, panel_begin, panel_end, codes, tokens, y, ldy);
}
