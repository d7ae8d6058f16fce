/* test_sketch.c: the quantile sketch and the fixed-point sums behind ensemble statistics.
 *
 * Accuracy against exact quantiles of known samples (several distributions, with zeros and
 * negatives), state bytes independent of the order of adds and merges, serialization round
 * trips and rejection of damaged input, and exact fixed-point and 192-bit sums.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "bk_test_main.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/ensemble/fixed.h"
#include "analysis/ensemble/sketch.h"

#define N_SAMPLES 20000

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Fill xs with distribution `kind`: 0 uniform, 1 lognormal, 2 exponential, 3 a mixture with
 * zeros and negatives, 4 small integers (like daily counts). */
static void sample(gsl_rng *r, int kind, double *xs, int n)
{
    for (int i = 0; i < n; i++) {
        switch (kind) {
        case 0: xs[i] = gsl_ran_flat(r, 1.0, 1000.0); break;
        case 1: xs[i] = gsl_ran_lognormal(r, 10.0, 2.0); break;
        case 2: xs[i] = gsl_ran_exponential(r, 3.5); break;
        case 3: {
            double u = gsl_rng_uniform(r);
            xs[i] = u < 0.2 ? 0.0 : u < 0.5 ? -gsl_ran_exponential(r, 50.0)
                                            : gsl_ran_lognormal(r, 2.0, 1.0);
            break;
        }
        default: xs[i] = (double)gsl_ran_poisson(r, 2.0); break;
        }
    }
}

static void check_accuracy(double accuracy)
{
    bk_sketch_map map;
    assert_true(bki_sketch_map_init(&map, accuracy));
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 12345);
    double *xs = malloc(N_SAMPLES * sizeof *xs);
    assert_non_null(xs);
    static const double qs[] = {0.0, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1.0};
    for (int kind = 0; kind < 5; kind++) {
        sample(r, kind, xs, N_SAMPLES);
        bk_sketch s;
        memset(&s, 0, sizeof s);
        for (int i = 0; i < N_SAMPLES; i++)
            assert_true(bki_sketch_add(&s, &map, xs[i]));
        assert_int_equal(bki_sketch_count(&s), N_SAMPLES);
        qsort(xs, N_SAMPLES, sizeof *xs, cmp_double);
        for (size_t k = 0; k < sizeof qs / sizeof qs[0]; k++) {
            double exact = xs[(size_t)floor(qs[k] * (N_SAMPLES - 1))];
            double est = bki_sketch_quantile(&s, &map, qs[k]);
            double tol = fabs(exact) < BK_SKETCH_MIN_ABS ? BK_SKETCH_MIN_ABS
                                                         : accuracy * fabs(exact) * (1 + 1e-9);
            if (fabs(est - exact) > tol)
                fail_msg("distribution %d, a = %g, q = %g: sketch %.17g, exact %.17g", kind,
                         accuracy, qs[k], est, exact);
        }
        bki_sketch_release(&s);
    }
    free(xs);
    gsl_rng_free(r);
}

static void test_accuracy_default(void **state)
{
    (void)state;
    check_accuracy(0.01);
}

static void test_accuracy_other(void **state)
{
    (void)state;
    check_accuracy(0.05);
    check_accuracy(0.001);
}

static void serialize(const bk_sketch *s, bk_bytes *b)
{
    memset(b, 0, sizeof *b);
    bki_sketch_write(s, b);
    assert_false(b->failed);
}

