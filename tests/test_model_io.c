/*
 * Model files and profiles: CRC-32 check value, save -> load -> predict gives
 * the same labels and distances, every truncation and every flipped byte is
 * rejected with the right code, and profile statistics equal ones computed
 * here from the rows and labels.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/bytes.h"
#include "seg.h"
#include "testutil.h"

#define BANK SEG_TEST_DATA "/bank-uci-head.csv"

/* SEG_TEST_SHARD=i/n: the memcheck suite runs this program as n tests side
 * by side (tests/meson.build), since test_every_field_corrupted alone takes
 * most of the suite's time under valgrind: shard i corrupts every n-th byte
 * offset from the i-th, and shards other than 0 run only that test. */
static size_t shard_i, shard_n = 1;

static void read_shard(void)
{
    const char *s = getenv("SEG_TEST_SHARD");
    unsigned i, n;
    char end;
    if (!s)
        return;
    if (sscanf(s, "%u/%u%c", &i, &n, &end) != 2 || n == 0 || i >= n) {
        fprintf(stderr, "SEG_TEST_SHARD='%s': expected i/n with 0 <= i < n\n", s);
        exit(2);
    }
    shard_i = i;
    shard_n = n;
}

typedef struct fitted {
    seg_dataset *ds;
    seg_model *m;
    int32_t *labels;
    size_t n;
} fitted;

static fitted fit_bank(size_t k)
{
    fitted f = {0};
    seg_scaler *sc = NULL;
    seg_kmeans *km = NULL;
    const char *drop[] = {"y", "duration"};
    assert_int_equal(seg_dataset_read_csv(&f.ds, BANK, NULL), SEG_OK);
    assert_int_equal(seg_dataset_drop(f.ds, drop, 2), SEG_OK);
    f.n = seg_dataset_rows(f.ds);
    f.labels = malloc(f.n * sizeof *f.labels);
    assert_int_equal(seg_scaler_new(&sc), SEG_OK);
    assert_int_equal(seg_scaler_fit(sc, f.ds), SEG_OK);
    assert_int_equal(seg_kmeans_new(&km), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_K, (int64_t)k), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_SEED, 3), SEG_OK);
    assert_int_equal(seg_kmeans_fit_dataset(km, f.ds, sc, f.labels, &f.m), SEG_OK);
    seg_kmeans_free(km);
    seg_scaler_free(sc);
    return f;
}

static void fitted_free(fitted *f)
{
    seg_model_free(f->m);
    seg_dataset_free(f->ds);
    free(f->labels);
}

static uint8_t *save(const seg_model *m, size_t *len)
{
    assert_int_equal(seg_model_save_mem(m, NULL, 0, len), SEG_OK);
    uint8_t *buf = malloc(*len);
    size_t again = 0;
    assert_int_equal(seg_model_save_mem(m, buf, *len - 1, &again), SEG_ERR_MISMATCH);
    assert_non_null(strstr(seg_last_error(), "needs"));
    assert_int_equal(seg_model_save_mem(m, buf, *len, &again), SEG_OK);
    assert_int_equal(again, *len);
    return buf;
}

/* Store a little-endian u32 and fix the trailing CRC, to make a file whose
 * checksum is right but whose contents say something else. */
static void patch_u32(uint8_t *buf, size_t len, size_t at, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        buf[at + (size_t)i] = (uint8_t)(v >> (8 * i));
    uint32_t crc = seg_crc32(buf, len - 4);
    for (int i = 0; i < 4; i++)
        buf[len - 4 + (size_t)i] = (uint8_t)(crc >> (8 * i));
}

static void test_crc32_check_value(void **state)
{
    (void)state;
    /* The catalogued check value of CRC-32/ISO-HDLC. */
    assert_int_equal(seg_crc32("123456789", 9), 0xCBF43926u);
    assert_int_equal(seg_crc32("", 0), 0);
}

