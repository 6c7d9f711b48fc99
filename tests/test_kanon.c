/*
 * Minimum profile size (k-anonymity): a segment of fewer customers than the
 * threshold has no profile statistic anywhere (in memory, in the model file,
 * through the accessors), a smaller one cannot be recovered by subtracting
 * the others from the population, and a threshold of 0 changes nothing.
 *
 * The data are three groups far apart, so the segments are the groups and
 * every expected value is computed by hand from the rows written below.
 * Mini-batch models (SEG_MINIBATCH_MIN_PROFILE_SIZE) withhold the same way.
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
#include "core/bytes.h"
#include "testutil.h"

/* Group A: spend 1..6, kind a. Group B: spend 101..100 + nb, kind b.
 * Group C: spend 1000 and 1002, kind c. */
static seg_dataset *groups(int nb, bool weighted)
{
    char text[2048], row[64];
    snprintf(text, sizeof text, "spend,kind%s\n", weighted ? ",w" : "");
    for (int i = 1; i <= 6; i++) {
        snprintf(row, sizeof row, "%d,a%s\n", i, weighted ? ",1" : "");
        strcat(text, row);
    }
    for (int i = 1; i <= nb; i++) {
        snprintf(row, sizeof row, "%d,b%s\n", 100 + i, weighted ? ",1" : "");
        strcat(text, row);
    }
    strcat(text, weighted ? "1000,c,500\n1002,c,500\n" : "1000,c\n1002,c\n");
    seg_dataset *ds = NULL;
    assert_int_equal(seg_dataset_read_csv_memory(&ds, text, strlen(text), NULL), SEG_OK);
    if (weighted)
        assert_int_equal(seg_dataset_set_weight_column(ds, "w"), SEG_OK);
    return ds;
}

/* The model's file bytes (malloc'd). */
static uint8_t *save(const seg_model *m, size_t *len)
{
    uint8_t *buf = tu_model_bytes(m, len);
    assert_non_null(buf);
    return buf;
}

static seg_model *fit(const seg_dataset *ds, int64_t min_size)
{
    seg_scaler *sc = NULL;
    seg_kmeans *km = NULL;
    seg_model *m = NULL;
    assert_int_equal(seg_scaler_new(&sc), SEG_OK);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_OK);
    assert_int_equal(seg_kmeans_new(&km), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_K, 3), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_MIN_PROFILE_SIZE, min_size), SEG_OK);
    assert_int_equal(seg_kmeans_fit_dataset(km, ds, sc, NULL, &m), SEG_OK);
    seg_kmeans_free(km);
    seg_scaler_free(sc);
    return m;
}

/* The same through mini-batch k-means, in double or float. */
static seg_model *fit_minibatch(const seg_dataset *ds, int64_t min_size, bool f32)
{
    seg_scaler *sc = NULL;
    seg_minibatch *mb = NULL;
    seg_model *m = NULL;
    assert_int_equal(seg_scaler_new(&sc), SEG_OK);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_OK);
    assert_int_equal(seg_minibatch_new(&mb), SEG_OK);
    assert_int_equal(seg_minibatch_set_int(mb, SEG_MINIBATCH_K, 3), SEG_OK);
    assert_int_equal(seg_minibatch_set_int(mb, SEG_MINIBATCH_MIN_PROFILE_SIZE, min_size), SEG_OK);
    assert_int_equal(seg_minibatch_set_int(mb, SEG_MINIBATCH_DTYPE,
                                           f32 ? SEG_DTYPE_F32 : SEG_DTYPE_F64),
                     SEG_OK);
    assert_int_equal(seg_minibatch_fit_dataset(mb, ds, sc, NULL, &m), SEG_OK);
    seg_minibatch_free(mb);
    seg_scaler_free(sc);
    return m;
}

/* The segment holding `size` rows (the sizes used here are all different). */
static size_t seg_of_size(const seg_model *m, size_t size)
{
    for (size_t j = 0; j < seg_model_k(m); j++)
        if (seg_model_segment_size(m, j) == size)
            return j;
    fail_msg("no segment of %zu rows", size);
    return 0;
}

