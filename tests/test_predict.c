/*
 * Predict: reproduces the fit's labels, exact distances, thread independence,
 * raw datasets through the model's scaler, and errors. Public API only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "seg.h"
#include "testutil.h"

static seg_model *fit(const void *x, int f32, size_t n, size_t d, size_t k, int32_t *labels)
{
    seg_kmeans *km = NULL;
    seg_model *m = NULL;
    assert_int_equal(seg_kmeans_new(&km), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_K, (int64_t)k), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_SEED, 4), SEG_OK);
    int rc = f32 ? seg_kmeans_fit_f32(km, x, n, d, NULL, labels, &m)
                 : seg_kmeans_fit_f64(km, x, n, d, NULL, labels, &m);
    assert_int_equal(rc, SEG_OK);
    seg_kmeans_free(km);
    return m;
}

/* Training rows get the fit's labels, in both precisions; distances are exact. */
static void test_reproduces_fit(void **state)
{
    (void)state;
    const size_t n = 5003, d = 7, k = 11; /* odd sizes: partial last block */
    double *x = malloc(n * d * sizeof *x), *dist = malloc(n * sizeof *dist);
    float *xf = malloc(n * d * sizeof *xf);
    int32_t *lf = malloc(n * 4), *lp = malloc(n * 4);
    double c[77];
    uint64_t s = 21;
    for (size_t i = 0; i < n * d; i++) {
        x[i] = tu_normal(&s) * 3 + (double)(i % 5);
        xf[i] = (float)x[i];
    }
    for (int f32 = 0; f32 <= 1; f32++) {
        seg_model *m = fit(f32 ? (const void *)xf : (const void *)x, f32, n, d, k, lf);
        seg_predictor *p = NULL;
        assert_int_equal(seg_predictor_new(&p, m), SEG_OK);
        int rc = f32 ? seg_predictor_run_f32(p, xf, n, d, lp, dist)
                     : seg_predictor_run_f64(p, x, n, d, lp, dist);
        assert_int_equal(rc, SEG_OK);
        assert_memory_equal(lf, lp, n * 4);
        seg_model_centroids_f64(m, c, k * d);
        double inertia = 0;
        for (size_t i = 0; i < n; i++) {
            double direct = sqrt(tu_sqdist(x + i * d, c + (size_t)lp[i] * d, d));
            assert_float_equal(dist[i], direct, f32 ? 1e-3 * (1 + direct) : 1e-9 * (1 + direct));
            inertia += direct * direct;
        }
        assert_float_equal(inertia, seg_model_inertia(m), (f32 ? 1e-5 : 1e-10) * inertia);
        seg_predictor_free(p);
        seg_model_free(m);
    }
    free(x);
    free(xf);
    free(dist);
    free(lf);
    free(lp);
}

static void test_threads_identical(void **state)
{
    (void)state;
    const size_t n = 20000, d = 3, k = 6;
    double *x = malloc(n * d * sizeof *x), *d1 = malloc(n * 8), *d2 = malloc(n * 8);
    int32_t *l1 = malloc(n * 4), *l2 = malloc(n * 4);
    uint64_t s = 1;
    for (size_t i = 0; i < n * d; i++)
        x[i] = tu_uniform(&s);
    seg_model *m = fit(x, 0, n, d, k, NULL);
    seg_predictor *a = NULL, *b = NULL;
    assert_int_equal(seg_predictor_new(&a, m), SEG_OK);
    assert_int_equal(seg_predictor_new(&b, m), SEG_OK);
    assert_int_equal(seg_predictor_set_int(b, SEG_PREDICTOR_THREADS, 3), SEG_OK);
    assert_int_equal(seg_predictor_run_f64(a, x, n, d, l1, d1), SEG_OK);
    assert_int_equal(seg_predictor_run_f64(b, x, n, d, l2, d2), SEG_OK);
    assert_memory_equal(l1, l2, n * 4);
    assert_memory_equal(d1, d2, n * 8);
    /* Batches reuse scratch and give the same answers as one call. */
    assert_int_equal(seg_predictor_run_f64(a, x + 100 * d, 50, d, l2, NULL), SEG_OK);
    assert_int_equal(seg_predictor_run_f64(a, x, 0, d, NULL, NULL), SEG_OK);
    seg_predictor_free(a);
    seg_predictor_free(b);
    seg_model_free(m);
    free(x);
    free(d1);
    free(d2);
    free(l1);
    free(l2);
}

