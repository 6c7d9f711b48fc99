/*
 * .npy reader tests. Files are written by the tests themselves, byte by byte,
 * in the layout numpy.save produces (numpy/lib/format.py): magic, version,
 * little-endian header length, dict header padded with spaces to a multiple
 * of 64 bytes and ended by '\n', then the raw data.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "data/data.h"
#include "seg.h"

static char tmp_path[64];

static int make_tmp(void **state)
{
    int fd;
    (void)state;
    snprintf(tmp_path, sizeof tmp_path, "/tmp/seg_test_npy_XXXXXX");
    fd = mkstemp(tmp_path);
    if (fd < 0)
        return -1;
    close(fd);
    return 0;
}

static int remove_tmp(void **state)
{
    (void)state;
    remove(tmp_path);
    return 0;
}

/* Write raw bytes to the temporary file. */
static void write_bytes(const void *a, size_t na, const void *b, size_t nb)
{
    FILE *f = fopen(tmp_path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(a, 1, na, f), na);
    if (nb)
        assert_int_equal(fwrite(b, 1, nb, f), nb);
    assert_int_equal(fclose(f), 0);
}

/* A .npy file of the given version with header dict and data, padded as numpy
 * does; pad = 0 writes the dict with no padding and no newline. */
static void write_npy(int major, const char *dict, const void *data, size_t nbytes, int pad)
{
    unsigned char buf[4096];
    size_t pre = major == 1 ? 10 : 12, len = strlen(dict), hlen;
    memcpy(buf, "\x93NUMPY", 6);
    buf[6] = (unsigned char)major;
    buf[7] = 0;
    memcpy(buf + pre, dict, len);
    hlen = len;
    if (pad) {
        while ((pre + hlen + 1) % 64 != 0)
            buf[pre + hlen++] = ' ';
        buf[pre + hlen++] = '\n';
    }
    buf[8] = (unsigned char)(hlen & 0xff);
    buf[9] = (unsigned char)(hlen >> 8);
    if (major != 1) {
        buf[10] = 0;
        buf[11] = 0;
    }
    write_bytes(buf, pre + hlen, data, nbytes);
}

static void expect_npy_error(int code, const char *frag)
{
    seg_dataset *ds = (seg_dataset *)1;
    int rc = seg_dataset_read_npy(&ds, tmp_path);
    if (rc != code)
        fail_msg("expected %d, got %d: %s", code, rc, seg_last_error());
    assert_null(ds);
    if (frag && !strstr(seg_last_error(), frag))
        fail_msg("'%s' not in '%s'", frag, seg_last_error());
}

static double value(const seg_dataset *ds, size_t i, size_t j)
{
    double v = 0;
    assert_int_equal(seg_dataset_get_f64(ds, i, j, &v), SEG_OK);
    return v;
}

static void f8_matrix_v1(void **state)
{
    const double x[6] = {1.5, -2.0, 3.25, 0.0, 1e300, -7.125};
    seg_dataset *ds = NULL;
    bool f32 = true;
    (void)state;
    write_npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }", x, sizeof x, 1);
    assert_int_equal(seg_dataset_read_npy(&ds, tmp_path), SEG_OK);
    assert_int_equal(seg_dataset_rows(ds), 3);
    assert_int_equal(seg_dataset_columns(ds), 2);
    assert_string_equal(seg_dataset_column_name(ds, 0), "x0");
    assert_string_equal(seg_dataset_column_name(ds, 1), "x1");
    assert_int_equal(seg_dataset_column_type(ds, 1), SEG_COLUMN_NUMERIC);
    assert_int_equal(seg_dataset_column_missing(ds, 1), 0);
    for (size_t i = 0; i < 3; i++)
        for (size_t j = 0; j < 2; j++)
            assert_true(value(ds, i, j) == x[i * 2 + j]);
    /* Columns are strided views of one dense block holding the file's data. */
    assert_non_null(ds->dense);
    assert_int_equal(ds->dense_cols, 2);
    assert_false(ds->dense_f32);
    assert_memory_equal(ds->dense, x, sizeof x);
    assert_ptr_equal(seg_dataset_dense_view(ds, &f32), ds->dense);
    assert_false(f32);
    assert_ptr_equal(ds->cols[1].num, (const double *)ds->dense + 1);
    assert_int_equal(ds->cols[1].stride, 2);
    assert_null(ds->cols[1].num_owned);
    seg_dataset_free(ds);
}