static double mean_of(const seg_model *m, size_t j)
{
    double v = -1;
    assert_int_equal(seg_model_profile_numeric(m, j, 0, SEG_PROFILE_MEAN, &v), SEG_OK);
    return v;
}

static void assert_withheld(const seg_model *m, size_t j)
{
    double v = 12345;
    size_t item = 99;
    assert_int_equal(seg_model_profile_numeric(m, j, 0, SEG_PROFILE_MEAN, &v), SEG_ERR_STATE);
    assert_non_null(strstr(seg_last_error(), "is withheld"));
    assert_int_equal(seg_model_profile_numeric(m, j, 0, SEG_PROFILE_MEDIAN, &v), SEG_ERR_STATE);
    assert_int_equal(seg_model_profile_share(m, j, 1, 0, &v), SEG_ERR_STATE);
    assert_non_null(strstr(seg_last_error(), "seg_model_profile_share"));
    if (j < seg_model_k(m)) {
        assert_int_equal(seg_model_profile_zscore(m, j, 0, &v), SEG_ERR_STATE);
        assert_int_equal(seg_model_profile_ranked_item(m, j, 0, &item), SEG_ERR_STATE);
    }
    assert_true(v == 12345 && item == 99); /* nothing written */
}

/* Group A's profile, by hand: spend 1..6 and all of kind a. */
static void assert_group_a(const seg_model *m, size_t a)
{
    double v;
    assert_int_equal(seg_model_profile_withheld(m, a), 0);
    assert_true(fabs(mean_of(m, a) - 3.5) < 1e-12);
    assert_int_equal(seg_model_profile_numeric(m, a, 0, SEG_PROFILE_SD, &v), SEG_OK);
    assert_true(fabs(v - sqrt(35.0 / 12.0)) < 1e-12);
    assert_int_equal(seg_model_profile_share(m, a, 1, 0, &v), SEG_OK); /* level "a" */
    assert_true(v == 1.0);
    assert_non_null(strstr(seg_model_segment_label(m, a), "a (kind)"));
}

static void test_small_segment_and_partner_withheld(void **state)
{
    (void)state;
    seg_dataset *ds = groups(4, false);
    seg_model *m = fit(ds, 3);
    const size_t a = seg_of_size(m, 6), b = seg_of_size(m, 4), c = seg_of_size(m, 2);
    assert_int_equal(seg_model_min_profile_size(m), 3);
    /* C (2 rows) is under 3; withholding it alone would leave it equal to
     * population - A - B, so B (the smallest other) goes with it. */
    assert_int_equal(seg_model_profile_withheld(m, c), 1);
    assert_int_equal(seg_model_profile_withheld(m, b), 2);
    assert_int_equal(seg_model_profile_withheld(m, 3), 0);
    assert_withheld(m, c);
    assert_withheld(m, b);
    assert_string_equal(seg_model_segment_label(m, c), "fewer than 3 customers (profile withheld)");
    assert_string_equal(seg_model_segment_label(m, b),
                        "profile withheld (would reveal a segment of fewer than 3 customers)");
    assert_group_a(m, a);
    /* The population (12 rows) is shown: (21 + 410 + 2002) / 12. */
    assert_true(fabs(mean_of(m, 3) - 2433.0 / 12.0) < 1e-9);
    /* Sizes and centroids stay. */
    assert_int_equal(seg_model_segment_size(m, c), 2);
    seg_model_free(m);
    seg_dataset_free(ds);
}

static void test_small_segments_cover_each_other(void **state)
{
    (void)state;
    /* B and C have 2 rows each: both under 3, together 4, so no partner. */
    seg_dataset *ds = groups(2, false);
    seg_model *m = fit(ds, 3);
    size_t a = seg_of_size(m, 6), withheld = 0;
    for (size_t j = 0; j < 3; j++)
        if (j != a) {
            assert_int_equal(seg_model_profile_withheld(m, j), 1);
            assert_withheld(m, j);
            withheld++;
        }
    assert_int_equal(withheld, 2);
    assert_group_a(m, a);
    seg_model_free(m);
    seg_dataset_free(ds);
}

