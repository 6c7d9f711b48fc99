/*
 * Scaler: learns from a training dataset how to turn its columns into numeric
 * features (signed log1p, median imputation and scaling for numeric columns;
 * 0/1 and one-hot encoding for categorical ones), then applies exactly that
 * transform to any dataset whose columns carry the same names.
 *
 * This file holds the settings, the fit, the queries and the clone; the
 * transform is in scaler_transform.c and the fitted state in scaler.h.
 */
#include "prepare/scaler.h"
#include "data/data.h"
#include "core/params.h"

#include <stdlib.h>
#include <string.h>

#define MISSING_LEVEL "(missing)"
#define OTHER_LEVEL "(other)"

/* Settings of one named column; -1 means "not set". */
enum { COPT_METHOD, COPT_LOG1P, N_COPTS };

typedef struct col_setting {
    char *name;
    int64_t v[N_COPTS];
} col_setting;

static const seg_param column_rows[] = {
    SEG_PARAM_INT(SEG_SCALER_COLUMN_METHOD, SEG_SCALE_NONE, SEG_SCALE_ROBUST, col_setting,
                  v[COPT_METHOD], NULL),
    SEG_PARAM_INT(SEG_SCALER_COLUMN_LOG1P, 0, 1, col_setting, v[COPT_LOG1P], NULL),
};
static const seg_param_table column_params = SEG_PARAM_TABLE("scaler column", column_rows, NULL);

/* Scaler-wide settings. */
enum {
    OPT_METHOD,
    OPT_DROP_FIRST,
    OPT_CAT_MISSING,
    OPT_MAX_LEVELS,
    OPT_ALLOW_IDS,
    OPT_MIN_LEVEL_COUNT,
    OPT_IMPUTE_ORDER,
    OPT_THREADS,
    N_OPTS
};
static const int64_t opt_default[N_OPTS] = {SEG_SCALE_STANDARD, 0, SEG_IMPUTE_LEVEL, 1000, 0, 0,
                                            SEG_IMPUTE_THEN_SCALE, 0};

/* A categorical column whose every value differs, over at least this many
 * rows, identifies customers rather than describing them (documented in seg.h). */
#define IDENTIFIER_MIN_ROWS 20

struct seg_scaler {
    int64_t opt[N_OPTS];
    col_setting *settings;
    size_t n_settings;

    bool fitted;
    scaler_fit fit;
};

static const seg_param scaler_rows[] = {
    SEG_PARAM_INT(SEG_SCALER_METHOD, SEG_SCALE_NONE, SEG_SCALE_ROBUST, seg_scaler, opt[OPT_METHOD],
                  NULL),
    SEG_PARAM_INT(SEG_SCALER_DROP_FIRST, 0, 1, seg_scaler, opt[OPT_DROP_FIRST], NULL),
    SEG_PARAM_INT(SEG_SCALER_CATEGORICAL_MISSING, SEG_IMPUTE_LEVEL, SEG_IMPUTE_MODE, seg_scaler,
                  opt[OPT_CAT_MISSING], NULL),
    SEG_PARAM_INT(SEG_SCALER_MAX_LEVELS, 2, 1e6, seg_scaler, opt[OPT_MAX_LEVELS], NULL),
    SEG_PARAM_INT(SEG_SCALER_ALLOW_IDENTIFIERS, 0, 1, seg_scaler, opt[OPT_ALLOW_IDS], NULL),
    SEG_PARAM_INT(SEG_SCALER_MIN_LEVEL_COUNT, 0, 1e12, seg_scaler, opt[OPT_MIN_LEVEL_COUNT], NULL),
    SEG_PARAM_INT(SEG_SCALER_IMPUTE_ORDER, SEG_IMPUTE_THEN_SCALE, SEG_SCALE_THEN_IMPUTE, seg_scaler,
                  opt[OPT_IMPUTE_ORDER], NULL),
    SEG_PARAM_INT(SEG_SCALER_THREADS, 0, SEG_THREADS_MAX, seg_scaler, opt[OPT_THREADS], NULL),
};
static const seg_param_table scaler_params = SEG_PARAM_TABLE("scaler", scaler_rows, NULL);

