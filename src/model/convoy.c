/* convoy.c: convoy mode, staging queues, convoy formation and the escort pools. Loaded tankers
 * that reach their corridor's staging place while convoy mode is on wait there; a convoy leaves
 * with an escort when it is big enough or its oldest tanker has waited long enough. */
#include "engine/alloc.h"
#include "model/model.h"

#include <math.h>
#include <stdlib.h>

static void schedule_check(bk_model *m, int c)
{
    bk_corr_state *cs = &m->corr[c];
    if (cs->check_pending || cs->staging.len == 0)
        return;
    double t = m->tankers[bki_fifo_front(&cs->staging)].since_h + m->sc->policy.convoy_max_wait_h;
    if (t <= m->now)
        return; /* already overdue: only an escort coming back can release it */
    cs->check_pending = true;
    bki_model_schedule(m, t, PRIO_NORMAL, EV_CONVOY_CHECK, (uint32_t)c, 0);
}

void bki_staging_join(bk_model *m, int c, int tk)
{
    bk_corr_state *cs = &m->corr[c];
    if (!cs->escort_set_up) { /* the first tanker to wait: the army starts to organise escorts */
        cs->escort_set_up = true;
        cs->escort_from_h = m->now + m->sc->policy.escort_setup_h;
        if (cs->escort_from_h > m->now)
            bki_model_schedule(m, cs->escort_from_h, PRIO_NORMAL, EV_CONVOY_CHECK, (uint32_t)c,
                               0);
    }
    if (!bki_fifo_push(&cs->staging, tk)) {
        bki_model_set_fail(m, BK_ERR_NOMEM, "out of memory at staging");
        return;
    }
    bki_tanker_state(m, &m->tankers[tk], TK_STAGING);
    m->tankers[tk].mover = -1;
    m->tankers[tk].since_h = m->now;
    bki_convoy_try_depart(m, c);
    schedule_check(m, c);
}

/* Form and send as many convoys as the rule allows: enough tankers (or a long enough wait) and
 * enough escort units at base. */
void bki_convoy_try_depart(bk_model *m, int c)
{
    const bk_policy *p = &m->sc->policy;
    bk_corr_state *cs = &m->corr[c];
    while (cs->staging.len > 0 && m->status == BK_OK) {
        int oldest = bki_fifo_front(&cs->staging);
        double waited = m->now - m->tankers[oldest].since_h;
        if (cs->escort_pool < p->escort_min || m->now < cs->escort_from_h)
            return;
        int queued = cs->staging.len;
        if (queued < p->convoy_min_size && waited < p->convoy_max_wait_h - 1e-9)
            return;
        int k = queued < p->convoy_max_size ? queued : p->convoy_max_size;
        int esc = cs->escort_pool < p->escort_per_convoy ? cs->escort_pool : p->escort_per_convoy;
        const bk_route *r = &m->routes[m->tankers[oldest].route];
        int i = bki_convoy_new(m, c, m->tankers[oldest].route, r->staging, p->convoy_max_size);
        if (i < 0)
            return;
        bk_mover *mv = &m->movers[i];
        for (int j = 0; j < k; j++) {
            int tk = bki_fifo_pop(&cs->staging);
            mv->members[mv->n++] = tk;
            bki_tanker_state(m, &m->tankers[tk], TK_CONVOY);
            m->tankers[tk].mover = i;
            m->tankers[tk].route = mv->route; /* it drives back the way the convoy went */
            m->tankers[tk].since_h = m->now;
        }
        mv->escort = esc;
        cs->escort_pool -= esc;
        cs->escort_out += esc;
        m->today.convoys++;
        CCOUNT(m, c, CC_CONVOYS)++;
        bki_mover_start_leg(m, i);
    }
    schedule_check(m, c);
}

/* Tankers waiting at c's staging place leave alone once convoy mode is no longer in force there
 * (a policy change, or drivers who no longer wait for an escort). */
void bki_staging_release(bk_model *m, int c)
{
    bk_corr_state *cs = &m->corr[c];
    if (bki_convoy_active(m, c))
        return;
    while (cs->staging.len > 0 && m->status == BK_OK)
        bki_send_from_staging(m, bki_fifo_pop(&cs->staging));
}

void bki_ev_convoy_check(bk_model *m, const bk_event *ev)
{
    int c = (int)ev->a;
    m->corr[c].check_pending = false;
    bki_convoy_try_depart(m, c);
}

/* The escort of convoy mover i goes back to base; the trip back takes as long as the run out,
 * then the units rest escort_rest_hours before they are available again. */