static void assert_same_predictions(const seg_model *a, const seg_model *b, const fitted *f)
{
    seg_predictor *pa = NULL, *pb = NULL;
    int32_t *la = malloc(f->n * 4), *lb = malloc(f->n * 4);
    double *da = malloc(f->n * 8), *db = malloc(f->n * 8);
    assert_int_equal(seg_predictor_new(&pa, a), SEG_OK);
    assert_int_equal(seg_predictor_new(&pb, b), SEG_OK);
    assert_int_equal(seg_predictor_run_dataset(pa, f->ds, la, da), SEG_OK);
    assert_int_equal(seg_predictor_run_dataset(pb, f->ds, lb, db), SEG_OK);
    assert_memory_equal(la, f->labels, f->n * 4); /* the fit's own labels */
    assert_memory_equal(lb, f->labels, f->n * 4);
    assert_memory_equal(da, db, f->n * 8);
    seg_predictor_free(pa);
    seg_predictor_free(pb);
    free(la);
    free(lb);
    free(da);
    free(db);
}

static void test_round_trip(void **state)
{
    (void)state;
    fitted f = fit_bank(4);
    size_t len;
    assert_int_equal(seg_model_set_metric(f.m, SEG_MODEL_SILHOUETTE, 0.25), SEG_OK);
    assert_int_equal(seg_model_set_metric(f.m, (seg_model_metric)7, 1), SEG_ERR_INVALID_ARG);
    uint8_t *buf = save(f.m, &len);
    seg_model *m2 = NULL, *m3 = NULL;
    assert_int_equal(seg_model_load_mem(&m2, buf, len), SEG_OK);

    /* Through a file too: the bytes are the same. */
    char path[] = "/tmp/seg_model_io_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(seg_model_save(f.m, path), SEG_OK);
    assert_int_equal(seg_model_load(&m3, path), SEG_OK);
    FILE *fp = fopen(path, "rb");
    uint8_t *disk = malloc(len + 1);
    assert_int_equal(fread(disk, 1, len + 1, fp), len);
    fclose(fp);
    assert_memory_equal(disk, buf, len);
    unlink(path);
    free(disk);

    assert_int_equal(seg_model_k(m2), 4);
    assert_int_equal(seg_model_dim(m2), seg_model_dim(f.m));
    assert_int_equal(seg_model_rows(m2), f.n);
    assert_true(seg_model_inertia(m2) == seg_model_inertia(f.m));
    assert_true(seg_model_get_metric(m2, SEG_MODEL_SILHOUETTE) == 0.25);
    assert_true(isnan(seg_model_get_metric(m2, SEG_MODEL_DAVIES_BOULDIN)));
    assert_string_equal(seg_model_library_version(m2), seg_version_string());
    for (size_t j = 0; j < 4; j++) {
        assert_int_equal(seg_model_segment_size(m2, j), seg_model_segment_size(f.m, j));
        assert_string_equal(seg_model_segment_label(m2, j), seg_model_segment_label(f.m, j));
    }
    const seg_scaler *s1 = seg_model_scaler(f.m), *s2 = seg_model_scaler(m2);
    assert_int_equal(seg_scaler_features(s2), seg_scaler_features(s1));
    for (size_t j = 0; j < seg_scaler_features(s1); j++)
        assert_string_equal(seg_scaler_feature_name(s2, j), seg_scaler_feature_name(s1, j));
    assert_same_predictions(f.m, m2, &f);
    assert_same_predictions(f.m, m3, &f);

    /* Saving over an existing model replaces it and leaves no temporary
     * file behind. */
    char dir[] = "/tmp/seg_model_dir_XXXXXX", target[64];
    assert_non_null(mkdtemp(dir));
    snprintf(target, sizeof target, "%s/m.seg", dir);
    assert_int_equal(seg_model_save(f.m, target), SEG_OK);
    assert_int_equal(seg_model_save(m2, target), SEG_OK);
    DIR *dh = opendir(dir);
    struct dirent *e;
    int entries = 0;
    while ((e = readdir(dh)) != NULL)
        if (e->d_name[0] != '.') {
            assert_string_equal(e->d_name, "m.seg");
            entries++;
        }
    closedir(dh);
    assert_int_equal(entries, 1);
    unlink(target);
    rmdir(dir);

    /* A loaded model saves to the same bytes. */
    size_t len2;
    uint8_t *buf2 = save(m2, &len2);
    assert_int_equal(len2, len);
    assert_memory_equal(buf2, buf, len);
    free(buf2);
    seg_model_free(m2);
    seg_model_free(m3);
    free(buf);
    fitted_free(&f);
}

