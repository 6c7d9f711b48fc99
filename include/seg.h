/*
 * libseg: customer segmentation engine.
 *
 * This is the only public header of libseg. Every object is opaque and
 * created/destroyed through functions declared here; settings are read and
 * written through enum-keyed setters so that new options never change the ABI.
 *
 * Conventions (see docs/api.md):
 *  - Every fallible function returns an int status: SEG_OK (0) or one of the
 *    negative seg_status codes, whose meaning never changes. seg_strerror()
 *    gives a static description and seg_last_error() a per-thread detail
 *    message (file, line, column, what was expected) for the last failure.
 *  - The library never prints, never aborts and never exits.
 *  - Input arrays are copied unless a function says it borrows them.
 *  - A mutable object (dataset, scaler, kmeans, predictor) belongs to one
 *    thread at a time. A fitted seg_model is immutable: any number of threads
 *    may predict with it at once, each through its own seg_predictor.
 *    A fitted seg_scaler is only read by transforms, which may run from many
 *    threads at once. There is no global mutable state besides each thread's
 *    error detail.
 *  - Objects returned through an out parameter belong to the caller, who
 *    frees them with the matching *_free() (which accepts NULL). Strings and
 *    arrays returned by accessors belong to the object they come from.
 *  - The library never changes the BLAS thread setting; how its own threads
 *    and BLAS threads share the machine is described in the K-means group
 *    and in docs/api.md.
 *  - Numeric buffers come in _f32 / _f64 flavours; sizes are size_t; labels
 *    are int32_t.
 */
#ifndef SEG_H
#define SEG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @cond SEG_INTERNAL */
#if defined(_WIN32) && defined(SEG_BUILDING_LIBRARY)
#define SEG_API __declspec(dllexport)
#elif defined(_WIN32) && !defined(SEG_STATIC)
#define SEG_API __declspec(dllimport)
#elif defined(__GNUC__) && __GNUC__ >= 4
#define SEG_API __attribute__((visibility("default")))
#else
#define SEG_API
#endif
/** @endcond */

/**
 * @defgroup version Version
 *
 * While SEG_VERSION_MAJOR is 0, the API and ABI may still change between
 * minor versions (the shared library is libseg.so.0 throughout 0.x); from
 * 1.0 on, only a major version changes them.
 * @{
 */
/** Major version: raised on an incompatible API or ABI change. */
#define SEG_VERSION_MAJOR 0
/** Minor version: raised when functions or enum values are added. */
#define SEG_VERSION_MINOR 1
/** Patch version: raised for fixes only. */
#define SEG_VERSION_PATCH 0
/** The version as one number: MAJOR * 10000 + MINOR * 100 + PATCH. */
#define SEG_VERSION_NUMBER \
    (SEG_VERSION_MAJOR * 10000 + SEG_VERSION_MINOR * 100 + SEG_VERSION_PATCH)

/**
 * The version of the library loaded at run time, as SEG_VERSION_NUMBER.
 *
 * Compare with SEG_VERSION_NUMBER to detect a header/library mismatch.
 * Thread-safe.
 *
 * @return MAJOR * 10000 + MINOR * 100 + PATCH of the loaded library (100 for 0.1.0).
 */
SEG_API unsigned seg_version_number(void);

/**
 * The version of the library loaded at run time, as "MAJOR.MINOR.PATCH".
 *
 * @return a static string; never NULL. Thread-safe.
 */
SEG_API const char *seg_version_string(void);
/** @} */

/**
 * @defgroup errors Errors
 * @{
 */
/**
 * Status codes. Values are fixed forever; new codes are only ever appended.
 */
typedef enum seg_status {
    SEG_OK = 0,                 /**< Success. */
    SEG_ERR_NOMEM = -1,         /**< An allocation failed. */
    SEG_ERR_INVALID_ARG = -2,   /**< A NULL pointer, bad enum value or out-of-range setting. */
    SEG_ERR_IO = -3,            /**< A file could not be opened, read or written. */
    SEG_ERR_PARSE = -4,         /**< Malformed input text (CSV): the detail names line and column. */
    SEG_ERR_FORMAT = -5,        /**< Unsupported or malformed binary format (.npy header, dtype). */
    SEG_ERR_EMPTY = -6,         /**< No rows, or no columns/features, where some are needed. */
    SEG_ERR_NONFINITE = -7,     /**< NaN or infinity where finite numbers are required. */
    SEG_ERR_OVERFLOW = -8,      /**< A size computation would overflow size_t. */
    SEG_ERR_TOO_FEW_POINTS = -9,/**< k exceeds the number of distinct rows (or rows for a metric). */
    SEG_ERR_NOT_FOUND = -10,    /**< A named column does not exist. */
    SEG_ERR_STATE = -11,        /**< The object is not in a state that allows the call (e.g. scaler not fitted). */
    SEG_ERR_MISMATCH = -12,     /**< Dimensions or column types do not match what the object expects. */
    SEG_ERR_LIMIT = -13,        /**< A documented limit was exceeded (columns, levels, field length). */
    SEG_ERR_TYPE = -14          /**< A column has the wrong type for the request (e.g. categorical weights). */
} seg_status;

/**
 * A static English description of a status code.
 *
 * @param code a seg_status value (any int is accepted).
 * @return a static string, "unknown error" for codes this version does not know.
 *         Thread-safe.
 */
SEG_API const char *seg_strerror(int code);

/**
 * Detail message of the last failure on the calling thread.
 *
 * Set by every call that returns a negative status; left unchanged by calls
 * that succeed. Gives the file, line and column where they apply.
 *
 * @return a pointer to thread-local storage, valid until the next libseg call on
 *         this thread; "" if no failure has happened on this thread.
 */
SEG_API const char *seg_last_error(void);

/**
 * Clear the calling thread's detail message (seg_last_error() returns "").
 */
SEG_API void seg_clear_error(void);
/** @} */

/**
 * @defgroup dataset Dataset
 *
 * A dataset is a table of n rows and named columns, each numeric (double
 * values, missing recorded as NaN) or categorical (level strings, missing
 * recorded separately). One column may be set aside as the row id and one as
 * the row weight; neither is ever a feature.
 * @{
 */

/** Opaque table of customers. */
typedef struct seg_dataset seg_dataset;

/** Column types. */
typedef enum seg_column_type {
    SEG_COLUMN_AUTO = 0,        /**< Infer from the data (CSV only; see seg_dataset_read_csv()). */
    SEG_COLUMN_NUMERIC = 1,     /**< Real numbers. */
    SEG_COLUMN_CATEGORICAL = 2  /**< Text levels. */
} seg_column_type;

/** Opaque CSV reading options. */
typedef struct seg_csv_options seg_csv_options;

/** Integer CSV settings, for seg_csv_options_set_int(). */
typedef enum seg_csv_param {
    /** Field delimiter as a byte value: ',', ';' or '\\t' (or any other single
     *  byte except '"', CR and LF). 0 (default): detect among ',', ';' and tab
     *  from the first line outside quotes (the most frequent one wins; ties in
     *  that order; none of them: one column). */
    SEG_CSV_DELIMITER = 100,
    /** 1 (default): the first row holds column names. 0: columns are named
     *  "c1", "c2", ... */
    SEG_CSV_HEADER = 101,
    /** 1 (default): the default missing tokens ("", "NA", "NaN", "null",
     *  compared case-sensitively after trimming) count as missing. 0: only the
     *  empty field and the tokens added with seg_csv_options_add_missing(). */
    SEG_CSV_DEFAULT_MISSING = 102,
    /** Longest field accepted, in bytes as written between its delimiters, or
     *  between its quotes when quoted (default 1048576; 1 .. 2^30). */
    SEG_CSV_MAX_FIELD = 103,
    /** Most columns accepted (default 10000; 1 .. 1000000). */
    SEG_CSV_MAX_COLUMNS = 104
} seg_csv_param;

/**
 * Create CSV options with every setting at its default.
 *
 * The options are a mutable object: change them from one thread at a time.
 * Once set up, the same options may be passed (read only) to any number of
 * concurrent reads.
 *
 * @param[out] out receives the new object; set to NULL on failure. The caller
 *        frees it with seg_csv_options_free().
 * @return SEG_OK, SEG_ERR_INVALID_ARG (out is NULL) or SEG_ERR_NOMEM.
 */
SEG_API int seg_csv_options_new(seg_csv_options **out);

/**
 * Free CSV options. Accepts NULL.
 *
 * Datasets already read with the options do not refer to them.
 *
 * @param opts the options, or NULL.
 */
