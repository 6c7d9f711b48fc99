/*
 * K-means: recovery, exact values against independent computations,
 * determinism, precision agreement, weights, empty segments, error paths.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "cluster/kmeans.h"
#include "testutil.h"

static seg_kmeans *new_km(int64_t k, int64_t init, int64_t seed)
{
    seg_kmeans *km = NULL;
    assert_int_equal(seg_kmeans_new(&km), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_K, k), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_INIT, init), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_SEED, seed), SEG_OK);
    return km;
}

/* Four blobs 20 units apart with unit spread: every init must find them. */
static void test_blobs_recovered(void **state)
{
    (void)state;
    const size_t n = 400, d = 3, k = 4;
    double *x = malloc(n * d * sizeof *x);
    float *xf = malloc(n * d * sizeof *xf);
    int32_t truth[400], labels[400];
    tu_blobs(x, truth, n, d, k, 7);
    for (size_t i = 0; i < n * d; i++)
        xf[i] = (float)x[i];
    for (int64_t init = SEG_INIT_KMEANSPP; init <= SEG_INIT_RANDOM; init++) {
        for (int f32 = 0; f32 <= 1; f32++) {
            seg_kmeans *km = new_km((int64_t)k, init, 3);
            /* Random starts can put two centroids in one blob: restarts fix that. */
            assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_N_INIT, 10), SEG_OK);
            seg_model *m = NULL;
            int rc = f32 ? seg_kmeans_fit_f32(km, xf, n, d, NULL, labels, &m)
                         : seg_kmeans_fit_f64(km, x, n, d, NULL, labels, &m);
            assert_int_equal(rc, SEG_OK);
            assert_true(tu_ari(truth, labels, n, k, k) == 1.0);
            assert_int_equal(seg_model_k(m), k);
            for (size_t j = 0; j < k; j++)
                assert_int_equal(seg_model_segment_size(m, j), 100);
            assert_true(seg_model_converged(m));
            seg_model_free(m);
            seg_kmeans_free(km);
        }
    }
    free(x);
    free(xf);
}

/* {0,1,2} and {10,11,12} on a line: centroids 1 and 11, inertia 2 + 2 = 4. */
static void test_hand_computed_inertia(void **state)
{
    (void)state;
    const double x[] = {0, 10, 1, 11, 2, 12};
    int32_t labels[6];
    double c[2];
    seg_kmeans *km = new_km(2, SEG_INIT_KMEANSPP, 0);
    seg_model *m = NULL;
    assert_int_equal(seg_kmeans_fit_f64(km, x, 6, 1, NULL, labels, &m), SEG_OK);
    assert_float_equal(seg_model_inertia(m), 4.0, 1e-12);
    assert_int_equal(seg_model_centroids_f64(m, c, 2), SEG_OK);
    /* Equal sizes: the tie is broken by coordinates, so segment 0 is the lower one. */
    assert_float_equal(c[0], 1.0, 1e-12);
    assert_float_equal(c[1], 11.0, 1e-12);
    assert_int_equal(labels[0], 0);
    assert_int_equal(labels[1], 1);
    assert_int_equal(labels[4], 0);
    seg_model_free(m);
    seg_kmeans_free(km);
}

/* From the same start, the library and a plain-loop Lloyd agree. */
static void test_matches_reference_lloyd(void **state)
{
    (void)state;
    const size_t n = 2000, d = 5, k = 6;
    double *x = malloc(n * d * sizeof *x), *w = malloc(n * sizeof *w);
    double c0[30], cref[30], c[30];
    int32_t *lab = malloc(n * sizeof *lab), *ref = malloc(n * sizeof *ref);
    uint64_t s = 11;
    for (size_t i = 0; i < n * d; i++)
        x[i] = tu_normal(&s) + (i % 7 == 0 ? 3 : 0);
    for (size_t i = 0; i < n; i++)
        w[i] = 0.5 + tu_uniform(&s);
    for (int weighted = 0; weighted <= 1; weighted++) {
        for (size_t j = 0; j < k * d; j++)
            c0[j] = x[(j / d) * 37 * d + j % d];
        memcpy(cref, c0, sizeof c0);
        double inertia = tu_lloyd(x, weighted ? w : NULL, n, d, k, cref, ref, 1000);
        seg_kmeans *km = new_km((int64_t)k, SEG_INIT_KMEANSPP, 0);
        assert_int_equal(seg_kmeans_set_init_centroids_f64(km, c0, k, d), SEG_OK);
        assert_int_equal(seg_kmeans_set_double(km, SEG_KMEANS_TOL, 0.0), SEG_OK);
        assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_MAX_ITER, 1000), SEG_OK);
        seg_model *m = NULL;
        assert_int_equal(seg_kmeans_fit_f64(km, x, n, d, weighted ? w : NULL, lab, &m), SEG_OK);
        assert_true(fabs(seg_model_inertia(m) - inertia) <= 1e-9 * inertia);
        assert_int_equal(seg_model_centroids_f64(m, c, k * d), SEG_OK);
        /* Same partition, possibly renumbered: the ARI is 1 and each library
         * centroid equals the reference centroid of the same rows. */
        assert_true(tu_ari(ref, lab, n, k, k) == 1.0);
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < d; j++)
                assert_float_equal(c[(size_t)lab[i] * d + j], cref[(size_t)ref[i] * d + j], 1e-9);
        seg_model_free(m);
        seg_kmeans_free(km);
    }
    free(x);
    free(w);
    free(lab);
    free(ref);
}

