/*
 * The bad-input catalogue: malformed and hostile inputs, each with the exact
 * status it must give and a fragment of the message that must explain it.
 * Public API only. Model files come last: sections that are each well
 * formed but disagree, behind a valid checksum.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "seg.h"

typedef struct csv_case {
    const char *name;
    const char *text;
    size_t len;         /* 0: strlen(text) */
    int status;
    const char *fragment; /* in seg_last_error(), or NULL when status is SEG_OK */
} csv_case;

#define CASE(name, text, status, frag) {name, text, sizeof text - 1, status, frag}

static const csv_case csv_cases[] = {
    CASE("empty input", "", SEG_ERR_EMPTY, "expected a header row"),
    CASE("BOM only", "\xef\xbb\xbf", SEG_ERR_EMPTY, "expected a header row"),
    CASE("header only", "a,b\n", SEG_ERR_EMPTY, "expected a data row after the header"),
    CASE("blank lines only after header", "a,b\n\n\n", SEG_ERR_EMPTY, "expected a data row"),
    CASE("ragged row, too short", "a,b\n1,2\n3\n", SEG_ERR_PARSE, ":3:1: found a row of 1 field"),
    CASE("ragged row, too long", "a,b\n1,2,3\n", SEG_ERR_PARSE,
         "found a row of 3 fields, expected 2"),
    CASE("empty row between rows", "a,b\n1,2\n\n3,4\n", SEG_OK, NULL),
    CASE("row of delimiters", "a,b\n,\n", SEG_OK, NULL),
    CASE("unterminated quote", "a,b\n\"1,2\n3,4\n", SEG_ERR_PARSE,
         ":2:1: found a quoted field that is never closed"),
    CASE("text after closing quote", "a\n\"x\"y\n", SEG_ERR_PARSE,
         "found 'y' after the closing quote"),
    CASE("NUL byte", "a,b\n1,\0\n", SEG_ERR_PARSE, "found a NUL byte (byte offset 6)"),
    CASE("invalid UTF-8 kept as bytes", "a\n\xff\xfe\n\xc3\x28\n", SEG_OK, NULL),
    CASE("1e999 in a numeric column", "a\n1\n2\n1e999\n", SEG_ERR_PARSE,
         "found \"1e999\", expected a number"),
    CASE("-0 is a number", "a\n-0\n1\n", SEG_OK, NULL),
    CASE("0x10 in a numeric column", "a\n0x10\n1\n2\n", SEG_ERR_PARSE,
         "found \"0x10\", expected a number"),
    CASE("inf in a numeric column", "a\ninf\n1\n2\n", SEG_ERR_PARSE, "found \"inf\""),
    CASE("1,5 in a ; file is text", "a;b\n1,5;2\n2,5;3\n", SEG_OK, NULL),
    CASE("duplicate column names", "a,b,a\n1,2,3\n", SEG_ERR_LIMIT,
         "found column name \"a\" again"),
    CASE("all-missing column", "a,b\n1,\n2,NA\n3,null\n", SEG_OK, NULL),
    CASE("quoted name holding the delimiter", "\"a,b\",c\n1,2\n", SEG_OK, NULL),
    CASE("stray text names line and column", "id,age\n1,30\n2,forty\n3,50\n", SEG_ERR_PARSE,
         ":3:2: column \"age\": found \"forty\""),
    CASE("header with an empty name", ",b\n1,2\n", SEG_OK, NULL),
    CASE("CR-only line ends", "a,b\r1,2\r3,4\r", SEG_OK, NULL),
    CASE("'|' file read as one column", "a|b|c\n1|2|3\n", SEG_ERR_PARSE,
         ":1:1: the file reads as one column named 'a|b|c': the delimiter looks like '|'"),
    CASE("quoted one-column name is meant", "\"a|b\"\n1|2\n", SEG_OK, NULL),
    CASE("one column, '|' only in the header", "a|b\n1\n2\n", SEG_OK, NULL),
    /* Issue 14 item 8: the hostile inputs on which the streaming reader differed. */
    CASE("NUL inside a header name", "a\0x,b\n1,2\n", SEG_ERR_PARSE, ":1:1: found a NUL byte"),
    CASE("NUL inside ids", "id,v\nC1\0X,1\nC1\0Y,2\nC1,3\n", SEG_ERR_PARSE,
         ":2:1: found a NUL byte (byte offset 7)"),
    CASE("NUL inside quotes", "a,b\n1,\"x\0\"\n", SEG_ERR_PARSE, ":2:2: found a NUL byte"),
    CASE("lone CR among LF line ends", "a,b\n1,2\r3,4\n5,6,7\n", SEG_ERR_PARSE,
         ":4:3: found a row of 3 fields"),
    CASE("CR kept inside quotes", "a,b\r\"x\ry\",1\rz,2\r", SEG_OK, NULL),
    CASE("DBL_MAX and the smallest denormal", "a,b\n1.7976931348623157e308,4.9406564584124654e-324\n"
         "-1.7976931348623157e308,2.2250738585072011e-308\n", SEG_OK, NULL),
    CASE("past DBL_MAX in a numeric column", "a\n1\n2\n1.7976931348623159e308\n", SEG_ERR_PARSE,
         ":4:1: column \"a\": found \"1.7976931348623159e308\", expected a number"),
    CASE("BOM before a quoted name", "\xef\xbb\xbf\"a\",b\n1,2\n", SEG_OK, NULL),
    CASE("blank first line before the header", "\n\na;b\n1;2\n", SEG_OK, NULL),
};

