/* cells.c: the armed group. Cells detect traffic within their reach, attack when the expected
 * success is worth it, cut roads, follow the campaign (declaration, lulls, coordinated days),
 * recruit, and drift toward busy, poorly protected roads. */
#include "engine/alloc.h"
#include "model/model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

static double logistic(double x)
{
    return 1.0 / (1.0 + exp(-x));
}

/* A readiness delay of mean `mean` (any unit): fixed when armed_group.readiness_cv is 0, else
 * Gamma with that mean and coefficient of variation: mean x G / k with G ~ Gamma(k, 1), k =
 * 1 / cv^2, drawn from the cell's readiness stream, so that with the same stream a larger mean
 * never gives a shorter delay (docs/model/armed-group.md, "Random readiness"). */
static double readiness_delay(bk_model *m, int c, double mean)
{
    double cv = m->sc->group.readiness_cv;
    if (cv <= 0 || mean <= 0)
        return mean;
    double shape = 1.0 / (cv * cv);
    return mean * gsl_ran_gamma(bki_rng_gsl(&m->cells[c].rng_ready), shape, 1.0) / shape;
}

/* The segments cell c may drift toward (bki_ev_drift): those whose middle (an air link's
 * airfield) lies within roam_km of the cell's home, in index order. Home and middles are places,
 * which do not move, so the list is made once. */
static void roam_list(const bk_model *m, int c, int *segs, int *n)
{
    const bk_cell *cell = &m->sc->group.cells[c];
    const bk_place *home = &m->sc->places[cell->home];
    int k = 0;
    for (int s = 0; s < m->sc->n_segments; s++) {
        const bk_seg_state *ss = &m->segs[s];
        if (bki_km(home->lat, home->lon, ss->mid_lat, ss->mid_lon) > cell->roam_km)
            continue;
        segs[k++] = s;
    }
    *n = k;
}

bk_status bki_cells_init(bk_model *m)
{
    const bk_armed_group *g = &m->sc->group;
    int nc = g->n_cells > 0 ? g->n_cells : 1;
    m->cells = bki_calloc((size_t)nc, sizeof *m->cells);
    m->reach = bki_calloc((size_t)nc * (size_t)m->sc->n_segments, 1);
    m->seg_cells = bki_calloc((size_t)nc * (size_t)m->sc->n_segments, sizeof *m->seg_cells);
    m->seg_ncells = bki_calloc((size_t)m->sc->n_segments, sizeof *m->seg_ncells);
    m->roam_segs = bki_calloc((size_t)nc * (size_t)m->sc->n_segments, sizeof *m->roam_segs);
    m->roam_n = bki_calloc((size_t)nc, sizeof *m->roam_n);
    m->seg_box = bki_calloc(4 * (size_t)m->sc->n_segments + 1, sizeof *m->seg_box);
    if (m->cells == NULL || m->reach == NULL || m->seg_cells == NULL || m->seg_ncells == NULL ||
        m->roam_segs == NULL || m->roam_n == NULL || m->seg_box == NULL)
        return BK_ERR_NOMEM;
    for (int s = 0; s < m->sc->n_segments; s++) {
        const bk_segment *sg = &m->sc->segments[s];
        const bk_place *a = &m->sc->places[sg->from], *b = &m->sc->places[sg->to];
        double *box = &m->seg_box[4 * (size_t)s];
        box[0] = a->lat < b->lat ? a->lat : b->lat;
        box[1] = a->lat < b->lat ? b->lat : a->lat;
        box[2] = sg->mode == BK_MODE_AIR ? -(double)INFINITY : a->lon < b->lon ? a->lon : b->lon;
        box[3] = sg->mode == BK_MODE_AIR ? (double)INFINITY : a->lon < b->lon ? b->lon : a->lon;
    }
    for (int i = 0; i < g->n_cells; i++) {
        bk_cell_state *cs = &m->cells[i];
        const bk_place *home = &m->sc->places[g->cells[i].home];
        cs->lat = home->lat;
        cs->lon = home->lon;
        cs->strength = g->cells[i].strength;
        bki_rng_init(&cs->rng_detect, m->seed, m->rep, BK_RNG_CELL, (uint32_t)i);
        bki_rng_init(&cs->rng_ready, m->seed, m->rep, BK_RNG_READY, (uint32_t)i);
        cs->ready_h = readiness_delay(m, i, g->cells[i].first_ready_days * 24.0);
        bki_rng_init(&cs->rng_ambush, m->seed, m->rep, BK_RNG_AMBUSH, (uint32_t)i);
        bki_rng_init(&cs->rng_cut, m->seed, m->rep, BK_RNG_CUTS, (uint32_t)i);
        cs->hold_seg = -1;
        cs->hold_until_h = -INFINITY;
        roam_list(m, i, &m->roam_segs[(size_t)i * m->sc->n_segments], &m->roam_n[i]);
    }
    for (int s = 0; s < m->sc->n_segments; s++) {
        m->segs[s].ready_min = INFINITY; /* (no cell: bki_cells_update_reach changes nothing) */
        m->segs[s].hold_until = -INFINITY;
    }
    bki_rng_init(&m->rng_campaign, m->seed, m->rep, BK_RNG_CAMPAIGN, 0);
    bki_rng_init(&m->rng_replay, m->seed, m->rep, BK_RNG_REPLAY, 0);
    size_t nt = (size_t)(m->sc->n_timeline > 0 ? m->sc->n_timeline : 1);
    m->replay_taken = bki_calloc(nt, sizeof *m->replay_taken);
    m->replays = bki_malloc(nt * sizeof *m->replays);
    if (m->replay_taken == NULL || m->replays == NULL)
        return BK_ERR_NOMEM;
    for (int k = 0; k < m->sc->n_timeline; k++)
        if (m->sc->timeline[k].kind == BK_TL_AMBUSH) {
            m->replays[m->n_replays++] = k;
            for (int j = 0; j < m->sc->timeline[k].n_segs; j++)
                m->segs[m->sc->timeline[k].segs[j]].replayed = true;
        }
    bki_cells_update_reach(m);
    return BK_OK;
}

