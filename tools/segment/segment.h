/*
 * What the pieces of 'seg segment' share: the options, and the results its
 * outputs (terminal, JSON, HTML report) read.
 *
 * The files call one way, down this list, never up and never across a line:
 *
 *   cmd_segment.c     the command: reads the options (their table is in
 *                     options.c), checks them, turns them into library
 *                     settings and dispatches; run_segment() is the
 *                     in-memory path
 *   ooc.c | ward.c    the --memory path, handed its settings; the Ward
 *                     branch of the in-memory path, handed the scaled data
 *   report.c          the HTML report (its charts: report_charts.c)
 *   summary.c         the summary on the terminal or as JSON, with profiles
 *   campaign.c | sweep.c   campaign metrics and the k sweep, and their output
 *
 * and all of them only down to ../cli.c (messages, parsing) and ../out.c
 * (JSON, CSV and .npy writers).
 */
#ifndef SEG_TOOL_SEGMENT_H
#define SEG_TOOL_SEGMENT_H

#include <seg.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct opts {
    const char *file;
    bool bundled;
    int64_t k, k_min, k_max;
    bool k_given, range_given;
    const char *scale;
    const char *init;
    int64_t n_init, max_iter, seed, threads;
    double tol;
    const char *dtype;
    const char *algorithm; /* --algorithm: lloyd|hamerly|elkan|yinyang|auto */
    const char *id, *drop, *columns, *weight, *log1p, *categorical, *numeric, *missing;
    const char *describe; /* --describe: profiled per segment, never clustered */
    const char *keep;     /* --keep: identifier-like columns kept as features */
    const char *assignments, *features, *model, *report;
    const char *target, *control;
    double cost, revenue; /* NaN unless given */
    int delimiter;
    bool drop_first, impute_mode, json, quiet;
    bool scale_first;     /* --impute-order scale-first */
    int64_t silhouette_sample;
    int64_t stability_resamples; /* --stability-resamples: 0 = no stability */
    const char *id_key;   /* --pseudonymize-key FILE */
    const char *method;   /* "kmeans", "ward" or "minibatch" */
    int64_t pre_cluster;  /* ward: k-means micro-clusters first (0 = none) */
    int64_t batch_size;   /* minibatch: rows per batch */
    int64_t min_segment_size; /* profiles of smaller segments withheld (0 = off) */
    int64_t memory;           /* --memory: bytes of data to hold; 0 = read FILE whole */
    bool exact;               /* --exact: streamed Lloyd instead of mini-batch */
    const char *protected_cols, *protected_bins; /* --protected, --protected-bins */
    const char *opt_out;                         /* --opt-out COL */
    double gamma;             /* --gamma (kprototypes): NaN unless given */
    int64_t min_size, max_size; /* --min-size, --max-size: 0 = none (capacity.c) */
    const char *capacity;       /* --capacity FILE */
    int64_t *cap_lo, *cap_hi;   /* its bounds, cap_k of each */
    size_t cap_k;
    const char *covariance;   /* --covariance (gmm.c), or NULL */
    double reg_covar;         /* --reg-covar */
    bool reg_covar_given, tol_given, max_iter_given; /* gmm has its own defaults */
} opts;

/* The options parse_segment() checks itself (the others are kept in opts by
 * the parser): their ids in the table of options.c. */
enum {
    SEGMENT_DELIMITER = 1,
    SEGMENT_SCALE,
    SEGMENT_K,
    SEGMENT_K_MIN,
    SEGMENT_K_MAX,
    SEGMENT_INIT,
    SEGMENT_N_INIT,
    SEGMENT_MAX_ITER,
    SEGMENT_TOL,
    SEGMENT_SEED,
    SEGMENT_THREADS,
    SEGMENT_DTYPE,
    SEGMENT_ALGORITHM,
    SEGMENT_METHOD,
    SEGMENT_BATCH_SIZE,
    SEGMENT_PRE_CLUSTER,
    SEGMENT_MEMORY,
    SEGMENT_MIN_SEGMENT_SIZE,
    SEGMENT_COST,
    SEGMENT_REVENUE,
    SEGMENT_SILHOUETTE_SAMPLE,
    SEGMENT_IMPUTE_ORDER,
    SEGMENT_STABILITY_RESAMPLES,
    SEGMENT_GAMMA,
    SEGMENT_MIN_SIZE,
    SEGMENT_MAX_SIZE,
    SEGMENT_COVARIANCE, /* gmm.c */
    SEGMENT_REG_COVAR,  /* gmm.c */
};

/* Segments under / over these shares of the customers get a warning. */
#define SMALL_SEGMENT 0.05
#define LARGE_SEGMENT 0.60

