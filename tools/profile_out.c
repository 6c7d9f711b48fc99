/*
 * Profiles and preparation of a model, on the terminal and in JSON
 * (profile_out.h): the one place 'seg segment' and 'seg info' print them.
 */
#include "profile_out.h"

#include "out.h"

#include <math.h>
#include <string.h>

#define TOP_ITEMS 5

void format_value(char *buf, size_t len, double v)
{
    const double a = fabs(v);
    if (isnan(v))
        snprintf(buf, len, "-");
    else if (a >= 100)
        snprintf(buf, len, "%.0f", v);
    else if (a >= 10)
        snprintf(buf, len, "%.1f", v);
    else if (a >= 0.01 || v == 0)
        snprintf(buf, len, "%.2f", v);
    else
        snprintf(buf, len, "%.2g", v);
}

/* Levels of categorical column col in segment j, most common first (top n;
 * on equal shares the earlier level). */
size_t profile_top_levels(const seg_model *m, size_t j, size_t col, size_t *lv, size_t n)
{
    size_t L = seg_model_profile_levels(m, col), got = 0;
    for (size_t l = 0; l < L; l++) {
        double sl = NAN;
        seg_model_profile_share(m, j, col, l, &sl);
        size_t at = got < n ? got++ : n;
        while (at > 0) {
            double sp = NAN;
            seg_model_profile_share(m, j, col, lv[at - 1], &sp);
            if (sp >= sl)
                break;
            if (at < n)
                lv[at] = lv[at - 1];
            at--;
        }
        if (at < n)
            lv[at] = l;
    }
    return got;
}

/* The profile column of an item (items come column by column). */
static size_t column_of(const seg_model *m, size_t item, size_t *level)
{
    const size_t cols = seg_model_profile_columns(m);
    for (size_t c = 0, first = 0; c < cols; c++) {
        const bool cat = seg_model_profile_column_type(m, c) == SEG_COLUMN_CATEGORICAL;
        const size_t n = cat ? seg_model_profile_levels(m, c) : 1;
        if (item < first + n) {
            *level = cat ? item - first : SIZE_MAX;
            return c;
        }
        first += n;
    }
    *level = SIZE_MAX;
    return SIZE_MAX;
}

static const char *method_name(int64_t v)
{
    switch (v) {
    case SEG_SCALE_NONE: return "none";
    case SEG_SCALE_STANDARD: return "standard";
    case SEG_SCALE_MINMAX: return "minmax";
    case SEG_SCALE_ROBUST: return "robust";
    default: return "unknown";
    }
}

/* The scaler's settings a reader needs, or false without a scaler. */
typedef struct prep {
    int64_t method, order, cat_missing, min_level, drop_first;
} prep;

static bool get_prep(const seg_model *m, prep *p)
{
    const seg_scaler *sc = seg_model_scaler(m);
    if (!sc)
        return false;
    memset(p, 0, sizeof *p);
    seg_scaler_get_int(sc, SEG_SCALER_METHOD, &p->method);
    seg_scaler_get_int(sc, SEG_SCALER_IMPUTE_ORDER, &p->order);
    seg_scaler_get_int(sc, SEG_SCALER_CATEGORICAL_MISSING, &p->cat_missing);
    seg_scaler_get_int(sc, SEG_SCALER_MIN_LEVEL_COUNT, &p->min_level);
    seg_scaler_get_int(sc, SEG_SCALER_DROP_FIRST, &p->drop_first);
    return true;
}

