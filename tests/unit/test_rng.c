/* test_rng.c: Philox streams: known answers, independence of keys, reproducibility, and GSL
 * distributions drawing from them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include <gsl/gsl_randist.h>

#include "engine/rng.h"

/* Random123's published known-answer vectors for philox4x64-10. Key (seed, rep << 32 | purpose)
 * and counter (entity, block, 0, 0): seed 0 and all zero gives the all-zero vector. */
static void test_known_answer(void **state)
{
    (void)state;
    bk_rng r;
    bk_rng_init(&r, 0, 0, 0, 0);
    assert_true(bk_rng_next(&r) == 0x16554d9eca36314cULL);
    assert_true(bk_rng_next(&r) == 0xdb20fe9d672d0fdcULL);
    assert_true(bk_rng_next(&r) == 0xd7e772cee186176bULL);
    assert_true(bk_rng_next(&r) == 0x7e68b68aec7ba23bULL);
}

static void test_same_key_same_sequence(void **state)
{
    (void)state;
    bk_rng a, b;
    bk_rng_init(&a, 123, 4, BK_RNG_TRAVEL, 77);
    bk_rng_init(&b, 123, 4, BK_RNG_TRAVEL, 77);
    for (int i = 0; i < 1000; i++)
        assert_true(bk_rng_next(&a) == bk_rng_next(&b));
}

static void test_each_key_part_matters(void **state)
{
    (void)state;
    bk_rng base, other[4];
    bk_rng_init(&base, 1, 0, BK_RNG_CELL, 0);
    bk_rng_init(&other[0], 2, 0, BK_RNG_CELL, 0);
    bk_rng_init(&other[1], 1, 1, BK_RNG_CELL, 0);
    bk_rng_init(&other[2], 1, 0, BK_RNG_AMBUSH, 0);
    bk_rng_init(&other[3], 1, 0, BK_RNG_CELL, 1);
    uint64_t x = bk_rng_next(&base);
    for (int k = 0; k < 4; k++)
        assert_true(bk_rng_next(&other[k]) != x);
}

static void test_uniform_moments(void **state)
{
    (void)state;
    bk_rng r;
    bk_rng_init(&r, 9, 0, BK_RNG_TEST, 0);
    enum { N = 200000 };
    double sum = 0, sum2 = 0;
    for (int i = 0; i < N; i++) {
        double u = bk_rng_uniform(&r);
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
    bk_rng_init(&r, 5, 0, BK_RNG_TEST, 1);
    gsl_rng *g = bk_rng_gsl(&r);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_answer),
        cmocka_unit_test(test_same_key_same_sequence),
        cmocka_unit_test(test_each_key_part_matters),
        cmocka_unit_test(test_uniform_moments),
        cmocka_unit_test(test_gsl_distributions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
