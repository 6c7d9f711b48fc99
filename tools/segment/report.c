/*
 * 'seg segment --report FILE.html': one self-contained HTML file (no network,
 * no script) with inline SVG charts: the k sweep, segment sizes, a segment x
 * feature heatmap of standardised profiles, conversion and lift, and a PCA
 * map of a sample of customers. The markup is well-formed XML (every element
 * closed, attributes quoted, no named entities) so that it can be checked by
 * any XML parser.
 */
#include "segment.h"

#include "out.h"
#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAP_SAMPLE 3000
#define HEAT_ITEMS 24
#define HEAT_MIN_Z 0.3

/* Segments whose profile is withheld (minimum segment size) are not told apart. */
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

/* A "nice" step for about n ticks over [lo, hi]. */
static double tick_step(double lo, double hi, int n)
{
    double raw = (hi - lo) / n, mag = pow(10, floor(log10(raw > 0 ? raw : 1)));
    double r = raw / mag;
    return (r < 1.5 ? 1 : r < 3 ? 2 : r < 7 ? 5 : 10) * mag;
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

static void axes(FILE *f, const frame *fr, const char *xlabel, const char *ylabel, bool xticks)
{
    fprintf(f,
            "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
            "stroke=\"#888\"/>\n",
            fr->left, fr->top, fr->width, fr->height);
    double st = tick_step(fr->y0, fr->y1, 5);
    for (double v = ceil(fr->y0 / st) * st; v <= fr->y1 + 1e-9 * st; v += st)
        fprintf(f,
                "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>"
                "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\">%.4g</text>\n",
                fr->left, fr->left + fr->width, py(fr, v), py(fr, v), fr->left - 4, py(fr, v) + 3,
                fabs(v) < 1e-12 * st ? 0.0 : v);
    if (xticks) {
        st = tick_step(fr->x0, fr->x1, 6);
        for (double v = ceil(fr->x0 / st) * st; v <= fr->x1 + 1e-9 * st; v += st)
            fprintf(f,
                    "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" "
                    "text-anchor=\"middle\">%.4g</text>\n",
                    px(fr, v), fr->top + fr->height + 14, fabs(v) < 1e-12 * st ? 0.0 : v);
    }
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\">",
            fr->left + fr->width / 2, fr->top + fr->height + 32);
    report_escape(f, xlabel);
    fprintf(f,
            "</text>\n<text transform=\"translate(%.1f,%.1f) rotate(-90)\" font-size=\"12\" "
            "text-anchor=\"middle\">",
            fr->left - 50, fr->top + fr->height / 2);
    report_escape(f, ylabel);
    fprintf(f, "</text>\n");
}

/* ---- the k sweep --------------------------------------------------------------- */

static void sweep_chart(FILE *f, const seg_sweep *sw, seg_sweep_stat stat, const char *title,
                        size_t chosen)
{
    const size_t n = seg_sweep_count(sw);
    double lo = INFINITY, hi = -INFINITY, k0, k1, v;
    for (size_t i = 0; i < n; i++) {
        seg_sweep_get(sw, i, stat, &v);
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    seg_sweep_get(sw, 0, SEG_SWEEP_K, &k0);
    seg_sweep_get(sw, n - 1, SEG_SWEEP_K, &k1);
    double pad = (hi - lo) * 0.1 + 1e-12;
    frame fr = {k0 - 0.5, k1 + 0.5, lo - pad, hi + pad, 70, 30, 240, 170};
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"330\" height=\"250\" "
               "role=\"img\"><title>");
    report_escape(f, title);
    fprintf(f, " against k</title>\n<text x=\"165\" y=\"18\" font-size=\"13\" "
               "text-anchor=\"middle\" font-weight=\"bold\">");
    report_escape(f, title);
    fprintf(f, " against k</text>\n");
    axes(f, &fr, "k (number of segments)", title, true);
    fprintf(f, "<polyline fill=\"none\" stroke=\"#4e79a7\" stroke-width=\"2\" points=\"");
    for (size_t i = 0; i < n; i++) {
        double k;
        seg_sweep_get(sw, i, SEG_SWEEP_K, &k);
        seg_sweep_get(sw, i, stat, &v);
        fprintf(f, "%s%.1f,%.1f", i ? " " : "", px(&fr, k), py(&fr, v));
    }
    fprintf(f, "\"/>\n");
    for (size_t i = 0; i < n; i++) {
        double k;
        seg_sweep_get(sw, i, SEG_SWEEP_K, &k);
        seg_sweep_get(sw, i, stat, &v);
        bool is = (size_t)k == chosen;
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%d\" fill=\"%s\"/>\n", px(&fr, k),
                py(&fr, v), is ? 6 : 3, is ? "#e15759" : "#4e79a7");
    }
    fprintf(f, "</svg>\n");
}