static void fit_with_threads(const double *x, size_t n, size_t d, int64_t threads, int32_t *lab,
                             double *c, double *inertia)
{
    seg_kmeans *km = new_km(9, SEG_INIT_KMEANSPP, 42);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_THREADS, threads), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_N_INIT, 3), SEG_OK);
    seg_model *m = NULL;
    assert_int_equal(seg_kmeans_fit_f64(km, x, n, d, NULL, lab, &m), SEG_OK);
    assert_int_equal(seg_model_centroids_f64(m, c, 9 * d), SEG_OK);
    *inertia = seg_model_inertia(m);
    seg_model_free(m);
    seg_kmeans_free(km);
}

/* Same data, seed and settings: bit-identical results for 1, 2 and 4 threads. */
static void test_deterministic_across_threads(void **state)
{
    (void)state;
    const size_t n = 60000, d = 4; /* enough rows for many partitions */
    double *x = malloc(n * d * sizeof *x);
    int32_t *l1 = malloc(n * sizeof *l1), *l2 = malloc(n * sizeof *l2);
    double c1[36], c2[36], i1, i2;
    uint64_t s = 5;
    for (size_t i = 0; i < n * d; i++)
        x[i] = tu_normal(&s) * (1 + (double)(i % 3));
    fit_with_threads(x, n, d, 1, l1, c1, &i1);
    const int64_t others[] = {2, 4, 1};
    for (size_t t = 0; t < 3; t++) {
        fit_with_threads(x, n, d, others[t], l2, c2, &i2);
        assert_memory_equal(l1, l2, n * sizeof *l1);
        assert_memory_equal(c1, c2, sizeof c1);
        assert_memory_equal(&i1, &i2, sizeof i1);
    }
    free(x);
    free(l1);
    free(l2);
}

/* The float path agrees with the double path. */
static void test_f32_matches_f64(void **state)
{
    (void)state;
    const size_t n = 3000, d = 6, k = 5;
    double *x = malloc(n * d * sizeof *x);
    float *xf = malloc(n * d * sizeof *xf);
    int32_t *l64 = malloc(n * sizeof *l64), *l32 = malloc(n * sizeof *l32), *truth = malloc(n * 4);
    tu_blobs(x, truth, n, d, k, 99);
    for (size_t i = 0; i < n * d; i++)
        xf[i] = (float)x[i];
    seg_kmeans *km = new_km((int64_t)k, SEG_INIT_KMEANSPP, 1);
    seg_model *a = NULL, *b = NULL;
    assert_int_equal(seg_kmeans_fit_f64(km, x, n, d, NULL, l64, &a), SEG_OK);
    assert_int_equal(seg_kmeans_fit_f32(km, xf, n, d, NULL, l32, &b), SEG_OK);
    assert_true(fabs(seg_model_inertia(a) - seg_model_inertia(b)) <= 1e-4 * seg_model_inertia(a));
    assert_memory_equal(l64, l32, n * sizeof *l64);
    double ca[30], cb[30];
    seg_model_centroids_f64(a, ca, 30);
    seg_model_centroids_f64(b, cb, 30);
    for (size_t i = 0; i < k * d; i++)
        assert_float_equal(ca[i], cb[i], 1e-4);
    seg_model_free(a);
    seg_model_free(b);
    seg_kmeans_free(km);
    free(x);
    free(xf);
    free(l64);
    free(l32);
    free(truth);
}

