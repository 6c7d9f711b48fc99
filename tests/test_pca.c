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
#include <string.h>
#include <cmocka.h>

#include "seg.h"
#include "testutil.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eigenpairs),
        cmocka_unit_test(test_known_axis),
        cmocka_unit_test(test_deprecated_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
