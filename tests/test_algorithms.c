/*
 * The k-means algorithms (SEG_KMEANS_ALGORITHM): every bounded variant gives
 * Lloyd's labels, centroids and inertia from the same start, for any thread
 * count, including near-tie data and empty segments; the init-only API.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "kernel/distance.h"
#include "cluster/kmeans.h"
#include "testutil.h"

typedef struct fit_out {
    int32_t *labels;
    double *c;
    double inertia;
    int64_t iterations;
} fit_out;

static fit_out fit(const double *x, bool f32, size_t n, size_t d, const double *w,
                   const double *c0, size_t k, int64_t algorithm, int64_t threads)
{
    seg_kmeans *km = NULL;
    seg_model *m = NULL;
    fit_out o = {malloc(n * sizeof(int32_t)), malloc(k * d * sizeof(double)), 0, 0};
    assert_int_equal(seg_kmeans_new(&km), SEG_OK);
    assert_int_equal(seg_kmeans_set_init_centroids_f64(km, c0, k, d), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_ALGORITHM, algorithm), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_THREADS, threads), SEG_OK);
    assert_int_equal(seg_kmeans_set_double(km, SEG_KMEANS_TOL, 1e-6), SEG_OK);
    if (f32) {
        float *xf = malloc(n * d * sizeof *xf);
        for (size_t i = 0; i < n * d; i++)
            xf[i] = (float)x[i];
        assert_int_equal(seg_kmeans_fit_f32(km, xf, n, d, w, o.labels, &m), SEG_OK);
        free(xf);
    } else {
        assert_int_equal(seg_kmeans_fit_f64(km, x, n, d, w, o.labels, &m), SEG_OK);
    }
    assert_int_equal(seg_model_centroids_f64(m, o.c, k * d), SEG_OK);
    o.inertia = seg_model_inertia(m);
    o.iterations = seg_model_iterations(m);
    seg_model_free(m);
    seg_kmeans_free(km);
    return o;
}

static void fit_free(fit_out *o)
{
    free(o->labels);
    free(o->c);
}

/* Every algorithm and thread count against Lloyd on one thread. */
static void check_all_agree(const double *x, size_t n, size_t d, const double *w,
                            const double *c0, size_t k)
{
    /* Every algorithm on 1 thread; Lloyd and the bounds on 2 and 4 threads
     * (Hamerly, Elkan and Yinyang share the bounded pass). */
    static const struct {
        int64_t alg, threads;
    } runs[] = {{SEG_ALGORITHM_HAMERLY, 1}, {SEG_ALGORITHM_ELKAN, 1}, {SEG_ALGORITHM_YINYANG, 1},
                {SEG_ALGORITHM_AUTO, 1},    {SEG_ALGORITHM_LLOYD, 2}, {SEG_ALGORITHM_LLOYD, 4},
                {SEG_ALGORITHM_HAMERLY, 2}, {SEG_ALGORITHM_YINYANG, 4}, {SEG_ALGORITHM_ELKAN, 2},
                {SEG_ALGORITHM_YINYANG, 2}};
    for (int f32 = 0; f32 <= 1; f32++) {
        fit_out ref = fit(x, f32, n, d, w, c0, k, SEG_ALGORITHM_LLOYD, 1);
        for (size_t r = 0; r < sizeof runs / sizeof runs[0]; r++) {
            fit_out o = fit(x, f32, n, d, w, c0, k, runs[r].alg, runs[r].threads);
            assert_memory_equal(o.labels, ref.labels, n * sizeof *o.labels);
            assert_memory_equal(o.c, ref.c, k * d * sizeof *o.c);
            assert_true(fabs(o.inertia - ref.inertia) <= 1e-6 * ref.inertia);
            assert_int_equal(o.iterations, ref.iterations);
            fit_free(&o);
        }
        fit_free(&ref);
    }
}

static void first_rows(const double *x, size_t stride, size_t d, size_t k, double *c0)
{
    for (size_t j = 0; j < k; j++)
        memcpy(c0 + j * d, x + j * stride * d, d * sizeof *c0);
}

