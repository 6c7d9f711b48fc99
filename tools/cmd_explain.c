/*
 * seg explain MODEL FILE [options]: the model's segments as rules, a
 * threshold tree in the columns' own units, and how well it agrees with the
 * model on the customers of FILE.
 */
#include <seg.h>

#include "cli.h"
#include "explain.h"
#include "out.h"
#include "output.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct xopts {
    const char *model, *file, *model_out;
    bool json;
    int64_t leaves; /* 0: the model's tree, or k leaves */
    int64_t threads; /* of the tree search; 0: all cores */
    int delimiter;
} xopts;


/* clang-format off */
static const cli_opt explain_opts[] = {
    {.name = "json", .help = "the rules, agreement and cost ratio as JSON on stdout",
     .field = CLI_FLAG(xopts, json)},
    {.name = "leaves", .value = "L",
     .help = "fit a tree of L >= k leaves on FILE (ExKMC growth past k;\n"
             "default: the tree saved in MODEL, else k leaves)",
     .field = CLI_INT(xopts, leaves), .lo = 1, .hi = 65536},
    {.name = "model-out", .value = "FILE",
     .help = "save MODEL with the tree fitted here (for predict --explain)",
     .field = CLI_TEXT(xopts, model_out)},
    {.name = "delimiter", .value = "C", .help = "field delimiter (default: detect , ; or tab)",
     .field = CLI_DELIMITER(xopts, delimiter)},
    {.name = "threads", .value = "T",
     .help = "threads of the tree search, 0 = all cores (default 0;\n"
             "the tree is the same for any count)",
     .field = CLI_INT(xopts, threads), .lo = 0, .hi = 4096},
    CLI_OPT_HELP,
    {0},
};
/* clang-format on */

const cli_command cli_explain = {
    .name = "explain",
    .summary = "tell a model's segments as rules on the columns",
    .synopsis = "MODEL FILE [options]",
    .description =
        "Explain the segments of MODEL as a threshold tree (IMM, Dasgupta et al. 2020):\n"
        "each leaf is a rule of thresholds on the columns, in their own units, that\n"
        "sends customers to one segment. Uses the tree saved in MODEL ('seg segment'\n"
        "saves one), or fits one on FILE; prints each rule with the customers of FILE\n"
        "it matches, the agreement (share of customers whose rule names their model\n"
        "segment) and the cost ratio (k-means cost of the rules' partition over the\n"
        "model's).",
    .opts = explain_opts,
    .operands = {CLI_TEXT(xopts, model), CLI_TEXT(xopts, file)},
    .stdin_operand = 2,
    .run = cmd_explain,
};

static int parse_explain(int argc, char **argv, xopts *o)
{
    int status = cli_parse_all(&cli_explain, argc, argv, o);
    if (status)
        return status;
    if (!o->file)
        return usage_error("explain ", "%s", "needs a MODEL and a FILE");
    return 0;
}

static void print_text(const xopts *o, const seg_model *m, const size_t *customers, size_t n,
                       double agreement, double cost_ratio, bool fitted)
{
    printf("%s: %zu rule%s for %zu segment%s (%s)\n", o->model, seg_model_tree_leaves(m),
           seg_model_tree_leaves(m) == 1 ? "" : "s", seg_model_k(m), seg_model_k(m) == 1 ? "" : "s",
           fitted ? "tree fitted on FILE" : "tree saved in the model");
    explain_leaves_text(stdout, m, customers);
    printf("agreement: %.1f %% of %zu customers get their model segment from the rules\n",
           100.0 * agreement, n);
    printf("cost ratio: %.3f (k-means cost of the rules' segments / the model's)\n", cost_ratio);
}