/* ---- lifetime and settings ------------------------------------------------ */

static void scol_clear(scol *s)
{
    seg_free(s->name);
    if (s->levels) {
        for (size_t i = 0; i < s->n_levels; i++)
            seg_free(s->levels[i]);
        seg_free(s->levels);
    }
    memset(s, 0, sizeof *s);
}

static void fit_clear(scaler_fit *f)
{
    if (f->cols) {
        for (size_t j = 0; j < f->n_cols; j++)
            scol_clear(&f->cols[j]);
        seg_free(f->cols);
    }
    if (f->feature_names) {
        for (size_t j = 0; j < f->n_features; j++)
            seg_free(f->feature_names[j]);
        seg_free(f->feature_names);
    }
    seg_free(f->feature_col);
    memset(f, 0, sizeof *f);
}

int seg_scaler_new(seg_scaler **out)
{
    if (!out)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_scaler_new: out is NULL");
    *out = NULL;
    seg_scaler *sc = seg_calloc(1, sizeof *sc);
    if (!sc)
        return SEG_NOMEM();
    memcpy(sc->opt, opt_default, sizeof sc->opt);
    *out = sc;
    return SEG_OK;
}

void seg_scaler_free(seg_scaler *sc)
{
    if (!sc)
        return;
    for (size_t i = 0; i < sc->n_settings; i++)
        seg_free(sc->settings[i].name);
    seg_free(sc->settings);
    fit_clear(&sc->fit);
    seg_free(sc);
}

int seg_scaler_set_int(seg_scaler *sc, seg_scaler_param param, int64_t value)
{
    return seg_param_set_int(&scaler_params, sc, (int)param, value);
}

int seg_scaler_get_int(const seg_scaler *sc, seg_scaler_param param, int64_t *value)
{
    return seg_param_get_int(&scaler_params, sc, (int)param, value);
}

int seg_scaler_param_bounds(seg_scaler_param param, double *lower, double *upper)
{
    return seg_param_bounds(&scaler_params, (int)param, lower, upper);
}

static col_setting *find_setting(const seg_scaler *sc, const char *name)
{
    for (size_t i = 0; i < sc->n_settings; i++)
        if (strcmp(sc->settings[i].name, name) == 0)
            return &sc->settings[i];
    return NULL;
}

int seg_scaler_set_column_int(seg_scaler *sc, const char *column, seg_scaler_column_param param,
                              int64_t value)
{
    SEG_ALLOC_SCOPE(sc);
    /* Validated on a scratch setting first: a refused value adds no column. */
    col_setting probe = {.v = {-1, -1}};
    int rc = seg_param_set_int(&column_params, sc && column ? &probe : NULL, (int)param, value);
    if (rc != SEG_OK)
        return rc;
    col_setting *s = find_setting(sc, column);
    if (!s) {
        size_t bytes;
        if (!seg_mul_ok(sc->n_settings + 1, sizeof *sc->settings, &bytes))
            return seg_fail(SEG_ERR_OVERFLOW, "too many per-column settings");
        col_setting *grown = seg_realloc(sc->settings, bytes);
        if (!grown)
            return SEG_NOMEM();
        sc->settings = grown;
        s = &sc->settings[sc->n_settings];
        *s = (col_setting){.name = seg_strdup(column), .v = {-1, -1}};
        if (!s->name)
            return SEG_NOMEM();
        sc->n_settings++;
    }
    return seg_param_set_int(&column_params, s, (int)param, value);
}

int seg_scaler_get_column_int(const seg_scaler *sc, const char *column,
                              seg_scaler_column_param param, int64_t *value)
{
    /* What the next fit uses: the column's own value, else the scaler-wide one. */
    seg_scale_method method = SEG_SCALE_NONE;
    bool log1p = false;
    if (sc && column)
        seg_scaler_column_plan(sc, column, &method, &log1p);
    col_setting plan = {.v = {method, log1p}};
    return seg_param_get_int(&column_params, sc && column ? &plan : NULL, (int)param, value);
}

