/*
 * The public Gaussian mixture fits: fit (cluster/gmm.c), then describe
 * (model/): the outlier reference of the fit's labels and distances and,
 * given the dataset, its profiles and a copy of the scaler, as the k-means
 * fits do (fit_dataset.c).
 */
#include "cluster/gmm.h"
#include "data/data.h"
#include "model/profile.h"

static int fit_and_describe(seg_gmm *g, const seg_dataset *ds, const seg_scaler *sc,
                            const double *x, size_t n, size_t d, double *proba, int32_t *labels,
                            double *dist, seg_model **out)
{
    int32_t *lab = labels;
    double *dst = dist;
    int64_t threads = 0;
    int rc;
    if (out && g && x && n > 0) {
        if (!lab)
            lab = seg_malloc_array(n, sizeof *lab);
        if (!dst)
            dst = seg_malloc_array(n, sizeof *dst);
        if (!lab || !dst) {
            rc = SEG_NOMEM();
            goto done;
        }
    }
    if ((rc = seg_gmm_fit_rows(g, x, n, d, proba, lab, dst, out)) < 0)
        goto done;
    rc = seg_model_set_outlier_reference(*out, lab, dst, n);
    if (rc == SEG_OK && ds && (rc = seg_gmm_get_int(g, SEG_GMM_THREADS, &threads)) == SEG_OK)
        rc = seg_model_describe(*out, ds, sc, lab, 0, (int)threads);
    if (rc < 0) {
        seg_model_free(*out);
        *out = NULL;
    }
done:
    if (lab != labels)
        seg_free(lab);
    if (dst != dist)
        seg_free(dst);
    return rc;
}

int seg_gmm_fit_f64(seg_gmm *g, const double *x, size_t n, size_t d, double *proba, int32_t *labels,
                    seg_model **out)
{
    return fit_and_describe(g, NULL, NULL, x, n, d, proba, labels, NULL, out);
}

int seg_gmm_fit_encoded_f64(seg_gmm *g, const seg_dataset *ds, const seg_scaler *sc,
                            const double *x, size_t n, size_t d, double *proba, int32_t *labels,
                            double *distances, seg_model **out)
{
    if (!out)
        return seg_fail(SEG_ERR_INVALID_ARG, "out is NULL");
    *out = NULL;
    if (!g || !ds || !x)
        return seg_fail(SEG_ERR_INVALID_ARG, "GMM object, dataset or encoded rows are NULL");
    if (sc && !seg_scaler_is_fitted(sc))
        return seg_fail(SEG_ERR_STATE, "the scaler is not fitted");
    const size_t rows = seg_dataset_rows(ds);
    const size_t features = sc ? seg_scaler_features(sc) : seg_dataset_columns(ds);
    if (n != rows || d != features)
        return seg_fail(SEG_ERR_MISMATCH,
                        "the encoded rows are %zu x %zu; the dataset encodes to %zu x %zu", n, d,
                        rows, features);
    if (seg_dataset_weights(ds))
        return seg_fail(SEG_ERR_INVALID_ARG, "the Gaussian mixture fit takes no row weights "
                                             "(the dataset has a weight column)");
    return fit_and_describe(g, ds, sc, x, n, d, proba, labels, distances, out);
}
