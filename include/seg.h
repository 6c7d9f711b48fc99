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
 * @defgroup core Core: version, errors, allocators
 *
 * The library's version, its status codes and per-thread error details, the
 * progress callback type, and caller allocators: what every other group uses.
 *
 * While SEG_VERSION_MAJOR is 0, the API may still change between minor
 * versions; from 1.0 on, only a major version changes it. Any binary-
 * incompatible change, before or after 1.0, comes with a new soname
 * (libseg.so.N), so a program never loads a library it cannot use. See
 * docs/abi.md.
 *
 * Example:
 * @code{.c}
 * #include <seg.h>
 * #include <stdio.h>
 * #include <stdlib.h>
 *
 * // A caller allocator that counts the library's allocations.
 * static void *counting_alloc(void *user, size_t size)
 * {
 *     ++*(size_t *)user;
 *     return malloc(size);
 * }
 *
 * static void counting_free(void *user, void *ptr)
 * {
 *     (void)user;
 *     free(ptr);
 * }
 *
 * int main(void)
 * {
 *     size_t calls = 0;
 *     seg_allocator *a = NULL;
 *     seg_kmeans *km = NULL;
 *     if (seg_version_number() / 10000 != SEG_VERSION_MAJOR)
 *         return 1; // built against another major version
 *     int rc = seg_allocator_new(&a, counting_alloc, counting_free, &calls);
 *     if (rc == SEG_OK)
 *         rc = seg_kmeans_new_with_allocator(&km, a);
 *     if (rc == SEG_OK)
 *         rc = seg_kmeans_set_int(km, SEG_KMEANS_K, 0); // out of bounds: fails
 *     if (rc < 0) // the fixed code's name, then this thread's detail
 *         printf("%s: %s\n", seg_strerror(rc), seg_last_error());
 *     seg_kmeans_free(km);
 *     seg_allocator_free(a); // released once its last object is gone
 *     printf("libseg %s, %zu allocations\n", seg_version_string(), calls);
 *     return rc != SEG_ERR_INVALID_ARG;
 * }
 * @endcode
 * @{
 */

/** Major version: raised on an incompatible API or ABI change. */
#define SEG_VERSION_MAJOR 0
/** Minor version: raised when functions or enum values are added. */
#define SEG_VERSION_MINOR 2
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
 * @return MAJOR * 10000 + MINOR * 100 + PATCH of the loaded library (200 for 0.2.0).
 */
SEG_API unsigned seg_version_number(void);

/**
 * The version of the library loaded at run time, as "MAJOR.MINOR.PATCH".
 *
 * @return a static string; never NULL. Thread-safe.
 */
SEG_API const char *seg_version_string(void);

/**
 * The number of library threads a THREADS setting (SEG_KMEANS_THREADS,
 * SEG_MINIBATCH_THREADS, SEG_PREDICTOR_THREADS) stands for in this process.
 *
 * A positive setting is used as given, at most 4096. A setting of 0 means the
 * CPUs the process may use: those of its scheduler affinity mask
 * (sched_getaffinity, taskset, numactl), capped by a cgroup CPU quota
 * (cgroup v2 cpu.max or v1 cpu.cfs_quota_us, rounded up to whole CPUs), so
 * a container limited to 2 CPUs gets 2 threads, not one per host core.
 *
 * A pass never starts more threads than it can: before a parallel region the
 * library checks that its threads can be created (same stack size as the
 * OpenMP runtime, OMP_STACKSIZE honoured) and runs with as many as started,
 * down to one, when memory or a process limit runs out (`ulimit -v`, `ulimit
 * -u`). Results do not depend on the thread count, only the time.
 *
 * @param setting a THREADS setting, >= 0 (a negative value counts as 0).
 * @return the thread count, from 1 to 4096. Thread-safe; reads the calling
 *         thread's affinity mask on every call, the cgroup quota once per
 *         process.
 */
SEG_API int seg_threads_count(int64_t setting);

/**
 * @name Errors
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
    SEG_ERR_TYPE = -14,         /**< A column has the wrong type for the request (e.g. categorical weights). */
    SEG_ERR_BAD_MAGIC = -15,    /**< Not a libseg model file (its first bytes are not the model magic). */
    SEG_ERR_VERSION = -16,      /**< A model file of a newer format version than this library reads. */
    SEG_ERR_TRUNCATED = -17,    /**< A model file shorter than it declares (cut off in transfer or writing). */
    SEG_ERR_CHECKSUM = -18,     /**< A model file whose CRC-32 does not match its contents (corrupted). */
    SEG_ERR_CANCELLED = -19,    /**< A progress callback asked to stop. */
    SEG_ERR_PRIVACY = -25       /**< The call would store data that identifies customers (e.g. an id column used as a feature). */
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
 * @name Progress callbacks
 * @{
 */

/**
 * Progress callback: called before each step with done = 0 .. total - 1 and
 * once at the end with done = total. Runs on the thread that called the
 * sweep. Return 0 to go on, anything else to stop the sweep, which then fails
 * with SEG_ERR_CANCELLED.
 */
typedef int (*seg_progress_fn)(void *user, size_t done, size_t total);
/** @} */

/**
 * @name Allocators
 *
 * By default the library allocates with malloc() and frees with free(). A
 * caller allocator replaces both for the objects created with it:
 *
 *  - seg_csv_options_new_with_allocator(), seg_scaler_new_with_allocator(),
 *    seg_kmeans_new_with_allocator() and the seg_dataset_*_with_allocator()
 *    creators make an object whose memory, now and for as long as it lives,
 *    comes from the allocator (including the working memory of calls on it).
 *  - What is created from such an object uses the same allocator: a
 *    dataset read with CSV options, the model a fit of a k-means object
 *    returns and the copy of the scaler it keeps, a predictor of a model.
 *  - Functions that take no object (the metrics) use malloc()/free().
 *
 * The functions may be called from any thread that uses the objects, but
 * never from the library's own worker threads, and never re-entrantly into
 * libseg. alloc_fn must return memory aligned for any type (as malloc()
 * does) or NULL; each failure makes the call return SEG_ERR_NOMEM, leaving
 * nothing allocated. The library never asks for 0 bytes. Blocks carry a
 * small header, so sizes passed to alloc_fn are a little larger than the
 * library's own requests.
 * @{
 */

/**
 * Allocation function of a caller allocator.
 *
 * @param user the user pointer given to seg_allocator_new().
 * @param size bytes wanted (> 0).
 * @return the memory, aligned for any type, or NULL on failure.
 */
typedef void *(*seg_alloc_fn)(void *user, size_t size);

/**
 * Release function of a caller allocator.
 *
 * @param user the user pointer given to seg_allocator_new().
 * @param ptr memory returned by the matching seg_alloc_fn (never NULL).
 */
typedef void (*seg_free_fn)(void *user, void *ptr);

/** Opaque caller allocator. */
typedef struct seg_allocator seg_allocator;

/**
 * Make an allocator from an allocation and a release function.
 *
 * The handle itself is allocated with alloc_fn. It is reference counted:
 * seg_allocator_free() may be called as soon as the objects have been
 * created; the handle is released with free_fn once every object (and every
 * block) allocated through it is gone. user must stay valid until then.
 * Both functions must be safe to call from every thread that uses one of
 * the objects.
 *
 * @param[out] out receives the handle; set to NULL on failure. Release it
 *        with seg_allocator_free().
 * @param alloc_fn allocation function (required).
 * @param free_fn release function (required).
 * @param user passed unchanged to both; may be NULL.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL out, alloc_fn or free_fn) or
 *         SEG_ERR_NOMEM (alloc_fn failed for the handle).
 */
SEG_API int seg_allocator_new(seg_allocator **out, seg_alloc_fn alloc_fn, seg_free_fn free_fn,
                              void *user);

/**
 * Drop the caller's reference to an allocator. Accepts NULL.
 *
 * Objects created with it keep using it; the handle goes back to its
 * free_fn when the last of them is freed.
 *
 * @param a the allocator, or NULL.
 */
SEG_API void seg_allocator_free(seg_allocator *a);
/** @} */

/** @} */

/**
 * @defgroup csv_options CSV options
 *
 * How CSV text is read: delimiter, header row, missing-value tokens, size
 * limits and forced column types. The same options serve
 * seg_dataset_read_csv(), seg_dataset_read_csv_memory() and
 * seg_csv_chunker_open().
 *
 * Example:
 * @code{.c}
 * // A comma-separated export where "unknown" and "n/a" mean missing and the
 * // day of the month is a category, not a number.
 * seg_csv_options *opts = NULL;
 * seg_dataset *ds = NULL;
 * int rc = seg_csv_options_new(&opts);
 * if (rc == SEG_OK)
 *     rc = seg_csv_options_set_int(opts, SEG_CSV_DELIMITER, ',');
 * if (rc == SEG_OK)
 *     rc = seg_csv_options_add_missing(opts, "unknown");
 * if (rc == SEG_OK)
 *     rc = seg_csv_options_add_missing(opts, "n/a");
 * if (rc == SEG_OK)
 *     rc = seg_csv_options_set_column_type(opts, "day", SEG_COLUMN_CATEGORICAL);
 * if (rc == SEG_OK)
 *     rc = seg_dataset_read_csv(&ds, "bank.csv", opts);
 * if (rc < 0)
 *     fprintf(stderr, "%s\n", seg_last_error()); // bank.csv:LINE:FIELD: ...
 * seg_csv_options_free(opts); // the dataset keeps nothing of it
 * seg_dataset_free(ds);
 * return rc < 0;
 * @endcode
 * @{
 */

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
 * As seg_csv_options_new(), with the options' memory, and that of every
 * dataset read with them, from an allocator.
 *
 * @param[out] out receives the new object; set to NULL on failure. Free it
 *        with seg_csv_options_free().
 * @param a the allocator, or NULL for malloc()/free().
 * @return SEG_OK, SEG_ERR_INVALID_ARG (out is NULL) or SEG_ERR_NOMEM.
 */
SEG_API int seg_csv_options_new_with_allocator(seg_csv_options **out, seg_allocator *a);

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
 * The accepted range of a CSV setting (whole numbers). SEG_CSV_DELIMITER
 * reports 0 .. 255; within it '"', CR and LF are refused too.
 *
 * Needs no object and keeps no state: thread-safe.
 *
 * @param param any seg_csv_param.
 * @param[out] lower receives the smallest accepted value.
 * @param[out] upper receives the largest accepted value.
 * @return SEG_OK or SEG_ERR_INVALID_ARG (unknown param, NULL lower or upper).
 */
SEG_API int seg_csv_options_param_bounds(seg_csv_param param, double *lower, double *upper);

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
/** @} */

/**
 * @defgroup dataset Dataset
 *
 * A dataset is a table of n rows and named columns, each numeric (double
 * values, missing recorded as NaN) or categorical (level strings, missing
 * recorded separately). One column may be set aside as the row id and one as
 * the row weight, and any number as described columns (profiled per
 * segment); none of them is ever a feature.
 *
 * Example:
 * @code{.c}
 * seg_dataset *ds = NULL;
 * const char *leave_out[] = {"y", "duration"};
 * int rc = seg_dataset_read_csv(&ds, "bank.csv", NULL);
 * if (rc == SEG_OK)
 *     rc = seg_dataset_drop(ds, leave_out, 2);
 * if (rc < 0) {
 *     fprintf(stderr, "%s: %s\n", seg_strerror(rc), seg_last_error());
 *     return 1;
 * }
 * for (size_t j = 0; j < seg_dataset_columns(ds); j++)
 *     printf("%-10s %s, %zu missing\n", seg_dataset_column_name(ds, j),
 *            seg_dataset_column_type(ds, j) == SEG_COLUMN_NUMERIC ? "numeric" : "categorical",
 *            seg_dataset_column_missing(ds, j));
 * printf("%zu rows\n", seg_dataset_rows(ds));
 * seg_dataset_free(ds);
 *
 * // Arrays work too: 3 customers, 2 named numeric columns (copied).
 * const double x[] = {35, 1200, 52, 300, 41, 8000};
 * const char *names[] = {"age", "balance"};
 * rc = seg_dataset_from_f64(&ds, x, 3, 2, names);
 * seg_dataset_free(ds);
 * return rc < 0;
 * @endcode
 * @{
 */

/** Opaque table of customers. */
typedef struct seg_dataset seg_dataset;

/**
 * Read a CSV file into a new dataset.
 *
 * Format: RFC 4180 (fields may be quoted with '"'; a quoted field may hold
 * delimiters, newlines and doubled quotes "", kept as written), LF, CRLF or
 * lone CR line ends in any mix (classic Mac exports write lone CRs), an
 * optional UTF-8 byte order mark, an optional final line end. Blank lines are
 * skipped. Every row must have as many fields as the header. A NUL byte
 * anywhere is refused; a record longer than 64 MiB (or 4 x
 * SEG_CSV_MAX_FIELD) is refused, and reading stops there. The chunked reader
 * (seg_csv_chunker_open) follows exactly the same rules.
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
 * [+-]digits[.[digits]][(e|E)[+-]digits] or [+-].digits[(e|E)[+-]digits]
 * ("1", "1.", ".5", "-2.5e-3") and its value is finite ("1e999", "inf",
 * "0x10" and "1,5" are not numbers). Bytes are taken as they are: text need
 * not be valid UTF-8. A column is numeric when all its non-missing fields are numbers,
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
 *         or record too long, duplicate column name, more than INT32_MAX levels in a
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

/** Counts per column seg_csv_share_scan() gives: numbers, other text,
 *  missing values, then the first other text's line, byte offset in the
 *  share's text and length (0 when there is none). */
#define SEG_CSV_SHARE_STATS 6

/**
 * Where the header and the first data record of CSV text end, for a reader
 * that splits a file among processes (libseg-mpi): the file's first bytes in,
 * the offsets a share of the file is cut by out.
 *
 * @param text the file's first bytes (at least the header and the first data
 *        record, or the whole file); borrowed for the call.
 * @param size their length.
 * @param name the file's name, for messages.
 * @param opts options, or NULL for the defaults; not retained.
 * @param[out] n_cols the header's width.
 * @param[out] head head[0] the byte where the header record ends, head[1]
 *        the physical line (1-based) there, head[2] where the first data
 *        record ends (head[0] when there is none). A record that reaches
 *        size may go on in the bytes not given.
 * @return SEG_OK, or the errors of seg_dataset_read_csv_memory() for the
 *         header and the first record, naming name.
 */
SEG_API int seg_csv_share_head(const void *text, size_t size, const char *name,
                               const seg_csv_options *opts, size_t *n_cols, size_t head[3]);

/**
 * Count, per column, the values of a share of a CSV file that are numbers,
 * other text and missing, as seg_dataset_read_csv() does to choose the
 * column types: summed over all shares, they give its choice (numeric when
 * no other text, categorical when numbers are at most half of the present
 * values, else an error naming the first other text).
 *
 * @param text the share: the file's header record (header_len bytes), then
 *        whole records of the file; borrowed for the call.
 * @param size its length.
 * @param header_len where the records start; with first_line 0 the text is
 *        the file's start (header_len is then not checked).
 * @param first_line the physical line (1-based) of text[header_len] in the
 *        file, so messages name the file's line; 0 for the file's start.
 * @param name the file's name, for messages.
 * @param opts options, or NULL for the defaults (forced types apply).
 * @param n_cols the header's width (seg_csv_share_head()).
 * @param[out] stats n_cols x SEG_CSV_SHARE_STATS counts.
 * @param[out] n_rows the records of the share (0 is not an error).
 * @return SEG_OK, or the errors of seg_dataset_read_csv_memory() for the
 *         share's records (line and field of the file), SEG_ERR_MISMATCH
 *         (another width), SEG_ERR_INVALID_ARG.
 */
SEG_API int seg_csv_share_scan(const void *text, size_t size, size_t header_len,
                               uint64_t first_line, const char *name,
                               const seg_csv_options *opts, size_t n_cols, int64_t *stats,
                               size_t *n_rows);

/**
 * Read a share of a CSV file (as seg_csv_share_scan() takes it) into a
 * dataset with the column types and levels agreed for the whole file: the
 * rows are those seg_dataset_read_csv() gives for the share's records.
 *
 * @param[out] out the new dataset; NULL on failure.
 * @param text, size, header_len, first_line, name, opts as seg_csv_share_scan().
 * @param types every column's type (numeric or categorical).
 * @param n_cols their number: the header's width.
 * @param levels NULL, or the levels of every column in the order the codes
 *        are to follow (n_levels[j] for column j, the lists one after the
 *        other): interned first, so codes are the same in every share.
 * @param n_levels the list lengths (with levels).
 * @return as seg_csv_share_scan(); SEG_ERR_EMPTY for a share of no record.
 */
SEG_API int seg_dataset_read_csv_share(seg_dataset **out, const void *text, size_t size,
                                       size_t header_len, uint64_t first_line,
                                       const char *name, const seg_csv_options *opts,
                                       const seg_column_type *types, size_t n_cols,
                                       const char *const *levels, const size_t *n_levels);

/**
 * Read a NumPy .npy file (format version 1.0, 2.0 or 3.0; one or two
 * dimensions) into a new all-numeric dataset with columns "x0", "x1", ...
 *
 * Accepted layouts: dtype float32 or float64 in either byte order ('<f4',
 * '>f4', '<f8', '>f8', and '=' or '|' for the host's order, as numpy reads
 * them), in C order or Fortran order ('fortran_order': True, what np.save
 * writes for DataFrame.to_numpy() and many scikit-learn outputs). Every
 * layout is converted on load to row-major values in the host's byte order;
 * the precision of the file is kept. Any other dtype (integers, float16,
 * complex, strings, objects, structured dtypes) is SEG_ERR_FORMAT, with a
 * message naming the file and the dtype found.
 *
 * The data is read once into memory the dataset owns: the file is not mapped,
 * so it may be truncated, rewritten or removed after the call without
 * affecting the dataset. The header may be at most 1 MiB and the array at
 * most 1,000,000 columns; bytes after the data are ignored, as numpy does. A
 * regular file is checked to hold the data its header promises before
 * anything is allocated, and a file that ends before its data (or shrinks
 * during the read) is SEG_ERR_FORMAT naming the file and the bytes expected
 * and read. A non-finite value is reported by 1-based row and column.
 *
 * Any number of threads may read files at once.
 *
 * @param[out] out receives the new dataset; set to NULL on failure. The caller
 *        frees it with seg_dataset_free().
 * @param path file name.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL out or path), SEG_ERR_IO,
 *         SEG_ERR_FORMAT (bad magic, header, unsupported dtype, shape, or
 *         truncated data), SEG_ERR_NONFINITE (a NaN or infinity),
 *         SEG_ERR_EMPTY (a shape with a 0), SEG_ERR_LIMIT (more than
 *         1,000,000 columns), SEG_ERR_OVERFLOW, SEG_ERR_NOMEM.
 */
SEG_API int seg_dataset_read_npy(seg_dataset **out, const char *path);

/**
 * As seg_dataset_read_npy(), with the dataset's memory from an allocator.
 *
 * @param[out] out receives the new dataset; set to NULL on failure. Free it
 *        with seg_dataset_free().
 * @param path file name.
 * @param a the allocator, or NULL for malloc()/free().
 * @return as seg_dataset_read_npy().
 */
SEG_API int seg_dataset_read_npy_with_allocator(seg_dataset **out, const char *path,
                                                seg_allocator *a);

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
 * As seg_dataset_from_f32(), with the dataset's memory from an allocator.
 *
 * @param[out] out receives the new dataset; set to NULL on failure. Free it
 *        with seg_dataset_free().
 * @param x n * d values, row-major; must be finite. Copied.
 * @param n rows (>= 1).
 * @param d columns (>= 1).
 * @param names d column names (copied), or NULL for "x0", "x1", ...
 * @param a the allocator, or NULL for malloc()/free().
 * @return as seg_dataset_from_f32().
 */
SEG_API int seg_dataset_from_f32_with_allocator(seg_dataset **out, const float *x, size_t n,
                                                size_t d, const char *const *names,
                                                seg_allocator *a);

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
 * As seg_dataset_from_f64(), with the dataset's memory from an allocator.
 *
 * @param[out] out receives the new dataset; set to NULL on failure. Free it
 *        with seg_dataset_free().
 * @param x n * d values, row-major; must be finite. Copied.
 * @param n rows (>= 1).
 * @param d columns (>= 1).
 * @param names d column names (copied), or NULL for "x0", "x1", ...
 * @param a the allocator, or NULL for malloc()/free().
 * @return as seg_dataset_from_f64().
 */
SEG_API int seg_dataset_from_f64_with_allocator(seg_dataset **out, const double *x, size_t n,
                                                size_t d, const char *const *names,
                                                seg_allocator *a);

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
 * One level of categorical column j, by its code (levels are numbered in
 * order of first appearance in the file, or in the order a share reader was
 * given: seg_dataset_read_csv_share()).
 *
 * @param ds the dataset.
 * @param j feature column index (0-based).
 * @param level 0 .. seg_dataset_column_levels() - 1.
 * @return the level's text, owned by the dataset (valid until it is changed
 *         or freed); NULL for a numeric column or an index out of range.
 */
SEG_API const char *seg_dataset_column_level(const seg_dataset *ds, size_t j, size_t level);

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
 * Read a yes/no column as outcome values: "yes"/"no", "true"/"false",
 * "y"/"n", "1"/"0" (compared without case) or the numbers 1 and 0; missing
 * values give -1.
 *
 * @param ds the dataset (only read).
 * @param name the column.
 * @param[out] out receives seg_dataset_rows(ds) values in {-1, 0, 1}.
 * @param len length of out.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL argument), SEG_ERR_NOT_FOUND (no
 *         such column), SEG_ERR_MISMATCH (len too small), SEG_ERR_PARSE (a
 *         value that is not yes/no; the detail names FILE:LINE:FIELD for a
 *         CSV file, else the row and column, and the value).
 */
SEG_API int seg_dataset_get_outcome(const seg_dataset *ds, const char *name, int8_t *out,
                                    size_t len);

/**
 * Read a yes/no flag column (e.g. an opt-out): "yes", "true", "1", "y"
 * (compared without case) or the number 1 give 1; "no", "false", "0", "n",
 * the number 0 and a missing value give 0.
 *
 * @param ds the dataset (only read).
 * @param name the column.
 * @param[out] out receives seg_dataset_rows(ds) values in {0, 1}.
 * @param len length of out.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL argument), SEG_ERR_NOT_FOUND (no
 *         such column), SEG_ERR_MISMATCH (len too small), SEG_ERR_PARSE (any
 *         other value; the detail names FILE:LINE:FIELD for a CSV file, and
 *         the value).
 */
SEG_API int seg_dataset_get_flag(const seg_dataset *ds, const char *name, uint8_t *out,
                                 size_t len);

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
 * The physical line of the CSV file a row starts on, for messages that must
 * name it (a quoted field may span lines, so it is not row + 2).
 *
 * @param ds the dataset, or NULL.
 * @param row row index (0-based).
 * @return the 1-based line, or 0 when unknown (rows not read from a CSV
 *         text, NULL ds, row out of range).
 */
SEG_API size_t seg_dataset_row_line(const seg_dataset *ds, size_t row);

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
 * Move a column aside as described: it stops being a feature (the scaler
 * never sees it and no fit clusters on it), and the profiles of a model
 * fitted on ds describe it per segment like the features
 * (seg_model_profile_column_described() tells them apart). For what
 * characterises a segment without defining it: the last contact of a
 * campaign, the channel, a later outcome one wants to see per segment.
 * Call once per column; they are profiled after the features, in the order
 * of the calls.
 *
 * Changes ds: one thread at a time.
 *
 * @param ds the dataset (changed in place; on failure it is left unchanged).
 * @param name name of a feature column, numeric or categorical.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL ds or name), SEG_ERR_NOT_FOUND
 *         (no such feature column), SEG_ERR_STATE (the column is described
 *         already), SEG_ERR_NOMEM.
 */
SEG_API int seg_dataset_set_described_column(seg_dataset *ds, const char *name);

/**
 * Number of described columns (seg_dataset_set_described_column()).
 *
 * @param ds the dataset, or NULL.
 * @return the count; 0 for NULL.
 */
SEG_API size_t seg_dataset_described_columns(const seg_dataset *ds);

/**
 * Name of described column j, in the order they were set.
 *
 * @param ds the dataset, or NULL.
 * @param j 0 .. seg_dataset_described_columns() - 1.
 * @return the name, owned by the dataset, valid until it is freed; NULL when
 *         j is out of range or ds is NULL.
 */
SEG_API const char *seg_dataset_described_name(const seg_dataset *ds, size_t j);

/** What makes a column look like an identifier (seg_dataset_column_identifier()). */
typedef enum seg_identifier_kind {
    SEG_IDENTIFIER_NONE = 0,       /**< Nothing: a column to keep. */
    SEG_IDENTIFIER_ROW_NUMBER = 1, /**< Distinct whole numbers forming one run (n .. n + rows - 1), in any order. */
    SEG_IDENTIFIER_INCREASING = 2, /**< Distinct whole numbers strictly increasing (or decreasing) down the rows. */
    SEG_IDENTIFIER_TEXT = 3        /**< Text with a different value in at least 90 % of its present values. */
} seg_identifier_kind;

/**
 * Whether feature column j looks like an identifier rather than a
 * description of customers, judged by its content alone: a row number, a
 * number that grows down the file (a customer number in sign-up order), or
 * text that is (nearly) different in every row. Such a column, clustered,
 * makes segments of row ranges ("high Recnum") and its values would name
 * customers in the model; `seg segment` leaves such columns out with a
 * warning unless kept with --keep.
 *
 * Numeric columns qualify only without missing values and with whole
 * numbers; any column needs at least 20 rows (20 present values for text).
 * A column of 0/1 flags, amounts or dates never qualifies unless its values
 * are distinct and in order, which is itself suspicious.
 *
 * Only reads ds; any number of threads may call it at once.
 *
 * @param ds the dataset, or NULL.
 * @param j feature column index.
 * @return the kind; SEG_IDENTIFIER_NONE also for a NULL ds or j out of range.
 */
SEG_API seg_identifier_kind seg_dataset_column_identifier(const seg_dataset *ds, size_t j);

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

/**
 * The dataset's own float32 values as a row-major matrix, without a copy.
 *
 * Datasets made by seg_dataset_from_f32() or read from a float32 .npy file
 * keep their values in one row-major block; as long as every column is still
 * a column of that block, in order (no seg_dataset_select(), seg_dataset_drop()
 * or role setter has taken one out), the block is the n x d matrix
 * seg_dataset_copy_f64() would give, in float32. Use it with
 * seg_scaler_is_identity() to fit on the data themselves instead of a
 * transformed copy.
 *
 * Only reads ds; any number of threads may call it at once.
 *
 * @param ds the dataset, or NULL.
 * @return seg_dataset_rows(ds) * seg_dataset_columns(ds) floats, value of row
 *         i, column j at [i * d + j]; borrowed: valid until ds is freed or its
 *         columns change, and never to be written through. NULL when ds is
 *         NULL or its values are not such a float32 block (CSV data, double
 *         values, categorical columns, columns taken out or reordered).
 */
SEG_API const float *seg_dataset_matrix_f32(const seg_dataset *ds);

/**
 * As seg_dataset_matrix_f32(), for datasets holding doubles in one block
 * (seg_dataset_from_f64(), float64 .npy files).
 *
 * @param ds the dataset, or NULL.
 * @return the n * d doubles, row-major, borrowed as in
 *         seg_dataset_matrix_f32(); NULL when ds is NULL or its values are
 *         not such a double block.
 */
SEG_API const double *seg_dataset_matrix_f64(const seg_dataset *ds);
/** @} */

/**
 * @defgroup csv_chunker Chunked CSV reading (data larger than memory)
 *
 * Fitting a file that does not fit in memory: the file is read in chunks of
 * rows, several times, and only statistics, a bounded sample and one chunk at
 * a time are held (docs/out-of-core.md explains what counts against a memory
 * budget and how seg segment --memory sizes the chunks).
 *
 * - seg_csv_chunker reads a CSV file as a sequence of datasets with the
 *   column names and types seg_dataset_read_csv() would give the whole file
 *   (its opening reads the file once to settle them).
 * - seg_scaler_stream fits a seg_scaler from those chunks: exact means,
 *   standard deviations, ranges, levels and level counts; medians and
 *   quartiles from a quantile sketch whose rank error is at most
 *   #SEG_STREAM_QUANTILE_EPS times the number of values (exact up to
 *   #SEG_STREAM_EXACT_VALUES values per column). The result is an ordinary
 *   fitted scaler, saved in model files like any other.
 * - seg_lloyd_pass accumulates one exact Lloyd iteration a chunk at a time:
 *   nearest centroids by the library's distance kernel, per-segment sums,
 *   counts and inertia; passes over disjoint rows merge.
 * - seg_kmeans_fit_chunks() runs exact Lloyd (one pass over the file per
 *   iteration) and seg_minibatch_fit_chunks() mini-batch k-means over a
 *   chunker. Their models hold the scaler, centroids, sizes, inertia and an
 *   outlier reference (each segment's distance quantiles from a sketch, within
 *   the sketch's rank error); they have no segment profiles.
 *
 * Objects belong to one thread at a time. Rows are unweighted.
 *
 * Example:
 * @code{.c}
 * // Fit the scaler, then exact k-means, with one chunk of 100 rows in memory.
 * seg_csv_chunker *ch = NULL;
 * seg_scaler *sc = NULL;
 * seg_scaler_stream *ss = NULL;
 * seg_kmeans *km = NULL;
 * seg_model *m = NULL;
 * seg_dataset *chunk = NULL;
 * const char *leave_out[] = {"y"};
 * int rc = seg_csv_chunker_open(&ch, "bank.csv", NULL);
 * if (rc == SEG_OK)
 *     rc = seg_csv_chunker_set_int(ch, SEG_CHUNKER_ROWS, 100);
 * if (rc == SEG_OK)
 *     rc = seg_csv_chunker_drop(ch, leave_out, 1);
 * if (rc == SEG_OK)
 *     rc = seg_scaler_new(&sc);
 * if (rc == SEG_OK)
 *     rc = seg_scaler_stream_begin(&ss, sc);
 * while (rc == SEG_OK && (rc = seg_csv_chunker_next(ch, &chunk)) == 1) {
 *     rc = seg_scaler_stream_add(ss, chunk);
 *     seg_dataset_free(chunk);
 * }
 * if (rc == 0) // the end of the file
 *     rc = seg_scaler_stream_finish(ss, sc);
 * if (rc == SEG_OK)
 *     rc = seg_kmeans_new(&km);
 * if (rc == SEG_OK)
 *     rc = seg_kmeans_set_int(km, SEG_KMEANS_K, 4);
 * if (rc == SEG_OK)
 *     rc = seg_kmeans_fit_chunks(km, ch, sc, 200, &m);
 * if (rc == SEG_OK)
 *     printf("inertia %g after %d passes\n", seg_model_inertia(m),
 *            (int)seg_model_iterations(m));
 * else
 *     fprintf(stderr, "%s\n", seg_last_error());
 * seg_model_free(m);
 * seg_kmeans_free(km);
 * seg_scaler_stream_free(ss);
 * seg_scaler_free(sc);
 * seg_csv_chunker_free(ch);
 * return rc < 0;
 * @endcode
 * @{
 */

/** Opaque chunked CSV reader. */
typedef struct seg_csv_chunker seg_csv_chunker;

/** Settings and facts of a chunker (seg_csv_chunker_set_int(), seg_csv_chunker_get_int()). */
typedef enum seg_chunker_param {
    SEG_CHUNKER_ROWS = 100,       /**< int: rows per chunk (default 65536; 1 .. 2^31 - 1). */
    SEG_CHUNKER_FILE_ROWS = 200,  /**< read-only: data rows in the file. */
    SEG_CHUNKER_FILE_BYTES = 201, /**< read-only: size of the file in bytes (0 when not a regular file). */
    SEG_CHUNKER_COLUMNS = 202,    /**< read-only: columns in the file. */
    SEG_CHUNKER_PASSES = 203      /**< read-only: times the file was read from its start (the opening's pass included). */
} seg_chunker_param;

/**
 * Open a CSV file for reading in chunks. The file is read once here, a
 * record at a time, to count its rows and settle its column names and types
 * by the rules of seg_dataset_read_csv() (the same options, the same errors
 * and messages for a malformed file: both readers share one tokenizer, so
 * the same bytes give the same status, FILE:LINE:FIELD and values).
 *
 * @param[out] out receives the chunker; free it with seg_csv_chunker_free().
 * @param path the file; it must not change while the chunker reads it. It
 *        must be a regular file: chunks reopen it, so a pipe, FIFO or device
 *        is refused with SEG_ERR_IO (copy such input to a file first).
 * @param opts CSV options (copied), or NULL for the defaults.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL out or path), SEG_ERR_IO,
 *         SEG_ERR_PARSE, SEG_ERR_EMPTY (no data row), SEG_ERR_LIMIT (columns,
 *         field or record length, duplicate names), SEG_ERR_NOT_FOUND (a forced
 *         type names no column), SEG_ERR_NOMEM.
 */
SEG_API int seg_csv_chunker_open(seg_csv_chunker **out, const char *path,
                                 const seg_csv_options *opts);

/**
 * Close the file and free the chunker. Accepts NULL.
 *
 * @param ch the chunker, or NULL.
 */
SEG_API void seg_csv_chunker_free(seg_csv_chunker *ch);

/**
 * Change a setting (SEG_CHUNKER_ROWS); takes effect from the next chunk.
 *
 * @param ch the chunker.
 * @param param SEG_CHUNKER_ROWS.
 * @param value rows per chunk, 1 .. 2^31 - 1.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL ch, another param, value out of range).
 */
SEG_API int seg_csv_chunker_set_int(seg_csv_chunker *ch, seg_chunker_param param, int64_t value);

/**
 * Read a setting or a fact of the file.
 *
 * @param ch the chunker.
 * @param param any seg_chunker_param.
 * @param[out] value receives it.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL argument, unknown param).
 */
SEG_API int seg_csv_chunker_get_int(const seg_csv_chunker *ch, seg_chunker_param param,
                                    int64_t *value);

/**
 * The accepted range of a chunker setting (SEG_CHUNKER_ROWS: 1 .. 2^31 - 1).
 *
 * Needs no object and keeps no state: thread-safe.
 *
 * @param param SEG_CHUNKER_ROWS (the facts of the file are read-only and
 *        have no range).
 * @param[out] lower receives the smallest accepted value.
 * @param[out] upper receives the largest accepted value.
 * @return SEG_OK or SEG_ERR_INVALID_ARG (unknown param, a read-only fact,
 *         NULL lower or upper).
 */
SEG_API int seg_csv_chunker_param_bounds(seg_chunker_param param, double *lower, double *upper);

/**
 * Name of column j of the file (before any column choice).
 *
 * @param ch the chunker.
 * @param j column index, 0 .. SEG_CHUNKER_COLUMNS - 1.
 * @return the name, owned by ch; NULL when ch is NULL or j is out of range.
 */
SEG_API const char *seg_csv_chunker_column_name(const seg_csv_chunker *ch, size_t j);

/**
 * Type of column j of the file, as settled when it was opened.
 *
 * @param ch the chunker.
 * @param j column index.
 * @return SEG_COLUMN_NUMERIC or SEG_COLUMN_CATEGORICAL; SEG_COLUMN_AUTO when
 *         ch is NULL or j is out of range.
 */
SEG_API seg_column_type seg_csv_chunker_column_type(const seg_csv_chunker *ch, size_t j);

/**
 * Make every chunk's column called name its id column
 * (seg_dataset_set_id_column() is applied to each chunk, before the drop and
 * select choices).
 *
 * @param ch the chunker.
 * @param name a column of the file (copied).
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL argument), SEG_ERR_NOT_FOUND, SEG_ERR_NOMEM.
 */
SEG_API int seg_csv_chunker_set_id_column(seg_csv_chunker *ch, const char *name);

/**
 * Leave columns out of every chunk (seg_dataset_drop() on each chunk, after
 * the id column is set). Replaces an earlier drop list.
 *
 * @param ch the chunker.
 * @param names count column names of the file (copied).
 * @param count number of names (>= 1).
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL argument, count 0), SEG_ERR_NOT_FOUND, SEG_ERR_NOMEM.
 */
SEG_API int seg_csv_chunker_drop(seg_csv_chunker *ch, const char *const *names, size_t count);

/**
 * Keep only these columns, in this order, in every chunk (seg_dataset_select()
 * on each chunk, after the drop). Replaces an earlier select list.
 *
 * @param ch the chunker.
 * @param names count column names of the file (copied).
 * @param count number of names (>= 1).
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL argument, count 0), SEG_ERR_NOT_FOUND, SEG_ERR_NOMEM.
 */
SEG_API int seg_csv_chunker_select(seg_csv_chunker *ch, const char *const *names, size_t count);