/* Overlapping Gaussian blobs: most rows settle, boundary rows move. */
static void test_blobs_agree(void **state)
{
    (void)state;
    const size_t n = 4000, d = 6, k = 24;
    double *x = malloc(n * d * sizeof *x), *c0 = malloc(k * d * sizeof *c0);
    uint64_t s = 3;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++)
            x[i * d + j] = 3.0 * (double)((i * 7 + j) % 11) + tu_normal(&s);
    first_rows(x, 101, d, k, c0); /* rows 0, 101, ..., 2323 */
    check_all_agree(x, n, d, NULL, c0, k);
    free(x);
    free(c0);
}

/* Integer lattice points: many rows at exactly equal distances from two
 * centroids, where only the tie rule decides; with weights. */
static void test_ties_and_weights_agree(void **state)
{
    (void)state;
    const size_t n = 3000, d = 2, k = 9;
    double *x = malloc(n * d * sizeof *x), *w = malloc(n * sizeof *w),
           *c0 = malloc(k * d * sizeof *c0);
    uint64_t s = 8;
    for (size_t i = 0; i < n * d; i++)
        x[i] = (double)(tu_next(&s) % 12);
    for (size_t i = 0; i < n; i++)
        w[i] = 0.25 + (double)(tu_next(&s) % 4);
    for (size_t j = 0; j < k; j++) {
        c0[j * d] = 1.5 + 4.0 * (double)(j % 3);
        c0[j * d + 1] = 1.5 + 4.0 * (double)(j / 3);
    }
    check_all_agree(x, n, d, NULL, c0, k);
    check_all_agree(x, n, d, w, c0, k);
    free(x);
    free(w);
    free(c0);
}

/* A starting centroid far from all rows leaves its segment empty; it is
 * re-seeded, and the bounded variants must follow Lloyd through it. */
static void test_empty_segment_agrees(void **state)
{
    (void)state;
    const size_t n = 3000, d = 3, k = 5;
    double *x = malloc(n * d * sizeof *x), c0[15];
    uint64_t s = 21;
    for (size_t i = 0; i < n * d; i++)
        x[i] = tu_normal(&s) + 10.0 * (double)(i / d % 4);
    first_rows(x, 1, d, k, c0);
    for (size_t j = 0; j < d; j++)
        c0[4 * d + j] = 1e4;
    check_all_agree(x, n, d, NULL, c0, k);
    free(x);
}

/*
 * Well-separated blobs in 12 dimensions with k = 40 (Yinyang: 4 groups):
 * after the first passes almost every row is proven by its bounds, so only
 * a few rows per block are gathered and computed, and of those most need
 * only their own group of centroids (the group filter); with weights.
 * Starting centroids are rows of the blobs 0, 0, 1, 1, ... so that two
 * centroids share a blob and the boundary between them keeps moving.
 */
static void test_few_rows_fail_agree(void **state)
{
    (void)state;
    const size_t n = 6000, d = 12, k = 40, blobs = 30;
    double *x = malloc(n * d * sizeof *x), *w = malloc(n * sizeof *w),
           *c0 = malloc(k * d * sizeof *c0), *centre = malloc(blobs * d * sizeof *centre);
    uint64_t s = 5;
    for (size_t i = 0; i < blobs * d; i++)
        centre[i] = 40.0 * tu_uniform(&s);
    for (size_t i = 0; i < n; i++) {
        const size_t b = i % blobs;
        for (size_t j = 0; j < d; j++)
            x[i * d + j] = centre[b * d + j] + tu_normal(&s);
        w[i] = 0.5 + (double)(tu_next(&s) % 3);
    }
    for (size_t j = 0; j < k; j++) /* rows j / 2 + blobs * (j % 2): blobs 0, 0, 1, 1, ... */
        memcpy(c0 + j * d, x + ((j / 2) % blobs + blobs * (j % 2)) * d, d * sizeof *c0);
    check_all_agree(x, n, d, NULL, c0, k);
    check_all_agree(x, n, d, w, c0, k);
    free(x);
    free(w);
    free(c0);
    free(centre);
}

/*
 * k = 23 (Yinyang: 3 groups of 7, 8 and 8 centroids, so k is not a multiple
 * of the group count) in 5 dimensions (not a multiple of a vector), blobs
 * of very different sizes: in late passes a block has a few failing rows,
 * some alone in their panel, most needing only their own group; in early
 * passes a centroid crosses between blobs and most rows need every group.
 */
