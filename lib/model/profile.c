/*
 * Segment profiles: what the customers of each segment look like in the
 * units of the training columns (means, medians, level shares), how far each
 * segment sits from the whole population (standardised differences), and a
 * short plain-language label built from that by a fixed rule.
 *
 * Computed once at fit time from the training dataset and the final labels,
 * kept in the model and its file; never changed afterwards.
 */
#include "model/model.h"
#include "prepare/scaler.h"
#include "data/data.h"
#include "model/profile.h"
#include "core/select.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MISSING_LEVEL "(missing)"
#define OTHER_LEVEL "(other)"


/* ---- lifetime ----------------------------------------------------------------- */

static void pcol_clear(pcol *c)
{
    seg_free(c->name);
    seg_free(c->mean);
    seg_free(c->median);
    seg_free(c->sd);
    seg_free(c->missing);
    if (c->levels)
        for (size_t l = 0; l < c->n_levels; l++)
            seg_free(c->levels[l]);
    seg_free(c->levels);
    seg_free(c->share);
}

static void derived_clear(seg_profile *p)
{
    if (p->items)
        for (size_t i = 0; i < p->n_items; i++)
            seg_free(p->items[i].name);
    if (p->labels)
        for (size_t j = 0; j < p->k; j++)
            seg_free(p->labels[j]);
    if (p->trait_text)
        for (size_t t = 0; t < p->k * LABEL_MAX_PHRASES; t++)
            seg_free(p->trait_text[t]);
    seg_free(p->n_traits);
    seg_free(p->trait_item);
    seg_free(p->trait_text);
    p->n_traits = NULL;
    p->trait_item = NULL;
    p->trait_text = NULL;
    seg_free(p->items);
    seg_free(p->z);
    seg_free(p->order);
    seg_free(p->labels);
    p->items = NULL;
    p->z = NULL;
    p->order = NULL;
    p->labels = NULL;
    p->n_items = 0;
}

void seg_profile_free(seg_profile *p)
{
    if (!p)
        return;
    if (p->cols)
        for (size_t c = 0; c < p->n_cols; c++)
            pcol_clear(&p->cols[c]);
    seg_free(p->cols);
    derived_clear(p);
    seg_free(p->withheld);
    seg_free(p);
}

static int profile_alloc(size_t k, size_t n_cols, seg_profile **out)
{
    seg_profile *p = seg_calloc(1, sizeof *p);
    if (!p || !(p->cols = seg_calloc(n_cols ? n_cols : 1, sizeof *p->cols))) {
        seg_free(p);
        return SEG_NOMEM();
    }
    p->k = k;
    p->n_cols = n_cols;
    *out = p;
    return SEG_OK;
}

/* The arrays of one column: 4 x (k + 1) numeric stats or (k + 1) x levels shares. */
static bool pcol_alloc(pcol *c, size_t k)
{
    if (!c->categorical) {
        c->mean = seg_malloc_array(k + 1, sizeof(double));
        c->median = seg_malloc_array(k + 1, sizeof(double));
        c->sd = seg_malloc_array(k + 1, sizeof(double));
        c->missing = seg_malloc_array(k + 1, sizeof(double));
        return c->mean && c->median && c->sd && c->missing;
    }
    size_t cells;
    if (!seg_mul_ok(k + 1, c->n_levels, &cells))
        return false;
    c->share = seg_calloc(cells ? cells : 1, sizeof(double));
    return c->share != NULL;
}

/* ---- statistics ----------------------------------------------------------------- */

/* A value and its row's weight (weighted profiles only). */
typedef struct vw {
    double v, w;
} vw;

/* Stable merge sort of a[0..n) by value; tmp holds n. Stable, so ties keep
 * their order: the weighted median's running sums then add the weights in a
 * fixed order, the one of the rows within a segment. */
static void sort_vw(vw *a, size_t n, vw *tmp)
{
    if (n <= 16) {
        for (size_t r = 1; r < n; r++) {
            const vw x = a[r];
            size_t j = r;
            for (; j > 0 && x.v < a[j - 1].v; j--)
                a[j] = a[j - 1];
            a[j] = x;
        }
        return;
    }
    const size_t h = n / 2;
    sort_vw(a, h, tmp);
    sort_vw(a + h, n - h, tmp);
    if (!(a[h].v < a[h - 1].v))
        return; /* already in order */
    memcpy(tmp, a, h * sizeof *a);
    size_t i = 0, j = h, o = 0;
    while (i < h && j < n)
        a[o++] = a[j].v < tmp[i].v ? a[j++] : tmp[i++];
    while (i < h)
        a[o++] = tmp[i++];
}

/*
 * Weighted median of a[0..n) sorted by value: the first value whose running
 * weight reaches half the total, averaged with the next one when it lands
 * exactly on half. With unit weights that is seg_select_median().
 */
static double weighted_median(const vw *a, size_t n)
{
    double W = 0, cum = 0;
    for (size_t i = 0; i < n; i++)
        W += a[i].w;
    if (n == 0 || !(W > 0))
        return NAN;
    for (size_t i = 0; i < n; i++) {
        cum += a[i].w;
        if (cum >= 0.5 * W)
            return cum == 0.5 * W && i + 1 < n ? 0.5 * (a[i].v + a[i + 1].v) : a[i].v;
    }
    return a[n - 1].v;
}

/* One thread's working memory for numeric columns: the column's values
 * grouped by segment (v, vf for a float column, or a with weights) and
 * per-segment sums. buf holds n doubles (n floats when every numeric column
 * is float); v or vf points to it. */
typedef struct scratch {
    void *buf;
    double *v;
    float *vf;
    vw *a, *tmp;
    size_t *fill;
    double *S, *W, *Q;
} scratch;