/**
 * The next chunk: a dataset of the next SEG_CHUNKER_ROWS rows (fewer at the
 * end of the file) with the file's column types and the column choices
 * applied. Categorical columns list the levels present in the chunk.
 *
 * @param ch the chunker.
 * @param[out] out receives the chunk (free it with seg_dataset_free()), or
 *        NULL at the end of the file or on failure.
 * @return 1 (a chunk), 0 (the end of the file: call seg_csv_chunker_rewind()
 *         to read it again), SEG_ERR_INVALID_ARG (NULL argument), SEG_ERR_IO,
 *         SEG_ERR_PARSE (also when the file changed since it was opened),
 *         SEG_ERR_NOT_FOUND / SEG_ERR_LIMIT (column choices), SEG_ERR_NOMEM.
 *         After a failure, chunks start again only after a rewind.
 */
SEG_API int seg_csv_chunker_next(seg_csv_chunker *ch, seg_dataset **out);

/**
 * Start again from the first data row.
 *
 * @param ch the chunker.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL ch).
 */
SEG_API int seg_csv_chunker_rewind(seg_csv_chunker *ch);
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
 *  - Missing numeric values take the median of the present training values,
 *    after log1p when it is set (the median and quartiles follow numpy's
 *    default, 'linear': position (n - 1) q). By default
 *    (SEG_IMPUTE_THEN_SCALE) the scaling statistics (mean, std, min, max,
 *    quartiles) are then computed over all training rows, imputed values
 *    included, as scikit-learn's SimpleImputer(strategy="median") followed
 *    by its scaler does; with SEG_SCALE_THEN_IMPUTE they are computed on the
 *    present values only. Either way a missing value becomes
 *    (median - center) / scale. A column with no value at all imputes 0 with
 *    center 0 and scale 1.
 *  - Levels are ordered by strcmp(); "(missing)" sorts among them as that
 *    string, and a level spelt "(missing)" is the missing level. Mode ties go
 *    to the first level in byte order; a column whose every value is missing
 *    has "(missing)" as its level under either policy. Under SEG_IMPUTE_LEVEL,
 *    a missing value in a column that had none in training encodes as zeros,
 *    like an unseen level.
 *  - A categorical column with one level gives one feature (none with
 *    drop-first); drop-first never applies to two-level columns.
 *  - The scaler keeps statistics and level names only, never rows.
 *
 * Example:
 * @code{.c}
 * // Learn the encoding on the training customers, then apply it.
 * seg_dataset *ds = NULL;
 * seg_scaler *sc = NULL;
 * double *x = NULL;
 * int rc = seg_dataset_read_csv(&ds, "bank.csv", NULL);
 * if (rc == SEG_OK)
 *     rc = seg_scaler_new(&sc);
 * if (rc == SEG_OK)
 *     rc = seg_scaler_set_int(sc, SEG_SCALER_METHOD, SEG_SCALE_ROBUST);
 * if (rc == SEG_OK)
 *     rc = seg_scaler_set_column_int(sc, "balance", SEG_SCALER_COLUMN_LOG1P, 1);
 * if (rc == SEG_OK)
 *     rc = seg_scaler_fit(sc, ds);
 * if (rc == SEG_OK) {
 *     const size_t n = seg_dataset_rows(ds), d = seg_scaler_features(sc);
 *     if (!(x = malloc(n * d * sizeof *x)))
 *         rc = SEG_ERR_NOMEM;
 *     else
 *         rc = seg_scaler_transform_f64(sc, ds, x, n * d);
 *     for (size_t j = 0; rc == SEG_OK && j < 3; j++) // "age", "job=admin.", ...
 *         printf("%s = %g\n", seg_scaler_feature_name(sc, j), x[j]);
 * }
 * free(x);
 * seg_scaler_free(sc);
 * seg_dataset_free(ds);
 * return rc < 0;
 * @endcode
 * @{
 */

/** Opaque fitted transform from dataset columns to features. */
typedef struct seg_scaler seg_scaler;

/** Opaque state of a streaming scaler fit. */
typedef struct seg_scaler_stream seg_scaler_stream;

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

/**
 * In what order a numeric column's missing values are imputed and its
 * scaling statistics computed (SEG_SCALER_IMPUTE_ORDER).
 */
typedef enum seg_impute_order {
    /** Missing values take the median of the present ones first; the mean,
     *  standard deviation, range and quartiles are then computed over every
     *  row, imputed ones included. The same as scikit-learn's
     *  SimpleImputer(strategy="median") followed by StandardScaler,
     *  MinMaxScaler or RobustScaler. The default. */
    SEG_IMPUTE_THEN_SCALE = 0,
    /** The statistics are computed over the present values only and missing
     *  values take the median afterwards (libseg 0.1's order): a column with
     *  many missing values keeps the spread of its present values. */
    SEG_SCALE_THEN_IMPUTE = 1
} seg_impute_order;

/** Scaler settings, for seg_scaler_set_int(). */
typedef enum seg_scaler_param {
    SEG_SCALER_METHOD = 100,           /**< seg_scale_method for numeric columns (default SEG_SCALE_STANDARD). */
    SEG_SCALER_DROP_FIRST = 101,       /**< 1: one-hot omits the first level (default 0). */
    SEG_SCALER_CATEGORICAL_MISSING = 102, /**< seg_impute_categorical (default SEG_IMPUTE_LEVEL). */
    SEG_SCALER_MAX_LEVELS = 103,       /**< Most levels a categorical column may have (default 1000; 2 .. 1000000). */
    /** 1: accept a categorical column with a different value in every row
     *  (default 0: with 20 rows or more and no missing value, such a column
     *  is an identifier, whose values the model would store, and the fit
     *  fails with SEG_ERR_PRIVACY; set it as the id column or drop it). */
    SEG_SCALER_ALLOW_IDENTIFIERS = 104,
    /** N > 0: the levels of a categorical column held by fewer than N
     *  training rows are folded into one level "(other)" (as is a level
     *  spelt "(other)"), so that no feature name, and no level stored in a
     *  model, is known to fewer than N customers; a value outside the kept
     *  levels, seen in training or not, then encodes as "(other)". Rows
     *  count, not weights; "(missing)" is never folded. Default 0: off; 0 ..
     *  10^12. `seg segment --min-segment-size N` sets it to N. */
    SEG_SCALER_MIN_LEVEL_COUNT = 105,
    /** seg_impute_order: impute numeric columns before computing their
     *  scaling statistics (default SEG_IMPUTE_THEN_SCALE) or after
     *  (SEG_SCALE_THEN_IMPUTE). Only the fit depends on it: a fitted
     *  scaler, and a model file, hold the resulting center and scale. */
    SEG_SCALER_IMPUTE_ORDER = 106,
    /** int: threads that fit the numeric columns, one column at a time
     *  each, 0 = the usable CPUs (default 0; 0 .. 4096). The fitted scaler
     *  does not depend on it. */
    SEG_SCALER_THREADS = 107
} seg_scaler_param;

/** Per-column scaler settings, for seg_scaler_set_column_int(). */
typedef enum seg_scaler_column_param {
    SEG_SCALER_COLUMN_METHOD = 200,    /**< seg_scale_method for this numeric column. */
    SEG_SCALER_COLUMN_LOG1P = 201      /**< 1: apply signed log1p before scaling (default 0). */
} seg_scaler_column_param;

/**
 * @name Fitting and transforming
 * @{
 */

/**
 * Create an unfitted scaler with default settings.
 *
 * @param[out] out receives the new scaler; set to NULL on failure. The caller
 *        frees it with seg_scaler_free().
 * @return SEG_OK, SEG_ERR_INVALID_ARG (out is NULL) or SEG_ERR_NOMEM.
 */
SEG_API int seg_scaler_new(seg_scaler **out);

/**
 * As seg_scaler_new(), with the scaler's memory from an allocator.
 *
 * @param[out] out receives the new scaler; set to NULL on failure. Free it
 *        with seg_scaler_free().
 * @param a the allocator, or NULL for malloc()/free().
 * @return SEG_OK, SEG_ERR_INVALID_ARG (out is NULL) or SEG_ERR_NOMEM.
 */
SEG_API int seg_scaler_new_with_allocator(seg_scaler **out, seg_allocator *a);

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
 *        seg_impute_categorical (0 or 1), SEG_SCALER_MAX_LEVELS 2 .. 1000000,
 *        SEG_SCALER_ALLOW_IDENTIFIERS 0 or 1, SEG_SCALER_MIN_LEVEL_COUNT
 *        0 .. 10^12, SEG_SCALER_IMPUTE_ORDER a seg_impute_order (0 or 1).
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
 * The accepted range of a scaler setting (whole numbers).
 *
 * Needs no object and keeps no state: thread-safe.
 *
 * @param param any seg_scaler_param.
 * @param[out] lower receives the smallest accepted value.
 * @param[out] upper receives the largest accepted value.
 * @return SEG_OK or SEG_ERR_INVALID_ARG (unknown param, NULL lower or upper).
 */
SEG_API int seg_scaler_param_bounds(seg_scaler_param param, double *lower, double *upper);

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
 * Read the setting the next fit uses for one named column: the value given
 * with seg_scaler_set_column_int(), or, for a column (or a param of it) never
 * set, what applies instead: SEG_SCALER_METHOD's value for
 * SEG_SCALER_COLUMN_METHOD, 0 for SEG_SCALER_COLUMN_LOG1P.
 *
 * @param sc the scaler.
 * @param column the column name; borrowed for the call.
 * @param param which setting.
 * @param[out] value receives its value.
 * @return SEG_OK or SEG_ERR_INVALID_ARG (NULL sc, column or value, unknown
 *         param).
 */
SEG_API int seg_scaler_get_column_int(const seg_scaler *sc, const char *column,
                                      seg_scaler_column_param param, int64_t *value);

/**
 * The accepted range of a per-column scaler setting (whole numbers).
 *
 * Needs no object and keeps no state: thread-safe.
 *
 * @param param any seg_scaler_column_param.
 * @param[out] lower receives the smallest accepted value.
 * @param[out] upper receives the largest accepted value.
 * @return SEG_OK or SEG_ERR_INVALID_ARG (unknown param, NULL lower or upper).
 */
SEG_API int seg_scaler_column_param_bounds(seg_scaler_column_param param, double *lower,
                                           double *upper);

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
 *         whose statistics overflow), SEG_ERR_PRIVACY (a categorical column
 *         with a different value in every row: see
 *         SEG_SCALER_ALLOW_IDENTIFIERS), SEG_ERR_OVERFLOW, SEG_ERR_NOMEM. On
 *         failure the scaler is unfitted.
 */
SEG_API int seg_scaler_fit(seg_scaler *sc, const seg_dataset *ds);

/**
 * Append to sc one numeric column fitted elsewhere, from its statistics:
 * feature (t(x) - center) / scale, a missing value taking median, where
 * t is the column's log1p setting (seg_scaler_set_column_int()) and the
 * method recorded is its method setting. With seg_scaler_append_levels(),
 * this builds the scaler seg_scaler_fit() would fit on all rows when the
 * statistics are those of all rows, computed where no process holds them
 * all (libseg-mpi agrees them over MPI ranks). Columns are appended in the
 * order of the calls, which is the order of their features; the scaler is
 * fitted after the first call, and seg_scaler_fit() replaces the whole fit.
 *
 * Changes sc: one thread at a time, and no transform may run on sc meanwhile.
 *
 * @param sc the scaler, fitted or not.
 * @param column the column's name (copied), not one of sc's columns yet.
 * @param center the center, in t-space (after log1p when it is set).
 * @param scale the scale, finite and not 0.
 * @param median the value a missing number takes, in t-space.
 * @return SEG_OK; SEG_ERR_INVALID_ARG (NULL sc or column, a value not finite
 *         or a scale 0, a column of that name already), SEG_ERR_NOMEM. On
 *         failure sc is unchanged.
 */
SEG_API int seg_scaler_append_numeric(seg_scaler *sc, const char *column, double center,
                                      double scale, double median);

/**
 * Append to sc one categorical column from its distinct levels and the rows
 * holding each, encoded as seg_scaler_fit() encodes it from the same counts
 * under sc's settings: levels sorted by bytes with a "(missing)" level (or
 * the mode, SEG_SCALER_CATEGORICAL_MISSING), rare levels folded
 * (SEG_SCALER_MIN_LEVEL_COUNT), a 0/1 feature for two levels, one-hot
 * otherwise (SEG_SCALER_DROP_FIRST), and the same refusals (a column of
 * distinct values, too many levels). Levels given twice are merged. See
 * seg_scaler_append_numeric() for the order and the state.
 *
 * @param sc the scaler, fitted or not.
 * @param column the column's name (copied), not one of sc's columns yet.
 * @param levels n_levels level texts (copied), in any order.
 * @param counts rows holding each level, each at least 1.
 * @param n_levels number of levels (0: every value missing).
 * @param n_missing rows with no value.
 * @param n_rows all rows: n_missing plus the counts.
 * @return SEG_OK; SEG_ERR_INVALID_ARG (NULL argument, a count 0, counts that
 *         do not add up to n_rows, a column of that name already),
 *         SEG_ERR_PRIVACY (a different value in every row: see
 *         SEG_SCALER_ALLOW_IDENTIFIERS), SEG_ERR_LIMIT (more levels than
 *         SEG_SCALER_MAX_LEVELS), SEG_ERR_OVERFLOW, SEG_ERR_NOMEM. On failure
 *         sc is unchanged.
 */
SEG_API int seg_scaler_append_levels(seg_scaler *sc, const char *column,
                                     const char *const *levels, const uint64_t *counts,
                                     size_t n_levels, uint64_t n_missing, uint64_t n_rows);

/**
 * Whether the scaler holds a fit.
 *
 * @param sc the scaler, or NULL.
 * @return 1 if the scaler has been fitted, 0 otherwise (also for NULL).
 */
SEG_API int seg_scaler_is_fitted(const seg_scaler *sc);

/**
 * Whether transforming ds with sc would give ds's values unchanged.
 *
 * True when sc's features are ds's columns, one each, in ds's order, all
 * numeric, with no log1p, a center of +0 and a scale of 1 (as
 * SEG_SCALE_NONE fits them), and ds has no missing value to impute: then
 * seg_scaler_transform_f32() and seg_scaler_transform_f64() reproduce the
 * values bit for bit, and seg_dataset_matrix_f32() or
 * seg_dataset_matrix_f64(), when not NULL, is the encoded matrix itself, so
 * a fit can read it (seg_kmeans_fit_encoded_f32() and the like) without a
 * transformed copy. The dataset fits (seg_kmeans_fit_dataset(),
 * seg_minibatch_fit_dataset()) do so on their own.
 *
 * Only reads sc and ds; any number of threads may call it at once.
 *
 * @param sc a scaler, or NULL.
 * @param ds a dataset, or NULL.
 * @return 1 if so; 0 otherwise, also when sc is NULL or not fitted, or ds is
 *         NULL.
 */
