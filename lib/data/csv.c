/*
 * CSV reader: RFC 4180 text into a dataset.
 *
 * The input is held in memory in one piece (a file is read by one fread loop)
 * and walked twice by the same tokenizer. Pass 1 checks the structure, counts
 * the rows and classifies every field (missing, number, other) per column,
 * which settles the column types before anything per row is allocated. Pass 2
 * walks the text again and fills the typed arrays. Walking twice is cheaper
 * than storing the position of every field, and keeps the memory at the size
 * of the input plus the result.
 *
 * Error messages read "FILE:LINE:FIELD: what was found, what was expected",
 * LINE being the 1-based physical line and FIELD the 1-based field number.
 */
#include "data/csv_shared.h"
#include "data/data.h"
#include "data/csv_options.h"
#include "data/csv_share.h"
#include "core/strtab.h"

#include <errno.h>
#include <float.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- tokenizer (csv_shared.c), held whole -------------------------------------- */

typedef seg_csv_field csv_field;

typedef struct csv_token {
    const char *p;
    size_t len;
} csv_token;

typedef struct csv_reader {
    seg_csv_tok t; /* the whole text: eof from the start */
    const char *name; /* file name for messages */
    csv_token *miss;
    size_t n_miss;
    bool miss_first[256];
    char *scratch;
    size_t scratch_cap;
    seg_number_parser num;
} csv_reader;

static int csv_fail(int code, const csv_reader *r, size_t line, size_t field, const char *fmt, ...)
    SEG_PRINTF(5, 6);

static int csv_fail(int code, const csv_reader *r, size_t line, size_t field, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return seg_fail(code, "%.200s:%zu:%zu: %s", r->name, line, field, msg);
}

/* Quote text for a message: at most 40 bytes, control bytes shown as '?'. */
static const char *show(const char *p, size_t len, char out[48])
{
    size_t n = len > 40 ? 37 : len, i;
    for (i = 0; i < n; i++)
        out[i] = (unsigned char)p[i] < 0x20 || p[i] == 0x7f ? '?' : p[i];
    if (n < len) {
        memcpy(out + i, "...", 3);
        i += 3;
    }
    out[i] = '\0';
    return out;
}

/* Skip blank lines. true when a record starts at the tokenizer's position. */
static bool at_record(csv_reader *r)
{
    return seg_csv_tok_record(&r->t) == 1;
}

/* Next field of the current record. 0: more fields follow; 1: it was the
 * last one of its record; < 0: error. field numbers the field for messages. */
static inline int next_field(csv_reader *r, csv_field *f, size_t field)
{
    return seg_csv_tok_field(&r->t, field, f);
}

/* The value of a field: escaped quotes are undone into the scratch buffer. */
static int unescape(csv_reader *r, const csv_field *f, const char **p, size_t *len)
{
    if (f->len + 1 > r->scratch_cap) {
        char *s = seg_realloc(r->scratch, f->len + 1);
        if (!s)
            return SEG_NOMEM();
        r->scratch = s;
        r->scratch_cap = f->len + 1;
    }
    *p = r->scratch;
    *len = seg_csv_unescape(r->scratch, f->p, f->len);
    return SEG_OK;
}

static inline int field_text(csv_reader *r, const csv_field *f, const char **p, size_t *len)
{
    if (SEG_LIKELY(!f->escaped)) {
        *p = f->p;
        *len = f->len;
        return SEG_OK;
    }
    return unescape(r, f, p, len);
}

static inline bool is_missing(const csv_reader *r, const char *p, size_t len)
{
    if (len == 0)
        return true;
    if (SEG_LIKELY(!r->miss_first[(unsigned char)p[0]]))
        return false;
    for (size_t i = 0; i < r->n_miss; i++)
        if (r->miss[i].len == len && r->miss[i].p[len - 1] == p[len - 1] &&
            memcmp(r->miss[i].p, p, len) == 0)
            return true;
    return false;
}

/* ---- the reader --------------------------------------------------------------- */

#define LEVEL_CACHE 32

