/*
 * Fairness of a partition on a protected attribute: how each group (a code
 * per row) falls across the segments, how far each segment's mix is from
 * everyone's, how often each group is selected by a plan, and how much the
 * segment label alone tells about the group. Reads labels and group codes,
 * never a model, so it works for any partition.
 *
 * Definitions (N rows with a known group, n_sg of group g in segment s):
 *   p(g) = n_.g / N, p(g|s) = n_sg / n_s.
 *   representation ratio p(g|s) / p(g); total-variation distance
 *   1/2 sum_g |p(g|s) - p(g)|; balance (Chierichetti et al. 2017 in the
 *   many-group form of Bera et al. 2019) min over groups present in the data
 *   of min(p(g|s)/p(g), p(g)/p(g|s)), 0 when a group is absent from s.
 *   Selection rate of g: selected rows of g / rows of g; adverse impact ratio
 *   lowest / highest rate; Fisher's exact test of g against the rest on the
 *   2 x 2 table (selected or not) x (in g or not), two-sided.
 *   Mutual information I(S; G) in nats; NMI = I / ((H(S) + H(G)) / 2), the
 *   arithmetic normalisation (scikit-learn's default average_method).
 */
#include "core/core.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct seg_fairness {
    size_t k, g;
    bool computed, has_selection;
    double rows, unknown;
    double *cell;     /* (k + 1) x g counts; row k: everyone */
    double *size;     /* k + 1: rows with a known group per segment */
    double *selected; /* g: selected rows per group */
    double selected_all;
};

static void fairness_clear(seg_fairness *f)
{
    seg_free(f->cell);
    seg_free(f->size);
    seg_free(f->selected);
    f->cell = f->size = f->selected = NULL;
    f->computed = f->has_selection = false;
    f->k = f->g = 0;
    f->rows = f->unknown = f->selected_all = 0;
}

int seg_fairness_new(seg_fairness **out)
{
    if (!out)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_fairness_new: out is NULL");
    seg_fairness *f = seg_calloc(1, sizeof *f);
    *out = f;
    return f ? SEG_OK : SEG_NOMEM();
}

void seg_fairness_free(seg_fairness *f)
{
    if (!f)
        return;
    fairness_clear(f);
    seg_free(f);
}

/* Empty k x g tables of f (k and g in range). */
static int fairness_start(seg_fairness *f, size_t k, size_t g, const char *fn)
{
    if ((k + 1) > SIZE_MAX / g / sizeof(double))
        return seg_fail(SEG_ERR_INVALID_ARG, "%s: k x g too large", fn);
    fairness_clear(f);
    f->cell = seg_calloc((k + 1) * g, sizeof(double));
    f->size = seg_calloc(k + 1, sizeof(double));
    f->selected = seg_calloc(g, sizeof(double));
    if (!f->cell || !f->size || !f->selected) {
        fairness_clear(f);
        return SEG_NOMEM();
    }
    f->k = k;
    f->g = g;
    return SEG_OK;
}

/* Group c has m more rows in segment s, sel of them selected. */
static void fairness_add(seg_fairness *f, size_t s, size_t c, double m, double sel)
{
    f->cell[s * f->g + c] += m;
    f->cell[f->k * f->g + c] += m;
    f->size[s] += m;
    f->size[f->k] += m;
    f->selected[c] += sel;
    f->selected_all += sel;
}

int seg_fairness_compute(seg_fairness *f, const int32_t *labels, const int32_t *groups, size_t n,
                         size_t k, size_t g, const uint8_t *selected)
{
    if (!f || (n && (!labels || !groups)))
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_fairness_compute: NULL argument");
    if (k == 0 || k > 1000000 || g == 0 || g > 1000000)
        return seg_fail(SEG_ERR_INVALID_ARG,
                        "seg_fairness_compute: k = %zu and g = %zu must be 1 .. 10^6", k, g);
    for (size_t i = 0; i < n; i++)
        if (labels[i] < 0 || (size_t)labels[i] >= k || groups[i] < -1 ||
            (groups[i] >= 0 && (size_t)groups[i] >= g))
            return seg_fail(SEG_ERR_INVALID_ARG,
                            "row %zu: label %d (0 .. %zu) or group %d (-1 .. %zu) out of range",
                            i + 1, (int)labels[i], k - 1, (int)groups[i], g - 1);
    int rc = fairness_start(f, k, g, "seg_fairness_compute");
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        if (groups[i] < 0)
            f->unknown += 1;
        else
            fairness_add(f, (size_t)labels[i], (size_t)groups[i], 1,
                         selected && selected[i] ? 1 : 0);
    }
    f->rows = f->size[k];
    f->has_selection = selected != NULL;
    f->computed = true;
    return SEG_OK;
}