void bki_convoy_arrived(bk_model *m, int i)
{
    bk_mover *mv = &m->movers[i];
    if (mv->escort <= 0)
        return;
    double back = m->now - mv->trip_start_h + m->sc->policy.escort_rest_h;
    bki_model_schedule(m, m->now + back, PRIO_NORMAL, EV_ESCORT_RETURN, (uint32_t)mv->corridor,
                       (uint64_t)mv->escort);
    mv->escort = 0;
}

void bki_ev_escort_return(bk_model *m, const bk_event *ev)
{
    bk_corr_state *cs = &m->corr[ev->a];
    int units = (int)ev->b;
    cs->escort_out -= units;
    cs->escort_pool += units;
    bki_convoy_try_depart(m, (int)ev->a);
}

/* Daily: escort losses are replaced at replacement_per_week while the pool (at base and out) is
 * below its target (initial size plus reinforcements). */
void bki_escort_daily(bk_model *m)
{
    for (int c = 0; c < m->sc->n_corridors; c++) {
        bk_corr_state *cs = &m->corr[c];
        if (cs->escort_pool + cs->escort_out >= cs->escort_target) {
            cs->escort_acc = 0;
            continue;
        }
        cs->escort_acc += m->sc->corridors[c].escort_replacement_per_week / 7.0;
        bool added = false;
        while (cs->escort_acc >= 1.0 && cs->escort_pool + cs->escort_out < cs->escort_target) {
            cs->escort_acc -= 1.0;
            cs->escort_pool++;
            added = true;
        }
        if (added)
            bki_convoy_try_depart(m, c);
    }
}

/* Weekly (policy): share the whole escort force among corridors in proportion to last period's
 * traffic (loaded departures) or risk (attacks, plus one so no corridor is left bare), by largest
 * remainders. Only units at base move; each corridor's replacement target follows its share. */
void bki_escort_reallocate(bk_model *m)
{
    int n = m->sc->n_corridors;
    if (m->city == NULL || m->city->escort_alloc == BK_ESCORT_FIXED || n < 2)
        goto reset;
    int total = 0;
    double wsum = 0;
    for (int c = 0; c < n; c++) {
        total += m->corr[c].escort_pool + m->corr[c].escort_out;
        wsum += m->city->escort_alloc == BK_ESCORT_TRAFFIC ? (double)m->corr[c].week_dispatched
                                                           : (double)m->corr[c].week_attacks + 1.0;
    }
    if (wsum <= 0 || total == 0)
        goto reset;
    int given = 0;
    int *target = bki_calloc((size_t)n, sizeof *target);
    double *rem = bki_calloc((size_t)n, sizeof *rem);
    if (target == NULL || rem == NULL) {
        bki_free(target);
        bki_free(rem);
        bki_model_set_fail(m, BK_ERR_NOMEM, "out of memory reallocating escorts");
        return;
    }
    for (int c = 0; c < n; c++) {
        double w = m->city->escort_alloc == BK_ESCORT_TRAFFIC ? (double)m->corr[c].week_dispatched
                                                              : (double)m->corr[c].week_attacks + 1.0;
        double exact = total * w / wsum;
        target[c] = (int)floor(exact);
        rem[c] = exact - target[c];
        given += target[c];
    }
    while (given < total) { /* largest remainder first; ties to the lower index */
        int best = 0;
        for (int c = 1; c < n; c++)
            if (rem[c] > rem[best])
                best = c;
        target[best]++;
        rem[best] = -1;
        given++;
    }
    /* move surplus units at base to corridors below their share */
    for (int c = 0; c < n; c++) {
        bk_corr_state *cs = &m->corr[c];
        int surplus = cs->escort_pool + cs->escort_out - target[c];
        for (int d = 0; d < n && surplus > 0 && cs->escort_pool > 0; d++) {
            bk_corr_state *ds = &m->corr[d];
            int need = target[d] - ds->escort_pool - ds->escort_out;
            int k = need < surplus ? need : surplus;
            k = k < cs->escort_pool ? k : cs->escort_pool;
            if (k <= 0)
                continue;
            cs->escort_pool -= k;
            ds->escort_pool += k;
            surplus -= k;
        }
    }
    for (int c = 0; c < n; c++) {
        m->corr[c].escort_target = target[c];
        bki_convoy_try_depart(m, c);
    }
    bki_free(target);
    bki_free(rem);
reset:
    for (int c = 0; c < n; c++)
        m->corr[c].week_dispatched = m->corr[c].week_attacks = 0;
}
