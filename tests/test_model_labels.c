/*
 * seg_model_from_labels: centroids, sizes, weights and inertia against values
 * computed by hand, a scaled case against means of the scaler's own output,
 * profiles, prediction, and every error path.
 */
#include <seg.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"

#define assert_near(a, b, eps) assert_true(fabs((double)(a) - (double)(b)) <= (eps))

/* Five customers in two clear groups. */
static const double X[] = {0, 0, 2, 0, 0, 4, 10, 10, 12, 10};
static const int32_t LAB[] = {0, 0, 0, 1, 1};

static void unweighted_by_hand(void **state)
{
    (void)state;
    seg_dataset *ds = NULL;
    seg_model *m = NULL;
    assert_int_equal(seg_dataset_from_f64(&ds, X, 5, 2, NULL), SEG_OK);
    assert_int_equal(seg_model_from_labels(ds, NULL, LAB, 2, &m), SEG_OK);
    double c[4];
    assert_int_equal(seg_model_k(m), 2);
    assert_int_equal(seg_model_centroids_f64(m, c, 4), SEG_OK);
    /* (0 + 2 + 0) / 3, (0 + 0 + 4) / 3; (10 + 12) / 2, 10 */
    assert_near(c[0], 2.0 / 3, 1e-15);
    assert_near(c[1], 4.0 / 3, 1e-15);
    assert_near(c[2], 11, 1e-15);
    assert_near(c[3], 10, 1e-15);
    assert_int_equal(seg_model_segment_size(m, 0), 3);
    assert_int_equal(seg_model_segment_size(m, 1), 2);
    assert_near(seg_model_segment_weight(m, 0), 3, 0);
    /* 20/9 + 32/9 + 68/9 for the first segment, 1 + 1 for the second. */
    assert_near(seg_model_inertia(m), 120.0 / 9 + 2, 1e-12);
    /* Profiles are in the columns' units: here the same values. */
    double mean;
    assert_int_equal(seg_model_profile_columns(m), 2);
    assert_int_equal(seg_model_profile_numeric(m, 0, 1, SEG_PROFILE_MEAN, &mean), SEG_OK);
    assert_near(mean, 4.0 / 3, 1e-12);
    assert_non_null(seg_model_segment_label(m, 1));
    /* Prediction gives each row its nearest segment mean: the labels here. */
    int32_t got[5];
    double dist[5];
    seg_predictor *p = NULL;
    assert_int_equal(seg_predictor_new(&p, m), SEG_OK);
    assert_int_equal(seg_predictor_run_f64(p, X, 5, 2, got, dist), SEG_OK);
    assert_memory_equal(got, LAB, sizeof got);
    assert_near(dist[4], 1, 1e-9);
    seg_predictor_free(p);
    seg_model_free(m);
    seg_dataset_free(ds);
}

static void weighted_by_hand(void **state)
{
    (void)state;
    static const char csv[] = "x,y,w\n0,0,1\n2,0,1\n0,4,2\n10,10,1\n12,10,3\n";
    seg_dataset *ds = NULL;
    seg_model *m = NULL;
    assert_int_equal(seg_dataset_read_csv_memory(&ds, csv, sizeof csv - 1, NULL), SEG_OK);
    assert_int_equal(seg_dataset_set_weight_column(ds, "w"), SEG_OK);
    assert_int_equal(seg_model_from_labels(ds, NULL, LAB, 2, &m), SEG_OK);
    double c[4];
    assert_int_equal(seg_model_centroids_f64(m, c, 4), SEG_OK);
    /* (0 + 2 + 2*0) / 4, (2*4) / 4; (10 + 3*12) / 4, 10 */
    assert_near(c[0], 0.5, 1e-15);
    assert_near(c[1], 2, 1e-15);
    assert_near(c[2], 11.5, 1e-15);
    assert_near(c[3], 10, 1e-15);
    assert_near(seg_model_segment_weight(m, 0), 4, 0);
    assert_near(seg_model_segment_weight(m, 1), 4, 0);
    assert_int_equal(seg_model_segment_size(m, 1), 2);
    /* 4.25 + 6.25 + 2 * 4.25, then 2.25 + 3 * 0.25 */
    assert_near(seg_model_inertia(m), 22, 1e-12);
    seg_model_free(m);
    seg_dataset_free(ds);
}

