/*
 * seg info MODEL [--json]: what a saved model holds.
 */
#include <seg.h>

#include "predict_proba.h"
#include "cli.h"
#include "explain.h"
#include "out.h"
#include "profile_out.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    seg_model_metric id;
    const char *key, *title;
} metrics[] = {
    {SEG_MODEL_SILHOUETTE, "silhouette", "silhouette"},
    {SEG_MODEL_DAVIES_BOULDIN, "davies_bouldin", "Davies-Bouldin"},
    {SEG_MODEL_CALINSKI_HARABASZ, "calinski_harabasz", "Calinski-Harabasz"},
};
#define N_METRICS (sizeof metrics / sizeof metrics[0])

/* The size bounds of a capacity model ("capacity": null without), as JSON
 * or as a line per segment. */
static void capacity_info(const seg_model *m, bool json)
{
    const size_t k = seg_model_k(m);
    int64_t *lo = malloc(k * sizeof *lo), *hi = malloc(k * sizeof *hi);
    bool has = lo && hi && seg_model_capacity(m, lo, hi, k) == SEG_OK;
    if (json)
        printf(",\n  \"capacity\": %s", has ? "[" : "null");
    else if (has)
        printf("size bounds (size-constrained k-means):\n");
    for (size_t j = 0; has && j < k; j++) {
        if (json)
            printf("%s{\"id\": %zu, \"min\": %lld, \"max\": %lld}", j ? ", " : "", j,
                   (long long)lo[j], (long long)hi[j]);
        else
            printf("  segment %zu: %lld .. %lld customers\n", j, (long long)lo[j],
                   (long long)hi[j]);
    }
    if (json && has)
        printf("]");
    free(lo);
    free(hi);
}

static void info_json(const char *path, const seg_model *m)
{
    const seg_scaler *sc = seg_model_scaler(m);
    const size_t k = seg_model_k(m), d = seg_model_dim(m), n = seg_model_rows(m);
    printf("{\n  \"model\": ");
    json_string(stdout, path);
    printf(",\n  \"library_version\": ");
    json_string(stdout, seg_model_library_version(m));
    printf(",\n  \"k\": %zu,\n  \"d\": %zu,\n  \"n\": %zu,\n  \"iterations\": %lld,\n"
           "  \"converged\": %s,\n  \"inertia\": ",
           k, d, n, (long long)seg_model_iterations(m), seg_model_converged(m) ? "true" : "false");
    json_number(stdout, seg_model_inertia(m));
    if (!isnan(seg_model_kprototypes_gamma(m))) { /* k-prototypes: inertia is its cost */
        printf(",\n  \"method\": \"kprototypes\",\n  \"gamma\": ");
        json_number(stdout, seg_model_kprototypes_gamma(m));
    }
    for (size_t i = 0; i < N_METRICS; i++) {
        printf(",\n  \"%s\": ", metrics[i].key);
        json_number(stdout, seg_model_get_metric(m, metrics[i].id));
    }
    gmm_info_json(m);
    printf(",\n  \"min_segment_size\": %zu", seg_model_min_profile_size(m));
    capacity_info(m, true);
    printf(",\n  \"columns\": [");
    for (size_t c = 0; c < seg_model_profile_columns(m); c++) {
        printf("%s{\"name\": ", c ? ", " : "");
        json_string(stdout, seg_model_profile_column_name(m, c));
        printf(", \"type\": \"%s\", \"described\": %s}",
               seg_model_profile_column_type(m, c) == SEG_COLUMN_NUMERIC ? "numeric"
                                                                         : "categorical",
               seg_model_profile_column_described(m, c) ? "true" : "false");
    }
    printf("],\n  \"features\": [");
    for (size_t j = 0; sc && j < d; j++) {
        fputs(j ? ", " : "", stdout);
        json_string(stdout, seg_scaler_feature_name(sc, j));
    }
    printf("]");
    preparation_json(stdout, m);
    printf(",\n  \"segments\": [");
    for (size_t j = 0; j < k; j++) {
        const char *label = seg_model_segment_label(m, j);
        printf("%s\n    {\"id\": %zu, \"size\": %zu, \"share\": ", j ? "," : "", j,
               seg_model_segment_size(m, j));
        json_number(stdout, n ? (double)seg_model_segment_size(m, j) / (double)n : NAN);
        printf(", \"weight\": ");
        json_number(stdout, seg_model_segment_weight(m, j));
        printf(", \"label\": ");
        json_string(stdout, label ? label : "");
        printf(", \"profile_withheld\": %s,\n     \"profile\": ",
               seg_model_profile_withheld(m, j) ? "true" : "false");
        if (seg_model_profile_withheld(m, j) || seg_model_profile_columns(m) == 0)
            printf("null");
        else
            profile_json(stdout, m, j);
        printf("}");
    }
    printf("\n  ],\n  \"explanation\": ");
    if (seg_model_has_tree(m))
        explain_leaves_json(stdout, m, NULL, 4);
    else
        printf("null");
    printf("\n}\n");
}

