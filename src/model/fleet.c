/* fleet.c: ports and the tanker cycle. A tanker loads at its corridor's port, waits for its
 * driver to agree to leave, drives toward the city leg by leg (alone, or in a convoy from the
 * staging place), is unloaded at the city after customs, and drives back empty. Movers carry
 * tankers along routes; this file owns their life cycle and what happens at each node. */
#include "engine/alloc.h"
#include "model/model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

static inline int *members_of(bk_mover *mv)
{
    return mv->convoy ? mv->members : &mv->one;
}

static double uniform_range(bk_rng *r, double lo, double hi)
{
    return lo + (hi - lo) * bki_rng_uniform(r);
}

/* ---- tankers ---------------------------------------------------------------------------- */

/* Add a tanker to corridor c, queued at its port. Grows the array (rare: at start and when a
 * lost tanker is replaced). Returns the index or -1 on allocation failure. */
static int tanker_add(bk_model *m, int c)
{
    if (m->n_tankers == m->cap_tankers) {
        bk_tanker *t = bki_grow(m->tankers, sizeof *t, &m->cap_tankers, 256);
        if (t == NULL)
            return -1;
        m->tankers = t;
        for (int i = 0; i < m->n_tankers; i++) /* the streams point into themselves */
            m->tankers[i].rng.gsl.state = &m->tankers[i].rng.st;
    }
    int i = m->n_tankers++;
    bk_tanker *t = &m->tankers[i];
    memset(t, 0, sizeof *t); /* state TK_PORT_QUEUE, nothing on board */
    m->census_n[TK_PORT_QUEUE]++;
    t->corridor = c;
    t->product = -1;
    t->mover = -1;
    t->route = m->corr[c].route;
    bki_rng_init(&t->rng, m->seed, m->rep, BK_RNG_TRAVEL, (uint32_t)i);
    m->corr[c].fleet++;
    bki_port_enqueue(m, i);
    return i;
}

void bki_tanker_lost(bk_model *m, int tk, bool captured)
{
    bk_tanker *t = &m->tankers[tk];
    if (captured) {
        m->captured_l += t->load_l;
        m->captured++;
        m->today.captured++;
        CCOUNT(m, t->corridor, CC_CAPTURED)++;
    } else {
        m->burned_l += t->load_l;
        m->destroyed++;
        m->today.destroyed++;
        CCOUNT(m, t->corridor, CC_DESTROYED)++;
    }
    m->lost_mode[m->corr[t->corridor].mode] += t->load_l;
    m->corr[t->corridor].lost_l += t->load_l;
    bki_tanker_load(m, t, 0);
    t->product = -1;
    t->mover = -1;
    bki_tanker_state(m, t, captured ? TK_CAPTURED : TK_DESTROYED);
    t->since_h = m->now;
    m->corr[t->corridor].fleet--;
}

bk_status bki_fleet_init(bk_model *m)
{
    const struct bk_scenario *sc = m->sc;
    m->ports = bki_calloc((size_t)sc->n_ports, sizeof *m->ports);
    if (m->ports == NULL)
        return BK_ERR_NOMEM;
    for (int p = 0; p < sc->n_ports; p++) {
        bk_port_state *ps = &m->ports[p];
        ps->factor = 1.0;
        bki_rng_init(&ps->rng, m->seed, m->rep, BK_RNG_PORT, (uint32_t)p);
    }
    /* The corridors' tankers enter their ports' queues interleaved in proportion to the
     * fleets (the j-th of N_c at rank (j + 1/2) / N_c), not corridor after corridor: a port
     * serving two corridors would otherwise load one corridor's whole fleet first, and that
     * order survives many round trips in a first-come-first-served queue, so that the state on
     * day 0 would depend on the warm-up's length (docs/model/fleet.md, "Initial state"). */
    int total = 0, *added = bki_calloc((size_t)sc->n_corridors, sizeof *added);
    if (added == NULL)
        return BK_ERR_NOMEM;
    for (int c = 0; c < sc->n_corridors; c++)
        total += sc->corridors[c].tankers;
    for (int j = 0; j < total; j++) {
        int next = -1;
        double rank = 0;
        for (int c = 0; c < sc->n_corridors; c++) {
            int n = sc->corridors[c].tankers;
            if (added[c] == n)
                continue;
            double r = (added[c] + 0.5) / n;
            if (next < 0 || r < rank)
                next = c, rank = r;
        }
        added[next]++;
        if (tanker_add(m, next) < 0) {
            bki_free(added);
            return BK_ERR_NOMEM;
        }
    }
    bki_free(added);
    m->tankers_start = m->n_tankers;
    return m->status;
}

