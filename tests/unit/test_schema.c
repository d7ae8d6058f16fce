/* test_schema.c: the schema table. Values set on a copy (bk_scenario_set) are exact, typed
 * errors name the bounds, the rules between keys hold after a set, a set gives the same scenario
 * as rewriting the text and loading it again, and docs/scenario-format.md documents every
 * scalar key of the table with its default. */
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
#include "scenario/schema.h"

#define load_reference bk_test_load_reference

static void set_exact_and_typed_errors(void **state)
{
    (void)state;
    bk_scenario *base = load_reference();
    bk_scenario *sc = NULL;
    bk_error err = {0};
    assert_int_equal(bk_scenario_clone(base, &sc, &err), BK_OK);
    char h0[65], h1[65];
    bk_scenario_hash(base, h0);
    bk_scenario_hash(sc, h1);
    assert_string_equal(h0, h1);

    assert_int_equal(bk_scenario_set(sc, "corridors.south.escort.units", 12, &err), BK_OK);
    assert_int_equal(sc->corridors[1].escort_units, 12);
    assert_int_equal(base->corridors[1].escort_units, 4);   /* the copy shares nothing */
    const double x = 0.123456789012345678;   /* not representable in %.9g */
    assert_int_equal(bk_scenario_set(sc, "fleet.fear_per_attack", x, &err), BK_OK);
    assert_true(sc->fleet.fear_per_attack == x);
    assert_int_equal(bk_scenario_set(sc, "city.initial_stock_l.gasoline", 1000, &err), BK_OK);
    assert_true(sc->city.initial_stock_l[1] == 1000.0);
    assert_int_equal(bk_scenario_set_text(sc, "policy.convoy.mode", "always", &err), BK_OK);
    assert_int_equal(sc->policy.convoy_mode, BK_CONVOY_ALWAYS);
    assert_string_equal(bk_scenario_patch(sc),
                        "corridors.south.escort.units = 12\n"
                        "fleet.fear_per_attack = 0.12345678901234568\n"
                        "city.initial_stock_l.gasoline = 1000\n"
                        "policy.convoy.mode = always\n");
    bk_scenario_hash(sc, h1);
    assert_string_not_equal(h0, h1);

    assert_int_equal(bk_scenario_set(sc, "fleet.fear_per_atack", 0.5, &err), BK_ERR_REFERENCE);
    assert_non_null(strstr(err.message, "unknown key 'fear_per_atack' in 'fleet'"));
    assert_int_equal(bk_scenario_set(sc, "corridors.north.escort.units", 1, &err),
                     BK_ERR_REFERENCE);
    assert_non_null(strstr(err.message, "no item 'north' in corridors"));
    assert_int_equal(bk_scenario_set(sc, "fleet.fear_per_attack", 1.5, &err), BK_ERR_VALUE);
    assert_non_null(strstr(err.message, "must be in 0..1, got 1.5"));
    assert_true(sc->fleet.fear_per_attack == x);   /* unchanged */
    assert_int_equal(bk_scenario_set(sc, "corridors.south.escort.units", 2.5, &err),
                     BK_ERR_SCHEMA);
    assert_non_null(strstr(err.message, "whole number"));
    assert_int_equal(bk_scenario_set(sc, "policy.convoy.mode", 1, &err), BK_ERR_SCHEMA);
    assert_int_equal(bk_scenario_set_text(sc, "policy.convoy.mode", "sometimes", &err),
                     BK_ERR_VALUE);
    /* a rule between keys: min_size <= max_size (60 in the file); the value is not kept */
    assert_int_equal(bk_scenario_set(sc, "policy.convoy.min_size", 100, &err), BK_ERR_VALUE);
    assert_non_null(strstr(err.message, "min_size (100) must be <= max_size (60)"));
    assert_int_equal(sc->policy.convoy_min_size, base->policy.convoy_min_size);
    assert_int_equal(bk_scenario_set_text(sc, "policy.convoy.from_date", "2026-01-01", &err),
                     BK_ERR_VALUE);
    assert_non_null(strstr(err.message, "outside the scenario's horizon"));
    bk_scenario_free(sc);
    bk_scenario_free(base);
}

/* Setting exactly representable values on a copy gives the scenario that rewriting the text and
 * loading it again gives (the route policies and calibration took before). */
