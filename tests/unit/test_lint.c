/* test_lint.c: the warnings of `blockade scenario check` (bk_scenario_lint), one case each on a
 * small scenario that draws none, and the ends of road cuts (`hours: end`, `until: DATE`). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bk_test.h"
#include "bk_test_model.h"
#include "bk_test_main.h"
#include "scenario/scenario.h"

static const char base_yaml[] =
    "blockade: 1\n"
    "scenario: {name: Lint, start_date: 2025-01-01, days: 30}\n"
    "products: [{id: diesel}, {id: petrol}]\n"
    "places:\n"
    "  - {id: port, kind: port, lat: 5, lon: -4}\n"
    "  - {id: border, kind: border, lat: 8, lon: -6}\n"
    "  - {id: town, kind: city, lat: 12, lon: -8}\n"
    "  - {id: lair, kind: town, lat: 11, lon: -7.5}\n"
    "segments:\n"
    "  - {from: port, to: border, length_km: 400, speed_kmh: 40}\n"
    "  - {from: border, to: town, length_km: 500, speed_kmh: 40}\n"
    "  - {from: town, to: lair, length_km: 60, speed_kmh: 40}\n"
    "ports: [{id: p, place: port, load_rate_per_day: 50, product_share: {diesel: 1}}]\n"
    "corridors:\n"
    "  - {id: only, port: p, path: [port, border, town], tankers: 200,\n"
    "     escort: {units: 4, strength: 10}}\n"
    "city: {place: town, depot_capacity_l: 10000000,\n"
    "       sectors: [{id: all, tier: 1, demand_l_per_day: {diesel: 1000000}}]}\n"
    "fleet: {tanker_capacity_l: 40000}\n"
    "policy: {convoy: {mode: always, escort_per_convoy: 2, escort_min: 1}}\n"
    "armed_group:\n"
    "  ambush: {base_logit: 0, ratio_coef: 1, cover_coef: 0, unescorted_success: 0.9,\n"
    "           min_success: 0.1, party_share: 0.5, destroy_share_mean: 0.3,\n"
    "           destroy_concentration: 4, capture_share: 0.5, kidnap_prob: 0.1,\n"
    "           escort_loss_success: 0.1, escort_loss_failure: 0.05, fighter_loss_success: 0.05,\n"
    "           fighter_loss_failure: 0.1, delay_hours: [1, 2], lone_burn_prob: 0.5}\n"
    "  cells: [{id: c1, home: border, reach_km: 100, strength: 50, intelligence: 0.5}]\n";

/* The scenario of text, named `name`; fails the test, showing the message, unless loading it gives
 * `want`. The error in *err. */
static bk_scenario *load_as(const char *text, const char *name, bk_status want, bk_error *err)
{
    bk_scenario *sc = NULL;
    memset(err, 0, sizeof *err);
    bk_status st = bk_scenario_load_string(text, strlen(text), name, &sc, err);
    if (st != want)
        print_error("%s\n", err->message);
    assert_int_equal(st, want);
    return sc;
}

/* Load base_yaml with one edit (find -> replace; NULL: none) and return its warnings, one a
 * line; *n gets their number. */
static char *warnings_of(const char *find, const char *replace, int *n)
{
    char *text = find ? bk_test_replace(base_yaml, find, replace) : strdup(base_yaml);
    assert_non_null(text);
    bk_error err;
    bk_scenario *sc = load_as(text, "lint.yaml", BK_OK, &err);
    char *buf = bk_test_lint(sc, n);
    bk_scenario_free(sc);
    free(text);
    return buf;
}

static void expect_one(const char *find, const char *replace, const char *substring)
{
    int n = -1;
    char *w = warnings_of(find, replace, &n);
    if (n != 1 || strstr(w, substring) == NULL)
        print_error("got %d warning(s):\n%s", n, w);
    assert_int_equal(n, 1);
    assert_non_null(strstr(w, "lint.yaml: warning: "));
    assert_non_null(strstr(w, substring));
    free(w);
}

static void clean_scenario_has_no_warning(void **state)
{
    (void)state;
    int n = -1;
    char *w = warnings_of(NULL, NULL, &n);
    if (n != 0)
        print_error("%s", w);
    assert_int_equal(n, 0);
    free(w);
}

