/*
 * The fairness report (fairness.h): protected columns into group codes,
 * the opt-out column into flags, and the figures of seg_fairness_* on the
 * terminal and in JSON.
 *
 * Groups of a protected column: the levels of a categorical column, in the
 * order they first appear; the values of a numeric column with at most
 * FAIR_FEW_VALUES distinct values; otherwise bins of a numeric column, cut at
 * the --protected-bins edges or, by default, at the column's quartiles
 * (nearest rank; repeated or minimal cut points dropped). Missing values
 * are an unknown group, counted apart.
 */
#include "fairness.h"

#include "cli.h"
#include "out.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static char *dup_text(const char *s)
{
    size_t len = strlen(s) + 1;
    char *c = malloc(len);
    return c ? memcpy(c, s, len) : NULL;
}

static int cmp_double(const void *pa, const void *pb)
{
    const double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

/* The edges "E1,E2,..." that --protected-bins gives column name: 1 and the
 * edges in *edges (malloc'd), 0 when it names no bins for it, or
 * USAGE_CONFLICT after saying why. */
static int bins_for(const char *bins, const char *name, double **edges, size_t *count)
{
    *edges = NULL;
    *count = 0;
    if (!bins)
        return 0;
    const size_t len = strlen(name);
    for (const char *p = bins; *p;) {
        const char *end = strchr(p, ';');
        const size_t item = end ? (size_t)(end - p) : strlen(p);
        if (item > len && strncmp(p, name, len) == 0 && p[len] == '=') {
            char *list = malloc(item - len);
            if (!list)
                return SEG_ERR_NOMEM;
            memcpy(list, p + len + 1, item - len - 1);
            list[item - len - 1] = '\0';
            size_t n;
            char **v = split_list(list, &n);
            double *e = v ? malloc((n ? n : 1) * sizeof *e) : NULL;
            bool ok = e != NULL && n > 0;
            for (size_t i = 0; ok && i < n; i++)
                ok = parse_real(v[i], &e[i]) && isfinite(e[i]) && (i == 0 || e[i] > e[i - 1]);
            free(v);
            if (!e) {
                free(list);
                return SEG_ERR_NOMEM;
            }
            if (!ok) {
                fprintf(stderr,
                        "%s: --protected-bins %s=%s: the edges must be finite numbers in "
                        "increasing order, e.g. age=25,35,50,65\n",
                        progname, name, list);
                free(list);
                free(e);
                return USAGE_CONFLICT;
            }
            free(list);
            *edges = e;
            *count = n;
            return 1;
        }
        p += item + (end != NULL);
    }
    return 0;
}

/* Every COL of --protected-bins must be a --protected column. */
static int check_bins(const char *bins, const char *protected_cols)
{
    for (const char *p = bins; p && *p;) {
        const char *end = strchr(p, ';'), *eq = strchr(p, '=');
        const size_t item = end ? (size_t)(end - p) : strlen(p);
        char name[256];
        if (!eq || (size_t)(eq - p) >= item || (size_t)(eq - p) >= sizeof name) {
            fprintf(stderr, "%s: --protected-bins takes COL=E1,E2,...[;COL=...], not '%.*s'\n",
                    progname, (int)item, p);
            return USAGE_CONFLICT;
        }
        memcpy(name, p, (size_t)(eq - p));
        name[eq - p] = '\0';
        if (!list_contains(protected_cols, name)) {
            fprintf(stderr, "%s: --protected-bins names '%s', which is not a --protected column\n",
                    progname, name);
            return USAGE_CONFLICT;
        }
        p += item + (end != NULL);
    }
    return 0;
}

static int add_name(fair_attr *a, const char *name)
{
    char **grown = realloc(a->names, (a->g + 1) * sizeof *grown);
    if (!grown)
        return SEG_ERR_NOMEM;
    a->names = grown;
    if (!(a->names[a->g] = dup_text(name)))
        return SEG_ERR_NOMEM;
    a->g++;
    return 0;
}

static int too_many_groups(const fair_attr *a)
{
    fprintf(stderr,
            "%s: --protected %s has more than %d groups: a protected column must sort customers "
            "into a few groups (bin a number with --protected-bins)\n",
            progname, a->column, FAIR_MAX_GROUPS);
    return USAGE_CONFLICT;
}

static int read_categorical(fair_attr *a, const seg_dataset *ds, size_t j, size_t n)
{
    const char **seen = NULL; /* the dataset's level strings, one per group */
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const char *t = NULL;
        if ((rc = seg_dataset_get_text(ds, i, j, &t)) < 0)
            break;
        a->codes[i] = -1;
        if (!t)
            continue;
        size_t c = 0;
        while (c < a->g && seen[c] != t && strcmp(seen[c], t) != 0)
            c++;
        if (c == a->g) {
            if (a->g == FAIR_MAX_GROUPS) {
                rc = too_many_groups(a);
                break;
            }
            const char **grown = realloc(seen, (a->g + 1) * sizeof *grown);
            if (!grown) {
                rc = SEG_ERR_NOMEM;
                break;
            }
            seen = grown;
            seen[a->g] = t;
            rc = add_name(a, t);
        }
        a->codes[i] = (int32_t)c;
    }
    free(seen);
    return rc;
}

