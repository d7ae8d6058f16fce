/* test_scenario_errors.c: malformed scenarios. A table of them (each made by editing the reference
 * file scenarios/test/two-corridors.yaml, or given as raw bytes) fail with the right status, line
 * and message, from text and from a file. */
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

#define REFERENCE_FILE BK_TEST_REFERENCE_FILE
#define base_text      bk_test_base_text /* the reference file, read once */

/* Expected line relative to the line of the first edit in the base text: EDIT, EDIT + 1, ... */
#define EDIT (-1000)

/* Bytes given as they are, or made by a function. */
typedef struct raw_text {
    const char *bytes;
    size_t len;
    char *(*gen)(size_t *len);
} raw_text;

typedef struct bad_case {
    const char *name;
    const char *find, *replace;   /* textual edit of the reference file... */
    const char *find2, *replace2; /* ...and an optional second one */
    const raw_text *raw;          /* or a whole text of its own (then find is NULL) */
    bk_status status;
    int line;              /* EDIT + k: k lines after the first edit; 0: no line */
    const char *substring; /* expected in the message */
} bad_case;

static char *dup_text(const char *s, size_t len, size_t *out_len)
{
    char *t = malloc(len + 1);
    if (t) {
        memcpy(t, s, len);
        t[len] = '\0';
    }
    *out_len = len;
    return t;
}

static char *gen_deep(size_t *len)
{
    const size_t n = 100000;
    char *t = malloc(n + 1);
    if (t) {
        memset(t, '[', n);
        t[n] = '\0';
    }
    *len = n;
    return t;
}

static char *gen_two_documents(size_t *len)
{
    size_t n = strlen(base_text);
    char *t = malloc(n + 32);
    if (t) {
        snprintf(t, n + 32, "%s---\nother: 1\n", base_text);
        *len = strlen(t);
    }
    return t;
}

#define RAW(s)                                                                                     \
    {                                                                                              \
        s, sizeof s - 1, NULL                                                                      \
    }
static const raw_text raw_fy_crash = RAW("? ?:\t:"), raw_empty = RAW(""),
                      raw_blank = {"   \n\n  \r\n", 8, NULL},
                      raw_comment_only = RAW("# nothing here\n"),
                      raw_binary = RAW("\x89PNG\r\n\x1a\n\0\0\0\r"),
                      raw_nul = RAW("blockade: 1\nsce\0nario: {}\n"),
                      raw_control = RAW("blockade: 1\n\nscenario: \x01\n"),
                      raw_top_list = RAW("- blockade: 1\n- scenario: {}\n"),
                      raw_top_scalar = RAW("just a sentence\n"), raw_deep = {NULL, 0, gen_deep},
                      raw_two_documents = {NULL, 0, gen_two_documents};

