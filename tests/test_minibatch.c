/*
 * Mini-batch k-means and model updates: hand-computed running means with and
 * without forgetting, partial_fit over batches reaching the full fit's
 * centroids, re-seeding of a starved centroid, determinism for a seed (and
 * for any thread count), the float path against the double one, weights
 * against duplicated rows and weighted means, early stopping, and every
 * error path.
 */
#include <float.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "seg.h"
#include "testutil.h"

static seg_model *kmeans(const double *x, size_t n, size_t d, size_t k)
{
    seg_kmeans *km = NULL;
    seg_model *m = NULL;
    assert_int_equal(seg_kmeans_new(&km), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_K, (int64_t)k), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_SEED, 1), SEG_OK);
    assert_int_equal(seg_kmeans_fit_f64(km, x, n, d, NULL, NULL, &m), SEG_OK);
    seg_kmeans_free(km);
    return m;
}

static seg_minibatch *settings(int64_t batch, double forget)
{
    seg_minibatch *mb = NULL;
    assert_int_equal(seg_minibatch_new(&mb), SEG_OK);
    assert_int_equal(seg_minibatch_set_int(mb, SEG_MINIBATCH_BATCH_SIZE, batch), SEG_OK);
    assert_int_equal(seg_minibatch_set_double(mb, SEG_MINIBATCH_FORGET, forget), SEG_OK);
    return mb;
}

/* One centroid at 0 with count 4; a batch {10, 10}: the running mean is
 * (4 * 0 + 20) / 6, and with forgetting 1/2 the count is 2 first: 20 / 4. */
static void test_running_mean_by_hand(void **state)
{
    (void)state;
    const double x0[] = {0, 0, 0, 0}, batch[] = {10, 10};
    const double want[] = {20.0 / 6, 20.0 / 4}, forget[] = {0, 0.5}, weight[] = {6, 4};
    seg_model *m = kmeans(x0, 4, 1, 1);
    for (size_t t = 0; t < 2; t++) {
        seg_minibatch *mb = settings(2, forget[t]);
        seg_model *u = NULL;
        double c;
        assert_int_equal(seg_minibatch_partial_fit_f64(mb, m, batch, 2, 1, &u), SEG_OK);
        assert_int_equal(seg_model_centroids_f64(u, &c, 1), SEG_OK);
        assert_true(fabs(c - want[t]) < 1e-12);
        assert_true(fabs(seg_model_segment_weight(u, 0) - weight[t]) < 1e-12);
        assert_int_equal(seg_model_segment_size(u, 0), 6);
        assert_int_equal(seg_model_rows(u), 6);
        /* The old model is unchanged. */
        assert_int_equal(seg_model_centroids_f64(m, &c, 1), SEG_OK);
        assert_true(c == 0);
        seg_model_free(u);
        seg_minibatch_free(mb);
    }
    /* Two batches of one row with forgetting 1/2: v = 4 -> 2, c = 10/3,
     * v = 3 -> 1.5, c = (1.5 * 10/3 + 10) / 2.5 = 6. */
    seg_minibatch *mb = settings(1, 0.5);
    seg_model *u = NULL;
    double c;
    assert_int_equal(seg_minibatch_partial_fit_f64(mb, m, batch, 2, 1, &u), SEG_OK);
    assert_int_equal(seg_model_centroids_f64(u, &c, 1), SEG_OK);
    assert_true(fabs(c - 6) < 1e-12);
    seg_model_free(u);
    seg_minibatch_free(mb);
    seg_model_free(m);
}

/* Centroids of a and b matched greedily by nearest: the largest distance. */
static double centroid_gap(const seg_model *a, const seg_model *b, size_t k, size_t d)
{
    double *ca = malloc(k * d * sizeof *ca), *cb = malloc(k * d * sizeof *cb), worst = 0;
    assert_int_equal(seg_model_centroids_f64(a, ca, k * d), SEG_OK);
    assert_int_equal(seg_model_centroids_f64(b, cb, k * d), SEG_OK);
    for (size_t i = 0; i < k; i++) {
        double best = INFINITY;
        for (size_t j = 0; j < k; j++) {
            double s = 0;
            for (size_t t = 0; t < d; t++)
                s += (ca[i * d + t] - cb[j * d + t]) * (ca[i * d + t] - cb[j * d + t]);
            best = s < best ? s : best;
        }
        worst = sqrt(best) > worst ? sqrt(best) : worst;
    }
    free(ca);
    free(cb);
    return worst;
}

/*
 * Separated blobs arriving in batches: the full fit's centroids are the
 * blobs' means, and with counts as learning rates each updated centroid is
 * the running mean of every row assigned to it, so after all batches it is
 * the same mean (up to rounding: bound 1e-9). Starting from the first batch
 * alone, it is ~1/sqrt(rows per blob) away.
 */
static void test_partial_fit_reaches_full_fit(void **state)
{
    (void)state;
    enum { N = 40000, D = 5, K = 4, FIRST = 2000, B = 1000 };
    double *x = malloc((size_t)N * D * sizeof *x);
    int32_t *truth = malloc(N * sizeof *truth);
    tu_blobs(x, truth, N, D, K, 21);
    seg_model *full = kmeans(x, N, D, K), *m = kmeans(x, FIRST, D, K);
    seg_minibatch *mb = settings(B, 0);
    const double start_gap = centroid_gap(m, full, K, D);
    for (size_t r0 = FIRST; r0 < N; r0 += 3 * B) {
        const size_t nb = N - r0 < 3 * B ? N - r0 : 3 * B;
        seg_model *u = NULL;
        assert_int_equal(seg_minibatch_partial_fit_f64(mb, m, x + r0 * D, nb, D, &u), SEG_OK);
        seg_model_free(m);
        m = u;
    }
    const double end_gap = centroid_gap(m, full, K, D);
    print_message("centroid gap to the full fit: %.3g after the first batch, %.3g at the end\n",
                  start_gap, end_gap);
    assert_true(start_gap > 1e-3);
    assert_true(end_gap < 1e-9);
    assert_int_equal(seg_model_rows(m), N);
    seg_minibatch_free(mb);
    seg_model_free(m);
    seg_model_free(full);
    free(x);
    free(truth);
}

