/*
 * The inline SVG charts of 'seg segment --report' (report.c writes the page
 * around them): the k sweep, segment sizes, the heatmap of standardised
 * profiles, conversion with its interval and lift, the Ward dendrogram and
 * the map of customers on two principal components.
 *
 * Every chart has a viewBox sized from its texts: each margin is the width
 * report_text_width() gives for the widest text it holds, so that no name,
 * tick or legend is cut off at any page width (the browser scales the whole
 * chart, texts with it). Numbers come from report_number(): thousands
 * separated, never an exponent.
 */
#include "segment.h"

#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAP_SAMPLE 3000
#define HEAT_ITEMS 24
#define HEAT_MIN_Z 0.3
#define TICK_FONT 10.0
#define LABEL_FONT 12.0
#define TITLE_FONT 13.0
#define PAD 8.0

#define WITHHELD_COLOR "#d9d9d9"
#define MAP_COLOR(s, j)                                                                            \
    (seg_model_profile_withheld((s)->m, (size_t)(j)) ? WITHHELD_COLOR : report_color(j))

static const char *label_of(const summary *s, size_t j)
{
    const char *l = seg_model_segment_label(s->m, j);
    return l ? l : "";
}

static double share_of(const summary *s, size_t j)
{
    return (double)seg_model_segment_size(s->m, j) / (double)s->n;
}

static void svg_open(FILE *f, const char *id, double w, double h, const char *title)
{
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"%s\" viewBox=\"0 0 %.0f %.0f\" "
            "width=\"%.0f\" height=\"%.0f\" role=\"img\"><title>",
            id, ceil(w), ceil(h), ceil(w), ceil(h));
    report_escape(f, title);
    fprintf(f, "</title>\n");
}

/* A text element: anchor "start", "middle" or "end"; extra attributes or "". */
static void text_at(FILE *f, double x, double y, double size, const char *anchor,
                    const char *extra, const char *s)
{
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%.0f\" text-anchor=\"%s\"%s%s>", x, y,
            size, anchor, extra[0] ? " " : "", extra);
    report_escape(f, s);
    fprintf(f, "</text>\n");
}

/* ---- axes ------------------------------------------------------------------------ */

/* A "nice" step for about n ticks over [lo, hi]. */
static double tick_step(double lo, double hi, int n)
{
    double raw = (hi - lo) / n, mag = pow(10, floor(log10(raw > 0 ? raw : 1)));
    double r = raw / mag;
    return (r < 1.5 ? 1 : r < 3 ? 2 : r < 7 ? 5 : 10) * mag;
}

/* Decimals that tell ticks step apart: none for a step of 1 or more. */
static int tick_decimals(double step)
{
    int d = (int)ceil(-log10(step) - 1e-9);
    return d < 0 ? 0 : d > 8 ? 8 : d;
}

static const char *tick_label(char *buf, size_t len, double v, double step)
{
    return report_number(buf, len, fabs(v) < 1e-9 * step ? 0.0 : v, tick_decimals(step));
}

/* The widest tick label on [lo, hi]. */
static double ticks_width(double lo, double hi, int n)
{
    double st = tick_step(lo, hi, n), w = 0;
    char buf[64];
    for (double v = ceil(lo / st) * st; v <= hi + 1e-9 * st; v += st)
        w = fmax(w, report_text_width(tick_label(buf, sizeof buf, v, st), TICK_FONT, false));
    return w;
}

/* A plot frame: maps data to pixels inside a margin, draws axes and ticks. */
typedef struct frame {
    double x0, x1, y0, y1; /* data range */
    double left, top, width, height;
} frame;

static double px(const frame *fr, double x)
{
    return fr->left + (x - fr->x0) / (fr->x1 - fr->x0) * fr->width;
}

static double py(const frame *fr, double y)
{
    return fr->top + fr->height - (y - fr->y0) / (fr->y1 - fr->y0) * fr->height;
}

/* The left margin a frame needs for its y ticks and rotated y label. */
static double left_margin(const frame *fr, const char *ylabel)
{
    return PAD + (ylabel && ylabel[0] ? LABEL_FONT + 6 : 0) + ticks_width(fr->y0, fr->y1, 5) + 6;
}

/* The plot height that holds the rotated y label. */
static double fit_height(double height, const char *ylabel)
{
    return fmax(height, report_text_width(ylabel, LABEL_FONT, false) + 4);
}

/* Below the frame: x ticks at +14, the x label at +32 (its bottom ~ +36). */
#define BELOW_FRAME 40.0

