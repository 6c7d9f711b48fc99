/*
 * kmbench: the issue-4 workloads W1-W7 for libseg, measured in one run
 * against the machine's own GEMM peak. Writes the data and the starting
 * centroids as .npy files and the figures as JSON into --out DIR, so that
 * bench/peers.py can run scikit-learn (and FAISS) on exactly the same input
 * and print ratios. Timings are best-of-repeats wall clock; memory is the
 * peak resident size of a child process running one workload alone.
 */
#define _DEFAULT_SOURCE /* wait4() */
#include <seg.h>

#include "fmapeak.h"

#include <cblas.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct cfg {
    size_t n1;       /* W1/W2/W3/W4/W6 rows */
    size_t n5;       /* W5 rows */
    int gemm;        /* square GEMM size for the peak */
    int iters;       /* extra Lloyd iterations timed in W1 */
    int grid_iter;   /* max_iter in W5 */
    int rounds;      /* W5 rounds (best of) */
    const char *out; /* directory for .npy and JSON */
    const char *bank;
    const char *only;
} cfg;

static FILE *js; /* the JSON summary */
static double fma_peak;  /* GFLOP/s, the best of the peak probe's runs so far */
static double fma_peak_cpu; /* GFLOP per CPU second, likewise */
static const char *const alg_names[] = {"lloyd", "hamerly", "elkan", "yinyang", "auto"};
static bool first_key = true;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* CPU seconds of the whole process (every thread). */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void die(const char *what, int rc)
{
    fprintf(stderr, "kmbench: %s: %s: %s\n", what, seg_strerror(rc), seg_last_error());
    exit(1);
}

static void *xmalloc(size_t bytes)
{
    void *p = malloc(bytes ? bytes : 1);
    if (!p) {
        fprintf(stderr, "kmbench: out of memory (%zu bytes)\n", bytes);
        exit(1);
    }
    return p;
}

static void put(const char *key, double v)
{
    fprintf(js, "%s\n  \"%s\": %.9g", first_key ? "{" : ",", key, v);
    first_key = false;
    printf("  %-34s %.6g\n", key, v);
    fflush(stdout);
}

/* ---- data ------------------------------------------------------------------------ */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static double uniform(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return ((double)(rng_state >> 11) + 0.5) * 0x1.0p-53;
}

/* n rows around 2k random centres (unit normal noise): overlapping blobs,
 * so the fit needs tens of iterations, as on real data. */
static float *blobs(size_t n, size_t d, size_t k, uint64_t seed)
{
    const size_t m = 2 * k;
    float *x = xmalloc(n * d * sizeof *x);
    double *centre = xmalloc(m * d * sizeof *centre);
    rng_state = seed * 0x2545f4914f6cdd1dULL + 1;
    for (size_t i = 0; i < m * d; i++)
        centre[i] = 6 * uniform() - 3;
    for (size_t i = 0; i < n; i++) {
        const double *c = centre + (size_t)(uniform() * (double)m) * d;
        for (size_t j = 0; j < d; j += 2) {
            double r = sqrt(-2 * log(uniform())), t = 6.283185307179586 * uniform();
            x[i * d + j] = (float)(c[j] + r * cos(t));
            if (j + 1 < d)
                x[i * d + j + 1] = (float)(c[j + 1] + r * sin(t));
        }
    }
    free(centre);
    return x;
}

/* k starting centroids: rows spread evenly over the data. */
static double *rows_as_init(const float *x, size_t n, size_t d, size_t k)
{
    double *c = xmalloc(k * d * sizeof *c);
    for (size_t j = 0; j < k; j++)
        for (size_t f = 0; f < d; f++)
            c[j * d + f] = x[(j * (n / k) + 7) % n * d + f];
    return c;
}