SEG_API int seg_scaler_is_identity(const seg_scaler *sc, const seg_dataset *ds);

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
 * @name Fitting from chunks
 *
 * A scaler fitted from a file read in chunks (see the Chunked CSV reading
 * group), holding statistics and sketches but never the rows: the result is an
 * ordinary fitted scaler.
 * @{
 */

/** Rank error bound of the streaming quantile sketch, as a share of the values seen. */
#define SEG_STREAM_QUANTILE_EPS 0.001
/** Values per column up to which the streaming median and quartiles are exact. */
#define SEG_STREAM_EXACT_VALUES 4096

/**
 * Begin fitting a scaler from chunks. The settings of sc (method, per-column
 * settings, categorical options, level limit) are copied now; sc is fitted
 * by seg_scaler_stream_finish().
 *
 * @param[out] out receives the state; free it with seg_scaler_stream_free().
 * @param sc a scaler whose settings to use (fitted or not); only read.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL argument), SEG_ERR_NOMEM.
 */
SEG_API int seg_scaler_stream_begin(seg_scaler_stream **out, const seg_scaler *sc);

/**
 * Add the rows of one chunk. The first chunk fixes the columns (names, order,
 * types); later chunks must have the same.
 *
 * @param ss the state.
 * @param chunk a dataset; only read, not retained.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL argument, bad level code),
 *         SEG_ERR_EMPTY (no columns), SEG_ERR_MISMATCH (columns differ from the
 *         first chunk's), SEG_ERR_LIMIT (duplicate column names),
 *         SEG_ERR_NOT_FOUND (a per-column setting names no numeric column),
 *         SEG_ERR_NONFINITE (an infinite value), SEG_ERR_OVERFLOW, SEG_ERR_NOMEM.
 */
SEG_API int seg_scaler_stream_add(seg_scaler_stream *ss, const seg_dataset *chunk);

/**
 * Fit sc from the rows added: the fit seg_scaler_fit() makes on all the rows
 * at once, except that medians and quartiles are within the sketch's rank
 * error (#SEG_STREAM_QUANTILE_EPS) once a column holds more than
 * #SEG_STREAM_EXACT_VALUES values, and means and deviations differ from the
 * one-shot fit only by rounding. A categorical column with more levels than
 * the limit fails as in seg_scaler_fit(), as an identifier (SEG_ERR_PRIVACY)
 * when every value up to the limit was distinct. ss can be finished again or
 * receive more chunks.
 *
 * @param ss the state.
 * @param sc the scaler to fit (normally the one given to begin); its old fit
 *        is replaced on success.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL argument), SEG_ERR_EMPTY (no rows,
 *         or no features), SEG_ERR_NONFINITE (values too large to scale),
 *         SEG_ERR_LIMIT, SEG_ERR_PRIVACY, SEG_ERR_OVERFLOW, SEG_ERR_NOMEM.
 */
SEG_API int seg_scaler_stream_finish(seg_scaler_stream *ss, seg_scaler *sc);

/**
 * Bytes the state holds now (sketches, level tables, scratch): what
 * seg segment --memory counts for it.
 *
 * @param ss the state, or NULL (0).
 * @return the byte count.
 */
SEG_API size_t seg_scaler_stream_bytes(const seg_scaler_stream *ss);

/**
 * Free the state. Accepts NULL.
 *
 * @param ss the state, or NULL.
 */
SEG_API void seg_scaler_stream_free(seg_scaler_stream *ss);
/** @} */

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
 *
 * Example:
 * @code{.c}
 * // Two obvious groups of three customers, two features each.
 * const double x[] = {1, 1, 1.2, 0.8, 0.9, 1.1, 8, 9, 8.2, 9.1, 7.9, 8.8};
 * int32_t labels[6];
 * seg_kmeans *km = NULL;
 * seg_model *m = NULL;
 * int rc = seg_kmeans_new(&km);
 * if (rc == SEG_OK)
 *     rc = seg_kmeans_set_int(km, SEG_KMEANS_K, 2);
 * if (rc == SEG_OK)
 *     rc = seg_kmeans_set_int(km, SEG_KMEANS_N_INIT, 4);
 * if (rc == SEG_OK)
 *     rc = seg_kmeans_set_int(km, SEG_KMEANS_SEED, 7);
 * if (rc == SEG_OK)
 *     rc = seg_kmeans_fit_f64(km, x, 6, 2, NULL, labels, &m);
 * if (rc == SEG_OK)
 *     printf("labels %d %d %d %d %d %d, inertia %.3f\n", labels[0], labels[1],
 *            labels[2], labels[3], labels[4], labels[5], seg_model_inertia(m));
 * seg_model_free(m);
 * seg_kmeans_free(km);
 * return rc < 0 || labels[0] == labels[3];
 * @endcode
 * @{
 */

/** Opaque k-means settings and workspace. */
typedef struct seg_kmeans seg_kmeans;
/** Opaque fitted model (immutable). */
typedef struct seg_model seg_model;

/** Opaque accumulator of one Lloyd iteration over rows given in chunks. */
typedef struct seg_lloyd_pass seg_lloyd_pass;

/** Initialisation methods. */
typedef enum seg_init {
    SEG_INIT_KMEANSPP = 0, /**< Greedy k-means++ (default). */
    SEG_INIT_RANDOM = 1,   /**< k distinct rows chosen uniformly at random. */
    SEG_INIT_GIVEN = 2,    /**< Centroids from seg_kmeans_set_init_centroids_f64(). */
    /** k-means|| (Bahmani et al. 2012, as Spark MLlib): SEG_KMEANS_INIT_ROUNDS
     *  rounds each sampling about 2k rows with probability proportional to
     *  their weighted squared distance to the candidates so far, then greedy
     *  k-means++ on the candidates weighted by the rows nearest each. A row's
     *  draw depends only on (seed, run, round, row number), so a sharded fit
     *  (seg_kmeans_fit_shard_*, libseg-mpi) gives the same start for any
     *  number of shards. (Beyond 2^48 rows the draws of a row in two
     *  rounds are no longer independent: docs/limits.md.) */
    SEG_INIT_KMEANS_PARALLEL = 3
} seg_init;

/** Numeric precision of a dataset fit. */
typedef enum seg_dtype {
    SEG_DTYPE_F64 = 0, /**< double (default). */
    SEG_DTYPE_F32 = 1  /**< float, sums accumulated in double. */
} seg_dtype;

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
    /** int: withhold the profiles of segments of fewer rows (default 0 = off;
     *  0 .. 10^12; see seg_model_profile_withheld()). */
    SEG_KMEANS_MIN_PROFILE_SIZE = 110,
    /** int: every segment holds at least this many rows (default 0 = no
     *  bound; 0 .. 10^15). Any size bound makes the fit size-constrained:
     *  see "Segments sized to capacity" below. */
    SEG_KMEANS_MIN_SIZE = 111,
    /** int: no segment holds more than this many rows (default 0 = no
     *  bound; 0 .. 10^15). */
    SEG_KMEANS_MAX_SIZE = 112,
    /** int: sampling rounds of SEG_INIT_KMEANS_PARALLEL (default 2, as Spark
     *  MLlib; the paper used 5; 1 .. 100). More rounds are run while fewer
     *  than k candidates were drawn. */
    SEG_KMEANS_INIT_ROUNDS = 118,
    SEG_KMEANS_TOL = 200       /**< double: relative tolerance (default 1e-4; 0 .. 1e6). */
} seg_kmeans_param;

/**
 * @name Settings
 * @{
 */

/**
 * Create a k-means object with default settings.
 *
 * @param[out] out receives the new object; set to NULL on failure. The caller
 *        frees it with seg_kmeans_free().
 * @return SEG_OK, SEG_ERR_INVALID_ARG (out is NULL) or SEG_ERR_NOMEM.
 */
SEG_API int seg_kmeans_new(seg_kmeans **out);

/**
 * As seg_kmeans_new(), with the object's memory, and that of the models its
 * fits return (their scaler copies included), from an allocator.
 *
 * @param[out] out receives the new object; set to NULL on failure. Free it
 *        with seg_kmeans_free().
 * @param a the allocator, or NULL for malloc()/free().
 * @return SEG_OK, SEG_ERR_INVALID_ARG (out is NULL) or SEG_ERR_NOMEM.
 */
SEG_API int seg_kmeans_new_with_allocator(seg_kmeans **out, seg_allocator *a);

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
 * Set (or, with fn NULL, remove) a progress callback for the fits of a
 * k-means object (seg_kmeans_fit_f32(), _f64(), _dataset()).
 *
 * fn is called after every Lloyd iteration with done = r * max_iter + i
 * (run r, iteration i) and total = n_init * max_iter, an upper bound: a run
 * that converges early jumps to the start of the next; a last call with
 * done = total follows a successful fit. It runs on the thread that called
 * the fit. Returning non-zero stops the fit, which then fails with
 * SEG_ERR_CANCELLED and returns no model. A sweep with this k-means object
 * calls it for each of its fits too.
 *
 * @param km the k-means object.
 * @param fn the callback, or NULL.
 * @param user passed to every call of fn; borrowed.
 * @return SEG_OK or SEG_ERR_INVALID_ARG (NULL km).
 */
SEG_API int seg_kmeans_set_progress(seg_kmeans *km, seg_progress_fn fn, void *user);
/** @} */

/**
 * @name Segments sized to capacity
 *
 * A campaign that can contact at most N customers per segment, or needs at
 * least N, sets size bounds: SEG_KMEANS_MIN_SIZE and SEG_KMEANS_MAX_SIZE for
 * every segment alike, or seg_kmeans_set_capacity() for one pair per
 * segment. The fit is then size-constrained k-means (Bradley, Bennett and
 * Demiriz 2000): each assignment step solves exactly the transportation
 * problem "each row to one segment, segment j holding between its minimum
 * and maximum rows, least total squared distance" (each row's squared
 * distance times its weight when weights are given; the bounds count rows,
 * not weights), then each centroid moves to the (weighted) mean of its rows;
 * the fit stops when an assignment repeats the previous one (converged) or
 * after SEG_KMEANS_MAX_ITER assignments. Every segment holds at least one
 * row. The solver is successive shortest paths on the k-node graph of
 * segments (seg_capacity_assign_f64()); the start is the usual one
 * (SEG_KMEANS_INIT; run r of SEG_KMEANS_N_INIT starts as seg_kmeans_init_f64()
 * with SEG_KMEANS_SEED + r), the best run is the one of least cost.
 * SEG_KMEANS_ALGORITHM and SEG_KMEANS_TOL are not used. The fit runs on
 * the calling thread (a BLAS GEMM per block of rows), so SEG_KMEANS_THREADS
 * does not change it. Ties go to the lower row, then the lower segment.
 * Bounds that cannot hold the n rows (maxima adding up to fewer than n,
 * minima to more, a minimum above its maximum) fail the fit with
 * SEG_ERR_INVALID_ARG and seg_last_error() says which; per-segment bounds
 * whose count is not SEG_KMEANS_K fail it with SEG_ERR_MISMATCH. With float
 * rows (seg_kmeans_fit_f32()) the squared distances of the assignment
 * problem come from the float kernel.
 *
 * The model keeps the bounds (seg_model_capacity()), permuted with its
 * segments, which are numbered as every fit's (decreasing weight). The fit's
 * labels and distances are its constrained assignment; seg_predictor_run_*()
 * on the model gives each row its nearest centroid, and
 * seg_capacity_predict_f64() solves the same transportation problem for a
 * batch of new rows.
 *
 * Memory: the n x k cost matrix and about (k - 1) x 16 bytes per row of
 * heaps. Time per assignment: O(n k^2) plus O(k log n) per row moved.
 *
 * Example:
 * @code{.c}
 * // Five customers near 0 and one near 10: at most three per segment.
 * const double x[] = {0, 0.1, 0.2, 0.3, 0.4, 10};
 * int32_t labels[6];
 * int64_t lo[2], hi[2];
 * seg_kmeans *km = NULL;
 * seg_model *m = NULL;
 * int rc = seg_kmeans_new(&km);
 * if (rc == SEG_OK)
 *     rc = seg_kmeans_set_int(km, SEG_KMEANS_K, 2);
 * if (rc == SEG_OK)
 *     rc = seg_kmeans_set_int(km, SEG_KMEANS_MAX_SIZE, 3);
 * if (rc == SEG_OK)
 *     rc = seg_kmeans_fit_f64(km, x, 6, 1, NULL, labels, &m);
 * if (rc == SEG_OK)
 *     rc = seg_model_capacity(m, lo, hi, 2);
 * if (rc == SEG_OK)
 *     printf("sizes %zu %zu (at most %lld), labels %d %d %d %d %d %d\n",
 *            seg_model_segment_size(m, 0), seg_model_segment_size(m, 1), (long long)hi[0],
 *            labels[0], labels[1], labels[2], labels[3], labels[4], labels[5]);
 * seg_model_free(m);
 * seg_kmeans_free(km);
 * return rc < 0 || labels[5] != labels[4] || labels[0] == labels[5];
 * @endcode
 * @{
 */

/**
 * Set one pair of size bounds per segment (and SEG_KMEANS_K = k), or, with
 * k = 0, remove them. Per-segment bounds take the place of
 * SEG_KMEANS_MIN_SIZE and SEG_KMEANS_MAX_SIZE. Segments have no identity
 * before the fit: the pairs are a multiset the fit hands out, and the model
 * says which segment got which (seg_model_capacity()).
 *
 * @param km the k-means object.
 * @param min_size k minimum sizes >= 0, or NULL for none; copied.
 * @param max_size k maximum sizes >= 0 (0 = no bound), or NULL for none; copied.
 * @param k number of segments (0 .. 1000000).
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL km, k > 1000000, a negative
 *         bound, a minimum above its maximum), SEG_ERR_NOMEM. Whether n rows
 *         fit the bounds is checked by the fit (SEG_ERR_INVALID_ARG, with
 *         the reason in seg_last_error()).
 */
SEG_API int seg_kmeans_set_capacity(seg_kmeans *km, const int64_t *min_size,
                                    const int64_t *max_size, size_t k);

/**
 * Solve the transportation problem alone: assign n rows to k segments,
 * segment j holding min_size[j] .. max_size[j] rows, at least total cost,
 * cost[i * k + j] being row i's cost in segment j. Exact (successive
 * shortest paths on the k-node segment graph, with potentials), up to
 * floating-point rounding in comparisons of sums of costs; deterministic,
 * ties to the lower row, then the lower segment.
 *
 * Thread-safe: keeps no state.
 *
 * @param cost n x k finite costs, row-major; borrowed.
 * @param n rows (>= 1, < 2^31).
 * @param k segments (>= 1).
 * @param min_size k minimum sizes >= 0, or NULL for none; borrowed.
 * @param max_size k maximum sizes (0 = no bound), or NULL for none; borrowed.
 * @param[out] labels receives n segments in 0 .. k-1.
 * @param[out] total if not NULL, receives the total cost.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL cost or labels; bounds that
 *         cannot hold n rows: a minimum above its maximum, maxima adding up
 *         to fewer than n, minima adding up to more; seg_last_error() says
 *         which), SEG_ERR_EMPTY (n or k is 0), SEG_ERR_NONFINITE (a cost),
 *         SEG_ERR_LIMIT (n >= 2^31), SEG_ERR_OVERFLOW, SEG_ERR_NOMEM.
 */
SEG_API int seg_capacity_assign_f64(const double *cost, size_t n, size_t k,
                                    const int64_t *min_size, const int64_t *max_size,
                                    int32_t *labels, double *total);

/**
 * Assign a batch of encoded rows to the segments of a capacity model under
 * the model's size bounds: the transportation problem of the fit's
 * assignment step, against the model's centroids (nothing is refitted).
 * The bounds are the model's as they are (counts of rows): a batch they
 * cannot hold fails.
 *
 * @param m a model fitted with size bounds.
 * @param x n x d row-major values (d = seg_model_dim()), encoded as the
 *        model's training rows; borrowed.
 * @param n rows.
 * @param d features.
 * @param weights n weights > 0 multiplying each row's squared distance, or NULL.
 * @param[out] labels receives n segments.
 * @param[out] distances if not NULL, receives each row's Euclidean distance
 *        to its segment's centroid.
 * @return SEG_OK, SEG_ERR_STATE (a model without size bounds), and those of
 *         seg_capacity_assign_f64(); SEG_ERR_MISMATCH (d).
 */
SEG_API int seg_capacity_predict_f64(const seg_model *m, const double *x, size_t n, size_t d,
                                     const double *weights, int32_t *labels, double *distances);
/** @} */

/**
 * @name Fitting
 * @{
 */

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
 *         SEG_ERR_NONFINITE (x or weights, or a row whose squared norm
 *         overflows the precision), SEG_ERR_TOO_FEW_POINTS (k exceeds
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
 *         SEG_ERR_NONFINITE (x or weights, or a row whose squared norm
 *         overflows the precision), SEG_ERR_TOO_FEW_POINTS (k exceeds
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
 * that seg_predictor_run_dataset() can score raw rows, and the per-segment
 * statistics of the dataset's columns (see the Segment profiles section of
 * the Model group).
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

/**
 * Fit k-means to a dataset whose encoded rows the caller already holds, and
 * return each row's segment and distance: seg_kmeans_fit_dataset() without
 * its encoding, plus the distances a predictor would give, with no second
 * pass over the rows.
 *
 * x must be what seg_scaler_transform_f32(sc, ds, x, n * d) writes (or, when
 * sc is NULL, ds's numeric values as floats); the library cannot tell
 * another matrix from it, and profiles computed from ds would then not
 * describe the segments fitted on x. The fit runs in float whatever
 * SEG_KMEANS_DTYPE says; the model has SEG_DTYPE_F32. It is the model
 * seg_kmeans_fit_dataset() returns for the same settings, ds and sc (same
 * centroids, sizes, inertia, profiles, outlier reference and copy of sc;
 * only the fit's timings differ), and the labels are its labels.
 *
 * The fit's last pass labels every row against the final centroids; its
 * labels and distances are kept rather than computed again (where they
 * could differ in the last bit, as through a BLAS GEMM, which the model's
 * order of the centroids could round otherwise, one exact labelling pass
 * gives them). The distances are those seg_predictor_run_f32() gives on the
 * model and x, bit for bit, and so are the labels, but for a row at exactly
 * the same distance from two centroids, which keeps the fit's choice. They
 * are the rows of the outlier reference. Thread rules: as
 * seg_kmeans_fit_f32().
 *
 * @param km settings and workspace (one thread at a time).
 * @param ds the training dataset; only read, not retained (its weights, if
 *        any, weigh the fit; its columns give the profiles).
 * @param sc the fitted scaler that encoded x, or NULL (ds all numeric, used
 *        as it is); only read, the model keeps a copy.
 * @param x n * d floats, row-major: ds encoded by sc; borrowed for the call.
 * @param n rows; must be seg_dataset_rows(ds).
 * @param d features; must be seg_scaler_features(sc) (seg_dataset_columns(ds)
 *        when sc is NULL).
 * @param[out] labels if not NULL, receives the n labels (0 .. k-1) in the
 *        model's numbering; unspecified on failure.
 * @param[out] distances if not NULL, receives the n Euclidean distances of
 *        the rows to their segment's centroid; unspecified on failure.
 * @param[out] out receives the model; NULL on failure. The caller frees it
 *        with seg_model_free(); it does not refer to km, ds, sc or x.
 * @return as seg_kmeans_fit_f32(); SEG_ERR_INVALID_ARG also for a NULL ds,
 *         SEG_ERR_STATE (sc not fitted), SEG_ERR_MISMATCH (n or d is not
 *         ds's through sc), and the profiles' SEG_ERR_TYPE (sc NULL and a
 *         categorical column).
 */
SEG_API int seg_kmeans_fit_encoded_f32(seg_kmeans *km, const seg_dataset *ds, const seg_scaler *sc,
                                       const float *x, size_t n, size_t d, int32_t *labels,
                                       double *distances, seg_model **out);

/**
 * As seg_kmeans_fit_encoded_f32(), for rows encoded in double: the fit runs
 * in double whatever SEG_KMEANS_DTYPE says (the model has SEG_DTYPE_F64),
 * and labels and distances are those seg_predictor_run_f64() gives.
 *
 * @param km settings and workspace (one thread at a time).
 * @param ds the training dataset; only read, not retained.
 * @param sc the fitted scaler that encoded x (seg_scaler_transform_f64()),
 *        or NULL (ds all numeric); only read, the model keeps a copy.
 * @param x n * d doubles, row-major: ds encoded by sc; borrowed for the call.
 * @param n rows; must be seg_dataset_rows(ds).
 * @param d features; must be seg_scaler_features(sc) (seg_dataset_columns(ds)
 *        when sc is NULL).
 * @param[out] labels if not NULL, receives the n labels; unspecified on failure.
 * @param[out] distances if not NULL, receives the n distances; unspecified
 *        on failure.
 * @param[out] out receives the model; NULL on failure. Free it with
 *        seg_model_free().
 * @return as seg_kmeans_fit_encoded_f32().
 */
SEG_API int seg_kmeans_fit_encoded_f64(seg_kmeans *km, const seg_dataset *ds, const seg_scaler *sc,
                                       const double *x, size_t n, size_t d, int32_t *labels,
                                       double *distances, seg_model **out);
/** @} */

/**
 * @name Initialisation alone
 * @{
 */

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

/**
 * @name Fitting rows spread over several processes (shards)
 *
 * The hook a distributed engine (libseg-mpi, docs/mpi.md) runs a fit
 * through: each process (a shard) holds the rows of a contiguous range of
 * the fit's row partitions, whose boundaries depend on n, k, d and the
 * element type only (seg_kmeans_partitions()). The fit calls back for the
 * few exchanges it needs, and its partial sums are combined in partition
 * order across the shards, so the model and labels are bit for bit those
 * of seg_kmeans_fit_f32() on all the rows, for any number of shards.
 * SEG_KMEANS_ALGORITHM is honoured: the bounded variants keep the bounds of
 * the shard's own rows and exchange nothing more than Lloyd's passes (the
 * centroids' moves are computed from the agreed centroids); AUTO is decided
 * on n_total, and the first shard's choice is every shard's. Every
 * algorithm gives Lloyd's labels and centroids, bit for bit.
 * @{
 */

/** The exchanges of a sharded fit (the op of a seg_shard_fn). Shards are
 * numbered in the order of their partitions; every shard makes the same
 * calls in the same order. */
typedef enum seg_shard_op {
    /** buf holds size bytes of doubles: replace them by the running fold
     * the shard before this one passed on (the first shard keeps buf). */
    SEG_SHARD_FOLD_BEGIN = 1,
    /** buf holds size bytes: pass them on to the next shard, then replace
     * them, on every shard, by the last shard's buf. */
    SEG_SHARD_FOLD_END = 2,
    /** buf holds one slot of size bytes per partition (partitions x size):
     * fill the slots of the other shards' partitions from theirs. */
    SEG_SHARD_GATHER = 3,
    /** buf holds size bytes: replace them by those of the shard that holds
     * partition part. */
    SEG_SHARD_BCAST = 4,
    /** buf holds size / 8 int64_t: replace each by its sum over shards. */
    SEG_SHARD_SUM_I64 = 5,
    /** buf holds an int32_t status (0 or a negative SEG_ERR_ code) then a
     * NUL-terminated message, size bytes in all: replace them, on every
     * shard, by those of the first shard whose status is negative. */
    SEG_SHARD_AGREE = 6
} seg_shard_op;

/**
 * The exchange callback of a sharded fit.
 *
 * @param user the pointer given to the fit.
 * @param op what to exchange (seg_shard_op).
 * @param buf the buffer, read and written in place.
 * @param size bytes of buf (for SEG_SHARD_GATHER: of one partition's slot).
 * @param part the partition whose shard sends, for SEG_SHARD_BCAST.
 * @return 0, or a negative SEG_ERR_ code that ends the fit.
 */
typedef int (*seg_shard_fn)(void *user, int op, void *buf, size_t size, size_t part);

/**
 * The row partitions a fit of n rows x d features with the settings of km
 * (SEG_KMEANS_K) uses: partition p holds rows [p * rows, min((p + 1) * rows, n)).
 *
 * @param km k-means settings.
 * @param n rows in all (over every shard).
 * @param d features.
 * @param dtype SEG_DTYPE_F32 or SEG_DTYPE_F64: the rows' element type.
 * @param[out] rows rows per partition (the last may hold fewer).
 * @param[out] parts number of partitions (at most 64).
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL pointer, n or d zero, bad dtype).
 */
SEG_API int seg_kmeans_partitions(const seg_kmeans *km, size_t n, size_t d, int dtype,
                                  size_t *rows, size_t *parts);

/**
 * Fit k-means on the rows of partitions [part_first, part_first +
 * part_count) of n_total float rows, in a process that is one shard of a
 * fit whose other shards hold the other partitions; fn carries the
 * exchanges. Every shard gets the same model (the one seg_kmeans_fit_f32()
 * gives on all the rows, with n_rows = n_total) and the labels of its rows.
 * A failure on one shard (a non-finite value in its rows, say) is agreed:
 * every shard returns the same code with the same message.
 *
 * Thread rules: as seg_kmeans_fit_f32(); fn is called from the calling thread.
 *
 * @param km k-means settings, the same on every shard.
 * @param x the shard's rows, n * d row-major (not copied).
 * @param n the shard's rows: exactly those of its partitions.
 * @param d features.
 * @param weights n weights > 0, or NULL for unit weights (on every shard).
 * @param n_total rows over all shards.
 * @param part_first first partition of this shard (seg_kmeans_partitions()).
 * @param part_count partitions of this shard, at least 1.
 * @param fn exchange callback.
 * @param user passed to fn.
 * @param[out] labels n labels of the shard's rows, or NULL.
 * @param[out] out the model (the caller frees it), NULL on failure.
 * @return as seg_kmeans_fit_f32(), and SEG_ERR_INVALID_ARG for a partition
 *         range that does not match n, or a code fn returned.
 */
SEG_API int seg_kmeans_fit_shard_f32(seg_kmeans *km, const float *x, size_t n, size_t d,
                                     const double *weights, size_t n_total, size_t part_first,
                                     size_t part_count, seg_shard_fn fn, void *user,
                                     int32_t *labels, seg_model **out);

/**
 * As seg_kmeans_fit_shard_f32(), for double rows.
 *
 * @param km k-means settings, the same on every shard.
 * @param x the shard's rows, n * d row-major (not copied).
 * @param n the shard's rows.
 * @param d features.
 * @param weights n weights > 0, or NULL.
 * @param n_total rows over all shards.
 * @param part_first first partition of this shard.
 * @param part_count partitions of this shard, at least 1.
 * @param fn exchange callback.
 * @param user passed to fn.
 * @param[out] labels n labels, or NULL.
 * @param[out] out the model, NULL on failure.
 * @return as seg_kmeans_fit_shard_f32().
 */
SEG_API int seg_kmeans_fit_shard_f64(seg_kmeans *km, const double *x, size_t n, size_t d,
                                     const double *weights, size_t n_total, size_t part_first,
                                     size_t part_count, seg_shard_fn fn, void *user,
                                     int32_t *labels, seg_model **out);
/** @} */

/**
 * @name Fitting a file read in chunks
 *
 * Exact Lloyd k-means over a file read in chunks (see the Chunked CSV reading
 * group): a seg_lloyd_pass accumulates one iteration a chunk at a time, and
 * seg_kmeans_fit_chunks() runs the whole fit.
 * @{
 */

/**
 * Create an accumulator for a pass with these centroids.
 *
 * @param[out] out receives it; free it with seg_lloyd_pass_free().
 * @param centroids k * d finite values, row-major (copied).
 * @param k number of centroids (>= 1).
 * @param d features (>= 1).
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL argument), SEG_ERR_EMPTY (k or d
 *         is 0), SEG_ERR_NONFINITE, SEG_ERR_LIMIT (d > INT32_MAX),
 *         SEG_ERR_OVERFLOW, SEG_ERR_NOMEM.
 */
SEG_API int seg_lloyd_pass_new(seg_lloyd_pass **out, const double *centroids, size_t k, size_t d);

/**
 * Free an accumulator. Accepts NULL.
 *
 * @param p the accumulator, or NULL.
 */
SEG_API void seg_lloyd_pass_free(seg_lloyd_pass *p);

/**
 * Start a new pass with new centroids (same k and d): sums, counts and
 * inertia return to zero.
 *
 * @param p the accumulator.
 * @param centroids k * d finite values (copied).
 * @param len values in centroids (>= k * d).
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL argument, len too small), SEG_ERR_NONFINITE.
 */
SEG_API int seg_lloyd_pass_reset(seg_lloyd_pass *p, const double *centroids, size_t len);

/**
 * Rows per GEMM block of the pass (a function of k and d only). Chunks that
 * hold a multiple of it meet the block boundaries of an in-memory fit.
 *
 * @param p the accumulator, or NULL (0).
 * @return the block size.
 */
SEG_API size_t seg_lloyd_pass_block(const seg_lloyd_pass *p);

/**
 * Assign n rows to their nearest centroids (ties: the lowest index) and add
 * them to the per-segment sums and counts and the inertia, in row order.
 *
 * @param p the accumulator.
 * @param x n * d finite values, row-major; only read.
 * @param n rows (0 is allowed).
 * @param d features; must be the accumulator's.
 * @param[out] labels if not NULL, receives the n labels.
 * @param[out] dist if not NULL, receives the n squared distances.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL argument), SEG_ERR_MISMATCH (d),
 *         SEG_ERR_NONFINITE (a value, or a squared norm that overflows).
 */
SEG_API int seg_lloyd_pass_add_f64(seg_lloyd_pass *p, const double *x, size_t n, size_t d,
                                   int32_t *labels, double *dist);

/**
 * Add the rows of another pass with the same centroids (disjoint rows, e.g.
 * another part of the file read by another thread or process). Merging in a
 * fixed order gives the same sums whatever ran the parts.
 *
 * @param into the accumulator that receives the sums.
 * @param from the other one; only read.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL argument), SEG_ERR_MISMATCH
 *         (different k, d or centroids).
 */
SEG_API int seg_lloyd_pass_merge(seg_lloyd_pass *into, const seg_lloyd_pass *from);

/**
 * Read the statistics of the rows added so far.
 *
 * @param p the accumulator.
 * @param[out] sums NULL, or receives the k * d per-segment sums.
 * @param sums_len values sums can hold.
 * @param[out] counts NULL, or receives the k per-segment row counts.
 * @param counts_len values counts can hold.
 * @param[out] inertia NULL, or receives the sum of squared distances.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL p, an output too small).
 */
SEG_API int seg_lloyd_pass_stats(const seg_lloyd_pass *p, double *sums, size_t sums_len,
                                 int64_t *counts, size_t counts_len, double *inertia);

/**
 * The Lloyd update: each centroid becomes the mean of its rows (a centroid
 * without rows stays where it is).
 *
 * @param p the accumulator.
 * @param[out] centroids receives the k * d new centroids.
 * @param len values centroids can hold (>= k * d).
 * @param[out] shift NULL, or receives the summed squared centroid shift.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL argument, len too small).
 */
SEG_API int seg_lloyd_pass_update(const seg_lloyd_pass *p, double *centroids, size_t len,
                                  double *shift);

/**
 * Exact k-means (Lloyd) over a chunked file, one pass per iteration. A first
 * pass keeps a uniform reservoir sample of sample_rows encoded rows (seeded by
 * SEG_KMEANS_SEED) and the features' variance; the start is
 * seg_kmeans_init_f64() on the sample (k-means++, random rows or the given
 * centroids). Iterations follow the in-memory Lloyd (SEG_KMEANS_MAX_ITER,
 * SEG_KMEANS_TOL, re-seeding of empty segments from the farthest row, one
 * extra pass each time), so from the same start the centroids and inertia
 * are those of seg_kmeans_fit_f64() with SEG_ALGORITHM_LLOYD up to rounding
 * of the sums. Every row is scored once for the outlier reference
 * (seg_model_outlier_quantile()): by the last iteration's pass when the
 * tolerance or SEG_KMEANS_MAX_ITER ends the fit, else by one more pass (also
 * when the distances come through BLAS, which may round them otherwise for
 * the centroids in another order). Runs on the calling thread (BLAS may
 * thread large GEMMs); one start (SEG_KMEANS_N_INIT is not used).
 *
 * @param km settings (SEG_KMEANS_K, _MAX_ITER, _TOL, _SEED, _INIT); only read.
 * @param ch the chunker (rewound and read several times).
 * @param sc a fitted scaler that encodes the chunks (the model keeps a copy).
 * @param sample_rows reservoir size for the start (>= 1; rows x features
 *        doubles are held).
 * @param[out] out receives the model; NULL on failure.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL argument, sample_rows 0),
 *         SEG_ERR_STATE (scaler not fitted), the chunker's and the scaler
 *         transform's errors, SEG_ERR_TOO_FEW_POINTS (fewer distinct sampled
 *         rows than k, or a segment that cannot be re-seeded),
 *         SEG_ERR_NONFINITE, SEG_ERR_OVERFLOW, SEG_ERR_NOMEM.
 */
SEG_API int seg_kmeans_fit_chunks(seg_kmeans *km, seg_csv_chunker *ch, const seg_scaler *sc,
                                  size_t sample_rows, seg_model **out);
/** @} */

/** @} */

/**
 * @defgroup minibatch Mini-batch k-means and model updates
 *
 * Mini-batch k-means (Sculley 2010) fits k-means from small random batches
 * of rows, which makes large n affordable: the cost is that of the batches
 * plus one final pass that labels every row. Each centroid keeps a count of
 * the rows it has absorbed and moves to the running mean of them (learning
 * rate 1 / count); an optional forgetting factor lets recent rows weigh
 * more; centroids that starve (count below a ratio of the largest) are moved
 * to a batch row drawn by squared distance (k-means++ rule).
 *
 * seg_minibatch_partial_fit_f64() applies the same update to a fitted model
 * with a batch of new rows and returns a new model: fitted models stay
 * immutable, so the old one can keep serving predictions meanwhile.
 *
 * The start is the best of SEG_MINIBATCH_N_INIT k-means++ and Lloyd runs on
 * small random samples, scored on a held-out sample; a fit stops early once
 * the smoothed batch inertia stops improving (SEG_MINIBATCH_MAX_NO_IMPROVEMENT)
 * or the centroids stop moving (SEG_MINIBATCH_TOL), and otherwise after
 * SEG_MINIBATCH_MAX_STEPS batches. Float and weighted variants are in the
 * section "Mini-batch k-means in float and with weights". Results depend only on the rows, the settings
 * and the seed, never on SEG_MINIBATCH_THREADS. A seg_minibatch belongs to
 * one thread at a time.
 *
 * Example:
 * @code{.c}
 * // Fit on 2,000 customers, then fold 100 new ones in: a new model.
 * enum { N = 2000, NEW = 100, D = 2 };
 * static double x[N * D];
 * for (size_t i = 0; i < N * D; i++)
 *     x[i] = (double)((i * 7919) % 1000) / 100 + (i % 4 < 2 ? 0 : 20);
 * seg_minibatch *mb = NULL;
 * seg_model *m = NULL, *updated = NULL;
 * int rc = seg_minibatch_new(&mb);
 * if (rc == SEG_OK)
 *     rc = seg_minibatch_set_int(mb, SEG_MINIBATCH_K, 3);
 * if (rc == SEG_OK)
 *     rc = seg_minibatch_set_int(mb, SEG_MINIBATCH_BATCH_SIZE, 256);
 * if (rc == SEG_OK)
 *     rc = seg_minibatch_fit_f64(mb, x, N, D, NULL, &m);
 * if (rc == SEG_OK) // m stays usable (immutable) while the update runs
 *     rc = seg_minibatch_partial_fit_f64(mb, m, x, NEW, D, &updated);
 * if (rc == SEG_OK)
 *     printf("inertia %g before the update, %g after\n", seg_model_inertia(m),
 *            seg_model_inertia(updated));
 * seg_model_free(updated);
 * seg_model_free(m);
 * seg_minibatch_free(mb);
 * return rc < 0;
 * @endcode
 * @{
 */

/** Opaque mini-batch settings. */
typedef struct seg_minibatch seg_minibatch;

/** Settings of seg_minibatch_set_int() (int) and seg_minibatch_set_double() (double). */
typedef enum seg_minibatch_param {
    SEG_MINIBATCH_K = 100,           /**< int: segments (default 8; 1 .. 10^6). */
    SEG_MINIBATCH_BATCH_SIZE = 101,  /**< int: rows per batch (default 1024; 1 .. 2^30). */
    SEG_MINIBATCH_MAX_STEPS = 102,   /**< int: batches of a fit; 0 (default) = n / batch size, clamped to 100 .. 1000. */
    SEG_MINIBATCH_SEED = 103,        /**< int: random seed (default 0). */
    SEG_MINIBATCH_INIT_SAMPLE = 104, /**< int: rows sampled for the k-means++ and Lloyd start; 0 (default) = 3 batches, at least 40 k. */
    SEG_MINIBATCH_FORGET = 200,      /**< double: counts are multiplied by 1 - f before each batch (default 0; 0 .. <1). */
    SEG_MINIBATCH_REASSIGN_RATIO = 201, /**< double: re-seed centroids whose count is below this share of the largest (default 0.01; 0 = never; 0 .. 1). */
    SEG_MINIBATCH_N_INIT = 105,      /**< int: starts tried, each on its own sample, the best kept by inertia on a held-out sample (default 3; 1 .. 1000). */
    SEG_MINIBATCH_MAX_NO_IMPROVEMENT = 106, /**< int: stop after this many batches without improvement of the smoothed batch inertia (default 10; 0 = never). */
    SEG_MINIBATCH_THREADS = 107,     /**< int: library threads of the final Lloyd steps, the labelling pass and the outlier reference, 0 = all cores (default 1); results do not depend on it. */
    SEG_MINIBATCH_MIN_PROFILE_SIZE = 108, /**< int: seg_minibatch_fit_dataset() withholds profiles of smaller segments, as SEG_KMEANS_MIN_PROFILE_SIZE (default 0 = off). */
    SEG_MINIBATCH_DTYPE = 109,       /**< int: seg_dtype of seg_minibatch_fit_dataset() (default SEG_DTYPE_F64). */
    SEG_MINIBATCH_TOL = 202,         /**< double: stop when the smoothed mean squared centroid shift per batch falls below tol times the data's total variance (default 1e-7; 0 = never; 0 .. 1). */
    SEG_MINIBATCH_FINAL_STEPS = 110, /**< int: at most this many Lloyd steps on all rows after the batches, each moving every centroid to the mean of its rows (a k-means fit from the batches' centroids, on SEG_MINIBATCH_THREADS threads; an empty segment is re-seeded as k-means does), which never raises the inertia; they stop earlier by SEG_MINIBATCH_FINAL_TOL; each costs one labelling pass; fits of 2^18 rows or more first take as many steps, by the same rule, on a sixteenth of the rows drawn from the seed, so that fewer steps on all rows follow (default 100; 0 = none, the centroids of the last batch; 0 .. 100). In-memory fits only: the chunked fit of `seg segment --memory` runs them on its first chunk, not on the whole file. Since 0.2. */
    SEG_MINIBATCH_FINAL_TOL = 203    /**< double: the final Lloyd steps stop after a step that moved the centroids by a summed squared distance of at most this times the mean variance of a feature, the rule and default of SEG_KMEANS_TOL, the variance over all rows (default 1e-4; 0 = until no label changes; 0 .. 1e6). Since 0.2. */
} seg_minibatch_param;

/**
 * @name Fitting and updating
 * @{
 */

/**
 * Create mini-batch settings with the defaults.
 *
 * @param[out] out receives the object; free it with seg_minibatch_free().
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL out), SEG_ERR_NOMEM.
 */
SEG_API int seg_minibatch_new(seg_minibatch **out);

/**
 * Free mini-batch settings. Accepts NULL.
 *
 * @param mb the object, or NULL.
 */
SEG_API void seg_minibatch_free(seg_minibatch *mb);

/**
 * Set an integer setting.
 *
 * @param mb the object.
 * @param param an int setting of seg_minibatch_param.
 * @param value its value, in the range the setting documents.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL mb, not an int setting, out of range).
 */
SEG_API int seg_minibatch_set_int(seg_minibatch *mb, seg_minibatch_param param, int64_t value);

/**
 * Set a real-valued setting.
 *
 * @param mb the object.
 * @param param SEG_MINIBATCH_FORGET or SEG_MINIBATCH_REASSIGN_RATIO.
 * @param value its value, in the range the setting documents.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL mb, not a double setting, out of range).
 */
SEG_API int seg_minibatch_set_double(seg_minibatch *mb, seg_minibatch_param param, double value);

/**
 * Read an integer setting.
 *
 * @param mb the object.
 * @param param an int setting of seg_minibatch_param.
 * @param[out] value receives its current value.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL mb or value, not an int setting).
 */
SEG_API int seg_minibatch_get_int(const seg_minibatch *mb, seg_minibatch_param param,
                                  int64_t *value);

/**
 * Read a real-valued setting.
 *
 * @param mb the object.
 * @param param SEG_MINIBATCH_FORGET, SEG_MINIBATCH_REASSIGN_RATIO or SEG_MINIBATCH_TOL.
 * @param[out] value receives its current value.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL mb or value, not a double setting).
 */
SEG_API int seg_minibatch_get_double(const seg_minibatch *mb, seg_minibatch_param param,
                                     double *value);

/**
 * The accepted range of a mini-batch setting (integer settings report whole
 * numbers; SEG_MINIBATCH_SEED reports -2^63 .. 2^63, the nearest doubles to
 * the int64 range; SEG_MINIBATCH_FORGET's upper bound is the largest double
 * below 1).
 *
 * Needs no object and keeps no state: thread-safe.
 *
 * @param param any seg_minibatch_param.
 * @param[out] lower receives the smallest accepted value.
 * @param[out] upper receives the largest accepted value.
 * @return SEG_OK or SEG_ERR_INVALID_ARG (unknown param, NULL lower or upper).
 */
SEG_API int seg_minibatch_param_bounds(seg_minibatch_param param, double *lower, double *upper);

/**
 * Fit mini-batch k-means on a matrix. The start is the best (by inertia on a
 * held-out sample) of SEG_MINIBATCH_N_INIT runs of k-means++ and Lloyd, each
 * on a random sample of SEG_MINIBATCH_INIT_SAMPLE rows; then batches drawn
 * with replacement until an early-stopping rule fires or
 * SEG_MINIBATCH_MAX_STEPS is reached (seg_model_iterations() gives the
 * number); then one pass assigns every row, giving the model's sizes,
 * inertia and outlier reference.
 *
 * @param mb the settings.
 * @param x n * d values, row-major; borrowed for the call.
 * @param n rows (>= k).
 * @param d features (>= 1).
 * @param[out] labels if not NULL, n labels of the final pass.
 * @param[out] out receives the model (no scaler, no profiles).
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL argument), SEG_ERR_EMPTY (n or d
 *         is 0), SEG_ERR_TOO_FEW_POINTS (k > n, or fewer distinct rows in the
 *         start sample than k), SEG_ERR_NONFINITE, SEG_ERR_OVERFLOW, SEG_ERR_NOMEM.
 */
SEG_API int seg_minibatch_fit_f64(seg_minibatch *mb, const double *x, size_t n, size_t d,
                                  int32_t *labels, seg_model **out);

/**
 * As seg_minibatch_fit_f64(), on a dataset encoded by a fitted scaler (or
 * an all-numeric dataset when sc is NULL); the model keeps a copy of the
 * scaler and the segment profiles, as seg_kmeans_fit_dataset() does, with
 * the profiles of segments under SEG_MINIBATCH_MIN_PROFILE_SIZE rows
 * withheld. The dataset's row weights, if any, weigh the fit. The fit runs
 * in SEG_MINIBATCH_DTYPE; it holds the n x d matrix in that precision while
 * it runs.
 *
 * @param mb the settings.
 * @param ds the dataset; only read.
 * @param sc a fitted scaler, or NULL.
 * @param[out] labels if not NULL, n labels.
 * @param[out] out receives the model.
 * @return as seg_minibatch_fit_f64(), and SEG_ERR_STATE (scaler not fitted),
 *         SEG_ERR_TYPE (categorical column and no scaler), SEG_ERR_MISMATCH
 *         (dataset columns do not match the scaler), SEG_ERR_NOT_FOUND.
 */
SEG_API int seg_minibatch_fit_dataset(seg_minibatch *mb, const seg_dataset *ds,
                                      const seg_scaler *sc, int32_t *labels, seg_model **out);

/**
 * As seg_minibatch_fit_dataset(), on rows the caller already holds encoded,
 * returning each row's segment and distance from the fit's final pass (the
 * one pass that labels every row), as seg_kmeans_fit_encoded_f32() does for
 * k-means. x must be ds encoded by sc (seg_scaler_transform_f32()); the fit
 * runs in float whatever SEG_MINIBATCH_DTYPE says. The model is the one
 * seg_minibatch_fit_dataset() returns with SEG_DTYPE_F32 (only the timings
 * differ); labels and distances are those seg_predictor_run_f32() gives.
 *
 * @param mb the settings.
 * @param ds the training dataset; only read (weights, profiles).
 * @param sc the fitted scaler that encoded x, or NULL (ds all numeric).
 * @param x n * d floats, row-major; borrowed for the call.
 * @param n rows; must be seg_dataset_rows(ds).
 * @param d features; must be seg_scaler_features(sc) (seg_dataset_columns(ds)
 *        when sc is NULL).
 * @param[out] labels if not NULL, n labels; unspecified on failure.
 * @param[out] distances if not NULL, n distances to the segment's centroid;
 *        unspecified on failure.
 * @param[out] out receives the model; NULL on failure.
 * @return as seg_minibatch_fit_f64(); SEG_ERR_STATE (sc not fitted),
 *         SEG_ERR_MISMATCH (n or d is not ds's through sc), SEG_ERR_TYPE
 *         (sc NULL and a categorical column).
 */
SEG_API int seg_minibatch_fit_encoded_f32(seg_minibatch *mb, const seg_dataset *ds,
                                          const seg_scaler *sc, const float *x, size_t n, size_t d,
                                          int32_t *labels, double *distances, seg_model **out);

/**
 * As seg_minibatch_fit_encoded_f32(), for rows encoded in double
 * (seg_scaler_transform_f64()); the fit runs in double and labels and
 * distances are those seg_predictor_run_f64() gives.
 *
 * @param mb the settings.
 * @param ds the training dataset; only read.
 * @param sc the fitted scaler that encoded x, or NULL.
 * @param x n * d doubles, row-major; borrowed for the call.
 * @param n rows; must be seg_dataset_rows(ds).
 * @param d features (see seg_minibatch_fit_encoded_f32()).
 * @param[out] labels if not NULL, n labels; unspecified on failure.
 * @param[out] distances if not NULL, n distances; unspecified on failure.
 * @param[out] out receives the model; NULL on failure.
 * @return as seg_minibatch_fit_encoded_f32().
 */
SEG_API int seg_minibatch_fit_encoded_f64(seg_minibatch *mb, const seg_dataset *ds,
                                          const seg_scaler *sc, const double *x, size_t n, size_t d,
                                          int32_t *labels, double *distances, seg_model **out);

/**
 * Update a fitted model with new rows: the rows are taken in order in
 * batches of SEG_MINIBATCH_BATCH_SIZE; each centroid starts from the model's
 * segment weight as its count (so a model fitted on a million rows moves
 * little for a thousand new ones unless SEG_MINIBATCH_FORGET is set). The
 * new model's segment weights are the updated counts (the next update
 * carries on from them), its sizes the old sizes plus the rows assigned, its
 * inertia a running estimate (old inertia times the forgetting, plus the new
 * rows' squared distances); it keeps copies of the old model's scaler and
 * outlier reference, and has no profiles. The old model is only read.
 *
 * @param mb the settings (batch size, forgetting factor, re-seeding ratio, seed).
 * @param old the model to update; only read.
 * @param x n * d rows in the model's feature units (see seg_scaler_transform_f64()).
 * @param n rows (0 gives a copy of the centroids).
 * @param d features; must equal the model's.
 * @param[out] out receives the new model.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL argument), SEG_ERR_MISMATCH (d),
 *         SEG_ERR_NONFINITE, SEG_ERR_OVERFLOW, SEG_ERR_NOMEM.
 */
SEG_API int seg_minibatch_partial_fit_f64(seg_minibatch *mb, const seg_model *old,
                                          const double *x, size_t n, size_t d, seg_model **out);
/** @} */

/**
 * @name Mini-batch k-means in float and with weights
 *
 * The float32 and weighted forms of seg_minibatch_fit_f64() and
 * seg_minibatch_partial_fit_f64(). In float, distances are computed in float
 * by the same kernel as seg_kmeans_fit_f32() and the model predicts in float
 * (SEG_DTYPE_F32); centroids, counts and sums are kept in double either way.
 * A row's weight multiplies its pull on its centroid and its share of the
 * centroid's count (a weight of 2 counts as the row seen twice); batches are
 * drawn uniformly, not by weight. Weights are borrowed for the call.
 * @{
 */

/**
 * seg_minibatch_fit_f64() on a float matrix; the model has SEG_DTYPE_F32.
 *
 * @param mb the settings.
 * @param x n * d values, row-major; borrowed for the call.
 * @param n rows (>= k).
 * @param d features (>= 1).
 * @param[out] labels if not NULL, n labels of the final pass.
 * @param[out] out receives the model (no scaler, no profiles).
 * @return as seg_minibatch_fit_f64().
 */
SEG_API int seg_minibatch_fit_f32(seg_minibatch *mb, const float *x, size_t n, size_t d,
                                  int32_t *labels, seg_model **out);

/**
 * seg_minibatch_fit_f64() with row weights: the model's segment weights are
 * the summed weights of their rows and its inertia the weighted sum of
 * squared distances (sizes still count rows).
 *
 * @param mb the settings.
 * @param x n * d values, row-major; borrowed for the call.
 * @param n rows (>= k).
 * @param d features (>= 1).
 * @param weights n finite weights > 0, or NULL for unit weights.
 * @param[out] labels if not NULL, n labels of the final pass.
 * @param[out] out receives the model (no scaler, no profiles).
 * @return as seg_minibatch_fit_f64(); SEG_ERR_NONFINITE also for a weight
 *         that is not finite and > 0.
 */
SEG_API int seg_minibatch_fit_weighted_f64(seg_minibatch *mb, const double *x, size_t n,
                                           size_t d, const double *weights, int32_t *labels,
                                           seg_model **out);

/**
 * seg_minibatch_fit_weighted_f64() on a float matrix; the model has SEG_DTYPE_F32.
 *
 * @param mb the settings.
 * @param x n * d values, row-major; borrowed for the call.
 * @param n rows (>= k).
 * @param d features (>= 1).
 * @param weights n finite weights > 0, or NULL for unit weights.
 * @param[out] labels if not NULL, n labels of the final pass.
 * @param[out] out receives the model (no scaler, no profiles).
 * @return as seg_minibatch_fit_weighted_f64().
 */
SEG_API int seg_minibatch_fit_weighted_f32(seg_minibatch *mb, const float *x, size_t n,
                                           size_t d, const double *weights, int32_t *labels,
                                           seg_model **out);

/**
 * seg_minibatch_partial_fit_f64() with float rows (assigned in float); the
 * new model keeps the old model's dtype.
 *
 * @param mb the settings.
 * @param old the model to update; only read.
 * @param x n * d rows in the model's feature units.
 * @param n rows (0 gives a copy of the centroids).
 * @param d features; must equal the model's.
 * @param[out] out receives the new model.
 * @return as seg_minibatch_partial_fit_f64().
 */
SEG_API int seg_minibatch_partial_fit_f32(seg_minibatch *mb, const seg_model *old,
                                          const float *x, size_t n, size_t d, seg_model **out);

/**
 * seg_minibatch_partial_fit_f64() with row weights: each row adds its weight
 * to its centroid's count (the new segment weights) and weight times squared
 * distance to the running inertia; sizes still count rows.
 *
 * @param mb the settings.
 * @param old the model to update; only read.
 * @param x n * d rows in the model's feature units.
 * @param n rows (0 gives a copy of the centroids).
 * @param d features; must equal the model's.
 * @param weights n finite weights > 0, or NULL for unit weights.
 * @param[out] out receives the new model.
 * @return as seg_minibatch_partial_fit_f64(); SEG_ERR_NONFINITE also for a
 *         weight that is not finite and > 0.
 */
SEG_API int seg_minibatch_partial_fit_weighted_f64(seg_minibatch *mb, const seg_model *old,
                                                   const double *x, size_t n, size_t d,
                                                   const double *weights, seg_model **out);

/**
 * seg_minibatch_partial_fit_weighted_f64() with float rows; the new model
 * keeps the old model's dtype.
 *
 * @param mb the settings.
 * @param old the model to update; only read.
 * @param x n * d rows in the model's feature units.
 * @param n rows (0 gives a copy of the centroids).
 * @param d features; must equal the model's.
 * @param weights n finite weights > 0, or NULL for unit weights.
 * @param[out] out receives the new model.
 * @return as seg_minibatch_partial_fit_weighted_f64().
 */
SEG_API int seg_minibatch_partial_fit_weighted_f32(seg_minibatch *mb, const seg_model *old,
                                                   const float *x, size_t n, size_t d,
                                                   const double *weights, seg_model **out);
/** @} */

/**
 * @name Mini-batch k-means over a file read in chunks
 *
 * Mini-batch k-means over a file read in chunks (see the Chunked CSV reading
 * group).
 * @{
 */

/**
 * Mini-batch k-means over a chunked file: the mini-batch fit of a reservoir
 * sample (as in seg_kmeans_fit_chunks()) is the start; each chunk, its rows
 * shuffled, then updates it through seg_minibatch_partial_fit_f64() in
 * batches of SEG_MINIBATCH_BATCH_SIZE; a last pass assigns every row for the
 * model's sizes and exact inertia and scores it for the outlier reference.
 * Three passes over the file in all (four when the distances come through
 * BLAS, see seg_kmeans_fit_chunks()).
 *
 * @param mb mini-batch settings (k, batch size, forgetting, re-seeding).
 * @param ch the chunker (rewound and read several times).
 * @param sc a fitted scaler that encodes the chunks (the model keeps a copy).
 * @param sample_rows reservoir size for the start (>= k).
 * @param seed seed of the sample and the shuffles.
 * @param[out] out receives the model; NULL on failure.
 * @return as seg_kmeans_fit_chunks().
 */
SEG_API int seg_minibatch_fit_chunks(seg_minibatch *mb, seg_csv_chunker *ch, const seg_scaler *sc,
                                     size_t sample_rows, uint64_t seed, seg_model **out);
/** @} */

/** @} */

/**
 * @defgroup ward Ward hierarchical clustering
 *
 * Exact Ward linkage on Euclidean features by the nearest-neighbour chain
 * algorithm, on cluster centroids and weights: memory O(n d) beyond the data
 * (one double centroid per row, plus O(n) bookkeeping), never an n x n
 * distance matrix. Time O(n^2 d): each nearest-neighbour search is one pass
 * of the library's GEMM distance kernel over the active centroids.
 *
 * The height of a merge of clusters A and B is SciPy's
 * (scipy.cluster.hierarchy.linkage(X, method='ward')):
 *
 *     sqrt(2 |A| |B| / (|A| + |B|)) * ||c_A - c_B||
 *
 * with c the (weighted) means and |A| the cluster's weight: its number of
 * rows, or the sum of its row weights when weights are given ("weighted
 * Ward": a row of weight w acts as w coincident rows). The merges come out in
 * SciPy's linkage-matrix form, so the merge order and heights match SciPy's up
 * to ties (equal heights may be merged in another order) and rounding.
 *
 * Pre-clustering for large n: fit k-means with SEG_KMEANS_K = M (a few
 * hundred to a few thousand micro-clusters), then run
 * seg_linkage_fit_ward_f64() on the model's centroids
 * (seg_model_centroids_f64()) with their segment weights
 * (seg_model_segment_weight()) and give each row the cut label of its
 * micro-cluster. This is what `seg segment --method ward --pre-cluster M` does.
 *
 * Runs on the calling thread (BLAS may use its own threads for the kernel's
 * calls). A seg_linkage is immutable: any number of threads may read and cut
 * it at once.
 *
 * Example:
 * @code{.c}
 * const double x[] = {0, 0, 0, 1, 5, 5, 5, 6, 20, 20};
 * double merges[4 * 4]; // n - 1 merges of SciPy's form: a, b, height, size
 * int32_t labels[5];
 * seg_linkage *tree = NULL;
 * int rc = seg_linkage_fit_ward_f64(x, 5, 2, NULL, &tree);
 * if (rc == SEG_OK)
 *     rc = seg_linkage_matrix(tree, merges, 16);
 * if (rc == SEG_OK)
 *     rc = seg_linkage_cut_k(tree, 3, labels, 5);
 * if (rc == SEG_OK)
 *     printf("last merge at height %.3f; labels %d %d %d %d %d\n", merges[14],
 *            labels[0], labels[1], labels[2], labels[3], labels[4]);
 * seg_linkage_free(tree);
 * return rc < 0;
 * @endcode
 * @{
 */

/** Opaque result of a hierarchical clustering: the list of merges (immutable). */
typedef struct seg_linkage seg_linkage;

/**
 * Fit a Ward linkage to a row-major n x d double matrix.
 *
 * @param x n * d finite values; borrowed for the call (copied into centroids).
 * @param n rows (>= 1; one row gives a linkage with no merges).
 * @param d features.
 * @param weights n finite weights > 0 (cluster sizes become sums of weights),
 *        or NULL for unit weights; borrowed for the call.
 * @param[out] out receives the linkage; NULL on failure. The caller frees it
 *        with seg_linkage_free(); it does not refer to x or weights.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL x or out), SEG_ERR_EMPTY (n or d
 *         is 0), SEG_ERR_NONFINITE (a value, or a weight that is not finite
 *         and > 0), SEG_ERR_LIMIT (d > INT32_MAX, the BLAS index range),
 *         SEG_ERR_OVERFLOW, SEG_ERR_NOMEM.
 */
SEG_API int seg_linkage_fit_ward_f64(const double *x, size_t n, size_t d, const double *weights,
                                     seg_linkage **out);

/**
 * As seg_linkage_fit_ward_f64(), for a float matrix (computed in double).
 *
 * @param x n * d finite values; borrowed for the call.
 * @param n rows (>= 1).
 * @param d features.
 * @param weights n finite weights > 0, or NULL; borrowed for the call.
 * @param[out] out receives the linkage; NULL on failure. The caller frees it
 *        with seg_linkage_free().
 * @return as seg_linkage_fit_ward_f64().
 */
SEG_API int seg_linkage_fit_ward_f32(const float *x, size_t n, size_t d, const double *weights,
                                     seg_linkage **out);

/**
 * The old name of seg_linkage_fit_ward_f64(): the same function.
 *
 * @param x as seg_linkage_fit_ward_f64().
 * @param n as seg_linkage_fit_ward_f64().
 * @param d as seg_linkage_fit_ward_f64().
 * @param weights as seg_linkage_fit_ward_f64().
 * @param[out] out as seg_linkage_fit_ward_f64().
 * @return as seg_linkage_fit_ward_f64().
 * @deprecated Since 0.1: use seg_linkage_fit_ward_f64() (same arguments).
 *         This name stays exported, under symbol version SEG_0.1, through
 *         release 0.2; the first later release that raises the soname
 *         (libseg.so.1) removes it. See docs/abi.md.
 */
SEG_API int seg_ward_f64(const double *x, size_t n, size_t d, const double *weights,
                         seg_linkage **out);

/**
 * The old name of seg_linkage_fit_ward_f32(): the same function.
 *
 * @param x as seg_linkage_fit_ward_f32().
 * @param n as seg_linkage_fit_ward_f32().
 * @param d as seg_linkage_fit_ward_f32().
 * @param weights as seg_linkage_fit_ward_f32().
 * @param[out] out as seg_linkage_fit_ward_f32().
 * @return as seg_linkage_fit_ward_f32().
 * @deprecated Since 0.1: use seg_linkage_fit_ward_f32() (same arguments).
 *         This name stays exported, under symbol version SEG_0.1, through
 *         release 0.2; the first later release that raises the soname
 *         (libseg.so.1) removes it. See docs/abi.md.
 */
SEG_API int seg_ward_f32(const float *x, size_t n, size_t d, const double *weights,
                         seg_linkage **out);

/**
 * Free a linkage. Accepts NULL.
 *
 * @param l the linkage, or NULL.
 */
SEG_API void seg_linkage_free(seg_linkage *l);

/**
 * Number of rows (leaves) the linkage was built from.
 *
 * @param l the linkage.
 * @return n, or 0 when l is NULL.
 */
SEG_API size_t seg_linkage_rows(const seg_linkage *l);

/**
 * The merges as SciPy's linkage matrix: n - 1 rows of (a, b, height, size),
 * row-major, by non-decreasing height. Rows are clusters 0 .. n-1; the merge in
 * row r creates cluster n + r; a < b; size is the number of rows (not the
 * weight) of the new cluster.
 *
 * @param l the linkage.
 * @param[out] out receives (n - 1) * 4 values.
 * @param len the length of out: exactly (n - 1) * 4.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL l or out), SEG_ERR_MISMATCH (len).
 */
SEG_API int seg_linkage_matrix(const seg_linkage *l, double *out, size_t len);

/**
 * Labels of the rows when the tree is cut into k segments (the first n - k
 * merges applied). Segments are numbered by decreasing number of rows, ties
 * by the lowest row they hold.
 *
 * @param l the linkage.
 * @param k number of segments, 1 .. n.
 * @param[out] labels receives n labels in 0 .. k-1.
 * @param n the length of labels: seg_linkage_rows(l).
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL l or labels, k outside 1 .. n),
 *         SEG_ERR_MISMATCH (n), SEG_ERR_NOMEM.
 */
SEG_API int seg_linkage_cut_k(const seg_linkage *l, size_t k, int32_t *labels, size_t n);

/**
 * Labels of the rows when the tree is cut at a height: every merge of height
 * <= height is applied (SciPy's fcluster(Z, height, 'distance')). Numbering as
 * seg_linkage_cut_k().
 *
 * @param l the linkage.
 * @param height the cut height (any non-NaN value; below every merge gives n
 *        segments).
 * @param[out] labels receives n labels.
 * @param n the length of labels: seg_linkage_rows(l).
 * @param[out] k if not NULL, receives the number of segments.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL l or labels, NaN height),
 *         SEG_ERR_MISMATCH (n), SEG_ERR_NOMEM.
 */
SEG_API int seg_linkage_cut_height(const seg_linkage *l, double height, int32_t *labels,
                                   size_t n, size_t *k);
/** @} */

/**
 * @defgroup kprototypes K-prototypes (mixed numeric and categorical data)
 *
 * K-prototypes (Huang 1997, 1998) segments rows that mix numeric and
 * categorical columns without one-hot k-means's weighting of a category
 * change by its number of levels. The cost of a row against a segment is
 *
 *     sum over numeric features of (x - mean)^2
 *       + gamma x (number of categorical columns whose level differs from the mode)
 *
 * on the rows encoded by a scaler: numeric columns scaled as for k-means,
 * each categorical column's level read off its 0/1 block (never clustered as
 * one-hot numbers). Each segment's prototype is the weighted mean of its
 * rows' numeric features and, per categorical column, the level of largest
 * weight (ties: the first level in the scaler's order).
 *
 * gamma is SEG_KPROTOTYPES_GAMMA when set (>= 0), else the rule of the
 * `kmodes` package: 0.5 x the mean over numeric features of their population
 * standard deviation (unweighted, over the fitted rows as scaled; about 0.5
 * after standard scaling); 1 when there is no numeric feature.
 *
 * Initialisation (SEG_KPROTOTYPES_INIT): Huang's draws, for each segment,
 * every column's level at random with the levels' weighted frequencies, and
 * takes the first not yet chosen row closest to it in mismatches as the
 * prototype (numbers and levels); Cao's is deterministic: the row of highest
 * density (mean frequency of its levels) first, then each time the row that
 * maximises density x cost to the nearest chosen prototype. Then batch
 * iterations (every row assigned, then every prototype updated) until no
 * label changes or SEG_KPROTOTYPES_MAX_ITER; a segment left empty is
 * re-seeded with the row of largest cost. The best of SEG_KPROTOTYPES_N_INIT
 * runs (lowest total weighted cost) is kept; Cao runs once.
 *
 * Segments are numbered as k-means numbers them (decreasing weight). The
 * model has centroids in the scaler's feature space (means, and a 1 at each
 * mode's feature) so that profiles and reports read it as any model;
 * predict scores rows by the cost above and reports the square root of the
 * least cost as the distance; seg_model_inertia() is the total cost.
 * Float rows (seg_predictor_run_f32()) are refused with SEG_ERR_TYPE, reason
 * codes (seg_predictor_explain_*) and mini-batch updates
 * (seg_minibatch_partial_fit_*) with SEG_ERR_STATE.
 *
 * Threads: rows are cut into at most 256 ranges that depend only on n; up to
 * SEG_KPROTOTYPES_THREADS library threads run them and their partial sums
 * are added in range order, so results are identical for any thread count.
 *
 * Example:
 * @code{.c}
 * // Four customers: a number and a category each; two obvious groups.
 * const char *csv = "spend,plan\n1.0,basic\n1.2,basic\n9.0,gold\n9.5,gold\n";
 * seg_dataset *ds = NULL;
 * seg_scaler *sc = NULL;
 * seg_kprototypes *kp = NULL;
 * seg_model *m = NULL;
 * int32_t labels[4];
 * int rc = seg_dataset_read_csv_memory(&ds, csv, strlen(csv), NULL);
 * if (rc == SEG_OK)
 *     rc = seg_scaler_new(&sc);
 * if (rc == SEG_OK)
 *     rc = seg_scaler_fit(sc, ds);
 * if (rc == SEG_OK)
 *     rc = seg_kprototypes_new(&kp);
 * if (rc == SEG_OK)
 *     rc = seg_kprototypes_set_int(kp, SEG_KPROTOTYPES_K, 2);
 * if (rc == SEG_OK)
 *     rc = seg_kprototypes_fit_dataset(kp, ds, sc, labels, &m);
 * if (rc == SEG_OK)
 *     printf("labels %d %d %d %d, gamma %.2f, cost %.3f\n", labels[0], labels[1],
 *            labels[2], labels[3], seg_model_kprototypes_gamma(m), seg_model_inertia(m));
 * seg_model_free(m);
 * seg_kprototypes_free(kp);
 * seg_scaler_free(sc);
 * seg_dataset_free(ds);
 * return rc < 0 || labels[0] != labels[1] || labels[0] == labels[2];
 * @endcode
 * @{
 */

/** Opaque k-prototypes settings. */
typedef struct seg_kprototypes seg_kprototypes;

/** Initialisation methods of k-prototypes (SEG_KPROTOTYPES_INIT). */
typedef enum seg_kprototypes_init {
    SEG_KPROTOTYPES_INIT_HUANG = 0, /**< random levels by frequency, nearest rows (default). */
    SEG_KPROTOTYPES_INIT_CAO = 1    /**< density-based, deterministic (Cao et al. 2009). */
} seg_kprototypes_init;

/** K-prototypes settings: integers through seg_kprototypes_set_int(), reals
 *  through seg_kprototypes_set_double(). */
typedef enum seg_kprototypes_param {
    SEG_KPROTOTYPES_K = 100,        /**< int: number of segments (default 8; 1 .. 1000000). */
    SEG_KPROTOTYPES_MAX_ITER = 101, /**< int: most iterations per run (default 100; 1 .. 10^9). */
    SEG_KPROTOTYPES_N_INIT = 102,   /**< int: runs from different starts (default 1; 1 .. 10^6). */
    SEG_KPROTOTYPES_INIT = 103,     /**< int: seg_kprototypes_init (default HUANG). */
    SEG_KPROTOTYPES_SEED = 104,     /**< int: random seed (default 0; any int64). */
    SEG_KPROTOTYPES_THREADS = 105,  /**< int: worker threads, 0 = all cores (default 0; 0 .. 4096). */
    /** int: withhold the profiles of segments of fewer rows (default 0 = off;
     *  0 .. 10^12), as SEG_KMEANS_MIN_PROFILE_SIZE. */
    SEG_KPROTOTYPES_MIN_PROFILE_SIZE = 110,
    /** double: weight of one categorical mismatch; -1 (default) = the kmodes
     *  rule above; -1 or 0 .. 1e12. */
    SEG_KPROTOTYPES_GAMMA = 200
} seg_kprototypes_param;

/**
 * Create k-prototypes settings with the defaults above.
 *
 * @param[out] out receives the object; NULL on failure. Free it with
 *        seg_kprototypes_free().
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL out), SEG_ERR_NOMEM.
 */
SEG_API int seg_kprototypes_new(seg_kprototypes **out);

/**
 * Free k-prototypes settings. Accepts NULL.
 *
 * @param kp the object, or NULL.
 */
SEG_API void seg_kprototypes_free(seg_kprototypes *kp);

/**
 * Change an integer setting.
 *
 * @param kp the object (one thread at a time).
 * @param param which setting.
 * @param value its new value, within seg_kprototypes_param_bounds().
 * @return SEG_OK or SEG_ERR_INVALID_ARG (NULL kp, unknown or real param,
 *         value out of range).
 */
SEG_API int seg_kprototypes_set_int(seg_kprototypes *kp, seg_kprototypes_param param,
                                    int64_t value);

/**
 * Change a real setting (SEG_KPROTOTYPES_GAMMA).
 *
 * @param kp the object (one thread at a time).
 * @param param which setting.
 * @param value its new value: -1 (the automatic rule) or 0 .. 1e12.
 * @return SEG_OK or SEG_ERR_INVALID_ARG (NULL kp, unknown or integer param,
 *         value out of range or strictly between -1 and 0).
 */
SEG_API int seg_kprototypes_set_double(seg_kprototypes *kp, seg_kprototypes_param param,
                                       double value);

/**
 * Read an integer setting.
 *
 * @param kp the object.
 * @param param which setting.
 * @param[out] value receives it.
 * @return SEG_OK or SEG_ERR_INVALID_ARG (NULL argument, unknown param).
 */
SEG_API int seg_kprototypes_get_int(const seg_kprototypes *kp, seg_kprototypes_param param,
                                    int64_t *value);

/**
 * Read a real setting.
 *
 * @param kp the object.
 * @param param which setting.
 * @param[out] value receives it.
 * @return SEG_OK or SEG_ERR_INVALID_ARG (NULL argument, unknown param).
 */
SEG_API int seg_kprototypes_get_double(const seg_kprototypes *kp, seg_kprototypes_param param,
                                       double *value);

/**
 * The accepted range of a setting. Thread-safe; needs no object.
 *
 * @param param any seg_kprototypes_param.
 * @param[out] lower receives the smallest accepted value.
 * @param[out] upper receives the largest accepted value.
 * @return SEG_OK or SEG_ERR_INVALID_ARG (unknown param, NULL lower or upper).
 */
SEG_API int seg_kprototypes_param_bounds(seg_kprototypes_param param, double *lower,
                                         double *upper);

/**
 * Fit k-prototypes to a dataset encoded by a fitted scaler: the model with
 * the scaler's copy, the profiles of ds and an outlier reference, as
 * seg_kmeans_fit_dataset() gives, and the rows' labels.
 *
 * Uses ds's weights when it has some. Reads ds and sc only.
 *
 * @param kp the settings (read; one thread at a time).
 * @param ds the rows.
 * @param sc a scaler fitted on ds's columns; required (it says which
 *        features are categorical).
 * @param[out] labels if not NULL, receives seg_dataset_rows(ds) segments.
 * @param[out] out receives the model; NULL on failure.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL kp, ds, sc or out; no
 *         categorical column, or k above the number of rows),
 *         SEG_ERR_STATE (sc not fitted), SEG_ERR_EMPTY (no rows),
 *         SEG_ERR_NONFINITE (a value too large for the encoding), the
 *         transform's errors, SEG_ERR_OVERFLOW, SEG_ERR_NOMEM.
 */
SEG_API int seg_kprototypes_fit_dataset(seg_kprototypes *kp, const seg_dataset *ds,
                                        const seg_scaler *sc, int32_t *labels, seg_model **out);

/**
 * seg_kprototypes_fit_dataset() on rows the caller holds encoded: x must be
 * what seg_scaler_transform_f64(sc, ds, x, n * d) writes; it is read instead
 * of encoding ds again, and the model is the same.
 *
 * @param kp the settings.
 * @param ds the dataset x encodes (profiles, weights).
 * @param sc the fitted scaler that encoded x.
 * @param x n * d doubles, row-major; borrowed for the call.
 * @param n rows: seg_dataset_rows(ds).
 * @param d features: seg_scaler_features(sc).
 * @param[out] labels if not NULL, receives n segments.
 * @param[out] dist if not NULL, receives each row's distance: the square root
 *        of its cost, what a predictor of the model gives for the row.
 * @param[out] out receives the model; NULL on failure.
 * @return as seg_kprototypes_fit_dataset(); SEG_ERR_MISMATCH when n or d is
 *         not ds's through sc.
 */
SEG_API int seg_kprototypes_fit_encoded_f64(seg_kprototypes *kp, const seg_dataset *ds,
                                            const seg_scaler *sc, const double *x, size_t n,
                                            size_t d, int32_t *labels, double *dist,
                                            seg_model **out);

/**
 * The gamma a k-prototypes model was fitted with (and predicts with).
 *
 * @param m a model, or NULL.
 * @return gamma (>= 0); NaN when m is NULL or not a k-prototypes model.
 */
SEG_API double seg_model_kprototypes_gamma(const seg_model *m);
/** @} */

/**
 * @defgroup gmm Gaussian mixtures (soft segments)
 *
 * Gaussian mixture models fitted by EM, as scikit-learn's GaussianMixture
 * defines them: each customer gets the probability of each segment, and
 * the segment of highest probability as its label.
 *
 * Covariance types (SEG_GMM_COVARIANCE, seg_gmm_covariance): full (one
 * d x d matrix per component), tied (one matrix for all), diag (one
 * variance per component and feature), spherical (one variance per
 * component). SEG_GMM_REG_COVAR (default 1e-6) is added to every variance,
 * so a constant column does not make a covariance singular. The fit stops
 * when the mean log-likelihood lower bound changes by less than SEG_GMM_TOL
 * (default 1e-3) between iterations, or after SEG_GMM_MAX_ITER (default
 * 100); of SEG_GMM_N_INIT runs (default 1) the one with the highest lower
 * bound is kept.
 *
 * Start: responsibilities one-hot from a k-means fit (seed SEG_GMM_SEED + r
 * for run r; scikit-learn's init_params='kmeans'), or, after
 * seg_gmm_set_init_means_f64(), one-hot from the nearest given mean, with
 * the means kept as given for the first M-step (scikit-learn's means_init,
 * with weights_init and precisions_init from the same responsibilities).
 *
 * The E-step is computed in log space (log-sum-exp of the weighted
 * log-densities), the Mahalanobis distances through the GEMM of each block
 * of rows by the inverse Cholesky factor of each covariance (diag and
 * spherical: by the k x 2d coefficients). Rows are cut into chunks that
 * depend only on n, k and d, summed in chunk order: results do not depend
 * on SEG_GMM_THREADS. The model's log-likelihood is the mean per row under
 * the final parameters (scikit-learn's score()); BIC = -2 n LL + p ln n and
 * AIC = -2 n LL + 2 p, with p scikit-learn's _n_parameters (k d means,
 * k - 1 weights, and k d (d + 1) / 2, d (d + 1) / 2, k d or k covariance
 * values). A mixture model labels new rows by highest probability
 * (seg_predictor_run_f64()); seg_predictor_proba_f64() gives the
 * probabilities. Row weights are not supported. Double precision only.
 *
 * Example:
 * @code{.c}
 * // Two groups of four customers, two features; probabilities per row.
 * const double x[] = {1, 1, 1.2, 0.8, 0.9, 1.1, 1.1, 1.0,
 *                     8, 9, 8.2, 9.1, 7.9, 8.8, 8.1, 9.2};
 * double proba[8 * 2], ll = 0, bic = 0;
 * int32_t labels[8];
 * seg_gmm *g = NULL;
 * seg_model *m = NULL;
 * int rc = seg_gmm_new(&g);
 * if (rc == SEG_OK)
 *     rc = seg_gmm_set_int(g, SEG_GMM_K, 2);
 * if (rc == SEG_OK)
 *     rc = seg_gmm_set_int(g, SEG_GMM_COVARIANCE, SEG_GMM_DIAG);
 * if (rc == SEG_OK)
 *     rc = seg_gmm_fit_f64(g, x, 8, 2, proba, labels, &m);
 * if (rc == SEG_OK)
 *     rc = seg_model_gmm_stat(m, SEG_GMM_LOG_LIKELIHOOD, &ll);
 * if (rc == SEG_OK)
 *     rc = seg_model_gmm_stat(m, SEG_GMM_BIC, &bic);
 * if (rc == SEG_OK)
 *     printf("row 1: %.3f %.3f; log-likelihood %.3f, BIC %.2f\n", proba[0], proba[1], ll, bic);
 * seg_model_free(m);
 * seg_gmm_free(g);
 * return rc < 0 || labels[0] == labels[4];
 * @endcode
 * @{
 */

/** Opaque Gaussian mixture settings. */
typedef struct seg_gmm seg_gmm;

/** Covariance types (SEG_GMM_COVARIANCE), as scikit-learn's covariance_type. */
typedef enum seg_gmm_covariance {
    SEG_GMM_FULL = 0,     /**< each component its own full covariance (default). */
    SEG_GMM_TIED = 1,     /**< one full covariance shared by all components. */
    SEG_GMM_DIAG = 2,     /**< each component its own diagonal covariance. */
    SEG_GMM_SPHERICAL = 3 /**< each component a single variance. */
} seg_gmm_covariance;

/** GMM settings: integers through seg_gmm_set_int(), reals through seg_gmm_set_double(). */
typedef enum seg_gmm_param {
    SEG_GMM_K = 100,          /**< int: components (default 8; 1 .. 100000). */
    SEG_GMM_COVARIANCE = 101, /**< int: seg_gmm_covariance (default SEG_GMM_FULL). */
    SEG_GMM_MAX_ITER = 102,   /**< int: most EM iterations per run (default 100; 1 .. 10^9). */
    SEG_GMM_N_INIT = 103,     /**< int: runs from different k-means starts (default 1; 1 .. 10^6). */
    SEG_GMM_SEED = 104,       /**< int: seed of the k-means starts (default 0; any int64). */
    SEG_GMM_THREADS = 105,    /**< int: library threads, 0 = all usable (default 0; 0 .. 4096). */
    SEG_GMM_REG_COVAR = 200,  /**< double: added to each variance (default 1e-6; 0 .. 1e6). */
    SEG_GMM_TOL = 201         /**< double: stop when the lower bound changes less (default 1e-3; 0 .. 1e6). */
} seg_gmm_param;

/** What seg_model_gmm_stat() reports of a mixture model. */
typedef enum seg_gmm_stat {
    SEG_GMM_LOG_LIKELIHOOD = 0, /**< mean log-likelihood per training row. */
    SEG_GMM_BIC = 1,            /**< Bayesian information criterion (lower is better). */
    SEG_GMM_AIC = 2,            /**< Akaike information criterion (lower is better). */
    SEG_GMM_N_PARAMETERS = 3,   /**< free parameters (scikit-learn's _n_parameters). */
    SEG_GMM_REG_COVAR_USED = 4  /**< the reg_covar the fit added. */
} seg_gmm_stat;

/**
 * Create a GMM settings object with the defaults above.
 *
 * @param[out] out receives the object; NULL on failure. Free with seg_gmm_free().
 * @return SEG_OK, SEG_ERR_INVALID_ARG (out is NULL), SEG_ERR_NOMEM.
 */
SEG_API int seg_gmm_new(seg_gmm **out);

/**
 * Free a GMM settings object. Accepts NULL. Models it fitted stay valid.
 *
 * @param g the object, or NULL.
 */
SEG_API void seg_gmm_free(seg_gmm *g);

/**
 * Change an integer setting.
 *
 * @param g the object (one thread at a time).
 * @param param an integer seg_gmm_param.
 * @param value within seg_gmm_param_bounds().
 * @return SEG_OK or SEG_ERR_INVALID_ARG (NULL g, unknown or real param, out of range).
 */
SEG_API int seg_gmm_set_int(seg_gmm *g, seg_gmm_param param, int64_t value);

/**
 * Change a real setting (SEG_GMM_REG_COVAR, SEG_GMM_TOL).
 *
 * @param g the object (one thread at a time).
 * @param param a real seg_gmm_param.
 * @param value within seg_gmm_param_bounds() (NaN is refused).
 * @return SEG_OK or SEG_ERR_INVALID_ARG (NULL g, unknown or integer param, out of range).
 */
SEG_API int seg_gmm_set_double(seg_gmm *g, seg_gmm_param param, double value);

/**
 * Read an integer setting.
 *
 * @param g the object.
 * @param param an integer seg_gmm_param.
 * @param[out] value receives it.
 * @return SEG_OK or SEG_ERR_INVALID_ARG (NULL g or value, unknown or real param).
 */
SEG_API int seg_gmm_get_int(const seg_gmm *g, seg_gmm_param param, int64_t *value);

/**
 * Read a real setting.
 *
 * @param g the object.
 * @param param a real seg_gmm_param.
 * @param[out] value receives it.
 * @return SEG_OK or SEG_ERR_INVALID_ARG (NULL g or value, unknown or integer param).
 */
SEG_API int seg_gmm_get_double(const seg_gmm *g, seg_gmm_param param, double *value);

/**
 * The accepted range of a setting. Thread-safe.
 *
 * @param param any seg_gmm_param.
 * @param[out] lower smallest accepted value.
 * @param[out] upper largest accepted value.
 * @return SEG_OK or SEG_ERR_INVALID_ARG (unknown param, NULL lower or upper).
 */
SEG_API int seg_gmm_param_bounds(seg_gmm_param param, double *lower, double *upper);

/**
 * Start from given means (and set SEG_GMM_K = k); k = d = 0 (means NULL)
 * goes back to the k-means start. N_INIT is then treated as 1.
 *
 * @param g the object (one thread at a time).
 * @param means k * d finite values, row-major; copied.
 * @param k number of components (1 .. 100000).
 * @param d features; a fit on rows of another dimension fails with SEG_ERR_MISMATCH.
 * @return SEG_OK, SEG_ERR_INVALID_ARG, SEG_ERR_NONFINITE, SEG_ERR_OVERFLOW, SEG_ERR_NOMEM.
 */
SEG_API int seg_gmm_set_init_means_f64(seg_gmm *g, const double *means, size_t k, size_t d);

/**
 * Fit a Gaussian mixture to a row-major n x d double matrix.
 *
 * The model's centroids are the component means, its sizes count the rows
 * labelled to each component, its inertia is the sum of squared distances
 * of the rows to their label's mean, and it carries an outlier reference of
 * those distances (no scaler, no profiles).
 *
 * @param g settings (one thread at a time).
 * @param x n * d finite values; borrowed for the call.
 * @param n rows (>= SEG_GMM_K).
 * @param d features.
 * @param[out] proba if not NULL, n * k values: row i's probability of
 *        component j at [i * k + j], each row summing to 1.
 * @param[out] labels if not NULL, n labels: the most probable component.
 * @param[out] out receives the model; NULL on failure. Free with seg_model_free().
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL g, x or out), SEG_ERR_EMPTY (n
 *         or d is 0), SEG_ERR_NONFINITE (a value, or a density that
 *         underflows to zero for every component), SEG_ERR_TOO_FEW_POINTS
 *         (k > n, or a covariance not positive definite even with
 *         SEG_GMM_REG_COVAR: the message names the component),
 *         SEG_ERR_MISMATCH (given means of another k or d), SEG_ERR_LIMIT,
 *         SEG_ERR_OVERFLOW, SEG_ERR_NOMEM.
 */
SEG_API int seg_gmm_fit_f64(seg_gmm *g, const double *x, size_t n, size_t d, double *proba,
                            int32_t *labels, seg_model **out);

/**
 * As seg_gmm_fit_f64(), on rows already encoded from ds by sc (as
 * seg_kmeans_fit_encoded_f64()): the model also gets a copy of sc and the
 * per-segment profiles of ds by the labels, as a k-means model does.
 *
 * @param g settings (one thread at a time).
 * @param ds the dataset the rows were encoded from (no weight column).
 * @param sc the fitted scaler that encoded them, or NULL (ds numeric as is).
 * @param x n * d encoded rows; borrowed.
 * @param n rows: seg_dataset_rows(ds).
 * @param d features: seg_scaler_features(sc) (or the dataset's columns).
 * @param[out] proba NULL, or n * k probabilities.
 * @param[out] labels NULL, or n labels.
 * @param[out] distances NULL, or n distances of each row to its label's mean.
 * @param[out] out receives the model.
 * @return as seg_gmm_fit_f64(); also SEG_ERR_STATE (sc not fitted),
 *         SEG_ERR_MISMATCH (n or d not those of ds), SEG_ERR_INVALID_ARG
 *         (ds has row weights).
 */
SEG_API int seg_gmm_fit_encoded_f64(seg_gmm *g, const seg_dataset *ds, const seg_scaler *sc,
                                    const double *x, size_t n, size_t d, double *proba,
                                    int32_t *labels, double *distances, seg_model **out);

/**
 * The covariance type of a mixture model.
 *
 * @param m a model.
 * @return its seg_gmm_covariance, or -1 when m is NULL or not a mixture.
 */
SEG_API int seg_model_gmm_covariance(const seg_model *m);

/**
 * A figure of a mixture model (see seg_gmm_stat).
 *
 * @param m a mixture model.
 * @param what the figure.
 * @param[out] value receives it.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL m or value, unknown what),
 *         SEG_ERR_STATE (m is not a mixture).
 */
SEG_API int seg_model_gmm_stat(const seg_model *m, seg_gmm_stat what, double *value);

/**
 * The mixture weights of the k components (they sum to 1).
 *
 * @param m a mixture model.
 * @param[out] out k values.
 * @param len the length of out: seg_model_k(m).
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL), SEG_ERR_STATE (not a
 *         mixture), SEG_ERR_MISMATCH (len).
 */
SEG_API int seg_model_gmm_weights(const seg_model *m, double *out, size_t len);

/**
 * The covariances in feature (scaled) units, as scikit-learn's covariances_
 * flattened: full k x d x d, tied d x d, diag k x d, spherical k.
 *
 * @param m a mixture model.
 * @param[out] out the values, or NULL to ask only for their number.
 * @param len the length of out.
 * @return the number of values (> 0), or SEG_ERR_INVALID_ARG (NULL m),
 *         SEG_ERR_STATE (not a mixture), SEG_ERR_MISMATCH (out given and
 *         len differs).
 */
SEG_API int64_t seg_model_gmm_covariances(const seg_model *m, double *out, size_t len);
/** @} */

/**
 * @defgroup model Model
 *
 * A fitted model: centroids in feature space, fit statistics, and the scaler
 * it was fitted through (if any). Immutable; safe to share between threads.
 *
 * Example:
 * @code{.c}
 * // Fit, save, load again and describe each segment.
 * seg_dataset *ds = NULL;
 * seg_scaler *sc = NULL;
 * seg_kmeans *km = NULL;
 * seg_model *m = NULL, *again = NULL;
 * const char *leave_out[] = {"y", "duration"};
 * int rc = seg_dataset_read_csv(&ds, "bank.csv", NULL);
 * if (rc == SEG_OK)
 *     rc = seg_dataset_drop(ds, leave_out, 2);
 * if (rc == SEG_OK)
 *     rc = seg_scaler_new(&sc);
 * if (rc == SEG_OK)
 *     rc = seg_scaler_fit(sc, ds);
 * if (rc == SEG_OK)
 *     rc = seg_kmeans_new(&km);
 * if (rc == SEG_OK)
 *     rc = seg_kmeans_set_int(km, SEG_KMEANS_K, 3);
 * if (rc == SEG_OK)
 *     rc = seg_kmeans_fit_dataset(km, ds, sc, NULL, &m);
 * if (rc == SEG_OK)
 *     rc = seg_model_save(m, "bank.seg"); // no customer row or id inside
 * if (rc == SEG_OK)
 *     rc = seg_model_load(&again, "bank.seg");
 * for (size_t j = 0; rc == SEG_OK && j < seg_model_k(again); j++)
 *     printf("segment %zu: %zu customers, \"%s\"\n", j, seg_model_segment_size(again, j),
 *            seg_model_segment_label(again, j));
 * seg_model_free(again);
 * seg_model_free(m);
 * seg_kmeans_free(km);
 * seg_scaler_free(sc);
 * seg_dataset_free(ds);
 * return rc < 0;
 * @endcode
 * @{
 */

/** Quality measures a model can carry (and its file stores). */
typedef enum seg_model_metric {
    SEG_MODEL_SILHOUETTE = 100,        /**< Mean silhouette coefficient. */
    SEG_MODEL_DAVIES_BOULDIN = 101,    /**< Davies-Bouldin index. */
    SEG_MODEL_CALINSKI_HARABASZ = 102  /**< Calinski-Harabasz index. */
} seg_model_metric;

/** Numeric column statistics for seg_model_profile_numeric(). */
typedef enum seg_profile_stat {
    SEG_PROFILE_MEAN = 100,    /**< Mean of the non-missing values. */
    SEG_PROFILE_MEDIAN = 101,  /**< Median of the non-missing values (middle pair averaged). */
    SEG_PROFILE_SD = 102,      /**< Population standard deviation of the non-missing values. */
    SEG_PROFILE_MISSING = 103  /**< Share of the segment's customers with the value missing. */
} seg_profile_stat;

/**
 * @name Accessors
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
 * The size bounds a model was fitted under (see "Segments sized to
 * capacity" in the K-means group), in the model's segment numbering.
 *
 * @param m the model.
 * @param[out] min_size if not NULL, receives k minimum sizes (at least 1:
 *        every segment holds a row).
 * @param[out] max_size if not NULL, receives k maximum sizes (the number of
 *        training rows where no maximum was set).
 * @param k the length of each array: seg_model_k().
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL m), SEG_ERR_MISMATCH (k),
 *         SEG_ERR_STATE (the model was fitted without size bounds).
 */
SEG_API int seg_model_capacity(const seg_model *m, int64_t *min_size, int64_t *max_size,
                               size_t k);

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
 * @name Model files
 *
 * Save a fitted model (with its scaler, fit statistics, quality measures and
 * segment profiles) and load it back, to and from files or memory. The byte
 * layout is documented in docs/model-format.md: magic, format version,
 * little-endian fixed-width fields, tagged sections with lengths and a CRC-32
 * over the file. No training row or row id is ever stored.
 *
 * A loaded model predicts exactly like the one that was saved: the same
 * labels and distances for the same rows.
 * @{
 */

/**
 * Record a quality measure in the model (computed for example with
 * seg_metrics_silhouette_f64() on the training rows), so that it is saved
 * with it.
 *
 * This is the one change a model accepts after its fit: make it before the
 * model is shared between threads.
 *
 * @param m the model (changed; no other thread may use it during the call).
 * @param which the measure.
 * @param value its value (NaN means "not computed").
 * @return SEG_OK or SEG_ERR_INVALID_ARG (NULL m, unknown measure).
 */
SEG_API int seg_model_set_metric(seg_model *m, seg_model_metric which, double value);

/**
 * A quality measure recorded with seg_model_set_metric() or loaded from a file.
 *
 * @param m the model, or NULL.
 * @param which the measure.
 * @return the value; NaN when it was never set, for an unknown measure or NULL m.
 */
SEG_API double seg_model_get_metric(const seg_model *m, seg_model_metric which);

/**
 * Give a model without a scaler the numeric scaling its rows were fitted
 * with, feature j scaled as (x - center[j]) / scale[j]: the scaler
 * seg_scaler_fit() makes of a .npy file's columns (named x0, x1, ...; no
 * log1p; a missing value takes median[j], as the serial scaler imputes). It
 * is saved with the model,
 * and predict on raw rows then scales them as the fit did. For a scaling
 * computed elsewhere, e.g. over MPI ranks (seg_mpi_scaler_fit()).
 *
 * Like seg_model_set_metric(), a change made before the model is shared.
 *
 * @param m the model (changed; no other thread may use it during the call).
 * @param method the seg_scale_method the values come from (recorded).
 * @param center d centers.
 * @param scale d scales, finite and not 0.
 * @param median d medians of the training values (seg_mpi_median() over MPI
 *        ranks), the imputation value of a missing number; NULL: the centers.
 * @param d features: the model's.
 * @return SEG_OK; SEG_ERR_INVALID_ARG (NULL argument, unknown method, a
 *         center, scale or median not finite or a scale 0), SEG_ERR_MISMATCH (d is
 *         not the model's), SEG_ERR_STATE (the model holds a scaler
 *         already), SEG_ERR_NOMEM.
 */
SEG_API int seg_model_set_numeric_scaling(seg_model *m, seg_scale_method method,
                                          const double *center, const double *scale,
                                          const double *median, size_t d);

/**
 * Give a model without a scaler a copy of sc, the encoding its rows were
 * fitted in (for a fit of rows encoded elsewhere, e.g. by a scaler built
 * with seg_scaler_append_numeric() and seg_scaler_append_levels() over MPI
 * ranks). It is saved with the model, and predict on raw rows then encodes
 * them as the fit's were. Like seg_model_set_metric(), a change made before
 * the model is shared.
 *
 * @param m the model (changed; no other thread may use it during the call).
 * @param sc a fitted scaler writing the model's number of features (only read).
 * @return SEG_OK; SEG_ERR_INVALID_ARG (NULL argument), SEG_ERR_STATE (sc not
 *         fitted, or the model holds a scaler already), SEG_ERR_MISMATCH (sc's
 *         features are not the model's), SEG_ERR_NOMEM.
 */
SEG_API int seg_model_set_scaler(seg_model *m, const seg_scaler *sc);

/**
 * Record a column of the input that the model was not fitted on, and why
 * ("the outcome (--target), measured per segment", "dropped by --drop",
 * "an id ..."), so that whoever reads the model later (seg info) knows what
 * was left out. Names and reasons only, never values; saved with the model.
 * Like seg_model_set_metric(), a change made after the fit and before the
 * model is shared between threads.
 *
 * @param m the model (changed; no other thread may use it during the call).
 * @param column the column's name (copied).
 * @param reason why it was left out (copied).
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL argument, more than 100000
 *         columns), SEG_ERR_NOMEM.
 */
SEG_API int seg_model_add_left_out(seg_model *m, const char *column, const char *reason);

/**
 * Number of left-out columns recorded (seg_model_add_left_out()).
 *
 * @param m the model, or NULL.
 * @return the count; 0 for NULL m.
 */
SEG_API size_t seg_model_left_out_columns(const seg_model *m);

/**
 * Name of left-out column i, in the order recorded.
 *
 * @param m the model, or NULL.
 * @param i 0 .. seg_model_left_out_columns() - 1.
 * @return the name, owned by the model; NULL when i is out of range.
 */
SEG_API const char *seg_model_left_out_name(const seg_model *m, size_t i);

/**
 * Why left-out column i was left out.
 *
 * @param m the model, or NULL.
 * @param i 0 .. seg_model_left_out_columns() - 1.
 * @return the reason, owned by the model; NULL when i is out of range.
 */
SEG_API const char *seg_model_left_out_reason(const seg_model *m, size_t i);

/**
 * Version of the library that fitted the model: for a loaded model, the one
 * that wrote the file; otherwise seg_version_string().
 *
 * @param m the model, or NULL.
 * @return a string owned by the model (or static); NULL for NULL m.
 */
SEG_API const char *seg_model_library_version(const seg_model *m);

/**
 * Save a model to a file.
 *
 * The file is first written completely to a temporary file in the same
 * directory (named after path with a random suffix), flushed to disk, then
 * renamed over path (and the directory flushed): a failed or interrupted
 * save never leaves a truncated model at path, and readers see either the old
 * file or the new one. A new file is readable and writable by its owner only
 * (mode 0600: profiles describe customers); replacing a file keeps that
 * file's mode.
 *
 * @param m the model (only read; other threads may predict with it meanwhile).
 * @param path the file to create or replace.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL m or path), SEG_ERR_IO (the
 *         directory is not writable, the disk is full, ...; the detail names
 *         the file and the system error), SEG_ERR_NOMEM.
 */
SEG_API int seg_model_save(const seg_model *m, const char *path);

/**
 * Save a model into a caller's buffer.
 *
 * Call it first with buf NULL to learn the size, then with a buffer of at
 * least that many bytes. The bytes are exactly those seg_model_save() writes.
 *
 * @param m the model (only read).
 * @param buf the buffer, or NULL to query the size only.
 * @param cap the buffer's size in bytes (ignored when buf is NULL).
 * @param[out] size receives the model's size in bytes (also on
 *        SEG_ERR_MISMATCH).
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL m or size), SEG_ERR_MISMATCH
 *         (cap is smaller than *size; nothing written), SEG_ERR_NOMEM.
 */
SEG_API int seg_model_save_mem(const seg_model *m, void *buf, size_t cap, size_t *size);

/**
 * Load a model from a file written by seg_model_save().
 *
 * @param[out] out receives the model; NULL on failure. The caller frees it
 *        with seg_model_free().
 * @param path the file.
 * @return as seg_model_load_mem(), plus SEG_ERR_IO (the file cannot be opened
 *         or read).
 */
SEG_API int seg_model_load(seg_model **out, const char *path);

/**
 * As seg_model_load(), with the model's memory (and that of the scaler it
 * holds) from an allocator.
 *
 * @param[out] out receives the model; set to NULL on failure. Free it with
 *        seg_model_free().
 * @param path file name.
 * @param a the allocator, or NULL for malloc()/free().
 * @return as seg_model_load().
 */
SEG_API int seg_model_load_with_allocator(seg_model **out, const char *path, seg_allocator *a);

/**
 * Load a model from memory (bytes from seg_model_save_mem() or a model file).
 *
 * Never reads outside buf[0..len) whatever the bytes hold, and never trusts a
 * stored count beyond what the buffer can hold. The checks run in this order:
 * magic, format version, length, CRC-32, then the contents of each section.
 *
 * @param[out] out receives the model; NULL on failure. The caller frees it
 *        with seg_model_free().
 * @param buf the bytes; borrowed for the call only.
 * @param len their number.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL out, or NULL buf with len > 0),
 *         SEG_ERR_BAD_MAGIC (not a model file), SEG_ERR_VERSION (written in a
 *         newer format version), SEG_ERR_TRUNCATED (shorter than declared),
 *         SEG_ERR_CHECKSUM (contents corrupted), SEG_ERR_FORMAT (consistent
 *         checksum but malformed or inconsistent contents, or trailing
 *         bytes), SEG_ERR_NOMEM.
 */
SEG_API int seg_model_load_mem(seg_model **out, const void *buf, size_t len);

/**
 * As seg_model_load_mem(), with the model's memory from an allocator.
 *
 * @param[out] out receives the model; set to NULL on failure. Free it with
 *        seg_model_free().
 * @param buf the model file's bytes; borrowed for the call.
 * @param len their number.
 * @param a the allocator, or NULL for malloc()/free().
 * @return as seg_model_load_mem().
 */
SEG_API int seg_model_load_mem_with_allocator(seg_model **out, const void *buf, size_t len,
                                              seg_allocator *a);
/** @} */

/**
 * @name Models from a given partition
 *
 * A model for segments found by another method (a cut of a Ward tree): the
 * same object seg_kmeans_fit_dataset() returns, so that prediction,
 * profiles, labels, saving and reports work on it unchanged.
 *
 * seg_model_from_labels() with the withholding SEG_KMEANS_MIN_PROFILE_SIZE
 * gives k-means models (see the Minimum profile size section): Ward models
 * are as private as k-means ones.
 * @{
 */

/**
 * Build a model whose segments are the rows of ds grouped by labels.
 *
 * Each centroid is the weighted mean of its segment's rows in the scaled
 * space (the rows of ds transformed by sc, or ds's numeric columns as they
 * are when sc is NULL; weights of ds are used when it has some). Sizes,
 * weights, inertia (weighted squared distances of the rows to their own
 * segment's centroid), a copy of sc and the per-segment profiles are filled
 * as by seg_kmeans_fit_dataset(); iterations are 0 and converged is 1.
 * Predicting with the model gives each row its nearest segment mean, which
 * need not be the label it was given.
 *
 * Reads ds, sc and labels only; may run concurrently with other calls that
 * only read them.
 *
 * @param ds the dataset the labels describe.
 * @param sc a fitted scaler for ds, or NULL to use ds's columns unscaled
 *        (all numeric, no missing values).
 * @param labels seg_dataset_rows(ds) segment numbers in 0 .. k - 1; borrowed.
 * @param k the number of segments, 1 .. seg_dataset_rows(ds).
 * @param[out] out receives the model; NULL on failure. Free it with
 *        seg_model_free().
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL ds, labels or out; k out of
 *         range; a label outside 0 .. k - 1), SEG_ERR_STATE (sc not fitted),
 *         SEG_ERR_EMPTY (no rows or features; a segment without rows or
 *         weight), SEG_ERR_TYPE or SEG_ERR_NONFINITE (unscaled ds with a
 *         categorical column or a missing value), SEG_ERR_OVERFLOW,
 *         SEG_ERR_NOMEM.
 */
SEG_API int seg_model_from_labels(const seg_dataset *ds, const seg_scaler *sc,
                                  const int32_t *labels, size_t k, seg_model **out);

/**
 * Build a model whose segments are the rows of ds grouped by labels, as
 * seg_model_from_labels() does, withholding the profile of every segment of
 * fewer than min_profile_size rows (and of the smallest others until the
 * withheld rows number min_profile_size), exactly as seg_kmeans_fit_dataset()
 * with SEG_KMEANS_MIN_PROFILE_SIZE: the statistics are NaN in the model and
 * absent from its file, seg_model_profile_withheld() says which and why,
 * seg_model_min_profile_size() returns min_profile_size.
 *
 * Reads ds, sc and labels only; may run concurrently with other calls that
 * only read them.
 *
 * @param ds the dataset the labels describe.
 * @param sc a fitted scaler for ds, or NULL (see seg_model_from_labels()).
 * @param labels seg_dataset_rows(ds) segment numbers in 0 .. k - 1; borrowed.
 * @param k the number of segments, 1 .. seg_dataset_rows(ds).
 * @param min_profile_size 0 (no withholding, the same as
 *        seg_model_from_labels()) .. 10^12 rows.
 * @param[out] out receives the model; NULL on failure. Free it with
 *        seg_model_free().
 * @return as seg_model_from_labels(), and SEG_ERR_INVALID_ARG for
 *         min_profile_size above 10^12.
 */
SEG_API int seg_model_from_labels_min_profile(const seg_dataset *ds, const seg_scaler *sc,
                                              const int32_t *labels, size_t k,
                                              size_t min_profile_size, seg_model **out);

/**
 * seg_model_from_labels_min_profile() on rows the caller already holds
 * encoded: x must be what seg_scaler_transform_f64(sc, ds, x, n * d) writes
 * (ds's numeric values when sc is NULL), and is read instead of encoding ds
 * again; the model is the same. ds still gives the profiles.
 *
 * Reads ds, sc, x and labels only; may run concurrently with other calls
 * that only read them.
 *
 * @param ds the dataset the labels describe.
 * @param sc the fitted scaler that encoded x, or NULL.
 * @param x n * d doubles, row-major: ds encoded by sc; borrowed for the call.
 * @param n rows; must be seg_dataset_rows(ds).
 * @param d features; must be seg_scaler_features(sc) (seg_dataset_columns(ds)
 *        when sc is NULL).
 * @param labels n segment numbers in 0 .. k - 1; borrowed.
 * @param k the number of segments, 1 .. n.
 * @param min_profile_size 0 (no withholding) .. 10^12 rows.
 * @param[out] out receives the model; NULL on failure. Free it with
 *        seg_model_free().
 * @return as seg_model_from_labels_min_profile(); SEG_ERR_INVALID_ARG also
 *         for a NULL x, SEG_ERR_MISMATCH when n or d is not ds's through sc.
 */
SEG_API int seg_model_from_labels_encoded_f64(const seg_dataset *ds, const seg_scaler *sc,
                                              const double *x, size_t n, size_t d,
                                              const int32_t *labels, size_t k,
                                              size_t min_profile_size, seg_model **out);
/** @} */

/**
 * @name Segment profiles
 *
 * What the customers of each segment look like, computed by
 * seg_kmeans_fit_dataset() from the training dataset (in the units of its
 * columns, before any scaling) and kept in the model and its file. Models
 * fitted with seg_kmeans_fit_f32() / seg_kmeans_fit_f64() have no profile.
 *
 * Statistics use the dataset's weights when it has some. Wherever a segment
 * index is taken, the value k (seg_model_k()) means the whole population.
 *
 * Items are what the profile compares across segments: each numeric column,
 * and each level of each categorical column. The standardised difference of
 * a segment on an item is (mean in segment - mean overall) / overall standard
 * deviation for a numeric column, and (share in segment - q) / sqrt(q (1 - q))
 * for a level held by a share q of all customers; 0 when the population does
 * not vary on the item.
 *
 * All accessors only read the model: any number of threads may call them.
 * @{
 */

/**
 * Number of training columns profiled.
 *
 * @param m the model, or NULL.
 * @return the number of columns; 0 when the model has no profile or m is NULL.
 */
SEG_API size_t seg_model_profile_columns(const seg_model *m);

/**
 * Name of a profiled column.
 *
 * @param m the model, or NULL.
 * @param col column index, 0 .. seg_model_profile_columns() - 1.
 * @return the name, owned by the model; NULL when col is out of range.
 */
SEG_API const char *seg_model_profile_column_name(const seg_model *m, size_t col);

/**
 * Type of a profiled column.
 *
 * @param m the model, or NULL.
 * @param col column index.
 * @return SEG_COLUMN_NUMERIC or SEG_COLUMN_CATEGORICAL; SEG_COLUMN_AUTO when
 *         col is out of range.
 */
SEG_API seg_column_type seg_model_profile_column_type(const seg_model *m, size_t col);

/**
 * Whether a profiled column was described rather than clustered: a column
 * set aside with seg_dataset_set_described_column() before the fit. Its
 * statistics, items and standardised differences are there like a
 * feature's, but labels (seg_model_segment_label()) never name it: a
 * segment is labelled by what it was built from.
 *
 * @param m the model, or NULL.
 * @param col column index.
 * @return 1 for a described column, 0 for a feature, an index out of range,
 *         no profile or a NULL m.
 */
SEG_API int seg_model_profile_column_described(const seg_model *m, size_t col);

/**
 * A statistic of a numeric column in a segment.
 *
 * @param m the model.
 * @param segment 0 .. k-1, or k for the whole population.
 * @param col column index.
 * @param stat which statistic.
 * @param[out] out receives the value (NaN when the segment has no value).
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL m or out, no profile, index out
 *         of range, unknown stat), SEG_ERR_TYPE (a categorical column).
 */
SEG_API int seg_model_profile_numeric(const seg_model *m, size_t segment, size_t col,
                                      seg_profile_stat stat, double *out);

/**
 * Number of levels of a categorical column, "(missing)" included when some
 * training values were missing.
 *
 * @param m the model, or NULL.
 * @param col column index.
 * @return the number of levels; 0 for a numeric column or an index out of range.
 */
SEG_API size_t seg_model_profile_levels(const seg_model *m, size_t col);

/**
 * Name of a level of a categorical column (levels in order of first
 * appearance in the training data, "(missing)" last).
 *
 * @param m the model, or NULL.
 * @param col column index.
 * @param level level index.
 * @return the name, owned by the model; NULL when an index is out of range.
 */
SEG_API const char *seg_model_profile_level(const seg_model *m, size_t col, size_t level);

/**
 * Share of a segment's customers at one level of a categorical column.
 *
 * @param m the model.
 * @param segment 0 .. k-1, or k for the whole population.
 * @param col column index.
 * @param level level index.
 * @param[out] out receives the share in [0, 1].
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL m or out, no profile, index out
 *         of range), SEG_ERR_TYPE (a numeric column).
 */
SEG_API int seg_model_profile_share(const seg_model *m, size_t segment, size_t col, size_t level,
                                    double *out);

/**
 * Append to m's profiles one numeric column whose statistics were computed
 * elsewhere (libseg-mpi computes them over MPI ranks), each an array of
 * k + 1 values, segment by segment and then the whole population, as
 * seg_model_profile_numeric() reads them: over the column's present values,
 * the mean, the median, the population standard deviation, and the share
 * of the rows' weight with no value. NaN marks a statistic of no value.
 * The standardised differences, ranking and labels are then derived again
 * from all the profiled columns, as after a fit or a load, so the same
 * statistics give the same profiles and labels. Columns are profiled in
 * the order of the calls. Like seg_model_set_metric(), a change made
 * before the model is shared.
 *
 * @param m the model (changed; no other thread may use it during the call).
 * @param column the column's name (copied), not profiled yet.
 * @param mean k + 1 means.
 * @param median k + 1 medians.
 * @param sd k + 1 standard deviations.
 * @param missing k + 1 shares within 0 and 1.
 * @return SEG_OK; SEG_ERR_INVALID_ARG (NULL argument, a share out of range,
 *         a column profiled already), SEG_ERR_OVERFLOW, SEG_ERR_NOMEM.
 */
SEG_API int seg_model_add_profile_numeric(seg_model *m, const char *column, const double *mean,
                                          const double *median, const double *sd,
                                          const double *missing);

/**
 * Append to m's profiles one categorical column whose shares were computed
 * elsewhere: share[j * n_levels + l] is the share of segment j's weight
 * (j = k: the whole population) at level l, as seg_model_profile_share()
 * reads it; the levels in the order seg_model_profile_level() gives them
 * ("(missing)" last when some value is missing). See
 * seg_model_add_profile_numeric() for the order and the derived parts.
 *
 * @param m the model (changed; no other thread may use it during the call).
 * @param column the column's name (copied), not profiled yet.
 * @param levels n_levels level texts (copied).
 * @param n_levels number of levels.
 * @param share (k + 1) x n_levels shares within 0 and 1.
 * @return SEG_OK; SEG_ERR_INVALID_ARG (NULL argument, a share out of range,
 *         a column profiled already), SEG_ERR_OVERFLOW, SEG_ERR_NOMEM.
 */
SEG_API int seg_model_add_profile_levels(seg_model *m, const char *column,
                                         const char *const *levels, size_t n_levels,
                                         const double *share);

/**
 * Mark a profiled column as described (seg_dataset_set_described_column()):
 * as a model fitted on a dataset with that column described marks it, so
 * seg_model_profile_column_described() reports it and no segment label
 * names it; the derived parts (standardised differences, ranking, labels)
 * are made again. For profiles appended column by column
 * (seg_model_add_profile_numeric(), seg_model_add_profile_levels()), as
 * libseg-mpi does; a model fitted on a dataset marks its own. Like
 * seg_model_set_metric(), a change made before the model is shared.
 *
 * @param m the model (changed; no other thread may use it during the call).
 * @param column the name of a profiled column.
 * @return SEG_OK; SEG_ERR_INVALID_ARG (NULL argument), SEG_ERR_NOT_FOUND (no
 *         profiled column of that name), SEG_ERR_NOMEM.
 */
SEG_API int seg_model_set_profile_described(seg_model *m, const char *column);

/**
 * Number of profile items (numeric columns plus categorical levels).
 * Items come column by column in the order of the profile columns, one for
 * a numeric column and one per level (seg_model_profile_levels(), in their
 * order) for a categorical one, so an item's column follows from counting.
 *
 * @param m the model, or NULL.
 * @return the number of items; 0 without a profile.
 */
SEG_API size_t seg_model_profile_items(const seg_model *m);

/**
 * Name of an item: the column name, or "column=level".
 *
 * @param m the model, or NULL.
 * @param item item index.
 * @return the name, owned by the model; NULL when item is out of range.
 */
SEG_API const char *seg_model_profile_item_name(const seg_model *m, size_t item);

/**
 * Standardised difference of a segment on an item (see the section
 * description).
 *
 * @param m the model.
 * @param segment 0 .. k-1.
 * @param item item index.
 * @param[out] out receives the difference.
 * @return SEG_OK or SEG_ERR_INVALID_ARG (NULL m or out, no profile, index out
 *         of range).
 */
SEG_API int seg_model_profile_zscore(const seg_model *m, size_t segment, size_t item,
                                     double *out);

/**
 * The items that set a segment apart, most first: rank 0 is the item with the
 * largest absolute standardised difference; on a tie a positive difference
 * comes first, then the lower item index.
 *
 * @param m the model.
 * @param segment 0 .. k-1.
 * @param rank 0 .. seg_model_profile_items() - 1.
 * @param[out] item receives the item index.
 * @return SEG_OK or SEG_ERR_INVALID_ARG (NULL m or item, no profile, index out
 *         of range).
 */
SEG_API int seg_model_profile_ranked_item(const seg_model *m, size_t segment, size_t rank,
                                          size_t *item);

/**
 * A short plain-language label of a segment, such as
 * "younger, higher balance, mostly management (job)".
 *
 * Rule (docs/guide.md, "How labels are made"): the items in the order of
 * seg_model_profile_ranked_item(), at most one per column, described
 * columns never, while the absolute standardised difference is at least 0.5
 * (half the population's standard deviation, Cohen's "medium" effect), at
 * most three. A numeric column reads "higher NAME" or "lower NAME" ("older" or
 * "younger" for a column named age, in any case); a yes/no level "with NAME"
 * or "no NAME"; another level "mostly LEVEL (NAME)" (held by half the
 * segment or more), "more LEVEL (NAME)" or "few LEVEL (NAME)". A segment with
 * no such item is "close to average". seg_model_segment_trait() gives each
 * phrase with its item.
 *
 * @param m the model, or NULL.
 * @param segment 0 .. k-1.
 * @return the label, owned by the model; NULL without a profile or when
 *         segment is out of range.
 */
SEG_API const char *seg_model_segment_label(const seg_model *m, size_t segment);

/**
 * Number of traits (phrases) in a segment's label: 0 for "close to
 * average", a withheld profile, no profile or a segment out of range; at
 * most 3.
 *
 * @param m the model, or NULL.
 * @param segment 0 .. k-1.
 * @return the number of traits.
 */
SEG_API size_t seg_model_segment_traits(const seg_model *m, size_t segment);

/**
 * One trait of a segment's label: the profile item it names and its phrase,
 * so that a caller can show why the label says so (the item's standardised
 * difference from seg_model_profile_zscore(), its values in the data's units
 * from seg_model_profile_numeric() or seg_model_profile_share(), for the
 * segment and for the population, index k). Traits come in the label's order.
 *
 * @param m the model.
 * @param segment 0 .. k-1.
 * @param t 0 .. seg_model_segment_traits() - 1.
 * @param[out] item receives the item index (seg_model_profile_item_name()).
 * @param[out] phrase receives the phrase, e.g. "younger" or "mostly
 *        management (job)", owned by the model.
 * @return SEG_OK or SEG_ERR_INVALID_ARG (NULL argument, no profile, index
 *         out of range).
 */
SEG_API int seg_model_segment_trait(const seg_model *m, size_t segment, size_t t, size_t *item,
                                    const char **phrase);
/** @} */

/**
 * @name Minimum profile size (k-anonymity)
 *
 * With SEG_KMEANS_MIN_PROFILE_SIZE set to N > 0, seg_kmeans_fit_dataset()
 * keeps no profile statistic of a segment of fewer than N training rows
 * (customers: row weights are not counted), so that no profile describes
 * fewer than N people. Because the whole population is profiled too, and
 * subtracting the other segments from it would give the withheld segment's
 * sums back, the smallest other segments (the later one on a tie) are
 * withheld with it until the withheld segments hold N rows or more together.
 * When the dataset has fewer than N rows, every segment and the population
 * are withheld.
 *
 * The profiles also fold the levels of a categorical column held by fewer
 * than N rows (and a level spelt "(other)") into one level "(other)", so that
 * no stored level name is known to fewer than N customers (the scaler does
 * the same with SEG_SCALER_MIN_LEVEL_COUNT).
 *
 * A withheld profile is stored nowhere: its statistics are NaN in the model
 * and its file, its label reads "fewer than N customers (profile withheld)"
 * (or, for a segment withheld with it, "profile withheld (would reveal a
 * segment of fewer than N customers)"), and seg_model_profile_numeric(),
 * seg_model_profile_share(), seg_model_profile_zscore() and
 * seg_model_profile_ranked_item() fail on it with SEG_ERR_STATE. Sizes,
 * weights and centroids are kept: the model needs the centroids to assign
 * customers, and a centroid is the mean of its segment's rows in feature
 * units, so a model file itself is not k-anonymous (see docs/guide.md).
 *
 * Both functions only read the model: any number of threads may call them.
 * @{
 */

/**
 * Whether, and why, the profile of a segment is withheld.
 *
 * @param m the model, or NULL.
 * @param segment 0 .. k-1, or k for the whole population.
 * @return 0 when the profile is shown (also for NULL m, a model without
 *         profile or a segment out of range), 1 when the segment has fewer
 *         rows than seg_model_min_profile_size(), 2 when it is withheld so
 *         that a smaller one cannot be recovered by subtraction.
 */
SEG_API int seg_model_profile_withheld(const seg_model *m, size_t segment);

/**
 * The minimum profile size the model's profiles were made with.
 *
 * @param m the model, or NULL.
 * @return SEG_KMEANS_MIN_PROFILE_SIZE at the fit (kept in the model file);
 *         0 when it was off, the model has no profile or m is NULL.
 */
SEG_API size_t seg_model_min_profile_size(const seg_model *m);

/**
 * Withhold the profiles of the segments of fewer than min_size rows (and of
 * the smallest others until the withheld rows number min_size), as a fit
 * with SEG_KMEANS_MIN_PROFILE_SIZE withholds its profiles, for a model whose profiles are appended column by column
 * (seg_model_add_profile_numeric(), seg_model_add_profile_levels()), as
 * libseg-mpi makes them. May be called before the columns are appended
 * (they are withheld alike as they come: a model with no profile gets an
 * empty one) or after; seg_model_profile_withheld() and
 * seg_model_min_profile_size() answer from the segment sizes at once, and
 * the model file records the threshold. Whoever computes the appended
 * statistics folds a categorical column's levels of fewer than min_size
 * rows into "(other)" as the fit does (seg_model_min_profile_size() tells
 * it the threshold). Like seg_model_set_metric(), a change made before the
 * model is shared.
 *
 * @param m the model (changed; no other thread may use it during the call).
 * @param min_size 1 .. 10^12 rows.
 * @return SEG_OK; SEG_ERR_INVALID_ARG (NULL m, min_size out of range),
 *         SEG_ERR_STATE (a threshold is set already: withholding is not
 *         undone), SEG_ERR_NOMEM.
 */
SEG_API int seg_model_set_min_profile_size(seg_model *m, size_t min_size);
/** @} */

/**
 * @name Outlier and risk flags
 *
 * A model fitted by seg_kmeans_fit_dataset() keeps, for each segment, the
 * distribution of its training rows' distances to the centroid as a grid of
 * 1001 quantiles (p = 0, 0.001, ..., 1; linear interpolation between order
 * statistics, numpy's default). Row weights are not used: every training row
 * counts once. The grid is saved in the model file (section OUTL); models
 * saved without it load without a reference.
 *
 * A row's outlier score is the position of its distance in its segment's
 * distribution: the interpolated empirical CDF, 0 below the nearest training
 * row, 1 at or beyond the farthest. A row is flagged when its score exceeds
 * a threshold; with the default 0.995, about 0.5 % of rows drawn like the
 * training rows are flagged. A segment that had no training rows scores
 * every row 1.
 *
 * Cost at fit time: a sort of the n distances, which the fit's own last
 * pass over the rows gave (no further pass, no second copy of the rows);
 * storage: 8 KiB per segment.
 * @{
 */

/** The default flag threshold: the 99.5th percentile of training distances. */
#define SEG_OUTLIER_THRESHOLD_DEFAULT 0.995

/**
 * Set (or replace) the outlier reference of a model from rows' labels and
 * distances, e.g. those seg_predictor_run_f64() returns for the training
 * rows of a model fitted from a matrix. Changes the model: not while other
 * threads use it.
 *
 * @param m the model.
 * @param labels n segment labels, 0 .. k - 1; borrowed for the call.
 * @param distances n Euclidean distances to the assigned centroid, finite
 *        and >= 0; borrowed for the call.
 * @param n rows (>= 1).
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL argument, a label out of range),
 *         SEG_ERR_EMPTY (n is 0), SEG_ERR_NONFINITE (a distance NaN,
 *         infinite or negative), SEG_ERR_OVERFLOW, SEG_ERR_NOMEM. On error
 *         the model is unchanged.
 */
SEG_API int seg_model_set_outlier_reference(seg_model *m, const int32_t *labels,
                                            const double *distances, size_t n);

/** Quantiles a segment's outlier reference holds: p = i / 1000, i = 0 .. 1000. */
#define SEG_OUTLIER_QUANTILES 1001

/**
 * Set (or replace) the outlier reference of a model from its quantiles
 * computed elsewhere (libseg-mpi computes them over MPI ranks): for segment
 * j, quantiles[j * SEG_OUTLIER_QUANTILES + i] is the type-7 quantile (numpy's
 * default) at p = i / 1000 of the distances of its training rows, as
 * seg_model_set_outlier_reference() computes them (there raised to the one
 * before where rounding would make them decrease); all NaN for a segment
 * without rows. Changes the model: not while other threads use it.
 *
 * @param m the model.
 * @param quantiles k * SEG_OUTLIER_QUANTILES values; copied.
 * @param per_segment SEG_OUTLIER_QUANTILES.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL argument, a segment's values not
 *         finite, >= 0 and nondecreasing nor all NaN), SEG_ERR_MISMATCH
 *         (per_segment), SEG_ERR_NOMEM. On error the model is unchanged.
 */
SEG_API int seg_model_set_outlier_quantiles(seg_model *m, const double *quantiles,
                                            size_t per_segment);

/**
 * Whether the model has an outlier reference.
 *
 * @param m the model, or NULL.
 * @return 1 if it has one, 0 if not or m is NULL.
 */
SEG_API int seg_model_has_outlier_reference(const seg_model *m);

/**
 * A quantile of a segment's training distances, interpolated on the grid.
 *
 * @param m the model.
 * @param segment 0 .. k - 1.
 * @param p probability, 0 .. 1 (0.995: the default flag boundary).
 * @param[out] out the distance; NaN for a segment without training rows.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL m or out, segment or p out of
 *         range), SEG_ERR_STATE (no outlier reference).
 */
SEG_API int seg_model_outlier_quantile(const seg_model *m, size_t segment, double p, double *out);

/**
 * Outlier scores and flags of rows from their labels and distances (as
 * returned by the predictor). Only reads the model: safe from many threads.
 *
 * @param m the model.
 * @param labels n labels, 0 .. k - 1.
 * @param distances n distances to the assigned centroid (not NaN).
 * @param n rows (0 is allowed).
 * @param threshold flag when score > threshold; 0 .. 1
 *        (SEG_OUTLIER_THRESHOLD_DEFAULT is 0.995; 1 never flags).
 * @param[out] scores if not NULL, n scores in 0 .. 1.
 * @param[out] flags if not NULL, n values 1 (flagged) or 0.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL m, labels or distances, both
 *         outputs NULL, threshold out of range, a label out of range),
 *         SEG_ERR_NONFINITE (a NaN distance), SEG_ERR_STATE (no outlier
 *         reference). Outputs before the bad row are written.
 */
SEG_API int seg_model_outlier_scores(const seg_model *m, const int32_t *labels,
                                     const double *distances, size_t n, double threshold,
                                     double *scores, uint8_t *flags);
/** @} */

/**
 * @name Distances to every segment
 * @{
 */

/**
 * Euclidean distance of each row of a feature matrix to every centroid, in
 * double precision on the library's GEMM distance kernel, for finding
 * customers that sit between two segments.
 *
 * Runs on the calling thread; only reads the model, so calls may run
 * concurrently.
 *
 * @param m the model.
 * @param x n * d feature values (already scaled, e.g. by
 *        seg_scaler_transform_f64() with seg_model_scaler()), row-major;
 *        borrowed for the call.
 * @param n rows (0 is allowed).
 * @param d features, == seg_model_dim(m).
 * @param[out] out receives n * k distances, row i's distance to centroid j at
 *        out[i * k + j].
 * @param len length of out in elements.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL m; NULL x or out with n > 0),
 *         SEG_ERR_MISMATCH (d differs from the model, or len < n * k),
 *         SEG_ERR_NONFINITE (a NaN or infinity in x), SEG_ERR_OVERFLOW,
 *         SEG_ERR_NOMEM.
 */
SEG_API int seg_model_distances_f64(const seg_model *m, const double *x, size_t n, size_t d,
                                    double *out, size_t len);
/** @} */

/** @} */

/**
 * @defgroup tree Explanation tree
 *
 * A threshold tree that tells the model's segments as rules: each inner node
 * sends a row left when one feature is at most a threshold, each leaf names a
 * segment, so a leaf's path reads "balance above 1,250 and age 35 or less ->
 * segment 2". The tree is fitted by IMM (Dasgupta, Frost, Moshkovitz and
 * Rashtchian, ICML 2020): every split separates the node's centroids with the
 * fewest mistakes (rows sent away from their own centroid), giving exactly k
 * leaves when the centroids are distinct. With SEG_TREE_LEAVES above k it
 * then grows as ExKMC (Frost et al. 2020): the leaf whose split most lowers
 * the surrogate cost (each side's rows measured to the centroid that suits
 * them best) is split, until the leaves asked for are reached or no split
 * lowers it; leaves then share segments and the tree agrees with the model on
 * more rows. Cost: O(n d log n) per level of the tree, plus O(n d k) per
 * grown leaf; memory n x k doubles while growing.
 *
 * The tree is kept in the model (seg_tree_fit_*() changes the model: not
 * while other threads use it) and saved in its file (section TREE); files
 * without it load without a tree, and older readers skip the section.
 * Conditions are given in the columns' own units: a numeric threshold undoes
 * the scaler (and log1p), a one-hot or binary feature becomes
 * `column == level` or `column != level`. A missing value takes the value the
 * scaler imputes (the median, or the imputed level) before the rules apply.
 *
 * Example:
 * @code{.c}
 * // Fit four segments, then print each leaf of the tree as its rule.
 * seg_dataset *ds = NULL;
 * seg_scaler *sc = NULL;
 * seg_kmeans *km = NULL;
 * seg_model *m = NULL;
 * seg_tree *t = NULL;
 * int rc = seg_dataset_read_csv(&ds, "bank.csv", NULL);
 * if (rc == SEG_OK)
 *     rc = seg_scaler_new(&sc);
 * if (rc == SEG_OK)
 *     rc = seg_scaler_fit(sc, ds);
 * if (rc == SEG_OK)
 *     rc = seg_kmeans_new(&km);
 * if (rc == SEG_OK)
 *     rc = seg_kmeans_set_int(km, SEG_KMEANS_K, 4);
 * if (rc == SEG_OK)
 *     rc = seg_kmeans_fit_dataset(km, ds, sc, NULL, &m);
 * if (rc == SEG_OK)
 *     rc = seg_tree_new(&t);
 * if (rc == SEG_OK)
 *     rc = seg_tree_fit_dataset(t, m, ds);
 * for (size_t l = 0; rc == SEG_OK && l < seg_model_tree_leaves(m); l++) {
 *     for (size_t i = 0; rc == SEG_OK && i < seg_model_tree_leaf_conditions(m, l); i++) {
 *         const char *column, *level;
 *         seg_tree_op op;
 *         double value;
 *         rc = seg_model_tree_condition(m, l, i, &column, &op, &value, &level);
 *         if (rc == SEG_OK && level)
 *             printf("%s%s %s %s", i ? " and " : "", column, op == SEG_TREE_EQ ? "==" : "!=",
 *                    level);
 *         else if (rc == SEG_OK)
 *             printf("%s%s %s %g", i ? " and " : "", column, op == SEG_TREE_LE ? "<=" : ">",
 *                    value);
 *     }
 *     printf(" -> segment %d\n", (int)seg_model_tree_leaf_segment(m, l));
 * }
 * seg_tree_free(t);
 * seg_model_free(m);
 * seg_kmeans_free(km);
 * seg_scaler_free(sc);
 * seg_dataset_free(ds);
 * return rc < 0;
 * @endcode
 * @{
 */

/** Opaque settings of a tree fit. */
typedef struct seg_tree seg_tree;

/** Tree settings. */
typedef enum seg_tree_param {
    SEG_TREE_LEAVES = 100, /**< int: leaves wanted, 0 (default) = k, the IMM tree; above k grows it (0 .. 65536). */
    SEG_TREE_THREADS = 101 /**< int: library threads of the IMM search (each node's features in parallel), 0 = all cores (default 0; 0 .. 4096); the tree is the same for any count. */
} seg_tree_param;

/** The comparison of a condition. */
typedef enum seg_tree_op {
    SEG_TREE_LE = 0, /**< numeric column <= value */
    SEG_TREE_GT = 1, /**< numeric column > value */
    SEG_TREE_EQ = 2, /**< categorical column == level */
    SEG_TREE_NE = 3  /**< categorical column != level */
} seg_tree_op;

/**
 * Create tree settings (SEG_TREE_LEAVES 0).
 *
 * @param[out] out receives them; free with seg_tree_free().
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL out), SEG_ERR_NOMEM.
 */
SEG_API int seg_tree_new(seg_tree **out);

/** Free tree settings. Accepts NULL. @param t the settings. */
SEG_API void seg_tree_free(seg_tree *t);

/**
 * Change a setting.
 * @param t the settings. @param param which. @param value the new value.
 * @return SEG_OK or SEG_ERR_INVALID_ARG (unknown setting, value out of range).
 */
SEG_API int seg_tree_set_int(seg_tree *t, seg_tree_param param, int64_t value);

/**
 * Read a setting.
 * @param t the settings. @param param which. @param[out] value its value.
 * @return SEG_OK or SEG_ERR_INVALID_ARG.
 */
SEG_API int seg_tree_get_int(const seg_tree *t, seg_tree_param param, int64_t *value);

/**
 * The accepted range of a setting.
 * @param param which. @param[out] lower smallest. @param[out] upper largest.
 * @return SEG_OK or SEG_ERR_INVALID_ARG.
 */
SEG_API int seg_tree_param_bounds(seg_tree_param param, double *lower, double *upper);

/**
 * Fit the explanation tree of a model on encoded rows and their labels, and
 * keep it in the model (replacing any tree it had).
 *
 * @param t the settings.
 * @param m the model (changed: one thread at a time).
 * @param x n x d rows in feature units (row-major), borrowed; all finite.
 * @param n rows (0 allowed: the splits then only separate the centroids).
 * @param d features, the model's.
 * @param labels n segments of the rows, 0 .. k - 1 (the model's labels).
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL argument, a label out of range),
 *         SEG_ERR_MISMATCH (d), SEG_ERR_NONFINITE, SEG_ERR_OVERFLOW,
 *         SEG_ERR_NOMEM. On error the model is unchanged.
 */
SEG_API int seg_tree_fit_f64(const seg_tree *t, seg_model *m, const double *x, size_t n, size_t d,
                             const int32_t *labels);

/**
 * Fit the explanation tree of a model on a raw dataset: its rows are encoded
 * by the model's scaler and labelled by the model in the model's precision
 * (as seg_predictor_run_dataset() does), then as seg_tree_fit_f64().
 *
 * @param t the settings.
 * @param m the model (changed: one thread at a time).
 * @param ds the raw rows, with the columns the model was fitted on.
 * @return as seg_tree_fit_f64() and seg_scaler_transform_f64().
 */
SEG_API int seg_tree_fit_dataset(const seg_tree *t, seg_model *m, const seg_dataset *ds);

/** Whether the model has an explanation tree. @param m the model, or NULL. @return 1 or 0. */
SEG_API int seg_model_has_tree(const seg_model *m);

/** The tree's leaves (0 without a tree). @param m the model. @return leaves. */
SEG_API size_t seg_model_tree_leaves(const seg_model *m);

/**
 * The segment a leaf names.
 * @param m the model. @param leaf 0 .. leaves - 1.
 * @return the segment, or -1 (no tree, leaf out of range).
 */
SEG_API int32_t seg_model_tree_leaf_segment(const seg_model *m, size_t leaf);

/**
 * The number of conditions on a leaf's path (its depth).
 * @param m the model. @param leaf 0 .. leaves - 1. @return conditions (0 when out of range).
 */
SEG_API size_t seg_model_tree_leaf_conditions(const seg_model *m, size_t leaf);

/**
 * The i-th condition of a leaf's path, from the root, in the column's units.
 *
 * @param m the model.
 * @param leaf 0 .. leaves - 1.
 * @param i 0 .. seg_model_tree_leaf_conditions() - 1.
 * @param[out] column the column's name (owned by the model), or NULL when a
 *        model without scaler keeps no column names.
 * @param[out] op the comparison.
 * @param[out] value the threshold of SEG_TREE_LE / SEG_TREE_GT, NaN otherwise.
 * @param[out] level the level of SEG_TREE_EQ / SEG_TREE_NE (owned by the
 *        model), NULL otherwise.
 * @return SEG_OK or SEG_ERR_INVALID_ARG (NULL argument, no tree, leaf or i out of range).
 */
SEG_API int seg_model_tree_condition(const seg_model *m, size_t leaf, size_t i,
                                     const char **column, seg_tree_op *op, double *value,
                                     const char **level);

/**
 * The leaf each of n encoded rows reaches.
 *
 * @param m the model. @param x n x d rows in feature units. @param n rows.
 * @param d features. @param[out] leaves n leaf indices.
 * @return SEG_OK, SEG_ERR_INVALID_ARG, SEG_ERR_STATE (no tree),
 *         SEG_ERR_MISMATCH, SEG_ERR_NONFINITE, SEG_ERR_OVERFLOW.
 */
SEG_API int seg_model_tree_assign_f64(const seg_model *m, const double *x, size_t n, size_t d,
                                      int32_t *leaves);

/**
 * The leaf each row of a raw dataset reaches (encoded by the model's scaler).
 * @param m the model. @param ds the dataset. @param[out] leaves seg_dataset_rows(ds) leaves.
 * @return as seg_model_tree_assign_f64() and seg_scaler_transform_f64().
 */
SEG_API int seg_model_tree_assign_dataset(const seg_model *m, const seg_dataset *ds,
                                          int32_t *leaves);

/**
 * How well the tree tells the model's segments on n encoded rows: agreement,
 * the share of rows whose leaf names their model segment, and cost ratio, the
 * k-means cost of the tree's partition (each row to the mean of the rows the
 * tree gives its segment) over the model's (each row to its centroid).
 *
 * @param m the model. @param x n x d rows in feature units. @param n rows (>= 1).
 * @param d features. @param labels n model segments of the rows.
 * @param[out] leaves n leaves reached, or NULL.
 * @param[out] agreement 0 .. 1. @param[out] cost_ratio >= 0 (1 when both costs are 0).
 * @return SEG_OK, SEG_ERR_INVALID_ARG, SEG_ERR_STATE (no tree), SEG_ERR_EMPTY
 *         (n is 0), SEG_ERR_MISMATCH, SEG_ERR_NONFINITE, SEG_ERR_OVERFLOW, SEG_ERR_NOMEM.
 */
SEG_API int seg_model_tree_score_f64(const seg_model *m, const double *x, size_t n, size_t d,
                                     const int32_t *labels, int32_t *leaves, double *agreement,
                                     double *cost_ratio);

/**
 * seg_model_tree_score_f64() on float rows, with the same results as on
 * their values widened to double (sums run in double); rows are widened a
 * block at a time, never as a whole double copy.
 *
 * @param m the model. @param x n x d rows in feature units. @param n rows (>= 1).
 * @param d features. @param labels n model segments of the rows.
 * @param[out] leaves n leaves reached, or NULL.
 * @param[out] agreement 0 .. 1. @param[out] cost_ratio >= 0 (1 when both costs are 0).
 * @return as seg_model_tree_score_f64().
 */
SEG_API int seg_model_tree_score_f32(const seg_model *m, const float *x, size_t n, size_t d,
                                     const int32_t *labels, int32_t *leaves, double *agreement,
                                     double *cost_ratio);

/**
 * seg_model_tree_score_f64() on a raw dataset, which the model also labels.
 * @param m the model. @param ds the dataset.
 * @param[out] labels seg_dataset_rows(ds) model segments.
 * @param[out] leaves as many leaves, or NULL.
 * @param[out] agreement see seg_model_tree_score_f64(). @param[out] cost_ratio idem.
 * @return as seg_model_tree_score_f64() and seg_scaler_transform_f64().
 */
SEG_API int seg_model_tree_score_dataset(const seg_model *m, const seg_dataset *ds,
                                         int32_t *labels, int32_t *leaves, double *agreement,
                                         double *cost_ratio);
/** @} */

/**
 * @defgroup predict Predict
 *
 * A predictor scores new rows against a model, reusing its scratch memory
 * across batches. It borrows the model, which must outlive it. Use one
 * predictor per thread; many predictors may share one model.
 *
 * A predictor spreads its rows over SEG_PREDICTOR_THREADS library threads
 * (default 1, 0 = all cores), with the same blocks and BLAS rules as the fit
 * (see the K-means group). Each row's label depends only on the row and the
 * model, never on the thread count.
 *
 * Example:
 * @code{.c}
 * // Score new rows against a model (here fitted on the spot; usually loaded
 * // with seg_model_load()). One predictor per thread; the model is shared.
 * const double train[] = {0, 0, 0, 1, 10, 10, 10, 11};
 * const double fresh[] = {0.2, 0.4, 9.5, 10.5, 30, 30};
 * int32_t labels[3];
 * double dist[3];
 * seg_kmeans *km = NULL;
 * seg_model *m = NULL;
 * seg_predictor *p = NULL;
 * int rc = seg_kmeans_new(&km);
 * if (rc == SEG_OK)
 *     rc = seg_kmeans_set_int(km, SEG_KMEANS_K, 2);
 * if (rc == SEG_OK)
 *     rc = seg_kmeans_fit_f64(km, train, 4, 2, NULL, NULL, &m);
 * if (rc == SEG_OK)
 *     rc = seg_predictor_new(&p, m); // borrows m: free p first
 * if (rc == SEG_OK)
 *     rc = seg_predictor_run_f64(p, fresh, 3, 2, labels, dist);
 * for (size_t i = 0; rc == SEG_OK && i < 3; i++)
 *     printf("row %zu: segment %d at distance %.2f\n", i, labels[i], dist[i]);
 * seg_predictor_free(p);
 * seg_model_free(m);
 * seg_kmeans_free(km);
 * return rc < 0;
 * @endcode
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
 * Read a setting.
 *
 * @param p the predictor.
 * @param param which setting.
 * @param[out] value receives its current value.
 * @return SEG_OK or SEG_ERR_INVALID_ARG (NULL p or value, unknown param).
 */
SEG_API int seg_predictor_get_int(const seg_predictor *p, seg_predictor_param param,
                                  int64_t *value);

/**
 * The accepted range of a predictor setting (whole numbers).
 *
 * Needs no object and keeps no state: thread-safe.
 *
 * @param param any seg_predictor_param.
 * @param[out] lower receives the smallest accepted value.
 * @param[out] upper receives the largest accepted value.
 * @return SEG_OK or SEG_ERR_INVALID_ARG (unknown param, NULL lower or upper).
 */
SEG_API int seg_predictor_param_bounds(seg_predictor_param param, double *lower, double *upper);

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

/**
 * The probability of each component for rows in feature (scaled) units,
 * under a Gaussian mixture model (seg_gmm_fit_f64()). For such a model,
 * seg_predictor_run_f64() labels each row by its most probable component
 * (and seg_predictor_run_f32() is refused with SEG_ERR_TYPE).
 *
 * @param p a predictor of a mixture model (one thread at a time).
 * @param x n * d finite rows; borrowed.
 * @param n rows.
 * @param d features (the model's).
 * @param[out] proba n * k values, [i * k + j]; each row sums to 1.
 * @param len the length of proba: n * seg_model_k().
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL), SEG_ERR_STATE (the model is
 *         not a mixture), SEG_ERR_MISMATCH (d or len), SEG_ERR_NONFINITE,
 *         SEG_ERR_NOMEM.
 */
SEG_API int seg_predictor_proba_f64(seg_predictor *p, const double *x, size_t n, size_t d,
                                    double *proba, size_t len);

/**
 * As seg_predictor_proba_f64(), for the rows of a raw dataset, encoded by
 * the model's scaler as seg_predictor_run_dataset() encodes them.
 *
 * @param p a predictor of a mixture model (one thread at a time).
 * @param ds the dataset.
 * @param[out] proba seg_dataset_rows(ds) * k values.
 * @param len the length of proba.
 * @return as seg_predictor_proba_f64() and seg_predictor_run_dataset().
 */
SEG_API int seg_predictor_proba_dataset(seg_predictor *p, const seg_dataset *ds, double *proba,
                                        size_t len);

/**
 * @name Reason codes
 *
 * Why a row went to its segment and not to the next nearest one: the
 * difference of squared distances d(x, runner-up)^2 - d(x, assigned)^2 (in
 * feature units, >= 0 for a row labelled by predict) split into one term per
 * column, sum over the column's features of (x_f - r_f)^2 - (x_f - a_f)^2.
 * The terms of all columns add up to the difference (up to rounding in
 * double); a one-hot column's features count as one column. The largest
 * terms are the columns that most separate the two segments for this row.
 * @{
 */

/**
 * The columns reason codes are given for: the scaler's training columns, or
 * the model's features when it has no scaler.
 *
 * @param p the predictor, or NULL (0).
 * @return the number of columns.
 */
SEG_API size_t seg_predictor_explain_columns(const seg_predictor *p);

/**
 * Reason codes of n rows in feature units, computed in double.
 *
 * @param p the predictor (one thread at a time).
 * @param x n x d rows (row-major), d = the model's features; borrowed.
 * @param n rows.
 * @param d features.
 * @param labels n assigned segments, e.g. from seg_predictor_run_f64().
 * @param top columns reported per row (e.g. 3; seg_predictor_explain_columns()
 *        gives them all, whose terms then sum to the gap).
 * @param[out] runner_up n: each row's nearest segment other than its own.
 * @param[out] gap n: d(x, runner-up)^2 - d(x, assigned)^2.
 * @param[out] features n x top: per row, its columns by decreasing term, each
 *        named by its first feature (seg_scaler_feature_column() gives the
 *        column's name); -1 past the last column.
 * @param[out] contributions n x top: the terms of those columns; NaN past the
 *        last column.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL argument, a label outside
 *         0 .. k - 1), SEG_ERR_MISMATCH (d is not the model's),
 *         SEG_ERR_STATE (the model has one segment), SEG_ERR_NONFINITE,
 *         SEG_ERR_NOMEM.
 */
SEG_API int seg_predictor_explain_f64(seg_predictor *p, const double *x, size_t n, size_t d,
                                      const int32_t *labels, size_t top, int32_t *runner_up,
                                      double *gap, int64_t *features, double *contributions);

/**
 * Reason codes of the rows of a raw dataset, encoded by the model's scaler as
 * seg_predictor_run_dataset() does; outputs as seg_predictor_explain_f64()
 * with n = seg_dataset_rows(ds).
 *
 * @param p the predictor.
 * @param ds the raw rows, with the columns the model was fitted on.
 * @param labels the rows' segments, as for seg_predictor_explain_f64().
 * @param top columns per row, as for seg_predictor_explain_f64().
 * @param[out] runner_up as for seg_predictor_explain_f64().
 * @param[out] gap as for seg_predictor_explain_f64().
 * @param[out] features as for seg_predictor_explain_f64().
 * @param[out] contributions as for seg_predictor_explain_f64().
 * @return as seg_predictor_explain_f64() and seg_scaler_transform_f64();
 *         also SEG_ERR_MISMATCH when ds gives another number of features.
 */
SEG_API int seg_predictor_explain_dataset(seg_predictor *p, const seg_dataset *ds,
                                          const int32_t *labels, size_t top, int32_t *runner_up,
                                          double *gap, int64_t *features,
                                          double *contributions);
/** @} */
/** @} */

/**
 * @defgroup metrics Metrics
 *
 * Quality measures of a labelling of a feature matrix, computed in double
 * precision. Weights, when given, count each row as that many customers.
 *
 * Example:
 * @code{.c}
 * const double x[] = {0, 0, 0, 1, 1, 0, 9, 9, 9, 10, 10, 9};
 * const int32_t labels[] = {0, 0, 0, 1, 1, 1};
 * double silhouette, davies_bouldin, adjusted_rand;
 * int rc = seg_metrics_silhouette_f64(x, 6, 2, labels, 2, NULL, 0, 0, &silhouette);
 * if (rc == SEG_OK)
 *     rc = seg_metrics_davies_bouldin_f64(x, 6, 2, labels, 2, NULL, &davies_bouldin);
 * if (rc == SEG_OK) { // the same partition numbered the other way round
 *     const int32_t swapped[] = {1, 1, 1, 0, 0, 0};
 *     rc = seg_metrics_adjusted_rand(labels, swapped, 6, &adjusted_rand);
 * }
 * if (rc == SEG_OK)
 *     printf("silhouette %.3f, Davies-Bouldin %.3f, ARI %.1f\n", silhouette,
 *            davies_bouldin, adjusted_rand);
 * return rc < 0;
 * @endcode
 * @{
 */

/**
 * The rows seg_metrics_silhouette_f32() and seg_metrics_silhouette_f64()
 * measure among n with this sample size and seed, in increasing order: all
 * n when sample_size is 0 or at least n. The silhouette of those rows alone
 * (gathered in this order, sample_size 0) is the sampled silhouette of all
 * n, bit for bit: for rows spread over processes (libseg-mpi gathers the
 * sample's rows on one rank).
 *
 * @param n rows.
 * @param sample_size as for seg_metrics_silhouette_f64().
 * @param seed as for seg_metrics_silhouette_f64().
 * @param[out] rows receives the m row numbers (0-based); NULL to learn m only.
 * @param cap the length of rows.
 * @param[out] m receives the number of rows measured.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL m, or rows NULL with cap > 0),
 *         SEG_ERR_MISMATCH (cap below m), SEG_ERR_NOMEM.
 */
SEG_API int seg_metrics_silhouette_rows(size_t n, size_t sample_size, uint64_t seed,
                                        size_t *rows, size_t cap, size_t *m);

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
 * The mean silhouette coefficients of several labellings of the same rows,
 * out[l] bit for bit what seg_metrics_silhouette_f32() returns for
 * labels[l] and k[l] with the same weights, sample_size and seed. The sample
 * is drawn once and its pairwise distances are computed once for all
 * labellings (a block of rows at a time, no m x m matrix): scoring k = 2 .. 10
 * this way costs little more than one call. Memory: threads x 64 x rows used
 * doubles, plus per labelling rows used x about (rows used / 256 + k) doubles.
 * Runs on all cores (library threads); seg_metrics_silhouettes_threads_f32()
 * takes a thread count.
 *
 * @param x n * d row-major values.
 * @param n rows.
 * @param d features.
 * @param labels count pointers to n labels each; labels[l] in 0 .. k[l]-1.
 * @param k count numbers of segments.
 * @param count labellings (>= 1).
 * @param weights n weights > 0, or NULL.
 * @param sample_size as in seg_metrics_silhouette_f32().
 * @param seed seed of the sample.
 * @param[out] out count coefficients.
 * @return as seg_metrics_silhouette_f32() (the first failing labelling's
 *         error; out is then incomplete), and SEG_ERR_INVALID_ARG for a NULL
 *         labels, k or out or count 0.
 */
SEG_API int seg_metrics_silhouettes_f32(const float *x, size_t n, size_t d,
                                        const int32_t *const *labels, const size_t *k,
                                        size_t count, const double *weights, size_t sample_size,
                                        uint64_t seed, double *out);

/**
 * As seg_metrics_silhouettes_f32(), for double rows.
 *
 * @param x n * d row-major values.
 * @param n rows.
 * @param d features.
 * @param labels count pointers to n labels each; labels[l] in 0 .. k[l]-1.
 * @param k count numbers of segments.
 * @param count labellings (>= 1).
 * @param weights n weights > 0, or NULL.
 * @param sample_size as in seg_metrics_silhouette_f32().
 * @param seed seed of the sample.
 * @param[out] out count coefficients.
 * @return as seg_metrics_silhouettes_f32().
 */
SEG_API int seg_metrics_silhouettes_f64(const double *x, size_t n, size_t d,
                                        const int32_t *const *labels, const size_t *k,
                                        size_t count, const double *weights, size_t sample_size,
                                        uint64_t seed, double *out);

/**
 * seg_metrics_silhouettes_f32() on at most threads library threads (0 = all
 * cores, as SEG_KMEANS_THREADS), so that a caller held to one thread (`seg
 * segment --threads 1`, a job given one core) uses one. The coefficients do
 * not depend on threads. Since 0.2.
 *
 * @param x n * d row-major values.
 * @param n rows.
 * @param d features.
 * @param labels count pointers to n labels each; labels[l] in 0 .. k[l]-1.
 * @param k count numbers of segments.
 * @param count labellings (>= 1).
 * @param weights n weights > 0, or NULL.
 * @param sample_size as in seg_metrics_silhouette_f32().
 * @param seed seed of the sample.
 * @param threads library threads, 0 = all cores (0 .. 4096).
 * @param[out] out count coefficients.
 * @return as seg_metrics_silhouettes_f32(), and SEG_ERR_INVALID_ARG for
 *         threads outside 0 .. 4096.
 */
SEG_API int seg_metrics_silhouettes_threads_f32(const float *x, size_t n, size_t d,
                                                const int32_t *const *labels, const size_t *k,
                                                size_t count, const double *weights,
                                                size_t sample_size, uint64_t seed, int64_t threads,
                                                double *out);

/**
 * As seg_metrics_silhouettes_threads_f32(), for double rows.
 *
 * @param x n * d row-major values.
 * @param n rows.
 * @param d features.
 * @param labels count pointers to n labels each; labels[l] in 0 .. k[l]-1.
 * @param k count numbers of segments.
 * @param count labellings (>= 1).
 * @param weights n weights > 0, or NULL.
 * @param sample_size as in seg_metrics_silhouette_f32().
 * @param seed seed of the sample.
 * @param threads library threads, 0 = all cores (0 .. 4096).
 * @param[out] out count coefficients.
 * @return as seg_metrics_silhouettes_threads_f32().
 */
SEG_API int seg_metrics_silhouettes_threads_f64(const double *x, size_t n, size_t d,
                                                const int32_t *const *labels, const size_t *k,
                                                size_t count, const double *weights,
                                                size_t sample_size, uint64_t seed, int64_t threads,
                                                double *out);

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
 * unweighted). 1 when W is 0, that is when every row equals its segment's
 * centre (k equal to the number of distinct rows, k = n included), the value
 * scikit-learn's calinski_harabasz_score gives.
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
 *         segments, or W > 0 and weights with N <= m), SEG_ERR_OVERFLOW,
 *         SEG_ERR_NOMEM.
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
 *         segments, or W > 0 and weights with N <= m), SEG_ERR_OVERFLOW,
 *         SEG_ERR_NOMEM.
 */
