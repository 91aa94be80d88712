/* rng: the one pseudo-random generator of the project (xoshiro256**, seeded by
 * splitmix64), so that a seed gives the same stream on every platform and libc.
 * Never use rand(): its stream differs between C libraries (container images).
 *
 *   rng_seed(r, seed)      state from a 64-bit seed
 *   rng_next(r)            64 random bits
 *   rng_uniform(r)         double in [0, 1)
 *   rng_below(r, n)        integer in [0, n), unbiased; n > 0
 *   rng_normal(r)          standard normal (Box-Muller, both values not cached: stateless)
 *   rng_shuffle(r, a, n)   Fisher-Yates shuffle of n ints
 */
#ifndef PB_RNG_H
#define PB_RNG_H
#include <stddef.h>
#include <stdint.h>

typedef struct rng {
    uint64_t s[4]; /* xoshiro256** state; never all zero */
} rng;

void rng_seed(rng *r, uint64_t seed);
uint64_t rng_next(rng *r);
double rng_uniform(rng *r);
uint64_t rng_below(rng *r, uint64_t n);
double rng_normal(rng *r);
void rng_shuffle(rng *r, int *a, size_t n);
/* splitmix64 step, also handy to derive independent seeds: seed_i = rng_mix(base ^ i). */
uint64_t rng_mix(uint64_t x);

#endif
