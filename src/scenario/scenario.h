/* scenario.h (internal): the validated, in-memory form of a scenario file.
 *
 * Produced by the loader (load.c) and read by the model; the model never modifies it. All names
 * are copies owned by the scenario. Indices refer to the arrays of the same struct. Units are in
 * the field names or comments: hours (h), km, litres (L), tankers, days; times are hours since
 * start_date 00:00. See docs/scenario-format.md for the file format that fills it.
 */
#ifndef BK_SCENARIO_INTERNAL_H
#define BK_SCENARIO_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blockade/scenario.h"

#define BK_ID_MAX 64   /* identifiers: [A-Za-z0-9_-], at most 63 characters */
#define BK_NAME_MAX 128

enum bk_place_kind { BK_PLACE_PORT, BK_PLACE_BORDER, BK_PLACE_TOWN, BK_PLACE_CITY, BK_PLACE_DEPOT };

/* Transport modes of a segment (docs/model/modes.md). An air segment is a direct link between two
 * airfields (places with airfield.sorties_per_day > 0). */
enum bk_mode { BK_MODE_ROAD, BK_MODE_RIVER, BK_MODE_AIR, BK_N_MODES };

/* Vehicle classes: the kind sets the words of the story and the default modes. */
enum bk_vehicle_kind {
    BK_VK_ROAD_TANKER, BK_VK_TRUCK, BK_VK_BOAT, BK_VK_AIRCRAFT, BK_VK_HELICOPTER, BK_N_VK
};

typedef struct bk_place {
    char id[BK_ID_MAX];
    char name[BK_NAME_MAX];
    char admin1[BK_NAME_MAX];    /* first-level region, for the ACLED columns ("" if unknown) */
    char country[BK_NAME_MAX];   /* for the ACLED columns ("" if unknown) */
    enum bk_place_kind kind;
    double lat, lon;             /* degrees, WGS84 */
    double border_delay_min_h;   /* kind border only: crossing delay ~ Uniform(min, max) hours */
    double border_delay_max_h;
    /* airfield (docs/model/modes.md): sorties_per_day > 0 makes the place an airfield */
    double airfield_sorties_per_day; /* departures and landings a day, 0: not an airfield */
    double airfield_closure_hours;   /* closed this long after a successful attack */
    double airfield_defence;         /* defending strength, fighter-equivalents (0: none) */
} bk_place;

typedef struct bk_segment {
    int from, to;           /* place indices; segments are two-way */
    double length_km;       /* > 0 */
    double speed_kmh;       /* mean travel speed of a loaded tanker, > 0 */
    double cover;           /* terrain cover favouring ambush, 0..1 */
    double travel_cv;       /* coefficient of variation of the travel time (lognormal), >= 0 */
    int mode;               /* enum bk_mode, road by default */
    double reverse_speed_factor; /* speed from `to` to `from` = speed_kmh × this (a river whose
                                    `from` is upstream: < 1 for the way up); 1 by default */
    double speed_month[12]; /* speed factor by calendar month, January first (water level);
                               all 1 unless speed_by_month is given */
} bk_segment;

/* A vehicle class (docs/model/modes.md). Corridors name one; without `vehicles` in the file,
 * every corridor uses the built-in road tanker (vehicle -1: fleet.tanker_capacity_l, road). */
typedef struct bk_vehicle {
    char id[BK_ID_MAX];
    char name[BK_NAME_MAX];
    int kind;                   /* enum bk_vehicle_kind */
    unsigned modes;             /* bit (1u << bk_mode) per mode it can use */
    double capacity_l;          /* litres per vehicle, > 0 */
    double speed_factor;        /* travel speed relative to the segment's speed_kmh */
    double cost_per_tonne_km;   /* currency per tonne of cargo per km travelled loaded */
    double cost_per_trip;       /* currency per loaded trip (a flight, a voyage) */
    double loss_per_sortie;     /* chance of losing the vehicle per air leg flown under threat */
} bk_vehicle;

typedef struct bk_product {
    char id[BK_ID_MAX];
    char name[BK_NAME_MAX];
} bk_product;

typedef struct bk_port {
    char id[BK_ID_MAX];
    int place;
    double load_rate_per_day;  /* tankers loaded per day, > 0 */
    double *product_share;     /* [n_products], sums to 1: share of loads of each product */
} bk_port;