static void f4_vector_v2_v3(void **state)
{
    const float x[4] = {0.5f, -1.25f, 3e30f, 7.0f};
    seg_dataset *ds = NULL;
    bool f32 = false;
    (void)state;
    for (int major = 2; major <= 3; major++) {
        write_npy(major, "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", x, sizeof x,
                  1);
        assert_int_equal(seg_dataset_read_npy(&ds, tmp_path), SEG_OK);
        assert_int_equal(seg_dataset_rows(ds), 4);
        assert_int_equal(seg_dataset_columns(ds), 1);
        assert_string_equal(seg_dataset_column_name(ds, 0), "x0");
        assert_true(ds->dense_f32);
        assert_true(ds->cols[0].num_f32);
        for (size_t i = 0; i < 4; i++)
            assert_true(value(ds, i, 0) == (double)x[i]);
        assert_ptr_equal(seg_dataset_dense_view(ds, &f32), ds->dense);
        assert_true(f32);
        seg_dataset_free(ds);
        ds = NULL;
    }
}

/* Header spellings numpy's parser accepts: key order, double quotes, no
 * trailing comma, Python 2 long literals, no padding. */
static void header_variants(void **state)
{
    static const char *const dicts[] = {
        "{'shape': (2, 1), 'fortran_order': False, 'descr': '<f8'}",
        "{\"descr\": \"<f8\", \"fortran_order\": False, \"shape\": (2L, 1L)}",
        "{ 'descr' : '<f8' ,\n 'fortran_order' : False , 'shape' : ( 2 , 1 , ) , }",
    };
    const double x[2] = {4.0, -8.0};
    (void)state;
    for (size_t k = 0; k < sizeof dicts / sizeof *dicts; k++) {
        for (int pad = 0; pad <= 1; pad++) {
            seg_dataset *ds = NULL;
            write_npy(1, dicts[k], x, sizeof x, pad);
            if (seg_dataset_read_npy(&ds, tmp_path) != SEG_OK)
                fail_msg("header %zu: %s", k, seg_last_error());
            assert_int_equal(seg_dataset_rows(ds), 2);
            assert_int_equal(seg_dataset_columns(ds), 1);
            assert_true(value(ds, 1, 0) == -8.0);
            seg_dataset_free(ds);
        }
    }
}

static void trailing_bytes_ignored(void **state)
{
    const double x[3] = {1, 2, 3};
    seg_dataset *ds = NULL;
    (void)state;
    /* numpy reads exactly shape * itemsize bytes; so do we. */
    write_npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", x, sizeof x, 1);
    assert_int_equal(seg_dataset_read_npy(&ds, tmp_path), SEG_OK);
    assert_int_equal(seg_dataset_rows(ds), 2);
    assert_true(value(ds, 1, 0) == 2.0);
    seg_dataset_free(ds);
}

/* Unsupported dtypes are refused naming the file and the dtype found. */
static void dtype_and_order_errors(void **state)
{
    const double x[2] = {1, 2};
    static const char *const bad[] = {"<i8", "<f2", "<f16", "<c16", "|O",  ">i4",
                                      "f8",  "<U5", "|b1",  "<f8 ", "!f8", ""};
    char dict[128], frag[192];
    (void)state;
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (2,), }",
                 bad[k]);
        write_npy(1, dict, x, sizeof x, 1);
        snprintf(frag, sizeof frag,
                 "%s: .npy dtype '%s' is not supported, expected float32 or float64", tmp_path,
                 bad[k]);
        expect_npy_error(SEG_ERR_FORMAT, frag);
    }
    write_npy(1, "{'descr': [('a', '<f8'), ('b', '<i4')], 'fortran_order': False, 'shape': (2,), }",
              x, sizeof x, 1);
    snprintf(frag, sizeof frag,
             "%s: .npy dtype [('a', '<f8'), ('b', '<i4')] is structured (named fields)", tmp_path);
    expect_npy_error(SEG_ERR_FORMAT, frag);
    /* A NUL where the byte order goes is no byte order. */
    write_npy(1, "{'descr': '?f8', 'fortran_order': False, 'shape': (2,), }", x, sizeof x, 1);
    {
        FILE *f = fopen(tmp_path, "r+b");
        assert_non_null(f);
        assert_int_equal(fseek(f, 21, SEEK_SET), 0); /* 10 + strlen("{'descr': '") */
        assert_int_equal(fputc(0, f), 0);
        assert_int_equal(fclose(f), 0);
    }
    expect_npy_error(SEG_ERR_FORMAT, "is not supported, expected float32 or float64");
    write_npy(1, "{'descr': '<f8', 'fortran_order': 0, 'shape': (2,), }", x, sizeof x, 1);
    expect_npy_error(SEG_ERR_FORMAT, "expected True or False");
}

