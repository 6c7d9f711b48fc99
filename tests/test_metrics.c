/*
 * Metrics against hand-computed values and an independent O(n^2) silhouette.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "kernel/distance.h"
#include "seg.h"
#include "testutil.h"

static const double line_x[] = {0, 1, 10, 11};
static const int32_t line_l[] = {0, 0, 1, 1};

/* a = 1 for every point; b = 10.5, 9.5, 9.5, 10.5. */
static void test_silhouette_hand(void **state)
{
    (void)state;
    double s;
    float xf[4] = {0, 1, 10, 11};
    assert_int_equal(seg_metrics_silhouette_f64(line_x, 4, 1, line_l, 2, NULL, 0, 0, &s), SEG_OK);
    assert_float_equal(s, (9.5 / 10.5 + 8.5 / 9.5) / 2, 1e-12);
    assert_int_equal(seg_metrics_silhouette_f32(xf, 4, 1, line_l, 2, NULL, 0, 0, &s), SEG_OK);
    assert_float_equal(s, (9.5 / 10.5 + 8.5 / 9.5) / 2, 1e-7);
}

/* Weighted: row 0 counts twice. For row 1: a = 1, b = (9 + 10) / 2 = 9.5.
 * Row 0: a = 1 (only row 1 besides itself), b = 10.5. Row 2: a = 1,
 * b = (2*10 + 9) / 3 = 29/3. Row 3: a = 1, b = (2*11 + 10) / 3 = 32/3.
 * Mean weighted by (2, 1, 1, 1). */
static void test_silhouette_weighted(void **state)
{
    (void)state;
    const double w[] = {2, 1, 1, 1};
    double s;
    double s0 = 9.5 / 10.5, s1 = 8.5 / 9.5, s2 = (29.0 / 3 - 1) / (29.0 / 3),
           s3 = (32.0 / 3 - 1) / (32.0 / 3);
    assert_int_equal(seg_metrics_silhouette_f64(line_x, 4, 1, line_l, 2, w, 0, 0, &s), SEG_OK);
    assert_float_equal(s, (2 * s0 + s1 + s2 + s3) / 5, 1e-12);
}

static void test_davies_bouldin_hand(void **state)
{
    (void)state;
    double s;
    /* Means 0.5 and 10.5, scatter 0.5 each, separation 10. */
    assert_int_equal(seg_metrics_davies_bouldin_f64(line_x, 4, 1, line_l, 2, NULL, &s), SEG_OK);
    assert_float_equal(s, 0.1, 1e-12);
}

static void test_calinski_harabasz_hand(void **state)
{
    (void)state;
    double s;
    /* Overall mean 5.5: B = 4 * 25 = 100, W = 4 * 0.25 = 1; (100/1) / (1/2) = 200. */
    assert_int_equal(seg_metrics_calinski_harabasz_f64(line_x, 4, 1, line_l, 2, NULL, &s), SEG_OK);
    assert_float_equal(s, 200.0, 1e-9);
    /* Integer weights are repeated rows: weight 2 on row 0 equals appending 0. */
    const double w[] = {2, 1, 1, 1};
    const double xd[] = {0, 1, 10, 11, 0};
    const int32_t ld[] = {0, 0, 1, 1, 0};
    double a, b;
    assert_int_equal(seg_metrics_calinski_harabasz_f64(line_x, 4, 1, line_l, 2, w, &a), SEG_OK);
    assert_int_equal(seg_metrics_calinski_harabasz_f64(xd, 5, 1, ld, 2, NULL, &b), SEG_OK);
    assert_float_equal(a, b, 1e-9);
    assert_int_equal(seg_metrics_davies_bouldin_f64(line_x, 4, 1, line_l, 2, w, &a), SEG_OK);
    assert_int_equal(seg_metrics_davies_bouldin_f64(xd, 5, 1, ld, 2, NULL, &b), SEG_OK);
    assert_float_equal(a, b, 1e-12);
}

/* The finish from sums alone (for rows summed elsewhere: over MPI ranks):
 * the line's hand values, an empty segment whose mean is never read (NaN
 * here, as an unset buffer may hold), each index alone, and the errors. */