static void test_fit_deterministic_and_accurate(void **state)
{
    (void)state;
    enum { N = 20000, D = 6, K = 5 };
    double *x = malloc((size_t)N * D * sizeof *x), c1[K * D], c2[K * D];
    int32_t *truth = malloc(N * sizeof *truth), *lab = malloc(N * sizeof *lab);
    tu_blobs(x, truth, N, D, K, 8);
    seg_minibatch *mb = settings(256, 0);
    seg_model *a = NULL, *b = NULL;
    assert_int_equal(seg_minibatch_set_int(mb, SEG_MINIBATCH_K, K), SEG_OK);
    assert_int_equal(seg_minibatch_set_int(mb, SEG_MINIBATCH_SEED, 42), SEG_OK);
    assert_int_equal(seg_minibatch_fit_f64(mb, x, N, D, lab, &a), SEG_OK);
    assert_int_equal(seg_minibatch_fit_f64(mb, x, N, D, NULL, &b), SEG_OK);
    assert_int_equal(seg_model_centroids_f64(a, c1, K * D), SEG_OK);
    assert_int_equal(seg_model_centroids_f64(b, c2, K * D), SEG_OK);
    assert_memory_equal(c1, c2, sizeof c1);
    assert_true(tu_ari(lab, truth, N, K, K) == 1.0);
    /* The model's inertia is the sum of squared distances to its centroids. */
    double inertia = 0;
    for (size_t i = 0; i < N; i++)
        for (size_t t = 0; t < D; t++) {
            const double e = x[i * D + t] - c1[(size_t)lab[i] * D + t];
            inertia += e * e;
        }
    assert_true(fabs(seg_model_inertia(a) - inertia) < 1e-9 * inertia);
    assert_int_equal(seg_model_has_outlier_reference(a), 1);
    seg_model_free(a);
    seg_model_free(b);
    seg_minibatch_free(mb);
    free(x);
    free(truth);
    free(lab);
}

/* The same fit in float: the same segments, centroids within float
 * rounding, and the inertia of its own centroids computed here in double. */
static void test_f32_path(void **state)
{
    (void)state;
    enum { N = 20000, D = 6, K = 5 };
    double *x = malloc((size_t)N * D * sizeof *x), c64[K * D], c32[K * D];
    float *xf = malloc((size_t)N * D * sizeof *xf);
    int32_t *truth = malloc(N * sizeof *truth), *lab = malloc(N * sizeof *lab);
    tu_blobs(x, truth, N, D, K, 8);
    for (size_t i = 0; i < (size_t)N * D; i++)
        xf[i] = (float)x[i];
    seg_minibatch *mb = settings(256, 0);
    seg_model *a = NULL, *b = NULL;
    assert_int_equal(seg_minibatch_set_int(mb, SEG_MINIBATCH_K, K), SEG_OK);
    assert_int_equal(seg_minibatch_set_int(mb, SEG_MINIBATCH_SEED, 42), SEG_OK);
    assert_int_equal(seg_minibatch_fit_f64(mb, x, N, D, NULL, &a), SEG_OK);
    assert_int_equal(seg_minibatch_fit_f32(mb, xf, N, D, lab, &b), SEG_OK);
    assert_true(tu_ari(lab, truth, N, K, K) == 1.0);
    assert_int_equal(seg_model_centroids_f64(a, c64, K * D), SEG_OK);
    assert_int_equal(seg_model_centroids_f64(b, c32, K * D), SEG_OK);
    for (size_t i = 0; i < K * D; i++)
        assert_true(fabs(c64[i] - c32[i]) < 1e-3);
    /* Float distances come from |x|^2 - 2 x.c + |c|^2: each is off by a few
     * float epsilons of |x|^2 + |c|^2 (bounded here by 8). */
    double inertia = 0, bound = 0;
    for (size_t i = 0; i < N; i++)
        for (size_t t = 0; t < D; t++) {
            const double xv = xf[i * D + t], cv = c32[(size_t)lab[i] * D + t];
            inertia += (xv - cv) * (xv - cv);
            bound += 8 * FLT_EPSILON * (xv * xv + cv * cv);
        }
    assert_true(fabs(seg_model_inertia(b) - inertia) < bound);
    assert_true(bound < 0.01 * inertia); /* and the check means something */
    assert_int_equal(seg_model_has_outlier_reference(b), 1);
    seg_model_free(a);
    seg_model_free(b);
    seg_minibatch_free(mb);
    free(x);
    free(xf);
    free(truth);
    free(lab);
}

