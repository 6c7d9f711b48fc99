/*
 * The distance kernel: the one place where point-to-centroid squared
 * distances are computed (one GEMM per block of rows, ||x||^2 - 2 x.c + ||c||^2
 * clamped at 0). K-means, k-means++, predict and the metrics all call it.
 */
#ifndef SEG_DISTANCE_H
#define SEG_DISTANCE_H

#include "core/core.h"

/*
 * Hot loops around the GEMM (argmin, accumulation) are compiled for AVX-512,
 * AVX2 and the baseline, the best picked at load time (GCC on x86-64 ELF).
 */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__ELF__) &&       \
    !defined(__SANITIZE_THREAD__) && !defined(__SANITIZE_ADDRESS__)
/* (Not under sanitizers: their runtimes are not ready when ifunc resolvers run.) */
#define SEG_HOT_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SEG_HOT_CLONES
#endif

/*
 * How a pass over rows is cut into GEMM blocks against k centroids of d
 * features (elem bytes each).
 *
 * block: rows per block, so that the block x k tile stays within ~256 KiB
 * (half a typical L2). When the BLAS is OpenBLAS, whose pthread build runs
 * its own thread pool for any GEMM above 65536 x OPENBLAS_GEMM_MULTITHREAD_THRESHOLD
 * multiply-adds, the block is also kept under that size so that each call
 * stays on the calling thread and the library's threads never fight BLAS's.
 * If that would make blocks too small to be efficient (large k x d), the
 * block keeps its cache size and threaded is false: the pass then runs on one
 * library thread and BLAS threads each (large) GEMM itself.
 *
 * A function of k, d and elem only (never of the thread count), so the fit
 * and predict cut a matrix into the same blocks and give rows the same labels.
 */
typedef struct seg_blocking {
    size_t block;
    bool threaded;
} seg_blocking;

seg_blocking seg_gemm_plan(size_t k, size_t d, size_t elem);

/*
 * The plan of the nearest-centroid passes (k-means, k-means++, predict):
 * seg_gemm_plan's, or, when the register kernel serves d (no BLAS call in
 * those passes), blocks bounded by the tile size only and always threaded.
 * Callers of the row-major seg_sqdist_tile (a GEMM) use seg_gemm_plan.
 */
seg_blocking seg_block_plan(size_t k, size_t d, size_t elem);

/* Library threads for a pass: the setting, or 1 when BLAS threads instead. */
int seg_pass_threads(seg_blocking b, int64_t setting);

/* Squared norms of n rows, summed in double. */
void seg_row_norms_f32(const float *x, size_t n, size_t d, float *out);
void seg_row_norms_f64(const double *x, size_t n, size_t d, double *out);

/*
 * tile[i * k + j] = max(0, xnorm[i] - 2 x_i.c_j + cnorm[j]) for b rows x and k
 * centroids c (both row-major with d columns).
 */
void seg_sqdist_tile_f32(const float *x, size_t b, size_t d, const float *xnorm, const float *c,
                         size_t k, const float *cnorm, float *tile);
void seg_sqdist_tile_f64(const double *x, size_t b, size_t d, const double *xnorm,
                         const double *c, size_t k, const double *cnorm, double *tile);

/*
 * Nearest centroid of b rows: labels[i] and its squared distance mind[i]
 * (clamped at 0; ties go to the lowest index). tile is b * k scratch.
 */
void seg_assign_block_f32(const float *x, size_t b, size_t d, const float *xnorm, const float *c,
                          size_t k, const float *cnorm, float *tile, int32_t *labels, float *mind);
void seg_assign_block_f64(const double *x, size_t b, size_t d, const double *xnorm,
                          const double *c, size_t k, const double *cnorm, double *tile,
                          int32_t *labels, double *mind);

