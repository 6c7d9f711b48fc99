/*
 * Choosing k: fit every k of a range on one feature matrix, record the
 * quality measures of each, and pick k by a fixed rule. Built on the public
 * fit and metrics entry points, so it shares their kernel and determinism;
 * what it shares across k is the caller's transformed matrix (transformed
 * once) and the silhouette sample (the same rows for every k, their
 * distances computed once: seg_metrics_silhouettes_*).
 */
#include "analyse/sweep.h"
#include "core/params.h"

#include <string.h>

enum {
    COL_INERTIA,
    COL_SIL,
    COL_DB,
    COL_CH,
    COL_SMALLEST,
    COL_LARGEST,
    COL_ITER,
    COL_STAB,
    COL_WORST,
    N_COLS
};

struct seg_sweep {
    int64_t k_min, k_max, sample, seed;
    int64_t resamples, stab_n_init, stab_sample;
    double min_share, max_share, fraction, threshold;
    int64_t rule;
    seg_progress_fn progress;
    void *user;
    size_t count;   /* rows recorded by the last run */
    double *values; /* count x N_COLS */
};

/*
 * Where the sweep's rows are: all of them in memory (x, w: seg_sweep_run_*),
 * or behind a callback (x NULL: seg_sweep_run_source()) that fits, measures
 * and hands over the few rows the samples need.
 */
typedef struct source {
    const void *x;
    const double *w;
    bool weighted;
    seg_sweep_fn fn;
    void *user;
    seg_spread sp; /* the processes that share the samples' work (one: alone) */
} source;

/*
 * From a source: the status every process agrees on (SEG_SWEEP_OP_AGREE),
 * so that a failure of this process's own work (an allocation, a refit)
 * stops the others before their next exchange instead of leaving them
 * waiting. In memory: rc.
 */
static int agree(const source *src, int rc)
{
    char buf[4 + 480];
    int32_t st = rc < 0 ? rc : 0;
    if (src->x)
        return rc;
    memcpy(buf, &st, sizeof st);
    snprintf(buf + 4, sizeof buf - 4, "%s", rc < 0 ? seg_last_error() : "");
    const int frc = src->fn(src->user, SEG_SWEEP_OP_AGREE, NULL, NULL, sizeof buf, buf, NULL, NULL);
    if (frc < 0)
        return frc;
    memcpy(&st, buf, sizeof st);
    buf[sizeof buf - 1] = 0;
    return st < 0 ? seg_fail(st, "%s", buf + 4) : rc;
}

static int spread_agree(void *ctx, int rc)
{
    return agree(ctx, rc);
}

static int spread_share(void *ctx, double *values, const size_t *offsets)
{
    const source *src = ctx;
    return src->fn(src->user, SEG_SWEEP_OP_SHARE, NULL, offsets, src->sp.processes + 1, NULL,
                   values, NULL);
}

/* Which of the processes running this sweep this one is (PROCESSES). A
 * callback that leaves the answer alone runs the sweep as one process. */
static int ask_processes(source *src)
{
    size_t who[2] = {0, 1};
    int rc = src->fn(src->user, SEG_SWEEP_OP_PROCESSES, NULL, NULL, 2, who, NULL, NULL);
    if (rc < 0)
        return rc;
    if (who[1] == 0 || who[0] >= who[1])
        return seg_fail(SEG_ERR_STATE, "the sweep's source gave process %zu of %zu", who[0],
                        who[1]);
    src->sp = (seg_spread){who[0], who[1], spread_agree, spread_share, src};
    return SEG_OK;
}

int seg_sweep_new(seg_sweep **out)
{
    if (!out)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_sweep_new: out is NULL");
    seg_sweep *s = seg_calloc(1, sizeof *s);
    *out = s;
    if (!s)
        return SEG_NOMEM();
    s->k_min = 2;
    s->k_max = 10;
    s->sample = 10000;
    s->min_share = 0.05;
    s->max_share = 0.60;
    s->resamples = 5;
    s->stab_n_init = 1;
    s->stab_sample = 5000;
    s->fraction = 0.8;
    s->threshold = 0.8;
    return SEG_OK;
}

void seg_sweep_free(seg_sweep *s)
{
    if (!s)
        return;
    seg_free(s->values);
    seg_free(s);
}

/* One subsample cannot be compared with another. */
static int check_resamples(void *obj, seg_param_value v, const char **why)
{
    (void)obj;
    if (v.i == 1) {
        *why = "not 1 (the stability compares pairs of refits)";
        return SEG_ERR_INVALID_ARG;
    }
    return SEG_OK;
}

