/*
 * 'seg segment' without --k: the k sweep, its progress bar and its outputs.
 */
#include "segment.h"

#include "cli.h"
#include "out.h"

#include <math.h>
#include <unistd.h>

#define BAR_WIDTH 30

typedef struct bar {
    int64_t k_min;
} bar;

/* Drawn on stderr only, and only when stderr is a terminal. */
static int draw_bar(void *user, size_t done, size_t total)
{
    const bar *b = user;
    size_t fill = total ? done * BAR_WIDTH / total : BAR_WIDTH;
    fprintf(stderr, "\rchoosing k [");
    for (size_t i = 0; i < BAR_WIDTH; i++)
        fputc(i < fill ? '#' : '.', stderr);
    if (done < total)
        fprintf(stderr, "] %zu/%zu, fitting k = %lld ", done, total,
                (long long)(b->k_min + (int64_t)done));
    else
        fprintf(stderr, "] %zu/%zu done            \n", done, total);
    fflush(stderr);
    return 0;
}

/* The final fit's bar: iterations out of n_init x max_iter. */
static int draw_fit_bar(void *user, size_t done, size_t total)
{
    (void)user;
    size_t fill = total ? done * BAR_WIDTH / total : BAR_WIDTH;
    fprintf(stderr, "\rfitting    [");
    for (size_t i = 0; i < BAR_WIDTH; i++)
        fputc(i < fill ? '#' : '.', stderr);
    if (done < total)
        fprintf(stderr, "] iteration %zu ", done);
    else
        fprintf(stderr, "] done                \n");
    fflush(stderr);
    return 0;
}

void show_fit_progress(const opts *o, seg_kmeans *km)
{
    if (!o->quiet && isatty(STDERR_FILENO))
        seg_kmeans_set_progress(km, draw_fit_bar, NULL);
}

int run_sweep(const opts *o, seg_kmeans *km, const summary *s, seg_sweep **out, size_t *k)
{
    seg_sweep *sw = NULL;
    bar b = {o->k_min};
    int rc;
    if ((rc = seg_sweep_new(&sw)) < 0 || (rc = seg_sweep_set_int(sw, SEG_SWEEP_K_MIN, o->k_min)) < 0 ||
        (rc = seg_sweep_set_int(sw, SEG_SWEEP_K_MAX, o->k_max)) < 0 ||
        (rc = seg_sweep_set_int(sw, SEG_SWEEP_SILHOUETTE_SAMPLE, o->silhouette_sample)) < 0 ||
        (rc = seg_sweep_set_int(sw, SEG_SWEEP_SEED, o->seed)) < 0 ||
        (rc = seg_sweep_set_double(sw, SEG_SWEEP_MIN_SHARE, SMALL_SEGMENT)) < 0 ||
        (rc = seg_sweep_set_double(sw, SEG_SWEEP_MAX_SHARE, LARGE_SEGMENT)) < 0)
        goto fail;
    if (!o->quiet && isatty(STDERR_FILENO) && (rc = seg_sweep_set_progress(sw, draw_bar, &b)) < 0)
        goto fail;
    rc = s->f32 ? seg_sweep_run_f32(sw, km, s->x, s->n, s->d, seg_dataset_weights(s->ds))
                : seg_sweep_run_f64(sw, km, s->x, s->n, s->d, seg_dataset_weights(s->ds));
    if (rc < 0 || (rc = seg_sweep_chosen(sw, k)) < 0)
        goto fail;
    *out = sw;
    return 0;
fail:
    seg_sweep_free(sw);
    return rc;
}

/* The figures of each k: their JSON keys, and their columns in the table
 * on the terminal (title, width and decimals; shares in per cent). */
static const struct {
    seg_sweep_stat id;
    const char *key, *title;
    int width, decimals;
    char format; /* 'g', 'f', or '%': a share, as "%*.*f %%" of 100 times it */
} fields[] = {
    {SEG_SWEEP_INERTIA, "inertia", "inertia", 12, 6, 'g'},
    {SEG_SWEEP_SILHOUETTE, "silhouette", "silhouette", 10, 4, 'f'},
    {SEG_SWEEP_DAVIES_BOULDIN, "davies_bouldin", "Davies-Bouldin", 14, 4, 'f'},
    {SEG_SWEEP_CALINSKI_HARABASZ, "calinski_harabasz", "Calinski-Harabasz", 17, 1, 'f'},
    {SEG_SWEEP_SMALLEST_SHARE, "smallest_share", "smallest", 6, 1, '%'},
    {SEG_SWEEP_LARGEST_SHARE, "largest_share", "largest", 6, 1, '%'},
};
#define N_FIELDS (sizeof fields / sizeof fields[0])

static double get(const seg_sweep *sw, size_t i, seg_sweep_stat st)
{
    double v = NAN;
    seg_sweep_get(sw, i, st, &v);
    return v;
}

void sweep_json(FILE *f, const seg_sweep *sw)
{
    size_t chosen = 0;
    fputc('[', f);
    if (sw)
        seg_sweep_chosen(sw, &chosen);
    for (size_t i = 0; i < seg_sweep_count(sw); i++) {
        size_t k = (size_t)get(sw, i, SEG_SWEEP_K);
        fprintf(f, "%s\n    {\"k\": %zu", i ? "," : "", k);
        for (size_t c = 0; c < N_FIELDS; c++) {
            fprintf(f, ", \"%s\": ", fields[c].key);
            json_number(f, get(sw, i, fields[c].id));
        }
        fprintf(f, ", \"chosen\": %s}", k == chosen ? "true" : "false");
    }
    fputs(seg_sweep_count(sw) ? "\n  ]" : "]", f);
}

void sweep_text(const seg_sweep *sw)
{
    size_t chosen = 0;
    seg_sweep_chosen(sw, &chosen);
    printf("\n   k");
    for (size_t c = 0; c < N_FIELDS; c++)
        printf("  %*s", fields[c].width + (fields[c].format == '%' ? 2 : 0), fields[c].title);
    printf("\n");
    for (size_t i = 0; i < seg_sweep_count(sw); i++) {
        size_t k = (size_t)get(sw, i, SEG_SWEEP_K);
        printf("%c %2zu", k == chosen ? '*' : ' ', k);
        for (size_t c = 0; c < N_FIELDS; c++) {
            const int w = fields[c].width, p = fields[c].decimals;
            const double v = get(sw, i, fields[c].id);
            if (fields[c].format == 'g')
                printf("  %*.*g", w, p, v);
            else if (fields[c].format == 'f')
                printf("  %*.*f", w, p, v);
            else
                printf("  %*.*f %%", w, p, 100 * v);
        }
        printf("\n");
    }
    printf("* chosen: best silhouette among k whose segments all hold %.0f .. %.0f %% of the "
           "customers\n\n",
           100 * SMALL_SEGMENT, 100 * LARGE_SEGMENT);
}
