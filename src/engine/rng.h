/* rng.h: counter-based random streams (Random123 Philox4x64-10) exposed as GSL generators.
 *
 * A stream is keyed by (seed, replication, purpose, entity): two streams with different keys are
 * independent, and a stream's sequence depends only on its key, never on which thread or process
 * draws it or on what other streams drew before. Each stream is also a gsl_rng, so every GSL
 * distribution (gsl_ran_*) can draw from it.
 *
 * A bk_rng holds a pointer into itself: initialise it where it will stay (do not copy or move it
 * after bki_rng_init). It owns no heap memory and needs no release.
 */
#ifndef BK_RNG_H
#define BK_RNG_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

/* What a stream is for. Frozen numbers: changing one changes every result. */
enum bk_rng_purpose {
    BK_RNG_TRAVEL = 1,    /* travel-time noise, per tanker */
    BK_RNG_DRIVER = 2,    /* drivers' decisions to depart, per corridor */
    BK_RNG_PORT = 3,      /* product choice at loading, per port */
    BK_RNG_CELL = 4,      /* detection and attack decisions, per cell */
    BK_RNG_AMBUSH = 5,    /* ambush outcomes, per cell */
    BK_RNG_CUTS = 6,      /* road cuts and repairs, per cell */
    BK_RNG_CAMPAIGN = 7,  /* coordinated days, one stream */
    BK_RNG_CITY = 8,      /* customs and unloading at the city, per corridor */
    BK_RNG_BORDER = 9,    /* border-crossing delays, per tanker */
    BK_RNG_ESCORT = 10,   /* escort returns and losses, per corridor */
    BK_RNG_REPLAY = 11,   /* outcomes of replayed (timeline) ambushes, one stream */
    BK_RNG_READY = 12,    /* cells' readiness delays, per cell */
    BK_RNG_BOOTSTRAP = 13,/* optimise's paired bootstrap of a CVaR difference, per comparison
                             (replication 0; entity 0 against today's group, 1 the robust) */
    BK_RNG_TEST = 1000    /* reserved for tests and benchmarks */
};

/* Philox blocks computed per refill. Two consecutive blocks at once give the same sequence as
 * one at a time, and the processor overlaps their two chains of multiplications. */
#define BKI_RNG_BLOCKS 2
#define BKI_RNG_OUT (4 * BKI_RNG_BLOCKS)

typedef struct bk_rng {
    gsl_rng gsl;        /* gsl.state points at `st` below */
    struct bk_rng_state {
        uint64_t key[2];
        uint64_t ctr[2]; /* the counter's first two words: the entity, the next block (its
                            other two are always 0) */
        uint64_t out[BKI_RNG_OUT];
        unsigned used; /* how many of out[] were consumed */
    } st;
} bk_rng;

/* The GSL generator type behind every stream (name "bk-philox4x64"). gsl_rng_set() on a stream
 * re-keys it with (seed, 0, 0, 0). */
extern const gsl_rng_type *bki_rng_philox;

/* Key the stream and rewind it to its first draw. Cannot fail. */
void bki_rng_init(bk_rng *r, uint64_t seed, uint32_t replication, uint32_t purpose,
                  uint32_t entity);

/* The stream as a GSL generator, borrowed: valid as long as r. */
static inline gsl_rng *bki_rng_gsl(bk_rng *r)
{
    return &r->gsl;
}

/* Compute the stream's next BKI_RNG_BLOCKS blocks of four outputs (internal to the inline draws
 * below). */
void bki_rng_refill(struct bk_rng_state *s);

/* Raw 64-bit output. Inline: the hot draws of a replication go straight to the Philox block,
 * without GSL's indirect call. */
static inline uint64_t bki_rng_next(bk_rng *r)
{
    if (r->st.used == BKI_RNG_OUT)
        bki_rng_refill(&r->st);
    return r->st.out[r->st.used++];
}