static void test_uneven_groups_agree(void **state)
{
    (void)state;
    const size_t n = 7000, d = 5, k = 23, blobs = 12;
    double *x = malloc(n * d * sizeof *x), *c0 = malloc(k * d * sizeof *c0),
           *centre = malloc(blobs * d * sizeof *centre);
    uint64_t s = 41;
    for (size_t i = 0; i < blobs * d; i++)
        centre[i] = 30.0 * tu_uniform(&s);
    for (size_t i = 0; i < n; i++) {
        const size_t b = (i * i) % 97 % blobs; /* uneven blob sizes */
        for (size_t j = 0; j < d; j++)
            x[i * d + j] = centre[b * d + j] + (0.3 + (double)(b % 3)) * tu_normal(&s);
    }
    first_rows(x, 3, d, k, c0); /* rows 0, 3, ..., 66: several centroids per blob */
    check_all_agree(x, n, d, NULL, c0, k);
    free(x);
    free(c0);
    free(centre);
}

/* A fit's labels, distances and inertia through seg_kmeans_fit_rows. */
static void fit_dist(const double *x, bool f32, size_t n, size_t d, const double *w,
                     const double *c0, size_t k, int64_t algorithm, int64_t threads,
                     int32_t *labels, double *dist, double *inertia)
{
    seg_kmeans *km = NULL;
    seg_model *m = NULL;
    float *xf = NULL;
    assert_int_equal(seg_kmeans_new(&km), SEG_OK);
    assert_int_equal(seg_kmeans_set_init_centroids_f64(km, c0, k, d), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_ALGORITHM, algorithm), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_THREADS, threads), SEG_OK);
    assert_int_equal(seg_kmeans_set_double(km, SEG_KMEANS_TOL, 0), SEG_OK);
    if (f32) {
        xf = malloc(n * d * sizeof *xf);
        for (size_t i = 0; i < n * d; i++)
            xf[i] = (float)x[i];
    }
    assert_int_equal(seg_kmeans_fit_rows(km, f32 ? (const void *)xf : (const void *)x, f32, n, d,
                                         w, labels, dist, &m),
                     SEG_OK);
    *inertia = seg_model_inertia(m);
    free(xf);
    seg_model_free(m);
    seg_kmeans_free(km);
}

/*
 * The distances and the inertia a bounded fit ends with are Lloyd's bit for
 * bit: its last passes prove most rows without computing their distances,
 * and the fit then computes each row's distance to its own centroid alone
 * (the register kernel's arithmetic), or runs Lloyd's pass through BLAS.
 * Blobs as in test_few_rows_fail_agree, run to convergence (tol 0).
 */
static void test_distances_agree(void **state)
{
    (void)state;
    const size_t n = 6000, d = 12, k = 40, blobs = 30;
    double *x = malloc(n * d * sizeof *x), *w = malloc(n * sizeof *w),
           *c0 = malloc(k * d * sizeof *c0), *centre = malloc(blobs * d * sizeof *centre);
    double *dref = malloc(n * sizeof *dref), *dist = malloc(n * sizeof *dist);
    int32_t *lref = malloc(n * sizeof *lref), *lab = malloc(n * sizeof *lab);
    uint64_t s = 17;
    for (size_t i = 0; i < blobs * d; i++)
        centre[i] = 40.0 * tu_uniform(&s);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < d; j++)
            x[i * d + j] = centre[(i % blobs) * d + j] + tu_normal(&s);
        w[i] = 0.5 + (double)(tu_next(&s) % 3);
    }
    for (size_t j = 0; j < k; j++)
        memcpy(c0 + j * d, x + ((j / 2) % blobs + blobs * (j % 2)) * d, d * sizeof *c0);
    static const int64_t algs[] = {SEG_ALGORITHM_HAMERLY, SEG_ALGORITHM_ELKAN,
                                   SEG_ALGORITHM_YINYANG};
    for (int f32 = 0; f32 <= 1; f32++)
        for (int wt = 0; wt <= 1; wt++) {
            double iref, in;
            fit_dist(x, f32, n, d, wt ? w : NULL, c0, k, SEG_ALGORITHM_LLOYD, 1, lref, dref,
                     &iref);
            for (size_t a = 0; a < sizeof algs / sizeof algs[0]; a++)
                for (int64_t t = 1; t <= 2; t++) {
                    fit_dist(x, f32, n, d, wt ? w : NULL, c0, k, algs[a], t, lab, dist, &in);
                    assert_memory_equal(lab, lref, n * sizeof *lab);
                    assert_memory_equal(dist, dref, n * sizeof *dist);
                    assert_true(in == iref);
                }
        }
    free(x);
    free(w);
    free(c0);
    free(centre);
    free(dref);
    free(dist);
    free(lref);
    free(lab);
}