static void test_finish_from_sums(void **state)
{
    (void)state;
    /* line_x, 3 segments, the middle one empty: means 0.5, ?, 10.5; rows 2
     * each; scatter 2 x 0.5 = 1 each; within 4 x 0.25 = 1 */
    const double mean[] = {0.5, NAN, 10.5}, wsum[] = {2, 0, 2}, scatter[] = {1, NAN, 1};
    double db = -1, ch = -1;
    assert_int_equal(seg_metrics_finish(3, 1, mean, wsum, scatter, 1.0, &db, &ch), SEG_OK);
    assert_float_equal(db, 0.1, 1e-12);
    assert_float_equal(ch, 200.0, 1e-9);
    /* the same bits as the functions on the rows */
    double a, b;
    assert_int_equal(seg_metrics_davies_bouldin_f64(line_x, 4, 1, line_l, 2, NULL, &a), SEG_OK);
    assert_int_equal(seg_metrics_calinski_harabasz_f64(line_x, 4, 1, line_l, 2, NULL, &b), SEG_OK);
    assert_memory_equal(&a, &db, sizeof a);
    assert_memory_equal(&b, &ch, sizeof b);
    db = ch = -1;
    assert_int_equal(seg_metrics_finish(3, 1, mean, wsum, NULL, 1.0, NULL, &ch), SEG_OK);
    assert_float_equal(ch, 200.0, 1e-9);
    assert_int_equal(seg_metrics_finish(3, 1, mean, wsum, scatter, 0, &db, NULL), SEG_OK);
    assert_float_equal(db, 0.1, 1e-12);
    /* W = 0: 1, as seg_metrics_calinski_harabasz_f64() */
    assert_int_equal(seg_metrics_finish(3, 1, mean, wsum, NULL, 0, NULL, &ch), SEG_OK);
    assert_float_equal(ch, 1.0, 0);
    /* one non-empty segment; weights summing to no more than the segments */
    const double one[] = {0, 0, 4}, tiny[] = {0.5, 0, 0.5};
    assert_int_equal(seg_metrics_finish(3, 1, mean, one, scatter, 1.0, &db, &ch),
                     SEG_ERR_TOO_FEW_POINTS);
    assert_non_null(strstr(seg_last_error(), "Davies-Bouldin"));
    assert_int_equal(seg_metrics_finish(3, 1, mean, tiny, NULL, 1.0, NULL, &ch),
                     SEG_ERR_TOO_FEW_POINTS);
    assert_non_null(strstr(seg_last_error(), "weights sum to 1"));
    /* arguments */
    assert_int_equal(seg_metrics_finish(3, 1, mean, wsum, NULL, 1.0, &db, &ch),
                     SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_metrics_finish(3, 1, mean, wsum, scatter, 1.0, NULL, NULL),
                     SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_metrics_finish(0, 1, mean, wsum, scatter, 1.0, &db, &ch),
                     SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_metrics_finish(3, 0, mean, wsum, scatter, 1.0, &db, &ch),
                     SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_metrics_finish(3, 1, NULL, wsum, scatter, 1.0, &db, &ch),
                     SEG_ERR_INVALID_ARG);
}

/* The sums of seg_metrics_add_spread_*() over blocks of rows in order are
 * those of one call, and finish to the bits of the functions on the rows
 * (weighted, f32 and f64); a bad label adds nothing. */
