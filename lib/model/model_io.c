/*
 * Model files: save a fitted model (scaler, centroids, fit statistics,
 * quality measures, segment profiles) to a file or a caller's buffer and load
 * it back. The byte layout is specified in docs/model-format.md; this file is
 * its reference implementation. No training row or id is ever written.
 */
#include "core/bytes.h"
#include "model/kproto.h"
#include "model/model.h"
#include "model/outlier.h"
#include "model/profile.h"
#include "model/tree.h"
#include "model/mixture.h"
#include "prepare/scaler.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The newest format version read. Version 1 is written unless the model
 * needs a section an older reader must not skip: a k-prototypes model (KPRO)
 * or a Gaussian mixture (GMIX, which labels by probability) is written as
 * version 2, so that a reader of version 1 refuses it instead of scoring by
 * squared distances to its centroids. */
#define FORMAT_VERSION 2u
#define HEADER_BYTES 24u /* magic, version, flags, total length */
/* The largest model file read (docs/limits.md): 4 GiB, a million centroids
 * of 500 features in double with their profiles. */
#define SEG_MODEL_MAX_BYTES ((uint64_t)4 << 30)
#define SECTION_BYTES 12u /* tag, payload length */

/* PNG-style magic: a high byte catches 7-bit transfers, CR LF and ^Z catch
 * text-mode newline conversion. */
static const uint8_t magic[8] = {0x89, 'S', 'E', 'G', '\r', '\n', 0x1a, '\n'};

static size_t section_begin(wbuf *w, const char tag[4])
{
    size_t at = w->len;
    seg_wb_bytes(w, tag, 4);
    seg_wb_u64(w, 0); /* patched by section_end */
    return at;
}

static void section_end(wbuf *w, size_t at)
{
    if (!w->nomem)
        seg_wb_patch_u64(w, at + 4, w->len - at - SECTION_BYTES);
}

/* ---- sections ------------------------------------------------------------------ */

static void write_scaler(wbuf *w, const scaler_fit *f)
{
    seg_wb_u64(w, f->n_cols);
    seg_wb_u64(w, f->n_features);
    for (size_t j = 0; j < f->n_cols; j++) {
        const scol *s = &f->cols[j];
        seg_wb_str(w, s->name);
        seg_wb_u32(w, (uint32_t)s->kind);
        seg_wb_u64(w, s->offset);
        seg_wb_u64(w, s->n_out);
        seg_wb_u32(w, (uint32_t)s->method);
        seg_wb_u32(w, s->log1p);
        seg_wb_f64(w, s->median);
        seg_wb_f64(w, s->center);
        seg_wb_f64(w, s->scale);
        seg_wb_u64(w, s->n_levels);
        for (size_t l = 0; l < s->n_levels; l++)
            seg_wb_str(w, s->levels[l]);
        seg_wb_u64(w, s->first_level);
        seg_wb_u32(w, s->drop_first);
        seg_wb_u64(w, (uint64_t)s->impute_level);
    }
}

/* The scaler settings a PREP section records: what the fit was told, for
 * a reader of the model (seg info), never needed to transform. */
static const seg_scaler_param prep_params[] = {
    SEG_SCALER_METHOD,          SEG_SCALER_DROP_FIRST,      SEG_SCALER_CATEGORICAL_MISSING,
    SEG_SCALER_MAX_LEVELS,      SEG_SCALER_MIN_LEVEL_COUNT, SEG_SCALER_IMPUTE_ORDER,
};
#define N_PREP (sizeof prep_params / sizeof prep_params[0])

static void write_prep(wbuf *w, const seg_scaler *sc)
{
    seg_wb_u32(w, (uint32_t)N_PREP);
    for (size_t i = 0; i < N_PREP; i++) {
        int64_t v = 0;
        seg_scaler_get_int(sc, prep_params[i], &v);
        seg_wb_u32(w, (uint32_t)prep_params[i]);
        seg_wb_u64(w, (uint64_t)v);
    }
}

/* OTHR: the columns whose rare levels SEG_SCALER_MIN_LEVEL_COUNT folded, as
 * (column, level of "(other)") pairs; written only when there is one. */
static size_t folded_columns(const scaler_fit *f)
{
    size_t count = 0;
    for (size_t j = 0; j < f->n_cols; j++)
        count += f->cols[j].folded;
    return count;
}

static void write_folded(wbuf *w, const scaler_fit *f)
{
    seg_wb_u64(w, folded_columns(f));
    for (size_t j = 0; j < f->n_cols; j++)
        if (f->cols[j].folded) {
            seg_wb_u64(w, j);
            seg_wb_u64(w, f->cols[j].other_level);
        }
}

