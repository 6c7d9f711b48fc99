/*
 * seg predict MODEL FILE [options]: score new customers with a saved model.
 */
#include <seg.h>

#include "cli.h"
#include "explain.h"
#include "out.h"
#include "output.h"
#include "predict_proba.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct popts {
    const char *model, *file, *output, *id, *id_key;
    const char *opt_out; /* --opt-out COL */
    bool json, all, quiet, flag;
    bool explain; /* --explain: leaf path and reason codes per customer */
    bool capacity; /* --respect-capacity: the model's size bounds hold for the batch */
    bool proba;   /* --proba: each segment's probability (predict_proba.c) */
    int delimiter;
    int64_t threads;
    double threshold;
} popts;

enum { PREDICT_OUTLIER_THRESHOLD = 1 };

/* clang-format off */
static const cli_opt predict_opts[] = {
    {.name = "output", .alias = 'o', .value = "FILE.csv",
     .help = "write id,segment,distance there (default: stdout)",
     .field = CLI_TEXT(popts, output)},
    {.name = "json", .help = "JSON on stdout: a summary, and the rows unless --output",
     .field = CLI_FLAG(popts, json)},
    {.name = "all-distances",
     .help = "add the distance to every segment and the margin to\n"
             "the next nearest one (small = between two segments)",
     .field = CLI_FLAG(popts, all)},
    {.name = "id", .value = "COL", .help = "row id column (default: 1-based row numbers)",
     .field = CLI_TEXT(popts, id)},
    {.name = "pseudonymize-key", .value = "FILE",
     .help = "write ids as keyed pseudonyms (HMAC-SHA-256, key >= 16 bytes)",
     .field = CLI_TEXT(popts, id_key)},
    {.name = "delimiter", .value = "C", .help = "field delimiter (default: detect , ; or tab)",
     .field = CLI_DELIMITER(popts, delimiter)},
    {.name = "threads", .value = "T", .help = "threads, 0 = all cores (default 1)",
     .field = CLI_INT(popts, threads), .lo = 0, .hi = 4096},
    {.name = "flag-outliers",
     .help = "add outlier_score (position of the distance among the\n"
             "segment's training distances, 0..1) and flag columns",
     .field = CLI_FLAG(popts, flag)},
    {.name = "outlier-threshold", .value = "Q",
     .help = "flag when outlier_score > Q (default 0.995; implies --flag-outliers)",
     .id = PREDICT_OUTLIER_THRESHOLD},
    {.name = "opt-out", .value = "COL",
     .help = "yes/no column: add opted_out (1 = yes/true/1/y: never\n"
             "to be contacted) to the output",
     .field = CLI_TEXT(popts, opt_out)},
    {.name = "explain",
     .help = "add each customer's rule (leaf of the model's tree), the\n"
             "runner-up segment and the 3 columns that most separate them",
     .field = CLI_FLAG(popts, explain)},
    {.name = "respect-capacity",
     .help = "a model fitted with size bounds ('seg segment' with\n"
             "minimum or maximum sizes): assign the batch under those\n"
             "bounds (an exact transportation problem) instead of to\n"
             "the nearest centroid",
     .field = CLI_FLAG(popts, capacity)},
    {.name = "proba",
     .help = "Gaussian mixture models (seg segment --method gmm):\n"
             "write id,segment,p_0..p_k-1, each segment's probability",
     .field = CLI_FLAG(popts, proba)},
    {.name = "quiet", .alias = 'q', .help = "no notes on stderr", .field = CLI_FLAG(popts, quiet)},
    CLI_OPT_HELP,
    {0},
};
/* clang-format on */

const cli_command cli_predict = {
    .name = "predict",
    .summary = "assign new customers with a saved model",
    .synopsis = "MODEL FILE [options]",
    .description = "Assign the customers of FILE (CSV with the training columns; extra columns\n"
                   "are ignored) to the segments of MODEL (saved by 'seg segment --model').\n"
                   "FILE '-', or no FILE with a pipe or file on standard input: standard input.",
    .opts = predict_opts,
    .operands = {CLI_TEXT(popts, model), CLI_TEXT(popts, file)},
    .stdin_operand = 2,
    .run = cmd_predict,
};

static int parse_predict(int argc, char **argv, popts *o)
{
    cli_parser p = cli_start(&cli_predict, argc, argv, o);
    const char *v;
    int id;
    while (cli_next(&p, &id, &v)) { /* only --outlier-threshold */
        if (!parse_real(v, &o->threshold) || !(o->threshold >= 0 && o->threshold <= 1))
            return usage_error("predict ", "%s", "--outlier-threshold takes a number in [0, 1]");
        o->flag = true;
    }
    if (p.status)
        return p.status;
    if (!o->file)
        return usage_error("predict ", "%s", "needs a MODEL and a FILE");
    /* Read once the command line is known to be right. */
    return o->id_key ? use_id_key(o->id_key) : 0;
}

