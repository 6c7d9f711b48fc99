/*
 * Fairness figures of a partition (seg_fairness_*) on a case computed by
 * hand, Fisher's exact test against published values, and the adverse
 * impact ratio. Random partitions are checked against an independent Python
 * computation in fairness_cli_test.py. Public API only.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "seg.h"

#define TOL 1e-12

/* Segment 0: groups 0, 0, 0, 1 and one unknown; segment 1: groups 0, 1,
 * 1, 1, 2, 2. N = 10 known, p(g) = 0.4, 0.4, 0.2. Selected: segment 1. */
static const int32_t hand_labels[] = {0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1};
static const int32_t hand_groups[] = {0, 0, 0, 1, -1, 0, 1, 1, 1, 2, 2};
static const uint8_t hand_selected[] = {0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1};
#define HAND_N (sizeof hand_labels / sizeof hand_labels[0])

static double cell(const seg_fairness *f, size_t s, size_t g, seg_fairness_cell_figure st)
{
    double v;
    assert_int_equal(seg_fairness_cell_stat(f, s, g, st, &v), SEG_OK);
    return v;
}

static double seg_fig(const seg_fairness *f, size_t s, seg_fairness_segment_figure st)
{
    double v;
    assert_int_equal(seg_fairness_segment_stat(f, s, st, &v), SEG_OK);
    return v;
}

static double group_fig(const seg_fairness *f, size_t g, seg_fairness_group_figure st)
{
    double v;
    assert_int_equal(seg_fairness_group_stat(f, g, st, &v), SEG_OK);
    return v;
}

static double all_fig(const seg_fairness *f, seg_fairness_figure st)
{
    double v;
    assert_int_equal(seg_fairness_stat(f, st, &v), SEG_OK);
    return v;
}

static void test_hand_case(void **state)
{
    (void)state;
    seg_fairness *f = NULL;
    assert_int_equal(seg_fairness_new(&f), SEG_OK);
    assert_int_equal(seg_fairness_compute(f, hand_labels, hand_groups, HAND_N, 2, 3, hand_selected),
                     SEG_OK);
    assert_float_equal(all_fig(f, SEG_FAIRNESS_ROWS), 10, 0);
    assert_float_equal(all_fig(f, SEG_FAIRNESS_UNKNOWN), 1, 0);
    assert_float_equal(cell(f, 0, 0, SEG_FAIRNESS_COUNT), 3, 0);
    assert_float_equal(cell(f, 2, 2, SEG_FAIRNESS_COUNT), 2, 0);
    assert_float_equal(cell(f, 0, 0, SEG_FAIRNESS_SHARE), 0.75, TOL);
    assert_float_equal(cell(f, 0, 0, SEG_FAIRNESS_REPRESENTATION), 1.875, TOL);
    assert_float_equal(cell(f, 0, 2, SEG_FAIRNESS_REPRESENTATION), 0, TOL);
    assert_float_equal(cell(f, 1, 2, SEG_FAIRNESS_REPRESENTATION), 5.0 / 3, TOL);
    /* 1/2 (|.75-.4| + |.25-.4| + |0-.2|) and 1/2 (|1/6-.4| + |.5-.4| + |1/3-.2|) */
    assert_float_equal(seg_fig(f, 0, SEG_FAIRNESS_TVD), 0.35, TOL);
    assert_float_equal(seg_fig(f, 1, SEG_FAIRNESS_TVD), 7.0 / 30, TOL);
    assert_float_equal(seg_fig(f, 2, SEG_FAIRNESS_TVD), 0, TOL);
    /* group 2 absent from segment 0; segment 1: min(5/12, 4/5, 3/5) */
    assert_float_equal(seg_fig(f, 0, SEG_FAIRNESS_BALANCE), 0, TOL);
    assert_float_equal(seg_fig(f, 1, SEG_FAIRNESS_BALANCE), 5.0 / 12, TOL);
    assert_float_equal(all_fig(f, SEG_FAIRNESS_OVERALL_BALANCE), 0, TOL);
    assert_float_equal(all_fig(f, SEG_FAIRNESS_MAX_TVD), 0.35, TOL);
    /* rates 1/4, 3/4, 2/2 */
    assert_float_equal(group_fig(f, 0, SEG_FAIRNESS_SELECTED), 1, 0);
    assert_float_equal(group_fig(f, 0, SEG_FAIRNESS_SELECTION_RATE), 0.25, TOL);
    assert_float_equal(group_fig(f, 1, SEG_FAIRNESS_IMPACT_RATIO), 0.75, TOL);
    assert_float_equal(all_fig(f, SEG_FAIRNESS_ADVERSE_IMPACT_RATIO), 0.25, TOL);
    /* [[1, 3], [5, 1]]: (1 + 24 + 15) / 210; [[2, 0], [4, 4]]: (28 + 70) / 210 */
    assert_float_equal(group_fig(f, 0, SEG_FAIRNESS_FISHER_P), 40.0 / 210, 1e-12);
    assert_float_equal(group_fig(f, 2, SEG_FAIRNESS_FISHER_P), 98.0 / 210, 1e-12);
    /* sum p(s,g) ln(p(s,g) / p(s) p(g)) over the joint .3 .1 0 / .1 .3 .2 */
    const double mi = 0.3 * log(0.3 / 0.16) + 0.1 * log(0.1 / 0.16) + 0.1 * log(0.1 / 0.24) +
                      0.3 * log(0.3 / 0.24) + 0.2 * log(0.2 / 0.12);
    const double hs = -(0.4 * log(0.4) + 0.6 * log(0.6));
    const double hg = -(0.8 * log(0.4) + 0.2 * log(0.2));
    assert_float_equal(all_fig(f, SEG_FAIRNESS_MUTUAL_INFORMATION), mi, 1e-12);
    assert_float_equal(all_fig(f, SEG_FAIRNESS_NMI), 2 * mi / (hs + hg), 1e-12);
    seg_fairness_free(f);
}