/* Distance from a cell at (lat, lon), coslat = cos(lat * BK_DEG), to segment s: to the nearest
 * point of a road or river, to the nearer airfield of an air link (an aircraft is out of reach
 * in flight). *end gets that airfield's place for an air link (-1 otherwise). */
static double point_seg_km(const bk_model *m, double lat, double lon, double coslat, int s,
                           int *end)
{
    const bk_segment *sg = &m->sc->segments[s];
    if (end)
        *end = -1;
    if (sg->mode != BK_MODE_AIR)
        return bki_point_segment_km_cos(m, lat, lon, coslat, s, NULL);
    const bk_place *a = &m->sc->places[sg->from], *b = &m->sc->places[sg->to];
    double da = bki_km(lat, lon, a->lat, a->lon);
    double db = bki_km(lat, lon, b->lat, b->lon);
    if (end)
        *end = da <= db ? sg->from : sg->to;
    return da <= db ? da : db;
}

/* The same from cell i's current position. */
static double cell_seg_km(const bk_model *m, int i, int s, int *end)
{
    const bk_cell_state *cs = &m->cells[i];
    return point_seg_km(m, cs->lat, cs->lon, cos(cs->lat * BK_DEG), s, end);
}

static bool same_double(double x, double y)
{
    return memcmp(&x, &y, sizeof x) == 0;
}

/* Each segment's ready_min (bk_seg_state): the earliest time a cell with the segment in reach
 * and a strength of at least 1 is ready, INFINITY if none. Called after every change of a reach,
 * a ready_h or a strength (a few times a day: a pass over the segments' cell lists). */
static void seg_ready_refresh(bk_model *m)
{
    int nc = m->sc->group.n_cells;
    for (int s = 0; s < m->sc->n_segments; s++) {
        const int *in_reach = &m->seg_cells[(size_t)s * nc];
        double t = INFINITY;
        for (int j = 0; j < m->seg_ncells[s]; j++) {
            const bk_cell_state *cs = &m->cells[in_reach[j]];
            if (cs->strength >= 1.0 && cs->ready_h < t)
                t = cs->ready_h;
        }
        m->segs[s].ready_min = t;
    }
}

/* Which segments each cell has in reach, and the same by segment. The reach depends only on the
 * places (fixed) and the cells' positions, so a cell's row is recomputed only when the cell has
 * moved since it was last computed (bki_ev_drift moves them), and with one cosine per cell: the
 * distances are the doubles cell_seg_km gives; the lists by segment only when a row changed.
 * bki_cells_cache_fresh checks the result. */
