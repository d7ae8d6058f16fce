/* model.h (internal): the state of one replication, shared by the model's modules.
 *
 *   network.c  geometry, travel times, night ban, closures, routes (igraph)
 *   fleet.c    ports, loading, drivers, the tanker cycle, unloading at the city
 *   convoy.c   staging queues, convoy formation, escort pools
 *   cells.c    armed-group cells: detection, ambush, road cuts, campaign, drift
 *   daily.c    the daily series, the census of the fleet, invariants and the run's totals
 *   sim.c      the event loop, the day boundary, the timeline and bk_sim_run
 *
 * Movement is done by movers: a lone tanker or a convoy travelling along a route, leg by leg.
 * Entities are referred to by index, never by pointer, so the arrays may grow.
 */
#ifndef BK_MODEL_H
#define BK_MODEL_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine/fifo.h"
#include "engine/queue.h"
#include "engine/rng.h"
#include "model/run.h"
#include "scenario/scenario.h"

/* Event types, in handler-table order. */
enum bk_ev {
    EV_DAY,            /* day boundary: record the day that ended, daily processes */
    EV_TIMELINE,       /* a = timeline index */
    EV_LOAD_DONE,      /* a = port */
    EV_DEPART,         /* a = tanker: the driver decides whether to leave */
    EV_LEG_END,        /* a = mover, b = version: arrival at the leg's far node */
    EV_CONTINUE,       /* a = mover, b = version: start the next leg (after a delay or a wait) */
    EV_AMBUSH,         /* a = mover, b = version | cell << 32 */
    EV_UNLOAD,         /* a = tanker: customs and unloading at the city are done */
    EV_CONVOY_CHECK,   /* a = corridor: the oldest tanker at staging may have waited long enough */
    EV_ESCORT_RETURN,  /* a = corridor, b = units back at base */
    EV_CUT,            /* a = cell: the cell cuts a road now */
    EV_SUPPLY_RESTORE, /* a = port, b = supply-cut generation */
    EV_DRIFT,          /* cells move toward attractive segments */
    EV_COUNT
};

/* Priorities among simultaneous events: a day is closed before anything else happens at its
 * boundary, then the timeline applies, then everything else in scheduling order. */
enum { PRIO_DAY = 0, PRIO_TIMELINE = 1, PRIO_NORMAL = 2 };

enum bk_tanker_state {
    TK_PORT_QUEUE, TK_LOADING, TK_WAIT_DRIVER, TK_MOVING, TK_STAGING, TK_CONVOY, TK_AT_CITY,
    TK_DESTROYED, TK_CAPTURED, TK_NSTATES
};

typedef struct bk_route {
    int n;          /* places on the route, port first, city last */
    int *place;     /* [n] */
    int *seg;       /* [n - 1]: segment between place[i] and place[i + 1] */
    int staging;    /* index of the corridor's staging place on the route, or -1 */
    bool *stop;     /* [n]: a mover stops at place[i] (the ends, the staging place, a border with
                       a crossing delay); it drives through the others */
    double km;      /* length: the segments' length_km summed from the port */
} bk_route;

typedef struct bk_tanker {
    int corridor;
    enum bk_tanker_state state;
    int product;        /* product on board, -1 when empty */
    double load_l;      /* litres on board */
    int mover;          /* mover carrying it (TK_MOVING, TK_CONVOY), else -1 */
    int route;          /* route of its current trip (index into model routes) */
    double since_h;     /* when it entered its current state */
    bk_rng rng;         /* travel noise and border delays */
    bool paid;          /* the freight of its current load has been charged */
} bk_tanker;

