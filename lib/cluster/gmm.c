/*
 * Gaussian mixtures by EM in log space (scikit-learn's GaussianMixture):
 * covariance full, tied, diag or spherical; reg_covar added to every
 * variance; stop when the mean log-likelihood lower bound changes by less
 * than tol; k-means initialisation (responsibilities one-hot from a k-means
 * fit, init_params='kmeans') or given means.
 *
 * One pass over the rows per iteration: the E-step of the current mixture
 * (model/mixture.c, GEMM per block) and, from its responsibilities, the
 * sums the M-step needs, about the data's mean (so that the variances do
 * not lose digits to a far origin). Rows are cut into chunks that depend
 * only on n, k and d; each chunk sums its blocks in order, and the chunks'
 * sums are added in chunk order: the result does not depend on the number
 * of threads.
 */
#include "cluster/gmm.h"
#include "cluster/kmeans.h"
#include "kernel/gemm.h"
#include "model/mixture.h"
#include "model/model.h"
#include "core/params.h"

#include <float.h>
#include <string.h>

#define CHUNK_ROWS 4096
#define MAX_CHUNKS 64

struct seg_gmm {
    int64_t k, covariance, max_iter, n_init, seed, threads;
    double reg_covar, tol;
    double *given; /* initial means, given_k x given_d, or NULL */
    size_t given_k, given_d;
};

static const seg_param gmm_rows[] = {
    SEG_PARAM_INT(SEG_GMM_K, 1, 1e5, seg_gmm, k, NULL),
    SEG_PARAM_INT(SEG_GMM_COVARIANCE, 0, 3, seg_gmm, covariance, NULL),
    SEG_PARAM_INT(SEG_GMM_MAX_ITER, 1, 1e9, seg_gmm, max_iter, NULL),
    SEG_PARAM_INT(SEG_GMM_N_INIT, 1, 1e6, seg_gmm, n_init, NULL),
    SEG_PARAM_INT(SEG_GMM_SEED, SEG_PARAM_INT64_MIN, SEG_PARAM_INT64_MAX, seg_gmm, seed, NULL),
    SEG_PARAM_INT(SEG_GMM_THREADS, 0, 4096, seg_gmm, threads, NULL),
    SEG_PARAM_REAL(SEG_GMM_REG_COVAR, 0, 1e6, seg_gmm, reg_covar, NULL),
    SEG_PARAM_REAL(SEG_GMM_TOL, 0, 1e6, seg_gmm, tol, NULL),
};
static const seg_param_table gmm_params = SEG_PARAM_TABLE("GMM", gmm_rows, NULL);

int seg_gmm_new(seg_gmm **out)
{
    if (!out)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_gmm_new: out is NULL");
    seg_gmm *g = seg_calloc(1, sizeof *g);
    if (!g)
        return SEG_NOMEM();
    g->k = 8;
    g->covariance = SEG_GMM_FULL;
    g->max_iter = 100;
    g->n_init = 1;
    g->reg_covar = 1e-6;
    g->tol = 1e-3;
    *out = g;
    return SEG_OK;
}

void seg_gmm_free(seg_gmm *g)
{
    if (!g)
        return;
    seg_free(g->given);
    seg_free(g);
}

int seg_gmm_set_int(seg_gmm *g, seg_gmm_param param, int64_t value)
{
    return seg_param_set_int(&gmm_params, g, (int)param, value);
}

int seg_gmm_set_double(seg_gmm *g, seg_gmm_param param, double value)
{
    return seg_param_set_real(&gmm_params, g, (int)param, value);
}

int seg_gmm_get_int(const seg_gmm *g, seg_gmm_param param, int64_t *value)
{
    return seg_param_get_int(&gmm_params, g, (int)param, value);
}

int seg_gmm_get_double(const seg_gmm *g, seg_gmm_param param, double *value)
{
    return seg_param_get_real(&gmm_params, g, (int)param, value);
}

int seg_gmm_param_bounds(seg_gmm_param param, double *lower, double *upper)
{
    return seg_param_bounds(&gmm_params, (int)param, lower, upper);
}

