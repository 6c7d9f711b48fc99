/*
 * The thread rules of seg.h, exercised under ThreadSanitizer
 * (tests/tsan_test.sh builds this and the library with -fsanitize=thread):
 *
 *  - 8 threads predict at once with one shared fitted model, each through
 *    its own predictor, on matrices (f32 and f64) and on a shared dataset
 *    through the model's scaler copy;
 *  - the same 8 threads transform the shared dataset with one shared
 *    fitted scaler, and make failing calls (per-thread error detail);
 *  - 4 threads fit at once, each with its own k-means object, on the same
 *    shared input, two of them through one shared caller allocator.
 *
 * Every thread checks its results against those computed beforehand on
 * the main thread, so the test also fails on wrong answers, not only on
 * races.
 */
#include "seg.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 1500
#define D 6
#define K 5
#define PREDICT_THREADS 8
#define FIT_THREADS 4

static double x64[N * D];
static float x32[N * D];
static seg_dataset *ds;
static seg_scaler *sc;
static seg_model *model;    /* fitted on the raw matrix */
static seg_model *ds_model; /* fitted through the scaler */
static int32_t ref_labels[N], ref_labels32[N], ref_ds_labels[N];
static double ref_dist[N];
static double ref_features[N * D];
static double ref_centroids[K * D];
static double ref_inertia;
static seg_allocator *shared_alloc;

static void *counted_alloc(void *user, size_t size)
{
    (void)user;
    return malloc(size);
}

static void counted_free(void *user, void *p)
{
    (void)user;
    free(p);
}

static void make_data(void)
{
    uint64_t s = 12345;
    for (size_t i = 0; i < N; i++) {
        size_t blob = i % K;
        for (size_t j = 0; j < D; j++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            double u = (double)(s >> 11) * 0x1.0p-53 - 0.5;
            x64[i * D + j] = 10.0 * (double)blob * (j % 2 ? 1 : -1) + u;
            x32[i * D + j] = (float)x64[i * D + j];
        }
    }
}

static int fit_one(seg_kmeans *km, const double *x, seg_model **out)
{
    int rc;
    if ((rc = seg_kmeans_set_int(km, SEG_KMEANS_K, K)) < 0 ||
        (rc = seg_kmeans_set_int(km, SEG_KMEANS_SEED, 7)) < 0 ||
        (rc = seg_kmeans_set_int(km, SEG_KMEANS_N_INIT, 2)) < 0)
        return rc;
    return seg_kmeans_fit_f64(km, x, N, D, NULL, NULL, out);
}

static void *predict_worker(void *arg)
{
    long id = (long)(intptr_t)arg;
    long bad = 0;
    seg_predictor *p = NULL, *pds = NULL;
    int32_t *labels = malloc(N * sizeof *labels);
    double *dist = malloc(N * sizeof *dist);
    double *features = malloc(N * D * sizeof *features);
    if (!labels || !dist || !features || seg_predictor_new(&p, model) < 0 ||
        seg_predictor_new(&pds, ds_model) < 0) {
        bad++;
        goto done;
    }
    for (int round = 0; round < 3; round++) {
        if (seg_predictor_run_f64(p, x64, N, D, labels, dist) < 0 ||
            memcmp(labels, ref_labels, sizeof ref_labels) != 0 ||
            memcmp(dist, ref_dist, sizeof ref_dist) != 0)
            bad++;
        if (seg_predictor_run_f32(p, x32, N, D, labels, NULL) < 0 ||
            memcmp(labels, ref_labels32, sizeof ref_labels32) != 0)
            bad++;
        if (seg_predictor_run_dataset(pds, ds, labels, NULL) < 0 ||
            memcmp(labels, ref_ds_labels, sizeof ref_ds_labels) != 0)
            bad++;
        if (seg_scaler_transform_f64(sc, ds, features, N * D) < 0 ||
            memcmp(features, ref_features, sizeof ref_features) != 0)
            bad++;
        /* A failure: its detail is this thread's alone. */
        if (seg_predictor_run_f64(p, x64, 1, D + 1 + (size_t)id, labels, NULL) != SEG_ERR_MISMATCH)
            bad++;
        char expect[32];
        snprintf(expect, sizeof expect, "%ld", (long)(D + 1 + id));
        if (!strstr(seg_last_error(), expect))
            bad++;
    }
done:
    seg_predictor_free(p);
    seg_predictor_free(pds);
    free(labels);
    free(dist);
    free(features);
    return (void *)(intptr_t)bad;
}

