/*
 * seg-mpi: `seg segment` over MPI ranks (docs/mpi.md), run as
 *
 *     mpirun -n R seg-mpi segment FILE.npy --k K [options]
 *
 * Each rank reads only its share of the rows of FILE.npy (seg_mpi_share():
 * whole row partitions of the fit, so the fit gives the single-process bits),
 * the ranks fit k-means together (libseg-mpi), and rank 0 writes the summary,
 * the model, the report (report_mpi.c) and the assignments, in row order,
 * receiving the other ranks' lines one rank at a time. Every failure is agreed over the ranks: all
 * exit with the same status, and rank 0 prints the one message.
 *
 * It reuses the seg tool's option parser and messages (cli.c) and its
 * all-or-nothing outputs (output.c); the rows' reader is its own, as the
 * library reads a .npy whole.
 */
#include "cli.h"
#include "out.h"
#include "output.h"

#include <seg-mpi.h>
#include "mpi/csv_share.h"
#include "mpi/sweep.h"
#include "mpi/csv_model.h"
#include "mpi/csv_aside.h"
#include "mpi/report_mpi.h"
#include "mpi/npy_model.h"
#include "mpi/csv_options.h"
#include "mpi/serial_only.h"
#include "mpi/fair_mpi.h"
#include "mpi/campaign_mpi.h"
#include "mpi/summary_mpi.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct mopts {
    const char *file, *k, *init, *seed, *n_init, *max_iter, *tol, *dtype, *scale, *threads;
    const char *impute_order;           /* --impute-order (CSV input) */
    const char *algorithm;              /* --algorithm, as seg segment's */
    const char *drop;                   /* --drop (CSV input) */
    mpi_csv_opts csv;                   /* seg segment's CSV options (csv_options.h) */
    const char *id, *describe, *weight; /* the columns' roles (CSV input, csv_aside.h) */
    mpi_serial_only serial;             /* seg segment's, refused (serial_only.h) */
    const char *model, *assignments;
    const char *features; /* --features FILE.npy|FILE.csv */
    const char *report;   /* --report (tools/mpi/report_mpi.c) */
    const char *id_key;   /* --pseudonymize-key */
    /* CSV: the fairness report's columns (fair_mpi.c) */
    const char *protected_cols, *protected_bins, *opt_out;
    bool json, quiet;
    bool mpi_stats;       /* --mpi-stats (summary_mpi.h) */
    mpi_sweep_opts sweep; /* without --k (tools/mpi/sweep.c) */
    mpi_campaign camp;    /* --target ... (tools/mpi/campaign_mpi.c) */
} mopts;

static const cli_opt mpi_segment_opts[] = {
    {.name = "k",
     .alias = 'k',
     .value = "K",
     .help = "number of segments (default: chosen by a sweep, as seg segment)",
     .section = "Fit (as seg segment)",
     .field = CLI_TEXT(mopts, k)},
    {.name = "init",
     .value = "kmeans++|kmeans|||random|FILE.npy",
     .help = "start: k-means++ (default), k-means|| (the same for any number of ranks), "
             "random rows or the centroids in FILE.npy",
     .field = CLI_TEXT(mopts, init)},
    {.name = "seed",
     .value = "S",
     .help = "random seed (default 0)",
     .field = CLI_TEXT(mopts, seed)},
    {.name = "n-init",
     .value = "N",
     .help = "runs from different starts (default 1)",
     .field = CLI_TEXT(mopts, n_init)},
    {.name = "max-iter",
     .value = "N",
     .help = "most iterations (default 300)",
     .field = CLI_TEXT(mopts, max_iter)},
    {.name = "tol",
     .value = "X",
     .help = "relative tolerance (default 1e-4)",
     .field = CLI_TEXT(mopts, tol)},
    {.name = "dtype",
     .value = "f32|f64",
     .help = "precision (default f64)",
     .field = CLI_TEXT(mopts, dtype)},
    {.name = "algorithm",
     .value = "A",
     .help = "lloyd|hamerly|elkan|yinyang|auto, same result (default auto; auto is "
             "decided on all rows, the same on every rank)",
     .field = CLI_TEXT(mopts, algorithm)},
    {.name = "threads",
     .value = "N",
     .help = "library threads per rank (default 0: all cores)",
     .field = CLI_TEXT(mopts, threads)},
    {.name = "scale",
     .value = "standard|minmax|robust|none",
     .help = "as seg segment (default standard)",
     .field = CLI_TEXT(mopts, scale)},
    {.name = "impute-order",
     .value = "impute-first|scale-first",
     .help = "CSV: missing numbers take the column's median before (default) or after "
             "the scaling statistics, as seg segment",
     .field = CLI_TEXT(mopts, impute_order)},
    {.name = "drop",
     .value = "COLS",
     .help = "CSV: leave these comma-separated columns out, as seg segment --drop",
     .field = CLI_TEXT(mopts, drop)},
    MPI_CSV_OPTIONS(mopts, csv),
    /* clang-format off: the columns' roles, one entry a line or two */
    {.name = "id",
     .value = "COL",
     .help = "CSV: the row id, kept aside, never a feature; the "
             "assignments' first column (as seg segment)",
     .section = "Columns' roles (CSV, as seg segment)",
     .field = CLI_TEXT(mopts, id)},
    {.name = "describe", .value = "COL[,COL]", .help = "CSV: profiled per segment, never "
     "clustered", .field = CLI_TEXT(mopts, describe)},
    {.name = "weight", .value = "COL", .help = "CSV: numeric customer weights (> 0), moved with "
     "the rows (fit, sweep, profiles, quality measures)", .field = CLI_TEXT(mopts, weight)},
    {.name = "protected", .value = "COL[,COL]", .section = "Fairness (CSV, as seg segment)",
     .help = "never clustered; the fairness report per segment and group (with --target: "
             "selection rates, adverse impact ratio, Fisher tests)",
     .field = CLI_TEXT(mopts, protected_cols)},
    {.name = "protected-bins", .value = "COL=E1,E2,...[;COL=...]",
     .help = "numeric protected column's bins (default: its quartiles; at most 10 "
             "distinct values: one group each)",
     .field = CLI_TEXT(mopts, protected_bins)},
    {.name = "opt-out", .value = "COL", .help = "yes/no column: opted out, in no plan count",
     .field = CLI_TEXT(mopts, opt_out)},
    /* clang-format on */
    /* the campaign (campaign_mpi.c), one entry a line or two */
    /* clang-format off */
    {.name = "target", .value = "COL", .help = "CSV: yes/no outcome, kept aside, never a feature: "
     "conversion, lift, plan per segment", .section = "Campaign and privacy (as seg segment)",
     .field = CLI_TEXT(mopts, camp.target)},
    {.name = "control", .value = "COL", .help = "CSV: yes/no, 1 = held out of the campaign "
     "(uplift)", .field = CLI_TEXT(mopts, camp.control)},
    {.name = "cost-per-contact", .value = "C", .help = "with --revenue-per-conversion: ROI, the "
     "most profitable plan step", .field = CLI_TEXT(mopts, camp.cost)},
    {.name = "revenue-per-conversion", .value = "R", .help = "with --cost-per-contact",
     .field = CLI_TEXT(mopts, camp.revenue)},
    {.name = "min-segment-size", .value = "N", .help = "profiles of smaller segments withheld, "
     "their figures pooled, rarer levels '(other)'", .field = CLI_TEXT(mopts, camp.min_size)},
    /* clang-format on */
    {.name = "k-min",
     .value = "A",
     .help = "smallest k of the sweep (default 2)",
     .section = "Choosing k (without --k, as seg segment)",
     .field = CLI_TEXT(mopts, sweep.k_min)},
    {.name = "k-max",
     .value = "B",
     .help = "largest k of the sweep (default 10)",
     .field = CLI_TEXT(mopts, sweep.k_max)},
    {.name = "silhouette-sample",
     .value = "N",
     .help = "rows for the silhouette (default 10000; 0 = all, gathered on every rank)",
     .field = CLI_TEXT(mopts, sweep.silhouette_sample)},
    {.name = "stability-resamples",
     .value = "N",
     .help = "80 % subsamples refitted per k (default 5; 0 = off)",
     .field = CLI_TEXT(mopts, sweep.stability_resamples)},
    {.name = "model",
     .alias = 'o',
     .value = "FILE",
     .help = "write the model (seg predict reads it)",
     .section = "Outputs (rank 0 writes them)",
     .field = CLI_TEXT(mopts, model)},
    {.name = "assignments",
     .value = "FILE.csv",
     .help = "id,segment,distance per row, in row order",
     .field = CLI_TEXT(mopts, assignments)},
    {.name = "features",
     .value = "FILE",
     .help = "the encoded, scaled matrix (.npy or .csv by extension), in row order",
     .field = CLI_TEXT(mopts, features)},
    {.name = "report",
     .value = "FILE.html",
     .help = "seg segment's HTML report, byte for byte",
     .field = CLI_TEXT(mopts, report)},
    {.name = "json", .help = "the summary as JSON", .field = CLI_FLAG(mopts, json)},
    {.name = "quiet", .alias = 'q', .help = "no notes on stderr", .field = CLI_FLAG(mopts, quiet)},
    {.name = "mpi-stats",
     .help = "also the run's ranks, wall and fit seconds, and peak memory and fit CPU seconds "
             "per rank, as one JSON line on stderr",
     .field = CLI_FLAG(mopts, mpi_stats)},
    {.name = "pseudonymize-key",
     .value = "FILE",
     .help = "as seg segment: ids as keyed pseudonyms (a .npy's ids are row numbers, "
             "written as they are, as seg segment writes them); the key is checked",
     .field = CLI_TEXT(mopts, id_key)},
    MPI_SERIAL_ONLY_OPTIONS(mopts, serial),
    CLI_OPT_HELP,
    {0},
};

