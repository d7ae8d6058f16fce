/* test_faults.c: allocation failure, swept. For every n, the n-th allocation made by the library
 * fails (and every later one too; for loading and one replication also the n-th alone), and
 * each operation must fail cleanly: a status of
 * BK_ERR_NOMEM (or success, when the failure fell on an allocation the operation can do
 * without), no crash, no output object left behind (*out NULL), and, under AddressSanitizer, no
 * leak. The operations are those a run is made of: loading a scenario, one replication, writing
 * its outputs, an ensemble and the merge of two ensemble states, writing the ensemble's outputs,
 * the run store, and importing observed events and aggregates.
 *
 * Allocations made inside libfyaml, GSL, igraph, OpenSSL and the C library's stdio are not
 * counted (not routed); SQLite's (engine/alloc.c) and libcsv's (obs_csv.c) are.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blockade/blockade.h"
#include "bk_test.h"
#include "bk_test_model.h"
#include "bk_test_main.h"
#include "engine/alloc.h"

#define DAYS 8

static char *scenario_text;
static size_t scenario_len;

static int setup(void **state)
{
    (void)state;
    char *path = bk_test_source_path("scenarios/test/two-corridors.yaml");
    scenario_text = path ? bk_test_read_file(path, &scenario_len) : NULL;
    free(path);
    return scenario_text ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    free(scenario_text);
    return 0;
}

/* One operation under test: returns its status; must leave nothing allocated on failure. */
typedef bk_status (*op_fn)(void *ud);

/* Run op with allocation n failing (sticky or once) for n = 1, 2, ... until an n is reached
 * that the operation never gets to; check every outcome. Returns the number of allocations of
 * a clean run. */
static long sweep(const char *what, op_fn op, void *ud, int sticky)
{
    long n = 1;
    for (;; n++) {
        bki_alloc_fail_at(n, sticky);
        bk_status st = op(ud);
        long failed = bki_alloc_failures();
        bki_alloc_fail_at(0, 0);
        if (failed == 0) {
            if (st != BK_OK)
                fail_msg("%s: status %s with no allocation failing", what, bk_status_name(st));
            break;
        }
        if (st != BK_OK && st != BK_ERR_NOMEM)
            fail_msg("%s: allocation %ld failing (%s) gave %s, not BK_ERR_NOMEM", what, n,
                     sticky ? "and every later one" : "once", bk_status_name(st));
        if (n > 2000000)
            fail_msg("%s: no end to the allocations", what);
    }
    return n - 1;
}

/* ---- the operations ------------------------------------------------------------------- */

static bk_status op_load(void *ud)
{
    (void)ud;
    bk_scenario *sc = (bk_scenario *)&sc;
    bk_error err;
    bk_status st = bk_scenario_load_string(scenario_text, scenario_len, "two.yaml", &sc, &err);
    if (st != BK_OK) {
        assert_null(sc);
        assert_int_equal(err.status, st);
    }
    bk_scenario_free(sc);
    return st;
}

static bk_status op_run(void *ud)
{
    const bk_scenario *sc = ud;
    bk_run_config cfg;
    bk_run_config_init(&cfg, sc);
    cfg.days = DAYS;
    bk_run *run = (bk_run *)&run;
    bk_error err;
    bk_status st = bk_sim_run(sc, &cfg, &run, &err);
    if (st != BK_OK)
        assert_null(run);
    bk_run_free(run);
    return st;
}

static bk_status write_all_run(const bk_run *run)
{
    bk_status (*const writers[])(const bk_run *, FILE *) = {
        bk_run_write_daily_csv, bk_run_write_events_csv, bk_run_write_events_geojson,
        bk_run_write_summary_json, bk_run_write_story};
    bk_status st = BK_OK;
    for (size_t i = 0; i < sizeof writers / sizeof writers[0] && st == BK_OK; i++) {
        FILE *f = fopen("/dev/null", "wb");
        assert_non_null(f);
        st = writers[i](run, f);
        fclose(f);
    }
    return st;
}

static bk_status op_write_run(void *ud)
{
    return write_all_run(ud);
}

static bk_ensemble *make_ensemble(const bk_scenario *sc, uint32_t shard, bk_status *st)
{
    bk_ensemble_config cfg;
    bk_ensemble_config_init(&cfg, sc);
    cfg.replications = 4;
    cfg.days = DAYS;
    cfg.threads = 1;
    cfg.shard_index = shard;
    cfg.shard_count = 2;
    bk_ensemble *e = (bk_ensemble *)&e;
    bk_error err;
    *st = bk_ensemble_new(sc, &cfg, &e, &err);
    if (*st != BK_OK) {
        assert_null(e);
        return NULL;
    }
    *st = bk_ensemble_run(e, &err);
    if (*st != BK_OK) {
        bk_ensemble_free(e);
        return NULL;
    }
    return e;
}