SEG_API int seg_metrics_calinski_harabasz_f64(const double *x, size_t n, size_t d,
                                              const int32_t *labels, size_t k,
                                              const double *weights, double *out);

/**
 * The Davies-Bouldin and Calinski-Harabasz indices from a labelling's sums:
 * the finishing arithmetic seg_metrics_davies_bouldin_f64() and
 * seg_metrics_calinski_harabasz_f64() apply to their sums over the rows, so
 * the same sums give their bits. For rows that are not in one array (spread
 * over processes, read in chunks): sum them in row order, then call this.
 *
 * Empty segments (wsum 0) are skipped, their means and scatter never read.
 * Runs on the calling thread; allocates d doubles when calinski_harabasz is
 * asked for; inputs are only read.
 *
 * @param k number of segments.
 * @param d features.
 * @param mean k * d row-major weighted segment means.
 * @param wsum k segment weights (row counts when unweighted), 0 when empty.
 * @param scatter k weighted sums of the rows' distances (not squared) to
 *        their segment's mean; read only when davies_bouldin is not NULL.
 * @param within the weighted sum over rows of the squared distance to the
 *        segment's mean; read only when calinski_harabasz is not NULL.
 * @param[out] davies_bouldin receives the Davies-Bouldin index, or NULL.
 * @param[out] calinski_harabasz receives the Calinski-Harabasz index, or NULL.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL mean or wsum, k or d 0, both
 *         outputs NULL, or scatter NULL with davies_bouldin asked for),
 *         SEG_ERR_TOO_FEW_POINTS (fewer than two non-empty segments, or
 *         within > 0 and weights summing to no more than the non-empty
 *         segments), SEG_ERR_NOMEM. On an error of Calinski-Harabasz,
 *         *davies_bouldin is already set.
 */
