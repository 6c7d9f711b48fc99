/*
 * seg rfm FILE ...: recency, frequency and monetary value per customer from a
 * transaction log, scores, named segments and optionally k-means clusters.
 */
#include <seg.h>

#include "cli.h"
#include "out.h"
#include "output.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct rfm_opts {
    const char *file;
    const char *col[6]; /* customer, date, amount, quantity, price, invoice */
    const char *as_of, *date_format, *returns, *rules, *output, *id_key;
    const char *cuts[3];
    int64_t bins, k, seed, frequency_cuts;
    int delimiter;
    bool skip_bad, json, quiet, frequency_cuts_given;
} rfm_opts;

enum { RFM_RETURNS = 1, RFM_CUTS, RFM_FREQUENCY_CUTS };

/* Names of seg_rfm_cuts, by value. */
static const char *const cuts_names[4] = {"auto", "quantile", "fixed", "user"};

/* clang-format off */
static const cli_opt rfm_table[] = {
    {.name = "customer", .value = "COL",
     .help = "customer id (rows without one are skipped and counted)", .section = "Columns",
     .field = CLI_TEXT(rfm_opts, col[0])},
    {.name = "date", .value = "COL", .help = "transaction date",
     .field = CLI_TEXT(rfm_opts, col[1])},
    {.name = "amount", .value = "COL", .help = "line amount (or --quantity and --price)",
     .field = CLI_TEXT(rfm_opts, col[2])},
    {.name = "quantity", .value = "COL", .help = "quantity, with --price: amount = quantity x price",
     .field = CLI_TEXT(rfm_opts, col[3])},
    {.name = "price", .value = "COL", .help = "unit price, with --quantity",
     .field = CLI_TEXT(rfm_opts, col[4])},
    {.name = "invoice", .value = "COL",
     .help = "invoice id: frequency = distinct invoices; ids starting\n"
             "with 'C' are cancellations",
     .field = CLI_TEXT(rfm_opts, col[5])},
    {.name = "delimiter", .value = "C", .help = "field delimiter (default: detect , ; or tab)",
     .field = CLI_DELIMITER(rfm_opts, delimiter)},

    {.name = "as-of", .value = "DATE",
     .help = "reference date (default: the day after the latest date)", .section = "Policy",
     .field = CLI_TEXT(rfm_opts, as_of)},
    {.name = "date-format", .value = "FMT",
     .help = "strftime-style (%Y %y %m %d %e %b %B %j %H %M %S %p);\n"
             "default: ISO 8601 and US m/d/y forms",
     .field = CLI_TEXT(rfm_opts, date_format)},
    {.name = "skip-bad-rows", .help = "count and skip rows whose date or numbers do not parse",
     .field = CLI_FLAG(rfm_opts, skip_bad)},
    {.name = "returns", .value = "exclude|subtract",
     .help = "returns/cancellations (amount <= 0) left out of R, F, M\n"
             "(default) or subtracted from M",
     .id = RFM_RETURNS},

    {.name = "bins", .value = "N", .help = "score levels by rank (default 5)",
     .section = "Scores and segments", .field = CLI_INT(rfm_opts, bins), .lo = 2, .hi = 100},
    {.name = "cuts", .value = "DIM=V,V,...",
     .help = "cut points for r, f or m instead of ranks (repeatable)", .id = RFM_CUTS},
    {.name = "frequency-cuts", .value = "auto|quantile|fixed",
     .help = "F scores: quantile (rank) cuts, fixed cuts 1, 2, 3, 4-5, 6+,\n"
             "or auto (default): fixed when ties leave quantile levels empty",
     .id = RFM_FREQUENCY_CUTS},
    {.name = "rules", .value = "FILE",
     .help = "segment rules, one 'name,R,F,M' per line (R: *, N or N-M)",
     .field = CLI_TEXT(rfm_opts, rules)},
    {.name = "k", .alias = 'k', .value = "K", .help = "also k-means on log1p-standardised R, F, M",
     .field = CLI_INT(rfm_opts, k), .lo = 1, .hi = 1000},
    {.name = "seed", .value = "S", .help = "k-means seed (default 0)",
     .field = CLI_INT(rfm_opts, seed)},

    {.name = "output", .alias = 'o', .value = "FILE.csv",
     .help = "customer,recency,frequency,monetary,r,f,m,segment[,cluster]\n"
             "('-': stdout, and the summary goes to stderr)",
     .section = "Output",
     .field = CLI_TEXT(rfm_opts, output)},
    {.name = "pseudonymize-key", .value = "FILE",
     .help = "write customer ids as keyed pseudonyms (key file, >= 16 bytes)",
     .field = CLI_TEXT(rfm_opts, id_key)},
    {.name = "json", .help = "summary as JSON on stdout", .field = CLI_FLAG(rfm_opts, json)},
    {.name = "quiet", .alias = 'q', .help = "no notes on stderr",
     .field = CLI_FLAG(rfm_opts, quiet)},
    CLI_OPT_HELP,
    {0},
};
/* clang-format on */

