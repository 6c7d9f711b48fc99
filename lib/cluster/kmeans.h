/*
 * Private k-means declarations shared by the fits of lib/cluster: in memory
 * (kmeans.c), in chunks (fit_chunks.c, lloyd_stream.c) and mini-batch.
 */
#ifndef SEG_KMEANS_H
#define SEG_KMEANS_H

#include "model/model.h"
#include "prepare/qsketch.h"
#include "kernel/machine.h"

/*
 * The k-means fit of n x d rows x (float when f32, else double; weights w or
 * NULL) behind seg_kmeans_fit_f32/_f64: the model (no scaler, profiles or
 * outlier reference: later stages add those) and the fit's labels. When dist
 * is not NULL, labels (then required) and dist receive each row's segment
 * and its distance to the segment's centroid, the distances bit for bit what
 * seg_predictor_run_* gives on the model and x, and the labels too but for a
 * row at exactly the same distance from two centroids (the fit's choice):
 * from the fit's last pass when it labelled the rows against the final
 * centroids through the register kernel, else from one exact pass of the
 * model's (seg_model_label_rows), whose labels replace the fit's.
 */
int seg_kmeans_fit_rows(seg_kmeans *km, const void *x, bool f32, size_t n, size_t d,
                        const double *w, int32_t *labels, double *dist, seg_model **out);

/*
 * A fit of km numbers its segments as its SEG_INIT_GIVEN centroids are
 * numbered, not in the segment order below (for the mini-batch fit's final
 * Lloyd steps, which keep the batches' numbering).
 */
void seg_kmeans_keep_order(seg_kmeans *km);

/*
 * The mini-batch fit behind seg_minibatch_fit_f32/_f64 (minibatch.c): the
 * model (sizes, weights and inertia from the final pass; no outlier
 * reference, scaler or profiles) and, when not NULL, the final pass's labels
 * and distances, predict's bit for bit.
 */
int seg_minibatch_fit_rows(seg_minibatch *mb, const void *x, bool f32, size_t n, size_t d,
                           const double *w, int32_t *labels, double *dist, seg_model **out);

/*
 * The fits of a file read in chunks behind seg_kmeans_fit_chunks and
 * seg_minibatch_fit_chunks (fit_chunks.c): the model (with a copy of sc; no
 * outlier reference) and in *dist its k sketches (seg_qsketch_array_free)
 * of every row's distance to its segment's centroid, predict's, by segment
 * in the model's numbering. Both NULL on failure.
 */
int seg_kmeans_fit_chunked(seg_kmeans *km, seg_csv_chunker *ch, const seg_scaler *sc,
                           size_t sample_rows, seg_qsketch **dist, seg_model **out);
int seg_minibatch_fit_chunked(seg_minibatch *mb, seg_csv_chunker *ch, const seg_scaler *sc,
                              size_t sample_rows, uint64_t seed, seg_qsketch **dist,
                              seg_model **out);

/* Partitioning of n rows into fixed ranges whose partial sums are combined in
 * order: it depends on n, k, d and the element size only, never on the
 * number of threads, so results are identical for any thread count. */
typedef struct seg_parts {
    size_t block;     /* rows per GEMM block */
    size_t rows;      /* rows per partition (a multiple of block) */
    size_t count;     /* number of partitions */
    bool threaded;    /* library threads may run partitions (see seg_block_plan) */
} seg_parts;

seg_parts seg_parts_plan(size_t n, size_t k, size_t d, size_t elem);

/* The algorithm a fit runs for SEG_KMEANS_ALGORITHM = setting (AUTO resolved
 * by seg_kmeans_auto_rule on this process's seg_machine_get()). */
seg_algorithm seg_kmeans_algorithm_for(int64_t setting, size_t n, size_t d, size_t k);

/*
 * AUTO's choice on machine m (see kmeans_auto.c): Yinyang when k reaches the
 * break-even k for d, Lloyd below; regkernel: whether the register kernel
 * serves d. A function of its arguments only, for tests with synthetic
 * machines. Every choice gives the same results (docs/api.md, Algorithms).
 */
seg_algorithm seg_kmeans_auto_rule(const seg_machine *m, bool regkernel, size_t n, size_t d,
                                   size_t k);

/* The least k at which AUTO picks the bounds for d features on machine m
 * (register kernel). */
double seg_kmeans_auto_break_even(const seg_machine *m, size_t d);

/*
 * How many of a fit's n_init restarts run side by side, one a thread, on a
 * pool of `threads` (1: one after another, each pass on the pool), for n
 * rows, k centroids, d features of elem bytes, `groups` groups of bounds
 * (0: Lloyd) and `parts` partitions (see kmeans.c). A function of its
 * arguments only, for tests; the choice never changes a result.
 */
int seg_kmeans_restart_threads(int threads, int64_t n_init, size_t n, size_t k, size_t d,
                               size_t elem, size_t groups, size_t parts);