/* A weight of 2 is the same as the row appearing twice. */
static void test_weight_equals_duplicate(void **state)
{
    (void)state;
    const double x[] = {0, 0, 1, 0, 0, 1, 9, 9, 10, 9, 9, 10, 5, 5};
    double xd[16];
    const double w[] = {1, 1, 1, 1, 1, 1, 2};
    memcpy(xd, x, sizeof x);
    xd[14] = 5;
    xd[15] = 5;
    const double c0[] = {0, 0, 10, 10};
    seg_kmeans *km = new_km(2, SEG_INIT_KMEANSPP, 0);
    assert_int_equal(seg_kmeans_set_init_centroids_f64(km, c0, 2, 2), SEG_OK);
    seg_model *a = NULL, *b = NULL;
    assert_int_equal(seg_kmeans_fit_f64(km, x, 7, 2, w, NULL, &a), SEG_OK);
    assert_int_equal(seg_kmeans_fit_f64(km, xd, 8, 2, NULL, NULL, &b), SEG_OK);
    assert_float_equal(seg_model_inertia(a), seg_model_inertia(b), 1e-12);
    double ca[4], cb[4];
    seg_model_centroids_f64(a, ca, 4);
    seg_model_centroids_f64(b, cb, 4);
    for (int i = 0; i < 4; i++)
        assert_float_equal(ca[i], cb[i], 1e-12);
    assert_float_equal(seg_model_segment_weight(a, 0) + seg_model_segment_weight(a, 1), 8, 0);
    assert_int_equal(seg_model_segment_size(a, 0) + seg_model_segment_size(a, 1), 7);
    seg_model_free(a);
    seg_model_free(b);
    seg_kmeans_free(km);
}

/* A start centroid far from every row leaves a segment empty: it is re-seeded. */
static void test_empty_segment_reseeded(void **state)
{
    (void)state;
    const double x[] = {0, 1, 2, 3, 20, 21, 22, 23, 50};
    const double c0[] = {1.5, 21.5, 1000};
    int32_t labels[9];
    seg_kmeans *km = new_km(3, SEG_INIT_KMEANSPP, 0);
    assert_int_equal(seg_kmeans_set_init_centroids_f64(km, c0, 3, 1), SEG_OK);
    seg_model *m = NULL;
    assert_int_equal(seg_kmeans_fit_f64(km, x, 9, 1, NULL, labels, &m), SEG_OK);
    assert_int_equal(seg_model_k(m), 3);
    size_t total = 0;
    for (size_t j = 0; j < 3; j++) {
        assert_true(seg_model_segment_size(m, j) > 0);
        total += seg_model_segment_size(m, j);
    }
    assert_int_equal(total, 9);
    /* The farthest row (50) took the empty segment; the others stay in two groups. */
    assert_int_equal(seg_model_segment_size(m, 2), 1);
    assert_int_equal(labels[8], 2);
    seg_model_free(m);
    seg_kmeans_free(km);
}

/*
 * A fit of one run that is asked for no distances keeps Lloyd's distances a
 * block at a time and its labels in the caller's array; one asked for them
 * keeps every row's distance in an array of its own. Both must give the
 * same model and labels, bit for bit, also when empty segments are
 * re-seeded (which needs every row's distance: the pass is made again).
 */
