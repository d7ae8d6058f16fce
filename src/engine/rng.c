/* rng.c: Philox4x64-10 streams behind the gsl_rng interface. The counter's first word holds the
 * entity, the second counts blocks of four outputs; the key holds the seed and the replication
 * with the purpose. */
#include "engine/rng.h"

#include <Random123/philox.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <string.h>

void bki_rng_refill(struct bk_rng_state *s)
{
    philox4x64_ctr_t c = {{s->ctr[0], s->ctr[1], s->ctr[2], s->ctr[3]}};
    philox4x64_key_t k = {{s->key[0], s->key[1]}};
    philox4x64_ctr_t x = philox4x64(c, k);
    memcpy(s->out, x.v, sizeof s->out);
    s->ctr[1]++; /* 2^64 blocks per stream: never wraps in practice */
    s->used = 0;
}

static inline uint64_t next64(struct bk_rng_state *s)
{
    if (s->used == 4)
        bki_rng_refill(s);
    return s->out[s->used++];
}

static void state_key(struct bk_rng_state *s, uint64_t seed, uint32_t replication,
                      uint32_t purpose, uint32_t entity)
{
    memset(s, 0, sizeof *s);
    s->key[0] = seed;
    s->key[1] = (uint64_t)replication << 32 | purpose;
    s->ctr[0] = entity;
    s->used = 4; /* refill on first draw */
}

static void gsl_set(void *state, unsigned long seed)
{
    state_key(state, seed, 0, 0, 0);
}

static unsigned long gsl_get(void *state)
{
    return (unsigned long)(next64(state) >> 32);
}

static double gsl_get_double(void *state)
{
    return (double)(next64(state) >> 11) * 0x1.0p-53;
}

static const gsl_rng_type philox_type = {
    "bk-philox4x64", 0xFFFFFFFFUL, 0, sizeof(struct bk_rng_state), gsl_set, gsl_get,
    gsl_get_double};

const gsl_rng_type *bki_rng_philox = &philox_type;

void bki_rng_init(bk_rng *r, uint64_t seed, uint32_t replication, uint32_t purpose,
                  uint32_t entity)
{
    r->gsl.type = &philox_type;
    r->gsl.state = &r->st;
    state_key(&r->st, seed, replication, purpose, entity);
}

double bki_rng_gaussian(bk_rng *r)
{
    return gsl_ran_gaussian_ziggurat(&r->gsl, 1.0);
}