static void test_dataset_through_scaler(void **state)
{
    (void)state;
    const size_t n = 300;
    double *x = malloc(n * 2 * sizeof *x), *swapped = malloc(n * 3 * sizeof *swapped);
    int32_t *lf = malloc(n * 4), *lp = malloc(n * 4);
    const char *names[] = {"income", "age"};
    const char *names2[] = {"extra", "age", "income"};
    uint64_t s = 6;
    for (size_t i = 0; i < n; i++) {
        x[i * 2] = 1000 * (double)(i % 3) + 50 * tu_normal(&s);
        x[i * 2 + 1] = 20 + 10 * (double)(i % 3) + tu_normal(&s);
        swapped[i * 3] = 7;
        swapped[i * 3 + 1] = x[i * 2 + 1];
        swapped[i * 3 + 2] = x[i * 2];
    }
    seg_dataset *ds = NULL, *ds2 = NULL;
    seg_scaler *sc = NULL;
    seg_kmeans *km = NULL;
    seg_model *m = NULL;
    seg_predictor *p = NULL;
    assert_int_equal(seg_dataset_from_f64(&ds, x, n, 2, names), SEG_OK);
    assert_int_equal(seg_dataset_from_f64(&ds2, swapped, n, 3, names2), SEG_OK);
    assert_int_equal(seg_scaler_new(&sc), SEG_OK);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_OK);
    assert_int_equal(seg_kmeans_new(&km), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_K, 3), SEG_OK);
    assert_int_equal(seg_kmeans_fit_dataset(km, ds, sc, lf, &m), SEG_OK);
    seg_scaler_free(sc); /* the model keeps its own copy */
    assert_non_null(seg_model_scaler(m));
    assert_string_equal(seg_scaler_feature_name(seg_model_scaler(m), 1), "age");
    assert_int_equal(seg_predictor_new(&p, m), SEG_OK);
    assert_int_equal(seg_predictor_run_dataset(p, ds, lp, NULL), SEG_OK);
    assert_memory_equal(lf, lp, n * 4);
    /* Columns are matched by name: order and extra columns do not matter. */
    assert_int_equal(seg_predictor_run_dataset(p, ds2, lp, NULL), SEG_OK);
    assert_memory_equal(lf, lp, n * 4);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(lf[i], lf[i % 3]); /* three groups by i % 3 */
    seg_predictor_free(p);
    seg_model_free(m);
    seg_kmeans_free(km);
    seg_dataset_free(ds);
    seg_dataset_free(ds2);
    free(x);
    free(swapped);
    free(lf);
    free(lp);
}

static void test_predict_errors(void **state)
{
    (void)state;
    const double x[] = {0, 0, 1, 1, 5, 5, 6, 6};
    double bad[] = {0, 0, INFINITY, 1};
    int32_t l[4];
    seg_model *m = fit(x, 0, 4, 2, 2, NULL);
    seg_predictor *p = NULL;
    assert_int_equal(seg_predictor_new(NULL, m), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_predictor_new(&p, NULL), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_predictor_new(&p, m), SEG_OK);
    assert_int_equal(seg_predictor_run_f64(p, x, 2, 4, l, NULL), SEG_ERR_MISMATCH);
    assert_int_equal(seg_predictor_run_f64(p, bad, 2, 2, l, NULL), SEG_ERR_NONFINITE);
    bad[2] = NAN;
    assert_int_equal(seg_predictor_run_f64(p, bad, 2, 2, l, NULL), SEG_ERR_NONFINITE);
    assert_int_equal(seg_predictor_set_int(p, SEG_PREDICTOR_THREADS, -1), SEG_ERR_INVALID_ARG);
    seg_predictor_free(p);
    seg_predictor_free(NULL);
    seg_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reproduces_fit),
        cmocka_unit_test(test_threads_identical),
        cmocka_unit_test(test_dataset_through_scaler),
        cmocka_unit_test(test_predict_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
