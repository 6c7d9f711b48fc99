/*
 * Shared pieces of the seg program's commands.
 */
#include "cli.h"
#include "out.h"

#include <seg.h>

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Where the bundled data are installed, relative to the directory of the
 * installed seg (meson.build: datadir/libseg seen from bindir, e.g.
 * "../share/libseg"). Relative, so no absolute path of the build or of the
 * install is baked into the program: the build is reproducible, a staged or
 * moved install still finds its data, and no file planted at a fixed path
 * is read instead. */
#ifndef SEG_DATA_DIR_RELATIVE
#define SEG_DATA_DIR_RELATIVE ""
#endif

const char *progname = "seg";

int usage_error(const char *cmd, const char *fmt, const char *arg)
{
    fprintf(stderr, "%s: ", progname);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry '%s %s--help'.\n", progname, cmd ? cmd : "");
    return EXIT_USAGE;
}

/* Standard input, once read_table_csv() has read it: kept for a second read
 * (predict reads its FILE again with the training column types). */
static char *stdin_text;
static size_t stdin_size;
static bool stdin_read;
/* Why reading standard input failed; shown by lib_error() instead of the
 * library's detail, which knows nothing of it. */
static char stdin_failure[256];

/* The names the library gives the text it was handed: from memory, or the
 * stream a path-only reader opened for "-". */
static const char *const stdin_aliases[] = {"<memory>", "/dev/stdin"};

/* The scaler's refusal of an identifier column speaks C (its setting's
 * name); say it in the command's terms. false when detail is not that. */
bool identifier_refusal(const char *what, int rc, const char *detail)
{
    const char *at = rc == SEG_ERR_PRIVACY ? strstr(detail, "column '") : NULL;
    const char *end = at ? strstr(at + 8, "' has a different value in each") : NULL;
    if (!end)
        return false;
    const int len = (int)(end - (at + 8));
    const char *name = at + 8;
    fprintf(stderr,
            "%s: %s: column '%.*s' has a different value in each row: it identifies customers, "
            "and its values would be stored in the model; give it as the id (--id %.*s) or "
            "leave it out (--drop %.*s)\n",
            progname, what, len, name, len, name, len, name);
    return true;
}

/* The option of some command named like the library setting tok[0..len)
 * ("SEG_KMEANS_MAX_ITER": "max-iter", past "SEG_" and the object's word),
 * or NULL when no command has one. */
static const cli_opt *option_for_setting(const char *tok, size_t len)
{
    static const cli_command *const commands[] = {&cli_segment, &cli_rfm,   &cli_predict,
                                                  &cli_info,    &cli_drift, &cli_migrate};
    const char *obj_end = memchr(tok + 4, '_', len - 4);
    char name[64];
    size_t n = 0;
    if (!obj_end)
        return NULL;
    for (const char *p = obj_end + 1; p < tok + len && n + 1 < sizeof name; p++)
        name[n++] = *p == '_' ? '-' : (char)tolower((unsigned char)*p);
    name[n] = '\0';
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        for (const cli_opt *o = commands[i]->opts; o->name; o++)
            if (strcmp(o->name, name) == 0)
                return o;
    return NULL;
}

/* Where the last ", or ..." clause of out[0..o) starts, if no ';' follows it. */
static size_t clause_start(const char *out, size_t o)
{
    for (size_t i = o; i >= 5; i--) {
        if (out[i - 1] == ';')
            return SIZE_MAX;
        if (strncmp(out + i - 5, ", or ", 5) == 0)
            return i - 5;
    }
    return SIZE_MAX;
}

/* The library's detail as the command line speaks: a setting's C name
 * (SEG_KMEANS_K) becomes its option (--k), or goes when no option sets it
 * (" (SEG_CSV_MAX_FIELD)", ", or allow it with SEG_X"), or else reads "a library
 * setting"; "set the
 * delimiter to" becomes "use --delimiter". */
