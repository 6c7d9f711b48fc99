/*
 * seg segment [FILE] [options]: load -> scale -> k-means -> summary.
 */
#include <seg.h>

#include "cli.h"
#include "out.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct opts {
    const char *file;
    bool bundled;
    int64_t k;
    bool k_given;
    const char *scale;
    const char *init;
    int64_t n_init, max_iter, seed, threads;
    double tol;
    const char *dtype;
    const char *algorithm;
    const char *id, *drop, *columns, *weight, *log1p, *categorical, *numeric, *missing;
    const char *assignments, *features;
    int delimiter;
    bool drop_first, impute_mode, json, quiet;
    int64_t silhouette_sample;
} opts;

static void usage_segment(FILE *f)
{
    fprintf(
        f,
        "Usage: %s segment [FILE] [options]\n"
        "\n"
        "Segment the customers in FILE (CSV, or .npy of numbers) with k-means.\n"
        "Without FILE, the bundled UCI bank marketing data is used, without its\n"
        "outcome 'y' and the after-the-call 'duration' unless --drop/--columns say otherwise.\n"
        "\n"
        "Data:\n"
        "  --id COL               row id column (kept aside, never a feature)\n"
        "  --drop COL[,COL]       columns to leave out\n"
        "  --columns COL[,COL]    columns to use (all others left out)\n"
        "  --weight COL           numeric column of customer weights (> 0)\n"
        "  --categorical COL[,..] force columns to be categorical\n"
        "  --numeric COL[,..]     force columns to be numeric\n"
        "  --missing TOKEN[,..]   extra tokens meaning a missing value\n"
        "  --delimiter C          field delimiter (default: detect , ; or tab)\n"
        "Preparation:\n"
        "  --scale METHOD         standard|minmax|robust|none (default standard)\n"
        "  --log1p COL[,COL]      signed log1p on these numeric columns before scaling\n"
        "  --drop-first           one-hot without the first level\n"
        "  --impute-mode          missing categorical values take the mode (default: own level)\n"
        "K-means:\n"
        "  --k K                  number of segments (default 8)\n"
        "  --init METHOD          kmeans++|random|FILE.npy (k x d starting centroids)\n"
        "  --n-init N             runs from different starts, best kept (default 1)\n"
        "  --max-iter N           iterations per run (default 300)\n"
        "  --tol X                relative tolerance (default 1e-4)\n"
        "  --seed S               random seed (default 0)\n"
        "  --threads T            threads, 0 = all cores (default 0)\n"
        "  --dtype f32|f64        precision (default f64)\n"
        "  --algorithm A          lloyd|hamerly|elkan|yinyang|auto, same result (default auto)\n"
        "Output:\n"
        "  --json                 summary as JSON on stdout\n"
        "  --assignments FILE.csv id,segment,distance per customer\n"
        "  --features FILE        encoded, scaled matrix (.npy or .csv by extension)\n"
        "  --silhouette-sample N  rows for the silhouette (default 10000; 0 = all)\n"
        "  --quiet                no notes on stderr\n"
        "  --help, --version\n",
        progname);
}

static int force_categorical(void *o, const char *c)
{
    return seg_csv_options_set_column_type(o, c, SEG_COLUMN_CATEGORICAL);
}

static int force_numeric(void *o, const char *c)
{
    return seg_csv_options_set_column_type(o, c, SEG_COLUMN_NUMERIC);
}

static int add_missing(void *o, const char *c)
{
    return seg_csv_options_add_missing(o, c);
}

static int set_log1p(void *o, const char *c)
{
    return seg_scaler_set_column_int(o, c, SEG_SCALER_COLUMN_LOG1P, 1);
}

static int load(const opts *o, seg_dataset **ds)
{
    seg_csv_options *co = NULL;
    int rc;

    if (ends_with(o->file, ".npy"))
        return seg_dataset_read_npy(ds, o->file);
    if ((rc = seg_csv_options_new(&co)) < 0)
        return rc;
    if (o->delimiter)
        rc = seg_csv_options_set_int(co, SEG_CSV_DELIMITER, o->delimiter);
    /* Ids keep their spelling ("007"). */
    if (rc == 0 && o->id)
        rc = seg_csv_options_set_column_type(co, o->id, SEG_COLUMN_CATEGORICAL);
    if (rc == 0 && o->categorical)
        rc = for_each_item(o->categorical, co, force_categorical);
    if (rc == 0 && o->numeric)
        rc = for_each_item(o->numeric, co, force_numeric);
    if (rc == 0 && o->missing)
        rc = for_each_item(o->missing, co, add_missing);
    if (rc == 0)
        rc = seg_dataset_read_csv(ds, o->file, co);
    seg_csv_options_free(co);
    return rc;
}

