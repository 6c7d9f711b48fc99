/*
 * CSV reader tests: RFC 4180 details, delimiters, missing values, type
 * inference, forced types, every error path (code and message position),
 * exact number conversion, and the two layouts of the bank data.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/data.h"
#include "seg.h"

#ifndef SEG_TEST_DATA
#define SEG_TEST_DATA "tests/data"
#endif

/* ---- helpers ------------------------------------------------------------------ */

static seg_dataset *read_text(const char *text, const seg_csv_options *o)
{
    seg_dataset *ds = NULL;
    int rc = seg_dataset_read_csv_memory(&ds, text, strlen(text), o);
    if (rc != SEG_OK)
        fail_msg("read failed (%d): %s", rc, seg_last_error());
    assert_non_null(ds);
    return ds;
}

/* The read fails with code and the detail message holds every fragment. */
static void expect_error(const char *text, size_t size, const seg_csv_options *o, int code,
                         const char *frag1, const char *frag2)
{
    seg_dataset *ds = (seg_dataset *)1;
    int rc = seg_dataset_read_csv_memory(&ds, text, size, o);
    if (rc != code)
        fail_msg("expected %d, got %d: %s", code, rc, seg_last_error());
    assert_null(ds);
    if (frag1 && !strstr(seg_last_error(), frag1))
        fail_msg("'%s' not in '%s'", frag1, seg_last_error());
    if (frag2 && !strstr(seg_last_error(), frag2))
        fail_msg("'%s' not in '%s'", frag2, seg_last_error());
}

static void expect_error_text(const char *text, const seg_csv_options *o, int code,
                              const char *frag1, const char *frag2)
{
    expect_error(text, strlen(text), o, code, frag1, frag2);
}

static double num(const seg_dataset *ds, size_t i, size_t j)
{
    double v = 0;
    assert_int_equal(seg_dataset_get_f64(ds, i, j, &v), SEG_OK);
    return v;
}

static const char *text(const seg_dataset *ds, size_t i, size_t j)
{
    const char *s = "unset";
    assert_int_equal(seg_dataset_get_text(ds, i, j, &s), SEG_OK);
    return s;
}

static seg_csv_options *new_opts(void)
{
    seg_csv_options *o = NULL;
    assert_int_equal(seg_csv_options_new(&o), SEG_OK);
    return o;
}

/* ---- options --------------------------------------------------------------------- */

/*
 * The tokenizer finds delimiters, line ends and quotes 64 bytes at a time
 * (csv_shared.h): a first field of 1 to 135 bytes moves every later byte of
 * the text across the 16-, 32- and 64-byte block edges, so each of a
 * delimiter, CR, LF, an opening quote, a quoted delimiter, a quoted CRLF and
 * a doubled quote falls at each offset of a block once.
 */
static void block_boundaries(void **state)
{
    char pad[136], padz[137], buf[1024], longf[71];
    (void)state;
    memset(longf, 'l', 70);
    longf[70] = '\0';
    for (size_t len = 1; len <= 135; len++) {
        memset(pad, 'p', len);
        pad[len] = '\0';
        snprintf(padz, sizeof padz, "%sz", pad);
        int w = snprintf(buf, sizeof buf,
                         "a,b,c\r\n%s,7,\"q,\r\n\"\"x\"\r\nu,-1.5,w\r\n%s,,\"\"\r\n%s,3,t", pad,
                         padz, longf);
        assert_true(w > 0 && (size_t)w < sizeof buf);
        seg_dataset *ds = read_text(buf, NULL);
        assert_int_equal(seg_dataset_rows(ds), 4);
        assert_int_equal(seg_dataset_column_type(ds, 1), SEG_COLUMN_NUMERIC);
        assert_string_equal(text(ds, 0, 0), pad);
        assert_true(num(ds, 0, 1) == 7.0);
        assert_string_equal(text(ds, 0, 2), "q,\r\n\"x");
        assert_string_equal(text(ds, 1, 0), "u");
        assert_true(num(ds, 1, 1) == -1.5);
        assert_string_equal(text(ds, 1, 2), "w");
        assert_string_equal(text(ds, 2, 0), padz);
        assert_true(isnan(num(ds, 2, 1)));
        assert_null(text(ds, 2, 2));
        assert_string_equal(text(ds, 3, 0), longf);
        assert_true(num(ds, 3, 1) == 3.0);
        assert_string_equal(text(ds, 3, 2), "t");
        seg_dataset_free(ds);
    }
}

/*
 * The reader remembers recent levels of a column by their length, first,
 * middle and last bytes: texts that agree on those and differ elsewhere are
 * still different levels, in order of first appearance.
 */
static void similar_levels(void **state)
{
    const char *csv = "k,n\nabcde,1\nabcxe,2\nabcde,3\naxcde,4\nabcxe,5\nabcde,6\n";
    seg_dataset *ds = read_text(csv, NULL);
    (void)state;
    assert_int_equal(seg_dataset_column_levels(ds, 0), 3);
    const char *want[] = {"abcde", "abcxe", "abcde", "axcde", "abcxe", "abcde"};
    for (size_t i = 0; i < 6; i++)
        assert_string_equal(text(ds, i, 0), want[i]);
    seg_dataset_free(ds);
}

