/*
 * Order statistics of the profiles (core/select.c, model/profile.c): medians and quantiles
 * by selection must equal what sorting gives, bit for bit, on values with
 * many ties, odd and even counts, sorted, reversed and constant inputs; the
 * profiles built from them must equal a sort-based reference for every
 * segment (empty ones included), with and without weights and missing
 * values; and they must not depend on the number of threads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "data/data.h"
#include "model/profile.h"
#include "core/select.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t next(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static int cmp_d(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void same_bits(double got, double want)
{
    if (memcmp(&got, &want, sizeof got) != 0)
        fail_msg("got %.17g, want %.17g", got, want);
}

/* Fills v[0..n) in one of several shapes. */
static void fill(double *v, size_t n, int shape)
{
    for (size_t i = 0; i < n; i++) {
        switch (shape) {
        case 0: v[i] = (double)(next() % 5); break;                    /* heavy ties */
        case 1: v[i] = (double)(int64_t)(next() % 2001) / 8.0 - 100; break; /* some ties */
        case 2: v[i] = (double)i; break;                                 /* sorted */
        case 3: v[i] = (double)(n - i); break;                           /* reversed */
        case 4: v[i] = 7.25; break;                                      /* constant */
        default: v[i] = (double)(next() >> 11) * 0x1p-53 - 0.5; break;  /* distinct */
        }
    }
}

static void test_selection_equals_sort(void **state)
{
    (void)state;
    const size_t sizes[] = {1, 2, 3, 4, 5, 6, 7, 8, 15, 16, 17, 100, 101, 999, 1000, 4096, 10001};
    const double ps[] = {0, 0.25, 0.5, 0.75, 1, 0.1, 0.99};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        const size_t n = sizes[s];
        double *v = malloc(n * sizeof *v), *sorted = malloc(n * sizeof *v), *w = malloc(n * 8);
        assert_non_null(v);
        assert_non_null(sorted);
        assert_non_null(w);
        for (int shape = 0; shape < 6; shape++) {
            fill(v, n, shape);
            memcpy(sorted, v, n * sizeof *v);
            qsort(sorted, n, sizeof *sorted, cmp_d);
            const double med = n % 2 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
            memcpy(w, v, n * sizeof *v);
            same_bits(seg_select_median(w, n), med);
            for (size_t q = 0; q < sizeof ps / sizeof *ps; q++) {
                const double h = (double)(n - 1) * ps[q];
                const size_t lo = (size_t)h;
                const double frac = h - (double)lo;
                const double want = lo + 1 < n && frac > 0
                                        ? sorted[lo] + frac * (sorted[lo + 1] - sorted[lo])
                                        : sorted[lo];
                memcpy(w, v, n * sizeof *v);
                same_bits(seg_select_quantile(w, n, ps[q]), want);
            }
            /* every rank, on the small sizes: v[r] in place, partitioned around it */
            for (size_t r = 0; n <= 101 && r < n; r++) {
                memcpy(w, v, n * sizeof *v);
                seg_select_rank(w, n, r);
                same_bits(w[r], sorted[r]);
                for (size_t i = 0; i < n; i++)
                    assert_true(i < r ? w[i] <= w[r] : i > r ? w[i] >= w[r] : 1);
            }
        }
        free(v);
        free(sorted);
        free(w);
    }
    double none = 1;
    assert_true(isnan(seg_select_median(&none, 0)));
    assert_true(isnan(seg_select_quantile(&none, 1, 1.5)));
}

