/*
 * The pieces of the CSV reader that the whole-file reader (csv.c), the record
 * stream (csv_stream.c), the chunker (csv_chunk.c) and RFM logs share, so
 * that all of them accept exactly the same numbers and pick the same
 * delimiter: locale-independent, correctly rounded number parsing, and
 * delimiter detection.
 */
#include "data/csv_shared.h"

#include <errno.h>
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

unsigned char seg_csv_detect_delimiter(const char *b, size_t pos, size_t size)
{
    static const unsigned char cand[3] = {',', ';', '\t'};
    size_t count[3] = {0, 0, 0}, best = 0;
    bool in_quotes = false;
    for (; pos < size; pos++) {
        char c = b[pos];
        if (c == '"')
            in_quotes = !in_quotes;
        else if (in_quotes)
            continue;
        else if (c == '\n')
            break;
        else if (c == ',')
            count[0]++;
        else if (c == ';')
            count[1]++;
        else if (c == '\t')
            count[2]++;
    }
    for (size_t i = 1; i < 3; i++)
        if (count[i] > count[best])
            best = i;
    return cand[best];
}
