/*
 * Chunked CSV reader (seg_csv_chunker): a file too large to hold is read as a
 * sequence of datasets of a bounded number of rows, all with the same
 * columns and column types.
 *
 * Opening reads the file once (the schema pass) through the chunked record
 * reader (csv_stream.c), classifying every field by the rules of csv.c
 * (missing token, number, other; quoted fields holding "" are never numbers;
 * forced types win; a column of numbers and missing values is numeric, one
 * where other values are at least as many as numbers is categorical, anything
 * else is an error naming the first stray value), so a streamed file gets
 * exactly the column types seg_dataset_read_csv() would give it. Chunks then
 * re-read the file from the start on each rewind. Memory: the reader's
 * buffer (1 MiB, more only for a longer record) plus the chunk being built.
 *
 * Within a chunk, the levels of a categorical column are those the chunk
 * holds, in order of first appearance: levels are matched by text (the
 * scaler does), so chunks need no shared level table.
 */
#include "data/csv_options.h"
#include "data/data.h"
#include "data/csv_shared.h"
#include "data/csv_stream.h"
#include "core/strtab.h"

#include <string.h>
#include <sys/stat.h>

#define DEFAULT_CHUNK_ROWS 65536

struct seg_csv_chunker {
    char *path;
    unsigned char delim; /* 0: detect */
    bool header;
    bool header_quoted; /* the first header name was quoted */
    size_t header_line; /* the line the header record starts on */
    size_t max_field;
    char **miss; /* missing tokens besides the empty field */
    size_t *miss_len;
    size_t n_miss;

    size_t n_cols;
    char **names;
    seg_column_type *types;
    size_t n_rows;
    uint64_t file_bytes;

    size_t chunk_rows;
    char *id;
    char **drop, **select;
    size_t n_drop, n_select;

    csv_stream s; /* open between the first next() and the end or a rewind */
    bool reading, done;
    size_t rows_out;
    int64_t passes; /* reads of the file, the schema pass included */
    seg_number_parser num;
    size_t window; /* first read of a record stream */
};

static void free_names(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        seg_free(v[i]);
    seg_free(v);
}

void seg_csv_chunker_free(seg_csv_chunker *ch)
{
    if (!ch)
        return;
    seg_csv_stream_close(&ch->s);
    seg_free(ch->path);
    free_names(ch->miss, ch->n_miss);
    seg_free(ch->miss_len);
    free_names(ch->names, ch->n_cols);
    seg_free(ch->types);
    seg_free(ch->id);
    free_names(ch->drop, ch->n_drop);
    free_names(ch->select, ch->n_select);
    seg_number_parser_free(&ch->num);
    seg_free(ch);
}

static bool is_missing(const seg_csv_chunker *ch, const char *p, size_t len)
{
    if (len == 0)
        return true;
    for (size_t i = 0; i < ch->n_miss; i++)
        if (ch->miss_len[i] == len && memcmp(ch->miss[i], p, len) == 0)
            return true;
    return false;
}

static int copy_options(seg_csv_chunker *ch, const seg_csv_options *o)
{
    static const char *const defaults[3] = {"NA", "NaN", "null"};
    size_t n = (o->default_missing ? 3 : 0) + o->n_missing;
    ch->delim = (unsigned char)o->delimiter;
    ch->header = o->header != 0;
    ch->max_field = (size_t)o->max_field;
    if (!(ch->miss = seg_calloc(n ? n : 1, sizeof *ch->miss)) ||
        !(ch->miss_len = seg_calloc(n ? n : 1, sizeof *ch->miss_len)))
        return SEG_NOMEM();
    for (size_t i = 0; i < n; i++) {
        const char *t =
            o->default_missing && i < 3 ? defaults[i] : o->missing[i - (n - o->n_missing)];
        if (!*t)
            continue;
        ch->miss_len[ch->n_miss] = strlen(t);
        if (!(ch->miss[ch->n_miss++] = seg_strdup(t)))
            return SEG_NOMEM();
    }
    return SEG_OK;
}

