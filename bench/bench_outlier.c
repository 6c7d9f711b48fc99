/*
 * Outlier flags on data with injected anomalies: precision and recall of
 * seg_model_outlier_scores() at several thresholds.
 *
 * Usage: bench_outlier [N [D [K]]]   (default 100000 16 8)
 *
 * Customers are K Gaussian blobs in D dimensions (unit spread, centres drawn
 * uniformly in [-10, 10]^D). The model is fitted with k = K on N clean rows.
 * The scored set is N fresh clean rows plus N / 100 anomalies of two kinds,
 * half each: "gross" rows whose deviation from their blob's centre is scaled
 * by 2 (distance ~ 2 sqrt(D)), and "subtle" rows scaled by 1.35 (just past
 * the clean rows' 99.5th percentile for D = 16). A flagged clean row is a
 * false positive; precision = flagged anomalies / flagged rows, recall =
 * flagged anomalies / anomalies (per kind and overall).
 */
#include "benchutil.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Row i of blob i % k, its deviation from the centre scaled by s. */
static void rows(double *x, size_t n, size_t d, size_t k, const double *centre, double s)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++)
            x[i * d + j] = centre[(i % k) * d + j] + s * normal();
}

int main(int argc, char **argv)
{
    const size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 100000;
    const size_t d = argc > 2 ? strtoull(argv[2], NULL, 10) : 16;
    const size_t k = argc > 3 ? strtoull(argv[3], NULL, 10) : 8;
    const size_t na = n / 100, half = na / 2, total = n + na;
    double *centre = malloc(k * d * sizeof *centre), *train = malloc(n * d * sizeof *train);
    double *test = malloc(total * d * sizeof *test), *dist = malloc(total * sizeof *dist);
    int32_t *lab = malloc(total * sizeof *lab);
    uint8_t *flag = malloc(total);
    seg_model *m = NULL;
    seg_predictor *p = NULL;
    if (!centre || !train || !test || !dist || !lab || !flag || n < 200)
        return 1;
    for (size_t i = 0; i < k * d; i++)
        centre[i] = 20 * uniform() - 10;
    rows(train, n, d, k, centre, 1);
    rows(test, n, d, k, centre, 1);
    rows(test + n * d, half, d, k, centre, 2);
    rows(test + (n + half) * d, na - half, d, k, centre, 1.35);

    fit_and_predictor(train, n, d, k, &m, &p);
    int rc = seg_predictor_run_f64(p, test, total, d, lab, dist);
    if (rc < 0) {
        fprintf(stderr, "bench_outlier: %s: %s\n", seg_strerror(rc), seg_last_error());
        return 1;
    }
    printf("n = %zu clean + %zu anomalies (%zu gross x2, %zu subtle x1.35), d = %zu, k = %zu\n",
           n, na, half, na - half, d, k);
    printf("%9s %10s %9s %9s %12s %13s\n", "threshold", "flag rate", "precision", "recall",
           "recall gross", "recall subtle");
    const double th[] = {0.99, 0.995, 0.999};
    for (size_t t = 0; t < 3; t++) {
        if (seg_model_outlier_scores(m, lab, dist, total, th[t], NULL, flag) < 0)
            return 1;
        size_t fp = 0, gross = 0, subtle = 0;
        for (size_t i = 0; i < n; i++)
            fp += flag[i];
        for (size_t i = n; i < n + half; i++)
            gross += flag[i];
        for (size_t i = n + half; i < total; i++)
            subtle += flag[i];
        const size_t tp = gross + subtle;
        printf("%9.3f %10.5f %9.3f %9.3f %12.3f %13.3f\n", th[t], (double)fp / (double)n,
               tp + fp ? (double)tp / (double)(tp + fp) : NAN, (double)tp / (double)na,
               (double)gross / (double)half, (double)subtle / (double)(na - half));
    }
    seg_predictor_free(p);
    seg_model_free(m);
    free(centre);
    free(train);
    free(test);
    free(dist);
    free(lab);
    free(flag);
    return 0;
}
