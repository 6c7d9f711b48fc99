/*
 * The two CSV readers agree: the whole-file reader (seg_dataset_read_csv)
 * and the chunked record stream (seg_csv_chunker, behind --memory and seg
 * rfm) give the same verdict, error position and values on thousands of
 * seeded hostile inputs (quotes, CR/LF mixes, NUL, long fields, long rows,
 * numbers at the edges of double), read through windows of 1 to 64 bytes so
 * that every record straddles refills. See csv_diff.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csv_diff.h"

static char path[256];

static void put_file(const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static void show_input(const char *text, size_t n, char *out, size_t cap)
{
    size_t w = 0;
    for (size_t i = 0; i < n && w + 5 < cap; i++) {
        unsigned char c = (unsigned char)text[i];
        w += (size_t)snprintf(out + w, cap - w, c >= 0x20 && c < 0x7f && c != '\\' ? "%c" : "\\x%02x",
                              c);
    }
    out[w] = '\0';
}

static void expect_same(const char *text, size_t n, const seg_csv_options *o, size_t window,
                        const char *what)
{
    put_file(text, n);
    const char *diff = csv_diff(path, o, window);
    if (diff) {
        char shown[600];
        show_input(text, n > 120 ? 120 : n, shown, sizeof shown);
        fail_msg("%s (window %zu): %s\ninput: \"%s\"", what, window, diff, shown);
    }
}

/* Both readers refuse with this status, naming "LINE:FIELD". */
static void expect_refused(const char *text, size_t n, int code, const char *where)
{
    seg_dataset *ds = NULL;
    char w[64];
    put_file(text, n);
    assert_int_equal(seg_dataset_read_csv(&ds, path, NULL), code);
    csv_diff_where(seg_last_error(), path, w, sizeof w);
    assert_string_equal(w, where);
    expect_same(text, n, NULL, 7, where);
}

/* ---- the cases of issue 14 ------------------------------------------------------------ */

static void nul_is_refused_by_both(void **state)
{
    (void)state;
    expect_refused("a\0x,b\n1,2\n", 10, SEG_ERR_PARSE, "1:1");
    expect_refused("id,v\nC1\0X,1\nC1\0Y,2\nC1,3\n", 25, SEG_ERR_PARSE, "2:1");
    expect_refused("a,b\n1,\"x\0\"\n", 12, SEG_ERR_PARSE, "2:2");
    expect_refused("a,b\n1,\"x\"\0\n", 12, SEG_ERR_PARSE, "2:2");
}

static void cr_only_lines_in_both(void **state)
{
    seg_csv_chunker *ch = NULL;
    seg_dataset *ds = NULL;
    const char text[] = "a,b\r1,x\r3,\"x\ry\"\r5,y";
    (void)state;
    expect_same(text, sizeof text - 1, NULL, 3, "CR-only");
    put_file(text, sizeof text - 1);
    assert_int_equal(seg_csv_chunker_open(&ch, path, NULL), SEG_OK);
    assert_int_equal(seg_csv_chunker_next(ch, &ds), 1);
    assert_int_equal(seg_dataset_rows(ds), 3);
    assert_int_equal(seg_dataset_column_type(ds, 1), SEG_COLUMN_CATEGORICAL);
    seg_dataset_free(ds);
    seg_csv_chunker_free(ch);
    /* Line numbers count a lone CR: the error is on line 3. */
    expect_refused("a,b\r1,2\r3\r", 10, SEG_ERR_PARSE, "3:1");
    expect_refused("a,b\r\n1,2\r3,4,5\n", 16, SEG_ERR_PARSE, "3:3");
}

static void numbers_at_the_edges(void **state)
{
    const char text[] = "a,b\n1.7976931348623157e308,4.9406564584124654e-324\n"
                        "-1.7976931348623157e308,2.2250738585072011e-308\n"
                        "9.9999999999999999e307,1e-320\n";
    seg_csv_chunker *ch = NULL;
    seg_dataset *ds = NULL;
    double v = 0;
    (void)state;
    expect_same(text, sizeof text - 1, NULL, 5, "edges of double");
    put_file(text, sizeof text - 1);
    assert_int_equal(seg_csv_chunker_open(&ch, path, NULL), SEG_OK);
    assert_int_equal(seg_csv_chunker_next(ch, &ds), 1);
    assert_int_equal(seg_dataset_get_f64(ds, 0, 0, &v), SEG_OK);
    assert_true(v == 1.7976931348623157e308);
    assert_int_equal(seg_dataset_get_f64(ds, 0, 1, &v), SEG_OK);
    assert_true(v == 4.9406564584124654e-324);
    seg_dataset_free(ds);
    seg_csv_chunker_free(ch);
    /* Past DBL_MAX is not a number in either reader. */
    const char over[] = "a\n1.7976931348623159e308\n1\n";
    expect_same(over, sizeof over - 1, NULL, 4, "past DBL_MAX");
}

