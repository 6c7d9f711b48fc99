/*
 * seg segment's CSV options in seg-mpi (csv_options.h): the .npy check,
 * and seg segment's opts filled from them for the serial functions.
 */
#include "mpi/csv_options.h"
#include "mpi/campaign_mpi.h"
#include "segment/segment.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int mpi_csv_options_npy(const mpi_csv_opts *c, const char *drop, char *why, size_t len)
{
    const struct {
        const char *name;
        bool given;
    } named[] = {
        {"--drop", drop != NULL},          {"--delimiter", c->delimiter != 0},
        {"--missing", c->missing != NULL}, {"--categorical", c->categorical != NULL},
        {"--numeric", c->numeric != NULL}, {"--keep", c->keep != NULL},
        {"--columns", c->columns != NULL}, {"--drop-first", c->drop_first},
        {"--impute-mode", c->impute_mode}, {"--log1p", c->log1p != NULL},
    };
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
        if (named[i].given) {
            snprintf(why, len, "%s goes with CSV input (a .npy's columns are x0, x1, ...)",
                     named[i].name);
            return USAGE_CONFLICT;
        }
    return 0;
}

opts *mpi_csv_options_segment(const mpi_csv_opts *c, const char *drop, const char *scale,
                              bool impute_first, bool quiet)
{
    opts *out = malloc(sizeof *out);
    if (!out)
        return NULL;
    /* cmd_segment()'s defaults of what segment.h's functions read */
    *out = (opts){
        .scale = scale ? scale : "standard",
        .method = "kmeans",
        .dtype = "f64",
        .init = "kmeans++",
        .algorithm = "auto",
        .cost = NAN,
        .revenue = NAN,
        .gamma = NAN,
        .drop = drop,
        .columns = c->columns,
        .keep = c->keep,
        .log1p = c->log1p,
        .categorical = c->categorical,
        .numeric = c->numeric,
        .missing = c->missing,
        .delimiter = c->delimiter,
        .drop_first = c->drop_first,
        .impute_mode = c->impute_mode,
        .scale_first = !impute_first,
        .quiet = quiet,
    };
    return out;
}

void mpi_csv_options_roles(opts *so, const mpi_roles *r, const mpi_campaign *camp)
{
    so->id = r->id;
    so->weight = r->weight;
    so->describe = r->describe;
    so->protected_cols = r->protected_cols;
    so->protected_bins = r->protected_bins;
    so->opt_out = r->opt_out;
    so->target = camp->target;
    so->control = camp->control;
    so->cost = camp->cost_v;
    so->revenue = camp->revenue_v;
    so->min_segment_size = (int64_t)camp->min_size_v;
}
