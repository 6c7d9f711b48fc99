/*
 * Campaign metrics against counts made here: rates, Wilson intervals (checked
 * against published values), lift, uplift, ROI, the plan and its default step,
 * and outcome parsing. Public API only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "seg.h"
#include "testutil.h"

static double stat(const seg_campaign *c, size_t j, seg_campaign_stat s)
{
    double v;
    assert_int_equal(seg_campaign_segment_stat(c, j, s, &v), SEG_OK);
    return v;
}

static double plan(const seg_campaign *c, size_t step, seg_plan_stat s)
{
    double v;
    assert_int_equal(seg_campaign_plan_stat(c, step, s, &v), SEG_OK);
    return v;
}

/* Segment 0: 2 of 10 convert, segment 1: 6 of 10, segment 2: 1 of 5; held
 * out: segment 1 has 1 of 4, segment 0 has 1 of 2; one unknown outcome. */
static size_t make_rows(int32_t *lab, int8_t *y, int8_t *h)
{
    const struct { int32_t seg; int conv, total, held; } g[] = {
        {0, 2, 10, 0}, {1, 6, 10, 0}, {2, 1, 5, 0}, {1, 1, 4, 1}, {0, 1, 2, 1}};
    size_t n = 0;
    for (size_t b = 0; b < sizeof g / sizeof g[0]; b++)
        for (int i = 0; i < g[b].total; i++, n++) {
            lab[n] = g[b].seg;
            y[n] = (int8_t)(i < g[b].conv);
            h[n] = (int8_t)g[b].held;
        }
    lab[n] = 2;
    y[n] = -1; /* unknown outcome: counted nowhere */
    h[n] = 0;
    return n + 1;
}

static void test_rates_and_plan(void **state)
{
    (void)state;
    int32_t lab[64];
    int8_t y[64], h[64];
    size_t n = make_rows(lab, y, h);
    seg_campaign *c = NULL;
    assert_int_equal(seg_campaign_new(&c), SEG_OK);
    double v;
    assert_int_equal(seg_campaign_segment_stat(c, 0, SEG_CAMPAIGN_RATE, &v), SEG_ERR_STATE);
    assert_int_equal(seg_campaign_compute(c, lab, n, 3, y, h), SEG_OK);

    assert_float_equal(stat(c, 0, SEG_CAMPAIGN_CONTACTS), 10, 0);
    assert_float_equal(stat(c, 2, SEG_CAMPAIGN_CONTACTS), 5, 0);
    assert_float_equal(stat(c, 3, SEG_CAMPAIGN_CONTACTS), 25, 0);
    assert_float_equal(stat(c, 1, SEG_CAMPAIGN_RATE), 0.6, 1e-15);
    assert_float_equal(stat(c, 3, SEG_CAMPAIGN_RATE), 9.0 / 25, 1e-15);
    assert_float_equal(stat(c, 1, SEG_CAMPAIGN_LIFT), 0.6 / (9.0 / 25), 1e-14);
    assert_float_equal(stat(c, 1, SEG_CAMPAIGN_HELD_OUT), 4, 0);
    assert_float_equal(stat(c, 1, SEG_CAMPAIGN_UPLIFT), 0.6 - 0.25, 1e-15);
    assert_float_equal(stat(c, 0, SEG_CAMPAIGN_UPLIFT), 0.2 - 0.5, 1e-15);
    assert_true(isnan(stat(c, 2, SEG_CAMPAIGN_UPLIFT))); /* nobody held out */
    assert_true(isnan(stat(c, 0, SEG_CAMPAIGN_ROI)));    /* no money set */

    /* Plan: segment 1 (0.6), then 0 (0.2), then 2 (0.2, higher index). */
    assert_int_equal(seg_campaign_plan_steps(c), 3);
    assert_float_equal(plan(c, 0, SEG_PLAN_SEGMENT), 1, 0);
    assert_float_equal(plan(c, 1, SEG_PLAN_SEGMENT), 0, 0);
    assert_float_equal(plan(c, 2, SEG_PLAN_SEGMENT), 2, 0);
    assert_float_equal(plan(c, 1, SEG_PLAN_CONTACTS), 20, 0);
    assert_float_equal(plan(c, 1, SEG_PLAN_CONVERSIONS), 8, 0);
    assert_float_equal(plan(c, 1, SEG_PLAN_CONVERSION_SHARE), 8.0 / 9, 1e-15);
    assert_float_equal(plan(c, 0, SEG_PLAN_CONTACTS_AVOIDED), 15, 0);
    assert_float_equal(plan(c, 2, SEG_PLAN_CONTACTS_AVOIDED), 0, 0);
    size_t best;
    assert_int_equal(seg_campaign_plan_best(c, &best), SEG_OK);
    assert_int_equal(best, 0); /* only segment 1 beats the overall 0.36 */

    /* Cost 1, revenue 4: profits 14, 12, 11 -> step 0; revenue 6: 26, 28, 29 -> step 2. */
    assert_int_equal(seg_campaign_set_double(c, SEG_CAMPAIGN_COST_PER_CONTACT, 1), SEG_OK);
    assert_int_equal(seg_campaign_set_double(c, SEG_CAMPAIGN_REVENUE_PER_CONVERSION, 4), SEG_OK);
    assert_float_equal(plan(c, 1, SEG_PLAN_PROFIT), 12, 1e-12);
    assert_float_equal(plan(c, 1, SEG_PLAN_ROI), 12.0 / 20, 1e-15);
    assert_float_equal(stat(c, 1, SEG_CAMPAIGN_ROI), (24.0 - 10) / 10, 1e-15);
    assert_int_equal(seg_campaign_plan_best(c, &best), SEG_OK);
    assert_int_equal(best, 0);
    assert_int_equal(seg_campaign_set_double(c, SEG_CAMPAIGN_REVENUE_PER_CONVERSION, 6), SEG_OK);
    assert_int_equal(seg_campaign_plan_best(c, &best), SEG_OK);
    assert_int_equal(best, 2);

    assert_int_equal(seg_campaign_set_double(c, SEG_CAMPAIGN_COST_PER_CONTACT, -1),
                     SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_campaign_segment_stat(c, 4, SEG_CAMPAIGN_RATE, &v), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_campaign_plan_stat(c, 3, SEG_PLAN_CONTACTS, &v), SEG_ERR_INVALID_ARG);
    lab[3] = 3;
    assert_int_equal(seg_campaign_compute(c, lab, n, 3, y, h), SEG_ERR_INVALID_ARG);
    assert_non_null(strstr(seg_last_error(), "row 4"));
    assert_int_equal(seg_campaign_plan_steps(c), 0);
    seg_campaign_free(c);
}