/* Adds in any order, merges in any grouping and order: the same bytes. */
static void test_order_independence(void **state)
{
    (void)state;
    bk_sketch_map map;
    bki_sketch_map_init(&map, 0.01);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 99);
    enum { N = 5000, PARTS = 7 };
    double xs[N];
    sample(r, 3, xs, N);
    bk_sketch whole, parts[PARTS], merged_fwd, merged_back, shuffled;
    memset(&whole, 0, sizeof whole);
    memset(parts, 0, sizeof parts);
    memset(&merged_fwd, 0, sizeof merged_fwd);
    memset(&merged_back, 0, sizeof merged_back);
    memset(&shuffled, 0, sizeof shuffled);
    for (int i = 0; i < N; i++) {
        assert_true(bki_sketch_add(&whole, &map, xs[i]));
        assert_true(bki_sketch_add(&parts[i % PARTS], &map, xs[i]));
    }
    gsl_ran_shuffle(r, xs, N, sizeof xs[0]);
    for (int i = 0; i < N; i++)
        assert_true(bki_sketch_add(&shuffled, &map, xs[i]));
    for (int k = 0; k < PARTS; k++) {
        assert_true(bki_sketch_merge(&merged_fwd, &parts[k]));
        assert_true(bki_sketch_merge(&merged_back, &parts[PARTS - 1 - k]));
    }
    bk_bytes a, b, c, d;
    serialize(&whole, &a);
    serialize(&merged_fwd, &b);
    serialize(&merged_back, &c);
    serialize(&shuffled, &d);
    assert_int_equal(a.len, b.len);
    assert_int_equal(a.len, c.len);
    assert_int_equal(a.len, d.len);
    assert_memory_equal(a.p, b.p, a.len);
    assert_memory_equal(a.p, c.p, a.len);
    assert_memory_equal(a.p, d.p, a.len);
    /* a round trip gives the same bytes, and a damaged buffer is refused */
    bk_reader rd = {a.p, a.len, 0, false};
    bk_sketch back;
    assert_true(bki_sketch_read(&back, &rd));
    bk_bytes e;
    serialize(&back, &e);
    assert_memory_equal(a.p, e.p, a.len);
    bk_reader shortr = {a.p, a.len / 2, 0, false};
    bk_sketch broken;
    assert_false(bki_sketch_read(&broken, &shortr));
    bki_bytes_free(&a);
    bki_bytes_free(&b);
    bki_bytes_free(&c);
    bki_bytes_free(&d);
    bki_bytes_free(&e);
    bki_sketch_release(&back);
    bki_sketch_release(&whole);
    bki_sketch_release(&merged_fwd);
    bki_sketch_release(&merged_back);
    bki_sketch_release(&shuffled);
    for (int k = 0; k < PARTS; k++)
        bki_sketch_release(&parts[k]);
    gsl_rng_free(r);
}

/* Adding values in runs (bki_sketch_add_n, runs of 1 to 150, across its 64-value chunks) gives
 * the bytes of adding them one by one: every kind of sample, and the special values (NaN, -0,
 * magnitudes below the zero bucket's bound and above the saturation). */
static void test_add_n_same_as_add(void **state)
{
    (void)state;
    bk_sketch_map map;
    bki_sketch_map_init(&map, 0.01);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 7);
    enum { N = 3000 };
    static const double special[] = {NAN, -0.0, 0.0, 1e-12, -1e-12, 3e11, -3e11, 5.5, -2.0, 1.0};
    static const size_t runs[] = {1, 7, 64, 65, 150, 3, 128};
    double xs[N];
    for (int kind = 0; kind <= 5; kind++) {
        if (kind < 5)
            sample(r, kind, xs, N);
        else
            for (int i = 0; i < N; i++) /* the specials among small counts */
                xs[i] = i % 3 ? special[(size_t)i % 10] : (double)(i % 40);
        bk_sketch one, bulk;
        memset(&one, 0, sizeof one);
        memset(&bulk, 0, sizeof bulk);
        for (int i = 0; i < N; i++)
            assert_true(bki_sketch_add(&one, &map, xs[i]));
        for (size_t at = 0, k = 0; at < N; k++) {
            size_t m = runs[k % (sizeof runs / sizeof runs[0])];
            m = m < N - at ? m : N - at;
            assert_true(bki_sketch_add_n(&bulk, &map, xs + at, m));
            at += m;
        }
        assert_true(bki_sketch_add_n(&bulk, &map, xs, 0)); /* nothing: no change */
        bk_bytes a, b;
        serialize(&one, &a);
        serialize(&bulk, &b);
        assert_int_equal(a.len, b.len);
        assert_memory_equal(a.p, b.p, a.len);
        assert_int_equal(bki_sketch_count(&bulk), N);
        bki_bytes_free(&a);
        bki_bytes_free(&b);
        bki_sketch_release(&one);
        bki_sketch_release(&bulk);
    }
    gsl_rng_free(r);
}

