/* Helpers shared by the issue-8 benchmarks (see benchutil.h). */
#include "benchutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

uint64_t bench_rng = 0x9E3779B97F4A7C15ULL;

/* xorshift64 (Marsaglia 2003): uniform in [0, 1). */
double uniform(void)
{
    bench_rng ^= bench_rng << 13;
    bench_rng ^= bench_rng >> 7;
    bench_rng ^= bench_rng << 17;
    return (double)(bench_rng >> 11) * 0x1.0p-53;
}

/* Box-Muller standard normal. */
double normal(void)
{
    double u = uniform(), v = uniform();
    return sqrt(-2.0 * log(u > 1e-300 ? u : 1e-300)) * cos(6.283185307179586 * v);
}

double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* k-means (default settings) of n x d rows; the model and a predictor on it,
 * or exits with the library's message. */
void fit_and_predictor(const double *x, size_t n, size_t d, size_t k, seg_model **m,
                              seg_predictor **p)
{
    seg_dataset *ds = NULL;
    seg_kmeans *km = NULL;
    int rc = seg_dataset_from_f64(&ds, x, n, d, NULL);
    if (rc == 0)
        rc = seg_kmeans_new(&km);
    if (rc == 0)
        rc = seg_kmeans_set_int(km, SEG_KMEANS_K, (int64_t)k);
    if (rc == 0)
        rc = seg_kmeans_fit_dataset(km, ds, NULL, NULL, m);
    if (rc == 0)
        rc = seg_predictor_new(p, *m);
    seg_kmeans_free(km);
    seg_dataset_free(ds);
    if (rc < 0) {
        fprintf(stderr, "bench: %s: %s\n", seg_strerror(rc), seg_last_error());
        exit(1);
    }
}
