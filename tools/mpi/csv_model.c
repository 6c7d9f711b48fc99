/*
 * The record of a CSV's columns that seg-mpi segment's model needs
 * (csv_model.h). Every rank keeps the same record: the hooks are called
 * with values agreed over the ranks, so rank 0 alone can write the model.
 */
#include "mpi/csv_model.h"
#include "mpi/csv_aside.h"

#include "chain.h"
#include "cli.h"
#include "out.h"
#include <seg-mpi.h>
#include "segment/segment.h"

#include <stdlib.h>
#include <string.h>

typedef struct col_rec {
    char *name;
    int kind; /* 0: not seen, 1: numeric, 2: categorical */
    double center, scale, median;
    char **levels;
    uint64_t *counts;
    size_t m;
    uint64_t n_missing, n_rows;
} col_rec;

typedef struct aside_col {
    char *name, *reason;
    csv_aside_role role;
} aside_col;

struct csv_model {
    opts so;          /* seg segment's options (strings borrowed) */
    aside_col *aside; /* csv_aside_add(), in the order of the calls */
    size_t n_aside;
    int32_t *lab; /* csv_aside_labels(): one a row of ds */
    double *dist;
    double *w;    /* the fit share's weights (csv_model_take_weights()) */
    char **input; /* the file's column names, in order */
    size_t n_input;
    char **id_name; /* identifiers left out, with their kind */
    seg_identifier_kind *id_kind;
    size_t n_id;
    col_rec *cols; /* the dataset's columns after the drop, by index */
    size_t n_cols;
    seg_dataset *ds; /* this rank's rows (csv_model_keep), from row0 */
    size_t row0;
    bool keep_rows;
};

csv_model *csv_model_new(const opts *so, bool keep_rows)
{
    csv_model *cm = calloc(1, sizeof *cm);
    if (cm) {
        cm->keep_rows = keep_rows;
        if (so)
            cm->so = *so;
        else
            cm->so = (opts){.scale = "standard"};
    }
    return cm;
}