static bool holds_f64(uint8_t *buf, size_t len, double v)
{
    uint8_t le[8];
    uint64_t bits;
    memcpy(&bits, &v, 8);
    for (int i = 0; i < 8; i++)
        le[i] = (uint8_t)(bits >> (8 * i));
    return tu_find(buf, len, le, 8) != NULL;
}

static void test_threshold_zero_unchanged(void **state)
{
    (void)state;
    seg_dataset *ds = groups(4, false);
    seg_model *m0 = fit(ds, 0), *m2 = fit(ds, 2);
    assert_int_equal(seg_model_min_profile_size(m0), 0);
    for (size_t j = 0; j <= 3; j++)
        assert_int_equal(seg_model_profile_withheld(m0, j), 0);
    assert_true(fabs(mean_of(m0, seg_of_size(m0, 2)) - 1001.0) < 1e-12);
    assert_true(fabs(mean_of(m0, seg_of_size(m0, 4)) - 102.5) < 1e-12);
    assert_group_a(m0, seg_of_size(m0, 6));
    /* A threshold every segment meets withholds nothing either. */
    for (size_t j = 0; j <= 3; j++)
        assert_int_equal(seg_model_profile_withheld(m2, j), 0);
    assert_true(fabs(mean_of(m2, seg_of_size(m2, 2)) - 1001.0) < 1e-12);
    /* Threshold 0 writes the file of before: no KANO section. */
    size_t len = 0;
    uint8_t *buf = save(m0, &len);
    assert_null(tu_find(buf, len, "KANO", 4));
    assert_true(holds_f64(buf, len, 1001.0)); /* C's mean: what a threshold removes */
    free(buf);
    seg_model_free(m0);
    seg_model_free(m2);
    seg_dataset_free(ds);
}

static void test_withheld_after_save_load(void **state)
{
    (void)state;
    seg_dataset *ds = groups(4, false);
    seg_model *m = fit(ds, 3), *l = NULL;
    size_t len = 0;
    uint8_t *buf = save(m, &len);
    /* Neither C's mean and median (1001) nor B's (102.5) is in the file;
     * A's (3.5) is, so the search can find what is there. */
    assert_false(holds_f64(buf, len, 1001.0));
    assert_false(holds_f64(buf, len, 102.5));
    assert_true(holds_f64(buf, len, 3.5));
    assert_int_equal(seg_model_load_mem(&l, buf, len), SEG_OK);
    assert_int_equal(seg_model_min_profile_size(l), 3);
    for (size_t j = 0; j <= 3; j++) {
        assert_int_equal(seg_model_profile_withheld(l, j), seg_model_profile_withheld(m, j));
        if (j < 3)
            assert_string_equal(seg_model_segment_label(l, j), seg_model_segment_label(m, j));
    }
    assert_withheld(l, seg_of_size(l, 2));
    assert_withheld(l, seg_of_size(l, 4));
    assert_group_a(l, seg_of_size(l, 6));

    /* A KANO section of 0 is malformed (it is only written for N > 0). */
    uint8_t *p = tu_find(buf, len, "KANO", 4);
    assert_non_null(p);
    memset(p + 12, 0, 8);
    uint32_t crc = seg_crc32(buf, len - 4);
    for (int i = 0; i < 4; i++)
        buf[len - 4 + (size_t)i] = (uint8_t)(crc >> (8 * i));
    seg_model *bad = NULL;
    assert_int_equal(seg_model_load_mem(&bad, buf, len), SEG_ERR_FORMAT);
    assert_null(bad);
    free(buf);
    seg_model_free(l);
    seg_model_free(m);
    seg_dataset_free(ds);
}

