/* test_policy.c: policy files as patches over a base scenario: 'patch:' lists of 'set: PATH =
 * VALUE' and 'add: {PATH: VALUE}' entries, their errors at file:line:column, and the identity of
 * a patched scenario (the base text's hash plus the patch). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "blockade/ensemble.h"
#include "blockade/sim.h"
#include "bk_test.h"
#include "bk_test_model.h"
#include "bk_test_main.h"

static bk_scenario *base;

static int setup(void **state)
{
    (void)state;
    char *path = bk_test_source_path("scenarios/test/two-corridors.yaml");
    bk_error err = {0};
    bk_status st = bk_scenario_load_file(path, &base, &err);
    free(path);
    return st == BK_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    bk_scenario_free(base);
    return 0;
}

static bk_status apply(const char *text, bk_scenario **out, bk_error *err)
{
    return bk_test_apply_policy(text, "p.yaml", base, out, err);
}

static void patch_sets_and_adds(void **state)
{
    (void)state;
    static const char text[] =
        "name: airlift and escorts\n"
        "patch:\n"
        "  - set: corridors.west.escort.units = 9\n"
        "  - add: {policy.airlift: {from_date: 2025-09-20, litres_per_day: 40000, "
        "product: gasoil}}\n"
        "  - add: {timeline: {date: 2025-09-25, type: road_cut, segment: [west_town, capital],"
        " hours: end}}\n";
    bk_scenario *sc = NULL;
    bk_error err = {0};
    bk_status st = apply(text, &sc, &err);
    if (st != BK_OK)
        print_error("%s\n", err.message);
    assert_int_equal(st, BK_OK);
    char *d = bk_test_describe(sc);
    assert_non_null(strstr(d, "airlift: 40000 L/day of gasoil from 2025-09-20"));
    free(d);
    /* the identity: the base text (comments and all) and the patch */
    size_t lb = 0, ls = 0;
    const char *tb = bk_scenario_text(base, &lb), *ts = bk_scenario_text(sc, &ls);
    assert_int_equal(lb, ls);
    assert_memory_equal(tb, ts, lb);
    assert_non_null(strstr(bk_scenario_patch(sc), "corridors.west.escort.units = 9\n"));
    assert_non_null(strstr(bk_scenario_patch(sc), "add policy.airlift = {"));
    char h0[65], h1[65], h2[65];
    bk_scenario_hash(base, h0);
    bk_scenario_hash(sc, h1);
    assert_string_not_equal(h0, h1);
    bk_scenario *again = NULL;
    assert_int_equal(apply(text, &again, &err), BK_OK);
    bk_scenario_hash(again, h2);
    assert_string_equal(h1, h2);   /* same base, same patch: same scenario */
    bk_scenario_free(again);
    bk_scenario_free(sc);

    /* a set-only patch is applied exactly on a copy, and gives the mapping form's scenario */
    bk_scenario *a = NULL, *b = NULL;
    assert_int_equal(apply("name: a\npatch:\n  - set: fleet.fear_per_attack = 0.25\n", &a, &err),
                     BK_OK);
    assert_int_equal(apply("name: b\nset: {fleet.fear_per_attack: 0.25}\n", &b, &err), BK_OK);
    bk_scenario_hash(a, h1);
    bk_scenario_hash(b, h2);
    assert_string_equal(h1, h2);
    assert_string_equal(bk_scenario_patch(a), "fleet.fear_per_attack = 0.25\n");
    bk_scenario_free(a);
    bk_scenario_free(b);
}

