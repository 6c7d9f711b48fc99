/*
 * NumPy .npy reader.
 *
 * Layout (numpy/lib/format.py): the magic "\x93NUMPY", a major and a minor
 * version byte, the header length (little-endian uint16 for version 1.0,
 * uint32 for 2.0 and 3.0), then the header: a Python dict literal such as
 * {'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), } padded with
 * spaces and a newline, then the raw data. The header is parsed by hand with
 * every read bounded by its length; the data is read into the dataset's
 * dense block, memory the library owns. It is never mapped from the file:
 * a mapping dies of SIGBUS when the file is truncated while a fit runs and
 * silently changes values when the file is rewritten in place, and a library
 * embedded in a long-running service must survive a file changing under it.
 *
 * Layouts: float32 and float64 in either byte order ('<', '>', or '=' and
 * '|', which numpy reads as the host's order), in C or Fortran order. The
 * dataset is always row-major in the host's order: bytes are swapped in
 * place after the read, and a Fortran-ordered array (what np.save writes for
 * DataFrame.to_numpy() and most scikit-learn outputs) is scattered into rows
 * as it is read, through a bounded staging buffer rather than a second copy
 * of the whole array.
 */
#include "data/data.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* numpy itself refuses headers over 10000 bytes by default; allow more, but
 * never let a corrupt length make us allocate gigabytes. */
#define NPY_MAX_HEADER ((size_t)1 << 20)
/* Columns of a 2-D array; each becomes a dataset column (documented in seg.h). */
#define NPY_MAX_COLUMNS ((size_t)1000000)

typedef struct npy_header {
    int itemsize; /* 4 or 8 */
    char order;   /* '<', '>', '=' or '|' as in the descr */
    int fortran;  /* 0 or 1 */
    size_t ndim;
    size_t shape[2];
    bool have_descr, have_order, have_shape;
} npy_header;

typedef struct npy_cursor {
    const char *path;
    const char *p, *end, *start;
} npy_cursor;

static int npy_bad(const npy_cursor *c, const char *expected)
{
    char found[24];
    if (c->p == c->end) {
        snprintf(found, sizeof found, "end of header");
    } else {
        size_t i, n = (size_t)(c->end - c->p) < 12 ? (size_t)(c->end - c->p) : 12;
        found[0] = '"';
        for (i = 0; i < n; i++)
            found[i + 1] = (unsigned char)c->p[i] < 0x20 || c->p[i] == 0x7f ? '?' : c->p[i];
        found[i + 1] = '"';
        found[i + 2] = '\0';
    }
    return seg_fail(SEG_ERR_FORMAT, "%.300s: .npy header, byte %zu: found %s, expected %s", c->path,
                    (size_t)(c->p - c->start), found, expected);
}

static void skip_space(npy_cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
        c->p++;
}

static bool eat(npy_cursor *c, char ch)
{
    skip_space(c);
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return true;
    }
    return false;
}

/* A Python string literal without escapes: the text between the quotes. */
static int parse_string(npy_cursor *c, const char **s, size_t *len)
{
    const char *q;
    char quote;
    skip_space(c);
    if (c->p == c->end || (*c->p != '\'' && *c->p != '"'))
        return npy_bad(c, "a quoted string");
    quote = *c->p;
    for (q = c->p + 1; q < c->end && *q != quote; q++)
        ;
    if (q == c->end)
        return npy_bad(c, "a closing quote");
    *s = c->p + 1;
    *len = (size_t)(q - *s);
    c->p = q + 1;
    return SEG_OK;
}

static int parse_dim(npy_cursor *c, size_t *out)
{
    size_t v = 0;
    const char *first;
    skip_space(c);
    for (first = c->p; c->p < c->end && (unsigned)(*c->p - '0') < 10; c->p++) {
        size_t digit = (size_t)(*c->p - '0');
        if (v > (SIZE_MAX - digit) / 10)
            return seg_fail(SEG_ERR_OVERFLOW, "%.300s: .npy shape dimension does not fit size_t",
                            c->path);
        v = v * 10 + digit;
    }
    if (c->p == first)
        return npy_bad(c, "a dimension");
    if (c->p < c->end && *c->p == 'L') /* Python 2 long literals in old files */
        c->p++;
    *out = v;
    return SEG_OK;
}

