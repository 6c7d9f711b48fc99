/*
 * 'seg migrate --report FILE.html': the movement of customers between the
 * segments of two snapshots, as a page in the style of the segment report
 * (segment/report.c; no network, no script, well-formed XML): a summary, each
 * segment's customers in OLD and NEW with those who stayed, joined or left,
 * the transition matrix as a heatmap shaded by the share of the old segment,
 * paired bars of the segment sizes, and the matrix as a table.
 */
#include "report.h"

#include "out.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define HEAT_WIDTH 640.0 /* pixels for the k columns of the heatmap */

static size_t row_total(const migration *mg, size_t i)
{
    size_t r = 0;
    for (size_t j = 0; j < mg->k; j++)
        r += mg->t[i * mg->k + j];
    return r;
}

static double share(size_t part, size_t whole)
{
    return whole ? (double)part / (double)whole : NAN;
}

static void segment_cell(FILE *f, size_t j)
{
    fprintf(f, "<td><span class=\"dot\" style=\"background:%s\"></span> %zu</td>",
            report_color(j), j);
}

static void segments_table(FILE *f, const migration *mg)
{
    fprintf(f, "<table><tr><th>segment</th><th>in OLD</th><th>in NEW</th><th>change</th>"
               "<th>stayed</th><th>left</th><th>joined</th><th>label</th></tr>\n");
    for (size_t j = 0; j < mg->k; j++) {
        const size_t stay = mg->t[j * mg->k + j], row = row_total(mg, j);
        fprintf(f, "<tr>");
        segment_cell(f, j);
        fprintf(f, "<td>%zu</td><td>%zu</td><td>%+lld</td><td>%zu (%.1f %%)</td><td>%zu</td>"
                   "<td>%zu</td><td>",
                mg->in_old[j], mg->in_new[j], (long long)mg->in_new[j] - (long long)mg->in_old[j],
                stay, 100 * share(stay, row), mg->left[j], mg->joined[j]);
        const char *label = seg_model_segment_label(mg->m, j);
        report_escape(f, label ? label : "");
        fprintf(f, "</td></tr>\n");
    }
    fprintf(f, "</table>\n<p>Stayed: customers in both snapshots whose segment did not change "
               "(share of the segment's customers in both); left: in OLD only; joined: in NEW "
               "only.</p>\n");
}

/* Cell colour for a share s in [0, 1]: white to the palette's blue. */
static void shade(double s, int rgb[3])
{
    static const int to[3] = {0x4e, 0x79, 0xa7};
    s = isnan(s) ? 0 : s < 0 ? 0 : s > 1 ? 1 : s;
    for (int c = 0; c < 3; c++)
        rgb[c] = (int)lround(255 + (to[c] - 255) * s);
}

static void heatmap(FILE *f, const migration *mg)
{
    const size_t k = mg->k;
    double cell = HEAT_WIDTH / (double)k;
    cell = cell > 64 ? 64 : cell < 4 ? 4 : cell;
    const double left = 90, top = 60, side = cell * (double)k;
    const bool text = cell >= 40;
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
            "role=\"img\"><title>Transition matrix: share of each OLD segment's customers in "
            "each NEW segment</title>\n",
            left + side + 20, top + side + 30);
    fprintf(f,
            "<text x=\"%.1f\" y=\"16\" font-size=\"12\" text-anchor=\"middle\">segment in NEW"
            "</text>\n<text transform=\"translate(14,%.1f) rotate(-90)\" font-size=\"12\" "
            "text-anchor=\"middle\">segment in OLD</text>\n",
            left + side / 2, top + side / 2);
    for (size_t j = 0; j < k; j++) {
        const double c = left + cell * ((double)j + 0.5), r = top + cell * ((double)j + 0.5);
        fprintf(f,
                "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"/><circle cx=\"%.1f\" "
                "cy=\"%.1f\" r=\"4\" fill=\"%s\"/>\n",
                c, top - 26, report_color(j), left - 40, r, report_color(j));
        if (cell >= 14)
            fprintf(f,
                    "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"middle\">%zu"
                    "</text><text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\">%zu"
                    "</text>\n",
                    c, top - 8, j, left - 6, r + 3, j);
    }
    for (size_t i = 0; i < k; i++) {
        const size_t row = row_total(mg, i);
        for (size_t j = 0; j < k; j++) {
            const size_t n = mg->t[i * k + j];
            const double s = share(n, row);
            int rgb[3];
            shade(s, rgb);
            fprintf(f,
                    "<rect class=\"cell\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                    "fill=\"#%02x%02x%02x\" stroke=\"%s\" data-count=\"%zu\"><title>OLD %zu to "
                    "NEW %zu: %zu customers (%.1f %% of OLD segment %zu)</title></rect>\n",
                    left + cell * (double)j, top + cell * (double)i, cell, cell, rgb[0], rgb[1],
                    rgb[2], i == j ? "#222" : "#fff", n, i, j, n, 100 * (isnan(s) ? 0 : s), i);
            if (text && n)
                fprintf(f,
                        "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"middle\" "
                        "fill=\"%s\">%zu<tspan x=\"%.1f\" dy=\"12\">%.0f %%</tspan></text>\n",
                        left + cell * ((double)j + 0.5), top + cell * ((double)i + 0.5) - 2,
                        s > 0.55 ? "#fff" : "#222", n, left + cell * ((double)j + 0.5), 100 * s);
        }
    }
    fprintf(f, "</svg>\n<p>Row i, column j: customers in segment i in OLD and segment j in NEW, "
               "shaded by their share of row i (the diagonal, outlined, stayed).</p>\n");
}

