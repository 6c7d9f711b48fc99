/*
 * 'seg segment --report FILE.html': one self-contained HTML file (no network,
 * no script) that an analyst can forward to a marketing manager. Sections,
 * each a <section> with a stable id, in reading order:
 *
 *   overview      the file's name (never its folders), customers, k, quality
 *   segments      a card per segment: label, size, traits in the columns'
 *                 units, conversion with its interval, lift, and the action
 *                 the targeting plan recommends
 *   plan          the targeting plan, step by step, with ROI and profit, and
 *                 a chart of customers called against conversions reached
 *   conversion    conversion per segment (table and chart)
 *   choosing-k    the sweep with stability, the rule, the runner-up
 *   profiles      the heatmap of standardised profiles; described columns
 *   explain       the segments as threshold rules (report_explain.c)
 *   fairness      fairness across protected groups and opt-out (report_fairness.c)
 *   preparation   features used, described and left out (and why), missing
 *                 values per column and how they were imputed, the scaler
 *   ward-tree, map  the Ward dendrogram, customers on two components
 *
 * The charts are report_charts.c's. Profiles are the model's
 * (seg_model_profile_numeric(), seg_model_profile_share()): already in the
 * columns' own units, computed from the dataset before encoding, so no
 * scaling needs undoing here. The markup is well-formed XML (every element
 * closed, attributes quoted, no named entities) so that any XML parser can
 * check it.
 */
#include "segment.h"
#include "kproto.h"
#include "gmm.h"

#include "out.h"
#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CARD_TRAITS 4
#define CARD_DESCRIBED 2

static const char *label_of(const summary *s, size_t j)
{
    const char *l = seg_model_segment_label(s->m, j);
    return l ? l : "";
}