const cli_command cli_rfm = {
    .name = "rfm",
    .summary = "RFM analysis of a transaction log",
    .synopsis = "FILE --customer COL --date COL (--amount COL | --quantity COL --price COL) "
                "[options]",
    .description = "RFM analysis of a transaction log (CSV with a header row), read as a stream.\n"
                   "FILE '-', or no FILE with a pipe or file on standard input: standard input.",
    .opts = rfm_table,
    .operands = {CLI_TEXT(rfm_opts, file)},
    .stdin_operand = 1,
    .run = cmd_rfm,
};

static int parse_rfm(int argc, char **argv, rfm_opts *o)
{
    cli_parser p = cli_start(&cli_rfm, argc, argv, o);
    const char *v;
    int id;
    while (cli_next(&p, &id, &v)) {
        switch (id) {
        case RFM_RETURNS:
            if (strcmp(v, "exclude") != 0 && strcmp(v, "subtract") != 0)
                return usage_error("rfm ", "--returns takes exclude or subtract, not '%s'", v);
            o->returns = v;
            break;
        case RFM_CUTS: {
            const char *dims = "rfm", *d = v[0] ? strchr(dims, v[0]) : NULL;
            if (!d || v[1] != '=' || !v[2])
                return usage_error("rfm ", "--cuts takes r=V,V,..., f=... or m=..., not '%s'", v);
            o->cuts[d - dims] = v + 2;
            break;
        }
        case RFM_FREQUENCY_CUTS:
            for (o->frequency_cuts = 0; o->frequency_cuts < 3; o->frequency_cuts++)
                if (strcmp(v, cuts_names[o->frequency_cuts]) == 0)
                    break;
            if (o->frequency_cuts == 3)
                return usage_error("rfm ",
                                   "--frequency-cuts takes auto, quantile or fixed, not '%s'", v);
            o->frequency_cuts_given = true;
            break;
        }
    }
    if (p.status)
        return p.status;
    if (!o->file)
        return usage_error("rfm ", "%sa transaction FILE is needed", "");
    if (!o->col[0] || !o->col[1])
        return usage_error("rfm ", "%s--customer and --date are needed", "");
    if (!o->col[2] == !(o->col[3] && o->col[4]) || (o->col[2] && (o->col[3] || o->col[4])))
        return usage_error("rfm ", "%sgive --amount, or both --quantity and --price", "");
    if (o->bins && (o->cuts[0] || o->cuts[1] || o->cuts[2]))
        return usage_error("rfm ", "%s--bins and --cuts exclude each other", "");
    if (o->frequency_cuts_given && o->cuts[1])
        return usage_error("rfm ", "%s--frequency-cuts and --cuts f=... exclude each other", "");
    /* Read once the command line is known to be right. */
    return o->id_key ? use_id_key(o->id_key) : 0;
}

/* "V,V,..." into increasing doubles. */
static int set_cuts(seg_rfm *r, int dim, const char *list)
{
    size_t n;
    char **items = split_list(list, &n);
    double *v = malloc((n ? n : 1) * sizeof *v);
    int rc = 0;
    if (!items || !v) {
        free(items);
        free(v);
        return SEG_ERR_NOMEM;
    }
    for (size_t i = 0; i < n && rc == 0; i++)
        if (!parse_real(items[i], &v[i]))
            rc = usage_error("rfm ", "--cuts: '%s' is not a number", items[i]);
    if (rc == 0)
        rc = seg_rfm_set_cuts(r, (seg_rfm_dim)dim, v, n);
    free(items);
    free(v);
    return rc;
}

