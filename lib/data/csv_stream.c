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

static int grow_fields(csv_stream *s)
{
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
    return 0;
}

static int add_field(csv_stream *s, const seg_csv_field *f)
{
    int rc;
    if (s->n_field == s->cap_field && (rc = grow_fields(s)) < 0)
        return rc;
    s->field[s->n_field] = (csv_span){f->p, f->len, f->line};
    s->escaped[s->n_field++] = f->escaped;
    return 0;
}

/* The record at the tokenizer's position when it is plain: no field starts
 * with a quote or a blank (a quote elsewhere is text), the record is within
 * the field limit and ended by an LF in the window with no CR or NUL before
 * it. Its fields are then those seg_csv_tok_field() gives (trailing blanks
 * dropped alike), found from one mask a 16-byte block. 1 when read; 0 when
 * not plain, with the tokenizer untouched: the full path reads it from the
 * same position and gives its verdict; SEG_ERR_NOMEM. */
static int plain_record(csv_stream *s)
{
    seg_csv_tok *t = &s->t;
    const char *const b = t->buf, *const end = b + t->end;
    const char *q = b + t->pos, *fs = q; /* the block, the field's start */
    const unsigned char d = t->delim;
    const bool *const lead = t->lead;
    /* Locals: the field stores below could alias s and t as far as the
     * compiler knows, which would reload these on every field. */
    const size_t line = t->line, max_field = t->max_field, hold = s->max_fields;
    csv_span *field = s->field;
    bool *escaped = s->escaped;
    size_t n = 0, room = s->cap_field < hold ? s->cap_field : hold;
    for (; q < end; q += 16) {
        uint32_t m;
        if (SEG_LIKELY(end - q >= 16)) {
            m = seg_csv_special16(q, d);
        } else { /* the window's last bytes, padded with a byte no mask flags */
            char tail[16];
            memset(tail, 'x', sizeof tail);
            memcpy(tail, q, (size_t)(end - q));
            m = seg_csv_special16(tail, d) & ((1u << (end - q)) - 1);
        }
        for (; m; m &= m - 1) {
            const char *c = q + seg_csv_low_bit(m), *e = c;
            const unsigned char ch = (unsigned char)*c;
            if (ch != d && ch != '\n')
                return 0; /* a CR or NUL: the full path */
            if (lead[(unsigned char)*fs])
                return 0; /* a quote or blank first: the full path */
            if (SEG_UNLIKELY(n >= room)) {
                if (n >= hold) {
                    if (s->refuse_wider)
                        return 0; /* the full path names the field */
                    goto counted;
                }
                if (grow_fields(s) < 0)
                    return SEG_NOMEM();
                field = s->field;
                escaped = s->escaped;
                room = s->cap_field < hold ? s->cap_field : hold;
            }
            while (e > fs && (e[-1] == ' ' || e[-1] == '\t'))
                e--;
            field[n] = (csv_span){fs, (size_t)(e - fs), line};
            escaped[n] = false;
        counted:
            n++;
            fs = c + 1;
            if (ch == '\n') {
                /* No field is longer than its record: a record within the
                 * field limit needs no look at each field's length; a longer
                 * one (rare: 1 MiB by default) takes the full path. */
                const size_t len = (size_t)(c - b) - t->rec_pos;
                if (len > max_field || len > t->max_record)
                    return 0;
                s->width = n;
                s->n_field = n < hold ? n : hold;
                t->pos = (size_t)(fs - b);
                t->line = line + 1;
                return 1;
            }
        }
    }
    return 0; /* no LF in the window: the full path asks for more */
}

/* One attempt at the record starting at the tokenizer's position: REC_OK
 * (1), 0 at the end, SEG_CSV_MORE or an error. */
static int parse_record(csv_stream *s)
{
    seg_csv_field f;
    seg_csv_tok *t = &s->t;
    int rc, last = 0;
    s->n_field = s->width = 0;
    if (SEG_LIKELY(t->pos < t->end && t->buf[t->pos] != '\n' && t->buf[t->pos] != '\r')) {
        t->rec_pos = t->pos; /* no blank line to step over: seg_csv_tok_record() in short */
        t->rec_line = t->line;
    } else if ((rc = seg_csv_tok_record(t)) != 1) {
        return rc;
    }
    if ((rc = plain_record(s)) != 0) {
        s->plain = true;
        return rc;
    }
    s->n_field = s->width = 0;
    s->plain = false;
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
            if (!s->plain)
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
