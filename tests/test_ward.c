/*
 * Ward linkage: heights and partitions against a plain O(n^3) agglomeration
 * written here (every pair of clusters scanned at every step, centroids by
 * direct sums), a hand-computed example, weights, and the error paths.
 */
#include <seg.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "testutil.h"

/* In double: cmocka's assert_float_equal rounds to float. */
#define assert_near(a, b, eps) assert_true(fabs((double)(a) - (double)(b)) <= (eps))

/*
 * Reference: at every step merge the pair with the smallest
 * 2 w_a w_b / (w_a + w_b) ||c_a - c_b||^2 (lowest pair on exact ties).
 * heights[] receives the n - 1 heights in merge order; cut_labels receives
 * the cluster (by its lowest row) of every row when cut_k clusters remain.
 */
static void ref_ward(const double *x, const double *w, size_t n, size_t d, double *heights,
                     size_t cut_k, int32_t *cut_labels)
{
    double *c = malloc(n * d * sizeof *c), *cw = malloc(n * sizeof *cw);
    size_t *owner = malloc(n * sizeof *owner);
    int *alive = malloc(n * sizeof *alive);
    memcpy(c, x, n * d * sizeof *c);
    for (size_t i = 0; i < n; i++) {
        cw[i] = w ? w[i] : 1.0;
        owner[i] = i;
        alive[i] = 1;
    }
    for (size_t step = 0; step + 1 < n; step++) {
        if (n - step == cut_k)
            for (size_t i = 0; i < n; i++)
                cut_labels[i] = (int32_t)owner[i];
        size_t ba = 0, bb = 0;
        double best = INFINITY;
        for (size_t a = 0; a < n; a++)
            for (size_t b = a + 1; b < n; b++) {
                if (!alive[a] || !alive[b])
                    continue;
                double v = 2 * cw[a] * cw[b] / (cw[a] + cw[b]) * tu_sqdist(c + a * d, c + b * d, d);
                if (v < best) {
                    best = v;
                    ba = a;
                    bb = b;
                }
            }
        heights[step] = sqrt(best);
        for (size_t j = 0; j < d; j++)
            c[ba * d + j] = (cw[ba] * c[ba * d + j] + cw[bb] * c[bb * d + j]) / (cw[ba] + cw[bb]);
        cw[ba] += cw[bb];
        alive[bb] = 0;
        for (size_t i = 0; i < n; i++)
            if (owner[i] == bb)
                owner[i] = ba;
    }
    if (cut_k == 1)
        for (size_t i = 0; i < n; i++)
            cut_labels[i] = 0;
    free(c);
    free(cw);
    free(owner);
    free(alive);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Two labellings describe the same partition (a bijection between labels). */
static int same_partition(const int32_t *a, const int32_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if ((a[i] == a[j]) != (b[i] == b[j]))
                return 0;
    return 1;
}

static double *linkage_matrix(const seg_linkage *l, size_t n)
{
    double *z = malloc((n - 1) * 4 * sizeof *z);
    assert_int_equal(seg_linkage_matrix(l, z, (n - 1) * 4), SEG_OK);
    return z;
}

/* 0, 1, 10, 11, 30 on a line, by hand: {0,1} and {10,11} at 1, their union
 * at sqrt(2*2*2/4)*10 = sqrt(2)*10, then 30 at sqrt(2*4*1/5)*(30-5.5). */
static void test_hand_line(void **state)
{
    (void)state;
    const double x[] = {0, 1, 10, 11, 30};
    seg_linkage *l = NULL;
    assert_int_equal(seg_linkage_fit_ward_f64(x, 5, 1, NULL, &l), SEG_OK);
    assert_int_equal(seg_linkage_rows(l), 5);
    double *z = linkage_matrix(l, 5);
    const double expect[] = {
        0, 1, 1, 2, 2, 3, 1, 2, 5, 6, sqrt(2.0) * 10, 4, 4, 7, sqrt(8.0 / 5.0) * 24.5, 5};
    for (size_t i = 0; i < 16; i++)
        assert_near(z[i], expect[i], 1e-12);
    int32_t lab[5];
    size_t k = 0;
    assert_int_equal(seg_linkage_cut_k(l, 2, lab, 5), SEG_OK);
    /* {0,1,10,11} (4 rows) is segment 0, {30} segment 1. */
    const int32_t e2[] = {0, 0, 0, 0, 1};
    assert_memory_equal(lab, e2, sizeof e2);
    assert_int_equal(seg_linkage_cut_k(l, 3, lab, 5), SEG_OK);
    const int32_t e3[] = {0, 0, 1, 1, 2};
    assert_memory_equal(lab, e3, sizeof e3);
    assert_int_equal(seg_linkage_cut_height(l, 14.0, lab, 5, &k), SEG_OK);
    assert_int_equal(k, 3);
    assert_memory_equal(lab, e3, sizeof e3);
    assert_int_equal(seg_linkage_cut_height(l, 0.5, lab, 5, &k), SEG_OK);
    assert_int_equal(k, 5);
    assert_int_equal(seg_linkage_cut_height(l, 1e9, lab, 5, &k), SEG_OK);
    assert_int_equal(k, 1);
    free(z);
    seg_linkage_free(l);
}

/* Random data: every height and the partitions at several k. */
static void test_against_reference(void **state)
{
    (void)state;
    const size_t sizes[][2] = {{2, 1}, {3, 2}, {17, 3}, {60, 4}, {150, 7}};
    uint64_t seed = 7;
    for (size_t t = 0; t < sizeof sizes / sizeof sizes[0]; t++) {
        size_t n = sizes[t][0], d = sizes[t][1];
        double *x = malloc(n * d * sizeof *x), *h = malloc(n * sizeof *h);
        int32_t *ref = malloc(n * sizeof *ref), *got = malloc(n * sizeof *got);
        for (size_t i = 0; i < n * d; i++)
            x[i] = 100.0 + 3.0 * tu_normal(&seed); /* offset: tests the centring */
        for (size_t k = 1; k <= n && k <= 6; k++) {
            ref_ward(x, NULL, n, d, h, k, ref);
            seg_linkage *l = NULL;
            assert_int_equal(seg_linkage_fit_ward_f64(x, n, d, NULL, &l), SEG_OK);
            double *z = linkage_matrix(l, n);
            for (size_t r = 0; r + 1 < n; r++) {
                /* Merges come out sorted; the reference's are already in
                 * non-decreasing order (Ward is monotone). */
                assert_true(fabs(z[r * 4 + 2] - h[r]) <= 1e-9 * (1 + h[r]));
                if (r)
                    assert_true(z[r * 4 + 2] >= z[(r - 1) * 4 + 2]);
            }
            assert_near(z[(n - 2) * 4 + 3], (double)n, 0);
            assert_int_equal(seg_linkage_cut_k(l, k, got, n), SEG_OK);
            assert_true(same_partition(got, ref, n));
            for (size_t i = 0; i < n; i++)
                assert_true(got[i] >= 0 && (size_t)got[i] < k);
            free(z);
            seg_linkage_free(l);
        }
        free(x);
        free(h);
        free(ref);
        free(got);
    }
}

/*
 * Ties: duplicated rows (merged at height 0 in any order) and a unit square
 * whose corners (0,0) and (1,1) are doubled, with (5,5) and (-4,-4) outside.
 * The reflections in x = y and through (0.5, 0.5) map the data onto itself
 * and every tied choice onto every other, so the multiset of heights and the
 * 3-segment partition do not depend on how ties are broken.
 */
static void test_ties(void **state)
{
    (void)state;
    const double x[] = {0, 0, 1, 0, 0, 1, 1, 1, 0, 0, 1, 1, 5, 5, -4, -4};
    const size_t n = 8, d = 2;
    double h[8], z[7 * 4], hz[7];
    int32_t ref[8], got[8];
    seg_linkage *l = NULL;
    ref_ward(x, NULL, n, d, h, 3, ref);
    assert_int_equal(seg_linkage_fit_ward_f64(x, n, d, NULL, &l), SEG_OK);
    assert_int_equal(seg_linkage_matrix(l, z, sizeof z / sizeof z[0]), SEG_OK);
    for (size_t r = 0; r < 7; r++)
        hz[r] = z[r * 4 + 2];
    qsort(h, 7, sizeof *h, cmp_double);
    for (size_t r = 0; r < 7; r++)
        assert_near(hz[r], h[r], 1e-12);
    assert_near(hz[1], 0.0, 0);
    assert_true(hz[2] > 0);
    assert_int_equal(seg_linkage_cut_k(l, 3, got, n), SEG_OK);
    assert_true(same_partition(got, ref, n));
    const int32_t expect[] = {0, 0, 0, 0, 0, 0, 1, 2};
    assert_memory_equal(got, expect, sizeof expect);
    seg_linkage_free(l);
}

/*
 * Weighted Ward with integer weights equals plain Ward on the rows repeated
 * that many times, once the zero-height merges of the copies are left out.
 */
static void test_weights_as_copies(void **state)
{
    (void)state;
    uint64_t seed = 11;
    const size_t n = 25, d = 3;
    double x[25 * 3], w[25];
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        w[i] = (double)(1 + tu_next(&seed) % 4);
        total += (size_t)w[i];
        for (size_t j = 0; j < d; j++)
            x[i * d + j] = tu_normal(&seed);
    }
    double *rep = malloc(total * d * sizeof *rep);
    size_t r = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < (size_t)w[i]; c++, r++)
            memcpy(rep + r * d, x + i * d, d * sizeof *rep);
    seg_linkage *lw = NULL, *lr = NULL;
    assert_int_equal(seg_linkage_fit_ward_f64(x, n, d, w, &lw), SEG_OK);
    assert_int_equal(seg_linkage_fit_ward_f64(rep, total, d, NULL, &lr), SEG_OK);
    double *zw = linkage_matrix(lw, n), *zr = linkage_matrix(lr, total);
    size_t zeros = total - n;
    for (size_t i = 0; i < zeros; i++)
        assert_near(zr[i * 4 + 2], 0.0, 1e-12);
    for (size_t i = 0; i + 1 < n; i++)
        assert_true(fabs(zw[i * 4 + 2] - zr[(zeros + i) * 4 + 2]) <= 1e-9);
    /* And against the weighted reference directly. */
    double h[25];
    int32_t ref[25], got[25];
    ref_ward(x, w, n, d, h, 4, ref);
    for (size_t i = 0; i + 1 < n; i++)
        assert_true(fabs(zw[i * 4 + 2] - h[i]) <= 1e-9);
    /* The size column counts rows, not weight. */
    assert_near(zw[(n - 2) * 4 + 3], (double)n, 0);
    assert_int_equal(seg_linkage_cut_k(lw, 4, got, n), SEG_OK);
    assert_true(same_partition(got, ref, n));
    free(rep);
    free(zw);
    free(zr);
    seg_linkage_free(lw);
    seg_linkage_free(lr);
}

