/*
 * What every public fit of this stage does once its rows are encoded
 * (fit_dataset.c, fit_gmm.c, fit_kproto.c): hold the labels and distances
 * the fit writes, in the caller's arrays or in working copies, and describe
 * the fitted model from them (model/: outlier reference, then profiles).
 */
#ifndef SEG_PIPELINE_COMPOSE_H
#define SEG_PIPELINE_COMPOSE_H

#include "seg.h"

#include <stddef.h>
#include <stdint.h>

/* A fit's per-row outputs: labels and dist are the caller's arrays when
 * given, else working copies of n rows that seg_fit_rows_done() frees. */
typedef struct fit_outputs {
    int32_t *labels;
    double *dist;
    int32_t *given_labels;
    double *given_dist;
} fit_outputs;

/* Point r at the caller's labels and dist (either may be NULL) and allocate
 * a working copy of each one not given. Returns SEG_OK or SEG_ERR_NOMEM; on
 * failure r may still hold one copy: call seg_fit_rows_done() either way. */
int seg_fit_rows_begin(fit_outputs *r, int32_t *labels, double *dist, size_t n);

/* Free the working copies of r (never the caller's arrays). */
void seg_fit_rows_done(fit_outputs *r);

/* The checks every fit of encoded rows makes of them: sc (if given) is
 * fitted, and n x d is what ds encodes to through sc (through none: its
 * columns). Returns SEG_OK, SEG_ERR_STATE or SEG_ERR_MISMATCH. */
int seg_fit_check_encoded(const seg_dataset *ds, const seg_scaler *sc, size_t n, size_t d);

/* Describe *m, fitted on n rows with r's labels and distances: its outlier
 * reference and, when ds is given, the profiles of ds and a copy of sc
 * (segments under min_size rows withheld). Both run on threads threads (a
 * THREADS setting), which does not change them. On failure *m is freed and
 * NULL. */
int seg_fit_describe(seg_model **m, const fit_outputs *r, size_t n, const seg_dataset *ds,
                     const seg_scaler *sc, size_t min_size, int threads);

#endif