SEG_API void seg_csv_options_free(seg_csv_options *opts);

/**
 * Set an integer CSV setting.
 *
 * @param opts the options (changed; one thread at a time).
 * @param param which setting.
 * @param value its new value; see seg_csv_param for the ranges.
 * @return SEG_OK or SEG_ERR_INVALID_ARG (NULL opts, unknown param, value out of range).
 */
SEG_API int seg_csv_options_set_int(seg_csv_options *opts, seg_csv_param param, int64_t value);

/**
 * Read an integer CSV setting.
 *
 * @param opts the options.
 * @param param which setting.
 * @param[out] value receives the current value (the default if never set).
 * @return SEG_OK or SEG_ERR_INVALID_ARG (NULL opts or value, unknown param).
 */
SEG_API int seg_csv_options_get_int(const seg_csv_options *opts, seg_csv_param param,
                                    int64_t *value);

/**
 * Add a token that marks a missing value (compared with the field after
 * trimming spaces; the token itself is used as given).
 *
 * Tokens add up: each call adds one more, on top of the default tokens unless
 * SEG_CSV_DEFAULT_MISSING is 0. The empty field is always missing.
 *
 * @param opts the options (changed; one thread at a time).
 * @param token a NUL-terminated string; copied.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL opts or token) or SEG_ERR_NOMEM.
 */
SEG_API int seg_csv_options_add_missing(seg_csv_options *opts, const char *token);

/**
 * Force the type of a named column instead of inferring it.
 *
 * A column forced to SEG_COLUMN_NUMERIC whose fields do not all parse as
 * numbers makes the read fail with SEG_ERR_PARSE naming the first bad field.
 *
 * @param opts the options (changed; one thread at a time).
 * @param column the column name as in the header (copied).
 * @param type SEG_COLUMN_NUMERIC, SEG_COLUMN_CATEGORICAL or SEG_COLUMN_AUTO
 *        (AUTO undoes an earlier call for the name, which is then no longer
 *        looked for). A later call for the same name replaces an earlier one.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL opts or column, type not one of
 *         the three above) or SEG_ERR_NOMEM. A name that does not appear in
 *         the file makes the read fail with SEG_ERR_NOT_FOUND.
 */
SEG_API int seg_csv_options_set_column_type(seg_csv_options *opts, const char *column,
                                            seg_column_type type);

/**
 * Read a CSV file into a new dataset.
 *
 * Format: RFC 4180 (fields may be quoted with '"'; a quoted field may hold
 * delimiters, newlines and doubled quotes ""), CRLF or LF line ends, an
 * optional UTF-8 byte order mark, an optional final line end. Blank lines are
 * skipped. Every row must have as many fields as the header.
 *
 * Field values: an unquoted field is trimmed of spaces and tabs (column names,
 * levels, numbers and missing tokens alike); a quoted field is taken exactly
 * as written between its quotes (spaces and tabs around the quotes are
 * ignored). Quoting never changes a field's meaning: "12" is a number, "" is
 * the empty field and so missing. A '"' inside an unquoted field is ordinary
 * text. A blank line is one with no byte at all before its line end (with one
 * column, write an empty value as ""). An empty column name becomes "cN", N
 * being its 1-based field number; without a header the first row sets the
 * number of columns. Levels keep the order of their first appearance.
 * Numbers convert to the double strtod() gives in the "C" locale, whatever the
 * caller's locale.
 *
 * Type inference (for columns not forced with seg_csv_options_set_column_type()):
 * a field is a number when, after trimming spaces, it has the form
 * [+-]digits[.digits][(e|E)[+-]digits] (or [+-].digits...) and its value is
 * finite. A column is numeric when all its non-missing fields are numbers,
 * categorical when at most half of them are, and otherwise the read fails with
 * SEG_ERR_PARSE naming the first field that is not a number (stray text in a
 * numeric column: add the token as missing or force the type). A column whose
 * fields are all missing is numeric.
 *
 * Error details read "FILE:LINE:FIELD: what was found, what was expected",
 * with LINE the 1-based physical line (lines inside quoted fields count) and
 * FIELD the 1-based field number within the row; a quoted field that is never
 * closed is reported at the line where its quote opens, a ragged row at the
 * line where it starts.
 *
 * The whole file is read into memory and parsed from there. The call keeps no
 * state between calls: any number of threads may read files at once.
 *
 * @param[out] out receives the new dataset; set to NULL on failure. The caller
 *        frees it with seg_dataset_free().
 * @param path file name.
 * @param opts options, or NULL for the defaults; not retained.
 * @return SEG_OK, SEG_ERR_INVALID_ARG, SEG_ERR_IO (cannot open or read),
 *         SEG_ERR_EMPTY (no header, or no data rows), SEG_ERR_PARSE (ragged
 *         row, unterminated quote, stray text in a numeric column, text after
 *         a closing quote, a NUL byte), SEG_ERR_LIMIT (too many columns, field
 *         too long, duplicate column name, more than INT32_MAX levels in a
 *         column), SEG_ERR_NOT_FOUND (a forced column is absent), SEG_ERR_NOMEM.
 */
SEG_API int seg_dataset_read_csv(seg_dataset **out, const char *path,
                                 const seg_csv_options *opts);

/**
 * Read CSV text held in memory; as seg_dataset_read_csv().
 *
 * @param[out] out receives the new dataset; set to NULL on failure. The caller
 *        frees it with seg_dataset_free().
 * @param data the text; borrowed for the duration of the call only. May be
 *        NULL when size is 0 (which reads as empty input: SEG_ERR_EMPTY).
 * @param size its length in bytes (may hold NUL bytes, which are an error).
 * @param opts options, or NULL for the defaults; not retained.
 * @return as seg_dataset_read_csv() (never SEG_ERR_IO); messages name
 *         "<memory>" as the file.
 */
SEG_API int seg_dataset_read_csv_memory(seg_dataset **out, const void *data, size_t size,
                                        const seg_csv_options *opts);

/**
 * Read a NumPy .npy file (format version 1.0, 2.0 or 3.0; dtype little-endian
 * float32 '<f4' or float64 '<f8'; C order; one or two dimensions) into a new
 * all-numeric dataset with columns "x0", "x1", ... The data is read once,
 * straight into the dataset's storage, and kept in the file's precision. The
 * header may be at most 1 MiB; bytes after the data are ignored, as numpy does.
 * A non-finite value is reported by 1-based row and column.
 *
 * Any number of threads may read files at once.
 *
 * @param[out] out receives the new dataset; set to NULL on failure. The caller
 *        frees it with seg_dataset_free().
 * @param path file name.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL out or path), SEG_ERR_IO,
 *         SEG_ERR_FORMAT (bad magic, header, dtype, Fortran order, shape, or
 *         truncated data), SEG_ERR_NONFINITE (a NaN or infinity),
 *         SEG_ERR_EMPTY (a shape with a 0), SEG_ERR_OVERFLOW, SEG_ERR_NOMEM.
 */
SEG_API int seg_dataset_read_npy(seg_dataset **out, const char *path);

/**
 * Create an all-numeric dataset from a row-major n x d float array (copied).
 *
 * The values are kept as floats.
 *
 * @param[out] out receives the new dataset; set to NULL on failure. The caller
 *        frees it with seg_dataset_free().
 * @param x n * d values, row-major; must be finite. Copied: the caller may
 *        reuse or free it once the call returns.
 * @param n rows (>= 1).
 * @param d columns (>= 1).
 * @param names d column names (copied), or NULL for "x0", "x1", ...
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL out or x, a NULL name),
 *         SEG_ERR_EMPTY (n or d is 0), SEG_ERR_OVERFLOW,
 *         SEG_ERR_NONFINITE (the detail names row and column),
 *         SEG_ERR_LIMIT (duplicate names), SEG_ERR_NOMEM.
 */
SEG_API int seg_dataset_from_f32(seg_dataset **out, const float *x, size_t n, size_t d,
                                 const char *const *names);

/**
 * As seg_dataset_from_f32(), for double values (kept as doubles).
 *
 * @param[out] out receives the new dataset; set to NULL on failure. The caller
 *        frees it with seg_dataset_free().
 * @param x n * d values, row-major; must be finite. Copied.
 * @param n rows (>= 1).
 * @param d columns (>= 1).
 * @param names d column names (copied), or NULL for "x0", "x1", ...
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL out or x, a NULL name),
 *         SEG_ERR_EMPTY (n or d is 0), SEG_ERR_OVERFLOW,
 *         SEG_ERR_NONFINITE (the detail names row and column),
 *         SEG_ERR_LIMIT (duplicate names), SEG_ERR_NOMEM.
 */
