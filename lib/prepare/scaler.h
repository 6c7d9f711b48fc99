/*
 * Private scaler declarations shared by scaler.c (settings, fit, queries,
 * clone) and scaler_transform.c (transform). Not installed.
 *
 * The fitted-state structs live here, not in scaler.c, because a later
 * model-file serializer will need to walk them field by field (and a reader
 * to rebuild them); keep them plain data so that it can.
 */
#ifndef SEG_SCALER_H
#define SEG_SCALER_H

#include "data/data.h"

/* Deep copy of a fitted scaler (a model keeps its own). */
int seg_scaler_clone(const seg_scaler *sc, seg_scaler **out);

typedef enum scol_kind {
    SCOL_NUMERIC = 0, /* one feature: (t(x) - center) / scale */
    SCOL_BINARY = 1,  /* one 0/1 feature: 1 for levels[first_level] */
    SCOL_ONEHOT = 2   /* n_out 0/1 features for levels[first_level ..] */
} scol_kind;

/*
 * Fitted state of one training column: plain data, no pointer into the
 * training dataset and no raw rows, only statistics and level names. A model
 * file writer can walk it field by field and a reader rebuild it; the feature
 * names and feature -> column table of seg_scaler are derived from it.
 */
typedef struct scol {
    char *name; /* training column name: the key matched at transform */
    scol_kind kind;
    size_t offset; /* first output feature */
    size_t n_out;  /* output features (0 for a single level dropped first) */

    /* SCOL_NUMERIC; all in t-space (after signed log1p when log1p is set). */
    seg_scale_method method;
    bool log1p;
    double median; /* what missing values take; 0 when no value was seen */
    double center;
    double scale; /* never 0 */

    /* SCOL_BINARY and SCOL_ONEHOT. */
    char **levels; /* distinct training levels in byte order, "(missing)" included */
    size_t n_levels;
    size_t first_level;   /* level of output 0: binary, the level encoded as 1;
                             one-hot, 1 when the first level is dropped, else 0 */
    bool drop_first;      /* one-hot only */
    int64_t impute_level; /* level missing values take, -1: they encode as zeros */
    /* SEG_SCALER_MIN_LEVEL_COUNT folded rare levels into levels[other_level]
     * ("(other)"): a value outside the levels encodes as it, not as zeros. */
    bool folded;
    size_t other_level;
} scol;

/* The whole fitted state: cols is what a serializer writes; the feature
 * table is rebuilt from it (build_feature_table) after reading or cloning. */
typedef struct scaler_fit {
    scol *cols;
    size_t n_cols;
    size_t n_features;
    char **feature_names; /* n_features, owned */
    size_t *feature_col;  /* n_features: index into cols */
} scaler_fit;

/* A fitted scaler with default settings built from cols[0..n_cols) (as read
 * from a model file), which it takes over whatever happens: on failure they
 * are freed. n_features is the sum of the columns' n_out. */
int seg_scaler_adopt(scol *cols, size_t n_cols, size_t n_features, seg_scaler **out);

/* A model file's OTHR entry: column col of a fitted sc folded rare levels
 * into its level `level`, which must be "(other)". false (and no change) when
 * that does not hold or the column was marked already. */
bool seg_scaler_mark_other(seg_scaler *sc, size_t col, size_t level);

/* Deep copy of one fitted column into dst (which then owns its name and
 * levels, freed with the array by seg_scol_array_free even on failure).
 * SEG_ERR_NOMEM. */
int seg_scol_copy(scol *dst, const scol *src);

/* Free cols[0..n) and what each owns (also the array itself). */
void seg_scol_array_free(scol *cols, size_t n);

/* The fitted state of sc, or NULL when sc is not fitted. */
const scaler_fit *seg_scaler_fitted_state(const seg_scaler *sc);

/* The "t" of the numeric transform when log1p is set: sign(x) log(1 + |x|). */
static inline double seg_signed_log1p(double x)
{
    return copysign(log1p(fabs(x)), x);
}

/* Index of level in s->levels (sorted in byte order), or -1 when absent. */
int64_t seg_scol_level_index(const scol *s, const char *level);

/* The dataset's columns sorted by name (caller frees with seg_free; NULL when
 * memory runs out), so that matching m names costs O((n + m) log n) even for
 * very wide tables. */
const seg_column **seg_columns_by_name(const seg_dataset *ds);

/* The column called name in sorted[0..n) (from seg_columns_by_name), or NULL. */
const seg_column *seg_columns_find(const seg_column **sorted, size_t n, const char *name);

/* The feature matrix of a dataset (n x d doubles, allocated here, the
 * caller frees it with seg_free): through sc when given, else the dataset's
 * numeric columns as they are. SEG_ERR_STATE (sc not fitted), _EMPTY,
 * _OVERFLOW, _NOMEM or the transform's errors; *x is NULL on failure. */
int seg_dataset_features_f64(const seg_dataset *ds, const seg_scaler *sc, double **x, size_t *n,
                             size_t *d);

/* ---- pieces of the fit shared with the streaming fit (scaler_stream.c) ---- */

/* What the fit of a numeric column needs, in t-space: the range, the mean
 * and population standard deviation (standard), the quartiles (robust) and
 * the median (every method: missing values take it). */
typedef struct scol_numeric_stats {
    double lo, hi, mean, std, q1, q3, median;
} scol_numeric_stats;

/* Fit numeric column c of ds into s (scaler_numeric.c); buf holds room for
 * ds->n_rows values. impute_first: the statistics cover the n rows with the
 * missing ones at the median (SEG_IMPUTE_THEN_SCALE), else only the present
 * values. SEG_ERR_NONFINITE names the place of an infinite value, or of the
 * largest value of a column whose spread overflows. */
int seg_scol_fit_numeric(const seg_dataset *ds, const seg_column *c, seg_scale_method method,
                         bool log1p, bool impute_first, double *buf, scol *s);

/* Center, scale and median of s (its method set) from the statistics;
 * SEG_ERR_NONFINITE when they do not give finite values. */
int seg_scol_numeric_finish(scol *s, const char *name, const scol_numeric_stats *st);

/* A level and the rows that hold it. */
typedef struct level_count {
    const char *s;
    size_t count;
} level_count;

/* Fit a categorical column from its m distinct levels and their counts (tab
 * holds room for m + 1 entries; reordered), n_missing missing values out of
 * n rows. truncated: the caller stopped counting levels past the limit after
 * seeing only distinct values (reported as an identifier). SEG_ERR_PRIVACY,
 * SEG_ERR_LIMIT, SEG_ERR_NOMEM. */
int seg_scol_levels_finish(const seg_scaler *sc, const char *name, level_count *tab, size_t m,
                           size_t n_missing, size_t n, bool truncated, scol *s);

/* The method and log1p setting of the numeric column called name. */
void seg_scaler_column_plan(const seg_scaler *sc, const char *name, seg_scale_method *method,
                            bool *log1p);

/* Unique column names; per-column settings name numeric columns of ds. */
int seg_scaler_check_names(const seg_scaler *sc, const seg_dataset *ds);

/* Make cols[0..n_cols) (taken over whatever happens) sc's fit: offsets,
 * feature names; replaces the old fit. SEG_ERR_EMPTY, _OVERFLOW, _NOMEM. */
int seg_scaler_install(seg_scaler *sc, scol *cols, size_t n_cols);

#endif /* SEG_SCALER_H */
