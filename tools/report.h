/*
 * What the HTML reports of the seg program share: the page head (title,
 * style sheet) and the escaping and palette of report_page.c, so that every
 * report looks alike and stays well-formed XML.
 */
#ifndef SEG_TOOL_REPORT_H
#define SEG_TOOL_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <seg.h>

/* From <!DOCTYPE html> to the <h1> heading: "<title>TITLE: SUBJECT</title>",
 * the common style sheet, and <h1>TITLE</h1>. */
void report_head(FILE *f, const char *title, const char *subject);
/* Text with &, <, >, " and ' escaped. */
void report_escape(FILE *f, const char *s);
/* The colour of segment j (the palette of every chart). */
const char *report_color(size_t j);

/* report_migrate.c: the migration between two snapshots (seg migrate
 * --report). files: model, old and new file names; t: k x k counts of
 * customers in both (old segment x new segment); in_old / in_new: k counts
 * of all rows of each snapshot; joined / left: k counts of the customers
 * only in NEW (by new segment) / only in OLD (by old segment).
 * Written to f; returns 0 or -1 (errno set). */
typedef struct migration {
    const char *files[3];
    const seg_model *m;
    size_t k;
    const size_t *t, *in_old, *in_new, *joined, *left;
} migration;
int write_migration_report(FILE *f, const migration *mg);

#endif
