/*
 * Campaign metrics: how a yes/no outcome (bought, subscribed, churned) falls
 * across segments, and which segments to contact. Reads labels and outcomes,
 * never a model, so it works for any labelling.
 *
 * Segments whose profile a model withholds (minimum segment size) can be
 * marked with seg_campaign_set_withheld(): they are then counted only as one
 * pooled group, which is also a single step of the plan, so that neither a
 * figure nor the difference of two plan steps describes one of them alone.
 */
#include "data/data.h"
#include "core/params.h"

#include <float.h>
#include <stdlib.h>
#include <string.h>

/* Two-sided 95 % normal quantile, Phi^-1(0.975). */
#define Z95 1.959963984540054

struct seg_campaign {
    double cost, revenue; /* NaN until set */
    size_t k;
    bool computed;
    /* k + 2 entries: the segments, everyone (k), the pooled withheld group (k + 1) */
    double *contacts, *conversions, *held, *held_conversions;
    /* the plan: units (shown segments, or the pool k + 1) by decreasing
     * rate, cumulative sums per prefix */
    size_t steps;
    size_t *order;
    double *cum_contacts, *cum_conversions;
    /* seg_campaign_set_withheld(): NULL, or wlen flags (segments, then everyone) */
    uint8_t *withheld;
    size_t wlen;
    /* seg_campaign_set_opted_out(): NULL, or olen flags (one per row) */
    uint8_t *opted_out;
    size_t olen;
    double *opted; /* k + 2: opted-out rows per unit, counted nowhere else */
};

/* The pooled group's index in the count arrays and the plan. */
#define POOL(c) ((c)->k + 1)

static void campaign_clear(seg_campaign *c)
{
    seg_free(c->contacts);
    seg_free(c->conversions);
    seg_free(c->held);
    seg_free(c->held_conversions);
    seg_free(c->order);
    seg_free(c->cum_contacts);
    seg_free(c->cum_conversions);
    seg_free(c->opted);
    c->opted = NULL;
    c->contacts = c->conversions = c->held = c->held_conversions = NULL;
    c->order = NULL;
    c->cum_contacts = c->cum_conversions = NULL;
    c->computed = false;
    c->steps = c->k = 0;
}

int seg_campaign_new(seg_campaign **out)
{
    if (!out)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_campaign_new: out is NULL");
    seg_campaign *c = seg_calloc(1, sizeof *c);
    *out = c;
    if (!c)
        return SEG_NOMEM();
    c->cost = c->revenue = NAN;
    return SEG_OK;
}

void seg_campaign_free(seg_campaign *c)
{
    if (!c)
        return;
    campaign_clear(c);
    seg_free(c->withheld);
    seg_free(c->opted_out);
    seg_free(c);
}

/* Money: finite and >= 0 (NaN until set, which means no ROI). */
static const seg_param campaign_rows[] = {
    SEG_PARAM_REAL(SEG_CAMPAIGN_COST_PER_CONTACT, 0, DBL_MAX, seg_campaign, cost, NULL),
    SEG_PARAM_REAL(SEG_CAMPAIGN_REVENUE_PER_CONVERSION, 0, DBL_MAX, seg_campaign, revenue, NULL),
};
static const seg_param_table campaign_params = SEG_PARAM_TABLE("campaign", campaign_rows, NULL);

int seg_campaign_set_double(seg_campaign *c, seg_campaign_param param, double value)
{
    return seg_param_set_real(&campaign_params, c, (int)param, value);
}

int seg_campaign_get_double(const seg_campaign *c, seg_campaign_param param, double *value)
{
    return seg_param_get_real(&campaign_params, c, (int)param, value);
}

int seg_campaign_param_bounds(seg_campaign_param param, double *lower, double *upper)
{
    return seg_param_bounds(&campaign_params, (int)param, lower, upper);
}

/* Plan order: decreasing conversion rate, ties by segment index. */
typedef struct rate_key {
    double rate;
    size_t seg;
} rate_key;

static int cmp_rate(const void *pa, const void *pb)
{
    const rate_key *a = pa, *b = pb;
    if (a->rate != b->rate)
        return a->rate > b->rate ? -1 : 1;
    return (a->seg > b->seg) - (a->seg < b->seg);
}

