/*
 * The public fits that take a dataset (or promise an outlier reference),
 * composed of whole stages, each doing its work once:
 *
 *   encode (prepare/) -> fit (cluster/) -> describe (model/)
 *
 * The rows are encoded once, or not at all when the caller holds them
 * encoded (the _encoded_ entry points). The fit labels them and keeps, from
 * its own last pass, each row's distance to its segment's centroid. The
 * model stage then reads those labels and distances: profiles and the copy
 * of the scaler (seg_model_describe), and the outlier reference
 * (seg_model_set_outlier_reference). No stage runs a predictor over rows an
 * earlier stage labelled, and the fits in cluster/ never call a later stage:
 * this file is where the stages meet.
 */
#include "cluster/kmeans.h"
#include "data/data.h"
#include "model/profile.h"
#include "pipeline/compose.h"

#include <string.h>

/* The settings object of a fit: exactly one of km and mb. */
typedef struct fitter {
    seg_kmeans *km;
    seg_minibatch *mb;
} fitter;

/* The fit's own checks come first (its error codes for NULL settings, data
 * or out); then those the dataset adds. */
static int check_encoded(fitter f, const seg_dataset *ds, const seg_scaler *sc, const void *x,
                         size_t n, size_t d, seg_model **out)
{
    if (!out)
        return seg_fail(SEG_ERR_INVALID_ARG, "out is NULL");
    *out = NULL;
    if ((!f.km && !f.mb) || !ds || !x)
        return seg_fail(SEG_ERR_INVALID_ARG, "settings, dataset or encoded rows are NULL");
    return seg_fit_check_encoded(ds, sc, n, d);
}

/* The fit of the rows x (float when f32), its labels and distances. */
static int fit_rows(fitter f, const void *x, bool f32, size_t n, size_t d, const double *w,
                    int32_t *labels, double *dist, seg_model **out)
{
    return f.km ? seg_kmeans_fit_rows(f.km, x, f32, n, d, w, labels, dist, out)
                : seg_minibatch_fit_rows(f.mb, x, f32, n, d, w, labels, dist, out);
}

/* The model stage after a fit: the outlier reference of the fit's labels
 * and distances; with ds, the profiles of its columns and a copy of sc. */
/* Describe the model f fitted (compose.h), with f's minimum profile size and
 * threads. */
static int describe(fitter f, seg_model **m, const seg_dataset *ds, const seg_scaler *sc,
                    const fit_outputs *r, size_t n)
{
    int64_t min_size = 0, threads = 0;
    int rc = SEG_OK;
    /* The outlier reference and the profiles run on the fit's threads
     * (they do not depend on them). */
    if (f.km) {
        rc = seg_kmeans_get_int(f.km, SEG_KMEANS_MIN_PROFILE_SIZE, &min_size);
        if (rc == SEG_OK)
            rc = seg_kmeans_get_int(f.km, SEG_KMEANS_THREADS, &threads);
    } else {
        rc = seg_minibatch_get_int(f.mb, SEG_MINIBATCH_MIN_PROFILE_SIZE, &min_size);
        if (rc == SEG_OK)
            rc = seg_minibatch_get_int(f.mb, SEG_MINIBATCH_THREADS, &threads);
    }
    if (rc < 0) {
        seg_model_free(*m);
        *m = NULL;
        return rc;
    }
    return seg_fit_describe(m, r, n, ds, sc, (size_t)min_size, (int)threads);
}

/*
 * Fit, then describe: the whole of every fit below once its rows are
 * encoded. labels and dist may be NULL (working copies are made); ds NULL
 * skips the profiles. On failure *out is NULL.
 */
static int fit_and_describe(fitter f, const seg_dataset *ds, const seg_scaler *sc, const void *x,
                            bool f32, size_t n, size_t d, const double *w, int32_t *labels,
                            double *dist, seg_model **out)
{
    fit_outputs r = {labels, dist, labels, dist};
    int rc;
    /* Buffers only for a call the fit will not refuse outright, so that its
     * own errors (a NULL argument, no rows) come before SEG_ERR_NOMEM. */
    if (out && x && n > 0 && (f.km || f.mb) && (rc = seg_fit_rows_begin(&r, labels, dist, n)) < 0)
        goto done;
    if ((rc = fit_rows(f, x, f32, n, d, w, r.labels, r.dist, out)) == SEG_OK)
        rc = describe(f, out, ds, sc, &r, n);
done:
    seg_fit_rows_done(&r);
    return rc;
}

static int fit_encoded(fitter f, const seg_dataset *ds, const seg_scaler *sc, const void *x,
                       bool f32, size_t n, size_t d, int32_t *labels, double *dist, seg_model **out)
{
    int rc = check_encoded(f, ds, sc, x, n, d, out);
    if (rc < 0)
        return rc;
    return fit_and_describe(f, ds, sc, x, f32, n, d, seg_dataset_weights(ds), labels, dist, out);
}