/*
 * The labelling pass of predict: the nearest of k centroids c (their norms
 * cnorm as seg_row_norms gives them) for each of n rows, block by block as
 * seg_block_plan(k, d, elem) cuts the rows from row 0, on up to `threads`
 * library threads (a seg_pass_threads setting; the result does not depend on
 * it): labels[i], and distances[i] = sqrt(mind[i]) in double unless
 * distances is NULL. The predictor is this pass; a stage that must give the
 * distances predict would give (a fit's exact last pass, an outlier
 * reference) calls it rather than a predictor. scratch holds
 * seg_nearest_scratch() bytes for the same arguments: pass both a resolved
 * count (seg_threads_resolve), not 0, which follows the affinity mask and
 * may differ between the two calls. Fewer threads may run than the scratch
 * holds (seg_threads_startable), never more. Returns false when a row's squared norm is not
 * finite (a NaN or an infinity, or values too large to square in this
 * precision); every row is labelled all the same.
 */
bool seg_nearest_rows_f32(const float *x, size_t n, size_t d, const float *c, size_t k,
                          const float *cnorm, int64_t threads, void *scratch, int32_t *labels,
                          double *distances);
bool seg_nearest_rows_f64(const double *x, size_t n, size_t d, const double *c, size_t k,
                          const double *cnorm, int64_t threads, void *scratch, int32_t *labels,
                          double *distances);

/* Bytes of scratch seg_nearest_rows needs for these arguments (elem: 4 or 8),
 * or 0 when they overflow. */
size_t seg_nearest_scratch(size_t n, size_t k, size_t d, size_t elem, int64_t threads);

/*
 * As seg_assign_block (same labels and mind, bit for bit), also giving for
 * each of the groups of centroids gstart[g] .. gstart[g + 1] - 1 the smallest
 * squared distance to a centroid of the group other than the row's own:
 * gmin[g * b + i] (+inf when there is none). For the bounded k-means.
 */
void seg_assign_groups_block_f32(const float *x, const float *xp, size_t b, size_t d,
                                 const float *xnorm,
                                 const float *c, size_t k, const float *cnorm, float *tile,
                                 const size_t *gstart, size_t groups, int32_t *labels, float *mind,
                                 float *gmin);
void seg_assign_groups_block_f64(const double *x, const double *xp, size_t b, size_t d,
                                 const double *xnorm,
                                 const double *c, size_t k, const double *cnorm, double *tile,
                                 const size_t *gstart, size_t groups, int32_t *labels,
                                 double *mind, double *gmin);

/*
 * The register kernel (regkernel.c): on x86-64 CPUs with AVX-512F, or AVX2
 * and FMA, and for d <= SEG_RK_DMAX, the nearest-centroid passes compute their distances in
 * registers instead of through BLAS. Rows sit in vector lanes (a panel of
 * rows is transposed once on the stack), each centroid coordinate is
 * broadcast, and the dot products are consumed while in registers: folded
 * into the running minimum (seg_regkernel_assign) or written as one
 * centroid-major tile (seg_regkernel_tile). No BLAS call means no BLAS
 * threads and no per-call packing, which dominate at the small k x d of
 * customer data; blocks may then be as large as the cache allows and every
 * pass may use the library's threads. Each row's result depends only on the
 * row and the centroids, never on the block or thread it falls in.
 *
 * The two entry points give bit-identical values: assign's v = fma(dot, -2,
 * |c|^2) equals tile's -2 dot (exact) plus |c|^2 as argmin_columns adds it.
 */
#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
#define SEG_HAVE_REGKERNEL 1
#else
#define SEG_HAVE_REGKERNEL 0
#endif
#define SEG_RK_DMAX 256 /* features; the transposed panel lives on the stack */

/* Whether the register kernel serves d features of elem bytes on this CPU. */
bool seg_regkernel_ok(size_t d, size_t elem);

/*
 * Tests only (not thread-safe): which = 512 or 256 forces the AVX-512 or the
 * AVX2 kernel (or the best below it the CPU has), -1 none (every pass through
 * BLAS), 0 the CPU's best again.
 */
void seg_regkernel_force(int which);

/*
 * Rows of the register kernel's panels (32 floats or 16 doubles): rows are
 * transposed a panel at a time, xt[j * panel + r] for the panel's row r.
 */
size_t seg_regkernel_panel_rows(size_t elem);

/* Largest rows (bytes) of which a fit keeps a panel-major copy: 24 MiB, within
 * the 32 MiB over the data that the fit's memory budget allows. */
#define SEG_PANEL_COPY_MAX ((size_t)24 << 20)

