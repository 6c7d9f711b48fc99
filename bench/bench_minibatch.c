/*
 * Mini-batch k-means against full k-means (the library's default fit) on the
 * same rows, in the same run: inertia ratio (target <= 1.02) and speed
 * ratio (target >= 10 at n = 10 million).
 *
 * Usage: bench_minibatch [N [D [K [BATCH [THREADS [DATA_SEED]]]]]]
 *        (default 1000000 16 16 1024 1 0)
 *
 * Rows are K Gaussian blobs (unit spread, centres uniform in [-4, 4]^D, so
 * neighbouring blobs can overlap); DATA_SEED picks the data set. Full
 * k-means runs with its defaults (k-means++, one start, seed 0, default
 * tolerance) on the doubles; mini-batch runs with its defaults (seed 0)
 * on the doubles (f64) and on a float copy of them (f32; the copy is not
 * timed: a caller with float data has it); full k-means runs on the float
 * copy too, for the same-precision ratio. Every inertia is the model's:
 * each row assigned to its nearest final centroid. Last, Lloyd iterations
 * started from the f64 mini-batch centroids (not timed) give the local
 * optimum the mini-batch fit was heading for: mini / that is what stopping
 * early and batch noise cost, apart from where the start landed.
 */
#include "benchutil.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

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
    const uint64_t data_seed = argc > 6 ? strtoull(argv[6], NULL, 10) : 0;
    bench_rng = 0x2545F4914F6CDD1DULL + data_seed * 0x9E3779B97F4A7C15ULL; /* 0: last session's data */
    double *centre = malloc(k * d * sizeof *centre), *x = malloc(n * d * sizeof *x);
    float *xf = malloc(n * d * sizeof *xf);
    seg_kmeans *km = NULL;
    seg_minibatch *mb = NULL;
    seg_model *full = NULL, *mini = NULL, *mini32 = NULL;
    int rc;
    if (!centre || !x || !xf)
        return 1;
    for (size_t i = 0; i < k * d; i++)
        centre[i] = 8 * uniform() - 4;
    for (size_t i = 0; i < n; i++) {
        const size_t b = (size_t)(uniform() * (double)k);
        for (size_t j = 0; j < d; j++)
            x[i * d + j] = centre[b * d + j] + normal();
    }
    for (size_t i = 0; i < n * d; i++)
        xf[i] = (float)x[i];
    if ((rc = seg_kmeans_new(&km)) < 0 ||
        (rc = seg_kmeans_set_int(km, SEG_KMEANS_K, (int64_t)k)) < 0 ||
        (rc = seg_kmeans_set_int(km, SEG_KMEANS_THREADS, threads)) < 0 ||
        (rc = seg_minibatch_new(&mb)) < 0 ||
        (rc = seg_minibatch_set_int(mb, SEG_MINIBATCH_K, (int64_t)k)) < 0 ||
        (rc = seg_minibatch_set_int(mb, SEG_MINIBATCH_BATCH_SIZE, batch)) < 0 ||
        (rc = seg_minibatch_set_int(mb, SEG_MINIBATCH_THREADS, threads)) < 0)
        return fail(rc);
    double t0 = now();
    if ((rc = seg_minibatch_fit_f64(mb, x, n, d, NULL, &mini)) < 0)
        return fail(rc);
    const double t_mini = now() - t0;
    t0 = now();
    if ((rc = seg_minibatch_fit_f32(mb, xf, n, d, NULL, &mini32)) < 0)
        return fail(rc);
    const double t_mini32 = now() - t0;
    t0 = now();
    if ((rc = seg_kmeans_fit_f64(km, x, n, d, NULL, NULL, &full)) < 0)
        return fail(rc);
    const double t_full = now() - t0;
    seg_model *full32 = NULL;
    t0 = now();
    if ((rc = seg_kmeans_fit_f32(km, xf, n, d, NULL, NULL, &full32)) < 0)
        return fail(rc);
    const double t_full32 = now() - t0;
    double *cm = malloc(k * d * sizeof *cm);
    seg_model *polish = NULL;
    if (!cm)
        return 1;
    if ((rc = seg_model_centroids_f64(mini, cm, k * d)) < 0 ||
        (rc = seg_kmeans_set_init_centroids_f64(km, cm, k, d)) < 0 ||
        (rc = seg_kmeans_fit_f64(km, x, n, d, NULL, NULL, &polish)) < 0)
        return fail(rc);
    const double i_full = seg_model_inertia(full), i_mini = seg_model_inertia(mini),
                 i_mini32 = seg_model_inertia(mini32), i_polish = seg_model_inertia(polish);
    printf("n = %zu, d = %zu, k = %zu, batch = %lld, threads = %lld, data seed %llu\n", n, d, k,
           (long long)batch, (long long)threads, (unsigned long long)data_seed);
    printf("full k-means   : %8.3f s, %lld iterations, inertia %.6g\n", t_full,
           (long long)seg_model_iterations(full), i_full);
    printf("full k-means f32: %7.3f s, %lld iterations, inertia %.6g\n", t_full32,
           (long long)seg_model_iterations(full32), seg_model_inertia(full32));
    printf("mini-batch f64 : %8.3f s, %lld steps, inertia %.6g\n", t_mini,
           (long long)seg_model_iterations(mini), i_mini);
    printf("mini-batch f32 : %8.3f s, %lld steps, inertia %.6g\n", t_mini32,
           (long long)seg_model_iterations(mini32), i_mini32);
    printf("f64: inertia mini/full = %.4f (target <= 1.02); speed full/mini = %.1fx\n",
           i_mini / i_full, t_full / t_mini);
    printf("f32: inertia mini/full = %.4f (target <= 1.02); speed full/mini = %.1fx, "
           "full f32/mini f32 = %.1fx (target >= 10 at n = 10^7)\n",
           i_mini32 / i_full, t_full / t_mini32, t_full32 / t_mini32);
    printf("f64: inertia mini / Lloyd from mini's centroids (%lld iterations) = %.5f\n",
           (long long)seg_model_iterations(polish), i_mini / i_polish);
    seg_model_free(polish);
    free(cm);
    seg_model_free(full);
    seg_model_free(full32);
    seg_model_free(mini);
    seg_model_free(mini32);
    seg_kmeans_free(km);
    seg_minibatch_free(mb);
    free(centre);
    free(x);
    free(xf);
    return 0;
}
