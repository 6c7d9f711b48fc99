/*
 * Choosing k: the recorded values equal separate fits and metrics, the rule
 * picks the true number of blobs and skips k with a tiny segment, progress
 * is reported and can cancel. Public API only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "seg.h"
#include "testutil.h"

static seg_kmeans *kmeans(void)
{
    seg_kmeans *km = NULL;
    assert_int_equal(seg_kmeans_new(&km), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_SEED, 5), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_N_INIT, 3), SEG_OK);
    return km;
}

static double get(const seg_sweep *s, size_t i, seg_sweep_stat st)
{
    double v;
    assert_int_equal(seg_sweep_get(s, i, st, &v), SEG_OK);
    return v;
}

static void test_blobs_and_values(void **state)
{
    (void)state;
    const size_t n = 800, d = 3;
    double *x = malloc(n * d * sizeof *x);
    int32_t *truth = malloc(n * sizeof *truth), *lab = malloc(n * sizeof *lab);
    tu_blobs(x, truth, n, d, 4, 11);
    seg_kmeans *km = kmeans();
    seg_sweep *s = NULL;
    assert_int_equal(seg_sweep_new(&s), SEG_OK);
    assert_int_equal(seg_sweep_set_int(s, SEG_SWEEP_K_MAX, 7), SEG_OK);
    assert_int_equal(seg_sweep_run_f64(s, km, x, n, d, NULL), SEG_OK);
    assert_int_equal(seg_sweep_count(s), 6);
    size_t k;
    assert_int_equal(seg_sweep_chosen(s, &k), SEG_OK);
    assert_int_equal(k, 4);
    int64_t kk;
    assert_int_equal(seg_kmeans_get_int(km, SEG_KMEANS_K, &kk), SEG_OK);
    assert_int_equal(kk, 8); /* restored */
    /* Row 2 (k = 4) equals a separate fit with the same settings. */
    seg_model *m = NULL;
    double sil, ch;
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_K, 4), SEG_OK);
    assert_int_equal(seg_kmeans_fit_f64(km, x, n, d, NULL, lab, &m), SEG_OK);
    assert_float_equal(get(s, 2, SEG_SWEEP_K), 4, 0);
    assert_float_equal(get(s, 2, SEG_SWEEP_INERTIA), seg_model_inertia(m), 0);
    assert_int_equal(seg_metrics_silhouette_f64(x, n, d, lab, 4, NULL, 10000, 0, &sil), SEG_OK);
    assert_float_equal(get(s, 2, SEG_SWEEP_SILHOUETTE), sil, 0);
    assert_int_equal(seg_metrics_calinski_harabasz_f64(x, n, d, lab, 4, NULL, &ch), SEG_OK);
    assert_float_equal(get(s, 2, SEG_SWEEP_CALINSKI_HARABASZ), ch, 0);
    assert_float_equal(get(s, 2, SEG_SWEEP_SMALLEST_SHARE), 0.25, 1e-12); /* 200 per blob */
    /* Inertia falls with k. */
    for (size_t i = 1; i < 6; i++)
        assert_true(get(s, i, SEG_SWEEP_INERTIA) <= get(s, i - 1, SEG_SWEEP_INERTIA));
    double v;
    assert_int_equal(seg_sweep_get(s, 6, SEG_SWEEP_K, &v), SEG_ERR_INVALID_ARG);
    seg_model_free(m);
    seg_sweep_free(s);
    seg_kmeans_free(km);
    free(x);
    free(truth);
    free(lab);
}

/* Blobs of 490, 490 and 20 rows: k = 3 has the best silhouette but a 2 %
 * segment, so the rule takes the best k whose smallest segment has 5 %. */
