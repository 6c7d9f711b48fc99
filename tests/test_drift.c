/*
 * Drift: the Hungarian algorithm against brute force over every matching of
 * small random matrices (square and rectangular, with ties), its error
 * paths, and centroid distances between models (zero for a model against
 * itself, hand-computed for two known models, feature mismatches).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "seg.h"
#include "testutil.h"

/* Least cost of matching rows r.. of a (rows x cols) to unused columns,
 * every row matched when rows <= cols, else every column. */
static double brute(const double *a, size_t rows, size_t cols, size_t r, unsigned used,
                    size_t left)
{
    if (r == rows || left == 0)
        return 0;
    double best = INFINITY;
    if (rows - r > left) /* this row may stay unmatched */
        best = brute(a, rows, cols, r + 1, used, left);
    for (size_t j = 0; j < cols; j++) {
        if (used & (1u << j))
            continue;
        const double v = a[r * cols + j] + brute(a, rows, cols, r + 1, used | (1u << j), left - 1);
        best = v < best ? v : best;
    }
    return best;
}

static void test_hungarian_matches_brute_force(void **state)
{
    (void)state;
    uint64_t s = 99;
    double a[49];
    int32_t match[7];
    for (int trial = 0; trial < 300; trial++) {
        const size_t rows = 1 + tu_next(&s) % 7, cols = 1 + tu_next(&s) % 7;
        const bool ties = trial % 3 == 0;
        for (size_t i = 0; i < rows * cols; i++)
            a[i] = ties ? (double)(tu_next(&s) % 4) : 100 * tu_uniform(&s) - 20;
        double total = NAN;
        assert_int_equal(seg_drift_match_f64(a, rows, cols, match, &total), SEG_OK);
        const size_t want_matched = rows < cols ? rows : cols;
        size_t matched = 0;
        unsigned used = 0;
        double sum = 0;
        for (size_t i = 0; i < rows; i++) {
            if (match[i] < 0)
                continue;
            assert_true((size_t)match[i] < cols);
            assert_false(used & (1u << match[i]));
            used |= 1u << match[i];
            sum += a[i * cols + (size_t)match[i]];
            matched++;
        }
        assert_int_equal(matched, want_matched);
        const double best = brute(a, rows, cols, 0, 0, want_matched);
        assert_true(fabs(sum - best) < 1e-9);
        assert_true(fabs(total - best) < 1e-9);
    }
}

static void test_hungarian_errors(void **state)
{
    (void)state;
    const double a[] = {1, 2, NAN, 4};
    int32_t m[2];
    assert_int_equal(seg_drift_match_f64(NULL, 2, 2, m, NULL), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_drift_match_f64(a, 2, 2, NULL, NULL), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_drift_match_f64(a, 0, 2, m, NULL), SEG_ERR_EMPTY);
    assert_int_equal(seg_drift_match_f64(a, 2, 2, m, NULL), SEG_ERR_NONFINITE);
    assert_non_null(strstr(seg_last_error(), "row 1, column 0"));
    assert_int_equal(seg_drift_match_f64(a, 200000, 2, m, NULL), SEG_ERR_LIMIT);
}

/*
 * seg_assign_optimal(), the deprecated name, gives exactly what
 * seg_drift_match_f64() gives: the same matching and total on square and
 * rectangular matrices, and the same status and detail on bad input.
 */
static void test_deprecated_name(void **state)
{
    (void)state;
    uint64_t s = 41;
    const size_t shapes[][2] = {{6, 6}, {4, 7}, {7, 4}};
    for (size_t t = 0; t < 3; t++) {
        const size_t rows = shapes[t][0], cols = shapes[t][1];
        double a[49];
        int32_t ma[7], mb[7];
        double ta = NAN, tb = NAN;
        for (size_t i = 0; i < rows * cols; i++)
            a[i] = 100 * tu_uniform(&s) - 20;
        assert_int_equal(seg_drift_match_f64(a, rows, cols, ma, &ta), SEG_OK);
        assert_int_equal(seg_assign_optimal(a, rows, cols, mb, &tb), SEG_OK);
        assert_true(fabs(ta - brute(a, rows, cols, 0, 0, rows < cols ? rows : cols)) < 1e-9);
        assert_memory_equal(ma, mb, rows * sizeof *ma);
        assert_memory_equal(&ta, &tb, sizeof ta);
    }
    const double bad[] = {1, 2, NAN, 4};
    int32_t m[2];
    char detail[256];
    assert_int_equal(seg_drift_match_f64(bad, 2, 2, m, NULL), SEG_ERR_NONFINITE);
    snprintf(detail, sizeof detail, "%s", seg_last_error());
    assert_int_equal(seg_assign_optimal(bad, 2, 2, m, NULL), SEG_ERR_NONFINITE);
    assert_string_equal(seg_last_error(), detail);
    assert_int_equal(seg_assign_optimal(NULL, 2, 2, m, NULL), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_assign_optimal(bad, 0, 2, m, NULL), SEG_ERR_EMPTY);
}

