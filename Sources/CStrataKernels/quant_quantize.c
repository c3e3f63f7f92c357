/* ggml's reference round-to-nearest quantisers (the ones gguf-py reproduces bit for bit). */
#include <math.h>
#include "quant_internal.h"

static void quantize_q8_0(const float *x, uint8_t *out, int64_t nb) {
    for (int64_t b = 0; b < nb; b++, x += QK, out += Q8_0_BYTES) {
        float amax = 0;
        for (int j = 0; j < QK; j++) amax = fabsf(x[j]) > amax ? fabsf(x[j]) : amax;
        const float d = amax / 127.0f;
        const float id = d != 0 ? 1.0f / d : 0.0f;
        const uint16_t dh = strata_f32_to_f16(d);
        memcpy(out, &dh, 2);
        for (int j = 0; j < QK; j++) out[2 + j] = (uint8_t)(int8_t)roundf(x[j] * id);  /* half away from zero */
    }
}

static void quantize_q4_0(const float *x, uint8_t *out, int64_t nb) {
    for (int64_t b = 0; b < nb; b++, x += QK, out += Q4_0_BYTES) {
        float amax = 0, max = 0;  /* the first value of largest magnitude, with its sign */
        for (int j = 0; j < QK; j++) {
            if (fabsf(x[j]) > amax) { amax = fabsf(x[j]); max = x[j]; }
        }
        const float d = max / -8.0f;
        const float id = d != 0 ? 1.0f / d : 0.0f;
        const uint16_t dh = strata_f32_to_f16(d);
        memcpy(out, &dh, 2);
        for (int j = 0; j < 16; j++) {
            const float v0 = x[j] * id + 8.5f, v1 = x[j + 16] * id + 8.5f;
            const int q0 = (int)v0 > 15 ? 15 : (int)v0, q1 = (int)v1 > 15 ? 15 : (int)v1;
            out[2 + j] = (uint8_t)(q0 | (q1 << 4));
        }
    }
}

static void quantize_q4_1(const float *x, uint8_t *out, int64_t nb) {
    for (int64_t b = 0; b < nb; b++, x += QK, out += Q4_1_BYTES) {
        float min = x[0], max = x[0];
        for (int j = 1; j < QK; j++) {
            min = x[j] < min ? x[j] : min;
            max = x[j] > max ? x[j] : max;
        }
        const float d = (max - min) / 15.0f;
        const float id = d != 0 ? 1.0f / d : 0.0f;
        const uint16_t dh = strata_f32_to_f16(d), mh = strata_f32_to_f16(min);
        memcpy(out, &dh, 2);
        memcpy(out + 2, &mh, 2);
        for (int j = 0; j < 16; j++) {
            const float v0 = (x[j] - min) * id + 0.5f, v1 = (x[j + 16] - min) * id + 0.5f;
            const int q0 = (int)v0 > 15 ? 15 : (int)v0, q1 = (int)v1 > 15 ? 15 : (int)v1;
            out[4 + j] = (uint8_t)(q0 | (q1 << 4));
        }
    }
}

/* float32 -> bfloat16 as ggml rounds it: NaN made quiet, otherwise half to even. */
static uint16_t f32_to_bf16(float f) {
    uint32_t bits = strata_f32_to_bits(f);
    if ((bits & 0x7FFFFFFFu) > 0x7F800000u) return (uint16_t)((bits >> 16) | 64);
    return (uint16_t)(((uint64_t)bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
}

int strata_quant_quantize_row(uint32_t type, const float *x, void *out, int64_t columns) {
    uint8_t *o = (uint8_t *)out;
    switch (type) {
    case STRATA_GGML_F32:
        memcpy(o, x, (size_t)columns * sizeof(float));
        return 0;
    case STRATA_GGML_F16:
        for (int64_t k = 0; k < columns; k++) {
            const uint16_t h = strata_f32_to_f16(x[k]);
            memcpy(o + 2 * k, &h, 2);
        }
        return 0;
    case STRATA_GGML_BF16:
        for (int64_t k = 0; k < columns; k++) {
            const uint16_t h = f32_to_bf16(x[k]);
            memcpy(o + 2 * k, &h, 2);
        }
        return 0;
    case STRATA_GGML_Q8_0: if (columns % QK) return -1; quantize_q8_0(x, o, columns / QK); return 0;
    case STRATA_GGML_Q4_0: if (columns % QK) return -1; quantize_q4_0(x, o, columns / QK); return 0;
    case STRATA_GGML_Q4_1: if (columns % QK) return -1; quantize_q4_1(x, o, columns / QK); return 0;
    default: return -1;
    }
}
