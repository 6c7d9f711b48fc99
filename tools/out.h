/*
 * Output helpers of the seg program: JSON values, CSV fields, .npy files.
 */
#ifndef SEG_TOOL_OUT_H
#define SEG_TOOL_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <seg.h>

/* A JSON string literal with the required escapes (", \\ and every control
 * character below 0x20). Text is read as UTF-8: each invalid sequence
 * (overlong form, surrogate, above U+10FFFF, truncated, stray byte) is
 * written as U+FFFD, one per maximal subpart as Python's errors="replace",
 * so the output is always valid JSON; the first in a run is a warning on
 * stderr naming the text and, when an input file given to json_source()
 * holds it, its line and byte. */
void json_string(FILE *f, const char *s);
/* Name an input file whose text may reach JSON output (up to 4 a run;
 * "-" is standard input, which is not searched). */
void json_source(const char *path);
/* The length of the valid UTF-8 sequence at p (p < end), or 0 when there is
 * none there; *bad then gets the number of bytes to replace by one U+FFFD. */
size_t utf8_sequence(const unsigned char *p, const unsigned char *end, size_t *bad);
/* A JSON number; non-finite values become null. */
void json_number(FILE *f, double v);

/* The quality fields every segmentation summary has, as JSON members
 * (",\n  \"silhouette\": ..." up to the features list): silhouette and the
 * rows it used (sample_size 0 or >= n: all n), Davies-Bouldin,
 * Calinski-Harabasz, and the d feature names of sc. */
struct seg_scaler;
void json_quality(FILE *f, double silhouette, int64_t sample_size, size_t n, double davies_bouldin,
                  double calinski_harabasz, const struct seg_scaler *sc, size_t d);

/* A CSV field, quoted when it holds a comma, quote, CR or LF. */
void csv_field(FILE *f, const char *s);

/* The writers of output files write to a stream the caller opened
 * (output.h: a temporary file renamed once all outputs are complete) and
 * return 0, or -1 with errno set when a write failed; the caller closes f.
 *
 * An n x d matrix as a .npy (format 1.0, '<f4' or '<f8', C order). */
int npy_write(FILE *f, const void *x, bool f32, size_t n, size_t d);
/* Its header alone (the n x d values follow, written by the caller). */
int npy_write_header(FILE *f, bool f32, size_t n, size_t d);

/* An n x d matrix as CSV with a header of column names. */
int csv_write_matrix(FILE *f, const void *x, bool f32, size_t n, size_t d,
                     const char *const *names);
/* Its rows alone, without the header. */
int csv_write_rows(FILE *f, const void *x, bool f32, size_t n, size_t d);

/* The encoded, scaled feature matrix: .npy when path (the output's name)
 * ends so, else CSV with the scaler's feature names as header. */
struct seg_scaler;
int write_features(FILE *f, const char *path, const void *x, bool f32, size_t n, size_t d,
                   const struct seg_scaler *sc);
/* Ids the commands write (write_id: a CSV field): as they are, or, once a key is loaded, as keyed
 * pseudonyms (seg_privacy_pseudonymize_id: HMAC-SHA-256, 64 hex characters); an
 * empty id stays empty. id_key_load reads the key file (one trailing
 * newline is dropped; at least 16 bytes must remain): 0, or -1 with errno
 * (EINVAL: too short). */
int id_key_load(const char *path);
void write_id(FILE *f, const char *id);
/* The same id as a JSON string. */
void json_id(FILE *f, const char *id);

/* id,segment,distance per row (id,segment when dist is NULL): the id column's text
 * (empty when missing), else the 1-based row number. With all (n x k), one
 * distance column per segment and the margin from the assigned segment to the
 * next nearest. */
int write_assignments(FILE *f, const seg_dataset *ds, const int32_t *labels, const double *dist,
                      size_t n, const double *all, size_t k);
/* As write_assignments(), plus outlier_score,flag columns when score is not NULL. */
int write_assignments_flagged(FILE *f, const seg_dataset *ds, const int32_t *labels,
                              const double *dist, size_t n, const double *all, size_t k,
                              const double *score, const uint8_t *flag);
/* As write_assignments_flagged(), plus an opted_out column (1/0) when opted
 * is not NULL (seg predict --opt-out). */
int write_assignments_marked(FILE *f, const seg_dataset *ds, const int32_t *labels,
                             const double *dist, size_t n, const double *all, size_t k,
                             const double *score, const uint8_t *flag, const uint8_t *opted);

/* The margin of row i: distance to the nearest other segment minus the
 * distance to its own (all is n x k; NaN when k is 1). */
double assignment_margin(const double *all, size_t k, size_t i, int32_t label);

/* One line on f naming the segments whose profiles m withholds (minimum
 * segment size), and why; nothing when it withholds none. */
void print_withheld(FILE *f, const seg_model *m);

#endif
