/*
 * Streaming quantile sketch with a deterministic rank-error bound: the
 * summary of Greenwald and Khanna, "Space-efficient online computation of
 * quantile summaries", SIGMOD 2001, with batched insertion. Not installed.
 *
 * The summary is a sorted list of tuples (v, g, delta). With
 * rmin(i) = g(0) + ... + g(i) and rmax(i) = rmin(i) + delta(i), the true rank
 * (1-based, among the n values added, equal values ordered by arrival) of
 * v(i) lies in [rmin(i), rmax(i)]. The invariant g(i) + delta(i) <= 2 eps n
 * for every tuple guarantees a tuple with rmin >= r - eps n and
 * rmax <= r + eps n for any rank r (GK 2001, Prop. 1), so:
 *
 *   BOUND: seg_qsketch_rank_value(r) returns a value that sits at some rank
 *   r' of the sorted input with |r' - r| <= eps n.
 *
 * Values are buffered and merged into the summary a sorted batch at a time:
 * a new value b placed before the old tuple s takes g = 1 and
 * delta = g(s) + delta(s) - 1 (0 before the first or after the last tuple),
 * which keeps both the rank bracket and g + delta <= 2 eps n (the argument of
 * GK's INSERT, applied to each of the batch values between two old tuples).
 * COMPRESS merges a tuple into its right neighbour when the sum of their g
 * plus the neighbour's delta stays <= 2 eps n; it only runs once the summary
 * holds more than exact_cap tuples, so up to that many values the sketch is
 * exact (every g is 1 and every delta 0).
 *
 * Deterministic: the result depends only on the values and their order.
 */
#ifndef SEG_QSKETCH_H
#define SEG_QSKETCH_H

#include "core/core.h"

typedef struct qtuple {
    double v;
    uint64_t g, delta;
} qtuple;

typedef struct seg_qsketch {
    double eps;
    size_t exact_cap;  /* compress only above this many tuples */
    uint64_t n;        /* values added, buffered ones included */
    qtuple *t, *spare; /* summary, and the merge target (swapped) */
    size_t nt, cap_t;
    double *buf; /* values not yet merged */
    size_t nbuf, cap_buf;
} seg_qsketch;

/* A zeroed sketch is invalid; init it. eps in (0, 0.5). SEG_ERR_NOMEM. */
int seg_qsketch_init(seg_qsketch *s, double eps, size_t exact_cap);

void seg_qsketch_free(seg_qsketch *s);

/* k sketches initialised alike into *out (NULL on failure), and their free
 * (accepts NULL). SEG_ERR_OVERFLOW, SEG_ERR_NOMEM. */
int seg_qsketch_array_new(seg_qsketch **out, size_t k, double eps, size_t exact_cap);
void seg_qsketch_array_free(seg_qsketch *a, size_t k);

/* Add a value (not NaN). SEG_ERR_NOMEM. */
int seg_qsketch_add(seg_qsketch *s, double v);

/* Merge the buffered values into the summary. SEG_ERR_NOMEM. */
int seg_qsketch_flush(seg_qsketch *s);

/* A value within eps n of rank r (1 .. n) of the values added (see BOUND);
 * the sketch must be flushed and non-empty. */
double seg_qsketch_rank_value(const seg_qsketch *s, uint64_t r);

/* Quantile q in [0, 1] by numpy's 'linear' rule applied to the ranks
 * floor((n - 1) q) + 1 and the next, each within eps n (flushed, n > 0):
 * exact while the sketch is exact. */
double seg_qsketch_quantile(const seg_qsketch *s, double q);

/* Bytes the sketch holds now. */
size_t seg_qsketch_bytes(const seg_qsketch *s);

#endif /* SEG_QSKETCH_H */