/*
 * The panel-major copy of n rows: xt[p0 * d + j * panel + r] = x[(p0 + r) * d + j]
 * for each panel starting at row p0; rows past n are 0. xt holds n rounded up
 * to a whole panel, times d. A fit whose rows are small enough keeps this
 * copy, so the passes need not transpose the rows again each time.
 */
void seg_regkernel_panels_f32(const float *x, size_t n, size_t d, float *xt);
void seg_regkernel_panels_f64(const double *x, size_t n, size_t d, double *xt);

/*
 * As seg_assign_block, without scratch (labels as floats: k < 2^24). xp is
 * NULL, or the rows' panel-major copy (seg_regkernel_panels) from the
 * block's first row, which must start a panel.
 */
void seg_regkernel_assign_f32(const float *x, const float *xp, size_t b, size_t d,
                              const float *xnorm, const float *c, size_t k, const float *cnorm,
                              int32_t *labels, float *mind);
void seg_regkernel_assign_f64(const double *x, const double *xp, size_t b, size_t d,
                              const double *xnorm, const double *c, size_t k,
                              const double *cnorm, int32_t *labels, double *mind);

/*
 * seg_regkernel_assign (the same labels and mind, bit for bit) that also
 * keeps, for each group g of centroids gstart[g] .. gstart[g + 1] - 1
 * (group[j]: the group of centroid j), the smallest value
 * v = -2 x.c + |c|^2 of the group in gb[g * b + i], the second smallest in
 * gs[g * b + i] and the index of the smallest, as T, in gid[g * b + i]. need
 * (b x groups bytes, or NULL for all) says which groups row i needs: a
 * panel of rows computes a group when any of its rows needs it, and a
 * group it skips gets gid = -1 (gb, gs = +inf). The label is the nearest
 * centroid among the computed ones: the caller must mark a row's own group
 * and every group that could hold a centroid nearer than its own as needed.
 * Each computed value equals Lloyd's for that row and centroid, bit for bit.
 */
void seg_regkernel_assign_groups_f32(const float *x, const float *xp, size_t b, size_t d,
                                     const float *xnorm, const float *c, size_t k,
                                     const float *cnorm, const size_t *gstart,
                                     const size_t *group, size_t groups, const uint8_t *need,
                                     int32_t *labels, float *mind, float *gb, float *gs,
                                     float *gid);
void seg_regkernel_assign_groups_f64(const double *x, const double *xp, size_t b, size_t d,
                                     const double *xnorm, const double *c, size_t k,
                                     const double *cnorm, const size_t *gstart,
                                     const size_t *group, size_t groups, const uint8_t *need,
                                     int32_t *labels, double *mind, double *gb, double *gs,
                                     double *gid);

/* tt[j * b + i] = -2 x_i . c_j: the centroid-major tile of seg_assign_block. */
void seg_regkernel_tile_f32(const float *x, const float *xp, size_t b, size_t d, const float *c,
                            size_t k, float *tt);
void seg_regkernel_tile_f64(const double *x, const double *xp, size_t b, size_t d,
                            const double *c, size_t k, double *tt);

/*
 * seg_assign_block with the rows' panel-major copy xp (or NULL), as in
 * seg_regkernel_assign; the same labels and distances bit for bit.
 */
void seg_assign_block_xp_f32(const float *x, const float *xp, size_t b, size_t d,
                             const float *xnorm, const float *c, size_t k, const float *cnorm,
                             float *tile, int32_t *labels, float *mind);
void seg_assign_block_xp_f64(const double *x, const double *xp, size_t b, size_t d,
                             const double *xnorm, const double *c, size_t k, const double *cnorm,
                             double *tile, int32_t *labels, double *mind);

/*
 * tt[j * b + i] = max(0, xnorm[i] - 2 x_i.c_j + cnorm[j]): the centroid-major
 * form of seg_sqdist_tile, through the register kernel when it applies (xp:
 * as in seg_regkernel_assign).
 */
void seg_sqdist_cm_f32(const float *x, const float *xp, size_t b, size_t d, const float *xnorm,
                       const float *c, size_t k, const float *cnorm, float *tt);
void seg_sqdist_cm_f64(const double *x, const double *xp, size_t b, size_t d,
                       const double *xnorm, const double *c, size_t k, const double *cnorm,
                       double *tt);

#endif
