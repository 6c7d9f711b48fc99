/*
 * K-means over a file read in chunks (seg_kmeans_fit_chunks,
 * seg_minibatch_fit_chunks): the rows are never held together.
 *
 * Pass "sample": every chunk is encoded by the scaler; a reservoir sample of
 * the rows is kept (Algorithm R: Vitter, "Random sampling with a reservoir",
 * ACM TOMS 11(1), 1985: row t >= m replaces a uniform slot with probability
 * m / (t + 1)), and the exact mean over features of the population variance
 * is accumulated (per chunk two passes, merged as in scaler_stream.c) for the
 * tolerance. The start is computed on the sample by seg_kmeans_init_f64()
 * (k-means++, random rows or the given centroids).
 *
 * Exact Lloyd: one pass per iteration (seg_lloyd_pass), with the stopping
 * rules, iteration count and empty-segment re-seeding of the in-memory Lloyd
 * (kmeans_tmpl.h "run"), so from the same start the result is the in-memory
 * one up to the order of floating-point sums. The in-memory fit stops when no
 * label changed; labels are not kept here, so a pass whose per-segment counts
 * and sums are bit for bit those of the pass before is taken as unchanged
 * (same labels give the same sums in the same order; different labels giving
 * identical sums would need two different rows to swap segments with equal
 * sums, bit for bit).
 *
 * Mini-batch: the mini-batch fit of the sample is the start; then each chunk,
 * its rows shuffled (a file sorted by some column would otherwise feed the
 * batches a biased order), updates the model through
 * seg_minibatch_partial_fit_f64() in batches; a last pass labels every row
 * for the sizes and the inertia.
 *
 * Both hand back, with the model, each segment's distances in a quantile
 * sketch (qsketch.h), whose grid the model stage makes the outlier
 * reference (lib/pipeline, outlier.h): each grid point within
 * SEG_STREAM_QUANTILE_EPS in rank of the in-memory reference's, exact for
 * segments of up to SEG_STREAM_EXACT_VALUES rows. The sketches are fed by
 * the pass that labels every row against the final centroids when the fit
 * knows beforehand that it is the last: mini-batch's sizes pass always, a
 * Lloyd pass that the tolerance or the iteration limit will end. Only when
 * no such pass was (Lloyd stopping because no label changed), or when its
 * distances could round otherwise than predict's (through a BLAS GEMM, with
 * the centroids in the model's order), one more pass scores every row, in
 * the distance kernel against the model's centroids, as predict would.
 */
#include "cluster/kmeans.h"
#include "prepare/scaler.h"
#include "cluster/lloyd_stream.h"
#include "kernel/distance.h"

#include <stdlib.h>
#include <string.h>

/* What the passes share. */
typedef struct chunk_io {
    seg_csv_chunker *ch;
    const seg_scaler *sc;
    size_t d;
    double *x; /* chunk rows x d */
    size_t cap_rows;
} chunk_io;

/* The next chunk, encoded into io->x: 1 with *rows set, 0 at the end, < 0. */
static int next_encoded(chunk_io *io, size_t *rows)
{
    seg_dataset *ds = NULL;
    int rc = seg_csv_chunker_next(io->ch, &ds);
    if (rc <= 0)
        return rc;
    size_t n = seg_dataset_rows(ds), count;
    if (n > io->cap_rows) {
        double *x;
        if (!seg_mul_ok(n, io->d, &count) || count > SIZE_MAX / sizeof *x) {
            seg_dataset_free(ds);
            return seg_fail(SEG_ERR_OVERFLOW, "%zu x %zu features overflow", n, io->d);
        }
        if (!(x = seg_realloc(io->x, count * sizeof *x))) {
            seg_dataset_free(ds);
            return SEG_NOMEM();
        }
        io->x = x;
        io->cap_rows = n;
    }
    rc = seg_scaler_transform_f64(io->sc, ds, io->x, n * io->d);
    seg_dataset_free(ds);
    if (rc < 0)
        return rc;
    *rows = n;
    return 1;
}

