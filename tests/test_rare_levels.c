/*
 * Rare category levels (SEG_SCALER_MIN_LEVEL_COUNT, and the profiles under
 * SEG_KMEANS_MIN_PROFILE_SIZE): a level held by fewer than N training rows
 * is folded into "(other)", so its name is no feature name, no profile level
 * and no byte of a saved model; values outside the kept levels encode as
 * "(other)"; a threshold of 0 changes nothing. Every expected value is
 * counted by hand from the rows written below.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "data/data.h"
#include "prepare/scaler.h"
#include "core/bytes.h"
#include "testutil.h"

/* 16 rows: clerk x 6 (x 1..6), nurse x 5 (x 101..105), astronaut x 2, diver
 * x 1, a level spelt "(other)" x 1, one missing (x 1000, 1001, 1002, 1003,
 * 1004). */
static const char TRAIN[] = "x,job\n1,clerk\n2,clerk\n3,clerk\n4,clerk\n5,clerk\n6,clerk\n"
                            "101,nurse\n102,nurse\n103,nurse\n104,nurse\n105,nurse\n"
                            "1000,astronaut\n1001,astronaut\n1002,diver\n1003,(other)\n1004,\n";

static seg_dataset *read(const char *text)
{
    seg_dataset *ds = NULL;
    assert_int_equal(seg_dataset_read_csv_memory(&ds, text, strlen(text), NULL), SEG_OK);
    return ds;
}

static seg_scaler *scaler(const seg_dataset *ds, int64_t min_count)
{
    seg_scaler *sc = NULL;
    assert_int_equal(seg_scaler_new(&sc), SEG_OK);
    assert_int_equal(seg_scaler_set_int(sc, SEG_SCALER_MIN_LEVEL_COUNT, min_count), SEG_OK);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_OK);
    return sc;
}

static void assert_names(const seg_scaler *sc, const char *const *want, size_t n)
{
    assert_int_equal(seg_scaler_features(sc), n);
    for (size_t j = 0; j < n; j++)
        assert_string_equal(seg_scaler_feature_name(sc, j), want[j]);
}

/* First occurrence of a string's bytes in buf, or NULL. */
static uint8_t *find(uint8_t *buf, size_t len, const char *what)
{
    return tu_find(buf, len, what, strlen(what));
}

static void test_feature_names(void **state)
{
    (void)state;
    seg_dataset *ds = read(TRAIN);
    seg_scaler *off = scaler(ds, 0), *on = scaler(ds, 3), *all = scaler(ds, 7);
    /* Byte order: '(' sorts before letters. Off: every level, the literal
     * "(other)" as an ordinary one. */
    const char *const want_off[] = {"x", "job=(missing)", "job=(other)", "job=astronaut",
                                    "job=clerk", "job=diver", "job=nurse"};
    assert_names(off, want_off, 7);
    /* N = 3: astronaut (2), diver (1) and "(other)" (1) fold; "(missing)"
     * (1 row) stays, its name says nothing. */
    const char *const want_on[] = {"x", "job=(missing)", "job=(other)", "job=clerk", "job=nurse"};
    assert_names(on, want_on, 5);
    /* N = 7: even clerk (6) folds; "(missing)" and "(other)" are left, two
     * levels, so one 0/1 feature marking "(other)". */
    const char *const want_all[] = {"x", "job=(other)"};
    assert_names(all, want_all, 2);
    seg_scaler_free(off);
    seg_scaler_free(on);
    seg_scaler_free(all);
    seg_dataset_free(ds);
}

static void test_transform_maps_rare_and_unseen_to_other(void **state)
{
    (void)state;
    seg_dataset *ds = read(TRAIN);
    seg_scaler *on = scaler(ds, 3), *off = scaler(ds, 0);
    double x[16 * 5];
    assert_int_equal(seg_scaler_transform_f64(on, ds, x, 16 * 5), SEG_OK);
    /* Columns 1..4: (missing), (other), clerk, nurse. */
    const int want[16][4] = {
        {0, 0, 1, 0}, {0, 0, 1, 0}, {0, 0, 1, 0}, {0, 0, 1, 0}, {0, 0, 1, 0}, {0, 0, 1, 0},
        {0, 0, 0, 1}, {0, 0, 0, 1}, {0, 0, 0, 1}, {0, 0, 0, 1}, {0, 0, 0, 1},
        {0, 1, 0, 0}, {0, 1, 0, 0}, {0, 1, 0, 0}, {0, 1, 0, 0}, {1, 0, 0, 0}};
    for (size_t i = 0; i < 16; i++)
        for (size_t f = 0; f < 4; f++)
            assert_true(x[i * 5 + 1 + f] == want[i][f]);
    /* A level never seen in training: "(other)" when folding, zeros when not. */
    seg_dataset *fresh = read("x,job\n7,pilot\n8,clerk\n9,astronaut\n");
    double y[3 * 7];
    assert_int_equal(seg_scaler_transform_f64(on, fresh, y, 3 * 5), SEG_OK);
    assert_true(y[0 * 5 + 2] == 1 && y[0 * 5 + 3] == 0 && y[0 * 5 + 4] == 0);
    assert_true(y[1 * 5 + 3] == 1 && y[1 * 5 + 2] == 0);
    assert_true(y[2 * 5 + 2] == 1);
    assert_int_equal(seg_scaler_transform_f64(off, fresh, y, 3 * 7), SEG_OK);
    for (size_t f = 1; f < 7; f++)
        assert_true(y[f] == 0); /* pilot: no feature at all */
    assert_true(y[2 * 7 + 3] == 1); /* astronaut is a level of its own when off */
    seg_dataset_free(fresh);
    seg_scaler_free(on);
    seg_scaler_free(off);
    seg_dataset_free(ds);
}

