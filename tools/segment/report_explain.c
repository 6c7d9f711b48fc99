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
 * segments, on the fit's encoded rows and labels: nothing is encoded again,
 * and float rows are scored as they are (seg_model_tree_score_f32()).
 * customers: nl zeroed counts. false when any of it could not be computed. */
bool explain_score_fit(const summary *s, size_t *customers, double *agreement,
                       double *cost_ratio)
{
    const size_t n = s->n;
    if (s->tree_customers) { /* measured over seg-mpi's ranks */
        for (size_t l = 0; l < seg_model_tree_leaves(s->m); l++)
            customers[l] += s->tree_customers[l];
        *agreement = s->tree_agreement;
        *cost_ratio = s->tree_cost_ratio;
        return true;
    }
    int32_t *leaf = malloc((n ? n : 1) * sizeof *leaf);
    bool ok = leaf && n &&
              (s->f32 ? seg_model_tree_score_f32(s->m, s->x, n, s->d, s->labels, leaf,
                                                 agreement, cost_ratio)
                      : seg_model_tree_score_f64(s->m, s->x, n, s->d, s->labels, leaf,
                                                 agreement, cost_ratio)) == 0;
    for (size_t i = 0; ok && i < n; i++)
        customers[leaf[i]]++;
    free(leaf);
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
