/*
 * The public k-prototypes fits that take a dataset, composed of whole stages
 * as fit_dataset.c composes k-means: encode once (prepare/), fit (cluster/),
 * describe (model/: profiles, copy of the scaler, outlier reference of the
 * fit's own costs).
 */
#include "cluster/kprototypes.h"
#include "model/profile.h"
#include "pipeline/compose.h"
#include "prepare/scaler.h"

#include <math.h>

/* The scaler's categorical columns as blocks of features: each encoded
 * column that has features. */
static int blocks_of(const seg_scaler *sc, size_t *q, size_t **offset, size_t **width)
{
    const scaler_fit *f = seg_scaler_fitted_state(sc);
    *q = 0;
    *offset = seg_malloc_array(f->n_cols ? f->n_cols : 1, sizeof **offset);
    *width = seg_malloc_array(f->n_cols ? f->n_cols : 1, sizeof **width);
    if (!*offset || !*width)
        return SEG_NOMEM();
    for (size_t c = 0; c < f->n_cols; c++)
        if (f->cols[c].kind != SCOL_NUMERIC && f->cols[c].n_out > 0) {
            (*offset)[*q] = f->cols[c].offset;
            (*width)[(*q)++] = f->cols[c].n_out;
        }
    return SEG_OK;
}

static int fit_encoded(seg_kprototypes *kp, const seg_dataset *ds, const seg_scaler *sc,
                       const double *x, size_t n, size_t d, int32_t *labels, double *dist,
                       seg_model **out)
{
    size_t q = 0, *offset = NULL, *width = NULL;
    fit_outputs r;
    int64_t min_size = 0, threads = 0;
    int rc;
    if ((rc = seg_fit_rows_begin(&r, labels, dist, n)) < 0 ||
        (rc = blocks_of(sc, &q, &offset, &width)) < 0)
        goto done;
    rc = seg_kprototypes_fit_rows(kp, x, n, d, q, offset, width, seg_dataset_weights(ds), r.labels,
                                  r.dist, out);
    if (rc == SEG_OK)
        rc = seg_kprototypes_get_int(kp, SEG_KPROTOTYPES_MIN_PROFILE_SIZE, &min_size);
    if (rc == SEG_OK)
        rc = seg_kprototypes_get_int(kp, SEG_KPROTOTYPES_THREADS, &threads);
    if (rc == SEG_OK)
        rc = seg_fit_describe(out, &r, n, ds, sc, (size_t)min_size, (int)threads);
    else if (*out) {
        seg_model_free(*out);
        *out = NULL;
    }
done:
    seg_fit_rows_done(&r);
    seg_free(offset);
    seg_free(width);
    return rc;
}

static int check_args(seg_kprototypes *kp, const seg_dataset *ds, const seg_scaler *sc,
                      seg_model **out)
{
    if (!out)
        return seg_fail(SEG_ERR_INVALID_ARG, "out is NULL");
    *out = NULL;
    if (!kp || !ds || !sc)
        return seg_fail(SEG_ERR_INVALID_ARG,
                        "k-prototypes object, dataset or scaler is NULL (k-prototypes needs the "
                        "scaler to tell categorical columns)");
    if (!seg_scaler_is_fitted(sc))
        return seg_fail(SEG_ERR_STATE, "the scaler is not fitted");
    return SEG_OK;
}

int seg_kprototypes_fit_encoded_f64(seg_kprototypes *kp, const seg_dataset *ds,
                                    const seg_scaler *sc, const double *x, size_t n, size_t d,
                                    int32_t *labels, double *dist, seg_model **out)
{
    SEG_ALLOC_SCOPE(kp);
    int rc = check_args(kp, ds, sc, out);
    if (rc < 0)
        return rc;
    if (!x)
        return seg_fail(SEG_ERR_INVALID_ARG, "encoded rows are NULL");
    if ((rc = seg_fit_check_encoded(ds, sc, n, d)) < 0)
        return rc;
    if (n == 0 || d == 0)
        return seg_fail(SEG_ERR_EMPTY, "dataset has %zu rows and %zu features", n, d);
    return fit_encoded(kp, ds, sc, x, n, d, labels, dist, out);
}

int seg_kprototypes_fit_dataset(seg_kprototypes *kp, const seg_dataset *ds, const seg_scaler *sc,
                                int32_t *labels, seg_model **out)
{
    SEG_ALLOC_SCOPE(kp);
    double *x = NULL;
    size_t n, d;
    int rc = check_args(kp, ds, sc, out);
    if (rc < 0)
        return rc;
    if ((rc = seg_dataset_features_f64(ds, sc, &x, &n, &d)) == SEG_OK)
        rc = fit_encoded(kp, ds, sc, x, n, d, labels, NULL, out);
    seg_free(x);
    return rc;
}

double seg_model_kprototypes_gamma(const seg_model *m)
{
    return m && m->kproto ? m->kproto->gamma : NAN;
}
