/* test_sim.c: properties of the supply-side model: conservation over many seeds, determinism,
 * Little's law in a world without threat, escorts deter attacks, road cuts stop traffic, the
 * campaign switches attacks on, the warm-up's length and the ports' first queue order. */
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

#define TWO BK_SOURCE_DIR "/scenarios/test/two-corridors.yaml"

/* The two-corridor scenario's text without its timeline (all from "timeline:" on dropped). */
static char *without_timeline(void)
{
    char *s = bk_test_slurp(TWO);
    char *p = strstr(s, "timeline:");
    assert_non_null(p);
    *p = 0;
    return s;
}

/* text with the west and south ports loading `west` and `south` tankers a day instead of the
 * file's 20 and 12; frees text. */
static char *port_rates(char *text, const char *west, const char *south)
{
    char w[64], s[64];
    snprintf(w, sizeof w, "load_rate_per_day: %s", west);
    snprintf(s, sizeof s, "load_rate_per_day: %s", south);
    text = bk_test_edit(text, "load_rate_per_day: 20", w);
    return bk_test_edit(text, "load_rate_per_day: 12", s);
}

static bk_run *run_seed(const bk_scenario *sc, uint64_t seed)
{
    return bk_test_run(sc, seed, 0);
}

/* The full two-corridor scenario (campaign, cuts, timeline) under 30 seeds: every day's
 * invariants hold (checked inside the run) and the totals balance. */
static void test_conservation_many_seeds(void **state)
{
    (void)state;
    bk_scenario *sc = bk_test_load_file(TWO);
    long attacks = 0, lost = 0;
    for (uint64_t seed = 1; seed <= 30; seed++) {
        bk_run *run = run_seed(sc, seed);
        bk_run_totals t;
        bk_run_get_totals(run, &t);
        bk_test_assert_balanced(&t);
        assert_true(t.deliveries > 0);
        assert_true(t.attacks_successful <= t.attacks_attempted);
        assert_true(t.final_stock_l >= 0);
        attacks += t.attacks_attempted;
        lost += t.tankers_destroyed + t.tankers_captured;
        bk_run_free(run);
    }
    assert_true(attacks > 0); /* the scenario is not a quiet one */
    assert_true(lost > 0);
    bk_scenario_free(sc);
}

static void test_same_seed_same_bytes(void **state)
{
    (void)state;
    bk_scenario *sc = bk_test_load_file(TWO);
    size_t la, lb, lc;
    char *ba = bk_test_seed_csv(sc, 11, &la), *bb = bk_test_seed_csv(sc, 11, &lb);
    char *bc = bk_test_seed_csv(sc, 12, &lc);
    assert_int_equal(la, lb);
    assert_memory_equal(ba, bb, la);
    assert_true(la != lc || memcmp(ba, bc, la) != 0);
    free(ba);
    free(bb);
    free(bc);
    bk_scenario_free(sc);
}

/* A run does not depend on its length: the first days of a longer run are the shorter run's,
 * day for day and event for event, except that a road still held when the shorter run ends goes
 * on stopping tankers in the longer one (a forecast that continues a calibration's run relies on
 * it, docs/calibration.md). The default scenario and the two-corridor one, a few seeds. */
static void test_shorter_run_is_a_prefix(void **state)
{
    (void)state;
    bk_scenario *scs[2] = {bk_test_load_default(), bk_test_load_file(TWO)};
    for (int j = 0; j < 2; j++)
        for (uint64_t seed = 1; seed <= 3; seed++) {
            bk_run *a = bk_test_run(scs[j], seed, 15), *b = bk_test_run(scs[j], seed, 40);
            assert_int_equal(a->n_cols, b->n_cols);
            assert_memory_equal(a->daily, b->daily,
                                (size_t)a->days * (size_t)a->n_cols * sizeof *a->daily);
            int n = 0;
            while (n < b->n_log && b->log[n].time_h < 15 * 24.0)
                n++;
            if (n != a->n_log)
                fail_msg("scenario %d seed %d: %d events in 15 days, %d in the first 15 of 40",
                         j, (int)seed, a->n_log, n);
            assert_true(n > 0);
            for (int e = 0; e < n; e++) {
                const bk_log_entry *x = &a->log[e], *y = &b->log[e];
                if (x->kind == BK_LOG_AMBUSH && x->lone && x->success) {
                    /* a road held (armed_group.ambush.hold_hours) past the shorter run's end
                     * stops more tankers in the longer one, counted in the attack that began
                     * the hold: the same attack, at least as many losses */
                    assert_true(x->time_h == y->time_h && x->segment == y->segment &&
                                x->cell == y->cell && y->destroyed >= x->destroyed &&
                                y->convoy_size >= x->convoy_size);
                    continue;
                }
                assert_memory_equal(x, y, sizeof *x);
            }
            bk_run_free(a);
            bk_run_free(b);
        }
    bk_scenario_free(scs[0]);
    bk_scenario_free(scs[1]);
}