SEG_API int seg_metrics_finish(size_t k, size_t d, const double *mean, const double *wsum,
                               const double *scatter, double within, double *davies_bouldin,
                               double *calinski_harabasz);

/**
 * Add rows to the sums seg_metrics_finish() reads: each row's Euclidean
 * distance to its segment's mean, times its weight, to scatter[label], and
 * the squared distance, times its weight, to *within, in row order, as
 * seg_metrics_davies_bouldin_f32() and seg_metrics_calinski_harabasz_f32()
 * add them. Calls on consecutive blocks of rows, in order, give the sums of
 * one call on all of them, bit for bit (libseg-mpi adds each rank's rows to
 * the running sums of the ranks before it).
 *
 * @param x n * d row-major values.
 * @param n rows (0: nothing added).
 * @param d features.
 * @param labels n labels in 0 .. k-1.
 * @param k number of segments.
 * @param weights n weights > 0, or NULL (each row 1).
 * @param mean k * d segment means.
 * @param[in,out] scatter k running sums.
 * @param[in,out] within the running sum of squares.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL argument, d or k 0, a label
 *         outside 0 .. k-1), SEG_ERR_NONFINITE (a weight that is not finite
 *         and > 0); on an error nothing is added.
 */
SEG_API int seg_metrics_add_spread_f32(const float *x, size_t n, size_t d,
                                       const int32_t *labels, size_t k, const double *weights,
                                       const double *mean, double *scatter, double *within);