void preparation_text(FILE *f, const seg_model *m)
{
    const seg_scaler *sc = seg_model_scaler(m);
    const size_t d = seg_model_dim(m), cols = seg_model_profile_columns(m);
    prep p;
    fprintf(f, "preparation:\n");
    if (!get_prep(m, &p)) {
        fprintf(f, "  no scaler: the model was fitted on a matrix given as it is\n");
    } else {
        fprintf(f, "  numeric columns: missing values take the median, %s; scaling %s\n",
                p.order == SEG_SCALE_THEN_IMPUTE
                    ? "after the scaling statistics (scale-first)"
                    : "before the scaling statistics are computed (impute-first)",
                method_name(p.method));
        fprintf(f, "  categorical columns: one-hot%s; missing values %s",
                p.drop_first ? " without the first level" : "",
                p.cat_missing == SEG_IMPUTE_MODE ? "take the most common level"
                                                 : "are a level of their own, (missing)");
        if (p.min_level > 0)
            fprintf(f, "; levels of fewer than %lld customers folded into (other)",
                    (long long)p.min_level);
        fputc('\n', f);
    }
    fprintf(f, "  clustered on (%zu features):", d);
    for (size_t j = 0; sc && j < d; j++)
        fprintf(f, "%s %s", j ? "," : "", seg_scaler_feature_name(sc, j));
    fputc('\n', f);
    size_t described = 0;
    for (size_t c = 0; c < cols; c++)
        described += seg_model_profile_column_described(m, c) == 1;
    if (described) {
        fprintf(f, "  described, not clustered (profiled per segment, never in a label):");
        for (size_t c = 0, shown = 0; c < cols; c++)
            if (seg_model_profile_column_described(m, c) == 1)
                fprintf(f, "%s %s", shown++ ? "," : "", seg_model_profile_column_name(m, c));
        fputc('\n', f);
    }
    for (size_t i = 0; i < seg_model_left_out_columns(m); i++)
        fprintf(f, "  left out: %s, %s\n", seg_model_left_out_name(m, i),
                seg_model_left_out_reason(m, i));
}

void preparation_json(FILE *f, const seg_model *m)
{
    const size_t cols = seg_model_profile_columns(m);
    prep p;
    fprintf(f, ",\n  \"preparation\": ");
    if (!get_prep(m, &p)) {
        fputs("null", f);
        return;
    }
    fprintf(f,
            "{\"scale\": \"%s\", \"impute_order\": \"%s\", \"numeric_missing\": \"median\", "
            "\"categorical_missing\": \"%s\", \"drop_first\": %s, \"min_level_count\": %lld, "
            "\"described\": [",
            method_name(p.method), p.order == SEG_SCALE_THEN_IMPUTE ? "scale-first" : "impute-first",
            p.cat_missing == SEG_IMPUTE_MODE ? "mode" : "level", p.drop_first ? "true" : "false",
            (long long)p.min_level);
    for (size_t c = 0, shown = 0; c < cols; c++)
        if (seg_model_profile_column_described(m, c) == 1) {
            fputs(shown++ ? ", " : "", f);
            json_string(f, seg_model_profile_column_name(m, c));
        }
    fputs("], \"left_out\": [", f);
    for (size_t i = 0; i < seg_model_left_out_columns(m); i++) {
        fprintf(f, "%s{\"column\": ", i ? ", " : "");
        json_string(f, seg_model_left_out_name(m, i));
        fprintf(f, ", \"reason\": ");
        json_string(f, seg_model_left_out_reason(m, i));
        fputc('}', f);
    }
    fputs("]}", f);
}

/* The trait of segment j that names column c, or NULL (with *z). */
static const char *trait_of_column(const seg_model *m, size_t j, size_t c, double *z)
{
    for (size_t t = 0; t < seg_model_segment_traits(m, j); t++) {
        size_t item, level;
        const char *phrase;
        if (seg_model_segment_trait(m, j, t, &item, &phrase) == SEG_OK &&
            column_of(m, item, &level) == c) {
            seg_model_profile_zscore(m, j, item, z);
            return phrase;
        }
    }
    return NULL;
}

