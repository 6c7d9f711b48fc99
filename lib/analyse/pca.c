/*
 * Principal component analysis for pictures of segments: the covariance
 * through the BLAS (one SYRK), its few largest eigenpairs, the scores through
 * one GEMM. The eigenpairs come from LAPACK's dsyevr when the build has
 * LAPACKE (meson -Dlapack), else from the built-in solver below: Householder
 * tridiagonalisation (O(d^3), on the BLAS), eigenvalues of the tridiagonal
 * matrix by implicit QL (O(d^2)), and the eigenvectors of only the c wanted
 * eigenvalues by inverse iteration (O(d) each), carried back through the
 * reflectors (O(d^2) each). The two agree to 1e-9 (tests/test_pca.c); the
 * cyclic Jacobi sweep they replace took ~20 min at d = 4096.
 */
#include "analyse/pca.h"
#include "kernel/gemm.h"

#include <float.h>
#include <stdlib.h>
#include <string.h>
#ifdef SEG_HAVE_LAPACKE
#include <lapacke.h>
#endif

#define PCA_MAX_DIM 4096
/* Implicit QL takes two or three iterations an eigenvalue; 60 means failure. */
#define QL_MAX_ITER 60
/* Inverse iteration with a shift accurate to eps * |T| gains a factor of
 * about eps / gap a step: two steps reach working accuracy, four leave room
 * for gaps down to ~1e-4 |T|; closer eigenvalues are orthogonalised. */
#define INVIT_STEPS 4
/* Eigenvalues closer than this (relative to |T|) form a cluster whose
 * vectors are orthogonalised against each other (as LAPACK's dstein). */
#define CLUSTER_TOL 1e-3
/* Reflectors are applied to this many vectors at a time, which stay in cache
 * while the reflectors stream past once. */
#define BACK_BLOCK 16

int seg_pca_have_lapack(void)
{
#ifdef SEG_HAVE_LAPACKE
    return 1;
#else
    return 0;
#endif
}

/*
 * Reduces the symmetric a (row-major d x d, upper triangle read, destroyed)
 * to tridiagonal form T = Q^T A Q by d - 2 Householder reflections (Golub &
 * Van Loan, Matrix Computations, 4th ed., section 8.3.1), Q = H_0 ... H_{d-3},
 * H_k = I - tau[k] v v^T acting on entries k + 1 .. d - 1. On return diag and
 * off hold T's diagonal and superdiagonal, and row k of a, from column k + 1
 * on, holds v (whose first entry is 1).
 *
 * Blocked as LAPACK's dsytrd is (Dongarra, Hammarling & Sorensen 1989): the
 * reflections of a panel of TRD_BLOCK rows update the trailing matrix only
 * at the panel's end, as A - V W^T - W V^T (one SYR2K); within the panel a
 * row is brought up to date before its reflection is formed, and A v is
 * corrected by the pending V and W. Each step then reads the trailing
 * matrix once (its SYMV) instead of three times (SYMV, then SYR2's read and
 * write). vt and wt are TRD_BLOCK x d scratch (V^T and W^T, row-major), p
 * d values of scratch.
 */
#define TRD_BLOCK 32