/* Paired bars: each segment's customers in OLD (pale) and NEW. */
static void sizes_chart(FILE *f, const migration *mg)
{
    const size_t k = mg->k;
    size_t top = 1;
    for (size_t j = 0; j < k; j++) {
        top = mg->in_old[j] > top ? mg->in_old[j] : top;
        top = mg->in_new[j] > top ? mg->in_new[j] : top;
    }
    const double left = 40, base = 230, height = 180;
    double slot = 800.0 / (double)k;
    slot = slot > 90 ? 90 : slot;
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"270\" "
            "role=\"img\"><title>Customers per segment in OLD and NEW</title>\n"
            "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#888\"/>\n",
            left + slot * (double)k + 20, left, left + slot * (double)k, base, base);
    for (size_t j = 0; j < k; j++) {
        const double x = left + slot * (double)j, w = slot * 0.38;
        const double ho = height * (double)mg->in_old[j] / (double)top,
                     hn = height * (double)mg->in_new[j] / (double)top;
        fprintf(f,
                "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" "
                "fill-opacity=\"0.4\"><title>segment %zu in OLD: %zu</title></rect>"
                "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">"
                "<title>segment %zu in NEW: %zu</title></rect>\n",
                x + slot * 0.1, base - ho, w, ho, report_color(j), j, mg->in_old[j],
                x + slot * 0.1 + w, base - hn, w, hn, report_color(j), j, mg->in_new[j]);
        if (slot >= 14)
            fprintf(f,
                    "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"middle\">%zu"
                    "</text>\n",
                    x + slot * 0.1 + w, base + 14, j);
        if (slot >= 60)
            fprintf(f,
                    "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" text-anchor=\"middle\">%zu"
                    "</text><text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" "
                    "text-anchor=\"middle\">%zu</text>\n",
                    x + slot * 0.1 + w / 2, base - ho - 3, mg->in_old[j],
                    x + slot * 0.1 + 1.5 * w, base - hn - 3, mg->in_new[j]);
    }
    fprintf(f, "</svg>\n<p>Each segment: customers in OLD (pale) and in NEW (solid), "
               "largest %zu.</p>\n",
            top);
}

static void matrix_table(FILE *f, const migration *mg)
{
    const size_t k = mg->k;
    fprintf(f, "<table class=\"transitions\"><tr><th>OLD \\ NEW</th>");
    for (size_t j = 0; j < k; j++)
        fprintf(f, "<th>%zu</th>", j);
    fprintf(f, "<th>in both</th></tr>\n");
    for (size_t i = 0; i < k; i++) {
        const size_t row = row_total(mg, i);
        fprintf(f, "<tr>");
        segment_cell(f, i);
        for (size_t j = 0; j < k; j++) {
            const size_t n = mg->t[i * k + j];
            fprintf(f, "<td data-count=\"%zu\">%zu", n, n);
            if (row)
                fprintf(f, " (%.1f %%)", 100 * share(n, row));
            fprintf(f, "</td>");
        }
        fprintf(f, "<td>%zu</td></tr>\n", row);
    }
    fprintf(f, "</table>\n");
}

int write_migration_report(FILE *f, const migration *mg)
{
    const size_t k = mg->k;
    size_t both = 0, joined = 0, left = 0, stayed = 0;
    for (size_t i = 0; i < k; i++) {
        both += row_total(mg, i);
        stayed += mg->t[i * k + i];
        joined += mg->joined[i];
        left += mg->left[i];
    }
    const size_t len = strlen(mg->files[1]) + strlen(mg->files[2]) + 8;
    char *subject = malloc(len);
    if (!subject) {
        errno = ENOMEM;
        return -1;
    }
    snprintf(subject, len, "%s to %s", mg->files[1], mg->files[2]);
    report_head(f, "Customer migration", subject);
    free(subject);
    fprintf(f, "<p>From ");
    report_escape(f, mg->files[1]);
    fprintf(f, " to ");
    report_escape(f, mg->files[2]);
    fprintf(f, ", both scored with ");
    report_escape(f, mg->files[0]);
    fprintf(f,
            " (k = %zu): <b>%zu</b> customers in both snapshots, of whom %zu (%.1f %%) stayed "
            "in their segment and %zu moved; %zu joined (in NEW only), %zu left (in OLD only). "
            "libseg %s.</p>\n",
            k, both, stayed, 100 * share(stayed, both), both - stayed, joined, left,
            seg_version_string());
    if (seg_model_min_profile_size(mg->m)) {
        fprintf(f, "<p class=\"warn\">");
        print_withheld(f, mg->m);
        fprintf(f, "</p>\n");
    }
    segments_table(f, mg);
    fprintf(f, "<h2>Where each segment's customers went</h2>\n");
    heatmap(f, mg);
    fprintf(f, "<h2>Segment sizes, OLD and NEW</h2>\n");
    sizes_chart(f, mg);
    fprintf(f, "<h2>Transition matrix</h2>\n");
    matrix_table(f, mg);
    fprintf(f, "</body>\n</html>\n");
    return ferror(f) ? -1 : 0;
}
