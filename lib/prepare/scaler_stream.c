/*
 * Streaming scaler fit (seg_scaler_stream): the statistics of seg_scaler_fit()
 * gathered from a sequence of dataset chunks, so that the rows never need to
 * be held together.
 *
 * Numeric columns: the count, range, mean and sum of squared deviations are
 * exact: each chunk's are computed in two passes with the correction term of
 * Chan, Golub and LeVeque (as seg_scaler_fit does), then merged into the
 * running ones by the pairwise update of Chan, Golub and LeVeque, "Updating
 * formulae and a pairwise algorithm for computing sample variances" (1979):
 * with delta = mean_b - mean_a, mean = mean_a + delta n_b / n and
 * M2 = M2_a + M2_b + delta^2 n_a n_b / n. The median and quartiles come from
 * a Greenwald-Khanna sketch (qsketch.h) with rank error at most
 * SEG_STREAM_QUANTILE_EPS x (values seen), exact while a column has at most
 * SEG_STREAM_EXACT_VALUES values.
 *
 * Categorical columns: every level and its count, exact, up to the scaler's
 * level limit; past it counting stops (the fit fails with SEG_ERR_LIMIT, or
 * SEG_ERR_PRIVACY when every value seen until then was distinct).
 */
#include "prepare/qsketch.h"
#include "data/data.h"
#include "prepare/scaler.h"
#include "core/strtab.h"

#include <string.h>

typedef struct num_acc {
    uint64_t m;
    double lo, hi, mean;
    /* Sum of squared deviations in units of 2^(2 e): deviations are scaled
     * by 2^-e, e fixed by the first chunk's magnitude, so that squares
     * neither underflow (subnormal data) nor overflow. */
    double m2;
    int e;
    seg_qsketch q;
} num_acc;

typedef struct cat_acc {
    seg_strtab levels;
    size_t *count;
    size_t cap;
    size_t n_missing, n;
    bool overflow, all_distinct;
} cat_acc;

typedef struct stream_col {
    char *name;
    seg_column_type type;
    seg_scale_method method;
    bool log1p;
    num_acc num;
    cat_acc cat;
} stream_col;

struct seg_scaler_stream {
    seg_scaler *settings; /* a clone of the caller's scaler */
    int64_t max_levels;
    stream_col *cols;
    size_t n_cols;
    size_t rows;
    double *buf; /* one chunk of one column */
    size_t cap_buf;
};

void seg_scaler_stream_free(seg_scaler_stream *ss)
{
    if (!ss)
        return;
    for (size_t j = 0; ss->cols && j < ss->n_cols; j++) {
        stream_col *c = &ss->cols[j];
        seg_free(c->name);
        seg_qsketch_free(&c->num.q);
        seg_strtab_free(&c->cat.levels);
        seg_free(c->cat.count);
    }
    seg_free(ss->cols);
    seg_free(ss->buf);
    seg_scaler_free(ss->settings);
    seg_free(ss);
}

int seg_scaler_stream_begin(seg_scaler_stream **out, const seg_scaler *sc)
{
    SEG_ALLOC_SCOPE(sc);
    seg_scaler_stream *ss;
    int rc;
    if (!out)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_scaler_stream_begin: out is NULL");
    *out = NULL;
    if (!sc)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_scaler_stream_begin: scaler is NULL");
    if (!(ss = seg_calloc(1, sizeof *ss)))
        return SEG_NOMEM();
    if ((rc = seg_scaler_clone(sc, &ss->settings)) < 0 ||
        (rc = seg_scaler_get_int(sc, SEG_SCALER_MAX_LEVELS, &ss->max_levels)) < 0) {
        seg_scaler_stream_free(ss);
        return rc;
    }
    *out = ss;
    return SEG_OK;
}

/* The first chunk fixes the columns. */
static int setup(seg_scaler_stream *ss, const seg_dataset *ds)
{
    int rc;
    if ((rc = seg_scaler_check_names(ss->settings, ds)) < 0)
        return rc;
    if (!(ss->cols = seg_calloc(ds->n_cols, sizeof *ss->cols)))
        return SEG_NOMEM();
    ss->n_cols = ds->n_cols;
    for (size_t j = 0; j < ds->n_cols; j++) {
        const seg_column *c = &ds->cols[j];
        stream_col *s = &ss->cols[j];
        s->type = c->type;
        if (!(s->name = seg_strdup(c->name)))
            return SEG_NOMEM();
        if (c->type == SEG_COLUMN_NUMERIC) {
            seg_scaler_column_plan(ss->settings, c->name, &s->method, &s->log1p);
            rc = seg_qsketch_init(&s->num.q, SEG_STREAM_QUANTILE_EPS, SEG_STREAM_EXACT_VALUES);
            if (rc < 0)
                return rc;
        } else if (c->type == SEG_COLUMN_CATEGORICAL) {
            s->cat.all_distinct = true;
        } else {
            return seg_fail(SEG_ERR_INVALID_ARG, "column '%s' has no valid type", c->name);
        }
    }
    return SEG_OK;
}