static void axes(FILE *f, const frame *fr, const char *xlabel, const char *ylabel, bool xticks)
{
    char buf[64];
    fprintf(f,
            "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
            "stroke=\"#888\"/>\n",
            fr->left, fr->top, fr->width, fr->height);
    double st = tick_step(fr->y0, fr->y1, 5);
    for (double v = ceil(fr->y0 / st) * st; v <= fr->y1 + 1e-9 * st; v += st) {
        fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>",
                fr->left, fr->left + fr->width, py(fr, v), py(fr, v));
        text_at(f, fr->left - 4, py(fr, v) + 3, TICK_FONT, "end", "",
                tick_label(buf, sizeof buf, v, st));
    }
    if (xticks) {
        st = tick_step(fr->x0, fr->x1, 6);
        for (double v = ceil(fr->x0 / st) * st; v <= fr->x1 + 1e-9 * st; v += st)
            text_at(f, px(fr, v), fr->top + fr->height + 14, TICK_FONT, "middle", "",
                    tick_label(buf, sizeof buf, v, st));
    }
    if (xlabel && xlabel[0])
        text_at(f, fr->left + fr->width / 2, fr->top + fr->height + 32, LABEL_FONT, "middle", "",
                xlabel);
    if (ylabel && ylabel[0]) {
        fprintf(f,
                "<text transform=\"translate(%.1f,%.1f) rotate(-90)\" font-size=\"%.0f\" "
                "text-anchor=\"middle\">",
                PAD + LABEL_FONT, fr->top + fr->height / 2, LABEL_FONT);
        report_escape(f, ylabel);
        fprintf(f, "</text>\n");
    }
}

/* The width a frame's svg needs: the frame, its x ticks' half widths and
 * the x label, centred on the frame. */
static double frame_width(const frame *fr, const char *xlabel, bool xticks)
{
    double w = fr->left + fr->width + PAD;
    if (xticks)
        w += ticks_width(fr->x0, fr->x1, 6) / 2;
    const double lw = report_text_width(xlabel, LABEL_FONT, false);
    return fmax(w, fr->left + fr->width / 2 + lw / 2 + PAD);
}

/* ---- the k sweep --------------------------------------------------------------- */

void report_sweep_chart(FILE *f, const seg_sweep *sw, seg_sweep_stat stat, const char *title,
                        const char *id, size_t chosen)
{
    const size_t n = seg_sweep_count(sw);
    double lo = INFINITY, hi = -INFINITY, k0, k1, v;
    for (size_t i = 0; i < n; i++) {
        seg_sweep_get(sw, i, stat, &v);
        if (isnan(v))
            continue;
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    if (!(lo <= hi)) /* nothing measured (stability off) */
        return;
    seg_sweep_get(sw, 0, SEG_SWEEP_K, &k0);
    seg_sweep_get(sw, n - 1, SEG_SWEEP_K, &k1);
    double pad = (hi - lo) * 0.1 + 1e-9 * (fabs(hi) + 1);
    char heading[96];
    snprintf(heading, sizeof heading, "%s against k", title);
    frame fr = {k0 - 0.5, k1 + 0.5, lo - pad, hi + pad, 0, 30, 240, fit_height(170, title)};
    fr.left = left_margin(&fr, title);
    const char *xl = "k (number of segments)";
    double w = fmax(frame_width(&fr, xl, true),
                    report_text_width(heading, TITLE_FONT, true) + 2 * PAD);
    svg_open(f, id, w, fr.top + fr.height + BELOW_FRAME + PAD, heading);
    text_at(f, w / 2, 18, TITLE_FONT, "middle", "font-weight=\"bold\"", heading);
    axes(f, &fr, xl, title, true);
    fprintf(f, "<polyline fill=\"none\" stroke=\"#4e79a7\" stroke-width=\"2\" points=\"");
    for (size_t i = 0, first = 1; i < n; i++) {
        double k;
        seg_sweep_get(sw, i, SEG_SWEEP_K, &k);
        seg_sweep_get(sw, i, stat, &v);
        if (isnan(v))
            continue;
        fprintf(f, "%s%.1f,%.1f", first ? "" : " ", px(&fr, k), py(&fr, v));
        first = 0;
    }
    fprintf(f, "\"/>\n");
    for (size_t i = 0; i < n; i++) {
        double k;
        seg_sweep_get(sw, i, SEG_SWEEP_K, &k);
        seg_sweep_get(sw, i, stat, &v);
        bool is = (size_t)k == chosen;
        if (!isnan(v))
            fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%d\" fill=\"%s\"/>\n", px(&fr, k),
                    py(&fr, v), is ? 6 : 3, is ? "#e15759" : "#4e79a7");
    }
    fprintf(f, "</svg>\n");
}

