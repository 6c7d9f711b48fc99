/*
 * Principal component analysis for pictures of segments: the covariance
 * through the BLAS (one SYRK), its eigenvectors by the cyclic Jacobi method,
 * the scores through one GEMM. Meant for d up to a few hundred features (the
 * eigen-solver is O(d^3) per sweep); n may be large.
 */
#include "core/core.h"
#include "kernel/gemm.h"

#include <stdlib.h>
#include <string.h>

#define JACOBI_MAX_SWEEPS 100
#define PCA_MAX_DIM 4096

/*
 * Eigen-decomposition of the symmetric d x d matrix a (row-major, destroyed)
 * by cyclic Jacobi rotations (Jacobi 1846; Golub & Van Loan, Matrix
 * Computations, 4th ed., section 8.5.3): each rotation zeroes a[p][q], with
 * t = tan(angle) the smaller root of t^2 + 2 theta t - 1 = 0, theta =
 * (a_qq - a_pp) / (2 a_pq). Stops when the off-diagonal mass is below
 * 1e-30 of the total (or after JACOBI_MAX_SWEEPS sweeps; quadratic
 * convergence makes 10 or so typical). On return w holds the eigenvalues and
 * column j of v (row-major d x d) the eigenvector of w[j].
 */
static void jacobi_eigen(double *a, size_t d, double *v, double *w)
{
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++)
            v[i * d + j] = i == j;
    double total = 0;
    for (size_t i = 0; i < d * d; i++)
        total += a[i] * a[i];
    for (int sweep = 0; sweep < JACOBI_MAX_SWEEPS; sweep++) {
        double off = 0;
        for (size_t p = 0; p < d; p++)
            for (size_t q = p + 1; q < d; q++)
                off += 2 * a[p * d + q] * a[p * d + q];
        if (off <= 1e-30 * total || off == 0)
            break;
        for (size_t p = 0; p < d; p++) {
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
    }
    for (size_t i = 0; i < d; i++)
        w[i] = a[i * d + i];
}

typedef struct eig_key {
    double value;
    size_t col;
} eig_key;

static int cmp_eig(const void *pa, const void *pb)
{
    const eig_key *a = pa, *b = pb;
    if (a->value != b->value)
        return a->value > b->value ? -1 : 1;
    return (a->col > b->col) - (a->col < b->col);
}

int seg_pca_compute_f64(const double *x, size_t n, size_t d, size_t c, double *scores, double *axes,
                        double *variance, double *mean)
{
    double *xc = NULL, *cov = NULL, *vec = NULL, *val = NULL, *mu = NULL, *ax = NULL;
    eig_key *keys = NULL;
    size_t nd, dd;
    int rc = SEG_OK;

    if (!x)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_pca_compute_f64: x is NULL");
    if (n < 2 || d == 0)
        return seg_fail(SEG_ERR_TOO_FEW_POINTS, "PCA needs 2 rows and 1 feature, not %zu x %zu",
                        n, d);
    if (c == 0 || c > d)
        return seg_fail(SEG_ERR_INVALID_ARG, "%zu components asked of %zu features", c, d);
    if (d > PCA_MAX_DIM || n > INT32_MAX)
        return seg_fail(SEG_ERR_LIMIT, "PCA takes at most %d features and 2^31-1 rows",
                        PCA_MAX_DIM);
    if (!seg_mul_ok(n, d, &nd) || !seg_mul_ok(d, d, &dd))
        return seg_fail(SEG_ERR_OVERFLOW, "%zu x %zu values overflow", n, d);
    xc = seg_malloc_array(nd, sizeof *xc);
    cov = seg_calloc(dd, sizeof *cov);
    vec = seg_malloc_array(dd, sizeof *vec);
    val = seg_malloc_array(d, sizeof *val);
    mu = seg_calloc(d, sizeof *mu);
    ax = seg_malloc_array(c * d, sizeof *ax);
    keys = seg_malloc_array(d, sizeof *keys);
    if (!xc || !cov || !vec || !val || !mu || !ax || !keys) {
        rc = SEG_NOMEM();
        goto done;
    }
    for (size_t i = 0; i < nd; i++) {
        if (!isfinite(x[i])) {
            rc = seg_fail(SEG_ERR_NONFINITE, "row %zu, feature %zu is not finite", i / d + 1,
                          i % d + 1);
            goto done;
        }
        mu[i % d] += x[i];
    }
    for (size_t j = 0; j < d; j++)
        mu[j] /= (double)n;
    for (size_t i = 0; i < nd; i++)
        xc[i] = x[i] - mu[i % d];
    /* Covariance (population: / n) in the upper triangle, then mirrored. */
    seg_syrk_tn_f64(d, n, 1.0 / (double)n, xc, cov);
    for (size_t p = 0; p < d; p++)
        for (size_t q = p + 1; q < d; q++)
            cov[q * d + p] = cov[p * d + q];
    jacobi_eigen(cov, d, vec, val);
    for (size_t j = 0; j < d; j++)
        keys[j] = (eig_key){val[j], j};
    qsort(keys, d, sizeof *keys, cmp_eig);
    for (size_t a = 0; a < c; a++) {
        /* Sign: the largest-magnitude entry of each axis is positive, so the
         * result does not depend on the solver's path. */
        size_t col = keys[a].col, big = 0;
        for (size_t j = 1; j < d; j++)
            if (fabs(vec[j * d + col]) > fabs(vec[big * d + col]))
                big = j;
        double sign = vec[big * d + col] < 0 ? -1.0 : 1.0;
        for (size_t j = 0; j < d; j++)
            ax[a * d + j] = sign * vec[j * d + col];
        if (variance)
            variance[a] = keys[a].value > 0 ? keys[a].value : 0;
    }
    if (scores)
        seg_gemm_nt_f64(n, c, d, 1.0, xc, ax, scores);
    if (axes)
        memcpy(axes, ax, c * d * sizeof *ax);
    if (mean)
        memcpy(mean, mu, d * sizeof *mu);
done:
    seg_free(xc);
    seg_free(cov);
    seg_free(vec);
    seg_free(val);
    seg_free(mu);
    seg_free(ax);
    seg_free(keys);
    return rc;
}

/* Deprecated name (seg.h): exported until the soname changes. */
int seg_pca_f64(const double *x, size_t n, size_t d, size_t c, double *scores, double *axes,
                double *variance, double *mean)
{
    return seg_pca_compute_f64(x, n, d, c, scores, axes, variance, mean);
}