/* ---- the sample pass ------------------------------------------------------------ */

typedef struct sample_result {
    double *rows; /* got x d */
    size_t got;
    size_t n;        /* rows in the file */
    double mean_var; /* mean over features of the population variance */
} sample_result;

static int sample_pass(chunk_io *io, size_t want, uint64_t seed, sample_result *out)
{
    const size_t d = io->d;
    double *mean = seg_calloc(d, sizeof *mean), *m2 = seg_calloc(d, sizeof *m2);
    double *cm = seg_malloc_array(d, sizeof *cm);
    seg_rng rng;
    size_t rows, t = 0;
    int rc;
    uint64_t st = seed ^ 0x6f6f632d73616d70u;
    seg_rng_seed(&rng, seg_splitmix64(&st));
    memset(out, 0, sizeof *out);
    if (!mean || !m2 || !cm || !(out->rows = seg_malloc_array(want, d * sizeof(double)))) {
        rc = SEG_NOMEM();
        goto done;
    }
    if ((rc = seg_csv_chunker_rewind(io->ch)) < 0)
        goto done;
    while ((rc = next_encoded(io, &rows)) > 0) {
        for (size_t i = 0; i < rows; i++, t++) {
            size_t slot = t < want ? t : (size_t)seg_rng_below(&rng, (uint64_t)t + 1);
            if (slot < want)
                memcpy(out->rows + slot * d, io->x + i * d, d * sizeof(double));
        }
        /* Per feature: this chunk's mean and squared deviations, merged. */
        for (size_t j = 0; j < d; j++)
            cm[j] = 0;
        for (size_t i = 0; i < rows; i++)
            for (size_t j = 0; j < d; j++)
                cm[j] += io->x[i * d + j];
        for (size_t j = 0; j < d; j++)
            cm[j] /= (double)rows;
        const double na = (double)(t - rows), nb = (double)rows, nt = (double)t;
        for (size_t j = 0; j < d; j++) {
            double s2 = 0, delta;
            for (size_t i = 0; i < rows; i++) {
                double v = io->x[i * d + j] - cm[j];
                s2 += v * v;
            }
            delta = cm[j] - mean[j];
            mean[j] += delta * (nb / nt);
            m2[j] += s2 + delta * delta * (na * nb / nt);
        }
    }
    if (rc < 0)
        goto done;
    out->got = t < want ? t : want;
    out->n = t;
    out->mean_var = 0;
    for (size_t j = 0; j < d && t > 0; j++)
        out->mean_var += m2[j] / (double)t;
    out->mean_var /= (double)d;
    rc = SEG_OK;
done:
    seg_free(mean);
    seg_free(m2);
    seg_free(cm);
    if (rc < 0) {
        seg_free(out->rows);
        out->rows = NULL;
    }
    return rc;
}

/* ---- scoring the rows for the outlier reference ----------------------------- */

/* A pass's distances gathered by segment: sk[j] gets the distance of every
 * row the pass labels j (in the pass's numbering of the centroids). */
typedef struct scoring {
    seg_qsketch *sk; /* k sketches, or NULL while not scoring */
    size_t k;
    int32_t *lab; /* a chunk's labels and squared distances */
    double *dist;
    size_t cap;
} scoring;

static void scoring_stop(scoring *s)
{
    seg_qsketch_array_free(s->sk, s->k);
    s->sk = NULL;
}

static void scoring_free(scoring *s)
{
    scoring_stop(s);
    seg_free(s->lab);
    seg_free(s->dist);
}

/* Fresh sketches: the next pass scores its rows. */
static int scoring_start(scoring *s, size_t k)
{
    scoring_stop(s);
    s->k = k;
    return seg_qsketch_array_new(&s->sk, k, SEG_STREAM_QUANTILE_EPS, SEG_STREAM_EXACT_VALUES);
}