static void test_add_spread_blocks(void **state)
{
    (void)state;
    enum { n = 9, d = 2, k = 3 };
    double x[n * d], w[n], mean[k * d] = {0}, wsum[k] = {0};
    float xf[n * d];
    int32_t l[n];
    for (size_t i = 0; i < n; i++) {
        l[i] = (int32_t)(i % k);
        w[i] = 1.0 + 0.1 * (double)i;
        for (size_t j = 0; j < d; j++) {
            x[i * d + j] = 0.3 * (double)(i * i % 7) + (double)(j * l[i]);
            xf[i * d + j] = (float)x[i * d + j];
        }
    }
    for (int f32 = 0; f32 < 2; f32++) {
        /* weighted means about each segment's first row, as metrics.c takes them */
        memset(mean, 0, sizeof mean);
        memset(wsum, 0, sizeof wsum);
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < d; j++) {
                const double v = f32 ? xf[i * d + j] : x[i * d + j],
                             r = f32 ? xf[(size_t)l[i] * d + j] : x[(size_t)l[i] * d + j];
                mean[l[i] * d + j] += w[i] * (v - r);
            }
        for (size_t i = 0; i < n; i++)
            wsum[l[i]] += w[i];
        for (size_t c = 0; c < k; c++)
            for (size_t j = 0; j < d; j++)
                mean[c * d + j] = (f32 ? xf[c * d + j] : x[c * d + j]) + mean[c * d + j] / wsum[c];
        double one[k + 1] = {0}, blocks[k + 1] = {0};
        const size_t cut[] = {0, 2, 3, 7, n};
        for (size_t b = 0; b < 4; b++) {
            const size_t a = cut[b], m = cut[b + 1] - a;
            assert_int_equal(f32 ? seg_metrics_add_spread_f32(xf + a * d, m, d, l + a, k, w + a,
                                                              mean, blocks, &blocks[k])
                                 : seg_metrics_add_spread_f64(x + a * d, m, d, l + a, k, w + a,
                                                              mean, blocks, &blocks[k]),
                             SEG_OK);
        }
        assert_int_equal(f32 ? seg_metrics_add_spread_f32(xf, n, d, l, k, w, mean, one, &one[k])
                             : seg_metrics_add_spread_f64(x, n, d, l, k, w, mean, one, &one[k]),
                         SEG_OK);
        assert_memory_equal(one, blocks, sizeof one);
        /* scatter of segment 0 by hand: rows 0, 3, 6 */
        double s0 = 0, w0 = 0;
        for (size_t i = 0; i < n; i += k) {
            double q = 0;
            for (size_t j = 0; j < d; j++) {
                const double e = (f32 ? xf[i * d + j] : x[i * d + j]) - mean[j];
                q += e * e;
            }
            s0 += w[i] * sqrt(q);
            w0 += w[i] * q;
        }
        assert_float_equal(one[0], s0, 1e-12);
        double db, ch, db_rows, ch_rows;
        assert_int_equal(seg_metrics_finish(k, d, mean, wsum, one, one[k], &db, &ch), SEG_OK);
        if (f32) {
            assert_int_equal(seg_metrics_davies_bouldin_f32(xf, n, d, l, k, w, &db_rows), SEG_OK);
            assert_int_equal(seg_metrics_calinski_harabasz_f32(xf, n, d, l, k, w, &ch_rows),
                             SEG_OK);
        } else {
            assert_int_equal(seg_metrics_davies_bouldin_f64(x, n, d, l, k, w, &db_rows), SEG_OK);
            assert_int_equal(seg_metrics_calinski_harabasz_f64(x, n, d, l, k, w, &ch_rows), SEG_OK);
        }
        assert_memory_equal(&db, &db_rows, sizeof db);
        assert_memory_equal(&ch, &ch_rows, sizeof ch);
    }
    /* a label out of range: an error, nothing added */
    const int32_t bad[] = {0, 3};
    double sums[k + 1] = {0};
    assert_int_equal(seg_metrics_add_spread_f64(x, 2, d, bad, k, NULL, mean, sums, &sums[k]),
                     SEG_ERR_INVALID_ARG);
    assert_float_equal(sums[0] + sums[k], 0, 0);
    assert_int_equal(seg_metrics_add_spread_f64(x, 2, d, l, k, NULL, NULL, sums, &sums[k]),
                     SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_metrics_add_spread_f64(x, 0, d, l, k, NULL, mean, sums, &sums[k]), SEG_OK);
}

/* k equal to the number of distinct rows: every row sits on its segment's
 * centre, W = 0, and the index is 1 (scikit-learn's calinski_harabasz_score
 * gives 1.0 for W = 0; it refuses k = n, which we allow). */
static void test_calinski_harabasz_zero_within(void **state)
{
    (void)state;
    double s = -1;
    const double three[] = {1, 2, 3, 4, 5, 7};
    const int32_t each[] = {0, 1, 2};
    assert_int_equal(seg_metrics_calinski_harabasz_f64(three, 3, 2, each, 3, NULL, &s), SEG_OK);
    assert_float_equal(s, 1.0, 0);
    /* duplicates: 6 rows, 3 distinct; (0.1 + 0.1 + 0.1) / 3 is not 0.1 */
    const double dup[] = {0.1, 0.7, 0.1, 0.7, 0.1, 0.7, 3, 4, 3, 4, 5, 7};
    const float dupf[] = {0.1f, 0.7f, 0.1f, 0.7f, 0.1f, 0.7f, 3, 4, 3, 4, 5, 7};
    const int32_t dl[] = {0, 0, 0, 1, 1, 2};
    s = -1;
    assert_int_equal(seg_metrics_calinski_harabasz_f64(dup, 6, 2, dl, 3, NULL, &s), SEG_OK);
    assert_float_equal(s, 1.0, 0);
    s = -1;
    assert_int_equal(seg_metrics_calinski_harabasz_f32(dupf, 6, 2, dl, 3, NULL, &s), SEG_OK);
    assert_float_equal(s, 1.0, 0);
    /* W > 0 with weights summing to no more than the segments: undefined */
    const double w[] = {0.1, 0.1, 0.1, 0.1};
    assert_int_equal(seg_metrics_calinski_harabasz_f64(line_x, 4, 1, line_l, 2, w, &s),
                     SEG_ERR_TOO_FEW_POINTS);
    assert_non_null(strstr(seg_last_error(), "weights sum"));
}

