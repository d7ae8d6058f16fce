/* schema.c: the table of every scenario key, the single place a key is described.
 *
 * ADDING A SCALAR KEY: add ONE row below, in the section it belongs to, and use the field in the
 * model. The row gives the path (list items written "[]"), the field (S(...) for bk_scenario,
 * I(type, member) for a list item), required or the default, the bounds, unit, sub-model and a
 * one-line description. Nothing else: the loader reads it, unknown-key messages list it,
 * bk_scenario_set / policy files / calibration can set it, and tests/unit/test_schema.c checks
 * that docs/scenario-format.md documents it with the same default and bounds (add the doc row).
 * A rule between several keys (a <= b, a required when b > 0) goes in rules.c. Rows of type
 * SPECIAL, MAP and LIST only declare the key; their reading is written out in load.c.
 */
#include "scenario/schema.h"

#include "scenario/scenario.h"

#include <stdio.h>
#include <string.h>

const char *const bki_convoy_mode_words[] = {"off", "date", "threat", "always", NULL};
const char *const bki_routing_words[] = {"fixed", "risk_aware", NULL};
const char *const bki_escort_alloc_words[] = {"fixed", "traffic", "risk", NULL};
const char *const bki_place_kind_words[] = {"port", "border", "town", "city", "depot", NULL};
const char *const bki_mode_words[] = {"road", "river", "air", NULL};
const char *const bki_vehicle_kind_words[] = {"road_tanker", "truck", "boat", "aircraft",
                                             "helicopter", NULL};
static const char *const newline_ok[] = {NULL};   /* marks a string that may hold newlines */

#define S(f) offsetof(bk_scenario, f)
#define I(T, f) offsetof(T, f)
#define SZ(T, f) sizeof(((T *)0)->f)

/* bounds: lo_op, hi_op, lo, hi */
#define NONE 0, 0, 0.0, 0.0
#define GT0_LE(h) '>', 'L', 0.0, (h)
#define IN(l, h) 'G', 'L', (l), (h)
#define SHARE IN(0.0, 1.0)
#define REQ true, 0.0
#define OPT(d) false, (d)
#define REQD(d) true, (d)   /* required, with this value when its section is absent */
#define HALF(l, h) 'G', '<', (l), (h)
#define OPEN(l, h) '>', '<', (l), (h)

#define NUM(p, o, need, b, u, sub, d) {p, BK_KT_NUM, o, 0, need, NULL, b, u, NULL, 0, sub, d, false}
/* a number that describes the world (see bk_key.fact): not a lever */
#define FACT_NUM(p, o, need, b, u, sub, d) \
    {p, BK_KT_NUM, o, 0, need, NULL, b, u, NULL, 0, sub, d, true}
#define INT(p, o, need, lo, hi, u, sub, d) \
    {p, BK_KT_INT, o, 0, need, NULL, IN(lo, hi), u, NULL, 0, sub, d, false}
#define INTD(p, o, need, lo, hi, u, sub, d) \
    {p, BK_KT_INT_D, o, 0, need, NULL, IN(lo, hi), u, NULL, 0, sub, d, false}
#define BOOL(p, o, dv, sub, d) \
    {p, BK_KT_BOOL, o, 0, false, (dv), NULL, NONE, "", NULL, 0, sub, d, false}
#define STR(p, o, size, need, sdef, sub, d) \
    {p, BK_KT_STR, o, size, need, sdef, NONE, "", NULL, 0, sub, d, false}
#define TEXT(p, o, size, sub, d) \
    {p, BK_KT_STR, o, size, false, 0.0, "", NONE, "", newline_ok, 0, sub, d, false}
#define ENUM(p, o, dv, w, sub, d) \
    {p, BK_KT_ENUM, o, 0, false, (dv), NULL, NONE, "", w, 0, sub, d, false}
#define DATE(p, o, need, sub, d) {p, BK_KT_DATE, o, 0, need, NULL, NONE, "", NULL, 0, sub, d, false}
#define RANGE(p, o, o2, need, b, u, sub, d) \
    {p, BK_KT_RANGE, o, o2, need, NULL, b, u, NULL, 0, sub, d, false}
#define REF(p, o, r, sub, d) {p, BK_KT_REF, o, 0, true, 0.0, NULL, NONE, "", NULL, r, sub, d, false}
#define PMAP(p, o, need, b, u, sub, d) \
    {p, BK_KT_PMAP, o, 0, need, NULL, b, u, NULL, 0, sub, d, false}
#define ID(p, sub, d) {p, BK_KT_ID, 0, 0, true, 0.0, NULL, NONE, "", NULL, 0, sub, d, false}
#define SPECIAL(p, req, sub, d) \
    {p, BK_KT_SPECIAL, 0, 0, req, 0.0, NULL, NONE, "", NULL, 0, sub, d, false}
#define MAP(p, req, sub, d) {p, BK_KT_MAP, 0, 0, req, 0.0, NULL, NONE, "", NULL, 0, sub, d, false}
#define LIST(p, req, sub, d) {p, BK_KT_LIST, 0, 0, req, 0.0, NULL, NONE, "", NULL, 0, sub, d, false}

