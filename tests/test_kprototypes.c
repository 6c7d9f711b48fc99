/*
 * K-prototypes (issue 19): cost and modes computed by hand on small tables,
 * the gamma rule against its definition, planted mixed clusters recovered,
 * identical results on 1, 2 and 4 threads, the model file round trip with
 * predict giving the fit's labels, and the errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

#include "testutil.h"

/* A dataset from CSV text and a scaler fitted on it (numeric columns with
 * method, one-hot categorical columns). */
static void load(const char *csv, seg_scale_method method, seg_dataset **ds, seg_scaler **sc)
{
    assert_int_equal(seg_dataset_read_csv_memory(ds, csv, strlen(csv), NULL), SEG_OK);
    assert_int_equal(seg_scaler_new(sc), SEG_OK);
    assert_int_equal(seg_scaler_set_int(*sc, SEG_SCALER_METHOD, method), SEG_OK);
    assert_int_equal(seg_scaler_fit(*sc, *ds), SEG_OK);
}

static seg_kprototypes *settings(int64_t k, int64_t init, double gamma, int64_t threads)
{
    seg_kprototypes *kp = NULL;
    assert_int_equal(seg_kprototypes_new(&kp), SEG_OK);
    assert_int_equal(seg_kprototypes_set_int(kp, SEG_KPROTOTYPES_K, k), SEG_OK);
    assert_int_equal(seg_kprototypes_set_int(kp, SEG_KPROTOTYPES_INIT, init), SEG_OK);
    assert_int_equal(seg_kprototypes_set_double(kp, SEG_KPROTOTYPES_GAMMA, gamma), SEG_OK);
    assert_int_equal(seg_kprototypes_set_int(kp, SEG_KPROTOTYPES_THREADS, threads), SEG_OK);
    return kp;
}

/* Two segments, unscaled: {10 b, 11 b, 12 a|c} with mean 11 and mode b,
 * and {0 a, 1 a} with mean 0.5 and mode a. Cost by hand with gamma = 1:
 * (1 + 0 + 1) + 1 (the third row's level against b) + (0.25 + 0.25) = 3.5.
 * With levels a, b the column is one binary feature (c=b); with a, b, c
 * three one-hot features. */
static void hand_computed_cost_and_modes(void **state)
{
    (void)state;
    static const char *csv[2] = {"x,c\n0,a\n1,a\n10,b\n11,b\n12,a\n",
                                 "x,c\n0,a\n1,a\n10,b\n11,b\n12,c\n"};
    static const size_t dim[2] = {2, 4};
    static const double centroids[2][8] = {{11, 1, 0.5, 0}, {11, 0, 1, 0, 0.5, 1, 0, 0}};
    for (int t = 0; t < 2; t++) {
        seg_dataset *ds;
        seg_scaler *sc;
        int32_t labels[5];
        load(csv[t], SEG_SCALE_NONE, &ds, &sc);
        for (int64_t init = SEG_KPROTOTYPES_INIT_HUANG; init <= SEG_KPROTOTYPES_INIT_CAO; init++) {
            seg_model *m = NULL;
            seg_kprototypes *kp = settings(2, init, 1.0, 1);
            assert_int_equal(seg_kprototypes_set_int(kp, SEG_KPROTOTYPES_N_INIT, 4), SEG_OK);
            assert_int_equal(seg_kprototypes_fit_dataset(kp, ds, sc, labels, &m), SEG_OK);
            const int32_t want[5] = {1, 1, 0, 0, 0};
            assert_memory_equal(labels, want, sizeof want);
            assert_float_equal(seg_model_inertia(m), 3.5, 1e-12);
            assert_float_equal(seg_model_kprototypes_gamma(m), 1.0, 0);
            /* numbers: the means; levels: a 1 at the mode's feature */
            double c[8];
            assert_int_equal(seg_model_dim(m), dim[t]);
            assert_int_equal(seg_model_centroids_f64(m, c, 8), SEG_OK);
            for (size_t i = 0; i < 2 * dim[t]; i++)
                assert_float_equal(c[i], centroids[t][i], 1e-12);
            /* predict's distance is the square root of each row's cost */
            seg_predictor *p = NULL;
            double dist[5];
            int32_t lab[5];
            assert_int_equal(seg_predictor_new(&p, m), SEG_OK);
            assert_int_equal(seg_predictor_run_dataset(p, ds, lab, dist), SEG_OK);
            const double wd[5] = {0.25, 0.25, 1, 0, 1 + 1};
            for (int i = 0; i < 5; i++)
                assert_float_equal(dist[i], sqrt(wd[i]), 1e-12);
            assert_memory_equal(lab, want, sizeof want);
            seg_predictor_free(p);
            seg_model_free(m);
            seg_kprototypes_free(kp);
        }
        seg_scaler_free(sc);
        seg_dataset_free(ds);
    }
}

