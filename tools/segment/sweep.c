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
    if ((rc = seg_sweep_new(&sw)) < 0 ||
        (rc = seg_sweep_set_int(sw, SEG_SWEEP_K_MIN, o->k_min)) < 0 ||
        (rc = seg_sweep_set_int(sw, SEG_SWEEP_K_MAX, o->k_max)) < 0 ||
        (rc = seg_sweep_set_int(sw, SEG_SWEEP_SILHOUETTE_SAMPLE, o->silhouette_sample)) < 0 ||
        (rc = seg_sweep_set_int(sw, SEG_SWEEP_SEED, o->seed)) < 0 ||
        (rc = seg_sweep_set_double(sw, SEG_SWEEP_MIN_SHARE, SMALL_SEGMENT)) < 0 ||
        (rc = seg_sweep_set_double(sw, SEG_SWEEP_MAX_SHARE, LARGE_SEGMENT)) < 0 ||
        (rc = seg_sweep_set_int(sw, SEG_SWEEP_STABILITY_RESAMPLES, o->stability_resamples)) < 0)
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
    {SEG_SWEEP_STABILITY, "stability", "stability", 9, 3, 'f'},
    {SEG_SWEEP_WORST_STABILITY, "worst_segment_stability", "worst seg", 9, 3, 'f'},
};
#define N_FIELDS (sizeof fields / sizeof fields[0])

static double get(const seg_sweep *sw, size_t i, seg_sweep_stat st)
{
    double v = NAN;
    seg_sweep_get(sw, i, st, &v);
    return v;
}

/* The rule's words, with the chosen k's figures. */
void sweep_choice(const seg_sweep *sw, char *buf, size_t len)
{
    size_t chosen = 0, i;
    double bar = 0.8;
    seg_sweep_chosen(sw, &chosen);
    seg_sweep_get_double(sw, SEG_SWEEP_STABILITY_THRESHOLD, &bar);
    i = chosen - (size_t)get(sw, 0, SEG_SWEEP_K);
    const double sil = get(sw, i, SEG_SWEEP_SILHOUETTE), stab = get(sw, i, SEG_SWEEP_STABILITY),
                 worst = get(sw, i, SEG_SWEEP_WORST_STABILITY);
    int64_t rule = SEG_SWEEP_RULE_LARGEST_STABLE;
    seg_sweep_get_int(sw, SEG_SWEEP_RULE, &rule);
    if (rule == SEG_SWEEP_RULE_LARGEST_STABLE && stab >= bar && worst >= bar)
        snprintf(buf, len,
                 "k = %zu, the largest k whose segments hold up across refits (stability %.3f, "
                 "worst segment %.3f, both >= %.2f; silhouette %.3f)",
                 chosen, stab, worst, bar, sil);
    else if (isnan(stab))
        snprintf(buf, len, "k = %zu, the best silhouette (%.3f); stability not measured", chosen,
                 sil);
    else if (stab >= bar)
        snprintf(buf, len,
                 "k = %zu, the best silhouette (%.3f) among the k with stability >= %.2f "
                 "(its stability %.3f)",
                 chosen, sil, bar, stab);
    else
        snprintf(buf, len,
                 "k = %zu: no k reached stability %.2f, so the best silhouette (%.3f) "
                 "among the most stable k (stability %.3f)",
                 chosen, bar, sil, stab);
}

/* The runner-up and why it lost, or "" when the sweep had one k. */
void sweep_runner_up(const seg_sweep *sw, char *buf, size_t len)
{
    size_t chosen = 0, k = 0;
    seg_sweep_reason why = 0;
    double bar = 0.8;
    seg_sweep_chosen(sw, &chosen);
    seg_sweep_get_double(sw, SEG_SWEEP_STABILITY_THRESHOLD, &bar);
    buf[0] = 0;
    if (seg_sweep_runner_up(sw, &k, &why) < 0 || k == 0)
        return;
    const size_t k0 = (size_t)get(sw, 0, SEG_SWEEP_K);
    const double sil = get(sw, k - k0, SEG_SWEEP_SILHOUETTE),
                 stab = get(sw, k - k0, SEG_SWEEP_STABILITY);
    const double csil = get(sw, chosen - k0, SEG_SWEEP_SILHOUETTE),
                 cstab = get(sw, chosen - k0, SEG_SWEEP_STABILITY);
    const double worst = get(sw, k - k0, SEG_SWEEP_WORST_STABILITY);
    if (why == SEG_SWEEP_LOST_FEWER)
        snprintf(buf, len,
                 "k = %zu, silhouette %.3f (k = %zu: %.3f), holds up too but has fewer segments "
                 "than k = %zu",
                 k, sil, chosen, csil, chosen);
    else if (why == SEG_SWEEP_LOST_STABILITY && cstab < bar) /* no k met the bar */
        snprintf(buf, len,
                 "k = %zu, silhouette %.3f, lost on stability: %.3f against %.3f for k = %zu "
                 "(no k reached %.2f)",
                 k, sil, stab, cstab, chosen, bar);
    else if (why == SEG_SWEEP_LOST_STABILITY && !isnan(worst) && (stab >= bar || worst < bar))
        snprintf(buf, len,
                 "k = %zu, silhouette %.3f, lost on stability: %.3f, worst segment %.3f, "
                 "%s the bar of %.2f that k = %zu meets",
                 k, sil, stab, worst, stab < bar ? "both below" : "its worst segment below", bar,
                 chosen);
    else if (why == SEG_SWEEP_LOST_STABILITY)
        snprintf(buf, len,
                 "k = %zu, silhouette %.3f, lost on stability: %.3f, below the bar of "
                 "%.3f that k = %zu meets",
                 k, sil, stab, cstab < bar ? cstab : bar, chosen);
    else if (why == SEG_SWEEP_LOST_TIE)
        snprintf(buf, len, "k = %zu, the same silhouette (%.3f) as k = %zu, which is smaller", k,
                 sil, chosen);
    else
        snprintf(buf, len, "k = %zu, lost on silhouette: %.3f, below %.3f%s", k, sil, csil,
                 isnan(stab) ? "" : " (both stable enough)");
}