/* v as an item of the given size and byte order ('<' little, '>' big). */
static void encode(unsigned char *p, double v, size_t itemsize, char order)
{
    unsigned char b[8];
    uint64_t u;
    if (itemsize == 4) {
        float f = (float)v;
        uint32_t w;
        memcpy(&w, &f, 4);
        u = w;
    } else {
        memcpy(&u, &v, 8);
    }
    for (size_t i = 0; i < itemsize; i++) /* b little-endian */
        b[i] = (unsigned char)(u >> (8 * i));
    for (size_t i = 0; i < itemsize; i++)
        p[i] = order == '>' ? b[itemsize - 1 - i] : b[i];
}

static char host_order(void)
{
    const uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1 ? '<' : '>';
}

/* Every byte order numpy accepts for float32 and float64, in C and Fortran
 * order, 2-D and 1-D: the dataset holds the same row-major values. The
 * files are written as np.save writes them (np.asfortranarray(a) and
 * a.astype('>f8') give these headers); '=' and '|' mean the host's order. */
static void byte_orders_and_fortran(void **state)
{
    /* a = np.arange(6.).reshape(3, 2) * 1.5 - 2 */
    const double a[3][2] = {{-2.0, -0.5}, {1.0, 2.5}, {4.0, 5.5}};
    static const char orders[] = "<>=|";
    static const char *const shapes[] = {"(3, 2)", "(3,)", "(1, 2)", "(3, 1)"};
    (void)state;
    for (size_t o = 0; o < 4; o++)
        for (size_t itemsize = 4; itemsize <= 8; itemsize += 4)
            for (int fortran = 0; fortran <= 1; fortran++)
                for (size_t sh = 0; sh < 4; sh++) {
                    const size_t n = sh == 2 ? 1 : 3, d = sh == 0 || sh == 2 ? 2 : 1;
                    const char order =
                        orders[o] == '=' || orders[o] == '|' ? host_order() : orders[o];
                    unsigned char data[48];
                    char dict[128];
                    seg_dataset *ds = NULL;
                    /* Item k of the file is a[i][j] with k = i * d + j (C) or
                     * k = j * n + i (Fortran). */
                    for (size_t i = 0; i < n; i++)
                        for (size_t j = 0; j < d; j++)
                            encode(data + (fortran ? j * n + i : i * d + j) * itemsize, a[i][j],
                                   itemsize, order);
                    snprintf(dict, sizeof dict,
                             "{'descr': '%cf%zu', 'fortran_order': %s, 'shape': %s, }", orders[o],
                             itemsize, fortran ? "True" : "False", shapes[sh]);
                    write_npy(1, dict, data, n * d * itemsize, 1);
                    if (seg_dataset_read_npy(&ds, tmp_path) != SEG_OK)
                        fail_msg("%s: %s", dict, seg_last_error());
                    assert_int_equal(seg_dataset_rows(ds), n);
                    assert_int_equal(seg_dataset_columns(ds), d);
                    assert_int_equal(ds->dense_f32, itemsize == 4);
                    assert_string_equal(seg_dataset_column_name(ds, d - 1), d == 2 ? "x1" : "x0");
                    for (size_t i = 0; i < n; i++)
                        for (size_t j = 0; j < d; j++)
                            if (value(ds, i, j) != a[i][j])
                                fail_msg("%s: row %zu col %zu: %g, expected %g", dict, i, j,
                                         value(ds, i, j), a[i][j]);
                    seg_dataset_free(ds);
                }
}

/* Files byte for byte as numpy 1.x wrote them: np.save of
 * np.asfortranarray(a.astype('>f4')) and of a.astype('>f8'). */