static const bad_case bad_cases[] = {
    /* syntax */
    {"bad indentation", "  seed: 7\n", " seed: 7\n", NULL, NULL, NULL, BK_ERR_SYNTAX, EDIT,
     "syntax error"},
    {"unclosed bracket", "tankers: 150 ", "tankers: [150 ", NULL, NULL, NULL, BK_ERR_SYNTAX,
     EDIT + 1, "syntax error"},
    {"tab indentation", "  seed: 7\n", "\tseed: 7\n", NULL, NULL, NULL, BK_ERR_SYNTAX, EDIT, "tab"},
    {"duplicate key", "  seed: 7\n", "  seed: 7\n  seed: 8\n", NULL, NULL, NULL, BK_ERR_SYNTAX,
     EDIT + 1, "duplicate key"},
    {"unclosed quote", "name: \"Test Armed Group\"", "name: \"Test Armed Group", NULL, NULL, NULL,
     BK_ERR_SYNTAX, EDIT, "syntax error"},
    {"empty file", NULL, NULL, NULL, NULL, &raw_empty, BK_ERR_SCHEMA, 0, "empty"},
    {"whitespace only", NULL, NULL, NULL, NULL, &raw_blank, BK_ERR_SCHEMA, 0, "empty"},
    {"comments only", NULL, NULL, NULL, NULL, &raw_comment_only, BK_ERR_SCHEMA, 0, "empty"},
    {"binary garbage", NULL, NULL, NULL, NULL, &raw_binary, BK_ERR_SYNTAX, 1, "UTF-8"},
    {"NUL byte", NULL, NULL, NULL, NULL, &raw_nul, BK_ERR_SYNTAX, 2, "NUL byte"},
    {"control character", NULL, NULL, NULL, NULL, &raw_control, BK_ERR_SYNTAX, 3,
     "control character"},
    {"deep nesting", NULL, NULL, NULL, NULL, &raw_deep, BK_ERR_SYNTAX, 1, "depth"},
    {"two documents", NULL, NULL, NULL, NULL, &raw_two_documents, BK_ERR_SCHEMA, 180,
     "second YAML document"},
    {"alias", "days: 60", "days: &d 60", "seed: 7", "seed: *d", NULL, BK_ERR_SCHEMA, EDIT + 1,
     "aliases (*d) are not supported"},

    /* wrong types */
    {"top-level list", NULL, NULL, NULL, NULL, &raw_top_list, BK_ERR_SCHEMA, 1,
     "top level must be a mapping"},
    {"top-level scalar", NULL, NULL, NULL, NULL, &raw_top_scalar, BK_ERR_SCHEMA, 1,
     "top level must be a mapping"},
    {"string for a number", "length_km: 300", "length_km: far", NULL, NULL, NULL, BK_ERR_SCHEMA,
     EDIT, "segments[0].length_km must be a number, got 'far'"},
    {"quoted number", "tankers: 150", "tankers: \"150\"", NULL, NULL, NULL, BK_ERR_SCHEMA, EDIT,
     "corridors[0].tankers must be a number, got \"150\""},
    {"fraction for a count", "tankers: 90", "tankers: 90.5", NULL, NULL, NULL, BK_ERR_SCHEMA, EDIT,
     "must be a whole number"},
    {"list for a mapping", "escort: {units: 4, strength: 40, replacement_per_week: 0.5}",
     "escort: [4, 40, 0.5]", NULL, NULL, NULL, BK_ERR_SCHEMA, EDIT,
     "corridors[1].escort must be a mapping, got a list of 3 items"},
    {"mapping for a list", "path: [south_port, south_border, south_town, capital]",
     "path: {from: south_port}", NULL, NULL, NULL, BK_ERR_SCHEMA, EDIT,
     "corridors[1].path must be a list, got a mapping"},
    {"word for a boolean", "enabled: false", "enabled: no", NULL, NULL, NULL, BK_ERR_SCHEMA, EDIT,
     "policy.night_ban.enabled must be true or false"},
    {"not a number", "lon: -12.0", "lon: .nan", NULL, NULL, NULL, BK_ERR_SCHEMA, EDIT,
     "places[0].lon must be a number"},
    {"range not a pair", "unload_hours: [12, 48]", "unload_hours: [12, 24, 48]", NULL, NULL, NULL,
     BK_ERR_SCHEMA, EDIT,
     "city.unload_hours must be a list of two numbers [min, max], got a list of 3 items"},

    /* unknown keys */
    {"unknown key in segment", "length_km: 300", "lenght_km: 300", NULL, NULL, NULL, BK_ERR_SCHEMA,
     EDIT,
     "unknown key 'lenght_km' in segment (expected one of: from, to, length_km, speed_kmh, "
     "cover, travel_cv, mode, reverse_speed_factor, speed_by_month)"},
    {"unknown top-level key", "blockade: 1", "blockade: 1\nblokade: 2\n", NULL, NULL, NULL,
     BK_ERR_SCHEMA, EDIT + 1, "unknown key 'blokade' in the top-level mapping"},
    {"unknown key in policy.convoy", "escort_min: 1", "escort_minimum: 1", NULL, NULL, NULL,
     BK_ERR_SCHEMA, EDIT, "unknown key 'escort_minimum' in policy.convoy"},
    {"unknown key for a timeline type", "units: 2}", "units: 2, hours: 3}", NULL, NULL, NULL,
     BK_ERR_SCHEMA, EDIT, "unknown key 'hours' in timeline entry of type escort_reinforce"},
    {"unknown key in cell", "readiness_hours: 72}", "readiness_hour: 72}", NULL, NULL, NULL,
     BK_ERR_SCHEMA, EDIT, "unknown key 'readiness_hour' in cell"},
    {"unknown key in scenario", "  seed: 7\n", "  sead: 7\n", NULL, NULL, NULL, BK_ERR_SCHEMA, EDIT,
     "unknown key 'sead' in scenario"},

    /* missing required keys */
    {"missing scenario name", "  name: Two corridors (test)\n", "", NULL, NULL, NULL, BK_ERR_SCHEMA,
     EDIT, "scenario: missing required key 'name'"},
    {"missing tanker capacity", "  tanker_capacity_l: 45000       # litres per tanker\n", "", NULL,
     NULL, NULL, BK_ERR_SCHEMA, EDIT, "fleet: missing required key 'tanker_capacity_l'"},
    {"missing format version", "blockade: 1 ", "", NULL, NULL, NULL, BK_ERR_SCHEMA, EDIT + 2,
     "missing required key 'blockade'"},
    {"missing corridor path", "    path: [south_port, south_border, south_town, capital]\n", "",
     NULL, NULL, NULL, BK_ERR_SCHEMA, EDIT - 3, "corridors[1]: missing required key 'path'"},
    {"missing timeline type", "type: campaign_start}", "note: x}", NULL, NULL, NULL, BK_ERR_SCHEMA,
     EDIT, "timeline[7]: missing required key 'type'"},

    /* unknown references */
    {"unknown place in segment", "{from: west_town, to: south_town",
     "{from: west_town, to: nowhere", NULL, NULL, NULL, BK_ERR_REFERENCE, EDIT,
     "segments[6].to: unknown place 'nowhere'"},
    {"unknown port in corridor", "    port: south\n", "    port: east\n", NULL, NULL, NULL,
     BK_ERR_REFERENCE, EDIT, "corridors[1].port: unknown port 'east'"},
    {"unknown product in product_share", "{gasoil: 0.7, gasoline: 0.3}",
     "{gasoil: 0.7, petrol: 0.3}", NULL, NULL, NULL, BK_ERR_REFERENCE, EDIT,
     "unknown product 'petrol' (products are: gasoil, gasoline)"},
    {"unknown corridor in timeline", "corridor: south", "corridor: north", NULL, NULL, NULL,
     BK_ERR_REFERENCE, EDIT, "timeline[2].corridor: unknown corridor 'north'"},
    {"unknown segment in timeline", "segment: [west_town, capital]",
     "segment: [west_port, capital]", NULL, NULL, NULL, BK_ERR_REFERENCE, EDIT,
     "no segment joins 'west_port' and 'capital'"},
    {"unknown port in timeline", "port: south, factor", "port: north, factor", NULL, NULL, NULL,
     BK_ERR_REFERENCE, EDIT, "timeline[1].port: unknown port 'north'"},
    {"unknown cell home", "home: west_town", "home: west_city", NULL, NULL, NULL, BK_ERR_REFERENCE,
     EDIT, "armed_group.cells[0].home: unknown place 'west_city'"},
    {"unknown city place", "  place: capital", "  place: metropolis", NULL, NULL, NULL,
     BK_ERR_REFERENCE, EDIT, "city.place: unknown place 'metropolis'"},

    /* impossible values */
    {"negative length", "length_km: 120", "length_km: -3", NULL, NULL, NULL, BK_ERR_VALUE, EDIT,
     "segments[2].length_km must be > 0 and <= 20000 km, got -3"},
    {"zero depot capacity", "depot_capacity_l: 30000000", "depot_capacity_l: 0", NULL, NULL, NULL,
     BK_ERR_VALUE, EDIT, "city.depot_capacity_l must be > 0"},
    {"probability 1.5", "kidnap_prob: 0.3", "kidnap_prob: 1.5", NULL, NULL, NULL, BK_ERR_VALUE,
     EDIT, "armed_group.ambush.kidnap_prob must be in 0..1, got 1.5"},
    {"negative cover", "cover: 0.1", "cover: -0.1", NULL, NULL, NULL, BK_ERR_VALUE, EDIT,
     "segments[0].cover must be in 0..1"},
    {"shares not summing to 1", "{gasoil: 0.6, gasoline: 0.4}", "{gasoil: 0.6, gasoline: 0.3}",
     NULL, NULL, NULL, BK_ERR_VALUE, EDIT, "ports[0].product_share must sum to 1, got 0.9"},
    {"range min > max", "unload_hours: [12, 48]", "unload_hours: [48, 12]", NULL, NULL, NULL,
     BK_ERR_VALUE, EDIT, "city.unload_hours must be [min, max] with min <= max"},
    {"convoy min_size > max_size", "min_size: 10", "min_size: 100", NULL, NULL, NULL, BK_ERR_VALUE,
     EDIT + 1, "min_size (100) must be <= max_size (60)"},
    {"escort_min > escort_per_convoy", "escort_min: 1", "escort_min: 3", NULL, NULL, NULL,
     BK_ERR_VALUE, EDIT, "escort_min (3) must be <= escort_per_convoy (2)"},
    {"max_strength below strength", "max_strength: 120", "max_strength: 50", NULL, NULL, NULL,
     BK_ERR_VALUE, EDIT, "max_strength (50) must be >= strength (60)"},
    {"stock above capacity", "gasoil: 6000000", "gasoil: 60000000", NULL, NULL, NULL, BK_ERR_VALUE,
     EDIT, "more than depot_capacity_l"},
    {"latitude out of range", "lat: 14.0", "lat: 94.0", NULL, NULL, NULL, BK_ERR_VALUE, EDIT,
     "places[0].lat must be in -90..90 degrees, got 94.0"},
    {"zero days", "days: 60", "days: 0", NULL, NULL, NULL, BK_ERR_VALUE, EDIT,
     "scenario.days must be in 1..3650, got 0"},
    {"negative seed", "seed: 7", "seed: -7", NULL, NULL, NULL, BK_ERR_VALUE, EDIT,
     "scenario.seed must be a whole number"},
    {"format version 2", "blockade: 1", "blockade: 2", NULL, NULL, NULL, BK_ERR_VALUE, EDIT,
     "must be 1, got 2"},
    {"unknown convoy mode", "mode: threat", "mode: sometimes", NULL, NULL, NULL, BK_ERR_VALUE, EDIT,
     "policy.convoy.mode must be one of: off, date, threat, always; got 'sometimes'"},
    {"unknown timeline type", "type: note,", "type: memo,", NULL, NULL, NULL, BK_ERR_VALUE, EDIT,
     "timeline[8].type must be one of"},
    {"February 30", "start_date: 2025-09-01", "start_date: 2025-02-30", NULL, NULL, NULL,
     BK_ERR_VALUE, EDIT, "2025-02-30 is not a calendar date"},
    {"date in words", "campaign_start: 2025-09-05", "campaign_start: 5 September 2025", NULL, NULL,
     NULL, BK_ERR_VALUE, EDIT, "armed_group.campaign_start must be a date written YYYY-MM-DD"},
    {"date after the horizon", "date: 2025-10-30", "date: 2025-10-31", NULL, NULL, NULL,
     BK_ERR_VALUE, EDIT,
     "timeline[8].date 2025-10-31 is outside the scenario's horizon "
     "2025-09-01..2025-10-30"},
    {"date before the start", "date: 2025-09-15", "date: 2025-08-15", NULL, NULL, NULL,
     BK_ERR_VALUE, EDIT, "is outside the scenario's horizon"},
    {"convoy date outside the horizon", "from_date: 2025-09-10", "from_date: 2026-09-10", NULL,
     NULL, NULL, BK_ERR_VALUE, EDIT, "policy.convoy.from_date 2026-09-10 is outside"},
    {"disconnected corridor path", "path: [west_port, west_border, west_town, capital]",
     "path: [west_port, west_border, capital]", NULL, NULL, NULL, BK_ERR_VALUE, EDIT,
     "corridor 'west': path leg west_border -> capital has no segment"},
    {"path not starting at the port", "path: [south_port, south_border",
     "path: [west_port, south_border", NULL, NULL, NULL, BK_ERR_VALUE, EDIT,
     "corridor 'south': path must start at port 'south''s place 'south_port'"},
    {"path not ending at the city", "path: [west_port, west_border, west_town, capital]",
     "path: [west_port, west_border, west_town]", NULL, NULL, NULL, BK_ERR_VALUE, EDIT,
     "corridor 'west': path must end at the city place 'capital'"},
    {"path visiting a place twice", "path: [west_port, west_border, west_town, capital]",
     "path: [west_port, west_border, west_town, west_border, west_town, capital]", NULL, NULL, NULL,
     BK_ERR_VALUE, EDIT, "corridor 'west': path visits place 'west_border' twice"},
    {"staging not on path", "staging: south_border", "staging: west_border", NULL, NULL, NULL,
     BK_ERR_VALUE, EDIT, "corridor 'south': staging place 'west_border' is not on the path"},
    {"duplicate product id", "{id: gasoline, name: Gasoline}", "{id: gasoil, name: Gasoline}", NULL,
     NULL, NULL, BK_ERR_VALUE, EDIT, "products[1].id: duplicate id 'gasoil'"},
    {"duplicate place id", "{id: south_town,", "{id: west_town,", NULL, NULL, NULL, BK_ERR_VALUE,
     EDIT, "places[6].id: duplicate id 'west_town' (already used by places[2])"},
    {"malformed id", "{id: gasoil, name: Gasoil}", "{id: gas oil, name: Gasoil}", NULL, NULL, NULL,
     BK_ERR_VALUE, EDIT, "products[0].id must be an id"},
    {"segment joining a place to itself", "{from: west_town, to: south_town",
     "{from: west_town, to: west_town", NULL, NULL, NULL, BK_ERR_VALUE, EDIT,
     "from and to are the same place 'west_town'"},
    {"duplicate segment", "{from: west_town, to: south_town", "{from: capital, to: west_town", NULL,
     NULL, NULL, BK_ERR_VALUE, EDIT, "segments[6] joins 'capital' and 'west_town' again"},
    {"border delay on a town", "admin1: West}", "admin1: West, border_delay_hours: [1, 2]}", NULL,
     NULL, NULL, BK_ERR_VALUE, EDIT,
     "places[2].border_delay_hours is only allowed on a place of kind border"},
    {"city unreachable", "{from: west_town, to: capital,", "{from: west_town, to: west_port,",
     "{from: south_town, to: capital,", "{from: south_town, to: south_port,", NULL, BK_ERR_VALUE,
     EDIT + 7, "the city place 'capital' cannot be reached by road from port 'west'"},

    /* the city side */
    {"unknown key in sector", "{id: freight, name: Freight,", "{id: freight, nom: Freight,", NULL,
     NULL, NULL, BK_ERR_SCHEMA, EDIT,
     "unknown key 'nom' in sector (expected one of: id, name, tier, demand_l_per_day, "
     "floor_share, elasticity, retail, priority, transport, stock_days, restock_days, "
     "per_capita)"},
    {"sector tier 0", "name: Power plants, tier: 1,", "name: Power plants, tier: 0,", NULL, NULL,
     NULL, BK_ERR_VALUE, EDIT, "city.sectors[0].tier must be in 1..8, got 0"},
    {"sector tier 9", "name: Freight, tier: 3,", "name: Freight, tier: 9,", NULL, NULL, NULL,
     BK_ERR_VALUE, EDIT, "city.sectors[4].tier must be in 1..8, got 9"},
    {"missing sector tier", "name: Freight, tier: 3,", "name: Freight,", NULL, NULL, NULL,
     BK_ERR_SCHEMA, EDIT, "city.sectors[4]: missing required key 'tier'"},
    {"negative demand", "{gasoil: 250000}", "{gasoil: -250000}", NULL, NULL, NULL, BK_ERR_VALUE,
     EDIT, "city.sectors[4].demand_l_per_day.gasoil must be in 0..1e+12 L/day, got -250000"},
    {"demand for an unknown product", "{gasoil: 250000}", "{kerosene: 250000}", NULL, NULL, NULL,
     BK_ERR_REFERENCE, EDIT,
     "city.sectors[4].demand_l_per_day: unknown product 'kerosene' (products are: gasoil, "
     "gasoline)"},
    {"all-zero demand", "{gasoil: 250000}", "{gasoil: 0, gasoline: 0}", NULL, NULL, NULL,
     BK_ERR_VALUE, EDIT,
     "city.sectors[4].demand_l_per_day must be > 0 L/day for at least one product"},
    {"duplicate sector id", "{id: freight, name: Freight,", "{id: power, name: Freight,", NULL,
     NULL, NULL, BK_ERR_VALUE, EDIT,
     "city.sectors[4].id: duplicate id 'power' (already used by city.sectors[0])"},
    {"elasticity 0.5", "elasticity: -0.3", "elasticity: 0.5", NULL, NULL, NULL, BK_ERR_VALUE, EDIT,
     "city.sectors[3].elasticity must be in -5..0, got 0.5"},
    {"unknown power sector", "power: {sector: power,", "power: {sector: turbines,", NULL, NULL,
     NULL, BK_ERR_REFERENCE, EDIT,
     "city.power.sector: unknown sector 'turbines' (not defined in city.sectors)"},
    {"power without fuel_share", "fuel_share: 0.7, ", "", NULL, NULL, NULL, BK_ERR_SCHEMA, EDIT,
     "city.power: missing required key 'fuel_share'"},
    {"reopen_above below close_below", "reopen_above: 0.8", "reopen_above: 0.4", NULL, NULL, NULL,
     BK_ERR_VALUE, EDIT, "city.schools.reopen_above (0.4) must be >= close_below (0.5)"},
    {"reserve above capacity", "reserve_floor_l: {gasoil: 5500000",
     "reserve_floor_l: {gasoil: 29500000", NULL, NULL, NULL, BK_ERR_VALUE, EDIT,
     "city.reserve_floor_l totals 30500000 L, more than depot_capacity_l 30000000 L"},
    {"reserve tier 9", "reserve_tier: 0", "reserve_tier: 9", NULL, NULL, NULL, BK_ERR_VALUE, EDIT,
     "city.reserve_tier must be in 0..8, got 9"},
    {"pressure weights all zero",
     "weights: {blackout: 0.25, queue: 0.2, price: 0.2, schools: 0.15, shortage: 0.2}",
     "weights: {blackout: 0, queue: 0, price: 0, schools: 0, shortage: 0}", NULL, NULL, NULL,
     BK_ERR_VALUE, EDIT, "city.pressure.weights must not all be 0"},
    {"currency too long", "currency: TST", "currency: TESTLAND-DOLLARS", NULL, NULL, NULL,
     BK_ERR_VALUE, EDIT, "city.prices.currency is too long (16 bytes, at most 15)"},
    {"unknown key in policy.rationing", "typical_fill_l: 30}", "typical_fill: 30}", NULL, NULL,
     NULL, BK_ERR_SCHEMA, EDIT, "unknown key 'typical_fill' in policy.rationing"},
    {"bad escort allocation", "allocation: fixed", "allocation: random", NULL, NULL, NULL,
     BK_ERR_VALUE, EDIT,
     "policy.escorts.allocation must be one of: fixed, traffic, risk; got 'random'"},
    {"escort interval 0", "interval_days: 7", "interval_days: 0", NULL, NULL, NULL, BK_ERR_VALUE,
     EDIT, "policy.escorts.interval_days must be in 1..3650, got 0"},
    {"airlift of an unknown product", "  escorts: {allocation: fixed, interval_days: 7}",
     "  escorts: {allocation: fixed, interval_days: 7}\n"
     "  airlift: {from_date: 2025-10-01, litres_per_day: 1000, product: kerosene}",
     NULL, NULL, NULL, BK_ERR_REFERENCE, EDIT + 1,
     "policy.airlift.product: unknown product 'kerosene'"},
    {"airlift after the horizon", "  escorts: {allocation: fixed, interval_days: 7}",
     "  escorts: {allocation: fixed, interval_days: 7}\n"
     "  airlift: {from_date: 2025-11-15, litres_per_day: 1000, product: gasoil}",
     NULL, NULL, NULL, BK_ERR_VALUE, EDIT + 1,
     "policy.airlift.from_date 2025-11-15 is outside the scenario's horizon"},
    {"airlift without a rate", "  escorts: {allocation: fixed, interval_days: 7}",
     "  escorts: {allocation: fixed, interval_days: 7}\n"
     "  airlift: {from_date: 2025-10-01, product: gasoil}",
     NULL, NULL, NULL, BK_ERR_SCHEMA, EDIT + 1,
     "policy.airlift: missing required key 'litres_per_day'"},
    {"timeline sector_tier unknown sector", "sector: public_transport, tier: 1}",
     "sector: schools, tier: 1}", NULL, NULL, NULL, BK_ERR_REFERENCE, EDIT,
     "timeline[10].sector: unknown sector 'schools' (not defined in city.sectors)"},
    {"timeline sector_tier tier 0", "sector: public_transport, tier: 1}",
     "sector: public_transport, tier: 0}", NULL, NULL, NULL, BK_ERR_VALUE, EDIT,
     "timeline[10].tier must be in 1..8, got 0"},
    {"timeline fill_cap negative", "litres: 20,", "litres: -20,", NULL, NULL, NULL, BK_ERR_VALUE,
     EDIT, "timeline[9].litres must be in 0..1e+06 L, got -20"},
    {"timeline airlift negative", "litres_per_day: 50000", "litres_per_day: -1", NULL, NULL, NULL,
     BK_ERR_VALUE, EDIT, "timeline[11].litres_per_day must be in 0..1e+12 L/day, got -1"},
    {"timeline airlift without product", "litres_per_day: 50000, product: gasoline}",
     "litres_per_day: 50000}", NULL, NULL, NULL, BK_ERR_SCHEMA, EDIT,
     "timeline[11]: missing required key 'product'"},
    {"timeline escort_allocation bad mode", "mode: risk}", "mode: random}", NULL, NULL, NULL,
     BK_ERR_VALUE, EDIT, "timeline[12].mode must be one of: fixed, traffic, risk; got 'random'"},
    {"timeline price_control unknown key", "type: price_control, enabled: false}",
     "type: price_control, on: false}", NULL, NULL, NULL, BK_ERR_SCHEMA, EDIT,
     "unknown key 'on' in timeline entry of type price_control"},
    {"timeline reserve_release tier 9", "type: reserve_release, tier: 2",
     "type: reserve_release, tier: 9", NULL, NULL, NULL, BK_ERR_VALUE, EDIT,
     "timeline[14].tier must be in 0..8, got 9"},
    {"timeline official_price unknown product", "product: gasoline, price: 900",
     "product: diesel, price: 900", NULL, NULL, NULL, BK_ERR_REFERENCE, EDIT,
     "timeline[15].product: unknown product 'diesel'"},
    {"timeline official_price negative", "product: gasoline, price: 900",
     "product: gasoline, price: -900", NULL, NULL, NULL, BK_ERR_VALUE, EDIT,
     "timeline[15].price must be in 0..1e+09 per L, got -900"},
    /* Ids that differ only in case or in '-'/'_' give the same column in the outputs. */
    {"sector ids equal as columns", "{id: private_transport,", "{id: Public-Transport,", NULL, NULL,
     NULL, BK_ERR_VALUE, EDIT,
     "city.sectors[3].id 'Public-Transport' clashes with city.sectors[2].id 'public_transport': "
     "both give the column name 'public_transport'"},
    {"corridor ids equal as columns", "  - id: south\n    name: South corridor",
     "  - id: West\n    name: South corridor", "corridor: south, units", "corridor: West, units",
     NULL, BK_ERR_VALUE, EDIT, "corridors[1].id 'West' clashes with corridors[0].id 'west'"},
    {"cell ids equal as columns", "{id: south_cell,", "{id: WEST-CELL,", NULL, NULL, NULL,
     BK_ERR_VALUE, EDIT, "armed_group.cells[1].id 'WEST-CELL' clashes with"},
    /* Inputs with which libfyaml 0.7.12 crashes or hangs (found by tests/fuzz), refused first. */
    {"explicit key with a tab (libfyaml crash)", NULL, NULL, NULL, NULL, &raw_fy_crash,
     BK_ERR_SYNTAX, 1, "the explicit-key indicator '?' is not supported"},
    {"directive (libfyaml hang)", "blockade: 1", "%YAML 1.2\n---\nblockade: 1", NULL, NULL, NULL,
     BK_ERR_SYNTAX, EDIT, "a YAML directive"},
    /* Text that reorders or drives a terminal. */
    {"bidi override in a name", "name: Two corridors (test)", "name: \"Two \xe2\x80\xaeztset\"",
     NULL, NULL, NULL, BK_ERR_VALUE, EDIT, "U+202E, a bidirectional text control"},
    {"bidi isolate in a note", "note: depot shortage", "note: depot \xe2\x81\xa6shortage", NULL,
     NULL, NULL, BK_ERR_VALUE, EDIT, "U+2066, a bidirectional text control"},
    {"C1 control in a name", "name: Gasoline}",
     "name: \"Gas\xc2\x9b"
     "2Joline\"}",
     NULL, NULL, NULL, BK_ERR_VALUE, EDIT, "U+009B, a C1 control character"},
};