/* Whether the campaign withholds unit j (a segment, everyone k, or the pool). */
static bool hidden(const seg_campaign *c, size_t j)
{
    if (!c->withheld)
        return false;
    if (c->withheld[c->k]) /* everyone withheld: every figure is */
        return true;
    return j < c->k && c->withheld[j];
}

/* Pool the withheld segments' counts at POOL(c) and order the plan's units:
 * the shown segments and the pool, each with a contacted customer. */
static int build_plan(seg_campaign *c)
{
    const size_t k = c->k, pool = POOL(c);
    rate_key *keys = seg_malloc_array(k + 1, sizeof *keys);
    size_t units = 0;
    if (!keys)
        return SEG_NOMEM();
    c->contacts[pool] = c->conversions[pool] = c->held[pool] = c->held_conversions[pool] = 0;
    c->opted[pool] = 0;
    bool any = false;
    for (size_t j = 0; j < k; j++) {
        if (!hidden(c, j)) {
            if (c->contacts[j] > 0)
                keys[units++] = (rate_key){c->conversions[j] / c->contacts[j], j};
            continue;
        }
        any = true;
        c->contacts[pool] += c->contacts[j];
        c->conversions[pool] += c->conversions[j];
        c->held[pool] += c->held[j];
        c->held_conversions[pool] += c->held_conversions[j];
        c->opted[pool] += c->opted[j];
    }
    if (any && !hidden(c, k) && c->contacts[pool] > 0)
        keys[units++] = (rate_key){c->conversions[pool] / c->contacts[pool], pool};
    qsort(keys, units, sizeof *keys, cmp_rate);
    double sc = 0, sv = 0;
    for (size_t u = 0; u < units; u++) {
        c->order[u] = keys[u].seg;
        sc += c->contacts[keys[u].seg];
        sv += c->conversions[keys[u].seg];
        c->cum_contacts[u] = sc;
        c->cum_conversions[u] = sv;
    }
    c->steps = units;
    seg_free(keys);
    return SEG_OK;
}

/* Counts exact in a double: at most 2^53. */
#define EXACT_MAX (UINT64_C(1) << 53)
#define FIELDS SEG_CAMPAIGN_COUNT_FIELDS

int seg_campaign_count(const seg_campaign *c, const int32_t *labels, size_t n, size_t k,
                       const int8_t *outcome, const int8_t *control, uint64_t *counts, size_t len)
{
    if (!c || !counts || (n && (!labels || !outcome)))
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_campaign_count: NULL argument");
    if (k == 0 || k > 1000000)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_campaign_count: k = %zu", k);
    if (len != k * FIELDS)
        return seg_fail(SEG_ERR_MISMATCH,
                        "seg_campaign_count: %zu counts for k = %zu (k x %d needed)", len, k,
                        FIELDS);
    if (c->opted_out && c->olen != n)
        return seg_fail(SEG_ERR_MISMATCH,
                        "seg_campaign_compute: %zu opt-out flags were set for %zu rows", c->olen,
                        n);
    /* every row is checked before any is added: all or nothing */
    for (size_t i = 0; i < n; i++) {
        int32_t j = labels[i];
        int8_t y = outcome[i], h = control ? control[i] : 0;
        if (j < 0 || (size_t)j >= k || y < -1 || y > 1 || h < -1 || h > 1)
            return seg_fail(SEG_ERR_INVALID_ARG,
                            "row %zu: label %d, outcome %d, control %d out of range", i + 1, (int)j,
                            (int)y, (int)h);
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t *seg = counts + (size_t)labels[i] * FIELDS;
        int8_t y = outcome[i], h = control ? control[i] : 0;
        if (c->opted_out && c->opted_out[i]) { /* never contacted, never in a figure */
            seg[SEG_CAMPAIGN_COUNT_OPTED_OUT]++;
            continue;
        }
        if (y < 0 || h < 0)
            continue; /* unknown outcome or group: counted nowhere */
        seg[h ? SEG_CAMPAIGN_COUNT_HELD_OUT : SEG_CAMPAIGN_COUNT_CONTACTS]++;
        seg[h ? SEG_CAMPAIGN_COUNT_HELD_OUT_CONVERSIONS : SEG_CAMPAIGN_COUNT_CONVERSIONS] +=
            (uint64_t)y;
    }
    return SEG_OK;
}

