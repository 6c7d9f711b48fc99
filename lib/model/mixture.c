/*
 * The Gaussian mixture of a GMM model: its density in log space, rows in
 * blocks through the GEMM wrappers (kernel/gemm.h), and its model-file
 * section. The fit (cluster/gmm.c) and predict (predict.c) both score rows
 * here, so a saved model gives the fit's probabilities.
 *
 * Full and tied covariances: with Sigma = L L^T (Cholesky), the squared
 * Mahalanobis distance is |L^-1 x - L^-1 mu|^2, one GEMM of the block by
 * L^-1 per component (tied: one for all). Diagonal and spherical: the
 * distance is sum x^2/var - 2 x mu/var + mu^2/var, one GEMM of the block's
 * [x^2, x] by the k x 2d coefficients. Distances are clamped at zero.
 */
#include "model/mixture.h"
#include "kernel/gemm.h"
#include "model/model.h"

#include <seg.h>
#include <stdio.h>
#include <string.h>

#define LOG_2PI 1.8378770664093454836
/* OpenBLAS runs a GEMM of at most 65536 x 4 multiply-adds on the calling
 * thread (OPENBLAS_GEMM_MULTITHREAD_THRESHOLD's default): blocks stay under
 * it, so the library's threads never start BLAS threads of their own. */
#define GEMM_ONE_THREAD ((size_t)65536 * 4)

size_t seg_mixture_block_rows(int cov, size_t k, size_t d)
{
    const size_t per_row = cov == SEG_GMM_FULL   ? k * d * d
                           : cov == SEG_GMM_TIED ? d * d
                                                 : 2 * k * d;
    size_t b = per_row ? GEMM_ONE_THREAD / per_row : 256;
    return b < 16 ? 16 : b > 256 ? 256 : b;
}

size_t seg_mixture_cov_len(int cov, size_t k, size_t d)
{
    size_t dd, out;
    switch (cov) {
    case SEG_GMM_FULL:
        return seg_mul_ok(d, d, &dd) && seg_mul_ok(dd, k, &out) ? out : 0;
    case SEG_GMM_TIED:
        return seg_mul_ok(d, d, &dd) ? dd : 0;
    case SEG_GMM_DIAG:
        return seg_mul_ok(k, d, &out) ? out : 0;
    default:
        return k;
    }
}

int64_t seg_mixture_n_params(int cov, size_t k, size_t d)
{
    const double kd = (double)k, dd = (double)d;
    double c = cov == SEG_GMM_FULL   ? kd * dd * (dd + 1) / 2
               : cov == SEG_GMM_TIED ? dd * (dd + 1) / 2
               : cov == SEG_GMM_DIAG ? kd * dd
                                     : kd;
    return (int64_t)(c + kd * dd + kd - 1);
}

void seg_mixture_free(struct seg_mixture *mx)
{
    if (!mx)
        return;
    seg_free(mx->weights);
    seg_free(mx->covariances);
    seg_free(mx->linv);
    seg_free(mx->wmean);
    seg_free(mx->coef);
    seg_free(mx->cst);
    seg_free(mx->lognorm);
    seg_free(mx);
}

int seg_mixture_new(struct seg_mixture **out, int cov, size_t k, size_t d)
{
    *out = NULL;
    const size_t len = seg_mixture_cov_len(cov, k, d);
    size_t kd, k2d;
    if (!len || !seg_mul_ok(k, d, &kd) || !seg_mul_ok(kd, 2, &k2d))
        return seg_fail(SEG_ERR_OVERFLOW, "a mixture of %zu components of %zu features overflows",
                        k, d);
    struct seg_mixture *mx = seg_calloc(1, sizeof *mx);
    if (!mx)
        return SEG_NOMEM();
    mx->cov = cov;
    mx->k = k;
    mx->d = d;
    mx->log_likelihood = mx->bic = mx->aic = NAN;
    mx->n_params = seg_mixture_n_params(cov, k, d);
    mx->weights = seg_malloc_array(k, sizeof(double));
    mx->covariances = seg_malloc_array(len, sizeof(double));
    mx->lognorm = seg_malloc_array(k, sizeof(double));
    bool ok = mx->weights && mx->covariances && mx->lognorm;
    if (cov == SEG_GMM_FULL || cov == SEG_GMM_TIED) {
        mx->linv = seg_malloc_array(len, sizeof(double));
        mx->wmean = seg_malloc_array(kd, sizeof(double));
        ok = ok && mx->linv && mx->wmean;
    } else {
        mx->coef = seg_malloc_array(k2d, sizeof(double));
        mx->cst = seg_malloc_array(k, sizeof(double));
        ok = ok && mx->coef && mx->cst;
    }
    if (!ok) {
        seg_mixture_free(mx);
        return SEG_NOMEM();
    }
    *out = mx;
    return SEG_OK;
}

