/*
 * The report's explanation section (issue 17): the segments as rules, the
 * leaves of the model's threshold tree, with the customers each matches and
 * how well the rules agree with the segments.
 */
#include <seg.h>

#include "explain.h"
#include "report.h"
#include "segment.h"

#include <math.h>
#include <stdlib.h>

/* The customers each leaf matches and how well the rules agree with the
 * segments, on the fit's encoded rows and labels: nothing is encoded again.
 * customers: nl zeroed counts. false when any of it could not be computed. */
bool explain_score_fit(const summary *s, size_t *customers, double *agreement,
                       double *cost_ratio)
{
    /* Rows go through the tree a block at a time, in double (the fit's
     * rows may be float): no copy of the whole matrix. Two passes: the
     * rules' segments and their means, then the cost about those means, as
     * seg_model_tree_score_f64() defines them. */
    enum { BLOCK = 4096 };
    const seg_model *m = s->m;
    const size_t n = s->n, d = s->d, k = s->k;
    double *xb = malloc(BLOCK * (d ? d : 1) * sizeof *xb);
    double *cent = malloc(k * (d ? d : 1) * sizeof *cent), *mean = calloc(k * d + 1, sizeof *mean);
    size_t *cnt = calloc(k, sizeof *cnt);
    int32_t *leaf = malloc(BLOCK * sizeof *leaf), *seg = malloc((n ? n : 1) * sizeof *seg);
    size_t agree = 0;
    double model_cost = 0, tree_cost = 0;
    bool ok = xb && cent && mean && cnt && leaf && seg && n &&
              seg_model_centroids_f64(m, cent, k * d) == 0;
    for (int pass = 0; ok && pass < 2; pass++) {
        for (size_t i0 = 0; ok && i0 < n; i0 += BLOCK) {
            const size_t b = n - i0 < BLOCK ? n - i0 : BLOCK;
            for (size_t q = 0; q < b * d; q++)
                xb[q] = s->f32 ? ((const float *)s->x)[i0 * d + q]
                               : ((const double *)s->x)[i0 * d + q];
            if (pass == 0 && seg_model_tree_assign_f64(m, xb, b, d, leaf) != 0) {
                ok = false;
                break;
            }
            for (size_t r = 0; r < b; r++) {
                const size_t i = i0 + r;
                const double *x = xb + r * d;
                if (pass == 0) {
                    customers[leaf[r]]++;
                    seg[i] = seg_model_tree_leaf_segment(m, (size_t)leaf[r]);
                    agree += seg[i] == s->labels[i];
                    cnt[seg[i]]++;
                    for (size_t j = 0; j < d; j++) {
                        const double e = x[j] - cent[(size_t)s->labels[i] * d + j];
                        mean[(size_t)seg[i] * d + j] += x[j];
                        model_cost += e * e;
                    }
                } else {
                    for (size_t j = 0; j < d; j++) {
                        const double e = x[j] - mean[(size_t)seg[i] * d + j];
                        tree_cost += e * e;
                    }
                }
            }
        }
        for (size_t c = 0; ok && pass == 0 && c < k; c++)
            for (size_t j = 0; cnt[c] && j < d; j++)
                mean[c * d + j] /= (double)cnt[c];
    }
    if (ok) {
        *agreement = (double)agree / (double)n;
        *cost_ratio = model_cost > 0 ? tree_cost / model_cost : (tree_cost > 0 ? INFINITY : 1.0);
    }
    free(xb);
    free(cent);
    free(mean);
    free(cnt);
    free(leaf);
    free(seg);
    return ok;
}

void report_explain(FILE *f, const summary *s)
{
    const seg_model *m = s->m;
    const size_t nl = seg_model_tree_leaves(m);
    if (!nl)
        return;
    size_t *customers = calloc(nl, sizeof *customers);
    double agreement = NAN, cost_ratio = NAN;
    const bool ok = customers && explain_score_fit(s, customers, &agreement, &cost_ratio);
    fprintf(f, "<section id=\"explain\">\n<h2>Segments as rules</h2>\n<p>A threshold tree (IMM) that sends each customer "
               "to a segment by a few thresholds on the columns, in their own units.");
    if (ok)
        fprintf(f,
                " The rules give %.1f %% of the customers their segment; the k-means cost "
                "of the rules' segments is %.3f times the model's.",
                100.0 * agreement, cost_ratio);
    fprintf(f, "</p>\n<table>\n<tr><th>rule</th><th>segment</th><th>customers</th></tr>\n");
    for (size_t l = 0; l < nl; l++) {
        char *rule = NULL, *target = NULL;
        size_t len = 0;
        FILE *mf = open_memstream(&rule, &len);
        if (mf) {
            explain_rule_text(mf, m, l);
            fclose(mf);
        }
        if ((mf = open_memstream(&target, &len))) {
            explain_target_text(mf, m, l);
            fclose(mf);
        }
        fprintf(f, "<tr><td>");
        report_escape(f, rule ? rule : "");
        fprintf(f, "</td><td>");
        report_escape(f, target ? target + 3 : ""); /* past "-> " */
        if (ok) {
            char num[48];
            fprintf(f, "</td><td>%s</td></tr>\n",
                    report_number(num, sizeof num, (double)customers[l], 0));
        }
        else
            fprintf(f, "</td><td></td></tr>\n");
        free(rule);
        free(target);
    }
    fprintf(f, "</table>\n</section>\n");
    free(customers);
}
