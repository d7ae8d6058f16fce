/* test_towns.c: people and dated events. The population moves per-capita demand (doubling the
 * population doubles it, other sectors keep theirs); a replayed ambush strikes on its date, on
 * its segments, with its scale; a closed river segment carries nothing while closed; a closed
 * airfield takes no airlift; the loader's errors for the new entries; the shipped city cases load
 * and run deterministically. */
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
#include "model/city.h"
#include "model/run.h"
#include "scenario/scenario.h"

#define MAXD 400

/* The two-corridor test world with `sectors_edit` applied (may be NULL) and `timeline` in place
 * of its own. */
static char *world(const char *timeline, const char *from, const char *to)
{
    char *text = bk_test_big_depot_world(timeline);
    return from != NULL ? bk_test_edit(text, from, to) : text;
}

/* The scenario of world(timeline, from, to); fails the test if it does not load. */
static bk_scenario *load_world(const char *timeline, const char *from, const char *to)
{
    return bk_test_load_and_free(world(timeline, from, to));
}

#define run_seed(sc, seed) bk_test_run_checked(sc, seed)

#define series(run, name, buf) bk_test_series(run, name, buf, MAXD)

static const char *const ESSENTIAL = "{id: essential, name: Essential services, tier: 1, "
                                     "priority: true,";
static const char *const ESSENTIAL_PC = "{id: essential, name: Essential services, tier: 1, "
                                        "priority: true, per_capita: true,";

/* Doubling the population doubles a per-capita sector's demand from that day on and leaves the
 * other sectors' demand as it was (the depot never runs short in this world). */
static void test_population_doubles_per_capita_demand(void **state)
{
    (void)state;
    static const char *const doubled =
        "timeline:\n  - {date: 2025-09-11, type: population, people: 4000000}\n";
    /* the third: the same entry, no per-capita sector */
    bk_scenario *sc[3] = {load_world("timeline: []\n", ESSENTIAL, ESSENTIAL_PC),
                          load_world(doubled, ESSENTIAL, ESSENTIAL_PC),
                          load_world(doubled, NULL, NULL)};
    static double demand[3][MAXD];
    const double *a = demand[0], *b = demand[1], *c3 = demand[2];
    for (uint64_t seed = 1; seed <= 3; seed++) {
        bk_run *r[3];
        for (int k = 0; k < 3; k++) {
            r[k] = run_seed(sc[k], seed);
            series(r[k], "demand_essential_l", demand[k]);
        }
        for (int d = 0; d < r[0]->days; d++) {
            double want = d < 10 ? a[d] : 2.0 * a[d];
            assert_true(a[d] > 0);
            if (fabs(b[d] - want) > 1e-9 * want)
                fail_msg("seed %llu day %d: per-capita demand %.17g, want %.17g",
                         (unsigned long long)seed, d, b[d], want);
            assert_true(c3[d] == a[d]); /* not per capita: the population changes nothing */
        }
        for (int k = 0; k < 3; k++)
            bk_run_free(r[k]);
    }
    for (int k = 0; k < 3; k++)
        bk_scenario_free(sc[k]);
}

/* The population of a day: sets, arrivals spread over days, departures, never negative. */
static void test_population_by_day(void **state)
{
    (void)state;
    bk_scenario *sc =
        load_world("timeline:\n"
                   "  - {date: 2025-09-03, type: population, change: 100000, days: 4}\n"
                   "  - {date: 2025-09-11, type: population, change: -50000}\n"
                   "  - {date: 2025-09-21, type: population, people: 1000}\n"
                   "  - {date: 2025-09-22, type: population, change: -5000}\n",
                   NULL, NULL);
    assert_true(bki_city_population(sc, 0) == 2000000);
    assert_true(bki_city_population(sc, 1) == 2000000);
    assert_true(fabs(bki_city_population(sc, 2) - 2025000) < 1e-6); /* a quarter on its first day */
    assert_true(fabs(bki_city_population(sc, 3) - 2050000) < 1e-6);
    assert_true(fabs(bki_city_population(sc, 5) - 2100000) < 1e-6);
    assert_true(fabs(bki_city_population(sc, 9) - 2100000) < 1e-6);
    assert_true(fabs(bki_city_population(sc, 10) - 2050000) < 1e-6);
    assert_true(bki_city_population(sc, 20) == 1000);
    assert_true(bki_city_population(sc, 21) == 0); /* more leave than there are */
    bk_scenario_free(sc);
}