int seg_mixture_copy(const struct seg_mixture *mx, struct seg_mixture **out)
{
    int rc = seg_mixture_new(out, mx->cov, mx->k, mx->d);
    if (rc < 0)
        return rc;
    struct seg_mixture *c = *out;
    const size_t len = seg_mixture_cov_len(mx->cov, mx->k, mx->d), kd = mx->k * mx->d;
    memcpy(c->weights, mx->weights, mx->k * sizeof(double));
    memcpy(c->covariances, mx->covariances, len * sizeof(double));
    memcpy(c->lognorm, mx->lognorm, mx->k * sizeof(double));
    if (c->linv) {
        memcpy(c->linv, mx->linv, len * sizeof(double));
        memcpy(c->wmean, mx->wmean, kd * sizeof(double));
    } else {
        memcpy(c->coef, mx->coef, 2 * kd * sizeof(double));
        memcpy(c->cst, mx->cst, mx->k * sizeof(double));
    }
    c->reg_covar = mx->reg_covar;
    c->log_likelihood = mx->log_likelihood;
    c->bic = mx->bic;
    c->aic = mx->aic;
    return SEG_OK;
}

/* linv = L^-1 of the symmetric positive definite a (d x d); log det L into
 * *logdet. false when a is not positive definite. */
static bool inverse_cholesky(const double *a, size_t d, double *linv, double *logdet, double *l)
{
    double ld = 0;
    for (size_t i = 0; i < d; i++) {
        for (size_t j = 0; j <= i; j++) {
            double s = a[i * d + j];
            for (size_t p = 0; p < j; p++)
                s -= l[i * d + p] * l[j * d + p];
            if (i == j) {
                if (!(s > 0) || !isfinite(s))
                    return false;
                l[i * d + i] = sqrt(s);
                ld += log(l[i * d + i]);
            } else
                l[i * d + j] = s / l[j * d + j];
        }
    }
    /* forward substitution, one column of the identity at a time */
    memset(linv, 0, d * d * sizeof *linv);
    for (size_t c = 0; c < d; c++)
        for (size_t i = c; i < d; i++) {
            double s = i == c ? 1.0 : 0.0;
            for (size_t p = c; p < i; p++)
                s -= l[i * d + p] * linv[p * d + c];
            linv[i * d + c] = s / l[i * d + i];
        }
    *logdet = ld;
    return true;
}

static int not_positive(size_t j, const struct seg_mixture *mx)
{
    return seg_fail(SEG_ERR_TOO_FEW_POINTS,
                    "the covariance of component %zu is not positive definite even with "
                    "reg_covar %g added to its diagonal (a component of too few or identical "
                    "rows): raise reg_covar, lower k or drop constant columns",
                    j + 1, mx->reg_covar);
}