typedef struct bk_mover {
    bool used;
    uint32_t version;   /* bumped when the slot is freed: stale events are ignored */
    int corridor;
    int route;
    int at;             /* index on the route of the node last reached */
    int to;             /* index of the node the current leg leads to (at +- 1) */
    int dir;            /* +1 toward the city, -1 toward the port */
    bool loaded;
    bool convoy;
    bool border_done;   /* the border delay at `at` has been served */
    int escort;         /* escort units with it */
    int n;              /* tankers in it */
    int *members;       /* [cap] tanker indices */
    int cap;
    int one;            /* storage for a lone tanker's member list */
    double leg_drive_h; /* current leg: driving hours */
    double attack_u;    /* where on the leg an ambush strikes, 0..1 */
    double trip_start_h;/* convoy: when it left staging (escorts take as long to return) */
    int next_free;      /* free-list link while unused */
} bk_mover;

typedef struct bk_port_state {
    bk_fifo queue;      /* tankers waiting to load */
    bool busy;          /* a tanker is being loaded */
    int loading;        /* the tanker being loaded */
    double factor;      /* supply factor: 1 normal, 0 cut */
    uint64_t cut_gen;   /* generation of the current supply cut */
    bk_rng rng;
} bk_port_state;

typedef struct bk_corr_state {
    int route;              /* current route index */
    double willingness;     /* drivers' willingness to depart, 0..1 */
    bool convoy_on;         /* convoy mode active on this corridor */
    bk_fifo staging;        /* tankers waiting at staging */
    int escort_pool;        /* units at base, available */
    int escort_out;         /* units escorting or returning */
    int escort_target;      /* initial pool plus reinforcements: replacement refills up to it */
    double escort_acc;      /* fractional replacement accumulated */
    int fleet;              /* tankers in service on this corridor */
    double join_acc;        /* fractional joins accumulated */
    double recent_attacks[7]; /* attacks per day over the trailing week (ring by day) */
    bool check_pending;     /* an EV_CONVOY_CHECK is scheduled */
    bool escort_set_up;     /* a tanker has waited at staging: escorts ready from escort_from_h */
    double escort_from_h;   /* no escort leaves before this (policy.convoy.escort_setup_hours) */
    long week_dispatched;   /* since the last escort reallocation */
    long week_attacks;
    bk_rng rng_driver, rng_city;
    double loaded_l, lost_l, delivered_l; /* since the start, for the invariant per class */
    int mode;               /* bki_corridor_mode, kept (classes do not change) */
    double board_l;         /* litres on board of its tankers in service, kept by
                               bki_tanker_load (exact under census_exact, as census_l) */
} bk_corr_state;

typedef struct bk_cell_state {
    double lat, lon;        /* current position */
    double strength;        /* fighters */
    double ready_h;         /* not ready before this time */
    double reach_lat, reach_lon; /* the position the cell's row of m->reach was computed at
                                    (bki_cells_update_reach), valid when reach_set */
    bool reach_set;
    /* the road held after an attack on a lone loaded tanker (armed_group.ambush.hold_hours):
     * segment, point (share from the segment's `from` place), window, and the log entry of the
     * attack that the stopped tankers add to; hold_ok once that attack has succeeded */
    int hold_seg;
    double hold_frac, hold_from_h, hold_until_h;
    int hold_log;
    bool hold_ok;
    bk_rng rng_detect, rng_ambush, rng_cut, rng_ready;
} bk_cell_state;

typedef struct bk_seg_state {
    double closed_until_h;  /* closed while now < closed_until_h */
    double traffic, protect;     /* decaying tanker and escort-unit counts, updated daily */
    double traffic_today, protect_today; /* passages since the last day boundary */
    double ln_mu, ln_sigma;      /* lognormal travel-time noise with mean 1 and the segment's CV */
    double drive_h[2];           /* length / speed, alone [0] and in convoy [1] (the convoy
                                    speed factor applied), before the noise */
    bool noisy;                  /* travel_cv > 0: the noise is drawn */
    double risk, risk_t;         /* decaying attack count */
    double mid_lat, mid_lon;
    bool seasonal;               /* speed_by_month differs from 1 in some month */
    bool air;                    /* copies of the segment's mode == BK_MODE_AIR, its `to` place */
    int to;                      /* and reverse_speed_factor, beside what a leg reads */
    double reverse_speed_factor;
    bool replayed;               /* listed by a timeline ambush (cells.c) */
    /* for bki_cells_may_expose (cells.c): the earliest ready_h of the cells with the segment in
     * reach and a strength of at least 1 (INFINITY if none), refreshed whenever a reach, a
     * ready_h or a strength changes; the latest hold_until_h of the holds ever set on the
     * segment (-INFINITY if none) */
    double ready_min, hold_until;
} bk_seg_state;

