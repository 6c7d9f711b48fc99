/*
 * Scaler tests: statistics, encodings, name matching and errors, against
 * hand-computed values (and figures from numpy / exact rational arithmetic
 * where noted).
 */
#include "data/data.h"
#include "prepare/scaler.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seg.h"

/* ---- building datasets by hand ---------------------------------------- */

static seg_dataset *ds_new(size_t n, size_t ncols)
{
    seg_dataset *ds = NULL;
    assert_int_equal(seg_dataset_alloc(&ds, n, ncols), SEG_OK);
    return ds;
}

/* Numeric column j from n values; NaN is missing. */
static void put_num(seg_dataset *ds, size_t j, const char *name, const double *v)
{
    seg_column *c = &ds->cols[j];
    c->name = seg_strdup(name);
    c->type = SEG_COLUMN_NUMERIC;
    c->num_owned = seg_malloc_array(ds->n_rows, sizeof(double));
    assert_non_null(c->name);
    assert_non_null(c->num_owned);
    for (size_t i = 0; i < ds->n_rows; i++) {
        c->num_owned[i] = v[i];
        c->n_missing += isnan(v[i]) ? 1 : 0;
    }
    c->num = c->num_owned;
    c->stride = 1;
}

/* Categorical column j from n strings (NULL is missing); levels in order of
 * first appearance, as the readers produce them. */
static void put_cat(seg_dataset *ds, size_t j, const char *name, const char *const *v)
{
    seg_column *c = &ds->cols[j];
    size_t n = ds->n_rows;
    c->name = seg_strdup(name);
    c->type = SEG_COLUMN_CATEGORICAL;
    c->codes = seg_malloc_array(n, sizeof *c->codes);
    c->levels = seg_calloc(n, sizeof *c->levels);
    assert_non_null(c->name);
    assert_non_null(c->codes);
    assert_non_null(c->levels);
    for (size_t i = 0; i < n; i++) {
        if (!v[i]) {
            c->codes[i] = -1;
            c->n_missing++;
            continue;
        }
        size_t l = 0;
        while (l < c->n_levels && strcmp(c->levels[l], v[i]) != 0)
            l++;
        if (l == c->n_levels) {
            c->levels[l] = seg_strdup(v[i]);
            assert_non_null(c->levels[l]);
            c->n_levels++;
        }
        c->codes[i] = (int32_t)l;
    }
}

static seg_dataset *ds_num1(const char *name, const double *v, size_t n)
{
    seg_dataset *ds = ds_new(n, 1);
    put_num(ds, 0, name, v);
    return ds;
}

static seg_dataset *ds_cat1(const char *name, const char *const *v, size_t n)
{
    seg_dataset *ds = ds_new(n, 1);
    put_cat(ds, 0, name, v);
    return ds;
}

static seg_scaler *scaler_with(int64_t method)
{
    seg_scaler *sc = NULL;
    assert_int_equal(seg_scaler_new(&sc), SEG_OK);
    assert_int_equal(seg_scaler_set_int(sc, SEG_SCALER_METHOD, method), SEG_OK);
    return sc;
}

/* Transform to a new n x features double array (caller frees). */
static double *xf(const seg_scaler *sc, const seg_dataset *ds)
{
    size_t len = seg_dataset_rows(ds) * seg_scaler_features(sc);
    double *out = malloc((len ? len : 1) * sizeof *out);
    assert_non_null(out);
    assert_int_equal(seg_scaler_transform_f64(sc, ds, out, len), SEG_OK);
    return out;
}

static void assert_close(double got, double want, double tol)
{
    if (!(fabs(got - want) <= tol * fmax(1.0, fabs(want)))) {
        fail_msg("got %.17g, want %.17g (tol %g)", got, want, tol);
    }
}

static void assert_affine(const seg_scaler *sc, size_t j, double center, double scale, double tol)
{
    double c, s;
    assert_int_equal(seg_scaler_feature_affine(sc, j, &c, &s), SEG_OK);
    assert_close(c, center, tol);
    assert_close(s, scale, tol);
}

/* Check a fitted scaler's feature names against a list. */
static void assert_names(const seg_scaler *sc, const char *const *names, size_t count)
{
    assert_int_equal(seg_scaler_features(sc), count);
    for (size_t j = 0; j < count; j++)
        assert_string_equal(seg_scaler_feature_name(sc, j), names[j]);
    assert_null(seg_scaler_feature_name(sc, count));
}

/* Fit a one-column scaler with the given method and check its outputs. */
static void check_num(int64_t method, const double *x, size_t n, const double *want, double tol)
{
    seg_dataset *ds = ds_num1("x", x, n);
    seg_scaler *sc = scaler_with(method);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_OK);
    assert_int_equal(seg_scaler_features(sc), 1);
    double *out = xf(sc, ds);
    for (size_t i = 0; i < n; i++)
        assert_close(out[i], want[i], tol);
    free(out);
    seg_scaler_free(sc);
    seg_dataset_free(ds);
}

/* ---- numeric columns ---------------------------------------------------- */

static void test_standard_basic(void **state)
{
    (void)state;
    const double x[] = {1, 2, 3, 4, 5}; /* mean 3, population variance 2 */
    const double r = sqrt(2.0);
    const double want[] = {-2 / r, -1 / r, 0, 1 / r, 2 / r};
    check_num(SEG_SCALE_STANDARD, x, 5, want, 1e-15);

    seg_dataset *ds = ds_num1("balance", x, 5);
    seg_scaler *sc = NULL;
    assert_int_equal(seg_scaler_new(&sc), SEG_OK); /* standard is the default */
    assert_int_equal(seg_scaler_is_fitted(sc), 0);
    assert_int_equal(seg_scaler_features(sc), 0);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_OK);
    assert_int_equal(seg_scaler_is_fitted(sc), 1);
    const char *names[] = {"balance"};
    assert_names(sc, names, 1);
    assert_string_equal(seg_scaler_feature_column(sc, 0), "balance");
    assert_affine(sc, 0, 3.0, r, 1e-15);
    seg_scaler_free(sc);
    seg_dataset_free(ds);
}

/* Figures printed by numpy 1.24: x.mean(), x.std(), (x - x.mean()) / x.std(). */
static void test_standard_numpy(void **state)
{
    (void)state;
    const double x[] = {12.5, 3.25, 7.0, 100.0, 55.5, 0.125, -8.75};
    const double want[] = {-0.3225282789104515, -0.5768199813086462, -0.47372875060667535,
                           2.0829337708022004,  0.8595844998054804,  -0.6627293402269552,
                           -0.9067119195549528};
    check_num(SEG_SCALE_STANDARD, x, 7, want, 1e-14);
    seg_dataset *ds = ds_num1("x", x, 7);
    seg_scaler *sc = scaler_with(SEG_SCALE_STANDARD);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_OK);
    assert_affine(sc, 0, 24.232142857142858, 36.375547895445884, 1e-14);
    seg_scaler_free(sc);
    seg_dataset_free(ds);
}

