/*
 * The k sweep over MPI ranks (seg_mpi_sweep_run_*) against seg_sweep_run_*
 * on all the rows: run under mpirun with any number of ranks; every rank
 * holds a contiguous share (uneven ones, and seg_mpi_share()'s), sweeps,
 * and compares every figure of every row of its sweep bit for bit with the
 * single-process sweep it runs itself, then the chosen k, the runner-up and
 * why it lost. Samples smaller than n (the silhouette's, the stability's
 * base) make the draws by row number matter; weights and f32 are covered.
 * The ranks share the samples' work (refits dealt round, the silhouette
 * sample's blocks in runs): refit counts below, at and above the rank
 * count, silhouette samples of fewer blocks than ranks and of a part
 * block, refits that draw too few distinct rows on some ranks only, and a
 * single k (its silhouette on every rank) make each way of dealing and
 * sharing show. Then an allocation that fails inside the refits of one
 * rank (their k-means object's allocator) must fail every rank alike, and
 * seg_mpi_reshare() against the rows it should give.
 *
 * Exit 0 when every rank passes; 1 otherwise.
 */
#include "mpitest.h"

#include <math.h>

static int size;

static const seg_sweep_stat stats[] = {
    SEG_SWEEP_K,
    SEG_SWEEP_INERTIA,
    SEG_SWEEP_SILHOUETTE,
    SEG_SWEEP_DAVIES_BOULDIN,
    SEG_SWEEP_CALINSKI_HARABASZ,
    SEG_SWEEP_SMALLEST_SHARE,
    SEG_SWEEP_ITERATIONS,
    SEG_SWEEP_LARGEST_SHARE,
    SEG_SWEEP_STABILITY,
    SEG_SWEEP_WORST_STABILITY,
};

static int same_sweep(const char *what, const seg_sweep *a, const seg_sweep *b)
{
    CHECK(seg_sweep_count(a) == seg_sweep_count(b) && seg_sweep_count(a) > 0, "%s: %zu rows vs %zu",
          what, seg_sweep_count(a), seg_sweep_count(b));
    for (size_t i = 0; i < seg_sweep_count(a); i++)
        for (size_t s = 0; s < sizeof stats / sizeof stats[0]; s++) {
            double va = 0, vb = 0;
            CHECK(seg_sweep_get(a, i, stats[s], &va) == SEG_OK &&
                      seg_sweep_get(b, i, stats[s], &vb) == SEG_OK,
                  "%s: get", what);
            CHECK(memcmp(&va, &vb, sizeof va) == 0, "%s: row %zu, stat %d: %.17g vs %.17g", what, i,
                  (int)stats[s], va, vb);
        }
    size_t ka = 0, kb = 0, ra = 0, rb = 0;
    seg_sweep_reason wa = 0, wb = 0;
    CHECK(seg_sweep_chosen(a, &ka) == SEG_OK && seg_sweep_chosen(b, &kb) == SEG_OK && ka == kb,
          "%s: chosen k %zu vs %zu", what, ka, kb);
    CHECK(seg_sweep_runner_up(a, &ra, &wa) == SEG_OK &&
              seg_sweep_runner_up(b, &rb, &wb) == SEG_OK && ra == rb && wa == wb,
          "%s: runner-up %zu (%d) vs %zu (%d)", what, ra, (int)wa, rb, (int)wb);
    return 0;
}

/* What a comparison sweeps: samples, refits, k range (0: the defaults of
 * the first comparisons, 5 refits, k = 2 .. 6). */
typedef struct sweep_case {
    int64_t sample, stab_sample, resamples, k_min, k_max;
} sweep_case;

static int set_case(seg_sweep *s, const sweep_case *c)
{
    const int64_t r = c->resamples ? c->resamples : 5, lo = c->k_min ? c->k_min : 2,
                  hi = c->k_max ? c->k_max : 6;
    return seg_sweep_set_int(s, SEG_SWEEP_K_MIN, lo) != SEG_OK ||
           seg_sweep_set_int(s, SEG_SWEEP_K_MAX, hi) != SEG_OK ||
           seg_sweep_set_int(s, SEG_SWEEP_SEED, 3) != SEG_OK ||
           seg_sweep_set_int(s, SEG_SWEEP_SILHOUETTE_SAMPLE, c->sample) != SEG_OK ||
           seg_sweep_set_int(s, SEG_SWEEP_STABILITY_SAMPLE, c->stab_sample) != SEG_OK ||
           seg_sweep_set_int(s, SEG_SWEEP_STABILITY_RESAMPLES, r) != SEG_OK;
}

