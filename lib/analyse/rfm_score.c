/*
 * RFM scores, thresholds and named segments. See the RFM group of seg.h for
 * the definitions; rfm.c for the accumulation.
 */
#include "analyse/rfm.h"

#include "data/date.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RULES 1000
#define MAX_NAME 100

/* The default first-match table (documented in seg.h). */
static const struct {
    const char *name;
    int lo[3], hi[3];
} default_rules[] = {
    {"Champions", {4, 4, 4}, {5, 5, 5}},
    {"Loyal", {3, 4, 1}, {5, 5, 5}},
    {"Can't lose them", {1, 5, 4}, {2, 5, 5}},
    {"At risk", {1, 3, 3}, {2, 5, 5}},
    {"Potential loyalists", {4, 2, 2}, {5, 3, 5}},
    {"New", {5, 1, 1}, {5, 1, 5}},
    {"Promising", {4, 1, 1}, {4, 1, 5}},
    {"Need attention", {3, 2, 2}, {3, 3, 5}},
    {"About to sleep", {3, 1, 1}, {3, 2, 5}},
    {"Hibernating", {2, 1, 1}, {2, 2, 5}},
    {"Lost", {1, 1, 1}, {1, 2, 5}},
};
#define N_DEFAULT (sizeof default_rules / sizeof default_rules[0])

void seg_rfm_free_rules(seg_rfm *r)
{
    for (size_t i = 0; i < r->n_names; i++)
        seg_free(r->names[i]);
    seg_free(r->names);
    seg_free(r->rules);
    r->names = NULL;
    r->rules = NULL;
    r->n_names = r->n_rules = 0;
}

/* Index of name in names[0..*n), appended when absent. */
static int name_index(char ***names, size_t *n, const char *p, size_t len, size_t *idx)
{
    for (size_t i = 0; i < *n; i++)
        if (strlen((*names)[i]) == len && memcmp((*names)[i], p, len) == 0) {
            *idx = i;
            return 0;
        }
    char **v = seg_realloc(*names, (*n + 1) * sizeof *v);
    if (!v)
        return SEG_NOMEM();
    *names = v;
    if (!(v[*n] = seg_strndup(p, len)))
        return SEG_NOMEM();
    *idx = (*n)++;
    return 0;
}

static void trim(const char **p, const char **e)
{
    while (*p < *e && (**p == ' ' || **p == '\t' || **p == '\r'))
        (*p)++;
    while (*e > *p && ((*e)[-1] == ' ' || (*e)[-1] == '\t' || (*e)[-1] == '\r'))
        (*e)--;
}

/* "*", "N" or "N-M" (1 <= N <= M <= 1000). */
static bool parse_range(const char *p, const char *e, int *lo, int *hi)
{
    trim(&p, &e);
    if (e - p == 1 && *p == '*') {
        *lo = 1;
        *hi = INT_MAX;
        return true;
    }
    int v[2] = {0, 0}, k = 0;
    for (;;) {
        const char *d = p;
        while (p < e && (unsigned)(*p - '0') < 10 && v[k] <= 1000)
            v[k] = v[k] * 10 + (*p++ - '0');
        if (p == d || v[k] < 1 || v[k] > 1000)
            return false;
        if (p == e)
            break;
        if (*p != '-' || k == 1)
            return false;
        p++;
        k = 1;
    }
    *lo = v[0];
    *hi = k ? v[1] : v[0];
    return *lo <= *hi;
}

