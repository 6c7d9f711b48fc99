/*
 * seg migrate MODEL OLD.csv NEW.csv --id COL: score two snapshots of the same
 * customers with one model and report the segment transition matrix (counts
 * and shares of each old segment), plus the customers who joined (in NEW
 * only) or left (in OLD only), in text, JSON or an HTML report
 * (report_migrate.c).
 */
#include <seg.h>

#include "cli.h"
#include "out.h"
#include "output.h"
#include "report.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct keyed {
    const char *id;
    int32_t segment;
} keyed;

static int by_id(const void *a, const void *b)
{
    return strcmp(((const keyed *)a)->id, ((const keyed *)b)->id);
}

/* Read FILE with the model's column types and the id column as text, and
 * label its rows: rows[i] = {id, segment}, sorted by id. */
static int score(const seg_model *m, const char *file, const char *id, keyed **rows, size_t *n,
                 seg_dataset **keep)
{
    seg_dataset *ds = NULL;
    seg_predictor *p = NULL;
    int32_t *lab = NULL;
    int rc = read_table_for_model(&ds, file, 0, id, m);
    if (rc == 0)
        rc = seg_dataset_set_id_column(ds, id);
    *n = rc == 0 ? seg_dataset_rows(ds) : 0;
    if (rc == 0 && (!(lab = malloc((*n + 1) * sizeof *lab)) ||
                    !(*rows = malloc((*n + 1) * sizeof **rows))))
        rc = SEG_ERR_NOMEM;
    if (rc == 0)
        rc = seg_predictor_new(&p, m);
    if (rc == 0)
        rc = seg_predictor_run_dataset(p, ds, lab, NULL);
    for (size_t i = 0; rc == 0 && i < *n; i++) {
        const char *s = seg_dataset_id(ds, i);
        (*rows)[i].id = s ? s : "";
        (*rows)[i].segment = lab[i];
    }
    if (rc == 0)
        qsort(*rows, *n, sizeof **rows, by_id);
    seg_predictor_free(p);
    free(lab);
    if (rc < 0) {
        seg_dataset_free(ds);
        return rc;
    }
    *keep = ds; /* the ids point into it */
    return 0;
}

static const char *duplicate(const keyed *r, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (strcmp(r[i - 1].id, r[i].id) == 0)
            return r[i].id;
    return NULL;
}

/* A JSON array of k counts. */
static void json_counts(const size_t *v, size_t k)
{
    printf("[");
    for (size_t j = 0; j < k; j++)
        printf("%s%zu", j ? ", " : "", v[j]);
    printf("]");
}

static void print_result(bool json, const migration *mg, size_t both, size_t joined, size_t left)
{
    const char *const *files = mg->files;
    const size_t *t = mg->t, k = mg->k;
    if (json) {
        printf("{\n  \"model\": ");
        json_string(stdout, files[0]);
        printf(",\n  \"old\": ");
        json_string(stdout, files[1]);
        printf(",\n  \"new\": ");
        json_string(stdout, files[2]);
        printf(",\n  \"k\": %zu,\n  \"in_both\": %zu,\n  \"joined\": %zu,\n  \"left\": %zu,\n"
               "  \"in_old\": ",
               k, both, joined, left);
        json_counts(mg->in_old, k);
        printf(",\n  \"in_new\": ");
        json_counts(mg->in_new, k);
        printf(",\n  \"joined_by_segment\": ");
        json_counts(mg->joined, k);
        printf(",\n  \"left_by_segment\": ");
        json_counts(mg->left, k);
        printf(",\n  \"counts\": [");
    } else {
        printf("migration %s -> %s (model %s): %zu customers in both, %zu joined, %zu left\n",
               files[1], files[2], files[0], both, joined, left);
        printf("old\\new");
        for (size_t j = 0; j < k; j++)
            printf(" %9zu", j);
        printf("     stayed\n");
    }
    for (size_t i = 0; i < k; i++) {
        size_t row = 0;
        for (size_t j = 0; j < k; j++)
            row += t[i * k + j];
        if (json) {
            printf("%s\n    [", i ? "," : "");
            for (size_t j = 0; j < k; j++)
                printf("%s%zu", j ? ", " : "", t[i * k + j]);
            printf("]");
            continue;
        }
        printf("%7zu", i);
        for (size_t j = 0; j < k; j++)
            printf(" %9zu", t[i * k + j]);
        printf(" %9.1f%%\n", row ? 100.0 * (double)t[i * k + i] / (double)row : NAN);
    }
    if (!json)
        return;
    printf("\n  ],\n  \"shares\": [");
    for (size_t i = 0; i < k; i++) {
        size_t row = 0;
        for (size_t j = 0; j < k; j++)
            row += t[i * k + j];
        printf("%s\n    [", i ? "," : "");
        for (size_t j = 0; j < k; j++) {
            fputs(j ? ", " : "", stdout);
            json_number(stdout, row ? (double)t[i * k + j] / (double)row : NAN);
        }
        printf("]");
    }
    printf("\n  ]\n}\n");
}

/* The command line: MODEL, OLD and NEW, and the options the parser keeps. */
typedef struct migrate_args {
    const char *files[3], *id, *report;
    bool json;
} migrate_args;