typedef struct csv_col {
    seg_column_type type; /* forced, or AUTO until pass 1 decides */
    size_t n_num, n_other, n_missing;
    size_t bad_line; /* first field that is not a number */
    const char *bad_p;
    size_t bad_len;
    seg_strtab levels; /* zeroed: an empty table */
    /* Recently seen levels, direct-mapped by level_slot(): entry + 1 and
     * length (0: empty). A column holds few levels and they repeat, so most
     * fields are found here by one memcmp instead of a hash of the text. */
    uint32_t hit_index[LEVEL_CACHE], hit_len[LEVEL_CACHE];
} csv_col;

static inline size_t level_slot(const char *p, size_t len)
{
    return (len * 7u + (unsigned char)p[0] * 3u + (unsigned char)p[len - 1] +
            (unsigned char)p[len / 2]) &
           (LEVEL_CACHE - 1);
}

/* The level number of a field's text (not missing, len > 0) in its column,
 * interning it when new. */
static inline int level_of(csv_col *c, const char *p, size_t len, size_t *index)
{
    size_t h = level_slot(p, len);
    if (c->hit_len[h] == len && c->hit_index[h]) {
        /* Levels are short: a byte loop beats a call to memcmp. */
        const char *l = seg_strtab_str(&c->levels, c->hit_index[h] - 1);
        size_t i = 0;
        while (i < len && l[i] == p[i])
            i++;
        if (i == len) {
            *index = c->hit_index[h] - 1;
            return 0;
        }
    }
    int rc = seg_strtab_intern(&c->levels, p, len, index);
    if (rc >= 0 && len <= UINT32_MAX && *index < UINT32_MAX) {
        c->hit_index[h] = (uint32_t)(*index + 1);
        c->hit_len[h] = (uint32_t)len;
    }
    return rc;
}

static int reader_init(csv_reader *r, const char *buf, size_t size, const char *name,
                       const seg_csv_options *o)
{
    static const char *const defaults[3] = {"NA", "NaN", "null"};
    size_t n = (o->default_missing ? 3 : 0) + o->n_missing;
    memset(r, 0, sizeof *r);
    r->name = name;
    seg_csv_tok_init(&r->t, name, (size_t)o->max_field);
    r->t.buf = buf;
    r->t.end = size;
    r->t.eof = true;
    seg_csv_tok_skip_bom(&r->t);
    r->miss = seg_malloc_array(n, sizeof *r->miss);
    if (!r->miss)
        return SEG_NOMEM();
    for (size_t i = 0; i < n; i++) {
        const char *t =
            o->default_missing && i < 3 ? defaults[i] : o->missing[i - (n - o->n_missing)];
        if (!*t)
            continue; /* the empty field is always missing */
        r->miss[r->n_miss].p = t;
        r->miss[r->n_miss++].len = strlen(t);
        r->miss_first[(unsigned char)t[0]] = true;
    }
    return SEG_OK;
}

/* Column names into names: the header's, or c1, c2, ... with no header. */
static int read_names(csv_reader *r, const seg_csv_options *o, seg_strtab *names)
{
    size_t pos = r->t.pos, line = r->t.line, j, index;
    csv_field f;
    int last = 0, rc;
    char buf[32], dup_shown[48];
    size_t dup_field = 0, dup_line = 0, dup_first = 0;
    for (j = 0; !last; j++) {
        const char *p = NULL;
        size_t len = 0;
        if ((last = next_field(r, &f, j + 1)) < 0)
            return last;
        if (j >= (size_t)o->max_columns)
            return csv_fail(SEG_ERR_LIMIT, r, f.line, j + 1,
                            "found more than %lld columns, expected at most %lld "
                            "(SEG_CSV_MAX_COLUMNS)",
                            (long long)o->max_columns, (long long)o->max_columns);
        if ((rc = field_text(r, &f, &p, &len)) < 0)
            return rc;
        if (!o->header || len == 0) {
            snprintf(buf, sizeof buf, "c%zu", j + 1);
            p = buf;
            len = strlen(buf);
        }
        if ((rc = seg_strtab_intern(names, p, len, &index)) < 0)
            return rc;
        if (rc == 0 && dup_field == 0) { /* reported once the record is tokenized */
            show(p, len, dup_shown);
            dup_field = j + 1;
            dup_line = f.line;
            dup_first = index + 1;
        }
    }
    if (dup_field)
        return csv_fail(SEG_ERR_LIMIT, r, dup_line, dup_field,
                        "found column name \"%s\" again (first at field %zu), expected "
                        "unique names",
                        dup_shown, dup_first);
    if (!o->header) {
        r->t.pos = pos; /* the first record is data: read it again */
        r->t.line = line;
    }
    return SEG_OK;
}