/* Uniform in [0, 1) with 53 random bits: the same value as gsl_rng_uniform on the stream. */
static inline double bki_rng_uniform(bk_rng *r)
{
    return (double)(bki_rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform integer in 0 .. n - 1 (1 <= n <= 2^32) by D. Lemire's multiply-and-shift ("Fast random
 * integer generation in an interval", ACM TOMACS 29(1), 2019): the top 32 bits x of one draw
 * give x n / 2^32; the draws whose low product falls below 2^32 mod n are rejected, so every value
 * has exactly the same chance. A division only in the rare case, no GSL indirect call. Not the
 * values of gsl_rng_uniform_int on the same stream. */
static inline uint32_t bki_rng_below(bk_rng *r, uint32_t n)
{
    uint64_t m = (bki_rng_next(r) >> 32) * (uint64_t)n;
    if (__builtin_expect((uint32_t)m < n, 0)) {
        uint32_t reject = (uint32_t)(-n) % n; /* 2^32 mod n */
        while ((uint32_t)m < reject)
            m = (bki_rng_next(r) >> 32) * (uint64_t)n;
    }
    return (uint32_t)(m >> 32);
}

/* The ziggurat's layers (Marsaglia and Tsang 2000, 128 layers of equal area v = 9.91256303526217e-3
 * under the normal density f(x) = exp(-x^2 / 2), base layer with the tail beyond r =
 * 3.442619855899): bki_zig_x[0] = v / f(r), bki_zig_x[1] = r, bki_zig_x[k] = sqrt(-2 log(v /
 * bki_zig_x[k - 1] + f(bki_zig_x[k - 1]))) for k = 2 ... 127, bki_zig_x[128] = 0; bki_zig_r[k] =
 * bki_zig_x[k + 1] / bki_zig_x[k]. Computed when the program loads, in long double, each entry
 * rounded once (rng.c, one helper for both ziggurats; test_rng.c recomputes and pins them). */
extern double bki_zig_x[129];
extern double bki_zig_r[128];

/* The ziggurat's rare steps (a wedge or the tail, then new tries), out of line. */
double bki_rng_gaussian_rare(bk_rng *r, unsigned layer, double u);

/* Standard normal by the ziggurat in the form of Doornik (2005, "An improved ziggurat method to
 * generate normal random samples"): one 64-bit draw gives the layer (its low 7 bits) and a
 * signed uniform u in (-1, 1) on a grid of 2^-52 (its top 53 bits), disjoint bits, so the two
 * are independent; when |u| < bki_zig_r[layer] (about 99 % of draws) the variate is u times the
 * layer's width, with no other operation. Inline: one per leg of every vehicle. */
static inline double bki_rng_gaussian(bk_rng *r)
{
    uint64_t b = bki_rng_next(r);
    unsigned layer = (unsigned)(b & 0x7F);
    double u = ((double)(int64_t)(b >> 11) - 0x1.0p52 + 0.5) * 0x1.0p-52;
    if (__builtin_expect(fabs(u) < bki_zig_r[layer], 1))
        return u * bki_zig_x[layer];
    return bki_rng_gaussian_rare(r, layer, u);
}

/* The exponential ziggurat's layers (Marsaglia and Tsang 2000, 256 layers of equal area v =
 * 3.949659822581572e-3 under f(x) = exp(-x), base layer with the tail beyond r =
 * 7.69711747013104972): bki_zig_exp_x[0] = v / f(r), bki_zig_exp_x[1] = r, bki_zig_exp_x[k] =
 * -log(v / bki_zig_exp_x[k - 1] + f(bki_zig_exp_x[k - 1])) for k = 2 ... 255, bki_zig_exp_x[256]
 * = 0; bki_zig_exp_r[k] = bki_zig_exp_x[k + 1] / bki_zig_exp_x[k]. Computed as the normal's. */
extern double bki_zig_exp_x[257];
extern double bki_zig_exp_r[256];

/* The exponential ziggurat's rare steps, out of line. */
double bki_rng_exponential_rare(bk_rng *r, unsigned layer, double u);

/* Exponential with mean mu by the ziggurat, in the form of the normal's above: one 64-bit draw
 * gives the layer (its low 8 bits) and a uniform u in (0, 1) on a grid of 2^-53 (its top 53
 * bits); when u < bki_zig_exp_r[layer] (about 99 % of draws) the variate is mu u times the
 * layer's width; the tail beyond r is r plus a fresh variate (the law has no memory). About a
 * third of the cost of the inversion -mu log(1 - U) (gsl_ran_exponential), with the same law. */
static inline double bki_rng_exponential(bk_rng *r, double mu)
{
    uint64_t b = bki_rng_next(r);
    unsigned layer = (unsigned)(b & 0xFF);
    double u = ((double)(b >> 11) + 0.5) * 0x1.0p-53;
    if (__builtin_expect(u < bki_zig_exp_r[layer], 1))
        return mu * (u * bki_zig_exp_x[layer]);
    return mu * bki_rng_exponential_rare(r, layer, u);
}

/* 2^(j / 128) for j = 0 ... 127 as pairs: [2 j] the double nearest, [2 j + 1] the double nearest
 * the remainder (rng.c; computed in 60-digit decimal arithmetic, test_exp.c checks them). */
extern const double bki_exp_tab[256];

/* e^x for the lognormal's draws, inline: the table-driven method of P. T. P. Tang ("Table-driven
 * implementation of the exponential function in IEEE floating-point arithmetic", ACM TOMS 15(2),
 * 1989) with 128 entries. x = (128 m + j) ln 2 / 128 + r with |r| <= about ln 2 / 256, the
 * integer k = 128 m + j the nearest to x 128 / ln 2; e^x = 2^m 2^(j/128) e^r, e^r - 1 by its
 * Taylor polynomial of degree 5 (the truncation is below 2^-60 relative). ln 2 / 128 is split
 * into a part of 34 significant bits, whose products with k (|k| < 2^17) are exact, and the
 * rest, so that r carries no cancellation error. The result is within about 0.51 units in the
 * last place of e^x: the library's exp rounds differently in rare last bits (test_exp.c
 * measures both). Plain double operations in a fixed order (no contraction under ISO C), so
 * every machine gives the same bits. Outside |x| < 512, and for NaN, it is the library's exp. */
static inline double bki_exp(double x)
{
    if (__builtin_expect(!(fabs(x) < 512.0), 0))
        return exp(x);
    const double shift = 0x1.8p52; /* adding it rounds |v| < 2^51 to an integer */
    double kd = (x * 0x1.71547652b82fep+7 + shift) - shift; /* x 128 / ln 2, rounded */
    double r = (x - kd * 0x1.62e42fef8p-8) - kd * 0x1.1cf79abc9e3b4p-43;
    int64_t k = (int64_t)kd + 131072; /* > 0: |kd| <= 94,549 */
    unsigned j = (unsigned)(k & 127);
    uint64_t e = (uint64_t)((k >> 7) - 1024 + 1023) << 52; /* the bits of 2^m */
    double scale;
    memcpy(&scale, &e, sizeof scale);
    double r2 = r * r;
    double p = r + r2 * ((0.5 + r * 0x1.5555555555555p-3) +
                         r2 * (0x1.5555555555555p-5 + r * 0x1.1111111111111p-7));
    double hi = bki_exp_tab[2 * j], lo = bki_exp_tab[2 * j + 1];
    return (hi + (lo + hi * p)) * scale;
}

/* Lognormal exp(mu + sigma Z) with Z from bki_rng_gaussian: the law of gsl_ran_lognormal (zeta =
 * mu), which draws Z by the polar method (two or more uniforms, a log and a square root). The
 * exponential is bki_exp, within a unit in the last place of the library's. */
static inline double bki_rng_lognormal(bk_rng *r, double mu, double sigma)
{
    return bki_exp(mu + sigma * bki_rng_gaussian(r));
}

#endif