static void set_equals_text_route(void **state)
{
    (void)state;
    static const char *const edits[][4] = {
        {"escort_per_convoy: 2 ", "escort_per_convoy: 3 ", "policy.convoy.escort_per_convoy",
         "3"},
        {"units: 6 ", "units: 9 ", "corridors.west.escort.units", "9"},
        {"fear_per_attack: 0.15", "fear_per_attack: 0.25", "fleet.fear_per_attack", "0.25"},
        {"kidnap_prob: 0.3", "kidnap_prob: 0.125", "armed_group.ambush.kidnap_prob", "0.125"},
        {"strength: 80,", "strength: 64,", "armed_group.cells.west_cell.strength", "64"},
        {"night_ban: {enabled: false", "night_ban: {enabled: true", "policy.night_ban.enabled",
         "true"},
        {"Freight, tier: 3, floor_share: 0.5", "Freight, tier: 3, floor_share: 0.375",
         "city.sectors.freight.floor_share", "0.375"},
    };
    bk_scenario *base = load_reference();
    size_t len = 0;
    char *text = strdup(bk_scenario_text(base, &len));
    bk_scenario *a = NULL, *b = NULL;
    bk_error err = {0};
    assert_int_equal(bk_scenario_clone(base, &a, &err), BK_OK);
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        char *t = bk_test_replace(text, edits[i][0], edits[i][1]);
        assert_non_null(t);
        free(text);
        text = t;
        bk_status st = bk_scenario_set_text(a, edits[i][2], edits[i][3], &err);
        if (st != BK_OK)
            print_error("%s\n", err.message);
        assert_int_equal(st, BK_OK);
    }
    assert_int_equal(bk_scenario_load_string(text, strlen(text), "edited.yaml", &b, &err),
                     BK_OK);
    assert_memory_equal(&a->fleet, &b->fleet, sizeof a->fleet);
    assert_memory_equal(&a->policy, &b->policy, sizeof a->policy);
    bk_armed_group ga = a->group, gb = b->group;
    ga.cells = gb.cells = NULL;
    assert_memory_equal(&ga, &gb, sizeof ga);
    assert_int_equal(a->group.n_cells, b->group.n_cells);
    for (int i = 0; i < a->group.n_cells; i++)
        assert_memory_equal(&a->group.cells[i], &b->group.cells[i], sizeof a->group.cells[i]);
    for (int i = 0; i < a->n_corridors; i++) {
        assert_int_equal(a->corridors[i].escort_units, b->corridors[i].escort_units);
        assert_true(a->corridors[i].escort_strength == b->corridors[i].escort_strength);
    }
    for (int i = 0; i < a->cityside.n_sectors; i++)
        assert_true(a->cityside.sectors[i].floor_share == b->cityside.sectors[i].floor_share);
    assert_int_equal(a->corridors[0].escort_units, 9);
    assert_true(a->policy.night_ban);
    bk_scenario_free(a);
    bk_scenario_free(b);
    bk_scenario_free(base);
    free(text);
}

/* Every scalar key of the table has a row in docs/scenario-format.md, and the Default column of
 * some row of that key shows the table's default ("required" for a required key). */
static void docs_document_every_key(void **state)
{
    (void)state;
    char *doc = bk_test_slurp_source("docs/scenario-format.md");
    int missing = 0;
    for (int i = 0; i < bki_schema_len; i++) {
        const bk_key *r = &bki_schema[i];
        if (r->type == BK_KT_MAP || r->type == BK_KT_LIST || r->type == BK_KT_SPECIAL ||
            r->type == BK_KT_ID || strncmp(r->path, "city.pressure.weights.", 22) == 0)
            continue;   /* the weights are documented in one row of city.pressure */
        const char *key = strrchr(r->path, '.') ? strrchr(r->path, '.') + 1 : r->path;
        char want[64], cell[80];
        snprintf(cell, sizeof cell, "| `%s`", key);
        if (r->required || strstr(r->desc, "default:") != NULL)
            want[0] = '\0';   /* a row is enough: some tables have no Default column */
        else if (r->type == BK_KT_NUM || r->type == BK_KT_INT || r->type == BK_KT_INT_D)
            snprintf(want, sizeof want, "`%g`", r->def);
        else
            want[0] = '\0';
        bool found = false;
        for (const char *p = strstr(doc, cell); p && !found; p = strstr(p + 1, cell)) {
            const char *eol = strchr(p, '\n');
            size_t n = eol ? (size_t)(eol - p) : strlen(p);
            char line[1024];
            snprintf(line, sizeof line, "%.*s", (int)(n < sizeof line ? n : sizeof line - 1), p);
            if (p != doc && p[-1] != '\n')
                continue;
            found = want[0] == '\0' || strstr(line, want) != NULL;
        }
        if (!found) {
            print_error("docs/scenario-format.md: no row for %s with default %s\n", r->path,
                        want);
            missing++;
        }
    }
    assert_int_equal(missing, 0);
    free(doc);
}

