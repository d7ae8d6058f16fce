/* city.c: the city side. Once a day the depot's stock of each product is shared among demand
 * sectors by the rationing policy; what a sector receives first fills its own stock (stations,
 * the power utility's tanks), from which households, informal traders and end uses buy; the
 * consequences follow: blackout hours, schools closed by decision, queues at stations, the
 * informal price moved by shortage and expectations, and a pressure index. Airlifted fuel is
 * added before the allocation. Equations: docs/model/city.md. */
#include "engine/alloc.h"
#include "model/city.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "output/format.h"

double bki_city_allocate(int n, const int *tier, const double *demand, const double *floor_share,
                         const bool *reserve_ok, double free_l, double reserve_l, double *given)
{
    double reserve0 = reserve_l;
    int max_tier = 0;
    for (int i = 0; i < n; i++) {
        given[i] = 0;
        if (tier[i] > max_tier)
            max_tier = tier[i];
    }
    /* draw x for sector i: free stock first, then the reserve if the sector may use it */
    for (int t = 1; t <= max_tier; t++) /* floors, in tier order */
        for (int i = 0; i < n; i++) {
            if (tier[i] != t)
                continue;
            double want = floor_share[i] * demand[i];
            double avail = free_l + (reserve_ok[i] ? reserve_l : 0);
            double x = want < avail ? want : avail;
            double from_free = x < free_l ? x : free_l;
            free_l -= from_free;
            reserve_l -= x - from_free;
            given[i] += x;
        }
    for (int t = 1; t <= max_tier; t++) {
        /* the tier's sectors with and without access to the reserve share in two passes: first
         * the free stock in proportion to remaining demand, then the reserve among those
         * allowed to use it */
        for (int pass = 0; pass < 2; pass++) {
            double want = 0;
            for (int i = 0; i < n; i++)
                if (tier[i] == t && (pass == 0 || reserve_ok[i]))
                    want += demand[i] - given[i];
            double pool = pass == 0 ? free_l : reserve_l;
            if (want <= 0 || pool <= 0)
                continue;
            double share = want <= pool ? 1.0 : pool / want;
            double used = 0;
            for (int i = 0; i < n; i++)
                if (tier[i] == t && (pass == 0 || reserve_ok[i])) {
                    double x = (demand[i] - given[i]) * share;
                    given[i] += x;
                    used += x;
                }
            used = used < pool ? used : pool;
            if (pass == 0)
                free_l -= used;
            else
                reserve_l -= used;
        }
    }
    return reserve0 - reserve_l;
}

/* Contract in city.h. */
double bki_city_population(const struct bk_scenario *sc, int d)
{
    double pop = sc->cityside.population;
    double t_end = 24.0 * (d + 1); /* the population of a day is the one at its close */
    for (int i = 0; i < sc->n_timeline; i++) {
        const bk_timeline_event *te = &sc->timeline[i];
        if (te->kind != BK_TL_POPULATION || te->time_h >= t_end)
            continue;
        if (te->mode == 0) {
            pop = te->value;
            continue;
        }
        double share = te->hours > 0 ? (t_end - te->time_h) / te->hours : 1.0;
        pop += te->value * (share < 1.0 ? share : 1.0);
    }
    return pop > 0 ? pop : 0.0;
}

/* Today's baseline demand of every sector and product into c->base: the scenario's figure, times
 * the population ratio for a per-capita sector. */
static void set_base(const struct bk_scenario *sc, bk_city_state *c, int d)
{
    const bk_city_side *cs = &sc->cityside;
    int np = sc->n_products;
    c->population = bki_city_population(sc, d);
    double ratio = cs->population > 0 ? c->population / cs->population : 1.0;
    for (int s = 0; s < cs->n_sectors; s++)
        for (int p = 0; p < np; p++) {
            double v = cs->sectors[s].demand_l_per_day[p];
            c->base[s * np + p] = cs->sectors[s].per_capita ? v * ratio : v;
        }
}

