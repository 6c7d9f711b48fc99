/*
 * Predict: nearest segment of new rows, by the distance kernel's labelling
 * pass (seg_nearest_rows), the pass and block layout of the fit (so training
 * rows get the fit's labels).
 */
#include "model/model.h"
#include "model/kproto.h"
#include "data/data.h"
#include "kernel/distance.h"
#include "core/params.h"
#include "prepare/scaler.h"
#include "model/mixture.h"

#include <stdio.h>
#include <string.h>

struct seg_predictor {
    const seg_model *m;
    int64_t threads;
    void *scratch;      /* seg_nearest_rows' scratch */
    size_t scratch_len; /* its bytes */
    void *matrix;       /* transformed dataset rows */
    size_t matrix_bytes;
};

int seg_predictor_new(seg_predictor **out, const seg_model *m)
{
    SEG_ALLOC_SCOPE(m);
    if (!out)
        return seg_fail(SEG_ERR_INVALID_ARG, "out is NULL");
    *out = NULL;
    if (!m)
        return seg_fail(SEG_ERR_INVALID_ARG, "model is NULL");
    seg_predictor *p = seg_calloc(1, sizeof *p);
    if (!p)
        return SEG_NOMEM();
    p->m = m;
    p->threads = 1;
    *out = p;
    return SEG_OK;
}

void seg_predictor_free(seg_predictor *p)
{
    if (!p)
        return;
    seg_free(p->scratch);
    seg_free(p->matrix);
    seg_free(p);
}

static const seg_param predictor_rows[] = {
    SEG_PARAM_INT(SEG_PREDICTOR_THREADS, 0, 4096, seg_predictor, threads, NULL),
};
static const seg_param_table predictor_params = SEG_PARAM_TABLE("predictor", predictor_rows, NULL);

int seg_predictor_set_int(seg_predictor *p, seg_predictor_param param, int64_t value)
{
    return seg_param_set_int(&predictor_params, p, (int)param, value);
}

int seg_predictor_get_int(const seg_predictor *p, seg_predictor_param param, int64_t *value)
{
    return seg_param_get_int(&predictor_params, p, (int)param, value);
}

int seg_predictor_param_bounds(seg_predictor_param param, double *lower, double *upper)
{
    return seg_param_bounds(&predictor_params, (int)param, lower, upper);
}

static int ensure_scratch(seg_predictor *p, size_t bytes)
{
    if (bytes == 0)
        return seg_fail(SEG_ERR_OVERFLOW, "the predictor's scratch overflows");
    if (p->scratch && p->scratch_len >= bytes)
        return SEG_OK;
    void *s = seg_malloc(bytes);
    if (!s)
        return SEG_NOMEM();
    seg_free(p->scratch);
    p->scratch = s;
    p->scratch_len = bytes;
    return SEG_OK;
}

/* The labelling pass met a row it cannot measure: name the first one (rows
 * and features 1-based), and why. Only the error path pays for the scan. */
static int nonfinite_row(const void *x, bool f32, size_t n, size_t d, const seg_dataset *ds)
{
    for (size_t i = 0; i < n; i++) {
        char row[340];
        /* Rows of a CSV dataset are named by file and line. */
        if (ds && ds->source && ds->row_line)
            snprintf(row, sizeof row, "%.300s:%zu", ds->source, ds->row_line[i]);
        else
            snprintf(row, sizeof row, "row %zu", i + 1);
        double sq = 0.0;
        for (size_t j = 0; j < d; j++) {
            const double v =
                f32 ? (double)((const float *)x)[i * d + j] : ((const double *)x)[i * d + j];
            if (!isfinite(v))
                return seg_fail(SEG_ERR_NONFINITE, "%s, feature %zu: the value is %s", row, j + 1,
                                isnan(v) ? "NaN" : "infinite");
            sq += v * v;
        }
        if (!isfinite(sq) || (f32 && !isfinite((float)sq)))
            return seg_fail(SEG_ERR_NONFINITE,
                            "%s: the row's features are too large to square in %s precision "
                            "(its values are extreme for the scaling)",
                            row, f32 ? "float32" : "float64");
    }
    return seg_fail(SEG_ERR_NONFINITE, "a row holds values too large to square in this "
                                       "precision");
}