void bki_fleet_release(bk_model *m)
{
    if (m->ports)
        for (int p = 0; p < m->sc->n_ports; p++)
            bki_fifo_release(&m->ports[p].queue);
    bki_free(m->ports);
    bki_free(m->tankers);
    bki_fifo_release(&m->city_wait);
    if (m->movers)
        for (int i = 0; i < m->n_movers; i++)
            bki_free(m->movers[i].members);
    bki_free(m->movers);
}

/* Daily: lost tankers are replaced at join_rate_per_day per corridor, and drivers' willingness
 * relaxes toward 1 with time constant recovery_days. */
void bki_fleet_daily(bk_model *m)
{
    const bk_fleet *f = &m->sc->fleet;
    double relax = f->recovery_days > 0 ? exp(-1.0 / f->recovery_days) : 0.0;
    for (int c = 0; c < m->sc->n_corridors; c++) {
        bk_corr_state *cs = &m->corr[c];
        cs->willingness = 1.0 - (1.0 - cs->willingness) * relax;
        bki_staging_release(m, c); /* drivers who no longer wait for an escort */
        int target = m->sc->corridors[c].tankers;
        if (cs->fleet >= target) {
            cs->join_acc = 0;
            continue;
        }
        cs->join_acc += f->join_rate_per_day;
        while (cs->join_acc >= 1.0 && cs->fleet < target) {
            cs->join_acc -= 1.0;
            if (tanker_add(m, c) < 0) {
                bki_model_set_fail(m, BK_ERR_NOMEM, "out of memory adding a tanker");
                return;
            }
            m->tankers_joined++;
        }
    }
}

/* ---- ports ------------------------------------------------------------------------------ */

void bki_port_enqueue(bk_model *m, int tk)
{
    bk_tanker *t = &m->tankers[tk];
    int p = m->sc->corridors[t->corridor].port;
    bk_port_state *ps = &m->ports[p];
    if (!bki_fifo_push(&ps->queue, tk)) {
        bki_model_set_fail(m, BK_ERR_NOMEM, "out of memory at port");
        return;
    }
    bki_tanker_state(m, t, TK_PORT_QUEUE);
    t->since_h = m->now;
    bki_port_kick(m, p);
}

/* Start loading the next tanker if the dock is free and supply flows. One tanker takes
 * 24 / (load_rate_per_day × supply factor) hours. */
void bki_port_kick(bk_model *m, int p)
{
    bk_port_state *ps = &m->ports[p];
    if (ps->busy || ps->queue.len == 0 || ps->factor <= 0)
        return;
    int tk = bki_fifo_pop(&ps->queue);
    ps->busy = true;
    ps->loading = tk;
    bki_tanker_state(m, &m->tankers[tk], TK_LOADING);
    m->tankers[tk].since_h = m->now;
    double hours = 24.0 / (m->sc->ports[p].load_rate_per_day * ps->factor);
    bki_model_schedule(m, m->now + hours, PRIO_NORMAL, EV_LOAD_DONE, (uint32_t)p, 0);
}