/* A number as a group name: "%g". */
static void number_name(double v, char *buf, size_t len)
{
    snprintf(buf, len, "%g", v);
}

static int bin_names(fair_attr *a)
{
    char buf[96], lo[32], hi[32];
    int rc = 0;
    for (size_t b = 0; b <= a->n_edges && rc == 0; b++) {
        if (b > 0)
            number_name(a->edges[b - 1], lo, sizeof lo);
        if (b < a->n_edges)
            number_name(a->edges[b], hi, sizeof hi);
        if (b == 0)
            snprintf(buf, sizeof buf, "< %s", hi);
        else if (b == a->n_edges)
            snprintf(buf, sizeof buf, ">= %s", lo);
        else
            snprintf(buf, sizeof buf, "%s to < %s", lo, hi);
        rc = add_name(a, buf);
    }
    return rc;
}

/* A categorical column of a share of the rows: the groups are the
 * dataset's levels, which are all rows' in the order they first appear
 * (seg_mpi_read_csv()), so the serial read_categorical()'s. */
static int read_levels(fair_attr *a, const seg_dataset *ds, size_t j, size_t n)
{
    const size_t nl = seg_dataset_column_levels(ds, j);
    int rc = 0;
    if (nl > FAIR_MAX_GROUPS)
        return too_many_groups(a);
    for (size_t l = 0; l < nl && rc == 0; l++)
        rc = add_name(a, seg_dataset_column_level(ds, j, l));
    for (size_t i = 0; i < n && rc == 0; i++) {
        const char *t = NULL;
        if ((rc = seg_dataset_get_text(ds, i, j, &t)) < 0)
            break;
        a->codes[i] = -1;
        for (size_t l = 0; t && l < nl && a->codes[i] < 0; l++) {
            const char *lv = seg_dataset_column_level(ds, j, l);
            if (lv == t || strcmp(lv, t) == 0)
                a->codes[i] = (int32_t)l;
        }
    }
    return rc;
}

/* The distinct values of sorted[0..m) into few (at most FAIR_FEW_VALUES;
 * *n_few = FAIR_FEW_VALUES + 1 when there are more). */
static void few_values(const double *sorted, size_t m, double *few, size_t *n_few)
{
    *n_few = 0;
    for (size_t i = 0; i < m && *n_few <= FAIR_FEW_VALUES; i++)
        if (i == 0 || sorted[i] != sorted[i - 1]) {
            if (*n_few < FAIR_FEW_VALUES)
                few[*n_few] = sorted[i];
            ++*n_few;
        }
}

/* The groups of a numeric column (edges: --protected-bins', or NULL) from
 * what is known of all rows, and the codes of this share's values v. */