typedef struct summary {
    size_t n, d, k;
    double silhouette, davies_bouldin, calinski_harabasz;
    const seg_dataset *ds;
    const seg_scaler *sc;
    const seg_model *m;
    const void *x; /* n x d features, float when f32 */
    bool f32;
    const int32_t *labels;
    const seg_sweep *sweep;      /* NULL when k was given */
    const seg_campaign *camp;    /* NULL without --target */
    const seg_linkage *tree;     /* Ward: the tree cut into k segments, or NULL */
    const struct left_out *left; /* identifier-like columns left out, or NULL */
    struct fair_data *fair;      /* --protected, --opt-out (../fairness.h), or NULL */
    const struct gmm_sweep *gmm; /* --method gmm's BIC sweep (gmm.h), or NULL */
    /* What seg-mpi (tools/mpi/report_mpi.c) measured over its ranks, where
     * its rank 0 holds only its own rows (NULL: from ds, x and labels):
     * each column's missing values and levels over all rows; the PCA map's
     * sample rows (report_map_rows() of n, as doubles) and their labels;
     * the customers of each leaf of the model's tree, its rules' agreement
     * and cost ratio (tree_customers NULL: not measured). */
    const size_t *col_missing, *col_levels;
    const double *map_x;
    const int32_t *map_labels;
    const size_t *tree_customers;
    double tree_agreement, tree_cost_ratio;
} summary;

/* Columns left out of the features because they look like identifiers
 * (seg_dataset_column_identifier), with the kind each is. */
typedef struct left_out {
    size_t n;
    char **names;
    seg_identifier_kind *kind;
} left_out;

/* What kind of identifier, in words. */
const char *identifier_reason(seg_identifier_kind kind);
/* "left_out": [{"column": ..., "reason": ...}] as a JSON member. */
void left_out_json(FILE *f, const left_out *lo);
/* Record in m every one of the n input columns it was not fitted on, with
 * the reason (cmd_segment.c), so that seg info can say what was left out
 * and why. 0 or a seg_status. */
int record_left_out(const opts *o, const left_out *lo, char *const *names, size_t n,
                    seg_model *m);

/* Pieces of seg segment's reading and preparation (cmd_segment.c) that
 * seg-mpi (tools/mpi) reuses, so both decide alike: the CSV reader's
 * options (--delimiter, --categorical, --numeric, --missing, the --id
 * column's type); the scaler's settings (--scale, --drop-first,
 * --impute-mode, --impute-order, --log1p, ...); --drop then --columns on
 * ds, --columns keeping the n_stay columns too (seg-mpi's columns in a
 * role, which stay in its ds) (0, a seg_status, or USAGE_CONFLICT after
 * saying why); every --keep name a column of ds (0, SEG_ERR_NOMEM, or
 * USAGE_CONFLICT after saying which); the message when every column
 * looks like an identifier (returns USAGE_CONFLICT); the warning for one
 * left out. */
int segment_csv_options(const opts *o, seg_csv_options **out);
int segment_scaler_new(const opts *o, seg_scaler **out);
int segment_select_columns(const opts *o, seg_dataset *ds, const char *const *stay,
                           size_t n_stay);
int segment_keep_check(const opts *o, const seg_dataset *ds);
int segment_all_identifiers(void);
/* A protected or opt-out column has no other role (it is read only to
 * report): 0, or EXIT_USAGE after saying which clashes. */
int segment_protected_roles(const opts *o);
void segment_identifier_warning(const char *name, seg_identifier_kind kind);

/* summary.c */
void print_json(const opts *o, const summary *s);
/* The column roles of ds as JSON members: "columns" (clustered) and
 * "described", each a list of names. */
void roles_json(FILE *f, const seg_dataset *ds);
/* The profile column of an item (items come column by column, a
 * categorical column's levels in their order; SIZE_MAX when out of range),
 * and whether that column is described. */
size_t item_column(const seg_model *m, size_t item);
bool item_described(const seg_model *m, size_t item);
void print_text(const opts *o, const summary *s);
/* Warning text for segment j, or NULL. */
const char *segment_warning(const summary *s, size_t j, char *buf, size_t len);

/* campaign.c */
void campaign_json_segment(FILE *f, const summary *s, size_t j);
void campaign_json(FILE *f, const opts *o, const summary *s);
void campaign_text(const opts *o, const summary *s);
/* Withheld segments (--min-segment-size) are shown only as a pooled group:
 * whether segment j (or s->k, everyone) is withheld, whether there is a pool,
 * and a pooled statistic (NaN without a pool). */
bool campaign_withheld(const summary *s, size_t j);
bool campaign_has_pool(const summary *s);
double campaign_pool_stat(const summary *s, seg_campaign_stat st);

/* sweep.c: run the sweep on s's matrix with a progress bar on stderr
 * when it is a terminal (and not --quiet); *k receives the chosen k. */
int run_sweep(const opts *o, seg_kmeans *km, const summary *s, seg_sweep **out, size_t *k);