int seg_fairness_compute_counts(seg_fairness *f, const uint64_t *counts, size_t k, size_t g,
                                uint64_t unknown, const uint64_t *selected)
{
    if (!f || !counts)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_fairness_compute_counts: NULL argument");
    if (k == 0 || k > 1000000 || g == 0 || g > 1000000)
        return seg_fail(SEG_ERR_INVALID_ARG,
                        "seg_fairness_compute_counts: k = %zu and g = %zu must be 1 .. 10^6", k, g);
    /* Every total must stay an exact double: at most 2^50 rows in all. */
    const uint64_t limit = UINT64_C(1) << 50;
    uint64_t total = unknown;
    for (size_t c = 0; c < g; c++) {
        uint64_t m = 0;
        for (size_t s = 0; s < k; s++) {
            const uint64_t v = counts[s * g + c];
            if (v > limit || m > limit - v || total > limit - v)
                return seg_fail(SEG_ERR_INVALID_ARG,
                                "seg_fairness_compute_counts: more than 2^50 rows");
            m += v;
            total += v;
        }
        if (selected && selected[c] > m)
            return seg_fail(SEG_ERR_INVALID_ARG,
                            "seg_fairness_compute_counts: group %zu has %llu selected rows of %llu",
                            c, (unsigned long long)selected[c], (unsigned long long)m);
    }
    int rc = fairness_start(f, k, g, "seg_fairness_compute_counts");
    if (rc < 0)
        return rc;
    for (size_t s = 0; s < k; s++)
        for (size_t c = 0; c < g; c++)
            fairness_add(f, s, c, (double)counts[s * g + c], 0);
    for (size_t c = 0; selected && c < g; c++) {
        f->selected[c] = (double)selected[c];
        f->selected_all += (double)selected[c];
    }
    f->unknown = (double)unknown;
    f->rows = f->size[k];
    f->has_selection = selected != NULL;
    f->computed = true;
    return SEG_OK;
}

static int check_ready(const seg_fairness *f, const double *out)
{
    if (!f || !out)
        return seg_fail(SEG_ERR_INVALID_ARG, "fairness or output is NULL");
    if (!f->computed)
        return seg_fail(SEG_ERR_STATE, "seg_fairness_compute() has not succeeded yet");
    return SEG_OK;
}

static double share(const seg_fairness *f, size_t s, size_t c)
{
    return f->size[s] > 0 ? f->cell[s * f->g + c] / f->size[s] : NAN;
}

int seg_fairness_cell_stat(const seg_fairness *f, size_t segment, size_t group,
                           seg_fairness_cell_figure stat, double *out)
{
    int rc = check_ready(f, out);
    if (rc < 0)
        return rc;
    if (segment > f->k || group >= f->g)
        return seg_fail(SEG_ERR_INVALID_ARG,
                        "segment %zu (0 .. %zu) or group %zu (0 .. %zu) "
                        "out of range",
                        segment, f->k, group, f->g - 1);
    const double p = share(f, f->k, group), ps = share(f, segment, group);
    switch (stat) {
    case SEG_FAIRNESS_COUNT:
        *out = f->cell[segment * f->g + group];
        break;
    case SEG_FAIRNESS_SHARE:
        *out = ps;
        break;
    case SEG_FAIRNESS_REPRESENTATION:
        *out = p > 0 ? ps / p : NAN;
        break;
    default:
        return seg_fail(SEG_ERR_INVALID_ARG, "unknown fairness cell statistic %d", (int)stat);
    }
    return SEG_OK;
}

