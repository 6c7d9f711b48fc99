/*
 * What a model's profiles and preparation look like on the terminal and in
 * JSON, shared by 'seg segment' and 'seg info' so that the two say the same:
 * per segment the numeric columns' means and medians in the data's units,
 * the most common levels of the categorical columns with their shares, the
 * label's traits with their standardised differences, and the scaler's
 * settings. Only the public API.
 */
#ifndef SEG_TOOL_PROFILE_OUT_H
#define SEG_TOOL_PROFILE_OUT_H

#include <stdio.h>

#include <seg.h>

/* Levels of a categorical column listed per segment, most common first. */
#define PROFILE_TOP_LEVELS 3

/* The preparation: scaling, imputation order and policies, the features the
 * model was fitted on and the columns profiled but not clustered. */
void preparation_text(FILE *f, const seg_model *m);
/* The same as JSON members (",\n  \"preparation\": {...}"). */
void preparation_json(FILE *f, const seg_model *m);

/* Every segment's profile, the population's first, as blocks of lines. */
void profiles_text(FILE *f, const seg_model *m);

/* Segment j's profile as one JSON object: "numeric", "categorical",
 * "distinguishing", "traits" and "described". */
void profile_json(FILE *f, const seg_model *m, size_t j);

/* Levels of categorical column col in segment j (k: everyone), most common
 * first: the top n into lv (on equal shares the earlier level). Returns how
 * many were written. */
size_t profile_top_levels(const seg_model *m, size_t j, size_t col, size_t *lv, size_t n);

/* A value in the data's units for a person to read: no exponent, fewer
 * decimals the larger it is, "-" for NaN. */
void format_value(char *buf, size_t len, double v);

#endif
