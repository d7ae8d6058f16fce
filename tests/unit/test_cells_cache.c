/* test_cells_cache.c: what the model keeps instead of recomputing gives what a computation from
 * scratch gives. The cells' reach (m->reach, seg_cells, seg_ncells) is recomputed only for the
 * cells that moved, with one cosine per cell, and the segments each cell may drift toward are
 * listed once (docs/benchmarks.md, "Reach and drift"): bki_cells_cache_fresh compares them with
 * bki_point_segment_km and bki_km called segment by segment, after cells drift, after a cell is
 * moved by hand, on roads, rivers and air links. The census of the fleet made in one pass with
 * the daily checks gives the same series as the census alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "bk_test_main.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "blockade/sim.h" /* not blockade.h: its bk_event (calibration) is not the queue's */
#include "engine/alloc.h"
#include "model/model.h"

#define RIVER_AIR BK_SOURCE_DIR "/scenarios/test/river-air.yaml"
#define TWO       BK_SOURCE_DIR "/scenarios/test/two-corridors.yaml"

/* The part of a model that the network and the cells need (as sim.c's model_init sets it up). */
static void model_open(bk_model *m, const bk_scenario *sc)
{
    memset(m, 0, sizeof *m);
    m->sc = sc;
    m->seed = 7;
    m->free_mover = -1;
    assert_int_equal(bki_queue_init(&m->q, 64), BK_OK);
    m->corr = bki_calloc((size_t)sc->n_corridors, sizeof *m->corr);
    assert_non_null(m->corr);
    for (int c = 0; c < sc->n_corridors; c++)
        m->corr[c].route = -1;
    assert_int_equal(bki_network_init(m), BK_OK);
    assert_int_equal(bki_cells_init(m), BK_OK);
}

static void model_close(bk_model *m)
{
    bki_network_release(m);
    bki_free(m->corr);
    bki_cells_release(m);
    bki_queue_release(&m->q);
}

static bk_scenario *load(const char *path)
{
    bk_scenario *sc = NULL;
    bk_error err = {0};
    bk_status st =
        path ? bk_scenario_load_file(path, &sc, &err) : bk_scenario_load_default(&sc, &err);
    if (st != BK_OK)
        fail_msg("%s: %s", path ? path : "default", err.message);
    return sc;
}

/* The default scenario's cells drift (inertia below 1) toward the busiest, least protected
 * segments: after every drift the cache equals the recomputation, and the reach does change
 * over the drifts (else the test would prove nothing). */
static void fresh_after_drifts(void **state)
{
    (void)state;
    bk_scenario *sc = load(NULL);
    assert_true(sc->group.n_cells > 0);
    assert_true(sc->group.drift_inertia < 1.0);
    bk_model m;
    model_open(&m, sc);
    assert_true(bki_cells_cache_fresh(&m));
    size_t nr = (size_t)sc->group.n_cells * (size_t)sc->n_segments;
    uint8_t *first = malloc(nr);
    assert_non_null(first);
    memcpy(first, m.reach, nr);
    double lat0 = m.cells[0].lat;
    bk_rng rng;
    bki_rng_init(&rng, 11, 0, 0, 0);
    bool reach_changed = false;
    for (int k = 0; k < 300; k++) {
        /* traffic and escorts that move around the network, so the cells' targets change */
        for (int s = 0; s < sc->n_segments; s++) {
            m.segs[s].traffic = 100.0 * bki_rng_uniform(&rng);
            m.segs[s].protect = 10.0 * bki_rng_uniform(&rng);
        }
        m.now = 24.0 * k;
        bki_ev_drift(&m, NULL);
        assert_true(bki_cells_cache_fresh(&m));
        reach_changed = reach_changed || memcmp(first, m.reach, nr) != 0;
    }
    assert_true(m.cells[0].lat != lat0);
    assert_true(reach_changed);
    free(first);
    model_close(&m);
    bk_scenario_free(sc);
}

/* Runs check on each scenario the tests below use: the default one, the river-and-air one
 * (whose cell has a road, a river and an airfield in reach) and the two-corridor one. */
static void on_each_scenario(void (*check)(const bk_scenario *sc))
{
    const char *paths[] = {NULL, RIVER_AIR, TWO};
    for (int f = 0; f < 3; f++) {
        bk_scenario *sc = load(paths[f]);
        check(sc);
        bk_scenario_free(sc);
    }
}

/* A cell moved without bki_cells_update_reach is seen as stale (the check works); the update
 * makes the cache fresh again; a cell moved away and back to the same position keeps a valid
 * row. */
static void stale_when_moved(const bk_scenario *sc)
{
    bk_model m;
    model_open(&m, sc);
    assert_true(bki_cells_cache_fresh(&m));
    bool seen_stale = false;
    for (int c = 0; c < sc->group.n_cells; c++) {
        bk_cell_state *cs = &m.cells[c];
        double lat = cs->lat, lon = cs->lon;
        /* every place in turn, then halfway between the cell and each place */
        for (int p = 0; p < 2 * sc->n_places; p++) {
            const bk_place *pl = &sc->places[p % sc->n_places];
            double w = p < sc->n_places ? 1.0 : 0.5;
            cs->lat = (1 - w) * lat + w * pl->lat;
            cs->lon = (1 - w) * lon + w * pl->lon;
            if (!bki_cells_cache_fresh(&m))
                seen_stale = true;
            bki_cells_update_reach(&m);
            assert_true(bki_cells_cache_fresh(&m));
        }
        /* back home: then away and back without an update in between, and the row
         * computed at home still holds (the update skips a cell that has not moved) */
        cs->lat = lat;
        cs->lon = lon;
        bki_cells_update_reach(&m);
        cs->lat = lat + 1.0;
        cs->lon = lon - 1.0;
        cs->lat = lat;
        cs->lon = lon;
        bki_cells_update_reach(&m);
        assert_true(bki_cells_cache_fresh(&m));
    }
    if (sc->group.n_cells > 0)
        assert_true(seen_stale);
    model_close(&m);
}

static void stale_when_moved_fresh_after_update(void **state)
{
    (void)state;
    on_each_scenario(stale_when_moved);
}

/* The daily series with the checks on equal those with the checks off, bit for bit. In a debug
 * build (the sanitizer preset) the checked run counts the fleet in one pass with the checks and
 * holds the census kept up to date against that count every day; an optimised build checks
 * against the census kept and does not count. */
static void census_same(const bk_scenario *sc)
{
    bk_run *runs[2];
    for (int k = 0; k < 2; k++) {
        bk_run_config cfg;
        bk_run_config_init(&cfg, sc);
        cfg.days = 60;
        cfg.check_invariants = k == 0;
        bk_error err = {0};
        if (bk_sim_run(sc, &cfg, &runs[k], &err) != BK_OK)
            fail_msg("run: %s", err.message);
    }
    assert_int_equal(runs[0]->n_cols, runs[1]->n_cols);
    assert_int_equal(runs[0]->days, runs[1]->days);
    assert_memory_equal(runs[0]->daily, runs[1]->daily,
                        (size_t)runs[0]->days * (size_t)runs[0]->n_cols * sizeof(double));
    bk_run_free(runs[0]);
    bk_run_free(runs[1]);
}

static void census_same_with_checks(void **state)
{
    (void)state;
    on_each_scenario(census_same);
}

BK_TEST_MAIN(fresh_after_drifts, stale_when_moved_fresh_after_update, census_same_with_checks)
