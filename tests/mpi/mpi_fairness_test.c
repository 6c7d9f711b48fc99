/*
 * seg_mpi_fairness_compute() and seg_mpi_select() under mpirun with any
 * number of ranks, each rank holding an uneven share of the rows (the last
 * of several ranks none):
 *
 * - the fairness figures over the ranks are seg_fairness_compute()'s on all
 *   the rows, every figure bit for bit, with and without a selection;
 * - a label out of range on one rank fails every rank alike, the message
 *   naming the row among all rows; ranks disagreeing on k fail alike;
 * - the order statistics over the ranks are those of all the values sorted
 *   in one process (NaN skipped, infinities and repeated values kept), at
 *   the nearest-rank quartiles, the ends and every tenth rank; a rank not
 *   below the number of values fails every rank alike.
 *
 * Exit 0 when every rank passes; 1 otherwise.
 */
#include "mpitest.h"

#include <math.h>

enum { N = 1500, K = 4, G = 3 };

static int size;

static uint64_t mix(uint64_t i)
{
    uint64_t s = i * 0x9e3779b97f4a7c15u + 12345;
    s ^= s >> 31;
    s *= 0xbf58476d1ce4e5b9u;
    return s ^ (s >> 29);
}

/* Rank r's rows: shares in proportion to r + 1, the last of several ranks
 * none. */
static size_t start(size_t n, int r, int holders)
{
    const size_t total = (size_t)holders * (size_t)(holders + 1) / 2;
    const size_t before = (size_t)r * (size_t)(r + 1) / 2;
    return r >= holders ? n : n * before / total;
}

static void share(size_t n, int r, size_t *first, size_t *rows)
{
    const int holders = size > 1 ? size - 1 : 1;
    *first = start(n, r, holders);
    *rows = start(n, r + 1, holders) - *first;
}

static double cell(const seg_fairness *f, size_t s, size_t g, int st)
{
    double v = -1;
    seg_fairness_cell_stat(f, s, g, (seg_fairness_cell_figure)st, &v);
    return v;
}

/* Every figure, in a fixed order. */
static size_t figures(const seg_fairness *f, int selection, double *out)
{
    size_t w = 0;
    for (size_t s = 0; s <= K; s++)
        for (size_t c = 0; c < G; c++)
            for (int st = SEG_FAIRNESS_COUNT; st <= SEG_FAIRNESS_REPRESENTATION; st++)
                out[w++] = cell(f, s, c, st);
    for (size_t s = 0; s <= K; s++)
        for (int st = SEG_FAIRNESS_SIZE; st <= SEG_FAIRNESS_BALANCE; st++) {
            out[w] = -1;
            seg_fairness_segment_stat(f, s, (seg_fairness_segment_figure)st, &out[w++]);
        }
    for (size_t c = 0; selection && c < G; c++)
        for (int st = SEG_FAIRNESS_GROUP_SIZE; st <= SEG_FAIRNESS_FISHER_P; st++) {
            out[w] = -1;
            seg_fairness_group_stat(f, c, (seg_fairness_group_figure)st, &out[w++]);
        }
    for (int st = SEG_FAIRNESS_ROWS; st <= SEG_FAIRNESS_NMI; st++)
        if (selection || st != SEG_FAIRNESS_ADVERSE_IMPACT_RATIO) {
            out[w] = -1;
            seg_fairness_stat(f, (seg_fairness_figure)st, &out[w++]);
        }
    return w;
}

