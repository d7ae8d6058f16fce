/* lint.c: warnings about a scenario that loads but cannot work as meant, or silently means
 * something else (`blockade scenario check`, docs/scenario-format.md#warnings): an escort pool
 * below the escort minimum, a staging place that leaves a stretch within a cell's reach to lone
 * tankers, a corridor that cannot carry a tenth of the demand, a product demanded that nothing
 * brings, and timeline entries that change nothing.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine/alloc.h"
#include "scenario/read.h"

#define KM_PER_DEG 111.2
#define DEG (3.14159265358979323846 / 180.0)

typedef struct lint {
    const bk_scenario *sc;
    FILE *out;
    int count;
    bool io_error;
} lint;

BK_PRINTF(2, 3)
static void warn(lint *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (fprintf(w->out, "%s: warning: ", w->sc->file) < 0 || vfprintf(w->out, fmt, ap) < 0 ||
        fputc('\n', w->out) == EOF)
        w->io_error = true;
    va_end(ap);
    w->count++;
}

/* Distance in km from a place to the straight segment seg, on a local projection. */
static double place_to_segment_km(const bk_scenario *sc, const bk_place *p, int seg)
{
    const bk_place *a = &sc->places[sc->segments[seg].from];
    const bk_place *b = &sc->places[sc->segments[seg].to];
    double c = cos(p->lat * DEG);
    double ax = (a->lon - p->lon) * c, ay = a->lat - p->lat;
    double vx = (b->lon - a->lon) * c, vy = b->lat - a->lat;
    double len2 = vx * vx + vy * vy;
    double u = len2 > 0 ? fmin(1.0, fmax(0.0, -(ax * vx + ay * vy) / len2)) : 0.0;
    return KM_PER_DEG * hypot(ax + u * vx, ay + u * vy);
}

static void lint_escorts(lint *w)
{
    const bk_scenario *sc = w->sc;
    const bk_policy *p = &sc->policy;
    if (p->convoy_mode == BK_CONVOY_OFF || p->escort_min <= 0)
        return;
    for (int i = 0; i < sc->n_corridors; i++) {
        const bk_corridor *c = &sc->corridors[i];
        if (c->escort_units >= p->escort_min || sc->citypol.escort_alloc != BK_ESCORT_FIXED)
            continue;
        int later = c->escort_units;
        for (int t = 0; t < sc->n_timeline; t++)
            if (sc->timeline[t].kind == BK_TL_ESCORT_REINFORCE && sc->timeline[t].corridor == i)
                later += sc->timeline[t].units;
        warn(w, "corridor '%s': its escort pool (%d unit%s) is below policy.convoy.escort_min "
             "(%d): its convoys cannot leave%s", c->id, c->escort_units,
             c->escort_units == 1 ? "" : "s", p->escort_min,
             later >= p->escort_min ? " until the timeline reinforces it" : " during the run");
    }
}

static void lint_staging(lint *w)
{
    const bk_scenario *sc = w->sc;
    if (sc->policy.convoy_mode == BK_CONVOY_OFF)
        return;
    for (int i = 0; i < sc->n_corridors; i++) {
        const bk_corridor *c = &sc->corridors[i];
        for (int leg = 0; leg < c->staging; leg++) {
            int seg = c->path_seg[leg];
            int cell = -1;
            for (int k = 0; k < sc->group.n_cells && cell < 0; k++) {
                const bk_cell *x = &sc->group.cells[k];
                if (place_to_segment_km(sc, &sc->places[x->home], seg) <=
                    x->reach_km)
                    cell = k;
            }
            if (cell >= 0) {
                warn(w, "corridor '%s': convoys form at '%s', so tankers drive %s -> %s alone, "
                     "within reach of cell '%s' from its home",
                     c->id, sc->places[c->path[c->staging]].id, sc->places[c->path[leg]].id,
                     sc->places[c->path[leg + 1]].id, sc->group.cells[cell].id);
                break;
            }
        }
    }
}