/* The largest rules file read: 1 MiB (1,000 rules of 100-byte names and
 * comments fit many times over); docs/limits.md. */
#define RULES_MAX_BYTES ((size_t)1 << 20)

/* The rules file as a string, read at most RULES_MAX_BYTES + 1 bytes (so
 * /dev/zero or a huge file costs a bounded read), or NULL with why set. */
static char *read_text(const char *path, char *why, size_t why_cap)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL, *nul;
    size_t len = 0;
    if (!f) {
        snprintf(why, why_cap, "cannot open: %s", strerror(errno));
        return NULL;
    }
    if (!(buf = malloc(RULES_MAX_BYTES + 2))) {
        snprintf(why, why_cap, "out of memory");
        goto fail;
    }
    for (size_t got = 1; got > 0 && len <= RULES_MAX_BYTES;)
        len += got = fread(buf + len, 1, RULES_MAX_BYTES + 1 - len, f);
    if (ferror(f)) {
        snprintf(why, why_cap, "cannot read: %s", strerror(errno));
        goto fail;
    }
    if ((nul = memchr(buf, '\0', len))) {
        size_t line = 1, col = 1;
        for (const char *p = buf; p < nul; p++, col++)
            if (*p == '\n') {
                line++;
                col = 0;
            }
        snprintf(why, why_cap, "line %zu, column %zu: found a NUL byte, expected text", line, col);
        goto fail;
    }
    if (len > RULES_MAX_BYTES) {
        snprintf(why, why_cap, "more than %zu bytes, expected a rules file of at most that",
                 RULES_MAX_BYTES);
        goto fail;
    }
    buf[len] = '\0';
    fclose(f);
    return buf;
fail:
    free(buf);
    fclose(f);
    return NULL;
}

static int configure(const rfm_opts *o, seg_rfm *r)
{
    int rc = 0;
    for (int c = 0; c < 6 && rc == 0; c++)
        if (o->col[c])
            rc = seg_rfm_set_string(r, (seg_rfm_param)(SEG_RFM_CUSTOMER_COLUMN + c), o->col[c]);
    if (rc == 0 && o->date_format)
        rc = seg_rfm_set_string(r, SEG_RFM_DATE_FORMAT, o->date_format);
    if (rc == 0 && o->as_of)
        rc = seg_rfm_set_string(r, SEG_RFM_AS_OF, o->as_of);
    if (rc == 0)
        rc = seg_rfm_set_int(r, SEG_RFM_SKIP_BAD_ROWS, o->skip_bad);
    if (rc == 0)
        rc = seg_rfm_set_int(r, SEG_RFM_DELIMITER, o->delimiter);
    if (rc == 0 && o->returns)
        rc = seg_rfm_set_int(r, SEG_RFM_RETURNS, strcmp(o->returns, "subtract") == 0);
    if (rc == 0)
        rc = seg_rfm_set_int(r, SEG_RFM_FREQUENCY_CUTS, o->frequency_cuts);
    if (rc == 0 && o->bins) /* 0: not given */
        rc = seg_rfm_set_int(r, SEG_RFM_BINS, o->bins);
    for (int d = 0; d < 3 && rc == 0; d++)
        if (o->cuts[d])
            rc = set_cuts(r, d, o->cuts[d]);
    if (rc == 0 && o->rules) {
        char why[160];
        char *text = read_text(o->rules, why, sizeof why);
        if (!text) {
            fprintf(stderr, "%s: --rules %s: %s\n", progname, o->rules, why);
            return USAGE_CONFLICT;
        }
        rc = seg_rfm_set_rules(r, text);
        free(text);
        if (rc < 0) { /* the message names the file, the library's the line */
            lib_error(o->rules, rc);
            return USAGE_CONFLICT;
        }
    }
    return rc;
}

/* Per-group profile: customers, mean R/F/M, revenue. */
typedef struct profile {
    size_t n;
    double r, f, m;
} profile;

typedef struct report {
    size_t n, n_seg, k;
    profile *seg, *cl;
    int32_t *cluster;
    double revenue;
    char ref[16];
} report;

