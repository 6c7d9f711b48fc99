/*
 * What the MPI tests of libseg-mpi share (header only, one test per
 * program): CHECK, blob data from a fixed xorshift stream, and the
 * comparison of a fit over the ranks with the single-process fit of all
 * the rows (model bit for bit, this rank's labels, predict's sizes).
 */
#ifndef SEG_MPITEST_H
#define SEG_MPITEST_H

#include <seg-mpi.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rank; /* this process's rank in MPI_COMM_WORLD, set by main */

/* On failure: the rank, file, line and message on stderr; return 1. */
#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "rank %d: %s:%d: ", rank, __FILE__, __LINE__);                         \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fprintf(stderr, "\n");                                                                 \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

/* n x d doubles around k0 centres ((c 7 + j 3) mod 11 in each feature),
 * noise uniform in [-noise/2, noise/2) from a xorshift stream seeded by seed. */
static inline void mpitest_blobs(double *x, size_t n, size_t d, size_t k0, uint64_t seed, double noise)
{
    uint64_t s = seed;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++) {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            double u = (double)(s >> 11) / 9007199254740992.0;
            x[i * d + j] = (double)(((i % k0) * 7 + j * 3) % 11) + noise * (u - 0.5);
        }
}

static inline int mpitest_same_model(const seg_model *a, const seg_model *b, const char *what)
{
    size_t k = seg_model_k(a), d = seg_model_dim(a);
    CHECK(k == seg_model_k(b) && d == seg_model_dim(b), "%s: shapes differ", what);
    double *ca = malloc(2 * k * d * sizeof *ca), *cb = ca + k * d;
    CHECK(ca, "out of memory");
    CHECK(seg_model_centroids_f64(a, ca, k * d) == SEG_OK &&
              seg_model_centroids_f64(b, cb, k * d) == SEG_OK,
          "%s: centroids", what);
    int same = memcmp(ca, cb, k * d * sizeof *ca) == 0;
    free(ca);
    CHECK(same, "%s: centroids differ", what);
    for (size_t j = 0; j < k; j++)
        CHECK(seg_model_segment_size(a, j) == seg_model_segment_size(b, j),
              "%s: size of %zu differs", what, j);
    double ia = seg_model_inertia(a), ib = seg_model_inertia(b);
    CHECK(memcmp(&ia, &ib, sizeof ia) == 0, "%s: inertia %.17g vs %.17g", what, ia, ib);
    CHECK(seg_model_iterations(a) == seg_model_iterations(b), "%s: iterations %lld vs %lld", what,
          (long long)seg_model_iterations(a), (long long)seg_model_iterations(b));
    CHECK(seg_model_rows(a) == seg_model_rows(b), "%s: rows differ", what);
    CHECK(seg_model_converged(a) == seg_model_converged(b), "%s: convergence differs", what);
    return 0;
}

/* One configuration: fit over the ranks and alone, compare. */
static inline int mpitest_compare(const char *what, seg_kmeans *km, const double *x, size_t n, size_t d,
                   const double *w, int f32)
{
    size_t first, rows;
    int rc =
        seg_mpi_share(MPI_COMM_WORLD, km, n, d, f32 ? SEG_DTYPE_F32 : SEG_DTYPE_F64, &first, &rows);
    CHECK(rc == SEG_OK, "%s: share: %s", what, seg_mpi_last_error());
    int32_t *all = malloc(n * sizeof *all), *mine = malloc((rows ? rows : 1) * sizeof *mine);
    float *xf = malloc(n * d * sizeof *xf);
    CHECK(all && mine && xf, "out of memory");
    for (size_t i = 0; i < n * d; i++)
        xf[i] = (float)x[i];
    seg_model *serial = NULL, *spread = NULL;
    rc = f32 ? seg_kmeans_fit_f32(km, xf, n, d, w, all, &serial)
             : seg_kmeans_fit_f64(km, x, n, d, w, all, &serial);
    CHECK(rc == SEG_OK, "%s: serial fit: %s", what, seg_last_error());
    rc = f32 ? seg_mpi_kmeans_fit_f32(MPI_COMM_WORLD, km, xf + first * d, rows, d,
                                      w ? w + first : NULL, mine, &spread)
             : seg_mpi_kmeans_fit_f64(MPI_COMM_WORLD, km, x + first * d, rows, d,
                                      w ? w + first : NULL, mine, &spread);
    CHECK(rc == SEG_OK, "%s: MPI fit: %s", what, seg_mpi_last_error());
    if (mpitest_same_model(serial, spread, what))
        return 1;
    CHECK(memcmp(all + first, mine, rows * sizeof *mine) == 0, "%s: labels differ", what);
    /* predict over the ranks counts what the fit counted */
    int64_t *sizes = malloc(seg_model_k(spread) * sizeof *sizes);
    int32_t *lab = malloc((rows ? rows : 1) * sizeof *lab);
    CHECK(sizes && lab, "out of memory");
    rc = seg_mpi_predict(MPI_COMM_WORLD, spread, x + first * d, rows, d, lab, NULL, sizes);
    CHECK(rc == SEG_OK, "%s: predict: %s", what, seg_mpi_last_error());
    for (size_t j = 0; !w && j < seg_model_k(spread); j++)
        CHECK(sizes[j] > 0, "%s: segment %zu empty in predict", what, j);
    seg_model_free(serial);
    seg_model_free(spread);
    free(all);
    free(mine);
    free(xf);
    free(sizes);
    free(lab);
    return 0;
}

#endif
