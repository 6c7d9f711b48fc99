/*
 * Gaussian mixtures (seg_gmm_*): one component against the Gaussian's
 * maximum-likelihood fit computed here (its density summed row by row with
 * a Cholesky factor written here), BIC and AIC from their definitions,
 * probabilities that sum to one, results that do not depend on the thread
 * count, the model file round trip and predict's probabilities, a constant
 * column, and refused settings. (The many-component cross-check against
 * scikit-learn is tests/crosscheck_sklearn_gmm.py.)
 */
#include <seg.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "testutil.h"

#define assert_near(a, b, eps) assert_true(fabs((double)(a) - (double)(b)) <= (eps))
#define LOG_2PI 1.8378770664093454836

/* n correlated rows of d = 3 features. */
static double *correlated(size_t n, uint64_t seed)
{
    double *x = malloc(n * 3 * sizeof *x);
    uint64_t s = seed;
    for (size_t i = 0; i < n; i++) {
        const double a = tu_normal(&s), b = tu_normal(&s), c = tu_normal(&s);
        x[i * 3] = 2 + a;
        x[i * 3 + 1] = -1 + 0.8 * a + 0.5 * b;
        x[i * 3 + 2] = 3 * c - 0.3 * a;
    }
    return x;
}

static seg_model *fit(const double *x, size_t n, size_t d, int64_t k, int cov, int64_t threads,
                      double *proba, int32_t *labels)
{
    seg_gmm *g = NULL;
    seg_model *m = NULL;
    assert_int_equal(seg_gmm_new(&g), SEG_OK);
    assert_int_equal(seg_gmm_set_int(g, SEG_GMM_K, k), SEG_OK);
    assert_int_equal(seg_gmm_set_int(g, SEG_GMM_COVARIANCE, cov), SEG_OK);
    assert_int_equal(seg_gmm_set_int(g, SEG_GMM_THREADS, threads), SEG_OK);
    int rc = seg_gmm_fit_f64(g, x, n, d, proba, labels, &m);
    if (rc != SEG_OK)
        fprintf(stderr, "%s\n", seg_last_error());
    assert_int_equal(rc, SEG_OK);
    seg_gmm_free(g);
    return m;
}

/* The mean log-density of the rows under N(mu, S), S by its own Cholesky. */
static double mean_log_density(const double *x, size_t n, size_t d, const double *mu,
                               const double *s)
{
    double l[9] = {0}, logdet = 0, total = 0;
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j <= i; j++) {
            double v = s[i * d + j];
            for (size_t p = 0; p < j; p++)
                v -= l[i * d + p] * l[j * d + p];
            l[i * d + j] = i == j ? sqrt(v) : v / l[j * d + j];
        }
    for (size_t i = 0; i < d; i++)
        logdet += 2 * log(l[i * d + i]);
    for (size_t r = 0; r < n; r++) {
        double y[3], q = 0;
        for (size_t i = 0; i < d; i++) { /* solve L y = x - mu */
            double v = x[r * d + i] - mu[i];
            for (size_t p = 0; p < i; p++)
                v -= l[i * d + p] * y[p];
            y[i] = v / l[i * d + i];
            q += y[i] * y[i];
        }
        total += -0.5 * ((double)d * LOG_2PI + logdet + q);
    }
    return total / (double)n;
}