/* Large offset, small spread: naive sum-of-squares loses every digit here.
 * Exact figures from Python fractions.Fraction over the stored doubles:
 * mean 1000000000.25, std 0.11180337221898516 (numpy says ...904872). */
static void test_standard_accuracy(void **state)
{
    (void)state;
    const double x[] = {1e9 + 0.1, 1e9 + 0.2, 1e9 + 0.3, 1e9 + 0.4};
    seg_dataset *ds = ds_num1("x", x, 4);
    seg_scaler *sc = scaler_with(SEG_SCALE_STANDARD);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_OK);
    assert_affine(sc, 0, 1000000000.25, 0.11180337221898516, 1e-15);
    seg_scaler_free(sc);
    seg_dataset_free(ds);
}

static void test_minmax(void **state)
{
    (void)state;
    const double x[] = {2, 4, 10, NAN}; /* missing takes the median 4 */
    const double want[] = {0, 0.25, 1, 0.25};
    check_num(SEG_SCALE_MINMAX, x, 4, want, 0);
    seg_dataset *ds = ds_num1("x", x, 4);
    seg_scaler *sc = scaler_with(SEG_SCALE_MINMAX);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_OK);
    assert_affine(sc, 0, 2.0, 8.0, 0);
    seg_scaler_free(sc);
    seg_dataset_free(ds);
}

static void test_robust(void **state)
{
    (void)state;
    /* Odd count: sorted 1 2 3 4 100; Q1 at position 1 = 2, median 3, Q3 = 4. */
    const double odd[] = {100, 1, 4, 2, 3};
    const double want_odd[] = {48.5, -1, 0.5, -0.5, 0};
    check_num(SEG_SCALE_ROBUST, odd, 5, want_odd, 1e-15);

    /* Even count: sorted 1 2 3 4; Q1 at 0.75 = 1.75, median 2.5, Q3 at 2.25 = 3.25. */
    const double even[] = {4, 1, 3, 2};
    const double want_even[] = {1, -1, 1.0 / 3, -1.0 / 3};
    check_num(SEG_SCALE_ROBUST, even, 4, want_even, 1e-15);

    /* Six values: Q1 at 1.25 = 22.5, median at 2.5 = 35, Q3 at 3.75 = 47.5. */
    const double six[] = {60, 10, 50, 20, 40, 30};
    seg_dataset *ds = ds_num1("x", six, 6);
    seg_scaler *sc = scaler_with(SEG_SCALE_ROBUST);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_OK);
    assert_affine(sc, 0, 35.0, 25.0, 0);
    seg_scaler_free(sc);
    seg_dataset_free(ds);

    /* numpy 1.24: np.quantile(y, [0.25, 0.5, 0.75]) = 1.625, 2.5, 8.9375. */
    const double y[] = {3.0, -1.5, 8.25, 2.0, 2.0, 40.0, 0.5, 11.0};
    ds = ds_num1("y", y, 8);
    sc = scaler_with(SEG_SCALE_ROBUST);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_OK);
    assert_affine(sc, 0, 2.5, 8.9375 - 1.625, 0);
    seg_scaler_free(sc);
    seg_dataset_free(ds);
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* numpy 'linear' quantile on a sorted array, written independently. */
static double ref_quantile(const double *s, size_t m, double q)
{
    double pos = (double)(m - 1) * q;
    size_t k = (size_t)floor(pos);
    double t = pos - (double)k;
    if (k + 1 >= m || t == 0)
        return s[k];
    double d = s[k + 1] - s[k];
    return t >= 0.5 ? s[k + 1] - d * (1 - t) : s[k] + d * t;
}

/* The selection algorithm against a full sort, on shapes that break naive
 * quickselect: sorted, reversed, constant, few distinct values, organ pipe. */
static void test_robust_against_sort(void **state)
{
    (void)state;
    uint64_t rs = 12345;
    const size_t sizes[] = {1, 2, 3, 4, 5, 7, 15, 16, 17, 31, 64, 100, 257, 1000, 100001};
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
        size_t n = sizes[si];
        double *x = malloc(n * sizeof *x), *s = malloc(n * sizeof *s);
        assert_non_null(x);
        assert_non_null(s);
        for (int shape = 0; shape < 6; shape++) {
            for (size_t i = 0; i < n; i++) {
                rs = rs * 6364136223846793005ULL + 1442695040888963407ULL;
                double u = (double)(rs >> 11) / 9007199254740992.0;
                switch (shape) {
                case 0:
                    x[i] = u * 200 - 100;
                    break;
                case 1:
                    x[i] = (double)i;
                    break;
                case 2:
                    x[i] = (double)(n - i);
                    break;
                case 3:
                    x[i] = 7.5;
                    break;
                case 4:
                    x[i] = floor(u * 3);
                    break;
                default:
                    x[i] = (double)(i < n / 2 ? i : n - i);
                    break;
                }
            }
            memcpy(s, x, n * sizeof *s);
            qsort(s, n, sizeof *s, cmp_d);
            double med = ref_quantile(s, n, 0.5);
            double iqr = ref_quantile(s, n, 0.75) - ref_quantile(s, n, 0.25);
            seg_dataset *ds = ds_num1("x", x, n);
            seg_scaler *sc = scaler_with(SEG_SCALE_ROBUST);
            assert_int_equal(seg_scaler_fit(sc, ds), SEG_OK);
            assert_affine(sc, 0, med, iqr == 0 ? 1.0 : iqr, 0);
            seg_scaler_free(sc);
            seg_dataset_free(ds);
        }
        free(x);
        free(s);
    }
}

static void test_imputation(void **state)
{
    (void)state;
    /* Median of 1 3 10 is 3. */
    const double x[] = {1, NAN, 3, 10};
    const double want_none[] = {1, 3, 3, 10};
    check_num(SEG_SCALE_NONE, x, 4, want_none, 0);
    /* Even count: median of 2 4 8 100 is 6. */
    const double y[] = {NAN, 2, 8, 4, 100};
    const double want_y[] = {6, 2, 8, 4, 100};
    check_num(SEG_SCALE_NONE, y, 5, want_y, 0);
    /* Standard, imputed first (the default): statistics of 1 3 3 10, mean
     * 17/4, variance (3.25^2 + 1.25^2 + 1.25^2 + 5.75^2) / 4 = 187/16. */
    const double mu = 17.0 / 4, sd = sqrt(187.0 / 16);
    const double want_std[] = {(1 - mu) / sd, (3 - mu) / sd, (3 - mu) / sd, (10 - mu) / sd};
    check_num(SEG_SCALE_STANDARD, x, 4, want_std, 1e-15);
}

