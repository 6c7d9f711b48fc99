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

/*
 * Nearest centroid of b rows from the transposed tile tt (k x b: tt[j * b + i]
 * = -2 x_i.c_j): labels[i] is the first j minimising tt + cnorm[j] (strict <,
 * so ties go to the lowest index) and mind[i] that value plus xnorm[i],
 * clamped at 0. Looping over centroids outside and rows inside keeps every
 * access contiguous, so the compiler vectorises across rows.
 */
SEG_HOT_CLONES static void FN(argmin_columns)(const T *restrict tt, size_t b, size_t k,
                                              const T *restrict xnorm,
                                              const T *restrict cnorm, int32_t *restrict labels,
                                              T *restrict mind)
{
    for (size_t i = 0; i < b; i++) {
        mind[i] = tt[i] + cnorm[0];
        labels[i] = 0;
    }
    for (size_t j = 1; j < k; j++) {
        const T *col = tt + j * b;
        const T cn = cnorm[j];
        for (size_t i = 0; i < b; i++) {
            T v = col[i] + cn;
            bool lt = v < mind[i];
            mind[i] = lt ? v : mind[i];
            labels[i] = lt ? (int32_t)j : labels[i];
        }
    }
    for (size_t i = 0; i < b; i++) {
        T dist = mind[i] + xnorm[i];
        mind[i] = dist > 0 ? dist : 0;
    }
}

void FN(seg_assign_block)(const T *x, size_t b, size_t d, const T *xnorm, const T *c, size_t k,
                          const T *cnorm, T *tile, int32_t *labels, T *mind)
{
    /* argmin of ||c||^2 - 2 x.c; ||x||^2 is a per-row constant. */
    GEMM(CblasRowMajor, CblasNoTrans, CblasTrans, (blasint)k, (blasint)b, (blasint)d, (T)-2.0, c,
         (blasint)d, x, (blasint)d, (T)0.0, tile, (blasint)b);
    FN(argmin_columns)(tile, b, k, xnorm, cnorm, labels, mind);
}

/*
 * As argmin_columns, also giving second[i], the second-smallest squared
 * distance (+inf when k == 1). The labels and mind are the same values
 * argmin_columns gives: the first minimum follows the same strict < steps.
 */
SEG_HOT_CLONES static void FN(argmin2_columns)(const T *restrict tt, size_t b, size_t k,
                                               const T *restrict xnorm, const T *restrict cnorm,
                                               int32_t *restrict labels, T *restrict mind,
                                               T *restrict second)
{
    for (size_t i = 0; i < b; i++) {
        mind[i] = tt[i] + cnorm[0];
        second[i] = (T)INFINITY;
        labels[i] = 0;
    }
    for (size_t j = 1; j < k; j++) {
        const T *col = tt + j * b;
        const T cn = cnorm[j];
        for (size_t i = 0; i < b; i++) {
            T v = col[i] + cn;
            bool lt = v < mind[i];
            T s2 = v < second[i] ? v : second[i];
            second[i] = lt ? mind[i] : s2;
            mind[i] = lt ? v : mind[i];
            labels[i] = lt ? (int32_t)j : labels[i];
        }
    }
    for (size_t i = 0; i < b; i++) {
        T dist = mind[i] + xnorm[i], dist2 = second[i] + xnorm[i];
        mind[i] = dist > 0 ? dist : 0;
        second[i] = dist2 > 0 ? dist2 : 0;
    }
}

void FN(seg_assign2_block)(const T *x, size_t b, size_t d, const T *xnorm, const T *c, size_t k,
                           const T *cnorm, T *tile, int32_t *labels, T *mind, T *second)
{
    GEMM(CblasRowMajor, CblasNoTrans, CblasTrans, (blasint)k, (blasint)b, (blasint)d, (T)-2.0, c,
         (blasint)d, x, (blasint)d, (T)0.0, tile, (blasint)b);
    FN(argmin2_columns)(tile, b, k, xnorm, cnorm, labels, mind, second);
}

#undef GEMM
