/*
 * Choosing k: fit every k of a range on one feature matrix, record the
 * quality measures of each, and pick k by a fixed rule. Built on the public
 * fit and metrics entry points, so it shares their kernel and determinism;
 * what it shares across k is the caller's transformed matrix (transformed
 * once) and the silhouette sample (the same rows for every k).
 */
#include "core/core.h"
#include "core/params.h"

#include <string.h>

enum { COL_INERTIA, COL_SIL, COL_DB, COL_CH, COL_SMALLEST, COL_LARGEST, COL_ITER, N_COLS };

struct seg_sweep {
    int64_t k_min, k_max, sample, seed;
    double min_share, max_share;
    seg_progress_fn progress;
    void *user;
    size_t count;   /* rows recorded by the last run */
    double *values; /* count x N_COLS */
};

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
    return SEG_OK;
}

void seg_sweep_free(seg_sweep *s)
{
    if (!s)
        return;
    seg_free(s->values);
    seg_free(s);
}

static const seg_param sweep_rows[] = {
    SEG_PARAM_INT(SEG_SWEEP_K_MIN, 2, 1e6, seg_sweep, k_min, NULL),
    SEG_PARAM_INT(SEG_SWEEP_K_MAX, 2, 1e6, seg_sweep, k_max, NULL),
    SEG_PARAM_INT(SEG_SWEEP_SILHOUETTE_SAMPLE, 0, SEG_PARAM_INT64_MAX, seg_sweep, sample, NULL),
    SEG_PARAM_INT(SEG_SWEEP_SEED, SEG_PARAM_INT64_MIN, SEG_PARAM_INT64_MAX, seg_sweep, seed, NULL),
    SEG_PARAM_REAL(SEG_SWEEP_MIN_SHARE, 0, 1, seg_sweep, min_share, NULL),
    SEG_PARAM_REAL(SEG_SWEEP_MAX_SHARE, 0, 1, seg_sweep, max_share, NULL),
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

/* Quality measures of one labelling, into row[COL_SIL .. COL_SMALLEST]. */
static int measure(const seg_sweep *s, const void *x, bool f32, size_t n, size_t d,
                   const double *w, const int32_t *labels, size_t k, double *row)
{
    const size_t sample = (size_t)s->sample;
    const uint64_t seed = (uint64_t)s->seed;
    int rc = f32 ? seg_metrics_silhouette_f32(x, n, d, labels, k, w, sample, seed, &row[COL_SIL])
                 : seg_metrics_silhouette_f64(x, n, d, labels, k, w, sample, seed, &row[COL_SIL]);
    if (rc == SEG_OK)
        rc = f32 ? seg_metrics_davies_bouldin_f32(x, n, d, labels, k, w, &row[COL_DB])
                 : seg_metrics_davies_bouldin_f64(x, n, d, labels, k, w, &row[COL_DB]);
    if (rc == SEG_OK)
        rc = f32 ? seg_metrics_calinski_harabasz_f32(x, n, d, labels, k, w, &row[COL_CH])
                 : seg_metrics_calinski_harabasz_f64(x, n, d, labels, k, w, &row[COL_CH]);
    return rc;
}

static int sweep_run(seg_sweep *s, seg_kmeans *km, const void *x, bool f32, size_t n, size_t d,
                     const double *w)
{
    int64_t saved_k;
    int32_t *labels = NULL;
    seg_model *m = NULL;
    int rc;
    if (!s || !km || !x)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_sweep_run: NULL argument");
    if (s->k_min > s->k_max)
        return seg_fail(SEG_ERR_INVALID_ARG, "sweep k_min %lld > k_max %lld",
                        (long long)s->k_min, (long long)s->k_max);
    if (n == 0 || d == 0)
        return seg_fail(SEG_ERR_EMPTY, "data has %zu rows and %zu features", n, d);
    const size_t total = (size_t)(s->k_max - s->k_min + 1);
    seg_free(s->values);
    s->count = 0;
    if (!(s->values = seg_malloc_array(total, N_COLS * sizeof(double))) ||
        !(labels = seg_malloc_array(n, sizeof *labels))) {
        seg_free(labels);
        return SEG_NOMEM();
    }
    if ((rc = seg_kmeans_get_int(km, SEG_KMEANS_K, &saved_k)) < 0)
        goto done;
    for (size_t i = 0; i < total; i++) {
        const size_t k = (size_t)s->k_min + i;
        double *row = s->values + i * N_COLS;
        if (s->progress && s->progress(s->user, i, total) != 0) {
            rc = seg_fail(SEG_ERR_CANCELLED, "the sweep was cancelled before k = %zu", k);
            goto done;
        }
        if ((rc = seg_kmeans_set_int(km, SEG_KMEANS_K, (int64_t)k)) < 0)
            goto done;
        rc = f32 ? seg_kmeans_fit_f32(km, x, n, d, w, labels, &m)
                 : seg_kmeans_fit_f64(km, x, n, d, w, labels, &m);
        if (rc < 0)
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
        if ((rc = measure(s, x, f32, n, d, w, labels, k, row)) < 0)
            goto done;
        s->count++;
    }
    if (s->progress && s->progress(s->user, total, total) != 0)
        rc = seg_fail(SEG_ERR_CANCELLED, "the sweep was cancelled at its end");
done:
    if (rc < 0)
        s->count = 0;
    seg_kmeans_set_int(km, SEG_KMEANS_K, saved_k);
    seg_model_free(m);
    seg_free(labels);
    return rc;
}

int seg_sweep_run_f32(seg_sweep *s, seg_kmeans *km, const float *x, size_t n, size_t d,
                      const double *weights)
{
    return sweep_run(s, km, x, true, n, d, weights);
}

int seg_sweep_run_f64(seg_sweep *s, seg_kmeans *km, const double *x, size_t n, size_t d,
                      const double *weights)
{
    return sweep_run(s, km, x, false, n, d, weights);
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
    default: return seg_fail(SEG_ERR_INVALID_ARG, "unknown sweep statistic %d", (int)stat);
    }
    return SEG_OK;
}

int seg_sweep_chosen(const seg_sweep *s, size_t *k)
{
    if (!s || !k)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_sweep_chosen: NULL argument");
    if (s->count == 0)
        return seg_fail(SEG_ERR_STATE, "the sweep has not run");
    /* Best silhouette among the k whose segments all hold between min_share
     * and max_share of the customers; if none does, best silhouette overall.
     * Ties: smaller k. */
    for (int pass = 0; pass < 2; pass++) {
        size_t best = SIZE_MAX;
        for (size_t i = 0; i < s->count; i++) {
            const double *row = s->values + i * N_COLS;
            if (pass == 0 && (row[COL_SMALLEST] < s->min_share || row[COL_LARGEST] > s->max_share))
                continue;
            if (best == SIZE_MAX || row[COL_SIL] > s->values[best * N_COLS + COL_SIL])
                best = i;
        }
        if (best != SIZE_MAX) {
            *k = (size_t)s->k_min + best;
            return SEG_OK;
        }
    }
    return seg_fail(SEG_ERR_STATE, "no k to choose"); /* unreachable: count > 0 */
}
