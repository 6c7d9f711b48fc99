/*
 * CSV reader settings: seg_csv_options and its setters and getters. The
 * layout is in csv_options.h; the reader (csv.c) only reads it.
 */
#include "data/csv_options.h"

#include <string.h>

#define CSV_MAX_FIELD_DEFAULT ((int64_t)1 << 20)
#define CSV_MAX_FIELD_LIMIT ((int64_t)1 << 30)
#define CSV_MAX_COLUMNS_DEFAULT 10000
#define CSV_MAX_COLUMNS_LIMIT 1000000

const seg_csv_options seg_csv_defaults = {
    0, 1, 1, CSV_MAX_FIELD_DEFAULT, CSV_MAX_COLUMNS_DEFAULT, NULL, 0, NULL, 0,
};

int seg_csv_options_new(seg_csv_options **out)
{
    seg_csv_options *o;
    if (!out)
        return seg_fail(SEG_ERR_INVALID_ARG, "out is NULL");
    *out = NULL;
    o = seg_malloc(sizeof *o);
    if (!o)
        return SEG_NOMEM();
    *o = seg_csv_defaults;
    *out = o;
    return SEG_OK;
}

void seg_csv_options_free(seg_csv_options *opts)
{
    if (!opts)
        return;
    for (size_t i = 0; i < opts->n_missing; i++)
        seg_free(opts->missing[i]);
    seg_free(opts->missing);
    for (size_t i = 0; i < opts->n_forced; i++)
        seg_free(opts->forced[i].name);
    seg_free(opts->forced);
    seg_free(opts);
}

int seg_csv_delimiter_check(void *obj, seg_param_value v, const char **why)
{
    (void)obj;
    *why = "not 0 or a byte other than '\"', CR and LF";
    return v.i == '"' || v.i == '\r' || v.i == '\n' ? SEG_ERR_INVALID_ARG : SEG_OK;
}

static const seg_param csv_rows[] = {
    SEG_PARAM_INT(SEG_CSV_DELIMITER, 0, 255, seg_csv_options, delimiter, seg_csv_delimiter_check),
    SEG_PARAM_INT(SEG_CSV_HEADER, 0, 1, seg_csv_options, header, NULL),
    SEG_PARAM_INT(SEG_CSV_DEFAULT_MISSING, 0, 1, seg_csv_options, default_missing, NULL),
    SEG_PARAM_INT(SEG_CSV_MAX_FIELD, 1, CSV_MAX_FIELD_LIMIT, seg_csv_options, max_field, NULL),
    SEG_PARAM_INT(SEG_CSV_MAX_COLUMNS, 1, CSV_MAX_COLUMNS_LIMIT, seg_csv_options, max_columns,
                  NULL),
};
static const seg_param_table csv_params = SEG_PARAM_TABLE("CSV", csv_rows, NULL);

int seg_csv_options_set_int(seg_csv_options *opts, seg_csv_param param, int64_t value)
{
    return seg_param_set_int(&csv_params, opts, (int)param, value);
}

int seg_csv_options_get_int(const seg_csv_options *opts, seg_csv_param param, int64_t *value)
{
    return seg_param_get_int(&csv_params, opts, (int)param, value);
}

int seg_csv_options_param_bounds(seg_csv_param param, double *lower, double *upper)
{
    return seg_param_bounds(&csv_params, (int)param, lower, upper);
}

int seg_csv_options_add_missing(seg_csv_options *opts, const char *token)
{
    SEG_ALLOC_SCOPE(opts);
    char **grown;
    char *copy;
    if (!opts || !token)
        return seg_fail(SEG_ERR_INVALID_ARG, "opts or token is NULL");
    copy = seg_strdup(token);
    grown = copy ? seg_realloc(opts->missing, (opts->n_missing + 1) * sizeof *grown) : NULL;
    if (!grown) {
        seg_free(copy);
        return SEG_NOMEM();
    }
    grown[opts->n_missing++] = copy;
    opts->missing = grown;
    return SEG_OK;
}

int seg_csv_options_set_column_type(seg_csv_options *opts, const char *column, seg_column_type type)
{
    SEG_ALLOC_SCOPE(opts);
    csv_forced *grown;
    char *copy;
    size_t i;
    if (!opts || !column)
        return seg_fail(SEG_ERR_INVALID_ARG, "opts or column is NULL");
    if (type != SEG_COLUMN_AUTO && type != SEG_COLUMN_NUMERIC && type != SEG_COLUMN_CATEGORICAL)
        return seg_fail(SEG_ERR_INVALID_ARG, "unknown column type %d", (int)type);
    for (i = 0; i < opts->n_forced && strcmp(opts->forced[i].name, column) != 0; i++)
        ;
    if (i < opts->n_forced) {
        if (type != SEG_COLUMN_AUTO) {
            opts->forced[i].type = type;
            return SEG_OK;
        }
        /* AUTO undoes an earlier call: the name is no longer looked for. */
        seg_free(opts->forced[i].name);
        opts->forced[i] = opts->forced[--opts->n_forced];
        return SEG_OK;
    }
    if (type == SEG_COLUMN_AUTO)
        return SEG_OK;
    copy = seg_strdup(column);
    grown = copy ? seg_realloc(opts->forced, (opts->n_forced + 1) * sizeof *grown) : NULL;
    if (!grown) {
        seg_free(copy);
        return SEG_NOMEM();
    }
    grown[opts->n_forced].name = copy;
    grown[opts->n_forced++].type = type;
    opts->forced = grown;
    return SEG_OK;
}

/* The creator again, with a as the current allocator: everything the new
 * object holds, now and later, comes from a. */
int seg_csv_options_new_with_allocator(seg_csv_options **out, seg_allocator *a)
{
    SEG_WITH_ALLOCATOR(a, seg_csv_options_new(out));
}