static void options_defaults_and_ranges(void **state)
{
    seg_csv_options *o = new_opts();
    int64_t v = -1;
    (void)state;
    assert_int_equal(seg_csv_options_get_int(o, SEG_CSV_DELIMITER, &v), SEG_OK);
    assert_int_equal(v, 0);
    assert_int_equal(seg_csv_options_get_int(o, SEG_CSV_HEADER, &v), SEG_OK);
    assert_int_equal(v, 1);
    assert_int_equal(seg_csv_options_get_int(o, SEG_CSV_DEFAULT_MISSING, &v), SEG_OK);
    assert_int_equal(v, 1);
    assert_int_equal(seg_csv_options_get_int(o, SEG_CSV_MAX_FIELD, &v), SEG_OK);
    assert_int_equal(v, 1048576);
    assert_int_equal(seg_csv_options_get_int(o, SEG_CSV_MAX_COLUMNS, &v), SEG_OK);
    assert_int_equal(v, 10000);

    assert_int_equal(seg_csv_options_set_int(o, SEG_CSV_DELIMITER, '"'), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_csv_options_set_int(o, SEG_CSV_DELIMITER, '\n'), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_csv_options_set_int(o, SEG_CSV_DELIMITER, '\r'), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_csv_options_set_int(o, SEG_CSV_DELIMITER, 256), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_csv_options_set_int(o, SEG_CSV_DELIMITER, '|'), SEG_OK);
    assert_int_equal(seg_csv_options_get_int(o, SEG_CSV_DELIMITER, &v), SEG_OK);
    assert_int_equal(v, '|');
    assert_int_equal(seg_csv_options_set_int(o, SEG_CSV_HEADER, 2), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_csv_options_set_int(o, SEG_CSV_MAX_FIELD, 0), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_csv_options_set_int(o, SEG_CSV_MAX_FIELD, ((int64_t)1 << 30) + 1),
                     SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_csv_options_set_int(o, SEG_CSV_MAX_FIELD, (int64_t)1 << 30), SEG_OK);
    assert_int_equal(seg_csv_options_set_int(o, SEG_CSV_MAX_COLUMNS, 1000001), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_csv_options_set_int(o, (seg_csv_param)999, 1), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_csv_options_get_int(o, (seg_csv_param)999, &v), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_csv_options_get_int(o, SEG_CSV_HEADER, NULL), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_csv_options_set_int(NULL, SEG_CSV_HEADER, 1), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_csv_options_add_missing(o, NULL), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_csv_options_set_column_type(o, "a", (seg_column_type)7),
                     SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_csv_options_set_column_type(o, NULL, SEG_COLUMN_NUMERIC),
                     SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_csv_options_new(NULL), SEG_ERR_INVALID_ARG);
    seg_csv_options_free(o);
    seg_csv_options_free(NULL);
}

static void null_arguments(void **state)
{
    seg_dataset *ds = NULL;
    (void)state;
    assert_int_equal(seg_dataset_read_csv_memory(NULL, "a\n1\n", 4, NULL), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_dataset_read_csv_memory(&ds, NULL, 4, NULL), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_dataset_read_csv(&ds, NULL, NULL), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_dataset_read_csv(NULL, "x.csv", NULL), SEG_ERR_INVALID_ARG);
    assert_null(ds);
}

/* ---- format ---------------------------------------------------------------------- */

static void basic_types_and_levels(void **state)
{
    seg_dataset *ds = read_text("age,city,score\n30,Lyon,1.5\n41,Paris,-2\n30,Lyon,1e3\n"
                                "25,Nice,+.25\n",
                                NULL);
    size_t j = 99;
    (void)state;
    assert_int_equal(seg_dataset_rows(ds), 4);
    assert_int_equal(seg_dataset_columns(ds), 3);
    assert_string_equal(seg_dataset_column_name(ds, 0), "age");
    assert_string_equal(seg_dataset_column_name(ds, 2), "score");
    assert_int_equal(seg_dataset_column_type(ds, 0), SEG_COLUMN_NUMERIC);
    assert_int_equal(seg_dataset_column_type(ds, 1), SEG_COLUMN_CATEGORICAL);
    assert_int_equal(seg_dataset_column_type(ds, 2), SEG_COLUMN_NUMERIC);
    assert_true(num(ds, 1, 0) == 41.0);
    assert_true(num(ds, 0, 2) == 1.5);
    assert_true(num(ds, 1, 2) == -2.0);
    assert_true(num(ds, 2, 2) == 1000.0);
    assert_true(num(ds, 3, 2) == 0.25);
    assert_int_equal(seg_dataset_column_levels(ds, 1), 3);
    assert_string_equal(text(ds, 0, 1), "Lyon");
    assert_string_equal(text(ds, 1, 1), "Paris");
    assert_string_equal(text(ds, 2, 1), "Lyon");
    assert_string_equal(text(ds, 3, 1), "Nice");
    /* Levels in order of first appearance, codes pointing at them. */
    assert_string_equal(ds->cols[1].levels[0], "Lyon");
    assert_string_equal(ds->cols[1].levels[1], "Paris");
    assert_string_equal(ds->cols[1].levels[2], "Nice");
    assert_int_equal(ds->cols[1].codes[2], 0);
    assert_int_equal(ds->cols[1].codes[3], 2);
    assert_int_equal(ds->cols[0].stride, 1);
    assert_false(ds->cols[0].num_f32);
    assert_int_equal(seg_dataset_column_index(ds, "score", &j), SEG_OK);
    assert_int_equal(j, 2);
    seg_dataset_free(ds);
}