static const seg_param sweep_rows[] = {
    SEG_PARAM_INT(SEG_SWEEP_K_MIN, 2, 1e6, seg_sweep, k_min, NULL),
    SEG_PARAM_INT(SEG_SWEEP_K_MAX, 2, 1e6, seg_sweep, k_max, NULL),
    SEG_PARAM_INT(SEG_SWEEP_SILHOUETTE_SAMPLE, 0, SEG_PARAM_INT64_MAX, seg_sweep, sample, NULL),
    SEG_PARAM_INT(SEG_SWEEP_SEED, SEG_PARAM_INT64_MIN, SEG_PARAM_INT64_MAX, seg_sweep, seed, NULL),
    SEG_PARAM_REAL(SEG_SWEEP_MIN_SHARE, 0, 1, seg_sweep, min_share, NULL),
    SEG_PARAM_REAL(SEG_SWEEP_MAX_SHARE, 0, 1, seg_sweep, max_share, NULL),
    SEG_PARAM_INT(SEG_SWEEP_STABILITY_RESAMPLES, 0, 1000, seg_sweep, resamples, check_resamples),
    SEG_PARAM_INT(SEG_SWEEP_STABILITY_N_INIT, 0, 1e6, seg_sweep, stab_n_init, NULL),
    SEG_PARAM_INT(SEG_SWEEP_STABILITY_SAMPLE, 0, SEG_PARAM_INT64_MAX, seg_sweep, stab_sample, NULL),
    SEG_PARAM_REAL(SEG_SWEEP_STABILITY_FRACTION, 0.01, 1, seg_sweep, fraction, NULL),
    SEG_PARAM_REAL(SEG_SWEEP_STABILITY_THRESHOLD, 0, 1, seg_sweep, threshold, NULL),
    SEG_PARAM_INT(SEG_SWEEP_RULE, SEG_SWEEP_RULE_LARGEST_STABLE, SEG_SWEEP_RULE_SILHOUETTE,
                  seg_sweep, rule, NULL),
};
static const seg_param_table sweep_params = SEG_PARAM_TABLE("sweep", sweep_rows, NULL);

int seg_sweep_set_int(seg_sweep *s, seg_sweep_param param, int64_t value)
{
    return seg_param_set_int(&sweep_params, s, (int)param, value);
}

int seg_sweep_set_double(seg_sweep *s, seg_sweep_param param, double value)
{
    return seg_param_set_real(&sweep_params, s, (int)param, value);
}

int seg_sweep_get_int(const seg_sweep *s, seg_sweep_param param, int64_t *value)
{
    return seg_param_get_int(&sweep_params, s, (int)param, value);
}

int seg_sweep_get_double(const seg_sweep *s, seg_sweep_param param, double *value)
{
    return seg_param_get_real(&sweep_params, s, (int)param, value);
}

int seg_sweep_param_bounds(seg_sweep_param param, double *lower, double *upper)
{
    return seg_param_bounds(&sweep_params, (int)param, lower, upper);
}

int seg_sweep_set_progress(seg_sweep *s, seg_progress_fn fn, void *user)
{
    if (!s)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_sweep_set_progress: sweep is NULL");
    s->progress = fn;
    s->user = user;
    return SEG_OK;
}

/* Quality measures of one labelling but its silhouette, into row[COL_DB], row[COL_CH]. */
static int measure(const void *x, bool f32, size_t n, size_t d, const double *w,
                   const int32_t *labels, size_t k, double *row)
{
    int rc = f32 ? seg_metrics_davies_bouldin_f32(x, n, d, labels, k, w, &row[COL_DB])
                 : seg_metrics_davies_bouldin_f64(x, n, d, labels, k, w, &row[COL_DB]);
    if (rc == SEG_OK)
        rc = f32 ? seg_metrics_calinski_harabasz_f32(x, n, d, labels, k, w, &row[COL_CH])
                 : seg_metrics_calinski_harabasz_f64(x, n, d, labels, k, w, &row[COL_CH]);
    return rc;
}

/* Most bytes of labellings held for one silhouette call. */
#define SWEEP_LABELS_MAX_BYTES ((size_t)128 << 20)

/*
 * The silhouettes of the held labellings lab[0 .. count-1] (k = k0, k0 + 1,
 * ...) into their rows: one sample, its distances computed once for all.
 */
static int measure_silhouettes(int64_t sample_size, int64_t seed_, const void *x, bool f32,
                               size_t n, size_t d, const double *w, int32_t *held, size_t count,
                               size_t k0, int64_t threads, const seg_spread *sp, double *rows)
{
    const int32_t *lab[64];
    size_t ks[64];
    double sil[64];
    for (size_t i = 0; i < count; i++) {
        lab[i] = held + i * n;
        ks[i] = k0 + i;
    }
    const size_t sample = (size_t)sample_size;
    const uint64_t seed = (uint64_t)seed_;
    int rc = seg_metrics_silhouettes_spread(x, f32, n, d, lab, ks, count, w, sample, seed, threads,
                                            sp, sil);
    for (size_t i = 0; rc == SEG_OK && i < count; i++)
        rows[i * N_COLS + COL_SIL] = sil[i];
    return rc;
}