/* Thread count of the final pass: bit-identical models and labels. */
static void test_threads_do_not_matter(void **state)
{
    (void)state;
    enum { N = 30000, D = 4, K = 6 };
    double *x = malloc((size_t)N * D * sizeof *x), c1[K * D], c2[K * D];
    int32_t *truth = malloc(N * sizeof *truth), *l1 = malloc(N * sizeof *l1),
            *l2 = malloc(N * sizeof *l2);
    tu_blobs(x, truth, N, D, K, 3);
    seg_minibatch *mb = settings(512, 0);
    seg_model *a = NULL, *b = NULL;
    assert_int_equal(seg_minibatch_set_int(mb, SEG_MINIBATCH_K, K), SEG_OK);
    assert_int_equal(seg_minibatch_fit_f64(mb, x, N, D, l1, &a), SEG_OK);
    assert_int_equal(seg_minibatch_set_int(mb, SEG_MINIBATCH_THREADS, 0), SEG_OK);
    assert_int_equal(seg_minibatch_fit_f64(mb, x, N, D, l2, &b), SEG_OK);
    assert_int_equal(seg_model_centroids_f64(a, c1, K * D), SEG_OK);
    assert_int_equal(seg_model_centroids_f64(b, c2, K * D), SEG_OK);
    assert_memory_equal(c1, c2, sizeof c1);
    assert_memory_equal(l1, l2, N * sizeof *l1);
    assert_true(seg_model_inertia(a) == seg_model_inertia(b));
    assert_int_equal(seg_model_iterations(a), seg_model_iterations(b));
    seg_model_free(a);
    seg_model_free(b);
    seg_minibatch_free(mb);
    free(x);
    free(truth);
    free(l1);
    free(l2);
}

/*
 * The final Lloyd steps run on the library's threads (a k-means fit from
 * the batches' centroids): 1, 2 and 4 threads give the same bits, weighted
 * and on overlapping blobs, so that the steps run many passes.
 */
static void test_final_steps_threads(void **state)
{
    (void)state;
    enum { N = 60000, D = 8, K = 8 };
    double *x = malloc((size_t)N * D * sizeof *x), *w = malloc(N * sizeof *w);
    double c[3][K * D], inertia[3];
    int32_t *truth = malloc(N * sizeof *truth), *lab[3];
    tu_blobs(x, truth, N, D, K, 5);
    for (size_t i = 0; i < N; i++) {
        for (size_t t = 0; t < D; t++) /* centres 1.5 apart, not 20: they overlap */
            x[i * D + t] -= 18.5 * truth[i] * (t % 2 ? -1.0 : 1.0);
        w[i] = 1 + (double)(i % 7) / 3;
    }
    seg_minibatch *mb = settings(512, 0);
    assert_int_equal(seg_minibatch_set_int(mb, SEG_MINIBATCH_K, K), SEG_OK);
    assert_int_equal(seg_minibatch_set_double(mb, SEG_MINIBATCH_FINAL_TOL, 0), SEG_OK);
    const int threads[3] = {1, 2, 4};
    for (int r = 0; r < 3; r++) {
        seg_model *m = NULL;
        lab[r] = malloc(N * sizeof *lab[r]);
        assert_int_equal(seg_minibatch_set_int(mb, SEG_MINIBATCH_THREADS, threads[r]), SEG_OK);
        assert_int_equal(seg_minibatch_fit_weighted_f64(mb, x, N, D, w, lab[r], &m), SEG_OK);
        assert_int_equal(seg_model_centroids_f64(m, c[r], K * D), SEG_OK);
        inertia[r] = seg_model_inertia(m);
        seg_model_free(m);
    }
    for (int r = 1; r < 3; r++) {
        assert_memory_equal(c[0], c[r], sizeof c[0]);
        assert_memory_equal(lab[0], lab[r], N * sizeof *lab[0]);
        assert_true(inertia[0] == inertia[r]);
    }
    for (int r = 0; r < 3; r++)
        free(lab[r]);
    seg_minibatch_free(mb);
    free(x);
    free(w);
    free(truth);
}

/*
 * Fits of 2^18 rows or more take Lloyd steps on a sixteenth of the rows
 * before those on all rows; that sample is drawn from the seed, never from
 * the threads: 1, 2 and 4 threads give the same bits, weighted, on
 * overlapping blobs (so that both kinds of step run several passes), and
 * the steps end no worse than the batches' centroids.
 */
static void test_sample_steps_threads(void **state)
{
    (void)state;
    enum { N = 1 << 18, D = 4, K = 6 };
    double *x = malloc((size_t)N * D * sizeof *x), *w = malloc(N * sizeof *w);
    double c[3][K * D], inertia[3];
    int32_t *truth = malloc(N * sizeof *truth), *lab[3];
    tu_blobs(x, truth, N, D, K, 9);
    for (size_t i = 0; i < N; i++) {
        for (size_t t = 0; t < D; t++) /* centres 1.5 apart: they overlap */
            x[i * D + t] -= 18.5 * truth[i] * (t % 2 ? -1.0 : 1.0);
        w[i] = 1 + (double)(i % 5) / 4;
    }
    seg_minibatch *mb = settings(256, 0);
    assert_int_equal(seg_minibatch_set_int(mb, SEG_MINIBATCH_K, K), SEG_OK);
    assert_int_equal(seg_minibatch_set_int(mb, SEG_MINIBATCH_SEED, 4), SEG_OK);
    const int threads[3] = {1, 2, 4};
    for (int r = 0; r < 3; r++) {
        seg_model *m = NULL;
        lab[r] = malloc(N * sizeof *lab[r]);
        assert_int_equal(seg_minibatch_set_int(mb, SEG_MINIBATCH_THREADS, threads[r]), SEG_OK);
        assert_int_equal(seg_minibatch_fit_weighted_f64(mb, x, N, D, w, lab[r], &m), SEG_OK);
        assert_int_equal(seg_model_centroids_f64(m, c[r], K * D), SEG_OK);
        inertia[r] = seg_model_inertia(m);
        seg_model_free(m);
    }
    for (int r = 1; r < 3; r++) {
        assert_memory_equal(c[0], c[r], sizeof c[0]);
        assert_memory_equal(lab[0], lab[r], N * sizeof *lab[0]);
        assert_true(inertia[0] == inertia[r]);
    }
    seg_model *m0 = NULL;
    assert_int_equal(seg_minibatch_set_int(mb, SEG_MINIBATCH_FINAL_STEPS, 0), SEG_OK);
    assert_int_equal(seg_minibatch_fit_weighted_f64(mb, x, N, D, w, NULL, &m0), SEG_OK);
    assert_true(inertia[0] <= seg_model_inertia(m0));
    seg_model_free(m0);
    for (int r = 0; r < 3; r++)
        free(lab[r]);
    seg_minibatch_free(mb);
    free(x);
    free(w);
    free(truth);
}

