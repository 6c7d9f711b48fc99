/*
 * The output files of one seg command, written all or nothing (output.h).
 */
/* realpath() is XSI. */
#define _XOPEN_SOURCE 700

#include "output.h"

#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A temporary name stays within NAME_MAX (255) with room for the marker, a
 * pid and the random part: longer target names are cut in the temp name. */
#define TMP_NAME_KEEP 200
#define TMP_RANDOM 6

void outputs_init(outputs *s, const char *cmd)
{
    memset(s, 0, sizeof *s);
    s->cmd = cmd;
}

void outputs_add(outputs *s, const char *option, const char *path, bool private)
{
    if (!path)
        return;
    if (s->n == OUTPUTS_MAX) {
        s->overflow = true; /* refused by outputs_check() */
        return;
    }
    output *o = &s->out[s->n++];
    memset(o, 0, sizeof *o);
    o->option = option;
    o->path = path;
    o->mode = private ? 0600 : 0666;
}

void outputs_input(outputs *s, const char *option, const char *path)
{
    if (!path)
        return;
    if (s->n_in == INPUTS_MAX) {
        s->overflow = true;
        return;
    }
    s->in_option[s->n_in] = option;
    s->in_path[s->n_in++] = path;
}

bool outputs_to_stdout(const outputs *s)
{
    for (size_t i = 0; i < s->n; i++)
        if (is_stdio(s->out[i].path))
            return true;
    return false;
}

static int check_error(const outputs *s, const char *what, const output *o, const char *detail)
{
    fprintf(stderr, "%s: %s %s: %s%s\nTry '%s %s--help'.\n", progname, o->option, o->path, what,
            detail ? detail : "", progname, s->cmd ? s->cmd : "");
    return EXIT_USAGE;
}

/* Paths that name a descriptor rather than a file: written in place, since
 * resolving them would replace whatever file the descriptor is open on. */
static bool names_descriptor(const char *path)
{
    return strncmp(path, "/proc/", 6) == 0 || strncmp(path, "/dev/fd/", 8) == 0 ||
           strcmp(path, "/dev/stdout") == 0 || strcmp(path, "/dev/stderr") == 0 ||
           strcmp(path, "/dev/stdin") == 0;
}

/* dirname and basename of path without touching it: malloc'd copies. */
static int split_path(const char *path, char **dir, char **base)
{
    const char *slash = strrchr(path, '/');
    *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
    *base = strdup(slash ? slash + 1 : path);
    if (!*dir || !*base) {
        free(*dir);
        free(*base);
        *dir = *base = NULL;
        return -1;
    }
    return 0;
}

static char *join(const char *dir, const char *name)
{
    const size_t a = strlen(dir), b = strlen(name);
    char *p = malloc(a + b + 2);
    if (!p)
        return NULL;
    memcpy(p, dir, a);
    size_t at = a;
    if (a == 0 || dir[a - 1] != '/')
        p[at++] = '/';
    memcpy(p + at, name, b + 1);
    return p;
}

