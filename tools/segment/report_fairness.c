/*
 * The HTML report's section on fairness and opt-out (issue 17): per
 * protected column, the groups' shares and representation ratios per
 * segment (a colour scale: blue under-, red over-represented), balance and
 * total-variation distance, the proxy check, the plan's selection rates,
 * adverse impact ratio and Fisher p-values, and the warnings; and how many
 * customers opted out. Cells under the minimum segment size show "< N".
 */
#include "segment.h"

#include "fairness.h"
#include "report.h"

#include <math.h>

static double fig(const seg_fairness *f, size_t s, size_t g, seg_fairness_cell_figure st)
{
    double v = NAN;
    seg_fairness_cell_stat(f, s, g, st, &v);
    return v;
}

/* The background of a representation ratio r: white at 1, deeper the
 * further r is from 1 on a log scale (0.5 and 2 are the deepest). */
static void ratio_color(double r, char *buf, size_t len)
{
    double t = isfinite(r) && r > 0 ? log2(r) : (r == 0 ? -1 : 0);
    t = t > 1 ? 1 : t < -1 ? -1 : t;
    const int fade = (int)(255 - 120 * fabs(t));
    if (t >= 0)
        snprintf(buf, len, "rgb(255,%d,%d)", fade, fade);
    else
        snprintf(buf, len, "rgb(%d,%d,255)", fade, fade);
}

static void attr_section(FILE *f, const fair_data *fd, size_t a)
{
    const fair_attr *at = &fd->attr[a];
    const seg_fairness *fa = at->fair;
    char buf[1024], col[32];
    double v;
    fprintf(f, "<h3>");
    report_escape(f, at->column);
    fprintf(f, "</h3>\n<table>\n<tr><th>segment</th><th>TVD</th><th>balance</th>");
    for (size_t g = 0; g < at->g; g++) {
        fprintf(f, "<th>");
        report_escape(f, at->names[g]);
        fprintf(f, "</th>");
    }
    fprintf(f, "</tr>\n");
    for (size_t s = 0; s <= fd->k; s++) {
        double size = NAN, tvd = NAN, bal = NAN;
        seg_fairness_segment_stat(fa, s, SEG_FAIRNESS_SIZE, &size);
        seg_fairness_segment_stat(fa, s, SEG_FAIRNESS_TVD, &tvd);
        seg_fairness_segment_stat(fa, s, SEG_FAIRNESS_BALANCE, &bal);
        if (s == fd->k)
            fprintf(f, "<tr><td>all</td><td></td><td></td>");
        else if (fair_suppressed(fd, size))
            fprintf(f, "<tr><td>%zu</td><td>-</td><td>-</td>", s);
        else
            fprintf(f, "<tr><td>%zu</td><td>%.3f</td><td>%.3f</td>", s, tvd, bal);
        for (size_t g = 0; g < at->g; g++) {
            const double c = fig(fa, s, g, SEG_FAIRNESS_COUNT);
            if (fair_suppressed(fd, c)) {
                fprintf(f, "<td>");
                report_escape(f, fair_count_text(fd, c, buf, sizeof buf));
                fprintf(f, "</td>");
                continue;
            }
            const double r = fig(fa, s, g, SEG_FAIRNESS_REPRESENTATION);
            ratio_color(s == fd->k ? 1 : r, col, sizeof col);
            fprintf(f, "<td style=\"background:%s\">%.0f (%.1f %%, &#215;%.2f)</td>", col, c,
                    100 * fig(fa, s, g, SEG_FAIRNESS_SHARE), r);
        }
        fprintf(f, "</tr>\n");
    }
    fprintf(f, "</table>\n<p>");
    seg_fairness_stat(fa, SEG_FAIRNESS_OVERALL_BALANCE, &v);
    fprintf(f, "Overall balance %.3f (the lowest segment's); ", v);
    seg_fairness_stat(fa, SEG_FAIRNESS_MAX_TVD, &v);
    fprintf(f,
            "largest total-variation distance %.3f; proxy check: normalised mutual "
            "information of segment and group ",
            v);
    seg_fairness_stat(fa, SEG_FAIRNESS_NMI, &v);
    fprintf(f, "%.3f.</p>\n", v);
    if (fd->selection) {
        fprintf(f,
                "<p>Under the plan (step %ld: segments %s):</p>\n<table>\n<tr><th>group</th>"
                "<th>customers</th><th>selected</th><th>rate</th><th>impact ratio</th>"
                "<th>Fisher p</th></tr>\n",
                fd->plan_step, fd->plan_segments);
        for (size_t g = 0; g < at->g; g++) {
            double size = NAN, sel = NAN, rate = NAN, ir = NAN, p = NAN;
            char b1[32], b2[32];
            seg_fairness_group_stat(fa, g, SEG_FAIRNESS_GROUP_SIZE, &size);
            seg_fairness_group_stat(fa, g, SEG_FAIRNESS_SELECTED, &sel);
            seg_fairness_group_stat(fa, g, SEG_FAIRNESS_SELECTION_RATE, &rate);
            seg_fairness_group_stat(fa, g, SEG_FAIRNESS_IMPACT_RATIO, &ir);
            seg_fairness_group_stat(fa, g, SEG_FAIRNESS_FISHER_P, &p);
            fprintf(f, "<tr><td>");
            report_escape(f, at->names[g]);
            fprintf(f, "</td><td>");
            report_escape(f, fair_count_text(fd, size, b1, sizeof b1));
            fprintf(f, "</td><td>");
            report_escape(f, fair_count_text(fd, sel, b2, sizeof b2));
            if (fair_suppressed(fd, size) || fair_suppressed(fd, sel) ||
                fair_suppressed(fd, size - sel))
                fprintf(f, "</td><td>-</td><td>-</td><td>-</td></tr>\n");
            else
                fprintf(f, "</td><td>%.1f %%</td><td>%.2f</td><td>%.2g</td></tr>\n", 100 * rate, ir,
                        p);
        }
        seg_fairness_stat(fa, SEG_FAIRNESS_ADVERSE_IMPACT_RATIO, &v);
        fprintf(f, "</table>\n<p>Adverse impact ratio %.3f%s.</p>\n", v,
                v < FAIR_FOUR_FIFTHS ? " (below 0.8: flagged)" : "");
    }
    for (int w = 0, r; (r = fair_warning(fd, a, w, buf, sizeof buf)) >= 0; w++)
        if (r) {
            fprintf(f, "<p class=\"warn\">Warning: ");
            report_escape(f, buf);
            fprintf(f, "</p>\n");
        }
}

