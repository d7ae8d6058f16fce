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

#include "blockade/blockade.h"
#include "model/run.h"
#include "scenario/scenario.h"

#define TWO BK_SOURCE_DIR "/scenarios/test/two-corridors.yaml"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    assert_non_null(s);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = 0;
    fclose(f);
    return s;
}

/* Replace the first occurrence of `from` (which must exist) by `to`; frees s. */
static char *replace(char *s, const char *from, const char *to)
{
    char *p = strstr(s, from);
    if (p == NULL)
        fail_msg("test scenario has no '%s'", from);
    size_t a = (size_t)(p - s), lf = strlen(from), lt = strlen(to), n = strlen(s);
    char *r = malloc(n - lf + lt + 1);
    assert_non_null(r);
    memcpy(r, s, a);
    memcpy(r + a, to, lt);
    memcpy(r + a + lt, p + lf, n - a - lf + 1);
    free(s);
    return r;
}

static char *replace_all(char *s, const char *from, const char *to)
{
    while (strstr(s, from))
        s = replace(s, from, to);
    return s;
}

/* The two-corridor world without its timeline; `quiet` also takes the armed group's eyes and
 * road cuts away, so only drivers and escorts shape the traffic. */
static char *world(bool quiet)
{
    char *s = slurp(TWO);
    char *p = strstr(s, "\ntimeline:");
    assert_non_null(p);
    p[1] = 0;
    s = replace(s, "depot_capacity_l: 30000000", "depot_capacity_l: 9000000000");
    if (quiet) {
        s = replace_all(s, "intelligence: 0.3", "intelligence: 0");
        s = replace(s, "rate_per_day: 0.03", "rate_per_day: 0");
    }
    return s;
}

static bk_scenario *load_text(const char *text)
{
    bk_scenario *sc = NULL;
    bk_error err = {0};
    bk_status st = bk_scenario_load_string(text, strlen(text), "test.yaml", &sc, &err);
    if (st != BK_OK)
        fail_msg("scenario did not load: %s", err.message);
    return sc;
}

static bk_run *run_seed(const bk_scenario *sc, uint64_t seed, int days)
{
    bk_run_config cfg;
    bk_run_config_init(&cfg, sc);
    cfg.seed = seed;
    if (days > 0)
        cfg.days = days;
    bk_run *run = NULL;
    bk_error err = {0};
    bk_status st = bk_sim_run(sc, &cfg, &run, &err);
    if (st != BK_OK)
        fail_msg("run failed (seed %llu): %s", (unsigned long long)seed, err.message);
    return run;
}

static double cell_at(const bk_run *run, const char *name, int day)
{
    for (int c = 0; c < run->n_cols; c++)
        if (strcmp(run->cols[c].name, name) == 0)
            return run->daily[(size_t)day * run->n_cols + c];
    fail_msg("no column %s", name);
    return NAN;
}

static double sum_days(const bk_run *run, const char *name, int from, int to)
{
    double s = 0;
    for (int d = from; d < to && d < run->days; d++)
        s += cell_at(run, name, d);
    return s;
}

static void assert_balanced(const bk_run *run)
{
    bk_run_totals t;
    bk_run_get_totals(run, &t);
    double rhs = t.delivered_l + t.burned_l + t.captured_l + t.in_transit_l;
    assert_true(fabs(t.loaded_l - rhs) <= 1e-6 * t.loaded_l);
    assert_int_equal(t.tankers_start + t.tankers_joined,
                     t.tankers_active + t.tankers_destroyed + t.tankers_captured);
}

/* Convoys always, no threat: with `units` escort units on each corridor and `rest` hours of
 * turnaround. */
static bk_scenario *escort_world(int units, int rest)
{
    char *s = world(true);
    s = replace(s, "mode: threat", "mode: always");
    char u[32], r[64];
    snprintf(u, sizeof u, "units: %d", units);
    s = replace(s, "units: 6", u);
    s = replace(s, "units: 4", u);
    snprintf(r, sizeof r, "speed_factor: 0.8\n    escort_rest_hours: %d", rest);
    s = replace(s, "speed_factor: 0.8", r);
    s = replace(s, "escort_min: 1", "escort_min: 2");
    bk_scenario *sc = load_text(s);
    free(s);
    return sc;
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
            bk_run *run = run_seed(sc, seed, days);
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
        bk_run *a = run_seed(fast, seed, 30), *b = run_seed(slow, seed, 30);
        bk_run_totals ta, tb;
        bk_run_get_totals(a, &ta);
        bk_run_get_totals(b, &tb);
        nf += ta.convoys;
        ns += tb.convoys;
        bk_run_free(a);
        bk_run_free(b);
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
    char *calm = world(true);
    calm = replace(calm, "pre_campaign_interest: 0.2", "pre_campaign_interest: 0");
    char *scared = replace(strdup(calm), "min_willingness: 0.05",
                           "min_willingness: 0.05\n  declaration_fear: 0.8");
    bk_scenario *sc = load_text(calm), *ss = load_text(scared);
    double before = 0, after = 0;
    for (uint64_t seed = 1; seed <= 3; seed++) {
        bk_run *a = run_seed(sc, seed, 20), *b = run_seed(ss, seed, 20);
        /* campaign on 2025-09-05 = day 4; willingness recovers with a 10-day time constant */
        assert_true(fabs(cell_at(b, "willingness_west", 3) - 1.0) < 1e-12);
        double w4 = cell_at(b, "willingness_west", 4);
        double expect = 1.0 - 0.8 * exp(-1.0 / 10.0); /* one daily recovery step */
        if (fabs(w4 - expect) > 1e-9 && fabs(w4 - 0.2) > 1e-9)
            fail_msg("willingness on the declaration day %.6f, expected 0.2 or %.6f", w4, expect);
        assert_true(fabs(cell_at(a, "willingness_west", 4) - 1.0) < 1e-12);
        before += sum_days(a, "dispatched", 4, 6);
        after += sum_days(b, "dispatched", 4, 6);
        assert_balanced(b);
        bk_run_free(a);
        bk_run_free(b);
    }
    if (!(after < 0.8 * before))
        fail_msg("dispatched after the declaration %.0f with fear, %.0f without", after, before);
    bk_scenario_free(sc);
    bk_scenario_free(ss);
    free(calm);
    free(scared);
}