/* Column names from the first record (c1, c2, ... without a header). */
static int read_names(seg_csv_chunker *ch, const seg_csv_options *o)
{
    seg_strtab names;
    csv_stream *s = &ch->s;
    int rc;
    char buf[32];
    seg_strtab_init(&names);
    s->max_fields = (size_t)o->max_columns;
    s->refuse_wider = true;
    if ((rc = seg_csv_stream_next(s)) <= 0) {
        if (rc == 0)
            rc = seg_fail(SEG_ERR_EMPTY, "%.300s:%zu:1: found end of input, expected %s",
                          ch->path, s->line, ch->header ? "a header row" : "a data row");
        goto done;
    }
    ch->header_quoted = s->field[0].p > s->buf && s->field[0].p[-1] == '"';
    ch->header_line = s->record_line;
    for (size_t j = 0; j < s->n_field; j++) {
        const char *p = s->field[j].p;
        size_t len = s->field[j].len, index;
        if (!ch->header || len == 0) {
            snprintf(buf, sizeof buf, "c%zu", j + 1);
            p = buf;
            len = strlen(buf);
        }
        if ((rc = seg_strtab_intern(&names, p, len, &index)) < 0)
            goto done;
        if (rc == 0) {
            rc =
                seg_fail(SEG_ERR_LIMIT,
                         "%.300s:%zu:%zu: found column name \"%.64s\" again (first at field "
                         "%zu), expected unique names",
                         ch->path, s->field[j].line, j + 1, seg_strtab_str(&names, index),
                         index + 1);
            goto done;
        }
    }
    ch->names = seg_strtab_release(&names, &ch->n_cols);
    rc = ch->names ? SEG_OK : SEG_NOMEM();
    /* Data rows: hold as many fields as there are columns, count the rest. */
    s->max_fields = ch->n_cols;
    s->refuse_wider = false;
done:
    seg_strtab_free(&names);
    return rc;
}

/* Per-column counts of the schema pass. */
typedef struct col_class {
    size_t n_num, n_other;
    size_t bad_line;
    char *bad; /* first non-number, owned */
} col_class;

static int classify(seg_csv_chunker *ch, col_class *c, size_t j, const csv_span *f, bool escaped,
                    size_t line)
{
    double v;
    int rc;
    if (is_missing(ch, f->p, f->len) || ch->types[j] == SEG_COLUMN_CATEGORICAL)
        return SEG_OK;
    if ((rc = escaped ? 0 : seg_parse_number(&ch->num, f->p, f->len, &v)) < 0)
        return rc;
    if (rc) {
        c->n_num++;
        return SEG_OK;
    }
    if (c->n_other++ == 0) {
        c->bad_line = line;
        if (!(c->bad = seg_strndup(f->p, f->len > 40 ? 40 : f->len)))
            return SEG_NOMEM();
    }
    if (ch->types[j] == SEG_COLUMN_NUMERIC)
        return seg_fail(SEG_ERR_PARSE,
                        "%.300s:%zu:%zu: column \"%.64s\": found \"%s\", expected a number (the "
                        "column is forced numeric; mark the token missing)",
                        ch->path, line, j + 1, ch->names[j], c->bad);
    return SEG_OK;
}

static int width_error(const seg_csv_chunker *ch, size_t line, size_t got)
{
    return seg_fail(SEG_ERR_PARSE,
                    "%.300s:%zu:%zu: found a row of %zu field%s, expected %zu (as "
                    "many as %s)",
                    ch->path, line, got < ch->n_cols ? got : ch->n_cols + 1, got,
                    got == 1 ? "" : "s", ch->n_cols, ch->header ? "the header" : "the first row");
}

static const char *chunker_name_at(const void *ch, size_t j)
{
    return ((const seg_csv_chunker *)ch)->names[j];
}

/* At the first data record: a header of one name holding another
 * delimiter, over a row holding it too, is a file read with the wrong
 * delimiter (as csv.c decides). */
static int one_column_check(const seg_csv_chunker *ch)
{
    const csv_stream *s = &ch->s;
    if (!ch->header || ch->n_cols != 1)
        return SEG_OK;
    const unsigned char guess =
        seg_csv_wrong_delimiter(ch->names[0], strlen(ch->names[0]), ch->header_quoted,
                                s->field[0].p, s->field[0].len, s->t.delim);
    if (!guess)
        return SEG_OK;
    char msg[200];
    seg_delimiter_message(msg, sizeof msg, ch->names[0], guess);
    return seg_fail(SEG_ERR_PARSE, "%.300s:%zu:1: %s", ch->path, ch->header_line, msg);
}

