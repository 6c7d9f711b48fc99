/*
 * The public fits of a file read in chunks, composed of whole stages: the
 * chunked fit (cluster/fit_chunks.c) gives the model and, from the pass that
 * labelled every row against the final centroids, a quantile sketch of each
 * segment's distances; the model stage (model/outlier.c) turns those into
 * the outlier reference. See fit_dataset.c for the in-memory fits.
 */
#include "cluster/kmeans.h"
#include "model/outlier.h"

/* The model stage after a chunked fit: the outlier reference of the
 * sketches, which it frees; on failure the model too. */
static int describe(seg_model **m, seg_qsketch *dist)
{
    const size_t k = (*m)->k;
    int rc = seg_outliers_from_sketches(*m, dist);
    seg_qsketch_array_free(dist, k);
    if (rc < 0) {
        seg_model_free(*m);
        *m = NULL;
    }
    return rc;
}

int seg_kmeans_fit_chunks(seg_kmeans *km, seg_csv_chunker *ch, const seg_scaler *sc,
                          size_t sample_rows, seg_model **out)
{
    SEG_ALLOC_SCOPE(km);
    seg_qsketch *dist = NULL;
    int rc = seg_kmeans_fit_chunked(km, ch, sc, sample_rows, &dist, out);
    return rc == SEG_OK ? describe(out, dist) : rc;
}

int seg_minibatch_fit_chunks(seg_minibatch *mb, seg_csv_chunker *ch, const seg_scaler *sc,
                             size_t sample_rows, uint64_t seed, seg_model **out)
{
    SEG_ALLOC_SCOPE(mb);
    seg_qsketch *dist = NULL;
    int rc = seg_minibatch_fit_chunked(mb, ch, sc, sample_rows, seed, &dist, out);
    return rc == SEG_OK ? describe(out, dist) : rc;
}