static void lint_capacity(lint *w)
{
    const bk_scenario *sc = w->sc;
    const bk_city_side *cs = &sc->cityside;
    double demand = 0;
    for (int s = 0; s < cs->n_sectors; s++)
        for (int j = 0; j < sc->n_products; j++)
            demand += cs->sectors[s].demand_l_per_day[j];
    for (int j = 0; cs->enabled && j < sc->n_products; j++) {
        bool demanded = false, brought = false;
        for (int s = 0; s < cs->n_sectors; s++)
            demanded = demanded || cs->sectors[s].demand_l_per_day[j] > 0;
        for (int p = 0; p < sc->n_ports; p++)
            brought = brought || sc->ports[p].product_share[j] > 0;
        for (int t = 0; t < sc->n_timeline; t++)
            brought = brought || (sc->timeline[t].kind == BK_TL_AIRLIFT &&
                                  sc->timeline[t].product == j && sc->timeline[t].value > 0);
        brought = brought || (sc->citypol.airlift_from_h >= 0 && sc->citypol.airlift_product == j);
        if (demanded && !brought)
            warn(w, "product '%s' is demanded but no port loads it and no airlift brings it",
                 sc->products[j].id);
    }
    if (!cs->enabled || !(demand > 0))
        return;
    for (int i = 0; i < sc->n_corridors; i++) {
        const bk_corridor *c = &sc->corridors[i];
        double drive_h = 0, border_h = 0;
        for (int leg = 0; leg + 1 < c->path_len; leg++) {
            const bk_segment *s = &sc->segments[c->path_seg[leg]];
            drive_h += s->length_km / s->speed_kmh;
            const bk_place *pl = &sc->places[c->path[leg + 1]];
            if (pl->kind == BK_PLACE_BORDER)
                border_h += 0.5 * (pl->border_delay_min_h + pl->border_delay_max_h);
        }
        double trip_days = (2 * drive_h / sc->policy.convoy_speed_factor + 2 * border_h +
                            0.5 * (sc->city.unload_min_h + sc->city.unload_max_h)) / 24.0;
        double each = c->vehicle >= 0 ? sc->vehicles[c->vehicle].capacity_l
                                      : sc->fleet.tanker_capacity_l;
        double cap = trip_days > 0 ? c->tankers * each / trip_days : 0;
        double port = sc->ports[c->port].load_rate_per_day * each;
        if (port < cap)
            cap = port;
        if (cap < 0.1 * demand)
        {
            const char *one, *many;
            bki_corridor_words(sc, i, &one, &many);
            warn(w, "corridor '%s' can carry at most %.0f L/day (%d %s, a round trip of "
                 "%.1f days), less than a tenth of the city's demand of %.0f L/day", c->id, cap,
                 c->tankers, c->tankers == 1 ? one : many, trip_days, demand);
        }
    }
}

/* The state the timeline changes, to tell an entry that changes nothing. */
typedef struct state {
    int convoy, routing, escort_alloc, reserve_tier;
    bool night_ban, price_control, campaign, airlift;
    double fill_cap;
} state;