static void test_corruption_rejected(void **state)
{
    (void)state;
    fitted f = fit_bank(3);
    size_t len;
    uint8_t *buf = save(f.m, &len);
    seg_model *m = NULL;

    /* Every truncation, copied to a buffer of exactly that size so that
     * valgrind sees any read past it. */
    for (size_t cut = 0; cut < len; cut++) {
        uint8_t *t = malloc(cut ? cut : 1);
        memcpy(t, buf, cut);
        assert_int_equal(seg_model_load_mem(&m, t, cut), SEG_ERR_TRUNCATED);
        assert_null(m);
        free(t);
    }
    assert_non_null(strstr(seg_last_error(), "declares"));

    /* Every byte flipped: rejected; past the header always by the checksum. */
    for (size_t i = 0; i < len; i++) {
        buf[i] ^= 0x5a;
        int rc = seg_model_load_mem(&m, buf, len);
        buf[i] ^= 0x5a;
        assert_null(m);
        if (i >= 24 && i < len - 4) {
            assert_int_equal(rc, SEG_ERR_CHECKSUM);
        } else {
            assert_true(rc == SEG_ERR_BAD_MAGIC || rc == SEG_ERR_VERSION ||
                        rc == SEG_ERR_TRUNCATED || rc == SEG_ERR_FORMAT ||
                        rc == SEG_ERR_CHECKSUM);
        }
    }
    assert_non_null(strstr(seg_last_error(), "checksum"));

    /* Each failure has its own code and message. */
    uint8_t *c = malloc(len + 1);
    memcpy(c, buf, len);
    c[1] = 'X';
    assert_int_equal(seg_model_load_mem(&m, c, len), SEG_ERR_BAD_MAGIC);
    assert_non_null(strstr(seg_last_error(), "magic"));
    memcpy(c, buf, len);
    patch_u32(c, len, 8, 3);
    assert_int_equal(seg_model_load_mem(&m, c, len), SEG_ERR_VERSION);
    assert_non_null(strstr(seg_last_error(), "version 3"));
    memcpy(c, buf, len);
    c[len] = 0;
    assert_int_equal(seg_model_load_mem(&m, c, len + 1), SEG_ERR_FORMAT);
    assert_non_null(strstr(seg_last_error(), "trailing"));
    /* HEAD's k (at 24 + 12) set to 0 with a valid checksum: malformed. */
    memcpy(c, buf, len);
    patch_u32(c, len, 36, 0);
    assert_int_equal(seg_model_load_mem(&m, c, len), SEG_ERR_FORMAT);
    assert_non_null(strstr(seg_last_error(), "malformed"));
    /* The first section's length made huge, checksum fixed: never read past. */
    memcpy(c, buf, len);
    patch_u32(c, len, 28, 0xfffffff0u);
    assert_int_equal(seg_model_load_mem(&m, c, len), SEG_ERR_FORMAT);
    assert_non_null(strstr(seg_last_error(), "overruns"));

    assert_int_equal(seg_model_load(&m, "/nonexistent/dir/m.seg"), SEG_ERR_IO);
    assert_non_null(strstr(seg_last_error(), "/nonexistent/dir/m.seg"));
    assert_int_equal(seg_model_save(f.m, "/nonexistent/dir/m.seg"), SEG_ERR_IO);
    assert_non_null(strstr(seg_last_error(), "temporary"));
    assert_int_equal(seg_model_load_mem(NULL, buf, len), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_model_load_mem(&m, NULL, 3), SEG_ERR_INVALID_ARG);
    free(c);
    free(buf);
    fitted_free(&f);
}

/* A save that fails half-way (the disk full, simulated with RLIMIT_FSIZE in
 * a child process) leaves the previous model intact and no temporary file;
 * a new file is owner-only, a replaced one keeps its mode. */
