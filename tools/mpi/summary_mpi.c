/*
 * seg-mpi segment's summary (summary_mpi.h). seg segment's print_text()
 * and print_json() (tools/segment/summary.c) read a summary; report_mpi.c
 * builds that summary of the ranks' figures for the report already (the
 * profiles of all rows in the model, the quality measures, the tree's
 * customers and agreement scored over the ranks, the sweep, the campaign
 * and fairness figures), so the summary is seg segment's own output of the
 * same figures, with no rows gathered.
 */
#include "mpi/summary_mpi.h"

#include "mpi/report_mpi.h"
#include "output.h"
#include "out.h"
#include "segment/segment.h"

#include <math.h>

void mpi_summary_options(opts *so, const seg_kmeans *km, int64_t silhouette_sample)
{
    int64_t v = 0;
    if (seg_kmeans_get_int(km, SEG_KMEANS_SEED, &v) == SEG_OK)
        so->seed = v;
    if (seg_kmeans_get_int(km, SEG_KMEANS_N_INIT, &v) == SEG_OK)
        so->n_init = v;
    if (seg_kmeans_get_int(km, SEG_KMEANS_THREADS, &v) == SEG_OK)
        so->threads = v;
    so->silhouette_sample = silhouette_sample;
}

bool mpi_summary_print(const mpi_report *r, const mpi_report_run *run, bool json, bool to_stderr)
{
    opts o;
    summary s;
    left_out left;
    int saved;
    mpi_report_summary(r, run, &o, &s, &left);
    const bool ok = summary_to_stderr(to_stderr, &saved);
    if (ok) {
        if (json)
            print_json(&o, &s);
        else
            print_text(&o, &s);
    }
    summary_restore(saved);
    return ok;
}

void mpi_summary_stats(FILE *f, const mpi_run_stats *st)
{
    fprintf(f, "{\"ranks\": %d, \"seconds\": ", st->ranks);
    json_number(f, st->seconds);
    fprintf(f, ", \"fit_seconds\": ");
    json_number(f, st->fit_seconds);
    fprintf(f, ", \"init_seconds\": ");
    json_number(f, st->init_seconds);
    fprintf(f, ", \"peak_rss_kib\": [");
    for (int r = 0; r < st->ranks; r++)
        fprintf(f, "%s%ld", r ? ", " : "", st->peak_rss_kib ? st->peak_rss_kib[r] : -1L);
    fprintf(f, "], \"fit_cpu_seconds\": [");
    for (int r = 0; r < st->ranks; r++) {
        fputs(r ? ", " : "", f);
        json_number(f, st->fit_cpu_seconds ? st->fit_cpu_seconds[r] : NAN);
    }
    fprintf(f, "]}\n");
}
