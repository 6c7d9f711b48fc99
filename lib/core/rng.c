/*
 * Pseudo-random numbers: xoshiro256** seeded with splitmix64.
 *
 * Algorithms from D. Blackman and S. Vigna, "Scrambled linear pseudorandom
 * number generators", ACM TOMS 47(4), 2021. Written here from the published
 * recurrences; every stream depends only on its seed.
 */
#include "core/core.h"

uint64_t seg_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void seg_rng_seed(seg_rng *r, uint64_t seed)
{
    uint64_t st = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = seg_splitmix64(&st);
}

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t seg_rng_next(seg_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double seg_rng_uniform(seg_rng *r)
{
    /* 53 random bits -> [0, 1). */
    return (double)(seg_rng_next(r) >> 11) * 0x1.0p-53;
}

uint64_t seg_rng_below(seg_rng *r, uint64_t bound)
{
    /* Rejection sampling: discard the top partial range. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
    uint64_t v;
    do {
        v = seg_rng_next(r);
    } while (v >= limit);
    return v % bound;
}