/* The schema pass: row count and column types. */
static int schema_pass(seg_csv_chunker *ch, const seg_csv_options *o)
{
    csv_stream *s = &ch->s;
    col_class *cc = NULL;
    int rc;
    if ((rc = seg_csv_stream_open_window(s, ch->path, ch->delim, ch->max_field, ch->window)) < 0 ||
        (rc = read_names(ch, o)) < 0)
        goto done;
    if (!(ch->types = seg_calloc(ch->n_cols, sizeof *ch->types)) ||
        !(cc = seg_calloc(ch->n_cols, sizeof *cc))) {
        rc = SEG_NOMEM();
        goto done;
    }
    for (size_t k = 0; k < o->n_forced; k++) {
        size_t j = 0;
        while (j < ch->n_cols && strcmp(ch->names[j], o->forced[k].name) != 0)
            j++;
        if (j == ch->n_cols) {
            char hint[320];
            rc = seg_fail(SEG_ERR_NOT_FOUND,
                          "%.300s:%zu:1: found no column named \"%.64s\" (named in the "
                          "options), expected one of the %zu column names%s",
                          ch->path, s->record_line, o->forced[k].name, ch->n_cols,
                          seg_name_hint(o->forced[k].name, chunker_name_at, ch, ch->n_cols,
                                        ch->delim, hint, sizeof hint));
            goto done;
        }
        ch->types[j] = o->forced[k].type;
    }
    bool first = !ch->header; /* the first record is data */
    for (;;) {
        if (!first && (rc = seg_csv_stream_next(s)) <= 0)
            break;
        first = false;
        /* As csv.c: a header that reads as one column because of the
         * delimiter first, then the fields (a forced type's stray value),
         * then the width. */
        if (ch->n_rows == 0 && (rc = one_column_check(ch)) < 0)
            goto done;
        for (size_t j = 0; j < s->n_field; j++)
            if ((rc = classify(ch, &cc[j], j, &s->field[j], s->escaped[j], s->field[j].line)) < 0)
                goto done;
        if (s->width != ch->n_cols) {
            rc = width_error(ch, s->record_line, s->width);
            goto done;
        }
        ch->n_rows++;
    }
    if (rc < 0)
        goto done;
    if (ch->n_rows == 0) {
        rc = seg_fail(SEG_ERR_EMPTY,
                      "%.300s:%zu:1: found end of input, expected a data row "
                      "after the header",
                      ch->path, s->line);
        goto done;
    }
    for (size_t j = 0; j < ch->n_cols; j++) {
        col_class *c = &cc[j];
        if (ch->types[j] != SEG_COLUMN_AUTO)
            continue;
        if (c->n_other == 0)
            ch->types[j] = SEG_COLUMN_NUMERIC;
        else if (c->n_num <= c->n_other)
            ch->types[j] = SEG_COLUMN_CATEGORICAL;
        else {
            rc = seg_fail(SEG_ERR_PARSE,
                          "%.300s:%zu:%zu: column \"%.64s\": found \"%s\", expected a number (%zu "
                          "of its %zu values are numbers; mark the token missing or force the "
                          "column type)",
                          ch->path, c->bad_line, j + 1, ch->names[j], c->bad, c->n_num,
                          c->n_num + c->n_other);
            goto done;
        }
    }
    rc = SEG_OK;
done:
    for (size_t j = 0; cc && j < ch->n_cols; j++)
        seg_free(cc[j].bad);
    seg_free(cc);
    seg_csv_stream_close(s);
    return rc;
}

int seg_csv_chunker_open(seg_csv_chunker **out, const char *path, const seg_csv_options *opts)
{
    return seg_csv_chunker_open_window(out, path, opts, CSV_STREAM_WINDOW);
}

int seg_csv_chunker_open_window(seg_csv_chunker **out, const char *path,
                                const seg_csv_options *opts, size_t window)
{
    SEG_ALLOC_SCOPE(opts);
    seg_csv_chunker *ch;
    struct stat st;
    int rc;
    if (!out)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_csv_chunker_open: out is NULL");
    *out = NULL;
    if (!path)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_csv_chunker_open: path is NULL");
    if (!opts)
        opts = &seg_csv_defaults;
    /* Chunks reopen the file after the schema pass: a FIFO would block
     * forever on the second open, a pipe or device gives other bytes. */
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
        return seg_fail(SEG_ERR_IO,
                        "%.300s: not a regular file (a pipe, FIFO or device); the chunked reader "
                        "reads its input more than once, so it needs a file: copy the data to a "
                        "file first",
                        path);
    if (!(ch = seg_calloc(1, sizeof *ch)))
        return SEG_NOMEM();
    ch->chunk_rows = DEFAULT_CHUNK_ROWS;
    ch->window = window;
    if (!(ch->path = seg_strdup(path))) {
        rc = SEG_NOMEM();
        goto fail;
    }
    if ((rc = copy_options(ch, opts)) < 0 || (rc = schema_pass(ch, opts)) < 0)
        goto fail;
    ch->passes = 1;
    if (stat(path, &st) == 0)
        ch->file_bytes = (uint64_t)st.st_size;
    *out = ch;
    return SEG_OK;
fail:
    seg_csv_chunker_free(ch);
    return rc;
}

