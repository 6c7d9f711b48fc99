/*
 * Explanations in words and JSON (explain.h): the rules of a model's
 * explanation tree and the reason codes of predictions.
 */
#include "explain.h"
#include "out.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* v with up to sig significant digits (all of its integer part). */
static void number_sig(char *buf, size_t len, double v, int sig)
{
    char raw[64];
    if (!isfinite(v)) {
        snprintf(buf, len, "%s", isnan(v) ? "missing" : v > 0 ? "inf" : "-inf");
        return;
    }
    /* 6 significant digits, no exponent for everyday magnitudes */
    const double a = fabs(v);
    int digits = a >= 1 ? (int)floor(log10(a)) + 1 : 1;
    int decimals = sig - digits;
    if (decimals < 0)
        decimals = 0;
    if (a > 0 && a < 1e-3) {
        snprintf(buf, len, "%.6g", v);
        return;
    }
    if (a >= 1e15) {
        snprintf(buf, len, "%.6g", v);
        return;
    }
    snprintf(raw, sizeof raw, "%.*f", decimals, v);
    char *dot = strchr(raw, '.');
    if (dot) {
        char *end = raw + strlen(raw) - 1;
        while (end > dot && *end == '0')
            *end-- = '\0';
        if (end == dot)
            *end = '\0';
    }
    if (strcmp(raw, "-0") == 0)
        strcpy(raw, "0");
    /* thousands separators in the integer part */
    const char *p = raw;
    size_t o = 0;
    if (*p == '-' && o + 1 < len)
        buf[o++] = *p++;
    size_t int_len = strcspn(p, ".");
    for (size_t i = 0; p[i] && o + 1 < len; i++) {
        if (i < int_len && i > 0 && (int_len - i) % 3 == 0 && o + 2 < len)
            buf[o++] = ',';
        buf[o++] = p[i];
    }
    buf[o] = '\0';
}

void explain_number(char *buf, size_t len, double v)
{
    number_sig(buf, len, v, 6); /* thresholds: the digits that place them */
}

static const char *op_json(seg_tree_op op)
{
    switch (op) {
    case SEG_TREE_LE:
        return "<=";
    case SEG_TREE_GT:
        return ">";
    case SEG_TREE_EQ:
        return "==";
    default:
        return "!=";
    }
}

void explain_rule_text(FILE *f, const seg_model *m, size_t leaf)
{
    const size_t nc = seg_model_tree_leaf_conditions(m, leaf);
    if (nc == 0)
        fputs("every customer", f);
    for (size_t i = 0; i < nc; i++) {
        const char *col, *level;
        seg_tree_op op;
        double v;
        char num[64];
        if (seg_model_tree_condition(m, leaf, i, &col, &op, &v, &level) < 0)
            continue;
        fputs(i ? " and " : "", f);
        col = col ? col : "(unnamed)";
        explain_number(num, sizeof num, v);
        switch (op) {
        case SEG_TREE_LE:
            fprintf(f, "%s %s or less", col, num);
            break;
        case SEG_TREE_GT:
            fprintf(f, "%s above %s", col, num);
            break;
        case SEG_TREE_EQ:
            fprintf(f, "%s is %s", col, level);
            break;
        case SEG_TREE_NE:
            fprintf(f, "%s is not %s", col, level);
            break;
        }
    }
}

void explain_rule_json(FILE *f, const seg_model *m, size_t leaf)
{
    const size_t nc = seg_model_tree_leaf_conditions(m, leaf);
    fputc('[', f);
    for (size_t i = 0; i < nc; i++) {
        const char *col, *level;
        seg_tree_op op;
        double v;
        if (seg_model_tree_condition(m, leaf, i, &col, &op, &v, &level) < 0)
            continue;
        fputs(i ? ", {\"column\": " : "{\"column\": ", f);
        if (col)
            json_string(f, col);
        else
            fputs("null", f);
        fprintf(f, ", \"op\": \"%s\", \"value\": ", op_json(op));
        if (level)
            json_string(f, level);
        else
            fprintf(f, "%.17g", v);
        fputc('}', f);
    }
    fputc(']', f);
}