/* A tie between two levels goes to the first level in the scaler's order:
 * {10 b, 10 a} has mode a, cost gamma. */
static void mode_tie_takes_first_level(void **state)
{
    (void)state;
    seg_dataset *ds;
    seg_scaler *sc;
    seg_model *m = NULL;
    int32_t labels[5];
    load("x,c\n0,a\n0,a\n0,a\n10,b\n10,a\n", SEG_SCALE_NONE, &ds, &sc);
    seg_kprototypes *kp = settings(2, SEG_KPROTOTYPES_INIT_CAO, 0.25, 1);
    assert_int_equal(seg_kprototypes_fit_dataset(kp, ds, sc, labels, &m), SEG_OK);
    const int32_t want[5] = {0, 0, 0, 1, 1};
    assert_memory_equal(labels, want, sizeof want);
    double c[4]; /* features x, c=b */
    assert_int_equal(seg_model_centroids_f64(m, c, 4), SEG_OK);
    assert_float_equal(c[2], 10, 0);
    assert_float_equal(c[3], 0, 0); /* a, not b */
    assert_float_equal(seg_model_inertia(m), 0.25, 1e-12);
    seg_model_free(m);
    seg_kprototypes_free(kp);
    seg_scaler_free(sc);
    seg_dataset_free(ds);
}

/* gamma unset: 0.5 x the mean over numeric features of their population
 * standard deviation (the kmodes package's rule), here computed directly. */
static void gamma_rule(void **state)
{
    (void)state;
    char csv[4096] = "u,v,c\n";
    double u[40], v[40];
    uint64_t s = 5;
    for (int i = 0; i < 40; i++) {
        u[i] = 3 * tu_normal(&s);
        v[i] = 10 + tu_uniform(&s) * 7;
        snprintf(csv + strlen(csv), sizeof csv - strlen(csv), "%.17g,%.17g,%c\n", u[i], v[i],
                 "pqr"[i % 3]);
    }
    double sd[2];
    for (int f = 0; f < 2; f++) {
        const double *x = f ? v : u;
        double mean = 0, ss = 0;
        for (int i = 0; i < 40; i++)
            mean += x[i] / 40;
        for (int i = 0; i < 40; i++)
            ss += (x[i] - mean) * (x[i] - mean);
        sd[f] = sqrt(ss / 40);
    }
    seg_dataset *ds;
    seg_scaler *sc;
    seg_model *m = NULL;
    load(csv, SEG_SCALE_NONE, &ds, &sc);
    seg_kprototypes *kp = settings(3, SEG_KPROTOTYPES_INIT_HUANG, -1, 1);
    assert_int_equal(seg_kprototypes_fit_dataset(kp, ds, sc, NULL, &m), SEG_OK);
    assert_float_equal(seg_model_kprototypes_gamma(m), 0.5 * (sd[0] + sd[1]) / 2, 1e-12);
    seg_model_free(m);
    /* after standard scaling every sd is 1: gamma 0.5 */
    seg_scaler_free(sc);
    seg_dataset_free(ds);
    load(csv, SEG_SCALE_STANDARD, &ds, &sc);
    assert_int_equal(seg_kprototypes_fit_dataset(kp, ds, sc, NULL, &m), SEG_OK);
    assert_float_equal(seg_model_kprototypes_gamma(m), 0.5, 1e-12);
    /* a k-means model has no gamma */
    assert_true(isnan(seg_model_kprototypes_gamma(NULL)));
    seg_model_free(m);
    seg_kprototypes_free(kp);
    seg_scaler_free(sc);
    seg_dataset_free(ds);
}

