/*
 * seg segment's options that seg-mpi segment does not run over ranks
 * (serial_only.c): the other methods (Ward, mini-batch, k-prototypes,
 * Gaussian mixtures) and their settings, size-constrained k-means
 * (--min-size, --max-size, --capacity) and the chunked reading of
 * --memory. seg-mpi takes them so that it can refuse each with the
 * reason and what to run instead, rather than "unknown option".
 */
#ifndef SEG_MPI_SERIAL_ONLY_H
#define SEG_MPI_SERIAL_ONLY_H

#include "cli.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct mpi_serial_only {
    const char *method, *batch_size, *pre_cluster, *gamma, *covariance, *reg_covar;
    const char *min_size, *max_size, *capacity, *memory;
    bool exact;
} mpi_serial_only;

/* The option table's entries (T: the command's struct, m: its
 * mpi_serial_only member). */
/* clang-format off */
#define MPI_SERIAL_ONLY_OPTIONS(T, m)                                                              \
    {.name = "method", .value = "kmeans",                                                         \
     .help = "k-means only over ranks; ward, minibatch, kprototypes and gmm\n"                     \
             "run in seg segment on one machine",                                                  \
     .section = "seg segment only (refused, with the reason)",                                     \
     .field = CLI_TEXT(T, m.method)},                                                              \
    {.name = "batch-size", .value = "B", .help = "minibatch", .field = CLI_TEXT(T, m.batch_size)}, \
    {.name = "pre-cluster", .value = "M", .help = "ward", .field = CLI_TEXT(T, m.pre_cluster)},     \
    {.name = "gamma", .value = "G", .help = "kprototypes", .field = CLI_TEXT(T, m.gamma)},         \
    {.name = "covariance", .value = "TYPE", .help = "gmm", .field = CLI_TEXT(T, m.covariance)},    \
    {.name = "reg-covar", .value = "X", .help = "gmm", .field = CLI_TEXT(T, m.reg_covar)},         \
    {.name = "min-size", .value = "N", .help = "size-constrained k-means",                        \
     .field = CLI_TEXT(T, m.min_size)},                                                            \
    {.name = "max-size", .value = "N", .help = "size-constrained k-means",                        \
     .field = CLI_TEXT(T, m.max_size)},                                                            \
    {.name = "capacity", .value = "FILE", .help = "size-constrained k-means",                     \
     .field = CLI_TEXT(T, m.capacity)},                                                            \
    {.name = "memory", .value = "BYTES", .help = "chunked reading on one machine",                \
     .field = CLI_TEXT(T, m.memory)},                                                              \
    {.name = "exact", .help = "with --memory", .field = CLI_FLAG(T, m.exact)}
/* clang-format on */

/* 0, or USAGE_CONFLICT with the first refused option's reason in why. */
int mpi_serial_only_check(const mpi_serial_only *s, char *why, size_t len);

#endif