/* force: the second read, with every training column given its training
 * type (after check_columns() found a column typed otherwise). */
static int read_rows(const popts *o, const seg_model *m, bool force, seg_dataset **ds)
{
    return read_table_for_model(ds, o->file, o->delimiter, o->id, force ? m : NULL);
}

/* Every training column must be in the file: name all that are not. Sets
 * *retype when a present column has another type than in training. */
static int check_columns(const popts *o, const seg_model *m, const seg_dataset *ds, bool *retype)
{
    size_t missing = 0, len = 0;
    char *names = NULL;
    *retype = false;
    for (size_t c = 0; c < seg_model_profile_columns(m); c++) {
        const char *name = seg_model_profile_column_name(m, c);
        size_t j;
        if (seg_dataset_column_index(ds, name, &j) == 0) {
            *retype |= seg_dataset_column_type(ds, j) != seg_model_profile_column_type(m, c);
            continue;
        }
        /* The library's message names the closest columns of the file. */
        const char *hint = strstr(seg_last_error(), "; did you mean ");
        const int hint_len = hint ? (int)strlen(hint + 15) - 1 : 0;
        size_t add = strlen(name) + 2 + (hint ? (size_t)hint_len + 20 : 0);
        const size_t cap = len + add + 1;
        char *grown = realloc(names, cap);
        if (!grown) {
            free(names);
            return lib_error("checking columns", SEG_ERR_NOMEM);
        }
        names = grown;
        len += (size_t)snprintf(names + len, cap - len, "%s%s", missing++ ? ", " : "", name);
        if (hint && hint_len > 0)
            len += (size_t)snprintf(names + len, cap - len, " (did you mean %.*s?)", hint_len,
                                    hint + 15);
    }
    if (!missing)
        return 0;
    fprintf(stderr, "%s: %s lacks %zu column%s of the model: %s\n", progname, o->file, missing,
            missing > 1 ? "s" : "", names);
    free(names);
    return EXIT_DATA;
}

/* What predict finds for each of the n rows: segment and distance, and with
 * the options the distances to every segment and the outlier scores. */
typedef struct scores {
    size_t n;
    int32_t *labels;
    double *dist;
    double *all;   /* n x k with --all-distances, else NULL */
    double *score; /* with --flag-outliers, else NULL */
    uint8_t *flag; /* with --flag-outliers, else NULL */
    uint8_t *opted; /* with --opt-out, else NULL */
} scores;

static void scores_free(scores *s)
{
    free(s->labels);
    free(s->dist);
    free(s->all);
    free(s->score);
    free(s->flag);
    free(s->opted);
}

static void print_json(const popts *o, const seg_model *m, const seg_dataset *ds, const scores *s,
                       const explained *ex)
{
    const int32_t *labels = s->labels;
    const double *dist = s->dist, *all = s->all, *score = s->score;
    const uint8_t *flag = s->flag;
    const size_t n = s->n, k = seg_model_k(m);
    size_t *count = calloc(k, sizeof *count);
    for (size_t i = 0; count && i < n; i++)
        count[labels[i]]++;
    printf("{\n  \"model\": ");
    json_string(stdout, o->model);
    printf(",\n  \"file\": ");
    json_string(stdout, o->file);
    printf(",\n  \"n\": %zu,\n  \"k\": %zu,\n  \"segments\": [", n, k);
    for (size_t j = 0; count && j < k; j++) {
        printf("%s\n    {\"id\": %zu, \"size\": %zu, \"share\": ", j ? "," : "", j, count[j]);
        json_number(stdout, n ? (double)count[j] / (double)n : NAN);
        printf(", \"label\": ");
        const char *label = seg_model_segment_label(m, j);
        json_string(stdout, label ? label : "");
        printf("}");
    }
    printf("\n  ]");
    if (score) {
        size_t flagged = 0;
        for (size_t i = 0; i < n; i++)
            flagged += flag[i];
        printf(",\n  \"outlier_threshold\": ");
        json_number(stdout, o->threshold);
        printf(",\n  \"flagged\": %zu", flagged);
    }
    if (s->opted) {
        size_t opted = 0;
        for (size_t i = 0; i < n; i++)
            opted += s->opted[i];
        printf(",\n  \"opted_out\": %zu", opted);
    }
    if (!o->output) {
        printf(",\n  \"rows\": [");
        for (size_t i = 0; i < n; i++) {
            const char *id = o->id ? seg_dataset_id(ds, i) : NULL;
            printf("%s\n    {\"id\": ", i ? "," : "");
            if (o->id)
                json_id(stdout, id ? id : "");
            else
                printf("%zu", i + 1);
            printf(", \"segment\": %d, \"distance\": ", (int)labels[i]);
            json_number(stdout, dist[i]);
            if (all) {
                printf(", \"distances\": [");
                for (size_t j = 0; j < k; j++) {
                    fputs(j ? ", " : "", stdout);
                    json_number(stdout, all[i * k + j]);
                }
                printf("], \"margin\": ");
                json_number(stdout, assignment_margin(all, k, i, labels[i]));
            }
            if (score) {
                printf(", \"outlier_score\": ");
                json_number(stdout, score[i]);
                printf(", \"flag\": %d", (int)flag[i]);
            }
            if (s->opted)
                printf(", \"opted_out\": %d", (int)s->opted[i]);
            if (ex)
                explain_row_json(stdout, ex, m, ds, labels, i);
            printf("}");
        }
        printf("\n  ]");
    }
    printf("\n}\n");
    free(count);
}

