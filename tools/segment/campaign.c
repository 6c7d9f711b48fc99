/*
 * 'seg segment --target': the campaign metrics of a segmentation, the same
 * for every method (run_campaign), the campaign fields of the JSON document
 * and the targeting plan on the terminal.
 */
#include "segment.h"

#include "fairness.h"
#include "out.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The campaign withholds the figures of the segments whose profiles the
 * model withholds, and shows them only pooled (--min-segment-size). */
static int withhold_like_model(seg_campaign *c, const seg_model *m, size_t k)
{
    if (seg_model_min_profile_size(m) == 0)
        return 0;
    uint8_t *flags = malloc(k + 1);
    if (!flags)
        return SEG_ERR_NOMEM;
    for (size_t j = 0; j <= k; j++)
        flags[j] = (uint8_t)(seg_model_profile_withheld(m, j) != 0);
    int rc = seg_campaign_set_withheld(c, flags, k + 1);
    free(flags);
    return rc;
}

int campaign_new(const opts *o, const seg_model *m, seg_campaign **out)
{
    int rc = seg_campaign_new(out);
    if (rc == 0 && !isnan(o->cost))
        rc = seg_campaign_set_double(*out, SEG_CAMPAIGN_COST_PER_CONTACT, o->cost);
    if (rc == 0 && !isnan(o->revenue))
        rc = seg_campaign_set_double(*out, SEG_CAMPAIGN_REVENUE_PER_CONVERSION, o->revenue);
    if (rc == 0)
        rc = withhold_like_model(*out, m, seg_model_k(m));
    return rc;
}

int run_campaign(const opts *o, summary *s, const int8_t *outcome, const int8_t *control,
                 seg_campaign **out)
{
    int rc = campaign_new(o, s->m, out);
    if (rc == 0 && s->fair && s->fair->opted_out)
        rc = seg_campaign_set_opted_out(*out, s->fair->opted_out, s->n);
    if (rc == 0)
        rc = seg_campaign_compute(*out, s->labels, s->n, s->k, outcome, control);
    return rc;
}

static double cstat(const summary *s, size_t j, seg_campaign_stat st)
{
    double v = NAN;
    seg_campaign_segment_stat(s->camp, j, st, &v);
    return v;
}

static double pstat(const summary *s, size_t step, seg_plan_stat st)
{
    double v = NAN;
    seg_campaign_plan_stat(s->camp, step, st, &v);
    return v;
}

/* Whether segment j's figures are withheld (pooled with the others withheld). */
bool campaign_withheld(const summary *s, size_t j)
{
    double v;
    return s->camp && seg_campaign_segment_stat(s->camp, j, SEG_CAMPAIGN_CONTACTS, &v) ==
                          SEG_ERR_STATE;
}

/* Statistic of the pooled withheld group (NaN when there is none). */
double campaign_pool_stat(const summary *s, seg_campaign_stat st)
{
    double v = NAN;
    seg_campaign_withheld_stat(s->camp, st, &v);
    return v;
}

/* Whether the campaign has a pooled group of withheld segments. */
bool campaign_has_pool(const summary *s)
{
    double v;
    return s->camp && seg_campaign_withheld_stat(s->camp, SEG_CAMPAIGN_CONTACTS, &v) == 0;
}

static const struct {
    seg_campaign_stat id;
    const char *key;
} seg_fields[] = {
    {SEG_CAMPAIGN_CONTACTS, "contacts"},
    {SEG_CAMPAIGN_CONVERSIONS, "conversions"},
    {SEG_CAMPAIGN_RATE, "conversion"},
    {SEG_CAMPAIGN_RATE_LOW, "conversion_low"},
    {SEG_CAMPAIGN_RATE_HIGH, "conversion_high"},
    {SEG_CAMPAIGN_LIFT, "lift"},
    {SEG_CAMPAIGN_HELD_OUT, "held_out"},
    {SEG_CAMPAIGN_HELD_OUT_RATE, "held_out_conversion"},
    {SEG_CAMPAIGN_UPLIFT, "uplift"},
    {SEG_CAMPAIGN_ROI, "roi"},
};

void campaign_json_segment(FILE *f, const summary *s, size_t j)
{
    if (!s->camp)
        return;
    for (size_t i = 0; i < sizeof seg_fields / sizeof seg_fields[0]; i++) {
        fprintf(f, ", \"%s\": ", seg_fields[i].key);
        json_number(f, cstat(s, j, seg_fields[i].id));
    }
}

