/*
 * Outlier flags: hand-computed quantiles and scores, every error path, the
 * flag rate on clean data against a binomial bound, the automatic reference
 * of seg_kmeans_fit_dataset() against quantiles computed here, and the OUTL
 * section of model files (round trip, files without it, malformed grids).
 */
#include <float.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "core/bytes.h"
#include "seg.h"
#include "testutil.h"

static seg_model *fit_matrix(const double *x, size_t n, size_t d, size_t k)
{
    seg_kmeans *km = NULL;
    seg_model *m = NULL;
    assert_int_equal(seg_kmeans_new(&km), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_K, (int64_t)k), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_SEED, 5), SEG_OK);
    assert_int_equal(seg_kmeans_fit_f64(km, x, n, d, NULL, NULL, &m), SEG_OK);
    seg_kmeans_free(km);
    return m;
}

static seg_model *two_centroids(void)
{
    const double x[] = {0, 0, 0, 1, 10, 10, 10, 11};
    return fit_matrix(x, 4, 2, 2);
}

/* Segment 0 has distances {0, 1, 2, 3, 4}: its type-7 quantile at p is 4p
 * and its CDF x / 4. Segment 1 has one row at 7. */
static void test_hand_values(void **state)
{
    (void)state;
    seg_model *m = two_centroids();
    const int32_t lab[] = {0, 0, 0, 0, 0, 1};
    const double dist[] = {4, 0, 2, 1, 3, 7};
    double q, score[8];
    uint8_t flag[8];

    assert_int_equal(seg_model_has_outlier_reference(m), 0);
    assert_int_equal(seg_model_outlier_scores(m, lab, dist, 6, 0.995, score, flag), SEG_ERR_STATE);
    assert_non_null(strstr(seg_last_error(), "no outlier reference"));
    assert_int_equal(seg_model_set_outlier_reference(m, lab, dist, 6), SEG_OK);
    assert_int_equal(seg_model_has_outlier_reference(m), 1);

    const double p[] = {0, 0.1, 0.25, 0.5, 0.995, 1};
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(seg_model_outlier_quantile(m, 0, p[i], &q), SEG_OK);
        assert_true(fabs(q - 4 * p[i]) < 1e-12);
        assert_int_equal(seg_model_outlier_quantile(m, 1, p[i], &q), SEG_OK);
        assert_true(q == 7);
    }
    const int32_t ql[] = {0, 0, 0, 0, 0, 1, 1, 1};
    const double qd[] = {0, 2.5, 3.97, 3.99, 4.5, 6.9, 7, 7.1};
    const double want[] = {0, 0.625, 0.9925, 0.9975, 1, 0, 1, 1};
    const uint8_t wflag[] = {0, 0, 0, 1, 1, 0, 1, 1};
    assert_int_equal(seg_model_outlier_scores(m, ql, qd, 8, SEG_OUTLIER_THRESHOLD_DEFAULT, score,
                                              flag),
                     SEG_OK);
    for (size_t i = 0; i < 8; i++) {
        assert_true(fabs(score[i] - want[i]) < 1e-12);
        assert_int_equal(flag[i], wflag[i]);
    }
    /* Threshold 1 never flags; 0 flags all but the nearest rows. */
    assert_int_equal(seg_model_outlier_scores(m, ql, qd, 8, 1.0, NULL, flag), SEG_OK);
    for (size_t i = 0; i < 8; i++)
        assert_int_equal(flag[i], 0);
    assert_int_equal(seg_model_outlier_scores(m, ql, qd, 8, 0.0, NULL, flag), SEG_OK);
    assert_int_equal(flag[0] + flag[5], 0);
    assert_int_equal(flag[1] + flag[6], 2);

    /* A segment without training rows: NaN quantiles, every row scores 1. */
    assert_int_equal(seg_model_set_outlier_reference(m, lab, dist, 5), SEG_OK);
    assert_int_equal(seg_model_outlier_quantile(m, 1, 0.5, &q), SEG_OK);
    assert_true(isnan(q));
    assert_int_equal(seg_model_outlier_scores(m, ql + 5, qd + 5, 1, 0.995, score, NULL), SEG_OK);
    assert_true(score[0] == 1);
    seg_model_free(m);
}

static int cmp_dbl(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The reference sorts each segment's distances (by radix on their bit
 * patterns): distances over 600 orders of magnitude, subnormals, zeros of
 * both signs, and a long run of values a few ulps apart in descending order
 * (which share the radix digits) must give the type-7 quantiles of the
 * values sorted here by qsort. */