static int check_fairness(void)
{
    static int32_t labels[N], groups[N];
    static uint8_t selected[N];
    for (size_t i = 0; i < N; i++) {
        const uint64_t h = mix(i);
        labels[i] = (int32_t)(h % K);
        /* groups lean on the segment; every 17th row unknown */
        groups[i] = i % 17 == 5 ? -1 : (int32_t)((h / K + (uint64_t)labels[i] * (i % 2)) % G);
        selected[i] = labels[i] == 1 || labels[i] == 3;
    }
    size_t first, rows;
    share(N, rank, &first, &rows);
    seg_fairness *serial = NULL, *spread = NULL;
    CHECK(seg_fairness_new(&serial) == SEG_OK && seg_fairness_new(&spread) == SEG_OK, "new");
    static double a[512], b[512];
    for (int with = 0; with < 2; with++) {
        int rc = seg_fairness_compute(serial, labels, groups, N, K, G, with ? selected : NULL);
        CHECK(rc == SEG_OK, "serial: %s", seg_last_error());
        rc = seg_mpi_fairness_compute(MPI_COMM_WORLD, spread, labels + first, groups + first, rows,
                                      K, G, with ? selected + first : NULL);
        CHECK(rc == SEG_OK, "over the ranks: %d %s", rc, seg_mpi_last_error());
        const size_t na = figures(serial, with, a), nb = figures(spread, with, b);
        CHECK(na == nb && na >= 66, "%zu figures against %zu", na, nb);
        for (size_t w = 0; w < na; w++)
            CHECK(memcmp(&a[w], &b[w], sizeof a[w]) == 0,
                  "selection %d: figure %zu: %.17g, not %.17g", with, w, b[w], a[w]);
    }
    /* a bad label on the last rank holding rows: every rank fails alike */
    const int holder = size > 1 ? size - 2 : 0;
    size_t hf, hr;
    share(N, holder, &hf, &hr);
    if (rank == holder)
        labels[hf + hr - 1] = K;
    int rc = seg_mpi_fairness_compute(MPI_COMM_WORLD, spread, labels + first, groups + first, rows,
                                      K, G, NULL);
    char want[64];
    snprintf(want, sizeof want, "row %zu:", hf + hr);
    CHECK(rc == SEG_ERR_INVALID_ARG && strstr(seg_mpi_last_error(), want),
          "bad label: %d '%s', wanted '%s'", rc, seg_mpi_last_error(), want);
    if (rank == holder)
        labels[hf + hr - 1] = 0;
    if (size > 1) {
        rc = seg_mpi_fairness_compute(MPI_COMM_WORLD, spread, labels + first, groups + first, rows,
                                      rank == 0 ? K + 1 : K, G, NULL);
        CHECK(rc == SEG_ERR_MISMATCH, "k differing over the ranks: %d", rc);
    }
    seg_fairness_free(serial);
    seg_fairness_free(spread);
    return 0;
}

static int cmp_double(const void *pa, const void *pb)
{
    const double x = *(const double *)pa, y = *(const double *)pb;
    return (x > y) - (x < y);
}

static int check_select(void)
{
    static double v[N], sorted[N];
    size_t m = 0;
    for (size_t i = 0; i < N; i++) {
        const uint64_t h = mix(i + 77);
        v[i] = i % 13 == 4  ? NAN
               : i == 700   ? INFINITY
               : i == 900   ? -INFINITY
               : i % 5 == 0 ? 42.5 /* repeated */
                            : (double)(h % 100000) / 7.0 - 5000.0;
        if (!isnan(v[i]))
            sorted[m++] = v[i];
    }
    qsort(sorted, m, sizeof *sorted, cmp_double);
    uint64_t want[64];
    size_t nw = 0;
    static const double q[3] = {0.25, 0.5, 0.75};
    for (int t = 0; t < 3; t++)
        want[nw++] = (uint64_t)ceil(q[t] * (double)m) - 1;
    want[nw++] = 0;
    want[nw++] = m - 1;
    for (size_t r = 3; r < m && nw < 64; r += m / 40)
        want[nw++] = r;
    size_t first, rows;
    share(N, rank, &first, &rows);
    double out[64];
    int rc = seg_mpi_select(MPI_COMM_WORLD, v + first, rows, 1, want, nw, out);
    CHECK(rc == SEG_OK, "select: %d %s", rc, seg_mpi_last_error());
    for (size_t w = 0; w < nw; w++)
        CHECK(memcmp(&out[w], &sorted[want[w]], sizeof out[w]) == 0,
              "rank %llu of %zu: %.17g, not %.17g", (unsigned long long)want[w], m, out[w],
              sorted[want[w]]);
    want[0] = m;
    rc = seg_mpi_select(MPI_COMM_WORLD, v + first, rows, 1, want, 1, out);
    CHECK(rc == SEG_ERR_INVALID_ARG, "a rank beyond the values: %d", rc);
    return 0;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int bad = check_fairness() || check_select();
    int any = 0;
    MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (rank == 0)
        printf("%s with %d rank(s)\n", any ? "FAILED" : "passed", size);
    MPI_Finalize();
    return any;
}
