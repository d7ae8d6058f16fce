/* test_gating.c: properties of supply gating (docs/model/convoys.md, fleet.md, armed-group.md):
 * escort pools and their turnaround bound the convoys a month, more escort units never run
 * fewer convoys, the declaration scares drivers, drivers who wait for an escort fill the staging
 * queue (which stays in transit) and leave alone again when they recover, a cell does not strike
 * before its first readiness, and a cell with no interest in convoys leaves them alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bk_test_model.h"
#include "bk_test_main.h"
#include "blockade/blockade.h"
#include "model/run.h"
#include "scenario/scenario.h"


/* The two-corridor world without its timeline; `quiet` also takes the armed group's eyes and
 * road cuts away, so only drivers and escorts shape the traffic. */
static char *world(bool quiet)
{
    return quiet ? bk_test_quiet_world("") : bk_test_big_depot_world("");
}

/* The scenario of text with `key` (such as "first_ready_days: 12") added to every cell of the
 * armed group; text itself is left as it is. */
static bk_scenario *load_with_cell_key(const char *text, const char *key)
{
    char entry[128];
    snprintf(entry, sizeof entry, "readiness_hours: 72, %s}", key);
    return bk_test_load_edited_all(text, "readiness_hours: 72}", entry);
}

static double cell_at(const bk_run *run, const char *name, int day)
{
    for (int c = 0; c < run->n_cols; c++)
        if (strcmp(run->cols[c].name, name) == 0)
            return run->daily[(size_t)day * run->n_cols + c];
    fail_msg("no column %s", name);
    return NAN;
}

static void assert_balanced(const bk_run *run)
{
    bk_run_totals t;
    bk_run_get_totals(run, &t);
    bk_test_assert_balanced(&t);
}

/* Convoys always, no threat: with `units` escort units on each corridor and `rest` hours of
 * turnaround. */
static bk_scenario *escort_world(int units, int rest)
{
    char u[32], r[64];
    snprintf(u, sizeof u, "units: %d", units);
    snprintf(r, sizeof r, "speed_factor: 0.8\n    escort_rest_hours: %d", rest);
    return bk_test_load_and_free(BK_TEST_EDITS(world(true), "mode: threat", "mode: always",
                                               "units: 6", u, "units: 4", u,
                                               "speed_factor: 0.8", r,
                                               "escort_min: 1", "escort_min: 2"));
}

/* More escort units never run fewer convoys in a month (same seeds), and the pool and its
 * turnaround bound them: a group of escort_min units leaves at most once per rest period. */
static void test_more_escorts_never_fewer_convoys(void **state)
{
    (void)state;
    const int days = 30, rest = 96;
    for (uint64_t seed = 1; seed <= 4; seed++) {
        long prev = -1;
        for (int units = 2; units <= 10; units += 2) {
            bk_scenario *sc = escort_world(units, rest);
            bk_run *run = bk_test_run(sc, seed, days);
            assert_balanced(run);
            bk_run_totals t;
            bk_run_get_totals(run, &t);
            if (t.convoys < prev)
                fail_msg("seed %llu: %d units ran %ld convoys, fewer than %ld with %d",
                         (unsigned long long)seed, units, t.convoys, prev, units - 2);
            prev = t.convoys;
            /* per corridor: floor(units / escort_min) groups, each at most once per rest period
             * (plus the first departure) */
            long bound = 2L * (units / 2) * (1 + days * 24 / rest);
            if (t.convoys > bound)
                fail_msg("%ld convoys exceed the pool-and-turnaround bound %ld", t.convoys, bound);
            bk_run_free(run);
            bk_scenario_free(sc);
        }
        assert_true(prev > 0);
    }
}

/* A longer turnaround runs fewer convoys. */
static void test_turnaround_slows_convoys(void **state)
{
    (void)state;
    bk_scenario *fast = escort_world(2, 0), *slow = escort_world(2, 240);
    long nf = 0, ns = 0;
    for (uint64_t seed = 1; seed <= 4; seed++) {
        bk_run_totals ta, tb;
        bk_test_run_pair(fast, slow, seed, 30, &ta, &tb);
        nf += ta.convoys;
        ns += tb.convoys;
    }
    if (!(ns < nf))
        fail_msg("convoys with 240 h turnaround %ld, without %ld", ns, nf);
    bk_scenario_free(fast);
    bk_scenario_free(slow);
}

/* The declaration takes declaration_fear of every corridor's willingness at once (no attack is
 * needed), and fewer tankers leave in the two days after it. */
