/**
 * @file seg-mpi.h
 * @brief libseg-mpi: the k-means fit of libseg over the ranks of an MPI
 * communicator (a companion library, as FFTW's libfftw3_mpi; libseg itself
 * never links MPI).
 *
 * Each rank holds a contiguous share of the rows (seg_mpi_share() says
 * which); the fit exchanges only per-segment sums, weights and counts
 * (O(k * d) bytes a rank per iteration, independent of the rows) and gives
 * every rank the model seg_kmeans_fit_f32() gives on all the rows, bit for
 * bit, for any number of ranks. docs/mpi.md says how and at what cost.
 *
 * Errors: the calls are collective; a failure on one rank (a non-finite
 * value in its rows, say) is agreed, so every rank returns the same code,
 * and seg_mpi_last_error() gives every rank the same message.
 */
#ifndef SEG_MPI_H
#define SEG_MPI_H

#include <mpi.h>
#include <seg.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define SEG_MPI_API __attribute__((visibility("default")))
#else
#define SEG_MPI_API
#endif

/**
 * The rows this rank holds in a fit of n rows x d features with the
 * settings of km: the row partitions of the fit (seg_kmeans_partitions())
 * dealt out in order, about as many to each rank. Collective only in the
 * sense that every rank must pass the same arguments (no communication).
 *
 * @param comm the communicator of the fit.
 * @param km k-means settings (SEG_KMEANS_K matters).
 * @param n rows over all ranks.
 * @param d features.
 * @param dtype SEG_DTYPE_F32 or SEG_DTYPE_F64.
 * @param[out] row_first the rank's first row.
 * @param[out] rows the rank's number of rows.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL pointer, n or d zero),
 *         SEG_ERR_LIMIT (more ranks than the fit has row partitions, at most
 *         64: docs/mpi.md).
 */
SEG_MPI_API int seg_mpi_share(MPI_Comm comm, const seg_kmeans *km, size_t n, size_t d, int dtype,
                              size_t *row_first, size_t *rows);

/**
 * Fit k-means over the rows of all ranks (collective). x holds this rank's
 * share (seg_mpi_share()); every rank gets the same model, equal bit for
 * bit to what seg_kmeans_fit_f32() gives on all the rows in rank order
 * (Lloyd's or the bounded passes, SEG_KMEANS_ALGORITHM: the same bits;
 * AUTO decided on all rows, rank 0's choice every rank's; k-means++,
 * k-means|| (SEG_INIT_KMEANS_PARALLEL, whose
 * draws depend on the row number among all rows only), random or given
 * start), and its rows' labels.
 *
 * @param comm the communicator.
 * @param km settings, the same on every rank.
 * @param x the rank's rows, n * d row-major (not copied).
 * @param n the rank's rows.
 * @param d features.
 * @param weights n weights, or NULL on every rank.
 * @param[out] labels n labels, or NULL.
 * @param[out] out the model (the caller frees it with seg_model_free()).
 * @return as seg_kmeans_fit_f32(); SEG_ERR_MISMATCH when the ranks' rows are
 *         not the shares of seg_mpi_share(); SEG_ERR_IO for an MPI failure.
 */
SEG_MPI_API int seg_mpi_kmeans_fit_f32(MPI_Comm comm, seg_kmeans *km, const float *x, size_t n,
                                       size_t d, const double *weights, int32_t *labels,
                                       seg_model **out);

/**
 * As seg_mpi_kmeans_fit_f32(), for double rows.
 *
 * @param comm the communicator.
 * @param km settings, the same on every rank.
 * @param x the rank's rows, n * d row-major.
 * @param n the rank's rows.
 * @param d features.
 * @param weights n weights, or NULL on every rank.
 * @param[out] labels n labels, or NULL.
 * @param[out] out the model.
 * @return as seg_mpi_kmeans_fit_f32().
 */
SEG_MPI_API int seg_mpi_kmeans_fit_f64(MPI_Comm comm, seg_kmeans *km, const double *x, size_t n,
                                       size_t d, const double *weights, int32_t *labels,
                                       seg_model **out);