SEG_API int seg_dataset_from_f64(seg_dataset **out, const double *x, size_t n, size_t d,
                                 const char *const *names);

/**
 * Free a dataset. Accepts NULL.
 *
 * Every string and array the dataset handed out (names, levels, ids, weights)
 * becomes invalid. Scalers and models fitted on it keep their own copies of
 * what they need and stay valid.
 *
 * @param ds the dataset, or NULL.
 */
SEG_API void seg_dataset_free(seg_dataset *ds);

/**
 * Number of rows.
 *
 * @param ds the dataset, or NULL.
 * @return the number of rows; 0 for NULL.
 */
SEG_API size_t seg_dataset_rows(const seg_dataset *ds);

/**
 * Number of feature columns, not counting the id and weight columns.
 *
 * @param ds the dataset, or NULL.
 * @return the number of feature columns; 0 for NULL.
 */
SEG_API size_t seg_dataset_columns(const seg_dataset *ds);

/**
 * Name of feature column j.
 *
 * @param ds the dataset.
 * @param j feature column index (0-based).
 * @return a string owned by the dataset, valid until it is changed or freed;
 *         NULL if j is out of range or ds is NULL.
 */
SEG_API const char *seg_dataset_column_name(const seg_dataset *ds, size_t j);

/**
 * Type of feature column j.
 *
 * @param ds the dataset.
 * @param j feature column index (0-based).
 * @return SEG_COLUMN_NUMERIC or SEG_COLUMN_CATEGORICAL (SEG_COLUMN_AUTO if j
 *         is out of range or ds is NULL).
 */
SEG_API seg_column_type seg_dataset_column_type(const seg_dataset *ds, size_t j);

/**
 * Number of missing values in feature column j.
 *
 * @param ds the dataset.
 * @param j feature column index (0-based).
 * @return the count; 0 if j is out of range or ds is NULL.
 */
SEG_API size_t seg_dataset_column_missing(const seg_dataset *ds, size_t j);

/**
 * Number of distinct levels of categorical column j (missing values are not
 * a level).
 *
 * @param ds the dataset.
 * @param j feature column index (0-based).
 * @return the number of levels; 0 for a numeric column, if j is out of range
 *         or ds is NULL.
 */
SEG_API size_t seg_dataset_column_levels(const seg_dataset *ds, size_t j);

/**
 * Find a feature column by name.
 *
 * @param ds the dataset.
 * @param name the exact column name.
 * @param[out] index receives the column index.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL argument) or SEG_ERR_NOT_FOUND
 *         (the id and weight columns are not feature columns either).
 */
SEG_API int seg_dataset_column_index(const seg_dataset *ds, const char *name, size_t *index);

/**
 * Read one numeric value.
 *
 * @param ds the dataset.
 * @param row row index (0-based).
 * @param j feature column index.
 * @param[out] value receives the value (NaN when missing).
 * @return SEG_OK, SEG_ERR_INVALID_ARG (out of range, NULL ds or value) or
 *         SEG_ERR_TYPE (categorical column).
 */
SEG_API int seg_dataset_get_f64(const seg_dataset *ds, size_t row, size_t j, double *value);

/**
 * Read one categorical value.
 *
 * @param ds the dataset.
 * @param row row index (0-based).
 * @param j feature column index.
 * @param[out] value receives the level string (owned by the dataset, valid
 *        until it is changed or freed), or NULL when missing.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (out of range, NULL ds or value) or
 *         SEG_ERR_TYPE (numeric column).
 */
SEG_API int seg_dataset_get_text(const seg_dataset *ds, size_t row, size_t j,
                                 const char **value);

/**
 * Keep only the named feature columns, in the order given.
 *
 * Changes ds: one thread at a time, and strings it handed out for dropped
 * columns become invalid.
 *
 * @param ds the dataset (changed in place; on failure it is left unchanged).
 * @param names count column names; borrowed for the call.
 * @param count how many (>= 1).
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL ds or names, count is 0, a NULL
 *         name), SEG_ERR_NOT_FOUND (the detail names the column),
 *         SEG_ERR_LIMIT (a name given twice), SEG_ERR_NOMEM.
 */
SEG_API int seg_dataset_select(seg_dataset *ds, const char *const *names, size_t count);

/**
 * Drop the named feature columns.
 *
 * Changes ds: one thread at a time, and strings it handed out for dropped
 * columns become invalid. A name given twice is dropped once.
 *
 * @param ds the dataset (changed in place).
 * @param names count column names; borrowed for the call. May be NULL when
 *        count is 0.
 * @param count how many (0 drops nothing).
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL ds, NULL names with count > 0, a
 *         NULL name), SEG_ERR_NOT_FOUND, SEG_ERR_EMPTY (no column would be
 *         left), SEG_ERR_NOMEM. On failure ds is unchanged.
 */
SEG_API int seg_dataset_drop(seg_dataset *ds, const char *const *names, size_t count);

/**
 * Move a column aside as the row id: it stops being a feature, and its text is
 * available through seg_dataset_id(). A numeric column's values are formatted
 * with "%.17g" (so "007" becomes "7"): to keep ids exactly as written, force the
 * column to SEG_COLUMN_CATEGORICAL when reading.
 *
 * Changes ds: one thread at a time.
 *
 * @param ds the dataset (changed in place).
 * @param name name of a feature column.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL ds or name), SEG_ERR_NOT_FOUND,
 *         SEG_ERR_STATE (an id column is already set), SEG_ERR_NOMEM.
 */
SEG_API int seg_dataset_set_id_column(seg_dataset *ds, const char *name);

/**
 * The id of a row: its id-column text, or NULL when no id column is set, the
 * row is out of range or the id is missing. Owned by the dataset.
 *
 * @param ds the dataset, or NULL.
 * @param row row index (0-based).
 * @return the id text, valid until the dataset is freed; or NULL as above
 *         (also for a NULL ds).
 */
SEG_API const char *seg_dataset_id(const seg_dataset *ds, size_t row);

/**
 * Name of the id column, or NULL when none is set. Owned by the dataset.
 *
 * @param ds the dataset, or NULL.
 * @return the name, valid until the dataset is freed; NULL when no id column
 *         is set or ds is NULL.
 */
SEG_API const char *seg_dataset_id_name(const seg_dataset *ds);

/**
 * Move a numeric column aside as the row weights (for example customer value).
 * Every weight must be finite and > 0.
 *
 * The weights are then used by seg_kmeans_fit_dataset(). Changes ds: one
 * thread at a time.
 *
 * @param ds the dataset (changed in place; on failure it is left unchanged).
 * @param name name of a numeric feature column.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL ds or name), SEG_ERR_NOT_FOUND,
 *         SEG_ERR_TYPE (categorical column), SEG_ERR_NONFINITE (missing,
 *         negative, zero or non-finite weight; the detail names the row),
 *         SEG_ERR_STATE (weights already set), SEG_ERR_NOMEM.
 */
SEG_API int seg_dataset_set_weight_column(seg_dataset *ds, const char *name);

/**
 * The row weights set by seg_dataset_set_weight_column(), or NULL.
 * Owned by the dataset; n values.
 *
 * @param ds the dataset, or NULL.
 * @return seg_dataset_rows(ds) weights, valid until the dataset is freed; NULL
 *         when no weight column is set or ds is NULL.
 */
SEG_API const double *seg_dataset_weights(const seg_dataset *ds);

/**
 * Copy an all-numeric dataset into a row-major array.
 *
 * @param ds the dataset.
 * @param[out] out receives n * d values, row-major (value of row i, column j at
 *        out[i * d + j]), d being seg_dataset_columns().
 * @param len length of out in elements (must be >= n * d).
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL ds or out), SEG_ERR_OVERFLOW,
 *         SEG_ERR_TYPE (a categorical column), SEG_ERR_NONFINITE (a missing
 *         value), SEG_ERR_MISMATCH (len too small).
 */
SEG_API int seg_dataset_copy_f64(const seg_dataset *ds, double *out, size_t len);
/** @} */