static void write_npy(const char *dir, const char *name, const void *data, bool f32, size_t n,
                      size_t d)
{
    char path[4096], head[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "kmbench: %s: %s\n", path, strerror(errno));
        exit(1);
    }
    int len = snprintf(head, sizeof head, "{'descr': '<%s', 'fortran_order': False, 'shape': (%zu, %zu), }",
                       f32 ? "f4" : "f8", n, d);
    int pad = 64 - (10 + len + 1) % 64;
    fwrite("\x93NUMPY\x01\x00", 1, 8, f);
    unsigned short hl = (unsigned short)(len + pad + 1);
    unsigned char b[2] = {(unsigned char)(hl & 0xff), (unsigned char)(hl >> 8)};
    fwrite(b, 1, 2, f);
    fwrite(head, 1, (size_t)len, f);
    for (int i = 0; i < pad; i++)
        fputc(' ', f);
    fputc('\n', f);
    fwrite(data, f32 ? 4 : 8, n * d, f);
    if (fclose(f) != 0) {
        fprintf(stderr, "kmbench: %s: write failed\n", path);
        exit(1);
    }
}

/* ---- k-means helpers --------------------------------------------------------------- */

static seg_kmeans *kmeans(const double *init, size_t k, size_t d, int64_t max_iter, double tol,
                          int64_t threads, int64_t algorithm)
{
    seg_kmeans *km;
    int rc;
    if ((rc = seg_kmeans_new(&km)) < 0 || (rc = seg_kmeans_set_init_centroids_f64(km, init, k, d)) < 0 ||
        (rc = seg_kmeans_set_int(km, SEG_KMEANS_MAX_ITER, max_iter)) < 0 ||
        (rc = seg_kmeans_set_double(km, SEG_KMEANS_TOL, tol)) < 0 ||
        (rc = seg_kmeans_set_int(km, SEG_KMEANS_THREADS, threads)) < 0 ||
        (rc = seg_kmeans_set_int(km, SEG_KMEANS_ALGORITHM, algorithm)) < 0)
        die("settings", rc);
    return km;
}

typedef struct fitres {
    double seconds, inertia, init_seconds;
    double cpu; /* the least CPU seconds of the repeats */
    int64_t iterations;
} fitres;

/* Best of reps fits of x (f32 or its f64 copy) from init. */
static fitres fit(const void *x, bool f32, size_t n, size_t d, const double *init, size_t k,
                  int64_t max_iter, double tol, int64_t threads, int64_t algorithm, int reps)
{
    fitres best = {INFINITY, 0, 0, INFINITY, 0};
    double best_cpu = INFINITY;
    for (int r = 0; r < reps; r++) {
        seg_kmeans *km = kmeans(init, k, d, max_iter, tol, threads, algorithm);
        seg_model *m;
        double t0 = now(), c0 = cpu_now();
        int rc = f32 ? seg_kmeans_fit_f32(km, x, n, d, NULL, NULL, &m)
                     : seg_kmeans_fit_f64(km, x, n, d, NULL, NULL, &m);
        double t = now() - t0;
        best_cpu = fmin(best_cpu, cpu_now() - c0);
        if (rc < 0)
            die("fit", rc);
        if (t < best.seconds)
            best = (fitres){t, seg_model_inertia(m), seg_model_init_seconds(m), 0,
                            seg_model_iterations(m)};
        seg_model_free(m);
        seg_kmeans_free(km);
    }
    best.cpu = best_cpu;
    return best;
}

/* Seconds of one Lloyd iteration: difference of a 1- and a (1+m)-iteration fit,
 * so the per-fit work (checks, norms) cancels. *cpu (unless NULL): the same
 * difference in the process's CPU seconds. */
static double iteration_seconds(const void *x, bool f32, size_t n, size_t d, const double *init,
                                size_t k, int m, int64_t threads, double *cpu)
{
    fitres a = fit(x, f32, n, d, init, k, 1, 0, threads, SEG_ALGORITHM_LLOYD, 3);
    fitres b = fit(x, f32, n, d, init, k, 1 + m, 0, threads, SEG_ALGORITHM_LLOYD, 3);
    if (b.iterations <= a.iterations)
        return NAN;
    if (cpu)
        *cpu = (b.cpu - a.cpu) / (double)(b.iterations - a.iterations);
    return (b.seconds - a.seconds) / (double)(b.iterations - a.iterations);
}

/* Per-iteration times of one fit: the progress callback stamps the end of
 * each iteration (its assignment pass and update). */
