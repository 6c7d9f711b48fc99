/*
 * The distance kernel: the one place where point-to-centroid squared
 * distances are computed (one GEMM per block of rows, ||x||^2 - 2 x.c + ||c||^2
 * clamped at 0). K-means, k-means++, predict and the metrics all call it.
 */
#ifndef SEG_DISTANCE_H
#define SEG_DISTANCE_H

#include "internal.h"

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
 * As seg_assign_block (same labels and mind, bit for bit), also giving for
 * each of the groups of centroids gstart[g] .. gstart[g + 1] - 1 the smallest
 * squared distance to a centroid of the group other than the row's own:
 * gmin[g * b + i] (+inf when there is none). For the bounded k-means.
 */
void seg_assign_groups_block_f32(const float *x, size_t b, size_t d, const float *xnorm,
                                 const float *c, size_t k, const float *cnorm, float *tile,
                                 const size_t *gstart, size_t groups, int32_t *labels, float *mind,
                                 float *gmin);
void seg_assign_groups_block_f64(const double *x, size_t b, size_t d, const double *xnorm,
                                 const double *c, size_t k, const double *cnorm, double *tile,
                                 const size_t *gstart, size_t groups, int32_t *labels,
                                 double *mind, double *gmin);

#endif
