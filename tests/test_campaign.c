/*
 * Campaign metrics against counts made here: rates, Wilson intervals (checked
 * against published values), lift, uplift, ROI, the plan and its default step,
 * and outcome parsing. Public API only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
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
    assert_non_null(strstr(seg_last_error(), "<memory>:3:4: column 'bad': 'maybe' is not"));
    assert_int_equal(seg_dataset_get_outcome(ds, "a", out, 4), SEG_ERR_PARSE);
    assert_int_equal(seg_dataset_get_outcome(ds, "zz", out, 4), SEG_ERR_NOT_FOUND);
    assert_int_equal(seg_dataset_get_outcome(ds, "y", out, 3), SEG_ERR_MISMATCH);
    /* flags: a missing value is 0, anything but yes/no an error naming the cell */
    uint8_t flag[4];
    assert_int_equal(seg_dataset_get_flag(ds, "y", flag, 4), SEG_OK);
    assert_memory_equal(flag, ((uint8_t[]){1, 0, 0, 1}), 4);
    assert_int_equal(seg_dataset_get_flag(ds, "n", flag, 4), SEG_OK);
    assert_memory_equal(flag, ((uint8_t[]){1, 0, 1, 0}), 4);
    assert_int_equal(seg_dataset_get_flag(ds, "bad", flag, 4), SEG_ERR_PARSE);
    assert_non_null(strstr(seg_last_error(), "<memory>:3:4: column 'bad'"));
    assert_non_null(strstr(seg_last_error(), "'maybe'"));
    assert_int_equal(seg_dataset_get_flag(ds, "a", flag, 4), SEG_ERR_PARSE);
    assert_int_equal(seg_dataset_get_flag(ds, "y", flag, 3), SEG_ERR_MISMATCH);
    seg_dataset_free(ds);
}

/* ---- withheld segments (seg_campaign_set_withheld) ----------------------------------- */

enum { MAX_FIG = 512 };

/* Every value the API gives about a computed campaign of k segments, with
 * each call's status: per-segment statistics (0 .. k), the pooled group's,
 * the plan's length, every step's statistics and the recommended step. */
static size_t all_figures(const seg_campaign *c, size_t k, double *v, int *rc)
{
    size_t n = 0;
    for (size_t j = 0; j <= k; j++)
        for (int s = SEG_CAMPAIGN_CONTACTS; s <= SEG_CAMPAIGN_ROI; s++, n++) {
            v[n] = 0;
            rc[n] = seg_campaign_segment_stat(c, j, (seg_campaign_stat)s, &v[n]);
        }
    for (int s = SEG_CAMPAIGN_CONTACTS; s <= SEG_CAMPAIGN_ROI; s++, n++) {
        v[n] = 0;
        rc[n] = seg_campaign_withheld_stat(c, (seg_campaign_stat)s, &v[n]);
    }
    rc[n] = 0;
    v[n++] = (double)seg_campaign_plan_steps(c);
    for (size_t t = 0; t <= k; t++)
        for (int s = SEG_PLAN_SEGMENT; s <= SEG_PLAN_PROFIT; s++, n++) {
            v[n] = 0;
            rc[n] = seg_campaign_plan_stat(c, t, (seg_plan_stat)s, &v[n]);
        }
    size_t best = 0;
    rc[n] = seg_campaign_plan_best(c, &best);
    v[n++] = (double)best;
    assert_true(n <= MAX_FIG);
    return n;
}

static bool same_figures(const double *a, const int *ra, const double *b, const int *rb, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (ra[i] != rb[i] || !(a[i] == b[i] || (isnan(a[i]) && isnan(b[i]))))
            return false;
    return true;
}

/* The rows of make_rows() with segments 1 and 2 withheld; world B moves a
 * conversion from segment 1 to segment 2 and relabels a held-out customer of
 * segment 1 as segment 2, so the withheld segments' own figures change and
 * their pooled ones do not. */