static void tridiagonalise(double *a, size_t d, double *diag, double *off, double *tau,
                           double *vt, double *wt, double *p)
{
    double small[2 * TRD_BLOCK];
    size_t k = 0;
    while (k + 2 < d) {
        const size_t k0 = k, nb = d - 2 - k0 < TRD_BLOCK ? d - 2 - k0 : TRD_BLOCK;
        for (size_t j = 0; j < nb; j++, k++) {
            double *row = a + k * d + k; /* a[k][k..d-1] */
            const size_t len = d - k, m = len - 1;
            if (j > 0) { /* row k -= V[k,:] W[k:,:]^T + W[k,:] V[k:,:]^T */
                seg_gemv_f64(1, j, len, -1.0, wt + k, d, vt + k, d, 1.0, row);
                seg_gemv_f64(1, j, len, -1.0, vt + k, d, wt + k, d, 1.0, row);
            }
            double *x = row + 1, *v = vt + j * d, *w = wt + j * d;
            const double alpha = x[0], tail = seg_nrm2_f64(m - 1, x + 1);
            diag[k] = row[0];
            memset(v, 0, d * sizeof *v);
            memset(w, 0, d * sizeof *w);
            if (tail == 0) { /* already reduced: H_k = I, nothing pending */
                tau[k] = 0;
                off[k] = alpha;
                continue;
            }
            /* H x = beta e_1 with |beta| = |x|, its sign opposite to
             * alpha's so that alpha - beta does not cancel. */
            const double beta = -copysign(hypot(alpha, tail), alpha);
            tau[k] = (beta - alpha) / beta;
            seg_scal_f64(m - 1, 1 / (alpha - beta), x + 1);
            x[0] = 1;
            off[k] = beta;
            memcpy(v + k + 1, x, (size_t)m * sizeof *v);
            /* p = tau (A - V W^T - W V^T) v on the trailing block. */
            seg_symv_up_f64(m, 1.0, a + (k + 1) * d + k + 1, d, x, 0.0, p);
            if (j > 0) {
                seg_gemv_f64(0, j, m, 1.0, wt + k + 1, d, x, 1, 0.0, small);
                seg_gemv_f64(0, j, m, 1.0, vt + k + 1, d, x, 1, 0.0, small + TRD_BLOCK);
                seg_gemv_f64(1, j, m, -1.0, vt + k + 1, d, small, 1, 1.0, p);
                seg_gemv_f64(1, j, m, -1.0, wt + k + 1, d, small + TRD_BLOCK, 1, 1.0, p);
            }
            seg_scal_f64(m, tau[k], p);
            /* w = p - (tau / 2)(p.v) v, so that H A H = A - v w^T - w v^T. */
            seg_axpy_f64(m, -0.5 * tau[k] * seg_dot_f64(m, p, x), x, p);
            memcpy(w + k + 1, p, (size_t)m * sizeof *w);
        }
        /* The panel's pending update of the trailing block, in one SYR2K. */
        const size_t rest = d - k;
        seg_syr2k_tn_f64(rest, nb, -1.0, vt + k, d, wt + k, d, 1.0, a + k * d + k, d);
    }
    if (d >= 2) {
        diag[d - 2] = a[(d - 2) * d + d - 2];
        off[d - 2] = a[(d - 2) * d + d - 1];
    }
    diag[d - 1] = a[(d - 1) * d + d - 1];
}

/*
 * Eigenvalues of the symmetric tridiagonal matrix with diagonal dg[0..n-1]
 * and off-diagonal e[0..n-2] (e[i] couples i and i + 1; e[n-1] is scratch),
 * both destroyed, into dg: implicit QL with Wilkinson's shift (Golub & Van
 * Loan section 8.3.5, in its QL form: the bottom of each unreduced block is
 * chased up to its top by plane rotations). An off-diagonal entry is taken
 * as zero once it is below eps of its two neighbours' sum, or below eps^2
 * of |T| (= about 1 here: the caller scales T). Returns -1 if an eigenvalue
 * takes more than QL_MAX_ITER iterations.
 */