/* Balance takes the over-represented side too: p(g) = 1/4, 3/4; segment 0
 * holds 2 + 2 (ratios 2 and 2/3: balance 1/2, not min ratio 2/3), segment
 * 1 holds 1 + 7 (ratios 1/2 and 7/6: balance 1/2). */
static void test_balance_both_sides(void **state)
{
    (void)state;
    const int32_t lab[12] = {0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1};
    const int32_t grp[12] = {0, 0, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1};
    seg_fairness *f = NULL;
    assert_int_equal(seg_fairness_new(&f), SEG_OK);
    assert_int_equal(seg_fairness_compute(f, lab, grp, 12, 2, 2, NULL), SEG_OK);
    assert_float_equal(seg_fig(f, 0, SEG_FAIRNESS_BALANCE), 0.5, TOL);
    assert_float_equal(seg_fig(f, 1, SEG_FAIRNESS_BALANCE), 0.5, TOL);
    assert_float_equal(cell(f, 1, 1, SEG_FAIRNESS_REPRESENTATION), 7.0 / 6, TOL);
    assert_float_equal(seg_fig(f, 0, SEG_FAIRNESS_TVD), 0.25, TOL);
    seg_fairness_free(f);
}

/* Adverse impact on a hand case: 48 of 80 in group 0 selected (60 %), 12
 * of 30 in group 1 (40 %): 0.40 / 0.60 = 0.667, under the four-fifths
 * line of 29 CFR 1607.4(D). */
static void test_adverse_impact(void **state)
{
    (void)state;
    enum { N = 110 };
    int32_t lab[N], grp[N];
    uint8_t sel[N];
    for (size_t i = 0; i < N; i++) {
        grp[i] = i < 80 ? 0 : 1;
        sel[i] = i < 80 ? i < 48 : i < 92;
        lab[i] = sel[i] ? 0 : 1;
    }
    seg_fairness *f = NULL;
    assert_int_equal(seg_fairness_new(&f), SEG_OK);
    assert_int_equal(seg_fairness_compute(f, lab, grp, N, 2, 2, sel), SEG_OK);
    assert_float_equal(group_fig(f, 0, SEG_FAIRNESS_SELECTION_RATE), 0.6, TOL);
    assert_float_equal(group_fig(f, 1, SEG_FAIRNESS_SELECTION_RATE), 0.4, TOL);
    assert_float_equal(all_fig(f, SEG_FAIRNESS_ADVERSE_IMPACT_RATIO), 2.0 / 3, TOL);
    assert_float_equal(group_fig(f, 1, SEG_FAIRNESS_IMPACT_RATIO), 2.0 / 3, TOL);
    assert_float_equal(group_fig(f, 0, SEG_FAIRNESS_IMPACT_RATIO), 1, TOL);
    /* nobody selected: no ratio */
    memset(sel, 0, sizeof sel);
    assert_int_equal(seg_fairness_compute(f, lab, grp, N, 2, 2, sel), SEG_OK);
    assert_true(isnan(all_fig(f, SEG_FAIRNESS_ADVERSE_IMPACT_RATIO)));
    /* no selection at all: selection figures are a state error */
    assert_int_equal(seg_fairness_compute(f, lab, grp, N, 2, 2, NULL), SEG_OK);
    double v;
    assert_int_equal(seg_fairness_stat(f, SEG_FAIRNESS_ADVERSE_IMPACT_RATIO, &v), SEG_ERR_STATE);
    assert_int_equal(seg_fairness_group_stat(f, 0, SEG_FAIRNESS_FISHER_P, &v), SEG_ERR_STATE);
    seg_fairness_free(f);
}