/* Fit x (n values, NaN missing) by method and impute order, in memory and
 * streamed in two chunks, and check center and scale. */
static void check_order(int64_t method, int64_t order, const double *x, size_t n, double center,
                        double scale)
{
    seg_dataset *ds = ds_num1("x", x, n);
    seg_dataset *c1 = ds_num1("x", x, n / 2), *c2 = ds_num1("x", x + n / 2, n - n / 2);
    seg_scaler *sc = scaler_with(method);
    assert_int_equal(seg_scaler_set_int(sc, SEG_SCALER_IMPUTE_ORDER, order), SEG_OK);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_OK);
    assert_affine(sc, 0, center, scale, 1e-15);
    seg_scaler_stream *ss = NULL;
    assert_int_equal(seg_scaler_stream_begin(&ss, sc), SEG_OK);
    assert_int_equal(seg_scaler_stream_add(ss, c1), SEG_OK);
    assert_int_equal(seg_scaler_stream_add(ss, c2), SEG_OK);
    seg_scaler *st = scaler_with(SEG_SCALE_NONE);
    assert_int_equal(seg_scaler_stream_finish(ss, st), SEG_OK);
    assert_affine(st, 0, center, scale, 1e-15);
    seg_scaler_stream_free(ss);
    seg_scaler_free(st);
    seg_scaler_free(sc);
    seg_dataset_free(c2);
    seg_dataset_free(c1);
    seg_dataset_free(ds);
}

/* SEG_SCALER_IMPUTE_ORDER, by hand: x = 1, missing, 3, 10 (median 3), and
 * y = 4, missing, 1, missing, 2, 8 (median of 1 2 4 8: 3). */
static void test_impute_order(void **state)
{
    (void)state;
    const double x[] = {1, NAN, 3, 10};
    const double y[] = {4, NAN, 1, NAN, 2, 8};
    int64_t v = -1;
    seg_scaler *sc = scaler_with(SEG_SCALE_STANDARD);
    assert_int_equal(seg_scaler_get_int(sc, SEG_SCALER_IMPUTE_ORDER, &v), SEG_OK);
    assert_int_equal(v, SEG_IMPUTE_THEN_SCALE);
    assert_int_equal(seg_scaler_set_int(sc, SEG_SCALER_IMPUTE_ORDER, 2), SEG_ERR_INVALID_ARG);
    seg_scaler_free(sc);

    /* Imputed first: 1 3 3 10, mean 17/4, variance 187/16. */
    check_order(SEG_SCALE_STANDARD, SEG_IMPUTE_THEN_SCALE, x, 4, 17.0 / 4, sqrt(187.0 / 16));
    /* Present values only: 1 3 10, mean 14/3, variance 402/27. */
    check_order(SEG_SCALE_STANDARD, SEG_SCALE_THEN_IMPUTE, x, 4, 14.0 / 3, sqrt(402.0 / 27));
    /* y imputed: 1 2 3 3 4 8, mean 21/6, squares 6.25 2.25 0.25 0.25 0.25
     * 20.25 = 29.5, variance 29.5/6; present: 1 2 4 8, mean 15/4, variance
     * (7.5625 + 3.0625 + 0.0625 + 18.0625) / 4 = 28.75/4. */
    check_order(SEG_SCALE_STANDARD, SEG_IMPUTE_THEN_SCALE, y, 6, 3.5, sqrt(29.5 / 6));
    check_order(SEG_SCALE_STANDARD, SEG_SCALE_THEN_IMPUTE, y, 6, 3.75, sqrt(28.75 / 4));
    /* Robust: 1 3 3 10 has Q1 at 0.75 = 2.5 and Q3 at 2.25 = 4.75; 1 3 10
     * has Q1 at 0.5 = 2, Q3 at 1.5 = 6.5. The center is the median 3 both ways. */
    check_order(SEG_SCALE_ROBUST, SEG_IMPUTE_THEN_SCALE, x, 4, 3.0, 2.25);
    check_order(SEG_SCALE_ROBUST, SEG_SCALE_THEN_IMPUTE, x, 4, 3.0, 4.5);
    /* 1 2 3 3 4 8: Q1 at 1.25 = 2.25, Q3 at 3.75 = 3.75; 1 2 4 8: Q1 at
     * 0.75 = 1.75, Q3 at 2.25 = 5. */
    check_order(SEG_SCALE_ROBUST, SEG_IMPUTE_THEN_SCALE, y, 6, 3.0, 1.5);
    check_order(SEG_SCALE_ROBUST, SEG_SCALE_THEN_IMPUTE, y, 6, 3.0, 3.25);
    /* Min-max: the median lies in the range, so the order does not matter. */
    check_order(SEG_SCALE_MINMAX, SEG_IMPUTE_THEN_SCALE, x, 4, 1.0, 9.0);
    check_order(SEG_SCALE_MINMAX, SEG_SCALE_THEN_IMPUTE, x, 4, 1.0, 9.0);
}

/* Signed log1p before the statistics; numpy 1.24 figures for
 * t = sign(l) * log1p(|l|): mean 1.423846205085733, std 3.02798204485678,
 * median 0. */
static void test_log1p(void **state)
{
    (void)state;
    const double l[] = {-3.0, 0.0, 5.0, 1234.5, -0.5, NAN};
    const double t[] = {-1.3862943611198906, 0.0, 1.791759469228055, 7.119231025428665,
                        -0.4054651081081644, 0.0};
    seg_dataset *ds = ds_new(6, 2);
    put_num(ds, 0, "plain", l);
    put_num(ds, 1, "logged", l);
    seg_scaler *sc = scaler_with(SEG_SCALE_NONE);
    /* The figures are those of the present values (test_impute_order covers
     * the default order). */
    assert_int_equal(seg_scaler_set_int(sc, SEG_SCALER_IMPUTE_ORDER, SEG_SCALE_THEN_IMPUTE),
                     SEG_OK);
    assert_int_equal(seg_scaler_set_column_int(sc, "logged", SEG_SCALER_COLUMN_LOG1P, 1), SEG_OK);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_OK);
    double *out = xf(sc, ds);
    for (size_t i = 0; i < 6; i++) {
        assert_close(out[i * 2 + 1], t[i], 1e-15);
        assert_close(out[i * 2], i == 5 ? 0.0 : l[i], 0); /* median of l is 0 */
    }
    free(out);

    /* Per-column method on top of the log, the other column left at none. */
    assert_int_equal(
        seg_scaler_set_column_int(sc, "logged", SEG_SCALER_COLUMN_METHOD, SEG_SCALE_STANDARD),
        SEG_OK);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_OK);
    assert_affine(sc, 0, 0.0, 1.0, 0);
    assert_affine(sc, 1, 1.423846205085733, 3.02798204485678, 1e-14);
    out = xf(sc, ds);
    assert_close(out[1], (t[0] - 1.423846205085733) / 3.02798204485678, 1e-14);
    assert_close(out[11], (0.0 - 1.423846205085733) / 3.02798204485678, 1e-14);
    free(out);
    seg_scaler_free(sc);
    seg_dataset_free(ds);
}

