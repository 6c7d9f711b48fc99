/*
 * The CSV input of seg-mpi segment (docs/mpi.md): the file read by the ranks
 * (seg_mpi_read_csv(), with seg segment's reader options), the columns seg
 * segment clusters on (--drop, --columns, --keep, identifiers) chosen the
 * same way over all rows, encoded and scaled as seg segment's scaler does
 * with its settings (one-hot or 0/1 columns of the sorted levels, the
 * missing level or --impute-mode's mode, --drop-first, --log1p, the
 * scaling agreed exactly), then dealt out to the fit's shares
 * (seg_mpi_share()).
 *
 * Missing numbers take the column's median, found exactly over the ranks,
 * before or after the scaling statistics as --impute-order says
 * (seg_mpi_scaler_fit_missing()). What needs the whole column in one place
 * (row numbers in another order) is refused with the reason, never
 * answered differently.
 */
#include "mpi/csv_share.h"
#include "mpi/csv_model.h"
#include "mpi/csv_aside.h"
#include "cli.h"
#include "segment/segment.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MISSING_LEVEL "(missing)"
#define OTHER_LEVEL "(other)"
#define IDENTIFIER_MIN_ROWS 20
#define MAX_LEVELS 1000

/* What the model records of the columns (csv_model.c), or NULL. */
static csv_model *share_model;

void csv_share_set_model(csv_model *cm)
{
    share_model = cm;
}

/* ---- identifier-like columns, as seg_dataset_column_identifier() decides
 * on all rows ---------------------------------------------------------------- */

enum { ID_NONE, ID_ROWNUM, ID_INCREASING, ID_TEXT, ID_UNSURE, ID_NOMEM, ID_ASIDE };
/* ID_ASIDE: a column kept aside in a role (csv_aside.h): no feature, no
 * identifier check, as seg segment's roles leave before both. */

static bool is_whole(double v)
{
    return v == floor(v) && fabs(v) <= 9007199254740992.0;
}

/* Per rank: whole, up, down, step (ANDs), rows, first, last, min, max. */
static int numeric_identifier(const seg_dataset *ds, size_t j, size_t n_all, int R)
{
    const size_t nr = seg_dataset_rows(ds);
    double mine[9] = {1, 1, 1, 1, (double)nr, 0, 0, INFINITY, -INFINITY};
    for (size_t i = 0; i < nr; i++) {
        double v = 0, p = 0;
        seg_dataset_get_f64(ds, i, j, &v);
        if (!is_whole(v))
            mine[0] = 0;
        if (i > 0) {
            seg_dataset_get_f64(ds, i - 1, j, &p);
            mine[1] = mine[1] && v > p;
            mine[2] = mine[2] && v < p;
            mine[3] = mine[3] && fabs(v - p) == 1.0;
        } else
            mine[5] = v;
        mine[6] = v;
        mine[7] = fmin(mine[7], v);
        mine[8] = fmax(mine[8], v);
    }
    double *all = malloc((size_t)R * sizeof mine);
    if (seg_mpi_agree_text(MPI_COMM_WORLD, all ? SEG_OK : SEG_ERR_NOMEM, "out of memory") < 0) {
        free(all);
        return ID_NOMEM; /* on every rank */
    }
    MPI_Allgather(mine, 9, MPI_DOUBLE, all, 9, MPI_DOUBLE, MPI_COMM_WORLD);
    bool whole = true, up = true, down = true, step = true, seen = false;
    double last = 0, lo = INFINITY, hi = -INFINITY;
    for (int r = 0; r < R; r++) {
        const double *a = all + 9 * r;
        if (a[4] == 0)
            continue;
        whole = whole && a[0] != 0;
        up = up && a[1] != 0 && (!seen || a[5] > last);
        down = down && a[2] != 0 && (!seen || a[5] < last);
        step = step && a[3] != 0 && (!seen || fabs(a[5] - last) == 1.0);
        last = a[6];
        seen = true;
        lo = fmin(lo, a[7]);
        hi = fmax(hi, a[8]);
    }
    free(all);
    if (!whole)
        return ID_NONE;
    if (up || down)
        return step ? ID_ROWNUM : ID_INCREASING;
    /* Row numbers in another order need every value to tell: refused. */
    return hi - lo == (double)(n_all - 1) ? ID_UNSURE : ID_NONE;
}

int csv_share_numeric_identifier(const seg_dataset *ds, size_t j, size_t n_all)
{
    int R = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &R);
    switch (n_all < IDENTIFIER_MIN_ROWS ? ID_NONE : numeric_identifier(ds, j, n_all, R)) {
    case ID_ROWNUM:
        return SEG_IDENTIFIER_ROW_NUMBER;
    case ID_INCREASING:
        return SEG_IDENTIFIER_INCREASING;
    case ID_UNSURE:
        return SEG_ERR_LIMIT;
    case ID_NOMEM:
        return SEG_ERR_NOMEM;
    default:
        return SEG_IDENTIFIER_NONE;
    }
}