bk_status bki_city_init(bk_model *m)
{
    const struct bk_scenario *sc = m->sc;
    int ns = sc->cityside.n_sectors > 0 ? sc->cityside.n_sectors : 1;
    int np = sc->n_products;
    bk_city_state *c = bki_calloc(1, sizeof *c);
    if (c == NULL)
        return BK_ERR_NOMEM;
    m->city = c;
    c->price_ratio = bki_malloc((size_t)np * sizeof *c->price_ratio);
    c->official = bki_malloc((size_t)np * sizeof *c->official);
    c->demand = bki_calloc((size_t)ns * np, sizeof *c->demand);
    c->given = bki_calloc((size_t)ns * np, sizeof *c->given);
    c->tier = bki_calloc((size_t)ns, sizeof *c->tier);
    c->reserve_ok = bki_calloc((size_t)ns, sizeof *c->reserve_ok);
    c->floor = bki_calloc((size_t)ns, sizeof *c->floor);
    c->d_tmp = bki_calloc((size_t)ns, sizeof *c->d_tmp);
    c->g_tmp = bki_calloc((size_t)ns, sizeof *c->g_tmp);
    c->w_tmp = bki_calloc((size_t)ns, sizeof *c->w_tmp);
    c->unmet_total = bki_calloc((size_t)ns, sizeof *c->unmet_total);
    c->first_stockout = bki_malloc((size_t)np * sizeof *c->first_stockout);
    c->own = bki_calloc((size_t)ns * np, sizeof *c->own);
    c->hh = bki_calloc((size_t)ns * np, sizeof *c->hh);
    c->cons = bki_calloc((size_t)ns * np, sizeof *c->cons);
    c->inf = bki_calloc((size_t)np, sizeof *c->inf);
    c->base = bki_calloc((size_t)ns * np, sizeof *c->base);
    if (!c->base)
        return BK_ERR_NOMEM;
    if (!c->price_ratio || !c->official || !c->demand || !c->given || !c->tier ||
        !c->reserve_ok || !c->floor || !c->d_tmp || !c->g_tmp || !c->w_tmp || !c->unmet_total ||
        !c->first_stockout || !c->own || !c->hh || !c->cons || !c->inf)
        return BK_ERR_NOMEM;
    const bk_city_side *cs = &sc->cityside;
    for (int p = 0; p < np; p++) {
        c->price_ratio[p] = 1.0;
        c->official[p] = cs->official_price ? cs->official_price[p] : 0;
        c->first_stockout[p] = -1;
    }
    /* the stocks outside the depot start at their normal targets (no expectation yet), for the
     * population of day 0 */
    set_base(sc, c, 0);
    for (int s = 0; s < cs->n_sectors; s++) {
        const bk_sector *sec = &cs->sectors[s];
        c->tier[s] = sec->tier;
        c->floor[s] = sec->floor_share;
        for (int p = 0; p < np; p++) {
            c->own[s * np + p] = sec->stock_days * c->base[s * np + p];
            if (sec->retail) {
                c->hh[s * np + p] = cs->hh_days * c->base[s * np + p];
                c->inf[p] += cs->inf_days * c->base[s * np + p];
            }
        }
    }
    for (int i = 0; i < cs->n_sectors * np; i++)
        c->buffers0_l += c->own[i] + c->hh[i];
    for (int p = 0; p < np; p++)
        c->buffers0_l += c->inf[p];
    c->buffers_l = c->buffers0_l;
    c->reserve_tier = cs->reserve_tier;
    c->schools_open = true;
    c->school_decided = c->school_from = c->school_until = -1;
    c->first_priority_cut = -1;
    c->price_control = sc->citypol.price_control;
    c->fill_cap_l = sc->citypol.per_fill_cap_l;
    c->airlift_l = 0; /* the policy's airlift starts on its date, in bki_city_day */
    c->airlift_product = -1;
    c->escort_alloc = sc->citypol.escort_alloc;
    return BK_OK;
}

void bki_city_release(bk_model *m)
{
    bk_city_state *c = m->city;
    if (c == NULL)
        return;
    bki_free_all(c->price_ratio, c->official, c->demand, c->given, c->tier, c->reserve_ok, c->floor,
                 c->d_tmp, c->g_tmp, c->w_tmp, c->unmet_total, c->first_stockout, c->base, c->own,
                 c->hh, c->cons, c->inf, c);
    m->city = NULL;
}

