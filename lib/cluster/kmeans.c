/*
 * K-means: settings, workspace, and the public fit entry points. The passes
 * over the data are in kmeans_tmpl.h, instantiated for float and double.
 */
#define _DEFAULT_SOURCE /* madvise's MADV_HUGEPAGE */
#include "cluster/kmeans.h"
#include "cluster/capacity.h"
#include "core/params.h"
#include "kernel/distance.h"

#include <float.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

struct seg_kmeans {
    int64_t k, max_iter, n_init, init, seed, threads, dtype, algorithm, min_profile_size;
    int64_t min_size, max_size; /* SEG_KMEANS_MIN_SIZE, _MAX_SIZE (0 = none) */
    int64_t init_rounds;        /* SEG_KMEANS_INIT_ROUNDS */
    double tol;
    int64_t *cap_lo, *cap_hi;   /* seg_kmeans_set_capacity: cap_k bounds, or NULL */
    size_t cap_k;
    double *given; /* SEG_INIT_GIVEN centroids, given_k x given_d */
    size_t given_k, given_d;
    seg_progress_fn progress; /* called after each iteration, or NULL */
    void *progress_user;
    seg_kpar_probe_fn kpar_probe; /* tests: sees k-means||'s candidates */
    void *kpar_probe_user;
    bool keep_order; /* seg_kmeans_keep_order: number segments as given */
};

void seg_kmeans_keep_order(seg_kmeans *km)
{
    km->keep_order = true;
}

void seg_kmeans_set_kpar_probe(seg_kmeans *km, seg_kpar_probe_fn fn, void *user)
{
    km->kpar_probe = fn;
    km->kpar_probe_user = user;
}

int seg_kmeans_set_progress(seg_kmeans *km, seg_progress_fn fn, void *user)
{
    if (!km)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_kmeans_set_progress: km is NULL");
    km->progress = fn;
    km->progress_user = user;
    return SEG_OK;
}

/* ---- settings ------------------------------------------------------------------ */

/* SEG_INIT_GIVEN needs the centroids to start from. */
static int check_init(void *obj, seg_param_value v, const char **why)
{
    *why = "SEG_INIT_GIVEN needs seg_kmeans_set_init_centroids_f64() first";
    return v.i == SEG_INIT_GIVEN && !((seg_kmeans *)obj)->given ? SEG_ERR_INVALID_ARG : SEG_OK;
}

static const seg_param kmeans_rows[] = {
    SEG_PARAM_INT(SEG_KMEANS_K, 1, 1e6, seg_kmeans, k, NULL),
    SEG_PARAM_INT(SEG_KMEANS_MAX_ITER, 1, 1e9, seg_kmeans, max_iter, NULL),
    SEG_PARAM_INT(SEG_KMEANS_N_INIT, 1, 1e6, seg_kmeans, n_init, NULL),
    SEG_PARAM_INT(SEG_KMEANS_INIT, SEG_INIT_KMEANSPP, SEG_INIT_KMEANS_PARALLEL, seg_kmeans, init,
                  check_init),
    SEG_PARAM_INT(SEG_KMEANS_SEED, SEG_PARAM_INT64_MIN, SEG_PARAM_INT64_MAX, seg_kmeans, seed,
                  NULL),
    SEG_PARAM_INT(SEG_KMEANS_THREADS, 0, 4096, seg_kmeans, threads, NULL),
    SEG_PARAM_INT(SEG_KMEANS_DTYPE, SEG_DTYPE_F64, SEG_DTYPE_F32, seg_kmeans, dtype, NULL),
    SEG_PARAM_INT(SEG_KMEANS_ALGORITHM, SEG_ALGORITHM_LLOYD, SEG_ALGORITHM_AUTO, seg_kmeans,
                  algorithm, NULL),
    SEG_PARAM_INT(SEG_KMEANS_MIN_PROFILE_SIZE, 0, 1e12, seg_kmeans, min_profile_size, NULL),
    SEG_PARAM_REAL(SEG_KMEANS_TOL, 0, 1e6, seg_kmeans, tol, NULL),
    SEG_PARAM_INT(SEG_KMEANS_MIN_SIZE, 0, 1e15, seg_kmeans, min_size, NULL),
    SEG_PARAM_INT(SEG_KMEANS_MAX_SIZE, 0, 1e15, seg_kmeans, max_size, NULL),
    SEG_PARAM_INT(SEG_KMEANS_INIT_ROUNDS, 1, 100, seg_kmeans, init_rounds, NULL),
};
static const seg_param_table kmeans_params = SEG_PARAM_TABLE("k-means", kmeans_rows, NULL);

int seg_kmeans_new(seg_kmeans **out)
{
    if (!out)
        return seg_fail(SEG_ERR_INVALID_ARG, "out is NULL");
    seg_kmeans *km = seg_calloc(1, sizeof *km);
    *out = km;
    if (!km)
        return SEG_NOMEM();
    km->k = 8;
    km->max_iter = 300;
    km->n_init = 1;
    km->init = SEG_INIT_KMEANSPP;
    km->init_rounds = 2;
    km->tol = 1e-4;
    km->algorithm = SEG_ALGORITHM_AUTO;
    return SEG_OK;
}

void seg_kmeans_free(seg_kmeans *km)
{
    if (!km)
        return;
    seg_free(km->given);
    seg_free(km->cap_lo);
    seg_free(km->cap_hi);
    seg_free(km);
}

int seg_kmeans_set_capacity(seg_kmeans *km, const int64_t *min_size, const int64_t *max_size,
                            size_t k)
{
    SEG_ALLOC_SCOPE(km);
    if (!km)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_kmeans_set_capacity: km is NULL");
    if (k == 0) {
        seg_free(km->cap_lo);
        seg_free(km->cap_hi);
        km->cap_lo = km->cap_hi = NULL;
        km->cap_k = 0;
        return SEG_OK;
    }
    if (k > 1000000)
        return seg_fail(SEG_ERR_INVALID_ARG, "k = %zu exceeds 1000000", k);
    for (size_t j = 0; j < k; j++) {
        int64_t lo = min_size ? min_size[j] : 0, hi = max_size ? max_size[j] : 0;
        if (lo < 0 || hi < 0)
            return seg_fail(SEG_ERR_INVALID_ARG, "segment %zu: a size bound is negative", j + 1);
        if (hi > 0 && lo > hi)
            return seg_fail(SEG_ERR_INVALID_ARG,
                            "segment %zu: minimum size %lld exceeds maximum size %lld", j + 1,
                            (long long)lo, (long long)hi);
    }
    int64_t *lo = seg_malloc_array(k, sizeof *lo), *hi = seg_malloc_array(k, sizeof *hi);
    if (!lo || !hi) {
        seg_free(lo);
        seg_free(hi);
        return SEG_NOMEM();
    }
    for (size_t j = 0; j < k; j++) {
        lo[j] = min_size ? min_size[j] : 0;
        hi[j] = max_size ? max_size[j] : 0;
    }
    seg_free(km->cap_lo);
    seg_free(km->cap_hi);
    km->cap_lo = lo;
    km->cap_hi = hi;
    km->cap_k = k;
    km->k = (int64_t)k;
    return SEG_OK;
}

seg_kmeans_view seg_kmeans_view_of(const seg_kmeans *km)
{
    return (seg_kmeans_view){(size_t)km->k, km->max_iter, km->n_init, km->seed, km->init,
                             km->threads, km->min_size, km->max_size, km->cap_lo, km->cap_hi,
                             km->cap_k, km->progress, km->progress_user};
}

int seg_kmeans_param_bounds(seg_kmeans_param param, double *lower, double *upper)
{
    return seg_param_bounds(&kmeans_params, (int)param, lower, upper);
}