static void print_json(const xopts *o, const seg_model *m, const size_t *customers, size_t n,
                       double agreement, double cost_ratio, bool fitted)
{
    printf("{\n  \"model\": ");
    json_string(stdout, o->model);
    printf(",\n  \"file\": ");
    json_string(stdout, o->file);
    printf(",\n  \"n\": %zu,\n  \"k\": %zu,\n  \"tree\": \"%s\",\n  \"agreement\": ", n,
           seg_model_k(m), fitted ? "fitted" : "saved");
    json_number(stdout, agreement);
    printf(",\n  \"cost_ratio\": ");
    json_number(stdout, cost_ratio);
    printf(",\n  \"leaves\": ");
    explain_leaves_json(stdout, m, customers, 4);
    printf("\n}\n");
}

int cmd_explain(int argc, char **argv)
{
    xopts o = {0};
    seg_model *m = NULL;
    seg_dataset *ds = NULL;
    seg_tree *t = NULL;
    int32_t *labels = NULL, *leaves = NULL;
    size_t *customers = NULL;
    const char *stage = "loading the model";
    outputs out;
    int rc, status;

    if ((rc = parse_explain(argc, argv, &o)) != 0)
        return rc < 0 ? 0 : rc;
    outputs_init(&out, "explain ");
    outputs_add(&out, "--model-out", o.model_out, false);
    outputs_input(&out, "MODEL", o.model);
    outputs_input(&out, "FILE", o.file);
    if ((status = outputs_check(&out)) != 0)
        return status;
    if ((rc = seg_model_load(&m, o.model)) < 0)
        goto fail;
    stage = "reading data";
    if ((rc = read_table_for_model(&ds, o.file, o.delimiter, NULL, m)) < 0)
        goto fail;
    const size_t n = seg_dataset_rows(ds);
    const bool fit =
        !seg_model_has_tree(m) || (o.leaves && (size_t)o.leaves != seg_model_tree_leaves(m));
    if (fit) {
        stage = "fitting the tree";
        if (o.leaves && (size_t)o.leaves < seg_model_k(m)) {
            fprintf(stderr, "%s: explain: --leaves %lld is fewer than the model's %zu segments\n",
                    progname, (long long)o.leaves, seg_model_k(m));
            status = EXIT_USAGE;
            goto out;
        }
        if ((rc = seg_tree_new(&t)) < 0 ||
            (rc = seg_tree_set_int(t, SEG_TREE_LEAVES, o.leaves)) < 0 ||
            (rc = seg_tree_set_int(t, SEG_TREE_THREADS, o.threads)) < 0 ||
            (rc = seg_tree_fit_dataset(t, m, ds)) < 0)
            goto fail;
        if (o.leaves && seg_model_tree_leaves(m) < (size_t)o.leaves)
            fprintf(stderr, "%s: explain: %zu rules, not %lld: no further split lowers the cost\n",
                    progname, seg_model_tree_leaves(m), (long long)o.leaves);
    }
    stage = "scoring the tree";
    labels = malloc((n ? n : 1) * sizeof *labels);
    leaves = malloc((n ? n : 1) * sizeof *leaves);
    customers = calloc(seg_model_tree_leaves(m) + 1, sizeof *customers);
    if (!labels || !leaves || !customers) {
        rc = SEG_ERR_NOMEM;
        goto fail;
    }
    double agreement = NAN, cost_ratio = NAN;
    if ((rc = seg_model_tree_score_dataset(m, ds, labels, leaves, &agreement, &cost_ratio)) < 0)
        goto fail;
    for (size_t i = 0; i < n; i++)
        customers[leaves[i]]++;
    if (o.model_out && (status = outputs_write_model(&out, o.model_out, m)) != 0)
        goto out;
    if (o.json)
        print_json(&o, m, customers, n, agreement, cost_ratio, fit);
    else
        print_text(&o, m, customers, n, agreement, cost_ratio, fit);
    status = outputs_commit(&out);
    goto out;
fail:
    status = lib_error(stage, rc);
out:
    outputs_abort(&out);
    seg_tree_free(t);
    seg_dataset_free(ds);
    seg_model_free(m);
    free(labels);
    free(leaves);
    free(customers);
    return status;
}
