/*
 * The streaming quantile sketch (qsketch.c): its rank-error bound on
 * adversarial orders (random, sorted, reversed, few values, all equal,
 * zig-zag), checked against exact ranks, and exact answers in its exact range.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

#include "prepare/qsketch.h"
#include "testutil.h"

/* ---- the sketch --------------------------------------------------------------- */

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Count of sorted[0..n) below v, and at or below v. */
static void ranks_of(const double *sorted, size_t n, double v, size_t *lt, size_t *le)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sorted[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    *lt = lo;
    hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sorted[mid] <= v)
            lo = mid + 1;
        else
            hi = mid;
    }
    *le = lo;
}

enum {
    ORDER_RANDOM,
    ORDER_SORTED,
    ORDER_REVERSED,
    ORDER_FEW_VALUES,
    ORDER_ALL_EQUAL,
    ORDER_ZIGZAG,
    N_ORDERS
};

static void make_order(double *v, size_t n, int order)
{
    uint64_t s = 99 + (uint64_t)order;
    for (size_t i = 0; i < n; i++) {
        switch (order) {
        case ORDER_RANDOM:
            v[i] = tu_normal(&s);
            break;
        case ORDER_SORTED:
            v[i] = (double)i * 0.5;
            break;
        case ORDER_REVERSED:
            v[i] = (double)(n - i);
            break;
        case ORDER_FEW_VALUES:
            v[i] = (double)(tu_next(&s) % 7);
            break;
        case ORDER_ALL_EQUAL:
            v[i] = 3.25;
            break;
        default: /* outside-in: small, large, small, large ... */
            v[i] = i % 2 ? (double)(n - i) : (double)i;
        }
    }
}

/* Every rank answer sits within eps n of its target, on every order. */
static void test_sketch_rank_bound(void **state)
{
    (void)state;
    const size_t n = 200000;
    const double eps = 1e-3;
    double *v = malloc(n * sizeof *v), *sorted = malloc(n * sizeof *sorted);
    assert_non_null(v);
    assert_non_null(sorted);
    for (int order = 0; order < N_ORDERS; order++) {
        seg_qsketch q;
        make_order(v, n, order);
        memcpy(sorted, v, n * sizeof *v);
        qsort(sorted, n, sizeof *sorted, cmp_d);
        assert_int_equal(seg_qsketch_init(&q, eps, 4096), SEG_OK);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(seg_qsketch_add(&q, v[i]), SEG_OK);
        assert_int_equal(seg_qsketch_flush(&q), SEG_OK);
        double worst = 0;
        for (uint64_t r = 1; r <= n; r += 97) {
            size_t lt, le;
            double got = seg_qsketch_rank_value(&q, r);
            ranks_of(sorted, n, got, &lt, &le);
            /* got occupies ranks lt + 1 .. le; the nearest to r: */
            double err = (double)r < (double)lt + 1 ? (double)lt + 1 - (double)r
                         : (double)r > (double)le   ? (double)r - (double)le
                                                    : 0.0;
            if (err > worst)
                worst = err;
            assert_true(err <= eps * (double)n);
        }
        /* The summary stays small: O(1 / eps) tuples on these orders (the
         * memory budget of seg segment --memory assumes at most 512 KiB). */
        print_message("order %d: %zu tuples, worst rank error %.0f (bound %.0f)\n", order, q.nt,
                      worst, eps * (double)n);
        assert_true(seg_qsketch_bytes(&q) <= 512 * 1024);
        seg_qsketch_free(&q);
    }
    free(v);
    free(sorted);
}

/* numpy's 'linear' quantile of sorted[0..n). */
static double ref_quantile(const double *sorted, size_t n, double q)
{
    double pos = (double)(n - 1) * q;
    size_t k = (size_t)pos;
    double t = pos - (double)k;
    if (t == 0.0 || k + 1 >= n)
        return sorted[k];
    double a = sorted[k], b = sorted[k + 1], d = b - a;
    return t >= 0.5 ? b - d * (1.0 - t) : a + d * t;
}

/* Up to the exact range the sketch answers exactly. */
static void test_sketch_exact_when_small(void **state)
{
    (void)state;
    const size_t n = 4000;
    double *v = malloc(n * sizeof *v), *sorted = malloc(n * sizeof *sorted);
    seg_qsketch q;
    assert_non_null(v);
    assert_non_null(sorted);
    for (int order = 0; order < N_ORDERS; order++) {
        make_order(v, n, order);
        memcpy(sorted, v, n * sizeof *v);
        qsort(sorted, n, sizeof *sorted, cmp_d);
        assert_int_equal(seg_qsketch_init(&q, 1e-3, 4096), SEG_OK);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(seg_qsketch_add(&q, v[i]), SEG_OK);
        assert_int_equal(seg_qsketch_flush(&q), SEG_OK);
        const double qs[] = {0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0};
        for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++)
            assert_true(seg_qsketch_quantile(&q, qs[i]) == ref_quantile(sorted, n, qs[i]));
        seg_qsketch_free(&q);
    }
    free(v);
    free(sorted);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sketch_rank_bound),
        cmocka_unit_test(test_sketch_exact_when_small),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