/* ---- per-segment bars ------------------------------------------------------------ */

static void sizes_chart(FILE *f, const summary *s)
{
    const double row = 26, h = 40 + row * (double)s->k;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"760\" height=\"%.0f\" "
               "role=\"img\"><title>Segment sizes</title>\n",
            h);
    double maxs = 0;
    for (size_t j = 0; j < s->k; j++)
        maxs = share_of(s, j) > maxs ? share_of(s, j) : maxs;
    for (size_t j = 0; j < s->k; j++) {
        double y = 10 + row * (double)j, w = 300 * share_of(s, j) / (maxs > 0 ? maxs : 1);
        fprintf(f,
                "<text x=\"70\" y=\"%.1f\" font-size=\"12\" text-anchor=\"end\">segment "
                "%zu</text><rect x=\"76\" y=\"%.1f\" width=\"%.1f\" height=\"18\" fill=\"%s\"/>"
                "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">%zu (%.1f %%) ",
                y + 13, j, y, w, report_color(j), 80 + w, y + 13, seg_model_segment_size(s->m, j),
                100 * share_of(s, j));
        report_escape(f, label_of(s, j));
        fprintf(f, "</text>\n");
    }
    fprintf(f, "<text x=\"76\" y=\"%.1f\" font-size=\"11\" fill=\"#555\">customers per segment "
               "(share of all)</text>\n</svg>\n",
            h - 6);
}

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

static void conversion_chart(FILE *f, const opts *o, const summary *s)
{
    double hi = 0;
    const size_t units = s->k + campaign_has_pool(s);
    for (size_t j = 0; j < units; j++) {
        double v = unit_stat(s, j, SEG_CAMPAIGN_RATE_HIGH);
        hi = v > hi ? v : hi;
    }
    hi = hi > 0 ? hi * 1.15 : 1;
    const double slot = 520.0 / (double)units;
    frame fr = {0, (double)units, 0, 100 * hi, 70, 34, 520, 200};
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" height=\"290\" "
               "role=\"img\"><title>Conversion and lift per segment</title>\n"
               "<text x=\"330\" y=\"18\" font-size=\"13\" text-anchor=\"middle\" "
               "font-weight=\"bold\">Conversion of '");
    report_escape(f, o->target);
    fprintf(f, "' per segment, 95 %% interval and lift</text>\n");
    axes(f, &fr, "segment", "conversion rate (%)", false);
    double overall = 100 * cstat(s, s->k, SEG_CAMPAIGN_RATE);
    for (size_t j = 0; j < units; j++) {
        double r = 100 * unit_stat(s, j, SEG_CAMPAIGN_RATE);
        double lo = 100 * unit_stat(s, j, SEG_CAMPAIGN_RATE_LOW);
        double up = 100 * unit_stat(s, j, SEG_CAMPAIGN_RATE_HIGH);
        double x = fr.left + slot * ((double)j + 0.5);
        char name[24];
        if (isnan(r))
            continue;
        snprintf(name, sizeof name, j < s->k ? "%zu" : "pooled", j);
        fprintf(f,
                "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>"
                "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#222\"/>"
                "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\">%.1f %% "
                "(lift %.2f)</text><text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" "
                "text-anchor=\"middle\">%s</text>\n",
                x - slot * 0.3, py(&fr, r), slot * 0.6, py(&fr, 0) - py(&fr, r),
                j < s->k ? report_color(j) : WITHHELD_COLOR, x, x, py(&fr, lo), py(&fr, up), x,
                py(&fr, up) - 4, r, unit_stat(s, j, SEG_CAMPAIGN_LIFT), x,
                fr.top + fr.height + 14, name);
    }
    fprintf(f,
            "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#e15759\" "
            "stroke-dasharray=\"5,3\"/><text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" "
            "fill=\"#e15759\" text-anchor=\"start\">overall %.1f %%</text>\n</svg>\n",
            fr.left, fr.left + fr.width, py(&fr, overall), py(&fr, overall), fr.left + 4,
            py(&fr, overall) - 3, overall);
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

