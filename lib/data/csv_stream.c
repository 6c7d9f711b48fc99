/*
 * Chunked RFC 4180 record reader. See csv_stream.h.
 *
 * A record is parsed from the buffer; when it runs into the end of the
 * buffer before the file ends, the unread bytes move to the front, more are
 * read and the record is parsed again from its start (quoted fields are
 * unescaped only once the record is known to be whole, so a retry sees the
 * original bytes).
 */
#include "data/csv_stream.h"

#include "data/csv_shared.h"

#include <errno.h>
#include <string.h>

#define CHUNK ((size_t)1 << 20)
#define MAX_RECORD ((size_t)64 << 20)

/* Outcome of one parse attempt. */
enum { REC_OK = 1, REC_MORE = 2 };

static void set_delim(csv_stream *s, unsigned char d)
{
    s->delim = d;
    memset(s->stop, 0, sizeof s->stop);
    s->stop[d] = true;
    s->stop['\n'] = true;
}

/* Read more bytes after moving the unread ones to the front (or growing the
 * buffer when a record fills it). */
static int refill(csv_stream *s)
{
    if (s->start > 0) {
        memmove(s->buf, s->buf + s->start, s->end - s->start);
        s->end -= s->start;
        s->start = 0;
    }
    if (s->end == s->cap) {
        if (s->cap >= MAX_RECORD)
            return seg_fail(SEG_ERR_LIMIT, "%s:%zu: a record longer than %zu bytes", s->name,
                            s->record_line, MAX_RECORD);
        char *nb = seg_realloc(s->buf, 2 * s->cap);
        if (!nb)
            return SEG_NOMEM();
        s->buf = nb;
        s->cap *= 2;
    }
    size_t got = fread(s->buf + s->end, 1, s->cap - s->end, s->f);
    if (got == 0) {
        if (ferror(s->f))
            return seg_fail(SEG_ERR_IO, "%s: read error: %s", s->name, strerror(errno));
        s->eof = true;
    }
    s->end += got;
    return 0;
}

