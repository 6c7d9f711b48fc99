/*
 * Identifier-like columns: a column whose values name rows rather than
 * describe customers (a row number, a customer number, a text id). Such a
 * column, left among the features, drives the segments ("high Recnum") and
 * stores ids in the model; seg_dataset_column_identifier() recognises one by
 * its content alone, so that a caller can set it aside before the fit.
 */
#include "data/data.h"

#include <stdlib.h>
#include <string.h>

/* Fewer rows than this prove nothing: the scaler's refusal of identifiers
 * uses the same bound (documented in seg.h). */
#define IDENTIFIER_MIN_ROWS 20
/* Text whose distinct values are at least this share of its values. */
#define TEXT_DISTINCT_SHARE 0.9

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Whole numbers that a double holds exactly. */
static bool is_whole(double v)
{
    return v == floor(v) && fabs(v) <= 9007199254740992.0;
}

static seg_identifier_kind numeric_kind(const seg_column *c, size_t n)
{
    bool up = true, down = true, step = true;
    for (size_t i = 0; i < n; i++) {
        double v = seg_column_value(c, i);
        if (!is_whole(v)) /* also NaN: a missing value */
            return SEG_IDENTIFIER_NONE;
        if (i == 0)
            continue;
        double p = seg_column_value(c, i - 1);
        up = up && v > p;
        down = down && v < p;
        step = step && fabs(v - p) == 1.0;
    }
    if (up || down)
        return step ? SEG_IDENTIFIER_ROW_NUMBER : SEG_IDENTIFIER_INCREASING;
    /* Row numbers in another order: n distinct whole numbers spanning n. */
    double *v = seg_malloc_array(n, sizeof *v);
    if (!v)
        return SEG_IDENTIFIER_NONE; /* an answer of "not sure" is safe */
    for (size_t i = 0; i < n; i++)
        v[i] = seg_column_value(c, i);
    qsort(v, n, sizeof *v, cmp_double);
    bool consecutive = v[n - 1] - v[0] == (double)(n - 1);
    for (size_t i = 1; i < n && consecutive; i++)
        consecutive = v[i] != v[i - 1];
    seg_free(v);
    return consecutive ? SEG_IDENTIFIER_ROW_NUMBER : SEG_IDENTIFIER_NONE;
}

static seg_identifier_kind text_kind(const seg_column *c, size_t n)
{
    /* Levels are the distinct values present (the readers list each once). */
    size_t present = n - c->n_missing;
    if (present < IDENTIFIER_MIN_ROWS)
        return SEG_IDENTIFIER_NONE;
    return (double)c->n_levels >= TEXT_DISTINCT_SHARE * (double)present ? SEG_IDENTIFIER_TEXT
                                                                         : SEG_IDENTIFIER_NONE;
}

seg_identifier_kind seg_dataset_column_identifier(const seg_dataset *ds, size_t j)
{
    if (!ds || j >= ds->n_cols || ds->n_rows < IDENTIFIER_MIN_ROWS)
        return SEG_IDENTIFIER_NONE;
    const seg_column *c = &ds->cols[j];
    if (c->type == SEG_COLUMN_CATEGORICAL)
        return text_kind(c, ds->n_rows);
    return c->n_missing ? SEG_IDENTIFIER_NONE : numeric_kind(c, ds->n_rows);
}