static const cli_command mpi_segment_command = {
    .name = "segment",
    .summary = "segment the rows of a .npy or CSV file over MPI ranks",
    .synopsis = "FILE.npy|FILE.csv [options]",
    .description = "Run under mpirun: each rank reads its share of the rows, the ranks fit "
                   "k-means together, and the result is the single-process seg segment's "
                   "bit for bit, for any number of ranks. Without --k, k is chosen by seg "
                   "segment's sweep (the same table, chosen k and runner-up), then fitted.",
    .opts = mpi_segment_opts,
    .operands = {CLI_TEXT(mopts, file), 0},
};

static int rank, ranks;

/* The header of a 2-D C-order little-endian float .npy: rows, columns,
 * element size and where the data start. 0, or a seg_status with the
 * reason in *why. */
static int npy_header(FILE *f, const char *path, size_t *n, size_t *d, size_t *elem, long *data,
                      char *why, size_t len)
{
    unsigned char pre[10];
    if (fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6) != 0) {
        snprintf(why, len, "%s: not a .npy file", path);
        return SEG_ERR_PARSE;
    }
    size_t hlen = pre[8] | (size_t)pre[9] << 8, skip = 10;
    if (pre[6] >= 2) {
        unsigned char more[2];
        if (fread(more, 1, 2, f) != 2) {
            snprintf(why, len, "%s: truncated header", path);
            return SEG_ERR_PARSE;
        }
        hlen |= (size_t)more[0] << 16 | (size_t)more[1] << 24;
        skip = 12;
    }
    char *h = hlen < 1 << 20 ? malloc(hlen + 1) : NULL;
    if (!h || fread(h, 1, hlen, f) != hlen) {
        free(h);
        snprintf(why, len, "%s: truncated header", path);
        return SEG_ERR_PARSE;
    }
    h[hlen] = 0;
    int rc = SEG_OK;
    unsigned long long a = 0, b = 0;
    const char *shape = strstr(h, "'shape':");
    if (strstr(h, "'<f4'"))
        *elem = 4;
    else if (strstr(h, "'<f8'"))
        *elem = 8;
    else
        rc = SEG_ERR_TYPE;
    if (rc == SEG_OK && !strstr(h, "'fortran_order': False"))
        rc = SEG_ERR_TYPE;
    if (rc == SEG_OK && (!shape || sscanf(shape, "'shape': (%llu, %llu)", &a, &b) != 2))
        rc = SEG_ERR_TYPE;
    free(h);
    if (rc < 0) {
        snprintf(why, len, "%s: seg-mpi reads 2-D C-order little-endian float32/float64 .npy",
                 path);
        return rc;
    }
    if (b == 0 || b > 1000000 || a == 0 || a > SIZE_MAX / 8 / b) {
        snprintf(why, len,
                 "%s: a shape of (%llu, %llu) rows and columns is out of range (1 to "
                 "1,000,000 columns, some rows, n x d x 8 bytes within size_t)",
                 path, a, b);
        return SEG_ERR_LIMIT;
    }
    *n = (size_t)a;
    *d = (size_t)b;
    *data = (long)(skip + hlen);
    return SEG_OK;
}

/* Rows [first, first + rows) of the file, as f32 or f64: read straight into
 * the matrix when the file has that precision (no second copy), else a
 * block at a time through a small buffer. */
static int npy_rows(FILE *f, const char *path, long data, size_t d, size_t elem, size_t first,
                    size_t rows, bool f32, void **out, char *why, size_t len)
{
    const size_t count = rows * d, want = f32 ? sizeof(float) : sizeof(double);
    const size_t step = 65536;
    void *x = malloc(count * want + 1);
    void *raw = elem == want ? NULL : malloc(step * elem);
    if (!x || (elem != want && !raw)) {
        free(raw);
        free(x);
        snprintf(why, len, "out of memory for %zu rows", rows);
        return SEG_ERR_NOMEM;
    }
    bool ok = fseeko(f, (off_t)data + (off_t)(first * d * elem), SEEK_SET) == 0;
    if (ok && elem == want)
        ok = fread(x, elem, count, f) == count;
    for (size_t at = 0; ok && elem != want && at < count; at += step) {
        const size_t m = count - at < step ? count - at : step;
        ok = fread(raw, elem, m, f) == m;
        for (size_t i = 0; ok && i < m; i++) {
            double v = elem == 4 ? (double)((const float *)raw)[i] : ((const double *)raw)[i];
            if (f32)
                ((float *)x)[at + i] = (float)v;
            else
                ((double *)x)[at + i] = v;
        }
    }
    free(raw);
    if (!ok) {
        free(x);
        snprintf(why, len, "%s: cannot read rows %zu to %zu (%s)", path, first + 1, first + rows,
                 ferror(f) ? strerror(errno) : "the file is shorter than its header says");
        return SEG_ERR_IO;
    }
    *out = x;
    return SEG_OK;
}