int seg_kmeans_set_int(seg_kmeans *km, seg_kmeans_param param, int64_t value)
{
    return seg_param_set_int(&kmeans_params, km, (int)param, value);
}

int seg_kmeans_get_int(const seg_kmeans *km, seg_kmeans_param param, int64_t *value)
{
    return seg_param_get_int(&kmeans_params, km, (int)param, value);
}

int seg_kmeans_set_double(seg_kmeans *km, seg_kmeans_param param, double value)
{
    return seg_param_set_real(&kmeans_params, km, (int)param, value);
}

int seg_kmeans_get_double(const seg_kmeans *km, seg_kmeans_param param, double *value)
{
    return seg_param_get_real(&kmeans_params, km, (int)param, value);
}

int seg_kmeans_set_init_centroids_f64(seg_kmeans *km, const double *centroids, size_t k, size_t d)
{
    SEG_ALLOC_SCOPE(km);
    size_t count;
    if (!km || !centroids || k == 0 || d == 0)
        return seg_fail(SEG_ERR_INVALID_ARG, "initial centroids need k >= 1 and d >= 1");
    if (k > 1000000)
        return seg_fail(SEG_ERR_INVALID_ARG, "k = %zu exceeds 1000000", k);
    if (!seg_mul_ok(k, d, &count) || count > SIZE_MAX / sizeof(double))
        return seg_fail(SEG_ERR_OVERFLOW, "%zu x %zu centroids overflow", k, d);
    for (size_t i = 0; i < count; i++)
        if (!isfinite(centroids[i]))
            return seg_fail(SEG_ERR_NONFINITE, "initial centroid %zu, feature %zu is not finite",
                            i / d, i % d);
    double *copy = seg_malloc_array(count, sizeof *copy);
    if (!copy)
        return SEG_NOMEM();
    memcpy(copy, centroids, count * sizeof *copy);
    seg_free(km->given);
    km->given = copy;
    km->given_k = k;
    km->given_d = d;
    km->k = (int64_t)k;
    km->init = SEG_INIT_GIVEN;
    return SEG_OK;
}

/* ---- the fit ---------------------------------------------------------------------- */

/* Most k-means++ trials per step: 2 + ln(k) for k <= 10^6 is at most 15. */
#define SEG_PP_MAX_TRIALS 16
/* Blocks up to these sizes sum their rows by segment (accumulate_by_segment). */
#define SEG_ACC_SORT_MAX_K 256
#define SEG_ACC_SORT_MAX_ROWS 1024

/* Workspace of one fit. T-typed buffers are float or double per the data. */
typedef struct kjob {
    /* Progress: after iteration i of run r, done = r * max_iter + i of
     * total = n_init * max_iter (an upper bound: an early convergence jumps
     * to the next run). */
    seg_progress_fn progress;
    void *progress_user;
    size_t progress_base, progress_total;

    const void *x;
    const double *w;
    size_t n, d, k;
    int threads;
    seg_parts parts;
    seg_pool *pool; /* the fit's threads (NULL: the caller's only) */

    void *xnorm;           /* n: squared row norms */
    void *mind;            /* n: squared distance to the assigned centroid / k-means++ closest */
    int32_t *labels;       /* n */
    void *tiles;           /* threads x tile_len */
    size_t tile_len;       /* block x max(k, SEG_PP_MAX_TRIALS + 1) */
    int32_t *block_labels; /* threads x block */
    void *block_mind;      /* threads x block: a Lloyd pass's distances while mind is dropped */
    void *xp;              /* NULL, or the rows' panel-major copy (seg_regkernel_panels) */
    void *xp_block;        /* its allocation */
    /* One run (fit_rows): the labels are kept in the caller's array
     * (labels_given) rather than in a copy of their own. With no distances
     * asked and no bounds either (drop_mind), mind is freed once the start
     * is made: Lloyd's passes keep the distances a block at a time
     * (block_mind), all that they read, and an empty segment's re-seeding
     * makes them whole again first (relocate_empty). */
    int32_t *labels_given;
    bool drop_mind;

    double *psum;      /* parts x k x d */
    double *pweight;   /* parts x k */
    int64_t *pcount;   /* parts x k */
    double *pinertia;  /* parts */
    int64_t *pchanged; /* parts: rows whose label the last pass changed */
    /* The partitions' sums, weights and counts describe the current labels,
     * so a pass may update them by the rows that change segment instead of
     * summing every row again (see part_incremental). */
    bool sums_valid;
    double *ppot;      /* parts: k-means++ potential */
    /* k-means++ and random starts' scratch: parts x SEG_PP_MAX_TRIALS
     * potentials, a row (d doubles), parts int64 counts, parts x
     * SEG_PP_MAX_TRIALS x 4 doubles (the trials' scans), then in T the
     * pending centroid and trials ((SEG_PP_MAX_TRIALS + 1) x d) and their
     * norms (SEG_PP_MAX_TRIALS + 1) */
    void *iscratch;
    size_t pp_idx[SEG_PP_MAX_TRIALS]; /* k-means++ candidate rows */

    double *sum;    /* k x d */
    double *weight; /* k */
    int64_t *count; /* k */
    double inertia;
    int64_t changed;

    void *ct, *cnorm;  /* k x d and k, in T */
    double *c, *c_new; /* k x d */

    /* A sharded fit (seg_kmeans_fit_shard_*): x holds the rows of partitions
     * [part_lo, part_hi) of n_total rows, its row 0 being row row0 of all;
     * n counts the local rows. Without a shard: all partitions, row0 = 0. */
    seg_shard_fn shard;
    void *shard_user;
    size_t part_lo, part_hi, row0, n_total;
    int shard_rc;  /* the first error fn returned */
    double *fold;  /* k x d + k + 1: the running fold of sums, weights, inertia */
    int64_t *ifold; /* k + 1: counts and changes */
    /* xnorm and xp belong to another kjob: this one is a restart's own
     * workspace (kjob_clone), which reads the fit's norms and panels. */
    bool borrowed;
} kjob;

/* State of the bounds across the passes of one run (see bounds_tmpl.h). */
typedef struct bounds_ws {
    size_t groups;               /* 1: Hamerly, k: Elkan, about k / 10: Yinyang */
    size_t *gstart;              /* groups + 1: first centroid of each group */
    size_t *group;               /* k: group of each centroid */
    double *upper;               /* n: bound on the distance to the own centroid */
    float *lower;                /* n x groups, group by group in each block (lower_of):
                                  * bounds on the nearest other of each group */
    double *move, *half, *cnorm; /* k */
    double *gmove;               /* groups: largest move in each group */
    float *gpat;                 /* groups: gmove as floats, rounded up */
    double *prev, *cur;          /* k x d: centroids of the last and of this pass */
    double *pair;                /* k x k squared centroid distances, NULL when k is large */
    void *scratch;               /* threads x scratch_len bytes */
    size_t scratch_len;
    double cnmax;
    bool valid; /* the bounds describe the current labels */
} bounds_ws;

typedef struct kresult {
    double inertia;
    int64_t iterations;
    bool converged;
    double init_seconds;
    bool exact; /* the best run's last pass gave its labels and distances */
    size_t *sizes;
    double *weights;
} kresult;

void seg_kstats_clear(seg_kstats *s, size_t k, size_t d)
{
    if (s->sum) {
        memset(s->sum, 0, k * d * sizeof *s->sum);
        memset(s->weight, 0, k * sizeof *s->weight);
        memset(s->count, 0, k * sizeof *s->count);
    }
    s->inertia = 0;
    s->changed = 0;
}

void seg_kstats_merge(seg_kstats *into, const seg_kstats *from, size_t k, size_t d)
{
    into->inertia += from->inertia;
    into->changed += from->changed;
    if (!into->sum || !from->sum)
        return;
    for (size_t i = 0; i < k * d; i++)
        into->sum[i] += from->sum[i];
    for (size_t j = 0; j < k; j++) {
        into->weight[j] += from->weight[j];
        into->count[j] += from->count[j];
    }
}