typedef struct stamps {
    double t[512];
    size_t n;
} stamps;

/* CPU seconds of the calling thread: on a loaded machine the steadier
 * measure of a one-thread fit's work than the wall clock. */
static double thread_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int stamp(void *user, size_t done, size_t total)
{
    stamps *s = user;
    (void)done;
    (void)total;
    if (s->n < sizeof s->t / sizeof s->t[0])
        s->t[s->n++] = thread_cpu();
    return 0;
}

/* Median of v[lo .. hi) (sorted in place). */
static double median_of(double *v, size_t lo, size_t hi)
{
    if (hi <= lo)
        return NAN;
    qsort(v + lo, hi - lo, sizeof *v, cmp_double);
    const size_t m = hi - lo;
    return m % 2 ? v[lo + m / 2] : 0.5 * (v[lo + m / 2 - 1] + v[lo + m / 2]);
}

/*
 * W2i: W2's fit with each algorithm on one thread, timing every iteration in
 * CPU seconds of that thread (the work, which a loaded machine's wall clock
 * hides); prints the median of iterations 2-5 (early: many rows move) and of
 * the last 10 (late: almost none move) of each algorithm, the late ones
 * against Lloyd's, and each whole fit's CPU seconds against Lloyd's.
 * reps fits per algorithm, interleaved; medians over all of their iterations.
 */
static void w2_iterations(const float *x, size_t n, size_t d, const double *init, size_t k,
                          int reps)
{
    static double early[5][4 * 16], late[5][10 * 16];
    size_t ne[5] = {0}, nl[5] = {0};
    double total[5][16];
    int64_t iters[5] = {0};
    for (int r = 0; r < reps && r < 16; r++)
        for (int a = SEG_ALGORITHM_LLOYD; a <= SEG_ALGORITHM_YINYANG; a++) {
            seg_kmeans *km = kmeans(init, k, d, 300, 1e-4, 1, a);
            stamps s = {{0}, 0};
            seg_model *m;
            int rc = seg_kmeans_set_progress(km, stamp, &s);
            if (rc < 0)
                die("progress", rc);
            double t0 = thread_cpu();
            if ((rc = seg_kmeans_fit_f32(km, x, n, d, NULL, NULL, &m)) < 0)
                die("fit", rc);
            total[a][r] = thread_cpu() - t0;
            iters[a] = seg_model_iterations(m);
            seg_model_free(m);
            seg_kmeans_free(km);
            for (size_t i = 1; i < s.n && i <= 4; i++)
                early[a][ne[a]++] = s.t[i] - s.t[i - 1];
            for (size_t i = s.n > 11 ? s.n - 10 : 1; i < s.n; i++)
                late[a][nl[a]++] = s.t[i] - s.t[i - 1];
        }
    double lloyd_late = 0, lloyd_fit = 0;
    for (int a = SEG_ALGORITHM_LLOYD; a <= SEG_ALGORITHM_YINYANG; a++) {
        char key[64];
        const double e = median_of(early[a], 0, ne[a]), l = median_of(late[a], 0, nl[a]);
        const int nr = reps < 16 ? reps : 16;
        if (a == SEG_ALGORITHM_LLOYD)
            lloyd_late = l;
        snprintf(key, sizeof key, "W2i_%s_iterations", alg_names[a]);
        put(key, (double)iters[a]);
        const double f = median_of(total[a], 0, (size_t)nr);
        if (a == SEG_ALGORITHM_LLOYD)
            lloyd_fit = f;
        snprintf(key, sizeof key, "W2i_%s_fit_cpu_seconds", alg_names[a]);
        put(key, f);
        snprintf(key, sizeof key, "W2i_%s_fit_vs_lloyd", alg_names[a]);
        put(key, f / lloyd_fit);
        snprintf(key, sizeof key, "W2i_%s_early_iter_cpu_seconds", alg_names[a]);
        put(key, e);
        snprintf(key, sizeof key, "W2i_%s_late_iter_cpu_seconds", alg_names[a]);
        put(key, l);
        snprintf(key, sizeof key, "W2i_%s_late_vs_lloyd", alg_names[a]);
        put(key, l / lloyd_late);
    }
}

