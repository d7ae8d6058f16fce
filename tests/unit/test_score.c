/* test_score.c: the scoring rules against values computed by hand, and a validation run on the
 * two-corridor scenario whose table is consistent with its own ensemble.
 *
 * Hand values: ensemble {1, 2, 3}: E|X - 2| = 2/3, E|X - X'| = 8/9, so CRPS(2) = 2/3 - 4/9 = 2/9
 * and CRPS(0) = 2 - 4/9 = 14/9; a one-member ensemble's CRPS is the absolute error. Interval
 * [2, 4] at alpha 0.1: width 2 inside, 2 + 20 x 1 = 22 one unit outside. Pinball at tau 0.9 of
 * q = 2: 0.9 x 3 = 2.7 for y = 5, 0.1 x 1 = 0.1 for y = 1.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bk_test.h"
#include "bk_test_model.h"
#include "bk_test_main.h"
#include "blockade/blockade.h"

static void test_crps(void **state)
{
    (void)state;
    const double x[3] = {3, 1, 2}; /* unsorted on purpose */
    assert_true(fabs(bk_score_crps(x, 3, 2.0) - 2.0 / 9.0) < 1e-12);
    assert_true(fabs(bk_score_crps(x, 3, 0.0) - 14.0 / 9.0) < 1e-12);
    assert_true(fabs(bk_score_crps(x, 3, 10.0) - (8.0 - 4.0 / 9.0)) < 1e-12);
    const double one = 5;
    assert_true(fabs(bk_score_crps(&one, 1, 3.0) - 2.0) < 1e-12);
    /* the input is not reordered */
    assert_true(x[0] == 3 && x[1] == 1 && x[2] == 2);
    /* a sharper ensemble centred on the outcome scores better */
    const double sharp[3] = {1.9, 2.0, 2.1};
    assert_true(bk_score_crps(sharp, 3, 2.0) < bk_score_crps(x, 3, 2.0));
    /* ties: {2, 2, 2, 2} against 2 is perfect */
    const double same[4] = {2, 2, 2, 2};
    assert_true(fabs(bk_score_crps(same, 4, 2.0)) < 1e-12);
}

static void test_interval_pinball(void **state)
{
    (void)state;
    assert_true(fabs(bk_score_interval(2, 4, 0.1, 3) - 2.0) < 1e-12);
    assert_true(fabs(bk_score_interval(2, 4, 0.1, 5) - 22.0) < 1e-12);
    assert_true(fabs(bk_score_interval(2, 4, 0.1, 1) - 22.0) < 1e-12);
    assert_true(fabs(bk_score_interval(2, 4, 0.5, 5) - 6.0) < 1e-12);
    assert_true(fabs(bk_score_pinball(2, 0.9, 5) - 2.7) < 1e-12);
    assert_true(fabs(bk_score_pinball(2, 0.9, 1) - 0.1) < 1e-12);
    assert_true(fabs(bk_score_pinball(2, 0.5, 2)) < 1e-12);
    assert_true(bk_score_covered(1, 2, 2));
    assert_true(bk_score_covered(1, 2, 1));
    assert_false(bk_score_covered(1, 2, 2.0001));
    assert_false(bk_score_covered(1, 2, 0.5));
}

static void test_quantile(void **state)
{
    (void)state;
    const double x[4] = {4, 1, 3, 2};
    assert_true(fabs(bk_score_quantile(x, 4, 0.5) - 2.5) < 1e-12);
    assert_true(fabs(bk_score_quantile(x, 4, 0.25) - 1.75) < 1e-12);
    assert_true(fabs(bk_score_quantile(x, 4, 0.0) - 1.0) < 1e-12);
    assert_true(fabs(bk_score_quantile(x, 4, 1.0) - 4.0) < 1e-12);
}

/* A validation run on the test scenario: every row's quantiles are ordered, the coverage flags
 * agree with the intervals, and the same seed gives the same table with 1 and 3 threads. */
static void test_validate(void **state)
{
    (void)state;
    bk_scenario *sc = NULL;
    bk_events *ev = NULL;
    bk_aggregates *ag = NULL;
    bk_error err;
    bk_test_observed_world(&sc, &ev, &ag);
    bk_obs_config cfg;
    bk_obs_config_init(&cfg, sc);
    assert_true(bk_date_parse("2025-09-20", &cfg.day_to));
    bk_obs *obs = NULL;
    assert_int_equal(bk_obs_new(sc, ev, ag, &cfg, &obs, &err), BK_OK);
    bk_validation *v1 = NULL, *v3 = NULL;
    assert_int_equal(bk_validate_run(sc, obs, 24, 5, 0.9, 1, NULL, &v1, &err), BK_OK);
    assert_int_equal(bk_validate_run(sc, obs, 24, 5, 0.9, 3, NULL, &v3, &err), BK_OK);
    assert_int_equal(bk_validation_count(v1), bk_obs_count(obs));
    for (int k = 0; k < bk_validation_count(v1); k++) {
        bk_validation_row a, b;
        bk_validation_get(v1, k, &a);
        bk_validation_get(v3, k, &b);
        assert_true(a.q05 <= a.q25 && a.q25 <= a.median && a.median <= a.q75 && a.q75 <= a.q95);
        assert_true(a.covered90 == (a.observed >= a.q05 && a.observed <= a.q95));
        assert_true(a.crps >= 0 && a.is90 >= a.q95 - a.q05 - 1e-9);
        const double fa[] = {a.median, a.q05, a.q25, a.q75, a.q95, a.crps, a.is50, a.is90, a.pinball};
        const double fb[] = {b.median, b.q05, b.q25, b.q75, b.q95, b.crps, b.is50, b.is90, b.pinball};
        assert_memory_equal(fa, fb, sizeof fa); /* same bits with 1 and 3 threads */
        assert_true(a.covered50 == b.covered50 && a.covered90 == b.covered90);
    }
    bk_validation_free(v1);
    bk_validation_free(v3);
    bk_obs_free(obs);
    bk_aggregates_free(ag);
    bk_events_free(ev);
    bk_scenario_free(sc);
}

BK_TEST_MAIN(test_crps, test_interval_pinball, test_quantile, test_validate)