/**
 * As seg_metrics_add_spread_f32(), for double rows.
 *
 * @param x n * d row-major values.
 * @param n rows (0: nothing added).
 * @param d features.
 * @param labels n labels in 0 .. k-1.
 * @param k number of segments.
 * @param weights n weights > 0, or NULL (each row 1).
 * @param mean k * d segment means.
 * @param[in,out] scatter k running sums.
 * @param[in,out] within the running sum of squares.
 * @return as seg_metrics_add_spread_f32().
 */
SEG_API int seg_metrics_add_spread_f64(const double *x, size_t n, size_t d,
                                       const int32_t *labels, size_t k, const double *weights,
                                       const double *mean, double *scatter, double *within);

/**
 * Adjusted Rand index (Hubert and Arabie 1985) of two labellings of the same
 * n rows: the Rand index (share of row pairs the two put the same way,
 * together or apart) corrected for chance, so that 1 means the same
 * partition up to renaming of the labels and a value near 0 what independent
 * random labellings with these group sizes give (it can be negative).
 * Equals scikit-learn's adjusted_rand_score; two labellings that both put
 * every row in one group, or both every row alone, give 1. Rows count
 * once each (no weights).
 *
 * Cost: O(n) with a table of (largest label + 1) cells per labelling and
 * their product; when that product exceeds both 2^20 and n, O(n log n) by
 * sorting instead. Inputs are only read: calls may run concurrently.
 *
 * @param a n labels >= 0 (any values; they name groups).
 * @param b n labels >= 0.
 * @param n rows, 1 .. 2^32 - 1.
 * @param[out] out receives the index, at most 1.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL a, b or out; n = 0 or too large;
 *         a negative label), SEG_ERR_NOMEM.
 */
SEG_API int seg_metrics_adjusted_rand(const int32_t *a, const int32_t *b, size_t n, double *out);
/** @} */

/**
 * @defgroup sweep Choosing k
 *
 * Fit every k from SEG_SWEEP_K_MIN to SEG_SWEEP_K_MAX on one feature matrix
 * and record, per k: inertia, silhouette (on the same sample of rows for
 * every k, its distances computed once for all k by
 * seg_metrics_silhouettes_threads_f32(), on SEG_KMEANS_THREADS threads), Davies-Bouldin,
 * Calinski-Harabasz and the share of the smallest segment. Each fit uses the
 * k-means object's settings (seed, n_init, init, threads, ...), so the fit at
 * the chosen k equals a later fit with that k.
 *
 * Stability (Ben-Hur, Elisseeff and Guyon 2002; Lange et al. 2004): per k,
 * SEG_SWEEP_STABILITY_RESAMPLES (5) subsamples of SEG_SWEEP_STABILITY_FRACTION
 * (80 %) of the rows, drawn without replacement, are each fitted again, and
 * the stability is the mean adjusted Rand index (seg_metrics_adjusted_rand())
 * over all pairs of these refits, computed on the rows the two subsamples
 * share. 1 means every refit splits the customers the same way; a k whose
 * segments depend on which customers happen to be in the file scores lower.
 * The draws: when n exceeds SEG_SWEEP_STABILITY_SAMPLE (5000), a base
 * sample of that many rows is drawn first, else the base is all n rows; then
 * subsample r (0-based) takes round(fraction x base) of the base rows (at
 * least 1). Every draw is selection sampling (Knuth's algorithm S, in row
 * order: the i-th candidate of N is kept when a uniform integer below N - i
 * is below the number still wanted) from xoshiro256** seeded through
 * splitmix64 with SEG_SWEEP_SEED - 1 for the base and SEG_SWEEP_SEED + r for
 * subsample r; the same subsamples serve every k. Refit r uses the k-means
 * object's settings with SEG_KMEANS_SEED increased by r + 1 and
 * SEG_KMEANS_N_INIT replaced by SEG_SWEEP_STABILITY_N_INIT (1; 0 keeps the
 * object's) and SEG_KMEANS_THREADS by 1 (small fits gain nothing from more). Weights apply to the
 * refits; the index counts each row once. Results depend only on the data
 * and the seeds, never on the number of threads. Cost: resamples fits of
 * fraction x base rows per k on top of the one full fit, and resamples x
 * base labels of memory.
 * 0 resamples, or a k larger than the number of distinct rows of a
 * subsample, gives NaN.
 *
 * Worst-segment stability (after Tibshirani and Walther's prediction
 * strength, 2005): for a pair of refits and each segment of one of them with
 * two shared rows or more, the share of that segment's pairs of shared rows
 * the other refit also puts in one segment; the smallest share, taken both
 * ways round (the smaller of the two); the mean over all pairs of refits.
 * The mean adjusted Rand index averages over segments, so one segment cut
 * differently from refit to refit hides behind the others; this measure is
 * as low as the least reproducible segment.
 *
 * The chosen k (seg_sweep_chosen()), by SEG_SWEEP_RULE:
 *  - SEG_SWEEP_RULE_LARGEST_STABLE (default): the largest k that holds up,
 *    i.e. whose stability and worst-segment stability are both at least
 *    SEG_SWEEP_STABILITY_THRESHOLD (0.8): the most segments a team gets that
 *    come out the same, each of them, when 20 % of the customers are left
 *    out (Ben-Hur, Elisseeff and Guyon 2002 choose the largest k before
 *    stability breaks down; Tibshirani and Walther the largest k whose
 *    prediction strength reaches 0.8). When no k holds up, or stability is
 *    not measured, the silhouette rule below.
 *  - SEG_SWEEP_RULE_SILHOUETTE: among the k whose stability is at least the
 *    threshold, the best silhouette; when no k reaches it, among the most
 *    stable k; without stability (0 resamples), among all k. Ties go to the
 *    smaller k. Silhouette prefers the top-level split: with three groups
 *    two of which lie close together it picks 2 even when 3 is as stable.
 * Segment sizes do not exclude a k:
 * SEG_SWEEP_MIN_SHARE (5 %) and SEG_SWEEP_MAX_SHARE (60 %) are the bounds a
 * caller warns about (seg does) when the chosen k has a segment outside
 * them. seg_sweep_runner_up() names the k ranked next and why it lost:
 * under the default rule the next largest k that holds up
 * (SEG_SWEEP_LOST_FEWER) or, when only the chosen k does, the k of the
 * highest worst-segment stability among the others (SEG_SWEEP_LOST_STABILITY).
 *
 * A sweep object is mutable: one thread at a time.
 *
 * Example:
 * @code{.c}
 * // Try k = 2 .. 5 on 300 rows drawn around three centres.
 * enum { N = 300, D = 2 };
 * static double x[N * D];
 * for (size_t i = 0; i < N; i++) {
 *     x[2 * i] = (double)(i % 3) * 10 + (double)(i * 37 % 100) / 50;
 *     x[2 * i + 1] = (double)(i % 3) * 5 + (double)(i * 53 % 100) / 50;
 * }
 * seg_kmeans *km = NULL;
 * seg_sweep *s = NULL;
 * size_t k = 0;
 * int rc = seg_kmeans_new(&km);
 * if (rc == SEG_OK)
 *     rc = seg_sweep_new(&s);
 * if (rc == SEG_OK)
 *     rc = seg_sweep_set_int(s, SEG_SWEEP_K_MAX, 5);
 * if (rc == SEG_OK)
 *     rc = seg_sweep_run_f64(s, km, x, N, D, NULL);
 * for (size_t i = 0; rc == SEG_OK && i < seg_sweep_count(s); i++) {
 *     double kk, silhouette, stability;
 *     seg_sweep_get(s, i, SEG_SWEEP_K, &kk);
 *     seg_sweep_get(s, i, SEG_SWEEP_SILHOUETTE, &silhouette);
 *     seg_sweep_get(s, i, SEG_SWEEP_STABILITY, &stability);
 *     printf("k = %.0f: silhouette %.3f, stability %.2f\n", kk, silhouette, stability);
 * }
 * if (rc == SEG_OK)
 *     rc = seg_sweep_chosen(s, &k);
 * if (rc == SEG_OK)
 *     printf("chosen: k = %zu\n", k);
 * seg_sweep_free(s);
 * seg_kmeans_free(km);
 * return rc < 0 || k != 3;
 * @endcode
 * @{
 */

/** Opaque k sweep. */
typedef struct seg_sweep seg_sweep;

/** Sweep settings. */
typedef enum seg_sweep_param {
    SEG_SWEEP_K_MIN = 100,             /**< int: smallest k (default 2; 2 .. 10^6). */
    SEG_SWEEP_K_MAX = 101,             /**< int: largest k (default 10; 2 .. 10^6). */
    SEG_SWEEP_SILHOUETTE_SAMPLE = 102, /**< int: rows for the silhouette (default 10000; 0 = all). */
    SEG_SWEEP_SEED = 103,              /**< int: seed of the silhouette sample and the stability subsamples (default 0). */
    SEG_SWEEP_STABILITY_RESAMPLES = 104, /**< int: subsamples refitted per k for the stability (default 5; 0 = no stability, else 2 .. 1000). */
    SEG_SWEEP_STABILITY_N_INIT = 105,  /**< int: runs per stability refit (default 1; 0 = the k-means object's SEG_KMEANS_N_INIT; .. 10^6). */
    SEG_SWEEP_STABILITY_SAMPLE = 106,  /**< int: rows the stability subsamples are drawn from (default 5000; 0 = all). */
    SEG_SWEEP_RULE = 107,              /**< int: seg_sweep_rule, how k is chosen (default SEG_SWEEP_RULE_LARGEST_STABLE). */
    SEG_SWEEP_MIN_SHARE = 200,         /**< double: smallest segment share a caller warns about (default 0.05; 0 .. 1). */
    SEG_SWEEP_MAX_SHARE = 201,         /**< double: largest segment share a caller warns about (default 0.60; 0 .. 1). */
    SEG_SWEEP_STABILITY_FRACTION = 202, /**< double: share of the rows in each stability subsample (default 0.8; 0.01 .. 1). */
    SEG_SWEEP_STABILITY_THRESHOLD = 203 /**< double: stability a k needs for the choice (default 0.8; 0 .. 1). */
} seg_sweep_param;

/** What the sweep recorded per k, for seg_sweep_get(). */
typedef enum seg_sweep_stat {
    SEG_SWEEP_K = 100,                 /**< The k of the row. */
    SEG_SWEEP_INERTIA = 101,           /**< Inertia of the fit. */
    SEG_SWEEP_SILHOUETTE = 102,        /**< Mean silhouette coefficient. */
    SEG_SWEEP_DAVIES_BOULDIN = 103,    /**< Davies-Bouldin index. */
    SEG_SWEEP_CALINSKI_HARABASZ = 104, /**< Calinski-Harabasz index. */
    SEG_SWEEP_SMALLEST_SHARE = 105,    /**< Weight share of the smallest segment. */
    SEG_SWEEP_ITERATIONS = 106,        /**< Lloyd iterations of the kept run. */
    SEG_SWEEP_LARGEST_SHARE = 107,     /**< Weight share of the largest segment. */
    SEG_SWEEP_STABILITY = 108,         /**< Mean adjusted Rand index between refits on subsamples (NaN: not measured). */
    SEG_SWEEP_WORST_STABILITY = 109    /**< Worst-segment stability: mean over pairs of refits of the smallest share of a segment's pairs of customers the other refit keeps together (NaN: not measured). */
} seg_sweep_stat;

/** Why the runner-up of a sweep lost to the chosen k (seg_sweep_runner_up()). */
typedef enum seg_sweep_reason {
    SEG_SWEEP_LOST_STABILITY = 1,  /**< Its stability is below the bar the chosen k meets. */
    SEG_SWEEP_LOST_SILHOUETTE = 2, /**< Stable enough, but a lower silhouette. */
    SEG_SWEEP_LOST_TIE = 3,        /**< The same silhouette: the smaller k goes first. */
    SEG_SWEEP_LOST_FEWER = 4       /**< It holds up too, but the chosen k is larger (SEG_SWEEP_RULE_LARGEST_STABLE). */
} seg_sweep_reason;

/** How the sweep chooses k (SEG_SWEEP_RULE). */
typedef enum seg_sweep_rule {
    /** The largest k whose stability and worst-segment stability both reach
     *  SEG_SWEEP_STABILITY_THRESHOLD; when none does, SEG_SWEEP_RULE_SILHOUETTE.
     *  The default. */
    SEG_SWEEP_RULE_LARGEST_STABLE = 0,
    /** The best silhouette among the k whose stability reaches the threshold
     *  (libseg 0.2's first rule; see the group). */
    SEG_SWEEP_RULE_SILHOUETTE = 1
} seg_sweep_rule;

/**
 * Create a sweep with default settings.
 *
 * @param[out] out receives the sweep; the caller frees it with seg_sweep_free().
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL out) or SEG_ERR_NOMEM.
 */
SEG_API int seg_sweep_new(seg_sweep **out);

/**
 * Free a sweep. Accepts NULL.
 *
 * @param s the sweep, or NULL.
 */
SEG_API void seg_sweep_free(seg_sweep *s);

/**
 * Set an integer setting.
 *
 * @param s the sweep.
 * @param param SEG_SWEEP_K_MIN, SEG_SWEEP_K_MAX, SEG_SWEEP_SILHOUETTE_SAMPLE, SEG_SWEEP_SEED,
 *        SEG_SWEEP_STABILITY_RESAMPLES, SEG_SWEEP_STABILITY_N_INIT or
 *        SEG_SWEEP_STABILITY_SAMPLE.
 * @param value see seg_sweep_param for the ranges.
 * @return SEG_OK or SEG_ERR_INVALID_ARG (NULL s, unknown param, value out of range).
 */
SEG_API int seg_sweep_set_int(seg_sweep *s, seg_sweep_param param, int64_t value);

/**
 * Set a real setting.
 *
 * @param s the sweep.
 * @param param SEG_SWEEP_MIN_SHARE, SEG_SWEEP_MAX_SHARE, SEG_SWEEP_STABILITY_FRACTION or
 *        SEG_SWEEP_STABILITY_THRESHOLD.
 * @param value see seg_sweep_param for the ranges.
 * @return SEG_OK or SEG_ERR_INVALID_ARG (NULL s, unknown param, value out of range).
 */
SEG_API int seg_sweep_set_double(seg_sweep *s, seg_sweep_param param, double value);

/**
 * Read an integer setting.
 *
 * @param s the sweep.
 * @param param SEG_SWEEP_K_MIN, SEG_SWEEP_K_MAX, SEG_SWEEP_SILHOUETTE_SAMPLE, SEG_SWEEP_SEED,
 *        SEG_SWEEP_STABILITY_RESAMPLES, SEG_SWEEP_STABILITY_N_INIT or
 *        SEG_SWEEP_STABILITY_SAMPLE.
 * @param[out] value receives its current value.
 * @return SEG_OK or SEG_ERR_INVALID_ARG (NULL s or value, unknown or real param).
 */
SEG_API int seg_sweep_get_int(const seg_sweep *s, seg_sweep_param param, int64_t *value);

/**
 * Read a real setting.
 *
 * @param s the sweep.
 * @param param SEG_SWEEP_MIN_SHARE, SEG_SWEEP_MAX_SHARE, SEG_SWEEP_STABILITY_FRACTION or
 *        SEG_SWEEP_STABILITY_THRESHOLD.
 * @param[out] value receives its current value.
 * @return SEG_OK or SEG_ERR_INVALID_ARG (NULL s or value, unknown or integer param).
 */
SEG_API int seg_sweep_get_double(const seg_sweep *s, seg_sweep_param param, double *value);

/**
 * The accepted range of a sweep setting (integer settings report whole
 * numbers; SEG_SWEEP_SEED reports -2^63 .. 2^63, the nearest doubles to the
 * int64 range, and SEG_SWEEP_SILHOUETTE_SAMPLE 0 .. 2^63).
 *
 * Needs no object and keeps no state: thread-safe.
 *
 * @param param any seg_sweep_param.
 * @param[out] lower receives the smallest accepted value.
 * @param[out] upper receives the largest accepted value.
 * @return SEG_OK or SEG_ERR_INVALID_ARG (unknown param, NULL lower or upper).
 */
SEG_API int seg_sweep_param_bounds(seg_sweep_param param, double *lower, double *upper);

/**
 * Set (or, with fn NULL, remove) the progress callback.
 *
 * @param s the sweep.
 * @param fn the callback, or NULL.
 * @param user passed to every call of fn; borrowed.
 * @return SEG_OK or SEG_ERR_INVALID_ARG (NULL s).
 */