static double *to_f64(const float *x, size_t count)
{
    double *y = xmalloc(count * sizeof *y);
    for (size_t i = 0; i < count; i++)
        y[i] = x[i];
    return y;
}

/* ---- workloads ------------------------------------------------------------------------- */

static bool wanted(const cfg *c, const char *w)
{
    if (!c->only)
        return true;
    const size_t len = strlen(w);
    for (const char *p = c->only; (p = strstr(p, w)) != NULL; p += len)
        if ((p == c->only || p[-1] == ',') && (p[len] == ',' || p[len] == '\0'))
            return true;
    return false;
}

static void gemm_peak(const cfg *c)
{
    const int s = c->gemm;
    float *a = xmalloc((size_t)s * s * sizeof *a), *cc = xmalloc((size_t)s * s * sizeof *cc);
    double *da = xmalloc((size_t)s * s * sizeof *da), *dc = xmalloc((size_t)s * s * sizeof *dc);
    for (size_t i = 0; i < (size_t)s * s; i++)
        da[i] = a[i] = (float)uniform();
    double bs = INFINITY, bd = INFINITY;
    for (int r = 0; r < 4; r++) {
        double t0 = now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, s, s, s, 1, a, s, a, s, 0, cc, s);
        double t1 = now();
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, s, s, s, 1, da, s, da, s, 0, dc, s);
        double t2 = now();
        bs = fmin(bs, t1 - t0);
        bd = fmin(bd, t2 - t1);
    }
    double flop = 2.0 * s * s * (double)s;
    put("peak_sgemm_gflops", flop / bs * 1e-9);
    put("peak_dgemm_gflops", flop / bd * 1e-9);
    free(a);
    free(cc);
    free(da);
    free(dc);
}

/* The float32 FMA peak of this process on all CPUs (fmapeak.c), per width;
 * `when` names the measurement (before / after W1). */
static void fma_probe(const char *when)
{
    fmapeak p;
    char key[96];
    if (fmapeak_measure(0, 0.15, &p) < 0)
        return;
    for (int i = 0; i < 4; i++) {
        if (p.width[i].gflops <= 0)
            continue;
        snprintf(key, sizeof key, "peak_fma_%s_%s_gflops", p.width[i].name, when);
        put(key, p.width[i].gflops);
    }
    snprintf(key, sizeof key, "peak_fma_threads");
    put(key, p.threads);
    snprintf(key, sizeof key, "peak_fma_per_cpu_second_%s_gflops", when);
    put(key, p.best_gflops_per_cpu);
    if (p.best_gflops > fma_peak)
        fma_peak = p.best_gflops;
    if (p.best_gflops_per_cpu > fma_peak_cpu)
        fma_peak_cpu = p.best_gflops_per_cpu;
}

/* The k-means shape as one large sgemm: n x k x d. */
static void gemm_kmeans_shape(const float *x, size_t n, size_t d, const double *init, size_t k)
{
    float *ct = xmalloc(k * d * sizeof *ct), *out = xmalloc(n * k * sizeof *out);
    for (size_t i = 0; i < k * d; i++)
        ct[i] = (float)init[i];
    double best = INFINITY;
    for (int r = 0; r < 3; r++) {
        double t0 = now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)k, (int)d, -2, x,
                    (int)d, ct, (int)d, 0, out, (int)k);
        best = fmin(best, now() - t0);
    }
    put("kshape_sgemm_gflops", 2.0 * (double)n * (double)k * (double)d / best * 1e-9);
    free(ct);
    free(out);
}

