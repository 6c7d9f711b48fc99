/*
 * Per-record latency of predict (one row at a time, as a real-time service
 * scores), with its outlier score and flag, at d = 32 and k = 16 (target
 * < 5 microseconds), against the per-row cost of scoring the same rows in
 * one batch call in the same run.
 *
 * Usage: bench_stream [RECORDS [D [K]]]   (default 200000 32 16)
 */
#include "benchutil.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int cmp(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    const size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 200000;
    const size_t d = argc > 2 ? strtoull(argv[2], NULL, 10) : 32;
    const size_t k = argc > 3 ? strtoull(argv[3], NULL, 10) : 16;
    const size_t ntrain = 20000;
    double *x = malloc(n * d * sizeof *x), *train = malloc(ntrain * d * sizeof *train);
    double *dist = malloc(n * sizeof *dist), *lat = malloc(n * sizeof *lat);
    int32_t *lab = malloc(n * sizeof *lab);
    uint64_t s = 7;
    seg_model *m = NULL;
    seg_predictor *p = NULL;
    if (!x || !train || !dist || !lat || !lab)
        return 1;
    for (size_t i = 0; i < n * d; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        x[i] = (double)(s >> 11) * 0x1.0p-53 + (double)((i / d) % k);
    }
    for (size_t i = 0; i < ntrain * d; i++)
        train[i] = x[i % (n * d)];
    fit_and_predictor(train, ntrain < n ? ntrain : n, d, k, &m, &p);
    /* Warm-up: the predictor's scratch is allocated on its first call. */
    seg_predictor_run_f64(p, x, 1, d, lab, dist);
    double total = 0;
    size_t flagged = 0;
    for (size_t i = 0; i < n; i++) {
        double score;
        uint8_t flag;
        const double t0 = now();
        seg_predictor_run_f64(p, x + i * d, 1, d, lab + i, dist + i);
        seg_model_outlier_scores(m, lab + i, dist + i, 1, SEG_OUTLIER_THRESHOLD_DEFAULT, &score,
                                 &flag);
        lat[i] = now() - t0;
        total += lat[i];
        flagged += flag;
    }
    qsort(lat, n, sizeof *lat, cmp);
    const double t0 = now();
    seg_predictor_run_f64(p, x, n, d, lab, dist);
    const double batch = (now() - t0) / (double)n;
    printf("d = %zu, k = %zu, %zu records one at a time (predict + outlier score + flag):\n", d,
           k, n);
    printf("  mean %.3f us, median %.3f us, p99 %.3f us, max %.3f us (target < 5 us: %s)\n",
           1e6 * total / (double)n, 1e6 * lat[n / 2], 1e6 * lat[n * 99 / 100], 1e6 * lat[n - 1],
           1e6 * lat[n / 2] < 5 ? "met" : "NOT met");
    printf("  same rows in one batch call: %.3f us per row; one-at-a-time / batch = %.1fx\n",
           1e6 * batch, total / (double)n / batch);
    printf("  (%zu flagged)\n", flagged);
    seg_predictor_free(p);
    seg_model_free(m);
    free(x);
    free(train);
    free(dist);
    free(lat);
    free(lab);
    return 0;
}