static int ql_eigenvalues(double *dg, double *e, size_t n)
{
    e[n - 1] = 0;
    for (size_t l = 0; l < n; l++) {
        for (int iter = 0;; iter++) {
            size_t m = l;
            for (; m + 1 < n; m++) {
                const double around = fabs(dg[m]) + fabs(dg[m + 1]);
                if (fabs(e[m]) <= DBL_EPSILON * around || fabs(e[m]) <= DBL_EPSILON * DBL_EPSILON)
                    break;
            }
            if (m == l)
                break;
            if (iter == QL_MAX_ITER)
                return -1;
            /* The shift: the eigenvalue of the top 2 x 2 block nearer dg[l]. */
            double g = (dg[l + 1] - dg[l]) / (2 * e[l]);
            double r = hypot(g, 1.0);
            g = dg[m] - dg[l] + e[l] / (g + copysign(r, g));
            double s = 1, c = 1, p = 0;
            bool split = false;
            for (size_t i = m; i-- > l;) {
                const double f = s * e[i], b = c * e[i];
                r = hypot(f, g);
                e[i + 1] = r;
                if (r == 0) { /* the block splits at i + 1: start again above */
                    dg[i + 1] -= p;
                    e[m] = 0;
                    split = true;
                    break;
                }
                s = f / r;
                c = g / r;
                g = dg[i + 1] - p;
                r = (dg[i] - g) * s + 2 * c * b;
                p = s * r;
                dg[i + 1] = g + p;
                g = c * r - b;
            }
            if (split)
                continue;
            dg[l] -= p;
            e[l] = g;
            e[m] = 0;
        }
    }
    return 0;
}

/* LU factors of T - shift I with partial pivoting (rows i, i + 1 swapped
 * where swap[i]): U's diagonal u0, superdiagonals u1 and u2, L's
 * multipliers ml. A zero pivot becomes tiny, as inverse iteration wants: a
 * nearly singular T - shift I is the point. */
typedef struct tri_lu {
    double *u0, *u1, *u2, *ml;
    unsigned char *swap;
} tri_lu;

static void tri_factor(const double *dg, const double *off, size_t n, double shift, double tiny,
                       tri_lu *f)
{
    for (size_t i = 0; i < n; i++) {
        f->u0[i] = dg[i] - shift;
        f->u1[i] = i + 1 < n ? off[i] : 0;
        f->u2[i] = 0;
    }
    for (size_t i = 0; i + 1 < n; i++) {
        const double sub = off[i];
        if (fabs(f->u0[i]) >= fabs(sub)) {
            if (f->u0[i] == 0)
                f->u0[i] = tiny;
            f->ml[i] = sub / f->u0[i];
            f->u0[i + 1] -= f->ml[i] * f->u1[i];
            f->swap[i] = 0;
        } else {
            /* Row i + 1 = (sub, u0[i+1], u1[i+1]) becomes the pivot row. */
            const double fact = f->u0[i] / sub, up = f->u1[i];
            f->u0[i] = sub;
            f->u1[i] = f->u0[i + 1];
            f->u2[i] = f->u1[i + 1];
            f->u0[i + 1] = up - fact * f->u1[i];
            f->u1[i + 1] = -fact * f->u2[i];
            f->ml[i] = fact;
            f->swap[i] = 1;
        }
    }
    if (f->u0[n - 1] == 0)
        f->u0[n - 1] = tiny;
}

static void tri_solve(const tri_lu *f, size_t n, double *x)
{
    for (size_t i = 0; i + 1 < n; i++) {
        if (f->swap[i]) {
            const double t = x[i];
            x[i] = x[i + 1];
            x[i + 1] = t - f->ml[i] * x[i];
        } else {
            x[i + 1] -= f->ml[i] * x[i];
        }
    }
    for (size_t i = n; i-- > 0;) {
        double v = x[i];
        if (i + 1 < n)
            v -= f->u1[i] * x[i + 1];
        if (i + 2 < n)
            v -= f->u2[i] * x[i + 2];
        x[i] = v / f->u0[i];
    }
}

/*
 * Eigenvectors of the tridiagonal T for the eigenvalues lam[0..c-1]
 * (decreasing) by inverse iteration (Wilkinson; as EISPACK's tinvit and
 * LAPACK's dstein): INVIT_STEPS solves with T - lam I from a fixed start,
 * each followed by Gram-Schmidt against the vectors of the same cluster and
 * normalisation. Equal eigenvalues get shifts eps |T| apart so that their
 * vectors differ. Rows of y (c x n) receive the vectors. Returns -1 if a
 * vector is lost to overflow (not seen; never a silent wrong answer).
 */