/* ---- categorical columns, as the scaler encodes them --------------------- */

typedef struct level_n {
    const char *s;
    int64_t count;
    size_t global; /* index among the dataset's levels, SIZE_MAX: missing */
} level_n;

static int cmp_level(const void *a, const void *b)
{
    return strcmp(((const level_n *)a)->s, ((const level_n *)b)->s);
}

static bool eq_nocase(const char *a, const char *b)
{
    for (;; a++, b++) {
        unsigned char x = (unsigned char)*a, y = (unsigned char)*b;
        x = x >= 'A' && x <= 'Z' ? (unsigned char)(x - 'A' + 'a') : x;
        y = y >= 'A' && y <= 'Z' ? (unsigned char)(y - 'A' + 'a') : y;
        if (x != y)
            return false;
        if (!x)
            return true;
    }
}

/* The scaler's choice of the level a binary feature marks 1 (sorted pair). */
static size_t binary_one(const char *a, const char *b)
{
    static const char *const pairs[][2] = {
        {"yes", "no"}, {"true", "false"}, {"y", "n"}, {"t", "f"}, {"1", "0"},
    };
    for (size_t p = 0; p < sizeof pairs / sizeof pairs[0]; p++) {
        if (eq_nocase(a, pairs[p][0]) && eq_nocase(b, pairs[p][1]))
            return 0;
        if (eq_nocase(a, pairs[p][1]) && eq_nocase(b, pairs[p][0]))
            return 1;
    }
    return 1;
}

typedef struct cat_plan {
    size_t n_out;
    int32_t *slot; /* dataset level + 1 (0: missing) -> feature, -1: none */
} cat_plan;

/* Code of each row (level index, -1 missing): the dataset's levels are the
 * file's, in the same order on every rank, so a pointer comparison after
 * one lookup table per column. */
static int row_codes(const seg_dataset *ds, size_t j, int32_t *codes)
{
    const size_t nl = seg_dataset_column_levels(ds, j), nr = seg_dataset_rows(ds);
    /* texts are the dataset's own level strings: find them by address */
    const char **lv = malloc((nl + 1) * sizeof *lv);
    size_t *order = malloc((nl + 1) * sizeof *order);
    if (!lv || !order) {
        free(lv);
        free(order);
        return SEG_ERR_NOMEM;
    }
    for (size_t l = 0; l < nl; l++)
        lv[l] = seg_dataset_column_level(ds, j, l);
    /* sort indices by address for a binary search */
    for (size_t l = 0; l < nl; l++)
        order[l] = l;
    for (size_t a = 1; a < nl; a++) { /* insertion sort is fine for <= 1000s */
        size_t v = order[a], b = a;
        while (b > 0 && (uintptr_t)lv[order[b - 1]] > (uintptr_t)lv[v]) {
            order[b] = order[b - 1];
            b--;
        }
        order[b] = v;
    }
    int rc = SEG_OK;
    for (size_t i = 0; i < nr && rc == SEG_OK; i++) {
        const char *t = NULL;
        seg_dataset_get_text(ds, i, j, &t);
        codes[i] = -1;
        if (!t)
            continue;
        size_t lo = 0, hi = nl;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if ((uintptr_t)lv[order[mid]] < (uintptr_t)t)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < nl && lv[order[lo]] == t)
            codes[i] = (int32_t)order[lo];
        else
            rc = SEG_ERR_INVALID_ARG;
    }
    free(lv);
    free(order);
    return rc;
}

/* The model's record of categorical column j: its levels seen over all
 * rows (counts[0..nl), counts[nl] the missing rows). */
static int csv_share_model_levels(const seg_dataset *ds, size_t j, const int64_t *counts)
{
    const size_t nl = seg_dataset_column_levels(ds, j);
    const char **lv = malloc((nl + 1) * sizeof *lv);
    uint64_t *cn = malloc((nl + 1) * sizeof *cn), total = (uint64_t)counts[nl];
    size_t m = 0;
    int rc = lv && cn ? SEG_OK : SEG_ERR_NOMEM;
    for (size_t l = 0; rc == SEG_OK && l < nl; l++)
        if (counts[l] > 0) {
            lv[m] = seg_dataset_column_level(ds, j, l);
            cn[m++] = (uint64_t)counts[l];
            total += (uint64_t)counts[l];
        }
    if (rc == SEG_OK)
        rc = csv_model_levels(share_model, j, seg_dataset_column_name(ds, j), lv, cn, m,
                              (uint64_t)counts[nl], total);
    free(lv);
    free(cn);
    return rc;
}

/* The --min-segment-size threshold of the record (0: none). */
static uint64_t share_min_count(void)
{
    return share_model ? csv_model_min_count(share_model) : 0;
}

/*
 * Fold the merged levels (tab[0..m) sorted, feature_of[r] the merged index
 * of entry r, *w of them) counted fewer than min_count times, and a level
 * spelt "(other)", into one "(other)" (the missing level stays), as the
 * scaler's fold_rare_levels(): feature_of and *w are renumbered in the
 * sorted order of the levels left. pair receives the first two levels'
 * texts (for a 0/1 feature).
 */
