/*
 * k-means|| (SEG_INIT_KMEANS_PARALLEL) over MPI ranks against the
 * single-process fit: every rank fits its share and compares the model
 * (centroids, sizes, inertia, iterations, bit for bit) and its rows' labels
 * with seg_kmeans_fit_f32/_f64 on all the rows. The start decides the rest,
 * so a start that depended on the number of ranks (a draw per shard, a sum
 * in another order) makes the models differ. Run under mpirun with any
 * number of ranks; exit 0 when every rank passes.
 */
#include <seg-mpi.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rank;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "rank %d: %s:%d: ", rank, __FILE__, __LINE__);                         \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fprintf(stderr, "\n");                                                                 \
            return 1;                                                                              \
        }                                                                                          \
    } while (0)

/* Blobs around k0 centres, with noise from a fixed xorshift stream. */
static void make_data(double *x, size_t n, size_t d, size_t k0, uint64_t seed)
{
    uint64_t s = seed;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++) {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            double u = (double)(s >> 11) / 9007199254740992.0;
            x[i * d + j] = (double)(((i % k0) * 7 + j * 3) % 11) + 3.0 * (u - 0.5);
        }
}

static int compare(const char *what, seg_kmeans *km, const double *x, size_t n, size_t d,
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
    size_t k = seg_model_k(serial);
    CHECK(k == seg_model_k(spread), "%s: k differs", what);
    double *ca = malloc(2 * k * d * sizeof *ca), *cb = ca + k * d;
    CHECK(ca, "out of memory");
    seg_model_centroids_f64(serial, ca, k * d);
    seg_model_centroids_f64(spread, cb, k * d);
    CHECK(memcmp(ca, cb, k * d * sizeof *ca) == 0, "%s: centroids differ", what);
    for (size_t j = 0; j < k; j++)
        CHECK(seg_model_segment_size(serial, j) == seg_model_segment_size(spread, j),
              "%s: size of %zu differs", what, j);
    double ia = seg_model_inertia(serial), ib = seg_model_inertia(spread);
    CHECK(memcmp(&ia, &ib, sizeof ia) == 0, "%s: inertia %.17g vs %.17g", what, ia, ib);
    CHECK(seg_model_iterations(serial) == seg_model_iterations(spread), "%s: iterations", what);
    CHECK(memcmp(all + first, mine, rows * sizeof *mine) == 0, "%s: labels differ", what);
    free(ca);
    seg_model_free(serial);
    seg_model_free(spread);
    free(all);
    free(mine);
    free(xf);
    return 0;
}

int main(int argc, char **argv)
{
    int size, fails = 0;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    const size_t n = 20000, d = 6;
    double *x = malloc(n * d * sizeof *x), *w = malloc(n * sizeof *w);
    seg_kmeans *km = NULL;
    if (!x || !w || seg_kmeans_new(&km) != SEG_OK)
        return 1;
    make_data(x, n, d, 11, 0x9e3779b97f4a7c15ULL);
    for (size_t i = 0; i < n; i++)
        w[i] = 0.5 + (double)(i % 7);
    seg_kmeans_set_int(km, SEG_KMEANS_INIT, SEG_INIT_KMEANS_PARALLEL);
    seg_kmeans_set_int(km, SEG_KMEANS_K, 16);
    seg_kmeans_set_int(km, SEG_KMEANS_SEED, 7);
    fails += compare("k-means|| f32", km, x, n, d, NULL, 1);
    seg_kmeans_set_int(km, SEG_KMEANS_N_INIT, 2);
    seg_kmeans_set_int(km, SEG_KMEANS_INIT_ROUNDS, 5);
    fails += compare("k-means|| f64 weighted, 5 rounds, 2 runs", km, x, n, d, w, 0);
    /* k = 1: the first centre alone; k large for the data: extra rounds */
    seg_kmeans_set_int(km, SEG_KMEANS_N_INIT, 1);
    seg_kmeans_set_int(km, SEG_KMEANS_INIT_ROUNDS, 1);
    seg_kmeans_set_int(km, SEG_KMEANS_K, 1);
    fails += compare("k-means|| k = 1", km, x, n, d, NULL, 0);
    seg_kmeans_set_int(km, SEG_KMEANS_K, 200);
    fails += compare("k-means|| k = 200, 1 round", km, x, n, d, NULL, 1);
    seg_kmeans_free(km);
    free(x);
    free(w);
    int any = 0;
    MPI_Allreduce(&fails, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (rank == 0)
        printf("%s: k-means|| over %d rank(s)\n", any ? "FAILED" : "ok", size);
    MPI_Finalize();
    return any ? 1 : 0;
}