/* One column's line of segment j (j = k: the population). */
static void column_line(FILE *f, const seg_model *m, size_t j, size_t c)
{
    const size_t k = seg_model_k(m);
    char a[32], b[32], pa[32], pb[32];
    fprintf(f, "  %-16s", seg_model_profile_column_name(m, c));
    if (seg_model_profile_column_type(m, c) == SEG_COLUMN_NUMERIC) {
        double mean = NAN, median = NAN, pmean = NAN, pmedian = NAN;
        seg_model_profile_numeric(m, j, c, SEG_PROFILE_MEAN, &mean);
        seg_model_profile_numeric(m, j, c, SEG_PROFILE_MEDIAN, &median);
        format_value(a, sizeof a, mean);
        format_value(b, sizeof b, median);
        fprintf(f, "mean %-10s median %-10s", a, b);
        if (j < k) {
            seg_model_profile_numeric(m, k, c, SEG_PROFILE_MEAN, &pmean);
            seg_model_profile_numeric(m, k, c, SEG_PROFILE_MEDIAN, &pmedian);
            format_value(pa, sizeof pa, pmean);
            format_value(pb, sizeof pb, pmedian);
            fprintf(f, "(all: %s, %s)", pa, pb);
        }
    } else {
        size_t lv[PROFILE_TOP_LEVELS];
        const size_t n = profile_top_levels(m, j, c, lv, PROFILE_TOP_LEVELS);
        for (size_t t = 0; t < n; t++) {
            double sh = NAN, all = NAN;
            seg_model_profile_share(m, j, c, lv[t], &sh);
            fprintf(f, "%s%s %.1f %%", t ? ", " : "", seg_model_profile_level(m, c, lv[t]),
                    100 * sh);
            if (j < k && seg_model_profile_share(m, k, c, lv[t], &all) == SEG_OK)
                fprintf(f, " (all %.1f %%)", 100 * all);
        }
    }
    double z = 0;
    const char *trait = j < k ? trait_of_column(m, j, c, &z) : NULL;
    if (trait)
        fprintf(f, "  <- %s (d = %+.2f)", trait, z);
    fputc('\n', f);
}

static void segment_block(FILE *f, const seg_model *m, size_t j)
{
    const size_t k = seg_model_k(m), cols = seg_model_profile_columns(m);
    const size_t n = seg_model_rows(m), size = j < k ? seg_model_segment_size(m, j) : n;
    if (j == k)
        fprintf(f, "all customers (%zu)\n", n);
    else
        fprintf(f, "segment %zu (%zu customers, %.1f %%): %s\n", j, size,
                n ? 100.0 * (double)size / (double)n : 0.0, seg_model_segment_label(m, j));
    if (seg_model_profile_withheld(m, j)) {
        fprintf(f, "  profile withheld\n");
        return;
    }
    for (int described = 0; described < 2; described++)
        for (size_t c = 0; c < cols; c++)
            if (seg_model_profile_column_described(m, c) == described)
                column_line(f, m, j, c);
}

void profiles_text(FILE *f, const seg_model *m)
{
    const size_t k = seg_model_k(m);
    if (seg_model_profile_columns(m) == 0)
        return;
    fprintf(f,
            "\nprofiles in the data's units (numeric: mean and median; categorical: the %d most "
            "common levels;\n<- a trait of the label, d its standardised difference; described "
            "columns last):\n",
            PROFILE_TOP_LEVELS);
    segment_block(f, m, k);
    for (size_t j = 0; j < k; j++)
        segment_block(f, m, j);
}

/* The numeric and categorical members of segment j's profile, for the
 * features or for the described columns. */
static void profile_columns_json(FILE *f, const seg_model *m, size_t j, bool described)
{
    const size_t cols = seg_model_profile_columns(m), k = seg_model_k(m);
    fprintf(f, "\"numeric\": [");
    for (size_t c = 0, first = 1; c < cols; c++) {
        if (seg_model_profile_column_type(m, c) != SEG_COLUMN_NUMERIC ||
            seg_model_profile_column_described(m, c) != described)
            continue;
        double mean = NAN, median = NAN, all = NAN, pmedian = NAN;
        seg_model_profile_numeric(m, j, c, SEG_PROFILE_MEAN, &mean);
        seg_model_profile_numeric(m, j, c, SEG_PROFILE_MEDIAN, &median);
        seg_model_profile_numeric(m, k, c, SEG_PROFILE_MEAN, &all);
        seg_model_profile_numeric(m, k, c, SEG_PROFILE_MEDIAN, &pmedian);
        fprintf(f, "%s{\"column\": ", first ? "" : ", ");
        json_string(f, seg_model_profile_column_name(m, c));
        fprintf(f, ", \"mean\": ");
        json_number(f, mean);
        fprintf(f, ", \"median\": ");
        json_number(f, median);
        fprintf(f, ", \"population_mean\": ");
        json_number(f, all);
        fprintf(f, ", \"population_median\": ");
        json_number(f, pmedian);
        fprintf(f, "}");
        first = 0;
    }
    fprintf(f, "], \"categorical\": [");
    for (size_t c = 0, first = 1; c < cols; c++) {
        size_t lv[PROFILE_TOP_LEVELS], n;
        if (seg_model_profile_column_type(m, c) != SEG_COLUMN_CATEGORICAL ||
            seg_model_profile_column_described(m, c) != described)
            continue;
        n = profile_top_levels(m, j, c, lv, PROFILE_TOP_LEVELS);
        fprintf(f, "%s{\"column\": ", first ? "" : ", ");
        json_string(f, seg_model_profile_column_name(m, c));
        fprintf(f, ", \"top\": [");
        for (size_t t = 0; t < n; t++) {
            double sh = NAN, all = NAN;
            seg_model_profile_share(m, j, c, lv[t], &sh);
            seg_model_profile_share(m, k, c, lv[t], &all);
            fprintf(f, "%s{\"level\": ", t ? ", " : "");
            json_string(f, seg_model_profile_level(m, c, lv[t]));
            fprintf(f, ", \"share\": ");
            json_number(f, sh);
            fprintf(f, ", \"population_share\": ");
            json_number(f, all);
            fprintf(f, "}");
        }
        fprintf(f, "]}");
        first = 0;
    }
    fprintf(f, "]");
}