/* The city side's state (city.c). Arrays by sector s and product p are [s * n_products + p]. */
typedef struct bk_city_state {
    double *price_ratio;    /* [n_products] informal / official price */
    double *official;       /* [n_products] official price per litre */
    double *demand, *given; /* [n_sectors * n_products] today's demand and allocation, L */
    int *tier;              /* [n_sectors] tiers in force */
    bool *reserve_ok;       /* [n_sectors] may draw on the reserve today */
    double *floor;          /* [n_sectors] floor shares */
    double *d_tmp, *g_tmp;  /* [n_sectors] scratch */
    double *unmet_total;    /* [n_sectors] litres not served since the start */
    int *first_stockout;    /* [n_products] first day the free stock ran out, -1 if never */
    int reserve_tier;
    bool price_control;
    double fill_cap_l;
    double airlift_l;       /* litres a day flown in now */
    int airlift_product;
    bool airlift_set;       /* the policy's airlift has started (or the timeline took over) */
    enum bk_escort_alloc escort_alloc;
    bool schools_open;
    int short_streak, ok_streak;
    int first_priority_cut;  /* first day a priority sector got < 99 % of its demand, -1 */
    double airlifted_l, airlifted_today, consumed_l, consumed_today;
    double consumed_priority_l;   /* consumed_l of the sectors flagged `priority`, summed in
                                     the same order, so equal to it when all sectors are */
    double unmet_priority_today;  /* litres the priority sectors went without today */
    double cover_days, shortage_share, blackout_h, queue_h, pressure;
    int shortage_days, school_closed_days, pressure_days, days_done;
    double blackout_total, peak_ratio, ratio_sum;
    /* stocks outside the depot (city.c), litres */
    double *own;            /* [n_sectors * n_products] sectors' own stock: stations, utility */
    double *hh;             /* [n_sectors * n_products] households' stock, retail sectors */
    double *inf;            /* [n_products] the informal market's stock */
    double *cons;           /* [n_sectors * n_products] litres consumed today (end use) */
    double *w_tmp;          /* [n_sectors] scratch */
    double buffers0_l;      /* litres outside the depot at the start */
    double buffers_l;       /* litres outside the depot now */
    double drawn_l;         /* litres drawn from the depot since the start */
    /* expectations */
    double news;            /* news component N, decays */
    double expect;          /* E = 1 - exp(-(N + O)), 0..1 */
    bool campaign_seen;     /* a declaration already counted */
    double backup_extra;    /* backup generators' extra litres/day from yesterday's blackout */
    /* schools as decisions */
    int school_decided;     /* day of the decision in force, -1 if none */
    int school_from, school_until; /* closure [from, until) in days, -1 if none */
    bool holiday;
    /* people */
    double population;      /* people today (bki_city_population) */
    double *base;           /* [n_sectors * n_products] today's baseline demand: demand_l_per_day,
                               scaled by the population for per-capita sectors */
} bk_city_state;

/* Per-day counters, reset at each day boundary. */
typedef struct bk_day_counts {
    long dispatched, deliveries, destroyed, captured, kidnapped, attacks, attacks_ok, lone_attacks,
        turned_back, road_cuts, convoys, escort_lost, sortie_losses, airfield_attacks;
    double delivered_l;
    double *delivered_p;        /* [n_products] litres unloaded today, by product */
} bk_day_counts;