static void test_quantiles_of_awkward_values(void **state)
{
    (void)state;
    enum { N = 6000, Q = 1000 };
    seg_model *m = two_centroids();
    int32_t *lab = calloc(N, sizeof *lab);
    double *dist = malloc(N * sizeof *dist), *ref = malloc(N * sizeof *ref);
    uint64_t r = 12345;
    assert_non_null(lab);
    assert_non_null(dist);
    assert_non_null(ref);
    for (size_t i = 0; i < N; i++) {
        r = r * 6364136223846793005ULL + 1442695040888963407ULL;
        const double u = (double)(r >> 11) / 9007199254740992.0;
        switch (i % 4) {
        case 0: /* descending, 3 ulps apart: one long run of equal top bits */
            dist[i] = nextafter(1.0, 2.0) + (double)(N - i) * 3 * DBL_EPSILON;
            break;
        case 1:
            dist[i] = pow(10.0, 400 * u - 300);
            break;
        case 2:
            dist[i] = i % 8 == 2 ? -0.0 : i % 8 == 6 ? 0.0 : 4.9e-324 * (double)(i % 97);
            break;
        default:
            dist[i] = 3 + u;
        }
        ref[i] = dist[i] == 0 ? 0.0 : dist[i];
    }
    assert_int_equal(seg_model_set_outlier_reference(m, lab, dist, N), SEG_OK);
    qsort(ref, N, sizeof *ref, cmp_dbl);
    double prev = -1;
    for (size_t i = 0; i <= Q; i++) {
        const size_t num = (N - 1) * i, lo = num / Q;
        double want = lo + 1 < N ? ref[lo] + (double)(num % Q) / Q * (ref[lo + 1] - ref[lo])
                                 : ref[lo];
        want = want < prev ? prev : want;
        prev = want;
        double q;
        assert_int_equal(seg_model_outlier_quantile(m, 0, (double)i / Q, &q), SEG_OK);
        assert_true(fabs(q - want) <= 1e-12 * fabs(want));
    }
    seg_model_free(m);
    free(lab);
    free(dist);
    free(ref);
}

static void test_errors(void **state)
{
    (void)state;
    seg_model *m = two_centroids();
    const int32_t lab[] = {0, 1}, bad_lab[] = {0, 2}, neg_lab[] = {-1, 0};
    const double dist[] = {1, 2}, nan_dist[] = {1, NAN}, neg_dist[] = {1, -0.5};
    double score[2], q;

    assert_int_equal(seg_model_set_outlier_reference(NULL, lab, dist, 2), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_model_set_outlier_reference(m, NULL, dist, 2), SEG_ERR_INVALID_ARG);
    assert_non_null(strstr(seg_last_error(), "NULL"));
    assert_int_equal(seg_model_set_outlier_reference(m, lab, dist, 0), SEG_ERR_EMPTY);
    assert_int_equal(seg_model_set_outlier_reference(m, bad_lab, dist, 2), SEG_ERR_INVALID_ARG);
    assert_non_null(strstr(seg_last_error(), "label 2 of row 1"));
    assert_int_equal(seg_model_set_outlier_reference(m, lab, neg_dist, 2), SEG_ERR_NONFINITE);
    assert_non_null(strstr(seg_last_error(), "row 1"));
    assert_int_equal(seg_model_set_outlier_reference(m, lab, nan_dist, 2), SEG_ERR_NONFINITE);
    assert_int_equal(seg_model_has_outlier_reference(m), 0); /* unchanged on error */
    assert_int_equal(seg_model_has_outlier_reference(NULL), 0);

    assert_int_equal(seg_model_set_outlier_reference(m, lab, dist, 2), SEG_OK);
    assert_int_equal(seg_model_outlier_scores(m, lab, dist, 2, 1.5, score, NULL),
                     SEG_ERR_INVALID_ARG);
    assert_non_null(strstr(seg_last_error(), "threshold"));
    assert_int_equal(seg_model_outlier_scores(m, lab, dist, 2, NAN, score, NULL),
                     SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_model_outlier_scores(m, lab, dist, 2, 0.9, NULL, NULL),
                     SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_model_outlier_scores(m, neg_lab, dist, 2, 0.9, score, NULL),
                     SEG_ERR_INVALID_ARG);
    assert_non_null(strstr(seg_last_error(), "label -1 of row 0"));
    assert_int_equal(seg_model_outlier_scores(m, lab, nan_dist, 2, 0.9, score, NULL),
                     SEG_ERR_NONFINITE);
    assert_int_equal(seg_model_outlier_scores(m, NULL, NULL, 0, 0.9, NULL, NULL), SEG_OK);
    assert_int_equal(seg_model_outlier_quantile(m, 2, 0.5, &q), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_model_outlier_quantile(m, 0, 1.01, &q), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_model_outlier_quantile(m, 0, 0.5, NULL), SEG_ERR_INVALID_ARG);
    seg_model_free(m);
}