/* Silhouette by its definition, with plain loops. */
static double naive_silhouette(const double *x, size_t n, size_t d, const int32_t *l, size_t k)
{
    double total = 0;
    double *sum = malloc(k * sizeof *sum), *cnt = malloc(k * sizeof *cnt);
    for (size_t i = 0; i < n; i++) {
        memset(sum, 0, k * sizeof *sum);
        memset(cnt, 0, k * sizeof *cnt);
        for (size_t j = 0; j < n; j++) {
            cnt[l[j]] += 1;
            if (j != i)
                sum[l[j]] += sqrt(tu_sqdist(x + i * d, x + j * d, d));
        }
        if (cnt[l[i]] <= 1)
            continue;
        double a = sum[l[i]] / (cnt[l[i]] - 1), b = INFINITY;
        for (size_t c = 0; c < k; c++)
            if ((int32_t)c != l[i] && cnt[c] > 0 && sum[c] / cnt[c] < b)
                b = sum[c] / cnt[c];
        total += (b - a) / (a > b ? a : b);
    }
    free(sum);
    free(cnt);
    return total / (double)n;
}

static void test_silhouette_against_naive(void **state)
{
    (void)state;
    const size_t n = 700, d = 4, k = 5;
    double *x = malloc(n * d * sizeof *x), s;
    int32_t *l = malloc(n * sizeof *l);
    uint64_t r = 2;
    for (size_t i = 0; i < n; i++) {
        l[i] = (int32_t)(tu_next(&r) % k);
        for (size_t j = 0; j < d; j++)
            x[i * d + j] = tu_normal(&r) + 2.0 * l[i];
    }
    l[0] = 4; /* keep every label present */
    assert_int_equal(seg_metrics_silhouette_f64(x, n, d, l, k, NULL, 0, 0, &s), SEG_OK);
    assert_float_equal(s, naive_silhouette(x, n, d, l, k), 1e-9);
    /* A sample as large as the data is the exact value. */
    double t;
    assert_int_equal(seg_metrics_silhouette_f64(x, n, d, l, k, NULL, n, 9, &t), SEG_OK);
    assert_float_equal(s, t, 0);
    /* A sample is reproducible for a seed and close to the exact value. */
    double u, v;
    assert_int_equal(seg_metrics_silhouette_f64(x, n, d, l, k, NULL, 400, 9, &u), SEG_OK);
    assert_int_equal(seg_metrics_silhouette_f64(x, n, d, l, k, NULL, 400, 9, &v), SEG_OK);
    assert_float_equal(u, v, 0);
    assert_float_equal(u, s, 0.05);
    free(x);
    free(l);
}

/* Weighted silhouette by its definition, in long double. */
static double naive_weighted_silhouette(const double *x, size_t n, size_t d, const int32_t *l,
                                        size_t k, const double *w)
{
    long double num = 0, den = 0;
    long double *sum = malloc(k * sizeof *sum), *cw = calloc(k, sizeof *cw);
    for (size_t j = 0; j < n; j++)
        cw[l[j]] += w[j];
    for (size_t i = 0; i < n; i++) {
        memset(sum, 0, k * sizeof *sum);
        for (size_t j = 0; j < n; j++)
            if (j != i)
                sum[l[j]] += w[j] * sqrtl(tu_sqdist(x + i * d, x + j * d, d));
        long double score = 0, rest = cw[l[i]] - w[i];
        if (rest > 0) {
            long double a = sum[l[i]] / rest, b = INFINITY;
            for (size_t c = 0; c < k; c++)
                if ((int32_t)c != l[i] && cw[c] > 0 && sum[c] / cw[c] < b)
                    b = sum[c] / cw[c];
            score = (b - a) / (a > b ? a : b);
        }
        num += w[i] * score;
        den += w[i];
    }
    free(sum);
    free(cw);
    return (double)(num / den);
}

/*
 * Segments of very different sizes (one of 1,400 rows, cut into several
 * chunks by the symmetric form, one of a single row, one of two, one empty
 * label), unweighted and weighted: the register kernel's symmetric form, the
 * one-sided BLAS form and the definition agree.
 */