static double share_of(const summary *s, size_t j)
{
    return (double)seg_model_segment_size(s->m, j) / (double)s->n;
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

static bool has_money(const opts *o)
{
    return !isnan(o->cost) && !isnan(o->revenue);
}

/* Decimals of money: none when cost and revenue are whole amounts (the
 * profit then is too), else cents. */
static int money_decimals(const opts *o)
{
    return o->cost == floor(o->cost) && o->revenue == floor(o->revenue) ? 0 : 2;
}

/* Number helpers writing straight to f. */
static void num(FILE *f, double v, int decimals)
{
    char b[64];
    fputs(report_number(b, sizeof b, v, decimals), f);
}

static void pct(FILE *f, double share, int decimals)
{
    char b[64];
    fputs(report_percent(b, sizeof b, share, decimals), f);
}

/* A return on investment (profit per unit spent) as a signed percentage. */
static void roi(FILE *f, double r)
{
    if (isnan(r)) {
        fputs("n/a", f);
        return;
    }
    fputs(r > 0 ? "+" : "", f);
    pct(f, r, 0);
}

/* ---- the targeting plan ----------------------------------------------------------- */

/* The plan step that adds segment j (s->k: the pooled withheld group), or
 * SIZE_MAX when no step does. */
static size_t step_of(const summary *s, size_t j)
{
    const size_t steps = seg_campaign_plan_steps(s->camp);
    for (size_t t = 0; t < steps; t++) {
        const double seg = pstat(s, t, SEG_PLAN_SEGMENT);
        if ((seg < 0 && (j == s->k || campaign_withheld(s, j))) || (seg >= 0 && (size_t)seg == j))
            return t;
    }
    return SIZE_MAX;
}

static size_t best_step(const summary *s)
{
    size_t best = 0;
    seg_campaign_plan_best(s->camp, &best);
    return best;
}

/* The recommended action for segment j, in a manager's words. */
static void action(FILE *f, const opts *o, const summary *s, size_t j)
{
    const size_t t = step_of(s, j), best = best_step(s);
    fprintf(f, "<p class=\"action\">");
    if (t == SIZE_MAX)
        fprintf(f, "No recommendation: no contacted customer of this segment has a known "
                   "outcome.");
    else if (t <= best && has_money(o))
        fprintf(f, "Contact: step %zu of the recommended plan (the plan with the highest "
                   "profit).",
                t);
    else if (t <= best)
        fprintf(f, "Contact: converts at least as well as the average customer (plan step "
                   "%zu).",
                t);
    else if (has_money(o))
        fprintf(f, "Leave out of this campaign: adding it lowers the plan's profit.");
    else
        fprintf(f, "Leave out of this campaign: converts less often than the average "
                   "customer.");
    fprintf(f, "</p>\n");
}

/* The segments the prefix of the plan up to step t contacts, "1, 0". */
static void prefix_segments(FILE *f, const summary *s, size_t t)
{
    for (size_t u = 0; u <= t; u++) {
        const double seg = pstat(s, u, SEG_PLAN_SEGMENT);
        fputs(u ? ", " : "", f);
        if (seg < 0)
            fputs("pooled", f);
        else
            fprintf(f, "%.0f", seg);
    }
}

static void plan_section(FILE *f, const opts *o, const summary *s)
{
    const size_t steps = seg_campaign_plan_steps(s->camp), best = best_step(s);
    const bool money = has_money(o);
    fprintf(f, "<section id=\"plan\">\n<h2>Targeting plan</h2>\n");
    if (steps == 0) {
        fprintf(f, "<p>No plan: no contacted customer has a known outcome.</p>\n</section>\n");
        return;
    }
    fprintf(f, "<p>Segments are added in order of their conversion rate; each step contacts "
               "the segments of the steps before it too. ");
    if (money) {
        fprintf(f, "With a cost of ");
        num(f, o->cost, money_decimals(o));
        fprintf(f, " per contact and a revenue of ");
        num(f, o->revenue, money_decimals(o));
        fprintf(f, " per conversion, the recommended step is the one with the highest profit. "
                   "ROI is the profit per unit spent on contacts.</p>\n");
    } else {
        fprintf(f, "The recommended step contacts the segments that convert at least as well "
                   "as the average customer. Give <code>--cost-per-contact</code> and "
                   "<code>--revenue-per-conversion</code> for ROI and profit.</p>\n");
    }
    fprintf(f, "<p class=\"action\">Recommended: contact segment%s ", best ? "s" : "");
    prefix_segments(f, s, best);
    fprintf(f, ": ");
    num(f, pstat(s, best, SEG_PLAN_CONTACTS), 0);
    fprintf(f, " customers, reaching ");
    pct(f, pstat(s, best, SEG_PLAN_CONVERSION_SHARE), 1);
    fprintf(f, " of the conversions");
    if (money) {
        fprintf(f, ", ROI ");
        roi(f, pstat(s, best, SEG_PLAN_ROI));
        fprintf(f, ", profit ");
        num(f, pstat(s, best, SEG_PLAN_PROFIT), money_decimals(o));
    }
    fprintf(f, ".</p>\n<table id=\"plan-table\"><tr><th>step</th><th>contact segments</th>"
               "<th class=\"n\">customers</th><th class=\"n\">conversions</th>"
               "<th class=\"n\">share of conversions</th><th class=\"n\">not contacted</th>%s"
               "</tr>\n",
            money ? "<th class=\"n\">ROI</th><th class=\"n\">profit</th>" : "");
    for (size_t t = 0; t < steps; t++) {
        fprintf(f, "<tr%s><td>%zu</td><td>", t == best ? " class=\"best\"" : "", t);
        prefix_segments(f, s, t);
        fprintf(f, "%s</td><td class=\"n\">", t == best ? " (recommended)" : "");
        num(f, pstat(s, t, SEG_PLAN_CONTACTS), 0);
        fprintf(f, "</td><td class=\"n\">");
        num(f, pstat(s, t, SEG_PLAN_CONVERSIONS), 0);
        fprintf(f, "</td><td class=\"n\">");
        pct(f, pstat(s, t, SEG_PLAN_CONVERSION_SHARE), 1);
        fprintf(f, "</td><td class=\"n\">");
        num(f, pstat(s, t, SEG_PLAN_CONTACTS_AVOIDED), 0);
        if (money) {
            fprintf(f, "</td><td class=\"n\">");
            roi(f, pstat(s, t, SEG_PLAN_ROI));
            fprintf(f, "</td><td class=\"n\">");
            num(f, pstat(s, t, SEG_PLAN_PROFIT), money_decimals(o));
        }
        fprintf(f, "</td></tr>\n");
    }
    fprintf(f, "</table>\n");
    report_plan_chart(f, o, s);
    if (campaign_has_pool(s))
        fprintf(f, "<p class=\"note\">pooled: the segments whose figures are withheld "
                   "(--min-segment-size), contacted together.</p>\n");
    fprintf(f, "</section>\n");
}

/* ---- segment cards ---------------------------------------------------------------- */

/* The first profile item of column col (items come column by column). */
static size_t first_item(const seg_model *m, size_t col)
{
    size_t first = 0;
    for (size_t c = 0; c < col; c++)
        first += seg_model_profile_column_type(m, c) == SEG_COLUMN_CATEGORICAL
                     ? seg_model_profile_levels(m, c)
                     : 1;
    return first;
}

/* One trait of segment j in the column's units: "age: mean 52.1 (all
 * customers 40.9), median 51", or "marital = single: 43.0 % (all 28.3 %)". */
static void trait(FILE *f, const seg_model *m, size_t j, size_t item)
{
    const size_t c = item_column(m, item), k = seg_model_k(m);
    char a[64], b[64];
    fprintf(f, "<li>");
    report_escape(f, seg_model_profile_column_name(m, c));
    if (seg_model_profile_column_type(m, c) == SEG_COLUMN_NUMERIC) {
        double mean = NAN, median = NAN, all = NAN;
        seg_model_profile_numeric(m, j, c, SEG_PROFILE_MEAN, &mean);
        seg_model_profile_numeric(m, j, c, SEG_PROFILE_MEDIAN, &median);
        seg_model_profile_numeric(m, k, c, SEG_PROFILE_MEAN, &all);
        fprintf(f, ": mean <b>%s</b> (all customers %s), median ",
                report_auto(a, sizeof a, mean), report_auto(b, sizeof b, all));
        fputs(report_auto(a, sizeof a, median), f);
    } else {
        const size_t level = item - first_item(m, c);
        double sh = NAN, all = NAN;
        seg_model_profile_share(m, j, c, level, &sh);
        seg_model_profile_share(m, k, c, level, &all);
        fprintf(f, " = ");
        report_escape(f, seg_model_profile_level(m, c, level));
        fprintf(f, ": <b>%s</b> (all customers %s)", report_percent(a, sizeof a, sh, 1),
                report_percent(b, sizeof b, all, 1));
    }
    fprintf(f, "</li>\n");
}

/* The n items of segment j that set it most apart, among the features or
 * the described columns. */
static void traits(FILE *f, const seg_model *m, size_t j, bool described, size_t n)
{
    for (size_t r = 0, shown = 0; shown < n && r < seg_model_profile_items(m); r++) {
        size_t item;
        if (seg_model_profile_ranked_item(m, j, r, &item) < 0)
            break;
        if (item_described(m, item) != described)
            continue;
        trait(f, m, j, item);
        shown++;
    }
}

static bool any_described(const seg_model *m)
{
    for (size_t c = 0; c < seg_model_profile_columns(m); c++)
        if (seg_model_profile_column_described(m, c) == 1)
            return true;
    return false;
}

static void card(FILE *f, const opts *o, const summary *s, size_t j)
{
    const seg_model *m = s->m;
    fprintf(f, "<div class=\"card\" id=\"segment-%zu\" style=\"border-left-color:%s\">\n"
               "<h3>Segment %zu: ",
            j, seg_model_profile_withheld(m, j) ? "#d9d9d9" : report_color(j), j);
    report_escape(f, label_of(s, j));
    fprintf(f, "</h3>\n<p>");
    num(f, (double)seg_model_segment_size(m, j), 0);
    fprintf(f, " customers (");
    pct(f, share_of(s, j), 1);
    fprintf(f, " of all)</p>\n");
    if (seg_model_profile_withheld(m, j)) {
        fprintf(f, "<p>Profile withheld, so that no segment of fewer than ");
        num(f, (double)seg_model_min_profile_size(m), 0);
        fprintf(f, " customers can be described (--min-segment-size).</p>\n");
    } else {
        fprintf(f, "<p>What sets it apart:</p>\n<ul>\n");
        traits(f, m, j, false, CARD_TRAITS);
        fprintf(f, "</ul>\n");
        if (any_described(m)) {
            fprintf(f, "<p>Described, not clustered:</p>\n<ul>\n");
            traits(f, m, j, true, CARD_DESCRIBED);
            fprintf(f, "</ul>\n");
        }
    }
    if (s->camp && campaign_withheld(s, j)) {
        fprintf(f, "<p>Conversion withheld: shown only pooled with the other small "
                   "segments.</p>\n");
    } else if (s->camp) {
        fprintf(f, "<p>Conversion of '");
        report_escape(f, o->target);
        fprintf(f, "': <b>");
        pct(f, cstat(s, j, SEG_CAMPAIGN_RATE), 1);
        fprintf(f, "</b> (95 %% interval ");
        pct(f, cstat(s, j, SEG_CAMPAIGN_RATE_LOW), 1);
        fprintf(f, " to ");
        pct(f, cstat(s, j, SEG_CAMPAIGN_RATE_HIGH), 1);
        fprintf(f, "), lift ");
        num(f, cstat(s, j, SEG_CAMPAIGN_LIFT), 2);
        if (o->control) { /* against the held-out customers of the segment */
            const double up = cstat(s, j, SEG_CAMPAIGN_UPLIFT);
            if (isnan(up)) {
                fprintf(f, ", no held-out customer to measure uplift against");
            } else {
                fprintf(f, ", uplift %s", up > 0 ? "+" : "");
                num(f, 100 * up, 1);
                fprintf(f, " points over the held-out customers");
            }
        }
        if (has_money(o)) {
            fprintf(f, ", ROI ");
            roi(f, cstat(s, j, SEG_CAMPAIGN_ROI));
        }
        fprintf(f, "</p>\n");
    }
    if (s->camp)
        action(f, o, s, j);
    fprintf(f, "</div>\n");
}

/* ---- tables ----------------------------------------------------------------------- */

/* The sweep's rows with the stability, the rule's words, the runner-up and
 * the size warning of the chosen k. */
static void sweep_table(FILE *f, const seg_sweep *sw, size_t chosen)
{
    char buf[256];
    fprintf(f, "<table id=\"sweep-table\"><tr><th>k</th><th class=\"n\">silhouette</th>"
               "<th class=\"n\">stability</th><th class=\"n\">worst segment</th>"
               "<th class=\"n\">smallest segment</th>"
               "<th class=\"n\">largest segment</th></tr>\n");
    for (size_t i = 0; i < seg_sweep_count(sw); i++) {
        double k = 0, sil = NAN, stab = NAN, worst = NAN, lo = NAN, hi = NAN;
        seg_sweep_get(sw, i, SEG_SWEEP_K, &k);
        seg_sweep_get(sw, i, SEG_SWEEP_SILHOUETTE, &sil);
        seg_sweep_get(sw, i, SEG_SWEEP_STABILITY, &stab);
        seg_sweep_get(sw, i, SEG_SWEEP_WORST_STABILITY, &worst);
        seg_sweep_get(sw, i, SEG_SWEEP_SMALLEST_SHARE, &lo);
        seg_sweep_get(sw, i, SEG_SWEEP_LARGEST_SHARE, &hi);
        const bool is = (size_t)k == chosen;
        fprintf(f, "<tr%s><td>%.0f%s</td><td class=\"n\">", is ? " class=\"best\"" : "", k,
                is ? " (chosen)" : "");
        num(f, sil, 3);
        fprintf(f, "</td><td class=\"n\">");
        if (isnan(stab))
            fprintf(f, "not measured");
        else
            num(f, stab, 3);
        fprintf(f, "</td><td class=\"n\">");
        if (isnan(worst))
            fprintf(f, "not measured");
        else
            num(f, worst, 3);
        fprintf(f, "</td><td class=\"n\">");
        pct(f, lo, 1);
        fprintf(f, "</td><td class=\"n\">");
        pct(f, hi, 1);
        fprintf(f, "</td></tr>\n");
    }
    fprintf(f, "</table>\n<p>Chosen: ");
    sweep_choice(sw, buf, sizeof buf);
    report_escape(f, buf);
    fprintf(f, ". Stability is the mean adjusted Rand index between refits on 80 %% "
               "subsamples: 1 means the same segments whichever customers are left out. "
               "Worst segment: of the segment each refit keeps least together, the share "
               "of its pairs of customers the other refit also puts together (prediction "
               "strength, Tibshirani and Walther 2005).</p>\n");
    sweep_runner_up(sw, buf, sizeof buf);
    if (buf[0]) {
        fprintf(f, "<p>Runner-up: ");
        report_escape(f, buf);
        fprintf(f, ".</p>\n");
    }
    if (sweep_size_warning(sw, buf, sizeof buf)) {
        fprintf(f, "<p class=\"warn\">Warning: ");
        report_escape(f, buf);
        fprintf(f, ".</p>\n");
    }
}

/* A segment table's conversion, its 95 % interval and lift: three cells. */
static void conversion_cells(FILE *f, double rate, double low, double high, double lift)
{
    fprintf(f, "<td class=\"n\">");
    pct(f, rate, 2);
    fprintf(f, "</td><td class=\"n\">");
    pct(f, low, 2);
    fprintf(f, " to ");
    pct(f, high, 2);
    fprintf(f, "</td><td class=\"n\">");
    num(f, lift, 2);
    fprintf(f, "</td>");
}

static void segment_table(FILE *f, const summary *s)
{
    fprintf(f, "<table id=\"segment-table\"><tr><th>segment</th><th class=\"n\">customers</th>"
               "<th class=\"n\">share</th>%s<th>label</th></tr>\n",
            s->camp ? "<th class=\"n\">conversion</th><th class=\"n\">95 % interval</th>"
                      "<th class=\"n\">lift</th>"
                    : "");
    for (size_t j = 0; j < s->k; j++) {
        fprintf(f, "<tr><td><span class=\"dot\" style=\"background:%s\"></span> %zu</td>"
                   "<td class=\"n\">",
                report_color(j), j);
        num(f, (double)seg_model_segment_size(s->m, j), 0);
        fprintf(f, "</td><td class=\"n\">");
        pct(f, share_of(s, j), 1);
        fprintf(f, "</td>");
        if (s->camp && campaign_withheld(s, j)) {
            fprintf(f, "<td colspan=\"3\">withheld (pooled below)</td>");
        } else if (s->camp) {
            conversion_cells(f, cstat(s, j, SEG_CAMPAIGN_RATE), cstat(s, j, SEG_CAMPAIGN_RATE_LOW),
                             cstat(s, j, SEG_CAMPAIGN_RATE_HIGH), cstat(s, j, SEG_CAMPAIGN_LIFT));
        }
        fprintf(f, "<td class=\"lbl\">");
        report_escape(f, label_of(s, j));
        fprintf(f, "</td></tr>\n");
    }
    if (campaign_has_pool(s)) {
        size_t size = 0;
        for (size_t j = 0; j < s->k; j++)
            size += campaign_withheld(s, j) ? seg_model_segment_size(s->m, j) : 0;
        fprintf(f, "<tr><td><span class=\"dot\" style=\"background:#d9d9d9\"></span> pooled</td>"
                   "<td class=\"n\">");
        num(f, (double)size, 0);
        fprintf(f, "</td><td class=\"n\">");
        pct(f, (double)size / (double)s->n, 1);
        fprintf(f, "</td>");
        conversion_cells(f, campaign_pool_stat(s, SEG_CAMPAIGN_RATE),
                         campaign_pool_stat(s, SEG_CAMPAIGN_RATE_LOW),
                         campaign_pool_stat(s, SEG_CAMPAIGN_RATE_HIGH),
                         campaign_pool_stat(s, SEG_CAMPAIGN_LIFT));
        fprintf(f, "<td class=\"lbl\">withheld segments");
        for (size_t j = 0, first = 1; j < s->k; j++)
            if (campaign_withheld(s, j)) {
                fprintf(f, "%s%zu", first ? " " : ", ", j);
                first = 0;
            }
        fprintf(f, " together</td></tr>\n");
    }
    fprintf(f, "</table>\n");
}

/* ---- preparation ------------------------------------------------------------------ */

static const char *scale_name(int64_t method)
{
    switch (method) {
    case SEG_SCALE_NONE: return "none (values as they are)";
    case SEG_SCALE_STANDARD: return "standard (mean 0, standard deviation 1)";
    case SEG_SCALE_MINMAX: return "min-max (0 to 1)";
    case SEG_SCALE_ROBUST: return "robust (median 0, interquartile range 1)";
    default: return "unknown";
    }
}

/* The profile column named name, or SIZE_MAX. */
static size_t profile_column(const seg_model *m, const char *name)
{
    for (size_t c = 0; c < seg_model_profile_columns(m); c++)
        if (strcmp(seg_model_profile_column_name(m, c), name) == 0)
            return c;
    return SIZE_MAX;
}

/* Rows with column c missing in the whole population, from the profile. */
static double missing_share(const seg_model *m, size_t c)
{
    double v = NAN;
    if (c == SIZE_MAX)
        return NAN;
    if (seg_model_profile_column_type(m, c) == SEG_COLUMN_NUMERIC) {
        seg_model_profile_numeric(m, seg_model_k(m), c, SEG_PROFILE_MISSING, &v);
        return v;
    }
    for (size_t l = 0; l < seg_model_profile_levels(m, c); l++)
        if (strcmp(seg_model_profile_level(m, c, l), "(missing)") == 0)
            seg_model_profile_share(m, seg_model_k(m), c, l, &v);
    return isnan(v) ? 0 : v;
}

/* One row of the feature table: column, type, missing, imputation, scaling. */
static void feature_row(FILE *f, const opts *o, const summary *s, size_t j)
{
    const seg_dataset *ds = s->ds;
    const char *name = seg_dataset_column_name(ds, j);
    const bool numeric = seg_dataset_column_type(ds, j) == SEG_COLUMN_NUMERIC;
    const size_t missing = s->col_missing ? s->col_missing[j] : seg_dataset_column_missing(ds, j);
    const size_t pc = profile_column(s->m, name);
    int64_t method = SEG_SCALE_STANDARD, log1p = 0, mode = SEG_IMPUTE_LEVEL;
    fprintf(f, "<tr><td>");
    report_escape(f, name);
    fprintf(f, "</td><td>");
    if (numeric) {
        fprintf(f, "number");
    } else {
        fprintf(f, "category, ");
        num(f, (double)(s->col_levels ? s->col_levels[j] : seg_dataset_column_levels(ds, j)), 0);
        fprintf(f, " levels");
    }
    fprintf(f, "</td><td class=\"n\">");
    num(f, (double)missing, 0);
    fprintf(f, " (");
    pct(f, s->n ? (double)missing / (double)s->n : 0, 1);
    fprintf(f, ")</td><td>");
    if (s->sc) {
        seg_scaler_get_int(s->sc, SEG_SCALER_CATEGORICAL_MISSING, &mode);
        seg_scaler_get_column_int(s->sc, name, SEG_SCALER_COLUMN_METHOD, &method);
        seg_scaler_get_column_int(s->sc, name, SEG_SCALER_COLUMN_LOG1P, &log1p);
    }
    if (missing == 0) {
        fprintf(f, "none needed");
    } else if (numeric) {
        double median = NAN;
        fprintf(f, "the median of the present values");
        /* The profile's median is the imputed value (unweighted rows only:
         * the profile weighs rows, the scaler does not). */
        if (!o->weight && pc != SIZE_MAX &&
            seg_model_profile_numeric(s->m, s->k, pc, SEG_PROFILE_MEDIAN, &median) == 0 &&
            !isnan(median)) {
            fprintf(f, ", ");
            num(f, median, median == floor(median) ? 0 : 2);
        }
    } else if (mode == SEG_IMPUTE_MODE) {
        fprintf(f, "the most common level");
    } else {
        fprintf(f, "a level of its own, (missing)");
    }
    fprintf(f, "</td><td>");
    if (!numeric)
        fprintf(f, "one 0/1 feature per level");
    else
        fprintf(f, "%s%s", log1p ? "signed log1p, then " : "", scale_name(method));
    fprintf(f, "</td></tr>\n");
}

/* A comma-separated option value as HTML list items with a reason. */
static void listed(FILE *f, const char *list, const char *reason)
{
    const char *p = list;
    while (p && *p) {
        const char *e = strchr(p, ',');
        const size_t len = e ? (size_t)(e - p) : strlen(p);
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)(len < 255 ? len : 255), p);
        fprintf(f, "<li>");
        report_escape(f, name);
        fprintf(f, ": %s</li>\n", reason);
        p = e ? e + 1 : NULL;
    }
}

