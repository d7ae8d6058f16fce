/* sim.c: one replication. Sets up the model, runs the event loop from the warm-up to the end of
 * the horizon, closes each day (the daily row is written by daily.c, then the daily processes)
 * and hands the record to the caller as a bk_run. */
#include "engine/alloc.h"
#include "model/model.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/status_internal.h"

/* ---- helpers shared by the model's modules ---------------------------------------------- */

bool bki_model_schedule_failed(bk_model *m, bk_status st, double t)
{
    bki_model_set_fail(m, st, "cannot schedule an event at hour %g", t);
    return false;
}

void bki_model_set_fail(bk_model *m, bk_status st, const char *fmt, ...)
{
    if (m->status != BK_OK)
        return; /* keep the first failure */
    m->status = st;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    bki_fail(m->err, st, "%s", msg);
}

void bki_model_log(bk_model *m, const bk_log_entry *e)
{
    if (m->now < 0)
        return; /* nothing is recorded during the warm-up */
    struct bk_run *run = m->run;
    if (run->n_log == run->cap_log) {
        bk_log_entry *l = bki_grow(run->log, sizeof *l, &run->cap_log, 256);
        if (l == NULL) {
            bki_model_set_fail(m, BK_ERR_NOMEM, "out of memory in the event log");
            return;
        }
        run->log = l;
    }
    run->log[run->n_log++] = *e;
}

/* ---- the day boundary and the timeline -------------------------------------------------- */

/* Zero the day's counters, keeping the per-product array. */
static void reset_today(bk_model *m)
{
    double *dp = m->today.delivered_p;
    memset(&m->today, 0, sizeof m->today);
    memset(dp, 0, (size_t)m->sc->n_products * sizeof *dp);
    m->today.delivered_p = dp;
    memset(m->c_today, 0, (size_t)m->sc->n_corridors * CC_COUNT * sizeof *m->c_today);
    for (int k = 0; k < BK_N_MODES; k++)
        m->cost_today[k] = m->deliv_mode_today[k] = 0;
}

static void start_recording(bk_model *m)
{
    /* the warm-up's history is forgotten; what is on the road now counts as loaded */
    long count[TK_NSTATES], moving_loaded;
    double in_transit;
    bki_census(m, count, &in_transit, &moving_loaded);
    m->loaded_l = in_transit;
    m->delivered_l = m->burned_l = m->captured_l = 0;
    for (int k = 0; k < BK_N_MODES; k++)
        m->loaded_mode[k] = m->lost_mode[k] = m->deliv_mode_total[k] = m->cost_total[k] = 0;
    for (int c = 0; c < m->sc->n_corridors; c++)
        m->corr[c].loaded_l = m->corr[c].lost_l = m->corr[c].delivered_l = 0;
    for (int i = 0; i < m->n_tankers; i++) {
        const bk_tanker *t = &m->tankers[i];
        if (t->state != TK_DESTROYED && t->state != TK_CAPTURED) {
            m->loaded_mode[bki_corridor_mode(m, t->corridor)] += t->load_l;
            m->corr[t->corridor].loaded_l += t->load_l;
        }
    }
    m->tankers_start = m->n_tankers - m->destroyed - m->captured;
    m->tankers_joined = 0;
    for (int p = 0; p < m->sc->n_products; p++)
        m->stock_l[p] = m->sc->city.initial_stock_l[p];
    reset_today(m);
}

