/* Shared by the kernel files of CStrataKernels: block sizes, the layout of activation codes,
 * unaligned loads, and the entry points of each kernel set. */
#ifndef STRATA_QUANT_INTERNAL_H
#define STRATA_QUANT_INTERNAL_H

#include <stdint.h>
#include <string.h>
#include "strata_quant.h"

/* Dequantisation must round exactly as ggml does: no fused multiply-add. */
#pragma STDC FP_CONTRACT OFF

#define QK 32     /* values per block of Q4_0, Q4_1, Q8_0 and per block of activation codes */
#define QK_K 256  /* values per super-block of the K types */

/* Bytes per block. */
#define Q4_0_BYTES 18   /* f16 d, 16 bytes of nibbles */
#define Q4_1_BYTES 20   /* f16 d, f16 m, 16 bytes of nibbles */
#define Q8_0_BYTES 34   /* f16 d, 32 int8 */
#define Q4_K_BYTES 144  /* f16 d, f16 dmin, 12 bytes of 6-bit scales and mins, 128 bytes of nibbles */
#define Q6_K_BYTES 210  /* 128 bytes ql, 64 bytes qh, 16 int8 scales, f16 d */

/* Activation codes of one token: `nb` pairs (d, sum) of floats, then nb * 32 int16 codes.
 * x[k] ~= d[k / 32] * q[k]; sum is the float sum of the block's x. */
typedef struct {
    const float *ds;
    const int16_t *q;
} strata_code_row;

static inline strata_code_row strata_code_row_at(const void *codes, int64_t token, int64_t nb) {
    const uint8_t *base = (const uint8_t *)codes + (size_t)token * (size_t)nb * (2 * sizeof(float) + QK * sizeof(int16_t));
    strata_code_row r = { (const float *)base, (const int16_t *)(base + (size_t)nb * 2 * sizeof(float)) };
    return r;
}

static inline uint16_t strata_load_u16(const uint8_t *p) {
    uint16_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline uint32_t strata_load_u32(const uint8_t *p) {
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline float strata_bits_to_f32(uint32_t b) {
    float f;
    memcpy(&f, &b, sizeof f);
    return f;
}

static inline uint32_t strata_f32_to_bits(float f) {
    uint32_t b;
    memcpy(&b, &f, sizeof b);
    return b;
}

/* Q4_K packs 8 six-bit scales and 8 six-bit minimums into 12 bytes: sub-blocks 0-3 in the low
 * 6 bits of bytes 0-3 (scales) and 4-7 (mins); sub-blocks 4-7 in the nibbles of bytes 8-11,
 * with their top two bits in the top two bits of bytes 0-7. */
static inline void strata_q4_k_scales(const uint8_t *s, uint8_t sc[8], uint8_t mn[8]) {
    for (int j = 0; j < 4; j++) {
        sc[j] = s[j] & 63;
        mn[j] = s[j + 4] & 63;
        sc[j + 4] = (uint8_t)((s[j + 8] & 0x0F) | ((s[j] >> 6) << 4));
        mn[j + 4] = (uint8_t)((s[j + 8] >> 4) | ((s[j + 4] >> 6) << 4));
    }
}

/* The two kernel sets. */
void strata_scalar_make_codes(const float *x, int64_t tokens, int64_t columns, void *codes);
void strata_scalar_matmul(uint32_t type, const uint8_t *w, size_t row_bytes, int64_t columns,
                          int64_t row_begin, int64_t row_end, const float *x, const void *codes,
                          int64_t tokens, float *y, int64_t ldy);
void strata_scalar_dequantize_row(uint32_t type, const uint8_t *row, float *out, int64_t columns);

#if defined(__x86_64__) || defined(__i386__)
#define STRATA_HAVE_AVX2_KERNELS 1
void strata_avx2_make_codes(const float *x, int64_t tokens, int64_t columns, void *codes);
void strata_avx2_matmul(uint32_t type, const uint8_t *w, size_t row_bytes, int64_t columns,
                        int64_t row_begin, int64_t row_end, const float *x, const void *codes,
                        int64_t tokens, float *y, int64_t ldy);
/* Returns 0 when it has no AVX2 version of `type` (the caller then uses the scalar one). */
int strata_avx2_dequantize_row(uint32_t type, const uint8_t *row, float *out, int64_t columns);
/* Panel products (quant_panels_simd.c): AVX-512 VNNI when the CPU has it (and the environment
 * does not set STRATA_NO_AVX512), else AVX2. */
void strata_simd_panels_matmul(uint32_t type, const uint8_t *panels, int64_t rows, int64_t columns, int64_t panel_begin,
                               int64_t panel_end, const void *codes, int64_t tokens, float *y, int64_t ldy);
#endif

/* Whether a kernel asked for `level` runs its AVX2 version: the level asks for it and the CPU
 * has it. */
static inline int strata_use_avx2(int level) {
#if defined(STRATA_HAVE_AVX2_KERNELS)
    return level == STRATA_QUANT_AVX2 && strata_quant_best_level() == STRATA_QUANT_AVX2;
#else
    (void)level;
    return 0;
#endif
}

#endif