static void preparation_section(FILE *f, const opts *o, const summary *s)
{
    const seg_dataset *ds = s->ds;
    int64_t order = SEG_IMPUTE_THEN_SCALE;
    fprintf(f, "<section id=\"preparation\">\n<h2>How the data were prepared</h2>\n");
    fprintf(f, "<h3>Clustered on</h3>\n<p>");
    num(f, (double)seg_dataset_columns(ds), 0);
    fprintf(f, " columns, encoded into ");
    num(f, (double)s->d, 0);
    fprintf(f, " features.");
    if (o->bundled && o->describe)
        fprintf(f, " The bundled bank data: its customer attributes are clustered, the last "
                   "campaign contact is only described (it says how the bank called, not who "
                   "the customer is; its duration is known only after the call).");
    fprintf(f, "</p>\n<table id=\"features-table\"><tr><th>column</th><th>type</th>"
               "<th class=\"n\">missing values</th><th>missing values take</th>"
               "<th>scaling</th></tr>\n");
    for (size_t j = 0; j < seg_dataset_columns(ds); j++)
        feature_row(f, o, s, j);
    fprintf(f, "</table>\n");
    if (s->sc) {
        seg_scaler_get_int(s->sc, SEG_SCALER_IMPUTE_ORDER, &order);
        fprintf(f, "<p>%s</p>\n",
                order == SEG_IMPUTE_THEN_SCALE
                    ? "Missing numbers are imputed first, then the scaling statistics are "
                      "computed over every row (as scikit-learn's SimpleImputer followed by "
                      "its scaler)."
                    : "The scaling statistics are computed on the present values only, then "
                      "missing numbers take the median (--impute-order scale-first).");
    }
    if (seg_dataset_described_columns(ds)) {
        fprintf(f, "<h3>Described, not clustered</h3>\n<p>Profiled per segment and shown "
                   "here, never used to form the segments:</p>\n<table id=\"described-table\">"
                   "<tr><th>column</th><th class=\"n\">missing values</th></tr>\n");
        for (size_t c = 0; c < seg_dataset_described_columns(ds); c++) {
            const char *name = seg_dataset_described_name(ds, c);
            fprintf(f, "<tr><td>");
            report_escape(f, name);
            fprintf(f, "</td><td class=\"n\">");
            pct(f, missing_share(s->m, profile_column(s->m, name)), 1);
            fprintf(f, "</td></tr>\n");
        }
        fprintf(f, "</table>\n");
    }
    fprintf(f, "<h3>Left out</h3>\n<ul id=\"left-out\">\n");
    if (o->target)
        listed(f, o->target, "the outcome (--target): measured per segment, never clustered");
    if (o->control)
        listed(f, o->control, "the hold-out flag (--control)");
    if (o->id)
        listed(f, o->id, "the customer id (--id)");
    if (o->weight)
        listed(f, o->weight, "the customer weight (--weight)");
    if (o->drop)
        listed(f, o->drop, "left out by --drop");
    if (o->protected_cols)
        listed(f, o->protected_cols,
               "protected (--protected): read only for the fairness report, never clustered");
    if (o->opt_out)
        listed(f, o->opt_out, "the opt-out flag (--opt-out)");
    for (size_t i = 0; s->left && i < s->left->n; i++) {
        fprintf(f, "<li>");
        report_escape(f, s->left->names[i]);
        fprintf(f, ": looks like %s (--keep clusters on it)</li>\n",
                identifier_reason(s->left->kind[i]));
    }
    if (o->columns)
        fprintf(f, "<li>any other column of the file: --columns named the clustered "
                   "ones</li>\n");
    fprintf(f, "</ul>\n</section>\n");
}

