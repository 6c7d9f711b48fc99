/*
 * The Gaussian mixture a GMM model carries (mixture.c): weights,
 * covariances and what the density needs of them (the inverse Cholesky
 * factors, log determinants), the density's log per row and component, and
 * the model file's GMIX section. A model with a mixture labels a row by its
 * most probable component, not its nearest mean (predict.c). Not installed.
 */
#ifndef SEG_MIXTURE_H
#define SEG_MIXTURE_H

#include "core/bytes.h"
#include "core/core.h"

struct seg_mixture {
    int cov; /* seg_gmm_covariance */
    size_t k, d;
    double *weights;                 /* k, sum 1 */
    double *covariances;             /* full k d d, tied d d, diag k d, spherical k */
    double reg_covar;                /* added to the diagonal by the fit (recorded) */
    double log_likelihood, bic, aic; /* mean per training row; NaN if unknown */
    int64_t n_params;
    /* derived by seg_mixture_prepare() from the above and the means */
    double *linv;    /* full, tied: per component (tied: once) L^-1 (d x d, row-major),
                        L the lower Cholesky factor of the covariance */
    double *wmean;   /* full, tied: k x d, L^-1 mu_j */
    double *coef;    /* diag, spherical: k x 2d, [1/var, -2 mu/var] */
    double *cst;     /* diag, spherical: k, sum mu^2/var */
    double *lognorm; /* k: log w_j - log det(L_j) - d/2 log(2 pi) */
};

/* Values the covariances of type cov hold for k components of d features
 * (0 on overflow). */
size_t seg_mixture_cov_len(int cov, size_t k, size_t d);
/* sklearn's _n_parameters: means, covariances and k - 1 weights. */
int64_t seg_mixture_n_params(int cov, size_t k, size_t d);

/* A mixture with its arrays allocated (contents unset). */
int seg_mixture_new(struct seg_mixture **out, int cov, size_t k, size_t d);
void seg_mixture_free(struct seg_mixture *mx);
int seg_mixture_copy(const struct seg_mixture *mx, struct seg_mixture **out);

/* Derive linv/wmean/coef/cst/lognorm from the weights, covariances and the
 * means (k x d). SEG_ERR_TOO_FEW_POINTS naming the component when a
 * covariance is not positive definite (reg_covar too small for the data). */
int seg_mixture_prepare(struct seg_mixture *mx, const double *means);

/* Rows per block of the density's GEMMs: a function of cov, k and d only,
 * small enough that each GEMM stays on the calling thread. */
size_t seg_mixture_block_rows(int cov, size_t k, size_t d);
/* Scratch doubles seg_mixture_log_block() needs for a block of b rows. */
size_t seg_mixture_block_scratch(const struct seg_mixture *mx, size_t b);
/* out[i k + j] = log (w_j N(x_i | mu_j, Sigma_j)) for the b rows of x. */
void seg_mixture_log_block(const struct seg_mixture *mx, const double *x, size_t b, double *scratch,
                           double *out);
/* Turn one row's k log weighted densities into probabilities (in place, by
 * log-sum-exp) and return the row's log density. */
double seg_mixture_normalise(double *lp, size_t k);

/* Each row's component probabilities (n x k, or NULL) and argmax labels
 * (or NULL), and their distance to that component's mean (or NULL), on up
 * to `threads` library threads; the result does not depend on them. */
int seg_mixture_predict(const struct seg_mixture *mx, const double *means, const double *x,
                        size_t n, int64_t threads, double *proba, int32_t *labels,
                        double *distances);

/* The GMIX section's payload. */
void seg_mixture_write(wbuf *w, const struct seg_mixture *mx);
int seg_mixture_read(rbuf *r, size_t k, size_t d, const double *means, struct seg_mixture **out);

#endif