static bool read_folded(rbuf *r, seg_scaler *sc)
{
    uint64_t count = seg_rb_u64(r);
    if (r->bad || count == 0 || count > r->len / 16)
        return false;
    for (uint64_t i = 0; i < count; i++) {
        uint64_t col = seg_rb_u64(r), level = seg_rb_u64(r);
        if (r->bad || col > SIZE_MAX || level > SIZE_MAX ||
            !seg_scaler_mark_other(sc, (size_t)col, (size_t)level))
            return false;
    }
    return r->pos == r->len;
}

static int serialize(const seg_model *m, wbuf *w)
{
    const size_t k = m->k, d = m->d;
    size_t at;

    seg_wb_bytes(w, magic, sizeof magic);
    seg_wb_u32(w, m->kproto || m->mixture ? 2u : 1u);
    seg_wb_u32(w, 0); /* flags: none defined */
    seg_wb_u64(w, 0); /* total length, patched below */

    at = section_begin(w, "HEAD");
    seg_wb_u64(w, k);
    seg_wb_u64(w, d);
    seg_wb_u32(w, (uint32_t)m->dtype);
    seg_wb_u32(w, (uint32_t)(m->converged != 0));
    seg_wb_u64(w, m->n_rows);
    seg_wb_u64(w, (uint64_t)m->iterations);
    seg_wb_f64(w, m->inertia);
    seg_wb_f64(w, m->fit_seconds);
    seg_wb_f64(w, m->init_seconds);
    seg_wb_str(w, seg_model_library_version(m));
    section_end(w, at);

    at = section_begin(w, "CENT");
    for (size_t i = 0; i < k * d; i++)
        seg_wb_f64(w, m->centroids[i]);
    section_end(w, at);

    at = section_begin(w, "SEGS");
    for (size_t j = 0; j < k; j++) {
        seg_wb_u64(w, m->sizes[j]);
        seg_wb_f64(w, m->weights[j]);
    }
    section_end(w, at);

    at = section_begin(w, "METR");
    seg_wb_u32(w, 3);
    for (uint32_t i = 0; i < 3; i++) {
        seg_wb_u32(w, (uint32_t)SEG_MODEL_SILHOUETTE + i);
        seg_wb_f64(w, m->metric[i]);
    }
    section_end(w, at);

    const scaler_fit *f = m->scaler ? seg_scaler_fitted_state(m->scaler) : NULL;
    if (f) {
        at = section_begin(w, "SCAL");
        write_scaler(w, f);
        section_end(w, at);
        if (folded_columns(f)) {
            at = section_begin(w, "OTHR");
            write_folded(w, f);
            section_end(w, at);
        }
        at = section_begin(w, "PREP");
        write_prep(w, m->scaler);
        section_end(w, at);
    }
    if (m->n_left > 0) {
        at = section_begin(w, "LEFT");
        seg_wb_u64(w, m->n_left);
        for (size_t i = 0; i < m->n_left; i++) {
            seg_wb_str(w, m->left_name[i]);
            seg_wb_str(w, m->left_reason[i]);
        }
        section_end(w, at);
    }
    if (m->profile && m->profile->min_size > 0) {
        at = section_begin(w, "KANO");
        seg_wb_u64(w, m->profile->min_size);
        section_end(w, at);
    }
    if (m->profile) {
        at = section_begin(w, "PROF");
        seg_profile_write(m->profile, w);
        section_end(w, at);
        if (seg_profile_has_described(m->profile)) {
            at = section_begin(w, "DESC");
            seg_profile_write_described(m->profile, w);
            section_end(w, at);
        }
    }
    if (m->outliers) {
        at = section_begin(w, "OUTL");
        seg_outliers_write(m->outliers, w);
        section_end(w, at);
    }
    if (m->kproto) {
        at = section_begin(w, "KPRO");
        seg_kproto_write(m->kproto, k, w);
        section_end(w, at);
    }
    if (m->tree) {
        at = section_begin(w, "TREE");
        seg_xtree_write(m->tree, w);
        section_end(w, at);
    }
    if (m->cap_min) {
        /* size bounds of a capacity fit: k (min, max) pairs; an older
         * reader skips them and predicts the nearest centroid, as this one
         * does by default */
        at = section_begin(w, "CAPB");
        for (size_t j = 0; j < k; j++) {
            seg_wb_u64(w, (uint64_t)m->cap_min[j]);
            seg_wb_u64(w, (uint64_t)m->cap_max[j]);
        }
        section_end(w, at);
    }
    if (m->mixture) {
        at = section_begin(w, "GMIX");
        seg_mixture_write(w, m->mixture);
        section_end(w, at);
    }
    at = section_begin(w, "END ");
    section_end(w, at);

    if (w->nomem)
        return SEG_NOMEM();
    seg_wb_patch_u64(w, 16, (uint64_t)w->len + 4);
    seg_wb_u32(w, seg_crc32(w->p, w->len));
    return w->nomem ? SEG_NOMEM() : SEG_OK;
}

/* ---- save ----------------------------------------------------------------------- */

