/*
 * Dataset: a table of named numeric and categorical columns, with an optional
 * id column and row weights kept aside. Readers (csv.c, npy.c) and the array
 * constructors here all produce this one representation.
 */
#include "data/data.h"
#include "core/strtab.h"

#include <stdio.h>
#include <string.h>

void seg_column_clear(seg_column *c)
{
    if (!c)
        return;
    seg_free(c->name);
    seg_free(c->num_owned);
    seg_free(c->codes);
    if (c->levels) {
        for (size_t i = 0; i < c->n_levels; i++)
            seg_free(c->levels[i]);
        seg_free(c->levels);
    }
    memset(c, 0, sizeof *c);
}

int seg_dataset_alloc(seg_dataset **out, size_t n_rows, size_t n_cols)
{
    seg_dataset *ds = seg_calloc(1, sizeof *ds);
    if (!ds)
        return SEG_NOMEM();
    if (n_cols) {
        ds->cols = seg_calloc(n_cols, sizeof *ds->cols);
        if (!ds->cols) {
            seg_free(ds);
            return SEG_NOMEM();
        }
    }
    ds->n_rows = n_rows;
    ds->n_cols = n_cols;
    *out = ds;
    return SEG_OK;
}

static void free_ids(char **ids, size_t n)
{
    if (!ids)
        return;
    for (size_t i = 0; i < n; i++)
        seg_free(ids[i]);
    seg_free(ids);
}

void seg_dataset_free(seg_dataset *ds)
{
    if (!ds)
        return;
    for (size_t j = 0; j < ds->n_cols; j++)
        seg_column_clear(&ds->cols[j]);
    seg_free(ds->cols);
    seg_free(ds->dense);
    free_ids(ds->ids, ds->n_rows);
    seg_free(ds->id_name);
    seg_free(ds->weights);
    seg_free(ds->weight_name);
    for (size_t j = 0; j < ds->n_described; j++)
        seg_column_clear(&ds->described[j]);
    seg_free(ds->described);
    seg_free(ds->source);
    seg_free(ds->row_line);
    seg_free(ds);
}

size_t seg_dataset_row_line(const seg_dataset *ds, size_t row)
{
    return ds && ds->row_line && row < ds->n_rows ? ds->row_line[row] : 0;
}

const char *seg_dataset_where(const seg_dataset *ds, size_t row, const seg_column *c, char *buf,
                              size_t len)
{
    if (ds->source && ds->row_line && c->field)
        snprintf(buf, len, "%.300s:%zu:%zu", ds->source, ds->row_line[row], c->field);
    else
        snprintf(buf, len, "row %zu, column %zu", row + 1, (size_t)(c - ds->cols) + 1);
    return buf;
}

/* Column names must be unique: a name identifies a column everywhere. One
 * pass through a hash table, so wide arrays cost O(d), not O(d^2). Of several
 * repeated names, the one reported is the first to appear, with its first
 * repeat: columns a < b with the smallest a, then the smallest b. */
static int check_unique_names(const char *const *names, size_t d)
{
    seg_strtab seen;
    size_t *first = seg_malloc_array(d, sizeof *first); /* string index -> column */
    size_t a = SIZE_MAX, b = 0, index;
    int rc = SEG_OK;
    seg_strtab_init(&seen);
    if (!first)
        return SEG_NOMEM();
    for (size_t j = 0; j < d; j++) {
        if ((rc = seg_strtab_intern(&seen, names[j], strlen(names[j]), &index)) < 0)
            goto done;
        if (rc == 1) {
            first[index] = j;
        } else if (first[index] < a) {
            a = first[index];
            b = j;
        }
    }
    rc = a == SIZE_MAX ? SEG_OK
                       : seg_fail(SEG_ERR_LIMIT, "duplicate column name '%s' (columns %zu and %zu)",
                                  names[a], a + 1, b + 1);
done:
    seg_strtab_free(&seen);
    seg_free(first);
    return rc;
}

