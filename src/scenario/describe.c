/* describe.c: a readable summary of a loaded scenario, for `blockade scenario show`. */
#include "scenario/scenario.h"

#include <stdbool.h>
#include <stdio.h>

#include "scenario/schema.h"

static const char *const kind_word[] = {"port", "border", "town", "city", "depot"};
static const char *const convoy_word[] = {"off", "from a date", "on threat", "always"};
static const char *const tl_word[] = {
    [BK_TL_CAMPAIGN_START] = "campaign_start", [BK_TL_CAMPAIGN_END] = "campaign_end",
    [BK_TL_ROAD_CUT] = "road_cut",             [BK_TL_SUPPLY_CUT] = "supply_cut",
    [BK_TL_CONVOY_MODE] = "convoy_mode",       [BK_TL_ESCORT_REINFORCE] = "escort_reinforce",
    [BK_TL_NIGHT_BAN] = "night_ban",           [BK_TL_ROUTING] = "routing",
    [BK_TL_NOTE] = "note",                     [BK_TL_AIRLIFT] = "airlift",
    [BK_TL_PRICE_CONTROL] = "price_control",   [BK_TL_FILL_CAP] = "fill_cap",
    [BK_TL_RESERVE_TIER] = "reserve_release",  [BK_TL_SECTOR_TIER] = "sector_tier",
    [BK_TL_POPULATION] = "population",         [BK_TL_AMBUSH] = "ambush",
    [BK_TL_RIVER_CLOSED] = "river_closed",     [BK_TL_AIRFIELD_CLOSED] = "airfield_closed",
    [BK_TL_OFFICIAL_PRICE] = "official_price", [BK_TL_ESCORT_ALLOC] = "escort_allocation"};
/* In the order of enum bk_escort_alloc. */
static const char *const escort_word[] = {"fixed per corridor", "in proportion to traffic",
                                          "in proportion to attacks"};

static const char *product_id(const bk_scenario *sc, int i)
{
    return (i >= 0 && i < sc->n_products) ? sc->products[i].id : "?";
}

/* Civil date of start_date + `day` days (proleptic Gregorian, era-based formula). */
static void date_after(const bk_scenario *sc, long day, char buf[16])
{
    int y = sc->start_year, m = sc->start_month, d = sc->start_day;
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long z = era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy + day;
    era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    int dd = (int)(doy - (153 * mp + 2) / 5 + 1);
    int mm = (int)(mp < 10 ? mp + 3 : mp - 9);
    int yy = (int)(yoe + era * 400 + (mm <= 2));
    snprintf(buf, 16, "%04d-%02d-%02d", yy % 10000, mm % 100, dd % 100);
}

static void date_at_hours(const bk_scenario *sc, double h, char buf[16])
{
    date_after(sc, (long)(h / 24.0), buf);
}

static const char *place_name(const bk_scenario *sc, int i)
{
    return (i >= 0 && i < sc->n_places) ? sc->places[i].name : "?";
}

static const char *sector_id(const bk_scenario *sc, int i)
{
    return (i >= 0 && i < sc->cityside.n_sectors) ? sc->cityside.sectors[i].id : "?";
}

static const char *escort_alloc_word(int mode)
{
    return (mode >= 0 && mode <= BK_ESCORT_RISK) ? escort_word[mode] : "?";
}

/* Who may draw on the reserve: "OPEN tier 1", "OPEN tiers 1..N", or CLOSED when no tier may. */
static void reserve_tiers(int tier, const char *open, const char *closed, FILE *out)
{
    if (tier == 1)
        fprintf(out, "%s tier 1", open);
    else if (tier > 1)
        fprintf(out, "%s tiers 1..%d", open, tier);
    else
        fputs(closed, out);
}

/* " gasoil 300000 L, gasoline 20000 L" for the products with a non-zero value (all if none). */
static void product_amounts(const bk_scenario *sc, const double *v, const char *unit, FILE *out)
{
    bool any = false;
    for (int j = 0; v != NULL && j < sc->n_products; j++)
        any = any || v[j] != 0;
    const char *sep = " ";
    for (int j = 0; j < sc->n_products; j++) {
        double x = v != NULL ? v[j] : 0;
        if (any && x == 0)
            continue;
        fprintf(out, "%s%s %.15g%s%s", sep, sc->products[j].id, x, unit[0] ? " " : "", unit);
        sep = ", ";
    }
}

