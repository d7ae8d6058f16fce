/* test_scenario.c: the scenario loader. The shipped scenarios load with the values and defaults
 * they state; hashing and describing work; I/O errors and oversized input fail cleanly. The
 * malformed scenarios are in test_scenario_errors.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "bk_test.h"
#include "bk_test_model.h"
#include "bk_test_main.h"
#include "scenario/scenario.h"

#define REFERENCE_FILE BK_TEST_REFERENCE_FILE
#define base_text bk_test_base_text   /* the reference file, read once */

/* A scenario that leaves out every optional key; its defaults are checked below. Its SHA-256 was
 * computed once with sha256sum. */
static const char minimal_yaml[] =
    "blockade: 1\n"
    "scenario: {name: Minimal, start_date: 2025-01-01, days: 30}\n"
    "products: [{id: diesel}]\n"
    "places:\n"
    "  - {id: port, kind: port, lat: 5, lon: -4}\n"
    "  - {id: town, kind: city, lat: 12, lon: -8}\n"
    "segments: [{from: port, to: town, length_km: 900, speed_kmh: 40}]\n"
    "ports: [{id: p, place: port, load_rate_per_day: 10, product_share: {diesel: 1}}]\n"
    "corridors: [{id: only, port: p, path: [port, town], tankers: 50}]\n"
    "city: {place: town, depot_capacity_l: 1000000}\n"
    "fleet: {tanker_capacity_l: 40000}\n";
static const char minimal_sha256[] =
    "7839347ef8fd89619c071c01051ecf3493b3b0be2179e879cb239e10fa2917fc";

static const char minimal_json[] =
    "{\"blockade\": 1,\n"
    " \"scenario\": {\"name\": \"Minimal\", \"start_date\": \"2025-01-01\", \"days\": 30},\n"
    " \"products\": [{\"id\": \"diesel\"}],\n"
    " \"places\": [{\"id\": \"port\", \"kind\": \"port\", \"lat\": 5, \"lon\": -4},\n"
    "            {\"id\": \"town\", \"kind\": \"city\", \"lat\": 12, \"lon\": -8}],\n"
    " \"segments\": [{\"from\": \"port\", \"to\": \"town\", \"length_km\": 900, "
    "\"speed_kmh\": 40}],\n"
    " \"ports\": [{\"id\": \"p\", \"place\": \"port\", \"load_rate_per_day\": 10,\n"
    "            \"product_share\": {\"diesel\": 1}}],\n"
    " \"corridors\": [{\"id\": \"only\", \"port\": \"p\", \"path\": [\"port\", \"town\"],\n"
    "               \"tankers\": 50}],\n"
    " \"city\": {\"place\": \"town\", \"depot_capacity_l\": 1000000},\n"
    " \"fleet\": {\"tanker_capacity_l\": \"40000x\"}}\n";

/* ------------------------------------------------------------------------------------------- */

static void shipped_files_load(void **state)
{
    (void)state;
    const char *files[] = {REFERENCE_FILE, "scenarios/bamako-2025.yaml"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char *path = bk_test_source_path(files[i]);
        bk_scenario *sc = (bk_scenario *)&sc;   /* must be overwritten */
        bk_error err = {0};
        bk_status st = bk_scenario_load_file(path, &sc, &err);
        if (st != BK_OK)
            print_error("%s\n", err.message);
        assert_int_equal(st, BK_OK);
        assert_non_null(sc);
        assert_true(bk_scenario_days(sc) > 0);
        assert_true(sc->n_corridors > 0);
        assert_true(sc->cityside.enabled);
        bk_scenario_free(sc);
        free(path);
    }
    bk_scenario *sc = bk_test_load_default();
    assert_non_null(sc);
    size_t len = 0;
    const char *text = bk_scenario_default_text(&len);
    assert_int_equal(len, strlen(text));
    assert_string_equal(sc->file, "bamako-2025.yaml (embedded)");
    bk_scenario_free(sc);
}

