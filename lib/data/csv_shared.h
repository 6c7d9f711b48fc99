/*
 * The CSV rules shared by the whole-text reader (csv.c) and the record
 * stream (csv_stream.c): one tokenizer, one number parser, one delimiter
 * guess, so both readers give the same verdict on the same bytes. Not
 * installed.
 */
#ifndef SEG_CSV_SHARED_H
#define SEG_CSV_SHARED_H

#include "core/core.h"

#include <locale.h>
#include <string.h>

/* SEG_CSV_PORTABLE: build the portable scans on x86-64 too (to test them). */
#if defined(__SSE2__) && defined(__GNUC__) && !defined(SEG_CSV_PORTABLE)
#include <emmintrin.h>
#define SEG_CSV_SSE2 1
#endif

/* Scratch of the parser's slow path; a zeroed struct is ready to use. */
typedef struct seg_number_parser {
    char *buf;
    size_t cap;
    locale_t c_locale;
} seg_number_parser;

/*
 * 1 when p[0..len) is a finite decimal number ([+-]digits[.digits][e[+-]digits],
 * as in a CSV file; no surrounding blanks) with its value in *out, correctly
 * rounded whatever the caller's locale; 0 when it is not; SEG_ERR_NOMEM.
 */
int seg_parse_number(seg_number_parser *np, const char *p, size_t len, double *out);

/* Release what the parser holds; it stays usable. */
void seg_number_parser_free(seg_number_parser *np);

/*
 * The delimiter of text whose first record starts at b[pos]: the most frequent
 * of ',', ';' and tab outside quotes on that line (ties in that order), ','
 * when none occurs. *whole (may be NULL) tells whether the line's end was seen.
 */
unsigned char seg_csv_detect_delimiter(const char *b, size_t pos, size_t size, bool *whole);

/* ---- the tokenizer ------------------------------------------------------------
 *
 * One set of rules for every CSV reader (csv.c holds the whole text, the
 * record stream csv_stream.c a window of it):
 *  - fields are separated by the delimiter; records end at LF, CRLF or a lone
 *    CR (classic Mac exports), and the last record may lack a line end;
 *  - a UTF-8 byte order mark at the very start is skipped (the caller does);
 *  - blank lines are skipped; blanks (space, tab unless tab is the delimiter)
 *    around a field are dropped;
 *  - a field whose first non-blank byte is '"' is quoted: it runs to the next
 *    lone '"', holds delimiters and line ends, and "" stands for '"'; only
 *    blanks may follow the closing quote before the delimiter or line end;
 *  - a NUL byte anywhere is refused, naming the line, field and byte offset;
 *  - a field longer than max_field bytes (the raw text, quotes excluded) and a
 *    record longer than max_record bytes are refused (SEG_ERR_LIMIT).
 * Lines are counted the same way everywhere (LF, CRLF, lone CR each end one),
 * so an error names the same FILE:LINE:FIELD whichever reader found it.
 */

/* The field length limit readers without options use (SEG_CSV_MAX_FIELD's default). */
#define SEG_CSV_MAX_FIELD_DEFAULT ((size_t)1 << 20)

/* More input is needed to finish the record (only when !eof). */
#define SEG_CSV_MORE 2

/* The longest record: 64 MiB, or 4 x max_field when that is larger. */
#define SEG_CSV_RECORD_MIN ((size_t)64 << 20)
size_t seg_csv_record_cap(size_t max_field);

typedef struct seg_csv_tok {
    const char *name; /* file name for messages */
    const char *buf;  /* the text known so far: buf[0 .. end) */
    size_t end;
    bool eof;       /* nothing follows buf[end) */
    uint64_t base;  /* offset of buf[0] in the input, for messages */
    size_t pos;     /* next byte */
    size_t line;    /* physical line of buf[pos], 1-based */
    size_t rec_pos; /* the current record's first byte and line */
    size_t rec_line;
    size_t max_field, max_record;
    unsigned char delim;
    bool stop[256];  /* bytes that end an unquoted field */
    bool qstop[256]; /* bytes that stop the scan of a quoted field */
    bool lead[256];  /* bytes that need a look at the start of a field */
    /* The stop bytes of the 64 bytes at mask_p, bit i for mask_p[i]: fields
     * average a few bytes, so one block answers a dozen field scans. Valid
     * while buf and base are those it was computed under (a refill moves the
     * text and changes base; bytes already known never change). */
    const char *mask_p, *mask_buf;
    uint64_t mask, mask_base;
} seg_csv_tok;

