/* network.c: the road network seen by the model: geometry, travel times, the night-travel ban,
 * closures and corridor routes (fixed, or risk-aware shortest paths computed with igraph). */
#include "engine/alloc.h"
#include "model/model.h"

#include "engine/date.h"

#include <igraph.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

/* Debian's igraph is built without thread-local storage (IGRAPH_THREAD_SAFE is 0): its error
 * handling uses global state, so concurrent replications must not call it at the same time.
 * Every igraph call of the model holds this lock; the calls are few (graph set-up, and one
 * routing pass a day under risk-aware routing), so the lock costs nothing measurable. */
static pthread_mutex_t igraph_lock = PTHREAD_MUTEX_INITIALIZER;

/* Routing weight of a segment the corridor's class cannot use: above any real cost (hours, at
 * most 1e6 more for a closed road), so such a segment is taken only where there is no other way,
 * and that path is then refused. */
#define BK_NO_MODE_COST 1e15

/* Distance in km on a local equirectangular projection: accurate to well under 1 % at the scale
 * of a corridor leg (hundreds of km), which is all the model needs. */
double bki_km(double lat1, double lon1, double lat2, double lon2)
{
    double c = cos(0.5 * (lat1 + lat2) * BK_DEG);
    double dx = (lon2 - lon1) * BK_KM_PER_DEG_LON * c, dy = (lat2 - lat1) * BK_KM_PER_DEG_LAT;
    return sqrt(dx * dx + dy * dy);
}

/* Distance from a point to segment `seg` (straight between its end places), and in *frac the
 * position of the nearest point along it from the segment's `from` place (0..1). */
double bki_point_segment_km(const bk_model *m, double lat, double lon, int seg, double *frac)
{
    return bki_point_segment_km_cos(m, lat, lon, cos(lat * BK_DEG), seg, frac);
}

/* The part of segment seg within r km of a point, as fractions [*u0, *u1] of the way from the
 * segment's `from` place (a circle cut with a straight segment on the local projection).
 * Returns false when no part is within reach. */
bool bki_segment_reach_interval(const bk_model *m, double lat, double lon, int seg, double r,
                                double *u0, double *u1)
{
    const bk_segment *s = &m->sc->segments[seg];
    const bk_place *a = &m->sc->places[s->from], *b = &m->sc->places[s->to];
    double c = cos(lat * BK_DEG);
    double ax = (a->lon - lon) * BK_KM_PER_DEG_LON * c, ay = (a->lat - lat) * BK_KM_PER_DEG_LAT;
    double dx = (b->lon - a->lon) * BK_KM_PER_DEG_LON * c, dy = (b->lat - a->lat) * BK_KM_PER_DEG_LAT;
    /* |A + u D|^2 = r^2  <=>  (D.D) u^2 + 2 (A.D) u + (A.A - r^2) = 0 */
    double qa = dx * dx + dy * dy, qb = 2 * (ax * dx + ay * dy), qc = ax * ax + ay * ay - r * r;
    if (qa <= 0) {
        *u0 = 0;
        *u1 = 1;
        return qc <= 0;
    }
    double disc = qb * qb - 4 * qa * qc;
    if (disc < 0)
        return false;
    double sq = sqrt(disc);
    double lo = (-qb - sq) / (2 * qa), hi = (-qb + sq) / (2 * qa);
    lo = lo < 0 ? 0 : lo;
    hi = hi > 1 ? 1 : hi;
    if (lo > hi)
        return false;
    *u0 = lo;
    *u1 = hi;
    return true;
}

int bki_nearest_place(const bk_model *m, double lat, double lon)
{
    int best = 0;
    double bd = INFINITY;
    for (int i = 0; i < m->sc->n_places; i++) {
        double d = bki_km(lat, lon, m->sc->places[i].lat, m->sc->places[i].lon);
        if (d < bd) {
            bd = d;
            best = i;
        }
    }
    return best;
}

/* Exponential forgetting: the value a memory recorded at since_h has at now_h. */
double bki_decay(double value, double since_h, double now_h, double tau_days)
{
    if (tau_days <= 0)
        return 0;
    return value * exp(-(now_h - since_h) / (24.0 * tau_days));
}