void bki_ev_load_done(bk_model *m, const bk_event *ev)
{
    int p = (int)ev->a;
    bk_port_state *ps = &m->ports[p];
    const bk_port *port = &m->sc->ports[p];
    int tk = ps->loading;
    bk_tanker *t = &m->tankers[tk];
    double u = bki_rng_uniform(&ps->rng), acc = 0;
    int prod = m->sc->n_products - 1;
    for (int k = 0; k < m->sc->n_products; k++) {
        acc += port->product_share[k];
        if (u < acc) {
            prod = k;
            break;
        }
    }
    t->product = prod;
    bki_tanker_load(m, t, m->vclass[t->corridor].capacity_l);
    t->paid = false;
    m->loaded_l += t->load_l;
    m->loaded_mode[m->corr[t->corridor].mode] += t->load_l;
    m->corr[t->corridor].loaded_l += t->load_l;
    bki_tanker_state(m, t, TK_WAIT_DRIVER);
    t->since_h = m->now;
    ps->busy = false;
    /* The driver decides now (EV_DEPART at this time). Scheduled, that event would run right
     * after this handler's own pushes are made and before any of them at this time, but after
     * every event already pending at this time; when there is none, it runs here, after the
     * next loading is started, in the same order (and counted with the events) without passing
     * through the queue. */
    bk_event next;
    bool first = !bki_queue_peek(&m->q, &next) || next.time > m->now;
    if (!first)
        bki_model_schedule(m, m->now, PRIO_NORMAL, EV_DEPART, (uint32_t)tk, 0);
    bki_port_kick(m, p);
    if (first && m->status == BK_OK) {
        bk_event depart = {.time = m->now, .type = EV_DEPART, .a = (uint32_t)tk};
        m->events_inline++;
        bki_ev_depart(m, &depart);
    }
}

void bki_ev_supply_restore(bk_model *m, const bk_event *ev)
{
    bk_port_state *ps = &m->ports[ev->a];
    if (ev->b != ps->cut_gen)
        return; /* a later cut replaced this one */
    ps->factor = 1.0;
    bki_port_kick(m, (int)ev->a);
}

/* ---- movers ----------------------------------------------------------------------------- */

int bki_mover_new(bk_model *m, int corridor, int route, int at, int dir, bool loaded)
{
    int i = m->free_mover;
    if (i >= 0) {
        m->free_mover = m->movers[i].next_free;
    } else {
        if (m->n_movers == m->cap_movers) {
            bk_mover *mv = bki_grow(m->movers, sizeof *mv, &m->cap_movers, 256);
            if (mv == NULL) {
                bki_model_set_fail(m, BK_ERR_NOMEM, "out of memory creating a mover");
                return -1;
            }
            m->movers = mv;
        }
        i = m->n_movers++;
        memset(&m->movers[i], 0, sizeof m->movers[i]);
    }
    bk_mover *mv = &m->movers[i];
    mv->used = true;
    mv->corridor = corridor;
    mv->route = route;
    mv->at = at;
    mv->to = at;
    mv->dir = dir;
    mv->loaded = loaded;
    mv->convoy = false;
    mv->border_done = false;
    mv->escort = 0;
    mv->n = 0;
    mv->trip_start_h = m->now;
    return i;
}

void bki_mover_free(bk_model *m, int i)
{
    bk_mover *mv = &m->movers[i];
    mv->used = false;
    mv->version++;
    mv->n = 0;
    mv->next_free = m->free_mover;
    m->free_mover = i;
}

/* Make mover i a convoy able to hold `cap` tankers; the member array is kept across reuses. */
static bool mover_make_convoy(bk_model *m, int i, int cap)
{
    bk_mover *mv = &m->movers[i];
    if (mv->cap < cap) {
        int *p = bki_realloc(mv->members, (size_t)cap * sizeof *p);
        if (p == NULL) {
            bki_model_set_fail(m, BK_ERR_NOMEM, "out of memory forming a convoy");
            return false;
        }
        mv->members = p;
        mv->cap = cap;
    }
    mv->convoy = true;
    return true;
}

int bki_convoy_new(bk_model *m, int corridor, int route, int at, int cap)
{
    int i = bki_mover_new(m, corridor, route, at, +1, true);
    if (i < 0 || !mover_make_convoy(m, i, cap))
        return -1;
    m->movers[i].border_done = true;
    return i;
}