/* The heatmap of the features' items, or of the described columns'. */
static void heatmap(FILE *f, const summary *s, bool described)
{
    const seg_model *m = s->m;
    const size_t n_items = seg_model_profile_items(m);
    size_t *pick = malloc((n_items ? n_items : 1) * sizeof *pick), n = 0;
    if (!pick)
        return;
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
    const double cw = 44, ch = 22, left = 190, top = 40;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
               "role=\"img\"><title>Standardised profile of each segment</title>\n",
            fmax(left + cw * (double)s->k + 20, 560), top + ch * (double)n + 50);
    for (size_t j = 0; j < s->k; j++)
        fprintf(f,
                "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\" "
                "fill=\"%s\" font-weight=\"bold\">seg %zu</text>\n",
                left + cw * ((double)j + 0.5), top - 8, report_color(j), j);
    for (size_t r = 0; r < n; r++) {
        double y = top + ch * (double)r;
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">",
                left - 6, y + 15);
        report_escape(f, seg_model_profile_item_name(m, pick[r]));
        fprintf(f, "</text>\n");
        for (size_t j = 0; j < s->k; j++) {
            double z = 0;
            char col[8];
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
                    "stroke=\"#fff\"/><text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" "
                    "text-anchor=\"middle\">%+.1f</text>\n",
                    left + cw * (double)j, y, cw, ch, col, left + cw * ((double)j + 0.5), y + 15,
                    z);
        }
    }
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" fill=\"#555\">standardised "
               "difference from all customers (red above, blue below)</text>\n</svg>\n",
            10.0, top + ch * (double)n + 30);
    free(pick);
}

/* ---- PCA map ----------------------------------------------------------------------- */