/*
 * The statistics one assignment pass produces over a set of rows: per-segment
 * weighted sums of the rows (k x d), weights and counts (k), the inertia and
 * the number of rows whose label changed. A mergeable value: merging the
 * statistics of disjoint row sets gives those of their union, and merging in
 * a fixed order gives bit-identical sums. Partitions are merged this way, and
 * shards held by other processes could be (an allreduce over these arrays).
 * sum, weight and count may be NULL when only inertia and changes are kept.
 */
typedef struct seg_kstats {
    double *sum;
    double *weight;
    int64_t *count;
    double inertia;
    int64_t changed;
} seg_kstats;

/* Empty statistics (zero sums, weights, counts, inertia and changes). */
void seg_kstats_clear(seg_kstats *s, size_t k, size_t d);

/* into += from; the arrays are merged only when both have them. */
void seg_kstats_merge(seg_kstats *into, const seg_kstats *from, size_t k, size_t d);

/*
 * Stopping rules of a Lloyd loop after a pass that left every segment
 * non-empty, shared by the in-memory and the chunked fits so that both stop
 * after the same iterations: labels unchanged since the last update (that
 * pass counts as an iteration, as scikit-learn counts it), the last update
 * moved the centroids less than the tolerance, or max_iter updates done.
 */
typedef enum seg_lloyd_verdict {
    SEG_LLOYD_GO_ON,  /* update the centroids and pass again */
    SEG_LLOYD_STABLE, /* converged: count this pass and stop */
    SEG_LLOYD_TOL,    /* converged by the tolerance: stop */
    SEG_LLOYD_LIMIT   /* max_iter reached, not converged: stop */
} seg_lloyd_verdict;

static inline seg_lloyd_verdict seg_lloyd_verdict_of(bool unchanged, bool tol_hit, int64_t iters,
                                                     int64_t max_iter)
{
    if (iters > 0 && unchanged)
        return SEG_LLOYD_STABLE;
    if (tol_hit)
        return SEG_LLOYD_TOL;
    return iters >= max_iter ? SEG_LLOYD_LIMIT : SEG_LLOYD_GO_ON;
}

/* Passes that re-seed an empty segment a loop allows beyond max_iter. */
#define SEG_LLOYD_RESEED_SLACK 16

/*
 * Segment order of every fit (in memory and in chunks): decreasing weight,
 * then decreasing size, then the centroid coordinates in lexicographic
 * order, then the old index; a qsort comparator over seg_rank_key.
 */
typedef struct seg_rank_key {
    size_t old;
    double weight;
    size_t size;
    const double *c;
    size_t d;
} seg_rank_key;

int seg_rank_cmp(const void *a, const void *b);

/* What the capacity fit (capacity.c) reads of a k-means object: its
 * settings, and the size bounds (cap_lo and cap_hi: cap_k per-segment
 * bounds from seg_kmeans_set_capacity, or NULL; min_size and max_size:
 * SEG_KMEANS_MIN_SIZE and _MAX_SIZE, 0 = none). */
typedef struct seg_kmeans_view {
    size_t k;
    int64_t max_iter, n_init, seed, init, threads;
    int64_t min_size, max_size;
    const int64_t *cap_lo, *cap_hi;
    size_t cap_k;
    seg_progress_fn progress;
    void *progress_user;
} seg_kmeans_view;

seg_kmeans_view seg_kmeans_view_of(const seg_kmeans *km);

/* The starting centroids (k x d) of a run seeded with seed: those of
 * seg_kmeans_init_f32/_f64 with SEG_KMEANS_SEED = seed. */
int seg_kmeans_start(const seg_kmeans *km, int64_t seed, const void *x, bool f32, size_t n,
                     size_t d, const double *w, double *c);

/*
 * k-means|| (SEG_INIT_KMEANS_PARALLEL): the uniform draw in [0, 1) of row
 * `row` (among all rows) in sampling round `round` of a run keyed by key.
 * A function of its arguments only (splitmix64's finaliser, twice), so a
 * row's draw does not depend on the process or order that makes it:
 *   s = (round << 48) ^ row; h = mix(s); t = key ^ h; u = (mix(t) >> 11) 2^-53
 * with mix = seg_splitmix64 (state advanced by the golden gamma, then mixed).
 * The row is taken when u < l w closest / cost (l = 2k oversampling).
 */
double seg_kpar_draw(uint64_t key, uint64_t round, uint64_t row);

/* Tests: called once per k-means|| run with its candidates (m x d, in the
 * order they were drawn: the first centre, then each round's rows in row
 * order), their weights (rows nearest each), and the run's draw key. */
typedef void (*seg_kpar_probe_fn)(void *user, const double *cand, const double *cw, size_t m,
                                  size_t d, uint64_t key);
void seg_kmeans_set_kpar_probe(seg_kmeans *km, seg_kpar_probe_fn fn, void *user);

#endif
