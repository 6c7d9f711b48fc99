/*
 * seg segment --method ward [--pre-cluster M]: Ward hierarchical clustering
 * of the scaled feature matrix, cut into k segments, with the metrics and
 * summary k-means reports. Kept apart from cmd_segment.c, which only parses
 * the two options and calls segment_ward() once the scaler is fitted.
 */
#include <seg.h>

#include "cli.h"
#include "out.h"
#include "output.h"
#include "ward.h"
#include "explain.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* What Ward makes of the data: the scaled features, the tree, each
 * customer's segment, the segments' sizes and weights, and the metrics. */
typedef struct ward_result {
    size_t n, d, k, leaves; /* leaves: rows Ward ran on (M when pre-clustered) */
    double *x;              /* n x d scaled features */
    seg_linkage *tree;
    int32_t *labels;
    size_t *size;
    double *weight;
    double silhouette, davies_bouldin, calinski_harabasz, seconds;
} ward_result;

static void ward_result_free(ward_result *s)
{
    free(s->x);
    seg_linkage_free(s->tree);
    free(s->labels);
    free(s->size);
    free(s->weight);
}

/*
 * Pre-clustering: k-means with M segments, then weighted Ward on the M
 * centroids (weights = the segments' weights); each row takes the Ward label
 * of its micro-cluster.
 */
static int ward_labels(const ward_request *r, const double *x, size_t n, size_t d, const double *w,
                       int32_t *labels, size_t *leaves, seg_linkage **tree)
{
    seg_kmeans *km = NULL;
    seg_model *m = NULL;
    seg_linkage *l = NULL;
    double *c = NULL, *cw = NULL;
    int32_t *micro = NULL;
    int rc;

    if (r->pre_cluster == 0 || (size_t)r->pre_cluster >= n) {
        *leaves = n;
        if ((rc = seg_linkage_fit_ward_f64(x, n, d, w, tree)) == 0)
            rc = seg_linkage_cut_k(*tree, (size_t)r->k, labels, n);
        return rc;
    }
    size_t mm = (size_t)r->pre_cluster;
    *leaves = mm;
    if ((rc = seg_kmeans_new(&km)) < 0 ||
        (rc = seg_kmeans_set_int(km, SEG_KMEANS_K, r->pre_cluster)) < 0 ||
        (rc = seg_kmeans_set_int(km, SEG_KMEANS_SEED, r->seed)) < 0 ||
        (rc = seg_kmeans_set_int(km, SEG_KMEANS_THREADS, r->threads)) < 0 ||
        (rc = seg_kmeans_fit_f64(km, x, n, d, w, labels, &m)) < 0)
        goto done;
    c = malloc(mm * d * sizeof *c);
    cw = malloc(mm * sizeof *cw);
    micro = malloc(mm * sizeof *micro);
    if (!c || !cw || !micro) {
        rc = SEG_ERR_NOMEM;
        goto done;
    }
    if ((rc = seg_model_centroids_f64(m, c, mm * d)) < 0)
        goto done;
    for (size_t j = 0; j < mm; j++)
        cw[j] = seg_model_segment_weight(m, j);
    if ((rc = seg_linkage_fit_ward_f64(c, mm, d, cw, &l)) < 0 ||
        (rc = seg_linkage_cut_k(l, (size_t)r->k, micro, mm)) < 0)
        goto done;
    for (size_t i = 0; i < n; i++)
        labels[i] = micro[labels[i]];
    *tree = l;
    l = NULL;
done:
    seg_linkage_free(l);
    seg_model_free(m);
    seg_kmeans_free(km);
    free(c);
    free(cw);
    free(micro);
    return rc;
}

