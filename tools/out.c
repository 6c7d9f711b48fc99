/*
 * Output helpers of the seg program.
 */
#include "out.h"

#include "cli.h"

#include <seg.h>

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

size_t utf8_sequence(const unsigned char *p, const unsigned char *end, size_t *bad)
{
    /* RFC 3629, table 3-7 of the Unicode standard: the range the second
     * byte must fall in depends on the first (no overlong form, no
     * surrogate U+D800..U+DFFF, nothing above U+10FFFF). */
    const unsigned char c = p[0];
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        *bad = 1;
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if (p + i >= end || p[i] < lo || p[i] > hi) {
            /* The maximal subpart (the bytes read so far) is one U+FFFD, as
             * Python's errors="replace" and the WHATWG decoder do. */
            *bad = i;
            return 0;
        }
        lo = 0x80;
        hi = 0xBF;
    }
    return len;
}

/* The input files text in JSON output comes from (json_source()), searched
 * for the first byte that is not UTF-8 when the first such text is written. */
#define JSON_SOURCES 4
static const char *json_sources[JSON_SOURCES];
static size_t json_nsources;
static bool json_warned;

void json_source(const char *path)
{
    if (path && json_nsources < JSON_SOURCES)
        json_sources[json_nsources++] = path;
}

/* The offset of the first invalid UTF-8 byte of p[0..len), or len. */
static size_t invalid_at(const unsigned char *p, size_t len)
{
    size_t at = 0, n, bad;
    while (at < len && (n = utf8_sequence(p + at, p + len, &bad)))
        at += n;
    return at;
}

/* The line and byte (1-based) in path of the text's first invalid byte where
 * the text occurs as it is (text NULL: of the file's first invalid byte);
 * false when there is none in the first 256 MiB or path cannot be read
 * (standard input). */
static bool find_invalid(const char *path, const char *text, size_t *line_no, size_t *byte_no)
{
    if (!strcmp(path, "-"))
        return false;
    FILE *in = fopen(path, "rb");
    if (!in)
        return false;
    char *line = NULL;
    size_t cap = 0, no = 0;
    ssize_t len;
    bool found = false;
    /* A warning is not worth minutes: look at the first 256 MiB only. */
    size_t seen = 0;
    while (!found && seen < ((size_t)256 << 20) && (len = getline(&line, &cap, in)) > 0) {
        no++;
        seen += (size_t)len;
        const char *hit = text ? strstr(line, text) : line;
        if (!hit)
            continue;
        const size_t rest = (size_t)len - (size_t)(hit - line);
        const size_t at = invalid_at((const unsigned char *)hit, text ? strlen(text) : rest);
        if (at < (text ? strlen(text) : rest)) {
            *line_no = no;
            *byte_no = (size_t)(hit - line) + at + 1;
            found = true;
        }
    }
    free(line);
    fclose(in);
    return found;
}

/* Once a run: say which text is not UTF-8, and where in the input it is: where
 * the text itself occurs, or the level of a feature name "col=level" (not in
 * the file as it is), else the first invalid byte of the inputs. */
static void warn_invalid(const char *s)
{
    if (json_warned)
        return;
    json_warned = true;
    fprintf(stderr, "%s: warning: ", progname);
    /* The text as it is; the level of a feature name "col=level"; any. */
    const char *eq = strchr(s, '='), *look[3] = {s, eq && eq[1] ? eq + 1 : NULL, NULL};
    size_t line, byte;
    bool where = false;
    for (int pass = 0; pass < 3 && !where; pass++)
        for (size_t i = 0; i < json_nsources && !where && (look[pass] || pass == 2); i++)
            if ((where = find_invalid(json_sources[i], look[pass], &line, &byte)))
                fprintf(stderr, "%s: line %zu, byte %zu: ", json_sources[i], line, byte);
    fputs("text is not valid UTF-8: \"", stderr);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        fprintf(stderr, *p < 0x20 || *p >= 0x7F ? "\\x%02X" : "%c", *p);
    fputs("\"; seg reads text as UTF-8, and JSON output shows each invalid sequence as "
          "U+FFFD (convert the input first, e.g. iconv -f LATIN1 -t UTF-8)\n",
          stderr);
}