/* The warm-up is scenario.warmup_days long, and it starts with the corridors' tankers
 * interleaved in their ports' queues: without a warm-up, the default scenario's Dakar port
 * loads for Dakar north (900 tankers) and Dakar south (300) from its first hour, three to one,
 * and nothing reaches the city on day 0; after 20 days of normal traffic, fuel arrives on day 0. */
static void test_warmup_length_and_queue_order(void **state)
{
    (void)state;
    bk_scenario *none = bk_test_load_default(), *some = bk_test_load_default();
    bk_error err = {0};
    assert_int_equal(bk_scenario_set(none, "scenario.warmup_days", 0, &err), BK_OK);
    assert_int_equal(bk_scenario_set(some, "scenario.warmup_days", 20, &err), BK_OK);
    for (uint64_t seed = 1; seed <= 2; seed++) {
        bk_run *a = bk_test_run(none, seed, 1), *b = bk_test_run(some, seed, 1);
        double north = bk_test_sum_days(a, "dispatched_dakar_north", 0, 1);
        double south = bk_test_sum_days(a, "dispatched_dakar_south", 0, 1);
        if (!(south >= 10 && fabs(north - 3 * south) <= 4))
            fail_msg("seed %d: day 0 sent %.0f tankers north and %.0f south, not 3 to 1",
                     (int)seed, north, south);
        assert_true(bk_test_sum_days(a, "deliveries", 0, 1) == 0);
        assert_true(bk_test_sum_days(b, "deliveries", 0, 1) > 0);
        bk_run_free(a);
        bk_run_free(b);
    }
    bk_scenario_free(none);
    bk_scenario_free(some);
}

/* No threat, ports far faster than the fleet: deliveries per day must equal fleet / mean cycle
 * time (Little's law), with the mean cycle computed from the scenario by hand:
 *  west:  2 × (300/45 + 200/35 + 120/35) h driving + 2 × 15 h border + 30 h unloading
 *         + 24/1000 h loading = 91.64 h;  150 tankers → 39.28 tankers/day
 *  south: 2 × (350/45 + 150/35 + 160/35) + 2 × 24 + 30 + 0.024 = 111.29 h; 90 → 19.41/day */
static void test_littles_law_without_threat(void **state)
{
    (void)state;
    bk_scenario *sc = bk_test_load_and_free(port_rates(bk_test_quiet_world(""), "1000", "1000"));
    double west = 0, south = 0;
    const int seeds = 4, from = 5, to = 60;
    for (uint64_t seed = 1; seed <= (uint64_t)seeds; seed++) {
        bk_run *run = run_seed(sc, seed);
        bk_run_totals t;
        bk_run_get_totals(run, &t);
        assert_int_equal(t.attacks_attempted, 0);
        assert_int_equal(t.tankers_destroyed + t.tankers_captured, 0);
        west += bk_test_sum_days(run, "arrivals_west", from, to);
        south += bk_test_sum_days(run, "arrivals_south", from, to);
        bk_run_free(run);
    }
    double days = (double)seeds * (to - from);
    double w = west / days, s = south / days;
    double w_expect = 150 * 24 / 91.644, s_expect = 90 * 24 / 111.294;
    if (fabs(w / w_expect - 1) > 0.03 || fabs(s / s_expect - 1) > 0.03)
        fail_msg("deliveries/day west %.2f (expected %.2f), south %.2f (expected %.2f)", w,
                 w_expect, s, s_expect);
    bk_scenario_free(sc);
}

/* Same world, two escort policies, common seeds: convoys escorted by many units are attacked
 * less and lose fewer tankers than convoys with one unit. */
