/* test_exp.c: bki_exp, the lognormal's inline exponential (rng.h), against the exact value (long
 * double expl) and the library's exp over dense ranges; its table against exp2l. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>

#include "engine/rng.h"

/* The error of y against the reference v, in units in the last place of the double nearest v
 * (normal range). */
static double ulp_error(double y, long double v)
{
    double d = (double)v;
    double ulp = nextafter(d, (double)INFINITY) - d;
    return (double)(fabsl((long double)y - v) / ulp);
}

/* Each entry pair: the first the double nearest 2^(j/128), the sum within 2^-62 of it. */
static void test_table(void **state)
{
    (void)state;
    if (LDBL_MANT_DIG < 64)
        skip();
    for (int j = 0; j < 128; j++) {
        long double v = exp2l((long double)j / 128.0L);
        double hi = bki_exp_tab[2 * j], lo = bki_exp_tab[2 * j + 1];
        assert_true(ulp_error(hi, v) <= 0.5);
        assert_true(fabsl((long double)hi + (long double)lo - v) <= 0x1p-62L * v);
    }
}

/* Error statistics of bki_exp over x = lo + i (hi - lo) / n, i = 0 ... n: the largest error in
 * units in the last place against expl, the largest difference from exp in units in the last
 * place, and how many results differ from exp's. */
static void sweep(double lo, double hi, long n, double *max_err, double *max_lib, long *differ)
{
    for (long i = 0; i <= n; i++) {
        double x = lo + (hi - lo) * (double)i / (double)n;
        double y = bki_exp(x), z = exp(x);
        long double v = expl((long double)x);
        double e = ulp_error(y, v);
        if (e > *max_err)
            *max_err = e;
        if (y != z) {
            (*differ)++;
            double d = fabs(y - z) / (nextafter(z, (double)INFINITY) - z);
            if (d > *max_lib)
                *max_lib = d;
        }
    }
}

/* Where the lognormal draws it (mu + sigma Z: a few units either side of 0), densely; then the
 * whole range of the fast path and beyond. Within 0.52 units in the last place of the exact value
 * everywhere (the library's exp is within about 0.502), never more than one unit from the
 * library's, and the same double as the library's for all but a few in ten thousand. */
static void test_accuracy(void **state)
{
    (void)state;
    if (LDBL_MANT_DIG < 64)
        skip();
    double max_err = 0, max_lib = 0;
    long differ = 0, total = 0;
    sweep(-4.0, 4.0, 4000000, &max_err, &max_lib, &differ);
    total += 4000001;
    sweep(-1e-3, 1e-3, 1000000, &max_err, &max_lib, &differ);
    total += 1000001;
    sweep(-700.0, 700.0, 2000000, &max_err, &max_lib, &differ);
    total += 2000001;
    print_message("bki_exp: max error %.4f ulp against expl; %ld of %ld differ from exp, by at "
                  "most %.1f ulp\n",
                  max_err, differ, total, max_lib);
    assert_true(max_err < 0.52);
    assert_true(max_lib <= 1.0);
    assert_true((double)differ < 1e-3 * (double)total);
}

/* Exact and special values: e^0 = 1, the library's exp outside the fast path (overflow, underflow,
 * infinities, NaN) and at its edges. */
static void test_special(void **state)
{
    (void)state;
    assert_true(bki_exp(0.0) == 1.0);
    assert_true(bki_exp(-0.0) == 1.0);
    assert_true(isnan(bki_exp((double)NAN)));
    assert_true(bki_exp((double)INFINITY) == (double)INFINITY);
    assert_true(bki_exp(-(double)INFINITY) == 0.0);
    assert_true(bki_exp(800.0) == exp(800.0));
    assert_true(bki_exp(-800.0) == exp(-800.0));
    double edges[] = {512.0, -512.0, nextafter(512.0, 0.0), nextafter(-512.0, 0.0)};
    for (int i = 0; i < 4; i++) {
        double y = bki_exp(edges[i]);
        assert_true(isfinite(y) && y > 0);
        assert_true(ulp_error(y, expl((long double)edges[i])) < 0.52);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_accuracy),
        cmocka_unit_test(test_special),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