static const char *lint_entry(const bk_scenario *sc, state *s, const bk_timeline_event *e,
                              int *sector_tier, double *price, bool *used_seg)
{
    bool city = sc->cityside.enabled;
    switch (e->kind) {
    case BK_TL_CAMPAIGN_START:
        if (sc->group.n_cells == 0)
            return "the scenario has no armed-group cells";
        if (s->campaign)
            return "the campaign is already on";
        s->campaign = true;
        return NULL;
    case BK_TL_CAMPAIGN_END:
        if (!s->campaign)
            return "no campaign is on";
        s->campaign = false;
        return NULL;
    case BK_TL_ROAD_CUT:
        return used_seg[e->segment] ? NULL : "no corridor's path uses that segment";
    case BK_TL_SUPPLY_CUT:
        return e->factor == 1.0 ? "a factor of 1 leaves loading unchanged" : NULL;
    case BK_TL_ESCORT_REINFORCE:
        return e->units == 0 ? "0 units" : NULL;
    case BK_TL_NOTE:
        return NULL;
    case BK_TL_POPULATION: {
        bool follows = false;
        for (int i = 0; i < sc->cityside.n_sectors; i++)
            follows = follows || sc->cityside.sectors[i].per_capita;
        if (!follows)
            return "no sector is per_capita, so the population moves no demand";
        return e->mode == 1 && e->value == 0 ? "a change of 0 people" : NULL;
    }
    case BK_TL_AMBUSH:
    case BK_TL_RIVER_CLOSED:
        for (int k = 0; k < e->n_segs; k++)
            if (used_seg[e->segs[k]])
                return e->kind == BK_TL_AMBUSH && e->value == 0 ? "a scale of 0 loses nothing"
                                                                : NULL;
        return "no corridor's path uses any of its segments";
    case BK_TL_AIRFIELD_CLOSED:
        return e->place == sc->city.place || sc->places[e->place].airfield_sorties_per_day > 0
                   ? NULL
                   : "the place is neither the city (airlift) nor an airfield";
    case BK_TL_AIRLIFT:
        if (e->value == 0 && !s->airlift)
            return "it stops an airlift that is not running";
        s->airlift = e->value > 0;
        return NULL;
    default:
        break;
    }
    int *slot = NULL, v = e->mode;
    switch (e->kind) {
    case BK_TL_CONVOY_MODE: slot = &s->convoy; break;
    case BK_TL_ROUTING: slot = &s->routing; break;
    case BK_TL_ESCORT_ALLOC: slot = &s->escort_alloc; break;
    case BK_TL_RESERVE_TIER: slot = &s->reserve_tier; v = e->units; break;
    case BK_TL_SECTOR_TIER: slot = &sector_tier[e->sector]; v = e->units; break;
    default: break;
    }
    if (slot != NULL) {
        bool same = *slot == v;
        *slot = v;
        return same ? "the setting already has that value" : NULL;
    }
    bool same = false;
    if (e->kind == BK_TL_NIGHT_BAN) {
        same = s->night_ban == (e->mode != 0);
        s->night_ban = e->mode != 0;
    } else if (e->kind == BK_TL_PRICE_CONTROL) {
        same = s->price_control == (e->mode != 0);
        s->price_control = e->mode != 0;
    } else if (e->kind == BK_TL_FILL_CAP) {
        same = s->fill_cap == e->value;
        s->fill_cap = e->value;
    } else if (e->kind == BK_TL_OFFICIAL_PRICE) {
        same = price[e->product] == e->value;
        price[e->product] = e->value;
    }
    if (!city && (e->kind == BK_TL_PRICE_CONTROL || e->kind == BK_TL_FILL_CAP ||
                  e->kind == BK_TL_OFFICIAL_PRICE))
        return "the scenario has no city side (city.sectors)";
    return same ? "the setting already has that value" : NULL;
}

static const char *const kind_word[] = {
    "campaign_start", "campaign_end", "road_cut", "supply_cut", "convoy_mode",
    "escort_reinforce", "night_ban", "routing", "note", "airlift", "price_control", "fill_cap",
    "reserve_release", "sector_tier", "official_price", "escort_allocation", "population",
    "ambush", "river_closed", "airfield_closed"};
_Static_assert(sizeof kind_word / sizeof kind_word[0] == BK_TL_AIRFIELD_CLOSED + 1,
               "one word per timeline kind, in the order of enum bk_timeline_kind");