/**
 * Label each rank's rows with a model (collective), and count the rows of
 * each segment over all ranks.
 *
 * @param comm the communicator.
 * @param m the model, the same on every rank.
 * @param x the rank's rows, n * d doubles (already scaled, as for
 *        seg_predictor_run_f64()); any share.
 * @param n the rank's rows (0 allowed).
 * @param d features.
 * @param[out] labels n labels.
 * @param[out] distances n distances, or NULL.
 * @param[out] sizes seg_model_k() counts over all ranks, or NULL.
 * @return as seg_predictor_run_f64(), agreed over the ranks.
 */
SEG_MPI_API int seg_mpi_predict(MPI_Comm comm, const seg_model *m, const double *x, size_t n,
                                size_t d, int32_t *labels, double *distances, int64_t *sizes);

/**
 * The median of each feature over the rows of all ranks (collective), as the
 * single-process scaler takes it to impute a missing value: NaN values are
 * missing and skipped; the median of the present values by linear
 * interpolation between the order statistics around position (m - 1) / 2
 * (numpy's default), bit for bit, for any number of ranks: the order
 * statistics are found exactly by a radix selection (eight exchanges of
 * 256 counts per feature, no value moved; docs/mpi.md). A feature with no
 * value on any rank gets 0, as the serial scaler imputes.
 *
 * @param comm the communicator.
 * @param x the rank's rows, n * d doubles, row-major; NaN is missing; an
 *        infinite value fails every rank.
 * @param n the rank's rows (0 allowed).
 * @param d features, the same on every rank.
 * @param[out] median d medians, the same on every rank.
 * @return SEG_OK; SEG_ERR_NONFINITE (an infinite value, named by its row
 *         among all rows and its feature), SEG_ERR_INVALID_ARG,
 *         SEG_ERR_LIMIT, SEG_ERR_NOMEM, SEG_ERR_IO: agreed over the ranks.
 */
SEG_MPI_API int seg_mpi_median(MPI_Comm comm, const double *x, size_t n, size_t d,
                               double *median);

/**
 * Order statistics of each feature over the rows of all ranks
 * (collective): the values at given ranks of the present values in
 * ascending order, found exactly by the radix selection of
 * seg_mpi_median() (no value moved), so a value of the data, the same on
 * every rank and for any number of ranks. NaN values are missing and
 * skipped; infinite values take their place in the order; -0.0 comes just
 * before +0.0. E.g. the nearest-rank quartile q of m present values is the
 * value at rank ceil(q m) - 1.
 *
 * @param comm the communicator.
 * @param x the rank's rows, n * d doubles, row-major; NaN is missing.
 * @param n the rank's rows (0 allowed).
 * @param d features, the same on every rank.
 * @param want d * nw 0-based ranks, the same on every rank:
 *        want[j * nw + w] among the present values of feature j over all
 *        ranks (below their number).
 * @param nw ranks wanted per feature (0: nothing to do but the checks).
 * @param[out] out d * nw values, out[j * nw + w] the value at rank
 *        want[j * nw + w], the same on every rank.
 * @return SEG_OK; SEG_ERR_INVALID_ARG (NULL argument, d 0, a wanted rank
 *         not below its feature's number of present values), SEG_ERR_LIMIT,
 *         SEG_ERR_NOMEM, SEG_ERR_IO: agreed over the ranks.
 */
SEG_MPI_API int seg_mpi_select(MPI_Comm comm, const double *x, size_t n, size_t d,
                               const uint64_t *want, size_t nw, double *out);