static int from_array(seg_dataset **out, const void *x, bool f32, size_t n, size_t d,
                      const char *const *names)
{
    size_t count, bytes;
    seg_dataset *ds = NULL;
    int rc;

    if (!out)
        return seg_fail(SEG_ERR_INVALID_ARG, "out is NULL");
    *out = NULL;
    if (!x)
        return seg_fail(SEG_ERR_INVALID_ARG, "data is NULL");
    if (n == 0 || d == 0)
        return seg_fail(SEG_ERR_EMPTY, "array has %zu rows and %zu columns", n, d);
    if (!seg_mul_ok(n, d, &count) || !seg_mul_ok(count, f32 ? 4 : 8, &bytes))
        return seg_fail(SEG_ERR_OVERFLOW, "%zu x %zu values overflow the address space", n, d);
    if (names) {
        for (size_t j = 0; j < d; j++)
            if (!names[j])
                return seg_fail(SEG_ERR_INVALID_ARG, "column name %zu is NULL", j);
        if ((rc = check_unique_names(names, d)) < 0)
            return rc;
    }
    for (size_t i = 0; i < count; i++) {
        double v = f32 ? (double)((const float *)x)[i] : ((const double *)x)[i];
        if (!isfinite(v))
            return seg_fail(SEG_ERR_NONFINITE, "row %zu, column %zu: value is not finite",
                            i / d + 1, i % d + 1);
    }
    if ((rc = seg_dataset_alloc(&ds, n, d)) < 0)
        return rc;
    ds->dense = seg_malloc(bytes);
    if (!ds->dense)
        goto nomem;
    memcpy(ds->dense, x, bytes);
    ds->dense_cols = d;
    ds->dense_f32 = f32;
    for (size_t j = 0; j < d; j++) {
        seg_column *c = &ds->cols[j];
        char buf[32];
        if (!names)
            snprintf(buf, sizeof buf, "x%zu", j);
        c->name = seg_strdup(names ? names[j] : buf);
        if (!c->name)
            goto nomem;
        c->type = SEG_COLUMN_NUMERIC;
        c->num = f32 ? (const void *)((const float *)ds->dense + j)
                     : (const void *)((const double *)ds->dense + j);
        c->stride = d;
        c->num_f32 = f32;
    }
    *out = ds;
    return SEG_OK;
nomem:
    seg_dataset_free(ds);
    return SEG_NOMEM();
}

int seg_dataset_from_f32(seg_dataset **out, const float *x, size_t n, size_t d,
                         const char *const *names)
{
    return from_array(out, x, true, n, d, names);
}

int seg_dataset_from_f64(seg_dataset **out, const double *x, size_t n, size_t d,
                         const char *const *names)
{
    return from_array(out, x, false, n, d, names);
}

size_t seg_dataset_rows(const seg_dataset *ds)
{
    return ds ? ds->n_rows : 0;
}

size_t seg_dataset_columns(const seg_dataset *ds)
{
    return ds ? ds->n_cols : 0;
}

static const seg_column *column_at(const seg_dataset *ds, size_t j)
{
    return ds && j < ds->n_cols ? &ds->cols[j] : NULL;
}

const char *seg_dataset_column_name(const seg_dataset *ds, size_t j)
{
    const seg_column *c = column_at(ds, j);
    return c ? c->name : NULL;
}

seg_column_type seg_dataset_column_type(const seg_dataset *ds, size_t j)
{
    const seg_column *c = column_at(ds, j);
    return c ? c->type : SEG_COLUMN_AUTO;
}

size_t seg_dataset_column_missing(const seg_dataset *ds, size_t j)
{
    const seg_column *c = column_at(ds, j);
    return c ? c->n_missing : 0;
}

size_t seg_dataset_column_levels(const seg_dataset *ds, size_t j)
{
    const seg_column *c = column_at(ds, j);
    return c && c->type == SEG_COLUMN_CATEGORICAL ? c->n_levels : 0;
}

const char *seg_dataset_column_level(const seg_dataset *ds, size_t j, size_t level)
{
    const seg_column *c = column_at(ds, j);
    return c && c->type == SEG_COLUMN_CATEGORICAL && level < c->n_levels ? c->levels[level]
                                                                          : NULL;
}

/* Index of a column by name, or SIZE_MAX. */
static size_t find_column(const seg_dataset *ds, const char *name)
{
    for (size_t j = 0; j < ds->n_cols; j++)
        if (strcmp(ds->cols[j].name, name) == 0)
            return j;
    return SIZE_MAX;
}

static const char *column_name_at(const void *ds, size_t j)
{
    return ((const seg_dataset *)ds)->cols[j].name;
}

/* SEG_ERR_NOT_FOUND for a name that is no column, with the closest names
 * (or a hint that the delimiter is wrong); role says what it was asked for. */
static int no_column(const seg_dataset *ds, const char *name, const char *role)
{
    char hint[320];
    return seg_fail(SEG_ERR_NOT_FOUND, "no column named '%.100s'%s%s", name, role,
                    seg_name_hint(name, column_name_at, ds, ds->n_cols, 0, hint, sizeof hint));
}