/* An air leg on segment seg may leave now if both airfields are open and each has a sortie left
 * today; else the time to ask again: the later reopening, or the next day (docs/model/modes.md).
 * Returns m->now when the flight may leave. */
static double air_leg_wait(const bk_model *m, int seg)
{
    const bk_segment *s = &m->sc->segments[seg];
    double t = m->now;
    int ends[2] = {s->from, s->to};
    for (int e = 0; e < 2; e++) {
        double until = m->airfield_closed_until_h[ends[e]];
        if (until > t)
            t = until;
    }
    if (t > m->now)
        return t;
    for (int e = 0; e < 2; e++)
        if (m->sorties_today[ends[e]] + 1.0 > m->sc->places[ends[e]].airfield_sorties_per_day)
            return 24.0 * (floor(m->now / 24.0) + 1.0);
    return m->now;
}

/* Mover i takes off on air segment seg: one sortie at each airfield, and under threat (a ready
 * cell has an airfield in reach) each aircraft is lost with the class's loss_per_sortie. Returns
 * false when none is left (the mover is freed). */
static bool fly_sortie(bk_model *m, int i, int seg)
{
    const bk_segment *s = &m->sc->segments[seg];
    bk_mover *mv = &m->movers[i];
    m->sorties_today[s->from] += 1.0;
    m->sorties_today[s->to] += 1.0;
    double p = m->vclass[mv->corridor].loss_per_sortie;
    if (!(p > 0) || !bki_cells_threaten(m, seg, m->now))
        return true;
    int *mem = members_of(mv);
    for (int k = 0; k < mv->n;) {
        if (bki_rng_uniform(&m->tankers[mem[k]].rng) < p) {
            bki_tanker_lost(m, mem[k], false);
            m->today.sortie_losses++;
            memmove(mem + k, mem + k + 1, (size_t)(mv->n - k - 1) * sizeof *mem);
            mv->n--;
        } else {
            k++;
        }
    }
    if (mv->n > 0)
        return true;
    if (mv->convoy)
        bki_convoy_arrived(m, i);
    bki_mover_free(m, i);
    return false;
}

/* The drive of mover i ends at time t at the stop mv->to: when that is a border with a crossing
 * delay (not an end of the route), serve the arrival now, as at_node would at t: the mover stands
 * at the border and waits its delay, drawn from its lead tanker's stream (which nothing else
 * draws from before t: a mover's tankers change only in its own events), with one event, the
 * continuation at t + delay, instead of two. Returns false (nothing done) at other stops. */
static bool border_on_arrival(bk_model *m, int i, const bk_route *r, double t)
{
    bk_mover *mv = &m->movers[i];
    int to = mv->to;
    if ((mv->dir > 0 && to == r->n - 1) || (mv->dir < 0 && to == 0))
        return false; /* the city or the port */
    const bk_place *pl = &m->sc->places[r->place[to]];
    if (pl->kind != BK_PLACE_BORDER || !(pl->border_delay_max_h > 0))
        return false;
    mv->at = to;
    mv->border_done = true;
    double h = uniform_range(&m->tankers[members_of(mv)[0]].rng, pl->border_delay_min_h,
                             pl->border_delay_max_h);
    if (t < m->end_h) /* the arrival's event would have been processed before the end */
        m->events_inline++;
    bki_model_schedule(m, t + h, PRIO_NORMAL, EV_CONTINUE, (uint32_t)i, mv->version);
    return true;
}

/* Drive from the mover's node to the next stop (bk_route.stop), planning the legs in between when
 * leaving: each leg's driving time, whether its road will be closed when the mover gets there
 * (then it waits at the node before it), and whether a cell in reach will detect and ambush it
 * at the time it enters. One event ends the drive: the arrival at the stop, the wait at a closed
 * road, or the ambush. Planning a drive at once instead of leg by leg saves most events; what it
 * gives up is that a road cut or a cell's move after departure does not affect a drive already
 * planned. */