static void patch_errors_have_positions(void **state)
{
    (void)state;
    static const bk_test_policy_case cases[] = {
        {"name: x\npatch:\n  - set: fleet.fear_per_atack = 0.2\n",
         "p.yaml:3:10: set 'fleet.fear_per_atack': the scenario has no key 'fear_per_atack' in "
         "'fleet'",
         BK_ERR_REFERENCE},
        {"name: x\npatch:\n  - set: fleet.fear_per_attack = lots\n",
         "p.yaml:3:10: set 'fleet.fear_per_attack': expected a number, got 'lots'", BK_ERR_SCHEMA},
        {"name: x\npatch:\n  - set: fleet.fear_per_attack\n", "p.yaml:3:10: a set entry is",
         BK_ERR_SCHEMA},
        {"name: x\npatch:\n  - set: policy.convoy.mode = sometimes\n",
         "p.yaml:3:10: set 'policy.convoy.mode': 'sometimes' is not one of the words",
         BK_ERR_VALUE},
        {"name: x\npatch:\n  - add: {fleet.fear_per_attack: 0.2}\n",
         "p.yaml:3:11: add 'fleet.fear_per_attack': only a list item or a whole mapping",
         BK_ERR_SCHEMA},
        {"name: x\npatch:\n  - add: {policy.convoy: {mode: off}}\n",
         "p.yaml:3:11: add 'policy.convoy': the scenario has it already", BK_ERR_VALUE},
        {"name: x\npatch:\n  - remove: fleet\n", "p.yaml:3:5: a patch entry is", BK_ERR_SCHEMA},
        {"name: x\npatch:\n  - set: fleet.fear_per_attack = 1.5\n",
         "p.yaml:3:10: set 'fleet.fear_per_attack': must be in 0..1, got 1.5", BK_ERR_VALUE},
        {"name: x\npatch:\n  - add: {timeline: {date: 2030-01-01, type: note, note: late}}\n",
         "p.yaml:3:11: add 'timeline'", BK_ERR_VALUE},
    };
    bk_test_policy_cases(cases, sizeof cases / sizeof cases[0], "p.yaml", base);
}

/* The daily and events CSV of replication 0 of sc with seed 11, as one string (free it). */
#define run_bytes(sc) bk_test_seed_csv(sc, 11, NULL)

/* The policy of `text` (which must load). */
static bk_policy *policy_of(const char *text)
{
    bk_policy *p = NULL;
    bk_error err = {0};
    assert_int_equal(bk_policy_load_string(text, strlen(text), "p.yaml", &p, &err), BK_OK);
    return p;
}

/* The policy of a text applied to the base both ways: exactly on a copy, and to the text. */
typedef struct routes {
    bk_policy *p;
    bk_scenario *exact, *via_text;
    char *text; /* the rewritten text of the base */
} routes;

static void routes_open(routes *r, const char *policy_text)
{
    bk_error err = {0};
    r->p = policy_of(policy_text);
    r->text = NULL;
    assert_int_equal(bk_policy_apply(r->p, base, &r->exact, &err), BK_OK);
    assert_int_equal(bk_policy_apply_text(r->p, base, &r->via_text, &r->text, &err), BK_OK);
}

static void routes_close(routes *r)
{
    free(r->text);
    bk_scenario_free(r->via_text);
    bk_scenario_free(r->exact);
    bk_policy_free(r->p);
}

/* Values exactly representable in the old printed form: the run on the copy with the values set
 * is the run on the rewritten and reloaded text, byte for byte. */
static void exact_set_runs_as_the_text_route(void **state)
{
    (void)state;
    static const char text[] = "name: escorts\nset:\n"
                               "  policy.convoy.escort_per_convoy: 3\n"
                               "  corridors.west.escort.units: 9\n"
                               "  fleet.fear_per_attack: 0.25\n"
                               "  armed_group.cells.west_cell.intelligence: 0.5\n";
    routes r;
    routes_open(&r, text);
    assert_string_not_equal(bk_scenario_patch(r.exact), ""); /* the copy route was taken */
    assert_string_equal(bk_scenario_patch(r.via_text), "");
    char *ra = run_bytes(r.exact), *rb = run_bytes(r.via_text), *r0 = run_bytes(base);
    assert_string_equal(ra, rb);
    assert_string_not_equal(ra, r0);   /* and the policy changed the run */
    free(ra);
    free(rb);
    free(r0);
    routes_close(&r);
}

/* text with `from`, which must occur once, replaced by `to`. */
static char *replaced(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    assert_non_null(at);
    assert_null(strstr(at + 1, from));
    char *out = bk_test_replace(text, from, to);
    assert_non_null(out);
    return out;
}

/* Settings of scalars (a list item's key, one product of a product map, one end of a range)
 * rewrite those scalars in the base text and nothing else: its comments, layout and quoting
 * are kept byte for byte. */