static void campaign_of(seg_campaign *c, bool world_b, const uint8_t *flags, double cost)
{
    int32_t lab[64];
    int8_t y[64], h[64];
    size_t n = make_rows(lab, y, h);
    if (world_b) {
        y[10] = 0; /* rows 10..19: segment 1, the first six converted */
        y[21] = 1; /* rows 20..24: segment 2, the first one converted */
        lab[26] = 2; /* rows 25..28: segment 1, held out */
    }
    assert_int_equal(seg_campaign_set_withheld(c, flags, flags ? 4 : 0), SEG_OK);
    if (cost > 0) {
        assert_int_equal(seg_campaign_set_double(c, SEG_CAMPAIGN_COST_PER_CONTACT, cost), SEG_OK);
        assert_int_equal(seg_campaign_set_double(c, SEG_CAMPAIGN_REVENUE_PER_CONVERSION, 4), SEG_OK);
    }
    assert_int_equal(seg_campaign_compute(c, lab, n, 3, y, h), SEG_OK);
}

static double pooled(const seg_campaign *c, seg_campaign_stat s)
{
    double v;
    assert_int_equal(seg_campaign_withheld_stat(c, s, &v), SEG_OK);
    return v;
}

static void test_withheld_pooled_figures(void **state)
{
    (void)state;
    const uint8_t flags[4] = {0, 1, 2, 0};
    seg_campaign *c = NULL, *merged = NULL;
    double v;
    assert_int_equal(seg_campaign_new(&c), SEG_OK);
    campaign_of(c, false, flags, 0);
    /* The withheld segments give nothing of their own. */
    for (size_t j = 1; j <= 2; j++) {
        assert_int_equal(seg_campaign_segment_stat(c, j, SEG_CAMPAIGN_RATE, &v), SEG_ERR_STATE);
        assert_non_null(strstr(seg_last_error(), "are withheld (minimum segment size)"));
    }
    assert_float_equal(stat(c, 0, SEG_CAMPAIGN_RATE), 0.2, 1e-15);
    assert_float_equal(stat(c, 3, SEG_CAMPAIGN_CONTACTS), 25, 0);
    /* Pooled by hand: contacted 10 + 5 of whom 6 + 1 converted; held out 4
     * (segment 1) of whom 1 converted; everyone converts at 9 / 25. */
    assert_float_equal(pooled(c, SEG_CAMPAIGN_CONTACTS), 15, 0);
    assert_float_equal(pooled(c, SEG_CAMPAIGN_CONVERSIONS), 7, 0);
    assert_float_equal(pooled(c, SEG_CAMPAIGN_RATE), 7.0 / 15, 1e-15);
    assert_float_equal(pooled(c, SEG_CAMPAIGN_LIFT), (7.0 / 15) / (9.0 / 25), 1e-14);
    assert_float_equal(pooled(c, SEG_CAMPAIGN_HELD_OUT), 4, 0);
    assert_float_equal(pooled(c, SEG_CAMPAIGN_HELD_OUT_CONVERSIONS), 1, 0);
    assert_float_equal(pooled(c, SEG_CAMPAIGN_UPLIFT), 7.0 / 15 - 0.25, 1e-15);
    /* The interval is the one of a campaign where the two are one segment. */
    int32_t lab[64];
    int8_t y[64], h[64];
    size_t n = make_rows(lab, y, h);
    for (size_t i = 0; i < n; i++)
        lab[i] = lab[i] == 2 ? 1 : lab[i];
    assert_int_equal(seg_campaign_new(&merged), SEG_OK);
    assert_int_equal(seg_campaign_compute(merged, lab, n, 2, y, h), SEG_OK);
    assert_float_equal(pooled(c, SEG_CAMPAIGN_RATE_LOW), stat(merged, 1, SEG_CAMPAIGN_RATE_LOW), 0);
    assert_float_equal(pooled(c, SEG_CAMPAIGN_RATE_HIGH), stat(merged, 1, SEG_CAMPAIGN_RATE_HIGH),
                       0);
    assert_true(pooled(c, SEG_CAMPAIGN_RATE_LOW) > 0.2 && pooled(c, SEG_CAMPAIGN_RATE_HIGH) < 0.75);

    /* The plan: the pool (7/15) as one step, then segment 0 (2/10). */
    assert_int_equal(seg_campaign_plan_steps(c), 2);
    assert_float_equal(plan(c, 0, SEG_PLAN_SEGMENT), -1, 0);
    assert_float_equal(plan(c, 0, SEG_PLAN_CONTACTS), 15, 0);
    assert_float_equal(plan(c, 0, SEG_PLAN_CONVERSIONS), 7, 0);
    assert_float_equal(plan(c, 0, SEG_PLAN_CONTACTS_AVOIDED), 10, 0);
    assert_float_equal(plan(c, 1, SEG_PLAN_SEGMENT), 0, 0);
    assert_float_equal(plan(c, 1, SEG_PLAN_CONVERSIONS), 9, 0);
    size_t best;
    assert_int_equal(seg_campaign_plan_best(c, &best), SEG_OK);
    assert_int_equal(best, 0); /* the pool's 7/15 beats 9/25, segment 0 does not */

    /* Flags set after the compute rebuild the plan; clearing them restores it. */
    assert_int_equal(seg_campaign_set_withheld(c, NULL, 0), SEG_OK);
    assert_int_equal(seg_campaign_plan_steps(c), 3);
    assert_float_equal(stat(c, 2, SEG_CAMPAIGN_RATE), 0.2, 1e-15);
    assert_int_equal(seg_campaign_withheld_stat(c, SEG_CAMPAIGN_RATE, &v), SEG_ERR_EMPTY);
    assert_non_null(strstr(seg_last_error(), "no segment is withheld"));
    assert_int_equal(seg_campaign_set_withheld(c, flags, 4), SEG_OK);
    assert_int_equal(seg_campaign_plan_steps(c), 2);
    assert_float_equal(plan(c, 0, SEG_PLAN_SEGMENT), -1, 0);
    seg_campaign_free(merged);
    seg_campaign_free(c);
}