static void test_failed_save_keeps_previous(void **state)
{
    (void)state;
    char dir[] = "/tmp/seg-save-XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/m.seg", dir);
    fitted a = fit_bank(3), b = fit_bank(5);
    struct stat st;

    assert_int_equal(seg_model_save(a.m, path), SEG_OK);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(chmod(path, 0640), 0);
    assert_int_equal(seg_model_save(a.m, path), SEG_OK);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0640);

    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* No file may grow past 512 bytes: writes fail with EFBIG, as on a
         * full disk, instead of killing the process. */
        struct rlimit rl = {512, 512};
        signal(SIGXFSZ, SIG_IGN);
        if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
            _exit(2);
        int rc = seg_model_save(b.m, path);
        _exit(rc == SEG_ERR_IO && strstr(seg_last_error(), "write failed") ? 0 : 1);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);

    seg_model *m = NULL;
    assert_int_equal(seg_model_load(&m, path), SEG_OK);
    assert_int_equal(seg_model_k(m), 3); /* the old model, whole */
    assert_same_predictions(m, a.m, &a);
    seg_model_free(m);
    DIR *dp = opendir(dir);
    struct dirent *e;
    int files = 0;
    while ((e = readdir(dp)))
        if (e->d_name[0] != '.')
            files++;
    closedir(dp);
    assert_int_equal(files, 1); /* no temporary file left behind */
    unlink(path);
    rmdir(dir);
    fitted_free(&a);
    fitted_free(&b);
}

/* Every field corrupted: each byte past the envelope set to 0x00, 0xFF and
 * its value + 1, behind a valid length and checksum, so each section parser
 * meets every kind of bad value in every field. Each outcome is a model that
 * loads and predicts, or SEG_ERR_FORMAT; never a crash or a read past the
 * buffer (valgrind and ASan run this test). */
static void test_every_field_corrupted(void **state)
{
    (void)state;
    fitted f = fit_bank(3);
    size_t len;
    uint8_t *buf = save(f.m, &len), *c = malloc(len);
    size_t tried = 0, loaded = 0, offsets = 0;
    for (size_t at = 24; at < len - 4; at++) {
        if ((at - 24) % shard_n != shard_i)
            continue;
        offsets++;
        const uint8_t values[3] = {0x00, 0xff, (uint8_t)(buf[at] + 1)};
        for (int v = 0; v < 3; v++) {
            if (values[v] == buf[at])
                continue;
            memcpy(c, buf, len);
            c[at] = values[v];
            patch_u32(c, len, 12, 0); /* rewrites the CRC */
            seg_model *m = NULL;
            int rc = seg_model_load_mem(&m, c, len);
            tried++;
            if (rc == SEG_OK) {
                loaded++;
                double row[64] = {0};
                int32_t label;
                seg_predictor *p = NULL;
                size_t d = seg_model_dim(m);
                if (d <= 64 && seg_predictor_new(&p, m) == SEG_OK)
                    (void)seg_predictor_run_f64(p, row, 1, d, &label, NULL);
                seg_predictor_free(p);
                seg_model_free(m);
            } else {
                if (rc != SEG_ERR_FORMAT)
                    fail_msg("byte %zu = 0x%02x: status %d (%s)", at, values[v], rc,
                             seg_last_error());
                assert_null(m);
            }
        }
    }
    assert_true(tried >= 2 * offsets); /* 0x00 or 0xff may equal the byte itself */
    assert_true(loaded > 0 && loaded < tried);
    free(c);
    free(buf);
    fitted_free(&f);
}

/* Bytes changed behind a valid checksum reach the section parsers: every
 * outcome is a clean model or SEG_ERR_FORMAT, never a crash or a read past
 * the buffer (valgrind checks the latter). */
