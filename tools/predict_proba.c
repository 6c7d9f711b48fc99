/*
 * seg predict --proba: the probabilities a Gaussian mixture model
 * (seg segment --method gmm) gives each row, by seg_predictor_proba_dataset().
 * The labels of the same run are the most probable segments
 * (seg_predictor_run_dataset() labels a mixture's rows that way).
 */
#include "predict_proba.h"

#include "out.h"

#include <math.h>
#include <stdlib.h>

int predict_proba(const seg_model *m, const seg_dataset *ds, int64_t threads, double **out)
{
    seg_predictor *p = NULL;
    const size_t n = seg_dataset_rows(ds), k = seg_model_k(m);
    *out = NULL;
    double *proba = malloc((n ? n : 1) * k * sizeof *proba);
    int rc = proba ? seg_predictor_new(&p, m) : SEG_ERR_NOMEM;
    if (rc == 0 && (rc = seg_predictor_set_int(p, SEG_PREDICTOR_THREADS, threads)) == 0)
        rc = seg_predictor_proba_dataset(p, ds, proba, n * k);
    seg_predictor_free(p);
    if (rc < 0) {
        free(proba);
        return rc;
    }
    *out = proba;
    return 0;
}

int write_proba_csv(FILE *f, const seg_dataset *ds, const int32_t *labels, const double *proba,
                    size_t n, size_t k)
{
    const bool has_id = seg_dataset_id_name(ds) != NULL;
    fputs("id,segment", f);
    for (size_t j = 0; j < k; j++)
        fprintf(f, ",p_%zu", j);
    fputc('\n', f);
    for (size_t i = 0; i < n; i++) {
        if (has_id) {
            const char *id = seg_dataset_id(ds, i);
            write_id(f, id ? id : "");
        } else {
            fprintf(f, "%zu", i + 1);
        }
        fprintf(f, ",%d", (int)labels[i]);
        for (size_t j = 0; j < k; j++)
            fprintf(f, ",%.17g", proba[i * k + j]);
        fputc('\n', f);
    }
    return ferror(f) ? -1 : 0;
}

static const char *const covariance_names[] = {"full", "tied", "diag", "spherical"};

void gmm_info_text(const seg_model *m)
{
    const int cov = seg_model_gmm_covariance(m);
    double ll = NAN, bic = NAN, aic = NAN;
    if (cov < 0)
        return;
    seg_model_gmm_stat(m, SEG_GMM_LOG_LIKELIHOOD, &ll);
    seg_model_gmm_stat(m, SEG_GMM_BIC, &bic);
    seg_model_gmm_stat(m, SEG_GMM_AIC, &aic);
    printf("Gaussian mixture (%s covariance): log-likelihood %.6g per customer, BIC %.6g, "
           "AIC %.6g; labels are the most probable segments\n",
           covariance_names[cov], ll, bic, aic);
}

void gmm_info_json(const seg_model *m)
{
    const int cov = seg_model_gmm_covariance(m);
    double v;
    if (cov < 0)
        return;
    printf(",\n  \"method\": \"gmm\",\n  \"covariance\": \"%s\"", covariance_names[cov]);
    static const char *const names[] = {"log_likelihood", "bic", "aic"};
    for (int i = 0; i < 3; i++) {
        printf(",\n  \"%s\": ", names[i]);
        json_number(stdout, seg_model_gmm_stat(m, (seg_gmm_stat)i, &v) == 0 ? v : NAN);
    }
}