static void speak_cli(const char *detail, char *out, size_t len)
{
    static const char delimiter_phrase[] = "set the delimiter to ";
    size_t o = 0;
    for (const char *p = detail; *p && o + 1 < len;) {
        const bool boundary = p == detail || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
        if (strncmp(p, delimiter_phrase, sizeof delimiter_phrase - 1) == 0) {
            o += (size_t)snprintf(out + o, len - o, "use --delimiter ");
            p += sizeof delimiter_phrase - 1;
            continue;
        }
        if (!boundary || strncmp(p, "SEG_", 4) != 0) {
            out[o++] = *p++;
            continue;
        }
        size_t n = 4;
        while (isupper((unsigned char)p[n]) || isdigit((unsigned char)p[n]) || p[n] == '_')
            n++;
        const cli_opt *opt = option_for_setting(p, n);
        if (opt) {
            o += (size_t)snprintf(out + o, len - o, "--%s", opt->name);
        } else if (o >= 2 && out[o - 1] == '(' && out[o - 2] == ' ' && p[n] == ')') {
            o -= 2; /* a parenthesis that only names the setting */
            n++;
        } else if (clause_start(out, o) != SIZE_MAX) {
            o = clause_start(out, o); /* ", or allow it with SEG_X": a choice the CLI lacks */
        } else {
            o += (size_t)snprintf(out + o, len - o, "a library setting");
        }
        p += n;
    }
    out[o < len ? o : len - 1] = '\0';
}

int lib_error(const char *what, int rc)
{
    const char *raw = stdin_failure[0] ? stdin_failure : seg_last_error();
    if (!stdin_failure[0] && identifier_refusal(what, rc, raw))
        return EXIT_DATA;
    const char *status = seg_strerror(rc);
    char spoken[1024];
    speak_cli(raw, spoken, sizeof spoken);
    const char *detail = spoken;
    /* "out of memory: out of memory" says it once. */
    if (strcmp(detail, status) == 0)
        detail = "";
    fprintf(stderr, "%s: %s: %s%s", progname, what, status, *detail ? ": " : "");
    /* Name standard input as the file, not the library's stand-in for it. */
    for (size_t i = 0; stdin_read && !stdin_failure[0] && i < 2; i++) {
        const char *at = strstr(detail, stdin_aliases[i]);
        if (at) {
            fprintf(stderr, "%.*s<stdin>", (int)(at - detail), detail);
            detail = at + strlen(stdin_aliases[i]);
            break;
        }
    }
    fprintf(stderr, "%s\n", detail);
    stdin_failure[0] = '\0';
    return EXIT_DATA;
}

bool is_stdio(const char *path)
{
    return path && strcmp(path, "-") == 0;
}

const char *output_name(const char *path)
{
    return is_stdio(path) ? "standard output" : path;
}

bool stdin_has_data(void)
{
    struct stat st;
    if (isatty(STDIN_FILENO) || fstat(STDIN_FILENO, &st) != 0)
        return false;
    /* A pipe, a redirected file or a socket; not /dev/null or another device. */
    return S_ISFIFO(st.st_mode) || S_ISREG(st.st_mode) || S_ISSOCK(st.st_mode);
}

/* The CSV reader's record limit (docs/limits.md) with the default field limit. */
#define STDIN_LINE_CAP ((size_t)64 << 20)

/* Reading can stop: the text has a NUL byte, or more than the record limit
 * since its last line end. The reader refuses such text at the same
 * LINE:FIELD whatever follows, so an endless pipe (cat /dev/zero) costs a
 * bounded read. */
static bool stdin_enough(size_t from, size_t *line_len)
{
    size_t i = stdin_size;
    if (memchr(stdin_text + from, '\0', stdin_size - from))
        return true;
    while (i > from && stdin_text[i - 1] != '\n' && stdin_text[i - 1] != '\r')
        i--;
    *line_len = i > from ? stdin_size - i : *line_len + (stdin_size - from);
    return *line_len > STDIN_LINE_CAP;
}

/* All of standard input into stdin_text, once: checked reads, growing the
 * buffer while memory lasts, stopping early where stdin_enough() says.
 * 0, or a SEG_ERR_ code with stdin_failure set. */
static int read_stdin(void)
{
    size_t cap = 0, line_len = 0;
    if (stdin_read)
        return 0;
    for (;;) {
        if (cap - stdin_size < 65536) {
            size_t grow = cap ? cap : 1 << 20;
            char *nb = cap <= SIZE_MAX / 2 ? realloc(stdin_text, cap + grow) : NULL;
            if (!nb) {
                snprintf(stdin_failure, sizeof stdin_failure,
                         "standard input: out of memory after %zu bytes", stdin_size);
                return SEG_ERR_NOMEM;
            }
            stdin_text = nb;
            cap += grow;
        }
        const size_t got = fread(stdin_text + stdin_size, 1, cap - stdin_size, stdin);
        stdin_size += got;
        if (got == 0 || stdin_enough(stdin_size - got, &line_len))
            break;
    }
    if (ferror(stdin)) {
        snprintf(stdin_failure, sizeof stdin_failure, "standard input: cannot read: %s",
                 strerror(errno));
        return SEG_ERR_IO;
    }
    stdin_read = true;
    return 0;
}