/**
 * The fairness figures of a partition of the rows of all ranks on one
 * protected attribute (collective): each rank counts its rows per segment
 * and group (and the selected ones per group), the counts are added over
 * the ranks (integers: exact in any order), and every rank gets in f the
 * figures seg_fairness_compute() gives on all the rows in one process,
 * bit for bit (seg_fairness_compute_counts()).
 *
 * @param comm the communicator.
 * @param f the rank's fairness object.
 * @param labels n segment labels in 0 .. k-1 of the rank's rows.
 * @param groups n group codes in 0 .. g-1, or -1 for an unknown group.
 * @param n the rank's rows (0 allowed).
 * @param k segments, the same on every rank (1 .. 10^6).
 * @param g groups, the same on every rank (1 .. 10^6).
 * @param selected n flags of the rank's rows (nonzero: selected), or NULL
 *        on every rank (no selection figures).
 * @return SEG_OK; as seg_fairness_compute() (a label or code out of range
 *         names the row among all rows); SEG_ERR_MISMATCH (the ranks
 *         disagree on k, g or whether a selection is given); SEG_ERR_LIMIT
 *         ((k + 1) * g counts above MPI's int count); SEG_ERR_NOMEM,
 *         SEG_ERR_IO: agreed, the same status and seg_mpi_last_error() on
 *         every rank.
 */
SEG_MPI_API int seg_mpi_fairness_compute(MPI_Comm comm, seg_fairness *f, const int32_t *labels,
                                         const int32_t *groups, size_t n, size_t k, size_t g,
                                         const uint8_t *selected);

/**
 * Fit the numeric scaling of the rows of all ranks (collective): every rank
 * gets, per feature, the center and scale the single-process scaler
 * (seg_scaler_fit() with SEG_SCALER_METHOD method) gives on all the rows in
 * rank order, bit for bit: the mean and population standard deviation are
 * summed in row order along a chain over the ranks, as the serial scaler
 * sums them (docs/mpi.md); the robust scaler's quartiles are exact order
 * statistics over the ranks (a radix selection, eight exchanges of
 * counts). A feature is then scaled as (x - center) / scale in double.
 *
 * @param comm the communicator.
 * @param method SEG_SCALE_STANDARD, SEG_SCALE_MINMAX, SEG_SCALE_ROBUST
 *        or SEG_SCALE_NONE.
 * @param x the rank's rows, n * d doubles, row-major, all finite (no
 *        missing values: nothing is imputed).
 * @param n the rank's rows (0 allowed).
 * @param d features, the same on every rank.
 * @param[out] center d centers.
 * @param[out] scale d scales (never 0: a constant feature gets 1).
 * @return SEG_OK; SEG_ERR_NONFINITE (a NaN or infinite value, named by its
 *         row among all rows and its column; or a spread that overflows),
 *         SEG_ERR_EMPTY (no rows on any rank), SEG_ERR_INVALID_ARG,
 *         SEG_ERR_NOMEM, SEG_ERR_IO: agreed, the same on every rank.
 */
SEG_MPI_API int seg_mpi_scaler_fit(MPI_Comm comm, seg_scale_method method, const double *x,
                                   size_t n, size_t d, double *center, double *scale);

/**
 * seg_mpi_scaler_fit() for rows with missing values (collective): NaN is a
 * missing value, imputed with the median of the feature's present values
 * over all ranks (exact, as seg_mpi_median()), as the single-process scaler
 * (seg segment's --impute-order) does, bit for bit. With impute_first the
 * statistics cover the present values and one copy of the median per
 * missing value, the copies summed after every present value (the last rank
 * adds them along the chain, where the serial scaler appends them); without
 * it, the present values only. A feature without any value gets center 0,
 * scale 1 and median 0. A missing value is then scaled as
 * (median - center) / scale.
 *
 * @param comm the communicator.
 * @param method SEG_SCALE_STANDARD, SEG_SCALE_MINMAX, SEG_SCALE_ROBUST
 *        or SEG_SCALE_NONE.
 * @param impute_first nonzero: impute, then fit the scaling (seg segment's
 *        default, impute-first); 0: scale-first.
 * @param x the rank's rows, n * d doubles, row-major; NaN missing, no
 *        infinite value.
 * @param n the rank's rows (0 allowed).
 * @param d features, the same on every rank.
 * @param[out] center d centers.
 * @param[out] scale d scales (never 0).
 * @param[out] median d medians (the imputation values), or NULL.
 * @return as seg_mpi_scaler_fit() (SEG_ERR_NONFINITE for an infinite
 *         value or a spread that overflows): agreed over the ranks.
 */