static void test_one_component_is_the_gaussian_fit(void **state)
{
    (void)state;
    const size_t n = 2000, d = 3;
    double *x = correlated(n, 11);
    double mu[3] = {0}, s[9] = {0};
    for (size_t r = 0; r < n; r++)
        for (size_t i = 0; i < d; i++)
            mu[i] += x[r * d + i] / (double)n;
    for (size_t r = 0; r < n; r++)
        for (size_t i = 0; i < d; i++)
            for (size_t j = 0; j < d; j++)
                s[i * d + j] += (x[r * d + i] - mu[i]) * (x[r * d + j] - mu[j]) / (double)n;
    for (int cov = SEG_GMM_FULL; cov <= SEG_GMM_SPHERICAL; cov++) {
        double want[9] = {0};
        double mean_var = (s[0] + s[4] + s[8]) / 3 + 1e-6;
        for (size_t i = 0; i < d; i++)
            for (size_t j = 0; j < d; j++)
                want[i * d + j] = cov <= SEG_GMM_TIED   ? s[i * d + j] + (i == j) * 1e-6
                                  : i != j              ? 0
                                  : cov == SEG_GMM_DIAG ? s[i * d + i] + 1e-6
                                                        : mean_var;
        seg_model *m = fit(x, n, d, 1, cov, 1, NULL, NULL);
        double ll, bic, aic, p, c[9], w;
        assert_int_equal(seg_model_gmm_covariance(m), cov);
        assert_int_equal(seg_model_gmm_stat(m, SEG_GMM_LOG_LIKELIHOOD, &ll), SEG_OK);
        assert_int_equal(seg_model_gmm_stat(m, SEG_GMM_BIC, &bic), SEG_OK);
        assert_int_equal(seg_model_gmm_stat(m, SEG_GMM_AIC, &aic), SEG_OK);
        assert_int_equal(seg_model_gmm_stat(m, SEG_GMM_N_PARAMETERS, &p), SEG_OK);
        assert_near(ll, mean_log_density(x, n, d, mu, want), 1e-10);
        /* scikit-learn's _n_parameters for k = 1, d = 3: 3 means + covariance */
        const double cov_params[] = {6, 6, 3, 1};
        assert_near(p, 3 + cov_params[cov], 0);
        assert_near(bic, -2 * ll * (double)n + p * log((double)n), 1e-9 * fabs(bic));
        assert_near(aic, -2 * ll * (double)n + 2 * p, 1e-9 * fabs(aic));
        const int64_t len = seg_model_gmm_covariances(m, NULL, 0);
        assert_int_equal(len, cov <= SEG_GMM_TIED ? 9 : cov == SEG_GMM_DIAG ? 3 : 1);
        assert_int_equal(seg_model_gmm_covariances(m, c, (size_t)len), len);
        for (int64_t i = 0; i < len; i++)
            assert_near(c[i], cov <= SEG_GMM_TIED ? want[i] : want[i * 4], 1e-12);
        assert_int_equal(seg_model_gmm_weights(m, &w, 1), SEG_OK);
        assert_near(w, 1, 1e-15);
        double cm[3];
        assert_int_equal(seg_model_centroids_f64(m, cm, 3), SEG_OK);
        for (size_t i = 0; i < d; i++)
            assert_near(cm[i], mu[i], 1e-12);
        seg_model_free(m);
    }
    free(x);
}