static bk_status op_ensemble(void *ud)
{
    bk_status st;
    bk_ensemble_free(make_ensemble(ud, 0, &st));
    return st;
}

typedef struct merge_input {
    char *a, *b;   /* two shards' state files in memory */
    size_t a_len, b_len;
} merge_input;

static bk_status read_state(const char *bytes, size_t len, bk_ensemble **out)
{
    FILE *f = fmemopen((void *)(uintptr_t)bytes, len, "rb");
    assert_non_null(f);
    bk_error err;
    bk_status st = bk_ensemble_read_state(f, "state", out, &err);
    fclose(f);
    if (st != BK_OK)
        assert_null(*out);
    return st;
}

static bk_status op_merge(void *ud)
{
    const merge_input *in = ud;
    bk_ensemble *a = NULL, *b = NULL;
    bk_status st = read_state(in->a, in->a_len, &a);
    if (st == BK_OK)
        st = read_state(in->b, in->b_len, &b);
    bk_error err;
    if (st == BK_OK)
        st = bk_ensemble_merge(a, b, &err);
    bk_ensemble_free(a);
    bk_ensemble_free(b);
    return st;
}

static bk_status op_write_ensemble(void *ud)
{
    const bk_ensemble *e = ud;
    static const char *const files[] = {"bands.csv", "manifest.json"};
    bk_status st = BK_OK;
    for (int i = 0; i < 6 && st == BK_OK; i++) {
        FILE *f = fopen("/dev/null", "wb");
        assert_non_null(f);
        switch (i) {
        case 0: st = bk_ensemble_write_bands_csv(e, f); break;
        case 1: st = bk_ensemble_write_curves_csv(e, f); break;
        case 2: st = bk_ensemble_write_summary_json(e, f); break;
        case 3: st = bk_ensemble_write_report(e, f); break;
        case 4: st = bk_ensemble_write_manifest_json(e, files, 2, f); break;
        default: st = bk_ensemble_write_state(e, f); break;
        }
        fclose(f);
    }
    return st;
}

/* The run store: create it, record the start and the end of a run (SQLite allocates through
 * the library's functions). */
static bk_status op_store(void *ud)
{
    const char *path = ud;
    remove(path);
    bk_store *s = NULL;
    bk_error err;
    bk_status st = bk_store_open(path, &s, &err);
    if (st != BK_OK) {
        assert_null(s);
        return st == BK_ERR_IO && strstr(err.message, "out of memory") ? BK_ERR_NOMEM : st;
    }
    static const char text[] = "blockade: 1\n";
    bk_store_run_info info = {.kind = "run", .scenario_name = "x",
        .scenario_sha256 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        .scenario_text = text, .scenario_len = sizeof text - 1, .seed = 1, .replications = 1,
        .days = 1, .version = bk_version(), .command = "blockade run", .params_json = NULL,
        .out_dir = NULL};
    int64_t id = 0;
    st = bk_store_begin(s, &info, &id, &err);
    if (st == BK_OK)
        st = bk_store_finish(s, id, "done", "{\"a\": 1}", &err);
    if (st == BK_ERR_IO && strstr(err.message, "out of memory"))
        st = BK_ERR_NOMEM;
    bk_store_close(s);
    return st;
}

/* The observed-event and aggregate importers (libcsv allocating through the hook). */
typedef struct import_input {
    char *events, *aggregates;
    size_t events_len, aggregates_len;
} import_input;

static bk_status op_import(void *ud)
{
    const import_input *in = ud;
    bk_events *ev = (bk_events *)&ev;
    bk_error err;
    bk_status st = bk_events_read_string(in->events, in->events_len, "events.csv", NULL, &ev,
                                         &err);
    if (st != BK_OK)
        assert_null(ev);
    bk_events_free(ev);
    if (st != BK_OK)
        return st;
    bk_aggregates *ag = (bk_aggregates *)&ag;
    st = bk_aggregates_read_string(in->aggregates, in->aggregates_len, "agg.csv", &ag, &err);
    if (st != BK_OK)
        assert_null(ag);
    bk_aggregates_free(ag);
    return st;
}

