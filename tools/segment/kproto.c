/*
 * seg segment --method kprototypes: k-prototypes on the scaled rows, the
 * categorical columns scored by mismatches (seg_kprototypes_*), with a sweep
 * over k by the silhouette in the k-prototypes geometry. Called by
 * cmd_segment.c at its fit and sweep steps; everything else (profiles,
 * outputs, report, model file) is the k-means path's, on the model it fits.
 */
#include "kproto.h"

#include "cli.h"
#include "out.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The sweep's figures, one per k (the command runs once per process). */
typedef struct kp_row {
    size_t k;
    double cost, silhouette, min_share, max_share;
} kp_row;
static kp_row *sweep_rows;
static size_t sweep_n, sweep_chosen;
static bool sweep_bounded; /* the chosen k keeps every segment within the bounds */

bool kproto_wanted(const opts *o)
{
    return strcmp(o->method, "kprototypes") == 0;
}

int kproto_check(const opts *o)
{
    const bool kp_init = strcmp(o->init, "huang") == 0 || strcmp(o->init, "cao") == 0;
    if (!kproto_wanted(o)) {
        if (kp_init)
            return usage_error("segment ", "--init %s goes with --method kprototypes", o->init);
        if (!isnan(o->gamma))
            return usage_error("segment ", "%s", "--gamma goes with --method kprototypes");
        return 0;
    }
    if (o->memory)
        return usage_error("segment ", "%s", "--method kprototypes reads FILE whole (no --memory)");
    if (strcmp(o->dtype, "f64") != 0)
        return usage_error("segment ", "%s",
                           "--method kprototypes computes in double (--dtype f64)");
    if (!kp_init && strcmp(o->init, "kmeans++") != 0)
        return usage_error("segment ", "--method kprototypes takes --init huang or cao, not '%s'",
                           o->init);
    return 0;
}

static int configure(const opts *o, size_t k, seg_kprototypes *kp)
{
    int rc = seg_kprototypes_set_int(kp, SEG_KPROTOTYPES_K, (int64_t)k);
    if (rc == 0)
        rc = seg_kprototypes_set_int(kp, SEG_KPROTOTYPES_INIT,
                                     strcmp(o->init, "cao") == 0 ? SEG_KPROTOTYPES_INIT_CAO
                                                                 : SEG_KPROTOTYPES_INIT_HUANG);
    if (rc == 0)
        rc = seg_kprototypes_set_int(kp, SEG_KPROTOTYPES_N_INIT, o->n_init);
    if (rc == 0)
        rc = seg_kprototypes_set_int(kp, SEG_KPROTOTYPES_MAX_ITER, o->max_iter);
    if (rc == 0)
        rc = seg_kprototypes_set_int(kp, SEG_KPROTOTYPES_SEED, o->seed);
    if (rc == 0)
        rc = seg_kprototypes_set_int(kp, SEG_KPROTOTYPES_THREADS, o->threads);
    if (rc == 0)
        rc = seg_kprototypes_set_int(kp, SEG_KPROTOTYPES_MIN_PROFILE_SIZE, o->min_segment_size);
    if (rc == 0 && !isnan(o->gamma))
        rc = seg_kprototypes_set_double(kp, SEG_KPROTOTYPES_GAMMA, o->gamma);
    return rc;
}

int kproto_fit(const opts *o, const summary *s, size_t k, int32_t *labels, double *dist,
               seg_model **m)
{
    seg_kprototypes *kp = NULL;
    int rc = seg_kprototypes_new(&kp);
    if (rc == 0)
        rc = configure(o, k, kp);
    if (rc == 0)
        rc = seg_kprototypes_fit_encoded_f64(kp, s->ds, s->sc, s->x, s->n, s->d, labels, dist, m);
    seg_kprototypes_free(kp);
    return rc;
}

/* Whether feature j of s's matrix belongs to a categorical column, and how
 * many features that column has. */
static bool categorical_feature(const summary *s, size_t j, size_t *width)
{
    const char *col = seg_scaler_feature_column(s->sc, j);
    size_t at;
    *width = 0;
    if (!col || seg_dataset_column_index(s->ds, col, &at) < 0 ||
        seg_dataset_column_type(s->ds, at) != SEG_COLUMN_CATEGORICAL)
        return false;
    for (size_t f = 0; f < s->d; f++)
        *width += strcmp(seg_scaler_feature_column(s->sc, f), col) == 0;
    return true;
}