static int parse_shape(npy_cursor *c, npy_header *h)
{
    int rc;
    if (!eat(c, '('))
        return npy_bad(c, "'(' opening the shape tuple");
    h->ndim = 0;
    while (!eat(c, ')')) {
        size_t dim = 0;
        if ((rc = parse_dim(c, &dim)) < 0)
            return rc;
        if (h->ndim == 2)
            return seg_fail(SEG_ERR_FORMAT,
                            "%.300s: .npy shape has more than 2 dimensions, expected (n,) or "
                            "(n, d)",
                            c->path);
        h->shape[h->ndim++] = dim;
        if (!eat(c, ',')) {
            if (!eat(c, ')'))
                return npy_bad(c, "',' or ')' in the shape tuple");
            break;
        }
    }
    if (h->ndim == 0)
        return seg_fail(SEG_ERR_FORMAT,
                        "%.300s: .npy shape () is a scalar, expected (n,) or (n, d)", c->path);
    return SEG_OK;
}

/* A structured dtype (a list of named fields): refused, quoting the list as
 * found, up to its closing bracket or 60 bytes. */
static int structured_dtype(const npy_cursor *c)
{
    const char *q = c->p;
    int depth = 0;
    size_t n;
    do {
        depth += *q == '[' ? 1 : *q == ']' ? -1 : 0;
        q++;
    } while (q < c->end && depth > 0);
    n = (size_t)(q - c->p);
    return seg_fail(SEG_ERR_FORMAT,
                    "%.300s: .npy dtype %.*s%s is structured (named fields), expected float32 or "
                    "float64 ('<f4', '>f4', '<f8' or '>f8')",
                    c->path, (int)(n > 60 ? 60 : n), c->p, n > 60 ? "..." : "");
}

static int parse_header(npy_cursor *c, npy_header *h)
{
    const char *s;
    size_t len;
    int rc;
    if (!eat(c, '{'))
        return npy_bad(c, "'{' opening the header dict");
    while (!eat(c, '}')) {
        if ((rc = parse_string(c, &s, &len)) < 0)
            return rc;
        if (!eat(c, ':'))
            return npy_bad(c, "':' after a key");
        if (len == 5 && memcmp(s, "descr", 5) == 0 && !h->have_descr) {
            skip_space(c);
            if (c->p < c->end && *c->p == '[')
                return structured_dtype(c);
            if ((rc = parse_string(c, &s, &len)) < 0)
                return rc;
            /* Not strchr: a NUL byte in the header would match its terminator. */
            if (len == 3 && (s[0] == '<' || s[0] == '>' || s[0] == '=' || s[0] == '|') &&
                s[1] == 'f' && (s[2] == '4' || s[2] == '8')) {
                h->order = s[0];
                h->itemsize = s[2] - '0';
            } else {
                return seg_fail(SEG_ERR_FORMAT,
                                "%.300s: .npy dtype '%.*s' is not supported, expected float32 "
                                "or float64 ('<f4', '>f4', '<f8' or '>f8')",
                                c->path, (int)(len > 32 ? 32 : len), s);
            }
            h->have_descr = true;
        } else if (len == 13 && memcmp(s, "fortran_order", 13) == 0 && !h->have_order) {
            skip_space(c);
            if ((size_t)(c->end - c->p) >= 4 && memcmp(c->p, "True", 4) == 0) {
                h->fortran = 1;
                c->p += 4;
            } else if ((size_t)(c->end - c->p) >= 5 && memcmp(c->p, "False", 5) == 0) {
                c->p += 5;
            } else {
                return npy_bad(c, "True or False");
            }
            h->have_order = true;
        } else if (len == 5 && memcmp(s, "shape", 5) == 0 && !h->have_shape) {
            if ((rc = parse_shape(c, h)) < 0)
                return rc;
            h->have_shape = true;
        } else {
            return seg_fail(SEG_ERR_FORMAT,
                            "%.300s: .npy header key '%.*s' is unknown or repeated, expected "
                            "'descr', 'fortran_order' and 'shape' once each",
                            c->path, (int)(len > 32 ? 32 : len), s);
        }
        if (!eat(c, ',')) {
            if (!eat(c, '}'))
                return npy_bad(c, "',' or '}' in the header dict");
            break;
        }
    }
    skip_space(c);
    if (c->p != c->end)
        return npy_bad(c, "only padding after the header dict");
    if (!h->have_descr || !h->have_order || !h->have_shape)
        return seg_fail(SEG_ERR_FORMAT,
                        "%.300s: .npy header lacks '%s', expected 'descr', 'fortran_order' and "
                        "'shape'",
                        c->path,
                        !h->have_descr   ? "descr"
                        : !h->have_order ? "fortran_order"
                                         : "shape");
    return SEG_OK;
}

static int io_fail(const char *path, const char *what, int err)
{
    char msg[128] = "unknown error";
    strerror_r(err, msg, sizeof msg);
    return seg_fail(SEG_ERR_IO, "%.300s: %s: %s", path, what, msg);
}

/* One fread is at most this many bytes, so a huge array is read in steps the
 * C library handles well everywhere (some cap a single read at 2 GiB). */
#define NPY_READ_STEP ((size_t)1 << 24)