static char *make_case_text(const bad_case *c, size_t *len, int *edit_line)
{
    *edit_line = 0;
    if (c->raw != NULL)
        return c->raw->gen ? c->raw->gen(len) : dup_text(c->raw->bytes, c->raw->len, len);
    *edit_line = bk_test_line_of(base_text, c->find);
    char *t = bk_test_replace(base_text, c->find, c->replace);
    if (t != NULL && c->find2 != NULL) {
        char *t2 = bk_test_replace(t, c->find2, c->replace2);
        free(t);
        t = t2;
    }
    if (t != NULL)
        *len = strlen(t);
    return t;
}

static void malformed_scenarios(void **state)
{
    (void)state;
    const size_t n = sizeof bad_cases / sizeof bad_cases[0];
    assert_true(n >= 45 + 30);
    int failures = 0;
    for (size_t i = 0; i < n; i++) {
        const bad_case *c = &bad_cases[i];
        size_t len = 0;
        int edit_line;
        char *text = make_case_text(c, &len, &edit_line);
        if (text == NULL) {
            print_error("case '%s': the edit does not apply to %s\n", c->name, REFERENCE_FILE);
            failures++;
            continue;
        }
        int want_line = c->line <= EDIT / 2 ? edit_line + (c->line - EDIT) : c->line;
        bk_scenario *sc = (bk_scenario *)&sc;
        bk_error err;
        memset(&err, 0, sizeof err);
        bk_status st = bk_scenario_load_string(text, len, "bad.yaml", &sc, &err);
        if (getenv("BK_TEST_VERBOSE"))
            print_message("%-36s %s\n", c->name, err.message);
        bool ok = st == c->status && sc == NULL && err.status == c->status &&
                  err.line == want_line && strstr(err.message, c->substring) != NULL &&
                  strchr(err.message, '\n') == NULL && strncmp(err.message, "bad.yaml:", 9) == 0;
        if (!ok) {
            print_error("case '%s': got %s line %d \"%s\"; want %s line %d containing \"%s\"\n",
                        c->name, bk_status_name(st), err.line, err.message,
                        bk_status_name(c->status), want_line, c->substring);
            failures++;
        }
        if (st == BK_OK && sc != NULL && sc != (bk_scenario *)&sc)
            bk_scenario_free(sc);
        free(text);
    }
    assert_int_equal(failures, 0);
}

/* A few bad cases again through a real file: same status and line, the path in the message. */
static void malformed_files(void **state)
{
    (void)state;
    char *dir = bk_test_temp_dir("bk-scenario");
    const size_t picks[] = {0, 9, 16, 40};
    for (size_t i = 0; i < sizeof picks / sizeof picks[0]; i++) {
        const bad_case *c = &bad_cases[picks[i]];
        size_t len = 0;
        int edit_line;
        char *text = make_case_text(c, &len, &edit_line);
        assert_non_null(text);
        char *path = bk_test_temp_file(dir, "bad.yaml", text, len);
        bk_scenario *sc = (bk_scenario *)&sc;
        bk_error err = {0};
        assert_int_equal(bk_scenario_load_file(path, &sc, &err), c->status);
        assert_null(sc);
        assert_int_equal(strncmp(err.message, path, strlen(path)), 0);
        assert_string_equal(err.file, path);
        assert_non_null(strstr(err.message, c->substring));
        free(path);
        free(text);
    }
    assert_int_equal(bk_test_remove_tree(dir), 0);
    free(dir);
}

BK_TEST_MAIN_GROUP("scenario_errors", bk_test_setup_base, bk_test_teardown_base,
                   malformed_scenarios, malformed_files)