/* The model's labelling pass over x (float when f32) with scratch s. */
static bool nearest(const seg_model *m, const void *x, bool f32, size_t n, int64_t threads, void *s,
                    int32_t *labels, double *distances)
{
    return f32 ? seg_nearest_rows_f32(x, n, m->d, m->centroids_f32, m->k, m->cnorm_f32, threads, s,
                                      labels, distances)
               : seg_nearest_rows_f64(x, n, m->d, m->centroids, m->k, m->cnorm, threads, s, labels,
                                      distances);
}

/* A k-prototypes model scores by its own cost (model/kproto.h), in double. */
static int kproto_rows(const seg_model *m, const void *x, bool f32, size_t n, int64_t threads,
                       int32_t *labels, double *distances, const seg_dataset *ds)
{
    if (f32)
        return seg_fail(SEG_ERR_TYPE, "a k-prototypes model scores double rows only "
                                      "(seg_predictor_run_f64 or a dataset)");
    int rc = seg_kproto_label_rows(m, x, n, threads, labels, distances);
    return rc == SEG_ERR_NONFINITE ? nonfinite_row(x, false, n, m->d, ds) : rc;
}

int seg_model_label_rows(const seg_model *m, const void *x, bool f32, size_t n, int64_t setting,
                         int32_t *labels, double *distances)
{
    if (m->kproto)
        return kproto_rows(m, x, f32, n, seg_threads_resolve(setting), labels, distances, NULL);
    /* resolved once: a setting of 0 follows the affinity mask and cgroup
     * quota, which may change between sizing the scratch and using it */
    const int64_t threads = seg_threads_resolve(setting);
    if (m->mixture) /* f64 only: a mixture model is fitted in double */
        return seg_mixture_predict(m->mixture, m->centroids, x, n, threads, NULL, labels,
                                   distances);
    const size_t bytes =
        seg_nearest_scratch(n, m->k, m->d, f32 ? sizeof(float) : sizeof(double), threads);
    if (n == 0)
        return SEG_OK;
    if (bytes == 0)
        return seg_fail(SEG_ERR_OVERFLOW, "the labelling pass's scratch overflows");
    void *s = seg_malloc(bytes);
    if (!s)
        return SEG_NOMEM();
    const bool ok = nearest(m, x, f32, n, threads, s, labels, distances);
    seg_free(s);
    return ok ? SEG_OK : nonfinite_row(x, f32, n, m->d, NULL);
}

static int check_run(const seg_predictor *p, const void *x, size_t n, size_t d,
                     const int32_t *labels)
{
    if (!p || (n && (!x || !labels)))
        return seg_fail(SEG_ERR_INVALID_ARG, "NULL argument");
    if (d != p->m->d)
        return seg_fail(SEG_ERR_MISMATCH, "rows have %zu features, the model %zu", d, p->m->d);
    return SEG_OK;
}

/* ds: the dataset x was made of, to name its rows in messages, or NULL. */
static int run_rows(seg_predictor *p, const void *x, bool f32, size_t n, size_t d, int32_t *labels,
                    double *distances, const seg_dataset *ds)
{
    int rc = check_run(p, x, n, d, labels);
    if (rc < 0 || n == 0)
        return rc;
    const size_t elem = f32 ? sizeof(float) : sizeof(double);
    const int64_t threads = seg_threads_resolve(p->threads); /* once: see seg_model_label_rows */
    if (p->m->kproto)
        return kproto_rows(p->m, x, f32, n, threads, labels, distances, ds);
    if (p->m->mixture) {
        if (f32)
            return seg_fail(SEG_ERR_TYPE, "a Gaussian mixture model predicts double rows "
                                          "(seg_predictor_run_f64)");
        return seg_mixture_predict(p->m->mixture, p->m->centroids, x, n, threads, NULL, labels,
                                   distances);
    }
    if ((rc = ensure_scratch(p, seg_nearest_scratch(n, p->m->k, d, elem, threads))) < 0)
        return rc;
    return nearest(p->m, x, f32, n, threads, p->scratch, labels, distances)
               ? SEG_OK
               : nonfinite_row(x, f32, n, d, ds);
}

int seg_predictor_run_f32(seg_predictor *p, const float *x, size_t n, size_t d, int32_t *labels,
                          double *distances)
{
    SEG_ALLOC_SCOPE(p);
    return run_rows(p, x, true, n, d, labels, distances, NULL);
}