static void test_probabilities_and_threads(void **state)
{
    (void)state;
    const size_t n = 20000, d = 3, k = 4;
    double *x = malloc(n * d * sizeof *x);
    int32_t *truth = malloc(n * sizeof *truth), *l1 = malloc(n * sizeof *l1),
            *l2 = malloc(n * sizeof *l2);
    double *p1 = malloc(n * k * sizeof *p1), *p2 = malloc(n * k * sizeof *p2);
    tu_blobs(x, truth, n, d, k, 5);
    uint64_t seed = 77;
    for (size_t i = 0; i < n; i++) /* blobs that touch: probabilities strictly inside (0, 1) */
        for (size_t j = 0; j < d; j++)
            x[i * d + j] = 0.1 * x[i * d + j] + 0.4 * tu_normal(&seed);
    for (int cov = SEG_GMM_FULL; cov <= SEG_GMM_SPHERICAL; cov++) {
        seg_model *a = fit(x, n, d, (int64_t)k, cov, 1, p1, l1);
        size_t inside = 0;
        for (size_t i = 0; i < n; i++) {
            double sum = 0;
            size_t best = 0;
            for (size_t j = 0; j < k; j++) {
                sum += p1[i * k + j];
                best = p1[i * k + j] > p1[i * k + best] ? j : best;
                inside += p1[i * k + j] > 1e-3 && p1[i * k + j] < 0.999;
            }
            assert_near(sum, 1, 1e-12);
            assert_int_equal(l1[i], (int32_t)best);
        }
        assert_true(inside > 0); /* some customers are between segments */
        assert_true(tu_ari(l1, truth, n, k, k) > 0.9);
        for (int64_t t = 2; t <= 4; t += 2) {
            seg_model *b = fit(x, n, d, (int64_t)k, cov, t, p2, l2);
            double la, lb;
            seg_model_gmm_stat(a, SEG_GMM_LOG_LIKELIHOOD, &la);
            seg_model_gmm_stat(b, SEG_GMM_LOG_LIKELIHOOD, &lb);
            assert_memory_equal(&la, &lb, sizeof la);
            assert_memory_equal(p1, p2, n * k * sizeof *p1);
            assert_memory_equal(l1, l2, n * sizeof *l1);
            seg_model_free(b);
        }
        seg_model_free(a);
    }
    free(x);
    free(truth);
    free(l1);
    free(l2);
    free(p1);
    free(p2);
}

static void test_round_trip_and_predict(void **state)
{
    (void)state;
    const size_t n = 3000, d = 3, k = 3;
    double *x = correlated(n, 3), *p1 = malloc(n * k * sizeof *p1),
           *p2 = malloc(n * k * sizeof *p2);
    int32_t *l1 = malloc(n * sizeof *l1), *l2 = malloc(n * sizeof *l2);
    for (int cov = SEG_GMM_FULL; cov <= SEG_GMM_SPHERICAL; cov++) {
        seg_model *m = fit(x, n, d, (int64_t)k, cov, 2, p1, l1), *back = NULL;
        size_t len;
        uint8_t *bytes = tu_model_bytes(m, &len);
        assert_non_null(bytes);
        assert_int_equal(bytes[8], 2); /* format version 2: older readers refuse it */
        assert_non_null(tu_find(bytes, len, "GMIX", 4));
        assert_int_equal(seg_model_load_mem(&back, bytes, len), SEG_OK);
        seg_predictor *pr = NULL;
        assert_int_equal(seg_predictor_new(&pr, back), SEG_OK);
        assert_int_equal(seg_predictor_proba_f64(pr, x, n, d, p2, n * k), SEG_OK);
        assert_memory_equal(p1, p2, n * k * sizeof *p1);
        assert_int_equal(seg_predictor_run_f64(pr, x, n, d, l2, NULL), SEG_OK);
        assert_memory_equal(l1, l2, n * sizeof *l1);
        float xf[3] = {0};
        assert_int_equal(seg_predictor_run_f32(pr, xf, 1, d, l2, NULL), SEG_ERR_TYPE);
        assert_int_equal(seg_predictor_proba_f64(pr, x, n, d, p2, n * k - 1), SEG_ERR_MISMATCH);
        double a, b;
        for (int s = SEG_GMM_LOG_LIKELIHOOD; s <= SEG_GMM_AIC; s++) {
            seg_model_gmm_stat(m, (seg_gmm_stat)s, &a);
            seg_model_gmm_stat(back, (seg_gmm_stat)s, &b);
            assert_memory_equal(&a, &b, sizeof a);
        }
        assert_int_equal(seg_model_gmm_covariance(back), cov);
        seg_predictor_free(pr);
        seg_model_free(back);
        free(bytes);
        seg_model_free(m);
    }
    /* a k-means model stays format version 1 and has no probabilities */
    seg_kmeans *km = NULL;
    seg_model *m = NULL;
    seg_predictor *pr = NULL;
    assert_int_equal(seg_kmeans_new(&km), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_K, 3), SEG_OK);
    assert_int_equal(seg_kmeans_fit_f64(km, x, n, d, NULL, NULL, &m), SEG_OK);
    size_t len;
    uint8_t *bytes = tu_model_bytes(m, &len);
    assert_int_equal(bytes[8], 1);
    assert_int_equal(seg_model_gmm_covariance(m), -1);
    assert_int_equal(seg_predictor_new(&pr, m), SEG_OK);
    assert_int_equal(seg_predictor_proba_f64(pr, x, n, d, p2, n * k), SEG_ERR_STATE);
    double v;
    assert_int_equal(seg_model_gmm_stat(m, SEG_GMM_BIC, &v), SEG_ERR_STATE);
    seg_predictor_free(pr);
    seg_model_free(m);
    seg_kmeans_free(km);
    free(bytes);
    free(x);
    free(p1);
    free(p2);
    free(l1);
    free(l2);
}