/* No value of the API tells two worlds apart whose withheld segments differ
 * but pool to the same counts; without the flags they are told apart. */
static void test_withheld_cannot_be_recovered(void **state)
{
    (void)state;
    const uint8_t flags[4] = {0, 1, 1, 0};
    static double va[MAX_FIG], vb[MAX_FIG];
    static int ra[MAX_FIG], rb[MAX_FIG];
    for (int money = 0; money <= 1; money++) {
        seg_campaign *a = NULL, *b = NULL;
        assert_int_equal(seg_campaign_new(&a), SEG_OK);
        assert_int_equal(seg_campaign_new(&b), SEG_OK);
        campaign_of(a, false, flags, money ? 1 : 0);
        campaign_of(b, true, flags, money ? 1 : 0);
        size_t n = all_figures(a, 3, va, ra);
        assert_int_equal(all_figures(b, 3, vb, rb), n);
        assert_true(same_figures(va, ra, vb, rb, n));
        /* Sanity: segment 1's rate really differs, so the check can fail. */
        assert_int_equal(seg_campaign_set_withheld(a, NULL, 0), SEG_OK);
        assert_int_equal(seg_campaign_set_withheld(b, NULL, 0), SEG_OK);
        assert_false(same_figures(va, ra, vb, rb, all_figures(a, 3, va, ra)) &&
                     same_figures(va, ra, vb, rb, all_figures(b, 3, vb, rb)));
        assert_float_equal(stat(a, 1, SEG_CAMPAIGN_RATE), 0.6, 1e-15);
        assert_float_equal(stat(b, 1, SEG_CAMPAIGN_RATE), 0.5, 1e-15);
        seg_campaign_free(a);
        seg_campaign_free(b);
    }
}