int seg_model_save_mem(const seg_model *m, void *buf, size_t cap, size_t *size)
{
    SEG_ALLOC_SCOPE(m); /* working memory from the model's allocator */
    wbuf w = {0};
    int rc;
    if (!m || !size)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_model_save_mem: NULL model or size");
    if ((rc = serialize(m, &w)) < 0)
        goto done;
    *size = w.len;
    if (!buf)
        goto done;
    if (cap < w.len) {
        rc = seg_fail(SEG_ERR_MISMATCH, "the buffer holds %zu bytes, the model needs %zu", cap,
                      w.len);
        goto done;
    }
    memcpy(buf, w.p, w.len);
done:
    seg_free(w.p);
    return rc;
}

/* Write all of p to fd, retrying short writes and EINTR. */
static bool write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t got = write(fd, p, n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return false;
        p += got;
        n -= (size_t)got;
    }
    return true;
}

/* The directory that holds path, for sync_dir: allocated before anything
 * is written, so that running out of memory there is an error with nothing
 * changed rather than a rename left unsynced and reported as done. */
static char *parent_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? seg_strndup(path, slash == path ? 1 : (size_t)(slash - path)) : seg_strdup(".");
}

/* Make a rename durable: fsync the directory (best effort: some file
 * systems refuse to fsync a directory, and the data is safe then). */
static void sync_dir(const char *dir)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
}

int seg_model_save(const seg_model *m, const char *path)
{
    SEG_ALLOC_SCOPE(m); /* working memory from the model's allocator */
    wbuf w = {0};
    char *tmp = NULL, *dir = NULL;
    int fd = -1, rc;
    if (!m || !path)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_model_save: NULL model or path");
    if ((rc = serialize(m, &w)) < 0)
        goto done;
    if (!(dir = parent_dir(path))) {
        rc = SEG_NOMEM();
        goto done;
    }
    /* A temporary file in the target's directory, renamed over the target
     * once complete: rename() within one file system is atomic, so readers
     * see the old model or the new one, never a truncated file. */
    size_t plen = strlen(path);
    if (!(tmp = seg_malloc(plen + 8))) {
        rc = SEG_NOMEM();
        goto done;
    }
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".XXXXXX", 8);
    if ((fd = mkstemp(tmp)) < 0) {
        rc = seg_fail(SEG_ERR_IO, "%s: cannot create a temporary file next to it: %s", path,
                      strerror(errno));
        goto done;
    }
    /* mkstemp creates the file 0600 (owner only), which is what a new model
     * keeps: profiles describe customers, and the process umask cannot be
     * read without changing it. Replacing a file keeps that file's mode. */
    {
        struct stat st;
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
            (void)fchmod(fd, st.st_mode & 07777);
    }
    if (!write_all(fd, w.p, w.len) || fsync(fd) != 0) {
        rc = seg_fail(SEG_ERR_IO, "%s: write failed: %s", tmp, strerror(errno));
        goto done;
    }
    if (close(fd) != 0) {
        fd = -1;
        rc = seg_fail(SEG_ERR_IO, "%s: close failed: %s", tmp, strerror(errno));
        goto done;
    }
    fd = -1;
    if (rename(tmp, path) != 0) {
        rc = seg_fail(SEG_ERR_IO, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
        goto done;
    }
    seg_free(tmp);
    tmp = NULL;
    sync_dir(dir);
done:
    seg_free(dir);
    if (fd >= 0)
        close(fd);
    if (tmp) {
        unlink(tmp);
        seg_free(tmp);
    }
    seg_free(w.p);
    return rc;
}

/* ---- load ----------------------------------------------------------------------- */

static int bad_section(const char *tag, const char *what)
{
    return seg_fail(SEG_ERR_FORMAT, "model file: section %.4s: %s", tag, what);
}