/* Scratch of the stability refits, allocated once for all k. */
typedef struct stability {
    size_t r, m;          /* subsamples, rows in each */
    size_t base;          /* rows the subsamples are drawn from */
    size_t *rows;         /* those rows (base of them) */
    void *xs;             /* m x d rows of the current subsample */
    double *ws;           /* their weights, or NULL */
    int32_t *fitted;      /* m labels of one refit */
    int32_t *labels;      /* r x n: refit j's label of each row, -1 where not drawn */
    int32_t *pa, *pb;     /* the shared rows' labels of two refits */
    double *tab;          /* k_max x k_max contingency table of two refits */
    const void *src;      /* the matrix rows[] index: x, or bx */
    const double *srcw;   /* its weights, or NULL */
    void *bx;             /* the base rows gathered from a source (base x d), or NULL */
    double *bw;           /* their weights, or NULL */
    const seg_spread *sp; /* processes sharing the refits, or NULL: this one does all */
    double *xch;          /* shared: r x (1 + base), each refit's status then labels, by process */
    size_t *offs;         /* processes + 1 offsets into xch */
} stability;

static void stability_free(stability *st)
{
    seg_free(st->rows);
    seg_free(st->xs);
    seg_free(st->ws);
    seg_free(st->fitted);
    seg_free(st->labels);
    seg_free(st->pa);
    seg_free(st->pb);
    seg_free(st->tab);
    seg_free(st->bx);
    seg_free(st->bw);
    seg_free(st->xch);
    seg_free(st->offs);
}

static int stability_alloc(const seg_sweep *s, stability *st, bool f32, size_t n, size_t d,
                           const source *src)
{
    const double *w = src->x ? src->w : NULL;
    const bool weighted = src->x ? w != NULL : src->weighted;
    const size_t full_n = n;
    memset(st, 0, sizeof *st);
    if (s->resamples < 2)
        return SEG_OK;
    st->base = s->stab_sample > 0 && (uint64_t)s->stab_sample < n ? (size_t)s->stab_sample : n;
    const double m = nearbyint(s->fraction * (double)st->base);
    st->r = (size_t)s->resamples;
    st->m = m < 1 ? 1 : m > (double)st->base ? st->base : (size_t)m;
    n = st->base;
    int rc = SEG_OK;
    if (!(st->rows = seg_malloc_array(st->base, sizeof *st->rows)) ||
        !(st->xs = seg_malloc_array(st->m, d * (f32 ? sizeof(float) : sizeof(double)))) ||
        (weighted && !(st->ws = seg_malloc_array(st->m, sizeof *st->ws))) ||
        !(st->fitted = seg_malloc_array(st->m, sizeof *st->fitted)) ||
        !(st->labels = seg_malloc_array(st->r, n * sizeof *st->labels)) ||
        !(st->pa = seg_malloc_array(st->m, sizeof *st->pa)) ||
        !(st->pb = seg_malloc_array(st->m, sizeof *st->pb)) ||
        !(st->tab = seg_malloc_array((size_t)s->k_max, (size_t)s->k_max * sizeof *st->tab))) {
        rc = SEG_NOMEM();
    } else {
        /* The base sample, by the same selection sampling as the subsamples
         * (all rows when it is not smaller than n). */
        seg_rng rng;
        seg_rng_seed(&rng, (uint64_t)s->seed - 1);
        for (size_t i = 0, got = 0; got < st->base; i++)
            if (seg_rng_below(&rng, full_n - i) < st->base - got)
                st->rows[got++] = i;
    }
    st->src = src->x;
    st->srcw = w;
    if (src->x) {
        if (rc < 0)
            stability_free(st);
        return rc;
    }
    /* From a source: the base rows gathered once, then drawn from as the
     * rows of x are (rows[] renumbered to them). */
    const size_t elt = f32 ? sizeof(float) : sizeof(double);
    if (rc == SEG_OK && (!(st->bx = seg_malloc_array(st->base, d * elt)) ||
                         (weighted && !(st->bw = seg_malloc_array(st->base, sizeof *st->bw)))))
        rc = SEG_NOMEM();
    if (rc == SEG_OK && src->sp.processes > 1) {
        st->sp = &src->sp;
        if (st->base == SIZE_MAX ||
            !(st->xch = seg_malloc_array(st->r, (st->base + 1) * sizeof *st->xch)) ||
            !(st->offs = seg_malloc_array(src->sp.processes + 1, sizeof *st->offs)))
            rc = SEG_NOMEM();
    }
    if ((rc = agree(src, rc)) == SEG_OK)
        rc = src->fn(src->user, SEG_SWEEP_OP_ROWS, NULL, st->rows, st->base, st->bx, st->bw,
                     NULL);
    if (rc < 0) {
        stability_free(st);
        return rc;
    }
    for (size_t i = 0; i < st->base; i++)
        st->rows[i] = i;
    st->src = st->bx;
    st->srcw = st->bw;
    return SEG_OK;
}

/* Subsample j of the base rows: Knuth's selection sampling (algorithm S),
 * in row order, with exact integer odds; marks the drawn base rows 0 in mark
 * (others -1) and gathers them into st->xs / st->ws. */