int csv_stream_open(csv_stream *s, const char *path, unsigned char delim)
{
    int rc;
    memset(s, 0, sizeof *s);
    s->line = 1;
    if (!(s->name = seg_strdup(path)) || !(s->buf = seg_malloc(CHUNK)))
        return SEG_NOMEM();
    s->cap = CHUNK;
    if (!(s->f = fopen(path, "rb")))
        return seg_fail(SEG_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    if ((rc = refill(s)) < 0)
        return rc;
    set_delim(s, delim ? delim : seg_csv_detect_delimiter(s->buf, 0, s->end));
    return 0;
}

void csv_stream_close(csv_stream *s)
{
    if (s->f)
        fclose(s->f);
    seg_free(s->name);
    seg_free(s->buf);
    seg_free(s->field);
    seg_free(s->escaped);
    memset(s, 0, sizeof *s);
}

static int add_field(csv_stream *s, const char *p, size_t len, bool escaped)
{
    if (s->n_field == s->cap_field) {
        size_t cap = s->cap_field ? 2 * s->cap_field : 16;
        csv_span *f = seg_realloc(s->field, cap * sizeof *f);
        if (!f)
            return SEG_NOMEM();
        s->field = f;
        bool *e = seg_realloc(s->escaped, cap * sizeof *e);
        if (!e)
            return SEG_NOMEM();
        s->escaped = e;
        s->cap_field = cap;
    }
    s->field[s->n_field].p = p;
    s->field[s->n_field].len = len;
    s->escaped[s->n_field++] = escaped;
    return 0;
}

/* A quoted field opening at buf[*pos]: its text between the quotes, *pos
 * after the closing quote, the line count advanced past line breaks inside. */
static int quoted(csv_stream *s, size_t *pos, size_t *line, csv_span *out, bool *escaped)
{
    const char *b = s->buf;
    size_t q = *pos + 1, open_line = *line;
    *escaped = false;
    for (;;) {
        const char *hit = memchr(b + q, '"', s->end - q);
        size_t stop = hit ? (size_t)(hit - b) : s->end;
        for (const char *nl = b + q; (nl = memchr(nl, '\n', (size_t)(b + stop - nl))); nl++)
            (*line)++;
        if (!hit || stop + 1 == s->end) {
            if (!s->eof)
                return REC_MORE;
            if (!hit)
                return seg_fail(SEG_ERR_PARSE,
                                "%s:%zu:%zu: found a quoted field that is never closed, expected "
                                "a closing '\"'",
                                s->name, open_line, s->n_field + 1);
        }
        if (stop + 1 < s->end && b[stop + 1] == '"') {
            *escaped = true;
            q = stop + 2;
            continue;
        }
        out->p = b + *pos + 1;
        out->len = stop - (*pos + 1);
        *pos = stop + 1;
        return REC_OK;
    }
}

/* One attempt at the record starting at s->start. */
static int parse_record(csv_stream *s)
{
    const char *b = s->buf;
    size_t pos = s->start, line = s->line;
    s->n_field = 0;
    /* Blank lines. */
    while (pos < s->end &&
           (b[pos] == '\n' || (b[pos] == '\r' && pos + 1 < s->end && b[pos + 1] == '\n'))) {
        line += b[pos] == '\n';
        pos++;
    }
    if (pos == s->end || (b[pos] == '\r' && pos + 1 == s->end))
        return s->eof ? 0 : REC_MORE;
    s->record_line = line;
    for (;;) {
        csv_span f = {NULL, 0};
        bool esc = false;
        size_t p = pos;
        int rc;
        while (p < s->end && (b[p] == ' ' || b[p] == '\t') && b[p] != s->delim)
            p++;
        if (p < s->end && b[p] == '"') {
            if ((rc = quoted(s, &p, &line, &f, &esc)) != REC_OK)
                return rc;
            while (p < s->end && (b[p] == ' ' || b[p] == '\t') && b[p] != s->delim)
                p++;
            if (p < s->end && b[p] == '\r' &&
                ((p + 1 < s->end && b[p + 1] == '\n') || (p + 1 == s->end && s->eof)))
                p++;
            if (p == s->end && !s->eof)
                return REC_MORE;
            if (p < s->end && b[p] != s->delim && b[p] != '\n')
                return seg_fail(SEG_ERR_PARSE,
                                "%s:%zu:%zu: found '%c' after the closing quote, expected a "
                                "delimiter or a line end",
                                s->name, line, s->n_field + 1, b[p]);
        } else {
            p = pos;
            while (p < s->end && !s->stop[(unsigned char)b[p]])
                p++;
            if (p == s->end && !s->eof)
                return REC_MORE;
            size_t a = pos, e = p;
            if (e > a && b[e - 1] == '\r' && (p == s->end || b[p] == '\n'))
                e--;
            while (a < e && (b[a] == ' ' || b[a] == '\t'))
                a++;
            while (e > a && (b[e - 1] == ' ' || b[e - 1] == '\t'))
                e--;
            f.p = b + a;
            f.len = e - a;
        }
        if ((rc = add_field(s, f.p, f.len, esc)) < 0)
            return rc;
        if (p == s->end) {
            pos = p;
            break;
        }
        if (b[p] == '\n') {
            pos = p + 1;
            line++;
            break;
        }
        pos = p + 1; /* a delimiter */
    }
    s->start = pos;
    s->line = line;
    return REC_OK;
}

/* Undo "" pairs in place (the record is whole: no retry will read it). */
static void unescape(csv_stream *s)
{
    for (size_t i = 0; i < s->n_field; i++) {
        if (!s->escaped[i])
            continue;
        char *w = (char *)s->field[i].p;
        const char *r = w, *e = w + s->field[i].len;
        while (r < e) {
            *w++ = *r;
            r += *r == '"' ? 2 : 1;
        }
        s->field[i].len = (size_t)(w - s->field[i].p);
    }
}

int csv_stream_next(csv_stream *s)
{
    for (;;) {
        int rc = parse_record(s);
        if (rc == REC_OK) {
            unescape(s);
            return 1;
        }
        if (rc != REC_MORE)
            return rc;
        if ((rc = refill(s)) < 0)
            return rc;
    }
}