static void test_silhouette_uneven_segments(void **state)
{
    (void)state;
    const size_t n = 2011, d = 3, k = 6;
    double *x = malloc(n * d * sizeof *x), *w = malloc(n * sizeof *w);
    int32_t *l = malloc(n * sizeof *l);
    uint64_t r = 11;
    for (size_t i = 0; i < n; i++) {
        /* label 4 stays empty */
        l[i] = i < 1400 ? 0 : i < 1401 ? 1 : i < 1403 ? 2 : (i % 2 ? 3 : 5);
        w[i] = 0.25 + (double)(tu_next(&r) % 8);
        for (size_t j = 0; j < d; j++)
            x[i * d + j] = tu_normal(&r) + 1.5 * l[i];
    }
    /* shuffle the rows so that segments interleave in the input */
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = (size_t)(tu_next(&r) % (i + 1));
        int32_t tl = l[i];
        l[i] = l[j];
        l[j] = tl;
        double tw = w[i];
        w[i] = w[j];
        w[j] = tw;
        for (size_t c = 0; c < d; c++) {
            double t = x[i * d + c];
            x[i * d + c] = x[j * d + c];
            x[j * d + c] = t;
        }
    }
    for (int weighted = 0; weighted < 2; weighted++) {
        const double *wt = weighted ? w : NULL;
        double *ones = malloc(n * sizeof *ones);
        for (size_t i = 0; i < n; i++)
            ones[i] = 1;
        const double want = naive_weighted_silhouette(x, n, d, l, k, weighted ? w : ones);
        double sym, blas;
        assert_int_equal(seg_metrics_silhouette_f64(x, n, d, l, k, wt, 0, 0, &sym), SEG_OK);
        seg_regkernel_force(-1);
        assert_int_equal(seg_metrics_silhouette_f64(x, n, d, l, k, wt, 0, 0, &blas), SEG_OK);
        seg_regkernel_force(0);
        assert_float_equal(sym, want, 1e-12);
        assert_float_equal(blas, want, 1e-12);
        free(ones);
    }
    free(x);
    free(w);
    free(l);
}

/*
 * Several labellings scored on one sample (seg_metrics_silhouettes_*) give
 * bit for bit the values of one call per labelling: weighted or not, a
 * sample or all rows, double and float rows, at 1 and 2 threads.
 */
static void test_silhouettes_equal_single_calls(void **state)
{
    (void)state;
    enum { N = 2600, D = 5, COUNT = 7 };
    double *x = malloc(N * D * sizeof *x), *w = malloc(N * sizeof *w);
    float *xf = malloc(N * D * sizeof *xf);
    int32_t *lab[COUNT];
    size_t ks[COUNT];
    uint64_t r = 5;
    for (size_t i = 0; i < N * D; i++) {
        x[i] = tu_normal(&r) + (double)(i % 3);
        xf[i] = (float)x[i];
    }
    for (size_t i = 0; i < N; i++)
        w[i] = 0.5 + (double)(tu_next(&r) % 5);
    for (size_t l = 0; l < COUNT; l++) {
        ks[l] = l + 2;
        lab[l] = malloc(N * sizeof *lab[l]);
        for (size_t i = 0; i < N; i++) /* skewed: segment 0 the largest */
            lab[l][i] = (int32_t)(tu_next(&r) % 3 == 0 ? 0 : tu_next(&r) % ks[l]);
    }
    cpu_set_t saved, set;
    assert_int_equal(sched_getaffinity(0, sizeof saved, &saved), 0);
    for (int threads = 1; threads <= 2; threads++) {
        CPU_ZERO(&set);
        for (int c = 0, got = 0; c < CPU_SETSIZE && got < threads; c++)
            if (CPU_ISSET(c, &saved)) {
                CPU_SET(c, &set);
                got++;
            }
        assert_int_equal(sched_setaffinity(0, sizeof set, &set), 0);
        for (int variant = 0; variant < 6; variant++) {
            const double *wt = variant & 1 ? w : NULL;
            const size_t sample = variant & 2 ? 2100 : 0;
            const bool f32 = variant & 4;
            double many[COUNT], one;
            const int64_t nt = variant % 3; /* library threads: 0 (all), 1, 2 */
            int rc =
                f32 ? seg_metrics_silhouettes_threads_f32(xf, N, D, (const int32_t *const *)lab, ks,
                                                          COUNT, wt, sample, 3, nt, many)
                    : seg_metrics_silhouettes_threads_f64(x, N, D, (const int32_t *const *)lab, ks,
                                                          COUNT, wt, sample, 3, nt, many);
            assert_int_equal(rc, SEG_OK);
            for (size_t l = 0; l < COUNT; l++) {
                rc = f32 ? seg_metrics_silhouette_f32(xf, N, D, lab[l], ks[l], wt, sample, 3, &one)
                         : seg_metrics_silhouette_f64(x, N, D, lab[l], ks[l], wt, sample, 3, &one);
                assert_int_equal(rc, SEG_OK);
                assert_memory_equal(&many[l], &one, sizeof one);
            }
        }
    }
    assert_int_equal(sched_setaffinity(0, sizeof saved, &saved), 0);
    /* errors: a bad label in the second labelling, count 0 */
    double o[2];
    lab[1][7] = 99;
    assert_int_equal(
        seg_metrics_silhouettes_f64(x, N, D, (const int32_t *const *)lab, ks, 2, NULL, 0, 0, o),
        SEG_ERR_INVALID_ARG);
    assert_int_equal(
        seg_metrics_silhouettes_f64(x, N, D, (const int32_t *const *)lab, ks, 0, NULL, 0, 0, o),
        SEG_ERR_INVALID_ARG);
    lab[1][7] = 0;
    assert_int_equal(seg_metrics_silhouettes_threads_f64(x, N, D, (const int32_t *const *)lab, ks,
                                                         2, NULL, 0, 0, -1, o),
                     SEG_ERR_INVALID_ARG);
    for (size_t l = 0; l < COUNT; l++)
        free(lab[l]);
    free(x);
    free(xf);
    free(w);
}

