/*
 * The distance kernel: the AVX-512 register kernel against plain-loop
 * references, against the BLAS path, and its two entry points (fused
 * nearest centroid, centroid-major tile) against each other, over the
 * awkward shapes (rows not a multiple of the panel, features not a multiple
 * of the vector, centroid counts around the chunk size), once with the
 * AVX-512 kernel and once with the AVX2 one. Skipped where the CPU has
 * neither (the BLAS path is then the only one, and every other test covers it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "kernel/distance.h"
#include "testutil.h"

static const size_t rows_list[] = {1, 7, 15, 16, 17, 31, 32, 33, 100, 257};
static const size_t d_list[] = {1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 64, 100, 256};
static const size_t k_list[] = {1, 2, 3, 5, 11, 12, 13, 23, 24, 25, 64, 100};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static void fill(double *v, size_t n, uint64_t *s)
{
    for (size_t i = 0; i < n; i++)
        v[i] = tu_normal(s) * (1.0 + (double)(i % 5));
}

/* Reference -2 x_i.c_j in long double, and the scale |x_i| |c_j| of its error. */
static long double ref_dot(const double *x, const double *c, size_t d, double *scale)
{
    long double s = 0, nx = 0, nc = 0;
    for (size_t j = 0; j < d; j++) {
        s += (long double)x[j] * c[j];
        nx += (long double)x[j] * x[j];
        nc += (long double)c[j] * c[j];
    }
    *scale = sqrt((double)(nx * nc)) + 1e-300;
    return -2 * s;
}

#define CHECK_TILE(T, SFX, eps)                                                                    \
    do {                                                                                           \
        T *xs = malloc(b * d * sizeof *xs), *cs = malloc(k * d * sizeof *cs);                      \
        T *tt = malloc(k * b * sizeof *tt);                                                        \
        for (size_t i = 0; i < b * d; i++)                                                         \
            xs[i] = (T)x[i];                                                                       \
        for (size_t i = 0; i < k * d; i++)                                                         \
            cs[i] = (T)c[i];                                                                       \
        seg_regkernel_tile_##SFX(xs, NULL, b, d, cs, k, tt);                                       \
        for (size_t j = 0; j < k; j++)                                                             \
            for (size_t i = 0; i < b; i++) {                                                       \
                double xd[SEG_RK_DMAX], cd[SEG_RK_DMAX], scale;                                    \
                for (size_t q = 0; q < d; q++) {                                                   \
                    xd[q] = xs[i * d + q];                                                         \
                    cd[q] = cs[j * d + q];                                                         \
                }                                                                                  \
                double want = (double)ref_dot(xd, cd, d, &scale);                                  \
                double err = fabs((double)tt[j * b + i] - want) / scale;                           \
                if (err > (eps) * (double)(d + 2)) {                                               \
                    fprintf(stderr, "b=%zu d=%zu k=%zu i=%zu j=%zu: %.17g vs %.17g (%s)\n", b, d,  \
                            k, i, j, (double)tt[j * b + i], want, #T);                             \
                    fail();                                                                        \
                }                                                                                  \
            }                                                                                      \
        free(xs);                                                                                  \
        free(cs);                                                                                  \
        free(tt);                                                                                  \
    } while (0)

/* Calls check on random rows and centroids of every shape in the lists. */
static void each_shape(uint64_t seed, void (*check)(const double *x, const double *c, size_t b,
                                                    size_t d, size_t k))
{
    uint64_t s = seed;
    for (size_t a = 0; a < N_OF(rows_list); a++)
        for (size_t e = 0; e < N_OF(d_list); e++)
            for (size_t f = 0; f < N_OF(k_list); f++) {
                const size_t b = rows_list[a], d = d_list[e], k = k_list[f];
                double *x = malloc(b * d * sizeof *x), *c = malloc(k * d * sizeof *c);
                fill(x, b * d, &s);
                fill(c, k * d, &s);
                check(x, c, b, d, k);
                free(x);
                free(c);
            }
}

static void tile_case(const double *x, const double *c, size_t b, size_t d, size_t k)
{
    CHECK_TILE(double, f64, 2.3e-16);
    CHECK_TILE(float, f32, 1.2e-7);
}

static void tile_matches_reference(void **state)
{
    (void)state;
    if (!seg_regkernel_ok(1, sizeof(double)))
        skip();
    each_shape(11, tile_case);
}

/*
 * The fused pass equals the tile plus argmin_columns' rule bit for bit
 * (v = tile + |c|^2 in T, first strict minimum, max(v + |x|^2, 0)), and
 * seg_assign_groups_block gives the same labels and distances.
 */
#define CHECK_ASSIGN(T, SFX)                                                                       \
    do {                                                                                           \
        T *xs = malloc(b * d * sizeof *xs), *cs = malloc(k * d * sizeof *cs);                      \
        T *tt = malloc(k * b * sizeof *tt), *xn = malloc(b * sizeof *xn);                          \
        T *cn = malloc(k * sizeof *cn), *mind = malloc(b * sizeof *mind);                          \
        T *mind2 = malloc(b * sizeof *mind2), *gmin = malloc(2 * b * sizeof *gmin);                \
        int32_t *lab = malloc(b * sizeof *lab), *lab2 = malloc(b * sizeof *lab2);                  \
        for (size_t i = 0; i < b * d; i++)                                                         \
            xs[i] = (T)x[i];                                                                       \
        for (size_t i = 0; i < k * d; i++)                                                         \
            cs[i] = (T)c[i];                                                                       \
        seg_row_norms_##SFX(xs, b, d, xn);                                                         \
        seg_row_norms_##SFX(cs, k, d, cn);                                                         \
        seg_regkernel_tile_##SFX(xs, NULL, b, d, cs, k, tt);                                       \
        seg_regkernel_assign_##SFX(xs, NULL, b, d, xn, cs, k, cn, lab, mind);                      \
        for (size_t i = 0; i < b; i++) {                                                           \
            T best = tt[i] + cn[0];                                                                \
            int32_t arg = 0;                                                                       \
            for (size_t j = 1; j < k; j++) {                                                       \
                T v = tt[j * b + i] + cn[j];                                                       \
                if (v < best) {                                                                    \
                    best = v;                                                                      \
                    arg = (int32_t)j;                                                              \
                }                                                                                  \
            }                                                                                      \
            T dist = best + xn[i];                                                                 \
            dist = dist > 0 ? dist : 0;                                                            \
            assert_int_equal(lab[i], arg);                                                         \
            assert_memory_equal(&mind[i], &dist, sizeof dist);                                     \
        }                                                                                          \
        /* the same from the rows' panel-major copy */                                             \
        const size_t pr = seg_regkernel_panel_rows(sizeof(T));                                     \
        T *xp = aligned_alloc(64, ((b + pr - 1) / pr * pr * d * sizeof(T) + 63) / 64 * 64);        \
        seg_regkernel_panels_##SFX(xs, b, d, xp);                                                  \
        seg_regkernel_assign_##SFX(xs, xp, b, d, xn, cs, k, cn, lab2, mind2);                      \
        assert_memory_equal(lab, lab2, b * sizeof *lab);                                           \
        assert_memory_equal(mind, mind2, b * sizeof *mind);                                        \
        free(xp);                                                                                  \
        size_t gstart[3] = {0, k / 2, k};                                                          \
        seg_assign_groups_block_##SFX(xs, NULL, b, d, xn, cs, k, cn, tt, gstart, 2, lab2, mind2,   \
                                      gmin);                                                       \
        assert_memory_equal(lab, lab2, b * sizeof *lab);                                           \
        assert_memory_equal(mind, mind2, b * sizeof *mind);                                        \
        free(xs);                                                                                  \
        free(cs);                                                                                  \
        free(tt);                                                                                  \
        free(xn);                                                                                  \
        free(cn);                                                                                  \
        free(mind);                                                                                \
        free(mind2);                                                                               \
        free(gmin);                                                                                \
        free(lab);                                                                                 \
        free(lab2);                                                                                \
    } while (0)