/* The scaling (seg segment's default for a .npy: standard). */
static seg_scale_method scale_of(const mopts *o)
{
    if (!o->scale || strcmp(o->scale, "standard") == 0)
        return SEG_SCALE_STANDARD;
    if (strcmp(o->scale, "robust") == 0)
        return SEG_SCALE_ROBUST;
    return strcmp(o->scale, "minmax") == 0 ? SEG_SCALE_MINMAX : SEG_SCALE_NONE;
}

/* Scale this rank's rows (doubles, x64) with the scaler agreed over the
 * ranks, into the fit's precision: (x - center) / scale in double, then
 * rounded to float for f32, as seg_scaler_transform_f32() does. x64 is
 * freed; *out the scaled rows. */
static int scale_rows(const mopts *o, double *x64, size_t rows, size_t d, bool f32, void **out,
                      double **keep, char *why, size_t len)
{
    double *c = malloc(d * sizeof *c), *s = malloc(d * sizeof *s);
    double *md = malloc(d * sizeof *md);
    float *x32 = f32 ? malloc(rows * d * sizeof *x32 + 1) : NULL;
    int rc = c && s && md && (!f32 || x32) ? SEG_OK : SEG_ERR_NOMEM;
    rc = seg_mpi_agree_text(MPI_COMM_WORLD, rc, "out of memory for the scaled rows");
    if (rc == SEG_OK)
        rc = seg_mpi_scaler_fit(MPI_COMM_WORLD, scale_of(o), x64, rows, d, c, s);
    /* the model's imputation value, as seg segment's scaler keeps it */
    if (rc == SEG_OK && md)
        rc = seg_mpi_median(MPI_COMM_WORLD, x64, rows, d, md);
    if (rc < 0)
        snprintf(why, len, "%s", seg_mpi_last_error());
    for (size_t i = 0; rc == SEG_OK && i < rows; i++)
        for (size_t j = 0; j < d; j++) {
            const double v = (x64[i * d + j] - c[j]) / s[j];
            if (f32)
                x32[i * d + j] = (float)v;
            else
                x64[i * d + j] = v;
        }
    if (rc == SEG_OK) { /* the center, scale and median, for the model */
        keep[0] = c;
        keep[1] = s;
        keep[2] = md;
        c = s = md = NULL;
    }
    free(c);
    free(s);
    free(md);
    if (rc < 0 || f32) {
        free(x64);
        x64 = NULL;
    }
    if (rc < 0) {
        free(x32);
        return rc;
    }
    *out = f32 ? (void *)x32 : (void *)x64;
    return SEG_OK;
}

/* Settings of the fit from the options, as seg segment sets them. */
static int configure(const mopts *o, seg_kmeans *km, char *why, size_t len)
{
    int64_t v;
    double t;
    int rc = mpi_serial_only_check(&o->serial, why, len);
    if (rc != 0)
        return rc;
#define OPT_INT(text, lo, hi, param, say)                                                          \
    if (rc == SEG_OK && (text)) {                                                                  \
        if (!parse_int((text), (lo), (hi), &v)) {                                                  \
            snprintf(why, len, "%s, not '%s'", (say), (text));                                     \
            return USAGE_CONFLICT;                                                                 \
        }                                                                                          \
        rc = seg_kmeans_set_int(km, param, v);                                                     \
    }
    /* seg segment's messages (cmd_segment.c) */
    OPT_INT(o->k, 1, 1000000, SEG_KMEANS_K, "--k takes a whole number from 1 to 1000000")
    OPT_INT(o->seed, INT64_MIN, INT64_MAX, SEG_KMEANS_SEED, "--seed takes a whole number")
    OPT_INT(o->n_init, 1, 1000000, SEG_KMEANS_N_INIT, "--n-init takes a whole number >= 1")
    OPT_INT(o->max_iter, 1, 1000000000, SEG_KMEANS_MAX_ITER, "--max-iter takes a whole number >= 1")
    OPT_INT(o->threads, 0, 4096, SEG_KMEANS_THREADS,
            "--threads takes a whole number from 0 to 4096")
#undef OPT_INT
    /* with --k too: the model's silhouette is measured on this sample */
    if (rc == SEG_OK && o->sweep.silhouette_sample &&
        !parse_int(o->sweep.silhouette_sample, 0, INT64_MAX, &v)) {
        snprintf(why, len, "--silhouette-sample takes a whole number >= 0, not '%s'",
                 o->sweep.silhouette_sample);
        return USAGE_CONFLICT;
    }
    if (rc == SEG_OK && o->tol) {
        if (!parse_real(o->tol, &t) || !(t >= 0)) {
            snprintf(why, len, "--tol takes a number >= 0, not '%s'", o->tol);
            return USAGE_CONFLICT;
        }
        rc = seg_kmeans_set_double(km, SEG_KMEANS_TOL, t);
    }
    if (rc == SEG_OK && o->algorithm) {
        static const char *const names[] = {"lloyd", "hamerly", "elkan", "yinyang", "auto"};
        static const int codes[] = {SEG_ALGORITHM_LLOYD, SEG_ALGORITHM_HAMERLY, SEG_ALGORITHM_ELKAN,
                                    SEG_ALGORITHM_YINYANG, SEG_ALGORITHM_AUTO};
        size_t a = 0;
        while (a < 5 && strcmp(o->algorithm, names[a]) != 0)
            a++;
        if (a == 5) {
            snprintf(why, len, "--algorithm takes lloyd, hamerly, elkan, yinyang or auto, not '%s'",
                     o->algorithm);
            return USAGE_CONFLICT;
        }
        rc = seg_kmeans_set_int(km, SEG_KMEANS_ALGORITHM, codes[a]);
    }
    if (rc == SEG_OK && o->dtype && strcmp(o->dtype, "f32") && strcmp(o->dtype, "f64")) {
        snprintf(why, len, "--dtype takes f32 or f64, not '%s'", o->dtype);
        return USAGE_CONFLICT;
    }
    if (rc == SEG_OK && o->scale && strcmp(o->scale, "none") != 0 &&
        strcmp(o->scale, "standard") != 0 && strcmp(o->scale, "minmax") != 0 &&
        strcmp(o->scale, "robust") != 0) {
        snprintf(why, len, "--scale takes standard, minmax, robust or none, not '%s'", o->scale);
        return USAGE_CONFLICT;
    }
    if (rc == SEG_OK && o->impute_order && strcmp(o->impute_order, "impute-first") != 0 &&
        strcmp(o->impute_order, "scale-first") != 0) {
        snprintf(why, len, "--impute-order takes impute-first or scale-first, not '%s'",
                 o->impute_order);
        return USAGE_CONFLICT;
    }
    const char *init = o->init ? o->init : "kmeans++";
    if (rc == SEG_OK &&
        (!strcmp(init, "kmeans++") || !strcmp(init, "random") || !strcmp(init, "kmeans||"))) {
        if (o->k && mpi_sweep_options_given(&o->sweep)) {
            snprintf(why, len, "--k fixes k; --k-min/--k-max are for the sweep");
            return USAGE_CONFLICT;
        }
        rc = seg_kmeans_set_int(km, SEG_KMEANS_INIT,
                                init[0] == 'r'              ? SEG_INIT_RANDOM
                                : !strcmp(init, "kmeans||") ? SEG_INIT_KMEANS_PARALLEL
                                                            : SEG_INIT_KMEANSPP);
    } else if (rc == SEG_OK && ends_with(init, ".npy")) {
        seg_dataset *c = NULL;
        double *buf = NULL;
        if ((rc = seg_dataset_read_npy(&c, init)) == SEG_OK) {
            size_t k = seg_dataset_rows(c), cd = seg_dataset_columns(c);
            buf = malloc(k * cd * sizeof *buf + 1);
            rc = buf ? seg_dataset_copy_f64(c, buf, k * cd) : SEG_ERR_NOMEM;
            if (rc == SEG_OK && o->k && strtoll(o->k, NULL, 10) != (long long)k) {
                snprintf(why, len, "--k %s but %s holds %zu centroids", o->k, init, k);
                rc = USAGE_CONFLICT;
            } else if (rc == SEG_OK) {
                rc = seg_kmeans_set_init_centroids_f64(km, buf, k, cd);
            }
        }
        free(buf);
        seg_dataset_free(c);
    } else if (rc == SEG_OK) {
        snprintf(why, len, "--init takes kmeans++, kmeans||, random or a FILE.npy, not '%s'", init);
        return USAGE_CONFLICT;
    }
    if (rc < 0)
        snprintf(why, len, "%s", seg_last_error());
    return rc;
}