/* Read up to n bytes in bounded steps; fewer only at end of file or on a
 * read error. */
static size_t read_steps(FILE *f, void *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        size_t want = n - got < NPY_READ_STEP ? n - got : NPY_READ_STEP;
        size_t step = fread((unsigned char *)buf + got, 1, want, f);
        got += step;
        if (step < want)
            break;
    }
    return got;
}

/* A read that stopped at byte got of n: SEG_ERR_IO on a read error,
 * SEG_ERR_FORMAT (naming what was being read, and the bytes expected and
 * read) when the file ended first, as it does when the file shrank after its
 * size was checked. */
static int short_read(FILE *f, const char *path, size_t got, size_t n, const char *what)
{
    if (ferror(f))
        return io_fail(path, "cannot read", errno);
    return seg_fail(SEG_ERR_FORMAT, "%.300s: truncated .npy file: found %zu of the %zu bytes of %s",
                    path, got, n, what);
}

static int read_exact(FILE *f, void *buf, size_t n, const char *path, const char *what)
{
    size_t got = read_steps(f, buf, n);
    return got == n ? SEG_OK : short_read(f, path, got, n, what);
}

/* The n x d values of a Fortran-ordered (column-major) array, read into the
 * row-major block dst one staging buffer at a time. */
static int read_fortran(FILE *f, unsigned char *dst, size_t n, size_t d, size_t itemsize,
                        const char *path)
{
    const size_t count = n * d, per_step = NPY_READ_STEP / itemsize;
    size_t done = 0, row = 0, col = 0;
    unsigned char *stage = seg_malloc((count < per_step ? count : per_step) * itemsize);
    if (!stage)
        return SEG_NOMEM();
    while (done < count) {
        size_t m = count - done < per_step ? count - done : per_step;
        size_t got = read_steps(f, stage, m * itemsize);
        if (got != m * itemsize) {
            int rc = short_read(f, path, done * itemsize + got, count * itemsize, "the data");
            seg_free(stage);
            return rc;
        }
        for (size_t k = 0; k < m; k++) {
            unsigned char *to = dst + (row * d + col) * itemsize;
            if (itemsize == 8)
                memcpy(to, stage + k * 8, 8);
            else
                memcpy(to, stage + k * 4, 4);
            if (++row == n) {
                row = 0;
                col++;
            }
        }
        done += m;
    }
    seg_free(stage);
    return SEG_OK;
}

