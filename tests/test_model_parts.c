/*
 * A model assembled from parts computed elsewhere (what libseg-mpi does over
 * MPI ranks): seg_scaler_append_numeric/_levels give the scaler
 * seg_scaler_fit() gives from the same statistics, seg_model_set_scaler and
 * seg_model_add_profile_numeric/_levels give the fitted model's SCAL and PROF
 * sections and labels, seg_model_set_outlier_quantiles its OUTL section, and
 * seg_metrics_silhouette_rows names the rows a sampled silhouette reads.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "testutil.h"

#define N 60

/* 60 rows: a number with 5 missing (55 present: an odd count, so the median
 * is one value), a job of three levels with 4 missing, a yes/no flag. */
static seg_dataset *dataset(char *csv, size_t cap)
{
    static const char *const jobs[] = {"admin", "retired", "student"};
    size_t at = (size_t)snprintf(csv, cap, "age,job,flag\n");
    uint64_t s = 11;
    for (int i = 0; i < N; i++) {
        char age[32] = "";
        if (i % 12 != 3)
            snprintf(age, sizeof age, "%.3f", 20 + 40 * tu_uniform(&s) + (i % 3) * 15);
        at += (size_t)snprintf(csv + at, cap - at, "%s,%s,%s\n", age,
                               i % 15 == 7 ? "" : jobs[(i * 7) % 3], i % 4 ? "yes" : "no");
    }
    seg_dataset *ds = NULL;
    assert_int_equal(seg_dataset_read_csv_memory(&ds, csv, at, NULL), SEG_OK);
    return ds;
}

static int cmp_d(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The scaler of ds built by appending: the numeric statistics from the
 * fitted sc (center, scale) and an independent median; the levels counted
 * here. */
static seg_scaler *appended(const seg_dataset *ds, const seg_scaler *sc)
{
    seg_scaler *b = NULL;
    assert_int_equal(seg_scaler_new(&b), SEG_OK);
    double c, s, v[N];
    size_t m = 0;
    for (size_t i = 0; i < N; i++) {
        double x;
        assert_int_equal(seg_dataset_get_f64(ds, i, 0, &x), SEG_OK);
        if (!isnan(x))
            v[m++] = x;
    }
    qsort(v, m, sizeof *v, cmp_d);
    assert_int_equal(seg_scaler_feature_affine(sc, 0, &c, &s), SEG_OK);
    assert_int_equal(seg_scaler_append_numeric(b, "age", c, s, v[m / 2]), SEG_OK);
    assert_true(seg_scaler_is_fitted(b));
    for (size_t j = 1; j <= 2; j++) {
        const size_t nl = seg_dataset_column_levels(ds, j);
        const char *lv[8];
        uint64_t cnt[8] = {0}, miss = 0;
        for (size_t l = 0; l < nl; l++)
            lv[l] = seg_dataset_column_level(ds, j, l);
        for (size_t i = 0; i < N; i++) {
            const char *t = NULL;
            seg_dataset_get_text(ds, i, j, &t);
            size_t l = 0;
            while (t && l < nl && strcmp(lv[l], t) != 0)
                l++;
            if (t)
                cnt[l]++;
            else
                miss++;
        }
        /* refused: counts that do not add up, a count 0 */
        assert_int_equal(seg_scaler_append_levels(b, seg_dataset_column_name(ds, j), lv, cnt, nl,
                                                  miss, N + 1),
                         SEG_ERR_INVALID_ARG);
        assert_int_equal(seg_scaler_append_levels(b, seg_dataset_column_name(ds, j), lv, cnt, nl,
                                                  miss, N),
                         SEG_OK);
    }
    return b;
}

static void test_scaler_append(void **state)
{
    (void)state;
    char csv[4096];
    seg_dataset *ds = dataset(csv, sizeof csv);
    seg_scaler *sc = NULL;
    assert_int_equal(seg_scaler_new(&sc), SEG_OK);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_OK);
    seg_scaler *b = appended(ds, sc);
    const size_t d = seg_scaler_features(sc);
    assert_int_equal(seg_scaler_features(b), d);
    assert_int_equal(d, 1 + 4 + 1); /* age, job = 3 levels + (missing), flag */
    for (size_t j = 0; j < d; j++)
        assert_string_equal(seg_scaler_feature_name(b, j), seg_scaler_feature_name(sc, j));
    double xa[N * 6], xb[N * 6];
    assert_int_equal(seg_scaler_transform_f64(sc, ds, xa, N * d), SEG_OK);
    assert_int_equal(seg_scaler_transform_f64(b, ds, xb, N * d), SEG_OK);
    assert_memory_equal(xa, xb, sizeof xa); /* imputed medians included */
    /* refused: a name twice, a scale 0, an identifier column, NULL */
    assert_int_equal(seg_scaler_append_numeric(b, "age", 0, 1, 0), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_scaler_append_numeric(b, "z", 0, 0, 0), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_scaler_append_numeric(NULL, "z", 0, 1, 0), SEG_ERR_INVALID_ARG);
    const char *ids[25];
    uint64_t ones[25];
    char names[25][8];
    for (int i = 0; i < 25; i++) {
        snprintf(names[i], sizeof names[i], "c%d", i);
        ids[i] = names[i];
        ones[i] = 1;
    }
    assert_int_equal(seg_scaler_append_levels(b, "id", ids, ones, 25, 0, 25), SEG_ERR_PRIVACY);
    assert_int_equal(seg_scaler_features(b), d); /* unchanged by the refusals */
    seg_scaler_free(b);
    seg_scaler_free(sc);
    seg_dataset_free(ds);
}