static void test_two_levels_left_is_binary(void **state)
{
    (void)state;
    /* a x 4, b x 1, c x 1: with N = 2, "(other)" and "a": one 0/1 feature. */
    seg_dataset *ds = read("k\na\na\na\na\nb\nc\n");
    seg_scaler *sc = scaler(ds, 2);
    assert_int_equal(seg_scaler_features(sc), 1);
    double x[6];
    assert_int_equal(seg_scaler_transform_f64(sc, ds, x, 6), SEG_OK);
    const double a = x[0];
    assert_true(a == 0 || a == 1);
    for (size_t i = 0; i < 4; i++)
        assert_true(x[i] == a);
    assert_true(x[4] == 1 - a && x[5] == 1 - a); /* b and c are "(other)" */
    seg_scaler_free(sc);
    seg_dataset_free(ds);
}

static void test_setting(void **state)
{
    (void)state;
    seg_scaler *sc = NULL;
    int64_t v = -1;
    assert_int_equal(seg_scaler_new(&sc), SEG_OK);
    assert_int_equal(seg_scaler_get_int(sc, SEG_SCALER_MIN_LEVEL_COUNT, &v), SEG_OK);
    assert_int_equal(v, 0);
    assert_int_equal(seg_scaler_set_int(sc, SEG_SCALER_MIN_LEVEL_COUNT, -1), SEG_ERR_INVALID_ARG);
    assert_non_null(strstr(seg_last_error(), "-1 is outside 0 .. 1000000000000"));
    assert_int_equal(seg_scaler_set_int(sc, SEG_SCALER_MIN_LEVEL_COUNT, INT64_C(1000000000001)),
                     SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_scaler_set_int(sc, SEG_SCALER_MIN_LEVEL_COUNT, 5), SEG_OK);
    assert_int_equal(seg_scaler_get_int(sc, SEG_SCALER_MIN_LEVEL_COUNT, &v), SEG_OK);
    assert_int_equal(v, 5);
    /* A clone keeps the setting and the fold. */
    seg_dataset *ds = read(TRAIN);
    seg_scaler *c = NULL;
    assert_int_equal(seg_scaler_set_int(sc, SEG_SCALER_MIN_LEVEL_COUNT, 3), SEG_OK);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_OK);
    assert_int_equal(seg_scaler_clone(sc, &c), SEG_OK);
    seg_dataset *fresh = read("x,job\n7,pilot\n");
    double y[5];
    assert_int_equal(seg_scaler_transform_f64(c, fresh, y, 5), SEG_OK);
    assert_true(y[2] == 1);
    seg_dataset_free(fresh);
    seg_dataset_free(ds);
    seg_scaler_free(c);
    seg_scaler_free(sc);
}

/* A k-means model with both thresholds at n (scaler and profiles). */
static seg_model *fit(const seg_dataset *ds, int64_t n)
{
    seg_scaler *sc = scaler(ds, n);
    seg_kmeans *km = NULL;
    seg_model *m = NULL;
    assert_int_equal(seg_kmeans_new(&km), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_K, 2), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_MIN_PROFILE_SIZE, n), SEG_OK);
    assert_int_equal(seg_kmeans_fit_dataset(km, ds, sc, NULL, &m), SEG_OK);
    seg_kmeans_free(km);
    seg_scaler_free(sc);
    return m;
}

static uint8_t *save(const seg_model *m, size_t *len)
{
    uint8_t *buf = tu_model_bytes(m, len);
    assert_non_null(buf);
    return buf;
}

static void fix_crc(uint8_t *buf, size_t len)
{
    uint32_t crc = seg_crc32(buf, len - 4);
    for (int i = 0; i < 4; i++)
        buf[len - 4 + (size_t)i] = (uint8_t)(crc >> (8 * i));
}

