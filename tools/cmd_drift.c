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

static void usage_drift(FILE *f)
{
    fprintf(f,
            "Usage: %s drift OLD.seg NEW.seg [options]\n"
            "\n"
            "Match the segments of NEW to those of OLD (the one-to-one matching with\n"
            "the least summed centroid distance, in OLD's scaled units) and report\n"
            "each pair's centroid distance, its shift per feature in the columns' units\n"
            "(largest first), the change of its share of customers, and the segments\n"
            "that appeared (in NEW only) or vanished (in OLD only).\n"
            "\n"
            "  --max-distance X   pairs farther apart than X count as vanished + appeared\n"
            "  --top N            features listed per pair (default 3)\n"
            "  --json             JSON on stdout\n",
            progname);
}

/* Feature t of centroid j in the columns' units (x = center + scale f, the
 * log1p columns left in log1p units). */
static double original(const seg_model *m, const double *c, size_t j, size_t t)
{
    const seg_scaler *sc = seg_model_scaler(m);
    const size_t d = seg_model_dim(m);
    double center = 0, scale = 1;
    if (sc)
        seg_scaler_feature_affine(sc, t, &center, &scale);
    return center + scale * c[j * d + t];
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

int cmd_drift(int argc, char **argv)
{
    const char *files[2] = {NULL, NULL};
    bool json = false;
    double max_dist = INFINITY;
    int64_t top = 3;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage_drift(stdout);
            return 0;
        } else if (strcmp(a, "--json") == 0) {
            json = true;
        } else if (strcmp(a, "--max-distance") == 0) {
            if (i + 1 >= argc || !parse_real(argv[++i], &max_dist) || !(max_dist >= 0))
                return usage_error("drift ", "%s", "--max-distance takes a number >= 0");
        } else if (strcmp(a, "--top") == 0) {
            if (i + 1 >= argc || !parse_int(argv[++i], 0, 1000000, &top))
                return usage_error("drift ", "%s", "--top takes a whole number >= 0");
        } else if (a[0] == '-' && a[1]) {
            return usage_error("drift ", "unknown option '%s'", a);
        } else if (!files[0] || !files[1]) {
            files[files[0] ? 1 : 0] = a;
        } else {
            return usage_error("drift ", "unexpected argument '%s'", a);
        }
    }
    if (!files[1])
        return usage_error("drift ", "%s", "needs OLD.seg and NEW.seg");

    seg_model *m[2] = {NULL, NULL};
    double *dist = NULL, *c[2] = {NULL, NULL};
    int32_t *match = NULL, *back = NULL;
    size_t *order = NULL;
    int rc, status = EXIT_DATA;
    const char *stage = "loading the models";
    if ((rc = seg_model_load(&m[0], files[0])) < 0 || (rc = seg_model_load(&m[1], files[1])) < 0)
        goto fail;
    const size_t ko = seg_model_k(m[0]), kn = seg_model_k(m[1]), d = seg_model_dim(m[0]);
    dist = malloc(ko * kn * sizeof *dist);
    match = malloc(ko * sizeof *match);
    back = malloc(kn * sizeof *back);
    order = malloc(d * sizeof *order);
    c[0] = malloc(ko * d * sizeof *c[0]);
    c[1] = malloc(kn * d * sizeof *c[1]);
    if (!dist || !match || !back || !order || !c[0] || !c[1]) {
        rc = SEG_ERR_NOMEM;
        goto fail;
    }
    stage = "matching segments";
    double total = 0;
    if ((rc = seg_model_centroid_distances(m[0], m[1], dist, ko * kn)) < 0 ||
        (rc = seg_assign_optimal(dist, ko, kn, match, &total)) < 0 ||
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

    char buf[32];
    if (json) {
        printf("{\n  \"old\": ");
        json_string(stdout, files[0]);
        printf(",\n  \"new\": ");
        json_string(stdout, files[1]);
        printf(",\n  \"k_old\": %zu,\n  \"k_new\": %zu,\n  \"total_distance\": ", ko, kn);
        json_number(stdout, total);
        printf(",\n  \"pairs\": [");
    } else {
        printf("drift %s -> %s: %zu -> %zu segments\n", files[0], files[1], ko, kn);
    }
    size_t npairs = 0;
    for (size_t i = 0; i < ko; i++) {
        if (match[i] < 0)
            continue;
        const size_t j = (size_t)match[i];
        /* Features by decreasing absolute shift in scaled units (comparable
         * across features), reported in the columns' units. */
        for (size_t t = 0; t < d; t++)
            order[t] = t;
        for (size_t a = 1; a < d; a++)
            for (size_t b = a; b > 0; b--) {
                const double sb = fabs(original(m[1], c[1], j, order[b]) -
                                       original(m[0], c[0], i, order[b]));
                const double sa = fabs(original(m[1], c[1], j, order[b - 1]) -
                                       original(m[0], c[0], i, order[b - 1]));
                double cb = 1, ca = 1, z;
                if (seg_model_scaler(m[0])) {
                    seg_scaler_feature_affine(seg_model_scaler(m[0]), order[b], &z, &cb);
                    seg_scaler_feature_affine(seg_model_scaler(m[0]), order[b - 1], &z, &ca);
                }
                if (sb / cb <= sa / ca)
                    break;
                const size_t tmp = order[b];
                order[b] = order[b - 1];
                order[b - 1] = tmp;
            }
        const double dsh = share(m[1], j) - share(m[0], i);
        if (json) {
            printf("%s\n    {\"old\": %zu, \"new\": %zu, \"distance\": ", npairs ? "," : "", i, j);
            json_number(stdout, dist[i * kn + j]);
            printf(", \"share_old\": ");
            json_number(stdout, share(m[0], i));
            printf(", \"share_new\": ");
            json_number(stdout, share(m[1], j));
            printf(", \"shifts\": [");
            for (size_t t = 0; t < (size_t)top && t < d; t++) {
                const size_t f = order[t];
                printf("%s{\"feature\": ", t ? ", " : "");
                json_string(stdout, feature(m[0], f, buf, sizeof buf));
                printf(", \"old\": ");
                json_number(stdout, original(m[0], c[0], i, f));
                printf(", \"new\": ");
                json_number(stdout, original(m[1], c[1], j, f));
                printf("}");
            }
            printf("]}");
        } else {
            printf("  segment %zu -> %zu: distance %.4g, share %.1f%% -> %.1f%% (%+.1f points)\n",
                   i, j, dist[i * kn + j], 100 * share(m[0], i), 100 * share(m[1], j), 100 * dsh);
            for (size_t t = 0; t < (size_t)top && t < d; t++) {
                const size_t f = order[t];
                const double a = original(m[0], c[0], i, f), b = original(m[1], c[1], j, f);
                printf("    %-24s %12.6g -> %-12.6g (%+.6g)\n", feature(m[0], f, buf, sizeof buf),
                       a, b, b - a);
            }
        }
        npairs++;
    }
    if (json)
        printf("\n  ],\n  \"vanished\": [");
    else
        printf("vanished (in %s only):", files[0]);
    for (size_t i = 0, n = 0; i < ko; i++)
        if (match[i] < 0)
            printf(json ? "%s%zu" : "%s %zu", json && n++ ? ", " : "", i);
    printf(json ? "],\n  \"appeared\": [" : "\nappeared (in %s only):", files[1]);
    for (size_t j = 0, n = 0; j < kn; j++)
        if (back[j] < 0)
            printf(json ? "%s%zu" : "%s %zu", json && n++ ? ", " : "", j);
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
    free(order);
    free(c[0]);
    free(c[1]);
    return status;
}
