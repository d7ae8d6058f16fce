/* rules.c: rules that tie several scenario keys together (min <= max, shares summing to 1, a key
 * required when another is positive), and defaults that follow another key. They run on the
 * loaded struct (rules.h), so the loader and bk_scenario_set apply the same rules. A rule on one
 * key alone is a bound in the schema table (schema.c), not a rule here.
 */
#include "scenario/rules.h"

#include "scenario/schema.h"

#include <math.h>
#include <stdio.h>

#define SHARE_SUM_TOLERANCE 1e-6

#define FAIL(st, path, ...)                                   \
    do {                                                      \
        char msg_[768];                                       \
        snprintf(msg_, sizeof msg_, __VA_ARGS__);             \
        return c->fail(c, (st), (path), msg_);                \
    } while (0)

static double sum_of(const double *v, int n)
{
    double s = 0;
    for (int j = 0; j < n; j++)
        s += v[j];
    return s;
}

static bk_status check_supply_and_city(rules_ctx *c)
{
    bk_scenario *sc = c->sc;
    char p[96];
    for (int i = 0; i < sc->n_ports; i++) {
        double sum = sum_of(sc->ports[i].product_share, sc->n_products);
        snprintf(p, sizeof p, "ports[%d].product_share", i);
        if (fabs(sum - 1.0) > SHARE_SUM_TOLERANCE)
            FAIL(BK_ERR_VALUE, p, "ports[%d].product_share must sum to 1, got %.9g", i, sum);
    }
    double stock = sum_of(sc->city.initial_stock_l, sc->n_products);
    if (stock > sc->city.depot_capacity_l)
        FAIL(BK_ERR_VALUE, "city.initial_stock_l",
             "city.initial_stock_l totals %.15g L, more than depot_capacity_l %.15g L", stock,
             sc->city.depot_capacity_l);
    bk_city_side *cs = &sc->cityside;
    double floor = sum_of(cs->reserve_floor_l, sc->n_products);
    if (floor > sc->city.depot_capacity_l)
        FAIL(BK_ERR_VALUE, "city.reserve_floor_l",
             "city.reserve_floor_l totals %.15g L, more than depot_capacity_l %.15g L", floor,
             sc->city.depot_capacity_l);
    for (int i = 0; i < cs->n_sectors; i++) {
        snprintf(p, sizeof p, "city.sectors[%d].demand_l_per_day", i);
        if (!(sum_of(cs->sectors[i].demand_l_per_day, sc->n_products) > 0))
            FAIL(BK_ERR_VALUE, p,
                 "%s must be > 0 L/day for at least one product (sector '%s' demands nothing)",
                 p, cs->sectors[i].id);
    }
    /* a per-capita demand or a population change needs a population to scale from */
    for (int i = 0; i < cs->n_sectors; i++)
        if (cs->sectors[i].per_capita && !(cs->population > 0)) {
            snprintf(p, sizeof p, "city.sectors[%d].per_capita", i);
            FAIL(BK_ERR_VALUE, p,
                 "%s: sector '%s' follows the population, so city.population must be given",
                 p, cs->sectors[i].id);
        }
    for (int i = 0; i < sc->n_timeline; i++)
        if (sc->timeline[i].kind == BK_TL_POPULATION && !(cs->population > 0))
            FAIL(BK_ERR_VALUE, "city.population",
                 "timeline line %d: a population entry needs city.population (the population "
                 "at the start)", sc->timeline[i].line);
    /* reopening below the closing level would turn the hysteresis inside out */
    if (cs->school_reopen_above < cs->school_close_below)
        FAIL(BK_ERR_VALUE, "city.schools.reopen_above",
             "city.schools.reopen_above (%g) must be >= close_below (%g)",
             cs->school_reopen_above, cs->school_close_below);
    if (!cs->fuel_share_month_given)
        for (int i = 0; i < 12; i++)
            cs->fuel_share_month[i] = cs->power_fuel_share;
    if (cs->backup_l_per_h > 0 && cs->backup_sector < 0)
        FAIL(BK_ERR_SCHEMA, "city.power",
             "city.power.backup_l_per_h needs backup_sector (the sector whose generators burn "
             "it)");
    if (cs->w_blackout + cs->w_queue + cs->w_price + cs->w_schools + cs->w_shortage <= 0)
        FAIL(BK_ERR_VALUE, "city.pressure.weights",
             "city.pressure.weights must not all be 0 (the index is their weighted mean)");
    return BK_OK;
}

