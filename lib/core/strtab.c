/*
 * String table: open addressing, insertion order kept (see strtab.h).
 */
#include "core/strtab.h"

#include <string.h>

typedef struct seg_strkey {
    uint64_t a, b; /* for up to 16 bytes, the bytes themselves (overlapping loads) */
    uint64_t h;
    size_t len;
} strkey;

/* Strings are mostly short (levels, column names): up to 16 bytes, two
 * overlapping loads hold every byte, so equal keys and lengths mean equal
 * strings without memcmp. */
static strkey make_key(const char *p, size_t n)
{
    strkey k = {0, 0, 0, n};
    uint64_t h = 0x9E3779B97F4A7C15u ^ (uint64_t)n;
    if (n >= 8) {
        memcpy(&k.a, p, 8);
        memcpy(&k.b, p + n - 8, 8);
        for (size_t i = 8; i + 8 < n; i += 8) { /* middle of long strings */
            uint64_t w;
            memcpy(&w, p + i, 8);
            h = (h ^ w) * 0xBF58476D1CE4E5B9u;
            h ^= h >> 31;
        }
    } else if (n >= 4) {
        uint32_t u, v;
        memcpy(&u, p, 4);
        memcpy(&v, p + n - 4, 4);
        k.a = u;
        k.b = v;
    } else if (n > 0) {
        k.a = (uint64_t)(unsigned char)p[0] | (uint64_t)(unsigned char)p[n / 2] << 8 |
              (uint64_t)(unsigned char)p[n - 1] << 16;
    }
    h = (h ^ k.a) * 0xBF58476D1CE4E5B9u;
    h = (h ^ (h >> 29) ^ k.b) * 0x94D049BB133111EBu;
    k.h = h ^ (h >> 32);
    return k;
}

void seg_strtab_init(seg_strtab *t)
{
    memset(t, 0, sizeof *t);
}

void seg_strtab_free(seg_strtab *t)
{
    if (t->str)
        for (size_t i = 0; i < t->n; i++)
            seg_free(t->str[i]);
    seg_free(t->str);
    seg_free(t->key);
    seg_free(t->slot);
    memset(t, 0, sizeof *t);
}

char **seg_strtab_release(seg_strtab *t, size_t *n)
{
    char **str = t->str;
    *n = t->n;
    t->str = NULL;
    seg_strtab_free(t);
    return str;
}

/* With t->n_slots > 0: the index of the string in t (*found set), or the
 * empty slot where it would go (*found clear). */
static size_t probe(const seg_strtab *t, const char *p, const strkey *k, bool *found)
{
    size_t mask = t->n_slots - 1, s = (size_t)k->h & mask;
    for (;; s = (s + 1) & mask) {
        uint32_t e = t->slot[s];
        const strkey *o;
        if (!e)
            break;
        o = &t->key[--e];
        if (o->h == k->h && o->len == k->len && o->a == k->a && o->b == k->b &&
            (k->len <= 16 || memcmp(t->str[e], p, k->len) == 0)) {
            *found = true;
            return e;
        }
    }
    *found = false;
    return s;
}

/* Room for one more string: array capacity and a slot array at most half
 * full after the insertion. */
static int grow(seg_strtab *t)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        char **s = seg_realloc(t->str, cap * sizeof *s);
        if (s)
            t->str = s;
        strkey *k = s ? seg_realloc(t->key, cap * sizeof *k) : NULL;
        if (!k)
            return SEG_NOMEM();
        t->key = k;
        t->cap = cap;
    }
    if ((t->n + 1) * 2 > t->n_slots) {
        size_t n_slots = t->n_slots ? t->n_slots * 2 : 32;
        uint32_t *slot = seg_calloc(n_slots, sizeof *slot);
        if (!slot)
            return SEG_NOMEM();
        for (size_t i = 0; i < t->n; i++) {
            size_t s = (size_t)t->key[i].h & (n_slots - 1);
            while (slot[s])
                s = (s + 1) & (n_slots - 1);
            slot[s] = (uint32_t)(i + 1);
        }
        seg_free(t->slot);
        t->slot = slot;
        t->n_slots = n_slots;
    }
    return SEG_OK;
}

int seg_strtab_intern(seg_strtab *t, const char *p, size_t len, size_t *index)
{
    strkey k = make_key(p, len);
    bool found = false;
    size_t s = 0;
    if (t->n_slots) {
        s = probe(t, p, &k, &found);
        if (found) {
            *index = s;
            return 0;
        }
    }
    if (t->n >= (size_t)INT32_MAX)
        return seg_fail(SEG_ERR_LIMIT, "more than %d distinct strings", INT32_MAX);
    if ((t->n + 1) * 2 > t->n_slots || t->n == t->cap) {
        int rc = grow(t);
        if (rc < 0)
            return rc;
        s = probe(t, p, &k, &found);
    }
    if (!(t->str[t->n] = seg_strndup(p, len)))
        return SEG_NOMEM();
    t->key[t->n] = k;
    t->slot[s] = (uint32_t)(t->n + 1);
    *index = t->n++;
    return 1;
}

size_t seg_strtab_len(const seg_strtab *t, size_t i)
{
    return t->key[i].len;
}

bool seg_strtab_lookup(const seg_strtab *t, const char *p, size_t len, size_t *index)
{
    strkey k = make_key(p, len);
    bool found = false;
    size_t s = t->n_slots ? probe(t, p, &k, &found) : 0;
    if (found)
        *index = s;
    return found;
}