/* Distances to every centroid, on the model's scaled features. */
static int all_distances(const seg_model *m, const seg_dataset *ds, size_t n, double **out)
{
    const seg_scaler *sc = seg_model_scaler(m);
    const size_t d = seg_model_dim(m), k = seg_model_k(m);
    double *x = malloc((n ? n : 1) * d * sizeof *x);
    *out = malloc((n ? n : 1) * k * sizeof **out);
    int rc = x && *out ? 0 : SEG_ERR_NOMEM;
    if (rc == 0)
        rc = sc ? seg_scaler_transform_f64(sc, ds, x, n * d) : seg_dataset_copy_f64(ds, x, n * d);
    if (rc == 0)
        rc = seg_model_distances_f64(m, x, n, d, *out, n * k);
    free(x);
    return rc;
}

/* --respect-capacity: the batch under the model's size bounds, replacing
 * the nearest-centroid labels and distances (0 or a seg_status). */
static int capacity_rows(const seg_model *m, const seg_dataset *ds, size_t n, int32_t *labels,
                         double *dist)
{
    const seg_scaler *sc = seg_model_scaler(m);
    const size_t d = seg_model_dim(m);
    double *x = malloc((n ? n : 1) * d * sizeof *x);
    int rc = x ? 0 : SEG_ERR_NOMEM;
    if (rc == 0)
        rc = sc ? seg_scaler_transform_f64(sc, ds, x, n * d) : seg_dataset_copy_f64(ds, x, n * d);
    if (rc == 0)
        rc = seg_capacity_predict_f64(m, x, n, d, seg_dataset_weights(ds), labels, dist);
    free(x);
    return rc;
}

/* Assign the rows of ds (0 or a seg_status). */
static int score_rows(const popts *o, const seg_model *m, const seg_dataset *ds, scores *s)
{
    seg_predictor *p = NULL;
    const size_t n = s->n = seg_dataset_rows(ds);
    int rc;
    s->labels = malloc((n ? n : 1) * sizeof *s->labels);
    s->dist = malloc((n ? n : 1) * sizeof *s->dist);
    if (!s->labels || !s->dist)
        return SEG_ERR_NOMEM;
    if ((rc = seg_predictor_new(&p, m)) == 0 &&
        (rc = seg_predictor_set_int(p, SEG_PREDICTOR_THREADS, o->threads)) == 0)
        rc = seg_predictor_run_dataset(p, ds, s->labels, s->dist);
    seg_predictor_free(p);
    if (rc == 0 && o->capacity)
        rc = capacity_rows(m, ds, n, s->labels, s->dist);
    if (rc == 0 && o->all)
        rc = all_distances(m, ds, n, &s->all);
    if (rc < 0 || !o->flag)
        return rc;
    s->score = malloc((n ? n : 1) * sizeof *s->score);
    s->flag = malloc(n ? n : 1);
    if (!s->score || !s->flag)
        return SEG_ERR_NOMEM;
    return seg_model_outlier_scores(m, s->labels, s->dist, n, o->threshold, s->score, s->flag);
}

/* predict's own CSV, for explain_write_csv() to add the explanation to. */
typedef struct csv_ctx {
    const seg_dataset *ds;
    const scores *s;
    size_t k;
} csv_ctx;

static int write_plain(FILE *f, void *ctx)
{
    const csv_ctx *c = ctx;
    return write_assignments_marked(f, c->ds, c->s->labels, c->s->dist, c->s->n, c->s->all, c->k,
                                    c->s->score, c->s->flag, c->s->opted);
}