/* One stored scaler column, checked against everything the transform relies on. */
static bool read_scol(rbuf *r, scol *s, size_t offset, bool *nomem)
{
    s->name = seg_rb_str(r, nomem);
    uint32_t kind = seg_rb_u32(r);
    uint64_t off = seg_rb_u64(r), n_out = seg_rb_u64(r);
    uint32_t method = seg_rb_u32(r), log1p = seg_rb_u32(r);
    s->median = seg_rb_f64(r);
    s->center = seg_rb_f64(r);
    s->scale = seg_rb_f64(r);
    s->n_levels = seg_rb_count(r, 4);
    if (r->bad || *nomem || kind > SCOL_ONEHOT || method > SEG_SCALE_ROBUST || log1p > 1 ||
        off != offset)
        return false;
    s->kind = (scol_kind)kind;
    s->offset = offset;
    s->method = (seg_scale_method)method;
    s->log1p = log1p;
    if (s->n_levels && !(s->levels = seg_calloc(s->n_levels, sizeof *s->levels))) {
        *nomem = true;
        return false;
    }
    for (size_t l = 0; l < s->n_levels; l++) {
        if (!(s->levels[l] = seg_rb_str(r, nomem)))
            return false;
        /* bsearch at transform needs strictly increasing byte order */
        if (l > 0 && strcmp(s->levels[l - 1], s->levels[l]) >= 0)
            return false;
    }
    uint64_t first = seg_rb_u64(r);
    uint32_t drop_first = seg_rb_u32(r);
    int64_t impute = (int64_t)seg_rb_u64(r);
    if (r->bad || drop_first > 1)
        return false;
    s->first_level = (size_t)first;
    s->drop_first = drop_first;
    s->impute_level = impute;
    s->n_out = (size_t)n_out;
    if (s->kind == SCOL_NUMERIC)
        return n_out == 1 && s->n_levels == 0 && isfinite(s->median) && isfinite(s->center) &&
               isfinite(s->scale) && s->scale != 0;
    /* An encoded column has at least one level ("(missing)" when nothing
     * else was seen), and what missing values take is one of them or -1. */
    if (s->n_levels == 0 || impute < -1 || (impute >= 0 && (uint64_t)impute >= s->n_levels))
        return false;
    if (s->kind == SCOL_BINARY)
        return n_out == 1 && first < s->n_levels;
    return first <= 1 && first <= s->n_levels && n_out == s->n_levels - first;
}

/* Settings of a known id must be in range; unknown ids (a newer writer's)
 * are skipped. */
static bool read_prep(rbuf *r, seg_scaler *sc)
{
    uint32_t count = seg_rb_u32(r);
    if (r->bad || count > (r->len - r->pos) / 12)
        return false;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t id = seg_rb_u32(r);
        int64_t v = (int64_t)seg_rb_u64(r);
        if (r->bad)
            return false;
        for (size_t j = 0; j < N_PREP; j++)
            if ((uint32_t)prep_params[j] == id && seg_scaler_set_int(sc, prep_params[j], v) < 0)
                return false;
    }
    return r->pos == r->len;
}

/* The LEFT section: u64 count (>= 1), then count pairs of strings. */
static int read_left(rbuf *r, seg_model *m)
{
    bool nomem = false;
    size_t count = seg_rb_count(r, 16);
    if (r->bad || count == 0)
        return bad_section("LEFT", "bad column count");
    for (size_t i = 0; i < count; i++) {
        char *name = seg_rb_str(r, &nomem), *reason = name ? seg_rb_str(r, &nomem) : NULL;
        int rc = name && reason ? seg_model_add_left_out(m, name, reason)
                 : nomem        ? SEG_NOMEM()
                                : bad_section("LEFT", "malformed column");
        seg_free(name);
        seg_free(reason);
        if (rc < 0)
            return rc;
    }
    return r->pos == r->len ? SEG_OK : bad_section("LEFT", "bytes after the columns");
}

static int read_scaler(rbuf *r, size_t d, seg_scaler **out)
{
    bool nomem = false;
    size_t n_cols = seg_rb_count(r, 4 + 4 + 8 + 8 + 4 + 4 + 24 + 8 + 8 + 4 + 8);
    uint64_t n_features = seg_rb_u64(r);
    if (r->bad || n_cols == 0 || n_features != d)
        return bad_section("SCAL", "column count or feature count does not match the model");
    scol *cols = seg_calloc(n_cols, sizeof *cols);
    if (!cols)
        return SEG_NOMEM();
    size_t offset = 0;
    for (size_t j = 0; j < n_cols; j++) {
        if (!read_scol(r, &cols[j], offset, &nomem) || cols[j].n_out > d - offset) {
            seg_scol_array_free(cols, n_cols);
            return nomem ? SEG_NOMEM() : bad_section("SCAL", "malformed column");
        }
        offset += cols[j].n_out;
    }
    if (offset != d) {
        seg_scol_array_free(cols, n_cols);
        return bad_section("SCAL", "columns do not add up to the model's features");
    }
    return seg_scaler_adopt(cols, n_cols, d, out);
}

/* Check the 24-byte header of p[0 .. len): magic, version and the declared
 * length into *total. */
static int check_header(const uint8_t *p, size_t len, uint64_t *total)
{
    if (len < sizeof magic && memcmp(p, magic, len) == 0)
        return seg_fail(SEG_ERR_TRUNCATED, "model file: %zu bytes, shorter than its header", len);
    if (len < sizeof magic || memcmp(p, magic, sizeof magic) != 0)
        return seg_fail(SEG_ERR_BAD_MAGIC, "not a libseg model file (wrong magic bytes)");
    if (len < HEADER_BYTES)
        return seg_fail(SEG_ERR_TRUNCATED, "model file: %zu bytes, shorter than its header", len);
    uint32_t version = (uint32_t)seg_get_le(p + 8, 4);
    *total = seg_get_le(p + 16, 8);
    if (version > FORMAT_VERSION)
        return seg_fail(SEG_ERR_VERSION,
                        "model file format version %u is newer than this library reads (%u)",
                        version, FORMAT_VERSION);
    if (version == 0)
        return seg_fail(SEG_ERR_FORMAT, "model file format version 0 does not exist");
    return SEG_OK;
}

