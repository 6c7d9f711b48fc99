/*
 * Private layout of the per-segment profiles (profile.c) kept in a model.
 *
 * What is stored (and written to model files) is plain statistics of the
 * training columns per segment; the standardised differences, the ranking of
 * distinguishing items and the labels are derived from them by
 * seg_profile_finish(), after a fit and after a load alike, so the two can
 * never disagree.
 */
#ifndef SEG_PROFILE_H
#define SEG_PROFILE_H

#include "core/core.h"
#include "core/bytes.h"

/* One training column. Arrays indexed by segment have k + 1 entries: the
 * last one is the whole population. */
typedef struct pcol {
    char *name;
    bool categorical;
    bool described; /* a described column (DESC section): never in a label */
    /* numeric, over non-missing values */
    double *mean, *median, *sd, *missing; /* missing: share of the rows' weight */
    /* categorical: level names ("(missing)" when some are missing) and the
     * share of each segment's weight at each level, (k + 1) x n_levels */
    char **levels;
    size_t n_levels;
    double *share;
} pcol;

/* Items whose |z| is below this never make it into a label: half a
 * population standard deviation, Cohen's (1988) "medium" effect; smaller
 * differences are not worth naming. At most LABEL_MAX_PHRASES phrases. */
#define LABEL_MIN_Z 0.5
#define LABEL_MAX_PHRASES 3

/* Why a profile is withheld (seg_model_profile_withheld()'s values). */
enum { WITHHELD_SMALL = 1, WITHHELD_PARTNER = 2 };

/* One standardised item: a numeric column, or one level of a categorical one. */
typedef struct pitem {
    size_t col;
    size_t level; /* SIZE_MAX for numeric columns */
    char *name;   /* "col" or "col=level" */
} pitem;

typedef struct seg_profile {
    size_t k, n_cols;
    pcol *cols;
    /* derived by seg_profile_finish() */
    size_t n_items;
    pitem *items;
    double *z;      /* k x n_items standardised differences */
    size_t *order;  /* k x n_items: items of segment j by decreasing |z| */
    char **labels;  /* k plain-language labels */
    /* the label's traits (make_label): segment j's t-th phrase names item
     * trait_item[j x LABEL_MAX_PHRASES + t] and reads trait_text[same] */
    size_t *n_traits;   /* k */
    size_t *trait_item; /* k x LABEL_MAX_PHRASES */
    char **trait_text;  /* k x LABEL_MAX_PHRASES, NULL past n_traits[j] */
    /* k-anonymity (seg_profile_withhold): segments, and the population at
     * index k, whose statistics are withheld (all NaN); NULL when none is */
    size_t min_size;
    uint8_t *withheld; /* k + 1: 0 shown, WITHHELD_SMALL or WITHHELD_PARTNER */
} seg_profile;

void seg_profile_free(seg_profile *p);

/* Statistics of the training dataset per segment (labels in 0 .. k-1), then
 * seg_profile_finish(). Weights of ds are used when it has some. Numeric
 * columns are spread over `threads` threads (0: all cores); the result does
 * not depend on how many. */
int seg_profile_compute(const seg_dataset *ds, const int32_t *labels, size_t k, size_t min_size,
                        int threads, seg_profile **out);


/* Withhold the statistics of every segment describing fewer than min_size
 * rows (sizes: k row counts; n: all rows), plus the smallest others while
 * the withheld rows together are fewer than min_size (see profile.c). Sets
 * their statistics to NaN; seg_profile_finish() must follow. min_size 0: no-op. */
int seg_profile_withhold(seg_profile *p, const size_t *sizes, size_t n, size_t min_size);

/* Items, standardised differences, ordering and labels from the statistics. */
int seg_profile_finish(seg_profile *p);

/* What seg_kmeans_fit_dataset() adds to the model it fitted, besides the
 * outlier reference: a copy of the scaler (when sc is not NULL) and the
 * profiles of ds under labels, those of segments under min_profile_size rows
 * withheld, computed on `threads` threads (0: all cores; the profiles do not
 * depend on it). Reads the labels a fit gave; labels nothing itself. */
int seg_model_describe(seg_model *m, const seg_dataset *ds, const seg_scaler *sc,
                       const int32_t *labels, size_t min_profile_size, int threads);

/* The PROF section's payload, and its reader (which calls finish). */
void seg_profile_write(const seg_profile *p, wbuf *w);
int seg_profile_read(rbuf *r, size_t k, seg_profile **out);

/* The DESC section: which PROF columns are described. has_described says
 * whether the profile needs one; the reader marks them and calls finish
 * (false: a malformed section, or memory ran out when *nomem). */
bool seg_profile_has_described(const seg_profile *p);
void seg_profile_write_described(const seg_profile *p, wbuf *w);
bool seg_profile_read_described(rbuf *r, seg_profile *p, bool *nomem);

#endif
