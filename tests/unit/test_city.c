/* test_city.c: the rationing rule as a pure function, on hand-made and random instances:
 * never more than demand or stock, floors first, tiers in order, proportional within a tier,
 * the reserve only for the tiers allowed to use it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "bk_test_main.h"

#include <math.h>
#include <stdbool.h>

#include "engine/rng.h"
#include "model/city.h"

static void test_enough_for_everyone(void **state)
{
    (void)state;
    int tier[3] = {1, 2, 3};
    double dem[3] = {10, 20, 30}, fl[3] = {0, 0, 0}, got[3];
    bool res[3] = {true, false, false};
    double from_res = bki_city_allocate(3, tier, dem, fl, res, 100, 50, got);
    for (int i = 0; i < 3; i++)
        assert_true(fabs(got[i] - dem[i]) < 1e-9);
    assert_true(fabs(from_res) < 1e-9); /* the free stock sufficed */
}

static void test_tiers_in_order_and_proportional_within(void **state)
{
    (void)state;
    int tier[4] = {1, 2, 2, 3};
    double dem[4] = {10, 20, 60, 30}, fl[4] = {0, 0, 0, 0}, got[4];
    bool res[4] = {false, false, false, false};
    bki_city_allocate(4, tier, dem, fl, res, 50, 0, got);
    assert_true(fabs(got[0] - 10) < 1e-9);     /* tier 1 whole */
    assert_true(fabs(got[1] - 10) < 1e-9);     /* 40 left for 80 wanted: half each */
    assert_true(fabs(got[2] - 30) < 1e-9);
    assert_true(fabs(got[3]) < 1e-9);          /* tier 3 nothing */
}

static void test_floors_come_first(void **state)
{
    (void)state;
    int tier[2] = {1, 2};
    double dem[2] = {100, 100}, fl[2] = {0, 0.2}, got[2];
    bool res[2] = {false, false};
    bki_city_allocate(2, tier, dem, fl, res, 100, 0, got);
    assert_true(fabs(got[1] - 20) < 1e-9); /* its floor, although tier 1 is short */
    assert_true(fabs(got[0] - 80) < 1e-9);
}

static void test_reserve_only_for_allowed(void **state)
{
    (void)state;
    int tier[2] = {1, 2};
    double dem[2] = {50, 50}, fl[2] = {0, 0}, got[2];
    bool res[2] = {true, false};
    double from_res = bki_city_allocate(2, tier, dem, fl, res, 10, 100, got);
    assert_true(fabs(got[0] - 50) < 1e-9);
    assert_true(fabs(got[1]) < 1e-9); /* the free stock went to tier 1; no reserve for tier 2 */
    assert_true(fabs(from_res - 40) < 1e-9);
}

/* Random instances: invariants that must hold whatever the numbers. */
static void test_random_instances(void **state)
{
    (void)state;
    bk_rng r;
    bki_rng_init(&r, 77, 0, BK_RNG_TEST, 3);
    enum { N = 6 };
    for (int it = 0; it < 20000; it++) {
        int tier[N];
        double dem[N], fl[N], got[N];
        bool res[N];
        for (int i = 0; i < N; i++) {
            tier[i] = 1 + (int)(bki_rng_next(&r) % 4);
            dem[i] = 100 * bki_rng_uniform(&r);
            fl[i] = bki_rng_uniform(&r) < 0.3 ? 0.3 * bki_rng_uniform(&r) : 0;
            res[i] = tier[i] <= 1 + (int)(bki_rng_next(&r) % 3);
        }
        double free_l = 300 * bki_rng_uniform(&r), reserve = 100 * bki_rng_uniform(&r);
        double from_res = bki_city_allocate(N, tier, dem, fl, res, free_l, reserve, got);
        double total = 0, to_unreserved = 0;
        for (int i = 0; i < N; i++) {
            assert_true(got[i] >= -1e-9 && got[i] <= dem[i] + 1e-9);
            total += got[i];
            if (!res[i])
                to_unreserved += got[i];
        }
        assert_true(total <= free_l + reserve + 1e-6);
        assert_true(from_res >= -1e-9 && from_res <= reserve + 1e-9);
        assert_true(to_unreserved <= free_l + 1e-6);
        /* no sector of a lower tier gets more than its floor while a higher tier that could
         * draw on the same stock is short */
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++) {
                if (tier[j] <= tier[i] || res[j] != res[i])
                    continue;
                bool i_short = got[i] < dem[i] - 1e-6;
                if (i_short)
                    assert_true(got[j] <= fl[j] * dem[j] + 1e-6);
            }
        /* all served when the free stock covers everything */
        double want = 0;
        for (int i = 0; i < N; i++)
            want += dem[i];
        if (want <= free_l)
            assert_true(fabs(total - want) < 1e-6);
    }
}

BK_TEST_MAIN(test_enough_for_everyone, test_tiers_in_order_and_proportional_within,
             test_floors_come_first, test_reserve_only_for_allowed, test_random_instances)
