/*
 * seg drift OLD.seg NEW.seg: match the segments of two models (optimal
 * assignment on centroid distances) and report centroid shifts in the
 * columns' units, size changes, and segments that appeared or vanished.
 */
#include <seg.h>

#include "cli.h"
#include "out.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Feature t of centroid j in the columns' units: x = center + scale f
 * (log1p columns stay in log1p units). */
static double original(const seg_model *m, const double *c, size_t j, size_t t)
{
    const seg_scaler *sc = seg_model_scaler(m);
    double center = 0, scale = 1;
    if (sc)
        seg_scaler_feature_affine(sc, t, &center, &scale);
    return center + scale * c[j * seg_model_dim(m) + t];
}

static double share(const seg_model *m, size_t j)
{
    const size_t n = seg_model_rows(m);
    return n ? (double)seg_model_segment_size(m, j) / (double)n : NAN;
}

static const char *feature(const seg_model *m, size_t t, char *buf, size_t len)
{
    const seg_scaler *sc = seg_model_scaler(m);
    if (sc)
        return seg_scaler_feature_name(sc, t);
    snprintf(buf, len, "x%zu", t);
    return buf;
}

typedef struct shift {
    size_t f;
    double scaled; /* |shift| in OLD's scaled units, for ranking */
} shift;

static int by_shift(const void *a, const void *b)
{
    const shift *x = a, *y = b;
    if (x->scaled != y->scaled)
        return x->scaled < y->scaled ? 1 : -1;
    return (x->f > y->f) - (x->f < y->f);
}

static void rank_shifts(const seg_model *const m[2], const double *const c[2], size_t i, size_t j,
                        shift *s)
{
    const size_t d = seg_model_dim(m[0]);
    for (size_t t = 0; t < d; t++) {
        double center = 0, scale = 1;
        if (seg_model_scaler(m[0]))
            seg_scaler_feature_affine(seg_model_scaler(m[0]), t, &center, &scale);
        s[t].f = t;
        s[t].scaled = fabs(original(m[1], c[1], j, t) - original(m[0], c[0], i, t)) / scale;
    }
    qsort(s, d, sizeof *s, by_shift);
}

static void print_pair(bool json, const seg_model *const m[2], const double *const c[2], size_t i,
                       size_t j, double dist, const shift *s, size_t top, bool first)
{
    char buf[32];
    const size_t d = seg_model_dim(m[0]);
    if (json) {
        printf("%s\n    {\"old\": %zu, \"new\": %zu, \"distance\": ", first ? "" : ",", i, j);
        json_number(stdout, dist);
        printf(", \"share_old\": ");
        json_number(stdout, share(m[0], i));
        printf(", \"share_new\": ");
        json_number(stdout, share(m[1], j));
        printf(", \"shifts\": [");
    } else {
        printf("  segment %zu -> %zu: distance %.4g, share %.1f%% -> %.1f%% (%+.1f points)\n", i,
               j, dist, 100 * share(m[0], i), 100 * share(m[1], j),
               100 * (share(m[1], j) - share(m[0], i)));
    }
    for (size_t t = 0; t < top && t < d; t++) {
        const size_t f = s[t].f;
        const double a = original(m[0], c[0], i, f), b = original(m[1], c[1], j, f);
        if (json) {
            printf("%s{\"feature\": ", t ? ", " : "");
            json_string(stdout, feature(m[0], f, buf, sizeof buf));
            printf(", \"old\": ");
            json_number(stdout, a);
            printf(", \"new\": ");
            json_number(stdout, b);
            printf("}");
        } else {
            printf("    %-24s %12.6g -> %-12.6g (%+.6g)\n", feature(m[0], f, buf, sizeof buf), a,
                   b, b - a);
        }
    }
    if (json)
        printf("]}");
}

/* The command line: OLD and NEW, and the switches the parser keeps. */
typedef struct drift_args {
    const char *files[2];
    bool json;
} drift_args;

enum { DRIFT_MAX_DISTANCE = 1, DRIFT_TOP };

/* clang-format off */
static const cli_opt drift_opts[] = {
    {.name = "max-distance", .value = "X",
     .help = "pairs farther apart than X count as vanished + appeared", .id = DRIFT_MAX_DISTANCE},
    {.name = "top", .value = "N", .help = "features listed per pair (default 3)", .id = DRIFT_TOP},
    {.name = "json", .help = "JSON on stdout", .field = CLI_FLAG(drift_args, json)},
    CLI_OPT_HELP,
    {0},
};
/* clang-format on */

const cli_command cli_drift = {
    .name = "drift",
    .summary = "match the segments of two models and report changes",
    .synopsis = "OLD.seg NEW.seg [options]",
    .description = "Match the segments of NEW to those of OLD (the one-to-one matching with\n"
                   "the least summed centroid distance, in OLD's scaled units) and report\n"
                   "each pair's centroid distance, its largest shifts in the columns' units\n"
                   "(ranked in scaled units), the change of its share of customers, and the\n"
                   "segments that appeared (in NEW only) or vanished (in OLD only).",
    .opts = drift_opts,
    .operands = {CLI_TEXT(drift_args, files[0]), CLI_TEXT(drift_args, files[1])},
    .run = cmd_drift,
};

