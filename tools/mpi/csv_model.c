/*
 * The record of a CSV's columns that seg-mpi segment's model needs
 * (csv_model.h). Every rank keeps the same record: the hooks are called
 * with values agreed over the ranks, so rank 0 alone can write the model.
 */
#include "mpi/csv_model.h"

#include "cli.h"
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

struct csv_model {
    opts so; /* seg segment's options (strings borrowed) */
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

int csv_model_read(csv_model *cm, seg_dataset *ds)
{
    const size_t nc = seg_dataset_columns(ds);
    if (!(cm->input = calloc(nc ? nc : 1, sizeof *cm->input)))
        return SEG_ERR_NOMEM;
    for (; cm->n_input < nc; cm->n_input++)
        if (!(cm->input[cm->n_input] = strdup(seg_dataset_column_name(ds, cm->n_input))))
            return SEG_ERR_NOMEM;
    int rc = segment_select_columns(&cm->so, ds); /* --drop, --columns */
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
     * with seg segment's reasons (its own record_left_out()). */
    left_out lo = {cm->n_id, cm->id_name, cm->id_kind};
    if (rc == SEG_OK)
        rc = record_left_out(&cm->so, &lo, cm->input, cm->n_input, m);
    seg_scaler_free(sc);
    return rc;
}

int csv_model_keep(csv_model *cm, seg_dataset *ds, size_t row0)
{
    if (!cm->keep_rows) { /* no profiles to make: the memory goes to the fit */
        seg_dataset_free(ds);
        return SEG_OK;
    }
    cm->ds = ds;
    cm->row0 = row0;
    return cm->n_id ? seg_dataset_drop(ds, (const char *const *)cm->id_name, cm->n_id) : SEG_OK;
}

int csv_model_profile(csv_model *cm, seg_model *m, const int32_t *labels, size_t first,
                      size_t rows)
{
    int R = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &R);
    const size_t nr = cm->ds ? seg_dataset_rows(cm->ds) : 0;
    uint64_t mine[4] = {first, rows, cm->row0, nr};
    uint64_t *all = malloc((size_t)R * sizeof mine);
    int *sc = malloc(4 * (size_t)R * sizeof *sc), *sd = sc + R, *rc_ = sc + 2 * R,
        *rd = sc + 3 * R;
    int32_t *lab = malloc((nr ? nr : 1) * sizeof *lab);
    int rc = all && sc && lab && cm->ds ? SEG_OK : SEG_ERR_NOMEM;
    if ((rc = seg_mpi_agree_text(MPI_COMM_WORLD, rc, "out of memory for the profiles")) < 0)
        goto done;
    MPI_Allgather(mine, 4, MPI_UINT64_T, all, 4, MPI_UINT64_T, MPI_COMM_WORLD);
    for (int r = 0; r < R; r++) {
        const uint64_t *a = all + 4 * r;
        /* to r: my fit rows within r's dataset rows */
        uint64_t lo = first > a[2] ? first : a[2];
        uint64_t hi = first + rows < a[2] + a[3] ? first + rows : a[2] + a[3];
        sc[r] = hi > lo ? (int)(hi - lo) : 0;
        sd[r] = hi > lo ? (int)(lo - first) : 0;
        /* from r: r's fit rows within my dataset rows */
        lo = a[0] > cm->row0 ? a[0] : cm->row0;
        hi = a[0] + a[1] < cm->row0 + nr ? a[0] + a[1] : cm->row0 + nr;
        rc_[r] = hi > lo ? (int)(hi - lo) : 0;
        rd[r] = hi > lo ? (int)(lo - cm->row0) : 0;
    }
    MPI_Alltoallv(labels, sc, sd, MPI_INT32_T, lab, rc_, rd, MPI_INT32_T, MPI_COMM_WORLD);
    rc = seg_mpi_model_profile(MPI_COMM_WORLD, m, cm->ds, lab);
done:
    free(all);
    free(sc);
    free(lab);
    return rc;
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