int read_table_csv(seg_dataset **ds, const char *path, const seg_csv_options *co)
{
    int rc;
    if (!is_stdio(path))
        return seg_dataset_read_csv(ds, path, co);
    if ((rc = read_stdin()) < 0) {
        *ds = NULL;
        return rc;
    }
    return seg_dataset_read_csv_memory(ds, stdin_text, stdin_size, co);
}

int read_table_for_model(seg_dataset **ds, const char *path, int delimiter, const char *id,
                         const seg_model *m)
{
    seg_csv_options *co = NULL;
    int rc = seg_csv_options_new(&co);
    if (rc == 0 && delimiter)
        rc = seg_csv_options_set_int(co, SEG_CSV_DELIMITER, delimiter);
    if (rc == 0 && id)
        rc = seg_csv_options_set_column_type(co, id, SEG_COLUMN_CATEGORICAL);
    for (size_t c = 0; m && rc == 0 && c < seg_model_profile_columns(m); c++)
        rc = seg_csv_options_set_column_type(co, seg_model_profile_column_name(m, c),
                                             seg_model_profile_column_type(m, c));
    if (rc == 0)
        rc = seg_csv_options_set_int(co, SEG_CSV_HEADER, 1);
    if (rc == 0)
        rc = read_table_csv(ds, path, co);
    else
        *ds = NULL;
    seg_csv_options_free(co);
    return rc;
}

const char *stream_path(const char *path)
{
    if (!is_stdio(path))
        return path;
    /* Read once, front to back, by the library: no copy in memory needed. */
    stdin_read = true;
    return "/dev/stdin";
}

