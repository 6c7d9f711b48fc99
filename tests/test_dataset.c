/*
 * Dataset: array constructors, column selection, id and weight columns,
 * typed access, dense views, and their error paths.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "data/data.h"

static const double grid[] = {
    1, 10, 100, /* row 0 */
    2, 20, 200, /* row 1 */
    3, 30, 300, /* row 2 */
};

static seg_dataset *make(const char *const *names)
{
    seg_dataset *ds = NULL;
    assert_int_equal(seg_dataset_from_f64(&ds, grid, 3, 3, names), SEG_OK);
    return ds;
}

static void test_from_arrays(void **state)
{
    (void)state;
    const float f[] = {1.5f, -2.0f, 3.25f, 4.0f};
    seg_dataset *ds = make(NULL), *df = NULL;
    double v;
    assert_int_equal(seg_dataset_rows(ds), 3);
    assert_int_equal(seg_dataset_columns(ds), 3);
    assert_string_equal(seg_dataset_column_name(ds, 2), "x2");
    assert_null(seg_dataset_column_name(ds, 3));
    assert_int_equal(seg_dataset_column_type(ds, 1), SEG_COLUMN_NUMERIC);
    assert_int_equal(seg_dataset_get_f64(ds, 2, 1, &v), SEG_OK);
    assert_float_equal(v, 30, 0);
    assert_int_equal(seg_dataset_get_f64(ds, 3, 0, &v), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_dataset_from_f32(&df, f, 2, 2, NULL), SEG_OK);
    assert_int_equal(seg_dataset_get_f64(df, 1, 0, &v), SEG_OK);
    assert_float_equal(v, 3.25, 0);
    /* The caller's array is copied. */
    double copy[9];
    memcpy(copy, grid, sizeof grid);
    seg_dataset *dc = NULL;
    assert_int_equal(seg_dataset_from_f64(&dc, copy, 3, 3, NULL), SEG_OK);
    copy[0] = 99;
    assert_int_equal(seg_dataset_get_f64(dc, 0, 0, &v), SEG_OK);
    assert_float_equal(v, 1, 0);
    seg_dataset_free(dc);
    seg_dataset_free(df);
    seg_dataset_free(ds);
}

static void test_array_errors(void **state)
{
    (void)state;
    seg_dataset *ds = (seg_dataset *)1;
    const double bad[] = {1, 2, 3, INFINITY};
    const char *dup[] = {"a", "b", "a"};
    assert_int_equal(seg_dataset_from_f64(&ds, grid, 0, 3, NULL), SEG_ERR_EMPTY);
    assert_null(ds);
    assert_int_equal(seg_dataset_from_f64(&ds, grid, 3, 0, NULL), SEG_ERR_EMPTY);
    assert_int_equal(seg_dataset_from_f64(&ds, bad, 2, 2, NULL), SEG_ERR_NONFINITE);
    assert_non_null(strstr(seg_last_error(), "row 2, column 2"));
    assert_int_equal(seg_dataset_from_f64(&ds, grid, 3, 3, dup), SEG_ERR_LIMIT);
    assert_non_null(strstr(seg_last_error(), "'a'"));
    assert_int_equal(seg_dataset_from_f64(&ds, grid, SIZE_MAX / 4, 3, NULL), SEG_ERR_OVERFLOW);
    assert_int_equal(seg_dataset_from_f64(&ds, NULL, 3, 3, NULL), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_dataset_from_f64(NULL, grid, 3, 3, NULL), SEG_ERR_INVALID_ARG);
}