void json_string(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + strlen(s);
    fputc('"', f);
    for (size_t n, bad; p < end; p += n) {
        if (!(n = utf8_sequence(p, end, &bad))) {
            warn_invalid(s);
            fputs("\xEF\xBF\xBD", f);
            n = bad;
            continue;
        }
        if (n > 1) {
            fwrite(p, 1, n, f);
            continue;
        }
        switch (*p) {
        case '"':
            fputs("\\\"", f);
            break;
        case '\\':
            fputs("\\\\", f);
            break;
        case '\n':
            fputs("\\n", f);
            break;
        case '\r':
            fputs("\\r", f);
            break;
        case '\t':
            fputs("\\t", f);
            break;
        default:
            if (*p < 0x20)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}

void json_number(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.17g", v);
    else
        fputs("null", f);
}

void json_quality(FILE *f, double silhouette, int64_t sample_size, size_t n, double davies_bouldin,
                  double calinski_harabasz, const seg_scaler *sc, size_t d)
{
    fprintf(f, ",\n  \"silhouette\": ");
    json_number(f, silhouette);
    fprintf(f, ",\n  \"silhouette_sample\": %lld,\n  \"davies_bouldin\": ",
            (long long)(sample_size && (size_t)sample_size < n ? sample_size : (int64_t)n));
    json_number(f, davies_bouldin);
    fprintf(f, ",\n  \"calinski_harabasz\": ");
    json_number(f, calinski_harabasz);
    fprintf(f, ",\n  \"features\": [");
    for (size_t j = 0; j < d; j++) {
        fputs(j ? ", " : "", f);
        json_string(f, sc ? seg_scaler_feature_name(sc, j) : "");
    }
    fputc(']', f);
}

void csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static bool little_endian(void)
{
    const uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

int npy_write_header(FILE *f, bool f32, size_t n, size_t d)
{
    char header[128];
    int len = snprintf(header, sizeof header,
                       "{'descr': '<f%d', 'fortran_order': False, 'shape': (%zu, %zu), }",
                       f32 ? 4 : 8, n, d);
    /* magic (6) + version (2) + header length (2) + header, padded with
     * spaces to a multiple of 64 and ended by a newline. */
    size_t total = 10 + (size_t)len + 1;
    size_t pad = (64 - total % 64) % 64;
    size_t hlen = (size_t)len + pad + 1;
    if (!little_endian()) {
        errno = ENOTSUP;
        return -1;
    }
    fwrite("\x93NUMPY\x01\x00", 1, 8, f);
    fputc((int)(hlen & 0xff), f);
    fputc((int)(hlen >> 8), f);
    fwrite(header, 1, (size_t)len, f);
    for (size_t i = 0; i < pad; i++)
        fputc(' ', f);
    fputc('\n', f);
    return ferror(f) ? -1 : 0;
}

int npy_write(FILE *f, const void *x, bool f32, size_t n, size_t d)
{
    if (npy_write_header(f, f32, n, d) < 0)
        return -1;
    fwrite(x, f32 ? 4 : 8, n * d, f);
    return ferror(f) ? -1 : 0;
}

int csv_write_rows(FILE *f, const void *x, bool f32, size_t n, size_t d)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < d; j++) {
            /* Enough digits to read back the same value. */
            if (f32)
                fprintf(f, j ? ",%.9g" : "%.9g", (double)((const float *)x)[i * d + j]);
            else
                fprintf(f, j ? ",%.17g" : "%.17g", ((const double *)x)[i * d + j]);
        }
        fputc('\n', f);
    }
    return ferror(f) ? -1 : 0;
}

int csv_write_matrix(FILE *f, const void *x, bool f32, size_t n, size_t d, const char *const *names)
{
    for (size_t j = 0; j < d; j++) {
        if (j)
            fputc(',', f);
        csv_field(f, names[j]);
    }
    fputc('\n', f);
    return csv_write_rows(f, x, f32, n, d);
}

int write_features(FILE *f, const char *path, const void *x, bool f32, size_t n, size_t d,
                   const seg_scaler *sc)
{
    size_t len = strlen(path);
    if (len >= 4 && strcmp(path + len - 4, ".npy") == 0)
        return npy_write(f, x, f32, n, d);
    const char **names = malloc((d ? d : 1) * sizeof *names);
    if (!names) {
        errno = ENOMEM;
        return -1;
    }
    for (size_t j = 0; j < d; j++)
        names[j] = seg_scaler_feature_name(sc, j);
    int rc = csv_write_matrix(f, x, f32, n, d, names);
    free(names);
    return rc;
}

double assignment_margin(const double *all, size_t k, size_t i, int32_t label)
{
    double second = INFINITY;
    for (size_t j = 0; j < k; j++)
        if ((int32_t)j != label && all[i * k + j] < second)
            second = all[i * k + j];
    return k > 1 ? second - all[i * k + (size_t)label] : NAN;
}