/* The statistics of partition p (arrays only when accumulate). */
static seg_kstats kjob_part(const kjob *J, size_t p, bool accumulate)
{
    const size_t k = J->k;
    seg_kstats s = {NULL, NULL, NULL, J->pinertia[p], J->pchanged[p]};
    if (accumulate) {
        s.sum = J->psum + p * k * J->d;
        s.weight = J->pweight + p * k;
        s.count = J->pcount + p * k;
    }
    return s;
}

/* Whether two double rows are equal value by value (-0 equals 0). */
static bool seg_rows_equal_f64(const double *a, const double *b, size_t d)
{
    for (size_t j = 0; j < d; j++)
        if (a[j] != b[j])
            return false;
    return true;
}

/* Local rows [*r0, *r1) of partition p. */
static inline void kjob_rows(const kjob *J, size_t p, size_t *r0, size_t *r1)
{
    const size_t a = p * J->parts.rows;
    const size_t b = J->n_total - a > J->parts.rows ? a + J->parts.rows : J->n_total;
    *r0 = a - J->row0;
    *r1 = b - J->row0;
}

/* One exchange of a sharded fit; the first failure is kept in shard_rc (the
 * calls go on, so that every shard makes the same calls). */
static void shard_call(kjob *J, int op, void *buf, size_t size, size_t part)
{
    int rc = J->shard(J->shard_user, op, buf, size, part);
    if (rc < 0 && J->shard_rc == 0)
        J->shard_rc = rc;
}

/* The status every shard agrees on: the first failing shard's, with its
 * message. Without shards, rc. */
static int shard_agree(kjob *J, int rc)
{
    if (!J->shard)
        return rc;
    char buf[4 + 480] = {0};
    int32_t st = rc < 0 ? rc : 0;
    memcpy(buf, &st, sizeof st);
    if (rc < 0)
        snprintf(buf + 4, sizeof buf - 4, "%s", seg_last_error());
    if (J->shard_rc < 0)
        return J->shard_rc;
    shard_call(J, SEG_SHARD_AGREE, buf, sizeof buf, 0);
    if (J->shard_rc < 0)
        return J->shard_rc;
    memcpy(&st, buf, sizeof st);
    buf[sizeof buf - 1] = 0;
    return st < 0 ? seg_fail(st, "%s", buf + 4) : SEG_OK;
}

/* The combination of a sharded fit: the running fold of the partitions'
 * sums, weights and inertia travels from shard to shard in partition order,
 * each adding its partitions as kjob_combine adds them, so the bits are
 * those of the single-process fit; counts and changes are integers, summed
 * in any order. */
static void shard_combine(kjob *J, bool acc)
{
    const size_t k = J->k, kd = k * J->d, m = acc ? 1 + kd + k : 1;
    double *f = J->fold;
    int64_t *c = J->ifold;
    memset(f, 0, m * sizeof *f);
    memset(c, 0, (k + 1) * sizeof *c);
    shard_call(J, SEG_SHARD_FOLD_BEGIN, f, m * sizeof *f, 0);
    for (size_t p = J->part_lo; p < J->part_hi; p++) {
        f[0] += J->pinertia[p];
        c[0] += J->pchanged[p];
        if (!acc)
            continue;
        const double *S = J->psum + p * kd, *W = J->pweight + p * k;
        for (size_t i = 0; i < kd; i++)
            f[1 + i] += S[i];
        for (size_t j = 0; j < k; j++) {
            f[1 + kd + j] += W[j];
            c[1 + j] += J->pcount[p * k + j];
        }
    }
    shard_call(J, SEG_SHARD_FOLD_END, f, m * sizeof *f, 0);
    shard_call(J, SEG_SHARD_SUM_I64, c, (acc ? k + 1 : 1) * sizeof *c, 0);
    J->inertia = f[0];
    J->changed = c[0];
    if (acc) {
        memcpy(J->sum, f + 1, kd * sizeof *f);
        memcpy(J->weight, f + 1 + kd, k * sizeof *f);
        memcpy(J->count, c + 1, k * sizeof *c);
    }
}

/* Combine the per-partition partial results in partition order. */
static void kjob_combine(kjob *J, bool accumulate)
{
    if (J->shard) {
        shard_combine(J, accumulate);
        return;
    }
    seg_kstats total = {NULL, NULL, NULL, 0, 0};
    if (accumulate)
        total = (seg_kstats){J->sum, J->weight, J->count, 0, 0};
    seg_kstats_clear(&total, J->k, J->d);
    for (size_t p = 0; p < J->parts.count; p++) {
        seg_kstats part = kjob_part(J, p, accumulate);
        seg_kstats_merge(&total, &part, J->k, J->d);
    }
    J->inertia = total.inertia;
    J->changed = total.changed;
}

/* Centroids := means of their rows; returns the summed squared shift. */
static double kjob_update(kjob *J)
{
    const size_t k = J->k, d = J->d;
    double shift = 0;
    for (size_t j = 0; j < k; j++) {
        for (size_t c = 0; c < d; c++) {
            double v = J->sum[j * d + c] / J->weight[j];
            double diff = v - J->c[j * d + c];
            shift += diff * diff;
            J->c_new[j * d + c] = v;
        }
    }
    double *t = J->c;
    J->c = J->c_new;
    J->c_new = t;
    return shift;
}

/*
 * Whether partition p (rows rows) takes this pass's label changes as moves of
 * the changed rows between its sums (cost: two row updates per changed row,
 * and no read of the other rows) rather than summing all its rows again.
 * Its sums must describe the current labels, and the last pass must have
 * changed at most a quarter of its rows: Lloyd's changes only shrink, so the
 * last pass predicts this one. The choice depends only on the labels' history,
 * never on the threads, and is the same in Lloyd's and the bounded passes.
 */
static bool part_incremental(const kjob *J, size_t p, size_t rows)
{
    return J->sums_valid && (size_t)J->pchanged[p] * 4 <= rows;
}

/* Partition p's share of a pass: its partial sums, weights and counts, its
 * local rows [r0, r1), and whether the pass moves rows between the sums
 * incrementally (part_incremental); when it does not and the pass
 * accumulates, the sums are cleared here. */
typedef struct part_acc {
    double *S, *W;
    int64_t *C;
    size_t r0, r1;
    bool moves;
} part_acc;

static part_acc kjob_part_begin(kjob *J, size_t p, bool accumulate)
{
    const size_t k = J->k, d = J->d;
    part_acc a = {J->psum + p * k * d, J->pweight + p * k, J->pcount + p * k, 0, 0, false};
    kjob_rows(J, p, &a.r0, &a.r1);
    a.moves = accumulate && part_incremental(J, p, a.r1 - a.r0);
    if (accumulate && !a.moves) {
        memset(a.S, 0, k * d * sizeof *a.S);
        memset(a.W, 0, k * sizeof *a.W);
        memset(a.C, 0, k * sizeof *a.C);
    }
    return a;
}

/* Multiply-adds of distance work below which a pass stays on the calling
 * thread: waking the pool costs tens of microseconds, as much as ~10^6
 * multiply-adds on one core. */
#define SEG_PASS_GRAIN ((double)(1u << 20))

/* Threads for one pass of J: all of the pool's, or 1 under the grain. */
static int kjob_pass_threads(const kjob *J)
{
    const double work = (double)J->n * (double)J->k * (double)J->d;
    return work < SEG_PASS_GRAIN ? 1 : seg_pool_threads(J->pool);
}