/* The exact q-quantile (rank floor(q (n - 1))) of a sorted sample. */
static double exact_rank(const double *sorted, int n, double q)
{
    return sorted[(int)floor(q * (n - 1))];
}

/* Constants, 0/1 indicators and small counts: exact values that occurred; past 32 distinct
 * values, counts are still whole numbers; whether the exact list was dropped does not depend on
 * the order of merges. */
static void test_exact_small(void **state)
{
    (void)state;
    static const double qs[] = {0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0};
    bk_sketch_map map;
    bki_sketch_map_init(&map, 0.01);
    bk_sketch one, fleet, ind;
    memset(&one, 0, sizeof one);
    memset(&fleet, 0, sizeof fleet);
    memset(&ind, 0, sizeof ind);
    for (int i = 0; i < 1000; i++) {
        assert_true(bki_sketch_add(&one, &map, 1.0));
        assert_true(bki_sketch_add(&fleet, &map, 1940.0));
        assert_true(bki_sketch_add(&ind, &map, i % 50 == 0 ? 1.0 : 0.0)); /* 2 % ones */
    }
    /* a constant that fixed point cannot hold exactly is still its own mean */
    bk_sketch tenth;
    memset(&tenth, 0, sizeof tenth);
    for (int i = 0; i < 1000; i++)
        assert_true(bki_sketch_add(&tenth, &map, 0.1));
    double mean = 0.0;
    assert_true(bki_sketch_exact_mean(&tenth, &mean));
    assert_true(mean == 0.1);
    assert_true(bki_sketch_quantile(&tenth, &map, 0.5) == 0.1);
    bki_sketch_release(&tenth);
    for (size_t k = 0; k < sizeof qs / sizeof qs[0]; k++) {
        assert_true(bki_sketch_quantile(&one, &map, qs[k]) == 1.0);
        assert_true(bki_sketch_quantile(&fleet, &map, qs[k]) == 1940.0);
        assert_true(bki_sketch_quantile(&ind, &map, qs[k]) == (qs[k] >= 0.99 ? 1.0 : 0.0));
    }
    /* Poisson counts, half of them plus a quarter: fewer than 32 distinct values */
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 5);
    enum { N = 3000 };
    static double xs[N];
    bk_sketch counts;
    memset(&counts, 0, sizeof counts);
    for (int i = 0; i < N; i++) {
        xs[i] = (double)gsl_ran_poisson(r, 3.0) + (i % 2 ? 0.0 : 0.25);
        assert_true(bki_sketch_add(&counts, &map, xs[i]));
    }
    qsort(xs, N, sizeof xs[0], cmp_double);
    assert_false(counts.overflow);
    for (size_t k = 0; k < sizeof qs / sizeof qs[0]; k++)
        assert_true(bki_sketch_quantile(&counts, &map, qs[k]) == exact_rank(xs, N, qs[k]));
    /* 40 distinct whole numbers, 20 in each part: each part exact, the union not; both merge
     * orders give the same bytes, and the quantiles are whole numbers near the exact ones */
    bk_sketch lo, hi, ab, ba;
    memset(&lo, 0, sizeof lo);
    memset(&hi, 0, sizeof hi);
    memset(&ab, 0, sizeof ab);
    memset(&ba, 0, sizeof ba);
    double all[400];
    for (int i = 0; i < 400; i++) {
        all[i] = 100.0 + (i % 40) * 7.0;
        assert_true(bki_sketch_add(i % 40 < 20 ? &lo : &hi, &map, all[i]));
    }
    assert_false(lo.overflow);
    assert_false(hi.overflow);
    assert_true(bki_sketch_merge(&ab, &lo) && bki_sketch_merge(&ab, &hi));
    assert_true(bki_sketch_merge(&ba, &hi) && bki_sketch_merge(&ba, &lo));
    assert_true(ab.overflow && ba.overflow);
    assert_false(bki_sketch_exact_mean(&ab, &mean));
    bk_bytes x, y;
    serialize(&ab, &x);
    serialize(&ba, &y);
    assert_int_equal(x.len, y.len);
    assert_memory_equal(x.p, y.p, x.len);
    qsort(all, 400, sizeof all[0], cmp_double);
    for (size_t k = 0; k < sizeof qs / sizeof qs[0]; k++) {
        double v = bki_sketch_quantile(&ab, &map, qs[k]), e = exact_rank(all, 400, qs[k]);
        assert_true(v == floor(v));
        assert_true(fabs(v - e) <= 0.01 * e + 0.5);
    }
    /* a round trip keeps the exact list */
    bk_bytes z;
    serialize(&counts, &z);
    bk_reader rd = {z.p, z.len, 0, false};
    bk_sketch back;
    assert_true(bki_sketch_read(&back, &rd));
    assert_true(bki_sketch_quantile(&back, &map, 0.5) == exact_rank(xs, N, 0.5));
    bki_bytes_free(&x);
    bki_bytes_free(&y);
    bki_bytes_free(&z);
    bk_sketch *all_sk[] = {&one, &fleet, &ind, &counts, &lo, &hi, &ab, &ba, &back};
    for (size_t k = 0; k < sizeof all_sk / sizeof all_sk[0]; k++)
        bki_sketch_release(all_sk[k]);
    gsl_rng_free(r);
}