static void test_declaration_scares_drivers(void **state)
{
    (void)state;
    char *calm =
        bk_test_edit(world(true), "pre_campaign_interest: 0.2", "pre_campaign_interest: 0");
    bk_scenario *sc = bk_test_load_text(calm);
    bk_scenario *ss = bk_test_load_edited(calm, "min_willingness: 0.05",
                                          "min_willingness: 0.05\n  declaration_fear: 0.8");
    double before = 0, after = 0;
    for (uint64_t seed = 1; seed <= 3; seed++) {
        bk_run *a = bk_test_run(sc, seed, 20), *b = bk_test_run(ss, seed, 20);
        /* campaign on 2025-09-05 = day 4; willingness recovers with a 10-day time constant */
        assert_true(fabs(cell_at(b, "willingness_west", 3) - 1.0) < 1e-12);
        double w4 = cell_at(b, "willingness_west", 4);
        double expect = 1.0 - 0.8 * exp(-1.0 / 10.0); /* one daily recovery step */
        if (fabs(w4 - expect) > 1e-9 && fabs(w4 - 0.2) > 1e-9)
            fail_msg("willingness on the declaration day %.6f, expected 0.2 or %.6f", w4, expect);
        assert_true(fabs(cell_at(a, "willingness_west", 4) - 1.0) < 1e-12);
        before += bk_test_sum_days(a, "dispatched", 4, 6);
        after += bk_test_sum_days(b, "dispatched", 4, 6);
        assert_balanced(b);
        bk_run_free(a);
        bk_run_free(b);
    }
    if (!(after < 0.8 * before))
        fail_msg("dispatched after the declaration %.0f with fear, %.0f without", after, before);
    bk_scenario_free(sc);
    bk_scenario_free(ss);
    free(calm);
}

/* Drivers who will not go on without an escort: convoy mode comes on with the declaration on
 * both corridors (no attack reaches the threat trigger), tankers queue at staging and count as
 * in transit (litres conserved); when willingness recovers above the threshold the queue leaves
 * alone and convoy mode goes off again. */
static void test_escort_demand_fills_and_empties_staging(void **state)
{
    (void)state;
    /* no escort on the west (units: 0): the queue can only wait */
    bk_scenario *sc = bk_test_load_and_free(BK_TEST_EDITS(
        world(true),
        "pre_campaign_interest: 0.2", "pre_campaign_interest: 0",
        "threat_attacks_per_week: 2", "threat_attacks_per_week: 1000",
        "min_willingness: 0.05",
        "min_willingness: 0.05\n  declaration_fear: 0.9\n  escort_demand_below: 0.6",
        "units: 6", "units: 0"));
    for (uint64_t seed = 1; seed <= 3; seed++) {
        bk_run *run = bk_test_run(sc, seed, 40);
        assert_balanced(run);
        assert_true(cell_at(run, "convoy_mode_west", 3) == 0);
        assert_true(cell_at(run, "convoy_mode_west", 4) == 1);
        /* 1 - 0.9 exp(-d / 10) >= 0.6 from d = 8.1 days after the declaration */
        double peak = 0;
        for (int d = 5; d < 12; d++)
            peak = fmax(peak, cell_at(run, "staging_west", d));
        assert_true(peak > 0);
        assert_true(cell_at(run, "convoy_mode_west", 20) == 0);
        assert_true(cell_at(run, "staging_west", 20) == 0);
        bk_run_free(run);
    }
    bk_scenario_free(sc);
}

/* No attack before a cell's first readiness. */
static void test_first_readiness(void **state)
{
    (void)state;
    char *s = bk_test_edit(world(false), "pre_campaign_interest: 0.2", "pre_campaign_interest: 1");
    bk_scenario *sc = load_with_cell_key(s, "first_ready_days: 12");
    free(s);
    long attacks = 0;
    for (uint64_t seed = 1; seed <= 5; seed++) {
        bk_run *run = bk_test_run(sc, seed, 30);
        bk_run_totals t;
        bk_run_get_totals(run, &t);
        assert_true(bk_test_sum_days(run, "attacks", 0, 12) == 0);
        attacks += t.attacks_attempted;
        bk_run_free(run);
    }
    assert_true(attacks > 0);
    bk_scenario_free(sc);
}

/* Random readiness (armed_group.readiness_cv): with the same seed, a later mean first
 * readiness never brings a cell's first attack earlier, and a spread readiness still keeps
 * every attack after the earliest possible date (0 here) and varies the first date by seed. */
static int first_attack_day(const bk_scenario *sc, uint64_t seed)
{
    bk_run *run = bk_test_run(sc, seed, 40);
    int day = 40;
    for (int d = 0; d < 40 && day == 40; d++)
        if (cell_at(run, "attacks", d) > 0)
            day = d;
    bk_run_free(run);
    return day;
}

static void test_random_readiness(void **state)
{
    (void)state;
    char *base = bk_test_edit(world(false), "pre_campaign_interest: 0.2",
                              "pre_campaign_interest: 1\n  readiness_cv: 0.5");
    bk_scenario *se = load_with_cell_key(base, "first_ready_days: 4");
    bk_scenario *sl = load_with_cell_key(base, "first_ready_days: 12");
    int lo = 40, hi = 0;
    for (uint64_t seed = 1; seed <= 6; seed++) {
        int de = first_attack_day(se, seed), dl = first_attack_day(sl, seed);
        assert_true(dl >= de);
        lo = dl < lo ? dl : lo;
        hi = dl > hi ? dl : hi;
    }
    assert_true(hi > lo);
    bk_scenario_free(se);
    bk_scenario_free(sl);
    free(base);
}