/**
 * @defgroup scaler Scaler
 *
 * A scaler learns, from a training dataset, how to turn its columns into a
 * numeric feature matrix, and then applies exactly that transform to any
 * dataset with the same column names (new customers):
 *
 *  - numeric columns: optional signed log1p (sign(x) * log(1 + |x|)), missing
 *    values replaced by the training median, then scaled:
 *    standard ((x - mean) / population std), min-max ((x - min) / (max - min)),
 *    robust ((x - median) / IQR, quartiles by linear interpolation) or none.
 *    A zero std, range or IQR is replaced by 1 so constant columns never
 *    divide by zero.
 *  - categorical columns with exactly two levels (after imputation) become one
 *    0/1 feature "col=level": the level is the affirmative one for yes/no,
 *    true/false, y/n, t/f, 1/0 pairs (any case), otherwise the second in byte
 *    order.
 *  - other categorical columns are one-hot encoded, one 0/1 feature
 *    "col=level" per level in byte order (optionally without the first).
 *    Missing values form their own level "col=(missing)", or take the mode.
 *  - a level not seen in training encodes as all zeros.
 *
 * Encoded 0/1 features are not scaled.
 *
 * Details:
 *  - Statistics (mean, std, min, max, median, quartiles) are computed on the
 *    non-missing training values, after log1p when it is set; quartiles and
 *    median follow numpy's default ('linear': position (n - 1) q). Missing
 *    values then take the training median, also after log1p, so under
 *    standard scaling a missing value becomes (median - mean) / std. A column
 *    with no value at all imputes 0 with center 0 and scale 1.
 *  - Levels are ordered by strcmp(); "(missing)" sorts among them as that
 *    string, and a level spelt "(missing)" is the missing level. Mode ties go
 *    to the first level in byte order; a column whose every value is missing
 *    has "(missing)" as its level under either policy. Under SEG_IMPUTE_LEVEL,
 *    a missing value in a column that had none in training encodes as zeros,
 *    like an unseen level.
 *  - A categorical column with one level gives one feature (none with
 *    drop-first); drop-first never applies to two-level columns.
 *  - The scaler keeps statistics and level names only, never rows.
 * @{
 */

/** Opaque fitted transform from dataset columns to features. */
typedef struct seg_scaler seg_scaler;

/** Scaling methods for numeric columns. */
typedef enum seg_scale_method {
    SEG_SCALE_NONE = 0,     /**< Values as they are (after imputation and log1p). */
    SEG_SCALE_STANDARD = 1, /**< (x - mean) / population standard deviation. */
    SEG_SCALE_MINMAX = 2,   /**< (x - min) / (max - min). */
    SEG_SCALE_ROBUST = 3    /**< (x - median) / (Q3 - Q1). */
} seg_scale_method;

/** How missing categorical values are imputed. */
typedef enum seg_impute_categorical {
    SEG_IMPUTE_LEVEL = 0,   /**< Missing is a level of its own, "(missing)". */
    SEG_IMPUTE_MODE = 1     /**< Missing takes the most frequent training level. */
} seg_impute_categorical;

/** Scaler settings, for seg_scaler_set_int(). */
typedef enum seg_scaler_param {
    SEG_SCALER_METHOD = 100,           /**< seg_scale_method for numeric columns (default SEG_SCALE_STANDARD). */
    SEG_SCALER_DROP_FIRST = 101,       /**< 1: one-hot omits the first level (default 0). */
    SEG_SCALER_CATEGORICAL_MISSING = 102, /**< seg_impute_categorical (default SEG_IMPUTE_LEVEL). */
    SEG_SCALER_MAX_LEVELS = 103        /**< Most levels a categorical column may have (default 1000; 2 .. 1000000). */
} seg_scaler_param;

/** Per-column scaler settings, for seg_scaler_set_column_int(). */
typedef enum seg_scaler_column_param {
    SEG_SCALER_COLUMN_METHOD = 200,    /**< seg_scale_method for this numeric column. */
    SEG_SCALER_COLUMN_LOG1P = 201      /**< 1: apply signed log1p before scaling (default 0). */
} seg_scaler_column_param;

/**
 * Create an unfitted scaler with default settings.
 *
 * @param[out] out receives the new scaler; set to NULL on failure. The caller
 *        frees it with seg_scaler_free().
 * @return SEG_OK, SEG_ERR_INVALID_ARG (out is NULL) or SEG_ERR_NOMEM.
 */
SEG_API int seg_scaler_new(seg_scaler **out);

/**
 * Free a scaler. Accepts NULL.
 *
 * Models fitted through the scaler keep their own copy and stay valid.
 * Strings the scaler handed out become invalid.
 *
 * @param sc the scaler, or NULL.
 */
SEG_API void seg_scaler_free(seg_scaler *sc);

/**
 * Change a setting; takes effect at the next seg_scaler_fit().
 *
 * @param sc the scaler (changed; one thread at a time).
 * @param param which setting.
 * @param value its new value: SEG_SCALER_METHOD a seg_scale_method (0 .. 3),
 *        SEG_SCALER_DROP_FIRST 0 or 1, SEG_SCALER_CATEGORICAL_MISSING a
 *        seg_impute_categorical (0 or 1), SEG_SCALER_MAX_LEVELS 2 .. 1000000.
 * @return SEG_OK or SEG_ERR_INVALID_ARG (NULL sc, unknown param, value out of
 *         range).
 */
SEG_API int seg_scaler_set_int(seg_scaler *sc, seg_scaler_param param, int64_t value);

/**
 * Read a setting.
 *
 * @param sc the scaler.
 * @param param which setting.
 * @param[out] value receives its current value.
 * @return SEG_OK or SEG_ERR_INVALID_ARG (NULL sc or value, unknown param).
 */
SEG_API int seg_scaler_get_int(const seg_scaler *sc, seg_scaler_param param, int64_t *value);

/**
 * Change a setting for one named column; takes effect at the next fit. A name
 * that is not a numeric column of the training dataset makes the fit fail with
 * SEG_ERR_NOT_FOUND.
 *
 * A later call for the same column and param replaces the earlier value; the
 * column's other setting is kept. Settings stay with the scaler across fits.
 *
 * @param sc the scaler (changed; one thread at a time).
 * @param column the column name (copied).
 * @param param which setting.
 * @param value SEG_SCALER_COLUMN_METHOD: a seg_scale_method (0 .. 3), which
 *        overrides SEG_SCALER_METHOD for this column; SEG_SCALER_COLUMN_LOG1P: 0
 *        or 1.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL sc or column, unknown param, value
 *         out of range), SEG_ERR_OVERFLOW or SEG_ERR_NOMEM.
 */
SEG_API int seg_scaler_set_column_int(seg_scaler *sc, const char *column,
                                      seg_scaler_column_param param, int64_t value);

/**
 * Learn the transform from a dataset (replacing any previous fit).
 *
 * Changes sc: one thread at a time, and no transform may run on sc meanwhile.
 * Feature names the scaler handed out before become invalid. The dataset is
 * only read and is not retained.
 *
 * @param sc the scaler.
 * @param ds the training dataset.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL sc or ds), SEG_ERR_EMPTY (no rows
 *         or columns, or the columns encode to no feature), SEG_ERR_LIMIT (a
 *         categorical column has more levels than SEG_SCALER_MAX_LEVELS, or two
 *         columns share a name), SEG_ERR_NOT_FOUND (a per-column setting names
 *         no numeric column), SEG_ERR_NONFINITE (an infinite value, or values
 *         whose statistics overflow), SEG_ERR_OVERFLOW, SEG_ERR_NOMEM. On
 *         failure the scaler is unfitted.
 */
SEG_API int seg_scaler_fit(seg_scaler *sc, const seg_dataset *ds);

/**
 * Whether the scaler holds a fit.
 *
 * @param sc the scaler, or NULL.
 * @return 1 if the scaler has been fitted, 0 otherwise (also for NULL).
 */
SEG_API int seg_scaler_is_fitted(const seg_scaler *sc);

/**
 * Number of output features.
 *
 * @param sc the scaler, or NULL.
 * @return the number of features a transform writes per row; 0 when not
 *         fitted or sc is NULL.
 */
SEG_API size_t seg_scaler_features(const seg_scaler *sc);

/**
 * Name of output feature j: "balance", "job=admin.", "default=yes", ...
 *
 * @param sc the scaler.
 * @param j output feature index (0-based).
 * @return a string owned by the scaler, valid until its next seg_scaler_fit()
 *         or seg_scaler_free(); NULL if j is out of range, the scaler is not
 *         fitted or sc is NULL.
 */
SEG_API const char *seg_scaler_feature_name(const seg_scaler *sc, size_t j);

/**
 * Name of the input column that output feature j comes from.
 *
 * @param sc the scaler.
 * @param j output feature index (0-based).
 * @return a string owned by the scaler, valid until its next seg_scaler_fit()
 *         or seg_scaler_free(); NULL if j is out of range, the scaler is not
 *         fitted or sc is NULL.
 */