/* ---- tests ------------------------------------------------------------------------------- */

static bk_scenario *load(void)
{
    bk_scenario *sc = NULL;
    bk_error err;
    assert_int_equal(bk_scenario_load_string(scenario_text, scenario_len, "two.yaml", &sc, &err),
                     BK_OK);
    return sc;
}

static void test_load(void **state)
{
    (void)state;
    long n = sweep("load", op_load, NULL, 1);
    assert_true(n > 10);
    sweep("load", op_load, NULL, 0);
    print_message("loading a scenario: %ld allocations, each failed in turn\n", n);
}

static void test_run_and_outputs(void **state)
{
    (void)state;
    bk_scenario *sc = load();
    long n = sweep("run", op_run, sc, 1);
    assert_true(n > 10);
    sweep("run", op_run, sc, 0);
    bk_run_config cfg;
    bk_run_config_init(&cfg, sc);
    cfg.days = DAYS;
    bk_run *run = NULL;
    bk_error err;
    assert_int_equal(bk_sim_run(sc, &cfg, &run, &err), BK_OK);
    long w = sweep("run outputs", op_write_run, run, 1);
    sweep("run outputs", op_write_run, run, 0);
    print_message("one replication: %ld allocations; its outputs: %ld\n", n, w);
    bk_run_free(run);
    bk_scenario_free(sc);
}

static char *state_bytes(const bk_ensemble *e, size_t *len)
{
    bk_test_capture cap;
    assert_int_equal(bk_ensemble_write_state(e, bk_test_capture_open(&cap)), BK_OK);
    char *text = bk_test_capture_close(&cap);
    *len = cap.len;
    return text;
}

static void test_ensemble_merge_outputs(void **state)
{
    (void)state;
    bk_scenario *sc = load();
    long n = sweep("ensemble", op_ensemble, sc, 1);
    bk_status st;
    bk_ensemble *a = make_ensemble(sc, 0, &st), *b = make_ensemble(sc, 1, &st);
    assert_non_null(a);
    assert_non_null(b);
    merge_input in;
    in.a = state_bytes(a, &in.a_len);
    in.b = state_bytes(b, &in.b_len);
    long m = sweep("merge", op_merge, &in, 1);
    bk_error err;
    assert_int_equal(bk_ensemble_merge(a, b, &err), BK_OK);
    long w = sweep("ensemble outputs", op_write_ensemble, a, 1);
    print_message("ensemble of 2 replications: %ld allocations; merge: %ld; outputs: %ld\n", n,
                  m, w);
    free(in.a);
    free(in.b);
    bk_ensemble_free(a);
    bk_ensemble_free(b);
    bk_scenario_free(sc);
}

static void test_store(void **state)
{
    (void)state;
    char *dir = bk_test_temp_dir("faults");
    char path[4096];
    snprintf(path, sizeof path, "%s/runs.sqlite", dir);
    long n = sweep("store", op_store, path, 1);
    print_message("run store (open, begin, finish): %ld allocations\n", n);
    bk_test_remove_dir(dir);
}

static void test_import(void **state)
{
    (void)state;
    import_input in;
    char *e = bk_test_source_path("data/observed/bamako-2025-events.csv");
    char *a = bk_test_source_path("data/observed/bamako-2025-aggregates.csv");
    in.events = bk_test_read_file(e, &in.events_len);
    in.aggregates = bk_test_read_file(a, &in.aggregates_len);
    assert_non_null(in.events);
    assert_non_null(in.aggregates);
    long n = sweep("import", op_import, &in, 1);
    sweep("import", op_import, &in, 0);
    print_message("importing events and aggregates: %ld allocations\n", n);
    free(in.events);
    free(in.aggregates);
    free(e);
    free(a);
}

/* bki_strndup: the first n bytes, NUL-terminated; n = 0 with NULL; NULL when the allocation
 * fails. */
static void test_strndup(void **state)
{
    (void)state;
    char *s = bki_strndup("corridor", 4);
    assert_string_equal(s, "corr");
    bki_free(s);
    s = bki_strndup(NULL, 0);
    assert_string_equal(s, "");
    bki_free(s);
    bki_alloc_fail_at(1, 0);
    assert_null(bki_strndup("corridor", 4));
    bki_alloc_fail_at(0, 0);
}

BK_TEST_MAIN_GROUP("tests", setup, teardown, test_load, test_run_and_outputs,
                   test_ensemble_merge_outputs, test_store, test_import, test_strndup)