static void reference_file_values(void **state)
{
    (void)state;
    bk_scenario *sc = NULL;
    bk_error err = {0};
    assert_int_equal(bk_scenario_load_string(base_text, strlen(base_text), "two.yaml", &sc, &err),
                     BK_OK);
    assert_string_equal(bk_scenario_name(sc), "Two corridors (test)");
    assert_int_equal(bk_scenario_seed(sc), 7);
    assert_int_equal(bk_scenario_days(sc), 60);
    assert_int_equal(sc->start_year, 2025);
    assert_int_equal(sc->start_month, 9);
    assert_int_equal(sc->start_day, 1);
    assert_string_equal(sc->iso, "999");
    assert_int_equal(sc->n_products, 2);
    assert_int_equal(sc->n_places, 7);
    assert_int_equal(sc->n_segments, 7);
    assert_int_equal(sc->n_ports, 2);
    assert_int_equal(sc->n_corridors, 2);

    int border = bki_scenario_find_place(sc, "west_border");
    assert_int_equal(border, 1);
    assert_int_equal(sc->places[border].kind, BK_PLACE_BORDER);
    assert_true(sc->places[border].border_delay_min_h == 6.0);
    assert_true(sc->places[border].border_delay_max_h == 24.0);
    assert_int_equal(bki_scenario_find_place(sc, "atlantis"), -1);
    int town = bki_scenario_find_place(sc, "west_town"), cap = bki_scenario_find_place(sc, "capital");
    assert_int_equal(bki_scenario_find_segment(sc, town, cap), 2);
    assert_int_equal(bki_scenario_find_segment(sc, cap, town), 2);
    assert_int_equal(bki_scenario_find_segment(sc, border, cap), -1);

    const bk_corridor *w = &sc->corridors[0];
    assert_int_equal(w->path_len, 4);
    assert_int_equal(w->path_seg[0], 0);
    assert_int_equal(w->path_seg[1], 1);
    assert_int_equal(w->path_seg[2], 2);
    assert_int_equal(w->staging, 1);
    assert_int_equal(w->tankers, 150);
    assert_int_equal(w->escort_units, 6);
    assert_true(sc->ports[1].product_share[0] == 0.7);
    assert_true(sc->city.initial_stock_l[1] == 4000000.0);
    assert_int_equal(sc->policy.convoy_mode, BK_CONVOY_THREAT);
    assert_true(sc->policy.convoy_from_h == 9 * 24.0);
    assert_true(sc->group.campaign_start_h == 4 * 24.0);
    assert_int_equal(sc->group.n_cells, 2);
    assert_true(sc->group.destroy_concentration == 4.0);

    /* sorted by date: the city-side entries appended to the file fall between the others */
    assert_int_equal(sc->n_timeline, 16);
    assert_int_equal(sc->timeline[0].kind, BK_TL_ROAD_CUT);
    assert_int_equal(sc->timeline[0].segment, 2);
    assert_true(sc->timeline[0].time_h == 14 * 24.0);
    assert_int_equal(sc->timeline[0].line, bk_test_line_of(base_text, "type: road_cut"));
    assert_int_equal(sc->timeline[2].corridor, 1);
    assert_int_equal(sc->timeline[2].units, 2);
    assert_int_equal(sc->timeline[5].kind, BK_TL_CONVOY_MODE);
    assert_int_equal(sc->timeline[5].mode, BK_CONVOY_ALWAYS);
    assert_int_equal(sc->timeline[8].kind, BK_TL_NIGHT_BAN);
    assert_int_equal(sc->timeline[8].mode, 1);
    assert_int_equal(sc->timeline[10].mode, BK_ROUTING_RISK);
    assert_string_equal(sc->timeline[15].note, "a dated remark kept in the event log");
    bk_scenario_free(sc);
}

