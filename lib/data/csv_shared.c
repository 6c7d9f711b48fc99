/*
 * The pieces of the CSV reader that the whole-file reader (csv.c), the record
 * stream (csv_stream.c), the chunker (csv_chunk.c) and RFM logs share, so
 * that all of them accept exactly the same numbers and pick the same
 * delimiter: locale-independent, correctly rounded number parsing, and
 * delimiter detection.
 */
#include "data/csv_shared.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <float.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

/* ---- numbers ---------------------------------------------------------------- */

static const double pow10_exact[23] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* strtod in the "C" locale on a NUL-terminated copy, whatever the caller's
 * locale: the syntax has been checked already, only the rounding is needed. */
static int slow_number(seg_number_parser *np, const char *p, size_t len, double *out)
{
    locale_t old;
    if (len + 1 > np->cap) {
        char *s = seg_realloc(np->buf, len + 1);
        if (!s)
            return SEG_NOMEM();
        np->buf = s;
        np->cap = len + 1;
    }
    if (np->c_locale == (locale_t)0) {
        np->c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
        if (np->c_locale == (locale_t)0)
            return SEG_NOMEM();
    }
    memcpy(np->buf, p, len);
    np->buf[len] = '\0';
    old = uselocale(np->c_locale);
    *out = strtod(np->buf, NULL);
    uselocale(old);
    return SEG_OK;
}

void seg_number_parser_free(seg_number_parser *np)
{
    seg_free(np->buf);
    if (np->c_locale != (locale_t)0)
        freelocale(np->c_locale);
    np->buf = NULL;
    np->cap = 0;
    np->c_locale = (locale_t)0;
}

/* 1 when p[0..len) is a finite number of the documented form (its value in
 * *out), 0 when it is not, < 0 on failure. Values with at most 19
 * significant digits whose mantissa fits 53 bits and whose decimal exponent
 * is within +-22 are exact products or quotients of two exact doubles, so one
 * correctly rounded operation gives what strtod gives (Clinger's fast path). */
int seg_parse_number(seg_number_parser *np, const char *p, size_t len, double *out)
{
#if FLT_EVAL_METHOD == 0
    /* The common form first (quantities, prices): [-]digits[.digits] in at
     * most 15 bytes has at most 15 digits, so m < 10^15 < 2^53 and the value
     * is the one correctly rounded operation of the general path below
     * (m / 10^fraction digits, or m itself), sign applied the same way. */
    if (len <= 15) {
        const char *q = p, *stop = p + len;
        uint64_t mm = 0;
        const bool minus = q < stop && *q == '-';
        q += minus;
        const char *first = q;
        while (q < stop && (unsigned)(*q - '0') < 10)
            mm = mm * 10 + (uint64_t)(*q++ - '0');
        if (q > first) {
            size_t frac = 0;
            if (q < stop && *q == '.') {
                const char *f0 = ++q;
                while (q < stop && (unsigned)(*q - '0') < 10)
                    mm = mm * 10 + (uint64_t)(*q++ - '0');
                frac = (size_t)(q - f0);
            }
            if (q == stop) {
                const double v = (double)mm / pow10_exact[frac];
                *out = minus ? -v : v;
                return 1;
            }
        }
    }
#endif
    const char *s = p, *end = p + len;
    uint64_t m = 0;
    int64_t exp10 = 0, e = 0;
    int sig = 0;
    size_t digits = 0;
    bool neg = false, slow = false, eneg = false;
    double v = 0.0;

    if (s < end && (*s == '+' || *s == '-'))
        neg = *s++ == '-';
    for (; s < end && (unsigned)(*s - '0') < 10; s++, digits++) {
        if (sig < 19) {
            m = m * 10 + (uint64_t)(*s - '0');
            sig += m != 0;
        } else {
            slow = true;
        }
    }
    if (s < end && *s == '.') {
        const char *frac = ++s;
        for (; s < end && (unsigned)(*s - '0') < 10; s++) {
            if (sig < 19) {
                m = m * 10 + (uint64_t)(*s - '0');
                sig += m != 0;
                exp10--;
            } else {
                slow = true;
            }
        }
        digits += (size_t)(s - frac); /* "1." and ".5" are numbers, "." is not */
    }
    if (digits == 0)
        return 0;
    if (s < end && (*s == 'e' || *s == 'E')) {
        const char *first;
        s++;
        if (s < end && (*s == '+' || *s == '-'))
            eneg = *s++ == '-';
        for (first = s; s < end && (unsigned)(*s - '0') < 10; s++)
            if (e < 100000000)
                e = e * 10 + (*s - '0');
        if (s == first)
            return 0;
        exp10 += eneg ? -e : e;
    }
    if (s != end)
        return 0;
#if FLT_EVAL_METHOD == 0
    if (!slow && m <= ((uint64_t)1 << 53) && exp10 >= -22 && exp10 <= 22) {
        v = exp10 < 0 ? (double)m / pow10_exact[-exp10] : (double)m * pow10_exact[exp10];
        *out = neg ? -v : v;
        return 1;
    }
#endif
    if (m == 0 && !slow) {
        *out = neg ? -0.0 : 0.0;
        return 1;
    }
    int rc = slow_number(np, p, len, &v);
    if (rc < 0)
        return rc;
    if (!isfinite(v))
        return 0;
    *out = v;
    return 1;
}

