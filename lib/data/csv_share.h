/*
 * A share of a CSV file: the reader of csv.c run on one byte range of the
 * file (the header's text, then whole records), for readers that split a
 * file among processes (libseg-mpi). Not installed; csv_share.c gives it
 * its public entry points.
 */
#ifndef SEG_CSV_SHARE_H
#define SEG_CSV_SHARE_H

#include "core/core.h"

typedef struct csv_share {
    /* The records start at text[header_len] on physical line first_line of
     * the file (0: the text is the file's start, lines counted from 1). */
    size_t header_len;
    uint64_t first_line;
    bool first;    /* holds the file's first data record (the one-column check) */
    size_t n_cols; /* the expected width, or 0 */
    /* head_only: stop after the header and the first data record:
     * head[0] the header's end, head[1] the line there, head[2] the end of the
     * first data record (head[0] when there is none). */
    bool head_only;
    size_t *head;
    size_t *n_cols_out; /* the header's width, or NULL */
    /* Scan mode (stats != NULL): no dataset; per column SEG_CSV_SHARE_STATS
     * counts (see seg.h) and the number of records into *n_rows. */
    int64_t *stats;
    size_t *n_rows;
    /* Read mode: every column's type, and the levels of each column interned
     * first, in this order (n_levels[j] of them, all columns' lists one
     * after the other), or NULL. */
    const seg_column_type *types;
    const char *const *levels;
    const size_t *n_levels;
} csv_share;

/* The whole-text reader of csv.c with a share's settings (sh NULL: a whole
 * file). Returns 1 after a head_only read. */
int seg_csv_read_share(seg_dataset **out, const char *buf, size_t size, const char *name,
                       const seg_csv_options *o, const csv_share *sh);

#endif /* SEG_CSV_SHARE_H */