/* Id column, weights, then the feature columns. */
static int shape_columns(const opts *o, seg_dataset *ds)
{
    int rc = 0;
    if (o->id && (rc = seg_dataset_set_id_column(ds, o->id)) < 0)
        return rc;
    if (o->weight && (rc = seg_dataset_set_weight_column(ds, o->weight)) < 0)
        return rc;
    const char *lists[2] = {o->drop, o->columns};
    for (int which = 0; which < 2 && rc == 0; which++) {
        size_t n;
        char **v;
        if (!lists[which])
            continue;
        if (!(v = split_list(lists[which], &n)))
            return SEG_ERR_NOMEM;
        rc = which == 0 ? seg_dataset_drop(ds, (const char *const *)v, n)
                        : seg_dataset_select(ds, (const char *const *)v, n);
        free(v);
    }
    return rc;
}

static int scale_method(const char *s)
{
    if (strcmp(s, "standard") == 0)
        return SEG_SCALE_STANDARD;
    if (strcmp(s, "minmax") == 0)
        return SEG_SCALE_MINMAX;
    if (strcmp(s, "robust") == 0)
        return SEG_SCALE_ROBUST;
    if (strcmp(s, "none") == 0)
        return SEG_SCALE_NONE;
    return -1;
}

static int algorithm_code(const char *s)
{
    static const char *const names[] = {"lloyd", "hamerly", "elkan", "yinyang", "auto"};
    static const int codes[] = {SEG_ALGORITHM_LLOYD, SEG_ALGORITHM_HAMERLY, SEG_ALGORITHM_ELKAN,
                                SEG_ALGORITHM_YINYANG, SEG_ALGORITHM_AUTO};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(s, names[i]) == 0)
            return codes[i];
    return -1;
}

static int configure_kmeans(const opts *o, seg_kmeans *km)
{
    int rc = 0;
    if (strcmp(o->init, "kmeans++") == 0 || strcmp(o->init, "random") == 0) {
        rc = seg_kmeans_set_int(km, SEG_KMEANS_INIT,
                                o->init[0] == 'r' ? SEG_INIT_RANDOM : SEG_INIT_KMEANSPP);
        if (rc == 0)
            rc = seg_kmeans_set_int(km, SEG_KMEANS_K, o->k);
    } else {
        seg_dataset *c = NULL;
        double *buf = NULL;
        size_t k, cd;
        if ((rc = seg_dataset_read_npy(&c, o->init)) < 0)
            return rc;
        k = seg_dataset_rows(c);
        cd = seg_dataset_columns(c);
        if (o->k_given && (size_t)o->k != k) {
            seg_dataset_free(c);
            fprintf(stderr, "%s: --k %lld but %s holds %zu centroids\n", progname, (long long)o->k,
                    o->init, k);
            return USAGE_CONFLICT;
        }
        buf = malloc(k * cd * sizeof *buf);
        rc = buf ? seg_dataset_copy_f64(c, buf, k * cd) : SEG_ERR_NOMEM;
        if (rc == 0)
            rc = seg_kmeans_set_init_centroids_f64(km, buf, k, cd);
        free(buf);
        seg_dataset_free(c);
    }
    if (rc == 0)
        rc = seg_kmeans_set_int(km, SEG_KMEANS_N_INIT, o->n_init);
    if (rc == 0)
        rc = seg_kmeans_set_int(km, SEG_KMEANS_MAX_ITER, o->max_iter);
    if (rc == 0)
        rc = seg_kmeans_set_int(km, SEG_KMEANS_SEED, o->seed);
    if (rc == 0)
        rc = seg_kmeans_set_int(km, SEG_KMEANS_THREADS, o->threads);
    if (rc == 0)
        rc = seg_kmeans_set_double(km, SEG_KMEANS_TOL, o->tol);
    if (rc == 0)
        rc = seg_kmeans_set_int(km, SEG_KMEANS_ALGORITHM, algorithm_code(o->algorithm));
    if (rc == 0)
        rc = seg_kmeans_set_int(km, SEG_KMEANS_DTYPE,
                                strcmp(o->dtype, "f32") == 0 ? SEG_DTYPE_F32 : SEG_DTYPE_F64);
    return rc;
}

