/*
 * Private layout of seg_csv_options, shared by csv_options.c (which creates
 * and changes it) and csv.c (which reads it). Not installed.
 */
#ifndef SEG_CSV_OPTIONS_H
#define SEG_CSV_OPTIONS_H

#include "core/core.h"
#include "core/params.h"

/* A type given to a column by name (seg_csv_options_set_column_type). */
typedef struct csv_forced {
    char *name;
    seg_column_type type;
} csv_forced;

struct seg_csv_options {
    int64_t delimiter;       /* 0: detect from the first record */
    int64_t header;          /* 0 or 1 */
    int64_t default_missing; /* 0 or 1: "NA", "NaN" and "null" are missing */
    int64_t max_field;
    int64_t max_columns;
    char **missing; /* extra missing-value tokens, owned */
    size_t n_missing;
    csv_forced *forced; /* owned, names unique, no SEG_COLUMN_AUTO */
    size_t n_forced;
};

/* The settings of a fresh seg_csv_options, used when the caller passes none. */
extern const seg_csv_options seg_csv_defaults;

/* The check of a delimiter setting beyond its range 0 .. 255 (a seg_param_check;
 * the RFM reader's delimiter shares it): not '"', CR or LF. */
int seg_csv_delimiter_check(void *obj, seg_param_value v, const char **why);

#endif /* SEG_CSV_OPTIONS_H */
