/* test_modes.c: transport modes and vehicle classes (docs/model/modes.md). A river segment, an
 * air link and a road segment are each used by their own class, attacked by the same armed
 * group and costed; routing never puts a vehicle on a mode it cannot use; litres are conserved
 * per mode; a class equal to the built-in road tanker changes nothing; the story's words follow
 * the class; bad mode keys are refused at load time. */
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

#include "bk_test.h"
#include "bk_test_model.h"
#include "bk_test_main.h"

#define RIVER_AIR BK_SOURCE_DIR "/scenarios/test/river-air.yaml"
#define TWO       BK_SOURCE_DIR "/scenarios/test/two-corridors.yaml"

/* The text of the test town (RIVER_AIR), read once for the group. */
static char *river_air;

static int setup(void **state)
{
    (void)state;
    river_air = bk_test_read_file(RIVER_AIR, NULL);
    return river_air ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    free(river_air);
    river_air = NULL;
    return 0;
}

/* Replication 0 of sc with `seed`, with the default configuration: it checks the run's
 * invariants every day, among them per-mode conservation and vehicles on their own modes. */
static bk_run *run_seed(const bk_scenario *sc, uint64_t seed)
{
    return bk_test_run(sc, seed, 0);
}

static int segment_mode(const bk_scenario *sc, int seg)
{
    return seg >= 0 && seg < sc->n_segments ? sc->segments[seg].mode : -1;
}

/* The test town over 12 seeds: every run delivers and costs by each of the three modes; over the
 * seeds the one cell attacks road, river and air (the airfield), closes the airfield, and every
 * attack on a corridor's vehicles is on a segment of its own class's mode. Air costs more per
 * litre than road (12 times per tonne-km in the file). */
static void river_road_air_used_attacked_costed(void **state)
{
    (void)state;
    bk_scenario *sc = bk_test_load_text(river_air);
    bk_run_config cfg;
    bk_run_config_init(&cfg, sc);
    assert_true(cfg.check_invariants); /* per-mode conservation and modes are checked daily */
    assert_int_equal(sc->segments[4].mode, BK_MODE_RIVER);
    assert_int_equal(sc->segments[5].mode, BK_MODE_AIR);
    long attacks[BK_N_MODES] = {0}, closures = 0;
    double road_cpl = 0, air_cpl = 0;
    static const int corridor_mode[3] = {BK_MODE_ROAD, BK_MODE_RIVER, BK_MODE_AIR};
    for (uint64_t seed = 1; seed <= 12; seed++) {
        bk_run *run = run_seed(sc, seed);
        bk_run_totals t;
        bk_run_get_totals(run, &t);
        assert_true(t.modes_used);
        for (int k = 0; k < BK_N_MODES; k++) {
            assert_true(t.delivered_mode_l[k] > 0);
            assert_true(t.cost_mode[k] > 0);
        }
        double sum = t.delivered_mode_l[0] + t.delivered_mode_l[1] + t.delivered_mode_l[2];
        assert_true(fabs(sum - t.delivered_l) <= 1e-9 * t.delivered_l);
        assert_true(fabs(t.cost_total - t.cost_mode[0] - t.cost_mode[1] - t.cost_mode[2]) <=
                    1e-9 * t.cost_total);
        road_cpl += t.cost_mode[0] / t.delivered_mode_l[0];
        air_cpl += t.cost_mode[2] / t.delivered_mode_l[2];
        for (int i = 0; i < run->n_log; i++) {
            const bk_log_entry *e = &run->log[i];
            if (e->kind == BK_LOG_AIRFIELD_CLOSED)
                closures++;
            if (e->kind != BK_LOG_AMBUSH)
                continue;
            int mode = segment_mode(sc, e->segment);
            assert_true(mode >= 0);
            assert_int_equal(mode, corridor_mode[e->corridor]);
            attacks[mode]++;
        }
        /* the daily mode columns add up to the totals */
        int cd = bk_test_col(run, "delivered_air_l");
        assert_true(cd >= 0);
        double air = 0;
        for (int d = 0; d < run->days; d++)
            air += run->daily[(size_t)d * run->n_cols + cd];
        assert_true(fabs(air - t.delivered_mode_l[2]) <= 1e-6 * (air + 1));
        bk_run_free(run);
    }
    for (int k = 0; k < BK_N_MODES; k++)
        if (attacks[k] == 0)
            fail_msg("no attack on mode %d over 12 seeds", k);
    assert_true(closures > 0);
    assert_true(air_cpl > 5.0 * road_cpl);
    bk_scenario_free(sc);
}

/* Property: whatever the weight of risk and the seed, risk-aware routing never puts a vehicle on
 * a mode its class cannot use. The road tankers' fastest way runs over the air link (road to the
 * air hub, then 240 km at 400 km/h); the daily invariant 'vehicles on their own modes' fails the
 * run if one is ever routed there, and no attack on the road corridor may fall off the road. */