static void draw(const seg_sweep *s, const stability *st, size_t j, bool f32, size_t d,
                 int32_t *mark)
{
    const void *x = st->src;
    const double *w = st->srcw;
    seg_rng rng;
    const size_t elt = f32 ? sizeof(float) : sizeof(double), n = st->base;
    seg_rng_seed(&rng, (uint64_t)s->seed + j);
    for (size_t i = 0, got = 0; i < n; i++) {
        if (got < st->m && seg_rng_below(&rng, n - i) < st->m - got) {
            const size_t row = st->rows[i];
            memcpy((char *)st->xs + got * d * elt, (const char *)x + row * d * elt, d * elt);
            if (w)
                st->ws[got] = w[row];
            got++;
            mark[i] = 0;
        } else {
            mark[i] = -1;
        }
    }
}

/*
 * How well the worst segment of labelling a (k labels, n rows) holds
 * together in labelling b: for each segment of a with two rows or more, the
 * share of its pairs of rows that b also puts in one segment; the smallest
 * of these (Tibshirani and Walther's prediction strength, 2005, on two
 * refits instead of a fit and a prediction). NaN when no segment of a has
 * two rows. tab: k x k scratch.
 */
static double worst_segment(const int32_t *a, const int32_t *b, size_t n, size_t k, double *tab)
{
    double worst = NAN;
    memset(tab, 0, k * k * sizeof *tab);
    for (size_t i = 0; i < n; i++)
        tab[(size_t)a[i] * k + (size_t)b[i]] += 1;
    for (size_t c = 0; c < k; c++) {
        double rows = 0, together = 0;
        for (size_t e = 0; e < k; e++) {
            const double v = tab[c * k + e];
            rows += v;
            together += v * (v - 1) / 2;
        }
        if (rows < 2)
            continue;
        const double share = together / (rows * (rows - 1) / 2);
        if (isnan(worst) || share < worst)
            worst = share;
    }
    return worst;
}

/* Refit j of k: draw subsample j, fit it with its seed, and record its
 * labels of the base rows (-1 where not drawn) in row j of st->labels. */
static int refit(const seg_sweep *s, const stability *st, seg_kmeans *km, size_t j, int64_t seed,
                 bool f32, size_t d)
{
    const size_t n = st->base;
    int32_t *lab = st->labels + j * n;
    seg_model *m = NULL;
    draw(s, st, j, f32, d, lab);
    /* Wraps like the seeds of n_init's runs: any int64 seed is valid. */
    const int64_t sj = (int64_t)((uint64_t)seed + j + 1);
    int rc = seg_kmeans_set_int(km, SEG_KMEANS_SEED, sj);
    if (rc < 0)
        return rc;
    rc = f32 ? seg_kmeans_fit_f32(km, st->xs, st->m, d, st->ws, st->fitted, &m)
             : seg_kmeans_fit_f64(km, st->xs, st->m, d, st->ws, st->fitted, &m);
    seg_model_free(m);
    if (rc < 0)
        return rc;
    for (size_t i = 0, got = 0; i < n; i++)
        if (lab[i] == 0)
            lab[i] = st->fitted[got++];
    return SEG_OK;
}

/* The process that makes refit j of the ki-th k: dealt round, continuing
 * from one k to the next, so that the refits of all k spread evenly. */
static size_t refit_owner(const stability *st, size_t ki, size_t j)
{
    return (ki * st->r + j) % st->sp->processes;
}

/* Shared refits: after agreeing on hard failures (rc), every process's
 * refits (a status, 0 or 1 when it drew fewer distinct rows than k or
 * stopped after one that did, then the labels) go to every process; *few
 * is then whether any refit drew too few. Refit j of this process has been
 * made when j < made. */
static int share_refits(const stability *st, size_t ki, size_t made, int rc, bool *few)
{
    const seg_spread *sp = st->sp;
    const size_t n = st->base, row = n + 1, P = sp->processes;
    if ((rc = sp->agree(sp->ctx, rc)) < 0)
        return rc;
    size_t at = 0;
    for (size_t p = 0; p < P; p++) {
        st->offs[p] = at * row;
        for (size_t j = 0; j < st->r; j++) {
            if (refit_owner(st, ki, j) != p)
                continue;
            double *e = st->xch + at++ * row;
            if (p != sp->index)
                continue;
            e[0] = j < made ? 0 : 1;
            for (size_t i = 0; j < made && i < n; i++)
                e[1 + i] = st->labels[j * n + i];
        }
    }
    st->offs[P] = at * row;
    if ((rc = sp->share(sp->ctx, st->xch, st->offs)) < 0)
        return rc;
    at = 0;
    for (size_t p = 0; p < P; p++)
        for (size_t j = 0; j < st->r; j++) {
            if (refit_owner(st, ki, j) != p)
                continue;
            const double *e = st->xch + at++ * row;
            if (e[0] != 0)
                *few = true;
            else if (p != sp->index)
                for (size_t i = 0; i < n; i++)
                    st->labels[j * n + i] = (int32_t)e[1 + i];
        }
    return SEG_OK;
}

/* Mean adjusted Rand index between the refits of k (the ki-th k swept) on
 * every pair of subsamples, on the rows each pair shares, into *out; and
 * the mean over the pairs of the smaller of worst_segment() both ways, into
 * *worst. km's k, seed and n_init are set here; the caller restores them.
 * With processes sharing the refits (st->sp), each makes its own and they
 * are shared before the pairs are compared. */