/* Squared Euclidean distances on these rows are the k-prototypes cost: a
 * one-hot block's mismatch puts two 1s apart (scaled by sqrt(gamma / 2)), a
 * binary feature's one (scaled by sqrt(gamma)). */
static double *geometry(const summary *s, double gamma)
{
    double *scale = malloc(s->d * sizeof *scale);
    double *x = scale ? malloc(s->n * s->d * sizeof *x) : NULL;
    if (!x) {
        free(scale);
        return NULL;
    }
    for (size_t j = 0; j < s->d; j++) {
        size_t width;
        scale[j] = categorical_feature(s, j, &width) ? sqrt(width > 1 ? gamma / 2 : gamma) : 1.0;
    }
    const double *src = s->x;
    for (size_t i = 0; i < s->n * s->d; i++)
        x[i] = src[i] * scale[i % s->d];
    free(scale);
    return x;
}

double *kproto_geometry(const summary *s)
{
    return geometry(s, seg_model_kprototypes_gamma(s->m));
}

int kproto_sweep(const opts *o, const summary *s, size_t *k)
{
    const size_t lo = (size_t)o->k_min, hi = (size_t)o->k_max < s->n ? (size_t)o->k_max : s->n;
    int32_t *labels = malloc(s->n * sizeof *labels);
    double *x = NULL;
    int rc = 0;
    free(sweep_rows);
    sweep_n = 0;
    sweep_rows = calloc(hi >= lo ? hi - lo + 1 : 1, sizeof *sweep_rows);
    if (!labels || !sweep_rows) {
        free(labels);
        return SEG_ERR_NOMEM;
    }
    for (size_t kk = lo; kk <= hi && rc == 0; kk++) {
        seg_model *m = NULL;
        kp_row *r = &sweep_rows[sweep_n];
        if ((rc = kproto_fit(o, s, kk, labels, NULL, &m)) < 0)
            break;
        if (!x && !(x = geometry(s, seg_model_kprototypes_gamma(m)))) {
            seg_model_free(m);
            rc = SEG_ERR_NOMEM;
            break;
        }
        r->k = kk;
        r->cost = seg_model_inertia(m);
        r->min_share = 1;
        r->max_share = 0;
        double total = 0;
        for (size_t j = 0; j < kk; j++)
            total += seg_model_segment_weight(m, j);
        for (size_t j = 0; j < kk; j++) {
            const double sh = seg_model_segment_weight(m, j) / total;
            r->min_share = sh < r->min_share ? sh : r->min_share;
            r->max_share = sh > r->max_share ? sh : r->max_share;
        }
        const int32_t *const labs[1] = {labels};
        rc = seg_metrics_silhouettes_threads_f64(x, s->n, s->d, labs, &kk, 1,
                                                 seg_dataset_weights(s->ds),
                                                 (size_t)o->silhouette_sample, (uint64_t)o->seed,
                                                 o->threads, &r->silhouette);
        seg_model_free(m);
        sweep_n++;
    }
    free(labels);
    free(x);
    if (rc < 0)
        return rc;
    /* The best silhouette among the k whose segments all hold 5 % .. 60 % of
     * the customers; the best overall when none does (as the k-means sweep). */
    size_t best = SIZE_MAX;
    for (int pass = 0; pass < 2 && best == SIZE_MAX; pass++)
        for (size_t i = 0; i < sweep_n; i++) {
            const kp_row *r = &sweep_rows[i];
            const bool in = r->min_share >= SMALL_SEGMENT && r->max_share <= LARGE_SEGMENT;
            if ((pass == 1 || in) && isfinite(r->silhouette) &&
                (best == SIZE_MAX || r->silhouette > sweep_rows[best].silhouette))
                best = i;
        }
    if (best == SIZE_MAX)
        best = 0;
    sweep_chosen = best;
    sweep_bounded =
        sweep_rows[best].min_share >= SMALL_SEGMENT && sweep_rows[best].max_share <= LARGE_SEGMENT;
    *k = sweep_rows[best].k;
    return 0;
}

bool kproto_swept(void)
{
    return sweep_n > 0;
}