static void test_small_segment_rule(void **state)
{
    (void)state;
    const size_t n = 1000, d = 2;
    double x[2000];
    uint64_t seed = 3;
    for (size_t i = 0; i < n; i++) {
        double cx = i < 490 ? 0 : i < 980 ? 20 : -60;
        x[2 * i] = cx + tu_normal(&seed);
        x[2 * i + 1] = tu_normal(&seed);
    }
    seg_kmeans *km = kmeans();
    seg_sweep *s = NULL;
    size_t k;
    assert_int_equal(seg_sweep_new(&s), SEG_OK);
    assert_int_equal(seg_sweep_set_int(s, SEG_SWEEP_K_MAX, 5), SEG_OK);
    assert_int_equal(seg_sweep_run_f64(s, km, x, n, d, NULL), SEG_OK);
    assert_float_equal(get(s, 1, SEG_SWEEP_SMALLEST_SHARE), 0.02, 1e-12);
    size_t best_sil = 0;
    for (size_t i = 1; i < 4; i++)
        if (get(s, i, SEG_SWEEP_SILHOUETTE) > get(s, best_sil, SEG_SWEEP_SILHOUETTE))
            best_sil = i;
    assert_int_equal(best_sil, 1); /* k = 3 */
    assert_int_equal(seg_sweep_chosen(s, &k), SEG_OK);
    assert_true(k != 3);
    assert_true(get(s, k - 2, SEG_SWEEP_SMALLEST_SHARE) >= 0.05);
    assert_int_equal(k, 2); /* 510 / 490 */
    assert_float_equal(get(s, 0, SEG_SWEEP_LARGEST_SHARE), 0.51, 1e-12);
    /* Largest at most 50 %: no k qualifies, so the best silhouette overall. */
    assert_int_equal(seg_sweep_set_double(s, SEG_SWEEP_MAX_SHARE, 0.5), SEG_OK);
    assert_int_equal(seg_sweep_chosen(s, &k), SEG_OK);
    assert_int_equal(k, 3);
    assert_int_equal(seg_sweep_set_double(s, SEG_SWEEP_MAX_SHARE, 0.6), SEG_OK);
    assert_int_equal(seg_sweep_set_double(s, SEG_SWEEP_MIN_SHARE, 0.01), SEG_OK);
    assert_int_equal(seg_sweep_chosen(s, &k), SEG_OK);
    assert_int_equal(k, 3);
    assert_int_equal(seg_sweep_set_double(s, SEG_SWEEP_MIN_SHARE, 2), SEG_ERR_INVALID_ARG);
    seg_sweep_free(s);
    seg_kmeans_free(km);
}

typedef struct calls {
    size_t seen[16], n, stop_at;
} calls;

static int on_progress(void *user, size_t done, size_t total)
{
    calls *c = user;
    assert_int_equal(total, 3);
    c->seen[c->n++] = done;
    return done == c->stop_at;
}

static void test_progress_and_cancel(void **state)
{
    (void)state;
    const size_t n = 300, d = 2;
    double x[600];
    int32_t truth[300];
    tu_blobs(x, truth, n, d, 3, 1);
    seg_kmeans *km = kmeans();
    seg_sweep *s = NULL;
    calls c = {.stop_at = 99};
    assert_int_equal(seg_sweep_new(&s), SEG_OK);
    assert_int_equal(seg_sweep_set_int(s, SEG_SWEEP_K_MAX, 4), SEG_OK);
    assert_int_equal(seg_sweep_set_progress(s, on_progress, &c), SEG_OK);
    assert_int_equal(seg_sweep_run_f64(s, km, x, n, d, NULL), SEG_OK);
    assert_int_equal(c.n, 4);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(c.seen[i], i);
    c = (calls){.stop_at = 1};
    assert_int_equal(seg_sweep_run_f64(s, km, x, n, d, NULL), SEG_ERR_CANCELLED);
    assert_non_null(strstr(seg_last_error(), "cancelled before k = 3"));
    assert_int_equal(seg_sweep_count(s), 0);
    size_t k;
    assert_int_equal(seg_sweep_chosen(s, &k), SEG_ERR_STATE);
    assert_int_equal(seg_sweep_set_int(s, SEG_SWEEP_K_MIN, 5), SEG_OK);
    assert_int_equal(seg_sweep_run_f64(s, km, x, n, d, NULL), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_sweep_set_int(s, SEG_SWEEP_K_MIN, 1), SEG_ERR_INVALID_ARG);
    seg_sweep_free(s);
    seg_kmeans_free(km);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blobs_and_values),
        cmocka_unit_test(test_small_segment_rule),
        cmocka_unit_test(test_progress_and_cancel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