SEG_MPI_API int seg_mpi_scaler_fit_missing(MPI_Comm comm, seg_scale_method method,
                                           int impute_first, const double *x, size_t n,
                                           size_t d, double *center, double *scale,
                                           double *median);

/**
 * Read a CSV file over the ranks (collective): each rank reads about
 * size / R bytes of it, cut at record boundaries (quoted line ends
 * included: the quote state at each cut comes from a scan over the ranks),
 * and gets a dataset of the records that start in its range, in file order
 * over the ranks. The column types are those seg_dataset_read_csv() chooses
 * on the whole file (counted over all ranks), and each categorical column's
 * levels are the whole file's in the serial reader's order (first
 * appearance), so row i of rank r's dataset is row first_row + i of the
 * serial dataset, codes included. Messages name the file's line and field.
 *
 * @param comm the communicator.
 * @param path a regular file every rank can read.
 * @param opts CSV options, or NULL for the defaults; not retained. The file
 *        must have a header row (SEG_CSV_HEADER 0 is SEG_ERR_INVALID_ARG).
 * @param[out] out the rank's dataset (it may hold no row: more ranks than
 *        records, or a record longer than a range); free with
 *        seg_dataset_free().
 * @param[out] first_row the number of rows on the ranks before this one.
 * @param[out] n_total the rows of all ranks.
 * @return SEG_OK or the error of seg_dataset_read_csv() on the whole file
 *         (the first in file order), SEG_ERR_IO, SEG_ERR_NOMEM,
 *         SEG_ERR_INVALID_ARG: agreed, the same status and
 *         seg_mpi_last_error() on every rank.
 */
SEG_MPI_API int seg_mpi_read_csv(MPI_Comm comm, const char *path, const seg_csv_options *opts,
                                 seg_dataset **out, size_t *first_row, size_t *n_total);

/**
 * Choose k over the rows of all ranks (collective): the sweep of
 * seg_sweep_run_f32() (each k of SEG_SWEEP_K_MIN .. SEG_SWEEP_K_MAX fitted
 * and measured, the silhouette on its sample, the stability refits, the
 * rule's chosen k and runner-up), recorded in s on every rank and equal bit
 * for bit, row by row, to seg_sweep_run_f32() on all the rows in rank
 * order, for any number of ranks. Each k is fitted with
 * seg_mpi_kmeans_fit_f32() after the rows move to that k's shares
 * (seg_mpi_share() depends on k); Davies-Bouldin and Calinski-Harabasz are
 * summed in row order along a chain over the ranks; the silhouette's sample
 * (SEG_SWEEP_SILHOUETTE_SAMPLE rows) and the stability's base sample
 * (SEG_SWEEP_STABILITY_SAMPLE rows) are gathered on every rank by row
 * number, and the silhouettes and refits are shared by the ranks, each
 * computing its pieces (SEG_SWEEP_OP_PROCESSES, SEG_SWEEP_OP_SHARE;
 * docs/mpi.md: what this costs, and that a sample size of 0 gathers all
 * the rows on every rank).
 *
 * A progress callback of s (seg_sweep_set_progress()) must answer the same
 * on every rank. Failures of the work each rank does itself (the samples'
 * allocations, the stability refits, the silhouettes) are agreed too
 * (SEG_SWEEP_OP_AGREE).
 *
 * @param comm the communicator.
 * @param s the sweep, with the same settings on every rank.
 * @param km k-means settings, the same on every rank (SEG_KMEANS_K, _SEED,
 *        _N_INIT and _THREADS are restored after the run).
 * @param x the rank's rows, n * d row-major (not copied): any contiguous
 *        share, the ranks' shares in rank order making up all the rows
 *        (seg_mpi_share()'s for any k, or a CSV's records by
 *        seg_mpi_read_csv()).
 * @param n the rank's rows (0 allowed).
 * @param d features, the same on every rank.
 * @param weights n weights, or NULL on every rank.
 * @return as seg_sweep_run_f32() and seg_mpi_kmeans_fit_f32():
 *         SEG_ERR_MISMATCH (ranks disagree on d or on weights),
 *         SEG_ERR_LIMIT (more ranks than a fit of some k has row partitions),
 *         SEG_ERR_IO (MPI), SEG_ERR_NOMEM; agreed, the same status and
 *         seg_mpi_last_error() on every rank.
 */