static int stray_error(const csv_reader *r, const csv_col *c, size_t j, const char *name)
{
    char shown[48];
    if (c->type == SEG_COLUMN_NUMERIC)
        return csv_fail(SEG_ERR_PARSE, r, c->bad_line, j + 1,
                        "column \"%.64s\": found \"%s\", expected a number (the column is "
                        "forced numeric; mark the token missing)",
                        name, show(c->bad_p, c->bad_len, shown));
    return csv_fail(SEG_ERR_PARSE, r, c->bad_line, j + 1,
                    "column \"%.64s\": found \"%s\", expected a number (%zu of its %zu values "
                    "are numbers; mark the token missing or force the column type)",
                    name, show(c->bad_p, c->bad_len, shown), c->n_num, c->n_num + c->n_other);
}

static const bool number_start[256] = {
    ['+'] = true, ['-'] = true, ['.'] = true, ['0'] = true, ['1'] = true, ['2'] = true,
    ['3'] = true, ['4'] = true, ['5'] = true, ['6'] = true, ['7'] = true, ['8'] = true,
    ['9'] = true,
};

/* Count a field of pass 1: SEG_OK, 1 for a value that is not a number in a
 * column forced numeric, or < 0. */
static int classify(csv_reader *r, csv_col *c, const csv_field *f)
{
    const char *p = NULL;
    size_t len = 0;
    double v;
    int rc = field_text(r, f, &p, &len);
    if (rc < 0)
        return rc;
    if (is_missing(r, p, len)) {
        c->n_missing++;
        return SEG_OK;
    }
    if (c->type == SEG_COLUMN_CATEGORICAL)
        return SEG_OK;
    /* A number starts with a sign, a digit or a point (seg_parse_number):
     * text fields of a column still AUTO skip the call. */
    if ((rc = f->escaped || !number_start[(unsigned char)p[0]]
                  ? 0
                  : seg_parse_number(&r->num, p, len, &v)) < 0)
        return rc;
    if (rc) {
        c->n_num++;
        return SEG_OK;
    }
    if (c->n_other++ == 0) {
        c->bad_line = f->line;
        c->bad_p = f->p;
        c->bad_len = f->len;
    }
    return c->type == SEG_COLUMN_NUMERIC; /* forced numeric: the caller reports it */
}

/* Pass 1: structure, row count and column types. */
static int pass_structure(csv_reader *r, csv_col *cols, const seg_strtab *names, bool header,
                          bool decide, size_t *n_rows)
{
    size_t n_cols = seg_strtab_size(names), rows = 0;
    csv_field f;
    int rc;
    while (at_record(r)) {
        size_t j = 0, line = r->t.line, stray = SIZE_MAX;
        int last = 0;
        /* The whole record is tokenized before its values are judged, as
         * the record stream does: the same bytes give the same first error. */
        for (; !last; j++) {
            if ((last = next_field(r, &f, j + 1)) < 0)
                return last;
            if (j >= n_cols)
                continue;
            if ((rc = classify(r, &cols[j], &f)) < 0)
                return rc;
            if (rc == 1 && stray == SIZE_MAX)
                stray = j;
        }
        if (stray != SIZE_MAX)
            return stray_error(r, &cols[stray], stray, seg_strtab_str(names, stray));
        if (j != n_cols)
            return csv_fail(SEG_ERR_PARSE, r, line, j < n_cols ? j : n_cols + 1,
                            "found a row of %zu field%s, expected %zu (as many as %s)", j,
                            j == 1 ? "" : "s", n_cols, header ? "the header" : "the first row");
        rows++;
    }
    for (size_t j = 0; decide && j < n_cols; j++) {
        csv_col *c = &cols[j];
        if (c->type != SEG_COLUMN_AUTO)
            continue;
        if (c->n_other == 0)
            c->type = SEG_COLUMN_NUMERIC;
        else if (c->n_num <= c->n_other)
            c->type = SEG_COLUMN_CATEGORICAL;
        else
            return stray_error(r, c, j, seg_strtab_str(names, j));
    }
    *n_rows = rows;
    return SEG_OK;
}