/* ---- the page ----------------------------------------------------------------------- */

static void overview(FILE *f, const opts *o, const summary *s)
{
    char warn[160];
    fprintf(f, "<section id=\"overview\">\n<p><b>");
    report_escape(f, report_base_name(o->file));
    fprintf(f, "</b>: ");
    num(f, (double)s->n, 0);
    fprintf(f, " customers, ");
    num(f, (double)s->d, 0);
    fprintf(f, " features, <b>%zu segments</b>%s. Silhouette ", s->k,
            s->sweep ? " (chosen by the sweep: see Choosing k)" : "");
    num(f, s->silhouette, 3);
    fprintf(f, ", Davies-Bouldin ");
    num(f, s->davies_bouldin, 3);
    fprintf(f, ", Calinski-Harabasz ");
    num(f, s->calinski_harabasz, 1);
    fprintf(f, ". libseg %s.</p>\n", seg_version_string());
    for (size_t j = 0; j < s->k; j++)
        if (segment_warning(s, j, warn, sizeof warn)) {
            fprintf(f, "<p class=\"warn\">Warning: ");
            report_escape(f, warn);
            fprintf(f, "</p>\n");
        }
    if (seg_model_min_profile_size(s->m)) {
        fprintf(f, "<p class=\"warn\">");
        print_withheld(f, s->m);
        fprintf(f, "</p>\n");
    }
    if (s->camp && !campaign_withheld(s, s->k)) {
        fprintf(f, "<p>'");
        report_escape(f, o->target);
        fprintf(f, "': ");
        num(f, cstat(s, s->k, SEG_CAMPAIGN_CONVERSIONS), 0);
        fprintf(f, " of ");
        num(f, cstat(s, s->k, SEG_CAMPAIGN_CONTACTS), 0);
        fprintf(f, " contacted customers converted (");
        pct(f, cstat(s, s->k, SEG_CAMPAIGN_RATE), 2);
        fprintf(f, ").</p>\n");
    }
    segment_table(f, s);
    fprintf(f, "</section>\n");
}

