/*
 * The dataset object (dataset.c) and its columns, shared by the readers of
 * lib/data (CSV, .npy, arrays) and read by every later stage. Not installed.
 */
#ifndef SEG_DATA_H
#define SEG_DATA_H

#include "core/core.h"

/* ---- dataset (dataset.c) -------------------------------------------------- */

typedef struct seg_column {
    char *name;
    seg_column_type type; /* SEG_COLUMN_NUMERIC or SEG_COLUMN_CATEGORICAL */
    size_t n_missing;

    /* Numeric: value of row i is num_f32 ? ((const float *)num)[i * stride]
     * : ((const double *)num)[i * stride]; missing is NaN (doubles only: float
     * storage comes from arrays/.npy, which never hold missing values).
     * num points either into num_owned or into the dataset's dense block. */
    const void *num;
    size_t stride;
    bool num_f32;
    double *num_owned;

    /* Categorical: codes[i] in 0 .. n_levels-1, or -1 when missing. Levels
     * are NUL-terminated, in order of first appearance. */
    int32_t *codes;
    char **levels;
    size_t n_levels;

    /* 1-based field of the CSV records the column was read from, kept
     * through select, drop and the id and weight columns; 0 when the
     * column does not come from a CSV file. */
    size_t field;
} seg_column;

struct seg_dataset {
    size_t n_rows;
    size_t n_cols;
    seg_column *cols;

    /* Row-major dense block of n_rows x dense_cols values shared by numeric
     * columns of datasets built from arrays or .npy (NULL otherwise). Always
     * allocated and owned by the dataset, never a mapping of a file. */
    void *dense;
    size_t dense_cols;
    bool dense_f32;

    /* Id column (text per row, NULL entries for missing) or NULL. */
    char **ids;
    char *id_name;

    /* Row weights or NULL. */
    double *weights;
    char *weight_name;

    /* Described columns: moved aside from the features, in the order they
     * were set; profiled per segment, never scaled or clustered. */
    seg_column *described;
    size_t n_described;
    /* Where the rows came from, for messages: the CSV file's name and the
     * physical line each row starts on, or NULL (arrays, .npy). */
    char *source;
    size_t *row_line;
};

static inline double seg_column_value(const seg_column *c, size_t i)
{
    return c->num_f32 ? (double)((const float *)c->num)[i * c->stride]
                      : ((const double *)c->num)[i * c->stride];
}

/* Where row (0-based) of c, one of ds's columns, is, as messages name it:
 * "FILE:LINE:FIELD" for rows read from a CSV file, else "row R, column C"
 * (1-based). Written into buf (len bytes) and returned. */
const char *seg_dataset_where(const seg_dataset *ds, size_t row, const seg_column *c, char *buf,
                              size_t len);

/* Release what a column owns (not the dense block). */
void seg_column_clear(seg_column *c);

/* An empty dataset with room for n_cols columns (all zeroed). */
int seg_dataset_alloc(seg_dataset **out, size_t n_rows, size_t n_cols);

/* The dense block of an all-numeric dataset whose every column is a plain
 * view of it in order (so it can be used as a matrix without a copy), or NULL. */
const void *seg_dataset_dense_view(const seg_dataset *ds, bool *is_f32);

#endif /* SEG_DATA_H */