static void test_degenerate_columns(void **state)
{
    (void)state;
    const double c[] = {0.1, 0.1, 0.1};
    const double zeros[] = {0, 0, 0};
    const double miss[] = {NAN, NAN, NAN};
    for (int64_t m = SEG_SCALE_STANDARD; m <= SEG_SCALE_ROBUST; m++) {
        check_num(m, c, 3, zeros, 0); /* exactly 0, never NaN */
        check_num(m, miss, 3, zeros, 0);
        seg_dataset *ds = ds_num1("x", c, 3);
        seg_scaler *sc = scaler_with(m);
        assert_int_equal(seg_scaler_fit(sc, ds), SEG_OK);
        assert_affine(sc, 0, 0.1, 1.0, 0);
        seg_scaler_free(sc);
        seg_dataset_free(ds);
        /* All missing: impute 0, center 0, scale 1. */
        ds = ds_num1("x", miss, 3);
        sc = scaler_with(m);
        assert_int_equal(seg_scaler_fit(sc, ds), SEG_OK);
        assert_affine(sc, 0, 0.0, 1.0, 0);
        seg_scaler_free(sc);
        seg_dataset_free(ds);
    }
}

/* Values stored as float with a row stride, as in a dense block. */
static void test_float_storage(void **state)
{
    (void)state;
    static const float block[] = {1, -1, 2, -1, 3, -1, 4, -1, 5, -1};
    seg_dataset *ds = ds_new(5, 1);
    seg_column *c = &ds->cols[0];
    c->name = seg_strdup("f");
    c->type = SEG_COLUMN_NUMERIC;
    c->num = block;
    c->num_f32 = true;
    c->stride = 2;
    seg_scaler *sc = scaler_with(SEG_SCALE_MINMAX);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_OK);
    double *out = xf(sc, ds);
    for (size_t i = 0; i < 5; i++)
        assert_close(out[i], (double)i / 4, 0);
    free(out);
    seg_scaler_free(sc);
    seg_dataset_free(ds);
}

/* ---- categorical columns ------------------------------------------------ */

/* Fit one categorical column and check names and the n x features output. */
static void check_cat(seg_scaler *sc, const char *const *v, size_t n, const char *const *names,
                      size_t nf, const double *want)
{
    seg_dataset *ds = ds_cat1("c", v, n);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_OK);
    assert_names(sc, names, nf);
    for (size_t j = 0; j < nf; j++) {
        assert_string_equal(seg_scaler_feature_column(sc, j), "c");
        assert_affine(sc, j, 0.0, 1.0, 0);
    }
    double *out = xf(sc, ds);
    for (size_t e = 0; e < n * nf; e++)
        if (out[e] != want[e])
            fail_msg("element %zu (row %zu): got %g want %g", e, e / nf, out[e], want[e]);
    free(out);
    seg_dataset_free(ds);
}