typedef struct seg_csv_field {
    const char *p; /* unquoted: trimmed text; quoted: the text between the quotes */
    size_t len;
    size_t line;  /* physical line where the field starts */
    bool escaped; /* quoted and holds "" pairs: p/len is still escaped */
} seg_csv_field;

/* A tokenizer over nothing yet, delimiter ','; set buf/end/eof before use. */
void seg_csv_tok_init(seg_csv_tok *t, const char *name, size_t max_field);

void seg_csv_tok_set_delimiter(seg_csv_tok *t, unsigned char delim);

/* Skip a byte order mark at buf[pos] (call once, at the start of the input). */
void seg_csv_tok_skip_bom(seg_csv_tok *t);

/* Step over blank lines: 1 when a record starts at t->pos (rec_pos and
 * rec_line mark it), 0 at the end of the input, SEG_CSV_MORE. */
int seg_csv_tok_record(seg_csv_tok *t);

/* The next field of the current record, field numbering it for messages:
 * 0 when more fields follow, 1 when it ends its record, SEG_CSV_MORE (t is
 * then unchanged: restart the record with more input), or SEG_ERR_PARSE /
 * SEG_ERR_LIMIT with the detail set. */
int seg_csv_tok_field_any(seg_csv_tok *t, size_t field, seg_csv_field *f);

#ifdef SEG_CSV_SSE2
/* Bit i set when q[i] is the delimiter, LF, CR or NUL, for 64 bytes. */
static inline uint64_t seg_csv_stop_mask(const char *q, unsigned char delim)
{
    const __m128i vd = _mm_set1_epi8((char)delim), vn = _mm_set1_epi8('\n'),
                  vc = _mm_set1_epi8('\r'), vz = _mm_setzero_si128();
    uint64_t m = 0;
    for (int k = 0; k < 4; k++) {
        __m128i w = _mm_loadu_si128((const __m128i *)(const void *)(q + 16 * k));
        __m128i h = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(w, vd), _mm_cmpeq_epi8(w, vn)),
                                 _mm_or_si128(_mm_cmpeq_epi8(w, vc), _mm_cmpeq_epi8(w, vz)));
        m |= (uint64_t)(uint16_t)_mm_movemask_epi8(h) << (16 * k);
    }
    return m;
}
#endif

/* ---- whole records: the bytes that need a look, 16 at a time ----------------
 *
 * A record of plain fields (no CR or NUL, no field starting with a quote or
 * a blank) is split at its delimiters up to its LF from one bit mask a
 * 16-byte block (csv_stream.c), instead of one tokenizer call a field. Bit
 * i of the mask is set when q[i] is the delimiter, LF, CR or NUL (a quote
 * matters only at a field's start, which the reader looks at anyway). Two
 * versions give the same bits: SSE2
 * (every x86-64) and one in portable C, eight bytes a word; the portable
 * one is compiled everywhere so that tests compare the two. */

/* 0x80 in each byte of x that is zero, exactly: (x & 0x7f) + 0x7f stays
 * within its byte, so no borrow or carry reaches a neighbour. */
static inline uint64_t seg_csv_zero_bytes(uint64_t x)
{
    const uint64_t low7 = 0x7F7F7F7F7F7F7F7Fu;
    return ~(((x & low7) + low7) | x) & ~low7;
}

static inline uint32_t seg_csv_special8(const unsigned char *q, unsigned char delim)
{
    const uint64_t ones = 0x0101010101010101u;
    uint64_t w = 0;
    for (int i = 0; i < 8; i++) /* byte i of the word is q[i], whatever the byte order */
        w |= (uint64_t)q[i] << (8 * i);
    uint64_t hit = seg_csv_zero_bytes(w ^ (ones * delim)) | seg_csv_zero_bytes(w ^ (ones * '\n')) |
                   seg_csv_zero_bytes(w ^ (ones * '\r')) | seg_csv_zero_bytes(w);
    /* bit 8i + 7 to bit i: the multiplier's partial products never overlap */
    return (uint32_t)(((hit >> 7) * 0x0102040810204080u) >> 56);
}

static inline uint32_t seg_csv_special16_portable(const char *q, unsigned char delim)
{
    const unsigned char *u = (const unsigned char *)q;
    return seg_csv_special8(u, delim) | seg_csv_special8(u + 8, delim) << 8;
}