static void numpy_written_files(void **state)
{
    static const unsigned char f4_fortran[] = {0xc0, 0x00, 0x00, 0x00, 0x3f, 0x80, 0x00, 0x00,
                                               0x40, 0x80, 0x00, 0x00, 0xbf, 0x00, 0x00, 0x00,
                                               0x40, 0x20, 0x00, 0x00, 0x40, 0xb0, 0x00, 0x00};
    static const unsigned char f8_big[] = {
        0xc0, 0x00, 0, 0, 0, 0, 0, 0, 0xbf, 0xe0, 0, 0, 0, 0, 0, 0, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0,
        0x40, 0x04, 0, 0, 0, 0, 0, 0, 0x40, 0x10, 0, 0, 0, 0, 0, 0, 0x40, 0x16, 0, 0, 0, 0, 0, 0};
    const double a[6] = {-2.0, -0.5, 1.0, 2.5, 4.0, 5.5};
    seg_dataset *ds = NULL;
    unsigned char head[128];
    FILE *f;
    (void)state;
    write_npy(1, "{'descr': '>f4', 'fortran_order': True, 'shape': (3, 2), }", f4_fortran,
              sizeof f4_fortran, 1);
    /* The header write_npy made is numpy's: 118 bytes, padded to byte 128. */
    f = fopen(tmp_path, "rb");
    assert_non_null(f);
    assert_int_equal(fread(head, 1, sizeof head, f), sizeof head);
    assert_int_equal(fclose(f), 0);
    assert_memory_equal(head, "\x93NUMPY\x01\x00\x76\x00{'descr': '>f4', 'fortran_order': True",
                        48);
    assert_int_equal(head[127], '\n');
    assert_int_equal(seg_dataset_read_npy(&ds, tmp_path), SEG_OK);
    assert_true(ds->dense_f32);
    for (size_t k = 0; k < 6; k++)
        assert_true(value(ds, k / 2, k % 2) == a[k]);
    seg_dataset_free(ds);
    write_npy(1, "{'descr': '>f8', 'fortran_order': False, 'shape': (3, 2), }", f8_big,
              sizeof f8_big, 1);
    assert_int_equal(seg_dataset_read_npy(&ds, tmp_path), SEG_OK);
    assert_false(ds->dense_f32);
    for (size_t k = 0; k < 6; k++)
        assert_true(value(ds, k / 2, k % 2) == a[k]);
    seg_dataset_free(ds);
}

/* Read the file at tmp_path through a FIFO, whose size cannot be checked
 * before the read (a regular file that shrank after the check reads the
 * same way): a child process copies the file into it. */
static int read_through_fifo(seg_dataset **ds, char *fifo, size_t fifo_size)
{
    int status = 0, rc;
    pid_t child;
    snprintf(fifo, fifo_size, "%s.fifo", tmp_path);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        static unsigned char buf[1 << 16];
        FILE *in = fopen(tmp_path, "rb"), *out = fopen(fifo, "wb");
        size_t got;
        int ok = in && out;
        while (ok && (got = fread(buf, 1, sizeof buf, in)) > 0)
            ok = fwrite(buf, 1, got, out) == got;
        ok = ok && !ferror(in) && fclose(out) == 0;
        _exit(ok ? 0 : 1);
    }
    rc = seg_dataset_read_npy(ds, fifo);
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    remove(fifo);
    return rc;
}

/* A Fortran-ordered array larger than the reader's 16 MiB staging buffer, so
 * it is scattered into rows over several reads; one that ends early reports
 * the bytes read in all of them, whether its size was checked first (a
 * regular file) or not (a pipe). */