void explain_target_text(FILE *f, const seg_model *m, size_t leaf)
{
    const int32_t s = seg_model_tree_leaf_segment(m, leaf);
    const char *label = s >= 0 ? seg_model_segment_label(m, (size_t)s) : NULL;
    fprintf(f, "-> segment %d", (int)s);
    if (label && *label)
        fprintf(f, ", '%s'", label);
}

void explain_leaves_text(FILE *f, const seg_model *m, const size_t *customers)
{
    for (size_t l = 0; l < seg_model_tree_leaves(m); l++) {
        fputs("  ", f);
        explain_rule_text(f, m, l);
        fputc(' ', f);
        explain_target_text(f, m, l);
        if (customers)
            fprintf(f, " (%zu customer%s)", customers[l], customers[l] == 1 ? "" : "s");
        fputc('\n', f);
    }
}

void explain_leaves_json(FILE *f, const seg_model *m, const size_t *customers, int indent)
{
    fputs("[", f);
    for (size_t l = 0; l < seg_model_tree_leaves(m); l++) {
        const int32_t s = seg_model_tree_leaf_segment(m, l);
        const char *label = s >= 0 ? seg_model_segment_label(m, (size_t)s) : NULL;
        fprintf(f, "%s\n%*s{\"leaf\": %zu, \"segment\": %d, \"label\": ", l ? "," : "", indent, "",
                l, (int)s);
        json_string(f, label ? label : "");
        fputs(", \"conditions\": ", f);
        explain_rule_json(f, m, l);
        if (customers)
            fprintf(f, ", \"customers\": %zu", customers[l]);
        /* the rule in words, as the text output prints it */
        char *text = NULL;
        size_t tlen = 0;
        FILE *mf = open_memstream(&text, &tlen);
        if (mf) {
            explain_rule_text(mf, m, l);
            fputc(' ', mf);
            explain_target_text(mf, m, l);
            if (fclose(mf) == 0 && text) {
                fputs(", \"text\": ", f);
                json_string(f, text);
            }
        }
        free(text);
        fputc('}', f);
    }
    fprintf(f, "\n%*s]", indent > 2 ? indent - 2 : 0, "");
}

int explain_fit_tree(seg_model *m, const void *x, bool f32, size_t n, size_t d,
                     const int32_t *labels, int64_t threads)
{
    /* At most EXPLAIN_FIT_ROWS rows, evenly spaced (row i n / s of s): the
     * fit's cost grows as n d log n a level, while each split is chosen to
     * separate the centroids and the rows only count its mistakes, which a
     * sample this large estimates closely. Agreement and cost ratio are
     * measured on every row (explain_score_fit()). */
    const size_t s = n > EXPLAIN_FIT_ROWS ? EXPLAIN_FIT_ROWS : n;
    const bool sample = s < n, copy = f32 || sample;
    seg_tree *t = NULL;
    double *xd = NULL;
    int32_t *ls = NULL;
    int rc = seg_tree_new(&t);
    if (rc == 0)
        rc = seg_tree_set_int(t, SEG_TREE_THREADS, threads);
    if (rc == 0 && copy && (!(xd = malloc((s ? s : 1) * d * sizeof *xd)) ||
                            (sample && !(ls = malloc((s ? s : 1) * sizeof *ls)))))
        rc = SEG_ERR_NOMEM;
    for (size_t i = 0; rc == 0 && copy && i < s; i++) {
        const size_t r = sample ? i * n / s : i;
        for (size_t j = 0; j < d; j++)
            xd[i * d + j] = f32 ? ((const float *)x)[r * d + j] : ((const double *)x)[r * d + j];
        if (ls)
            ls[i] = labels[r];
    }
    if (rc == 0)
        rc = seg_tree_fit_f64(t, m, copy ? xd : x, s, d, ls ? ls : labels);
    free(xd);
    free(ls);
    seg_tree_free(t);
    return rc;
}

/* ---- reason codes ---------------------------------------------------------------- */

void explained_free(explained *ex)
{
    free(ex->leaf);
    free(ex->runner_up);
    free(ex->gap);
    free(ex->features);
    free(ex->contrib);
}