/*
 * The encoded rows of ds in the fit's precision into *x: an all-numeric
 * dataset in that precision in place (*own NULL) when there is no scaler or
 * it is the identity on ds, else a new matrix (*own, the caller frees it)
 * transformed by sc or converted.
 */
static int encode(const seg_dataset *ds, const seg_scaler *sc, bool f32, const void **x, void **own,
                  size_t *n, size_t *d)
{
    const size_t elem = f32 ? sizeof(float) : sizeof(double);
    size_t count;
    bool dense_f32;
    int rc;

    *own = NULL;
    *n = seg_dataset_rows(ds);
    *d = sc ? seg_scaler_features(sc) : seg_dataset_columns(ds);
    if (sc && !seg_scaler_is_fitted(sc))
        return seg_fail(SEG_ERR_STATE, "the scaler is not fitted");
    if (*n == 0 || *d == 0)
        return seg_fail(SEG_ERR_EMPTY, "dataset has %zu rows and %zu features", *n, *d);
    if (!seg_mul_ok(*n, *d, &count) || count > SIZE_MAX / elem)
        return seg_fail(SEG_ERR_OVERFLOW, "%zu x %zu values overflow", *n, *d);
    /* A scaler that changes nothing (SEG_SCALE_NONE on numeric columns with
     * nothing to impute) encodes to the dataset's own block: no copy. */
    *x = sc && !seg_scaler_is_identity(sc, ds) ? NULL : seg_dataset_dense_view(ds, &dense_f32);
    if (*x && dense_f32 == f32)
        return SEG_OK;
    void *matrix = seg_malloc_array(count, elem);
    if (!matrix)
        return SEG_NOMEM();
    if (sc)
        rc = f32 ? seg_scaler_transform_f32(sc, ds, matrix, count)
                 : seg_scaler_transform_f64(sc, ds, matrix, count);
    else if (f32) {
        double *tmp = seg_malloc_array(count, sizeof *tmp);
        rc = tmp ? seg_dataset_copy_f64(ds, tmp, count) : SEG_NOMEM();
        for (size_t i = 0; rc == SEG_OK && i < count; i++)
            ((float *)matrix)[i] = (float)tmp[i];
        seg_free(tmp);
    } else
        rc = seg_dataset_copy_f64(ds, matrix, count);
    if (rc < 0) {
        seg_free(matrix);
        return rc;
    }
    *x = *own = matrix;
    return SEG_OK;
}

/* A fit of ds: encode once, then fit and describe. */
static int fit_dataset(fitter f, bool f32, const seg_dataset *ds, const seg_scaler *sc,
                       int32_t *labels, seg_model **out)
{
    const void *x = NULL;
    void *own = NULL;
    size_t n, d;
    int rc;
    if (!out)
        return seg_fail(SEG_ERR_INVALID_ARG, "out is NULL");
    *out = NULL;
    if ((!f.km && !f.mb) || !ds)
        return seg_fail(SEG_ERR_INVALID_ARG, "%s object or dataset is NULL",
                        f.mb ? "mini-batch" : "k-means");
    if ((rc = encode(ds, sc, f32, &x, &own, &n, &d)) == SEG_OK)
        rc = fit_and_describe(f, ds, sc, x, f32, n, d, seg_dataset_weights(ds), labels, NULL, out);
    seg_free(own);
    return rc;
}

/* ---- the entry points (those typed by precision: fit_dataset_tmpl.h) ----------- */

int seg_kmeans_fit_dataset(seg_kmeans *km, const seg_dataset *ds, const seg_scaler *sc,
                           int32_t *labels, seg_model **out)
{
    SEG_ALLOC_SCOPE(km);
    int64_t dtype = SEG_DTYPE_F64;
    if (km)
        (void)seg_kmeans_get_int(km, SEG_KMEANS_DTYPE, &dtype);
    return fit_dataset((fitter){km, NULL}, dtype == SEG_DTYPE_F32, ds, sc, labels, out);
}

int seg_minibatch_fit_dataset(seg_minibatch *mb, const seg_dataset *ds, const seg_scaler *sc,
                              int32_t *labels, seg_model **out)
{
    SEG_ALLOC_SCOPE(mb);
    int64_t dtype = SEG_DTYPE_F64;
    const bool f32 = mb && seg_minibatch_get_int(mb, SEG_MINIBATCH_DTYPE, &dtype) == SEG_OK &&
                     dtype == SEG_DTYPE_F32;
    return fit_dataset((fitter){NULL, mb}, f32, ds, sc, labels, out);
}

#define SEG_TMPL "pipeline/fit_dataset_tmpl.h"
#include "core/instantiate.h"