/* ---- per-segment bars ------------------------------------------------------------ */

void report_sizes_chart(FILE *f, const summary *s)
{
    const double row = 26, bar = 300, h = 40 + row * (double)s->k;
    char name[32], count[32], pct[32], *tail = NULL;
    double left = 0, w = 0, maxs = 0;
    for (size_t j = 0; j < s->k; j++) {
        snprintf(name, sizeof name, "segment %zu", j);
        left = fmax(left, report_text_width(name, LABEL_FONT, false));
        maxs = share_of(s, j) > maxs ? share_of(s, j) : maxs;
    }
    left += PAD + 6;
    /* The bar's own label follows it: its text, one per segment. */
    char **labels = calloc(s->k ? s->k : 1, sizeof *labels);
    if (!labels)
        return;
    for (size_t j = 0; j < s->k; j++) {
        const size_t need = 96 + strlen(label_of(s, j));
        if (!(labels[j] = malloc(need)))
            goto done;
        snprintf(labels[j], need, "%s (%s) %s",
                 report_number(count, sizeof count, (double)seg_model_segment_size(s->m, j), 0),
                 report_percent(pct, sizeof pct, share_of(s, j), 1), label_of(s, j));
        const double bw = bar * share_of(s, j) / (maxs > 0 ? maxs : 1);
        w = fmax(w, left + bw + 4 + report_text_width(labels[j], 11, false) + PAD);
    }
    tail = "customers per segment (share of all)";
    w = fmax(w, left + report_text_width(tail, 11, false) + PAD);
    svg_open(f, "chart-sizes", w, h, "Segment sizes");
    for (size_t j = 0; j < s->k; j++) {
        const double y = 10 + row * (double)j, bw = bar * share_of(s, j) / (maxs > 0 ? maxs : 1);
        snprintf(name, sizeof name, "segment %zu", j);
        text_at(f, left - 6, y + 13, LABEL_FONT, "end", "", name);
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"18\" fill=\"%s\"/>\n",
                left, y, bw, report_color(j));
        text_at(f, left + bw + 4, y + 13, 11, "start", "", labels[j]);
    }
    text_at(f, left, h - 6, 11, "start", "fill=\"#555\"", tail);
    fprintf(f, "</svg>\n");
done:
    for (size_t j = 0; j < s->k; j++)
        free(labels[j]);
    free(labels);
}

/* ---- conversion ------------------------------------------------------------------ */

static double cstat(const summary *s, size_t j, seg_campaign_stat st)
{
    double v = NAN;
    seg_campaign_segment_stat(s->camp, j, st, &v);
    return v;
}

/* Unit j of the conversion chart: a segment, or (j = k) the pooled withheld
 * group, which withheld segments are shown only as. */
static double unit_stat(const summary *s, size_t j, seg_campaign_stat st)
{
    return j < s->k ? cstat(s, j, st) : campaign_pool_stat(s, st);
}