/* n rows of 3 planted segments: two numeric columns (centres 2.5 apart, unit
 * spread: they overlap) and three categorical columns whose level matches
 * the segment 85 % of the time. */
static char *planted(size_t n, int32_t *truth, uint64_t seed)
{
    const size_t cap = n * 80 + 64;
    char *csv = malloc(cap);
    size_t len = (size_t)snprintf(csv, cap, "a,b,c1,c2,c3\n");
    uint64_t s = seed;
    for (size_t i = 0; i < n; i++) {
        const int g = (int)(tu_next(&s) % 3);
        truth[i] = g;
        char lev[3];
        for (int c = 0; c < 3; c++)
            lev[c] = (char)('a' + (tu_uniform(&s) < 0.85 ? g : (int)(tu_next(&s) % 4)));
        len +=
            (size_t)snprintf(csv + len, cap - len, "%.6f,%.6f,%c,%c,%c\n", 2.5 * g + tu_normal(&s),
                             -2.5 * g + tu_normal(&s), lev[0], lev[1], lev[2]);
    }
    return csv;
}

static void planted_clusters_recovered(void **state)
{
    (void)state;
    enum { N = 3000 };
    int32_t truth[N], labels[N];
    char *csv = planted(N, truth, 11);
    seg_dataset *ds;
    seg_scaler *sc;
    seg_model *m = NULL;
    load(csv, SEG_SCALE_STANDARD, &ds, &sc);
    for (int64_t init = SEG_KPROTOTYPES_INIT_HUANG; init <= SEG_KPROTOTYPES_INIT_CAO; init++) {
        seg_kprototypes *kp = settings(3, init, -1, 0);
        assert_int_equal(seg_kprototypes_set_int(kp, SEG_KPROTOTYPES_N_INIT, 5), SEG_OK);
        assert_int_equal(seg_kprototypes_fit_dataset(kp, ds, sc, labels, &m), SEG_OK);
        const double ari = tu_ari(truth, labels, N, 3, 3);
        print_message("init %lld: ARI %.4f\n", (long long)init, ari);
        assert_true(ari >= 0.95);
        seg_model_free(m);
        seg_kprototypes_free(kp);
    }
    seg_scaler_free(sc);
    seg_dataset_free(ds);
    free(csv);
}

/* Rows spread over several ranges: the same labels, cost and centroids to
 * the bit on 1, 2 and 4 threads. */
static void same_on_any_threads(void **state)
{
    (void)state;
    enum { N = 20000, K = 6 };
    static int32_t truth[N], labels[3][N];
    char *csv = planted(N, truth, 3);
    seg_dataset *ds;
    seg_scaler *sc;
    load(csv, SEG_SCALE_STANDARD, &ds, &sc);
    double cost[3];
    static double cent[3][K * 20];
    const int threads[3] = {1, 2, 4};
    for (int t = 0; t < 3; t++) {
        seg_model *m = NULL;
        seg_kprototypes *kp = settings(K, SEG_KPROTOTYPES_INIT_HUANG, -1, threads[t]);
        assert_int_equal(seg_kprototypes_set_int(kp, SEG_KPROTOTYPES_N_INIT, 3), SEG_OK);
        assert_int_equal(seg_kprototypes_set_int(kp, SEG_KPROTOTYPES_SEED, 42), SEG_OK);
        assert_int_equal(seg_kprototypes_fit_dataset(kp, ds, sc, labels[t], &m), SEG_OK);
        cost[t] = seg_model_inertia(m);
        assert_true(seg_model_dim(m) * K <= K * 20);
        assert_int_equal(seg_model_centroids_f64(m, cent[t], K * 20), SEG_OK);
        seg_model_free(m);
        seg_kprototypes_free(kp);
    }
    for (int t = 1; t < 3; t++) {
        assert_memory_equal(labels[0], labels[t], sizeof labels[0]);
        assert_memory_equal(&cost[0], &cost[t], sizeof cost[0]);
        assert_memory_equal(cent[0], cent[t], sizeof cent[0]);
    }
    seg_scaler_free(sc);
    seg_dataset_free(ds);
    free(csv);
}

