/*
 * seg fairness ASSIGNMENTS.csv DATA.csv --id COL --protected COLS: the
 * fairness report (fairness.h) of any partition written by 'seg segment
 * --assignments' or 'seg predict' (columns id and segment), joined to the
 * data's protected columns by id. Every id must be on both sides, once: a
 * missing or repeated one is an error naming the file and line.
 */
#include <seg.h>

#include "cli.h"
#include "fairness.h"
#include "out.h"
#include "output.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fopts {
    const char *assignments, *data, *id, *protected_cols, *bins;
    bool json, quiet;
    int delimiter;
    int64_t min_cell;
} fopts;


/* clang-format off */
static const cli_opt fairness_opts[] = {
    {.name = "id", .value = "COL",
     .help = "id column of DATA, matching the assignments' id\n"
             "(default: DATA's 1-based row numbers, the ids 'seg\n"
             "segment' and 'seg predict' write without --id)",
     .field = CLI_TEXT(fopts, id)},
    {.name = "protected", .value = "COL[,COL]", .help = "protected columns of DATA to report on",
     .field = CLI_TEXT(fopts, protected_cols)},
    {.name = "protected-bins", .value = "COL=E1,E2,...[;COL=...]",
     .help = "bins of a numeric protected column, e.g. age=25,35,50,65\n"
             "(default: its quartiles; at most 10 distinct values: one\n"
             "group per value)",
     .field = CLI_TEXT(fopts, bins)},
    {.name = "min-segment-size", .value = "N",
     .help = "show cells of 1 .. N-1 customers as '< N' (default 0 = off)",
     .field = CLI_INT(fopts, min_cell), .lo = 0, .hi = 1000000000000},
    {.name = "delimiter", .value = "C", .help = "field delimiter of DATA (default: detect)",
     .field = CLI_DELIMITER(fopts, delimiter)},
    {.name = "json", .help = "the report as JSON on stdout", .field = CLI_FLAG(fopts, json)},
    {.name = "quiet", .alias = 'q', .help = "no notes on stderr", .field = CLI_FLAG(fopts, quiet)},
    CLI_OPT_HELP,
    {0},
};
/* clang-format on */

const cli_command cli_fairness = {
    .name = "fairness",
    .summary = "fairness of a segmentation on protected columns",
    .synopsis = "ASSIGNMENTS.csv DATA.csv [--id COL] --protected COL[,COL] [options]",
    .description =
        "Report how the groups of protected columns (age, marital status, ...) fall across\n"
        "the segments of ASSIGNMENTS.csv (id,segment,... as written by 'seg segment\n"
        "--assignments' or 'seg predict'), joined to DATA.csv by id: counts, shares and\n"
        "representation ratios per segment, total-variation distance, balance, and the\n"
        "normalised mutual information of segment and group (a proxy check).",
    .opts = fairness_opts,
    .operands = {CLI_TEXT(fopts, assignments), CLI_TEXT(fopts, data)},
    .run = cmd_fairness,
};

static int parse_fairness(int argc, char **argv, fopts *o)
{
    int status = cli_parse_all(&cli_fairness, argc, argv, o);
    if (status)
        return status;
    if (!o->data)
        return usage_error("fairness ", "%s", "needs ASSIGNMENTS.csv and DATA.csv");
    if (!o->protected_cols)
        return usage_error("fairness ", "%s", "needs --protected COL[,COL]");
    if (is_stdio(o->assignments) && is_stdio(o->data))
        return usage_error("fairness ", "%s", "only one of the two files can be standard input");
    return 0;
}