typedef struct bk_model {
    const struct bk_scenario *sc;
    struct bk_run *run;
    bk_queue q;
    double now;
    double end_h;
    double events_inline;       /* events the loop would have processed that were handled
                                   without the queue (a border arrival in the drive's planning,
                                   a departure decided at the end of its loading): counted with
                                   the events of the replication */
    bk_status status;           /* first failure inside a handler stops the run */
    bk_error *err;
    uint64_t seed;
    uint32_t rep;

    /* policy in force (the scenario's, changed by the timeline) */
    enum bk_convoy_mode convoy_mode;
    bool night_ban;
    enum bk_routing_mode routing;
    bool campaign;
    bool coordinated_today;

    bk_tanker *tankers; int n_tankers, cap_tankers;
    /* The census of the fleet, kept as tankers change state and load (bki_tanker_state,
     * bki_tanker_load): the daily row reads it instead of a pass over every tanker. */
    long census_n[TK_NSTATES];      /* tankers by state */
    long census_loaded[TK_NSTATES]; /* of which with litres on board */
    double census_l;                /* litres on board of the tankers in service */
    bool census_exact;              /* every class's capacity is a whole number of litres below
                                       2^32: census_l, a sum of whole numbers below 2^53, is the
                                       same double as the pass's sum in index order */
    /* working space of the daily checks (daily.c), made once so that no day allocates: the
     * litres on board by corridor [n_corridors + 1], and by route the corridor last found able
     * to use all of it [cap_check_route] */
    double *check_board;
    int *check_route; int cap_check_route;
    bk_mover *movers; int n_movers, cap_movers; int free_mover; /* head of the free list, -1 if empty */
    bk_route *routes; int n_routes, cap_routes;
    /* the first route made (network.c) with a segment its corridor's class cannot use: 1 + its
     * index (0: none), the corridor and the index of the segment on it; reported by the daily
     * check 'vehicles on their own modes' */
    int modes_bad, modes_bad_corr, modes_bad_k;
    bk_port_state *ports;
    bk_corr_state *corr;
    bk_cell_state *cells;
    bk_seg_state *segs;
    uint8_t *reach;             /* [n_cells * n_segments]: segment in the cell's reach */
    int *seg_cells;             /* [n_segments * n_cells]: cells with the segment in reach, by
                                   index, first seg_ncells[s] of each row */
    int *seg_ncells;            /* [n_segments] */
    int *roam_segs;             /* [n_cells * n_segments]: the segments whose middle lies within
                                   the cell's roam_km of its home, in index order, first
                                   roam_n[c] of each row (constant: places do not move) */
    int *roam_n;                /* [n_cells] */
    double *seg_box;            /* [4 n_segments]: the least and greatest latitude of each
                                   segment's ends, and of a road's or river's longitude (an air
                                   link's: -INFINITY, INFINITY), for bki_cells_update_reach */
    double *stock_l;            /* [n_products] city stock */
    /* modes (network.c, docs/model/modes.md) */
    bk_vehicle *vclass;         /* [n_corridors] the vehicle class serving each corridor (the
                                   built-in road tanker filled from fleet.*) */
    double *airfield_closed_until_h; /* [n_places] an airfield is closed while now < this */
    double *sorties_today;      /* [n_places] sorties flown from or to the airfield today */
    double cost_today[BK_N_MODES], cost_total[BK_N_MODES];        /* trips started, currency */
    double deliv_mode_today[BK_N_MODES], deliv_mode_total[BK_N_MODES]; /* litres unloaded */
    double loaded_mode[BK_N_MODES], lost_mode[BK_N_MODES]; /* litres, for the invariant */
    bk_rng rng_campaign;
    bool *replay_taken;         /* [n_timeline]: a timeline ambush has claimed its target */
    int *replays;               /* [n_replays] timeline indices of the ambush entries, in date
                                   order */
    int n_replays;
    bk_rng rng_replay;          /* outcomes of replayed ambushes (timeline `ambush`) */

    /* accounting */
    bk_day_counts today;
    long *c_today;              /* [n_corridors * CC_COUNT] per-corridor day counters */
    double loaded_l, delivered_l, burned_l, captured_l;
    long tankers_start, tankers_joined, destroyed, captured;
    int day;                    /* the day in progress */
    void *igraph;               /* routing graph (network.c) */
    bk_city_state *city;
    bk_fifo city_wait;          /* tankers waiting for room in the depot */
} bk_model;