static void routing_respects_modes(void **state)
{
    (void)state;
    static const char *const weights[] = {"risk_weight: 0.0", "risk_weight: 2.0",
                                          "risk_weight: 50.0"};
    for (int w = 0; w < 3; w++) {
        bk_scenario *sc = bk_test_load_edited(river_air, "risk_weight: 2.0", weights[w]);
        for (uint64_t seed = 1; seed <= 8; seed++) {
            bk_run *run = run_seed(sc, seed);
            for (int i = 0; i < run->n_log; i++)
                if (run->log[i].kind == BK_LOG_AMBUSH && run->log[i].corridor == 0)
                    assert_int_equal(segment_mode(sc, run->log[i].segment), BK_MODE_ROAD);
            bk_run_free(run);
        }
        bk_scenario_free(sc);
    }
}

/* The daily check 'vehicles on their own modes' catches a road tanker routed on a river: a
 * segment of the south corridor's fixed route turned into a river behind the loader's back (the
 * loader would refuse it) stops the run with the law named, while the same scenario untouched
 * runs. Each route is checked once per corridor and day, so this also shows that the shortcut
 * keeps the check. */
static void own_modes_invariant_fires(void **state)
{
    (void)state;
    bk_scenario *sc = bk_test_load_file(TWO);
    bk_run_free(run_seed(sc, 1)); /* untouched, it runs */
    int seg = -1;
    for (int s = 0; s < sc->n_segments; s++)
        if (strcmp(sc->places[sc->segments[s].from].id, "south_border") == 0 &&
            strcmp(sc->places[sc->segments[s].to].id, "south_town") == 0)
            seg = s;
    assert_true(seg >= 0);
    sc->segments[seg].mode = BK_MODE_RIVER;
    bk_run_config cfg;
    bk_run_config_init(&cfg, sc);
    cfg.seed = 1;
    cfg.days = 5;
    bk_run *run = NULL;
    bk_error err = {0};
    assert_int_equal(bk_sim_run(sc, &cfg, &run, &err), BK_ERR_INVARIANT);
    assert_null(run);
    if (strstr(err.message, "vehicles on their own modes") == NULL ||
        strstr(err.message, "south_border") == NULL)
        fail_msg("unexpected message: %s", err.message);
    bk_scenario_free(sc);
}

/* A class that is the built-in road tanker by another name changes no series: the two-corridor
 * scenario's columns are the same day by day (the mode and cost columns come on top). */
static void explicit_tanker_class_changes_nothing(void **state)
{
    (void)state;
    char *text = bk_test_slurp(TWO);
    bk_scenario *base = bk_test_load_text(text);
    bk_scenario *cls = bk_test_load_and_free(BK_TEST_EDITS(
        text,
        "corridors:\n",
        "vehicles:\n  - {id: tk, kind: road_tanker, capacity_l: 45000}\ncorridors:\n",
        "    port: west\n", "    port: west\n    vehicle: tk\n",
        "    port: south\n", "    port: south\n    vehicle: tk\n"));
    assert_int_equal(cls->n_vehicles, 1);
    assert_int_equal(cls->corridors[1].vehicle, 0);
    for (uint64_t seed = 1; seed <= 3; seed++) {
        bk_run *a = run_seed(base, seed), *b = run_seed(cls, seed);
        assert_true(b->n_cols > a->n_cols);
        assert_int_equal(bk_test_col(a, "cost"), -1);
        for (int d = 0; d < a->days; d++)
            for (int c = 0; c < a->n_cols; c++) {
                assert_string_equal(a->cols[c].name, b->cols[c].name);
                double x = a->daily[(size_t)d * a->n_cols + c];
                double y = b->daily[(size_t)d * b->n_cols + c];
                if (memcmp(&x, &y, sizeof x) != 0)
                    fail_msg("seed %llu day %d column %s: %.17g != %.17g",
                             (unsigned long long)seed, d, a->cols[c].name, x, y);
            }
        bk_run_free(a);
        bk_run_free(b);
    }
    bk_scenario_free(base);
    bk_scenario_free(cls);
}

/* Low water: barges slowed to a quarter all year deliver less by river than at full speed (with
 * a demand that takes whatever arrives, so that the depot never makes vehicles wait). */
static void river_speed_by_month_slows_barges(void **state)
{
    (void)state;
    static const char demand[] = "demand_l_per_day: {gasoil: 300000}",
                      more_demand[] = "demand_l_per_day: {gasoil: 3000000}";
    bk_scenario *fast = bk_test_load_edited(river_air, demand, more_demand);
    bk_scenario *slow = bk_test_load_and_free(BK_TEST_EDITS(
        strdup(river_air),
        demand, more_demand,
        "speed_by_month: [1.0, 0.8, 0.6, 0.5, 0.5, 0.7, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]",
        "speed_by_month: [0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, "
        "0.25, 0.25]"));
    double f = 0, s = 0;
    for (uint64_t seed = 1; seed <= 4; seed++) {
        bk_run_totals ta, tb;
        bk_test_run_pair(fast, slow, seed, 0, &ta, &tb);
        f += ta.delivered_mode_l[BK_MODE_RIVER];
        s += tb.delivered_mode_l[BK_MODE_RIVER];
    }
    if (!(s < 0.7 * f))
        fail_msg("river litres: %.0f at a quarter of the speed, %.0f at full speed", s, f);
    bk_scenario_free(fast);
    bk_scenario_free(slow);
}