/* The city side of the reference file: sectors, consequences, policies and dated changes. */
static void reference_file_city_side(void **state)
{
    (void)state;
    bk_scenario *sc = bk_test_load_text(base_text);
    const bk_city_side *cs = &sc->cityside;
    assert_true(cs->enabled);
    assert_true(cs->population == 2000000.0);
    assert_int_equal(cs->n_sectors, 5);
    const char *ids[] = {"power", "essential", "public_transport", "private_transport", "freight"};
    const int tiers[] = {1, 1, 2, 3, 3};
    for (int s = 0; s < 5; s++) {
        assert_string_equal(cs->sectors[s].id, ids[s]);
        assert_int_equal(cs->sectors[s].tier, tiers[s]);
    }
    assert_string_equal(cs->sectors[0].name, "Power plants");
    assert_true(cs->sectors[0].demand_l_per_day[0] == 320000.0);
    assert_true(cs->sectors[0].demand_l_per_day[1] == 0.0);   /* not named: 0 */
    assert_true(cs->sectors[0].floor_share == 0.5);
    assert_true(cs->sectors[0].priority);
    assert_false(cs->sectors[0].retail);
    assert_true(cs->sectors[3].demand_l_per_day[1] == 380000.0);
    assert_true(cs->sectors[3].elasticity == -0.3);
    assert_true(cs->sectors[3].retail && cs->sectors[3].transport);
    assert_false(cs->sectors[3].priority);
    assert_true(cs->sectors[4].elasticity == 0.0);   /* default */
    assert_true(cs->sectors[4].floor_share == 0.5);
    assert_true(cs->sectors[1].floor_share == 0.0);  /* default */
    double total = 0;
    for (int s = 0; s < cs->n_sectors; s++)
        total += cs->sectors[s].demand_l_per_day[0] + cs->sectors[s].demand_l_per_day[1];
    assert_true(total == 1350000.0);   /* a little below the 1.44 ML/day the ports load */
    assert_int_equal(cs->power_sector, 0);
    assert_true(cs->power_fuel_share == 0.7);
    assert_true(cs->power_hours_normal == 20.0);
    assert_true(cs->reserve_floor_l[0] == 5500000.0);
    assert_true(cs->reserve_floor_l[1] == 1000000.0);
    assert_int_equal(cs->reserve_tier, 0);   /* nobody until the dated release */
    assert_true(cs->school_close_below == 0.5);
    assert_int_equal(cs->school_close_days, 7);
    assert_true(cs->school_reopen_above == 0.8);
    assert_int_equal(cs->school_reopen_days, 5);
    assert_true(cs->queue_hours_per_ratio == 6.0);
    assert_string_equal(cs->currency, "TST");
    assert_true(cs->official_price[0] == 700.0);
    assert_true(cs->official_price[1] == 750.0);
    assert_true(cs->price_sensitivity == 2.0);
    assert_true(cs->price_adjust_days == 7.0);
    assert_true(cs->price_fear == 0.0);
    assert_true(cs->hoard_factor == 0.1);
    assert_true(cs->hoard_cover_days == 2.0);
    assert_true(cs->w_blackout == 0.25);
    assert_true(cs->w_schools == 0.15);
    assert_true(cs->pressure_threshold == 0.5);

    const bk_city_policy *cp = &sc->citypol;
    assert_true(cp->price_control);
    assert_true(cp->per_fill_cap_l == 0.0);
    assert_true(cp->typical_fill_l == 30.0);
    assert_int_equal(cp->escort_alloc, BK_ESCORT_FIXED);
    assert_true(cp->escort_realloc_days == 7.0);
    assert_true(cp->airlift_from_h < 0);   /* no airlift in the policy: one in the timeline */
    assert_int_equal(cp->airlift_product, -1);

    const bk_timeline_event *t = sc->timeline;
    assert_int_equal(t[3].kind, BK_TL_FILL_CAP);
    assert_true(t[3].value == 20.0);
    assert_true(t[3].time_h == 27 * 24.0);
    assert_int_equal(t[4].kind, BK_TL_SECTOR_TIER);
    assert_int_equal(t[4].sector, 2);
    assert_int_equal(t[4].units, 1);
    assert_int_equal(t[6].kind, BK_TL_AIRLIFT);
    assert_true(t[6].value == 50000.0);
    assert_int_equal(t[6].product, 1);
    assert_int_equal(t[7].kind, BK_TL_ESCORT_ALLOC);
    assert_int_equal(t[7].mode, BK_ESCORT_RISK);
    assert_int_equal(t[9].kind, BK_TL_PRICE_CONTROL);
    assert_int_equal(t[9].mode, 0);
    assert_int_equal(t[11].kind, BK_TL_RESERVE_TIER);
    assert_int_equal(t[11].units, 2);
    assert_int_equal(t[13].kind, BK_TL_OFFICIAL_PRICE);
    assert_int_equal(t[13].product, 1);
    assert_true(t[13].value == 900.0);
    assert_int_equal(t[0].product, -1);   /* not a city-side entry */
    assert_int_equal(t[0].sector, -1);
    bk_scenario_free(sc);
}

/* Without sectors the city side stays off, even when some of its keys are given; an airlift in
 * the policy is read on its own. */
