/* Entry points: pick the kernel set, check the type. */
#include "quant_internal.h"

int strata_quant_best_level(void) {
#if defined(STRATA_HAVE_AVX2_KERNELS)
    static int cached = -1;  /* every thread computes the same value: a relaxed store suffices */
    int level = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (level < 0) {
        __builtin_cpu_init();
        level = (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c"))
            ? STRATA_QUANT_AVX2 : STRATA_QUANT_SCALAR;
        __atomic_store_n(&cached, level, __ATOMIC_RELAXED);
    }
    return level;
#else
    return STRATA_QUANT_SCALAR;
#endif
}

int strata_quant_supports(uint32_t type) {
    switch (type) {
    case STRATA_GGML_F32: case STRATA_GGML_F16: case STRATA_GGML_BF16:
    case STRATA_GGML_Q4_0: case STRATA_GGML_Q4_1: case STRATA_GGML_Q8_0:
    case STRATA_GGML_Q4_K: case STRATA_GGML_Q6_K:
        return 1;
    default:
        return 0;
    }
}

int strata_quant_uses_codes(uint32_t type) {
    return strata_quant_supports(type) && type != STRATA_GGML_F32 && type != STRATA_GGML_F16 && type != STRATA_GGML_BF16;
}

size_t strata_quant_codes_bytes(int64_t tokens, int64_t columns) {
    return (size_t)tokens * (size_t)(columns / QK) * (2 * sizeof(float) + QK * sizeof(int16_t));
}

/* A level the CPU cannot run falls back to the best one it can. */
static int usable(int level) {
    return level > strata_quant_best_level() ? strata_quant_best_level() : level;
}

void strata_quant_make_codes(int level, const float *x, int64_t tokens, int64_t columns, void *codes) {
#if defined(STRATA_HAVE_AVX2_KERNELS)
    if (usable(level) == STRATA_QUANT_AVX2) { strata_avx2_make_codes(x, tokens, columns, codes); return; }
#endif
    (void)level;
    strata_scalar_make_codes(x, tokens, columns, codes);
}

void strata_quant_matmul(int level, uint32_t type, const void *w, size_t row_bytes, int64_t columns,
                         int64_t row_begin, int64_t row_end, const float *x, const void *codes,
                         int64_t tokens, float *y, int64_t ldy) {
#if defined(STRATA_HAVE_AVX2_KERNELS)
    if (usable(level) == STRATA_QUANT_AVX2) {
        strata_avx2_matmul(type, (const uint8_t *)w, row_bytes, columns, row_begin, row_end, x, codes, tokens, y, ldy);
        return;
    }
#endif
    (void)level;
    strata_scalar_matmul(type, (const uint8_t *)w, row_bytes, columns, row_begin, row_end, x, codes, tokens, y, ldy);
}

void strata_quant_dequantize_row(int level, uint32_t type, const void *row, float *out, int64_t columns) {
#if defined(STRATA_HAVE_AVX2_KERNELS)
    if (usable(level) == STRATA_QUANT_AVX2 && strata_avx2_dequantize_row(type, (const uint8_t *)row, out, columns)) return;
#endif
    (void)level;
    strata_scalar_dequantize_row(type, (const uint8_t *)row, out, columns);
}