/* Pass 2: the values, into the dataset's columns. */
static int pass_values(csv_reader *r, csv_col *cols, seg_dataset *ds)
{
    csv_field f;
    const char *p = NULL;
    size_t len = 0, index;
    int rc;
    for (size_t i = 0; i < ds->n_rows; i++) {
        at_record(r);
        ds->row_line[i] = r->t.rec_line;
        for (size_t j = 0; j < ds->n_cols; j++) {
            seg_column *c = &ds->cols[j];
            if ((rc = next_field(r, &f, j + 1)) < 0 || (rc = field_text(r, &f, &p, &len)) < 0)
                return rc;
            if (c->type == SEG_COLUMN_NUMERIC) {
                c->num_owned[i] = NAN;
                if (!is_missing(r, p, len) && (rc = seg_parse_number(&r->num, p, len, &c->num_owned[i])) < 0)
                    return rc;
            } else if (is_missing(r, p, len)) {
                c->codes[i] = -1;
            } else {
                if ((rc = level_of(&cols[j], p, len, &index)) < 0)
                    return rc == SEG_ERR_LIMIT
                               ? csv_fail(rc, r, f.line, j + 1,
                                          "found more than %d levels in column \"%.64s\"",
                                          INT32_MAX, c->name)
                               : rc;
                c->codes[i] = (int32_t)index;
            }
        }
    }
    return SEG_OK;
}

static const char *strtab_name_at(const void *names, size_t j)
{
    return seg_strtab_str(names, j);
}

/* A header of one name that holds another delimiter, over data rows that
 * hold it too, is a file read with the wrong delimiter: say so rather than
 * segment one column of text. r is past the header, which began at
 * header_pos. */
static int one_column_check(const csv_reader *r, const seg_strtab *names, size_t header_pos,
                            size_t header_line)
{
    const char *name = seg_strtab_str(names, 0);
    /* The first field of the first data row, read by a copy of the
     * tokenizer (r stays where it is): the field the chunker looks at too.
     * A row the tokenizer refuses, anywhere in the row, is left to the pass
     * that reads it, as the chunker reads the whole record first. */
    seg_csv_tok t = r->t;
    seg_csv_field f, rest;
    int rc = seg_csv_tok_record(&t) == 1 ? seg_csv_tok_field(&t, 1, &f) : -1;
    for (size_t field = 2; rc == 0; field++)
        rc = seg_csv_tok_field(&t, field, &rest);
    if (rc < 0)
        return SEG_OK;
    const unsigned char guess = seg_csv_wrong_delimiter(
        name, strlen(name), r->t.buf[header_pos] == '"', f.p, f.len, t.delim);
    if (!guess)
        return SEG_OK;
    char msg[200];
    seg_delimiter_message(msg, sizeof msg, name, guess);
    return csv_fail(SEG_ERR_PARSE, r, header_line, 1, "%s", msg);
}

/* ---- a share of a file (csv_share.h) ------------------------------------------ */

/* After the header of a share's text: its records start at header_len, on
 * physical line first_line of the file. *sh->n_cols reports the width. */
