/*
 * A share of a CSV file read by the one CSV reader (csv.c): the public entry
 * points a reader that splits a file among processes builds on (libseg-mpi,
 * docs/mpi.md). Each takes the share's text: the file's header record, then
 * whole records starting on a known physical line, so every message names
 * the file's own line and field and every verdict is the serial reader's.
 */
#include "data/csv_share.h"
#include "data/csv_options.h"
#include "data/data.h"

static int check_text(const void *text, size_t size, const char *name)
{
    if (!text && size)
        return seg_fail(SEG_ERR_INVALID_ARG, "text is NULL");
    if (!name)
        return seg_fail(SEG_ERR_INVALID_ARG, "name is NULL");
    return SEG_OK;
}

int seg_csv_share_head(const void *text, size_t size, const char *name, const seg_csv_options *opts,
                       size_t *n_cols, size_t head[3])
{
    int rc = check_text(text, size, name);
    if (rc < 0)
        return rc;
    if (!n_cols || !head)
        return seg_fail(SEG_ERR_INVALID_ARG, "n_cols or head is NULL");
    csv_share sh = {.first = true, .head_only = true, .head = head, .n_cols_out = n_cols};
    seg_dataset *ds = NULL;
    rc =
        seg_csv_read_share(&ds, text ? text : "", size, name, opts ? opts : &seg_csv_defaults, &sh);
    seg_dataset_free(ds);
    return rc < 0 ? rc : SEG_OK;
}

int seg_csv_share_scan(const void *text, size_t size, size_t header_len, uint64_t first_line,
                       const char *name, const seg_csv_options *opts, size_t n_cols, int64_t *stats,
                       size_t *n_rows)
{
    int rc = check_text(text, size, name);
    if (rc < 0)
        return rc;
    if (!stats || !n_rows || n_cols == 0)
        return seg_fail(SEG_ERR_INVALID_ARG, "stats or n_rows is NULL, or n_cols is 0");
    csv_share sh = {.header_len = header_len,
                    .first_line = first_line,
                    .first = first_line == 0,
                    .n_cols = n_cols,
                    .stats = stats,
                    .n_rows = n_rows};
    seg_dataset *ds = NULL;
    rc =
        seg_csv_read_share(&ds, text ? text : "", size, name, opts ? opts : &seg_csv_defaults, &sh);
    seg_dataset_free(ds);
    return rc;
}

int seg_dataset_read_csv_share(seg_dataset **out, const void *text, size_t size, size_t header_len,
                               uint64_t first_line, const char *name, const seg_csv_options *opts,
                               const seg_column_type *types, size_t n_cols,
                               const char *const *levels, const size_t *n_levels)
{
    int rc = check_text(text, size, name);
    if (rc < 0)
        return rc;
    if (!out || !types || n_cols == 0)
        return seg_fail(SEG_ERR_INVALID_ARG, "out or types is NULL, or n_cols is 0");
    *out = NULL;
    for (size_t j = 0; j < n_cols; j++)
        if (types[j] != SEG_COLUMN_NUMERIC && types[j] != SEG_COLUMN_CATEGORICAL)
            return seg_fail(SEG_ERR_INVALID_ARG, "types[%zu] is neither numeric nor categorical",
                            j);
    csv_share sh = {.header_len = header_len,
                    .first_line = first_line,
                    .first = first_line == 0,
                    .n_cols = n_cols,
                    .types = types,
                    .levels = levels,
                    .n_levels = levels ? n_levels : NULL};
    return seg_csv_read_share(out, text ? text : "", size, name, opts ? opts : &seg_csv_defaults,
                              &sh);
}
