/*
 * Scaler transform: applies a fitted scaler (scaler.c) to a dataset whose
 * columns carry the training names, into a caller's row-major float or double
 * matrix. Reads the fitted state only, so one fitted scaler can transform from
 * many threads at once.
 */
#include "prepare/scaler.h"
#include "data/data.h"

#include <math.h>
#include <string.h>

/* Output elements encoded per block in transform: 128 KiB of doubles, so a
 * block stays in L2 while every column writes its strided slots in it. */
#define BLOCK_ELEMS 16384

/* What a transform call resolves once: the dataset column of every scaler
 * column, and for categorical ones a table from dataset level code + 1 (0 is
 * missing) to the output index within the column, or -1 for no 1 at all. */
typedef struct plan {
    const seg_column **src;
    size_t *map_off;
    int32_t *maps;
} plan;

static void plan_free(plan *p)
{
    seg_free(p->src);
    seg_free(p->map_off);
    seg_free(p->maps);
}

static int32_t out_index(const scol *s, int64_t level)
{
    if (level < 0 || (uint64_t)level < s->first_level ||
        (uint64_t)level - s->first_level >= s->n_out)
        return -1;
    return (int32_t)((uint64_t)level - s->first_level);
}

static const char *dataset_name_at(const void *ds, size_t j)
{
    return ((const seg_dataset *)ds)->cols[j].name;
}

static int plan_build(const scaler_fit *f, const seg_dataset *ds, plan *p)
{
    const seg_column **sorted = seg_columns_by_name(ds);
    p->src = seg_calloc(f->n_cols, sizeof *p->src);
    p->map_off = seg_calloc(f->n_cols, sizeof *p->map_off);
    int rc = SEG_OK;
    if (!sorted || !p->src || !p->map_off) {
        rc = SEG_NOMEM();
        goto done;
    }
    size_t total = 0;
    for (size_t j = 0; j < f->n_cols; j++) {
        const scol *s = &f->cols[j];
        const seg_column *c = seg_columns_find(sorted, ds->n_cols, s->name);
        if (!c) {
            char hint[320];
            rc = seg_fail(
                SEG_ERR_NOT_FOUND, "column '%s' of the scaler is not in the dataset%s", s->name,
                seg_name_hint(s->name, dataset_name_at, ds, ds->n_cols, 0, hint, sizeof hint));
            goto done;
        }
        seg_column_type want =
            s->kind == SCOL_NUMERIC ? SEG_COLUMN_NUMERIC : SEG_COLUMN_CATEGORICAL;
        if (c->type != want) {
            rc = seg_fail(SEG_ERR_TYPE, "column '%s' is %s in the dataset but was %s in training",
                          s->name, c->type == SEG_COLUMN_NUMERIC ? "numeric" : "categorical",
                          want == SEG_COLUMN_NUMERIC ? "numeric" : "categorical");
            goto done;
        }
        p->src[j] = c;
        if (want == SEG_COLUMN_CATEGORICAL) {
            p->map_off[j] = total;
            if (c->n_levels > SIZE_MAX - 1 - total) {
                rc = seg_fail(SEG_ERR_OVERFLOW, "too many levels");
                goto done;
            }
            total += c->n_levels + 1;
        }
    }
    p->maps = seg_malloc_array(total, sizeof *p->maps);
    if (!p->maps) {
        rc = SEG_NOMEM();
        goto done;
    }
    for (size_t j = 0; j < f->n_cols; j++) {
        const scol *s = &f->cols[j];
        const seg_column *c = p->src[j];
        if (s->kind == SCOL_NUMERIC)
            continue;
        int32_t *map = p->maps + p->map_off[j];
        map[0] = out_index(s, s->impute_level);
        for (size_t d = 0; d < c->n_levels; d++) {
            const char *key = c->levels[d];
            int64_t l = key ? seg_scol_level_index(s, key) : -1;
            if (key && l < 0 && s->folded) /* rare in training, or never seen */
                l = (int64_t)s->other_level;
            map[d + 1] = out_index(s, l);
        }
    }
done:
    seg_free(sorted);
    return rc;
}

/* Encode rows r0 .. r0+nr-1 into dst, row-major with nf values a row. Columns
 * outer, rows inner: each column's decisions are made once per block. */
static void encode_block(const scaler_fit *f, const plan *p, size_t r0, size_t nr, double *dst)
{
    const size_t nf = f->n_features;
    memset(dst, 0, nr * nf * sizeof *dst);
    for (size_t j = 0; j < f->n_cols; j++) {
        const scol *s = &f->cols[j];
        const seg_column *c = p->src[j];
        double *o = dst + s->offset;
        if (s->kind == SCOL_NUMERIC) {
            const double med = s->median, center = s->center, scale = s->scale;
            const bool log1p = s->log1p;
            for (size_t i = 0; i < nr; i++) {
                double x = seg_column_value(c, r0 + i);
                if (isnan(x))
                    x = med;
                else if (log1p)
                    x = seg_signed_log1p(x);
                o[i * nf] = (x - center) / scale;
            }
        } else {
            const int32_t *map = p->maps + p->map_off[j];
            const int32_t *codes = c->codes + r0;
            const size_t nl = c->n_levels;
            for (size_t i = 0; i < nr; i++) {
                /* code -1 (missing) -> slot 0; codes out of range encode as zeros */
                size_t u = (size_t)((uint32_t)codes[i] + 1u);
                if (u <= nl && map[u] >= 0)
                    o[i * nf + (size_t)map[u]] = 1.0;
            }
        }
    }
}