/* One warning each: an edit of the clean scenario and the words expected. */
static void one_warning_each(void **state)
{
    (void)state;
    static const char *const cases[][3] = {
        {"escort: {units: 4, strength: 10}", "escort: {units: 0}",
         "corridor 'only': its escort pool (0 units) is below policy.convoy.escort_min (1)"},
        /* convoys forming at the border leave the stretch in the cell's reach to lone tankers;
         * in the clean scenario they form at the port */
        {"tankers: 200,", "tankers: 200, staging: border,",
         "convoys form at 'border', so tankers drive port -> border alone"},
        {"tankers: 200,", "tankers: 1,", "corridor 'only' can carry at most 21333 L/day"},
        {"{diesel: 1000000}", "{diesel: 1000000, petrol: 10}",
         "product 'petrol' is demanded but no port loads it"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_one(cases[i][0], cases[i][1], cases[i][2]);
}

static void timeline_entry_doing_nothing(void **state)
{
    (void)state;
    char add[512];
    snprintf(add, sizeof add, "%s", "fleet: {tanker_capacity_l: 40000}\n"
                                    "timeline:\n"
                                    "  - {date: 2025-01-05, type: night_ban, enabled: false}\n"
                                    "  - {date: 2025-01-06, type: campaign_end}\n"
                                    "  - {date: 2025-01-07, type: road_cut, segment: [town, lair],"
                                    " hours: 5}\n"
                                    "  - {date: 2025-01-08, type: convoy_mode, mode: off}\n");
    int n = -1;
    char *w = warnings_of("fleet: {tanker_capacity_l: 40000}\n", add, &n);
    assert_int_equal(n, 3);
    assert_non_null(strstr(w, "timeline entry of type night_ban (line 21) does nothing: the "
                              "setting already has that value"));
    BK_TEST_HAS_ALL(w, "campaign_end (line 22) does nothing: no campaign is on",
                    "road_cut (line 23) does nothing: no corridor's path uses");
    assert_null(strstr(w, "convoy_mode"));
    free(w);
}

/* The entries of people and dated events that change nothing, and one that does. */
static void new_entries_doing_nothing(void **state)
{
    (void)state;
    char add[1024];
    snprintf(add, sizeof add, "%s",
             "fleet: {tanker_capacity_l: 40000}\n"
             "timeline:\n"
             "  - {date: 2025-01-05, type: population, change: 1000}\n"
             "  - {date: 2025-01-06, type: ambush, segment: [town, lair], scale: 0.5}\n"
             "  - {date: 2025-01-07, type: river_closed, segments: [[town, lair]], hours: 5}\n"
             "  - {date: 2025-01-08, type: airfield_closed, place: lair, hours: 5}\n"
             "  - {date: 2025-01-09, type: ambush, place: border, scale: 0}\n"
             "  - {date: 2025-01-10, type: airfield_closed, place: town, hours: 5}\n");
    char *text = bk_test_replace(base_yaml, "fleet: {tanker_capacity_l: 40000}\n", add);
    assert_non_null(text);
    char *text2 = bk_test_replace(text, "city: {place: town,", "city: {place: town, population: 5,");
    assert_non_null(text2);
    bk_error err;
    bk_scenario *sc = load_as(text2, "lint.yaml", BK_OK, &err);
    int n = -1;
    char *buf = bk_test_lint(sc, &n);
    if (n != 5)
        fail_msg("got %d warning(s):\n%s", n, buf);
    BK_TEST_HAS_ALL(buf, "population (line 21) does nothing: no sector is per_capita",
                    "ambush (line 22) does nothing: no corridor's path uses any",
                    "river_closed (line 23) does nothing: no corridor's path uses",
                    "airfield_closed (line 24) does nothing: the place is neither the city",
                    "ambush (line 25) does nothing: a scale of 0 loses nothing");
    assert_null(strstr(buf, "line 26"));
    free(buf);
    bk_scenario_free(sc);
    free(text);
    free(text2);
}

static bk_scenario *with_cut(const char *cut, bk_status want)
{
    char add[256];
    snprintf(add, sizeof add, "fleet: {tanker_capacity_l: 40000}\ntimeline:\n  - %s\n", cut);
    char *text = bk_test_replace(base_yaml, "fleet: {tanker_capacity_l: 40000}\n", add);
    assert_non_null(text);
    bk_error err;
    bk_scenario *sc = load_as(text, "cut.yaml", want, &err);
    if (want != BK_OK)
        assert_non_null(strstr(err.message, "exactly one of 'hours'"));
    free(text);
    return sc;
}

static void road_cut_to_the_end_or_until_a_date(void **state)
{
    (void)state;
    bk_scenario *sc = with_cut("{date: 2025-01-05, type: road_cut, segment: [port, border], "
                               "hours: end}", BK_OK);
    assert_true(sc->timeline[0].hours == (30 - 4) * 24.0);   /* to the end of day 30 */
    bk_scenario_free(sc);
    sc = with_cut("{date: 2025-01-05, type: road_cut, segment: [port, border], "
                  "until: 2025-01-07}", BK_OK);
    assert_true(sc->timeline[0].hours == 48.0);
    bk_scenario_free(sc);
    assert_null(with_cut("{date: 2025-01-05, type: road_cut, segment: [port, border], "
                         "hours: 5, until: 2025-01-07}", BK_ERR_SCHEMA));
    assert_null(with_cut("{date: 2025-01-05, type: road_cut, segment: [port, border]}",
                         BK_ERR_SCHEMA));
}

BK_TEST_MAIN(clean_scenario_has_no_warning, one_warning_each, new_entries_doing_nothing,
             timeline_entry_doing_nothing, road_cut_to_the_end_or_until_a_date)