int seg_scaler_column_param_bounds(seg_scaler_column_param param, double *lower, double *upper)
{
    return seg_param_bounds(&column_params, (int)param, lower, upper);
}

/* ---- categorical encoding ------------------------------------------------- */

static int cmp_level_count(const void *a, const void *b)
{
    return strcmp(((const level_count *)a)->s, ((const level_count *)b)->s);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int64_t seg_scol_level_index(const scol *s, const char *level)
{
    char **hit = bsearch(&level, s->levels, s->n_levels, sizeof *s->levels, cmp_str);
    return hit ? (int64_t)(hit - s->levels) : -1;
}

/* ASCII case-insensitive equality, independent of the C locale. */
static bool eq_nocase(const char *a, const char *b)
{
    for (;; a++, b++) {
        unsigned char x = (unsigned char)*a, y = (unsigned char)*b;
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y - 'A' + 'a');
        if (x != y)
            return false;
        if (x == '\0')
            return true;
    }
}

/* Which of two sorted levels a binary feature marks as 1. */
static size_t binary_one_level(char *const *lv)
{
    static const char *const pairs[][2] = {
        {"yes", "no"}, {"true", "false"}, {"y", "n"}, {"t", "f"}, {"1", "0"},
    };
    for (size_t p = 0; p < sizeof pairs / sizeof pairs[0]; p++) {
        if (eq_nocase(lv[0], pairs[p][0]) && eq_nocase(lv[1], pairs[p][1]))
            return 0;
        if (eq_nocase(lv[0], pairs[p][1]) && eq_nocase(lv[1], pairs[p][0]))
            return 1;
    }
    return 1;
}

/*
 * SEG_SCALER_MIN_LEVEL_COUNT: the levels of tab[0..m) (sorted, distinct)
 * counted fewer than min_count times become one OTHER_LEVEL, as does a level
 * spelt so, so that no stored level name is known to fewer than min_count
 * customers. The missing level is kept: its name says nothing. Returns the
 * new count; tab stays sorted and distinct.
 */
static size_t fold_rare_levels(level_count *tab, size_t m, uint64_t min_count)
{
    size_t w = 0, other = 0;
    bool any = false;
    if (min_count == 0)
        return m;
    for (size_t r = 0; r < m; r++) {
        bool keep = strcmp(tab[r].s, MISSING_LEVEL) == 0 ||
                    ((uint64_t)tab[r].count >= min_count && strcmp(tab[r].s, OTHER_LEVEL) != 0);
        if (keep) {
            tab[w++] = tab[r];
        } else {
            other += tab[r].count;
            any = true;
        }
    }
    if (!any)
        return w;
    tab[w++] = (level_count){OTHER_LEVEL, other};
    qsort(tab, w, sizeof *tab, cmp_level_count);
    return w;
}

static int fit_categorical(const seg_scaler *sc, const seg_column *c, size_t n, scol *s)
{
    size_t nl = c->n_levels, n_missing = 0, m = 0;
    if (nl == SIZE_MAX)
        return seg_fail(SEG_ERR_OVERFLOW, "column '%s': too many levels", c->name);
    int rc = SEG_OK;
    size_t *counts = seg_calloc(nl, sizeof *counts);
    level_count *tab = seg_malloc_array(nl + 1, sizeof *tab);
    if (!counts || !tab) {
        rc = SEG_NOMEM();
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        int32_t code = c->codes[i];
        if (code == -1) {
            n_missing++;
        } else if (code < 0 || (size_t)code >= nl || !c->levels[code]) {
            rc = seg_fail(SEG_ERR_INVALID_ARG, "column '%s', row %zu: bad level code %d", c->name,
                          i, (int)code);
            goto done;
        } else {
            counts[code]++;
        }
    }
    for (size_t d = 0; d < nl; d++)
        if (counts[d] > 0)
            tab[m++] = (level_count){c->levels[d], counts[d]};
    rc = seg_scol_levels_finish(sc, c->name, tab, m, n_missing, n, false, s);
done:
    seg_free(counts);
    seg_free(tab);
    return rc;
}