static int share_start(csv_reader *r, const csv_share *sh, size_t n_cols)
{
    if (sh->n_cols_out)
        *sh->n_cols_out = n_cols;
    if (sh->head_only) { /* where the header and the first data record end */
        csv_field f;
        int last = 0;
        sh->head[0] = r->t.pos;
        sh->head[1] = r->t.line;
        if (at_record(r))
            for (size_t j = 0; !last; j++)
                if ((last = next_field(r, &f, j + 1)) < 0)
                    return last;
        sh->head[2] = r->t.pos;
        return 1; /* stop: not an error */
    }
    if (sh->first_line) {
        if (r->t.pos != sh->header_len)
            return seg_fail(SEG_ERR_INVALID_ARG,
                            "%.200s: the share's header ends at byte %zu, not at %zu", r->name,
                            r->t.pos, sh->header_len);
        r->t.line = (size_t)sh->first_line;
    }
    if (sh->n_cols != 0 && sh->n_cols != n_cols)
        return seg_fail(SEG_ERR_MISMATCH, "%.200s: the share's header has %zu columns, not %zu",
                        r->name, n_cols, sh->n_cols);
    return SEG_OK;
}

/* The agreed types and levels of a share's columns: the levels are interned
 * first, in their agreed order, so the codes are those of the whole file. */
static int share_columns(const csv_share *sh, csv_col *cols, size_t n_cols)
{
    const char *const *lv = sh->levels;
    size_t index;
    for (size_t j = 0; sh->types && j < n_cols; j++) {
        cols[j].type = sh->types[j];
        for (size_t l = 0; sh->n_levels && l < sh->n_levels[j]; l++) {
            int rc = seg_strtab_intern(&cols[j].levels, *lv, strlen(*lv), &index);
            if (rc < 0)
                return rc;
            lv++;
        }
    }
    return SEG_OK;
}

static void share_stats(const csv_share *sh, const csv_col *cols, size_t n_cols, const char *buf,
                        size_t n_rows)
{
    for (size_t j = 0; j < n_cols; j++) {
        int64_t *s = sh->stats + j * SEG_CSV_SHARE_STATS;
        s[0] = (int64_t)cols[j].n_num;
        s[1] = (int64_t)cols[j].n_other;
        s[2] = (int64_t)cols[j].n_missing;
        s[3] = cols[j].n_other ? (int64_t)cols[j].bad_line : 0;
        s[4] = cols[j].n_other ? (int64_t)(cols[j].bad_p - buf) : 0;
        s[5] = cols[j].n_other ? (int64_t)cols[j].bad_len : 0;
    }
    *sh->n_rows = n_rows;
}