static int measure_stability(const seg_sweep *s, const stability *st, seg_kmeans *km, size_t ki,
                             size_t k, int64_t seed, bool f32, size_t d, double *out, double *worst)
{
    const size_t n = st->base;
    int rc = SEG_OK;
    bool few = false;
    size_t made = st->r;
    *out = *worst = NAN;
    if (st->r < 2 || k > st->m)
        return SEG_OK;
    for (size_t j = 0; j < st->r; j++) {
        if (st->sp && refit_owner(st, ki, j) != st->sp->index)
            continue;
        if ((rc = refit(s, st, km, j, seed, f32, d)) == SEG_ERR_TOO_FEW_POINTS) {
            few = true; /* fewer distinct rows than k drawn */
            rc = SEG_OK;
        }
        if (few || rc < 0) {
            made = j;
            break;
        }
    }
    if (st->sp)
        rc = share_refits(st, ki, made, rc, &few);
    if (rc < 0 || few)
        return rc;
    double sum = 0, wsum = 0;
    size_t pairs = 0, wpairs = 0;
    for (size_t a = 0; a < st->r; a++)
        for (size_t b = a + 1; b < st->r; b++) {
            const int32_t *la = st->labels + a * n, *lb = st->labels + b * n;
            size_t shared = 0;
            for (size_t i = 0; i < n; i++)
                if (la[i] >= 0 && lb[i] >= 0) {
                    st->pa[shared] = la[i];
                    st->pb[shared++] = lb[i];
                }
            double ari;
            if (shared == 0)
                continue;
            if ((rc = seg_metrics_adjusted_rand(st->pa, st->pb, shared, &ari)) < 0)
                return rc;
            sum += ari;
            pairs++;
            const double wa = worst_segment(st->pa, st->pb, shared, k, st->tab),
                         wb = worst_segment(st->pb, st->pa, shared, k, st->tab);
            const double wab = isnan(wa) ? wb : isnan(wb) ? wa : wa < wb ? wa : wb;
            if (!isnan(wab)) {
                wsum += wab;
                wpairs++;
            }
        }
    if (pairs)
        *out = sum / (double)pairs;
    if (wpairs)
        *worst = wsum / (double)wpairs;
    return SEG_OK;
}

/* The silhouette sample of a source: its rows (m of them) and their
 * weights, gathered once; each k's labels of them are asked for. */
typedef struct sample {
    size_t m;
    size_t *idx;
    void *x;
    double *w;
} sample;

static void sample_free(sample *sm)
{
    seg_free(sm->idx);
    seg_free(sm->x);
    seg_free(sm->w);
}

static int sample_gather(const seg_sweep *s, const source *src, bool f32, size_t n, size_t d,
                         int rc_in, sample *sm)
{
    const size_t elt = f32 ? sizeof(float) : sizeof(double);
    int rc;
    memset(sm, 0, sizeof *sm);
    sm->m = s->sample > 0 && (uint64_t)s->sample < n ? (size_t)s->sample : n;
    if (!(sm->idx = seg_malloc_array(sm->m, sizeof *sm->idx)) ||
        !(sm->x = seg_malloc_array(sm->m, d * elt)) ||
        (src->weighted && !(sm->w = seg_malloc_array(sm->m, sizeof *sm->w))))
        rc = SEG_NOMEM();
    else
        rc = seg_metrics_sample_rows(n, sm->m, (uint64_t)s->seed, sm->idx);
    if ((rc = agree(src, rc_in < 0 ? rc_in : rc)) == SEG_OK)
        rc = src->fn(src->user, SEG_SWEEP_OP_ROWS, NULL, sm->idx, sm->m, sm->x, sm->w, NULL);
    if (rc < 0)
        sample_free(sm);
    return rc;
}

/* Fit k on all rows: the model, and the labels the silhouette needs (all n
 * in memory; the sample's from a source), and the Davies-Bouldin and
 * Calinski-Harabasz indices into row. */
static int fit_one(const source *src, const sample *sm, seg_kmeans *km, bool f32, size_t n,
                   size_t d, size_t k, int32_t *lab, double *row, seg_model **m)
{
    int rc;
    if (src->x) {
        rc = f32 ? seg_kmeans_fit_f32(km, src->x, n, d, src->w, lab, m)
                 : seg_kmeans_fit_f64(km, src->x, n, d, src->w, lab, m);
        return rc < 0 ? rc : measure(src->x, f32, n, d, src->w, lab, k, row);
    }
    double v[2] = {NAN, NAN};
    if ((rc = src->fn(src->user, SEG_SWEEP_OP_FIT, km, NULL, 0, NULL, NULL, m)) < 0)
        return rc;
    if (!*m)
        return seg_fail(SEG_ERR_STATE, "the sweep's source gave no model for k = %zu", k);
    if ((rc = src->fn(src->user, SEG_SWEEP_OP_LABELS, km, sm->idx, sm->m, lab, NULL, NULL)) < 0 ||
        (rc = src->fn(src->user, SEG_SWEEP_OP_MEASURE, km, NULL, 0, NULL, v, NULL)) < 0)
        return rc;
    for (size_t i = 0; i < sm->m; i++)
        if (lab[i] < 0 || (size_t)lab[i] >= k)
            return seg_fail(SEG_ERR_STATE, "the sweep's source gave label %d for k = %zu",
                            (int)lab[i], k);
    row[COL_DB] = v[0];
    row[COL_CH] = v[1];
    return SEG_OK;
}