double bki_leg_month_factor(const bk_model *m, int seg, double t)
{
    const struct bk_scenario *sc = m->sc;
    long day = bki_days_from_civil(sc->start_year, sc->start_month, sc->start_day) +
               (long)floor(t / 24.0);
    int y, mo, d;
    bki_civil_from_days(day, &y, &mo, &d);
    return sc->segments[seg].speed_month[mo - 1];
}

static bool is_night(const bk_policy *p, double hour)
{
    if (p->night_from_hour > p->night_to_hour)
        return hour >= p->night_from_hour || hour < p->night_to_hour;
    return hour >= p->night_from_hour && hour < p->night_to_hour;
}

/* The clock time at which `hours` of driving started at t are done, with driving allowed only
 * outside the night window while the ban is in force. */
double bki_drive_until(const bk_model *m, double t, double hours)
{
    if (!m->night_ban)
        return t + hours;
    const bk_policy *p = &m->sc->policy;
    for (int guard = 0; hours > 1e-12 && guard < 100000; guard++) {
        double day0 = floor(t / 24.0) * 24.0, h = t - day0;
        /* the next hour of the day at which the ban switches on or off */
        double marks[3] = {p->night_from_hour, p->night_to_hour, 24.0};
        double next = 24.0;
        for (int i = 0; i < 3; i++)
            if (marks[i] > h + 1e-12 && marks[i] < next)
                next = marks[i];
        if (is_night(p, h)) {
            t = day0 + next;
        } else {
            double take = next - h < hours ? next - h : hours;
            t += take;
            hours -= take;
        }
    }
    return t;
}

/* Daily: the traffic and protection memories forget with time constant traffic_memory_days and
 * take in the day's passages. A daily step is ample for a memory of days to weeks. */
void bki_network_daily(bk_model *m)
{
    /* airfields' sorties are counted by calendar day, the warm-up's days included */
    memset(m->sorties_today, 0, (size_t)m->sc->n_places * sizeof *m->sorties_today);
    double tau = m->sc->group.traffic_memory_days;
    double keep = tau > 0 ? exp(-1.0 / tau) : 0.0;
    for (int s = 0; s < m->sc->n_segments; s++) {
        bk_seg_state *ss = &m->segs[s];
        ss->traffic = ss->traffic * keep + ss->traffic_today;
        ss->protect = ss->protect * keep + ss->protect_today;
        ss->traffic_today = ss->protect_today = 0;
    }
}

bool bki_segment_closed(const bk_model *m, int seg)
{
    const bk_segment *s = &m->sc->segments[seg];
    if (s->mode == BK_MODE_AIR && (!bki_airfield_open(m, s->from) || !bki_airfield_open(m, s->to)))
        return true;
    return m->now < m->segs[seg].closed_until_h;
}

bool bki_corridor_can_use(const bk_model *m, int c, int seg)
{
    return (m->vclass[c].modes & (1u << m->sc->segments[seg].mode)) != 0;
}

int bki_corridor_mode(const bk_model *m, int c)
{
    for (int k = 0; k < BK_N_MODES; k++)
        if (m->vclass[c].modes & (1u << k))
            return k;
    return BK_MODE_ROAD;
}

bool bki_airfield_open(const bk_model *m, int place)
{
    return !(m->now < m->airfield_closed_until_h[place]);
}

void bki_airfield_close(bk_model *m, int place, double hours, int cell)
{
    double until = m->now + hours;
    if (until > m->airfield_closed_until_h[place])
        m->airfield_closed_until_h[place] = until;
    const bk_place *p = &m->sc->places[place];
    bk_log_entry e = {.time_h = m->now, .kind = BK_LOG_AIRFIELD_CLOSED, .segment = -1,
                      .lat = p->lat, .lon = p->lon, .place = place, .corridor = -1, .cell = cell,
                      .port = -1, .value = hours};
    bki_model_log(m, &e);
}

