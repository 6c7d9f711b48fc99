/*
 * The fit of one numeric column: range, mean and spread (standard), quartiles
 * by selection (robust) and the median that imputes missing values, then the
 * center and scale every method derives from them. Used by the in-memory fit
 * (scaler.c); the streaming fit (scaler_stream.c) gathers the same statistics
 * from sketches and finishes them with seg_scol_numeric_finish().
 */
#include "prepare/scaler.h"
#include "core/select.h"
#include "data/data.h"

#include <math.h>
#include <stdlib.h>

/* ---- numeric statistics -------------------------------------------------- */

/* Quantile q of v[0..m) (m >= 1) by linear interpolation between the order
 * statistics around position (m - 1) q: numpy's default ('linear') method,
 * including its interpolation formula, which rounds differently from
 * seg_select_quantile()'s in the last bit (the cross-checks compare to
 * NumPy and scikit-learn to 1e-12 and closer). Reorders v. */
static double quantile(double *v, size_t m, double q)
{
    double pos = (double)(m - 1) * q;
    size_t k = (size_t)pos;
    double t = pos - (double)k;
    seg_select_rank(v, m, k);
    double a = v[k];
    if (t == 0.0 || k + 1 >= m)
        return a;
    double b = v[k + 1];
    for (size_t i = k + 2; i < m; i++)
        if (v[i] < b)
            b = v[i];
    double d = b - a;
    return t >= 0.5 ? b - d * (1.0 - t) : a + d * t;
}

/* Mean and population standard deviation of v[0..m) (m >= 1, lo < hi). Two
 * passes, the second with the correction term of Chan, Golub and LeVeque, and
 * the deviations scaled by a power of two so squares neither overflow nor
 * underflow. */
static void mean_std(const double *v, size_t m, double lo, double hi, double *mean, double *std)
{
    double sum = 0.0;
    for (size_t i = 0; i < m; i++)
        sum += v[i];
    double mu = sum / (double)m;
    int e;
    double dmax = fmax(hi - mu, mu - lo);
    if (!isfinite(dmax)) { /* the sum or range overflows: the caller reports it */
        *mean = mu;
        *std = INFINITY;
        return;
    }
    frexp(dmax, &e);
    /* 2^-e in two factors: for subnormal data e is below -1022 and 2^-e
     * alone would overflow. Products by powers of two are exact here. */
    const double down1 = ldexp(1.0, -e / 2), down2 = ldexp(1.0, -e - -e / 2);
    double s1 = 0.0, s2 = 0.0;
    for (size_t i = 0; i < m; i++) {
        double d = (v[i] - mu) * down1 * down2;
        s1 += d;
        s2 += d * d;
    }
    double var = (s2 - s1 * s1 / (double)m) / (double)m;
    *mean = mu + ldexp(s1 / (double)m, e);
    *std = ldexp(sqrt(var > 0.0 ? var : 0.0), e);
}

/* The column's spread overflows: name the row of its largest magnitude. */
static int too_large(const seg_dataset *ds, const seg_column *c, size_t n, bool log1p)
{
    char where[360];
    size_t at = 0;
    double big = -1.0;
    for (size_t i = 0; i < n; i++) {
        const double x = fabs(seg_column_value(c, i));
        if (x > big) { /* NaN (missing) never is */
            big = x;
            at = i;
        }
    }
    return seg_fail(SEG_ERR_NONFINITE,
                    "%s: column '%s': the value %g is too large to scale (the spread of the "
                    "column overflows a double)%s",
                    seg_dataset_where(ds, at, c, where, sizeof where), c->name,
                    seg_column_value(c, at),
                    log1p ? "" : "; log1p or leaving the column out may help");
}

int seg_scol_fit_numeric(const seg_dataset *ds, const seg_column *c, seg_scale_method method,
                         bool log1p, bool impute_first, double *buf, scol *s)
{
    const size_t n = ds->n_rows;
    *s = (scol){.name = s->name,
                .kind = SCOL_NUMERIC,
                .n_out = 1,
                .method = method,
                .log1p = log1p,
                .scale = 1.0};

    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        double x = seg_column_value(c, i);
        if (isnan(x))
            continue;
        if (isinf(x)) {
            char where[360];
            return seg_fail(SEG_ERR_NONFINITE, "%s: column '%s': infinite value",
                            seg_dataset_where(ds, i, c, where, sizeof where), c->name);
        }
        buf[m++] = log1p ? seg_signed_log1p(x) : x;
    }
    if (m == 0)
        return SEG_OK; /* all missing: impute 0, center 0, scale 1 */

    /* The median of the present values is what missing ones take. Imputed
     * first, they join the rows the scaling statistics are computed over (a
     * robust center stays this median: copies of a set's median leave its
     * median where it is). */
    const double median = quantile(buf, m, 0.5);
    /* The selection reordered buf. The standard scaler's sums run over the
     * present values in row order (then the imputed ones): a fixed order,
     * which the fit over MPI ranks reproduces bit for bit (docs/mpi.md). */
    if (method == SEG_SCALE_STANDARD)
        for (size_t i = 0, j = 0; i < n; i++) {
            double x = seg_column_value(c, i);
            if (!isnan(x))
                buf[j++] = log1p ? seg_signed_log1p(x) : x;
        }
    if (impute_first) {
        for (size_t i = m; i < n; i++)
            buf[i] = median;
        m = n;
    }
    /* Only what the method reads: the median (kept by every method, the
     * model file's imputation value) was taken above; the range serves
     * standard and min-max, the quartiles robust, nothing more none. */
    double lo = buf[0], hi = buf[0];
    if (method == SEG_SCALE_STANDARD || method == SEG_SCALE_MINMAX)
        for (size_t i = 1; i < m; i++) {
            lo = fmin(lo, buf[i]);
            hi = fmax(hi, buf[i]);
        }
    scol_numeric_stats st = {.lo = lo, .hi = hi, .mean = lo};
    if (method == SEG_SCALE_STANDARD && lo < hi)
        mean_std(buf, m, lo, hi, &st.mean, &st.std);
    /* Each selection leaves v partitioned around its position, which the
     * next one starts from. */
    if (method == SEG_SCALE_ROBUST) {
        st.q1 = quantile(buf, m, 0.25);
        st.q3 = quantile(buf, m, 0.75);
    }
    st.median = median;
    int rc = seg_scol_numeric_finish(s, c->name, &st);
    if (rc == SEG_ERR_NONFINITE)
        return too_large(ds, c, n, log1p);
    return rc;
}

int seg_scol_numeric_finish(scol *s, const char *name, const scol_numeric_stats *st)
{
    double center = 0.0, scale = 1.0;
    if (s->method == SEG_SCALE_STANDARD) {
        center = st->mean; /* lo for a constant column, where std is 0 */
        scale = st->lo < st->hi ? st->std : 1.0;
    } else if (s->method == SEG_SCALE_MINMAX) {
        center = st->lo;
        scale = st->hi - st->lo;
    } else if (s->method == SEG_SCALE_ROBUST) {
        center = st->median;
        scale = st->q3 - st->q1;
    }
    s->median = st->median;
    if (!isfinite(center) || !isfinite(scale))
        return seg_fail(SEG_ERR_NONFINITE,
                        "column '%s': values from %g to %g are too large to scale (the spread "
                        "of the column overflows a double)",
                        name, st->lo, st->hi);
    if (scale == 0.0)
        scale = 1.0;
    s->center = center;
    s->scale = scale;
    return SEG_OK;
}
