/*
 * Chunked CSV record reader. See csv_stream.h.
 *
 * A record is tokenized from the buffer; when it runs into the end of the
 * buffer before the file ends (SEG_CSV_MORE), the unread bytes move to the
 * front, more are read and the record is tokenized again from its start
 * (quoted fields are unescaped only once the record is known to be whole,
 * so a retry sees the original bytes). The buffer grows only while a record
 * is within the tokenizer's record limit, which the tokenizer enforces.
 */
#include "data/csv_stream.h"

#include <errno.h>
#include <string.h>

#define DEFAULT_MAX_FIELDS 10000

/* Read more bytes after moving the unread ones to the front (or growing the
 * buffer when a record fills it). */
static int refill(csv_stream *s)
{
    size_t keep = s->t.rec_pos;
    if (keep > 0) {
        memmove(s->buf, s->buf + keep, s->end - keep);
        s->end -= keep;
        s->base += keep;
        s->t.pos -= keep;
        s->t.rec_pos = 0;
    }
    if (s->end == s->cap) {
        /* The tokenizer refuses a record past max_record once it sees
         * max_record + 1 of its bytes plus a line end's second byte. */
        size_t limit = s->t.max_record + 16;
        size_t ncap = s->cap > limit / 2 ? limit : 2 * s->cap;
        if (ncap <= s->cap)
            return seg_fail(SEG_ERR_LIMIT, "%s:%zu: a record longer than %zu bytes", s->name,
                            s->t.rec_line, s->t.max_record);
        char *nb = seg_realloc(s->buf, ncap);
        if (!nb)
            return SEG_NOMEM();
        s->buf = nb;
        s->cap = ncap;
    }
    size_t got = fread(s->buf + s->end, 1, s->cap - s->end, s->f);
    if (got == 0) {
        if (ferror(s->f))
            return seg_fail(SEG_ERR_IO, "%s: read error: %s", s->name, strerror(errno));
        s->t.eof = true;
    }
    s->end += got;
    s->t.buf = s->buf;
    s->t.end = s->end;
    s->t.base = s->base;
    return 0;
}

/* Step over blank lines to the first record (or the end). */
static int to_record(csv_stream *s)
{
    int rc;
    while ((rc = seg_csv_tok_record(&s->t)) == SEG_CSV_MORE)
        if ((rc = refill(s)) < 0)
            return rc;
    return rc;
}

int seg_csv_stream_open(csv_stream *s, const char *path, unsigned char delim, size_t max_field)
{
    return seg_csv_stream_open_window(s, path, delim, max_field, CSV_STREAM_WINDOW);
}