/* The float entry point gives the double result on float-exact data. */
static void test_f32(void **state)
{
    (void)state;
    const float xf[] = {0, 1, 10, 11, 30};
    const double xd[] = {0, 1, 10, 11, 30};
    seg_linkage *a = NULL, *b = NULL;
    assert_int_equal(seg_linkage_fit_ward_f32(xf, 5, 1, NULL, &a), SEG_OK);
    assert_int_equal(seg_linkage_fit_ward_f64(xd, 5, 1, NULL, &b), SEG_OK);
    double *za = linkage_matrix(a, 5), *zb = linkage_matrix(b, 5);
    assert_memory_equal(za, zb, 16 * sizeof *za);
    free(za);
    free(zb);
    seg_linkage_free(a);
    seg_linkage_free(b);
}

static void test_single_row_and_errors(void **state)
{
    (void)state;
    const double x[] = {1, 2, 3, NAN};
    const double badw[] = {1, 0};
    seg_linkage *l = NULL;
    int32_t lab[2];
    double z[4];
    assert_int_equal(seg_linkage_fit_ward_f64(x, 1, 2, NULL, &l), SEG_OK);
    assert_int_equal(seg_linkage_rows(l), 1);
    assert_int_equal(seg_linkage_matrix(l, z, 0), SEG_OK);
    assert_int_equal(seg_linkage_cut_k(l, 1, lab, 1), SEG_OK);
    assert_int_equal(lab[0], 0);
    assert_int_equal(seg_linkage_cut_k(l, 2, lab, 1), SEG_ERR_INVALID_ARG);
    assert_non_null(strstr(seg_last_error(), "k = 2"));
    assert_int_equal(seg_linkage_cut_k(l, 1, lab, 2), SEG_ERR_MISMATCH);
    assert_int_equal(seg_linkage_matrix(l, z, 4), SEG_ERR_MISMATCH);
    assert_int_equal(seg_linkage_cut_height(l, NAN, lab, 1, NULL), SEG_ERR_INVALID_ARG);
    assert_non_null(strstr(seg_last_error(), "NaN"));
    seg_linkage_free(l);
    seg_linkage_free(NULL);
    assert_int_equal(seg_linkage_rows(NULL), 0);

    assert_int_equal(seg_linkage_fit_ward_f64(x, 2, 2, NULL, &l), SEG_ERR_NONFINITE);
    assert_null(l);
    assert_non_null(strstr(seg_last_error(), "row 1, feature 1"));
    assert_int_equal(seg_linkage_fit_ward_f64(x, 2, 1, badw, &l), SEG_ERR_NONFINITE);
    assert_non_null(strstr(seg_last_error(), "weight of row 1"));
    assert_int_equal(seg_linkage_fit_ward_f64(x, 0, 1, NULL, &l), SEG_ERR_EMPTY);
    assert_int_equal(seg_linkage_fit_ward_f64(x, 1, 0, NULL, &l), SEG_ERR_EMPTY);
    assert_int_equal(seg_linkage_fit_ward_f64(NULL, 1, 1, NULL, &l), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_linkage_fit_ward_f64(x, 1, 1, NULL, NULL), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_linkage_matrix(NULL, z, 0), SEG_ERR_INVALID_ARG);
}