static void pca_map(FILE *f, const summary *s)
{
    const size_t d = s->d, m = s->n < MAP_SAMPLE ? s->n : MAP_SAMPLE;
    double *xs = malloc(m * d * sizeof *xs), *sc = malloc(m * 2 * sizeof *sc);
    double *cent = malloc(s->k * d * sizeof *cent), axis[2 * 4096], var[2], *mean = NULL;
    size_t *rows = malloc(m * sizeof *rows);
    double total = 0;
    if (!xs || !sc || !cent || !rows || d > 4096 || !(mean = malloc(d * sizeof *mean)))
        goto done;
    /* An even stride through the rows: the same sample every run. */
    for (size_t i = 0; i < m; i++) {
        rows[i] = (size_t)((double)i * (double)s->n / (double)m);
        for (size_t j = 0; j < d; j++)
            xs[i * d + j] = s->f32 ? (double)((const float *)s->x)[rows[i] * d + j]
                                   : ((const double *)s->x)[rows[i] * d + j];
    }
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
    frame fr = {lo[0] - 0.05 * (hi[0] - lo[0]), hi[0] + 0.05 * (hi[0] - lo[0]),
                lo[1] - 0.05 * (hi[1] - lo[1]), hi[1] + 0.05 * (hi[1] - lo[1]), 60, 30, 420, 400};
    char xl[64], yl[64];
    snprintf(xl, sizeof xl, "first principal component (%.0f %% of variance)",
             100 * var[0] / total);
    snprintf(yl, sizeof yl, "second principal component (%.0f %%)", 100 * var[1] / total);
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"940\" height=\"480\" "
               "role=\"img\"><title>Customers on the first two principal components</title>\n");
    axes(f, &fr, xl, yl, true);
    for (size_t i = 0; i < m; i++)
        fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2\" fill=\"%s\" fill-opacity=\"0.6\"/>\n",
                px(&fr, sc[i * 2]), py(&fr, sc[i * 2 + 1]), MAP_COLOR(s, s->labels[rows[i]]));
    for (size_t j = 0; j < s->k; j++) {
        double p[2] = {0, 0};
        /* The centre of a segment of one customer is that customer: a
         * withheld segment is neither marked nor told apart by colour. */
        if (seg_model_profile_withheld(s->m, j))
            continue;
        for (int a = 0; a < 2; a++)
            for (size_t t = 0; t < d; t++)
                p[a] += (cent[j * d + t] - mean[t]) * axis[a * d + t];
        fprintf(f,
                "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"8\" fill=\"%s\" stroke=\"#000\" "
                "stroke-width=\"2\"/><text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" "
                "text-anchor=\"middle\" fill=\"#fff\" font-weight=\"bold\">%zu</text>\n",
                px(&fr, p[0]), py(&fr, p[1]), report_color(j), px(&fr, p[0]), py(&fr, p[1]) + 3, j);
    }
    /* Legend, with each segment's label. */
    for (size_t j = 0; j < s->k; j++) {
        double y = 40 + 22 * (double)j;
        fprintf(f,
                "<rect x=\"500\" y=\"%.1f\" width=\"12\" height=\"12\" fill=\"%s\"/><text "
                "x=\"517\" y=\"%.1f\" font-size=\"11\">%zu: ",
                y, MAP_COLOR(s, j), y + 10, j);
        report_escape(f, label_of(s, j));
        fprintf(f, "</text>\n");
    }
    fprintf(f, "<text x=\"500\" y=\"%.1f\" font-size=\"10\" fill=\"#555\">%zu of %zu customers; "
               "big dots: segment centres</text>\n</svg>\n",
            48 + 22 * (double)s->k, m, s->n);
done:
    free(xs);
    free(sc);
    free(cent);
    free(rows);
    free(mean);
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
    const size_t *rep;        /* a leaf of each node */
    const int32_t *seg;       /* segment of each leaf */
} tree_plot;

typedef struct tree_pos {
    double x, y;
} tree_pos;

static tree_pos tree_node(tree_plot *t, size_t node)
{
    const double slot = t->fr->width / (double)t->slots;
    if (node < t->l + t->first) {
        const size_t count = node < t->l ? 1 : (size_t)t->z[(node - t->l) * 4 + 3];
        const int32_t j = t->seg[t->rep[node]];
        const double x = t->fr->left + slot * ((double)t->next++ + 0.5);
        const double y = t->fr->top + t->fr->height;
        fprintf(t->f,
                "<rect class=\"leaf\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"8\" "
                "fill=\"%s\"><title>segment %d: %zu</title></rect><text font-size=\"9\" "
                "text-anchor=\"end\" transform=\"translate(%.1f,%.1f) rotate(-90)\">%zu</text>\n",
                x - slot * 0.4, y, slot * 0.8, report_color((size_t)j), (int)j, count, x + 3, y + 12,
                count);
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

/* The last TREE_MERGES merges of s->tree (more when k needs them), the
 * groups below them collapsed into boxes labelled with their sizes and
 * coloured by segment, and the cut that gives the k segments. */
static void dendrogram(FILE *f, const summary *s)
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
    frame fr = {0, 1, 0, top > 0 ? top * 1.06 : 1, 70, 34, 800, 300};
    tree_plot t = {f, &fr, z, l, l - 1 - drawn, drawn + 1, 0, rep, seg};
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"900\" height=\"410\" "
               "role=\"img\"><title>Ward dendrogram with the cut</title>\n");
    axes(f, &fr, "", "Ward merge height", false);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\">%s</text>\n",
            fr.left + fr.width / 2, fr.top + fr.height + 60,
            l < s->n ? "groups of k-means micro-clusters (micro-clusters in each)"
                     : "groups of customers (customers in each)");
    tree_node(&t, 2 * l - 2);
    fprintf(f,
            "<line class=\"cut\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
            "stroke=\"#e15759\" stroke-width=\"1.5\" stroke-dasharray=\"6,3\"/><text x=\"%.1f\" "
            "y=\"%.1f\" font-size=\"11\" fill=\"#e15759\" text-anchor=\"end\">cut: k = %zu "
            "(height %.4g)</text>\n</svg>\n",
            fr.left, fr.left + fr.width, py(&fr, cut), py(&fr, cut), fr.left + fr.width - 4,
            py(&fr, cut) - 4, k, cut);
    fprintf(f, "<p>The last %zu of the %zu merges; each box at the bottom is a group merged "
               "lower down, coloured by its segment. Cutting the tree at the dashed line "
               "leaves the %zu segments.</p>\n",
            drawn, l - 1, k);