static bk_status check_forces(rules_ctx *c)
{
    bk_scenario *sc = c->sc;
    char p[96];
    for (int i = 0; i < sc->n_corridors; i++) {
        const bk_corridor *k = &sc->corridors[i];
        if (k->escort_units > 0 && !(k->escort_strength > 0)) {
            snprintf(p, sizeof p, "corridors[%d].escort.strength", i);
            if (!c->given(c, p)) {
                snprintf(p, sizeof p, "corridors[%d].escort", i);
                FAIL(BK_ERR_SCHEMA, p, "corridors[%d].escort: missing required key 'strength'",
                     i);
            }
            FAIL(BK_ERR_VALUE, p, "%s must be > 0 and <= 1e+06 fighters when units > 0, got %g",
                 p, k->escort_strength);
        }
    }
    bk_policy *pol = &sc->policy;
    if (pol->convoy_mode == BK_CONVOY_DATE && !c->given(c, "policy.convoy.from_date"))
        FAIL(BK_ERR_SCHEMA, "policy.convoy", "policy.convoy: missing required key 'from_date'");
    if (!pol->convoy_max_size_given)
        pol->convoy_max_size = pol->convoy_min_size > 100 ? pol->convoy_min_size : 100;
    if (pol->convoy_min_size > pol->convoy_max_size)
        FAIL(BK_ERR_VALUE, "policy.convoy.max_size",
             "policy.convoy.min_size (%d) must be <= max_size (%d)", pol->convoy_min_size,
             pol->convoy_max_size);
    if (pol->escort_min > pol->escort_per_convoy)
        FAIL(BK_ERR_VALUE, "policy.convoy.escort_min",
             "policy.convoy.escort_min (%d) must be <= escort_per_convoy (%d)", pol->escort_min,
             pol->escort_per_convoy);
    bk_armed_group *g = &sc->group;
    if (g->road_cut_rate_per_day > 0 && !c->given(c, "armed_group.road_cuts.repair_hours"))
        FAIL(BK_ERR_SCHEMA, "armed_group.road_cuts",
             "armed_group.road_cuts: missing required key 'repair_hours'");
    for (int i = 0; i < g->n_cells; i++) {
        bk_cell *cell = &g->cells[i];
        if (!cell->max_strength_given)
            cell->max_strength = cell->strength;
        snprintf(p, sizeof p, "armed_group.cells[%d].max_strength", i);
        if (cell->max_strength < cell->strength)
            FAIL(BK_ERR_VALUE, p, "armed_group.cells[%d]: max_strength (%g) must be >= strength "
                 "(%g)", i, cell->max_strength, cell->strength);
    }
    return BK_OK;
}

/* Modes (docs/model/modes.md): an air segment joins two airfields; a corridor's path uses only
 * modes its vehicle class can use. */
static bk_status check_modes(rules_ctx *c)
{
    bk_scenario *sc = c->sc;
    char p[96];
    for (int s = 0; s < sc->n_segments; s++) {
        const bk_segment *sg = &sc->segments[s];
        if (sg->mode != BK_MODE_AIR)
            continue;
        int ends[2] = {sg->from, sg->to};
        for (int e = 0; e < 2; e++)
            if (!(sc->places[ends[e]].airfield_sorties_per_day > 0)) {
                snprintf(p, sizeof p, "segments[%d].mode", s);
                FAIL(BK_ERR_VALUE, p,
                     "segments[%d] is an air link but place '%s' is not an airfield (give it "
                     "airfield.sorties_per_day > 0)", s, sc->places[ends[e]].id);
            }
    }
    for (int i = 0; i < sc->n_corridors; i++) {
        const bk_corridor *k = &sc->corridors[i];
        unsigned modes = k->vehicle >= 0 ? sc->vehicles[k->vehicle].modes : 1u << BK_MODE_ROAD;
        const char *cls = k->vehicle >= 0 ? sc->vehicles[k->vehicle].id : "road tanker";
        for (int j = 0; j + 1 < k->path_len; j++) {
            const bk_segment *sg = &sc->segments[k->path_seg[j]];
            if (!(modes & (1u << sg->mode))) {
                snprintf(p, sizeof p, "corridors[%d].path", i);
                FAIL(BK_ERR_VALUE, p,
                     "corridor '%s': leg %s -> %s is %s, which vehicle class '%s' cannot use",
                     k->id, sc->places[k->path[j]].id, sc->places[k->path[j + 1]].id,
                     bki_mode_words[sg->mode], cls);
            }
        }
    }
    return BK_OK;
}

/* Contract in rules.h. */
bk_status bki_rules_check(rules_ctx *c)
{
    bk_status st = check_supply_and_city(c);
    if (st == BK_OK)
        st = check_forces(c);
    if (st == BK_OK)
        st = check_modes(c);
    return st;
}
