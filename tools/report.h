/*
 * What the HTML reports of the seg program share: the page head (title,
 * style sheet) and the escaping and palette of report_page.c, so that every
 * report looks alike and stays well-formed XML.
 */
#ifndef SEG_TOOL_REPORT_H
#define SEG_TOOL_REPORT_H

#include <stdbool.h>
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
/* The file name of path without its folders ("standard input" for "-"):
 * a report names the file, never where it lives on the analyst's disk. */
const char *report_base_name(const char *path);

/* The one number format of the reports: v with `decimals` decimals and a
 * comma between thousands ("1,362.27"), never an exponent ("4e+05"), "n/a"
 * for NaN. Writes into buf (64 bytes hold any value below 1e40 with up to
 * 12 decimals; longer output is cut) and returns it. */
const char *report_number(char *buf, size_t len, double v, int decimals);
/* As report_number() with about three significant digits, whole numbers
 * from 100 up: profiles in the columns' units ("40.9", "1,362", "0.580"). */
const char *report_auto(char *buf, size_t len, double v);
/* A share as a percentage: 0.1234 with 1 decimal is "12.3 %". */
const char *report_percent(char *buf, size_t len, double share, int decimals);
/* An upper bound of the width in pixels of s (UTF-8) set in a sans-serif
 * font of font_size pixels: charts size their margins from it, so that
 * every text stays inside the SVG's viewBox. */
double report_text_width(const char *s, double font_size, bool bold);

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