static void w1_w2_w4_w6(const cfg *c, const float *x, const double *init)
{
    const size_t n = c->n1, d = 32, k = 64;
    const double flop = 2.0 * (double)n * (double)k * (double)d;

    if (wanted(c, "W1") || wanted(c, "W4")) {
        double cpu = NAN;
        double t = iteration_seconds(x, true, n, d, init, k, c->iters, 0, &cpu);
        put("W1_f32_iter_seconds", t);
        put("W1_f32_gflops", flop / t * 1e-9);
        put("W1_f32_iter_cpu_seconds", cpu);
        put("W1_f32_gflops_per_cpu_second", flop / cpu * 1e-9);
        fma_probe("after");
        if (fma_peak > 0) {
            /* Wall: against what all threads got in this run. CPU: against
             * one core's rate while it runs, which load affects less. */
            put("peak_fma_gflops", fma_peak);
            put("W1_f32_share_of_fma_peak", flop / t * 1e-9 / fma_peak);
            put("peak_fma_per_cpu_second_gflops", fma_peak_cpu);
            put("W1_f32_share_of_fma_peak_cpu", flop / cpu * 1e-9 / fma_peak_cpu);
        }
        if (wanted(c, "W4")) {
            double t1 = iteration_seconds(x, true, n, d, init, k, c->iters, 1, NULL);
            put("W4_f32_iter_seconds_1thread", t1);
            put("W4_speedup_2_vs_1", t1 / t);
        }
    }
    if (wanted(c, "W1")) {
        double *x64 = to_f64(x, n * d);
        double t = iteration_seconds(x64, false, n, d, init, k, c->iters, 0, NULL);
        put("W1_f64_iter_seconds", t);
        put("W1_f64_gflops", flop / t * 1e-9);
        free(x64);
    }
    if (wanted(c, "W2")) {
        fitres r = fit(x, true, n, d, init, k, 300, 1e-4, 0, SEG_ALGORITHM_LLOYD, 1);
        put("W2_lloyd_seconds", r.seconds);
        put("W2_lloyd_iterations", (double)r.iterations);
        put("W2_lloyd_inertia", r.inertia);
        for (int a = SEG_ALGORITHM_HAMERLY; a <= SEG_ALGORITHM_AUTO; a++) {
            char key[64];
            r = fit(x, true, n, d, init, k, 300, 1e-4, 0, a, 1);
            snprintf(key, sizeof key, "W2_%s_seconds", alg_names[a]);
            put(key, r.seconds);
            snprintf(key, sizeof key, "W2_%s_inertia", alg_names[a]);
            put(key, r.inertia);
        }
    }
    if (wanted(c, "W2i"))
        w2_iterations(x, n, d, init, k, 3);
    if (wanted(c, "W2b")) {
        seg_kmeans *km;
        int rc;
        double *cent = xmalloc(k * d * sizeof *cent), best = INFINITY;
        if ((rc = seg_kmeans_new(&km)) < 0 || (rc = seg_kmeans_set_int(km, SEG_KMEANS_K, 64)) < 0)
            die("settings", rc);
        for (int seed = 0; seed < 5; seed++) {
            char name[64];
            if ((rc = seg_kmeans_set_int(km, SEG_KMEANS_SEED, seed)) < 0)
                die("seed", rc);
            double t0 = now();
            if ((rc = seg_kmeans_init_f32(km, x, n, d, NULL, cent, k * d)) < 0)
                die("k-means++", rc);
            best = fmin(best, now() - t0);
            snprintf(name, sizeof name, "W2b_pp_seed%d.npy", seed);
            write_npy(c->out, name, cent, false, k, d);
        }
        put("W2b_kmeanspp_seconds", best);
        seg_kmeans_free(km);
        free(cent);
    }
    if (wanted(c, "W6")) {
        seg_kmeans *km = kmeans(init, k, d, 2, 0, 0, SEG_ALGORITHM_LLOYD);
        seg_model *m;
        seg_predictor *p;
        int32_t *labels = xmalloc(n * sizeof *labels);
        int rc;
        double best = INFINITY;
        if ((rc = seg_kmeans_fit_f32(km, x, n, d, NULL, NULL, &m)) < 0 ||
            (rc = seg_predictor_new(&p, m)) < 0 ||
            (rc = seg_predictor_set_int(p, SEG_PREDICTOR_THREADS, 0)) < 0)
            die("predict setup", rc);
        for (int r = 0; r < 5; r++) {
            double t0 = now();
            if ((rc = seg_predictor_run_f32(p, x, n, d, labels, NULL)) < 0)
                die("predict", rc);
            best = fmin(best, now() - t0);
        }
        put("W6_predict_rows_per_second", (double)n / best);
        seg_predictor_free(p);
        seg_model_free(m);
        seg_kmeans_free(km);
        free(labels);
    }
}

