/*
 * The differential check of the two CSV readers, shared by the unit test
 * (test_csv_diff.c) and the fuzz target (fuzz/fuzz_csv_diff.c): the same
 * file read whole (seg_dataset_read_csv) and through the chunked record
 * stream (seg_csv_chunker, with a tiny window so records straddle refills)
 * must give the same verdict: the same status and the same FILE:LINE:FIELD
 * in the error, or the same columns, types and values (numbers bit for bit,
 * categorical values by text).
 *
 * csv_diff() returns NULL when they agree, else a description of the first
 * difference (a static buffer).
 */
#ifndef SEG_TEST_CSV_DIFF_H
#define SEG_TEST_CSV_DIFF_H

#include "data/csv_stream.h"
#include "seg.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static char csv_diff_msg[1200];

/* "LINE:FIELD" of an error "PATH:LINE:FIELD: ...", or "" without a position. */
static void csv_diff_where(const char *msg, const char *path, char *out, size_t cap)
{
    size_t n = strlen(path);
    out[0] = '\0';
    if (strncmp(msg, path, n) != 0 || msg[n] != ':')
        return;
    const char *a = msg + n + 1, *b = strchr(a, ':');
    if (!b || !(b = strchr(b + 1, ':')))
        return;
    snprintf(out, cap, "%.*s", (int)(b - a), a);
}

static const char *csv_diff_values(const seg_dataset *x, const seg_dataset *y)
{
    size_t n = seg_dataset_rows(x), d = seg_dataset_columns(x);
    if (n != seg_dataset_rows(y) || d != seg_dataset_columns(y)) {
        snprintf(csv_diff_msg, sizeof csv_diff_msg, "shape %zux%zu whole, %zux%zu streamed", n, d,
                 seg_dataset_rows(y), seg_dataset_columns(y));
        return csv_diff_msg;
    }
    for (size_t j = 0; j < d; j++) {
        const char *nx = seg_dataset_column_name(x, j), *ny = seg_dataset_column_name(y, j);
        seg_column_type t = seg_dataset_column_type(x, j);
        if (strcmp(nx, ny) != 0 || t != seg_dataset_column_type(y, j) ||
            seg_dataset_column_missing(x, j) != seg_dataset_column_missing(y, j)) {
            snprintf(csv_diff_msg, sizeof csv_diff_msg,
                     "column %zu: '%.80s' type %d whole, '%.80s' type %d streamed", j, nx, (int)t,
                     ny, (int)seg_dataset_column_type(y, j));
            return csv_diff_msg;
        }
        for (size_t i = 0; i < n; i++) {
            if (t == SEG_COLUMN_NUMERIC) {
                double a = 0, b = 0;
                seg_dataset_get_f64(x, i, j, &a);
                seg_dataset_get_f64(y, i, j, &b);
                if (memcmp(&a, &b, sizeof a) != 0 && !(a != a && b != b)) {
                    snprintf(csv_diff_msg, sizeof csv_diff_msg,
                             "row %zu column %zu: %.17g whole, %.17g streamed", i, j, a, b);
                    return csv_diff_msg;
                }
            } else {
                const char *a = NULL, *b = NULL;
                seg_dataset_get_text(x, i, j, &a);
                seg_dataset_get_text(y, i, j, &b);
                if ((a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0)) {
                    snprintf(csv_diff_msg, sizeof csv_diff_msg,
                             "row %zu column %zu: '%.80s' whole, '%.80s' streamed", i, j,
                             a ? a : "(missing)", b ? b : "(missing)");
                    return csv_diff_msg;
                }
            }
        }
    }
    return NULL;
}

/* Read path both ways with the same options (NULL: defaults). */
static const char *csv_diff(const char *path, const seg_csv_options *o, size_t window)
{
    seg_dataset *whole = NULL, *part = NULL, *more = NULL;
    seg_csv_chunker *ch = NULL;
    char e1[600], w1[64], w2[64];
    const char *diff = NULL;
    int r1 = seg_dataset_read_csv(&whole, path, o), r2;
    snprintf(e1, sizeof e1, "%s", r1 < 0 ? seg_last_error() : "");
    r2 = seg_csv_chunker_open_window(&ch, path, o, window);
    if (r2 == SEG_OK && (r2 = seg_csv_chunker_set_int(ch, SEG_CHUNKER_ROWS, INT32_MAX)) == SEG_OK) {
        r2 = seg_csv_chunker_next(ch, &part);
        if (r2 == 1 && (r2 = seg_csv_chunker_next(ch, &more)) == 0)
            r2 = SEG_OK;
        else if (r2 == 1)
            r2 = -1000; /* a second chunk: the rows were counted wrong */
    }
    if (r1 != r2) {
        snprintf(csv_diff_msg, sizeof csv_diff_msg, "status %d whole (%.400s), %d streamed (%.400s)",
                 r1, e1, r2, r2 < 0 ? seg_last_error() : "");
        diff = csv_diff_msg;
    } else if (r1 < 0) {
        csv_diff_where(e1, path, w1, sizeof w1);
        csv_diff_where(seg_last_error(), path, w2, sizeof w2);
        if (strcmp(w1, w2) != 0) {
            snprintf(csv_diff_msg, sizeof csv_diff_msg,
                     "status %d at different places: whole '%.400s', streamed '%.400s'", r1, e1,
                     seg_last_error());
            diff = csv_diff_msg;
        }
    } else {
        diff = csv_diff_values(whole, part);
    }
    seg_dataset_free(whole);
    seg_dataset_free(part);
    seg_dataset_free(more);
    seg_csv_chunker_free(ch);
    return diff;
}