static int tri_vectors(const double *dg, const double *off, size_t n, double tnorm,
                       const double *lam, size_t c, double *y, tri_lu *f)
{
    const double tiny = DBL_EPSILON * tnorm, ortol = CLUSTER_TOL * tnorm;
    size_t first = 0; /* first vector of the current cluster */
    double shift = 0;
    for (size_t j = 0; j < c; j++) {
        double *x = y + j * n;
        double want = lam[j];
        if (j > 0 && lam[j - 1] - lam[j] >= ortol)
            first = j;
        if (j > 0 && want >= shift - 10 * tiny)
            want = shift - 10 * tiny;
        shift = want;
        tri_factor(dg, off, n, shift, tiny, f);
        uint64_t s = 0x9E3779B97F4A7C15u ^ (uint64_t)j; /* fixed start: deterministic */
        for (size_t i = 0; i < n; i++) {
            s = s * 6364136223846793005u + 1442695040888963407u;
            x[i] = (double)(s >> 11) * 0x1p-53 - 0.5;
        }
        for (int step = 0; step < INVIT_STEPS; step++) {
            tri_solve(f, n, x);
            for (size_t q = first; q < j; q++) {
                const double *u = y + q * n;
                double dot = 0;
                for (size_t i = 0; i < n; i++)
                    dot += u[i] * x[i];
                for (size_t i = 0; i < n; i++)
                    x[i] -= dot * u[i];
            }
            double norm = 0;
            for (size_t i = 0; i < n; i++)
                norm += x[i] * x[i];
            norm = sqrt(norm);
            if (!(norm > 0) || !isfinite(norm))
                return -1;
            for (size_t i = 0; i < n; i++)
                x[i] /= norm;
        }
    }
    return 0;
}

/* y (c rows of d) <- Q y, Q = H_0 ... H_{d-3} as tridiagonalise() left it
 * in a: the reflectors are applied last first. */
static void back_transform(const double *a, const double *tau, size_t d, double *y, size_t c)
{
    for (size_t r0 = 0; r0 < c; r0 += BACK_BLOCK) {
        const size_t r1 = r0 + BACK_BLOCK < c ? r0 + BACK_BLOCK : c;
        for (size_t k = d >= 2 ? d - 2 : 0; k-- > 0;) {
            if (tau[k] == 0)
                continue;
            const double *v = a + k * d + k + 1;
            const size_t m = d - k - 1;
            for (size_t r = r0; r < r1; r++) {
                double *x = y + r * d + k + 1;
                double dot = 0;
                for (size_t i = 0; i < m; i++)
                    dot += v[i] * x[i];
                dot *= tau[k];
                for (size_t i = 0; i < m; i++)
                    x[i] -= dot * v[i];
            }
        }
    }
}

typedef struct eig_key {
    double value;
    size_t index;
} eig_key;

static int cmp_eig(const void *pa, const void *pb)
{
    const eig_key *a = pa, *b = pb;
    if (a->value != b->value)
        return a->value > b->value ? -1 : 1;
    return (a->index > b->index) - (a->index < b->index);
}

/* The built-in solver (see the top of the file). The matrix is scaled by a
 * power of two to a largest entry in [1/2, 1), so the tolerances above are
 * relative to it and no rounding is added. */
