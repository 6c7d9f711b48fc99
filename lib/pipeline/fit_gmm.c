/*
 * The public Gaussian mixture fits: fit (cluster/gmm.c), then describe
 * (model/): the outlier reference of the fit's labels and distances and,
 * given the dataset, its profiles and a copy of the scaler, as the k-means
 * fits do (fit_dataset.c).
 */
#include "cluster/gmm.h"
#include "data/data.h"
#include "model/profile.h"
#include "pipeline/compose.h"

static int fit_and_describe(seg_gmm *g, const seg_dataset *ds, const seg_scaler *sc,
                            const double *x, size_t n, size_t d, double *proba, int32_t *labels,
                            double *dist, seg_model **out)
{
    fit_outputs r = {labels, dist, labels, dist};
    int64_t threads = 0;
    int rc;
    if (out && g && x && n > 0 && (rc = seg_fit_rows_begin(&r, labels, dist, n)) < 0)
        goto done;
    if ((rc = seg_gmm_fit_rows(g, x, n, d, proba, r.labels, r.dist, out)) < 0)
        goto done;
    if ((rc = seg_gmm_get_int(g, SEG_GMM_THREADS, &threads)) < 0) {
        seg_model_free(*out);
        *out = NULL;
        goto done;
    }
    rc = seg_fit_describe(out, &r, n, ds, sc, 0, (int)threads);
done:
    seg_fit_rows_done(&r);
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
    int rc = seg_fit_check_encoded(ds, sc, n, d);
    if (rc < 0)
        return rc;
    if (seg_dataset_weights(ds))
        return seg_fail(SEG_ERR_INVALID_ARG, "the Gaussian mixture fit takes no row weights "
                                             "(the dataset has a weight column)");
    return fit_and_describe(g, ds, sc, x, n, d, proba, labels, distances, out);
}