/* Demand sectors and the consequences of rationing; one line when the city side is off. */
static void describe_city_side(const bk_scenario *sc, FILE *out)
{
    const bk_city_side *cs = &sc->cityside;
    if (cs->population > 0)
        fprintf(out, "  population %.0f people\n", cs->population);
    if (!cs->enabled) {
        fprintf(out, "  demand: none (no sectors): deliveries accumulate, nothing is consumed\n");
        return;
    }
    double total = 0;
    for (int s = 0; s < cs->n_sectors; s++)
        for (int j = 0; j < sc->n_products; j++)
            total += cs->sectors[s].demand_l_per_day[j];
    fprintf(out, "  demand sectors: %d, %.0f L/day in total\n", cs->n_sectors, total);
    for (int s = 0; s < cs->n_sectors; s++) {
        const bk_sector *sec = &cs->sectors[s];
        fprintf(out, "    %s (%s): tier %d;", sec->id, sec->name, sec->tier);
        product_amounts(sc, sec->demand_l_per_day, "L/day", out);
        if (sec->floor_share > 0)
            fprintf(out, "; floor %g of demand", sec->floor_share);
        if (sec->elasticity != 0)
            fprintf(out, "; elasticity %g", sec->elasticity);
        if (sec->stock_days > 0)
            fprintf(out, "; own stock %g days, refilled over %g days", sec->stock_days,
                    sec->restock_days);
        if (sec->retail || sec->priority || sec->transport)
            fprintf(out, ";%s%s%s", sec->priority ? " priority" : "", sec->retail ? " retail" : "",
                    sec->transport ? " transport" : "");
        fputc('\n', out);
    }
    fprintf(out, "  reserve:");
    product_amounts(sc, cs->reserve_floor_l, "L", out);
    reserve_tiers(cs->reserve_tier, ", for", ", closed to every tier", out);
    fputc('\n', out);
    if (cs->power_sector >= 0)
        fprintf(out, "  power: sector %s, %g h/day of supply with full fuel, %g of generation on "
                     "fuel\n",
                sector_id(sc, cs->power_sector), cs->power_hours_normal, cs->power_fuel_share);
    if (cs->power_sector >= 0) {
        fprintf(out, "    fuel share by month (Jan-Dec):");
        for (int i = 0; i < 12; i++)
            fprintf(out, " %g", cs->fuel_share_month[i]);
        fprintf(out, "\n");
    }
    if (cs->backup_sector >= 0)
        fprintf(out, "    backup generators: sector %s wants %g L more per hour of extra "
                     "blackout\n",
                sector_id(sc, cs->backup_sector), cs->backup_l_per_h);
    if (cs->power_sector < 0)
        fprintf(out, "  power: no power sector, %g h/day of supply\n", cs->power_hours_normal);
    fprintf(out, "  schools: close after %d days with transport served below %g, reopen after %d "
                 "days at or above %g\n",
            cs->school_close_days, cs->school_close_below, cs->school_reopen_days,
            cs->school_reopen_above);
    fprintf(out, "  queues: %g h per unit of unmet/served retail demand (at most 24 h)\n",
            cs->queue_hours_per_ratio);
    fprintf(out, "  prices:");
    product_amounts(sc, cs->official_price, cs->currency[0] ? cs->currency : "per L", out);
    fprintf(out, "%s official; informal x exp(%g x shortage + %g x expectation), time constant "
            "%g days\n",
            cs->currency[0] ? " per L" : "", cs->price_sensitivity, cs->price_fear,
            cs->price_adjust_days);
    fprintf(out, "  stocks outside the depot: households %g days (x(1 + %g E)), informal "
            "market %g days (x(1 + %g E)); expectations: declaration %g, attack %g, news %g "
            "days, queue %g, cover %g below %g days\n",
            cs->hh_days, cs->hh_hoard, cs->inf_days, cs->inf_hoard, cs->exp_decl, cs->exp_attack,
            cs->exp_news_days, cs->exp_queue, cs->exp_cover, cs->exp_cover_days);
    if (cs->school_period_days > 0)
        fprintf(out, "  schools by decision: announced %d days ahead, closed %d days then "
                "reviewed; %d holiday periods\n",
                cs->school_announce_days, cs->school_period_days, cs->n_holidays);
    if (cs->hoard_factor > 0)
        fprintf(out, "  hoarding: retail demand x%g below %g days of cover\n",
                1.0 + cs->hoard_factor, cs->hoard_cover_days);
    else
        fprintf(out, "  hoarding: none\n");
    fprintf(out, "  pressure: weights blackout %g, queue %g, price %g, schools %g, shortage %g; "
                 "threshold %g\n",
            cs->w_blackout, cs->w_queue, cs->w_price, cs->w_schools, cs->w_shortage,
            cs->pressure_threshold);
}