double seg_kpar_draw(uint64_t key, uint64_t round, uint64_t row)
{
    uint64_t s = (round << 48) ^ row;
    uint64_t t = key ^ seg_splitmix64(&s);
    return (double)(seg_splitmix64(&t) >> 11) * 0x1.0p-53;
}
/* One thread's share of restarts run side by side (fit_runs_side): its own
 * workspace and bounds, and the best of the runs it made, by (inertia,
 * restart index). Everything is allocated before the runs start: a run
 * allocates nothing, so the caller's allocator is never called from a
 * pool thread (docs/api.md). */
typedef struct restart_slot {
    kjob J;
    bounds_ws H;
    int64_t r; /* the best run's restart index, -1: none yet */
    double inertia;
    int64_t iterations;
    bool converged, exact;
    double *c;       /* k x d */
    int32_t *labels; /* n */
    void *mind;      /* n, in T; only when the caller wants distances */
    double *weight;  /* k */
    int64_t *count;  /* k */
    double init_seconds;
    int rc;          /* the first failure of this thread's runs, and its run */
    int64_t rc_r;
    char msg[512];
} restart_slot;

typedef struct restart_ctx {
    restart_slot *slot; /* one a pool thread */
    const seg_kmeans *km;
    double tol_abs;
    atomic_bool failed; /* a run failed: start no other */
} restart_ctx;

/* Restarts run side by side (one a thread) when their passes are small;
 * see kjob_restart_threads. */
static int kjob_restart_threads(const kjob *J, const bounds_ws *H, int64_t n_init, size_t elem);
static int kjob_clone(kjob *R, const kjob *J, size_t elem);
static void kjob_free(kjob *J);
static int bounds_alloc(bounds_ws *H, const kjob *J, size_t groups, size_t elem);
static void bounds_free(bounds_ws *H);

/*
 * Whether a run's next pass is a bounded one. Once the bounds hold they are
 * kept up to the end of the run (until an empty segment is re-seeded);
 * before, passes are Lloyd's while the last pass changed more than
 * 1 / SEG_BOUNDS_SWITCH of all rows. Early passes move the centroids far,
 * so bounds fail for most rows, and a bounded pass then costs more than
 * Lloyd's (W2 of bench/: 1.5-1.7 Lloyd passes while over 5 % of the labels
 * change); the first bounded pass computes every distance once more, group
 * by group, to give each row fresh bounds. The count of changes is the
 * whole fit's (every partition's and every shard's), so the choice is the
 * same on any thread count, and the labels are Lloyd's either way.
 */
#define SEG_BOUNDS_SWITCH 16

static bool bounds_take_over(const kjob *J, const bounds_ws *H)
{
    return H->valid || (uint64_t)J->changed * SEG_BOUNDS_SWITCH <= (uint64_t)J->n_total;
}

#define SEG_TMPL "cluster/kmeans_tmpl.h"
#include "core/instantiate.h"

seg_parts seg_parts_plan(size_t n, size_t k, size_t d, size_t elem)
{
    /* At most 64 partitions, and at most 16 MiB of partial sums. */
    const size_t max_bytes = (size_t)16 << 20;
    size_t per = k * d * sizeof(double) + k * (sizeof(double) + sizeof(int64_t));
    size_t cap = per ? max_bytes / per : 64;
    seg_parts P;
    seg_blocking plan = seg_block_plan(k, d, elem);
    P.block = plan.block;
    P.threaded = plan.threaded;
    size_t blocks = (n + P.block - 1) / P.block;
    size_t count = blocks < 64 ? blocks : 64;
    if (count > cap)
        count = cap;
    if (count == 0)
        count = 1;
    size_t blocks_per = (blocks + count - 1) / count;
    P.rows = blocks_per * P.block;
    P.count = (n + P.rows - 1) / P.rows;
    return P;
}

static void kjob_free(kjob *J)
{
    seg_pool_stop(J->pool);
    J->pool = NULL;
    if (!J->borrowed) {
        seg_free(J->xnorm);
        seg_free(J->xp_block);
    }
    J->xnorm = J->xp_block = J->xp = NULL;
    seg_free(J->mind);
    if (J->labels != J->labels_given)
        seg_free(J->labels);
    seg_free(J->tiles);
    seg_free(J->block_labels);
    seg_free(J->block_mind);
    seg_free(J->psum);
    seg_free(J->pweight);
    seg_free(J->pcount);
    seg_free(J->pinertia);
    seg_free(J->pchanged);
    seg_free(J->ppot);
    seg_free(J->iscratch);
    seg_free(J->sum);
    seg_free(J->weight);
    seg_free(J->count);
    seg_free(J->ct);
    seg_free(J->cnorm);
    seg_free(J->c);
    seg_free(J->c_new);
    seg_free(J->fold);
    seg_free(J->ifold);
}

/* The buffers one run (one restart) writes: everything but the rows' norms
 * and panel copy, which every run of a fit only reads. */
static int kjob_alloc_run(kjob *J, size_t elem)
{
    const size_t n = J->n, k = J->k, d = J->d, parts = J->parts.count;
    size_t kd, pkd;
    if (!seg_mul_ok(k, d, &kd) || !seg_mul_ok(kd, parts, &pkd) ||
        !seg_mul_ok(J->parts.block, k > SEG_PP_MAX_TRIALS ? k : SEG_PP_MAX_TRIALS + 1,
                    &J->tile_len))
        return seg_fail(SEG_ERR_OVERFLOW, "k x d workspace overflows");
    J->mind = seg_malloc_array(n, elem);
    J->labels = J->labels_given ? J->labels_given : seg_malloc_array(n, sizeof *J->labels);
    seg_advise_huge(J->mind, n * elem);
    if (!J->labels_given)
        seg_advise_huge(J->labels, n * sizeof *J->labels);
    J->tiles = seg_malloc_array((size_t)J->threads, J->tile_len * elem);
    J->block_labels = seg_malloc_array((size_t)J->threads * J->parts.block, sizeof(int32_t));
    J->block_mind = seg_malloc_array((size_t)J->threads * J->parts.block, elem);
    J->psum = seg_malloc_array(pkd, sizeof(double));
    J->pweight = seg_malloc_array(parts * k, sizeof(double));
    J->pcount = seg_malloc_array(parts * k, sizeof(int64_t));
    J->pinertia = seg_malloc_array(parts, sizeof(double));
    J->pchanged = seg_malloc_array(parts, sizeof(int64_t));
    J->ppot = seg_malloc_array(parts, sizeof(double));
    J->sum = seg_malloc_array(kd, sizeof(double));
    J->weight = seg_malloc_array(k, sizeof(double));
    J->count = seg_malloc_array(k, sizeof(int64_t));
    J->ct = seg_malloc_array(kd, elem);
    J->cnorm = seg_malloc_array(k, elem);
    J->c = seg_malloc_array(kd, sizeof(double));
    J->c_new = seg_malloc_array(kd, sizeof(double));
    J->fold = seg_malloc_array(kd + k + 1, sizeof(double));
    J->ifold = seg_malloc_array(k + 1, sizeof(int64_t));
    if (!J->fold || !J->ifold)
        return SEG_NOMEM();
    {
        const size_t trials = SEG_PP_MAX_TRIALS + 1;
        size_t cand, bytes;
        if (!seg_mul_ok(trials, d + 1, &cand) || cand > SIZE_MAX / 8 - d - 64 * 82)
            return seg_fail(SEG_ERR_OVERFLOW, "k-means++ workspace overflows");
        bytes = (parts * SEG_PP_MAX_TRIALS * 5 + d + parts) * 8 + cand * elem;
        if (!(J->iscratch = seg_malloc(bytes)))
            return SEG_NOMEM();
    }
    if (!J->mind || !J->labels || !J->tiles || !J->block_labels || !J->block_mind || !J->psum ||
        !J->pweight || !J->pcount || !J->pinertia || !J->pchanged || !J->ppot || !J->sum ||
        !J->weight || !J->count || !J->ct || !J->cnorm || !J->c || !J->c_new)
        return SEG_NOMEM();
    return SEG_OK;
}


