/*
 * Fit segments on one CSV file and score the customers of another through the
 * same scaler: the pattern of a service that scores new customers.
 */
#include <seg.h>
#include <stdio.h>
#include <stdlib.h>

static int fail(int rc)
{
    fprintf(stderr, "error: %s: %s\n", seg_strerror(rc), seg_last_error());
    return 1;
}

int main(int argc, char **argv)
{
    seg_dataset *train = NULL, *fresh = NULL;
    seg_scaler *sc = NULL;
    seg_kmeans *km = NULL;
    seg_model *m = NULL;
    seg_predictor *p = NULL;
    int32_t *labels = NULL;
    double *dist = NULL;
    int rc, status = 1;

    if (argc < 3) {
        fprintf(stderr, "usage: %s TRAIN.csv NEW.csv\n", argv[0]);
        return 2;
    }
    if ((rc = seg_dataset_read_csv(&train, argv[1], NULL)) < 0 ||
        (rc = seg_dataset_read_csv(&fresh, argv[2], NULL)) < 0 ||
        (rc = seg_scaler_new(&sc)) < 0 || (rc = seg_scaler_fit(sc, train)) < 0 ||
        (rc = seg_kmeans_new(&km)) < 0 || (rc = seg_kmeans_set_int(km, SEG_KMEANS_K, 4)) < 0 ||
        (rc = seg_kmeans_fit_dataset(km, train, sc, NULL, &m)) < 0 ||
        (rc = seg_predictor_new(&p, m)) < 0) {
        status = fail(rc);
        goto out;
    }
    size_t n = seg_dataset_rows(fresh);
    labels = malloc(n * sizeof *labels);
    dist = malloc(n * sizeof *dist);
    if (!labels || !dist)
        goto out;
    if ((rc = seg_predictor_run_dataset(p, fresh, labels, dist)) < 0) {
        status = fail(rc);
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        printf("%zu,%d,%.6f\n", i + 1, (int)labels[i], dist[i]);
    status = 0;
out:
    free(labels);
    free(dist);
    seg_predictor_free(p);
    seg_model_free(m);
    seg_kmeans_free(km);
    seg_scaler_free(sc);
    seg_dataset_free(fresh);
    seg_dataset_free(train);
    return status;
}
