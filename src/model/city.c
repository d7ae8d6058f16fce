/* city.c: the city side. Once a day the city's stock of each product is shared among demand
 * sectors by the rationing policy, and the consequences follow: blackout hours, school closure
 * with hysteresis, queues at stations, the informal price and a pressure index. Airlifted fuel
 * is added before the allocation. */
#include "engine/alloc.h"
#include "model/city.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"

double bk_city_allocate(int n, const int *tier, const double *demand, const double *floor_share,
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

bk_status bk_city_init(bk_model *m)
{
    const struct bk_scenario *sc = m->sc;
    int ns = sc->cityside.n_sectors > 0 ? sc->cityside.n_sectors : 1;
    int np = sc->n_products;
    bk_city_state *c = bk_calloc(1, sizeof *c);
    if (c == NULL)
        return BK_ERR_NOMEM;
    m->city = c;
    c->price_ratio = bk_malloc((size_t)np * sizeof *c->price_ratio);
    c->official = bk_malloc((size_t)np * sizeof *c->official);
    c->demand = bk_calloc((size_t)ns * np, sizeof *c->demand);
    c->given = bk_calloc((size_t)ns * np, sizeof *c->given);
    c->tier = bk_calloc((size_t)ns, sizeof *c->tier);
    c->reserve_ok = bk_calloc((size_t)ns, sizeof *c->reserve_ok);
    c->floor = bk_calloc((size_t)ns, sizeof *c->floor);
    c->d_tmp = bk_calloc((size_t)ns, sizeof *c->d_tmp);
    c->g_tmp = bk_calloc((size_t)ns, sizeof *c->g_tmp);
    c->unmet_total = bk_calloc((size_t)ns, sizeof *c->unmet_total);
    c->first_stockout = bk_malloc((size_t)np * sizeof *c->first_stockout);
    if (!c->price_ratio || !c->official || !c->demand || !c->given || !c->tier ||
        !c->reserve_ok || !c->floor || !c->d_tmp || !c->g_tmp || !c->unmet_total ||
        !c->first_stockout)
        return BK_ERR_NOMEM;
    for (int p = 0; p < np; p++) {
        c->price_ratio[p] = 1.0;
        c->official[p] = sc->cityside.official_price ? sc->cityside.official_price[p] : 0;
        c->first_stockout[p] = -1;
    }
    for (int s = 0; s < sc->cityside.n_sectors; s++) {
        c->tier[s] = sc->cityside.sectors[s].tier;
        c->floor[s] = sc->cityside.sectors[s].floor_share;
    }
    c->reserve_tier = sc->cityside.reserve_tier;
    c->schools_open = true;
    c->first_priority_cut = -1;
    c->price_control = sc->citypol.price_control;
    c->fill_cap_l = sc->citypol.per_fill_cap_l;
    c->airlift_l = 0; /* the policy's airlift starts on its date, in bk_city_day */
    c->airlift_product = -1;
    c->escort_alloc = sc->citypol.escort_alloc;
    return BK_OK;
}

void bk_city_release(bk_model *m)
{
    bk_city_state *c = m->city;
    if (c == NULL)
        return;
    bk_free(c->price_ratio);
    bk_free(c->official);
    bk_free(c->demand);
    bk_free(c->given);
    bk_free(c->tier);
    bk_free(c->reserve_ok);
    bk_free(c->floor);
    bk_free(c->d_tmp);
    bk_free(c->g_tmp);
    bk_free(c->unmet_total);
    bk_free(c->first_stockout);
    bk_free(c);
    m->city = NULL;
}

/* The city's day d: airlift, demand, allocation, consequences. Called at the close of the day,
 * after the day's deliveries, before the day is recorded. */
void bk_city_day(bk_model *m, int d)
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
    if (c->airlift_l > 0 && c->airlift_product >= 0) {
        double room = sc->city.depot_capacity_l;
        for (int p = 0; p < np; p++)
            room -= m->stock_l[p];
        double x = c->airlift_l < room ? c->airlift_l : (room > 0 ? room : 0);
        m->stock_l[c->airlift_product] += x;
        c->airlifted_l += x;
        c->airlifted_today = x;
    }
    memset(c->demand, 0, (size_t)(ns > 0 ? ns : 1) * np * sizeof *c->demand);
    memset(c->given, 0, (size_t)(ns > 0 ? ns : 1) * np * sizeof *c->given);
    c->consumed_today = 0;
    if (!cs->enabled || ns == 0)
        return;

    /* days of cover of the free stock, at baseline demand, drives hoarding */
    double base_total = 0, free_total = 0;
    for (int p = 0; p < np; p++) {
        for (int s = 0; s < ns; s++)
            base_total += cs->sectors[s].demand_l_per_day[p];
        double f = m->stock_l[p] - (cs->reserve_floor_l ? cs->reserve_floor_l[p] : 0);
        free_total += f > 0 ? f : 0;
    }
    c->cover_days = base_total > 0 ? free_total / base_total : 0;
    bool hoarding = cs->hoard_factor > 0 && c->cover_days < cs->hoard_cover_days;
    double cap = 1.0;
    if (c->fill_cap_l > 0 && sc->citypol.typical_fill_l > 0)
        cap = c->fill_cap_l < sc->citypol.typical_fill_l ? c->fill_cap_l / sc->citypol.typical_fill_l
                                                         : 1.0;
    for (int s = 0; s < ns; s++)
        c->reserve_ok[s] = c->tier[s] <= c->reserve_tier;

    double demand_all = 0, unmet_all = 0, retail_served = 0, retail_unmet = 0;
    for (int p = 0; p < np; p++) {
        double dp = 0;
        for (int s = 0; s < ns; s++) {
            const bk_sector *sec = &cs->sectors[s];
            double dem = sec->demand_l_per_day[p] * pow(c->price_ratio[p], sec->elasticity);
            if (sec->retail) {
                dem *= cap;
                if (hoarding)
                    dem *= 1.0 + cs->hoard_factor;
            }
            c->d_tmp[s] = dem;
            dp += dem;
        }
        double reserve = cs->reserve_floor_l ? cs->reserve_floor_l[p] : 0;
        double stock = m->stock_l[p];
        double res = stock < reserve ? stock : reserve;
        bk_city_allocate(ns, c->tier, c->d_tmp, c->floor, c->reserve_ok, stock - res, res,
                         c->g_tmp);
        double used = 0;
        for (int s = 0; s < ns; s++) {
            c->demand[s * np + p] = c->d_tmp[s];
            c->given[s * np + p] = c->g_tmp[s];
            used += c->g_tmp[s];
            double unmet = c->d_tmp[s] - c->g_tmp[s];
            c->unmet_total[s] += unmet;
            if (cs->sectors[s].retail) {
                retail_served += c->g_tmp[s];
                retail_unmet += unmet;
            }
        }
        used = used < stock ? used : stock;
        m->stock_l[p] -= used;
        c->consumed_l += used;
        c->consumed_today += used;
        double unmet_p = dp - used;
        demand_all += dp;
        unmet_all += unmet_p > 0 ? unmet_p : 0;
        double shortage = dp > 0 && unmet_p > 0 ? unmet_p / dp : 0;
        /* informal price: relaxes toward a target set by the product's shortage */
        double target = 1.0 + cs->price_sensitivity * shortage;
        if (target > cs->price_max_ratio)
            target = cs->price_max_ratio;
        double k = cs->price_adjust_days > 0 ? 1.0 - exp(-1.0 / cs->price_adjust_days) : 1.0;
        c->price_ratio[p] += (target - c->price_ratio[p]) * k;
        /* stock-out: the free stock of the product is gone */
        if (c->first_stockout[p] < 0 && m->stock_l[p] <= reserve + 1e-6 && shortage > 0.01)
            c->first_stockout[p] = d;
    }
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

    /* blackout: the fuel-dependent share of generation scales with the power sector's supply */
    c->blackout_h = 24.0 - cs->power_hours_normal;
    if (cs->power_sector >= 0) {
        double dem = 0, got = 0;
        for (int p = 0; p < np; p++) {
            dem += c->demand[cs->power_sector * np + p];
            got += c->given[cs->power_sector * np + p];
        }
        double served = dem > 0 ? got / dem : 1.0;
        double hours = cs->power_hours_normal * (1.0 - cs->power_fuel_share * (1.0 - served));
        c->blackout_h = 24.0 - hours;
    }
    c->blackout_total += c->blackout_h;

    /* schools, with hysteresis */
    double tdem = 0, tgot = 0;
    for (int s = 0; s < ns; s++)
        if (cs->sectors[s].transport)
            for (int p = 0; p < np; p++) {
                tdem += c->demand[s * np + p];
                tgot += c->given[s * np + p];
            }
    double tserved = tdem > 0 ? tgot / tdem : 1.0;
    if (c->schools_open) {
        c->short_streak = tserved < cs->school_close_below ? c->short_streak + 1 : 0;
        if (c->short_streak >= cs->school_close_days && cs->school_close_days > 0) {
            c->schools_open = false;
            c->ok_streak = 0;
        }
    } else {
        c->ok_streak = tserved >= cs->school_reopen_above ? c->ok_streak + 1 : 0;
        if (c->ok_streak >= cs->school_reopen_days) {
            c->schools_open = true;
            c->short_streak = 0;
        }
    }
    if (!c->schools_open)
        c->school_closed_days++;

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
    double price_comp = cs->price_max_ratio > 1 ? (ratio_mean - 1) / (cs->price_max_ratio - 1) : 0;
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