static int kjob_alloc(kjob *J, size_t elem)
{
    const size_t n = J->n, d = J->d;
    int rc = kjob_alloc_run(J, elem);
    if (rc < 0)
        return rc;
    if (!(J->xnorm = seg_malloc_array(n, elem)))
        return SEG_NOMEM();
    seg_advise_huge(J->xnorm, n * elem);
    /* Rows that fit SEG_PANEL_COPY_MAX are transposed once for the whole fit
     * (all runs, k-means++ and every pass) instead of once per pass. */
    const size_t panel = seg_regkernel_panel_rows(elem), bytes = n * d * elem;
    if (seg_regkernel_ok(d, elem) && bytes <= SEG_PANEL_COPY_MAX) {
        const size_t rows = (n + panel - 1) / panel * panel;
        if (!(J->xp_block = seg_malloc_array(rows * d + 64 / elem, elem)))
            return SEG_NOMEM();
        seg_advise_huge(J->xp_block, (rows * d + 64 / elem) * elem);
        /* on a cache line, as the kernel's loads of a panel row; filled by
         * kjob_fill_panels once the pool runs */
        J->xp = (char *)J->xp_block + (64 - (uintptr_t)J->xp_block % 64) % 64;
    }
    return SEG_OK;
}

/* The panel-major copy of partition p's rows: a partition holds whole
 * blocks, and a block whole panels (seg_block_plan), so each partition's
 * panels start at its first row's offset. */
typedef struct panels_ctx {
    const kjob *J;
    bool f32;
} panels_ctx;

static void panels_part(void *ctx, size_t p, int tid)
{
    const panels_ctx *X = ctx;
    const kjob *J = X->J;
    const size_t elem = X->f32 ? sizeof(float) : sizeof(double);
    size_t r0, r1;
    (void)tid;
    kjob_rows(J, p + J->part_lo, &r0, &r1);
    const char *x = (const char *)J->x + r0 * J->d * elem;
    char *xp = (char *)J->xp + r0 * J->d * elem;
    if (X->f32)
        seg_regkernel_panels_f32((const float *)x, r1 - r0, J->d, (float *)xp);
    else
        seg_regkernel_panels_f64((const double *)x, r1 - r0, J->d, (double *)xp);
}

/* The panel copy, partition by partition on the fit's pool (a copy: the
 * same bytes for any thread count). */
static void kjob_fill_panels(kjob *J, size_t elem)
{
    panels_ctx X = {J, elem == sizeof(float)};
    if (J->xp)
        seg_pool_run(J->pool, J->part_hi - J->part_lo, kjob_pass_threads(J), panels_part, &X);
}

/* R := a workspace for one more run of J's fit, on one thread, reading J's
 * row norms and panel copy. On failure R may hold partial buffers:
 * kjob_free() it. */
static int kjob_clone(kjob *R, const kjob *J, size_t elem)
{
    *R = (kjob){0};
    R->x = J->x;
    R->w = J->w;
    R->n = J->n;
    R->d = J->d;
    R->k = J->k;
    R->threads = 1;
    R->parts = J->parts;
    R->part_lo = J->part_lo;
    R->part_hi = J->part_hi;
    R->row0 = J->row0;
    R->n_total = J->n_total;
    R->xnorm = J->xnorm;
    R->xp = J->xp;
    R->xp_block = J->xp_block;
    R->borrowed = true;
    return kjob_alloc_run(R, elem);
}

/*
 * How many restarts of a fit run side by side, each on one thread with a
 * workspace of its own; 1: one after another, each pass on the pool.
 *
 * A pass on the pool pays a wake-up and a wait for the slowest thread,
 * about SEG_PASS_GRAIN multiply-adds' worth (and more on a loaded machine),
 * which a pass of a few million multiply-adds cannot hide; restarts side by
 * side pay that once per fit, but run in ceil(n_init / T) rounds of whole
 * runs, the last of which waits, on average, half a run for the slowest.
 * With W = n k d multiply-adds a pass (the k-means++ steps cost the same
 * order) and T threads, one pass of every run costs
 *
 *     side by side:  (ceil(n_init / T) + 1/2) W
 *     on the pool:   n_init min(W, W / T + grain)   (one thread under the grain)
 *
 * and the restarts go side by side when the first is no larger, and when
 * the T workspaces (labels, distances and the best run's copies, bounds,
 * partial sums) fit in a quarter of the data's bytes + 16 MiB. No more
 * threads than restarts are used.
 *
 * Results never depend on the choice: a run computes the same partitions
 * in the same order on one thread as on many, restart r always seeds from
 * r, and the best run is the one of least inertia, then least r, as when
 * the runs go one after another.
 */
int seg_kmeans_restart_threads(int threads, int64_t n_init, size_t n, size_t k, size_t d,
                               size_t elem, size_t groups, size_t parts)
{
    const int T = (int64_t)threads < n_init ? threads : (int)n_init;
    if (T < 2)
        return 1;
    const double W = (double)n * (double)k * (double)d;
    const double rounds = (double)((n_init + T - 1) / T);
    const double pooled = W < SEG_PASS_GRAIN ? W : W / threads + SEG_PASS_GRAIN;
    if ((rounds + 0.5) * W > (double)n_init * pooled)
        return 1;
    const double per_run =
        (double)n * (2.0 * (double)elem + 8.0 + (groups ? 8.0 + 4.0 * (double)groups : 0)) +
        (double)parts * (double)k * (double)d * 8.0;
    const double data = (double)n * (double)d * (double)elem;
    if ((double)T * per_run > 0.25 * data + 16.0 * 1024 * 1024)
        return 1;
    return T;
}

/* seg_kmeans_restart_threads for J's fit. A sharded fit exchanges with the
 * other shards at every pass, and a progress callback is promised calls in
 * order from the calling thread: both keep one restart at a time. */
static int kjob_restart_threads(const kjob *J, const bounds_ws *H, int64_t n_init, size_t elem)
{
    if (J->shard || J->progress)
        return 1;
    return seg_kmeans_restart_threads(seg_pool_threads(J->pool), n_init, J->n, J->k, J->d, elem,
                                      H && H->upper ? H->groups : 0, J->parts.count);
}

int seg_rank_cmp(const void *pa, const void *pb)
{
    const seg_rank_key *a = pa, *b = pb;
    if (a->weight != b->weight)
        return a->weight > b->weight ? -1 : 1;
    if (a->size != b->size)
        return a->size > b->size ? -1 : 1;
    for (size_t j = 0; j < a->d; j++)
        if (a->c[j] != b->c[j])
            return a->c[j] < b->c[j] ? -1 : 1;
    return a->old < b->old ? -1 : (a->old > b->old);
}

/* Check the inputs of a fit; the detail message names the offending value. */
static int check_fit_args(const seg_kmeans *km, const void *x, size_t n, size_t d, const double *w,
                          seg_model **out)
{
    if (!out)
        return seg_fail(SEG_ERR_INVALID_ARG, "out is NULL");
    *out = NULL;
    if (!km || !x)
        return seg_fail(SEG_ERR_INVALID_ARG, "k-means object or data is NULL");
    if (n == 0 || d == 0)
        return seg_fail(SEG_ERR_EMPTY, "data has %zu rows and %zu features", n, d);
    if (d > INT32_MAX || (size_t)km->k > INT32_MAX)
        return seg_fail(SEG_ERR_LIMIT, "%zu features exceed the BLAS index range", d);
    if (km->init == SEG_INIT_GIVEN && km->given_d != d)
        return seg_fail(SEG_ERR_MISMATCH, "initial centroids have %zu features, data has %zu",
                        km->given_d, d);
    if (km->init == SEG_INIT_GIVEN && km->given_k != (size_t)km->k)
        return seg_fail(SEG_ERR_MISMATCH,
                        "SEG_KMEANS_K is %lld but %zu initial centroids were given",
                        (long long)km->k, km->given_k);
    return seg_weights_check(w, n);
}