SEG_API int seg_sweep_set_progress(seg_sweep *s, seg_progress_fn fn, void *user);

/**
 * Run the sweep on a float feature matrix.
 *
 * The k-means object's SEG_KMEANS_K is changed during the run and restored
 * after it; its other settings apply to every fit (SEG_INIT_GIVEN cannot be
 * used, as it fixes k).
 *
 * @param s the sweep (its earlier results are replaced).
 * @param km k-means settings (one thread at a time).
 * @param x n * d values, row-major; borrowed for the call.
 * @param n rows.
 * @param d features.
 * @param weights n weights > 0, or NULL.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL s, km or x; k_min > k_max),
 *         SEG_ERR_EMPTY (n or d is 0), SEG_ERR_CANCELLED (the progress
 *         callback asked to stop), and those of seg_kmeans_fit_f32() and the
 *         metrics. On failure no row is recorded.
 */
SEG_API int seg_sweep_run_f32(seg_sweep *s, seg_kmeans *km, const float *x, size_t n, size_t d,
                              const double *weights);

/**
 * As seg_sweep_run_f32(), for a double matrix.
 *
 * @param s the sweep (its earlier results are replaced).
 * @param km k-means settings (one thread at a time).
 * @param x n * d values, row-major; borrowed for the call.
 * @param n rows.
 * @param d features.
 * @param weights n weights > 0, or NULL.
 * @return as seg_sweep_run_f32().
 */
SEG_API int seg_sweep_run_f64(seg_sweep *s, seg_kmeans *km, const double *x, size_t n, size_t d,
                              const double *weights);

/** What a seg_sweep_fn is asked for (seg_sweep_run_source()). */
typedef enum seg_sweep_op {
    /** Fit km (its SEG_KMEANS_K set to the row's k; its other settings as
     * given) on all n rows, as seg_kmeans_fit_f32() / _f64() would, and put
     * the model in *model (the sweep frees it). The labels of that fit are
     * kept for the next LABELS and MEASURE calls. */
    SEG_SWEEP_OP_FIT = 1,
    /** Into values[0] and values[1]: the Davies-Bouldin and
     * Calinski-Harabasz indices of the last fit's labels over all n rows, as
     * seg_metrics_davies_bouldin_*() and seg_metrics_calinski_harabasz_*()
     * give them; their error when they fail. */
    SEG_SWEEP_OP_MEASURE = 2,
    /** rows holds count row numbers (0 .. n - 1, increasing): copy those
     * rows into buf (count x d values of the sweep's dtype, row-major) and,
     * when the sweep is weighted, their weights into values. */
    SEG_SWEEP_OP_ROWS = 3,
    /** rows holds count row numbers (increasing): the last fit's labels of
     * those rows into buf (count int32_t). */
    SEG_SWEEP_OP_LABELS = 4,
    /** buf holds count bytes: an int32_t status (0 or a negative SEG_ERR_
     * code) then a NUL-terminated message. When the rows are spread over
     * several processes, each running the sweep, replace them, on every
     * process, by those of the first process whose status is negative (a
     * single process: leave them). The sweep asks after the work it does
     * itself (its allocations, the stability refits, the silhouettes), so
     * that a failure there stops every process alike. */
    SEG_SWEEP_OP_AGREE = 5,
    /** Asked once, after the first AGREE. buf holds two size_t, preset to
     * 0 and 1: set them to this process's index and the number of
     * processes (0 .. P - 1 and P, the same P on every process, each index
     * on one process) to share the samples' work: the stability refits and
     * the silhouettes' rows are then cut into pieces, each process computes
     * its own pieces (by a rule of the sweep's, from the index and P) and
     * SHARE hands every process the others' results. Left as preset (a
     * single process), or on every process (each then computes every
     * piece, as before this op), the sweep records the same rows. */
    SEG_SWEEP_OP_PROCESSES = 6,
    /** Only when PROCESSES gave P > 1. rows holds count = P + 1 increasing
     * offsets into values: process p has filled values[rows[p] ..
     * rows[p + 1]) with the results of its pieces; copy each process's
     * range into every other process's values (an all-gather in place).
     * The sweep agrees (AGREE) on the pieces' failures first. */
    SEG_SWEEP_OP_SHARE = 7
} seg_sweep_op;

/**
 * The callback of seg_sweep_run_source(): where the sweep's rows are.
 *
 * @param user the pointer given to seg_sweep_run_source().
 * @param op a seg_sweep_op.
 * @param km the k-means settings (FIT, and for information otherwise).
 * @param rows row numbers (ROWS, LABELS), offsets (SHARE), else NULL.
 * @param count entries of rows (bytes of buf for AGREE, 2 for PROCESSES).
 * @param buf rows' values (ROWS), labels (LABELS), the status and
 *        message (AGREE) or the index and the number of processes
 *        (PROCESSES, two size_t), else NULL.
 * @param values weights (ROWS, weighted sweeps; else NULL), the two
 *        indices (MEASURE) or the pieces' results (SHARE).
 * @param[out] model the fit's model (FIT), else NULL.
 * @return 0, or a negative SEG_ERR_ code that ends the sweep with it.
 */
typedef int (*seg_sweep_fn)(void *user, int op, seg_kmeans *km, const size_t *rows, size_t count,
                            void *buf, double *values, seg_model **model);

/**
 * Run the sweep on n rows that are not in this process's memory as one
 * matrix (rows spread over MPI ranks: libseg-mpi's seg_mpi_sweep_run_f32()):
 * fn fits each k on all rows and measures it, and hands over the rows the
 * samples need by their row numbers: the silhouette's sample
 * (SEG_SWEEP_SILHOUETTE_SAMPLE rows, all n when 0) and the stability's base
 * sample (SEG_SWEEP_STABILITY_SAMPLE rows, all n when 0), each asked for
 * once. The draws, refits and scores are the ones seg_sweep_run_f32() /
 * _f64() makes, so a callback whose fit and measures give the bits of the
 * in-memory ones gives the same rows, chosen k and runner-up bit for bit.
 *
 * When the callback runs on several processes, each running this sweep
 * (SEG_SWEEP_OP_PROCESSES), the samples' work is shared instead of repeated:
 * the stability refits of each k (refit j of the i-th k on process
 * (i r + j) mod P, r = SEG_SWEEP_STABILITY_RESAMPLES; its labels are
 * shared) and, when several k's silhouettes are scored together (the usual
 * case, below 2^25 rows), the sample's rows, cut into P contiguous runs of
 * blocks of 16 (their scores are shared). Each piece is computed exactly
 * as a single process computes it (same draws, seeds, code and thread
 * count), so the rows are the same bits for any P. What stays on every
 * process: the draws of the samples, the pairs compared by the stability,
 * and a silhouette scored alone (a batch of one k, or d beyond the
 * register kernel).
 *
 * @param s the sweep.
 * @param km k-means settings; SEG_KMEANS_K, _SEED, _N_INIT and _THREADS are
 *        changed during the run and restored.
 * @param n rows in all.
 * @param d features.
 * @param dtype SEG_DTYPE_F32 or SEG_DTYPE_F64: the type of the rows fn copies.
 * @param weighted nonzero when the rows have weights (fn gives them).
 * @param fn the callback.
 * @param user passed to fn.
 * @return as seg_sweep_run_f32(), a code fn returned, SEG_ERR_STATE (fn gave
 *         no model or a label outside 0 .. k - 1), SEG_ERR_INVALID_ARG (NULL
 *         fn, bad dtype).
 */
SEG_API int seg_sweep_run_source(seg_sweep *s, seg_kmeans *km, size_t n, size_t d, int dtype,
                                 int weighted, seg_sweep_fn fn, void *user);

/**
 * Number of k recorded by the last successful run.
 *
 * @param s the sweep, or NULL.
 * @return k_max - k_min + 1 after a successful run; 0 before or after a failure.
 */
SEG_API size_t seg_sweep_count(const seg_sweep *s);

/**
 * A recorded value.
 *
 * @param s the sweep.
 * @param i row, 0 .. seg_sweep_count() - 1 (row i is k = k_min + i).
 * @param stat which value.
 * @param[out] out receives it.
 * @return SEG_OK or SEG_ERR_INVALID_ARG (NULL s or out, i out of range, unknown stat).
 */
SEG_API int seg_sweep_get(const seg_sweep *s, size_t i, seg_sweep_stat stat, double *out);

/**
 * The k chosen by the rule in the group description.
 *
 * @param s the sweep.
 * @param[out] k receives the chosen k.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL s or k), SEG_ERR_STATE (no successful run).
 */
SEG_API int seg_sweep_chosen(const seg_sweep *s, size_t *k);

/**
 * The k ranked next after the chosen one by the rule in the group
 * description, and why it lost.
 *
 * @param s the sweep.
 * @param[out] k receives the runner-up's k, or 0 when the sweep had one k.
 * @param[out] why receives why it lost, or 0 when there is no runner-up.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL s, k or why), SEG_ERR_STATE (no successful run).
 */
SEG_API int seg_sweep_runner_up(const seg_sweep *s, size_t *k, seg_sweep_reason *why);
/** @} */

/**
 * @defgroup campaign Campaign metrics
 *
 * How a yes/no outcome (subscribed, bought, churned) falls across segments,
 * and which segments a campaign should contact.
 *
 * Customers with control = 1 were held out of the campaign: they give the
 * held-out rate that uplift compares with. All other statistics count the
 * contacted customers (control = 0, or every customer without a control
 * column). Rows with an unknown outcome or group (-1) are counted nowhere.
 *
 * The targeting plan contacts segments in order of decreasing conversion
 * rate (ties by segment index); step s is the prefix of the first s + 1
 * segments. Segments without a contacted customer are left out of the plan.
 *
 * A campaign object is mutable (one thread at a time); once computed, its
 * getters only read it.
 *
 * Example:
 * @code{.c}
 * // Conversion of the outcome column y per segment, and whom to call first.
 * seg_dataset *ds = NULL;
 * seg_scaler *sc = NULL;
 * seg_kmeans *km = NULL;
 * seg_model *m = NULL;
 * seg_campaign *c = NULL;
 * int8_t *y = NULL;
 * int32_t *labels = NULL;
 * const char *outcome[] = {"y"};
 * size_t n = 0, best = 0;
 * int rc = seg_dataset_read_csv(&ds, "bank.csv", NULL);
 * if (rc == SEG_OK) {
 *     n = seg_dataset_rows(ds);
 *     y = malloc(n * sizeof *y);
 *     labels = malloc(n * sizeof *labels);
 *     rc = y && labels ? seg_dataset_get_outcome(ds, "y", y, n) : SEG_ERR_NOMEM;
 * }
 * if (rc == SEG_OK) // the outcome is measured, never clustered on
 *     rc = seg_dataset_drop(ds, outcome, 1);
 * if (rc == SEG_OK)
 *     rc = seg_scaler_new(&sc);
 * if (rc == SEG_OK)
 *     rc = seg_scaler_fit(sc, ds);
 * if (rc == SEG_OK)
 *     rc = seg_kmeans_new(&km);
 * if (rc == SEG_OK)
 *     rc = seg_kmeans_set_int(km, SEG_KMEANS_K, 3);
 * if (rc == SEG_OK)
 *     rc = seg_kmeans_fit_dataset(km, ds, sc, labels, &m);
 * if (rc == SEG_OK)
 *     rc = seg_campaign_new(&c);
 * if (rc == SEG_OK)
 *     rc = seg_campaign_set_double(c, SEG_CAMPAIGN_COST_PER_CONTACT, 5);
 * if (rc == SEG_OK)
 *     rc = seg_campaign_set_double(c, SEG_CAMPAIGN_REVENUE_PER_CONVERSION, 50);
 * if (rc == SEG_OK)
 *     rc = seg_campaign_compute(c, labels, n, seg_model_k(m), y, NULL);
 * for (size_t j = 0; rc == SEG_OK && j < seg_model_k(m); j++) {
 *     double rate, lift;
 *     seg_campaign_segment_stat(c, j, SEG_CAMPAIGN_RATE, &rate);
 *     seg_campaign_segment_stat(c, j, SEG_CAMPAIGN_LIFT, &lift);
 *     printf("segment %zu: %.1f %% converted, lift %.2f\n", j, 100 * rate, lift);
 * }
 * if (rc == SEG_OK)
 *     rc = seg_campaign_plan_best(c, &best);
 * if (rc == SEG_OK)
 *     printf("best plan: the first %zu segment(s) by rate\n", best + 1);
 * seg_campaign_free(c);
 * seg_model_free(m);
 * seg_kmeans_free(km);
 * seg_scaler_free(sc);
 * seg_dataset_free(ds);
 * free(labels);
 * free(y);
 * return rc < 0;
 * @endcode
 * @{
 */

/** Opaque campaign statistics. */
typedef struct seg_campaign seg_campaign;

/** Money settings, for seg_campaign_set_double(). */
typedef enum seg_campaign_param {
    SEG_CAMPAIGN_COST_PER_CONTACT = 100,      /**< Cost of contacting one customer (>= 0; unset: no ROI). */
    SEG_CAMPAIGN_REVENUE_PER_CONVERSION = 101 /**< Revenue of one conversion (>= 0; unset: no ROI). */
} seg_campaign_param;

/** Per-segment statistics, for seg_campaign_segment_stat(). */
typedef enum seg_campaign_stat {
    SEG_CAMPAIGN_CONTACTS = 100,              /**< Contacted customers with a known outcome. */
    SEG_CAMPAIGN_CONVERSIONS = 101,           /**< Of them, outcome 1. */
    SEG_CAMPAIGN_RATE = 102,                  /**< Conversions / contacts (NaN without contacts). */
    SEG_CAMPAIGN_RATE_LOW = 103,              /**< Lower bound of the 95 % Wilson score interval of the rate. */
    SEG_CAMPAIGN_RATE_HIGH = 104,             /**< Upper bound of the 95 % Wilson score interval. */
    SEG_CAMPAIGN_LIFT = 105,                  /**< Rate / rate of all contacted customers. */
    SEG_CAMPAIGN_HELD_OUT = 106,              /**< Held-out customers (control = 1) with a known outcome. */
    SEG_CAMPAIGN_HELD_OUT_CONVERSIONS = 107,  /**< Of them, outcome 1. */
    SEG_CAMPAIGN_HELD_OUT_RATE = 108,         /**< Held-out conversions / held-out customers. */
    SEG_CAMPAIGN_UPLIFT = 109,                /**< Rate - held-out rate (NaN without held-out customers). */
    SEG_CAMPAIGN_ROI = 110,                   /**< (revenue x conversions - cost x contacts) / (cost x contacts). */
    SEG_CAMPAIGN_OPTED_OUT = 111              /**< Rows opted out of contact (seg_campaign_set_opted_out()), whatever their outcome; counted in no other figure. */
} seg_campaign_stat;

/** Statistics of a plan step (a prefix of segments), for seg_campaign_plan_stat(). */
typedef enum seg_plan_stat {
    SEG_PLAN_SEGMENT = 100,            /**< The segment this step adds (-1: the pooled withheld group, see seg_campaign_set_withheld()). */
    SEG_PLAN_CONTACTS = 101,           /**< Customers contacted by the prefix. */
    SEG_PLAN_CONVERSIONS = 102,        /**< Conversions reached by the prefix. */
    SEG_PLAN_CONVERSION_SHARE = 103,   /**< Conversions reached / all conversions. */
    SEG_PLAN_CONTACTS_AVOIDED = 104,   /**< Contacted customers the prefix leaves out. */
    SEG_PLAN_ROI = 105,                /**< ROI of the prefix (NaN without cost and revenue). */
    SEG_PLAN_PROFIT = 106              /**< revenue x conversions - cost x contacts (NaN without them). */
} seg_plan_stat;

/**
 * @name Counting and planning
 * @{
 */

/**
 * Create an empty campaign (no cost or revenue set).
 *
 * @param[out] out receives the object; the caller frees it with
 *        seg_campaign_free(). NULL on failure.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL out) or SEG_ERR_NOMEM.
 */
SEG_API int seg_campaign_new(seg_campaign **out);

/**
 * Free a campaign. Accepts NULL.
 *
 * @param c the campaign, or NULL.
 */
SEG_API void seg_campaign_free(seg_campaign *c);

/**
 * Set the cost per contact or the revenue per conversion (used by the ROI and
 * the default plan). May be set before or after seg_campaign_compute().
 *
 * @param c the campaign (one thread at a time).
 * @param param which setting.
 * @param value finite and >= 0.
 * @return SEG_OK or SEG_ERR_INVALID_ARG (NULL c, unknown param, bad value).
 */
SEG_API int seg_campaign_set_double(seg_campaign *c, seg_campaign_param param, double value);

/**
 * Read the cost per contact or the revenue per conversion.
 *
 * @param c the campaign.
 * @param param which setting.
 * @param[out] value receives its value; NaN while it is unset.
 * @return SEG_OK or SEG_ERR_INVALID_ARG (NULL c or value, unknown param).
 */
SEG_API int seg_campaign_get_double(const seg_campaign *c, seg_campaign_param param, double *value);

/**
 * The accepted range of a campaign setting: 0 .. DBL_MAX (finite and >= 0).
 *
 * Needs no object and keeps no state: thread-safe.
 *
 * @param param any seg_campaign_param.
 * @param[out] lower receives the smallest accepted value.
 * @param[out] upper receives the largest accepted value.
 * @return SEG_OK or SEG_ERR_INVALID_ARG (unknown param, NULL lower or upper).
 */
SEG_API int seg_campaign_param_bounds(seg_campaign_param param, double *lower, double *upper);

/**
 * Count outcomes per segment and build the targeting plan. Replaces the
 * results of an earlier call.
 *
 * @param c the campaign (one thread at a time).
 * @param labels n segment labels in 0 .. k-1; borrowed for the call.
 * @param n rows.
 * @param k segments.
 * @param outcome n values: 1 converted, 0 not, -1 unknown.
 * @param control n values: 1 held out of the campaign, 0 contacted, -1
 *        unknown; or NULL when everyone was contacted.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL c; NULL labels or outcome with
 *         n > 0; k is 0 or above 10^6; a label, outcome or control value out
 *         of range, the detail naming the row), SEG_ERR_MISMATCH (withheld
 *         flags were set for another k, see seg_campaign_set_withheld()),
 *         SEG_ERR_NOMEM.
 */
SEG_API int seg_campaign_compute(seg_campaign *c, const int32_t *labels, size_t n, size_t k,
                                 const int8_t *outcome, const int8_t *control);

/** Where each count of a segment sits in the counts of seg_campaign_count()
 * and seg_campaign_compute_counts(): segment j's count f is
 * counts[j * SEG_CAMPAIGN_COUNT_FIELDS + f]. */
typedef enum seg_campaign_count_field {
    SEG_CAMPAIGN_COUNT_CONTACTS = 0,                /**< Contacted rows with a known outcome (SEG_CAMPAIGN_CONTACTS). */
    SEG_CAMPAIGN_COUNT_CONVERSIONS = 1,             /**< Of them, outcome 1 (SEG_CAMPAIGN_CONVERSIONS). */
    SEG_CAMPAIGN_COUNT_HELD_OUT = 2,                /**< Held-out rows with a known outcome (SEG_CAMPAIGN_HELD_OUT). */
    SEG_CAMPAIGN_COUNT_HELD_OUT_CONVERSIONS = 3,    /**< Of them, outcome 1 (SEG_CAMPAIGN_HELD_OUT_CONVERSIONS). */
    SEG_CAMPAIGN_COUNT_OPTED_OUT = 4,               /**< Opted-out rows (SEG_CAMPAIGN_OPTED_OUT). */
    SEG_CAMPAIGN_COUNT_FIELDS = 5                   /**< Counts per segment. */
} seg_campaign_count_field;

/**
 * Count the outcomes of some rows per segment, added to counts: the first
 * half of seg_campaign_compute(), for rows held in parts (MPI ranks, chunks
 * of a file). The counts are integers, so parts summed in any order give
 * the counts of all rows exactly; seg_campaign_compute_counts() then gives
 * the figures and plan seg_campaign_compute() gives on all rows at once
 * (which is how seg_campaign_compute() itself works).
 *
 * Rows count as in seg_campaign_compute(): a row opted out (the flags of
 * seg_campaign_set_opted_out(), which then describe these n rows) only in
 * SEG_CAMPAIGN_COUNT_OPTED_OUT; a row with an unknown outcome or group
 * nowhere; a held-out row (control 1) in the held-out counts, any other in
 * the contacts. Nothing is added unless every row is valid. c is only
 * read: several threads may count their parts of the rows with one
 * campaign at once, each into counts of its own.
 *
 * @param c the campaign; only its opt-out flags are read.
 * @param labels n segment labels in 0 .. k-1; borrowed for the call.
 * @param n rows.
 * @param k segments.
 * @param outcome n values: 1 converted, 0 not, -1 unknown.
 * @param control n values: 1 held out, 0 contacted, -1 unknown; or NULL.
 * @param[in,out] counts k x SEG_CAMPAIGN_COUNT_FIELDS counts, added to
 *        (zero them before the first part).
 * @param len the length of counts: k x SEG_CAMPAIGN_COUNT_FIELDS.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL c or counts; NULL labels or
 *         outcome with n > 0; k is 0 or above 10^6; a label, outcome or
 *         control value out of range, the detail naming the row),
 *         SEG_ERR_MISMATCH (len is not k x SEG_CAMPAIGN_COUNT_FIELDS;
 *         opt-out flags set for another number of rows).
 */
SEG_API int seg_campaign_count(const seg_campaign *c, const int32_t *labels, size_t n, size_t k,
                               const int8_t *outcome, const int8_t *control, uint64_t *counts,
                               size_t len);

/**
 * Build the figures and the targeting plan from per-segment counts (of
 * seg_campaign_count(), summed over the parts of the rows). Replaces the
 * results of an earlier compute; the withheld flags
 * (seg_campaign_set_withheld()), cost and revenue apply as for
 * seg_campaign_compute(); opt-out flags are not read (the counts hold the
 * opted-out rows already).
 *
 * @param c the campaign (one thread at a time).
 * @param counts k x SEG_CAMPAIGN_COUNT_FIELDS counts (see
 *        seg_campaign_count_field); copied.
 * @param k segments.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL c or counts; k is 0 or above
 *         10^6; a segment with more conversions than contacts, or more
 *         held-out conversions than held-out rows; a count or a total above
 *         2^53, past which a double is not exact), SEG_ERR_MISMATCH
 *         (withheld flags set for another k), SEG_ERR_NOMEM. On failure the
 *         campaign is left not computed.
 */
SEG_API int seg_campaign_compute_counts(seg_campaign *c, const uint64_t *counts, size_t k);

/**
 * Mark the rows whose customers opted out of personalised campaigns. The
 * next seg_campaign_compute() counts them only in SEG_CAMPAIGN_OPTED_OUT:
 * never in contacts, conversions, rates or any plan step, so a plan never
 * counts (nor a contact list built from it contains) an opted-out customer.
 * They stay in the segmentation and its profiles, which the campaign does
 * not touch. The flags stay for later computes.
 *
 * @param c the campaign (one thread at a time).
 * @param opted_out n flags, nonzero = opted out; copied. NULL with n 0
 *        clears them.
 * @param n the rows of the next seg_campaign_compute() (SEG_ERR_MISMATCH
 *        there otherwise).
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL c; NULL flags with n > 0),
 *         SEG_ERR_NOMEM (the earlier flags are kept).
 */
SEG_API int seg_campaign_set_opted_out(seg_campaign *c, const uint8_t *opted_out, size_t n);

/**
 * A per-segment statistic.
 *
 * @param c the campaign.
 * @param segment 0 .. k-1, or k for all customers.
 * @param stat which statistic.
 * @param[out] out receives the value (NaN where it is undefined, see
 *        seg_campaign_stat).
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL c or out, segment > k, unknown
 *         stat), SEG_ERR_STATE (not computed, or the segment's figures are
 *         withheld: see seg_campaign_set_withheld()).
 */
SEG_API int seg_campaign_segment_stat(const seg_campaign *c, size_t segment,
                                      seg_campaign_stat stat, double *out);

/**
 * Number of steps of the targeting plan: the segments with at least one
 * contacted customer.
 *
 * @param c the campaign, or NULL.
 * @return the number of steps; 0 before a successful seg_campaign_compute().
 */
SEG_API size_t seg_campaign_plan_steps(const seg_campaign *c);

/**
 * A statistic of a plan step (cumulative over the segments up to it).
 *
 * @param c the campaign.
 * @param step 0 .. seg_campaign_plan_steps() - 1.
 * @param stat which statistic.
 * @param[out] out receives the value.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL c or out, step out of range,
 *         unknown stat), SEG_ERR_STATE (not computed).
 */
SEG_API int seg_campaign_plan_stat(const seg_campaign *c, size_t step, seg_plan_stat stat,
                                   double *out);

/**
 * The recommended plan step.
 *
 * With a cost and a revenue: the prefix with the highest profit (revenue x
 * conversions - cost x contacts), the shortest one on ties. That is the
 * prefix of every segment whose conversion rate exceeds cost / revenue;
 * maximising the ROI ratio instead would always pick the first segment alone,
 * since each added segment converts less. Without them: the prefix of the
 * segments whose rate is at least the overall rate (lift >= 1).
 *
 * @param c the campaign.
 * @param[out] step receives the step index.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL c or step), SEG_ERR_STATE (not
 *         computed), SEG_ERR_EMPTY (the plan has no step).
 */
SEG_API int seg_campaign_plan_best(const seg_campaign *c, size_t *step);
/** @} */

/**
 * @name Campaign figures under a minimum segment size
 *
 * A model fitted with a minimum profile size withholds the profiles of its
 * smallest segments (see seg_model_profile_withheld()). Their conversion
 * rates would describe as few people, so a campaign can be told the same
 * withheld set: it then reports those segments only as one pooled group.
 *
 * - seg_campaign_segment_stat() fails with SEG_ERR_STATE for a withheld
 *   segment; seg_campaign_withheld_stat() gives the pooled group's
 *   statistics (its counts are the sums over the withheld segments, its rate,
 *   interval, lift, uplift and ROI are computed from those sums).
 * - The plan treats the group as one unit: one step adds all of its
 *   segments at once (SEG_PLAN_SEGMENT is -1 there), placed by the pooled
 *   rate; so no difference of two plan steps isolates one withheld segment.
 * - When the whole population is withheld (fewer customers than the
 *   threshold in all), every figure, everyone's included, is withheld and
 *   the plan is empty.
 *
 * Everyone's figures minus the shown segments' give the pooled group's,
 * which is already shown: nothing finer can be worked out. The group holds
 * at least the threshold's number of training customers when the flags come
 * from the model whose labels the campaign counts.
 * @{
 */

/**
 * Mark segments whose figures are withheld (pooled into one group). May be
 * called before or after seg_campaign_compute(); after it, the plan is
 * rebuilt from the counts already made. The flags stay for later computes.
 *
 * @param c the campaign (one thread at a time).
 * @param withheld k + 1 flags, nonzero = withheld: one per segment, then one
 *        for everyone (withholds every figure). Fill it with
 *        seg_model_profile_withheld(m, j) for j = 0 .. k. Copied. NULL with
 *        len 0 clears the flags.
 * @param len k + 1, or 0 to clear.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL c; NULL withheld with len > 0),
 *         SEG_ERR_MISMATCH (computed with another k: len is not k + 1; a
 *         later seg_campaign_compute() with another k fails the same way),
 *         SEG_ERR_NOMEM (the earlier flags and plan are kept).
 */
SEG_API int seg_campaign_set_withheld(seg_campaign *c, const uint8_t *withheld, size_t len);

/**
 * A statistic of the pooled group of withheld segments.
 *
 * @param c the campaign.
 * @param stat which statistic (as for seg_campaign_segment_stat(); the lift
 *        compares the pooled rate with everyone's).
 * @param[out] out receives the value (NaN where it is undefined).
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL c or out, unknown stat),
 *         SEG_ERR_STATE (not computed, or everyone is withheld),
 *         SEG_ERR_EMPTY (no segment is withheld).
 */
SEG_API int seg_campaign_withheld_stat(const seg_campaign *c, seg_campaign_stat stat,
                                       double *out);
/** @} */

/** @} */

/**
 * @defgroup fairness Fairness of a partition
 *
 * How the groups of a protected attribute (age band, marital status, ...)
 * fall across the segments of any partition, given one segment label and
 * one group code per row: counts and shares per segment, the
 * representation ratio p(g|s) / p(g), the total-variation distance
 * 1/2 sum_g |p(g|s) - p(g)|, the balance of Chierichetti et al. (2017) in
 * the many-group form of Bera et al. (2019), min over groups of
 * min(p(g|s)/p(g), p(g)/p(g|s)) (0 when a group present in the data is
 * absent from the segment), the selection rate of each group under a plan,
 * the adverse impact ratio (lowest rate / highest rate; below 0.8 fails the
 * four-fifths screening rule of 29 CFR 1607.4(D)), Fisher's exact test of
 * each group against the rest, and the normalised mutual information of
 * segment and group (a proxy check: how well the label alone tells the
 * group).
 *
 * p(g) and p(g|s) count the rows with a known group (code >= 0); rows with
 * code -1 are counted only as unknown. No weights. A fairness object is
 * mutable (one thread at a time); once computed, its getters only read it.
 * The Fisher test calls lgamma(), which in glibc also writes the global
 * signgam.
 *
 * Example:
 * @code{.c}
 * // Six customers in two segments, two groups (one customer's unknown);
 * // the plan selects segment 0.
 * const int32_t labels[] = {0, 0, 0, 1, 1, 1};
 * const int32_t groups[] = {0, 1, 0, 1, 1, -1};
 * const uint8_t selected[] = {1, 1, 1, 0, 0, 0};
 * seg_fairness *f = NULL;
 * double balance = 0, impact = 0, nmi = 0;
 * int rc = seg_fairness_new(&f);
 * if (rc == SEG_OK)
 *     rc = seg_fairness_compute(f, labels, groups, 6, 2, 2, selected);
 * if (rc == SEG_OK)
 *     rc = seg_fairness_stat(f, SEG_FAIRNESS_OVERALL_BALANCE, &balance);
 * if (rc == SEG_OK)
 *     rc = seg_fairness_stat(f, SEG_FAIRNESS_ADVERSE_IMPACT_RATIO, &impact);
 * if (rc == SEG_OK)
 *     rc = seg_fairness_stat(f, SEG_FAIRNESS_NMI, &nmi);
 * if (rc == SEG_OK)
 *     printf("balance %.3f, adverse impact ratio %.3f%s, NMI %.3f\n", balance, impact,
 *            impact < 0.8 ? " (below 0.8)" : "", nmi);
 * seg_fairness_free(f);
 * return rc < 0;
 * @endcode
 * @{
 */

/** Opaque fairness figures of one partition on one protected attribute. */
typedef struct seg_fairness seg_fairness;

/** Figures of one group in one segment, for seg_fairness_cell_stat(). */
typedef enum seg_fairness_cell_figure {
    SEG_FAIRNESS_COUNT = 100,         /**< Rows of the group in the segment (segment k: in all). */
    SEG_FAIRNESS_SHARE = 101,         /**< p(g|s): count / rows of the segment with a known group (NaN: empty segment). */
    SEG_FAIRNESS_REPRESENTATION = 102 /**< p(g|s) / p(g) (NaN: empty segment or group absent from the data). */
} seg_fairness_cell_figure;

/** Figures of one segment, for seg_fairness_segment_stat(). */
typedef enum seg_fairness_segment_figure {
    SEG_FAIRNESS_SIZE = 200,   /**< Rows of the segment with a known group. */
    SEG_FAIRNESS_TVD = 201,    /**< 1/2 sum_g |p(g|s) - p(g)|, 0 .. 1 (NaN: empty segment). */
    SEG_FAIRNESS_BALANCE = 202 /**< min over groups with p(g) > 0 of min(p(g|s)/p(g), p(g)/p(g|s)), 0 .. 1 (NaN: empty segment). */
} seg_fairness_segment_figure;

/** Figures of one group under the selection, for seg_fairness_group_stat(). */
typedef enum seg_fairness_group_figure {
    SEG_FAIRNESS_GROUP_SIZE = 300,     /**< Rows of the group. */
    SEG_FAIRNESS_SELECTED = 301,       /**< Of them, selected. */
    SEG_FAIRNESS_SELECTION_RATE = 302, /**< Selected / rows of the group (NaN: no rows). */
    SEG_FAIRNESS_IMPACT_RATIO = 303,   /**< The group's rate / the highest group rate (NaN when nobody is selected). */
    SEG_FAIRNESS_FISHER_P = 304        /**< Two-sided Fisher exact p-value, the group against all other rows, selected or not (NaN when either side is empty). */
} seg_fairness_group_figure;

/** Figures of the whole partition, for seg_fairness_stat(). */
typedef enum seg_fairness_figure {
    SEG_FAIRNESS_ROWS = 400,                  /**< Rows with a known group. */
    SEG_FAIRNESS_UNKNOWN = 401,               /**< Rows with group -1. */
    SEG_FAIRNESS_OVERALL_BALANCE = 402,       /**< Minimum balance over the non-empty segments. */
    SEG_FAIRNESS_MAX_TVD = 403,               /**< Largest total-variation distance over the non-empty segments. */
    SEG_FAIRNESS_ADVERSE_IMPACT_RATIO = 404,  /**< Lowest / highest selection rate over the groups with rows (NaN when nobody is selected). */
    SEG_FAIRNESS_MUTUAL_INFORMATION = 405,    /**< I(segment; group) in nats. */
    SEG_FAIRNESS_NMI = 406                    /**< I / ((H(segment) + H(group)) / 2), 0 .. 1: the arithmetic normalisation (scikit-learn's normalized_mutual_info_score, average_method="arithmetic"); 0 when either entropy is 0 (scikit-learn gives 1 when both are). */
} seg_fairness_figure;

/**
 * Create an empty fairness object.
 *
 * @param[out] out receives the object; the caller frees it with
 *        seg_fairness_free(). NULL on failure.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL out) or SEG_ERR_NOMEM.
 */
SEG_API int seg_fairness_new(seg_fairness **out);

/**
 * Free a fairness object. Accepts NULL.
 *
 * @param f the object, or NULL.
 */
SEG_API void seg_fairness_free(seg_fairness *f);

/**
 * Count the groups per segment (and the selection, when given). Replaces
 * the results of an earlier call.
 *
 * @param f the object (one thread at a time).
 * @param labels n segment labels in 0 .. k-1; borrowed for the call.
 * @param groups n group codes in 0 .. g-1, or -1 for an unknown group
 *        (counted only by SEG_FAIRNESS_UNKNOWN); borrowed for the call.
 * @param n rows.
 * @param k segments (1 .. 10^6).
 * @param g groups (1 .. 10^6); a code that no row has is an absent group.
 * @param selected n flags, nonzero = selected by the plan (e.g. in a
 *        contacted segment and not opted out); or NULL, and then the
 *        selection figures fail with SEG_ERR_STATE.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL f; NULL labels or groups with
 *         n > 0; k or g out of range; a label or code out of range, the
 *         detail naming the row), SEG_ERR_NOMEM (the object is then empty).
 */
SEG_API int seg_fairness_compute(seg_fairness *f, const int32_t *labels, const int32_t *groups,
                                 size_t n, size_t k, size_t g, const uint8_t *selected);

/**
 * Set the figures from counts made elsewhere, as seg_fairness_compute()
 * would from the rows they count: the same figures, bit for bit (every
 * figure is a function of these counts). For counts added up over
 * processes (libseg-mpi's seg_mpi_fairness_compute()) or kept by a
 * stream. Replaces the results of an earlier call.
 *
 * @param f the object (one thread at a time).
 * @param counts k * g counts, segment-major: counts[s * g + c] rows of
 *        group c in segment s; borrowed for the call.
 * @param k segments (1 .. 10^6).
 * @param g groups (1 .. 10^6).
 * @param unknown rows with an unknown group.
 * @param selected g counts: the selected rows of each group (at most its
 *        rows); or NULL, and then the selection figures fail with
 *        SEG_ERR_STATE.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL f or counts; k or g out of
 *         range; more than 2^50 rows in all; a group with more selected
 *         rows than rows, the detail naming it), SEG_ERR_NOMEM (the object
 *         is then empty).
 */
SEG_API int seg_fairness_compute_counts(seg_fairness *f, const uint64_t *counts, size_t k,
                                        size_t g, uint64_t unknown, const uint64_t *selected);

/**
 * A figure of one group in one segment.
 *
 * @param f the object.
 * @param segment 0 .. k-1, or k for everyone.
 * @param group 0 .. g-1.
 * @param stat which figure.
 * @param[out] out receives the value (NaN where undefined, see
 *        seg_fairness_cell_stat).
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL f or out, index out of range,
 *         unknown stat), SEG_ERR_STATE (not computed).
 */
SEG_API int seg_fairness_cell_stat(const seg_fairness *f, size_t segment, size_t group,
                                   seg_fairness_cell_figure stat, double *out);

/**
 * A figure of one segment.
 *
 * @param f the object.
 * @param segment 0 .. k-1, or k for everyone (TVD 0, balance 1).
 * @param stat which figure.
 * @param[out] out receives the value (NaN for an empty segment).
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL f or out, segment > k, unknown
 *         stat), SEG_ERR_STATE (not computed).
 */