/* Tanker t enters state st; the census follows. Every change of a tanker's state goes
 * through here. */
static inline void bki_tanker_state(bk_model *m, bk_tanker *t, enum bk_tanker_state st)
{
    int loaded = t->load_l > 0;
    m->census_n[t->state]--;
    m->census_loaded[t->state] -= loaded;
    m->census_n[st]++;
    m->census_loaded[st] += loaded;
    t->state = st;
}

/* Tanker t, in service, now carries l litres; the census follows. Every change of a tanker's
 * load goes through here. */
static inline void bki_tanker_load(bk_model *m, bk_tanker *t, double l)
{
    m->census_loaded[t->state] += (l > 0) - (t->load_l > 0);
    m->census_l += l;
    m->census_l -= t->load_l;
    m->corr[t->corridor].board_l += l;
    m->corr[t->corridor].board_l -= t->load_l;
    t->load_l = l;
}

/* Per-corridor day counters. */
enum { CC_DISPATCHED, CC_ARRIVALS, CC_ATTACKS, CC_ATTACKS_OK, CC_DESTROYED, CC_CAPTURED,
       CC_KIDNAPPED, CC_ESCORT_LOST, CC_CONVOYS, CC_COUNT };

#define CCOUNT(m, c, k) ((m)->c_today[(c) * CC_COUNT + (k)])

/* sim.c */
/* Record the failure to schedule an event at t (status st); returns false. */
bool bki_model_schedule_failed(bk_model *m, bk_status st, double t);
/* Schedule an event; false (and the run fails) when it cannot be. Inline: every event of a
 * replication goes through it. */
static inline bool bki_model_schedule(bk_model *m, double t, uint32_t prio, enum bk_ev type,
                                      uint32_t a, uint64_t b)
{
    bk_status st = bki_queue_push(&m->q, t, prio, (uint32_t)type, a, b);
    return st == BK_OK || bki_model_schedule_failed(m, st, t);
}
void bki_model_log(bk_model *m, const bk_log_entry *e);
void bki_model_set_fail(bk_model *m, bk_status st, const char *fmt, ...);

/* daily.c */
bk_status bki_columns_init(struct bk_run *run, const struct bk_scenario *sc);
void bki_census(const bk_model *m, long count[TK_NSTATES], double *in_transit_l,
                long *moving_loaded);
void bki_record_day(bk_model *m, int d);
void bki_fill_totals(bk_model *m);

/* network.c */
bk_status bki_network_init(bk_model *m);
void bki_network_release(bk_model *m);
double bki_drive_until(const bk_model *m, double t, double hours);
/* The month's speed factor of a seasonal segment seg at time t (speed_month). */
double bki_leg_month_factor(const bk_model *m, int seg, double t);

/* The three below run for every leg of every vehicle, hence inline. */

/* Driving hours for one traversal: length / speed times a mean-one lognormal noise. */
static inline double bki_leg_drive_hours(bk_model *m, int seg, bool convoy, bk_rng *rng)
{
    const bk_seg_state *ss = &m->segs[seg];
    double h = ss->drive_h[convoy];
    if (ss->noisy)
        h *= bki_rng_lognormal(rng, ss->ln_mu, ss->ln_sigma);
    return h;
}

/* Speed of a class on segment seg leaving place `from` at time t, relative to the segment's
 * speed_kmh: the class's speed factor class_f (its vclass speed_factor, read once per drive by
 * the caller), the direction (reverse_speed_factor when leaving
 * from the segment's `to` end) and the month's factor (docs/model/modes.md). Exactly 1 for the
 * built-in road tanker on a segment without these keys. */
