/*
 * A model from a partition computed elsewhere (a Ward cut): centroids are
 * the segments' weighted means in the scaled space, and the model carries
 * the same sizes, inertia, scaler copy, profiles and outlier reference as one
 * k-means fitted, so that predict, the profiles, saving and the report work
 * unchanged. The rows are encoded once (or not at all, when the caller holds
 * them encoded): the means, the inertia and the outlier reference all read
 * that one matrix.
 */
#include "model/model.h"
#include "prepare/scaler.h"
#include "kernel/distance.h"
#include "model/profile.h"

#include <string.h>

/* Weighted means of the rows of each segment into m, with sizes and weights. */
static int segment_means(seg_model *m, const double *x, size_t n, const double *w,
                         const int32_t *labels)
{
    const size_t k = m->k, d = m->d;
    double *c = m->centroids;
    memset(c, 0, k * d * sizeof *c);
    for (size_t i = 0; i < n; i++) {
        const double wi = w ? w[i] : 1.0;
        double *cj = c + (size_t)labels[i] * d;
        m->sizes[labels[i]]++;
        m->weights[labels[i]] += wi;
        for (size_t t = 0; t < d; t++)
            cj[t] += wi * x[i * d + t];
    }
    for (size_t j = 0; j < k; j++) {
        if (!(m->weights[j] > 0))
            return seg_fail(SEG_ERR_EMPTY, "segment %zu has no rows (or no weight)", j);
        for (size_t t = 0; t < d; t++)
            c[j * d + t] /= m->weights[j];
        for (size_t t = 0; t < d; t++)
            m->centroids_f32[j * d + t] = (float)c[j * d + t];
    }
    seg_row_norms_f64(m->centroids, k, d, m->cnorm);
    seg_row_norms_f32(m->centroids_f32, k, d, m->cnorm_f32);
    return SEG_OK;
}

/* Weighted squared distances of the rows to their own segment's centroid,
 * through the distance kernel one block of rows at a time. */
static int inertia(const seg_model *m, const double *x, size_t n, const double *w,
                   const int32_t *labels, double *out)
{
    const size_t k = m->k, d = m->d, block = seg_gemm_plan(k, d, sizeof(double)).block;
    double *xn = seg_malloc_array(block, sizeof *xn), *tile = NULL, sum = 0;
    size_t bk;
    if (!xn || !seg_mul_ok(block, k, &bk) || !(tile = seg_malloc_array(bk, sizeof *tile))) {
        seg_free(xn);
        return SEG_NOMEM();
    }
    for (size_t i0 = 0; i0 < n; i0 += block) {
        const size_t b = n - i0 < block ? n - i0 : block;
        seg_row_norms_f64(x + i0 * d, b, d, xn);
        seg_sqdist_tile_f64(x + i0 * d, b, d, xn, m->centroids, k, m->cnorm, tile);
        for (size_t i = 0; i < b; i++)
            sum += (w ? w[i0 + i] : 1.0) * tile[i * k + (size_t)labels[i0 + i]];
    }
    seg_free(xn);
    seg_free(tile);
    *out = sum;
    return SEG_OK;
}

int seg_model_from_labels(const seg_dataset *ds, const seg_scaler *sc, const int32_t *labels,
                          size_t k, seg_model **out)
{
    return seg_model_from_labels_min_profile(ds, sc, labels, k, 0, out);
}

/* The checks of both forms; *n and *d receive the rows and features. */
static int check_args(const seg_dataset *ds, const seg_scaler *sc, const int32_t *labels, size_t k,
                      size_t min_profile_size, seg_model **out, size_t *n, size_t *d)
{
    if (!out)
        return seg_fail(SEG_ERR_INVALID_ARG, "out is NULL");
    *out = NULL;
    if (!ds || !labels)
        return seg_fail(SEG_ERR_INVALID_ARG, "dataset or labels is NULL");
    if (sc && !seg_scaler_is_fitted(sc))
        return seg_fail(SEG_ERR_STATE, "the scaler is not fitted");
    *n = seg_dataset_rows(ds);
    *d = sc ? seg_scaler_features(sc) : seg_dataset_columns(ds);
    if (*n == 0 || *d == 0)
        return seg_fail(SEG_ERR_EMPTY, "dataset has %zu rows and %zu features", *n, *d);
    if (k == 0 || k > *n)
        return seg_fail(SEG_ERR_INVALID_ARG, "k = %zu outside 1 .. %zu", k, *n);
    if ((uint64_t)min_profile_size > UINT64_C(1000000000000))
        return seg_fail(SEG_ERR_INVALID_ARG, "minimum profile size %zu outside 0 .. 10^12",
                        min_profile_size);
    for (size_t i = 0; i < *n; i++)
        if (labels[i] < 0 || (size_t)labels[i] >= k)
            return seg_fail(SEG_ERR_INVALID_ARG, "label %ld of row %zu outside 0 .. %zu",
                            (long)labels[i], i, k - 1);
    return SEG_OK;
}