/* The same case through the chunked reader (--memory, seg rfm): the same
 * status and the same FILE:LINE:FIELD as the whole-text reader. */
static void same_in_stream(const csv_case *c, int rc, const char *msg)
{
    char path[64], where1[64] = "", where2[64] = "";
    seg_csv_chunker *ch = NULL;
    seg_dataset *ds = NULL;
    snprintf(path, sizeof path, "/tmp/seg-catalogue-%ld.csv", (long)getpid());
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(c->text, 1, c->len, f), c->len);
    assert_int_equal(fclose(f), 0);
    int rc2 = seg_csv_chunker_open(&ch, path, NULL);
    if (rc2 == SEG_OK && (rc2 = seg_csv_chunker_next(ch, &ds)) == 1)
        rc2 = SEG_OK;
    /* "<memory>:L:F:" against "PATH:L:F:" */
    sscanf(msg, "<memory>:%63[0-9:]", where1);
    if (rc2 < 0 && strncmp(seg_last_error(), path, strlen(path)) == 0)
        sscanf(seg_last_error() + strlen(path), ":%63[0-9:]", where2);
    seg_dataset_free(ds);
    seg_csv_chunker_free(ch);
    remove(path);
    if (rc2 != rc || strcmp(where1, where2) != 0)
        fail_msg("%s: streamed status %d at '%s' (%s), whole %d at '%s'", c->name, rc2, where2,
                 seg_last_error(), rc, where1);
}

static void test_csv_catalogue(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof csv_cases / sizeof csv_cases[0]; i++) {
        const csv_case *c = &csv_cases[i];
        seg_dataset *ds = NULL;
        seg_clear_error();
        int rc = seg_dataset_read_csv_memory(&ds, c->text, c->len, NULL);
        if (rc != c->status)
            fail_msg("%s: status %d (%s), expected %d", c->name, rc, seg_last_error(), c->status);
        if (c->fragment && !strstr(seg_last_error(), c->fragment))
            fail_msg("%s: message '%s' lacks '%s'", c->name, seg_last_error(), c->fragment);
        if (rc == SEG_OK)
            assert_non_null(ds);
        else
            assert_null(ds);
        seg_dataset_free(ds);
        char msg[512];
        snprintf(msg, sizeof msg, "%s", rc < 0 ? seg_last_error() : "");
        same_in_stream(c, rc, msg);
    }
}

/* Options that make a file bad. */
static void test_csv_option_cases(void **state)
{
    (void)state;
    seg_csv_options *o = NULL;
    seg_dataset *ds = NULL;
    static const char text[] = "a,b\nx,1\ny,2\n";
    assert_int_equal(seg_csv_options_new(&o), SEG_OK);
    assert_int_equal(seg_csv_options_set_column_type(o, "a", SEG_COLUMN_NUMERIC), SEG_OK);
    assert_int_equal(seg_dataset_read_csv_memory(&ds, text, sizeof text - 1, o), SEG_ERR_PARSE);
    assert_non_null(strstr(seg_last_error(), "\"x\""));
    assert_int_equal(seg_csv_options_set_column_type(o, "a", SEG_COLUMN_AUTO), SEG_OK);
    assert_int_equal(seg_csv_options_set_column_type(o, "zz", SEG_COLUMN_NUMERIC), SEG_OK);
    assert_int_equal(seg_dataset_read_csv_memory(&ds, text, sizeof text - 1, o), SEG_ERR_NOT_FOUND);
    assert_non_null(strstr(seg_last_error(), "\"zz\""));
    assert_int_equal(seg_csv_options_set_int(o, SEG_CSV_DELIMITER, '"'), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_csv_options_set_int(o, SEG_CSV_MAX_FIELD, 0), SEG_ERR_INVALID_ARG);
    seg_csv_options_free(o);
}

