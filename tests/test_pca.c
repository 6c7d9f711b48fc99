/*
 * PCA: eigenpairs checked against the covariance computed here with plain
 * loops (C v = lambda v, orthonormal axes, decreasing variances summing to the
 * trace), scores equal to projections, and a known two-dimensional case.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "seg.h"
#include "testutil.h"
#include "analyse/pca.h"

static void test_eigenpairs(void **state)
{
    (void)state;
    const size_t n = 500, d = 6;
    double *x = malloc(n * d * sizeof *x), *scores = malloc(n * d * sizeof *scores);
    double axes[36], var[6], mean[6], cov[36] = {0}, mu[6] = {0};
    uint64_t s = 5;
    for (size_t i = 0; i < n; i++) {
        double a = tu_normal(&s), b = tu_normal(&s);
        for (size_t j = 0; j < d; j++)
            x[i * d + j] = (double)(j + 1) * a + (j % 2 ? b : -b) + 0.3 * tu_normal(&s) + 2.0 * (double)j;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++)
            mu[j] += x[i * d + j] / (double)n;
    for (size_t i = 0; i < n; i++)
        for (size_t p = 0; p < d; p++)
            for (size_t q = 0; q < d; q++)
                cov[p * d + q] += (x[i * d + p] - mu[p]) * (x[i * d + q] - mu[q]) / (double)n;
    assert_int_equal(seg_pca_compute_f64(x, n, d, d, scores, axes, var, mean), SEG_OK);
    double trace = 0, sum = 0;
    for (size_t j = 0; j < d; j++) {
        trace += cov[j * d + j];
        sum += var[j];
        assert_float_equal(mean[j], mu[j], 1e-12);
        if (j)
            assert_true(var[j] <= var[j - 1]);
    }
    assert_float_equal(sum, trace, 1e-9 * trace);
    for (size_t a = 0; a < d; a++) {
        for (size_t p = 0; p < d; p++) {
            double cv = 0;
            for (size_t q = 0; q < d; q++)
                cv += cov[p * d + q] * axes[a * d + q];
            assert_float_equal(cv, var[a] * axes[a * d + p], 1e-9 * trace);
        }
        for (size_t b = 0; b < d; b++) {
            double dot = 0;
            for (size_t j = 0; j < d; j++)
                dot += axes[a * d + j] * axes[b * d + j];
            assert_float_equal(dot, a == b, 1e-10);
        }
    }
    for (size_t i = 0; i < n; i += 37)
        for (size_t a = 0; a < d; a++) {
            double proj = 0;
            for (size_t j = 0; j < d; j++)
                proj += (x[i * d + j] - mu[j]) * axes[a * d + j];
            assert_float_equal(scores[i * d + a], proj, 1e-9);
        }
    free(x);
    free(scores);
}

/* Points on the line y = x (plus a small spread across it): the first axis
 * is (1, 1) / sqrt(2), with the sign rule making the entries positive. */
static void test_known_axis(void **state)
{
    (void)state;
    double x[8] = {-2, -2, -1, -1, 1, 1, 2, 2}, axes[4], var[2];
    x[2] += 0.1;
    x[4] -= 0.1;
    assert_int_equal(seg_pca_compute_f64(x, 4, 2, 2, NULL, axes, var, NULL), SEG_OK);
    assert_true(var[0] > 10 * var[1]);
    assert_float_equal(axes[0], axes[1], 0.02);
    assert_true(axes[0] > 0);
    assert_int_equal(seg_pca_compute_f64(x, 4, 2, 3, NULL, axes, var, NULL), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_pca_compute_f64(x, 1, 2, 1, NULL, axes, var, NULL),
                     SEG_ERR_TOO_FEW_POINTS);
    x[3] = NAN;
    assert_int_equal(seg_pca_compute_f64(x, 4, 2, 1, NULL, axes, var, NULL), SEG_ERR_NONFINITE);
    assert_non_null(strstr(seg_last_error(), "row 2, feature 2"));
}

/*
 * seg_pca_f64(), the deprecated name, gives exactly what
 * seg_pca_compute_f64() gives: scores, axes, variances and means, and the
 * same status and detail on bad input.
 */
