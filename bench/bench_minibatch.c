/*
 * Mini-batch k-means against full k-means (Lloyd) on the same rows, in the
 * same run: inertia ratio (target <= 1.02) and speed ratio (target >= 10 at
 * n = 10 million).
 *
 * Usage: bench_minibatch [N [D [K [BATCH [THREADS]]]]]
 *        (default 1000000 16 16 1024 1)
 *
 * Rows are K Gaussian blobs (unit spread, centres uniform in [-4, 4]^D, so
 * neighbouring blobs overlap). Both fits start from k-means++ with the same
 * seed; full k-means runs to its default tolerance. Both inertias are the
 * models' (every row assigned to its nearest final centroid).
 */
#include "benchutil.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int fail(int rc)
{
    fprintf(stderr, "bench_minibatch: %s: %s\n", seg_strerror(rc), seg_last_error());
    return 1;
}

int main(int argc, char **argv)
{
    const size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
    const size_t d = argc > 2 ? strtoull(argv[2], NULL, 10) : 16;
    const size_t k = argc > 3 ? strtoull(argv[3], NULL, 10) : 16;
    const int64_t batch = argc > 4 ? strtoll(argv[4], NULL, 10) : 1024;
    const int64_t threads = argc > 5 ? strtoll(argv[5], NULL, 10) : 1;
    bench_rng = 0x2545F4914F6CDD1DULL;
    double *centre = malloc(k * d * sizeof *centre), *x = malloc(n * d * sizeof *x);
    seg_kmeans *km = NULL;
    seg_minibatch *mb = NULL;
    seg_model *full = NULL, *mini = NULL;
    int rc;
    if (!centre || !x)
        return 1;
    for (size_t i = 0; i < k * d; i++)
        centre[i] = 8 * uniform() - 4;
    for (size_t i = 0; i < n; i++) {
        const size_t b = (size_t)(uniform() * (double)k);
        for (size_t j = 0; j < d; j++)
            x[i * d + j] = centre[b * d + j] + normal();
    }
    if ((rc = seg_kmeans_new(&km)) < 0 || (rc = seg_kmeans_set_int(km, SEG_KMEANS_K, (int64_t)k)) < 0 ||
        (rc = seg_kmeans_set_int(km, SEG_KMEANS_THREADS, threads)) < 0 ||
        (rc = seg_minibatch_new(&mb)) < 0 ||
        (rc = seg_minibatch_set_int(mb, SEG_MINIBATCH_K, (int64_t)k)) < 0 ||
        (rc = seg_minibatch_set_int(mb, SEG_MINIBATCH_BATCH_SIZE, batch)) < 0)
        return fail(rc);
    double t0 = now();
    if ((rc = seg_minibatch_fit_f64(mb, x, n, d, NULL, &mini)) < 0)
        return fail(rc);
    const double t_mini = now() - t0;
    t0 = now();
    if ((rc = seg_kmeans_fit_f64(km, x, n, d, NULL, NULL, &full)) < 0)
        return fail(rc);
    const double t_full = now() - t0;
    const double i_full = seg_model_inertia(full), i_mini = seg_model_inertia(mini);
    printf("n = %zu, d = %zu, k = %zu, batch = %lld, threads = %lld\n", n, d, k,
           (long long)batch, (long long)threads);
    printf("full k-means: %8.3f s, %lld iterations, inertia %.6g\n", t_full,
           (long long)seg_model_iterations(full), i_full);
    printf("mini-batch  : %8.3f s, %lld steps, inertia %.6g\n", t_mini,
           (long long)seg_model_iterations(mini), i_mini);
    printf("inertia ratio mini/full = %.4f (target <= 1.02); speed ratio full/mini = %.1fx "
           "(target >= 10 at n = 10^7)\n",
           i_mini / i_full, t_full / t_mini);
    seg_model_free(full);
    seg_model_free(mini);
    seg_kmeans_free(km);
    seg_minibatch_free(mb);
    free(centre);
    free(x);
    return 0;
}