int seg_scol_levels_finish(const seg_scaler *sc, const char *name, level_count *tab, size_t m,
                           size_t n_missing, size_t n, bool truncated, scol *s)
{
    int rc = SEG_OK;
    /* Missing is a level of its own; also under mode imputation when there is
     * no mode because every value is missing. A real level spelt "(missing)"
     * merges with it below. */
    bool missing_level = n_missing > 0 && (sc->opt[OPT_CAT_MISSING] == SEG_IMPUTE_LEVEL || m == 0);
    if (missing_level)
        tab[m++] = (level_count){MISSING_LEVEL, n_missing};

    qsort(tab, m, sizeof *tab, cmp_level_count);
    size_t w = 0; /* merge repeated spellings (a dataset may hold duplicates) */
    for (size_t r = 0; r < m; r++) {
        if (w > 0 && strcmp(tab[w - 1].s, tab[r].s) == 0)
            tab[w - 1].count += tab[r].count;
        else
            tab[w++] = tab[r];
    }
    m = w;
    /* Its levels would be stored in the model (and so in model files): a
     * column of distinct values is an identifier that was not set aside. */
    if (!sc->opt[OPT_ALLOW_IDS] && n_missing == 0 && n >= IDENTIFIER_MIN_ROWS &&
        (m == n || truncated)) {
        rc = seg_fail(SEG_ERR_PRIVACY,
                      "column '%s' has a different value in each of its %zu rows: it identifies "
                      "customers and its values would be stored in the model; set it as the id "
                      "column, drop it, or allow it with SEG_SCALER_ALLOW_IDENTIFIERS",
                      name, m);
        goto done;
    }
    m = fold_rare_levels(tab, m, (uint64_t)sc->opt[OPT_MIN_LEVEL_COUNT]);
    if ((uint64_t)m > (uint64_t)sc->opt[OPT_MAX_LEVELS]) {
        rc = seg_fail(SEG_ERR_LIMIT, "column '%s' has %zu levels, more than the limit %lld",
                      name, m, (long long)sc->opt[OPT_MAX_LEVELS]);
        goto done;
    }

    s->levels = seg_calloc(m, sizeof *s->levels);
    if (!s->levels) {
        rc = SEG_NOMEM();
        goto done;
    }
    s->n_levels = m;
    for (size_t l = 0; l < m; l++) {
        s->levels[l] = seg_strdup(tab[l].s);
        if (!s->levels[l]) {
            rc = SEG_NOMEM();
            goto done;
        }
    }

    s->impute_level = -1;
    if (sc->opt[OPT_CAT_MISSING] == SEG_IMPUTE_MODE && !missing_level) {
        size_t best = 0; /* ties go to the first level in byte order */
        for (size_t l = 1; l < m; l++)
            if (tab[l].count > tab[best].count)
                best = l;
        s->impute_level = (int64_t)best;
    } else {
        s->impute_level = seg_scol_level_index(s, MISSING_LEVEL);
    }
    int64_t other = seg_scol_level_index(s, OTHER_LEVEL);
    s->folded = sc->opt[OPT_MIN_LEVEL_COUNT] > 0 && other >= 0;
    s->other_level = s->folded ? (size_t)other : 0;

    if (m == 2) {
        s->kind = SCOL_BINARY;
        s->first_level = binary_one_level(s->levels);
        s->n_out = 1;
    } else {
        s->kind = SCOL_ONEHOT;
        s->drop_first = sc->opt[OPT_DROP_FIRST] == 1;
        s->first_level = s->drop_first ? 1 : 0;
        s->n_out = m - s->first_level;
    }
done:
    return rc;
}

/* ---- columns by name ---------------------------------------------------------- */

static int cmp_col_name(const void *a, const void *b)
{
    return strcmp((*(const seg_column *const *)a)->name, (*(const seg_column *const *)b)->name);
}