/* Label buffers for a chunk of rows. */
static int scoring_reserve(scoring *s, size_t rows)
{
    if (rows <= s->cap)
        return SEG_OK;
    int32_t *l2 = seg_realloc(s->lab, rows * sizeof *l2);
    if (l2)
        s->lab = l2;
    double *d2 = l2 ? seg_realloc(s->dist, rows * sizeof *d2) : NULL;
    if (!d2)
        return SEG_NOMEM();
    s->dist = d2;
    s->cap = rows;
    return SEG_OK;
}

/* The chunk's distances (sqrt of the kernel's squared distance: predict's)
 * into the sketches of their labels. */
static int scoring_add(scoring *s, size_t rows)
{
    int rc = SEG_OK;
    for (size_t i = 0; rc == SEG_OK && i < rows; i++)
        rc = seg_qsketch_add(&s->sk[s->lab[i]], sqrt(s->dist[i]));
    return rc;
}

/* Sketch j becomes sketch relabel[j]: the model's numbering. */
static int scoring_renumber(scoring *s, const int32_t *relabel)
{
    seg_qsketch *sk = seg_malloc_array(s->k, sizeof *sk);
    if (!sk)
        return SEG_NOMEM();
    for (size_t j = 0; j < s->k; j++)
        sk[relabel[j]] = s->sk[j];
    memcpy(s->sk, sk, s->k * sizeof *sk);
    seg_free(sk);
    return SEG_OK;
}

/* One pass over the file with centroids c into p (reset first); with s
 * scoring, its rows' distances also go into s's sketches. */
static int full_pass(chunk_io *io, seg_lloyd_pass *p, const double *c, scoring *s)
{
    size_t rows = 0;
    int rc;
    const bool scored = s && s->sk;
    if ((rc = seg_lloyd_pass_reset(p, c, p->k * p->d)) < 0 ||
        (rc = seg_csv_chunker_rewind(io->ch)) < 0)
        return rc;
    while ((rc = next_encoded(io, &rows)) > 0) {
        if (scored && (rc = scoring_reserve(s, rows)) < 0)
            return rc;
        if ((rc = seg_lloyd_pass_add_f64(p, io->x, rows, io->d, scored ? s->lab : NULL,
                                         scored ? s->dist : NULL)) < 0 ||
            (scored && (rc = scoring_add(s, rows)) < 0))
            return rc;
    }
    return rc;
}

/*
 * Whether a pass against centroids numbered otherwise than the model's gives
 * predict's distances: the register kernel's distance from a row to a
 * centroid depends on neither's position (distance.h), a BLAS GEMM's is not
 * promised to.
 */
static bool order_free(size_t d)
{
    return seg_regkernel_ok(d, sizeof(double));
}

/* The model's sketches: those of the fit's last pass (scored: renumbered
 * by relabel), or one more pass against the model's centroids. */
static int finish_scoring(chunk_io *io, scoring *s, const seg_model *m, const int32_t *relabel,
                          seg_qsketch **out)
{
    seg_lloyd_pass *p = NULL;
    int rc;
    if (s->sk)
        rc = scoring_renumber(s, relabel);
    else if ((rc = scoring_start(s, m->k)) == SEG_OK &&
             (rc = seg_lloyd_pass_new(&p, m->centroids, m->k, m->d)) == SEG_OK)
        rc = full_pass(io, p, m->centroids, s);
    seg_lloyd_pass_free(p);
    if (rc == SEG_OK) {
        *out = s->sk;
        s->sk = NULL;
    }
    return rc;
}

/* ---- empty segments ------------------------------------------------------------- */

/* A row that may re-seed an empty segment. */
typedef struct cand {
    double mind;
    size_t row;
    bool taken;
} cand;

/* Better candidate first: farther, then earlier (the in-memory tie rule). */
static bool cand_before(const cand *a, double mind, size_t row)
{
    return a->mind > mind || (a->mind == mind && a->row < row);
}