static int read_csv(const char *path, const char *id, const char *numeric, int delimiter,
                    seg_dataset **ds)
{
    seg_csv_options *co = NULL;
    int rc = seg_csv_options_new(&co);
    if (rc == 0 && delimiter)
        rc = seg_csv_options_set_int(co, SEG_CSV_DELIMITER, delimiter);
    if (rc == 0 && id)
        rc = seg_csv_options_set_column_type(co, id, SEG_COLUMN_CATEGORICAL);
    if (rc == 0 && numeric)
        rc = seg_csv_options_set_column_type(co, numeric, SEG_COLUMN_NUMERIC);
    if (rc == 0)
        rc = read_table_csv(ds, path, co);
    if (rc == 0 && id)
        rc = seg_dataset_set_id_column(*ds, id);
    seg_csv_options_free(co);
    return rc;
}

/* An open-addressing table of the assignments' ids: slot -> row + 1. */
typedef struct id_table {
    size_t cap;
    size_t *slot;
} id_table;

static uint64_t hash_text(const char *s)
{
    uint64_t h = UINT64_C(14695981039346656037);
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
    return h;
}

/* The slot of id: the one holding it, or the empty one where it goes. */
static size_t id_slot(const id_table *t, const seg_dataset *ds, const char *id)
{
    size_t i = (size_t)(hash_text(id) & (t->cap - 1));
    while (t->slot[i] && strcmp(seg_dataset_id(ds, t->slot[i] - 1), id) != 0)
        i = (i + 1) & (t->cap - 1);
    return i;
}

/* A row's place as messages name it: "FILE:LINE", else "FILE, row R". */
static const char *where(const char *path, const seg_dataset *ds, size_t row, char *buf, size_t len)
{
    const size_t line = seg_dataset_row_line(ds, row);
    const char *name = is_stdio(path) ? "<stdin>" : path;
    if (line)
        snprintf(buf, len, "%s:%zu", name, line);
    else
        snprintf(buf, len, "%s, row %zu", name, row + 1);
    return buf;
}

/* The segment of each DATA row, through the ids: 0, EXIT_DATA after saying
 * what is wrong, or a SEG_ERR_ code. */
static int join(const fopts *o, const seg_dataset *as, const seg_dataset *ds, int32_t *labels,
                size_t *k)
{
    const size_t na = seg_dataset_rows(as), nd = seg_dataset_rows(ds);
    size_t seg_col, cap = 16;
    char w1[512], w2[512];
    int rc;
    if ((rc = seg_dataset_column_index(as, "segment", &seg_col)) < 0)
        return rc;
    while (cap < 2 * na + 2)
        cap *= 2;
    id_table t = {cap, calloc(cap, sizeof(size_t))};
    uint8_t *used = calloc(na ? na : 1, 1);
    int32_t *seg = malloc((na ? na : 1) * sizeof *seg);
    int status = t.slot && used && seg ? 0 : SEG_ERR_NOMEM;
    *k = 0;
    for (size_t i = 0; i < na && status == 0; i++) {
        const char *id = seg_dataset_id(as, i);
        double v;
        if ((rc = seg_dataset_get_f64(as, i, seg_col, &v)) < 0) {
            status = rc;
            break;
        }
        if (!(v >= 0 && v < 1000000 && v == floor(v))) {
            fprintf(stderr, "%s: %s: segment '%g' is not a whole number from 0 to 999999\n",
                    progname, where(o->assignments, as, i, w1, sizeof w1), v);
            status = EXIT_DATA;
            break;
        }
        seg[i] = (int32_t)v;
        *k = (size_t)v + 1 > *k ? (size_t)v + 1 : *k;
        if (!id || !*id) {
            fprintf(stderr, "%s: %s: the id is empty\n", progname,
                    where(o->assignments, as, i, w1, sizeof w1));
            status = EXIT_DATA;
            break;
        }
        const size_t s = id_slot(&t, as, id);
        if (t.slot[s]) {
            fprintf(stderr, "%s: %s: id '%s' is also on %s\n", progname,
                    where(o->assignments, as, i, w1, sizeof w1), id,
                    where(o->assignments, as, t.slot[s] - 1, w2, sizeof w2));
            status = EXIT_DATA;
            break;
        }
        t.slot[s] = i + 1;
    }
    for (size_t i = 0; i < nd && status == 0; i++) {
        char number[32];
        snprintf(number, sizeof number, "%zu", i + 1);
        const char *id = o->id ? seg_dataset_id(ds, i) : number;
        const size_t s = id ? id_slot(&t, as, id) : 0;
        if (!id || !t.slot[s]) {
            fprintf(stderr, "%s: %s: id '%s' has no row in %s\n", progname,
                    where(o->data, ds, i, w1, sizeof w1), id ? id : "",
                    is_stdio(o->assignments) ? "<stdin>" : o->assignments);
            status = EXIT_DATA;
            break;
        }
        const size_t r = t.slot[s] - 1;
        if (used[r]) {
            fprintf(stderr, "%s: %s: id '%s' appears twice in %s\n", progname,
                    where(o->data, ds, i, w1, sizeof w1), id,
                    is_stdio(o->data) ? "<stdin>" : o->data);
            status = EXIT_DATA;
            break;
        }
        used[r] = 1;
        labels[i] = seg[r];
    }
    for (size_t r = 0; r < na && status == 0; r++)
        if (!used[r]) {
            fprintf(stderr, "%s: %s: id '%s' has no row in %s\n", progname,
                    where(o->assignments, as, r, w1, sizeof w1), seg_dataset_id(as, r),
                    is_stdio(o->data) ? "<stdin>" : o->data);
            status = EXIT_DATA;
        }
    free(t.slot);
    free(used);
    free(seg);
    return status;
}