/* A warning when the chosen k has a segment outside the size bounds, or NULL. */
const char *sweep_size_warning(const seg_sweep *sw, char *buf, size_t len)
{
    size_t chosen = 0;
    seg_sweep_chosen(sw, &chosen);
    const size_t i = chosen - (size_t)get(sw, 0, SEG_SWEEP_K);
    const double lo = get(sw, i, SEG_SWEEP_SMALLEST_SHARE),
                 hi = get(sw, i, SEG_SWEEP_LARGEST_SHARE);
    if (lo < SMALL_SEGMENT && hi > LARGE_SEGMENT)
        snprintf(buf, len,
                 "at k = %zu the smallest segment holds %.1f %% of the customers (under "
                 "%.0f %%) and the largest %.1f %% (over %.0f %%)",
                 chosen, 100 * lo, 100 * SMALL_SEGMENT, 100 * hi, 100 * LARGE_SEGMENT);
    else if (lo < SMALL_SEGMENT)
        snprintf(buf, len,
                 "at k = %zu the smallest segment holds %.1f %% of the customers (under "
                 "%.0f %%)",
                 chosen, 100 * lo, 100 * SMALL_SEGMENT);
    else if (hi > LARGE_SEGMENT)
        snprintf(buf, len,
                 "at k = %zu the largest segment holds %.1f %% of the customers (over "
                 "%.0f %%)",
                 chosen, 100 * hi, 100 * LARGE_SEGMENT);
    else
        return NULL;
    return buf;
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

void sweep_choice_json(FILE *f, const seg_sweep *sw)
{
    char buf[256];
    size_t k = 0;
    seg_sweep_reason why = 0;
    static const char *const reason[] = {"", "stability", "silhouette", "tie", "fewer"};
    fprintf(f, ",\n  \"choice\": ");
    if (!sw) {
        fputs("null", f);
    } else {
        sweep_choice(sw, buf, sizeof buf);
        json_string(f, buf);
    }
    fprintf(f, ",\n  \"runner_up\": ");
    if (!sw || seg_sweep_runner_up(sw, &k, &why) < 0 || k == 0) {
        fputs("null", f);
    } else {
        sweep_runner_up(sw, buf, sizeof buf);
        fprintf(f, "{\"k\": %zu, \"lost_on\": \"%s\", \"why\": ", k,
                why >= 1 && why <= 4 ? reason[why] : "");
        json_string(f, buf);
        fputc('}', f);
    }
    fprintf(f, ",\n  \"choice_warning\": ");
    if (sw && sweep_size_warning(sw, buf, sizeof buf))
        json_string(f, buf);
    else
        fputs("null", f);
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
            if (isnan(v))
                printf("  %*s", w, "-");
            else if (fields[c].format == 'g')
                printf("  %*.*g", w, p, v);
            else if (fields[c].format == 'f')
                printf("  %*.*f", w, p, v);
            else
                printf("  %*.*f %%", w, p, 100 * v);
        }
        printf("\n");
    }
    char buf[256];
    sweep_choice(sw, buf, sizeof buf);
    printf("* chosen: %s\n", buf);
    sweep_runner_up(sw, buf, sizeof buf);
    if (buf[0])
        printf("  runner-up: %s\n", buf);
    if (sweep_size_warning(sw, buf, sizeof buf))
        printf("  warning: %s\n", buf);
    printf("\n");
}