static void quoted_fields(void **state)
{
    /* Delimiter inside quotes, doubled quotes, a newline inside quotes, an
     * empty quoted field, spaces around quotes. */
    const char *csv = "name,note,n\n"
                      "\"Smith, John\",\"say \"\"hi\"\"\",1\n"
                      "\"multi\nline\", \"x\" ,2\n"
                      "plain,\"\",3\n";
    seg_dataset *ds = read_text(csv, NULL);
    (void)state;
    assert_int_equal(seg_dataset_rows(ds), 3);
    assert_string_equal(text(ds, 0, 0), "Smith, John");
    assert_string_equal(text(ds, 0, 1), "say \"hi\"");
    assert_string_equal(text(ds, 1, 0), "multi\nline");
    assert_string_equal(text(ds, 1, 1), "x");
    assert_null(text(ds, 2, 1)); /* "" is the empty field: missing */
    assert_int_equal(seg_dataset_column_missing(ds, 1), 1);
    assert_true(num(ds, 2, 2) == 3.0);
    seg_dataset_free(ds);

    /* Quoted text is taken literally (no trimming); quoted numbers are numbers. */
    ds = read_text("a,b\n\" pad \",\"12\"\nx,\"-3.5\"\n", NULL);
    assert_string_equal(text(ds, 0, 0), " pad ");
    assert_int_equal(seg_dataset_column_type(ds, 1), SEG_COLUMN_NUMERIC);
    assert_true(num(ds, 1, 1) == -3.5);
    seg_dataset_free(ds);
}

static void line_ends_bom_blank_lines(void **state)
{
    seg_dataset *ds;
    (void)state;
    /* CRLF everywhere, including after a quoted field; no CR leaks into values. */
    ds = read_text("a,b\r\n1,x\r\n2,\"y\"\r\n3,z", NULL);
    assert_int_equal(seg_dataset_rows(ds), 3);
    assert_string_equal(seg_dataset_column_name(ds, 1), "b");
    assert_string_equal(text(ds, 0, 1), "x");
    assert_string_equal(text(ds, 1, 1), "y");
    assert_string_equal(text(ds, 2, 1), "z");
    seg_dataset_free(ds);

    /* UTF-8 byte order mark, blank lines (LF and CRLF) anywhere, final CRLF. */
    ds = read_text("\xEF\xBB\xBF\n\r\nid,v\n\n1,2\r\n\r\n\n3,4\r\n\n", NULL);
    assert_string_equal(seg_dataset_column_name(ds, 0), "id");
    assert_int_equal(seg_dataset_rows(ds), 2);
    assert_true(num(ds, 1, 0) == 3.0);
    assert_true(num(ds, 1, 1) == 4.0);
    seg_dataset_free(ds);
}

static void delimiter_detection(void **state)
{
    seg_csv_options *o = new_opts();
    seg_dataset *ds;
    (void)state;
    ds = read_text("a\tb\tc\n1\t2,5\tx\n", NULL);
    assert_int_equal(seg_dataset_columns(ds), 3);
    assert_string_equal(text(ds, 0, 1), "2,5"); /* "1,5" is not a number */
    seg_dataset_free(ds);

    ds = read_text("a;b\n1;2,5\n", NULL);
    assert_int_equal(seg_dataset_columns(ds), 2);
    assert_int_equal(seg_dataset_column_type(ds, 1), SEG_COLUMN_CATEGORICAL);
    seg_dataset_free(ds);

    /* Delimiters inside quotes do not count: two ',' quoted, one ';' outside. */
    ds = read_text("\"x,y,z\";b\n1;2\n", NULL);
    assert_int_equal(seg_dataset_columns(ds), 2);
    assert_string_equal(seg_dataset_column_name(ds, 0), "x,y,z");
    seg_dataset_free(ds);

    /* Ties go to ',' then ';' then tab. */
    ds = read_text("a,b;c\n1,2;3\n", NULL);
    assert_int_equal(seg_dataset_columns(ds), 2);
    assert_string_equal(seg_dataset_column_name(ds, 1), "b;c");
    seg_dataset_free(ds);

    /* No candidate at all: one column. */
    ds = read_text("only\n5\n", NULL);
    assert_int_equal(seg_dataset_columns(ds), 1);
    seg_dataset_free(ds);

    /* A given delimiter. */
    assert_int_equal(seg_csv_options_set_int(o, SEG_CSV_DELIMITER, '|'), SEG_OK);
    ds = read_text("a|b,c\n1|x,y\n", o);
    assert_int_equal(seg_dataset_columns(ds), 2);
    assert_string_equal(seg_dataset_column_name(ds, 1), "b,c");
    assert_string_equal(text(ds, 0, 1), "x,y");
    seg_dataset_free(ds);
    seg_csv_options_free(o);
}

static void header_less(void **state)
{
    seg_csv_options *o = new_opts();
    seg_dataset *ds;
    (void)state;
    assert_int_equal(seg_csv_options_set_int(o, SEG_CSV_HEADER, 0), SEG_OK);
    ds = read_text("1,a\n2,b\n", o);
    assert_int_equal(seg_dataset_rows(ds), 2);
    assert_string_equal(seg_dataset_column_name(ds, 0), "c1");
    assert_string_equal(seg_dataset_column_name(ds, 1), "c2");
    assert_true(num(ds, 0, 0) == 1.0);
    assert_string_equal(text(ds, 1, 1), "b");
    seg_dataset_free(ds);
    /* Forced types use the generated names. */
    assert_int_equal(seg_csv_options_set_column_type(o, "c1", SEG_COLUMN_CATEGORICAL), SEG_OK);
    ds = read_text("1,a\n2,b\n", o);
    assert_int_equal(seg_dataset_column_type(ds, 0), SEG_COLUMN_CATEGORICAL);
    assert_string_equal(text(ds, 1, 0), "2");
    seg_dataset_free(ds);
    expect_error_text("1,2\n3\n", o, SEG_ERR_PARSE, "<memory>:2:1:",
                      "found a row of 1 field, expected 2 (as many as the first row)");
    expect_error_text("\n\n", o, SEG_ERR_EMPTY, "<memory>:3:1:", "expected a data row");
    seg_csv_options_free(o);
}