/* Published two-sided p-values of R's fisher.test(): Fisher's tea-tasting
 * table (R documentation example: p-value = 0.4857) and Fisher's (1962)
 * convictions of like-sex twins (R documentation: p-value = 0.0005367). */
static void test_fisher_published(void **state)
{
    (void)state;
    double p;
    assert_int_equal(seg_fairness_fisher_exact(3, 1, 1, 3, &p), SEG_OK);
    assert_float_equal(p, 0.4857, 5e-5);
    assert_int_equal(seg_fairness_fisher_exact(2, 10, 15, 3, &p), SEG_OK);
    assert_float_equal(p, 0.0005367, 5e-8);
    /* the transposed table has the same margins' test */
    assert_int_equal(seg_fairness_fisher_exact(2, 15, 10, 3, &p), SEG_OK);
    assert_float_equal(p, 0.0005367, 5e-8);
    /* an exact tie that lgamma rounds apart: P(0) = P(1) = 462/924, so p = 1 (R
     * gives 1); without the relative tolerance one of the two is dropped */
    assert_int_equal(seg_fairness_fisher_exact(0, 1, 6, 5, &p), SEG_OK);
    assert_float_equal(p, 1, 1e-12);
    assert_int_equal(seg_fairness_fisher_exact(0, 1, 20, 19, &p), SEG_OK);
    assert_float_equal(p, 1, 1e-12);
    /* a table matching its expectation: p = 1 */
    assert_int_equal(seg_fairness_fisher_exact(5, 5, 5, 5, &p), SEG_OK);
    assert_float_equal(p, 1, 1e-12);
    /* large counts stay finite (log space) and tiny: 2 / C(2000, 1000) underflows to 0 */
    assert_int_equal(seg_fairness_fisher_exact(1000, 0, 0, 1000, &p), SEG_OK);
    assert_true(p >= 0 && p < 1e-300);
    assert_int_equal(seg_fairness_fisher_exact(20000, 20000, 20000, 20000, &p), SEG_OK);
    assert_float_equal(p, 1, 1e-9);
    assert_int_equal(seg_fairness_fisher_exact(1, 1, 1, 1, NULL), SEG_ERR_INVALID_ARG);
}

static void test_errors(void **state)
{
    (void)state;
    seg_fairness *f = NULL;
    double v;
    assert_int_equal(seg_fairness_new(&f), SEG_OK);
    assert_int_equal(seg_fairness_stat(f, SEG_FAIRNESS_NMI, &v), SEG_ERR_STATE);
    const int32_t lab[2] = {0, 2}, grp[2] = {0, 0}, bad_grp[2] = {0, 3};
    assert_int_equal(seg_fairness_compute(f, lab, grp, 2, 2, 1, NULL), SEG_ERR_INVALID_ARG);
    assert_non_null(strstr(seg_last_error(), "row 2"));
    const int32_t lab2[2] = {0, 1};
    assert_int_equal(seg_fairness_compute(f, lab2, bad_grp, 2, 2, 3, NULL), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_fairness_compute(f, lab2, grp, 2, 2, 1, NULL), SEG_OK);
    /* one group only: nothing to tell apart */
    assert_float_equal(all_fig(f, SEG_FAIRNESS_NMI), 0, 0);
    assert_float_equal(all_fig(f, SEG_FAIRNESS_OVERALL_BALANCE), 1, 0);
    assert_int_equal(seg_fairness_cell_stat(f, 3, 0, SEG_FAIRNESS_COUNT, &v), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_fairness_segment_stat(f, 0, (seg_fairness_segment_figure)999, &v),
                     SEG_ERR_INVALID_ARG);
    seg_fairness_free(f);
    seg_fairness_free(NULL);
}