/* SEG_CHUNKER_ROWS, then facts of the file (read-only: no range). */
static const seg_param chunker_rows[] = {
    SEG_PARAM(SEG_CHUNKER_ROWS, SEG_PARAM_SIZE, size_t, false, 1, INT32_MAX, seg_csv_chunker,
              chunk_rows, NULL),
    SEG_PARAM(SEG_CHUNKER_FILE_ROWS, SEG_PARAM_SIZE, size_t, true, 0, 0, seg_csv_chunker, n_rows,
              NULL),
    SEG_PARAM(SEG_CHUNKER_FILE_BYTES, SEG_PARAM_U64, uint64_t, true, 0, 0, seg_csv_chunker,
              file_bytes, NULL),
    SEG_PARAM(SEG_CHUNKER_COLUMNS, SEG_PARAM_SIZE, size_t, true, 0, 0, seg_csv_chunker, n_cols,
              NULL),
    SEG_PARAM(SEG_CHUNKER_PASSES, SEG_PARAM_I64, int64_t, true, 0, 0, seg_csv_chunker, passes,
              NULL),
};
static const seg_param_table chunker_params = SEG_PARAM_TABLE("CSV chunker", chunker_rows, NULL);

int seg_csv_chunker_set_int(seg_csv_chunker *ch, seg_chunker_param param, int64_t value)
{
    return seg_param_set_int(&chunker_params, ch, (int)param, value);
}

int seg_csv_chunker_get_int(const seg_csv_chunker *ch, seg_chunker_param param, int64_t *value)
{
    return seg_param_get_int(&chunker_params, ch, (int)param, value);
}

int seg_csv_chunker_param_bounds(seg_chunker_param param, double *lower, double *upper)
{
    return seg_param_bounds(&chunker_params, (int)param, lower, upper);
}

const char *seg_csv_chunker_column_name(const seg_csv_chunker *ch, size_t j)
{
    return ch && j < ch->n_cols ? ch->names[j] : NULL;
}

seg_column_type seg_csv_chunker_column_type(const seg_csv_chunker *ch, size_t j)
{
    return ch && j < ch->n_cols ? ch->types[j] : SEG_COLUMN_AUTO;
}

/* ---- column choices, applied to every chunk -------------------------------- */

static int known_names(const seg_csv_chunker *ch, const char *const *names, size_t count,
                       char ***copy)
{
    if (!names || count == 0)
        return seg_fail(SEG_ERR_INVALID_ARG, "no column names given");
    for (size_t i = 0; i < count; i++) {
        size_t j = 0;
        if (!names[i])
            return seg_fail(SEG_ERR_INVALID_ARG, "column name %zu is NULL", i);
        while (j < ch->n_cols && strcmp(ch->names[j], names[i]) != 0)
            j++;
        if (j == ch->n_cols) {
            char hint[320];
            return seg_fail(SEG_ERR_NOT_FOUND, "%.300s: no column named '%.100s'%s", ch->path,
                            names[i],
                            seg_name_hint(names[i], chunker_name_at, ch, ch->n_cols, ch->delim,
                                          hint, sizeof hint));
        }
    }
    char **v = seg_calloc(count, sizeof *v);
    if (!v)
        return SEG_NOMEM();
    for (size_t i = 0; i < count; i++)
        if (!(v[i] = seg_strdup(names[i]))) {
            free_names(v, count);
            return SEG_NOMEM();
        }
    *copy = v;
    return SEG_OK;
}

int seg_csv_chunker_set_id_column(seg_csv_chunker *ch, const char *name)
{
    SEG_ALLOC_SCOPE(ch);
    char **v = NULL;
    int rc;
    if (!ch)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_csv_chunker_set_id_column: chunker is NULL");
    if ((rc = known_names(ch, &name, 1, &v)) < 0)
        return rc;
    seg_free(ch->id);
    ch->id = v[0];
    seg_free(v);
    return SEG_OK;
}