SEG_API const char *seg_scaler_feature_column(const seg_scaler *sc, size_t j);

/**
 * The affine map of output feature j: feature = (t(x) - center) / scale, where
 * t is the identity or signed log1p for numeric columns, and the 0/1 indicator
 * for encoded ones (center 0, scale 1).
 *
 * Use it to turn centroids back into the columns' units: x = center + scale *
 * feature (then undo log1p where it was set).
 *
 * @param sc a fitted scaler.
 * @param j output feature index (0-based).
 * @param[out] center receives the center.
 * @param[out] scale receives the scale (never 0).
 * @return SEG_OK or SEG_ERR_INVALID_ARG (NULL argument, j out of range,
 *         scaler not fitted).
 */
SEG_API int seg_scaler_feature_affine(const seg_scaler *sc, size_t j, double *center,
                                      double *scale);

/**
 * Transform a dataset into a row-major n x seg_scaler_features() matrix.
 *
 * Columns are matched by name; extra columns are ignored. Values are computed
 * in double and rounded to float. Runs on the calling thread.
 *
 * @param sc a fitted scaler (not changed; many threads may transform at once).
 * @param ds the dataset (only read).
 * @param[out] out receives n * features values.
 * @param len length of out in elements.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL sc, ds or out), SEG_ERR_STATE
 *         (not fitted), SEG_ERR_NOT_FOUND (a training column is missing; the
 *         detail names it), SEG_ERR_TYPE (a column's type differs from
 *         training), SEG_ERR_MISMATCH (len too small), SEG_ERR_OVERFLOW,
 *         SEG_ERR_NOMEM (working memory grows with the dataset's level counts,
 *         plus one block of rows for float output). An infinite input value
 *         gives an infinite feature.
 */
SEG_API int seg_scaler_transform_f32(const seg_scaler *sc, const seg_dataset *ds, float *out,
                                     size_t len);

/**
 * As seg_scaler_transform_f32(), for double output.
 *
 * @param sc a fitted scaler (not changed; many threads may transform at once).
 * @param ds the dataset (only read).
 * @param[out] out receives n * features values.
 * @param len length of out in elements.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL sc, ds or out), SEG_ERR_STATE
 *         (not fitted), SEG_ERR_NOT_FOUND (a training column is missing; the
 *         detail names it), SEG_ERR_TYPE (a column's type differs from
 *         training), SEG_ERR_MISMATCH (len too small), SEG_ERR_OVERFLOW,
 *         SEG_ERR_NOMEM (working memory grows with the dataset's level
 *         counts). An infinite input value gives an infinite feature.
 */
SEG_API int seg_scaler_transform_f64(const seg_scaler *sc, const seg_dataset *ds, double *out,
                                     size_t len);
/** @} */

/**
 * @defgroup kmeans K-means
 *
 * A seg_kmeans object holds settings and fitting workspace; each fit produces
 * an immutable seg_model.
 *
 * Algorithm: initial centroids by greedy k-means++ (2 + floor(ln k) candidates
 * per step, the one that lowers the potential most is kept), by k distinct
 * random rows, or given by the caller; then Lloyd iterations. Distances come
 * from one GEMM per block of rows as ||x||^2 - 2 x.c + ||c||^2 clamped at 0.
 * Iterations stop after SEG_KMEANS_MAX_ITER, when no label changes, or when
 * the summed squared centroid shift is <= tol x (mean over features of the
 * population variance): the rule scikit-learn uses. A cluster that becomes
 * empty is re-seeded with the point farthest from its centroid. The best of
 * SEG_KMEANS_N_INIT runs (lowest inertia) is kept.
 *
 * Segments are numbered by decreasing weight (number of customers when
 * unweighted), ties broken by the centroids' coordinates, so the numbering
 * never depends on the initialisation.
 *
 * Results depend only on the data, the settings and the seed: partial sums are
 * combined in an order that does not depend on the number of threads.
 *
 * Threads and BLAS: rows are cut into partitions that depend only on n, k and
 * d; up to SEG_KMEANS_THREADS library (OpenMP) threads run them, 0 meaning
 * the number of processors. Each block of rows makes one cblas_sgemm or
 * cblas_dgemm call. With OpenBLAS, blocks are kept under the size at which
 * OpenBLAS starts its own threads (65536 x OPENBLAS_GEMM_MULTITHREAD_THRESHOLD
 * multiply-adds), so each call stays on the calling thread; when k x d is so
 * large that blocks would hold fewer than 32 rows, the pass runs on one
 * library thread and OpenBLAS threads each GEMM instead. The library never
 * calls openblas_set_num_threads(). Other CBLAS libraries are assumed to run
 * each call on the calling thread. See docs/api.md.
 * @{
 */

/** Opaque k-means settings and workspace. */
typedef struct seg_kmeans seg_kmeans;
/** Opaque fitted model (immutable). */
typedef struct seg_model seg_model;

/** Initialisation methods. */
typedef enum seg_init {
    SEG_INIT_KMEANSPP = 0, /**< Greedy k-means++ (default). */
    SEG_INIT_RANDOM = 1,   /**< k distinct rows chosen uniformly at random. */
    SEG_INIT_GIVEN = 2     /**< Centroids from seg_kmeans_set_init_centroids_f64(). */
} seg_init;

/** Numeric precision of a dataset fit. */
typedef enum seg_dtype {
    SEG_DTYPE_F64 = 0, /**< double (default). */
    SEG_DTYPE_F32 = 1  /**< float, sums accumulated in double. */
} seg_dtype;

/** K-means settings. Integer ones through seg_kmeans_set_int(), real ones through seg_kmeans_set_double(). */
typedef enum seg_kmeans_param {
    SEG_KMEANS_K = 100,        /**< int: number of segments (default 8; 1 .. 1000000). */
    SEG_KMEANS_MAX_ITER = 101, /**< int: most Lloyd iterations per run (default 300; 1 .. 10^9). */
    SEG_KMEANS_N_INIT = 102,   /**< int: runs from different starts (default 1; 1 .. 10^6). */
    SEG_KMEANS_INIT = 103,     /**< int: seg_init (default SEG_INIT_KMEANSPP). */
    SEG_KMEANS_SEED = 104,     /**< int: random seed (default 0; any int64). */
    SEG_KMEANS_THREADS = 105,  /**< int: worker threads, 0 = all cores (default 0; 0 .. 4096). */
    SEG_KMEANS_DTYPE = 106,    /**< int: seg_dtype for seg_kmeans_fit_dataset() (default SEG_DTYPE_F64). */
    SEG_KMEANS_ALGORITHM = 107, /**< int: seg_algorithm (default SEG_ALGORITHM_AUTO). */
    SEG_KMEANS_TOL = 200       /**< double: relative tolerance (default 1e-4; 0 .. 1e6). */
} seg_kmeans_param;

/**
 * Create a k-means object with default settings.
 *
 * @param[out] out receives the new object; set to NULL on failure. The caller
 *        frees it with seg_kmeans_free().
 * @return SEG_OK, SEG_ERR_INVALID_ARG (out is NULL) or SEG_ERR_NOMEM.
 */
SEG_API int seg_kmeans_new(seg_kmeans **out);

/**
 * Free a k-means object. Accepts NULL.
 *
 * Models it produced do not refer to it and stay valid.
 *
 * @param km the object, or NULL.
 */
SEG_API void seg_kmeans_free(seg_kmeans *km);

/**
 * Change an integer setting.
 *
 * @param km the object (changed; one thread at a time).
 * @param param an integer setting of seg_kmeans_param.
 * @param value its new value, within seg_kmeans_param_bounds().
 * @return SEG_OK or SEG_ERR_INVALID_ARG (unknown param, a real-valued param, value out of range,
 *         NULL km, or SEG_KMEANS_INIT = SEG_INIT_GIVEN before
 *         seg_kmeans_set_init_centroids_f64() was called).
 */
SEG_API int seg_kmeans_set_int(seg_kmeans *km, seg_kmeans_param param, int64_t value);

/**
 * Change a real setting.
 *
 * @param km the object (changed; one thread at a time).
 * @param param a real setting of seg_kmeans_param (SEG_KMEANS_TOL).
 * @param value its new value, within seg_kmeans_param_bounds() (NaN is refused).
 * @return SEG_OK or SEG_ERR_INVALID_ARG (NULL km, unknown or integer param,
 *         value out of range).
 */
SEG_API int seg_kmeans_set_double(seg_kmeans *km, seg_kmeans_param param, double value);