static void large_fortran(void **state)
{
    enum { N = 300007, D = 7 }; /* 16.8 MB of float64 */
    const char *dict = "{'descr': '<f8', 'fortran_order': True, 'shape': (300007, 7), }";
    double *x = malloc(sizeof *x * N * D);
    seg_dataset *ds = NULL;
    char frag[160], fifo[80];
    (void)state;
    assert_non_null(x);
    for (size_t j = 0; j < D; j++)
        for (size_t i = 0; i < N; i++)
            x[j * N + i] = (double)i * 0.25 + (double)j * 1e6; /* column-major */
    if (host_order() == '>')
        for (size_t k = 0; k < (size_t)N * D; k++)
            encode((unsigned char *)&x[k], x[k], 8, '<');
    write_npy(1, dict, x, sizeof *x * N * D, 1);
    assert_int_equal(seg_dataset_read_npy(&ds, tmp_path), SEG_OK);
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < D; j++)
            if (value(ds, i, j) != (double)i * 0.25 + (double)j * 1e6)
                fail_msg("row %zu col %zu: %g", i, j, value(ds, i, j));
    seg_dataset_free(ds);
    write_npy(1, dict, x, sizeof *x * N * D - 8, 1);
    snprintf(frag, sizeof frag, "%s: truncated .npy file: found 16800384 of the 16800392 bytes",
             tmp_path);
    expect_npy_error(SEG_ERR_FORMAT, frag);
    ds = (seg_dataset *)1;
    assert_int_equal(read_through_fifo(&ds, fifo, sizeof fifo), SEG_ERR_FORMAT);
    assert_null(ds);
    snprintf(frag, sizeof frag, "%s: truncated .npy file: found 16800384 of the 16800392 bytes",
             fifo);
    if (!strstr(seg_last_error(), frag))
        fail_msg("'%s' not in '%s'", frag, seg_last_error());
    free(x);
}

static void header_errors(void **state)
{
    const double x[8] = {0};
    (void)state;
    write_npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2, 2), }", x, sizeof x, 1);
    expect_npy_error(SEG_ERR_FORMAT, "more than 2 dimensions");
    write_npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (), }", x, sizeof x, 1);
    expect_npy_error(SEG_ERR_FORMAT, "scalar");
    write_npy(1, "{'descr': '<f8', 'fortran_order': False}", x, sizeof x, 1);
    expect_npy_error(SEG_ERR_FORMAT, "lacks 'shape'");
    write_npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), 'extra': 1}", x, sizeof x,
              1);
    expect_npy_error(SEG_ERR_FORMAT, "key 'extra' is unknown or repeated");
    write_npy(1, "{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (2,)}", x,
              sizeof x, 1);
    expect_npy_error(SEG_ERR_FORMAT, "unknown or repeated");
    write_npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,)} junk", x, sizeof x, 1);
    expect_npy_error(SEG_ERR_FORMAT, "only padding after the header dict");
    write_npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,", x, sizeof x, 0);
    expect_npy_error(SEG_ERR_FORMAT, "found end of header");
    write_npy(1, "{'descr: '<f8', 'fortran_order': False, 'shape': (2,)}", x, sizeof x, 0);
    expect_npy_error(SEG_ERR_FORMAT, ".npy header, byte ");
    write_npy(1, "['descr', '<f8']", x, sizeof x, 1);
    expect_npy_error(SEG_ERR_FORMAT, "expected '{'");
    write_npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, x)}", x, sizeof x, 1);
    expect_npy_error(SEG_ERR_FORMAT, "expected a dimension");
    write_npy(1, "", x, sizeof x, 0);
    expect_npy_error(SEG_ERR_FORMAT, "found end of header");
}