static void scratch_free(scratch *s)
{
    seg_free(s->buf);
    seg_free(s->a);
    seg_free(s->tmp);
    seg_free(s->fill);
    seg_free(s->S);
    seg_free(s->W);
    seg_free(s->Q);
}

static bool scratch_alloc(scratch *s, size_t n, size_t k, bool weighted, size_t elem)
{
    memset(s, 0, sizeof *s);
    bool ok;
    if (weighted) {
        s->a = seg_malloc_array(n, sizeof *s->a);
        s->tmp = seg_malloc_array(n, sizeof *s->tmp);
        ok = s->a && s->tmp;
    } else {
        ok = (s->buf = seg_malloc_array(n ? n : 1, elem)) != NULL;
    }
    s->fill = seg_malloc_array(k + 1, sizeof *s->fill);
    s->S = seg_malloc_array(k + 1, sizeof *s->S);
    s->W = seg_malloc_array(k + 1, sizeof *s->W);
    s->Q = seg_malloc_array(k + 1, sizeof *s->Q);
    return ok && s->fill && s->S && s->W && s->Q;
}

/*
 * Mean, population standard deviation, median and share missing of one
 * numeric column per segment and for the population (index k). One pass
 * over the column groups its non-missing values by segment, rows in order
 * (segment j's slot begins at start[j]), and sums each segment's weights and
 * weighted values in row order; the squares about the means are then summed
 * over the grouped values (profile_finish), and the medians found by
 * selection (unit weights) or a stable sort (weights). Every sum has a
 * fixed order, so the result does not depend on which thread computes the
 * column.
 */
static void pass_init(const size_t *start, size_t k, scratch *s, pcol *c)
{
    for (size_t j = 0; j <= k; j++) {
        c->missing[j] = s->S[j] = s->W[j] = s->Q[j] = 0;
        s->fill[j] = start[j];
    }
}

/* Up to this many float columns are grouped in one pass over the rows: the
 * columns of a row-major matrix share cache lines, and a pass per column
 * reads every line of the matrix for each (issue 20). */
#define PROFILE_GROUP 4

/* profile_pass for g float columns without weights at once, each into its
 * own scratch: the same sums in the same (row) order, so the same results. */
static void profile_pass_f32_group(const seg_column *const *cols, pcol *const *cs, size_t g,
                                   const int32_t *labels, const size_t *start, size_t n,
                                   size_t k, scratch *s)
{
    for (size_t c = 0; c < g; c++)
        pass_init(start, k, &s[c], cs[c]);
    for (size_t i = 0; i < n; i++) {
        const int32_t l = labels[i];
        for (size_t c = 0; c < g; c++) {
            const float v = ((const float *)cols[c]->num)[i * cols[c]->stride];
            scratch *t = &s[c];
            if (isnan(v)) {
                cs[c]->missing[l] += 1.0;
                cs[c]->missing[k] += 1.0;
                continue;
            }
            t->S[l] += (double)v;
            t->W[l] += 1.0;
            t->S[k] += (double)v;
            t->W[k] += 1.0;
            t->vf[t->fill[l]++] = v;
        }
    }
}

static void profile_pass(const seg_column *col, const int32_t *labels, const double *w,
                         const size_t *start, size_t n, size_t k, scratch *s, pcol *c)
{
    double *miss = c->missing, *S = s->S, *W = s->W;
    size_t *fill = s->fill;
    pass_init(start, k, s, c);
    if (s->vf) { /* float storage, unit weights: the values stay floats */
        const float *x = col->num;
        for (size_t i = 0; i < n; i++) {
            const float v = x[i * col->stride];
            const int32_t l = labels[i];
            if (isnan(v)) {
                miss[l] += 1.0;
                miss[k] += 1.0;
                continue;
            }
            S[l] += (double)v;
            W[l] += 1.0;
            S[k] += (double)v;
            W[k] += 1.0;
            s->vf[fill[l]++] = v;
        }
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const double v = seg_column_value(col, i), wi = w ? w[i] : 1.0;
        const int32_t l = labels[i];
        if (isnan(v)) {
            miss[l] += wi;
            miss[k] += wi;
            continue;
        }
        S[l] += wi * v;
        W[l] += wi;
        S[k] += wi * v;
        W[k] += wi;
        if (w)
            s->a[fill[l]++] = (vw){v, wi};
        else
            s->v[fill[l]++] = v;
    }
}