/* TVD and balance of segment s (NaN when s is empty). */
static void segment_figures(const seg_fairness *f, size_t s, double *tvd, double *balance)
{
    if (!(f->size[s] > 0)) {
        *tvd = *balance = NAN;
        return;
    }
    double t = 0, b = INFINITY;
    for (size_t c = 0; c < f->g; c++) {
        const double p = share(f, f->k, c), ps = share(f, s, c);
        t += fabs(ps - p);
        if (!(p > 0))
            continue; /* a group absent from the data constrains nothing */
        const double r = ps / p;
        b = fmin(b, r < 1 ? r : 1 / r); /* r = 0 gives 0 */
    }
    *tvd = t / 2;
    *balance = isinf(b) ? NAN : b;
}

int seg_fairness_segment_stat(const seg_fairness *f, size_t segment,
                              seg_fairness_segment_figure stat, double *out)
{
    int rc = check_ready(f, out);
    if (rc < 0)
        return rc;
    if (segment > f->k)
        return seg_fail(SEG_ERR_INVALID_ARG, "segment %zu: only 0 .. %zu (%zu: everyone)", segment,
                        f->k, f->k);
    double tvd, balance;
    segment_figures(f, segment, &tvd, &balance);
    switch (stat) {
    case SEG_FAIRNESS_SIZE:
        *out = f->size[segment];
        break;
    case SEG_FAIRNESS_TVD:
        *out = tvd;
        break;
    case SEG_FAIRNESS_BALANCE:
        *out = balance;
        break;
    default:
        return seg_fail(SEG_ERR_INVALID_ARG, "unknown fairness segment statistic %d", (int)stat);
    }
    return SEG_OK;
}

/* Highest and lowest selection rate over the groups with rows. */
static void rate_range(const seg_fairness *f, double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = -INFINITY;
    for (size_t c = 0; c < f->g; c++) {
        const double m = f->cell[f->k * f->g + c];
        if (m > 0) {
            *lo = fmin(*lo, f->selected[c] / m);
            *hi = fmax(*hi, f->selected[c] / m);
        }
    }
}

static double lchoose(double n, double r)
{
    return lgamma(n + 1) - lgamma(r + 1) - lgamma(n - r + 1);
}

/*
 * Two-sided Fisher exact test of [[a, b], [c, d]]: the sum of the
 * hypergeometric probabilities (margins fixed) of the tables no more likely
 * than the observed one, each taken within a relative 1e-7 of it as R's
 * fisher.test() does so that ties lost to rounding still count. Summed in
 * log space relative to the observed table's probability, so that neither
 * huge factorials nor tiny probabilities over- or underflow.
 */
int seg_fairness_fisher_exact(uint64_t a, uint64_t b, uint64_t c, uint64_t d, double *p)
{
    if (!p)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_fairness_fisher_exact: p is NULL");
    const uint64_t limit = UINT64_C(1) << 50; /* exact in a double */
    if (a > limit || b > limit || c > limit || d > limit || a + b + c + d > limit)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_fairness_fisher_exact: counts above 2^50");
    const double r1 = (double)(a + b), r2 = (double)(c + d), c1 = (double)(a + c);
    const double n = r1 + r2;
    const double lo = fmax(0, c1 - r2), hi = fmin(r1, c1);
    const double base = -lchoose(n, c1);
    const double lp_obs = lchoose(r1, (double)a) + lchoose(r2, c1 - (double)a) + base;
    const double tol = log1p(1e-7);
    double sum = 0;
    for (double x = lo; x <= hi; x += 1) {
        const double lp = lchoose(r1, x) + lchoose(r2, c1 - x) + base;
        if (lp <= lp_obs + tol)
            sum += exp(lp - lp_obs);
    }
    const double v = exp(lp_obs + log(sum));
    *p = v > 1 ? 1 : v;
    return SEG_OK;
}