static void test_withheld_everyone_and_errors(void **state)
{
    (void)state;
    const uint8_t all[4] = {1, 1, 1, 1}, five[5] = {0};
    int32_t lab[64];
    int8_t y[64], h[64];
    size_t n = make_rows(lab, y, h), best;
    seg_campaign *c = NULL;
    double v;
    assert_int_equal(seg_campaign_new(&c), SEG_OK);
    assert_int_equal(seg_campaign_withheld_stat(c, SEG_CAMPAIGN_RATE, &v), SEG_ERR_STATE);
    assert_int_equal(seg_campaign_set_withheld(NULL, all, 4), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_campaign_set_withheld(c, NULL, 4), SEG_ERR_INVALID_ARG);
    assert_non_null(strstr(seg_last_error(), "seg_campaign_set_withheld: NULL argument"));
    /* Flags for k = 4 and a compute with k = 3. */
    assert_int_equal(seg_campaign_set_withheld(c, five, 5), SEG_OK);
    assert_int_equal(seg_campaign_compute(c, lab, n, 3, y, h), SEG_ERR_MISMATCH);
    assert_non_null(strstr(seg_last_error(), "5 withheld flags were set for k = 3"));
    /* Everyone withheld: no figure at all, and an empty plan. */
    assert_int_equal(seg_campaign_set_withheld(c, all, 4), SEG_OK);
    assert_int_equal(seg_campaign_compute(c, lab, n, 3, y, h), SEG_OK);
    for (size_t j = 0; j <= 3; j++)
        assert_int_equal(seg_campaign_segment_stat(c, j, SEG_CAMPAIGN_CONTACTS, &v),
                         SEG_ERR_STATE);
    assert_non_null(strstr(seg_last_error(), "figures of everyone (segment 3) are withheld"));
    assert_int_equal(seg_campaign_withheld_stat(c, SEG_CAMPAIGN_RATE, &v), SEG_ERR_STATE);
    assert_non_null(strstr(seg_last_error(), "every campaign figure is withheld"));
    assert_int_equal(seg_campaign_plan_steps(c), 0);
    assert_int_equal(seg_campaign_plan_best(c, &best), SEG_ERR_EMPTY);
    assert_non_null(strstr(seg_last_error(), "every figure is withheld"));
    /* After the compute, flags for another k are refused and the old ones kept. */
    assert_int_equal(seg_campaign_set_withheld(c, five, 5), SEG_ERR_MISMATCH);
    assert_non_null(strstr(seg_last_error(), "5 flags for a campaign of 3 segments"));
    assert_int_equal(seg_campaign_plan_steps(c), 0);
    assert_int_equal(seg_campaign_withheld_stat(c, 999, &v), SEG_ERR_STATE);
    const uint8_t some[4] = {0, 1, 1, 0};
    assert_int_equal(seg_campaign_set_withheld(c, some, 4), SEG_OK);
    assert_int_equal(seg_campaign_withheld_stat(c, 999, &v), SEG_ERR_INVALID_ARG);
    assert_non_null(strstr(seg_last_error(), "unknown campaign statistic 999"));
    seg_campaign_free(c);
}

/* Opted-out customers (issue 17.4) count in no figure and no plan step:
 * rows 10, 11, 12 (converted) and 19 of segment 1, and a held-out row of
 * segment 0, opt out. */