/**
 * Read an integer setting.
 *
 * @param km the object.
 * @param param an integer setting of seg_kmeans_param.
 * @param[out] value receives its current value.
 * @return SEG_OK or SEG_ERR_INVALID_ARG (NULL km or value, unknown or
 *         real-valued param).
 */
SEG_API int seg_kmeans_get_int(const seg_kmeans *km, seg_kmeans_param param, int64_t *value);

/**
 * Read a real setting.
 *
 * @param km the object.
 * @param param a real setting of seg_kmeans_param (SEG_KMEANS_TOL).
 * @param[out] value receives its current value.
 * @return SEG_OK or SEG_ERR_INVALID_ARG (NULL km or value, unknown or integer
 *         param).
 */
SEG_API int seg_kmeans_get_double(const seg_kmeans *km, seg_kmeans_param param, double *value);

/**
 * The accepted range of a setting (integer settings report whole numbers).
 *
 * Needs no object and keeps no state: thread-safe. SEG_KMEANS_SEED reports
 * -2^63 .. 2^63 (the nearest doubles to the int64 range).
 *
 * @param param any seg_kmeans_param.
 * @param[out] lower receives the smallest accepted value.
 * @param[out] upper receives the largest accepted value.
 * @return SEG_OK or SEG_ERR_INVALID_ARG (unknown param, NULL lower or upper).
 */
SEG_API int seg_kmeans_param_bounds(seg_kmeans_param param, double *lower, double *upper);

/**
 * Give the starting centroids and select SEG_INIT_GIVEN (and SEG_KMEANS_K = k).
 *
 * The copy stays with km for later fits until it is replaced or km is freed.
 *
 * @param km the k-means object (changed; one thread at a time).
 * @param centroids k * d finite values, row-major; copied.
 * @param k number of centroids (>= 1).
 * @param d their dimension; a fit on data of another dimension fails with SEG_ERR_MISMATCH.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL km or centroids, k or d is 0,
 *         k > 1000000), SEG_ERR_NONFINITE, SEG_ERR_OVERFLOW, SEG_ERR_NOMEM.
 */
SEG_API int seg_kmeans_set_init_centroids_f64(seg_kmeans *km, const double *centroids,
                                              size_t k, size_t d);

/**
 * Fit k-means to a row-major n x d float matrix.
 *
 * With SEG_INIT_GIVEN, n_init is treated as 1.
 *
 * Distances are computed in float, sums accumulated in double. The passes
 * over the rows run on up to SEG_KMEANS_THREADS library threads (see the
 * group description for how they share the machine with BLAS); the result
 * does not depend on that number.
 *
 * @param km settings and workspace (one thread at a time).
 * @param x n * d finite values; borrowed for the call.
 * @param n rows.
 * @param d features.
 * @param weights n finite weights > 0, or NULL for unit weights; borrowed for
 *        the call.
 * @param[out] labels if not NULL, receives the n final labels (0 .. k-1), in
 *        the model's segment numbering; its contents are unspecified on failure.
 * @param[out] out receives the model; NULL on failure. The caller frees it with
 *        seg_model_free(); it does not refer to km, x or weights.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL km, x or out), SEG_ERR_EMPTY (n or d is 0),
 *         SEG_ERR_NONFINITE (x or weights), SEG_ERR_TOO_FEW_POINTS (k exceeds
 *         the number of distinct rows), SEG_ERR_MISMATCH (given centroids
 *         whose count is not SEG_KMEANS_K, or of another dimension), SEG_ERR_LIMIT (d > INT32_MAX, the BLAS index
 *         range), SEG_ERR_OVERFLOW, SEG_ERR_NOMEM.
 */
SEG_API int seg_kmeans_fit_f32(seg_kmeans *km, const float *x, size_t n, size_t d,
                               const double *weights, int32_t *labels, seg_model **out);

/**
 * As seg_kmeans_fit_f32(), for a double matrix.
 *
 * @param km settings and workspace (one thread at a time).
 * @param x n * d finite doubles, row-major; borrowed for the call.
 * @param n rows.
 * @param d features.
 * @param weights n finite weights > 0, or NULL for unit weights; borrowed for
 *        the call.
 * @param[out] labels if not NULL, receives the n final labels (0 .. k-1), in
 *        the model's segment numbering; its contents are unspecified on failure.
 * @param[out] out receives the model; NULL on failure. The caller frees it with
 *        seg_model_free(); it does not refer to km, x or weights.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL km, x or out), SEG_ERR_EMPTY (n or d is 0),
 *         SEG_ERR_NONFINITE (x or weights), SEG_ERR_TOO_FEW_POINTS (k exceeds
 *         the number of distinct rows), SEG_ERR_MISMATCH (given centroids
 *         whose count is not SEG_KMEANS_K, or of another dimension), SEG_ERR_LIMIT (d > INT32_MAX, the BLAS index
 *         range), SEG_ERR_OVERFLOW, SEG_ERR_NOMEM.
 */
SEG_API int seg_kmeans_fit_f64(seg_kmeans *km, const double *x, size_t n, size_t d,
                               const double *weights, int32_t *labels, seg_model **out);

/**
 * Fit k-means to a dataset through a fitted scaler.
 *
 * The dataset is transformed with the scaler (in SEG_KMEANS_DTYPE precision)
 * and its weights, if any, are used. The model keeps a copy of the scaler so
 * that seg_predictor_run_dataset() can score raw rows.
 *
 * Neither ds nor sc is changed or retained: the caller may refit or free the
 * scaler after the call without affecting the model.
 *
 * @param km settings and workspace (one thread at a time).
 * @param ds the training dataset.
 * @param sc a fitted scaler, or NULL to use an all-numeric dataset as it is.
 * @param[out] labels if not NULL, receives the n final labels, n being
 *        seg_dataset_rows(ds); its contents are unspecified on failure.
 * @param[out] out receives the model; NULL on failure. The caller frees it with
 *        seg_model_free().
 * @return as seg_kmeans_fit_f32(), plus those of seg_scaler_transform_f32(), and
 *         SEG_ERR_TYPE / SEG_ERR_NONFINITE when sc is NULL and the dataset has
 *         categorical or missing values; SEG_ERR_INVALID_ARG for a NULL km, ds
 *         or out, SEG_ERR_STATE when sc is not fitted.
 */
SEG_API int seg_kmeans_fit_dataset(seg_kmeans *km, const seg_dataset *ds, const seg_scaler *sc,
                                   int32_t *labels, seg_model **out);
/** @} */

/**
 * @defgroup model Model
 * A fitted model: centroids in feature space, fit statistics, and the scaler
 * it was fitted through (if any). Immutable; safe to share between threads.
 * @{
 */

/**
 * Free a model. Accepts NULL.
 *
 * Also frees the model's copy of the scaler. Free every predictor created
 * from the model first, and make sure no other thread is still using it.
 *
 * @param m the model, or NULL.
 */
SEG_API void seg_model_free(seg_model *m);

/**
 * Number of segments k.
 *
 * @param m the model, or NULL.
 * @return k; 0 for NULL.
 */
SEG_API size_t seg_model_k(const seg_model *m);

/**
 * Number of features d.
 *
 * @param m the model, or NULL.
 * @return d; 0 for NULL.
 */
SEG_API size_t seg_model_dim(const seg_model *m);

/**
 * Copy the centroids, row-major k x d, in feature (scaled) units.
 *
 * Row j is segment j. Centroids are held in double whatever the precision of
 * the fit.
 *
 * @param m the model.
 * @param[out] out receives k * d values.
 * @param len length of out in elements.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL m or out) or SEG_ERR_MISMATCH (len < k * d).
 */
SEG_API int seg_model_centroids_f64(const seg_model *m, double *out, size_t len);

/**
 * Weighted sum of squared distances of the training rows to their centroids.
 *
 * @param m the model, or NULL.
 * @return the inertia of the kept run; 0 for NULL.
 */
SEG_API double seg_model_inertia(const seg_model *m);

/**
 * Lloyd iterations run by the kept run.
 *
 * @param m the model, or NULL.
 * @return the number of iterations; 0 for NULL.
 */
SEG_API int64_t seg_model_iterations(const seg_model *m);

/**
 * Whether the kept run converged.
 *
 * @param m the model, or NULL.
 * @return 1 if the kept run stopped by tolerance or stable labels, 0 if it hit
 *         max_iter (and 0 for NULL).
 */
SEG_API int seg_model_converged(const seg_model *m);

/**
 * Number of training rows the model was fitted on.
 *
 * @param m the model, or NULL.
 * @return n; 0 for NULL.
 */
