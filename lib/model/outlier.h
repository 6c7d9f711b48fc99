/*
 * Private layout of the outlier reference kept in a model (outlier.c): each
 * segment's distribution of training distances as a quantile grid.
 */
#ifndef SEG_OUTLIER_H
#define SEG_OUTLIER_H

#include "core/core.h"
#include "core/bytes.h"
#include "prepare/qsketch.h"

/* Quantiles at p = i / q for i = 0 .. q (type 7 of Hyndman and Fan, numpy's
 * default). 1000 intervals put the default threshold 0.995 on a grid point
 * and keep a segment at 8 KiB. */
#define SEG_OUTLIER_GRID 1000

typedef struct seg_outliers {
    size_t k, q;
    double *quant; /* k x (q + 1), each row nondecreasing; all NaN: no rows */
} seg_outliers;

void seg_outliers_free(seg_outliers *o);
int seg_outliers_clone(const seg_outliers *o, seg_outliers **out);

/* The reference of a model from a file read in chunks: sk holds k quantile
 * sketches (qsketch.h), sk[j] fed the distances of segment j's rows; each is
 * flushed and read at the grid's points (within its rank error of the
 * in-memory reference's). Replaces m's reference. SEG_ERR_NOMEM. */
int seg_outliers_from_sketches(seg_model *m, seg_qsketch *sk);

/* seg_model_set_outlier_reference() with the segments sorted on up to
 * `threads` threads (a THREADS setting: 0 = all cores); the reference does
 * not depend on it. Fits of fewer than SEG_OUTLIER_THREAD_ROWS rows use
 * one thread. */
#define SEG_OUTLIER_THREAD_ROWS ((size_t)1 << 16)
int seg_outliers_set_reference(seg_model *m, const int32_t *labels, const double *distances,
                               size_t n, int threads);

/* The OUTL section's payload, and its reader. */
void seg_outliers_write(const seg_outliers *o, wbuf *w);
int seg_outliers_read(rbuf *r, size_t k, seg_outliers **out);

#endif