/* A weight of w in one batch moves a centroid as w copies of the row do:
 * rows {0, 3, 10, 11} weighted {1, 2, 1, 3} against the rows repeated. */
static void test_weights_as_duplicates(void **state)
{
    (void)state;
    const double start[] = {0, 8};
    const double x[] = {0, 3, 10, 11}, w[] = {1, 2, 1, 3};
    const double dup[] = {0, 3, 3, 10, 11, 11, 11};
    seg_model *m = kmeans(start, 2, 1, 2), *a = NULL, *b = NULL;
    seg_minibatch *mb = settings(64, 0);
    double ca[2], cb[2];
    assert_int_equal(seg_minibatch_partial_fit_weighted_f64(mb, m, x, 4, 1, w, &a), SEG_OK);
    assert_int_equal(seg_minibatch_partial_fit_f64(mb, m, dup, 7, 1, &b), SEG_OK);
    assert_int_equal(seg_model_centroids_f64(a, ca, 2), SEG_OK);
    assert_int_equal(seg_model_centroids_f64(b, cb, 2), SEG_OK);
    /* By hand: counts 1 each to start; centroid 0 absorbs 0 and 3 x 2:
     * (0 + 0 + 6) / 4 = 1.5; centroid 8 absorbs 10 and 11 x 3: (8 + 43) / 5. */
    const size_t j0 = ca[0] < ca[1] ? 0 : 1;
    assert_true(fabs(ca[j0] - 1.5) < 1e-12 && fabs(ca[1 - j0] - 51.0 / 5) < 1e-12);
    assert_true(fabs(ca[0] - cb[0]) < 1e-12 && fabs(ca[1] - cb[1]) < 1e-12);
    assert_true(fabs(seg_model_segment_weight(a, j0) - 4) < 1e-12);
    assert_true(fabs(seg_model_segment_weight(a, 1 - j0) - 5) < 1e-12);
    /* Sizes count rows: 2 + 2 new (weighted) against 2 + 7 (repeated). */
    assert_int_equal(seg_model_segment_size(a, j0) + seg_model_segment_size(a, 1 - j0), 6);
    assert_int_equal(seg_model_segment_size(b, j0) + seg_model_segment_size(b, 1 - j0), 9);
    /* Running inertia (the start's is 0): 1*0 + 2*9 + 1*4 + 3*9 = 49. */
    assert_true(fabs(seg_model_inertia(a) - 49) < 1e-12);
    assert_true(fabs(seg_model_inertia(b) - 49) < 1e-12);
    /* The float path gives the same (these values are exact in float). */
    const float xf[] = {0, 3, 10, 11};
    seg_model *f = NULL;
    double cf[2];
    assert_int_equal(seg_minibatch_partial_fit_weighted_f32(mb, m, xf, 4, 1, w, &f), SEG_OK);
    assert_int_equal(seg_model_centroids_f64(f, cf, 2), SEG_OK);
    assert_true(fabs(cf[0] - ca[0]) < 1e-6 && fabs(cf[1] - ca[1]) < 1e-6);
    seg_model_free(f);
    assert_int_equal(seg_minibatch_partial_fit_f32(mb, m, xf, 4, 1, &f), SEG_OK);
    assert_int_equal(seg_model_centroids_f64(f, cf, 2), SEG_OK);
    assert_true(fabs(cf[j0] - 1.0) < 1e-6 && fabs(cf[1 - j0] - 29.0 / 3) < 1e-6);
    seg_model_free(f);
    seg_model_free(a);
    seg_model_free(b);
    seg_model_free(m);
    seg_minibatch_free(mb);
}

/* Weighted fit: two groups far apart, in each a row at 0 weighing 9 and
 * rows around 1 weighing 1; the centroids find the weighted means (0.1 and
 * 100.1), not the plain ones (0.5 and 100.5); the model's segment weights
 * and inertia are the weighted ones computed here. */
static void test_weighted_fit(void **state)
{
    (void)state;
    enum { N = 4000 };
    double *x = malloc(N * sizeof *x), *w = malloc(N * sizeof *w), c[2];
    float *xf = malloc(N * sizeof *xf);
    int32_t *lab = malloc(N * sizeof *lab);
    for (size_t i = 0; i < N; i++) {
        const double base = i < N / 2 ? 0 : 100;
        x[i] = base + (i % 2 ? 1 + 0.001 * (double)(i % 7) - 0.003 : 0);
        w[i] = i % 2 ? 1 : 9;
        xf[i] = (float)x[i];
    }
    seg_minibatch *mb = settings(200, 0);
    seg_model *m = NULL;
    assert_int_equal(seg_minibatch_set_int(mb, SEG_MINIBATCH_K, 2), SEG_OK);
    assert_int_equal(seg_minibatch_set_int(mb, SEG_MINIBATCH_MAX_STEPS, 400), SEG_OK);
    assert_int_equal(seg_minibatch_set_int(mb, SEG_MINIBATCH_MAX_NO_IMPROVEMENT, 0), SEG_OK);
    assert_int_equal(seg_minibatch_set_double(mb, SEG_MINIBATCH_TOL, 0), SEG_OK);
    for (int f32 = 0; f32 < 2; f32++) {
        assert_int_equal(f32 ? seg_minibatch_fit_weighted_f32(mb, xf, N, 1, w, lab, &m)
                             : seg_minibatch_fit_weighted_f64(mb, x, N, 1, w, lab, &m),
                         SEG_OK);
        assert_int_equal(seg_model_iterations(m), 400); /* no early stop */
        assert_int_equal(seg_model_centroids_f64(m, c, 2), SEG_OK);
        const size_t lo = c[0] < c[1] ? 0 : 1;
        /* Sampling noise of 80,000 drawn rows: well under 0.02. */
        assert_true(fabs(c[lo] - 0.1) < 0.02 && fabs(c[1 - lo] - 100.1) < 0.02);
        double inertia = 0, wlo = 0, bound = 0; /* float rounding: see test_f32_path */
        for (size_t i = 0; i < N; i++) {
            const double e = x[i] - c[lab[i]];
            inertia += w[i] * e * e;
            bound += f32 ? 8 * FLT_EPSILON * w[i] * (x[i] * x[i] + c[lab[i]] * c[lab[i]]) : 0;
            wlo += (size_t)lab[i] == lo ? w[i] : 0;
        }
        assert_true(wlo == 10000);
        assert_true(seg_model_segment_weight(m, lo) == 10000);
        assert_int_equal(seg_model_segment_size(m, lo), N / 2);
        assert_true(fabs(seg_model_inertia(m) - inertia) <= 1e-9 * inertia + bound);
        seg_model_free(m);
    }
    seg_minibatch_free(mb);
    free(x);
    free(xf);
    free(w);
    free(lab);
}

