/*
 * Body of the distance kernel for one element type, instantiated for float
 * and double through instantiate.h, so the two precisions share one source.
 */

/*
 * Each row's sum of squares in double, over its features in order. Eight
 * rows at a time, so that eight chains of additions overlap (one chain is
 * bound by the adder's latency: a tenth of a 10^6 x 32 fit's set-up); each
 * row's sum is the same sequence of roundings, so the norms are unchanged.
 */
SEG_HOT_CLONES void FN(seg_row_norms)(const T *x, size_t n, size_t d, T *out)
{
    enum { R = 8 };
    size_t i = 0;
    for (; i + R <= n; i += R) {
        double s[R] = {0};
        for (size_t j = 0; j < d; j++)
            for (size_t r = 0; r < R; r++) {
                const double v = (double)x[(i + r) * d + j];
                s[r] += v * v;
            }
        for (size_t r = 0; r < R; r++)
            out[i + r] = (T)s[r];
    }
    for (; i < n; i++) {
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
    FN(seg_gemm_nt)(b, k, d, (T)-2.0, x, c, tile);
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

/* tt = -2 C X^T (k x b, centroid-major): the register kernel or one GEMM. */
static void FN(cm_tile)(const T *x, const T *xp, size_t b, size_t d, const T *c, size_t k, T *tt)
{
    if (seg_regkernel_ok(d, sizeof(T))) {
        FN(seg_regkernel_tile)(x, xp, b, d, c, k, tt);
        return;
    }
    FN(seg_gemm_nt)(k, b, d, (T)-2.0, c, x, tt);
}

void FN(seg_assign_block_xp)(const T *x, const T *xp, size_t b, size_t d, const T *xnorm,
                             const T *c, size_t k, const T *cnorm, T *tile, int32_t *labels,
                             T *mind)
{
    /* argmin of ||c||^2 - 2 x.c; ||x||^2 is a per-row constant. */
    if (seg_regkernel_ok(d, sizeof(T))) {
        FN(seg_regkernel_assign)(x, xp, b, d, xnorm, c, k, cnorm, labels, mind);
        return;
    }
    FN(cm_tile)(x, NULL, b, d, c, k, tile);
    FN(argmin_columns)(tile, b, k, xnorm, cnorm, labels, mind);
}

void FN(seg_assign_block)(const T *x, size_t b, size_t d, const T *xnorm, const T *c, size_t k,
                          const T *cnorm, T *tile, int32_t *labels, T *mind)
{
    FN(seg_assign_block_xp)(x, NULL, b, d, xnorm, c, k, cnorm, tile, labels, mind);
}

void FN(seg_sqdist_cm)(const T *x, const T *xp, size_t b, size_t d, const T *xnorm, const T *c,
                       size_t k, const T *cnorm, T *tt)
{
    FN(cm_tile)(x, xp, b, d, c, k, tt);
    for (size_t j = 0; j < k; j++) {
        T *col = tt + j * b;
        const T cn = cnorm[j];
        for (size_t i = 0; i < b; i++) {
            T v = col[i] + cn + xnorm[i];
            col[i] = v > 0 ? v : 0;
        }
    }
}

/*
 * gmin[g * b + i] := the smallest squared distance from row i to a centroid
 * of group g (centroids gstart[g] .. gstart[g + 1] - 1) other than
 * labels[i], clamped at 0; +inf when the group has no other centroid.
 */
SEG_HOT_CLONES static void FN(group_minima)(const T *restrict tt, size_t b, const T *restrict xnorm,
                                            const T *restrict cnorm,
                                            const int32_t *restrict labels,
                                            const size_t *restrict gstart, size_t groups,
                                            T *restrict gmin)
{
    for (size_t g = 0; g < groups; g++) {
        T *gm = gmin + g * b;
        for (size_t i = 0; i < b; i++)
            gm[i] = (T)INFINITY;
        for (size_t j = gstart[g]; j < gstart[g + 1]; j++) {
            const T *col = tt + j * b;
            const T cn = cnorm[j];
            for (size_t i = 0; i < b; i++) {
                T v = col[i] + cn;
                bool keep = labels[i] != (int32_t)j && v < gm[i];
                gm[i] = keep ? v : gm[i];
            }
        }
        for (size_t i = 0; i < b; i++) {
            T v = gm[i] + xnorm[i];
            gm[i] = v > 0 ? v : 0;
        }
    }
}

void FN(seg_assign_groups_block)(const T *x, const T *xp, size_t b, size_t d, const T *xnorm,
                                 const T *c, size_t k, const T *cnorm, T *tile,
                                 const size_t *gstart, size_t groups, int32_t *labels, T *mind,
                                 T *gmin)
{
    FN(cm_tile)(x, xp, b, d, c, k, tile);
    FN(argmin_columns)(tile, b, k, xnorm, cnorm, labels, mind);
    FN(group_minima)(tile, b, xnorm, cnorm, labels, gstart, groups, gmin);
}

/* One labelling pass of seg_nearest_rows, a block of rows an item on the
 * fit's thread pool; each thread has its own scratch and its own flag. */
typedef struct FN(nearest_job) {
    const T *x;
    size_t n, d, k, block, per;
    const T *c, *cnorm;
    void *scratch;
    int32_t *labels;
    double *distances;
    int *bad; /* one per thread */
} FN(nearest_job);

static void FN(nearest_item)(void *ctx, size_t bi, int thread)
{
    const FN(nearest_job) *job = ctx;
    const size_t block = job->block, d = job->d;
    T *xnorm = (T *)(void *)((char *)job->scratch + (size_t)thread * job->per);
    T *mind = xnorm + block;
    T *tile = mind + block;
    const size_t b0 = bi * block, b = job->n - b0 < block ? job->n - b0 : block;
    const T *xb = job->x + b0 * d;
    FN(seg_row_norms)(xb, b, d, xnorm);
    /* A NaN or infinity anywhere in a row makes its norm non-finite. */
    int bad = 0;
    for (size_t i = 0; i < b; i++)
        bad |= !isfinite((double)xnorm[i]);
    job->bad[thread] |= bad;
    FN(seg_assign_block)(xb, b, d, xnorm, job->c, job->k, job->cnorm, tile, job->labels + b0, mind);
    if (job->distances)
        for (size_t i = 0; i < b; i++)
            job->distances[b0 + i] = sqrt((double)mind[i]);
}

bool FN(seg_nearest_rows)(const T *x, size_t n, size_t d, const T *c, size_t k, const T *cnorm,
                          int64_t threads, void *scratch, int32_t *labels, double *distances)
{
    size_t block;
    /* the scratch holds nearest_threads(); fewer may start. The pool's
     * idle threads wait on a condition variable, never spinning (issue 20). */
    int nt = nearest_threads(n, k, d, sizeof(T), threads, &block);
    const size_t per = nearest_thread_bytes(block, k, sizeof(T));
    const size_t blocks = (n + block - 1) / block;
    int bad[SEG_THREADS_MAX];
    seg_pool *pool = NULL;
    if (nt > 1 && blocks > 1 && seg_pool_start(&pool, nt) == SEG_OK)
        nt = seg_pool_threads(pool);
    else
        nt = 1;
    for (int t = 0; t < nt; t++)
        bad[t] = 0;
    FN(nearest_job) job = {x, n, d, k, block, per, c, cnorm, scratch, labels, distances, bad};
    seg_pool_run(pool, blocks, nt, FN(nearest_item), &job);
    seg_pool_stop(pool);
    int any = 0;
    for (int t = 0; t < nt; t++)
        any |= bad[t];
    return !any;
}

