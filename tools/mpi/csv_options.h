/*
 * seg segment's options for reading and preparing a CSV, taken by seg-mpi
 * segment (docs/mpi.md): --delimiter, --missing, --categorical, --numeric,
 * --keep, --columns, --drop-first, --impute-mode, --log1p. Their meaning
 * and checks are seg segment's own: csv_options.c hands them to the
 * serial code (segment.h) through seg segment's opts, so the reader's
 * options, the scaler's settings and the column choice are made by the
 * same functions.
 */
#ifndef SEG_MPI_CSV_OPTIONS_H
#define SEG_MPI_CSV_OPTIONS_H

#include "cli.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct mpi_csv_opts {
    int delimiter; /* 0: detect */
    const char *missing, *categorical, *numeric, *keep, *columns, *log1p;
    bool drop_first, impute_mode;
} mpi_csv_opts;

/* The option table's entries of the nine options, for the command's table
 * (T: its struct, m: the mpi_csv_opts member), with seg segment's help. */
/* clang-format off */
#define MPI_CSV_OPTIONS(T, m)                                                                      \
    {.name = "delimiter", .value = "C", .help = "field delimiter (default: detect , ; or tab)",   \
     .section = "CSV input (as seg segment)", .field = CLI_DELIMITER(T, m.delimiter)},            \
    {.name = "missing", .value = "TOKEN[,TOKEN]", .help = "extra tokens meaning a missing value", \
     .field = CLI_TEXT(T, m.missing)},                                                             \
    {.name = "categorical", .value = "COL[,COL]", .help = "force columns to be categorical",      \
     .field = CLI_TEXT(T, m.categorical)},                                                         \
    {.name = "numeric", .value = "COL[,COL]", .help = "force columns to be numeric",              \
     .field = CLI_TEXT(T, m.numeric)},                                                             \
    {.name = "columns", .value = "COL[,COL]",                                                     \
     .help = "columns to cluster on (all others left out)", .field = CLI_TEXT(T, m.columns)},     \
    {.name = "keep", .value = "COL[,COL]",                                                        \
     .help = "cluster on these columns even though they look like\n"                              \
             "identifiers (row numbers, ids; left out otherwise)",                                \
     .field = CLI_TEXT(T, m.keep)},                                                                \
    {.name = "log1p", .value = "COL[,COL]",                                                       \
     .help = "signed log1p on these numeric columns before scaling",                              \
     .field = CLI_TEXT(T, m.log1p)},                                                               \
    {.name = "drop-first", .help = "one-hot without the first level",                             \
     .field = CLI_FLAG(T, m.drop_first)},                                                          \
    {.name = "impute-mode",                                                                        \
     .help = "missing categorical values take the mode, counted over\n"                           \
             "all ranks (default: own level)",                                                     \
     .field = CLI_FLAG(T, m.impute_mode)}
/* clang-format on */

/* With a .npy input: the first of the options given (or --drop), as a
 * usage message in why (USAGE_CONFLICT), else 0. */
int mpi_csv_options_npy(const mpi_csv_opts *c, const char *drop, char *why, size_t len);

/* seg segment's opts (segment/segment.h) for these options and the
 * settings seg-mpi shares with seg segment (--drop, --scale,
 * --impute-order, --quiet), its defaults otherwise: what segment.h's
 * functions read. Strings borrowed; free() it. NULL when out of memory. */
struct opts;
struct opts *mpi_csv_options_segment(const mpi_csv_opts *c, const char *drop, const char *scale,
                                     bool impute_first, bool quiet);

/* The columns' roles (--id, --weight, --describe, --protected,
 * --protected-bins, --opt-out, as given or NULL). */
typedef struct mpi_roles {
    const char *id, *weight, *describe, *protected_cols, *protected_bins, *opt_out;
} mpi_roles;

/* The columns' roles and the campaign's options into so (seg segment's
 * names for them), so that seg segment's functions treat them as there:
 * --drop and --columns (a column in a role), the --id column read as text,
 * the model's LEFT reasons, --min-segment-size in the scaler, the report.
 * Strings borrowed. */
struct mpi_campaign;
void mpi_csv_options_roles(struct opts *so, const mpi_roles *r, const struct mpi_campaign *camp);

/* seg segment's check that a protected or opt-out column has no other
 * role (segment.h): 0, or EXIT_USAGE after saying which clashes. */
int segment_protected_roles(const struct opts *o);

#endif