void bki_mover_start_leg(bk_model *m, int i)
{
    bk_mover *mv = &m->movers[i];
    const bk_route *r = &m->routes[mv->route];
    /* the same for every leg of the drive: the direction, convoy or not, the class's speed factor
     * and the lead tanker (only an air leg's losses change the members). The movers do not move
     * in memory while the drive is planned: nothing below creates one. */
    const int dir = mv->dir, back = dir > 0 ? 0 : -1; /* the segment of node at is seg[at + back] */
    const bool convoy = mv->convoy;
    const double class_f = m->vclass[mv->corridor].speed_factor;
    bk_tanker *lead = &m->tankers[members_of(mv)[0]];
    double t = m->now;
    for (int at = mv->at;;) {
        int seg = r->seg[at + back];
        bk_seg_state *ss = &m->segs[seg];
        bool air = ss->air;
        mv->at = at;
        if (air) {
            if (t > m->now) { /* a flight is planned on the day it leaves: stop here first */
                mv->to = at;
                bki_model_schedule(m, t, PRIO_NORMAL, EV_CONTINUE, (uint32_t)i, mv->version);
                return;
            }
            double reopen = air_leg_wait(m, seg);
            if (reopen > t) { /* wait at this node until the airfields reopen */
                mv->to = at;
                bki_model_schedule(m, reopen, PRIO_NORMAL, EV_CONTINUE, (uint32_t)i, mv->version);
                return;
            }
            if (!fly_sortie(m, i, seg)) /* every aircraft was lost under threat */
                return;
            mv = &m->movers[i];
            lead = &m->tankers[members_of(mv)[0]];
        } else if (t < ss->closed_until_h) { /* wait at this node until the road reopens */
            mv->to = at;
            bki_model_schedule(m, ss->closed_until_h, PRIO_NORMAL, EV_CONTINUE, (uint32_t)i,
                               mv->version);
            return;
        }
        int to = at + dir;
        mv->to = to;
        double drive = bki_leg_drive_hours(m, seg, convoy, &lead->rng) /
                       bki_leg_speed_factor(m, class_f, seg, r->place[at], t);
        mv->leg_drive_h = drive;
        ss->traffic_today += mv->n;
        ss->protect_today += mv->escort;
        int cell = bki_cells_may_expose(m, seg, t) ? bki_cells_exposure(m, i, seg, t) : -1;
        if (cell >= 0) {
            double ta = bki_leg_until(m, seg, t, mv->attack_u * drive);
            bki_model_schedule(m, ta, PRIO_NORMAL, EV_AMBUSH, (uint32_t)i,
                               mv->version | (uint64_t)cell << 32);
            return;
        }
        t = bki_leg_until(m, seg, t, drive);
        if (r->stop[to]) {
            if (border_on_arrival(m, i, r, t))
                return;
            bki_model_schedule(m, t, PRIO_NORMAL, EV_LEG_END, (uint32_t)i, mv->version);
            return;
        }
        at = to;
    }
}

/* Finish the current leg after an ambush: the remaining driving starts at at_h. */
void bki_mover_resume(bk_model *m, int i, double at_h)
{
    bk_mover *mv = &m->movers[i];
    const bk_route *r = &m->routes[mv->route];
    int seg = mv->dir > 0 ? r->seg[mv->at] : r->seg[mv->at - 1];
    double t = bki_leg_until(m, seg, at_h, (1.0 - mv->attack_u) * mv->leg_drive_h);
    bki_model_schedule(m, t, PRIO_NORMAL, EV_LEG_END, (uint32_t)i, mv->version);
}

/* Tanker tk, alone, sets off from node `at` of its route in direction dir. */
static void send_alone(bk_model *m, int tk, int at, int dir);

/* What happens when a mover stands at a node: the end of its trip, a border crossing, the
 * staging place, or the next leg. */
