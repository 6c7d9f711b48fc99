/*
 * What the HTML reports of the seg program share (report.h): the page head
 * with its style sheet, the escaping that keeps the markup well-formed XML,
 * and the palette of every chart. The reports themselves are
 * segment/report.c and report_migrate.c.
 */
#include "report.h"

/* Tableau 10: distinct hues that stay apart for colour-blind readers. */
static const char *const palette[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                      "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};

void report_escape(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*s, f);
        }
    }
}

void report_head(FILE *f, const char *title, const char *subject)
{
    fprintf(f, "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n"
               "<head><meta charset=\"utf-8\"/><title>");
    report_escape(f, title);
    fprintf(f, ": ");
    report_escape(f, subject);
    fprintf(f, "</title>\n<style>body{font-family:sans-serif;max-width:960px;margin:24px auto;"
               "color:#222}h2{margin-top:32px;border-bottom:1px solid #ddd}table{border-collapse:"
               "collapse}td,th{padding:3px 10px;border-bottom:1px solid #eee;text-align:left;"
               "white-space:nowrap}td:last-child{white-space:normal}"
               ".dot{display:inline-block;width:10px;height:10px;border-radius:5px}"
               ".warn{color:#b35900}svg{display:block;margin:8px 0}</style></head>\n<body>\n"
               "<h1>");
    report_escape(f, title);
    fprintf(f, "</h1>\n");
}

const char *report_color(size_t j)
{
    return palette[j % (sizeof palette / sizeof palette[0])];
}