int seg_rfm_parse_rules(seg_rfm *r, const char *text)
{
    rfm_rule *rules = NULL;
    char **names = NULL;
    size_t n_rules = 0, n_names = 0, line = 0, idx;
    int rc = 0;
    for (const char *p = text; *p;) {
        const char *e = strchr(p, '\n');
        if (!e)
            e = p + strlen(p);
        const char *next = *e ? e + 1 : e, *a = p, *b = e;
        line++;
        trim(&a, &b);
        p = next;
        if (a == b || *a == '#')
            continue;
        const char *f[5];
        size_t nf = 0;
        f[nf++] = a;
        for (const char *q = a; q < b && nf < 5; q++)
            if (*q == ',')
                f[nf++] = q + 1;
        if (nf != 4) {
            rc = seg_fail(SEG_ERR_PARSE,
                          "rfm rules: line %zu: found %zu field%s, expected 4 (name,R,F,M)", line,
                          nf, nf == 1 ? "" : "s");
            goto fail;
        }
        if (n_rules == MAX_RULES) {
            rc = seg_fail(SEG_ERR_LIMIT, "rfm rules: more than %d rules", MAX_RULES);
            goto fail;
        }
        rfm_rule *nr = seg_realloc(rules, (n_rules + 1) * sizeof *nr);
        if (!nr) {
            rc = SEG_NOMEM();
            goto fail;
        }
        rules = nr;
        const char *na = f[0], *ne = f[1] - 1;
        trim(&na, &ne);
        if (na == ne || ne - na > MAX_NAME) {
            rc = seg_fail(ne - na > MAX_NAME ? SEG_ERR_LIMIT : SEG_ERR_PARSE,
                          "rfm rules: line %zu, field 1: a name of 1 to %d bytes is needed", line,
                          MAX_NAME);
            goto fail;
        }
        for (int d = 0; d < 3; d++) {
            const char *fe = d < 2 ? f[d + 2] - 1 : b;
            if (!parse_range(f[d + 1], fe, &rules[n_rules].lo[d], &rules[n_rules].hi[d])) {
                rc = seg_fail(SEG_ERR_PARSE,
                              "rfm rules: line %zu, field %d: the %c range is not *, N or N-M "
                              "(1..1000)",
                              line, d + 2, "RFM"[d]);
                goto fail;
            }
        }
        if ((rc = name_index(&names, &n_names, na, (size_t)(ne - na), &idx)) < 0)
            goto fail;
        rules[n_rules++].name = idx;
    }
    if (n_rules == 0) {
        rc = seg_fail(SEG_ERR_EMPTY,
                      "rfm rules: no rule in %zu line%s (only blank lines and # "
                      "comments)",
                      line, line == 1 ? "" : "s");
        goto fail;
    }
    if ((rc = name_index(&names, &n_names, "Other", 5, &idx)) < 0)
        goto fail;
    seg_rfm_free_rules(r);
    r->other = idx;
    r->rules = rules;
    r->n_rules = n_rules;
    r->names = names;
    r->n_names = n_names;
    return 0;
fail:
    for (size_t i = 0; i < n_names; i++)
        seg_free(names[i]);
    seg_free(names);
    seg_free(rules);
    return rc;
}

/* The default table as a parsed one (so both are freed alike). */
static int load_default_rules(seg_rfm *r, bool usable)
{
    size_t idx;
    int rc = 0;
    seg_rfm_free_rules(r);
    if (usable) {
        if (!(r->rules = seg_malloc_array(N_DEFAULT, sizeof *r->rules)))
            return SEG_NOMEM();
        for (size_t i = 0; i < N_DEFAULT && rc == 0; i++) {
            memcpy(r->rules[i].lo, default_rules[i].lo, sizeof r->rules[i].lo);
            memcpy(r->rules[i].hi, default_rules[i].hi, sizeof r->rules[i].hi);
            rc = name_index(&r->names, &r->n_names, default_rules[i].name,
                            strlen(default_rules[i].name), &idx);
            r->rules[i].name = idx;
            r->n_rules = i + 1;
        }
    }
    if (rc == 0)
        rc = name_index(&r->names, &r->n_names, "Other", 5, &r->other);
    return rc;
}

typedef struct ranked {
    double g; /* goodness: -recency, frequency or monetary */
    size_t i;
} ranked;

static int cmp_ranked(const void *pa, const void *pb)
{
    const ranked *a = pa, *b = pb;
    if (a->g != b->g)
        return a->g < b->g ? -1 : 1;
    return (a->i > b->i) - (a->i < b->i);
}

static double value_of(const seg_rfm *r, size_t i, int dim)
{
    const rfm_cust *c = &r->c[r->who[i]];
    return dim == 0 ? (double)r->rec[i] : dim == 1 ? (double)c->frequency : c->monetary;
}