const seg_column **seg_columns_by_name(const seg_dataset *ds)
{
    const seg_column **sorted = seg_malloc_array(ds->n_cols, sizeof *sorted);
    if (sorted) {
        for (size_t j = 0; j < ds->n_cols; j++)
            sorted[j] = &ds->cols[j];
        qsort(sorted, ds->n_cols, sizeof *sorted, cmp_col_name);
    }
    return sorted;
}

const seg_column *seg_columns_find(const seg_column **sorted, size_t n, const char *name)
{
    seg_column key_col = {.name = (char *)name};
    const seg_column *key = &key_col;
    const seg_column **hit = bsearch(&key, sorted, n, sizeof *sorted, cmp_col_name);
    return hit ? *hit : NULL;
}

/* ---- fit -------------------------------------------------------------------- */

/* Column names must be unique and per-column settings name numeric columns. */
int seg_scaler_check_names(const seg_scaler *sc, const seg_dataset *ds)
{
    const seg_column **sorted = seg_columns_by_name(ds);
    int rc = SEG_OK;
    if (!sorted)
        return SEG_NOMEM();
    for (size_t j = 1; j < ds->n_cols && rc == SEG_OK; j++)
        if (strcmp(sorted[j - 1]->name, sorted[j]->name) == 0)
            rc = seg_fail(SEG_ERR_LIMIT, "duplicate column name '%s'", sorted[j]->name);
    for (size_t i = 0; i < sc->n_settings && rc == SEG_OK; i++) {
        const seg_column *c = seg_columns_find(sorted, ds->n_cols, sc->settings[i].name);
        if (!c || c->type != SEG_COLUMN_NUMERIC)
            rc = seg_fail(SEG_ERR_NOT_FOUND,
                          "a per-column setting names '%s', not a numeric column of the dataset",
                          sc->settings[i].name);
    }
    seg_free(sorted);
    return rc;
}

static char *join_name(const char *column, const char *level)
{
    size_t a = strlen(column), b = strlen(level);
    if (a > SIZE_MAX - 2 - b)
        return NULL;
    char *p = seg_malloc(a + b + 2);
    if (p) {
        memcpy(p, column, a);
        p[a] = '=';
        memcpy(p + a + 1, level, b + 1);
    }
    return p;
}

static int build_feature_table(scaler_fit *f)
{
    f->feature_names = seg_calloc(f->n_features, sizeof *f->feature_names);
    f->feature_col = seg_malloc_array(f->n_features, sizeof *f->feature_col);
    if (!f->feature_names || !f->feature_col)
        return SEG_NOMEM();
    for (size_t j = 0; j < f->n_cols; j++) {
        const scol *s = &f->cols[j];
        for (size_t o = 0; o < s->n_out; o++) {
            size_t k = s->offset + o;
            f->feature_col[k] = j;
            f->feature_names[k] = s->kind == SCOL_NUMERIC
                                      ? seg_strdup(s->name)
                                      : join_name(s->name, s->levels[s->first_level + o]);
            if (!f->feature_names[k])
                return SEG_NOMEM();
        }
    }
    return SEG_OK;
}

/* The numeric columns of a fit, spread over a pool's threads: one column at
 * a time each, with its own buffer of n values. Each column's result goes to
 * its own slot (and its status to rc[q]), so the fit does not depend on
 * which thread fits which column. */
typedef struct numeric_job {
    const seg_scaler *sc;
    const seg_dataset *ds;
    const size_t *col; /* numeric column q is ds->cols[col[q]] */
    scol *out;         /* of all columns */
    double **buf;      /* one per thread */
    int *rc;           /* one per numeric column */
} numeric_job;

static int fit_numeric_column(const seg_scaler *sc, const seg_dataset *ds, size_t j, double *buf,
                              scol *s)
{
    seg_scale_method method;
    bool log1p;
    seg_scaler_column_plan(sc, ds->cols[j].name, &method, &log1p);
    return seg_scol_fit_numeric(ds, &ds->cols[j], method, log1p,
                                sc->opt[OPT_IMPUTE_ORDER] == SEG_IMPUTE_THEN_SCALE, buf, s);
}