/* Work out where output o goes and whether that can work. 0 or EXIT_USAGE. */
static int resolve(const outputs *s, output *o)
{
    struct stat st;
    if (is_stdio(o->path)) {
        o->kind = OUTPUT_STDOUT;
        if (fstat(STDOUT_FILENO, &st) == 0) {
            o->exists = true;
            o->dev = st.st_dev;
            o->ino = st.st_ino;
            o->type = st.st_mode;
        }
        return 0;
    }
    if (!*o->path)
        return check_error(s, "an empty path", o, NULL);
    if (stat(o->path, &st) == 0) {
        o->exists = true;
        o->dev = st.st_dev;
        o->ino = st.st_ino;
        o->type = st.st_mode;
        o->uid = st.st_uid;
        o->gid = st.st_gid;
        if (S_ISDIR(st.st_mode))
            return check_error(s, "is a directory", o, NULL);
        if (!S_ISREG(st.st_mode) || names_descriptor(o->path)) {
            o->kind = OUTPUT_DIRECT;
            if (access(o->path, W_OK) != 0)
                return check_error(s, "cannot be written: ", o, strerror(errno));
            return 0;
        }
        /* A regular file, maybe through links: the file itself is replaced. */
        o->kind = OUTPUT_RENAME;
        char *real = realpath(o->path, NULL), *base = NULL;
        if (!real || split_path(real, &o->dir, &base) < 0) {
            free(real);
            return check_error(s, "cannot resolve: ", o, strerror(errno));
        }
        free(base);
        o->target = real;
    } else if (errno != ENOENT) {
        return check_error(s, "cannot be written: ", o, strerror(errno));
    } else {
        struct stat lst;
        char *dir = NULL, *base = NULL;
        if (lstat(o->path, &lst) == 0)
            return check_error(s, "is a symbolic link to a missing file", o, NULL);
        o->kind = OUTPUT_RENAME;
        if (split_path(o->path, &dir, &base) < 0)
            return check_error(s, "", o, strerror(ENOMEM));
        char *real = realpath(dir, NULL);
        if (!real || !*base) {
            int e = real ? EISDIR : errno;
            free(real);
            free(base);
            if (e == ENOENT || e == ENOTDIR) {
                fprintf(stderr, "%s: %s %s: the directory %s does not exist\nTry '%s %s--help'.\n",
                        progname, o->option, o->path, dir, progname, s->cmd ? s->cmd : "");
                free(dir);
                return EXIT_USAGE;
            }
            free(dir);
            return check_error(s, "cannot be written: ", o, strerror(e));
        }
        free(dir);
        o->dir = real;
        o->target = join(real, base);
        free(base);
        if (!o->target)
            return check_error(s, "", o, strerror(ENOMEM));
    }
    /* The temporary file is created next to the target. */
    if (access(o->dir, W_OK | X_OK) != 0) {
        fprintf(stderr, "%s: %s %s: cannot create files in %s: %s\nTry '%s %s--help'.\n", progname,
                o->option, o->path, o->dir, strerror(errno), progname, s->cmd ? s->cmd : "");
        return EXIT_USAGE;
    }
    return 0;
}

/* Whether two outputs, or an output and an input, are the same file. Two
 * writes to one character device (/dev/null twice, a terminal) are harmless. */
static bool same_file(const output *a, bool exists, dev_t dev, ino_t ino, mode_t type,
                      const char *target)
{
    if (exists && a->exists && a->dev == dev && a->ino == ino)
        return !(S_ISCHR(type) && S_ISCHR(a->type));
    return a->target && target && strcmp(a->target, target) == 0;
}

/* Remove the temporary files in dir whose process no longer runs. A file of
 * a live process (this one, or a run writing there now) is left alone. */
