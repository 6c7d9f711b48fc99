/*
 * seg_mpi_model_tree_score_f32/_f64 over 1 to 4 ranks against
 * seg_model_tree_score_f32/_f64 on all rows in one process: the rows of
 * each leaf, the agreement and the cost ratio bit for bit, with uneven
 * shares (the last rank holds none when there are three or more); a label
 * out of range on the last rank and a model without a tree fail on every
 * rank with the same status (no rank left waiting).
 */
#include "mpitest.h"

static int compare(const char *what, const seg_model *m, const double *x, const float *xf, size_t n,
                   size_t d, const int32_t *labels, int f32, int size)
{
    const size_t nl = seg_model_tree_leaves(m);
    int32_t *leaf = malloc(n * sizeof *leaf);
    size_t *want = calloc(nl, sizeof *want);
    uint64_t *got = malloc(nl * sizeof *got);
    CHECK(leaf && want && got, "out of memory");
    double wa = 0, wc = 0, ga = -1, gc = -1;
    int rc = f32 ? seg_model_tree_score_f32(m, xf, n, d, labels, leaf, &wa, &wc)
                 : seg_model_tree_score_f64(m, x, n, d, labels, leaf, &wa, &wc);
    CHECK(rc == SEG_OK, "%s: serial score: %s", what, seg_last_error());
    for (size_t i = 0; i < n; i++)
        want[leaf[i]]++;
    /* uneven shares in row order: rank r holds (r + 1) parts of 1 + 2 + ...,
     * and with three or more ranks the last holds none */
    const int holders = size >= 3 ? size - 1 : size;
    size_t parts = (size_t)holders * (size_t)(holders + 1) / 2, first = 0, rows = 0;
    for (int r = 0; r <= rank && r < holders; r++) {
        first += rows;
        rows = r + 1 == holders ? n - first : n * (size_t)(r + 1) / parts;
    }
    if (rank >= holders) {
        first = n;
        rows = 0;
    }
    rc = f32 ? seg_mpi_model_tree_score_f32(MPI_COMM_WORLD, m, xf + first * d, rows, d,
                                            labels + first, got, &ga, &gc)
             : seg_mpi_model_tree_score_f64(MPI_COMM_WORLD, m, x + first * d, rows, d,
                                            labels + first, got, &ga, &gc);
    CHECK(rc == SEG_OK, "%s: over the ranks: %s", what, seg_mpi_last_error());
    for (size_t l = 0; l < nl; l++)
        CHECK(got[l] == want[l], "%s: leaf %zu: %llu rows, serial %zu", what, l,
              (unsigned long long)got[l], want[l]);
    CHECK(memcmp(&ga, &wa, sizeof ga) == 0, "%s: agreement %.17g, serial %.17g", what, ga, wa);
    CHECK(memcmp(&gc, &wc, sizeof gc) == 0, "%s: cost ratio %.17g, serial %.17g", what, gc, wc);
    free(leaf);
    free(want);
    free(got);
    return 0;
}

int main(int argc, char **argv)
{
    int size = 1, fails = 0;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    const size_t n = 5003, d = 5, k = 6;
    double *x = malloc(n * d * sizeof *x);
    float *xf = malloc(n * d * sizeof *xf);
    int32_t *labels = malloc(n * sizeof *labels);
    seg_kmeans *km = NULL;
    seg_model *m = NULL, *bare = NULL;
    seg_tree *t = NULL;
    if (!x || !xf || !labels || seg_kmeans_new(&km) != SEG_OK || seg_tree_new(&t) != SEG_OK) {
        fprintf(stderr, "out of memory\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    /* wide noise: the rules miss some rows, so the cost ratio is above 1 */
    mpitest_blobs(x, n, d, k, 11, 9.0);
    for (size_t i = 0; i < n * d; i++)
        xf[i] = (float)x[i];
    seg_kmeans_set_int(km, SEG_KMEANS_K, (int64_t)k);
    seg_kmeans_set_int(km, SEG_KMEANS_SEED, 3);
    if (seg_kmeans_fit_f64(km, x, n, d, NULL, labels, &bare) != SEG_OK ||
        seg_kmeans_fit_f64(km, x, n, d, NULL, labels, &m) != SEG_OK ||
        seg_tree_fit_f64(t, m, x, n, d, labels) != SEG_OK) {
        fprintf(stderr, "fit: %s\n", seg_last_error());
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    fails += compare("f64", m, x, xf, n, d, labels, 0, size);
    fails += compare("f32", m, x, xf, n, d, labels, 1, size);

    /* a label out of range on the last rank: every rank fails alike */
    const size_t per = n / (size_t)size, first = per * (size_t)rank;
    const size_t rows = rank + 1 == size ? n - first : per;
    int32_t keep = labels[n - 1];
    labels[n - 1] = (int32_t)k;
    uint64_t *cnt = malloc(seg_model_tree_leaves(m) * sizeof *cnt);
    double a, c;
    int rc = seg_mpi_model_tree_score_f64(MPI_COMM_WORLD, m, x + first * d, rows, d, labels + first,
                                          cnt, &a, &c);
    labels[n - 1] = keep;
    if (rc != SEG_ERR_INVALID_ARG || !strstr(seg_mpi_last_error(), "label")) {
        fprintf(stderr, "rank %d: a bad label: %d %s\n", rank, rc, seg_mpi_last_error());
        fails++;
    }
    /* a model without a tree */
    rc = seg_mpi_model_tree_score_f64(MPI_COMM_WORLD, bare, x + first * d, rows, d, labels + first,
                                      cnt, &a, &c);
    if (rc != SEG_ERR_STATE) {
        fprintf(stderr, "rank %d: no tree: %d %s\n", rank, rc, seg_mpi_last_error());
        fails++;
    }
    free(cnt);
    seg_tree_free(t);
    seg_model_free(m);
    seg_model_free(bare);
    seg_kmeans_free(km);
    free(x);
    free(xf);
    free(labels);
    int any = 0;
    MPI_Allreduce(&fails, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (rank == 0)
        printf("%s: the tree's score over %d rank(s)\n", any ? "FAILED" : "ok", size);
    MPI_Finalize();
    return any ? 1 : 0;
}