/* Centroid-pair distances are kept for the half-gap test up to this k
 * (a k x k double matrix: 32 MiB at 2048). */
#define SEG_BOUNDS_PAIR_MAX_K 2048

static void bounds_free(bounds_ws *H)
{
    seg_free(H->gstart);
    seg_free(H->group);
    seg_free(H->upper);
    seg_free(H->lower);
    seg_free(H->move);
    seg_free(H->half);
    seg_free(H->cnorm);
    seg_free(H->gmove);
    seg_free(H->gpat);
    seg_free(H->prev);
    seg_free(H->cur);
    seg_free(H->pair);
    seg_free(H->scratch);
}

/*
 * Groups of centroids for an algorithm, within the memory budget of the
 * bounds: 0.20 x the data's bytes + 8 MiB, less the 8 bytes per row of the
 * upper bounds (W3 of bench/ allows the bounded variants 1.25 x the data +
 * 32 MiB in all, and the fit's own per-row arrays take about 16 bytes a row).
 * Elkan (one group per centroid) and Yinyang (about k / 10 groups) fall back
 * to as many groups as fit; 0 when not even Hamerly's one group fits.
 */
static size_t bounds_groups(seg_algorithm alg, size_t n, size_t d, size_t k, size_t elem)
{
    size_t want = alg == SEG_ALGORITHM_ELKAN ? k
                  : alg == SEG_ALGORITHM_YINYANG ? (k + 9) / 10
                  : 1;
    double budget = 0.20 * (double)n * (double)d * (double)elem + 8.0 * 1024 * 1024 -
                    8.0 * (double)n;
    double fit = budget / (4.0 * (double)n);
    if (fit < 1)
        return 0;
    return (double)want <= fit ? want : (size_t)fit;
}

/* Bounds and per-thread gather space for `groups` groups of centroids. */
static int bounds_alloc(bounds_ws *H, const kjob *J, size_t groups, size_t elem)
{
    const size_t n = J->n, k = J->k, d = J->d, block = J->parts.block;
    const size_t kd = k * d; /* checked by kjob_alloc */
    size_t len, lower_len;
    /* gathered rows, 4 + 3 groups T arrays, 3 int32 arrays, two size_t arrays,
     * 2 groups bytes, a double and groups floats (new bounds) per block row, and
     * 8 bytes to align the doubles (the register kernel's pass uses 3 + 3 groups
     * T arrays, the other 4 + groups) */
    if (groups > (SIZE_MAX / 16 - 64) / 4 ||
        !seg_mul_ok(block,
                    d * elem + (4 + 3 * groups) * elem + 3 * sizeof(int32_t) +
                        2 * sizeof(size_t) + 2 * groups + sizeof(double) +
                        groups * sizeof(float),
                    &len) ||
        len > SIZE_MAX - 128 ||
        !seg_mul_ok(n, groups, &lower_len))
        return seg_fail(SEG_ERR_OVERFLOW, "bounds workspace overflows");
    H->groups = groups;
    H->scratch_len = (len + 8 + 63) & ~(size_t)63;
    H->gstart = seg_malloc_array(groups + 1, sizeof *H->gstart);
    H->group = seg_malloc_array(k, sizeof *H->group);
    H->upper = seg_malloc_array(n, sizeof *H->upper);
    H->lower = seg_malloc_array(lower_len, sizeof *H->lower);
    H->move = seg_malloc_array(k, sizeof(double));
    H->half = seg_malloc_array(k, sizeof(double));
    H->cnorm = seg_malloc_array(k, sizeof(double));
    H->gmove = seg_malloc_array(groups, sizeof(double));
    H->gpat = seg_malloc_array(groups, sizeof(float));
    H->prev = seg_malloc_array(kd, sizeof(double));
    H->cur = seg_malloc_array(kd, sizeof(double));
    H->pair = k <= SEG_BOUNDS_PAIR_MAX_K ? seg_malloc_array(k * k, sizeof(double)) : NULL;
    H->scratch = seg_malloc_array((size_t)J->threads, H->scratch_len);
    seg_advise_huge(H->upper, n * sizeof *H->upper);
    seg_advise_huge(H->lower, lower_len * sizeof *H->lower);
    if (!H->gstart || !H->group || !H->upper || !H->lower || !H->move || !H->half ||
        !H->cnorm || !H->gmove || !H->gpat || !H->prev || !H->cur ||
        (k <= SEG_BOUNDS_PAIR_MAX_K && !H->pair) || !H->scratch)
        return SEG_NOMEM();
    /* Groups are equal ranges of centroid indices. */
    for (size_t g = 0; g <= groups; g++)
        H->gstart[g] = g * k / groups;
    for (size_t g = 0; g < groups; g++)
        for (size_t j = H->gstart[g]; j < H->gstart[g + 1]; j++)
            H->group[j] = g;
    return SEG_OK;
}

/* Where a shard's rows lie among all rows (seg_kmeans_fit_shard_*). */
typedef struct shard_spec {
    seg_shard_fn fn;
    void *user;
    size_t n_total, part_first, part_count;
} shard_spec;

/* Whether x[0..n) holds a value that is not finite, without a branch per
 * value: v - v is +0 for a finite v and NaN otherwise, and the NaN stays in
 * the lane sums (two-lane vectors, which every x86-64 and AArch64 has; a
 * fit checks every value of its rows before anything else). */
typedef double seg_v2d __attribute__((vector_size(16)));
typedef float seg_v4f __attribute__((vector_size(16)));

static bool any_nonfinite_f64(const double *x, size_t n)
{
    seg_v2d a = {0, 0}, b = {0, 0};
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        seg_v2d u, v;
        memcpy(&u, x + i, sizeof u);
        memcpy(&v, x + i + 2, sizeof v);
        a += u - u;
        b += v - v;
    }
    double z = a[0] + a[1] + b[0] + b[1];
    for (; i < n; i++)
        z += x[i] - x[i];
    return z != 0;
}

static bool any_nonfinite_f32(const float *x, size_t n)
{
    seg_v4f a = {0, 0, 0, 0}, b = {0, 0, 0, 0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        seg_v4f u, v;
        memcpy(&u, x + i, sizeof u);
        memcpy(&v, x + i + 4, sizeof v);
        a += u - u;
        b += v - v;
    }
    float z = a[0] + a[1] + a[2] + a[3] + b[0] + b[1] + b[2] + b[3];
    for (; i < n; i++)
        z += x[i] - x[i];
    return z != 0;
}

/* The index of the first value of x[0..count) that is not finite, or
 * count: blocks are checked, and the first one with a bad value scanned. */
static size_t first_nonfinite(const void *x, bool f32, size_t count)
{
    enum { BLOCK = 4096 };
    for (size_t i0 = 0; i0 < count; i0 += BLOCK) {
        const size_t m = count - i0 < BLOCK ? count - i0 : BLOCK;
        if (!(f32 ? any_nonfinite_f32((const float *)x + i0, m)
                  : any_nonfinite_f64((const double *)x + i0, m)))
            continue;
        for (size_t i = i0; i < i0 + m; i++)
            if (!isfinite(f32 ? (double)((const float *)x)[i] : ((const double *)x)[i]))
                return i;
    }
    return count;
}

/*
 * Check the data of a fit and set up its workspace J (n, d, k, partitions,
 * threads, buffers). On failure J may hold partial buffers: kjob_free() it.
 * Sharded (sh not NULL), every shard returns the same status: the checks
 * of the local rows are agreed before the shards exchange anything.
 */
