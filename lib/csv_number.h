/*
 * The CSV reader's number parser, shared with the transaction reader of
 * rfm.c so that both accept exactly the same numbers. Not installed.
 */
#ifndef SEG_CSV_NUMBER_H
#define SEG_CSV_NUMBER_H

#include "internal.h"

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

#endif /* SEG_CSV_NUMBER_H */