static int check_same(const seg_scaler_stream *ss, const seg_dataset *ds)
{
    if (ds->n_cols != ss->n_cols)
        return seg_fail(SEG_ERR_MISMATCH, "the chunk has %zu columns, the first one had %zu",
                        ds->n_cols, ss->n_cols);
    for (size_t j = 0; j < ds->n_cols; j++)
        if (strcmp(ds->cols[j].name, ss->cols[j].name) != 0 || ds->cols[j].type != ss->cols[j].type)
            return seg_fail(SEG_ERR_MISMATCH,
                            "column %zu of the chunk is '%s' (%s), the first chunk's was '%s' (%s)",
                            j + 1, ds->cols[j].name,
                            ds->cols[j].type == SEG_COLUMN_NUMERIC ? "numeric" : "categorical",
                            ss->cols[j].name,
                            ss->cols[j].type == SEG_COLUMN_NUMERIC ? "numeric" : "categorical");
    return SEG_OK;
}

/* x * 2^-e in two exact factors (2^-e alone overflows for e < -1022). */
static double scale_down(double x, int e)
{
    return x * ldexp(1.0, -e / 2) * ldexp(1.0, -e - -e / 2);
}

/* Mean and sum of squared deviations of v[0..m) (m >= 1), the deviations
 * scaled by 2^-e: two passes, the second with the correction term, as
 * seg_scaler_fit's mean_std. */
static void chunk_moments(const double *v, size_t m, int e, double *mean, double *m2)
{
    double sum = 0.0, s1 = 0.0, s2 = 0.0;
    for (size_t i = 0; i < m; i++)
        sum += v[i];
    double mu = sum / (double)m;
    const double down1 = ldexp(1.0, -e / 2), down2 = ldexp(1.0, -e - -e / 2);
    for (size_t i = 0; i < m; i++) {
        double d = (v[i] - mu) * down1 * down2;
        s1 += d;
        s2 += d * d;
    }
    *mean = mu + ldexp(s1 / (double)m, e);
    *m2 = s2 - s1 * s1 / (double)m;
    if (*m2 < 0)
        *m2 = 0;
}

static int add_numeric(seg_scaler_stream *ss, stream_col *s, const seg_column *c, size_t n)
{
    num_acc *a = &s->num;
    size_t m = 0;
    int rc;
    for (size_t i = 0; i < n; i++) {
        double x = seg_column_value(c, i);
        if (isnan(x))
            continue;
        if (isinf(x))
            return seg_fail(SEG_ERR_NONFINITE, "column '%s', row %zu: infinite value", c->name,
                            ss->rows + i + 1);
        x = s->log1p ? seg_signed_log1p(x) : x;
        ss->buf[m++] = x;
        if ((rc = seg_qsketch_add(&a->q, x)) < 0)
            return rc;
    }
    if (m == 0)
        return SEG_OK;
    double lo = ss->buf[0], hi = ss->buf[0], mean, m2;
    for (size_t i = 1; i < m; i++) {
        lo = fmin(lo, ss->buf[i]);
        hi = fmax(hi, ss->buf[i]);
    }
    if (a->m == 0) { /* the scale of the deviations: the first chunk's spread */
        const double spread = hi - lo > 0 ? hi - lo : fmax(fabs(lo), fabs(hi));
        a->e = 0;
        if (spread > 0 && isfinite(spread))
            frexp(spread, &a->e);
    }
    chunk_moments(ss->buf, m, a->e, &mean, &m2);
    if (a->m == 0) {
        a->lo = lo;
        a->hi = hi;
        a->mean = mean;
        a->m2 = m2;
    } else {
        double na = (double)a->m, nb = (double)m, nt = na + nb, delta = mean - a->mean;
        const double ds = scale_down(delta, a->e);
        a->lo = fmin(a->lo, lo);
        a->hi = fmax(a->hi, hi);
        a->mean += delta * (nb / nt);
        a->m2 += m2 + ds * ds * (na * nb / nt);
    }
    a->m += m;
    return SEG_OK;
}