static int kjob_prepare(kjob *J, const seg_kmeans *km, const void *x, bool f32, size_t n, size_t d,
                        const double *w, const shard_spec *sh)
{
    const size_t elem = f32 ? sizeof(float) : sizeof(double);
    size_t k = (size_t)km->k, count, distinct = 0;
    int rc = SEG_OK;

    J->x = x;
    J->w = w;
    J->n = n;
    J->d = d;
    J->k = k;
    J->n_total = sh ? sh->n_total : n;
    J->parts = seg_parts_plan(J->n_total, k, d, elem);
    J->part_lo = 0;
    J->part_hi = J->parts.count;
    if (sh) {
        J->shard = sh->fn;
        J->shard_user = sh->user;
        J->part_lo = sh->part_first;
        J->part_hi = sh->part_first + sh->part_count;
        J->row0 = J->part_lo * J->parts.rows;
        size_t end = J->part_hi * J->parts.rows;
        if (end > J->n_total)
            end = J->n_total;
        if (sh->part_count == 0 || J->part_hi > J->parts.count || sh->n_total < n)
            rc = seg_fail(SEG_ERR_INVALID_ARG,
                          "shard partitions [%zu, %zu) are not within the fit's %zu partitions",
                          J->part_lo, J->part_hi, J->parts.count);
        else if (end - J->row0 != n)
            rc = seg_fail(SEG_ERR_INVALID_ARG,
                          "the shard holds %zu rows, but its partitions [%zu, %zu) hold %zu", n,
                          J->part_lo, J->part_hi, end - J->row0);
    }
    if (rc == SEG_OK && (!seg_mul_ok(n, d, &count) || count > SIZE_MAX / elem))
        rc = seg_fail(SEG_ERR_OVERFLOW, "%zu x %zu values overflow", n, d);
    if (rc == SEG_OK) {
        const size_t i = first_nonfinite(x, f32, count);
        if (i < count)
            rc = seg_fail(SEG_ERR_NONFINITE, "row %zu, feature %zu is not finite",
                          J->row0 + i / d + 1, i % d + 1);
    }
    if (rc == SEG_OK)
        rc = f32 ? count_distinct_f32(x, n, d, k, &distinct)
                 : count_distinct_f64(x, n, d, k, &distinct);
    if ((rc = shard_agree(J, rc)) < 0)
        return rc;
    if (sh && (rc = shard_agree(J, f32 ? shard_distinct_f32(J, x, n, d, k, distinct, &distinct)
                                       : shard_distinct_f64(J, x, n, d, k, distinct, &distinct))) < 0)
        return rc;
    if (distinct < k)
        return seg_fail(SEG_ERR_TOO_FEW_POINTS,
                        "k = %zu segments asked, but the data has only %zu distinct rows", k,
                        distinct);
    J->threads = seg_pass_threads((seg_blocking){J->parts.block, J->parts.threaded}, km->threads);
    {
        /* No more threads than partitions of a pass, or than restarts that
         * may run side by side (kjob_restart_threads). */
        const size_t runs = sh || km->progress || km->init == SEG_INIT_GIVEN ? 1
                                                                            : (size_t)km->n_init;
        const size_t parts = J->part_hi - J->part_lo, most = parts > runs ? parts : runs;
        if ((size_t)J->threads > most)
            J->threads = (int)most;
    }
    rc = kjob_alloc(J, elem);
    /* One set of threads for all passes of all runs, k-means++ included
     * (issue 20, item 5). A build without OpenMP keeps every pass on the
     * calling thread, as docs/api.md says, and so does a fit called from
     * inside an OpenMP parallel region (as OpenMP without nesting would). */
#ifdef _OPENMP
    if (rc == SEG_OK && J->threads > 1 && !omp_in_parallel())
        rc = seg_pool_start(&J->pool, J->threads);
#endif
    if (rc == SEG_OK)
        kjob_fill_panels(J, elem);
    return shard_agree(J, rc);
}

/*
 * Whether the distances of the fit's last pass are those predict gives on
 * the model. The model numbers the same centroids in another order; the
 * register kernel's distance from a row to a centroid depends on neither's
 * position (distance.h), a BLAS GEMM's is not promised to.
 */
static bool last_pass_is_predict(const kresult *R, size_t d, size_t elem)
{
    return R->exact && seg_regkernel_ok(d, elem);
}

/* The fit, of all rows (sh NULL) or of one shard's. */
static int fit_rows(seg_kmeans *km, const void *x, bool f32, size_t n, size_t d, const double *w,
                    const shard_spec *sh, int32_t *labels_out, double *dist_out, seg_model **out)
{
    const double t0 = seg_now_seconds();
    const size_t elem = f32 ? sizeof(float) : sizeof(double);
    size_t k;
    kjob J = {0};
    bounds_ws H = {0};
    kresult R = {0};
    double *best_c = NULL;
    int32_t *best_labels = NULL;
    seg_model *m = NULL;
    seg_rank_key *keys = NULL;
    int32_t *relabel = NULL;
    int rc;

    rc = check_fit_args(km, x, n, d, w, out);
    if (sh) { /* agreed, so that no shard waits for one that gave up */
        J.shard = sh->fn;
        J.shard_user = sh->user;
        rc = shard_agree(&J, rc);
    }
    if (rc < 0)
        return rc;
    /* Size bounds make every assignment a transportation problem. */
    if (km->cap_k || km->min_size || km->max_size)
        return seg_capacity_fit_rows(km, x, f32, n, d, w, labels_out, dist_out, out);
    k = (size_t)km->k;
    best_labels = labels_out ? labels_out : seg_malloc_array(n, sizeof *best_labels);
    /* one run: its labels are the best run's, kept where they are wanted */
    const bool one_run = km->init == SEG_INIT_GIVEN || km->n_init == 1;
    if (one_run)
        J.labels_given = best_labels;
    if ((rc = kjob_prepare(&J, km, x, f32, n, d, w, sh)) < 0)
        goto done;
    R.sizes = seg_calloc(k, sizeof *R.sizes);
    R.weights = seg_calloc(k, sizeof *R.weights);
    best_c = seg_malloc_array(k * d, sizeof *best_c);
    keys = seg_malloc_array(k, sizeof *keys);
    relabel = seg_malloc_array(k, sizeof *relabel);
    const bool have = R.sizes && R.weights && best_c && best_labels && keys && relabel;
    rc = have ? SEG_OK : SEG_NOMEM();
    /* agreed, or the other shards would wait in the exchange below for
     * one that gave up */
    if ((rc = shard_agree(&J, rc)) < 0)
        goto done;
    {
        /* Decided on all rows (n_total), never on a shard's share. */
        seg_algorithm alg = seg_kmeans_algorithm_for(km->algorithm, J.n_total, d, k);
        size_t groups = alg == SEG_ALGORITHM_LLOYD ? 0 : bounds_groups(alg, J.n_total, d, k, elem);
        if (sh) {
            /* AUTO measures this process's machine, which may differ from
             * shard to shard: the first shard's choice is every shard's, so
             * all run the same passes and make the same exchanges. */
            int64_t g = (int64_t)groups;
            shard_call(&J, SEG_SHARD_BCAST, &g, sizeof g, 0);
            groups = g > 0 ? (size_t)g : 0;
        }
        rc = groups > 0 ? bounds_alloc(&H, &J, groups, elem) : SEG_OK;
        if ((rc = shard_agree(&J, rc)) < 0)
            goto done;
        /* the same on every shard: groups, n_init and dist_out (NULL) are */
        J.drop_mind = one_run && !dist_out && groups == 0;
    }
    J.progress = km->progress;
    J.progress_user = km->progress_user;
    J.progress_total = (size_t)(km->init == SEG_INIT_GIVEN ? 1 : km->n_init) * (size_t)km->max_iter;
    rc = f32 ? fit_runs_f32(&J, km, H.upper ? &H : NULL, best_c, best_labels, dist_out, &R)
             : fit_runs_f64(&J, km, H.upper ? &H : NULL, best_c, best_labels, dist_out, &R);
    if (rc < 0)
        goto done;
    if (km->progress) /* done; the answer no longer matters */
        (void)km->progress(km->progress_user, J.progress_total, J.progress_total);

    /* Number segments in a stable order that does not depend on the start. */
    for (size_t j = 0; j < k; j++)
        keys[j] = (seg_rank_key){j, R.weights[j], R.sizes[j], best_c + j * d, d};
    if (!km->keep_order)
        qsort(keys, k, sizeof *keys, seg_rank_cmp);
    for (size_t j = 0; j < k; j++)
        memcpy(J.c + j * d, best_c + keys[j].old * d, d * sizeof *best_c);
    if ((rc = seg_model_create(&m, k, d, f32 ? SEG_DTYPE_F32 : SEG_DTYPE_F64, J.c)) < 0)
        goto done;
    for (size_t j = 0; j < k; j++) {
        m->sizes[j] = keys[j].size;
        m->weights[j] = keys[j].weight;
        relabel[keys[j].old] = (int32_t)j;
    }
    for (size_t i = 0; i < n; i++)
        best_labels[i] = relabel[best_labels[i]];
    /* Otherwise one exact pass in the kernel gives predict's labels and
     * distances (once: this is the only other labelling of the rows). */
    if (dist_out && !last_pass_is_predict(&R, d, elem) &&
        (rc = seg_model_label_rows(m, x, f32, n, km->threads, best_labels, dist_out)) < 0)
        goto done;
    m->n_rows = J.n_total;
    m->inertia = R.inertia;
    m->iterations = R.iterations;
    m->converged = R.converged;
    m->init_seconds = R.init_seconds;
    m->fit_seconds = seg_now_seconds() - t0;
    *out = m;
    m = NULL;
done:
    seg_model_free(m);
    bounds_free(&H);
    kjob_free(&J);
    seg_free(R.sizes);
    seg_free(R.weights);
    seg_free(best_c);
    if (best_labels != labels_out)
        seg_free(best_labels);
    seg_free(keys);
    seg_free(relabel);
    return rc;
}