static void empty_header_names(void **state)
{
    seg_dataset *ds = read_text(",b,\n1,2,3\n", NULL);
    (void)state;
    assert_string_equal(seg_dataset_column_name(ds, 0), "c1");
    assert_string_equal(seg_dataset_column_name(ds, 1), "b");
    assert_string_equal(seg_dataset_column_name(ds, 2), "c3");
    seg_dataset_free(ds);
}

/* ---- missing values and trimming ----------------------------------------------------- */

static void missing_tokens(void **state)
{
    seg_dataset *ds = read_text("x,k\n1,a\n,NA\nNA,b\n NaN ,null\nnull,\n6,na\n", NULL);
    (void)state;
    assert_int_equal(seg_dataset_rows(ds), 6);
    assert_int_equal(seg_dataset_column_type(ds, 0), SEG_COLUMN_NUMERIC);
    assert_int_equal(seg_dataset_column_missing(ds, 0), 4);
    assert_true(num(ds, 0, 0) == 1.0);
    assert_true(isnan(num(ds, 1, 0)));
    assert_true(isnan(num(ds, 2, 0)));
    assert_true(isnan(num(ds, 3, 0)));
    assert_true(isnan(num(ds, 4, 0)));
    assert_true(num(ds, 5, 0) == 6.0);
    /* Categorical: missing codes are -1, text NULL; "na" is case-sensitively not missing. */
    assert_int_equal(seg_dataset_column_type(ds, 1), SEG_COLUMN_CATEGORICAL);
    assert_int_equal(seg_dataset_column_missing(ds, 1), 3);
    assert_int_equal(seg_dataset_column_levels(ds, 1), 3);
    assert_null(text(ds, 1, 1));
    assert_null(text(ds, 3, 1));
    assert_null(text(ds, 4, 1));
    assert_int_equal(ds->cols[1].codes[1], -1);
    assert_string_equal(text(ds, 5, 1), "na");
    seg_dataset_free(ds);
}

static void missing_options(void **state)
{
    seg_csv_options *o = new_opts();
    seg_dataset *ds;
    (void)state;
    /* Without the defaults only the empty field and added tokens are missing. */
    assert_int_equal(seg_csv_options_set_int(o, SEG_CSV_DEFAULT_MISSING, 0), SEG_OK);
    assert_int_equal(seg_csv_options_add_missing(o, "?"), SEG_OK);
    assert_int_equal(seg_csv_options_add_missing(o, "-999"), SEG_OK);
    assert_int_equal(seg_csv_options_add_missing(o, ""), SEG_OK);
    ds = read_text("v,w\n1,NA\n?,x\n -999 ,\n4,?\n", o);
    assert_int_equal(seg_dataset_column_type(ds, 0), SEG_COLUMN_NUMERIC);
    assert_int_equal(seg_dataset_column_missing(ds, 0), 2);
    assert_true(isnan(num(ds, 1, 0)));
    assert_true(isnan(num(ds, 2, 0)));
    assert_true(num(ds, 3, 0) == 4.0);
    assert_int_equal(seg_dataset_column_type(ds, 1), SEG_COLUMN_CATEGORICAL);
    assert_string_equal(text(ds, 0, 1), "NA");
    assert_int_equal(seg_dataset_column_missing(ds, 1), 2);
    assert_int_equal(seg_dataset_column_levels(ds, 1), 2);
    seg_dataset_free(ds);
    /* With the defaults back on, added tokens come on top of them. */
    assert_int_equal(seg_csv_options_set_int(o, SEG_CSV_DEFAULT_MISSING, 1), SEG_OK);
    ds = read_text("v\nNA\n?\n-999\n2\n", o);
    assert_int_equal(seg_dataset_column_missing(ds, 0), 3);
    assert_true(num(ds, 3, 0) == 2.0);
    seg_dataset_free(ds);
    seg_csv_options_free(o);
}

static void trimming(void **state)
{
    seg_dataset *ds = read_text("a , b\n  12 ,  yes\t\n\t-3\t, no \n", NULL);
    (void)state;
    assert_string_equal(seg_dataset_column_name(ds, 0), "a");
    assert_string_equal(seg_dataset_column_name(ds, 1), "b");
    assert_true(num(ds, 0, 0) == 12.0);
    assert_true(num(ds, 1, 0) == -3.0);
    assert_string_equal(text(ds, 0, 1), "yes");
    assert_string_equal(text(ds, 1, 1), "no");
    seg_dataset_free(ds);
}

/* ---- type inference ------------------------------------------------------------------- */

/* Classic Mac exports end lines with a lone CR: LF, CRLF and a lone CR each end a
 * line, in any mix (the streaming reader cannot look ahead for an LF); inside
 * quotes the bytes are kept as they are. */
static void cr_only_line_ends(void **state)
{
    (void)state;
    static const char text_cr[] = "a,b\rp,x\r\"two\rlines\",y\rq,z\r";
    seg_dataset *ds = NULL;
    assert_int_equal(seg_dataset_read_csv_memory(&ds, text_cr, sizeof text_cr - 1, NULL), SEG_OK);
    assert_int_equal(seg_dataset_rows(ds), 3);
    assert_string_equal(seg_dataset_column_name(ds, 1), "b");
    assert_string_equal(text(ds, 1, 1), "y");
    assert_int_equal(seg_dataset_column_type(ds, 0), SEG_COLUMN_CATEGORICAL);
    assert_string_equal(text(ds, 1, 0), "two\rlines");
    seg_dataset_free(ds);
    /* With an LF elsewhere, a lone CR still ends a line. */
    static const char mixed[] = "a\nx\ry\r\nz\n";
    assert_int_equal(seg_dataset_read_csv_memory(&ds, mixed, sizeof mixed - 1, NULL), SEG_OK);
    assert_int_equal(seg_dataset_rows(ds), 3);
    assert_string_equal(text(ds, 0, 0), "x");
    assert_string_equal(text(ds, 1, 0), "y");
    assert_string_equal(text(ds, 2, 0), "z");
    seg_dataset_free(ds);
}