typedef struct bk_corridor {
    char id[BK_ID_MAX];
    char name[BK_NAME_MAX];
    int port;                  /* port index */
    int *path;                 /* place indices from the port's place to the city's place */
    int *path_seg;             /* [path_len - 1] segment index of each leg */
    int path_len;
    int staging;               /* index into path where convoys form */
    int tankers;               /* initial fleet on this corridor (vehicles of its class), >= 0 */
    int vehicle;               /* vehicle class index, -1: the built-in road tanker */
    int escort_units;          /* escort pool at the start, >= 0 */
    double escort_strength;    /* fighting strength of one escort unit, in fighter-equivalents */
    double escort_replacement_per_week; /* escort units replacing losses, per week */
} bk_corridor;

typedef struct bk_city {
    int place;
    double depot_capacity_l;   /* > 0 */
    double *initial_stock_l;   /* [n_products] */
    double unload_min_h, unload_max_h; /* customs and unloading ~ Uniform(min, max) hours */
} bk_city;

typedef struct bk_fleet {
    double tanker_capacity_l;    /* litres per tanker, > 0 */
    double density_kg_per_l;     /* fuel density, for costs per tonne-km */
    double tanker_cost_per_tonne_km; /* cost of the built-in road tanker, currency/(t km) */
    double join_rate_per_day;    /* new tankers per day per corridor while below initial size */
    double fear_per_attack;      /* willingness *= 1 - fear_per_attack after an attack */
    double fear_per_kidnapping;  /* willingness *= (1 - fear_per_kidnapping)^drivers */
    double recovery_days;        /* time constant of the return of willingness toward 1 */
    double retry_hours;          /* a driver who will not leave asks again after this */
    double min_willingness;      /* floor of willingness, 0..1 */
    /* supply gating (docs/model/fleet.md, "Drivers' refusal") */
    double declaration_fear;     /* willingness *= 1 - declaration_fear at the declaration */
    double escort_demand_below;  /* drivers wait for an escort while willingness < this */
    double escort_confidence;    /* share of reluctant drivers who leave when convoys run */
    double fear_shared_port;     /* share of an attack's fear felt on the other corridors that
                                    load at the same port */
} bk_fleet;

enum bk_convoy_mode { BK_CONVOY_OFF, BK_CONVOY_DATE, BK_CONVOY_THREAT, BK_CONVOY_ALWAYS };
enum bk_routing_mode { BK_ROUTING_FIXED, BK_ROUTING_RISK };

typedef struct bk_policy {
    enum bk_convoy_mode convoy_mode;
    double convoy_from_h;          /* BK_CONVOY_DATE: hours since start */
    double threat_attacks_per_week;/* BK_CONVOY_THREAT: attacks on a corridor in the last 7 days */
    int convoy_min_size, convoy_max_size; /* tankers */
    bool convoy_max_size_given;    /* false: max_size follows min_size (at least 100) */
    double convoy_max_wait_h;      /* a convoy leaves with fewer than min_size after this wait */
    int escort_per_convoy;         /* escort units assigned to each convoy */
    int escort_min;                /* a convoy does not leave with fewer escort units than this */
    double convoy_speed_factor;    /* convoy speed relative to a lone tanker, 0..1 */
    double escort_rest_h;          /* supply gating: escort units stay at base this long after a
                                      return before they can leave again (docs/model/convoys.md) */
    double escort_setup_h;         /* escorts on a corridor can leave only this long after its
                                      first tanker waits at staging (docs/model/convoys.md) */
    bool night_ban;                /* no movement between night_from_hour and night_to_hour */
    double night_from_hour, night_to_hour;
    enum bk_routing_mode routing;
    double risk_weight;            /* risk-aware routing: cost = time * (1 + risk_weight * risk) */
    double risk_memory_days;       /* time constant of the attack memory behind a segment's risk */
} bk_policy;

typedef struct bk_cell {
    char id[BK_ID_MAX];
    int home;                 /* place index */
    double reach_km;          /* segments whose nearest point is within reach of the position */
    double roam_km;           /* the position stays within roam_km of home */
    double strength;          /* fighters at the start */
    double max_strength;      /* recruitment cap */
    bool max_strength_given;  /* false: max_strength follows strength */
    double recruitment_per_day; /* fighters per day up to max_strength */
    double intelligence;      /* probability of detecting a target passing through reach, 0..1 */
    double readiness_hours;   /* no new attack for this long after one */
    /* supply gating (docs/model/armed-group.md, "Per-cell readiness and target preference") */
    double first_ready_days;  /* no attack before this many days after the start date */
    double convoy_interest;   /* detection multiplier on convoys (vs lone tankers), >= 0 */
} bk_cell;