/* The segments a plan step adds: one, or every withheld one (the pool). */
static void json_step_segments(FILE *f, const summary *s, size_t step, bool *first)
{
    double seg = pstat(s, step, SEG_PLAN_SEGMENT);
    if (seg >= 0) {
        fprintf(f, "%s%.0f", *first ? "" : ", ", seg);
        *first = false;
        return;
    }
    for (size_t j = 0; j < s->k; j++) /* the pool: its k flags, as a prefix lists k */
        if (campaign_withheld(s, j)) {
            fprintf(f, "%s%zu", *first ? "" : ", ", j);
            *first = false;
        }
}

/* The pooled group: its segments and figures, or null. */
static void json_pool(FILE *f, const summary *s)
{
    fprintf(f, ",\n  \"withheld_group\": ");
    if (!campaign_has_pool(s)) {
        fputs("null", f);
        return;
    }
    fprintf(f, "{\"segments\": [");
    for (size_t j = 0, first = 1; j < s->k; j++)
        if (campaign_withheld(s, j)) {
            fprintf(f, "%s%zu", first ? "" : ", ", j);
            first = 0;
        }
    fprintf(f, "]");
    for (size_t i = 0; i < sizeof seg_fields / sizeof seg_fields[0]; i++) {
        fprintf(f, ", \"%s\": ", seg_fields[i].key);
        json_number(f, campaign_pool_stat(s, seg_fields[i].id));
    }
    fprintf(f, "}");
}

void campaign_json(FILE *f, const opts *o, const summary *s)
{
    size_t best = 0, steps = seg_campaign_plan_steps(s->camp);
    if (!s->camp)
        return;
    seg_campaign_plan_best(s->camp, &best);
    fprintf(f, ",\n  \"target\": ");
    json_string(f, o->target);
    fprintf(f, ",\n  \"control\": ");
    if (o->control)
        json_string(f, o->control);
    else
        fputs("null", f);
    fprintf(f, ",\n  \"overall_conversion\": ");
    json_number(f, cstat(s, s->k, SEG_CAMPAIGN_RATE));
    fprintf(f, ",\n  \"cost_per_contact\": ");
    json_number(f, o->cost);
    fprintf(f, ",\n  \"revenue_per_conversion\": ");
    json_number(f, o->revenue);
    json_pool(f, s);
    fprintf(f, ",\n  \"plan\": {\"rule\": \"%s\", \"recommended_step\": %zu, \"steps\": [",
            isnan(o->cost) || isnan(o->revenue) ? "segments with lift >= 1" : "highest profit",
            best);
    for (size_t t = 0; t < steps; t++) {
        bool first = true, pool = false;
        fprintf(f, "%s\n    {\"step\": %zu, \"segments\": [", t ? "," : "", t);
        for (size_t u = 0; u <= t; u++) {
            json_step_segments(f, s, u, &first);
            pool = pool || pstat(s, u, SEG_PLAN_SEGMENT) < 0;
        }
        fprintf(f, "], \"withheld_group\": %s", pool ? "true" : "false");
        fprintf(f, ", \"contacts\": %.0f, \"conversions\": %.0f, \"conversion_share\": ",
                pstat(s, t, SEG_PLAN_CONTACTS), pstat(s, t, SEG_PLAN_CONVERSIONS));
        json_number(f, pstat(s, t, SEG_PLAN_CONVERSION_SHARE));
        fprintf(f, ", \"contacts_avoided\": %.0f, \"roi\": ",
                pstat(s, t, SEG_PLAN_CONTACTS_AVOIDED));
        json_number(f, pstat(s, t, SEG_PLAN_ROI));
        fprintf(f, ", \"profit\": ");
        json_number(f, pstat(s, t, SEG_PLAN_PROFIT));
        fprintf(f, "}");
    }
    fprintf(f, "\n  ]}");
}

/* The pooled group's segment list, "1, 4", into buf. */
static const char *pool_members(const summary *s, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t j = 0; j < s->k && used < len; j++)
        if (campaign_withheld(s, j)) {
            int w = snprintf(buf + used, len - used, "%s%zu", used ? ", " : "", j);
            used += w > 0 ? (size_t)w : 0;
        }
    return buf;
}

/* One row of figures: conversion, interval, lift, [uplift], [ROI]. */
static void text_figures(const opts *o, const double v[5])
{
    printf("  %8.2f %%  %5.2f .. %5.2f %%  %5.2f", 100 * v[0], 100 * v[1], 100 * v[2], v[3]);
    if (o->control)
        printf("  %+6.2f", 100 * v[4]);
}