/* A 100,000-column header: refused by the column limit, quickly. */
static void test_wide_header(void **state)
{
    (void)state;
    const size_t cols = 100000;
    char *buf = malloc(cols * 8 + 16), *p = buf;
    for (size_t j = 0; j < cols; j++)
        p += sprintf(p, j ? ",c%zu" : "c%zu", j);
    p += sprintf(p, "\n");
    for (size_t j = 0; j < cols; j++)
        *p++ = j ? ',' : '1';
    *p++ = '\n';
    seg_dataset *ds = NULL;
    assert_int_equal(seg_dataset_read_csv_memory(&ds, buf, (size_t)(p - buf), NULL),
                     SEG_ERR_LIMIT);
    assert_non_null(strstr(seg_last_error(), "SEG_CSV_MAX_COLUMNS"));
    /* Raised to allow them, the file loads. */
    seg_csv_options *o = NULL;
    assert_int_equal(seg_csv_options_new(&o), SEG_OK);
    assert_int_equal(seg_csv_options_set_int(o, SEG_CSV_MAX_COLUMNS, 200000), SEG_OK);
    assert_int_equal(seg_dataset_read_csv_memory(&ds, buf, (size_t)(p - buf), o), SEG_OK);
    assert_int_equal(seg_dataset_columns(ds), cols);
    seg_dataset_free(ds);
    seg_csv_options_free(o);
    free(buf);
}

/* A 100 MB single field: refused by the field limit, not copied around. */
static void test_huge_field(void **state)
{
    (void)state;
    const size_t len = (size_t)100 << 20;
    char *buf = malloc(len + 8);
    memcpy(buf, "a\n", 2);
    memset(buf + 2, 'x', len);
    buf[len + 2] = '\n';
    seg_dataset *ds = NULL;
    assert_int_equal(seg_dataset_read_csv_memory(&ds, buf, len + 3, NULL), SEG_ERR_LIMIT);
    assert_non_null(strstr(seg_last_error(), "SEG_CSV_MAX_FIELD"));
    free(buf);
}

/* ---- .npy ------------------------------------------------------------------------------- */

static char npy_path[64];