static void test_select_and_drop(void **state)
{
    (void)state;
    const char *names[] = {"age", "balance", "loans"};
    seg_dataset *ds = make(names);
    const char *sel[] = {"loans", "age"};
    const char *missing[] = {"age", "nope"};
    const char *twice[] = {"age", "age"};
    double v;
    bool f32;
    assert_non_null(seg_dataset_dense_view(ds, &f32));
    assert_int_equal(seg_dataset_select(ds, missing, 2), SEG_ERR_NOT_FOUND);
    assert_non_null(strstr(seg_last_error(), "nope"));
    assert_int_equal(seg_dataset_columns(ds), 3); /* unchanged on failure */
    assert_int_equal(seg_dataset_select(ds, twice, 2), SEG_ERR_LIMIT);
    assert_int_equal(seg_dataset_select(ds, sel, 2), SEG_OK);
    assert_int_equal(seg_dataset_columns(ds), 2);
    assert_string_equal(seg_dataset_column_name(ds, 0), "loans");
    assert_int_equal(seg_dataset_get_f64(ds, 1, 0, &v), SEG_OK);
    assert_float_equal(v, 200, 0);
    /* Reordered columns are no longer a plain view of the block. */
    assert_null(seg_dataset_dense_view(ds, &f32));
    seg_dataset_free(ds);

    ds = make(names);
    const char *drop[] = {"balance"};
    const char *all[] = {"age", "balance", "loans"};
    assert_int_equal(seg_dataset_drop(ds, all, 3), SEG_ERR_EMPTY);
    assert_int_equal(seg_dataset_drop(ds, missing, 2), SEG_ERR_NOT_FOUND);
    assert_int_equal(seg_dataset_columns(ds), 3);
    assert_int_equal(seg_dataset_drop(ds, drop, 1), SEG_OK);
    assert_int_equal(seg_dataset_columns(ds), 2);
    assert_string_equal(seg_dataset_column_name(ds, 1), "loans");
    size_t j;
    assert_int_equal(seg_dataset_column_index(ds, "loans", &j), SEG_OK);
    assert_int_equal(j, 1);
    assert_int_equal(seg_dataset_column_index(ds, "balance", &j), SEG_ERR_NOT_FOUND);
    seg_dataset_free(ds);
}

static void test_id_and_weights(void **state)
{
    (void)state;
    const char *names[] = {"customer", "value", "spend"};
    const double rows[] = {7, 1.5, 10, 8, 2, 20, 1e20, 0.5, 30};
    seg_dataset *ds = NULL;
    assert_int_equal(seg_dataset_from_f64(&ds, rows, 3, 3, names), SEG_OK);
    assert_null(seg_dataset_id_name(ds));
    assert_null(seg_dataset_id(ds, 0));
    assert_int_equal(seg_dataset_set_id_column(ds, "nope"), SEG_ERR_NOT_FOUND);
    assert_int_equal(seg_dataset_set_id_column(ds, "customer"), SEG_OK);
    assert_int_equal(seg_dataset_set_id_column(ds, "value"), SEG_ERR_STATE);
    assert_string_equal(seg_dataset_id_name(ds), "customer");
    assert_string_equal(seg_dataset_id(ds, 0), "7");
    assert_string_equal(seg_dataset_id(ds, 2), "1e+20");
    assert_null(seg_dataset_id(ds, 3));
    assert_int_equal(seg_dataset_columns(ds), 2);
    assert_int_equal(seg_dataset_set_weight_column(ds, "value"), SEG_OK);
    assert_int_equal(seg_dataset_columns(ds), 1);
    assert_string_equal(seg_dataset_column_name(ds, 0), "spend");
    const double *w = seg_dataset_weights(ds);
    assert_non_null(w);
    assert_float_equal(w[0], 1.5, 0);
    assert_float_equal(w[2], 0.5, 0);
    assert_int_equal(seg_dataset_set_weight_column(ds, "spend"), SEG_ERR_STATE);
    double out[3];
    assert_int_equal(seg_dataset_copy_f64(ds, out, 3), SEG_OK);
    assert_float_equal(out[1], 20, 0);
    assert_int_equal(seg_dataset_copy_f64(ds, out, 2), SEG_ERR_MISMATCH);
    seg_dataset_free(ds);

    const char *bn[] = {"w", "x"};
    const double zero[] = {1, 0, 0, 1};
    assert_int_equal(seg_dataset_from_f64(&ds, zero, 2, 2, bn), SEG_OK);
    assert_int_equal(seg_dataset_set_weight_column(ds, "x"), SEG_ERR_NONFINITE);
    assert_non_null(strstr(seg_last_error(), "row 1"));
    assert_null(seg_dataset_weights(ds));
    assert_int_equal(seg_dataset_columns(ds), 2);
    seg_dataset_free(ds);
}