/*
 * seg_ward_f64() and seg_ward_f32(), the deprecated names, give exactly what
 * seg_linkage_fit_ward_f64() and seg_linkage_fit_ward_f32() give: the same
 * merges and heights, weighted or not, and the same status and detail on bad
 * input.
 */
static void test_deprecated_names(void **state)
{
    (void)state;
    uint64_t seed = 29;
    enum { N = 40, D = 3 };
    double x[N * D], w[N];
    float xf[N * D];
    for (size_t i = 0; i < N; i++) {
        w[i] = 0.5 + tu_uniform(&seed);
        for (size_t j = 0; j < D; j++) {
            x[i * D + j] = tu_normal(&seed);
            xf[i * D + j] = (float)tu_normal(&seed);
        }
    }
    for (int weighted = 0; weighted < 2; weighted++) {
        const double *wp = weighted ? w : NULL;
        seg_linkage *a = NULL, *b = NULL, *af = NULL, *bf = NULL;
        assert_int_equal(seg_linkage_fit_ward_f64(x, N, D, wp, &a), SEG_OK);
        assert_int_equal(seg_ward_f64(x, N, D, wp, &b), SEG_OK);
        assert_int_equal(seg_linkage_fit_ward_f32(xf, N, D, wp, &af), SEG_OK);
        assert_int_equal(seg_ward_f32(xf, N, D, wp, &bf), SEG_OK);
        double *za = linkage_matrix(a, N), *zb = linkage_matrix(b, N);
        double *zaf = linkage_matrix(af, N), *zbf = linkage_matrix(bf, N);
        assert_true(za[(N - 2) * 4 + 2] > 0); /* a real tree, not two empty ones */
        assert_memory_equal(za, zb, (N - 1) * 4 * sizeof *za);
        assert_memory_equal(zaf, zbf, (N - 1) * 4 * sizeof *zaf);
        free(za);
        free(zb);
        free(zaf);
        free(zbf);
        seg_linkage_free(a);
        seg_linkage_free(b);
        seg_linkage_free(af);
        seg_linkage_free(bf);
    }
    const double bad[] = {1, NAN};
    seg_linkage *l = NULL;
    char detail[256];
    assert_int_equal(seg_linkage_fit_ward_f64(bad, 2, 1, NULL, &l), SEG_ERR_NONFINITE);
    snprintf(detail, sizeof detail, "%s", seg_last_error());
    assert_int_equal(seg_ward_f64(bad, 2, 1, NULL, &l), SEG_ERR_NONFINITE);
    assert_string_equal(seg_last_error(), detail);
    assert_null(l);
    assert_int_equal(seg_ward_f64(NULL, 1, 1, NULL, &l), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_ward_f32(xf, 0, 1, NULL, &l), SEG_ERR_EMPTY);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_line), cmocka_unit_test(test_against_reference),
        cmocka_unit_test(test_ties),      cmocka_unit_test(test_weights_as_copies),
        cmocka_unit_test(test_f32),       cmocka_unit_test(test_single_row_and_errors),
        cmocka_unit_test(test_deprecated_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