static void test_deprecated_name(void **state)
{
    (void)state;
    uint64_t s = 17;
    enum { N = 60, D = 4, C = 3 };
    double x[N * D];
    for (size_t i = 0; i < N; i++) {
        const double a = tu_normal(&s);
        for (size_t j = 0; j < D; j++)
            x[i * D + j] = (double)(j + 1) * a + 0.5 * tu_normal(&s) + (double)j;
    }
    double sa[N * C], aa[C * D], va[C], ma[D];
    double sb[N * C], ab[C * D], vb[C], mb[D];
    assert_int_equal(seg_pca_compute_f64(x, N, D, C, sa, aa, va, ma), SEG_OK);
    assert_int_equal(seg_pca_f64(x, N, D, C, sb, ab, vb, mb), SEG_OK);
    assert_true(va[0] > va[1] && va[1] > 0); /* real components */
    assert_memory_equal(sa, sb, sizeof sa);
    assert_memory_equal(aa, ab, sizeof aa);
    assert_memory_equal(va, vb, sizeof va);
    assert_memory_equal(ma, mb, sizeof ma);

    char detail[256];
    assert_int_equal(seg_pca_compute_f64(x, N, D, D + 1, NULL, aa, va, NULL),
                     SEG_ERR_INVALID_ARG);
    snprintf(detail, sizeof detail, "%s", seg_last_error());
    assert_int_equal(seg_pca_f64(x, N, D, D + 1, NULL, aa, va, NULL), SEG_ERR_INVALID_ARG);
    assert_string_equal(seg_last_error(), detail);
    assert_int_equal(seg_pca_f64(x, 1, D, 1, NULL, aa, va, NULL), SEG_ERR_TOO_FEW_POINTS);
}

/*
 * A symmetric matrix with a known spectrum: A = Q diag(lam) Q^T, Q the
 * product of three random Householder reflections (orthogonal to rounding).
 * Q's column i (the eigenvector of lam[i]) is returned as row i of q.
 */
static void spectral_matrix(size_t d, const double *lam, uint64_t seed, double *a, double *q)
{
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++)
            q[i * d + j] = i == j;
    double *v = malloc(d * sizeof *v);
    for (int r = 0; r < 3; r++) {
        double nn = 0;
        for (size_t j = 0; j < d; j++) {
            v[j] = tu_normal(&seed);
            nn += v[j] * v[j];
        }
        for (size_t i = 0; i < d; i++) { /* row i of q (a column of Q) <- H row */
            double dot = 0;
            for (size_t j = 0; j < d; j++)
                dot += v[j] * q[i * d + j];
            for (size_t j = 0; j < d; j++)
                q[i * d + j] -= 2 * dot / nn * v[j];
        }
    }
    for (size_t p = 0; p < d; p++)
        for (size_t r = 0; r < d; r++) {
            double sum = 0;
            for (size_t i = 0; i < d; i++)
                sum += q[i * d + p] * lam[i] * q[i * d + r];
            a[p * d + r] = sum;
        }
    for (size_t p = 0; p < d; p++) /* exactly symmetric */
        for (size_t r = p + 1; r < d; r++)
            a[r * d + p] = a[p * d + r];
    free(v);
}

/* The sign rule of seg_pca_eigen(): largest-magnitude entry positive. */
static void sign_rule(double *v, size_t d)
{
    size_t big = 0;
    for (size_t i = 1; i < d; i++)
        if (fabs(v[i]) > fabs(v[big]))
            big = i;
    if (v[big] < 0)
        for (size_t i = 0; i < d; i++)
            v[i] = -v[i];
}

/* |A v - lam v| <= tol and the rows of v orthonormal to 1e-12. */
static void assert_eigenpairs(const double *a, size_t d, size_t c, const double *val,
                              const double *vec, double tol)
{
    for (size_t k = 0; k < c; k++) {
        if (k)
            assert_true(val[k] <= val[k - 1]);
        for (size_t p = 0; p < d; p++) {
            double av = 0;
            for (size_t r = 0; r < d; r++)
                av += a[p * d + r] * vec[k * d + r];
            assert_float_equal(av, val[k] * vec[k * d + p], tol);
        }
        for (size_t l = 0; l <= k; l++) {
            double dot = 0;
            for (size_t r = 0; r < d; r++)
                dot += vec[k * d + r] * vec[l * d + r];
            assert_float_equal(dot, k == l, 1e-12);
        }
    }
}

/*
 * Distinct eigenvalues over six decades (a graded matrix): the built-in
 * solver finds every eigenvalue to 1e-9 of the largest and every
 * eigenvector equal, after the sign rule, to the known one within 1e-9; so
 * does LAPACK when the build has it, and the two agree to 1e-9.
 */