/* The class serving each corridor: its own, or the built-in road tanker from fleet.*. */
static bk_status vclass_init(bk_model *m)
{
    const struct bk_scenario *sc = m->sc;
    m->vclass = bki_calloc((size_t)sc->n_corridors + 1, sizeof *m->vclass);
    m->airfield_closed_until_h = bki_calloc((size_t)sc->n_places, sizeof *m->airfield_closed_until_h);
    m->sorties_today = bki_calloc((size_t)sc->n_places, sizeof *m->sorties_today);
    if (m->vclass == NULL || m->airfield_closed_until_h == NULL || m->sorties_today == NULL)
        return BK_ERR_NOMEM;
    for (int p = 0; p < sc->n_places; p++)
        m->airfield_closed_until_h[p] = -INFINITY;
    for (int c = 0; c < sc->n_corridors; c++) {
        int v = sc->corridors[c].vehicle;
        if (v >= 0) {
            m->vclass[c] = sc->vehicles[v];
            continue;
        }
        bk_vehicle *t = &m->vclass[c];
        snprintf(t->id, sizeof t->id, "tanker");
        snprintf(t->name, sizeof t->name, "road tanker");
        t->kind = BK_VK_ROAD_TANKER;
        t->modes = 1u << BK_MODE_ROAD;
        t->capacity_l = sc->fleet.tanker_capacity_l;
        t->speed_factor = 1.0;
        t->cost_per_tonne_km = sc->fleet.tanker_cost_per_tonne_km;
    }
    for (int c = 0; c < sc->n_corridors; c++)
        m->corr[c].mode = bki_corridor_mode(m, c);
    return BK_OK;
}

/* Append a route for corridor c made of the given places; reuse the last route of the corridor
 * when identical. Returns the route index or -1 on allocation failure. */
static int route_add(bk_model *m, int c, const int *places, int n)
{
    const bk_corridor *co = &m->sc->corridors[c];
    int cur = m->corr ? m->corr[c].route : -1;
    if (cur >= 0 && m->routes[cur].n == n &&
        memcmp(m->routes[cur].place, places, (size_t)n * sizeof *places) == 0)
        return cur;
    if (m->n_routes == m->cap_routes) {
        bk_route *r = bki_grow(m->routes, sizeof *r, &m->cap_routes, 16);
        if (r == NULL)
            return -1;
        m->routes = r;
    }
    bk_route *r = &m->routes[m->n_routes];
    r->n = n;
    r->place = bki_malloc((size_t)n * sizeof *r->place);
    r->seg = bki_malloc((size_t)(n > 1 ? n - 1 : 1) * sizeof *r->seg);
    r->stop = bki_malloc((size_t)n * sizeof *r->stop);
    if (r->place == NULL || r->seg == NULL || r->stop == NULL) {
        bki_free_all(r->place, r->seg, r->stop);
        return -1;
    }
    memcpy(r->place, places, (size_t)n * sizeof *places);
    r->staging = -1;
    int staging_place = co->path[co->staging];
    for (int i = 0; i < n; i++) {
        if (places[i] == staging_place)
            r->staging = i;
        if (i + 1 < n)
            r->seg[i] = bki_scenario_find_segment(m->sc, places[i], places[i + 1]);
    }
    /* a tanker's route is always one of its corridor's routes, so a route checked once when
     * made stands for every vehicle on it (the daily check reports it) */
    for (int i = 0; i + 1 < n && m->modes_bad == 0; i++)
        if (!bki_corridor_can_use(m, c, r->seg[i])) {
            m->modes_bad = m->n_routes + 1;
            m->modes_bad_corr = c;
            m->modes_bad_k = i;
        }
    r->km = 0; /* summed as charge_trip did trip by trip */
    for (int i = 0; i + 1 < n; i++)
        r->km += m->sc->segments[r->seg[i]].length_km;
    for (int i = 0; i < n; i++) {
        const bk_place *pl = &m->sc->places[places[i]];
        r->stop[i] = i == 0 || i == n - 1 || i == r->staging ||
                     (pl->kind == BK_PLACE_BORDER && pl->border_delay_max_h > 0);
    }
    return m->n_routes++;
}