int seg_gmm_set_init_means_f64(seg_gmm *g, const double *means, size_t k, size_t d)
{
    size_t kd;
    if (!g || (!means && k))
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_gmm_set_init_means_f64: NULL argument");
    if (k == 0 && d == 0) { /* back to the k-means start */
        seg_free(g->given);
        g->given = NULL;
        g->given_k = g->given_d = 0;
        return SEG_OK;
    }
    if (k == 0 || d == 0 || k > 100000)
        return seg_fail(SEG_ERR_INVALID_ARG, "initial means: %zu x %zu (k must be 1 .. 100000)", k,
                        d);
    if (!seg_mul_ok(k, d, &kd))
        return seg_fail(SEG_ERR_OVERFLOW, "%zu x %zu means overflow", k, d);
    for (size_t i = 0; i < kd; i++)
        if (!isfinite(means[i]))
            return seg_fail(SEG_ERR_NONFINITE, "initial mean %zu, feature %zu is not finite",
                            i / d + 1, i % d + 1);
    double *c = seg_malloc_array(kd, sizeof *c);
    if (!c)
        return SEG_NOMEM();
    memcpy(c, means, kd * sizeof *c);
    seg_free(g->given);
    g->given = c;
    g->given_k = k;
    g->given_d = d;
    g->k = (int64_t)k;
    return SEG_OK;
}

/* ---- one pass ------------------------------------------------------------------ */

/* A fit in progress. */
typedef struct em {
    const double *x;
    size_t n, d, k;
    int cov;
    double *center; /* d: mean of the rows, the origin of the sums */
    size_t block;   /* rows per block: seg_mixture_block_rows() */
    size_t chunks, chunk_rows, stat_len;
    double *stats;   /* chunks x stat_len partial sums */
    double *scratch; /* threads x per */
    size_t per;
    int threads;
} em;

/* Layout of one chunk's sums: log-likelihood, nk (k), sx (k d), then the
 * second moments: full k d d (upper triangles), tied nothing (the data's
 * own scatter is computed once), diag/spherical k d. */
static size_t second_len(int cov, size_t k, size_t d)
{
    return cov == SEG_GMM_FULL ? k * d * d : cov == SEG_GMM_TIED ? 0 : k * d;
}

/* Scratch of a block of B rows: centred rows (B d), responsibilities
 * (B k) and transposed (B k), weighted copies (B k d), the centred rows and
 * their squares transposed (2 B d), a product (k d x d, at least k x 2d)
 * and the mixture's own scratch. */
static size_t block_scratch(const em *e, const struct seg_mixture *mx)
{
    const size_t B = e->block, k = e->k, d = e->d;
    return B * d + 2 * B * k + B * k * d + 2 * B * d + k * d * (d > 2 ? d : 2) +
           seg_mixture_block_scratch(mx, B);
}

/*
 * One pass. With mx: the E-step (responsibilities by log-sum-exp); without,
 * one-hot responsibilities from labels (the start). stats: accumulate the
 * M-step's sums. proba, lab: the final pass's outputs (or NULL).
 * Returns false if a row's density is not finite.
 */