/* Target preference: convoy_interest 0 leaves convoys alone (lone tankers are still attacked);
 * a strong preference gets more convoy attacks than none. */
static void test_convoy_interest(void **state)
{
    (void)state;
    char *s = BK_TEST_EDITS(world(false), "min_success: 0.35", "min_success: 0",
                            "threat_attacks_per_week: 2", "threat_attacks_per_week: 1");
    bk_scenario *sn = load_with_cell_key(s, "convoy_interest: 0 ");
    bk_scenario *sk = load_with_cell_key(s, "convoy_interest: 3 ");
    long conv_none = 0, conv_keen = 0, lone = 0;
    for (uint64_t seed = 1; seed <= 6; seed++) {
        bk_run_totals ta, tb;
        bk_test_run_pair(sn, sk, seed, 45, &ta, &tb);
        conv_none += ta.attacks_attempted - ta.lone_attacks;
        conv_keen += tb.attacks_attempted - tb.lone_attacks;
        lone += ta.lone_attacks;
    }
    assert_int_equal(conv_none, 0);
    assert_true(lone > 0);
    assert_true(conv_keen > 0);
    bk_scenario_free(sn);
    bk_scenario_free(sk);
    free(s);
}

/* The first day with column `name` above 0, or `days` if none. */
static int first_day_above(const bk_run *run, const char *name, int days)
{
    for (int d = 0; d < days; d++)
        if (cell_at(run, name, d) > 0)
            return d;
    return days;
}

/* Escorts take escort_setup_hours to organise on a corridor: with convoys from 10 September
 * (day 9), no convoy leaves before the first tanker has waited that long, and a longer setup
 * never brings the first convoy earlier (same seeds); tankers wait at staging meanwhile, counted
 * in transit (litres conserved). */
static void test_escort_setup_delays_first_convoy(void **state)
{
    (void)state;
    const int days = 30, setups[] = {0, 48, 120, 240};
    for (uint64_t seed = 1; seed <= 3; seed++) {
        int prev = -1;
        for (size_t i = 0; i < sizeof setups / sizeof setups[0]; i++) {
            char r[96];
            snprintf(r, sizeof r, "speed_factor: 0.8\n    escort_setup_hours: %d", setups[i]);
            bk_scenario *sc = bk_test_load_and_free(BK_TEST_EDITS(
                world(true), "mode: threat", "mode: date", "speed_factor: 0.8", r));
            bk_run *run = bk_test_run(sc, seed, days);
            assert_balanced(run);
            int staged = first_day_above(run, "tankers_staging", days);
            int first = first_day_above(run, "convoys", days);
            assert_true(staged < days);
            if (first < staged + setups[i] / 24)
                fail_msg("seed %llu, setup %d h: first convoy on day %d, first tanker waiting "
                         "on day %d", (unsigned long long)seed, setups[i], first, staged);
            if (first < prev)
                fail_msg("seed %llu: setup %d h sent the first convoy on day %d, before day %d",
                         (unsigned long long)seed, setups[i], first, prev);
            prev = first;
            bk_run_free(run);
            bk_scenario_free(sc);
        }
        assert_true(prev >= 19 && prev < days); /* 240 h: the first convoy, ten days late */
    }
}

/* Out-of-range values are refused with the key's path. */
static void test_bad_values(void **state)
{
    (void)state;
    const char *cases[][2] = {
        {"min_willingness: 0.05", "min_willingness: 0.05\n  declaration_fear: 1.5"},
        {"min_willingness: 0.05", "min_willingness: 0.05\n  escort_demand_below: -0.1"},
        {"min_willingness: 0.05", "min_willingness: 0.05\n  escort_confidence: 2"},
        {"speed_factor: 0.8", "speed_factor: 0.8\n    escort_rest_hours: -1"},
        {"speed_factor: 0.8", "speed_factor: 0.8\n    escort_setup_hours: 9000"},
        {"readiness_hours: 72}", "readiness_hours: 72, first_ready_days: -2}"},
        {"readiness_hours: 72}", "readiness_hours: 72, convoy_interest: -1}"},
        {"pre_campaign_interest: 0.2", "pre_campaign_interest: 0.2\n  readiness_cv: -0.5"},
    };
    const char *keys[] = {"declaration_fear", "escort_demand_below", "escort_confidence",
                          "escort_rest_hours", "escort_setup_hours", "first_ready_days",
                          "convoy_interest", "readiness_cv"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *s = bk_test_edit(world(true), cases[i][0], cases[i][1]);
        bk_error err = bk_test_load_error(s, keys[i]);
        assert_int_equal(err.status, BK_ERR_VALUE);
        assert_true(err.line > 0);
        free(s);
    }
}

BK_TEST_MAIN(test_more_escorts_never_fewer_convoys, test_turnaround_slows_convoys,
             test_declaration_scares_drivers, test_escort_demand_fills_and_empties_staging,
             test_first_readiness, test_random_readiness, test_convoy_interest,
             test_escort_setup_delays_first_convoy, test_bad_values)