/* Whether the counts are consistent and exact as doubles, totals included. */
static int check_counts(const uint64_t *counts, size_t k)
{
    uint64_t total[FIELDS] = {0};
    for (size_t j = 0; j < k; j++) {
        const uint64_t *seg = counts + j * FIELDS;
        if (seg[SEG_CAMPAIGN_COUNT_CONVERSIONS] > seg[SEG_CAMPAIGN_COUNT_CONTACTS] ||
            seg[SEG_CAMPAIGN_COUNT_HELD_OUT_CONVERSIONS] > seg[SEG_CAMPAIGN_COUNT_HELD_OUT])
            return seg_fail(SEG_ERR_INVALID_ARG,
                            "segment %zu: more conversions than contacted or held-out rows", j);
        for (size_t f = 0; f < FIELDS; f++) {
            if (seg[f] > EXACT_MAX || total[f] > EXACT_MAX - seg[f])
                return seg_fail(SEG_ERR_INVALID_ARG,
                                "segment %zu: counts above 2^53 are not exact as doubles", j);
            total[f] += seg[f];
        }
    }
    return SEG_OK;
}

int seg_campaign_compute_counts(seg_campaign *c, const uint64_t *counts, size_t k)
{
    int rc;
    if (!c || !counts)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_campaign_compute_counts: NULL argument");
    if (k == 0 || k > 1000000)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_campaign_compute: k = %zu", k);
    if (c->withheld && c->wlen != k + 1)
        return seg_fail(SEG_ERR_MISMATCH,
                        "seg_campaign_compute: %zu withheld flags were set for k = %zu (k + 1 "
                        "needed)",
                        c->wlen, k);
    campaign_clear(c);
    if ((rc = check_counts(counts, k)) < 0)
        return rc;
    c->k = k;
    c->contacts = seg_calloc(k + 2, sizeof(double));
    c->conversions = seg_calloc(k + 2, sizeof(double));
    c->held = seg_calloc(k + 2, sizeof(double));
    c->held_conversions = seg_calloc(k + 2, sizeof(double));
    c->order = seg_calloc(k + 1, sizeof *c->order);
    c->cum_contacts = seg_calloc(k + 1, sizeof(double));
    c->cum_conversions = seg_calloc(k + 1, sizeof(double));
    c->opted = seg_calloc(k + 2, sizeof(double));
    if (!c->opted || !c->contacts || !c->conversions || !c->held || !c->held_conversions ||
        !c->order || !c->cum_contacts || !c->cum_conversions) {
        campaign_clear(c);
        return SEG_NOMEM();
    }
    /* everyone (index k): the segments' sums, exact below 2^53 */
    double *const dst[FIELDS] = {c->contacts, c->conversions, c->held, c->held_conversions,
                                 c->opted};
    for (size_t j = 0; j < k; j++)
        for (size_t f = 0; f < FIELDS; f++) {
            dst[f][j] = (double)counts[j * FIELDS + f];
            dst[f][k] += dst[f][j];
        }
    if ((rc = build_plan(c)) < 0) {
        campaign_clear(c);
        return rc;
    }
    c->computed = true;
    return SEG_OK;
}

/* The rows counted once (seg_campaign_count), then planned from the counts:
 * the one path, whether the rows come at once or in parts. */