static void test_binary(void **state)
{
    (void)state;
    struct {
        const char *a, *b, *one;
    } cases[] = {
        {"no", "yes", "yes"},      {"Yes", "No", "Yes"},     {"YES", "no", "YES"}, {"T", "f", "T"},
        {"FALSE", "True", "True"}, {"1", "0", "1"},          {"n", "Y", "Y"},      {"b", "a", "b"},
        {"yes", "false", "yes"},   {"No", "maybe", "maybe"}, {"y", "F", "y"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const char *v[] = {cases[k].a, cases[k].b, cases[k].b, cases[k].a};
        char name[64];
        snprintf(name, sizeof name, "c=%s", cases[k].one);
        const char *names[] = {name};
        double w = strcmp(cases[k].one, cases[k].a) == 0 ? 1 : 0;
        const double want[] = {w, 1 - w, 1 - w, w};
        seg_scaler *sc = scaler_with(SEG_SCALE_STANDARD);
        check_cat(sc, v, 4, names, 1, want);
        seg_scaler_free(sc);
    }
}

static void test_onehot(void **state)
{
    (void)state;
    const char *v[] = {"red", "blue", "green", "blue"};
    seg_scaler *sc = scaler_with(SEG_SCALE_STANDARD);
    const char *names[] = {"c=blue", "c=green", "c=red"};
    const double want[] = {0, 0, 1, 1, 0, 0, 0, 1, 0, 1, 0, 0};
    check_cat(sc, v, 4, names, 3, want);

    assert_int_equal(seg_scaler_set_int(sc, SEG_SCALER_DROP_FIRST, 1), SEG_OK);
    const char *names_d[] = {"c=green", "c=red"};
    const double want_d[] = {0, 1, 0, 0, 1, 0, 0, 0};
    check_cat(sc, v, 4, names_d, 2, want_d);
    /* Drop-first never applies to a two-level column. */
    const char *yn[] = {"yes", "no"};
    const char *names_yn[] = {"c=yes"};
    const double want_yn[] = {1, 0};
    check_cat(sc, yn, 2, names_yn, 1, want_yn);
    seg_scaler_free(sc);
}

static void test_missing_level(void **state)
{
    (void)state;
    seg_scaler *sc = scaler_with(SEG_SCALE_STANDARD);
    /* "(missing)" sorts as a string: '(' comes before letters. */
    const char *v[] = {"red", NULL, "blue", "green"};
    const char *names[] = {"c=(missing)", "c=blue", "c=green", "c=red"};
    const double want[] = {0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0};
    check_cat(sc, v, 4, names, 4, want);
    /* One level plus missing makes two: one feature, the real level second. */
    const char *a[] = {"a", NULL, "a"};
    const char *names_a[] = {"c=a"};
    const double want_a[] = {1, 0, 1};
    check_cat(sc, a, 3, names_a, 1, want_a);
    /* A level spelt "(missing)" is the missing level. */
    const char *lit[] = {"(missing)", NULL, "x", "y"};
    const char *names_lit[] = {"c=(missing)", "c=x", "c=y"};
    const double want_lit[] = {1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1};
    check_cat(sc, lit, 4, names_lit, 3, want_lit);
    seg_scaler_free(sc);
}

static void test_missing_mode(void **state)
{
    (void)state;
    seg_scaler *sc = scaler_with(SEG_SCALE_STANDARD);
    assert_int_equal(seg_scaler_set_int(sc, SEG_SCALER_CATEGORICAL_MISSING, SEG_IMPUTE_MODE),
                     SEG_OK);
    const char *v[] = {"b", "a", "b", NULL, "c"};
    const char *names[] = {"c=a", "c=b", "c=c"};
    const double want[] = {0, 1, 0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1};
    check_cat(sc, v, 5, names, 3, want);
    /* Tie between x and y: the first in byte order, x, is the mode. */
    const char *tie[] = {"y", "x", NULL};
    const char *names_tie[] = {"c=y"};
    const double want_tie[] = {1, 0, 0};
    check_cat(sc, tie, 3, names_tie, 1, want_tie);
    const char *ym[] = {"y", "x", "y", NULL};
    const double want_ym[] = {1, 0, 1, 1};
    check_cat(sc, ym, 4, names_tie, 1, want_ym);
    /* One level plus missing stays one level: a single one-hot feature. */
    const char *a[] = {"a", NULL, "a"};
    const char *names_a[] = {"c=a"};
    const double want_a[] = {1, 1, 1};
    check_cat(sc, a, 3, names_a, 1, want_a);
    /* Every value missing: no mode, so missing is a level after all. */
    const char *none[] = {NULL, NULL};
    const char *names_none[] = {"c=(missing)"};
    const double want_none[] = {1, 1};
    check_cat(sc, none, 2, names_none, 1, want_none);
    seg_scaler_free(sc);
}

static void test_unseen_level(void **state)
{
    (void)state;
    const char *train[] = {"red", "blue", "green", "yes"};
    const char *yn[] = {"yes", "no", "no", "yes"};
    seg_dataset *ds = ds_new(4, 2);
    put_cat(ds, 0, "color", train);
    put_cat(ds, 1, "flag", yn);
    seg_scaler *sc = scaler_with(SEG_SCALE_STANDARD);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_OK);
    const char *names[] = {"color=blue", "color=green", "color=red", "color=yes", "flag=yes"};
    assert_names(sc, names, 5);

    /* Unseen levels and missing values (no missing level in training) -> zeros. */
    const char *c2[] = {"purple", "blue", NULL};
    const char *f2[] = {"maybe", NULL, "yes"};
    seg_dataset *nd = ds_new(3, 2);
    put_cat(nd, 0, "color", c2);
    put_cat(nd, 1, "flag", f2);
    double *out = xf(sc, nd);
    const double want[] = {0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    for (size_t e = 0; e < 15; e++)
        assert_true(out[e] == want[e]);
    free(out);
    seg_dataset_free(nd);
    seg_scaler_free(sc);
    seg_dataset_free(ds);
}

/* ---- mixed datasets, name matching -------------------------------------- */

static seg_dataset *bank_train(void)
{
    const double balance[] = {100, 300, 200, 400};
    const char *job[] = {"technician", "admin.", "blue-collar", "admin."};
    const char *def[] = {"no", "yes", "no", "no"};
    seg_dataset *ds = ds_new(4, 3);
    put_num(ds, 0, "balance", balance);
    put_cat(ds, 1, "job", job);
    put_cat(ds, 2, "default", def);
    return ds;
}

static void test_mixed_and_matching(void **state)
{
    (void)state;
    seg_dataset *ds = bank_train();
    seg_scaler *sc = scaler_with(SEG_SCALE_MINMAX);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_OK);
    const char *names[] = {"balance", "job=admin.", "job=blue-collar", "job=technician",
                           "default=yes"};
    assert_names(sc, names, 5);
    const char *cols[] = {"balance", "job", "job", "job", "default"};
    for (size_t j = 0; j < 5; j++)
        assert_string_equal(seg_scaler_feature_column(sc, j), cols[j]);
    assert_null(seg_scaler_feature_column(sc, 5));
    assert_affine(sc, 0, 100, 300, 0);

    double *out = xf(sc, ds);
    const double want[] = {0, 0, 0, 1, 0, 2.0 / 3, 1, 0, 0, 1, 1.0 / 3, 0, 1, 0, 0, 1, 1, 0, 0, 0};
    for (size_t e = 0; e < 20; e++)
        assert_close(out[e], want[e], 1e-15);
    free(out);

    /* Another dataset: columns in another order, an extra one, levels coded
     * in another order, a missing balance (median 250). */
    const double balance[] = {250, NAN, 700};
    const double extra[] = {9, 9, 9};
    const char *job[] = {"blue-collar", "technician", "admin."};
    const char *def[] = {"yes", "no", "yes"};
    seg_dataset *nd = ds_new(3, 4);
    put_cat(nd, 0, "default", def);
    put_num(nd, 1, "extra", extra);
    put_cat(nd, 2, "job", job);
    put_num(nd, 3, "balance", balance);
    out = xf(sc, nd);
    const double want2[] = {0.5, 0, 1, 0, 1, 0.5, 0, 0, 1, 0, 2, 1, 0, 0, 1};
    for (size_t e = 0; e < 15; e++)
        assert_close(out[e], want2[e], 1e-15);
    free(out);
    seg_dataset_free(nd);
    seg_scaler_free(sc);
    seg_dataset_free(ds);
}

static void test_transform_errors(void **state)
{
    (void)state;
    seg_dataset *ds = bank_train();
    seg_scaler *sc = scaler_with(SEG_SCALE_STANDARD);
    double out[64];
    assert_int_equal(seg_scaler_transform_f64(sc, ds, out, 64), SEG_ERR_STATE);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_OK);
    assert_int_equal(seg_scaler_transform_f64(sc, ds, out, 19), SEG_ERR_MISMATCH);
    assert_int_equal(seg_scaler_transform_f64(sc, ds, out, 20), SEG_OK);
    assert_int_equal(seg_scaler_transform_f64(NULL, ds, out, 20), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_scaler_transform_f64(sc, NULL, out, 20), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_scaler_transform_f32(sc, ds, NULL, 20), SEG_ERR_INVALID_ARG);

    /* Column "job" absent. */
    const double b[] = {1, 2};
    const char *d[] = {"no", "yes"};
    seg_dataset *nd = ds_new(2, 2);
    put_num(nd, 0, "balance", b);
    put_cat(nd, 1, "default", d);
    assert_int_equal(seg_scaler_transform_f64(sc, nd, out, 64), SEG_ERR_NOT_FOUND);
    assert_non_null(strstr(seg_last_error(), "'job'"));
    seg_dataset_free(nd);

    /* "balance" categorical now. */
    const char *bt[] = {"1", "2"};
    const char *j[] = {"admin.", "x"};
    nd = ds_new(2, 3);
    put_cat(nd, 0, "balance", bt);
    put_cat(nd, 1, "job", j);
    put_cat(nd, 2, "default", d);
    assert_int_equal(seg_scaler_transform_f64(sc, nd, out, 64), SEG_ERR_TYPE);
    assert_non_null(strstr(seg_last_error(), "balance"));
    seg_dataset_free(nd);

    /* A dataset of no rows transforms to nothing. */
    nd = ds_new(0, 3);
    put_num(nd, 0, "balance", b);
    put_cat(nd, 1, "job", j);
    put_cat(nd, 2, "default", d);
    assert_int_equal(seg_scaler_transform_f64(sc, nd, out, 0), SEG_OK);
    seg_dataset_free(nd);

    double c, s;
    assert_int_equal(seg_scaler_feature_affine(sc, 5, &c, &s), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_scaler_feature_affine(sc, 0, NULL, &s), SEG_ERR_INVALID_ARG);
    seg_scaler_free(sc);
    seg_dataset_free(ds);
}