typedef struct summary {
    size_t n, d, k;
    double silhouette, davies_bouldin, calinski_harabasz;
} summary;

static void print_json(const opts *o, const seg_model *m, const seg_scaler *sc, const summary *s)
{
    FILE *f = stdout;
    fprintf(f, "{\n  \"version\": ");
    json_string(f, seg_version_string());
    fprintf(f, ",\n  \"file\": ");
    json_string(f, o->file);
    fprintf(f, ",\n  \"n\": %zu,\n  \"d\": %zu,\n  \"k\": %zu,\n  \"dtype\": ", s->n, s->d, s->k);
    json_string(f, o->dtype);
    fprintf(f, ",\n  \"seed\": %lld,\n  \"n_init\": %lld,\n  \"inertia\": ", (long long)o->seed,
            (long long)o->n_init);
    json_number(f, seg_model_inertia(m));
    fprintf(f, ",\n  \"iterations\": %lld,\n  \"converged\": %s,\n  \"fit_seconds\": ",
            (long long)seg_model_iterations(m), seg_model_converged(m) ? "true" : "false");
    json_number(f, seg_model_fit_seconds(m));
    fprintf(f, ",\n  \"init_seconds\": ");
    json_number(f, seg_model_init_seconds(m));
    fprintf(f, ",\n  \"silhouette\": ");
    json_number(f, s->silhouette);
    fprintf(f, ",\n  \"silhouette_sample\": %lld,\n  \"davies_bouldin\": ",
            (long long)(o->silhouette_sample && (size_t)o->silhouette_sample < s->n
                            ? o->silhouette_sample
                            : (int64_t)s->n));
    json_number(f, s->davies_bouldin);
    fprintf(f, ",\n  \"calinski_harabasz\": ");
    json_number(f, s->calinski_harabasz);
    fprintf(f, ",\n  \"features\": [");
    for (size_t j = 0; j < s->d; j++) {
        fputs(j ? ", " : "", f);
        json_string(f, sc ? seg_scaler_feature_name(sc, j) : "");
    }
    fprintf(f, "],\n  \"segments\": [");
    for (size_t j = 0; j < s->k; j++) {
        size_t size = seg_model_segment_size(m, j);
        fprintf(f, "%s\n    {\"id\": %zu, \"size\": %zu, \"share\": ", j ? "," : "", j, size);
        json_number(f, (double)size / (double)s->n);
        fprintf(f, ", \"weight\": ");
        json_number(f, seg_model_segment_weight(m, j));
        fprintf(f, "}");
    }
    fprintf(f, "\n  ]\n}\n");
}

static void print_text(const opts *o, const seg_model *m, const summary *s)
{
    printf("libseg %s: k-means on %zu customers x %zu features (%s)\n", seg_version_string(), s->n,
           s->d, o->file);
    printf("k = %zu, inertia = %.6g, iterations = %lld (%s), fit %.3f s\n", s->k,
           seg_model_inertia(m), (long long)seg_model_iterations(m),
           seg_model_converged(m) ? "converged" : "max-iter reached", seg_model_fit_seconds(m));
    printf("silhouette = %.4f, Davies-Bouldin = %.4f, Calinski-Harabasz = %.1f\n\n", s->silhouette,
           s->davies_bouldin, s->calinski_harabasz);
    printf("segment  customers   share\n");
    for (size_t j = 0; j < s->k; j++) {
        size_t size = seg_model_segment_size(m, j);
        printf("%7zu  %9zu  %5.1f %%\n", j, size, 100.0 * (double)size / (double)s->n);
    }
}