/* The column's statistics from its grouped values (profile_pass). */
static void profile_finish(const double *w, const double *segw, const size_t *start, size_t k,
                           scratch *s, pcol *c)
{
    double *miss = c->missing, *S = s->S, *W = s->W, *Q = s->Q;
    const size_t *fill = s->fill;
    for (size_t j = 0; j <= k; j++) {
        miss[j] = segw[j] > 0 ? miss[j] / segw[j] : 0;
        c->mean[j] = W[j] > 0 ? S[j] / W[j] : NAN;
    }
    /* The sums in registers, in the same order as through Q. */
    const double mu = c->mean[k];
    double qk = Q[k];
    for (size_t j = 0; j < k; j++) {
        const double mj = c->mean[j];
        double qj = Q[j];
        if (w)
            for (size_t t = start[j]; t < fill[j]; t++) {
                const double v = s->a[t].v, wt = s->a[t].w;
                qj += wt * (v - mj) * (v - mj);
                qk += wt * (v - mu) * (v - mu);
            }
        else if (s->vf)
            for (size_t t = start[j]; t < fill[j]; t++) {
                const double v = (double)s->vf[t];
                qj += 1.0 * (v - mj) * (v - mj);
                qk += 1.0 * (v - mu) * (v - mu);
            }
        else
            for (size_t t = start[j]; t < fill[j]; t++) {
                const double v = s->v[t];
                qj += 1.0 * (v - mj) * (v - mj);
                qk += 1.0 * (v - mu) * (v - mu);
            }
        Q[j] = qj;
    }
    Q[k] = qk;
    for (size_t j = 0; j <= k; j++)
        c->sd[j] = W[j] > 0 ? sqrt(Q[j] / W[j]) : NAN;
    /* medians, segment by segment, then the population's over all of them
     * gathered without the gaps the missing values left */
    size_t m = 0;
    for (size_t j = 0; j < k; j++) {
        const size_t nj = fill[j] - start[j];
        if (w) {
            sort_vw(s->a + start[j], nj, s->tmp);
            c->median[j] = W[j] > 0 ? weighted_median(s->a + start[j], nj) : NAN;
            if (m != start[j])
                memmove(s->a + m, s->a + start[j], nj * sizeof *s->a);
        } else if (s->vf) {
            c->median[j] = nj ? seg_select_median_f32(s->vf + start[j], nj) : NAN;
            if (m != start[j])
                memmove(s->vf + m, s->vf + start[j], nj * sizeof *s->vf);
        } else {
            c->median[j] = nj ? seg_select_median(s->v + start[j], nj) : NAN;
            if (m != start[j])
                memmove(s->v + m, s->v + start[j], nj * sizeof *s->v);
        }
        m += nj;
    }
    if (!(W[k] > 0)) {
        c->median[k] = NAN;
    } else if (w) {
        sort_vw(s->a, m, s->tmp); /* ties in segment, then row order */
        c->median[k] = weighted_median(s->a, m);
    } else if (s->vf) {
        c->median[k] = seg_select_median_f32(s->vf, m);
    } else {
        c->median[k] = seg_select_median(s->v, m);
    }
}

/*
 * The profile's levels of a categorical column: the dataset's in its order,
 * then "(other)" for the levels of fewer than min_size rows (and one spelt
 * so) when min_size > 0, then "(missing)" when a value is missing. lmap[d]
 * receives the profile level of dataset level d. So no level name of fewer
 * than min_size customers is stored (the scaler folds the same way with
 * SEG_SCALER_MIN_LEVEL_COUNT).
 */
static int profile_levels(const seg_column *col, size_t n, size_t min_size, size_t *lmap, pcol *c)
{
    size_t kept = 0;
    bool other = false;
    for (size_t d = 0; d < col->n_levels; d++)
        lmap[d] = 0;
    if (min_size > 0)
        for (size_t i = 0; i < n; i++)
            if (col->codes[i] >= 0)
                lmap[col->codes[i]]++;
    for (size_t d = 0; d < col->n_levels; d++) {
        bool fold = min_size > 0 && (lmap[d] < min_size || strcmp(col->levels[d], OTHER_LEVEL) == 0);
        other = other || fold;
        lmap[d] = fold ? SIZE_MAX : kept++;
    }
    c->n_levels = kept + other + (col->n_missing > 0);
    if (!(c->levels = seg_calloc(c->n_levels ? c->n_levels : 1, sizeof *c->levels)))
        return SEG_NOMEM();
    for (size_t d = 0; d < col->n_levels; d++) {
        if (lmap[d] == SIZE_MAX)
            lmap[d] = kept; /* the "(other)" slot */
        else if (!(c->levels[lmap[d]] = seg_strdup(col->levels[d])))
            return SEG_NOMEM();
    }
    if (other && !(c->levels[kept] = seg_strdup(OTHER_LEVEL)))
        return SEG_NOMEM();
    if (col->n_missing > 0 && !(c->levels[c->n_levels - 1] = seg_strdup(MISSING_LEVEL)))
        return SEG_NOMEM();
    return SEG_OK;
}

static void profile_categorical(const seg_column *col, const int32_t *labels, const double *w,
                                const double *segw, size_t n, size_t k, const size_t *lmap,
                                pcol *c)
{
    const size_t L = c->n_levels;
    for (size_t i = 0; i < n; i++) {
        int32_t code = col->codes[i];
        size_t l = code < 0 ? L - 1 : lmap[code]; /* missing is the last level */
        double wi = w ? w[i] : 1.0;
        c->share[(size_t)labels[i] * L + l] += wi;
        c->share[k * L + l] += wi;
    }
    for (size_t j = 0; j <= k; j++)
        for (size_t l = 0; l < L; l++)
            c->share[j * L + l] = segw[j] > 0 ? c->share[j * L + l] / segw[j] : 0;
}

/* Profile column j: a feature, or past the features a described column. */
static const seg_column *profile_source(const seg_dataset *ds, size_t j)
{
    return j < ds->n_cols ? &ds->cols[j] : &ds->described[j - ds->n_cols];
}

/* The numeric columns of a profile, a group of up to `group` of them an
 * item on a pool's threads. */
typedef struct numeric_job {
    const seg_dataset *ds;
    const int32_t *labels;
    const double *segw;
    const size_t *start;
    size_t k, count, group;
    const size_t *num; /* profile columns of the numeric ones */
    scratch *sc;       /* group per thread */
    seg_profile *p;
} numeric_job;