static int sweep_run(seg_sweep *s, seg_kmeans *km, source *src, bool f32, size_t n, size_t d)
{
    int64_t saved_k, saved_seed, saved_n_init, saved_threads;
    int32_t *labels = NULL;
    seg_model *m = NULL;
    stability st = {0};
    sample sm = {0};
    int rc;
    if (!s || !km || (!src->x && !src->fn))
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_sweep_run: NULL argument");
    if (s->k_min > s->k_max)
        return seg_fail(SEG_ERR_INVALID_ARG, "sweep k_min %lld > k_max %lld",
                        (long long)s->k_min, (long long)s->k_max);
    if (n == 0 || d == 0)
        return seg_fail(SEG_ERR_EMPTY, "data has %zu rows and %zu features", n, d);
    const size_t total = (size_t)(s->k_max - s->k_min + 1);
    seg_free(s->values);
    s->values = NULL;
    s->count = 0;
    /* Labellings are held (batch of them) until their silhouettes are
     * scored together; a source holds the sample's labels only, but in
     * batches of the same size, so that the silhouettes are scored in the
     * same groups (the bits do not depend on where the rows are). */
    size_t batch = SWEEP_LABELS_MAX_BYTES / sizeof *labels / n, held = 0;
    batch = batch < 1 ? 1 : batch > 64 ? 64 : batch > total ? total : batch;
    /* labels held per k: all rows, or the silhouette sample's */
    const size_t per =
        src->x || s->sample <= 0 || (uint64_t)s->sample >= n ? n : (size_t)s->sample;
    rc = (s->values = seg_malloc_array(total, N_COLS * sizeof(double))) &&
                 (labels = seg_malloc_array(batch * per, sizeof *labels))
             ? SEG_OK
             : SEG_NOMEM();
    if ((rc = agree(src, rc)) == SEG_OK && !src->x) {
        /* A callback's own failure ends the sweep with it; a bad answer is
         * agreed, with the samples' allocations. */
        rc = ask_processes(src);
        if (rc == SEG_OK || rc == SEG_ERR_STATE)
            rc = sample_gather(s, src, f32, n, d, rc, &sm);
    }
    if (rc < 0) {
        seg_free(labels);
        return rc;
    }
    if ((rc = stability_alloc(s, &st, f32, n, d, src)) < 0) {
        sample_free(&sm);
        seg_free(labels);
        return rc;
    }
    if ((rc = seg_kmeans_get_int(km, SEG_KMEANS_K, &saved_k)) < 0 ||
        (rc = seg_kmeans_get_int(km, SEG_KMEANS_SEED, &saved_seed)) < 0 ||
        (rc = seg_kmeans_get_int(km, SEG_KMEANS_N_INIT, &saved_n_init)) < 0 ||
        (rc = seg_kmeans_get_int(km, SEG_KMEANS_THREADS, &saved_threads)) < 0) {
        stability_free(&st);
        sample_free(&sm);
        seg_free(labels);
        return rc;
    }
    for (size_t i = 0; i < total; i++) {
        const size_t k = (size_t)s->k_min + i;
        double *row = s->values + i * N_COLS;
        if (s->progress && s->progress(s->user, i, total) != 0) {
            rc = seg_fail(SEG_ERR_CANCELLED, "the sweep was cancelled before k = %zu", k);
            goto done;
        }
        if ((rc = seg_kmeans_set_int(km, SEG_KMEANS_K, (int64_t)k)) < 0)
            goto done;
        if ((rc = fit_one(src, &sm, km, f32, n, d, k, labels + held * per, row, &m)) < 0)
            goto done;
        row[COL_INERTIA] = seg_model_inertia(m);
        row[COL_ITER] = (double)seg_model_iterations(m);
        double smallest = INFINITY, largest = 0, all = 0;
        for (size_t j = 0; j < k; j++) {
            double wj = seg_model_segment_weight(m, j);
            all += wj;
            smallest = wj < smallest ? wj : smallest;
            largest = wj > largest ? wj : largest;
        }
        row[COL_SMALLEST] = smallest / all;
        row[COL_LARGEST] = largest / all;
        seg_model_free(m);
        m = NULL;
        /* The refits are small (a few thousand rows): one thread each
         * spends less on waking workers than it would gain. */
        if ((s->stab_n_init > 0 &&
             (rc = seg_kmeans_set_int(km, SEG_KMEANS_N_INIT, s->stab_n_init)) < 0) ||
            (rc = seg_kmeans_set_int(km, SEG_KMEANS_THREADS, 1)) < 0)
            goto done;
        rc = measure_stability(s, &st, km, i, k, saved_seed, f32, d, &row[COL_STAB],
                               &row[COL_WORST]);
        seg_kmeans_set_int(km, SEG_KMEANS_SEED, saved_seed);
        seg_kmeans_set_int(km, SEG_KMEANS_N_INIT, saved_n_init);
        seg_kmeans_set_int(km, SEG_KMEANS_THREADS, saved_threads);
        if ((rc = agree(src, rc)) < 0)
            goto done;
        if (++held == batch || i + 1 == total) {
            /* From a source: the gathered sample is all the rows scored.
             * On the fit's threads (SEG_KMEANS_THREADS). */
            rc = src->x ? measure_silhouettes(s->sample, s->seed, src->x, f32, n, d, src->w, labels,
                                              held, k + 1 - held, saved_threads, NULL,
                                              row - (held - 1) * N_COLS)
                        : measure_silhouettes(0, s->seed, sm.x, f32, sm.m, d, sm.w, labels, held,
                                              k + 1 - held, saved_threads, &src->sp,
                                              row - (held - 1) * N_COLS);
            if ((rc = agree(src, rc)) < 0)
                goto done;
            s->count += held; /* rows are readable once complete */
            held = 0;
        }
    }
    if (s->progress && s->progress(s->user, total, total) != 0)
        rc = seg_fail(SEG_ERR_CANCELLED, "the sweep was cancelled at its end");
done:
    if (rc < 0)
        s->count = 0;
    seg_kmeans_set_int(km, SEG_KMEANS_K, saved_k);
    seg_kmeans_set_int(km, SEG_KMEANS_SEED, saved_seed);
    seg_kmeans_set_int(km, SEG_KMEANS_N_INIT, saved_n_init);
    seg_kmeans_set_int(km, SEG_KMEANS_THREADS, saved_threads);
    seg_model_free(m);
    seg_free(labels);
    stability_free(&st);
    sample_free(&sm);
    return rc;
}