/* An allocator that fails its call number fail_at (0-based; -1: none). */
typedef struct failing {
    long calls, fail_at, live;
} failing;

static void *failing_alloc(void *user, size_t size)
{
    failing *f = user;
    if (f->calls++ == f->fail_at)
        return NULL;
    void *p = test_malloc(size);
    f->live += p != NULL;
    return p;
}

static void failing_free(void *user, void *ptr)
{
    failing *f = user;
    f->live--;
    test_free(ptr);
}

/* The silhouette with every allocation it makes failing at call f->fail_at. */
static int silhouette_failing_at(failing *f, const double *x, size_t n, size_t d, const int32_t *l,
                                 size_t k, double *s)
{
    seg_allocator *a;
    const long fail_at = f->fail_at;
    f->fail_at = -1; /* the allocator's own block */
    assert_int_equal(seg_allocator_new(&a, failing_alloc, failing_free, f), SEG_OK);
    f->calls = 0;
    f->fail_at = fail_at;
    seg_allocator *prev = seg_alloc_enter(a);
    int rc = seg_metrics_silhouette_f64(x, n, d, l, k, NULL, 0, 0, s);
    seg_alloc_restore(&prev);
    seg_allocator_free(a);
    return rc;
}

/*
 * Each allocation of a silhouette failing in turn: a failure of the
 * symmetric form's own buffers falls back to the one-sided form (same value
 * to rounding), any other gives SEG_ERR_NOMEM; nothing leaks either way.
 */
static void test_silhouette_allocation_failures(void **state)
{
    (void)state;
    const size_t n = 900, d = 3, k = 3;
    double *x = malloc(n * d * sizeof *x), want, s;
    int32_t *l = malloc(n * sizeof *l);
    uint64_t r = 5;
    for (size_t i = 0; i < n; i++) {
        l[i] = (int32_t)(i % k);
        for (size_t j = 0; j < d; j++)
            x[i * d + j] = tu_normal(&r) + 2.0 * l[i];
    }
    failing f = {0, -1, 0};
    assert_int_equal(silhouette_failing_at(&f, x, n, d, l, k, &want), SEG_OK);
    assert_int_equal(f.live, 0);
    const long total = f.calls;
    int fell_back = 0, refused = 0;
    for (long i = 0; i < total; i++) {
        failing g = {0, i, 0};
        s = -2;
        int rc = silhouette_failing_at(&g, x, n, d, l, k, &s);
        if (rc == SEG_OK) {
            assert_float_equal(s, want, 1e-12);
            fell_back++;
        } else {
            assert_int_equal(rc, SEG_ERR_NOMEM);
            refused++;
        }
        assert_int_equal(g.live, 0);
    }
    /* with the register kernel the symmetric form's buffers are allocated */
    if (seg_regkernel_ok(d, sizeof(double)))
        assert_true(fell_back > 0);
    assert_true(refused > 0);
    free(x);
    free(l);
}