static void test_escorts_deter_attacks(void **state)
{
    (void)state;
    char *text = without_timeline();
    text = bk_test_edit(text, "mode: threat", "mode: always");
    text = bk_test_edit_all(text, "units: 6", "units: 30");
    text = bk_test_edit_all(text, "units: 4", "units: 30");
    bk_scenario *sw = bk_test_load_edited(text, "escort_per_convoy: 2", "escort_per_convoy: 1");
    bk_scenario *ss = bk_test_load_edited(text, "escort_per_convoy: 2", "escort_per_convoy: 6");
    long att_w = 0, att_s = 0, lost_w = 0, lost_s = 0;
    for (uint64_t seed = 1; seed <= 20; seed++) {
        bk_run_totals ta, tb;
        bk_test_run_pair(sw, ss, seed, 0, &ta, &tb);
        att_w += ta.attacks_attempted - ta.lone_attacks;
        att_s += tb.attacks_attempted - tb.lone_attacks;
        lost_w += ta.tankers_destroyed + ta.tankers_captured;
        lost_s += tb.tankers_destroyed + tb.tankers_captured;
    }
    if (!(att_s < att_w && lost_s < lost_w))
        fail_msg("convoy attacks %ld (1 unit) vs %ld (6 units); lost %ld vs %ld", att_w, att_s,
                 lost_w, lost_s);
    bk_scenario_free(sw);
    bk_scenario_free(ss);
    free(text);
}

/* A scripted cut of the last leg of the west corridor stops west deliveries a few days in (the
 * tankers already past the cut are unloaded within 48 h), and they resume after it. */
static void test_road_cut_stops_traffic(void **state)
{
    (void)state;
    static const char cut[] = "timeline:\n  - {date: 2025-09-11, type: road_cut, "
                              "segment: [west_town, capital], hours: 240}\n";
    bk_scenario *sc = bk_test_load_and_free(bk_test_quiet_world(cut));
    bk_run *run = run_seed(sc, 3);
    assert_true(bk_test_sum_days(run, "arrivals_west", 0, 10) > 0);
    assert_true(bk_test_sum_days(run, "arrivals_west", 13, 20) == 0); /* cut: days 10..19 */
    assert_true(bk_test_sum_days(run, "arrivals_south", 13, 20) > 0);
    assert_true(bk_test_sum_days(run, "arrivals_west", 21, 30) > 0);
    assert_true(bk_test_sum_days(run, "segments_closed", 10, 11) >= 1);
    bk_run_free(run);
    bk_scenario_free(sc);
}

/* Without a campaign and with no interest in tankers outside one, nobody attacks; with the
 * campaign, attacks start only after its date. */
static void test_campaign_switches_attacks_on(void **state)
{
    (void)state;
    char *text = without_timeline();
    text = bk_test_edit(text, "pre_campaign_interest: 0.2", "pre_campaign_interest: 0");
    bk_scenario *sq = bk_test_load_edited(text, "  campaign_start: 2025-09-05", "");
    bk_scenario *sc = bk_test_load_and_free(text);
    for (uint64_t seed = 1; seed <= 5; seed++) {
        bk_run_totals ta, tb;
        bk_test_run_pair(sq, sc, seed, 0, &ta, &tb);
        assert_int_equal(ta.attacks_attempted, 0);
        assert_int_equal(ta.road_cuts, 0);
        assert_true(tb.attacks_attempted > 0);
        assert_true(tb.first_attack_day >= 4); /* campaign from 2025-09-05 = day 4 */
    }
    bk_scenario_free(sq);
    bk_scenario_free(sc);
}


/* More fuel never means more blackout: an airlift on top of the same deliveries (same seed; the
 * supply side does not depend on the city when the depot never fills) gives at most the same
 * blackout hours on every day. */
static void test_more_fuel_never_more_blackout(void **state)
{
    (void)state;
    /* both worlds lose the west port for 20 days, so that power is certainly short in the
     * first; the second also gets an airlift */
    const char *cut = "timeline:\n  - {date: 2025-09-04, type: supply_cut, port: west, factor: 0, "
                      "hours: 480}\n";
    char *base = bk_test_big_depot_world(cut);
    char *with = malloc(strlen(cut) + 200);
    assert_non_null(with);
    sprintf(with, "%s  - {date: 2025-09-02, type: airlift, litres_per_day: 400000, product: "
                  "gasoil}\n", cut);
    char *more = bk_test_big_depot_world(with);
    free(with);
    bk_scenario *sa = bk_test_load_and_free(base), *sb = bk_test_load_and_free(more);
    assert_true(sa->cityside.enabled);
    long better = bk_test_no_more_blackout(sa, sb, 10);
    assert_true(better > 0); /* the airlift did help on some days */
    bk_scenario_free(sa);
    bk_scenario_free(sb);
}

