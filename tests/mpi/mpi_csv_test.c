/*
 * A CSV file read over MPI ranks (seg_mpi_read_csv) against the serial
 * reader (seg_dataset_read_csv) on the whole file: run under mpirun with any
 * number of ranks, every rank compares its rows (types, levels in order,
 * values bit for bit, codes, physical lines) with the serial dataset's rows
 * first_row .. first_row + rows, or, for a file the serial reader refuses,
 * the status and the message (the same on every rank).
 *
 * The files are written for the rank count: the first one places a quoted
 * field holding line ends across every cut r * size / R, and the test checks
 * that it does, so the quote-parity scan is exercised (with the scan
 * disabled, SEG_MPI_CSV_NO_PARITY=1, the test fails).
 *
 * Exit 0 when every rank passes; 1 otherwise.
 */
#include "mpitest.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int ranks;
static char dir[64];

/* A growing text. */
typedef struct text {
    char *p;
    size_t n, cap;
} text;

static void put(text *t, const char *s)
{
    size_t l = strlen(s);
    if (t->n + l + 1 > t->cap) {
        t->cap = (t->n + l + 1) * 2;
        t->p = realloc(t->p, t->cap);
        if (!t->p)
            abort();
    }
    memcpy(t->p + t->n, s, l + 1);
    t->n += l;
}

/* Where the file's first data record ends (the cuts are never before it). */
static size_t first_record_end(const char *p, size_t n)
{
    int lines = 0, inq = 0;
    for (size_t i = 0; i < n; i++) {
        inq ^= p[i] == '"';
        if (!inq && p[i] == '\n' && ++lines == 2)
            return i + 1;
    }
    return n;
}

/* Whether byte `at` is inside a quoted field with a line end still ahead of
 * it in that field: a cut there must not start a record at that line end. */
static int cut_in_quoted_newline(const char *p, size_t n, size_t at)
{
    int inq = 0;
    for (size_t i = 0; i < at; i++)
        inq ^= p[i] == '"';
    if (!inq)
        return 0;
    for (size_t i = at; i < n && p[i] != '"'; i++)
        if (p[i] == '\n')
            return 1;
    return 0;
}

static const char *jobs[] = {"admin.", "blue-collar", "technician", "services", "management"};

/* The mixed file: numbers, levels, a quoted note with commas and line ends,
 * a yes/no column, and "code": mostly missing, a few numbers early and as
 * many text values in the last rows (categorical, decided by the last
 * share). pad bytes in the first note move every later byte. */
static void mixed(text *t, size_t rows, size_t pad, int crlf, int final_newline, int stray)
{
    const char *eol = crlf ? "\r\n" : "\n";
    char line[512];
    uint64_t s = 88172645463325252u;
    t->n = 0;
    put(t, "age,job,balance,note,housing,code");
    put(t, eol);
    for (size_t i = 0; i < rows; i++) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        const char *code = "";
        if (i == 3 || i == 5 || i == 9 || (stray && i == 11))
            code = "12";
        if (i == rows - 2 || i == rows - 4 || i == rows - 6)
            code = "\"ab\"";
        char note[200];
        if (i % 3 == 0)
            snprintf(note, sizeof note, "\"said %s, then%s%swaited\"", i == 0 ? "" : "no", eol,
                     i % 2 ? "" : "called, ");
        else
            snprintf(note, sizeof note, "%s", i % 2 ? "x" : "y");
        snprintf(line, sizeof line, "%d,%s,%.2f,%s,%s,%s", 18 + (int)(s % 70), jobs[s % 5],
                 (double)(s % 100000) / 7.0 - 3000.0, note, s % 3 ? "yes" : "no", code);
        if (i == 0 && pad) { /* pad the first note, inside its quotes */
            char *q = strstr(line, "said ");
            char padded[512];
            size_t at = (size_t)(q - line) + 5;
            memcpy(padded, line, at);
            memset(padded + at, 'p', pad);
            snprintf(padded + at + pad, sizeof padded - at - pad, "%s", line + at);
            snprintf(line, sizeof line, "%s", padded);
        }
        put(t, line);
        if (i + 1 < rows || final_newline)
            put(t, eol);
    }
}

static int write_file(const char *path, const text *t)
{
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(t->p, 1, t->n, f) == t->n;
    if (f && fclose(f) != 0)
        ok = 0;
    return ok ? 0 : 1;
}

static int same_rows(const char *name, const seg_dataset *whole, const seg_dataset *part,
                     size_t first, size_t total);

