/* daily.c: the daily series of a replication (its columns, the row written at the end of each
 * day from the day's counters and a census of the fleet), the conservation checks run on it,
 * and the totals of the run computed from the series and the event log. */
#include "engine/alloc.h"
#include "model/model.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/status_internal.h"
#include "scenario/schema.h"

/* Column layout: global columns, then per-corridor blocks, then per-product blocks. */
enum {
    G_CAMPAIGN, G_COORDINATED, G_FLEET, G_AT_PORT, G_MOVING_LOADED, G_MOVING_EMPTY, G_STAGING,
    G_CONVOY, G_AT_CITY, G_IN_TRANSIT_L, G_STOCK_L, G_DELIVERED_L, G_DISPATCHED, G_DELIVERIES,
    G_DESTROYED, G_CAPTURED, G_KIDNAPPED, G_ATTACKS, G_ATTACKS_OK, G_LONE_ATTACKS, G_TURNED_BACK,
    G_ROAD_CUTS, G_CLOSED, G_CONVOYS, G_ESCORT_LOST, G_FIGHTERS, G_COUNT
};
enum {
    K_DISPATCHED, K_ARRIVALS, K_ATTACKS, K_ATTACKS_OK, K_DESTROYED, K_CAPTURED, K_KIDNAPPED,
    K_ESCORT_LOST, K_CONVOYS, K_FLEET, K_WILLINGNESS, K_ESCORT_AVAILABLE, K_CONVOY_MODE,
    K_STAGING, K_COUNT
};
enum { P_STOCK_L, P_DELIVERED_L, P_CONSUMED_L, P_PRICE_RATIO, P_INFORMAL_PRICE, P_COUNT };
enum { Y_CONSUMED_L, Y_AIRLIFT_L, Y_COVER_DAYS, Y_SHORTAGE, Y_UNMET_PRIORITY, Y_BLACKOUT_H,
       Y_QUEUE_H, Y_PRICE_RATIO, Y_SCHOOLS_OPEN, Y_PRESSURE, Y_OUTSIDE_L, Y_INFORMAL_L,
       Y_EXPECTATION, Y_HOLIDAY, Y_COUNT };
enum { S_DEMAND_L, S_SUPPLIED_L, S_COUNT };
/* modes and cost, only in a scenario that uses them (bk_modes_used) */
enum { M_DELIVERED_ROAD, M_DELIVERED_RIVER, M_DELIVERED_AIR, M_COST_ROAD, M_COST_RIVER,
       M_COST_AIR, M_COST, M_COST_PER_L, M_SORTIE_LOSSES, M_AIRFIELD_ATTACKS,
       M_AIRFIELDS_CLOSED, M_COUNT };

static const struct {
    const char *name, *unit, *meaning;
} global_cols[G_COUNT] = {
    {"campaign", "0/1", "the armed group's campaign against tankers is on"},
    {"coordinated_day", "0/1", "a coordinated day of attacks"},
    {"fleet", "tankers", "tankers in service at the end of the day"},
    {"tankers_at_port", "tankers", "queued, loading, or waiting for the driver to leave"},
    {"tankers_moving_loaded", "tankers", "loaded tankers on the road (alone or in convoy)"},
    {"tankers_moving_empty", "tankers", "empty tankers driving back to their port"},
    {"tankers_staging", "tankers", "loaded tankers waiting at staging places for a convoy"},
    {"tankers_in_convoy", "tankers", "tankers travelling in convoys"},
    {"tankers_at_city", "tankers", "tankers in customs or unloading at the city"},
    {"in_transit_l", "L", "litres on board loaded tankers"},
    {"stock_l", "L", "city stock, all products, at the end of the day"},
    {"delivered_l", "L", "litres unloaded at the city during the day"},
    {"dispatched", "tankers", "loaded tankers that left a port during the day"},
    {"deliveries", "tankers", "tankers unloaded at the city during the day"},
    {"destroyed", "tankers", "tankers burned during the day"},
    {"captured", "tankers", "tankers captured during the day"},
    {"kidnapped", "drivers", "drivers kidnapped during the day"},
    {"attacks", "count", "ambushes on tankers during the day"},
    {"attacks_successful", "count", "ambushes that succeeded"},
    {"lone_attacks", "count", "ambushes on tankers travelling alone"},
    {"turned_back", "tankers", "lone tankers turned back by an attack"},
    {"road_cuts", "count", "road segments cut during the day"},
    {"segments_closed", "count", "road segments closed at the end of the day"},
    {"convoys", "count", "convoys that left staging during the day"},
    {"escort_lost", "units", "escort units lost during the day"},
    {"fighters", "fighters", "total strength of the armed group's cells"},
};
static const struct {
    const char *prefix, *unit, *meaning;
} corr_cols[K_COUNT] = {
    {"dispatched", "tankers", "loaded tankers that left the port"},
    {"arrivals", "tankers", "tankers unloaded at the city"},
    {"attacks", "count", "ambushes on the corridor's tankers"},
    {"attacks_successful", "count", "successful ambushes on the corridor's tankers"},
    {"destroyed", "tankers", "the corridor's tankers burned"},
    {"captured", "tankers", "the corridor's tankers captured"},
    {"kidnapped", "drivers", "the corridor's drivers kidnapped"},
    {"escort_lost", "units", "the corridor's escort units lost"},
    {"convoys", "count", "convoys that left the corridor's staging place"},
    {"fleet", "tankers", "tankers in service on the corridor"},
    {"willingness", "share", "drivers' willingness to depart, 0..1"},
    {"escort_available", "units", "escort units at base, available"},
    {"convoy_mode", "0/1", "convoy mode in force on the corridor"},
    {"staging", "tankers", "loaded tankers waiting at the staging place"},
};
static const struct {
    const char *prefix, *unit, *meaning;
} prod_cols[P_COUNT] = {
    {"stock", "L", "city stock at the end of the day"},
    {"delivered", "L", "litres unloaded at the city during the day"},
    {"consumed", "L", "litres consumed by the city's end uses during the day"},
    {"price_ratio", "ratio", "informal-market price over the official price"},
    {"informal_price", "currency/L", "informal-market price per litre"},
};
static const struct {
    const char *name, *unit, *meaning;
} city_cols[Y_COUNT] = {
    {"consumed_l", "L", "litres consumed by the city's end uses during the day"},
    {"airlift_l", "L", "litres flown in during the day"},
    {"cover_days", "days", "free stock (above the reserve) over baseline daily demand"},
    {"shortage_share", "share", "unmet share of the day's demand, all sectors and products"},
    {"unmet_priority_l", "L", "demand of the priority sectors not served during the day, "
                              "all products"},
    {"blackout_hours", "h", "hours without electricity in the day"},
    {"queue_hours", "h", "typical wait at a fuel station"},
    {"price_ratio", "ratio", "informal price over official, mean over products"},
    {"schools_open", "0/1", "schools open"},
    {"pressure", "index", "pressure index 0..1 (weighted composite, docs/model/city.md)"},
    {"outside_stock_l", "L", "stocks outside the depot: stations, utility, households, informal"},
    {"informal_stock_l", "L", "the informal market's stock, all products"},
    {"expectation", "0..1", "buyers' and traders' expectation of shortage"},
    {"school_holiday", "0/1", "a school holiday in the calendar"},
};
static const struct {
    const char *prefix, *unit, *meaning;
} sector_cols[S_COUNT] = {
    {"demand", "L", "demand of the sector during the day, all products"},
    {"supplied", "L", "litres allocated to the sector during the day, all products"},
};

