/*
 * Mini-batch k-means and model updates: hand-computed running means with and
 * without forgetting, partial_fit over batches reaching the full fit's
 * centroids, re-seeding of a starved centroid, determinism for a seed, and
 * every error path.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
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
    assert_null(u);
    seg_minibatch_free(mb);
    seg_minibatch_free(NULL);
    seg_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_running_mean_by_hand),
        cmocka_unit_test(test_partial_fit_reaches_full_fit),
        cmocka_unit_test(test_fit_deterministic_and_accurate),
        cmocka_unit_test(test_starved_centroid_reseeded),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