static int cmp_f(const void *a, const void *b)
{
    const float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* The sampled selection of large ranges (core/select_tmpl.h, from 4096
 * values): on every shape, at ranks at both ends, around the sample's
 * bracket and in the middle, v[r] is the value sorting gives, v is left
 * partitioned around it and is still a permutation of the input; the same
 * for floats (seg_select_median_f32). */
static void test_selection_large(void **state)
{
    (void)state;
    const size_t sizes[] = {4096, 4097, 5000, 65537, 300001};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        const size_t n = sizes[s];
        double *v = malloc(n * sizeof *v), *sorted = malloc(n * sizeof *v), *w = malloc(n * 8);
        float *f = malloc(n * sizeof *f), *fs = malloc(n * sizeof *f);
        assert_true(v && sorted && w && f && fs);
        for (int shape = 0; shape < 8; shape++) {
            if (shape < 6)
                fill(v, n, shape);
            else if (shape == 6) /* organ pipe */
                for (size_t i = 0; i < n; i++)
                    v[i] = (double)(i < n / 2 ? i : n - i);
            else /* a narrow cluster amid spread values: the bracket misses often */
                for (size_t i = 0; i < n; i++)
                    v[i] = i % 3 ? 1.0 + (double)(next() % 7) * 1e-9 : (double)(next() % 100000);
            memcpy(sorted, v, n * sizeof *v);
            qsort(sorted, n, sizeof *sorted, cmp_d);
            const size_t ranks[] = {0, 1, n / 100, n / 4, (n - 1) / 2, n / 2, n - n / 50, n - 2, n - 1};
            for (size_t q = 0; q < sizeof ranks / sizeof *ranks; q++) {
                const size_t r = ranks[q];
                memcpy(w, v, n * sizeof *v);
                seg_select_rank(w, n, r);
                same_bits(w[r], sorted[r]);
                for (size_t i = 0; i < n; i++)
                    if (i < r ? !(w[i] <= w[r]) : i > r ? !(w[i] >= w[r]) : 0)
                        fail_msg("n %zu shape %d rank %zu: w[%zu] = %g on the wrong side of %g", n,
                                 shape, r, i, w[i], w[r]);
                qsort(w, n, sizeof *w, cmp_d);
                assert_memory_equal(w, sorted, n * sizeof *w);
            }
            for (size_t i = 0; i < n; i++)
                f[i] = (float)v[i];
            memcpy(fs, f, n * sizeof *f);
            qsort(fs, n, sizeof *fs, cmp_f);
            const double fmed = n % 2 ? (double)fs[n / 2]
                                      : 0.5 * ((double)fs[n / 2 - 1] + (double)fs[n / 2]);
            same_bits(seg_select_median_f32(f, n), fmed);
            qsort(f, n, sizeof *f, cmp_f);
            assert_memory_equal(f, fs, n * sizeof *f);
        }
        free(v);
        free(sorted);
        free(w);
        free(f);
        free(fs);
    }
}

/* ---- profiles against a sort-based reference ------------------------------------ */

enum { N = 2001, K = 7 };

typedef struct ref {
    double v, w;
    int32_t seg;
    size_t row;
} ref;

static int cmp_ref(const void *pa, const void *pb)
{
    const ref *a = pa, *b = pb;
    if (a->v != b->v)
        return a->v < b->v ? -1 : 1;
    if (a->seg != b->seg)
        return a->seg < b->seg ? -1 : 1;
    return (a->row > b->row) - (a->row < b->row);
}

/* The profile's median of o[0..m) sorted: the first value whose running
 * weight reaches half the total, averaged with the next when exactly half. */
static double ref_median(const ref *o, size_t m)
{
    double W = 0, cum = 0;
    for (size_t i = 0; i < m; i++)
        W += o[i].w;
    if (m == 0)
        return NAN;
    for (size_t i = 0; i < m; i++) {
        cum += o[i].w;
        if (cum >= 0.5 * W)
            return cum == 0.5 * W && i + 1 < m ? 0.5 * (o[i].v + o[i + 1].v) : o[i].v;
    }
    return o[m - 1].v;
}

/* Column 0 heavy ties, 1 distinct, 2 ties with missing values; labels skip
 * segments 2 and 5 (empty); segment 6 gets one row, so odd and even counts
 * both occur. Weights: tenths, whose sums round, so the order of the sums matters. */