/* Rank scores of one dimension and their thresholds. */
static void rank_scores(seg_rfm *r, int dim, ranked *v)
{
    const size_t n = r->n, bins = (size_t)r->bins;
    for (size_t i = 0; i < n; i++) {
        double x = value_of(r, i, dim);
        v[i].g = dim == 0 ? -x : x;
        v[i].i = i;
    }
    qsort(v, n, sizeof *v, cmp_ranked);
    for (size_t j = 0; j + 1 < bins; j++)
        r->thr[dim][j] = NAN;
    size_t rank = 1;
    int prev = 0;
    for (size_t t = 0; t < n; t++) {
        if (t > 0 && v[t].g != v[t - 1].g)
            rank = t + 1;
        /* 1 + floor(B (rank - 1) / N), in integers: B <= 100, N < 2^31. */
        int s = 1 + (int)((uint64_t)bins * (rank - 1) / n);
        r->score[3 * v[t].i + dim] = s;
        /* The first (least good) customer of each new score sets the
         * thresholds of that score and of any level skipped by ties. */
        for (int lvl = prev + 1; lvl <= s; lvl++)
            if (lvl >= 2)
                r->thr[dim][lvl - 2] = dim == 0 ? -v[t].g : v[t].g;
        if (s > prev)
            prev = s;
    }
}

/* Scores from cut points c[0..nc); thresholds are the cuts, in the order of
 * the levels they open. */
static void cut_scores(seg_rfm *r, int dim, const double *c, size_t nc)
{
    for (size_t i = 0; i < r->n; i++) {
        double x = value_of(r, i, dim);
        int s = 1;
        for (size_t j = 0; j < nc; j++)
            s += dim == 0 ? x <= c[j] : x >= c[j];
        r->score[3 * i + dim] = s;
    }
    for (size_t j = 0; j < nc; j++)
        r->thr[dim][j] = dim == 0 ? c[nc - 1 - j] : c[j];
}

/* Whether rank thresholds open every level at a value above the previous
 * one's: false when ties skip a level (equal values) or no customer reaches
 * it (NaN). */
static bool increasing(const double *t, size_t n)
{
    for (size_t j = 0; j < n; j++)
        if (isnan(t[j]) || (j > 0 && !(t[j] > t[j - 1])))
            return false;
    return true;
}

/* The fixed frequency cuts (seg.h, SEG_RFM_CUTS_FIXED): 2, 3, 4, then each
 * level twice as wide as the one before (4-5, 6-9, 10-17, ...). */
static void fixed_cuts(double *c, size_t n)
{
    for (size_t j = 0; j < n; j++)
        c[j] = j < 3 ? (double)(j + 2) : 2 * c[j - 1] - 2;
}

int seg_rfm_score(seg_rfm *r)
{
    const size_t n = r->n;
    ranked *v = seg_malloc_array(n, sizeof *v);
    r->score = seg_malloc_array(n, 3 * sizeof *r->score);
    r->seg = seg_malloc_array(n, sizeof *r->seg);
    if (!v || !r->score || !r->seg) {
        seg_free(v);
        return SEG_NOMEM();
    }
    bool all_five = true;
    for (int d = 0; d < 3; d++) {
        r->levels[d] = r->n_cuts[d] ? r->n_cuts[d] + 1 : (size_t)r->bins;
        all_five &= r->levels[d] == 5;
        if (!(r->thr[d] = seg_malloc_array(r->levels[d], sizeof *r->thr[d]))) {
            seg_free(v);
            return SEG_NOMEM();
        }
        if (r->n_cuts[d]) {
            cut_scores(r, d, r->cuts[d], r->n_cuts[d]);
            r->cuts_used[d] = SEG_RFM_CUTS_USER;
            continue;
        }
        r->cuts_used[d] = SEG_RFM_CUTS_QUANTILE;
        if (d != SEG_RFM_F || r->frequency_cuts != SEG_RFM_CUTS_FIXED)
            rank_scores(r, d, v);
        if (d == SEG_RFM_F && (r->frequency_cuts == SEG_RFM_CUTS_FIXED ||
                               (r->frequency_cuts == SEG_RFM_CUTS_AUTO &&
                                !increasing(r->thr[d], r->levels[d] - 1)))) {
            double fixed[RFM_MAX_LEVELS];
            fixed_cuts(fixed, r->levels[d] - 1);
            cut_scores(r, d, fixed, r->levels[d] - 1);
            r->cuts_used[d] = SEG_RFM_CUTS_FIXED;
        }
    }
    seg_free(v);
    int rc = 0;
    if (!r->rules && (rc = load_default_rules(r, all_five)) < 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        const int32_t *s = r->score + 3 * i;
        size_t seg = r->other;
        for (size_t k = 0; k < r->n_rules; k++) {
            const rfm_rule *u = &r->rules[k];
            if (s[0] >= u->lo[0] && s[0] <= u->hi[0] && s[1] >= u->lo[1] && s[1] <= u->hi[1] &&
                s[2] >= u->lo[2] && s[2] <= u->hi[2]) {
                seg = u->name;
                break;
            }
        }
        r->seg[i] = seg;
    }
    return 0;
}