void report_conversion_chart(FILE *f, const opts *o, const summary *s)
{
    const size_t units = s->k + campaign_has_pool(s);
    char a[64], b[64], title[256];
    double hi = 0, slot = 60;
    for (size_t j = 0; j < units; j++) {
        double v = unit_stat(s, j, SEG_CAMPAIGN_RATE_HIGH);
        hi = v > hi ? v : hi;
        /* Two lines above each bar: the rate and the lift. */
        report_percent(a, sizeof a, unit_stat(s, j, SEG_CAMPAIGN_RATE), 1);
        snprintf(b, sizeof b, "lift %s",
                 report_number(title, sizeof title, unit_stat(s, j, SEG_CAMPAIGN_LIFT), 2));
        slot = fmax(slot, fmax(report_text_width(a, 11, false), report_text_width(b, 11, false)) +
                              10);
    }
    hi = hi > 0 ? hi * 1.25 : 1;
    const char *yl = "conversion rate (%)";
    frame fr = {0, (double)units, 0, 100 * hi, 0, 40, fmax(300, slot * (double)units),
                fit_height(200, yl)};
    fr.left = left_margin(&fr, yl);
    slot = fr.width / (double)units;
    const double overall = 100 * cstat(s, s->k, SEG_CAMPAIGN_RATE);
    char over[80];
    snprintf(over, sizeof over, "overall %s %%", report_number(a, sizeof a, overall, 1));
    snprintf(title, sizeof title, "Conversion of '%.120s' per segment, 95 %% interval and lift",
             o->target);
    double w = fmax(frame_width(&fr, "segment", false),
                    fr.left + fr.width + 6 + report_text_width(over, 10, false) + PAD);
    w = fmax(w, report_text_width(title, TITLE_FONT, true) + 2 * PAD);
    svg_open(f, "chart-conversion", w, fr.top + fr.height + BELOW_FRAME + PAD,
             "Conversion and lift per segment");
    text_at(f, w / 2, 18, TITLE_FONT, "middle", "font-weight=\"bold\"", title);
    axes(f, &fr, "segment", yl, false);
    for (size_t j = 0; j < units; j++) {
        const double r = 100 * unit_stat(s, j, SEG_CAMPAIGN_RATE);
        const double lo = 100 * unit_stat(s, j, SEG_CAMPAIGN_RATE_LOW);
        const double up = 100 * unit_stat(s, j, SEG_CAMPAIGN_RATE_HIGH);
        const double x = fr.left + slot * ((double)j + 0.5);
        char name[24];
        if (isnan(r))
            continue;
        snprintf(name, sizeof name, j < s->k ? "%zu" : "pooled", j);
        fprintf(f,
                "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>"
                "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#222\"/>\n",
                x - slot * 0.3, py(&fr, r), slot * 0.6, py(&fr, 0) - py(&fr, r),
                j < s->k ? report_color(j) : WITHHELD_COLOR, x, x, py(&fr, lo), py(&fr, up));
        text_at(f, x, py(&fr, up) - 17, 11, "middle", "", report_percent(a, sizeof a, r / 100, 1));
        snprintf(b, sizeof b, "lift %s",
                 report_number(title, sizeof title, unit_stat(s, j, SEG_CAMPAIGN_LIFT), 2));
        text_at(f, x, py(&fr, up) - 4, 11, "middle", "", b);
        text_at(f, x, fr.top + fr.height + 14, 11, "middle", "", name);
    }
    fprintf(f,
            "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#e15759\" "
            "stroke-dasharray=\"5,3\"/>\n",
            fr.left, fr.left + fr.width, py(&fr, overall), py(&fr, overall));
    text_at(f, fr.left + fr.width + 6, py(&fr, overall) + 3, 10, "start", "fill=\"#e15759\"",
            over);
    fprintf(f, "</svg>\n");
}

/* ---- the targeting plan ------------------------------------------------------------ */

static double pstat(const summary *s, size_t step, seg_plan_stat st)
{
    double v = NAN;
    seg_campaign_plan_stat(s->camp, step, st, &v);
    return v;
}

/* Per plan step, the share of the contacted customers it calls (grey) and
 * the share of the conversions it reaches (blue): how much of the result
 * the first segments bring for how much of the effort. */
