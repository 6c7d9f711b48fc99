/*
 * PCA before and after issue 21 item 7, in one run: the cyclic Jacobi sweep
 * the library used (kept here, verbatim in method, as the "before"), the
 * built-in Householder + QL solver and LAPACK's dsyevr (when the build has
 * LAPACKE), all on the same covariance; and the user's call,
 * seg_pca_compute_f64() (covariance + eigenpairs + scores), end to end.
 *
 * Usage: bench_pca [DIMS [C [JACOBI_MAX [FULL_MAX]]]]
 *        (default 300,600,2048,4096 2 600 600)
 *
 * For each d of the comma-separated DIMS: n = d + 1000 rows of a factor
 * model (d / 10 + 2 factors of decreasing weight plus noise), seeded. Times
 * are seconds of one call, wall clock and CPU (all threads of the process). C components are asked of each
 * solver; the Jacobi sweep always finds all d and is run only for d <=
 * JACOBI_MAX (~d^3 growth: 20 min at 4096); "all" rows ask every component
 * of the two new solvers, for d <= FULL_MAX. "diff" is the largest absolute
 * difference of axes and of variances / largest variance between the
 * built-in solver and LAPACK (and Jacobi, when run) on the same matrix.
 */
#include "analyse/pca.h"
#include "benchutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <time.h>

/* CPU seconds of the whole process (every thread): on a shared machine the
 * steadier figure, as wall time depends on what else runs. */
static double cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The library's solver before this change (lib/analyse/pca.c at 5125d89):
 * cyclic Jacobi, all eigenpairs; columns of v are the vectors. */
static void jacobi_eigen(double *a, size_t d, double *v, double *w)
{
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++)
            v[i * d + j] = i == j;
    double total = 0;
    for (size_t i = 0; i < d * d; i++)
        total += a[i] * a[i];
    for (int sweep = 0; sweep < 100; sweep++) {
        double off = 0;
        for (size_t p = 0; p < d; p++)
            for (size_t q = p + 1; q < d; q++)
                off += 2 * a[p * d + q] * a[p * d + q];
        if (off <= 1e-30 * total || off == 0)
            break;
        for (size_t p = 0; p < d; p++)
            for (size_t q = p + 1; q < d; q++) {
                const double apq = a[p * d + q];
                if (apq == 0)
                    continue;
                const double theta = (a[q * d + q] - a[p * d + p]) / (2 * apq);
                const double t = (theta >= 0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1));
                const double c = 1 / sqrt(t * t + 1), s = t * c;
                a[p * d + p] -= t * apq;
                a[q * d + q] += t * apq;
                a[p * d + q] = a[q * d + p] = 0;
                for (size_t r = 0; r < d; r++) {
                    if (r != p && r != q) {
                        const double arp = a[r * d + p], arq = a[r * d + q];
                        a[r * d + p] = a[p * d + r] = c * arp - s * arq;
                        a[r * d + q] = a[q * d + r] = s * arp + c * arq;
                    }
                    const double vrp = v[r * d + p], vrq = v[r * d + q];
                    v[r * d + p] = c * vrp - s * vrq;
                    v[r * d + q] = s * vrp + c * vrq;
                }
            }
    }
    for (size_t i = 0; i < d; i++)
        w[i] = a[i * d + i];
}

/* Top c of Jacobi's pairs, sorted and signed as the library does. */
static void jacobi_top(const double *cov, size_t d, size_t c, double *val, double *vec)
{
    double *a = malloc(d * d * sizeof *a), *v = malloc(d * d * sizeof *v),
           *w = malloc(d * sizeof *w);
    memcpy(a, cov, d * d * sizeof *a);
    jacobi_eigen(a, d, v, w);
    for (size_t k = 0; k < c; k++) {
        size_t best = 0;
        for (size_t j = 1; j < d; j++)
            if (w[j] > w[best])
                best = j;
        val[k] = w[best];
        w[best] = -INFINITY;
        size_t big = 0;
        for (size_t j = 1; j < d; j++)
            if (fabs(v[j * d + best]) > fabs(v[big * d + best]))
                big = j;
        const double sign = v[big * d + best] < 0 ? -1 : 1;
        for (size_t j = 0; j < d; j++)
            vec[k * d + j] = sign * v[j * d + best];
    }
    free(a);
    free(v);
    free(w);
}

static double maxdiff(const double *a, const double *b, size_t len, double scale)
{
    double m = 0;
    for (size_t i = 0; i < len; i++)
        m = fmax(m, fabs(a[i] - b[i]) / scale);
    return m;
}

static int fail(int rc)
{
    fprintf(stderr, "bench_pca: %s: %s\n", seg_strerror(rc), seg_last_error());
    return 1;
}

/* One solver on cov: seconds, or -1 on failure. */
static double last_cpu;

static double timed(const double *cov, size_t d, size_t c, seg_pca_solver s, double *val,
                    double *vec)
{
    const double t0 = now(), c0 = cpu();
    const int rc = seg_pca_eigen(cov, d, c, s, val, vec);
    if (rc < 0) {
        fail(rc);
        return -1;
    }
    last_cpu = cpu() - c0;
    return now() - t0;
}