/* A progress bar on stderr for the final fit, when stderr is a terminal and
 * not --quiet (set after the sweep, which draws its own). */
void show_fit_progress(const opts *o, seg_kmeans *km);
void sweep_json(FILE *f, const seg_sweep *sw);
/* "choice", "runner_up" and "choice_warning" as JSON members (null without a sweep). */
void sweep_choice_json(FILE *f, const seg_sweep *sw);
void sweep_text(const seg_sweep *sw);
/* The chosen k and the rule's words; the runner-up and why it lost ("" when
 * none); a warning when the chosen k has a segment outside the size bounds
 * (NULL when none). */
void sweep_choice(const seg_sweep *sw, char *buf, size_t len);
void sweep_runner_up(const seg_sweep *sw, char *buf, size_t len);
const char *sweep_size_warning(const seg_sweep *sw, char *buf, size_t len);

/* campaign.c: a campaign with the money of o and the withheld segments of
 * m, not computed yet (seg-mpi computes it from counts summed over ranks);
 * campaign metrics of s's labels (--target, --cost, --revenue). */
int campaign_new(const opts *o, const seg_model *m, seg_campaign **out);
int run_campaign(const opts *o, summary *s, const int8_t *outcome, const int8_t *control,
                 seg_campaign **out);

/* report.c: the self-contained HTML report, to f. Returns 0 or -1 (errno set). */
int write_report(FILE *f, const opts *o, const summary *s);
/* report_fairness.c: the report's fairness and opt-out section (nothing
 * without --protected or --opt-out). */
void report_fairness(FILE *f, const summary *s);

/* campaign.c: the k flags of the segments the recommended plan step
 * contacts (the pooled step: every withheld segment), its step and their
 * list "1, 3"; false without a plan. */
bool campaign_plan_segments(const summary *s, uint8_t *flags, long *step, char *list, size_t len);

/* report_charts.c: the report's SVG charts, each with a stable id and a
 * viewBox that holds every text. The heatmap returns the rows it drew (0:
 * nothing differs enough, and nothing is written). */
void report_sweep_chart(FILE *f, const seg_sweep *sw, seg_sweep_stat stat, const char *title,
                        const char *id, size_t chosen);
void report_sizes_chart(FILE *f, const summary *s);
void report_conversion_chart(FILE *f, const opts *o, const summary *s);
void report_plan_chart(FILE *f, const opts *o, const summary *s);
size_t report_heatmap(FILE *f, const summary *s, bool described);
void report_pca_map(FILE *f, const summary *s);
/* The rows the PCA map draws among n: at most MAP_SAMPLE, row i n / m of m;
 * their count (rows: room for report_map_rows(n, NULL) of them, or NULL). */
size_t report_map_rows(size_t n, size_t *rows);
void report_dendrogram(FILE *f, const summary *s);

/* The report's rules section (report_explain.c); nothing without a tree. */
void report_explain(FILE *f, const summary *s);
/* The customers each leaf of the model's tree matches (nl zeroed counts),
 * the rules' agreement and cost ratio, on the fit's encoded rows; false when
 * they could not be computed (report_explain.c). */
bool explain_score_fit(const summary *s, size_t *customers, double *agreement,
                       double *cost_ratio);

/* What the command line sets, as library objects: cmd_segment.c makes them
 * for the paths it dispatches to, which never call back up for them. */
typedef struct segment_settings {
    seg_csv_options *csv; /* --delimiter, --id, column types, missing tokens */
    seg_scaler *scaler;   /* --scale, --log1p, ...: configured, not fitted */
    seg_kmeans *kmeans;   /* --k, --init, --seed, ...: configured; NULL unless --exact */
} segment_settings;

/* ooc.c: seg segment --memory, the file read in chunks. segment_ooc_check()
 * rejects what chunks cannot do (0, or EXIT_USAGE after saying why);
 * run_segment_ooc() fits st->scaler, writes the outputs registered in out
 * (../output.h) and returns the command's exit status. */
int segment_ooc_check(const opts *o);
struct outputs;
int run_segment_ooc(const opts *o, const segment_settings *st, struct outputs *out);

/* capacity.c: --min-size, --max-size, --capacity (size-constrained
 * k-means). capacity_option() parses one of the two sizes; capacity_prepare()
 * checks the options together and reads the capacity file (0, or an exit
 * status after saying why); capacity_configure() sets km (0 or a
 * seg_status); the others show the model's bounds and achieved sizes
 * (nothing, or "capacity": null, for a model without bounds). */
int capacity_option(int id, const char *val, opts *o);
bool capacity_wanted(const opts *o);
int capacity_prepare(opts *o);
void capacity_free(opts *o);
int capacity_configure(const opts *o, seg_kmeans *km);
void capacity_text(const summary *s);
void capacity_json(FILE *f, const summary *s);
void report_capacity(FILE *f, const summary *s);

#endif
