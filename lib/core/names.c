/*
 * Hints for a name that was not found: the closest names ("did you mean"),
 * or, when the table has one column whose name holds another delimiter,
 * that the delimiter is wrong. Only error paths call these, so they favour
 * clear code over speed.
 */
#include "core/core.h"

#include <stdio.h>
#include <string.h>

/* Names longer than this are never suggested (nor compared). */
#define HINT_MAX_NAME 64
#define HINT_MAX_SUGGESTIONS 3

static unsigned char fold(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

static size_t min3(size_t a, size_t b, size_t c)
{
    size_t m = a < b ? a : b;
    return m < c ? m : c;
}

/* Optimal string alignment distance (Damerau-Levenshtein where no substring
 * is edited twice) between a and b, ignoring ASCII case: insertions,
 * deletions, substitutions and swaps of two neighbours cost 1. Both are at
 * most HINT_MAX_NAME bytes. */
static size_t edit_distance(const char *a, size_t la, const char *b, size_t lb)
{
    size_t d[HINT_MAX_NAME + 1][HINT_MAX_NAME + 1];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++) {
        const unsigned char ca = fold((unsigned char)a[i - 1]);
        for (size_t j = 1; j <= lb; j++) {
            const unsigned char cb = fold((unsigned char)b[j - 1]);
            d[i][j] = min3(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (ca != cb));
            if (i > 1 && j > 1 && ca == fold((unsigned char)b[j - 2]) &&
                fold((unsigned char)a[i - 2]) == cb && d[i - 2][j - 2] + 1 < d[i][j])
                d[i][j] = d[i - 2][j - 2] + 1;
        }
    }
    return d[la][lb];
}

unsigned char seg_delimiter_in_name(const char *name, size_t len, unsigned char delim)
{
    static const unsigned char candidates[] = {';', '\t', '|', ','};
    unsigned char best = 0;
    size_t best_count = 0;
    for (size_t k = 0; k < sizeof candidates; k++) {
        size_t count = 0;
        if (candidates[k] == delim)
            continue;
        for (size_t i = 0; i < len; i++)
            count += (unsigned char)name[i] == candidates[k];
        if (count > best_count) {
            best = candidates[k];
            best_count = count;
        }
    }
    return best;
}

unsigned char seg_csv_wrong_delimiter(const char *name, size_t len, bool quoted, const char *row,
                                      size_t row_len, unsigned char delim)
{
    const unsigned char guess = quoted ? 0 : seg_delimiter_in_name(name, len, delim);
    return guess && memchr(row, guess, row_len) ? guess : 0;
}

const char *seg_delimiter_word(unsigned char c)
{
    switch (c) {
    case '\t':
        return "tab";
    case ',':
        return "','";
    case ';':
        return "';'";
    case '|':
        return "'|'";
    default:
        return "?";
    }
}

/* name as a message shows it: at most 40 bytes, a tab as \t, other control
 * bytes as '?'. */
static void show_name(const char *name, char out[96])
{
    size_t o = 0, i = 0;
    for (; name[i] && o < 40; i++) {
        const unsigned char c = (unsigned char)name[i];
        if (c == '\t') {
            out[o++] = '\\';
            out[o++] = 't';
        } else {
            out[o++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
        }
    }
    if (name[i]) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
}

int seg_delimiter_message(char *out, size_t len, const char *name, unsigned char guess)
{
    char shown[96];
    show_name(name, shown);
    return snprintf(out, len,
                    "the file reads as one column named '%s': the delimiter looks like %s "
                    "(set the delimiter to %s)",
                    shown, seg_delimiter_word(guess), seg_delimiter_word(guess));
}

const char *seg_name_hint(const char *name, seg_name_at at, const void *ctx, size_t n,
                          unsigned char delim, char *out, size_t len)
{
    size_t best[HINT_MAX_SUGGESTIONS], dist[HINT_MAX_SUGGESTIONS], found = 0;
    const size_t ln = strlen(name);
    out[0] = '\0';
    if (n == 1) {
        const char *only = at(ctx, 0);
        const unsigned char guess = seg_delimiter_in_name(only, strlen(only), delim);
        if (guess) {
            size_t w = (size_t)snprintf(out, len, "; ");
            if (w < len)
                seg_delimiter_message(out + w, len - w, only, guess);
            return out;
        }
    }
    if (ln == 0 || ln > HINT_MAX_NAME)
        return out;
    /* A third of the name's length, at least 1: "CUSTID" may miss 2 bytes. */
    const size_t limit = ln / 3 ? ln / 3 : 1;
    for (size_t i = 0; i < n; i++) {
        const char *cand = at(ctx, i);
        const size_t lc = cand ? strlen(cand) : 0;
        if (lc == 0 || lc > HINT_MAX_NAME || (lc > ln ? lc - ln : ln - lc) > limit)
            continue;
        const size_t e = edit_distance(name, ln, cand, lc);
        if (e > limit)
            continue;
        /* Insert by distance, the earlier column first among equals. */
        size_t k = found < HINT_MAX_SUGGESTIONS ? found++ : HINT_MAX_SUGGESTIONS;
        while (k > 0 && dist[k - 1] > e) {
            if (k < HINT_MAX_SUGGESTIONS) {
                best[k] = best[k - 1];
                dist[k] = dist[k - 1];
            }
            k--;
        }
        if (k < HINT_MAX_SUGGESTIONS) {
            best[k] = i;
            dist[k] = e;
        }
    }
    size_t w = 0;
    for (size_t k = 0; k < found && w < len; k++) {
        char shown[96];
        show_name(at(ctx, best[k]), shown);
        w += (size_t)snprintf(out + w, len - w, "%s'%s'",
                              k == 0           ? "; did you mean "
                              : k + 1 == found ? " or "
                                               : ", ",
                              shown);
    }
    if (found && w + 1 < len)
        snprintf(out + w, len - w, "?");
    return out;
}