/* Categorical columns through the CSV reader: text access, types, ids. */
static void test_categorical_columns(void **state)
{
    (void)state;
    const char text[] = "id,job,age\n007,admin,30\n008,,40\n009,admin,50\n";
    seg_csv_options *o = NULL;
    seg_dataset *ds = NULL;
    const char *s;
    double v;
    assert_int_equal(seg_csv_options_new(&o), SEG_OK);
    assert_int_equal(seg_csv_options_set_column_type(o, "id", SEG_COLUMN_CATEGORICAL), SEG_OK);
    assert_int_equal(seg_dataset_read_csv_memory(&ds, text, sizeof text - 1, o), SEG_OK);
    assert_int_equal(seg_dataset_column_type(ds, 1), SEG_COLUMN_CATEGORICAL);
    assert_int_equal(seg_dataset_column_levels(ds, 1), 1);
    assert_int_equal(seg_dataset_column_missing(ds, 1), 1);
    assert_int_equal(seg_dataset_get_text(ds, 0, 1, &s), SEG_OK);
    assert_string_equal(s, "admin");
    assert_int_equal(seg_dataset_get_text(ds, 1, 1, &s), SEG_OK);
    assert_null(s);
    assert_int_equal(seg_dataset_get_text(ds, 0, 2, &s), SEG_ERR_TYPE);
    assert_int_equal(seg_dataset_get_f64(ds, 0, 1, &v), SEG_ERR_TYPE);
    assert_int_equal(seg_dataset_set_weight_column(ds, "job"), SEG_ERR_TYPE);
    double out[9];
    assert_int_equal(seg_dataset_copy_f64(ds, out, 9), SEG_ERR_TYPE);
    assert_int_equal(seg_dataset_set_id_column(ds, "id"), SEG_OK);
    assert_string_equal(seg_dataset_id(ds, 0), "007"); /* spelling kept */
    seg_dataset_free(ds);
    seg_csv_options_free(o);
}

/* A CSV of n rows whose columns are built by row(i, buf) into text. */
static seg_dataset *table(size_t n, const char *header, void (*row)(size_t, char *, size_t))
{
    size_t cap = 64 * (n + 2), len = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    len += (size_t)snprintf(text, cap, "%s\n", header);
    for (size_t i = 0; i < n; i++) {
        row(i, text + len, cap - len);
        len += strlen(text + len);
    }
    seg_dataset *ds = NULL;
    assert_int_equal(seg_dataset_read_csv_memory(&ds, text, len, NULL), SEG_OK);
    free(text);
    return ds;
}

/* Columns: rownum 1..n; custno growing by 7; shuffled 0..n-1; id C<i>;
 * age and a 0/1 flag; balance distinct but in no order; a name repeated
 * every other row (half distinct). */
static void id_row(size_t i, char *buf, size_t len)
{
    snprintf(buf, len, "%zu,%zu,%zu,C%04zu,%zu,%zu,%zu.5,n%zu\n", i + 1, 1000 + 7 * i,
             (i * 7) % 23, i, 20 + (i * 5) % 40, i % 2, (i * 37) % 101, i / 2);
}

static void test_identifier_columns(void **state)
{
    (void)state;
    seg_dataset *ds = table(23, "rownum,custno,shuffled,cust,age,flag,balance,name", id_row);
    const seg_identifier_kind want[] = {SEG_IDENTIFIER_ROW_NUMBER, SEG_IDENTIFIER_INCREASING,
                                        SEG_IDENTIFIER_ROW_NUMBER, SEG_IDENTIFIER_TEXT,
                                        SEG_IDENTIFIER_NONE,       SEG_IDENTIFIER_NONE,
                                        SEG_IDENTIFIER_NONE,       SEG_IDENTIFIER_NONE};
    for (size_t j = 0; j < 8; j++)
        assert_int_equal(seg_dataset_column_identifier(ds, j), want[j]);
    assert_int_equal(seg_dataset_column_identifier(ds, 8), SEG_IDENTIFIER_NONE);
    assert_int_equal(seg_dataset_column_identifier(NULL, 0), SEG_IDENTIFIER_NONE);
    seg_dataset_free(ds);
    /* Under 20 rows nothing is an identifier. */
    ds = table(19, "rownum,custno,shuffled,cust,age,flag,balance,name", id_row);
    for (size_t j = 0; j < 8; j++)
        assert_int_equal(seg_dataset_column_identifier(ds, j), SEG_IDENTIFIER_NONE);
    seg_dataset_free(ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_from_arrays),
        cmocka_unit_test(test_array_errors),
        cmocka_unit_test(test_select_and_drop),
        cmocka_unit_test(test_id_and_weights),
        cmocka_unit_test(test_categorical_columns),
        cmocka_unit_test(test_identifier_columns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