static void numeric_item(void *ctx, size_t q, int thread)
{
    const numeric_job *job = ctx;
    const size_t j = job->col[q];
    job->rc[q] = fit_numeric_column(job->sc, job->ds, j, job->buf[thread], &job->out[j]);
}

/* Below this many values in all a pool costs more than it saves. */
#define NUMERIC_PARALLEL_MIN 65536

/* Fit the numeric columns listed in col[0..count) ahead of the in-order loop
 * of seg_scaler_fit (which reports the first failing column from the calling
 * thread, where its message belongs). rc[q] receives each status. */
static int fit_numeric_parallel(const seg_scaler *sc, const seg_dataset *ds, const size_t *col,
                                size_t count, scol *out, int *rc)
{
    const size_t n = ds->n_rows;
    int threads = seg_threads_resolve(sc->opt[OPT_THREADS]);
    if ((size_t)threads > count)
        threads = (int)count;
    seg_pool *pool = NULL;
    double **buf = NULL;
    int status = seg_pool_start(&pool, threads);
    if (status == SEG_OK) {
        threads = seg_pool_threads(pool);
        buf = seg_calloc((size_t)threads, sizeof *buf);
        status = buf ? SEG_OK : SEG_NOMEM();
    }
    for (int t = 0; status == SEG_OK && t < threads; t++)
        if (!(buf[t] = seg_malloc_array(n, sizeof **buf)))
            status = SEG_NOMEM();
    if (status == SEG_OK) {
        numeric_job job = {sc, ds, col, out, buf, rc};
        seg_pool_run(pool, count, threads, numeric_item, &job);
    }
    seg_pool_stop(pool);
    for (int t = 0; buf && t < threads; t++)
        seg_free(buf[t]);
    seg_free(buf);
    return status;
}

int seg_scaler_fit(seg_scaler *sc, const seg_dataset *ds)
{
    SEG_ALLOC_SCOPE(sc);
    scaler_fit f = {0};
    double *buf = NULL;
    size_t *num = NULL, n_num = 0;
    int *num_rc = NULL;
    bool parallel = false;
    int rc;
    if (!sc)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_scaler_fit: scaler is NULL");
    fit_clear(&sc->fit); /* whatever happens next, the old fit is gone */
    sc->fitted = false;
    if (!ds)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_scaler_fit: dataset is NULL");
    if (ds->n_rows == 0 || ds->n_cols == 0)
        return seg_fail(SEG_ERR_EMPTY, "seg_scaler_fit: the dataset has %zu rows and %zu columns",
                        ds->n_rows, ds->n_cols);
    rc = seg_scaler_check_names(sc, ds);
    if (rc)
        return rc;

    f.cols = seg_calloc(ds->n_cols, sizeof *f.cols);
    num = seg_malloc_array(ds->n_cols, sizeof *num);
    num_rc = seg_calloc(ds->n_cols, sizeof *num_rc);
    if (!f.cols || !num || !num_rc) {
        rc = SEG_NOMEM();
        goto fail;
    }
    f.n_cols = ds->n_cols;
    for (size_t j = 0; j < ds->n_cols; j++) {
        if (!(f.cols[j].name = seg_strdup(ds->cols[j].name))) {
            rc = SEG_NOMEM();
            goto fail;
        }
        if (ds->cols[j].type == SEG_COLUMN_NUMERIC)
            num[n_num++] = j;
    }
    /* Numeric columns are independent of each other: with more than one,
     * and enough values to pay for threads, they are fitted in parallel
     * first; the loop below then takes each one's result in column order. */
    if (n_num > 1 && ds->n_rows * n_num >= NUMERIC_PARALLEL_MIN &&
        seg_threads_resolve(sc->opt[OPT_THREADS]) > 1) {
        if ((rc = fit_numeric_parallel(sc, ds, num, n_num, f.cols, num_rc)) < 0)
            goto fail;
        parallel = true;
    }
    for (size_t j = 0, q = 0; j < ds->n_cols; j++) {
        const seg_column *c = &ds->cols[j];
        scol *s = &f.cols[j];
        if (c->type == SEG_COLUMN_NUMERIC) {
            const bool done = parallel && num_rc[q++] == SEG_OK;
            if (!done && !buf && !(buf = seg_malloc_array(ds->n_rows, sizeof *buf))) {
                rc = SEG_NOMEM();
                goto fail;
            }
            /* a column that failed on a worker is fitted again here, so its
             * message is the calling thread's */
            rc = done ? SEG_OK : fit_numeric_column(sc, ds, j, buf, s);
        } else if (c->type == SEG_COLUMN_CATEGORICAL) {
            rc = fit_categorical(sc, c, ds->n_rows, s);
        } else {
            rc = seg_fail(SEG_ERR_INVALID_ARG, "column '%s' has no valid type", c->name);
        }
        if (rc)
            goto fail;
    }
    seg_free(buf);
    seg_free(num);
    seg_free(num_rc);
    return seg_scaler_install(sc, f.cols, f.n_cols);
fail:
    fit_clear(&f);
    seg_free(buf);
    seg_free(num);
    seg_free(num_rc);
    return rc;
}