void report_plan_chart(FILE *f, const opts *o, const summary *s)
{
    const size_t steps = seg_campaign_plan_steps(s->camp);
    const bool money = !isnan(o->cost) && !isnan(o->revenue);
    const double row = 30, bar = 300;
    char name[64], text[160], a[64], b[64], c[64];
    double left = 0, right = 0;
    size_t best = 0;
    if (steps == 0)
        return;
    seg_campaign_plan_best(s->camp, &best);
    for (size_t pass = 0; pass < 2; pass++) { /* measure, then draw */
        if (pass == 1) {
            left += PAD + 6;
            const char *key = "customers called (grey), conversions reached (blue)";
            const double w = fmax(left + bar + 6 + right + PAD,
                                  left + report_text_width(key, 11, false) + PAD);
            const double h = 10 + row * (double)steps + 24;
            svg_open(f, "chart-plan", w, h, "Targeting plan: effort and result per step");
            text_at(f, left, h - 8, 11, "start", "fill=\"#555\"", key);
        }
        for (size_t t = 0; t < steps; t++) {
            const double seg = pstat(s, t, SEG_PLAN_SEGMENT);
            const double called = pstat(s, t, SEG_PLAN_CONTACTS);
            const double all = called + pstat(s, t, SEG_PLAN_CONTACTS_AVOIDED);
            const double share = all > 0 ? called / all : 0;
            const double reached = pstat(s, t, SEG_PLAN_CONVERSION_SHARE);
            if (seg < 0)
                snprintf(name, sizeof name, "step %zu: + pooled", t);
            else
                snprintf(name, sizeof name, "step %zu: + segment %.0f", t, seg);
            const double got = isnan(reached) ? 0 : reached;
            report_percent(a, sizeof a, share, share < 0.1 ? 1 : 0); /* 0.4 %, not 0 % */
            report_percent(b, sizeof b, got, got < 0.1 ? 1 : 0);
            snprintf(text, sizeof text, "%s called, %s reached", a, b);
            if (money) {
                const double r = pstat(s, t, SEG_PLAN_ROI);
                report_percent(c, sizeof c, r, 0);
                snprintf(text + strlen(text), sizeof text - strlen(text), ", ROI %s%s",
                         r > 0 ? "+" : "", c);
            }
            if (t == best)
                snprintf(text + strlen(text), sizeof text - strlen(text), " (recommended)");
            if (pass == 0) {
                left = fmax(left, report_text_width(name, LABEL_FONT, t == best));
                right = fmax(right, report_text_width(text, 11, t == best));
                continue;
            }
            const double y = 10 + row * (double)t;
            const char *weight = t == best ? "font-weight=\"bold\"" : "";
            text_at(f, left - 6, y + 15, LABEL_FONT, "end", weight, name);
            fprintf(f,
                    "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"10\" "
                    "fill=\"#bab0ac\"/><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                    "height=\"10\" fill=\"#4e79a7\"/>\n",
                    left, y + 2, bar * share, left, y + 12, bar * got);
            text_at(f, left + bar + 6, y + 15, 11, "start", weight, text);
        }
    }
    fprintf(f, "</svg>\n");
}

/* ---- heatmap of standardised profiles ---------------------------------------------- */

static double max_abs_z(const seg_model *m, size_t k, size_t item)
{
    double best = 0, z;
    for (size_t j = 0; j < k; j++)
        if (seg_model_profile_zscore(m, j, item, &z) == 0 && fabs(z) > best)
            best = fabs(z);
    return best;
}

/* Blue (below the population) - white - red (above), saturating at |z| = 2. */
static void z_color(double z, char *buf, size_t len)
{
    double t = fmin(fabs(z) / 2, 1);
    int r = z > 0 ? 255 : (int)(255 - t * (255 - 69));
    int g = (int)(255 - t * (255 - (z > 0 ? 87 : 117)));
    int b = z > 0 ? (int)(255 - t * (255 - 89)) : (int)(255 - t * (255 - 180));
    snprintf(buf, len, "#%02x%02x%02x", r, g, b);
}

size_t report_heatmap(FILE *f, const summary *s, bool described)
{
    const seg_model *m = s->m;
    const size_t n_items = seg_model_profile_items(m);
    size_t *pick = malloc((n_items ? n_items : 1) * sizeof *pick), n = 0;
    if (!pick)
        return 0;
    /* The items that vary most between segments, at most HEAT_ITEMS, in
     * the order of the columns. */
    for (size_t i = 0; i < n_items; i++)
        if (item_described(m, i) == described && max_abs_z(m, s->k, i) >= HEAT_MIN_Z)
            pick[n++] = i;
    while (n > HEAT_ITEMS) {
        size_t weakest = 0;
        for (size_t i = 1; i < n; i++)
            if (max_abs_z(m, s->k, pick[i]) < max_abs_z(m, s->k, pick[weakest]))
                weakest = i;
        memmove(pick + weakest, pick + weakest + 1, (n - weakest - 1) * sizeof *pick);
        n--;
    }
    if (n == 0) {
        free(pick);
        return 0;
    }
    char head[32];
    double left = 0, cw = report_text_width("+0.0", 10, false) + 10;
    for (size_t r = 0; r < n; r++)
        left = fmax(left, report_text_width(seg_model_profile_item_name(m, pick[r]), 11, false));
    left += PAD + 6;
    snprintf(head, sizeof head, "seg %zu", s->k ? s->k - 1 : 0);
    cw = fmax(cw, report_text_width(head, 11, true) + 6);
    const double ch = 22, top = 40;
    const char *legend = "standardised difference from all customers (red above, blue below)";
    const double w = fmax(left + cw * (double)s->k + PAD, report_text_width(legend, 11, false) +
                                                              2 * PAD);
    svg_open(f, described ? "chart-described" : "chart-heatmap", w, top + ch * (double)n + 40,
             described ? "Described columns by segment" : "Standardised profile of each segment");
    for (size_t j = 0; j < s->k; j++) {
        char attrs[64];
        snprintf(head, sizeof head, "seg %zu", j);
        snprintf(attrs, sizeof attrs, "fill=\"%s\" font-weight=\"bold\"", report_color(j));
        text_at(f, left + cw * ((double)j + 0.5), top - 8, 11, "middle", attrs, head);
    }
    for (size_t r = 0; r < n; r++) {
        const double y = top + ch * (double)r;
        text_at(f, left - 6, y + 15, 11, "end", "", seg_model_profile_item_name(m, pick[r]));
        for (size_t j = 0; j < s->k; j++) {
            double z = 0;
            char col[8], num[32];
            if (seg_model_profile_zscore(m, j, pick[r], &z) < 0) { /* withheld */
                fprintf(f,
                        "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                        "fill=\"%s\" stroke=\"#fff\"/>\n",
                        left + cw * (double)j, y, cw, ch, WITHHELD_COLOR);
                continue;
            }
            z_color(z, col, sizeof col);
            fprintf(f,
                    "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" "
                    "stroke=\"#fff\"/>",
                    left + cw * (double)j, y, cw, ch, col);
            report_number(num + 1, sizeof num - 1, z, 1);
            num[0] = '+';
            text_at(f, left + cw * ((double)j + 0.5), y + 15, 10, "middle", "",
                    num[1] == '-' || strcmp(num + 1, "0.0") == 0 ? num + 1 : num);
        }
    }
    text_at(f, PAD, top + ch * (double)n + 26, 11, "start", "fill=\"#555\"", legend);
    fprintf(f, "</svg>\n");
    free(pick);
    return n;
}