static void free_strings(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

void csv_model_free(csv_model *cm)
{
    if (!cm)
        return;
    for (size_t i = 0; i < cm->n_aside; i++) {
        free(cm->aside[i].name);
        free(cm->aside[i].reason);
    }
    free(cm->aside);
    free(cm->lab);
    free(cm->dist);
    free(cm->w);
    free_strings(cm->input, cm->n_input);
    free_strings(cm->id_name, cm->n_id);
    free(cm->id_kind);
    for (size_t j = 0; cm->cols && j < cm->n_cols; j++) {
        free(cm->cols[j].name);
        free_strings(cm->cols[j].levels, cm->cols[j].m);
        free(cm->cols[j].counts);
    }
    free(cm->cols);
    seg_dataset_free(cm->ds);
    free(cm);
}

/* The aside column called name, or NULL. */
static const aside_col *aside_find(const csv_model *cm, const char *name)
{
    for (size_t i = 0; cm && i < cm->n_aside; i++)
        if (strcmp(cm->aside[i].name, name) == 0)
            return &cm->aside[i];
    return NULL;
}

/* The roles, as seg segment's shape_columns() sets them (in the order of
 * the csv_aside_add() calls): the id and weight columns leave the
 * dataset's columns (the library checks them), the others are checked and
 * stay, kept aside; a column in two roles is no column the second time. */
static int take_roles(csv_model *cm, seg_dataset *ds, char *why, size_t len)
{
    int rc = SEG_OK;
    for (size_t i = 0; rc == SEG_OK && i < cm->n_aside; i++) {
        const aside_col *a = &cm->aside[i];
        size_t j;
        if (a->role == CSV_ASIDE_ID || a->role == CSV_ASIDE_WEIGHT) {
            rc = a->role == CSV_ASIDE_ID ? seg_dataset_set_id_column(ds, a->name)
                                         : seg_dataset_set_weight_column(ds, a->name);
            if (rc < 0)
                snprintf(why, len, "%s", seg_last_error());
            continue;
        }
        int again = -1; /* the role it had before, or -1 */
        for (size_t q = 0; q < i; q++)
            if (strcmp(cm->aside[q].name, a->name) == 0)
                again = (int)cm->aside[q].role;
        if (again == CSV_ASIDE_DESCRIBE && a->role == CSV_ASIDE_DESCRIBE) {
            snprintf(why, len, "column '%s' is described already", a->name);
            rc = SEG_ERR_STATE;
        } else if (again >= 0 || (a->role != CSV_ASIDE_KEEP && /* a KEEP column's reader */
                                  seg_dataset_column_index(ds, a->name, &j) < 0)) { /* says */
            snprintf(why, len, "no column named '%s'%s", a->name,
                     a->role == CSV_ASIDE_DESCRIBE ? " to describe" : "");
            rc = SEG_ERR_NOT_FOUND;
        }
    }
    return rc;
}

int csv_model_read(csv_model *cm, seg_dataset *ds, char *why, size_t len)
{
    const size_t nc = seg_dataset_columns(ds);
    why[0] = 0;
    if (!(cm->input = calloc(nc ? nc : 1, sizeof *cm->input)))
        return SEG_ERR_NOMEM;
    for (; cm->n_input < nc; cm->n_input++)
        if (!(cm->input[cm->n_input] = strdup(seg_dataset_column_name(ds, cm->n_input))))
            return SEG_ERR_NOMEM;
    int rc = take_roles(cm, ds, why, len);
    if (rc < 0)
        return rc;
    /* A described column has left seg segment's features before --drop:
     * no column of that name to drop. */
    size_t n = 0;
    char **v = cm->so.drop ? split_list(cm->so.drop, &n) : NULL;
    if (cm->so.drop && !v)
        return SEG_ERR_NOMEM;
    for (size_t i = 0; i < n && rc == SEG_OK; i++) {
        const aside_col *a = aside_find(cm, v[i]);
        if (a && a->role == CSV_ASIDE_DESCRIBE) {
            snprintf(why, len, "no column named '%s'", v[i]);
            rc = SEG_ERR_NOT_FOUND;
        }
    }
    free(v);
    if (rc < 0)
        return rc;
    /* --drop, --columns as seg segment applies them (a column in a role
     * is satisfied or keeps its role); the aside columns still in ds stay */
    const char **aside = malloc((cm->n_aside + 1) * sizeof *aside);
    size_t na = 0;
    if (!aside)
        return SEG_ERR_NOMEM;
    for (size_t i = 0; i < cm->n_aside; i++) {
        size_t j; /* described and yes/no columns (the id and weights have left) */
        if (cm->aside[i].role != CSV_ASIDE_ID && cm->aside[i].role != CSV_ASIDE_WEIGHT &&
            seg_dataset_column_index(ds, cm->aside[i].name, &j) == SEG_OK)
            aside[na++] = cm->aside[i].name;
    }
    rc = segment_select_columns(&cm->so, ds, aside, na);
    free(aside);
    if (rc != 0)
        return rc;
    cm->n_cols = seg_dataset_columns(ds);
    return (cm->cols = calloc(cm->n_cols ? cm->n_cols : 1, sizeof *cm->cols)) ? SEG_OK
                                                                              : SEG_ERR_NOMEM;
}

int csv_model_identifier(csv_model *cm, const char *name, seg_identifier_kind kind)
{
    char **nv = realloc(cm->id_name, (cm->n_id + 1) * sizeof *nv);
    if (!nv)
        return SEG_ERR_NOMEM;
    cm->id_name = nv;
    seg_identifier_kind *kv = realloc(cm->id_kind, (cm->n_id + 1) * sizeof *kv);
    if (!kv)
        return SEG_ERR_NOMEM;
    cm->id_kind = kv;
    if (!(cm->id_name[cm->n_id] = strdup(name)))
        return SEG_ERR_NOMEM;
    cm->id_kind[cm->n_id++] = kind;
    return SEG_OK;
}

int csv_model_levels(csv_model *cm, size_t j, const char *name, const char *const *levels,
                     const uint64_t *counts, size_t m, uint64_t n_missing, uint64_t n_rows)
{
    if (j >= cm->n_cols)
        return SEG_ERR_INVALID_ARG;
    col_rec *c = &cm->cols[j];
    if (!(c->name = strdup(name)) || !(c->levels = calloc(m ? m : 1, sizeof *c->levels)) ||
        !(c->counts = malloc((m ? m : 1) * sizeof *c->counts)))
        return SEG_ERR_NOMEM;
    for (; c->m < m; c->m++) {
        if (!(c->levels[c->m] = strdup(levels[c->m])))
            return SEG_ERR_NOMEM;
        c->counts[c->m] = counts[c->m];
    }
    c->kind = 2;
    c->n_missing = n_missing;
    c->n_rows = n_rows;
    return SEG_OK;
}

int csv_model_numeric(csv_model *cm, size_t j, const char *name, double center, double scale,
                      double median)
{
    if (j >= cm->n_cols)
        return SEG_ERR_INVALID_ARG;
    col_rec *c = &cm->cols[j];
    if (!(c->name = strdup(name)))
        return SEG_ERR_NOMEM;
    c->kind = 1;
    c->center = center;
    c->scale = scale;
    c->median = median;
    return SEG_OK;
}

int csv_model_scaler(const csv_model *cm, seg_scaler **out)
{
    seg_scaler *sc = NULL;
    /* seg segment's scaler and its settings (the model's PREP section
     * records them), the columns appended with what the ranks agreed */
    int rc = segment_scaler_new(&cm->so, &sc);
    for (size_t j = 0; rc == SEG_OK && j < cm->n_cols; j++) {
        const col_rec *c = &cm->cols[j];
        if (c->kind == 1)
            rc = seg_scaler_append_numeric(sc, c->name, c->center, c->scale, c->median);
        else if (c->kind == 2)
            rc = seg_scaler_append_levels(sc, c->name, (const char *const *)c->levels, c->counts,
                                          c->m, c->n_missing, c->n_rows);
    }
    if (rc < 0) {
        seg_scaler_free(sc);
        sc = NULL;
    }
    *out = sc;
    return rc;
}

int csv_model_apply(const csv_model *cm, seg_model *m)
{
    seg_scaler *sc = NULL;
    int rc = csv_model_scaler(cm, &sc);
    if (rc == SEG_OK)
        rc = seg_model_set_scaler(m, sc);
    /* The input columns the model does not encode, in the file's order,
     * with seg segment's reasons (its own record_left_out(): the roles'
     * reasons from the options, described columns are profiled). */
    left_out lo = {cm->n_id, cm->id_name, cm->id_kind};
    if (rc == SEG_OK)
        rc = record_left_out(&cm->so, &lo, cm->input, cm->n_input, m);
    seg_scaler_free(sc);
    return rc;
}

/* Whether column j of the kept dataset is a feature (not kept aside). */
static bool is_feature(const csv_model *cm, size_t j)
{
    return !aside_find(cm, seg_dataset_column_name(cm->ds, j));
}

int csv_model_keep(csv_model *cm, seg_dataset *ds, size_t row0)
{
    const bool aside = cm->n_aside > 0;
    if (!cm->keep_rows && !aside) { /* no profiles to make: the memory goes to the fit */
        seg_dataset_free(ds);
        return SEG_OK;
    }
    cm->ds = ds;
    cm->row0 = row0;
    int rc = cm->n_id ? seg_dataset_drop(ds, (const char *const *)cm->id_name, cm->n_id) : SEG_OK;
    if (rc < 0 || cm->keep_rows)
        return rc;
    /* Only the aside columns are needed (or one column, for the ids and
     * weights the dataset holds apart). */
    const size_t nc = seg_dataset_columns(ds);
    const char **keep = malloc((nc ? nc : 1) * sizeof *keep);
    size_t m = 0;
    if (!keep)
        return SEG_ERR_NOMEM;
    for (size_t j = 0; j < nc; j++)
        if (!is_feature(cm, j))
            keep[m++] = seg_dataset_column_name(ds, j);
    if (m == 0 && nc)
        keep[m++] = seg_dataset_column_name(ds, 0);
    rc = m ? seg_dataset_select(ds, keep, m) : SEG_OK;
    free(keep);
    return rc;
}

size_t csv_model_features(const csv_model *cm, size_t *idx)
{
    size_t m = 0;
    for (size_t j = 0; cm->ds && j < seg_dataset_columns(cm->ds); j++)
        if (is_feature(cm, j)) {
            if (idx)
                idx[m] = j;
            m++;
        }
    return m;
}

int csv_model_profile(csv_model *cm, seg_model *m, const int32_t *labels, size_t first, size_t rows)
{
    int rc = cm->lab ? SEG_OK : csv_aside_labels(cm, labels, NULL, first, rows);
    if (rc < 0)
        return rc;
    const size_t nc = cm->ds ? seg_dataset_columns(cm->ds) : 0;
    size_t *cols = malloc((nc + cm->n_aside + 1) * sizeof *cols), nd = 0;
    rc = seg_mpi_agree_text(MPI_COMM_WORLD, cols && cm->ds ? SEG_OK : SEG_ERR_NOMEM,
                            "out of memory for the profiles");
    if (rc < 0) {
        free(cols);
        return rc;
    }
    /* the features in the file's order, then the described columns in the
     * order --describe names them, as seg_profile_compute() */
    size_t nf = csv_model_features(cm, cols);
    for (size_t i = 0; i < cm->n_aside; i++)
        if (cm->aside[i].role == CSV_ASIDE_DESCRIBE &&
            seg_dataset_column_index(cm->ds, cm->aside[i].name, &cols[nf + nd]) == SEG_OK)
            nd++;
    rc = seg_mpi_model_profile_columns(MPI_COMM_WORLD, m, cm->ds, cm->lab, cols, nf + nd, nd);
    free(cols);
    return rc;
}

seg_dataset *csv_model_report_dataset(csv_model *cm)
{
    seg_dataset *ds = cm->ds;
    for (size_t i = 0; ds && i < cm->n_aside; i++) {
        const aside_col *a = &cm->aside[i];
        size_t j;
        if (seg_dataset_column_index(ds, a->name, &j) < 0)
            continue;
        if (a->role == CSV_ASIDE_DESCRIBE
                ? seg_dataset_set_described_column(ds, a->name) < 0
                : seg_dataset_drop(ds, (const char *const *)&a->name, 1) < 0)
            return NULL;
    }
    return ds;
}

/* ---- columns kept aside (csv_aside.h) ----------------------------------- */

int csv_aside_add(csv_model *cm, const char *name, csv_aside_role role, const char *reason)
{
    aside_col *v = realloc(cm->aside, (cm->n_aside + 1) * sizeof *v);
    if (!v)
        return SEG_ERR_NOMEM;
    cm->aside = v;
    aside_col *a = &v[cm->n_aside];
    *a = (aside_col){strdup(name), reason ? strdup(reason) : NULL, role};
    if (!a->name || (reason && !a->reason)) {
        free(a->name);
        free(a->reason);
        return SEG_ERR_NOMEM;
    }
    cm->n_aside++;
    return SEG_OK;
}

bool csv_aside_has(const csv_model *cm, const char *name)
{
    return aside_find(cm, name) != NULL;
}

const char *csv_aside_name(const csv_model *cm, csv_aside_role role)
{
    for (size_t i = 0; cm && i < cm->n_aside; i++)
        if (cm->aside[i].role == role)
            return cm->aside[i].name;
    return NULL;
}

int csv_aside_labels(csv_model *cm, const int32_t *labels, const double *dist, size_t first,
                     size_t rows)
{
    int R = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &R);
    const size_t nr = cm->ds ? seg_dataset_rows(cm->ds) : 0;
    uint64_t mine[4] = {first, rows, cm->row0, nr};
    uint64_t *all = malloc((size_t)R * sizeof mine);
    int *sc = malloc(4 * (size_t)R * sizeof *sc), *sd = sc + R, *rc_ = sc + 2 * R, *rd = sc + 3 * R;
    int32_t *lab = malloc((nr ? nr : 1) * sizeof *lab);
    double *dd = dist ? malloc((nr ? nr : 1) * sizeof *dd) : NULL;
    int rc = all && sc && lab && (!dist || dd) && rows <= INT32_MAX && nr <= INT32_MAX
                 ? SEG_OK
                 : SEG_ERR_NOMEM;
    if ((rc = seg_mpi_agree_text(MPI_COMM_WORLD, rc, "out of memory for the labels")) < 0)
        goto done;
    /* whether every rank sends distances: all or none */
    int with = dist != NULL, all_with = 0;
    MPI_Allreduce(&with, &all_with, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    MPI_Allgather(mine, 4, MPI_UINT64_T, all, 4, MPI_UINT64_T, MPI_COMM_WORLD);
    for (int r = 0; r < R; r++) {
        const uint64_t *a = all + 4 * r;
        /* to r: my fit rows within r's CSV rows */
        uint64_t lo = first > a[2] ? first : a[2];
        uint64_t hi = first + rows < a[2] + a[3] ? first + rows : a[2] + a[3];
        sc[r] = hi > lo ? (int)(hi - lo) : 0;
        sd[r] = hi > lo ? (int)(lo - first) : 0;
        /* from r: r's fit rows within my CSV rows */
        lo = a[0] > cm->row0 ? a[0] : cm->row0;
        hi = a[0] + a[1] < cm->row0 + nr ? a[0] + a[1] : cm->row0 + nr;
        rc_[r] = hi > lo ? (int)(hi - lo) : 0;
        rd[r] = hi > lo ? (int)(lo - cm->row0) : 0;
    }
    MPI_Alltoallv(labels, sc, sd, MPI_INT32_T, lab, rc_, rd, MPI_INT32_T, MPI_COMM_WORLD);
    if (all_with)
        MPI_Alltoallv(dist, sc, sd, MPI_DOUBLE, dd, rc_, rd, MPI_DOUBLE, MPI_COMM_WORLD);
    free(cm->lab);
    free(cm->dist);
    cm->lab = lab;
    cm->dist = all_with ? dd : NULL;
    lab = NULL;
    if (all_with)
        dd = NULL;
done:
    free(all);
    free(sc);
    free(lab);
    free(dd);
    return rc;
}

const seg_dataset *csv_aside_dataset(const csv_model *cm)
{
    return cm->ds;
}

size_t csv_aside_row0(const csv_model *cm)
{
    return cm->row0;
}

const int32_t *csv_aside_row_labels(const csv_model *cm)
{
    return cm->lab;
}

const double *csv_aside_row_distances(const csv_model *cm)
{
    return cm->dist;
}

int csv_aside_column(const csv_model *cm, const char *name, size_t *j)
{
    return cm->ds && seg_dataset_column_index(cm->ds, name, j) == SEG_OK ? SEG_OK
                                                                         : SEG_ERR_NOT_FOUND;
}

int csv_aside_chain_in(double *buf, size_t len, int tag)
{
    return seg_mpi_chain_in(MPI_COMM_WORLD, buf, len, tag);
}

int csv_aside_chain_out(double *buf, size_t len, int tag)
{
    return seg_mpi_chain_out(MPI_COMM_WORLD, buf, len, tag);
}

void csv_model_set_weights(csv_model *cm, double *w)
{
    free(cm->w);
    cm->w = w;
}

const double *csv_model_weights(const csv_model *cm)
{
    return cm ? cm->w : NULL;
}

uint64_t csv_model_min_count(const csv_model *cm)
{
    return (uint64_t)cm->so.min_segment_size;
}

const seg_dataset *csv_model_dataset(const csv_model *cm)
{
    return cm->ds;
}

size_t csv_model_levels_seen(const csv_model *cm, const char *name)
{
    for (size_t j = 0; j < cm->n_cols; j++)
        if (cm->cols[j].kind == 2 && strcmp(cm->cols[j].name, name) == 0)
            return cm->cols[j].m;
    return 0;
}

size_t csv_model_identifiers(const csv_model *cm, char ***names, seg_identifier_kind **kinds)
{
    *names = cm->id_name;
    *kinds = cm->id_kind;
    return cm->n_id;
}