static const struct {
    const char *name, *unit, *meaning;
} mode_cols[M_COUNT] = {
    {"delivered_road_l", "L", "litres unloaded at the city by road vehicles during the day"},
    {"delivered_river_l", "L", "litres unloaded at the city by boats during the day"},
    {"delivered_air_l", "L", "litres unloaded at the city by aircraft during the day"},
    {"cost_road", "currency", "cost of the loaded road trips started during the day"},
    {"cost_river", "currency", "cost of the loaded river trips started during the day"},
    {"cost_air", "currency", "cost of the loaded flights started during the day"},
    {"cost", "currency", "cost of the loaded trips started during the day, all modes"},
    {"cost_per_l", "currency/L", "cost of the trips since the start over the litres delivered "
                                 "since the start (0 before the first delivery)"},
    {"sortie_losses", "aircraft", "aircraft lost flying under threat during the day"},
    {"airfield_attacks", "count", "attacks on airfields during the day"},
    {"airfields_closed", "count", "airfields closed at the end of the day"},
};

/* Does the scenario use modes, vehicle classes, airfields or costs? Only then do the daily
 * series and the summary carry the mode and cost columns, so that a road-only scenario's
 * outputs are those it had before modes existed. */
static bool modes_used(const struct bk_scenario *sc)
{
    if (sc->n_vehicles > 0 || sc->fleet.tanker_cost_per_tonne_km > 0)
        return true;
    for (int s = 0; s < sc->n_segments; s++)
        if (sc->segments[s].mode != BK_MODE_ROAD)
            return true;
    for (int p = 0; p < sc->n_places; p++)
        if (sc->places[p].airfield_sorties_per_day > 0)
            return true;
    return false;
}

static int ccol(const bk_model *m, int c, int k)
{
    return G_COUNT + k * m->sc->n_corridors + c;
}

static int pcol(const bk_model *m, int p, int k)
{
    return G_COUNT + K_COUNT * m->sc->n_corridors + k * m->sc->n_products + p;
}

static int ycol(const bk_model *m, int k)
{
    return G_COUNT + K_COUNT * m->sc->n_corridors + P_COUNT * m->sc->n_products + k;
}

static int scol(const bk_model *m, int s, int k)
{
    return ycol(m, Y_COUNT) + k * m->sc->cityside.n_sectors + s;
}

