/*
 * Fitted models: creation from centroids and read-only accessors.
 */
#include "model/model.h"
#include "kernel/distance.h"
#include "model/profile.h"
#include "model/outlier.h"
#include "model/tree.h"
#include "model/kproto.h"
#include "model/mixture.h"

#include <string.h>

int seg_model_create(seg_model **out, size_t k, size_t d, seg_dtype dtype,
                     const double *centroids)
{
    size_t kd;
    if (!seg_mul_ok(k, d, &kd))
        return seg_fail(SEG_ERR_OVERFLOW, "%zu x %zu centroids overflow", k, d);
    seg_model *m = seg_calloc(1, sizeof *m);
    if (!m)
        return SEG_NOMEM();
    m->k = k;
    m->d = d;
    m->dtype = dtype;
    m->centroids = seg_malloc_array(kd, sizeof *m->centroids);
    m->centroids_f32 = seg_malloc_array(kd, sizeof *m->centroids_f32);
    m->cnorm = seg_malloc_array(k, sizeof *m->cnorm);
    m->cnorm_f32 = seg_malloc_array(k, sizeof *m->cnorm_f32);
    m->sizes = seg_calloc(k, sizeof *m->sizes);
    m->weights = seg_calloc(k, sizeof *m->weights);
    if (!m->centroids || !m->centroids_f32 || !m->cnorm || !m->cnorm_f32 || !m->sizes ||
        !m->weights) {
        seg_model_free(m);
        return SEG_NOMEM();
    }
    memcpy(m->centroids, centroids, kd * sizeof *m->centroids);
    for (size_t i = 0; i < sizeof m->metric / sizeof m->metric[0]; i++)
        m->metric[i] = NAN;
    /* The same conversions the fit's last pass made, so predict on the
     * training matrix reproduces the fit's labels exactly. */
    for (size_t i = 0; i < kd; i++)
        m->centroids_f32[i] = (float)centroids[i];
    seg_row_norms_f64(m->centroids, k, d, m->cnorm);
    seg_row_norms_f32(m->centroids_f32, k, d, m->cnorm_f32);
    *out = m;
    return SEG_OK;
}

void seg_model_free(seg_model *m)
{
    if (!m)
        return;
    seg_free(m->centroids);
    seg_free(m->centroids_f32);
    seg_free(m->cnorm);
    seg_free(m->cnorm_f32);
    seg_free(m->sizes);
    seg_free(m->weights);
    seg_scaler_free(m->scaler);
    seg_free(m->written_by);
    seg_profile_free(m->profile);
    seg_outliers_free(m->outliers);
    seg_xtree_free(m->tree);
    seg_kproto_free(m->kproto);
    seg_mixture_free(m->mixture);
    for (size_t i = 0; i < m->n_left; i++) {
        seg_free(m->left_name[i]);
        seg_free(m->left_reason[i]);
    }
    seg_free(m->left_name);
    seg_free(m->left_reason);
    seg_free(m->cap_min);
    seg_free(m->cap_max);
    seg_free(m);
}

size_t seg_model_k(const seg_model *m)
{
    return m ? m->k : 0;
}

size_t seg_model_dim(const seg_model *m)
{
    return m ? m->d : 0;
}

int seg_model_centroids_f64(const seg_model *m, double *out, size_t len)
{
    if (!m || !out)
        return seg_fail(SEG_ERR_INVALID_ARG, "NULL argument");
    if (len < m->k * m->d)
        return seg_fail(SEG_ERR_MISMATCH, "output holds %zu values, %zu needed", len,
                        m->k * m->d);
    memcpy(out, m->centroids, m->k * m->d * sizeof *out);
    return SEG_OK;
}

double seg_model_inertia(const seg_model *m)
{
    return m ? m->inertia : 0;
}

int64_t seg_model_iterations(const seg_model *m)
{
    return m ? m->iterations : 0;
}

int seg_model_converged(const seg_model *m)
{
    return m ? m->converged : 0;
}

size_t seg_model_rows(const seg_model *m)
{
    return m ? m->n_rows : 0;
}

size_t seg_model_segment_size(const seg_model *m, size_t j)
{
    return m && j < m->k ? m->sizes[j] : 0;
}

double seg_model_segment_weight(const seg_model *m, size_t j)
{
    return m && j < m->k ? m->weights[j] : 0;
}

double seg_model_fit_seconds(const seg_model *m)
{
    return m ? m->fit_seconds : 0;
}

double seg_model_init_seconds(const seg_model *m)
{
    return m ? m->init_seconds : 0;
}

const seg_scaler *seg_model_scaler(const seg_model *m)
{
    return m ? m->scaler : NULL;
}

/* ---- quality measures kept with the model ---------------------------------- */

static int metric_slot(seg_model_metric which)
{
    int i = (int)which - SEG_MODEL_SILHOUETTE;
    return i >= 0 && i < 3 ? i : -1;
}

int seg_model_set_metric(seg_model *m, seg_model_metric which, double value)
{
    int i = metric_slot(which);
    if (!m || i < 0)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_model_set_metric: NULL model or unknown metric %d",
                        (int)which);
    m->metric[i] = value;
    return SEG_OK;
}

int seg_model_add_left_out(seg_model *m, const char *column, const char *reason)
{
    if (!m || !column || !reason)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_model_add_left_out: NULL argument");
    if (m->n_left >= 100000)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_model_add_left_out: more than 100000 columns");
    char **names = seg_realloc(m->left_name, (m->n_left + 1) * sizeof *names);
    if (!names)
        return SEG_NOMEM();
    m->left_name = names;
    char **reasons = seg_realloc(m->left_reason, (m->n_left + 1) * sizeof *reasons);
    if (!reasons)
        return SEG_NOMEM();
    m->left_reason = reasons;
    char *a = seg_strdup(column), *b = seg_strdup(reason);
    if (!a || !b) {
        seg_free(a);
        seg_free(b);
        return SEG_NOMEM();
    }
    m->left_name[m->n_left] = a;
    m->left_reason[m->n_left++] = b;
    return SEG_OK;
}

size_t seg_model_left_out_columns(const seg_model *m)
{
    return m ? m->n_left : 0;
}

const char *seg_model_left_out_name(const seg_model *m, size_t i)
{
    return m && i < m->n_left ? m->left_name[i] : NULL;
}

const char *seg_model_left_out_reason(const seg_model *m, size_t i)
{
    return m && i < m->n_left ? m->left_reason[i] : NULL;
}

double seg_model_get_metric(const seg_model *m, seg_model_metric which)
{
    int i = metric_slot(which);
    return m && i >= 0 ? m->metric[i] : NAN;
}

const char *seg_model_library_version(const seg_model *m)
{
    if (!m)
        return NULL;
    return m->written_by ? m->written_by : seg_version_string();
}

int seg_model_capacity(const seg_model *m, int64_t *min_size, int64_t *max_size, size_t k)
{
    if (!m)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_model_capacity: m is NULL");
    if (k != m->k)
        return seg_fail(SEG_ERR_MISMATCH, "the model has %zu segments, not %zu", m->k, k);
    if (!m->cap_min)
        return seg_fail(SEG_ERR_STATE, "the model was fitted without size bounds");
    for (size_t j = 0; j < k; j++) {
        if (min_size)
            min_size[j] = m->cap_min[j];
        if (max_size)
            max_size[j] = m->cap_max[j];
    }
    return SEG_OK;
}