static int add_categorical(seg_scaler_stream *ss, stream_col *s, const seg_column *c, size_t n)
{
    cat_acc *a = &s->cat;
    int rc;
    a->n += n;
    for (size_t i = 0; i < n; i++) {
        int32_t code = c->codes[i];
        size_t index;
        if (code == -1) {
            a->n_missing++;
            continue;
        }
        if (code < 0 || (size_t)code >= c->n_levels || !c->levels[code])
            return seg_fail(SEG_ERR_INVALID_ARG, "column '%s', row %zu: bad level code %d", c->name,
                            ss->rows + i, (int)code);
        if (a->overflow)
            continue;
        const char *lv = c->levels[code];
        if ((rc = seg_strtab_intern(&a->levels, lv, strlen(lv), &index)) < 0)
            return rc;
        if (rc == 0) {
            a->all_distinct = false;
        } else if (index >= a->cap) {
            size_t cap = a->cap ? 2 * a->cap : 64;
            size_t *grown = seg_realloc(a->count, cap * sizeof *grown);
            if (!grown)
                return SEG_NOMEM();
            memset(grown + a->cap, 0, (cap - a->cap) * sizeof *grown);
            a->count = grown;
            a->cap = cap;
        }
        a->count[index]++;
        /* One past the limit is enough to fail the fit: stop holding more. */
        if ((int64_t)seg_strtab_size(&a->levels) > ss->max_levels)
            a->overflow = true;
    }
    return SEG_OK;
}

int seg_scaler_stream_add(seg_scaler_stream *ss, const seg_dataset *chunk)
{
    SEG_ALLOC_SCOPE(ss);
    int rc;
    if (!ss || !chunk)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_scaler_stream_add: NULL argument");
    if (chunk->n_rows == 0)
        return SEG_OK;
    if (chunk->n_cols == 0)
        return seg_fail(SEG_ERR_EMPTY, "seg_scaler_stream_add: the chunk has no columns");
    if (!ss->cols && (rc = setup(ss, chunk)) < 0)
        return rc;
    if ((rc = check_same(ss, chunk)) < 0)
        return rc;
    if (chunk->n_rows > ss->cap_buf) {
        size_t bytes;
        double *b;
        if (!seg_mul_ok(chunk->n_rows, sizeof *b, &bytes))
            return seg_fail(SEG_ERR_OVERFLOW, "a chunk of %zu rows overflows", chunk->n_rows);
        if (!(b = seg_realloc(ss->buf, bytes)))
            return SEG_NOMEM();
        ss->buf = b;
        ss->cap_buf = chunk->n_rows;
    }
    for (size_t j = 0; j < ss->n_cols; j++) {
        stream_col *s = &ss->cols[j];
        rc = s->type == SEG_COLUMN_NUMERIC ? add_numeric(ss, s, &chunk->cols[j], chunk->n_rows)
                                           : add_categorical(ss, s, &chunk->cols[j], chunk->n_rows);
        if (rc < 0)
            return rc;
    }
    ss->rows += chunk->n_rows;
    return SEG_OK;
}

/* Value of rank r (1-based) among the sketch's m values plus k copies of
 * their median med: the copies sit right after rank h = floor((m - 1) / 2) + 1,
 * the last rank at or below the median. */
static double imputed_rank_value(const seg_qsketch *q, uint64_t m, uint64_t k, double med,
                                 uint64_t r)
{
    const uint64_t h = (m - 1) / 2 + 1;
    if (r <= h)
        return seg_qsketch_rank_value(q, r);
    if (r <= h + k)
        return med;
    return seg_qsketch_rank_value(q, r - k);
}

/* Quantile p of the sketch's values with k copies of their median med added,
 * by the rule of seg_qsketch_quantile(): exact while the sketch is exact. */
static double imputed_quantile(const seg_qsketch *q, uint64_t m, uint64_t k, double med, double p)
{
    const uint64_t n = m + k;
    double pos = (double)(n - 1) * p;
    uint64_t r = (uint64_t)pos;
    double t = pos - (double)r;
    double a = imputed_rank_value(q, m, k, med, r + 1);
    if (t == 0.0 || r + 1 >= n)
        return a;
    double b = imputed_rank_value(q, m, k, med, r + 2);
    double d = b - a;
    return t >= 0.5 ? b - d * (1.0 - t) : a + d * t;
}

/* rows: the column's rows, missing ones included; impute_first: the
 * statistics cover them all with the missing ones at the median, as the
 * in-memory fit does (seg_scol_fit_numeric). */
