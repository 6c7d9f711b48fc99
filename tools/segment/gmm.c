/*
 * seg segment --method gmm: Gaussian mixtures (seg_gmm_*) on the scaled
 * matrix. Without --k (and without --init FILE.npy) k is chosen by a BIC
 * sweep over --k-min .. --k-max: the k of lowest BIC, each k fitted from the
 * same seed. Labels are the most probable component; they feed the
 * profiles, summary and report as k-means labels do.
 */
#include "gmm.h"

#include "cli.h"
#include "out.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const covariance_names[] = {"full", "tied", "diag", "spherical"};

static int covariance_code(const char *s)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(s, covariance_names[i]) == 0)
            return i;
    return -1;
}

int gmm_option(opts *o, int id, const char *val)
{
    if (id == SEGMENT_COVARIANCE) {
        if (covariance_code(val) < 0)
            return usage_error("segment ",
                               "--covariance takes full, tied, diag or spherical, "
                               "not '%s'",
                               val);
        o->covariance = val;
    } else {
        if (!parse_real(val, &o->reg_covar) || !(o->reg_covar >= 0 && o->reg_covar <= 1e6))
            return usage_error("segment ", "--reg-covar takes a number from 0 to 1e6, not '%s'",
                               val);
        o->reg_covar_given = true;
    }
    return 0;
}

int gmm_check(const opts *o)
{
    const bool gmm = strcmp(o->method, "gmm") == 0;
    if (!gmm && (o->covariance || o->reg_covar_given))
        return usage_error("segment ", "%s", "--covariance and --reg-covar go with --method gmm");
    if (!gmm)
        return 0;
    if (o->memory)
        return usage_error("segment ", "%s",
                           "--method gmm fits in memory: it does not go with --memory");
    if (o->weight)
        return usage_error("segment ", "%s",
                           "--method gmm takes no row weights (--weight): scikit-learn's "
                           "GaussianMixture has none either");
    if (strcmp(o->dtype, "f64") != 0)
        return usage_error("segment ", "%s",
                           "--method gmm fits in double precision: no --dtype f32");
    if (strcmp(o->init, "random") == 0 || strcmp(o->init, "kmeans||") == 0)
        return usage_error("segment ",
                           "--method gmm starts from k-means (default) or --init FILE.npy means, "
                           "not --init %s",
                           o->init);
    return 0;
}

static int configure(const opts *o, seg_gmm *g, int64_t k)
{
    int rc = seg_gmm_set_int(g, SEG_GMM_K, k);
    if (rc == 0)
        rc = seg_gmm_set_int(g, SEG_GMM_COVARIANCE,
                             o->covariance ? covariance_code(o->covariance) : SEG_GMM_FULL);
    if (rc == 0)
        rc = seg_gmm_set_int(g, SEG_GMM_MAX_ITER, o->max_iter_given ? o->max_iter : 100);
    if (rc == 0)
        rc = seg_gmm_set_int(g, SEG_GMM_N_INIT, o->n_init);
    if (rc == 0)
        rc = seg_gmm_set_int(g, SEG_GMM_SEED, o->seed);
    if (rc == 0)
        rc = seg_gmm_set_int(g, SEG_GMM_THREADS, o->threads);
    if (rc == 0)
        rc = seg_gmm_set_double(g, SEG_GMM_TOL, o->tol_given ? o->tol : 1e-3);
    if (rc == 0)
        rc = seg_gmm_set_double(g, SEG_GMM_REG_COVAR, o->reg_covar_given ? o->reg_covar : 1e-6);
    return rc;
}

/* --init FILE.npy: the means (k x d) into g. */
static int given_means(const opts *o, seg_gmm *g)
{
    seg_dataset *c = NULL;
    int rc = seg_dataset_read_npy(&c, o->init);
    if (rc < 0)
        return rc;
    const size_t k = seg_dataset_rows(c), d = seg_dataset_columns(c);
    double *buf = malloc((k > 0 && d > 0 ? k * d : 1) * sizeof *buf);
    rc = buf ? seg_dataset_copy_f64(c, buf, k * d) : SEG_ERR_NOMEM;
    if (rc == 0)
        rc = seg_gmm_set_init_means_f64(g, buf, k, d);
    free(buf);
    seg_dataset_free(c);
    return rc;
}

static gmm_sweep *sweep_new(size_t k_min, size_t count)
{
    gmm_sweep *sw = calloc(1, sizeof *sw);
    if (!sw)
        return NULL;
    sw->k_min = k_min;
    sw->count = count;
    sw->bic = calloc(count, sizeof *sw->bic);
    sw->aic = calloc(count, sizeof *sw->aic);
    sw->ll = calloc(count, sizeof *sw->ll);
    if (!sw->bic || !sw->aic || !sw->ll) {
        free(sw->bic);
        free(sw->aic);
        free(sw->ll);
        free(sw);
        return NULL;
    }
    return sw;
}

void gmm_sweep_free(const summary *s)
{
    gmm_sweep *sw = (gmm_sweep *)s->gmm;
    if (!sw)
        return;
    free(sw->bic);
    free(sw->aic);
    free(sw->ll);
    free(sw);
}

/* How many of the scaler's features encode a categorical column. */
static size_t categorical_features(const seg_dataset *ds, const seg_scaler *sc)
{
    size_t count = 0;
    for (size_t j = 0; sc && j < seg_scaler_features(sc); j++) {
        const char *col = seg_scaler_feature_column(sc, j);
        for (size_t c = 0; col && c < seg_dataset_columns(ds); c++)
            if (strcmp(seg_dataset_column_name(ds, c), col) == 0) {
                count += seg_dataset_column_type(ds, c) == SEG_COLUMN_CATEGORICAL;
                break;
            }
    }
    return count;
}