void bki_cells_update_reach(bk_model *m)
{
    const bk_armed_group *g = &m->sc->group;
    int ns = m->sc->n_segments;
    bool changed = false;
    for (int i = 0; i < g->n_cells; i++) {
        bk_cell_state *cs = &m->cells[i];
        if (cs->reach_set && same_double(cs->reach_lat, cs->lat) &&
            same_double(cs->reach_lon, cs->lon))
            continue;
        double lat = cs->lat, lon = cs->lon, c = cos(lat * BK_DEG), r = g->cells[i].reach_km;
        /* A segment whose two ends both lie more than r + 1 km north (or south) of the cell is
         * out of reach without measuring: every distance above is at least the north-south
         * component (a->lat - lat) * BK_KM_PER_DEG_LAT of some point between the ends, and the
         * rounding of those few operations is below 1e-9 km, far inside the 1 km margin. So is
         * a road or river whose ends both lie more than r + 1 km east (or west) of the cell by
         * the east-west component (a->lon - lon) * BK_KM_PER_DEG_LON * c that
         * bki_point_segment_km_cos computes for them (an air link's distances are to its
         * airfields, with another cosine: its box has no longitudes). The box (seg_box) holds
         * the least and greatest of each coordinate; rounding is monotonic, so the least end's
         * difference is the least of the ends' differences. */
        double band = (r + 1.0) / BK_KM_PER_DEG_LAT, far = r + 1.0;
        uint8_t *row = &m->reach[(size_t)i * ns];
        for (int s = 0; s < ns; s++) {
            const double *box = &m->seg_box[4 * (size_t)s];
            uint8_t in = 0;
            if (!(box[0] - lat > band || lat - box[1] > band ||
                  (box[2] - lon) * BK_KM_PER_DEG_LON * c > far ||
                  (box[3] - lon) * BK_KM_PER_DEG_LON * c < -far))
                in = point_seg_km(m, lat, lon, c, s, NULL) <= r;
            changed |= in != row[s];
            row[s] = in;
        }
        cs->reach_lat = lat;
        cs->reach_lon = lon;
        cs->reach_set = true;
    }
    if (!changed) /* a drift seldom moves a cell across a segment's edge of reach */
        return;
    /* the same by segment, for the exposure check of every leg (the rows start all zero, as
     * seg_cells and seg_ncells do) */
    for (int s = 0; s < ns; s++) {
        int k = 0;
        for (int i = 0; i < g->n_cells; i++)
            if (m->reach[(size_t)i * ns + s])
                m->seg_cells[(size_t)s * g->n_cells + k++] = i;
        m->seg_ncells[s] = k;
    }
    seg_ready_refresh(m);
}

bool bki_cells_cache_fresh(const bk_model *m)
{
    const bk_armed_group *g = &m->sc->group;
    int ns = m->sc->n_segments;
    for (int i = 0; i < g->n_cells; i++) {
        const bk_cell_state *cs = &m->cells[i];
        const bk_place *home = &m->sc->places[g->cells[i].home];
        int k = 0;
        for (int s = 0; s < ns; s++) {
            /* the computation from scratch: one bki_point_segment_km (or two bki_km) each */
            double d;
            if (m->sc->segments[s].mode != BK_MODE_AIR) {
                d = bki_point_segment_km(m, cs->lat, cs->lon, s, NULL);
            } else {
                const bk_segment *sg = &m->sc->segments[s];
                const bk_place *a = &m->sc->places[sg->from], *b = &m->sc->places[sg->to];
                double da = bki_km(cs->lat, cs->lon, a->lat, a->lon);
                double db = bki_km(cs->lat, cs->lon, b->lat, b->lon);
                d = da <= db ? da : db;
            }
            if (m->reach[(size_t)i * ns + s] != (d <= g->cells[i].reach_km))
                return false;
            const bk_seg_state *ss = &m->segs[s];
            if (!(bki_km(home->lat, home->lon, ss->mid_lat, ss->mid_lon) > g->cells[i].roam_km)) {
                if (k >= m->roam_n[i] || m->roam_segs[(size_t)i * ns + k] != s)
                    return false;
                k++;
            }
        }
        if (k != m->roam_n[i])
            return false;
    }
    for (int s = 0; s < ns; s++) {
        int k = 0;
        for (int i = 0; i < g->n_cells; i++)
            if (m->reach[(size_t)i * ns + s]) {
                if (k >= m->seg_ncells[s] || m->seg_cells[(size_t)s * g->n_cells + k] != i)
                    return false;
                k++;
            }
        if (k != m->seg_ncells[s])
            return false;
        /* the earliest ready cell in reach, from scratch */
        double ready = INFINITY;
        for (int i = 0; i < g->n_cells; i++)
            if (m->reach[(size_t)i * ns + s] && m->cells[i].strength >= 1.0 &&
                m->cells[i].ready_h < ready)
                ready = m->cells[i].ready_h;
        if (!same_double(ready, m->segs[s].ready_min))
            return false;
    }
    return true;
}

void bki_cells_release(bk_model *m)
{
    bki_free_all(m->cells, m->reach, m->seg_cells, m->seg_ncells, m->roam_segs, m->roam_n,
                 m->seg_box, m->replay_taken, m->replays);
}

/* Success probability a cell expects against `escort` units on segment `seg`; on an air link,
 * against the defence of the airfield `field` it attacks, with no cover. */
static double success_prob(const bk_model *m, double party, int escort, int corridor, int seg,
                           int field)
{
    const bk_armed_group *g = &m->sc->group;
    if (field >= 0) {
        double defence = m->sc->places[field].airfield_defence;
        if (defence <= 0)
            return g->unescorted_success;
        return logistic(g->ambush_base_logit + g->ambush_ratio_coef * log(party / defence));
    }
    if (escort <= 0)
        return g->unescorted_success;
    double defence = escort * m->sc->corridors[corridor].escort_strength;
    if (defence <= 0)
        return g->unescorted_success;
    return logistic(g->ambush_base_logit + g->ambush_ratio_coef * log(party / defence) +
                    g->ambush_cover_coef * m->sc->segments[seg].cover);
}

