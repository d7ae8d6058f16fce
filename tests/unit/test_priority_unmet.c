/* test_priority_unmet.c: the unmet litres of the priority sectors (the sectors flagged
 * `priority`; docs/model/city.md, "Metrics"): a part of the unmet litres of all sectors, equal
 * to them when every sector is flagged and 0 when none is, in agreement with the per-sector
 * totals and with the daily column; and exact in a hand-made world whose days can be worked out
 * on paper. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blockade/blockade.h"
#include "bk_test.h"
#include "bk_test_model.h"
#include "bk_test_main.h"
#include "model/run.h"
#include "scenario/scenario.h"

#define MAXD 400

static bk_scenario *load_two(void)
{
    char *path = bk_test_source_path(BK_TEST_REFERENCE_FILE);
    assert_non_null(path);
    bk_scenario *sc = NULL;
    bk_error err = {0};
    if (bk_scenario_load_file(path, &sc, &err) != BK_OK)
        fail_msg("%s: %s", path, err.message);
    free(path);
    return sc;
}

/* Flag every sector of sc `priority` (flag = true) or none (false), through the scenario key. */
static void flag_all(bk_scenario *sc, bool flag)
{
    for (int s = 0; s < sc->cityside.n_sectors; s++) {
        char path[128];
        snprintf(path, sizeof path, "city.sectors.%s.priority", sc->cityside.sectors[s].id);
        bk_error err = {0};
        if (bk_scenario_set_text(sc, path, flag ? "true" : "false", &err) != BK_OK)
            fail_msg("set %s: %s", path, err.message);
    }
}

/* The checks of one run: 0 <= priority <= all; the priority total agrees with the sum of the
 * priority sectors' own totals (summary.json's city.unmet_l, accumulated day by day in the
 * city) and with the daily column, which is the priority sectors' demand minus supply. */
static void check_run(const bk_scenario *sc, const bk_run *run, const bk_run_totals *t)
{
    double p = t->unmet_priority_l, u = t->unmet_l;
    assert_true(isfinite(p) && isfinite(u));
    assert_true(p >= 0.0);
    assert_true(p <= u);
    double tol = 1e-9 * (t->demand_l > 1.0 ? t->demand_l : 1.0);
    double by_sector = 0.0, by_day = 0.0, gap = 0.0;
    for (int s = 0; s < sc->cityside.n_sectors; s++) {
        if (!sc->cityside.sectors[s].priority)
            continue;
        by_sector += run->unmet_sector_l[s];
        char tok[BK_ID_MAX], dn[BK_ID_MAX + 16], sn[BK_ID_MAX + 16];
        bki_id_token(sc->cityside.sectors[s].id, tok);
        snprintf(dn, sizeof dn, "demand_%s_l", tok);
        snprintf(sn, sizeof sn, "supplied_%s_l", tok);
        gap += bk_test_sum_days(run, dn, 0, run->days) - bk_test_sum_days(run, sn, 0, run->days);
    }
    by_day = bk_test_sum_days(run, "unmet_priority_l", 0, run->days);
    if (fabs(p - by_sector) > tol || fabs(p - by_day) > tol || fabs(p - gap) > tol)
        fail_msg("unmet_priority_l %.6f, by sector %.6f, daily column %.6f, demand - supply "
                 "%.6f (tolerance %.3g)", p, by_sector, by_day, gap, tol);
}

/* Over several seeds of a scenario: the invariant and the agreement of the three ways to count;
 * then the two limits on the same seeds (every sector flagged: equal to unmet_l bit for bit;
 * none: 0). The flag is only counted: unmet_l is the same bits whatever the flags. */
static void invariant_over_seeds(bk_scenario *sc, int n_seeds)
{
    double *unmet = calloc((size_t)n_seeds, sizeof *unmet);
    assert_non_null(unmet);
    int strict = 0;
    for (int k = 0; k < n_seeds; k++) {
        bk_run *run = bk_test_run_checked(sc, (uint64_t)k + 1);
        bk_run_totals t;
        bk_run_get_totals(run, &t);
        check_run(sc, run, &t);
        if (t.unmet_priority_l > 0 && t.unmet_priority_l < t.unmet_l)
            strict++;
        unmet[k] = t.unmet_l;
        bk_run_free(run);
    }
    assert_true(strict > 0); /* the flagged sectors went short in some run, and not alone */
    for (int all = 0; all < 2; all++) {
        flag_all(sc, all == 1);
        for (int k = 0; k < n_seeds; k++) {
            bk_run *run = bk_test_run_checked(sc, (uint64_t)k + 1);
            bk_run_totals t;
            bk_run_get_totals(run, &t);
            check_run(sc, run, &t);
            assert_true(t.unmet_l == unmet[k]); /* the flag changes no litre */
            if (all) {
                if (!(t.unmet_priority_l == t.unmet_l))
                    fail_msg("every sector flagged, seed %d: unmet_priority_l %.17g != unmet_l "
                             "%.17g", k + 1, t.unmet_priority_l, t.unmet_l);
            } else {
                assert_true(t.unmet_priority_l == 0.0);
                assert_true(bk_test_sum_days(run, "unmet_priority_l", 0, run->days) == 0.0);
            }
            bk_run_free(run);
        }
    }
    free(unmet);
}

static void invariant_default_scenario(void **state)
{
    (void)state;
    bk_scenario *sc = bk_test_load_default();
    invariant_over_seeds(sc, 4);
    bk_scenario_free(sc);
}