int seg_mixture_prepare(struct seg_mixture *mx, const double *means)
{
    const size_t k = mx->k, d = mx->d;
    for (size_t j = 0; j < k; j++)
        if (!(mx->weights[j] > 0) || !isfinite(mx->weights[j]))
            return seg_fail(SEG_ERR_FORMAT, "mixture weight %zu is %g", j + 1, mx->weights[j]);
    if (mx->cov == SEG_GMM_FULL || mx->cov == SEG_GMM_TIED) {
        double *l = seg_malloc_array(d * d, sizeof *l);
        if (!l)
            return SEG_NOMEM();
        const size_t nf = mx->cov == SEG_GMM_FULL ? k : 1;
        double ld[1] = {0}, logdet = 0;
        for (size_t f = 0; f < nf; f++) {
            if (!inverse_cholesky(mx->covariances + f * d * d, d, mx->linv + f * d * d, &logdet,
                                  l)) {
                seg_free(l);
                return not_positive(f, mx);
            }
            if (mx->cov == SEG_GMM_FULL)
                mx->lognorm[f] = -logdet;
            else
                ld[0] = -logdet;
        }
        seg_free(l);
        for (size_t j = 0; j < k; j++) {
            const double *li = mx->linv + (mx->cov == SEG_GMM_FULL ? j * d * d : 0);
            for (size_t r = 0; r < d; r++) {
                double s = 0;
                for (size_t c = 0; c <= r; c++)
                    s += li[r * d + c] * means[j * d + c];
                mx->wmean[j * d + r] = s;
            }
            if (mx->cov == SEG_GMM_TIED)
                mx->lognorm[j] = ld[0];
        }
    } else {
        for (size_t j = 0; j < k; j++) {
            double cst = 0, logdet = 0;
            for (size_t c = 0; c < d; c++) {
                const double var =
                    mx->cov == SEG_GMM_DIAG ? mx->covariances[j * d + c] : mx->covariances[j];
                if (!(var > 0) || !isfinite(var))
                    return not_positive(j, mx);
                const double mu = means[j * d + c];
                mx->coef[j * 2 * d + c] = 1.0 / var;
                mx->coef[j * 2 * d + d + c] = -2.0 * mu / var;
                cst += mu * mu / var;
                logdet += 0.5 * log(var);
            }
            mx->cst[j] = cst;
            mx->lognorm[j] = -logdet;
        }
    }
    for (size_t j = 0; j < k; j++)
        mx->lognorm[j] += log(mx->weights[j]) - 0.5 * (double)d * LOG_2PI;
    return SEG_OK;
}

size_t seg_mixture_block_scratch(const struct seg_mixture *mx, size_t b)
{
    /* full: the block whitened by every component (b x k d); tied: by the
     * one (b x d); diag, spherical: [x^2, x] (b x 2d) */
    return mx->cov == SEG_GMM_FULL ? b * mx->k * mx->d : b * mx->d * 2;
}

void seg_mixture_log_block(const struct seg_mixture *mx, const double *x, size_t b, double *scratch,
                           double *out)
{
    const size_t k = mx->k, d = mx->d;
    if (mx->cov == SEG_GMM_FULL || mx->cov == SEG_GMM_TIED) {
        /* full: the k factors stacked are one (k d) x d matrix, one GEMM */
        double *y = scratch;
        const size_t w = mx->cov == SEG_GMM_FULL ? k * d : d;
        seg_gemm_nt_f64(b, w, d, 1.0, x, mx->linv, y);
        for (size_t i = 0; i < b; i++)
            for (size_t j = 0; j < k; j++) {
                const double *yi = y + i * w + (mx->cov == SEG_GMM_FULL ? j * d : 0);
                const double *wm = mx->wmean + j * d;
                double s = 0;
                for (size_t c = 0; c < d; c++) {
                    const double t = yi[c] - wm[c];
                    s += t * t;
                }
                out[i * k + j] = mx->lognorm[j] - 0.5 * s;
            }
        return;
    }
    double *z = scratch;
    for (size_t i = 0; i < b; i++)
        for (size_t c = 0; c < d; c++) {
            const double v = x[i * d + c];
            z[i * 2 * d + c] = v * v;
            z[i * 2 * d + d + c] = v;
        }
    seg_gemm_nt_f64(b, k, 2 * d, 1.0, z, mx->coef, out);
    for (size_t i = 0; i < b; i++)
        for (size_t j = 0; j < k; j++) {
            double s = out[i * k + j] + mx->cst[j];
            out[i * k + j] = mx->lognorm[j] - 0.5 * (s > 0 ? s : 0);
        }
}