static void test_model_parts(void **state)
{
    (void)state;
    char csv[4096];
    seg_dataset *ds = dataset(csv, sizeof csv);
    seg_scaler *sc = NULL;
    seg_kmeans *km = NULL;
    seg_model *a = NULL, *b = NULL;
    int32_t la[N], lb[N];
    assert_int_equal(seg_scaler_new(&sc), SEG_OK);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_OK);
    assert_int_equal(seg_kmeans_new(&km), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_K, 3), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_SEED, 4), SEG_OK);
    /* a: the fit of the dataset, with its scaler, profiles and reference */
    assert_int_equal(seg_kmeans_fit_dataset(km, ds, sc, la, &a), SEG_OK);
    /* b: the same fit of the encoded rows, then the parts added */
    const size_t d = seg_scaler_features(sc), k = 3;
    double x[N * 6];
    assert_int_equal(seg_scaler_transform_f64(sc, ds, x, N * d), SEG_OK);
    assert_int_equal(seg_kmeans_fit_f64(km, x, N, d, NULL, lb, &b), SEG_OK);
    assert_memory_equal(la, lb, sizeof la);
    seg_scaler *built = appended(ds, sc);
    assert_int_equal(seg_model_set_scaler(b, NULL), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_model_set_scaler(b, built), SEG_OK);
    assert_int_equal(seg_model_set_scaler(b, built), SEG_ERR_STATE);
    for (size_t c = 0; c < seg_model_profile_columns(a); c++) {
        const char *name = seg_model_profile_column_name(a, c);
        if (seg_model_profile_column_type(a, c) == SEG_COLUMN_NUMERIC) {
            double v[4][4];
            for (int s = 0; s < 4; s++)
                for (size_t j = 0; j <= k; j++)
                    assert_int_equal(seg_model_profile_numeric(a, j, c,
                                                               (seg_profile_stat)(100 + s),
                                                               &v[s][j]),
                                     SEG_OK);
            assert_int_equal(seg_model_add_profile_numeric(b, name, v[0], v[1], v[2], v[3]),
                             SEG_OK);
            /* refused: the column again, a share out of range */
            assert_int_equal(seg_model_add_profile_numeric(b, name, v[0], v[1], v[2], v[3]),
                             SEG_ERR_INVALID_ARG);
            v[3][0] = 2;
            assert_int_equal(seg_model_add_profile_numeric(b, "other", v[0], v[1], v[2], v[3]),
                             SEG_ERR_INVALID_ARG);
        } else {
            const size_t L = seg_model_profile_levels(a, c);
            const char *lv[8];
            double share[4 * 8];
            for (size_t l = 0; l < L; l++) {
                lv[l] = seg_model_profile_level(a, c, l);
                for (size_t j = 0; j <= k; j++)
                    assert_int_equal(seg_model_profile_share(a, j, c, l, &share[j * L + l]),
                                     SEG_OK);
            }
            assert_int_equal(seg_model_add_profile_levels(b, name, lv, L, share), SEG_OK);
        }
    }
    /* the outlier reference: the grid read back at p = i / 1000 */
    double *g = malloc(k * SEG_OUTLIER_QUANTILES * sizeof *g);
    for (size_t j = 0; j < k; j++)
        for (size_t i = 0; i < SEG_OUTLIER_QUANTILES; i++)
            assert_int_equal(seg_model_outlier_quantile(a, j, (double)i / 1000.0,
                                                        &g[j * SEG_OUTLIER_QUANTILES + i]),
                             SEG_OK);
    assert_int_equal(seg_model_set_outlier_quantiles(b, g, 1000), SEG_ERR_MISMATCH);
    g[5] = g[4] - 1; /* decreasing: refused */
    assert_int_equal(seg_model_set_outlier_quantiles(b, g, SEG_OUTLIER_QUANTILES),
                     SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_model_outlier_quantile(a, 0, 0.005, &g[5]), SEG_OK);
    assert_int_equal(seg_model_set_outlier_quantiles(b, g, SEG_OUTLIER_QUANTILES), SEG_OK);
    free(g);
    size_t na, nb;
    uint8_t *pa = tu_model_bytes(a, &na), *pb = tu_model_bytes(b, &nb);
    assert_non_null(pa);
    assert_non_null(pb);
    static const char *const tags[] = {"SCAL", "PREP", "PROF", "OUTL", "CENT", "SEGS"};
    for (size_t t = 0; t < sizeof tags / sizeof *tags; t++) {
        uint64_t sa = 0, sb = 0;
        const uint8_t *qa = tu_model_section(pa, na, tags[t], &sa);
        const uint8_t *qb = tu_model_section(pb, nb, tags[t], &sb);
        assert_non_null(qa);
        assert_non_null(qb);
        assert_int_equal(sa, sb);
        assert_memory_equal(qa, qb, (size_t)sa);
    }
    for (size_t j = 0; j < k; j++)
        assert_string_equal(seg_model_segment_label(a, j), seg_model_segment_label(b, j));
    free(pa);
    free(pb);
    seg_scaler_free(built);
    seg_model_free(a);
    seg_model_free(b);
    seg_kmeans_free(km);
    seg_scaler_free(sc);
    seg_dataset_free(ds);
}