int seg_campaign_compute(seg_campaign *c, const int32_t *labels, size_t n, size_t k,
                         const int8_t *outcome, const int8_t *control)
{
    int rc;
    if (!c || (n && (!labels || !outcome)))
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_campaign_compute: NULL argument");
    if (k == 0 || k > 1000000)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_campaign_compute: k = %zu", k);
    if (c->opted_out && c->olen != n)
        return seg_fail(SEG_ERR_MISMATCH,
                        "seg_campaign_compute: %zu opt-out flags were set for %zu rows", c->olen,
                        n);
    if (c->withheld && c->wlen != k + 1)
        return seg_fail(SEG_ERR_MISMATCH,
                        "seg_campaign_compute: %zu withheld flags were set for k = %zu (k + 1 "
                        "needed)",
                        c->wlen, k);
    uint64_t *counts = seg_calloc(k * FIELDS, sizeof *counts);
    if (!counts) {
        campaign_clear(c);
        return SEG_NOMEM();
    }
    rc = seg_campaign_count(c, labels, n, k, outcome, control, counts, k * FIELDS);
    if (rc < 0)
        campaign_clear(c);
    else
        rc = seg_campaign_compute_counts(c, counts, k);
    seg_free(counts);
    return rc;
}

int seg_campaign_set_withheld(seg_campaign *c, const uint8_t *withheld, size_t len)
{
    uint8_t *copy = NULL;
    if (!c || (len && !withheld))
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_campaign_set_withheld: NULL argument");
    if (c->computed && len && len != c->k + 1)
        return seg_fail(SEG_ERR_MISMATCH,
                        "seg_campaign_set_withheld: %zu flags for a campaign of %zu segments "
                        "(k + 1 = %zu needed)",
                        len, c->k, c->k + 1);
    if (len && !(copy = seg_malloc(len)))
        return SEG_NOMEM();
    if (len)
        memcpy(copy, withheld, len);
    uint8_t *old = c->withheld;
    const size_t old_len = c->wlen;
    c->withheld = copy;
    c->wlen = len;
    if (c->computed) {
        int rc = build_plan(c);
        if (rc < 0) { /* keep the earlier flags and plan */
            c->withheld = old;
            c->wlen = old_len;
            seg_free(copy);
            return rc;
        }
    }
    seg_free(old);
    return SEG_OK;
}

int seg_campaign_set_opted_out(seg_campaign *c, const uint8_t *opted_out, size_t n)
{
    uint8_t *copy = NULL;
    if (!c || (n && !opted_out))
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_campaign_set_opted_out: NULL argument");
    if (n && !(copy = seg_malloc(n)))
        return SEG_NOMEM();
    if (n)
        memcpy(copy, opted_out, n);
    seg_free(c->opted_out);
    c->opted_out = copy;
    c->olen = n;
    return SEG_OK;
}

static double ratio(double a, double b)
{
    return b > 0 ? a / b : NAN;
}

/*
 * Wilson score interval (Wilson 1927; Brown, Cai & DasGupta 2001) for x
 * successes in m trials: (p + z^2/2m +- z sqrt(p(1-p)/m + z^2/4m^2)) / (1 + z^2/m).
 */
static void wilson(double x, double m, double *lo, double *hi)
{
    if (!(m > 0)) {
        *lo = *hi = NAN;
        return;
    }
    const double p = x / m, z2 = Z95 * Z95;
    const double mid = p + z2 / (2 * m);
    const double half = Z95 * sqrt(p * (1 - p) / m + z2 / (4 * m * m));
    *lo = (mid - half) / (1 + z2 / m);
    *hi = (mid + half) / (1 + z2 / m);
    if (*lo < 0)
        *lo = 0; /* rounding only: the bounds lie in [0, 1] */
    if (*hi > 1)
        *hi = 1;
}

/* (revenue x conversions - cost x contacts) / (cost x contacts). */
static double roi(const seg_campaign *c, double contacts, double conversions)
{
    double spend = c->cost * contacts;
    return spend > 0 ? (c->revenue * conversions - spend) / spend : NAN;
}

static int check_ready(const seg_campaign *c, const void *out)
{
    if (!c || !out)
        return seg_fail(SEG_ERR_INVALID_ARG, "campaign or output is NULL");
    if (!c->computed)
        return seg_fail(SEG_ERR_STATE, "seg_campaign_compute() has not succeeded yet");
    return SEG_OK;
}

