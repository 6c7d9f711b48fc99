/*
 * Cross-cutting API rules: versions, status strings, per-thread error details,
 * NULL-tolerant frees and accessors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <pthread.h>
#include <cmocka.h>

#include "seg.h"

static void test_version(void **state)
{
    (void)state;
    char expect[32];
    snprintf(expect, sizeof expect, "%d.%d.%d", SEG_VERSION_MAJOR, SEG_VERSION_MINOR,
             SEG_VERSION_PATCH);
    assert_string_equal(seg_version_string(), expect);
    assert_int_equal(seg_version_number(),
                     SEG_VERSION_MAJOR * 10000 + SEG_VERSION_MINOR * 100 + SEG_VERSION_PATCH);
}

static void test_strerror_distinct(void **state)
{
    (void)state;
    const char *seen[16];
    for (int code = 0; code >= SEG_ERR_TYPE; code--) {
        const char *s = seg_strerror(code);
        assert_non_null(s);
        assert_string_not_equal(s, "unknown error");
        for (int j = 0; j < -code; j++)
            assert_string_not_equal(s, seen[j]);
        seen[-code] = s;
    }
    assert_string_equal(seg_strerror(-1000), "unknown error");
    assert_string_equal(seg_strerror(5), "unknown error");
}

static void *fail_in_thread(void *arg)
{
    seg_kmeans *km = NULL;
    seg_kmeans_new(&km);
    /* A distinct failure per thread. */
    seg_kmeans_set_int(km, SEG_KMEANS_K, -(int64_t)(intptr_t)arg);
    seg_kmeans_free(km);
    /* The detail lives in this thread's storage: judge it before exiting. */
    return strstr(seg_last_error(), "-7 is outside") ? arg : NULL;
}

static void test_last_error_per_thread(void **state)
{
    (void)state;
    seg_clear_error();
    assert_string_equal(seg_last_error(), "");
    pthread_t t;
    void *res = NULL;
    assert_int_equal(pthread_create(&t, NULL, fail_in_thread, (void *)(intptr_t)7), 0);
    pthread_join(t, &res);
    assert_non_null(res);
    /* The other thread's failure is not visible here. */
    assert_string_equal(seg_last_error(), "");
    seg_model *m = NULL;
    assert_int_equal(seg_kmeans_fit_f64(NULL, NULL, 0, 0, NULL, NULL, &m), SEG_ERR_INVALID_ARG);
    assert_string_not_equal(seg_last_error(), "");
    /* Success leaves the detail as it was. */
    seg_kmeans *km = NULL;
    const char *before = seg_last_error();
    char copy[256];
    snprintf(copy, sizeof copy, "%s", before);
    assert_int_equal(seg_kmeans_new(&km), SEG_OK);
    assert_string_equal(seg_last_error(), copy);
    seg_kmeans_free(km);
}

static void test_null_tolerance(void **state)
{
    (void)state;
    seg_dataset_free(NULL);
    seg_scaler_free(NULL);
    seg_kmeans_free(NULL);
    seg_model_free(NULL);
    seg_predictor_free(NULL);
    seg_csv_options_free(NULL);
    assert_int_equal(seg_dataset_rows(NULL), 0);
    assert_int_equal(seg_dataset_columns(NULL), 0);
    assert_null(seg_dataset_column_name(NULL, 0));
    assert_int_equal(seg_model_k(NULL), 0);
    assert_null(seg_model_scaler(NULL));
    assert_int_equal(seg_scaler_features(NULL), 0);
    assert_int_equal(seg_kmeans_new(NULL), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_scaler_new(NULL), SEG_ERR_INVALID_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_strerror_distinct),
        cmocka_unit_test(test_last_error_per_thread),
        cmocka_unit_test(test_null_tolerance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