/* Many centroids in few dimensions (Hamerly's best case) and k = 1. */
static void test_many_and_one_centroid(void **state)
{
    (void)state;
    const size_t n = 4000, d = 2, k = 64;
    double *x = malloc(n * d * sizeof *x), *c0 = malloc(k * d * sizeof *c0);
    uint64_t s = 99;
    for (size_t i = 0; i < n * d; i++)
        x[i] = tu_uniform(&s) * 100;
    first_rows(x, 61, d, k, c0); /* rows 0, 61, ..., 3843 */
    check_all_agree(x, n, d, NULL, c0, k);
    check_all_agree(x, n, d, NULL, c0, 1);
    free(x);
    free(c0);
}

static void test_algorithm_setting(void **state)
{
    (void)state;
    seg_kmeans *km = NULL;
    int64_t v = -1;
    assert_int_equal(seg_kmeans_new(&km), SEG_OK);
    assert_int_equal(seg_kmeans_get_int(km, SEG_KMEANS_ALGORITHM, &v), SEG_OK);
    assert_int_equal(v, SEG_ALGORITHM_AUTO);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_ALGORITHM, SEG_ALGORITHM_ELKAN), SEG_OK);
    assert_int_equal(seg_kmeans_get_int(km, SEG_KMEANS_ALGORITHM, &v), SEG_OK);
    assert_int_equal(v, SEG_ALGORITHM_ELKAN);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_ALGORITHM, 5), SEG_ERR_INVALID_ARG);
    assert_non_null(strstr(seg_last_error(), "outside"));
    assert_int_equal(seg_kmeans_get_int(km, SEG_KMEANS_ALGORITHM, &v), SEG_OK);
    assert_int_equal(v, SEG_ALGORITHM_ELKAN);
    seg_kmeans_free(km);
    /* AUTO resolves to a concrete algorithm; the others are kept. */
    assert_int_equal(seg_kmeans_algorithm_for(SEG_ALGORITHM_LLOYD, 100, 2, 64),
                     SEG_ALGORITHM_LLOYD);
    assert_true(seg_kmeans_algorithm_for(SEG_ALGORITHM_AUTO, 100, 2, 64) != SEG_ALGORITHM_AUTO);
}

/* SEG_MACHINE's syntax: two positive finite numbers, or "reference". */
static void test_machine_parse(void **state)
{
    (void)state;
    seg_machine m = {7, 9, -1};
    assert_true(seg_machine_parse("0.02,0.5", &m));
    assert_true(m.madd_ns == 0.02 && m.stream_ns == 0.5 && m.source == SEG_MACHINE_ENV);
    assert_true(seg_machine_parse("reference", &m));
    seg_machine ref = seg_machine_reference();
    assert_true(m.madd_ns == ref.madd_ns && m.stream_ns == ref.stream_ns &&
                m.source == SEG_MACHINE_REFERENCE);
    static const char *const bad[] = {"", "abc", "0.02", "0.02,", ",0.5", "-1,2", "0,1",
                                      "1,2,3", "nan,1", "1,inf", "1;2", "1,2x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        m = (seg_machine){7, 9, -1};
        assert_false(seg_machine_parse(bad[i], &m));
        assert_true(m.madd_ns == 7 && m.stream_ns == 9 && m.source == -1); /* unchanged */
    }
    assert_false(seg_machine_parse(NULL, &m));
    /* The process's machine is measured or given, and usable by the rule. */
    m = seg_machine_get();
    assert_true(m.madd_ns > 0 && m.stream_ns > 0);
}

/* SEG_MACHINE, when set, is the machine the process uses (meson runs this
 * binary a second time with it: algorithms_machine_env). */