static void test_silhouette_rows(void **state)
{
    (void)state;
    const size_t n = 500, d = 2, k = 3, sample = 120;
    double *x = malloc(n * d * sizeof *x), *xs = malloc(sample * d * sizeof *xs);
    int32_t truth[500], ls[120];
    size_t rows[500], m = 0;
    tu_blobs(x, truth, n, d, k, 9);
    assert_int_equal(seg_metrics_silhouette_rows(n, sample, 7, NULL, 0, &m), SEG_OK);
    assert_int_equal(m, sample);
    assert_int_equal(seg_metrics_silhouette_rows(n, sample, 7, rows, sample - 1, &m),
                     SEG_ERR_MISMATCH);
    assert_int_equal(seg_metrics_silhouette_rows(n, sample, 7, rows, n, &m), SEG_OK);
    for (size_t a = 0; a < m; a++) {
        assert_true(a == 0 || rows[a] > rows[a - 1]);
        memcpy(xs + a * d, x + rows[a] * d, d * sizeof *x);
        ls[a] = truth[rows[a]];
    }
    double all = 0, part = 0;
    assert_int_equal(seg_metrics_silhouette_f64(x, n, d, truth, k, NULL, sample, 7, &all),
                     SEG_OK);
    assert_int_equal(seg_metrics_silhouette_f64(xs, m, d, ls, k, NULL, 0, 7, &part), SEG_OK);
    assert_true(all == part); /* bit for bit */
    assert_int_equal(seg_metrics_silhouette_rows(n, 0, 7, rows, n, &m), SEG_OK);
    assert_int_equal(m, n);
    assert_int_equal(rows[n - 1], n - 1);
    free(x);
    free(xs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scaler_append),
        cmocka_unit_test(test_model_parts),
        cmocka_unit_test(test_silhouette_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
