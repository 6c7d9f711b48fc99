/*
 * A model's numeric scaling given by its center and scale per feature, for
 * fits whose scaling was computed elsewhere (libseg-mpi fits the scaler over
 * MPI ranks: seg_mpi_scaler_fit). The scaler it builds is the one
 * seg_scaler_fit() builds for a .npy file's columns x0, x1, ...: numeric
 * columns, no log1p, so predict on raw rows scales them as the fit did.
 */
#include "model/model.h"
#include "prepare/scaler.h"

#include <math.h>
#include <stdio.h>

int seg_model_set_numeric_scaling(seg_model *m, seg_scale_method method, const double *center,
                                  const double *scale, const double *median, size_t d)
{
    if (!m || !center || !scale)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_model_set_numeric_scaling: NULL argument");
    if (d != m->d)
        return seg_fail(SEG_ERR_MISMATCH, "%zu scalings for a model of %zu features", d, m->d);
    if (m->scaler)
        return seg_fail(SEG_ERR_STATE, "the model already holds a scaler");
    if (method != SEG_SCALE_NONE && method != SEG_SCALE_STANDARD && method != SEG_SCALE_MINMAX &&
        method != SEG_SCALE_ROBUST)
        return seg_fail(SEG_ERR_INVALID_ARG, "unknown scaling method %d", (int)method);
    for (size_t j = 0; j < d; j++)
        if (!isfinite(center[j]) || !isfinite(scale[j]) || scale[j] == 0.0 ||
            (median && !isfinite(median[j])))
            return seg_fail(SEG_ERR_INVALID_ARG,
                            "feature %zu: center %g, scale %g, median %g (finite, scale not 0)",
                            j + 1, center[j], scale[j], median ? median[j] : center[j]);
    scol *cols = seg_calloc(d, sizeof *cols);
    if (!cols)
        return SEG_NOMEM();
    for (size_t j = 0; j < d; j++) {
        char name[32];
        snprintf(name, sizeof name, "x%zu", j);
        if (!(cols[j].name = seg_strdup(name))) {
            seg_scol_array_free(cols, d);
            return SEG_NOMEM();
        }
        cols[j].kind = SCOL_NUMERIC;
        cols[j].offset = j;
        cols[j].n_out = 1;
        cols[j].method = method;
        cols[j].median = median ? median[j] : center[j];
        cols[j].center = center[j];
        cols[j].scale = scale[j];
    }
    seg_scaler *sc = NULL;
    int rc = seg_scaler_adopt(cols, d, d, &sc); /* frees cols on failure */
    /* the setting a model file and seg info report as the scaling */
    if (rc == SEG_OK && (rc = seg_scaler_set_int(sc, SEG_SCALER_METHOD, method)) < 0)
        seg_scaler_free(sc);
    if (rc == SEG_OK)
        m->scaler = sc;
    return rc;
}

int seg_model_set_scaler(seg_model *m, const seg_scaler *sc)
{
    SEG_ALLOC_SCOPE(m);
    if (!m || !sc)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_model_set_scaler: NULL argument");
    if (!seg_scaler_is_fitted(sc))
        return seg_fail(SEG_ERR_STATE, "the scaler is not fitted");
    if (seg_scaler_features(sc) != m->d)
        return seg_fail(SEG_ERR_MISMATCH, "the scaler writes %zu features, the model has %zu",
                        seg_scaler_features(sc), m->d);
    if (m->scaler)
        return seg_fail(SEG_ERR_STATE, "the model already holds a scaler");
    return seg_scaler_clone(sc, &m->scaler);
}