static int read_numeric(fair_attr *a, const seg_dataset *ds, size_t j, size_t n, double *edges,
                        size_t n_edges, const fair_reach *reach)
{
    double *v = malloc((n ? n : 1) * sizeof *v), *sorted = malloc((n ? n : 1) * sizeof *sorted);
    double few[FAIR_FEW_VALUES];
    size_t m = 0, n_few = 0;
    uint64_t m_all = 0;
    int rc = v && sorted ? 0 : SEG_ERR_NOMEM;
    for (size_t i = 0; i < n && rc == 0; i++)
        if ((rc = seg_dataset_get_f64(ds, i, j, &v[i])) == 0 && !isnan(v[i]))
            sorted[m++] = v[i];
    if (rc == 0)
        qsort(sorted, m, sizeof *sorted, cmp_double);
    if (reach) {
        rc = reach->numeric(reach->ctx, rc, sorted, m, few, &n_few, &m_all);
    } else if (rc == 0) {
        few_values(sorted, m, few, &n_few);
        m_all = m;
    }
    if (rc == 0 && !edges && n_few <= FAIR_FEW_VALUES) { /* one group per value */
        char buf[32];
        for (size_t c = 0; c < n_few && rc == 0; c++) {
            number_name(few[c], buf, sizeof buf);
            rc = add_name(a, buf);
        }
        for (size_t i = 0; i < n && rc == 0; i++) {
            a->codes[i] = -1;
            for (size_t c = 0; !isnan(v[i]) && c < n_few && a->codes[i] < 0; c++)
                if (few[c] == v[i])
                    a->codes[i] = (int32_t)c;
        }
        goto done;
    }
    if (rc == 0 && !edges) { /* quartiles, nearest rank: the minimum, then each */
        static const double q[3] = {0.25, 0.5, 0.75};
        uint64_t want[4] = {0, 0, 0, 0};
        double at[4];
        for (size_t t = 0; t < 3; t++) {
            const uint64_t r = (uint64_t)ceil(q[t] * (double)m_all);
            want[t + 1] = r ? r - 1 : 0;
        }
        if (reach)
            rc = reach->select(reach->ctx, sorted, m, want, 4, at);
        for (size_t t = 0; !reach && t < 4; t++)
            at[t] = sorted[want[t]];
        if (rc == 0 && !(edges = malloc(3 * sizeof *edges)))
            rc = SEG_ERR_NOMEM;
        for (size_t t = 1; rc == 0 && t < 4; t++) {
            const double e = at[t];
            if (e > at[0] && (n_edges == 0 || e > edges[n_edges - 1]))
                edges[n_edges++] = e;
        }
        a->default_bins = true;
    }
    if (rc == 0) {
        a->edges = edges;
        a->n_edges = n_edges;
        edges = NULL;
        rc = bin_names(a);
        for (size_t i = 0; i < n && rc == 0; i++) {
            size_t b = 0;
            while (b < a->n_edges && v[i] >= a->edges[b])
                b++;
            a->codes[i] = isnan(v[i]) ? -1 : (int32_t)b;
        }
    }
done:
    free(edges);
    free(v);
    free(sorted);
    return rc;
}

int fair_take(fair_data *fd, seg_dataset *ds, const char *protected_cols, const char *bins,
              const char *opt_out, int64_t min_cell, bool drop)
{
    return fair_take_shared(fd, ds, protected_cols, bins, opt_out, min_cell, drop, NULL);
}

