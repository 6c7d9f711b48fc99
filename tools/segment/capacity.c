/*
 * seg segment --min-size N / --max-size N / --capacity FILE: segments sized
 * to campaign capacity (size-constrained k-means, seg_kmeans_set_capacity()).
 * Kept apart from cmd_segment.c, which calls these hooks: the options'
 * checks, the capacity file, the k-means settings, and the bounds with the
 * achieved sizes in the summary, the JSON and the HTML report.
 *
 * The capacity file: one line per segment, "MAX" or "MIN,MAX" (whole numbers
 * >= 0; an empty MAX, as in "100,", sets no maximum); blank lines and lines
 * starting with '#' are skipped. Its number of lines is k.
 */
#include "segment.h"

#include "cli.h"
#include "out.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int capacity_option(int id, const char *val, opts *o)
{
    int64_t *dst = id == SEGMENT_MIN_SIZE ? &o->min_size : &o->max_size;
    if (!parse_int(val, 1, INT64_C(1000000000000000), dst))
        return usage_error("segment ",
                           id == SEGMENT_MIN_SIZE
                               ? "--min-size takes a whole number of customers >= 1, not '%s'"
                               : "--max-size takes a whole number of customers >= 1, not '%s'",
                           val);
    return 0;
}

bool capacity_wanted(const opts *o)
{
    return o->min_size || o->max_size || o->capacity;
}

/* One whole number >= 0 from s .. end (no sign, no blanks around it but
 * spaces); false when it is not one. */
static bool field_int(const char *s, const char *end, int64_t *out)
{
    while (s < end && *s == ' ')
        s++;
    while (end > s && (end[-1] == ' ' || end[-1] == '\r'))
        end--;
    if (s == end)
        return false;
    int64_t v = 0;
    for (; s < end; s++) {
        if (*s < '0' || *s > '9' || v > (INT64_C(1000000000000000) - (*s - '0')) / 10)
            return false;
        v = v * 10 + (*s - '0');
    }
    *out = v;
    return true;
}

/* Read --capacity FILE into o: 0, or EXIT_DATA / EXIT_USAGE after saying why
 * (file, line and column). */
static int capacity_load(opts *o)
{
    FILE *f = fopen(o->capacity, "r");
    char line[256];
    size_t lineno = 0, k = 0, cap = 0;
    int rc = 0;
    if (!f) {
        fprintf(stderr, "%s: --capacity %s: %s\n", progname, o->capacity, strerror(errno));
        return EXIT_DATA;
    }
    while (rc == 0 && fgets(line, sizeof line, f)) {
        lineno++;
        size_t len = strlen(line);
        if (len == sizeof line - 1 && line[len - 1] != '\n') {
            fprintf(stderr, "%s: %s:%zu:1: line longer than %zu characters\n", progname,
                    o->capacity, lineno, sizeof line - 2);
            rc = EXIT_DATA;
            break;
        }
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        const char *p = line;
        while (*p == ' ')
            p++;
        if (*p == '\0' || *p == '#')
            continue;
        const char *comma = strchr(line, ',');
        int64_t lo = 0, hi = 0;
        bool ok, no_max = false;
        size_t col = 1;
        if (!comma) {
            ok = field_int(line, line + len, &hi);
        } else {
            ok = field_int(line, comma, &lo);
            if (ok) {
                const char *q = comma + 1;
                while (*q == ' ')
                    q++;
                col = (size_t)(comma - line) + 2;
                no_max = *q == '\0';
                ok = no_max || (!strchr(q, ',') && field_int(q, line + len, &hi));
            }
        }
        if (!ok) {
            fprintf(stderr,
                    "%s: %s:%zu:%zu: expected MAX or MIN,MAX (whole numbers of customers), "
                    "found '%s'\n",
                    progname, o->capacity, lineno, col, line);
            rc = EXIT_DATA;
            break;
        }
        if (ok && hi == 0 && !no_max) {
            fprintf(stderr,
                    "%s: %s:%zu:%zu: a maximum of 0 customers: every segment holds at least one "
                    "(leave MAX empty, as in '%lld,', for no maximum)\n",
                    progname, o->capacity, lineno, col, (long long)lo);
            rc = EXIT_DATA;
            break;
        }
        if (hi > 0 && lo > hi) {
            fprintf(stderr, "%s: %s:%zu:1: minimum size %lld exceeds maximum size %lld\n", progname,
                    o->capacity, lineno, (long long)lo, (long long)hi);
            rc = EXIT_DATA;
            break;
        }
        if (k == cap) {
            cap = cap ? cap * 2 : 16;
            int64_t *a = realloc(o->cap_lo, cap * sizeof *a);
            if (a)
                o->cap_lo = a;
            int64_t *b = a ? realloc(o->cap_hi, cap * sizeof *b) : NULL;
            if (b)
                o->cap_hi = b;
            if (!a || !b) {
                fprintf(stderr, "%s: --capacity %s: out of memory\n", progname, o->capacity);
                rc = EXIT_DATA;
                break;
            }
        }
        o->cap_lo[k] = lo;
        o->cap_hi[k] = hi;
        k++;
    }
    if (rc == 0 && ferror(f)) {
        fprintf(stderr, "%s: --capacity %s: read error\n", progname, o->capacity);
        rc = EXIT_DATA;
    }
    fclose(f);
    if (rc == 0 && k == 0) {
        fprintf(stderr, "%s: --capacity %s: no segment lines (expected MAX or MIN,MAX)\n", progname,
                o->capacity);
        rc = EXIT_DATA;
    }
    o->cap_k = k;
    return rc;
}

