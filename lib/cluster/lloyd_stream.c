/*
 * One Lloyd pass accumulated a chunk at a time (seg_lloyd_pass): the rows of
 * each chunk are assigned to the nearest centroid by the library's distance
 * kernel (seg_assign_block_f64, one GEMM per block) and added to per-segment
 * sums, counts and the inertia, with the same arithmetic as the in-memory
 * fit's pass (kmeans_tmpl.h): rows in order, sums in double, the inertia of
 * each block summed first. Blocks are those of seg_block_plan() for k and d,
 * counted from the first row of the pass, so a row meets the same GEMM block
 * boundaries as in an in-memory fit when chunks hold a multiple of the block
 * (seg_lloyd_pass_block()).
 */
#include "kernel/distance.h"
#include "cluster/lloyd_stream.h"

#include <string.h>

void seg_lloyd_pass_free(seg_lloyd_pass *p)
{
    if (!p)
        return;
    seg_free(p->c);
    seg_free(p->cnorm);
    seg_free(p->sum);
    seg_free(p->count);
    seg_free(p->xnorm);
    seg_free(p->tile);
    seg_free(p->lab);
    seg_free(p->mind);
    seg_free(p);
}

int seg_lloyd_pass_new(seg_lloyd_pass **out, const double *centroids, size_t k, size_t d)
{
    seg_lloyd_pass *p;
    size_t kd, tile;
    int rc;
    if (!out)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_lloyd_pass_new: out is NULL");
    *out = NULL;
    if (!centroids)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_lloyd_pass_new: centroids is NULL");
    if (k == 0 || d == 0)
        return seg_fail(SEG_ERR_EMPTY, "seg_lloyd_pass_new: k = %zu, d = %zu", k, d);
    if (d > INT32_MAX)
        return seg_fail(SEG_ERR_LIMIT, "d = %zu exceeds the BLAS index range", d);
    seg_blocking plan = seg_block_plan(k, d, sizeof(double));
    if (!seg_mul_ok(k, d, &kd) || !seg_mul_ok(plan.block, k, &tile))
        return seg_fail(SEG_ERR_OVERFLOW, "%zu x %zu centroids overflow", k, d);
    if (!(p = seg_calloc(1, sizeof *p)))
        return SEG_NOMEM();
    p->k = k;
    p->d = d;
    p->block = plan.block;
    p->c = seg_malloc_array(kd, sizeof *p->c);
    p->cnorm = seg_malloc_array(k, sizeof *p->cnorm);
    p->sum = seg_malloc_array(kd, sizeof *p->sum);
    p->count = seg_malloc_array(k, sizeof *p->count);
    p->xnorm = seg_malloc_array(p->block, sizeof *p->xnorm);
    p->tile = seg_malloc_array(tile, sizeof *p->tile);
    p->lab = seg_malloc_array(p->block, sizeof *p->lab);
    p->mind = seg_malloc_array(p->block, sizeof *p->mind);
    if (!p->c || !p->cnorm || !p->sum || !p->count || !p->xnorm || !p->tile || !p->lab ||
        !p->mind) {
        seg_lloyd_pass_free(p);
        return SEG_NOMEM();
    }
    if ((rc = seg_lloyd_pass_reset(p, centroids, kd)) < 0) {
        seg_lloyd_pass_free(p);
        return rc;
    }
    *out = p;
    return SEG_OK;
}

int seg_lloyd_pass_reset(seg_lloyd_pass *p, const double *centroids, size_t len)
{
    if (!p || !centroids)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_lloyd_pass_reset: NULL argument");
    if (len < p->k * p->d)
        return seg_fail(SEG_ERR_INVALID_ARG, "centroids holds %zu values; %zu x %zu needed", len,
                        p->k, p->d);
    for (size_t i = 0; i < p->k * p->d; i++)
        if (!isfinite(centroids[i]))
            return seg_fail(SEG_ERR_NONFINITE, "centroid %zu, feature %zu is not finite", i / p->d,
                            i % p->d);
    memcpy(p->c, centroids, p->k * p->d * sizeof *p->c);
    seg_row_norms_f64(p->c, p->k, p->d, p->cnorm);
    memset(p->sum, 0, p->k * p->d * sizeof *p->sum);
    memset(p->count, 0, p->k * sizeof *p->count);
    p->inertia = 0;
    p->rows = 0;
    return SEG_OK;
}

