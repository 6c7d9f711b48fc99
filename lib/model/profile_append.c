/*
 * A model's profiles given column by column from statistics computed
 * elsewhere (libseg-mpi computes them over MPI ranks, none of which holds
 * all the rows): each call appends one profiled column, then the derived
 * parts (standardised differences, ranking, labels) are made again by
 * seg_profile_finish(), as after seg_profile_compute() or a model file's
 * PROF section, so equal statistics give equal profiles and labels.
 */
#include "model/model.h"
#include "model/profile.h"

#include <math.h>
#include <string.h>

/* A new column called name at the end of m's profiles (made when m has
 * none); *out points to it, its name set. On failure nothing changes. */
static int new_column(seg_model *m, const char *name, pcol **out)
{
    seg_profile *p = m->profile;
    for (size_t c = 0; p && c < p->n_cols; c++)
        if (strcmp(p->cols[c].name, name) == 0)
            return seg_fail(SEG_ERR_INVALID_ARG, "the profiles have a column '%s' already", name);
    char *copy = seg_strdup(name);
    if (!copy)
        return SEG_NOMEM();
    if (!p) {
        if (!(p = seg_calloc(1, sizeof *p))) {
            seg_free(copy);
            return SEG_NOMEM();
        }
        p->k = m->k;
        m->profile = p;
    }
    pcol *cols = seg_calloc(p->n_cols + 1, sizeof *cols);
    if (!cols) {
        seg_free(copy);
        return SEG_NOMEM();
    }
    if (p->n_cols)
        memcpy(cols, p->cols, p->n_cols * sizeof *cols);
    seg_free(p->cols);
    p->cols = cols;
    cols[p->n_cols].name = copy;
    *out = &cols[p->n_cols];
    return SEG_OK;
}

/* Copy k + 1 values into a new array at *dst. */
static bool copy_values(double **dst, const double *src, size_t count)
{
    if (!(*dst = seg_malloc_array(count ? count : 1, sizeof **dst)))
        return false;
    memcpy(*dst, src, count * sizeof **dst);
    return true;
}

/* The column just made complete: counted in, and the profile finished. */
static int commit(seg_model *m, bool ok)
{
    seg_profile *p = m->profile;
    pcol *c = &p->cols[p->n_cols];
    if (!ok) {
        seg_free(c->name);
        seg_free(c->mean);
        seg_free(c->median);
        seg_free(c->sd);
        seg_free(c->missing);
        for (size_t l = 0; c->levels && l < c->n_levels; l++)
            seg_free(c->levels[l]);
        seg_free(c->levels);
        seg_free(c->share);
        memset(c, 0, sizeof *c);
        return SEG_NOMEM();
    }
    p->n_cols++;
    /* a threshold set before (seg_model_set_min_profile_size) withholds the
     * new column's small segments too */
    int rc = p->min_size ? seg_profile_withhold(p, m->sizes, m->n_rows, p->min_size) : SEG_OK;
    return rc < 0 ? rc : seg_profile_finish(p);
}

int seg_model_add_profile_numeric(seg_model *m, const char *column, const double *mean,
                                  const double *median, const double *sd, const double *missing)
{
    SEG_ALLOC_SCOPE(m);
    if (!m || !column || !mean || !median || !sd || !missing)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_model_add_profile_numeric: NULL argument");
    const size_t n = m->k + 1;
    for (size_t j = 0; j < n; j++)
        if (!(missing[j] >= 0 && missing[j] <= 1))
            return seg_fail(SEG_ERR_INVALID_ARG,
                            "column '%s': missing share %g of segment %zu "
                            "is not within 0 to 1",
                            column, missing[j], j);
    pcol *c = NULL;
    int rc = new_column(m, column, &c);
    if (rc < 0)
        return rc;
    return commit(m, copy_values(&c->mean, mean, n) && copy_values(&c->median, median, n) &&
                         copy_values(&c->sd, sd, n) && copy_values(&c->missing, missing, n));
}

int seg_model_set_min_profile_size(seg_model *m, size_t min_size)
{
    SEG_ALLOC_SCOPE(m);
    if (!m || min_size == 0 || (uint64_t)min_size > UINT64_C(1000000000000))
        return seg_fail(SEG_ERR_INVALID_ARG,
                        "seg_model_set_min_profile_size: NULL model or a size out of 1 .. 10^12");
    seg_profile *p = m->profile;
    if (p && p->min_size)
        return seg_fail(SEG_ERR_STATE, "the model withholds profiles under %zu rows already",
                        p->min_size);
    bool made = false;
    if (!p) { /* an empty profile: its columns come later */
        if (!(p = seg_calloc(1, sizeof *p)))
            return SEG_NOMEM();
        p->k = m->k;
        made = true;
    }
    int rc = seg_profile_withhold(p, m->sizes, m->n_rows, min_size);
    if (rc == SEG_OK)
        rc = seg_profile_finish(p);
    if (rc < 0) {
        if (made)
            seg_profile_free(p);
        else /* leave no half-made threshold */
            seg_profile_withhold(p, m->sizes, m->n_rows, 0);
        return rc;
    }
    m->profile = p;
    return SEG_OK;
}

int seg_model_add_profile_levels(seg_model *m, const char *column, const char *const *levels,
                                 size_t n_levels, const double *share)
{
    SEG_ALLOC_SCOPE(m);
    if (!m || !column || (n_levels && (!levels || !share)))
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_model_add_profile_levels: NULL argument");
    size_t cells;
    if (!seg_mul_ok(m->k + 1, n_levels, &cells))
        return seg_fail(SEG_ERR_OVERFLOW, "column '%s': %zu levels overflow", column, n_levels);
    for (size_t l = 0; l < n_levels; l++)
        if (!levels[l])
            return seg_fail(SEG_ERR_INVALID_ARG, "column '%s': level %zu is NULL", column, l);
    for (size_t e = 0; e < cells; e++)
        if (!(share[e] >= 0 && share[e] <= 1))
            return seg_fail(SEG_ERR_INVALID_ARG, "column '%s': share %g is not within 0 to 1",
                            column, share[e]);
    pcol *c = NULL;
    int rc = new_column(m, column, &c);
    if (rc < 0)
        return rc;
    c->categorical = true;
    bool ok = (c->levels = seg_calloc(n_levels ? n_levels : 1, sizeof *c->levels)) != NULL;
    for (size_t l = 0; ok && l < n_levels; l++, c->n_levels++)
        ok = (c->levels[l] = seg_strdup(levels[l])) != NULL;
    return commit(m, ok && copy_values(&c->share, share, cells));
}

int seg_model_set_profile_described(seg_model *m, const char *column)
{
    SEG_ALLOC_SCOPE(m);
    if (!m || !column)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_model_set_profile_described: NULL argument");
    seg_profile *p = m->profile;
    for (size_t c = 0; p && c < p->n_cols; c++)
        if (strcmp(p->cols[c].name, column) == 0) {
            p->cols[c].described = true;
            return seg_profile_finish(p);
        }
    return seg_fail(SEG_ERR_NOT_FOUND, "no profiled column named '%s'", column);
}