unsigned char seg_csv_detect_delimiter(const char *b, size_t pos, size_t size, bool *whole)
{
    static const unsigned char cand[3] = {',', ';', '\t'};
    size_t count[3] = {0, 0, 0}, best = 0;
    bool in_quotes = false, seen_end = false;
    for (; pos < size; pos++) {
        char c = b[pos];
        if (c == '"')
            in_quotes = !in_quotes;
        else if (in_quotes)
            continue;
        else if (c == '\n' || c == '\r' || c == '\0') { /* NUL: refused anyway */
            seen_end = true;
            break;
        } else if (c == ',')
            count[0]++;
        else if (c == ';')
            count[1]++;
        else if (c == '\t')
            count[2]++;
    }
    for (size_t i = 1; i < 3; i++)
        if (count[i] > count[best])
            best = i;
    if (whole)
        *whole = seen_end;
    return cand[best];
}

/* ---- the tokenizer -------------------------------------------------------------- */

size_t seg_csv_record_cap(size_t max_field)
{
    return max_field <= SEG_CSV_RECORD_MIN / 4 ? SEG_CSV_RECORD_MIN
           : max_field > SIZE_MAX / 4         ? SIZE_MAX
                                              : 4 * max_field;
}

void seg_csv_tok_init(seg_csv_tok *t, const char *name, size_t max_field)
{
    memset(t, 0, sizeof *t);
    t->name = name;
    t->buf = "";
    t->line = 1;
    t->max_field = max_field;
    t->max_record = seg_csv_record_cap(max_field);
    t->qstop['"'] = t->qstop['\n'] = t->qstop['\r'] = t->qstop['\0'] = true;
    seg_csv_tok_set_delimiter(t, ',');
}

void seg_csv_tok_set_delimiter(seg_csv_tok *t, unsigned char d)
{
    memset(t->stop, 0, sizeof t->stop);
    memset(t->lead, 0, sizeof t->lead);
    t->delim = d;
    t->mask_buf = NULL; /* the cached stop mask was for another delimiter */
    t->stop[d] = t->stop['\n'] = t->stop['\r'] = t->stop['\0'] = true;
    t->lead[' '] = d != ' ';
    t->lead['\t'] = d != '\t';
    t->lead['"'] = true;
}

void seg_csv_tok_skip_bom(seg_csv_tok *t)
{
    if (t->end - t->pos >= 3 && memcmp(t->buf + t->pos, "\xEF\xBB\xBF", 3) == 0)
        t->pos += 3;
}

static int tok_fail(int code, const seg_csv_tok *t, size_t line, size_t field, const char *fmt,
                    ...) SEG_PRINTF(5, 6);

static int tok_fail(int code, const seg_csv_tok *t, size_t line, size_t field, const char *fmt,
                    ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return seg_fail(code, "%.200s:%zu:%zu: %s", t->name, line, field, msg);
}

static int fail_nul(const seg_csv_tok *t, const char *at, size_t line, size_t field)
{
    return tok_fail(SEG_ERR_PARSE, t, line, field,
                    "found a NUL byte (byte offset %llu), expected text",
                    (unsigned long long)(t->base + (uint64_t)(at - t->buf)));
}

static int fail_field(const seg_csv_tok *t, size_t line, size_t field)
{
    return tok_fail(SEG_ERR_LIMIT, t, line, field,
                    "found a field longer than %zu bytes, expected at most that "
                    "(SEG_CSV_MAX_FIELD)",
                    t->max_field);
}

static int fail_record(const seg_csv_tok *t, size_t field)
{
    return tok_fail(SEG_ERR_LIMIT, t, t->rec_line, field,
                    "found a record longer than %zu bytes, expected at most that (the record "
                    "limit, 4 x SEG_CSV_MAX_FIELD or 64 MiB)",
                    t->max_record);
}

/* A line end at buf[q] ('\n' or '\r'): the offset after it, or 0 when a CR
 * is the last byte known and more input may bring its LF. */
static size_t after_eol(const seg_csv_tok *t, size_t q)
{
    if (t->buf[q] == '\n')
        return q + 1;
    if (q + 1 < t->end)
        return q + 1 + (t->buf[q + 1] == '\n');
    return t->eof ? q + 1 : 0;
}

int seg_csv_tok_record(seg_csv_tok *t)
{
    size_t pos = t->pos, line = t->line;
    while (pos < t->end && (t->buf[pos] == '\n' || t->buf[pos] == '\r')) {
        size_t next = after_eol(t, pos);
        if (!next)
            return SEG_CSV_MORE;
        pos = next;
        line++;
    }
    t->pos = t->rec_pos = pos;
    t->line = t->rec_line = line;
    if (pos < t->end)
        return 1;
    return t->eof ? 0 : SEG_CSV_MORE;
}

