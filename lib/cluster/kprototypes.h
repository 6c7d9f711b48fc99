/*
 * The k-prototypes fit of lib/cluster (kprototypes.c), composed with the
 * encoding and the model's description by pipeline/fit_kproto.c.
 */
#ifndef SEG_KPROTOTYPES_H
#define SEG_KPROTOTYPES_H

#include "model/kproto.h"

/*
 * Fit n encoded rows x (n x d, double; weights w or NULL) whose q
 * categorical columns are the feature blocks (offset, width), the other
 * features numeric: the model (centroids = means and mode indicators, its
 * k-prototypes part, sizes, weights, cost as inertia; no scaler, profiles or
 * outlier reference) and, when not NULL, each row's label and the square
 * root of its cost, predict's bit for bit.
 */
int seg_kprototypes_fit_rows(seg_kprototypes *kp, const double *x, size_t n, size_t d, size_t q,
                             const size_t *offset, const size_t *width, const double *w,
                             int32_t *labels, double *dist, seg_model **out);

#endif /* SEG_KPROTOTYPES_H */