bk_status bki_network_init(bk_model *m)
{
    const struct bk_scenario *sc = m->sc;
    m->segs = bki_calloc((size_t)sc->n_segments, sizeof *m->segs);
    if (m->segs == NULL || vclass_init(m) != BK_OK)
        return BK_ERR_NOMEM;
    for (int s = 0; s < sc->n_segments; s++) {
        const bk_place *a = &sc->places[sc->segments[s].from], *b = &sc->places[sc->segments[s].to];
        m->segs[s].mid_lat = 0.5 * (a->lat + b->lat);
        m->segs[s].mid_lon = 0.5 * (a->lon + b->lon);
        if (sc->segments[s].mode == BK_MODE_AIR) { /* cells are drawn to an airfield, not to the
                                                      sky between: the city's end, else `to` */
            const bk_place *f = sc->segments[s].from == sc->city.place ? a : b;
            m->segs[s].mid_lat = f->lat;
            m->segs[s].mid_lon = f->lon;
        }
        m->segs[s].closed_until_h = -INFINITY; /* open, also during the warm-up */
        m->segs[s].air = sc->segments[s].mode == BK_MODE_AIR;
        m->segs[s].to = sc->segments[s].to;
        m->segs[s].reverse_speed_factor = sc->segments[s].reverse_speed_factor;
        for (int k = 0; k < 12; k++)
            m->segs[s].seasonal = m->segs[s].seasonal || sc->segments[s].speed_month[k] != 1.0;
        /* lognormal with mean 1 and coefficient of variation cv: sigma² = ln(1 + cv²),
         * mu = −sigma² / 2 */
        double s2 = log1p(sc->segments[s].travel_cv * sc->segments[s].travel_cv);
        m->segs[s].ln_mu = -0.5 * s2;
        m->segs[s].ln_sigma = sqrt(s2);
        m->segs[s].noisy = sc->segments[s].travel_cv > 0;
        /* as bki_leg_drive_hours computed them leg by leg: speed × 1.0 is the speed */
        m->segs[s].drive_h[0] = sc->segments[s].length_km / (sc->segments[s].speed_kmh * 1.0);
        m->segs[s].drive_h[1] = sc->segments[s].length_km /
                                (sc->segments[s].speed_kmh * sc->policy.convoy_speed_factor);
    }
    for (int c = 0; c < sc->n_corridors; c++) {
        const bk_corridor *co = &sc->corridors[c];
        int r = route_add(m, c, co->path, co->path_len);
        if (r < 0)
            return BK_ERR_NOMEM;
        m->corr[c].route = r;
    }

    igraph_t *g = bki_malloc(sizeof *g);
    if (g == NULL)
        return BK_ERR_NOMEM;
    pthread_mutex_lock(&igraph_lock);
    /* igraph aborts on error by default; the model checks return codes instead. */
    igraph_set_error_handler(igraph_error_handler_ignore);
    igraph_set_warning_handler(igraph_warning_handler_ignore);
    igraph_vector_int_t edges;
    igraph_error_t rc = igraph_vector_int_init(&edges, 2 * sc->n_segments);
    if (rc == IGRAPH_SUCCESS) {
        for (int s = 0; s < sc->n_segments; s++) {
            VECTOR(edges)[2 * s] = sc->segments[s].from;
            VECTOR(edges)[2 * s + 1] = sc->segments[s].to;
        }
        rc = igraph_create(g, &edges, sc->n_places, IGRAPH_UNDIRECTED);
        igraph_vector_int_destroy(&edges);
    }
    pthread_mutex_unlock(&igraph_lock);
    if (rc != IGRAPH_SUCCESS) {
        bki_free(g);
        return BK_ERR_NOMEM;
    }
    m->igraph = g;
    return BK_OK;
}

void bki_network_release(bk_model *m)
{
    if (m->igraph) {
        pthread_mutex_lock(&igraph_lock);
        igraph_destroy(m->igraph);
        pthread_mutex_unlock(&igraph_lock);
        bki_free(m->igraph);
        m->igraph = NULL;
    }
    for (int i = 0; i < m->n_routes; i++)
        bki_free_all(m->routes[i].place, m->routes[i].seg, m->routes[i].stop);
    bki_free_all(m->routes, m->segs, m->vclass, m->airfield_closed_until_h, m->sorties_today);
    m->routes = NULL;
    m->segs = NULL;
    m->vclass = NULL;
    m->airfield_closed_until_h = m->sorties_today = NULL;
}

/* Risk-aware routing, once a day: each corridor's route becomes the cheapest path from its port
 * to the city, a segment costing its nominal hours × (1 + risk_weight × attack memory); closed
 * segments cost so much that they are used only where there is no other way. With fixed routing
 * the corridor keeps its scenario path. */
