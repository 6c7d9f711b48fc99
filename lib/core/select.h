/*
 * Order statistics by selection (select.c), used by the scaler and the
 * profiles. Not installed.
 */
#ifndef SEG_SELECT_H
#define SEG_SELECT_H

#include "core/core.h"

/* Order statistics by selection (select.c), O(n) expected, exact: each
 * returns what sorting v would give. v holds n values, none NaN, and is
 * reordered. */
/* Puts the value of rank r (0-based, ascending) at v[r], none greater
 * before it, none smaller after it. */
void seg_select_rank(double *v, size_t n, size_t r);
/* The median: the middle value, or the two middle ones averaged when n is
 * even (NaN when n is 0). */
double seg_select_median(double *v, size_t n);
/* seg_select_median of float values: the median of their double values,
 * the same result, with half the memory. */
double seg_select_median_f32(float *v, size_t n);
/* The type-7 quantile p in [0, 1] (linear between the values of ranks
 * floor(h) and floor(h) + 1, h = (n - 1) p; quartiles are p = 0.25, 0.75);
 * NaN when n is 0 or p is out of range. */
double seg_select_quantile(double *v, size_t n, double p);

#endif