bool bki_city_holiday(const bk_city_side *cs, int d)
{
    for (int i = 0; i < cs->n_holidays; i++)
        if (d >= cs->holiday_from[i] && d <= cs->holiday_to[i])
            return true;
    return false;
}

/* Calendar month (1..12) of day d of the run. */
static int month_of(const struct bk_scenario *sc, int d)
{
    int y, mo, dd;
    bki_civil_from_days(bki_days_from_civil(sc->start_year, sc->start_month, sc->start_day) + d, &y,
                        &mo, &dd);
    return mo;
}

/* Expectations: news (declaration, successful attacks on tankers) decay; what buyers see (queue
 * hours, days of cover) adds; E = 1 - exp(-(N + O)) in [0, 1). */
static void update_expectations(bk_model *m, const bk_city_side *cs, bk_city_state *c)
{
    c->news *= cs->exp_news_days > 0 ? exp(-1.0 / cs->exp_news_days) : 0.0;
    if (m->campaign && !c->campaign_seen) {
        c->news += cs->exp_decl;
        c->campaign_seen = true;
    }
    c->news += cs->exp_attack * (double)m->today.attacks_ok;
    double low = cs->exp_cover_days > 0 ? 1.0 - c->cover_days / cs->exp_cover_days : 0.0;
    double seen = cs->exp_queue * c->queue_h / 24.0 + cs->exp_cover * (low > 0 ? low : 0.0);
    c->expect = 1.0 - exp(-(c->news + seen));
}

/* Schools as decisions: when the transport sectors have been served below close_below for
 * close_days days, the authorities decide a closure that begins announce_days later (on the
 * first school day, not in a holiday) and lasts period_days; at its end it is reviewed: reopen
 * if transport has been served at or above reopen_above for reopen_days, else extend by another
 * period. With period_days 0, the hysteresis rule: reopen after reopen_days good days. */
static void schools_day(const bk_city_side *cs, bk_city_state *c, int d, double tserved)
{
    c->short_streak = tserved < cs->school_close_below ? c->short_streak + 1 : 0;
    c->ok_streak = tserved >= cs->school_reopen_above ? c->ok_streak + 1 : 0;
    c->holiday = bki_city_holiday(cs, d);
    if (cs->school_period_days <= 0) {
        if (c->schools_open) {
            if (c->short_streak >= cs->school_close_days && cs->school_close_days > 0) {
                c->schools_open = false;
                c->ok_streak = 0;
            }
        } else if (c->ok_streak >= cs->school_reopen_days) {
            c->schools_open = true;
            c->short_streak = 0;
        }
    } else {
        if (c->school_decided < 0 && c->short_streak >= cs->school_close_days) {
            int from = d + cs->school_announce_days;
            while (bki_city_holiday(cs, from))
                from++;
            c->school_decided = d;
            c->school_from = from;
            c->school_until = from + cs->school_period_days;
        }
        if (c->school_decided >= 0 && d >= c->school_until) { /* the review */
            if (c->ok_streak >= cs->school_reopen_days) {
                c->school_decided = c->school_from = c->school_until = -1;
                c->short_streak = 0;
            } else {
                c->school_until += cs->school_period_days;
            }
        }
        c->schools_open = !(c->school_decided >= 0 && d >= c->school_from && d < c->school_until);
    }
    if (!c->schools_open && !c->holiday)
        c->school_closed_days++;
}

/* The city's day d: airlift, demand, allocation to the sectors' own stocks, sales to end uses,
 * households and traders, consequences. Called at the close of the day, after the day's
 * deliveries, before the day is recorded. */