void seg_scaler_column_plan(const seg_scaler *sc, const char *name, seg_scale_method *method,
                            bool *log1p)
{
    const col_setting *cs = find_setting(sc, name);
    *method = (seg_scale_method)(cs && cs->v[COPT_METHOD] >= 0 ? cs->v[COPT_METHOD]
                                                               : sc->opt[OPT_METHOD]);
    *log1p = cs && cs->v[COPT_LOG1P] == 1;
}

int seg_scaler_install(seg_scaler *sc, scol *cols, size_t n_cols)
{
    scaler_fit f = {.cols = cols, .n_cols = n_cols};
    int rc;
    fit_clear(&sc->fit);
    sc->fitted = false;
    for (size_t j = 0; j < n_cols; j++) {
        cols[j].offset = f.n_features;
        if (cols[j].n_out > SIZE_MAX - f.n_features) {
            rc = seg_fail(SEG_ERR_OVERFLOW, "too many features");
            goto fail;
        }
        f.n_features += cols[j].n_out;
    }
    if (f.n_features == 0) {
        rc = seg_fail(SEG_ERR_EMPTY, "seg_scaler_fit: the columns encode to no features");
        goto fail;
    }
    if ((rc = build_feature_table(&f)) < 0)
        goto fail;
    sc->fit = f;
    sc->fitted = true;
    return SEG_OK;
fail:
    fit_clear(&f);
    return rc;
}

/* ---- queries ---------------------------------------------------------------- */

const scaler_fit *seg_scaler_fitted_state(const seg_scaler *sc)
{
    return sc->fitted ? &sc->fit : NULL;
}

int seg_scaler_is_fitted(const seg_scaler *sc)
{
    return sc && sc->fitted;
}

size_t seg_scaler_features(const seg_scaler *sc)
{
    return sc && sc->fitted ? sc->fit.n_features : 0;
}

const char *seg_scaler_feature_name(const seg_scaler *sc, size_t j)
{
    if (!sc || !sc->fitted || j >= sc->fit.n_features)
        return NULL;
    return sc->fit.feature_names[j];
}

const char *seg_scaler_feature_column(const seg_scaler *sc, size_t j)
{
    if (!sc || !sc->fitted || j >= sc->fit.n_features)
        return NULL;
    return sc->fit.cols[sc->fit.feature_col[j]].name;
}

int seg_scaler_feature_affine(const seg_scaler *sc, size_t j, double *center, double *scale)
{
    if (!sc || !center || !scale)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_scaler_feature_affine: NULL argument");
    if (!sc->fitted || j >= sc->fit.n_features)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_scaler_feature_affine: no feature %zu", j);
    const scol *s = &sc->fit.cols[sc->fit.feature_col[j]];
    *center = s->kind == SCOL_NUMERIC ? s->center : 0.0;
    *scale = s->kind == SCOL_NUMERIC ? s->scale : 1.0;
    return SEG_OK;
}