/* Drivers who will not go on without an escort: convoy mode comes on with the declaration on
 * both corridors (no attack reaches the threat trigger), tankers queue at staging and count as
 * in transit (litres conserved); when willingness recovers above the threshold the queue leaves
 * alone and convoy mode goes off again. */
static void test_escort_demand_fills_and_empties_staging(void **state)
{
    (void)state;
    char *s = world(true);
    s = replace(s, "pre_campaign_interest: 0.2", "pre_campaign_interest: 0");
    s = replace(s, "threat_attacks_per_week: 2", "threat_attacks_per_week: 1000");
    s = replace(s, "min_willingness: 0.05",
                "min_willingness: 0.05\n  declaration_fear: 0.9\n  escort_demand_below: 0.6");
    s = replace(s, "units: 6", "units: 0"); /* no escort on the west: the queue can only wait */
    bk_scenario *sc = load_text(s);
    for (uint64_t seed = 1; seed <= 3; seed++) {
        bk_run *run = run_seed(sc, seed, 40);
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
    free(s);
}

/* No attack before a cell's first readiness. */
static void test_first_readiness(void **state)
{
    (void)state;
    char *s = world(false);
    s = replace(s, "pre_campaign_interest: 0.2", "pre_campaign_interest: 1");
    s = replace(s, "readiness_hours: 72}", "readiness_hours: 72, first_ready_days: 12}");
    s = replace(s, "readiness_hours: 72}", "readiness_hours: 72, first_ready_days: 12}");
    bk_scenario *sc = load_text(s);
    long attacks = 0;
    for (uint64_t seed = 1; seed <= 5; seed++) {
        bk_run *run = run_seed(sc, seed, 30);
        bk_run_totals t;
        bk_run_get_totals(run, &t);
        assert_true(sum_days(run, "attacks", 0, 12) == 0);
        attacks += t.attacks_attempted;
        bk_run_free(run);
    }
    assert_true(attacks > 0);
    bk_scenario_free(sc);
    free(s);
}

/* Target preference: convoy_interest 0 leaves convoys alone (lone tankers are still attacked);
 * a strong preference gets more convoy attacks than none. */
static void test_convoy_interest(void **state)
{
    (void)state;
    char *s = world(false);
    s = replace(s, "min_success: 0.35", "min_success: 0");
    s = replace(s, "threat_attacks_per_week: 2", "threat_attacks_per_week: 1");
    char *none = replace_all(strdup(s), "readiness_hours: 72}",
                             "readiness_hours: 72, convoy_interest: 0 }");
    char *keen = replace_all(strdup(s), "readiness_hours: 72}",
                             "readiness_hours: 72, convoy_interest: 3 }");
    bk_scenario *sn = load_text(none), *sk = load_text(keen);
    long conv_none = 0, conv_keen = 0, lone = 0;
    for (uint64_t seed = 1; seed <= 6; seed++) {
        bk_run *a = run_seed(sn, seed, 45), *b = run_seed(sk, seed, 45);
        bk_run_totals ta, tb;
        bk_run_get_totals(a, &ta);
        bk_run_get_totals(b, &tb);
        conv_none += ta.attacks_attempted - ta.lone_attacks;
        conv_keen += tb.attacks_attempted - tb.lone_attacks;
        lone += ta.lone_attacks;
        bk_run_free(a);
        bk_run_free(b);
    }
    assert_int_equal(conv_none, 0);
    assert_true(lone > 0);
    assert_true(conv_keen > 0);
    bk_scenario_free(sn);
    bk_scenario_free(sk);
    free(none);
    free(keen);
    free(s);
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
        {"readiness_hours: 72}", "readiness_hours: 72, first_ready_days: -2}"},
        {"readiness_hours: 72}", "readiness_hours: 72, convoy_interest: -1}"},
    };
    const char *keys[] = {"declaration_fear", "escort_demand_below", "escort_confidence",
                          "escort_rest_hours", "first_ready_days", "convoy_interest"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *s = replace(world(true), cases[i][0], cases[i][1]);
        bk_scenario *sc = NULL;
        bk_error err = {0};
        bk_status st = bk_scenario_load_string(s, strlen(s), "bad.yaml", &sc, &err);
        assert_int_equal(st, BK_ERR_VALUE);
        if (strstr(err.message, keys[i]) == NULL)
            fail_msg("error for %s does not name it: %s", keys[i], err.message);
        assert_true(err.line > 0);
        assert_null(sc);
        free(s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_more_escorts_never_fewer_convoys),
        cmocka_unit_test(test_turnaround_slows_convoys),
        cmocka_unit_test(test_declaration_scares_drivers),
        cmocka_unit_test(test_escort_demand_fills_and_empties_staging),
        cmocka_unit_test(test_first_readiness),
        cmocka_unit_test(test_convoy_interest),
        cmocka_unit_test(test_bad_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
