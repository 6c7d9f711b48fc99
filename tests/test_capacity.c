/*
 * Segments sized to capacity: the transportation solver alone on
 * hand-checked instances (every assignment enumerated on paper), ties,
 * infeasible bounds, and the size-constrained fit: a 1-D case whose optimum
 * is known, a brute-force check over every partition of a small set, the
 * bounds in the model and through the model file.
 */
#include <seg.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "core/bytes.h"
#include "testutil.h"

/* Store a little-endian u64 at `at` and fix the trailing CRC: a file whose
 * checksum is right but whose CAPB says something else. */
static void patch_u64(uint8_t *buf, size_t len, size_t at, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        buf[at + (size_t)i] = (uint8_t)(v >> (8 * i));
    uint32_t crc = seg_crc32(buf, len - 4);
    for (int i = 0; i < 4; i++)
        buf[len - 4 + (size_t)i] = (uint8_t)(crc >> (8 * i));
}

#define assert_near(a, b, eps) assert_true(fabs((double)(a) - (double)(b)) <= (eps))

/* All three rows are nearest segment 0, one row per segment: of the six
 * permutations (costs 5, 9, 11, 14, 19, 20), 0-1-2 costs 0 + 2 + 3 = 5. */
static void test_hand_max(void **state)
{
    (void)state;
    const double cost[] = {0, 5, 9, 1, 2, 9, 0, 9, 3};
    const int64_t hi[] = {1, 1, 1};
    int32_t lab[3];
    double total = -1;
    assert_int_equal(seg_capacity_assign_f64(cost, 3, 3, NULL, hi, lab, &total), SEG_OK);
    assert_int_equal(lab[0], 0);
    assert_int_equal(lab[1], 1);
    assert_int_equal(lab[2], 2);
    assert_near(total, 5, 0);
}

/* Every row prefers segment 0, which may keep at most 2: the two rows that
 * lose least by moving (rows 1 and 3: 1 and 2) go to segment 1. */
static void test_hand_min(void **state)
{
    (void)state;
    const double cost[] = {0, 10, 0, 1, 0, 3, 0, 2};
    const int64_t lo[] = {0, 2};
    int32_t lab[4];
    double total = -1;
    assert_int_equal(seg_capacity_assign_f64(cost, 4, 2, lo, NULL, lab, &total), SEG_OK);
    assert_int_equal(lab[0], 0);
    assert_int_equal(lab[1], 1);
    assert_int_equal(lab[2], 0);
    assert_int_equal(lab[3], 1);
    assert_near(total, 3, 0);
}

/* A chain: row 2 can only be cheap in segment 0, which is full of rows
 * that are nearly as good in segment 1, which is full of rows nearly as
 * good in segment 2. Optimum (of the five ways that keep row 2 in 0): row 0
 * to 1 and row 3 to 2, cost 1 + 0 + 0 + 1 = 2; the next best pays 4. */
static void test_hand_chain(void **state)
{
    (void)state;
    /* rows: 0 and 1 (segment 0 best, 1 next), 2 (0 only), 3 (1 best, 2 next) */
    const double cost[] = {0, 1, 50, 0, 3, 50, 0, 100, 100, 50, 0, 1};
    const int64_t hi[] = {2, 1, 1};
    int32_t lab[4];
    double total = -1;
    assert_int_equal(seg_capacity_assign_f64(cost, 4, 3, NULL, hi, lab, &total), SEG_OK);
    assert_int_equal(lab[0], 1); /* the cheaper of rows 0 and 1 to move */
    assert_int_equal(lab[1], 0);
    assert_int_equal(lab[2], 0);
    assert_int_equal(lab[3], 2);
    assert_near(total, 1 + 0 + 0 + 1, 0);
}

/* All costs equal: rows fill the lower segment first, in row order. */
static void test_ties(void **state)
{
    (void)state;
    const double cost[8] = {0};
    const int64_t hi[] = {2, 2};
    int32_t lab[4];
    assert_int_equal(seg_capacity_assign_f64(cost, 4, 2, NULL, hi, lab, NULL), SEG_OK);
    assert_int_equal(lab[0], 0);
    assert_int_equal(lab[1], 0);
    assert_int_equal(lab[2], 1);
    assert_int_equal(lab[3], 1);
}