/* Saved and loaded (format version 2), the model predicts the fit's labels
 * and distances for the training rows. */
static void model_round_trip(void **state)
{
    (void)state;
    enum { N = 900 };
    int32_t truth[N], labels[N], lab2[N];
    double dist[N], dist2[N];
    char *csv = planted(N, truth, 8);
    seg_dataset *ds;
    seg_scaler *sc;
    seg_model *m = NULL, *back = NULL;
    load(csv, SEG_SCALE_STANDARD, &ds, &sc);
    const size_t d = seg_scaler_features(sc);
    double *x = malloc(N * d * sizeof *x);
    assert_int_equal(seg_scaler_transform_f64(sc, ds, x, N * d), SEG_OK);
    seg_kprototypes *kp = settings(4, SEG_KPROTOTYPES_INIT_HUANG, 0.8, 2);
    assert_int_equal(seg_kprototypes_fit_encoded_f64(kp, ds, sc, x, N, d, labels, dist, &m),
                     SEG_OK);
    size_t size = 0;
    assert_int_equal(seg_model_save_mem(m, NULL, 0, &size), SEG_OK);
    unsigned char *buf = malloc(size);
    assert_int_equal(seg_model_save_mem(m, buf, size, &size), SEG_OK);
    assert_int_equal(buf[8], 2); /* format version 2: older readers refuse it */
    if (seg_model_load_mem(&back, buf, size) != SEG_OK)
        print_message("%s\n", seg_last_error());
    assert_non_null(back);
    assert_float_equal(seg_model_kprototypes_gamma(back), 0.8, 0);
    assert_float_equal(seg_model_inertia(back), seg_model_inertia(m), 0);
    seg_predictor *p = NULL;
    assert_int_equal(seg_predictor_new(&p, back), SEG_OK);
    assert_int_equal(seg_predictor_set_int(p, SEG_PREDICTOR_THREADS, 3), SEG_OK);
    assert_int_equal(seg_predictor_run_dataset(p, ds, lab2, dist2), SEG_OK);
    assert_memory_equal(labels, lab2, sizeof labels);
    assert_memory_equal(dist, dist2, sizeof dist);
    /* float rows cannot be scored by the k-prototypes cost */
    float xf[64] = {0};
    assert_true(d <= 64);
    assert_int_equal(seg_predictor_run_f32(p, xf, 1, d, lab2, NULL), SEG_ERR_TYPE);
    seg_predictor_free(p);
    /* a KPRO block that is not a categorical column of the scaler is refused */
    size_t at = 0;
    for (size_t i = 0; i + 4 <= size; i++)
        if (memcmp(buf + i, "KPRO", 4) == 0)
            at = i;
    assert_true(at > 0);
    buf[at + 12 + 8 + 8] ^= 1; /* first block's offset */
    seg_model *bad = NULL;
    assert_int_not_equal(seg_model_load_mem(&bad, buf, size), SEG_OK);
    assert_null(bad);
    free(buf);
    seg_model_free(back);
    seg_model_free(m);
    seg_kprototypes_free(kp);
    seg_scaler_free(sc);
    seg_dataset_free(ds);
    free(x);
    free(csv);
}

/* A row of weight 2 counts as two rows: the same prototypes and cost as the
 * table with the row repeated (means and modes are weighted). */