static seg_dataset *make(bool weighted, int32_t *labels)
{
    const size_t d = 3 + weighted;
    double *x = malloc(N * d * sizeof *x);
    const char *names[] = {"ties", "distinct", "missing", "w"};
    assert_non_null(x);
    for (size_t i = 0; i < N; i++) {
        x[i * d] = (double)(next() % 4);
        x[i * d + 1] = (double)(next() >> 11) * 0x1p-53;
        x[i * d + 2] = (double)(next() % 9) / 4;
        if (weighted)
            x[i * d + 3] = (double)(1 + next() % 3) / 10; /* sums that round */
        const int32_t l = (int32_t)(next() % 5);
        labels[i] = i == 17 ? 6 : l == 2 ? 3 : l; /* 0, 1, 3, 4 and one 6 */
    }
    seg_dataset *ds = NULL;
    assert_int_equal(seg_dataset_from_f64(&ds, x, N, d, names), SEG_OK);
    free(x);
    double *dense = ds->dense;
    for (size_t i = 0; i < N; i += 3) /* every third row misses column 2 */
        dense[i * d + 2] = NAN;
    if (weighted)
        assert_int_equal(seg_dataset_set_weight_column(ds, "w"), SEG_OK);
    return ds;
}

static void check_against_reference(bool weighted)
{
    int32_t labels[N];
    seg_dataset *ds = make(weighted, labels);
    const double *w = seg_dataset_weights(ds);
    seg_profile *p = NULL;
    assert_int_equal(seg_profile_compute(ds, labels, K, 0, 1, &p), SEG_OK);
    ref *o = malloc(N * sizeof *o);
    assert_non_null(o);
    for (size_t c = 0; c < 3; c++) {
        const pcol *pc = &p->cols[c];
        for (size_t j = 0; j <= K; j++) {
            size_t m = 0;
            double S = 0, W = 0, miss = 0, T = 0;
            for (size_t i = 0; i < N; i++) {
                if (j < K && labels[i] != (int32_t)j)
                    continue;
                const double v = seg_column_value(&ds->cols[c], i), wi = w ? w[i] : 1;
                T += wi;
                if (isnan(v)) {
                    miss += wi;
                    continue;
                }
                o[m++] = (ref){v, wi, labels[i], i};
                S += wi * v;
                W += wi;
            }
            if (m == 0) {
                assert_true(isnan(pc->mean[j]) && isnan(pc->median[j]) && isnan(pc->sd[j]));
                continue;
            }
            double Q = 0;
            const double mu = S / W;
            for (size_t t = 0; t < m; t++)
                Q += o[t].w * (o[t].v - mu) * (o[t].v - mu);
            qsort(o, m, sizeof *o, cmp_ref);
            same_bits(pc->median[j], ref_median(o, m));
            assert_true(fabs(pc->mean[j] - mu) <= 1e-12 * (1 + fabs(mu)));
            assert_true(fabs(pc->sd[j] - sqrt(Q / W)) <= 1e-12 * (1 + sqrt(Q / W)));
            same_bits(pc->missing[j], miss / T);
        }
    }
    free(o);
    seg_profile_free(p);
    seg_dataset_free(ds);
}

static void test_profile_unweighted(void **state)
{
    (void)state;
    check_against_reference(false);
}

static void test_profile_weighted(void **state)
{
    (void)state;
    check_against_reference(true);
}

/* The numeric statistics of two profiles are the same bits. */
static void same_profile(const seg_profile *a, const seg_profile *b)
{
    assert_int_equal(a->n_cols, b->n_cols);
    for (size_t c = 0; c < a->n_cols; c++) {
        const size_t len = (a->k + 1) * sizeof(double);
        assert_memory_equal(a->cols[c].mean, b->cols[c].mean, len);
        assert_memory_equal(a->cols[c].median, b->cols[c].median, len);
        assert_memory_equal(a->cols[c].sd, b->cols[c].sd, len);
        assert_memory_equal(a->cols[c].missing, b->cols[c].missing, len);
    }
}