/* Rank r's assignment lines ("row,segment,distance\n", rows from first). */
static char *format_lines(const int32_t *labels, const double *dist, size_t first, size_t rows,
                          size_t *len)
{
    size_t cap = rows * 40 + 1, used = 0;
    char *s = malloc(cap);
    for (size_t i = 0; s && i < rows; i++) {
        int w =
            snprintf(s + used, cap - used, "%zu,%d,%.9g\n", first + i + 1, (int)labels[i], dist[i]);
        if (w < 0 || (size_t)w >= cap - used) {
            free(s);
            return NULL;
        }
        used += (size_t)w;
    }
    *len = used;
    return s;
}

/* The assignment lines of this rank's CSV rows with --id: the id (its
 * keyed pseudonym with --pseudonymize-key; write_id() as seg segment's),
 * segment and distance, from the labels sent back (csv_aside_labels()). */
static char *format_id_lines(const csv_model *cm, size_t *len)
{
    const seg_dataset *ds = csv_aside_dataset(cm);
    const int32_t *lab = csv_aside_row_labels(cm);
    const double *dist = csv_aside_row_distances(cm);
    const size_t nr = ds ? seg_dataset_rows(ds) : 0;
    char *s = NULL;
    FILE *f = open_memstream(&s, len);
    if (!f)
        return NULL;
    for (size_t i = 0; i < nr; i++) {
        const char *id = seg_dataset_id(ds, i);
        write_id(f, id ? id : "");
        fprintf(f, ",%d,%.9g\n", (int)lab[i], dist[i]);
    }
    if (fclose(f) != 0 || !s) {
        free(s);
        return NULL;
    }
    return s;
}

/* This rank's rows of the matrix for --features: their raw values (a
 * .npy) or CSV lines, as write_features() writes them. */
static int feature_rows(const void *x, bool f32, size_t rows, size_t d, bool npy, char **out,
                        size_t *len)
{
    if (npy) {
        const size_t bytes = rows * d * (f32 ? sizeof(float) : sizeof(double));
        if (!(*out = malloc(bytes + 1)))
            return SEG_ERR_NOMEM;
        if (bytes)
            memcpy(*out, x, bytes);
        *len = bytes;
        return SEG_OK;
    }
    FILE *f = open_memstream(out, len);
    if (!f)
        return SEG_ERR_NOMEM;
    int bad = csv_write_rows(f, x, f32, rows, d);
    if (fclose(f) != 0 || bad) {
        free(*out);
        *out = NULL;
        return SEG_ERR_NOMEM;
    }
    return SEG_OK;
}

/* Rank 0: the head of the --features file: a .npy's header (n x d), or
 * the CSV header of the scaler's feature names (a CSV's scaler rebuilt
 * from the record; a .npy's columns x0, x1, ... not left out). */
static int feature_head(const mopts *o, const csv_model *cm, const int *idk, size_t d_all, bool f32,
                        size_t n, size_t d, bool npy, char **out, size_t *len)
{
    seg_scaler *sc = NULL;
    int rc = !npy && cm && !idk ? csv_model_scaler(cm, &sc) : SEG_OK;
    FILE *f = rc == SEG_OK ? open_memstream(out, len) : NULL;
    if (rc == SEG_OK && !f)
        rc = SEG_ERR_NOMEM;
    if (f && npy && npy_write_header(f, f32, n, d) < 0)
        rc = SEG_ERR_NOMEM;
    for (size_t j = 0, c = 0; f && !npy && rc == SEG_OK && j < (sc ? d : d_all); j++) {
        char name[32];
        if (!sc && idk[j] != SEG_IDENTIFIER_NONE)
            continue;
        snprintf(name, sizeof name, "x%zu", j);
        fputs(c++ ? "," : "", f);
        csv_field(f, sc ? seg_scaler_feature_name(sc, j) : name);
    }
    if (f && !npy)
        fputc('\n', f);
    if (f && fclose(f) != 0)
        rc = SEG_ERR_NOMEM;
    if (rc < 0 && f) {
        free(*out);
        *out = NULL;
    }
    seg_scaler_free(sc);
    (void)o;
    return rc;
}

/* Write head, then rank 0's bytes, then each other rank's, in rank order
 * (the assignments' lines, the features' rows). With f NULL the other
 * ranks' bytes are still taken, so none waits. */