static void ev_day(bk_model *m, const bk_event *ev)
{
    (void)ev;
    if (m->run->cfg.cancel && *m->run->cfg.cancel) {
        bki_model_set_fail(m, BK_ERR_INTERRUPTED, "interrupted on day %d", m->day);
        return;
    }
    if (m->now > 0) {
        int d = (int)lround(m->now / 24.0) - 1;
        bki_city_day(m, d);
        bki_city_drain_waiting(m);
        bki_record_day(m, d);
        reset_today(m);
        const bk_run_config *cfg = &m->run->cfg;
        if (m->status == BK_OK && cfg->on_day && !cfg->on_day(cfg->on_day_ud, m->run, d))
            bki_model_set_fail(m, BK_ERR_INTERRUPTED, "stopped by the caller after day %d", d);
        if (d + 1 >= m->run->days || m->status != BK_OK)
            return;
    } else if (m->now == 0) {
        start_recording(m);
    }
    m->day = (int)floor(m->now / 24.0);
    bki_network_daily(m);
    for (int c = 0; c < m->sc->n_corridors; c++)
        m->corr[c].recent_attacks[((m->day % 7) + 7) % 7] = 0;
    long every = lround(m->sc->citypol.escort_realloc_days);
    every = every >= 1 ? every : 7; /* the loader allows whole days from 1 */
    if (m->day > 0 && m->day % every == 0)
        bki_escort_reallocate(m);
    if (m->day >= 0) {
        bki_fleet_daily(m);
        bki_escort_daily(m);
        bki_cells_daily(m);
    }
    if (m->routing == BK_ROUTING_RISK)
        bki_routes_update(m);
    bki_model_schedule(m, m->now + 24.0, PRIO_DAY, EV_DAY, 0, 0);
}

static void log_timeline(bk_model *m, enum bk_log_kind kind, const bk_timeline_event *te,
                         double value)
{
    const bk_place *city = &m->sc->places[m->sc->city.place];
    bk_log_entry e = {.time_h = m->now, .kind = kind, .segment = -1, .lat = city->lat,
                      .lon = city->lon, .place = m->sc->city.place, .corridor = -1, .cell = -1,
                      .port = -1, .value = value, .note = te && te->note[0] ? te->note : NULL};
    if (te && te->kind == BK_TL_SUPPLY_CUT) {
        const bk_place *pl = &m->sc->places[m->sc->ports[te->port].place];
        e.port = te->port;
        e.lat = pl->lat;
        e.lon = pl->lon;
        e.place = m->sc->ports[te->port].place;
    }
    if (te && te->kind == BK_TL_ESCORT_REINFORCE)
        e.corridor = te->corridor;
    bki_model_log(m, &e);
}

/* Convoy mode switched off: whoever waits at staging leaves alone. */
static void release_staging(bk_model *m)
{
    for (int c = 0; c < m->sc->n_corridors; c++)
        bki_staging_release(m, c);
}

/* A campaign is declared: drivers on every corridor lose declaration_fear of their willingness
 * (docs/model/fleet.md, "Drivers' refusal"). */
static void campaign_declared(bk_model *m)
{
    const bk_fleet *f = &m->sc->fleet;
    m->campaign = true;
    for (int c = 0; c < m->sc->n_corridors; c++) {
        bk_corr_state *cs = &m->corr[c];
        cs->willingness *= 1.0 - f->declaration_fear;
        if (cs->willingness < f->min_willingness)
            cs->willingness = f->min_willingness;
    }
}

#define TL_GROUP_START UINT32_MAX /* the armed group's own campaign_start */