typedef struct bk_armed_group {
    char name[BK_NAME_MAX];          /* ACLED actor1 */
    double campaign_start_h;         /* blockade declaration; < 0: none unless scripted */
    double pre_campaign_interest;    /* detection multiplier on tankers before the campaign, 0..1 */
    double empty_interest;           /* detection multiplier on empty tankers, 0..1 */
    /* ambush success: logit p = base + ratio_coef * ln(strength / escort) + cover_coef * cover */
    double ambush_base_logit, ambush_ratio_coef, ambush_cover_coef;
    double unescorted_success;       /* success probability against a target with no escort */
    double min_success;              /* a cell attacks only if its expected success >= this */
    double attack_party_share;       /* share of the cell's fighters committed to an ambush */
    double destroy_share_mean;       /* mean share of the convoy's tankers lost on success */
    double destroy_concentration;    /* Beta concentration (a + b) of that share, > 0 */
    double capture_share;            /* share of lost tankers captured rather than burned */
    double kidnap_prob;              /* per driver of a lost tanker */
    double escort_loss_success;      /* per escort unit, on a successful ambush */
    double escort_loss_failure;      /* per escort unit, on a failed ambush */
    double fighter_loss_success;     /* share of the party lost on success */
    double fighter_loss_failure;     /* share of the party lost on failure */
    double delay_min_h, delay_max_h; /* delay to the surviving convoy */
    /* a lone tanker attacked is burned with this, else turned back */
    double lone_burn_prob;
    /* after a successful attack on a lone loaded tanker the cell holds the
       road this long: lone loaded tankers reaching the point meanwhile are
       stopped too (0: off) */
    double hold_hours;
    double road_cut_rate_per_day;    /* per ready cell during the campaign */
    double repair_min_h, repair_max_h;/* road reopens after Uniform(min, max) hours */
    double coordinated_rate_per_week;/* coordinated days during the campaign */
    double coordinated_boost;        /* detection multiplier on a coordinated day, >= 1 */
    double readiness_cv;             /* coefficient of variation of the cells' Gamma readiness
                                      * delays (first and after an attack); 0: fixed delays */
    double drift_interval_h;         /* how often cells move toward attractive segments */
    double drift_inertia;            /* 0..1: share of the old position kept at each move */
    double traffic_memory_days;      /* time constant of the traffic memory that draws cells */
    bk_cell *cells;
    int n_cells;
} bk_armed_group;

enum bk_timeline_kind {
    BK_TL_CAMPAIGN_START,  /* the armed group declares its blockade */
    BK_TL_CAMPAIGN_END,    /* a lull: the group stops attacking tankers until the next start */
    BK_TL_ROAD_CUT,        /* segment closed for `hours` */
    BK_TL_SUPPLY_CUT,      /* port loading rate multiplied by `factor` for `hours` */
    BK_TL_CONVOY_MODE,     /* policy change: convoy mode (convoy_mode) from this date */
    BK_TL_ESCORT_REINFORCE,/* `units` escort units added (negative: withdrawn) to a corridor */
    BK_TL_NIGHT_BAN,       /* night ban on (value 1) or off (value 0) */
    BK_TL_ROUTING,         /* routing mode change */
    BK_TL_NOTE,            /* recorded in the event log only */
    BK_TL_AIRLIFT,         /* airlift of `value` L/day of `product` from this date (0 stops it) */
    BK_TL_PRICE_CONTROL,   /* official price fixed (mode 1) or freed (mode 0) */
    BK_TL_FILL_CAP,        /* per-fill cap of `value` L on retail sales (0 lifts it) */
    BK_TL_RESERVE_TIER,    /* the strategic reserve is released to tiers <= `units` */
    BK_TL_SECTOR_TIER,     /* `sector` moves to priority tier `units` */
    BK_TL_OFFICIAL_PRICE,  /* official price of `product` set to `value` per litre */
    BK_TL_ESCORT_ALLOC,    /* escort allocation mode (bk_escort_alloc) from this date */
    BK_TL_POPULATION,      /* mode 0: the population becomes `value` people; mode 1: `value`
                              people arrive (negative: leave), spread evenly over `hours` */
    BK_TL_AMBUSH,          /* a known attack replayed: the largest mover on one of `segs` (or
                              the first to be there within `hours`) loses share `value` of its
                              tankers */
    BK_TL_RIVER_CLOSED,    /* every segment of `segs` closed for `hours` */
    BK_TL_AIRFIELD_CLOSED  /* the airfield at place `place` takes no flights for `hours` */
};