/*
 * The in-memory re-seeding (kmeans_tmpl.h relocate_empty): each empty
 * segment, in order, takes the row farthest from its centroid (ties: the
 * earliest) among rows at a positive distance whose segment keeps another
 * row. The e empty segments take at most e rows of any one segment, so a
 * pass keeps each segment's e best candidates (and their features) and the
 * choices are replayed on them. p holds the pass's statistics and is updated
 * as the in-memory fit updates its own.
 */
static int relocate_empty(chunk_io *io, seg_lloyd_pass *p, const double *c)
{
    const size_t k = p->k, d = p->d;
    size_t e = 0, rows, base = 0;
    int rc;
    for (size_t j = 0; j < k; j++)
        e += p->count[j] == 0;
    seg_lloyd_pass *q = NULL;
    cand *cands = seg_malloc_array(k * e, sizeof *cands);
    double *feat = seg_malloc_array(k * e, d * sizeof(double));
    size_t *ncand = seg_calloc(k, sizeof *ncand);
    int32_t *lab = NULL;
    double *dist = NULL;
    if (!cands || !feat || !ncand || (rc = seg_lloyd_pass_new(&q, c, k, d)) < 0) {
        rc = cands && feat && ncand ? rc : SEG_NOMEM();
        goto done;
    }
    if ((rc = seg_csv_chunker_rewind(io->ch)) < 0)
        goto done;
    while ((rc = next_encoded(io, &rows)) > 0) {
        int32_t *l2 = seg_realloc(lab, rows * sizeof *lab);
        double *d2 = l2 ? seg_realloc(dist, rows * sizeof *dist) : NULL;
        if (l2)
            lab = l2;
        if (d2)
            dist = d2;
        if (!l2 || !d2) {
            rc = SEG_NOMEM();
            goto done;
        }
        if ((rc = seg_lloyd_pass_add_f64(q, io->x, rows, d, lab, dist)) < 0)
            goto done;
        for (size_t i = 0; i < rows; i++) {
            const size_t l = (size_t)lab[i];
            cand *cl = cands + l * e;
            size_t m = ncand[l], pos;
            if (!(dist[i] > 0) || (m == e && !cand_before(&(cand){dist[i], base + i, false},
                                                          cl[m - 1].mind, cl[m - 1].row)))
                continue;
            pos = m < e ? m : e - 1;
            while (pos > 0 && cand_before(&(cand){dist[i], base + i, false}, cl[pos - 1].mind,
                                          cl[pos - 1].row)) {
                cl[pos] = cl[pos - 1];
                memcpy(feat + (l * e + pos) * d, feat + (l * e + pos - 1) * d, d * sizeof *feat);
                pos--;
            }
            cl[pos] = (cand){dist[i], base + i, false};
            memcpy(feat + (l * e + pos) * d, io->x + i * d, d * sizeof *feat);
            if (m < e)
                ncand[l]++;
        }
        base += rows;
    }
    if (rc < 0)
        goto done;
    for (size_t j = 0; j < k; j++) {
        if (p->count[j] != 0)
            continue;
        size_t best_l = SIZE_MAX, best_i = 0;
        for (size_t l = 0; l < k; l++) {
            if (p->count[l] <= 1)
                continue;
            for (size_t i = 0; i < ncand[l]; i++) {
                const cand *a = &cands[l * e + i];
                if (a->taken)
                    continue;
                if (best_l == SIZE_MAX ||
                    cand_before(a, cands[best_l * e + best_i].mind, cands[best_l * e + best_i].row))
                    best_l = l, best_i = i;
                break;
            }
        }
        if (best_l == SIZE_MAX) {
            rc = seg_fail(SEG_ERR_TOO_FEW_POINTS, "segment %zu is empty and no row can re-seed it",
                          j);
            goto done;
        }
        cand *a = &cands[best_l * e + best_i];
        const double *xr = feat + (best_l * e + best_i) * d;
        for (size_t f = 0; f < d; f++) {
            p->sum[best_l * d + f] -= xr[f];
            p->sum[j * d + f] = xr[f];
        }
        p->count[best_l]--;
        p->count[j] = 1;
        p->inertia -= a->mind;
        a->taken = true;
    }
    rc = SEG_OK;
done:
    seg_lloyd_pass_free(q);
    seg_free(cands);
    seg_free(feat);
    seg_free(ncand);
    seg_free(lab);
    seg_free(dist);
    return rc;
}