static void ev_timeline(bk_model *m, const bk_event *ev)
{
    if (ev->a == TL_GROUP_START) {
        campaign_declared(m);
        log_timeline(m, BK_LOG_CAMPAIGN, NULL, 1);
        return;
    }
    const bk_timeline_event *te = &m->sc->timeline[ev->a];
    switch (te->kind) {
    case BK_TL_CAMPAIGN_START:
        campaign_declared(m);
        log_timeline(m, BK_LOG_CAMPAIGN, te, 1);
        break;
    case BK_TL_CAMPAIGN_END:
        m->campaign = false;
        log_timeline(m, BK_LOG_CAMPAIGN, te, 0);
        break;
    case BK_TL_ROAD_CUT:
        bki_road_close(m, te->segment, te->hours, -1);
        if (m->run->n_log > 0)
            m->run->log[m->run->n_log - 1].note = te->note[0] ? te->note : NULL;
        break;
    case BK_TL_SUPPLY_CUT: {
        bk_port_state *ps = &m->ports[te->port];
        ps->factor = te->factor;
        ps->cut_gen++;
        bki_model_schedule(m, m->now + te->hours, PRIO_NORMAL, EV_SUPPLY_RESTORE,
                           (uint32_t)te->port, ps->cut_gen);
        bki_port_kick(m, te->port);
        log_timeline(m, BK_LOG_SUPPLY_CUT, te, te->factor);
        break;
    }
    case BK_TL_CONVOY_MODE:
        m->convoy_mode = (enum bk_convoy_mode)te->mode;
        log_timeline(m, BK_LOG_POLICY, te, te->mode);
        release_staging(m);
        break;
    case BK_TL_ESCORT_REINFORCE: {
        bk_corr_state *cs = &m->corr[te->corridor];
        cs->escort_target += te->units;
        if (cs->escort_target < 0)
            cs->escort_target = 0;
        cs->escort_pool += te->units;
        if (cs->escort_pool < 0)
            cs->escort_pool = 0;
        log_timeline(m, BK_LOG_POLICY, te, te->units);
        bki_convoy_try_depart(m, te->corridor);
        break;
    }
    case BK_TL_NIGHT_BAN:
        m->night_ban = te->mode != 0;
        log_timeline(m, BK_LOG_POLICY, te, te->mode);
        break;
    case BK_TL_ROUTING:
        m->routing = (enum bk_routing_mode)te->mode;
        bki_routes_update(m);
        log_timeline(m, BK_LOG_POLICY, te, te->mode);
        break;
    case BK_TL_NOTE:
        log_timeline(m, BK_LOG_NOTE, te, 0);
        break;
    case BK_TL_AIRLIFT:
        m->city->airlift_l = te->value;
        m->city->airlift_product = te->product;
        m->city->airlift_set = true;
        log_timeline(m, BK_LOG_POLICY, te, te->value);
        break;
    case BK_TL_PRICE_CONTROL:
        m->city->price_control = te->mode != 0;
        log_timeline(m, BK_LOG_POLICY, te, te->mode);
        break;
    case BK_TL_FILL_CAP:
        m->city->fill_cap_l = te->value;
        log_timeline(m, BK_LOG_POLICY, te, te->value);
        break;
    case BK_TL_RESERVE_TIER:
        m->city->reserve_tier = te->units;
        log_timeline(m, BK_LOG_POLICY, te, te->units);
        break;
    case BK_TL_SECTOR_TIER:
        m->city->tier[te->sector] = te->units;
        log_timeline(m, BK_LOG_POLICY, te, te->units);
        break;
    case BK_TL_OFFICIAL_PRICE:
        m->city->official[te->product] = te->value;
        log_timeline(m, BK_LOG_POLICY, te, te->value);
        break;
    case BK_TL_ESCORT_ALLOC:
        m->city->escort_alloc = (enum bk_escort_alloc)te->mode;
        log_timeline(m, BK_LOG_POLICY, te, te->mode);
        break;
    case BK_TL_POPULATION:
        log_timeline(m, BK_LOG_NOTE, te, te->value); /* the city reads the timeline by day */
        break;
    case BK_TL_AMBUSH:
        /* the replay is claimed when a drive enters a listed segment (bki_cells_exposure); at
         * the end of its window, say so if nothing came */
        if (ev->b == 0)
            bki_model_schedule(m, te->time_h + te->hours, PRIO_TIMELINE, EV_TIMELINE, ev->a, 1);
        else if (!m->replay_taken[ev->a]) {
            bk_log_entry e = {.time_h = m->now, .kind = BK_LOG_NOTE, .segment = te->segs[0],
                              .corridor = -1, .cell = -1, .port = -1, .frac = 0.5,
                              .note = "replayed ambush: no loaded target entered its segments "
                                      "within its window"};
            const bk_segment *sg = &m->sc->segments[te->segs[0]];
            const bk_place *a = &m->sc->places[sg->from], *b = &m->sc->places[sg->to];
            e.lat = 0.5 * (a->lat + b->lat);
            e.lon = 0.5 * (a->lon + b->lon);
            e.place = bki_nearest_place(m, e.lat, e.lon);
            bki_model_log(m, &e);
        }
        break;
    case BK_TL_RIVER_CLOSED:
        for (int k = 0; k < te->n_segs; k++) {
            bki_road_close(m, te->segs[k], te->hours, -1);
            if (m->run->n_log > 0)
                m->run->log[m->run->n_log - 1].note = te->note[0] ? te->note : NULL;
        }
        break;
    case BK_TL_AIRFIELD_CLOSED:
        /* a dated closure (a decision, not an attack): no shelling in the event log, only the
         * timeline note; it stops flights on the place's air links and, at the city, the airlift */
        if (m->now + te->hours > m->airfield_closed_until_h[te->place])
            m->airfield_closed_until_h[te->place] = m->now + te->hours;
        log_timeline(m, BK_LOG_POLICY, te, te->hours);
        break;
    }
}