/* Rank 0 writes the file, every rank reads it both ways and compares. */
static int compare(const char *name, const text *t)
{
    char path[128];
    int bad = 0;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (rank == 0)
        bad = write_file(path, t);
    MPI_Bcast(&bad, 1, MPI_INT, 0, MPI_COMM_WORLD);
    CHECK(!bad, "%s: cannot write", path);

    seg_dataset *whole = NULL, *part = NULL;
    size_t first = 0, total = 0;
    int want = seg_dataset_read_csv(&whole, path, NULL);
    char serial_msg[1024];
    snprintf(serial_msg, sizeof serial_msg, "%s", want < 0 ? seg_last_error() : "");
    int got = seg_mpi_read_csv(MPI_COMM_WORLD, path, NULL, &part, &first, &total);
    CHECK(got == want, "%s: status %d, the serial reader's %d (%s / %s)", name, got, want,
          got < 0 ? seg_mpi_last_error() : "", serial_msg);
    if (want < 0) {
        CHECK(strcmp(seg_mpi_last_error(), serial_msg) == 0, "%s: message\n  %s\nnot\n  %s", name,
              seg_mpi_last_error(), serial_msg);
        seg_dataset_free(whole);
        return 0;
    }
    int bad_rows = same_rows(name, whole, part, first, total), any = 0;
    MPI_Allreduce(&bad_rows, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    const size_t n = seg_dataset_rows(part);
    if (any) {
        seg_dataset_free(whole);
        seg_dataset_free(part);
        return 1;
    }
    /* The ranks hold every row once, in order. */
    unsigned long long mine[2] = {first, n}, *all = malloc(2 * (size_t)ranks * sizeof *all);
    CHECK(all, "out of memory");
    MPI_Allgather(mine, 2, MPI_UNSIGNED_LONG_LONG, all, 2, MPI_UNSIGNED_LONG_LONG, MPI_COMM_WORLD);
    unsigned long long next = 0;
    for (int r = 0; r < ranks; r++) {
        CHECK(all[2 * r] == next, "%s: rank %d starts at row %llu, not %llu", name, r, all[2 * r],
              next);
        next += all[2 * r + 1];
    }
    free(all);
    CHECK(next == total, "%s: the ranks hold %llu rows, not %zu", name, next, total);
    seg_dataset_free(whole);
    seg_dataset_free(part);
    return 0;
}

/* Rows first .. first + n of whole against part (no collective). */
static int same_rows(const char *name, const seg_dataset *whole, const seg_dataset *part,
                     size_t first, size_t total)
{
    const size_t n = seg_dataset_rows(part), d = seg_dataset_columns(whole);
    CHECK(total == seg_dataset_rows(whole), "%s: %zu rows, not %zu", name, total,
          seg_dataset_rows(whole));
    CHECK(first + n <= total && seg_dataset_columns(part) == d, "%s: shapes", name);
    for (size_t j = 0; j < d; j++) {
        CHECK(strcmp(seg_dataset_column_name(part, j), seg_dataset_column_name(whole, j)) == 0,
              "%s: column %zu name", name, j);
        CHECK(seg_dataset_column_type(part, j) == seg_dataset_column_type(whole, j),
              "%s: column %s: type", name, seg_dataset_column_name(whole, j));
        size_t nl = seg_dataset_column_levels(whole, j);
        CHECK(seg_dataset_column_levels(part, j) == nl, "%s: column %s: %zu levels, not %zu", name,
              seg_dataset_column_name(whole, j), seg_dataset_column_levels(part, j), nl);
        for (size_t l = 0; l < nl; l++)
            CHECK(strcmp(seg_dataset_column_level(part, j, l),
                         seg_dataset_column_level(whole, j, l)) == 0,
                  "%s: column %s: level %zu", name, seg_dataset_column_name(whole, j), l);
        for (size_t i = 0; i < n; i++) {
            if (seg_dataset_column_type(whole, j) == SEG_COLUMN_NUMERIC) {
                double a = 0, b = 0;
                seg_dataset_get_f64(part, i, j, &a);
                seg_dataset_get_f64(whole, first + i, j, &b);
                CHECK(memcmp(&a, &b, sizeof a) == 0, "%s: row %zu column %zu: %g, not %g", name,
                      first + i, j, a, b);
            } else {
                const char *a = NULL, *b = NULL;
                seg_dataset_get_text(part, i, j, &a);
                seg_dataset_get_text(whole, first + i, j, &b);
                CHECK((!a && !b) || (a && b && strcmp(a, b) == 0),
                      "%s: row %zu column %zu: '%s', not '%s'", name, first + i, j,
                      a ? a : "(missing)", b ? b : "(missing)");
            }
        }
    }
    for (size_t i = 0; i < n; i++)
        CHECK(seg_dataset_row_line(part, i) == seg_dataset_row_line(whole, first + i),
              "%s: row %zu on line %zu, not %zu", name, first + i, seg_dataset_row_line(part, i),
              seg_dataset_row_line(whole, first + i));
    return 0;
}

/* A mixed file whose every cut lies in a quoted field before a line end. */
static int mixed_cut(text *t, size_t rows, int crlf, int final_newline, int stray)
{
    for (size_t pad = 0; pad < 400; pad++) {
        mixed(t, rows, pad, crlf, final_newline, stray);
        size_t floor_ = first_record_end(t->p, t->n), ok = 0;
        for (int r = 1; r < ranks; r++) {
            size_t at = (size_t)((unsigned long long)t->n * (unsigned)r / (unsigned)ranks);
            ok += at > floor_ && cut_in_quoted_newline(t->p, t->n, at);
        }
        if (ok == (size_t)ranks - 1)
            return 0;
    }
    CHECK(0, "no padding puts every cut inside a quoted line end for %d ranks", ranks);
    return 1;
}

static int run(void)
{
    text t = {0};
    int rc = 0;
    const size_t rows = 60;

    /* Quoted line ends across every cut; "code" categorical by the last share. */
    rc |= mixed_cut(&t, rows, 0, 1, 0) || compare("mixed.csv", &t);
    /* The same with CRLF line ends and no final line end. */
    rc |= mixed_cut(&t, rows, 1, 0, 0) || compare("crlf.csv", &t);
    /* "code": 4 numbers, 3 texts in the last rows: the serial reader's stray
     * error, naming the first text's line, on every rank. */
    rc |= mixed_cut(&t, rows, 0, 1, 1) || compare("stray.csv", &t);
    /* A byte order mark, CRLF, and the first cut between a CR and its LF
     * (outside quotes): the LF opens the next share, the lines still count
     * once. */
    if (ranks > 1) {
        int found = 0;
        text bom = {0};
        for (size_t pad = 0; pad < 400 && !found; pad++) {
            mixed(&t, rows, pad, 1, 1, 0);
            bom.n = 0;
            put(&bom, "\xef\xbb\xbf");
            put(&bom, t.p);
            size_t at = bom.n / (size_t)ranks;
            found = at > first_record_end(bom.p, bom.n) && bom.p[at - 1] == '\r' &&
                    bom.p[at] == '\n' && !cut_in_quoted_newline(bom.p, bom.n, at);
        }
        CHECK(found, "no padding puts the first cut between a CR and its LF");
        rc |= compare("crcut.csv", &bom);
        free(bom.p);
    }
    /* A ragged row in the last share: the same message everywhere. */
    mixed(&t, rows, 0, 0, 1, 0);
    t.n--; /* the last row loses its last field */
    while (t.n && t.p[t.n - 1] != ',')
        t.n--;
    t.n--;
    t.p[t.n] = '\0';
    put(&t, "\n");
    rc |= compare("ragged.csv", &t);
    /* More ranks than records. */
    t.n = 0;
    put(&t, "a,b\n1,x\n2,y\n");
    rc |= compare("two.csv", &t);
    /* A record longer than a share: the ranks between hold none. */
    t.n = 0;
    put(&t, "a,b\n1,x\n2,\"");
    for (int i = 0; i < 400; i++)
        put(&t, i % 40 == 39 ? "\n" : "q");
    put(&t, "\"\n3,z\n");
    rc |= compare("long.csv", &t);
    /* A header and no data row. */
    t.n = 0;
    put(&t, "a,b\n\n");
    rc |= compare("empty.csv", &t);
    free(t.p);
    return rc;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    if (rank == 0) {
        snprintf(dir, sizeof dir, "/tmp/seg_mpi_csv_XXXXXX");
        if (!mkdtemp(dir))
            dir[0] = '\0';
    }
    MPI_Bcast(dir, sizeof dir, MPI_CHAR, 0, MPI_COMM_WORLD);
    int bad = dir[0] ? run() : 1;
    int any = 0;
    MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0 && dir[0]) {
        const char *names[] = {"mixed.csv", "crlf.csv", "stray.csv", "ragged.csv",
                               "two.csv",   "long.csv", "empty.csv", "crcut.csv"};
        char p[128];
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
            snprintf(p, sizeof p, "%s/%s", dir, names[i]);
            unlink(p);
        }
        rmdir(dir);
    }
    if (rank == 0)
        printf("%s with %d rank(s)\n", any ? "FAILED" : "passed", ranks);
    MPI_Finalize();
    return any;
}