/* ---- the model ------------------------------------------------------------------ */

/* The model of pass p (its centroids, sizes and inertia), segments numbered
 * as the in-memory fit numbers them (the pass's segment j is the model's
 * relabel[j]), with a copy of the scaler. */
static int build_model(const seg_lloyd_pass *p, const seg_scaler *sc, int64_t iterations,
                       bool converged, double t0, double init_seconds, int32_t *relabel,
                       seg_model **out)
{
    const size_t k = p->k, d = p->d;
    seg_rank_key *keys = seg_malloc_array(k, sizeof *keys);
    double *c = seg_malloc_array(k * d, sizeof *c);
    seg_model *m = NULL;
    int rc;
    if (!keys || !c) {
        rc = SEG_NOMEM();
        goto done;
    }
    for (size_t j = 0; j < k; j++)
        keys[j] = (seg_rank_key){j, (double)p->count[j], (size_t)p->count[j], p->c + j * d, d};
    qsort(keys, k, sizeof *keys, seg_rank_cmp); /* the in-memory fit's order (weight = size) */
    for (size_t j = 0; j < k; j++)
        memcpy(c + j * d, p->c + keys[j].old * d, d * sizeof *c);
    if ((rc = seg_model_create(&m, k, d, SEG_DTYPE_F64, c)) < 0)
        goto done;
    for (size_t j = 0; j < k; j++) {
        m->sizes[j] = keys[j].size;
        m->weights[j] = keys[j].weight;
        relabel[keys[j].old] = (int32_t)j;
    }
    m->n_rows = p->rows;
    m->inertia = p->inertia;
    m->iterations = iterations;
    m->converged = converged;
    m->init_seconds = init_seconds;
    if (sc && (rc = seg_scaler_clone(sc, &m->scaler)) < 0)
        goto done;
    m->fit_seconds = seg_now_seconds() - t0;
    *out = m;
    m = NULL;
done:
    seg_model_free(m);
    seg_free(keys);
    seg_free(c);
    return rc;
}

/* ---- the fits --------------------------------------------------------------------- */

static int check_args(const void *obj, seg_csv_chunker *ch, const seg_scaler *sc,
                      size_t sample_rows, seg_model **out)
{
    if (!out)
        return seg_fail(SEG_ERR_INVALID_ARG, "out is NULL");
    *out = NULL;
    if (!obj || !ch || !sc)
        return seg_fail(SEG_ERR_INVALID_ARG, "NULL settings, chunker or scaler");
    if (!seg_scaler_is_fitted(sc))
        return seg_fail(SEG_ERR_STATE, "the scaler is not fitted");
    if (sample_rows == 0)
        return seg_fail(SEG_ERR_INVALID_ARG, "sample_rows is 0");
    return SEG_OK;
}

/* Bit-for-bit equal statistics: the labels did not change (see the top). */
static bool same_stats(const seg_lloyd_pass *p, const double *sum, const int64_t *count)
{
    return memcmp(p->count, count, p->k * sizeof *count) == 0 &&
           memcmp(p->sum, sum, p->k * p->d * sizeof *sum) == 0;
}

/* The model of the last pass p and the sketches of its rows' distances
 * (*dist, the model's numbering); both NULL on failure. */
static int model_and_sketches(chunk_io *io, const seg_lloyd_pass *p, scoring *s, int64_t iters,
                              bool converged, double t0, double init_seconds, seg_qsketch **dist,
                              seg_model **out)
{
    int32_t *relabel = seg_malloc_array(p->k, sizeof *relabel);
    int rc = relabel ? build_model(p, io->sc, iters, converged, t0, init_seconds, relabel, out)
                     : SEG_NOMEM();
    if (rc == SEG_OK && (rc = finish_scoring(io, s, *out, relabel, dist)) < 0) {
        seg_model_free(*out);
        *out = NULL;
    }
    seg_free(relabel);
    return rc;
}