/* Check the header and checksum; on success r covers the sections. */
static int check_envelope(const uint8_t *p, size_t len, rbuf *r)
{
    uint64_t total = 0;
    int rc = check_header(p, len, &total);
    if (rc < 0)
        return rc;
    if (total > len)
        return seg_fail(SEG_ERR_TRUNCATED, "model file: %zu bytes of the %llu it declares", len,
                        (unsigned long long)total);
    if (total < len)
        return seg_fail(SEG_ERR_FORMAT, "model file: %zu bytes, %llu declared (trailing bytes)",
                        len, (unsigned long long)total);
    if (total < HEADER_BYTES + SECTION_BYTES + 4)
        return seg_fail(SEG_ERR_FORMAT, "model file: declared length %llu is too short",
                        (unsigned long long)total);
    uint32_t want = (uint32_t)seg_get_le(p + len - 4, 4);
    uint32_t got = seg_crc32(p, len - 4);
    if (want != got)
        return seg_fail(SEG_ERR_CHECKSUM, "model file: checksum %08x, stored %08x (corrupted)",
                        (unsigned)got, (unsigned)want);
    *r = (rbuf){p, len - 4, HEADER_BYTES, false};
    return SEG_OK;
}

/* The fixed-size part of HEAD and the centroids: enough to create the model. */
typedef struct head {
    size_t k, d, n_rows;
    uint32_t dtype, converged;
    int64_t iterations;
    double inertia, fit_seconds, init_seconds;
    char *version;
} head;

static bool parse_head(rbuf *r, head *h, bool *nomem)
{
    uint64_t k = seg_rb_u64(r), d = seg_rb_u64(r);
    h->dtype = seg_rb_u32(r);
    h->converged = seg_rb_u32(r);
    uint64_t n_rows = seg_rb_u64(r);
    h->iterations = (int64_t)seg_rb_u64(r);
    h->inertia = seg_rb_f64(r);
    h->fit_seconds = seg_rb_f64(r);
    h->init_seconds = seg_rb_f64(r);
    h->version = seg_rb_str(r, nomem);
    if (r->bad || *nomem || k == 0 || d == 0 || k > 1000000 || d > INT32_MAX ||
        n_rows > SIZE_MAX || h->dtype > SEG_DTYPE_F32 || h->converged > 1)
        return false;
    h->k = (size_t)k;
    h->d = (size_t)d;
    h->n_rows = (size_t)n_rows;
    return true;
}

/* ---- cross-checks of a loaded model -------------------------------------------- */

static int cmp_pcol_name(const void *a, const void *b)
{
    return strcmp((*(const pcol *const *)a)->name, (*(const pcol *const *)b)->name);
}

/* Sections that are each well formed can still disagree; what the file
 * says must be one model (docs/model-format.md, "Consistency"):
 * - the SEGS sizes are the training rows of HEAD, so they add up to n_rows
 *   (a size of 2^64 - 1 would otherwise print as a share of 10^16 %), and
 *   the weights are finite and >= 0;
 * - PROF describes the columns the scaler encodes (the training dataset's):
 *   each SCAL column is a PROF column of the same name and kind; without a
 *   scaler the features are the dataset's numeric columns, one each. */