static void weights_count_as_rows(void **state)
{
    (void)state;
    seg_dataset *dw, *dd;
    seg_scaler *sw, *sd;
    seg_model *mw = NULL, *md = NULL;
    const char *weighted = "x,c,w\n0,a,1\n1,a,1\n3,b,1\n10,b,3\n12,a,1\n13,c,2\n";
    const char *repeated = "x,c\n0,a\n1,a\n3,b\n10,b\n10,b\n10,b\n12,a\n13,c\n13,c\n";
    assert_int_equal(seg_dataset_read_csv_memory(&dw, weighted, strlen(weighted), NULL), SEG_OK);
    assert_int_equal(seg_dataset_set_weight_column(dw, "w"), SEG_OK);
    assert_int_equal(seg_scaler_new(&sw), SEG_OK);
    assert_int_equal(seg_scaler_set_int(sw, SEG_SCALER_METHOD, SEG_SCALE_NONE), SEG_OK);
    assert_int_equal(seg_scaler_fit(sw, dw), SEG_OK);
    load(repeated, SEG_SCALE_NONE, &dd, &sd);
    seg_kprototypes *kp = settings(2, SEG_KPROTOTYPES_INIT_CAO, 4.0, 1);
    assert_int_equal(seg_kprototypes_fit_dataset(kp, dw, sw, NULL, &mw), SEG_OK);
    assert_int_equal(seg_kprototypes_fit_dataset(kp, dd, sd, NULL, &md), SEG_OK);
    assert_float_equal(seg_model_inertia(mw), seg_model_inertia(md), 1e-9);
    double cw[8], cd[8];
    assert_int_equal(seg_model_dim(mw), 4);
    assert_int_equal(seg_model_centroids_f64(mw, cw, 8), SEG_OK);
    assert_int_equal(seg_model_centroids_f64(md, cd, 8), SEG_OK);
    for (int i = 0; i < 8; i++)
        assert_float_equal(cw[i], cd[i], 1e-12);
    /* {10 b x3, 12 a, 13 c x2}: mean 68 / 6, mode b (weight 3) */
    assert_float_equal(cw[0], 68.0 / 6, 1e-12);
    assert_float_equal(cw[2], 1, 0);
    seg_model_free(mw);
    seg_model_free(md);
    seg_kprototypes_free(kp);
    seg_scaler_free(sw);
    seg_scaler_free(sd);
    seg_dataset_free(dw);
    seg_dataset_free(dd);
}

static void errors(void **state)
{
    (void)state;
    seg_dataset *ds;
    seg_scaler *sc;
    seg_model *m = NULL;
    seg_kprototypes *kp = settings(2, SEG_KPROTOTYPES_INIT_HUANG, -1, 1);
    /* no categorical column */
    load("x,y\n1,2\n3,4\n5,6\n", SEG_SCALE_STANDARD, &ds, &sc);
    assert_int_equal(seg_kprototypes_fit_dataset(kp, ds, sc, NULL, &m), SEG_ERR_INVALID_ARG);
    assert_non_null(strstr(seg_last_error(), "categorical"));
    assert_null(m);
    seg_scaler_free(sc);
    seg_dataset_free(ds);
    /* k above the rows; no scaler */
    load("x,c\n1,a\n3,b\n", SEG_SCALE_STANDARD, &ds, &sc);
    assert_int_equal(seg_kprototypes_set_int(kp, SEG_KPROTOTYPES_K, 3), SEG_OK);
    assert_int_equal(seg_kprototypes_fit_dataset(kp, ds, sc, NULL, &m), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_kprototypes_fit_dataset(kp, ds, NULL, NULL, &m), SEG_ERR_INVALID_ARG);
    /* gamma -1 or >= 0 */
    assert_int_equal(seg_kprototypes_set_double(kp, SEG_KPROTOTYPES_GAMMA, -0.5),
                     SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_kprototypes_set_double(kp, SEG_KPROTOTYPES_GAMMA, NAN),
                     SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_kprototypes_set_int(kp, SEG_KPROTOTYPES_INIT, 2), SEG_ERR_INVALID_ARG);
    double lo, hi;
    assert_int_equal(seg_kprototypes_param_bounds(SEG_KPROTOTYPES_GAMMA, &lo, &hi), SEG_OK);
    assert_float_equal(lo, -1, 0);
    seg_scaler_free(sc);
    seg_dataset_free(ds);
    seg_kprototypes_free(kp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hand_computed_cost_and_modes),
        cmocka_unit_test(mode_tie_takes_first_level),
        cmocka_unit_test(gamma_rule),
        cmocka_unit_test(planted_clusters_recovered),
        cmocka_unit_test(same_on_any_threads),
        cmocka_unit_test(model_round_trip),
        cmocka_unit_test(weights_count_as_rows),
        cmocka_unit_test(errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