static void ward_json(const ward_request *r, const seg_scaler *sc, const seg_model *m,
                      const ward_result *s, const summary *rs)
{
    FILE *f = stdout;
    fprintf(f, "{\n  \"version\": ");
    json_string(f, seg_version_string());
    fprintf(f, ",\n  \"file\": ");
    json_string(f, r->file);
    fprintf(f, ",\n  \"method\": \"ward\",\n  \"pre_cluster\": %lld,\n  \"ward_rows\": %zu",
            (long long)r->pre_cluster, s->leaves);
    fprintf(f, ",\n  \"n\": %zu,\n  \"d\": %zu,\n  \"k\": %zu,\n  \"dtype\": \"f64\"", s->n, s->d,
            s->k);
    fprintf(f, ",\n  \"min_segment_size\": %zu", seg_model_min_profile_size(m));
    roles_json(f, rs->ds);
    left_out_json(f, rs->left);
    fprintf(f, ",\n  \"seed\": %lld,\n  \"fit_seconds\": ", (long long)r->seed);
    json_number(f, s->seconds);
    json_quality(f, s->silhouette, r->silhouette_sample, s->n, s->davies_bouldin,
                 s->calinski_harabasz, sc, s->d);
    fprintf(f, ",\n  \"segments\": [");
    for (size_t j = 0; j < s->k; j++) {
        fprintf(f, "%s\n    {\"id\": %zu, \"size\": %zu, \"share\": ", j ? "," : "", j, s->size[j]);
        json_number(f, (double)s->size[j] / (double)s->n);
        fprintf(f, ", \"weight\": ");
        json_number(f, s->weight[j]);
        fprintf(f, ", \"label\": ");
        json_string(f, seg_model_segment_label(m, j));
        fprintf(f, ", \"profile_withheld\": %s",
                seg_model_profile_withheld(m, j) ? "true" : "false");
        campaign_json_segment(f, rs, j);
        fprintf(f, "}");
    }
    fprintf(f, "\n  ]");
    campaign_json(f, r->o, rs);
    fprintf(f, "\n}\n");
}

static void ward_text(const ward_request *r, const seg_model *m, const ward_result *s,
                      const summary *rs)
{
    printf("libseg %s: Ward hierarchical clustering on %zu customers x %zu features (%s)\n",
           seg_version_string(), s->n, s->d, r->file);
    if (s->leaves < s->n)
        printf("pre-clustered by k-means into %zu micro-clusters, then weighted Ward\n", s->leaves);
    printf("k = %zu, fit %.3f s\n", s->k, s->seconds);
    printf("silhouette = %.4f, Davies-Bouldin = %.4f, Calinski-Harabasz = %.1f\n\n", s->silhouette,
           s->davies_bouldin, s->calinski_harabasz);
    printf("segment  customers   share  label\n");
    for (size_t j = 0; j < s->k; j++)
        printf("%7zu  %9zu  %5.1f %%  %s\n", j, s->size[j],
               100.0 * (double)s->size[j] / (double)s->n, seg_model_segment_label(m, j));
    print_withheld(stdout, m);
    if (rs->camp)
        campaign_text(r->o, rs);
}

/* Each output to its temporary file, the summary (on stderr when the
 * assignments are standard output), then the files renamed into place. */
static int ward_outputs(const ward_request *r, const seg_scaler *sc, const seg_model *m,
                        const ward_result *s, const summary *rs)
{
    outputs *out = r->out;
    int status = 0, saved;
    bool ok;
    FILE *f;
    if (r->o->model && (status = outputs_write_model(out, r->o->model, m)) != 0)
        return status;
    if (r->o->report) {
        f = outputs_open(out, r->o->report);
        if ((status = outputs_finish(out, f, f && write_report(f, r->o, rs) == 0)) != 0)
            return status;
    }
    if (r->assignments) {
        f = outputs_open(out, r->assignments);
        ok = f && write_assignments(f, rs->ds, s->labels, NULL, s->n, NULL, 0) == 0;
        if ((status = outputs_finish(out, f, ok)) != 0)
            return status;
    }
    if (r->features) {
        f = outputs_open(out, r->features);
        ok = f && write_features(f, r->features, s->x, false, s->n, s->d, sc) == 0;
        if ((status = outputs_finish(out, f, ok)) != 0)
            return status;
    }
    if (summary_to_stderr(outputs_to_stdout(out), &saved)) {
        if (r->json)
            ward_json(r, sc, m, s, rs);
        else
            ward_text(r, m, s, rs);
    }
    summary_restore(saved);
    return outputs_commit(out);
}

