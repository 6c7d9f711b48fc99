/*
 * The steps every public fit shares after its rows are encoded
 * (pipeline/compose.h).
 */
#include "pipeline/compose.h"

#include "core/core.h"
#include "model/outlier.h"
#include "model/profile.h"
#include "prepare/scaler.h"

int seg_fit_rows_begin(fit_outputs *r, int32_t *labels, double *dist, size_t n)
{
    r->given_labels = labels;
    r->given_dist = dist;
    r->labels = labels ? labels : seg_malloc_array(n, sizeof *r->labels);
    r->dist = dist ? dist : seg_malloc_array(n, sizeof *r->dist);
    if (!labels)
        seg_advise_huge(r->labels, n * sizeof *r->labels);
    if (!dist)
        seg_advise_huge(r->dist, n * sizeof *r->dist);
    return r->labels && r->dist ? SEG_OK : SEG_NOMEM();
}

void seg_fit_rows_done(fit_outputs *r)
{
    if (r->labels != r->given_labels)
        seg_free(r->labels);
    if (r->dist != r->given_dist)
        seg_free(r->dist);
    r->labels = r->given_labels;
    r->dist = r->given_dist;
}

int seg_fit_check_encoded(const seg_dataset *ds, const seg_scaler *sc, size_t n, size_t d)
{
    if (sc && !seg_scaler_is_fitted(sc))
        return seg_fail(SEG_ERR_STATE, "the scaler is not fitted");
    const size_t rows = seg_dataset_rows(ds);
    const size_t features = sc ? seg_scaler_features(sc) : seg_dataset_columns(ds);
    if (n != rows || d != features)
        return seg_fail(SEG_ERR_MISMATCH,
                        "the encoded rows are %zu x %zu; the dataset encodes to %zu x %zu", n, d,
                        rows, features);
    return SEG_OK;
}

int seg_fit_describe(seg_model **m, const fit_outputs *r, size_t n, const seg_dataset *ds,
                     const seg_scaler *sc, size_t min_size, int threads)
{
    int rc = seg_outliers_set_reference(*m, r->labels, r->dist, n, threads);
    if (rc == SEG_OK && ds)
        rc = seg_model_describe(*m, ds, sc, r->labels, min_size, threads);
    if (rc < 0) {
        seg_model_free(*m);
        *m = NULL;
    }
    return rc;
}
