/*
 * Explanations shared by seg explain, seg info, seg predict --explain and
 * the report (explain.c): a model's explanation tree as rules in the
 * columns' units, and reason codes in words.
 */
#ifndef SEG_TOOL_EXPLAIN_H
#define SEG_TOOL_EXPLAIN_H

#include <seg.h>

#include <stdbool.h>
#include <stdio.h>

/* v for a reader: up to 6 significant digits, thousands separated
 * ("1,250.5", "35", "0.125"). */
void explain_number(char *buf, size_t len, double v);

/* A leaf's rule in words: "balance above 1,250.5 and age 35.5 or less"
 * ("every customer" for a tree of one leaf). */
void explain_rule_text(FILE *f, const seg_model *m, size_t leaf);

/* A leaf's conditions as a JSON array of {"column", "op", "value"}. */
void explain_rule_json(FILE *f, const seg_model *m, size_t leaf);

/* "-> segment 2, 'younger, higher balance'" */
void explain_target_text(FILE *f, const seg_model *m, size_t leaf);

/* The tree's leaves, one line each ("  rule -> segment s (customers)"),
 * customers[leaf] or NULL. */
void explain_leaves_text(FILE *f, const seg_model *m, const size_t *customers);

/* "leaves": [...] with each leaf's segment, label, conditions, rule and,
 * when customers is not NULL, customers. indent: spaces before each leaf. */
void explain_leaves_json(FILE *f, const seg_model *m, const size_t *customers, int indent);

/* Rows the tree of seg segment is fitted on, at most (evenly spaced). */
#define EXPLAIN_FIT_ROWS 20000

/* Fit the model's explanation tree (k leaves) on the fit's encoded rows x
 * (float when f32) and labels, at most EXPLAIN_FIT_ROWS of them, on up to
 * threads library threads (0: all cores), and keep it in the model. 0 or a
 * seg_status. */
int explain_fit_tree(seg_model *m, const void *x, bool f32, size_t n, size_t d,
                     const int32_t *labels, int64_t threads);

/* Reason codes of the rows of a dataset for seg predict --explain. */
typedef struct explained {
    size_t n, top;
    int32_t *leaf;      /* n, or NULL without a tree */
    int32_t *runner_up; /* n, or NULL for a model of one segment */
    double *gap;        /* n */
    int64_t *features;  /* n x top */
    double *contrib;    /* n x top */
} explained;

/* Fill ex for the n rows of ds (labels: their segments). 0 or a seg_status. */
int explain_rows(explained *ex, const seg_model *m, const seg_dataset *ds, const int32_t *labels,
                 int64_t threads);
void explained_free(explained *ex);

/* One reason in words: "balance 3,200 vs segment mean 1,100". */
void explain_reason_text(FILE *f, const seg_model *m, const seg_dataset *ds, size_t row,
                         int32_t segment, int64_t feature);

/* Row i's explanation as JSON members (", \"leaf\": ..."), for predict's rows. */
void explain_row_json(FILE *f, const explained *ex, const seg_model *m, const seg_dataset *ds,
                      const int32_t *labels, size_t i);

/* The CSV of seg predict with the explanation columns leaf, rule, runner_up,
 * gap, reason_1 .. reason_top added to each line that `write` (predict's own
 * writer, given ctx) makes. 0, or -1 on a write or memory error. */
int explain_write_csv(FILE *f, const explained *ex, const seg_model *m, const seg_dataset *ds,
                      const int32_t *labels, int (*write)(FILE *f, void *ctx), void *ctx);

#endif