static void city_side_without_sectors(void **state)
{
    (void)state;
    char *text = bk_test_replace(
        minimal_yaml, "city: {place: town, depot_capacity_l: 1000000}",
        "city: {place: town, depot_capacity_l: 1000000, population: 1000, sectors: [],\n"
        "       reserve_floor_l: {diesel: 1000}, prices: {currency: XOF, "
        "official_per_l: {diesel: 700}}}\n"
        "policy: {airlift: {from_date: 2025-01-11, litres_per_day: 2000, product: diesel},\n"
        "         escorts: {allocation: traffic}}");
    assert_non_null(text);
    bk_scenario *sc = bk_test_load_and_free(text);
    assert_false(sc->cityside.enabled);
    assert_int_equal(sc->cityside.n_sectors, 0);
    assert_int_equal(sc->cityside.power_sector, -1);
    assert_true(sc->cityside.population == 1000.0);
    assert_true(sc->cityside.reserve_floor_l[0] == 1000.0);
    assert_true(sc->cityside.official_price[0] == 700.0);
    assert_string_equal(sc->cityside.currency, "XOF");
    assert_true(sc->citypol.airlift_from_h == 10 * 24.0);
    assert_true(sc->citypol.airlift_l_per_day == 2000.0);
    assert_int_equal(sc->citypol.airlift_product, 0);
    assert_int_equal(sc->citypol.escort_alloc, BK_ESCORT_TRAFFIC);
    assert_true(sc->citypol.escort_realloc_days == 7.0);

    char *buf = bk_test_describe(sc);
    BK_TEST_HAS_ALL(buf, "demand: none", "airlift: 2000 L/day of diesel from 2025-01-11",
                    "in proportion to traffic");
    free(buf);
    bk_scenario_free(sc);
}

static void check_minimal_defaults(const bk_scenario *sc)
{
    assert_int_equal(bk_scenario_seed(sc), 1);
    assert_string_equal(sc->products[0].name, "diesel");   /* name defaults to the id */
    assert_true(sc->segments[0].travel_cv == 0.25);
    assert_true(sc->segments[0].cover == 0.0);
    assert_int_equal(sc->corridors[0].staging, 0);
    assert_int_equal(sc->corridors[0].escort_units, 0);
    assert_int_equal(sc->policy.convoy_mode, BK_CONVOY_OFF);
    assert_false(sc->policy.night_ban);
    assert_int_equal(sc->policy.routing, BK_ROUTING_FIXED);
    assert_int_equal(sc->group.n_cells, 0);
    assert_true(sc->group.campaign_start_h < 0);
    assert_int_equal(sc->n_timeline, 0);
    assert_true(sc->city.initial_stock_l[0] == 0.0);
    assert_true(sc->fleet.tanker_capacity_l == 40000.0);
    /* no city side: disabled, with its defaults and "none" markers */
    assert_false(sc->cityside.enabled);
    assert_int_equal(sc->cityside.n_sectors, 0);
    assert_null(sc->cityside.sectors);
    assert_int_equal(sc->cityside.power_sector, -1);
    assert_true(sc->cityside.power_hours_normal == 24.0);
    assert_int_equal(sc->cityside.reserve_tier, 1);
    assert_true(sc->cityside.reserve_floor_l[0] == 0.0);
    assert_true(sc->cityside.population == 0.0);
    assert_true(sc->cityside.w_blackout == 0.25);
    assert_true(sc->citypol.price_control);
    assert_true(sc->citypol.typical_fill_l == 30.0);
    assert_int_equal(sc->citypol.escort_alloc, BK_ESCORT_FIXED);
    assert_true(sc->citypol.airlift_from_h < 0);
    assert_int_equal(sc->citypol.airlift_product, -1);
}

static void minimal_yaml_uses_defaults(void **state)
{
    (void)state;
    bk_scenario *sc = bk_test_load_text(minimal_yaml);
    check_minimal_defaults(sc);

    char *buf = bk_test_describe(sc);
    BK_TEST_HAS_ALL(buf, "Armed group: none", "only");
    free(buf);
    bk_scenario_free(sc);
}

static void json_loads(void **state)
{
    (void)state;
    /* The JSON text ends with a deliberate error, to show JSON errors carry positions too. */
    bk_scenario *sc = NULL;
    bk_error err = {0};
    assert_int_equal(bk_scenario_load_string(minimal_json, strlen(minimal_json), "min.json", &sc,
                                             &err),
                     BK_ERR_SCHEMA);
    assert_null(sc);
    assert_int_equal(err.line, 12);
    assert_non_null(strstr(err.message, "fleet.tanker_capacity_l must be a number"));

    char *good = bk_test_replace(minimal_json, "\"40000x\"", "40000");
    assert_non_null(good);
    char *dir = bk_test_temp_dir("bk-scenario");
    char *path = bk_test_temp_file(dir, "min.json", good, strlen(good));
    bk_status st = bk_scenario_load_file(path, &sc, &err);
    if (st != BK_OK)
        print_error("%s\n", err.message);
    assert_int_equal(st, BK_OK);
    check_minimal_defaults(sc);
    bk_scenario_free(sc);
    assert_int_equal(bk_test_remove_tree(dir), 0);
    free(path);
    free(dir);
    free(good);
}

