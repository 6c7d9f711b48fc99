/*
 * The HTML report's section on a Gaussian mixture (seg segment --method
 * gmm): the covariance type, the mean log-likelihood, BIC and AIC, and the
 * BIC sweep's table when k was chosen by it. Nothing for other models.
 */
#include "segment.h"

#include "gmm.h"
#include "report.h"

#include <math.h>

static const char *const covariance_words[] = {
    "full (each segment its own covariance matrix)", "tied (one covariance matrix for all)",
    "diagonal (one variance per segment and column)", "spherical (one variance per segment)"};

void report_gmm(FILE *f, const summary *s)
{
    const int cov = seg_model_gmm_covariance(s->m);
    char a[64], b[64], c[64];
    double ll = NAN, bic = NAN, aic = NAN;
    if (cov < 0)
        return;
    seg_model_gmm_stat(s->m, SEG_GMM_LOG_LIKELIHOOD, &ll);
    seg_model_gmm_stat(s->m, SEG_GMM_BIC, &bic);
    seg_model_gmm_stat(s->m, SEG_GMM_AIC, &aic);
    fprintf(f, "<section id=\"mixture\">\n<h2>Soft segments: a Gaussian mixture</h2>\n");
    fprintf(f,
            "<p>Each customer belongs to every segment with a probability; the segments "
            "shown are each customer's most probable one ('seg predict --proba' gives the "
            "probabilities). Covariance: %s. Log-likelihood per customer %s, BIC %s, AIC "
            "%s (lower is better).</p>\n",
            covariance_words[cov], report_number(a, sizeof a, ll, 4),
            report_number(b, sizeof b, bic, 1), report_number(c, sizeof c, aic, 1));
    const gmm_sweep *sw = s->gmm;
    if (sw) {
        fprintf(f, "<table>\n<tr><th>k</th><th>BIC</th><th>AIC</th><th>log-likelihood per "
                   "customer</th></tr>\n");
        for (size_t i = 0; i < sw->count; i++)
            fprintf(f, "<tr><td>%zu%s</td><td>%s</td><td>%s</td><td>%s</td></tr>\n", sw->k_min + i,
                    i == sw->chosen ? " (chosen)" : "", report_number(a, sizeof a, sw->bic[i], 1),
                    report_number(b, sizeof b, sw->aic[i], 1),
                    report_number(c, sizeof c, sw->ll[i], 4));
        fprintf(f, "</table>\n<p>k = %zu has the lowest BIC.</p>\n", sw->k_min + sw->chosen);
    }
    fprintf(f, "</section>\n");
}
