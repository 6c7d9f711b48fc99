/*
 * 'seg segment --target': campaign fields of the JSON document and the
 * targeting plan on the terminal.
 */
#include "segment.h"

#include "out.h"

#include <math.h>

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
    fprintf(f, ",\n  \"plan\": {\"rule\": \"%s\", \"recommended_step\": %zu, \"steps\": [",
            isnan(o->cost) || isnan(o->revenue) ? "segments with lift >= 1" : "highest profit",
            best);
    for (size_t t = 0; t < steps; t++) {
        fprintf(f, "%s\n    {\"step\": %zu, \"segments\": [", t ? "," : "", t);
        for (size_t u = 0; u <= t; u++)
            fprintf(f, "%s%.0f", u ? ", " : "", pstat(s, u, SEG_PLAN_SEGMENT));
        fprintf(f, "], \"contacts\": %.0f, \"conversions\": %.0f, \"conversion_share\": ",
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

void campaign_text(const opts *o, const summary *s)
{
    size_t best = 0, steps = seg_campaign_plan_steps(s->camp);
    const bool money = !isnan(o->cost) && !isnan(o->revenue);
    seg_campaign_plan_best(s->camp, &best);
    printf("\n'%s': %.0f of %.0f contacted customers converted (%.2f %%)\n", o->target,
           cstat(s, s->k, SEG_CAMPAIGN_CONVERSIONS), cstat(s, s->k, SEG_CAMPAIGN_CONTACTS),
           100 * cstat(s, s->k, SEG_CAMPAIGN_RATE));
    printf("segment  conversion  95 %% interval      lift%s%s\n", o->control ? "  uplift" : "",
           money ? "      ROI" : "");
    for (size_t j = 0; j < s->k; j++) {
        printf("%7zu  %8.2f %%  %5.2f .. %5.2f %%  %5.2f", j, 100 * cstat(s, j, SEG_CAMPAIGN_RATE),
               100 * cstat(s, j, SEG_CAMPAIGN_RATE_LOW), 100 * cstat(s, j, SEG_CAMPAIGN_RATE_HIGH),
               cstat(s, j, SEG_CAMPAIGN_LIFT));
        if (o->control)
            printf("  %+6.2f", 100 * cstat(s, j, SEG_CAMPAIGN_UPLIFT));
        if (money)
            printf("  %+7.2f", cstat(s, j, SEG_CAMPAIGN_ROI));
        printf("\n");
    }
    printf("\nTargeting plan (segments by conversion rate; * = recommended: %s)\n",
           money ? "highest profit" : "segments converting at least as well as average");
    printf("  step  + segment   contacts  conversions (share)  avoided%s\n",
           money ? "      ROI" : "");
    for (size_t t = 0; t < steps; t++) {
        printf("%c %4zu  %9.0f  %9.0f  %9.0f (%5.1f %%)  %7.0f", t == best ? '*' : ' ', t,
               pstat(s, t, SEG_PLAN_SEGMENT), pstat(s, t, SEG_PLAN_CONTACTS),
               pstat(s, t, SEG_PLAN_CONVERSIONS), 100 * pstat(s, t, SEG_PLAN_CONVERSION_SHARE),
               pstat(s, t, SEG_PLAN_CONTACTS_AVOIDED));
        if (money)
            printf("  %+7.2f", pstat(s, t, SEG_PLAN_ROI));
        printf("\n");
    }
}