static void test_machine_env(void **state)
{
    (void)state;
    seg_machine want;
    if (!seg_machine_parse(getenv("SEG_MACHINE"), &want))
        skip();
    const seg_machine m = seg_machine_get();
    assert_true(m.madd_ns == want.madd_ns && m.stream_ns == want.stream_ns &&
                m.source == want.source);
    /* ... and the one AUTO's fits decide on (test_all_agree's shape). */
    for (size_t k = 2; k <= 256; k *= 2)
        assert_int_equal(seg_kmeans_algorithm_for(SEG_ALGORITHM_AUTO, 4000, 6, k),
                         seg_kmeans_auto_rule(&want, seg_regkernel_ok(6, sizeof(float)), 4000,
                                              6, k));
}

/*
 * AUTO's decisions follow the machine's measured properties, not one CPU's
 * thresholds: synthetic machines, not this one's timings.
 */
static void test_auto_rule(void **state)
{
    (void)state;
    const seg_machine ref = seg_machine_reference();
    /* Two 512-bit FMA units: multiply-adds at half the cost, same memory. */
    const seg_machine two_fma = {ref.madd_ns / 2, ref.stream_ns, SEG_MACHINE_ENV};
    /* AVX2 only, one 256-bit FMA a cycle: twice the cost. */
    const seg_machine avx2 = {ref.madd_ns * 2, ref.stream_ns, SEG_MACHINE_ENV};
    /* Slower memory by as much as slower FMAs: the same choices. */
    const seg_machine slow_all = {ref.madd_ns * 3, ref.stream_ns * 3, SEG_MACHINE_ENV};
    static const size_t ds[] = {2, 3, 8, 16, 32, 64, 128, 256};
    for (size_t i = 0; i < sizeof ds / sizeof ds[0]; i++) {
        const size_t d = ds[i];
        const double kr = seg_kmeans_auto_break_even(&ref, d);
        assert_true(kr > 1);
        /* The break-even k scales with madd / stream, inversely. */
        assert_true(fabs(seg_kmeans_auto_break_even(&two_fma, d) / kr - 2) < 1e-9);
        assert_true(fabs(seg_kmeans_auto_break_even(&avx2, d) / kr - 0.5) < 1e-9);
        assert_true(fabs(seg_kmeans_auto_break_even(&slow_all, d) / kr - 1) < 1e-9);
        /* More features never make the bounds pay later. */
        if (i > 0)
            assert_true(kr <= seg_kmeans_auto_break_even(&ref, ds[i - 1]) * (1 + 1e-12));
        /* Monotone in k: Lloyd below the break-even, bounds from it:
         * Hamerly's one bound in few dimensions, Yinyang's groups above. */
        const seg_algorithm bounded = d < 16 ? SEG_ALGORITHM_HAMERLY : SEG_ALGORITHM_YINYANG;
        for (size_t k = 1; k <= 4096; k *= 2) {
            const seg_algorithm a = seg_kmeans_auto_rule(&ref, true, 100000, d, k);
            assert_int_equal(a, (double)k >= kr ? bounded : SEG_ALGORITHM_LLOYD);
            /* A machine whose FMAs are dearer switches no later. */
            if (a != SEG_ALGORITHM_LLOYD)
                assert_int_equal(seg_kmeans_auto_rule(&avx2, true, 100000, d, k), a);
            else
                assert_int_equal(seg_kmeans_auto_rule(&two_fma, true, 100000, d, k),
                                 SEG_ALGORITHM_LLOYD);
        }
    }
    /* In two dimensions the bounds pay from a few dozen centroids (the W5
     * grid), Hamerly's; in 32, Yinyang's from about a dozen. */
    assert_int_equal(seg_kmeans_auto_rule(&ref, true, 100000, 2, 8), SEG_ALGORITHM_LLOYD);
    assert_int_equal(seg_kmeans_auto_rule(&ref, true, 100000, 2, 256), SEG_ALGORITHM_HAMERLY);
    assert_int_equal(seg_kmeans_auto_rule(&ref, true, 100000, 32, 4), SEG_ALGORITHM_LLOYD);
    assert_int_equal(seg_kmeans_auto_rule(&ref, true, 100000, 32, 64), SEG_ALGORITHM_YINYANG);
    /* A machine at the break-even of a cell: it switches at its break-even
     * k (equal to the reference's within rounding, checked above; taken
     * from this machine so that a table value on an integer cannot round
     * to either side). */
    const size_t kb = (size_t)ceil(seg_kmeans_auto_break_even(&slow_all, 32));
    assert_int_equal(seg_kmeans_auto_rule(&slow_all, true, 100000, 32, kb), SEG_ALGORITHM_YINYANG);
    assert_int_equal(seg_kmeans_auto_rule(&slow_all, true, 100000, 32, kb - 1),
                     SEG_ALGORITHM_LLOYD);
    /* Through BLAS the machine does not enter (not calibrated). */
    for (size_t k = 1; k <= 512; k *= 2)
        assert_int_equal(seg_kmeans_auto_rule(&two_fma, false, 1000, 300, k),
                         seg_kmeans_auto_rule(&avx2, false, 1000, 300, k));
}

