/*
 * Helpers shared by the issue-8 benchmarks (bench_outlier, bench_minibatch,
 * bench_stream): a seeded generator, a clock, and a k-means fit of a matrix
 * through seg_kmeans_fit_dataset() (so the model has its outlier reference).
 */
#ifndef SEG_BENCHUTIL_H
#define SEG_BENCHUTIL_H

#include <seg.h>

#include <stdint.h>

/* Seed of the generator (xorshift64, Marsaglia 2003); any non-zero value. */
extern uint64_t bench_rng;
/* Uniform in [0, 1). */
double uniform(void);
/* Standard normal (Box-Muller). */
double normal(void);
/* Monotonic clock, seconds. */
double now(void);
/* k-means (default settings) of n x d rows: the model and a predictor on
 * it, or exits with the library's message. */
void fit_and_predictor(const double *x, size_t n, size_t d, size_t k, seg_model **m,
                       seg_predictor **p);

#endif