/* Early stopping: with both rules off a fit draws MAX_STEPS batches; with
 * the defaults, blobs this clear stop well before, never before the tenth
 * batch, and at the same batch every time. */
static void test_early_stopping(void **state)
{
    (void)state;
    enum { N = 50000, D = 4, K = 4 };
    double *x = malloc((size_t)N * D * sizeof *x);
    int32_t *truth = malloc(N * sizeof *truth);
    tu_blobs(x, truth, N, D, K, 11);
    seg_minibatch *mb = settings(256, 0);
    seg_model *a = NULL, *b = NULL;
    assert_int_equal(seg_minibatch_set_int(mb, SEG_MINIBATCH_K, K), SEG_OK);
    assert_int_equal(seg_minibatch_set_int(mb, SEG_MINIBATCH_MAX_STEPS, 300), SEG_OK);
    assert_int_equal(seg_minibatch_fit_f64(mb, x, N, D, NULL, &a), SEG_OK);
    assert_int_equal(seg_minibatch_fit_f64(mb, x, N, D, NULL, &b), SEG_OK);
    const int64_t early = seg_model_iterations(a);
    assert_true(early >= 10 && early < 300);
    assert_int_equal(seg_model_iterations(b), early);
    seg_model_free(a);
    seg_model_free(b);
    /* Each rule alone stops too; both off, all 300 batches. */
    assert_int_equal(seg_minibatch_set_int(mb, SEG_MINIBATCH_MAX_NO_IMPROVEMENT, 0), SEG_OK);
    assert_int_equal(seg_minibatch_fit_f64(mb, x, N, D, NULL, &a), SEG_OK);
    assert_true(seg_model_iterations(a) >= 10 && seg_model_iterations(a) < 300);
    seg_model_free(a);
    assert_int_equal(seg_minibatch_set_double(mb, SEG_MINIBATCH_TOL, 0), SEG_OK);
    assert_int_equal(seg_minibatch_fit_f64(mb, x, N, D, NULL, &a), SEG_OK);
    assert_int_equal(seg_model_iterations(a), 300);
    seg_model_free(a);
    assert_int_equal(seg_minibatch_set_int(mb, SEG_MINIBATCH_MAX_NO_IMPROVEMENT, 10), SEG_OK);
    assert_int_equal(seg_minibatch_fit_f64(mb, x, N, D, NULL, &a), SEG_OK);
    assert_true(seg_model_iterations(a) >= 10 && seg_model_iterations(a) < 300);
    seg_model_free(a);
    seg_minibatch_free(mb);
    free(x);
    free(truth);
}

/* A centroid that no new row reaches starves as forgetting shrinks its
 * count, and is moved onto the data. */
static void test_starved_centroid_reseeded(void **state)
{
    (void)state;
    const double x0[] = {0, 0.1, 100, 100.1};
    double batch[400], c[2];
    for (size_t i = 0; i < 400; i++)
        batch[i] = i % 2 ? 5 : 0;
    seg_model *m = kmeans(x0, 4, 1, 2), *u = NULL;
    seg_minibatch *mb = settings(40, 0.5);
    assert_int_equal(seg_minibatch_partial_fit_f64(mb, m, batch, 400, 1, &u), SEG_OK);
    assert_int_equal(seg_model_centroids_f64(u, c, 2), SEG_OK);
    assert_true(c[0] >= 0 && c[0] <= 5 && c[1] >= 0 && c[1] <= 5);
    seg_model_free(u);
    /* With re-seeding off it stays where it was. */
    assert_int_equal(seg_minibatch_set_double(mb, SEG_MINIBATCH_REASSIGN_RATIO, 0), SEG_OK);
    assert_int_equal(seg_minibatch_partial_fit_f64(mb, m, batch, 400, 1, &u), SEG_OK);
    assert_int_equal(seg_model_centroids_f64(u, c, 2), SEG_OK);
    assert_true(fabs((c[0] > c[1] ? c[0] : c[1]) - 100.05) < 1e-12);
    seg_model_free(u);
    seg_minibatch_free(mb);
    seg_model_free(m);
}

/*
 * The final Lloyd steps (SEG_MINIBATCH_FINAL_STEPS, here set to 0, 1, 2): after one,
 * every centroid is the mean of the rows labelled to it by the centroids of
 * the batches, so the model's inertia is at most that of the batches'
 * centroids (0 steps), and a second step lowers it no further than Lloyd
 * would. Overlapping blobs, so the batches' centroids are noisy.
 */