int cmd_predict(int argc, char **argv)
{
    popts o = {.threads = 1, .threshold = SEG_OUTLIER_THRESHOLD_DEFAULT};
    seg_model *m = NULL;
    seg_dataset *ds = NULL;
    scores s = {0};
    explained ex = {0};
    const char *stage = "loading the model";
    bool retype;
    outputs out;
    int rc, status = EXIT_DATA;

    if ((rc = parse_predict(argc, argv, &o)) != 0)
        return rc < 0 ? 0 : rc;
    if (is_stdio(o.output))
        o.output = NULL; /* standard output, the default */
    outputs_init(&out, "predict ");
    outputs_add(&out, "--output", o.output, false);
    outputs_input(&out, "MODEL", o.model);
    outputs_input(&out, "FILE", o.file);
    json_source(o.file);
    outputs_input(&out, "--pseudonymize-key", o.id_key);
    if ((status = outputs_check(&out)) != 0)
        return status;
    status = EXIT_DATA;
    if ((rc = seg_model_load(&m, o.model)) < 0)
        goto fail;
    if (o.proba && (o.json || o.all || o.flag || o.explain || o.opt_out)) {
        status = usage_error("predict ", "%s",
                             "--proba writes its own CSV: it does not go with --json, "
                             "--all-distances, --flag-outliers, --explain or --opt-out");
        goto out;
    }
    if (o.proba && seg_model_gmm_covariance(m) < 0) {
        fprintf(stderr, "%s: --proba needs a Gaussian mixture model ('seg segment --method gmm "
                        "--model FILE'); %s is not one: its segments have no probabilities\n",
                progname, o.model);
        goto out;
    }
    if (o.flag && !seg_model_has_outlier_reference(m)) {
        fprintf(stderr, "%s: %s has no outlier reference (saved by an older version): "
                        "fit it again to use --flag-outliers\n", progname, o.model);
        goto out;
    }
    stage = "reading data";
    if ((rc = read_rows(&o, m, false, &ds)) < 0)
        goto fail;
    if ((status = check_columns(&o, m, ds, &retype)) != 0)
        goto out;
    status = EXIT_DATA;
    if (retype) {
        seg_dataset_free(ds);
        ds = NULL;
        if ((rc = read_rows(&o, m, true, &ds)) < 0)
            goto fail;
    }
    if (o.id && (rc = seg_dataset_set_id_column(ds, o.id)) < 0)
        goto fail;
    if (o.opt_out && (rc = (s.opted = malloc(seg_dataset_rows(ds) + 1))
                               ? seg_dataset_get_flag(ds, o.opt_out, s.opted, seg_dataset_rows(ds))
                               : SEG_ERR_NOMEM) < 0)
        goto fail;
    stage = "scoring";
    if ((rc = score_rows(&o, m, ds, &s)) < 0)
        goto fail;
    double *proba = NULL;
    if (o.proba && (rc = predict_proba(m, ds, o.threads, &proba)) < 0)
        goto fail;
    if (proba) {
        FILE *f = o.output ? outputs_open(&out, o.output) : stdout;
        const bool ok = f && write_proba_csv(f, ds, s.labels, proba, s.n, seg_model_k(m)) == 0;
        free(proba);
        if (o.output && (status = outputs_finish(&out, f, ok)) != 0)
            goto out;
        status = outputs_commit(&out);
        goto out;
    }
    stage = "explaining";
    if (o.explain && (rc = explain_rows(&ex, m, ds, s.labels, o.threads)) < 0)
        goto fail;
    const csv_ctx cc = {ds, &s, seg_model_k(m)};
    if (o.output) {
        FILE *f = outputs_open(&out, o.output);
        const bool ok =
            f && (o.explain ? explain_write_csv(f, &ex, m, ds, s.labels, write_plain, (void *)&cc)
                            : write_plain(f, (void *)&cc)) == 0;
        if ((status = outputs_finish(&out, f, ok)) != 0)
            goto out;
    } else if (!o.json) {
        /* Standard output: a failed write is reported by outputs_commit(). */
        (void)(o.explain ? explain_write_csv(stdout, &ex, m, ds, s.labels, write_plain, (void *)&cc)
                         : write_plain(stdout, (void *)&cc));
    }
    if (o.json)
        print_json(&o, m, ds, &s, o.explain ? &ex : NULL);
    status = outputs_commit(&out);
    goto out;
fail:
    status = lib_error(stage, rc);
out:
    outputs_abort(&out);
    seg_dataset_free(ds);
    seg_model_free(m);
    scores_free(&s);
    explained_free(&ex);
    return status;
}