static int eigen_builtin(const double *a0, size_t d, size_t c, double *values, double *vectors)
{
    size_t dd;
    if (!seg_mul_ok(d, d, &dd))
        return seg_fail(SEG_ERR_OVERFLOW, "%zu x %zu values overflow", d, d);
    double amax = 0;
    for (size_t i = 0; i < dd; i++)
        amax = fmax(amax, fabs(a0[i]));
    if (amax == 0) { /* every direction has variance 0: the unit axes */
        for (size_t j = 0; j < c; j++) {
            values[j] = 0;
            for (size_t i = 0; i < d; i++)
                vectors[j * d + i] = i == j;
        }
        return SEG_OK;
    }
    int ex;
    (void)frexp(amax, &ex);
    double *a = seg_malloc_array(dd, sizeof *a);
    double *buf = seg_malloc_array(d, 10 * sizeof *buf);
    double *y = seg_malloc_array(c * d, sizeof *y);
    unsigned char *swap = seg_malloc_array(d, 1);
    eig_key *keys = seg_malloc_array(d, sizeof *keys);
    double *panel = seg_malloc_array(d, 2 * TRD_BLOCK * sizeof *panel);
    int rc = SEG_OK;
    if (!a || !buf || !y || !swap || !keys || !panel) {
        rc = SEG_NOMEM();
        goto done;
    }
    double *diag = buf, *off = buf + d, *tau = buf + 2 * d, *p = buf + 3 * d,
           *ev = buf + 4 * d, *e = buf + 5 * d;
    tri_lu f = {buf + 6 * d, buf + 7 * d, buf + 8 * d, buf + 9 * d, swap};
    for (size_t i = 0; i < dd; i++)
        a[i] = ldexp(a0[i], -ex);
    tau[0] = 0;
    off[d - 1] = 0;
    tridiagonalise(a, d, diag, off, tau, panel, panel + TRD_BLOCK * d, p);
    double tnorm = 0;
    for (size_t i = 0; i < d; i++)
        tnorm = fmax(tnorm, fabs(diag[i]) + (i ? fabs(off[i - 1]) : 0) + (i + 1 < d ? fabs(off[i]) : 0));
    memcpy(ev, diag, d * sizeof *ev);
    memcpy(e, off, d * sizeof *e);
    if (ql_eigenvalues(ev, e, d) < 0) {
        rc = seg_fail(SEG_ERR_STATE, "PCA: the QL iteration did not converge (d = %zu)", d);
        goto done;
    }
    for (size_t i = 0; i < d; i++)
        keys[i] = (eig_key){ev[i], i};
    qsort(keys, d, sizeof *keys, cmp_eig);
    for (size_t j = 0; j < c; j++)
        ev[j] = keys[j].value;
    if (tri_vectors(diag, off, d, tnorm, ev, c, y, &f) < 0) {
        rc = seg_fail(SEG_ERR_STATE, "PCA: inverse iteration lost a vector (d = %zu)", d);
        goto done;
    }
    back_transform(a, tau, d, y, c);
    for (size_t j = 0; j < c; j++)
        values[j] = ldexp(ev[j], ex);
    memcpy(vectors, y, c * d * sizeof *y);
done:
    seg_free(a);
    seg_free(buf);
    seg_free(y);
    seg_free(swap);
    seg_free(keys);
    seg_free(panel);
    return rc;
}