/* The fixed rule AUTO followed before the cost model (register kernel), to
 * give its worst ratio from the same run. */
static int old_auto(size_t d, size_t k)
{
    return (d >= 64 && k >= 16) || (d >= 32 && k >= 128) ? SEG_ALGORITHM_HAMERLY
                                                         : SEG_ALGORITHM_LLOYD;
}

static void w5(const cfg *c)
{
    static const size_t ds[] = {2, 8, 32, 128}, ks[] = {4, 16, 64, 256};
    const size_t n = c->n5;
    double worst = 0, worst_cpu = 0, worst_old = 0, worst_old_cpu = 0;
    for (size_t a = 0; a < 4; a++)
        for (size_t b = 0; b < 4; b++) {
            const size_t d = ds[a], k = ks[b];
            char name[64], key[96];
            float *x = blobs(n, d, k, 1000 + d * 7 + k);
            double *init = rows_as_init(x, n, d, k);
            snprintf(name, sizeof name, "W5_d%zu_k%zu.npy", d, k);
            write_npy(c->out, name, x, true, n, d);
            snprintf(name, sizeof name, "W5_d%zu_k%zu_init.npy", d, k);
            write_npy(c->out, name, init, false, k, d);
            /* Best of --rounds (default 7) rounds, each round running every algorithm once, so
             * that a burst of load on the machine hits all of them alike.
             * Each round runs them in another order (start r, stride 1 + r
             * mod 4 over the five): a fit's speed depends a little on what
             * the one before it left in the allocator and caches, so no
             * algorithm should always follow the same one. */
            enum { ALGS = SEG_ALGORITHM_AUTO - SEG_ALGORITHM_LLOYD + 1 };
            fitres best[SEG_ALGORITHM_AUTO + 1];
            double best_cpu[SEG_ALGORITHM_AUTO + 1];
            for (int round = 0; round < c->rounds; round++)
                for (int j = 0; j < ALGS; j++) {
                    const int alg = SEG_ALGORITHM_LLOYD + (round + j * (1 + round % 4)) % ALGS;
                    fitres r = fit(x, true, n, d, init, k, c->grid_iter, 1e-4, 0, alg, 1);
                    if (round == 0 || r.seconds < best[alg].seconds)
                        best[alg] = r;
                    if (round == 0 || r.cpu < best_cpu[alg])
                        best_cpu[alg] = r.cpu;
                }
            for (int alg = SEG_ALGORITHM_LLOYD; alg <= SEG_ALGORITHM_AUTO; alg++) {
                const fitres r = best[alg];
                snprintf(key, sizeof key, "W5_d%zu_k%zu_%s_seconds", d, k, alg_names[alg]);
                put(key, r.seconds);
                snprintf(key, sizeof key, "W5_d%zu_k%zu_%s_cpu_seconds", d, k, alg_names[alg]);
                put(key, best_cpu[alg]);
                snprintf(key, sizeof key, "W5_d%zu_k%zu_%s_inertia", d, k, alg_names[alg]);
                put(key, r.inertia);
            }
            double bw = INFINITY, bc = INFINITY;
            for (int alg = SEG_ALGORITHM_LLOYD; alg < SEG_ALGORITHM_AUTO; alg++) {
                bw = fmin(bw, best[alg].seconds);
                bc = fmin(bc, best_cpu[alg]);
            }
            worst = fmax(worst, best[SEG_ALGORITHM_AUTO].seconds / bw);
            worst_cpu = fmax(worst_cpu, best_cpu[SEG_ALGORITHM_AUTO] / bc);
            worst_old = fmax(worst_old, best[old_auto(d, k)].seconds / bw);
            worst_old_cpu = fmax(worst_old_cpu, best_cpu[old_auto(d, k)] / bc);
            free(x);
            free(init);
        }
    put("W5_worst_auto_over_best", worst);
    put("W5_worst_auto_over_best_cpu", worst_cpu);
    put("W5_worst_old_rule_over_best", worst_old);
    put("W5_worst_old_rule_over_best_cpu", worst_old_cpu);
}