int seg_predictor_run_f64(seg_predictor *p, const double *x, size_t n, size_t d, int32_t *labels,
                          double *distances)
{
    SEG_ALLOC_SCOPE(p);
    return run_rows(p, x, false, n, d, labels, distances, NULL);
}

/* The rows of ds encoded as the model's features into p->matrix. */
static int encode_dataset(seg_predictor *p, const seg_dataset *ds, bool f32, size_t *n_out)
{
    const seg_scaler *sc = p->m->scaler;
    const size_t elem = f32 ? sizeof(float) : sizeof(double);
    size_t n, d, count, bytes;
    int rc;

    n = seg_dataset_rows(ds);
    d = sc ? seg_scaler_features(sc) : seg_dataset_columns(ds);
    if (d != p->m->d)
        return seg_fail(SEG_ERR_MISMATCH, "dataset gives %zu features, the model has %zu", d,
                        p->m->d);
    if (!seg_mul_ok(n, d, &count) || !seg_mul_ok(count, elem, &bytes))
        return seg_fail(SEG_ERR_OVERFLOW, "%zu x %zu values overflow", n, d);
    if (bytes > p->matrix_bytes) {
        void *mtx = seg_malloc(bytes);
        if (!mtx)
            return SEG_NOMEM();
        seg_free(p->matrix);
        p->matrix = mtx;
        p->matrix_bytes = bytes;
    }
    if (sc) {
        rc = f32 ? seg_scaler_transform_f32(sc, ds, p->matrix, count)
                 : seg_scaler_transform_f64(sc, ds, p->matrix, count);
    } else if (f32) {
        /* Convert column by column so no double copy of the matrix is made. */
        float *mx = p->matrix;
        rc = SEG_OK;
        for (size_t j = 0; j < d && rc == SEG_OK; j++) {
            if (seg_dataset_column_type(ds, j) != SEG_COLUMN_NUMERIC)
                rc = seg_fail(SEG_ERR_TYPE, "column '%s' is categorical and the model has no scaler",
                              seg_dataset_column_name(ds, j));
            for (size_t i = 0; i < n && rc == SEG_OK; i++) {
                double v;
                seg_dataset_get_f64(ds, i, j, &v);
                mx[i * d + j] = (float)v;
            }
        }
    } else {
        rc = seg_dataset_copy_f64(ds, p->matrix, count);
    }
    *n_out = n;
    return rc;
}

int seg_predictor_run_dataset(seg_predictor *p, const seg_dataset *ds, int32_t *labels,
                              double *distances)
{
    SEG_ALLOC_SCOPE(p);
    size_t n = 0;
    if (!p || !ds)
        return seg_fail(SEG_ERR_INVALID_ARG, "NULL argument");
    const bool f32 = p->m->dtype == SEG_DTYPE_F32;
    int rc = encode_dataset(p, ds, f32, &n);
    if (rc < 0)
        return rc;
    return run_rows(p, p->matrix, f32, n, p->m->d, labels, distances, ds);
}

static int proba_rows(seg_predictor *p, const double *x, size_t n, size_t d, double *proba,
                      size_t len)
{
    const seg_model *m = p->m;
    if (!m->mixture)
        return seg_fail(SEG_ERR_STATE, "the model is not a Gaussian mixture: it has no "
                                       "probabilities (fit it with seg_gmm_fit_f64)");
    if (d != m->d)
        return seg_fail(SEG_ERR_MISMATCH, "rows have %zu features, the model %zu", d, m->d);
    size_t need;
    if (!seg_mul_ok(n, m->k, &need) || len != need)
        return seg_fail(SEG_ERR_MISMATCH, "the probabilities need %zu x %zu values, len is %zu",
                        n, m->k, len);
    if (n == 0)
        return SEG_OK;
    if (!x || !proba)
        return seg_fail(SEG_ERR_INVALID_ARG, "NULL argument");
    return seg_mixture_predict(m->mixture, m->centroids, x, n, p->threads, proba, NULL, NULL);
}

int seg_predictor_proba_f64(seg_predictor *p, const double *x, size_t n, size_t d, double *proba,
                            size_t len)
{
    SEG_ALLOC_SCOPE(p);
    if (!p)
        return seg_fail(SEG_ERR_INVALID_ARG, "NULL argument");
    return proba_rows(p, x, n, d, proba, len);
}