static void assign_case(const double *x, const double *c, size_t b, size_t d, size_t k)
{
    CHECK_ASSIGN(double, f64);
    CHECK_ASSIGN(float, f32);
}

static void assign_matches_tile(void **state)
{
    (void)state;
    if (!seg_regkernel_ok(1, sizeof(double)))
        skip();
    each_shape(12, assign_case);
}

/*
 * Against the BLAS path (seg_regkernel_force(-1)): the same nearest centroid
 * for every row whose two nearest centroids are not within rounding of each
 * other, and distances equal to rounding.
 */
static void agrees_with_blas(void **state)
{
    (void)state;
    if (!seg_regkernel_ok(1, sizeof(double)))
        skip();
    const size_t n = 3000, d = 33, k = 37;
    uint64_t s = 13;
    double *x = malloc(n * d * sizeof *x), *c = malloc(k * d * sizeof *c);
    double *xn = malloc(n * sizeof *xn), *cn = malloc(k * sizeof *cn);
    double *tile = malloc(n * k * sizeof *tile), *m1 = malloc(n * sizeof *m1),
           *m2 = malloc(n * sizeof *m2);
    int32_t *l1 = malloc(n * sizeof *l1), *l2 = malloc(n * sizeof *l2);
    fill(x, n * d, &s);
    fill(c, k * d, &s);
    seg_row_norms_f64(x, n, d, xn);
    seg_row_norms_f64(c, k, d, cn);
    seg_assign_block_f64(x, n, d, xn, c, k, cn, tile, l1, m1);
    seg_regkernel_force(-1);
    assert_false(seg_regkernel_ok(d, sizeof(double)));
    seg_assign_block_f64(x, n, d, xn, c, k, cn, tile, l2, m2);
    size_t near_ties = 0;
    for (size_t i = 0; i < n; i++) {
        double best = INFINITY, second = INFINITY;
        for (size_t j = 0; j < k; j++) {
            double v = 0;
            for (size_t q = 0; q < d; q++)
                v += (x[i * d + q] - c[j * d + q]) * (x[i * d + q] - c[j * d + q]);
            if (v < best) {
                second = best;
                best = v;
            } else if (v < second) {
                second = v;
            }
        }
        assert_true(fabs(m1[i] - best) <= 1e-12 * (xn[i] + 1000));
        assert_true(fabs(m1[i] - m2[i]) <= 1e-12 * (xn[i] + 1000));
        if (second - best <= 1e-9 * (xn[i] + 1000))
            near_ties++;
        else
            assert_int_equal(l1[i], l2[i]);
    }
    assert_true(near_ties < 3);
    free(x);
    free(c);
    free(xn);
    free(cn);
    free(tile);
    free(m1);
    free(m2);
    free(l1);
    free(l2);
}