/* A replayed ambush strikes once, within its window, on one of its segments, a loaded target
 * of the kind asked, and loses round(scale x tankers) of them; every seed. */
static void test_ambush_replay(void **state)
{
    (void)state;
    static const double scales[] = {0.0, 0.5, 1.0};
    for (int k = 0; k < 3; k++) {
        char tl[256];
        snprintf(tl, sizeof tl,
                 "timeline:\n  - {date: 2025-09-06, type: ambush, segment: [west_town, capital], "
                 "scale: %g, hours: 240, note: replay}\n",
                 scales[k]);
        bk_scenario *sc = load_world(tl, NULL, NULL);
        int seg = bki_scenario_find_segment(sc, bki_scenario_find_place(sc, "west_town"),
                                            bki_scenario_find_place(sc, "capital"));
        for (uint64_t seed = 1; seed <= 5; seed++) {
            bk_run *run = run_seed(sc, seed);
            int n = 0;
            for (int i = 0; i < run->n_log; i++) {
                const bk_log_entry *e = &run->log[i];
                if (e->kind != BK_LOG_AMBUSH || e->cell != -1)
                    continue;
                n++;
                assert_int_equal(e->segment, seg);
                assert_true(e->time_h >= 5 * 24.0 && e->time_h <= 5 * 24.0 + 240.0 + 48.0);
                assert_true(e->success && e->loaded);
                assert_int_equal(e->destroyed + e->captured,
                                 (int)lround(scales[k] * e->convoy_size));
                assert_string_equal(e->note, "replay");
            }
            assert_int_equal(n, 1);
            bk_run_free(run);
        }
        bk_scenario_free(sc);
    }
}

/* `place:` names every segment meeting there; `target: convoy` strikes convoys only. */
static void test_ambush_place_and_target(void **state)
{
    (void)state;
    bk_scenario *sc =
        load_world("timeline:\n  - {date: 2025-09-06, type: ambush, place: west_town, "
                   "scale: 1, hours: 1000, target: convoy}\n",
                   NULL, NULL);
    const bk_timeline_event *te = &sc->timeline[0];
    assert_int_equal(te->n_segs, 3); /* from the border, to the capital, to the south town */
    int wt = bki_scenario_find_place(sc, "west_town");
    for (int k = 0; k < te->n_segs; k++)
        assert_true(sc->segments[te->segs[k]].from == wt || sc->segments[te->segs[k]].to == wt);
    int struck = 0;
    for (uint64_t seed = 1; seed <= 5; seed++) {
        bk_run *run = run_seed(sc, seed);
        for (int i = 0; i < run->n_log; i++) {
            const bk_log_entry *e = &run->log[i];
            if (e->kind != BK_LOG_AMBUSH || e->cell != -1)
                continue;
            assert_false(e->lone);
            assert_int_equal(e->destroyed + e->captured, e->convoy_size); /* scale 1: all */
            struck++;
        }
        bk_run_free(run);
    }
    assert_true(struck >= 1 && struck <= 5); /* one claim per entry and run, and it happened */
    bk_scenario_free(sc);
}

/* A closed river segment carries nothing while closed: the west corridor's only way into the
 * city is closed from day 4 to the end, so no west tanker arrives once the drives planned
 * before the closure are done; without the closure they keep arriving. */
static void test_river_closed_carries_nothing(void **state)
{
    (void)state;
    bk_scenario *s0 = load_world("timeline: []\n", NULL, NULL);
    bk_scenario *s1 = load_world("timeline:\n  - {date: 2025-09-05, type: river_closed, segments: "
                                 "[[west_town, capital]], hours: end}\n",
                                 NULL, NULL);
    static double a0[MAXD], a1[MAXD];
    for (uint64_t seed = 1; seed <= 3; seed++) {
        bk_run *r0 = run_seed(s0, seed), *r1 = run_seed(s1, seed);
        series(r0, "arrivals_west", a0);
        series(r1, "arrivals_west", a1);
        double open = 0;
        for (int d = 15; d < r1->days; d++) {
            assert_true(a1[d] == 0);
            open += a0[d];
        }
        assert_true(open > 0);
        bk_run_free(r0);
        bk_run_free(r1);
    }
    bk_scenario_free(s0);
    bk_scenario_free(s1);
}