static void write_file(const void *p, size_t n)
{
    FILE *f = fopen(npy_path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    fclose(f);
}

/* A version-1 .npy with the given header dictionary and data bytes. */
static void write_npy(const char *dict, const void *data, size_t n)
{
    char buf[512];
    size_t len = strlen(dict), hl = len;
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    memcpy(buf + 10, dict, len);
    while ((10 + hl + 1) % 64)
        buf[10 + hl++] = ' ';
    buf[10 + hl++] = '\n';
    buf[8] = (char)(hl & 0xff);
    buf[9] = (char)(hl >> 8);
    memcpy(buf + 10 + hl, data, n);
    write_file(buf, 10 + hl + n);
}

typedef struct npy_case {
    const char *name;
    const char *dict; /* NULL: raw bytes below */
    const char *raw;
    size_t raw_len;
    size_t data_doubles;
    int status;
    const char *fragment;
} npy_case;

static void test_npy_catalogue(void **state)
{
    (void)state;
    const double data[6] = {1, 2, 3, 4, 5, 6};
    const double with_nan[4] = {1, 2, 0.0 / 0.0, 4};
    const npy_case cases[] = {
        {"not a .npy", NULL, "PK\x03\x04zipfile", 11, 0, SEG_ERR_FORMAT, "no \\x93NUMPY magic"},
        {"version 9.0", NULL, "\x93NUMPY\x09\x00\x10\x00", 10, 0, SEG_ERR_FORMAT, "version 9.0"},
        {"object dtype", "{'descr': '|O', 'fortran_order': False, 'shape': (2, 3), }", NULL, 0, 6,
         SEG_ERR_FORMAT, "dtype '|O' is not supported"},
        {"int64 dtype", "{'descr': '<i8', 'fortran_order': False, 'shape': (2, 3), }", NULL, 0, 6,
         SEG_ERR_FORMAT, "<i8"},
        {"structured dtype", "{'descr': [('a', '<f8')], 'fortran_order': True, 'shape': (2, 3), }",
         NULL, 0, 6, SEG_ERR_FORMAT, "dtype [('a', '<f8')] is structured"},
        {"3-D shape", "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2, 3), }", NULL, 0, 6,
         SEG_ERR_FORMAT, "shape"},
        {"truncated data", "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 3), }", NULL, 0,
         6, SEG_ERR_FORMAT, "found 48 of the 72 bytes of the data"},
        {"header promising 4 GB", "{'descr': '<f4', 'fortran_order': False, 'shape': (999999999, 1), }",
         NULL, 0, 1, SEG_ERR_FORMAT, "found 8 of the 3999999996 bytes"},
        {"two million columns", "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2000000), }",
         NULL, 0, 1, SEG_ERR_LIMIT, "2000000 columns"},
        {"n x d overflows", "{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 8), }",
         NULL, 0, 1, SEG_ERR_OVERFLOW, "overflows"},
        {"empty shape", "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 3), }", NULL, 0, 0,
         SEG_ERR_EMPTY, "shape (0, 3)"},
    };
    snprintf(npy_path, sizeof npy_path, "/tmp/seg-catalogue-%ld.npy", (long)getpid());
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const npy_case *c = &cases[i];
        seg_dataset *ds = NULL;
        if (c->dict)
            write_npy(c->dict, data, c->data_doubles * sizeof(double));
        else
            write_file(c->raw, c->raw_len);
        int rc = seg_dataset_read_npy(&ds, npy_path);
        if (rc != c->status || !strstr(seg_last_error(), c->fragment))
            fail_msg("%s: status %d '%s', expected %d with '%s'", c->name, rc, seg_last_error(),
                     c->status, c->fragment);
        assert_null(ds);
    }
    seg_dataset *ds = NULL;
    write_npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", with_nan,
              sizeof with_nan);
    assert_int_equal(seg_dataset_read_npy(&ds, npy_path), SEG_ERR_NONFINITE);
    assert_non_null(strstr(seg_last_error(), "row 2, column 1"));
    assert_int_equal(seg_dataset_read_npy(&ds, "/nonexistent/x.npy"), SEG_ERR_IO);
    assert_non_null(strstr(seg_last_error(), "/nonexistent/x.npy"));
    unlink(npy_path);
}

/* ---- arrays, settings and fits ----------------------------------------------------------- */

static void test_api_catalogue(void **state)
{
    (void)state;
    const double x[] = {1, 2, 3, 4};
    const double same[] = {5, 5, 5, 5, 5, 5};
    const double nan_x[] = {1, 2, 0.0 / 0.0, 4};
    const double neg_w[] = {1, -1, 1, 1};
    seg_dataset *ds = NULL;
    seg_kmeans *km = NULL;
    seg_model *m = NULL;
    double out;
    int32_t labels[4] = {0, 0, 0, 0};

    /* NaN in an array. */
    assert_int_equal(seg_dataset_from_f64(&ds, nan_x, 2, 2, NULL), SEG_ERR_NONFINITE);
    assert_non_null(strstr(seg_last_error(), "row 2, column 1"));
    /* n x d overflow. */
    assert_int_equal(seg_dataset_from_f64(&ds, x, SIZE_MAX / 2 + 1, 2, NULL), SEG_ERR_OVERFLOW);
    /* Zero columns. */
    assert_int_equal(seg_dataset_from_f64(&ds, x, 4, 0, NULL), SEG_ERR_EMPTY);

    assert_int_equal(seg_kmeans_new(&km), SEG_OK);
    /* Negative and zero k. */
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_K, -5), SEG_ERR_INVALID_ARG);
    assert_non_null(strstr(seg_last_error(), "-5 is outside"));
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_K, 0), SEG_ERR_INVALID_ARG);
    /* One distinct row, k > 1. */
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_K, 2), SEG_OK);
    assert_int_equal(seg_kmeans_fit_f64(km, same, 6, 1, NULL, NULL, &m), SEG_ERR_TOO_FEW_POINTS);
    assert_non_null(strstr(seg_last_error(), "only 1 distinct rows"));
    /* k greater than the rows. */
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_K, 9), SEG_OK);
    assert_int_equal(seg_kmeans_fit_f64(km, x, 4, 1, NULL, NULL, &m), SEG_ERR_TOO_FEW_POINTS);
    /* NaN in the matrix, negative weight, overflowing size. */
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_K, 2), SEG_OK);
    assert_int_equal(seg_kmeans_fit_f64(km, nan_x, 4, 1, NULL, NULL, &m), SEG_ERR_NONFINITE);
    assert_int_equal(seg_kmeans_fit_f64(km, x, 4, 1, neg_w, NULL, &m), SEG_ERR_NONFINITE);
    assert_non_null(strstr(seg_last_error(), "row 2: weight -1"));
    assert_int_equal(seg_kmeans_fit_f64(km, x, SIZE_MAX / 4, 8, NULL, NULL, &m), SEG_ERR_OVERFLOW);
    assert_null(m);
    /* A model, then predict with the wrong width. */
    assert_int_equal(seg_kmeans_fit_f64(km, x, 4, 1, NULL, labels, &m), SEG_OK);
    seg_predictor *p = NULL;
    assert_int_equal(seg_predictor_new(&p, m), SEG_OK);
    assert_int_equal(seg_predictor_run_f64(p, x, 2, 2, labels, NULL), SEG_ERR_MISMATCH);
    assert_non_null(strstr(seg_last_error(), "2 features, the model 1"));
    seg_predictor_free(p);
    /* Metrics on one segment, and on a label out of range. */
    const int32_t one[] = {0, 0, 0, 0}, bad[] = {0, 1, 7, 1};
    assert_int_equal(seg_metrics_silhouette_f64(x, 4, 1, one, 2, NULL, 0, 0, &out),
                     SEG_ERR_TOO_FEW_POINTS);
    assert_int_equal(seg_metrics_davies_bouldin_f64(x, 4, 1, bad, 2, NULL, &out),
                     SEG_ERR_INVALID_ARG);
    assert_non_null(strstr(seg_last_error(), "label 7"));
    seg_model_free(m);
    seg_kmeans_free(km);
}