#define BK_TL_MAX_SEGS 32   /* segments named by one timeline entry */

typedef struct bk_timeline_event {
    double time_h;
    enum bk_timeline_kind kind;
    int segment;        /* ROAD_CUT */
    int port;           /* SUPPLY_CUT */
    int corridor;       /* ESCORT_REINFORCE */
    double hours;       /* ROAD_CUT, SUPPLY_CUT */
    double factor;      /* SUPPLY_CUT */
    int units;          /* ESCORT_REINFORCE */
    int mode;           /* CONVOY_MODE (bk_convoy_mode), ROUTING (bk_routing_mode), NIGHT_BAN,
                           PRICE_CONTROL, ESCORT_ALLOC (bk_escort_alloc) */
    int product;        /* AIRLIFT, OFFICIAL_PRICE */
    int sector;         /* SECTOR_TIER */
    int place;          /* AIRFIELD_CLOSED; AMBUSH given at a place (else -1) */
    int segs[BK_TL_MAX_SEGS]; /* AMBUSH, RIVER_CLOSED: segment indices */
    int n_segs;
    double value;       /* AIRLIFT (L/day), FILL_CAP (L), OFFICIAL_PRICE (per litre),
                           POPULATION (people), AMBUSH (share of tankers lost, 0..1) */
    char note[256];
    int line;           /* source line, for messages */
} bk_timeline_event;


/* ---- the city side: demand sectors, rationing, consequences --------------------------------- */

#define BK_MAX_TIERS 8

typedef struct bk_sector {
    char id[BK_ID_MAX];
    char name[BK_NAME_MAX];
    int tier;                 /* rationing priority, 1 = served first */
    double *demand_l_per_day; /* [n_products] baseline daily demand */
    double floor_share;       /* share of demand served before any tier is filled, 0..1 */
    double elasticity;        /* short-run price elasticity of demand, <= 0 */
    bool retail;              /* buys at stations: per-fill caps, queues and hoarding apply */
    bool priority;            /* counted as a priority sector in the summary */
    bool transport;           /* its shortfall counts toward school closure */
    double stock_days;        /* own stock outside the depot (stations for retail sectors, the
                                 utility's tanks for power), days of baseline demand; 0 = none */
    double restock_days;      /* the own stock is refilled toward its target over this many
                                 days, > 0 */
    bool per_capita;          /* demand_l_per_day is the demand at city.population and follows
                                 the population of the day (docs/model/city.md, "People") */
} bk_sector;

typedef struct bk_city_side {
    bool enabled;             /* false: no consumption (arrivals accumulate) */
    double population;        /* people at the start; the timeline's `population` entries move
                                 it, and per-capita sectors' demand follows it */
    bk_sector *sectors; int n_sectors;
    int power_sector;         /* index of the power-generation sector, -1 if none */
    double power_fuel_share;  /* share of generation that depends on fuel, 0..1 */
    double power_hours_normal;/* hours of supply a day with full fuel */
    double *reserve_floor_l;  /* [n_products] strategic reserve: kept for tiers <= reserve_tier */
    int reserve_tier;
    /* schools: close after close_days consecutive days with the transport sectors served below
     * close_below; reopen after reopen_days consecutive days at or above reopen_above */
    double school_close_below, school_reopen_above;
    int school_close_days, school_reopen_days;
    /* queues: hours of waiting per unit of unmet/served retail demand, at most 24 */
    double queue_hours_per_ratio;
    /* informal price: ratio to the official price relaxes toward
     * exp(price_sensitivity × unmet share + price_fear × E) with time constant
     * price_adjust_days */
    double *official_price;   /* [n_products] per litre, in `currency` */
    char currency[16];
    double price_sensitivity, price_adjust_days;
    /* informal price, expectations (docs/model/city.md): ln r* = sensitivity × u + fear × E */
    double price_fear;        /* log-price response to expectations E in 0..1 */
    double exp_decl;          /* news weight of a blockade declaration */
    double exp_attack;        /* news weight of one successful attack on tankers */
    double exp_news_days;     /* e-folding time of news, days */
    double exp_queue;         /* weight of queue hours / 24 */
    double exp_cover;         /* weight of max(0, 1 - cover / exp_cover_days) */
    double exp_cover_days;    /* days of cover below which buyers expect a shortage */
    /* stocks outside the depot held by the retail sectors' buyers and the informal market, in
     * days of the retail sectors' baseline demand */
    double hh_days;           /* households' normal stock (tanks, jerrycans) */
    double hh_hoard;          /* households' target × (1 + hh_hoard × E) */
    double hh_refill_days;    /* households refill toward the target over this many days */
    double inf_days;          /* informal traders' normal stock */
    double inf_hoard;         /* traders' target × (1 + inf_hoard × E) */
    double inf_refill_days;   /* traders buy at stations toward the target over this many days */
    double queue_cost;        /* full price = r + queue_cost × queue hours (per hour, ratio) */
    /* power: hydro by season and backup generators */
    double fuel_share_month[12]; /* share of generation from fuel by calendar month (all equal
                                    to power_fuel_share unless given) */
    bool fuel_share_month_given; /* false: every month follows power_fuel_share */
    int backup_sector;        /* sector that runs backup generators, -1 if none */
    double backup_l_per_h;    /* its extra litres per hour of blackout beyond the normal */
    /* schools as decisions */
    int school_announce_days; /* decision to first day of closure */
    int school_period_days;   /* announced closure length, reviewed at its end; 0 = the old
                                 hysteresis rule (reopen after reopen_days) */
    long *holiday_from, *holiday_to; /* [n_holidays] inclusive, days since start (may be < 0) */
    int n_holidays;
    /* hoarding: retail demand × (1 + hoard_factor) while days of cover < hoard_cover_days */
    double hoard_factor, hoard_cover_days;
    /* pressure index: weighted mean of components in 0..1 */
    double w_blackout, w_queue, w_price, w_schools, w_shortage;
    double pressure_threshold;
} bk_city_side;