int seg_csv_read_share(seg_dataset **out, const char *buf, size_t size, const char *name,
                       const seg_csv_options *o, const csv_share *sh)
{
    csv_reader r;
    seg_strtab names;
    csv_col *cols = NULL;
    seg_dataset *ds = NULL;
    char **col_names;
    size_t n_cols = 0, n_rows = 0, data_pos, data_line, header_line, header_pos;
    int rc;

    seg_strtab_init(&names);

    if ((rc = reader_init(&r, buf, size, name, o)) < 0)
        goto fail;
    if (!at_record(&r)) {
        rc = csv_fail(SEG_ERR_EMPTY, &r, r.t.line, 1, "found end of input, expected %s",
                      o->header ? "a header row" : "a data row");
        goto fail;
    }
    seg_csv_tok_set_delimiter(&r.t, o->delimiter ? (unsigned char)o->delimiter
                                                 : seg_csv_detect_delimiter(buf, r.t.pos, size, NULL));
    header_line = r.t.line;
    header_pos = r.t.pos;
    if ((rc = read_names(&r, o, &names)) < 0)
        goto fail;
    n_cols = seg_strtab_size(&names);
    if (sh && (rc = share_start(&r, sh, n_cols)) != SEG_OK)
        goto fail;
    if (!(cols = seg_calloc(n_cols, sizeof *cols))) {
        rc = SEG_NOMEM();
        goto fail;
    }
    for (size_t k = 0; k < o->n_forced; k++) {
        const char *fname = o->forced[k].name;
        size_t j;
        if (!seg_strtab_lookup(&names, fname, strlen(fname), &j)) {
            char hint[320];
            rc = csv_fail(
                SEG_ERR_NOT_FOUND, &r, header_line, 1,
                "found no column named \"%.64s\" (named in the options), expected "
                "one of the %zu column names%s",
                fname, n_cols,
                seg_name_hint(fname, strtab_name_at, &names, n_cols, r.t.delim, hint, sizeof hint));
            goto fail;
        }
        cols[j].type = o->forced[k].type;
    }
    if (sh && (rc = share_columns(sh, cols, n_cols)) < 0)
        goto fail;
    /* After the forced types, as the chunker, which sees the first data
     * row only after looking them up (tests/test_csv_diff.c). */
    if (o->header && n_cols == 1 && (!sh || sh->first) &&
        (rc = one_column_check(&r, &names, header_pos, header_line)) < 0)
        goto fail;
    data_pos = r.t.pos;
    data_line = r.t.line;
    if ((rc = pass_structure(&r, cols, &names, o->header != 0, !sh || !sh->stats, &n_rows)) < 0)
        goto fail;
    if (sh && sh->stats) { /* the counts only: the ranks decide the types together */
        share_stats(sh, cols, n_cols, buf, n_rows);
        goto fail; /* rc is SEG_OK: frees the scratch */
    }
    if (n_rows == 0 && !sh) { /* a share may hold no record */
        rc = csv_fail(SEG_ERR_EMPTY, &r, r.t.line, 1,
                      "found end of input, expected a data row after the header");
        goto fail;
    }
    if ((rc = seg_dataset_alloc(&ds, n_rows, n_cols)) < 0)
        goto fail;
    col_names = seg_strtab_release(&names, &n_cols);
    for (size_t j = 0; j < n_cols; j++)
        ds->cols[j].name = col_names[j];
    seg_free(col_names);
    ds->source = seg_strdup(name);
    ds->row_line = seg_malloc_array(n_rows + !n_rows, sizeof *ds->row_line);
    if (!ds->source || !ds->row_line) {
        rc = SEG_NOMEM();
        goto fail;
    }
    for (size_t j = 0; j < n_cols; j++) {
        seg_column *c = &ds->cols[j];
        c->field = j + 1;
        c->type = cols[j].type;
        c->n_missing = cols[j].n_missing;
        if (c->type == SEG_COLUMN_NUMERIC) {
            c->num_owned = seg_malloc_array(n_rows + !n_rows, sizeof *c->num_owned);
            c->num = c->num_owned;
            c->stride = 1;
        } else {
            c->codes = seg_malloc_array(n_rows + !n_rows, sizeof *c->codes);
        }
        if (!c->num_owned && !c->codes) {
            rc = SEG_NOMEM();
            goto fail;
        }
    }
    r.t.pos = data_pos;
    r.t.line = data_line;
    if ((rc = pass_values(&r, cols, ds)) < 0)
        goto fail;
    for (size_t j = 0; j < n_cols; j++)
        ds->cols[j].levels = seg_strtab_release(&cols[j].levels, &ds->cols[j].n_levels);
    *out = ds;
    ds = NULL;
    rc = SEG_OK;
fail:
    seg_dataset_free(ds);
    for (size_t j = 0; cols && j < n_cols; j++)
        seg_strtab_free(&cols[j].levels);
    seg_free(cols);
    seg_strtab_free(&names);
    seg_free(r.miss);
    seg_free(r.scratch);
    seg_number_parser_free(&r.num);
    return rc;
}

static int read_csv(seg_dataset **out, const char *buf, size_t size, const char *name,
                    const seg_csv_options *o)
{
    return seg_csv_read_share(out, buf, size, name, o, NULL);
}

int seg_dataset_read_csv_memory(seg_dataset **out, const void *data, size_t size,
                                const seg_csv_options *opts)
{
    SEG_ALLOC_SCOPE(opts);
    if (!out)
        return seg_fail(SEG_ERR_INVALID_ARG, "out is NULL");
    *out = NULL;
    if (!data && size)
        return seg_fail(SEG_ERR_INVALID_ARG, "data is NULL");
    return read_csv(out, data ? data : "", size, "<memory>",
                            opts ? opts : &seg_csv_defaults);
}