int segment_gmm_fit(const opts *o, summary *s, int32_t *labels, double *dist, seg_model **out)
{
    /* A category constant within a component leaves its 0/1 feature a
     * variance of reg_covar only: the density, and with it the BIC, then
     * rewards splitting by category. Say so rather than let a sweep over k
     * look like a finding (docs/guide.md section 11). */
    const size_t onehot = categorical_features(s->ds, s->sc);
    if (onehot > 0 && !o->quiet)
        fprintf(stderr,
                "%s: warning: the mixture is fitted on %zu features of categorical columns; a "
                "category constant within a segment leaves its feature a variance of --reg-covar "
                "only, so the likelihood%s favours splits by category; cluster on numeric "
                "columns (--columns) or raise --reg-covar (docs/guide.md section 11)\n",
                progname, onehot, o->k_given ? "" : " and the BIC sweep over k");
    seg_gmm *g = NULL;
    seg_model *m = NULL;
    int64_t k = o->k;
    int rc = seg_gmm_new(&g);
    const bool npy = ends_with(o->init, ".npy");
    if (rc == 0 && npy)
        rc = given_means(o, g);
    if (rc == 0 && npy)
        rc = seg_gmm_get_int(g, SEG_GMM_K, &k);
    if (rc == 0 && !o->k_given && !npy) {
        /* the BIC sweep: each k from the same seed, the lowest BIC wins */
        const size_t count = (size_t)(o->k_max - o->k_min + 1);
        gmm_sweep *sw = sweep_new((size_t)o->k_min, count);
        if (!sw)
            rc = SEG_ERR_NOMEM;
        s->gmm = sw;
        for (size_t i = 0; rc == 0 && i < count; i++) {
            if ((size_t)o->k_min + i > s->n)
                break;
            if ((rc = configure(o, g, o->k_min + (int64_t)i)) == 0 &&
                (rc = seg_gmm_fit_f64(g, s->x, s->n, s->d, NULL, NULL, &m)) == 0 &&
                (rc = seg_model_gmm_stat(m, SEG_GMM_BIC, &sw->bic[i])) == 0 &&
                (rc = seg_model_gmm_stat(m, SEG_GMM_AIC, &sw->aic[i])) == 0)
                rc = seg_model_gmm_stat(m, SEG_GMM_LOG_LIKELIHOOD, &sw->ll[i]);
            seg_model_free(m);
            m = NULL;
            if (rc == 0 && sw->bic[i] < sw->bic[sw->chosen])
                sw->chosen = i;
            sw->count = i + 1;
        }
        k = o->k_min + (int64_t)(sw ? sw->chosen : 0);
    }
    if (rc == 0)
        rc = configure(o, g, k);
    if (rc == 0)
        rc = seg_gmm_fit_encoded_f64(g, s->ds, s->sc, s->x, s->n, s->d, NULL, labels, dist, out);
    seg_gmm_free(g);
    return rc;
}

void gmm_json(FILE *f, const summary *s)
{
    const int cov = seg_model_gmm_covariance(s->m);
    if (cov < 0)
        return;
    double v;
    fprintf(f, ",\n  \"method\": \"gmm\",\n  \"covariance\": \"%s\"", covariance_names[cov]);
    static const char *const names[] = {"log_likelihood", "bic", "aic", "n_parameters",
                                        "reg_covar"};
    for (int i = 0; i < 5; i++) {
        fprintf(f, ",\n  \"%s\": ", names[i]);
        json_number(f, seg_model_gmm_stat(s->m, (seg_gmm_stat)i, &v) == 0 ? v : NAN);
    }
    fprintf(f, ",\n  \"gmm_sweep\": ");
    const gmm_sweep *sw = s->gmm;
    if (!sw) {
        fprintf(f, "null");
        return;
    }
    fprintf(f, "{\"rule\": \"lowest BIC\", \"chosen_k\": %zu, \"k\": [", sw->k_min + sw->chosen);
    for (size_t i = 0; i < sw->count; i++) {
        fprintf(f, "%s\n    {\"k\": %zu, \"bic\": ", i ? "," : "", sw->k_min + i);
        json_number(f, sw->bic[i]);
        fprintf(f, ", \"aic\": ");
        json_number(f, sw->aic[i]);
        fprintf(f, ", \"log_likelihood\": ");
        json_number(f, sw->ll[i]);
        fputc('}', f);
    }
    fprintf(f, "]}");
}

void gmm_text(const summary *s)
{
    const int cov = seg_model_gmm_covariance(s->m);
    if (cov < 0)
        return;
    double ll = NAN, bic = NAN, aic = NAN;
    seg_model_gmm_stat(s->m, SEG_GMM_LOG_LIKELIHOOD, &ll);
    seg_model_gmm_stat(s->m, SEG_GMM_BIC, &bic);
    seg_model_gmm_stat(s->m, SEG_GMM_AIC, &aic);
    printf("Gaussian mixture (%s covariance): log-likelihood %.6g per customer, BIC %.6g, "
           "AIC %.6g\n",
           covariance_names[cov], ll, bic, aic);
    const gmm_sweep *sw = s->gmm;
    if (!sw)
        return;
    printf("k chosen by the lowest BIC over k = %zu .. %zu:\n", sw->k_min,
           sw->k_min + sw->count - 1);
    for (size_t i = 0; i < sw->count; i++)
        printf("  k = %-3zu BIC %-14.8g AIC %-14.8g log-likelihood %.6g%s\n", sw->k_min + i,
               sw->bic[i], sw->aic[i], sw->ll[i], i == sw->chosen ? "  <- chosen" : "");
}