/* A larger dataset (many columns, so threads overlap) with weights or not. */
static seg_dataset *wide(bool weighted, size_t n, size_t d, int32_t *labels)
{
    double *x = malloc(n * d * sizeof *x);
    assert_non_null(x);
    for (size_t i = 0; i < n; i++) {
        for (size_t c = 0; c < d; c++)
            x[i * d + c] = c % 2 ? (double)(next() % 50) : (double)(next() >> 11) * 0x1p-40;
        if (weighted)
            x[i * d] = (double)(1 + next() % 7) / 10;
        labels[i] = (int32_t)(next() % K);
    }
    seg_dataset *ds = NULL;
    assert_int_equal(seg_dataset_from_f64(&ds, x, n, d, NULL), SEG_OK);
    free(x);
    if (weighted)
        assert_int_equal(seg_dataset_set_weight_column(ds, "x0"), SEG_OK);
    return ds;
}

static void test_threads_do_not_matter(void **state)
{
    (void)state;
    enum { ROWS = 40000, COLS = 24 };
    int32_t *labels = malloc(ROWS * sizeof *labels);
    assert_non_null(labels);
    for (int weighted = 0; weighted < 2; weighted++) {
        seg_dataset *ds = wide(weighted, ROWS, COLS, labels);
        seg_profile *one = NULL, *many = NULL;
        assert_int_equal(seg_profile_compute(ds, labels, K, 0, 1, &one), SEG_OK);
        for (int t = 2; t <= 4; t++) {
            assert_int_equal(seg_profile_compute(ds, labels, K, 0, t, &many), SEG_OK);
            same_profile(one, many);
            seg_profile_free(many);
        }
        seg_profile_free(one);
        seg_dataset_free(ds);
    }
    free(labels);
}

/* Float columns without weights are read a group at a time (as many as
 * leave every thread a group, up to 4): the profile of a float matrix
 * equals, bit for bit, that of the same values as doubles
 * (read a column at a time), for one thread (groups of 4), two and three
 * (groups of 4 and 3) and as many threads as columns (no groups). */
static void test_float_groups(void **state)
{
    (void)state;
    enum { ROWS = 30011, COLS = 11 };
    float *xf = malloc(ROWS * COLS * sizeof *xf);
    double *xd = malloc(ROWS * COLS * sizeof *xd);
    int32_t *labels = malloc(ROWS * sizeof *labels);
    assert_true(xf && xd && labels);
    for (size_t i = 0; i < ROWS; i++) {
        for (size_t c = 0; c < COLS; c++) {
            const uint64_t r = next();
            xf[i * COLS + c] =
                c % 2 ? (float)(r % 50) : (float)((double)(r >> 40) * 0x1p-20 - 3);
            xd[i * COLS + c] = (double)xf[i * COLS + c];
        }
        labels[i] = (int32_t)(next() % K);
    }
    seg_dataset *df = NULL, *dd = NULL;
    assert_int_equal(seg_dataset_from_f32(&df, xf, ROWS, COLS, NULL), SEG_OK);
    assert_int_equal(seg_dataset_from_f64(&dd, xd, ROWS, COLS, NULL), SEG_OK);
    seg_profile *ref = NULL, *got = NULL;
    assert_int_equal(seg_profile_compute(dd, labels, K, 0, 1, &ref), SEG_OK);
    static const int threads[] = {1, 2, 3, COLS, COLS + 1};
    for (size_t t = 0; t < sizeof threads / sizeof *threads; t++) {
        assert_int_equal(seg_profile_compute(df, labels, K, 0, threads[t], &got), SEG_OK);
        same_profile(ref, got);
        seg_profile_free(got);
    }
    seg_profile_free(ref);
    seg_dataset_free(df);
    seg_dataset_free(dd);
    free(xf);
    free(xd);
    free(labels);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_selection_equals_sort),
        cmocka_unit_test(test_selection_large),
        cmocka_unit_test(test_profile_unweighted),
        cmocka_unit_test(test_profile_weighted),
        cmocka_unit_test(test_threads_do_not_matter),
        cmocka_unit_test(test_float_groups),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