static void test_one_run_without_distances(void **state)
{
    (void)state;
    const size_t n = 3000, d = 4, k = 7;
    float *x = malloc(n * d * sizeof *x);
    int32_t *la = malloc(n * sizeof *la), *lb = malloc(n * sizeof *lb);
    double *dist = malloc(n * sizeof *dist);
    assert_non_null(x);
    assert_non_null(la);
    assert_non_null(lb);
    assert_non_null(dist);
    uint64_t s = 11;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++)
            x[i * d + j] = (float)((double)(i % 5) * 10 + tu_normal(&s));
    /* five blobs, seven starting centroids: two far away, left empty */
    double c0[7 * 4];
    for (size_t c = 0; c < k; c++)
        for (size_t j = 0; j < d; j++)
            c0[c * d + j] = c < 5 ? (double)x[c * d + j] : 1e4 * (double)(c + j);
    for (int variant = 0; variant < 3; variant++) {
        seg_kmeans *km = new_km((int64_t)k, SEG_INIT_KMEANSPP, 5);
        assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_ALGORITHM, SEG_ALGORITHM_LLOYD),
                         SEG_OK);
        if (variant == 0)
            assert_int_equal(seg_kmeans_set_init_centroids_f64(km, c0, k, d), SEG_OK);
        if (variant == 2)
            assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_THREADS, 2), SEG_OK);
        seg_model *a = NULL, *b = NULL;
        assert_int_equal(seg_kmeans_fit_rows(km, x, true, n, d, NULL, la, NULL, &a), SEG_OK);
        assert_int_equal(seg_kmeans_fit_rows(km, x, true, n, d, NULL, lb, dist, &b), SEG_OK);
        assert_memory_equal(la, lb, n * sizeof *la);
        double ca[7 * 4], cb[7 * 4];
        seg_model_centroids_f64(a, ca, k * d);
        seg_model_centroids_f64(b, cb, k * d);
        assert_memory_equal(ca, cb, sizeof ca);
        const double ia = seg_model_inertia(a), ib = seg_model_inertia(b);
        assert_memory_equal(&ia, &ib, sizeof ia);
        assert_int_equal(seg_model_iterations(a), seg_model_iterations(b));
        for (size_t j = 0; j < k; j++)
            assert_true(seg_model_segment_size(a, j) > 0);
        seg_model_free(a);
        seg_model_free(b);
        seg_kmeans_free(km);
    }
    free(x);
    free(la);
    free(lb);
    free(dist);
}

/* Segment ids follow decreasing size, whatever the start. */
static void test_stable_numbering(void **state)
{
    (void)state;
    const size_t n = 600, d = 2;
    double *x = malloc(n * d * sizeof *x);
    int32_t *la = malloc(n * 4), *lb = malloc(n * 4);
    uint64_t s = 3;
    /* Blobs of 300, 200 and 100 rows. */
    for (size_t i = 0; i < n; i++) {
        double cx = i < 300 ? 0 : i < 500 ? 30 : -30;
        x[i * 2] = cx + tu_normal(&s);
        x[i * 2 + 1] = tu_normal(&s);
    }
    for (uint64_t seed = 0; seed < 2; seed++) {
        seg_kmeans *km = new_km(3, SEG_INIT_KMEANSPP, (int64_t)seed * 1000 + 17);
        seg_model *m = NULL;
        assert_int_equal(seg_kmeans_fit_f64(km, x, n, d, NULL, seed ? lb : la, &m), SEG_OK);
        assert_int_equal(seg_model_segment_size(m, 0), 300);
        assert_int_equal(seg_model_segment_size(m, 1), 200);
        assert_int_equal(seg_model_segment_size(m, 2), 100);
        seg_model_free(m);
        seg_kmeans_free(km);
    }
    assert_memory_equal(la, lb, n * 4);
    free(x);
    free(la);
    free(lb);
}

/* Exactly k segments when k equals the number of distinct rows; an error above. */
static void test_distinct_rows(void **state)
{
    (void)state;
    double x[30];
    for (int i = 0; i < 30; i++)
        x[i] = (double)(i % 3);
    x[3] = -0.0; /* -0 and 0 are the same row */
    x[0] = 0.0;
    seg_kmeans *km = new_km(3, SEG_INIT_RANDOM, 5);
    seg_model *m = NULL;
    assert_int_equal(seg_kmeans_fit_f64(km, x, 30, 1, NULL, NULL, &m), SEG_OK);
    assert_float_equal(seg_model_inertia(m), 0.0, 0);
    seg_model_free(m);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_K, 4), SEG_OK);
    assert_int_equal(seg_kmeans_fit_f64(km, x, 30, 1, NULL, NULL, &m), SEG_ERR_TOO_FEW_POINTS);
    assert_null(m);
    assert_non_null(strstr(seg_last_error(), "3 distinct rows"));
    seg_kmeans_free(km);
}

static void test_max_iter_reported(void **state)
{
    (void)state;
    const size_t n = 500, d = 2;
    double *x = malloc(n * d * sizeof *x);
    uint64_t s = 8;
    for (size_t i = 0; i < n * d; i++)
        x[i] = tu_uniform(&s);
    seg_kmeans *km = new_km(7, SEG_INIT_RANDOM, 0);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_MAX_ITER, 1), SEG_OK);
    seg_model *m = NULL;
    assert_int_equal(seg_kmeans_fit_f64(km, x, n, d, NULL, NULL, &m), SEG_OK);
    assert_int_equal(seg_model_iterations(m), 1);
    assert_false(seg_model_converged(m));
    seg_model_free(m);
    seg_kmeans_free(km);
    free(x);
}

