/*
 * Shared pieces of the seg program's commands.
 */
#include "cli.h"
#include "out.h"

#include <seg.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef SEG_DATA_DIR_BUILD
#define SEG_DATA_DIR_BUILD ""
#endif
#ifndef SEG_DATA_DIR_INSTALL
#define SEG_DATA_DIR_INSTALL ""
#endif

const char *progname = "seg";

int usage_error(const char *cmd, const char *fmt, const char *arg)
{
    fprintf(stderr, "%s: ", progname);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry '%s %s--help'.\n", progname, cmd ? cmd : "");
    return EXIT_USAGE;
}

int lib_error(const char *what, int rc)
{
    const char *detail = seg_last_error();
    fprintf(stderr, "%s: %s: %s%s%s\n", progname, what, seg_strerror(rc), *detail ? ": " : "",
            detail);
    return EXIT_DATA;
}

bool parse_int(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

bool parse_real(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end)
        return false;
    *out = v;
    return true;
}

bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

char **split_list(const char *s, size_t *count)
{
    size_t n = 1, len = strlen(s);
    for (const char *p = s; *p; p++)
        n += *p == ',';
    char **v = malloc((n + 1) * sizeof *v + len + 1);
    if (!v)
        return NULL;
    char *buf = (char *)(v + n + 1);
    memcpy(buf, s, len + 1);
    size_t i = 0;
    for (char *tok = buf;; tok++) {
        v[i++] = tok;
        tok = strchr(tok, ',');
        if (!tok)
            break;
        *tok = '\0';
    }
    v[i] = NULL;
    *count = i;
    return v;
}

int for_each_item(const char *list, void *obj, int (*fn)(void *obj, const char *item))
{
    size_t n;
    char **v = split_list(list, &n);
    int rc = 0;
    if (!v)
        return SEG_ERR_NOMEM;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = fn(obj, v[i]);
    free(v);
    return rc;
}

const char *bundled_data_path(char *buf, size_t len)
{
    const char *dirs[] = {getenv("SEG_DATA_DIR"), SEG_DATA_DIR_BUILD, SEG_DATA_DIR_INSTALL};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        if (!dirs[i] || !*dirs[i])
            continue;
        snprintf(buf, len, "%s/bank-full.csv", dirs[i]);
        if (file_exists(buf))
            return buf;
    }
    return NULL;
}

int use_id_key(const char *path)
{
    if (id_key_load(path) == 0)
        return 0;
    if (errno == EINVAL)
        fprintf(stderr, "%s: %s: a pseudonymisation key needs at least 16 bytes\n", progname,
                path);
    else
        fprintf(stderr, "%s: cannot read the key file %s: %s\n", progname, path,
                strerror(errno));
    return EXIT_DATA;
}