static void remove_orphans(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    if (!d)
        return;
    while ((e = readdir(d)) != NULL) {
        long pid;
        if (!output_tmp_name(e->d_name, &pid))
            continue;
        if (pid == (long)getpid() || pid > INT32_MAX || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        char *p = join(dir, e->d_name);
        struct stat st;
        /* Only regular files: a directory or a link with this name is not ours. */
        if (p && lstat(p, &st) == 0 && S_ISREG(st.st_mode))
            (void)unlink(p);
        free(p);
    }
    closedir(d);
}

static int check(outputs *s);

int outputs_check(outputs *s)
{
    int rc = check(s);
    if (rc != 0)
        outputs_abort(s); /* frees what resolve() found */
    return rc;
}

static int check(outputs *s)
{
    int rc;
    if (s->overflow) /* a command registers a fixed few: a bug of seg */
        return usage_error(s->cmd, "%s", "too many output or input files for one command");
    for (size_t i = 0; i < s->n; i++)
        if ((rc = resolve(s, &s->out[i])) != 0)
            return rc;
    for (size_t i = 0; i < s->n; i++) {
        const output *a = &s->out[i];
        for (size_t j = 0; j < i; j++) {
            const output *b = &s->out[j];
            if (same_file(a, b->exists, b->dev, b->ino, b->type, b->target) ||
                (a->kind == OUTPUT_STDOUT && b->kind == OUTPUT_STDOUT)) {
                fprintf(stderr,
                        "%s: %s %s and %s %s are the same file: give each output its own"
                        "\nTry '%s %s--help'.\n",
                        progname, b->option, b->path, a->option, a->path, progname,
                        s->cmd ? s->cmd : "");
                return EXIT_USAGE;
            }
        }
        for (size_t j = 0; j < s->n_in; j++) {
            struct stat st;
            const char *in = s->in_path[j];
            if ((is_stdio(in) ? fstat(STDIN_FILENO, &st) : stat(in, &st)) != 0)
                continue; /* a missing input is reported when it is read */
            if (same_file(a, true, st.st_dev, st.st_ino, st.st_mode, NULL)) {
                fprintf(stderr,
                        "%s: %s %s is the same file as %s %s, which it would destroy"
                        "\nTry '%s %s--help'.\n",
                        progname, a->option, a->path, s->in_option[j], in, progname,
                        s->cmd ? s->cmd : "");
                return EXIT_USAGE;
            }
        }
    }
    for (size_t i = 0; i < s->n; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = s->out[j].dir && s->out[i].dir && strcmp(s->out[j].dir, s->out[i].dir) == 0;
        if (s->out[i].dir && !seen)
            remove_orphans(s->out[i].dir);
    }
    return 0;
}

bool output_tmp_name(const char *name, long *pid)
{
    /* .NAME.seg-tmp.PID.XXXXXX */
    const char *mark = NULL, *p = name;
    if (name[0] != '.')
        return false;
    while ((p = strstr(p, OUTPUT_TMP_MARK)) != NULL)
        mark = p++;
    if (!mark || mark == name)
        return false;
    p = mark + strlen(OUTPUT_TMP_MARK);
    long v = 0;
    const char *digits = p;
    while (*p >= '0' && *p <= '9' && p - digits < 10)
        v = v * 10 + (*p++ - '0');
    if (p == digits || *p != '.')
        return false;
    p++;
    for (int i = 0; i < TMP_RANDOM; i++, p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    if (*p || v <= 0)
        return false;
    *pid = v;
    return true;
}

/* Create o's temporary file, open for writing. 0, or -1 with errno set. */
static int create_tmp(output *o)
{
    static uint64_t counter;
    const char *base = strrchr(o->target, '/') + 1;
    const size_t blen = strlen(base) < TMP_NAME_KEEP ? strlen(base) : TMP_NAME_KEEP;
    const size_t dlen = strlen(o->dir);
    char *tmp = malloc(dlen + blen + 64);
    if (!tmp) {
        errno = ENOMEM;
        return -1;
    }
    for (int attempt = 0; attempt < 100; attempt++) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t r = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^
                     (++counter * UINT64_C(0x9E3779B97F4A7C15)) ^ ((uint64_t)getpid() << 40);
        r ^= r >> 29;
        r *= UINT64_C(0xBF58476D1CE4E5B9);
        r ^= r >> 32;
        snprintf(tmp, dlen + blen + 64, "%s%s.%.*s%s%ld.%06lx", o->dir,
                 o->dir[dlen - 1] == '/' ? "" : "/", (int)blen, base, OUTPUT_TMP_MARK,
                 (long)getpid(), (unsigned long)(r & 0xffffff));
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, o->mode);
        if (fd < 0 && errno == EEXIST)
            continue;
        if (fd < 0)
            break;
        /* Replacing a file keeps its owner when we may set it (root), and
         * its permissions. */
        if (o->exists) {
            if (o->uid != geteuid() || o->gid != getegid())
                (void)!fchown(fd, o->uid, o->gid);
            (void)fchmod(fd, o->type & 07777);
        }
        o->f = fdopen(fd, "wb");
        if (!o->f) {
            int e = errno;
            close(fd);
            unlink(tmp);
            errno = e;
            break;
        }
        o->tmp = tmp;
        return 0;
    }
    free(tmp);
    return -1;
}

FILE *outputs_open(outputs *s, const char *path)
{
    output *o = NULL;
    for (size_t i = 0; i < s->n && !o; i++)
        if (s->out[i].path == path || strcmp(s->out[i].path, path) == 0)
            o = &s->out[i];
    s->cur = o;
    if (!o) {
        errno = EINVAL; /* not registered: a bug of the command */
        return NULL;
    }
    switch (o->kind) {
    case OUTPUT_STDOUT:
        o->f = stdout;
        break;
    case OUTPUT_DIRECT:
        o->f = fopen(o->path, "wb");
        break;
    case OUTPUT_RENAME:
        if (create_tmp(o) < 0)
            o->f = NULL;
        break;
    default:
        errno = EINVAL; /* outputs_check() was not called */
        o->f = NULL;
    }
    return o->f;
}

