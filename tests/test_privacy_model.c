/*
 * Privacy by construction: a saved model holds no customer id and no
 * customer row. The test fits on data whose ids and values are unmistakable
 * and searches the model file's bytes for them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "seg.h"

#define N 300

static int contains(const uint8_t *hay, size_t n, const void *needle, size_t m)
{
    for (size_t i = 0; i + m <= n; i++)
        if (memcmp(hay + i, needle, m) == 0)
            return 1;
    return 0;
}

static void test_model_holds_no_rows_or_ids(void **state)
{
    (void)state;
    /* Ids that cannot occur by chance, three numeric columns with values
     * unique to each row, and a categorical column. */
    size_t cap = N * 96 + 64, len = 0;
    char *csv = malloc(cap);
    len += (size_t)snprintf(csv + len, cap - len, "customer,balance,age,score,segment_hint\n");
    for (int i = 0; i < N; i++)
        len += (size_t)snprintf(csv + len, cap - len, "SECRET-ID-%06d,%.2f,%d.%03d,%d.5,%s\n", 7919 * i,
                                1000.0 * (i % 3) + 0.01 * i, 20 + i % 50, i, 3 * i + 7,
                                i % 2 ? "retail" : "private");
    seg_csv_options *o = NULL;
    seg_dataset *ds = NULL;
    seg_scaler *sc = NULL;
    seg_kmeans *km = NULL;
    seg_model *m = NULL;
    assert_int_equal(seg_csv_options_new(&o), SEG_OK);
    assert_int_equal(seg_csv_options_set_column_type(o, "customer", SEG_COLUMN_CATEGORICAL), SEG_OK);
    assert_int_equal(seg_dataset_read_csv_memory(&ds, csv, len, o), SEG_OK);
    assert_int_equal(seg_dataset_set_id_column(ds, "customer"), SEG_OK);
    assert_int_equal(seg_scaler_new(&sc), SEG_OK);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_OK);
    assert_int_equal(seg_kmeans_new(&km), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_K, 3), SEG_OK);
    assert_int_equal(seg_kmeans_fit_dataset(km, ds, sc, NULL, &m), SEG_OK);

    size_t size = 0;
    assert_int_equal(seg_model_save_mem(m, NULL, 0, &size), SEG_OK);
    uint8_t *buf = malloc(size);
    assert_int_equal(seg_model_save_mem(m, buf, size, &size), SEG_OK);

    /* No id, nor any part of the id scheme. */
    assert_false(contains(buf, size, "SECRET-ID", 9));
    assert_false(contains(buf, size, "customer", 8));
    /* No row: the values of a row never stand together, in the column
     * order or any other, and single raw values appear only where a
     * statistic happens to equal one (a median of an odd count). */
    size_t raw_values = 0;
    for (size_t i = 0; i < N; i++) {
        double v[3];
        for (size_t j = 0; j < 3; j++)
            assert_int_equal(seg_dataset_get_f64(ds, i, j, &v[j]), SEG_OK);
        assert_false(contains(buf, size, v, sizeof v));
        for (size_t j = 0; j < 3; j++)
            raw_values += (size_t)contains(buf, size, &v[j], sizeof v[j]);
    }
    /* At most one median per column per segment and overall. */
    assert_true(raw_values <= 3 * (3 + 1));
    free(buf);
    seg_model_free(m);
    seg_kmeans_free(km);
    seg_scaler_free(sc);
    seg_dataset_free(ds);
    seg_csv_options_free(o);
    free(csv);
}

/* An id column left among the features would put every id in the model:
 * the scaler refuses it; 19 rows are too few to tell, 20 are not. */
static void test_identifier_column_refused(void **state)
{
    (void)state;
    char csv[2048];
    for (int rows = 19; rows <= 20; rows++) {
        size_t len = (size_t)snprintf(csv, sizeof csv, "customer,balance\n");
        for (int i = 0; i < rows; i++)
            len += (size_t)snprintf(csv + len, sizeof csv - len, "C%03d,%d\n", i, i % 4);
        seg_dataset *ds = NULL;
        seg_scaler *sc = NULL;
        assert_int_equal(seg_dataset_read_csv_memory(&ds, csv, len, NULL), SEG_OK);
        assert_int_equal(seg_scaler_new(&sc), SEG_OK);
        int rc = seg_scaler_fit(sc, ds);
        if (rows < 20) {
            assert_int_equal(rc, SEG_OK);
        } else {
            assert_int_equal(rc, SEG_ERR_PRIVACY);
            assert_non_null(strstr(seg_last_error(), "'customer'"));
            assert_string_equal(seg_strerror(rc), "data would identify customers");
            assert_int_equal(seg_dataset_set_id_column(ds, "customer"), SEG_OK);
            assert_int_equal(seg_scaler_fit(sc, ds), SEG_OK);
        }
        seg_scaler_free(sc);
        seg_dataset_free(ds);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_holds_no_rows_or_ids),
        cmocka_unit_test(test_identifier_column_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