static void number_syntax(void **state)
{
    /* One candidate per read: a one-field column is numeric exactly when the
     * field is a number. */
    static const char *const numbers[] = {"0",   "-0",   "+7",      "3.25", ".5",     "-.5",
                                          "1e3", "2E-2", "1.5e+10", "007",  "1e-400", "1.",
                                          "-2.", "1.e5"};
    static const char *const others[] = {"1e999", "0x10", "inf", "-inf", "nan", "-.",    ".",
                                         "-",     "1e",   "1e+", "e5",   "1 2", "1.2.3", "12a"};
    char buf[64];
    (void)state;
    for (size_t i = 0; i < sizeof numbers / sizeof *numbers; i++) {
        seg_dataset *ds;
        snprintf(buf, sizeof buf, "v\n%s\n", numbers[i]);
        ds = read_text(buf, NULL);
        if (seg_dataset_column_type(ds, 0) != SEG_COLUMN_NUMERIC)
            fail_msg("'%s' should be a number", numbers[i]);
        assert_true(num(ds, 0, 0) == strtod(numbers[i], NULL));
        seg_dataset_free(ds);
    }
    for (size_t i = 0; i < sizeof others / sizeof *others; i++) {
        seg_dataset *ds;
        snprintf(buf, sizeof buf, "v\n%s\n", others[i]);
        ds = read_text(buf, NULL);
        if (seg_dataset_column_type(ds, 0) != SEG_COLUMN_CATEGORICAL)
            fail_msg("'%s' should not be a number", others[i]);
        assert_string_equal(text(ds, 0, 0), others[i]);
        seg_dataset_free(ds);
    }
    /* -0 keeps its sign, like strtod. */
    {
        seg_dataset *ds = read_text("v\n-0\n", NULL);
        assert_true(signbit(num(ds, 0, 0)));
        seg_dataset_free(ds);
    }
}

static void inference_rules(void **state)
{
    seg_dataset *ds;
    (void)state;
    /* Half numbers (2 of 4): categorical, numbers kept as text. All missing:
     * numeric with every value NaN. Minority numbers: categorical. */
    ds = read_text("half,empty,few\n1,,a\nx,NA,b\n2,,3\ny,,c\n", NULL);
    assert_int_equal(seg_dataset_column_type(ds, 0), SEG_COLUMN_CATEGORICAL);
    assert_string_equal(text(ds, 0, 0), "1");
    assert_string_equal(text(ds, 1, 0), "x");
    assert_int_equal(seg_dataset_column_levels(ds, 0), 4);
    assert_int_equal(seg_dataset_column_type(ds, 1), SEG_COLUMN_NUMERIC);
    assert_int_equal(seg_dataset_column_missing(ds, 1), 4);
    for (size_t i = 0; i < 4; i++)
        assert_true(isnan(num(ds, i, 1)));
    assert_int_equal(seg_dataset_column_type(ds, 2), SEG_COLUMN_CATEGORICAL);
    assert_string_equal(text(ds, 2, 2), "3");
    seg_dataset_free(ds);

    /* Strict majority numeric but not all: the first stray field is named. */
    expect_error_text("id,balance\n1,10\n2,abc\n3,30\n4,40\n5,oops\n", NULL, SEG_ERR_PARSE,
                      "<memory>:3:2: column \"balance\": found \"abc\", expected a number", NULL);
    /* Missing values do not count either way: 2 numbers vs 1 text. */
    expect_error_text("v\n1\nNA\n\nx\n2\n", NULL, SEG_ERR_PARSE, "<memory>:5:1:", "\"x\"");
}

static void forced_types(void **state)
{
    seg_csv_options *o = new_opts();
    seg_dataset *ds;
    (void)state;
    assert_int_equal(seg_csv_options_set_column_type(o, "zip", SEG_COLUMN_NUMERIC), SEG_OK);
    /* A later call for the same name replaces the earlier one. */
    assert_int_equal(seg_csv_options_set_column_type(o, "zip", SEG_COLUMN_CATEGORICAL), SEG_OK);
    assert_int_equal(seg_csv_options_set_column_type(o, "v", SEG_COLUMN_NUMERIC), SEG_OK);
    ds = read_text("zip,v\n007,1\n1200,NA\n007,2.5\n", o);
    assert_int_equal(seg_dataset_column_type(ds, 0), SEG_COLUMN_CATEGORICAL);
    assert_string_equal(text(ds, 0, 0), "007");
    assert_string_equal(text(ds, 1, 0), "1200");
    assert_int_equal(seg_dataset_column_levels(ds, 0), 2);
    assert_int_equal(seg_dataset_column_type(ds, 1), SEG_COLUMN_NUMERIC);
    assert_true(num(ds, 2, 1) == 2.5);
    seg_dataset_free(ds);

    /* Forced numeric with text: the first bad field, even in a minority column. */
    expect_error_text("zip,v\n1,a\n2,b\n3,c\n", o, SEG_ERR_PARSE,
                      "<memory>:2:2: column \"v\": found \"a\"", "forced numeric");

    /* A forced name absent from the header. */
    assert_int_equal(seg_csv_options_set_column_type(o, "nope", SEG_COLUMN_NUMERIC), SEG_OK);
    expect_error_text("zip,v\n1,2\n", o, SEG_ERR_NOT_FOUND, "\"nope\"", NULL);
    /* AUTO undoes the forcing: the name is no longer looked for. */
    assert_int_equal(seg_csv_options_set_column_type(o, "nope", SEG_COLUMN_AUTO), SEG_OK);
    assert_int_equal(seg_csv_options_set_column_type(o, "v", SEG_COLUMN_AUTO), SEG_OK);
    ds = read_text("zip,v\n1,a\n", o);
    assert_int_equal(seg_dataset_column_type(ds, 1), SEG_COLUMN_CATEGORICAL);
    seg_dataset_free(ds);
    seg_csv_options_free(o);
}