static void describe_places(const bk_scenario *sc, FILE *out)
{
    double total_km = 0;
    for (int i = 0; i < sc->n_segments; i++)
        total_km += sc->segments[i].length_km;
    fprintf(out, "Places: %d\n", sc->n_places);
    for (int k = 0; k < 5; k++) {
        int n = 0;
        for (int i = 0; i < sc->n_places; i++)
            n += (int)sc->places[i].kind == k;
        if (n == 0)
            continue;
        fprintf(out, "  %s (%d):", kind_word[k], n);
        const char *sep = " ";
        for (int i = 0; i < sc->n_places; i++) {
            const bk_place *p = &sc->places[i];
            if ((int)p->kind != k)
                continue;
            fprintf(out, "%s%s (%s)", sep, p->name, p->id);
            if (p->kind == BK_PLACE_BORDER)
                fprintf(out, " crossing %g-%g h", p->border_delay_min_h, p->border_delay_max_h);
            sep = ", ";
        }
        fputc('\n', out);
    }
    fprintf(out, "Road segments: %d, %.0f km in total\n", sc->n_segments, total_km);
}

static void describe_corridors(const bk_scenario *sc, FILE *out)
{
    fprintf(out, "Ports: %d\n", sc->n_ports);
    for (int i = 0; i < sc->n_ports; i++) {
        const bk_port *p = &sc->ports[i];
        fprintf(out, "  %s at %s: %g tankers/day loaded (", p->id, place_name(sc, p->place),
                p->load_rate_per_day);
        for (int j = 0; j < sc->n_products; j++)
            fprintf(out, "%s%s %.0f%%", j ? ", " : "", sc->products[j].id,
                    100.0 * p->product_share[j]);
        fprintf(out, ")\n");
    }
    fprintf(out, "Corridors: %d\n", sc->n_corridors);
    for (int i = 0; i < sc->n_corridors; i++) {
        const bk_corridor *c = &sc->corridors[i];
        double km = 0, hours = 0, border_min = 0, border_max = 0;
        for (int j = 0; j + 1 < c->path_len; j++) {
            const bk_segment *s = &sc->segments[c->path_seg[j]];
            km += s->length_km;
            hours += s->length_km / s->speed_kmh;
        }
        for (int j = 0; j < c->path_len; j++) {
            const bk_place *p = &sc->places[c->path[j]];
            if (p->kind == BK_PLACE_BORDER) {
                border_min += p->border_delay_min_h;
                border_max += p->border_delay_max_h;
            }
        }
        fprintf(out, "  %s (%s), from port %s:\n    path:", c->id, c->name,
                sc->ports[c->port].id);
        for (int j = 0; j < c->path_len; j++)
            fprintf(out, "%s%s", j ? " -> " : " ", place_name(sc, c->path[j]));
        fprintf(out, "\n    %.0f km, nominal transit %.1f h driving", km, hours);
        if (border_max > 0)
            fprintf(out, " + %g-%g h at borders", border_min, border_max);
        const char *one, *many;
        bki_corridor_words(sc, i, &one, &many);
        fprintf(out, "\n    %d %s; escort pool %d unit%s of strength %g, %g replaced/week; "
                     "convoys form at %s\n",
                c->tankers, c->tankers == 1 ? one : many, c->escort_units,
                c->escort_units == 1 ? "" : "s", c->escort_strength,
                c->escort_replacement_per_week, place_name(sc, c->path[c->staging]));
    }
}

