/*
 * String table: interns byte strings and numbers them 0, 1, 2, ... in order
 * of first appearance. Private to lib/; used for the levels of categorical
 * CSV columns, the CSV header's names and duplicate-name checks.
 *
 * Open addressing with linear probing over a power-of-two slot array kept at
 * most half full, so intern and lookup cost O(len) expected whatever the
 * number of strings. The table copies every string it adds; indices never
 * change once given.
 *
 * Threads: a table belongs to one thread at a time; seg_strtab_lookup,
 * seg_strtab_size and seg_strtab_str only read it, so several threads may call
 * them on a table that no thread is changing.
 */
#ifndef SEG_STRTAB_H
#define SEG_STRTAB_H

#include "core/core.h"

struct seg_strkey; /* per-string hash and prefix, private to strtab.c */

/* The layout is here only so that a table can live inside another struct or
 * on the stack; use the functions below, never the fields. */
typedef struct seg_strtab {
    uint32_t *slot;         /* 0 = empty, else index + 1 */
    size_t n_slots;         /* 0 or a power of two, at least twice n */
    char **str;             /* NUL-terminated copies, in insertion order */
    struct seg_strkey *key; /* key[i] belongs to str[i] */
    size_t n, cap;
} seg_strtab;

/*
 * Create an empty table in *t. Allocates nothing and cannot fail; a zeroed
 * seg_strtab is an equally valid empty table.
 */
void seg_strtab_init(seg_strtab *t);

/*
 * Index of the string p[0..len) in t, adding a NUL-terminated copy at the
 * end when it is absent. Strings are compared as len bytes, so they may hold
 * any byte (a NUL inside makes the stored C string read shorter).
 *
 * Returns 1 when the string was added, 0 when it was already there (in both
 * cases *index is set), SEG_ERR_NOMEM when memory runs out, SEG_ERR_LIMIT when
 * the table already holds INT32_MAX strings. On failure t is unchanged
 * (beyond spare capacity) and the detail message is set.
 */
int seg_strtab_intern(seg_strtab *t, const char *p, size_t len, size_t *index);

/* true and *index set when p[0..len) is in t; false otherwise. */
bool seg_strtab_lookup(const seg_strtab *t, const char *p, size_t len, size_t *index);

/* Number of distinct strings in t. */
static inline size_t seg_strtab_size(const seg_strtab *t)
{
    return t->n;
}

/* The string of index i (< seg_strtab_size(t)), NUL-terminated, owned by t and
 * valid until t is released or freed. */
static inline const char *seg_strtab_str(const seg_strtab *t, size_t i)
{
    return t->str[i];
}

/* The length of string i (< seg_strtab_size(t)), which may hold NUL bytes. */
size_t seg_strtab_len(const seg_strtab *t, size_t i);

/*
 * Hand the strings to the caller and empty t: returns the array of the
 * seg_strtab_size(t) strings in index order (possibly NULL when t is empty)
 * and sets *n to their number. The caller frees each string and the array
 * with seg_free. Cannot fail; t is left an empty table.
 */
char **seg_strtab_release(seg_strtab *t, size_t *n);

/* Free everything t holds and leave it an empty table. Accepts an empty or
 * released table. */
void seg_strtab_free(seg_strtab *t);

#endif /* SEG_STRTAB_H */