/* CRC-32/ISO-HDLC, bit by bit (the model file's checksum). */
static uint32_t crc32(const uint8_t *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int b = 0; b < 8; b++)
            c = c & 1 ? (c >> 1) ^ 0xEDB88320u : c >> 1;
    }
    return c ^ 0xFFFFFFFFu;
}

/* Store 8 bytes at `at` and fix the checksum: a file whose checksum is
 * right but whose GMIX says something else. */
static void patch(uint8_t *buf, size_t len, size_t at, const void *v, size_t n)
{
    memcpy(buf + at, v, n);
    const uint32_t c = crc32(buf, len - 4);
    for (int i = 0; i < 4; i++)
        buf[len - 4 + (size_t)i] = (uint8_t)(c >> (8 * i));
}

static void test_malformed_mixture(void **state)
{
    (void)state;
    const size_t n = 500, d = 3;
    double *x = correlated(n, 4);
    seg_model *m = fit(x, n, d, 2, SEG_GMM_DIAG, 1, NULL, NULL), *back = NULL;
    size_t len;
    uint8_t *good = tu_model_bytes(m, &len), *bad = malloc(len);
    const size_t at = (size_t)(tu_find(good, len, "GMIX", 4) - good) + 12; /* the payload */
    const uint32_t cov = 7;
    memcpy(bad, good, len);
    patch(bad, len, at, &cov, 4);
    assert_int_equal(seg_model_load_mem(&back, bad, len), SEG_ERR_FORMAT);
    assert_non_null(strstr(seg_last_error(), "GMIX covariance type 7"));
    const double w = 0.75; /* first weight: the two no longer add up to 1 */
    memcpy(bad, good, len);
    patch(bad, len, at + 4 + 4 * 8, &w, 8);
    assert_int_equal(seg_model_load_mem(&back, bad, len), SEG_ERR_FORMAT);
    assert_non_null(strstr(seg_last_error(), "add up"));
    const double neg = -1; /* a variance */
    memcpy(bad, good, len);
    patch(bad, len, at + 4 + 4 * 8 + 2 * 8, &neg, 8);
    assert_int_equal(seg_model_load_mem(&back, bad, len), SEG_ERR_FORMAT);
    assert_non_null(strstr(seg_last_error(), "positive definite"));
    assert_null(back);
    assert_int_equal(seg_model_load_mem(&back, good, len), SEG_OK);
    seg_model_free(back);
    seg_model_free(m);
    free(good);
    free(bad);
    free(x);
}