static void test_parsers_survive_garbage(void **state)
{
    (void)state;
    fitted f = fit_bank(3);
    size_t len;
    uint8_t *buf = save(f.m, &len), *c = malloc(len);
    uint64_t s = 77;
    int ok = 0, format = 0;
    for (int t = 0; t < 3000; t++) {
        memcpy(c, buf, len);
        int flips = 1 + (int)(tu_next(&s) % 4);
        for (int i = 0; i < flips; i++) {
            size_t at = 24 + (size_t)(tu_next(&s) % (len - 28));
            c[at] = t % 3 == 0 ? 0xff : (uint8_t)tu_next(&s);
        }
        patch_u32(c, len, 12, 0); /* flags: rewrites the CRC over the change */
        seg_model *m = NULL;
        int rc = seg_model_load_mem(&m, c, len);
        if (rc == SEG_OK) {
            ok++;
            assert_non_null(m);
            seg_model_free(m);
        } else {
            assert_int_equal(rc, SEG_ERR_FORMAT);
            assert_null(m);
            format++;
        }
    }
    /* Both outcomes happen: changed values that stay in their domain load. */
    assert_true(ok > 0 && format > 0);
    free(c);
    free(buf);
    fitted_free(&f);
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static size_t col_index(const seg_model *m, const char *name)
{
    for (size_t c = 0; c < seg_model_profile_columns(m); c++)
        if (strcmp(seg_model_profile_column_name(m, c), name) == 0)
            return c;
    fail_msg("no profile column %s", name);
    return 0;
}

/* Means, medians and shares recomputed from the rows and the fit's labels. */
static void test_profile_values(void **state)
{
    (void)state;
    const size_t k = 3;
    fitted f = fit_bank(k);
    size_t ds_age, ds_job, pc_age = col_index(f.m, "age"), pc_job = col_index(f.m, "job");
    assert_int_equal(seg_dataset_column_index(f.ds, "age", &ds_age), SEG_OK);
    assert_int_equal(seg_dataset_column_index(f.ds, "job", &ds_job), SEG_OK);
    double *v = malloc(f.n * sizeof *v);
    for (size_t j = 0; j <= k; j++) {
        size_t m = 0, retired = 0;
        double sum = 0;
        for (size_t i = 0; i < f.n; i++) {
            if (j < k && f.labels[i] != (int32_t)j)
                continue;
            const char *job;
            assert_int_equal(seg_dataset_get_f64(f.ds, i, ds_age, &v[m]), SEG_OK);
            assert_int_equal(seg_dataset_get_text(f.ds, i, ds_job, &job), SEG_OK);
            sum += v[m++];
            retired += strcmp(job, "retired") == 0;
        }
        assert_int_equal(m, j < k ? seg_model_segment_size(f.m, j) : f.n);
        qsort(v, m, sizeof *v, cmp_d);
        double median = m % 2 ? v[m / 2] : 0.5 * (v[m / 2 - 1] + v[m / 2]);
        double got;
        assert_int_equal(seg_model_profile_numeric(f.m, j, pc_age, SEG_PROFILE_MEAN, &got), 0);
        assert_float_equal(got, sum / (double)m, 1e-9);
        assert_int_equal(seg_model_profile_numeric(f.m, j, pc_age, SEG_PROFILE_MEDIAN, &got), 0);
        assert_float_equal(got, median, 0);
        size_t lv = 0;
        while (strcmp(seg_model_profile_level(f.m, pc_job, lv), "retired") != 0)
            lv++;
        assert_int_equal(seg_model_profile_share(f.m, j, pc_job, lv, &got), 0);
        assert_float_equal(got, (double)retired / (double)m, 1e-12);
    }
    /* The most distinguishing item has the largest |z|, and z is as defined. */
    double z0, z1, mean_all, sd_all, mean0;
    size_t top, second;
    assert_int_equal(seg_model_profile_ranked_item(f.m, 0, 0, &top), SEG_OK);
    assert_int_equal(seg_model_profile_ranked_item(f.m, 0, 1, &second), SEG_OK);
    assert_int_equal(seg_model_profile_zscore(f.m, 0, top, &z0), SEG_OK);
    assert_int_equal(seg_model_profile_zscore(f.m, 0, second, &z1), SEG_OK);
    assert_true(fabs(z0) >= fabs(z1));
    size_t age_item = 0;
    while (strcmp(seg_model_profile_item_name(f.m, age_item), "age") != 0)
        age_item++;
    seg_model_profile_numeric(f.m, k, pc_age, SEG_PROFILE_MEAN, &mean_all);
    seg_model_profile_numeric(f.m, k, pc_age, SEG_PROFILE_SD, &sd_all);
    seg_model_profile_numeric(f.m, 0, pc_age, SEG_PROFILE_MEAN, &mean0);
    assert_int_equal(seg_model_profile_zscore(f.m, 0, age_item, &z0), SEG_OK);
    assert_float_equal(z0, (mean0 - mean_all) / sd_all, 1e-12);
    assert_non_null(seg_model_segment_label(f.m, 0));
    assert_null(seg_model_segment_label(f.m, k));

    double x;
    assert_int_equal(seg_model_profile_numeric(f.m, 0, pc_job, SEG_PROFILE_MEAN, &x),
                     SEG_ERR_TYPE);
    assert_non_null(strstr(seg_last_error(), "categorical"));
    assert_int_equal(seg_model_profile_share(f.m, 0, pc_age, 0, &x), SEG_ERR_TYPE);
    assert_int_equal(seg_model_profile_numeric(f.m, k + 1, pc_age, SEG_PROFILE_MEAN, &x),
                     SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_model_profile_numeric(f.m, 0, pc_age, (seg_profile_stat)5, &x),
                     SEG_ERR_INVALID_ARG);
    free(v);
    fitted_free(&f);
}

/* The scaler's settings survive a save and load (the PREP section), so that
 * seg info reports what the fit was told, not the defaults. */
static void test_preparation_recorded(void **state)
{
    (void)state;
    const char *csv = "a,b,c\n1,x,5\n2,y,\n3,z,7\n10,x,8\n11,y,9\n12,z,1\n";
    seg_dataset *ds = NULL;
    seg_scaler *sc = NULL;
    seg_kmeans *km = NULL;
    seg_model *m = NULL, *back = NULL;
    assert_int_equal(seg_dataset_read_csv_memory(&ds, csv, strlen(csv), NULL), SEG_OK);
    assert_int_equal(seg_scaler_new(&sc), SEG_OK);
    assert_int_equal(seg_scaler_set_int(sc, SEG_SCALER_METHOD, SEG_SCALE_ROBUST), SEG_OK);
    assert_int_equal(seg_scaler_set_int(sc, SEG_SCALER_IMPUTE_ORDER, SEG_SCALE_THEN_IMPUTE),
                     SEG_OK);
    assert_int_equal(seg_scaler_set_int(sc, SEG_SCALER_DROP_FIRST, 1), SEG_OK);
    assert_int_equal(seg_scaler_set_int(sc, SEG_SCALER_CATEGORICAL_MISSING, SEG_IMPUTE_MODE),
                     SEG_OK);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_OK);
    assert_int_equal(seg_kmeans_new(&km), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_K, 2), SEG_OK);
    assert_int_equal(seg_kmeans_fit_dataset(km, ds, sc, NULL, &m), SEG_OK);
    /* Left-out columns travel with the model, names and reasons only. */
    assert_int_equal(seg_model_add_left_out(m, "y", "the outcome"), SEG_OK);
    assert_int_equal(seg_model_add_left_out(m, "d", "dropped"), SEG_OK);
    assert_int_equal(seg_model_add_left_out(m, NULL, "x"), SEG_ERR_INVALID_ARG);
    size_t len = 0;
    uint8_t *buf = save(m, &len);
    assert_int_equal(seg_model_load_mem(&back, buf, len), SEG_OK);
    assert_int_equal(seg_model_left_out_columns(back), 2);
    assert_string_equal(seg_model_left_out_name(back, 0), "y");
    assert_string_equal(seg_model_left_out_reason(back, 0), "the outcome");
    assert_string_equal(seg_model_left_out_name(back, 1), "d");
    assert_string_equal(seg_model_left_out_reason(back, 1), "dropped");
    assert_null(seg_model_left_out_name(back, 2));
    assert_int_equal(seg_model_left_out_columns(NULL), 0);
    const seg_scaler *got = seg_model_scaler(back);
    int64_t v = -1;
    assert_int_equal(seg_scaler_get_int(got, SEG_SCALER_METHOD, &v), SEG_OK);
    assert_int_equal(v, SEG_SCALE_ROBUST);
    assert_int_equal(seg_scaler_get_int(got, SEG_SCALER_IMPUTE_ORDER, &v), SEG_OK);
    assert_int_equal(v, SEG_SCALE_THEN_IMPUTE);
    assert_int_equal(seg_scaler_get_int(got, SEG_SCALER_DROP_FIRST, &v), SEG_OK);
    assert_int_equal(v, 1);
    assert_int_equal(seg_scaler_get_int(got, SEG_SCALER_CATEGORICAL_MISSING, &v), SEG_OK);
    assert_int_equal(v, SEG_IMPUTE_MODE);
    free(buf);
    seg_model_free(back);
    seg_model_free(m);
    seg_kmeans_free(km);
    seg_scaler_free(sc);
    seg_dataset_free(ds);
}