/* Messages that name what is wrong: the closest column names, the row of a
 * value that cannot be used. */
static void test_message_catalogue(void **state)
{
    (void)state;
    static const char text[] = "CUST_ID,age,balance\nc1,30,100\nc2,40,200\nc3,50,300\n";
    seg_dataset *ds = NULL;
    assert_int_equal(seg_dataset_read_csv_memory(&ds, text, sizeof text - 1, NULL), SEG_OK);
    const char *typo[] = {"AGE"}, *far[] = {"zzzzzz"};
    assert_int_equal(seg_dataset_select(ds, typo, 1), SEG_ERR_NOT_FOUND);
    assert_string_equal(seg_last_error(), "no column named 'AGE'; did you mean 'age'?");
    assert_int_equal(seg_dataset_drop(ds, far, 1), SEG_ERR_NOT_FOUND);
    assert_string_equal(seg_last_error(), "no column named 'zzzzzz'");
    assert_int_equal(seg_dataset_set_id_column(ds, "custid"), SEG_ERR_NOT_FOUND);
    assert_string_equal(seg_last_error(),
                        "no column named 'custid' for the id; did you mean 'CUST_ID'?");
    assert_int_equal(seg_dataset_set_weight_column(ds, "balanse"), SEG_ERR_NOT_FOUND);
    assert_non_null(strstr(seg_last_error(), "did you mean 'balance'?"));
    seg_dataset_free(ds);

    /* Subnormal values are scaled, not refused. */
    const double tiny[] = {1e-310, 3e-310, 5e-311, 7e-312};
    seg_scaler *sc = NULL;
    double z[4];
    assert_int_equal(seg_dataset_from_f64(&ds, tiny, 4, 1, NULL), SEG_OK);
    assert_int_equal(seg_scaler_new(&sc), SEG_OK);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_OK);
    assert_int_equal(seg_scaler_transform_f64(sc, ds, z, 4), SEG_OK);
    /* By hand: mean 114.25e-312, population deviation sqrt(12584.1875)e-312. */
    assert_float_equal(z[0], (100 - 114.25) / 112.1792, 1e-5);
    assert_float_equal(z[1], (300 - 114.25) / 112.1792, 1e-5);
    seg_scaler_free(sc);
    seg_dataset_free(ds);

    /* The same in chunks (the streaming fit of seg segment --memory): the
     * squared deviations of subnormal values must not underflow to 0. */
    {
        seg_dataset *c1 = NULL, *c2 = NULL;
        seg_scaler_stream *ss = NULL;
        double zs[4];
        assert_int_equal(seg_dataset_from_f64(&ds, tiny, 4, 1, NULL), SEG_OK);
        assert_int_equal(seg_dataset_from_f64(&c1, tiny, 2, 1, NULL), SEG_OK);
        assert_int_equal(seg_dataset_from_f64(&c2, tiny + 2, 2, 1, NULL), SEG_OK);
        assert_int_equal(seg_scaler_new(&sc), SEG_OK);
        assert_int_equal(seg_scaler_stream_begin(&ss, sc), SEG_OK);
        assert_int_equal(seg_scaler_stream_add(ss, c1), SEG_OK);
        assert_int_equal(seg_scaler_stream_add(ss, c2), SEG_OK);
        assert_int_equal(seg_scaler_stream_finish(ss, sc), SEG_OK);
        assert_int_equal(seg_scaler_transform_f64(sc, ds, zs, 4), SEG_OK);
        for (int i = 0; i < 4; i++)
            assert_float_equal(zs[i], z[i], 1e-9);
        seg_scaler_stream_free(ss);
        seg_scaler_free(sc);
        seg_dataset_free(c1);
        seg_dataset_free(c2);
        seg_dataset_free(ds);
    }

    /* A spread that overflows names the column and the row. */
    const double huge[] = {1, -1e308, 1.5e308, 5};
    assert_int_equal(seg_dataset_from_f64(&ds, huge, 4, 1, NULL), SEG_OK);
    assert_int_equal(seg_scaler_new(&sc), SEG_OK);
    assert_int_equal(seg_scaler_set_int(sc, SEG_SCALER_METHOD, SEG_SCALE_MINMAX), SEG_OK);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_ERR_NONFINITE);
    assert_non_null(
        strstr(seg_last_error(), "row 3, column 1: column 'x0': the value 1.5e+308 is too large"));
    seg_dataset_free(ds);
    /* The same from CSV text: the line (past a blank one) and the field. */
    static const char big[] = "b,a\n2,1\n\n3,-1e308\n4,1.5e308\n";
    assert_int_equal(seg_dataset_read_csv_memory(&ds, big, sizeof big - 1, NULL), SEG_OK);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_ERR_NONFINITE);
    assert_non_null(strstr(seg_last_error(), "<memory>:5:2: column 'a': the value 1.5e+308"));
    assert_int_equal(seg_dataset_set_weight_column(ds, "b"), SEG_OK);
    seg_scaler_free(sc);
    seg_dataset_free(ds);
    static const char weights[] = "x,w\n1,1\n2,-3\n";
    assert_int_equal(seg_dataset_read_csv_memory(&ds, weights, sizeof weights - 1, NULL), SEG_OK);
    assert_int_equal(seg_dataset_set_weight_column(ds, "w"), SEG_ERR_NONFINITE);
    assert_non_null(strstr(seg_last_error(), "<memory>:3:2: weight 'w' is -3"));
    seg_dataset_free(ds);

    /* A missing value where no scaler imputes it: its place in the file. */
    static const char holes[] = "a,b\n1,2\n3,\n";
    double copy[4];
    assert_int_equal(seg_dataset_read_csv_memory(&ds, holes, sizeof holes - 1, NULL), SEG_OK);
    assert_int_equal(seg_dataset_copy_f64(ds, copy, 4), SEG_ERR_NONFINITE);
    assert_non_null(strstr(seg_last_error(), "<memory>:3:2: column 'b' has a missing value"));
    seg_dataset_free(ds);

    /* A training column absent at transform: the closest names. */
    static const char train[] = "job,age\nadmin,30\nretired,70\n";
    static const char renamed[] = "JOB,age\nadmin,30\n";
    seg_dataset *b = NULL;
    float out[8];
    assert_int_equal(seg_dataset_read_csv_memory(&ds, train, sizeof train - 1, NULL), SEG_OK);
    assert_int_equal(seg_dataset_read_csv_memory(&b, renamed, sizeof renamed - 1, NULL), SEG_OK);
    assert_int_equal(seg_scaler_new(&sc), SEG_OK);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_OK);
    assert_int_equal(seg_scaler_transform_f32(sc, b, out, 8), SEG_ERR_NOT_FOUND);
    assert_non_null(strstr(seg_last_error(), "not in the dataset; did you mean 'JOB'?"));
    seg_scaler_free(sc);
    seg_dataset_free(ds);
    seg_dataset_free(b);

    /* Predict names the row and feature it cannot measure. */
    const double x[] = {0, 0, 1, 1, 5, 5, 6, 6};
    const double bad[] = {0, 0, 1, 0.0 / 0.0};
    seg_kmeans *km = NULL;
    seg_model *m = NULL;
    seg_predictor *p = NULL;
    int32_t labels[4];
    assert_int_equal(seg_kmeans_new(&km), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_K, 2), SEG_OK);
    assert_int_equal(seg_kmeans_fit_f64(km, x, 4, 2, NULL, NULL, &m), SEG_OK);
    assert_int_equal(seg_predictor_new(&p, m), SEG_OK);
    assert_int_equal(seg_predictor_run_f64(p, bad, 2, 2, labels, NULL), SEG_ERR_NONFINITE);
    assert_non_null(strstr(seg_last_error(), "row 2, feature 2: the value is NaN"));
    seg_predictor_free(p);
    seg_model_free(m);
    seg_kmeans_free(km);
}