static void test_opted_out(void **state)
{
    (void)state;
    int32_t lab[64];
    int8_t y[64], h[64];
    uint8_t out[64] = {0};
    size_t n = make_rows(lab, y, h);
    out[10] = out[11] = out[12] = out[19] = out[29] = 1;
    seg_campaign *c = NULL;
    assert_int_equal(seg_campaign_new(&c), SEG_OK);
    assert_int_equal(seg_campaign_set_opted_out(c, out, n - 1), SEG_OK);
    assert_int_equal(seg_campaign_compute(c, lab, n, 3, y, h), SEG_ERR_MISMATCH);
    assert_int_equal(seg_campaign_set_opted_out(c, out, n), SEG_OK);
    assert_int_equal(seg_campaign_compute(c, lab, n, 3, y, h), SEG_OK);
    assert_float_equal(stat(c, 1, SEG_CAMPAIGN_CONTACTS), 6, 0);
    assert_float_equal(stat(c, 1, SEG_CAMPAIGN_CONVERSIONS), 3, 0);
    assert_float_equal(stat(c, 1, SEG_CAMPAIGN_OPTED_OUT), 4, 0);
    assert_float_equal(stat(c, 0, SEG_CAMPAIGN_HELD_OUT), 1, 0);
    assert_float_equal(stat(c, 3, SEG_CAMPAIGN_OPTED_OUT), 5, 0);
    assert_float_equal(stat(c, 3, SEG_CAMPAIGN_CONTACTS), 21, 0);
    assert_float_equal(plan(c, 0, SEG_PLAN_SEGMENT), 1, 0);
    assert_float_equal(plan(c, 0, SEG_PLAN_CONTACTS), 6, 0);
    assert_float_equal(plan(c, 0, SEG_PLAN_CONVERSIONS), 3, 0);
    assert_float_equal(plan(c, 2, SEG_PLAN_CONTACTS), 21, 0);
    assert_float_equal(plan(c, 2, SEG_PLAN_CONTACTS_AVOIDED), 0, 0);
    /* cleared: everyone counts again */
    assert_int_equal(seg_campaign_set_opted_out(c, NULL, 0), SEG_OK);
    assert_int_equal(seg_campaign_compute(c, lab, n, 3, y, h), SEG_OK);
    assert_float_equal(plan(c, 2, SEG_PLAN_CONTACTS), 25, 0);
    assert_float_equal(stat(c, 3, SEG_CAMPAIGN_OPTED_OUT), 0, 0);
    seg_campaign_free(c);
}

/* Bits of a double, for comparisons that hold for NaN too. */
static uint64_t bits(double v)
{
    uint64_t b;
    memcpy(&b, &v, sizeof b);
    return b;
}

/* Every figure of b equals a's, bit for bit: each segment's and everyone's
 * statistics (or the same refusal), the pool's, every plan step's, the
 * recommended step. */
static void assert_same_campaign(const seg_campaign *a, const seg_campaign *b, size_t k)
{
    for (size_t j = 0; j <= k; j++)
        for (int st = SEG_CAMPAIGN_CONTACTS; st <= SEG_CAMPAIGN_OPTED_OUT; st++) {
            double va = 0, vb = 0;
            int ra = seg_campaign_segment_stat(a, j, (seg_campaign_stat)st, &va);
            assert_int_equal(seg_campaign_segment_stat(b, j, (seg_campaign_stat)st, &vb), ra);
            if (ra == SEG_OK)
                assert_true(bits(va) == bits(vb));
            ra = seg_campaign_withheld_stat(a, (seg_campaign_stat)st, &va);
            assert_int_equal(seg_campaign_withheld_stat(b, (seg_campaign_stat)st, &vb), ra);
            if (ra == SEG_OK)
                assert_true(bits(va) == bits(vb));
        }
    const size_t steps = seg_campaign_plan_steps(a);
    assert_int_equal(seg_campaign_plan_steps(b), steps);
    for (size_t t = 0; t < steps; t++)
        for (int st = SEG_PLAN_SEGMENT; st <= SEG_PLAN_PROFIT; st++)
            assert_true(bits(plan(a, t, (seg_plan_stat)st)) ==
                        bits(plan(b, t, (seg_plan_stat)st)));
    size_t ba = 99, bb = 98;
    int ra = seg_campaign_plan_best(a, &ba);
    assert_int_equal(seg_campaign_plan_best(b, &bb), ra);
    if (ra == SEG_OK)
        assert_int_equal(ba, bb);
}

/* seg_campaign_count() on the rows split into R parts (as MPI ranks hold
 * them: uneven, one of them empty from R = 3 on, each with its own opt-out
 * flags), the counts summed last part first, then
 * seg_campaign_compute_counts(): the figures and plan of
 * seg_campaign_compute() on all rows, bit for bit, with and without
 * withheld segments, money and a control group. */