/* clang-format off */
static const cli_opt migrate_opts[] = {
    {.name = "id", .value = "COL", .help = "customer id column (required; ids must be unique)",
     .field = CLI_TEXT(migrate_args, id)},
    {.name = "json", .help = "JSON on stdout", .field = CLI_FLAG(migrate_args, json)},
    {.name = "report", .value = "FILE.html",
     .help = "self-contained HTML report: the matrix as a heatmap,\n"
             "each segment's customers in OLD and NEW, who stayed,\n"
             "joined or left",
     .field = CLI_TEXT(migrate_args, report)},
    CLI_OPT_HELP,
    {0},
};
/* clang-format on */

const cli_command cli_migrate = {
    .name = "migrate",
    .summary = "segment transitions of customers between two snapshots",
    .synopsis = "MODEL OLD.csv NEW.csv --id COL [options]",
    .description = "Assign the customers of both snapshots with MODEL, join them on the id\n"
                   "column, and print how many moved from each segment to each other one\n"
                   "(rows: segment in OLD, columns: segment in NEW; shares are of the row),\n"
                   "and how many joined (in NEW only) or left (in OLD only). One of OLD.csv\n"
                   "and NEW.csv may be '-': standard input.",
    .opts = migrate_opts,
    .operands = {CLI_TEXT(migrate_args, files[0]), CLI_TEXT(migrate_args, files[1]),
                 CLI_TEXT(migrate_args, files[2])},
    .run = cmd_migrate,
};

int cmd_migrate(int argc, char **argv)
{
    migrate_args args = {{NULL, NULL, NULL}, NULL, NULL, false};
    const char *const *files = args.files;
    int rc = cli_parse_all(&cli_migrate, argc, argv, &args);
    if (rc != 0)
        return rc == CLI_HELP ? 0 : rc;
    const char *id = args.id, *report = args.report;
    const bool json = args.json;
    if (!files[2] || !id)
        return usage_error("migrate ", "%s", "needs MODEL, OLD.csv, NEW.csv and --id COL");
    if (is_stdio(files[1]) && is_stdio(files[2]))
        return usage_error("migrate ", "%s",
                           "only one of OLD.csv and NEW.csv can be '-' (standard input)");

    outputs out;
    outputs_init(&out, "migrate ");
    outputs_add(&out, "--report", report, false);
    outputs_input(&out, "MODEL", files[0]);
    outputs_input(&out, "OLD.csv", files[1]);
    outputs_input(&out, "NEW.csv", files[2]);
    json_source(files[1]);
    json_source(files[2]);
    if ((rc = outputs_check(&out)) != 0)
        return rc;

    seg_model *m = NULL;
    seg_dataset *ds[2] = {NULL, NULL};
    keyed *r[2] = {NULL, NULL};
    size_t n[2] = {0, 0}, *t = NULL, *per = NULL;
    int status = EXIT_DATA;
    const char *stage = "loading the model";
    if ((rc = seg_model_load(&m, files[0])) < 0)
        goto fail;
    for (int s = 0; s < 2; s++) {
        stage = s ? "scoring NEW" : "scoring OLD";
        if ((rc = score(m, files[1 + s], id, &r[s], &n[s], &ds[s])) < 0)
            goto fail;
        const char *dup = duplicate(r[s], n[s]);
        if (dup) {
            fprintf(stderr, "%s: %s: id '%s' appears more than once\n", progname, files[1 + s],
                    dup);
            goto out;
        }
    }
    const size_t k = seg_model_k(m);
    /* k x k transitions, then k each: in OLD, in NEW, joined, left. */
    if (!(t = calloc(k * k, sizeof *t)) || !(per = calloc(4 * k, sizeof *per))) {
        rc = SEG_ERR_NOMEM;
        goto fail;
    }
    const migration mg = {{files[0], files[1], files[2]}, m, k, t, per, per + k, per + 2 * k,
                          per + 3 * k};
    for (size_t i = 0; i < n[0]; i++)
        per[r[0][i].segment]++;
    for (size_t i = 0; i < n[1]; i++)
        per[k + (size_t)r[1][i].segment]++;
    /* Merge the two id-sorted lists. */
    size_t a = 0, b = 0, both = 0, joined = 0, left = 0;
    while (a < n[0] || b < n[1]) {
        const int c = a == n[0] ? 1 : b == n[1] ? -1 : strcmp(r[0][a].id, r[1][b].id);
        if (c < 0) {
            per[3 * k + (size_t)r[0][a].segment]++;
            left++;
            a++;
        } else if (c > 0) {
            per[2 * k + (size_t)r[1][b].segment]++;
            joined++;
            b++;
        } else {
            t[(size_t)r[0][a].segment * k + (size_t)r[1][b].segment]++;
            both++;
            a++;
            b++;
        }
    }
    if (report) {
        FILE *f = outputs_open(&out, report);
        if ((status = outputs_finish(&out, f, f && write_migration_report(f, &mg) == 0)) != 0)
            goto out;
    }
    int saved;
    if (summary_to_stderr(outputs_to_stdout(&out), &saved))
        print_result(json, &mg, both, joined, left);
    summary_restore(saved);
    status = outputs_commit(&out);
    goto out;
fail:
    status = lib_error(stage, rc);
out:
    outputs_abort(&out);
    seg_model_free(m);
    for (int s = 0; s < 2; s++) {
        seg_dataset_free(ds[s]);
        free(r[s]);
    }
    free(t);
    free(per);
    return status;
}