static bool pass(em *e, const struct seg_mixture *mx, const int32_t *labels, bool stats,
                 double *proba, int32_t *lab)
{
    const size_t k = e->k, d = e->d, sl = e->stat_len;
    int bad = 0;
    const int nt = e->threads;
    (void)nt;
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt) reduction(| : bad)
#endif
    for (size_t ci = 0; ci < e->chunks; ci++) {
        double *st = e->stats + ci * sl;
        double *s = e->scratch + (size_t)SEG_THREAD_ID() * e->per;
        const size_t BLOCK = e->block;
        double *xc = s, *r = xc + BLOCK * d, *rt = r + BLOCK * k, *wz = rt + BLOCK * k,
               *xt = wz + BLOCK * k * d, *prod = xt + 2 * BLOCK * d,
               *ms = prod + k * d * (d > 2 ? d : 2);
        memset(st, 0, sl * sizeof *st);
        const size_t r0 = ci * e->chunk_rows;
        const size_t r1 = r0 + e->chunk_rows < e->n ? r0 + e->chunk_rows : e->n;
        for (size_t b0 = r0; b0 < r1; b0 += BLOCK) {
            const size_t b = r1 - b0 < BLOCK ? r1 - b0 : BLOCK;
            const double *xb = e->x + b0 * d;
            if (mx) {
                seg_mixture_log_block(mx, xb, b, ms, r);
                for (size_t i = 0; i < b; i++) {
                    const double ln = seg_mixture_normalise(r + i * k, k);
                    if (!isfinite(ln))
                        bad = 1;
                    st[0] += ln;
                }
            } else {
                memset(r, 0, b * k * sizeof *r);
                for (size_t i = 0; i < b; i++)
                    r[i * k + (size_t)labels[b0 + i]] = 1.0;
            }
            if (proba)
                memcpy(proba + b0 * k, r, b * k * sizeof *r);
            if (lab)
                for (size_t i = 0; i < b; i++) {
                    size_t best = 0;
                    for (size_t j = 1; j < k; j++)
                        if (r[i * k + j] > r[i * k + best])
                            best = j;
                    lab[b0 + i] = (int32_t)best;
                }
            if (!stats)
                continue;
            for (size_t i = 0; i < b; i++)
                for (size_t c = 0; c < d; c++)
                    xc[i * d + c] = xb[i * d + c] - e->center[c];
            double *nk = st + 1, *sx = nk + k, *sq = sx + k * d;
            for (size_t j = 0; j < k; j++) {
                double t = 0;
                for (size_t i = 0; i < b; i++)
                    t += r[i * k + j];
                nk[j] += t;
            }
            /* sx += r^T xc (and diag, spherical: sq += r^T xc^2) in one
             * GEMM of the transposes: k x b times (d or 2d) x b */
            const bool squares = e->cov == SEG_GMM_DIAG || e->cov == SEG_GMM_SPHERICAL;
            const size_t w2 = squares ? 2 * d : d;
            for (size_t i = 0; i < b; i++)
                for (size_t j = 0; j < k; j++)
                    rt[j * b + i] = r[i * k + j];
            for (size_t q = 0; q < d; q++)
                for (size_t i = 0; i < b; i++) {
                    const double v = xc[i * d + q];
                    xt[q * b + i] = v;
                    if (squares)
                        xt[(d + q) * b + i] = v * v;
                }
            seg_gemm_nt_f64(k, w2, b, 1.0, rt, xt, prod);
            for (size_t j = 0; j < k; j++)
                for (size_t c = 0; c < d; c++) {
                    sx[j * d + c] += prod[j * w2 + c];
                    if (squares)
                        sq[j * d + c] += prod[j * w2 + d + c];
                }
            if (e->cov == SEG_GMM_FULL) {
                /* every component's scatter in one GEMM: the rows weighted
                 * by each component (k d x b) times the rows (d x b) */
                for (size_t j = 0; j < k; j++)
                    for (size_t q = 0; q < d; q++) {
                        double *wr = wz + (j * d + q) * b;
                        const double *xr = xt + q * b;
                        for (size_t i = 0; i < b; i++)
                            wr[i] = r[i * k + j] * xr[i];
                    }
                seg_gemm_nt_f64(k * d, d, b, 1.0, wz, xt, prod);
                for (size_t j = 0; j < k; j++)
                    for (size_t p = 0; p < d; p++)
                        for (size_t q = p; q < d; q++)
                            sq[j * d * d + p * d + q] += prod[(j * d + p) * d + q];
            }
        }
    }
    for (size_t ci = 1; stats && ci < e->chunks; ci++)
        for (size_t t = 0; t < sl; t++)
            e->stats[t] += e->stats[ci * sl + t];
    if (!stats && !bad && mx) {
        /* the log-likelihood only: add the chunks' first entries */
        for (size_t ci = 1; ci < e->chunks; ci++)
            e->stats[0] += e->stats[ci * sl];
    }
    return !bad;
}