static void numeric_item(void *ctx, size_t q, int thread)
{
    const numeric_job *job = ctx;
    const double *w = job->ds->weights;
    const size_t first = q * job->group;
    const size_t g = job->count - first < job->group ? job->count - first : job->group;
    scratch *s = &job->sc[(size_t)thread * job->group];
    const seg_column *cols[PROFILE_GROUP];
    pcol *cs[PROFILE_GROUP];
    bool all_f32 = !w;
    for (size_t c = 0; c < g; c++) {
        cols[c] = profile_source(job->ds, job->num[first + c]);
        cs[c] = &job->p->cols[job->num[first + c]];
        /* values of a float column stay floats (exact, half the memory) */
        const bool as_f32 = !w && cols[c]->num_f32;
        s[c].vf = as_f32 ? s[c].buf : NULL;
        s[c].v = !w && !as_f32 ? s[c].buf : NULL;
        all_f32 = all_f32 && as_f32;
    }
    if (g > 1 && all_f32)
        profile_pass_f32_group(cols, cs, g, job->labels, job->start, job->ds->n_rows, job->k, s);
    for (size_t c = 0; c < g; c++) {
        if (!(g > 1 && all_f32))
            profile_pass(cols[c], job->labels, w, job->start, job->ds->n_rows, job->k, &s[c],
                         cs[c]);
        profile_finish(w, job->segw, job->start, job->k, &s[c], cs[c]);
    }
}

static int profile_numeric_all(const seg_dataset *ds, const int32_t *labels, const double *segw,
                               const size_t *start, size_t k, const size_t *num, size_t count,
                               int threads, seg_profile *p)
{
    const size_t n = ds->n_rows;
    const double *w = ds->weights;
    if (count == 0)
        return SEG_OK;
    size_t elem = sizeof(float); /* doubles when any column is */
    for (size_t q = 0; q < count; q++)
        if (!profile_source(ds, num[q])->num_f32)
            elem = sizeof(double);
    if ((size_t)threads > count)
        threads = (int)count;
    /* Float columns without weights go in groups, as long as every thread
     * still has a group: the scratch then holds at most as many columns as
     * there are numeric columns, never more than PROFILE_GROUP a thread. */
    size_t group = 1;
    if (!w && elem == sizeof(float)) {
        group = count / (size_t)threads;
        group = group < 1 ? 1 : group > PROFILE_GROUP ? PROFILE_GROUP : group;
    }
    const size_t items = (count + group - 1) / group;
    if ((size_t)threads > items)
        threads = (int)items;
    /* the pool's idle threads wait on a condition variable, never spin */
    seg_pool *pool = NULL;
    scratch *sc = NULL;
    size_t n_sc = 0;
    int rc = seg_pool_start(&pool, threads);
    if (rc == SEG_OK) {
        threads = seg_pool_threads(pool);
        n_sc = (size_t)threads * group;
        sc = seg_calloc(n_sc, sizeof *sc);
        rc = sc ? SEG_OK : SEG_NOMEM();
    }
    for (size_t t = 0; rc == SEG_OK && t < n_sc; t++)
        if (!scratch_alloc(&sc[t], n, k, w != NULL, elem))
            rc = SEG_NOMEM();
    if (rc == SEG_OK) {
        numeric_job job = {ds, labels, segw, start, k, count, group, num, sc, p};
        seg_pool_run(pool, items, threads, numeric_item, &job);
    }
    seg_pool_stop(pool);
    for (size_t t = 0; sc && t < n_sc; t++)
        scratch_free(&sc[t]);
    seg_free(sc);
    return rc;
}

int seg_profile_compute(const seg_dataset *ds, const int32_t *labels, size_t k, size_t min_size,
                        int threads, seg_profile **out)
{
    const size_t n = ds->n_rows;
    const double *w = ds->weights;
    seg_profile *p = NULL;
    double *segw = seg_calloc(k + 1, sizeof *segw);
    size_t *rows = seg_calloc(k, sizeof *rows);
    size_t *start = seg_calloc(k + 1, sizeof *start);
    size_t *num = seg_malloc_array(ds->n_cols + ds->n_described + 1, sizeof *num);
    size_t *lmap = NULL, n_num = 0;
    int rc;

    const size_t n_src = ds->n_cols + ds->n_described;
    if (!segw || !rows || !start || !num || (rc = profile_alloc(k, n_src, &p)) < 0) {
        rc = SEG_NOMEM();
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        double wi = w ? w[i] : 1.0;
        segw[labels[i]] += wi;
        segw[k] += wi;
        rows[labels[i]]++;
    }
    for (size_t j = 0; j < k; j++) /* where each segment's values go in a grouped column */
        start[j + 1] = start[j] + rows[j];
    /* The features, then the described columns. */
    for (size_t j = 0; j < p->n_cols; j++) {
        const bool described = j >= ds->n_cols;
        const seg_column *col = profile_source(ds, j);
        pcol *c = &p->cols[j];
        c->described = described;
        c->categorical = col->type == SEG_COLUMN_CATEGORICAL;
        if (!(c->name = seg_strdup(col->name)))
            goto nomem;
        if (c->categorical) {
            seg_free(lmap);
            if (!(lmap = seg_malloc_array(col->n_levels ? col->n_levels : 1, sizeof *lmap)) ||
                profile_levels(col, n, min_size, lmap, c) < 0)
                goto nomem;
        }
        if (!pcol_alloc(c, k))
            goto nomem;
        if (c->categorical)
            profile_categorical(col, labels, w, segw, n, k, lmap, c);
        else
            num[n_num++] = j;
    }
    if ((rc = profile_numeric_all(ds, labels, segw, start, k, num, n_num,
                                  seg_threads_resolve(threads), p)) < 0 ||
        (rc = seg_profile_withhold(p, rows, n, min_size)) < 0 || (rc = seg_profile_finish(p)) < 0)
        goto done;
    *out = p;
    p = NULL;
    goto done;
nomem:
    rc = SEG_NOMEM();
done:
    seg_profile_free(p);
    seg_free(segw);
    seg_free(rows);
    seg_free(start);
    seg_free(num);
    seg_free(lmap);
    return rc;
}

