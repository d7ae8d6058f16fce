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

/* The normal ziggurat's layers (see rng.h): the density and its inverse, in long double. */
static long double normal_f(long double x)
{
    return expl(-0.5L * x * x);
}

static long double normal_f_inv(long double y)
{
    return sqrtl(-2.0L * logl(y));
}

/* The exponential ziggurat's layers (see rng.h). */
static long double exp_f(long double x)
{
    return expl(-x);
}

static long double exp_f_inv(long double y)
{
    return -logl(y);
}

double bki_zig_x[129], bki_zig_r[128];
double bki_zig_exp_x[257], bki_zig_exp_r[256];

/* The widths x[0 .. n] and ratios q[0 .. n - 1] of a ziggurat of n layers of area v under the
 * decreasing density f (inverse f_inv), its base layer with the tail beyond r: x[0] = v / f(r),
 * x[1] = r, x[k] = f_inv(v / x[k - 1] + f(x[k - 1])), x[n] = 0, q[k] = x[k + 1] / x[k], all in
 * long double and each rounded once to double. */
static void zig_layers(int n, long double v, long double r, long double (*f)(long double),
                       long double (*f_inv)(long double), double *x, double *q)
{
    long double prev = v / f(r), cur;
    x[0] = (double)prev;
    for (int k = 1; k <= n; k++, prev = cur) {
        cur = k == 1 ? r : k == n ? 0.0L : f_inv(v / prev + f(prev));
        x[k] = (double)cur;
        q[k - 1] = (double)(cur / prev);
    }
}

/* Both tables before main (and before any draw): a few hundred long-double operations. On
 * x86-64 they are bit for bit those the ziggurats were validated with (test_rng.c pins them). */
__attribute__((constructor)) static void zig_tables(void)
{
    zig_layers(128, 9.91256303526217e-3L, 3.442619855899L, normal_f, normal_f_inv, bki_zig_x,
               bki_zig_r);
    zig_layers(256, 3.949659822581572e-3L, 7.69711747013104972L, exp_f, exp_f_inv, bki_zig_exp_x,
               bki_zig_exp_r);
}

#define ZIG_R 3.442619855899 /* where the tail begins */

/* A normal variate beyond ZIG_R (Marsaglia 1964): x = -log(U1) / r, y = -log(U2), accepted when
 * 2y > x^2; the variate is r + x. U1, U2 in (0, 1]. */
static double zig_tail(bk_rng *r)
{
    for (;;) {
        double x = -log(1.0 - bki_rng_uniform(r)) / ZIG_R;
        double y = -log(1.0 - bki_rng_uniform(r));
        if (y + y > x * x)
            return ZIG_R + x;
    }
}

double bki_rng_gaussian_rare(bk_rng *r, unsigned layer, double u)
{
    for (;;) {
        if (fabs(u) < bki_zig_r[layer])
            return u * bki_zig_x[layer];
        if (layer == 0) /* the base layer beyond its rectangle: the tail */
            return u < 0 ? -zig_tail(r) : zig_tail(r);
        /* the wedge between the layer's rectangle and the curve: accept x when a uniform height
         * between f(x_layer) and f(x_layer+1), relative to f(x), falls under the curve */
        double x = u * bki_zig_x[layer];
        double f0 = exp(-0.5 * (bki_zig_x[layer] * bki_zig_x[layer] - x * x));
        double f1 = exp(-0.5 * (bki_zig_x[layer + 1] * bki_zig_x[layer + 1] - x * x));
        if (f1 + bki_rng_uniform(r) * (f0 - f1) < 1.0)
            return x;
        uint64_t b = bki_rng_next(r);
        layer = (unsigned)(b & 0x7F);
        u = ((double)(int64_t)(b >> 11) - 0x1.0p52 + 0.5) * 0x1.0p-52;
    }
}

#define ZIG_EXP_R 7.69711747013104972 /* where the tail begins */

double bki_rng_exponential_rare(bk_rng *r, unsigned layer, double u)
{
    double shift = 0; /* the tail: r plus an exponential variate, drawn afresh */
    for (;;) {
        if (u < bki_zig_exp_r[layer])
            return shift + u * bki_zig_exp_x[layer];
        if (layer == 0)
            shift += ZIG_EXP_R;
        else {
            /* the wedge: accept x when a uniform height between f(x_layer) and f(x_layer+1),
             * relative to f(x), falls under the curve */
            double x = u * bki_zig_exp_x[layer];
            double f0 = exp(x - bki_zig_exp_x[layer]), f1 = exp(x - bki_zig_exp_x[layer + 1]);
            if (f1 + bki_rng_uniform(r) * (f0 - f1) < 1.0)
                return shift + x;
        }
        uint64_t b = bki_rng_next(r);
        layer = (unsigned)(b & 0xFF);
        u = ((double)(b >> 11) + 0.5) * 0x1.0p-53;
    }
}