/* The data's own scatter about its mean, for tied covariances (d x d, upper). */
static void scatter(const em *e, double *out)
{
    const size_t d = e->d;
    const size_t BLOCK = e->block;
    double *xc = e->scratch, *prod = xc + BLOCK * d;
    memset(out, 0, d * d * sizeof *out);
    for (size_t b0 = 0; b0 < e->n; b0 += BLOCK) {
        const size_t b = e->n - b0 < BLOCK ? e->n - b0 : BLOCK;
        for (size_t i = 0; i < b; i++)
            for (size_t c = 0; c < d; c++)
                xc[i * d + c] = e->x[(b0 + i) * d + c] - e->center[c];
        seg_syrk_tn_f64(d, b, 1.0, xc, prod);
        for (size_t p = 0; p < d; p++)
            for (size_t q = p; q < d; q++)
                out[p * d + q] += prod[p * d + q];
    }
}

/* The M-step from the summed statistics: weights, means, covariances. If
 * keep_means, the means stay as given (sklearn's means_init). */
static int m_step(const em *e, double reg, const double *tied_scatter, double *means,
                  bool keep_means, struct seg_mixture *mx)
{
    const size_t k = e->k, d = e->d;
    const double *nk0 = e->stats + 1, *sx = nk0 + k, *sq = sx + k * d;
    double total = 0;
    for (size_t j = 0; j < k; j++)
        total += nk0[j] + 10 * DBL_EPSILON;
    for (size_t j = 0; j < k; j++) {
        const double nk = nk0[j] + 10 * DBL_EPSILON;
        mx->weights[j] = nk / total;
        for (size_t c = 0; c < d; c++) {
            const double m = sx[j * d + c] / nk; /* centred mean */
            if (!keep_means)
                means[j * d + c] = m + e->center[c];
        }
    }
    double *cv = mx->covariances;
    if (e->cov == SEG_GMM_FULL) {
        for (size_t j = 0; j < k; j++) {
            const double nk = nk0[j] + 10 * DBL_EPSILON;
            const double *mj = sx + j * d;
            for (size_t p = 0; p < d; p++)
                for (size_t q = p; q < d; q++) {
                    const double v = sq[j * d * d + p * d + q] / nk - (mj[p] / nk) * (mj[q] / nk);
                    cv[j * d * d + p * d + q] = cv[j * d * d + q * d + p] = v;
                }
            for (size_t p = 0; p < d; p++)
                cv[j * d * d + p * d + p] += reg;
        }
    } else if (e->cov == SEG_GMM_TIED) {
        for (size_t p = 0; p < d; p++)
            for (size_t q = p; q < d; q++) {
                double v = tied_scatter[p * d + q];
                for (size_t j = 0; j < k; j++) {
                    const double nk = nk0[j] + 10 * DBL_EPSILON;
                    v -= sx[j * d + p] * sx[j * d + q] / nk;
                }
                cv[p * d + q] = cv[q * d + p] = v / total;
            }
        for (size_t p = 0; p < d; p++)
            cv[p * d + p] += reg;
    } else {
        for (size_t j = 0; j < k; j++) {
            const double nk = nk0[j] + 10 * DBL_EPSILON;
            double mean_var = 0;
            for (size_t c = 0; c < d; c++) {
                const double m = sx[j * d + c] / nk;
                const double v = sq[j * d + c] / nk - m * m + reg;
                if (e->cov == SEG_GMM_DIAG)
                    cv[j * d + c] = v;
                mean_var += v;
            }
            if (e->cov == SEG_GMM_SPHERICAL)
                cv[j] = mean_var / (double)d;
        }
    }
    mx->reg_covar = reg;
    return seg_mixture_prepare(mx, means);
}

/* ---- the fit -------------------------------------------------------------------- */