static void test_final_steps(void **state)
{
    (void)state;
    enum { N = 20000, D = 4, K = 6 };
    double *x = malloc((size_t)N * D * sizeof *x), c0[K * D], c1[K * D], mean[K * D] = {0};
    double cnt[K] = {0};
    int32_t *truth = malloc(N * sizeof *truth), *lab0 = malloc(N * sizeof *lab0);
    tu_blobs(x, truth, N, D, K, 2);
    seg_minibatch *mb = settings(256, 0);
    seg_model *m0 = NULL, *m1 = NULL, *m2 = NULL;
    int64_t v = -1;
    assert_int_equal(seg_minibatch_get_int(mb, SEG_MINIBATCH_FINAL_STEPS, &v), SEG_OK);
    assert_int_equal(v, 100);
    assert_int_equal(seg_minibatch_set_double(mb, SEG_MINIBATCH_FINAL_TOL, 0), SEG_OK);
    assert_int_equal(seg_minibatch_set_int(mb, SEG_MINIBATCH_K, K), SEG_OK);
    assert_int_equal(seg_minibatch_set_int(mb, SEG_MINIBATCH_SEED, 3), SEG_OK);
    assert_int_equal(seg_minibatch_set_int(mb, SEG_MINIBATCH_FINAL_STEPS, 0), SEG_OK);
    assert_int_equal(seg_minibatch_fit_f64(mb, x, N, D, lab0, &m0), SEG_OK);
    assert_int_equal(seg_minibatch_set_int(mb, SEG_MINIBATCH_FINAL_STEPS, 1), SEG_OK);
    assert_int_equal(seg_minibatch_fit_f64(mb, x, N, D, NULL, &m1), SEG_OK);
    assert_int_equal(seg_minibatch_set_int(mb, SEG_MINIBATCH_FINAL_STEPS, 2), SEG_OK);
    assert_int_equal(seg_minibatch_fit_f64(mb, x, N, D, NULL, &m2), SEG_OK);
    assert_int_equal(seg_model_centroids_f64(m0, c0, K * D), SEG_OK);
    assert_int_equal(seg_model_centroids_f64(m1, c1, K * D), SEG_OK);
    for (size_t i = 0; i < N; i++) {
        for (size_t t = 0; t < D; t++)
            mean[(size_t)lab0[i] * D + t] += x[i * D + t];
        cnt[lab0[i]]++;
    }
    for (size_t j = 0; j < K; j++)
        for (size_t t = 0; t < D; t++)
            assert_true(fabs(c1[j * D + t] - mean[j * D + t] / cnt[j]) <= 1e-9 * (1 + fabs(c1[j * D + t])));
    assert_true(seg_model_inertia(m1) < seg_model_inertia(m0));
    assert_true(seg_model_inertia(m2) <= seg_model_inertia(m1));
    assert_int_equal(seg_minibatch_set_int(mb, SEG_MINIBATCH_FINAL_STEPS, 101), SEG_ERR_INVALID_ARG);
    seg_model_free(m0);
    seg_model_free(m1);
    seg_model_free(m2);
    seg_minibatch_free(mb);
    free(x);
    free(truth);
    free(lab0);
}

/* Sum over centroids of the squared move one more Lloyd step would make:
 * c (k x d) against the means of the rows lab gives them. */
static double next_shift(const double *x, const int32_t *lab, size_t n, size_t d, size_t k,
                         const double *c)
{
    double *sum = calloc(k * d, sizeof *sum), *cnt = calloc(k, sizeof *cnt), moved = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t t = 0; t < d; t++)
            sum[(size_t)lab[i] * d + t] += x[i * d + t];
        cnt[lab[i]]++;
    }
    for (size_t j = 0; j < k; j++)
        for (size_t t = 0; t < d && cnt[j] > 0; t++) {
            const double dv = sum[j * d + t] / cnt[j] - c[j * d + t];
            moved += dv * dv;
        }
    free(sum);
    free(cnt);
    return moved;
}

/*
 * The final Lloyd steps stop by k-means' rule (SEG_MINIBATCH_FINAL_TOL,
 * default 1e-4 of a feature's mean variance, at most 100 steps): by default
 * the fit ends near a Lloyd fixed point, lower than after one step on
 * overlapping blobs; with the tolerance 0 it ends exactly at one (one more
 * step would move nothing).
 */
