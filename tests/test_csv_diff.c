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

/* ---- the stream's plain-record path (csv_stream.c) ---------------------------------------
 *
 * A record without CR or NUL, and no field starting with a quote or blank,
 * is split from one mask a 16-byte block
 * (seg_csv_special16); everything else goes through the tokenizer a field
 * at a time. The tests below hold the stream to what that tokenizer alone
 * gives, byte for byte, with the special bytes at every offset of the
 * 8-byte words and 16-byte blocks and records ending at the window's end. */

/* The mask by its definition, one byte at a time. */
static uint32_t special_by_bytes(const unsigned char *q, unsigned char delim)
{
    uint32_t m = 0;
    for (int i = 0; i < 16; i++)
        if (q[i] == delim || q[i] == '\n' || q[i] == '\r' || q[i] == '\0')
            m |= 1u << i;
    return m;
}

static void expect_masks(const unsigned char *q, unsigned char delim)
{
    uint32_t want = special_by_bytes(q, delim);
    uint32_t portable = seg_csv_special16_portable((const char *)q, delim);
    uint32_t used = seg_csv_special16((const char *)q, delim);
    if (portable != want || used != want)
        fail_msg("delimiter 0x%02x: mask %04x (portable) %04x (built) want %04x", delim, portable,
                 used, want);
}

/* Both versions of the mask (SSE2 where built, the portable words always)
 * flag exactly the special bytes: every byte value at every offset, and
 * blocks dense with special and high bytes next to each other (where a
 * borrow-based zero-byte test would flag a neighbour too). */
static void special_masks_exact(void **state)
{
    static const unsigned char delims[] = {',', ';', '\t', ' ', '|', 0x80, 0xff, 0x01};
    static const unsigned char fill[] = {'a', 0x00, 0x01, 0x7f, 0x80, 0xff, '"', '\n'};
    static const unsigned char mix[] = {',',  ';',  '\t', '"', '\n', '\r', 0,   1,    0x7f, 0x80,
                                        0x81, 0xff, 'a',  ' ', 0x0b, 0x0c, '+', 0x21, 0xa2, 0x8d};
    unsigned char q[16];
    uint64_t x = 0x2545F4914F6CDD1Du;
    (void)state;
    for (size_t k = 0; k < sizeof delims; k++) {
        for (size_t f = 0; f < sizeof fill; f++)
            for (int i = 0; i < 16; i++)
                for (int v = 0; v < 256; v++) {
                    memset(q, fill[f], sizeof q);
                    q[i] = (unsigned char)v;
                    expect_masks(q, delims[k]);
                }
        for (int r = 0; r < 20000; r++) {
            for (int i = 0; i < 16; i++) {
                x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                q[i] = mix[x % sizeof mix];
            }
            expect_masks(q, delims[k]);
        }
    }
}

/* What the stream must give: the tokenizer a field at a time over the
 * whole text, held and counted as csv_stream.c holds them (max_fields,
 * refuse_wider). Records as "width|line|field|field...\n", then
 * "end" or "error CODE MESSAGE". */
static void by_tokenizer(const char *text, size_t n, size_t max_field, size_t hold, bool refuse,
                         char *out, size_t cap)
{
    seg_csv_tok t;
    size_t w = 0;
    int rc;
    seg_csv_tok_init(&t, path, max_field);
    seg_csv_tok_set_delimiter(&t, ',');
    t.buf = text;
    t.end = n;
    t.eof = true;
    seg_csv_tok_skip_bom(&t);
    while ((rc = seg_csv_tok_record(&t)) == 1) {
        char rec[4096];
        size_t rw = 0, width = 0;
        int last = 0;
        const size_t line = t.rec_line;
        while (!last && rc >= 0) {
            seg_csv_field f;
            if ((last = seg_csv_tok_field(&t, width + 1, &f)) < 0) {
                rc = last;
                break;
            }
            if (width >= hold) {
                if (refuse) {
                    rc = seg_fail(SEG_ERR_LIMIT,
                                  "%.200s:%zu:%zu: found more than %zu columns, expected at most "
                                  "%zu (SEG_CSV_MAX_COLUMNS)",
                                  path, f.line, width + 1, hold, hold);
                    break;
                }
            } else {
                char v[2048];
                size_t len = f.escaped ? seg_csv_unescape(v, f.p, f.len) : f.len;
                if (!f.escaped)
                    memcpy(v, f.p, f.len);
                rw += (size_t)snprintf(rec + rw, sizeof rec - rw, "|%zu:%.*s", f.line, (int)len, v);
            }
            width++;
        }
        if (rc < 0)
            break;
        w += (size_t)snprintf(out + w, cap - w, "%zu@%zu%s\n", width, line, rec);
        assert_true(w < cap);
        rw = 0;
    }
    if (rc < 0)
        snprintf(out + w, cap - w, "error %d %s", rc, seg_last_error());
    else
        snprintf(out + w, cap - w, "end");
}