/* Every value the reader converts is the double strtod gives, on the fast
 * path (short mantissas, small exponents) and off it. */
static void numbers_match_strtod(void **state)
{
    enum { N = 20000 };
    char *csv = malloc((size_t)N * 48 + 8), *p = csv;
    char(*vals)[48] = malloc(sizeof *vals * N);
    uint64_t s = 0x1234567u;
    seg_dataset *ds;
    (void)state;
    assert_non_null(csv);
    assert_non_null(vals);
    p += sprintf(p, "v\n");
    for (size_t i = 0; i < N; i++) {
        char *v = vals[i];
        int digits, point, e;
        s = s * 6364136223846793005u + 1442695040888963407u;
        digits = 1 + (int)((s >> 33) % 24);
        point = (int)((s >> 20) % (uint64_t)(digits + 1));
        e = (int)((s >> 40) % 640) - 330;
        size_t k = 0;
        if (s & 1)
            v[k++] = '-';
        for (int d = 0; d < digits; d++) {
            if (d == point && d > 0)
                v[k++] = '.';
            s = s * 6364136223846793005u + 1442695040888963407u;
            v[k++] = (char)('0' + (s >> 60) % 10);
        }
        if ((s >> 7) & 1)
            k += (size_t)sprintf(v + k, "e%d", (s >> 8) & 1 ? e : e % 23);
        v[k] = '\0';
        if (!isfinite(strtod(v, NULL)))
            strcpy(v, "1");
        p += sprintf(p, "%s\n", v);
    }
    ds = read_text(csv, NULL);
    assert_int_equal(seg_dataset_rows(ds), N);
    assert_int_equal(seg_dataset_column_type(ds, 0), SEG_COLUMN_NUMERIC);
    for (size_t i = 0; i < N; i++) {
        double want = strtod(vals[i], NULL), got = num(ds, i, 0);
        if (memcmp(&want, &got, sizeof want) != 0)
            fail_msg("'%s': got %.17g, strtod %.17g", vals[i], got, want);
    }
    seg_dataset_free(ds);
    free(vals);
    free(csv);
}