static void test_infeasible(void **state)
{
    (void)state;
    const double cost[10] = {0};
    const int64_t two[] = {2, 2}, three[] = {3, 3}, lo[] = {3, 0}, hi[] = {2, 5};
    int32_t lab[5];
    assert_int_equal(seg_capacity_assign_f64(cost, 5, 2, NULL, two, lab, NULL),
                     SEG_ERR_INVALID_ARG);
    assert_non_null(strstr(seg_last_error(), "k x max-size < n"));
    assert_int_equal(seg_capacity_assign_f64(cost, 5, 2, three, NULL, lab, NULL),
                     SEG_ERR_INVALID_ARG);
    assert_non_null(strstr(seg_last_error(), "k x min-size > n"));
    assert_int_equal(seg_capacity_assign_f64(cost, 5, 2, lo, hi, lab, NULL), SEG_ERR_INVALID_ARG);
    assert_non_null(strstr(seg_last_error(), "minimum size 3 exceeds its maximum 2"));
    assert_int_equal(seg_capacity_assign_f64(NULL, 5, 2, NULL, NULL, lab, NULL),
                     SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_capacity_assign_f64(cost, 0, 2, NULL, NULL, lab, NULL), SEG_ERR_EMPTY);
    const double nan_cost[2] = {0, NAN};
    assert_int_equal(seg_capacity_assign_f64(nan_cost, 1, 2, NULL, NULL, lab, NULL),
                     SEG_ERR_NONFINITE);
}

/* Sum of squared distances of rows to their segment means. */
static double sse(const double *x, size_t n, size_t d, const int32_t *lab, size_t k)
{
    double total = 0;
    for (size_t j = 0; j < k; j++) {
        double c[8] = {0};
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if ((size_t)lab[i] == j) {
                m++;
                for (size_t f = 0; f < d; f++)
                    c[f] += x[i * d + f];
            }
        for (size_t i = 0; i < n; i++)
            if ((size_t)lab[i] == j)
                for (size_t f = 0; f < d; f++) {
                    double v = x[i * d + f] - c[f] / (double)m;
                    total += v * v;
                }
    }
    return total;
}

/* Five rows near 0, one at 10, at most three a segment: plain k-means would
 * put 10 alone; the only way to meet the bound with the least cost on a line
 * is {0, .1, .2} and {.3, .4, 10} (every 3-3 split checked below). */
static void test_fit_line(void **state)
{
    (void)state;
    const double x[] = {0, 0.1, 0.2, 0.3, 0.4, 10};
    int32_t lab[6];
    int64_t lo[2], hi[2];
    seg_kmeans *km = NULL;
    seg_model *m = NULL;
    assert_int_equal(seg_kmeans_new(&km), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_K, 2), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_MAX_SIZE, 3), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_N_INIT, 3), SEG_OK);
    assert_int_equal(seg_kmeans_fit_f64(km, x, 6, 1, NULL, lab, &m), SEG_OK);
    assert_int_equal(seg_model_segment_size(m, 0), 3);
    assert_int_equal(seg_model_segment_size(m, 1), 3);
    assert_int_equal(lab[0], lab[1]);
    assert_int_equal(lab[1], lab[2]);
    assert_int_equal(lab[3], lab[4]);
    assert_int_equal(lab[4], lab[5]);
    assert_int_not_equal(lab[0], lab[5]);
    /* the least cost of all 20 ways to split six rows 3-3 */
    double best = INFINITY;
    for (unsigned mask = 0; mask < 64; mask++) {
        int32_t t[6];
        unsigned ones = 0;
        for (int i = 0; i < 6; i++)
            ones += (t[i] = (int32_t)((mask >> i) & 1));
        if (ones == 3 && sse(x, 6, 1, t, 2) < best)
            best = sse(x, 6, 1, t, 2);
    }
    assert_near(seg_model_inertia(m), best, 1e-12);
    assert_near(seg_model_inertia(m), sse(x, 6, 1, lab, 2), 1e-12);
    assert_int_equal(seg_model_capacity(m, lo, hi, 2), SEG_OK);
    assert_int_equal(lo[0], 1);
    assert_int_equal(hi[0], 3);
    assert_int_equal(hi[1], 3);
    /* the bounds survive the model file */
    size_t size = 0;
    assert_int_equal(seg_model_save_mem(m, NULL, 0, &size), SEG_OK);
    void *buf = malloc(size);
    assert_non_null(buf);
    assert_int_equal(seg_model_save_mem(m, buf, size, &size), SEG_OK);
    seg_model *again = NULL;
    assert_int_equal(seg_model_load_mem(&again, buf, size), SEG_OK);
    lo[1] = hi[1] = 0;
    assert_int_equal(seg_model_capacity(again, lo, hi, 2), SEG_OK);
    assert_int_equal(lo[1], 1);
    assert_int_equal(hi[1], 3);
    seg_model_free(again);
    /* CAPB pairs outside 1 <= min <= max <= rows are malformed, behind a
     * valid checksum */
    size_t at = 0;
    for (size_t i = 0; i + 4 <= size; i++)
        if (memcmp((uint8_t *)buf + i, "CAPB", 4) == 0)
            at = i + 12; /* tag, u64 length */
    assert_true(at > 0);
    const uint64_t bad[][2] = {{0, 3}, {4, 3}, {1, 7}};
    for (size_t t = 0; t < 3; t++) {
        uint8_t *copy = malloc(size);
        assert_non_null(copy);
        memcpy(copy, buf, size);
        patch_u64(copy, size, at, bad[t][0]);
        patch_u64(copy, size, at + 8, bad[t][1]);
        again = NULL;
        assert_int_equal(seg_model_load_mem(&again, copy, size), SEG_ERR_FORMAT);
        assert_null(again);
        free(copy);
    }
    free(buf);
    /* a batch of new rows under the same bounds: all four are nearest the
     * centroid 0.1, which may take three; moving 0.3 to the centroid 3.57
     * costs least (the loss d(x, 3.57)^2 - d(x, 0.1)^2 falls with x) */
    const double xb[] = {0, 0.1, 0.2, 0.3};
    int32_t lb[4];
    double db[4];
    assert_int_equal(seg_capacity_predict_f64(m, xb, 4, 1, NULL, lb, db), SEG_OK);
    assert_int_equal(lb[0], lab[0]);
    assert_int_equal(lb[1], lab[0]);
    assert_int_equal(lb[2], lab[0]);
    assert_int_equal(lb[3], lab[5]);
    assert_near(db[3], (0.3 + 0.4 + 10) / 3 - 0.3, 1e-12);
    /* a model without bounds says so */
    seg_model *plain = NULL;
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_MAX_SIZE, 0), SEG_OK);
    assert_int_equal(seg_kmeans_fit_f64(km, x, 6, 1, NULL, lab, &plain), SEG_OK);
    assert_int_equal(seg_model_capacity(plain, lo, hi, 2), SEG_ERR_STATE);
    assert_int_equal(seg_capacity_predict_f64(plain, xb, 4, 1, NULL, lb, NULL), SEG_ERR_STATE);
    seg_model_free(plain);
    seg_model_free(m);
    seg_kmeans_free(km);
}