static void test_errors(void **state)
{
    (void)state;
    const double x[] = {0, 1, 2, 3};
    const double bad[] = {0, NAN, 2, 3};
    const double w0[] = {1, 0, 1, 1};
    const double c[] = {0, 0, 1, 1};
    seg_kmeans *km = new_km(2, SEG_INIT_KMEANSPP, 0);
    seg_model *m = (seg_model *)1;
    double lo, hi;

    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_K, 0), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_K, -3), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_TOL, 1), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_kmeans_set_double(km, SEG_KMEANS_TOL, -1), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_kmeans_set_double(km, SEG_KMEANS_TOL, NAN), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_kmeans_set_int(km, (seg_kmeans_param)12345, 1), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_kmeans_param_bounds(SEG_KMEANS_K, &lo, &hi), SEG_OK);
    assert_float_equal(lo, 1, 0);
    assert_int_equal(seg_kmeans_fit_f64(km, x, 4, 1, NULL, NULL, NULL), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_kmeans_fit_f64(km, x, 0, 1, NULL, NULL, &m), SEG_ERR_EMPTY);
    assert_null(m);
    assert_int_equal(seg_kmeans_fit_f64(km, bad, 4, 1, NULL, NULL, &m), SEG_ERR_NONFINITE);
    assert_non_null(strstr(seg_last_error(), "row 2"));
    assert_int_equal(seg_kmeans_fit_f64(km, x, 4, 1, w0, NULL, &m), SEG_ERR_NONFINITE);
    assert_int_equal(seg_kmeans_fit_f64(km, x, SIZE_MAX / 2, 4, NULL, NULL, &m),
                     SEG_ERR_OVERFLOW);
    assert_int_equal(seg_kmeans_set_init_centroids_f64(km, c, 2, 2), SEG_OK);
    assert_int_equal(seg_kmeans_fit_f64(km, x, 4, 1, NULL, NULL, &m), SEG_ERR_MISMATCH);
    assert_int_equal(seg_kmeans_set_init_centroids_f64(km, bad, 2, 2), SEG_ERR_NONFINITE);
    /* k changed after giving 2 centroids: refused, not read past the copy. */
    const double c1[] = {0, 3};
    assert_int_equal(seg_kmeans_set_init_centroids_f64(km, c1, 2, 1), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_K, 3), SEG_OK);
    assert_int_equal(seg_kmeans_fit_f64(km, x, 4, 1, NULL, NULL, &m), SEG_ERR_MISMATCH);
    assert_non_null(strstr(seg_last_error(), "2 initial centroids"));
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_K, 2), SEG_OK);
    assert_int_equal(seg_kmeans_fit_f64(km, x, 4, 1, NULL, NULL, &m), SEG_OK);
    seg_model_free(m);
    seg_kmeans_free(km);
    seg_kmeans_free(NULL);
    seg_model_free(NULL);
}

/* Three groups at any magnitude from 1e-12 to 1e12, mixed across columns, and
 * fully duplicated points: both precisions converge with finite inertia and
 * find the groups. Values whose squares overflow float are refused in f32. */
