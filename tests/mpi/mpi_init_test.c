/*
 * k-means|| (SEG_INIT_KMEANS_PARALLEL) over MPI ranks against the
 * single-process fit: every rank fits its share and compares the model
 * (centroids, sizes, inertia, iterations, bit for bit) and its rows' labels
 * with seg_kmeans_fit_f32/_f64 on all the rows. The start decides the rest,
 * so a start that depended on the number of ranks (a draw per shard, a sum
 * in another order) makes the models differ. Run under mpirun with any
 * number of ranks; exit 0 when every rank passes.
 */
#include "mpitest.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    mpitest_blobs(x, n, d, 11, 0x9e3779b97f4a7c15ULL, 3.0);
    for (size_t i = 0; i < n; i++)
        w[i] = 0.5 + (double)(i % 7);
    seg_kmeans_set_int(km, SEG_KMEANS_INIT, SEG_INIT_KMEANS_PARALLEL);
    seg_kmeans_set_int(km, SEG_KMEANS_K, 16);
    seg_kmeans_set_int(km, SEG_KMEANS_SEED, 7);
    fails += mpitest_compare("k-means|| f32", km, x, n, d, NULL, 1);
    seg_kmeans_set_int(km, SEG_KMEANS_N_INIT, 2);
    seg_kmeans_set_int(km, SEG_KMEANS_INIT_ROUNDS, 5);
    fails += mpitest_compare("k-means|| f64 weighted, 5 rounds, 2 runs", km, x, n, d, w, 0);
    /* k = 1: the first centre alone; k large for the data: extra rounds */
    seg_kmeans_set_int(km, SEG_KMEANS_N_INIT, 1);
    seg_kmeans_set_int(km, SEG_KMEANS_INIT_ROUNDS, 1);
    seg_kmeans_set_int(km, SEG_KMEANS_K, 1);
    fails += mpitest_compare("k-means|| k = 1", km, x, n, d, NULL, 0);
    seg_kmeans_set_int(km, SEG_KMEANS_K, 200);
    fails += mpitest_compare("k-means|| k = 200, 1 round", km, x, n, d, NULL, 1);
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
