/* The gate work of one LSTM step, forward and backward, for a range of hidden units, eight
 * lanes at a time with AVX2 (see strata_lstm.h). One pass over memory where the Swift loops it
 * replaces made one per gate and per product; each value goes through the same operations in
 * the same order as those loops (products and sums apart, never fused), so the results are
 * the same bits. */
#include <stdint.h>
#include "strata_lstm.h"
#include "strata_quant.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma")))
#include "simd_avx2.h"

#define MUL _mm256_mul_ps
#define ADD _mm256_add_ps
#define SUB _mm256_sub_ps

AVX2 static void step_avx2(int64_t batch, int64_t hidden, int64_t u0, int64_t u1, const float *pre, int64_t pre_stride,
                           const float *rec, const float *c_prev, float *gates, float *h, float *c) {
    for (int64_t b = 0; b < batch; b++) {
        const float *p = pre + b * pre_stride, *r = rec + b * 4 * hidden, *cp = c_prev + b * hidden;
        float *a = gates + b * 4 * hidden, *hn = h + b * hidden, *cn = c + b * hidden;
        for (int64_t j = u0; j < u1; j += 8) {
            const __m256 i = vsigmoid(ADD(load8(p, j, u1), load8(r, j, u1)));
            const __m256 f = vsigmoid(ADD(load8(p + hidden, j, u1), load8(r + hidden, j, u1)));
            const __m256 g = vtanh(ADD(load8(p + 2 * hidden, j, u1), load8(r + 2 * hidden, j, u1)));
            const __m256 o = vsigmoid(ADD(load8(p + 3 * hidden, j, u1), load8(r + 3 * hidden, j, u1)));
            const __m256 cell = ADD(MUL(f, load8(cp, j, u1)), MUL(i, g));
            store8(a, j, u1, i);
            store8(a + hidden, j, u1, f);
            store8(a + 2 * hidden, j, u1, g);
            store8(a + 3 * hidden, j, u1, o);
            store8(cn, j, u1, cell);
            store8(hn, j, u1, MUL(vtanh(cell), o));
        }
    }
}

AVX2 static void step_backward_avx2(int64_t batch, int64_t hidden, int64_t u0, int64_t u1, const float *dh_out,
                                    const float *dh_carry, const float *dc_out, float *dc_carry, const float *gates,
                                    const float *c, const float *c_prev, float *dpre, int64_t dpre_stride) {
    const __m256 one = _mm256_set1_ps(1.0f);
    for (int64_t b = 0; b < batch; b++) {
        const float *a = gates + b * 4 * hidden;
        const int64_t row = b * hidden;
        float *d = dpre + b * dpre_stride;
        for (int64_t j = u0; j < u1; j += 8) {
            const __m256 i = load8(a, j, u1), f = load8(a + hidden, j, u1);
            const __m256 g = load8(a + 2 * hidden, j, u1), o = load8(a + 3 * hidden, j, u1);
            const __m256 dh = ADD(load8(dh_out + row, j, u1), load8(dh_carry + row, j, u1));
            const __m256 tc = vtanh(load8(c + row, j, u1));
            const __m256 dc = ADD(ADD(load8(dc_out + row, j, u1), load8(dc_carry + row, j, u1)),
                                  MUL(MUL(dh, o), SUB(one, MUL(tc, tc))));
            store8(d, j, u1, MUL(MUL(MUL(dc, g), i), SUB(one, i)));
            store8(d + hidden, j, u1, MUL(MUL(MUL(dc, load8(c_prev + row, j, u1)), f), SUB(one, f)));
            store8(d + 2 * hidden, j, u1, MUL(MUL(dc, i), SUB(one, MUL(g, g))));
            store8(d + 3 * hidden, j, u1, MUL(MUL(MUL(dh, tc), o), SUB(one, o)));
            store8(dc_carry + row, j, u1, MUL(dc, f));
        }
    }
}

int strata_lstm_step_f32(int64_t batch, int64_t hidden, int64_t u0, int64_t u1, const float *pre, int64_t pre_stride,
                         const float *rec, const float *c_prev, float *gates, float *h, float *c) {
    if (strata_quant_best_level() != STRATA_QUANT_AVX2) return 0;
    step_avx2(batch, hidden, u0, u1, pre, pre_stride, rec, c_prev, gates, h, c);
    return 1;
}

int strata_lstm_step_backward_f32(int64_t batch, int64_t hidden, int64_t u0, int64_t u1, const float *dh_out,
                                  const float *dh_carry, const float *dc_out, float *dc_carry, const float *gates,
                                  const float *c, const float *c_prev, float *dpre, int64_t dpre_stride) {
    if (strata_quant_best_level() != STRATA_QUANT_AVX2) return 0;
    step_backward_avx2(batch, hidden, u0, u1, dh_out, dh_carry, dc_out, dc_carry, gates, c, c_prev, dpre, dpre_stride);
    return 1;
}

#else

int strata_lstm_step_f32(int64_t batch, int64_t hidden, int64_t u0, int64_t u1, const float *pre, int64_t pre_stride,
                         const float *rec, const float *c_prev, float *gates, float *h, float *c) {
    (void)batch; (void)hidden; (void)u0; (void)u1; (void)pre; (void)pre_stride; (void)rec; (void)c_prev; (void)gates; (void)h; (void)c;
    return 0;
}

int strata_lstm_step_backward_f32(int64_t batch, int64_t hidden, int64_t u0, int64_t u1, const float *dh_out,
                                  const float *dh_carry, const float *dc_out, float *dc_carry, const float *gates,
                                  const float *c, const float *c_prev, float *dpre, int64_t dpre_stride) {
    (void)batch; (void)hidden; (void)u0; (void)u1; (void)dh_out; (void)dh_carry; (void)dc_out; (void)dc_carry;
    (void)gates; (void)c; (void)c_prev; (void)dpre; (void)dpre_stride;
    return 0;
}

#endif
