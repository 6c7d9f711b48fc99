/*
 * The command line of 'seg segment': its option table, from which
 * cli_next() parses (parse_segment() in cmd_segment.c checks the values
 * that need checking) and cli_help() prints the help. In a file of its own
 * because the table is long; the ids are in segment.h.
 */
#include "cli.h"
#include "segment.h"

/* clang-format off: one entry, one or two lines */
static const cli_opt segment_opts[] = {
    {.name = "id", .value = "COL", .help = "row id column (kept aside, never a feature)",
     .section = "Data", .field = CLI_TEXT(opts, id)},
    {.name = "drop", .value = "COL[,COL]", .help = "columns to leave out",
     .field = CLI_TEXT(opts, drop)},
    {.name = "columns", .value = "COL[,COL]",
     .help = "columns to cluster on (all others left out; the\n"
             "--id, --weight, --target, --control and --describe\n"
             "columns keep their roles)",
     .field = CLI_TEXT(opts, columns)},
    {.name = "keep", .value = "COL[,COL]",
     .help = "cluster on these columns even though they look like\n"
             "identifiers (row numbers, ids; left out otherwise)",
     .field = CLI_TEXT(opts, keep)},
    {.name = "describe", .value = "COL[,COL]",
     .help = "columns profiled per segment but never clustered\n"
             "(e.g. the last campaign contact)",
     .field = CLI_TEXT(opts, describe)},
    {.name = "weight", .value = "COL", .help = "numeric column of customer weights (> 0)",
     .field = CLI_TEXT(opts, weight)},
    {.name = "categorical", .value = "COL[,COL]", .help = "force columns to be categorical",
     .field = CLI_TEXT(opts, categorical)},
    {.name = "numeric", .value = "COL[,COL]", .help = "force columns to be numeric",
     .field = CLI_TEXT(opts, numeric)},
    {.name = "missing", .value = "TOKEN[,TOKEN]", .help = "extra tokens meaning a missing value",
     .field = CLI_TEXT(opts, missing)},
    {.name = "delimiter", .value = "C", .help = "field delimiter (default: detect , ; or tab)",
     .id = SEGMENT_DELIMITER},

    {.name = "scale", .value = "METHOD", .help = "standard|minmax|robust|none (default standard)",
     .section = "Preparation", .id = SEGMENT_SCALE},
    {.name = "log1p", .value = "COL[,COL]",
     .help = "signed log1p on these numeric columns before scaling",
     .field = CLI_TEXT(opts, log1p)},
    {.name = "drop-first", .help = "one-hot without the first level",
     .field = CLI_FLAG(opts, drop_first)},
    {.name = "impute-mode", .help = "missing categorical values take the mode (default: own level)",
     .field = CLI_FLAG(opts, impute_mode)},
    {.name = "impute-order", .value = "ORDER",
     .help = "impute-first: missing numbers take the median, then the\n"
             "scaling statistics cover every row (default; as scikit-learn's\n"
             "SimpleImputer then StandardScaler); scale-first: statistics\n"
             "of the present values only, then the median",
     .id = SEGMENT_IMPUTE_ORDER},

    {.name = "k", .alias = 'k', .value = "K",
     .help = "number of segments (default: chosen by a sweep)", .section = "K-means",
     .id = SEGMENT_K},
    {.name = "k-min", .value = "A",
     .help = "smallest k of the sweep (default 2); the chosen k has the\n"
             "best silhouette among those whose segments all hold\n"
             "5 % .. 60 % of the customers",
     .id = SEGMENT_K_MIN},
    {.name = "k-max", .value = "B", .help = "largest k of the sweep (default 10)",
     .id = SEGMENT_K_MAX},
    {.name = "init", .value = "METHOD",
     .help = "kmeans++, kmeans|| (Bahmani et al.'s parallel k-means++),\n"
             "random or FILE.npy (k x d starting centroids);\n"
             "kprototypes: huang (default) or cao",
     .id = SEGMENT_INIT},
    {.name = "n-init", .value = "N", .help = "runs from different starts, best kept (default 1)",
     .id = SEGMENT_N_INIT},
    {.name = "max-iter", .value = "N", .help = "iterations per run (default 300)",
     .id = SEGMENT_MAX_ITER},
    {.name = "tol", .value = "X", .help = "relative tolerance (default 1e-4)", .id = SEGMENT_TOL},
    {.name = "seed", .value = "S", .help = "random seed (default 0)", .id = SEGMENT_SEED},
    {.name = "threads", .value = "T", .help = "threads, 0 = the usable CPUs (default 0)",
     .id = SEGMENT_THREADS},
    {.name = "dtype", .value = "f32|f64", .help = "precision (default f64)", .id = SEGMENT_DTYPE},
    {.name = "algorithm", .value = "A",
     .help = "lloyd|hamerly|elkan|yinyang|auto, same result (default auto)",
     .id = SEGMENT_ALGORITHM},
    {.name = "method", .value = "kmeans|ward|minibatch|kprototypes|gmm",
     .help = "ward: Ward hierarchical clustering cut at --k;\n"
             "minibatch: mini-batch k-means;\n"
             "kprototypes: numeric and categorical columns, the\n"
             "latter as levels, not one-hot; gmm: Gaussian\n"
             "mixture, soft segments (default kmeans)",
     .id = SEGMENT_METHOD},
    {.name = "batch-size", .value = "B", .help = "minibatch: rows per batch (default 1024)",
     .id = SEGMENT_BATCH_SIZE},
    {.name = "pre-cluster", .value = "M",
     .help = "ward: k-means to M micro-clusters first, then weighted Ward",
     .id = SEGMENT_PRE_CLUSTER},
    {.name = "gamma", .value = "G",
     .help = "kprototypes: cost of one categorical mismatch (default:\n"
             "0.5 x the mean standard deviation of the scaled numeric\n"
             "features, the kmodes package's rule)",
     .id = SEGMENT_GAMMA},

    {.name = "min-size", .value = "N",
     .help = "every segment holds at least N customers (size-constrained\n"
             "k-means: each assignment is an exact transportation\n"
             "problem; needs --k)",
     .section = "Capacity", .id = SEGMENT_MIN_SIZE},
    {.name = "max-size", .value = "N",
     .help = "no segment holds more than N customers (e.g. the calls a\n"
             "team can make; needs --k)",
     .id = SEGMENT_MAX_SIZE},
    {.name = "capacity", .value = "FILE",
     .help = "one line per segment, MAX or MIN,MAX (an empty MAX: no\n"
             "maximum; '#' comments); its lines set k",
     .field = CLI_TEXT(opts, capacity)},
    {.name = "covariance", .value = "TYPE",
     .help = "gmm: full|tied|diag|spherical (default full); gmm's\n"
             "defaults: --max-iter 100, --tol 1e-3 (on the mean\n"
             "log-likelihood), and without --k the k of lowest BIC",
     .id = SEGMENT_COVARIANCE},
    {.name = "reg-covar", .value = "X", .help = "gmm: added to each variance (default 1e-6)",
     .id = SEGMENT_REG_COVAR},

    {.name = "memory", .value = "BYTES",
     .help = "read FILE.csv in chunks, never whole, holding about BYTES\n"
             "of data (suffix K, M, G, T = powers of 1024; e.g. 512M):\n"
             "pass 1 fits the scaler (exact mean and sd, median and IQR\n"
             "within 0.1 % in rank), then mini-batch k-means over the\n"
             "chunks (or --exact); needs --k; no weights, target, report,\n"
             "features or profiles (see docs/out-of-core.md)",
     .section = "Data larger than memory", .id = SEGMENT_MEMORY},
    {.name = "exact", .help = "with --memory: exact Lloyd k-means, one pass per iteration",
     .field = CLI_FLAG(opts, exact)},

    {.name = "min-segment-size", .value = "N",
     .help = "withhold the profile of any segment of fewer than N\n"
             "customers (k-anonymity; default 0 = off); their\n"
             "--target figures are shown only pooled, and category\n"
             "levels of fewer than N customers become '(other)'",
     .section = "Privacy", .id = SEGMENT_MIN_SEGMENT_SIZE},

    {.name = "target", .value = "COL",
     .help = "yes/no outcome column (kept out of the features):\n"
             "conversion, 95 % interval, lift per segment, and a plan",
     .section = "Campaign", .field = CLI_TEXT(opts, target)},
    {.name = "control", .value = "COL",
     .help = "yes/no column: 1 = held out of the campaign (uplift)",
     .field = CLI_TEXT(opts, control)},
    {.name = "cost-per-contact", .value = "C",
     .help = "with --revenue-per-conversion: ROI, and the plan\n"
             "step with the highest profit",
     .id = SEGMENT_COST},
    {.name = "revenue-per-conversion", .value = "R", .help = "with --cost-per-contact (above)",
     .id = SEGMENT_REVENUE},

    {.name = "protected", .value = "COL[,COL]",
     .help = "protected attributes (age, marital, ...): never\n"
             "clustered, read only for the fairness report: groups per\n"
             "segment, representation, balance, proxy check, and\n"
             "with --target the plan's selection rates, adverse\n"
             "impact ratio and Fisher's exact test",
     .section = "Fairness", .field = CLI_TEXT(opts, protected_cols)},
    {.name = "protected-bins", .value = "COL=E1,E2,...[;COL=...]",
     .help = "bins of a numeric protected column, e.g. age=25,35,50,65\n"
             "(default: cut at its quartiles; a column of at most 10\n"
             "distinct values: one group per value)",
     .field = CLI_TEXT(opts, protected_bins)},
    {.name = "opt-out", .value = "COL",
     .help = "yes/no column: yes/true/1/y = opted out of campaigns;\n"
             "segmented and profiled, never in a plan or contact count",
     .field = CLI_TEXT(opts, opt_out)},

    {.name = "json", .help = "summary as JSON on stdout", .section = "Output",
     .field = CLI_FLAG(opts, json)},
    {.name = "assignments", .value = "FILE.csv",
     .help = "id,segment,distance per customer ('-': stdout, and the\n"
             "summary goes to stderr)",
     .field = CLI_TEXT(opts, assignments)},
    {.name = "pseudonymize-key", .value = "FILE",
     .help = "write ids as keyed pseudonyms (HMAC-SHA-256; key file, >= 16 bytes)",
     .field = CLI_TEXT(opts, id_key)},
    {.name = "features", .value = "FILE",
     .help = "encoded, scaled matrix (.npy or .csv by extension)",
     .field = CLI_TEXT(opts, features)},
    {.name = "model", .alias = 'o', .value = "FILE",
     .help = "save the model (scaler, centroids, profiles) for\n"
             "'seg predict' and 'seg info'",
     .field = CLI_TEXT(opts, model)},
    {.name = "report", .value = "FILE.html", .help = "self-contained HTML report with charts",
     .field = CLI_TEXT(opts, report)},
    {.name = "silhouette-sample", .value = "N",
     .help = "rows for the silhouette (default 10000; 0 = all)", .id = SEGMENT_SILHOUETTE_SAMPLE},
    {.name = "stability-resamples", .value = "N",
     .help = "sweep: 80 % subsamples refitted per k to measure the\n"
             "stability of its segments (default 5; 0 = off, faster)",
     .id = SEGMENT_STABILITY_RESAMPLES},
    {.name = "quiet", .alias = 'q', .help = "no notes on stderr", .field = CLI_FLAG(opts, quiet)},
    CLI_OPT_HELP,
    {0},
};
/* clang-format on */

const cli_command cli_segment = {
    .name = "segment",
    .summary = "segment customers with k-means",
    .synopsis = "[FILE] [options]",
    .description =
        "Segment the customers in FILE (CSV, or .npy of numbers) with k-means.\n"
        "FILE '-', or no FILE with a pipe or file on standard input: CSV read from\n"
        "standard input (not with --memory). Without FILE on a terminal or /dev/null,\n"
        "the bundled UCI bank marketing data is used (said on stderr): clustered on the\n"
        "customer (age,job,marital,education,default,balance,housing,loan), the last\n"
        "campaign contact described (contact,day,month,campaign,pdays,previous,poutcome,\n"
        "duration), 'y' left out, unless --columns, --drop or --describe say otherwise.",
    .opts = segment_opts,
    .operands = {CLI_TEXT(opts, file)},
    .run = cmd_segment,
};