SEG_API size_t seg_model_rows(const seg_model *m);

/**
 * Training rows in segment j.
 *
 * @param m the model, or NULL.
 * @param j segment index, 0 .. k-1.
 * @return the number of rows; 0 if j is out of range or m is NULL.
 */
SEG_API size_t seg_model_segment_size(const seg_model *m, size_t j);

/**
 * Summed weight of the training rows in segment j.
 *
 * @param m the model, or NULL.
 * @param j segment index, 0 .. k-1.
 * @return the weight (the number of rows when the fit was unweighted); 0 if j
 *         is out of range or m is NULL.
 */
SEG_API double seg_model_segment_weight(const seg_model *m, size_t j);

/**
 * Seconds the fit took (wall clock, whole fit including initialisation).
 *
 * For seg_kmeans_fit_dataset(), the scaler transform before the fit is not
 * counted.
 *
 * @param m the model, or NULL.
 * @return the seconds; 0 for NULL.
 */
SEG_API double seg_model_fit_seconds(const seg_model *m);

/**
 * Seconds spent choosing initial centroids, summed over the n_init runs.
 *
 * @param m the model, or NULL.
 * @return the seconds; 0 for NULL.
 */
SEG_API double seg_model_init_seconds(const seg_model *m);

/**
 * The scaler the model was fitted through, or NULL. Owned by the model; valid
 * as long as the model.
 *
 * Like the model, it must not be changed (it is const); any number of threads
 * may use it for transforms at once.
 *
 * @param m the model, or NULL.
 * @return the model's copy of the scaler; NULL when the model was fitted
 *         without one (seg_kmeans_fit_f32(), seg_kmeans_fit_f64(), or
 *         seg_kmeans_fit_dataset() with a NULL scaler) or m is NULL.
 */
SEG_API const seg_scaler *seg_model_scaler(const seg_model *m);
/** @} */

/**
 * @defgroup predict Predict
 * A predictor scores new rows against a model, reusing its scratch memory
 * across batches. It borrows the model, which must outlive it. Use one
 * predictor per thread; many predictors may share one model.
 *
 * A predictor spreads its rows over SEG_PREDICTOR_THREADS library threads
 * (default 1, 0 = all cores), with the same blocks and BLAS rules as the fit
 * (see the K-means group). Each row's label depends only on the row and the
 * model, never on the thread count.
 * @{
 */

/** Opaque predictor. */
typedef struct seg_predictor seg_predictor;

/** Predictor settings. */
typedef enum seg_predictor_param {
    SEG_PREDICTOR_THREADS = 100 /**< worker threads, 0 = all cores (default 1). */
} seg_predictor_param;

/**
 * Create a predictor for a model.
 *
 * SEG_PREDICTOR_THREADS starts at 1.
 *
 * @param[out] out receives the predictor; set to NULL on failure. The caller
 *        frees it with seg_predictor_free(), before freeing the model.
 * @param m the model; borrowed, must outlive the predictor.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL out or m) or SEG_ERR_NOMEM.
 */
SEG_API int seg_predictor_new(seg_predictor **out, const seg_model *m);

/**
 * Free a predictor. Accepts NULL.
 *
 * Does not free the model.
 *
 * @param p the predictor, or NULL.
 */
SEG_API void seg_predictor_free(seg_predictor *p);

/**
 * Change a setting.
 *
 * @param p the predictor (changed; one thread at a time).
 * @param param which setting.
 * @param value SEG_PREDICTOR_THREADS: 0 .. 4096, 0 = all cores.
 * @return SEG_OK or SEG_ERR_INVALID_ARG (NULL p, unknown param, value out of
 *         range).
 */
SEG_API int seg_predictor_set_int(seg_predictor *p, seg_predictor_param param, int64_t value);

/**
 * Assign rows of a feature matrix (already scaled) to their nearest segment.
 *
 * Distances are computed in float against the model's float copy of the
 * centroids. Rows are spread over up to SEG_PREDICTOR_THREADS library threads;
 * the labels do not depend on that number.
 *
 * @param p the predictor (one thread at a time; it keeps scratch memory
 *        between calls).
 * @param x n * d values, row-major, d == seg_model_dim(); borrowed for the call.
 * @param n rows (0 is allowed and does nothing).
 * @param d features.
 * @param[out] labels receives n segment ids.
 * @param[out] distances if not NULL, receives n Euclidean distances to the assigned
 *        centroid, in feature units.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL p; NULL x or labels when n > 0),
 *         SEG_ERR_MISMATCH (d differs, checked even when n is 0),
 *         SEG_ERR_NONFINITE (a NaN or infinity in x; labels and distances may
 *         then be partly written), SEG_ERR_NOMEM.
 */
SEG_API int seg_predictor_run_f32(seg_predictor *p, const float *x, size_t n, size_t d,
                                  int32_t *labels, double *distances);

/**
 * As seg_predictor_run_f32(), for double rows.
 *
 * Distances are computed in double.
 *
 * @param p the predictor (one thread at a time; it keeps scratch memory
 *        between calls).
 * @param x n * d values, row-major, d == seg_model_dim(); borrowed for the call.
 * @param n rows (0 is allowed and does nothing).
 * @param d features.
 * @param[out] labels receives n segment ids.
 * @param[out] distances if not NULL, receives n Euclidean distances to the assigned
 *        centroid, in feature units.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL p; NULL x or labels when n > 0),
 *         SEG_ERR_MISMATCH (d differs, checked even when n is 0),
 *         SEG_ERR_NONFINITE (a NaN or infinity in x; labels and distances may
 *         then be partly written), SEG_ERR_NOMEM.
 */
SEG_API int seg_predictor_run_f64(seg_predictor *p, const double *x, size_t n, size_t d,
                                  int32_t *labels, double *distances);

/**
 * Assign the rows of a raw dataset: they go through the model's scaler (or are
 * used as they are when the model has none) and are then scored in the model's
 * precision.
 *
 * The transformed matrix is kept in the predictor and reused by later calls.
 *
 * @param p the predictor (one thread at a time).
 * @param ds the dataset (same column names as training; extra columns ignored).
 * @param[out] labels receives seg_dataset_rows(ds) segment ids.
 * @param[out] distances if not NULL, receives the distances.
 * @return as seg_predictor_run_f32() and seg_scaler_transform_f32(). Also
 *         SEG_ERR_INVALID_ARG (NULL p or ds), SEG_ERR_MISMATCH (the dataset
 *         gives another number of features than the model has),
 *         SEG_ERR_OVERFLOW, and SEG_ERR_TYPE / SEG_ERR_NONFINITE when the model
 *         has no scaler and ds has categorical or missing values.
 */
SEG_API int seg_predictor_run_dataset(seg_predictor *p, const seg_dataset *ds, int32_t *labels,
                                      double *distances);
/** @} */

/**
 * @defgroup metrics Metrics
 * Quality measures of a labelling of a feature matrix, computed in double
 * precision. Weights, when given, count each row as that many customers.
 * @{
 */

/**
 * Mean silhouette coefficient (Rousseeuw 1987), weighted when weights are given:
 * per row, a = weighted mean distance to the other rows of its segment,
 * b = smallest weighted mean distance to the rows of another segment,
 * s = (b - a) / max(a, b), and 0 for a row alone in its segment.
 *
 * Cost: all pairwise distances of the rows used, through the GEMM kernel, on
 * all cores (library threads, as for SEG_KMEANS_THREADS = 0); memory grows
 * with threads x block x rows used. The result does not depend on the number
 * of threads. All inputs are only read: calls may run concurrently.
 *
 * @param x n * d row-major values.
 * @param n rows.
 * @param d features.
 * @param labels n labels in 0 .. k-1.
 * @param k number of segments (2 <= k, at least two of them non-empty).
 * @param weights n weights > 0, or NULL.
 * @param sample_size when n exceeds it, the coefficient is computed exactly on
 *        that many rows drawn without replacement with seed; 0 = always exact.
 * @param seed seed of the sample.
 * @param[out] out receives the coefficient in [-1, 1].
 * @return SEG_OK, SEG_ERR_INVALID_ARG (bad label, NULL, n, d or k is 0),
 *         SEG_ERR_NONFINITE (a weight that is not finite and > 0),
 *         SEG_ERR_TOO_FEW_POINTS (fewer than two non-empty segments in the
 *         rows used), SEG_ERR_OVERFLOW, SEG_ERR_NOMEM.
 */