int seg_csv_stream_open_window(csv_stream *s, const char *path, unsigned char delim,
                               size_t max_field, size_t window)
{
    int rc;
    memset(s, 0, sizeof *s);
    s->line = s->record_line = 1;
    s->max_fields = DEFAULT_MAX_FIELDS;
    s->refuse_wider = true;
    if (!(s->name = seg_strdup(path)) || !(s->buf = seg_malloc(window ? window : 1)))
        return SEG_NOMEM();
    s->cap = window ? window : 1;
    seg_csv_tok_init(&s->t, s->name, max_field);
    if (!(s->f = fopen(path, "rb")))
        return seg_fail(SEG_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    while (s->end < 3 && !s->t.eof)
        if ((rc = refill(s)) < 0)
            return rc;
    seg_csv_tok_skip_bom(&s->t);
    if ((rc = to_record(s)) < 0)
        return rc;
    s->line = s->t.line;
    if (!delim) {
        /* The first line whole (or the record limit's worth), as csv.c sees it. */
        bool whole = false;
        for (;;) {
            delim = seg_csv_detect_delimiter(s->buf, s->t.pos, s->end, &whole);
            if (whole || s->t.eof || s->end - s->t.rec_pos > s->t.max_record)
                break;
            if ((rc = refill(s)) < 0)
                return rc;
        }
    }
    seg_csv_tok_set_delimiter(&s->t, delim);
    return 0;
}

int seg_csv_stream_open_at(csv_stream *s, const char *path, unsigned char delim,
                           size_t max_field, uint64_t offset, size_t line)
{
    memset(s, 0, sizeof *s);
    s->line = s->record_line = line;
    s->max_fields = DEFAULT_MAX_FIELDS;
    s->refuse_wider = true;
    if (!(s->name = seg_strdup(path)) || !(s->buf = seg_malloc(CSV_STREAM_WINDOW)))
        return SEG_NOMEM();
    s->cap = CSV_STREAM_WINDOW;
    seg_csv_tok_init(&s->t, s->name, max_field);
    seg_csv_tok_set_delimiter(&s->t, delim);
    s->t.line = line;
    if (!(s->f = fopen(path, "rb")))
        return seg_fail(SEG_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    if (offset > (uint64_t)INT64_MAX || fseeko(s->f, (off_t)offset, SEEK_SET) != 0)
        return seg_fail(SEG_ERR_IO, "%s: cannot seek: %s", path, strerror(errno));
    s->base = offset;
    s->t.base = offset;
    return 0;
}

int seg_csv_stream_peek(csv_stream *s, uint64_t *offset, size_t *line)
{
    int rc = to_record(s);
    if (rc == 1) {
        *offset = s->base + s->t.rec_pos;
        *line = s->t.rec_line;
    }
    return rc;
}

void seg_csv_stream_close(csv_stream *s)
{
    if (s->f)
        fclose(s->f);
    seg_free(s->name);
    seg_free(s->buf);
    seg_free(s->field);
    seg_free(s->escaped);
    memset(s, 0, sizeof *s);
}

static int add_field(csv_stream *s, const seg_csv_field *f)
{
    if (s->n_field == s->cap_field) {
        size_t cap = s->cap_field ? 2 * s->cap_field : 16;
        csv_span *fs = seg_realloc(s->field, cap * sizeof *fs);
        if (!fs)
            return SEG_NOMEM();
        s->field = fs;
        bool *e = seg_realloc(s->escaped, cap * sizeof *e);
        if (!e)
            return SEG_NOMEM();
        s->escaped = e;
        s->cap_field = cap;
    }
    s->field[s->n_field] = (csv_span){f->p, f->len, f->line};
    s->escaped[s->n_field++] = f->escaped;
    return 0;
}

/* One attempt at the record starting at the tokenizer's position: REC_OK
 * (1), 0 at the end, SEG_CSV_MORE or an error. */
static int parse_record(csv_stream *s)
{
    seg_csv_field f;
    int rc = seg_csv_tok_record(&s->t), last = 0;
    s->n_field = s->width = 0;
    if (rc != 1)
        return rc;
    while (!last) {
        if ((last = seg_csv_tok_field(&s->t, s->width + 1, &f)) < 0 || last == SEG_CSV_MORE) {
            if (last == SEG_CSV_MORE) {
                s->t.pos = s->t.rec_pos;
                s->t.line = s->t.rec_line;
            }
            return last;
        }
        if (s->width >= s->max_fields) {
            if (s->refuse_wider)
                return seg_fail(SEG_ERR_LIMIT,
                                "%.200s:%zu:%zu: found more than %zu columns, expected at most "
                                "%zu (SEG_CSV_MAX_COLUMNS)",
                                s->name, f.line, s->width + 1, s->max_fields, s->max_fields);
        } else if ((rc = add_field(s, &f)) < 0) {
            return rc;
        }
        s->width++;
    }
    return 1;
}

/* Undo "" pairs in place (the record is whole: no retry will read it). */
static void unescape(csv_stream *s)
{
    for (size_t i = 0; i < s->n_field; i++)
        if (s->escaped[i])
            s->field[i].len = seg_csv_unescape((char *)s->field[i].p, s->field[i].p,
                                               s->field[i].len);
}

int seg_csv_stream_next(csv_stream *s)
{
    for (;;) {
        int rc = parse_record(s);
        if (rc == 1) {
            s->record_line = s->t.rec_line;
            s->line = s->t.line;
            unescape(s);
            return 1;
        }
        if (rc == 0) {
            s->line = s->t.line;
            return 0;
        }
        if (rc != SEG_CSV_MORE)
            return rc;
        if ((rc = refill(s)) < 0)
            return rc;
    }
}