/* Per-segment bounds: k is their count, a mismatch is refused, and an
 * infeasible set fails the fit with the reason. */
static void test_fit_per_segment(void **state)
{
    (void)state;
    const double x[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    const int64_t lo[] = {2, 5}, hi[] = {4, 0};
    int32_t lab[10];
    int64_t v = 0, mlo[2], mhi[2];
    seg_kmeans *km = NULL;
    seg_model *m = NULL;
    assert_int_equal(seg_kmeans_new(&km), SEG_OK);
    assert_int_equal(seg_kmeans_set_capacity(km, lo, hi, 2), SEG_OK);
    assert_int_equal(seg_kmeans_get_int(km, SEG_KMEANS_K, &v), SEG_OK);
    assert_int_equal(v, 2);
    assert_int_equal(seg_kmeans_fit_f64(km, x, 10, 1, NULL, lab, &m), SEG_OK);
    assert_int_equal(seg_model_capacity(m, mlo, mhi, 2), SEG_OK);
    for (size_t j = 0; j < 2; j++) {
        assert_true((int64_t)seg_model_segment_size(m, j) >= mlo[j]);
        assert_true((int64_t)seg_model_segment_size(m, j) <= mhi[j]);
    }
    /* the (2, 4) segment is the smaller one: numbered second */
    assert_int_equal(mlo[1], 2);
    assert_int_equal(mhi[1], 4);
    assert_int_equal(mhi[0], 10); /* no maximum: the rows */
    seg_model_free(m);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_K, 3), SEG_OK);
    assert_int_equal(seg_kmeans_fit_f64(km, x, 10, 1, NULL, lab, &m), SEG_ERR_MISMATCH);
    const int64_t small[] = {3, 3, 3};
    assert_int_equal(seg_kmeans_set_capacity(km, NULL, small, 3), SEG_OK);
    assert_int_equal(seg_kmeans_fit_f64(km, x, 10, 1, NULL, lab, &m), SEG_ERR_INVALID_ARG);
    assert_non_null(strstr(seg_last_error(), "add up to 9, fewer than the 10 rows"));
    assert_null(m);
    assert_int_equal(seg_kmeans_set_capacity(km, hi, lo, 2), SEG_ERR_INVALID_ARG);
    seg_kmeans_free(km);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_max),        cmocka_unit_test(test_hand_min),
        cmocka_unit_test(test_hand_chain),      cmocka_unit_test(test_ties),
        cmocka_unit_test(test_infeasible),      cmocka_unit_test(test_fit_line),
        cmocka_unit_test(test_fit_per_segment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