/* With a scaler, centroids are means of what the scaler's transform gives. */
static void scaled_means(void **state)
{
    (void)state;
    seg_dataset *ds = NULL;
    seg_scaler *sc = NULL;
    seg_model *m = NULL;
    double z[10], c[4], want[4] = {0};
    assert_int_equal(seg_dataset_from_f64(&ds, X, 5, 2, NULL), SEG_OK);
    assert_int_equal(seg_scaler_new(&sc), SEG_OK);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_OK);
    assert_int_equal(seg_scaler_transform_f64(sc, ds, z, 10), SEG_OK);
    for (size_t i = 0; i < 5; i++)
        for (size_t t = 0; t < 2; t++)
            want[LAB[i] * 2 + t] += z[i * 2 + t] / (LAB[i] ? 2.0 : 3.0);
    assert_int_equal(seg_model_from_labels(ds, sc, LAB, 2, &m), SEG_OK);
    assert_int_equal(seg_model_centroids_f64(m, c, 4), SEG_OK);
    for (size_t j = 0; j < 4; j++)
        assert_near(c[j], want[j], 1e-12);
    assert_non_null(seg_model_scaler(m));
    seg_model_free(m);
    seg_scaler_free(sc);
    seg_dataset_free(ds);
}

static void errors(void **state)
{
    (void)state;
    seg_dataset *ds = NULL;
    seg_scaler *sc = NULL;
    seg_model *m = (seg_model *)&m;
    int32_t bad[5] = {0, 0, 2, 1, 1}, gap[5] = {0, 0, 0, 2, 2};
    assert_int_equal(seg_dataset_from_f64(&ds, X, 5, 2, NULL), SEG_OK);
    assert_int_equal(seg_model_from_labels(ds, NULL, LAB, 2, NULL), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_model_from_labels(NULL, NULL, LAB, 2, &m), SEG_ERR_INVALID_ARG);
    assert_null(m);
    assert_int_equal(seg_model_from_labels(ds, NULL, NULL, 2, &m), SEG_ERR_INVALID_ARG);
    assert_non_null(strstr(seg_last_error(), "labels is NULL"));
    assert_int_equal(seg_model_from_labels(ds, NULL, LAB, 0, &m), SEG_ERR_INVALID_ARG);
    assert_non_null(strstr(seg_last_error(), "k = 0 outside 1 .. 5"));
    assert_int_equal(seg_model_from_labels(ds, NULL, LAB, 6, &m), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_model_from_labels(ds, NULL, bad, 2, &m), SEG_ERR_INVALID_ARG);
    assert_non_null(strstr(seg_last_error(), "label 2 of row 2 outside 0 .. 1"));
    assert_int_equal(seg_model_from_labels(ds, NULL, gap, 3, &m), SEG_ERR_EMPTY);
    assert_non_null(strstr(seg_last_error(), "segment 1 has no rows"));
    assert_null(m);
    assert_int_equal(seg_scaler_new(&sc), SEG_OK);
    assert_int_equal(seg_model_from_labels(ds, sc, LAB, 2, &m), SEG_ERR_STATE);
    assert_non_null(strstr(seg_last_error(), "not fitted"));
    seg_scaler_free(sc);
    seg_dataset_free(ds);
}

/*
 * The label's wording and its traits (issue 16): two groups of three
 * customers, constant within each, so every item's |z| is exactly 1. The
 * tie puts what a segment has more of first, then the column order. A
 * numeric column reads higher / lower NAME, one called age in any case
 * older / younger, a level "mostly LEVEL (NAME)"; each trait names its item.
 */