/*
 * The outlier reference of a model of means: the distances of the rows x to
 * their nearest mean (predict's labels, which need not be the given ones),
 * from the model's labelling pass over the matrix at hand.
 */
static int outlier_reference(seg_model *m, const double *x, size_t n)
{
    int32_t *near = seg_malloc_array(n, sizeof *near);
    double *dist = seg_malloc_array(n, sizeof *dist);
    int rc = near && dist ? seg_model_label_rows(m, x, false, n, 1, near, dist) : SEG_NOMEM();
    if (rc == SEG_OK)
        rc = seg_model_set_outlier_reference(m, near, dist, n);
    seg_free(near);
    seg_free(dist);
    return rc;
}

/* The model of the partition labels of ds, whose encoded rows are x. */
static int from_labels(const seg_dataset *ds, const seg_scaler *sc, const double *x, size_t n,
                       size_t d, const int32_t *labels, size_t k, size_t min_profile_size,
                       seg_model **out)
{
    seg_model *m = NULL;
    double *zero = seg_calloc(k * d, sizeof *zero); /* k <= n: k x d fits when n x d does */
    const double *w = seg_dataset_weights(ds);
    int rc = zero ? seg_model_create(&m, k, d, SEG_DTYPE_F64, zero) : SEG_NOMEM();
    if (rc < 0 || (rc = segment_means(m, x, n, w, labels)) < 0 ||
        (rc = inertia(m, x, n, w, labels, &m->inertia)) < 0 ||
        (rc = seg_model_describe(m, ds, sc, labels, min_profile_size, 0)) < 0 ||
        (rc = outlier_reference(m, x, n)) < 0)
        goto done;
    m->n_rows = n;
    m->converged = 1;
    *out = m;
    m = NULL;
done:
    seg_model_free(m);
    seg_free(zero);
    return rc;
}

int seg_model_from_labels_min_profile(const seg_dataset *ds, const seg_scaler *sc,
                                      const int32_t *labels, size_t k, size_t min_profile_size,
                                      seg_model **out)
{
    double *x = NULL;
    size_t n, d;
    int rc = check_args(ds, sc, labels, k, min_profile_size, out, &n, &d);
    if (rc == SEG_OK && (rc = seg_dataset_features_f64(ds, sc, &x, &n, &d)) == SEG_OK)
        rc = from_labels(ds, sc, x, n, d, labels, k, min_profile_size, out);
    seg_free(x);
    return rc;
}

int seg_model_from_labels_encoded_f64(const seg_dataset *ds, const seg_scaler *sc, const double *x,
                                      size_t n, size_t d, const int32_t *labels, size_t k,
                                      size_t min_profile_size, seg_model **out)
{
    size_t rows = 0, features = 0, count;
    int rc = check_args(ds, sc, labels, k, min_profile_size, out, &rows, &features);
    if (rc < 0)
        return rc;
    if (!x)
        return seg_fail(SEG_ERR_INVALID_ARG, "the encoded matrix is NULL");
    if (n != rows || d != features)
        return seg_fail(SEG_ERR_MISMATCH,
                        "the matrix is %zu x %zu, the dataset encodes to %zu x %zu", n, d, rows,
                        features);
    if (!seg_mul_ok(n, d, &count))
        return seg_fail(SEG_ERR_OVERFLOW, "%zu x %zu values overflow", n, d);
    return from_labels(ds, sc, x, n, d, labels, k, min_profile_size, out);
}