int seg_dataset_column_index(const seg_dataset *ds, const char *name, size_t *index)
{
    if (!ds || !name || !index)
        return seg_fail(SEG_ERR_INVALID_ARG, "NULL argument");
    size_t j = find_column(ds, name);
    if (j == SIZE_MAX)
        return no_column(ds, name, "");
    *index = j;
    return SEG_OK;
}

int seg_dataset_get_f64(const seg_dataset *ds, size_t row, size_t j, double *value)
{
    const seg_column *c = column_at(ds, j);
    if (!c || !value || row >= ds->n_rows)
        return seg_fail(SEG_ERR_INVALID_ARG, "row %zu, column %zu out of range", row, j);
    if (c->type != SEG_COLUMN_NUMERIC)
        return seg_fail(SEG_ERR_TYPE, "column '%s' is categorical", c->name);
    *value = seg_column_value(c, row);
    return SEG_OK;
}

int seg_dataset_get_text(const seg_dataset *ds, size_t row, size_t j, const char **value)
{
    const seg_column *c = column_at(ds, j);
    if (!c || !value || row >= ds->n_rows)
        return seg_fail(SEG_ERR_INVALID_ARG, "row %zu, column %zu out of range", row, j);
    if (c->type != SEG_COLUMN_CATEGORICAL)
        return seg_fail(SEG_ERR_TYPE, "column '%s' is numeric", c->name);
    int32_t code = c->codes[row];
    *value = code < 0 ? NULL : c->levels[code];
    return SEG_OK;
}

/*
 * Rebuild the column array from a list of source indices. keep[] holds
 * count indices; columns not listed are cleared. Nothing is changed unless the
 * new array could be allocated.
 */
static int rebuild_columns(seg_dataset *ds, const size_t *keep, size_t count)
{
    seg_column *cols = seg_calloc(count, sizeof *cols);
    bool *kept = seg_calloc(ds->n_cols, sizeof *kept);
    if (!cols || !kept) {
        seg_free(cols);
        seg_free(kept);
        return SEG_NOMEM();
    }
    for (size_t i = 0; i < count; i++) {
        cols[i] = ds->cols[keep[i]];
        kept[keep[i]] = true;
    }
    for (size_t j = 0; j < ds->n_cols; j++)
        if (!kept[j])
            seg_column_clear(&ds->cols[j]);
    seg_free(kept);
    seg_free(ds->cols);
    ds->cols = cols;
    ds->n_cols = count;
    /* Views into the dense block stay valid; it is freed with the dataset. */
    return SEG_OK;
}

int seg_dataset_select(seg_dataset *ds, const char *const *names, size_t count)
{
    SEG_ALLOC_SCOPE(ds);
    size_t *keep;
    int rc;

    if (!ds || !names || count == 0)
        return seg_fail(SEG_ERR_INVALID_ARG, "select needs a dataset and at least one name");
    keep = seg_malloc_array(count, sizeof *keep);
    if (!keep)
        return SEG_NOMEM();
    for (size_t i = 0; i < count; i++) {
        if (!names[i]) {
            rc = seg_fail(SEG_ERR_INVALID_ARG, "column name %zu is NULL", i);
            goto done;
        }
        keep[i] = find_column(ds, names[i]);
        if (keep[i] == SIZE_MAX) {
            rc = no_column(ds, names[i], "");
            goto done;
        }
        for (size_t p = 0; p < i; p++)
            if (keep[p] == keep[i]) {
                rc = seg_fail(SEG_ERR_LIMIT, "column '%s' selected twice", names[i]);
                goto done;
            }
    }
    rc = rebuild_columns(ds, keep, count);
done:
    seg_free(keep);
    return rc;
}

int seg_dataset_drop(seg_dataset *ds, const char *const *names, size_t count)
{
    SEG_ALLOC_SCOPE(ds);
    bool *drop = NULL;
    size_t *keep = NULL, kept = 0;
    int rc;

    if (!ds || (!names && count))
        return seg_fail(SEG_ERR_INVALID_ARG, "drop needs a dataset and names");
    drop = seg_calloc(ds->n_cols, sizeof *drop);
    keep = seg_malloc_array(ds->n_cols, sizeof *keep);
    if (!drop || !keep) {
        rc = SEG_NOMEM();
        goto done;
    }
    for (size_t i = 0; i < count; i++) {
        size_t j = names[i] ? find_column(ds, names[i]) : SIZE_MAX;
        if (j == SIZE_MAX) {
            rc = names[i] ? no_column(ds, names[i], "")
                          : seg_fail(SEG_ERR_INVALID_ARG, "column name %zu is NULL", i);
            goto done;
        }
        drop[j] = true;
    }
    for (size_t j = 0; j < ds->n_cols; j++)
        if (!drop[j])
            keep[kept++] = j;
    if (kept == 0) {
        rc = seg_fail(SEG_ERR_EMPTY, "dropping these columns would leave none");
        goto done;
    }
    rc = rebuild_columns(ds, keep, kept);
done:
    seg_free(drop);
    seg_free(keep);
    return rc;
}