static void by_stream(size_t window, size_t max_field, size_t hold, bool refuse, char *out,
                      size_t cap)
{
    csv_stream s;
    size_t w = 0;
    int rc = seg_csv_stream_open_window(&s, path, ',', max_field, window);
    if (rc == 0) {
        s.max_fields = hold;
        s.refuse_wider = refuse;
        while ((rc = seg_csv_stream_next(&s)) == 1) {
            w += (size_t)snprintf(out + w, cap - w, "%zu@%zu", s.width, s.record_line);
            for (size_t j = 0; j < s.n_field; j++)
                w += (size_t)snprintf(out + w, cap - w, "|%zu:%.*s", s.field[j].line,
                                      (int)s.field[j].len, s.field[j].p);
            w += (size_t)snprintf(out + w, cap - w, "\n");
            assert_true(w < cap);
        }
    }
    seg_csv_stream_close(&s);
    if (rc < 0)
        snprintf(out + w, cap - w, "error %d %s", rc, seg_last_error());
    else
        snprintf(out + w, cap - w, "end");
}

static void expect_stream_as_tokenizer(const char *text, size_t n, size_t window, size_t max_field,
                                       size_t hold, bool refuse)
{
    static char want[16384], got[16384];
    put_file(text, n);
    by_tokenizer(text, n, max_field, hold, refuse, want, sizeof want);
    by_stream(window, max_field, hold, refuse, got, sizeof got);
    if (strcmp(want, got) != 0) {
        char shown[600];
        show_input(text, n > 120 ? 120 : n, shown, sizeof shown);
        fail_msg("window %zu, max_field %zu, hold %zu%s:\ntokenizer: %s\nstream:    %s\ninput: "
                 "\"%s\"",
                 window, max_field, hold, refuse ? " refuse" : "", want, got, shown);
    }
}

/* One byte (delimiter, quote, CR, LF, NUL, blanks, bytes >= 0x80) at every
 * offset of a 40-byte record, the record at every offset of a 16-byte block,
 * read through windows that end in and just past the blocks: the stream
 * gives the tokenizer's fields, lines and errors. */
static void plain_path_bytes_at_every_offset(void **state)
{
    static const unsigned char bytes[] = {',', '"', '\r', '\n', '\0', ' ', '\t', 0x80, 0xff, 'x'};
    static const size_t windows[] = {1, 7, 15, 16, 17, 32, 33, 64, CSV_STREAM_WINDOW};
    const char *rec = "ab,cd ,  e,fghij,klmnopqr,s,tuvwxyz0123"; /* 39 bytes + LF */
    char text[256];
    (void)state;
    for (size_t lead = 0; lead < 16; lead++)
        for (size_t b = 0; b < sizeof bytes; b++)
            for (size_t at = 0; at < 40; at++) {
                /* a header of 2 + lead bytes moves the record through the block */
                int n = snprintf(text, sizeof text, "h%.*s,i\n%s\n", (int)lead, "hhhhhhhhhhhhhhhh",
                                 rec);
                size_t start = 3 + lead + 1;
                text[start + at] = (char)bytes[b];
                n += snprintf(text + n, sizeof text - (size_t)n, "1,2,3\n4, 5 ,6");
                for (size_t k = 0; k < sizeof windows / sizeof *windows; k++)
                    if (lead % 4 == 0 || windows[k] == CSV_STREAM_WINDOW)
                        expect_stream_as_tokenizer(text, (size_t)n, windows[k],
                                                   SEG_CSV_MAX_FIELD_DEFAULT, 10000, true);
            }
}

/* Records that end exactly at the window's end and at the end of the file
 * (with and without a last LF), blank lines, empty fields, fields past the
 * ones held (counted or refused), and the field limit reached inside a
 * plain record. */