/* The one implementation behind both precisions: exactly one of out64, out32. */
static int transform(const seg_scaler *sc, const seg_dataset *ds, double *out64, float *out32,
                     size_t len)
{
    plan p = {0};
    double *scratch = NULL;
    size_t total;
    int rc;
    if (!sc || !ds || (!out64 && !out32))
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_scaler_transform: NULL argument");
    const scaler_fit *f = seg_scaler_fitted_state(sc);
    if (!f)
        return seg_fail(SEG_ERR_STATE, "seg_scaler_transform: the scaler is not fitted");
    const size_t n = ds->n_rows, nf = f->n_features;
    if (!seg_mul_ok(n, nf, &total))
        return seg_fail(SEG_ERR_OVERFLOW, "%zu rows x %zu features overflow", n, nf);
    if (len < total)
        return seg_fail(SEG_ERR_MISMATCH,
                        "output holds %zu values; %zu rows x %zu features need %zu", len, n, nf,
                        total);
    rc = plan_build(f, ds, &p);
    if (rc)
        goto done;
    size_t block = nf < BLOCK_ELEMS ? BLOCK_ELEMS / nf : 1;
    if (out32 && n > 0) {
        /* rows x nf <= n x nf, which did not overflow */
        scratch = seg_malloc_array((block < n ? block : n) * nf, sizeof *scratch);
        if (!scratch) {
            rc = SEG_NOMEM();
            goto done;
        }
    }
    for (size_t r0 = 0; r0 < n; r0 += block) {
        size_t nr = n - r0 < block ? n - r0 : block;
        double *dst = out64 ? out64 + r0 * nf : scratch;
        encode_block(f, &p, r0, nr, dst);
        if (out32) {
            float *o = out32 + r0 * nf;
            for (size_t e = 0; e < nr * nf; e++)
                o[e] = (float)dst[e];
        }
    }
done:
    plan_free(&p);
    seg_free(scratch);
    return rc;
}

int seg_scaler_transform_f32(const seg_scaler *sc, const seg_dataset *ds, float *out, size_t len)
{
    SEG_ALLOC_SCOPE(sc);
    return transform(sc, ds, NULL, out, len);
}

int seg_scaler_transform_f64(const seg_scaler *sc, const seg_dataset *ds, double *out, size_t len)
{
    SEG_ALLOC_SCOPE(sc);
    return transform(sc, ds, out, NULL, len);
}

/* The transform of a numeric column is ((t(x) or its median) - center) /
 * scale, in double: with no log1p, nothing missing, center +0 and scale 1 it
 * gives x back bit for bit (x - +0 is x, -0 included; x / 1 is x), and the
 * float output rounds a float's exact double back to itself. Columns are
 * matched by name, so the names must meet in order for the features to be
 * the dataset's columns as they stand. */
int seg_scaler_is_identity(const seg_scaler *sc, const seg_dataset *ds)
{
    const scaler_fit *f = sc ? seg_scaler_fitted_state(sc) : NULL;
    if (!f || !ds || f->n_cols != ds->n_cols || f->n_features != ds->n_cols)
        return 0;
    for (size_t j = 0; j < f->n_cols; j++) {
        const scol *s = &f->cols[j];
        const seg_column *c = &ds->cols[j];
        if (s->kind != SCOL_NUMERIC || s->log1p || s->offset != j || s->center != 0.0 ||
            signbit(s->center) || s->scale != 1.0 || c->type != SEG_COLUMN_NUMERIC ||
            c->n_missing != 0 || strcmp(s->name, c->name) != 0)
            return 0;
    }
    return 1;
}

int seg_dataset_features_f64(const seg_dataset *ds, const seg_scaler *sc, double **x, size_t *n,
                             size_t *d)
{
    size_t count;
    int rc;
    *x = NULL;
    if (sc && !seg_scaler_is_fitted(sc))
        return seg_fail(SEG_ERR_STATE, "the scaler is not fitted");
    *n = seg_dataset_rows(ds);
    *d = sc ? seg_scaler_features(sc) : seg_dataset_columns(ds);
    if (*n == 0 || *d == 0)
        return seg_fail(SEG_ERR_EMPTY, "dataset has %zu rows and %zu features", *n, *d);
    if (!seg_mul_ok(*n, *d, &count))
        return seg_fail(SEG_ERR_OVERFLOW, "%zu x %zu values overflow", *n, *d);
    double *m = seg_malloc_array(count, sizeof *m);
    if (!m)
        return SEG_NOMEM();
    rc = sc ? seg_scaler_transform_f64(sc, ds, m, count) : seg_dataset_copy_f64(ds, m, count);
    if (rc < 0) {
        seg_free(m);
        return rc;
    }
    *x = m;
    return SEG_OK;
}