static void invariant_test_scenario(void **state)
{
    (void)state;
    bk_scenario *sc = load_two();
    /* the test world's priority sectors are in tier 1 and rarely short: put power last so that
     * they are, and the check has something to count */
    bk_error err = {0};
    assert_int_equal(bk_scenario_set_text(sc, "city.sectors.power.tier", "4", &err), BK_OK);
    invariant_over_seeds(sc, 8);
    bk_scenario_free(sc);
}

/* A world worked out on paper: no tankers (nothing is delivered), one product with 1,000,000 L
 * in stock and no reserve, and three sectors with no elasticity, no floor, no own stock and no
 * retail buying, so that each day's allocation is the rationing rule alone:
 *   essential: tier 1, priority, 100,000 L/day
 *   transport: tier 1, not priority, 300,000 L/day
 *   power:     tier 2, priority, 200,000 L/day
 * Day 0: 1,000,000 L serves all 600,000. Day 1: 400,000 L serve tier 1 (400,000); power gets
 * nothing. Days 2..9: the stock is empty. Over 10 days:
 *   power 9 x 200,000 = 1,800,000; essential 8 x 100,000 = 800,000: priority 2,600,000 L;
 *   transport 8 x 300,000 = 2,400,000: all sectors 5,000,000 L. */
static void hand_made_world_exact(void **state)
{
    (void)state;
    char *text = bk_test_big_depot_world("");
    text = bk_test_edit(text, "days: 60", "days: 10");
    text = bk_test_edit(text, "tankers: 150", "tankers: 0");
    text = bk_test_edit(text, "tankers: 90", "tankers: 0");
    text = bk_test_edit(text, "initial_stock_l: {gasoil: 6000000, gasoline: 4000000}",
                        "initial_stock_l: {gasoil: 1000000, gasoline: 0}");
    text = bk_test_edit(text, "reserve_floor_l: {gasoil: 5500000, gasoline: 1000000}",
                        "reserve_floor_l: {gasoil: 0, gasoline: 0}");
    text = bk_test_edit(text,
                        "    - {id: power, name: Power plants, tier: 1, priority: true, "
                        "floor_share: 0.5,\n       demand_l_per_day: {gasoil: 320000}}\n",
                        "    - {id: power, name: Power plants, tier: 2, priority: true,\n"
                        "       demand_l_per_day: {gasoil: 200000}}\n");
    text = bk_test_edit(text, "demand_l_per_day: {gasoil: 80000, gasoline: 20000}}",
                        "demand_l_per_day: {gasoil: 100000}}");
    text = bk_test_edit(text,
                        "    - {id: public_transport, name: Public transport, tier: 2, retail: "
                        "true, transport: true,\n       floor_share: 0.3, demand_l_per_day: "
                        "{gasoil: 190000, gasoline: 60000}}\n",
                        "    - {id: transport, name: Transport, tier: 1, transport: true,\n"
                        "       demand_l_per_day: {gasoil: 300000}}\n");
    text = bk_test_edit(text,
                        "    - {id: private_transport, name: Private transport, tier: 3, retail: "
                        "true, transport: true,\n       elasticity: -0.3, demand_l_per_day: "
                        "{gasoil: 50000, gasoline: 380000}}\n",
                        "");
    text = bk_test_edit(text,
                        "    - {id: freight, name: Freight, tier: 3, floor_share: 0.5, "
                        "demand_l_per_day: {gasoil: 250000}}\n",
                        "");
    bk_scenario *sc = bk_test_load_and_free(text);
    assert_int_equal(sc->cityside.n_sectors, 3);
    bk_run *run = bk_test_run_checked(sc, 1);
    bk_run_totals t;
    bk_run_get_totals(run, &t);
    assert_int_equal(run->days, 10);
    assert_true(t.delivered_l == 0.0);
    assert_true(t.demand_l == 6000000.0);
    assert_true(t.consumed_l == 1000000.0);
    assert_true(t.unmet_l == 5000000.0);
    assert_true(t.unmet_priority_l == 2600000.0);
    assert_true(t.first_priority_cut_day == 1.0);
    /* per sector, in the scenario's order: power, essential, transport */
    assert_true(run->unmet_sector_l[0] == 1800000.0);
    assert_true(run->unmet_sector_l[1] == 800000.0);
    assert_true(run->unmet_sector_l[2] == 2400000.0);
    double day[MAXD];
    bk_test_series(run, "unmet_priority_l", day, MAXD);
    assert_true(day[0] == 0.0);
    assert_true(day[1] == 200000.0);
    for (int d = 2; d < 10; d++)
        assert_true(day[d] == 300000.0);
    check_run(sc, run, &t);
    bk_run_free(run);

    /* the same world with transport flagged too: every sector is, and the two totals agree */
    bk_error err = {0};
    assert_int_equal(bk_scenario_set_text(sc, "city.sectors.transport.priority", "true", &err),
                     BK_OK);
    run = bk_test_run_checked(sc, 1);
    bk_run_get_totals(run, &t);
    assert_true(t.unmet_priority_l == 5000000.0);
    assert_true(t.unmet_l == 5000000.0);
    bk_run_free(run);
    bk_scenario_free(sc);
}

BK_TEST_MAIN(invariant_default_scenario, invariant_test_scenario, hand_made_world_exact)