static int build_report(const seg_rfm *r, const rfm_opts *o, report *rep)
{
    rep->n = seg_rfm_customers(r);
    rep->n_seg = seg_rfm_segments(r);
    rep->seg = calloc(rep->n_seg, sizeof *rep->seg);
    if (!rep->seg)
        return SEG_ERR_NOMEM;
    seg_rfm_reference_date(r, rep->ref, sizeof rep->ref);
    for (size_t i = 0; i < rep->n; i++) {
        int64_t rec, freq;
        double mon;
        size_t s;
        seg_rfm_get(r, i, &rec, &freq, &mon, NULL, &s);
        rep->seg[s].n++;
        rep->seg[s].r += (double)rec;
        rep->seg[s].f += (double)freq;
        rep->seg[s].m += mon;
        rep->revenue += mon;
    }
    if (o->k == 0)
        return 0;
    /* k-means on log1p-transformed, standardised R, F, M (signed log1p: M
     * can be negative under --returns subtract). */
    const char *names[3] = {"recency", "frequency", "monetary"};
    double *x = malloc(rep->n * 3 * sizeof *x);
    seg_dataset *ds = NULL;
    seg_scaler *sc = NULL;
    seg_kmeans *km = NULL;
    seg_model *m = NULL;
    int rc;
    rep->k = (size_t)o->k;
    rep->cluster = malloc(rep->n * sizeof *rep->cluster);
    rep->cl = calloc(rep->k, sizeof *rep->cl);
    if (!x || !rep->cluster || !rep->cl) {
        free(x);
        return SEG_ERR_NOMEM;
    }
    for (size_t i = 0; i < rep->n; i++) {
        int64_t rec, freq;
        seg_rfm_get(r, i, &rec, &freq, &x[3 * i + 2], NULL, NULL);
        x[3 * i] = (double)rec;
        x[3 * i + 1] = (double)freq;
    }
    if ((rc = seg_dataset_from_f64(&ds, x, rep->n, 3, names)) == 0 &&
        (rc = seg_scaler_new(&sc)) == 0) {
        for (int j = 0; j < 3 && rc == 0; j++)
            rc = seg_scaler_set_column_int(sc, names[j], SEG_SCALER_COLUMN_LOG1P, 1);
    }
    if (rc == 0 && (rc = seg_scaler_fit(sc, ds)) == 0 && (rc = seg_kmeans_new(&km)) == 0 &&
        (rc = seg_kmeans_set_int(km, SEG_KMEANS_K, o->k)) == 0 &&
        (rc = seg_kmeans_set_int(km, SEG_KMEANS_SEED, o->seed)) == 0 &&
        (rc = seg_kmeans_set_int(km, SEG_KMEANS_N_INIT, 4)) == 0)
        rc = seg_kmeans_fit_dataset(km, ds, sc, rep->cluster, &m);
    for (size_t i = 0; rc == 0 && i < rep->n; i++) {
        profile *p = &rep->cl[rep->cluster[i]];
        p->n++;
        p->r += x[3 * i];
        p->f += x[3 * i + 1];
        p->m += x[3 * i + 2];
    }
    seg_model_free(m);
    seg_kmeans_free(km);
    seg_scaler_free(sc);
    seg_dataset_free(ds);
    free(x);
    return rc;
}

static const char *freq_definition(const rfm_opts *o)
{
    return o->col[5] ? "distinct invoices with a purchase" : "purchase rows";
}

static const char *returns_definition(const rfm_opts *o)
{
    return o->returns && strcmp(o->returns, "subtract") == 0
               ? "subtracted from monetary; not in recency or frequency"
               : "excluded from recency, frequency and monetary";
}

static void text_profiles(const char *title, const profile *p, size_t count, const seg_rfm *r,
                          const report *rep)
{
    printf("\n%-22s %9s %6s %8s %8s %11s %7s\n", title, "customers", "share", "mean R", "mean F",
           "mean M", "revenue");
    for (size_t s = 0; s < count; s++) {
        if (!p[s].n && r)
            continue;
        double n = p[s].n ? (double)p[s].n : 1;
        char label[32];
        if (r)
            snprintf(label, sizeof label, "%s", seg_rfm_segment_name(r, s));
        else
            snprintf(label, sizeof label, "cluster %zu", s);
        printf("%-22s %9zu %5.1f%% %8.1f %8.2f %11.2f %6.1f%%\n", label, p[s].n,
               100.0 * (double)p[s].n / (double)rep->n, p[s].r / n, p[s].f / n, p[s].m / n,
               rep->revenue != 0 ? 100.0 * p[s].m / rep->revenue : 0.0);
    }
}