/* Mini-batch models: the threshold is kept, C and its partner B are
 * withheld in memory and absent from the file bytes, A is there; without a
 * threshold C's mean is in the file; in double and in float. */
static void test_minibatch_withheld(void **state)
{
    (void)state;
    for (int f32 = 0; f32 < 2; f32++) {
        seg_dataset *ds = groups(4, false);
        seg_model *m = fit_minibatch(ds, 3, f32), *m0 = fit_minibatch(ds, 0, f32);
        const size_t a = seg_of_size(m, 6), b = seg_of_size(m, 4), c = seg_of_size(m, 2);
        assert_int_equal(seg_model_min_profile_size(m), 3);
        assert_int_equal(seg_model_profile_withheld(m, c), 1);
        assert_int_equal(seg_model_profile_withheld(m, b), 2);
        assert_withheld(m, c);
        assert_withheld(m, b);
        assert_group_a(m, a);
        size_t len = 0, len0 = 0;
        uint8_t *buf = save(m, &len), *buf0 = save(m0, &len0);
        assert_false(holds_f64(buf, len, 1001.0));
        assert_false(holds_f64(buf, len, 102.5));
        assert_true(holds_f64(buf, len, 3.5));
        assert_non_null(tu_find(buf, len, "KANO", 4));
        assert_true(holds_f64(buf0, len0, 1001.0));
        assert_null(tu_find(buf0, len0, "KANO", 4));
        seg_model *l = NULL;
        assert_int_equal(seg_model_load_mem(&l, buf, len), SEG_OK);
        assert_int_equal(seg_model_min_profile_size(l), 3);
        assert_withheld(l, seg_of_size(l, 2));
        seg_model_free(l);
        free(buf);
        free(buf0);
        seg_model_free(m);
        seg_model_free(m0);
        seg_dataset_free(ds);
    }
}

static void test_everything_withheld_below_threshold(void **state)
{
    (void)state;
    seg_dataset *ds = groups(4, false);
    seg_model *m = fit(ds, 13); /* 12 rows in all */
    for (size_t j = 0; j <= 3; j++) {
        assert_int_equal(seg_model_profile_withheld(m, j), 1);
        assert_withheld(m, j);
    }
    assert_string_equal(seg_model_segment_label(m, 0),
                        "fewer than 13 customers (profile withheld)");
    seg_model_free(m);
    seg_dataset_free(ds);
}

static void test_weights_do_not_count(void **state)
{
    (void)state;
    /* C's 2 rows weigh 500 each: still 2 customers. */
    seg_dataset *ds = groups(4, true);
    seg_model *m = fit(ds, 3);
    assert_int_equal(seg_model_profile_withheld(m, seg_of_size(m, 2)), 1);
    assert_int_equal(seg_model_profile_withheld(m, seg_of_size(m, 4)), 2);
    assert_group_a(m, seg_of_size(m, 6));
    seg_model_free(m);
    seg_dataset_free(ds);
}

static void test_setting(void **state)
{
    (void)state;
    seg_kmeans *km = NULL;
    int64_t v = -1;
    double lo, hi;
    assert_int_equal(seg_kmeans_new(&km), SEG_OK);
    assert_int_equal(seg_kmeans_get_int(km, SEG_KMEANS_MIN_PROFILE_SIZE, &v), SEG_OK);
    assert_int_equal(v, 0);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_MIN_PROFILE_SIZE, -1), SEG_ERR_INVALID_ARG);
    assert_non_null(strstr(seg_last_error(), "outside"));
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_MIN_PROFILE_SIZE, 10), SEG_OK);
    assert_int_equal(seg_kmeans_get_int(km, SEG_KMEANS_MIN_PROFILE_SIZE, &v), SEG_OK);
    assert_int_equal(v, 10);
    assert_int_equal(seg_kmeans_param_bounds(SEG_KMEANS_MIN_PROFILE_SIZE, &lo, &hi), SEG_OK);
    assert_true(lo == 0 && hi == 1e12);
    seg_kmeans_free(km);
    /* No model, or a model without profile: nothing withheld, threshold 0. */
    assert_int_equal(seg_model_profile_withheld(NULL, 0), 0);
    assert_int_equal(seg_model_min_profile_size(NULL), 0);
}