SEG_API int seg_fairness_segment_stat(const seg_fairness *f, size_t segment,
                                      seg_fairness_segment_figure stat, double *out);

/**
 * A figure of one group under the selection.
 *
 * @param f the object.
 * @param group 0 .. g-1.
 * @param stat which figure.
 * @param[out] out receives the value (NaN where undefined).
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL f or out, group out of range,
 *         unknown stat), SEG_ERR_STATE (not computed, or computed without a
 *         selection and stat is not SEG_FAIRNESS_GROUP_SIZE).
 */
SEG_API int seg_fairness_group_stat(const seg_fairness *f, size_t group,
                                    seg_fairness_group_figure stat, double *out);

/**
 * A figure of the whole partition.
 *
 * @param f the object.
 * @param stat which figure.
 * @param[out] out receives the value (NaN where undefined).
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL f or out, unknown stat),
 *         SEG_ERR_STATE (not computed; or SEG_FAIRNESS_ADVERSE_IMPACT_RATIO
 *         without a selection).
 */
SEG_API int seg_fairness_stat(const seg_fairness *f, seg_fairness_figure stat, double *out);

/**
 * Two-sided Fisher exact test of the 2 x 2 table [[a, b], [c, d]]: the sum
 * of the hypergeometric probabilities (margins fixed) of every table no
 * more probable than the observed one (within a relative 1e-7, as R's
 * fisher.test()), summed exactly over the support in log space (lgamma).
 * Needs no object; see the group's note on lgamma and threads.
 *
 * @param a, b, c, d the counts (each and their sum at most 2^50).
 * @param[out] p receives the p-value, 0 .. 1.
 * @return SEG_OK or SEG_ERR_INVALID_ARG (NULL p, counts too large).
 */
SEG_API int seg_fairness_fisher_exact(uint64_t a, uint64_t b, uint64_t c, uint64_t d, double *p);
/** @} */

/**
 * @defgroup rfm RFM analysis
 *
 * Recency, frequency and monetary value per customer from a transaction log,
 * read as a stream: memory grows with the number of customers (and, when an
 * invoice column is given, of distinct invoices), never with the number of
 * transaction rows.
 *
 * Policy, applied to each row in this order (each case is counted, see
 * seg_rfm_count()):
 *  1. a row without a customer id (empty field) is skipped (SEG_RFM_NO_CUSTOMER);
 *  2. a row whose date, amount, quantity or price does not parse is an error
 *     naming the line, or with SEG_RFM_SKIP_BAD_ROWS = 1 a counted skip
 *     (SEG_RFM_BAD_ROWS); so is a record with the wrong number of fields;
 *  3. the line's amount is the amount column, or quantity x price;
 *  4. a row dated after the reference date (only possible with SEG_RFM_AS_OF)
 *     is left out (SEG_RFM_AFTER_REFERENCE);
 *  5. a return or cancellation (amount <= 0, or an invoice id starting with
 *     'C' when an invoice column is given) is left out of R, F and M
 *     (SEG_RETURNS_EXCLUDE, default) or has its |amount| subtracted from M
 *     (SEG_RETURNS_SUBTRACT); it never changes R or F (SEG_RFM_RETURNS);
 *  6. any other row is a purchase (SEG_RFM_PURCHASES).
 *
 * Definitions: reference date = SEG_RFM_AS_OF, by default the calendar day
 * after the latest date of the rows with a customer id. Recency = whole days
 * from the calendar date of the customer's last purchase to the reference
 * date. Frequency = distinct invoices with a purchase when an invoice column
 * is given, else purchase rows. Monetary = sum of purchase amounts (minus
 * returns under SEG_RETURNS_SUBTRACT). Customers without any purchase are left
 * out of the result (SEG_RFM_RETURN_ONLY_CUSTOMERS).
 *
 * Scores: per dimension, with `rank` the 1-based rank among the N customers
 * where ties share the lowest rank (higher frequency and monetary value and
 * more recent purchases rank higher), score = 1 + floor(B x (rank - 1) / N)
 * for B bins (SEG_RFM_BINS, default 5): the result does not depend on the
 * order of the rows. Or, with seg_rfm_set_cuts(), the user's cut points.
 * Frequency by default (SEG_RFM_FREQUENCY_CUTS = SEG_RFM_CUTS_AUTO) falls back
 * to the fixed cuts 1, 2, 3, 4-5, 6+ when ties make the rank thresholds not
 * strictly increasing (most customers bought once: levels 2 and 3 would be
 * empty); seg_rfm_cuts_used() tells which way each dimension was scored.
 * seg_rfm_warnings() lists what looks wrong in the result (a reference date
 * far after the bulk of the log).
 *
 * Segments: a first-match rule table maps the (R, F, M) scores to names;
 * customers no rule matches are in "Other". The
 * default table (used when every dimension has 5 score levels; otherwise
 * every customer is "Other" unless seg_rfm_set_rules() gives a table):
 *
 *     Champions,            R 4-5, F 4-5, M 4-5
 *     Loyal,                R 3-5, F 4-5, M *
 *     Can't lose them,      R 1-2, F 5,   M 4-5
 *     At risk,              R 1-2, F 3-5, M 3-5
 *     Potential loyalists,  R 4-5, F 2-3, M 2-5
 *     New,                  R 5,   F 1,   M *
 *     Promising,            R 4,   F 1,   M *
 *     Need attention,       R 3,   F 2-3, M 2-5
 *     About to sleep,       R 3,   F 1-2, M *
 *     Hibernating,          R 2,   F 1-2, M *
 *     Lost,                 R 1,   F 1-2, M *
 *
 * Dates (SEG_RFM_DATE_FORMAT unset): ISO 8601 (2010-12-01, 2010-12-01 08:26,
 * 2010-12-01 08:26:00, 2010-12-01T08:26:00) and US month/day/year (12/1/10
 * 8:26, 12/01/2010); two-digit years are 1969 .. 2068. The time of day is
 * checked and dropped. A format such as "%d.%m.%Y %H:%M" reads anything
 * else: %Y %y %m %d %e %b %B %j %H %M %S %p %% (English month names, never the
 * process locale); a space matches one or more blanks.
 *
 * Threads: a seg_rfm belongs to one thread at a time; once finished, its
 * accessors only read it and may be called from several threads at once.
 *
 * Example:
 * @code{.c}
 * seg_rfm *r = NULL;
 * int rc = seg_rfm_new(&r);
 * if (rc == SEG_OK)
 *     rc = seg_rfm_set_string(r, SEG_RFM_CUSTOMER_COLUMN, "CustomerID");
 * if (rc == SEG_OK)
 *     rc = seg_rfm_set_string(r, SEG_RFM_DATE_COLUMN, "InvoiceDate");
 * if (rc == SEG_OK)
 *     rc = seg_rfm_set_string(r, SEG_RFM_QUANTITY_COLUMN, "Quantity");
 * if (rc == SEG_OK)
 *     rc = seg_rfm_set_string(r, SEG_RFM_PRICE_COLUMN, "UnitPrice");
 * if (rc == SEG_OK)
 *     rc = seg_rfm_set_string(r, SEG_RFM_INVOICE_COLUMN, "InvoiceNo");
 * if (rc == SEG_OK)
 *     rc = seg_rfm_read_csv(r, "sales.csv"); // or seg_rfm_add() row by row
 * if (rc == SEG_OK)
 *     rc = seg_rfm_finish(r);
 * for (size_t i = 0; rc == SEG_OK && i < seg_rfm_customers(r); i++) {
 *     int64_t recency, frequency;
 *     double monetary;
 *     int32_t score[3];
 *     size_t segment;
 *     seg_rfm_get(r, i, &recency, &frequency, &monetary, score, &segment);
 *     printf("%s: %lld days, %lld invoices, %.2f: R%d F%d M%d %s\n", seg_rfm_customer(r, i),
 *            (long long)recency, (long long)frequency, monetary, (int)score[0],
 *            (int)score[1], (int)score[2], seg_rfm_segment_name(r, segment));
 * }
 * if (rc < 0)
 *     fprintf(stderr, "%s\n", seg_last_error());
 * seg_rfm_free(r);
 * return rc < 0;
 * @endcode
 * @{
 */

/** Opaque RFM accumulator and result. */
typedef struct seg_rfm seg_rfm;

/** Treatment of returns and cancellations (SEG_RFM_RETURNS). */
typedef enum seg_rfm_returns {
    SEG_RETURNS_EXCLUDE = 0, /**< Left out of R, F and M (default). */
    SEG_RETURNS_SUBTRACT = 1 /**< |amount| subtracted from M; R and F unchanged. */
} seg_rfm_returns;

/** RFM settings: integer ones through seg_rfm_set_int(), text ones through seg_rfm_set_string(). */
typedef enum seg_rfm_param {
    SEG_RFM_RETURNS = 100,       /**< int: seg_rfm_returns (default SEG_RETURNS_EXCLUDE). */
    SEG_RFM_BINS = 101,          /**< int: score levels of rank scoring (default 5; 2 .. 100). */
    SEG_RFM_SKIP_BAD_ROWS = 102, /**< int: 1 = count and skip unparseable rows, 0 = fail (default 0). */
    SEG_RFM_DELIMITER = 103,     /**< int: CSV delimiter byte, 0 = detect ',', ';' or tab (default 0). */
    SEG_RFM_FREQUENCY_CUTS = 104, /**< int: seg_rfm_cuts, how F is scored without user cuts: SEG_RFM_CUTS_AUTO (default), _QUANTILE or _FIXED. */
    SEG_RFM_THREADS = 105,       /**< int: threads of seg_rfm_read_csv(), which reads a regular file of more than 16 MiB in parts (8 to 64 MiB), one per thread at a time, merged in file order; 0 = all cores (default), 1 = one reader. Every result, error and warning is the same whatever the value. Since 0.2. */
    SEG_RFM_CUSTOMER_COLUMN = 200, /**< text: customer id column (required by seg_rfm_read_csv()). */
    SEG_RFM_DATE_COLUMN = 201,     /**< text: transaction date column (required by seg_rfm_read_csv()). */
    SEG_RFM_AMOUNT_COLUMN = 202,   /**< text: line amount column (or quantity and price). */
    SEG_RFM_QUANTITY_COLUMN = 203, /**< text: quantity column (with SEG_RFM_PRICE_COLUMN). */
    SEG_RFM_PRICE_COLUMN = 204,    /**< text: unit price column (with SEG_RFM_QUANTITY_COLUMN). */
    SEG_RFM_INVOICE_COLUMN = 205,  /**< text: invoice id column (optional). */
    SEG_RFM_DATE_FORMAT = 206,     /**< text: strftime-style date format (default: the built-in forms). */
    SEG_RFM_AS_OF = 207            /**< text: reference date, in the date forms accepted (default: the day after the latest date). */
} seg_rfm_param;

/** What seg_rfm_count() counts. */
typedef enum seg_rfm_counter {
    SEG_RFM_ROWS = 0,                  /**< Data rows read (every case below is one of them). */
    SEG_RFM_NO_CUSTOMER = 1,           /**< Rows skipped for an empty customer id. */
    SEG_RFM_BAD_ROWS = 2,              /**< Rows skipped as unparseable (SEG_RFM_SKIP_BAD_ROWS). */
    SEG_RFM_AFTER_REFERENCE = 3,       /**< Rows dated after SEG_RFM_AS_OF, left out. */
    SEG_RFM_RETURNS_COUNT = 4,         /**< Return and cancellation rows. */
    SEG_RFM_PURCHASES = 5,             /**< Purchase rows. */
    SEG_RFM_CUSTOMERS = 6,             /**< Customers in the result (with a purchase). */
    SEG_RFM_RETURN_ONLY_CUSTOMERS = 7, /**< Customers with rows but no purchase, left out. */
    SEG_RFM_INVOICES = 8               /**< Distinct (customer, invoice) pairs with a purchase (0 without an invoice column). */
} seg_rfm_counter;

/**
 * How a dimension is scored. SEG_RFM_FREQUENCY_CUTS takes AUTO, QUANTILE or
 * FIXED; seg_rfm_cuts_used() reports QUANTILE, FIXED or USER.
 */
typedef enum seg_rfm_cuts {
    SEG_RFM_CUTS_AUTO = 0,     /**< F: quantile (rank) scores, unless their thresholds are not
                                    strictly increasing (ties leave a level empty); then fixed cuts. */
    SEG_RFM_CUTS_QUANTILE = 1, /**< Rank scores, 1 + floor(B (rank - 1) / N). */
    SEG_RFM_CUTS_FIXED = 2,    /**< F: the fixed cuts 2, 3, 4, then c_j = 2 c_{j-1} - 2 (levels
                                    1, 2, 3, 4-5, 6-9, ...; 5 levels: 1, 2, 3, 4-5, 6+). */
    SEG_RFM_CUTS_USER = 3      /**< The cut points of seg_rfm_set_cuts(). */
} seg_rfm_cuts;

/** What a warning of seg_rfm_warning() is about. */
typedef enum seg_rfm_warning_code {
    /** The reference date is more than 365 days after the 99th percentile of
     * the rows' dates: one far-future row (a 9999-12-31 placeholder) moves every
     * recency. */
    SEG_RFM_WARN_FAR_REFERENCE = 1
} seg_rfm_warning_code;

/** The three RFM dimensions. */
typedef enum seg_rfm_dim {
    SEG_RFM_R = 0, /**< Recency (days; smaller is better). */
    SEG_RFM_F = 1, /**< Frequency. */
    SEG_RFM_M = 2  /**< Monetary value. */
} seg_rfm_dim;

/**
 * Create an empty RFM accumulator with default settings.
 *
 * @param[out] out receives the object; NULL on failure. The caller frees it
 *        with seg_rfm_free().
 * @return SEG_OK, SEG_ERR_INVALID_ARG (out is NULL) or SEG_ERR_NOMEM.
 */
SEG_API int seg_rfm_new(seg_rfm **out);

/**
 * Free an RFM object. Accepts NULL.
 *
 * @param r the object, or NULL.
 */
SEG_API void seg_rfm_free(seg_rfm *r);

/**
 * Change an integer setting. Settings are fixed once the first row is added.
 *
 * @param r the object (changed; one thread at a time).
 * @param param an integer seg_rfm_param.
 * @param value its new value (see seg_rfm_param for the ranges).
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL r, unknown or text param, value
 *         out of range), SEG_ERR_STATE (rows were already added).
 */
SEG_API int seg_rfm_set_int(seg_rfm *r, seg_rfm_param param, int64_t value);

/**
 * Change a text setting (copied). Settings are fixed once the first row is added.
 *
 * @param r the object (changed; one thread at a time).
 * @param param a text seg_rfm_param.
 * @param value the text, or NULL to unset it.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL r, unknown or integer param, an
 *         empty column name), SEG_ERR_PARSE (an SEG_RFM_DATE_FORMAT the
 *         parser does not support, or an SEG_RFM_AS_OF that is not a date in
 *         the forms in force), SEG_ERR_STATE (rows were already added),
 *         SEG_ERR_NOMEM.
 */
SEG_API int seg_rfm_set_string(seg_rfm *r, seg_rfm_param param, const char *value);

/**
 * Read an integer setting.
 *
 * @param r the object.
 * @param param an integer seg_rfm_param.
 * @param[out] value receives its current value.
 * @return SEG_OK or SEG_ERR_INVALID_ARG (NULL r or value, unknown or text
 *         param).
 */
SEG_API int seg_rfm_get_int(const seg_rfm *r, seg_rfm_param param, int64_t *value);

/**
 * Read a text setting, as it was given to seg_rfm_set_string(); an unset one
 * reads as "".
 *
 * Call it with buf NULL to learn the size, then with a buffer of at least
 * that many bytes.
 *
 * @param r the object.
 * @param param a text seg_rfm_param.
 * @param[out] buf receives the NUL-terminated text, or NULL to query the
 *        size only.
 * @param len the size of buf in bytes (ignored when buf is NULL).
 * @param[out] size receives the bytes the text takes, its NUL included (also
 *        on SEG_ERR_MISMATCH); may be NULL when buf is not.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL r, buf and size both NULL,
 *         unknown or integer param), SEG_ERR_MISMATCH (len is smaller than
 *         the text; nothing written).
 */
SEG_API int seg_rfm_get_string(const seg_rfm *r, seg_rfm_param param, char *buf, size_t len,
                               size_t *size);

/**
 * The accepted range of an integer RFM setting (whole numbers).
 * SEG_RFM_DELIMITER reports 0 .. 255; within it '"', CR and LF are refused
 * too. Text settings have no range.
 *
 * Needs no object and keeps no state: thread-safe.
 *
 * @param param an integer seg_rfm_param.
 * @param[out] lower receives the smallest accepted value.
 * @param[out] upper receives the largest accepted value.
 * @return SEG_OK or SEG_ERR_INVALID_ARG (unknown or text param, NULL lower
 *         or upper).
 */
SEG_API int seg_rfm_param_bounds(seg_rfm_param param, double *lower, double *upper);

/**
 * Score one dimension by the user's cut points instead of ranks:
 * for F and M, score = 1 + the number of cuts c with value >= c; for R,
 * score = 1 + the number of cuts c with recency <= c (recent is high).
 *
 * @param r the object (changed; one thread at a time; before seg_rfm_finish()).
 * @param dim the dimension.
 * @param cuts n finite values in strictly increasing order; copied. NULL with
 *        n = 0 returns to rank scoring.
 * @param n number of cuts (0 .. 99): n + 1 score levels.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL r, bad dim, n > 99, NULL cuts
 *         with n > 0, cuts not finite and increasing), SEG_ERR_STATE
 *         (already finished), SEG_ERR_NOMEM.
 */
SEG_API int seg_rfm_set_cuts(seg_rfm *r, seg_rfm_dim dim, const double *cuts, size_t n);

/**
 * Replace the segment rule table. One rule per line: `name,R,F,M` where each
 * of R, F and M is `*` (any score), `N` or `N-M` (inclusive); blank lines and
 * lines starting with '#' are ignored; the first matching rule names the
 * customer's segment; unmatched customers are "Other".
 *
 * @param r the object (changed; one thread at a time; before seg_rfm_finish()).
 * @param text the table, NUL-terminated; copied.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL r or text), SEG_ERR_PARSE (a
 *         malformed line: the detail names it), SEG_ERR_EMPTY (no rule),
 *         SEG_ERR_LIMIT (more than 1000 rules or a name over 100 bytes),
 *         SEG_ERR_STATE (already finished), SEG_ERR_NOMEM.
 */
SEG_API int seg_rfm_set_rules(seg_rfm *r, const char *text);

/**
 * Add one transaction row (the streaming C interface; seg_rfm_read_csv()
 * calls the same code). The row goes through the policy of the group.
 *
 * @param r the accumulator (changed; one thread at a time; before seg_rfm_finish()).
 * @param customer the customer id; NULL or "" counts a skipped row.
 * @param invoice the invoice id, or NULL when there is none (frequency then
 *        counts purchase rows; a mix of NULL and non-NULL is refused).
 * @param date the date text, in the forms of SEG_RFM_DATE_FORMAT or the built-in ones.
 * @param amount the line amount (quantity x price).
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL r or date, invoice given on some
 *         rows and not others), SEG_ERR_PARSE (date), SEG_ERR_NONFINITE
 *         (amount), SEG_ERR_STATE (already finished), SEG_ERR_LIMIT (2^31
 *         customers or invoices), SEG_ERR_NOMEM. A row that fails is not
 *         counted, so a caller may skip it and go on.
 */
SEG_API int seg_rfm_add(seg_rfm *r, const char *customer, const char *invoice, const char *date,
                        double amount);

/**
 * Stream a transaction log CSV (header row required) through the policy,
 * using the column settings. May be called for several files in turn.
 *
 * The file is read in chunks of 1 MiB (a record may not exceed 64 MiB);
 * numbers are read as the dataset CSV reader reads them.
 *
 * @param r the accumulator (changed; one thread at a time; before seg_rfm_finish()).
 * @param path the file.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL r or path; no customer or date
 *         column set; neither an amount column nor both quantity and price),
 *         SEG_ERR_IO, SEG_ERR_NOT_FOUND (a column not in the header),
 *         SEG_ERR_PARSE (malformed CSV; or without SEG_RFM_SKIP_BAD_ROWS a bad
 *         date, number or field count: "FILE:LINE: ..."), SEG_ERR_EMPTY (no
 *         header), SEG_ERR_NONFINITE, SEG_ERR_LIMIT, SEG_ERR_STATE (already
 *         finished), SEG_ERR_NOMEM. Rows read before an error stay added.
 */
SEG_API int seg_rfm_read_csv(seg_rfm *r, const char *path);

/**
 * Compute recency, frequency, monetary value, scores and segments of every
 * customer with a purchase. No row can be added afterwards.
 *
 * @param r the accumulator (changed; one thread at a time).
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL r), SEG_ERR_EMPTY (no customer
 *         with a purchase), SEG_ERR_STATE (already finished), SEG_ERR_NOMEM.
 */
SEG_API int seg_rfm_finish(seg_rfm *r);

/**
 * A counter of the policy (see the group description).
 *
 * @param r the object.
 * @param what the counter.
 * @return its value; 0 for a NULL r or an unknown counter. Customer counters
 *         are 0 until seg_rfm_finish().
 */
SEG_API int64_t seg_rfm_count(const seg_rfm *r, seg_rfm_counter what);

/**
 * The reference date as "YYYY-MM-DD".
 *
 * @param r a finished object.
 * @param[out] buf receives the NUL-terminated date.
 * @param len size of buf (at least 11).
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL r or buf, len < 11), SEG_ERR_STATE (not finished).
 */
SEG_API int seg_rfm_reference_date(const seg_rfm *r, char *buf, size_t len);

/**
 * Number of customers in the result, in order of their first row.
 *
 * @param r the object.
 * @return the count; 0 when r is NULL or not finished.
 */
SEG_API size_t seg_rfm_customers(const seg_rfm *r);

/**
 * Customer i's id.
 *
 * @param r a finished object.
 * @param i 0 .. seg_rfm_customers(r) - 1.
 * @return the id, owned by r; NULL when r is NULL, not finished or i is out of range.
 */
SEG_API const char *seg_rfm_customer(const seg_rfm *r, size_t i);

/**
 * Customer i's values and scores. Any output pointer may be NULL.
 *
 * @param r a finished object.
 * @param i 0 .. seg_rfm_customers(r) - 1.
 * @param[out] recency days since the last purchase.
 * @param[out] frequency invoices or purchase rows.
 * @param[out] monetary sum of amounts.
 * @param[out] scores three scores (R, F, M), each 1 .. its number of levels.
 * @param[out] segment index of the customer's segment (0 .. seg_rfm_segments(r) - 1).
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL r, i out of range), SEG_ERR_STATE (not finished).
 */
SEG_API int seg_rfm_get(const seg_rfm *r, size_t i, int64_t *recency, int64_t *frequency,
                        double *monetary, int32_t *scores, size_t *segment);

/**
 * Number of segments: the rules' names (in table order, duplicates merged)
 * plus "Other" (last, unless a rule itself is named "Other").
 *
 * @param r the object.
 * @return the count; 0 when r is NULL or not finished.
 */
SEG_API size_t seg_rfm_segments(const seg_rfm *r);

/**
 * Name of segment s.
 *
 * @param r a finished object.
 * @param s 0 .. seg_rfm_segments(r) - 1.
 * @return the name, owned by r; NULL when out of range or not finished.
 */
SEG_API const char *seg_rfm_segment_name(const seg_rfm *r, size_t s);

/**
 * The thresholds actually used for a dimension: out[j] is the value from
 * which a customer scores j + 2 or more (F, M: value >= out[j]; R: recency
 * <= out[j]); with rank scoring, the least good value among the customers with
 * that score or more (when ties skip a level, it shares the next level's
 * value), NaN when no customer reaches it. With cut points (the user's, or
 * the fixed frequency cuts), the cut points (for R in decreasing order).
 *
 * @param r a finished object.
 * @param dim the dimension.
 * @param[out] out receives levels - 1 values.
 * @param len the length of out.
 * @param[out] levels receives the number of score levels of the dimension.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL r, out or levels, bad dim),
 *         SEG_ERR_MISMATCH (len < levels - 1), SEG_ERR_STATE (not finished).
 */
SEG_API int seg_rfm_thresholds(const seg_rfm *r, seg_rfm_dim dim, double *out, size_t len,
                               size_t *levels);

/**
 * How a dimension was scored: SEG_RFM_CUTS_QUANTILE, SEG_RFM_CUTS_FIXED (F
 * only: SEG_RFM_FREQUENCY_CUTS is FIXED, or AUTO and the quantile thresholds
 * were not strictly increasing) or SEG_RFM_CUTS_USER (seg_rfm_set_cuts()).
 *
 * @param r a finished object.
 * @param dim the dimension.
 * @param[out] used receives the way.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL r or used, bad dim), SEG_ERR_STATE
 *         (not finished).
 */
SEG_API int seg_rfm_cuts_used(const seg_rfm *r, seg_rfm_dim dim, seg_rfm_cuts *used);

/**
 * Number of warnings about the result (see seg_rfm_warning()). The library
 * prints nothing: a caller shows them.
 *
 * The one check today (SEG_RFM_WARN_FAR_REFERENCE): with D the dates of the
 * rows with a customer id that are not after the reference date (purchases and
 * returns) and n their number, P is the date at rank min(ceil(0.99 n), n - 1)
 * in increasing order (the 99th percentile, nearest rank; for fewer than 100
 * rows the second latest, so one far row never hides itself). A warning when
 * the reference date is more than 365 days after P; it names P, the gap,
 * and up to 3 of the latest rows dated more than 365 days after P (file and
 * line, or row number for seg_rfm_add(); customer; date).
 *
 * @param r the object.
 * @return the count; 0 when r is NULL or not finished.
 */
SEG_API size_t seg_rfm_warnings(const seg_rfm *r);

/**
 * Warning i as text, one sentence without a trailing newline.
 *
 * @param r a finished object.
 * @param i 0 .. seg_rfm_warnings(r) - 1.
 * @param[out] code receives what the warning is about; may be NULL.
 * @return the text, owned by r; NULL when r is NULL, not finished or i is out
 *         of range.
 */
SEG_API const char *seg_rfm_warning(const seg_rfm *r, size_t i, seg_rfm_warning_code *code);
/** @} */

/**
 * @defgroup drift Drift between two models
 *
 * Which segment of a new model is which segment of an old one: the
 * distances between their centroids (the new centroids taken into the old
 * model's feature space through both scalers' affine maps), and the optimal
 * one-to-one matching of segments that minimises the summed distance
 * (Hungarian algorithm). `seg drift OLD.seg NEW.seg` reports it with shifts
 * in the columns' units.
 *
 * Example:
 * @code{.c}
 * // Which segment of this month's model is which of last month's?
 * const double before[] = {0, 0, 0, 1, 10, 10, 10, 11};
 * const double after[] = {10.5, 10, 10, 11.5, 0, 0.5, 0, 1.5};
 * seg_kmeans *km = NULL;
 * seg_model *old = NULL, *cur = NULL;
 * double dist[2 * 2], total;
 * int32_t match[2];
 * int rc = seg_kmeans_new(&km);
 * if (rc == SEG_OK)
 *     rc = seg_kmeans_set_int(km, SEG_KMEANS_K, 2);
 * if (rc == SEG_OK)
 *     rc = seg_kmeans_fit_f64(km, before, 4, 2, NULL, NULL, &old);
 * if (rc == SEG_OK)
 *     rc = seg_kmeans_fit_f64(km, after, 4, 2, NULL, NULL, &cur);
 * if (rc == SEG_OK)
 *     rc = seg_model_centroid_distances(old, cur, dist, 4);
 * if (rc == SEG_OK)
 *     rc = seg_drift_match_f64(dist, 2, 2, match, &total);
 * for (size_t i = 0; rc == SEG_OK && i < 2; i++)
 *     printf("old segment %zu is new segment %d (moved %.2f)\n", i, match[i],
 *            dist[i * 2 + (size_t)match[i]]);
 * seg_model_free(cur);
 * seg_model_free(old);
 * seg_kmeans_free(km);
 * return rc < 0;
 * @endcode
 * @{
 */

/**
 * Match the rows of a cost matrix to its columns at minimum total cost, each
 * column used at most once (Hungarian algorithm, O(r^2 c) for r <= c). With
 * more rows than columns, rows - cols rows stay unmatched. Ties are broken
 * deterministically (the result depends only on the matrix).
 *
 * @param cost rows x cols finite costs, row-major; borrowed for the call.
 * @param rows rows, 1 .. 100000.
 * @param cols columns, 1 .. 100000.
 * @param[out] row_match rows entries: the column of each row, or -1.
 * @param[out] total if not NULL, the summed cost of the matching.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL cost or row_match), SEG_ERR_EMPTY
 *         (rows or cols is 0), SEG_ERR_LIMIT, SEG_ERR_NONFINITE, SEG_ERR_OVERFLOW,
 *         SEG_ERR_NOMEM.
 */
SEG_API int seg_drift_match_f64(const double *cost, size_t rows, size_t cols, int32_t *row_match,
                                double *total);

/**
 * The old name of seg_drift_match_f64(): the same function.
 *
 * @param cost as seg_drift_match_f64().
 * @param rows as seg_drift_match_f64().
 * @param cols as seg_drift_match_f64().
 * @param[out] row_match as seg_drift_match_f64().
 * @param[out] total as seg_drift_match_f64().
 * @return as seg_drift_match_f64().
 * @deprecated Since 0.1: use seg_drift_match_f64() (same arguments).
 *         This name stays exported, under symbol version SEG_0.1, through
 *         release 0.2; the first later release that raises the soname
 *         (libseg.so.1) removes it. See docs/abi.md.
 */
SEG_API int seg_assign_optimal(const double *cost, size_t rows, size_t cols, int32_t *row_match,
                               double *total);

/**
 * Euclidean distances between the centroids of two models, in the first
 * model's feature units: out[i * k_new + j] is the distance from old segment
 * i to new segment j. Both models must have the same features (names, in
 * order) and both a scaler or neither. Only reads the models.
 *
 * @param old the reference model.
 * @param new_ the other model.
 * @param[out] out k_old * k_new distances.
 * @param len capacity of out.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL argument), SEG_ERR_MISMATCH
 *         (different features, or out too small), SEG_ERR_OVERFLOW, SEG_ERR_NOMEM.
 */
SEG_API int seg_model_centroid_distances(const seg_model *old, const seg_model *new_, double *out,
                                         size_t len);
/** @} */

/**
 * @defgroup pca Principal components
 *
 * Example:
 * @code{.c}
 * // Two components of 4 rows in 3 dimensions, for a scatter plot.
 * const double x[] = {1, 2, 0, 2, 4, 0.1, 3, 6, 0, 4, 8, 0.1};
 * double scores[4 * 2], variance[2];
 * int rc = seg_pca_compute_f64(x, 4, 3, 2, scores, NULL, variance, NULL);
 * if (rc == SEG_OK)
 *     printf("variance %.3f and %.5f; row 0 at (%.3f, %.3f)\n", variance[0], variance[1],
 *            scores[0], scores[1]);
 * return rc < 0;
 * @endcode
 * @{
 */

/**
 * Principal component analysis of a feature matrix, for two-dimensional
 * pictures of segments.
 *
 * The population covariance (divided by n) is formed with one BLAS SYRK and
 * the scores with one GEMM. Its c largest eigenpairs come from LAPACK's
 * dsyevr when the library was built with LAPACKE (meson option
 * `-Dlapack=auto|enabled|disabled`, Debian liblapacke-dev), else from a
 * built-in solver (Householder tridiagonalisation on the BLAS, implicit QL
 * for the eigenvalues, inverse iteration for the c wanted vectors); the two
 * agree to 1e-9 on matrices whose eigenvalues are distinct (relative gaps
 * above ~1e-6), and with numpy.linalg.eigh. Axes come in order of decreasing
 * variance; each axis's largest-magnitude entry (the first such on a tie) is
 * positive, so the sign does not depend on the solver. Where variances are
 * equal the axes are any orthonormal basis of their space, which may differ
 * between solvers. Cost: O(n d^2) for the covariance, O(d^3) for the
 * tridiagonal form (both on the BLAS), O(d^2 c) for the axes: at d = 4096
 * 8 to 17 s of CPU (bench/README.md), where the Jacobi sweep of 0.1 took
 * 26 minutes of CPU at d = 2048 and hours at 4096.
 *
 * Runs on the calling thread (BLAS may use its own threads); only reads x.
 *
 * @param x n * d values, row-major; borrowed for the call.
 * @param n rows (>= 2, at most 2^31 - 1).
 * @param d features (1 .. 4096).
 * @param c components wanted, 1 .. d.
 * @param[out] scores if not NULL, n * c projections of the centred rows
 *        (row-major: row i's component a at scores[i * c + a]).
 * @param[out] axes if not NULL, c * d unit axes (row a is component a).
 * @param[out] variance if not NULL, c variances along the axes (eigenvalues).
 * @param[out] mean if not NULL, the d column means that were subtracted.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL x; c is 0 or > d),
 *         SEG_ERR_TOO_FEW_POINTS (n < 2 or d is 0), SEG_ERR_LIMIT (d > 4096
 *         or n > 2^31 - 1), SEG_ERR_NONFINITE, SEG_ERR_OVERFLOW, SEG_ERR_NOMEM,
 *         SEG_ERR_STATE (the eigen-solver did not converge: never seen, but
 *         reported rather than returning unconverged axes).
 */
SEG_API int seg_pca_compute_f64(const double *x, size_t n, size_t d, size_t c, double *scores,
                                double *axes, double *variance, double *mean);

/**
 * The old name of seg_pca_compute_f64(): the same function.
 *
 * @param x as seg_pca_compute_f64().
 * @param n as seg_pca_compute_f64().
 * @param d as seg_pca_compute_f64().
 * @param c as seg_pca_compute_f64().
 * @param[out] scores as seg_pca_compute_f64().
 * @param[out] axes as seg_pca_compute_f64().
 * @param[out] variance as seg_pca_compute_f64().
 * @param[out] mean as seg_pca_compute_f64().
 * @return as seg_pca_compute_f64().
 * @deprecated Since 0.1: use seg_pca_compute_f64() (same arguments).
 *         This name stays exported, under symbol version SEG_0.1, through
 *         release 0.2; the first later release that raises the soname
 *         (libseg.so.1) removes it. See docs/abi.md.
 */
SEG_API int seg_pca_f64(const double *x, size_t n, size_t d, size_t c, double *scores,
                        double *axes, double *variance, double *mean);
/** @} */

/**
 * @defgroup privacy Privacy
 *
 * Pseudonymous identifiers for outputs that leave the bank: a keyed hash, so
 * the same customer gets the same pseudonym under the same key, and nobody
 * without the key can recompute or reverse it.
 *
 * Example:
 * @code{.c}
 * // The same id under the same key always gives the same 64 hex characters.
 * static const char key[] = "a secret of at least 16 bytes";
 * char pseudonym[65];
 * int rc = seg_privacy_pseudonymize_id(key, sizeof key - 1, "CUST-000123", 11, pseudonym,
 *                                      sizeof pseudonym);
 * if (rc == SEG_OK)
 *     printf("%s\n", pseudonym);
 * return rc < 0;
 * @endcode
 * @{
 */

/**
 * Keyed pseudonym of an identifier: HMAC-SHA-256 (RFC 2104 with SHA-256 as in
 * FIPS 180-4) of the id's bytes under the key, written as 64 lowercase
 * hexadecimal characters and a terminating NUL.
 *
 * Keep the key secret and stable: rotating it changes every pseudonym.
 *
 * @param key the secret key; borrowed for the call.
 * @param key_len its length in bytes (at least 16).
 * @param id the identifier's bytes (need not be NUL-terminated).
 * @param id_len the identifier's length in bytes.
 * @param[out] out receives the pseudonym.
 * @param out_len size of out in bytes (at least 65).
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL pointer, key shorter than 16
 *         bytes) or SEG_ERR_MISMATCH (out_len < 65). Thread-safe.
 */
SEG_API int seg_privacy_pseudonymize_id(const void *key, size_t key_len, const char *id,
                                        size_t id_len, char *out, size_t out_len);

/**
 * The old name of seg_privacy_pseudonymize_id(): the same function.
 *
 * @param key as seg_privacy_pseudonymize_id().
 * @param key_len as seg_privacy_pseudonymize_id().
 * @param id as seg_privacy_pseudonymize_id().
 * @param id_len as seg_privacy_pseudonymize_id().
 * @param[out] out as seg_privacy_pseudonymize_id().
 * @param out_len as seg_privacy_pseudonymize_id().
 * @return as seg_privacy_pseudonymize_id().
 * @deprecated Since 0.1: use seg_privacy_pseudonymize_id() (same arguments).
 *         This name stays exported, under symbol version SEG_0.1, through
 *         release 0.2; the first later release that raises the soname
 *         (libseg.so.1) removes it. See docs/abi.md.
 */
SEG_API int seg_pseudonymize_id(const void *key, size_t key_len, const char *id, size_t id_len,
                                char *out, size_t out_len);
/** @} */

#ifdef __cplusplus
}
#endif

#endif /* SEG_H */