int seg_kmeans_fit_chunked(seg_kmeans *km, seg_csv_chunker *ch, const seg_scaler *sc,
                           size_t sample_rows, seg_qsketch **dist, seg_model **out)
{
    const double t0 = seg_now_seconds();
    chunk_io io = {ch, sc, 0, NULL, 0};
    sample_result S = {0};
    scoring score = {0};
    seg_lloyd_pass *p = NULL;
    double *c = NULL, *prev_sum = NULL, tol = 0, init_seconds;
    int64_t *prev_count = NULL, k = 0, max_iter = 0, seed = 0, iters = 0;
    bool tol_hit = false, converged = false;
    int rc;

    if ((rc = check_args(km, ch, sc, sample_rows, out)) < 0)
        return rc;
    io.d = seg_scaler_features(sc);
    if ((rc = seg_kmeans_get_int(km, SEG_KMEANS_K, &k)) < 0 ||
        (rc = seg_kmeans_get_int(km, SEG_KMEANS_MAX_ITER, &max_iter)) < 0 ||
        (rc = seg_kmeans_get_int(km, SEG_KMEANS_SEED, &seed)) < 0 ||
        (rc = seg_kmeans_get_double(km, SEG_KMEANS_TOL, &tol)) < 0)
        return rc;
    if ((rc = sample_pass(&io, sample_rows, (uint64_t)seed, &S)) < 0)
        goto done;
    c = seg_malloc_array((size_t)k, io.d * sizeof *c);
    prev_sum = seg_malloc_array((size_t)k, io.d * sizeof *prev_sum);
    prev_count = seg_malloc_array((size_t)k, sizeof *prev_count);
    if (!c || !prev_sum || !prev_count) {
        rc = SEG_NOMEM();
        goto done;
    }
    if ((rc = seg_kmeans_init_f64(km, S.rows, S.got, io.d, NULL, c, (size_t)k * io.d)) < 0)
        goto done;
    init_seconds = seg_now_seconds() - t0;
    seg_free(S.rows);
    S.rows = NULL;
    const double tol_abs = tol > 0 ? tol * S.mean_var : 0;
    if ((rc = seg_lloyd_pass_new(&p, c, (size_t)k, io.d)) < 0)
        goto done;
    for (;;) {
        /* A pass that only an empty segment could keep from being the last
         * scores the rows as it labels them. */
        if (order_free(io.d) && (tol_hit || iters >= max_iter) && !score.sk &&
            (rc = scoring_start(&score, (size_t)k)) < 0)
            goto done;
        if ((rc = full_pass(&io, p, c, &score)) < 0)
            goto done;
        bool empty = false;
        for (int64_t j = 0; j < k; j++)
            empty |= p->count[j] == 0;
        if (!empty) {
            /* (no previous statistics before the first update) */
            const seg_lloyd_verdict v = seg_lloyd_verdict_of(
                iters > 0 && same_stats(p, prev_sum, prev_count), tol_hit, iters, max_iter);
            if (v != SEG_LLOYD_GO_ON) {
                iters += v == SEG_LLOYD_STABLE;
                converged = v != SEG_LLOYD_LIMIT;
                break;
            }
        } else {
            scoring_stop(&score); /* not the last pass after all */
            if ((rc = relocate_empty(&io, p, c)) < 0)
                goto done;
            if (iters >= max_iter + SEG_LLOYD_RESEED_SLACK) {
                rc = seg_fail(SEG_ERR_TOO_FEW_POINTS,
                              "segments kept emptying after %lld iterations", (long long)iters);
                goto done;
            }
        }
        memcpy(prev_sum, p->sum, (size_t)k * io.d * sizeof *prev_sum);
        memcpy(prev_count, p->count, (size_t)k * sizeof *prev_count);
        double shift;
        if ((rc = seg_lloyd_pass_update(p, c, (size_t)k * io.d, &shift)) < 0)
            goto done;
        tol_hit = shift <= tol_abs;
        iters++;
    }
    rc = model_and_sketches(&io, p, &score, iters, converged, t0, init_seconds, dist, out);
done:
    scoring_free(&score);
    seg_lloyd_pass_free(p);
    seg_free(S.rows);
    seg_free(c);
    seg_free(prev_sum);
    seg_free(prev_count);
    seg_free(io.x);
    return rc;
}