static int fold_rare(const level_n *tab, size_t m, size_t *feature_of, size_t *w,
                     uint64_t min_count, const char *pair[2])
{
    const size_t n = *w;
    const char **text = malloc((n + 1) * sizeof *text);
    uint64_t *count = calloc(n + 1, sizeof *count);
    size_t *to = malloc((n + 1) * sizeof *to), *order = malloc((n + 1) * sizeof *order);
    if (!text || !count || !to || !order) {
        free(text);
        free(count);
        free(to);
        free(order);
        return SEG_ERR_NOMEM;
    }
    for (size_t r = 0; r < m; r++) { /* a run's text: its first entry's */
        if (count[feature_of[r]] == 0 && (r == 0 || feature_of[r - 1] != feature_of[r]))
            text[feature_of[r]] = tab[r].s;
        count[feature_of[r]] += (uint64_t)tab[r].count;
    }
    size_t kept = 0;
    bool other = false;
    for (size_t f = 0; f < n; f++) {
        const bool fold = min_count > 0 && strcmp(text[f], MISSING_LEVEL) != 0 &&
                          (count[f] < min_count || strcmp(text[f], OTHER_LEVEL) == 0);
        to[f] = fold ? SIZE_MAX : kept;
        if (!fold)
            text[kept++] = text[f]; /* kept < f or equal: in place */
        other = other || fold;
    }
    if (other)
        text[kept++] = OTHER_LEVEL;
    /* the levels left in byte order: "(other)" takes its sorted place */
    for (size_t i = 0; i < kept; i++)
        order[i] = i;
    for (size_t a = 1; a < kept; a++) {
        size_t v = order[a], b = a;
        while (b > 0 && strcmp(text[order[b - 1]], text[v]) > 0) {
            order[b] = order[b - 1];
            b--;
        }
        order[b] = v;
    }
    size_t *rank = count; /* reused: old kept index -> sorted index */
    for (size_t i = 0; i < kept; i++)
        rank[order[i]] = i;
    for (size_t r = 0; r < m; r++) {
        const size_t f = to[feature_of[r]];
        feature_of[r] = rank[f == SIZE_MAX ? kept - 1 : f];
    }
    pair[0] = kept > 0 ? text[order[0]] : NULL;
    pair[1] = kept > 1 ? text[order[1]] : NULL;
    *w = kept;
    free(text);
    free(count);
    free(to);
    free(order);
    return SEG_OK;
}

/* The encoding of column j from the level counts of all rows, as
 * seg_scol_levels_finish() (no folding): missing values a level of their
 * own, or with mode (--impute-mode) the most common level, ties to the
 * first in byte order; drop_first (--drop-first): a one-hot column without
 * its first level. */