/* The story says "vehicles" for mixed classes and "boats" for a river-only town, and has a cost
 * line; the default wording stays "tankers". */
static void story_words_follow_the_class(void **state)
{
    (void)state;
    bk_scenario *sc = bk_test_load_text(river_air);
    bk_run *run = run_seed(sc, 1);
    bk_test_capture cap;
    assert_int_equal(bk_run_write_story(run, bk_test_capture_open(&cap)), BK_OK);
    char *buf = bk_test_capture_close(&cap);
    BK_TEST_HAS_ALL(buf, "Vehicles: ", "Cost: ", "boats delivered", "aircraft delivered",
                    "tankers delivered");
    assert_null(strstr(buf, "Tankers: "));
    free(buf);
    bk_run_free(run);
    bk_scenario_free(sc);
}

/* Bad mode keys: a corridor on a mode its class cannot use, an air link to a place that is no
 * airfield, an unknown vehicle class, an unknown mode word. */
static void bad_mode_keys_refused(void **state)
{
    (void)state;
    static const char *const cases[][3] = {
        {"vehicle: barge", "vehicle: tanker",
         "corridor 'river': leg river_port -> town is river, which vehicle class 'tanker' cannot "
         "use"},
        {"lon: -3.0,\n     airfield: {sorties_per_day: 4, closure_hours: 72, defence: 10}}",
         "lon: -3.0}", "is an air link but place 'town' is not an airfield"},
        {"vehicle: plane", "vehicle: zeppelin", "unknown vehicle class 'zeppelin'"},
        {"mode: river", "mode: canal", "canal"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *t = bk_test_edit(strdup(river_air), cases[i][0], cases[i][1]);
        bk_test_load_fails(t, cases[i][2]);
        free(t);
    }
}

/* The town's airfield limits flights: with 2 sorties a day (one flight in, one out) at most one
 * aircraft load lands a day; with 8 the same three aircraft bring more. No threat here, so that
 * nothing but the sorties limits the airlift. */
static void sorties_limit_flights(void **state)
{
    (void)state;
    char *text = BK_TEST_EDITS(strdup(river_air),
                               "intelligence: 0.15", "intelligence: 0.0",
                               "loss_per_sortie: 0.01", "loss_per_sortie: 0.0");
    bk_scenario *a = bk_test_load_edited(text, "sorties_per_day: 4,", "sorties_per_day: 2,");
    bk_scenario *b = bk_test_load_edited(text, "sorties_per_day: 4,", "sorties_per_day: 8,");
    for (uint64_t seed = 1; seed <= 3; seed++) {
        bk_run_totals ta, tb;
        int days = bk_test_run_pair(a, b, seed, 0, &ta, &tb);
        assert_int_equal(ta.attacks_attempted, 0);
        /* one landing a day, plus one already in the air at the start */
        assert_true(ta.delivered_mode_l[BK_MODE_AIR] <= (days + 1) * 15000.0);
        assert_true(ta.delivered_mode_l[BK_MODE_AIR] >= 0.5 * days * 15000.0);
        assert_true(tb.delivered_mode_l[BK_MODE_AIR] > 1.5 * ta.delivered_mode_l[BK_MODE_AIR]);
    }
    bk_scenario_free(a);
    bk_scenario_free(b);
    free(text);
}

/* scenario check: the test town is clean; an unused class and a lone airfield are warned of. */
static void lint_of_modes(void **state)
{
    (void)state;
    bk_scenario *sc = bk_test_load_text(river_air);
    int count = -1;
    free(bk_test_lint(sc, &count));
    assert_int_equal(count, 0);
    bk_scenario_free(sc);
    sc = bk_test_load_and_free(BK_TEST_EDITS(
        strdup(river_air),
        "vehicles:\n", "vehicles:\n  - {id: spare, kind: helicopter, capacity_l: 2000}\n",
        "  - {id: road_town,",
        "  - {id: strip, kind: town, lat: 13.5, lon: -2.0,\n"
        "     airfield: {sorties_per_day: 2}}\n  - {id: road_town,"));
    char *buf = bk_test_lint(sc, &count);
    assert_int_equal(count, 2);
    BK_TEST_HAS_ALL(buf, "vehicle class 'spare' serves no corridor",
                    "place 'strip' is an airfield but no air segment ends there");
    free(buf);
    bk_scenario_free(sc);
}

BK_TEST_MAIN_GROUP("modes", setup, teardown, river_road_air_used_attacked_costed,
                   routing_respects_modes, explicit_tanker_class_changes_nothing,
                   river_speed_by_month_slows_barges, story_words_follow_the_class,
                   bad_mode_keys_refused, lint_of_modes, sorties_limit_flights,
                   own_modes_invariant_fires)