static void apply_text_keeps_comments(void **state)
{
    (void)state;
    static const char text[] = "name: in place\npatch:\n"
                               "  - set: corridors.west.escort.units = 9\n"
                               "  - set: city.initial_stock_l.gasoil = 7000000\n"
                               "  - set: city.unload_hours.min = 10\n";
    routes r;
    routes_open(&r, text);
    size_t len = 0;
    const char *base_text = bk_scenario_text(base, &len);
    char *a = replaced(base_text, "units: 6                   # escort units in the pool",
                       "units: 9                   # escort units in the pool");
    char *b = replaced(a, "{gasoil: 6000000, gasoline: 4000000}",
                       "{gasoil: 7000000, gasoline: 4000000}");
    char *c = replaced(b, "unload_hours: [12, 48]         # customs",
                       "unload_hours: [10, 48]         # customs");
    assert_string_equal(r.text, c);
    /* and the scenario is the one the exact route sets */
    char *ra = run_bytes(r.via_text), *rb = run_bytes(r.exact);
    assert_string_equal(ra, rb);
    free(ra);
    free(rb);
    free(a);
    free(b);
    free(c);
    routes_close(&r);
}

/* A value of a text key is its words, whatever YAML would make of them: commas and ': ' in a
 * flow mapping, ' #' that would start a comment. */
static void set_words_stay_words(void **state)
{
    (void)state;
    static const char text[] = "name: words\npatch:\n"
                               "  - set: 'places.west_port.name = \"West, Port: A # b\"'\n"
                               "  - set: 'corridors.west.name = Route: north'\n";
    routes r;
    routes_open(&r, text);
    char *da = bk_test_describe(r.via_text), *db = bk_test_describe(r.exact);
    assert_string_equal(da, db);
    BK_TEST_HAS_ALL(da, "West, Port: A # b (west_port)", "west (Route: north)");
    free(da);
    free(db);
    routes_close(&r);
}

/* A key below a list item is checked against the schema when the policy is read. */
static void list_item_keys_are_checked(void **state)
{
    (void)state;
    static const char bad_type[] = "name: t\npatch:\n  - set: corridors.west.escort.units = abc\n";
    static const char bad_key[] = "name: t\npatch:\n  - set: corridors.west.bogus = 3\n";
    bk_policy *p = NULL;
    bk_error err = {0};
    assert_int_equal(bk_policy_load_string(bad_type, sizeof bad_type - 1, "p.yaml", &p, &err),
                     BK_ERR_SCHEMA);
    BK_TEST_HAS_ALL(err.message, "p.yaml:3:", "expected a number, got 'abc'");
    memset(&err, 0, sizeof err);
    assert_int_equal(bk_policy_load_string(bad_key, sizeof bad_key - 1, "p.yaml", &p, &err),
                     BK_ERR_REFERENCE);
    assert_non_null(strstr(err.message, "no key 'bogus' in 'corridors[]'"));
    assert_null(p);
}

/* bk_policy_sets: a path the policy sets, or one under a mapping it sets or adds; not a path
 * that merely starts with the same letters. */
static void policy_sets_paths(void **state)
{
    (void)state;
    bk_policy *p = policy_of("name: t\npatch:\n  - set: policy.convoy.escort_per_convoy = 4\n"
                             "  - add: {policy.airlift: {from_date: 2025-10-01, "
                             "litres_per_day: 300000, product: gasoil}}\n");
    assert_true(bk_policy_sets(p, "policy.convoy.escort_per_convoy"));
    assert_true(bk_policy_sets(p, "policy.airlift.litres_per_day"));
    assert_false(bk_policy_sets(p, "policy.convoy.escort_per_convoy_max"));
    assert_false(bk_policy_sets(p, "policy.convoy"));
    assert_false(bk_policy_sets(p, "policy.convoy.escort_rest_hours"));
    bk_policy_free(p);
    p = policy_of("name: nothing\nset: {}\n");
    assert_false(bk_policy_sets(p, "policy.convoy.escort_per_convoy"));
    bk_policy_free(p);
}

BK_TEST_MAIN_GROUP("tests", setup, teardown, patch_sets_and_adds, patch_errors_have_positions,
                   exact_set_runs_as_the_text_route, apply_text_keeps_comments,
                   set_words_stay_words, list_item_keys_are_checked, policy_sets_paths)
