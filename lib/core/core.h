/*
 * The bottom stage (lib/core): errors, allocation, threads, random numbers,
 * text and clock. Every file of lib/ builds on this header; it
 * includes nothing of lib/ but the public seg.h. Not installed.
 */
#ifndef SEG_CORE_H
#define SEG_CORE_H

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

/* A creator run with a as the calling thread's current allocator, so that
 * everything the new object holds, now and later, comes from a; used by
 * every `seg_<object>_..._with_allocator`, each next to its object. */
#define SEG_WITH_ALLOCATOR(a, call)                                                                \
    do {                                                                                           \
        seg_allocator *prev_ = seg_alloc_enter(a);                                                 \
        int rc_ = (call);                                                                          \
        seg_alloc_restore(&prev_);                                                                 \
        return rc_;                                                                                \
    } while (0)

/* ---- threads ----------------------------------------------------------- */

/* The largest THREADS setting (the settings tables' bound): more threads
 * than this are never started. */
#define SEG_THREADS_MAX 4096

/* Number of threads a THREADS setting asks for: the setting, at most
 * SEG_THREADS_MAX, or for 0 the CPUs the process may use
 * (seg_threads_usable). */
int seg_threads_resolve(int64_t setting);

/* CPUs the process may use: those of the calling thread's affinity mask
 * (read every call), capped by a cgroup CPU quota (v2 cpu.max, v1
 * cpu.cfs_quota_us / cpu.cfs_period_us, quota rounded up; read once per
 * process), at least 1. */
int seg_threads_usable(void);

/* The tightest CPU quota, in CPUs rounded up, of the cgroups listed in
 * `proc_cgroup` (the format of /proc/self/cgroup) under the cgroup
 * filesystem mounted at `root`, ancestors included; 0 when none is set.
 * Separate from seg_threads_usable so tests can point it at a fake tree. */
int seg_cgroup_cpu_limit(const char *proc_cgroup, const char *root);

/* How many of `want` threads a parallel region can start now, from 1 to
 * want. Call it right before every `#pragma omp parallel` that asks for
 * more than one thread and pass the result to num_threads(): libgomp exits
 * the process when it cannot create a thread, so we start the threads
 * ourselves first (same stack size) and use only those that started. Free
 * when the calling thread's previous region was no smaller. */
int seg_threads_startable(int want);

/*
 * A pool of threads for the passes of one fit (pool.c): started once,
 * woken for each pass; idle threads block on a condition variable rather
 * than spin, so they take no core from other processes between passes.
 * seg_pool_start starts threads - 1 workers (fewer when some cannot be
 * started: seg_pool_threads tells how many run, the caller included).
 * seg_pool_run calls fn(ctx, item, thread) for item = 0 .. count - 1, on
 * the caller and at most threads - 1 workers (thread: 0 .. threads - 1,
 * for per-thread scratch), and returns when all are done; with p NULL or
 * threads <= 1 the caller runs them all. fn must not call the pool.
 */
typedef struct seg_pool seg_pool;
typedef void (*seg_pool_fn)(void *ctx, size_t item, int thread);
int seg_pool_start(seg_pool **out, int threads);
int seg_pool_threads(const seg_pool *p);
void seg_pool_run(seg_pool *p, size_t count, int threads, seg_pool_fn fn, void *ctx);
void seg_pool_stop(seg_pool *p);

/* The calling OpenMP thread's number (0 outside a parallel region or
 * without OpenMP). */
#ifdef _OPENMP
#include <omp.h>
#define SEG_THREAD_ID() omp_get_thread_num()
#else
#define SEG_THREAD_ID() 0
#endif

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

/* ---- name hints (names.c) ------------------------------------------------------- */

/* The i-th of a list of names (columns of a dataset, fields of a header). */
typedef const char *(*seg_name_at)(const void *ctx, size_t i);

/* What to add to "no column 'NAME'" when NAME is not among the n names
 * at(ctx, 0 .. n-1), written into out (len bytes) and returned: when the
 * list is one name that holds a delimiter other than delim, that the
 * delimiter looks wrong ("; the file reads as one column named 'a;b': ...");
 * else up to 3 of the closest names, case-insensitive matches first, then by
 * edit distance up to a third of NAME's length ("; did you mean 'A' or
 * 'B'?"); else "". */
const char *seg_name_hint(const char *name, seg_name_at at, const void *ctx, size_t n,
                          unsigned char delim, char *out, size_t len);

/* The delimiter that the text of a lone column name suggests: the most
 * frequent of ';', tab, '|' and ',' other than delim in name[0..len), or 0
 * when it holds none. */
unsigned char seg_delimiter_in_name(const char *name, size_t len, unsigned char delim);

/* A file read as one column: the delimiter its lone header name suggests
 * (seg_delimiter_in_name) when that name was not quoted and the first data
 * row row[0..row_len) holds that delimiter too, else 0. A quoted name is
 * taken as meant. */
unsigned char seg_csv_wrong_delimiter(const char *name, size_t len, bool quoted, const char *row,
                                      size_t row_len, unsigned char delim);

/* A delimiter as messages name it: "';'", "tab". */
const char *seg_delimiter_word(unsigned char c);

/* "the file reads as one column named 'NAME': the delimiter looks like X
 * (set the delimiter to X)" into out (snprintf's result). */
int seg_delimiter_message(char *out, size_t len, const char *name, unsigned char guess);

/* ---- clock ------------------------------------------------------------------ */
double seg_now_seconds(void);

/*
 * Ask for huge pages for a large per-fit array (Linux; a no-op elsewhere,
 * under 4 MiB, and for memory the kernel cannot back so). A fit writes each
 * such array first in one pass: with 4 KiB pages W2 of bench/ (10^6 x 32
 * float32, Yinyang) took ~45,000 page faults a fit (the panel copy, the
 * bounds), a tenth of the fit's time on a loaded virtual machine; a
 * mini-batch fit of 10^6 x 16 took 10,000-14,000 (row norms, distances,
 * labels, the outlier reference's sort), 15 % of its CPU time.
 */
void seg_advise_huge(void *p, size_t bytes);

/* Row weights of a fit: SEG_OK when w is NULL or all n are finite and > 0,
 * else SEG_ERR_NONFINITE naming the first bad row (1-based). */
int seg_weights_check(const double *w, size_t n);

#endif /* SEG_CORE_H */