int cmd_fairness(int argc, char **argv)
{
    fopts o = {0};
    seg_dataset *as = NULL, *ds = NULL;
    int32_t *labels = NULL;
    fair_data fd = {0};
    size_t k = 0;
    const char *stage = "reading the assignments";
    int rc, status;

    if ((rc = parse_fairness(argc, argv, &o)) != 0)
        return rc < 0 ? 0 : rc;
    if ((rc = read_csv(o.assignments, "id", "segment", 0, &as)) < 0)
        goto fail;
    stage = "reading data";
    if ((rc = read_csv(o.data, o.id, NULL, o.delimiter, &ds)) < 0)
        goto fail;
    if ((rc = fair_take(&fd, ds, o.protected_cols, o.bins, NULL, o.min_cell, false)) != 0) {
        if (rc == USAGE_CONFLICT) {
            status = EXIT_USAGE;
            goto out;
        }
        goto fail;
    }
    stage = "joining by id";
    if (!(labels = malloc((fd.n ? fd.n : 1) * sizeof *labels))) {
        rc = SEG_ERR_NOMEM;
        goto fail;
    }
    if ((rc = join(&o, as, ds, labels, &k)) != 0) {
        if (rc > 0) {
            status = rc;
            goto out;
        }
        goto fail;
    }
    stage = "fairness figures";
    if (k == 0) {
        fprintf(stderr, "%s: %s holds no assignment\n", progname, o.assignments);
        status = EXIT_DATA;
        goto out;
    }
    if ((rc = fair_compute(&fd, labels, k, NULL)) < 0)
        goto fail;
    if (o.json) {
        printf("{\n  \"assignments\": ");
        json_string(stdout, o.assignments);
        printf(",\n  \"data\": ");
        json_string(stdout, o.data);
        printf(",\n  \"n\": %zu,\n  \"k\": %zu", fd.n, k);
        fair_json(stdout, &fd);
        printf("\n}\n");
    } else {
        printf("%zu customers of %s joined to %s by %s%s%s, %zu segments\n", fd.n, o.data,
               o.assignments, o.id ? "'" : "", o.id ? o.id : "row number", o.id ? "'" : "", k);
        fair_text(stdout, &fd);
    }
    status = 0;
    goto out;
fail:
    status = lib_error(stage, rc);
out:
    fair_free(&fd);
    free(labels);
    seg_dataset_free(as);
    seg_dataset_free(ds);
    return status;
}