#ifdef SEG_CSV_SSE2
static inline uint32_t seg_csv_special16(const char *q, unsigned char delim)
{
    const __m128i w = _mm_loadu_si128((const __m128i *)(const void *)q);
    const __m128i h = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(w, _mm_set1_epi8((char)delim)),
                                                _mm_cmpeq_epi8(w, _mm_setzero_si128())),
                                   _mm_or_si128(_mm_cmpeq_epi8(w, _mm_set1_epi8('\n')),
                                                _mm_cmpeq_epi8(w, _mm_set1_epi8('\r'))));
    return (uint32_t)_mm_movemask_epi8(h);
}
#else
static inline uint32_t seg_csv_special16(const char *q, unsigned char delim)
{
    return seg_csv_special16_portable(q, delim);
}
#endif

/* Index of the lowest set bit of m (m != 0). */
static inline unsigned seg_csv_low_bit(uint32_t m)
{
#ifdef __GNUC__
    return (unsigned)__builtin_ctz(m);
#else
    unsigned i = 0;
    while (!(m & 1u)) {
        m >>= 1;
        i++;
    }
    return i;
#endif
}

/* First byte at or after q that ends an unquoted field (delimiter, LF, CR,
 * NUL), or end. With SSE2 (every x86-64) from a cached 64-byte stop mask;
 * else, and for the last bytes of the text, eight bytes at a time where the
 * byte order allows: the lowest flagged byte of the "has zero byte" test is
 * exact, later ones may not be. */
static inline const char *seg_csv_scan_unquoted(seg_csv_tok *t, const char *q, const char *end)
{
#ifdef SEG_CSV_SSE2
    if (t->mask_buf == t->buf && t->mask_base == t->base && end - t->mask_p >= 64) {
        size_t off = (size_t)(q - t->mask_p); /* huge when q is before the block */
        if (off < 64) {
            uint64_t m = t->mask >> off;
            if (m)
                return q + __builtin_ctzll(m);
            q = t->mask_p + 64;
        }
    }
    while (end - q >= 64) {
        uint64_t m = seg_csv_stop_mask(q, t->delim);
        t->mask_p = q;
        t->mask = m;
        t->mask_buf = t->buf;
        t->mask_base = t->base;
        if (m)
            return q + __builtin_ctzll(m);
        q += 64;
    }
#endif
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    const uint64_t dmask = ones * t->delim, nmask = ones * '\n', cmask = ones * '\r';
    while (end - q >= 8) {
        uint64_t w, x, y, z, hit;
        memcpy(&w, q, 8);
        x = w ^ dmask;
        y = w ^ nmask;
        z = w ^ cmask;
        hit = (((x - ones) & ~x) | ((y - ones) & ~y) | ((z - ones) & ~z) | ((w - ones) & ~w)) &
              highs;
        if (hit)
            return q + (__builtin_ctzll(hit) >> 3);
        q += 8;
    }
#endif
    while (q < end && !t->stop[(unsigned char)*q])
        q++;
    return q;
}

/* seg_csv_tok_field_any() with its common case inline (each reader calls it
 * once a field): an unquoted field, no leading blank, ended by the
 * delimiter or an LF within the limits. Anything else takes the full path,
 * which starts over from the same position. */
static inline int seg_csv_tok_field(seg_csv_tok *t, size_t field, seg_csv_field *f)
{
    const char *b = t->buf, *s = b + t->pos, *end = b + t->end, *q, *e;
    if (SEG_LIKELY(s < end && !t->lead[(unsigned char)*s])) {
        q = seg_csv_scan_unquoted(t, s, end);
        size_t at = (size_t)(q - b);
        if (SEG_LIKELY(q < end && ((unsigned char)*q == t->delim || *q == '\n') &&
                       at - t->pos <= t->max_field && at - t->rec_pos <= t->max_record)) {
            for (e = q; e > s && (e[-1] == ' ' || e[-1] == '\t'); e--)
                ;
            f->p = s;
            f->len = (size_t)(e - s);
            f->line = t->line;
            f->escaped = false;
            t->pos = at + 1;
            if (*q != '\n')
                return 0;
            t->line++;
            return 1;
        }
    }
    return seg_csv_tok_field_any(t, field, f);
}

/* Undo "" pairs of an escaped field into dst (room for len bytes); its length. */
size_t seg_csv_unescape(char *dst, const char *p, size_t len);

#endif /* SEG_CSV_SHARED_H */