done:
    free(z);
    free(rep);
    free(seg);
}

/* ---- the page ----------------------------------------------------------------------- */

/* The sweep's rows with the stability, the rule's words, the runner-up and
 * the size warning of the chosen k. */
static void sweep_table(FILE *f, const seg_sweep *sw, size_t chosen)
{
    char buf[256];
    fprintf(f, "<table><tr><th>k</th><th>silhouette</th><th>stability</th><th>smallest</th>"
               "<th>largest</th></tr>\n");
    for (size_t i = 0; i < seg_sweep_count(sw); i++) {
        double k = 0, sil = NAN, stab = NAN, lo = NAN, hi = NAN;
        seg_sweep_get(sw, i, SEG_SWEEP_K, &k);
        seg_sweep_get(sw, i, SEG_SWEEP_SILHOUETTE, &sil);
        seg_sweep_get(sw, i, SEG_SWEEP_STABILITY, &stab);
        seg_sweep_get(sw, i, SEG_SWEEP_SMALLEST_SHARE, &lo);
        seg_sweep_get(sw, i, SEG_SWEEP_LARGEST_SHARE, &hi);
        const bool is = (size_t)k == chosen;
        fprintf(f, "<tr><td>%s%.0f%s</td><td>%.3f</td>", is ? "<b>" : "", k,
                is ? " (chosen)</b>" : "", sil);
        if (isnan(stab))
            fprintf(f, "<td>not measured</td>");
        else
            fprintf(f, "<td>%.3f</td>", stab);
        fprintf(f, "<td>%.1f %%</td><td>%.1f %%</td></tr>\n", 100 * lo, 100 * hi);
    }
    fprintf(f, "</table>\n<p>Chosen: ");
    sweep_choice(sw, buf, sizeof buf);
    report_escape(f, buf);
    fprintf(f, ". Stability is the mean adjusted Rand index between refits on 80 %% "
               "subsamples: 1 means the same segments whichever customers are left out.</p>\n");
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

static void segment_table(FILE *f, const summary *s)
{
    fprintf(f, "<table><tr><th>segment</th><th>customers</th><th>share</th>%s<th>label</th>"
               "</tr>\n",
            s->camp ? "<th>conversion</th><th>95 % interval</th><th>lift</th>" : "");
    for (size_t j = 0; j < s->k; j++) {
        fprintf(f,
                "<tr><td><span class=\"dot\" style=\"background:%s\"></span> %zu</td>"
                "<td>%zu</td><td>%.1f %%</td>",
                report_color(j), j, seg_model_segment_size(s->m, j), 100 * share_of(s, j));
        if (s->camp && campaign_withheld(s, j))
            fprintf(f, "<td colspan=\"3\">withheld (pooled below)</td>");
        else if (s->camp)
            fprintf(f, "<td>%.2f %%</td><td>%.2f .. %.2f %%</td><td>%.2f</td>",
                    100 * cstat(s, j, SEG_CAMPAIGN_RATE), 100 * cstat(s, j, SEG_CAMPAIGN_RATE_LOW),
                    100 * cstat(s, j, SEG_CAMPAIGN_RATE_HIGH), cstat(s, j, SEG_CAMPAIGN_LIFT));
        fprintf(f, "<td>");
        report_escape(f, label_of(s, j));
        fprintf(f, "</td></tr>\n");
    }
    if (campaign_has_pool(s)) {
        size_t size = 0;
        fprintf(f, "<tr><td><span class=\"dot\" style=\"background:%s\"></span> pooled</td>",
                WITHHELD_COLOR);
        for (size_t j = 0; j < s->k; j++)
            size += campaign_withheld(s, j) ? seg_model_segment_size(s->m, j) : 0;
        fprintf(f, "<td>%zu</td><td>%.1f %%</td>", size, 100.0 * (double)size / (double)s->n);
        fprintf(f, "<td>%.2f %%</td><td>%.2f .. %.2f %%</td><td>%.2f</td><td>withheld segments",
                100 * campaign_pool_stat(s, SEG_CAMPAIGN_RATE),
                100 * campaign_pool_stat(s, SEG_CAMPAIGN_RATE_LOW),
                100 * campaign_pool_stat(s, SEG_CAMPAIGN_RATE_HIGH),
                campaign_pool_stat(s, SEG_CAMPAIGN_LIFT));
        for (size_t j = 0, first = 1; j < s->k; j++)
            if (campaign_withheld(s, j)) {
                fprintf(f, "%s%zu", first ? " " : ", ", j);
                first = 0;
            }
        fprintf(f, " together</td></tr>\n");
    }
    fprintf(f, "</table>\n");
}

int write_report(FILE *f, const opts *o, const summary *s)
{
    char warn[160];
    report_head(f, "Customer segments", o->file);
    fprintf(f, "<p>");
    report_escape(f, o->file);
    fprintf(f,
            ": %zu customers, %zu features, <b>k = %zu</b>%s. Silhouette %.3f, "
            "Davies-Bouldin %.3f, Calinski-Harabasz %.1f. libseg %s.</p>\n",
            s->n, s->d, s->k, s->sweep ? " (chosen by the sweep: see Choosing k)" : "",
            s->silhouette, s->davies_bouldin, s->calinski_harabasz, seg_version_string());
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
    segment_table(f, s);
    if (s->sweep) {
        size_t chosen = 0;
        seg_sweep_chosen(s->sweep, &chosen);
        fprintf(f, "<h2>Choosing k</h2>\n");
        sweep_table(f, s->sweep, chosen);
        fprintf(f, "<div style=\"display:flex\">\n");
        sweep_chart(f, s->sweep, SEG_SWEEP_INERTIA, "inertia", chosen);
        sweep_chart(f, s->sweep, SEG_SWEEP_SILHOUETTE, "silhouette", chosen);
        fprintf(f, "</div>\n");
    }
    fprintf(f, "<h2>Segment sizes</h2>\n");
    sizes_chart(f, s);
    if (seg_model_profile_items(s->m)) {
        fprintf(f, "<h2>What sets each segment apart</h2>\n");
        heatmap(f, s, false);
    }
    if (seg_dataset_described_columns(s->ds)) {
        fprintf(f, "<h2>Described, not clustered</h2>\n<p>Columns profiled per segment but "
                   "left out of the clustering:");
        for (size_t c = 0; c < seg_dataset_described_columns(s->ds); c++) {
            fputs(c ? ", " : " ", f);
            report_escape(f, seg_dataset_described_name(s->ds, c));
        }
        fprintf(f, ".</p>\n");
        heatmap(f, s, true);
    }
    if (s->camp) {
        fprintf(f, "<h2>Conversion</h2>\n");
        conversion_chart(f, o, s);
    }
    if (s->tree) {
        fprintf(f, "<h2>Ward tree</h2>\n");
        dendrogram(f, s);
    }
    report_explain(f, s);
    fprintf(f, "<h2>Customers on a map</h2>\n");
    pca_map(f, s);
    fprintf(f, "</body>\n</html>\n");
    return ferror(f) ? -1 : 0;
}