void bki_id_token(const char *id, char out[BK_ID_MAX])
{
    size_t i = 0;
    for (; id[i] && i + 1 < BK_ID_MAX; i++) {
        char c = id[i];
        out[i] = c == '-' ? '_' : (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    out[i] = '\0';
}

static int mcol(const bk_model *m, int k)
{
    return ycol(m, Y_COUNT) + S_COUNT * m->sc->cityside.n_sectors + k;
}

/* Append s to the text of dst (size bytes, at characters so far), truncated and NUL-terminated
 * as snprintf would; returns the new length. The columns are described once per replication:
 * plain copies instead of snprintf's format parsing. */
static size_t col_put(char *dst, size_t size, size_t at, const char *s)
{
    while (*s && at + 1 < size)
        dst[at++] = *s++;
    dst[at] = '\0';
    return at;
}

/* A column of the whole run: its name, unit and meaning as given. */
static void col_plain(bk_column *col, const char *name, const char *unit, const char *meaning)
{
    col_put(col->name, sizeof col->name, 0, name);
    col_put(col->unit, sizeof col->unit, 0, unit);
    col_put(col->meaning, sizeof col->meaning, 0, meaning);
}

/* A column of one entity (corridor, product, sector) with id `id`: named prefix_TOKEN + suffix
 * (TOKEN the id as a column token), its meaning followed by " (id)". */
static void col_entity(bk_column *col, const char *prefix, const char *id, const char *suffix,
                       const char *unit, const char *meaning)
{
    char tok[BK_ID_MAX];
    bki_id_token(id, tok);
    size_t at = col_put(col->name, sizeof col->name, 0, prefix);
    at = col_put(col->name, sizeof col->name, at, "_");
    at = col_put(col->name, sizeof col->name, at, tok);
    col_put(col->name, sizeof col->name, at, suffix);
    col_put(col->unit, sizeof col->unit, 0, unit);
    at = col_put(col->meaning, sizeof col->meaning, 0, meaning);
    at = col_put(col->meaning, sizeof col->meaning, at, " (");
    at = col_put(col->meaning, sizeof col->meaning, at, id);
    col_put(col->meaning, sizeof col->meaning, at, ")");
}

bk_status bki_columns_init(struct bk_run *run, const struct bk_scenario *sc)
{
    int n = G_COUNT + K_COUNT * sc->n_corridors + P_COUNT * sc->n_products + Y_COUNT +
            S_COUNT * sc->cityside.n_sectors + (modes_used(sc) ? M_COUNT : 0);
    run->cols = bki_calloc((size_t)n, sizeof *run->cols);
    run->daily = bki_calloc((size_t)n * (size_t)run->days, sizeof *run->daily);
    if (run->cols == NULL || run->daily == NULL)
        return BK_ERR_NOMEM;
    run->n_cols = n;
    bk_column *col = run->cols;
    for (int g = 0; g < G_COUNT; g++)
        col_plain(col++, global_cols[g].name, global_cols[g].unit, global_cols[g].meaning);
    for (int k = 0; k < K_COUNT; k++)
        for (int c = 0; c < sc->n_corridors; c++)
            col_entity(col++, corr_cols[k].prefix, sc->corridors[c].id, "", corr_cols[k].unit,
                       corr_cols[k].meaning);
    for (int k = 0; k < P_COUNT; k++)
        for (int p = 0; p < sc->n_products; p++)
            col_entity(col++, prod_cols[k].prefix, sc->products[p].id, "_l", prod_cols[k].unit,
                       prod_cols[k].meaning);
    for (int k = 0; k < Y_COUNT; k++)
        col_plain(col++, city_cols[k].name, city_cols[k].unit, city_cols[k].meaning);
    for (int k = 0; k < S_COUNT; k++)
        for (int s = 0; s < sc->cityside.n_sectors; s++)
            col_entity(col++, sector_cols[k].prefix, sc->cityside.sectors[s].id, "_l",
                       sector_cols[k].unit, sector_cols[k].meaning);
    for (int k = 0; k < M_COUNT && modes_used(sc); k++)
        col_plain(col++, mode_cols[k].name, mode_cols[k].unit, mode_cols[k].meaning);
    return BK_OK;
}

/* Count tankers by state and litres in transit. */
void bki_census(const bk_model *m, long count[TK_NSTATES], double *in_transit_l,
                   long *moving_loaded)
{
    memset(count, 0, TK_NSTATES * sizeof *count);
    *in_transit_l = 0;
    *moving_loaded = 0;
    for (int i = 0; i < m->n_tankers; i++) {
        const bk_tanker *t = &m->tankers[i];
        count[t->state]++;
        if (t->state != TK_DESTROYED && t->state != TK_CAPTURED)
            *in_transit_l += t->load_l;
        if ((t->state == TK_MOVING || t->state == TK_CONVOY) && t->load_l > 0)
            (*moving_loaded)++;
    }
}

/* Can the census kept up to date (model.h) stand for bki_census, the same numbers and the same
 * double? Whole litres below 2^32 on each of fewer than 2^21 tankers: every partial sum of the
 * litres on board is a whole number below 2^53, exact in any order. */
static bool census_kept(const bk_model *m)
{
    return m->census_exact && m->n_tankers < (1 << 21);
}

/* bki_census from the census kept up to date. */
static void census_read(const bk_model *m, long count[TK_NSTATES], double *in_transit_l,
                        long *moving_loaded)
{
    memcpy(count, m->census_n, TK_NSTATES * sizeof *count);
    *in_transit_l = m->census_l;
    *moving_loaded = m->census_loaded[TK_MOVING] + m->census_loaded[TK_CONVOY];
}

/* The census of the fleet with what the checks by mode need, in one pass over the tankers
 * (bki_census's counts and sum, the same doubles): the litres on board by corridor, and by mode
 * (the corridors' sums added by mode), and the first vehicle (in index order) on a route with a
 * segment its class cannot use. */
typedef struct {
    long count[TK_NSTATES], moving_loaded;
    double in_transit;
    double on_board[BK_N_MODES];
    double *corr_board;  /* [n_corridors] */
    int bad_tanker, bad_k; /* -1: none; else the tanker and the index of the segment on its route */
    bool counted;        /* by a pass over the tankers, not read from the census kept */
} fleet_census;

/* Fill fc (corr_board: m->check_board); false when out of memory (the routes outgrew the
 * working space kept for them, and it could not grow). */
static bool census_checked(bk_model *m, fleet_census *fc)
{
    int nc = m->sc->n_corridors;
    /* for each route the corridor whose class was last found able to use all of it (-1: none
     * yet), so that a route is checked once per corridor and day rather than once per vehicle;
     * routes are added during a run (risk routing), so the space grows with them */
    while (m->cap_check_route < m->n_routes) {
        int *p = bki_grow(m->check_route, sizeof *p, &m->cap_check_route, 64);
        if (p == NULL)
            return false;
        m->check_route = p;
    }
    int *route_ok = m->check_route;
    for (int r = 0; r < m->n_routes; r++)
        route_ok[r] = -1;
    /* locals, not fc's fields, so that the loop keeps them in registers */
    long count[TK_NSTATES] = {0}, moving_loaded = 0;
    double in_transit = 0, on_board[BK_N_MODES] = {0};
    double *corr_board = fc->corr_board;
    for (int c = 0; c < nc; c++)
        corr_board[c] = 0;
    int bad_tanker = -1, bad_k = -1;
    const bk_tanker *tankers = m->tankers;
    for (int i = 0, n = m->n_tankers; i < n; i++) {
        const bk_tanker *t = &tankers[i];
        enum bk_tanker_state st = t->state;
        count[st]++;
        if (st == TK_DESTROYED || st == TK_CAPTURED)
            continue;
        double l = t->load_l;
        int c = t->corridor;
        in_transit += l;
        moving_loaded += (st == TK_MOVING || st == TK_CONVOY) && l > 0;
        corr_board[c] += l;
        if (bad_tanker >= 0)
            continue;
        int ri = t->route >= 0 ? t->route : m->corr[c].route;
        if (route_ok[ri] == c)
            continue;
        const bk_route *r = &m->routes[ri];
        for (int k = 0; k + 1 < r->n; k++)
            if (!bki_corridor_can_use(m, c, r->seg[k])) {
                bad_tanker = i;
                bad_k = k;
                break;
            }
        if (bad_tanker < 0)
            route_ok[ri] = c;
    }
    for (int c = 0; c < nc; c++)
        on_board[m->corr[c].mode] += corr_board[c];
    memcpy(fc->count, count, sizeof count);
    fc->moving_loaded = moving_loaded;
    fc->in_transit = in_transit;
    for (int k = 0; k < BK_N_MODES; k++)
        fc->on_board[k] = on_board[k];
    fc->bad_tanker = bad_tanker;
    fc->bad_k = bad_k;
    fc->counted = true;
    return true;
}

/* What the checks need, in an optimised build (NDEBUG) from the census kept up to date when it
 * stands for the pass (the same doubles: census_kept), else by the pass. Debug builds, the
 * sanitizer builds among them, always count the fleet and hold the census kept against the count
 * (check_invariants). The vehicles' modes are checked on each route as it is made (network.c);
 * the pass checks them on every tanker too. */
static bool census_for_checks(bk_model *m, fleet_census *fc)
{
#ifdef NDEBUG
    if (census_kept(m)) {
        census_read(m, fc->count, &fc->in_transit, &fc->moving_loaded);
        for (int k = 0; k < BK_N_MODES; k++)
            fc->on_board[k] = 0;
        for (int c = 0; c < m->sc->n_corridors; c++) {
            fc->corr_board[c] = m->corr[c].board_l;
            fc->on_board[m->corr[c].mode] += fc->corr_board[c];
        }
        fc->bad_tanker = fc->bad_k = -1;
        fc->counted = false;
        return true;
    }
#endif
    return census_checked(m, fc);
}

/* The date of day d into buf (11 chars), for the message of a broken invariant. */
static const char *date_of(const bk_model *m, int d, char *buf)
{
    bki_run_date(m->sc, 24.0 * d, buf);
    return buf;
}

/* Per mode (the classes of each mode) and per corridor (each has one class): litres loaded =
 * delivered + lost + on board; and no vehicle on a route with a segment its class cannot use
 * (docs/model/modes.md). */
static bool check_modes(bk_model *m, int d, char *date, const fleet_census *fc)
{
    int nc = m->sc->n_corridors;
    if (m->modes_bad > 0 || fc->bad_tanker >= 0) {
        /* a route made for a corridor its class cannot use all of, or a tanker on one */
        const bk_tanker *t = fc->bad_tanker >= 0 ? &m->tankers[fc->bad_tanker] : NULL;
        int c = t ? t->corridor : m->modes_bad_corr, k = t ? fc->bad_k : m->modes_bad_k;
        const bk_route *r = &m->routes[!t ? m->modes_bad - 1
                                          : t->route >= 0 ? t->route : m->corr[c].route];
        bki_model_set_fail(m, BK_ERR_INVARIANT,
                           "invariant 'vehicles on their own modes' broken on day %d (%s): "
                           "a %s of corridor %s is routed on %s segment %s-%s", d,
                           date_of(m, d, date), m->vclass[c].name, m->sc->corridors[c].id,
                           bki_mode_words[m->sc->segments[r->seg[k]].mode],
                           m->sc->places[r->place[k]].id, m->sc->places[r->place[k + 1]].id);
        return false;
    }
    for (int c = 0; c < nc; c++) {
        const bk_corr_state *cs = &m->corr[c];
        double lhs = cs->loaded_l, rhs = cs->delivered_l + cs->lost_l + fc->corr_board[c];
        if (fabs(lhs - rhs) > 1e-9 * (lhs > 1 ? lhs : 1)) {
            bki_model_set_fail(m, BK_ERR_INVARIANT,
                               "invariant 'litres conserved by class' broken on day %d (%s): "
                               "corridor %s (%s): loaded %.0f L != delivered %.0f + lost %.0f + "
                               "on board %.0f", d, date_of(m, d, date), m->sc->corridors[c].id,
                               m->vclass[c].name, lhs, cs->delivered_l, cs->lost_l,
                               fc->corr_board[c]);
            return false;
        }
    }
    for (int k = 0; k < BK_N_MODES; k++) {
        double lhs = m->loaded_mode[k];
        double rhs = m->deliv_mode_total[k] + m->lost_mode[k] + fc->on_board[k];
        if (fabs(lhs - rhs) > 1e-9 * (lhs > 1 ? lhs : 1)) {
            bki_model_set_fail(m, BK_ERR_INVARIANT,
                               "invariant 'litres conserved by mode' broken on day %d (%s): %s: "
                               "loaded %.0f L != delivered %.0f + lost %.0f + on board %.0f", d,
                               date_of(m, d, date), bki_mode_words[k], lhs, m->deliv_mode_total[k],
                               m->lost_mode[k], fc->on_board[k]);
            return false;
        }
    }
    return true;
}

/* Check the conservation laws at the end of day d. Tolerances are relative to the litres
 * moved, since sums of tens of millions of litres carry rounding. */
static void check_invariants(bk_model *m, int d, const fleet_census *fc)
{
    const long *count = fc->count;
    double in_transit = fc->in_transit;
    char date[11]; /* written by date_of for a message only: most days need none */
    long active = 0;
    for (int s = 0; s < TK_NSTATES; s++)
        if (s != TK_DESTROYED && s != TK_CAPTURED)
            active += count[s];
    long fleet = 0;
    for (int c = 0; c < m->sc->n_corridors; c++)
        fleet += m->corr[c].fleet;
    if (m->tankers_start + m->tankers_joined != active + m->destroyed + m->captured ||
        fleet != active || count[TK_DESTROYED] != m->destroyed ||
        count[TK_CAPTURED] != m->captured) {
        bki_model_set_fail(m, BK_ERR_INVARIANT,
                           "invariant 'tankers conserved' broken on day %d (%s): start %ld + "
                           "joined %ld != active %ld + destroyed %ld + captured %ld",
                           d, date_of(m, d, date), m->tankers_start, m->tankers_joined, active,
                           m->destroyed, m->captured);
        return;
    }
    if (fc->counted && census_kept(m)) { /* the census kept equals the pass, bit for bit */
        long kept[TK_NSTATES], kept_moving;
        double kept_l;
        census_read(m, kept, &kept_l, &kept_moving);
        bool same = memcmp(kept, count, sizeof kept) == 0 && kept_moving == fc->moving_loaded &&
                    memcmp(&kept_l, &in_transit, sizeof kept_l) == 0;
        for (int c = 0; c < m->sc->n_corridors; c++)
            same = same && memcmp(&m->corr[c].board_l, &fc->corr_board[c], sizeof kept_l) == 0;
        if (!same) {
            bki_model_set_fail(m, BK_ERR_INVARIANT,
                               "invariant 'census kept up to date' broken on day %d (%s): %ld "
                               "tankers loaded on the road and %.0f L on board by the census "
                               "kept, %ld and %.0f L by a pass over the tankers", d,
                               date_of(m, d, date), kept_moving, kept_l, fc->moving_loaded,
                               in_transit);
            return;
        }
    }
    double lhs = m->loaded_l, rhs = m->delivered_l + m->burned_l + m->captured_l + in_transit;
    if (fabs(lhs - rhs) > 1e-9 * (lhs > 1 ? lhs : 1)) {
        bki_model_set_fail(m, BK_ERR_INVARIANT,
                           "invariant 'litres conserved in transit' broken on day %d (%s): loaded "
                           "%.0f L != delivered %.0f + burned %.0f + captured %.0f + in transit "
                           "%.0f",
                           d, date_of(m, d, date), lhs, m->delivered_l, m->burned_l, m->captured_l,
                           in_transit);
        return;
    }
    if (!check_modes(m, d, date, fc))
        return;
    double stock = 0, initial = 0;
    for (int p = 0; p < m->sc->n_products; p++) {
        stock += m->stock_l[p];
        initial += m->sc->city.initial_stock_l[p];
        if (m->stock_l[p] < 0 || !isfinite(m->stock_l[p])) {
            bki_model_set_fail(m, BK_ERR_INVARIANT,
                               "invariant 'no negative stock' broken on day %d (%s): stock of "
                               "%s at %s is %g L",
                               d, date_of(m, d, date), m->sc->products[p].id,
                               m->sc->places[m->sc->city.place].name, m->stock_l[p]);
            return;
        }
    }
    /* the depot and the stocks outside it (stations, utility, households, informal market) */
    const bk_city_state *cy = m->city;
    double outside = 0;
    for (int i = 0; i < m->sc->cityside.n_sectors * m->sc->n_products; i++) {
        outside += cy->own[i] + cy->hh[i];
        if (cy->own[i] < 0 || cy->hh[i] < 0 || !isfinite(cy->own[i] + cy->hh[i])) {
            bki_model_set_fail(m, BK_ERR_INVARIANT,
                               "invariant 'no negative stock' broken on day %d (%s): a sector's "
                               "own or households' stock is %g L", d, date_of(m, d, date),
                               cy->own[i] < 0 ? cy->own[i] : cy->hh[i]);
            return;
        }
    }
    for (int p = 0; p < m->sc->n_products; p++)
        outside += cy->inf[p];
    double expect = initial + cy->buffers0_l + m->delivered_l + cy->airlifted_l - cy->consumed_l;
    if (fabs(expect - stock - outside) >
        1e-9 * (initial + cy->buffers0_l + m->delivered_l + cy->airlifted_l + 1)) {
        bki_model_set_fail(m, BK_ERR_INVARIANT,
                           "invariant 'city litres conserved' broken on day %d (%s) at %s: initial "
                           "%.0f L + outside %.0f + delivered %.0f + airlifted %.0f - consumed %.0f "
                           "!= stock %.0f + outside %.0f",
                           d, date_of(m, d, date), m->sc->places[m->sc->city.place].name, initial,
                           cy->buffers0_l, m->delivered_l, cy->airlifted_l, cy->consumed_l, stock,
                           outside);
        return;
    }
    const double *row = &m->run->daily[(size_t)d * m->run->n_cols];
    for (int c = 0; c < m->run->n_cols; c++)
        if (!isfinite(row[c]) || row[c] < 0) {
            bki_model_set_fail(m, BK_ERR_INVARIANT,
                               "invariant 'finite, non-negative series' broken on day %d (%s): "
                               "column %s is %g",
                               d, date_of(m, d, date), m->run->cols[c].name, row[c]);
            return;
        }
}

/* Write the row of day d from the counters of the day and a census of the fleet. */
void bki_record_day(bk_model *m, int d)
{
    const struct bk_scenario *sc = m->sc;
    double *row = &m->run->daily[(size_t)d * m->run->n_cols];
    /* the census, with what the invariants by mode need when they are checked (one pass) */
    fleet_census fc = {.corr_board = NULL};
    bool check = m->run->cfg.check_invariants;
    if (check) {
        fc.corr_board = m->check_board;
        if (!census_for_checks(m, &fc)) {
            bki_model_set_fail(m, BK_ERR_NOMEM, "out of memory checking invariants");
            return;
        }
    } else if (census_kept(m)) {
        census_read(m, fc.count, &fc.in_transit, &fc.moving_loaded);
    } else {
        bki_census(m, fc.count, &fc.in_transit, &fc.moving_loaded);
    }
    const long *count = fc.count;
    long moving_loaded = fc.moving_loaded;
    double in_transit = fc.in_transit;
    double stock = 0, fighters = 0;
    for (int p = 0; p < sc->n_products; p++)
        stock += m->stock_l[p];
    for (int c = 0; c < sc->group.n_cells; c++)
        fighters += m->cells[c].strength;
    int closed = 0;
    for (int s = 0; s < sc->n_segments; s++)
        closed += bki_segment_closed(m, s);
    long fleet = 0;
    for (int c = 0; c < sc->n_corridors; c++)
        fleet += m->corr[c].fleet;

    row[G_CAMPAIGN] = m->campaign;
    row[G_COORDINATED] = m->coordinated_today;
    row[G_FLEET] = (double)fleet;
    row[G_AT_PORT] = (double)(count[TK_PORT_QUEUE] + count[TK_LOADING] + count[TK_WAIT_DRIVER]);
    row[G_MOVING_LOADED] = (double)moving_loaded;
    row[G_MOVING_EMPTY] = (double)(count[TK_MOVING] + count[TK_CONVOY] - moving_loaded);
    row[G_STAGING] = (double)count[TK_STAGING];
    row[G_CONVOY] = (double)count[TK_CONVOY];
    row[G_AT_CITY] = (double)count[TK_AT_CITY];
    row[G_IN_TRANSIT_L] = in_transit;
    row[G_STOCK_L] = stock;
    row[G_DELIVERED_L] = m->today.delivered_l;
    row[G_DISPATCHED] = (double)m->today.dispatched;
    row[G_DELIVERIES] = (double)m->today.deliveries;
    row[G_DESTROYED] = (double)m->today.destroyed;
    row[G_CAPTURED] = (double)m->today.captured;
    row[G_KIDNAPPED] = (double)m->today.kidnapped;
    row[G_ATTACKS] = (double)m->today.attacks;
    row[G_ATTACKS_OK] = (double)m->today.attacks_ok;
    row[G_LONE_ATTACKS] = (double)m->today.lone_attacks;
    row[G_TURNED_BACK] = (double)m->today.turned_back;
    row[G_ROAD_CUTS] = (double)m->today.road_cuts;
    row[G_CLOSED] = closed;
    row[G_CONVOYS] = (double)m->today.convoys;
    row[G_ESCORT_LOST] = (double)m->today.escort_lost;
    row[G_FIGHTERS] = fighters;
    static const int from_counter[] = {[K_DISPATCHED] = CC_DISPATCHED,
                                       [K_ARRIVALS] = CC_ARRIVALS,
                                       [K_ATTACKS] = CC_ATTACKS,
                                       [K_ATTACKS_OK] = CC_ATTACKS_OK,
                                       [K_DESTROYED] = CC_DESTROYED,
                                       [K_CAPTURED] = CC_CAPTURED,
                                       [K_KIDNAPPED] = CC_KIDNAPPED,
                                       [K_ESCORT_LOST] = CC_ESCORT_LOST,
                                       [K_CONVOYS] = CC_CONVOYS};
    for (int c = 0; c < sc->n_corridors; c++) {
        for (int k = K_DISPATCHED; k <= K_CONVOYS; k++)
            row[ccol(m, c, k)] = (double)CCOUNT(m, c, from_counter[k]);
        row[ccol(m, c, K_FLEET)] = m->corr[c].fleet;
        row[ccol(m, c, K_WILLINGNESS)] = m->corr[c].willingness;
        row[ccol(m, c, K_ESCORT_AVAILABLE)] = m->corr[c].escort_pool;
        row[ccol(m, c, K_CONVOY_MODE)] = bki_convoy_active(m, c);
        row[ccol(m, c, K_STAGING)] = m->corr[c].staging.len;
    }
    const bk_city_state *cy = m->city;
    int np = sc->n_products;
    for (int p = 0; p < np; p++) {
        row[pcol(m, p, P_STOCK_L)] = m->stock_l[p];
        row[pcol(m, p, P_DELIVERED_L)] = m->today.delivered_p[p];
        double used = 0;
        for (int s = 0; s < sc->cityside.n_sectors; s++)
            used += cy->given[s * np + p];
        row[pcol(m, p, P_CONSUMED_L)] = used;
        row[pcol(m, p, P_PRICE_RATIO)] = cy->price_ratio[p];
        row[pcol(m, p, P_INFORMAL_PRICE)] = cy->price_ratio[p] * cy->official[p];
    }
    double ratio = 0;
    for (int p = 0; p < np; p++)
        ratio += cy->price_ratio[p] / np;
    row[ycol(m, Y_CONSUMED_L)] = cy->consumed_today;
    row[ycol(m, Y_AIRLIFT_L)] = cy->airlifted_today;
    row[ycol(m, Y_COVER_DAYS)] = cy->cover_days;
    row[ycol(m, Y_SHORTAGE)] = cy->shortage_share;
    row[ycol(m, Y_UNMET_PRIORITY)] = cy->unmet_priority_today;
    row[ycol(m, Y_BLACKOUT_H)] = sc->cityside.enabled ? cy->blackout_h : 0;
    row[ycol(m, Y_QUEUE_H)] = cy->queue_h;
    row[ycol(m, Y_PRICE_RATIO)] = ratio;
    row[ycol(m, Y_SCHOOLS_OPEN)] = cy->schools_open;
    row[ycol(m, Y_PRESSURE)] = cy->pressure;
    row[ycol(m, Y_OUTSIDE_L)] = cy->buffers_l;
    double inf = 0;
    for (int p = 0; p < np; p++)
        inf += cy->inf[p];
    row[ycol(m, Y_INFORMAL_L)] = inf;
    row[ycol(m, Y_EXPECTATION)] = cy->expect;
    row[ycol(m, Y_HOLIDAY)] = cy->holiday;
    for (int s = 0; s < sc->cityside.n_sectors; s++) {
        double dem = 0, got = 0;
        for (int p = 0; p < np; p++) {
            dem += cy->demand[s * np + p];
            got += cy->given[s * np + p];
        }
        row[scol(m, s, S_DEMAND_L)] = dem;
        row[scol(m, s, S_SUPPLIED_L)] = got;
    }
    if (modes_used(sc)) {
        double cost = 0, all_cost = 0, all_l = 0;
        for (int k = 0; k < BK_N_MODES; k++) {
            row[mcol(m, M_DELIVERED_ROAD + k)] = m->deliv_mode_today[k];
            row[mcol(m, M_COST_ROAD + k)] = m->cost_today[k];
            cost += m->cost_today[k];
            all_cost += m->cost_total[k];
            all_l += m->deliv_mode_total[k];
        }
        row[mcol(m, M_COST)] = cost;
        row[mcol(m, M_COST_PER_L)] = all_l > 0 ? all_cost / all_l : 0;
        row[mcol(m, M_SORTIE_LOSSES)] = (double)m->today.sortie_losses;
        row[mcol(m, M_AIRFIELD_ATTACKS)] = (double)m->today.airfield_attacks;
        int shut = 0;
        for (int p = 0; p < sc->n_places; p++)
            shut += sc->places[p].airfield_sorties_per_day > 0 && !bki_airfield_open(m, p);
        row[mcol(m, M_AIRFIELDS_CLOSED)] = shut;
    }
    if (check)
        check_invariants(m, d, &fc);
    m->run->totals.in_transit_l = in_transit;
}


void bki_fill_totals(bk_model *m)
{
    bk_run_totals *t = &m->run->totals;
    t->days = m->run->days;
    t->loaded_l = m->loaded_l;
    t->delivered_l = m->delivered_l;
    t->burned_l = m->burned_l;
    t->captured_l = m->captured_l;
    t->final_stock_l = 0;
    for (int p = 0; p < m->sc->n_products; p++)
        t->final_stock_l += m->stock_l[p];
    t->tankers_start = m->tankers_start;
    t->tankers_joined = m->tankers_joined;
    t->tankers_destroyed = m->destroyed;
    t->tankers_captured = m->captured;
    t->tankers_active = m->tankers_start + m->tankers_joined - m->destroyed - m->captured;
    t->first_attack_day = -1;
    const struct bk_run *run = m->run;
    for (int i = 0; i < run->n_log; i++) {
        const bk_log_entry *e = &run->log[i];
        if (e->kind == BK_LOG_AMBUSH) {
            if (t->first_attack_day < 0)
                t->first_attack_day = floor(e->time_h / 24.0);
            t->attacks_attempted++;
            t->attacks_successful += e->success;
            t->lone_attacks += e->lone;
            t->turned_back += e->turned_back;
            t->drivers_kidnapped += e->kidnapped;
            t->escort_lost += e->escort_lost;
        } else if (e->kind == BK_LOG_ROAD_CUT) {
            t->road_cuts++;
        }
    }
    double demand_priority_l = 0; /* demand_l of the priority sectors, summed in its order */
    for (int d = 0; d < run->days; d++) {
        const double *row = &run->daily[(size_t)d * run->n_cols];
        t->trips_loaded += (long)row[G_DISPATCHED];
        t->deliveries += (long)row[G_DELIVERIES];
        t->convoys += (long)row[G_CONVOYS];
        double b = row[ycol(m, Y_BLACKOUT_H)], q = row[ycol(m, Y_QUEUE_H)];
        t->peak_blackout_hours = b > t->peak_blackout_hours ? b : t->peak_blackout_hours;
        t->peak_queue_hours = q > t->peak_queue_hours ? q : t->peak_queue_hours;
        for (int s = 0; s < m->sc->cityside.n_sectors; s++) {
            t->demand_l += row[scol(m, s, S_DEMAND_L)];
            if (m->sc->cityside.sectors[s].priority)
                demand_priority_l += row[scol(m, s, S_DEMAND_L)];
        }
    }
    const bk_city_state *cy = m->city;
    t->consumed_l = cy->consumed_l;
    t->outside_start_l = cy->buffers0_l;
    t->outside_end_l = cy->buffers_l;
    t->first_school_closure_day = -1;
    for (int d = 0; d < run->days && m->sc->cityside.enabled; d++)
        if (run->daily[(size_t)d * run->n_cols + ycol(m, Y_SCHOOLS_OPEN)] == 0) {
            t->first_school_closure_day = d;
            break;
        }
    t->airlifted_l = cy->airlifted_l;
    t->modes_used = modes_used(m->sc);
    t->cost_total = 0;
    for (int k = 0; k < BK_N_MODES; k++) {
        t->delivered_mode_l[k] = m->deliv_mode_total[k];
        t->cost_mode[k] = m->cost_total[k];
        t->cost_total += m->cost_total[k];
    }
    for (int d = 0; d < run->days && t->modes_used; d++) {
        const double *row = &run->daily[(size_t)d * run->n_cols];
        t->sortie_losses += (long)row[mcol(m, M_SORTIE_LOSSES)];
        t->airfield_attacks += (long)row[mcol(m, M_AIRFIELD_ATTACKS)];
    }
    t->unmet_l = t->demand_l - t->consumed_l > 0 ? t->demand_l - t->consumed_l : 0;
    /* the priority sectors' part, by the same subtraction: with every sector a priority
     * sector both sums are the same sums and the two totals are equal bit for bit; otherwise
     * the other sectors' unmet litres (each >= 0) are the difference, and the bound only
     * absorbs rounding (docs/model/city.md, "Metrics") */
    double up = demand_priority_l - cy->consumed_priority_l;
    t->unmet_priority_l = up > 0 ? (up < t->unmet_l ? up : t->unmet_l) : 0;
    t->first_stockout_day = -1;
    for (int p = 0; p < m->sc->n_products; p++) {
        run->first_stockout_day[p] = cy->first_stockout[p];
        if (cy->first_stockout[p] >= 0 &&
            (t->first_stockout_day < 0 || cy->first_stockout[p] < t->first_stockout_day))
            t->first_stockout_day = cy->first_stockout[p];
    }
    for (int s = 0; s < m->sc->cityside.n_sectors; s++)
        run->unmet_sector_l[s] = cy->unmet_total[s];
    t->first_priority_cut_day = cy->first_priority_cut;
    t->shortage_days = cy->shortage_days;
    t->blackout_hours = m->sc->cityside.enabled ? cy->blackout_total : 0;
    t->school_closed_days = cy->school_closed_days;
    t->pressure_days = cy->pressure_days;
    t->peak_price_ratio = cy->days_done ? cy->peak_ratio : 1.0;
    t->mean_price_ratio = cy->days_done ? cy->ratio_sum / cy->days_done : 1.0;
}