/* Scaler and dataset shape errors. */
static void test_scaler_catalogue(void **state)
{
    (void)state;
    static const char train[] = "job,age\nadmin,30\nretired,70\nstudent,20\n";
    static const char other[] = "age,city\n30,Lisbon\n";
    seg_dataset *a = NULL, *b = NULL;
    seg_scaler *sc = NULL;
    float out[8];
    assert_int_equal(seg_dataset_read_csv_memory(&a, train, sizeof train - 1, NULL), SEG_OK);
    assert_int_equal(seg_dataset_read_csv_memory(&b, other, sizeof other - 1, NULL), SEG_OK);
    assert_int_equal(seg_scaler_new(&sc), SEG_OK);
    assert_int_equal(seg_scaler_transform_f32(sc, a, out, 8), SEG_ERR_STATE);
    assert_int_equal(seg_scaler_set_int(sc, SEG_SCALER_MAX_LEVELS, 2), SEG_OK);
    assert_int_equal(seg_scaler_fit(sc, a), SEG_ERR_LIMIT);
    assert_non_null(strstr(seg_last_error(), "job"));
    assert_int_equal(seg_scaler_set_int(sc, SEG_SCALER_MAX_LEVELS, 1000), SEG_OK);
    assert_int_equal(seg_scaler_fit(sc, a), SEG_OK);
    assert_int_equal(seg_scaler_transform_f32(sc, b, out, 8), SEG_ERR_NOT_FOUND);
    assert_non_null(strstr(seg_last_error(), "job"));
    assert_int_equal(seg_scaler_transform_f32(sc, a, out, 3), SEG_ERR_MISMATCH);
    const char *twice[] = {"job", "job"};
    assert_int_equal(seg_dataset_select(a, twice, 2), SEG_ERR_LIMIT);
    const char *all[] = {"job", "age"};
    assert_int_equal(seg_dataset_drop(a, all, 2), SEG_ERR_EMPTY);
    seg_scaler_free(sc);
    seg_dataset_free(a);
    seg_dataset_free(b);
}

