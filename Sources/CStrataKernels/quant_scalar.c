/* Portable C kernels: the reference the AVX2 kernels are tested against, and the fallback on
 * CPUs without AVX2. */
#include <math.h>
#include "quant_internal.h"

float strata_f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exponent = (h >> 10) & 0x1Fu;
    uint32_t mantissa = h & 0x3FFu;
    if (exponent == 0x1F) return strata_bits_to_f32(sign | 0x7F800000u | (mantissa << 13));  /* inf, NaN */
    if (exponent == 0) {                                                                     /* zero, subnormal */
        float magnitude = (float)mantissa * 0x1p-24f;                                        /* exact */
        return strata_bits_to_f32(sign | strata_f32_to_bits(magnitude));
    }
    return strata_bits_to_f32(sign | ((exponent + 112u) << 23) | (mantissa << 13));
}

uint16_t strata_f32_to_f16(float f) {
    uint32_t bits = strata_f32_to_bits(f);
    uint16_t sign = (uint16_t)((bits >> 16) & 0x8000u);
    uint32_t magnitude = bits & 0x7FFFFFFFu;
    if (magnitude > 0x7F800000u) return (uint16_t)(sign | 0x7E00u | ((magnitude >> 13) & 0x3FFu));  /* quiet NaN */
    if (magnitude >= 0x477FF000u) return (uint16_t)(sign | 0x7C00u);  /* >= 65520 rounds to infinity */
    if (magnitude < 0x38800000u) {                                     /* below 2^-14: subnormal half */
        /* Units of 2^-24; the scaling is exact, lrintf rounds half to even. 1024 units give the
         * smallest normal's encoding. */
        return (uint16_t)(sign | (uint16_t)lrintf(strata_bits_to_f32(magnitude) * 0x1p24f));
    }
    uint32_t rounded = magnitude + 0xFFFu + ((magnitude >> 13) & 1u);  /* half to even on 13 dropped bits */
    return (uint16_t)(sign | ((rounded - (112u << 23)) >> 13));
}

/* MARK: - Activation codes */

/* Scale and inverse scale of a block whose largest magnitude is `amax` and whose sum is `sum`.
 * Blocks holding inf or NaN get a NaN scale so that the product is NaN, as in float. Blocks
 * below 2^-110 (far under any activation) become zero codes. */
static inline void code_scale(float amax, float sum, float *d, float *id) {
    if (!isfinite(sum)) { *d = NAN; *id = 0; return; }
    if (amax < 0x1p-110f) { *d = 0; *id = 0; return; }
    *d = amax / 32767.0f;
    *id = 32767.0f / amax;
}

void strata_scalar_make_codes(const float *x, int64_t tokens, int64_t columns, void *codes) {
    const int64_t nb = columns / QK;
    for (int64_t t = 0; t < tokens; t++) {
        strata_code_row c = strata_code_row_at(codes, t, nb);
        float *ds = (float *)c.ds;
        int16_t *q = (int16_t *)c.q;
        const float *xr = x + t * columns;
        for (int64_t b = 0; b < nb; b++) {
            const float *xb = xr + b * QK;
            float amax = 0, sum = 0;
            for (int j = 0; j < QK; j++) {
                float a = fabsf(xb[j]);
                amax = a > amax ? a : amax;
                sum += xb[j];
            }
            float d, id;
            code_scale(amax, sum, &d, &id);
            ds[2 * b] = d;
            ds[2 * b + 1] = sum;
            for (int j = 0; j < QK; j++) q[b * QK + j] = (int16_t)lrintf(xb[j] * id);
        }
    }
}

/* MARK: - Products */

/* One row of W times the codes of one token: the dot product over `nb` blocks of 32. */
static float dot_q4_0(const uint8_t *row, int64_t nb, strata_code_row c) {
    float acc = 0;
    for (int64_t b = 0; b < nb; b++) {
        const uint8_t *blk = row + b * Q4_0_BYTES;
        const float d = strata_f16_to_f32(strata_load_u16(blk));
        const int16_t *xq = c.q + b * QK;
        int32_t s = 0;
        for (int j = 0; j < 16; j++) {
            s += ((blk[2 + j] & 0x0F) - 8) * xq[j] + ((blk[2 + j] >> 4) - 8) * xq[j + 16];
        }
        acc += (d * c.ds[2 * b]) * (float)s;
    }
    return acc;
}

static float dot_q4_1(const uint8_t *row, int64_t nb, strata_code_row c) {
    float acc = 0, minimums = 0;
    for (int64_t b = 0; b < nb; b++) {
        const uint8_t *blk = row + b * Q4_1_BYTES;
        const float d = strata_f16_to_f32(strata_load_u16(blk));
        const float m = strata_f16_to_f32(strata_load_u16(blk + 2));
        const int16_t *xq = c.q + b * QK;
        int32_t s = 0;
        for (int j = 0; j < 16; j++) s += (blk[4 + j] & 0x0F) * xq[j] + (blk[4 + j] >> 4) * xq[j + 16];
        acc += (d * c.ds[2 * b]) * (float)s;
        minimums += m * c.ds[2 * b + 1];
    }
    return acc + minimums;
}