int seg_kmeans_fit_rows(seg_kmeans *km, const void *x, bool f32, size_t n, size_t d,
                        const double *w, int32_t *labels_out, double *dist_out, seg_model **out)
{
    return fit_rows(km, x, f32, n, d, w, NULL, labels_out, dist_out, out);
}

int seg_kmeans_partitions(const seg_kmeans *km, size_t n, size_t d, int dtype, size_t *rows,
                          size_t *parts)
{
    if (!km || !rows || !parts || n == 0 || d == 0 ||
        (dtype != SEG_DTYPE_F32 && dtype != SEG_DTYPE_F64))
        return seg_fail(SEG_ERR_INVALID_ARG,
                        "seg_kmeans_partitions needs km, rows, parts, n, d >= 1 and a dtype");
    seg_parts P = seg_parts_plan(n, (size_t)km->k, d,
                                 dtype == SEG_DTYPE_F32 ? sizeof(float) : sizeof(double));
    *rows = P.rows;
    *parts = P.count;
    return SEG_OK;
}

static int fit_shard(seg_kmeans *km, const void *x, bool f32, size_t n, size_t d,
                     const double *weights, size_t n_total, size_t part_first, size_t part_count,
                     seg_shard_fn fn, void *user, int32_t *labels, seg_model **out)
{
    if (!fn) {
        if (out)
            *out = NULL;
        return seg_fail(SEG_ERR_INVALID_ARG, "the shard exchange callback is NULL");
    }
    shard_spec sh = {fn, user, n_total, part_first, part_count};
    return fit_rows(km, x, f32, n, d, weights, &sh, labels, NULL, out);
}

int seg_kmeans_fit_shard_f32(seg_kmeans *km, const float *x, size_t n, size_t d,
                             const double *weights, size_t n_total, size_t part_first,
                             size_t part_count, seg_shard_fn fn, void *user, int32_t *labels,
                             seg_model **out)
{
    SEG_ALLOC_SCOPE(km);
    return fit_shard(km, x, true, n, d, weights, n_total, part_first, part_count, fn, user,
                     labels, out);
}

int seg_kmeans_fit_shard_f64(seg_kmeans *km, const double *x, size_t n, size_t d,
                             const double *weights, size_t n_total, size_t part_first,
                             size_t part_count, seg_shard_fn fn, void *user, int32_t *labels,
                             seg_model **out)
{
    SEG_ALLOC_SCOPE(km);
    return fit_shard(km, x, false, n, d, weights, n_total, part_first, part_count, fn, user,
                     labels, out);
}

int seg_kmeans_fit_f32(seg_kmeans *km, const float *x, size_t n, size_t d, const double *weights,
                       int32_t *labels, seg_model **out)
{
    SEG_ALLOC_SCOPE(km);
    return seg_kmeans_fit_rows(km, x, true, n, d, weights, labels, NULL, out);
}

int seg_kmeans_fit_f64(seg_kmeans *km, const double *x, size_t n, size_t d, const double *weights,
                       int32_t *labels, seg_model **out)
{
    SEG_ALLOC_SCOPE(km);
    return seg_kmeans_fit_rows(km, x, false, n, d, weights, labels, NULL, out);
}

/* The starting centroids of the first run of a fit, without the fit. */
static int init_matrix(const seg_kmeans *km, const void *x, bool f32, size_t n, size_t d,
                       const double *w, double *centroids, size_t len)
{
    kjob J = {0};
    seg_model *unused;
    int rc;

    if ((rc = check_fit_args(km, x, n, d, w, &unused)) < 0)
        return rc;
    if (!centroids)
        return seg_fail(SEG_ERR_INVALID_ARG, "centroids is NULL");
    if (len / d < (size_t)km->k)
        return seg_fail(SEG_ERR_INVALID_ARG, "centroids holds %zu values; %lld x %zu needed", len,
                        (long long)km->k, d);
    if ((rc = kjob_prepare(&J, km, x, f32, n, d, w, NULL)) == SEG_OK) {
        if (f32)
            seg_row_norms_f32(x, n, d, J.xnorm);
        else
            seg_row_norms_f64(x, n, d, J.xnorm);
        rc = f32 ? start_f32(&J, km, 0) : start_f64(&J, km, 0);
        if (rc == SEG_OK)
            memcpy(centroids, J.c, J.k * d * sizeof *centroids);
    }
    kjob_free(&J);
    return rc;
}

int seg_kmeans_start(const seg_kmeans *km, int64_t seed, const void *x, bool f32, size_t n,
                     size_t d, const double *w, double *c)
{
    seg_kmeans copy = *km;
    copy.seed = seed;
    return init_matrix(&copy, x, f32, n, d, w, c, (size_t)km->k * d);
}

int seg_kmeans_init_f32(const seg_kmeans *km, const float *x, size_t n, size_t d,
                        const double *weights, double *centroids, size_t len)
{
    SEG_ALLOC_SCOPE(km);
    return init_matrix(km, x, true, n, d, weights, centroids, len);
}

int seg_kmeans_init_f64(const seg_kmeans *km, const double *x, size_t n, size_t d,
                        const double *weights, double *centroids, size_t len)
{
    SEG_ALLOC_SCOPE(km);
    return init_matrix(km, x, false, n, d, weights, centroids, len);
}

/* The creator again, with a as the current allocator: everything the new
 * object holds, now and later, comes from a. */
int seg_kmeans_new_with_allocator(seg_kmeans **out, seg_allocator *a)
{
    SEG_WITH_ALLOCATOR(a, seg_kmeans_new(out));
}