static void timeline_sorted_stably(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    fprintf(f, "%s", minimal_yaml);
    fprintf(f, "timeline:\n"
               "  - {date: 2025-01-20, type: note, note: third}\n"
               "  - {date: 2025-01-05, type: note, note: first}\n"
               "  - {date: 2025-01-20, type: note, note: fourth}\n"
               "  - {date: 2025-01-05, type: note, note: second}\n");
    fclose(f);
    bk_scenario *sc = NULL;
    bk_error err = {0};
    assert_int_equal(bk_scenario_load_string(text, len, "t.yaml", &sc, &err), BK_OK);
    assert_int_equal(sc->n_timeline, 4);
    assert_string_equal(sc->timeline[0].note, "first");
    assert_string_equal(sc->timeline[1].note, "second");
    assert_string_equal(sc->timeline[2].note, "third");
    assert_string_equal(sc->timeline[3].note, "fourth");
    assert_true(sc->timeline[0].time_h == 4 * 24.0);
    assert_int_equal(sc->timeline[0].line, 14);
    bk_scenario_free(sc);
    free(text);
}

static void hash_is_sha256_of_text(void **state)
{
    (void)state;
    bk_scenario *a = NULL, *b = NULL;
    bk_error err = {0};
    assert_int_equal(bk_scenario_load_string(minimal_yaml, strlen(minimal_yaml), NULL, &a, &err),
                     BK_OK);
    char hex[65];
    bk_scenario_hash(a, hex);
    assert_string_equal(hex, minimal_sha256);
    assert_string_equal(a->file, "-");
    size_t len = 0;
    assert_string_equal(bk_scenario_text(a, &len), minimal_yaml);
    assert_int_equal(len, strlen(minimal_yaml));
    bk_scenario_free(a);

    char *path = bk_test_source_path(REFERENCE_FILE);
    char h1[65], h2[65];
    assert_int_equal(bk_scenario_load_file(path, &a, &err), BK_OK);
    assert_int_equal(bk_scenario_load_file(path, &b, &err), BK_OK);
    bk_scenario_hash(a, h1);
    bk_scenario_hash(b, h2);
    assert_string_equal(h1, h2);
    assert_int_equal(strlen(h1), 64);
    assert_string_not_equal(h1, hex);
    bk_scenario_free(a);
    bk_scenario_free(b);
    free(path);
}

static void describe_mentions_everything(void **state)
{
    (void)state;
    bk_scenario *sc = bk_test_load_default();
    char *buf = bk_test_describe(sc);
    for (int i = 0; i < sc->n_corridors; i++)
        assert_non_null(strstr(buf, sc->corridors[i].id));
    for (int i = 0; i < sc->group.n_cells; i++)
        assert_non_null(strstr(buf, sc->group.cells[i].id));
    assert_non_null(strstr(buf, sc->name));
    assert_non_null(strstr(buf, "2025-09-01"));
    for (int i = 0; i < sc->cityside.n_sectors; i++)
        assert_non_null(strstr(buf, sc->cityside.sectors[i].id));
    BK_TEST_HAS_ALL(buf, "population 4600000 people", "power: sector power, 19 h/day",
                    "2025-10-26 fill_cap retail sales capped at 13 L per fill",
                    "sector public_transport moves to tier 1");
    free(buf);
    bk_scenario_free(sc);
}

static void io_errors(void **state)
{
    (void)state;
    bk_scenario *sc = (bk_scenario *)&sc;
    bk_error err = {0};
    assert_int_equal(bk_scenario_load_file("no/such/file.yaml", &sc, &err), BK_ERR_IO);
    assert_null(sc);
    assert_non_null(strstr(err.message, "no/such/file.yaml"));
    assert_int_equal(err.line, 0);

    char *dir = bk_test_temp_dir("bk-scenario");
    sc = (bk_scenario *)&sc;
    assert_int_equal(bk_scenario_load_file(dir, &sc, &err), BK_ERR_IO);
    assert_null(sc);
    assert_non_null(strstr(err.message, "directory"));
    assert_int_equal(bk_test_remove_tree(dir), 0);
    free(dir);

    /* No error report wanted: the status alone. */
    assert_int_equal(bk_scenario_load_string("[1]", 3, "x", &sc, NULL), BK_ERR_SCHEMA);
    assert_null(sc);
    bk_scenario_free(NULL);
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0->tv_nsec);
}

