/*
 * Refusing seg segment's options that seg-mpi does not run over ranks
 * (serial_only.h), each with why and what to run instead.
 */
#include "mpi/serial_only.h"

#include <stdio.h>
#include <string.h>

int mpi_serial_only_check(const mpi_serial_only *s, char *why, size_t len)
{
    const char *method = s->method && strcmp(s->method, "kmeans") != 0 ? s->method : NULL;
    const struct {
        const char *name, *value, *reason;
    } refused[] = {
        {"--method", method,
         "seg-mpi fits k-means over ranks; Ward, mini-batch, k-prototypes and Gaussian "
         "mixtures run in seg segment on one machine (--memory for a file larger than memory)"},
        {"--batch-size", s->batch_size, "it sets --method minibatch, which seg-mpi does not run"},
        {"--pre-cluster", s->pre_cluster, "it sets --method ward, which seg-mpi does not run"},
        {"--gamma", s->gamma, "it sets --method kprototypes, which seg-mpi does not run"},
        {"--covariance", s->covariance, "it sets --method gmm, which seg-mpi does not run"},
        {"--reg-covar", s->reg_covar, "it sets --method gmm, which seg-mpi does not run"},
        {"--min-size", s->min_size,
         "size-constrained k-means solves an exact transportation problem over all rows at "
         "each step, which seg-mpi does not split over ranks; run seg segment"},
        {"--max-size", s->max_size,
         "size-constrained k-means solves an exact transportation problem over all rows at "
         "each step, which seg-mpi does not split over ranks; run seg segment"},
        {"--capacity", s->capacity,
         "size-constrained k-means solves an exact transportation problem over all rows at "
         "each step, which seg-mpi does not split over ranks; run seg segment"},
        {"--memory", s->memory,
         "each rank already reads only its share of the file; leave --memory out"},
        {"--exact", s->exact ? "" : NULL, "it goes with --memory, which seg-mpi does not take"},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        if (refused[i].value) {
            snprintf(why, len, "%s%s%s: %s", refused[i].name, refused[i].value[0] ? " " : "",
                     refused[i].value, refused[i].reason);
            return USAGE_CONFLICT;
        }
    return 0;
}