typedef void (*bk_handler)(bk_model *m, const bk_event *ev);

static const bk_handler handlers[EV_COUNT] = {
    [EV_DAY] = ev_day,
    [EV_TIMELINE] = ev_timeline,
    [EV_LOAD_DONE] = bki_ev_load_done,
    [EV_DEPART] = bki_ev_depart,
    [EV_LEG_END] = bki_ev_leg_end,
    [EV_CONTINUE] = bki_ev_continue,
    [EV_AMBUSH] = bki_ev_ambush,
    [EV_UNLOAD] = bki_ev_unload,
    [EV_CONVOY_CHECK] = bki_ev_convoy_check,
    [EV_ESCORT_RETURN] = bki_ev_escort_return,
    [EV_CUT] = bki_ev_cut,
    [EV_SUPPLY_RESTORE] = bki_ev_supply_restore,
    [EV_DRIFT] = bki_ev_drift,
};

/* ---- set-up and the public entry points ------------------------------------------------- */

static void model_release(bk_model *m)
{
    bki_fleet_release(m);
    bki_network_release(m);
    bki_city_release(m);
    bki_free(m->today.delivered_p);
    if (m->corr)
        for (int c = 0; c < m->sc->n_corridors; c++)
            bki_fifo_release(&m->corr[c].staging);
    bki_free(m->corr);
    bki_cells_release(m);
    bki_free_all(m->stock_l, m->c_today, m->check_board, m->check_route);
    bki_queue_release(&m->q);
}

static bk_status model_init(bk_model *m)
{
    const struct bk_scenario *sc = m->sc;
    m->free_mover = -1;
    m->convoy_mode = sc->policy.convoy_mode;
    m->night_ban = sc->policy.night_ban;
    m->routing = sc->policy.routing;
    m->end_h = 24.0 * m->run->days;
    if (bki_queue_init(&m->q, 4096) != BK_OK)
        return BK_ERR_NOMEM;
    m->corr = bki_calloc((size_t)sc->n_corridors, sizeof *m->corr);
    m->stock_l = bki_calloc((size_t)sc->n_products, sizeof *m->stock_l);
    m->c_today = bki_calloc((size_t)sc->n_corridors * CC_COUNT, sizeof *m->c_today);
    m->today.delivered_p = bki_calloc((size_t)sc->n_products, sizeof *m->today.delivered_p);
    m->check_board = bki_calloc((size_t)sc->n_corridors + 1, sizeof *m->check_board);
    if (m->corr == NULL || m->stock_l == NULL || m->c_today == NULL || !m->today.delivered_p ||
        m->check_board == NULL)
        return BK_ERR_NOMEM;
    for (int c = 0; c < sc->n_corridors; c++) {
        bk_corr_state *cs = &m->corr[c];
        cs->route = -1;
        cs->willingness = 1.0;
        cs->escort_pool = cs->escort_target = sc->corridors[c].escort_units;
        bki_rng_init(&cs->rng_driver, m->seed, m->rep, BK_RNG_DRIVER, (uint32_t)c);
        bki_rng_init(&cs->rng_city, m->seed, m->rep, BK_RNG_CITY, (uint32_t)c);
    }
    bk_status st;
    if ((st = bki_network_init(m)) != BK_OK || (st = bki_cells_init(m)) != BK_OK)
        return st;
    m->census_exact = true; /* see model.h */
    for (int c = 0; c < sc->n_corridors; c++) {
        double cap = m->vclass[c].capacity_l;
        if (!(cap >= 0 && cap < 0x1p32 && cap == floor(cap)))
            m->census_exact = false;
    }
    /* scenario.warmup_days of normal traffic, without attacks or timeline, so that the run starts
     * with tankers spread along their cycle rather than all waiting at the ports */
    m->now = -24.0 * sc->warmup_days;
    if ((st = bki_fleet_init(m)) != BK_OK || (st = bki_city_init(m)) != BK_OK)
        return st;
    bool ok = bki_model_schedule(m, m->now, PRIO_DAY, EV_DAY, 0, 0);
    if (sc->group.campaign_start_h >= 0)
        ok = ok && bki_model_schedule(m, sc->group.campaign_start_h, PRIO_TIMELINE, EV_TIMELINE,
                                      TL_GROUP_START, 0);
    for (int i = 0; i < sc->n_timeline; i++)
        ok = ok && bki_model_schedule(m, sc->timeline[i].time_h, PRIO_TIMELINE, EV_TIMELINE,
                                      (uint32_t)i, 0);
    if (sc->group.n_cells > 0 && sc->group.drift_interval_h > 0)
        ok = ok && bki_model_schedule(m, sc->group.drift_interval_h, PRIO_NORMAL, EV_DRIFT, 0, 0);
    return ok ? BK_OK : m->status;
}