void campaign_text(const opts *o, const summary *s)
{
    size_t best = 0, steps = seg_campaign_plan_steps(s->camp);
    const bool money = !isnan(o->cost) && !isnan(o->revenue);
    char members[256];
    if (campaign_withheld(s, s->k)) {
        printf("\n'%s': campaign figures withheld (fewer than %zu customers in all)\n",
               o->target, seg_model_min_profile_size(s->m));
        return;
    }
    seg_campaign_plan_best(s->camp, &best);
    printf("\n'%s': %.0f of %.0f contacted customers converted (%.2f %%)\n", o->target,
           cstat(s, s->k, SEG_CAMPAIGN_CONVERSIONS), cstat(s, s->k, SEG_CAMPAIGN_CONTACTS),
           100 * cstat(s, s->k, SEG_CAMPAIGN_RATE));
    printf("segment  conversion  95 %% interval      lift%s%s\n", o->control ? "  uplift" : "",
           money ? "      ROI" : "");
    for (size_t j = 0; j < s->k; j++) {
        if (campaign_withheld(s, j)) {
            printf("%7zu  withheld (pooled below)\n", j);
            continue;
        }
        const double v[5] = {cstat(s, j, SEG_CAMPAIGN_RATE), cstat(s, j, SEG_CAMPAIGN_RATE_LOW),
                             cstat(s, j, SEG_CAMPAIGN_RATE_HIGH), cstat(s, j, SEG_CAMPAIGN_LIFT),
                             cstat(s, j, SEG_CAMPAIGN_UPLIFT)};
        printf("%7zu", j);
        text_figures(o, v);
        if (money)
            printf("  %+7.2f", cstat(s, j, SEG_CAMPAIGN_ROI));
        printf("\n");
    }
    if (campaign_has_pool(s)) {
        const double v[5] = {campaign_pool_stat(s, SEG_CAMPAIGN_RATE),
                             campaign_pool_stat(s, SEG_CAMPAIGN_RATE_LOW),
                             campaign_pool_stat(s, SEG_CAMPAIGN_RATE_HIGH),
                             campaign_pool_stat(s, SEG_CAMPAIGN_LIFT),
                             campaign_pool_stat(s, SEG_CAMPAIGN_UPLIFT)};
        printf("pooled ");
        text_figures(o, v);
        if (money)
            printf("  %+7.2f", campaign_pool_stat(s, SEG_CAMPAIGN_ROI));
        printf("  (withheld segments %s together)\n", pool_members(s, members, sizeof members));
    }
    printf("\nTargeting plan (segments by conversion rate; * = recommended: %s)\n",
           money ? "highest profit" : "segments converting at least as well as average");
    printf("  step  + segment   contacts  conversions (share)  avoided%s\n",
           money ? "      ROI" : "");
    for (size_t t = 0; t < steps; t++) {
        const double seg = pstat(s, t, SEG_PLAN_SEGMENT);
        printf("%c %4zu  ", t == best ? '*' : ' ', t);
        if (seg < 0)
            printf("%9s", "pooled");
        else
            printf("%9.0f", seg);
        printf("  %9.0f  %9.0f (%5.1f %%)  %7.0f", pstat(s, t, SEG_PLAN_CONTACTS),
               pstat(s, t, SEG_PLAN_CONVERSIONS), 100 * pstat(s, t, SEG_PLAN_CONVERSION_SHARE),
               pstat(s, t, SEG_PLAN_CONTACTS_AVOIDED));
        if (money)
            printf("  %+7.2f", pstat(s, t, SEG_PLAN_ROI));
        printf("\n");
    }
    if (campaign_has_pool(s))
        printf("(pooled = withheld segments %s, contacted together)\n",
               pool_members(s, members, sizeof members));
}

bool campaign_plan_segments(const summary *s, uint8_t *flags, long *step, char *list, size_t len)
{
    size_t best = 0, used = 0;
    if (!s->camp || seg_campaign_plan_best(s->camp, &best) != 0)
        return false;
    memset(flags, 0, s->k);
    for (size_t u = 0; u <= best; u++) {
        const double seg = pstat(s, u, SEG_PLAN_SEGMENT);
        for (size_t j = 0; j < s->k; j++)
            flags[j] |= seg < 0 ? campaign_withheld(s, j) : (double)j == seg;
    }
    list[0] = '\0';
    for (size_t j = 0; j < s->k && used < len; j++)
        if (flags[j]) {
            int w = snprintf(list + used, len - used, "%s%zu", used ? ", " : "", j);
            used += w > 0 ? (size_t)w : 0;
        }
    *step = (long)best;
    return true;
}
