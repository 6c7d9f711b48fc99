/*
 * Body of the distance kernel for one element type, instantiated for float
 * and double through instantiate.h, so the two precisions share one source.
 */
#if SEG_T_IS_F32
#define GEMM cblas_sgemm
#else
#define GEMM cblas_dgemm
#endif

void FN(seg_row_norms)(const T *x, size_t n, size_t d, T *out)
{
    for (size_t i = 0; i < n; i++) {
        const T *r = x + i * d;
        double s = 0;
        for (size_t j = 0; j < d; j++)
            s += (double)r[j] * (double)r[j];
        out[i] = (T)s;
    }
}

/* tile = -2 X C^T: the only GEMM of the library's hot path. */
static void FN(gemm_tile)(const T *x, size_t b, size_t d, const T *c, size_t k, T *tile)
{
    GEMM(CblasRowMajor, CblasNoTrans, CblasTrans, (blasint)b, (blasint)k, (blasint)d, (T)-2.0,
         x, (blasint)d, c, (blasint)d, (T)0.0, tile, (blasint)k);
}

void FN(seg_sqdist_tile)(const T *x, size_t b, size_t d, const T *xnorm, const T *c, size_t k,
                         const T *cnorm, T *tile)
{
    FN(gemm_tile)(x, b, d, c, k, tile);
    for (size_t i = 0; i < b; i++) {
        T *row = tile + i * k;
        T xn = xnorm[i];
        for (size_t j = 0; j < k; j++) {
            T v = row[j] + cnorm[j] + xn;
            row[j] = v > 0 ? v : 0;
        }
    }
}

void FN(seg_assign_block)(const T *x, size_t b, size_t d, const T *xnorm, const T *c, size_t k,
                          const T *cnorm, T *tile, int32_t *labels, T *mind)
{
    FN(gemm_tile)(x, b, d, c, k, tile);
    for (size_t i = 0; i < b; i++) {
        const T *row = tile + i * k;
        /* argmin of ||c||^2 - 2 x.c; ||x||^2 is a per-row constant. */
        T best = row[0] + cnorm[0];
        size_t arg = 0;
        for (size_t j = 1; j < k; j++) {
            T v = row[j] + cnorm[j];
            if (v < best) {
                best = v;
                arg = j;
            }
        }
        T dist = best + xnorm[i];
        labels[i] = (int32_t)arg;
        mind[i] = dist > 0 ? dist : 0;
    }
}

#undef GEMM
