/*
 * seg_model_set_numeric_scaling: a model given a scaling predicts raw rows
 * as the scaled rows, survives its file, and refuses what it cannot hold.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include <cmocka.h>

#include "testutil.h"

static void test_scaling(void **state)
{
    (void)state;
    const size_t n = 300, d = 3, k = 3;
    double *x = malloc(n * d * sizeof *x), *xs = malloc(n * d * sizeof *xs);
    int32_t truth[300], a[300], b[300];
    const double center[3] = {5, -2, 100}, scale[3] = {2, 0.5, 10};
    tu_blobs(x, truth, n, d, k, 4);
    for (size_t i = 0; i < n * d; i++)
        xs[i] = (x[i] - center[i % d]) / scale[i % d];
    seg_kmeans *km = NULL;
    seg_model *m = NULL, *back = NULL;
    assert_int_equal(seg_kmeans_new(&km), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_K, (int64_t)k), SEG_OK);
    assert_int_equal(seg_kmeans_fit_f64(km, xs, n, d, NULL, a, &m), SEG_OK);
    assert_null(seg_model_scaler(m));
    /* refused: wrong d, a zero or non-finite scale, NULL */
    assert_int_equal(seg_model_set_numeric_scaling(m, SEG_SCALE_STANDARD, center, scale, NULL, 2),
                     SEG_ERR_MISMATCH);
    const double zero[3] = {1, 0, 1}, inf[3] = {1, INFINITY, 1};
    assert_int_equal(seg_model_set_numeric_scaling(m, SEG_SCALE_STANDARD, center, zero, NULL, 3),
                     SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_model_set_numeric_scaling(m, SEG_SCALE_STANDARD, inf, scale, NULL, 3),
                     SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_model_set_numeric_scaling(NULL, SEG_SCALE_STANDARD, center, scale, NULL, 3),
                     SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_model_set_numeric_scaling(m, SEG_SCALE_MINMAX, center, scale, NULL, 3), SEG_OK);
    assert_int_equal(seg_model_set_numeric_scaling(m, SEG_SCALE_MINMAX, center, scale, NULL, 3),
                     SEG_ERR_STATE);
    const seg_scaler *sc = seg_model_scaler(m);
    assert_non_null(sc);
    double c, s;
    for (size_t j = 0; j < d; j++) {
        assert_int_equal(seg_scaler_feature_affine(sc, j, &c, &s), SEG_OK);
        assert_true(c == center[j] && s == scale[j]);
    }
    int64_t method = -1;
    assert_int_equal(seg_scaler_get_int(sc, SEG_SCALER_METHOD, &method), SEG_OK);
    assert_int_equal(method, SEG_SCALE_MINMAX);
    /* through the file, then predict on the raw rows as a dataset */
    char path[] = "/tmp/seg_model_scaling_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(seg_model_save(m, path), SEG_OK);
    assert_int_equal(seg_model_load(&back, path), SEG_OK);
    remove(path);
    seg_dataset *ds = NULL;
    const char *const names[3] = {"x0", "x1", "x2"}; /* a .npy's column names */
    assert_int_equal(seg_dataset_from_f64(&ds, x, n, d, names), SEG_OK);
    seg_predictor *p = NULL;
    assert_int_equal(seg_predictor_new(&p, back), SEG_OK);
    assert_int_equal(seg_predictor_run_dataset(p, ds, b, NULL), SEG_OK);
    assert_memory_equal(a, b, n * sizeof *a);
    seg_predictor_free(p);
    seg_dataset_free(ds);

    /* The median given is what a missing number takes (NULL: the center). */
    seg_model *m2 = NULL;
    const double median[3] = {4, -1, 120};
    assert_int_equal(seg_kmeans_fit_f64(km, xs, n, d, NULL, NULL, &m2), SEG_OK);
    const double nan3[3] = {1, NAN, 1};
    assert_int_equal(seg_model_set_numeric_scaling(m2, SEG_SCALE_ROBUST, center, scale, nan3, 3),
                     SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_model_set_numeric_scaling(m2, SEG_SCALE_ROBUST, center, scale, median, 3),
                     SEG_OK);
    char csv[] = "/tmp/seg_model_scaling_csv_XXXXXX";
    fd = mkstemp(csv);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    fputs("x0,x1,x2\n,1,\n7,,3\n", f);
    fclose(f);
    assert_int_equal(seg_dataset_read_csv(&ds, csv, NULL), SEG_OK);
    remove(csv);
    double t[6];
    assert_int_equal(seg_scaler_transform_f64(seg_model_scaler(m2), ds, t, 6), SEG_OK);
    assert_true(t[0] == (median[0] - center[0]) / scale[0] && t[1] == (1 - center[1]) / scale[1] &&
                t[2] == (median[2] - center[2]) / scale[2] && t[4] == (median[1] - center[1]) / scale[1]);
    seg_dataset_free(ds);
    seg_model_free(m2);
    seg_model_free(m);
    seg_model_free(back);
    seg_kmeans_free(km);
    free(x);
    free(xs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scaling),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