/* A label is built from yes/no and level phrases by the documented rule. */
static void test_label_rule(void **state)
{
    (void)state;
    /* Two clear groups: old, retired, no loan / young, student, with loan. */
    char text[4096] = "age,job,loan\n";
    for (int i = 0; i < 40; i++) {
        char row[64];
        snprintf(row, sizeof row, i % 2 ? "%d,retired,no\n" : "%d,student,yes\n",
                 i % 2 ? 70 + i % 5 : 20 + i % 5);
        strcat(text, row);
    }
    seg_dataset *ds = NULL;
    seg_scaler *sc = NULL;
    seg_kmeans *km = NULL;
    seg_model *m = NULL;
    assert_int_equal(seg_dataset_read_csv_memory(&ds, text, strlen(text), NULL), SEG_OK);
    assert_int_equal(seg_scaler_new(&sc), SEG_OK);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_OK);
    assert_int_equal(seg_kmeans_new(&km), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_K, 2), SEG_OK);
    assert_int_equal(seg_kmeans_fit_dataset(km, ds, sc, NULL, &m), SEG_OK);
    const char *a = seg_model_segment_label(m, 0), *b = seg_model_segment_label(m, 1);
    if (strstr(a, "younger"))
        a = seg_model_segment_label(m, 1), b = seg_model_segment_label(m, 0);
    /* |z| = 1 for the levels of job and loan (shares 1 against 1/2), just
     * under 1 for age (within-group spread): on ties, positive first. */
    assert_string_equal(a, "mostly retired (job), no loan, older");
    assert_string_equal(b, "mostly student (job), with loan, younger");
    seg_model_free(m);
    seg_kmeans_free(km);
    seg_scaler_free(sc);
    seg_dataset_free(ds);
}