/* Remove column j from the features without touching its storage. */
static void detach_column(seg_dataset *ds, size_t j)
{
    memmove(&ds->cols[j], &ds->cols[j + 1], (ds->n_cols - j - 1) * sizeof *ds->cols);
    ds->n_cols--;
}

int seg_dataset_set_id_column(seg_dataset *ds, const char *name)
{
    SEG_ALLOC_SCOPE(ds);
    char **ids;
    size_t j;

    if (!ds || !name)
        return seg_fail(SEG_ERR_INVALID_ARG, "NULL argument");
    if (ds->ids)
        return seg_fail(SEG_ERR_STATE, "an id column ('%s') is already set", ds->id_name);
    j = find_column(ds, name);
    if (j == SIZE_MAX)
        return no_column(ds, name, " for the id");
    ids = seg_calloc(ds->n_rows, sizeof *ids);
    if (!ids)
        return SEG_NOMEM();
    seg_column *c = &ds->cols[j];
    for (size_t i = 0; i < ds->n_rows; i++) {
        if (c->type == SEG_COLUMN_CATEGORICAL) {
            if (c->codes[i] < 0)
                continue;
            ids[i] = seg_strdup(c->levels[c->codes[i]]);
        } else {
            double v = seg_column_value(c, i);
            char buf[40];
            if (isnan(v))
                continue;
            snprintf(buf, sizeof buf, "%.17g", v);
            ids[i] = seg_strdup(buf);
        }
        if (!ids[i]) {
            free_ids(ids, ds->n_rows);
            return SEG_NOMEM();
        }
    }
    ds->id_name = c->name;
    c->name = NULL;
    seg_column_clear(c);
    detach_column(ds, j);
    ds->ids = ids;
    return SEG_OK;
}

const char *seg_dataset_id(const seg_dataset *ds, size_t row)
{
    if (!ds || !ds->ids || row >= ds->n_rows)
        return NULL;
    return ds->ids[row];
}

const char *seg_dataset_id_name(const seg_dataset *ds)
{
    return ds ? ds->id_name : NULL;
}

int seg_dataset_set_weight_column(seg_dataset *ds, const char *name)
{
    SEG_ALLOC_SCOPE(ds);
    double *w;
    size_t j;

    if (!ds || !name)
        return seg_fail(SEG_ERR_INVALID_ARG, "NULL argument");
    if (ds->weights)
        return seg_fail(SEG_ERR_STATE, "a weight column ('%s') is already set", ds->weight_name);
    j = find_column(ds, name);
    if (j == SIZE_MAX)
        return no_column(ds, name, " for the weights");
    seg_column *c = &ds->cols[j];
    if (c->type != SEG_COLUMN_NUMERIC)
        return seg_fail(SEG_ERR_TYPE, "weight column '%s' is categorical", name);
    for (size_t i = 0; i < ds->n_rows; i++) {
        double v = seg_column_value(c, i);
        char where[360];
        if (!(v > 0) || !isfinite(v))
            return seg_fail(SEG_ERR_NONFINITE,
                            "%s: weight '%s' is %g; weights must be finite and > 0",
                            seg_dataset_where(ds, i, c, where, sizeof where), name, v);
    }
    w = seg_malloc_array(ds->n_rows, sizeof *w);
    if (!w)
        return SEG_NOMEM();
    for (size_t i = 0; i < ds->n_rows; i++)
        w[i] = seg_column_value(c, i);
    ds->weights = w;
    ds->weight_name = c->name;
    c->name = NULL;
    seg_column_clear(c);
    detach_column(ds, j);
    return SEG_OK;
}

const double *seg_dataset_weights(const seg_dataset *ds)
{
    return ds ? ds->weights : NULL;
}