/* ---- model files ------------------------------------------------------ */

/* CRC-32 (IEEE, reflected), bit by bit: the model file's checksum, computed
 * here independently of the library's table-driven one. */
static uint32_t crc32_ieee(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int b = 0; b < 8; b++)
            c = c & 1 ? (c >> 1) ^ 0xedb88320u : c >> 1;
    }
    return ~c;
}

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Offset of the payload of section `tag` (docs/model-format.md: a 24-byte
 * header, then sections of a 4-byte tag, a u64 length and the payload). */
static size_t section(const uint8_t *buf, size_t len, const char *tag, size_t *plen)
{
    for (size_t at = 24; at + 12 <= len;) {
        const uint64_t n = get_u64(buf + at + 4);
        if (memcmp(buf + at, tag, 4) == 0) {
            *plen = (size_t)n;
            return at + 12;
        }
        at += 12 + (size_t)n;
    }
    *plen = 0;
    fail_msg("no %s section", tag);
    return 0;
}

static void reseal(uint8_t *buf, size_t len)
{
    const uint32_t crc = crc32_ieee(buf, len - 4);
    for (int i = 0; i < 4; i++)
        buf[len - 4 + (size_t)i] = (uint8_t)(crc >> (8 * i));
}

/* A model of a numeric and a categorical column, with scaler and profiles. */
static uint8_t *model_bytes(size_t *len)
{
    static const char csv[] = "amount,channel\n10,web\n12,web\n11,shop\n50,shop\n55,web\n"
                              "52,shop\n90,web\n95,shop\n";
    seg_dataset *ds = NULL;
    seg_scaler *sc = NULL;
    seg_kmeans *km = NULL;
    seg_model *m = NULL;
    assert_int_equal(seg_dataset_read_csv_memory(&ds, csv, sizeof csv - 1, NULL), SEG_OK);
    assert_int_equal(seg_scaler_new(&sc), SEG_OK);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_OK);
    assert_int_equal(seg_kmeans_new(&km), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_K, 3), SEG_OK);
    assert_int_equal(seg_kmeans_fit_dataset(km, ds, sc, NULL, &m), SEG_OK);
    assert_int_equal(seg_model_save_mem(m, NULL, 0, len), SEG_OK);
    uint8_t *buf = malloc(*len);
    assert_non_null(buf);
    assert_int_equal(seg_model_save_mem(m, buf, *len, len), SEG_OK);
    seg_model_free(m);
    seg_kmeans_free(km);
    seg_scaler_free(sc);
    seg_dataset_free(ds);
    return buf;
}