int main(int argc, char **argv)
{
    const char *dims = argc > 1 ? argv[1] : "300,600,2048,4096";
    const size_t c = argc > 2 ? strtoull(argv[2], NULL, 10) : 2;
    const size_t jacobi_max = argc > 3 ? strtoull(argv[3], NULL, 10) : 600;
    const size_t full_max = argc > 4 ? strtoull(argv[4], NULL, 10) : 600;
    printf("# bench_pca: c = %zu; LAPACK %s; seconds of one call\n", c,
           seg_pca_have_lapack() ? "built in (LAPACKE dsyevr)" : "absent (-Dlapack=disabled)");
    printf("%6s %6s %-22s %10s %10s %12s\n", "d", "n", "what", "wall s", "CPU s", "diff");
    for (const char *p = dims; *p;) {
        char *end;
        const size_t d = strtoull(p, &end, 10);
        p = *end == ',' ? end + 1 : end;
        if (d == 0 || c > d)
            continue;
        const size_t n = d + 1000, f = d / 10 + 2;
        double *x = malloc(n * d * sizeof *x), *load = malloc(f * d * sizeof *load);
        double *cov = malloc(d * d * sizeof *cov), *mu = calloc(d, sizeof *mu);
        double *va = malloc(d * sizeof *va), *vb = malloc(d * sizeof *vb);
        double *ea = malloc(d * d * sizeof *ea), *eb = malloc(d * d * sizeof *eb);
        double *scores = malloc(n * c * sizeof *scores);
        if (!x || !load || !cov || !mu || !va || !vb || !ea || !eb || !scores)
            return 1;
        bench_rng = 0x2545F4914F6CDD1DULL + d;
        for (size_t i = 0; i < f * d; i++)
            load[i] = normal();
        for (size_t i = 0; i < n; i++) {
            double *row = x + i * d;
            for (size_t j = 0; j < d; j++)
                row[j] = 0.3 * normal();
            for (size_t k = 0; k < f; k++) {
                const double z = normal() * 3.0 / (1.0 + (double)k);
                for (size_t j = 0; j < d; j++)
                    row[j] += z * load[k * d + j];
            }
        }
        /* The user's call, end to end. */
        double t0 = now(), c0 = cpu();
        int rc = seg_pca_compute_f64(x, n, d, c, scores, ea, va, mu);
        if (rc < 0)
            return fail(rc);
        printf("%6zu %6zu %-22s %10.3f %10.3f %12s\n", d, n, "seg_pca_compute_f64", now() - t0,
               cpu() - c0, "");
        /* The same covariance the call formed, for the solvers alone. */
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < d; j++)
                x[i * d + j] -= mu[j];
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)d, (int)n, 1.0 / (double)n, x,
                    (int)d, 0.0, cov, (int)d);
        for (size_t i = 0; i < d; i++)
            for (size_t j = i + 1; j < d; j++)
                cov[j * d + i] = cov[i * d + j];
        const size_t cs[2] = {c, d};
        for (int all = 0; all < 2; all++) {
            const size_t cc = cs[all];
            if (all && (d > full_max || c == d))
                break;
            char what[32];
            double tb = timed(cov, d, cc, SEG_PCA_SOLVER_BUILTIN, vb, eb);
            if (tb < 0)
                return 1;
            snprintf(what, sizeof what, "built-in, %s", all ? "all" : "top c");
            printf("%6zu %6zu %-22s %10.3f %10.3f %12s\n", d, n, what, tb, last_cpu, "");
            if (seg_pca_have_lapack()) {
                double tl = timed(cov, d, cc, SEG_PCA_SOLVER_LAPACK, va, ea);
                if (tl < 0)
                    return 1;
                const double dv = maxdiff(va, vb, cc, va[0]), de = maxdiff(ea, eb, cc * d, 1);
                char diff[32];
                snprintf(diff, sizeof diff, "%.1e", fmax(dv, de));
                snprintf(what, sizeof what, "LAPACK dsyevr, %s", all ? "all" : "top c");
                printf("%6zu %6zu %-22s %10.3f %10.3f %12s\n", d, n, what, tl, last_cpu, diff);
            }
        }
        if (d <= jacobi_max) {
            t0 = now();
            c0 = cpu();
            jacobi_top(cov, d, c, va, ea);
            const double tj = now() - t0, cj = cpu() - c0;
            seg_pca_eigen(cov, d, c, SEG_PCA_SOLVER_BUILTIN, vb, eb);
            char diff[32];
            snprintf(diff, sizeof diff, "%.1e",
                     fmax(maxdiff(va, vb, c, va[0]), maxdiff(ea, eb, c * d, 1)));
            printf("%6zu %6zu %-22s %10.3f %10.3f %12s\n", d, n, "Jacobi (before)", tj, cj, diff);
        }
        fflush(stdout);
        free(x);
        free(load);
        free(cov);
        free(mu);
        free(va);
        free(vb);
        free(ea);
        free(eb);
        free(scores);
    }
    return 0;
}
