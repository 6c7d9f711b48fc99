/*
 * Campaign metrics: how a yes/no outcome (bought, subscribed, churned) falls
 * across segments, and which segments to contact. Reads labels and outcomes,
 * never a model, so it works for any labelling.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* Two-sided 95 % normal quantile, Phi^-1(0.975). */
#define Z95 1.959963984540054

struct seg_campaign {
    double cost, revenue; /* NaN until set */
    size_t k;
    bool computed;
    /* k + 1 entries (the last is everyone) */
    double *contacts, *conversions, *held, *held_conversions;
    /* the plan: segments by decreasing rate, cumulative sums per prefix */
    size_t steps;
    size_t *order;
    double *cum_contacts, *cum_conversions;
};

static void campaign_clear(seg_campaign *c)
{
    seg_free(c->contacts);
    seg_free(c->conversions);
    seg_free(c->held);
    seg_free(c->held_conversions);
    seg_free(c->order);
    seg_free(c->cum_contacts);
    seg_free(c->cum_conversions);
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
    seg_free(c);
}

int seg_campaign_set_double(seg_campaign *c, seg_campaign_param param, double value)
{
    if (!c)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_campaign_set_double: campaign is NULL");
    if (!(value >= 0) || !isfinite(value))
        return seg_fail(SEG_ERR_INVALID_ARG, "campaign parameter %d: %g must be finite and >= 0",
                        (int)param, value);
    if (param == SEG_CAMPAIGN_COST_PER_CONTACT)
        c->cost = value;
    else if (param == SEG_CAMPAIGN_REVENUE_PER_CONVERSION)
        c->revenue = value;
    else
        return seg_fail(SEG_ERR_INVALID_ARG, "unknown campaign parameter %d", (int)param);
    return SEG_OK;
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

int seg_campaign_compute(seg_campaign *c, const int32_t *labels, size_t n, size_t k,
                         const int8_t *outcome, const int8_t *control)
{
    rate_key *keys = NULL;
    if (!c || (n && (!labels || !outcome)))
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_campaign_compute: NULL argument");
    if (k == 0 || k > 1000000)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_campaign_compute: k = %zu", k);
    campaign_clear(c);
    c->k = k;
    c->contacts = seg_calloc(k + 1, sizeof(double));
    c->conversions = seg_calloc(k + 1, sizeof(double));
    c->held = seg_calloc(k + 1, sizeof(double));
    c->held_conversions = seg_calloc(k + 1, sizeof(double));
    c->order = seg_calloc(k, sizeof *c->order);
    c->cum_contacts = seg_calloc(k, sizeof(double));
    c->cum_conversions = seg_calloc(k, sizeof(double));
    keys = seg_malloc_array(k, sizeof *keys);
    if (!c->contacts || !c->conversions || !c->held || !c->held_conversions || !c->order ||
        !c->cum_contacts || !c->cum_conversions || !keys) {
        seg_free(keys);
        campaign_clear(c);
        return SEG_NOMEM();
    }
    for (size_t i = 0; i < n; i++) {
        int32_t j = labels[i];
        int8_t y = outcome[i], h = control ? control[i] : 0;
        if (j < 0 || (size_t)j >= k || y < -1 || y > 1 || h < -1 || h > 1) {
            seg_free(keys);
            campaign_clear(c);
            return seg_fail(SEG_ERR_INVALID_ARG,
                            "row %zu: label %d, outcome %d, control %d out of range", i + 1,
                            (int)j, (int)y, (int)h);
        }
        if (y < 0 || h < 0)
            continue; /* unknown outcome or group: counted nowhere */
        double *cnt = h ? c->held : c->contacts, *conv = h ? c->held_conversions : c->conversions;
        cnt[j] += 1;
        cnt[k] += 1;
        conv[j] += y;
        conv[k] += y;
    }
    for (size_t j = 0; j < k; j++)
        keys[j] = (rate_key){c->contacts[j] > 0 ? c->conversions[j] / c->contacts[j] : -1, j};
    qsort(keys, k, sizeof *keys, cmp_rate);
    double sc = 0, sv = 0;
    for (size_t j = 0; j < k && keys[j].rate >= 0; j++, c->steps++) {
        c->order[j] = keys[j].seg;
        sc += c->contacts[keys[j].seg];
        sv += c->conversions[keys[j].seg];
        c->cum_contacts[j] = sc;
        c->cum_conversions[j] = sv;
    }
    seg_free(keys);
    c->computed = true;
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

int seg_campaign_segment_stat(const seg_campaign *c, size_t segment, seg_campaign_stat stat,
                              double *out)
{
    int rc = check_ready(c, out);
    if (rc < 0)
        return rc;
    if (segment > c->k)
        return seg_fail(SEG_ERR_INVALID_ARG, "segment %zu: only %zu (and %zu for everyone)",
                        segment, c->k, c->k);
    const size_t j = segment, all = c->k;
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
    default: return seg_fail(SEG_ERR_INVALID_ARG, "unknown campaign statistic %d", (int)stat);
    }
    return SEG_OK;
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
    case SEG_PLAN_SEGMENT: *out = (double)c->order[step]; break;
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
        return seg_fail(SEG_ERR_EMPTY, "no segment has a contacted customer with a known outcome");
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

int seg_dataset_get_outcome(const seg_dataset *ds, const char *name, int8_t *out, size_t len)
{
    size_t j;
    int rc;
    if (!ds || !name || (!out && ds->n_rows))
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_dataset_get_outcome: NULL argument");
    if ((rc = seg_dataset_column_index(ds, name, &j)) < 0)
        return rc;
    if (len < ds->n_rows)
        return seg_fail(SEG_ERR_MISMATCH, "output holds %zu values, %zu needed", len, ds->n_rows);
    const seg_column *c = &ds->cols[j];
    for (size_t i = 0; i < ds->n_rows; i++) {
        if (c->type == SEG_COLUMN_NUMERIC) {
            double v = seg_column_value(c, i);
            if (isnan(v))
                out[i] = -1;
            else if (v == 0 || v == 1)
                out[i] = (int8_t)v;
            else
                return seg_fail(SEG_ERR_PARSE, "column '%s', row %zu: %g is not 0 or 1", name,
                                i + 1, v);
            continue;
        }
        if (c->codes[i] < 0) {
            out[i] = -1;
            continue;
        }
        const char *t = c->levels[c->codes[i]];
        int yn = seg_yes_no(t);
        out[i] = (int8_t)(yn > 0);
        if (yn == 0)
            return seg_fail(SEG_ERR_PARSE,
                            "column '%s', row %zu: '%.64s' is not yes/no, true/false or 1/0",
                            name, i + 1, t);
    }
    return SEG_OK;
}