SEG_MPI_API int seg_mpi_sweep_run_f32(MPI_Comm comm, seg_sweep *s, seg_kmeans *km, const float *x,
                                      size_t n, size_t d, const double *weights);

/**
 * As seg_mpi_sweep_run_f32(), for double rows (seg_sweep_run_f64()).
 *
 * @param comm the communicator.
 * @param s the sweep.
 * @param km k-means settings.
 * @param x the rank's rows, n * d row-major.
 * @param n the rank's rows.
 * @param d features.
 * @param weights n weights, or NULL on every rank.
 * @return as seg_mpi_sweep_run_f32().
 */
SEG_MPI_API int seg_mpi_sweep_run_f64(MPI_Comm comm, seg_sweep *s, seg_kmeans *km,
                                      const double *x, size_t n, size_t d,
                                      const double *weights);

/**
 * Move rows between two ways of sharing them over the ranks (collective):
 * the ranks hold contiguous shares in rank order (n rows here), and each
 * wants rows [to_first, to_first + to_rows) instead (the wanted shares too
 * tile all the rows in rank order), as after a sweep chose k and the fit of
 * that k wants seg_mpi_share()'s shares. One MPI_Alltoallv.
 *
 * @param comm the communicator.
 * @param x the rank's rows, n * row_bytes bytes (not changed).
 * @param n the rank's rows (0 allowed).
 * @param row_bytes bytes of one row (1 .. INT_MAX).
 * @param to_first the first row this rank wants.
 * @param to_rows rows this rank wants.
 * @param[out] out to_rows * row_bytes bytes, not overlapping x.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (the wanted shares do not tile the
 *         rows, NULL buffer), SEG_ERR_LIMIT, SEG_ERR_NOMEM, SEG_ERR_IO:
 *         agreed over the ranks.
 */
SEG_MPI_API int seg_mpi_reshare(MPI_Comm comm, const void *x, size_t n, size_t row_bytes,
                                size_t to_first, size_t to_rows, void *out);

/**
 * Append to m the per-segment profiles of the rows of all ranks
 * (collective): every rank gets in m the profiles seg_model_describe()
 * computes in one process on all the rows under the same labels, bit for
 * bit (docs/mpi.md): per numeric column the mean, median, population
 * standard deviation and share missing of each segment and of all rows,
 * per categorical column the share of each segment's rows at each level
 * ("(missing)" last when a value is missing); then the labels derived from
 * them. Counts are summed exactly, sums in row order along a chain over the
 * ranks, medians are exact order statistics over the ranks. A model given a
 * minimum profile size first (seg_model_set_min_profile_size(), on every
 * rank) gets seg_model_describe()'s profiles under that size: a level of
 * fewer rows over all ranks folded into "(other)", the small segments'
 * statistics withheld.
 *
 * @param comm the communicator.
 * @param m the fitted model, the same on every rank (changed on every rank).
 * @param ds this rank's rows, consecutive and in rank order among all rows,
 *        with the columns the model describes (the same on every rank, with
 *        the same levels in the same order, as seg_mpi_read_csv() gives
 *        them), with its row weights if any (seg_dataset_weights(): then
 *        the weighted profiles, each weighted median found on the values
 *        sorted over the ranks, each rank holding its own count of them);
 *        no described columns.
 * @param labels the segment of each of ds's rows.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL argument, a label out of range,
 *         described columns), SEG_ERR_NOMEM, SEG_ERR_LIMIT, SEG_ERR_IO, the
 *         errors of seg_model_add_profile_numeric(): agreed over the ranks.
 */