static void label_words_and_traits(void **state)
{
    (void)state;
    const char *csv = "income,AGE,job\n"
                      "900,25,student\n900,25,student\n900,25,student\n"
                      "100,60,retired\n100,60,retired\n100,60,retired\n";
    const int32_t lab[] = {0, 0, 0, 1, 1, 1};
    seg_dataset *ds = NULL;
    seg_model *m = NULL;
    seg_scaler *sc = NULL;
    assert_int_equal(seg_dataset_read_csv_memory(&ds, csv, strlen(csv), NULL), SEG_OK);
    assert_int_equal(seg_scaler_new(&sc), SEG_OK);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_OK);
    assert_int_equal(seg_model_from_labels(ds, sc, lab, 2, &m), SEG_OK);
    assert_string_equal(seg_model_segment_label(m, 0),
                        "higher income, mostly student (job), younger");
    assert_string_equal(seg_model_segment_label(m, 1),
                        "older, mostly retired (job), lower income");
    /* Items: income, AGE, job=student, job=retired (levels in order of
     * appearance). */
    static const char *const phrase0[] = {"higher income", "mostly student (job)", "younger"};
    static const char *const item0[] = {"income", "job=student", "AGE"};
    assert_int_equal(seg_model_segment_traits(m, 0), 3);
    for (size_t t = 0; t < 3; t++) {
        size_t item = 99;
        const char *ph = NULL;
        double z = 0;
        assert_int_equal(seg_model_segment_trait(m, 0, t, &item, &ph), SEG_OK);
        assert_string_equal(ph, phrase0[t]);
        assert_string_equal(seg_model_profile_item_name(m, item), item0[t]);
        assert_int_equal(seg_model_profile_zscore(m, 0, item, &z), SEG_OK);
        assert_near(fabs(z), 1, 1e-12);
    }
    size_t item;
    const char *ph;
    assert_int_equal(seg_model_segment_trait(m, 0, 3, &item, &ph), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_model_segment_trait(m, 2, 0, &item, &ph), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_model_segment_trait(m, 0, 0, NULL, &ph), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_model_segment_traits(m, 2), 0);
    assert_int_equal(seg_model_segment_traits(NULL, 0), 0);
    seg_model_free(m);
    seg_scaler_free(sc);
    seg_dataset_free(ds);
}

/* Below the documented threshold (|z| < 0.5) no trait: "close to average". */
static void label_threshold(void **state)
{
    (void)state;
    /* x: segment 0 holds 0, 1, 2, 3 and 4 + e, segment 1 the rest of a
     * spread whose population sd is large against the segments' difference. */
    const double x[] = {0, 10, 20, 30, 40, 1, 11, 21, 31, 41};
    const int32_t lab[] = {0, 0, 0, 0, 0, 1, 1, 1, 1, 1};
    seg_dataset *ds = NULL;
    seg_model *m = NULL;
    assert_int_equal(seg_dataset_from_f64(&ds, x, 10, 1, NULL), SEG_OK);
    assert_int_equal(seg_model_from_labels(ds, NULL, lab, 2, &m), SEG_OK);
    double z;
    assert_int_equal(seg_model_profile_zscore(m, 0, 0, &z), SEG_OK);
    assert_true(fabs(z) < 0.5 && fabs(z) > 0);
    assert_string_equal(seg_model_segment_label(m, 0), "close to average");
    assert_int_equal(seg_model_segment_traits(m, 0), 0);
    seg_model_free(m);
    seg_dataset_free(ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(unweighted_by_hand),
        cmocka_unit_test(weighted_by_hand),
        cmocka_unit_test(scaled_means),
        cmocka_unit_test(errors),
        cmocka_unit_test(label_words_and_traits),
        cmocka_unit_test(label_threshold),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