size_t seg_lloyd_pass_block(const seg_lloyd_pass *p)
{
    return p ? p->block : 0;
}

int seg_lloyd_pass_add_f64(seg_lloyd_pass *p, const double *x, size_t n, size_t d, int32_t *labels,
                           double *dist)
{
    if (!p || (!x && n))
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_lloyd_pass_add_f64: NULL argument");
    if (d != p->d)
        return seg_fail(SEG_ERR_MISMATCH, "rows of %zu features, the centroids have %zu", d, p->d);
    const size_t k = p->k;
    for (size_t b0 = 0; b0 < n; b0 += p->block) {
        const size_t b = n - b0 < p->block ? n - b0 : p->block;
        const double *xb = x + b0 * d;
        seg_row_norms_f64(xb, b, d, p->xnorm);
        for (size_t i = 0; i < b; i++)
            if (!isfinite(p->xnorm[i]))
                return seg_fail(SEG_ERR_NONFINITE,
                                "row %zu of the chunk: a value is not finite or its squared "
                                "norm overflows",
                                b0 + i + 1);
        seg_assign_block_f64(xb, b, d, p->xnorm, p->c, k, p->cnorm, p->tile, p->lab, p->mind);
        double in = 0;
        for (size_t i = 0; i < b; i++)
            in += p->mind[i];
        p->inertia += in;
        for (size_t i = 0; i < b; i++) {
            double *s = p->sum + (size_t)p->lab[i] * d;
            const double *xr = xb + i * d;
            for (size_t j = 0; j < d; j++)
                s[j] += xr[j];
            p->count[p->lab[i]]++;
        }
        if (labels)
            memcpy(labels + b0, p->lab, b * sizeof *labels);
        if (dist)
            memcpy(dist + b0, p->mind, b * sizeof *dist);
    }
    p->rows += n;
    return SEG_OK;
}

int seg_lloyd_pass_merge(seg_lloyd_pass *into, const seg_lloyd_pass *from)
{
    if (!into || !from)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_lloyd_pass_merge: NULL argument");
    if (into->k != from->k || into->d != from->d ||
        memcmp(into->c, from->c, into->k * into->d * sizeof *into->c) != 0)
        return seg_fail(SEG_ERR_MISMATCH, "the two passes do not share their centroids");
    for (size_t i = 0; i < into->k * into->d; i++)
        into->sum[i] += from->sum[i];
    for (size_t j = 0; j < into->k; j++)
        into->count[j] += from->count[j];
    into->inertia += from->inertia;
    into->rows += from->rows;
    return SEG_OK;
}

int seg_lloyd_pass_stats(const seg_lloyd_pass *p, double *sums, size_t sums_len, int64_t *counts,
                         size_t counts_len, double *inertia)
{
    if (!p)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_lloyd_pass_stats: pass is NULL");
    if ((sums && sums_len < p->k * p->d) || (counts && counts_len < p->k))
        return seg_fail(SEG_ERR_INVALID_ARG, "an output holds fewer than k (x d) values");
    if (sums)
        memcpy(sums, p->sum, p->k * p->d * sizeof *sums);
    if (counts)
        memcpy(counts, p->count, p->k * sizeof *counts);
    if (inertia)
        *inertia = p->inertia;
    return SEG_OK;
}

int seg_lloyd_pass_update(const seg_lloyd_pass *p, double *centroids, size_t len, double *shift)
{
    if (!p || !centroids)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_lloyd_pass_update: NULL argument");
    if (len < p->k * p->d)
        return seg_fail(SEG_ERR_INVALID_ARG, "centroids holds %zu values; %zu x %zu needed", len,
                        p->k, p->d);
    double s = 0;
    for (size_t j = 0; j < p->k; j++)
        for (size_t c = 0; c < p->d; c++) {
            double v =
                p->count[j] ? p->sum[j * p->d + c] / (double)p->count[j] : p->c[j * p->d + c];
            double diff = v - p->c[j * p->d + c];
            s += diff * diff;
            centroids[j * p->d + c] = v;
        }
    if (shift)
        *shift = s;
    return SEG_OK;
}