SEG_MPI_API int seg_mpi_model_profile(MPI_Comm comm, seg_model *m, const seg_dataset *ds,
                                      const int32_t *labels);

/**
 * seg_mpi_model_profile() of chosen columns of ds, in the order given, the
 * last n_described of them marked described
 * (seg_model_set_profile_described()), as seg_model_describe() profiles a
 * dataset whose described columns (seg_dataset_set_described_column())
 * follow its features: so a rank's rows can keep other columns (an id, an
 * outcome) that are not profiled, and the described ones stay readable.
 *
 * @param comm the communicator.
 * @param m the fitted model, the same on every rank (changed on every rank).
 * @param ds this rank's rows, as for seg_mpi_model_profile().
 * @param labels the segment of each of ds's rows.
 * @param cols n_cols column indices of ds, the same on every rank.
 * @param n_cols how many.
 * @param n_described how many of the last are described (<= n_cols).
 * @return as seg_mpi_model_profile(); SEG_ERR_INVALID_ARG also for a column
 *         out of range; agreed over the ranks.
 */
SEG_MPI_API int seg_mpi_model_profile_columns(MPI_Comm comm, seg_model *m, const seg_dataset *ds,
                                              const int32_t *labels, const size_t *cols,
                                              size_t n_cols, size_t n_described);

/**
 * The quality measures of a fit of the rows of all ranks (collective), the
 * values seg_metrics_silhouette_f32(), seg_metrics_davies_bouldin_f32() and
 * seg_metrics_calinski_harabasz_f32() give in one process on all the rows
 * (no weights), bit for bit: the silhouette's sample rows (drawn from the
 * row numbers and seed alone) are gathered on rank 0, which measures them;
 * the sums of the other two run in row order along a chain over the ranks.
 *
 * @param comm the communicator.
 * @param x this rank's rows, rows * d row-major, consecutive and in rank
 *        order among all rows (as seg_mpi_share() gives them).
 * @param rows the rank's rows (0 allowed).
 * @param d features.
 * @param labels the segment of each of the rank's rows.
 * @param k number of segments, at least 2.
 * @param sample_size the silhouette's sample (0: all rows, which rank 0
 *        then holds all of).
 * @param seed the sample's seed.
 * @param[out] out the silhouette, Davies-Bouldin and Calinski-Harabasz
 *        indexes, the same on every rank.
 * @return SEG_OK, SEG_ERR_INVALID_ARG, SEG_ERR_TOO_FEW_POINTS, SEG_ERR_LIMIT,
 *         SEG_ERR_NOMEM, SEG_ERR_IO: agreed over the ranks.
 */
SEG_MPI_API int seg_mpi_metrics_f32(MPI_Comm comm, const float *x, size_t rows, size_t d,
                                    const int32_t *labels, size_t k, size_t sample_size,
                                    uint64_t seed, double out[3]);

/** As seg_mpi_metrics_f32(), for double rows. @copydetails seg_mpi_metrics_f32 */
SEG_MPI_API int seg_mpi_metrics_f64(MPI_Comm comm, const double *x, size_t rows, size_t d,
                                    const int32_t *labels, size_t k, size_t sample_size,
                                    uint64_t seed, double out[3]);