/* ---- hostile CSV text, seeded ------------------------------------------------------ */
#ifndef CSV_DIFF_NO_GENERATOR

typedef struct csv_gen {
    uint64_t s;
    char *buf;
    size_t len, cap;
} csv_gen;

static uint64_t csv_gen_next(csv_gen *g)
{
    g->s ^= g->s << 13;
    g->s ^= g->s >> 7;
    g->s ^= g->s << 17;
    return g->s;
}

static size_t csv_gen_below(csv_gen *g, size_t n)
{
    return n ? (size_t)(csv_gen_next(g) % n) : 0;
}

static void csv_gen_put(csv_gen *g, const char *p, size_t n)
{
    if (g->len + n > g->cap)
        return; /* the caller sized the buffer; the rest is dropped */
    memcpy(g->buf + g->len, p, n);
    g->len += n;
}

static void csv_gen_str(csv_gen *g, const char *s)
{
    csv_gen_put(g, s, strlen(s));
}

static const char *const csv_gen_atoms[] = {
    "1", "-0", "3.5", "1e5", ".5", "5.", "-.5e-3", "+7", "00012", "1.7976931348623157e308",
    "-1.7976931348623157e308", "1.7976931348623158e308", "1.7976931348623159e308", "1e308",
    "9.9999999999999999e307", "4.9406564584124654e-324", "2.4703282292062327e-324",
    "2.4703282292062328e-324", "1e-400", "2.2250738585072011e-308", "2.2250738585072014e-308",
    "1e-320", "1e999", "-1e999", "0x10", "1,5", "1_000", "NaN", "NA", "null", "inf", "-inf",
    "nan", "abc", "C1", "C2", "x y", " 7 ", "", "e5", "1e", ".", "-", "12345678901234567890123",
    "0.1000000000000000055511151231257827", "\xEF\xBB\xBF" "b", "\xff\xfe", "caf\xc3\xa9",
};
static const char csv_gen_bytes[] = {',', ';', '\t', '"', '\n', '\r', ' ', '\0', 'a', '1', '.',
                                     'e', '-', 'N', 'A', '#'};

static void csv_gen_field(csv_gen *g, char delim)
{
    size_t r = csv_gen_below(g, 10), n;
    const char *a = csv_gen_atoms[csv_gen_below(g, sizeof csv_gen_atoms / sizeof *csv_gen_atoms)];
    if (r < 6) {
        csv_gen_str(g, a);
    } else if (r < 8) { /* quoted, with what quotes allow */
        static const char *const inner[] = {"\"\"", "\n", "\r", "\r\n", ",", ";", "\t", " "};
        if (csv_gen_below(g, 4) == 0)
            csv_gen_str(g, " ");
        csv_gen_str(g, "\"");
        csv_gen_str(g, a);
        for (n = csv_gen_below(g, 3); n > 0; n--) {
            csv_gen_str(g, inner[csv_gen_below(g, 8)]);
            csv_gen_str(g, csv_gen_atoms[csv_gen_below(g, 10)]);
        }
        csv_gen_str(g, "\"");
        if (csv_gen_below(g, 4) == 0)
            csv_gen_str(g, " ");
    } else if (r < 9) { /* a long field */
        n = 1 + csv_gen_below(g, 40);
        for (size_t i = 0; i < n; i++)
            csv_gen_put(g, "z", 1);
    } else { /* random bytes */
        for (n = csv_gen_below(g, 6); n > 0; n--)
            csv_gen_put(g, &csv_gen_bytes[csv_gen_below(g, sizeof csv_gen_bytes)], 1);
    }
    (void)delim;
}

/* One hostile CSV text into g->buf[0 .. g->len) (room: g->cap). */
static void csv_gen_text(csv_gen *g)
{
    static const char *const eol[] = {"\n", "\r\n", "\r"};
    static const char delims[] = {',', ',', ',', ';', '\t'};
    char delim = delims[csv_gen_below(g, sizeof delims)];
    size_t cols = 1 + csv_gen_below(g, 5), rows = csv_gen_below(g, 8);
    const char *end = eol[csv_gen_below(g, 3)];
    bool mixed = csv_gen_below(g, 4) == 0;
    g->len = 0;
    if (csv_gen_below(g, 8) == 0)
        csv_gen_str(g, "\xEF\xBB\xBF");
    if (csv_gen_below(g, 8) == 0)
        csv_gen_str(g, end);
    for (size_t i = 0; i <= rows; i++) {
        size_t w = cols + (csv_gen_below(g, 12) == 0 ? csv_gen_below(g, 3) : 0) -
                   (cols > 1 && csv_gen_below(g, 12) == 0);
        for (size_t j = 0; j < w; j++) {
            if (j)
                csv_gen_put(g, &delim, 1);
            if (i == 0 && csv_gen_below(g, 4) != 0) {
                char name[8];
                snprintf(name, sizeof name, "%c", (char)('a' + j % 26));
                csv_gen_str(g, name);
            } else {
                csv_gen_field(g, delim);
            }
        }
        if (i < rows || csv_gen_below(g, 3) != 0)
            csv_gen_str(g, mixed ? eol[csv_gen_below(g, 3)] : end);
        if (csv_gen_below(g, 10) == 0)
            csv_gen_str(g, end); /* a blank line */
    }
    for (size_t m = csv_gen_below(g, 4) == 0 ? 1 + csv_gen_below(g, 3) : 0; m > 0 && g->len; m--) {
        size_t at = csv_gen_below(g, g->len);
        g->buf[at] = csv_gen_bytes[csv_gen_below(g, sizeof csv_gen_bytes)];
    }
}

#endif /* CSV_DIFF_NO_GENERATOR */

#endif /* SEG_TEST_CSV_DIFF_H */
