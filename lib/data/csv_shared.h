/*
 * Pieces of the CSV reader (csv.c) shared with the chunked record reader
 * (csv_stream.c) so that both accept exactly the same numbers and pick the
 * same delimiter. Not installed.
 */
#ifndef SEG_CSV_SHARED_H
#define SEG_CSV_SHARED_H

#include "core/core.h"

#include <locale.h>

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
 * when none occurs.
 */
unsigned char seg_csv_detect_delimiter(const char *b, size_t pos, size_t size);

#endif /* SEG_CSV_SHARED_H */