static seg_model *fit(const double *x, size_t n, size_t d, size_t k, bool scaled)
{
    seg_kmeans *km = NULL;
    seg_model *m = NULL;
    assert_int_equal(seg_kmeans_new(&km), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_K, (int64_t)k), SEG_OK);
    if (scaled) {
        seg_dataset *ds = NULL;
        seg_scaler *sc = NULL;
        assert_int_equal(seg_dataset_from_f64(&ds, x, n, d, NULL), SEG_OK);
        assert_int_equal(seg_scaler_new(&sc), SEG_OK);
        assert_int_equal(seg_scaler_fit(sc, ds), SEG_OK);
        assert_int_equal(seg_kmeans_fit_dataset(km, ds, sc, NULL, &m), SEG_OK);
        seg_scaler_free(sc);
        seg_dataset_free(ds);
    } else {
        assert_int_equal(seg_kmeans_fit_f64(km, x, n, d, NULL, NULL, &m), SEG_OK);
    }
    seg_kmeans_free(km);
    return m;
}

static void test_centroid_distances(void **state)
{
    (void)state;
    enum { N = 3000, D = 3, K = 3 };
    double *x = malloc((size_t)N * D * sizeof *x), dist[K * K], c[K * D];
    int32_t *truth = malloc(N * sizeof *truth);
    tu_blobs(x, truth, N, D, K, 4);
    seg_model *m = fit(x, N, D, K, true);
    assert_int_equal(seg_model_centroid_distances(m, m, dist, K * K), SEG_OK);
    for (size_t i = 0; i < K; i++)
        assert_true(dist[i * K + i] == 0);
    /* Off the diagonal: plain Euclidean distances of the model's centroids. */
    assert_int_equal(seg_model_centroids_f64(m, c, K * D), SEG_OK);
    for (size_t i = 0; i < K; i++)
        for (size_t j = 0; j < K; j++) {
            double s2 = 0;
            for (size_t t = 0; t < D; t++)
                s2 += (c[i * D + t] - c[j * D + t]) * (c[i * D + t] - c[j * D + t]);
            assert_true(fabs(dist[i * K + j] - sqrt(s2)) < 1e-12);
        }
    int32_t match[K];
    double total;
    assert_int_equal(seg_drift_match_f64(dist, K, K, match, &total), SEG_OK);
    for (size_t i = 0; i < K; i++)
        assert_int_equal(match[i], (int32_t)i);
    assert_true(total == 0);

    /* Unscaled models of rows and of rows + 1 (shifted on every feature):
     * every matched pair is sqrt(D) apart. */
    seg_model *a = fit(x, N, D, K, false);
    for (size_t i = 0; i < (size_t)N * D; i++)
        x[i] += 1;
    seg_model *b = fit(x, N, D, K, false);
    assert_int_equal(seg_model_centroid_distances(a, b, dist, K * K), SEG_OK);
    assert_int_equal(seg_drift_match_f64(dist, K, K, match, &total), SEG_OK);
    for (size_t i = 0; i < K; i++)
        assert_true(fabs(dist[i * K + (size_t)match[i]] - sqrt((double)D)) < 1e-9);

    assert_int_equal(seg_model_centroid_distances(a, m, dist, K * K), SEG_ERR_MISMATCH);
    assert_non_null(strstr(seg_last_error(), "one without scaler"));
    assert_int_equal(seg_model_centroid_distances(a, b, dist, K * K - 1), SEG_ERR_MISMATCH);
    assert_int_equal(seg_model_centroid_distances(a, NULL, dist, K * K), SEG_ERR_INVALID_ARG);
    seg_model_free(a);
    seg_model_free(b);
    seg_model_free(m);
    free(x);
    free(truth);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hungarian_matches_brute_force),
        cmocka_unit_test(test_hungarian_errors),
        cmocka_unit_test(test_deprecated_name),
        cmocka_unit_test(test_centroid_distances),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