enum bk_escort_alloc { BK_ESCORT_FIXED, BK_ESCORT_TRAFFIC, BK_ESCORT_RISK };

typedef struct bk_city_policy {
    bool price_control;       /* official price fixed: queues ration, the informal market is
                                 the only price signal */
    double per_fill_cap_l;    /* 0: none; else retail demand × min(1, cap / typical_fill_l) */
    double typical_fill_l;    /* litres bought per fill without a cap */
    enum bk_escort_alloc escort_alloc;
    double escort_realloc_days;
    double airlift_from_h;    /* < 0: no airlift */
    double airlift_l_per_day;
    int airlift_product;
} bk_city_policy;

struct bk_scenario {
    char file[256];           /* name the scenario was loaded from */
    char name[BK_NAME_MAX];
    char description[512];
    int start_year, start_month, start_day; /* start_date */
    int days;                 /* horizon, > 0 */
    int warmup_days;          /* normal traffic simulated before the start date, >= 0 */
    uint64_t seed;            /* default seed */
    char iso[8];              /* ISO 3166 numeric code of the city's country, for ACLED ("" ok) */
    char country[BK_NAME_MAX];
    char region[BK_NAME_MAX]; /* ACLED region, e.g. "Western Africa" */

    bk_product *products; int n_products;
    bk_place *places; int n_places;
    bk_segment *segments; int n_segments;
    bk_port *ports; int n_ports;
    bk_corridor *corridors; int n_corridors;
    bk_vehicle *vehicles; int n_vehicles;   /* optional: vehicle classes */
    bk_city city;
    bk_fleet fleet;
    bk_policy policy;
    bk_armed_group group;
    bk_timeline_event *timeline; int n_timeline; /* sorted by time, stable */

    bk_city_side cityside;    /* consumption and consequences (optional) */
    bk_city_policy citypol;   /* city-side policies */

    char *text;               /* the file's bytes, NUL-terminated, for hashing and the manifest */
    char *patch;              /* NULL, or the values set since loading (bk_scenario_set), one
                                 "path = value" a line: with the text, the scenario's identity */
    size_t patch_len;
    size_t text_len;
};

/* Index of the place/product/... with this id, or -1. */
int bki_scenario_find_place(const struct bk_scenario *sc, const char *id);
int bki_scenario_find_segment(const struct bk_scenario *sc, int a, int b);

/* Words for the vehicles of corridor c (its class's kind): "tanker"/"tankers", "boat"/"boats",
 * "aircraft"/"aircraft", ... (access.c). */
void bki_corridor_words(const struct bk_scenario *sc, int c, const char **one, const char **many);
/* The same for every corridor at once: the common kind's words, "vehicle"/"vehicles" if mixed.
 * Returns true when every corridor travels by road (drivers, "on the road"). */
bool bki_scenario_words(const struct bk_scenario *sc, const char **one, const char **many);

#endif