int fair_take_shared(fair_data *fd, seg_dataset *ds, const char *protected_cols, const char *bins,
                     const char *opt_out, int64_t min_cell, bool drop, const fair_reach *reach)
{
    const size_t n = seg_dataset_rows(ds);
    size_t count = 0;
    char **names = NULL;
    int rc = 0;
    memset(fd, 0, sizeof *fd);
    fd->n = n;
    fd->min_cell = min_cell > 0 ? (size_t)min_cell : 0;
    fd->plan_step = -1;
    fd->reach = reach;
    if (bins && (rc = check_bins(bins, protected_cols)) != 0)
        return rc;
    if (protected_cols && !(names = split_list(protected_cols, &count)))
        rc = SEG_ERR_NOMEM;
    if (reach)
        rc = reach->agree(reach->ctx, rc);
    if (rc != 0)
        return rc;
    for (size_t a = 0; a < count; a++) {
        bool twice = opt_out && strcmp(names[a], opt_out) == 0;
        for (size_t b = a + 1; b < count; b++)
            twice = twice || strcmp(names[a], names[b]) == 0;
        if (twice) {
            fprintf(stderr, "%s: --protected names '%s' twice, or it is the --opt-out column\n",
                    progname, names[a]);
            free(names);
            return USAGE_CONFLICT;
        }
    }
    if (count && !(fd->attr = calloc(count, sizeof *fd->attr)))
        rc = SEG_ERR_NOMEM;
    if (reach)
        rc = reach->agree(reach->ctx, rc);
    /* Each column's groups are decided over all rows: with reach, every
     * sharer leaves the loop at the same column. */
    for (size_t a = 0; a < count && rc == 0; a++) {
        fair_attr *at = &fd->attr[fd->n_attr++];
        size_t j;
        double *edges = NULL;
        size_t n_edges = 0;
        bool numeric = false;
        if (!(at->column = dup_text(names[a])) ||
            !(at->codes = malloc((n ? n : 1) * sizeof *at->codes)))
            rc = SEG_ERR_NOMEM;
        else if ((rc = seg_dataset_column_index(ds, names[a], &j)) == 0 &&
                 (rc = bins_for(bins, names[a], &edges, &n_edges)) == 1)
            rc = 0; /* edges given */
        if (rc == 0)
            numeric = seg_dataset_column_type(ds, j) == SEG_COLUMN_NUMERIC;
        if (reach)
            rc = reach->agree(reach->ctx, rc);
        if (rc != 0) {
            free(edges);
            break;
        }
        if (numeric) {
            rc = read_numeric(at, ds, j, n, edges, n_edges, reach);
        } else if (edges) {
            free(edges);
            fprintf(stderr, "%s: --protected-bins %s: '%s' is categorical; bins are for numbers\n",
                    progname, names[a], names[a]);
            rc = USAGE_CONFLICT;
        } else {
            rc = reach ? read_levels(at, ds, j, n) : read_categorical(at, ds, j, n);
        }
        if (reach)
            rc = reach->agree(reach->ctx, rc);
        if (rc == 0 && at->g == 0) {
            fprintf(stderr, "%s: --protected %s: the column holds no value\n", progname, names[a]);
            rc = USAGE_CONFLICT;
        }
    }
    if (rc == 0 && opt_out) {
        fd->opt_out_column = opt_out;
        if (!(fd->opted_out = malloc(n ? n : 1)))
            rc = SEG_ERR_NOMEM;
        else if ((rc = seg_dataset_get_flag(ds, opt_out, fd->opted_out, n)) == 0)
            for (size_t i = 0; i < n; i++)
                fd->opted += fd->opted_out[i];
        if (reach && (rc = reach->agree(reach->ctx, rc)) == 0) {
            uint64_t all = fd->opted;
            if ((rc = reach->sum(reach->ctx, &all, 1)) == 0)
                fd->opted = (size_t)all;
        }
    }
    if (rc == 0 && count && drop)
        rc = seg_dataset_drop(ds, (const char *const *)names, count);
    if (rc == 0 && opt_out && drop)
        rc = seg_dataset_drop(ds, &opt_out, 1);
    if (reach && rc <= 0)
        rc = reach->agree(reach->ctx, rc);
    free(names);
    return rc;
}

int fair_compute(fair_data *fd, const int32_t *labels, size_t k, const uint8_t *selected_segments)
{
    const fair_reach *reach = fd->reach;
    uint8_t *sel = NULL;
    int rc = 0;
    fd->k = k;
    fd->selection = selected_segments != NULL;
    if (selected_segments) {
        if ((sel = malloc(fd->n ? fd->n : 1)))
            for (size_t i = 0; i < fd->n; i++)
                sel[i] = selected_segments[labels[i]] && !(fd->opted_out && fd->opted_out[i]);
        else
            rc = SEG_ERR_NOMEM;
    }
    for (size_t a = 0; a < fd->n_attr && rc == 0; a++)
        if (!fd->attr[a].fair)
            rc = seg_fairness_new(&fd->attr[a].fair);
    if (reach)
        rc = reach->agree(reach->ctx, rc);
    for (size_t a = 0; a < fd->n_attr && rc == 0; a++) {
        fair_attr *at = &fd->attr[a];
        rc = reach ? reach->compute(reach->ctx, at->fair, labels, at->codes, fd->n, k, at->g, sel)
                   : seg_fairness_compute(at->fair, labels, at->codes, fd->n, k, at->g, sel);
    }
    free(sel);
    return rc;
}

void fair_free(fair_data *fd)
{
    if (!fd)
        return;
    for (size_t a = 0; a < fd->n_attr; a++) {
        fair_attr *at = &fd->attr[a];
        for (size_t c = 0; c < at->g; c++)
            free(at->names[c]);
        free(at->names);
        free(at->codes);
        free(at->edges);
        free(at->column);
        seg_fairness_free(at->fair);
    }
    free(fd->attr);
    free(fd->opted_out);
    memset(fd, 0, sizeof *fd);
}