static void test_fit_errors(void **state)
{
    (void)state;
    seg_scaler *sc = scaler_with(SEG_SCALE_STANDARD);
    const char *three[] = {"a", "b", "c", NULL};
    seg_dataset *ds = ds_cat1("c", three, 3);

    /* Settings and their bounds. */
    int64_t v = 0;
    assert_int_equal(seg_scaler_get_int(sc, SEG_SCALER_MAX_LEVELS, &v), SEG_OK);
    assert_int_equal(v, 1000);
    assert_int_equal(seg_scaler_set_int(sc, SEG_SCALER_MAX_LEVELS, 1), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_scaler_set_int(sc, SEG_SCALER_MAX_LEVELS, 1000001), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_scaler_set_int(sc, SEG_SCALER_METHOD, 4), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_scaler_set_int(sc, SEG_SCALER_DROP_FIRST, 2), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_scaler_set_int(sc, (seg_scaler_param)99, 0), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_scaler_get_int(sc, (seg_scaler_param)99, &v), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_scaler_set_column_int(sc, "x", SEG_SCALER_COLUMN_LOG1P, 2),
                     SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_scaler_set_column_int(sc, NULL, SEG_SCALER_COLUMN_LOG1P, 1),
                     SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_scaler_get_int(sc, SEG_SCALER_METHOD, &v), SEG_OK);
    assert_int_equal(v, SEG_SCALE_STANDARD);

    /* Levels: 3 fit within 3; 4 with the missing level do not; mode keeps 3. */
    assert_int_equal(seg_scaler_set_int(sc, SEG_SCALER_MAX_LEVELS, 3), SEG_OK);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_OK);
    seg_dataset_free(ds);
    ds = ds_cat1("c", three, 4);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_ERR_LIMIT);
    assert_int_equal(seg_scaler_is_fitted(sc), 0); /* a failed fit leaves it unfitted */
    assert_int_equal(seg_scaler_features(sc), 0);
    assert_int_equal(seg_scaler_set_int(sc, SEG_SCALER_CATEGORICAL_MISSING, SEG_IMPUTE_MODE),
                     SEG_OK);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_OK);
    assert_int_equal(seg_scaler_set_int(sc, SEG_SCALER_MAX_LEVELS, 2), SEG_OK);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_ERR_LIMIT);

    /* A per-column setting must name a numeric column. */
    assert_int_equal(seg_scaler_set_int(sc, SEG_SCALER_MAX_LEVELS, 1000), SEG_OK);
    assert_int_equal(seg_scaler_set_column_int(sc, "c", SEG_SCALER_COLUMN_LOG1P, 1), SEG_OK);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_ERR_NOT_FOUND);
    seg_scaler_free(sc);
    sc = scaler_with(SEG_SCALE_STANDARD);
    assert_int_equal(seg_scaler_set_column_int(sc, "nope", SEG_SCALER_COLUMN_METHOD, 2), SEG_OK);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_ERR_NOT_FOUND);
    assert_non_null(strstr(seg_last_error(), "nope"));
    seg_scaler_free(sc);
    seg_dataset_free(ds);

    /* No columns; no features at all; infinite value; duplicate names. */
    sc = scaler_with(SEG_SCALE_STANDARD);
    assert_int_equal(seg_scaler_fit(sc, NULL), SEG_ERR_INVALID_ARG);
    ds = ds_new(3, 0);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_ERR_EMPTY);
    seg_dataset_free(ds);
    const char *one[] = {"a", "a"};
    ds = ds_cat1("c", one, 2);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_OK);
    assert_int_equal(seg_scaler_features(sc), 1);
    assert_int_equal(seg_scaler_set_int(sc, SEG_SCALER_DROP_FIRST, 1), SEG_OK);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_ERR_EMPTY);
    seg_dataset_free(ds);
    const double inf[] = {1, INFINITY};
    ds = ds_num1("x", inf, 2);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_ERR_NONFINITE);
    seg_dataset_free(ds);
    /* Huge values: the std (1.5e308) is representable, the range is not. */
    const double big[] = {-1.5e308, 1.5e308};
    ds = ds_num1("x", big, 2);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_OK);
    assert_affine(sc, 0, 0.0, 1.5e308, 1e-15);
    assert_int_equal(seg_scaler_set_int(sc, SEG_SCALER_METHOD, SEG_SCALE_MINMAX), SEG_OK);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_ERR_NONFINITE);
    seg_dataset_free(ds);
    const double ok[] = {1, 2};
    ds = ds_new(2, 2);
    put_num(ds, 0, "x", ok);
    put_num(ds, 1, "x", ok);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_ERR_LIMIT);
    seg_dataset_free(ds);
    seg_scaler_free(sc);
}

/* ---- precision, clone, refit -------------------------------------------- */

/* Enough rows for several transform blocks. */
static seg_dataset *big_mixed(size_t n)
{
    double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    const char **c = malloc(n * sizeof *c);
    static const char *lv[] = {"north", "south", "east", "west", "x"};
    assert_true(a && b && c);
    for (size_t i = 0; i < n; i++) {
        a[i] = (i % 17 == 3) ? NAN : (double)((i * 7919) % 1000) / 7.0;
        b[i] = (double)(i % 13) - 6.5;
        c[i] = i % 23 == 0 ? NULL : lv[(i * 31) % 5];
    }
    seg_dataset *ds = ds_new(n, 3);
    put_num(ds, 0, "a", a);
    put_cat(ds, 1, "region", c);
    put_num(ds, 2, "b", b);
    free(a);
    free(b);
    free(c);
    return ds;
}

