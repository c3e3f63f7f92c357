/* The tile of gemm_small.c's product, written once for two vector widths: the including file
 * defines SMALL_TARGET (the target attribute), SMALL_VEC, SMALL_LANES, SMALL_ROWS, SMALL_COLUMNS,
 * SMALL_ZERO(), SMALL_LOAD(p), SMALL_LOAD_TAIL(p, count), SMALL_FMA(a, b, acc), SMALL_SUM(v) and
 * SMALL_NAME(name), then includes this file. `rows` (1...SMALL_ROWS) rows of A by `cols` (1 or
 * SMALL_COLUMNS) rows of B, SMALL_LANES values of k a step; constant counts keep the
 * accumulators in registers. */
SMALL_TARGET static inline __attribute__((always_inline)) void SMALL_NAME(tile)(
    int rows, int cols, int64_t k, const float *a, int64_t lda, const float *b, int64_t ldb, float *c, int64_t ldc, int accumulate) {
    SMALL_VEC acc[SMALL_ROWS][SMALL_COLUMNS];
    for (int r = 0; r < SMALL_ROWS; r++) for (int j = 0; j < SMALL_COLUMNS; j++) acc[r][j] = SMALL_ZERO();
    int64_t p = 0;
    for (; p + SMALL_LANES <= k; p += SMALL_LANES) {
        SMALL_VEC w[SMALL_COLUMNS];
        for (int j = 0; j < cols; j++) w[j] = SMALL_LOAD(b + j * ldb + p);
        for (int r = 0; r < rows; r++) {
            const SMALL_VEC x = SMALL_LOAD(a + r * lda + p);
            for (int j = 0; j < cols; j++) acc[r][j] = SMALL_FMA(x, w[j], acc[r][j]);
        }
    }
    if (p < k) {   /* the last k % SMALL_LANES values, the lanes past k zero */
        SMALL_VEC w[SMALL_COLUMNS];
        for (int j = 0; j < cols; j++) w[j] = SMALL_LOAD_TAIL(b + j * ldb + p, k - p);
        for (int r = 0; r < rows; r++) {
            const SMALL_VEC x = SMALL_LOAD_TAIL(a + r * lda + p, k - p);
            for (int j = 0; j < cols; j++) acc[r][j] = SMALL_FMA(x, w[j], acc[r][j]);
        }
    }
    for (int r = 0; r < rows; r++) {
        for (int j = 0; j < cols; j++) {
            const float v = SMALL_SUM(acc[r][j]);
            c[r * ldc + j] = accumulate ? c[r * ldc + j] + v : v;
        }
    }
}

#define SMALL_TILE(R, J) SMALL_NAME(tile)(R, J, k, a + i * lda, lda, b + j * ldb, ldb, c + i * ldc + j, ldc, accumulate)
SMALL_TARGET static void SMALL_NAME(product)(int64_t m, int64_t k, const float *a, int64_t lda, const float *b, int64_t ldb,
                                              int64_t j0, int64_t j1, float *c, int64_t ldc, int accumulate) {
    for (int64_t j = j0; j < j1;) {
        const int cols = j1 - j >= SMALL_COLUMNS ? SMALL_COLUMNS : 1;
        for (int64_t i = 0; i < m; i += SMALL_ROWS) {
            const int rows = m - i < SMALL_ROWS ? (int)(m - i) : SMALL_ROWS;
            if (cols == SMALL_COLUMNS) {
                switch (rows) {
#if SMALL_ROWS > 3
                case 6: SMALL_TILE(6, SMALL_COLUMNS); break; case 5: SMALL_TILE(5, SMALL_COLUMNS); break;
                case 4: SMALL_TILE(4, SMALL_COLUMNS); break;
#endif
                case 3: SMALL_TILE(3, SMALL_COLUMNS); break; case 2: SMALL_TILE(2, SMALL_COLUMNS); break;
                default: SMALL_TILE(1, SMALL_COLUMNS); break;
                }
            } else {
                switch (rows) {
#if SMALL_ROWS > 3
                case 6: SMALL_TILE(6, 1); break; case 5: SMALL_TILE(5, 1); break; case 4: SMALL_TILE(4, 1); break;
#endif
                case 3: SMALL_TILE(3, 1); break; case 2: SMALL_TILE(2, 1); break;
                default: SMALL_TILE(1, 1); break;
                }
            }
        }
        j += cols;
    }
}
#undef SMALL_TILE