static void at_node(bk_model *m, int i)
{
    bk_mover *mv = &m->movers[i];
    const bk_route *r = &m->routes[mv->route];
    int *mem = members_of(mv);

    if (mv->dir > 0 && mv->at == r->n - 1) { /* the city */
        const bk_city *city = &m->sc->city;
        for (int k = 0; k < mv->n; k++) {
            bk_tanker *t = &m->tankers[mem[k]];
            bk_corr_state *cs = &m->corr[t->corridor];
            bki_tanker_state(m, t, TK_AT_CITY);
            t->since_h = m->now;
            t->mover = -1;
            double h = uniform_range(&cs->rng_city, city->unload_min_h, city->unload_max_h);
            bki_model_schedule(m, m->now + h, PRIO_NORMAL, EV_UNLOAD, (uint32_t)mem[k], 0);
        }
        if (mv->convoy)
            bki_convoy_arrived(m, i);
        bki_mover_free(m, i);
        return;
    }
    if (mv->dir < 0 && mv->at == 0) { /* back at the port */
        for (int k = 0; k < mv->n; k++) {
            bk_tanker *t = &m->tankers[mem[k]];
            t->mover = -1;
            if (t->load_l > 0) { /* turned back with its load: the driver will try again */
                bki_tanker_state(m, t, TK_WAIT_DRIVER);
                t->since_h = m->now;
                bki_model_schedule(m, m->now + m->sc->fleet.retry_hours, PRIO_NORMAL, EV_DEPART,
                                   (uint32_t)mem[k], 0);
            } else {
                bki_port_enqueue(m, mem[k]);
            }
        }
        bki_mover_free(m, i);
        return;
    }
    const bk_place *pl = mv->border_done ? NULL : &m->sc->places[r->place[mv->at]];
    if (pl && pl->kind == BK_PLACE_BORDER && pl->border_delay_max_h > 0) {
        mv->border_done = true;
        double h = uniform_range(&m->tankers[mem[0]].rng, pl->border_delay_min_h,
                                 pl->border_delay_max_h);
        bki_model_schedule(m, m->now + h, PRIO_NORMAL, EV_CONTINUE, (uint32_t)i, mv->version);
        return;
    }
    if (mv->dir > 0 && mv->loaded && !mv->convoy && mv->at == r->staging &&
        bki_convoy_active(m, mv->corridor)) {
        int tk = mem[0];
        bki_mover_free(m, i);
        bki_staging_join(m, m->tankers[tk].corridor, tk);
        return;
    }
    bki_mover_start_leg(m, i);
}

static void send_alone(bk_model *m, int tk, int at, int dir)
{
    bk_tanker *t = &m->tankers[tk];
    int i = bki_mover_new(m, t->corridor, t->route, at, dir, t->load_l > 0);
    if (i < 0)
        return;
    bk_mover *mv = &m->movers[i];
    mv->one = tk;
    mv->n = 1;
    t->mover = i;
    bki_tanker_state(m, t, TK_MOVING);
    t->since_h = m->now;
    at_node(m, i);
}

/* A tanker leaves the staging place alone (convoy mode switched off while it waited). */
void bki_send_from_staging(bk_model *m, int tk)
{
    const bk_route *r = &m->routes[m->tankers[tk].route];
    int i = bki_mover_new(m, m->tankers[tk].corridor, m->tankers[tk].route, r->staging, +1, true);
    if (i < 0)
        return;
    m->movers[i].one = tk;
    m->movers[i].n = 1;
    m->movers[i].border_done = true;
    m->tankers[tk].mover = i;
    bki_tanker_state(m, &m->tankers[tk], TK_MOVING);
    bki_mover_start_leg(m, i);
}

/* The cost of tanker tk's loaded trip on its route, charged to its class's mode. */
static void charge_trip(bk_model *m, int tk)
{
    bk_tanker *t = &m->tankers[tk];
    const bk_vehicle *v = &m->vclass[t->corridor];
    const bk_route *r = &m->routes[t->route];
    double km = r->km;
    double cost = t->load_l * m->sc->fleet.density_kg_per_l / 1000.0 * km * v->cost_per_tonne_km +
                  v->cost_per_trip;
    int mode = m->corr[t->corridor].mode;
    m->cost_today[mode] += cost;
    m->cost_total[mode] += cost;
    t->paid = true;
}