/* ---- PCA map ----------------------------------------------------------------------- */

size_t report_map_rows(size_t n, size_t *rows)
{
    const size_t m = n < MAP_SAMPLE ? n : MAP_SAMPLE;
    /* An even stride through the rows: the same sample every run. */
    for (size_t i = 0; rows && i < m; i++)
        rows[i] = (size_t)((double)i * (double)n / (double)m);
    return m;
}

void report_pca_map(FILE *f, const summary *s)
{
    const size_t d = s->d, m = s->n < MAP_SAMPLE ? s->n : MAP_SAMPLE;
    double *xs = malloc(m * d * sizeof *xs), *sc = malloc(m * 2 * sizeof *sc);
    double *cent = malloc(s->k * d * sizeof *cent), *axis = malloc(2 * d * sizeof *axis);
    double var[2], *mean = NULL;
    size_t *rows = malloc(m * sizeof *rows);
    double total = 0;
    if (!xs || !sc || !cent || !rows || !axis || !(mean = malloc(d * sizeof *mean)))
        goto done;
    report_map_rows(s->n, rows);
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < d; j++)
            xs[i * d + j] = s->map_x ? s->map_x[i * d + j]
                            : s->f32 ? (double)((const float *)s->x)[rows[i] * d + j]
                                     : ((const double *)s->x)[rows[i] * d + j];
    if (m < 2 || d < 2 || seg_pca_compute_f64(xs, m, d, 2, sc, axis, var, mean) < 0)
        goto done;
    for (size_t j = 0; j < d; j++) {
        double mu = 0, v = 0;
        for (size_t i = 0; i < m; i++)
            mu += xs[i * d + j] / (double)m;
        for (size_t i = 0; i < m; i++)
            v += (xs[i * d + j] - mu) * (xs[i * d + j] - mu) / (double)m;
        total += v;
    }
    seg_model_centroids_f64(s->m, cent, s->k * d);
    double lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY};
    for (size_t i = 0; i < m; i++)
        for (int a = 0; a < 2; a++) {
            lo[a] = fmin(lo[a], sc[i * 2 + a]);
            hi[a] = fmax(hi[a], sc[i * 2 + a]);
        }
    char xl[80], yl[80], num[32], num2[32], foot[128];
    snprintf(xl, sizeof xl, "first principal component (%.0f %% of variance)",
             100 * var[0] / total);
    snprintf(yl, sizeof yl, "second principal component (%.0f %%)", 100 * var[1] / total);
    frame fr = {lo[0] - 0.05 * (hi[0] - lo[0]) - 1e-9, hi[0] + 0.05 * (hi[0] - lo[0]) + 1e-9,
                lo[1] - 0.05 * (hi[1] - lo[1]) - 1e-9, hi[1] + 0.05 * (hi[1] - lo[1]) + 1e-9,
                0, 30, 420, fit_height(400, yl)};
    fr.left = left_margin(&fr, yl);
    /* The legend, right of the plot: each segment's label. */
    const double lx = frame_width(&fr, xl, true) + 12;
    double w = 0;
    for (size_t j = 0; j < s->k; j++) {
        snprintf(foot, sizeof foot, "%zu: ", j);
        w = fmax(w, lx + 17 + report_text_width(foot, 11, false) +
                        report_text_width(label_of(s, j), 11, false) + PAD);
    }
    snprintf(foot, sizeof foot, "%s of %s customers; big dots: segment centres",
             report_number(num, sizeof num, (double)m, 0),
             report_number(num2, sizeof num2, (double)s->n, 0));
    w = fmax(w, lx + report_text_width(foot, 10, false) + PAD);
    const double h = fmax(fr.top + fr.height + BELOW_FRAME + PAD, 60 + 22 * (double)s->k);
    svg_open(f, "chart-map", w, h, "Customers on the first two principal components");
    axes(f, &fr, xl, yl, true);
    for (size_t i = 0; i < m; i++) {
        const int32_t lab = s->map_labels ? s->map_labels[i] : s->labels[rows[i]];
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2\" fill=\"%s\" fill-opacity=\"0.6\"/>\n",
                px(&fr, sc[i * 2]), py(&fr, sc[i * 2 + 1]), MAP_COLOR(s, lab));
    }
    for (size_t j = 0; j < s->k; j++) {
        double p[2] = {0, 0};
        /* The centre of a segment of one customer is that customer: a
         * withheld segment is neither marked nor told apart by colour. */
        if (seg_model_profile_withheld(s->m, j))
            continue;
        for (int a = 0; a < 2; a++)
            for (size_t t = 0; t < d; t++)
                p[a] += (cent[j * d + t] - mean[t]) * axis[a * d + t];
        snprintf(num, sizeof num, "%zu", j);
        fprintf(f,
                "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"8\" fill=\"%s\" stroke=\"#000\" "
                "stroke-width=\"2\"/>",
                px(&fr, p[0]), py(&fr, p[1]), report_color(j));
        text_at(f, px(&fr, p[0]), py(&fr, p[1]) + 3, 10, "middle",
                "fill=\"#fff\" font-weight=\"bold\"", num);
    }
    for (size_t j = 0; j < s->k; j++) {
        const double y = 40 + 22 * (double)j;
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" fill=\"%s\"/>", lx, y,
                MAP_COLOR(s, j));
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">%zu: ", lx + 17, y + 10, j);
        report_escape(f, label_of(s, j));
        fprintf(f, "</text>\n");
    }
    text_at(f, lx, 48 + 22 * (double)s->k, 10, "start", "fill=\"#555\"", foot);
    fprintf(f, "</svg>\n");
