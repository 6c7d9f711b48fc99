/*
 * Drift between two models: distances between their centroids in the first
 * model's feature space, and the optimal matching of their segments.
 */
#include "model/model.h"

#include <string.h>

/* Row j of the new model's centroids, mapped into the old model's feature
 * space through both scalers' affine maps (x = center + scale f). */
static int map_centroid(const seg_model *old, const seg_model *new_, size_t j, double *out)
{
    const size_t d = old->d;
    const double *c = new_->centroids + j * d;
    for (size_t t = 0; t < d; t++) {
        double co = 0, so = 1, cn = 0, sn = 1;
        if (old->scaler && (seg_scaler_feature_affine(old->scaler, t, &co, &so) < 0 ||
                            seg_scaler_feature_affine(new_->scaler, t, &cn, &sn) < 0))
            return SEG_ERR_INVALID_ARG;
        /* The same map on both sides leaves the value as it is (exactly:
         * a model against itself has zero drift). */
        out[t] = co == cn && so == sn ? c[t] : (cn + sn * c[t] - co) / so;
    }
    return SEG_OK;
}

int seg_model_centroid_distances(const seg_model *old, const seg_model *new_, double *out,
                                 size_t len)
{
    SEG_ALLOC_SCOPE(old);
    if (!old || !new_ || !out)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_model_centroid_distances: NULL argument");
    if (old->d != new_->d || !old->scaler != !new_->scaler)
        return seg_fail(SEG_ERR_MISMATCH, "the models have different features (%zu and %zu%s)",
                        old->d, new_->d, !old->scaler != !new_->scaler ? ", one without scaler" : "");
    for (size_t t = 0; old->scaler && t < old->d; t++) {
        const char *a = seg_scaler_feature_name(old->scaler, t);
        const char *b = seg_scaler_feature_name(new_->scaler, t);
        if (!a || !b || strcmp(a, b) != 0)
            return seg_fail(SEG_ERR_MISMATCH, "feature %zu is '%s' in one model and '%s' in the other",
                            t, a ? a : "", b ? b : "");
    }
    size_t kk;
    if (!seg_mul_ok(old->k, new_->k, &kk))
        return seg_fail(SEG_ERR_OVERFLOW, "%zu x %zu distances overflow", old->k, new_->k);
    if (len < kk)
        return seg_fail(SEG_ERR_MISMATCH, "output holds %zu values, %zu needed", len, kk);
    double *mapped = seg_malloc_array(new_->k * old->d + 1, sizeof *mapped);
    if (!mapped)
        return SEG_NOMEM();
    for (size_t j = 0; j < new_->k; j++)
        map_centroid(old, new_, j, mapped + j * old->d);
    /* Differences, not the GEMM kernel: k_old x k_new is tiny, and a
     * model against itself must give exactly 0 (the kernel's
     * |x|^2 - 2 x.c + |c|^2 leaves rounding residue). */
    int rc = SEG_OK;
    for (size_t j = 0; j < new_->k && rc == SEG_OK; j++)
        rc = map_centroid(old, new_, j, mapped + j * old->d);
    for (size_t i = 0; i < old->k && rc == SEG_OK; i++)
        for (size_t j = 0; j < new_->k; j++) {
            const double *a = old->centroids + i * old->d, *b = mapped + j * old->d;
            double s2 = 0;
            for (size_t t = 0; t < old->d; t++)
                s2 += (a[t] - b[t]) * (a[t] - b[t]);
            out[i * new_->k + j] = sqrt(s2);
        }
    if (rc < 0)
        rc = seg_fail(SEG_ERR_STATE, "a model's scaler is not fitted");
    seg_free(mapped);
    return rc;
}