static int check_consistency(const seg_model *m)
{
    size_t total = 0;
    for (size_t j = 0; j < m->k; j++) {
        if (m->sizes[j] > m->n_rows - total)
            return seg_fail(SEG_ERR_FORMAT,
                            "model file: SEGS sizes add up to more than the %zu training rows "
                            "of HEAD (segment %zu: %zu)",
                            m->n_rows, j, m->sizes[j]);
        total += m->sizes[j];
        if (!(m->weights[j] >= 0) || !isfinite(m->weights[j]))
            return seg_fail(SEG_ERR_FORMAT, "model file: SEGS weight of segment %zu is %g", j,
                            m->weights[j]);
    }
    if (total != m->n_rows)
        return seg_fail(SEG_ERR_FORMAT,
                        "model file: SEGS sizes add up to %zu, HEAD says %zu training rows", total,
                        m->n_rows);
    const scaler_fit *f = m->scaler ? seg_scaler_fitted_state(m->scaler) : NULL;
    /* each k-prototypes block is one categorical column of the scaler */
    for (size_t b = 0; f && m->kproto && b < m->kproto->q; b++) {
        bool found = false;
        for (size_t c = 0; c < f->n_cols && !found; c++)
            found = f->cols[c].kind != SCOL_NUMERIC && f->cols[c].offset == m->kproto->offset[b] &&
                    f->cols[c].n_out == m->kproto->width[b];
        if (!found)
            return seg_fail(SEG_ERR_FORMAT,
                            "model file: KPRO block %zu is not a categorical column of SCAL",
                            b + 1);
    }
    const seg_profile *p = m->profile;
    if (!p)
        return SEG_OK;
    if (!f) {
        if (p->n_cols != m->d)
            return seg_fail(SEG_ERR_FORMAT,
                            "model file: PROF has %zu columns, the model (no scaler) %zu features",
                            p->n_cols, m->d);
        for (size_t c = 0; c < p->n_cols; c++)
            if (p->cols[c].categorical)
                return seg_fail(SEG_ERR_FORMAT,
                                "model file: PROF column '%s' is categorical in a model without "
                                "scaler",
                                p->cols[c].name);
        return SEG_OK;
    }
    /* by name: a scaler fitted beforehand may encode a dataset's columns in
     * another order, and the dataset may hold more */
    const pcol **by_name = seg_malloc_array(p->n_cols ? p->n_cols : 1, sizeof *by_name);
    if (!by_name)
        return SEG_NOMEM();
    for (size_t c = 0; c < p->n_cols; c++)
        by_name[c] = &p->cols[c];
    qsort(by_name, p->n_cols, sizeof *by_name, cmp_pcol_name);
    int rc = SEG_OK;
    for (size_t c = 0; c < f->n_cols && rc == SEG_OK; c++) {
        const scol *sc = &f->cols[c];
        const pcol key = {.name = sc->name}, *kp = &key;
        const pcol **hit = bsearch(&kp, by_name, p->n_cols, sizeof *by_name, cmp_pcol_name);
        if (!hit)
            rc = seg_fail(SEG_ERR_FORMAT,
                          "model file: scaler column '%s' (SCAL) has no profile (PROF)", sc->name);
        else if ((*hit)->categorical != (sc->kind != SCOL_NUMERIC))
            rc = seg_fail(SEG_ERR_FORMAT,
                          "model file: column '%s' is %s in the scaler (SCAL) but %s in the "
                          "profile (PROF)",
                          sc->name, sc->kind == SCOL_NUMERIC ? "numeric" : "categorical",
                          (*hit)->categorical ? "categorical" : "numeric");
    }
    seg_free(by_name);
    return rc;
}