static void test_extreme_magnitudes(void **state)
{
    (void)state;
    const size_t n = 3000, d = 2;
    const double scales[][2] = {{1e-12, 1e-12}, {1e12, 1e12}, {1e-12, 1e12}, {1, 1}};
    double *x = malloc(n * d * sizeof *x);
    float *xf = malloc(n * d * sizeof *xf);
    int32_t *truth = malloc(n * 4), *lab = malloc(n * 4);
    uint64_t s = 17;
    for (size_t c = 0; c < 4; c++) {
        const bool dup = c == 3;
        for (size_t i = 0; i < n; i++) {
            truth[i] = (int32_t)(i % 3);
            for (size_t j = 0; j < d; j++) {
                double base = (double)(i % 3) + (dup ? 0 : 0.2 * (tu_uniform(&s) - 0.5));
                x[i * d + j] = base * scales[c][j];
                xf[i * d + j] = (float)x[i * d + j];
            }
        }
        for (int f32 = 0; f32 <= 1; f32++) {
            seg_kmeans *km = new_km(3, SEG_INIT_KMEANSPP, 2);
            seg_model *m = NULL;
            int rc = f32 ? seg_kmeans_fit_f32(km, xf, n, d, NULL, lab, &m)
                         : seg_kmeans_fit_f64(km, x, n, d, NULL, lab, &m);
            assert_int_equal(rc, SEG_OK);
            assert_true(isfinite(seg_model_inertia(m)));
            assert_true(seg_model_converged(m));
            assert_true(tu_ari(truth, lab, n, 3, 3) == 1.0);
            if (dup)
                assert_float_equal(seg_model_inertia(m), 0.0, 0);
            seg_model_free(m);
            seg_kmeans_free(km);
        }
    }
    for (size_t i = 0; i < n * d; i++) {
        x[i] = 1e25 * (double)(i % 3 + 1);
        xf[i] = (float)x[i];
    }
    seg_kmeans *km = new_km(3, SEG_INIT_KMEANSPP, 2);
    seg_model *m = NULL;
    assert_int_equal(seg_kmeans_fit_f32(km, xf, n, d, NULL, NULL, &m), SEG_ERR_NONFINITE);
    assert_non_null(strstr(seg_last_error(), "overflows float"));
    assert_int_equal(seg_kmeans_fit_f64(km, x, n, d, NULL, NULL, &m), SEG_OK);
    assert_true(isfinite(seg_model_inertia(m)));
    seg_model_free(m);
    seg_kmeans_free(km);
    free(x);
    free(xf);
    free(truth);
    free(lab);
}

typedef struct progress_log {
    size_t calls, last_done, last_total, stop_at;
    bool monotonic;
} progress_log;

static int log_progress(void *user, size_t done, size_t total)
{
    progress_log *p = user;
    p->monotonic &= done >= p->last_done && done <= total;
    p->last_done = done;
    p->last_total = total;
    return ++p->calls == p->stop_at;
}

/* The fit reports each iteration, ends with done == total, and stops when
 * the callback says so, returning no model. */
static void test_progress_and_cancel(void **state)
{
    (void)state;
    const size_t n = 3000, d = 2;
    double *x = malloc(n * d * sizeof *x);
    uint64_t s = 12;
    for (size_t i = 0; i < n * d; i++)
        x[i] = tu_uniform(&s);
    seg_kmeans *km = new_km(6, SEG_INIT_RANDOM, 3);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_N_INIT, 2), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_MAX_ITER, 50), SEG_OK);
    progress_log p = {0, 0, 0, 0, true};
    assert_int_equal(seg_kmeans_set_progress(km, log_progress, &p), SEG_OK);
    seg_model *m = NULL;
    assert_int_equal(seg_kmeans_fit_f64(km, x, n, d, NULL, NULL, &m), SEG_OK);
    assert_true(p.monotonic);
    assert_int_equal(p.last_total, 100); /* n_init x max_iter */
    assert_int_equal(p.last_done, 100);
    assert_true(p.calls >= 3);
    seg_model_free(m);
    progress_log stop = {0, 0, 0, 2, true};
    assert_int_equal(seg_kmeans_set_progress(km, log_progress, &stop), SEG_OK);
    m = (seg_model *)1;
    assert_int_equal(seg_kmeans_fit_f64(km, x, n, d, NULL, NULL, &m), SEG_ERR_CANCELLED);
    assert_null(m);
    assert_int_equal(stop.calls, 2);
    assert_non_null(strstr(seg_last_error(), "progress callback stopped the fit"));
    assert_int_equal(seg_kmeans_set_progress(NULL, NULL, NULL), SEG_ERR_INVALID_ARG);
    seg_kmeans_free(km);
    free(x);
}

/*
 * The rule for restarts side by side, at its inputs: never without a pool
 * or a second restart; always when passes are under the grain; not when a
 * pass is large and the restarts split unevenly; not when the workspaces
 * would outgrow the data; never more threads than restarts.
 */