static void info_text(const char *path, const seg_model *m)
{
    const seg_scaler *sc = seg_model_scaler(m);
    const size_t k = seg_model_k(m), d = seg_model_dim(m), n = seg_model_rows(m);
    printf("%s: libseg model written by libseg %s\n", path, seg_model_library_version(m));
    printf("k = %zu segments, d = %zu features, fitted on %zu customers\n", k, d, n);
    if (!isnan(seg_model_kprototypes_gamma(m)))
        printf("k-prototypes: gamma = %.6g; predict scores rows by squared distance on the "
               "numeric features + gamma x categorical mismatches (inertia: that cost)\n",
               seg_model_kprototypes_gamma(m));
    printf("inertia = %.6g, iterations = %lld (%s)\n", seg_model_inertia(m),
           (long long)seg_model_iterations(m),
           seg_model_converged(m) ? "converged" : "max-iter reached");
    gmm_info_text(m);
    for (size_t i = 0; i < N_METRICS; i++) {
        double v = seg_model_get_metric(m, metrics[i].id);
        if (!isnan(v))
            printf("%s = %.4f\n", metrics[i].title, v);
    }
    printf("columns (%zu):", seg_model_profile_columns(m));
    for (size_t c = 0; c < seg_model_profile_columns(m); c++)
        printf("%s %s%s", c ? "," : "", seg_model_profile_column_name(m, c),
               seg_model_profile_column_described(m, c) ? " (described)" : "");
    printf("\nfeatures (%zu):", d);
    for (size_t j = 0; sc && j < d; j++)
        printf("%s %s", j ? "," : "", seg_scaler_feature_name(sc, j));
    printf("\n\nsegment  customers   share  label\n");
    for (size_t j = 0; j < k; j++) {
        const char *label = seg_model_segment_label(m, j);
        size_t size = seg_model_segment_size(m, j);
        printf("%7zu  %9zu  %5.1f %%  %s\n", j, size, n ? 100.0 * (double)size / (double)n : 0.0,
               label ? label : "");
    }
    print_withheld(stdout, m);
    capacity_info(m, false);
    putchar('\n');
    preparation_text(stdout, m);
    profiles_text(stdout, m);
    if (seg_model_has_tree(m)) {
        printf("\nexplanation rules (%zu, see 'seg explain'):\n", seg_model_tree_leaves(m));
        explain_leaves_text(stdout, m, NULL);
    }
}

/* The command line: the MODEL operand and the switches the parser keeps. */
typedef struct info_args {
    const char *path;
    bool json;
} info_args;

/* clang-format off */
static const cli_opt info_opts[] = {
    {.name = "json", .help = "the description as JSON on stdout",
     .field = CLI_FLAG(info_args, json)},
    CLI_OPT_HELP,
    {0},
};
/* clang-format on */

const cli_command cli_info = {
    .name = "info",
    .summary = "describe a saved model",
    .synopsis = "MODEL [options]",
    .description = "Describe a model saved by 'seg segment --model': size, quality,\n"
                   "columns, features, the preparation (scaling, imputation, described\n"
                   "columns) and the segments with their labels and profiles in the\n"
                   "data's units.",
    .opts = info_opts,
    .operands = {CLI_TEXT(info_args, path)},
    .run = cmd_info,
};

int cmd_info(int argc, char **argv)
{
    info_args a = {NULL, false};
    const char *path;
    int rc = cli_parse_all(&cli_info, argc, argv, &a);
    if (rc != 0)
        return rc == CLI_HELP ? 0 : rc;
    path = a.path;
    if (!path)
        return usage_error("info ", "%s", "needs a MODEL");
    seg_model *m = NULL;
    if ((rc = seg_model_load(&m, path)) < 0)
        return lib_error("loading the model", rc);
    if (a.json)
        info_json(path, m);
    else
        info_text(path, m);
    seg_model_free(m);
    return 0;
}
