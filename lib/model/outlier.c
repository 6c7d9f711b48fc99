/*
 * Outlier and risk flags: each segment keeps the distribution of its training
 * rows' distances to the centroid, as a quantile grid; a new row's score is
 * the position of its distance in its segment's distribution (the
 * interpolated empirical CDF, 0 .. 1) and it is flagged above a threshold.
 */
#include "model/outlier.h"
#include "model/model.h"

#include <stdlib.h>
#include <string.h>

void seg_outliers_free(seg_outliers *o)
{
    if (!o)
        return;
    seg_free(o->quant);
    seg_free(o);
}

int seg_outliers_clone(const seg_outliers *o, seg_outliers **out)
{
    const size_t len = o->k * (o->q + 1);
    seg_outliers *c = seg_calloc(1, sizeof *c);
    if (!c || !(c->quant = seg_malloc_array(len, sizeof *c->quant))) {
        seg_outliers_free(c);
        return SEG_NOMEM();
    }
    c->k = o->k;
    c->q = o->q;
    memcpy(c->quant, o->quant, len * sizeof *c->quant);
    *out = c;
    return SEG_OK;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/*
 * Sort v[0..n) ascending; the values are finite and >= 0 with no -0.0, so
 * the order of their IEEE-754 bit patterns as unsigned integers is their
 * numeric order. An LSD radix sort on the top 33 bits (three stable passes
 * of 11-bit digits; a pass whose digit all values share is skipped), then an
 * pass that orders each run sharing those bits (values within a relative
 * 2^-21 of each other: usually short, insertion-sorted; long ones qsorted). qsort took most of a
 * mini-batch fit's time at 10^7 rows. tmp holds n values.
 */
static void sort_nonneg(double *v, size_t n, double *tmp)
{
    enum { DIGIT = 11, BUCKETS = 1 << DIGIT, PASSES = 3, LOW = 64 - PASSES * DIGIT };
    size_t hist[PASSES][BUCKETS];
    double *src = v, *dst = tmp;
    memset(hist, 0, sizeof hist);
    for (size_t i = 0; i < n; i++) {
        uint64_t b;
        memcpy(&b, v + i, sizeof b);
        for (int p = 0; p < PASSES; p++)
            hist[p][(b >> (LOW + p * DIGIT)) & (BUCKETS - 1)]++;
    }
    for (int p = 0; p < PASSES; p++) {
        size_t *h = hist[p], pos = 0;
        bool shared = false;
        for (size_t j = 0; j < BUCKETS && !shared; j++)
            shared = h[j] == n;
        if (shared)
            continue;
        for (size_t j = 0; j < BUCKETS; j++) {
            const size_t c = h[j];
            h[j] = pos;
            pos += c;
        }
        for (size_t i = 0; i < n; i++) {
            uint64_t b;
            memcpy(&b, src + i, sizeof b);
            dst[h[(b >> (LOW + p * DIGIT)) & (BUCKETS - 1)]++] = src[i];
        }
        double *t = src;
        src = dst;
        dst = t;
    }
    if (src != v)
        memcpy(v, src, n * sizeof *v);
    for (size_t i = 0, end; i < n; i = end) {
        uint64_t a, b;
        memcpy(&a, v + i, sizeof a);
        for (end = i + 1; end < n; end++) {
            memcpy(&b, v + end, sizeof b);
            if (b >> LOW != a >> LOW)
                break;
        }
        if (end - i > 16) /* long runs (nearly equal values) must not go quadratic */
            qsort(v + i, end - i, sizeof *v, cmp_double);
        else
            for (size_t r = i + 1; r < end; r++) {
                const double x = v[r];
                size_t j = r;
                for (; j > i && v[j - 1] > x; j--)
                    v[j] = v[j - 1];
                v[j] = x;
            }
    }
}

/* Type-7 quantiles of sorted v[0..n) at p = i / q into out[0..q]. */
static void grid_quantiles(const double *v, size_t n, size_t q, double *out)
{
    for (size_t i = 0; i <= q; i++) {
        if (n == 0) {
            out[i] = NAN;
            continue;
        }
        /* h = (n - 1) i / q, split exactly in integers so that grid points
         * that fall on a row take it without rounding. */
        const size_t num = (n - 1) * i; /* n * q is checked by the caller */
        const size_t lo = num / q;
        const double frac = (double)(num % q) / (double)q;
        out[i] = lo + 1 < n ? v[lo] + frac * (v[lo + 1] - v[lo]) : v[lo];
        if (i && out[i] < out[i - 1])
            out[i] = out[i - 1]; /* rounding must not break monotonicity */
    }
}

/* The segments' slices to sort and grid, one pool item each; tmp holds a
 * scratch of `largest` values per pool thread. */
typedef struct grid_job {
    double *sorted, *tmp, *quant;
    const size_t *start;
    size_t largest, q;
} grid_job;

static void grid_item(void *ctx, size_t j, int tid)
{
    const grid_job *g = ctx;
    const size_t nj = g->start[j + 1] - g->start[j];
    sort_nonneg(g->sorted + g->start[j], nj, g->tmp + (size_t)tid * g->largest);
    grid_quantiles(g->sorted + g->start[j], nj, g->q, g->quant + j * (g->q + 1));
}

int seg_outliers_set_reference(seg_model *m, const int32_t *labels, const double *distances,
                               size_t n, int threads)
{
    SEG_ALLOC_SCOPE(m);
    seg_outliers *o = NULL;
    seg_pool *pool = NULL;
    size_t *start = NULL, *fill = NULL, kq, nq, scratch;
    double *sorted = NULL, *tmp = NULL;
    int rc = SEG_OK;

    if (!m || (n && (!labels || !distances)))
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_model_set_outlier_reference: NULL argument");
    if (n == 0)
        return seg_fail(SEG_ERR_EMPTY, "no rows to describe the distances");
    const size_t k = m->k, q = SEG_OUTLIER_GRID;
    if (!seg_mul_ok(k, q + 1, &kq) || !seg_mul_ok(n, q, &nq))
        return seg_fail(SEG_ERR_OVERFLOW, "%zu segments x %zu quantiles overflow", k, q + 1);
    for (size_t i = 0; i < n; i++) {
        if (labels[i] < 0 || (size_t)labels[i] >= k)
            return seg_fail(SEG_ERR_INVALID_ARG, "label %ld of row %zu is not in 0 .. %zu",
                            (long)labels[i], i, k - 1);
        if (!isfinite(distances[i]) || distances[i] < 0)
            return seg_fail(SEG_ERR_NONFINITE, "distance of row %zu is not a finite value >= 0", i);
    }
    o = seg_calloc(1, sizeof *o);
    start = seg_calloc(k + 1, sizeof *start);
    fill = seg_calloc(k, sizeof *fill);
    sorted = seg_malloc_array(n, sizeof *sorted);
    if (!o || !start || !fill || !sorted || !(o->quant = seg_malloc_array(kq, sizeof *o->quant))) {
        rc = SEG_NOMEM();
        goto done;
    }
    seg_advise_huge(sorted, n * sizeof *sorted);
    o->k = k;
    o->q = q;
    /* Counting sort by segment, then each segment's slice by distance. */
    for (size_t i = 0; i < n; i++)
        start[labels[i] + 1]++;
    for (size_t j = 0; j < k; j++)
        start[j + 1] += start[j];
    for (size_t i = 0; i < n; i++) /* -0.0 becomes 0.0 for sort_nonneg */
        sorted[start[labels[i]] + fill[labels[i]]++] = distances[i] == 0 ? 0.0 : distances[i];
    size_t largest = 0;
    for (size_t j = 0; j < k; j++)
        largest = fill[j] > largest ? fill[j] : largest;
    largest = largest ? largest : 1;
    /* Each segment is sorted on its own: the same grid on any number of
     * threads. More threads than segments, or a thread for fewer rows
     * than a pool's wake-up costs, would not help. */
    threads = seg_threads_resolve(threads);
    if ((size_t)threads > k)
        threads = (int)k;
    if (n < SEG_OUTLIER_THREAD_ROWS)
        threads = 1;
    if (threads > 1 && (rc = seg_pool_start(&pool, threads)) < 0)
        goto done;
    threads = pool ? seg_pool_threads(pool) : 1;
    if (!seg_mul_ok(largest, (size_t)threads, &scratch) ||
        !(tmp = seg_malloc_array(scratch, sizeof *tmp))) {
        rc = SEG_NOMEM();
        goto done;
    }
    grid_job g = {sorted, tmp, o->quant, start, largest, q};
    seg_pool_run(pool, k, threads, grid_item, &g);
    seg_outliers_free(m->outliers);
    m->outliers = o;
    o = NULL;
done:
    seg_pool_stop(pool);
    seg_outliers_free(o);
    seg_free(start);
    seg_free(fill);
    seg_free(sorted);
    seg_free(tmp);
    return rc;
}

int seg_model_set_outlier_reference(seg_model *m, const int32_t *labels, const double *distances,
                                    size_t n)
{
    return seg_outliers_set_reference(m, labels, distances, n, 1);
}

int seg_outliers_from_sketches(seg_model *m, seg_qsketch *sk)
{
    const size_t k = m->k, q = SEG_OUTLIER_GRID;
    seg_outliers *o = seg_calloc(1, sizeof *o);
    int rc = SEG_OK;
    if (!o || !(o->quant = seg_malloc_array(k, (q + 1) * sizeof *o->quant))) {
        rc = SEG_NOMEM();
        goto done;
    }
    o->k = k;
    o->q = q;
    for (size_t j = 0; j < k; j++) {
        double *g = o->quant + j * (q + 1);
        if ((rc = seg_qsketch_flush(&sk[j])) < 0)
            goto done;
        for (size_t i = 0; i <= q; i++) {
            g[i] = sk[j].n ? seg_qsketch_quantile(&sk[j], (double)i / (double)q) : NAN;
            if (i > 0 && g[i] < g[i - 1]) /* the grid must not decrease */
                g[i] = g[i - 1];
        }
    }
    seg_outliers_free(m->outliers);
    m->outliers = o;
    o = NULL;
done:
    seg_outliers_free(o);
    return rc;
}

int seg_model_has_outlier_reference(const seg_model *m)
{
    return m && m->outliers;
}

int seg_model_outlier_quantile(const seg_model *m, size_t segment, double p, double *out)
{
    if (!m || !out)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_model_outlier_quantile: NULL argument");
    if (!m->outliers)
        return seg_fail(SEG_ERR_STATE, "the model has no outlier reference");
    if (segment >= m->k || !(p >= 0 && p <= 1))
        return seg_fail(SEG_ERR_INVALID_ARG, "segment %zu or p = %g out of range", segment, p);
    const seg_outliers *o = m->outliers;
    const double *g = o->quant + segment * (o->q + 1);
    const double h = p * (double)o->q;
    size_t lo = (size_t)h;
    if (lo >= o->q)
        lo = o->q - 1;
    *out = g[lo] + (h - (double)lo) * (g[lo + 1] - g[lo]);
    return SEG_OK;
}

/* Interpolated CDF of the grid g[0..q] at x: the inverse of the quantiles. */
static double grid_cdf(const double *g, size_t q, double x)
{
    if (isnan(g[0]))
        return 1; /* a segment without training rows: any row is unusual */
    if (x < g[0])
        return 0;
    if (x >= g[q])
        return 1;
    size_t lo = 0, hi = q; /* g[lo] <= x < g[hi] */
    while (hi - lo > 1) {
        const size_t mid = lo + (hi - lo) / 2;
        if (g[mid] <= x)
            lo = mid;
        else
            hi = mid;
    }
    return ((double)lo + (x - g[lo]) / (g[hi] - g[lo])) / (double)q;
}

int seg_model_outlier_scores(const seg_model *m, const int32_t *labels, const double *distances,
                             size_t n, double threshold, double *scores, uint8_t *flags)
{
    if (!m || (n && (!labels || !distances || (!scores && !flags))))
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_model_outlier_scores: NULL argument");
    if (!(threshold >= 0 && threshold <= 1))
        return seg_fail(SEG_ERR_INVALID_ARG, "threshold %g is not in [0, 1]", threshold);
    if (!m->outliers)
        return seg_fail(SEG_ERR_STATE, "the model has no outlier reference");
    const seg_outliers *o = m->outliers;
    for (size_t i = 0; i < n; i++) {
        if (labels[i] < 0 || (size_t)labels[i] >= m->k)
            return seg_fail(SEG_ERR_INVALID_ARG, "label %ld of row %zu is not in 0 .. %zu",
                            (long)labels[i], i, m->k - 1);
        if (isnan(distances[i]))
            return seg_fail(SEG_ERR_NONFINITE, "distance of row %zu is NaN", i);
        const double s = grid_cdf(o->quant + (size_t)labels[i] * (o->q + 1), o->q, distances[i]);
        if (scores)
            scores[i] = s;
        if (flags)
            flags[i] = s > threshold;
    }
    return SEG_OK;
}

/* ---- model file section OUTL ------------------------------------------------------ */

void seg_outliers_write(const seg_outliers *o, wbuf *w)
{
    seg_wb_u64(w, o->k);
    seg_wb_u64(w, o->q);
    for (size_t i = 0; i < o->k * (o->q + 1); i++)
        seg_wb_f64(w, o->quant[i]);
}

int seg_outliers_read(rbuf *r, size_t k, seg_outliers **out)
{
    const uint64_t rk = seg_rb_u64(r), q = seg_rb_u64(r);
    size_t kq;
    *out = NULL;
    if (r->bad || rk != k || q < 1 || q > 1000000 || !seg_mul_ok(k, (size_t)q + 1, &kq) ||
        kq > (r->len - r->pos) / 8)
        return seg_fail(SEG_ERR_FORMAT, "model file: section OUTL: bad segment or grid count");
    seg_outliers *o = seg_calloc(1, sizeof *o);
    if (!o || !(o->quant = seg_malloc_array(kq, sizeof *o->quant))) {
        seg_outliers_free(o);
        return SEG_NOMEM();
    }
    o->k = k;
    o->q = (size_t)q;
    for (size_t i = 0; i < kq; i++)
        o->quant[i] = seg_rb_f64(r);
    /* Each row: all NaN (a segment without rows), or finite, >= 0 and
     * nondecreasing, which the binary search of the scores relies on. */
    for (size_t j = 0; j < k && !r->bad; j++) {
        const double *g = o->quant + j * (o->q + 1);
        const bool empty = isnan(g[0]);
        for (size_t i = 0; i <= o->q; i++) {
            if (empty ? !isnan(g[i])
                      : !(isfinite(g[i]) && g[i] >= 0 && (i == 0 || g[i] >= g[i - 1]))) {
                r->bad = true;
                break;
            }
        }
    }
    if (r->bad) {
        seg_outliers_free(o);
        return seg_fail(SEG_ERR_FORMAT, "model file: section OUTL: quantiles not finite and "
                                        "nondecreasing");
    }
    *out = o;
    return SEG_OK;
}

_Static_assert(SEG_OUTLIER_QUANTILES == SEG_OUTLIER_GRID + 1, "the public grid size");

int seg_model_set_outlier_quantiles(seg_model *m, const double *quantiles, size_t per_segment)
{
    SEG_ALLOC_SCOPE(m);
    if (!m || !quantiles)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_model_set_outlier_quantiles: NULL argument");
    const size_t q = SEG_OUTLIER_GRID, k = m->k;
    if (per_segment != q + 1)
        return seg_fail(SEG_ERR_MISMATCH, "%zu quantiles a segment; the grid has %zu",
                        per_segment, q + 1);
    for (size_t j = 0; j < k; j++) {
        const double *g = quantiles + j * (q + 1);
        const bool none = isnan(g[0]);
        for (size_t i = 0; i <= q; i++)
            if (none ? !isnan(g[i])
                     : !(isfinite(g[i]) && g[i] >= 0 && (i == 0 || g[i] >= g[i - 1])))
                return seg_fail(SEG_ERR_INVALID_ARG,
                                "segment %zu: quantiles must be finite, >= 0 and nondecreasing "
                                "(or all NaN for a segment without rows)",
                                j);
    }
    seg_outliers *o = seg_calloc(1, sizeof *o);
    if (!o || !(o->quant = seg_malloc_array(k * (q + 1), sizeof *o->quant))) {
        seg_free(o);
        return SEG_NOMEM();
    }
    o->k = k;
    o->q = q;
    memcpy(o->quant, quantiles, k * (q + 1) * sizeof *o->quant);
    seg_outliers_free(m->outliers);
    m->outliers = o;
    return SEG_OK;
}