int explain_rows(explained *ex, const seg_model *m, const seg_dataset *ds, const int32_t *labels,
                 int64_t threads)
{
    const size_t n = seg_dataset_rows(ds);
    seg_predictor *p = NULL;
    int rc;
    memset(ex, 0, sizeof *ex);
    ex->n = n;
    ex->top = 3;
    if (seg_model_has_tree(m)) {
        if (!(ex->leaf = malloc((n ? n : 1) * sizeof *ex->leaf)))
            return SEG_ERR_NOMEM;
        if ((rc = seg_model_tree_assign_dataset(m, ds, ex->leaf)) < 0)
            return rc;
    }
    if (seg_model_k(m) < 2)
        return 0; /* one segment: no runner-up to tell it from */
    ex->runner_up = malloc((n ? n : 1) * sizeof *ex->runner_up);
    ex->gap = malloc((n ? n : 1) * sizeof *ex->gap);
    ex->features = malloc((n ? n : 1) * ex->top * sizeof *ex->features);
    ex->contrib = malloc((n ? n : 1) * ex->top * sizeof *ex->contrib);
    if (!ex->runner_up || !ex->gap || !ex->features || !ex->contrib)
        return SEG_ERR_NOMEM;
    if ((rc = seg_predictor_new(&p, m)) == 0 &&
        (rc = seg_predictor_set_int(p, SEG_PREDICTOR_THREADS, threads)) == 0)
        rc = seg_predictor_explain_dataset(p, ds, labels, ex->top, ex->runner_up, ex->gap,
                                           ex->features, ex->contrib);
    seg_predictor_free(p);
    return rc;
}

/* The training column of feature j, by name. */
static const char *feature_column(const seg_model *m, int64_t j)
{
    const seg_scaler *sc = seg_model_scaler(m);
    if (j < 0)
        return NULL;
    if (sc)
        return seg_scaler_feature_column(sc, (size_t)j);
    if (seg_model_profile_columns(m) == seg_model_dim(m))
        return seg_model_profile_column_name(m, (size_t)j);
    return NULL;
}

static bool profile_column(const seg_model *m, const char *name, size_t *col)
{
    for (size_t c = 0; name && c < seg_model_profile_columns(m); c++)
        if (strcmp(seg_model_profile_column_name(m, c), name) == 0) {
            *col = c;
            return true;
        }
    return false;
}

void explain_reason_text(FILE *f, const seg_model *m, const seg_dataset *ds, size_t row,
                         int32_t segment, int64_t feature)
{
    const char *name = feature_column(m, feature);
    size_t j, pc = 0;
    char a[64], b[64];
    if (!name) {
        fprintf(f, "feature %lld", (long long)feature + 1);
        return;
    }
    if (seg_dataset_column_index(ds, name, &j) < 0) {
        fputs(name, f);
        return;
    }
    const bool have_prof = profile_column(m, name, &pc);
    if (seg_dataset_column_type(ds, j) == SEG_COLUMN_NUMERIC) {
        double v = NAN, mean = NAN;
        seg_dataset_get_f64(ds, row, j, &v);
        number_sig(a, sizeof a, v, 4);
        fprintf(f, "%s %s", name, a);
        if (have_prof &&
            seg_model_profile_numeric(m, (size_t)segment, pc, SEG_PROFILE_MEAN, &mean) == 0 &&
            !isnan(mean)) {
            number_sig(b, sizeof b, mean, 4);
            fprintf(f, " vs segment mean %s", b);
        }
        return;
    }
    const char *text = NULL;
    if (seg_dataset_get_text(ds, row, j, &text) < 0 || !text) {
        fprintf(f, "%s missing", name);
        return;
    }
    const size_t tl = strlen(text);
    fprintf(f, "%s %s", name, text);
    for (size_t l = 0; have_prof && l < seg_model_profile_levels(m, pc); l++) {
        const char *lv = seg_model_profile_level(m, pc, l);
        double share = NAN;
        if (lv && strlen(lv) == tl && memcmp(lv, text, tl) == 0 &&
            seg_model_profile_share(m, (size_t)segment, pc, l, &share) == 0 && !isnan(share)) {
            number_sig(b, sizeof b, 100.0 * share, 3);
            fprintf(f, " (%s %% of the segment)", b);
        }
    }
}