const bk_key bki_schema[] = {
    SPECIAL("blockade", true, "format", "format version, must be 1"),
    MAP("scenario", true, "scenario", "name, dates, seed"),
    LIST("products", true, "network", "fuel products"),
    LIST("places", true, "network", "ports, borders, towns, the city"),
    LIST("segments", true, "network", "road segments between places"),
    LIST("ports", true, "supply", "loading ports"),
    LIST("corridors", true, "convoys", "routes from a port to the city"),
    LIST("vehicles", false, "modes", "vehicle classes (default: the built-in road tanker)"),
    MAP("city", true, "city", "the city's depot and its city side"),
    MAP("fleet", true, "fleet", "tanker fleet"),
    MAP("policy", false, "policy", "the defender's policy"),
    MAP("armed_group", false, "cells", "the armed group and its cells"),
    LIST("timeline", false, "timeline", "dated events"),

    /* scenario */
    STR("scenario.name", S(name), SZ(bk_scenario, name), REQ, "", "scenario", "scenario name"),
    TEXT("scenario.description", S(description), SZ(bk_scenario, description), "scenario",
         "free text"),
    SPECIAL("scenario.start_date", true, "scenario", "first day of the simulation, 00:00"),
    INT("scenario.days", S(days), REQ, 1, 3650, "days", "scenario", "the horizon"),
    INT("scenario.warmup_days", S(warmup_days), OPT(30), 0, 3650, "days", "scenario",
        "normal traffic simulated before the start date"),
    SPECIAL("scenario.seed", false, "scenario", "default seed of the random streams"),
    STR("scenario.country", S(country), SZ(bk_scenario, country), OPT(0), "", "output",
        "the city's country (ACLED country)"),
    SPECIAL("scenario.iso", false, "output", "ISO 3166 numeric code (ACLED iso)"),
    STR("scenario.region", S(region), SZ(bk_scenario, region), OPT(0), "", "output",
        "ACLED region"),

    /* products */
    ID("products[].id", "network", "product id"),
    STR("products[].name", I(bk_product, name), SZ(bk_product, name), OPT(0), NULL, "network",
        "display name"),

    /* places */
    ID("places[].id", "network", "place id"),
    STR("places[].name", I(bk_place, name), SZ(bk_place, name), OPT(0), NULL, "network",
        "display name"),
    {"places[].kind", BK_KT_ENUM, I(bk_place, kind), 0, true, 0.0, NULL, NONE, "",
     bki_place_kind_words, 0, "network", "kind of place", true},
    FACT_NUM("places[].lat", I(bk_place, lat), REQ, IN(-90.0, 90.0), "degrees", "network",
        "latitude, WGS84"),
    FACT_NUM("places[].lon", I(bk_place, lon), REQ, IN(-180.0, 180.0), "degrees", "network",
        "longitude, WGS84"),
    STR("places[].country", I(bk_place, country), SZ(bk_place, country), OPT(0), "", "output",
        "ACLED country"),
    STR("places[].admin1", I(bk_place, admin1), SZ(bk_place, admin1), OPT(0), "", "output",
        "first-level region, ACLED admin1"),
    RANGE("places[].border_delay_hours", I(bk_place, border_delay_min_h),
          I(bk_place, border_delay_max_h), OPT(0), IN(0.0, 720.0), "h", "network",
          "kind border only: crossing delay ~ Uniform(min, max)"),
    MAP("places[].airfield", false, "modes", "the place is an airfield"),
    NUM("places[].airfield.sorties_per_day", I(bk_place, airfield_sorties_per_day), OPT(0.0),
        IN(0.0, 10000.0), "sorties/day", "modes", "departures plus landings a day; 0: none"),
    NUM("places[].airfield.closure_hours", I(bk_place, airfield_closure_hours), OPT(48.0),
        IN(0.0, 8760.0), "h", "modes", "closed this long after a successful attack"),
    NUM("places[].airfield.defence", I(bk_place, airfield_defence), OPT(0.0), IN(0.0, 1e6),
        "fighters", "modes", "defending strength against an attack on the airfield"),

    /* segments */
    REF("segments[].from", I(bk_segment, from), BK_REF_PLACE, "network", "one end"),
    REF("segments[].to", I(bk_segment, to), BK_REF_PLACE, "network", "the other end"),
    NUM("segments[].length_km", I(bk_segment, length_km), REQ, GT0_LE(20000.0), "km", "network",
        "length"),
    NUM("segments[].speed_kmh", I(bk_segment, speed_kmh), REQ, GT0_LE(1000.0), "km/h", "network",
        "mean speed of a loaded tanker"),
    NUM("segments[].cover", I(bk_segment, cover), OPT(0.0), SHARE, "", "cells",
        "terrain cover favouring ambush"),
    NUM("segments[].travel_cv", I(bk_segment, travel_cv), OPT(0.25), IN(0.0, 5.0), "", "convoys",
        "coefficient of variation of the (lognormal) travel time"),
    ENUM("segments[].mode", I(bk_segment, mode), 0, bki_mode_words, "modes",
         "road, river, or air (a direct link between airfields)"),
    NUM("segments[].reverse_speed_factor", I(bk_segment, reverse_speed_factor), OPT(1.0),
        GT0_LE(10.0), "", "modes", "speed from `to` to `from` relative to speed_kmh"),
    SPECIAL("segments[].speed_by_month", false, "modes",
            "12 speed factors, January first (water level); all 1 if absent"),

    /* ports */
    ID("ports[].id", "supply", "port id"),
    REF("ports[].place", I(bk_port, place), BK_REF_PLACE, "supply", "the port's place"),
    NUM("ports[].load_rate_per_day", I(bk_port, load_rate_per_day), REQ, GT0_LE(100000.0),
        "tankers/day", "supply", "tankers loaded per day"),
    PMAP("ports[].product_share", I(bk_port, product_share), REQ, SHARE, "", "supply",
         "share of loads of each product, summing to 1"),

    /* corridors */
    ID("corridors[].id", "convoys", "corridor id"),
    STR("corridors[].name", I(bk_corridor, name), SZ(bk_corridor, name), OPT(0), NULL, "convoys",
        "display name"),
    REF("corridors[].port", I(bk_corridor, port), BK_REF_PORT, "convoys", "the loading port"),
    SPECIAL("corridors[].path", true, "convoys", "place ids from the port's place to the city"),
    SPECIAL("corridors[].staging", false, "convoys", "the place on the path where convoys form"),
    INT("corridors[].tankers", I(bk_corridor, tankers), REQ, 0, 1000000, "tankers", "fleet",
        "fleet at the start"),
    MAP("corridors[].escort", false, "escorts", "the corridor's escort pool"),
    INT("corridors[].escort.units", I(bk_corridor, escort_units), OPT(0), 0, 100000, "units",
        "escorts", "escort pool at the start"),
    NUM("corridors[].escort.strength", I(bk_corridor, escort_strength), OPT(0.0), IN(0.0, 1e6),
        "fighters", "escorts", "fighting strength of one unit; > 0 when units > 0"),
    NUM("corridors[].escort.replacement_per_week", I(bk_corridor, escort_replacement_per_week),
        OPT(0.0), IN(0.0, 1e4), "units/week", "escorts", "units replacing losses"),
    {"corridors[].vehicle", BK_KT_REF, I(bk_corridor, vehicle), 0, false, -1.0, NULL, NONE, "",
     NULL, BK_REF_VEHICLE, "modes",
     "vehicle class serving it; default the built-in road tanker", false},

    /* vehicle classes */
    ID("vehicles[].id", "modes", "vehicle class id"),
    STR("vehicles[].name", I(bk_vehicle, name), SZ(bk_vehicle, name), OPT(0), NULL, "modes",
        "display name"),
    {"vehicles[].kind", BK_KT_ENUM, I(bk_vehicle, kind), 0, true, 0.0, NULL, NONE, "",
     bki_vehicle_kind_words, 0, "modes",
     "road_tanker, truck, boat, aircraft or helicopter", true},
    SPECIAL("vehicles[].modes", false, "modes",
            "modes it can use; default road (tanker, truck), river (boat), air (aircraft)"),
    NUM("vehicles[].capacity_l", I(bk_vehicle, capacity_l), REQ, GT0_LE(1e7), "L", "modes",
        "fuel carried per vehicle"),
    NUM("vehicles[].speed_factor", I(bk_vehicle, speed_factor), OPT(1.0), GT0_LE(10.0), "",
        "modes", "travel speed relative to the segment's speed_kmh"),
    NUM("vehicles[].cost_per_tonne_km", I(bk_vehicle, cost_per_tonne_km), OPT(0.0),
        IN(0.0, 1e9), "currency/(t km)", "cost", "per tonne of cargo per km travelled loaded"),
    NUM("vehicles[].cost_per_trip", I(bk_vehicle, cost_per_trip), OPT(0.0), IN(0.0, 1e12),
        "currency", "cost", "per loaded trip (a flight, a voyage)"),
    NUM("vehicles[].loss_per_sortie", I(bk_vehicle, loss_per_sortie), OPT(0.0), SHARE, "",
        "modes", "chance of loss per air leg flown while a cell threatens an airfield"),

    /* city */
    REF("city.place", S(city.place), BK_REF_PLACE, "city", "where every corridor ends"),
    NUM("city.depot_capacity_l", S(city.depot_capacity_l), REQ, GT0_LE(1e12), "L", "city",
        "depot capacity"),
    PMAP("city.initial_stock_l", S(city.initial_stock_l), OPT(0.0), IN(0.0, 1e12), "L", "city",
         "stock at the start"),
    RANGE("city.unload_hours", S(city.unload_min_h), S(city.unload_max_h), OPT(0),
          IN(0.0, 720.0), "h", "city", "customs and unloading ~ Uniform(min, max)"),
    NUM("city.population", S(cityside.population), OPT(0.0), GT0_LE(1e10), "people", "city",
        "people at the start; per-capita sectors' demand follows the population of the day"),
    PMAP("city.reserve_floor_l", S(cityside.reserve_floor_l), OPT(0.0), IN(0.0, 1e12), "L",
         "city", "strategic reserve, kept for tiers <= reserve_tier"),
    INT("city.reserve_tier", S(cityside.reserve_tier), OPT(1), 0, BK_MAX_TIERS, "", "city",
        "tiers that may draw on the reserve"),
    LIST("city.sectors", false, "city", "demand sectors"),
    MAP("city.power", false, "power", "the power sector"),
    MAP("city.schools", false, "schools", "school closures"),
    MAP("city.queues", false, "city", "queues at stations"),
    MAP("city.prices", false, "market", "official and informal prices"),
    MAP("city.expectations", false, "market", "buyers' expectations of a shortage"),
    MAP("city.buffers", false, "city", "stocks held by households and informal traders"),
    MAP("city.hoarding", false, "city", "hoarding"),
    MAP("city.pressure", false, "city", "the pressure index"),

    ID("city.sectors[].id", "city", "sector id"),
    STR("city.sectors[].name", I(bk_sector, name), SZ(bk_sector, name), OPT(0), NULL, "city",
        "display name"),
    INT("city.sectors[].tier", I(bk_sector, tier), REQ, 1, BK_MAX_TIERS, "", "city",
        "rationing priority, 1 served first"),
    PMAP("city.sectors[].demand_l_per_day", I(bk_sector, demand_l_per_day), REQ, IN(0.0, 1e12),
         "L/day", "city", "baseline daily demand"),
    NUM("city.sectors[].floor_share", I(bk_sector, floor_share), OPT(0.0), SHARE, "", "city",
        "share of demand served before any tier is filled"),
    NUM("city.sectors[].elasticity", I(bk_sector, elasticity), OPT(0.0), IN(-5.0, 0.0), "",
        "market", "short-run price elasticity of demand"),
    BOOL("city.sectors[].retail", I(bk_sector, retail), 0, "city", "buys at stations"),
    BOOL("city.sectors[].priority", I(bk_sector, priority), 0, "city",
         "counted as a priority sector"),
    BOOL("city.sectors[].transport", I(bk_sector, transport), 0, "schools",
         "its shortfall counts toward school closure"),
    NUM("city.sectors[].stock_days", I(bk_sector, stock_days), OPT(0.0), IN(0.0, 365.0), "days",
        "city", "own stock outside the depot, days of the sector's baseline demand"),
    NUM("city.sectors[].restock_days", I(bk_sector, restock_days), OPT(1.0), GT0_LE(365.0),
        "days", "city", "the own stock is refilled toward its target over this many days"),
    BOOL("city.sectors[].per_capita", I(bk_sector, per_capita), 0, "city",
         "demand_l_per_day is at city.population and scales with the population of the day"),

    {"city.power.sector", BK_KT_REF, S(cityside.power_sector), 0, true, -1.0, NULL, NONE, "",
     NULL, BK_REF_SECTOR, "power", "the power-generation sector", false},
    NUM("city.power.fuel_share", S(cityside.power_fuel_share), REQD(0.0), SHARE, "", "power",
        "share of generation that depends on fuel"),
    NUM("city.power.hours_normal", S(cityside.power_hours_normal), REQD(24.0), IN(0.0, 24.0),
        "h", "power", "hours of supply a day with full fuel"),
    SPECIAL("city.power.fuel_share_by_month", false, "power",
            "12 shares, January first; default: fuel_share every month"),
    {"city.power.backup_sector", BK_KT_REF, S(cityside.backup_sector), 0, false, -1.0, NULL, NONE,
     "", NULL, BK_REF_SECTOR, "power",
     "the sector whose generators run during blackouts", false},
    NUM("city.power.backup_l_per_h", S(cityside.backup_l_per_h), OPT(0.0), IN(0.0, 1e9), "L/h",
        "power", "its extra litres per hour of blackout; needs backup_sector when > 0"),

    NUM("city.schools.close_below", S(cityside.school_close_below), OPT(0.5), SHARE, "",
        "schools", "transport served below this closes schools"),
    INT("city.schools.close_days", S(cityside.school_close_days), OPT(7), 1, 3650, "days",
        "schools", "consecutive days before closing"),
    NUM("city.schools.reopen_above", S(cityside.school_reopen_above), OPT(0.8), SHARE, "",
        "schools", "transport served at or above this reopens schools"),
    INT("city.schools.reopen_days", S(cityside.school_reopen_days), OPT(5), 1, 3650, "days",
        "schools", "consecutive days before reopening"),
    INT("city.schools.announce_days", S(cityside.school_announce_days), OPT(0), 0, 3650, "days",
        "schools", "from the decision to the first day of closure"),
    INT("city.schools.period_days", S(cityside.school_period_days), OPT(0), 0, 3650, "days",
        "schools", "announced closure length, reviewed at its end; 0: the hysteresis rule"),
    SPECIAL("city.schools.holidays", false, "schools",
            "list of [from, to] dates, inclusive: no school, no decision"),

    NUM("city.queues.hours_per_unmet_ratio", S(cityside.queue_hours_per_ratio), OPT(6.0),
        IN(0.0, 1000.0), "h", "city", "hours of waiting per unit of unmet / served demand"),
    NUM("city.queues.time_cost", S(cityside.queue_cost), OPT(0.0), IN(0.0, 10.0), "per h",
        "market", "full price = price ratio + time_cost × queue hours"),

    STR("city.prices.currency", S(cityside.currency), SZ(bk_city_side, currency), OPT(0), "",
        "market", "currency of the prices"),
    PMAP("city.prices.official_per_l", S(cityside.official_price), OPT(0.0), IN(0.0, 1e9),
         "per L", "market", "official price per litre"),
    NUM("city.prices.sensitivity", S(cityside.price_sensitivity), OPT(2.0), IN(0.0, 1000.0), "",
        "market", "log informal price per unit of unmet share"),
    NUM("city.prices.adjust_days", S(cityside.price_adjust_days), OPT(7.0), GT0_LE(3650.0),
        "days", "market", "time constant of the informal price"),
    NUM("city.prices.fear", S(cityside.price_fear), OPT(0.0), IN(0.0, 20.0), "", "market",
        "log informal price per unit of expectations"),

    NUM("city.expectations.declaration", S(cityside.exp_decl), OPT(0.0), IN(0.0, 100.0), "",
        "market", "news weight of a blockade declaration"),
    NUM("city.expectations.attack", S(cityside.exp_attack), OPT(0.0), IN(0.0, 100.0),
        "per attack", "market", "news weight of one successful attack on tankers"),
    NUM("city.expectations.news_days", S(cityside.exp_news_days), OPT(7.0), GT0_LE(3650.0),
        "days", "market", "e-folding time of news"),
    NUM("city.expectations.queue", S(cityside.exp_queue), OPT(0.0), IN(0.0, 100.0), "",
        "market", "weight of queue hours / 24"),
    NUM("city.expectations.cover", S(cityside.exp_cover), OPT(0.0), IN(0.0, 100.0), "",
        "market", "weight of max(0, 1 - cover / cover_days)"),
    NUM("city.expectations.cover_days", S(cityside.exp_cover_days), OPT(0.0), IN(0.0, 3650.0),
        "days", "market", "days of cover below which buyers expect a shortage"),

    NUM("city.buffers.household_days", S(cityside.hh_days), OPT(0.0), IN(0.0, 365.0), "days",
        "city", "households' normal stock, days of retail baseline demand"),
    NUM("city.buffers.household_hoard", S(cityside.hh_hoard), OPT(0.0), IN(0.0, 100.0), "",
        "city", "households' target × (1 + household_hoard × expectations)"),
    NUM("city.buffers.household_refill_days", S(cityside.hh_refill_days), OPT(2.0),
        GT0_LE(365.0), "days", "city", "households refill toward the target over this"),
    NUM("city.buffers.informal_days", S(cityside.inf_days), OPT(0.0), IN(0.0, 365.0), "days",
        "market", "informal traders' normal stock, days of retail baseline demand"),
    NUM("city.buffers.informal_hoard", S(cityside.inf_hoard), OPT(0.0), IN(0.0, 100.0), "",
        "market", "traders' target × (1 + informal_hoard × expectations)"),
    NUM("city.buffers.informal_refill_days", S(cityside.inf_refill_days), OPT(2.0),
        GT0_LE(365.0), "days", "market", "traders buy at stations toward the target over this"),

    NUM("city.hoarding.factor", S(cityside.hoard_factor), OPT(0.0), IN(0.0, 100.0), "", "city",
        "extra retail demand while cover is low"),
    NUM("city.hoarding.below_cover_days", S(cityside.hoard_cover_days), OPT(0.0),
        IN(0.0, 3650.0), "days", "city", "days of cover below which people hoard"),

    MAP("city.pressure.weights", false, "city", "weights of the pressure index"),
    NUM("city.pressure.threshold", S(cityside.pressure_threshold), OPT(0.5), SHARE, "", "city",
        "days above it count as high-pressure days"),
    NUM("city.pressure.weights.blackout", S(cityside.w_blackout), OPT(0.25), IN(0.0, 1e6), "",
        "city", "weight of blackouts"),
    NUM("city.pressure.weights.queue", S(cityside.w_queue), OPT(0.2), IN(0.0, 1e6), "", "city",
        "weight of queues"),
    NUM("city.pressure.weights.price", S(cityside.w_price), OPT(0.2), IN(0.0, 1e6), "", "city",
        "weight of prices"),
    NUM("city.pressure.weights.schools", S(cityside.w_schools), OPT(0.15), IN(0.0, 1e6), "",
        "city", "weight of school closures"),
    NUM("city.pressure.weights.shortage", S(cityside.w_shortage), OPT(0.2), IN(0.0, 1e6), "",
        "city", "weight of the shortage"),

    /* fleet */
    NUM("fleet.tanker_capacity_l", S(fleet.tanker_capacity_l), REQ, GT0_LE(200000.0), "L",
        "fleet", "litres per tanker"),
    FACT_NUM("fleet.density_kg_per_l", S(fleet.density_kg_per_l), OPT(0.8), IN(0.5, 1.2), "kg/L",
        "cost", "fuel density, for costs per tonne-km"),
    NUM("fleet.tanker_cost_per_tonne_km", S(fleet.tanker_cost_per_tonne_km), OPT(0.0),
        IN(0.0, 1e9), "currency/(t km)", "cost", "cost of the built-in road tanker"),
    NUM("fleet.join_rate_per_day", S(fleet.join_rate_per_day), OPT(0.0), IN(0.0, 1e5),
        "tankers/day", "fleet", "new tankers while a corridor is below its initial size"),
    NUM("fleet.fear_per_attack", S(fleet.fear_per_attack), OPT(0.0), SHARE, "", "fleet",
        "willingness × (1 − this) after an attack"),
    NUM("fleet.fear_per_kidnapping", S(fleet.fear_per_kidnapping), OPT(0.0), SHARE, "", "fleet",
        "willingness × (1 − this) per driver kidnapped"),
    NUM("fleet.recovery_days", S(fleet.recovery_days), OPT(30.0), GT0_LE(3650.0), "days",
        "fleet", "time constant of the return of willingness"),
    NUM("fleet.retry_hours", S(fleet.retry_hours), OPT(24.0), GT0_LE(8760.0), "h", "fleet",
        "a driver who will not leave asks again after this"),
    NUM("fleet.min_willingness", S(fleet.min_willingness), OPT(0.0), SHARE, "", "fleet",
        "floor of willingness"),
    NUM("fleet.declaration_fear", S(fleet.declaration_fear), OPT(0.0), SHARE, "", "fleet",
        "willingness × (1 − this) at the blockade declaration"),
    NUM("fleet.escort_demand_below", S(fleet.escort_demand_below), OPT(0.0), SHARE, "", "fleet",
        "drivers wait for an escort while willingness is below this"),
    NUM("fleet.escort_confidence", S(fleet.escort_confidence), OPT(0.0), SHARE, "", "fleet",
        "share of reluctant drivers who leave when convoys run"),
    NUM("fleet.fear_shared_port", S(fleet.fear_shared_port), OPT(0.0), SHARE, "", "fleet",
        "share of an attack's fear felt on the other corridors of the same port"),

    /* policy */
    MAP("policy.convoy", false, "convoys", "convoys"),
    MAP("policy.night_ban", false, "convoys", "night movement ban"),
    MAP("policy.routing", false, "convoys", "routing"),
    MAP("policy.rationing", false, "city", "rationing"),
    MAP("policy.escorts", false, "escorts", "escort allocation"),
    MAP("policy.airlift", false, "city", "airlift"),

    ENUM("policy.convoy.mode", S(policy.convoy_mode), BK_CONVOY_OFF, bki_convoy_mode_words,
         "convoys", "when tankers travel in convoys"),
    DATE("policy.convoy.from_date", S(policy.convoy_from_h), OPT(0.0), "convoys",
         "mode date: convoys from this day"),
    NUM("policy.convoy.threat_attacks_per_week", S(policy.threat_attacks_per_week), OPT(1.0),
        GT0_LE(1e4), "attacks/week", "convoys", "mode threat: attacks that start convoys"),
    INT("policy.convoy.min_size", S(policy.convoy_min_size), OPT(1), 1, 100000, "tankers",
        "convoys", "smallest convoy"),
    INT("policy.convoy.max_size", S(policy.convoy_max_size), OPT(100), 1, 100000, "tankers",
        "convoys", "largest convoy"),
    NUM("policy.convoy.max_wait_hours", S(policy.convoy_max_wait_h), OPT(48.0), IN(0.0, 8760.0),
        "h", "convoys", "a convoy leaves with fewer than min_size after this wait"),
    INT("policy.convoy.escort_per_convoy", S(policy.escort_per_convoy), OPT(0), 0, 100000,
        "units", "escorts", "escort units assigned to each convoy"),
    INT("policy.convoy.escort_min", S(policy.escort_min), OPT(0), 0, 100000, "units", "escorts",
        "a convoy does not leave with fewer"),
    NUM("policy.convoy.speed_factor", S(policy.convoy_speed_factor), OPT(1.0), GT0_LE(1.0), "",
        "convoys", "convoy speed relative to a lone tanker"),
    NUM("policy.convoy.escort_rest_hours", S(policy.escort_rest_h), OPT(0.0), IN(0.0, 8760.0),
        "h", "escorts", "escort units stay at base this long after a return"),
    NUM("policy.convoy.escort_setup_hours", S(policy.escort_setup_h), OPT(0.0),
        IN(0.0, 8760.0), "h", "escorts",
        "the first escort on a corridor leaves this long after its first tanker waits"),

    BOOL("policy.night_ban.enabled", S(policy.night_ban), 0, "convoys", "no movement at night"),
    NUM("policy.night_ban.from_hour", S(policy.night_from_hour), OPT(19.0), HALF(0.0, 24.0),
        "h", "convoys", "start of the night"),
    NUM("policy.night_ban.to_hour", S(policy.night_to_hour), OPT(6.0), HALF(0.0, 24.0), "h",
        "convoys", "end of the night"),

    ENUM("policy.routing.mode", S(policy.routing), BK_ROUTING_FIXED, bki_routing_words, "convoys",
         "fixed paths or risk-aware routing"),
    NUM("policy.routing.risk_weight", S(policy.risk_weight), OPT(1.0), IN(0.0, 1e6), "",
        "convoys", "cost = time × (1 + risk_weight × risk)"),
    NUM("policy.routing.risk_memory_days", S(policy.risk_memory_days), OPT(14.0),
        GT0_LE(3650.0), "days", "convoys", "time constant of the attack memory"),

    BOOL("policy.rationing.price_control", S(citypol.price_control), 1, "market",
         "official price fixed"),
    NUM("policy.rationing.per_fill_cap_l", S(citypol.per_fill_cap_l), OPT(0.0), IN(0.0, 1e6),
        "L", "city", "cap per fill on retail sales, 0 for none"),
    NUM("policy.rationing.typical_fill_l", S(citypol.typical_fill_l), OPT(30.0), GT0_LE(1e6),
        "L", "city", "litres bought per fill without a cap"),

    ENUM("policy.escorts.allocation", S(citypol.escort_alloc), BK_ESCORT_FIXED,
         bki_escort_alloc_words, "escorts", "how the escort force is shared"),
    INTD("policy.escorts.interval_days", S(citypol.escort_realloc_days), OPT(7), 1, 3650, "days",
         "escorts", "how often the force is shared again"),

    DATE("policy.airlift.from_date", S(citypol.airlift_from_h), REQD(-1.0), "city",
         "first day of the airlift"),
    NUM("policy.airlift.litres_per_day", S(citypol.airlift_l_per_day), REQ, GT0_LE(1e12),
        "L/day", "city", "added to the depot each day"),
    {"policy.airlift.product", BK_KT_REF, S(citypol.airlift_product), 0, true, -1.0, NULL, NONE,
     "", NULL, BK_REF_PRODUCT, "city", "product airlifted", false},

    /* armed group */
    STR("armed_group.name", S(group.name), SZ(bk_armed_group, name), OPT(0),
        "Unidentified Armed Group", "cells", "ACLED actor1"),
    DATE("armed_group.campaign_start", S(group.campaign_start_h), OPT(-1.0), "cells",
         "the blockade declaration"),
    NUM("armed_group.readiness_cv", S(group.readiness_cv), OPT(0.0), IN(0.0, 10.0), "",
        "cells", "coefficient of variation of the cells' Gamma readiness delays"),
    NUM("armed_group.pre_campaign_interest", S(group.pre_campaign_interest), OPT(1.0), SHARE, "",
        "cells", "detection multiplier on tankers before the campaign"),
    NUM("armed_group.empty_interest", S(group.empty_interest), OPT(1.0), SHARE, "", "cells",
        "detection multiplier on empty tankers"),
    MAP("armed_group.ambush", true, "cells", "the ambush model"),
    MAP("armed_group.road_cuts", false, "cells", "road cuts"),
    MAP("armed_group.coordinated_days", false, "cells", "coordinated days"),
    MAP("armed_group.adaptation", false, "cells", "how cells move"),
    LIST("armed_group.cells", false, "cells", "the cells"),

    NUM("armed_group.ambush.base_logit", S(group.ambush_base_logit), REQ, IN(-50.0, 50.0), "",
        "cells", "logit of success at equal strength and no cover"),
    NUM("armed_group.ambush.ratio_coef", S(group.ambush_ratio_coef), REQ, IN(0.0, 50.0), "",
        "cells", "logit per unit of ln(strength / escort)"),
    NUM("armed_group.ambush.cover_coef", S(group.ambush_cover_coef), REQ, IN(-50.0, 50.0), "",
        "cells", "logit per unit of cover"),
    NUM("armed_group.ambush.unescorted_success", S(group.unescorted_success), REQ, SHARE, "",
        "cells", "success probability against a target with no escort"),
    NUM("armed_group.ambush.min_success", S(group.min_success), REQ, SHARE, "", "cells",
        "a cell attacks only if its expected success is at least this"),
    NUM("armed_group.ambush.party_share", S(group.attack_party_share), REQ, GT0_LE(1.0), "",
        "cells", "share of the cell's fighters committed"),
    NUM("armed_group.ambush.destroy_share_mean", S(group.destroy_share_mean), REQD(0.5),
        OPEN(0.0, 1.0), "", "cells", "mean share of the convoy's tankers lost on success"),
    NUM("armed_group.ambush.destroy_concentration", S(group.destroy_concentration), REQD(2.0),
        GT0_LE(1e6), "", "cells", "Beta concentration a + b of that share"),
    NUM("armed_group.ambush.capture_share", S(group.capture_share), REQ, SHARE, "", "cells",
        "share of lost tankers captured rather than burned"),
    NUM("armed_group.ambush.kidnap_prob", S(group.kidnap_prob), REQ, SHARE, "", "cells",
        "per driver of a lost tanker"),
    NUM("armed_group.ambush.escort_loss_success", S(group.escort_loss_success), REQ, SHARE, "",
        "escorts", "per escort unit, on a successful ambush"),
    NUM("armed_group.ambush.escort_loss_failure", S(group.escort_loss_failure), REQ, SHARE, "",
        "escorts", "per escort unit, on a failed ambush"),
    NUM("armed_group.ambush.fighter_loss_success", S(group.fighter_loss_success), REQ, SHARE, "",
        "cells", "share of the party lost on success"),
    NUM("armed_group.ambush.fighter_loss_failure", S(group.fighter_loss_failure), REQ, SHARE, "",
        "cells", "share of the party lost on failure"),
    RANGE("armed_group.ambush.delay_hours", S(group.delay_min_h), S(group.delay_max_h), REQ,
          IN(0.0, 8760.0), "h", "convoys", "delay to the surviving convoy"),
    NUM("armed_group.ambush.lone_burn_prob", S(group.lone_burn_prob), REQ, SHARE, "", "cells",
        "a lone tanker attacked is burned with this, else turned back"),
    NUM("armed_group.ambush.hold_hours", S(group.hold_hours), OPT(0.0), IN(0.0, 48.0), "h",
        "cells", "after a successful attack on a lone loaded tanker, the road is held this long"),

    NUM("armed_group.road_cuts.rate_per_day", S(group.road_cut_rate_per_day), OPT(0.0),
        IN(0.0, 1000.0), "cuts/day", "cells", "per ready cell during the campaign"),
    RANGE("armed_group.road_cuts.repair_hours", S(group.repair_min_h), S(group.repair_max_h),
          OPT(0), IN(0.0, 87600.0), "h", "cells", "the road reopens after Uniform(min, max)"),

    NUM("armed_group.coordinated_days.rate_per_week", S(group.coordinated_rate_per_week),
        OPT(0.0), IN(0.0, 7.0), "days/week", "cells", "coordinated days during the campaign"),
    NUM("armed_group.coordinated_days.boost", S(group.coordinated_boost), OPT(1.0),
        IN(1.0, 1000.0), "", "cells", "detection multiplier on a coordinated day"),

    NUM("armed_group.adaptation.interval_hours", S(group.drift_interval_h), OPT(24.0),
        GT0_LE(8760.0), "h", "cells", "how often cells move toward attractive segments"),
    NUM("armed_group.adaptation.inertia", S(group.drift_inertia), OPT(1.0), SHARE, "", "cells",
        "share of the old position kept at each move"),
    NUM("armed_group.adaptation.traffic_memory_days", S(group.traffic_memory_days), OPT(14.0),
        GT0_LE(3650.0), "days", "cells", "time constant of the traffic memory"),

    ID("armed_group.cells[].id", "cells", "cell id"),
    REF("armed_group.cells[].home", I(bk_cell, home), BK_REF_PLACE, "cells", "home place"),
    NUM("armed_group.cells[].reach_km", I(bk_cell, reach_km), REQ, GT0_LE(5000.0), "km", "cells",
        "segments within reach of the position can be attacked"),
    NUM("armed_group.cells[].roam_km", I(bk_cell, roam_km), OPT(0.0), IN(0.0, 20000.0), "km",
        "cells", "the position stays within this of home"),
    NUM("armed_group.cells[].strength", I(bk_cell, strength), REQ, GT0_LE(1e6), "fighters",
        "cells", "fighters at the start"),
    NUM("armed_group.cells[].max_strength", I(bk_cell, max_strength), OPT(0.0), GT0_LE(1e6),
        "fighters", "cells", "recruitment cap; default: strength"),
    NUM("armed_group.cells[].recruitment_per_day", I(bk_cell, recruitment_per_day), OPT(0.0),
        IN(0.0, 1e5), "fighters/day", "cells", "recruits up to max_strength"),
    NUM("armed_group.cells[].intelligence", I(bk_cell, intelligence), REQ, SHARE, "", "cells",
        "probability of detecting a target passing through reach"),
    NUM("armed_group.cells[].readiness_hours", I(bk_cell, readiness_hours), OPT(0.0),
        IN(0.0, 8760.0), "h", "cells", "no new attack for this long after one"),
    NUM("armed_group.cells[].first_ready_days", I(bk_cell, first_ready_days), OPT(0.0),
        IN(0.0, 3650.0), "days", "cells", "no attack before this many days after the start"),
    NUM("armed_group.cells[].convoy_interest", I(bk_cell, convoy_interest), OPT(1.0),
        IN(0.0, 100.0), "multiplier", "cells", "detection multiplier on convoys"),
};