static int write_assignments(const char *path, const seg_dataset *ds, const int32_t *labels,
                             const double *dist, size_t n)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    const bool has_id = seg_dataset_id_name(ds) != NULL;
    fputs("id,segment,distance\n", f);
    for (size_t i = 0; i < n; i++) {
        /* The id column's text (empty when missing), else the 1-based row. */
        if (has_id) {
            const char *id = seg_dataset_id(ds, i);
            csv_field(f, id ? id : "");
        } else {
            fprintf(f, "%zu", i + 1);
        }
        fprintf(f, ",%d,%.9g\n", (int)labels[i], dist[i]);
    }
    if (ferror(f)) {
        fclose(f);
        return -1;
    }
    return fclose(f);
}

static int run_segment(opts *o)
{
    seg_dataset *ds = NULL;
    seg_scaler *sc = NULL;
    seg_kmeans *km = NULL;
    seg_model *m = NULL;
    seg_predictor *p = NULL;
    void *x = NULL;
    int32_t *labels = NULL;
    double *dist = NULL;
    summary s = {0};
    const bool f32 = strcmp(o->dtype, "f32") == 0;
    int rc, status = EXIT_DATA;
    const char *stage = "reading data";

    if ((rc = load(o, &ds)) < 0)
        goto fail;
    stage = "choosing columns";
    if ((rc = shape_columns(o, ds)) < 0)
        goto fail;
    stage = "fitting the scaler";
    if ((rc = seg_scaler_new(&sc)) < 0 ||
        (rc = seg_scaler_set_int(sc, SEG_SCALER_METHOD, scale_method(o->scale))) < 0 ||
        (rc = seg_scaler_set_int(sc, SEG_SCALER_DROP_FIRST, o->drop_first)) < 0 ||
        (rc = seg_scaler_set_int(sc, SEG_SCALER_CATEGORICAL_MISSING,
                                 o->impute_mode ? SEG_IMPUTE_MODE : SEG_IMPUTE_LEVEL)) < 0 ||
        (o->log1p && (rc = for_each_item(o->log1p, sc, set_log1p)) < 0) ||
        (rc = seg_scaler_fit(sc, ds)) < 0)
        goto fail;
    s.n = seg_dataset_rows(ds);
    s.d = seg_scaler_features(sc);
    stage = "setting up k-means";
    if ((rc = seg_kmeans_new(&km)) < 0 || (rc = configure_kmeans(o, km)) < 0)
        goto fail;
    if (rc == USAGE_CONFLICT) {
        status = EXIT_USAGE;
        goto out;
    }
    stage = "fitting k-means";
    labels = malloc(s.n * sizeof *labels);
    dist = malloc(s.n * sizeof *dist);
    x = malloc(s.n * s.d * (f32 ? sizeof(float) : sizeof(double)));
    if (!labels || !dist || !x) {
        rc = SEG_ERR_NOMEM;
        goto fail;
    }
    if ((rc = seg_kmeans_fit_dataset(km, ds, sc, labels, &m)) < 0)
        goto fail;
    s.k = seg_model_k(m);

    stage = "scoring";
    rc = f32 ? seg_scaler_transform_f32(sc, ds, x, s.n * s.d)
             : seg_scaler_transform_f64(sc, ds, x, s.n * s.d);
    if (rc < 0 || (rc = seg_predictor_new(&p, m)) < 0 ||
        (rc = seg_predictor_set_int(p, SEG_PREDICTOR_THREADS, o->threads)) < 0)
        goto fail;
    rc = f32 ? seg_predictor_run_f32(p, x, s.n, s.d, labels, dist)
             : seg_predictor_run_f64(p, x, s.n, s.d, labels, dist);
    if (rc < 0)
        goto fail;
    s.silhouette = s.davies_bouldin = s.calinski_harabasz = NAN;
    if (s.k >= 2) {
        const double *w = seg_dataset_weights(ds);
        size_t ss = (size_t)o->silhouette_sample;
        rc = f32 ? seg_metrics_silhouette_f32(x, s.n, s.d, labels, s.k, w, ss, (uint64_t)o->seed,
                                              &s.silhouette)
                 : seg_metrics_silhouette_f64(x, s.n, s.d, labels, s.k, w, ss, (uint64_t)o->seed,
                                              &s.silhouette);
        if (rc == 0)
            rc =
                f32 ? seg_metrics_davies_bouldin_f32(x, s.n, s.d, labels, s.k, w, &s.davies_bouldin)
                    : seg_metrics_davies_bouldin_f64(x, s.n, s.d, labels, s.k, w,
                                                     &s.davies_bouldin);
        if (rc == 0)
            rc = f32 ? seg_metrics_calinski_harabasz_f32(x, s.n, s.d, labels, s.k, w,
                                                         &s.calinski_harabasz)
                     : seg_metrics_calinski_harabasz_f64(x, s.n, s.d, labels, s.k, w,
                                                         &s.calinski_harabasz);
        if (rc < 0)
            goto fail;
    }

    if (o->assignments && write_assignments(o->assignments, ds, labels, dist, s.n) < 0) {
        fprintf(stderr, "%s: cannot write %s: %s\n", progname, o->assignments, strerror(errno));
        goto out;
    }
    if (o->features) {
        int wrc;
        if (ends_with(o->features, ".npy")) {
            wrc = npy_write(o->features, x, f32, s.n, s.d);
        } else {
            const char **names = malloc(s.d * sizeof *names);
            if (!names) {
                rc = SEG_ERR_NOMEM;
                goto fail;
            }
            for (size_t j = 0; j < s.d; j++)
                names[j] = seg_scaler_feature_name(sc, j);
            wrc = csv_write_matrix(o->features, x, f32, s.n, s.d, names);
            free(names);
        }
        if (wrc < 0) {
            fprintf(stderr, "%s: cannot write %s: %s\n", progname, o->features, strerror(errno));
            goto out;
        }
    }
    if (o->json)
        print_json(o, m, sc, &s);
    else
        print_text(o, m, &s);
    status = 0;
    goto out;
fail:
    status = lib_error(stage, rc);
out:
    seg_predictor_free(p);
    seg_model_free(m);
    seg_kmeans_free(km);
    seg_scaler_free(sc);
    seg_dataset_free(ds);
    free(x);
    free(labels);
    free(dist);
    return status;
}