/* Both ports cut for 20 days, then restored: stocks run down, schools close and reopen without
 * flapping inside the hysteresis windows, the informal price rises and comes back to the
 * official price, and the city's litres balance. */
static void test_shortage_and_recovery(void **state)
{
    (void)state;
    char *text = bk_test_big_depot_world("timeline:\n"
                            "  - {date: 2025-09-04, type: supply_cut, port: west, factor: 0, "
                            "hours: 480}\n"
                            "  - {date: 2025-09-04, type: supply_cut, port: south, factor: 0, "
                            "hours: 480}\n");
    /* ports a third faster than usual, so that supply clearly exceeds demand once restored */
    bk_scenario *sc = bk_test_load_and_free(port_rates(text, "27", "16"));
    const bk_city_side *cs = &sc->cityside;
    int closures = 0;
    double initial = bk_test_initial_stock(sc);
    for (uint64_t seed = 1; seed <= 10; seed++) {
        bk_run *run = run_seed(sc, seed);
        bk_run_totals t;
        bk_run_get_totals(run, &t);
        assert_true(fabs(initial + t.delivered_l + t.airlifted_l - t.consumed_l -
                         t.final_stock_l) <= 1e-6 * (initial + t.delivered_l));
        assert_true(run->days <= 400);
        double open[400], ratio[400];
        bk_test_series(run, "schools_open", open, 400);
        bk_test_series(run, "price_ratio", ratio, 400);
        int d = 0, n = run->days;
        while (d < n) { /* walk the spells of equal state */
            int e = d;
            while (e < n && open[e] == open[d])
                e++;
            bool closed = open[d] == 0, first = d == 0, last = e == n;
            if (closed && !last && e - d < cs->school_reopen_days)
                fail_msg("seed %llu: schools closed for %d days only (days %d-%d)",
                         (unsigned long long)seed, e - d, d, e - 1);
            if (!closed && !first && !last && e - d < cs->school_close_days)
                fail_msg("seed %llu: schools open for %d days only between closures",
                         (unsigned long long)seed, e - d);
            closures += closed;
            d = e;
        }
        double peak = 0;
        for (int k = 0; k < n; k++)
            peak = ratio[k] > peak ? ratio[k] : peak;
        assert_true(peak > 1.2);                    /* the shortage raised the informal price */
        assert_true(fabs(ratio[n - 1] - 1.0) < 0.05); /* and it came back once supply did */
        assert_true(t.first_stockout_day >= 0);
        bk_run_free(run);
    }
    assert_true(closures > 0);
    bk_scenario_free(sc);
}

/* Column names are tokens whatever the ids: lower case, '-' as '_'. */
static void test_column_names_are_tokens(void **state)
{
    (void)state;
    bk_scenario *sc = bk_test_load_and_free(bk_test_edit(
        bk_test_slurp(TWO), "  - id: west\n    name: West corridor",
        "  - id: West-1\n    name: West corridor"));
    bk_run *run = run_seed(sc, 1);
    assert_true(bk_test_col(run, "arrivals_west_1") >= 0);
    for (int c = 0; c < run->n_cols; c++)
        assert_true(strspn(run->cols[c].name, "abcdefghijklmnopqrstuvwxyz0123456789_") ==
                    strlen(run->cols[c].name));
    bk_run_free(run);
    bk_scenario_free(sc);
}

static void test_bad_config(void **state)
{
    (void)state;
    bk_scenario *sc = bk_test_load_file(TWO);
    bk_run_config cfg;
    bk_run_config_init(&cfg, sc);
    cfg.days = -1;
    bk_run *run = (bk_run *)&cfg; /* must be reset to NULL */
    bk_error err = {0};
    assert_int_equal(bk_sim_run(sc, &cfg, &run, &err), BK_ERR_USAGE);
    assert_null(run);
    assert_non_null(strstr(err.message, "days"));
    bk_scenario_free(sc);
}

BK_TEST_MAIN(test_conservation_many_seeds, test_same_seed_same_bytes, test_shorter_run_is_a_prefix,
             test_littles_law_without_threat, test_escorts_deter_attacks,
             test_road_cut_stops_traffic, test_campaign_switches_attacks_on,
             test_more_fuel_never_more_blackout, test_shortage_and_recovery,
             test_column_names_are_tokens, test_bad_config,
             test_warmup_length_and_queue_order)
