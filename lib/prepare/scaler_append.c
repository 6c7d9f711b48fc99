/*
 * A scaler fitted column by column from statistics agreed elsewhere
 * (libseg-mpi agrees a CSV's level counts and numeric statistics over MPI
 * ranks, none of which holds all the rows). Each call appends one fitted
 * column, made by the same finishing steps seg_scaler_fit() runs on the
 * whole column (seg_scol_levels_finish, the numeric center and scale as
 * given), so the scaler is the serial one when the statistics are.
 */
#include "prepare/scaler.h"

#include <math.h>
#include <string.h>

/* sc's fitted columns and one more, newcol (taken over whatever happens),
 * installed as sc's fit. */
static int append(seg_scaler *sc, scol *newcol)
{
    const scaler_fit *f = seg_scaler_fitted_state(sc);
    const size_t n = f ? f->n_cols : 0;
    scol *cols = seg_calloc(n + 1, sizeof *cols);
    int rc = cols ? SEG_OK : SEG_NOMEM();
    for (size_t j = 0; rc == SEG_OK && j < n; j++)
        rc = seg_scol_copy(&cols[j], &f->cols[j]);
    if (rc < 0) {
        seg_scol_array_free(cols, n + 1);
        seg_scol_array_free(newcol, 1);
        return rc;
    }
    cols[n] = *newcol;
    seg_free(newcol); /* its contents now belong to cols[n] */
    return seg_scaler_install(sc, cols, n + 1);
}

/* A new column called name, after checking it is not one of sc's. */
static int new_column(seg_scaler *sc, const char *name, scol **out)
{
    const scaler_fit *f = seg_scaler_fitted_state(sc);
    for (size_t j = 0; f && j < f->n_cols; j++)
        if (strcmp(f->cols[j].name, name) == 0)
            return seg_fail(SEG_ERR_INVALID_ARG, "the scaler has a column '%s' already", name);
    scol *s = seg_calloc(1, sizeof *s);
    if (!s || !(s->name = seg_strdup(name))) {
        seg_free(s);
        return SEG_NOMEM();
    }
    *out = s;
    return SEG_OK;
}

int seg_scaler_append_numeric(seg_scaler *sc, const char *column, double center, double scale,
                              double median)
{
    SEG_ALLOC_SCOPE(sc);
    if (!sc || !column)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_scaler_append_numeric: NULL argument");
    if (!isfinite(center) || !isfinite(scale) || scale == 0.0 || !isfinite(median))
        return seg_fail(SEG_ERR_INVALID_ARG,
                        "column '%s': center %g, scale %g, median %g (finite, scale not 0)",
                        column, center, scale, median);
    scol *s = NULL;
    int rc = new_column(sc, column, &s);
    if (rc < 0)
        return rc;
    s->kind = SCOL_NUMERIC;
    s->n_out = 1;
    seg_scaler_column_plan(sc, column, &s->method, &s->log1p);
    s->center = center;
    s->scale = scale;
    s->median = median;
    return append(sc, s);
}

int seg_scaler_append_levels(seg_scaler *sc, const char *column, const char *const *levels,
                             const uint64_t *counts, size_t n_levels, uint64_t n_missing,
                             uint64_t n_rows)
{
    SEG_ALLOC_SCOPE(sc);
    if (!sc || !column || (n_levels && (!levels || !counts)))
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_scaler_append_levels: NULL argument");
    uint64_t total = n_missing;
    for (size_t l = 0; l < n_levels; l++) {
        if (!levels[l] || counts[l] == 0 || counts[l] > n_rows - total)
            return seg_fail(SEG_ERR_INVALID_ARG,
                            "column '%s': level %zu is NULL, not seen, or the counts exceed the "
                            "%llu rows",
                            column, l, (unsigned long long)n_rows);
        total += counts[l];
    }
    if (total != n_rows || n_rows > SIZE_MAX)
        return seg_fail(SEG_ERR_INVALID_ARG,
                        "column '%s': the counts add up to %llu rows, not %llu", column,
                        (unsigned long long)total, (unsigned long long)n_rows);
    if (n_levels == SIZE_MAX)
        return seg_fail(SEG_ERR_OVERFLOW, "column '%s': too many levels", column);
    scol *s = NULL;
    int rc = new_column(sc, column, &s);
    if (rc < 0)
        return rc;
    level_count *tab = seg_malloc_array(n_levels + 1, sizeof *tab);
    if (!tab) {
        seg_scol_array_free(s, 1);
        return SEG_NOMEM();
    }
    for (size_t l = 0; l < n_levels; l++)
        tab[l] = (level_count){levels[l], (size_t)counts[l]};
    rc = seg_scol_levels_finish(sc, column, tab, n_levels, (size_t)n_missing, (size_t)n_rows,
                                false, s);
    seg_free(tab);
    if (rc < 0) {
        seg_scol_array_free(s, 1);
        return rc;
    }
    return append(sc, s);
}