static int metrics(const ward_request *r, const double *w, ward_result *s)
{
    const double *x = s->x;
    const int32_t *labels = s->labels;
    int rc;
    s->silhouette = s->davies_bouldin = s->calinski_harabasz = NAN;
    if (s->k < 2)
        return 0;
    const int32_t *const labs[1] = {labels};
    rc = seg_metrics_silhouettes_threads_f64(x, s->n, s->d, labs, &s->k, 1, w,
                                             (size_t)r->silhouette_sample, (uint64_t)r->seed,
                                             r->threads, &s->silhouette);
    if (rc == 0)
        rc = seg_metrics_davies_bouldin_f64(x, s->n, s->d, labels, s->k, w, &s->davies_bouldin);
    if (rc == 0)
        rc = seg_metrics_calinski_harabasz_f64(x, s->n, s->d, labels, s->k, w,
                                               &s->calinski_harabasz);
    return rc;
}

int segment_ward(const ward_request *r, const seg_dataset *ds, const seg_scaler *sc)
{
    ward_result s = {0};
    seg_model *m = NULL;
    seg_campaign *camp = NULL;
    const double *w = seg_dataset_weights(ds);
    const char *stage = "Ward clustering";
    int rc, status = EXIT_DATA;

    s.n = seg_dataset_rows(ds);
    s.d = seg_scaler_features(sc);
    s.x = malloc(s.n * s.d * sizeof *s.x);
    s.labels = malloc(s.n * sizeof *s.labels);
    if (!s.x || !s.labels) {
        rc = SEG_ERR_NOMEM;
        goto fail;
    }
    if ((size_t)r->k > s.n) {
        fprintf(stderr, "%s: --k %lld exceeds the %zu customers\n", progname, (long long)r->k, s.n);
        status = EXIT_USAGE;
        goto out;
    }
    if ((rc = seg_scaler_transform_f64(sc, ds, s.x, s.n * s.d)) < 0)
        goto fail;
    struct timespec t0, t1;
    timespec_get(&t0, TIME_UTC);
    if ((rc = ward_labels(r, s.x, s.n, s.d, w, s.labels, &s.leaves, &s.tree)) < 0)
        goto fail;
    timespec_get(&t1, TIME_UTC);
    s.seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    s.k = (size_t)r->k;
    s.size = calloc(s.k, sizeof *s.size);
    s.weight = calloc(s.k, sizeof *s.weight);
    if (!s.size || !s.weight) {
        rc = SEG_ERR_NOMEM;
        goto fail;
    }
    for (size_t i = 0; i < s.n; i++) {
        s.size[s.labels[i]]++;
        s.weight[s.labels[i]] += w ? w[i] : 1.0;
    }
    stage = "scoring";
    if ((rc = metrics(r, w, &s)) < 0)
        goto fail;
    /* A model of the segment means carries the profiles and labels, and is
     * what --model saves and the report reads, as for k-means; built from
     * the matrix at hand, not a second encoding. */
    stage = "describing the segments";
    if ((rc = seg_model_from_labels_encoded_f64(ds, sc, s.x, s.n, s.d, s.labels, s.k,
                                                (size_t)r->o->min_segment_size, &m)) < 0 ||
        (rc = seg_model_set_metric(m, SEG_MODEL_SILHOUETTE, s.silhouette)) < 0 ||
        (rc = seg_model_set_metric(m, SEG_MODEL_DAVIES_BOULDIN, s.davies_bouldin)) < 0 ||
        (rc = seg_model_set_metric(m, SEG_MODEL_CALINSKI_HARABASZ, s.calinski_harabasz)) < 0 ||
        (rc = record_left_out(r->o, r->left, r->input_names, r->n_input, m)) < 0)
        goto fail;
    stage = "explaining the segments";
    if ((rc = explain_fit_tree(m, s.x, false, s.n, s.d, s.labels, r->threads)) < 0)
        goto fail;
    summary rs = {.n = s.n, .d = s.d, .k = s.k, .silhouette = s.silhouette,
                  .davies_bouldin = s.davies_bouldin, .calinski_harabasz = s.calinski_harabasz,
                  .ds = ds, .sc = sc, .m = m, .x = s.x, .labels = s.labels, .tree = s.tree,
                  .left = r->left};
    stage = "campaign metrics";
    if (r->outcome && (rc = run_campaign(r->o, &rs, r->outcome, r->control, &camp)) < 0)
        goto fail;
    rs.camp = camp;
    status = ward_outputs(r, sc, m, &s, &rs);
    goto out;
fail:
    status = lib_error(stage, rc);
out:
    seg_campaign_free(camp);
    seg_model_free(m);
    ward_result_free(&s);
    return status;
}