done:
    free(xs);
    free(sc);
    free(cent);
    free(rows);
    free(mean);
    free(axis);
}

/* ---- Ward dendrogram ---------------------------------------------------------------- */

#define TREE_MERGES 30

/* The top of a linkage (SciPy's matrix z of l - 1 merges over l leaves):
 * merges from first on are drawn, every other node is a collapsed group. */
typedef struct tree_plot {
    FILE *f;
    const frame *fr;
    const double *z;
    size_t l, first, slots, next;
    const size_t *rep;  /* a leaf of each node */
    const int32_t *seg; /* segment of each leaf */
} tree_plot;

typedef struct tree_pos {
    double x, y;
} tree_pos;

static size_t node_count(const tree_plot *t, size_t node)
{
    return node < t->l ? 1 : (size_t)t->z[(node - t->l) * 4 + 3];
}

static tree_pos tree_node(tree_plot *t, size_t node)
{
    const double slot = t->fr->width / (double)t->slots;
    if (node < t->l + t->first) {
        const size_t count = node_count(t, node);
        const int32_t j = t->seg[t->rep[node]];
        const double x = t->fr->left + slot * ((double)t->next++ + 0.5);
        const double y = t->fr->top + t->fr->height;
        char num[32];
        report_number(num, sizeof num, (double)count, 0);
        fprintf(t->f,
                "<rect class=\"leaf\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"8\" "
                "fill=\"%s\"><title>segment %d: %zu</title></rect><text font-size=\"9\" "
                "text-anchor=\"end\" transform=\"translate(%.1f,%.1f) rotate(-90)\">%s</text>\n",
                x - slot * 0.4, y, slot * 0.8, report_color((size_t)j), (int)j, count, x + 3,
                y + 12, num);
        return (tree_pos){x, y};
    }
    const double *m = t->z + (node - t->l) * 4;
    const tree_pos a = tree_node(t, (size_t)m[0]), b = tree_node(t, (size_t)m[1]);
    const tree_pos p = {(a.x + b.x) / 2, py(t->fr, m[2])};
    const int32_t ja = t->seg[t->rep[(size_t)m[0]]], jb = t->seg[t->rep[(size_t)m[1]]];
    fprintf(t->f,
            "<path class=\"merge\" d=\"M%.1f %.1fV%.1fH%.1fV%.1f\" fill=\"none\" "
            "stroke=\"%s\" stroke-width=\"1.5\"/>\n",
            a.x, a.y, p.y, b.x, b.y, ja == jb ? report_color((size_t)ja) : "#555");
    return p;
}