static void describe_city_fleet_policy(const bk_scenario *sc, FILE *out)
{
    const bk_city *city = &sc->city;
    fprintf(out, "City: %s, depot capacity %.0f L, unloading %g-%g h\n",
            place_name(sc, city->place), city->depot_capacity_l, city->unload_min_h,
            city->unload_max_h);
    fprintf(out, "  initial stock:");
    for (int j = 0; j < sc->n_products; j++)
        fprintf(out, "%s%s %.0f L", j ? ", " : " ", sc->products[j].id, city->initial_stock_l[j]);
    fputc('\n', out);
    describe_city_side(sc, out);

    for (int v = 0; v < sc->n_vehicles; v++) {
        const bk_vehicle *k = &sc->vehicles[v];
        fprintf(out, "Vehicle class %s (%s, %s): %g L, speed x %g, modes", k->id, k->name,
                bki_vehicle_kind_words[k->kind], k->capacity_l, k->speed_factor);
        for (int m = 0; m < BK_N_MODES; m++)
            if (k->modes & (1u << m))
                fprintf(out, " %s", bki_mode_words[m]);
        fprintf(out, "; cost %g a tonne-km + %g a trip", k->cost_per_tonne_km, k->cost_per_trip);
        if (k->loss_per_sortie > 0)
            fprintf(out, "; loss %g a sortie under threat", k->loss_per_sortie);
        fputc('\n', out);
    }
    for (int p = 0; p < sc->n_places; p++)
        if (sc->places[p].airfield_sorties_per_day > 0)
            fprintf(out, "Airfield at %s: %g sorties/day, closed %g h after an attack, defence "
                         "%g\n",
                    place_name(sc, p), sc->places[p].airfield_sorties_per_day,
                    sc->places[p].airfield_closure_hours, sc->places[p].airfield_defence);
    const bk_fleet *f = &sc->fleet;
    fprintf(out, "Fleet: %g L per tanker, %g new tanker%s/day per corridor below its initial "
                 "size\n",
            f->tanker_capacity_l, f->join_rate_per_day, f->join_rate_per_day == 1.0 ? "" : "s");
    fprintf(out, "  drivers: willingness -%g per attack, -%g per kidnapping, recovers in %g days, "
                 "floor %g; retry after %g h\n",
            f->fear_per_attack, f->fear_per_kidnapping, f->recovery_days, f->min_willingness,
            f->retry_hours);
    if (f->declaration_fear > 0 || f->escort_demand_below > 0 || f->escort_confidence > 0)
        fprintf(out, "  drivers: willingness -%g at the declaration; wait at staging for an escort "
                     "below %g; %g of the reluctant leave when convoys run\n",
                f->declaration_fear, f->escort_demand_below, f->escort_confidence);

    const bk_policy *p = &sc->policy;
    fprintf(out, "Policy:\n  convoys: %s", convoy_word[p->convoy_mode]);
    if (p->convoy_mode == BK_CONVOY_DATE) {
        char d[16];
        date_at_hours(sc, p->convoy_from_h, d);
        fprintf(out, " %s", d);
    } else if (p->convoy_mode == BK_CONVOY_THREAT) {
        fprintf(out, " (%g attacks in 7 days)", p->threat_attacks_per_week);
    }
    fprintf(out, "; %d-%d tankers, wait at most %g h, %d escort unit%s each (at least %d), "
                 "speed x%g\n",
            p->convoy_min_size, p->convoy_max_size, p->convoy_max_wait_h, p->escort_per_convoy,
            p->escort_per_convoy == 1 ? "" : "s", p->escort_min, p->convoy_speed_factor);
    if (p->escort_rest_h > 0)
        fprintf(out, "  escorts rest %g h at base after each run\n", p->escort_rest_h);
    if (p->escort_setup_h > 0)
        fprintf(out, "  the first escort on a corridor is ready %g h after its first tanker "
                     "waits\n", p->escort_setup_h);
    if (p->night_ban)
        fprintf(out, "  night ban: on, from hour %g to hour %g\n", p->night_from_hour,
                p->night_to_hour);
    else
        fprintf(out, "  night ban: off\n");
    if (p->routing == BK_ROUTING_FIXED)
        fprintf(out, "  routing: fixed corridors\n");
    else
        fprintf(out, "  routing: risk-aware (weight %g, memory %g days)\n", p->risk_weight,
                p->risk_memory_days);

    const bk_city_policy *cp = &sc->citypol;
    fprintf(out, "  rationing: official price %s; ", cp->price_control ? "fixed" : "free");
    if (cp->per_fill_cap_l > 0)
        fprintf(out, "%g L per fill (typical fill %g L)\n", cp->per_fill_cap_l,
                cp->typical_fill_l);
    else
        fprintf(out, "no cap per fill (typical fill %g L)\n", cp->typical_fill_l);
    fprintf(out, "  escorts: %s, reviewed every %g days\n", escort_alloc_word(cp->escort_alloc),
            cp->escort_realloc_days);
    if (cp->airlift_from_h >= 0) {
        char d[16];
        date_at_hours(sc, cp->airlift_from_h, d);
        fprintf(out, "  airlift: %g L/day of %s from %s\n", cp->airlift_l_per_day,
                product_id(sc, cp->airlift_product), d);
    } else {
        fprintf(out, "  airlift: none\n");
    }
}

