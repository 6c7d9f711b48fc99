/*
 * A share of a CSV file read by the serial reader (seg_csv_share_head,
 * seg_csv_share_scan, seg_dataset_read_csv_share): where the header and
 * the first record end, the per-column counts that choose the types, the
 * agreed levels interned first, the file's physical lines in rows and
 * messages, a share of no record, and a header that does not end where the
 * caller says. libseg-mpi builds its CSV reader on these (docs/mpi.md).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <seg.h>

static void test_head(void **state)
{
    (void)state;
    const char text[] = "a,b\r\n1,x\r\n2,y\r\n";
    size_t n_cols = 0, head[3] = {0};
    assert_int_equal(seg_csv_share_head(text, strlen(text), "f.csv", NULL, &n_cols, head), SEG_OK);
    assert_int_equal(n_cols, 2);
    assert_int_equal(head[0], 5);  /* after "a,b\r\n" */
    assert_int_equal(head[1], 2);  /* the line there */
    assert_int_equal(head[2], 10); /* after "1,x\r\n" */
    /* No data row: the first record ends where the header does. */
    assert_int_equal(seg_csv_share_head("a,b\n", 4, "f.csv", NULL, &n_cols, head), SEG_OK);
    assert_int_equal(head[2], head[0]);
}

/* The header, then records from line 3 of the file: "2,y", then a quoted
 * field over two lines, then "oops" in a numeric column. */
static const char share[] = "a,b\n2,y\n3,\"q\nz\"\noops,x\n";

static void test_scan(void **state)
{
    (void)state;
    int64_t st[2 * SEG_CSV_SHARE_STATS];
    size_t rows = 0;
    assert_int_equal(seg_csv_share_scan(share, strlen(share), 4, 3, "f.csv", NULL, 2, st, &rows),
                     SEG_OK);
    assert_int_equal(rows, 3);
    /* a: 2 numbers, 1 text first seen on line 6 ("oops") */
    assert_int_equal(st[0], 2);
    assert_int_equal(st[1], 1);
    assert_int_equal(st[2], 0);
    assert_int_equal(st[3], 6);
    assert_memory_equal(share + st[4], "oops", 4);
    assert_int_equal(st[5], 4);
    /* b: three texts, the first on line 3 */
    assert_int_equal(st[SEG_CSV_SHARE_STATS + 1], 3);
    assert_int_equal(st[SEG_CSV_SHARE_STATS + 3], 3);
}

static void test_read(void **state)
{
    (void)state;
    const seg_column_type types[2] = {SEG_COLUMN_CATEGORICAL, SEG_COLUMN_CATEGORICAL};
    const char *levels[] = {"oops", "x", "y", "q\nz"};
    const size_t n_levels[2] = {1, 3};
    seg_dataset *ds = NULL;
    const char *v = NULL;
    assert_int_equal(seg_dataset_read_csv_share(&ds, share, strlen(share), 4, 3, "f.csv", NULL,
                                                types, 2, levels, n_levels),
                     SEG_OK);
    assert_int_equal(seg_dataset_rows(ds), 3);
    assert_int_equal(seg_dataset_row_line(ds, 0), 3);
    assert_int_equal(seg_dataset_row_line(ds, 1), 4);
    assert_int_equal(seg_dataset_row_line(ds, 2), 6);
    /* The given levels come first, in their order, then those first seen. */
    assert_int_equal(seg_dataset_column_levels(ds, 0), 3);
    assert_string_equal(seg_dataset_column_level(ds, 0, 0), "oops");
    assert_string_equal(seg_dataset_column_level(ds, 0, 1), "2");
    assert_string_equal(seg_dataset_column_level(ds, 1, 0), "x");
    assert_string_equal(seg_dataset_column_level(ds, 1, 2), "q\nz");
    assert_null(seg_dataset_column_level(ds, 1, 3));
    assert_int_equal(seg_dataset_get_text(ds, 1, 1, &v), SEG_OK);
    assert_string_equal(v, "q\nz");
    seg_dataset_free(ds);

    /* Numeric "a": the text is an error naming the file's line and field. */
    const seg_column_type numeric[2] = {SEG_COLUMN_NUMERIC, SEG_COLUMN_CATEGORICAL};
    assert_int_equal(seg_dataset_read_csv_share(&ds, share, strlen(share), 4, 3, "f.csv", NULL,
                                                numeric, 2, NULL, NULL),
                     SEG_ERR_PARSE);
    assert_null(ds);
    assert_non_null(strstr(seg_last_error(), "f.csv:6:1:"));
}

static void test_ragged_line(void **state)
{
    (void)state;
    const char text[] = "a,b\n1,x\n2\n";
    int64_t st[2 * SEG_CSV_SHARE_STATS];
    size_t rows = 0;
    assert_int_equal(seg_csv_share_scan(text, strlen(text), 4, 41, "f.csv", NULL, 2, st, &rows),
                     SEG_ERR_PARSE);
    assert_non_null(strstr(seg_last_error(), "f.csv:42:"));
}

static void test_empty_share(void **state)
{
    (void)state;
    const seg_column_type types[2] = {SEG_COLUMN_NUMERIC, SEG_COLUMN_CATEGORICAL};
    int64_t st[2 * SEG_CSV_SHARE_STATS];
    size_t rows = 9;
    seg_dataset *ds = NULL;
    assert_int_equal(seg_csv_share_scan("a,b\n", 4, 4, 2, "f.csv", NULL, 2, st, &rows), SEG_OK);
    assert_int_equal(rows, 0);
    assert_int_equal(
        seg_dataset_read_csv_share(&ds, "a,b\n", 4, 4, 2, "f.csv", NULL, types, 2, NULL, NULL),
        SEG_OK);
    assert_int_equal(seg_dataset_rows(ds), 0);
    assert_string_equal(seg_dataset_column_name(ds, 1), "b");
    seg_dataset_free(ds);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    const seg_column_type bad[2] = {SEG_COLUMN_NUMERIC, SEG_COLUMN_AUTO};
    int64_t st[3 * SEG_CSV_SHARE_STATS];
    size_t rows = 0;
    seg_dataset *ds = NULL;
    /* The header does not end where the caller says. */
    assert_int_equal(seg_csv_share_scan(share, strlen(share), 5, 3, "f.csv", NULL, 2, st, &rows),
                     SEG_ERR_INVALID_ARG);
    /* Another width than the header's. */
    assert_int_equal(seg_csv_share_scan(share, strlen(share), 4, 3, "f.csv", NULL, 3, st, &rows),
                     SEG_ERR_MISMATCH);
    assert_int_equal(seg_dataset_read_csv_share(&ds, share, strlen(share), 4, 3, "f.csv", NULL,
                                                NULL, 2, NULL, NULL),
                     SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_dataset_read_csv_share(&ds, share, strlen(share), 4, 3, "f.csv", NULL, bad,
                                                2, NULL, NULL),
                     SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_csv_share_scan(NULL, 3, 0, 0, "f.csv", NULL, 2, st, &rows),
                     SEG_ERR_INVALID_ARG);
    assert_null(seg_dataset_column_level(NULL, 0, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_head),        cmocka_unit_test(test_scan),
        cmocka_unit_test(test_read),        cmocka_unit_test(test_ragged_line),
        cmocka_unit_test(test_empty_share), cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