static void plain_path_ends_and_limits(void **state)
{
    static const char *const texts[] = {
        "a,b\n",
        "a,b",
        "a,b\n\n\n",
        "\n\na,b\n",
        ",\n",
        ",,,\n,,\n",
        "a,b\nc,d\ne",
        "a, b \n c ,d\n",
        "a\t,b\t \n",
        "\xEF\xBB\xBF"
        "a,b\n",
        "a,b\nc,d,e,f,g\nh\n",
        "abcdefghijklmnop,q\nrstuvwxyzabcdefg\n",
        "0123456789abcdef\n0123456789abcde\n0123456789abcdefg\n",
        "a,b\r\nc,d\n",
        "a,\"b\"\nc,d\n",
        "a,b\nc\0,d\n",
        "\xff\x80,\xc3\xa9\n\x80\n",
    };
    (void)state;
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        size_t n = strlen(texts[i]);
        if (i == 15)
            n = 10; /* the NUL's text */
        for (size_t window = 1; window <= 40; window++)
            for (size_t hold = 1; hold <= 3; hold++) {
                expect_stream_as_tokenizer(texts[i], n, window, SEG_CSV_MAX_FIELD_DEFAULT, hold,
                                           false);
                expect_stream_as_tokenizer(texts[i], n, window, SEG_CSV_MAX_FIELD_DEFAULT, hold,
                                           true);
                for (size_t max_field = 1; max_field <= 17; max_field += 4)
                    expect_stream_as_tokenizer(texts[i], n, window, max_field, hold, false);
            }
    }
}

/* seg_parse_number() against strtod, bit for bit, on the short decimals
 * of its first path ([-]digits[.digits], at most 15 bytes) and on the
 * texts just outside it (16 bytes, '+', ".5", "1.", exponents), with the
 * same verdict on non-numbers. */
static void expect_number(seg_number_parser *np, const char *text)
{
    double got = 0, want;
    char *end;
    int rc = seg_parse_number(np, text, strlen(text), &got);
    want = strtod(text, &end);
    if (rc != 1 || *end != '\0' || end == text || memcmp(&got, &want, sizeof got) != 0)
        fail_msg("'%s': %d %.17g, strtod %.17g", text, rc, got, want);
}

static void numbers_match_strtod(void **state)
{
    static const char *const fixed[] = {
        "0",
        "-0",
        "0.0",
        "-0.000",
        "007",
        "1.",
        "-1.",
        ".5",
        "-.5",
        "+1",
        "1e5",
        "1.5E-3",
        "999999999999999",
        "-99999999999999",
        "9999999999999999",
        "0.1",
        "0.3",
        "2.55",
        "3.75",
        "9.95",
        "0.42",
        "1.25",
        "12345678901234.5",
        "1234567890123.45",
        "-0.00000000000001",
        "0.000000000000001",
        "0.0000000000000001",
        "123456789.123456",
        "4503599627370497",
        "9007199254740993",
        "-9007199254740993.5",
    };
    static const char *const not_numbers[] = {"",   "-",  ".",   "-.",   "1.2.3", "1-",  "--1",
                                              "1 ", " 1", "1,5", "0x10", "1e",    "abc", "1.e"};
    seg_number_parser np = {0};
    char text[40];
    uint64_t x = 0x9E3779B97F4A7C15u;
    (void)state;
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
        expect_number(&np, fixed[i]);
    for (size_t i = 0; i < sizeof not_numbers / sizeof *not_numbers; i++) {
        double v;
        if (seg_parse_number(&np, not_numbers[i], strlen(not_numbers[i]), &v) != 0)
            fail_msg("'%s' read as a number", not_numbers[i]);
    }
    for (int k = 0; k < 200000; k++) {
        size_t n = 0, digits;
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        digits = 1 + (size_t)(x % 17);
        if ((x >> 8) & 1)
            text[n++] = '-';
        size_t point = (size_t)((x >> 12) % (digits + 2)); /* digits + 1: no point */
        for (size_t d = 0; d < digits; d++) {
            if (d == point && d > 0)
                text[n++] = '.';
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            text[n++] = (char)('0' + (x >> 20) % 10);
        }
        text[n] = '\0';
        expect_number(&np, text);
    }
    seg_number_parser_free(&np);
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
        cmocka_unit_test(special_masks_exact),
        cmocka_unit_test(plain_path_bytes_at_every_offset),
        cmocka_unit_test(plain_path_ends_and_limits),
        cmocka_unit_test(numbers_match_strtod),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