double seg_mixture_normalise(double *lp, size_t k)
{
    double mx = -INFINITY;
    for (size_t j = 0; j < k; j++)
        if (lp[j] > mx)
            mx = lp[j];
    /* A component 50 nats below the most probable one weighs under 2e-22
     * of it: its probability is 0 (the sum, at least 1, cannot tell the
     * difference even for 10^5 such components), and its exp() is saved. */
    double s = 0;
    for (size_t j = 0; j < k; j++) {
        const double t = lp[j] - mx;
        s += lp[j] = t < -50 ? 0.0 : exp(t);
    }
    const double inv = 1.0 / s;
    for (size_t j = 0; j < k; j++)
        lp[j] *= inv;
    return mx + log(s);
}

int seg_mixture_predict(const struct seg_mixture *mx, const double *means, const double *x,
                        size_t n, int64_t threads, double *proba, int32_t *labels,
                        double *distances)
{
    const size_t BLOCK = seg_mixture_block_rows(mx->cov, mx->k, mx->d);
    const size_t k = mx->k, d = mx->d, blocks = (n + BLOCK - 1) / BLOCK;
    int nt = seg_threads_resolve(threads);
    if ((size_t)nt > blocks)
        nt = blocks ? (int)blocks : 1;
    const size_t per = seg_mixture_block_scratch(mx, BLOCK) + (size_t)BLOCK * k;
    size_t bytes;
    if (!seg_mul_ok(per, (size_t)nt, &bytes))
        return seg_fail(SEG_ERR_OVERFLOW, "the mixture's scratch overflows");
    double *scratch = seg_malloc_array(bytes ? bytes : 1, sizeof *scratch);
    if (!scratch)
        return SEG_NOMEM();
    if (nt > 1)
        nt = seg_threads_startable(nt);
    int bad = 0;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) num_threads(nt) reduction(| : bad)
#endif
    for (size_t bi = 0; bi < blocks; bi++) {
        double *s = scratch + (size_t)SEG_THREAD_ID() * per, *lp = s + per - (size_t)BLOCK * k;
        const size_t b0 = bi * BLOCK, b = n - b0 < BLOCK ? n - b0 : BLOCK;
        seg_mixture_log_block(mx, x + b0 * d, b, s, lp);
        for (size_t i = 0; i < b; i++) {
            double *row = lp + i * k;
            if (!isfinite(seg_mixture_normalise(row, k)))
                bad = 1;
            size_t best = 0;
            for (size_t j = 1; j < k; j++)
                if (row[j] > row[best])
                    best = j;
            if (proba)
                memcpy(proba + (b0 + i) * k, row, k * sizeof *row);
            if (labels)
                labels[b0 + i] = (int32_t)best;
            if (distances) {
                double q = 0;
                for (size_t c = 0; c < d; c++) {
                    const double t = x[(b0 + i) * d + c] - means[best * d + c];
                    q += t * t;
                }
                distances[b0 + i] = sqrt(q);
            }
        }
    }
    seg_free(scratch);
    return bad ? seg_fail(SEG_ERR_NONFINITE, "a row's density under the mixture is not finite "
                                             "(its values are extreme for the scaling)")
               : SEG_OK;
}

void seg_mixture_write(wbuf *w, const struct seg_mixture *mx)
{
    const size_t len = seg_mixture_cov_len(mx->cov, mx->k, mx->d);
    seg_wb_u32(w, (uint32_t)mx->cov);
    seg_wb_f64(w, mx->reg_covar);
    seg_wb_f64(w, mx->log_likelihood);
    seg_wb_f64(w, mx->bic);
    seg_wb_f64(w, mx->aic);
    for (size_t j = 0; j < mx->k; j++)
        seg_wb_f64(w, mx->weights[j]);
    for (size_t i = 0; i < len; i++)
        seg_wb_f64(w, mx->covariances[i]);
}