static void test_metric_errors(void **state)
{
    (void)state;
    double s;
    const int32_t one[] = {0, 0, 0, 0};
    const int32_t bad[] = {0, 1, 2, 1};
    assert_int_equal(seg_metrics_silhouette_f64(line_x, 4, 1, one, 2, NULL, 0, 0, &s),
                     SEG_ERR_TOO_FEW_POINTS);
    assert_int_equal(seg_metrics_davies_bouldin_f64(line_x, 4, 1, one, 1, NULL, &s),
                     SEG_ERR_TOO_FEW_POINTS);
    assert_int_equal(seg_metrics_calinski_harabasz_f64(line_x, 4, 1, one, 3, NULL, &s),
                     SEG_ERR_TOO_FEW_POINTS);
    assert_int_equal(seg_metrics_silhouette_f64(line_x, 4, 1, bad, 2, NULL, 0, 0, &s),
                     SEG_ERR_INVALID_ARG);
    assert_non_null(strstr(seg_last_error(), "row 3"));
    assert_int_equal(seg_metrics_silhouette_f64(line_x, 4, 1, NULL, 2, NULL, 0, 0, &s),
                     SEG_ERR_INVALID_ARG);
}

/* ---- adjusted Rand index ---------------------------------------------------- */

/* The index by its definition: count every unordered pair of rows, no
 * contingency table. */
static double ari_by_pairs(const int32_t *a, const int32_t *b, size_t n)
{
    double both = 0, in_a = 0, in_b = 0, all = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            const int sa = a[i] == a[j], sb = b[i] == b[j];
            both += sa && sb;
            in_a += sa;
            in_b += sb;
            all += 1;
        }
    if (in_a == both && in_b == both)
        return 1.0;
    const double expected = in_a * in_b / all, top = (in_a + in_b) / 2;
    return (both - expected) / (top - expected);
}

/* Values worked by hand from the contingency table (and, for the first
 * three, the examples of scikit-learn's adjusted_rand_score documentation). */
static void test_adjusted_rand_hand(void **state)
{
    (void)state;
    double v;
    const int32_t a[] = {0, 0, 1, 1}, split[] = {0, 0, 1, 2}, renamed[] = {5, 5, 3, 3},
                  crossed[] = {0, 1, 0, 1};
    assert_int_equal(seg_metrics_adjusted_rand(a, renamed, 4, &v), SEG_OK);
    assert_float_equal(v, 1.0, 0);
    /* Pairs together in both 1, in a 2, in split 1, of 6: (1 - 2/6) / (1.5 - 2/6). */
    assert_int_equal(seg_metrics_adjusted_rand(a, split, 4, &v), SEG_OK);
    assert_float_equal(v, 4.0 / 7.0, 1e-15);
    /* No pair together in both, 2 in each: (0 - 4/6) / (2 - 4/6). */
    assert_int_equal(seg_metrics_adjusted_rand(a, crossed, 4, &v), SEG_OK);
    assert_float_equal(v, -0.5, 1e-15);
    /* One group against all singletons: 0. */
    const int32_t one[] = {0, 0, 0, 0}, single[] = {0, 1, 2, 3};
    assert_int_equal(seg_metrics_adjusted_rand(one, single, 4, &v), SEG_OK);
    assert_float_equal(v, 0.0, 0);
    assert_int_equal(seg_metrics_adjusted_rand(one, one, 4, &v), SEG_OK);
    assert_float_equal(v, 1.0, 0);
    /* 3 + 3 against 2 + 2 + 2: together in both 2 (of 15), in a 6, in b 3:
     * (2 - 18/15) / (4.5 - 18/15) = 8/33. */
    const int32_t a6[] = {0, 0, 0, 1, 1, 1}, b6[] = {0, 0, 1, 1, 2, 2};
    assert_int_equal(seg_metrics_adjusted_rand(a6, b6, 6, &v), SEG_OK);
    assert_float_equal(v, 8.0 / 33.0, 1e-15);
    assert_int_equal(seg_metrics_adjusted_rand(a6, b6, 1, &v), SEG_OK);
    assert_float_equal(v, 1.0, 0);
}

/* Random labellings, dense table and sorted path (labels up to 10^6 make
 * the table too large), against counting the pairs. */
static void test_adjusted_rand_against_pairs(void **state)
{
    (void)state;
    const size_t n = 1500;
    int32_t *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    uint64_t seed = 17;
    for (int sparse = 0; sparse < 2; sparse++)
        for (int trial = 0; trial < 3; trial++) {
            for (size_t i = 0; i < n; i++) {
                a[i] = (int32_t)(tu_next(&seed) % 4);
                /* b agrees with a on about half the rows. */
                b[i] = tu_next(&seed) % 2 ? a[i] : (int32_t)(tu_next(&seed) % (3 + trial));
                if (sparse) {
                    a[i] = a[i] * 333331 + 7;
                    b[i] = b[i] * 250001;
                }
            }
            double v;
            assert_int_equal(seg_metrics_adjusted_rand(a, b, n, &v), SEG_OK);
            assert_float_equal(v, ari_by_pairs(a, b, n), 1e-12);
            assert_true(v > 0.05 && v < 0.9);
        }
    free(a);
    free(b);
}