/* A timeline ambush whose window holds t, on segment seg, not yet claimed and fit for mover
 * mv: its timeline index, or -1. The first such entry in date order. */
static int replay_for(const bk_model *m, const bk_mover *mv, int seg, double t)
{
    if (!m->segs[seg].replayed || !mv->loaded) /* (no ambush to replay lists seg) */
        return -1;
    for (int r = 0; r < m->n_replays; r++) {
        int k = m->replays[r];
        const bk_timeline_event *te = &m->sc->timeline[k];
        if (m->replay_taken[k] || t < te->time_h ||
            t > te->time_h + te->hours || (te->mode == 1 && !mv->convoy))
            continue;
        for (int j = 0; j < te->n_segs; j++)
            if (te->segs[j] == seg)
                return k;
    }
    return -1;
}

/* A road held after an attack (armed_group.ambush.hold_hours) that lone loaded mover mv, entering
 * seg at t, reaches while it is held: the holding cell (mv->attack_u set to the point), or -1.
 * The window is checked against the time the mover reaches the point, not the time it enters. */
static int hold_for(const bk_model *m, bk_mover *mv, int seg, double t)
{
    const bk_armed_group *g = &m->sc->group;
    if (g->hold_hours <= 0 || mv->convoy || !mv->loaded || t > m->segs[seg].hold_until)
        return -1; /* (after the latest hold set on seg ends) */
    const int *in_reach = &m->seg_cells[(size_t)seg * g->n_cells];
    for (int j = 0; j < m->seg_ncells[seg]; j++) {
        int c = in_reach[j];
        const bk_cell_state *cs = &m->cells[c];
        if (cs->hold_seg != seg || t > cs->hold_until_h)
            continue;
        const bk_route *rt = &m->routes[mv->route];
        double u = m->sc->segments[seg].from == rt->place[mv->at] ? cs->hold_frac
                                                                  : 1.0 - cs->hold_frac;
        double tp = bki_leg_until(m, seg, t, u * mv->leg_drive_h);
        if (tp < cs->hold_from_h || tp > cs->hold_until_h)
            continue;
        mv->attack_u = u;
        return c;
    }
    return -1;
}

/* A mover will enter segment seg at time t (now or later in its planned drive): does a cell
 * detect it and decide to attack? Returns the cell (and sets the mover's attack point) or -1;
 * a replayed (timeline) ambush that claims the mover returns n_cells + its timeline index.
 * At most one attack per leg; a replay comes first, then cells in index order. No attacks
 * before the start date (warm-up). The caller has found bki_cells_may_expose true. */
int bki_cells_exposure(bk_model *m, int i, int seg, double t)
{
    const bk_armed_group *g = &m->sc->group;
    bk_mover *mv = &m->movers[i];
    int k = replay_for(m, mv, seg, t);
    if (k >= 0) {
        m->replay_taken[k] = true;
        mv->attack_u = 0.5; /* the record gives the segment, not the point on it */
        return g->n_cells + k;
    }
    if (g->n_cells == 0)
        return -1;
    int held = hold_for(m, mv, seg, t);
    if (held >= 0)
        return g->n_cells + m->sc->n_timeline + held;
    double interest = m->campaign ? 1.0 : g->pre_campaign_interest;
    if (!mv->loaded)
        interest *= g->empty_interest;
    if (m->coordinated_today)
        interest *= g->coordinated_boost;
    const int *in_reach = &m->seg_cells[(size_t)seg * g->n_cells];
    for (int j = 0; j < m->seg_ncells[seg]; j++) {
        int c = in_reach[j];
        bk_cell_state *cs = &m->cells[c];
        if (t < cs->ready_h || cs->strength < 1.0)
            continue;
        double p_detect = g->cells[c].intelligence * interest;
        if (mv->convoy)
            p_detect *= g->cells[c].convoy_interest;
        if (bki_rng_uniform(&cs->rng_detect) >= (p_detect < 1.0 ? p_detect : 1.0))
            continue;
        double party = g->attack_party_share * cs->strength;
        int field;
        cell_seg_km(m, c, seg, &field);
        if (success_prob(m, party, mv->escort, mv->corridor, seg, field) < g->min_success)
            continue; /* not worth it: the target is too well protected */
        /* strike somewhere on the part of the leg within the cell's reach; on an air link, at
         * the airfield in reach (taking off or landing) */
        double u0 = 0, u1 = 1, u;
        if (field >= 0) {
            u = field == m->sc->segments[seg].from ? 0.0 : 1.0;
        } else {
            bki_segment_reach_interval(m, cs->lat, cs->lon, seg, g->cells[c].reach_km, &u0, &u1);
            u = u0 + (u1 - u0) * bki_rng_uniform(&cs->rng_ambush); /* from the `from` end */
        }
        const bk_route *rt = &m->routes[mv->route];
        mv->attack_u = m->sc->segments[seg].from == rt->place[mv->at] ? u : 1.0 - u;
        cs->ready_h = INFINITY; /* busy until the ambush is over */
        seg_ready_refresh(m);
        if (g->hold_hours > 0 && !mv->convoy && mv->loaded && field < 0) {
            /* the road is held from the strike; confirmed if the strike succeeds */
            cs->hold_seg = seg;
            cs->hold_frac = u;
            cs->hold_from_h = bki_leg_until(m, seg, t, mv->attack_u * mv->leg_drive_h);
            cs->hold_until_h = cs->hold_from_h + g->hold_hours;
            if (cs->hold_until_h > m->segs[seg].hold_until)
                m->segs[seg].hold_until = cs->hold_until_h;
            cs->hold_ok = false;
            cs->hold_log = -1;
        }
        return c;
    }
    return -1;
}