static int io_fail(const char *path, const char *what, int err)
{
    char msg[128] = "unknown error";
    strerror_r(err, msg, sizeof msg);
    return seg_fail(SEG_ERR_IO, "%.300s: %s: %s", path, what, msg);
}

/* Where reading can stop early: after a NUL byte, or once the text since
 * the last line end is longer than the record limit. The tokenizer refuses
 * either, at the same FILE:LINE:FIELD as on the whole file, so stopping
 * changes no verdict; it only bounds the read of an endless device
 * (/dev/zero, a line with no end). A long line inside one slice is left to
 * the tokenizer: the slice is read already. */
static bool enough(const char *buf, size_t from, size_t n, size_t *line_len, size_t cap)
{
    size_t i = n;
    if (memchr(buf + from, '\0', n - from))
        return true;
    while (i > from && buf[i - 1] != '\n' && buf[i - 1] != '\r')
        i--;
    *line_len = i > from ? n - i : *line_len + (n - from);
    return *line_len > cap;
}

/* The whole file in one buffer: sized from fstat when it is a regular file,
 * grown by doubling otherwise (pipes, /dev/stdin). Reading stops early where
 * enough() says the parse will fail anyway. */
#define SLURP_SLICE ((size_t)64 << 20)

static int slurp(const char *path, size_t max_field, char **out, size_t *size)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    size_t cap = (size_t)1 << 16, want = 0, n = 0, line_len = 0;
    size_t record_cap = seg_csv_record_cap(max_field);
    char *buf = NULL;
    int rc;
    if (!f)
        return io_fail(path, "cannot open", errno);
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
        if ((uintmax_t)st.st_size >= SIZE_MAX) {
            rc = seg_fail(SEG_ERR_NOMEM, "%.300s: file too large to hold in memory", path);
            goto fail;
        }
        /* + 1: the end shows without growing. The buffer still grows from
         * 64 MiB, so a huge sparse or NUL-filled file is refused after one
         * slice, before it is allocated whole. */
        want = (size_t)st.st_size + 1;
        cap = want < SLURP_SLICE ? want : SLURP_SLICE;
    }
    for (;;) {
        size_t got;
        if (n == cap) {
            size_t ncap = cap <= SIZE_MAX / 2 ? cap * 2 : 0;
            if (want > cap && ncap > want)
                ncap = want;
            char *grown = ncap ? seg_realloc(buf, ncap) : NULL;
            if (!grown) {
                rc = SEG_NOMEM();
                goto fail;
            }
            buf = grown;
            cap = ncap;
        } else if (!buf && !(buf = seg_malloc(cap))) {
            rc = SEG_NOMEM();
            goto fail;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (enough(buf, n - got, n, &line_len, record_cap))
            break;
        if (n < cap) {
            if (ferror(f)) {
                rc = io_fail(path, "cannot read", errno);
                goto fail;
            }
            if (feof(f))
                break;
        }
    }
    fclose(f);
    *out = buf;
    *size = n;
    return SEG_OK;
fail:
    fclose(f);
    seg_free(buf);
    return rc;
}

int seg_dataset_read_csv(seg_dataset **out, const char *path, const seg_csv_options *opts)
{
    SEG_ALLOC_SCOPE(opts);
    char *buf = NULL;
    size_t size = 0;
    int rc;
    if (!out)
        return seg_fail(SEG_ERR_INVALID_ARG, "out is NULL");
    *out = NULL;
    if (!path)
        return seg_fail(SEG_ERR_INVALID_ARG, "path is NULL");
    if (!opts)
        opts = &seg_csv_defaults;
    if ((rc = slurp(path, (size_t)opts->max_field, &buf, &size)) < 0)
        return rc;
    rc = read_csv(out, buf, size, path, opts);
    seg_free(buf);
    return rc;
}