/* Counting allocator: the most bytes held at once. */
typedef struct peak {
    size_t now, most;
} peak;

static void *peak_alloc(void *user, size_t size)
{
    peak *p = user;
    size_t *b = malloc(size + 16);
    if (!b)
        return NULL;
    b[0] = size;
    p->now += size;
    if (p->now > p->most)
        p->most = p->now;
    return (char *)b + 16;
}

static void peak_free(void *user, void *ptr)
{
    peak *p = user;
    size_t *b = (size_t *)((char *)ptr - 16);
    p->now -= b[0];
    free(b);
}

/* A 5 MB row of commas: both refuse it at the same field, and the stream holds
 * the row's bytes (a buffer that doubles: at most 2.5 times the row while it
 * grows), not a span per empty field (that was 17 bytes a field, 90 MB). */
static void long_row_of_commas(void **state)
{
    size_t n = (size_t)5 << 20;
    char *text = malloc(n + 16);
    peak pk = {0, 0};
    seg_allocator *a = NULL;
    seg_csv_options *o = NULL;
    seg_csv_chunker *ch = NULL;
    (void)state;
    assert_non_null(text);
    memcpy(text, "a,b\n1,2\n", 8);
    memset(text + 8, ',', n);
    text[8 + n] = '\n';
    expect_refused(text, n + 9, SEG_ERR_PARSE, "3:3");
    memset(text, ',', n); /* as the header: more than SEG_CSV_MAX_COLUMNS */
    text[n] = '\n';
    expect_refused(text, n + 1, SEG_ERR_LIMIT, "1:10001");
    memcpy(text, "a,b\n1,2\n", 8);
    memset(text + 8, ',', n);
    put_file(text, n + 9);
    assert_int_equal(seg_allocator_new(&a, peak_alloc, peak_free, &pk), SEG_OK);
    assert_int_equal(seg_csv_options_new_with_allocator(&o, a), SEG_OK);
    assert_int_equal(seg_csv_chunker_open(&ch, path, o), SEG_ERR_PARSE);
    seg_csv_options_free(o);
    seg_allocator_free(a);
    if (pk.most >= 3 * n)
        fail_msg("the stream held %zu bytes at once for a row of %zu", pk.most, n);
    free(text);
}

static void field_limit_same_place(void **state)
{
    seg_csv_options *o = NULL;
    char text[4200];
    (void)state;
    assert_int_equal(seg_csv_options_new(&o), SEG_OK);
    assert_int_equal(seg_csv_options_set_int(o, SEG_CSV_MAX_FIELD, 100), SEG_OK);
    memcpy(text, "a,b\n1,\"", 7);
    memset(text + 7, 'x', 4000);
    memcpy(text + 4007, "\"\n", 2);
    for (size_t w = 1; w < 200; w += 13)
        expect_same(text, 4009, o, w, "long quoted field");
    text[6] = 'y';
    for (size_t w = 1; w < 200; w += 13)
        expect_same(text, 4009, o, w, "long unquoted field");
    seg_csv_options_free(o);
}

/* Blanks longer than the field limit before an unclosed quote (found by
 * fuzz_csv_diff): the stream's window used to end inside the blanks and
 * refuse a long unquoted field, where the whole text sees the quote. */
static void blanks_before_a_quote(void **state)
{
    seg_csv_options *o = NULL;
    static const char text[] = "a,b\n13,                     \"\r\r\r;x\n";
    (void)state;
    assert_int_equal(seg_csv_options_new(&o), SEG_OK);
    assert_int_equal(seg_csv_options_set_int(o, SEG_CSV_MAX_FIELD, 16), SEG_OK);
    for (size_t w = 1; w < 64; w++)
        expect_same(text, sizeof text - 1, o, w, "blanks before an unclosed quote");
    seg_csv_options_free(o);
}

/* A record past the 64 MiB record limit, made of blanks after a closing
 * quote: both refuse it at the same line and field (the whole-text reader
 * used to accept it). */