/* ---- figures ------------------------------------------------------------------- */

static double cellv(const fair_attr *a, size_t s, size_t g, seg_fairness_cell_figure st)
{
    double v = NAN;
    seg_fairness_cell_stat(a->fair, s, g, st, &v);
    return v;
}

static double segv(const fair_attr *a, size_t s, seg_fairness_segment_figure st)
{
    double v = NAN;
    seg_fairness_segment_stat(a->fair, s, st, &v);
    return v;
}

static double groupv(const fair_attr *a, size_t g, seg_fairness_group_figure st)
{
    double v = NAN;
    seg_fairness_group_stat(a->fair, g, st, &v);
    return v;
}

static double allv(const fair_attr *a, seg_fairness_figure st)
{
    double v = NAN;
    seg_fairness_stat(a->fair, st, &v);
    return v;
}

bool fair_suppressed(const fair_data *fd, double count)
{
    return count > 0 && count < (double)fd->min_cell;
}

const char *fair_count_text(const fair_data *fd, double count, char *buf, size_t len)
{
    if (fair_suppressed(fd, count))
        snprintf(buf, len, "< %zu", fd->min_cell);
    else
        snprintf(buf, len, "%.0f", count);
    return buf;
}

/* Whether segment s's own figures (TVD, balance) are withheld: fewer known
 * rows than the minimum cell. */
static bool segment_hidden(const fair_data *fd, const fair_attr *a, size_t s)
{
    return fair_suppressed(fd, segv(a, s, SEG_FAIRNESS_SIZE));
}

/* Whether group g's selection figures are withheld. */
static bool group_hidden(const fair_data *fd, const fair_attr *a, size_t g)
{
    return fair_suppressed(fd, groupv(a, g, SEG_FAIRNESS_GROUP_SIZE)) ||
           fair_suppressed(fd, groupv(a, g, SEG_FAIRNESS_SELECTED)) ||
           fair_suppressed(fd, groupv(a, g, SEG_FAIRNESS_GROUP_SIZE) -
                                   groupv(a, g, SEG_FAIRNESS_SELECTED));
}

int fair_warning(const fair_data *fd, size_t a, int which, char *buf, size_t len)
{
    const fair_attr *at = &fd->attr[a];
    if (which == 0) { /* four-fifths */
        const double air = fd->selection ? allv(at, SEG_FAIRNESS_ADVERSE_IMPACT_RATIO) : NAN;
        if (!(air < FAIR_FOUR_FIFTHS))
            return 0;
        size_t lo = 0, hi = 0;
        for (size_t g = 0; g < at->g; g++) {
            const double r = groupv(at, g, SEG_FAIRNESS_SELECTION_RATE);
            if (r < groupv(at, lo, SEG_FAIRNESS_SELECTION_RATE) ||
                isnan(groupv(at, lo, SEG_FAIRNESS_SELECTION_RATE)))
                lo = g;
            if (r > groupv(at, hi, SEG_FAIRNESS_SELECTION_RATE) ||
                isnan(groupv(at, hi, SEG_FAIRNESS_SELECTION_RATE)))
                hi = g;
        }
        snprintf(buf, len,
                 "'%s': adverse impact ratio %.2f is below %.1f (four-fifths rule, 29 CFR "
                 "1607.4(D)): the plan selects %.1f %% of '%s' but %.1f %% of '%s'",
                 at->column, air, FAIR_FOUR_FIFTHS,
                 100 * groupv(at, lo, SEG_FAIRNESS_SELECTION_RATE), at->names[lo],
                 100 * groupv(at, hi, SEG_FAIRNESS_SELECTION_RATE), at->names[hi]);
        return 1;
    }
    if (which == 1) { /* Fisher */
        size_t used = 0, found = 0;
        if (!fd->selection)
            return 0;
        int w = snprintf(buf, len,
                         "'%s': selection rate differs from the rest's (Fisher exact p < %.2f) "
                         "for",
                         at->column, FAIR_FISHER_ALPHA);
        used = w > 0 && (size_t)w < len ? (size_t)w : len - 1;
        for (size_t g = 0; g < at->g; g++) {
            const double p = groupv(at, g, SEG_FAIRNESS_FISHER_P);
            if (!(p < FAIR_FISHER_ALPHA) || group_hidden(fd, at, g))
                continue;
            w = snprintf(buf + used, len - used, "%s '%s' (p = %.2g, rate %.1f %%)",
                         found++ ? "," : "", at->names[g], p,
                         100 * groupv(at, g, SEG_FAIRNESS_SELECTION_RATE));
            used += w > 0 && (size_t)w < len - used ? (size_t)w : len - 1 - used;
        }
        return found > 0;
    }
    if (which == 2) { /* proxy */
        const double nmi = allv(at, SEG_FAIRNESS_NMI);
        if (!(nmi >= FAIR_PROXY_NMI))
            return 0;
        snprintf(buf, len,
                 "'%s' is not a feature, yet the segment tells it: normalised mutual "
                 "information %.3f >= %.1f, so other columns stand in for it (proxy)",
                 at->column, nmi, FAIR_PROXY_NMI);
        return 1;
    }
    return -1;
}