int seg_fairness_group_stat(const seg_fairness *f, size_t group, seg_fairness_group_figure stat,
                            double *out)
{
    int rc = check_ready(f, out);
    if (rc < 0)
        return rc;
    if (group >= f->g)
        return seg_fail(SEG_ERR_INVALID_ARG, "group %zu: only 0 .. %zu", group, f->g - 1);
    const double m = f->cell[f->k * f->g + group];
    if (stat == SEG_FAIRNESS_GROUP_SIZE) {
        *out = m;
        return SEG_OK;
    }
    if (stat < SEG_FAIRNESS_GROUP_SIZE || stat > SEG_FAIRNESS_FISHER_P)
        return seg_fail(SEG_ERR_INVALID_ARG, "unknown fairness group statistic %d", (int)stat);
    if (!f->has_selection)
        return seg_fail(SEG_ERR_STATE, "no selection was given to seg_fairness_compute()");
    const double sel = f->selected[group], rate = m > 0 ? sel / m : NAN;
    double lo, hi;
    switch (stat) {
    case SEG_FAIRNESS_SELECTED:
        *out = sel;
        break;
    case SEG_FAIRNESS_SELECTION_RATE:
        *out = rate;
        break;
    case SEG_FAIRNESS_IMPACT_RATIO:
        rate_range(f, &lo, &hi);
        *out = hi > 0 ? rate / hi : NAN;
        break;
    default: { /* SEG_FAIRNESS_FISHER_P */
        const double rest = f->rows - m, rest_sel = f->selected_all - sel;
        if (!(m > 0) || !(rest > 0)) {
            *out = NAN; /* nothing to compare with */
            break;
        }
        rc = seg_fairness_fisher_exact((uint64_t)sel, (uint64_t)(m - sel), (uint64_t)rest_sel,
                                       (uint64_t)(rest - rest_sel), out);
        break;
    }
    }
    return rc;
}

/* Mutual information of segment and group (nats), and the two entropies. */
static void information(const seg_fairness *f, double *mi, double *hs, double *hg)
{
    const double n = f->rows;
    *mi = *hs = *hg = 0;
    if (!(n > 0))
        return;
    for (size_t s = 0; s < f->k; s++)
        if (f->size[s] > 0)
            *hs -= f->size[s] / n * log(f->size[s] / n);
    for (size_t c = 0; c < f->g; c++) {
        const double m = f->cell[f->k * f->g + c];
        if (m > 0)
            *hg -= m / n * log(m / n);
    }
    for (size_t s = 0; s < f->k; s++)
        for (size_t c = 0; c < f->g; c++) {
            const double v = f->cell[s * f->g + c];
            if (v > 0)
                *mi += v / n * log(v * n / (f->size[s] * f->cell[f->k * f->g + c]));
        }
    if (*mi < 0)
        *mi = 0; /* rounding only */
}

int seg_fairness_stat(const seg_fairness *f, seg_fairness_figure stat, double *out)
{
    int rc = check_ready(f, out);
    if (rc < 0)
        return rc;
    double lo, hi, mi, hs, hg, v = NAN;
    switch (stat) {
    case SEG_FAIRNESS_ROWS:
        *out = f->rows;
        return SEG_OK;
    case SEG_FAIRNESS_UNKNOWN:
        *out = f->unknown;
        return SEG_OK;
    case SEG_FAIRNESS_OVERALL_BALANCE:
    case SEG_FAIRNESS_MAX_TVD:
        for (size_t s = 0; s < f->k; s++) {
            double tvd, balance;
            segment_figures(f, s, &tvd, &balance);
            const double x = stat == SEG_FAIRNESS_MAX_TVD ? tvd : balance;
            if (!isnan(x))
                v = isnan(v) ? x : stat == SEG_FAIRNESS_MAX_TVD ? fmax(v, x) : fmin(v, x);
        }
        *out = v;
        return SEG_OK;
    case SEG_FAIRNESS_MUTUAL_INFORMATION:
    case SEG_FAIRNESS_NMI:
        information(f, &mi, &hs, &hg);
        *out = stat == SEG_FAIRNESS_MUTUAL_INFORMATION ? mi
               : hs > 0 && hg > 0                      ? fmin(1, 2 * mi / (hs + hg))
                                                       : 0;
        return SEG_OK;
    case SEG_FAIRNESS_ADVERSE_IMPACT_RATIO:
        if (!f->has_selection)
            return seg_fail(SEG_ERR_STATE, "no selection was given to seg_fairness_compute()");
        rate_range(f, &lo, &hi);
        *out = hi > 0 ? lo / hi : NAN;
        return SEG_OK;
    default:
        return seg_fail(SEG_ERR_INVALID_ARG, "unknown fairness statistic %d", (int)stat);
    }
}