static void w7(const cfg *c)
{
    const char *drop[] = {"y", "duration"};
    seg_dataset *ds;
    seg_scaler *sc;
    struct stat st;
    int rc;
    /* The parse alone: the median of 7 reads, wall and CPU seconds (the
     * reader runs on one thread; on a loaded machine the CPU figure is the
     * steadier one). */
    double tw[7], tc[7];
    for (int r = 0; r < 7; r++) {
        double w0 = now(), c0 = cpu_now();
        if ((rc = seg_dataset_read_csv(&ds, c->bank, NULL)) < 0)
            die(c->bank, rc);
        tw[r] = now() - w0;
        tc[r] = cpu_now() - c0;
        seg_dataset_free(ds);
    }
    qsort(tw, 7, sizeof *tw, cmp_double);
    qsort(tc, 7, sizeof *tc, cmp_double);
    if (stat(c->bank, &st) == 0) {
        put("W7_csv_mb_per_second", (double)st.st_size / tw[3] * 1e-6);
        put("W7_csv_mb_per_cpu_second", (double)st.st_size / tc[3] * 1e-6);
    }
    double t0 = now();
    if ((rc = seg_dataset_read_csv(&ds, c->bank, NULL)) < 0)
        die(c->bank, rc);
    if ((rc = seg_dataset_drop(ds, drop, 2)) < 0 || (rc = seg_scaler_new(&sc)) < 0 ||
        (rc = seg_scaler_fit(sc, ds)) < 0)
        die("scale", rc);
    const size_t n = seg_dataset_rows(ds), d = seg_scaler_features(sc);
    double *x = xmalloc(n * d * sizeof *x);
    /* the nine labellings, scored together on one sample (issue 20) */
    int32_t *labels = xmalloc(9 * n * sizeof *labels), *lab[9];
    size_t ks[9];
    double sil[9];
    if ((rc = seg_scaler_transform_f64(sc, ds, x, n * d)) < 0)
        die("transform", rc);
    for (int64_t k = 2; k <= 10; k++) {
        seg_kmeans *km;
        seg_model *m;
        lab[k - 2] = labels + (size_t)(k - 2) * n;
        ks[k - 2] = (size_t)k;
        if ((rc = seg_kmeans_new(&km)) < 0 || (rc = seg_kmeans_set_int(km, SEG_KMEANS_K, k)) < 0 ||
            (rc = seg_kmeans_set_int(km, SEG_KMEANS_N_INIT, 10)) < 0 ||
            (rc = seg_kmeans_fit_f64(km, x, n, d, NULL, lab[k - 2], &m)) < 0)
            die("sweep", rc);
        seg_model_free(m);
        seg_kmeans_free(km);
    }
    if ((rc = seg_metrics_silhouettes_f64(x, n, d, (const int32_t *const *)lab, ks, 9, NULL, 10000,
                                          0, sil)) < 0)
        die("silhouette", rc);
    put("W7_end_to_end_seconds", now() - t0);
    put("W7_rows", (double)n);
    put("W7_features", (double)d);
    free(x);
    free(labels);
    seg_scaler_free(sc);
    seg_dataset_free(ds);
}

/* ---- W3: peak memory of W2 in a child process -------------------------------------------- */

static int child_w3(const cfg *c, int64_t algorithm)
{
    const size_t n = c->n1, d = 32, k = 64;
    float *x = blobs(n, d, k, 1);
    double *init = rows_as_init(x, n, d, k);
    if (algorithm >= 0)
        fit(x, true, n, d, init, k, 300, 1e-4, 0, algorithm, 1);
    return 0;
}