int close_stdout(int status)
{
    const bool failed = ferror(stdout) != 0;
    /* A command that failed has said why already (a failed write to "-"
     * included): one message is enough. errno is fclose()'s, else that of
     * the write that set the error flag: nothing runs in between. */
    if ((fclose(stdout) == 0 && !failed) || status)
        return status;
    fprintf(stderr, "%s: cannot write standard output: %s\n", progname,
            errno ? strerror(errno) : "write error");
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

bool parse_bytes(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    int shift = 0;
    if (end == s || errno || !(v > 0))
        return false;
    static const char units[] = "kmgt";
    const char *u = *end ? strchr(units, tolower((unsigned char)*end)) : NULL;
    if (u) {
        shift = 10 * (int)(u - units + 1);
        end++;
    }
    if (*end == 'B' || *end == 'b')
        end++;
    v = ldexp(v, shift);
    if (*end || v < 1 || v > 9.0e18)
        return false;
    *out = (int64_t)v;
    return true;
}

bool parse_delimiter(const char *s, int *out)
{
    if (strcmp(s, "tab") == 0 || strcmp(s, "\\t") == 0)
        *out = '\t';
    else if (strlen(s) == 1)
        *out = (unsigned char)s[0];
    else
        return false;
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

bool list_contains(const char *list, const char *item)
{
    const size_t len = strlen(item);
    for (const char *p = list; p;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == len && memcmp(p, item, len) == 0)
            return true;
        p = end ? end + 1 : NULL;
    }
    return false;
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

/* The directory of the running program (/proc/self/exe, symlinks
 * resolved) joined with rel, into buf; false where the system cannot say. */
static bool beside_program(char *buf, size_t len, const char *rel)
{
    char exe[4096];
    const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0 || (size_t)n >= sizeof exe - 1)
        return false;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return false;
    *slash = '\0';
    const int w = snprintf(buf, len, "%s/%s", exe, rel);
    return w > 0 && (size_t)w < len;
}

const char *bundled_data_path(char *buf, size_t len)
{
    const char *env = getenv("SEG_DATA_DIR");
    char dir[4096];
    const char *dirs[2] = {env, NULL};
    if (*SEG_DATA_DIR_RELATIVE && beside_program(dir, sizeof dir, SEG_DATA_DIR_RELATIVE))
        dirs[1] = dir;
    for (size_t i = 0; i < 2; i++) {
        const int w = dirs[i] && *dirs[i] ? snprintf(buf, len, "%s/bank-full.csv", dirs[i]) : -1;
        if (w > 0 && (size_t)w < len && file_exists(buf))
            return buf;
    }
    return NULL;
}

int use_id_key(const char *path)
{
    if (id_key_load(path) == 0)
        return 0;
    if (errno == EINVAL)
        fprintf(stderr, "%s: %s: a pseudonymisation key needs at least 16 bytes\n", progname, path);
    else
        fprintf(stderr, "%s: cannot read the key file %s: %s\n", progname, path, strerror(errno));
    return EXIT_DATA;
}

/* ---- option tables ------------------------------------------------------ */

/* The help text starts in this column; a longer option name and value push
 * it to the next line. */
#define HELP_COLUMN 32

/* What read_argument() found. */
enum { ARG_END, ARG_OPTION, ARG_OPERAND, ARG_ERROR };

/* "seg: MESSAGE" (printf-style) and the hint to 'seg CMD --help'; ARG_ERROR. */
static int parse_error(const cli_command *c, const char *fmt, ...)
{
    char msg[512], cmd[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof cmd, "%s ", c->name);
    usage_error(cmd, "%s", msg);
    return ARG_ERROR;
}

/* A missing value, in words: what the value's name in the help stands for. */
static const char *value_noun(const char *value)
{
    if (strncmp(value, "FILE", 4) == 0)
        return "a file name";
    if (strncmp(value, "COL", 3) == 0)
        return "a column name";
    return "a value";
}

/* Option o as written on the command line, with v, the value that followed. */
static int option(cli_parser *p, const cli_opt *o, const char *written, const char *v,
                  const cli_opt **opt, const char **value)
{
    if (o->value && (!v || !*v))
        return parse_error(p->cmd, "%s needs %s", written, value_noun(o->value));
    *opt = o;
    *value = v;
    return ARG_OPTION;
}

/* "--name", "--name=VALUE" or "--name VALUE"; name is past the dashes. */
static int long_option(cli_parser *p, const char *name, const cli_opt **opt, const char **value)
{
    const char *eq = strchr(name, '=');
    const int len = eq ? (int)(eq - name) : (int)strlen(name);
    const cli_opt *o = p->cmd->opts;
    char written[80];
    while (o->name && (strncmp(o->name, name, (size_t)len) != 0 || o->name[len]))
        o++;
    snprintf(written, sizeof written, "--%.*s", len, name);
    if (!o->name)
        return parse_error(p->cmd, "unknown option '%s'", written);
    if (!o->value && eq)
        return parse_error(p->cmd, "option '%s' takes no value", written);
    const char *v = eq ? eq + 1 : NULL;
    if (o->value && !eq && p->next < p->argc)
        v = p->argv[p->next++];
    return option(p, o, written, v, opt, value);
}

/* The next letter of a group "-xyz": a switch, or an option whose value is
 * the rest of the group or else the next argument. */
static int short_option(cli_parser *p, const cli_opt **opt, const char **value)
{
    const char letter = *p->group++;
    const char written[3] = {'-', letter, '\0'};
    const cli_opt *o = p->cmd->opts;
    const char *v = NULL;
    while (o->name && o->alias != letter)
        o++;
    if (!o->name)
        return parse_error(p->cmd, "unknown option '%s'", written);
    if (o->value)
        v = *p->group ? p->group : p->next < p->argc ? p->argv[p->next++] : NULL;
    if (o->value || !*p->group)
        p->group = NULL;
    return option(p, o, written, v, opt, value);
}

/* The next option (*opt, with its value) or operand (*value) of argv. */
static int read_argument(cli_parser *p, const cli_opt **opt, const char **value)
{
    if (p->group)
        return short_option(p, opt, value);
    if (p->next == p->argc)
        return ARG_END;
    const char *a = p->argv[p->next++];
    if (!p->operands_only && strcmp(a, "--") == 0) {
        p->operands_only = true;
        return read_argument(p, opt, value);
    }
    if (!p->operands_only && a[0] == '-' && a[1] == '-')
        return long_option(p, a + 2, opt, value);
    if (!p->operands_only && a[0] == '-' && a[1]) {
        p->group = a + 1;
        return short_option(p, opt, value);
    }
    if (p->operands == CLI_MAX_OPERANDS || !p->cmd->operands[p->operands])
        return parse_error(p->cmd, "unexpected argument '%s'", a);
    *value = a;
    return ARG_OPERAND;
}

/* Keep v in field (CLI_FIELD_) of p->fields: true in a bool for a switch,
 * v itself for text, its number or its character. False after a usage error
 * for a value the field cannot take. */
static bool keep(cli_parser *p, const cli_opt *o, size_t field, const char *v)
{
    char *member = (char *)p->fields + (field - 4) / 4;
    switch (field % 4) {
    case 0:
        *(bool *)member = true;
        return true;
    case 1:
        *(const char **)member = v;
        return true;
    case 2: {
        const bool any = o->lo == 0 && o->hi == 0;
        const int64_t lo = any ? INT64_MIN : o->lo, hi = any ? INT64_MAX : o->hi;
        if (parse_int(v, lo, hi, (int64_t *)member))
            return true;
        if (any)
            return parse_error(p->cmd, "--%s takes a whole number, not '%s'", o->name, v), false;
        return parse_error(p->cmd, "--%s takes a whole number from %lld to %lld, not '%s'",
                           o->name, (long long)lo, (long long)hi, v),
               false;
    }
    default:
        if (parse_delimiter(v, (int *)member))
            return true;
        return parse_error(p->cmd, "--%s takes one character, not '%s'", o->name, v), false;
    }
}

/* The end of argv: the command's stdin operand is "-" if it alone is
 * missing and standard input has something to read. */
static void default_to_stdin(cli_parser *p)
{
    const int i = p->cmd->stdin_operand - 1;
    if (i >= 0 && p->operands == i && stdin_has_data()) {
        const size_t field = p->cmd->operands[i];
        *(const char **)((char *)p->fields + (field - 4) / 4) = "-";
    }
}

cli_parser cli_start(const cli_command *c, int argc, char **argv, void *fields)
{
    return (cli_parser){c, argc, argv, fields, 0, NULL, false, 0, 0};
}

bool cli_next(cli_parser *p, int *id, const char **value)
{
    for (;;) {
        const cli_opt *o = NULL;
        const char *v = NULL;
        switch (read_argument(p, &o, &v)) {
        case ARG_END:
            default_to_stdin(p);
            p->status = 0;
            return false;
        case ARG_ERROR:
            p->status = EXIT_USAGE;
            return false;
        case ARG_OPERAND:
            keep(p, NULL, p->cmd->operands[p->operands++], v);
            continue;
        }
        if (o->id == CLI_HELP) {
            cli_help(stdout, p->cmd);
            p->status = CLI_HELP;
            return false;
        }
        if (!o->field) {
            *id = o->id;
            *value = v;
            return true;
        }
        if (!keep(p, o, o->field, v)) {
            p->status = EXIT_USAGE;
            return false;
        }
    }
}

int cli_parse_all(const cli_command *c, int argc, char **argv, void *fields)
{
    cli_parser p = cli_start(c, argc, argv, fields);
    int id;
    const char *v;
    while (cli_next(&p, &id, &v))
        continue; /* no entry of c's table has an id: never reached */
    return p.status;
}

/* "  -k, --k K" or "      --id COL": the option's side of its help line. */
static int option_label(char *buf, size_t len, const cli_opt *o)
{
    char alias[5] = "    ";
    if (o->alias)
        snprintf(alias, sizeof alias, "-%c, ", o->alias);
    return snprintf(buf, len, "  %s--%s%s%s", alias, o->name, o->value ? " " : "",
                    o->value ? o->value : "");
}

void cli_help(FILE *f, const cli_command *c)
{
    fprintf(f, "Usage: %s %s %s\n\n%s\n", progname, c->name, c->synopsis, c->description);
    for (const cli_opt *o = c->opts; o->name; o++) {
        char label[128];
        int column = option_label(label, sizeof label, o);
        const char *h = o->help;
        if (o->section || o == c->opts)
            fprintf(f, "\n%s:\n", o->section ? o->section : "Options");
        fputs(label, f);
        /* Each line of the help (split at '\n') starts in the help column. */
        do {
            const int n = (int)strcspn(h, "\n");
            if (column + 2 > HELP_COLUMN) {
                fputc('\n', f);
                column = 0;
            }
            fprintf(f, "%*s%.*s\n", HELP_COLUMN - column, "", n, h);
            column = 0;
            h += n + (h[n] == '\n');
        } while (*h);
    }
}