/* Which frequency cuts were used and why, in words. */
static void print_frequency_cuts(const rfm_opts *o, const seg_rfm *r)
{
    double t[100];
    size_t levels;
    seg_rfm_cuts used;
    seg_rfm_cuts_used(r, SEG_RFM_F, &used);
    seg_rfm_thresholds(r, SEG_RFM_F, t, 100, &levels);
    if (used == SEG_RFM_CUTS_QUANTILE) {
        printf("frequency scores: quantile (rank) cuts%s\n",
               o->frequency_cuts == SEG_RFM_CUTS_AUTO ? " (auto: they are strictly increasing)"
                                                      : " (--frequency-cuts quantile)");
        return;
    }
    printf("frequency scores: %s cuts", used == SEG_RFM_CUTS_FIXED ? "fixed" : "your");
    /* Level s holds F in [t[s-2], t[s-1] - 1]; cuts are whole or not. */
    for (size_t s = 1; s <= levels; s++) {
        double lo = s == 1 ? 1 : ceil(t[s - 2]), hi = s < levels ? ceil(t[s - 1]) - 1 : INFINITY;
        if (isinf(hi))
            printf("%s%.0f+", s > 1 ? ", " : " ", lo);
        else if (hi > lo)
            printf("%s%.0f-%.0f", s > 1 ? ", " : " ", lo, hi);
        else
            printf("%s%.0f", s > 1 ? ", " : " ", lo);
    }
    if (used == SEG_RFM_CUTS_FIXED && o->frequency_cuts == SEG_RFM_CUTS_AUTO)
        printf(" (auto: the quantile cuts were not strictly increasing; ties would leave levels "
               "empty)");
    printf("\n");
}

static void print_text(const rfm_opts *o, const seg_rfm *r, const report *rep)
{
    static const char *const dims[3] = {"R (recency, days)", "F (frequency)", "M (monetary)"};
    printf("libseg %s: RFM of %s\n", seg_version_string(), o->file);
    printf("definitions: reference date %s (%s); recency = whole days from the last purchase's "
           "date to it;\n  frequency = %s; monetary = sum of purchase amounts; returns and "
           "cancellations %s\n",
           rep->ref, o->as_of ? "--as-of" : "the day after the latest date", freq_definition(o),
           returns_definition(o));
    printf("rows: %lld read, %lld without customer id (skipped), %lld bad (skipped), %lld after "
           "the reference date, %lld returns/cancellations, %lld purchases\n",
           (long long)seg_rfm_count(r, SEG_RFM_ROWS),
           (long long)seg_rfm_count(r, SEG_RFM_NO_CUSTOMER),
           (long long)seg_rfm_count(r, SEG_RFM_BAD_ROWS),
           (long long)seg_rfm_count(r, SEG_RFM_AFTER_REFERENCE),
           (long long)seg_rfm_count(r, SEG_RFM_RETURNS_COUNT),
           (long long)seg_rfm_count(r, SEG_RFM_PURCHASES));
    printf("customers: %zu (%lld more with returns only, left out)\n", rep->n,
           (long long)seg_rfm_count(r, SEG_RFM_RETURN_ONLY_CUSTOMERS));
    printf("score thresholds (score s from):\n");
    for (int d = 0; d < 3; d++) {
        double t[100];
        size_t levels;
        seg_rfm_thresholds(r, (seg_rfm_dim)d, t, 100, &levels);
        printf("  %-18s", dims[d]);
        for (size_t j = 0; j + 1 < levels; j++) {
            if (isnan(t[j]))
                printf(" %zu: none", j + 2);
            else if (d == 2) /* money in two decimals */
                printf(" %zu: >=%.2f", j + 2, t[j]);
            else if (t[j] == floor(t[j]) && fabs(t[j]) < 1e15) /* whole days and counts */
                printf(" %zu: %s%.0f", j + 2, d == 0 ? "<=" : ">=", t[j]);
            else /* a user's cut such as f=2.5 */
                printf(" %zu: %s%.6g", j + 2, d == 0 ? "<=" : ">=", t[j]);
        }
        seg_rfm_cuts used;
        seg_rfm_cuts_used(r, (seg_rfm_dim)d, &used);
        printf("  (%s cuts)\n", cuts_names[used]);
    }
    print_frequency_cuts(o, r);
    for (size_t i = 0; i < seg_rfm_warnings(r); i++)
        printf("warning: %s\n", seg_rfm_warning(r, i, NULL));
    text_profiles("segment", rep->seg, rep->n_seg, r, rep);
    if (rep->k)
        text_profiles("k-means on log1p R,F,M", rep->cl, rep->k, NULL, rep);
}

