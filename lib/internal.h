/*
 * Private declarations shared by the files of lib/. Not installed.
 */
#ifndef SEG_INTERNAL_H
#define SEG_INTERNAL_H

#include "seg.h"

#include <math.h>
#include <stdio.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define SEG_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define SEG_LIKELY(x) __builtin_expect(!!(x), 1)
#define SEG_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define SEG_PRINTF(a, b)
#define SEG_LIKELY(x) (x)
#define SEG_UNLIKELY(x) (x)
#endif

/* ---- errors (error.c) ------------------------------------------------- */

/* Record a detail message for the calling thread and return code, so that
 * failures read `return seg_fail(SEG_ERR_PARSE, "%s:%zu:%zu: ...", ...);`. */
int seg_fail(int code, const char *fmt, ...) SEG_PRINTF(2, 3);

/* Shorthand for the most common failure. */
#define SEG_NOMEM() seg_fail(SEG_ERR_NOMEM, "out of memory")

/* ---- memory (alloc.c) --------------------------------------------------- */

/* Every allocation of the library goes through these, so that a caller
 * allocator and fault injection can be wired in one place. */
void *seg_malloc(size_t size);
void *seg_calloc(size_t count, size_t size);
void *seg_realloc(void *ptr, size_t size);
void seg_free(void *ptr);
char *seg_strdup(const char *s);
char *seg_strndup(const char *s, size_t len);

/* a * b into *out; false when it overflows size_t. */
static inline bool seg_mul_ok(size_t a, size_t b, size_t *out)
{
#if defined(__GNUC__)
    return !__builtin_mul_overflow(a, b, out);
#else
    if (b != 0 && a > SIZE_MAX / b)
        return false;
    *out = a * b;
    return true;
#endif
}

/* Allocate count elements of size bytes, failing cleanly on overflow. */
void *seg_malloc_array(size_t count, size_t size);

/* Caller allocators (alloc.c explains the mechanism). Every block records
 * the allocator it came from, and seg_free() returns it there. New blocks
 * come from the calling thread's current allocator, which a public entry
 * point that allocates for an existing object sets with
 *
 *     SEG_ALLOC_SCOPE(obj);   first line of the function
 *
 * obj being the object (or NULL: the default allocator); every object must
 * be a block of its own from seg_malloc/seg_calloc. It is restored on
 * every return path. Creators that take no object allocate from the current
 * allocator, so objects built inside a call (a fit's model) share the
 * caller object's allocator. Never allocate on an OpenMP worker thread.
 * Never hand the caller memory to release with free(): blocks have a header. */
seg_allocator *seg_alloc_owner(const void *block);
seg_allocator *seg_alloc_enter(seg_allocator *a);
void seg_alloc_restore(seg_allocator *const *prev);
#if defined(__GNUC__)
#define SEG_ALLOC_SCOPE(obj)                                                                       \
    seg_allocator *const seg_alloc_prev_ __attribute__((cleanup(seg_alloc_restore))) =             \
        seg_alloc_enter(seg_alloc_owner(obj))
#else
/* Without cleanup attributes, calls on an object allocate from the default
 * allocator; frees stay correct because every block names its owner. */
#define SEG_ALLOC_SCOPE(obj) (void)(obj)
#endif

/* ---- dataset (dataset.c) -------------------------------------------------- */

typedef struct seg_column {
    char *name;
    seg_column_type type; /* SEG_COLUMN_NUMERIC or SEG_COLUMN_CATEGORICAL */
    size_t n_missing;

    /* Numeric: value of row i is num_f32 ? ((const float *)num)[i * stride]
     * : ((const double *)num)[i * stride]; missing is NaN (doubles only: float
     * storage comes from arrays/.npy, which never hold missing values).
     * num points either into num_owned or into the dataset's dense block. */
    const void *num;
    size_t stride;
    bool num_f32;
    double *num_owned;

    /* Categorical: codes[i] in 0 .. n_levels-1, or -1 when missing. Levels
     * are NUL-terminated, in order of first appearance. */
    int32_t *codes;
    char **levels;
    size_t n_levels;
} seg_column;

struct seg_dataset {
    size_t n_rows;
    size_t n_cols;
    seg_column *cols;

    /* Row-major dense block of n_rows x dense_cols values shared by numeric
     * columns of datasets built from arrays or .npy (NULL otherwise). */
    void *dense;
    size_t dense_cols;
    bool dense_f32;
    /* When the dense block is a private mapping of a .npy file: the mapping
     * (from the file's start) and its length; NULL when dense is allocated. */
    void *dense_map;
    size_t dense_map_len;

    /* Id column (text per row, NULL entries for missing) or NULL. */
    char **ids;
    char *id_name;

    /* Row weights or NULL. */
    double *weights;
    char *weight_name;
};

static inline double seg_column_value(const seg_column *c, size_t i)
{
    return c->num_f32 ? (double)((const float *)c->num)[i * c->stride]
                      : ((const double *)c->num)[i * c->stride];
}

/* Release what a column owns (not the dense block). */
void seg_column_clear(seg_column *c);

/* An empty dataset with room for n_cols columns (all zeroed). */
int seg_dataset_alloc(seg_dataset **out, size_t n_rows, size_t n_cols);

/* The dense block of an all-numeric dataset whose every column is a plain
 * view of it in order (so it can be used as a matrix without a copy), or NULL. */
const void *seg_dataset_dense_view(const seg_dataset *ds, bool *is_f32);

/* ---- scaler (scaler.c) ----------------------------------------------------- */

/* Deep copy of a fitted scaler (a model keeps its own). */
int seg_scaler_clone(const seg_scaler *sc, seg_scaler **out);

/* ---- threads ----------------------------------------------------------- */

/* Number of threads to use for a setting value (0 = all cores). */
int seg_threads_resolve(int64_t setting);

/* ---- random numbers (rng.c) -------------------------------------------- */

/* xoshiro256** (Blackman & Vigna, 2018) seeded through splitmix64. */
typedef struct seg_rng {
    uint64_t s[4];
} seg_rng;

void seg_rng_seed(seg_rng *r, uint64_t seed);
uint64_t seg_rng_next(seg_rng *r);
/* Uniform double in [0, 1). */
double seg_rng_uniform(seg_rng *r);
/* Uniform integer in [0, bound), bound >= 1, without modulo bias. */
uint64_t seg_rng_below(seg_rng *r, uint64_t bound);
/* splitmix64 step, also used to derive independent seeds. */
uint64_t seg_splitmix64(uint64_t *state);

/* ---- text (util.c) ----------------------------------------------------------- */

/* ASCII case-insensitive equality, independent of the C locale. */
bool seg_ascii_eq_nocase(const char *a, const char *b);

/* 1 for "yes", "true", "1", "y"; -1 for "no", "false", "0", "n" (any case);
 * 0 for anything else. Shared by outcome columns and segment labels. */
int seg_yes_no(const char *s);

/* ---- clock ------------------------------------------------------------------ */
double seg_now_seconds(void);

/*
 * A private, writable (copy-on-write) mapping of the first len bytes of the
 * open file f, with *map_len its length; NULL when mapping is not available
 * or the file is shorter than len (the caller then reads the file).
 */
void *seg_map_file(FILE *f, size_t len, size_t *map_len);

/* Release a mapping from seg_map_file(). */
void seg_unmap(void *map, size_t map_len);

/* Row weights of a fit: SEG_OK when w is NULL or all n are finite and > 0,
 * else SEG_ERR_NONFINITE naming the first bad row (1-based). */
int seg_weights_check(const double *w, size_t n);

#endif /* SEG_INTERNAL_H */