int write_report(FILE *f, const opts *o, const summary *s)
{
    report_head(f, "Customer segments", report_base_name(o->file));
    overview(f, o, s);
    fprintf(f, "<section id=\"segments\">\n<h2>The segments</h2>\n<div class=\"cards\">\n");
    for (size_t j = 0; j < s->k; j++)
        card(f, o, s, j);
    fprintf(f, "</div>\n</section>\n");
    if (s->camp && !campaign_withheld(s, s->k)) {
        plan_section(f, o, s);
        fprintf(f, "<section id=\"conversion\">\n<h2>Conversion</h2>\n");
        report_conversion_chart(f, o, s);
        fprintf(f, "</section>\n");
    }
    if (s->sweep) {
        size_t chosen = 0;
        seg_sweep_chosen(s->sweep, &chosen);
        fprintf(f, "<section id=\"choosing-k\">\n<h2>Choosing k</h2>\n");
        sweep_table(f, s->sweep, chosen);
        fprintf(f, "<div class=\"charts\">\n");
        report_sweep_chart(f, s->sweep, SEG_SWEEP_SILHOUETTE, "silhouette", "chart-silhouette",
                           chosen);
        report_sweep_chart(f, s->sweep, SEG_SWEEP_STABILITY, "stability", "chart-stability",
                           chosen);
        report_sweep_chart(f, s->sweep, SEG_SWEEP_INERTIA, "inertia", "chart-inertia", chosen);
        fprintf(f, "</div>\n</section>\n");
    }
    fprintf(f, "<section id=\"sizes\">\n<h2>Segment sizes</h2>\n");
    report_sizes_chart(f, s);
    fprintf(f, "</section>\n");
    if (seg_model_profile_items(s->m)) {
        fprintf(f, "<section id=\"profiles\">\n<h2>What sets each segment apart</h2>\n");
        if (report_heatmap(f, s, false) == 0)
            fprintf(f, "<p>No feature differs between the segments by 0.3 standard deviations "
                       "or more.</p>\n");
        if (seg_dataset_described_columns(s->ds)) {
            fprintf(f, "<h3 id=\"described\">Described, not clustered</h3>\n");
            if (report_heatmap(f, s, true) == 0)
                fprintf(f, "<p>No described column differs between the segments by 0.3 "
                           "standard deviations or more.</p>\n");
        }
        fprintf(f, "</section>\n");
    }
    report_explain(f, s);
    report_gmm(f, s);
    report_fairness(f, s);
    report_kproto(f, o, s);
    report_capacity(f, s);
    preparation_section(f, o, s);
    if (s->tree) {
        fprintf(f, "<section id=\"ward-tree\">\n<h2>Ward tree</h2>\n");
        report_dendrogram(f, s);
        fprintf(f, "</section>\n");
    }
    fprintf(f, "<section id=\"map\">\n<h2>Customers on a map</h2>\n");
    report_pca_map(f, s);
    fprintf(f, "</section>\n</body>\n</html>\n");
    return ferror(f) ? -1 : 0;
}