static void *fit_worker(void *arg)
{
    long id = (long)(intptr_t)arg;
    long bad = 0;
    seg_kmeans *km = NULL;
    seg_model *m = NULL;
    double c[K * D];
    int rc = id % 2 ? seg_kmeans_new_with_allocator(&km, shared_alloc) : seg_kmeans_new(&km);
    if (rc < 0 || fit_one(km, x64, &m) < 0 || seg_model_centroids_f64(m, c, K * D) < 0)
        bad++;
    else if (memcmp(c, ref_centroids, sizeof c) != 0 || seg_model_inertia(m) != ref_inertia)
        bad++;
    seg_model_free(m);
    seg_kmeans_free(km);
    return (void *)(intptr_t)bad;
}

static int run(void *(*fn)(void *), int threads, const char *what)
{
    pthread_t t[PREDICT_THREADS];
    long bad = 0;
    for (long i = 0; i < threads; i++)
        if (pthread_create(&t[i], NULL, fn, (void *)(intptr_t)i) != 0)
            return 1;
    for (int i = 0; i < threads; i++) {
        void *r;
        pthread_join(t[i], &r);
        bad += (long)(intptr_t)r;
    }
    if (bad)
        printf("FAIL: %s: %ld wrong results\n", what, bad);
    else
        printf("ok: %s\n", what);
    return bad != 0;
}

int main(void)
{
    seg_kmeans *km = NULL;
    seg_predictor *p = NULL;
    int failed = 0;
    make_data();
    if (seg_dataset_from_f64(&ds, x64, N, D, NULL) < 0 || seg_scaler_new(&sc) < 0 ||
        seg_scaler_fit(sc, ds) < 0 || seg_kmeans_new(&km) < 0 || fit_one(km, x64, &model) < 0 ||
        seg_kmeans_fit_dataset(km, ds, sc, NULL, &ds_model) < 0 ||
        seg_predictor_new(&p, model) < 0 ||
        seg_predictor_run_f64(p, x64, N, D, ref_labels, ref_dist) < 0 ||
        seg_predictor_run_f32(p, x32, N, D, ref_labels32, NULL) < 0 ||
        seg_model_centroids_f64(model, ref_centroids, K * D) < 0 ||
        seg_scaler_transform_f64(sc, ds, ref_features, N * D) < 0 ||
        seg_allocator_new(&shared_alloc, counted_alloc, counted_free, NULL) < 0) {
        printf("FAIL: setup: %s\n0 passed, 1 failed\n", seg_last_error());
        return 1;
    }
    ref_inertia = seg_model_inertia(model);
    seg_predictor_free(p);
    p = NULL;
    if (seg_predictor_new(&p, ds_model) < 0 ||
        seg_predictor_run_dataset(p, ds, ref_ds_labels, NULL) < 0) {
        printf("FAIL: setup: %s\n0 passed, 1 failed\n", seg_last_error());
        return 1;
    }
    seg_predictor_free(p);

    failed += run(predict_worker, PREDICT_THREADS, "8 threads predict with one shared model");
    failed += run(fit_worker, FIT_THREADS, "4 concurrent fits on separate objects");

    seg_allocator_free(shared_alloc);
    seg_model_free(model);
    seg_model_free(ds_model);
    seg_kmeans_free(km);
    seg_scaler_free(sc);
    seg_dataset_free(ds);
    printf("%d passed, %d failed\n", 2 - failed, failed);
    return failed != 0;
}