int seg_predictor_proba_dataset(seg_predictor *p, const seg_dataset *ds, double *proba,
                                size_t len)
{
    SEG_ALLOC_SCOPE(p);
    size_t n = 0;
    if (!p || !ds)
        return seg_fail(SEG_ERR_INVALID_ARG, "NULL argument");
    if (!p->m->mixture)
        return proba_rows(p, NULL, 0, p->m->d, proba, len);
    int rc = encode_dataset(p, ds, false, &n);
    if (rc < 0)
        return rc;
    return proba_rows(p, p->matrix, n, p->m->d, proba, len);
}

/* The square root of each row's k-prototypes cost to every segment. */
static int kproto_distances(const seg_model *m, const double *x, size_t n, double *out)
{
    const seg_kproto *kp = m->kproto;
    uint32_t *code = seg_malloc_array(kp->q ? kp->q : 1, sizeof *code);
    if (!code)
        return SEG_NOMEM();
    bool bad = false;
    for (size_t i = 0; i < n; i++) {
        const double *row = x + i * m->d;
        seg_kproto_codes(kp, row, code);
        for (size_t j = 0; j < m->k; j++) {
            const double c = seg_kproto_cost(row, kp->num, kp->p, kp->means + j * kp->p, code,
                                             kp->modes + j * kp->q, kp->q, kp->gamma);
            bad = bad || !isfinite(c);
            out[i * m->k + j] = sqrt(c);
        }
    }
    seg_free(code);
    return bad ? nonfinite_row(x, false, n, m->d, NULL) : SEG_OK;
}

int seg_model_distances_f64(const seg_model *m, const double *x, size_t n, size_t d, double *out,
                            size_t len)
{
    size_t nk;
    if (!m || (n && (!x || !out)))
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_model_distances_f64: NULL argument");
    if (d != m->d)
        return seg_fail(SEG_ERR_MISMATCH, "rows have %zu features, the model %zu", d, m->d);
    if (!seg_mul_ok(n, m->k, &nk))
        return seg_fail(SEG_ERR_OVERFLOW, "%zu x %zu distances overflow", n, m->k);
    if (len < nk)
        return seg_fail(SEG_ERR_MISMATCH, "output holds %zu values, %zu needed", len, nk);
    if (m->kproto)
        return kproto_distances(m, x, n, out);
    const size_t block = seg_gemm_plan(m->k, d, sizeof(double)).block;
    double *xnorm = seg_malloc_array(block, sizeof *xnorm);
    if (!xnorm)
        return SEG_NOMEM();
    int bad = 0;
    for (size_t b0 = 0; b0 < n; b0 += block) {
        const size_t b = n - b0 < block ? n - b0 : block;
        double *tile = out + b0 * m->k; /* the block's b x k distances, in place */
        seg_row_norms_f64(x + b0 * d, b, d, xnorm);
        for (size_t i = 0; i < b; i++)
            bad |= !isfinite(xnorm[i]);
        seg_sqdist_tile_f64(x + b0 * d, b, d, xnorm, m->centroids, m->k, m->cnorm, tile);
        for (size_t i = 0; i < b * m->k; i++)
            tile[i] = sqrt(tile[i]);
    }
    seg_free(xnorm);
    if (bad)
        return nonfinite_row(x, false, n, d, NULL);
    return SEG_OK;
}

/* ---- reason codes ------------------------------------------------------------------- */

/* The columns the model's features come from: the scaler's training columns
 * (a one-hot column's features count as one), or the features themselves. */
size_t seg_predictor_explain_columns(const seg_predictor *p)
{
    if (!p)
        return 0;
    const scaler_fit *f = p->m->scaler ? seg_scaler_fitted_state(p->m->scaler) : NULL;
    return f ? f->n_cols : p->m->d;
}