static void test_f32_matches_f64(void **state)
{
    (void)state;
    const size_t n = 20000;
    seg_dataset *ds = big_mixed(n);
    seg_scaler *sc = scaler_with(SEG_SCALE_ROBUST);
    assert_int_equal(seg_scaler_set_column_int(sc, "b", SEG_SCALER_COLUMN_LOG1P, 1), SEG_OK);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_OK);
    size_t nf = seg_scaler_features(sc);
    assert_int_equal(nf, 8); /* a, 6 region levels incl. (missing), b */
    double *o64 = xf(sc, ds);
    float *o32 = malloc(n * nf * sizeof *o32);
    assert_non_null(o32);
    assert_int_equal(seg_scaler_transform_f32(sc, ds, o32, n * nf), SEG_OK);
    for (size_t e = 0; e < n * nf; e++)
        assert_true(o32[e] == (float)o64[e]);
    /* Every row through the documented affine map. */
    double ca, sa, cb, sb;
    assert_int_equal(seg_scaler_feature_affine(sc, 0, &ca, &sa), SEG_OK);
    assert_int_equal(seg_scaler_feature_affine(sc, 7, &cb, &sb), SEG_OK);
    for (size_t i = 0; i < n; i++) {
        double b = ds->cols[2].num_owned[i];
        assert_close(o64[i * nf + 7], (copysign(log1p(fabs(b)), b) - cb) / sb, 1e-15);
        double a = ds->cols[0].num_owned[i];
        if (!isnan(a))
            assert_close(o64[i * nf], (a - ca) / sa, 1e-15);
        double ones = 0;
        for (size_t j = 1; j < 7; j++)
            ones += o64[i * nf + j];
        assert_true(ones == 1.0);
    }
    free(o32);
    free(o64);
    seg_scaler_free(sc);
    seg_dataset_free(ds);
}

/* More features than one transform block holds: one row at a time. */
static void test_wide_onehot(void **state)
{
    (void)state;
    const size_t nl = 20000;
    char **v = seg_malloc_array(nl, sizeof *v);
    assert_non_null(v);
    for (size_t i = 0; i < nl; i++) {
        v[i] = seg_malloc(16);
        assert_non_null(v[i]);
        snprintf(v[i], 16, "L%05zu", nl - 1 - i);
    }
    /* Built directly: every row its own level (put_cat is quadratic). */
    seg_dataset *ds = ds_new(nl, 1);
    seg_column *c = &ds->cols[0];
    c->name = seg_strdup("id");
    c->type = SEG_COLUMN_CATEGORICAL;
    c->codes = seg_malloc_array(nl, sizeof *c->codes);
    c->levels = v;
    c->n_levels = nl;
    assert_true(c->name && c->codes);
    for (size_t i = 0; i < nl; i++)
        c->codes[i] = (int32_t)i;
    seg_scaler *sc = scaler_with(SEG_SCALE_STANDARD);
    assert_int_equal(seg_scaler_set_int(sc, SEG_SCALER_MAX_LEVELS, 20000), SEG_OK);
    /* A different value in every row is an identifier: refused unless allowed. */
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_ERR_PRIVACY);
    assert_non_null(strstr(seg_last_error(), "column 'id' has a different value in each"));
    assert_int_equal(seg_scaler_set_int(sc, SEG_SCALER_ALLOW_IDENTIFIERS, 1), SEG_OK);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_OK);
    assert_int_equal(seg_scaler_features(sc), nl);
    assert_string_equal(seg_scaler_feature_name(sc, 0), "id=L00000");
    assert_string_equal(seg_scaler_feature_name(sc, nl - 1), "id=L19999");
    const char *few[] = {"L12345", "nope", "L00000"};
    seg_dataset *nd = ds_cat1("id", few, 3);
    float *out = malloc(3 * nl * sizeof *out);
    assert_non_null(out);
    assert_int_equal(seg_scaler_transform_f32(sc, nd, out, 3 * nl), SEG_OK);
    for (size_t e = 0; e < 3 * nl; e++)
        assert_true(out[e] == (e == 12345 || e == 2 * nl ? 1.0f : 0.0f));
    free(out);
    seg_dataset_free(nd);
    seg_scaler_free(sc);
    seg_dataset_free(ds); /* frees the levels too */
}

/* SEG_SCALER_THREADS: numeric columns fitted on several threads give the
 * scaler one thread gives, and a column that fails on a worker is reported
 * from the calling thread (the first failing column, as without threads). */
static void test_threads(void **state)
{
    (void)state;
    enum { N = 40000, D = 4 };
    static const char *names[D] = {"a", "b", "c", "d"};
    double *v = malloc(N * sizeof *v), *t1 = malloc(N * D * sizeof *t1),
           *t2 = malloc(N * D * sizeof *t2);
    assert_non_null(v);
    assert_non_null(t1);
    assert_non_null(t2);
    seg_dataset *ds = ds_new(N, D), *bad = ds_new(N, D);
    uint64_t r = 12345;
    for (size_t j = 0; j < D; j++) {
        for (size_t i = 0; i < N; i++) {
            r = r * 6364136223846793005u + 1442695040888963407u;
            v[i] = (double)(r >> 11) / 9007199254740992.0 * (double)(j + 1);
        }
        v[N / 2] = NAN; /* imputed by the median */
        put_num(ds, j, names[j], v);
        if (j >= 2)
            v[123] = INFINITY;
        put_num(bad, j, names[j], v);
    }
    int64_t got = -1;
    seg_scaler *sc = scaler_with(SEG_SCALE_ROBUST);
    assert_int_equal(seg_scaler_get_int(sc, SEG_SCALER_THREADS, &got), SEG_OK);
    assert_int_equal(got, 0);
    assert_int_equal(seg_scaler_set_int(sc, SEG_SCALER_THREADS, -1), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_scaler_set_int(sc, SEG_SCALER_THREADS, 1), SEG_OK);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_OK);
    assert_int_equal(seg_scaler_transform_f64(sc, ds, t1, N * D), SEG_OK);
    assert_int_equal(seg_scaler_set_int(sc, SEG_SCALER_THREADS, 2), SEG_OK);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_OK);
    assert_int_equal(seg_scaler_transform_f64(sc, ds, t2, N * D), SEG_OK);
    assert_memory_equal(t1, t2, N * D * sizeof *t1);
    for (int64_t threads = 2; threads >= 1; threads--) {
        assert_int_equal(seg_scaler_set_int(sc, SEG_SCALER_THREADS, threads), SEG_OK);
        /* another message first: the fit's must replace it */
        assert_int_equal(seg_scaler_set_int(sc, SEG_SCALER_THREADS, -1), SEG_ERR_INVALID_ARG);
        assert_int_equal(seg_scaler_fit(sc, bad), SEG_ERR_NONFINITE);
        assert_int_equal(seg_scaler_is_fitted(sc), 0);
        const char *msg = seg_last_error();
        assert_non_null(strstr(msg, "'c'"));
        assert_non_null(strstr(msg, "row 124"));
    }
    seg_scaler_free(sc);
    seg_dataset_free(ds);
    seg_dataset_free(bad);
    free(v);
    free(t1);
    free(t2);
}