static float dot_q8_0(const uint8_t *row, int64_t nb, strata_code_row c) {
    float acc = 0;
    for (int64_t b = 0; b < nb; b++) {
        const uint8_t *blk = row + b * Q8_0_BYTES;
        const float d = strata_f16_to_f32(strata_load_u16(blk));
        const int8_t *qw = (const int8_t *)(blk + 2);
        const int16_t *xq = c.q + b * QK;
        int32_t s = 0;
        for (int j = 0; j < QK; j++) s += qw[j] * xq[j];
        acc += (d * c.ds[2 * b]) * (float)s;
    }
    return acc;
}

static float dot_q4_k(const uint8_t *row, int64_t nsb, strata_code_row c) {
    float acc = 0, minimums = 0;
    for (int64_t i = 0; i < nsb; i++) {
        const uint8_t *blk = row + i * Q4_K_BYTES;
        const float d = strata_f16_to_f32(strata_load_u16(blk));
        const float dmin = strata_f16_to_f32(strata_load_u16(blk + 2));
        uint8_t sc[8], mn[8];
        strata_q4_k_scales(blk + 4, sc, mn);
        const uint8_t *qs = blk + 16;
        for (int j = 0; j < 8; j++) {
            const int64_t b = i * 8 + j;          /* code block of this sub-block */
            const uint8_t *q = qs + (j / 2) * 32;  /* even j: low nibbles, odd j: high nibbles */
            const int shift = (j & 1) * 4;
            const int16_t *xq = c.q + b * QK;
            int32_t s = 0;
            for (int l = 0; l < 32; l++) s += ((q[l] >> shift) & 0x0F) * xq[l];
            acc += (d * (float)sc[j]) * c.ds[2 * b] * (float)s;
            minimums += (dmin * (float)mn[j]) * c.ds[2 * b + 1];
        }
    }
    return acc - minimums;
}

static float dot_q6_k(const uint8_t *row, int64_t nsb, strata_code_row c) {
    float acc = 0;
    for (int64_t i = 0; i < nsb; i++) {
        const uint8_t *blk = row + i * Q6_K_BYTES;
        const float d = strata_f16_to_f32(strata_load_u16(blk + 208));
        const int8_t *scales = (const int8_t *)(blk + 192);
        for (int h = 0; h < 2; h++) {             /* two halves of 128 values */
            const uint8_t *ql = blk + 64 * h, *qh = blk + 128 + 32 * h;
            for (int part = 0; part < 4; part++) {  /* 32 values each: one code block */
                const int64_t b = i * 8 + h * 4 + part;
                const int16_t *xq = c.q + b * QK;
                int32_t s[2] = { 0, 0 };          /* one sum per scale group of 16 */
                for (int l = 0; l < 32; l++) {
                    const uint8_t low = (part & 1) ? ql[l + 32] : ql[l];
                    const int q = (((part < 2) ? (low & 0x0F) : (low >> 4)) | (((qh[l] >> (2 * part)) & 3) << 4)) - 32;
                    s[l / 16] += q * xq[l];
                }
                const int g = h * 8 + part * 2;
                acc += (d * c.ds[2 * b]) * ((float)scales[g] * (float)s[0] + (float)scales[g + 1] * (float)s[1]);
            }
        }
    }
    return acc;
}

static float dot_float(uint32_t type, const uint8_t *row, int64_t columns, const float *x) {
    float acc = 0;
    for (int64_t k = 0; k < columns; k++) {
        float w;
        switch (type) {
        case STRATA_GGML_F16: w = strata_f16_to_f32(strata_load_u16(row + 2 * k)); break;
        case STRATA_GGML_BF16: w = strata_bits_to_f32((uint32_t)strata_load_u16(row + 2 * k) << 16); break;
        default: memcpy(&w, row + 4 * k, sizeof w); break;
        }
        acc += w * x[k];
    }
    return acc;
}

void strata_scalar_matmul(uint32_t type, const uint8_t *w, size_t row_bytes, int64_t columns,
                          int64_t row_begin, int64_t row_end, const float *x, const void *codes,
                          int64_t tokens, float *y, int64_t ldy) {
    const int64_t nb = columns / QK;
    /* Tiles of 4 tokens: a weight row is read from cache for each token of the tile. */
    for (int64_t t0 = 0; t0 < tokens; t0 += 4) {
        const int64_t t1 = t0 + 4 < tokens ? t0 + 4 : tokens;
        for (int64_t r = row_begin; r < row_end; r++) {
            const uint8_t *row = w + (size_t)r * row_bytes;
            for (int64_t t = t0; t < t1; t++) {
                const strata_code_row c = codes ? strata_code_row_at(codes, t, nb) : (strata_code_row){ 0, 0 };
                float v;
                switch (type) {
                case STRATA_GGML_Q4_0: v = dot_q4_0(row, nb, c); break;
                case STRATA_GGML_Q4_1: v = dot_q4_1(row, nb, c); break;
                case STRATA_GGML_Q8_0: v = dot_q8_0(row, nb, c); break;
                case STRATA_GGML_Q4_K: v = dot_q4_k(row, columns / QK_K, c); break;
                case STRATA_GGML_Q6_K: v = dot_q6_k(row, columns / QK_K, c); break;
                default: v = dot_float(type, row, columns, x + t * columns); break;
                }
                y[t * ldy + r] = v;
            }
        }
    }
}