void explain_row_json(FILE *f, const explained *ex, const seg_model *m, const seg_dataset *ds,
                      const int32_t *labels, size_t i)
{
    if (ex->leaf) {
        fprintf(f, ", \"leaf\": %d, \"path\": ", (int)ex->leaf[i]);
        explain_rule_json(f, m, (size_t)ex->leaf[i]);
    }
    if (!ex->runner_up)
        return;
    fprintf(f, ", \"runner_up\": %d, \"gap\": ", (int)ex->runner_up[i]);
    json_number(f, ex->gap[i]);
    fputs(", \"reasons\": [", f);
    for (size_t q = 0; q < ex->top; q++) {
        const int64_t feat = ex->features[i * ex->top + q];
        if (feat < 0)
            break;
        const char *name = feature_column(m, feat);
        fputs(q ? ", {\"column\": " : "{\"column\": ", f);
        if (name)
            json_string(f, name);
        else
            fputs("null", f);
        fputs(", \"contribution\": ", f);
        json_number(f, ex->contrib[i * ex->top + q]);
        char *text = NULL;
        size_t tlen = 0;
        FILE *mf = open_memstream(&text, &tlen);
        if (mf) {
            explain_reason_text(mf, m, ds, i, labels[i], feat);
            if (fclose(mf) == 0 && text) {
                fputs(", \"text\": ", f);
                json_string(f, text);
            }
        }
        free(text);
        fputc('}', f);
    }
    fputc(']', f);
}

/* The explanation fields of row i, each a CSV field after a comma. */
static void csv_row(FILE *f, const explained *ex, const seg_model *m, const seg_dataset *ds,
                    const int32_t *labels, size_t i)
{
    char *text = NULL;
    size_t tlen = 0;
    FILE *mf;
    if (ex->leaf) {
        fprintf(f, ",%d,", (int)ex->leaf[i]);
        if ((mf = open_memstream(&text, &tlen))) {
            explain_rule_text(mf, m, (size_t)ex->leaf[i]);
            if (fclose(mf) == 0 && text)
                csv_field(f, text);
        }
        free(text);
        text = NULL;
    } else {
        fputs(",,", f);
    }
    if (!ex->runner_up) {
        fputs(",,", f);
        for (size_t q = 0; q < ex->top; q++)
            fputc(',', f);
        return;
    }
    fprintf(f, ",%d,%.9g", (int)ex->runner_up[i], ex->gap[i]);
    for (size_t q = 0; q < ex->top; q++) {
        const int64_t feat = ex->features[i * ex->top + q];
        fputc(',', f);
        if (feat < 0)
            continue;
        if ((mf = open_memstream(&text, &tlen))) {
            explain_reason_text(mf, m, ds, i, labels[i], feat);
            if (fclose(mf) == 0 && text)
                csv_field(f, text);
        }
        free(text);
        text = NULL;
    }
}

int explain_write_csv(FILE *f, const explained *ex, const seg_model *m, const seg_dataset *ds,
                      const int32_t *labels, int (*write)(FILE *f, void *ctx), void *ctx)
{
    /* predict's own lines first, in memory; then each gets the fields added,
     * so the columns predict writes (whatever options add) stay as they are */
    char *buf = NULL;
    size_t len = 0;
    FILE *mf = open_memstream(&buf, &len);
    if (!mf)
        return -1;
    const int wrc = write(mf, ctx);
    if (fclose(mf) != 0 || wrc != 0 || !buf) {
        free(buf);
        return -1;
    }
    size_t row = 0, start = 0;
    bool quoted = false, header = true;
    for (size_t i = 0; i < len; i++) {
        if (buf[i] == '"')
            quoted = !quoted;
        if (buf[i] != '\n' || quoted)
            continue;
        fwrite(buf + start, 1, i - start, f);
        if (header) {
            fputs(",leaf,rule,runner_up,gap", f);
            for (size_t q = 0; q < ex->top; q++)
                fprintf(f, ",reason_%zu", q + 1);
            header = false;
        } else if (row < ex->n) {
            csv_row(f, ex, m, ds, labels, row++);
        }
        fputc('\n', f);
        start = i + 1;
    }
    fwrite(buf + start, 1, len - start, f);
    free(buf);
    return ferror(f) || row != ex->n ? -1 : 0;
}
