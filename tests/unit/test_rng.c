/* test_rng.c: Philox streams: known answers, independence of keys, reproducibility, and GSL
 * distributions drawing from them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>

#include <Random123/philox.h>

#include "engine/rng.h"

/* Random123's published known-answer vectors for philox4x64-10. Key (seed, rep << 32 | purpose)
 * and counter (entity, block, 0, 0): seed 0 and all zero gives the all-zero vector. */
static void test_known_answer(void **state)
{
    (void)state;
    bk_rng r;
    bki_rng_init(&r, 0, 0, 0, 0);
    assert_true(bki_rng_next(&r) == 0x16554d9eca36314cULL);
    assert_true(bki_rng_next(&r) == 0xdb20fe9d672d0fdcULL);
    assert_true(bki_rng_next(&r) == 0xd7e772cee186176bULL);
    assert_true(bki_rng_next(&r) == 0x7e68b68aec7ba23bULL);
}

/* Output n of a stream is word n mod 4 of Philox block n / 4 at counter (entity, n / 4, 0, 0),
 * across refills: ten blocks, through both the inline draw and the GSL interface. */
static void test_stream_is_philox_blocks(void **state)
{
    (void)state;
    const uint64_t seed = 0x0123456789abcdefULL;
    bk_rng r;
    bki_rng_init(&r, seed, 3, BK_RNG_TEST, 42);
    philox4x64_key_t k = {{seed, (uint64_t)3 << 32 | BK_RNG_TEST}};
    for (uint64_t block = 0; block < 10; block++) {
        philox4x64_ctr_t c = {{42, block, 0, 0}};
        philox4x64_ctr_t x = philox4x64(c, k);
        for (int w = 0; w < 4; w++) {
            if ((block + (uint64_t)w) % 3 == 0) /* GSL's get: the top 32 bits of the output */
                assert_true(gsl_rng_get(bki_rng_gsl(&r)) == x.v[w] >> 32);
            else
                assert_true(bki_rng_next(&r) == x.v[w]);
        }
    }
}

/* Two generators on the same key. */
static void init_twins(bk_rng *a, bk_rng *b, uint64_t seed, uint32_t replication,
                       uint32_t purpose, uint32_t entity)
{
    bki_rng_init(a, seed, replication, purpose, entity);
    bki_rng_init(b, seed, replication, purpose, entity);
}

static void test_same_key_same_sequence(void **state)
{
    (void)state;
    bk_rng a, b;
    init_twins(&a, &b, 123, 4, BK_RNG_TRAVEL, 77);
    for (int i = 0; i < 1000; i++)
        assert_true(bki_rng_next(&a) == bki_rng_next(&b));
}

static void test_each_key_part_matters(void **state)
{
    (void)state;
    bk_rng base, other[4];
    bki_rng_init(&base, 1, 0, BK_RNG_CELL, 0);
    bki_rng_init(&other[0], 2, 0, BK_RNG_CELL, 0);
    bki_rng_init(&other[1], 1, 1, BK_RNG_CELL, 0);
    bki_rng_init(&other[2], 1, 0, BK_RNG_AMBUSH, 0);
    bki_rng_init(&other[3], 1, 0, BK_RNG_CELL, 1);
    uint64_t x = bki_rng_next(&base);
    for (int k = 0; k < 4; k++)
        assert_true(bki_rng_next(&other[k]) != x);
}

static void test_uniform_moments(void **state)
{
    (void)state;
    bk_rng r;
    bki_rng_init(&r, 9, 0, BK_RNG_TEST, 0);
    enum { N = 200000 };
    double sum = 0, sum2 = 0;
    for (int i = 0; i < N; i++) {
        double u = bki_rng_uniform(&r);
        assert_true(u >= 0.0 && u < 1.0);
        sum += u;
        sum2 += u * u;
    }
    double mean = sum / N, var = sum2 / N - mean * mean;
    /* standard error of the mean: sqrt(1/12 / N) = 0.00065; allow 5 of them */
    assert_true(fabs(mean - 0.5) < 0.0033);
    assert_true(fabs(var - 1.0 / 12.0) < 0.002);
}