/* Statistic of unit j: a segment, everyone (k) or the pool (k + 1). */
static int stat_at(const seg_campaign *c, size_t j, seg_campaign_stat stat, double *out)
{
    const size_t all = c->k;
    const double rate = ratio(c->conversions[j], c->contacts[j]);
    const double held_rate = ratio(c->held_conversions[j], c->held[j]);
    double lo, hi;
    switch (stat) {
    case SEG_CAMPAIGN_CONTACTS: *out = c->contacts[j]; break;
    case SEG_CAMPAIGN_CONVERSIONS: *out = c->conversions[j]; break;
    case SEG_CAMPAIGN_RATE: *out = rate; break;
    case SEG_CAMPAIGN_RATE_LOW:
    case SEG_CAMPAIGN_RATE_HIGH:
        wilson(c->conversions[j], c->contacts[j], &lo, &hi);
        *out = stat == SEG_CAMPAIGN_RATE_LOW ? lo : hi;
        break;
    case SEG_CAMPAIGN_LIFT: *out = ratio(rate, ratio(c->conversions[all], c->contacts[all])); break;
    case SEG_CAMPAIGN_HELD_OUT: *out = c->held[j]; break;
    case SEG_CAMPAIGN_HELD_OUT_CONVERSIONS: *out = c->held_conversions[j]; break;
    case SEG_CAMPAIGN_HELD_OUT_RATE: *out = held_rate; break;
    case SEG_CAMPAIGN_UPLIFT: *out = rate - held_rate; break;
    case SEG_CAMPAIGN_ROI: *out = roi(c, c->contacts[j], c->conversions[j]); break;
    case SEG_CAMPAIGN_OPTED_OUT: *out = c->opted[j]; break;
    default: return seg_fail(SEG_ERR_INVALID_ARG, "unknown campaign statistic %d", (int)stat);
    }
    return SEG_OK;
}

int seg_campaign_segment_stat(const seg_campaign *c, size_t segment, seg_campaign_stat stat,
                              double *out)
{
    int rc = check_ready(c, out);
    if (rc < 0)
        return rc;
    if (segment > c->k)
        return seg_fail(SEG_ERR_INVALID_ARG, "segment %zu: only %zu (and %zu for everyone)",
                        segment, c->k, c->k);
    if (hidden(c, segment) && segment == c->k)
        return seg_fail(SEG_ERR_STATE, "campaign figures of everyone (segment %zu) are withheld: "
                                       "fewer customers than the minimum segment size in all",
                        segment);
    if (hidden(c, segment))
        return seg_fail(SEG_ERR_STATE,
                        "campaign figures of segment %zu are withheld (minimum segment size); "
                        "see seg_campaign_withheld_stat()",
                        segment);
    return stat_at(c, segment, stat, out);
}

int seg_campaign_withheld_stat(const seg_campaign *c, seg_campaign_stat stat, double *out)
{
    int rc = check_ready(c, out);
    if (rc < 0)
        return rc;
    if (hidden(c, c->k))
        return seg_fail(SEG_ERR_STATE, "every campaign figure is withheld: fewer customers "
                                       "than the minimum segment size in all");
    bool any = false;
    for (size_t j = 0; j < c->k && !any; j++)
        any = hidden(c, j);
    if (!any)
        return seg_fail(SEG_ERR_EMPTY, "no segment is withheld: there is no pooled group");
    return stat_at(c, POOL(c), stat, out);
}

size_t seg_campaign_plan_steps(const seg_campaign *c)
{
    return c && c->computed ? c->steps : 0;
}

int seg_campaign_plan_stat(const seg_campaign *c, size_t step, seg_plan_stat stat, double *out)
{
    int rc = check_ready(c, out);
    if (rc < 0)
        return rc;
    if (step >= c->steps)
        return seg_fail(SEG_ERR_INVALID_ARG, "plan step %zu: the plan has %zu", step, c->steps);
    const double contacts = c->cum_contacts[step], conv = c->cum_conversions[step];
    switch (stat) {
    case SEG_PLAN_SEGMENT: *out = c->order[step] == POOL(c) ? -1 : (double)c->order[step]; break;
    case SEG_PLAN_CONTACTS: *out = contacts; break;
    case SEG_PLAN_CONVERSIONS: *out = conv; break;
    case SEG_PLAN_CONVERSION_SHARE: *out = ratio(conv, c->conversions[c->k]); break;
    case SEG_PLAN_CONTACTS_AVOIDED: *out = c->contacts[c->k] - contacts; break;
    case SEG_PLAN_ROI: *out = roi(c, contacts, conv); break;
    case SEG_PLAN_PROFIT: *out = c->revenue * conv - c->cost * contacts; break;
    default: return seg_fail(SEG_ERR_INVALID_ARG, "unknown plan statistic %d", (int)stat);
    }
    return SEG_OK;
}