static int finish_numeric(stream_col *s, size_t rows, bool impute_first, scol *out)
{
    num_acc *a = &s->num;
    int rc;
    *out = (scol){.name = out->name,
                  .kind = SCOL_NUMERIC,
                  .n_out = 1,
                  .method = s->method,
                  .log1p = s->log1p,
                  .scale = 1.0};
    if (a->m == 0)
        return SEG_OK; /* all missing: impute 0, center 0, scale 1 */
    if ((rc = seg_qsketch_flush(&a->q)) < 0)
        return rc;
    scol_numeric_stats st = {.lo = a->lo, .hi = a->hi, .mean = a->lo};
    const uint64_t k = impute_first && rows > a->m ? (uint64_t)rows - a->m : 0;
    st.median = seg_qsketch_quantile(&a->q, 0.5);
    if (a->lo < a->hi) {
        /* k rows at the median merge into the moments as a group of
         * k equal values (mean med, no spread), by Chan et al.'s rule. */
        double na = (double)a->m, nb = (double)k, nt = na + nb, delta = st.median - a->mean;
        const double ds = scale_down(delta, a->e); /* m2 is in units of 2^(2 e) */
        st.mean = a->mean + delta * (nb / nt);
        st.std = ldexp(sqrt((a->m2 + ds * ds * (na * nb / nt)) / nt), a->e);
    }
    st.q1 = imputed_quantile(&a->q, a->m, k, st.median, 0.25);
    st.q3 = imputed_quantile(&a->q, a->m, k, st.median, 0.75);
    return seg_scol_numeric_finish(out, s->name, &st);
}

static int finish_categorical(const seg_scaler_stream *ss, stream_col *s, scol *out)
{
    cat_acc *a = &s->cat;
    size_t m = seg_strtab_size(&a->levels);
    level_count *tab = seg_malloc_array(m + 1, sizeof *tab);
    if (!tab)
        return SEG_NOMEM();
    for (size_t l = 0; l < m; l++)
        tab[l] = (level_count){seg_strtab_str(&a->levels, l), a->count[l]};
    int rc = seg_scol_levels_finish(ss->settings, s->name, tab, m, a->n_missing, a->n,
                                    a->overflow && a->all_distinct, out);
    seg_free(tab);
    return rc;
}

int seg_scaler_stream_finish(seg_scaler_stream *ss, seg_scaler *sc)
{
    SEG_ALLOC_SCOPE(sc);
    scol *cols = NULL;
    int rc;
    if (!ss || !sc)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_scaler_stream_finish: NULL argument");
    if (ss->rows == 0)
        return seg_fail(SEG_ERR_EMPTY, "seg_scaler_stream_finish: no rows were added");
    int64_t order = SEG_IMPUTE_THEN_SCALE;
    if ((rc = seg_scaler_get_int(ss->settings, SEG_SCALER_IMPUTE_ORDER, &order)) < 0)
        return rc;
    const bool impute_first = order == SEG_IMPUTE_THEN_SCALE;
    if (!(cols = seg_calloc(ss->n_cols, sizeof *cols)))
        return SEG_NOMEM();
    for (size_t j = 0; j < ss->n_cols; j++) {
        stream_col *s = &ss->cols[j];
        if (!(cols[j].name = seg_strdup(s->name))) {
            rc = SEG_NOMEM();
            goto fail;
        }
        rc = s->type == SEG_COLUMN_NUMERIC ? finish_numeric(s, ss->rows, impute_first, &cols[j])
                                           : finish_categorical(ss, s, &cols[j]);
        if (rc < 0)
            goto fail;
    }
    return seg_scaler_install(sc, cols, ss->n_cols);
fail:
    seg_scol_array_free(cols, ss->n_cols);
    return rc;
}

size_t seg_scaler_stream_bytes(const seg_scaler_stream *ss)
{
    size_t b = 0;
    if (!ss)
        return 0;
    b += ss->cap_buf * sizeof(double) + ss->n_cols * sizeof(stream_col);
    for (size_t j = 0; j < ss->n_cols; j++) {
        const stream_col *s = &ss->cols[j];
        if (s->type == SEG_COLUMN_NUMERIC) {
            b += seg_qsketch_bytes(&s->num.q);
        } else {
            b += s->cat.cap * sizeof(size_t);
            for (size_t l = 0; l < seg_strtab_size(&s->cat.levels); l++)
                b += strlen(seg_strtab_str(&s->cat.levels, l)) + 1 + 32;
        }
    }
    return b;
}