int seg_sweep_run_f32(seg_sweep *s, seg_kmeans *km, const float *x, size_t n, size_t d,
                      const double *weights)
{
    source src = {x, weights, weights != NULL, NULL, NULL, {0, 1, NULL, NULL, NULL}};
    if (!x)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_sweep_run: NULL argument");
    return sweep_run(s, km, &src, true, n, d);
}

int seg_sweep_run_f64(seg_sweep *s, seg_kmeans *km, const double *x, size_t n, size_t d,
                      const double *weights)
{
    source src = {x, weights, weights != NULL, NULL, NULL, {0, 1, NULL, NULL, NULL}};
    if (!x)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_sweep_run: NULL argument");
    return sweep_run(s, km, &src, false, n, d);
}

int seg_sweep_run_source(seg_sweep *s, seg_kmeans *km, size_t n, size_t d, int dtype,
                         int weighted, seg_sweep_fn fn, void *user)
{
    source src = {NULL, NULL, weighted != 0, fn, user, {0, 1, NULL, NULL, NULL}};
    if (!fn || (dtype != SEG_DTYPE_F32 && dtype != SEG_DTYPE_F64))
        return seg_fail(SEG_ERR_INVALID_ARG,
                        "seg_sweep_run_source needs a callback and SEG_DTYPE_F32 or _F64");
    return sweep_run(s, km, &src, dtype == SEG_DTYPE_F32, n, d);
}

size_t seg_sweep_count(const seg_sweep *s)
{
    return s ? s->count : 0;
}

int seg_sweep_get(const seg_sweep *s, size_t i, seg_sweep_stat stat, double *out)
{
    if (!s || !out || i >= s->count)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_sweep_get: NULL argument or row %zu of %zu", i,
                        s ? s->count : 0);
    const double *row = s->values + i * N_COLS;
    switch (stat) {
    case SEG_SWEEP_K: *out = (double)(s->k_min + (int64_t)i); break;
    case SEG_SWEEP_INERTIA: *out = row[COL_INERTIA]; break;
    case SEG_SWEEP_SILHOUETTE: *out = row[COL_SIL]; break;
    case SEG_SWEEP_DAVIES_BOULDIN: *out = row[COL_DB]; break;
    case SEG_SWEEP_CALINSKI_HARABASZ: *out = row[COL_CH]; break;
    case SEG_SWEEP_SMALLEST_SHARE: *out = row[COL_SMALLEST]; break;
    case SEG_SWEEP_ITERATIONS: *out = row[COL_ITER]; break;
    case SEG_SWEEP_LARGEST_SHARE: *out = row[COL_LARGEST]; break;
    case SEG_SWEEP_STABILITY:
        *out = row[COL_STAB];
        break;
    case SEG_SWEEP_WORST_STABILITY: *out = row[COL_WORST]; break;
    default: return seg_fail(SEG_ERR_INVALID_ARG, "unknown sweep statistic %d", (int)stat);
    }
    return SEG_OK;
}

/* The ranking key of row i against row j: does i go before j? */
static bool ahead(const double *sil, const double *stab, size_t stride, double bar, size_t i,
                  size_t j)
{
    i *= stride;
    j *= stride;
    const bool ei = !(bar > -INFINITY) || stab[i] >= bar, ej = !(bar > -INFINITY) || stab[j] >= bar;
    if (ei != ej)
        return ei;
    const bool ni = isnan(sil[i]), nj = isnan(sil[j]);
    if (ni != nj)
        return nj;
    if (!ni && sil[i] != sil[j])
        return sil[i] > sil[j];
    return i < j;
}