/* ---- terminal ------------------------------------------------------------------ */

static void text_attr(FILE *f, const fair_data *fd, const fair_attr *a)
{
    char buf[64];
    fprintf(f, "\n'%s': %.0f customers", a->column, allv(a, SEG_FAIRNESS_ROWS));
    if (allv(a, SEG_FAIRNESS_UNKNOWN) > 0)
        fprintf(f, " (%.0f more with no value, not counted)", allv(a, SEG_FAIRNESS_UNKNOWN));
    if (a->edges)
        fprintf(f, ", in bins%s", a->default_bins ? " at the quartiles (default)" : "");
    fprintf(f, "\n  cells: customers, share of the segment, representation ratio p(g|s)/p(g)\n");
    fprintf(f, "segment     TVD  balance");
    for (size_t g = 0; g < a->g; g++)
        fprintf(f, "  %20.20s", a->names[g]);
    fputc('\n', f);
    for (size_t s = 0; s <= fd->k; s++) {
        if (s == fd->k)
            fprintf(f, "%7s  %6s  %7s", "all", "", "");
        else if (segment_hidden(fd, a, s))
            fprintf(f, "%7zu  %6s  %7s", s, "-", "-");
        else
            fprintf(f, "%7zu  %6.3f  %7.3f", s, segv(a, s, SEG_FAIRNESS_TVD),
                    segv(a, s, SEG_FAIRNESS_BALANCE));
        for (size_t g = 0; g < a->g; g++) {
            const double c = cellv(a, s, g, SEG_FAIRNESS_COUNT);
            char cell[64];
            if (fair_suppressed(fd, c))
                snprintf(cell, sizeof cell, "%s", fair_count_text(fd, c, buf, sizeof buf));
            else
                snprintf(cell, sizeof cell, "%.0f %5.1f%% %5.2f", c,
                         100 * cellv(a, s, g, SEG_FAIRNESS_SHARE),
                         cellv(a, s, g, SEG_FAIRNESS_REPRESENTATION));
            fprintf(f, "  %20s", cell);
        }
        fputc('\n', f);
    }
    fprintf(f,
            "overall balance %.3f (lowest segment), largest TVD %.3f; proxy check: NMI(segment, "
            "%s) = %.3f\n",
            allv(a, SEG_FAIRNESS_OVERALL_BALANCE), allv(a, SEG_FAIRNESS_MAX_TVD), a->column,
            allv(a, SEG_FAIRNESS_NMI));
    if (!fd->selection)
        return;
    fprintf(f, "under the plan (step %ld: segments %s%s):\n", fd->plan_step, fd->plan_segments,
            fd->opted_out ? "; opted-out customers never selected" : "");
    fprintf(f, "  %20s  %9s  %9s  %7s  %6s  %9s\n", "group", "customers", "selected", "rate",
            "ratio", "Fisher p");
    for (size_t g = 0; g < a->g; g++) {
        char b1[32], b2[32];
        fprintf(f, "  %20.20s  %9s  %9s", a->names[g],
                fair_count_text(fd, groupv(a, g, SEG_FAIRNESS_GROUP_SIZE), b1, sizeof b1),
                fair_count_text(fd, groupv(a, g, SEG_FAIRNESS_SELECTED), b2, sizeof b2));
        if (group_hidden(fd, a, g))
            fprintf(f, "  %7s  %6s  %9s\n", "-", "-", "-");
        else
            fprintf(f, "  %5.1f %%  %6.2f  %9.2g\n",
                    100 * groupv(a, g, SEG_FAIRNESS_SELECTION_RATE),
                    groupv(a, g, SEG_FAIRNESS_IMPACT_RATIO), groupv(a, g, SEG_FAIRNESS_FISHER_P));
    }
    const double air = allv(a, SEG_FAIRNESS_ADVERSE_IMPACT_RATIO);
    fprintf(f, "adverse impact ratio %.3f%s\n", air,
            air < FAIR_FOUR_FIFTHS ? " (below 0.8: flagged)" : "");
}