static int check_fit(const seg_gmm *g, const double *x, size_t n, size_t d, seg_model **out)
{
    if (!out)
        return seg_fail(SEG_ERR_INVALID_ARG, "out is NULL");
    *out = NULL;
    if (!g || !x)
        return seg_fail(SEG_ERR_INVALID_ARG, "GMM object or rows are NULL");
    if (n == 0 || d == 0)
        return seg_fail(SEG_ERR_EMPTY, "%zu rows and %zu features", n, d);
    if (d > INT32_MAX)
        return seg_fail(SEG_ERR_LIMIT, "%zu features exceed the BLAS index range", d);
    if (g->given && g->given_d != d)
        return seg_fail(SEG_ERR_MISMATCH, "initial means have %zu features, the rows %zu",
                        g->given_d, d);
    if (g->given && g->given_k != (size_t)g->k)
        return seg_fail(SEG_ERR_MISMATCH, "%zu initial means, SEG_GMM_K is %lld", g->given_k,
                        (long long)g->k);
    if ((size_t)g->k > n)
        return seg_fail(SEG_ERR_TOO_FEW_POINTS, "k = %lld components for %zu rows", (long long)g->k,
                        n);
    for (size_t i = 0; i < n * d; i++)
        if (!isfinite(x[i]))
            return seg_fail(SEG_ERR_NONFINITE, "row %zu, feature %zu: the value is not finite",
                            i / d + 1, i % d + 1);
    return SEG_OK;
}

/* Start labels: nearest given mean, or a k-means fit (seed s). */
static int start_labels(const seg_gmm *g, const em *e, int64_t seed, int32_t *labels)
{
    seg_kmeans *km = NULL;
    seg_model *m = NULL;
    int rc = seg_kmeans_new(&km);
    if (rc == SEG_OK)
        rc = seg_kmeans_set_int(km, SEG_KMEANS_THREADS, g->threads);
    if (rc == SEG_OK && g->given) {
        rc = seg_model_create(&m, e->k, e->d, SEG_DTYPE_F64, g->given);
        if (rc == SEG_OK)
            rc = seg_model_label_rows(m, e->x, false, e->n, g->threads, labels, NULL);
    } else if (rc == SEG_OK) {
        if ((rc = seg_kmeans_set_int(km, SEG_KMEANS_K, g->k)) == SEG_OK &&
            (rc = seg_kmeans_set_int(km, SEG_KMEANS_SEED, seed)) == SEG_OK)
            rc = seg_kmeans_fit_rows(km, e->x, false, e->n, e->d, NULL, labels, NULL, &m);
    }
    seg_model_free(m);
    seg_kmeans_free(km);
    return rc;
}