/* Sweep alone and over the ranks (rows [first, first + rows) here). */
static int compare_case(const char *what, const double *x, size_t n, size_t d, const double *w,
                        int f32, const sweep_case *sc, size_t first, size_t rows)
{
    seg_sweep *serial = NULL, *spread = NULL;
    seg_kmeans *km = NULL;
    float *xf = malloc(n * d * sizeof *xf);
    CHECK(xf, "out of memory");
    for (size_t i = 0; i < n * d; i++)
        xf[i] = (float)x[i];
    CHECK(seg_kmeans_new(&km) == SEG_OK && seg_kmeans_set_int(km, SEG_KMEANS_SEED, 5) == SEG_OK &&
              seg_kmeans_set_int(km, SEG_KMEANS_K, 7) == SEG_OK,
          "k-means");
    for (int t = 0; t < 2; t++) {
        seg_sweep **s = t ? &spread : &serial;
        CHECK(seg_sweep_new(s) == SEG_OK && !set_case(*s, sc), "sweep settings");
    }
    int rc = f32 ? seg_sweep_run_f32(serial, km, xf, n, d, w)
                 : seg_sweep_run_f64(serial, km, x, n, d, w);
    CHECK(rc == SEG_OK, "%s: serial sweep: %s", what, seg_last_error());
    rc = f32 ? seg_mpi_sweep_run_f32(MPI_COMM_WORLD, spread, km, xf + first * d, rows, d,
                                     w ? w + first : NULL)
             : seg_mpi_sweep_run_f64(MPI_COMM_WORLD, spread, km, x + first * d, rows, d,
                                     w ? w + first : NULL);
    CHECK(rc == SEG_OK, "%s: MPI sweep: %s", what, seg_mpi_last_error());
    int64_t k = 0;
    CHECK(seg_kmeans_get_int(km, SEG_KMEANS_K, &k) == SEG_OK && k == 7, "%s: k not restored", what);
    if (same_sweep(what, serial, spread))
        return 1;
    seg_sweep_free(serial);
    seg_sweep_free(spread);
    seg_kmeans_free(km);
    free(xf);
    return 0;
}

static int compare(const char *what, const double *x, size_t n, size_t d, const double *w, int f32,
                   int64_t sample, int64_t stab_sample, size_t first, size_t rows)
{
    const sweep_case sc = {sample, stab_sample, 0, 0, 0};
    return compare_case(what, x, n, d, w, f32, &sc, first, rows);
}