int seg_model_load_mem(seg_model **out, const void *buf, size_t len)
{
    rbuf r = {0};
    head h = {0};
    seg_model *m = NULL;
    double *cent = NULL;
    bool nomem = false, have_segs = false, have_othr = false, have_prep = false;
    uint64_t min_profile_size = 0; /* KANO: 0 = no k-anonymity threshold */
    int rc;

    if (!out)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_model_load_mem: out is NULL");
    *out = NULL;
    if (!buf && len > 0)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_model_load_mem: buffer is NULL");
    if ((rc = check_envelope(buf ? buf : magic, buf ? len : 0, &r)) < 0)
        return rc;

    for (bool end = false; !end;) {
        const uint8_t *tp = seg_rb_take(&r, 4);
        uint64_t plen = seg_rb_u64(&r);
        if (r.bad || plen > r.len - r.pos) {
            rc = seg_fail(SEG_ERR_FORMAT, "model file: section at byte %zu overruns the file",
                          r.pos);
            goto fail;
        }
        char tag[5] = {0};
        memcpy(tag, tp, 4);
        rbuf s = {r.p + r.pos, (size_t)plen, 0, false};
        r.pos += (size_t)plen;
        /* Sections must come in the order written: HEAD first, so that k and
         * d are known for the others. Unknown tags are skipped: a later minor
         * revision may add sections that older readers can ignore. */
        if (!m && strcmp(tag, "HEAD") != 0 && strcmp(tag, "CENT") != 0 && strcmp(tag, "END ")) {
            rc = bad_section(tag, "comes before HEAD and CENT");
            goto fail;
        }
        if (strcmp(tag, "HEAD") == 0) {
            if (h.k || !parse_head(&s, &h, &nomem))
                goto malformed;
        } else if (strcmp(tag, "CENT") == 0) {
            if (!h.k || m || plen != (uint64_t)h.k * h.d * 8)
                goto malformed;
            if (!(cent = seg_malloc_array(h.k * h.d, sizeof *cent)))
                goto nomem;
            for (size_t i = 0; i < h.k * h.d; i++)
                if (!isfinite(cent[i] = seg_rb_f64(&s)))
                    goto malformed;
            if ((rc = seg_model_create(&m, h.k, h.d, (seg_dtype)h.dtype, cent)) < 0)
                goto fail;
            m->n_rows = h.n_rows;
            m->converged = (int)h.converged;
            m->iterations = h.iterations;
            m->inertia = h.inertia;
            m->fit_seconds = h.fit_seconds;
            m->init_seconds = h.init_seconds;
            m->written_by = h.version;
            h.version = NULL;
        } else if (strcmp(tag, "SEGS") == 0) {
            if (!m || plen != (uint64_t)h.k * 16)
                goto malformed;
            for (size_t j = 0; j < h.k; j++) {
                m->sizes[j] = (size_t)seg_rb_u64(&s);
                m->weights[j] = seg_rb_f64(&s);
            }
            have_segs = true;
        } else if (strcmp(tag, "METR") == 0) {
            uint32_t count = seg_rb_u32(&s);
            for (uint32_t i = 0; i < count && !s.bad; i++) {
                uint32_t id = seg_rb_u32(&s);
                double v = seg_rb_f64(&s);
                if (id >= SEG_MODEL_SILHOUETTE && id < SEG_MODEL_SILHOUETTE + 3)
                    m->metric[id - SEG_MODEL_SILHOUETTE] = v; /* others: newer measures */
            }
        } else if (strcmp(tag, "SCAL") == 0) {
            if (m->scaler)
                goto malformed;
            if ((rc = read_scaler(&s, h.d, &m->scaler)) < 0)
                goto fail;
        } else if (strcmp(tag, "OTHR") == 0) {
            /* after SCAL, once; an older reader skips it and encodes a value
             * outside the kept levels as zeros instead of "(other)" */
            if (!m->scaler || have_othr || !read_folded(&s, m->scaler))
                goto malformed;
            have_othr = true;
        } else if (strcmp(tag, "LEFT") == 0) {
            /* once; an older reader skips it */
            if (m->n_left > 0)
                goto malformed;
            if ((rc = read_left(&s, m)) < 0)
                goto fail;
        } else if (strcmp(tag, "PREP") == 0) {
            /* after SCAL, once; an older reader skips it */
            if (!m->scaler || have_prep || !read_prep(&s, m->scaler))
                goto malformed;
            have_prep = true;
        } else if (strcmp(tag, "KANO") == 0) {
            if (min_profile_size || plen != 8 || !(min_profile_size = seg_rb_u64(&s)) ||
                min_profile_size > SIZE_MAX)
                goto malformed;
        } else if (strcmp(tag, "PROF") == 0) {
            if (m->profile)
                goto malformed;
            if ((rc = seg_profile_read(&s, h.k, &m->profile)) < 0)
                goto fail;
        } else if (strcmp(tag, "DESC") == 0) {
            /* after PROF, once (a second one finds its columns marked); an
             * older reader skips it and profiles the columns as features */
            if (!m->profile || !seg_profile_read_described(&s, m->profile, &nomem))
                goto malformed;
        } else if (strcmp(tag, "OUTL") == 0) {
            if (m->outliers)
                goto malformed;
            if ((rc = seg_outliers_read(&s, h.k, &m->outliers)) < 0)
                goto fail;
        } else if (strcmp(tag, "KPRO") == 0) {
            /* once, after CENT: the k-prototypes part (format version 2) */
            if (m->kproto)
                goto malformed;
            if ((rc = seg_kproto_read(&s, h.k, h.d, m->centroids, &m->kproto)) < 0)
                goto fail;
        } else if (strcmp(tag, "TREE") == 0) {
            /* once; an older reader skips it and has no explanation tree */
            if (m->tree)
                goto malformed;
            if ((rc = seg_xtree_read(&s, h.k, h.d, &m->tree)) < 0)
                goto fail;
        } else if (strcmp(tag, "CAPB") == 0) {
            if (m->cap_min || plen != (uint64_t)h.k * 16)
                goto malformed;
            if (!(m->cap_min = seg_malloc_array(h.k, sizeof *m->cap_min)) ||
                !(m->cap_max = seg_malloc_array(h.k, sizeof *m->cap_max)))
                goto nomem;
            for (size_t j = 0; j < h.k; j++) {
                uint64_t a = seg_rb_u64(&s), b = seg_rb_u64(&s);
                if (a < 1 || a > b || b > h.n_rows)
                    goto malformed;
                m->cap_min[j] = (int64_t)a;
                m->cap_max[j] = (int64_t)b;
            }
        } else if (strcmp(tag, "GMIX") == 0) {
            /* once, in a version-2 file; a version-1 reader refuses the
             * file by its version rather than predict by nearest mean */
            if (m->mixture || m->dtype != SEG_DTYPE_F64)
                goto malformed;
            if ((rc = seg_mixture_read(&s, h.k, h.d, m->centroids, &m->mixture)) < 0)
                goto fail;
        } else if (strcmp(tag, "END ") == 0) {
            end = true;
            if (plen != 0 || r.pos != r.len)
                goto malformed;
        }
        if (s.bad || nomem)
            goto malformed;
    }
    if (!m || !have_segs) {
        rc = seg_fail(SEG_ERR_FORMAT, "model file: HEAD, CENT or SEGS section missing");
        goto fail;
    }
    if ((rc = check_consistency(m)) < 0)
        goto fail;
    /* Withheld profiles are NaN in the file already; withholding again from
     * the sizes keeps a reader's answers k-anonymous whatever the file says. */
    if (m->profile && min_profile_size > 0) {
        rc = seg_profile_withhold(m->profile, m->sizes, m->n_rows, (size_t)min_profile_size);
        if (rc < 0 || (rc = seg_profile_finish(m->profile)) < 0)
            goto fail;
    }
    seg_free(cent);
    *out = m;
    return SEG_OK;
malformed:
    if (nomem)
        goto nomem;
    rc = seg_fail(SEG_ERR_FORMAT, "model file: malformed section before byte %zu", r.pos);
    goto fail;
nomem:
    rc = SEG_NOMEM();
fail:
    seg_free(h.version);
    seg_free(cent);
    seg_model_free(m);
    return rc;
}