static int cmp_d(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Type 7 quantile of sorted v[0..n), written from the definition. */
static double type7(const double *v, size_t n, double p)
{
    const double h = (double)(n - 1) * p;
    const size_t lo = (size_t)floor(h);
    return lo + 1 < n ? v[lo] + (h - (double)lo) * (v[lo + 1] - v[lo]) : v[lo];
}

enum { D = 4, K = 3, NTRAIN = 30000, NTEST = 30000 };

static seg_model *fit_blobs(void)
{
    double *x = malloc((size_t)NTRAIN * D * sizeof *x);
    int32_t *truth = malloc(NTRAIN * sizeof *truth);
    seg_dataset *ds = NULL;
    seg_kmeans *km = NULL;
    seg_model *m = NULL;
    tu_blobs(x, truth, NTRAIN, D, K, 11);
    assert_int_equal(seg_dataset_from_f64(&ds, x, NTRAIN, D, NULL), SEG_OK);
    assert_int_equal(seg_kmeans_new(&km), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_K, K), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_SEED, 2), SEG_OK);
    assert_int_equal(seg_kmeans_fit_dataset(km, ds, NULL, NULL, &m), SEG_OK);

    /* The reference equals the quantiles of the training distances. */
    seg_predictor *p = NULL;
    double *dist = malloc(NTRAIN * sizeof *dist), *seg = malloc(NTRAIN * sizeof *seg);
    assert_int_equal(seg_predictor_new(&p, m), SEG_OK);
    assert_int_equal(seg_predictor_run_f64(p, x, NTRAIN, D, truth, dist), SEG_OK);
    assert_int_equal(seg_model_has_outlier_reference(m), 1);
    for (int32_t j = 0; j < K; j++) {
        size_t nj = 0;
        for (size_t i = 0; i < NTRAIN; i++)
            if (truth[i] == j)
                seg[nj++] = dist[i];
        qsort(seg, nj, sizeof *seg, cmp_d);
        const double ps[] = {0, 0.5, 0.9, 0.995, 1};
        for (size_t t = 0; t < 5; t++) {
            double q;
            assert_int_equal(seg_model_outlier_quantile(m, (size_t)j, ps[t], &q), SEG_OK);
            assert_true(fabs(q - type7(seg, nj, ps[t])) <= 1e-12 * (1 + q));
        }
    }
    seg_predictor_free(p);
    seg_kmeans_free(km);
    seg_dataset_free(ds);
    free(dist);
    free(seg);
    free(x);
    free(truth);
    return m;
}

/*
 * Rows drawn like the training rows exceed the training quantile at p with
 * probability 1 - p up to the quantile's own sampling error, so the flag rate
 * r has standard deviation about sqrt(p (1 - p) (1/n_test + 1/n_train)):
 * the test allows 4 of them (a false failure once in ~16000 seeds).
 */
static void test_flag_rate_clean(void **state)
{
    (void)state;
    seg_model *m = fit_blobs();
    double *x = malloc((size_t)NTEST * D * sizeof *x), *dist = malloc(NTEST * sizeof *dist);
    int32_t *truth = malloc(NTEST * sizeof *truth), *lab = malloc(NTEST * sizeof *lab);
    uint8_t *flag = malloc(NTEST);
    seg_predictor *p = NULL;
    tu_blobs(x, truth, NTEST, D, K, 977); /* fresh rows, same distribution */
    assert_int_equal(seg_predictor_new(&p, m), SEG_OK);
    assert_int_equal(seg_predictor_run_f64(p, x, NTEST, D, lab, dist), SEG_OK);
    const double thresholds[] = {0.995, 0.99, 0.9, 0.5};
    for (size_t t = 0; t < 4; t++) {
        const double q = thresholds[t], expect = 1 - q;
        size_t flagged = 0;
        assert_int_equal(seg_model_outlier_scores(m, lab, dist, NTEST, q, NULL, flag), SEG_OK);
        for (size_t i = 0; i < NTEST; i++)
            flagged += flag[i];
        const double rate = (double)flagged / NTEST;
        const double sd = sqrt(q * (1 - q) * (1.0 / NTEST + 1.0 / NTRAIN));
        print_message("threshold %.3f: flag rate %.5f, expected %.5f +- %.5f (4 sd)\n", q, rate,
                      expect, 4 * sd);
        assert_true(fabs(rate - expect) <= 4 * sd);
    }
    seg_predictor_free(p);
    seg_model_free(m);
    free(x);
    free(dist);
    free(truth);
    free(lab);
    free(flag);
}