static void record_limit_same_place(void **state)
{
    size_t n = ((size_t)64 << 20) + 100;
    char *text = malloc(n + 16);
    (void)state;
    assert_non_null(text);
    memcpy(text, "a,b\n1,\"x\"", 9);
    memset(text + 9, ' ', n);
    text[9 + n] = '\n';
    expect_refused(text, n + 10, SEG_ERR_LIMIT, "2:2");
    free(text);
}

/* ---- seeded random inputs --------------------------------------------------------------- */

/* Quotes, CRLF and delimiters at every offset of the tokenizer's 64-byte
 * blocks, whole and through windows that end inside and just past a block:
 * both readers agree. */
static void block_boundaries_agree(void **state)
{
    static const size_t windows[] = {63, 64, 65, 100, 128};
    char buf[1024];
    (void)state;
    for (size_t len = 1; len <= 135; len++) {
        int w = snprintf(buf, sizeof buf,
                         "a,b,c\r\n%.*s,7,\"q,\r\n\"\"x\"\r\nu,-1.5,w\r\n%.*sz,,\"\"\r\n%.*s,3,t\n",
                         (int)len,
                         "pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp"
                         "ppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp",
                         (int)len,
                         "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq"
                         "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq",
                         70, "llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllll");
        assert_true(w > 0 && (size_t)w < sizeof buf);
        for (size_t k = 0; k < sizeof windows / sizeof *windows; k++)
            expect_same(buf, (size_t)w, NULL, windows[k], "block boundaries");
    }
}

static void random_inputs_agree(void **state)
{
    char buf[8192];
    csv_gen g = {0x9E3779B97F4A7C15u, buf, 0, sizeof buf};
    size_t refused = 0, n_inputs = 20000;
    (void)state;
    for (size_t k = 0; k < n_inputs; k++) {
        seg_csv_options *o = NULL;
        char what[64];
        csv_gen_text(&g);
        assert_int_equal(seg_csv_options_new(&o), SEG_OK);
        if (csv_gen_below(&g, 5) == 0)
            seg_csv_options_set_int(o, SEG_CSV_MAX_FIELD, 1 + (int64_t)csv_gen_below(&g, 24));
        if (csv_gen_below(&g, 8) == 0)
            seg_csv_options_set_int(o, SEG_CSV_MAX_COLUMNS, 1 + (int64_t)csv_gen_below(&g, 4));
        if (csv_gen_below(&g, 5) == 0)
            seg_csv_options_set_int(o, SEG_CSV_HEADER, 0);
        if (csv_gen_below(&g, 6) == 0)
            seg_csv_options_set_int(o, SEG_CSV_DELIMITER, csv_gen_below(&g, 2) ? ',' : ';');
        if (csv_gen_below(&g, 6) == 0)
            seg_csv_options_set_column_type(o, "a", csv_gen_below(&g, 2) ? SEG_COLUMN_NUMERIC
                                                                          : SEG_COLUMN_CATEGORICAL);
        size_t window = csv_gen_below(&g, 10) == 0 ? CSV_STREAM_WINDOW : 1 + csv_gen_below(&g, 64);
        snprintf(what, sizeof what, "input %zu", k);
        put_file(buf, g.len);
        seg_dataset *ds = NULL;
        refused += seg_dataset_read_csv(&ds, path, o) != SEG_OK;
        seg_dataset_free(ds);
        expect_same(buf, g.len, o, window, what);
        seg_csv_options_free(o);
    }
    /* The generator must produce both kinds, or the check says little. */
    assert_true(refused > n_inputs / 10);
    assert_true(refused < n_inputs - n_inputs / 10);
    print_message("%zu inputs, %zu refused by both, %zu read alike\n", n_inputs, refused,
                  n_inputs - refused);
}

static int setup(void **state)
{
    (void)state;
    const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(path, sizeof path, "%s/seg-csv-diff-%ld.csv", dir, (long)getpid());
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    remove(path);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nul_is_refused_by_both),
        cmocka_unit_test(cr_only_lines_in_both),
        cmocka_unit_test(numbers_at_the_edges),
        cmocka_unit_test(long_row_of_commas),
        cmocka_unit_test(field_limit_same_place),
        cmocka_unit_test(record_limit_same_place),
        cmocka_unit_test(blanks_before_a_quote),
        cmocka_unit_test(random_inputs_agree),
        cmocka_unit_test(block_boundaries_agree),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