/* A closed airfield at the city takes no airlift for its hours, and the airlift resumes. */
static void test_airfield_closed_no_airlift(void **state)
{
    (void)state;
    bk_scenario *sc = load_world(
        "timeline:\n"
        "  - {date: 2025-09-02, type: airlift, litres_per_day: 100000, product: gasoil}\n"
        "  - {date: 2025-09-10, type: airfield_closed, place: capital, hours: 72}\n"
        "  - {date: 2025-09-20, type: airfield_closed, place: capital, hours: 12}\n",
        NULL, NULL);
    static double air[MAXD];
    bk_run *run = run_seed(sc, 1);
    series(run, "airlift_l", air);
    for (int d = 1; d < run->days; d++) {
        double want = d >= 9 && d <= 11 ? 0.0 : d == 19 ? 50000.0 : 100000.0;
        if (fabs(air[d] - want) > 1e-6)
            fail_msg("day %d: airlift %g L, want %g L", d, air[d], want);
    }
    bk_run_free(run);
    bk_scenario_free(sc);
}

static void expect_error(const char *timeline, const char *from, const char *to, const char *want)
{
    char *t = world(timeline, from, to);
    if (strstr(want, "must be given") != NULL) { /* and a per-capita sector */
        char *r = bk_test_replace(t, ESSENTIAL, ESSENTIAL_PC);
        assert_non_null(r);
        free(t);
        t = r;
    }
    bk_error err = bk_test_load_error(t, want);
    if (err.line <= 0)
        fail_msg("no line in the error '%s'", err.message);
    free(t);
}

static void test_bad_entries(void **state)
{
    (void)state;
    expect_error("timeline:\n  - {date: 2025-09-05, type: population, people: 5, change: 3}\n",
                 NULL, NULL, "exactly one of 'people'");
    expect_error("timeline:\n  - {date: 2025-09-05, type: population, people: 5, days: 3}\n",
                 NULL, NULL, "only a 'change' is spread");
    expect_error("timeline:\n  - {date: 2025-09-05, type: ambush, segment: [west_port, capital], "
                 "scale: 0.5}\n",
                 NULL, NULL, "no segment joins 'west_port' and 'capital'");
    expect_error("timeline:\n  - {date: 2025-09-05, type: ambush, segment: [west_town, capital], "
                 "scale: 1.5}\n",
                 NULL, NULL, "scale");
    expect_error("timeline:\n  - {date: 2025-09-05, type: ambush, scale: 0.5}\n", NULL, NULL,
                 "exactly one of 'segment'");
    expect_error("timeline:\n  - {date: 2025-09-05, type: river_closed, segments: [[west_town, "
                 "capital], [capital, west_town]], hours: 5}\n",
                 NULL, NULL, "the same segment twice");
    expect_error("timeline:\n  - {date: 2025-09-05, type: airfield_closed, place: nowhere, "
                 "hours: 5}\n",
                 NULL, NULL, "nowhere");
    expect_error("timeline: []\n", "  population: 2000000            # people\n", "",
                 "city.population must be given");
    expect_error("timeline:\n  - {date: 2025-09-05, type: population, change: 5}\n",
                 "  population: 2000000            # people\n", "",
                 "a population entry needs city.population");
}

/* The shipped city cases load without a warning and give the same bytes for the same seed. */
static void test_cases_deterministic(void **state)
{
    (void)state;
    static const char *const files[] = {"scenarios/kathmandu-2015.yaml",
                                        "scenarios/mekelle-2021.yaml"};
    for (int f = 0; f < 2; f++) {
        char *path = bk_test_source_path(files[f]);
        assert_non_null(path);
        bk_scenario *sc = NULL;
        bk_error err = {0};
        if (bk_scenario_load_file(path, &sc, &err) != BK_OK)
            fail_msg("%s did not load: %s", files[f], err.message);
        int warnings = -1;
        free(bk_test_lint(sc, &warnings));
        assert_int_equal(warnings, 0); /* `scenario check` says nothing */
        bk_run *a = run_seed(sc, 11), *b = run_seed(sc, 11);
        assert_int_equal(a->days, sc->days);
        bk_test_assert_same_daily(a, b);
        bk_run_free(a);
        bk_run_free(b);
        bk_scenario_free(sc);
        free(path);
    }
}

BK_TEST_MAIN(test_population_doubles_per_capita_demand, test_population_by_day, test_ambush_replay,
             test_ambush_place_and_target, test_river_closed_carries_nothing,
             test_airfield_closed_no_airlift, test_bad_entries, test_cases_deterministic)