static void test_clone(void **state)
{
    (void)state;
    const size_t n = 3000;
    seg_dataset *ds = big_mixed(n);
    seg_scaler *sc = scaler_with(SEG_SCALE_STANDARD), *cl = NULL;
    assert_int_equal(seg_scaler_set_int(sc, SEG_SCALER_DROP_FIRST, 1), SEG_OK);
    assert_int_equal(seg_scaler_set_column_int(sc, "a", SEG_SCALER_COLUMN_METHOD, 2), SEG_OK);

    /* Unfitted: settings only. */
    assert_int_equal(seg_scaler_clone(sc, &cl), SEG_OK);
    assert_int_equal(seg_scaler_is_fitted(cl), 0);
    int64_t v;
    assert_int_equal(seg_scaler_get_int(cl, SEG_SCALER_DROP_FIRST, &v), SEG_OK);
    assert_int_equal(v, 1);
    assert_int_equal(seg_scaler_fit(cl, ds), SEG_OK); /* the column setting came along */
    assert_affine(cl, 0, 0.0, 999.0 / 7, 1e-15);
    seg_scaler_free(cl);

    assert_int_equal(seg_scaler_fit(sc, ds), SEG_OK);
    assert_int_equal(seg_scaler_clone(sc, &cl), SEG_OK);
    double *want = xf(sc, ds);
    size_t nf = seg_scaler_features(sc);
    const char *names[] = {
        "a", "region=east", "region=north", "region=south", "region=west", "region=x", "b"};
    assert_names(cl, names, 7);
    for (size_t j = 0; j < nf; j++) {
        double c1, s1, c2, s2;
        assert_string_equal(seg_scaler_feature_name(cl, j), seg_scaler_feature_name(sc, j));
        assert_string_equal(seg_scaler_feature_column(cl, j), seg_scaler_feature_column(sc, j));
        assert_int_equal(seg_scaler_feature_affine(sc, j, &c1, &s1), SEG_OK);
        assert_int_equal(seg_scaler_feature_affine(cl, j, &c2, &s2), SEG_OK);
        assert_true(c1 == c2 && s1 == s2);
    }
    seg_scaler_free(sc); /* the clone owns everything it uses */
    double *got = xf(cl, ds);
    assert_memory_equal(got, want, n * nf * sizeof *got);
    free(got);
    free(want);
    assert_int_equal(seg_scaler_clone(NULL, &cl), SEG_ERR_INVALID_ARG);
    seg_scaler_free(cl);
    seg_dataset_free(ds);
}

static void test_refit(void **state)
{
    (void)state;
    seg_dataset *ds = bank_train();
    seg_scaler *sc = scaler_with(SEG_SCALE_STANDARD);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_OK);
    assert_int_equal(seg_scaler_features(sc), 5);
    const double x[] = {1, 2, 3};
    seg_dataset *d2 = ds_num1("x", x, 3);
    assert_int_equal(seg_scaler_fit(sc, d2), SEG_OK);
    const char *names[] = {"x"};
    assert_names(sc, names, 1);
    assert_int_equal(seg_scaler_transform_f64(sc, ds, (double[20]){0}, 20), SEG_ERR_NOT_FOUND);
    assert_int_equal(seg_scaler_fit(sc, NULL), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_scaler_is_fitted(sc), 0);
    seg_dataset_free(d2);
    seg_scaler_free(sc);
    seg_dataset_free(ds);
    seg_scaler_free(NULL);
}

/* ---- through the CSV reader -------------------------------------------- */

/* tests/data/scaler_customers.csv: id set aside; age standard (mean 35,
 * std sqrt(125)); balance robust over 100 -20 300 and the missing one at
 * their median 100 (so -20 100 100 300: Q1 70, Q3 150); an empty region
 * field is missing. */
static void test_csv_end_to_end(void **state)
{
    (void)state;
    seg_dataset *ds = NULL;
    assert_int_equal(seg_dataset_read_csv(&ds, SEG_TEST_DATA "/scaler_customers.csv", NULL),
                     SEG_OK);
    assert_int_equal(seg_dataset_set_id_column(ds, "id"), SEG_OK);
    seg_scaler *sc = scaler_with(SEG_SCALE_STANDARD);
    assert_int_equal(
        seg_scaler_set_column_int(sc, "balance", SEG_SCALER_COLUMN_METHOD, SEG_SCALE_ROBUST),
        SEG_OK);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_OK);
    const char *names[] = {"age",         "job=admin.", "job=services",     "job=technician",
                           "default=Yes", "balance",    "region=(missing)", "region=north",
                           "region=south"};
    assert_names(sc, names, 9);
    assert_affine(sc, 0, 35.0, sqrt(125.0), 1e-15);
    assert_affine(sc, 5, 100.0, 80.0, 0);
    const double r5 = 1 / sqrt(5.0);
    const double want[] = {-r5,     1, 0, 0, 0, 0,     0, 1, 0, /* c1 */
                           r5,      0, 0, 1, 1, 0,     0, 0, 1, /* c2: balance missing */
                           3 * r5,  1, 0, 0, 0, -1.5, 1, 0, 0, /* c3: region missing */
                           -3 * r5, 0, 1, 0, 0, 2.5,  0, 1, 0};
    double *out = xf(sc, ds);
    for (size_t e = 0; e < 36; e++)
        assert_close(out[e], want[e], 1e-15);
    free(out);

    /* New customers: other column order, an extra column, an unseen job. */
    const char *text = "region,balance,default,score,job,age\n"
                       "south,260,no,1.5,pilot,45\n"
                       "north,NA,YES,2.5,services,35\n";
    seg_dataset *nd = NULL;
    assert_int_equal(seg_dataset_read_csv_memory(&nd, text, strlen(text), NULL), SEG_OK);
    out = xf(sc, nd);
    /* "YES" is not the training spelling "Yes": an unseen level, so 0. */
    const double want2[] = {2 * r5, 0, 0, 0, 0, 2, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 1, 0};
    for (size_t e = 0; e < 18; e++)
        assert_close(out[e], want2[e], 1e-15);
    free(out);
    seg_dataset_free(nd);
    seg_scaler_free(sc);
    seg_dataset_free(ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_standard_basic),
        cmocka_unit_test(test_standard_numpy),
        cmocka_unit_test(test_standard_accuracy),
        cmocka_unit_test(test_minmax),
        cmocka_unit_test(test_robust),
        cmocka_unit_test(test_robust_against_sort),
        cmocka_unit_test(test_imputation),
        cmocka_unit_test(test_impute_order),
        cmocka_unit_test(test_log1p),
        cmocka_unit_test(test_degenerate_columns),
        cmocka_unit_test(test_float_storage),
        cmocka_unit_test(test_binary),
        cmocka_unit_test(test_onehot),
        cmocka_unit_test(test_missing_level),
        cmocka_unit_test(test_missing_mode),
        cmocka_unit_test(test_unseen_level),
        cmocka_unit_test(test_mixed_and_matching),
        cmocka_unit_test(test_transform_errors),
        cmocka_unit_test(test_fit_errors),
        cmocka_unit_test(test_f32_matches_f64),
        cmocka_unit_test(test_wide_onehot),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_clone),
        cmocka_unit_test(test_refit),
        cmocka_unit_test(test_csv_end_to_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