/* Described columns: not features, profiled after them, flagged, never in a
 * label, and kept so through a model file. Two groups by age and loan;
 * "channel" and "calls" follow the groups perfectly but are described. */
static void test_described_columns(void **state)
{
    (void)state;
    char text[4096] = "age,channel,loan,calls\n";
    for (int i = 0; i < 40; i++) {
        char row[64];
        snprintf(row, sizeof row, i % 2 ? "%d,phone,no,%d\n" : "%d,email,yes,%d\n",
                 i % 2 ? 70 + i % 5 : 20 + i % 5, i % 2 ? 9 : 1);
        strcat(text, row);
    }
    seg_dataset *ds = NULL;
    seg_scaler *sc = NULL;
    seg_kmeans *km = NULL;
    seg_model *m = NULL, *back = NULL;
    assert_int_equal(seg_dataset_read_csv_memory(&ds, text, strlen(text), NULL), SEG_OK);
    assert_int_equal(seg_dataset_set_described_column(ds, "calls"), SEG_OK);
    assert_int_equal(seg_dataset_set_described_column(ds, "channel"), SEG_OK);
    assert_int_equal(seg_dataset_set_described_column(ds, "channel"), SEG_ERR_STATE);
    assert_int_equal(seg_dataset_set_described_column(ds, "nope"), SEG_ERR_NOT_FOUND);
    assert_int_equal(seg_dataset_set_described_column(ds, NULL), SEG_ERR_INVALID_ARG);
    assert_int_equal(seg_dataset_columns(ds), 2);
    assert_int_equal(seg_dataset_described_columns(ds), 2);
    assert_string_equal(seg_dataset_described_name(ds, 0), "calls");
    assert_string_equal(seg_dataset_described_name(ds, 1), "channel");
    assert_null(seg_dataset_described_name(ds, 2));
    size_t at;
    assert_int_equal(seg_dataset_column_index(ds, "channel", &at), SEG_ERR_NOT_FOUND);

    assert_int_equal(seg_scaler_new(&sc), SEG_OK);
    assert_int_equal(seg_scaler_fit(sc, ds), SEG_OK);
    assert_int_equal(seg_scaler_features(sc), 2); /* age, loan=yes */
    assert_int_equal(seg_kmeans_new(&km), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_K, 2), SEG_OK);
    assert_int_equal(seg_kmeans_fit_dataset(km, ds, sc, NULL, &m), SEG_OK);

    for (int pass = 0; pass < 2; pass++) {
        const seg_model *mm = pass ? back : m;
        const char *names[] = {"age", "loan", "calls", "channel"};
        assert_int_equal(seg_model_profile_columns(mm), 4);
        for (size_t c = 0; c < 4; c++) {
            assert_string_equal(seg_model_profile_column_name(mm, c), names[c]);
            assert_int_equal(seg_model_profile_column_described(mm, c), c >= 2);
        }
        assert_int_equal(seg_model_profile_column_described(mm, 4), 0);
        assert_int_equal(seg_model_profile_column_described(NULL, 0), 0);
        /* calls is 9 in the old group, 1 in the young: per-segment means. */
        size_t old = strstr(seg_model_segment_label(mm, 0), "older") ? 0 : 1;
        double mean;
        assert_int_equal(seg_model_profile_numeric(mm, old, 2, SEG_PROFILE_MEAN, &mean), SEG_OK);
        assert_float_equal(mean, 9.0, 0);
        assert_int_equal(seg_model_profile_numeric(mm, 1 - old, 2, SEG_PROFILE_MEAN, &mean),
                         SEG_OK);
        assert_float_equal(mean, 1.0, 0);
        /* |z| of calls and channel is 1, larger than age's, yet the labels
         * name only the features. */
        assert_string_equal(seg_model_segment_label(mm, old), "no loan, older");
        assert_string_equal(seg_model_segment_label(mm, 1 - old), "with loan, younger");
        if (!pass) {
            size_t len = 0;
            assert_int_equal(seg_model_save_mem(m, NULL, 0, &len), SEG_OK);
            unsigned char *buf = malloc(len);
            assert_non_null(buf);
            assert_int_equal(seg_model_save_mem(m, buf, len, &len), SEG_OK);
            bool has_desc = false;
            for (size_t b = 0; b + 4 <= len && !has_desc; b++)
                has_desc = memcmp(buf + b, "DESC", 4) == 0;
            assert_true(has_desc);
            assert_int_equal(seg_model_load_mem(&back, buf, len), SEG_OK);
            free(buf);
        }
    }
    seg_model_free(back);
    seg_model_free(m);
    seg_kmeans_free(km);
    seg_scaler_free(sc);
    seg_dataset_free(ds);
}