static bool host_little_endian(void)
{
    const uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

static void swap_bytes(unsigned char *p, size_t count, size_t itemsize)
{
    for (size_t i = 0; i < count; i++, p += itemsize)
        for (size_t a = 0, b = itemsize - 1; a < b; a++, b--) {
            unsigned char t = p[a];
            p[a] = p[b];
            p[b] = t;
        }
}

static int check_finite(const seg_dataset *ds, const char *path)
{
    size_t d = ds->dense_cols, count = ds->n_rows * d, i;
    if (ds->dense_f32) {
        const float *x = ds->dense;
        for (i = 0; i < count && isfinite(x[i]); i++)
            ;
        if (i == count)
            return SEG_OK;
        return seg_fail(SEG_ERR_NONFINITE,
                        "%.300s: row %zu, column %zu (x%zu): found %s, expected a finite number",
                        path, i / d + 1, i % d + 1, i % d, isnan(x[i]) ? "NaN" : "infinity");
    } else {
        const double *x = ds->dense;
        for (i = 0; i < count && isfinite(x[i]); i++)
            ;
        if (i == count)
            return SEG_OK;
        return seg_fail(SEG_ERR_NONFINITE,
                        "%.300s: row %zu, column %zu (x%zu): found %s, expected a finite number",
                        path, i / d + 1, i % d + 1, i % d, isnan(x[i]) ? "NaN" : "infinity");
    }
}

int seg_dataset_read_npy(seg_dataset **out, const char *path)
{
    unsigned char pre[12];
    size_t header_len, count, bytes, n, d;
    char *text = NULL;
    npy_header h;
    npy_cursor cur;
    seg_dataset *ds = NULL;
    FILE *f = NULL;
    int rc;

    if (!out)
        return seg_fail(SEG_ERR_INVALID_ARG, "out is NULL");
    *out = NULL;
    if (!path)
        return seg_fail(SEG_ERR_INVALID_ARG, "path is NULL");
    if (!(f = fopen(path, "rb")))
        return io_fail(path, "cannot open", errno);
    if ((rc = read_exact(f, pre, 10, path, "the preamble")) < 0)
        goto fail;
    if (memcmp(pre, "\x93NUMPY", 6) != 0) {
        rc = seg_fail(SEG_ERR_FORMAT, "%.300s: found no \\x93NUMPY magic, expected a .npy file",
                      path);
        goto fail;
    }
    if (pre[6] < 1 || pre[6] > 3 || pre[7] != 0) {
        rc = seg_fail(SEG_ERR_FORMAT,
                      "%.300s: .npy format version %u.%u is not supported, expected 1.0, 2.0 "
                      "or 3.0",
                      path, pre[6], pre[7]);
        goto fail;
    }
    if (pre[6] == 1) {
        header_len = (size_t)pre[8] | (size_t)pre[9] << 8;
    } else {
        if ((rc = read_exact(f, pre + 10, 2, path, "the preamble")) < 0)
            goto fail;
        header_len =
            (size_t)pre[8] | (size_t)pre[9] << 8 | (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
    }
    if (header_len > NPY_MAX_HEADER) {
        rc = seg_fail(SEG_ERR_FORMAT, "%.300s: .npy header of %zu bytes, expected at most %zu",
                      path, header_len, NPY_MAX_HEADER);
        goto fail;
    }
    if (!(text = seg_malloc(header_len))) {
        rc = SEG_NOMEM();
        goto fail;
    }
    if ((rc = read_exact(f, text, header_len, path, "the header")) < 0)
        goto fail;
    memset(&h, 0, sizeof h);
    cur.path = path;
    cur.start = cur.p = text;
    cur.end = text + header_len;
    if ((rc = parse_header(&cur, &h)) < 0)
        goto fail;
    n = h.shape[0];
    d = h.ndim == 2 ? h.shape[1] : 1;
    if (n == 0 || d == 0) {
        rc = seg_fail(SEG_ERR_EMPTY, "%.300s: .npy array of shape (%zu, %zu) holds no values", path,
                      n, d);
        goto fail;
    }
    if (!seg_mul_ok(n, d, &count) || !seg_mul_ok(count, (size_t)h.itemsize, &bytes)) {
        rc = seg_fail(SEG_ERR_OVERFLOW, "%.300s: .npy shape (%zu, %zu) overflows size_t", path, n,
                      d);
        goto fail;
    }
    if (d > NPY_MAX_COLUMNS) {
        rc = seg_fail(SEG_ERR_LIMIT, "%.300s: .npy array has %zu columns, at most %zu are accepted",
                      path, d, NPY_MAX_COLUMNS);
        goto fail;
    }
    /* A header may promise far more data than the file holds: check before
     * allocating, so a tiny hostile file cannot make us reserve gigabytes. */
    {
        struct stat st;
        long pos = ftell(f);
        if (pos >= 0 && fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) &&
            (uint64_t)st.st_size - (uint64_t)pos < (uint64_t)bytes) {
            rc = seg_fail(SEG_ERR_FORMAT,
                          "%.300s: truncated .npy file: found %llu of the %zu bytes of the data",
                          path, (unsigned long long)((uint64_t)st.st_size - (uint64_t)pos), bytes);
            goto fail;
        }
    }
    if ((rc = seg_dataset_alloc(&ds, n, d)) < 0)
        goto fail;
    ds->dense_cols = d;
    ds->dense_f32 = h.itemsize == 4;
    if (!(ds->dense = seg_malloc(bytes))) {
        rc = SEG_NOMEM();
        goto fail;
    }
    /* Fortran order differs from C order only when both dimensions exceed 1. */
    if (h.fortran && n > 1 && d > 1)
        rc = read_fortran(f, ds->dense, n, d, (size_t)h.itemsize, path);
    else
        rc = read_exact(f, ds->dense, bytes, path, "the data");
    if (rc < 0)
        goto fail;
    if ((h.order == '<' && !host_little_endian()) || (h.order == '>' && host_little_endian()))
        swap_bytes(ds->dense, count, (size_t)h.itemsize);
    if ((rc = check_finite(ds, path)) < 0)
        goto fail;
    for (size_t j = 0; j < d; j++) {
        seg_column *c = &ds->cols[j];
        char name[32];
        snprintf(name, sizeof name, "x%zu", j);
        if (!(c->name = seg_strdup(name))) {
            rc = SEG_NOMEM();
            goto fail;
        }
        c->type = SEG_COLUMN_NUMERIC;
        c->num = (const char *)ds->dense + j * (size_t)h.itemsize;
        c->stride = d;
        c->num_f32 = ds->dense_f32;
    }
    *out = ds;
    ds = NULL;
    rc = SEG_OK;
fail:
    seg_dataset_free(ds);
    seg_free(text);
    fclose(f);
    return rc;
}

/* The creator again, with a as the current allocator: everything the new
 * object holds, now and later, comes from a. */
int seg_dataset_read_npy_with_allocator(seg_dataset **out, const char *path, seg_allocator *a)
{
    SEG_WITH_ALLOCATOR(a, seg_dataset_read_npy(out, path));
}
