/*
 * Segments sized to capacity (capacity.c): the exact transportation problem
 * of rows to k segments with lower and upper sizes, and the k-means fit
 * whose every assignment step solves it. Not installed.
 */
#ifndef SEG_CAPACITY_H
#define SEG_CAPACITY_H

#include "model/model.h"

/*
 * Whether per-segment sizes lo[j] <= size_j <= hi[j] (k of each) can hold n
 * rows; otherwise SEG_ERR_INVALID_ARG with a detail that says why (a minimum
 * above its maximum, maxima that add up to fewer than n rows, minima that add
 * up to more).
 */
int seg_capacity_check(size_t n, size_t k, const int64_t *lo, const int64_t *hi);

/*
 * The k-means fit behind seg_kmeans_fit_rows when km has capacity bounds
 * (seg_kmeans_fit_rows's contract; the labels and distances are the fit's
 * assignment, not the nearest centroids).
 */
int seg_capacity_fit_rows(seg_kmeans *km, const void *x, bool f32, size_t n, size_t d,
                          const double *w, int32_t *labels, double *dist, seg_model **out);

#endif