static int plan_categorical(const seg_dataset *ds, size_t j, const int32_t *codes, size_t n_all,
                            bool mode, bool drop_first, cat_plan *cp, char *why, size_t len)
{
    const size_t nl = seg_dataset_column_levels(ds, j), nr = seg_dataset_rows(ds);
    const char *name = seg_dataset_column_name(ds, j);
    int64_t *counts = calloc(nl + 1, sizeof *counts); /* [nl]: missing */
    level_n *tab = malloc((nl + 1) * sizeof *tab);
    cp->slot = malloc((nl + 1) * sizeof *cp->slot);
    if (!counts || !tab || !cp->slot) {
        free(counts);
        free(tab);
        snprintf(why, len, "out of memory");
        return SEG_ERR_NOMEM;
    }
    for (size_t i = 0; i < nr; i++)
        counts[codes[i] < 0 ? nl : (size_t)codes[i]]++;
    MPI_Allreduce(MPI_IN_PLACE, counts, (int)(nl + 1), MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
    if (share_model && csv_share_model_levels(ds, j, counts) < 0) {
        free(counts);
        free(tab);
        snprintf(why, len, "out of memory");
        return SEG_ERR_NOMEM;
    }
    size_t m = 0;
    for (size_t l = 0; l < nl; l++)
        if (counts[l] > 0)
            tab[m++] = (level_n){seg_dataset_column_level(ds, j, l), counts[l], l};
    /* under mode imputation the missing rows have no level, unless no value
     * is present (then there is no mode) */
    const bool missing_level = counts[nl] > 0 && (!mode || m == 0);
    if (missing_level)
        tab[m++] = (level_n){MISSING_LEVEL, counts[nl], SIZE_MAX};
    qsort(tab, m, sizeof *tab, cmp_level);
    /* A level spelt "(missing)" is the missing level: one feature. */
    size_t w = 0;
    size_t *feature_of = malloc((m + 1) * sizeof *feature_of); /* tab entry -> merged index */
    if (!feature_of) {
        free(counts);
        free(tab);
        return SEG_ERR_NOMEM;
    }
    for (size_t r = 0; r < m; r++) {
        if (w > 0 && strcmp(tab[w - 1].s, tab[r].s) == 0) {
            tab[w - 1].count += tab[r].count;
        } else
            w++;
        feature_of[r] = w - 1;
    }
    /* tab[r].global stays with entry r: map before merging the rows */
    for (size_t l = 0; l <= nl; l++)
        cp->slot[l] = -1;
    int rc = SEG_OK;
    if (counts[nl] == 0 && n_all >= IDENTIFIER_MIN_ROWS && w == n_all) {
        snprintf(why, len,
                 "column '%s' has a different value in each of its %zu rows: it identifies "
                 "customers and its values would be stored in the model; set it as the id "
                 "column, drop it, or allow it with SEG_SCALER_ALLOW_IDENTIFIERS",
                 name, w);
        rc = SEG_ERR_PRIVACY;
    }
    /* --min-segment-size: levels of fewer rows than it, over all ranks,
     * fold into one "(other)", as the scaler's SEG_SCALER_MIN_LEVEL_COUNT */
    const char *pair[2] = {NULL, NULL};
    if (rc == SEG_OK && (rc = fold_rare(tab, m, feature_of, &w, share_min_count(), pair)) < 0)
        snprintf(why, len, "out of memory");
    if (rc == SEG_OK && w > MAX_LEVELS) {
        snprintf(why, len, "column '%s' has %zu levels, more than the limit %d", name, w,
                 MAX_LEVELS);
        rc = SEG_ERR_LIMIT;
    }
    if (rc == SEG_OK) {
        size_t one = 0;
        if (w == 2) {
            one = binary_one(pair[0], pair[1]);
            cp->n_out = 1;
        } else
            cp->n_out = drop_first ? w - 1 : w;
        const size_t skip = w != 2 && drop_first ? 1 : 0;
        for (size_t r = 0; r < m; r++) {
            size_t f = feature_of[r];
            int32_t slot = w == 2 ? (f == one ? 0 : -1) : f < skip ? -1 : (int32_t)(f - skip);
            if (tab[r].global == SIZE_MAX)
                cp->slot[0] = slot;
            else
                cp->slot[tab[r].global + 1] = slot;
        }
        /* a real level spelt "(missing)" takes the missing rows too */
        for (size_t r = 0; r < m; r++)
            if (tab[r].global != SIZE_MAX && strcmp(tab[r].s, MISSING_LEVEL) == 0 &&
                counts[nl] == 0)
                cp->slot[0] = cp->slot[tab[r].global + 1];
        /* --impute-mode: the missing rows take the most common level's
         * feature (counts of the merged levels; the first in byte order on
         * a tie, as the scaler) */
        if (counts[nl] > 0 && !missing_level) {
            size_t best = 0;
            int64_t best_n = -1;
            for (size_t f = 0; f < w; f++) {
                int64_t c = 0;
                for (size_t r = 0; r < m; r++)
                    if (feature_of[r] == f)
                        c += counts[tab[r].global];
                if (c > best_n) {
                    best_n = c;
                    best = f;
                }
            }
            for (size_t r = 0; r < m; r++)
                if (feature_of[r] == best) {
                    cp->slot[0] = cp->slot[tab[r].global + 1];
                    break;
                }
        }
    }
    free(feature_of);
    free(counts);
    free(tab);
    return rc;
}

/* ---- the rows encoded where the fit wants them -------------------------- */

/*
 * Where this rank encodes its CSV rows (global rows [row0, row0 + nr)): the
 * local rows [keep_lo, keep_hi) that fall in its own fit share (global rows
 * [first, first + rows)) go straight into the share, the others, in row
 * order, into spare, from which they are sent to the ranks whose shares
 * they are in. The CSV cuts fall by bytes and the fit's by partitions, so
 * spare holds only the rows between the two cuts: the features exist once.
 */
typedef struct dest {
    char *share, *spare;
    double *share_w, *spare_w; /* the rows' weights (--weight), or NULL */
    size_t row0, nr, first, rows, keep_lo, keep_hi;
    size_t bytes; /* of one encoded row */
    bool f32;
} dest;

static char *dest_row(const dest *t, size_t i)
{
    if (i >= t->keep_lo && i < t->keep_hi)
        return t->share + (t->row0 + i - t->first) * t->bytes;
    return t->spare + (i < t->keep_lo ? i : i - (t->keep_hi - t->keep_lo)) * t->bytes;
}

/* Feature f of local row i := v, in the fit's precision (f32: rounded from
 * the double, as seg_scaler_transform_f32() does). */
static void dest_put(const dest *t, size_t i, size_t f, double v)
{
    char *r = dest_row(t, i);
    if (t->f32)
        ((float *)(void *)r)[f] = (float)v;
    else
        ((double *)(void *)r)[f] = v;
}

static size_t clamp(size_t v, size_t lo, size_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* The share and spare buffers (zeroed: one-hot features only set their 1s). */
static int dest_init(dest *t, size_t row0, size_t nr, size_t first, size_t rows, size_t dd,
                     bool f32)
{
    *t = (dest){NULL, NULL, NULL, NULL, row0, nr, first, rows, 0, 0, dd * (f32 ? 4 : 8), f32};
    t->keep_lo = first > row0 ? clamp(first - row0, 0, nr) : 0;
    t->keep_hi = first + rows > row0 ? clamp(first + rows - row0, t->keep_lo, nr) : t->keep_lo;
    const size_t spare = nr - (t->keep_hi - t->keep_lo);
    t->share = calloc(rows ? rows : 1, t->bytes);
    t->spare = calloc(spare ? spare : 1, t->bytes);
    int rc = t->share && t->spare && rows <= INT32_MAX && nr <= INT32_MAX ? SEG_OK : SEG_ERR_NOMEM;
    return seg_mpi_agree_text(MPI_COMM_WORLD, rc, "out of memory for the features");
}

/* The weights of the rank's CSV rows w (nr of them) where their rows go:
 * the kept ones into share_w, the others into spare_w, as dest_row(). */
static int dest_weights(dest *t, const double *w)
{
    const size_t spare = t->nr - (t->keep_hi - t->keep_lo);
    t->share_w = malloc((t->rows ? t->rows : 1) * sizeof *t->share_w);
    t->spare_w = malloc((spare ? spare : 1) * sizeof *t->spare_w);
    int rc = t->share_w && t->spare_w ? SEG_OK : SEG_ERR_NOMEM;
    for (size_t i = 0; rc == SEG_OK && i < t->nr; i++) {
        if (i >= t->keep_lo && i < t->keep_hi)
            t->share_w[t->row0 + i - t->first] = w[i];
        else
            t->spare_w[i < t->keep_lo ? i : i - (t->keep_hi - t->keep_lo)] = w[i];
    }
    return seg_mpi_agree_text(MPI_COMM_WORLD, rc, "out of memory for the weights");
}

/* The spare rows to the ranks whose shares they are in, theirs into this
 * rank's share (one MPI_Alltoallv; the kept rows do not move); their
 * weights alike when there are some. */
static int dest_exchange(dest *t, int R, int me, size_t dd)
{
    uint64_t mine[4] = {t->row0, t->nr, t->first, t->rows};
    uint64_t *all = malloc((size_t)R * sizeof mine);
    int *sc = malloc(4 * (size_t)R * sizeof *sc);
    int rc = all && sc ? SEG_OK : SEG_ERR_NOMEM;
    if ((rc = seg_mpi_agree_text(MPI_COMM_WORLD, rc, "out of memory to deal the rows out")) < 0) {
        free(all);
        free(sc);
        return rc;
    }
    int *sd = sc + R, *rcn = sc + 2 * R, *rd = sc + 3 * R;
    MPI_Allgather(mine, 4, MPI_UINT64_T, all, 4, MPI_UINT64_T, MPI_COMM_WORLD);
    const size_t kept = t->keep_hi - t->keep_lo;
    for (int r = 0; r < R; r++) {
        const uint64_t *a = all + 4 * r;
        sc[r] = sd[r] = rcn[r] = rd[r] = 0;
        if (r == me)
            continue;
        /* to r: my CSV rows within r's fit share, from spare */
        uint64_t lo = t->row0 > a[2] ? t->row0 : a[2],
                 hi = t->row0 + t->nr < a[2] + a[3] ? t->row0 + t->nr : a[2] + a[3];
        if (hi > lo) {
            const size_t i = (size_t)(lo - t->row0);
            sc[r] = (int)(hi - lo);
            sd[r] = (int)(i < t->keep_lo ? i : i - kept);
        }
        /* from r: r's CSV rows within my fit share */
        lo = a[0] > t->first ? a[0] : t->first;
        hi = a[0] + a[1] < t->first + t->rows ? a[0] + a[1] : t->first + t->rows;
        if (hi > lo) {
            rcn[r] = (int)(hi - lo);
            rd[r] = (int)(lo - t->first);
        }
    }
    MPI_Datatype row;
    MPI_Type_contiguous((int)dd, t->f32 ? MPI_FLOAT : MPI_DOUBLE, &row);
    MPI_Type_commit(&row);
    MPI_Alltoallv(t->spare, sc, sd, row, t->share, rcn, rd, row, MPI_COMM_WORLD);
    MPI_Type_free(&row);
    if (t->share_w)
        MPI_Alltoallv(t->spare_w, sc, sd, MPI_DOUBLE, t->share_w, rcn, rd, MPI_DOUBLE,
                      MPI_COMM_WORLD);
    free(t->spare_w);
    t->spare_w = NULL;
    free(all);
    free(sc);
    free(t->spare);
    t->spare = NULL;
    return SEG_OK;
}

/* A library failure rc of the stage what, agreed over the ranks, as seg
 * segment's lib_error() words it: "STATUS: DETAIL". */
static int lib_failure(int rc, const char *detail, const char *what, const char **stage, char *why,
                       size_t len)
{
    rc = seg_mpi_agree_text(MPI_COMM_WORLD, rc, detail);
    if (rc < 0) {
        *stage = what;
        snprintf(why, len, "%s: %s", seg_strerror(rc), seg_mpi_last_error());
    }
    return rc;
}

/* Whether rc is a usage error (said by rank 0) on any rank: the ranks see
 * the same header, so they agree but for a failure of memory on one. */
static bool any_usage(int rc)
{
    int usage = rc == USAGE_CONFLICT;
    MPI_Allreduce(MPI_IN_PLACE, &usage, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    return usage != 0;
}

/* Whether name is a numeric column of ds that is not left out (kind). */
static bool numeric_feature(const seg_dataset *ds, const int *kind, const char *name)
{
    size_t j;
    return seg_dataset_column_index(ds, name, &j) == SEG_OK && kind[j] == ID_NONE &&
           seg_dataset_column_type(ds, j) == SEG_COLUMN_NUMERIC;
}

/* seg segment's refusal of a --keep naming a column in a role (the id,
 * weights, target, ...: no feature there), or 0; SEG_ERR_NOMEM. */
static int keep_aside(const opts *so)
{
    size_t n;
    char **keep = so->keep ? split_list(so->keep, &n) : NULL;
    if (so->keep && !keep)
        return SEG_ERR_NOMEM;
    int rc = 0;
    for (size_t i = 0; keep && i < n && rc == 0; i++)
        if (csv_aside_has(share_model, keep[i])) {
            fprintf(stderr, "%s: --keep %s: no feature column named '%s'\n", progname, keep[i],
                    keep[i]);
            rc = USAGE_CONFLICT;
        }
    free(keep);
    return rc;
}

int csv_share_rows(const char *file, const opts *so, seg_kmeans *km, seg_scale_method method,
                   bool f32, void **x, size_t *n, size_t *d, size_t *first, size_t *rows,
                   const char **stage, char *why, size_t len)
{
    int rank = 0, R = 1, rc;
    const bool impute_first = !so->scale_first, quiet = so->quiet;
    seg_csv_options *co = NULL;
    seg_dataset *ds = NULL;
    size_t row0 = 0, n_all = 0, nr = 0, nc = 0, dn = 0, dd = 0;
    int *kind = NULL;
    int32_t *codes = NULL;
    cat_plan *plans = NULL;
    double *num = NULL, *center = NULL, *scale = NULL, *median = NULL;
    dest out = {0};
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &R);

    why[0] = '\0';
    *stage = "reading data";
    /* seg segment's reader options: --delimiter, --missing, --categorical,
     * --numeric (the same on every rank) */
    rc = segment_csv_options(so, &co);
    if ((rc = lib_failure(rc, seg_last_error(), "reading data", stage, why, len)) < 0)
        return rc;
    rc = seg_mpi_read_csv(MPI_COMM_WORLD, file, co, &ds, &row0, &n_all);
    seg_csv_options_free(co);
    if (rc < 0) {
        snprintf(why, len, "%s: %s", seg_strerror(rc), seg_mpi_last_error());
        return rc;
    }
    /* --drop and --columns, and the file's columns for the model
     * (csv_model.c); a usage error is said by rank 0 (the others' stderr
     * is closed) */
    *stage = "choosing columns";
    char msg[512] = "";
    rc = share_model ? csv_model_read(share_model, ds, msg, sizeof msg) : SEG_ERR_INVALID_ARG;
    if (any_usage(rc)) {
        rc = USAGE_CONFLICT;
        goto fail;
    }
    if ((rc = lib_failure(rc, msg[0] ? msg : seg_last_error(), "choosing columns", stage, why,
                          len)) < 0)
        goto fail;
    /* --keep names feature columns, as seg segment checks; a column in a
     * role stays in ds here (csv_aside.h) but is no feature there */
    rc = keep_aside(so);
    if (rc == 0)
        rc = segment_keep_check(so, ds);
    if (any_usage(rc)) {
        rc = USAGE_CONFLICT;
        goto fail;
    }
    if ((rc = lib_failure(rc, "out of memory", "choosing columns", stage, why, len)) < 0)
        goto fail;
    nr = seg_dataset_rows(ds);
    nc = seg_dataset_columns(ds);
    kind = calloc(nc, sizeof *kind);
    plans = calloc(nc, sizeof *plans);
    codes = malloc((nr ? nr : 1) * sizeof *codes);
    rc = kind && plans && codes ? SEG_OK : SEG_ERR_NOMEM;
    if ((rc = seg_mpi_agree_text(MPI_COMM_WORLD, rc, "out of memory")) < 0)
        goto fail;

    /* The columns seg segment leaves out as identifiers, decided on all
     * rows. */
    size_t left = 0, aside = 0;
    int hook_rc = SEG_OK;
    for (size_t j = 0; j < nc; j++) {
        if (csv_aside_has(share_model, seg_dataset_column_name(ds, j))) {
            kind[j] = ID_ASIDE; /* the same on every rank: no collective skipped */
            aside++;
            continue;
        }
        uint64_t miss = seg_dataset_column_missing(ds, j);
        MPI_Allreduce(MPI_IN_PLACE, &miss, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
        if (n_all < IDENTIFIER_MIN_ROWS || list_contains(so->keep, seg_dataset_column_name(ds, j)))
            kind[j] = ID_NONE;
        else if (seg_dataset_column_type(ds, j) == SEG_COLUMN_CATEGORICAL)
            kind[j] =
                n_all - miss >= IDENTIFIER_MIN_ROWS &&
                        (double)seg_dataset_column_levels(ds, j) >= 0.9 * (double)(n_all - miss)
                    ? ID_TEXT
                    : ID_NONE;
        else
            kind[j] = miss ? ID_NONE : numeric_identifier(ds, j, n_all, R);
        if (kind[j] == ID_NOMEM) {
            snprintf(why, len, "out of memory");
            rc = SEG_ERR_NOMEM;
            goto fail;
        }
        if (kind[j] == ID_UNSURE) {
            snprintf(why, len,
                     "column '%s' holds %zu distinct-looking whole numbers spanning %zu: seg "
                     "segment leaves it out if they are row numbers in another order, which "
                     "seg-mpi cannot tell without every value in one place; drop the column",
                     seg_dataset_column_name(ds, j), n_all, n_all);
            rc = SEG_ERR_LIMIT;
            goto fail;
        }
        if (kind[j] != ID_NONE) {
            left++;
            /* the model's record; a failure is agreed after the loop, whose
             * identifier checks every rank must still join */
            if (share_model && hook_rc == SEG_OK)
                hook_rc =
                    csv_model_identifier(share_model, seg_dataset_column_name(ds, j),
                                         kind[j] == ID_ROWNUM       ? SEG_IDENTIFIER_ROW_NUMBER
                                         : kind[j] == ID_INCREASING ? SEG_IDENTIFIER_INCREASING
                                                                    : SEG_IDENTIFIER_TEXT);
            if (rank == 0 && !quiet)
                segment_identifier_warning(seg_dataset_column_name(ds, j),
                                           kind[j] == ID_ROWNUM       ? SEG_IDENTIFIER_ROW_NUMBER
                                           : kind[j] == ID_INCREASING ? SEG_IDENTIFIER_INCREASING
                                                                      : SEG_IDENTIFIER_TEXT);
            continue;
        }
        if (seg_dataset_column_type(ds, j) == SEG_COLUMN_NUMERIC) {
            dn++;
        }
    }
    if ((rc = seg_mpi_agree_text(MPI_COMM_WORLD, hook_rc, "out of memory")) < 0) {
        snprintf(why, len, "%s", seg_mpi_last_error());
        goto fail;
    }
    if (left + aside == nc && left) { /* seg segment's usage error, said by rank 0 */
        rc = rank == 0 ? segment_all_identifiers() : USAGE_CONFLICT;
        goto fail;
    }
    if (aside == nc) { /* every column in a role: seg segment's scaler has nothing to fit */
        rc = SEG_ERR_EMPTY;
        *stage = "fitting the scaler";
        snprintf(why, len, "%s: seg_scaler_fit: the dataset has %zu rows and 0 columns",
                 seg_strerror(rc), n_all);
        goto fail;
    }
    /* --log1p names numeric feature columns: seg_scaler_fit()'s check */
    {
        size_t nl = 0;
        char **lp = so->log1p ? split_list(so->log1p, &nl) : NULL;
        rc = so->log1p && !lp ? SEG_ERR_NOMEM : SEG_OK;
        for (size_t i = 0; rc == SEG_OK && i < nl; i++)
            if (!numeric_feature(ds, kind, lp[i])) {
                snprintf(why, len,
                         "a per-column setting names '%s', not a numeric column of the dataset",
                         lp[i]);
                rc = SEG_ERR_NOT_FOUND;
            }
        free(lp);
        if ((rc = lib_failure(rc, rc == SEG_ERR_NOMEM ? "out of memory" : why, "fitting the scaler",
                              stage, why, len)) < 0)
            goto fail;
    }
    *stage = "reading data";

    /* Numeric columns scaled over all rows; categorical ones planned. */
    num = malloc((nr ? nr : 1) * (dn ? dn : 1) * sizeof *num);
    center = malloc((dn ? dn : 1) * sizeof *center);
    scale = malloc((dn ? dn : 1) * sizeof *scale);
    median = malloc((dn ? dn : 1) * sizeof *median);
    rc = num && center && scale && median ? SEG_OK : SEG_ERR_NOMEM;
    if ((rc = seg_mpi_agree_text(MPI_COMM_WORLD, rc, "out of memory")) < 0)
        goto fail;
    for (size_t j = 0, k = 0; j < nc; j++) {
        if (kind[j] != ID_NONE)
            continue;
        if (seg_dataset_column_type(ds, j) == SEG_COLUMN_NUMERIC) {
            /* --log1p: the scaler works on sign(x) log(1 + |x|) */
            const bool lg = list_contains(so->log1p, seg_dataset_column_name(ds, j));
            for (size_t i = 0; i < nr; i++) {
                double v = NAN;
                seg_dataset_get_f64(ds, i, j, &v);
                num[i * dn + k] = lg ? copysign(log1p(fabs(v)), v) : v;
            }
            k++;
            dd++;
            continue;
        }
        rc = row_codes(ds, j, codes);
        rc = seg_mpi_agree_text(MPI_COMM_WORLD, rc, "a level not among the column's levels");
        if (rc == SEG_OK) {
            rc = plan_categorical(ds, j, codes, n_all, so->impute_mode, so->drop_first, &plans[j],
                                  why, len);
            rc = lib_failure(rc, why, "fitting the scaler", stage, why, len);
        }
        if (rc < 0)
            goto fail;
        dd += plans[j].n_out;
    }
    /* Missing numbers (NaN) take the column's median, agreed exactly over
     * the ranks, before or after the scaling statistics (--impute-order). */
    if (dn && (rc = seg_mpi_scaler_fit_missing(MPI_COMM_WORLD, method, impute_first, num, nr, dn,
                                               center, scale, median)) < 0) {
        snprintf(why, len, "%s", seg_mpi_last_error());
        goto fail;
    }

    for (size_t j = 0, k = 0; share_model && j < nc && rc == SEG_OK; j++)
        if (kind[j] == ID_NONE && seg_dataset_column_type(ds, j) == SEG_COLUMN_NUMERIC) {
            rc = csv_model_numeric(share_model, j, seg_dataset_column_name(ds, j), center[k],
                                   scale[k], median[k]);
            k++;
        }
    if ((rc = seg_mpi_agree_text(MPI_COMM_WORLD, rc, "out of memory")) < 0) {
        snprintf(why, len, "%s", seg_mpi_last_error());
        goto fail;
    }

    /* The features in the scaler's order (the columns in the file's order),
     * encoded in the fit's precision straight into the fit's shares. */
    rc = seg_mpi_share(MPI_COMM_WORLD, km, n_all, dd, f32 ? SEG_DTYPE_F32 : SEG_DTYPE_F64, first,
                       rows);
    if (rc < 0) {
        snprintf(why, len, "%s", seg_mpi_last_error());
        goto fail;
    }
    if ((rc = dest_init(&out, row0, nr, *first, *rows, dd, f32)) < 0)
        goto fail;
    /* --weight: the weights travel with the rows to the fit's shares */
    int weighted = seg_dataset_weights(ds) != NULL, all_weighted = 0;
    MPI_Allreduce(&weighted, &all_weighted, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (all_weighted && (rc = dest_weights(&out, seg_dataset_weights(ds))) < 0) {
        snprintf(why, len, "%s", seg_mpi_last_error());
        goto fail;
    }
    for (size_t j = 0, k = 0, off = 0; j < nc; j++) {
        if (kind[j] != ID_NONE)
            continue;
        if (seg_dataset_column_type(ds, j) == SEG_COLUMN_NUMERIC) {
            for (size_t i = 0; i < nr; i++)
                dest_put(&out, i, off,
                         ((isnan(num[i * dn + k]) ? median[k] : num[i * dn + k]) - center[k]) /
                             scale[k]);
            k++;
            off++;
            continue;
        }
        row_codes(ds, j, codes);
        for (size_t i = 0; i < nr; i++) {
            int32_t s = plans[j].slot[codes[i] + 1];
            if (s >= 0)
                dest_put(&out, i, off + (size_t)s, 1.0);
        }
        off += plans[j].n_out;
    }
    free(num);
    num = NULL;
    if (share_model) { /* the raw rows, for the model's profiles */
        rc = csv_model_keep(share_model, ds, row0);
        ds = NULL;
        if ((rc = seg_mpi_agree_text(MPI_COMM_WORLD, rc, "out of memory")) < 0) {
            snprintf(why, len, "%s", seg_mpi_last_error());
            goto fail;
        }
    }
    seg_dataset_free(ds);
    ds = NULL;
    if ((rc = dest_exchange(&out, R, rank, dd)) < 0) {
        snprintf(why, len, "%s", seg_mpi_last_error());
        goto fail;
    }
    *x = out.share;
    out.share = NULL;
    if (share_model && out.share_w) {
        csv_model_set_weights(share_model, out.share_w);
        out.share_w = NULL;
    }
    *n = n_all;
    *d = dd;
    rc = SEG_OK;
fail:
    for (size_t j = 0; plans && j < nc; j++)
        free(plans[j].slot);
    free(plans);
    free(kind);
    free(codes);
    free(num);
    free(center);
    free(scale);
    free(median);
    free(out.share);
    free(out.spare);
    free(out.share_w);
    free(out.spare_w);
    seg_dataset_free(ds);
    return rc;
}