static void describe_group(const bk_scenario *sc, FILE *out)
{
    const bk_armed_group *g = &sc->group;
    if (g->n_cells == 0 && g->name[0] == '\0') {
        fprintf(out, "Armed group: none\n");
        return;
    }
    fprintf(out, "Armed group: %s, %d cell%s\n", g->name[0] ? g->name : "(unnamed)", g->n_cells,
            g->n_cells == 1 ? "" : "s");
    if (g->campaign_start_h >= 0) {
        char d[16];
        date_at_hours(sc, g->campaign_start_h, d);
        fprintf(out, "  campaign declared %s\n", d);
    } else {
        fprintf(out, "  no campaign declared at the start\n");
    }
    fprintf(out, "  ambush: logit %g + %g ln(strength/escort) + %g cover; unescorted %g; "
                 "attacks if success >= %g\n",
            g->ambush_base_logit, g->ambush_ratio_coef, g->ambush_cover_coef,
            g->unescorted_success, g->min_success);
    fprintf(out, "  road cuts %g/day per cell, repaired in %g-%g h; coordinated days %g/week "
                 "(x%g)\n",
            g->road_cut_rate_per_day, g->repair_min_h, g->repair_max_h,
            g->coordinated_rate_per_week, g->coordinated_boost);
    for (int i = 0; i < g->n_cells; i++) {
        const bk_cell *c = &g->cells[i];
        fprintf(out, "  cell %s at %s: %g fighters (max %g, +%g/day), reach %g km, roam %g km, "
                     "intelligence %g, ready again after %g h\n",
                c->id, place_name(sc, c->home), c->strength, c->max_strength,
                c->recruitment_per_day, c->reach_km, c->roam_km, c->intelligence,
                c->readiness_hours);
        if (c->first_ready_days > 0 || c->convoy_interest != 1.0)
            fprintf(out, "    first attack not before day %g; convoys detected x%g\n",
                    c->first_ready_days, c->convoy_interest);
    }
}

