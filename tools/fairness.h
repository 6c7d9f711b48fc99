/*
 * The fairness report of the seg program (issue 17): protected columns read
 * out of a dataset into group codes (never features), the opt-out column,
 * the figures of seg_fairness_* per protected column, and their terminal,
 * JSON and HTML forms. Shared by 'seg segment --protected' and
 * 'seg fairness'.
 */
#ifndef SEG_TOOL_FAIRNESS_H
#define SEG_TOOL_FAIRNESS_H

#include <seg.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Screening lines: the four-fifths rule (29 CFR 1607.4(D)), the Fisher
 * p-value under which a group's selection rate is called different, and the
 * NMI from which the segment label is called a proxy for the group. */
#define FAIR_FOUR_FIFTHS 0.8
#define FAIR_FISHER_ALPHA 0.05
#define FAIR_PROXY_NMI 0.1

/* A numeric protected column with at most this many distinct values (and no
 * --protected-bins) is taken as categories, one group per value. */
#define FAIR_FEW_VALUES 10
/* A protected column of more groups is refused. */
#define FAIR_MAX_GROUPS 100

typedef struct fair_attr {
    char *column;
    size_t g;
    char **names;   /* g group names */
    int32_t *codes; /* n group codes, -1 when missing */
    double *edges;  /* numeric bins: the n_edges cut points, else NULL */
    size_t n_edges;
    bool default_bins; /* the edges are the column's quartiles */
    seg_fairness *fair;
} fair_attr;

/*
 * What fair_take_shared() and fair_compute() learn of all rows when the
 * dataset holds only this process's share of them (seg-mpi: its rank's
 * rows, tools/mpi/fair_mpi.c); each call is collective there, and returns
 * a status agreed over the sharers (SEG_OK, or the same failure on every
 * one of them). NULL: the dataset holds all rows.
 */
typedef struct fair_reach {
    void *ctx;
    /* The status rc of each sharer, agreed (a failure wins). */
    int (*agree)(void *ctx, int rc);
    /* Of a numeric column whose present values here are sorted[0..m) (rc:
     * this sharer's status so far, agreed first): its distinct present
     * values over all rows, ascending, into few[0..*n_few) when there are at
     * most FAIR_FEW_VALUES of them, else *n_few = FAIR_FEW_VALUES + 1; and
     * the number of its present values over all rows, *m_all. */
    int (*numeric)(void *ctx, int rc, const double *sorted, size_t m, double *few, size_t *n_few,
                   uint64_t *m_all);
    /* The values at the 0-based ranks want[0..nw) of the present values
     * over all rows (sorted[0..m): this sharer's). */
    int (*select)(void *ctx, const double *sorted, size_t m, const uint64_t *want, size_t nw,
                  double *out);
    /* v[0..len) summed over the sharers, in place. */
    int (*sum)(void *ctx, uint64_t *v, size_t len);
    /* seg_fairness_compute() over all rows (seg_mpi_fairness_compute()). */
    int (*compute)(void *ctx, seg_fairness *f, const int32_t *labels, const int32_t *groups,
                   size_t n, size_t k, size_t g, const uint8_t *selected);
} fair_reach;

typedef struct fair_data {
    size_t n; /* rows */
    size_t n_attr;
    fair_attr *attr;
    const char *opt_out_column; /* NULL without --opt-out */
    uint8_t *opted_out;         /* n flags, or NULL */
    size_t opted;               /* rows opted out */
    size_t min_cell;            /* cells of 1 .. min_cell - 1 rows shown as "< min_cell" */
    size_t k;
    bool selection;          /* figures of a plan's selection were computed */
    long plan_step;          /* that plan step */
    char plan_segments[256]; /* its segments, "1, 3" */
    const fair_reach *reach; /* NULL: n is all rows */
} fair_data;

/* Read the --protected columns (binned by --protected-bins
 * "COL=E1,E2,...[;COL=...]", or the documented defaults) and the --opt-out
 * column out of ds, then, with drop, drop them from ds, so that none is ever
 * a feature. 0, a SEG_ERR_ code for lib_error(), or USAGE_CONFLICT after
 * saying why. */
int fair_take(fair_data *fd, seg_dataset *ds, const char *protected_cols, const char *bins,
              const char *opt_out, int64_t min_cell, bool drop);
/* The same when ds holds a share of the rows and reach (kept in fd) tells
 * of all of them: the groups are those of all rows (the levels of a
 * categorical column are then the dataset's, which must be all rows' in
 * the order they first appear: seg_mpi_read_csv()'s), the codes and flags
 * this share's. Collective with reach; the status is agreed. */
int fair_take_shared(fair_data *fd, seg_dataset *ds, const char *protected_cols, const char *bins,
                     const char *opt_out, int64_t min_cell, bool drop, const fair_reach *reach);

/* The figures of every protected column for labels (n rows, k segments;
 * over all rows with fd->reach, collective).
 * selected_segments: k flags of the segments a plan contacts (a row is then
 * selected when in one and not opted out), or NULL. 0 or a SEG_ERR_ code. */
int fair_compute(fair_data *fd, const int32_t *labels, size_t k, const uint8_t *selected_segments);

/* The screening warnings of protected column a, one at a time: which = 0, 1,
 * 2, ... until it returns -1; 1 when buf holds a warning, 0 when that one
 * does not apply. */
int fair_warning(const fair_data *fd, size_t a, int which, char *buf, size_t len);

/* The report on the terminal (f), and as a JSON member
 * ",\n  \"fairness\": {...}" (nothing is written for fd NULL). */
void fair_text(FILE *f, const fair_data *fd);
void fair_json(FILE *f, const fair_data *fd);
/* A cell count as shown: the number, or "< N" when suppressed. */
const char *fair_count_text(const fair_data *fd, double count, char *buf, size_t len);
/* Whether a cell of that count is suppressed. */
bool fair_suppressed(const fair_data *fd, double count);

void fair_free(fair_data *fd);

#endif