void seg_sweep_pick(const double *sil, const double *stab, size_t stride, size_t count,
                    double threshold, size_t *chosen, size_t *runner_up, int *why)
{
    /* The bar: the threshold when some k reaches it, else the best
     * stability measured, else none (-inf: every row eligible). */
    double best = -INFINITY;
    for (size_t i = 0; i < count; i++)
        if (stab[i * stride] > best)
            best = stab[i * stride];
    const double bar = best >= threshold ? threshold : best;
    size_t first = 0, second = SIZE_MAX;
    for (size_t i = 1; i < count; i++) {
        if (ahead(sil, stab, stride, bar, i, first)) {
            second = first;
            first = i;
        } else if (second == SIZE_MAX || ahead(sil, stab, stride, bar, i, second)) {
            second = i;
        }
    }
    *chosen = first;
    *runner_up = second;
    *why = 0;
    if (second == SIZE_MAX)
        return;
    const bool e1 = !(bar > -INFINITY) || stab[first * stride] >= bar;
    const bool e2 = !(bar > -INFINITY) || stab[second * stride] >= bar;
    if (e1 && !e2)
        *why = SEG_SWEEP_LOST_STABILITY;
    else if (sil[first * stride] == sil[second * stride])
        *why = SEG_SWEEP_LOST_TIE;
    else
        *why = SEG_SWEEP_LOST_SILHOUETTE;
}

/* Is row i ahead of row j under the largest-stable rule? Rows that hold up
 * (both measures at the bar) first, the larger k first among them; then
 * the others by the higher worst-segment stability (NaN last), then the
 * smaller k. */
static bool ahead_stable(const double *stab, const double *worst, size_t stride, double bar,
                         size_t i, size_t j)
{
    const double si = stab[i * stride], sj = stab[j * stride];
    const double wi = worst[i * stride], wj = worst[j * stride];
    const bool ei = si >= bar && wi >= bar, ej = sj >= bar && wj >= bar;
    if (ei != ej)
        return ei;
    if (ei)
        return i > j;
    const bool ni = isnan(wi), nj = isnan(wj);
    if (ni != nj)
        return nj;
    if (!ni && wi != wj)
        return wi > wj;
    return i < j;
}

void seg_sweep_pick_stable(const double *sil, const double *stab, const double *worst,
                           size_t stride, size_t count, double threshold, size_t *chosen,
                           size_t *runner_up, int *why)
{
    size_t held = 0;
    for (size_t i = 0; worst && i < count; i++)
        held += stab[i * stride] >= threshold && worst[i * stride] >= threshold;
    if (held == 0) { /* nothing holds up, or nothing measured: the silhouette rule */
        seg_sweep_pick(sil, stab, stride, count, threshold, chosen, runner_up, why);
        return;
    }
    size_t first = 0, second = SIZE_MAX;
    for (size_t i = 1; i < count; i++) {
        if (ahead_stable(stab, worst, stride, threshold, i, first)) {
            second = first;
            first = i;
        } else if (second == SIZE_MAX || ahead_stable(stab, worst, stride, threshold, i, second)) {
            second = i;
        }
    }
    *chosen = first;
    *runner_up = second;
    *why = second == SIZE_MAX ? 0 : held >= 2 ? SEG_SWEEP_LOST_FEWER : SEG_SWEEP_LOST_STABILITY;
}

static int pick(const seg_sweep *s, size_t *chosen, size_t *runner_up, int *why)
{
    if (s->count == 0)
        return seg_fail(SEG_ERR_STATE, "the sweep has not run");
    if (s->rule == SEG_SWEEP_RULE_SILHOUETTE)
        seg_sweep_pick(s->values + COL_SIL, s->values + COL_STAB, N_COLS, s->count, s->threshold,
                       chosen, runner_up, why);
    else
        seg_sweep_pick_stable(s->values + COL_SIL, s->values + COL_STAB, s->values + COL_WORST,
                              N_COLS, s->count, s->threshold, chosen, runner_up, why);
    return SEG_OK;
}

int seg_sweep_chosen(const seg_sweep *s, size_t *k)
{
    size_t first, second;
    int why, rc;
    if (!s || !k)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_sweep_chosen: NULL argument");
    if ((rc = pick(s, &first, &second, &why)) < 0)
        return rc;
    *k = (size_t)s->k_min + first;
    return SEG_OK;
}

int seg_sweep_runner_up(const seg_sweep *s, size_t *k, seg_sweep_reason *why)
{
    size_t first, second;
    int w, rc;
    if (!s || !k || !why)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_sweep_runner_up: NULL argument");
    if ((rc = pick(s, &first, &second, &w)) < 0)
        return rc;
    *k = second == SIZE_MAX ? 0 : (size_t)s->k_min + second;
    *why = (seg_sweep_reason)w;
    return SEG_OK;
}