/* ---- k-anonymity ----------------------------------------------------------------- */

static void blank_segment(seg_profile *p, size_t j)
{
    for (size_t c = 0; c < p->n_cols; c++) {
        pcol *pc = &p->cols[c];
        if (!pc->categorical) {
            pc->mean[j] = pc->median[j] = pc->sd[j] = pc->missing[j] = NAN;
            continue;
        }
        for (size_t l = 0; l < pc->n_levels; l++)
            pc->share[j * pc->n_levels + l] = NAN;
    }
}

/*
 * A segment of fewer than min_size rows is withheld (WITHHELD_SMALL). That
 * alone would not do: the population is described too and the segments'
 * weights are public, so the withheld segment's weighted sums (hence its
 * means, shares, shares missing and, through the sums of squares, standard
 * deviations) are the population's minus the other segments'. So the smallest
 * other segments (the later one on a tie) are withheld too (WITHHELD_PARTNER)
 * until the withheld rows number at least min_size together: subtraction then
 * only recovers a profile of that many rows. Fewer than min_size rows in all
 * withhold the population and every segment. Row counts, not weights: a
 * weight does not make one customer several people.
 */
int seg_profile_withhold(seg_profile *p, const size_t *sizes, size_t n, size_t min_size)
{
    const size_t k = p->k;
    size_t held = 0;
    seg_free(p->withheld);
    p->withheld = NULL;
    p->min_size = min_size;
    if (min_size == 0)
        return SEG_OK;
    if (!(p->withheld = seg_calloc(k + 1, sizeof *p->withheld)))
        return SEG_NOMEM();
    uint8_t *wh = p->withheld;
    wh[k] = n < min_size ? WITHHELD_SMALL : 0;
    for (size_t j = 0; j < k; j++)
        if (wh[k] || sizes[j] < min_size) {
            wh[j] = WITHHELD_SMALL;
            held = sizes[j] < SIZE_MAX - held ? held + sizes[j] : SIZE_MAX;
        }
    while (!wh[k] && held > 0 && held < min_size) {
        size_t pick = k;
        for (size_t j = 0; j < k; j++)
            if (!wh[j] && (pick == k || sizes[j] <= sizes[pick]))
                pick = j;
        if (pick == k)
            break;
        wh[pick] = WITHHELD_PARTNER;
        held = sizes[pick] < SIZE_MAX - held ? held + sizes[pick] : SIZE_MAX;
    }
    for (size_t j = 0; j <= k; j++)
        if (wh[j])
            blank_segment(p, j);
    return SEG_OK;
}

/* ---- standardised differences and labels ------------------------------------------ */

/* Standardised difference of segment j on item it (0 when the population
 * does not vary on it). Numeric: (mean_j - mean) / sd. Level with population
 * share q: (share_j - q) / sqrt(q (1 - q)), the same scale for a 0/1 column. */
static double item_z(const seg_profile *p, size_t j, const pitem *it)
{
    const pcol *c = &p->cols[it->col];
    const size_t k = p->k;
    double z = 0;
    if (!c->categorical) {
        double sd = c->sd[k];
        if (sd > 0)
            z = (c->mean[j] - c->mean[k]) / sd;
    } else {
        double q = c->share[k * c->n_levels + it->level];
        double s = c->share[j * c->n_levels + it->level];
        if (q > 0 && q < 1)
            z = (s - q) / sqrt(q * (1 - q));
    }
    /* An empty segment (or a damaged file) gives no difference, and keeps
     * NaN out of the ranking's comparisons. */
    return isfinite(z) ? z : 0;
}

/* strcmp ignoring ASCII case (no locale: a label must not depend on one). */
static int seg_ascii_casecmp(const char *a, const char *b)
{
    for (;; a++, b++) {
        int x = (unsigned char)*a, y = (unsigned char)*b;
        x += x >= 'A' && x <= 'Z' ? 'a' - 'A' : 0;
        y += y >= 'A' && y <= 'Z' ? 'a' - 'A' : 0;
        if (x != y || x == 0)
            return x - y;
    }
}

/* The phrase of one item for a segment, into buf (see docs/guide.md,
 * "How labels are made"). */
static void phrase(const seg_profile *p, size_t j, const pitem *it, double z, char *buf,
                   size_t len)
{
    const pcol *c = &p->cols[it->col];
    if (!c->categorical) {
        /* Age reads as people say it; any other column as higher / lower. */
        if (seg_ascii_casecmp(c->name, "age") == 0)
            snprintf(buf, len, "%s", z > 0 ? "older" : "younger");
        else
            snprintf(buf, len, "%s %s", z > 0 ? "higher" : "lower", c->name);
        return;
    }
    const char *level = c->levels[it->level];
    int yn = seg_yes_no(level);
    if (yn != 0) {
        snprintf(buf, len, "%s %s", (yn > 0) == (z > 0) ? "with" : "no", c->name);
        return;
    }
    double s = c->share[j * c->n_levels + it->level];
    snprintf(buf, len, "%s %s (%s)", z < 0 ? "few" : s >= 0.5 ? "mostly" : "more", level, c->name);
}