/* Is air segment seg under threat at time t: a ready cell with strength has one of its
 * airfields in reach (docs/model/modes.md, "Loss per sortie")? */
bool bki_cells_threaten(const bk_model *m, int seg, double t)
{
    const bk_armed_group *g = &m->sc->group;
    if (t < 0 || g->n_cells == 0)
        return false;
    const int *in_reach = &m->seg_cells[(size_t)seg * g->n_cells];
    for (int k = 0; k < m->seg_ncells[seg]; k++) {
        const bk_cell_state *cs = &m->cells[in_reach[k]];
        if (t >= cs->ready_h && cs->strength >= 1.0)
            return true;
    }
    return false;
}

/* Drivers of a corridor lose heart: willingness times keep, not below the floor. */
static void lose_heart(bk_model *m, bk_corr_state *cs, double keep)
{
    cs->willingness *= keep;
    if (cs->willingness < m->sc->fleet.min_willingness)
        cs->willingness = m->sc->fleet.min_willingness;
}

/* Remember an attack on corridor c: counts, drivers' fear, threat-triggered convoy mode. */
static void corridor_attacked(bk_model *m, int c, int kidnapped)
{
    const bk_fleet *f = &m->sc->fleet;
    bk_corr_state *cs = &m->corr[c];
    cs->week_attacks++;
    double keep = (1.0 - f->fear_per_attack) * pow(1.0 - f->fear_per_kidnapping, kidnapped);
    lose_heart(m, cs, keep);
    if (f->fear_shared_port > 0) /* the same hauliers load at the port: they hear of it */
        for (int d = 0; d < m->sc->n_corridors; d++)
            if (d != c && m->sc->corridors[d].port == m->sc->corridors[c].port)
                lose_heart(m, &m->corr[d], 1.0 - f->fear_shared_port * (1.0 - keep));
    cs->recent_attacks[m->day % 7] += 1.0;
    double week = 0;
    for (int k = 0; k < 7; k++)
        week += cs->recent_attacks[k];
    if (week >= m->sc->policy.threat_attacks_per_week)
        cs->convoy_on = true;
}

/* After an attack that left mover i on the road: turned back, it drives back to where the leg
 * began on segment seg and then home; otherwise it is held up Uniform(delay_min, delay_max)
 * hours and drives on. */
static void turn_back_or_delay(bk_model *m, int i, int seg, bool back, bk_rng *rng)
{
    bk_mover *mv = &m->movers[i];
    if (back) {
        mv->to = mv->at;
        mv->at = mv->at + mv->dir;
        mv->dir = -mv->dir;
        double t = bki_leg_until(m, seg, m->now, mv->attack_u * mv->leg_drive_h);
        bki_model_schedule(m, t, PRIO_NORMAL, EV_LEG_END, (uint32_t)i, mv->version);
        return;
    }
    const bk_armed_group *g = &m->sc->group;
    double delay = g->delay_min_h + (g->delay_max_h - g->delay_min_h) * bki_rng_uniform(rng);
    bki_mover_resume(m, i, m->now + delay);
}

/* A lone loaded tanker reaches a road that cell c holds (bki_cells_exposure): if the cell's
 * attack succeeded it is stopped, burned with lone_burn_prob (captured with capture_share) or
 * else turned back or held up as the first one; what befalls it is added to that attack's log
 * entry (one attack, however many tankers it stops). If the attack failed it drives on. */