static bool write_lines(FILE *f, const char *head, size_t hlen, const char *mine, size_t len)
{
    bool ok = f && fwrite(head, 1, hlen, f) == hlen && fwrite(mine, 1, len, f) == len;
    for (int r = 1; r < ranks; r++) {
        uint64_t n = 0;
        MPI_Recv(&n, 1, MPI_UINT64_T, r, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        char *buf = malloc(n + 1);
        int64_t want = buf ? (int64_t)n : -1;
        MPI_Send(&want, 1, MPI_INT64_T, r, 2, MPI_COMM_WORLD);
        if (!buf) {
            ok = false;
            continue;
        }
        for (uint64_t off = 0; off < n;) {
            int part = n - off > (1u << 30) ? 1 << 30 : (int)(n - off);
            MPI_Recv(buf + off, part, MPI_BYTE, r, 3, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            off += (uint64_t)part;
        }
        ok = ok && fwrite(buf, 1, n, f) == n;
        free(buf);
    }
    return ok;
}

/* The other ranks' side of write_lines. */
static void send_lines(const char *mine, size_t len)
{
    uint64_t n = len;
    int64_t go = 0;
    MPI_Send(&n, 1, MPI_UINT64_T, 0, 1, MPI_COMM_WORLD);
    MPI_Recv(&go, 1, MPI_INT64_T, 0, 2, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    for (uint64_t off = 0; go >= 0 && off < n;) {
        int part = n - off > (1u << 30) ? 1 << 30 : (int)(n - off);
        MPI_Send(mine + off, part, MPI_BYTE, 0, 3, MPI_COMM_WORLD);
        off += (uint64_t)part;
    }
}

/* This process's peak resident set in KiB (Linux: VmHWM), or -1. */
static long peak_rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
            break;
    if (f)
        fclose(f);
    return kib;
}

/* The agreed status of one step; rank 0 prints the message of a failure. */
static int step(const char *stage, int rc, const char *why)
{
    int usage = rc == USAGE_CONFLICT;
    int any_usage = 0;
    MPI_Allreduce(&usage, &any_usage, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (any_usage) {
        if (rank == 0 && usage && why[0]) /* empty: said already */
            usage_error("segment ", "%s", why);
        return EXIT_USAGE;
    }
    rc = seg_mpi_agree_text(MPI_COMM_WORLD, rc, why[0] ? why : seg_last_error());
    if (rc < 0) {
        if (rank == 0 && !identifier_refusal(stage, rc, seg_mpi_last_error()))
            fprintf(stderr, "%s: %s: %s\n", progname, stage, seg_mpi_last_error());
        return EXIT_DATA;
    }
    return 0;
}

static int run(int argc, char **argv)
{
    mopts o = {0};
    char why[512] = "";
    FILE *f = NULL;
    void *x = NULL;
    int32_t *labels = NULL;
    double *dist = NULL;
    int64_t *sizes = NULL;
    double *affine[3] = {NULL, NULL, NULL}; /* the scaling's center, scale, median */
    seg_kmeans *km = NULL;
    seg_model *m = NULL;
    seg_sweep *sw = NULL;
    seg_predictor *pr = NULL;
    csv_model *cm = NULL;
    struct opts *so = NULL; /* seg segment's options (csv_options.h) */
    mpi_report *rep = NULL;
    seg_scaler *rsc = NULL;
    int *idk = NULL;               /* a .npy: each column's seg_identifier_kind (npy_model.c) */
    double q[3] = {NAN, NAN, NAN}; /* the quality measures (k >= 2) */
    fair_data fair = {0}; /* --protected, --opt-out (fair_mpi.c) */
    fair_mpi fair_ctx = {MPI_COMM_WORLD, why, sizeof why};
    fair_reach reach;
    char *lines = NULL, *feat = NULL, *fhead = NULL; /* --assignments, --features */
    size_t flen = 0, fhlen = 0;
    size_t n = 0, d = 0, elem = 0, first = 0, rows = 0, len = 0;
    long data = 0;
    int status, rc;
    const double t0 = MPI_Wtime();

    fair_mpi_reach(&reach, &fair_ctx);
    rc = cli_parse_all(&mpi_segment_command, argc, argv, &o);
    if (rc != 0)
        return rc == CLI_HELP ? 0 : rc;
    if (!o.file)
        return usage_error("segment ", "%s", "needs a FILE.npy");
    if (o.protected_bins && !o.protected_cols)
        return usage_error("segment ", "%s", "--protected-bins needs --protected");
    const bool fairness = o.protected_cols || o.opt_out;
    const bool f32 = o.dtype && !strcmp(o.dtype, "f32");
    if (o.id_key) { /* every rank loads the key; rank 0 says why one cannot */
        int bad = rank == 0 ? use_id_key(o.id_key) : (id_key_load(o.id_key) == 0 ? 0 : EXIT_DATA);
        MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
        if (bad)
            return EXIT_DATA;
    }

    /* A file not named .npy is CSV (tools/mpi/csv_share.c): read, encoded
     * and scaled over the ranks, then dealt out to the fit's shares. */
    const bool csv = !ends_with(o.file, ".npy");
    /* Every rank checks the same options and reads the header itself. */
    rc = seg_kmeans_new(&km);
    if (rc == SEG_OK)
        rc = configure(&o, km, why, sizeof why);
    if (rc == SEG_OK)
        rc = mpi_campaign_check(&o.camp, csv, why, sizeof why);
    if ((status = step("setting up k-means", rc, why)) != 0)
        goto out;
    const bool impute_first = !o.impute_order || strcmp(o.impute_order, "scale-first") != 0;
    /* seg segment's options as seg segment's own code reads them: the CSV
     * options, the columns' roles and the campaign's (record_left_out()'s
     * reasons, segment_select_columns()'s role-aware --drop and --columns,
     * the --id column read as categorical, the report's options) */
    so = mpi_csv_options_segment(&o.csv, o.drop, o.scale, impute_first, o.quiet);
    if ((status = step("reading data", so ? SEG_OK : SEG_ERR_NOMEM, "out of memory")) != 0)
        goto out;
    /* the fit's settings, as seg segment's JSON summary names them */
    {
        int64_t sample = 10000; /* seg segment's default; checked by configure() */
        if (o.sweep.silhouette_sample)
            parse_int(o.sweep.silhouette_sample, 0, INT64_MAX, &sample);
        mpi_summary_options(so, km, sample);
    }
    mpi_csv_options_roles(so, &(mpi_roles){o.id, o.weight, o.describe, o.protected_cols,
                                            o.protected_bins, o.opt_out},
                          &o.camp);
    /* a protected or opt-out column in no other role: seg segment's check */
    if (fairness && (status = segment_protected_roles(so)) != 0)
        goto out;
    const char *named = o.id               ? "--id"
                        : o.describe       ? "--describe"
                        : o.weight         ? "--weight"
                        : o.protected_cols ? "--protected"
                        : o.opt_out        ? "--opt-out"
                                           : NULL;
    if (!csv && (rc = mpi_csv_options_npy(&o.csv, o.drop, why, sizeof why)) != 0) {
        if ((status = step("reading data", rc, why)) != 0)
            goto out;
    } else if (!csv && named) {
        snprintf(why, sizeof why, "%s goes with CSV input (a .npy's columns are x0, x1, ...)",
                 named);
        if ((status = step("reading data", USAGE_CONFLICT, why)) != 0)
            goto out;
    } else if (csv) {
        /* the columns' record for the model, --drop and --columns
         * (csv_model.c), and the roles' columns kept aside (csv_aside.h), in
         * seg segment's order: id, weight, the yes/no columns, then the
         * described ones */
        rc = (cm = csv_model_new(so, true)) ? SEG_OK : SEG_ERR_NOMEM;
        if (rc == SEG_OK && o.id)
            rc = csv_aside_add(cm, o.id, CSV_ASIDE_ID, "the row id (--id)");
        if (rc == SEG_OK && o.weight)
            rc = csv_aside_add(cm, o.weight, CSV_ASIDE_WEIGHT, "the row weight (--weight)");
        if (rc == SEG_OK) /* the yes/no columns (campaign_mpi.c), in seg segment's order */
            rc = mpi_campaign_aside(&o.camp, cm);
        if (rc == SEG_OK && fairness) /* fair_mpi.c */
            rc = fair_mpi_aside(cm, o.protected_cols, o.opt_out);
        if (rc == SEG_OK && o.describe) {
            size_t nd = 0;
            char **v = split_list(o.describe, &nd);
            rc = v ? SEG_OK : SEG_ERR_NOMEM;
            for (size_t i = 0; rc == SEG_OK && i < nd; i++)
                rc = csv_aside_add(cm, v[i], CSV_ASIDE_DESCRIBE, NULL);
            free(v);
        }
        if ((status = step("reading data", rc, "out of memory")) != 0)
            goto out;
        csv_share_set_model(cm);
        const char *stage = "reading data";
        rc = csv_share_rows(o.file, so, km, scale_of(&o), f32, &x, &n, &d, &first, &rows, &stage,
                            why, sizeof why);
        if ((status = step(stage, rc, why)) != 0)
            goto out;
        rc = mpi_campaign_read(&o.camp, cm, why, sizeof why);
        if ((status = step("choosing columns", rc, why)) != 0)
            goto out;
        /* The protected columns' groups and the opt-out flags of the rows
         * this rank read, the groups decided over all rows (fair_mpi.c).
         * fair_take_shared() says why it refuses a usage itself. */
        if (fairness) {
            rc = csv_aside_dataset(cm) ? SEG_OK : SEG_ERR_STATE;
            if ((status = step("choosing columns", rc, "no rows kept aside")) != 0)
                goto out;
            /* drop false: the columns are only read */
            rc = fair_take_shared(&fair, (seg_dataset *)csv_aside_dataset(cm), o.protected_cols,
                                  o.protected_bins, o.opt_out, (int64_t)o.camp.min_size_v, false,
                                  &reach);
            if (rc == USAGE_CONFLICT) {
                status = EXIT_USAGE;
                goto out;
            }
            if ((status = step("choosing columns", rc, why[0] ? why : seg_last_error())) != 0)
                goto out;
        }
    } else if (!(f = fopen(o.file, "rb"))) {
        snprintf(why, sizeof why, "%s: %s", o.file, strerror(errno));
        rc = SEG_ERR_IO;
    } else {
        rc = npy_header(f, o.file, &n, &d, &elem, &data, why, sizeof why);
    }
    if (rc == SEG_OK && !csv)
        rc = seg_mpi_share(MPI_COMM_WORLD, km, n, d, f32 ? SEG_DTYPE_F32 : SEG_DTYPE_F64, &first,
                           &rows);
    /* Scaled rows are read as doubles (the serial scaler's precision) */
    const bool scaled = !csv && scale_of(&o) != SEG_SCALE_NONE;
    if (rc == SEG_OK && !csv)
        rc = npy_rows(f, o.file, data, d, elem, first, rows, f32 && !scaled, &x, why, sizeof why);
    else if (rc == SEG_ERR_LIMIT && !csv)
        snprintf(why, sizeof why, "%s", seg_mpi_last_error());
    if ((status = step("reading data", rc, why)) != 0)
        goto out;
    /* A .npy's model and report: the raw rows and columns x0, x1, ... in
     * the CSV's record (npy_model.c), so both take the CSV's path */
    const size_t d_all = d;
    bool finite = true;
    if (!csv) { /* the columns seg segment leaves out as identifiers */
        size_t left = 0;
        rc = (idk = calloc(d, sizeof *idk)) ? SEG_OK : SEG_ERR_NOMEM;
        rc = seg_mpi_agree_text(MPI_COMM_WORLD, rc, "out of memory");
        if (rc == SEG_OK)
            rc = npy_identifiers(x, f32 && !scaled, rows, d, n, o.quiet, idk, &left, &finite, why,
                                 sizeof why);
        if ((status = step("choosing columns", rc, why)) != 0)
            goto out;
    }
    if (!csv) {
        rc = (cm = csv_model_new(so, true)) ? SEG_OK : SEG_ERR_NOMEM;
        if ((status = step("reading data", rc, "out of memory")) != 0)
            goto out;
        if (finite && (rc = npy_model_rows(cm, x, f32 && !scaled, rows, d, first, idk)) < 0) {
            if (rank == 0)
                fprintf(stderr, "%s: reading data: %s\n", progname, seg_mpi_last_error());
            status = EXIT_DATA;
            goto out;
        }
    }
    if (!csv && (rc = npy_drop_identifiers(&x, f32 && !scaled, idk, d_all, n, km, f32, &first,
                                           &rows, &d)) < 0) {
        if (rank == 0)
            fprintf(stderr, "%s: choosing columns: %s\n", progname, seg_mpi_last_error());
        status = EXIT_DATA;
        goto out;
    }
    if (scaled) { /* collective; the status is agreed inside */
        void *xs = NULL;
        rc = scale_rows(&o, x, rows, d, f32, &xs, affine, why, sizeof why);
        x = rc == SEG_OK ? xs : NULL;
        if (rc < 0) {
            if (rank == 0)
                fprintf(stderr, "%s: scaling: %s\n", progname, why);
            status = EXIT_DATA;
            goto out;
        }
    }
    if (!csv &&
        (rc = npy_model_scaling(cm, idk, d_all, d, affine[0], affine[1], affine[2])) < 0) {
        if (rank == 0)
            fprintf(stderr, "%s: scaling: %s\n", progname, seg_mpi_last_error());
        status = EXIT_DATA;
        goto out;
    }

    /* Without --k (nor --init FILE.npy): choose k, and move the rows to
     * the chosen k's shares (tools/mpi/sweep.c). */
    if (!o.k && !(o.init && ends_with(o.init, ".npy"))) {
        o.sweep.seed = o.seed;
        double *wm = NULL; /* --weight: the weights move with the rows */
        rc = mpi_sweep_run(&o.sweep, km, f32, &x, n, d, &first, &rows, csv_model_weights(cm),
                           &wm, &sw, why, sizeof why);
        if (rc == SEG_OK && wm)
            csv_model_set_weights(cm, wm);
        if ((status = step("choosing k", rc, why)) != 0)
            goto out;
    }
    /* the fit writes its labels here; predict's distances (the model's
     * outlier reference, --assignments, the labels sent back) next */
    labels = malloc(rows * sizeof *labels + 1);
    dist = malloc(rows * sizeof *dist + 1);
    rc = labels && dist ? SEG_OK : SEG_ERR_NOMEM;
    const double t_fit = MPI_Wtime();
    const clock_t c_fit = clock();
    const double *w = csv_model_weights(cm); /* --weight: with the rows (csv_share.c) */
    if (rc == SEG_OK)
        rc = f32 ? seg_mpi_kmeans_fit_f32(MPI_COMM_WORLD, km, x, rows, d, w, labels, &m)
                 : seg_mpi_kmeans_fit_f64(MPI_COMM_WORLD, km, x, rows, d, w, labels, &m);
    const double fit_seconds = MPI_Wtime() - t_fit;
    /* CPU time of the fit: on a shared machine, the work each rank did */
    double cpu_mine = (double)(clock() - c_fit) / CLOCKS_PER_SEC;
    if (rc < 0) { /* agreed already: every rank is here */
        if (rank == 0)
            fprintf(stderr, "%s: fitting k-means: %s\n", progname, seg_mpi_last_error());
        status = EXIT_DATA;
        goto out;
    }
    /* --min-segment-size: the small segments' profiles withheld, before any */
    rc = mpi_campaign_withhold(&o.camp, m);
    if ((status = step("fitting k-means", rc, "")) != 0)
        goto out;
    /* predict's distances, as seg segment writes them (the fit's labels) */
    {
        rc = SEG_OK;
        /* in blocks: predict's own labels (the fit's are kept) need no
         * array of the rows' length; a row's distance does not depend on
         * the rows beside it */
        enum { PREDICT_BLOCK = 65536 };
        int32_t *lab = malloc((rows < PREDICT_BLOCK ? rows : PREDICT_BLOCK) * sizeof *lab + 1);
        rc = lab ? seg_predictor_new(&pr, m) : SEG_ERR_NOMEM;
        for (size_t i0 = 0; rc == SEG_OK && i0 < rows; i0 += PREDICT_BLOCK) {
            const size_t b = rows - i0 < PREDICT_BLOCK ? rows - i0 : PREDICT_BLOCK;
            rc = f32 ? seg_predictor_run_f32(pr, (const float *)x + i0 * d, b, d, lab, dist + i0)
                     : seg_predictor_run_f64(pr, (const double *)x + i0 * d, b, d, lab, dist + i0);
        }
        free(lab);
        sizes = calloc(seg_model_k(m), sizeof *sizes);
        if (rc == SEG_OK && !sizes)
            rc = SEG_ERR_NOMEM;
        for (size_t i = 0; rc == SEG_OK && i < rows; i++)
            sizes[labels[i]]++;
        if (rc == SEG_OK)
            MPI_Allreduce(MPI_IN_PLACE, sizes, (int)seg_model_k(m), MPI_INT64_T, MPI_SUM,
                          MPI_COMM_WORLD);
        if (rc == SEG_OK && o.assignments && !o.id &&
            !(lines = format_lines(labels, dist, first, rows, &len)))
            rc = SEG_ERR_NOMEM;
        if ((status = step("scoring", rc, "out of memory")) != 0)
            goto out;
    }
    /* The labels back to the ranks that read the rows (csv_aside.h): the
     * ids' lines are written there */
    if (csv && (o.id || o.describe || o.weight || o.camp.target || fairness)) {
        rc = csv_aside_labels(cm, labels, dist, first, rows);
        if (rc == SEG_OK && o.assignments && o.id && !(lines = format_id_lines(cm, &len)))
            rc = SEG_ERR_NOMEM;
        if ((status = step("scoring", rc,
                           rc == SEG_ERR_NOMEM ? "out of memory" : seg_mpi_last_error())) != 0)
            goto out;
    }

    /* --features: this rank's rows of the matrix as the file holds them
     * (raw values for a .npy, CSV lines), and on rank 0 the file's head */
    const bool feat_npy = o.features && ends_with(o.features, ".npy");
    if (o.features) {
        rc = feature_rows(x, f32, rows, d, feat_npy, &feat, &flen);
        if (rc == SEG_OK && rank == 0)
            rc = feature_head(&o, cm, idk, d_all, f32, n, d, feat_npy, &fhead, &fhlen);
        if ((status = step("writing the features", rc,
                           rc == SEG_ERR_NOMEM ? "out of memory" : seg_last_error())) != 0)
            goto out;
    }

    /* The model's profiles of the raw rows, over the ranks; the report
     * reads the whole model, as seg segment's does */
    if (cm && (rc = csv_model_profile(cm, m, labels, first, rows)) < 0) {
        if (rank == 0)
            fprintf(stderr, "%s: describing the segments: %s\n", progname, seg_mpi_last_error());
        status = EXIT_DATA;
        goto out;
    }

    /* The campaign of all rows, with the model's withheld segments; the
     * opted-out rows of this rank (fair_take_shared()) never in its counts */
    o.camp.opted_out = fair.opted_out;
    rc = mpi_campaign_compute(&o.camp, cm, m, why, sizeof why);
    if ((status = step("campaign metrics", rc, why)) != 0)
        goto out;
    /* The fairness figures from the counts of all ranks' rows, and under
     * the plan's best step with --target (seg segment's campaign_plan_segments()) */
    if (csv && fairness) {
        uint8_t *plan = malloc(seg_model_k(m));
        bool planned = false;
        why[0] = 0;
        rc = plan ? SEG_OK : SEG_ERR_NOMEM;
        if (rc == SEG_OK)
            planned = mpi_campaign_plan(&o.camp, m, plan, &fair.plan_step, fair.plan_segments,
                                        sizeof fair.plan_segments);
        rc = seg_mpi_agree_text(MPI_COMM_WORLD, rc, "out of memory");
        if (rc == SEG_OK)
            rc = fair_compute(&fair, csv_aside_row_labels(cm), seg_model_k(m),
                              planned ? plan : NULL);
        free(plan);
        if ((status = step("fairness figures", rc, why[0] ? why : seg_last_error())) != 0)
            goto out;
    }

    /* The quality measures seg segment records in its model (k >= 2) */
    if (seg_model_k(m) >= 2) {
        int64_t seed = 0, sample = 10000, threads = 0; /* seg segment's defaults */
        seg_kmeans_get_int(km, SEG_KMEANS_SEED, &seed);
        seg_kmeans_get_int(km, SEG_KMEANS_THREADS, &threads);
        if (o.sweep.silhouette_sample) /* checked by configure() */
            parse_int(o.sweep.silhouette_sample, 0, INT64_MAX, &sample);
        /* weighted with --weight, on --threads threads, as seg segment's quality() */
        rc = f32 ? seg_mpi_metrics_threads_f32(MPI_COMM_WORLD, x, rows, d, labels, seg_model_k(m),
                                               w, (size_t)sample, (uint64_t)seed, threads, q)
                 : seg_mpi_metrics_threads_f64(MPI_COMM_WORLD, x, rows, d, labels, seg_model_k(m),
                                               w, (size_t)sample, (uint64_t)seed, threads, q);
        for (int i = 0; rc == SEG_OK && i < 3; i++)
            rc = seg_model_set_metric(m, (seg_model_metric)(SEG_MODEL_SILHOUETTE + i), q[i]);
    }
    /* ... and its explanation tree */
    if (rc == SEG_OK)
        rc = mpi_model_tree(m, x, f32, rows, d, labels, n);
    /* the outlier reference of the distances written as the run's */
    if (rc == SEG_OK)
        rc = seg_mpi_model_outliers(MPI_COMM_WORLD, m, labels, dist, rows);
    if (rc < 0) {
        if (rank == 0)
            fprintf(stderr, "%s: scoring and explaining: %s\n", progname, seg_mpi_last_error());
        status = EXIT_DATA;
        goto out;
    }

    /* The model holds seg segment's encoding and left-out columns (on
     * every rank: the report scores the tree on rank 0's model, loaded) */
    if (cm) {
        rc = seg_mpi_agree_text(MPI_COMM_WORLD, csv_model_apply(cm, m), seg_last_error());
        if (rc < 0) {
            if (rank == 0)
                fprintf(stderr, "%s: writing the model: %s\n", progname, seg_mpi_last_error());
            status = EXIT_DATA;
            goto out;
        }
    }
    /* What the summary and the report need from every rank's rows (report_mpi.c) */
    if ((rc = mpi_report_gather(&rep, cm, m, x, f32, rows, d, labels, n, o.report)) < 0) {
        if (rank == 0)
            fprintf(stderr, "%s: describing the segments: %s\n", progname, seg_mpi_last_error());
        status = EXIT_DATA;
        goto out;
    }

    /* Peak memory of every rank, for the summary (bench/README-mpi.md). */
    long rss_mine = peak_rss_kib(), *rss = rank == 0 ? malloc((size_t)ranks * sizeof *rss) : NULL;
    MPI_Gather(&rss_mine, 1, MPI_LONG, rss, 1, MPI_LONG, 0, MPI_COMM_WORLD);
    double *cpu = rank == 0 ? malloc((size_t)ranks * sizeof *cpu) : NULL;
    MPI_Gather(&cpu_mine, 1, MPI_DOUBLE, cpu, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);

    /* Rank 0 writes every output, all or nothing (output.c). */
    if (rank == 0) {
        outputs out;
        outputs_init(&out, "segment ");
        outputs_add(&out, "--model", o.model, true);
        outputs_add(&out, "--assignments", o.assignments, false);
        outputs_add(&out, "--features", o.features, false);
        outputs_add(&out, "--report", o.report, false);
        outputs_input(&out, "FILE", o.file);
        outputs_input(&out, "--pseudonymize-key", o.id_key);
        status = outputs_check(&out);
        int go = status == 0;
        MPI_Bcast(&go, 1, MPI_INT, 0, MPI_COMM_WORLD);
        if (go && o.assignments) {
            FILE *a = outputs_open(&out, o.assignments);
            bool ok = write_lines(a, "id,segment,distance\n", 20, lines, len);
            status = a ? outputs_finish(&out, a, ok) : EXIT_DATA;
        }
        if (go && o.features) { /* every rank's rows taken, whatever the status */
            FILE *ff = status == 0 ? outputs_open(&out, o.features) : NULL;
            bool ok = write_lines(ff, fhead, fhlen, feat, flen);
            if (status == 0)
                status = ff ? outputs_finish(&out, ff, ok) : EXIT_DATA;
        }
        if (status == 0 && o.model)
            status = outputs_write_model(&out, o.model, m);
        /* What seg segment's report and summary read (report_mpi.c) */
        mpi_report_run run = {.file = o.file,
                              .so = so,
                              .cm = cm,
                              .m = m,
                              .sweep = sw,
                              .quality = {q[0], q[1], q[2]},
                              .n = n,
                              .d = d,
                              .f32 = f32,
                              .fair = fairness ? &fair : NULL,
                              .camp = &o.camp}; /* the campaign section (campaign_mpi.c) */
        if (status == 0) {
            /* seg segment's dataset: the described columns apart (the last
             * use of the rows on rank 0) */
            run.ds = csv_model_report_dataset(cm);
            if (!run.ds || csv_model_scaler(cm, &rsc) < 0) {
                fprintf(stderr, "%s: describing the segments: %s\n", progname, seg_last_error());
                status = EXIT_DATA;
            }
            run.sc = rsc;
        }
        if (status == 0 && o.report) {
            FILE *h = outputs_open(&out, o.report);
            status = outputs_finish(&out, h, h && mpi_report_write(h, rep, &run) == 0);
        }
        /* seg segment's summary (summary_mpi.c), before the outputs are
         * committed, on stderr when one of them is standard output */
        if (status == 0)
            mpi_summary_print(rep, &run, o.json, outputs_to_stdout(&out));
        if (status == 0)
            status = outputs_commit(&out);
        else
            outputs_abort(&out);
        if (status == 0 && o.mpi_stats)
            mpi_summary_stats(stderr, &(mpi_run_stats){ranks, MPI_Wtime() - t0, fit_seconds,
                                                       seg_model_init_seconds(m), rss, cpu});
        free(rss);
        free(cpu);
    } else {
        int go = 0;
        MPI_Bcast(&go, 1, MPI_INT, 0, MPI_COMM_WORLD);
        if (go && o.assignments)
            send_lines(lines, len);
        if (go && o.features)
            send_lines(feat, flen);
    }
    MPI_Bcast(&status, 1, MPI_INT, 0, MPI_COMM_WORLD);
out:
    if (f)
        fclose(f);
    free(x);
    free(labels);
    free(dist);
    free(sizes);
    free(lines);
    free(feat);
    free(fhead);
    seg_predictor_free(pr);
    seg_model_free(m);
    seg_sweep_free(sw);
    seg_kmeans_free(km);
    csv_share_set_model(NULL);
    csv_model_free(cm);
    free(so);
    mpi_campaign_free(&o.camp);
    mpi_report_free(rep);
    seg_scaler_free(rsc);
    free(idk);
    fair_free(&fair);
    free(affine[0]);
    free(affine[1]);
    free(affine[2]);
    return status;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    progname = "seg-mpi";
    /* One voice: rank 0 prints; the others' messages would repeat it. */
    if (rank != 0 && (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr)))
        MPI_Abort(MPI_COMM_WORLD, EXIT_DATA);
    int status;
    if (argc >= 2 && strcmp(argv[1], "segment") == 0) {
        status = run(argc - 2, argv + 2);
    } else {
        if (rank == 0)
            fprintf(stderr, "Usage: %s segment FILE.npy|FILE.csv [options] (under mpirun)\n",
                    progname);
        status = argc >= 2 && !strcmp(argv[1], "--help") ? 0 : EXIT_USAGE;
    }
    if (rank == 0)
        status = close_stdout(status);
    MPI_Finalize();
    return status;
}