/* Every figure of one object, in a fixed order, as bits (NaN included). */
static size_t all_figures(const seg_fairness *f, size_t k, size_t g, bool selection, double *out)
{
    size_t w = 0;
    for (size_t s = 0; s <= k; s++)
        for (size_t c = 0; c < g; c++)
            for (int st = SEG_FAIRNESS_COUNT; st <= SEG_FAIRNESS_REPRESENTATION; st++)
                out[w++] = cell(f, s, c, (seg_fairness_cell_figure)st);
    for (size_t s = 0; s <= k; s++)
        for (int st = SEG_FAIRNESS_SIZE; st <= SEG_FAIRNESS_BALANCE; st++)
            out[w++] = seg_fig(f, s, (seg_fairness_segment_figure)st);
    for (size_t c = 0; selection && c < g; c++)
        for (int st = SEG_FAIRNESS_GROUP_SIZE; st <= SEG_FAIRNESS_FISHER_P; st++)
            out[w++] = group_fig(f, c, (seg_fairness_group_figure)st);
    for (int st = SEG_FAIRNESS_ROWS; st <= SEG_FAIRNESS_NMI; st++)
        if (selection || st != SEG_FAIRNESS_ADVERSE_IMPACT_RATIO)
            out[w++] = all_fig(f, (seg_fairness_figure)st);
    return w;
}

/* The counts of the hand case (counted here from its rows, independently of
 * the library) give the per-row figures bit for bit, with and without the
 * selection; bad counts are refused. */
static void test_counts(void **state)
{
    (void)state;
    seg_fairness *rows = NULL, *counted = NULL;
    uint64_t counts[2 * 3] = {0}, selected[3] = {0}, unknown = 0;
    double a[128], b[128];
    for (size_t i = 0; i < HAND_N; i++) {
        if (hand_groups[i] < 0) {
            unknown++;
            continue;
        }
        counts[hand_labels[i] * 3 + hand_groups[i]]++;
        selected[hand_groups[i]] += hand_selected[i];
    }
    assert_int_equal(seg_fairness_new(&rows), SEG_OK);
    assert_int_equal(seg_fairness_new(&counted), SEG_OK);
    for (int with = 0; with < 2; with++) {
        assert_int_equal(seg_fairness_compute(rows, hand_labels, hand_groups, HAND_N, 2, 3,
                                              with ? hand_selected : NULL),
                         SEG_OK);
        assert_int_equal(
            seg_fairness_compute_counts(counted, counts, 2, 3, unknown, with ? selected : NULL),
            SEG_OK);
        const size_t na = all_figures(rows, 2, 3, with, a),
                     nb = all_figures(counted, 2, 3, with, b);
        assert_int_equal(na, nb);
        assert_memory_equal(a, b, na * sizeof *a);
        double v;
        assert_int_equal(seg_fairness_stat(counted, SEG_FAIRNESS_ADVERSE_IMPACT_RATIO, &v),
                         with ? SEG_OK : SEG_ERR_STATE);
    }
    assert_float_equal(all_fig(counted, SEG_FAIRNESS_UNKNOWN), 1, 0);
    assert_float_equal(group_fig(counted, 1, SEG_FAIRNESS_SELECTED), 3, 0);
    /* group 2 has 2 rows: 3 selected is refused, and so is no table */
    selected[2] = 3;
    assert_int_equal(seg_fairness_compute_counts(counted, counts, 2, 3, 0, selected),
                     SEG_ERR_INVALID_ARG);
    assert_non_null(strstr(seg_last_error(), "group 2"));
    assert_int_equal(seg_fairness_compute_counts(counted, NULL, 2, 3, 0, NULL),
                     SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_fairness_compute_counts(counted, counts, 0, 3, 0, NULL),
                     SEG_ERR_INVALID_ARG);
    counts[0] = (UINT64_C(1) << 50) + 1;
    assert_int_equal(seg_fairness_compute_counts(counted, counts, 2, 3, 0, NULL),
                     SEG_ERR_INVALID_ARG);
    seg_fairness_free(rows);
    seg_fairness_free(counted);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_case),      cmocka_unit_test(test_balance_both_sides),
        cmocka_unit_test(test_adverse_impact), cmocka_unit_test(test_fisher_published),
        cmocka_unit_test(test_errors),         cmocka_unit_test(test_counts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