static inline double bki_leg_speed_factor(const bk_model *m, double class_f, int seg, int from,
                                          double t)
{
    const bk_seg_state *ss = &m->segs[seg];
    double f = class_f;
    if (from == ss->to)
        f *= ss->reverse_speed_factor;
    if (!ss->seasonal)
        return f;
    return f * bki_leg_month_factor(m, seg, t);
}

/* When a leg of `hours` on segment seg started at t is done: aircraft fly through the night ban
 * (bki_drive_until without the ban is t + hours). */
static inline double bki_leg_until(const bk_model *m, int seg, double t, double hours)
{
    if (m->segs[seg].air || !m->night_ban)
        return t + hours;
    return bki_drive_until(m, t, hours);
}
double bki_decay(double value, double since_h, double now_h, double tau_days);
double bki_point_segment_km(const bk_model *m, double lat, double lon, int seg, double *frac);
/* The local projection of bki_km and bki_point_segment_km. */
#define BK_KM_PER_DEG_LAT 110.574
#define BK_KM_PER_DEG_LON 111.320
#define BK_DEG (M_PI / 180.0)
/* bki_point_segment_km with coslat = cos(lat * BK_DEG) given, for a caller measuring many
 * segments from one point: the same operations in the same order, so the same double. */
static inline double bki_point_segment_km_cos(const bk_model *m, double lat, double lon,
                                              double coslat, int seg, double *frac)
{
    const bk_segment *s = &m->sc->segments[seg];
    const bk_place *a = &m->sc->places[s->from], *b = &m->sc->places[s->to];
    double c = coslat;
    double ax = (a->lon - lon) * BK_KM_PER_DEG_LON * c, ay = (a->lat - lat) * BK_KM_PER_DEG_LAT;
    double bx = (b->lon - lon) * BK_KM_PER_DEG_LON * c, by = (b->lat - lat) * BK_KM_PER_DEG_LAT;
    double dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
    double u = len2 > 0 ? -(ax * dx + ay * dy) / len2 : 0;
    u = u < 0 ? 0 : u > 1 ? 1 : u;
    if (frac)
        *frac = u;
    double px = ax + u * dx, py = ay + u * dy;
    return sqrt(px * px + py * py);
}
double bki_km(double lat1, double lon1, double lat2, double lon2);
int bki_nearest_place(const bk_model *m, double lat, double lon);
bool bki_segment_reach_interval(const bk_model *m, double lat, double lon, int seg, double r,
                                double *u0, double *u1);
void bki_routes_update(bk_model *m);
void bki_network_daily(bk_model *m);
bool bki_segment_closed(const bk_model *m, int seg);
/* Modes (docs/model/modes.md). Can corridor c's class use segment seg? */
bool bki_corridor_can_use(const bk_model *m, int c, int seg);
/* The reporting mode of corridor c's class: its first mode in the order road, river, air. */
int bki_corridor_mode(const bk_model *m, int c);
/* Is the airfield at `place` open now? (always true for a place that is no airfield) */
bool bki_airfield_open(const bk_model *m, int place);
/* Close the airfield at `place` for `hours` from now (attack by `cell`, -1: the timeline), and log
 * it. Closures overlap: the later reopening wins. */
void bki_airfield_close(bk_model *m, int place, double hours, int cell);