static void json_profiles(FILE *f, const profile *p, size_t count, const seg_rfm *r,
                          const report *rep)
{
    for (size_t s = 0; s < count; s++) {
        /* An empty group has no means: null in JSON. */
        double n = p[s].n ? (double)p[s].n : NAN;
        fprintf(f, "%s\n    {", s ? "," : "");
        if (r) {
            fprintf(f, "\"name\": ");
            json_string(f, seg_rfm_segment_name(r, s));
        } else {
            fprintf(f, "\"cluster\": %zu", s);
        }
        fprintf(f, ", \"customers\": %zu, \"share\": ", p[s].n);
        json_number(f, (double)p[s].n / (double)rep->n);
        fprintf(f, ", \"mean_recency\": ");
        json_number(f, p[s].r / n);
        fprintf(f, ", \"mean_frequency\": ");
        json_number(f, p[s].f / n);
        fprintf(f, ", \"mean_monetary\": ");
        json_number(f, p[s].m / n);
        fprintf(f, ", \"revenue_share\": ");
        json_number(f, rep->revenue != 0 ? p[s].m / rep->revenue : 0.0);
        fprintf(f, "}");
    }
}

static void print_json(const rfm_opts *o, const seg_rfm *r, const report *rep)
{
    static const char *const counters[9] = {
        "rows",      "no_customer",           "bad_rows", "after_reference", "returns", "purchases",
        "customers", "return_only_customers", "invoices"};
    static const char *const dims[3] = {"r", "f", "m"};
    FILE *f = stdout;
    fprintf(f, "{\n  \"version\": ");
    json_string(f, seg_version_string());
    fprintf(f, ",\n  \"file\": ");
    json_string(f, o->file);
    fprintf(f, ",\n  \"definitions\": {\"reference_date\": ");
    json_string(f, rep->ref);
    fprintf(f, ", \"reference\": ");
    json_string(f, o->as_of ? "as-of" : "day after the latest date");
    fprintf(f, ", \"recency\": \"whole days from the last purchase date\", \"frequency\": ");
    json_string(f, freq_definition(o));
    fprintf(f, ", \"monetary\": \"sum of purchase amounts\", \"returns\": ");
    json_string(f, o->returns ? o->returns : "exclude");
    fprintf(f, ", \"frequency_cuts\": ");
    json_string(f, cuts_names[o->frequency_cuts]);
    fprintf(f, "},\n  \"counts\": {");
    for (int c = 0; c < 9; c++)
        fprintf(f, "%s\"%s\": %lld", c ? ", " : "", counters[c],
                (long long)seg_rfm_count(r, (seg_rfm_counter)c));
    fprintf(f, "},\n  \"thresholds\": {");
    for (int d = 0; d < 3; d++) {
        double t[100];
        size_t levels;
        seg_rfm_thresholds(r, (seg_rfm_dim)d, t, 100, &levels);
        fprintf(f, "%s\"%s\": [", d ? ", " : "", dims[d]);
        for (size_t j = 0; j + 1 < levels; j++) {
            fputs(j ? ", " : "", f);
            json_number(f, t[j]);
        }
        fputs("]", f);
    }
    fprintf(f, "},\n  \"cuts\": {");
    for (int d = 0; d < 3; d++) {
        seg_rfm_cuts used;
        seg_rfm_cuts_used(r, (seg_rfm_dim)d, &used);
        fprintf(f, "%s\"%s\": \"%s\"", d ? ", " : "", dims[d], cuts_names[used]);
    }
    fprintf(f, "},\n  \"warnings\": [");
    for (size_t i = 0; i < seg_rfm_warnings(r); i++) {
        seg_rfm_warning_code code;
        const char *msg = seg_rfm_warning(r, i, &code);
        fprintf(f, "%s\n    {\"code\": \"%s\", \"message\": ", i ? "," : "",
                code == SEG_RFM_WARN_FAR_REFERENCE ? "far_reference" : "other");
        json_string(f, msg);
        fputs("}", f);
    }
    fprintf(f, "%s],\n  \"segments\": [", seg_rfm_warnings(r) ? "\n  " : "");
    json_profiles(f, rep->seg, rep->n_seg, r, rep);
    fprintf(f, "\n  ]");
    if (rep->k) {
        fprintf(f, ",\n  \"clusters\": [");
        json_profiles(f, rep->cl, rep->k, NULL, rep);
        fprintf(f, "\n  ]");
    }
    fprintf(f, "\n}\n");
}