void kproto_json(FILE *f, const opts *o, const summary *s)
{
    if (!kproto_wanted(o))
        return;
    fprintf(f, ",\n  \"method\": \"kprototypes\",\n  \"init\": \"%s\",\n  \"gamma\": ",
            strcmp(o->init, "cao") == 0 ? "cao" : "huang");
    json_number(f, seg_model_kprototypes_gamma(s->m));
    fprintf(f, ",\n  \"gamma_rule\": \"%s\",\n  \"cost\": ",
            isnan(o->gamma) ? "0.5 x mean standard deviation of the scaled numeric features"
                            : "given");
    json_number(f, seg_model_inertia(s->m));
    fprintf(f, ",\n  \"kprototypes_sweep\": [");
    for (size_t i = 0; i < sweep_n; i++) {
        const kp_row *r = &sweep_rows[i];
        fprintf(f, "%s\n    {\"k\": %zu, \"cost\": ", i ? "," : "", r->k);
        json_number(f, r->cost);
        fprintf(f, ", \"silhouette\": ");
        json_number(f, r->silhouette);
        fprintf(f, ", \"smallest_share\": ");
        json_number(f, r->min_share);
        fprintf(f, ", \"largest_share\": ");
        json_number(f, r->max_share);
        fprintf(f, ", \"chosen\": %s}", i == sweep_chosen ? "true" : "false");
    }
    fprintf(f, "%s]", sweep_n ? "\n  " : "");
    if (sweep_n)
        fprintf(f, ",\n  \"kprototypes_sweep_within_size_bounds\": %s",
                sweep_bounded ? "true" : "false");
}

void kproto_text(const opts *o, const summary *s)
{
    if (!kproto_wanted(o))
        return;
    if (sweep_n) {
        printf("k-prototypes sweep (silhouette in the k-prototypes geometry):\n"
               "   k          cost  silhouette  smallest  largest\n");
        for (size_t i = 0; i < sweep_n; i++) {
            const kp_row *r = &sweep_rows[i];
            printf("%4zu  %12.6g  %10.4f  %7.1f %%  %6.1f %%%s\n", r->k, r->cost, r->silhouette,
                   100 * r->min_share, 100 * r->max_share, i == sweep_chosen ? "  <- chosen" : "");
        }
        printf("chosen: the best silhouette %s\n",
               sweep_bounded ? "among the k whose segments all hold 5 % .. 60 % of the customers"
                             : "overall (no k keeps every segment within 5 % .. 60 %)");
    }
    printf("k-prototypes: gamma = %.6g (%s), cost = %.6g, init %s\n",
           seg_model_kprototypes_gamma(s->m), isnan(o->gamma) ? "kmodes rule" : "given",
           seg_model_inertia(s->m), strcmp(o->init, "cao") == 0 ? "cao" : "huang");
}

void report_kproto(FILE *f, const opts *o, const summary *s)
{
    if (!kproto_wanted(o))
        return;
    fprintf(f,
            "<section id=\"kprototypes\">\n<h2>K-prototypes</h2>\n"
            "<p>Segmented by k-prototypes: squared distance on the scaled numeric columns "
            "plus gamma = %.4g (%s) for each categorical column whose level differs from "
            "the segment's most common one; the categorical columns are compared as levels, "
            "not as one-hot numbers. Total cost %.6g; init %s. The quality measures are "
            "computed in that geometry.</p>\n",
            seg_model_kprototypes_gamma(s->m),
            isnan(o->gamma) ? "0.5 x the mean standard deviation of the scaled numeric columns"
                            : "given",
            seg_model_inertia(s->m), strcmp(o->init, "cao") == 0 ? "Cao" : "Huang");
    if (sweep_n) {
        fprintf(f, "<table>\n<tr><th>k</th><th>cost</th><th>silhouette</th>"
                   "<th>smallest</th><th>largest</th></tr>\n");
        for (size_t i = 0; i < sweep_n; i++) {
            const kp_row *r = &sweep_rows[i];
            fprintf(f,
                    "<tr%s><td>%zu</td><td>%.6g</td><td>%.4f</td><td>%.1f %%</td>"
                    "<td>%.1f %%</td></tr>\n",
                    i == sweep_chosen ? " class=\"chosen\"" : "", r->k, r->cost, r->silhouette,
                    100 * r->min_share, 100 * r->max_share);
        }
        fprintf(f, "</table>\n");
    }
    fprintf(f, "</section>\n");
}