static void test_restart_rule(void **state)
{
    (void)state;
    assert_int_equal(seg_kmeans_restart_threads(1, 10, 45000, 10, 47, 8, 0, 64), 1);
    assert_int_equal(seg_kmeans_restart_threads(2, 1, 45000, 10, 47, 8, 0, 64), 1);
    /* passes of 12,000 multiply-adds: one thread each either way */
    assert_int_equal(seg_kmeans_restart_threads(2, 10, 1000, 3, 4, 8, 0, 4), 2);
    assert_int_equal(seg_kmeans_restart_threads(4, 3, 1000, 3, 4, 8, 0, 4), 3);
    /* the bank sweep's passes (45,211 x 47, k <= 9), 10 restarts on 2 threads */
    assert_int_equal(seg_kmeans_restart_threads(2, 10, 45211, 9, 47, 8, 0, 64), 2);
    /* 3 restarts on 2 threads take 2 rounds: only for passes of a few grains */
    assert_int_equal(seg_kmeans_restart_threads(2, 3, 20000, 8, 16, 8, 0, 64), 2);
    assert_int_equal(seg_kmeans_restart_threads(2, 3, 1000000, 64, 32, 4, 0, 64), 1);
    /* 10^6 rows of 2 float features: two workspaces outgrow a quarter of
     * the data + 16 MiB; with bounds of 10 groups even sooner */
    assert_int_equal(seg_kmeans_restart_threads(2, 10, 1000000, 3, 2, 4, 0, 64), 1);
    assert_int_equal(seg_kmeans_restart_threads(2, 10, 200000, 3, 2, 4, 0, 64), 2);
    assert_int_equal(seg_kmeans_restart_threads(2, 10, 200000, 3, 2, 4, 10, 64), 1);
}

/* One fit of x for side_by_side: labels, distances, centroids, inertia, iterations. */
static void fit_restarts(const float *x, const double *w, size_t n, size_t d, size_t k,
                         int64_t alg, int64_t threads, int32_t *lab, double *dist, double *c,
                         double *inertia, int64_t *iters)
{
    seg_kmeans *km = new_km((int64_t)k, SEG_INIT_KMEANSPP, 7);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_N_INIT, 10), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_ALGORITHM, alg), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_THREADS, threads), SEG_OK);
    seg_model *m = NULL;
    assert_int_equal(seg_kmeans_fit_rows(km, x, true, n, d, w, lab, dist, &m), SEG_OK);
    assert_int_equal(seg_model_centroids_f64(m, c, k * d), SEG_OK);
    *inertia = seg_model_inertia(m);
    *iters = seg_model_iterations(m);
    seg_model_free(m);
    seg_kmeans_free(km);
}

/*
 * Restarts side by side give the results of restarts one after another
 * (1 thread): the same labels, distances, centroids, inertia and
 * iterations with 2 and 4 threads, for Lloyd and a bounded variant, float
 * rows with weights. The square's corners make restarts end in different
 * partitions of exactly equal inertia (left/right, top/bottom): the first
 * restart's must win, whichever thread ran it.
 */
static void test_restarts_side_by_side(void **state)
{
    (void)state;
    const size_t n = 3000, d = 5, k = 6;
    float *x = malloc(n * d * sizeof *x);
    double *w = malloc(n * sizeof *w), *d1 = malloc(n * sizeof *d1), *d2 = malloc(n * sizeof *d2);
    int32_t *l1 = malloc(n * sizeof *l1), *l2 = malloc(n * sizeof *l2);
    double c1[30], c2[30], i1, i2;
    int64_t it1, it2;
    uint64_t s = 19;
    for (size_t i = 0; i < n * d; i++)
        x[i] = (float)(tu_normal(&s) + (i % 11 == 0 ? 4 : 0));
    for (size_t i = 0; i < n; i++)
        w[i] = 0.5 + tu_uniform(&s);
    const int64_t algs[] = {SEG_ALGORITHM_LLOYD, SEG_ALGORITHM_HAMERLY};
    const int64_t threads[] = {2, 4};
    for (size_t a = 0; a < 2; a++) {
        fit_restarts(x, w, n, d, k, algs[a], 1, l1, d1, c1, &i1, &it1);
        for (size_t t = 0; t < 2; t++) {
            fit_restarts(x, w, n, d, k, algs[a], threads[t], l2, d2, c2, &i2, &it2);
            assert_memory_equal(l1, l2, n * sizeof *l1);
            assert_memory_equal(d1, d2, n * sizeof *d1);
            assert_memory_equal(c1, c2, sizeof c1);
            assert_memory_equal(&i1, &i2, sizeof i1);
            assert_int_equal(it1, it2);
        }
    }
    /* the square, each corner twice */
    const float sq[] = {0, 0, 0, 1, 1, 0, 1, 1, 0, 0, 0, 1, 1, 0, 1, 1};
    int32_t ls1[8], ls2[8];
    double ds1[8], ds2[8], cs1[4], cs2[4];
    for (int64_t seed = 0; seed < 8; seed++) {
        seg_kmeans *km = new_km(2, SEG_INIT_KMEANSPP, seed);
        assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_N_INIT, 10), SEG_OK);
        for (int64_t th = 1; th <= 4; th *= 2) {
            seg_model *m = NULL;
            assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_THREADS, th), SEG_OK);
            assert_int_equal(seg_kmeans_fit_rows(km, sq, true, 8, 2, NULL, th == 1 ? ls1 : ls2,
                                                 th == 1 ? ds1 : ds2, &m),
                             SEG_OK);
            assert_int_equal(seg_model_centroids_f64(m, th == 1 ? cs1 : cs2, 4), SEG_OK);
            assert_float_equal(seg_model_inertia(m), 2.0, 0);
            seg_model_free(m);
            if (th > 1) {
                assert_memory_equal(ls1, ls2, sizeof ls1);
                assert_memory_equal(ds1, ds2, sizeof ds1);
                assert_memory_equal(cs1, cs2, sizeof cs1);
            }
        }
        seg_kmeans_free(km);
    }
    free(x);
    free(w);
    free(d1);
    free(d2);
    free(l1);
    free(l2);
}