#ifdef SEG_HAVE_LAPACKE
/* LAPACK's dsyevr for eigenpairs d - c + 1 .. d (ascending), reversed. */
static int eigen_lapack(const double *a0, size_t d, size_t c, double *values, double *vectors)
{
    size_t dd, dc;
    if (d > INT32_MAX || !seg_mul_ok(d, d, &dd) || !seg_mul_ok(d, c, &dc))
        return seg_fail(SEG_ERR_OVERFLOW, "%zu x %zu values overflow", d, d);
    double *a = seg_malloc_array(dd, sizeof *a), *w = seg_malloc_array(d, sizeof *w);
    double *z = seg_malloc_array(dc, sizeof *z);
    lapack_int *support = seg_malloc_array(2 * c, sizeof *support), found = 0;
    int rc = SEG_OK;
    if (!a || !w || !z || !support) {
        rc = SEG_NOMEM();
        goto done;
    }
    memcpy(a, a0, dd * sizeof *a);
    /* Symmetric, so row-major is column-major: no transposed copy. */
    lapack_int info = LAPACKE_dsyevr(LAPACK_COL_MAJOR, 'V', 'I', 'U', (lapack_int)d, a,
                                     (lapack_int)d, 0.0, 0.0, (lapack_int)(d - c + 1),
                                     (lapack_int)d, 0.0, &found, w, z, (lapack_int)d, support);
    if (info != 0 || (size_t)found != c) {
        rc = seg_fail(SEG_ERR_STATE, "PCA: LAPACK dsyevr failed (info %d, %d of %zu found)",
                      (int)info, (int)found, c);
        goto done;
    }
    for (size_t j = 0; j < c; j++) {
        const size_t col = c - 1 - j;
        values[j] = w[col];
        memcpy(vectors + j * d, z + col * d, d * sizeof *z);
    }
done:
    seg_free(a);
    seg_free(w);
    seg_free(z);
    seg_free(support);
    return rc;
}
#endif

int seg_pca_eigen(const double *a, size_t d, size_t c, seg_pca_solver solver, double *values,
                  double *vectors)
{
    if (!a || !values || !vectors || d == 0 || c == 0 || c > d)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_pca_eigen: %zu of %zu eigenpairs", c, d);
    int rc;
    if (solver == SEG_PCA_SOLVER_LAPACK || (solver == SEG_PCA_SOLVER_AUTO && seg_pca_have_lapack())) {
#ifdef SEG_HAVE_LAPACKE
        rc = eigen_lapack(a, d, c, values, vectors);
#else
        return seg_fail(SEG_ERR_INVALID_ARG, "PCA: this libseg was built without LAPACK");
#endif
    } else {
        rc = eigen_builtin(a, d, c, values, vectors);
    }
    if (rc < 0)
        return rc;
    /* Sign: each vector's largest-magnitude entry (the first on a tie) is
     * positive, so the result does not depend on the solver's path. */
    for (size_t j = 0; j < c; j++) {
        double *v = vectors + j * d;
        size_t big = 0;
        for (size_t i = 1; i < d; i++)
            if (fabs(v[i]) > fabs(v[big]))
                big = i;
        if (v[big] < 0)
            for (size_t i = 0; i < d; i++)
                v[i] = -v[i];
    }
    return SEG_OK;
}

int seg_pca_compute_f64(const double *x, size_t n, size_t d, size_t c, double *scores, double *axes,
                        double *variance, double *mean)
{
    double *xc = NULL, *cov = NULL, *val = NULL, *mu = NULL, *ax = NULL;
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
    val = seg_malloc_array(c, sizeof *val);
    mu = seg_calloc(d, sizeof *mu);
    ax = seg_malloc_array(c * d, sizeof *ax);
    if (!xc || !cov || !val || !mu || !ax) {
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
    rc = seg_pca_eigen(cov, d, c, SEG_PCA_SOLVER_AUTO, val, ax);
    if (rc < 0)
        goto done;
    if (variance)
        for (size_t a = 0; a < c; a++)
            variance[a] = val[a] > 0 ? val[a] : 0;
    if (scores)
        seg_gemm_nt_f64(n, c, d, 1.0, xc, ax, scores);
    if (axes)
        memcpy(axes, ax, c * d * sizeof *ax);
    if (mean)
        memcpy(mean, mu, d * sizeof *mu);
done:
    seg_free(xc);
    seg_free(cov);
    seg_free(val);
    seg_free(mu);
    seg_free(ax);
    return rc;
}

/* Deprecated name (seg.h): exported until the soname changes. */
int seg_pca_f64(const double *x, size_t n, size_t d, size_t c, double *scores, double *axes,
                double *variance, double *mean)
{
    return seg_pca_compute_f64(x, n, d, c, scores, axes, variance, mean);
}
