/*
 * 'seg segment' summary outputs: the terminal table and the JSON document,
 * with each segment's profile and label.
 */
#include "segment.h"
#include "kproto.h"
#include "gmm.h"

#include "cli.h"
#include "explain.h"
#include "fairness.h"
#include "out.h"
#include "profile_out.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>


static double share_of(const summary *s, size_t j)
{
    return (double)seg_model_segment_size(s->m, j) / (double)s->n;
}

const char *segment_warning(const summary *s, size_t j, char *buf, size_t len)
{
    double share = share_of(s, j);
    if (share < SMALL_SEGMENT)
        snprintf(buf, len, "segment %zu holds only %.1f %% of the customers (under %.0f %%)", j,
                 100 * share, 100 * SMALL_SEGMENT);
    else if (share > LARGE_SEGMENT)
        snprintf(buf, len, "segment %zu holds %.1f %% of the customers (over %.0f %%)", j,
                 100 * share, 100 * LARGE_SEGMENT);
    else
        return NULL;
    return buf;
}

size_t item_column(const seg_model *m, size_t item)
{
    const size_t cols = seg_model_profile_columns(m);
    for (size_t c = 0, first = 0; c < cols; c++) {
        size_t n = seg_model_profile_column_type(m, c) == SEG_COLUMN_CATEGORICAL
                       ? seg_model_profile_levels(m, c)
                       : 1;
        if (item < first + n)
            return c;
        first += n;
    }
    return SIZE_MAX;
}

bool item_described(const seg_model *m, size_t item)
{
    return seg_model_profile_column_described(m, item_column(m, item)) == 1;
}

const char *identifier_reason(seg_identifier_kind kind)
{
    switch (kind) {
    case SEG_IDENTIFIER_ROW_NUMBER: return "row numbers (distinct consecutive whole numbers)";
    case SEG_IDENTIFIER_INCREASING: return "an id (distinct whole numbers in increasing order)";
    case SEG_IDENTIFIER_TEXT: return "an id (a different text in nearly every row)";
    default: return "";
    }
}

void left_out_json(FILE *f, const left_out *lo)
{
    fprintf(f, ",\n  \"left_out\": [");
    for (size_t i = 0; lo && i < lo->n; i++) {
        fprintf(f, "%s{\"column\": ", i ? ", " : "");
        json_string(f, lo->names[i]);
        fprintf(f, ", \"reason\": ");
        json_string(f, identifier_reason(lo->kind[i]));
        fputc('}', f);
    }
    fputc(']', f);
}

void roles_json(FILE *f, const seg_dataset *ds)
{
    fprintf(f, ",\n  \"columns\": [");
    for (size_t j = 0; j < seg_dataset_columns(ds); j++) {
        fputs(j ? ", " : "", f);
        json_string(f, seg_dataset_column_name(ds, j));
    }
    fprintf(f, "],\n  \"described\": [");
    for (size_t j = 0; j < seg_dataset_described_columns(ds); j++) {
        fputs(j ? ", " : "", f);
        json_string(f, seg_dataset_described_name(ds, j));
    }
    fputc(']', f);
}

/* The most common level of categorical column c in the whole population. */
static size_t population_top_level(const seg_model *m, size_t c)
{
    size_t lv = 0;
    profile_top_levels(m, seg_model_k(m), c, &lv, 1);
    return lv;
}

/* The described columns per segment: numeric means, and the share of each
 * categorical column's most common level (population first). */
static void described_text(const summary *s)
{
    const seg_model *m = s->m;
    const size_t cols = seg_model_profile_columns(m), k = s->k;
    bool any = false;
    for (size_t c = 0; c < cols; c++)
        any = any || seg_model_profile_column_described(m, c) == 1;
    if (!any)
        return;
    printf("\ndescribed, not clustered (mean, or share of the most common level):\n%-26s %9s",
           "", "all");
    for (size_t j = 0; j < k; j++)
        printf(" %8s%zu", "seg ", j);
    putchar('\n');
    for (size_t c = 0; c < cols; c++) {
        if (seg_model_profile_column_described(m, c) != 1)
            continue;
        const bool num = seg_model_profile_column_type(m, c) == SEG_COLUMN_NUMERIC;
        const size_t lv = num ? 0 : population_top_level(m, c);
        char name[64];
        snprintf(name, sizeof name, num ? "%s" : "%s=%s", seg_model_profile_column_name(m, c),
                 num ? "" : seg_model_profile_level(m, c, lv));
        printf("%-26s", name);
        for (size_t j = k + 1; j-- > 0;) { /* the population (index k) first */
            const size_t seg = j == k ? k : k - 1 - j;
            double v;
            int rc = num ? seg_model_profile_numeric(m, seg, c, SEG_PROFILE_MEAN, &v)
                         : seg_model_profile_share(m, seg, c, lv, &v);
            if (rc < 0)
                printf(" %9s", "withheld");
            else if (num)
                printf(" %9.4g", v);
            else
                printf(" %7.1f %%", 100 * v);
        }
        putchar('\n');
    }
}