void bki_routes_update(bk_model *m)
{
    const struct bk_scenario *sc = m->sc;
    if (m->routing != BK_ROUTING_RISK) {
        for (int c = 0; c < sc->n_corridors; c++) {
            int r = route_add(m, c, sc->corridors[c].path, sc->corridors[c].path_len);
            if (r < 0) {
                bki_model_set_fail(m, BK_ERR_NOMEM, "out of memory computing routes");
                return;
            }
            m->corr[c].route = r;
        }
        return;
    }
    igraph_vector_t w, wc;
    igraph_vector_int_t vs;
    pthread_mutex_lock(&igraph_lock);
    if (igraph_vector_init(&w, sc->n_segments) != IGRAPH_SUCCESS) {
        pthread_mutex_unlock(&igraph_lock);
        bki_model_set_fail(m, BK_ERR_NOMEM, "out of memory computing routes");
        return;
    }
    if (igraph_vector_init(&wc, sc->n_segments) != IGRAPH_SUCCESS) {
        igraph_vector_destroy(&w);
        pthread_mutex_unlock(&igraph_lock);
        bki_model_set_fail(m, BK_ERR_NOMEM, "out of memory computing routes");
        return;
    }
    if (igraph_vector_int_init(&vs, 0) != IGRAPH_SUCCESS) {
        igraph_vector_destroy(&wc);
        igraph_vector_destroy(&w);
        pthread_mutex_unlock(&igraph_lock);
        bki_model_set_fail(m, BK_ERR_NOMEM, "out of memory computing routes");
        return;
    }
    for (int s = 0; s < sc->n_segments; s++) {
        const bk_segment *sg = &sc->segments[s];
        double risk = bki_decay(m->segs[s].risk, m->segs[s].risk_t, m->now,
                                sc->policy.risk_memory_days);
        double cost = sg->length_km / sg->speed_kmh * (1.0 + sc->policy.risk_weight * risk);
        if (bki_segment_closed(m, s))
            cost += 1e6;
        VECTOR(w)[s] = cost;
    }
    int *places = bki_malloc((size_t)(2 * sc->n_places + 2) * sizeof *places);
    if (places == NULL) {
        bki_model_set_fail(m, BK_ERR_NOMEM, "out of memory computing routes");
        sc = NULL;
    }
    /* each corridor keeps its identity: the cheapest path from its port to its staging place,
     * then from there to the city */
    for (int c = 0; sc != NULL && c < sc->n_corridors && m->status == BK_OK; c++) {
        const bk_corridor *co = &sc->corridors[c];
        int stops[3] = {co->path[0], co->path[co->staging], co->path[co->path_len - 1]};
        int n = 0;
        bool ok = true;
        /* only the segments its class can use: the others are priced out of the search, and a
         * path that still needs one is refused below (docs/model/modes.md) */
        for (int s = 0; s < sc->n_segments; s++)
            VECTOR(wc)[s] = bki_corridor_can_use(m, c, s) ? VECTOR(w)[s] : BK_NO_MODE_COST;
        for (int k = 0; k < 2 && ok; k++) {
            if (stops[k] == stops[k + 1])
                continue;
            if (igraph_get_shortest_path_dijkstra(m->igraph, &vs, NULL, stops[k], stops[k + 1], &wc,
                                                  IGRAPH_ALL) != IGRAPH_SUCCESS ||
                igraph_vector_int_size(&vs) < 2) {
                ok = false;
                break;
            }
            for (igraph_integer_t i = n ? 1 : 0; i < igraph_vector_int_size(&vs); i++)
                places[n++] = (int)VECTOR(vs)[i];
        }
        /* a path that visits a place twice (there and back through staging) is not a route */
        for (int i = 0; ok && i < n; i++)
            for (int j = i + 1; j < n; j++)
                if (places[i] == places[j])
                    ok = false;
        for (int i = 0; ok && i + 1 < n; i++)
            if (!bki_corridor_can_use(m, c, bki_scenario_find_segment(sc, places[i], places[i + 1])))
                ok = false;   /* no way on the class's own modes: keep the current route */
        if (!ok || n < 2)
            continue; /* keep the current route */
        int r = route_add(m, c, places, n);
        if (r < 0) {
            bki_model_set_fail(m, BK_ERR_NOMEM, "out of memory computing routes");
            break;
        }
        m->corr[c].route = r;
    }
    bki_free(places);
    igraph_vector_int_destroy(&vs);
    igraph_vector_destroy(&wc);
    igraph_vector_destroy(&w);
    pthread_mutex_unlock(&igraph_lock);
}