static int make_label(const seg_profile *p, size_t j, char **out)
{
    char text[512] = "", part[160];
    size_t used = 0, phrases = 0;
    if (p->withheld && p->withheld[j]) {
        if (p->withheld[j] == WITHHELD_SMALL)
            snprintf(text, sizeof text, "fewer than %zu customers (profile withheld)", p->min_size);
        else
            snprintf(text, sizeof text,
                     "profile withheld (would reveal a segment of fewer "
                     "than %zu customers)",
                     p->min_size);
        return (*out = seg_strdup(text)) ? SEG_OK : SEG_NOMEM();
    }
    bool *taken = seg_calloc(p->n_cols ? p->n_cols : 1, sizeof *taken);
    if (!taken)
        return SEG_NOMEM();
    /* A segment is labelled by what it was built from, never by a
     * described column. */
    for (size_t c = 0; c < p->n_cols; c++)
        taken[c] = p->cols[c].described;
    for (size_t r = 0; r < p->n_items && phrases < LABEL_MAX_PHRASES; r++) {
        size_t i = p->order[j * p->n_items + r];
        double z = p->z[j * p->n_items + i];
        if (fabs(z) < LABEL_MIN_Z)
            break;
        if (taken[p->items[i].col])
            continue;
        taken[p->items[i].col] = true;
        phrase(p, j, &p->items[i], z, part, sizeof part);
        const size_t at = j * LABEL_MAX_PHRASES + phrases;
        if (!(p->trait_text[at] = seg_strdup(part))) {
            seg_free(taken);
            return SEG_NOMEM();
        }
        p->trait_item[at] = i;
        p->n_traits[j] = phrases + 1;
        int w = snprintf(text + used, sizeof text - used, "%s%s", phrases ? ", " : "", part);
        if (w < 0 || (size_t)w >= sizeof text - used)
            break;
        used += (size_t)w;
        phrases++;
    }
    seg_free(taken);
    *out = seg_strdup(phrases ? text : "close to average");
    return *out ? SEG_OK : SEG_NOMEM();
}

/* Sorting the items of one segment by decreasing |z|; on a tie, what the
 * segment has more of comes first (it reads better than what it lacks),
 * then the item order. */
typedef struct zkey {
    double z;
    size_t i;
} zkey;

static int cmp_zkey(const void *pa, const void *pb)
{
    const zkey *a = pa, *b = pb;
    if (fabs(a->z) != fabs(b->z))
        return fabs(a->z) > fabs(b->z) ? -1 : 1;
    if ((a->z > 0) != (b->z > 0))
        return a->z > 0 ? -1 : 1;
    return (a->i > b->i) - (a->i < b->i);
}

static char *item_name(const pcol *c, size_t level)
{
    if (level == SIZE_MAX)
        return seg_strdup(c->name);
    size_t a = strlen(c->name), b = strlen(c->levels[level]);
    char *s = a < SIZE_MAX / 2 && b < SIZE_MAX / 2 ? seg_malloc(a + b + 2) : NULL;
    if (s)
        snprintf(s, a + b + 2, "%s=%s", c->name, c->levels[level]);
    return s;
}

int seg_profile_finish(seg_profile *p)
{
    const size_t k = p->k;
    size_t n = 0, cells;
    zkey *keys = NULL;
    derived_clear(p);
    for (size_t c = 0; c < p->n_cols; c++)
        n += p->cols[c].categorical ? p->cols[c].n_levels : 1;
    if (!seg_mul_ok(k, n ? n : 1, &cells))
        return seg_fail(SEG_ERR_OVERFLOW, "profile items overflow");
    p->items = seg_calloc(n ? n : 1, sizeof *p->items);
    p->z = seg_malloc_array(cells, sizeof *p->z);
    p->order = seg_malloc_array(cells, sizeof *p->order);
    p->labels = seg_calloc(k, sizeof *p->labels);
    p->n_traits = seg_calloc(k ? k : 1, sizeof *p->n_traits);
    p->trait_item = seg_calloc(k ? k * LABEL_MAX_PHRASES : 1, sizeof *p->trait_item);
    p->trait_text = seg_calloc(k ? k * LABEL_MAX_PHRASES : 1, sizeof *p->trait_text);
    keys = seg_malloc_array(n ? n : 1, sizeof *keys);
    if (!p->items || !p->z || !p->order || !p->labels || !p->n_traits || !p->trait_item ||
        !p->trait_text || !keys)
        goto nomem;
    for (size_t c = 0; c < p->n_cols; c++) {
        const pcol *pc = &p->cols[c];
        size_t levels = pc->categorical ? pc->n_levels : 1;
        for (size_t l = 0; l < levels; l++, p->n_items++) {
            pitem *it = &p->items[p->n_items];
            it->col = c;
            it->level = pc->categorical ? l : SIZE_MAX;
            if (!(it->name = item_name(pc, it->level)))
                goto nomem;
        }
    }
    for (size_t j = 0; j < k; j++) {
        for (size_t i = 0; i < n; i++) {
            double z = item_z(p, j, &p->items[i]);
            p->z[j * n + i] = z;
            keys[i] = (zkey){z, i};
        }
        qsort(keys, n, sizeof *keys, cmp_zkey);
        for (size_t r = 0; r < n; r++)
            p->order[j * n + r] = keys[r].i;
    }
    for (size_t j = 0; j < k; j++)
        if (make_label(p, j, &p->labels[j]) < 0)
            goto nomem;
    seg_free(keys);
    return SEG_OK;
nomem:
    seg_free(keys);
    derived_clear(p);
    return SEG_NOMEM();
}

/* ---- model file section ------------------------------------------------------------ */

void seg_profile_write(const seg_profile *p, wbuf *w)
{
    const size_t k1 = p->k + 1;
    seg_wb_u64(w, p->n_cols);
    for (size_t c = 0; c < p->n_cols; c++) {
        const pcol *pc = &p->cols[c];
        seg_wb_str(w, pc->name);
        seg_wb_u32(w, pc->categorical);
        if (!pc->categorical) {
            const double *arr[4] = {pc->mean, pc->median, pc->sd, pc->missing};
            for (int a = 0; a < 4; a++)
                for (size_t j = 0; j < k1; j++)
                    seg_wb_f64(w, arr[a][j]);
            continue;
        }
        seg_wb_u64(w, pc->n_levels);
        for (size_t l = 0; l < pc->n_levels; l++)
            seg_wb_str(w, pc->levels[l]);
        for (size_t i = 0; i < k1 * pc->n_levels; i++)
            seg_wb_f64(w, pc->share[i]);
    }
}