static size_t find_tag(const uint8_t *buf, size_t len, const char *tag)
{
    for (size_t i = 24; i + 4 <= len; i++)
        if (memcmp(buf + i, tag, 4) == 0)
            return i;
    fail_msg("tag %s not found", tag);
    return 0;
}

static void patch_u64(uint8_t *buf, size_t len, size_t at, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        buf[at + (size_t)i] = (uint8_t)(v >> (8 * i));
    uint32_t crc = seg_crc32(buf, len - 4);
    for (int i = 0; i < 4; i++)
        buf[len - 4 + (size_t)i] = (uint8_t)(crc >> (8 * i));
}

static void test_model_file(void **state)
{
    (void)state;
    seg_model *m = fit_blobs(), *back = NULL;
    size_t len = 0;
    assert_int_equal(seg_model_save_mem(m, NULL, 0, &len), SEG_OK);
    uint8_t *buf = malloc(len), *c = malloc(len);
    assert_int_equal(seg_model_save_mem(m, buf, len, &len), SEG_OK);
    assert_int_equal(seg_model_load_mem(&back, buf, len), SEG_OK);
    assert_int_equal(seg_model_has_outlier_reference(back), 1);
    for (size_t j = 0; j < K; j++)
        for (double p = 0; p <= 1; p += 0.125) {
            double a, b;
            assert_int_equal(seg_model_outlier_quantile(m, j, p, &a), SEG_OK);
            assert_int_equal(seg_model_outlier_quantile(back, j, p, &b), SEG_OK);
            assert_true(a == b);
        }
    seg_model_free(back);

    /* Payload: u64 k, u64 q, then k x (q + 1) f64. */
    const size_t at = find_tag(buf, len, "OUTL") + 12;
    memcpy(c, buf, len);
    patch_u64(c, len, at, K + 1);
    assert_int_equal(seg_model_load_mem(&back, c, len), SEG_ERR_FORMAT);
    assert_non_null(strstr(seg_last_error(), "OUTL"));
    memcpy(c, buf, len);
    patch_u64(c, len, at + 8, 0);
    assert_int_equal(seg_model_load_mem(&back, c, len), SEG_ERR_FORMAT);
    memcpy(c, buf, len);
    double big = 1e300;
    uint64_t bits;
    memcpy(&bits, &big, 8);
    patch_u64(c, len, at + 16, bits); /* first quantile above the second */
    assert_int_equal(seg_model_load_mem(&back, c, len), SEG_ERR_FORMAT);
    assert_non_null(strstr(seg_last_error(), "nondecreasing"));
    assert_null(back);

    /* A model without a reference (fitted from a matrix) saves no OUTL and
     * loads without one, as files of earlier versions do. */
    const double x[] = {0, 0, 0, 1, 10, 10, 10, 11};
    seg_model *plain = fit_matrix(x, 4, 2, 2);
    size_t plen = 0;
    assert_int_equal(seg_model_save_mem(plain, NULL, 0, &plen), SEG_OK);
    uint8_t *pb = malloc(plen);
    assert_int_equal(seg_model_save_mem(plain, pb, plen, &plen), SEG_OK);
    for (size_t i = 0; i + 4 <= plen; i++)
        assert_false(memcmp(pb + i, "OUTL", 4) == 0);
    assert_int_equal(seg_model_load_mem(&back, pb, plen), SEG_OK);
    assert_int_equal(seg_model_has_outlier_reference(back), 0);
    seg_model_free(back);
    seg_model_free(plain);
    seg_model_free(m);
    free(pb);
    free(buf);
    free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_values),
        cmocka_unit_test(test_quantiles_of_awkward_values),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_flag_rate_clean),
        cmocka_unit_test(test_model_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