/* Shuffle the rows of x (Fisher-Yates). */
static void shuffle_rows(double *x, size_t n, size_t d, double *tmp, seg_rng *rng)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)seg_rng_below(rng, i);
        if (j == i - 1)
            continue;
        memcpy(tmp, x + (i - 1) * d, d * sizeof *tmp);
        memcpy(x + (i - 1) * d, x + j * d, d * sizeof *tmp);
        memcpy(x + j * d, tmp, d * sizeof *tmp);
    }
}

int seg_minibatch_fit_chunked(seg_minibatch *mb, seg_csv_chunker *ch, const seg_scaler *sc,
                              size_t sample_rows, uint64_t seed, seg_qsketch **dist,
                              seg_model **out)
{
    const double t0 = seg_now_seconds();
    chunk_io io = {ch, sc, 0, NULL, 0};
    sample_result S = {0};
    scoring score = {0};
    seg_lloyd_pass *p = NULL;
    seg_model *m = NULL, *next = NULL;
    double *c = NULL, *tmp = NULL, init_seconds;
    size_t rows, k, chunks = 0;
    seg_rng rng;
    int rc;
    uint64_t st = seed ^ 0x6d696e6962617463u;

    if ((rc = check_args(mb, ch, sc, sample_rows, out)) < 0)
        return rc;
    io.d = seg_scaler_features(sc);
    seg_rng_seed(&rng, seg_splitmix64(&st));
    if ((rc = sample_pass(&io, sample_rows, seed, &S)) < 0 ||
        (rc = seg_minibatch_fit_rows(mb, S.rows, false, S.got, io.d, NULL, NULL, NULL, &m)) < 0)
        goto done;
    init_seconds = seg_now_seconds() - t0;
    seg_free(S.rows);
    S.rows = NULL;
    if (!(tmp = seg_malloc_array(io.d, sizeof *tmp))) {
        rc = SEG_NOMEM();
        goto done;
    }
    if ((rc = seg_csv_chunker_rewind(ch)) < 0)
        goto done;
    while ((rc = next_encoded(&io, &rows)) > 0) {
        shuffle_rows(io.x, rows, io.d, tmp, &rng);
        if ((rc = seg_minibatch_partial_fit_f64(mb, m, io.x, rows, io.d, &next)) < 0)
            goto done;
        seg_model_free(m);
        m = next;
        next = NULL;
        chunks++;
    }
    if (rc < 0)
        goto done;
    k = seg_model_k(m);
    if (!(c = seg_malloc_array(k, io.d * sizeof *c))) {
        rc = SEG_NOMEM();
        goto done;
    }
    /* The sizes pass labels every row against the final centroids: it
     * scores them too. */
    if ((rc = seg_model_centroids_f64(m, c, k * io.d)) < 0 ||
        (rc = seg_lloyd_pass_new(&p, c, k, io.d)) < 0 ||
        (order_free(io.d) && (rc = scoring_start(&score, k)) < 0) ||
        (rc = full_pass(&io, p, c, &score)) < 0)
        goto done;
    rc = model_and_sketches(&io, p, &score, (int64_t)chunks, false, t0, init_seconds, dist, out);
done:
    scoring_free(&score);
    seg_lloyd_pass_free(p);
    seg_model_free(m);
    seg_free(S.rows);
    seg_free(c);
    seg_free(tmp);
    seg_free(io.x);
    return rc;
}