int seg_dataset_set_described_column(seg_dataset *ds, const char *name)
{
    SEG_ALLOC_SCOPE(ds);
    size_t j, bytes;

    if (!ds || !name)
        return seg_fail(SEG_ERR_INVALID_ARG, "NULL argument");
    for (size_t d = 0; d < ds->n_described; d++)
        if (strcmp(ds->described[d].name, name) == 0)
            return seg_fail(SEG_ERR_STATE, "column '%s' is described already", name);
    j = find_column(ds, name);
    if (j == SIZE_MAX)
        return seg_fail(SEG_ERR_NOT_FOUND, "no column named '%s' to describe", name);
    if (!seg_mul_ok(ds->n_described + 1, sizeof *ds->described, &bytes))
        return seg_fail(SEG_ERR_OVERFLOW, "too many described columns");
    seg_column *grown = seg_realloc(ds->described, bytes);
    if (!grown)
        return SEG_NOMEM();
    ds->described = grown;
    /* The column moves whole: a view into the dense block stays valid, the
     * block being freed with the dataset. */
    ds->described[ds->n_described++] = ds->cols[j];
    detach_column(ds, j);
    return SEG_OK;
}

size_t seg_dataset_described_columns(const seg_dataset *ds)
{
    return ds ? ds->n_described : 0;
}

const char *seg_dataset_described_name(const seg_dataset *ds, size_t j)
{
    return ds && j < ds->n_described ? ds->described[j].name : NULL;
}

int seg_dataset_copy_f64(const seg_dataset *ds, double *out, size_t len)
{
    size_t need;

    if (!ds || !out)
        return seg_fail(SEG_ERR_INVALID_ARG, "NULL argument");
    if (!seg_mul_ok(ds->n_rows, ds->n_cols, &need))
        return seg_fail(SEG_ERR_OVERFLOW, "dataset size overflows");
    if (len < need)
        return seg_fail(SEG_ERR_MISMATCH, "output holds %zu values, %zu needed", len, need);
    for (size_t j = 0; j < ds->n_cols; j++) {
        const seg_column *c = &ds->cols[j];
        if (c->type != SEG_COLUMN_NUMERIC)
            return seg_fail(SEG_ERR_TYPE, "column '%s' is categorical", c->name);
        if (c->n_missing) {
            size_t i = 0;
            char where[360];
            while (i + 1 < ds->n_rows && !isnan(seg_column_value(c, i)))
                i++;
            return seg_fail(SEG_ERR_NONFINITE,
                            "%s: column '%s' has a missing value (%zu in all) and no scaler "
                            "imputes it",
                            seg_dataset_where(ds, i, c, where, sizeof where), c->name,
                            c->n_missing);
        }
    }
    for (size_t j = 0; j < ds->n_cols; j++)
        for (size_t i = 0; i < ds->n_rows; i++)
            out[i * ds->n_cols + j] = seg_column_value(&ds->cols[j], i);
    return SEG_OK;
}

const void *seg_dataset_dense_view(const seg_dataset *ds, bool *is_f32)
{
    if (!ds || !ds->dense || ds->dense_cols != ds->n_cols)
        return NULL;
    for (size_t j = 0; j < ds->n_cols; j++) {
        const seg_column *c = &ds->cols[j];
        const char *expect = (const char *)ds->dense + j * (ds->dense_f32 ? 4 : 8);
        if (c->type != SEG_COLUMN_NUMERIC || c->num != (const void *)expect ||
            c->stride != ds->dense_cols || c->num_f32 != ds->dense_f32)
            return NULL;
    }
    *is_f32 = ds->dense_f32;
    return ds->dense;
}

const float *seg_dataset_matrix_f32(const seg_dataset *ds)
{
    bool f32 = false;
    const void *x = seg_dataset_dense_view(ds, &f32);
    return x && f32 ? x : NULL;
}

const double *seg_dataset_matrix_f64(const seg_dataset *ds)
{
    bool f32 = true;
    const void *x = seg_dataset_dense_view(ds, &f32);
    return x && !f32 ? x : NULL;
}

/* The creator again, with a as the current allocator: everything the new
 * object holds, now and later, comes from a. */
int seg_dataset_from_f32_with_allocator(seg_dataset **out, const float *x, size_t n, size_t d,
                                        const char *const *names, seg_allocator *a)
{
    SEG_WITH_ALLOCATOR(a, seg_dataset_from_f32(out, x, n, d, names));
}

int seg_dataset_from_f64_with_allocator(seg_dataset **out, const double *x, size_t n, size_t d,
                                        const char *const *names, seg_allocator *a)
{
    SEG_WITH_ALLOCATOR(a, seg_dataset_from_f64(out, x, n, d, names));
}