const int bki_schema_len = (int)(sizeof bki_schema / sizeof bki_schema[0]);

/* Contract in schema.h. */
bool bki_schema_in(const bk_key *row, const char *section, const char **key)
{
    size_t n = strlen(section);
    const char *p = row->path;
    if (n > 0) {
        if (strncmp(p, section, n) != 0 || p[n] != '.')
            return false;
        p += n + 1;
    }
    if (strchr(p, '.') != NULL)
        return false;
    if (key)
        *key = p;
    return true;
}

/* Contract in schema.h. */
const bk_key *bki_schema_find(const char *path)
{
    for (int i = 0; i < bki_schema_len; i++)
        if (strcmp(bki_schema[i].path, path) == 0)
            return &bki_schema[i];
    return NULL;
}

/* Contract in schema.h. */
const bk_key *bki_schema_resolve(const char *path, char *msg, size_t cap)
{
    char schema[512] = "", tok[128];
    const bk_key *row = NULL;
    const char *p = path;
    bool item = false;   /* the last token named an item, a product or an end of `row` */
    while (*p) {
        size_t n = strcspn(p, ".");
        if (n == 0 || n >= sizeof tok) {
            snprintf(msg, cap, "'%s' is not a dotted path of keys", path);
            return NULL;
        }
        memcpy(tok, p, n);
        tok[n] = '\0';
        p += n + (p[n] == '.');
        if (!item && row &&
            (row->type == BK_KT_PMAP || row->type == BK_KT_RANGE || row->type == BK_KT_LIST)) {
            item = true;
            continue;
        }
        item = false;
        char next[400];
        int w = snprintf(next, sizeof next, "%s%s%s", schema, schema[0] ? "." : "", tok);
        if (w < 0 || (size_t)w >= sizeof next) {
            snprintf(msg, cap, "'%s' is not a dotted path of keys (too long)", path);
            return NULL;
        }
        row = bki_schema_find(next);
        if (row == NULL) {
            char keys[600];
            bki_schema_keys(schema, keys, sizeof keys);
            snprintf(msg, cap, "the scenario has no key '%s'%s%s%s (expected one of: %s)", tok,
                     schema[0] ? " in '" : "", schema, schema[0] ? "'" : "", keys);
            return NULL;
        }
        snprintf(schema, sizeof schema, "%s%s", next, row->type == BK_KT_LIST ? "[]" : "");
    }
    if (row == NULL)
        snprintf(msg, cap, "an empty path");
    return row;
}