static void test_counts_in_parts(void **state)
{
    (void)state;
    enum { N = 997, K = 6 };
    static int32_t lab[N];
    static int8_t y[N], h[N];
    static uint8_t out[N];
    uint64_t rng = 12345;
    for (size_t i = 0; i < N; i++) {
        rng = rng * 6364136223846793005u + 1442695040888963407u;
        const unsigned r = (unsigned)(rng >> 33);
        lab[i] = (int32_t)(r % 97 < 4 ? 5 : r % K); /* segment 5 is small */
        y[i] = (int8_t)((r >> 8) % 10 < (unsigned)lab[i] + 1 ? 1 : (r >> 12) % 31 == 0 ? -1 : 0);
        h[i] = (int8_t)((r >> 16) % 5 == 0 ? 1 : (r >> 20) % 41 == 0 ? -1 : 0);
        out[i] = (uint8_t)((r >> 24) % 13 == 0);
    }
    const uint8_t withheld[K + 1] = {0, 0, 1, 0, 0, 1, 0};
    for (int variant = 0; variant < 4; variant++) {
        const bool pool = variant & 1, money = variant & 2;
        seg_campaign *whole = NULL;
        assert_int_equal(seg_campaign_new(&whole), SEG_OK);
        if (pool)
            assert_int_equal(seg_campaign_set_withheld(whole, withheld, K + 1), SEG_OK);
        if (money) {
            assert_int_equal(seg_campaign_set_double(whole, SEG_CAMPAIGN_COST_PER_CONTACT, 3),
                             SEG_OK);
            assert_int_equal(
                seg_campaign_set_double(whole, SEG_CAMPAIGN_REVENUE_PER_CONVERSION, 17.5),
                SEG_OK);
        }
        assert_int_equal(seg_campaign_set_opted_out(whole, out, N), SEG_OK);
        assert_int_equal(seg_campaign_compute(whole, lab, N, K, y, variant ? h : NULL), SEG_OK);
        for (size_t R = 1; R <= 4; R++) {
            uint64_t parts[4][K * SEG_CAMPAIGN_COUNT_FIELDS] = {{0}};
            uint64_t sum[K * SEG_CAMPAIGN_COUNT_FIELDS] = {0};
            for (size_t r = 0; r < R; r++) {
                /* part r: rows [lo, hi); from R = 3 on, part 1 is empty */
                size_t lo = r * N / R, hi = (r + 1) * N / R;
                if (R >= 3 && r == 1)
                    hi = lo;
                if (R >= 3 && r == 2)
                    lo = 1 * N / R;
                seg_campaign *part = NULL;
                assert_int_equal(seg_campaign_new(&part), SEG_OK);
                assert_int_equal(seg_campaign_set_opted_out(part, out + lo, hi - lo), SEG_OK);
                assert_int_equal(seg_campaign_count(part, lab + lo, hi - lo, K, y + lo,
                                                    variant ? h + lo : NULL, parts[r],
                                                    K * SEG_CAMPAIGN_COUNT_FIELDS),
                                 SEG_OK);
                seg_campaign_free(part);
            }
            for (size_t r = R; r-- > 0;)
                for (size_t f = 0; f < K * SEG_CAMPAIGN_COUNT_FIELDS; f++)
                    sum[f] += parts[r][f];
            seg_campaign *c = NULL;
            assert_int_equal(seg_campaign_new(&c), SEG_OK);
            if (pool)
                assert_int_equal(seg_campaign_set_withheld(c, withheld, K + 1), SEG_OK);
            if (money) {
                assert_int_equal(seg_campaign_set_double(c, SEG_CAMPAIGN_COST_PER_CONTACT, 3),
                                 SEG_OK);
                assert_int_equal(
                    seg_campaign_set_double(c, SEG_CAMPAIGN_REVENUE_PER_CONVERSION, 17.5),
                    SEG_OK);
            }
            assert_int_equal(seg_campaign_compute_counts(c, sum, K), SEG_OK);
            assert_same_campaign(whole, c, K);
            seg_campaign_free(c);
        }
        seg_campaign_free(whole);
    }
}