/* Partitions depend on the data shape only, and cover every row once. */
static void test_partition_plan(void **state)
{
    (void)state;
    const size_t ns[] = {1, 15, 16, 17, 1000, 123457, 10000000};
    for (size_t t = 0; t < sizeof ns / sizeof ns[0]; t++) {
        seg_parts P = seg_parts_plan(ns[t], 8, 16, 4);
        assert_true(P.count >= 1 && P.count <= 64);
        assert_int_equal(P.rows % P.block, 0);
        assert_true(P.rows * P.count >= ns[t]);
        assert_true(P.rows * (P.count - 1) < ns[t]);
    }
}

/*
 * A value that is not finite past the first chunks of the check (which
 * tests 4096 values at a time): the error names the first such value's row
 * and feature, in float and double, with a later one also present.
 */
static void test_nonfinite_far_in(void **state)
{
    (void)state;
    const size_t n = 3000, d = 3;
    double *x = malloc(n * d * sizeof *x);
    float *xf = malloc(n * d * sizeof *xf);
    for (size_t i = 0; i < n * d; i++) {
        x[i] = (double)(i % 17);
        xf[i] = (float)x[i];
    }
    x[2000 * d + 1] = INFINITY; /* row 2001, feature 2 */
    x[2900 * d] = NAN;
    xf[1500 * d + 2] = NAN; /* row 1501, feature 3 */
    xf[2999 * d + 2] = -INFINITY;
    seg_kmeans *km = new_km(3, SEG_INIT_KMEANSPP, 1);
    seg_model *m = NULL;
    assert_int_equal(seg_kmeans_fit_f64(km, x, n, d, NULL, NULL, &m), SEG_ERR_NONFINITE);
    assert_non_null(strstr(seg_last_error(), "row 2001, feature 2 "));
    assert_int_equal(seg_kmeans_fit_f32(km, xf, n, d, NULL, NULL, &m), SEG_ERR_NONFINITE);
    assert_non_null(strstr(seg_last_error(), "row 1501, feature 3 "));
    assert_null(m);
    seg_kmeans_free(km);
    free(x);
    free(xf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blobs_recovered),
        cmocka_unit_test(test_hand_computed_inertia),
        cmocka_unit_test(test_matches_reference_lloyd),
        cmocka_unit_test(test_deterministic_across_threads),
        cmocka_unit_test(test_f32_matches_f64),
        cmocka_unit_test(test_weight_equals_duplicate),
        cmocka_unit_test(test_empty_segment_reseeded),
        cmocka_unit_test(test_one_run_without_distances),
        cmocka_unit_test(test_stable_numbering),
        cmocka_unit_test(test_distinct_rows),
        cmocka_unit_test(test_max_iter_reported),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_extreme_magnitudes),
        cmocka_unit_test(test_progress_and_cancel),
        cmocka_unit_test(test_partition_plan),
        cmocka_unit_test(test_restart_rule),
        cmocka_unit_test(test_restarts_side_by_side),
        cmocka_unit_test(test_nonfinite_far_in),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