/* Contract in schema.h. */
void bki_schema_keys(const char *section, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < bki_schema_len && used < cap; i++) {
        const char *key;
        if (!bki_schema_in(&bki_schema[i], section, &key))
            continue;
        int n = snprintf(buf + used, cap - used, "%s%s", used ? ", " : "", key);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

/* Contract in schema.h. */
bool bki_schema_in_bounds(const bk_key *b, double v)
{
    if ((b->lo_op == '>' && !(v > b->lo)) || (b->lo_op == 'G' && !(v >= b->lo)))
        return false;
    if ((b->hi_op == '<' && !(v < b->hi)) || (b->hi_op == 'L' && !(v <= b->hi)))
        return false;
    return true;
}

/* Contract in schema.h. */
void bki_schema_bounds_text(const bk_key *b, char *buf, size_t cap)
{
    const char *sp = (b->unit && b->unit[0]) ? " " : "";
    const char *unit = b->unit ? b->unit : "";
    bool whole = b->type == BK_KT_INT || b->type == BK_KT_INT_D;
    if (whole)
        snprintf(buf, cap, "in %.0f..%.0f", b->lo, b->hi);
    else if (b->lo_op == 'G' && b->hi_op == 'L')
        snprintf(buf, cap, "in %g..%g%s%s", b->lo, b->hi, sp, unit);
    else if (b->lo_op && b->hi_op)
        snprintf(buf, cap, "%s %g and %s %g%s%s", b->lo_op == '>' ? ">" : ">=", b->lo,
                 b->hi_op == '<' ? "<" : "<=", b->hi, sp, unit);
    else if (b->lo_op)
        snprintf(buf, cap, "%s %g%s%s", b->lo_op == '>' ? ">" : ">=", b->lo, sp, unit);
    else if (b->hi_op)
        snprintf(buf, cap, "%s %g%s%s", b->hi_op == '<' ? "<" : "<=", b->hi, sp, unit);
    else
        snprintf(buf, cap, "a finite number");
}

/* Contract in schema.h. */
bool bki_schema_list(bk_scenario *sc, const char *path, char **base, int *count, size_t *size)
{
#define LIST_CASE(name, arr, n)              \
    if (strcmp(path, name) == 0) {           \
        *base = (char *)(arr);               \
        *count = (n);                        \
        *size = sizeof *(arr);               \
        return true;                         \
    }
    LIST_CASE("products", sc->products, sc->n_products)
    LIST_CASE("places", sc->places, sc->n_places)
    LIST_CASE("ports", sc->ports, sc->n_ports)
    LIST_CASE("corridors", sc->corridors, sc->n_corridors)
    LIST_CASE("vehicles", sc->vehicles, sc->n_vehicles)
    LIST_CASE("city.sectors", sc->cityside.sectors, sc->cityside.n_sectors)
    LIST_CASE("armed_group.cells", sc->group.cells, sc->group.n_cells)
#undef LIST_CASE
    return false;
}