/* Initialisation alone: given centroids come back as given; k-means++ with
 * k = n picks every (distinct) row once. */
static void test_init_only(void **state)
{
    (void)state;
    const double x[] = {0, 0, 5, 1, 9, 9, -3, 4, 7, -2};
    const double given[] = {1, 2, 3, 4};
    double out[10], again[10];
    seg_kmeans *km = NULL;
    assert_int_equal(seg_kmeans_new(&km), SEG_OK);
    assert_int_equal(seg_kmeans_set_init_centroids_f64(km, given, 2, 2), SEG_OK);
    assert_int_equal(seg_kmeans_init_f64(km, x, 5, 2, NULL, out, 4), SEG_OK);
    assert_memory_equal(out, given, sizeof given);
    assert_int_equal(seg_kmeans_init_f64(km, x, 5, 2, NULL, out, 3), SEG_ERR_INVALID_ARG);
    assert_non_null(strstr(seg_last_error(), "needed"));
    assert_int_equal(seg_kmeans_init_f64(km, x, 5, 2, NULL, NULL, 4), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_INIT, SEG_INIT_KMEANSPP), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_K, 5), SEG_OK);
    assert_int_equal(seg_kmeans_init_f64(km, x, 5, 2, NULL, out, 10), SEG_OK);
    for (size_t r = 0; r < 5; r++) {
        int found = 0;
        for (size_t j = 0; j < 5; j++)
            found += out[j * 2] == x[r * 2] && out[j * 2 + 1] == x[r * 2 + 1];
        assert_int_equal(found, 1);
    }
    float xf[10];
    for (size_t i = 0; i < 10; i++)
        xf[i] = (float)x[i];
    assert_int_equal(seg_kmeans_init_f32(km, xf, 5, 2, NULL, again, 10), SEG_OK);
    assert_memory_equal(again, out, sizeof out);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_K, 6), SEG_OK);
    assert_int_equal(seg_kmeans_init_f64(km, x, 5, 2, NULL, out, 12), SEG_ERR_TOO_FEW_POINTS);
    seg_kmeans_free(km);
}

/* The agreement tests run once per distance kernel the CPU can run: its
 * best (AVX-512 or AVX2 register kernel), AVX2 forced, and BLAS alone. */
static int kernel_avx2(void **state)
{
    (void)state;
    seg_regkernel_force(256);
    return 0;
}

static int kernel_blas(void **state)
{
    (void)state;
    seg_regkernel_force(-1);
    return 0;
}

static int kernel_best(void **state)
{
    (void)state;
    seg_regkernel_force(0);
    return 0;
}

#define EACH_KERNEL(f)                                                                             \
    cmocka_unit_test(f), cmocka_unit_test_setup_teardown(f, kernel_avx2, kernel_best),             \
        cmocka_unit_test_setup_teardown(f, kernel_blas, kernel_best)

int main(void)
{
    const struct CMUnitTest tests[] = {
        EACH_KERNEL(test_blobs_agree),
        EACH_KERNEL(test_ties_and_weights_agree),
        EACH_KERNEL(test_few_rows_fail_agree),
        EACH_KERNEL(test_uneven_groups_agree),
        EACH_KERNEL(test_distances_agree),
        EACH_KERNEL(test_empty_segment_agrees),
        EACH_KERNEL(test_many_and_one_centroid),
        cmocka_unit_test(test_algorithm_setting),
        cmocka_unit_test(test_machine_parse),
        cmocka_unit_test(test_machine_env),
        cmocka_unit_test(test_auto_rule),
        cmocka_unit_test(test_init_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