/* Distances to every centroid equal a plain loop; errors have their codes. */
static void test_all_distances(void **state)
{
    (void)state;
    const size_t n = 300, d = 5, k = 4;
    double x[1500], c[20], *out = malloc(n * k * sizeof *out);
    int32_t truth[300], labels[300];
    tu_blobs(x, truth, n, d, k, 9);
    seg_kmeans *km = NULL;
    seg_model *m = NULL;
    assert_int_equal(seg_kmeans_new(&km), SEG_OK);
    assert_int_equal(seg_kmeans_set_int(km, SEG_KMEANS_K, (int64_t)k), SEG_OK);
    assert_int_equal(seg_kmeans_fit_f64(km, x, n, d, NULL, labels, &m), SEG_OK);
    assert_int_equal(seg_model_centroids_f64(m, c, k * d), SEG_OK);
    assert_int_equal(seg_model_distances_f64(m, x, n, d, out, n * k), SEG_OK);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < k; j++) {
            double want = sqrt(tu_sqdist(x + i * d, c + j * d, d));
            assert_float_equal(out[i * k + j], want, 1e-9 * (1 + want));
        }
    assert_int_equal(seg_model_distances_f64(m, x, n, d, out, n * k - 1), SEG_ERR_MISMATCH);
    assert_non_null(strstr(seg_last_error(), "needed"));
    assert_int_equal(seg_model_distances_f64(m, x, n, d - 1, out, n * k), SEG_ERR_MISMATCH);
    x[7] = NAN;
    assert_int_equal(seg_model_distances_f64(m, x, n, d, out, n * k), SEG_ERR_NONFINITE);
    assert_int_equal(seg_model_distances_f64(NULL, x, n, d, out, n * k), SEG_ERR_INVALID_ARG);
    free(out);
    seg_model_free(m);
    seg_kmeans_free(km);
}

int main(void)
{
    read_shard();
    if (shard_i > 0)
        cmocka_set_test_filter("test_every_field_corrupted");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc32_check_value),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_corruption_rejected),
        cmocka_unit_test(test_parsers_survive_garbage),
        cmocka_unit_test(test_every_field_corrupted),
        cmocka_unit_test(test_failed_save_keeps_previous),
        cmocka_unit_test(test_profile_values),
        cmocka_unit_test(test_label_rule),
        cmocka_unit_test(test_preparation_recorded),
        cmocka_unit_test(test_described_columns),
        cmocka_unit_test(test_all_distances),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