/* Flush, sync (a temporary file) and close o's stream: 0 or -1 with errno. */
static int close_output(output *o)
{
    FILE *f = o->f;
    int rc = 0, e = 0;
    o->f = NULL;
    if (!f)
        return 0;
    if (fflush(f) != 0 || ferror(f)) {
        rc = -1;
        e = errno ? errno : EIO;
    }
    if (rc == 0 && o->kind == OUTPUT_RENAME && fsync(fileno(f)) != 0) {
        rc = -1;
        e = errno;
    }
    if (o->kind == OUTPUT_STDOUT)
        return rc < 0 ? (errno = e, -1) : 0; /* closed by close_stdout() */
    if (fclose(f) != 0 && rc == 0) {
        rc = -1;
        e = errno;
    }
    if (rc < 0)
        errno = e;
    return rc;
}

int outputs_finish(outputs *s, FILE *f, bool ok)
{
    output *o = s->cur;
    int e = errno;
    if (o && o->f == f && f) {
        if (ok && close_output(o) == 0)
            return 0;
        if (ok)
            e = errno;
        else
            close_output(o);
    }
    fprintf(stderr, "%s: cannot write %s: %s\n", progname, o ? output_name(o->path) : "an output",
            strerror(e ? e : EIO));
    outputs_abort(s);
    return EXIT_DATA;
}

int outputs_write_model(outputs *s, const char *path, const seg_model *m)
{
    size_t size = 0;
    void *buf = NULL;
    int rc = seg_model_save_mem(m, NULL, 0, &size);
    if (rc == 0 && !(buf = malloc(size ? size : 1)))
        rc = SEG_ERR_NOMEM;
    if (rc == 0)
        rc = seg_model_save_mem(m, buf, size, &size);
    if (rc < 0) {
        free(buf);
        outputs_abort(s);
        return lib_error("saving the model", rc);
    }
    FILE *f = outputs_open(s, path);
    const bool ok = f && fwrite(buf, 1, size, f) == size;
    free(buf);
    return outputs_finish(s, f, ok);
}

/* Make the renames in dir durable (best effort: some file systems refuse to
 * sync a directory, and the data are safe then). */
static void sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

int outputs_commit(outputs *s)
{
    /* Standard output is one of the outputs: the files are not replaced
     * after a failed write of the summary or of "-". */
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "%s: cannot write standard output: %s\n", progname,
                errno ? strerror(errno) : "write error");
        outputs_abort(s);
        return EXIT_DATA;
    }
    for (size_t i = 0; i < s->n; i++) {
        output *o = &s->out[i];
        if (o->f) {
            s->cur = o;
            if (outputs_finish(s, o->f, true) != 0)
                return EXIT_DATA;
        }
    }
    for (size_t i = 0; i < s->n; i++) {
        output *o = &s->out[i];
        if (!o->tmp)
            continue;
        if (rename(o->tmp, o->target) != 0) {
            fprintf(stderr, "%s: cannot write %s: renaming %s: %s\n", progname, o->path, o->tmp,
                    strerror(errno));
            outputs_abort(s);
            return EXIT_DATA;
        }
        free(o->tmp);
        o->tmp = NULL;
    }
    for (size_t i = 0; i < s->n; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = s->out[j].dir && s->out[i].dir && strcmp(s->out[j].dir, s->out[i].dir) == 0;
        if (s->out[i].dir && !seen)
            sync_dir(s->out[i].dir);
    }
    outputs_abort(s); /* frees what is left */
    return 0;
}

void outputs_abort(outputs *s)
{
    for (size_t i = 0; i < s->n; i++) {
        output *o = &s->out[i];
        if (o->f && o->kind != OUTPUT_STDOUT)
            fclose(o->f);
        o->f = NULL;
        if (o->tmp) {
            (void)unlink(o->tmp);
            free(o->tmp);
            o->tmp = NULL;
        }
        free(o->target);
        free(o->dir);
        o->target = o->dir = NULL;
        o->kind = 0;
    }
}

bool summary_to_stderr(bool on, int *saved)
{
    *saved = -1;
    if (!on)
        return true;
    if (fflush(stdout) != 0 || ferror(stdout))
        return false;
    *saved = dup(STDOUT_FILENO);
    if (*saved < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
        if (*saved >= 0)
            close(*saved);
        *saved = -1;
        /* Nothing swapped: the summary would land in the CSV, so say nothing. */
        return false;
    }
    return true;
}

void summary_restore(int saved)
{
    if (saved < 0)
        return;
    /* A failed write of the summary is a failed write of stderr, not of the
     * output: the error flag it leaves on stdout is cleared. */
    if (fflush(stdout) != 0)
        clearerr(stdout);
    (void)dup2(saved, STDOUT_FILENO);
    close(saved);
}