static void describe_timeline(const bk_scenario *sc, FILE *out)
{
    fprintf(out, "Timeline: %d event%s\n", sc->n_timeline, sc->n_timeline == 1 ? "" : "s");
    for (int i = 0; i < sc->n_timeline; i++) {
        const bk_timeline_event *e = &sc->timeline[i];
        char d[16];
        date_at_hours(sc, e->time_h, d);
        fprintf(out, "  %s %s", d, tl_word[e->kind]);
        switch (e->kind) {
        case BK_TL_ROAD_CUT: {
            const bk_segment *s = &sc->segments[e->segment];
            fprintf(out, " %s - %s for %g h", place_name(sc, s->from), place_name(sc, s->to),
                    e->hours);
            break;
        }
        case BK_TL_SUPPLY_CUT:
            fprintf(out, " port %s x%g for %g h", sc->ports[e->port].id, e->factor, e->hours);
            break;
        case BK_TL_ESCORT_REINFORCE:
            fprintf(out, " corridor %s %+d unit%s", sc->corridors[e->corridor].id, e->units,
                    e->units == 1 || e->units == -1 ? "" : "s");
            break;
        case BK_TL_CONVOY_MODE:
            fprintf(out, " %s", convoy_word[e->mode]);
            break;
        case BK_TL_NIGHT_BAN:
            fprintf(out, " %s", e->mode ? "on" : "off");
            break;
        case BK_TL_ROUTING:
            fprintf(out, " %s", e->mode == BK_ROUTING_FIXED ? "fixed" : "risk-aware");
            break;
        case BK_TL_AIRLIFT:
            if (e->value > 0)
                fprintf(out, " %g L/day of %s flown in", e->value, product_id(sc, e->product));
            else /* the kind's word already says "airlift" */
                fprintf(out, " of %s stopped", product_id(sc, e->product));
            break;
        case BK_TL_PRICE_CONTROL:
            fprintf(out, " official price %s", e->mode ? "fixed" : "freed");
            break;
        case BK_TL_FILL_CAP:
            if (e->value > 0)
                fprintf(out, " retail sales capped at %g L per fill", e->value);
            else
                fprintf(out, " cap per fill lifted");
            break;
        case BK_TL_RESERVE_TIER:
            reserve_tiers(e->units, " reserve open to", " reserve closed to every tier", out);
            break;
        case BK_TL_SECTOR_TIER:
            fprintf(out, " sector %s moves to tier %d", sector_id(sc, e->sector), e->units);
            break;
        case BK_TL_OFFICIAL_PRICE:
            fprintf(out, " official price of %s set to %g%s%s per litre",
                    product_id(sc, e->product), e->value, sc->cityside.currency[0] ? " " : "",
                    sc->cityside.currency);
            break;
        case BK_TL_ESCORT_ALLOC:
            fprintf(out, " escorts shared %s", escort_alloc_word(e->mode));
            break;
        case BK_TL_POPULATION:
            if (e->mode == 0)
                fprintf(out, " %g people", e->value);
            else
                fprintf(out, " %+g people over %g days", e->value, e->hours / 24.0);
            break;
        case BK_TL_AMBUSH:
        case BK_TL_RIVER_CLOSED: {
            for (int k = 0; k < e->n_segs; k++) {
                const bk_segment *s = &sc->segments[e->segs[k]];
                fprintf(out, "%s%s - %s", k ? ", " : " ", place_name(sc, s->from),
                        place_name(sc, s->to));
            }
            if (e->kind == BK_TL_AMBUSH)
                fprintf(out, ": %s loses share %g of its tankers (window %g h)",
                        e->mode ? "a convoy" : "a loaded mover", e->value, e->hours);
            else
                fprintf(out, " for %g h", e->hours);
            break;
        }
        case BK_TL_AIRFIELD_CLOSED:
            fprintf(out, " at %s for %g h", place_name(sc, e->place), e->hours);
            break;
        case BK_TL_CAMPAIGN_START:
        case BK_TL_CAMPAIGN_END:
        case BK_TL_NOTE:
            break;
        }
        if (e->note[0])
            fprintf(out, " (%s)", e->note);
        fputc('\n', out);
    }
}

/* Contract in blockade/scenario.h. */
bk_status bk_scenario_describe(const bk_scenario *sc, FILE *out)
{
    if (sc == NULL || out == NULL)
        return BK_ERR_USAGE;
    char first[16], last[16];
    date_after(sc, 0, first);
    date_after(sc, sc->days - 1, last);
    fprintf(out, "Scenario: %s\n", sc->name);
    if (sc->description[0])
        fprintf(out, "  %s\n", sc->description);
    fprintf(out, "  %s to %s (%d days, after %d of warm-up), default seed %llu\n", first, last,
            sc->days, sc->warmup_days, (unsigned long long)sc->seed);
    if (sc->country[0] || sc->region[0])
        fprintf(out, "  country %s%s%s%s, region %s\n", sc->country[0] ? sc->country : "?",
                sc->iso[0] ? " (iso " : "", sc->iso, sc->iso[0] ? ")" : "",
                sc->region[0] ? sc->region : "?");
    fprintf(out, "Products:");
    for (int j = 0; j < sc->n_products; j++)
        fprintf(out, "%s%s (%s)", j ? ", " : " ", sc->products[j].name, sc->products[j].id);
    fputc('\n', out);
    describe_places(sc, out);
    describe_corridors(sc, out);
    describe_city_fleet_policy(sc, out);
    describe_group(sc, out);
    describe_timeline(sc, out);
    if (fflush(out) != 0 || ferror(out))
        return BK_ERR_IO;
    return BK_OK;
}