void bki_ev_depart(bk_model *m, const bk_event *ev)
{
    int tk = (int)ev->a;
    bk_tanker *t = &m->tankers[tk];
    bk_corr_state *cs = &m->corr[t->corridor];
    /* with convoys in force, a share escort_confidence of the reluctant drivers leave to wait
     * for an escort at staging (docs/model/fleet.md, "Drivers' refusal") */
    double w = cs->willingness;
    if (bki_convoy_active(m, t->corridor))
        w += (1.0 - w) * m->sc->fleet.escort_confidence;
    if (bki_rng_uniform(&cs->rng_driver) >= w) {
        bki_model_schedule(m, m->now + m->sc->fleet.retry_hours, PRIO_NORMAL, EV_DEPART,
                           (uint32_t)tk, 0);
        return;
    }
    m->today.dispatched++;
    CCOUNT(m, t->corridor, CC_DISPATCHED)++;
    cs->week_dispatched++;
    t->route = cs->route;
    if (!t->paid) /* the freight of this load, once (docs/model/modes.md, "Cost") */
        charge_trip(m, tk);
    send_alone(m, tk, 0, +1);
}

/* Unload tanker tk into the depot if there is room; returns false (and does nothing) if not. */
static bool unload_now(bk_model *m, int tk)
{
    bk_tanker *t = &m->tankers[tk];
    double total = 0;
    for (int k = 0; k < m->sc->n_products; k++)
        total += m->stock_l[k];
    /* during the warm-up the city burns what arrives, as in normal times: no depot limit */
    if (m->now >= 0 && total + t->load_l > m->sc->city.depot_capacity_l)
        return false;
    if (m->now >= 0)
        m->stock_l[t->product] += t->load_l;
    m->delivered_l += t->load_l;
    m->today.delivered_l += t->load_l;
    m->today.delivered_p[t->product] += t->load_l;
    m->today.deliveries++;
    CCOUNT(m, t->corridor, CC_ARRIVALS)++;
    int mode = m->corr[t->corridor].mode;
    m->deliv_mode_today[mode] += t->load_l;
    m->deliv_mode_total[mode] += t->load_l;
    m->corr[t->corridor].delivered_l += t->load_l;
    bki_tanker_load(m, t, 0);
    t->product = -1;
    send_alone(m, tk, m->routes[t->route].n - 1, -1);
    return true;
}

/* Customs are done. With the depot full the tanker joins the queue of tankers waiting for room,
 * which bki_city_drain_waiting serves first come first served once the city has drawn stock. */
void bki_ev_unload(bk_model *m, const bk_event *ev)
{
    int tk = (int)ev->a;
    if (m->city_wait.len == 0 && unload_now(m, tk))
        return;
    if (!bki_fifo_push(&m->city_wait, tk))
        bki_model_set_fail(m, BK_ERR_NOMEM, "out of memory at the city depot");
}

void bki_city_drain_waiting(bk_model *m)
{
    while (m->city_wait.len > 0 && m->status == BK_OK) {
        if (!unload_now(m, bki_fifo_front(&m->city_wait)))
            return;
        bki_fifo_pop(&m->city_wait);
    }
}

void bki_ev_leg_end(bk_model *m, const bk_event *ev)
{
    bk_mover *mv = &m->movers[ev->a];
    if (!mv->used || mv->version != (uint32_t)ev->b)
        return;
    mv->at = mv->to;
    mv->border_done = false;
    at_node(m, (int)ev->a);
}

void bki_ev_continue(bk_model *m, const bk_event *ev)
{
    bk_mover *mv = &m->movers[ev->a];
    if (!mv->used || mv->version != (uint32_t)ev->b)
        return;
    at_node(m, (int)ev->a);
}