/* fleet.c */
bk_status bki_fleet_init(bk_model *m);
void bki_fleet_release(bk_model *m);
void bki_port_enqueue(bk_model *m, int tanker);
void bki_ev_load_done(bk_model *m, const bk_event *ev);
void bki_ev_depart(bk_model *m, const bk_event *ev);
void bki_ev_unload(bk_model *m, const bk_event *ev);
void bki_ev_leg_end(bk_model *m, const bk_event *ev);
void bki_ev_continue(bk_model *m, const bk_event *ev);
void bki_ev_supply_restore(bk_model *m, const bk_event *ev);
void bki_port_kick(bk_model *m, int port);
int bki_mover_new(bk_model *m, int corridor, int route, int at, int dir, bool loaded);
void bki_mover_free(bk_model *m, int mv);
int bki_convoy_new(bk_model *m, int corridor, int route, int at, int cap);
void bki_send_from_staging(bk_model *m, int tanker);
void bki_mover_start_leg(bk_model *m, int mv);
void bki_mover_resume(bk_model *m, int mv, double at_h);
void bki_tanker_lost(bk_model *m, int tk, bool captured);
void bki_fleet_daily(bk_model *m);
void bki_city_drain_waiting(bk_model *m);

/* convoy.c */
/* Is convoy mode in force on corridor c: by the policy, or because its drivers refuse to go past
 * staging without an escort (docs/model/fleet.md)? Inline: asked at every departure and at every
 * staging place. */
static inline bool bki_convoy_active(const bk_model *m, int c)
{
    if (m->vclass[c].modes == 1u << BK_MODE_AIR)
        return false; /* aircraft fly alone: the convoy policy is for roads and rivers */
    if (m->convoy_mode != BK_CONVOY_OFF &&
        m->corr[c].willingness < m->sc->fleet.escort_demand_below)
        return true;
    switch (m->convoy_mode) {
    case BK_CONVOY_OFF:
        return false;
    case BK_CONVOY_ALWAYS:
        return true;
    case BK_CONVOY_DATE:
        return m->now >= m->sc->policy.convoy_from_h;
    case BK_CONVOY_THREAT:
        return m->corr[c].convoy_on;
    }
    return false;
}
void bki_staging_join(bk_model *m, int corridor, int tanker);
void bki_convoy_try_depart(bk_model *m, int corridor);
void bki_ev_convoy_check(bk_model *m, const bk_event *ev);
void bki_ev_escort_return(bk_model *m, const bk_event *ev);
void bki_convoy_arrived(bk_model *m, int mv);
void bki_escort_daily(bk_model *m);
void bki_staging_release(bk_model *m, int corridor);

/* city.c */
bk_status bki_city_init(bk_model *m);
void bki_city_release(bk_model *m);
void bki_city_day(bk_model *m, int d);

/* convoy.c: weekly escort reallocation */
void bki_escort_reallocate(bk_model *m);

/* cells.c */
bk_status bki_cells_init(bk_model *m);
/* Free what bki_cells_init allocated. */
void bki_cells_release(bk_model *m);
int bki_cells_exposure(bk_model *m, int mv, int seg, double t);
/* False when bki_cells_exposure(m, mv, seg, t) is sure to return -1 without drawing anything:
 * before the start date, or no timeline ambush to replay on seg, no hold on seg that lasts until
 * t and no cell with seg in reach ready at t with a strength of at least 1. Inline, for the legs
 * of every drive (three in four legs on a segment in some cell's reach meet no ready cell). */
static inline bool bki_cells_may_expose(const bk_model *m, int seg, double t)
{
    const bk_seg_state *ss = &m->segs[seg];
    return !(t < 0) && (t >= ss->ready_min || t <= ss->hold_until || ss->replayed);
}
bool bki_cells_threaten(const bk_model *m, int seg, double t);
void bki_ev_ambush(bk_model *m, const bk_event *ev);
void bki_ev_cut(bk_model *m, const bk_event *ev);
void bki_ev_drift(bk_model *m, const bk_event *ev);
void bki_cells_daily(bk_model *m);
void bki_road_close(bk_model *m, int seg, double hours, int cell);
void bki_cells_update_reach(bk_model *m);
/* Whether m->reach, seg_cells, seg_ncells, the roam lists and the segments' ready_min equal what
 * a computation from scratch gives now (for the tests: the cache is kept up to date
 * incrementally). */
bool bki_cells_cache_fresh(const bk_model *m);

#endif
