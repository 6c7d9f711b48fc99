/*
 * seg-mpi segment's fairness report (fair_mpi.c): what ../fairness.c
 * learns of all rows over the ranks (a fair_reach), so that the report is
 * seg segment's byte for byte while each rank holds only its rows' group
 * codes and opt-out flags.
 */
#ifndef SEG_MPI_FAIR_MPI_H
#define SEG_MPI_FAIR_MPI_H

#include "fairness.h"

#include <seg-mpi.h>

#include <stddef.h>

typedef struct fair_mpi {
    MPI_Comm comm;
    char *why; /* the agreed message of a failure, for the caller to print */
    size_t len;
} fair_mpi;

/* r's calls, collective over ctx->comm (ctx outlives r's use). */
void fair_mpi_reach(fair_reach *r, fair_mpi *ctx);

struct csv_model;
/* Before csv_share_rows(): the --protected columns and the --opt-out
 * column kept aside on the ranks that read them (csv_aside.h), each once
 * (fair_take_shared() says then if one is named twice), with seg segment's
 * reasons for the model's left-out list. SEG_OK or SEG_ERR_NOMEM. */
int fair_mpi_aside(struct csv_model *cm, const char *protected_cols, const char *opt_out);

#endif