/* The segments as rules (the model's threshold tree), with the customers
 * each matches and how well they agree with the segments. */
static void rules_text(const summary *s)
{
    const size_t nl = seg_model_tree_leaves(s->m);
    size_t *customers = nl ? calloc(nl, sizeof *customers) : NULL;
    double agreement = NAN, cost_ratio = NAN;
    if (!customers)
        return;
    const bool ok = explain_score_fit(s, customers, &agreement, &cost_ratio);
    printf("\nthe segments as rules (threshold tree, IMM; 'seg explain' for more):\n");
    explain_leaves_text(stdout, s->m, ok ? customers : NULL);
    if (ok)
        printf("agreement: %.1f %% of the customers get their segment from the rules; "
               "cost ratio %.3f\n",
               100.0 * agreement, cost_ratio);
    free(customers);
}

/* "explanation": {"agreement", "cost_ratio", "leaves"} as seg explain
 * gives them, or null without a tree. */
static void rules_json(FILE *f, const summary *s)
{
    const size_t nl = seg_model_tree_leaves(s->m);
    size_t *customers = nl ? calloc(nl, sizeof *customers) : NULL;
    double agreement = NAN, cost_ratio = NAN;
    fprintf(f, ",\n  \"explanation\": ");
    if (!customers) {
        fprintf(f, "null");
        return;
    }
    const bool ok = explain_score_fit(s, customers, &agreement, &cost_ratio);
    fprintf(f, "{\"agreement\": ");
    json_number(f, agreement);
    fprintf(f, ", \"cost_ratio\": ");
    json_number(f, cost_ratio);
    fprintf(f, ",\n    \"leaves\": ");
    explain_leaves_json(f, s->m, ok ? customers : NULL, 6);
    fprintf(f, "}");
    free(customers);
}