/* A Ward model of the groups (Ward on the scaled rows, cut into 3) with the
 * threshold min_size. */
static seg_model *ward(const seg_dataset *ds, size_t min_size)
{
    seg_scaler *sc = NULL;
    seg_linkage *tree = NULL;
    seg_model *m = NULL;
    const size_t n = seg_dataset_rows(ds);
    assert_int_equal(seg_scaler_new(&sc), SEG_OK);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_OK);
    const size_t d = seg_scaler_features(sc);
    double *x = malloc(n * d * sizeof *x);
    int32_t *lab = malloc(n * sizeof *lab);
    assert_true(x && lab);
    assert_int_equal(seg_scaler_transform_f64(sc, ds, x, n * d), SEG_OK);
    assert_int_equal(seg_linkage_fit_ward_f64(x, n, d, NULL, &tree), SEG_OK);
    assert_int_equal(seg_linkage_cut_k(tree, 3, lab, n), SEG_OK);
    assert_int_equal(seg_model_from_labels_min_profile(ds, sc, lab, 3, min_size, &m), SEG_OK);
    seg_linkage_free(tree);
    seg_scaler_free(sc);
    free(x);
    free(lab);
    return m;
}

static void test_ward_models_withhold_too(void **state)
{
    (void)state;
    seg_dataset *ds = groups(4, false);
    seg_model *w = ward(ds, 3), *km = fit(ds, 3), *w0 = ward(ds, 0), *l = NULL;
    /* The same segments are withheld as by k-means, for the same reasons. */
    assert_int_equal(seg_model_min_profile_size(w), 3);
    for (size_t size = 2; size <= 6; size += 2)
        assert_int_equal(seg_model_profile_withheld(w, seg_of_size(w, size)),
                         seg_model_profile_withheld(km, seg_of_size(km, size)));
    assert_int_equal(seg_model_profile_withheld(w, seg_of_size(w, 2)), 1);
    assert_int_equal(seg_model_profile_withheld(w, seg_of_size(w, 4)), 2);
    assert_withheld(w, seg_of_size(w, 2));
    assert_withheld(w, seg_of_size(w, 4));
    assert_group_a(w, seg_of_size(w, 6));
    assert_string_equal(seg_model_segment_label(w, seg_of_size(w, 2)),
                        "fewer than 3 customers (profile withheld)");
    /* Withheld means absent from the saved bytes; shown ones present. */
    size_t len = 0, len0 = 0;
    uint8_t *buf = save(w, &len), *buf0 = save(w0, &len0);
    assert_false(holds_f64(buf, len, 1001.0));
    assert_false(holds_f64(buf, len, 102.5));
    assert_true(holds_f64(buf, len, 3.5));
    assert_non_null(tu_find(buf, len, "KANO", 4));
    assert_true(holds_f64(buf0, len0, 1001.0)); /* threshold 0: all there */
    assert_null(tu_find(buf0, len0, "KANO", 4));
    assert_int_equal(seg_model_load_mem(&l, buf, len), SEG_OK);
    assert_int_equal(seg_model_min_profile_size(l), 3);
    assert_withheld(l, seg_of_size(l, 2));
    assert_group_a(l, seg_of_size(l, 6));
    free(buf);
    free(buf0);
    seg_model_free(l);
    seg_model_free(w0);
    seg_model_free(km);
    seg_model_free(w);
    /* Fewer rows than the threshold: everything, the population too. */
    w = ward(ds, 13);
    for (size_t j = 0; j <= 3; j++)
        assert_int_equal(seg_model_profile_withheld(w, j), 1);
    seg_model_free(w);
    seg_dataset_free(ds);
}