static void test_final_tol(void **state)
{
    (void)state;
    enum { N = 20000, D = 4, K = 6 };
    double *x = malloc((size_t)N * D * sizeof *x), c[K * D], tol = -1, mean = 0, var = 0;
    int32_t *truth = malloc(N * sizeof *truth), *lab = malloc(N * sizeof *lab);
    tu_blobs(x, truth, N, D, K, 2);
    for (size_t i = 0; i < N; i++) /* blob centres 1.5 apart, not 20: they overlap */
        for (size_t t = 0; t < D; t++)
            x[i * D + t] -= 18.5 * truth[i] * (t % 2 ? -1.0 : 1.0);
    for (size_t t = 0; t < D; t++) {
        double m = 0, q = 0;
        for (size_t i = 0; i < N; i++)
            m += x[i * D + t];
        m /= N;
        for (size_t i = 0; i < N; i++)
            q += (x[i * D + t] - m) * (x[i * D + t] - m);
        var += q / N / D;
        mean += m;
    }
    seg_minibatch *mb = settings(256, 0);
    seg_model *m1 = NULL, *md = NULL, *m0 = NULL;
    assert_int_equal(seg_minibatch_get_double(mb, SEG_MINIBATCH_FINAL_TOL, &tol), SEG_OK);
    assert_true(tol == 1e-4);
    assert_int_equal(seg_minibatch_set_int(mb, SEG_MINIBATCH_K, K), SEG_OK);
    assert_int_equal(seg_minibatch_set_int(mb, SEG_MINIBATCH_SEED, 3), SEG_OK);
    assert_int_equal(seg_minibatch_fit_f64(mb, x, N, D, lab, &md), SEG_OK);
    assert_int_equal(seg_model_centroids_f64(md, c, K * D), SEG_OK);
    const double shift_default = next_shift(x, lab, N, D, K, c);
    assert_true(shift_default <= 1e-4 * var);
    assert_int_equal(seg_minibatch_set_int(mb, SEG_MINIBATCH_FINAL_STEPS, 1), SEG_OK);
    assert_int_equal(seg_minibatch_fit_f64(mb, x, N, D, lab, &m1), SEG_OK);
    assert_int_equal(seg_model_centroids_f64(m1, c, K * D), SEG_OK);
    assert_true(next_shift(x, lab, N, D, K, c) > 1e-4 * var); /* one step is not enough here */
    assert_true(seg_model_inertia(md) < seg_model_inertia(m1));
    assert_int_equal(seg_minibatch_set_int(mb, SEG_MINIBATCH_FINAL_STEPS, 100), SEG_OK);
    assert_int_equal(seg_minibatch_set_double(mb, SEG_MINIBATCH_FINAL_TOL, 0), SEG_OK);
    assert_int_equal(seg_minibatch_fit_f64(mb, x, N, D, lab, &m0), SEG_OK);
    assert_int_equal(seg_model_centroids_f64(m0, c, K * D), SEG_OK);
    assert_true(next_shift(x, lab, N, D, K, c) <= 1e-24 * (1 + fabs(mean)));
    assert_true(seg_model_inertia(m0) <= seg_model_inertia(md));
    assert_int_equal(seg_minibatch_set_double(mb, SEG_MINIBATCH_FINAL_TOL, -1), SEG_ERR_INVALID_ARG);
    seg_model_free(m0);
    seg_model_free(m1);
    seg_model_free(md);
    seg_minibatch_free(mb);
    free(x);
    free(truth);
    free(lab);
}

static void test_errors(void **state)
{
    (void)state;
    const double x[] = {0, 1, 2, 3}, bad[] = {0, NAN};
    seg_minibatch *mb = NULL;
    seg_model *m = kmeans(x, 4, 1, 2), *u = NULL;
    assert_int_equal(seg_minibatch_new(NULL), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_minibatch_new(&mb), SEG_OK);
    assert_int_equal(seg_minibatch_set_int(mb, SEG_MINIBATCH_K, 0), SEG_ERR_INVALID_ARG);
    assert_non_null(strstr(seg_last_error(), "bad mini-batch setting"));
    assert_int_equal(seg_minibatch_set_int(mb, SEG_MINIBATCH_BATCH_SIZE, 0), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_minibatch_set_int(mb, SEG_MINIBATCH_FORGET, 1), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_minibatch_set_int(NULL, SEG_MINIBATCH_K, 2), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_minibatch_set_double(mb, SEG_MINIBATCH_FORGET, 1), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_minibatch_set_double(mb, SEG_MINIBATCH_REASSIGN_RATIO, -1),
                     SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_minibatch_set_double(mb, SEG_MINIBATCH_K, 2), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_minibatch_fit_f64(mb, x, 4, 1, NULL, NULL), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_minibatch_fit_f64(mb, NULL, 4, 1, NULL, &u), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_minibatch_fit_f64(mb, x, 0, 1, NULL, &u), SEG_ERR_EMPTY);
    assert_int_equal(seg_minibatch_fit_f64(mb, x, 4, 1, NULL, &u), SEG_ERR_TOO_FEW_POINTS);
    assert_non_null(strstr(seg_last_error(), "k = 8"));
    assert_null(u);
    assert_int_equal(seg_minibatch_partial_fit_f64(mb, m, x, 2, 2, &u), SEG_ERR_MISMATCH);
    assert_non_null(strstr(seg_last_error(), "2 features, the model 1"));
    assert_int_equal(seg_minibatch_partial_fit_f64(mb, NULL, x, 2, 1, &u), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_minibatch_partial_fit_f64(mb, m, bad, 2, 1, &u), SEG_ERR_NONFINITE);
    const double w[] = {1, -1, 1, 1};
    assert_int_equal(seg_minibatch_partial_fit_weighted_f64(mb, m, x, 2, 1, w, &u),
                     SEG_ERR_NONFINITE);
    assert_non_null(strstr(seg_last_error(), "row 2: weight -1"));
    assert_int_equal(seg_minibatch_set_int(mb, SEG_MINIBATCH_K, 2), SEG_OK);
    assert_int_equal(seg_minibatch_fit_weighted_f64(mb, x, 4, 1, w, NULL, &u), SEG_ERR_NONFINITE);
    assert_non_null(strstr(seg_last_error(), "weights must be finite and > 0"));
    const float xf[] = {0, 1, NAN, 3};
    assert_int_equal(seg_minibatch_fit_f32(mb, xf, 4, 1, NULL, &u), SEG_ERR_NONFINITE);
    assert_null(u);
    assert_int_equal(seg_minibatch_set_int(mb, SEG_MINIBATCH_N_INIT, 0), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_minibatch_set_int(mb, SEG_MINIBATCH_DTYPE, 7), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_minibatch_set_int(mb, SEG_MINIBATCH_THREADS, -1), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_minibatch_set_int(mb, SEG_MINIBATCH_MIN_PROFILE_SIZE, -1),
                     SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_minibatch_set_int(mb, SEG_MINIBATCH_MAX_NO_IMPROVEMENT, -1),
                     SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_minibatch_set_double(mb, SEG_MINIBATCH_TOL, 2), SEG_ERR_INVALID_ARG);
    assert_non_null(strstr(seg_last_error(), "bad mini-batch setting 202"));
    double tol = 0;
    assert_int_equal(seg_minibatch_get_double(mb, SEG_MINIBATCH_TOL, &tol), SEG_OK);
    assert_true(tol == 1e-7); /* the refused value left the default */
    assert_null(u);
    seg_minibatch_free(mb);
    seg_minibatch_free(NULL);
    seg_model_free(m);
}