typedef struct day_rows {
    int64_t day, rows;
} day_rows;

static int cmp_day(const void *pa, const void *pb)
{
    const day_rows *a = pa, *b = pb;
    return (a->day > b->day) - (a->day < b->day);
}

/* Days between the reference date and the bulk of the log that warn. */
#define FAR_DAYS 365

/* Append to a message buffer, never past its end. */
static void append(char *msg, size_t cap, size_t *len, const char *fmt, ...)
{
    va_list ap;
    if (*len + 1 >= cap)
        return;
    va_start(ap, fmt);
    int k = vsnprintf(msg + *len, cap - *len, fmt, ap);
    va_end(ap);
    if (k > 0)
        *len += (size_t)k < cap - *len ? (size_t)k : cap - 1 - *len;
}

int seg_rfm_check(seg_rfm *r)
{
    const int64_t n = r->dated_rows;
    if (n < 2)
        return 0;
    day_rows *d = seg_malloc_array(r->day_used, sizeof *d);
    if (!d)
        return SEG_NOMEM();
    size_t m = 0;
    for (size_t i = 0; i < r->day_cap; i++)
        if (r->day_key[i] != INT64_MIN)
            d[m++] = (day_rows){r->day_key[i], r->day_rows[i]};
    qsort(d, m, sizeof *d, cmp_day);
    /* Rank min(ceil(0.99 n), n - 1), in integers. */
    int64_t k = (99 * n + 99) / 100, cum = 0, far_rows = 0;
    if (k > n - 1)
        k = n - 1;
    size_t i = 0;
    while (i < m && (cum += d[i].rows) < k)
        i++;
    const int64_t p = d[i].day;
    for (size_t j = i + 1; j < m; j++)
        if (d[j].day > p + FAR_DAYS)
            far_rows += d[j].rows;
    seg_free(d);
    if (r->ref_day - p <= FAR_DAYS)
        return 0;

    char ref[32], bulk[32], msg[1024];
    seg_date_format_iso(r->ref_day, ref, sizeof ref);
    seg_date_format_iso(p, bulk, sizeof bulk);
    size_t len = 0;
    append(msg, sizeof msg, &len,
           "the reference date %s is %lld days after %s, the 99th percentile of the "
           "rows' dates: every recency grows by that much",
           ref, (long long)(r->ref_day - p), bulk);
    if (far_rows > 0) {
        append(msg, sizeof msg, &len,
               "; %lld row%s dated more than %d days after %s:", (long long)far_rows,
               far_rows == 1 ? " is" : "s are", FAR_DAYS, bulk);
        size_t shown = 0;
        for (size_t j = 0; j < r->n_late; j++) {
            const rfm_late *l = &r->late[j];
            if (l->day <= p + FAR_DAYS)
                break;
            char day[32];
            seg_date_format_iso(l->day, day, sizeof day);
            append(msg, sizeof msg, &len, "%s %s (customer %s, %s)", shown ? "," : "", l->where,
                   l->customer, day);
            shown++;
        }
        if ((int64_t)shown < far_rows)
            append(msg, sizeof msg, &len, " and %lld more", (long long)(far_rows - (int64_t)shown));
        append(msg, sizeof msg, &len, "; correct or drop them, or give the reference date");
    } else {
        append(msg, sizeof msg, &len, "; check that the reference date is the one meant");
    }
    if (!(r->warning[r->n_warnings] = seg_strndup(msg, strlen(msg))))
        return SEG_NOMEM();
    r->warning_code[r->n_warnings++] = SEG_RFM_WARN_FAR_REFERENCE;
    return 0;
}