/* The key for pseudonymous ids, when one was loaded. */
static unsigned char id_key[4096];
static size_t id_key_len;

int id_key_load(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t n = fread(id_key, 1, sizeof id_key, f);
    int more = fgetc(f) != EOF;
    fclose(f);
    if (more) {
        errno = EFBIG;
        return -1;
    }
    /* A key file written by an editor or echo ends with a newline: not part of the key. */
    if (n > 0 && id_key[n - 1] == '\n')
        n--;
    if (n > 0 && id_key[n - 1] == '\r')
        n--;
    if (n < 16) {
        errno = EINVAL; /* seg_privacy_pseudonymize_id() needs 16 bytes at least */
        return -1;
    }
    id_key_len = n;
    return 0;
}

/* The id to write: id itself, or its pseudonym in buf once a key is loaded
 * (never the raw id then, even if hashing fails). */
static const char *shown_id(const char *id, char buf[65])
{
    if (!id_key_len || !*id)
        return id;
    if (seg_privacy_pseudonymize_id(id_key, id_key_len, id, strlen(id), buf, 65) < 0)
        buf[0] = '\0';
    return buf;
}

void write_id(FILE *f, const char *id)
{
    char pseudonym[65];
    csv_field(f, shown_id(id, pseudonym));
}

void json_id(FILE *f, const char *id)
{
    char pseudonym[65];
    json_string(f, shown_id(id, pseudonym));
}

int write_assignments(FILE *f, const seg_dataset *ds, const int32_t *labels, const double *dist,
                      size_t n, const double *all, size_t k)
{
    return write_assignments_flagged(f, ds, labels, dist, n, all, k, NULL, NULL);
}

int write_assignments_flagged(FILE *f, const seg_dataset *ds, const int32_t *labels,
                              const double *dist, size_t n, const double *all, size_t k,
                              const double *score, const uint8_t *flag)
{
    return write_assignments_marked(f, ds, labels, dist, n, all, k, score, flag, NULL);
}

int write_assignments_marked(FILE *f, const seg_dataset *ds, const int32_t *labels,
                             const double *dist, size_t n, const double *all, size_t k,
                             const double *score, const uint8_t *flag, const uint8_t *opted)
{
    const bool has_id = seg_dataset_id_name(ds) != NULL;
    fputs(dist ? "id,segment,distance" : "id,segment", f);
    for (size_t j = 0; all && j < k; j++)
        fprintf(f, ",distance_%zu", j);
    fputs(all ? ",margin" : "", f);
    fputs(score ? ",outlier_score,flag" : "", f);
    fputs(opted ? ",opted_out\n" : "\n", f);
    for (size_t i = 0; i < n; i++) {
        if (has_id) {
            const char *id = seg_dataset_id(ds, i);
            write_id(f, id ? id : "");
        } else {
            fprintf(f, "%zu", i + 1);
        }
        fprintf(f, ",%d", (int)labels[i]);
        if (dist)
            fprintf(f, ",%.9g", dist[i]);
        for (size_t j = 0; all && j < k; j++)
            fprintf(f, ",%.9g", all[i * k + j]);
        if (all)
            fprintf(f, ",%.9g", assignment_margin(all, k, i, labels[i]));
        if (score)
            fprintf(f, ",%.6f,%d", score[i], (int)flag[i]);
        if (opted)
            fprintf(f, ",%d", (int)opted[i]);
        fputc('\n', f);
    }
    return ferror(f) ? -1 : 0;
}

void print_withheld(FILE *f, const seg_model *m)
{
    const size_t k = seg_model_k(m);
    for (int why = 1; why <= 2; why++) {
        size_t count = 0, shown = 0;
        for (size_t j = 0; j < k; j++)
            count += seg_model_profile_withheld(m, j) == why;
        if (count == 0)
            continue;
        fprintf(f, "withheld: profile of segment%s ", count > 1 ? "s" : "");
        for (size_t j = 0; j < k; j++)
            if (seg_model_profile_withheld(m, j) == why)
                fprintf(f, "%s%zu", shown++ ? ", " : "", j);
        if (why == 1)
            fprintf(f, " (fewer than %zu customers: minimum segment size)\n",
                    seg_model_min_profile_size(m));
        else
            fprintf(f, " too, so that the smaller ones cannot be worked out from the "
                       "whole population\n");
    }
}