/* What a fit gives, to compare across thread counts. */
typedef struct fit_bits {
    int32_t *labels;
    double *grid; /* k x SEG_OUTLIER_QUANTILES */
    uint8_t *bytes;
    size_t len;
    double inertia;
    int64_t iterations;
} fit_bits;

static fit_bits fit_on(seg_minibatch *mb, const void *x, bool f32, size_t n, size_t d,
                       size_t k, int64_t threads)
{
    fit_bits f = {malloc(n * sizeof *f.labels), malloc(k * SEG_OUTLIER_QUANTILES * sizeof *f.grid),
                  NULL, 0, 0, 0};
    seg_model *m = NULL;
    assert_int_equal(seg_minibatch_set_int(mb, SEG_MINIBATCH_THREADS, threads), SEG_OK);
    assert_int_equal(f32 ? seg_minibatch_fit_f32(mb, x, n, d, f.labels, &m)
                         : seg_minibatch_fit_f64(mb, x, n, d, f.labels, &m),
                     SEG_OK);
    for (size_t j = 0; j < k; j++)
        for (size_t i = 0; i < SEG_OUTLIER_QUANTILES; i++)
            assert_int_equal(seg_model_outlier_quantile(m, j, (double)i / 1000.0,
                                                        &f.grid[j * SEG_OUTLIER_QUANTILES + i]),
                             SEG_OK);
    f.bytes = tu_model_bytes(m, &f.len);
    assert_non_null(f.bytes);
    f.inertia = seg_model_inertia(m);
    f.iterations = seg_model_iterations(m);
    seg_model_free(m);
    return f;
}

/*
 * The set-up around the final steps runs on the fit's threads too: the row
 * norms and the tolerance's mean variance by the fit's partitions, the
 * outlier reference's sorts by segment. 1, 2 and 4 threads give the same
 * labels, inertia, steps, outlier grid and model sections (centroids,
 * segments, outlier reference), in double and in float, with an odd
 * number of features (a pair of features and one alone) and a tolerance.
 */
static void test_model_bits_across_threads(void **state)
{
    (void)state;
    enum { N = 1 << 18, D = 5, K = 6 };
    double *x = malloc((size_t)N * D * sizeof *x);
    float *xf = malloc((size_t)N * D * sizeof *xf);
    int32_t *truth = malloc(N * sizeof *truth);
    tu_blobs(x, truth, N, D, K, 12);
    for (size_t i = 0; i < N; i++)
        for (size_t t = 0; t < D; t++) /* centres 1.5 apart: they overlap */
            x[i * D + t] -= 18.5 * truth[i] * (t % 2 ? -1.0 : 1.0);
    for (size_t i = 0; i < (size_t)N * D; i++)
        xf[i] = (float)x[i];
    seg_minibatch *mb = settings(256, 0);
    assert_int_equal(seg_minibatch_set_int(mb, SEG_MINIBATCH_K, K), SEG_OK);
    assert_int_equal(seg_minibatch_set_int(mb, SEG_MINIBATCH_SEED, 7), SEG_OK);
    assert_int_equal(seg_minibatch_set_double(mb, SEG_MINIBATCH_FINAL_TOL, 1e-3), SEG_OK);
    static const char *const tags[] = {"CENT", "SEGS", "OUTL"};
    const int64_t threads[3] = {1, 2, 4};
    for (int f32 = 0; f32 < 2; f32++) {
        fit_bits f[3];
        for (int r = 0; r < 3; r++)
            f[r] = fit_on(mb, f32 ? (const void *)xf : x, f32, N, D, K, threads[r]);
        for (int r = 1; r < 3; r++) {
            assert_memory_equal(f[0].labels, f[r].labels, N * sizeof *f[0].labels);
            assert_memory_equal(f[0].grid, f[r].grid, K * SEG_OUTLIER_QUANTILES * sizeof(double));
            assert_true(f[0].inertia == f[r].inertia);
            assert_int_equal(f[0].iterations, f[r].iterations);
            for (size_t t = 0; t < 3; t++) {
                uint64_t sa = 0, sb = 0;
                const uint8_t *a = tu_model_section(f[0].bytes, f[0].len, tags[t], &sa);
                const uint8_t *b = tu_model_section(f[r].bytes, f[r].len, tags[t], &sb);
                assert_non_null(a);
                assert_non_null(b);
                assert_int_equal(sa, sb);
                assert_memory_equal(a, b, (size_t)sa);
            }
        }
        for (int r = 0; r < 3; r++) {
            free(f[r].labels);
            free(f[r].grid);
            free(f[r].bytes);
        }
    }
    seg_minibatch_free(mb);
    free(x);
    free(xf);
    free(truth);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_running_mean_by_hand),
        cmocka_unit_test(test_partial_fit_reaches_full_fit),
        cmocka_unit_test(test_fit_deterministic_and_accurate),
        cmocka_unit_test(test_f32_path),
        cmocka_unit_test(test_threads_do_not_matter),
        cmocka_unit_test(test_weights_as_duplicates),
        cmocka_unit_test(test_weighted_fit),
        cmocka_unit_test(test_early_stopping),
        cmocka_unit_test(test_starved_centroid_reseeded),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_final_steps),
        cmocka_unit_test(test_final_tol),
        cmocka_unit_test(test_final_steps_threads),
        cmocka_unit_test(test_sample_steps_threads),
        cmocka_unit_test(test_model_bits_across_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