void bki_city_day(bk_model *m, int d)
{
    const struct bk_scenario *sc = m->sc;
    const bk_city_side *cs = &sc->cityside;
    bk_city_state *c = m->city;
    int np = sc->n_products, ns = cs->n_sectors;
    c->airlifted_today = 0;
    if (!c->airlift_set && sc->citypol.airlift_from_h >= 0 && 24.0 * d >= sc->citypol.airlift_from_h) {
        c->airlift_l = sc->citypol.airlift_l_per_day;
        c->airlift_product = sc->citypol.airlift_product;
        c->airlift_set = true;
    }
    /* a closed airfield takes no flights: the day's airlift shrinks to the hours it is open */
    double closed_h = m->airfield_closed_until_h[sc->city.place] - 24.0 * d;
    double open_share = closed_h <= 0 ? 1.0 : closed_h >= 24.0 ? 0.0 : 1.0 - closed_h / 24.0;
    if (c->airlift_l > 0 && c->airlift_product >= 0 && open_share > 0) {
        double room = sc->city.depot_capacity_l;
        for (int p = 0; p < np; p++)
            room -= m->stock_l[p];
        double want = open_share < 1.0 ? c->airlift_l * open_share : c->airlift_l;
        double x = want < room ? want : (room > 0 ? room : 0);
        m->stock_l[c->airlift_product] += x;
        c->airlifted_l += x;
        c->airlifted_today = x;
    }
    memset(c->demand, 0, (size_t)(ns > 0 ? ns : 1) * np * sizeof *c->demand);
    memset(c->given, 0, (size_t)(ns > 0 ? ns : 1) * np * sizeof *c->given);
    c->consumed_today = 0;
    c->unmet_priority_today = 0;
    if (!cs->enabled || ns == 0)
        return;
    set_base(sc, c, d); /* the population of the day drives the per-capita sectors */

    /* days of cover of the depot's free stock, at baseline demand, drives hoarding */
    double base_total = 0, free_total = 0;
    for (int p = 0; p < np; p++) {
        for (int s = 0; s < ns; s++)
            base_total += c->base[s * np + p];
        double f = m->stock_l[p] - (cs->reserve_floor_l ? cs->reserve_floor_l[p] : 0);
        free_total += f > 0 ? f : 0;
    }
    c->cover_days = base_total > 0 ? free_total / base_total : 0;
    update_expectations(m, cs, c);
    bool hoarding = cs->hoard_factor > 0 && c->cover_days < cs->hoard_cover_days;
    double cap = 1.0;
    if (c->fill_cap_l > 0 && sc->citypol.typical_fill_l > 0)
        cap = c->fill_cap_l < sc->citypol.typical_fill_l ? c->fill_cap_l / sc->citypol.typical_fill_l
                                                         : 1.0;
    for (int s = 0; s < ns; s++)
        c->reserve_ok[s] = c->tier[s] <= c->reserve_tier;
    /* hydro by season: the power sector burns fuel for the fuel-fired share of this month */
    double fshare = cs->power_sector >= 0 ? cs->fuel_share_month[month_of(sc, d) - 1] : 0;
    double season = cs->power_fuel_share > 0 ? fshare / cs->power_fuel_share : 1.0;
    double wait_cost = cs->queue_cost * c->queue_h; /* yesterday's queue, as a price ratio */

    double demand_all = 0, unmet_all = 0, retail_served = 0, retail_unmet = 0;
    for (int p = 0; p < np; p++) {
        /* the informal traders' purchase at the stations, shared over retail sectors */
        double ret0 = 0;
        for (int s = 0; s < ns; s++)
            if (cs->sectors[s].retail)
                ret0 += c->base[s * np + p];
        double inf_target = cs->inf_days * ret0 * (1.0 + cs->inf_hoard * c->expect);
        double inf_want = cs->inf_refill_days > 0 && inf_target > c->inf[p]
                              ? (inf_target - c->inf[p]) / cs->inf_refill_days
                              : 0.0;
        double dp = 0;
        for (int s = 0; s < ns; s++) {
            const bk_sector *sec = &cs->sectors[s];
            double base = c->base[s * np + p];
            if (s == cs->power_sector)
                base *= season;
            if (s == cs->backup_sector) {
                double tot = 0;
                for (int q = 0; q < np; q++)
                    tot += c->base[s * np + q];
                base += tot > 0 ? c->backup_extra * c->base[s * np + p] / tot : 0;
            }
            double full = c->price_ratio[p] + (sec->retail ? wait_cost : 0.0);
            double dem = base * pow(full, sec->elasticity);
            double order = 0;
            int i = s * np + p;
            if (sec->retail) {
                dem *= cap;
                if (hoarding)
                    dem *= 1.0 + cs->hoard_factor;
                double hh_target = cs->hh_days * c->base[s * np + p] *
                                   (1.0 + cs->hh_hoard * c->expect);
                double hw = cs->hh_refill_days > 0 && hh_target > c->hh[i]
                                ? cap * (hh_target - c->hh[i]) / cs->hh_refill_days
                                : 0.0;
                double iw = ret0 > 0 ? inf_want * c->base[s * np + p] / ret0 : 0.0;
                c->w_tmp[s] = hw; /* households' refill; traders' part is order - dem - hw */
                order = hw + iw;
            } else {
                c->w_tmp[s] = 0;
            }
            double own_target = sec->stock_days * c->base[s * np + p];
            if (own_target > c->own[i])
                order += (own_target - c->own[i]) / sec->restock_days;
            c->demand[i] = dem;
            c->d_tmp[s] = dem + order;
            dp += dem;
        }
        double reserve = cs->reserve_floor_l ? cs->reserve_floor_l[p] : 0;
        double stock = m->stock_l[p];
        double res = stock < reserve ? stock : reserve;
        bki_city_allocate(ns, c->tier, c->d_tmp, c->floor, c->reserve_ok, stock - res, res,
                          c->g_tmp);
        double drawn = 0, inf_unmet = 0;
        for (int s = 0; s < ns; s++) {
            const bk_sector *sec = &cs->sectors[s];
            int i = s * np + p;
            drawn += c->g_tmp[s];
            double avail = c->own[i] + c->g_tmp[s];
            double own_target = sec->stock_days * c->base[s * np + p];
            double restock = own_target > c->own[i] ? (own_target - c->own[i]) / sec->restock_days
                                                    : 0.0;
            /* what the sector's buyers want today: end use, households, traders */
            double want = c->d_tmp[s] - restock;
            double sold = want < avail ? want : avail;
            double f = want > 0 ? sold / want : 0.0;
            c->own[i] = avail - sold;
            double use = c->demand[i] * f;
            if (sec->retail) {
                double hw = c->w_tmp[s];
                c->hh[i] += hw * f;
                double iw = want - c->demand[i] - hw; /* the traders' part, >= 0 up to rounding */
                c->inf[p] += (iw > 0 ? iw : 0.0) * f;
                double short_l = c->demand[i] - use;
                double draw = short_l < c->hh[i] ? short_l : c->hh[i];
                c->hh[i] -= draw;
                use += draw;
                inf_unmet += c->demand[i] - use;
            }
            c->cons[i] = use;
        }
        /* the informal market sells what it holds to the retail buyers still short */
        if (inf_unmet > 0 && c->inf[p] > 0) {
            double sell = inf_unmet < c->inf[p] ? inf_unmet : c->inf[p];
            double k = sell / inf_unmet;
            for (int s = 0; s < ns; s++)
                if (cs->sectors[s].retail) {
                    int i = s * np + p;
                    c->cons[i] += (c->demand[i] - c->cons[i]) * k;
                }
            c->inf[p] -= sell;
        }
        drawn = drawn < stock ? drawn : stock;
        m->stock_l[p] -= drawn;
        c->drawn_l += drawn;
        double used = 0, used_priority = 0;
        for (int s = 0; s < ns; s++) {
            int i = s * np + p;
            c->given[i] = c->cons[i];
            used += c->cons[i];
            double unmet = c->demand[i] - c->cons[i];
            unmet = unmet > 0 ? unmet : 0;
            c->unmet_total[s] += unmet;
            if (cs->sectors[s].priority) { /* the sectors flagged `priority` (city.md) */
                used_priority += c->cons[i];
                c->unmet_priority_today += unmet;
            }
            if (cs->sectors[s].retail) {
                retail_served += c->cons[i];
                retail_unmet += unmet;
            }
        }
        c->consumed_l += used;
        c->consumed_priority_l += used_priority;
        c->consumed_today += used;
        double unmet_p = dp - used;
        demand_all += dp;
        unmet_all += unmet_p > 0 ? unmet_p : 0;
        double shortage = dp > 0 && unmet_p > 0 ? unmet_p / dp : 0;
        /* informal price: relaxes toward exp(sensitivity × shortage + fear × expectation); the
         * target is finite for every state, with no ceiling */
        double target = exp(cs->price_sensitivity * shortage + cs->price_fear * c->expect);
        double k = cs->price_adjust_days > 0 ? 1.0 - exp(-1.0 / cs->price_adjust_days) : 1.0;
        c->price_ratio[p] += (target - c->price_ratio[p]) * k;
        /* stock-out: the depot's free stock of the product is gone and end users go short */
        if (c->first_stockout[p] < 0 && m->stock_l[p] <= reserve + 1e-6 && shortage > 0.01)
            c->first_stockout[p] = d;
    }
    c->buffers_l = 0;
    for (int i = 0; i < ns * np; i++)
        c->buffers_l += c->own[i] + c->hh[i];
    for (int p = 0; p < np; p++)
        c->buffers_l += c->inf[p];
    c->shortage_share = demand_all > 0 ? unmet_all / demand_all : 0;
    if (c->shortage_share > 0.01)
        c->shortage_days++;

    /* priority sectors cut */
    bool cut = false;
    for (int s = 0; s < ns; s++) {
        if (!cs->sectors[s].priority)
            continue;
        double dem = 0, got = 0;
        for (int p = 0; p < np; p++) {
            dem += c->demand[s * np + p];
            got += c->given[s * np + p];
        }
        if (dem > 0 && got < 0.99 * dem)
            cut = true;
    }
    if (cut && c->first_priority_cut < 0)
        c->first_priority_cut = d;

    /* blackout: the fuel-fired share of this month's generation scales with the power
     * sector's supply (its own stock included); backup generators burn more the next day */
    c->blackout_h = 24.0 - cs->power_hours_normal;
    if (cs->power_sector >= 0) {
        double dem = 0, got = 0;
        for (int p = 0; p < np; p++) {
            dem += c->demand[cs->power_sector * np + p];
            got += c->given[cs->power_sector * np + p];
        }
        double served = dem > 0 ? got / dem : 1.0;
        double hours = cs->power_hours_normal * (1.0 - fshare * (1.0 - served));
        c->blackout_h = 24.0 - hours;
    }
    c->blackout_total += c->blackout_h;
    double extra_h = c->blackout_h - (24.0 - cs->power_hours_normal);
    c->backup_extra = cs->backup_l_per_h * (extra_h > 0 ? extra_h : 0.0);

    /* schools: closed by decision, dated, with a school calendar */
    double tdem = 0, tgot = 0;
    for (int s = 0; s < ns; s++)
        if (cs->sectors[s].transport)
            for (int p = 0; p < np; p++) {
                tdem += c->demand[s * np + p];
                tgot += c->given[s * np + p];
            }
    schools_day(cs, c, d, tdem > 0 ? tgot / tdem : 1.0);

    /* queues: rationing by waiting when the price cannot clear the market */
    double ratio_mean = 0;
    for (int p = 0; p < np; p++)
        ratio_mean += c->price_ratio[p] / np;
    double q = retail_served > 0 ? cs->queue_hours_per_ratio * retail_unmet / retail_served
                                 : (retail_unmet > 0 ? 24.0 : 0.0);
    if (!c->price_control)
        q /= ratio_mean;
    c->queue_h = q < 24.0 ? q : 24.0;

    /* pressure index */
    double wsum = cs->w_blackout + cs->w_queue + cs->w_price + cs->w_schools + cs->w_shortage;
    double price_comp = ratio_mean > 1 ? 1.0 - 1.0 / ratio_mean : 0; /* 0 at par, -> 1 */
    c->pressure = wsum > 0 ? (cs->w_blackout * c->blackout_h / 24.0 + cs->w_queue * c->queue_h / 24.0 +
                              cs->w_price * price_comp + cs->w_schools * !c->schools_open +
                              cs->w_shortage * c->shortage_share) /
                                 wsum
                           : 0;
    if (c->pressure > cs->pressure_threshold)
        c->pressure_days++;
    if (ratio_mean > c->peak_ratio)
        c->peak_ratio = ratio_mean;
    c->ratio_sum += ratio_mean;
    c->days_done++;
}