static void too_large_fails_fast(void **state)
{
    (void)state;
    const size_t size = 50u * 1024u * 1024u;
    char *dir = bk_test_temp_dir("bk-scenario");
    char *path = bk_test_temp_file(dir, "huge.yaml", "", 0);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    static const char line[] = "# padding padding padding padding padding padding padding pad\n";
    for (size_t put = 0; put < size; put += sizeof line - 1)
        assert_int_equal(fwrite(line, 1, sizeof line - 1, f), sizeof line - 1);
    assert_int_equal(fclose(f), 0);

    bk_scenario *sc = (bk_scenario *)&sc;
    bk_error err = {0};
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(bk_scenario_load_file(path, &sc, &err), BK_ERR_TOO_LARGE);
    double took = seconds_since(&t0);
    assert_null(sc);
    BK_TEST_HAS_ALL(err.message, "too large", "8388608");
    /* The size is checked before reading: far less time than reading 50 MB under a sanitizer. */
    assert_true(took < 0.25);

    /* A sparse file of 4 GiB costs no disk; reading it would take seconds, checking its size
     * takes microseconds. */
    char *sparse = bk_test_temp_file(dir, "sparse.yaml", "", 0);
    if (truncate(sparse, (off_t)4 << 30) == 0) {
        sc = (bk_scenario *)&sc;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        assert_int_equal(bk_scenario_load_file(sparse, &sc, &err), BK_ERR_TOO_LARGE);
        assert_true(seconds_since(&t0) < 1.0);
        assert_null(sc);
    }
    free(sparse);

    /* A stream of unknown size is read only up to the limit. */
    sc = (bk_scenario *)&sc;
    assert_int_equal(bk_scenario_load_file("/dev/zero", &sc, &err), BK_ERR_TOO_LARGE);
    assert_null(sc);

    /* The same limit for text in memory. */
    char *big = malloc(BK_SCENARIO_MAX_BYTES + 1);
    assert_non_null(big);
    memset(big, '#', BK_SCENARIO_MAX_BYTES + 1);
    sc = (bk_scenario *)&sc;
    assert_int_equal(bk_scenario_load_string(big, BK_SCENARIO_MAX_BYTES + 1, "big", &sc, &err),
                     BK_ERR_TOO_LARGE);
    assert_null(sc);
    free(big);

    assert_int_equal(bk_test_remove_tree(dir), 0);
    free(path);
    free(dir);
}

/* scenario show's sentences: singular units, and no "airlift airlift". */
static void describe_wording(void **state)
{
    (void)state;
    char *t1 = bk_test_replace(base_text, "escort: {units: 4,", "escort: {units: 1,");
    assert_non_null(t1);
    char *t2 = bk_test_replace(t1, "type: airlift, litres_per_day: 50000",
                               "type: airlift, litres_per_day: 0");
    assert_non_null(t2);
    bk_scenario *sc = NULL;
    bk_error err = {0};
    assert_int_equal(bk_scenario_load_string(t2, strlen(t2), "two.yaml", &sc, &err), BK_OK);
    char *buf = bk_test_describe(sc);
    BK_TEST_HAS_ALL(buf, "escort pool 1 unit of strength", "escort pool 6 units of strength",
                    " airlift of gasoline stopped");
    assert_null(strstr(buf, "airlift airlift"));
    assert_null(strstr(buf, " 1 units"));
    assert_null(strstr(buf, " 1 new tankers"));
    free(buf);
    bk_scenario_free(sc);
    free(t1);
    free(t2);
}

BK_TEST_MAIN_GROUP("scenario", bk_test_setup_base, bk_test_teardown_base, describe_wording,
                   shipped_files_load, reference_file_values, reference_file_city_side,
                   city_side_without_sectors, minimal_yaml_uses_defaults, json_loads,
                   timeline_sorted_stably, hash_is_sha256_of_text, describe_mentions_everything,
                   io_errors, too_large_fails_fast)