static void test_adjusted_rand_errors(void **state)
{
    (void)state;
    double v;
    const int32_t a[] = {0, 1}, neg[] = {0, -1};
    assert_int_equal(seg_metrics_adjusted_rand(a, neg, 2, &v), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_metrics_adjusted_rand(neg, a, 2, &v), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_metrics_adjusted_rand(a, a, 0, &v), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_metrics_adjusted_rand(NULL, a, 2, &v), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_metrics_adjusted_rand(a, a, 2, NULL), SEG_ERR_INVALID_ARG);
}

/* The threads of this process, from /proc/self/status (0 if unknown). */
static int process_threads(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    int t = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "Threads: %d", &t) == 1)
            break;
    if (f)
        fclose(f);
    return t;
}

typedef struct watch {
    atomic_int stop, most;
} watch;

static void *watcher(void *arg)
{
    watch *w = arg;
    while (!atomic_load(&w->stop)) {
        const int t = process_threads();
        if (t > atomic_load(&w->most))
            atomic_store(&w->most, t);
        const struct timespec pause = {0, 100 * 1000};
        nanosleep(&pause, NULL);
    }
    return NULL;
}

/* The most threads this process ran while the silhouettes of one labelling
 * were scored on `threads` library threads. */
static int most_threads(const double *x, size_t n, size_t d, const int32_t *lab, size_t k,
                        int64_t threads)
{
    watch w;
    atomic_init(&w.stop, 0);
    atomic_init(&w.most, 0);
    pthread_t tid;
    const int before = process_threads();
    assert_int_equal(pthread_create(&tid, NULL, watcher, &w), 0);
    double out;
    const int32_t *const labs[1] = {lab};
    assert_int_equal(
        seg_metrics_silhouettes_threads_f64(x, n, d, labs, &k, 1, NULL, 0, 0, threads, &out),
        SEG_OK);
    atomic_store(&w.stop, 1);
    pthread_join(tid, NULL);
    return atomic_load(&w.most) - before; /* the watcher counts one */
}

/* seg segment --threads 1 scores its silhouette on one thread: the
 * threads argument is honoured (no pool is started), and 2 does start one
 * (which shows the watcher sees a pool's thread). */
static void test_silhouettes_honour_threads(void **state)
{
    (void)state;
    const size_t n = 6000, d = 8, k = 4;
    double *x = malloc(n * d * sizeof *x);
    int32_t *lab = malloc(n * sizeof *lab);
    uint64_t r = 11;
    for (size_t i = 0; i < n; i++) {
        lab[i] = (int32_t)(i % k);
        for (size_t j = 0; j < d; j++)
            x[i * d + j] = (double)lab[i] * 3 + (double)(tu_next(&r) % 1000) / 1000.0;
    }
    if (!seg_regkernel_ok(d, sizeof(double))) { /* through BLAS: one library thread */
        free(x);
        free(lab);
        skip();
    }
    assert_int_equal(most_threads(x, n, d, lab, k, 1), 1);
    assert_true(most_threads(x, n, d, lab, k, 2) >= 2);
    free(x);
    free(lab);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_silhouette_hand),
        cmocka_unit_test(test_silhouette_weighted),
        cmocka_unit_test(test_davies_bouldin_hand),
        cmocka_unit_test(test_calinski_harabasz_hand),
        cmocka_unit_test(test_calinski_harabasz_zero_within),
        cmocka_unit_test(test_finish_from_sums),
        cmocka_unit_test(test_add_spread_blocks),
        cmocka_unit_test(test_silhouette_against_naive),
        cmocka_unit_test(test_silhouette_uneven_segments),
        cmocka_unit_test(test_silhouettes_equal_single_calls),
        cmocka_unit_test(test_silhouette_allocation_failures),
        cmocka_unit_test(test_metric_errors),
        cmocka_unit_test(test_silhouettes_honour_threads),
        cmocka_unit_test(test_adjusted_rand_hand),
        cmocka_unit_test(test_adjusted_rand_against_pairs),
        cmocka_unit_test(test_adjusted_rand_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