/* Replace the list *names_at (of *count_at names) with a checked copy of
 * names[0..count). */
static int set_names(seg_csv_chunker *ch, const char *const *names, size_t count,
                     char ***names_at, size_t *count_at)
{
    char **v = NULL;
    int rc = known_names(ch, names, count, &v);
    if (rc < 0)
        return rc;
    free_names(*names_at, *count_at);
    *names_at = v;
    *count_at = count;
    return SEG_OK;
}

int seg_csv_chunker_drop(seg_csv_chunker *ch, const char *const *names, size_t count)
{
    SEG_ALLOC_SCOPE(ch);
    if (!ch)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_csv_chunker_drop: chunker is NULL");
    return set_names(ch, names, count, &ch->drop, &ch->n_drop);
}

int seg_csv_chunker_select(seg_csv_chunker *ch, const char *const *names, size_t count)
{
    SEG_ALLOC_SCOPE(ch);
    if (!ch)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_csv_chunker_select: chunker is NULL");
    return set_names(ch, names, count, &ch->select, &ch->n_select);
}

/* ---- chunks ------------------------------------------------------------------ */

int seg_csv_chunker_rewind(seg_csv_chunker *ch)
{
    if (!ch)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_csv_chunker_rewind: chunker is NULL");
    seg_csv_stream_close(&ch->s);
    ch->reading = ch->done = false;
    ch->rows_out = 0;
    return SEG_OK;
}

/* Open the file and step over the header. */
static int start(seg_csv_chunker *ch)
{
    int rc = seg_csv_stream_open_window(&ch->s, ch->path, ch->delim, ch->max_field, ch->window);
    if (rc < 0)
        return rc;
    ch->s.max_fields = ch->n_cols;
    ch->s.refuse_wider = false;
    if (ch->header && (rc = seg_csv_stream_next(&ch->s)) <= 0)
        return rc < 0 ? rc
                      : seg_fail(SEG_ERR_PARSE, "%.300s: the file changed since it was opened",
                                 ch->path);
    ch->reading = true;
    ch->passes++;
    return SEG_OK;
}

static int changed(const seg_csv_chunker *ch, size_t line, size_t j, const char *what)
{
    return seg_fail(SEG_ERR_PARSE, "%.300s:%zu:%zu: %s; the file changed since it was opened",
                    ch->path, line, j + 1, what);
}

/* The file column that goes straight into the chunks' ids (a categorical id
 * column: its text needs no level table), or SIZE_MAX. */
static size_t direct_id(const seg_csv_chunker *ch)
{
    for (size_t j = 0; ch->id && j < ch->n_cols; j++)
        if (strcmp(ch->names[j], ch->id) == 0)
            return ch->types[j] == SEG_COLUMN_CATEGORICAL ? j : SIZE_MAX;
    return SIZE_MAX;
}

/* Store the current record as row i of ds. */
static int store_row(seg_csv_chunker *ch, seg_dataset *ds, seg_strtab *levels, size_t i,
                     size_t id_col)
{
    const csv_stream *s = &ch->s;
    int rc;
    if (s->width != ch->n_cols)
        return width_error(ch, s->record_line, s->width);
    for (size_t j = 0; j < ch->n_cols; j++) {
        const csv_span *f = &s->field[j];
        bool miss = is_missing(ch, f->p, f->len);
        if (j == id_col) {
            if (!miss && !(ds->ids[i] = seg_strndup(f->p, f->len)))
                return SEG_NOMEM();
            continue;
        }
        const size_t dj = j - (j > id_col && id_col != SIZE_MAX);
        seg_column *c = &ds->cols[dj];
        c->n_missing += miss;
        if (c->type == SEG_COLUMN_NUMERIC) {
            c->num_owned[i] = NAN;
            if (miss)
                continue;
            if ((rc = s->escaped[j]
                          ? 0
                          : seg_parse_number(&ch->num, f->p, f->len, &c->num_owned[i])) < 0)
                return rc;
            if (rc == 0)
                return changed(ch, s->record_line, j, "found a value that is not a number");
        } else if (miss) {
            c->codes[i] = -1;
        } else {
            size_t index;
            if ((rc = seg_strtab_intern(&levels[dj], f->p, f->len, &index)) < 0)
                return rc;
            c->codes[i] = (int32_t)index;
        }
    }
    return SEG_OK;
}