static double child_maxrss_mib(const char *self, const cfg *c, int64_t algorithm)
{
    char n1[32], alg[32];
    snprintf(n1, sizeof n1, "%zu", c->n1);
    snprintf(alg, sizeof alg, "%lld", (long long)algorithm);
    pid_t pid = fork();
    if (pid == 0) {
        execl(self, self, "--child-w3", n1, alg, (char *)NULL);
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (pid < 0 || wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
        return NAN;
    return (double)ru.ru_maxrss / 1024.0; /* KiB on Linux */
}

static void w3(const cfg *c)
{
    const double data_mib = (double)c->n1 * 32 * sizeof(float) / (1024.0 * 1024.0);
    put("W3_data_mib", data_mib);
    put("W3_data_only_maxrss_mib", child_maxrss_mib("/proc/self/exe", c, -1));
    for (int a = SEG_ALGORITHM_LLOYD; a <= SEG_ALGORITHM_AUTO; a++) {
        char key[64];
        double mib = child_maxrss_mib("/proc/self/exe", c, a);
        if (isnan(mib))
            continue;
        snprintf(key, sizeof key, "W3_%s_maxrss_mib", alg_names[a]);
        put(key, mib);
        snprintf(key, sizeof key, "W3_%s_ratio_to_data_plus_32mib", alg_names[a]);
        put(key, mib / (data_mib + 32));
    }
}

/* ---- main ----------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    cfg c = {1000000, 200000, 2048, 5, 100, 7, "bench-out", NULL, NULL};
    char path[4096];

    if (argc == 4 && strcmp(argv[1], "--child-w3") == 0) {
        c.n1 = (size_t)strtoull(argv[2], NULL, 10);
        return child_w3(&c, strtoll(argv[3], NULL, 10));
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            c.n1 = 200000;
            c.n5 = 50000;
            c.gemm = 1024;
            c.iters = 3;
            c.grid_iter = 50;
        } else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
            c.out = argv[++i];
        } else if (strcmp(argv[i], "--bank") == 0 && i + 1 < argc) {
            c.bank = argv[++i];
        } else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
            c.only = argv[++i];
        } else if (strcmp(argv[i], "--grid-rows") == 0 && i + 1 < argc) {
            c.n5 = (size_t)strtoull(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
            c.rounds = atoi(argv[++i]);
            if (c.rounds < 1)
                c.rounds = 1;
        } else if (strcmp(argv[i], "--rows") == 0 && i + 1 < argc) {
            c.n1 = (size_t)strtoull(argv[++i], NULL, 10);
        } else {
            fprintf(stderr,
                    "usage: %s [--quick] [--out DIR] [--bank bank-full.csv] [--rows N]\n"
                    "          [--grid-rows N] [--rounds R]\n"
                    "          [--only peak,W1,W2,W2i,W2b,W3,W4,W5,W6,W7]\n",
                    argv[0]);
            return 2;
        }
    }
    mkdir(c.out, 0777);
    snprintf(path, sizeof path, "%s/libseg.json", c.out);
    if (!(js = fopen(path, "w"))) {
        fprintf(stderr, "kmbench: %s: %s\n", path, strerror(errno));
        return 1;
    }
    printf("kmbench: libseg %s, results in %s\n", seg_version_string(), path);
    put("rows", (double)c.n1);
    put("grid_rows", (double)c.n5);
    put("grid_max_iter", c.grid_iter);
    if (wanted(&c, "W3"))
        w3(&c); /* first: children must not inherit warm thread pools */
    if (wanted(&c, "W1") || wanted(&c, "peak"))
        gemm_peak(&c);
    {
        float *x = blobs(c.n1, 32, 64, 1);
        double *init = rows_as_init(x, c.n1, 32, 64);
        write_npy(c.out, "W1_x.npy", x, true, c.n1, 32);
        write_npy(c.out, "W1_init.npy", init, false, 64, 32);
        if (wanted(&c, "W1") || wanted(&c, "peak")) {
            gemm_kmeans_shape(x, c.n1, 32, init, 64);
            fma_probe("before");
        }
        w1_w2_w4_w6(&c, x, init);
        free(x);
        free(init);
    }
    if (wanted(&c, "W5"))
        w5(&c);
    if (wanted(&c, "W7") && c.bank)
        w7(&c);
    fprintf(js, "\n}\n");
    fclose(js);
    return 0;
}