/* Fixed-point sums do not depend on the order; the mean is the exact sum over n. */
static void test_fixed_point(void **state)
{
    (void)state;
    enum { N = 1000 };
    double xs[N];
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 7);
    sample(r, 1, xs, N);
    bk_i128 a = 0, b = 0;
    for (int i = 0; i < N; i++)
        a += bki_fix(xs[i]);
    gsl_ran_shuffle(r, xs, N, sizeof xs[0]);
    for (int i = N - 1; i >= 0; i--)
        b += bki_fix(xs[i]);
    assert_true(a == b);
    /* 0.1 a thousand times: the mean is 0.1 to the resolution 2^-24 */
    bk_i128 s = 0;
    for (int i = 0; i < 1000; i++)
        s += bki_fix(0.1);
    assert_true(fabs(bki_fix_mean(s, 1000) - 0.1) <= 1.0 / BK_FIX_SCALE);
    assert_true(bki_fix(-2.5) == -(int64_t)(2.5 * BK_FIX_SCALE));
    assert_true(bki_fix(1e300) == bki_fix(BK_FIX_MAX_ABS)); /* saturated */
    assert_true(bki_fix(NAN) == 0);
    gsl_rng_free(r);
}

/* Carries across the 64-bit words of the sum of squares. */
static void test_u192(void **state)
{
    (void)state;
    bk_u192 acc = {{0, 0, 0}};
    bki_u192_add_square(&acc, (int64_t)1 << 32); /* 2^64 */
    assert_true(acc.w[0] == 0 && acc.w[1] == 1 && acc.w[2] == 0);
    bk_u192 big = {{0, 0, 0}};
    for (int i = 0; i < 16; i++)
        bki_u192_add_square(&big, -((int64_t)1 << 62)); /* 16 x 2^124 = 2^128 */
    assert_true(big.w[0] == 0 && big.w[1] == 0 && big.w[2] == 1);
    bk_u192 ones = {{UINT64_MAX, UINT64_MAX, 0}};
    bki_u192_add_square(&ones, 1);
    assert_true(ones.w[0] == 0 && ones.w[1] == 0 && ones.w[2] == 1);
    bki_u192_add(&ones, &big);
    assert_true(ones.w[2] == 2);
    assert_true(bki_u192_ld(&big) == 0x1p128L);
}

BK_TEST_MAIN(test_accuracy_default, test_accuracy_other, test_order_independence,
             test_add_n_same_as_add, test_exact_small, test_fixed_point, test_u192)