static int alloc_chunk(const seg_csv_chunker *ch, size_t rows, size_t id_col, seg_dataset **out)
{
    seg_dataset *ds = NULL;
    int rc = seg_dataset_alloc(&ds, rows, ch->n_cols - (id_col != SIZE_MAX));
    if (rc < 0)
        return rc;
    if (id_col != SIZE_MAX && (!(ds->ids = seg_calloc(rows, sizeof *ds->ids)) ||
                               !(ds->id_name = seg_strdup(ch->names[id_col]))))
        goto nomem;
    if (!(ds->source = seg_strdup(ch->path)) ||
        !(ds->row_line = seg_malloc_array(rows, sizeof *ds->row_line)))
        goto nomem;
    for (size_t j = 0, w = 0; j < ch->n_cols; j++) {
        if (j == id_col)
            continue;
        seg_column *c = &ds->cols[w++];
        c->field = j + 1;
        c->type = ch->types[j];
        if (!(c->name = seg_strdup(ch->names[j])))
            goto nomem;
        if (c->type == SEG_COLUMN_NUMERIC) {
            if (!(c->num_owned = seg_malloc_array(rows, sizeof *c->num_owned)))
                goto nomem;
            c->num = c->num_owned;
            c->stride = 1;
        } else if (!(c->codes = seg_malloc_array(rows, sizeof *c->codes))) {
            goto nomem;
        }
    }
    *out = ds;
    return SEG_OK;
nomem:
    seg_dataset_free(ds);
    return SEG_NOMEM();
}

/* The id, drop and select choices, in that order (as seg segment applies them). */
static int shape(const seg_csv_chunker *ch, seg_dataset *ds, size_t id_col)
{
    int rc = SEG_OK;
    if (ch->id && id_col == SIZE_MAX && (rc = seg_dataset_set_id_column(ds, ch->id)) < 0)
        return rc;
    if (ch->n_drop && (rc = seg_dataset_drop(ds, (const char *const *)ch->drop, ch->n_drop)) < 0)
        return rc;
    if (ch->n_select)
        rc = seg_dataset_select(ds, (const char *const *)ch->select, ch->n_select);
    return rc;
}

int seg_csv_chunker_next(seg_csv_chunker *ch, seg_dataset **out)
{
    SEG_ALLOC_SCOPE(ch);
    seg_dataset *ds = NULL;
    seg_strtab *levels = NULL;
    size_t rows, i = 0, id_col = direct_id(ch);
    int rc;
    if (!out)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_csv_chunker_next: out is NULL");
    *out = NULL;
    if (!ch)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_csv_chunker_next: chunker is NULL");
    if (ch->done)
        return 0;
    if (!ch->reading && (rc = start(ch)) < 0)
        goto fail;
    rows = ch->n_rows - ch->rows_out < ch->chunk_rows ? ch->n_rows - ch->rows_out : ch->chunk_rows;
    if (rows == 0) {
        if ((rc = seg_csv_stream_next(&ch->s)) != 0) {
            rc = rc < 0 ? rc : changed(ch, ch->s.record_line, 0, "found more rows than before");
            goto fail;
        }
        seg_csv_stream_close(&ch->s);
        ch->reading = false;
        ch->done = true;
        return 0;
    }
    if ((rc = alloc_chunk(ch, rows, id_col, &ds)) < 0)
        goto fail;
    if (!(levels = seg_calloc(ch->n_cols, sizeof *levels))) {
        rc = SEG_NOMEM();
        goto fail;
    }
    for (; i < rows; i++) {
        if ((rc = seg_csv_stream_next(&ch->s)) <= 0) {
            if (rc == 0)
                rc = changed(ch, ch->s.line, 0, "found fewer rows than before");
            goto fail;
        }
        ds->row_line[i] = ch->s.record_line;
        if ((rc = store_row(ch, ds, levels, i, id_col)) < 0)
            goto fail;
    }
    for (size_t j = 0; j < ds->n_cols; j++)
        if (ds->cols[j].type == SEG_COLUMN_CATEGORICAL)
            ds->cols[j].levels = seg_strtab_release(&levels[j], &ds->cols[j].n_levels);
    ch->rows_out += rows;
    if ((rc = shape(ch, ds, id_col)) < 0)
        goto fail;
    seg_free(levels);
    *out = ds;
    return 1;
fail:
    for (size_t j = 0; levels && j < ch->n_cols; j++)
        seg_strtab_free(&levels[j]);
    seg_free(levels);
    seg_dataset_free(ds);
    seg_csv_stream_close(&ch->s);
    ch->reading = false;
    ch->done = true;
    return rc;
}