static void test_known_spectrum(void **state)
{
    (void)state;
    const size_t d = 90;
    double *lam = malloc(d * sizeof *lam), *a = malloc(d * d * sizeof *a),
           *q = malloc(d * d * sizeof *q), *val = malloc(d * sizeof *val),
           *vec = malloc(d * d * sizeof *vec), *val2 = malloc(d * sizeof *val2),
           *vec2 = malloc(d * d * sizeof *vec2);
    for (size_t i = 0; i < d; i++) /* decreasing; gaps >= 0.7 % relative */
        lam[i] = 1e3 * pow(10.0, -6.0 * (double)i / (double)(d - 1)) * (i % 3 ? 1.0 : -1.0);
    /* sorted order of lam: every third is negative, so sort a copy */
    double *sorted = malloc(d * sizeof *sorted);
    spectral_matrix(d, lam, 3, a, q);
    size_t *order = malloc(d * sizeof *order);
    for (size_t i = 0; i < d; i++)
        order[i] = i;
    for (size_t i = 0; i < d; i++) /* selection sort, decreasing */
        for (size_t j = i + 1; j < d; j++)
            if (lam[order[j]] > lam[order[i]]) {
                size_t t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
    for (size_t i = 0; i < d; i++) {
        sorted[i] = lam[order[i]];
        sign_rule(q + order[i] * d, d);
    }
    for (int solver = SEG_PCA_SOLVER_BUILTIN; solver <= SEG_PCA_SOLVER_LAPACK; solver++) {
        if (solver == SEG_PCA_SOLVER_LAPACK && !seg_pca_have_lapack()) {
            assert_int_equal(seg_pca_eigen(a, d, d, SEG_PCA_SOLVER_LAPACK, val2, vec2),
                             SEG_ERR_INVALID_ARG);
            break;
        }
        double *v = solver == SEG_PCA_SOLVER_BUILTIN ? val : val2;
        double *w = solver == SEG_PCA_SOLVER_BUILTIN ? vec : vec2;
        assert_int_equal(seg_pca_eigen(a, d, d, (seg_pca_solver)solver, v, w), SEG_OK);
        for (size_t k = 0; k < d; k++) {
            assert_float_equal(v[k], sorted[k], 1e-9 * 1e3);
            for (size_t j = 0; j < d; j++)
                assert_float_equal(w[k * d + j], q[order[k] * d + j], 1e-9);
        }
        assert_eigenpairs(a, d, d, v, w, 1e-9 * 1e3);
    }
    if (seg_pca_have_lapack()) {
        for (size_t k = 0; k < d; k++) {
            assert_float_equal(val[k], val2[k], 1e-9 * 1e3);
            for (size_t j = 0; j < d; j++)
                assert_float_equal(vec[k * d + j], vec2[k * d + j], 1e-9);
        }
    }
    /* A few components give the first rows of all of them. */
    double few_val[3], *few_vec = malloc(3 * d * sizeof *few_vec);
    assert_int_equal(seg_pca_eigen(a, d, 3, SEG_PCA_SOLVER_BUILTIN, few_val, few_vec), SEG_OK);
    for (size_t k = 0; k < 3; k++) {
        assert_float_equal(few_val[k], val[k], 1e-9);
        for (size_t j = 0; j < d; j++)
            assert_float_equal(few_vec[k * d + j], vec[k * d + j], 1e-12);
    }
    free(few_vec);
    free(order);
    free(sorted);
    free(lam);
    free(a);
    free(q);
    free(val);
    free(vec);
    free(val2);
    free(vec2);
}

/*
 * Repeated and nearly equal eigenvalues (a cluster of four at 1, one at
 * 1 + 1e-12, zeros): the eigenvectors are not unique there, but each solver
 * returns orthonormal vectors with residuals below 1e-9, and the right
 * eigenvalues.
 */
static void test_clusters(void **state)
{
    (void)state;
    const size_t d = 40;
    double lam[40], a[1600], q[1600], val[40], vec[1600];
    for (size_t i = 0; i < d; i++)
        lam[i] = i < 4 ? 1.0 : i == 4 ? 1.0 + 1e-12 : i < 20 ? 0.5 - 0.01 * (double)i : 0.0;
    spectral_matrix(d, lam, 11, a, q);
    for (int solver = SEG_PCA_SOLVER_BUILTIN; solver <= SEG_PCA_SOLVER_LAPACK; solver++) {
        if (solver == SEG_PCA_SOLVER_LAPACK && !seg_pca_have_lapack())
            break;
        assert_int_equal(seg_pca_eigen(a, d, d, (seg_pca_solver)solver, val, vec), SEG_OK);
        assert_eigenpairs(a, d, d, val, vec, 1e-9);
        for (size_t k = 0; k < 5; k++)
            assert_float_equal(val[k], 1.0, 1e-9);
        for (size_t k = 20; k < d; k++)
            assert_float_equal(val[k], 0.0, 1e-9);
    }
}

/*
 * Edge cases of the built-in solver: d = 1, d = 2, a diagonal matrix (no
 * reflection to make) and the zero matrix (constant data: every variance 0,
 * the unit axes); through the public call, constant data gives variances 0.
 */
static void test_small_and_zero(void **state)
{
    (void)state;
    double one = 4.0, val[3], vec[9];
    assert_int_equal(seg_pca_eigen(&one, 1, 1, SEG_PCA_SOLVER_BUILTIN, val, vec), SEG_OK);
    assert_float_equal(val[0], 4.0, 0);
    assert_float_equal(vec[0], 1.0, 0);
    double two[4] = {2, 1, 1, 2};
    assert_int_equal(seg_pca_eigen(two, 2, 2, SEG_PCA_SOLVER_BUILTIN, val, vec), SEG_OK);
    assert_float_equal(val[0], 3.0, 1e-14);
    assert_float_equal(val[1], 1.0, 1e-14);
    assert_float_equal(vec[0], sqrt(0.5), 1e-14);
    assert_float_equal(vec[1], sqrt(0.5), 1e-14);
    assert_float_equal(fabs(vec[2]), sqrt(0.5), 1e-14);
    assert_float_equal(vec[2], -vec[3], 1e-14);
    double diag[9] = {1, 0, 0, 0, 5, 0, 0, 0, 3};
    assert_int_equal(seg_pca_eigen(diag, 3, 3, SEG_PCA_SOLVER_BUILTIN, val, vec), SEG_OK);
    const double want_val[3] = {5, 3, 1}, want_vec[9] = {0, 1, 0, 0, 0, 1, 1, 0, 0};
    for (size_t i = 0; i < 3; i++)
        assert_float_equal(val[i], want_val[i], 1e-14);
    for (size_t i = 0; i < 9; i++)
        assert_float_equal(vec[i], want_vec[i], 1e-14);
    double zero[9] = {0};
    assert_int_equal(seg_pca_eigen(zero, 3, 2, SEG_PCA_SOLVER_BUILTIN, val, vec), SEG_OK);
    assert_eigenpairs(zero, 3, 2, val, vec, 0);
    assert_int_equal(seg_pca_eigen(zero, 3, 4, SEG_PCA_SOLVER_BUILTIN, val, vec),
                     SEG_ERR_INVALID_ARG);
    double x[12] = {1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3}, axes[9], var[3];
    assert_int_equal(seg_pca_compute_f64(x, 4, 3, 3, NULL, axes, var, NULL), SEG_OK);
    for (size_t i = 0; i < 3; i++)
        assert_float_equal(var[i], 0.0, 0);
    assert_eigenpairs(zero, 3, 3, var, axes, 0);
}

/*
 * Through the public call at d = 400 (far past what the Jacobi sweep did in
 * a test's time): the axes are eigenvectors of the covariance computed here
 * and orthonormal, and the variances sum to the trace.
 */
static void test_wide(void **state)
{
    (void)state;
    const size_t n = 600, d = 400, c = 5;
    double *x = malloc(n * d * sizeof *x), *axes = malloc(c * d * sizeof *axes), var[5];
    double *cov = calloc(d * d, sizeof *cov), *mu = calloc(d, sizeof *mu);
    uint64_t s = 23;
    for (size_t i = 0; i < n; i++) {
        double f[5];
        for (size_t k = 0; k < 5; k++)
            f[k] = tu_normal(&s) * (double)(5 - k);
        for (size_t j = 0; j < d; j++)
            x[i * d + j] = f[j % 5] * (1.0 + 0.01 * (double)j) + 0.1 * tu_normal(&s);
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++)
            mu[j] += x[i * d + j] / (double)n;
    for (size_t i = 0; i < n; i++)
        for (size_t p = 0; p < d; p++) {
            const double xp = x[i * d + p] - mu[p];
            for (size_t q = p; q < d; q++)
                cov[p * d + q] += xp * (x[i * d + q] - mu[q]) / (double)n;
        }
    for (size_t p = 0; p < d; p++)
        for (size_t q = p + 1; q < d; q++)
            cov[q * d + p] = cov[p * d + q];
    assert_int_equal(seg_pca_compute_f64(x, n, d, c, NULL, axes, var, NULL), SEG_OK);
    assert_eigenpairs(cov, d, c, var, axes, 1e-9 * var[0]);
    free(x);
    free(axes);
    free(cov);
    free(mu);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eigenpairs),
        cmocka_unit_test(test_known_axis),
        cmocka_unit_test(test_deprecated_name),
        cmocka_unit_test(test_known_spectrum),
        cmocka_unit_test(test_clusters),
        cmocka_unit_test(test_small_and_zero),
        cmocka_unit_test(test_wide),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