void print_json(const opts *o, const summary *s)
{
    FILE *f = stdout;
    const seg_model *m = s->m;
    char buf[160];
    fprintf(f, "{\n  \"version\": ");
    json_string(f, seg_version_string());
    fprintf(f, ",\n  \"file\": ");
    json_string(f, o->file);
    fprintf(f, ",\n  \"n\": %zu,\n  \"d\": %zu,\n  \"k\": %zu,\n  \"k_chosen_by\": \"%s\",\n"
               "  \"dtype\": ",
            s->n, s->d, s->k, s->sweep || kproto_swept() ? "sweep" : s->gmm ? "bic" : "given");
    json_string(f, o->dtype);
    fprintf(f, ",\n  \"seed\": %lld,\n  \"n_init\": %lld,\n  \"threads\": %d,\n  \"inertia\": ",
            (long long)o->seed, (long long)o->n_init, seg_threads_count(o->threads));
    json_number(f, seg_model_inertia(m));
    fprintf(f, ",\n  \"iterations\": %lld,\n  \"converged\": %s,\n  \"fit_seconds\": ",
            (long long)seg_model_iterations(m), seg_model_converged(m) ? "true" : "false");
    json_number(f, seg_model_fit_seconds(m));
    fprintf(f, ",\n  \"init_seconds\": ");
    json_number(f, seg_model_init_seconds(m));
    fprintf(f, ",\n  \"min_segment_size\": %zu", seg_model_min_profile_size(m));
    kproto_json(f, o, s);
    json_quality(f, s->silhouette, o->silhouette_sample, s->n, s->davies_bouldin,
                 s->calinski_harabasz, s->sc, s->d);
    gmm_json(f, s);
    roles_json(f, s->ds);
    left_out_json(f, s->left);
    preparation_json(f, m);
    fprintf(f, ",\n  \"sweep\": ");
    sweep_json(f, s->sweep);
    sweep_choice_json(f, s->sweep);
    fprintf(f, ",\n  \"segments\": [");
    for (size_t j = 0; j < s->k; j++) {
        const char *label = seg_model_segment_label(m, j);
        fprintf(f, "%s\n    {\"id\": %zu, \"size\": %zu, \"share\": ", j ? "," : "", j,
                seg_model_segment_size(m, j));
        json_number(f, share_of(s, j));
        fprintf(f, ", \"weight\": ");
        json_number(f, seg_model_segment_weight(m, j));
        campaign_json_segment(f, s, j);
        fprintf(f, ", \"label\": ");
        json_string(f, label ? label : "");
        /* A withheld profile is left out whole: nothing about its customers. */
        fprintf(f, ", \"profile_withheld\": %s,\n     \"profile\": ",
                seg_model_profile_withheld(m, j) ? "true" : "false");
        if (seg_model_profile_withheld(m, j))
            fprintf(f, "null");
        else
            profile_json(f, m, j);
        fprintf(f, "}");
    }
    fprintf(f, "\n  ],\n  \"warnings\": [");
    for (size_t j = 0, first = 1; j < s->k; j++) {
        if (!segment_warning(s, j, buf, sizeof buf))
            continue;
        fputs(first ? "" : ", ", f);
        json_string(f, buf);
        first = 0;
    }
    fprintf(f, "]");
    campaign_json(f, o, s);
    fair_json(f, s->fair);
    rules_json(f, s);
    capacity_json(f, s);
    fprintf(f, "\n}\n");
}

void print_text(const opts *o, const summary *s)
{
    const seg_model *m = s->m;
    char buf[160];
    printf("libseg %s: %s on %zu customers x %zu features (%s)\n", seg_version_string(),
           kproto_wanted(o)                    ? "k-prototypes"
           : seg_model_gmm_covariance(s->m) >= 0 ? "Gaussian mixture"
                                                 : "k-means",
           s->n, s->d, o->file);
    kproto_text(o, s);
    if (s->sweep)
        sweep_text(s->sweep);
    printf("k = %zu%s, inertia = %.6g, iterations = %lld (%s), fit %.3f s\n", s->k,
           s->sweep ? " (chosen by the sweep)" : "", seg_model_inertia(m),
           (long long)seg_model_iterations(m),
           seg_model_converged(m) ? "converged" : "max-iter reached", seg_model_fit_seconds(m));
    gmm_text(s);
    printf("silhouette = %.4f, Davies-Bouldin = %.4f, Calinski-Harabasz = %.1f\n\n", s->silhouette,
           s->davies_bouldin, s->calinski_harabasz);
    if (s->camp)
        printf("segment  customers   share  conversion   lift  label\n");
    else
        printf("segment  customers   share  label\n");
    for (size_t j = 0; j < s->k; j++) {
        size_t size = seg_model_segment_size(m, j);
        const char *label = seg_model_segment_label(m, j);
        printf("%7zu  %9zu  %5.1f %%", j, size, 100.0 * share_of(s, j));
        if (s->camp && campaign_withheld(s, j)) {
            printf("  %10s  %5s", "withheld", "");
        } else if (s->camp) {
            double rate = NAN, lift = NAN;
            seg_campaign_segment_stat(s->camp, j, SEG_CAMPAIGN_RATE, &rate);
            seg_campaign_segment_stat(s->camp, j, SEG_CAMPAIGN_LIFT, &lift);
            printf("  %8.1f %%  %5.2f", 100 * rate, lift);
        }
        printf("  %s\n", label ? label : "");
    }
    capacity_text(s);
    described_text(s);
    for (size_t j = 0; j < s->k; j++)
        if (segment_warning(s, j, buf, sizeof buf))
            printf("warning: %s\n", buf);
    putchar('\n');
    preparation_text(stdout, m);
    profiles_text(stdout, m);
    rules_text(s);
    print_withheld(stdout, m);
    if (s->camp)
        campaign_text(o, s);
    fair_text(stdout, s->fair);
}