static void held_tanker(bk_model *m, int i, int c)
{
    const bk_armed_group *g = &m->sc->group;
    bk_cell_state *cs = &m->cells[c];
    bk_mover *mv = &m->movers[i];
    if (!cs->hold_ok || mv->n != 1) {
        bki_mover_resume(m, i, m->now);
        return;
    }
    bk_rng *rng = &cs->rng_ambush;
    bk_log_entry *e = cs->hold_log >= 0 && cs->hold_log < m->run->n_log
                          ? &m->run->log[cs->hold_log]
                          : NULL;
    int corridor = mv->corridor;
    if (e)
        e->convoy_size++;
    if (bki_rng_uniform(rng) < g->lone_burn_prob) {
        bool captured = bki_rng_uniform(rng) < g->capture_share;
        int kidnapped = bki_rng_uniform(rng) < g->kidnap_prob;
        bki_tanker_lost(m, mv->one, captured);
        mv->n = 0;
        bki_mover_free(m, i);
        if (e) {
            e->destroyed += !captured;
            e->captured += captured;
            e->kidnapped += kidnapped;
        }
        m->today.kidnapped += kidnapped;
        CCOUNT(m, corridor, CC_KIDNAPPED) += kidnapped;
        lose_heart(m, &m->corr[corridor], pow(1.0 - m->sc->fleet.fear_per_kidnapping, kidnapped));
        return;
    }
    const bk_route *rt = &m->routes[mv->route];
    int seg = mv->dir > 0 ? rt->seg[mv->at] : rt->seg[mv->at - 1];
    if (mv->dir > 0) { /* turned back with its load, as the first one */
        if (e)
            e->turned_back++;
        m->today.turned_back++;
    }
    turn_back_or_delay(m, i, seg, mv->dir > 0, rng);
}