enum model_edit { SIZE_MAXED, SIZE_PLUS_ONE, ROWS_MINUS_ONE, WEIGHT_NAN, PROFILE_RENAMED };

static const struct {
    const char *name;
    enum model_edit edit;
    const char *fragment;
} model_cases[] = {
    {"segment size 2^64 - 1", SIZE_MAXED, "SEGS sizes add up to more than the 8 training rows"},
    {"sizes one more than the rows", SIZE_PLUS_ONE, "SEGS sizes add up to more than"},
    {"rows one more than the sizes", ROWS_MINUS_ONE, "SEGS sizes add up to 8, HEAD says 9"},
    {"segment weight NaN", WEIGHT_NAN, "SEGS weight of segment 0 is nan"},
    {"profile of another column", PROFILE_RENAMED, "scaler column 'amount' (SCAL) has no profile"},
};

static void test_model_catalogue(void **state)
{
    (void)state;
    size_t len, plen = 0;
    uint8_t *good = model_bytes(&len), *c = malloc(len);
    assert_non_null(c);
    seg_model *m = NULL;
    assert_int_equal(seg_model_load_mem(&m, good, len), SEG_OK); /* the unedited file loads */
    seg_model_free(m);
    for (size_t i = 0; i < sizeof model_cases / sizeof model_cases[0]; i++) {
        memcpy(c, good, len);
        size_t segs = section(c, len, "SEGS", &plen);
        switch (model_cases[i].edit) {
        case SIZE_MAXED:
            put_u64(c + segs, UINT64_MAX);
            break;
        case SIZE_PLUS_ONE:
            put_u64(c + segs, get_u64(c + segs) + 1);
            break;
        case ROWS_MINUS_ONE: { /* HEAD: u64 k, u64 d, u32 dtype, u32 converged, u64 n_rows */
            size_t head = section(c, len, "HEAD", &plen);
            assert_int_equal(get_u64(c + head + 24), 8);
            put_u64(c + head + 24, 9);
            break;
        }
        case WEIGHT_NAN:
            put_u64(c + segs + 8, 0x7ff8000000000000u);
            break;
        case PROFILE_RENAMED: {
            size_t prof = section(c, len, "PROF", &plen);
            uint8_t *hit = NULL;
            for (size_t at = prof; at + 6 <= prof + plen && !hit; at++)
                if (memcmp(c + at, "amount", 6) == 0)
                    hit = c + at;
            assert_non_null(hit);
            hit[0] = 'A';
            break;
        }
        }
        reseal(c, len);
        m = NULL;
        seg_clear_error();
        int rc = seg_model_load_mem(&m, c, len);
        if (rc != SEG_ERR_FORMAT)
            fail_msg("%s: status %d (%s), expected SEG_ERR_FORMAT", model_cases[i].name, rc,
                     seg_last_error());
        if (!strstr(seg_last_error(), model_cases[i].fragment))
            fail_msg("%s: message '%s' lacks '%s'", model_cases[i].name, seg_last_error(),
                     model_cases[i].fragment);
        assert_null(m);
    }
    free(c);
    free(good);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_catalogue),
        cmocka_unit_test(test_csv_option_cases),
        cmocka_unit_test(test_wide_header),
        cmocka_unit_test(test_huge_field),
        cmocka_unit_test(test_npy_catalogue),
        cmocka_unit_test(test_api_catalogue),
        cmocka_unit_test(test_scaler_catalogue),
        cmocka_unit_test(test_message_catalogue),
        cmocka_unit_test(test_model_catalogue),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