int seg_campaign_plan_best(const seg_campaign *c, size_t *step)
{
    int rc = check_ready(c, step);
    if (rc < 0)
        return rc;
    if (c->steps == 0)
        return seg_fail(SEG_ERR_EMPTY, "no segment has a contacted customer with a known "
                                       "outcome, or every figure is withheld");
    const double overall = ratio(c->conversions[c->k], c->contacts[c->k]);
    const bool money = !isnan(c->cost) && !isnan(c->revenue);
    size_t best = 0;
    double best_profit = -INFINITY;
    for (size_t s = 0; s < c->steps; s++) {
        size_t j = c->order[s];
        if (money) {
            double profit = c->revenue * c->cum_conversions[s] - c->cost * c->cum_contacts[s];
            if (profit > best_profit) { /* strict: the shortest of equal prefixes */
                best_profit = profit;
                best = s;
            }
        } else if (c->conversions[j] / c->contacts[j] >= overall) {
            best = s;
        }
    }
    *step = best;
    return SEG_OK;
}

/* ---- reading an outcome column ----------------------------------------------------- */

/* The one reader of yes/no columns: seg_dataset_get_outcome() (missing = -1,
 * into s8) and seg_dataset_get_flag() (missing = 0, into u8) differ only in
 * the code of a missing value and the output type; exactly one of s8 and u8
 * is given. fn names the public call in the NULL-argument message. */
static int read_yes_no(const seg_dataset *ds, const char *name, const char *fn, int8_t missing,
                       int8_t *s8, uint8_t *u8, size_t len)
{
    size_t j;
    int rc;
    char where[400];
    if (!ds || !name || (!s8 && !u8 && ds->n_rows))
        return seg_fail(SEG_ERR_INVALID_ARG, "%s: NULL argument", fn);
    if ((rc = seg_dataset_column_index(ds, name, &j)) < 0)
        return rc;
    if (len < ds->n_rows)
        return seg_fail(SEG_ERR_MISMATCH, "output holds %zu values, %zu needed", len, ds->n_rows);
    const seg_column *c = &ds->cols[j];
    for (size_t i = 0; i < ds->n_rows; i++) {
        int8_t v;
        if (c->type == SEG_COLUMN_NUMERIC) {
            double x = seg_column_value(c, i);
            if (isnan(x))
                v = missing;
            else if (x == 0 || x == 1)
                v = (int8_t)x;
            else
                return seg_fail(SEG_ERR_PARSE,
                                "%s: column '%s': %g is not yes/no, true/false, y/n or 1/0",
                                seg_dataset_where(ds, i, c, where, sizeof where), name, x);
        } else if (c->codes[i] < 0) {
            v = missing;
        } else {
            const char *t = c->levels[c->codes[i]];
            int yn = seg_yes_no(t);
            if (yn == 0)
                return seg_fail(SEG_ERR_PARSE,
                                "%s: column '%s': '%.64s' is not yes/no, true/false, y/n or 1/0",
                                seg_dataset_where(ds, i, c, where, sizeof where), name, t);
            v = yn > 0;
        }
        if (s8)
            s8[i] = v;
        else
            u8[i] = (uint8_t)v;
    }
    return SEG_OK;
}

int seg_dataset_get_flag(const seg_dataset *ds, const char *name, uint8_t *out, size_t len)
{
    return read_yes_no(ds, name, "seg_dataset_get_flag", 0, NULL, out, len);
}

int seg_dataset_get_outcome(const seg_dataset *ds, const char *name, int8_t *out, size_t len)
{
    return read_yes_no(ds, name, "seg_dataset_get_outcome", -1, out, NULL, len);
}