/* Equal centroids: the lowest index wins, whichever chunk and lane it falls in. */
static void ties_go_to_lowest_index(void **state)
{
    (void)state;
    if (!seg_regkernel_ok(1, sizeof(float)))
        skip();
    const size_t n = 40, d = 5, k = 30;
    float x[40 * 5], c[30 * 5], xn[40], cn[30], mind[40];
    int32_t lab[40];
    uint64_t s = 14;
    for (size_t i = 0; i < n * d; i++)
        x[i] = (float)tu_normal(&s);
    for (size_t j = 0; j < k; j++)
        for (size_t q = 0; q < d; q++) /* centroids 3, 13 and 27 equal; all others far */
            c[j * d + q] = (j == 3 || j == 13 || j == 27) ? 0.25f : 100.0f + (float)j;
    seg_row_norms_f32(x, n, d, xn);
    seg_row_norms_f32(c, k, d, cn);
    seg_regkernel_assign_f32(x, NULL, n, d, xn, c, k, cn, lab, mind);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(lab[i], 3);
}

static void limits(void **state)
{
    (void)state;
    assert_false(seg_regkernel_ok(0, sizeof(float)));
    assert_false(seg_regkernel_ok(SEG_RK_DMAX + 1, sizeof(float)));
    if (seg_regkernel_ok(1, sizeof(float)))
        assert_true(seg_regkernel_ok(SEG_RK_DMAX, sizeof(double)));
    /* With the register kernel, passes are threaded whatever k x d. */
    seg_blocking p = seg_block_plan(1000, 256, sizeof(double));
    if (seg_regkernel_ok(256, sizeof(double)))
        assert_true(p.threaded);
    assert_true(p.block >= 16 && p.block % 16 == 0);
}

/*
 * Row norms are each row's sum of squares in double over its features in
 * order (the fit's distances add them, so any other order would change the
 * labels' bits): row counts around the interleave of 8, f32 and f64, and
 * values whose products are inexact in double.
 */
static void row_norms_in_order(void **state)
{
    (void)state;
    static const size_t ns[] = {1, 7, 8, 9, 17, 100};
    for (size_t a = 0; a < N_OF(ns); a++)
        for (size_t b = 0; b < N_OF(d_list); b++) {
            const size_t n = ns[a], d = d_list[b];
            double *x = malloc(n * d * sizeof *x), *xn = malloc(n * sizeof *xn);
            float *xf = malloc(n * d * sizeof *xf), *xnf = malloc(n * sizeof *xnf);
            uint64_t s = 31 + n * 7 + d;
            fill(x, n * d, &s);
            for (size_t i = 0; i < n * d; i++) {
                x[i] *= 1 + 1e-9 * (double)(i % 13); /* many significant bits */
                xf[i] = (float)x[i];
            }
            seg_row_norms_f64(x, n, d, xn);
            seg_row_norms_f32(xf, n, d, xnf);
            for (size_t i = 0; i < n; i++) {
                volatile double r = 0, rf = 0; /* one rounding per step, in order */
                for (size_t j = 0; j < d; j++) {
                    volatile double p = x[i * d + j] * x[i * d + j];
                    volatile double pf = (double)xf[i * d + j] * (double)xf[i * d + j];
                    r = r + p;
                    rf = rf + pf;
                }
                assert_memory_equal(&xn[i], (const void *)&r, sizeof r);
                const float want = (float)rf;
                assert_memory_equal(&xnf[i], &want, sizeof want);
            }
            free(x);
            free(xn);
            free(xf);
            free(xnf);
        }
}

/* Each test runs with the AVX-512 kernel, then the AVX2 one, where the CPU has them. */
static int use_avx512(void **state)
{
    (void)state;
    seg_regkernel_force(512);
    return 0;
}

static int use_avx2(void **state)
{
    (void)state;
    seg_regkernel_force(256);
    return 0;
}

static int use_best(void **state)
{
    (void)state;
    seg_regkernel_force(0);
    return 0;
}

int main(void)
{
#define BOTH(f)                                                                                    \
    cmocka_unit_test_setup_teardown(f, use_avx512, use_best),                                      \
        cmocka_unit_test_setup_teardown(f, use_avx2, use_best)
    const struct CMUnitTest tests[] = {
        BOTH(tile_matches_reference),
        BOTH(assign_matches_tile),
        BOTH(agrees_with_blas),
        BOTH(ties_go_to_lowest_index),
        BOTH(limits),
        cmocka_unit_test(row_norms_in_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