/* Every timeline type has a row in docs/scenario-format.md's timeline table, and that row names
 * every key of the type's rows in bki_timeline_keys. */
static void docs_document_every_timeline_key(void **state)
{
    (void)state;
    char *doc = bk_test_slurp_source("docs/scenario-format.md");
    const char *section = strstr(doc, "\n## timeline\n");
    assert_non_null(section);
    int missing = 0;
    for (int t = 0; bki_timeline_types[t] != NULL; t++) {
        char cell[64];
        snprintf(cell, sizeof cell, "\n| `%s`", bki_timeline_types[t]);
        const char *row = strstr(section, cell);
        if (row == NULL) {
            print_error("docs/scenario-format.md: no timeline row for type %s\n",
                        bki_timeline_types[t]);
            missing++;
            continue;
        }
        const char *eol = strchr(row + 1, '\n');
        size_t n = eol ? (size_t)(eol - row) : strlen(row);
        for (int r = 0; r < bki_timeline_keys_len; r++) {
            if (bki_timeline_keys[r].type != t)
                continue;
            const char *keys[4];
            bki_timeline_row_keys(&bki_timeline_keys[r], keys);
            for (int j = 0; keys[j] != NULL; j++) {
                char want[48];
                snprintf(want, sizeof want, "`%s`", keys[j]);
                bool found = false;
                for (const char *p = strstr(row, want); p && p < row + n && !found;
                     p = strstr(p + 1, want))
                    found = true;
                if (!found) {
                    print_error("docs/scenario-format.md: the %s row does not name `%s`\n",
                                bki_timeline_types[t], keys[j]);
                    missing++;
                }
            }
        }
    }
    assert_int_equal(missing, 0);
    free(doc);
}

/* Keys read by hand and rules of the city side: a copy owns its school holidays, months follow
 * fuel_share unless fuel_share_by_month is given, and backup litres need a backup sector. */
static void city_side_copy_and_rules(void **state)
{
    (void)state;
    bk_error err = {0};
    bk_scenario *def = bk_test_load_default(), *c = NULL;
    assert_true(def->cityside.n_holidays > 0);
    assert_true(def->cityside.fuel_share_month_given);
    assert_int_equal(bk_scenario_clone(def, &c, &err), BK_OK);
    assert_int_equal(c->cityside.n_holidays, def->cityside.n_holidays);
    assert_ptr_not_equal(c->cityside.holiday_from, def->cityside.holiday_from);
    for (int i = 0; i < def->cityside.n_holidays; i++) {
        assert_int_equal(c->cityside.holiday_from[i], def->cityside.holiday_from[i]);
        assert_int_equal(c->cityside.holiday_to[i], def->cityside.holiday_to[i]);
    }
    double jan = def->cityside.fuel_share_month[0];
    assert_int_equal(bk_scenario_set(c, "city.power.fuel_share", 0.25, &err), BK_OK);
    assert_true(c->cityside.fuel_share_month[0] == jan);   /* given months stay */
    bk_scenario_free(c);
    bk_scenario_free(def);

    bk_scenario *base = load_reference();
    assert_false(base->cityside.fuel_share_month_given);
    for (int i = 0; i < 12; i++)
        assert_true(base->cityside.fuel_share_month[i] == 0.7);
    assert_int_equal(base->cityside.backup_sector, -1);
    assert_int_equal(bk_scenario_clone(base, &c, &err), BK_OK);
    assert_int_equal(bk_scenario_set(c, "city.power.fuel_share", 0.25, &err), BK_OK);
    for (int i = 0; i < 12; i++)
        assert_true(c->cityside.fuel_share_month[i] == 0.25);
    assert_int_equal(bk_scenario_set(c, "city.power.backup_l_per_h", 100, &err), BK_ERR_SCHEMA);
    assert_non_null(strstr(err.message, "backup_l_per_h needs backup_sector"));
    assert_true(c->cityside.backup_l_per_h == 0.0);   /* not kept */
    assert_int_equal(bk_scenario_set_text(c, "city.power.backup_sector", "power", &err), BK_OK);
    assert_int_equal(bk_scenario_set(c, "city.power.backup_l_per_h", 100, &err), BK_OK);
    assert_true(c->cityside.backup_l_per_h == 100.0);
    bk_scenario_free(c);
    bk_scenario_free(base);
}

BK_TEST_MAIN(set_exact_and_typed_errors, set_equals_text_route, docs_document_every_key,
             docs_document_every_timeline_key, city_side_copy_and_rules)