static void preamble_errors(void **state)
{
    unsigned char buf[16];
    const double x[2] = {1, 2};
    (void)state;
    write_bytes("\x93NUMPX\x01\x00\x10\x00", 10, NULL, 0);
    expect_npy_error(SEG_ERR_FORMAT, "magic");
    write_bytes("\x93NUM", 4, NULL, 0);
    expect_npy_error(SEG_ERR_FORMAT, "found 4 of the 10 bytes of the preamble");
    write_bytes("", 0, NULL, 0);
    expect_npy_error(SEG_ERR_FORMAT, "truncated");
    write_npy(4, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", x, sizeof x, 1);
    expect_npy_error(SEG_ERR_FORMAT, "version 4.0 is not supported");
    /* Header length beyond the end of the file. */
    memcpy(buf, "\x93NUMPY\x01\x00\xff\x00{'d", 13);
    write_bytes(buf, 13, NULL, 0);
    expect_npy_error(SEG_ERR_FORMAT, "found 3 of the 255 bytes of the header");
    /* A version 2 header length of 4 GB - 1 is refused before any allocation. */
    memcpy(buf, "\x93NUMPY\x02\x00\xff\xff\xff\xff", 12);
    write_bytes(buf, 12, NULL, 0);
    expect_npy_error(SEG_ERR_FORMAT, "expected at most");
    /* Version 2 preamble cut in its length field. */
    write_bytes("\x93NUMPY\x02\x00\x10\x00", 10, NULL, 0);
    expect_npy_error(SEG_ERR_FORMAT, "preamble");
}

static void data_errors(void **state)
{
    const double x[5] = {1, 2, 3, 4, 5};
    float y[4] = {1, 2, 3, 4};
    (void)state;
    /* Truncated data. */
    write_npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }", x, sizeof x, 1);
    expect_npy_error(SEG_ERR_FORMAT, "found 40 of the 48 bytes of the data");
    /* A header promising 4 GB in a tiny file is refused before allocating
     * (found by fuzzing: it used to reserve the 4 GB first). */
    write_npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (199999999, 5), }", x, 3, 1);
    expect_npy_error(SEG_ERR_FORMAT, "found 3 of the 3999999980 bytes of the data");
    write_npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2000000), }", x, 8, 1);
    expect_npy_error(SEG_ERR_LIMIT, "2000000 columns");
    /* Empty arrays. */
    write_npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 3), }", x, 0, 1);
    expect_npy_error(SEG_ERR_EMPTY, "shape (0, 3)");
    write_npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (0,), }", x, 0, 1);
    expect_npy_error(SEG_ERR_EMPTY, NULL);
    write_npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (4, 0), }", x, 0, 1);
    expect_npy_error(SEG_ERR_EMPTY, NULL);
    /* n * d * itemsize overflows; a dimension beyond size_t. */
    write_npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 8), }", x,
              0, 1);
    expect_npy_error(SEG_ERR_OVERFLOW, "overflows");
    write_npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2305843009213693952, 2), }", x,
              0, 1);
    expect_npy_error(SEG_ERR_OVERFLOW, "overflows");
    write_npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999, 1), }",
              x, 0, 1);
    expect_npy_error(SEG_ERR_OVERFLOW, "does not fit");
    /* Non-finite values, named by 1-based row and column. */
    {
        double z[6] = {1, 2, 3, 4, NAN, 6};
        write_npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }", z, sizeof z, 1);
        expect_npy_error(SEG_ERR_NONFINITE, "row 3, column 1 (x0): found NaN");
    }
    y[3] = -INFINITY;
    write_npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", y, sizeof y, 1);
    expect_npy_error(SEG_ERR_NONFINITE, "row 2, column 2 (x1): found infinity");
}

static void io_and_arguments(void **state)
{
    seg_dataset *ds = (seg_dataset *)1;
    (void)state;
    assert_int_equal(seg_dataset_read_npy(&ds, "/nonexistent/seg_test.npy"), SEG_ERR_IO);
    assert_null(ds);
    assert_non_null(strstr(seg_last_error(), "/nonexistent/seg_test.npy: cannot open: "));
    assert_non_null(strstr(seg_last_error(), "No such file or directory"));
    assert_int_equal(seg_dataset_read_npy(&ds, "/tmp"), SEG_ERR_IO);
    assert_int_equal(seg_dataset_read_npy(NULL, tmp_path), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_dataset_read_npy(&ds, NULL), SEG_ERR_INVALID_ARG);
}

/* A larger file: every value lands in its row and column. */
static void larger_matrix(void **state)
{
    enum { N = 1000, D = 7 };
    double *x = malloc(sizeof *x * N * D);
    seg_dataset *ds = NULL;
    (void)state;
    assert_non_null(x);
    for (size_t i = 0; i < (size_t)N * D; i++)
        x[i] = (double)i * 0.5 - 100.0;
    write_npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1000, 7), }", x,
              sizeof *x * N * D, 1);
    assert_int_equal(seg_dataset_read_npy(&ds, tmp_path), SEG_OK);
    assert_string_equal(seg_dataset_column_name(ds, 6), "x6");
    for (size_t i = 0; i < N; i += 37)
        for (size_t j = 0; j < D; j++)
            assert_true(value(ds, i, j) == x[i * D + j]);
    assert_true(value(ds, N - 1, D - 1) == x[N * D - 1]);
    seg_dataset_free(ds);
    free(x);
}

/* The dataset owns its values: truncating the file to nothing and rewriting
 * it in place with other values after the read neither kills the process
 * (a mapping of the file would die of SIGBUS on its next touch) nor changes
 * what the dataset holds (a copy-on-write mapping sees the rewrite), and a
 * fit on the dataset finds the two groups the original file held. */