static bool read_pcol(rbuf *r, size_t k, pcol *c, bool *nomem)
{
    c->name = seg_rb_str(r, nomem);
    uint32_t cat = seg_rb_u32(r);
    if (r->bad || *nomem || cat > 1)
        return false;
    c->categorical = cat;
    if (c->categorical) {
        c->n_levels = seg_rb_count(r, 4);
        if (r->bad || !(c->levels = seg_calloc(c->n_levels ? c->n_levels : 1, sizeof *c->levels)))
            return *nomem = !r->bad, false;
        for (size_t l = 0; l < c->n_levels; l++)
            if (!(c->levels[l] = seg_rb_str(r, nomem)))
                return false;
        /* the shares must fit in what is left before allocating them */
        if (c->n_levels > (r->len - r->pos) / 8 / (k + 1))
            return r->bad = true, false;
    } else if (4 * (k + 1) > (r->len - r->pos) / 8) {
        return r->bad = true, false;
    }
    if (!pcol_alloc(c, k))
        return *nomem = true, false;
    if (!c->categorical) {
        double *arr[4] = {c->mean, c->median, c->sd, c->missing};
        for (int a = 0; a < 4; a++)
            for (size_t j = 0; j <= k; j++)
                arr[a][j] = seg_rb_f64(r);
        return !r->bad;
    }
    for (size_t i = 0; i < (k + 1) * c->n_levels; i++)
        c->share[i] = seg_rb_f64(r);
    return !r->bad;
}

int seg_profile_read(rbuf *r, size_t k, seg_profile **out)
{
    bool nomem = false;
    seg_profile *p = NULL;
    size_t n_cols = seg_rb_count(r, 8);
    int rc;
    if (r->bad)
        return seg_fail(SEG_ERR_FORMAT, "model file: section PROF: bad column count");
    if ((rc = profile_alloc(k, n_cols, &p)) < 0)
        return rc;
    for (size_t c = 0; c < n_cols; c++) {
        if (!read_pcol(r, k, &p->cols[c], &nomem)) {
            seg_profile_free(p);
            return nomem ? SEG_NOMEM()
                         : seg_fail(SEG_ERR_FORMAT, "model file: section PROF: column %zu", c);
        }
    }
    if ((rc = seg_profile_finish(p)) < 0) {
        seg_profile_free(p);
        return rc;
    }
    *out = p;
    return SEG_OK;
}

bool seg_profile_has_described(const seg_profile *p)
{
    for (size_t c = 0; c < p->n_cols; c++)
        if (p->cols[c].described)
            return true;
    return false;
}

void seg_profile_write_described(const seg_profile *p, wbuf *w)
{
    size_t count = 0;
    for (size_t c = 0; c < p->n_cols; c++)
        count += p->cols[c].described;
    seg_wb_u64(w, count);
    for (size_t c = 0; c < p->n_cols; c++)
        if (p->cols[c].described)
            seg_wb_u64(w, c);
}

bool seg_profile_read_described(rbuf *r, seg_profile *p, bool *nomem)
{
    uint64_t count = seg_rb_u64(r), last = 0;
    if (r->bad || count == 0 || count > p->n_cols)
        return false;
    for (uint64_t i = 0; i < count; i++) {
        uint64_t c = seg_rb_u64(r);
        if (r->bad || c >= p->n_cols || (i > 0 && c <= last) || p->cols[c].described)
            return false;
        p->cols[c].described = true;
        last = c;
    }
    if (r->pos != r->len)
        return false;
    if (seg_profile_finish(p) < 0)
        return *nomem = true, false;
    return true;
}

/* ---- public accessors -------------------------------------------------------------- */

/* SEG_ERR_STATE when the profile of segment (0 .. k) is withheld. */
static int check_shown(const seg_model *m, size_t segment, const char *fn)
{
    const seg_profile *p = m->profile;
    if (!p->withheld || !p->withheld[segment])
        return SEG_OK;
    return seg_fail(SEG_ERR_STATE, "%s: the profile of segment %zu%s is withheld (%s)", fn, segment,
                    segment == p->k ? " (the whole population)" : "",
                    p->withheld[segment] == WITHHELD_SMALL
                        ? "it has fewer customers than the minimum profile size"
                        : "it would reveal a segment smaller than the minimum profile size");
}

int seg_model_profile_withheld(const seg_model *m, size_t segment)
{
    const seg_profile *p = m ? m->profile : NULL;
    return p && p->withheld && segment <= p->k ? p->withheld[segment] : 0;
}

size_t seg_model_min_profile_size(const seg_model *m)
{
    return m && m->profile ? m->profile->min_size : 0;
}

static const pcol *get_col(const seg_model *m, size_t col)
{
    return m && m->profile && col < m->profile->n_cols ? &m->profile->cols[col] : NULL;
}

size_t seg_model_profile_columns(const seg_model *m)
{
    return m && m->profile ? m->profile->n_cols : 0;
}

const char *seg_model_profile_column_name(const seg_model *m, size_t col)
{
    const pcol *c = get_col(m, col);
    return c ? c->name : NULL;
}

seg_column_type seg_model_profile_column_type(const seg_model *m, size_t col)
{
    const pcol *c = get_col(m, col);
    if (!c)
        return SEG_COLUMN_AUTO;
    return c->categorical ? SEG_COLUMN_CATEGORICAL : SEG_COLUMN_NUMERIC;
}

