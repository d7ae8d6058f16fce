/* test_optimise_steps.c: the step ladder of the optimiser's pattern search (docs/optimise.md,
 * "The search"). A ladder that skipped two units could not move a convoy's minimum escort
 * (escort_min 2 in the Bamako default) from one corridor to another, and the escort search
 * stopped at the default allocation, which an allocation two such moves away beats. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdbool.h>

#include "analysis/policy/optimise_internal.h"

/* 14 escort units (the Bamako default's total): moves of 4, then 2, then 1 units. */
static void bamako_total_passes_through_two(void **state)
{
    (void)state;
    assert_true(opt_step_at(14, true, 0) == 4.0);
    assert_true(opt_step_at(14, true, 1) == 2.0);
    assert_true(opt_step_at(14, true, 2) == 1.0);
    assert_true(opt_step_at(14, true, 3) == 1.0);
}

/* Every whole range: the ladder starts at a quarter of the range rounded up, never divides the
 * step by more than 2, goes down by at least one unit per level until 1, and so passes through
 * every power of two below its start, 2 included. */
static void whole_ladder_never_more_than_halves(void **state)
{
    (void)state;
    for (int w = 1; w <= 500; w++) {
        double s = opt_step_at(w, true, 0);
        assert_true(s == (ceil(w / 4.0) < 1 ? 1 : ceil(w / 4.0)));
        bool two = s <= 2.0;
        for (int k = 1; k < 40; k++) {
            double t = opt_step_at(w, true, k);
            assert_true(t == floor(t) && t >= 1.0);
            assert_true(2.0 * t >= s);
            assert_true(t < s || s == 1.0);
            two = two || t == 2.0;
            s = t;
        }
        assert_true(s == 1.0);
        assert_true(two);
    }
}

/* Continuous ranges: a quarter, halved at each level. */
static void continuous_ladder_halves(void **state)
{
    (void)state;
    for (int k = 0; k < 10; k++)
        assert_true(fabs(opt_step_at(0.4, false, k) - 0.1 / ldexp(1.0, k)) < 1e-15);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bamako_total_passes_through_two),
        cmocka_unit_test(whole_ladder_never_more_than_halves),
        cmocka_unit_test(continuous_ladder_halves),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