/* The label's traits: phrase, item, standardised difference and the values
 * behind it in the data's units, the segment's and the population's. */
static void traits_json(FILE *f, const seg_model *m, size_t j)
{
    const size_t k = seg_model_k(m);
    fprintf(f, ", \"traits\": [");
    for (size_t t = 0; t < seg_model_segment_traits(m, j); t++) {
        size_t item = 0, level = 0;
        const char *phrase = "";
        double z = NAN;
        seg_model_segment_trait(m, j, t, &item, &phrase);
        seg_model_profile_zscore(m, j, item, &z);
        const size_t c = column_of(m, item, &level);
        fprintf(f, "%s{\"phrase\": ", t ? ", " : "");
        json_string(f, phrase);
        fprintf(f, ", \"item\": ");
        json_string(f, seg_model_profile_item_name(m, item));
        fprintf(f, ", \"column\": ");
        json_string(f, seg_model_profile_column_name(m, c));
        fprintf(f, ", \"z\": ");
        json_number(f, z);
        if (level == SIZE_MAX) {
            double v[4] = {NAN, NAN, NAN, NAN};
            seg_model_profile_numeric(m, j, c, SEG_PROFILE_MEAN, &v[0]);
            seg_model_profile_numeric(m, j, c, SEG_PROFILE_MEDIAN, &v[1]);
            seg_model_profile_numeric(m, k, c, SEG_PROFILE_MEAN, &v[2]);
            seg_model_profile_numeric(m, k, c, SEG_PROFILE_MEDIAN, &v[3]);
            static const char *const key[4] = {"mean", "median", "population_mean",
                                               "population_median"};
            for (int i = 0; i < 4; i++) {
                fprintf(f, ", \"%s\": ", key[i]);
                json_number(f, v[i]);
            }
        } else {
            double sh = NAN, all = NAN;
            seg_model_profile_share(m, j, c, level, &sh);
            seg_model_profile_share(m, k, c, level, &all);
            fprintf(f, ", \"level\": ");
            json_string(f, seg_model_profile_level(m, c, level));
            fprintf(f, ", \"share\": ");
            json_number(f, sh);
            fprintf(f, ", \"population_share\": ");
            json_number(f, all);
        }
        fputc('}', f);
    }
    fputc(']', f);
}

void profile_json(FILE *f, const seg_model *m, size_t j)
{
    fputc('{', f);
    profile_columns_json(f, m, j, false);
    /* Ranked among the features only, as the label is. */
    fprintf(f, ", \"distinguishing\": [");
    for (size_t r = 0, shown = 0; shown < TOP_ITEMS && r < seg_model_profile_items(m); r++) {
        size_t item = 0, level;
        double z = NAN;
        seg_model_profile_ranked_item(m, j, r, &item);
        if (seg_model_profile_column_described(m, column_of(m, item, &level)) == 1)
            continue;
        seg_model_profile_zscore(m, j, item, &z);
        fprintf(f, "%s{\"item\": ", shown++ ? ", " : "");
        json_string(f, seg_model_profile_item_name(m, item));
        fprintf(f, ", \"z\": ");
        json_number(f, z);
        fprintf(f, "}");
    }
    fputc(']', f);
    traits_json(f, m, j);
    fprintf(f, ", \"described\": {");
    profile_columns_json(f, m, j, true);
    fprintf(f, "}}");
}
