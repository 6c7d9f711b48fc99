/*
 * What the HTML reports of the seg program share (report.h): the page head
 * with its style sheet, the escaping that keeps the markup well-formed XML,
 * the palette of every chart, the number formats and the text-width
 * estimate that sizes the charts. The reports themselves are
 * segment/report.c (with segment/report_charts.c) and report_migrate.c.
 */
#include "report.h"

#include <math.h>
#include <string.h>

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
               "<head><meta charset=\"utf-8\"/><meta name=\"viewport\" "
               "content=\"width=device-width, initial-scale=1\"/><title>");
    report_escape(f, title);
    fprintf(f, ": ");
    report_escape(f, subject);
    /* Charts scale down with the page (their viewBox keeps every text
     * inside); long names wrap rather than spill out of a cell or card. */
    fprintf(f, "</title>\n<style>body{font-family:sans-serif;max-width:1080px;margin:24px auto;"
               "padding:0 12px;color:#222;overflow-wrap:break-word}"
               "h2{margin-top:32px;border-bottom:1px solid #ddd}table{border-collapse:"
               "collapse;margin:8px 0;font-size:90%%}"
               "td.lbl{overflow-wrap:anywhere;min-width:8em}"
               "td,th{padding:3px 5px;border-bottom:1px solid #eee;"
               "text-align:left;vertical-align:top}td.n,th.n{text-align:right;"
               "font-variant-numeric:tabular-nums}td.n{white-space:nowrap}"
               "tr.best td{font-weight:bold;background:#fff6e5}"
               ".dot{display:inline-block;width:10px;height:10px;border-radius:5px}"
               ".warn{color:#b35900}.note{color:#555;font-size:90%%}"
               "svg{display:block;margin:8px 0}svg[viewBox]{max-width:100%%;height:auto}"
               ".charts{display:flex;flex-wrap:wrap;gap:16px}"
               ".cards{display:flex;flex-wrap:wrap;gap:12px}"
               ".card{flex:1 1 300px;min-width:0;overflow-wrap:anywhere;"
               "border:1px solid #ddd;border-left-width:6px;"
               "border-radius:4px;padding:6px 12px}.card h3{margin:6px 0}"
               ".card ul{padding-left:18px;margin:4px 0}.action{font-weight:bold}"
               "</style></head>\n<body>\n<h1>");
    report_escape(f, title);
    fprintf(f, "</h1>\n");
}

const char *report_color(size_t j)
{
    return palette[j % (sizeof palette / sizeof palette[0])];
}

const char *report_base_name(const char *path)
{
    const char *slash = path ? strrchr(path, '/') : NULL;
    if (!path)
        return "";
    if (strcmp(path, "-") == 0)
        return "standard input";
    return slash && slash[1] ? slash + 1 : path;
}

const char *report_number(char *buf, size_t len, double v, int decimals)
{
    char digits[400];
    if (!buf || len == 0)
        return "";
    if (!isfinite(v)) {
        snprintf(buf, len, "%s", isnan(v) ? "n/a" : v > 0 ? "infinite" : "-infinite");
        return buf;
    }
    decimals = decimals < 0 ? 0 : decimals > 12 ? 12 : decimals;
    /* %f never switches to an exponent; 400 bytes hold any double's digits. */
    snprintf(digits, sizeof digits, "%.*f", decimals, fabs(v));
    const char *dot = strchr(digits, '.');
    const size_t whole = dot ? (size_t)(dot - digits) : strlen(digits);
    bool zero = true; /* "-0.00" reads as a sign error: print "0.00" */
    for (const char *p = digits; *p; p++)
        zero = zero && (*p == '0' || *p == '.');
    size_t o = 0;
    if (v < 0 && !zero && o + 1 < len)
        buf[o++] = '-';
    for (size_t i = 0; i < whole && o + 1 < len; i++) {
        if (i > 0 && (whole - i) % 3 == 0 && o + 2 < len)
            buf[o++] = ',';
        buf[o++] = digits[i];
    }
    for (const char *p = dot; p && *p && o + 1 < len; p++)
        buf[o++] = *p;
    buf[o] = '\0';
    return buf;
}

const char *report_auto(char *buf, size_t len, double v)
{
    const double a = fabs(v);
    const int decimals = a >= 100 || a == 0 || !isfinite(a) ? 0 : a >= 10 ? 1 : a >= 1 ? 2
                         : (int)(2 - floor(log10(a))) > 4 ? 4 : (int)(2 - floor(log10(a)));
    return report_number(buf, len, v, decimals);
}

const char *report_percent(char *buf, size_t len, double share, int decimals)
{
    char n[64];
    snprintf(buf, len, "%s %%", report_number(n, sizeof n, 100 * share, decimals));
    return buf;
}

/* Em widths of a wide sans-serif face (DejaVu Sans, the widest common
 * default), rounded up: a label measured with them is never narrower on
 * screen than here, whatever font the reader's browser picks. */
static double char_em(unsigned char c)
{
    if (c >= 0x80) /* a byte of a UTF-8 character: the lead byte counts one em */
        return (c & 0xc0) == 0x80 ? 0 : 1.0;
    if (strchr("mwMW%@", c))
        return 1.0;
    if (c >= 'A' && c <= 'Z')
        return 0.8;
    if (c == ' ' || strchr(".,:;'|!ijl()[]", c))
        return 0.4;
    return 0.66; /* digits, the other lower-case letters, signs */
}

double report_text_width(const char *s, double font_size, bool bold)
{
    double em = 0;
    for (; s && *s; s++)
        em += char_em((unsigned char)*s);
    return em * font_size * (bold ? 1.12 : 1.0);
}