void bki_ev_ambush(bk_model *m, const bk_event *ev)
{
    const bk_armed_group *g = &m->sc->group;
    int i = (int)ev->a, c = (int)(ev->b >> 32);
    int held_by = c - g->n_cells - m->sc->n_timeline; /* >= 0: stopped at a held road */
    if (held_by >= 0) {
        bk_mover *hm = &m->movers[i];
        if (hm->used && hm->version == (uint32_t)(ev->b & 0xFFFFFFFFu))
            held_tanker(m, i, held_by);
        return;
    }
    /* c >= n_cells: a replayed ambush, timeline entry c - n_cells (bki_cells_exposure) */
    const bk_timeline_event *replay = c >= g->n_cells ? &m->sc->timeline[c - g->n_cells] : NULL;
    bk_cell_state *cell = replay ? NULL : &m->cells[c];
    bk_rng *rng = replay ? &m->rng_replay : &cell->rng_ambush;
    bk_mover *mv = &m->movers[i];
    if (cell) {
        cell->ready_h = m->now + readiness_delay(m, c, g->cells[c].readiness_hours);
        cell->hold_ok = false; /* a hold is confirmed below, by a successful strike */
        seg_ready_refresh(m);
    }
    if (!mv->used || mv->version != (uint32_t)(ev->b & 0xFFFFFFFFu))
        return;
    gsl_rng *r = bki_rng_gsl(rng);
    const bk_route *rt = &m->routes[mv->route];
    int seg = mv->dir > 0 ? rt->seg[mv->at] : rt->seg[mv->at - 1];
    double party = cell ? g->attack_party_share * cell->strength : 0.0;
    const bk_segment *sg = &m->sc->segments[seg];
    double frac = sg->from == rt->place[mv->at] ? mv->attack_u : 1.0 - mv->attack_u;
    int field = !replay && sg->mode == BK_MODE_AIR ? (frac < 0.5 ? sg->from : sg->to) : -1;
    /* a replay happened: it succeeds, with the recorded scale */
    bool success = replay ? true
                          : bki_rng_uniform(rng) < success_prob(m, party, mv->escort, mv->corridor,
                                                                seg, field);
    int *mem = mv->convoy ? mv->members : &mv->one;
    bk_log_entry e = {.time_h = m->now, .kind = BK_LOG_AMBUSH, .segment = seg,
                      .corridor = mv->corridor, .cell = replay ? -1 : c, .port = -1,
                      .lone = !mv->convoy, .note = replay && replay->note[0] ? replay->note : NULL,
                      .loaded = mv->loaded, .success = success, .convoy_size = mv->n,
                      .escort_units = mv->escort, .fighters = party};
    /* position of the attack on the segment, measured from the segment's `from` place */
    e.frac = frac;
    const bk_place *a = &m->sc->places[sg->from], *b = &m->sc->places[sg->to];
    e.lat = a->lat + e.frac * (b->lat - a->lat);
    e.lon = a->lon + e.frac * (b->lon - a->lon);
    e.place = bki_nearest_place(m, e.lat, e.lon);

    bool turned_back = false;
    int lost = 0;
    if (replay) {
        lost = (int)lround(replay->value * mv->n);
        lost = lost > mv->n ? mv->n : lost;
        e.kidnapped = (int)gsl_ran_binomial(r, g->kidnap_prob, (unsigned)lost);
        e.escort_lost = (int)gsl_ran_binomial(r, g->escort_loss_success, (unsigned)mv->escort);
    } else if (field >= 0) {
        /* an attack on the airfield: on success the aircraft there are hit as a convoy's
         * tankers are (a share, at least one, none captured) and the airfield closes */
        if (success) {
            double mean = g->destroy_share_mean, k = g->destroy_concentration;
            double share =
                mean <= 0 ? 0 : mean >= 1 ? 1 : gsl_ran_beta(r, mean * k, (1 - mean) * k);
            lost = (int)lround(share * mv->n);
            lost = lost < 1 ? 1 : lost > mv->n ? mv->n : lost;
            e.fighters_lost = g->fighter_loss_success * party;
        } else {
            e.fighters_lost = g->fighter_loss_failure * party;
        }
    } else if (success && !mv->convoy) {
        if (bki_rng_uniform(rng) < g->lone_burn_prob) {
            lost = 1;
            e.kidnapped = bki_rng_uniform(rng) < g->kidnap_prob;
        } else {
            /* a loaded tanker heading for the city is sent back with its load; one already on
             * its way home is only held up (the delay below) */
            turned_back = mv->loaded && mv->dir > 0;
        }
        e.fighters_lost = g->fighter_loss_success * party;
    } else if (success) {
        double mean = g->destroy_share_mean, k = g->destroy_concentration;
        double share = mean <= 0 ? 0 : mean >= 1 ? 1 : gsl_ran_beta(r, mean * k, (1 - mean) * k);
        lost = (int)lround(share * mv->n);
        lost = lost < 1 ? 1 : lost > mv->n ? mv->n : lost;
        e.kidnapped = (int)gsl_ran_binomial(r, g->kidnap_prob, (unsigned)lost);
        e.escort_lost = (int)gsl_ran_binomial(r, g->escort_loss_success, (unsigned)mv->escort);
        e.fighters_lost = g->fighter_loss_success * party;
    } else {
        e.escort_lost = (int)gsl_ran_binomial(r, g->escort_loss_failure, (unsigned)mv->escort);
        e.fighters_lost = g->fighter_loss_failure * party;
    }
    /* which tankers are lost: a random subset, drawn by a partial shuffle */
    for (int k = 0; k < lost; k++) {
        int j = k + (int)gsl_rng_uniform_int(r, (unsigned long)(mv->n - k));
        int tmp = mem[k];
        mem[k] = mem[j];
        mem[j] = tmp;
        bool captured = field < 0 && bki_rng_uniform(rng) < g->capture_share;
        if (captured)
            e.captured++;
        else
            e.destroyed++;
        bki_tanker_lost(m, mem[k], captured);
    }
    if (lost > 0) {
        memmove(mem, mem + lost, (size_t)(mv->n - lost) * sizeof *mem);
        mv->n -= lost;
    }
    e.turned_back = turned_back;
    if (cell) {
        cell->strength -= e.fighters_lost;
        if (cell->strength < 0)
            cell->strength = 0;
        seg_ready_refresh(m);
    }
    mv->escort -= e.escort_lost;
    m->corr[mv->corridor].escort_out -= e.escort_lost;

    /* accounting */
    m->today.attacks++;
    m->today.attacks_ok += success;
    m->today.lone_attacks += !mv->convoy;
    m->today.turned_back += turned_back;
    m->today.kidnapped += e.kidnapped;
    m->today.escort_lost += e.escort_lost;
    CCOUNT(m, mv->corridor, CC_ATTACKS)++;
    CCOUNT(m, mv->corridor, CC_ATTACKS_OK) += success;
    CCOUNT(m, mv->corridor, CC_KIDNAPPED) += e.kidnapped;
    CCOUNT(m, mv->corridor, CC_ESCORT_LOST) += e.escort_lost;
    bk_seg_state *ss = &m->segs[seg];
    ss->risk = bki_decay(ss->risk, ss->risk_t, m->now, m->sc->policy.risk_memory_days) + 1.0;
    ss->risk_t = m->now;
    corridor_attacked(m, mv->corridor, e.kidnapped);
    if (cell && success && e.lone && e.loaded && field < 0 && cell->hold_seg == seg &&
        m->now <= cell->hold_until_h) {
        cell->hold_ok = true; /* the road is held: bki_cells_exposure stops those who come */
        cell->hold_log = m->now < 0 ? -1 : m->run->n_log;
    }
    bki_model_log(m, &e);
    if (field >= 0) {
        m->today.airfield_attacks++;
        if (success)
            bki_airfield_close(m, field, m->sc->places[field].airfield_closure_hours, c);
    }

    if (mv->n == 0) {
        if (mv->convoy)
            bki_convoy_arrived(m, i); /* a wiped-out convoy's surviving escort goes home */
        bki_mover_free(m, i);
        return;
    }
    turn_back_or_delay(m, i, seg, turned_back, rng);
}