/**
 * The quality measures of a fit of the weighted rows of all ranks on the
 * caller's threads (collective): the values
 * seg_metrics_silhouettes_threads_f32() (one labelling),
 * seg_metrics_davies_bouldin_f32() and seg_metrics_calinski_harabasz_f32()
 * give in one process on all the rows with these weights, bit for bit, as
 * seg segment records them. The silhouette's sample rows and their weights
 * (drawn from the row numbers and seed alone) are gathered on rank 0, which
 * measures them on `threads` threads; the weighted sums of the other two
 * run in row order along a chain over the ranks. seg_mpi_metrics_f32() is
 * this call without weights on every core.
 *
 * @param comm the communicator.
 * @param x this rank's rows, rows * d row-major, consecutive and in rank
 *        order among all rows (as seg_mpi_share() gives them).
 * @param rows the rank's rows (0 allowed).
 * @param d features.
 * @param labels the segment of each of the rank's rows.
 * @param k number of segments, at least 2.
 * @param weights the rank's rows' weights (finite, > 0), or NULL on every
 *        rank (a rank without rows may give NULL either way).
 * @param sample_size the silhouette's sample (0: all rows, which rank 0
 *        then holds all of).
 * @param seed the sample's seed.
 * @param threads rank 0's threads for the silhouette (0: all cores; at
 *        most 4096), as SEG_KMEANS_THREADS.
 * @param[out] out the silhouette, Davies-Bouldin and Calinski-Harabasz
 *        indexes, the same on every rank.
 * @return SEG_OK, SEG_ERR_INVALID_ARG (also a weight not finite and > 0, or
 *         threads out of range), SEG_ERR_MISMATCH (weights on some ranks
 *         only), SEG_ERR_TOO_FEW_POINTS, SEG_ERR_LIMIT, SEG_ERR_NOMEM,
 *         SEG_ERR_IO: agreed over the ranks.
 */
SEG_MPI_API int seg_mpi_metrics_threads_f32(MPI_Comm comm, const float *x, size_t rows, size_t d,
                                            const int32_t *labels, size_t k, const double *weights,
                                            size_t sample_size, uint64_t seed, int64_t threads,
                                            double out[3]);

/** As seg_mpi_metrics_threads_f32(), for double rows.
 *  @copydetails seg_mpi_metrics_threads_f32 */
SEG_MPI_API int seg_mpi_metrics_threads_f64(MPI_Comm comm, const double *x, size_t rows, size_t d,
                                            const int32_t *labels, size_t k, const double *weights,
                                            size_t sample_size, uint64_t seed, int64_t threads,
                                            double out[3]);

/**
 * Gather the rows at the given row numbers among all ranks on rank 0, in
 * that order, with their labels (collective): for serial work on a sample
 * of the rows (the silhouette of seg_mpi_metrics_f64(), a tree fitted on
 * chosen rows), which then sees the rows one process holding all of them
 * would, bit for bit. The ranks' rows follow each other in rank order
 * (rank r's first row is the sum of the rows of ranks 0 .. r-1), as in the
 * other calls of libseg-mpi.
 *
 * @param comm the communicator.
 * @param x the rank's rows, rows * d values of dtype, row-major.
 * @param dtype SEG_DTYPE_F32 (float) or SEG_DTYPE_F64 (double).
 * @param rows the rank's rows (0 allowed).
 * @param d features, the same on every rank.
 * @param labels the rank's rows' labels, or NULL on every rank.
 * @param idx count row numbers among all rows (0-based), increasing, the
 *        same on every rank.
 * @param count how many rows to gather.
 * @param[out] out on rank 0: count * d values of dtype (ignored elsewhere).
 * @param[out] out_labels on rank 0: count labels when labels is given
 *        (ignored elsewhere).
 * @return SEG_OK, SEG_ERR_INVALID_ARG (NULL argument, bad dtype, d 0,
 *         labels given on some ranks only, row numbers not increasing or
 *         beyond all rows), SEG_ERR_LIMIT (count or d above MPI's int
 *         count), SEG_ERR_NOMEM, SEG_ERR_IO: agreed over the ranks.
 */
SEG_MPI_API int seg_mpi_gather_rows(MPI_Comm comm, const void *x, int dtype, size_t rows,
                                    size_t d, const int32_t *labels, const size_t *idx,
                                    size_t count, void *out, int32_t *out_labels);