/* Ways of dealing the pieces out that a wrong share would get wrong. */
static int check_pieces(const double *x, size_t n, size_t d, const double *w, size_t first,
                        size_t rows)
{
    static const struct {
        const char *what;
        sweep_case c;
    } cases[] = {
        {"2 refits, 20-row silhouette sample (2 blocks)", {20, 300, 2, 2, 5}},
        {"3 refits, 33-row sample (a part block)", {33, 400, 3, 2, 7}},
        {"7 refits, 100-row sample", {100, 600, 7, 3, 6}},
        {"one k: its silhouette on every rank", {400, 500, 4, 4, 4}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (compare_case(cases[i].what, x, n, d, w, i % 2, &cases[i].c, first, rows))
            return 1;
    /* Rows that repeat one point but for every 40th: some refits draw
     * fewer distinct rows than k (their k's stability is NaN), on some
     * ranks and not others. */
    double *dup = malloc(n * d * sizeof *dup);
    CHECK(dup, "out of memory");
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++)
            dup[i * d + j] = i % 40 ? 1.0 : x[i * d + j];
    const sweep_case few = {60, 90, 5, 2, 6};
    int bad =
        compare_case("refits drawing too few distinct rows", dup, n, d, NULL, 0, &few, first, rows);
    free(dup);
    return bad;
}

/* The victim rank's k-means allocator: its allocation number fail_at fails. */
typedef struct victim {
    long calls, fail_at;
} victim;

static void *victim_alloc(void *user, size_t size)
{
    victim *v = user;
    return v->calls++ == v->fail_at ? NULL : malloc(size);
}

static void victim_free(void *user, void *p)
{
    (void)user;
    free(p);
}

/* The last rank's k-means object fails its allocation number 0, 1, 2, ...
 * (the fits, and the stability refits it makes alone) until the sweep runs
 * through: every rank must return the same status (SEG_ERR_NOMEM while one
 * fails, then SEG_OK) and message, and none may hang (run_ranks.sh's
 * timeout). Only the refits fail on one rank alone: the fits agree. */
static int sweep_failing_at(const sweep_case *sc, const double *x, size_t d, size_t first,
                            size_t rows, long at, long *calls)
{
    victim v = {0, -1}; /* armed once the objects exist */
    seg_allocator *a = NULL;
    seg_kmeans *km = NULL;
    seg_sweep *s = NULL;
    CHECK(seg_allocator_new(&a, victim_alloc, victim_free, &v) == SEG_OK &&
              seg_kmeans_new_with_allocator(&km, a) == SEG_OK && seg_sweep_new(&s) == SEG_OK &&
              !set_case(s, sc),
          "objects");
    seg_allocator_free(a);
    v.calls = 0; /* count from the sweep on */
    v.fail_at = rank == size - 1 ? at : -1;
    const int rc = seg_mpi_sweep_run_f64(MPI_COMM_WORLD, s, km, x + first * d, rows, d, NULL);
    *calls = v.calls;
    char msg[512];
    snprintf(msg, sizeof msg, "%s", rc < 0 ? seg_mpi_last_error() : "");
    int st[2] = {rc, -rc}, all[2] = {0, 0};
    MPI_Allreduce(st, all, 2, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    CHECK(all[0] == rc && -all[1] == rc, "fail at %ld: statuses differ over the ranks (%d)", at,
          rc);
    char *msgs = rank == 0 ? malloc((size_t)size * sizeof msg) : NULL;
    MPI_Gather(msg, (int)sizeof msg, MPI_CHAR, msgs, (int)sizeof msg, MPI_CHAR, 0, MPI_COMM_WORLD);
    for (int r = 1; msgs && r < size; r++)
        CHECK(strcmp(msgs, msgs + (size_t)r * sizeof msg) == 0,
              "fail at %ld: rank %d says '%s', rank 0 '%s'", at, r, msgs + (size_t)r * sizeof msg,
              msgs);
    free(msgs);
    seg_sweep_free(s);
    seg_kmeans_free(km);
    CHECK(at < 0 ? rc == SEG_OK : rc == SEG_ERR_NOMEM, "fail at %ld: %d (%s)", at, rc, msg);
    return 0;
}

/* The last rank's k-means object fails one of its allocations (in the
 * fits, agreed by them, or in the stability refits that rank makes alone),
 * each in turn, over all it makes in the sweep: every rank must
 * return SEG_ERR_NOMEM with the same message, and none may hang
 * (run_ranks.sh's timeout). */
static int check_piece_failure(const double *x, size_t d, size_t first, size_t rows)
{
    const sweep_case sc = {50, 200, 3, 2, 4};
    long calls = 0, ignored;
    if (sweep_failing_at(&sc, x, d, first, rows, -1, &calls))
        return 1;
    MPI_Bcast(&calls, 1, MPI_LONG, size - 1, MPI_COMM_WORLD);
    CHECK(calls > 16, "the sweep's k-means object made %ld allocations", calls);
    for (long i = 0; i < calls; i++)
        if (sweep_failing_at(&sc, x, d, first, rows, i, &ignored))
            return 1;
    if (rank == 0)
        printf("each of %ld allocations failed on the last rank, agreed over %d rank(s)\n", calls,
               size);
    return 0;
}

/* Weights on some ranks only, and more ranks than row partitions: every
 * rank fails alike, no hang. */
static int check_mismatch(const double *x, size_t n, size_t d, const double *w, size_t first,
                          size_t rows)
{
    seg_kmeans *km = NULL;
    seg_sweep *s = NULL;
    CHECK(seg_kmeans_new(&km) == SEG_OK && seg_sweep_new(&s) == SEG_OK, "objects");
    (void)n;
    int rc = seg_mpi_sweep_run_f64(MPI_COMM_WORLD, s, km, x + first * d, rows, d,
                                   rank == size - 1 ? NULL : w + first);
    if (size > 1)
        CHECK(rc == SEG_ERR_MISMATCH && strstr(seg_mpi_last_error(), "weights"),
              "weights on some ranks: %d (%s)", rc, seg_mpi_last_error());
    else
        CHECK(rc == SEG_OK, "one rank, no weights: %s", seg_mpi_last_error());
    /* 1500 rows: two row partitions for every k swept, so 3 and 4 ranks
     * are refused on every rank (the shares of the first k) */
    const size_t small = 1500, sf = small * (size_t)rank / (size_t)size,
                 sl = small * (size_t)(rank + 1) / (size_t)size;
    rc = seg_mpi_sweep_run_f64(MPI_COMM_WORLD, s, km, x + sf * d, sl - sf, d, NULL);
    CHECK(size > 2 ? rc == SEG_ERR_LIMIT && strstr(seg_mpi_last_error(), "row partitions")
                   : rc == SEG_OK,
          "%d ranks, %zu rows: %d (%s)", size, small, rc, seg_mpi_last_error());
    seg_sweep_free(s);
    seg_kmeans_free(km);
    return 0;
}

/* seg_mpi_reshare: from uneven shares to seg_mpi_share()'s for k = 4. */
static int check_reshare(const double *x, size_t n, size_t d, size_t first, size_t rows)
{
    seg_kmeans *km = NULL;
    size_t to_first = 0, to_rows = 0;
    CHECK(seg_kmeans_new(&km) == SEG_OK && seg_kmeans_set_int(km, SEG_KMEANS_K, 4) == SEG_OK,
          "k-means");
    CHECK(seg_mpi_share(MPI_COMM_WORLD, km, n, d, SEG_DTYPE_F64, &to_first, &to_rows) == SEG_OK,
          "share");
    double *out = malloc((to_rows + 1) * d * sizeof *out);
    CHECK(out, "out of memory");
    int rc =
        seg_mpi_reshare(MPI_COMM_WORLD, x + first * d, rows, d * sizeof *x, to_first, to_rows, out);
    CHECK(rc == SEG_OK, "reshare: %s", seg_mpi_last_error());
    CHECK(memcmp(out, x + to_first * d, to_rows * d * sizeof *out) == 0, "reshare: rows differ");
    /* wanted shares that do not tile the rows: every rank fails alike */
    rc = seg_mpi_reshare(MPI_COMM_WORLD, x + first * d, rows, d * sizeof *x, to_first + 1, to_rows,
                         out);
    CHECK(rc == SEG_ERR_INVALID_ARG, "reshare of bad shares gave %d", rc);
    free(out);
    seg_kmeans_free(km);
    return 0;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    const size_t n = 4200, d = 3; /* 5 row partitions of 1024 (k <= 32) */
    double *x = malloc(n * d * sizeof *x), *w = malloc(n * sizeof *w);
    int bad = !x || !w;
    if (!bad) {
        mpitest_blobs(x, n, d, 4, 11, 3.0);
        for (size_t i = 0; i < n; i++)
            w[i] = 1 + (double)(i % 3);
    }
    /* Uneven shares: rank r holds about (r + 1) parts of 1 + 2 + ... + R. */
    const size_t tri = (size_t)size * (size_t)(size + 1) / 2;
    const size_t first = n * ((size_t)rank * (size_t)(rank + 1) / 2) / tri;
    const size_t last = n * ((size_t)(rank + 1) * (size_t)(rank + 2) / 2) / tri;
    size_t sf = 0, sr = 0;
    seg_kmeans *km = NULL;
    bad = bad || seg_kmeans_new(&km) != SEG_OK ||
          seg_mpi_share(MPI_COMM_WORLD, km, n, d, SEG_DTYPE_F64, &sf, &sr) != SEG_OK;
    seg_kmeans_free(km);
    if (bad)
        fprintf(stderr, "rank %d: setting up: %s\n", rank, seg_mpi_last_error());
    if (!bad)
        bad = compare("f64, samples", x, n, d, NULL, 0, 500, 900, first, last - first) ||
              compare("f32, weights, samples", x, n, d, w, 1, 700, 1000, first, last - first) ||
              compare("f64, all rows, seg_mpi_share", x, n, d, NULL, 0, 0, 0, sf, sr) ||
              check_pieces(x, n, d, w, first, last - first) ||
              check_piece_failure(x, d, first, last - first) ||
              check_reshare(x, n, d, first, last - first) ||
              check_mismatch(x, n, d, w, first, last - first);
    int any = 0;
    MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (rank == 0)
        printf("%s with %d rank(s)\n", any ? "FAILED" : "passed", size);
    free(x);
    free(w);
    MPI_Finalize();
    return any;
}