/* Options that take a value: name, and where to store it. */
static int parse_segment(int argc, char **argv, opts *o)
{
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        char name[64];

        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage_segment(stdout);
            return -1;
        }
        if (a[0] != '-' || a[1] != '-') {
            if (a[0] == '-' && a[1])
                return usage_error("segment ", "unknown option '%s'", a);
            if (o->file)
                return usage_error("segment ", "more than one FILE ('%s')", a);
            o->file = a;
            continue;
        }
        const char *eq = strchr(a, '=');
        size_t len = eq ? (size_t)(eq - a) : strlen(a);
        if (len >= sizeof name)
            return usage_error("segment ", "unknown option '%s'", a);
        memcpy(name, a, len);
        name[len] = '\0';

        /* Flags. */
        bool *flag = NULL;
        if (strcmp(name, "--json") == 0)
            flag = &o->json;
        else if (strcmp(name, "--quiet") == 0)
            flag = &o->quiet;
        else if (strcmp(name, "--drop-first") == 0)
            flag = &o->drop_first;
        else if (strcmp(name, "--impute-mode") == 0)
            flag = &o->impute_mode;
        if (flag) {
            if (eq)
                return usage_error("segment ", "option '%s' takes no value", name);
            *flag = true;
            continue;
        }
        if (eq)
            val = eq + 1;
        else if (i + 1 < argc)
            val = argv[++i];
        else
            return usage_error("segment ", "option '%s' needs a value", name);

        if (strcmp(name, "--k") == 0) {
            if (!parse_int(val, 1, 1000000, &o->k))
                return usage_error("segment ",
                                   "--k takes a whole number from 1 to 1000000, not '%s'", val);
            o->k_given = true;
        } else if (strcmp(name, "--n-init") == 0) {
            if (!parse_int(val, 1, 1000000, &o->n_init))
                return usage_error("segment ", "--n-init takes a whole number >= 1, not '%s'", val);
        } else if (strcmp(name, "--max-iter") == 0) {
            if (!parse_int(val, 1, 1000000000, &o->max_iter))
                return usage_error("segment ", "--max-iter takes a whole number >= 1, not '%s'",
                                   val);
        } else if (strcmp(name, "--seed") == 0) {
            if (!parse_int(val, INT64_MIN, INT64_MAX, &o->seed))
                return usage_error("segment ", "--seed takes a whole number, not '%s'", val);
        } else if (strcmp(name, "--threads") == 0) {
            if (!parse_int(val, 0, 4096, &o->threads))
                return usage_error("segment ",
                                   "--threads takes a whole number from 0 to 4096, not '%s'", val);
        } else if (strcmp(name, "--silhouette-sample") == 0) {
            if (!parse_int(val, 0, INT64_MAX, &o->silhouette_sample))
                return usage_error("segment ",
                                   "--silhouette-sample takes a whole number >= 0, not '%s'", val);
        } else if (strcmp(name, "--tol") == 0) {
            if (!parse_real(val, &o->tol) || !(o->tol >= 0 && o->tol <= 1e6))
                return usage_error("segment ", "--tol takes a number from 0 to 1e6, not '%s'", val);
        } else if (strcmp(name, "--scale") == 0) {
            if (scale_method(val) < 0)
                return usage_error("segment ",
                                   "--scale takes standard, minmax, robust or none, not '%s'", val);
            o->scale = val;
        } else if (strcmp(name, "--dtype") == 0) {
            if (strcmp(val, "f32") != 0 && strcmp(val, "f64") != 0)
                return usage_error("segment ", "--dtype takes f32 or f64, not '%s'", val);
            o->dtype = val;
        } else if (strcmp(name, "--algorithm") == 0) {
            if (algorithm_code(val) < 0)
                return usage_error("segment ",
                                   "--algorithm takes lloyd, hamerly, elkan, yinyang or auto, "
                                   "not '%s'", val);
            o->algorithm = val;
        } else if (strcmp(name, "--init") == 0) {
            if (strcmp(val, "kmeans++") != 0 && strcmp(val, "random") != 0 &&
                !ends_with(val, ".npy"))
                return usage_error("segment ",
                                   "--init takes kmeans++, random or a FILE.npy, not '%s'", val);
            o->init = val;
        } else if (strcmp(name, "--delimiter") == 0) {
            if (strcmp(val, "\\t") == 0 || strcmp(val, "tab") == 0)
                o->delimiter = '\t';
            else if (strlen(val) == 1)
                o->delimiter = (unsigned char)val[0];
            else
                return usage_error("segment ", "--delimiter takes one character, not '%s'", val);
        } else {
            struct {
                const char *name;
                const char **slot;
            } strs[] = {
                {"--id", &o->id},
                {"--drop", &o->drop},
                {"--columns", &o->columns},
                {"--weight", &o->weight},
                {"--log1p", &o->log1p},
                {"--categorical", &o->categorical},
                {"--numeric", &o->numeric},
                {"--missing", &o->missing},
                {"--assignments", &o->assignments},
                {"--features", &o->features},
            };
            size_t s = 0;
            while (s < sizeof strs / sizeof strs[0] && strcmp(strs[s].name, name) != 0)
                s++;
            if (s == sizeof strs / sizeof strs[0])
                return usage_error("segment ", "unknown option '%s'", name);
            if (!*val)
                return usage_error("segment ", "option '%s' needs a non-empty value", name);
            *strs[s].slot = val;
        }
    }
    return 0;
}

int cmd_segment(int argc, char **argv)
{
    static char bundled[4096];
    opts o = {
        .k = 8,
        .scale = "standard",
        .init = "kmeans++",
        .n_init = 1,
        .max_iter = 300,
        .tol = 1e-4,
        .dtype = "f64",
        .algorithm = "auto",
        .silhouette_sample = 10000,
    };
    int rc;

    if ((rc = parse_segment(argc, argv, &o)) != 0)
        return rc < 0 ? 0 : rc;
    if (!o.file) {
        o.file = bundled_data_path(bundled, sizeof bundled);
        if (!o.file) {
            fprintf(stderr,
                    "%s: the bundled bank data was not found; give a FILE or set SEG_DATA_DIR\n",
                    progname);
            return EXIT_DATA;
        }
        o.bundled = true;
        if (!o.drop && !o.columns) {
            o.drop = "y,duration";
            if (!o.quiet)
                fprintf(stderr,
                        "%s: using the bundled bank data without 'y' (the outcome) and "
                        "'duration' (known only after the call)\n",
                        progname);
        }
    }
    return run_segment(&o);
}