/* Close segment seg for `hours` from now (cell -1: a scripted cut) and log it. */
void bki_road_close(bk_model *m, int seg, double hours, int cell)
{
    bk_seg_state *ss = &m->segs[seg];
    double until = m->now + hours;
    if (until > ss->closed_until_h)
        ss->closed_until_h = until;
    const bk_segment *sg = &m->sc->segments[seg];
    const bk_place *a = &m->sc->places[sg->from], *b = &m->sc->places[sg->to];
    bk_log_entry e = {.time_h = m->now, .kind = BK_LOG_ROAD_CUT, .segment = seg, .frac = 0.5,
                      .lat = 0.5 * (a->lat + b->lat), .lon = 0.5 * (a->lon + b->lon),
                      .corridor = -1, .cell = cell, .port = -1, .value = hours};
    e.place = bki_nearest_place(m, e.lat, e.lon);
    m->today.road_cuts++;
    bki_model_log(m, &e);
}

void bki_ev_cut(bk_model *m, const bk_event *ev)
{
    const bk_armed_group *g = &m->sc->group;
    int c = (int)ev->a;
    bk_cell_state *cs = &m->cells[c];
    if (!m->campaign || m->now < cs->ready_h)
        return;
    int ns = m->sc->n_segments;
    double total = 0;
    for (int s = 0; s < ns; s++)
        if (m->reach[(size_t)c * ns + s])
            total += m->sc->segments[s].cover;
    if (total <= 0)
        return;
    double u = bki_rng_uniform(&cs->rng_cut) * total, acc = 0;
    int pick = -1;
    for (int s = 0; s < ns && pick < 0; s++)
        if (m->reach[(size_t)c * ns + s]) {
            acc += m->sc->segments[s].cover;
            if (u < acc)
                pick = s;
        }
    if (pick < 0)
        return;
    double hours = g->repair_min_h + (g->repair_max_h - g->repair_min_h) *
                                         bki_rng_uniform(&cs->rng_cut);
    bki_road_close(m, pick, hours, c);
}

/* Daily: recruitment, the coordinated-day draw and the road cuts of the day. */
void bki_cells_daily(bk_model *m)
{
    const bk_armed_group *g = &m->sc->group;
    double day0 = 24.0 * m->day;
    m->coordinated_today =
        m->campaign && g->coordinated_rate_per_week > 0 &&
        bki_rng_uniform(&m->rng_campaign) < 1.0 - exp(-g->coordinated_rate_per_week / 7.0);
    double p_cut = 1.0 - exp(-g->road_cut_rate_per_day);
    for (int c = 0; c < g->n_cells; c++) {
        bk_cell_state *cs = &m->cells[c];
        cs->strength += g->cells[c].recruitment_per_day;
        if (cs->strength > g->cells[c].max_strength)
            cs->strength = g->cells[c].max_strength;
        /* both draws are made every day so the stream does not depend on the campaign state */
        double u = bki_rng_uniform(&cs->rng_cut), when = bki_rng_uniform(&cs->rng_cut);
        if (m->campaign && u < p_cut)
            bki_model_schedule(m, day0 + 24.0 * when, PRIO_NORMAL, EV_CUT, (uint32_t)c, 0);
    }
    seg_ready_refresh(m); /* the strengths changed */
}

/* Every drift interval, each cell moves part of the way toward the most attractive segment near
 * its home: much traffic, little protection, good cover. */
void bki_ev_drift(bk_model *m, const bk_event *ev)
{
    (void)ev;
    const bk_armed_group *g = &m->sc->group;
    for (int c = 0; c < g->n_cells; c++) {
        int best = -1;
        double best_a = 0;
        /* the segments within roam_km of home (roam_list) */
        const int *roam = &m->roam_segs[(size_t)c * m->sc->n_segments];
        for (int k = 0; k < m->roam_n[c]; k++) {
            int s = roam[k];
            const bk_seg_state *ss = &m->segs[s];
            double a = ss->traffic * (1.0 + m->sc->segments[s].cover) / (1.0 + ss->protect);
            if (a > best_a) {
                best_a = a;
                best = s;
            }
        }
        if (best < 0)
            continue;
        bk_cell_state *cs = &m->cells[c];
        cs->lat = g->drift_inertia * cs->lat + (1 - g->drift_inertia) * m->segs[best].mid_lat;
        cs->lon = g->drift_inertia * cs->lon + (1 - g->drift_inertia) * m->segs[best].mid_lon;
    }
    bki_cells_update_reach(m);
    if (g->drift_interval_h > 0 && g->n_cells > 0)
        bki_model_schedule(m, m->now + g->drift_interval_h, PRIO_NORMAL, EV_DRIFT, 0, 0);
}