/* The caller's locale never changes how numbers are read. */
static void numbers_ignore_locale(void **state)
{
    static const char *const locales[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", NULL};
    const char *set = NULL;
    seg_dataset *ds;
    (void)state;
    for (size_t i = 0; locales[i] && !set; i++)
        set = setlocale(LC_NUMERIC, locales[i]);
    /* A long mantissa takes the strtod path. */
    ds = read_text("v\n0.12345678901234567890123\n2.5\n", NULL);
    assert_true(num(ds, 0, 0) == 0.12345678901234567890123);
    assert_true(num(ds, 1, 0) == 2.5);
    seg_dataset_free(ds);
    setlocale(LC_NUMERIC, "C");
    if (!set)
        skip();
}

/* ---- limits and errors ------------------------------------------------------------------ */

static void duplicate_names_and_limits(void **state)
{
    seg_csv_options *o = new_opts();
    (void)state;
    expect_error_text("a,b,a\n1,2,3\n", NULL, SEG_ERR_LIMIT,
                      "<memory>:1:3:", "\"a\" again (first at field 1)");
    assert_int_equal(seg_csv_options_set_int(o, SEG_CSV_MAX_COLUMNS, 2), SEG_OK);
    expect_error_text("a,b,c\n1,2,3\n", o, SEG_ERR_LIMIT, "<memory>:1:3:", "SEG_CSV_MAX_COLUMNS");
    assert_int_equal(seg_csv_options_set_int(o, SEG_CSV_MAX_COLUMNS, 3), SEG_OK);
    assert_int_equal(seg_csv_options_set_int(o, SEG_CSV_MAX_FIELD, 4), SEG_OK);
    {
        seg_dataset *ds = read_text("a,b,c\n1,abcd,\"wxyz\"\n", o);
        seg_dataset_free(ds);
    }
    expect_error_text("a,b,c\n1,abcde,3\n", o, SEG_ERR_LIMIT,
                      "<memory>:2:2:", "field longer than 4 bytes, expected at most that");
    expect_error_text("a,b,c\n1,2,\"ab\ncd\"\n", o, SEG_ERR_LIMIT,
                      "<memory>:2:3:", "SEG_CSV_MAX_FIELD");
    seg_csv_options_free(o);
}

static void structure_errors(void **state)
{
    static const char nul[] = "a,b\n1,x\n2,y\0z\n";
    (void)state;
    /* Ragged rows: fewer and more fields. */
    expect_error_text("a,b,c\n1,2,3\n4,5\n", NULL, SEG_ERR_PARSE, "<memory>:3:2:",
                      "found a row of 2 fields, expected 3 (as many as the header)");
    expect_error_text("a,b\n1,2\n3,4,5,6\n", NULL, SEG_ERR_PARSE,
                      "<memory>:3:3:", "found a row of 4 fields, expected 2");
    /* Unterminated quote: the line where it opened. */
    expect_error_text("a,b\n1,\"open\n2,3\n4,5\n", NULL, SEG_ERR_PARSE,
                      "<memory>:2:2:", "never closed");
    /* Text after a closing quote. */
    expect_error_text("a,b\n1,\"x\"y\n", NULL, SEG_ERR_PARSE, "<memory>:2:2:",
                      "found 'y' after the closing quote, expected a delimiter or a line end");
    /* Line numbers count the newlines inside quoted fields. */
    expect_error_text("a,b\n\"1\n\n\",2\n3,\"q\"!\n", NULL, SEG_ERR_PARSE,
                      "<memory>:5:2:", "found '!'");
    /* A NUL byte, with its offset. */
    expect_error(nul, sizeof nul - 1, NULL, SEG_ERR_PARSE,
                 "<memory>:3:2:", "NUL byte (byte offset 11)");
    expect_error("a\n\"x\0\"\n", 6, NULL, SEG_ERR_PARSE, "<memory>:2:1:", "NUL byte");
    /* Nothing to read. */
    expect_error("", 0, NULL, SEG_ERR_EMPTY, "<memory>:1:1:", "expected a header row");
    expect_error_text("\xEF\xBB\xBF\r\n\n", NULL, SEG_ERR_EMPTY, "<memory>:3:1:", "header row");
    expect_error_text("a,b\n\n", NULL, SEG_ERR_EMPTY,
                      "<memory>:3:1:", "expected a data row after the header");
}

/* ---- files -------------------------------------------------------------------------- */

static void file_errors(void **state)
{
    seg_dataset *ds = (seg_dataset *)1;
    (void)state;
    assert_int_equal(seg_dataset_read_csv(&ds, SEG_TEST_DATA "/csv_does_not_exist.csv", NULL),
                     SEG_ERR_IO);
    assert_null(ds);
    assert_non_null(strstr(seg_last_error(), "csv_does_not_exist.csv: cannot open: "));
    assert_non_null(strstr(seg_last_error(), "No such file or directory"));
    assert_int_equal(seg_dataset_read_csv(&ds, SEG_TEST_DATA, NULL), SEG_ERR_IO);
    assert_int_equal(seg_dataset_read_csv(&ds, SEG_TEST_DATA "/csv_empty.csv", NULL),
                     SEG_ERR_EMPTY);
    assert_non_null(strstr(seg_last_error(), "csv_empty.csv:1:1: found end of input"));
    assert_int_equal(seg_dataset_read_csv(&ds, SEG_TEST_DATA "/csv_header_only.csv", NULL),
                     SEG_ERR_EMPTY);
    assert_non_null(strstr(seg_last_error(), "csv_header_only.csv:2:1:"));
}

/* A fixture with a BOM, CRLF, ';', quotes and a multi-line field. */
static void file_fixture(void **state)
{
    seg_dataset *ds = NULL;
    (void)state;
    assert_int_equal(seg_dataset_read_csv(&ds, SEG_TEST_DATA "/csv_quoted_crlf.csv", NULL), SEG_OK);
    assert_int_equal(seg_dataset_rows(ds), 3);
    assert_int_equal(seg_dataset_columns(ds), 3);
    assert_string_equal(seg_dataset_column_name(ds, 0), "id");
    assert_string_equal(seg_dataset_column_name(ds, 2), "amount");
    assert_int_equal(seg_dataset_column_type(ds, 0), SEG_COLUMN_NUMERIC);
    assert_int_equal(seg_dataset_column_type(ds, 1), SEG_COLUMN_CATEGORICAL);
    assert_int_equal(seg_dataset_column_type(ds, 2), SEG_COLUMN_NUMERIC);
    assert_string_equal(text(ds, 0, 1), "Dupont; Marie");
    assert_string_equal(text(ds, 1, 1), "O\"Brien\r\nSean");
    assert_null(text(ds, 2, 1));
    assert_true(num(ds, 0, 2) == 12.5);
    assert_true(isnan(num(ds, 1, 2)));
    assert_true(num(ds, 2, 2) == -3.0);
    assert_true(num(ds, 2, 0) == 3.0);
    seg_dataset_free(ds);
}

/* ---- bank data ----------------------------------------------------------------------- */

static void assert_same_dataset(const seg_dataset *a, const seg_dataset *b)
{
    size_t n = seg_dataset_rows(a), d = seg_dataset_columns(a);
    assert_int_equal(seg_dataset_rows(b), n);
    assert_int_equal(seg_dataset_columns(b), d);
    for (size_t j = 0; j < d; j++) {
        assert_string_equal(seg_dataset_column_name(a, j), seg_dataset_column_name(b, j));
        assert_int_equal(seg_dataset_column_type(a, j), seg_dataset_column_type(b, j));
        assert_int_equal(seg_dataset_column_missing(a, j), seg_dataset_column_missing(b, j));
        assert_int_equal(seg_dataset_column_levels(a, j), seg_dataset_column_levels(b, j));
        for (size_t i = 0; i < n; i++) {
            if (seg_dataset_column_type(a, j) == SEG_COLUMN_NUMERIC) {
                double x = num(a, i, j), y = num(b, i, j);
                assert_memory_equal(&x, &y, sizeof x);
            } else {
                assert_string_equal(text(a, i, j), text(b, i, j));
            }
        }
    }
}

static const char *const bank_numeric[] = {"age",      "balance", "day",     "duration",
                                           "campaign", "pdays",   "previous"};

static void check_bank_types(const seg_dataset *ds)
{
    assert_int_equal(seg_dataset_columns(ds), 17);
    for (size_t j = 0; j < 17; j++) {
        bool numeric = false;
        for (size_t k = 0; k < 7; k++)
            numeric |= strcmp(seg_dataset_column_name(ds, j), bank_numeric[k]) == 0;
        assert_int_equal(seg_dataset_column_type(ds, j),
                         numeric ? SEG_COLUMN_NUMERIC : SEG_COLUMN_CATEGORICAL);
        assert_int_equal(seg_dataset_column_missing(ds, j), 0);
    }
}

/* Values below come from the files with awk (NR>1 sums of $1 and $6). */
static void bank_head_layouts_equal(void **state)
{
    seg_dataset *plain = NULL, *uci = NULL;
    double age = 0, balance = 0;
    (void)state;
    assert_int_equal(seg_dataset_read_csv(&plain, SEG_TEST_DATA "/bank-plain-head.csv", NULL),
                     SEG_OK);
    assert_int_equal(seg_dataset_read_csv(&uci, SEG_TEST_DATA "/bank-uci-head.csv", NULL), SEG_OK);
    assert_int_equal(seg_dataset_rows(plain), 500);
    check_bank_types(plain);
    assert_same_dataset(plain, uci);
    for (size_t i = 0; i < 500; i++) {
        age += num(plain, i, 0);
        balance += num(plain, i, 5);
    }
    assert_true(age == 21946.0);
    assert_true(balance == 304504.0);
    seg_dataset_free(plain);
    seg_dataset_free(uci);
}

static int find_bank(const char *file, char *path, size_t size)
{
    const char *dirs[] = {getenv("SEG_BANK_DIR"), SEG_TEST_DATA "/../../examples/data",
                          "/work/shared/data"};
    for (size_t i = 0; i < 3; i++) {
        FILE *f;
        if (!dirs[i])
            continue;
        snprintf(path, size, "%s/%s", dirs[i], file);
        if ((f = fopen(path, "rb"))) {
            fclose(f);
            return 1;
        }
    }
    return 0;
}

/* First row: 58,management,married,tertiary,no,2143,yes,no,unknown,5,may,261,1,-1,0,unknown,no
 * Last row:  37,entrepreneur,married,secondary,no,2971,no,no,cellular,17,nov,361,2,188,11,other,no
 * Sums (awk): age 1850767, balance 61589682; y = "yes" 5289 times; job "unknown" 288 times. */
static void bank_full_layouts_equal(void **state)
{
    char p1[1024], p2[1024];
    seg_dataset *plain = NULL, *uci = NULL;
    double age = 0, balance = 0;
    size_t yes = 0, unknown_job = 0, n;
    (void)state;
    if (!find_bank("bank-full.csv", p1, sizeof p1) ||
        !find_bank("bank-full-uci.csv", p2, sizeof p2))
        skip();
    assert_int_equal(seg_dataset_read_csv(&plain, p1, NULL), SEG_OK);
    assert_int_equal(seg_dataset_read_csv(&uci, p2, NULL), SEG_OK);
    n = seg_dataset_rows(plain);
    assert_int_equal(n, 45211);
    check_bank_types(plain);
    assert_same_dataset(plain, uci);

    assert_true(num(plain, 0, 0) == 58.0);
    assert_string_equal(text(plain, 0, 1), "management");
    assert_string_equal(text(plain, 0, 3), "tertiary");
    assert_true(num(plain, 0, 5) == 2143.0);
    assert_true(num(plain, 0, 13) == -1.0);
    assert_string_equal(text(plain, 0, 16), "no");
    assert_true(num(plain, n - 1, 0) == 37.0);
    assert_string_equal(text(plain, n - 1, 1), "entrepreneur");
    assert_string_equal(text(plain, n - 1, 8), "cellular");
    assert_true(num(plain, n - 1, 9) == 17.0);
    assert_string_equal(text(plain, n - 1, 10), "nov");
    assert_true(num(plain, n - 1, 13) == 188.0);
    assert_true(num(plain, n - 1, 14) == 11.0);
    assert_string_equal(text(plain, n - 1, 15), "other");
    assert_int_equal(seg_dataset_column_levels(plain, 1), 12);
    assert_int_equal(seg_dataset_column_levels(plain, 3), 4);
    assert_int_equal(seg_dataset_column_levels(plain, 16), 2);
    for (size_t i = 0; i < n; i++) {
        age += num(plain, i, 0);
        balance += num(plain, i, 5);
        yes += strcmp(text(plain, i, 16), "yes") == 0;
        unknown_job += strcmp(text(plain, i, 1), "unknown") == 0;
    }
    assert_true(age == 1850767.0);
    assert_true(balance == 61589682.0);
    assert_int_equal(yes, 5289);
    assert_int_equal(unknown_job, 288);
    seg_dataset_free(plain);
    seg_dataset_free(uci);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(options_defaults_and_ranges),
        cmocka_unit_test(null_arguments),
        cmocka_unit_test(basic_types_and_levels),
        cmocka_unit_test(quoted_fields),
        cmocka_unit_test(line_ends_bom_blank_lines),
        cmocka_unit_test(delimiter_detection),
        cmocka_unit_test(header_less),
        cmocka_unit_test(empty_header_names),
        cmocka_unit_test(missing_tokens),
        cmocka_unit_test(missing_options),
        cmocka_unit_test(trimming),
        cmocka_unit_test(number_syntax),
        cmocka_unit_test(cr_only_line_ends),
        cmocka_unit_test(inference_rules),
        cmocka_unit_test(forced_types),
        cmocka_unit_test(numbers_match_strtod),
        cmocka_unit_test(numbers_ignore_locale),
        cmocka_unit_test(duplicate_names_and_limits),
        cmocka_unit_test(structure_errors),
        cmocka_unit_test(file_errors),
        cmocka_unit_test(file_fixture),
        cmocka_unit_test(bank_head_layouts_equal),
        cmocka_unit_test(bank_full_layouts_equal),
        cmocka_unit_test(block_boundaries),
        cmocka_unit_test(similar_levels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