/* ---- clone ------------------------------------------------------------------ */

int seg_scol_copy(scol *dst, const scol *src)
{
    *dst = *src;
    dst->name = NULL;
    dst->levels = NULL;
    dst->n_levels = 0;
    if (!(dst->name = seg_strdup(src->name)))
        return SEG_NOMEM();
    if (src->kind == SCOL_NUMERIC)
        return SEG_OK;
    if (!(dst->levels = seg_calloc(src->n_levels, sizeof *dst->levels)))
        return SEG_NOMEM();
    dst->n_levels = src->n_levels;
    for (size_t l = 0; l < src->n_levels; l++)
        if (!(dst->levels[l] = seg_strdup(src->levels[l])))
            return SEG_NOMEM();
    return SEG_OK;
}

int seg_scaler_clone(const seg_scaler *sc, seg_scaler **out)
{
    if (!sc || !out)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_scaler_clone: NULL argument");
    *out = NULL;
    seg_scaler *c = seg_calloc(1, sizeof *c);
    int rc = SEG_OK;
    if (!c)
        return SEG_NOMEM();
    memcpy(c->opt, sc->opt, sizeof c->opt);
    if (sc->n_settings > 0) {
        if (!(c->settings = seg_calloc(sc->n_settings, sizeof *c->settings)))
            goto nomem;
        for (size_t i = 0; i < sc->n_settings; i++, c->n_settings++) {
            c->settings[i] = sc->settings[i];
            if (!(c->settings[i].name = seg_strdup(sc->settings[i].name)))
                goto nomem;
        }
    }
    if (sc->fitted) {
        const scaler_fit *f = &sc->fit;
        if (!(c->fit.cols = seg_calloc(f->n_cols, sizeof *c->fit.cols)))
            goto nomem;
        c->fit.n_cols = f->n_cols;
        for (size_t j = 0; j < f->n_cols; j++)
            if ((rc = seg_scol_copy(&c->fit.cols[j], &f->cols[j])) != SEG_OK)
                goto fail;
        c->fit.n_features = f->n_features;
        if ((rc = build_feature_table(&c->fit)) != SEG_OK)
            goto fail;
        c->fitted = true;
    }
    *out = c;
    return SEG_OK;
nomem:
    rc = SEG_NOMEM();
fail:
    seg_scaler_free(c);
    return rc;
}

/* ---- rebuild from stored state (model files) ------------------------------ */

bool seg_scaler_mark_other(seg_scaler *sc, size_t col, size_t level)
{
    if (!sc || !sc->fitted || col >= sc->fit.n_cols)
        return false;
    scol *s = &sc->fit.cols[col];
    if (s->kind == SCOL_NUMERIC || s->folded || level >= s->n_levels ||
        strcmp(s->levels[level], OTHER_LEVEL) != 0)
        return false;
    s->folded = true;
    s->other_level = level;
    return true;
}

void seg_scol_array_free(scol *cols, size_t n)
{
    if (!cols)
        return;
    for (size_t j = 0; j < n; j++)
        scol_clear(&cols[j]);
    seg_free(cols);
}

int seg_scaler_adopt(scol *cols, size_t n_cols, size_t n_features, seg_scaler **out)
{
    seg_scaler *sc = NULL;
    int rc = seg_scaler_new(&sc);
    if (rc < 0) {
        seg_scol_array_free(cols, n_cols);
        return rc;
    }
    sc->fit.cols = cols;
    sc->fit.n_cols = n_cols;
    sc->fit.n_features = n_features;
    if ((rc = build_feature_table(&sc->fit)) < 0) {
        seg_scaler_free(sc);
        return rc;
    }
    sc->fitted = true;
    *out = sc;
    return SEG_OK;
}

/* The creator again, with a as the current allocator: everything the new
 * object holds, now and later, comes from a. */
int seg_scaler_new_with_allocator(seg_scaler **out, seg_allocator *a)
{
    SEG_WITH_ALLOCATOR(a, seg_scaler_new(out));
}