void report_dendrogram(FILE *f, const summary *s)
{
    const size_t l = seg_linkage_rows(s->tree), k = s->k;
    double *z = malloc((l > 1 ? l - 1 : 1) * 4 * sizeof *z);
    size_t *rep = malloc((2 * l - 1) * sizeof *rep);
    int32_t *seg = malloc(l * sizeof *seg);
    if (!z || !rep || !seg || l < 2 || seg_linkage_matrix(s->tree, z, (l - 1) * 4) < 0 ||
        seg_linkage_cut_k(s->tree, k, seg, l) < 0)
        goto done;
    size_t drawn = l - 1 < TREE_MERGES ? l - 1 : TREE_MERGES;
    drawn = k - 1 > drawn ? k - 1 : drawn;
    for (size_t i = 0; i < l; i++)
        rep[i] = i;
    for (size_t m = 0; m + 1 < l; m++)
        rep[l + m] = rep[(size_t)z[m * 4]];
    const double top = z[(l - 2) * 4 + 2];
    /* Between the highest merge kept and the lowest one undone. */
    const double cut = k == 1  ? top * 1.03
                       : k == l ? 0
                                : (z[(l - k - 1) * 4 + 2] + z[(l - k) * 4 + 2]) / 2;
    const char *yl = "Ward merge height";
    const char *xl = l < s->n ? "groups of k-means micro-clusters (micro-clusters in each)"
                              : "groups of customers (customers in each)";
    frame fr = {0, 1, 0, top > 0 ? top * 1.06 : 1, 0, 34, 800, fit_height(300, yl)};
    fr.left = left_margin(&fr, yl);
    tree_plot t = {f, &fr, z, l, l - 1 - drawn, drawn + 1, 0, rep, seg};
    /* The rotated counts hang below the leaves: the widest sets the room
     * left for them above the x label. */
    char num[32], cutl[96];
    report_number(num, sizeof num, (double)s->n, 0);
    const double below = 12 + report_text_width(num, 9, false) + 6;
    snprintf(cutl, sizeof cutl, "cut: k = %zu (height %s)", k, report_auto(num, sizeof num, cut));
    const double w = fmax(fr.left + fr.width + PAD,
                          fmax(fr.left + fr.width / 2 +
                                   report_text_width(xl, LABEL_FONT, false) / 2 + PAD,
                               fr.left + report_text_width(cutl, 11, false) + 2 * PAD));
    svg_open(f, "chart-tree", w, fr.top + fr.height + below + 24, "Ward dendrogram with the cut");
    axes(f, &fr, "", yl, false);
    text_at(f, fr.left + fr.width / 2, fr.top + fr.height + below + 14, LABEL_FONT, "middle", "",
            xl);
    tree_node(&t, 2 * l - 2);
    fprintf(f,
            "<line class=\"cut\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
            "stroke=\"#e15759\" stroke-width=\"1.5\" stroke-dasharray=\"6,3\"/>\n",
            fr.left, fr.left + fr.width, py(&fr, cut), py(&fr, cut));
    text_at(f, fr.left + fr.width - 4, fmax(py(&fr, cut) - 4, fr.top + 12), 11, "end",
            "fill=\"#e15759\"", cutl);
    fprintf(f, "</svg>\n");
    fprintf(f, "<p>The last %zu of the %zu merges; each box at the bottom is a group merged "
               "lower down, coloured by its segment. Cutting the tree at the dashed line "
               "leaves the %zu segments.</p>\n",
            drawn, l - 1, k);
done:
    free(z);
    free(rep);
    free(seg);
}