/* MARK: - Dequantisation (ggml's order of float32 operations) */

void strata_scalar_dequantize_row(uint32_t type, const uint8_t *row, float *out, int64_t columns) {
    switch (type) {
    case STRATA_GGML_F32:
        memcpy(out, row, (size_t)columns * sizeof(float));
        return;
    case STRATA_GGML_F16:
        for (int64_t k = 0; k < columns; k++) out[k] = strata_f16_to_f32(strata_load_u16(row + 2 * k));
        return;
    case STRATA_GGML_BF16:
        for (int64_t k = 0; k < columns; k++) out[k] = strata_bits_to_f32((uint32_t)strata_load_u16(row + 2 * k) << 16);
        return;
    case STRATA_GGML_Q4_0:
        for (int64_t b = 0; b < columns / QK; b++) {
            const uint8_t *blk = row + b * Q4_0_BYTES;
            const float d = strata_f16_to_f32(strata_load_u16(blk));
            for (int j = 0; j < 16; j++) {
                out[b * QK + j] = d * (float)((blk[2 + j] & 0x0F) - 8);
                out[b * QK + j + 16] = d * (float)((blk[2 + j] >> 4) - 8);
            }
        }
        return;
    case STRATA_GGML_Q4_1:
        for (int64_t b = 0; b < columns / QK; b++) {
            const uint8_t *blk = row + b * Q4_1_BYTES;
            const float d = strata_f16_to_f32(strata_load_u16(blk));
            const float m = strata_f16_to_f32(strata_load_u16(blk + 2));
            for (int j = 0; j < 16; j++) {
                const float lo = d * (float)(blk[4 + j] & 0x0F), hi = d * (float)(blk[4 + j] >> 4);
                out[b * QK + j] = lo + m;
                out[b * QK + j + 16] = hi + m;
            }
        }
        return;
    case STRATA_GGML_Q8_0:
        for (int64_t b = 0; b < columns / QK; b++) {
            const uint8_t *blk = row + b * Q8_0_BYTES;
            const float d = strata_f16_to_f32(strata_load_u16(blk));
            for (int j = 0; j < QK; j++) out[b * QK + j] = (float)(int8_t)blk[2 + j] * d;
        }
        return;
    case STRATA_GGML_Q4_K:
        for (int64_t i = 0; i < columns / QK_K; i++) {
            const uint8_t *blk = row + i * Q4_K_BYTES;
            const float d = strata_f16_to_f32(strata_load_u16(blk));
            const float dmin = strata_f16_to_f32(strata_load_u16(blk + 2));
            uint8_t sc[8], mn[8];
            strata_q4_k_scales(blk + 4, sc, mn);
            float *o = out + i * QK_K;
            for (int j = 0; j < 8; j++) {
                const uint8_t *q = blk + 16 + (j / 2) * 32;
                const int shift = (j & 1) * 4;
                const float scale = d * (float)sc[j], minimum = dmin * (float)mn[j];
                for (int l = 0; l < 32; l++) {
                    const float v = scale * (float)((q[l] >> shift) & 0x0F);
                    o[j * 32 + l] = v - minimum;
                }
            }
        }
        return;
    case STRATA_GGML_Q6_K:
        for (int64_t i = 0; i < columns / QK_K; i++) {
            const uint8_t *blk = row + i * Q6_K_BYTES;
            const float d = strata_f16_to_f32(strata_load_u16(blk + 208));
            const int8_t *scales = (const int8_t *)(blk + 192);
            float *o = out + i * QK_K;
            for (int h = 0; h < 2; h++) {
                const uint8_t *ql = blk + 64 * h, *qh = blk + 128 + 32 * h;
                for (int part = 0; part < 4; part++) {
                    for (int l = 0; l < 32; l++) {
                        const uint8_t low = (part & 1) ? ql[l + 32] : ql[l];
                        const int q = (((part < 2) ? (low & 0x0F) : (low >> 4)) | (((qh[l] >> (2 * part)) & 3) << 4)) - 32;
                        const int v = h * 128 + part * 32 + l;
                        o[v] = (d * (float)scales[v / 16]) * (float)q;
                    }
                }
            }
        }
        return;
    }
}