static bool is_blank(const seg_csv_tok *t, unsigned char c)
{
    return (c == ' ' || c == '\t') && c != t->delim;
}

/* What ends a field at buf[q]: 0 a delimiter, 1 a line end or the end of the
 * input, SEG_CSV_MORE, < 0 a NUL; *next and *line move past it. */
static int field_end(const seg_csv_tok *t, size_t q, size_t field, size_t *next, size_t *line)
{
    if (q == t->end) {
        *next = q;
        return t->eof ? 1 : SEG_CSV_MORE;
    }
    unsigned char c = (unsigned char)t->buf[q];
    if (c == t->delim) {
        *next = q + 1;
        return 0;
    }
    if (c == '\n' || c == '\r') {
        if (!(*next = after_eol(t, q)))
            return SEG_CSV_MORE;
        (*line)++;
        return 1;
    }
    return fail_nul(t, t->buf + q, *line, field);
}

static int quoted_field(seg_csv_tok *t, seg_csv_field *f, size_t open, size_t field)
{
    const char *b = t->buf;
    size_t q = open + 1, line = t->line, next;
    int rc;
    f->escaped = false;
    for (;;) {
        while (q < t->end && !t->qstop[(unsigned char)b[q]])
            q++;
        if (q - (open + 1) > t->max_field)
            return fail_field(t, t->line, field);
        if (q - t->rec_pos > t->max_record)
            return fail_record(t, field);
        if (q == t->end) {
            if (!t->eof)
                return SEG_CSV_MORE;
            return tok_fail(SEG_ERR_PARSE, t, t->line, field,
                            "found a quoted field that is never closed (the quote opens here), "
                            "expected a closing '\"'");
        }
        if (b[q] == '\0')
            return fail_nul(t, b + q, line, field);
        if (b[q] == '\n' || b[q] == '\r') {
            if (!(next = after_eol(t, q)))
                return SEG_CSV_MORE;
            q = next;
            line++;
            continue;
        }
        if (q + 1 == t->end && !t->eof)
            return SEG_CSV_MORE; /* a closing quote, or the first of a "" pair? */
        if (q + 1 < t->end && b[q + 1] == '"') {
            f->escaped = true;
            q += 2;
            continue;
        }
        break;
    }
    f->p = b + open + 1;
    f->len = q - (open + 1);
    f->line = t->line;
    for (q++; q < t->end && is_blank(t, (unsigned char)b[q]); q++)
        ;
    if (q - t->rec_pos > t->max_record) /* blanks after the quote count too */
        return fail_record(t, field);
    if (q < t->end && b[q] != '\0' && (unsigned char)b[q] != t->delim && b[q] != '\n' &&
        b[q] != '\r') {
        unsigned char c = (unsigned char)b[q];
        if (c < 0x20 || c == 0x7f)
            return tok_fail(SEG_ERR_PARSE, t, line, field,
                            "found byte 0x%02x after the closing quote, expected a delimiter or "
                            "a line end",
                            (unsigned)c);
        return tok_fail(SEG_ERR_PARSE, t, line, field,
                        "found '%c' after the closing quote, expected a delimiter or a line end",
                        c);
    }
    if ((rc = field_end(t, q, field, &next, &line)) < 0 || rc == SEG_CSV_MORE)
        return rc;
    t->pos = next;
    t->line = line;
    return rc;
}

int seg_csv_tok_field_any(seg_csv_tok *t, size_t field, seg_csv_field *f)
{
    const char *b = t->buf, *end = b + t->end, *s = b + t->pos, *e;
    size_t q, next, line = t->line;
    int rc;
    if (s < end && t->lead[(unsigned char)*s]) {
        while (s < end && is_blank(t, (unsigned char)*s))
            s++;
        if (s < end && *s == '"')
            return quoted_field(t, f, (size_t)(s - b), field);
        if (s == end && !t->eof)
            return SEG_CSV_MORE; /* blanks up to the window's end: a quote may follow */
    }
    q = (size_t)(seg_csv_scan_unquoted(t, s, end) - b);
    if (SEG_UNLIKELY(q - t->pos > t->max_field))
        return fail_field(t, t->line, field);
    if (SEG_UNLIKELY(q - t->rec_pos > t->max_record))
        return fail_record(t, field);
    if (SEG_LIKELY(q < t->end && (unsigned char)b[q] == t->delim)) { /* the common case */
        next = q + 1;
        rc = 0;
    } else if ((rc = field_end(t, q, field, &next, &line)) < 0 || rc == SEG_CSV_MORE) {
        return rc;
    }
    e = b + q;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    f->p = s;
    f->len = (size_t)(e - s);
    f->line = t->line;
    f->escaped = false;
    t->pos = next;
    t->line = line;
    return rc;
}

size_t seg_csv_unescape(char *dst, const char *p, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        dst[n++] = p[i];
        if (p[i] == '"')
            i++; /* the tokenizer guarantees quotes come in pairs */
    }
    return n;
}