static void file_changed_after_read(void **state)
{
    enum { N = 400, D = 3 };
    const char *dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (400, 3), }";
    double *x = malloc(sizeof *x * N * D), *other = malloc(sizeof *x * N * D);
    double mean[2][D] = {{0}}, c[2 * D];
    seg_dataset *ds = NULL;
    seg_kmeans *km = NULL;
    seg_model *m = NULL;
    (void)state;
    assert_non_null(x);
    assert_non_null(other);
    /* Rows alternate between a group near 0 and a group near 100. */
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < D; j++) {
            x[i * D + j] = (double)(i % 2) * 100.0 + (double)((i * 7 + j * 3) % 11) * 0.25;
            mean[i % 2][j] += x[i * D + j] / (N / 2);
            other[i * D + j] = -1e6 - (double)i;
        }
    write_npy(1, dict, x, sizeof *x * N * D, 1);
    assert_int_equal(seg_dataset_read_npy(&ds, tmp_path), SEG_OK);
    assert_int_equal(truncate(tmp_path, 0), 0);
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < D; j++)
            assert_true(value(ds, i, j) == x[i * D + j]);
    write_npy(1, dict, other, sizeof *other * N * D, 1); /* same inode, rewritten */
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < D; j++)
            assert_true(value(ds, i, j) == x[i * D + j]);
    assert_int_equal(seg_kmeans_new(&km), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_K, 2), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_SEED, 7), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_THREADS, 1), SEG_OK);
    if (seg_kmeans_fit_dataset(km, ds, NULL, NULL, &m) != SEG_OK)
        fail_msg("fit: %s", seg_last_error());
    assert_int_equal(seg_model_centroids_f64(m, c, 2 * D), SEG_OK);
    for (size_t s = 0; s < 2; s++) {
        size_t g = c[s * D] > 50.0; /* which group this centroid is */
        for (size_t j = 0; j < D; j++)
            assert_float_equal(c[s * D + j], mean[g][j], 1e-9);
    }
    assert_true((c[0] > 50.0) != (c[D] > 50.0));
    seg_model_free(m);
    seg_kmeans_free(km);
    seg_dataset_free(ds);
    free(other);
    free(x);
}

/* A header promising more data than the file holds is an error that names
 * the file and the bytes expected and found. */
static void promised_data_missing(void **state)
{
    const double x[5] = {1, 2, 3, 4, 5};
    char frag[128];
    (void)state;
    write_npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }", x, sizeof x, 1);
    snprintf(frag, sizeof frag, "%s: truncated .npy file: found 40 of the 48 bytes of the data",
             tmp_path);
    expect_npy_error(SEG_ERR_FORMAT, frag);
}

/* A file that ends before its data, read where its size cannot be checked
 * first: the read loop stops at the end and reports the bytes expected and
 * read. */
static void short_read_from_pipe(void **state)
{
    const double x[5] = {1, 2, 3, 4, 5};
    char fifo[80], frag[160];
    seg_dataset *ds = (seg_dataset *)1;
    (void)state;
    write_npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }", x, sizeof x, 1);
    assert_int_equal(read_through_fifo(&ds, fifo, sizeof fifo), SEG_ERR_FORMAT);
    assert_null(ds);
    snprintf(frag, sizeof frag, "%s: truncated .npy file: found 40 of the 48 bytes of the data",
             fifo);
    if (!strstr(seg_last_error(), frag))
        fail_msg("'%s' not in '%s'", frag, seg_last_error());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(f8_matrix_v1),
        cmocka_unit_test(f4_vector_v2_v3),
        cmocka_unit_test(header_variants),
        cmocka_unit_test(trailing_bytes_ignored),
        cmocka_unit_test(dtype_and_order_errors),
        cmocka_unit_test(header_errors),
        cmocka_unit_test(preamble_errors),
        cmocka_unit_test(data_errors),
        cmocka_unit_test(io_and_arguments),
        cmocka_unit_test(larger_matrix),
        cmocka_unit_test(file_changed_after_read),
        cmocka_unit_test(promised_data_missing),
        cmocka_unit_test(short_read_from_pipe),
        cmocka_unit_test(byte_orders_and_fortran),
        cmocka_unit_test(numpy_written_files),
        cmocka_unit_test(large_fortran),
    };
    return cmocka_run_group_tests(tests, make_tmp, remove_tmp);
}