static bool lint_timeline(lint *w)
{
    const bk_scenario *sc = w->sc;
    int *tier = bki_calloc((size_t)sc->cityside.n_sectors + 1, sizeof *tier);
    double *price = bki_calloc((size_t)sc->n_products, sizeof *price);
    bool *used = bki_calloc((size_t)sc->n_segments, sizeof *used);
    if (tier == NULL || price == NULL || used == NULL) {
        bki_free(tier);
        bki_free(price);
        bki_free(used);
        return false;
    }
    for (int i = 0; i < sc->cityside.n_sectors; i++)
        tier[i] = sc->cityside.sectors[i].tier;
    for (int j = 0; j < sc->n_products; j++)
        price[j] = sc->cityside.official_price[j];
    bool risk = sc->policy.routing == BK_ROUTING_RISK;
    for (int t = 0; t < sc->n_timeline; t++)
        risk = risk || (sc->timeline[t].kind == BK_TL_ROUTING && sc->timeline[t].mode != 0);
    for (int i = 0; i < sc->n_corridors; i++)
        for (int leg = 0; leg + 1 < sc->corridors[i].path_len; leg++)
            used[sc->corridors[i].path_seg[leg]] = true;
    for (int s = 0; risk && s < sc->n_segments; s++)
        used[s] = true;   /* risk-aware routing may take any road */
    state s = {.convoy = sc->policy.convoy_mode == BK_CONVOY_DATE ? BK_CONVOY_OFF
                                                                   : (int)sc->policy.convoy_mode,
               .routing = sc->policy.routing, .escort_alloc = sc->citypol.escort_alloc,
               .reserve_tier = sc->cityside.reserve_tier, .night_ban = sc->policy.night_ban,
               .price_control = sc->citypol.price_control,
               .fill_cap = sc->citypol.per_fill_cap_l};
    bool campaign_started = false, airlift_started = false;
    for (int t = 0; t < sc->n_timeline; t++) {
        const bk_timeline_event *e = &sc->timeline[t];
        if (!campaign_started && sc->group.campaign_start_h >= 0 &&
            sc->group.campaign_start_h <= e->time_h)
            s.campaign = campaign_started = true;   /* the declaration in armed_group */
        if (sc->policy.convoy_mode == BK_CONVOY_DATE && e->time_h >= sc->policy.convoy_from_h &&
            s.convoy == BK_CONVOY_OFF)
            s.convoy = BK_CONVOY_ALWAYS;
        if (!airlift_started && sc->citypol.airlift_from_h >= 0 &&
            sc->citypol.airlift_from_h <= e->time_h)
            s.airlift = airlift_started = true;
        const char *why = lint_entry(sc, &s, e, tier, price, used);
        if (why != NULL)
            warn(w, "timeline entry of type %s (line %d) does nothing: %s", kind_word[e->kind],
                 e->line, why);
    }
    bki_free(tier);
    bki_free(price);
    bki_free(used);
    return true;
}

/* Contract in blockade/scenario.h. */
/* Modes (docs/model/modes.md): a vehicle class no corridor uses, an airfield no air link ends
 * at, an air corridor whose airfield allows less than one round trip a day. */
static void lint_modes(lint *w)
{
    const bk_scenario *sc = w->sc;
    for (int v = 0; v < sc->n_vehicles; v++) {
        bool used = false;
        for (int c = 0; c < sc->n_corridors && !used; c++)
            used = sc->corridors[c].vehicle == v;
        if (!used)
            warn(w, "vehicle class '%s' serves no corridor", sc->vehicles[v].id);
    }
    for (int p = 0; p < sc->n_places; p++) {
        if (!(sc->places[p].airfield_sorties_per_day > 0))
            continue;
        bool linked = false;
        for (int s = 0; s < sc->n_segments && !linked; s++)
            linked = sc->segments[s].mode == BK_MODE_AIR &&
                     (sc->segments[s].from == p || sc->segments[s].to == p);
        if (!linked)
            warn(w, "place '%s' is an airfield but no air segment ends there",
                 sc->places[p].id);
        else if (sc->places[p].airfield_sorties_per_day < 2)
            warn(w, "airfield '%s' allows %g sorties a day, less than one flight there and back",
                 sc->places[p].id, sc->places[p].airfield_sorties_per_day);
    }
}

bk_status bk_scenario_lint(const bk_scenario *sc, FILE *out, int *count)
{
    lint w = {.sc = sc, .out = out};
    lint_modes(&w);
    lint_escorts(&w);
    lint_staging(&w);
    lint_capacity(&w);
    bool ok = lint_timeline(&w);
    if (count)
        *count = w.count;
    if (!ok)
        return BK_ERR_NOMEM;
    return w.io_error ? BK_ERR_IO : BK_OK;
}