static void test_profile_levels(void **state)
{
    (void)state;
    seg_dataset *ds = read(TRAIN);
    seg_model *m = fit(ds, 3), *m0 = fit(ds, 0);
    /* job is profile column 1: clerk, nurse, then (other), then (missing). */
    assert_int_equal(seg_model_profile_levels(m, 1), 4);
    assert_string_equal(seg_model_profile_level(m, 1, 0), "clerk");
    assert_string_equal(seg_model_profile_level(m, 1, 1), "nurse");
    assert_string_equal(seg_model_profile_level(m, 1, 2), "(other)");
    assert_string_equal(seg_model_profile_level(m, 1, 3), "(missing)");
    double v;
    assert_int_equal(seg_model_profile_share(m, 2, 1, 2, &v), SEG_OK); /* population */
    assert_true(v == 4.0 / 16);
    assert_int_equal(seg_model_profile_share(m, 2, 1, 0, &v), SEG_OK);
    assert_true(v == 6.0 / 16);
    /* Off: the dataset's levels, each apart. */
    assert_int_equal(seg_model_profile_levels(m0, 1), 6);
    assert_string_equal(seg_model_profile_level(m0, 1, 2), "astronaut");
    seg_model_free(m0);
    seg_model_free(m);
    seg_dataset_free(ds);
}

static void test_model_file(void **state)
{
    (void)state;
    seg_dataset *ds = read(TRAIN), *fresh = read("x,job\n7,pilot\n1003,diver\n5,clerk\n");
    seg_model *m = fit(ds, 3), *m0 = fit(ds, 0), *l = NULL;
    size_t len = 0, len0 = 0;
    uint8_t *buf = save(m, &len), *buf0 = save(m0, &len0);
    /* The rare names are in the file without the threshold, not with it. */
    assert_non_null(find(buf0, len0, "astronaut"));
    assert_non_null(find(buf0, len0, "diver"));
    assert_null(find(buf0, len0, "OTHR"));
    assert_null(find(buf, len, "astronaut"));
    assert_null(find(buf, len, "diver"));
    assert_non_null(find(buf, len, "clerk"));
    assert_non_null(find(buf, len, "OTHR"));
    /* A loaded model encodes rare and unseen values as "(other)" too. */
    assert_int_equal(seg_model_load_mem(&l, buf, len), SEG_OK);
    const seg_scaler *ls = seg_model_scaler(l);
    assert_non_null(ls);
    double a[3 * 5], b[3 * 5];
    assert_int_equal(seg_scaler_transform_f64(seg_model_scaler(m), fresh, a, 15), SEG_OK);
    assert_int_equal(seg_scaler_transform_f64(ls, fresh, b, 15), SEG_OK);
    assert_memory_equal(a, b, sizeof a);
    assert_true(b[0 * 5 + 2] == 1 && b[1 * 5 + 2] == 1 && b[2 * 5 + 3] == 1);
    seg_model_free(l);

    /* OTHR pointing at a level that is not "(other)" (clerk, level 2) is
     * refused, as are a second OTHR entry and an empty one. */
    uint8_t *p = find(buf, len, "OTHR");
    uint8_t *level = p + 12 + 16; /* tag, length, count, column, then the level */
    assert_int_equal(level[0], 1); /* "(other)" is level 1 after "(missing)" */
    level[0] = 2;
    fix_crc(buf, len);
    assert_int_equal(seg_model_load_mem(&l, buf, len), SEG_ERR_FORMAT);
    assert_non_null(strstr(seg_last_error(), "malformed section"));
    level[0] = 1;
    p[12] = 0; /* count 0 */
    fix_crc(buf, len);
    assert_int_equal(seg_model_load_mem(&l, buf, len), SEG_ERR_FORMAT);
    assert_null(l);
    p[12] = 1;
    p[12 + 8] = 0; /* column 0 is numeric */
    fix_crc(buf, len);
    assert_int_equal(seg_model_load_mem(&l, buf, len), SEG_ERR_FORMAT);
    p[12 + 8] = 1;
    fix_crc(buf, len);
    assert_int_equal(seg_model_load_mem(&l, buf, len), SEG_OK);
    seg_model_free(l);
    free(buf);
    free(buf0);
    seg_model_free(m0);
    seg_model_free(m);
    seg_dataset_free(fresh);
    seg_dataset_free(ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_feature_names),
        cmocka_unit_test(test_transform_maps_rare_and_unseen_to_other),
        cmocka_unit_test(test_two_levels_left_is_binary),
        cmocka_unit_test(test_setting),
        cmocka_unit_test(test_profile_levels),
        cmocka_unit_test(test_model_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