int seg_predictor_explain_f64(seg_predictor *p, const double *x, size_t n, size_t d,
                              const int32_t *labels, size_t top, int32_t *runner_up, double *gap,
                              int64_t *features, double *contributions)
{
    SEG_ALLOC_SCOPE(p);
    int rc = check_run(p, x, n, d, labels);
    if (rc < 0)
        return rc;
    if (n && (!runner_up || !gap || (top && (!features || !contributions))))
        return seg_fail(SEG_ERR_INVALID_ARG, "NULL argument");
    const seg_model *m = p->m;
    if (m->k < 2)
        return seg_fail(SEG_ERR_STATE, "a model of one segment has no runner-up segment");
    if (m->kproto)
        return seg_fail(SEG_ERR_STATE, "reason codes are not available for a k-prototypes model");
    const scaler_fit *f = m->scaler ? seg_scaler_fitted_state(m->scaler) : NULL;
    const size_t nc = f ? f->n_cols : d;
    double *col = seg_malloc_array(nc ? nc : 1, sizeof *col);
    bool *used = seg_malloc_array(nc ? nc : 1, sizeof *used);
    if (!col || !used) {
        seg_free(col);
        seg_free(used);
        return SEG_NOMEM();
    }
    for (size_t i = 0; i < n; i++) {
        const double *row = x + i * d;
        const size_t a = (size_t)labels[i];
        if (labels[i] < 0 || a >= m->k) {
            rc = seg_fail(SEG_ERR_INVALID_ARG, "label %d of row %zu is outside 0 .. %zu",
                          (int)labels[i], i + 1, m->k - 1);
            break;
        }
        /* the runner-up: the nearest other centroid, in double */
        size_t r = SIZE_MAX;
        double best = INFINITY;
        for (size_t c = 0; c < m->k; c++) {
            if (c == a)
                continue;
            double s = 0.0;
            for (size_t j = 0; j < d; j++) {
                const double e = row[j] - m->centroids[c * d + j];
                s += e * e;
            }
            if (r == SIZE_MAX || s < best)
                best = s, r = c;
        }
        if (!isfinite(best)) {
            rc = seg_fail(SEG_ERR_NONFINITE, "row %zu: its distances are not finite", i + 1);
            break;
        }
        /* each column's share of d(x, runner-up)^2 - d(x, assigned)^2 */
        double sum = 0.0;
        for (size_t c = 0; c < nc; c++)
            col[c] = 0.0, used[c] = false;
        for (size_t j = 0; j < d; j++) {
            const double er = row[j] - m->centroids[r * d + j];
            const double ea = row[j] - m->centroids[a * d + j];
            const double v = er * er - ea * ea;
            col[f ? f->feature_col[j] : j] += v;
            sum += v;
        }
        runner_up[i] = (int32_t)r;
        gap[i] = sum;
        for (size_t q = 0; q < top; q++) {
            size_t pick = SIZE_MAX;
            for (size_t c = 0; c < nc; c++)
                if (!used[c] && (pick == SIZE_MAX || col[c] > col[pick]))
                    pick = c;
            if (pick == SIZE_MAX) {
                features[i * top + q] = -1;
                contributions[i * top + q] = NAN;
                continue;
            }
            used[pick] = true;
            features[i * top + q] = (int64_t)(f ? f->cols[pick].offset : pick);
            contributions[i * top + q] = col[pick];
        }
    }
    seg_free(col);
    seg_free(used);
    return rc;
}

int seg_predictor_explain_dataset(seg_predictor *p, const seg_dataset *ds, const int32_t *labels,
                                  size_t top, int32_t *runner_up, double *gap, int64_t *features,
                                  double *contributions)
{
    SEG_ALLOC_SCOPE(p);
    if (!p || !ds)
        return seg_fail(SEG_ERR_INVALID_ARG, "NULL argument");
    const seg_scaler *sc = p->m->scaler;
    const size_t n = seg_dataset_rows(ds);
    const size_t d = sc ? seg_scaler_features(sc) : seg_dataset_columns(ds);
    size_t count;
    if (d != p->m->d)
        return seg_fail(SEG_ERR_MISMATCH, "dataset gives %zu features, the model has %zu", d,
                        p->m->d);
    if (!seg_mul_ok(n, d, &count))
        return seg_fail(SEG_ERR_OVERFLOW, "%zu x %zu values overflow", n, d);
    double *x = seg_malloc_array(count ? count : 1, sizeof *x);
    if (!x)
        return SEG_NOMEM();
    int rc = sc ? seg_scaler_transform_f64(sc, ds, x, count) : seg_dataset_copy_f64(ds, x, count);
    if (rc == SEG_OK)
        rc = seg_predictor_explain_f64(p, x, n, d, labels, top, runner_up, gap, features,
                                       contributions);
    seg_free(x);
    return rc;
}