SEG_API int seg_metrics_silhouette_f32(const float *x, size_t n, size_t d,
                                       const int32_t *labels, size_t k, const double *weights,
                                       size_t sample_size, uint64_t seed, double *out);

/**
 * As seg_metrics_silhouette_f32(), for double rows.
 *
 * @param x n * d row-major values.
 * @param n rows.
 * @param d features.
 * @param labels n labels in 0 .. k-1.
 * @param k number of segments (2 <= k, at least two of them non-empty).
 * @param weights n weights > 0, or NULL.
 * @param sample_size when n exceeds it, the coefficient is computed exactly on
 *        that many rows drawn without replacement with seed; 0 = always exact.
 * @param seed seed of the sample.
 * @param[out] out receives the coefficient in [-1, 1].
 * @return SEG_OK, SEG_ERR_INVALID_ARG (bad label, NULL, n, d or k is 0),
 *         SEG_ERR_NONFINITE (a weight that is not finite and > 0),
 *         SEG_ERR_TOO_FEW_POINTS (fewer than two non-empty segments in the
 *         rows used), SEG_ERR_OVERFLOW, SEG_ERR_NOMEM.
 */
SEG_API int seg_metrics_silhouette_f64(const double *x, size_t n, size_t d,
                                       const int32_t *labels, size_t k, const double *weights,
                                       size_t sample_size, uint64_t seed, double *out);

/**
 * Davies-Bouldin index (lower is better): mean over segments i of
 * max over j != i of (s_i + s_j) / ||c_i - c_j||, with c the weighted means of
 * the rows and s the weighted mean distance of a segment's rows to its mean.
 * Empty segments are skipped.
 *
 * A pair of segments whose means coincide is left out of the max
 * (scikit-learn's convention). Runs on the calling thread; all inputs are only
 * read, so calls may run concurrently.
 *
 * @param x n * d row-major values.
 * @param n rows.
 * @param d features.
 * @param labels n labels in 0 .. k-1.
 * @param k number of segments (labels may leave some empty).
 * @param weights n weights > 0, or NULL.
 * @param[out] out receives the index.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL x, labels or out; n, d or k is 0;
 *         a label outside 0 .. k-1), SEG_ERR_NONFINITE (a weight that is not
 *         finite and > 0), SEG_ERR_TOO_FEW_POINTS (fewer than two non-empty
 *         segments), SEG_ERR_OVERFLOW, SEG_ERR_NOMEM.
 */
SEG_API int seg_metrics_davies_bouldin_f32(const float *x, size_t n, size_t d,
                                           const int32_t *labels, size_t k,
                                           const double *weights, double *out);

/**
 * As seg_metrics_davies_bouldin_f32(), for double rows.
 *
 * @param x n * d row-major values.
 * @param n rows.
 * @param d features.
 * @param labels n labels in 0 .. k-1.
 * @param k number of segments (labels may leave some empty).
 * @param weights n weights > 0, or NULL.
 * @param[out] out receives the index.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL x, labels or out; n, d or k is 0;
 *         a label outside 0 .. k-1), SEG_ERR_NONFINITE (a weight that is not
 *         finite and > 0), SEG_ERR_TOO_FEW_POINTS (fewer than two non-empty
 *         segments), SEG_ERR_OVERFLOW, SEG_ERR_NOMEM.
 */
SEG_API int seg_metrics_davies_bouldin_f64(const double *x, size_t n, size_t d,
                                           const int32_t *labels, size_t k,
                                           const double *weights, double *out);

/**
 * Calinski-Harabasz index (higher is better): (B / (m - 1)) / (W / (N - m)),
 * with B the weighted between-segment and W the within-segment sum of squares,
 * m the number of non-empty segments and N the total weight (n when
 * unweighted). 1 when W is 0.
 *
 * Runs on the calling thread; all inputs are only read, so calls may run
 * concurrently.
 *
 * @param x n * d row-major values.
 * @param n rows.
 * @param d features.
 * @param labels n labels in 0 .. k-1.
 * @param k number of segments (labels may leave some empty).
 * @param weights n weights > 0, or NULL.
 * @param[out] out receives the index.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL x, labels or out; n, d or k is 0;
 *         a label outside 0 .. k-1), SEG_ERR_NONFINITE (a weight that is not
 *         finite and > 0), SEG_ERR_TOO_FEW_POINTS (fewer than two non-empty
 *         segments, or N <= m), SEG_ERR_OVERFLOW, SEG_ERR_NOMEM.
 */
SEG_API int seg_metrics_calinski_harabasz_f32(const float *x, size_t n, size_t d,
                                              const int32_t *labels, size_t k,
                                              const double *weights, double *out);

/**
 * As seg_metrics_calinski_harabasz_f32(), for double rows.
 *
 * @param x n * d row-major values.
 * @param n rows.
 * @param d features.
 * @param labels n labels in 0 .. k-1.
 * @param k number of segments (labels may leave some empty).
 * @param weights n weights > 0, or NULL.
 * @param[out] out receives the index.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL x, labels or out; n, d or k is 0;
 *         a label outside 0 .. k-1), SEG_ERR_NONFINITE (a weight that is not
 *         finite and > 0), SEG_ERR_TOO_FEW_POINTS (fewer than two non-empty
 *         segments, or N <= m), SEG_ERR_OVERFLOW, SEG_ERR_NOMEM.
 */
SEG_API int seg_metrics_calinski_harabasz_f64(const double *x, size_t n, size_t d,
                                              const int32_t *labels, size_t k,
                                              const double *weights, double *out);
/** @} */


/**
 * @defgroup perf K-means algorithms and initialisation alone
 * @{
 */

/**
 * How each k-means iteration finds the nearest centroids (SEG_KMEANS_ALGORITHM).
 *
 * All give the same labels, centroids and inertia as Lloyd from the same
 * start (up to the last bits of the inertia): the accelerated ones only skip
 * distance computations that triangle-inequality bounds prove cannot change
 * a label, and recompute every distance they do need with the same kernel as
 * Lloyd. They trade memory for speed (see docs/api.md "algorithms").
 */
typedef enum seg_algorithm {
    SEG_ALGORITHM_LLOYD = 0,   /**< every distance, every iteration (one GEMM per block). */
    SEG_ALGORITHM_HAMERLY = 1, /**< one upper and one lower bound per row (Hamerly 2010). */
    SEG_ALGORITHM_ELKAN = 2,   /**< one lower bound per row and centroid (Elkan 2003). */
    SEG_ALGORITHM_YINYANG = 3, /**< one lower bound per row and centroid group (Ding et al. 2015). */
    SEG_ALGORITHM_AUTO = 4     /**< chosen from n, d and k (see docs/api.md). */
} seg_algorithm;

/**
 * Compute only the starting centroids of the first run of a fit
 * (SEG_KMEANS_INIT with SEG_KMEANS_SEED, as seg_kmeans_fit_f32() would start
 * its first run), without iterating. Useful to time or inspect k-means++.
 *
 * Thread rules: as seg_kmeans_fit_f32(); km is only read.
 *
 * @param km k-means settings.
 * @param x n * d row-major values (not copied).
 * @param n rows.
 * @param d features.
 * @param weights n weights > 0, or NULL for unit weights.
 * @param[out] centroids receives k * d values (row-major), owned by the caller.
 * @param len number of values centroids can hold (at least k * d).
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL argument, len < k * d),
 *         SEG_ERR_EMPTY (n or d is 0), SEG_ERR_MISMATCH (given centroids of
 *         another dimension or count), SEG_ERR_LIMIT, SEG_ERR_NONFINITE (a value
 *         or weight), SEG_ERR_TOO_FEW_POINTS (fewer than k distinct rows),
 *         SEG_ERR_OVERFLOW, SEG_ERR_NOMEM.
 */
SEG_API int seg_kmeans_init_f32(const seg_kmeans *km, const float *x, size_t n, size_t d,
                                const double *weights, double *centroids, size_t len);

/**
 * As seg_kmeans_init_f32(), for double rows.
 *
 * @param km k-means settings.
 * @param x n * d row-major values (not copied).
 * @param n rows.
 * @param d features.
 * @param weights n weights > 0, or NULL for unit weights.
 * @param[out] centroids receives k * d values (row-major), owned by the caller.
 * @param len number of values centroids can hold (at least k * d).
 * @return as seg_kmeans_init_f32().
 */
SEG_API int seg_kmeans_init_f64(const seg_kmeans *km, const double *x, size_t n, size_t d,
                                const double *weights, double *centroids, size_t len);
/** @} */

#ifdef __cplusplus
}
#endif

#endif /* SEG_H */
