/*
 * Chunked RFC 4180 record reader: reads a CSV file a chunk at a time and
 * hands out one record at a time, so memory stays at the chunk size (or the
 * longest record) whatever the file size. Used where a file is consumed
 * once, row by row (the transaction logs of rfm.c); csv.c keeps its
 * two-pass reader for datasets. Numbers are parsed by csv.c's parser
 * (csv_shared.h).
 *
 * Syntax: fields separated by the delimiter, records by LF or CRLF; a field
 * may be quoted ("..."), holding delimiters, line breaks and "" for a quote;
 * blanks around an unquoted field and around a quoted one are dropped; blank
 * lines are skipped. Errors name the file, the physical line and the field.
 */
#ifndef SEG_CSV_STREAM_H
#define SEG_CSV_STREAM_H

#include "core/core.h"

#include <stdio.h>

typedef struct csv_span {
    const char *p;
    size_t len;
} csv_span;

typedef struct csv_stream {
    FILE *f;
    char *name;
    char *buf;
    size_t cap, start, end; /* unread bytes are buf[start .. end) */
    bool eof;
    unsigned char delim;
    bool stop[256];     /* bytes that end an unquoted field */
    size_t line;        /* physical line of buf[start] */
    size_t record_line; /* line where the current record starts */
    csv_span *field;    /* the current record's fields, valid until the next call */
    size_t n_field, cap_field;
    bool *escaped; /* per field: quoted and holds "" */
} csv_stream;

/* Open path for reading; delim 0 detects ',', ';' or tab from the first line
 * (seg_csv_detect_delimiter). SEG_ERR_IO, SEG_ERR_NOMEM. */
int csv_stream_open(csv_stream *s, const char *path, unsigned char delim);

/* Next record into s->field[0 .. s->n_field): 1, or 0 at the end of the file,
 * or SEG_ERR_PARSE / SEG_ERR_LIMIT (a record over 64 MiB) / SEG_ERR_IO /
 * SEG_ERR_NOMEM with the detail set. */
int csv_stream_next(csv_stream *s);

/* Close the file and free the buffers. Accepts a zeroed or closed stream. */
void csv_stream_close(csv_stream *s);

#endif /* SEG_CSV_STREAM_H */