int seg_gmm_fit_rows(seg_gmm *g, const double *x, size_t n, size_t d, double *proba,
                     int32_t *labels_out, double *dist_out, seg_model **out)
{
    const double t0 = seg_now_seconds();
    int rc = check_fit(g, x, n, d, out);
    if (rc < 0)
        return rc;
    em e = {.x = x, .n = n, .d = d, .k = (size_t)g->k, .cov = (int)g->covariance};
    const size_t k = e.k;
    struct seg_mixture *mx = NULL, *best = NULL;
    double *means = NULL, *best_means = NULL, *tied = NULL;
    int32_t *labels = NULL;
    seg_model *m = NULL;
    double best_lb = -INFINITY;
    int64_t best_iter = 0;
    bool best_conv = false;
    size_t kd;

    /* chunks: a function of n, k and d only */
    e.stat_len = 1 + k + k * d + second_len(e.cov, k, d);
    e.chunks = (n + CHUNK_ROWS - 1) / CHUNK_ROWS;
    if (e.chunks > MAX_CHUNKS)
        e.chunks = MAX_CHUNKS;
    while (e.chunks > 1 && e.chunks * e.stat_len > ((size_t)1 << 24))
        e.chunks /= 2;
    e.chunk_rows = (n + e.chunks - 1) / e.chunks;
    e.block = seg_mixture_block_rows(e.cov, k, d);
    e.chunk_rows = (e.chunk_rows + e.block - 1) / e.block * e.block;
    e.chunks = (n + e.chunk_rows - 1) / e.chunk_rows;
    if ((rc = seg_mixture_new(&mx, e.cov, k, d)) < 0 ||
        (rc = seg_mixture_new(&best, e.cov, k, d)) < 0)
        goto done;
    e.threads = seg_threads_resolve(g->threads);
    if ((size_t)e.threads > e.chunks)
        e.threads = (int)e.chunks;
    e.per = block_scratch(&e, mx);
    kd = k * d;
    e.stats = seg_malloc_array(e.chunks * e.stat_len, sizeof(double));
    e.scratch = seg_malloc_array(e.per * (size_t)e.threads, sizeof(double));
    e.center = seg_calloc(d, sizeof(double));
    means = seg_malloc_array(kd, sizeof *means);
    best_means = seg_malloc_array(kd, sizeof *best_means);
    labels = labels_out ? labels_out : seg_malloc_array(n, sizeof *labels);
    tied = e.cov == SEG_GMM_TIED ? seg_malloc_array(d * d, sizeof *tied) : NULL;
    if (!e.stats || !e.scratch || !e.center || !means || !best_means || !labels ||
        (e.cov == SEG_GMM_TIED && !tied)) {
        rc = SEG_NOMEM();
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < d; c++)
            e.center[c] += x[i * d + c];
    for (size_t c = 0; c < d; c++)
        e.center[c] /= (double)n;
    if (tied)
        scatter(&e, tied);
    if (e.threads > 1)
        e.threads = seg_threads_startable(e.threads);

    const int64_t runs = g->given ? 1 : g->n_init;
    for (int64_t run = 0; run < runs; run++) {
        if ((rc = start_labels(g, &e, g->seed + run, labels)) < 0)
            goto done;
        pass(&e, NULL, labels, true, NULL, NULL);
        if (g->given)
            memcpy(means, g->given, kd * sizeof *means);
        if ((rc = m_step(&e, g->reg_covar, tied, means, g->given != NULL, mx)) < 0)
            goto done;
        double lb = -INFINITY;
        bool conv = false;
        int64_t it;
        for (it = 1; it <= g->max_iter; it++) {
            const double prev = lb;
            if (!pass(&e, mx, NULL, true, NULL, NULL)) {
                rc = seg_fail(SEG_ERR_NONFINITE, "a row's density under the mixture is not "
                                                 "finite (values extreme for the scaling)");
                goto done;
            }
            lb = e.stats[0] / (double)n;
            if ((rc = m_step(&e, g->reg_covar, tied, means, false, mx)) < 0)
                goto done;
            if (fabs(lb - prev) < g->tol) {
                conv = true;
                break;
            }
        }
        if (run == 0 || lb > best_lb) {
            struct seg_mixture *t = best;
            best = mx;
            mx = t;
            memcpy(best_means, means, kd * sizeof *means);
            best_lb = lb;
            best_iter = it > g->max_iter ? g->max_iter : it;
            best_conv = conv;
        }
    }
    /* the final E-step: probabilities, labels and the mean log-likelihood */
    if (!pass(&e, best, NULL, false, proba, labels)) {
        rc = seg_fail(SEG_ERR_NONFINITE, "a row's density under the mixture is not finite");
        goto done;
    }
    best->log_likelihood = e.stats[0] / (double)n;
    best->bic = -2 * best->log_likelihood * (double)n + (double)best->n_params * log((double)n);
    best->aic = -2 * best->log_likelihood * (double)n + 2 * (double)best->n_params;
    if ((rc = seg_model_create(&m, k, d, SEG_DTYPE_F64, best_means)) < 0)
        goto done;
    m->n_rows = n;
    m->iterations = best_iter;
    m->converged = best_conv;
    double inertia = 0;
    for (size_t i = 0; i < n; i++) {
        const size_t j = (size_t)labels[i];
        double q = 0;
        for (size_t c = 0; c < d; c++) {
            const double t = x[i * d + c] - best_means[j * d + c];
            q += t * t;
        }
        m->sizes[j]++;
        m->weights[j] += 1.0;
        inertia += q;
        if (dist_out)
            dist_out[i] = sqrt(q);
    }
    m->inertia = inertia;
    m->mixture = best;
    best = NULL;
    m->fit_seconds = seg_now_seconds() - t0;
    *out = m;
    m = NULL;
done:
    seg_model_free(m);
    seg_mixture_free(mx);
    seg_mixture_free(best);
    seg_free(e.stats);
    seg_free(e.scratch);
    seg_free(e.center);
    seg_free(means);
    seg_free(best_means);
    seg_free(tied);
    if (labels != labels_out)
        seg_free(labels);
    return rc;
}