/**
 * Set m's outlier reference from the labels and distances of the rows of
 * all ranks (collective): every rank gets the reference
 * seg_model_set_outlier_reference() computes on all the rows in one
 * process, bit for bit (each segment's 1001 quantiles from exact order
 * statistics over the ranks: a sort of the rank's distances, then eight
 * exchanges of at most 2002 x 256 counts a segment).
 *
 * @param comm the communicator.
 * @param m the model, the same on every rank (changed on every rank).
 * @param labels the segment of each of the rank's rows.
 * @param distances each row's distance to its centroid, finite and >= 0.
 * @param rows the rank's rows (0 allowed).
 * @return SEG_OK, SEG_ERR_INVALID_ARG, SEG_ERR_LIMIT, SEG_ERR_NOMEM,
 *         SEG_ERR_IO: agreed over the ranks.
 */
SEG_MPI_API int seg_mpi_model_outliers(MPI_Comm comm, seg_model *m, const int32_t *labels,
                                       const double *distances, size_t rows);

/**
 * The model's explanation tree scored on the rows of all ranks
 * (collective), as seg_model_tree_score_f64() scores them in one process,
 * bit for bit: the rows each leaf's rule matches, the share of rows whose
 * rule gives their segment, and the k-means cost of the rules' segments
 * over the model's (the sums along the ranks in row order).
 *
 * @param comm the communicator.
 * @param m the model, with a tree, the same on every rank.
 * @param x the rank's rows (rows x d, row-major), in the ranks' row order.
 * @param rows the rank's rows (0 allowed; all ranks together at least 1).
 * @param d the model's features.
 * @param labels the model's segment of each of the rank's rows.
 * @param[out] leaf_rows seg_model_tree_leaves(m) counts: all ranks' rows
 *        each leaf matches, on every rank.
 * @param[out] agreement the share of rows whose rule gives their label.
 * @param[out] cost_ratio the rules' cost over the model's.
 * @return SEG_OK, SEG_ERR_INVALID_ARG, SEG_ERR_STATE (no tree),
 *         SEG_ERR_MISMATCH, SEG_ERR_EMPTY, SEG_ERR_LIMIT, SEG_ERR_NOMEM,
 *         SEG_ERR_IO: agreed over the ranks.
 */
SEG_MPI_API int seg_mpi_model_tree_score_f64(MPI_Comm comm, const seg_model *m, const double *x,
                                             size_t rows, size_t d, const int32_t *labels,
                                             uint64_t *leaf_rows, double *agreement,
                                             double *cost_ratio);

/** As seg_mpi_model_tree_score_f64(), for float rows (widened as the serial
 * score widens them). @copydetails seg_mpi_model_tree_score_f64 */
SEG_MPI_API int seg_mpi_model_tree_score_f32(MPI_Comm comm, const seg_model *m, const float *x,
                                             size_t rows, size_t d, const int32_t *labels,
                                             uint64_t *leaf_rows, double *agreement,
                                             double *cost_ratio);

/**
 * Agree on a status (collective): every rank returns the status of the
 * lowest rank whose rc is negative (or SEG_OK), and seg_mpi_last_error()
 * gives every rank that rank's message (seg_last_error() there).
 *
 * @param comm the communicator.
 * @param rc this rank's status.
 * @return the agreed status.
 */
SEG_MPI_API int seg_mpi_agree(MPI_Comm comm, int rc);

/**
 * As seg_mpi_agree(), with the failing rank's message given (a caller's own
 * error, not one of libseg's).
 *
 * @param comm the communicator.
 * @param rc this rank's status.
 * @param text the message when rc is negative, or NULL.
 * @return the agreed status.
 */
SEG_MPI_API int seg_mpi_agree_text(MPI_Comm comm, int rc, const char *text);

/**
 * The message of the last failure a seg_mpi_ call of this thread agreed on:
 * the same on every rank. Never NULL.
 */
SEG_MPI_API const char *seg_mpi_last_error(void);

#ifdef __cplusplus
}
#endif

#endif /* SEG_MPI_H */