int seg_model_profile_column_described(const seg_model *m, size_t col)
{
    const pcol *c = get_col(m, col);
    return c && c->described;
}

int seg_model_profile_numeric(const seg_model *m, size_t segment, size_t col,
                              seg_profile_stat stat, double *out)
{
    const pcol *c = get_col(m, col);
    if (!out || !c || segment > m->k)
        return seg_fail(SEG_ERR_INVALID_ARG,
                        "seg_model_profile_numeric: NULL argument, no profile, or segment %zu / "
                        "column %zu out of range",
                        segment, col);
    if (c->categorical)
        return seg_fail(SEG_ERR_TYPE, "column '%s' is categorical", c->name);
    int rc = check_shown(m, segment, "seg_model_profile_numeric");
    if (rc < 0)
        return rc;
    switch (stat) {
    case SEG_PROFILE_MEAN: *out = c->mean[segment]; break;
    case SEG_PROFILE_MEDIAN: *out = c->median[segment]; break;
    case SEG_PROFILE_SD: *out = c->sd[segment]; break;
    case SEG_PROFILE_MISSING: *out = c->missing[segment]; break;
    default: return seg_fail(SEG_ERR_INVALID_ARG, "unknown profile statistic %d", (int)stat);
    }
    return SEG_OK;
}

size_t seg_model_profile_levels(const seg_model *m, size_t col)
{
    const pcol *c = get_col(m, col);
    return c && c->categorical ? c->n_levels : 0;
}

const char *seg_model_profile_level(const seg_model *m, size_t col, size_t level)
{
    const pcol *c = get_col(m, col);
    return c && c->categorical && level < c->n_levels ? c->levels[level] : NULL;
}

int seg_model_profile_share(const seg_model *m, size_t segment, size_t col, size_t level,
                            double *out)
{
    const pcol *c = get_col(m, col);
    if (!out || !c || segment > m->k)
        return seg_fail(SEG_ERR_INVALID_ARG,
                        "seg_model_profile_share: NULL argument, no profile, or segment %zu / "
                        "column %zu out of range",
                        segment, col);
    if (!c->categorical)
        return seg_fail(SEG_ERR_TYPE, "column '%s' is numeric", c->name);
    if (level >= c->n_levels)
        return seg_fail(SEG_ERR_INVALID_ARG, "column '%s' has %zu levels, not %zu", c->name,
                        c->n_levels, level + 1);
    int rc = check_shown(m, segment, "seg_model_profile_share");
    if (rc < 0)
        return rc;
    *out = c->share[segment * c->n_levels + level];
    return SEG_OK;
}

size_t seg_model_profile_items(const seg_model *m)
{
    return m && m->profile ? m->profile->n_items : 0;
}

const char *seg_model_profile_item_name(const seg_model *m, size_t item)
{
    return item < seg_model_profile_items(m) ? m->profile->items[item].name : NULL;
}

/* The flat index of cell (segment, j) of a segment x item table, j being an
 * item or a rank (`what`), after the checks both public readers make. */
static int item_cell(const seg_model *m, size_t segment, size_t j, const void *out,
                     const char *fn, const char *what, size_t *at)
{
    if (!out || j >= seg_model_profile_items(m) || segment >= m->k)
        return seg_fail(SEG_ERR_INVALID_ARG,
                        "%s: NULL argument, no profile, or segment %zu / %s %zu out of range", fn,
                        segment, what, j);
    int rc = check_shown(m, segment, fn);
    if (rc < 0)
        return rc;
    *at = segment * m->profile->n_items + j;
    return SEG_OK;
}

int seg_model_profile_zscore(const seg_model *m, size_t segment, size_t item, double *out)
{
    size_t at = 0;
    int rc = item_cell(m, segment, item, out, "seg_model_profile_zscore", "item", &at);
    if (rc == SEG_OK)
        *out = m->profile->z[at];
    return rc;
}

int seg_model_profile_ranked_item(const seg_model *m, size_t segment, size_t rank, size_t *item)
{
    size_t at = 0;
    int rc = item_cell(m, segment, rank, item, "seg_model_profile_ranked_item", "rank", &at);
    if (rc == SEG_OK)
        *item = m->profile->order[at];
    return rc;
}

const char *seg_model_segment_label(const seg_model *m, size_t segment)
{
    return m && m->profile && segment < m->k ? m->profile->labels[segment] : NULL;
}

size_t seg_model_segment_traits(const seg_model *m, size_t segment)
{
    return m && m->profile && segment < m->k ? m->profile->n_traits[segment] : 0;
}

int seg_model_segment_trait(const seg_model *m, size_t segment, size_t t, size_t *item,
                            const char **phrase)
{
    if (!item || !phrase || t >= seg_model_segment_traits(m, segment))
        return seg_fail(SEG_ERR_INVALID_ARG,
                        "seg_model_segment_trait: NULL argument, no profile, or segment %zu / "
                        "trait %zu out of range",
                        segment, t);
    const size_t at = segment * LABEL_MAX_PHRASES + t;
    *item = m->profile->trait_item[at];
    *phrase = m->profile->trait_text[at];
    return SEG_OK;
}

int seg_model_describe(seg_model *m, const seg_dataset *ds, const seg_scaler *sc,
                       const int32_t *labels, size_t min_profile_size, int threads)
{
    int rc = sc ? seg_scaler_clone(sc, &m->scaler) : SEG_OK;
    if (rc == SEG_OK)
        rc = seg_profile_compute(ds, labels, m->k, min_profile_size, threads, &m->profile);
    return rc;
}