/* Read up to n bytes; the count read, short only at the end or on error. */
static size_t read_full(FILE *f, uint8_t *p, size_t n)
{
    size_t got = 0, k;
    while (got < n && (k = fread(p + got, 1, n - got, f)) > 0)
        got += k;
    return got;
}

/*
 * The header first: a file that is not a model (/dev/zero, a 30 GB sparse
 * file, a text file) is refused after reading 24 bytes, and a model is read
 * to its declared length only, which must be at most SEG_MODEL_MAX_BYTES and
 * match the file's size (a regular file is checked with fstat before any
 * allocation, anything else by reading one byte past the declared end).
 */
int seg_model_load(seg_model **out, const char *path)
{
    FILE *f;
    uint8_t head[HEADER_BYTES], *buf = NULL, extra;
    uint64_t total = 0;
    struct stat st;
    size_t len;
    int rc;
    if (!out)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_model_load: out is NULL");
    *out = NULL;
    if (!path)
        return seg_fail(SEG_ERR_INVALID_ARG, "seg_model_load: path is NULL");
    if (!(f = fopen(path, "rb")))
        return seg_fail(SEG_ERR_IO, "%s: %s", path, strerror(errno));
    len = read_full(f, head, sizeof head);
    if (ferror(f)) {
        rc = seg_fail(SEG_ERR_IO, "%s: read error: %s", path, strerror(errno));
        goto done;
    }
    if ((rc = check_header(head, len, &total)) < 0)
        goto done;
    if (total > SEG_MODEL_MAX_BYTES || total > SIZE_MAX) {
        rc = seg_fail(SEG_ERR_LIMIT,
                      "the model file declares %llu bytes, more than the %llu a model file "
                      "may hold",
                      (unsigned long long)total, (unsigned long long)SEG_MODEL_MAX_BYTES);
        goto done;
    }
    if (total < HEADER_BYTES) {
        rc = seg_fail(SEG_ERR_FORMAT, "model file: declared length %llu is too short",
                      (unsigned long long)total);
        goto done;
    }
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size != total) {
        rc = (uint64_t)st.st_size < total
                 ? seg_fail(SEG_ERR_TRUNCATED, "model file: %llu bytes of the %llu it declares",
                            (unsigned long long)st.st_size, (unsigned long long)total)
                 : seg_fail(SEG_ERR_FORMAT,
                            "model file: %llu bytes, %llu declared (trailing bytes)",
                            (unsigned long long)st.st_size, (unsigned long long)total);
        goto done;
    }
    if (!(buf = seg_malloc((size_t)total))) {
        rc = SEG_NOMEM();
        goto done;
    }
    memcpy(buf, head, sizeof head);
    len = sizeof head + read_full(f, buf + sizeof head, (size_t)total - sizeof head);
    if (ferror(f)) {
        rc = seg_fail(SEG_ERR_IO, "%s: read error: %s", path, strerror(errno));
        goto done;
    }
    if (len == total && read_full(f, &extra, 1) == 1) {
        rc = seg_fail(SEG_ERR_FORMAT, "model file: more bytes than the %llu declared (trailing "
                      "bytes)", (unsigned long long)total);
        goto done;
    }
    rc = seg_model_load_mem(out, buf, len);
done:
    fclose(f);
    seg_free(buf);
    if (rc < 0 && rc != SEG_ERR_NOMEM && rc != SEG_ERR_IO) {
        char detail[512]; /* name the file in the detail */
        snprintf(detail, sizeof detail, "%s", seg_last_error());
        rc = seg_fail(rc, "%.300s: %s", path, detail);
    }
    return rc;
}

/* The creator again, with a as the current allocator: everything the new
 * object holds, now and later, comes from a. */
int seg_model_load_with_allocator(seg_model **out, const char *path, seg_allocator *a)
{
    SEG_WITH_ALLOCATOR(a, seg_model_load(out, path));
}

int seg_model_load_mem_with_allocator(seg_model **out, const void *buf, size_t len,
                                      seg_allocator *a)
{
    SEG_WITH_ALLOCATOR(a, seg_model_load_mem(out, buf, len));
}