static void test_gsl_distributions(void **state)
{
    (void)state;
    bk_rng r;
    bki_rng_init(&r, 5, 0, BK_RNG_TEST, 1);
    gsl_rng *g = bki_rng_gsl(&r);
    assert_string_equal(gsl_rng_name(g), "bk-philox4x64");
    enum { N = 100000 };
    double sum = 0;
    for (int i = 0; i < N; i++)
        sum += gsl_ran_exponential(g, 3.0);
    assert_true(fabs(sum / N - 3.0) < 0.05); /* se = 3/sqrt(N) = 0.0095 */
    unsigned long hits = 0;
    for (int i = 0; i < N; i++)
        hits += gsl_ran_binomial(g, 0.3, 10);
    assert_true(fabs((double)hits / N - 3.0) < 0.03);
}

/* The inline uniform is the GSL interface's uniform, draw for draw (results must not change). */
static void test_inline_uniform_matches_gsl(void **state)
{
    (void)state;
    bk_rng a, b;
    init_twins(&a, &b, 77, 3, BK_RNG_TEST, 2);
    for (int i = 0; i < 1000; i++)
        assert_true(bki_rng_uniform(&a) == gsl_rng_uniform(bki_rng_gsl(&b)));
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* Kolmogorov-Smirnov statistic D = sup |F_n - F| of the sample x[0..n) (sorted in place). */
static double ks_statistic(double *x, size_t n, double (*cdf)(double, const double *),
                           const double *par)
{
    qsort(x, n, sizeof *x, cmp_double);
    double d = 0;
    for (size_t i = 0; i < n; i++) {
        double f = cdf(x[i], par);
        double lo = f - (double)i / (double)n, hi = (double)(i + 1) / (double)n - f;
        if (lo > d)
            d = lo;
        if (hi > d)
            d = hi;
    }
    return d;
}

static double normal_cdf(double x, const double *par)
{
    (void)par;
    return gsl_cdf_ugaussian_P(x);
}

static double lognormal_cdf(double x, const double *par)
{
    return gsl_cdf_lognormal_P(x, par[0], par[1]);
}

enum { NV = 200000 };
/* KS critical value at the 0.1 % level for n = NV: 1.95 / sqrt(n) = 0.00436 */
#define KS_CRIT (1.95 / 447.2136)

/* m[k - 1] = the mean of z^k, k = 1..4, over the n values z = x / scale - shift. */
static void raw_moments(const double *x, int n, double scale, double shift, double m[4])
{
    double s[4] = {0, 0, 0, 0};
    for (int i = 0; i < n; i++) {
        double z = x[i] / scale - shift, p = z;
        for (int k = 0; k < 4; k++, p *= z)
            s[k] += p;
    }
    for (int k = 0; k < 4; k++)
        m[k] = s[k] / n;
}

/* The ziggurat normal (bki_rng_gaussian): mean 0, variance 1, skewness 0, kurtosis 3, and KS
 * against Phi. */
static void test_gaussian_distribution(void **state)
{
    (void)state;
    bk_rng r;
    bki_rng_init(&r, 11, 0, BK_RNG_TEST, 3);
    double *x = malloc(NV * sizeof *x);
    assert_non_null(x);
    for (int i = 0; i < NV; i++)
        x[i] = bki_rng_gaussian(&r);
    double m[4];
    raw_moments(x, NV, 1.0, 0.0, m);
    /* standard errors at n = 2e5: mean 0.0022, variance 0.0032, third moment 0.0055, fourth
     * moment 0.022; allow five */
    assert_true(fabs(m[0]) < 0.011);
    assert_true(fabs(m[1] - 1.0) < 0.016);
    assert_true(fabs(m[2]) < 0.028);
    assert_true(fabs(m[3] - 3.0) < 0.11);
    assert_true(ks_statistic(x, NV, normal_cdf, NULL) < KS_CRIT);
    free(x);
}

/* The ziggurat's tables are those of its recurrence (rng.h), recomputed here in double; the top
 * layer has the area v of the others. */
static void test_ziggurat_tables(void **state)
{
    (void)state;
    const double r = 3.442619855899, v = 9.91256303526217e-3;
    double f = exp(-0.5 * r * r), x = r;
    assert_true(fabs(bki_zig_x[0] - v / f) <= 1e-15 * (v / f));
    assert_true(bki_zig_x[1] == r);
    for (int k = 2; k < 128; k++) {
        x = sqrt(-2.0 * log(v / x + f));
        f = exp(-0.5 * x * x);
        assert_true(fabs(bki_zig_x[k] - x) <= 1e-12 * x);
    }
    assert_true(bki_zig_x[128] == 0.0);
    assert_true(fabs(bki_zig_x[127] * (1.0 - exp(-0.5 * bki_zig_x[127] * bki_zig_x[127])) - v) <
                1e-8 * v);
    for (int k = 0; k < 128; k++)
        assert_true(fabs(bki_zig_r[k] - bki_zig_x[k + 1] / bki_zig_x[k]) <= 1e-15);
}

/* FNV-1a of the bytes of n doubles, continuing from h. */
static uint64_t fnv_doubles(const double *a, int n, uint64_t h)
{
    for (int i = 0; i < n; i++) {
        uint64_t b;
        memcpy(&b, &a[i], sizeof b);
        for (int k = 0; k < 8; k++) {
            h ^= (b >> (8 * k)) & 0xFF;
            h *= 0x100000001b3ULL;
        }
    }
    return h;
}

/* Both ziggurats' tables, computed at load time in long double (rng.c), are bit for bit those
 * every drawn variate was checked with (the constants they replaced): hashes of their bytes.
 * x86-64's 80-bit long double; another long double would round some entries differently. */
static void test_ziggurat_tables_pinned(void **state)
{
    (void)state;
    const uint64_t basis = 0xcbf29ce484222325ULL;
    uint64_t h = fnv_doubles(bki_zig_r, 128, fnv_doubles(bki_zig_x, 129, basis));
    assert_true(h == 0xde2707bda32c62c6ULL);
    h = fnv_doubles(bki_zig_exp_r, 256, fnv_doubles(bki_zig_exp_x, 257, basis));
    assert_true(h == 0x5d476a0af34e95c8ULL);
}

/* The draws of the tail tests, and how many of them may stray: a count of an event of
 * probability p among TAIL_DRAWS draws must be within five binomial standard errors of p n. */
enum { TAIL_DRAWS = 2000000 };

static void assert_binomial_count(unsigned long count, double p)
{
    const double n = TAIL_DRAWS;
    assert_true(fabs((double)count - p * n) < 5.0 * sqrt(p * (1 - p) * n));
}

/* TAIL_DRAWS variates of `draw` from the test stream (seed, entity): how many lie beyond each of
 * the four cuts in magnitude (above[k]) and how many below `low` (*below). */
static void count_tails(double (*draw)(bk_rng *), uint64_t seed, uint32_t entity,
                        const double cuts[4], double low, unsigned long above[4],
                        unsigned long *below)
{
    bk_rng r;
    bki_rng_init(&r, seed, 0, BK_RNG_TEST, entity);
    for (int k = 0; k < 4; k++)
        above[k] = 0;
    *below = 0;
    for (int i = 0; i < TAIL_DRAWS; i++) {
        double x = draw(&r);
        *below += x < low;
        for (int k = 0; k < 4; k++)
            above[k] += fabs(x) > cuts[k];
    }
}

static double draw_exponential(bk_rng *r)
{
    return bki_rng_exponential(r, 1.0);
}

/* The rare steps of the ziggurat: the share of variates in the tail beyond r = 3.4426 (drawn
 * only by the tail step), in the wedge region of the widest layers and beyond 2, against the
 * normal law, on 2e6 draws (binomial standard errors; allow five). */
static void test_gaussian_tails(void **state)
{
    (void)state;
    const double cuts[] = {2.0, 3.0, 3.442619855899, 4.0};
    unsigned long above[4], neg;
    count_tails(bki_rng_gaussian, 14, 5, cuts, 0.0, above, &neg);
    assert_binomial_count(neg, 0.5);
    for (int k = 0; k < 4; k++)
        assert_binomial_count(above[k], 2.0 * gsl_cdf_ugaussian_Q(cuts[k]));
}

/* The exponential ziggurat's tables are those of its recurrence (rng.h), recomputed in double;
 * the top layer has the area v of the others. */
static void test_exponential_ziggurat_tables(void **state)
{
    (void)state;
    const double r = 7.69711747013104972, v = 3.949659822581572e-3;
    double f = exp(-r), x = r;
    assert_true(fabs(bki_zig_exp_x[0] - v / f) <= 1e-15 * (v / f));
    assert_true(bki_zig_exp_x[1] == r);
    for (int k = 2; k < 256; k++) {
        x = -log(v / x + f);
        f = exp(-x);
        assert_true(fabs(bki_zig_exp_x[k] - x) <= 1e-12 * x);
    }
    assert_true(bki_zig_exp_x[256] == 0.0);
    assert_true(fabs(bki_zig_exp_x[255] * (1.0 - exp(-bki_zig_exp_x[255])) - v) < 1e-8 * v);
    for (int k = 0; k < 256; k++)
        assert_true(fabs(bki_zig_exp_r[k] - bki_zig_exp_x[k + 1] / bki_zig_exp_x[k]) <= 1e-15);
}

/* The exponential's rare steps: the shares beyond 1, 3, r = 7.697 (the tail step) and 10, and
 * below 0.05 (the widest wedges are near the top layers), on 2e6 draws against exp(-x)
 * (binomial standard errors; allow five). */
static void test_exponential_tails(void **state)
{
    (void)state;
    const double cuts[] = {1.0, 3.0, 7.69711747013104972, 10.0};
    unsigned long above[4], below;
    count_tails(draw_exponential, 15, 6, cuts, 0.05, above, &below);
    for (int k = 0; k < 4; k++)
        assert_binomial_count(above[k], exp(-cuts[k]));
    assert_binomial_count(below, 1.0 - exp(-0.05));
}

/* The lognormal of the travel-time noise: mean one, coefficient of variation cv (mu = -sigma^2
 * / 2, sigma^2 = log(1 + cv^2)); moments and KS against the exact lognormal law. */
static void test_lognormal_distribution(void **state)
{
    (void)state;
    const double cvs[] = {0.1, 0.3, 0.6};
    for (size_t k = 0; k < sizeof cvs / sizeof cvs[0]; k++) {
        double s2 = log(1.0 + cvs[k] * cvs[k]), par[2] = {-0.5 * s2, sqrt(s2)};
        bk_rng r;
        bki_rng_init(&r, 12, 0, BK_RNG_TEST, (uint32_t)k);
        double *x = malloc(NV * sizeof *x);
        assert_non_null(x);
        double sum = 0, sum2 = 0;
        for (int i = 0; i < NV; i++) {
            double v = x[i] = bki_rng_lognormal(&r, par[0], par[1]);
            assert_true(v > 0);
            sum += v;
            sum2 += v * v;
        }
        double mean = sum / NV, var = sum2 / NV - mean * mean, cv2 = cvs[k] * cvs[k];
        /* se of the mean cv / sqrt(n); of the variance about cv^2 sqrt(2 + ...) / sqrt(n) */
        assert_true(fabs(mean - 1.0) < 5.0 * cvs[k] / sqrt((double)NV));
        assert_true(fabs(var - cv2) < 0.05 * cv2);
        assert_true(ks_statistic(x, NV, lognormal_cdf, par) < KS_CRIT);
        /* and a wrong law is rejected: the same sample against sigma 10 % larger */
        double wrong[2] = {par[0], 1.1 * par[1]};
        assert_true(ks_statistic(x, NV, lognormal_cdf, wrong) > KS_CRIT);
        free(x);
    }
}

static double exponential_cdf(double x, const double *par)
{
    return gsl_cdf_exponential_P(x, par[0]);
}

/* The ziggurat exponential (bki_rng_exponential): mean mu, variance mu^2, skewness 2, kurtosis
 * 9, KS against the exact law, and a law with a mean 5 % larger rejected. */
static void test_exponential_distribution(void **state)
{
    (void)state;
    const double mu = 3.0;
    bk_rng a;
    bki_rng_init(&a, 13, 0, BK_RNG_TEST, 4);
    double *x = malloc(NV * sizeof *x);
    assert_non_null(x);
    for (int i = 0; i < NV; i++) {
        x[i] = bki_rng_exponential(&a, mu);
        assert_true(x[i] >= 0 && isfinite(x[i]));
    }
    double m[4];
    raw_moments(x, NV, mu, 1.0, m); /* of x / mu - 1 */
    /* standardised: mean 0, variance 1, third moment 2, fourth 9 (central moments of Exp(1):
     * 1, 2, 9, 44, 265, 1854, 14833); standard errors at n = 2e5: 0.0022, 0.0063, 0.036 and
     * 0.27; allow five */
    assert_true(fabs(m[0]) < 0.011);
    assert_true(fabs(m[1] - 1.0) < 0.032);
    assert_true(fabs(m[2] - 2.0) < 0.18);
    assert_true(fabs(m[3] - 9.0) < 1.4);
    double par[1] = {mu}, wrong[1] = {1.05 * mu};
    assert_true(ks_statistic(x, NV, exponential_cdf, par) < KS_CRIT);
    assert_true(ks_statistic(x, NV, exponential_cdf, wrong) > KS_CRIT);
    free(x);
}

/* The bounded integer: every value in range, each with the same chance (a chi-square over the
 * values), including an n where a third of the draws are rejected, and n = 1. */
static void test_below_uniform(void **state)
{
    (void)state;
    bk_rng r;
    bki_rng_init(&r, 17, 0, BK_RNG_TEST, 5);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(bki_rng_below(&r, 1), 0);
    const uint32_t sizes[] = {7, 1024, 3000000000u};
    enum { N = 300000, BINS = 12 };
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        uint32_t n = sizes[s];
        uint32_t bins = n < BINS ? n : BINS; /* n >= BINS: 12 equal-width ranges of values */
        double count[BINS] = {0}, expect[BINS] = {0};
        for (uint32_t b = 0; b < bins; b++) {
            uint64_t lo = (uint64_t)n * b / bins, hi = (uint64_t)n * (b + 1) / bins;
            expect[b] = (double)N * (double)(hi - lo) / n;
        }
        for (int i = 0; i < N; i++) {
            uint32_t v = bki_rng_below(&r, n);
            assert_true(v < n);
            uint32_t b = (uint32_t)((uint64_t)v * bins / n);
            while ((uint64_t)n * (b + 1) / bins <= v) /* the bin whose range holds v */
                b++;
            count[b]++;
        }
        double chi2 = 0;
        for (uint32_t b = 0; b < bins; b++)
            chi2 += (count[b] - expect[b]) * (count[b] - expect[b]) / expect[b];
        /* chi-square with at most 11 degrees of freedom: 31.3 is its 0.999 quantile */
        assert_true(chi2 < 31.3);
    }
    /* Without the rejection, x n / 2^32 gives each value as many of the 2^32 draws x as map to
     * it: one or two at n = 3e9, two for 43 % of the values, and those would come up 60 % of the
     * time instead of 43 % */
    const uint64_t n = 3000000000u, two32 = (uint64_t)1 << 32;
    bki_rng_init(&r, 17, 0, BK_RNG_TEST, 6);
    double doubled = 0;
    for (int i = 0; i < N; i++) {
        uint64_t v = bki_rng_below(&r, (uint32_t)n);
        uint64_t first = (v * two32 + n - 1) / n, next = ((v + 1) * two32 + n - 1) / n;
        doubled += next - first == 2;
    }
    double share = doubled / N, exact = (double)(two32 - n) / (double)n; /* se 0.0009 */
    assert_true(fabs(share - exact) < 0.005);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_answer),
        cmocka_unit_test(test_stream_is_philox_blocks),
        cmocka_unit_test(test_same_key_same_sequence),
        cmocka_unit_test(test_each_key_part_matters),
        cmocka_unit_test(test_uniform_moments),
        cmocka_unit_test(test_gsl_distributions),
        cmocka_unit_test(test_inline_uniform_matches_gsl),
        cmocka_unit_test(test_gaussian_distribution),
        cmocka_unit_test(test_ziggurat_tables),
        cmocka_unit_test(test_ziggurat_tables_pinned),
        cmocka_unit_test(test_gaussian_tails),
        cmocka_unit_test(test_lognormal_distribution),
        cmocka_unit_test(test_exponential_distribution),
        cmocka_unit_test(test_exponential_ziggurat_tables),
        cmocka_unit_test(test_exponential_tails),
        cmocka_unit_test(test_below_uniform),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