void report_fairness(FILE *f, const summary *s)
{
    const fair_data *fd = s->fair;
    if (!fd)
        return;
    fprintf(f, "<section id=\"fairness\">\n<h2>Fairness and opt-out</h2>\n");
    if (fd->opt_out_column) {
        fprintf(f, "<p>Opt-out (column ");
        report_escape(f, fd->opt_out_column);
        fprintf(f,
                "): <b>%zu</b> customers opted out. They are segmented and counted in the "
                "profiles, never in a contact list or plan count.</p>\n",
                fd->opted);
    }
    if (fd->n_attr == 0) {
        fprintf(f, "</section>\n");
        return;
    }
    fprintf(f, "<p>Protected columns are never clustered; they are read only for this section. "
               "Cells: customers (share of the segment, representation ratio p(g|s)/p(g)); "
               "balance is min over groups of min(p(g|s)/p(g), p(g)/p(g|s)) (Chierichetti et "
               "al. 2017, Bera et al. 2019); the adverse impact ratio is the lowest group "
               "selection rate over the highest (four-fifths rule, 29 CFR 1607.4(D)).");
    if (fd->min_cell)
        fprintf(f, " Cells of fewer than %zu customers are shown as &lt; %zu.", fd->min_cell,
                fd->min_cell);
    fprintf(f, "</p>\n");
    for (size_t a = 0; a < fd->n_attr; a++)
        attr_section(f, fd, a);
    fprintf(f, "</section>\n");
}