static void test_ward_threshold_bounds(void **state)
{
    (void)state;
    seg_dataset *ds = groups(4, false);
    int32_t lab[12] = {0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2};
    seg_model *m = (seg_model *)&m; /* overwritten with NULL on failure */
    assert_int_equal(seg_model_from_labels_min_profile(ds, NULL, lab, 3, (size_t)1e12 + 1, &m),
                     SEG_ERR_INVALID_ARG);
    assert_non_null(strstr(seg_last_error(), "minimum profile size 1000000000001 outside"));
    assert_null(m);
    /* Unscaled numeric columns: the hand partition's profiles, C withheld. */
    seg_dataset *num = NULL;
    const char *text = "spend\n1\n2\n3\n4\n5\n6\n101\n102\n103\n104\n1000\n1002\n";
    assert_int_equal(seg_dataset_read_csv_memory(&num, text, strlen(text), NULL), SEG_OK);
    assert_int_equal(seg_model_from_labels_min_profile(num, NULL, lab, 3, 3, &m), SEG_OK);
    assert_int_equal(seg_model_profile_withheld(m, 2), 1);
    assert_int_equal(seg_model_profile_withheld(m, 1), 2);
    assert_true(fabs(mean_of(m, 0) - 3.5) < 1e-12);
    seg_model_free(m);
    seg_dataset_free(num);
    seg_dataset_free(ds);
}

/* seg_model_set_min_profile_size() on a model described without a threshold
 * gives the model described with it: the same file, byte for byte (numeric
 * columns: no level to fold). Its refusals. */
static void test_set_min_profile_size(void **state)
{
    (void)state;
    seg_dataset *num = NULL;
    int32_t lab[12] = {0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2};
    const char *text = "spend\n1\n2\n3\n4\n5\n6\n101\n102\n103\n104\n1000\n1002\n";
    seg_model *a = NULL, *b = NULL;
    assert_int_equal(seg_dataset_read_csv_memory(&num, text, strlen(text), NULL), SEG_OK);
    assert_int_equal(seg_model_from_labels_min_profile(num, NULL, lab, 3, 3, &a), SEG_OK);
    assert_int_equal(seg_model_from_labels(num, NULL, lab, 3, &b), SEG_OK);
    assert_int_equal(seg_model_profile_withheld(b, 2), 0);
    assert_int_equal(seg_model_set_min_profile_size(b, 0), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_model_set_min_profile_size(NULL, 3), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_model_set_min_profile_size(b, 3), SEG_OK);
    assert_int_equal(seg_model_set_min_profile_size(b, 4), SEG_ERR_STATE);
    assert_int_equal(seg_model_min_profile_size(b), 3);
    assert_int_equal(seg_model_profile_withheld(b, 2), 1);
    assert_int_equal(seg_model_profile_withheld(b, 1), 2);
    double v = 0;
    assert_int_equal(seg_model_profile_numeric(b, 2, 0, SEG_PROFILE_MEAN, &v), SEG_ERR_STATE);
    assert_int_equal(seg_model_profile_numeric(b, 0, 0, SEG_PROFILE_MEAN, &v), SEG_OK);
    assert_true(fabs(v - 3.5) < 1e-12);
    size_t la = 0, lb = 0;
    uint8_t *ba = save(a, &la), *bb = save(b, &lb);
    assert_true(la == lb && memcmp(ba, bb, la) == 0);
    free(ba);
    free(bb);
    seg_model_free(a);
    seg_model_free(b);
    seg_dataset_free(num);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_segment_and_partner_withheld),
        cmocka_unit_test(test_set_min_profile_size),
        cmocka_unit_test(test_small_segments_cover_each_other),
        cmocka_unit_test(test_threshold_zero_unchanged),
        cmocka_unit_test(test_withheld_after_save_load),
        cmocka_unit_test(test_minibatch_withheld),
        cmocka_unit_test(test_everything_withheld_below_threshold),
        cmocka_unit_test(test_weights_do_not_count),
        cmocka_unit_test(test_setting),
        cmocka_unit_test(test_ward_models_withhold_too),
        cmocka_unit_test(test_ward_threshold_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