int seg_mixture_read(rbuf *r, size_t k, size_t d, const double *means, struct seg_mixture **out)
{
    *out = NULL;
    const uint32_t cov = seg_rb_u32(r);
    if (r->bad || cov > SEG_GMM_SPHERICAL)
        return seg_fail(SEG_ERR_FORMAT, "model file: GMIX covariance type %u unknown", cov);
    const size_t len = seg_mixture_cov_len((int)cov, k, d);
    if (!len || r->len - r->pos != (4 * 8 + k * 8 + len * 8))
        return seg_fail(SEG_ERR_FORMAT, "model file: GMIX has the wrong length");
    struct seg_mixture *mx;
    int rc = seg_mixture_new(&mx, (int)cov, k, d);
    if (rc < 0)
        return rc;
    mx->reg_covar = seg_rb_f64(r);
    mx->log_likelihood = seg_rb_f64(r);
    mx->bic = seg_rb_f64(r);
    mx->aic = seg_rb_f64(r);
    double sum = 0;
    for (size_t j = 0; j < k; j++)
        sum += mx->weights[j] = seg_rb_f64(r);
    for (size_t i = 0; i < len; i++)
        if (!isfinite(mx->covariances[i] = seg_rb_f64(r)))
            rc = seg_fail(SEG_ERR_FORMAT, "model file: GMIX covariance value %zu is not finite", i);
    if (rc == SEG_OK && !(fabs(sum - 1) < 1e-9))
        rc = seg_fail(SEG_ERR_FORMAT, "model file: GMIX weights add up to %.17g, not 1", sum);
    if (rc == SEG_OK && (rc = seg_mixture_prepare(mx, means)) < 0) {
        char why[512];
        snprintf(why, sizeof why, "%s", seg_last_error());
        rc = seg_fail(SEG_ERR_FORMAT, "model file: GMIX: %s", why);
    }
    if (rc < 0) {
        seg_mixture_free(mx);
        return rc;
    }
    *out = mx;
    return SEG_OK;
}

/* ---- the public accessors of a mixture model ------------------------------------ */

int seg_model_gmm_covariance(const seg_model *m)
{
    return m && m->mixture ? m->mixture->cov : -1;
}

static int no_mixture(const seg_model *m)
{
    if (!m)
        return seg_fail(SEG_ERR_INVALID_ARG, "the model is NULL");
    return seg_fail(SEG_ERR_STATE, "the model is not a Gaussian mixture");
}

int seg_model_gmm_stat(const seg_model *m, seg_gmm_stat what, double *value)
{
    if (!m || !m->mixture)
        return no_mixture(m);
    if (!value)
        return seg_fail(SEG_ERR_INVALID_ARG, "value is NULL");
    const struct seg_mixture *mx = m->mixture;
    switch (what) {
    case SEG_GMM_LOG_LIKELIHOOD:
        *value = mx->log_likelihood;
        return SEG_OK;
    case SEG_GMM_BIC:
        *value = mx->bic;
        return SEG_OK;
    case SEG_GMM_AIC:
        *value = mx->aic;
        return SEG_OK;
    case SEG_GMM_N_PARAMETERS:
        *value = (double)mx->n_params;
        return SEG_OK;
    case SEG_GMM_REG_COVAR_USED:
        *value = mx->reg_covar;
        return SEG_OK;
    }
    return seg_fail(SEG_ERR_INVALID_ARG, "unknown seg_gmm_stat %d", (int)what);
}

int seg_model_gmm_weights(const seg_model *m, double *out, size_t len)
{
    if (!m || !m->mixture)
        return no_mixture(m);
    if (!out)
        return seg_fail(SEG_ERR_INVALID_ARG, "out is NULL");
    if (len != m->k)
        return seg_fail(SEG_ERR_MISMATCH, "len is %zu, the model has %zu components", len, m->k);
    memcpy(out, m->mixture->weights, len * sizeof *out);
    return SEG_OK;
}

int64_t seg_model_gmm_covariances(const seg_model *m, double *out, size_t len)
{
    if (!m || !m->mixture)
        return no_mixture(m);
    const size_t need = seg_mixture_cov_len(m->mixture->cov, m->k, m->d);
    if (out && len != need)
        return seg_fail(SEG_ERR_MISMATCH, "len is %zu, the covariances are %zu values", len, need);
    if (out)
        memcpy(out, m->mixture->covariances, need * sizeof *out);
    return (int64_t)need;
}