void fair_text(FILE *f, const fair_data *fd)
{
    char buf[1024];
    if (!fd)
        return;
    if (fd->opt_out_column)
        fprintf(f,
                "\nopt-out ('%s'): %zu customers opted out: segmented and profiled, never in "
                "a contact list or plan count\n",
                fd->opt_out_column, fd->opted);
    if (fd->n_attr == 0)
        return;
    fprintf(f, "\nFairness on protected columns (never clustered; read only to report)\n");
    if (fd->min_cell)
        fprintf(f, "cells of fewer than %zu customers are shown as '< %zu'\n", fd->min_cell,
                fd->min_cell);
    for (size_t a = 0; a < fd->n_attr; a++)
        text_attr(f, fd, &fd->attr[a]);
    for (size_t a = 0; a < fd->n_attr; a++)
        for (int w = 0, r; (r = fair_warning(fd, a, w, buf, sizeof buf)) >= 0; w++)
            if (r)
                fprintf(f, "warning: %s\n", buf);
}

/* ---- JSON ---------------------------------------------------------------------- */

static void json_count(FILE *f, const fair_data *fd, double c)
{
    if (fair_suppressed(fd, c))
        fputs("null", f);
    else
        json_number(f, c);
}

static void json_attr(FILE *f, const fair_data *fd, const fair_attr *a)
{
    char buf[1024];
    fprintf(f, "{\"column\": ");
    json_string(f, a->column);
    fprintf(f, ", \"binning\": ");
    if (a->edges) {
        fprintf(f, "{\"edges\": [");
        for (size_t e = 0; e < a->n_edges; e++) {
            fputs(e ? ", " : "", f);
            json_number(f, a->edges[e]);
        }
        fprintf(f, "], \"default_quartiles\": %s}", a->default_bins ? "true" : "false");
    } else {
        fputs("null", f);
    }
    fprintf(f, ", \"groups\": [");
    for (size_t g = 0; g < a->g; g++) {
        fputs(g ? ", " : "", f);
        json_string(f, a->names[g]);
    }
    fprintf(f, "],\n     \"rows\": %.0f, \"unknown\": %.0f, \"overall_balance\": ",
            allv(a, SEG_FAIRNESS_ROWS), allv(a, SEG_FAIRNESS_UNKNOWN));
    json_number(f, allv(a, SEG_FAIRNESS_OVERALL_BALANCE));
    fprintf(f, ", \"max_tvd\": ");
    json_number(f, allv(a, SEG_FAIRNESS_MAX_TVD));
    fprintf(f, ", \"mutual_information\": ");
    json_number(f, allv(a, SEG_FAIRNESS_MUTUAL_INFORMATION));
    fprintf(f, ", \"nmi\": ");
    json_number(f, allv(a, SEG_FAIRNESS_NMI));
    fprintf(f, ",\n     \"segments\": [");
    for (size_t s = 0; s <= fd->k; s++) {
        const bool hidden = s < fd->k && segment_hidden(fd, a, s);
        fprintf(f, "%s\n      {\"segment\": ", s ? "," : "");
        if (s == fd->k)
            fputs("\"all\"", f);
        else
            fprintf(f, "%zu", s);
        fprintf(f, ", \"size\": ");
        json_count(f, fd, segv(a, s, SEG_FAIRNESS_SIZE));
        fprintf(f, ", \"tvd\": ");
        json_number(f, hidden ? NAN : segv(a, s, SEG_FAIRNESS_TVD));
        fprintf(f, ", \"balance\": ");
        json_number(f, hidden ? NAN : segv(a, s, SEG_FAIRNESS_BALANCE));
        fprintf(f, ", \"groups\": [");
        for (size_t g = 0; g < a->g; g++) {
            const double c = cellv(a, s, g, SEG_FAIRNESS_COUNT);
            const bool sup = fair_suppressed(fd, c);
            fprintf(f, "%s{\"group\": ", g ? ", " : "");
            json_string(f, a->names[g]);
            fprintf(f, ", \"count\": ");
            json_count(f, fd, c);
            fprintf(f, ", \"suppressed\": %s, \"share\": ", sup ? "true" : "false");
            json_number(f, sup ? NAN : cellv(a, s, g, SEG_FAIRNESS_SHARE));
            fprintf(f, ", \"representation\": ");
            json_number(f, sup ? NAN : cellv(a, s, g, SEG_FAIRNESS_REPRESENTATION));
            fputs("}", f);
        }
        fputs("]}", f);
    }
    fprintf(f, "],\n     \"selection\": ");
    if (!fd->selection) {
        fputs("null", f);
    } else {
        const double air = allv(a, SEG_FAIRNESS_ADVERSE_IMPACT_RATIO);
        fprintf(f, "{\"plan_step\": %ld, \"segments\": [%s], \"adverse_impact_ratio\": ",
                fd->plan_step, fd->plan_segments);
        json_number(f, air);
        fprintf(f, ", \"four_fifths_flag\": %s, \"groups\": [",
                air < FAIR_FOUR_FIFTHS ? "true" : "false");
        for (size_t g = 0; g < a->g; g++) {
            const bool hidden = group_hidden(fd, a, g);
            fprintf(f, "%s\n       {\"group\": ", g ? "," : "");
            json_string(f, a->names[g]);
            fprintf(f, ", \"size\": ");
            json_count(f, fd, groupv(a, g, SEG_FAIRNESS_GROUP_SIZE));
            fprintf(f, ", \"selected\": ");
            json_count(f, fd, groupv(a, g, SEG_FAIRNESS_SELECTED));
            fprintf(f, ", \"suppressed\": %s, \"rate\": ", hidden ? "true" : "false");
            json_number(f, hidden ? NAN : groupv(a, g, SEG_FAIRNESS_SELECTION_RATE));
            fprintf(f, ", \"impact_ratio\": ");
            json_number(f, hidden ? NAN : groupv(a, g, SEG_FAIRNESS_IMPACT_RATIO));
            fprintf(f, ", \"fisher_p\": ");
            json_number(f, hidden ? NAN : groupv(a, g, SEG_FAIRNESS_FISHER_P));
            fputs("}", f);
        }
        fputs("]}", f);
    }
    fprintf(f, ",\n     \"warnings\": [");
    for (int w = 0, r, first = 1;
         (r = fair_warning(fd, (size_t)(a - fd->attr), w, buf, sizeof buf)) >= 0; w++)
        if (r) {
            fputs(first ? "" : ", ", f);
            json_string(f, buf);
            first = 0;
        }
    fputs("]}", f);
}

void fair_json(FILE *f, const fair_data *fd)
{
    if (!fd)
        return;
    fprintf(f, ",\n  \"fairness\": {\"opt_out\": ");
    if (fd->opt_out_column) {
        fprintf(f, "{\"column\": ");
        json_string(f, fd->opt_out_column);
        fprintf(f, ", \"opted_out\": %zu}", fd->opted);
    } else {
        fputs("null", f);
    }
    fprintf(f,
            ", \"min_cell\": %zu, \"thresholds\": {\"four_fifths\": %.1f, \"fisher_alpha\": "
            "%.2f, \"proxy_nmi\": %.1f},\n    \"nmi\": \"I / ((H(segment) + H(group)) / 2)\", "
            "\"protected\": [",
            fd->min_cell, FAIR_FOUR_FIFTHS, FAIR_FISHER_ALPHA, FAIR_PROXY_NMI);
    for (size_t a = 0; a < fd->n_attr; a++) {
        fputs(a ? ",\n    " : "\n    ", f);
        json_attr(f, fd, &fd->attr[a]);
    }
    fputs("]}", f);
}