/* The counts entry points' refusals: a wrong length, rows out of range
 * (nothing added), counts that cannot be, counts past exact doubles. */
static void test_counts_errors(void **state)
{
    (void)state;
    int32_t lab[3] = {0, 1, 1};
    int8_t y[3] = {1, 0, 1}, h[3] = {0, 0, 0};
    uint64_t counts[2 * SEG_CAMPAIGN_COUNT_FIELDS] = {0};
    seg_campaign *c = NULL;
    assert_int_equal(seg_campaign_new(&c), SEG_OK);
    assert_int_equal(seg_campaign_count(c, lab, 3, 2, y, h, counts, 9), SEG_ERR_MISMATCH);
    assert_int_equal(seg_campaign_count(c, lab, 3, 2, y, h, NULL, 10), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_campaign_count(c, lab, 3, 0, y, h, counts, 0), SEG_ERR_INVALID_ARG);
    y[2] = 2;
    assert_int_equal(seg_campaign_count(c, lab, 3, 2, y, h, counts, 10), SEG_ERR_INVALID_ARG);
    assert_non_null(strstr(seg_last_error(), "row 3"));
    for (size_t f = 0; f < 10; f++)
        assert_int_equal(counts[f], 0); /* all or nothing */
    y[2] = 1;
    assert_int_equal(seg_campaign_count(c, lab, 3, 2, y, h, counts, 10), SEG_OK);
    assert_int_equal(counts[SEG_CAMPAIGN_COUNT_FIELDS + SEG_CAMPAIGN_COUNT_CONTACTS], 2);
    assert_int_equal(counts[SEG_CAMPAIGN_COUNT_FIELDS + SEG_CAMPAIGN_COUNT_CONVERSIONS], 1);
    assert_int_equal(seg_campaign_compute_counts(c, counts, 2), SEG_OK);
    assert_float_equal(stat(c, 2, SEG_CAMPAIGN_CONTACTS), 3, 0);
    counts[SEG_CAMPAIGN_COUNT_CONVERSIONS] = 5; /* 5 of 1 converted */
    assert_int_equal(seg_campaign_compute_counts(c, counts, 2), SEG_ERR_INVALID_ARG);
    double v;
    assert_int_equal(seg_campaign_segment_stat(c, 0, SEG_CAMPAIGN_RATE, &v), SEG_ERR_STATE);
    counts[SEG_CAMPAIGN_COUNT_CONVERSIONS] = 1;
    counts[SEG_CAMPAIGN_COUNT_OPTED_OUT] = UINT64_C(1) << 53;
    counts[SEG_CAMPAIGN_COUNT_FIELDS + SEG_CAMPAIGN_COUNT_OPTED_OUT] = 1; /* total 2^53 + 1 */
    assert_int_equal(seg_campaign_compute_counts(c, counts, 2), SEG_ERR_INVALID_ARG);
    const uint8_t wh[3] = {1, 0, 0};
    assert_int_equal(seg_campaign_set_withheld(c, wh, 3), SEG_OK);
    counts[SEG_CAMPAIGN_COUNT_OPTED_OUT] = 0;
    assert_int_equal(seg_campaign_compute_counts(c, counts, 1), SEG_ERR_MISMATCH);
    assert_int_equal(seg_campaign_compute_counts(NULL, counts, 2), SEG_ERR_INVALID_ARG);
    seg_campaign_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rates_and_plan),
        cmocka_unit_test(test_wilson),
        cmocka_unit_test(test_outcome_column),
        cmocka_unit_test(test_withheld_pooled_figures),
        cmocka_unit_test(test_withheld_cannot_be_recovered),
        cmocka_unit_test(test_withheld_everyone_and_errors),
        cmocka_unit_test(test_opted_out),
        cmocka_unit_test(test_counts_in_parts),
        cmocka_unit_test(test_counts_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