static int parse_drift(int argc, char **argv, drift_args *a, double *max_dist, int64_t *top)
{
    cli_parser p = cli_start(&cli_drift, argc, argv, a);
    const char *v;
    int id;
    while (cli_next(&p, &id, &v)) {
        if (id == DRIFT_MAX_DISTANCE && (!parse_real(v, max_dist) || !(*max_dist >= 0)))
            return usage_error("drift ", "%s", "--max-distance takes a number >= 0");
        if (id == DRIFT_TOP && !parse_int(v, 0, 1000000, top))
            return usage_error("drift ", "%s", "--top takes a whole number >= 0");
    }
    if (p.status)
        return p.status;
    if (!a->files[1])
        return usage_error("drift ", "%s", "needs OLD.seg and NEW.seg");
    return 0;
}

int cmd_drift(int argc, char **argv)
{
    drift_args a = {{NULL, NULL}, false};
    const char *const *files = a.files;
    double max_dist = INFINITY, total = 0;
    int64_t top = 3;
    seg_model *m[2] = {NULL, NULL};
    double *dist = NULL, *c[2] = {NULL, NULL};
    int32_t *match = NULL, *back = NULL;
    shift *s = NULL;
    int rc, status;
    const char *stage = "loading the models";

    if ((rc = parse_drift(argc, argv, &a, &max_dist, &top)) != 0)
        return rc < 0 ? 0 : rc;
    const bool json = a.json;
    if ((rc = seg_model_load(&m[0], files[0])) < 0 || (rc = seg_model_load(&m[1], files[1])) < 0)
        goto fail;
    const size_t ko = seg_model_k(m[0]), kn = seg_model_k(m[1]), d = seg_model_dim(m[0]);
    dist = malloc(ko * kn * sizeof *dist);
    match = malloc(ko * sizeof *match);
    back = malloc(kn * sizeof *back);
    s = malloc(d * sizeof *s);
    c[0] = malloc(ko * d * sizeof *c[0]);
    c[1] = malloc(kn * d * sizeof *c[1]);
    if (!dist || !match || !back || !s || !c[0] || !c[1]) {
        rc = SEG_ERR_NOMEM;
        goto fail;
    }
    stage = "matching segments";
    if ((rc = seg_model_centroid_distances(m[0], m[1], dist, ko * kn)) < 0 ||
        (rc = seg_drift_match_f64(dist, ko, kn, match, &total)) < 0 ||
        (rc = seg_model_centroids_f64(m[0], c[0], ko * d)) < 0 ||
        (rc = seg_model_centroids_f64(m[1], c[1], kn * d)) < 0)
        goto fail;
    for (size_t i = 0; i < ko; i++)
        if (match[i] >= 0 && !(dist[i * kn + (size_t)match[i]] <= max_dist))
            match[i] = -1;
    for (size_t j = 0; j < kn; j++)
        back[j] = -1;
    for (size_t i = 0; i < ko; i++)
        if (match[i] >= 0)
            back[match[i]] = (int32_t)i;

    if (json) {
        printf("{\n  \"old\": ");
        json_string(stdout, files[0]);
        printf(",\n  \"new\": ");
        json_string(stdout, files[1]);
        printf(",\n  \"k_old\": %zu,\n  \"k_new\": %zu,\n  \"total_distance\": ", ko, kn);
        json_number(stdout, total);
        printf(",\n  \"pairs\": [");
    } else {
        printf("drift %s -> %s: %zu -> %zu segments, summed centroid distance %.6g\n", files[0],
               files[1], ko, kn, total);
    }
    const seg_model *const cm[2] = {m[0], m[1]};
    const double *const cc[2] = {c[0], c[1]};
    for (size_t i = 0, n = 0; i < ko; i++) {
        if (match[i] < 0)
            continue;
        const size_t j = (size_t)match[i];
        rank_shifts(cm, cc, i, j, s);
        print_pair(json, cm, cc, i, j, dist[i * kn + j], s, (size_t)top, n++ == 0);
    }
    if (json)
        printf("\n  ],\n  \"vanished\": [");
    else
        printf("vanished (in %s only):", files[0]);
    for (size_t i = 0, n = 0; i < ko; i++)
        if (match[i] < 0)
            printf("%s%zu", json ? (n++ ? ", " : "") : " ", i);
    if (json)
        printf("],\n  \"appeared\": [");
    else
        printf("\nappeared (in %s only):", files[1]);
    for (size_t j = 0, n = 0; j < kn; j++)
        if (back[j] < 0)
            printf("%s%zu", json ? (n++ ? ", " : "") : " ", j);
    printf(json ? "]\n}\n" : "\n");
    status = 0;
    goto out;
fail:
    status = lib_error(stage, rc);
out:
    seg_model_free(m[0]);
    seg_model_free(m[1]);
    free(dist);
    free(match);
    free(back);
    free(s);
    free(c[0]);
    free(c[1]);
    return status;
}