static void test_constant_column(void **state)
{
    (void)state;
    const size_t n = 600, d = 3;
    double *x = correlated(n, 9);
    for (size_t i = 0; i < n; i++)
        x[i * d + 1] = 5.0;
    for (int cov = SEG_GMM_FULL; cov <= SEG_GMM_SPHERICAL; cov++) {
        seg_model *m = fit(x, n, d, 2, cov, 1, NULL, NULL);
        double ll;
        seg_model_gmm_stat(m, SEG_GMM_LOG_LIKELIHOOD, &ll);
        assert_true(isfinite(ll));
        seg_model_free(m);
        if (cov == SEG_GMM_SPHERICAL)
            continue; /* the other columns keep a spherical variance above zero */
        seg_gmm *g = NULL;
        assert_int_equal(seg_gmm_new(&g), SEG_OK);
        assert_int_equal(seg_gmm_set_int(g, SEG_GMM_K, 2), SEG_OK);
        assert_int_equal(seg_gmm_set_int(g, SEG_GMM_COVARIANCE, cov), SEG_OK);
        assert_int_equal(seg_gmm_set_double(g, SEG_GMM_REG_COVAR, 0), SEG_OK);
        assert_int_equal(seg_gmm_fit_f64(g, x, n, d, NULL, NULL, &m), SEG_ERR_TOO_FEW_POINTS);
        assert_null(m);
        assert_non_null(strstr(seg_last_error(), "reg_covar"));
        seg_gmm_free(g);
    }
    free(x);
}

static void test_settings(void **state)
{
    (void)state;
    seg_gmm *g = NULL;
    seg_model *m = NULL;
    int64_t i;
    double r;
    const double x[] = {0, 0, 1, 1, 2, 2, 9, 9};
    assert_int_equal(seg_gmm_new(&g), SEG_OK);
    assert_int_equal(seg_gmm_get_int(g, SEG_GMM_MAX_ITER, &i), SEG_OK);
    assert_int_equal(i, 100);
    assert_int_equal(seg_gmm_get_int(g, SEG_GMM_N_INIT, &i), SEG_OK);
    assert_int_equal(i, 1);
    assert_int_equal(seg_gmm_get_double(g, SEG_GMM_TOL, &r), SEG_OK);
    assert_true(r == 1e-3);
    assert_int_equal(seg_gmm_get_double(g, SEG_GMM_REG_COVAR, &r), SEG_OK);
    assert_true(r == 1e-6);
    assert_int_equal(seg_gmm_set_int(g, SEG_GMM_K, 0), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_gmm_set_int(g, SEG_GMM_COVARIANCE, 4), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_gmm_set_double(g, SEG_GMM_REG_COVAR, -1), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_gmm_set_double(g, SEG_GMM_TOL, NAN), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_gmm_set_int(g, SEG_GMM_TOL, 1), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_gmm_set_int(g, SEG_GMM_K, 5), SEG_OK);
    assert_int_equal(seg_gmm_fit_f64(g, x, 4, 2, NULL, NULL, &m), SEG_ERR_TOO_FEW_POINTS);
    const double means[] = {0, 0, 9, 9};
    assert_int_equal(seg_gmm_set_init_means_f64(g, means, 2, 2), SEG_OK);
    assert_int_equal(seg_gmm_get_int(g, SEG_GMM_K, &i), SEG_OK);
    assert_int_equal(i, 2);
    assert_int_equal(seg_gmm_fit_f64(g, x, 2, 4, NULL, NULL, &m), SEG_ERR_MISMATCH);
    const double bad[] = {0, NAN};
    assert_int_equal(seg_gmm_set_init_means_f64(g, bad, 1, 2), SEG_ERR_NONFINITE);
    assert_int_equal(seg_gmm_fit_f64(g, x, 0, 2, NULL, NULL, &m), SEG_ERR_EMPTY);
    assert_int_equal(seg_gmm_fit_f64(NULL, x, 4, 2, NULL, NULL, &m), SEG_ERR_INVALID_ARG);
    assert_null(m);
    seg_gmm_free(g);
    seg_gmm_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_component_is_the_gaussian_fit),
        cmocka_unit_test(test_probabilities_and_threads),
        cmocka_unit_test(test_round_trip_and_predict),
        cmocka_unit_test(test_malformed_mixture),
        cmocka_unit_test(test_constant_column),
        cmocka_unit_test(test_settings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