void bk_run_config_init(bk_run_config *cfg, const bk_scenario *sc)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->seed = sc ? sc->seed : 1;
    cfg->check_invariants = true;
}

bk_status bk_sim_run(const bk_scenario *sc, const bk_run_config *cfg, bk_run **out,
                     bk_error *err)
{
    if (out == NULL)
        return bki_fail(err, BK_ERR_USAGE, "bk_sim_run: out is NULL");
    *out = NULL;
    if (sc == NULL || cfg == NULL)
        return bki_fail(err, BK_ERR_USAGE, "bk_sim_run: scenario or config is NULL");
    if (cfg->days < 0 || cfg->days > 3650)
        return bki_fail(err, BK_ERR_USAGE, "days must be between 1 and 3650, got %d", cfg->days);
    struct bk_run *run = bki_calloc(1, sizeof *run);
    if (run == NULL)
        return bki_fail(err, BK_ERR_NOMEM, "out of memory");
    run->sc = sc;
    run->cfg = *cfg;
    run->days = cfg->days > 0 ? cfg->days : sc->days;
    run->cfg.days = run->days;
    bk_model m = {.sc = sc, .run = run, .err = err, .seed = cfg->seed, .rep = cfg->replication};
    bk_status st = bki_columns_init(run, sc);
    run->first_stockout_day = bki_calloc((size_t)sc->n_products, sizeof *run->first_stockout_day);
    run->unmet_sector_l = bki_calloc((size_t)(sc->cityside.n_sectors > 0 ? sc->cityside.n_sectors : 1),
                                 sizeof *run->unmet_sector_l);
    if (run->first_stockout_day == NULL || run->unmet_sector_l == NULL)
        st = BK_ERR_NOMEM;
    if (st == BK_OK)
        st = model_init(&m);
    if (st != BK_OK && m.status == BK_OK)
        bki_model_set_fail(&m, st, "out of memory setting up the model");
    double events = 0;
    bk_event ev;
    while (m.status == BK_OK && bki_queue_pop(&m.q, &ev)) {
        if (ev.time > m.end_h)
            break;
        m.now = ev.time;
        handlers[ev.type](&m, &ev);
        events++;
        if (ev.type == EV_DAY && ev.time >= m.end_h)
            break;
    }
    run->totals.events = events + m.events_inline;
    st = m.status;
    if (st == BK_OK)
        bki_fill_totals(&m);
    model_release(&m);
    if (st != BK_OK) {
        bk_run_free(run);
        return st;
    }
    *out = run;
    return BK_OK;
}

void bk_run_free(bk_run *run)
{
    if (run == NULL)
        return;
    bki_free_all(run->cols, run->daily, run->log, run->first_stockout_day, run->unmet_sector_l,
                 run);
}

void bk_run_get_totals(const bk_run *run, bk_run_totals *out)
{
    *out = run->totals;
}