int capacity_prepare(opts *o)
{
    if (!capacity_wanted(o))
        return 0;
    if (o->capacity && (o->min_size || o->max_size))
        return usage_error("segment ", "%s",
                           "--capacity gives each segment its bounds: leave out --min-size and "
                           "--max-size");
    if (o->min_size && o->max_size && o->min_size > o->max_size)
        return usage_error("segment ", "%s",
                           "infeasible size bounds: --min-size is larger than --max-size");
    if (strcmp(o->method, "kmeans") != 0)
        return usage_error("segment ", "%s",
                           "--min-size, --max-size and --capacity go with --method kmeans");
    if (o->memory)
        return usage_error("segment ", "%s",
                           "--min-size, --max-size and --capacity need the data in memory "
                           "(not --memory)");
    if (o->capacity) {
        int rc = capacity_load(o);
        if (rc)
            return rc;
        if (o->k_given && (size_t)o->k != o->cap_k) {
            char buf[64];
            snprintf(buf, sizeof buf, "%lld", (long long)o->k);
            return usage_error("segment ", "--k %s differs from the number of lines of --capacity",
                               buf);
        }
        o->k = (int64_t)o->cap_k;
        o->k_given = true;
    }
    const size_t len = strlen(o->init);
    if (!o->k_given && !(len > 4 && strcmp(o->init + len - 4, ".npy") == 0))
        return usage_error("segment ", "%s",
                           "--min-size and --max-size need --k (the sweep over k does not "
                           "take size bounds)");
    return 0;
}

void capacity_free(opts *o)
{
    free(o->cap_lo);
    free(o->cap_hi);
    o->cap_lo = o->cap_hi = NULL;
}

int capacity_configure(const opts *o, seg_kmeans *km)
{
    int rc = 0;
    if (o->capacity)
        rc = seg_kmeans_set_capacity(km, o->cap_lo, o->cap_hi, o->cap_k);
    if (rc == 0 && o->min_size)
        rc = seg_kmeans_set_int(km, SEG_KMEANS_MIN_SIZE, o->min_size);
    if (rc == 0 && o->max_size)
        rc = seg_kmeans_set_int(km, SEG_KMEANS_MAX_SIZE, o->max_size);
    return rc;
}

/* The model's bounds (k each, malloc'd), or false without any. */
static bool bounds_of(const seg_model *m, int64_t **lo, int64_t **hi)
{
    size_t k = seg_model_k(m);
    *lo = malloc(k * sizeof **lo);
    *hi = malloc(k * sizeof **hi);
    if (*lo && *hi && seg_model_capacity(m, *lo, *hi, k) == SEG_OK)
        return true;
    free(*lo);
    free(*hi);
    *lo = *hi = NULL;
    return false;
}

void capacity_text(const summary *s)
{
    int64_t *lo, *hi;
    if (!bounds_of(s->m, &lo, &hi))
        return;
    printf("\nsize bounds (size-constrained k-means; 'seg predict --respect-capacity' keeps "
           "them):\nsegment  customers      min      max\n");
    for (size_t j = 0; j < s->k; j++)
        printf("%7zu  %9zu  %7lld  %7lld\n", j, seg_model_segment_size(s->m, j), (long long)lo[j],
               (long long)hi[j]);
    free(lo);
    free(hi);
}

void capacity_json(FILE *f, const summary *s)
{
    int64_t *lo, *hi;
    fprintf(f, ",\n  \"capacity\": ");
    if (!bounds_of(s->m, &lo, &hi)) {
        fprintf(f, "null");
        return;
    }
    bool within = true;
    fprintf(f, "{\"segments\": [");
    for (size_t j = 0; j < s->k; j++) {
        size_t size = seg_model_segment_size(s->m, j);
        within = within && (int64_t)size >= lo[j] && (int64_t)size <= hi[j];
        fprintf(f, "%s{\"id\": %zu, \"min\": %lld, \"max\": %lld, \"size\": %zu}", j ? ", " : "", j,
                (long long)lo[j], (long long)hi[j], size);
    }
    fprintf(f, "], \"within_bounds\": %s}", within ? "true" : "false");
    free(lo);
    free(hi);
}

void report_capacity(FILE *f, const summary *s)
{
    int64_t *lo, *hi;
    if (!bounds_of(s->m, &lo, &hi))
        return;
    fprintf(f, "<section id=\"capacity\">\n<h2>Segment capacity</h2>\n"
               "<p>Segments were fitted under size bounds (size-constrained k-means: each "
               "assignment step is an exact transportation problem). Each segment's customers "
               "against its bounds:</p>\n<table>\n<tr><th>segment</th><th>customers</th>"
               "<th>min</th><th>max</th><th>used</th></tr>\n");
    for (size_t j = 0; j < s->k; j++) {
        size_t size = seg_model_segment_size(s->m, j);
        fprintf(f, "<tr><td>%zu</td><td>%zu</td><td>%lld</td><td>%lld</td><td>%.1f %%</td></tr>\n",
                j, size, (long long)lo[j], (long long)hi[j],
                hi[j] > 0 ? 100.0 * (double)size / (double)hi[j] : 0.0);
    }
    fprintf(f, "</table>\n</section>\n");
    free(lo);
    free(hi);
}