/* Wilson score intervals against published values (Newcombe 1998, table I:
 * 81/263 -> 0.2553 .. 0.3662; 0/10 -> 0 .. 0.2775; 15/148 -> 0.0624 .. 0.1605). */
static void test_wilson(void **state)
{
    (void)state;
    const struct { int x, m; double lo, hi; } cases[] = {
        {81, 263, 0.2553, 0.3662}, {0, 10, 0.0, 0.2775}, {15, 148, 0.0624, 0.1605}};
    for (size_t t = 0; t < 3; t++) {
        int32_t *lab = calloc((size_t)cases[t].m, sizeof *lab);
        int8_t *y = calloc((size_t)cases[t].m, 1);
        for (int i = 0; i < cases[t].x; i++)
            y[i] = 1;
        seg_campaign *c = NULL;
        assert_int_equal(seg_campaign_new(&c), SEG_OK);
        assert_int_equal(seg_campaign_compute(c, lab, (size_t)cases[t].m, 1, y, NULL), SEG_OK);
        assert_float_equal(stat(c, 0, SEG_CAMPAIGN_RATE_LOW), cases[t].lo, 5e-5);
        assert_float_equal(stat(c, 0, SEG_CAMPAIGN_RATE_HIGH), cases[t].hi, 5e-5);
        seg_campaign_free(c);
        free(lab);
        free(y);
    }
}

static void test_outcome_column(void **state)
{
    (void)state;
    const char *text = "a,y,n,bad\n1,yes,1,yes\n2,No,0,maybe\n3,,1,no\n4,TRUE,,no\n";
    seg_dataset *ds = NULL;
    int8_t out[4];
    assert_int_equal(seg_dataset_read_csv_memory(&ds, text, strlen(text), NULL), SEG_OK);
    assert_int_equal(seg_dataset_get_outcome(ds, "y", out, 4), SEG_OK);
    assert_int_equal(out[0], 1);
    assert_int_equal(out[1], 0);
    assert_int_equal(out[2], -1);
    assert_int_equal(out[3], 1);
    assert_int_equal(seg_dataset_get_outcome(ds, "n", out, 4), SEG_OK);
    assert_memory_equal(out, ((int8_t[]){1, 0, 1, -1}), 4);
    assert_int_equal(seg_dataset_get_outcome(ds, "bad", out, 4), SEG_ERR_PARSE);
    assert_non_null(strstr(seg_last_error(), "row 2: 'maybe'"));
    assert_int_equal(seg_dataset_get_outcome(ds, "a", out, 4), SEG_ERR_PARSE);
    assert_int_equal(seg_dataset_get_outcome(ds, "zz", out, 4), SEG_ERR_NOT_FOUND);
    assert_int_equal(seg_dataset_get_outcome(ds, "y", out, 3), SEG_ERR_MISMATCH);
    seg_dataset_free(ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rates_and_plan),
        cmocka_unit_test(test_wilson),
        cmocka_unit_test(test_outcome_column),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