/* Monetary value in the CSV: the shortest of %.15g .. %.17g that reads back
 * as the same double (21.3, not 21.300000000000001), so the file keeps full
 * precision and a spreadsheet shows what was summed. */
static void write_money(FILE *f, double v)
{
    char buf[40];
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buf, sizeof buf, "%.*g", digits, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    fputs(buf, f);
}

static int write_output(FILE *f, const seg_rfm *r, const report *rep)
{
    fputs(rep->k ? "customer,recency,frequency,monetary,r,f,m,segment,cluster\n"
                 : "customer,recency,frequency,monetary,r,f,m,segment\n",
          f);
    for (size_t i = 0; i < rep->n; i++) {
        int64_t rec, freq;
        double mon;
        int32_t s[3];
        size_t seg;
        seg_rfm_get(r, i, &rec, &freq, &mon, s, &seg);
        write_id(f, seg_rfm_customer(r, i));
        fprintf(f, ",%lld,%lld,", (long long)rec, (long long)freq);
        write_money(f, mon);
        fprintf(f, ",%d,%d,%d,", (int)s[0], (int)s[1], (int)s[2]);
        csv_field(f, seg_rfm_segment_name(r, seg));
        if (rep->k)
            fprintf(f, ",%d", (int)rep->cluster[i]);
        fputc('\n', f);
    }
    return ferror(f) ? -1 : 0;
}

int cmd_rfm(int argc, char **argv)
{
    rfm_opts o = {0};
    report rep = {0};
    seg_rfm *r = NULL;
    outputs out;
    const char *stage = "setting up RFM";
    int rc, status = EXIT_DATA, saved;

    if ((rc = parse_rfm(argc, argv, &o)) != 0)
        return rc < 0 ? 0 : rc;
    outputs_init(&out, "rfm ");
    outputs_add(&out, "--output", o.output, false);
    outputs_input(&out, "FILE", o.file);
    json_source(o.file);
    json_source(o.rules);
    outputs_input(&out, "--rules", o.rules);
    outputs_input(&out, "--pseudonymize-key", o.id_key);
    if ((status = outputs_check(&out)) != 0)
        return status;
    status = EXIT_DATA;
    if ((rc = seg_rfm_new(&r)) < 0 || (rc = configure(&o, r)) < 0)
        goto fail;
    if (rc > 0) {
        status = rc == USAGE_CONFLICT ? EXIT_DATA : rc;
        goto out;
    }
    stage = "reading transactions";
    if ((rc = seg_rfm_read_csv(r, stream_path(o.file))) < 0)
        goto fail;
    stage = "computing RFM";
    if ((rc = seg_rfm_finish(r)) < 0)
        goto fail;
    stage = "clustering";
    if ((rc = build_report(r, &o, &rep)) < 0)
        goto fail;
    if (o.output) {
        FILE *f = outputs_open(&out, o.output);
        if ((status = outputs_finish(&out, f, f && write_output(f, r, &rep) == 0)) != 0)
            goto out;
    }
    /* With "-o -" the table is standard output and the summary goes to stderr. */
    if (o.json && !o.quiet)
        for (size_t i = 0; i < seg_rfm_warnings(r); i++)
            fprintf(stderr, "%s rfm: warning: %s\n", progname, seg_rfm_warning(r, i, NULL));
    if (summary_to_stderr(outputs_to_stdout(&out), &saved)) {
        if (o.json)
            print_json(&o, r, &rep);
        else
            print_text(&o, r, &rep);
    }
    summary_restore(saved);
    status = outputs_commit(&out);
    goto out;
fail:
    status = lib_error(stage, rc);
out:
    outputs_abort(&out);
    seg_rfm_free(r);
    free(rep.seg);
    free(rep.cl);
    free(rep.cluster);
    return status;
}
