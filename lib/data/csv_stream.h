/*
 * Chunked CSV record reader: reads a CSV file a chunk at a time and hands
 * out one record at a time, so memory stays at the chunk size (or the
 * longest record, at most the record limit) whatever the file size. Used
 * where a file is consumed row by row (the chunked dataset reader
 * csv_chunk.c, the transaction logs of rfm.c).
 *
 * Syntax, numbers and delimiter guess are those of csv.c: both use the
 * tokenizer and parser of csv_shared.h, so both give the same verdict, error
 * position and values on the same bytes. Errors name the file, the physical
 * line and the field. A plain record (no CR or NUL, no field starting with a
 * quote or blank) is split whole from 16-byte masks (csv_stream.c
 * plain_record), with the fields the tokenizer would give; any other takes
 * the tokenizer.
 */
#ifndef SEG_CSV_STREAM_H
#define SEG_CSV_STREAM_H

#include "core/core.h"
#include "data/csv_shared.h"

#include <stdio.h>

typedef struct csv_span {
    const char *p;
    size_t len;
    size_t line; /* physical line where the field starts */
} csv_span;

typedef struct csv_stream {
    FILE *f;
    char *name;
    char *buf;
    size_t cap, end; /* buf[0 .. end) read so far, the tokenizer's window */
    uint64_t base;   /* offset of buf[0] in the file */
    seg_csv_tok t;
    size_t record_line; /* line where the current record starts */
    size_t line;        /* line after the last record read */
    csv_span *field;    /* the current record's fields, valid until the next call */
    size_t n_field;     /* fields held: at most max_fields */
    size_t width;       /* fields the record has */
    size_t cap_field;
    bool *escaped; /* per field: quoted and holds "" */
    bool plain;    /* the current record was read whole by the plain path: nothing escaped */
    /* At most max_fields fields of a record are held; with refuse_wider a
     * wider record is an error (SEG_ERR_LIMIT, SEG_CSV_MAX_COLUMNS), without
     * it the rest are only counted (width). Open sets 10,000 and refuse. */
    size_t max_fields;
    bool refuse_wider;
} csv_stream;

/* Open path for reading; delim 0 detects ',', ';' or tab from the first line
 * (seg_csv_detect_delimiter); max_field as SEG_CSV_MAX_FIELD. The path must
 * be a regular file or a pipe read once. SEG_ERR_IO, SEG_ERR_NOMEM,
 * SEG_ERR_LIMIT, SEG_ERR_PARSE. */
int seg_csv_stream_open(csv_stream *s, const char *path, unsigned char delim, size_t max_field);

/* The same with the first read of window bytes (CSV_STREAM_WINDOW by
 * default): tests use tiny windows so records straddle every refill. */
#define CSV_STREAM_WINDOW ((size_t)1 << 20)
int seg_csv_stream_open_window(csv_stream *s, const char *path, unsigned char delim,
                               size_t max_field, size_t window);

/* seg_csv_chunker_open() whose record streams start with a window of that
 * many bytes (see seg_csv_stream_open_window), for tests. */
int seg_csv_chunker_open_window(seg_csv_chunker **out, const char *path,
                                const seg_csv_options *opts, size_t window);

/* Open path at byte offset (a record start, or blank lines before one)
 * with the delimiter known and lines counted from line: a part of a file
 * read on its own (rfm.c). No byte order mark is looked for. */
int seg_csv_stream_open_at(csv_stream *s, const char *path, unsigned char delim,
                           size_t max_field, uint64_t offset, size_t line);

/* Step over blank lines to the next record without reading it: 1 with the
 * offset in the file and the line where it starts, 0 at the end, or an
 * error. seg_csv_stream_next() then reads that record. */
int seg_csv_stream_peek(csv_stream *s, uint64_t *offset, size_t *line);

/* Next record into s->field[0 .. s->n_field): 1, or 0 at the end of the file,
 * or SEG_ERR_PARSE / SEG_ERR_LIMIT / SEG_ERR_IO / SEG_ERR_NOMEM with the
 * detail set. */
int seg_csv_stream_next(csv_stream *s);

/* Close the file and free the buffers. Accepts a zeroed or closed stream. */
void seg_csv_stream_close(csv_stream *s);

#endif /* SEG_CSV_STREAM_H */
